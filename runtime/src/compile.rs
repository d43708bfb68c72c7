//! Compile with CPython and put the code tree back on original lines.
//!
//! CPython's own `compile()` does all code generation (so rcov needs no
//! per-version bytecode knowledge); this module then walks the code tree once,
//! depth first through `co_consts`, and for each code object reads
//! `co_linetable` once, remaps it in Rust (`linetable`) and rebuilds the object
//! with `code.replace(co_linetable=, co_firstlineno=, co_consts=)`. A handful
//! of Python calls per code object, none per instruction.
//!
//! The compiler's warnings (`SyntaxWarning`s) name rewritten lines, so they
//! are caught and shown again on the original lines.
//!
//! The same walk yields what the rest of rcov needs from the tree: every code
//! object (to enable LINE events on) and the original lines that `co_lines()`
//! reports, which are coverage.py's raw statements (it skips code objects
//! named `__annotate__`, and so does this walk, though not their children).

use std::ffi::CString;

use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyCode, PyDict, PyList, PyString, PyTuple};
use rcov_instrument::{Options, PROBE_BASE};
use serde::{Deserialize, Serialize};

use crate::error::RcovError;
use crate::firstlineno;
use crate::linetable::{self, Entry, LineRemap};
use crate::quiet_targets::{self, Opcodes};
use crate::runs::{self, InOrder};

/// A compiled file: the module code object, and every code object of its
/// tree (module first, depth first through `co_consts`) with what the walk
/// learnt of them.
pub struct CodeTree<'py> {
    pub module: Bound<'py, PyAny>,
    pub code_objects: Vec<Bound<'py, PyAny>>,
    pub facts: TreeFacts,
}

/// What a walk learns of a code tree besides its code objects; kept in the
/// instrumented-code cache, so that a cache hit only collects the objects.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeFacts {
    /// Per code object, the lines it can report to a LINE callback (probe
    /// lines included).
    pub event_lines: Vec<Vec<u32>>,
    /// Per code object that runs its instructions in order (see `runs`),
    /// where its lines are; None for the others.
    pub in_order: Vec<Option<InOrder>>,
    /// The original lines the tree's `co_lines()` report (coverage.py's raw
    /// statements), ascending, each once.
    pub raw_statements: Vec<u32>,
}

/// How the running interpreter starts a code object: its `RESUME` opcode and
/// that instruction's size in code units (inline caches included). LINE
/// events start after the first `RESUME`. Learnt from the interpreter itself,
/// so rcov carries no per-version bytecode table.
struct EntryShape {
    resume: u8,
    resume_units: usize,
}

static ENTRY_SHAPE: PyOnceLock<Option<EntryShape>> = PyOnceLock::new();

impl EntryShape {
    /// The interpreter's shape, or None if it cannot be learnt (then every
    /// line of a code object is taken to be able to report).
    fn get(py: Python<'_>) -> Option<&'static EntryShape> {
        ENTRY_SHAPE
            .get_or_init(py, || Self::learn(py).ok().flatten())
            .as_ref()
    }

    /// `opcode.opmap["RESUME"]`, and the size of the first `co_lines()` range
    /// of a function whose `def` line holds nothing but its entry.
    fn learn(py: Python<'_>) -> PyResult<Option<EntryShape>> {
        let resume: u8 = py
            .import(intern!(py, "opcode"))?
            .getattr(intern!(py, "opmap"))?
            .get_item("RESUME")?
            .extract()?;
        let module = builtin_compile(py, "def f():\n    return 0\n", "<rcov>")?;
        let consts = module.getattr(intern!(py, "co_consts"))?;
        let Some(function) = consts
            .cast::<PyTuple>()?
            .iter()
            .find(|item| item.is_instance_of::<PyCode>())
        else {
            return Ok(None);
        };
        let mut ranges = function.call_method0(intern!(py, "co_lines"))?.try_iter()?;
        let (start, end, line): (usize, usize, Option<i32>) = match ranges.next() {
            Some(range) => range?.extract()?,
            None => return Ok(None),
        };
        let shape = (start == 0 && line == Some(1) && end >= 2).then_some(EntryShape {
            resume,
            resume_units: end / 2,
        });
        Ok(shape)
    }

    /// The first code unit of `code` that can report a line.
    fn first_traced(&self, code: &[u8]) -> usize {
        code.chunks_exact(2)
            .position(|unit| unit[0] == self.resume)
            .map_or(0, |at| at + self.resume_units)
    }
}

/// Instrument and analyse for the running interpreter's syntax.
pub fn target_options(py: Python<'_>) -> Options {
    let version = py.version_info();
    Options {
        target_version: (version.major, version.minor),
    }
}

/// The original lines that `co_lines()` reports over the code tree of a
/// plain compile of `source` (coverage.py's raw statements). Its
/// SyntaxWarnings are dropped: this compile only reads the file.
pub fn raw_statements(py: Python<'_>, source: &str, filename: &str) -> Result<Vec<u32>, RcovError> {
    let (module, _warnings) = compile_catching_warnings(py, source, filename)?;
    let module = module.map_err(|err| RcovError::NotPython {
        filename: filename.to_string(),
        message: err.to_string(),
    })?;
    Ok(walk_tree(&module, Rebuild::NOTHING)?.facts.raw_statements)
}

/// `builtins.compile(source, filename, "exec", dont_inherit=True)`.
pub fn builtin_compile<'py>(
    py: Python<'py>,
    source: impl IntoPyObject<'py>,
    filename: impl IntoPyObject<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let compile = py
        .import(intern!(py, "builtins"))?
        .getattr(intern!(py, "compile"))?;
    let kwargs = PyDict::new(py);
    kwargs.set_item(intern!(py, "dont_inherit"), true)?;
    compile.call((source, filename, intern!(py, "exec")), Some(&kwargs))
}

/// `compile(data, filename, "exec", dont_inherit=True)` of a file's bytes
/// (its coding cookie honoured), through CPython's C API: `builtins.compile`
/// first creates the `ast` module's types, about 1 ms once per process,
/// which a program that never compiles (an import from `.pyc`s and a main
/// script that rcov does not measure) would otherwise pay for rcov.
#[pyfunction]
pub fn compile_file<'py>(
    py: Python<'py>,
    data: &[u8],
    filename: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: `filename` is a str; a new reference (or NULL, an error set).
    let encoded = unsafe {
        Bound::from_owned_ptr_or_err(py, ffi::PyUnicode_EncodeFSDefault(filename.as_ptr()))?
    };
    let encoded = encoded.cast_into::<PyBytes>()?;
    match (CString::new(data), CString::new(encoded.as_bytes())) {
        // SAFETY: NUL-terminated strings that outlive the call; the result
        // is a new reference or NULL with an error set.
        (Ok(source), Ok(name)) => unsafe {
            Bound::from_owned_ptr_or_err(
                py,
                ffi::Py_CompileString(source.as_ptr(), name.as_ptr(), ffi::Py_file_input),
            )
        },
        // A NUL byte: `compile` raises CPython's own error for it.
        _ => builtin_compile(py, PyBytes::new(py, data), filename),
    }
}

/// The warnings CPython's compiler decided to show while compiling one
/// text, held back so that they can be shown on the right lines, or not at all.
pub struct CaughtWarnings<'py> {
    show: Bound<'py, PyAny>,
    caught: Bound<'py, PyList>,
}

/// [`builtin_compile`] with the warnings it would show caught instead.
///
/// The catch is below the filters: `warnings._showwarnmsg`, which the
/// interpreter calls for each warning the filters let through, is replaced by
/// a list's `append` for the length of the compile. The filters (and their
/// "once" and "default" bookkeeping) see each warning exactly as for a plain
/// compile, "error" still makes compiling fail, and nothing resets the
/// `__warningregistry__` of the program's modules, as `catch_warnings` would.
pub fn compile_catching_warnings<'py>(
    py: Python<'py>,
    text: &str,
    filename: &str,
) -> PyResult<(PyResult<Bound<'py, PyAny>>, CaughtWarnings<'py>)> {
    let warnings = py.import(intern!(py, "warnings"))?;
    let show = warnings.getattr(intern!(py, "_showwarnmsg"))?;
    let caught = PyList::empty(py);
    warnings.setattr(
        intern!(py, "_showwarnmsg"),
        caught.getattr(intern!(py, "append"))?,
    )?;
    let compiled = builtin_compile(py, text, filename);
    warnings.setattr(intern!(py, "_showwarnmsg"), &show)?;
    Ok((compiled, CaughtWarnings { show, caught }))
}

impl CaughtWarnings<'_> {
    pub fn is_empty(&self) -> bool {
        self.caught.is_empty()
    }

    /// Shows the warnings, moving those about `filename` from rewritten lines
    /// to original ones when `lines` is given (the source line shown with
    /// them is then read from the original file).
    pub fn show(self, filename: &str, lines: Option<&LineRemap>) -> Result<(), RcovError> {
        let py = self.show.py();
        for message in self.caught.iter() {
            let about_file = message.getattr(intern!(py, "filename"))?.eq(filename)?;
            if let Some(lines) = lines.filter(|_| about_file) {
                let line: i32 = message.getattr(intern!(py, "lineno"))?.extract()?;
                message.setattr(intern!(py, "lineno"), lines.original_line(line)?)?;
            }
            self.show.call1((message,))?;
        }
        Ok(())
    }
}

/// What `walk_tree` changes in the tree it walks.
#[derive(Clone, Copy, Default)]
pub struct Rebuild<'a> {
    /// Put every instruction back on its original line.
    pub lines: Option<&'a LineRemap<'a>>,
    /// Drop the location of the jump targets CPython would instrument but
    /// never report (`quiet_targets`).
    pub quiet_targets: bool,
}

impl Rebuild<'_> {
    /// Walk only: collect the code objects and statements.
    pub const NOTHING: Rebuild<'static> = Rebuild {
        lines: None,
        quiet_targets: false,
    };
}

/// Walks the tree of `module`, rebuilding it as `rebuild` says.
pub fn walk_tree<'py>(
    module: &Bound<'py, PyAny>,
    rebuild: Rebuild<'_>,
) -> Result<CodeTree<'py>, RcovError> {
    let py = module.py();
    let opcodes = Opcodes::get(py);
    let mut walk = Walk {
        lines: rebuild.lines,
        opcodes,
        quiet_targets: rebuild.quiet_targets.then_some(opcodes).flatten(),
        entry_shape: EntryShape::get(py),
        code_objects: Vec::new(),
        event_lines: Vec::new(),
        in_order: Vec::new(),
        raw_statements: Vec::new(),
    };
    let module = walk.visit(module)?;
    let mut raw_statements = walk.raw_statements;
    raw_statements.sort_unstable();
    raw_statements.dedup();
    Ok(CodeTree {
        module,
        code_objects: walk.code_objects,
        facts: TreeFacts {
            event_lines: walk.event_lines,
            in_order: walk.in_order,
            raw_statements,
        },
    })
}

/// The tree of `module` with `facts` learnt by an earlier walk of the same
/// code (a cache hit): only its code objects are collected, in the walk's
/// order. None if their number does not match the facts.
pub fn collect_tree<'py>(
    module: &Bound<'py, PyAny>,
    facts: TreeFacts,
) -> Result<Option<CodeTree<'py>>, RcovError> {
    let mut code_objects = Vec::with_capacity(facts.event_lines.len());
    collect_code_objects(module, &mut code_objects)?;
    let matches =
        code_objects.len() == facts.event_lines.len() && code_objects.len() == facts.in_order.len();
    Ok(matches.then(|| CodeTree {
        module: module.clone(),
        code_objects,
        facts,
    }))
}

fn collect_code_objects<'py>(
    code: &Bound<'py, PyAny>,
    into: &mut Vec<Bound<'py, PyAny>>,
) -> PyResult<()> {
    into.push(code.clone());
    let consts = code.getattr(intern!(code.py(), "co_consts"))?;
    for item in consts.cast::<PyTuple>()?.iter() {
        if item.is_instance_of::<PyCode>() {
            collect_code_objects(&item, into)?;
        }
    }
    Ok(())
}

struct Walk<'a, 'py> {
    lines: Option<&'a LineRemap<'a>>,
    opcodes: Option<&'static Opcodes>,
    quiet_targets: Option<&'static Opcodes>,
    entry_shape: Option<&'static EntryShape>,
    code_objects: Vec<Bound<'py, PyAny>>,
    event_lines: Vec<Vec<u32>>,
    in_order: Vec<Option<InOrder>>,
    /// Sorted and deduplicated once the walk is done (cheaper than a set).
    raw_statements: Vec<u32>,
}

impl<'py> Walk<'_, 'py> {
    /// Returns `code`, or its remapped copy, after visiting its children.
    fn visit(&mut self, code: &Bound<'py, PyAny>) -> Result<Bound<'py, PyAny>, RcovError> {
        let py = code.py();
        let slot = self.code_objects.len();
        self.code_objects.push(code.clone());
        self.event_lines.push(Vec::new());
        self.in_order.push(None);

        let consts = code.getattr(intern!(py, "co_consts"))?;
        let consts = consts.cast::<PyTuple>().map_err(PyErr::from)?;
        let mut new_consts: Option<Vec<Bound<'py, PyAny>>> = None;
        for (i, item) in consts.iter().enumerate() {
            if !item.is_instance_of::<PyCode>() {
                continue;
            }
            let child = self.visit(&item)?;
            if !child.is(&item) {
                new_consts.get_or_insert_with(|| consts.iter().collect())[i] = child;
            }
        }

        let table = code.getattr(intern!(py, "co_linetable"))?;
        let table = table.cast::<PyBytes>().map_err(PyErr::from)?.as_bytes();
        let first_line: i32 = code.getattr(intern!(py, "co_firstlineno"))?.extract()?;
        let counts_statements = code
            .getattr(intern!(py, "co_name"))?
            .ne(intern!(py, "__annotate__"))?;

        let bytecode = code.getattr(intern!(py, "co_code"))?;
        let bytecode = bytecode.cast::<PyBytes>().map_err(PyErr::from)?.as_bytes();
        let first_traced = self
            .entry_shape
            .map_or(0, |shape| shape.first_traced(bytecode));

        let (mut entries, new_first_line) = match self.lines {
            Some(lines) => {
                let remapped = linetable::remap(table, first_line, lines)?;
                (remapped.entries, remapped.first_line)
            }
            None => (linetable::decode(table, first_line)?, first_line),
        };
        self.event_lines[slot] = linetable::event_lines(&entries, first_traced);
        if counts_statements {
            self.add_statements(&entries);
        }
        let handlers = code.getattr(intern!(py, "co_exceptiontable"))?;
        let handlers = handlers.cast::<PyBytes>().map_err(PyErr::from)?.as_bytes();
        if let (Some(opcodes), Some(_)) = (self.opcodes, self.entry_shape) {
            let flags: u32 = code.getattr(intern!(py, "co_flags"))?.extract()?;
            if runs::runs_in_order(flags, bytecode, handlers, opcodes) {
                self.in_order[slot] = Some(InOrder {
                    first_traced,
                    units: bytecode.len() / 2,
                });
            }
        }
        let mut new_table = self.lines.is_some();
        if let Some(opcodes) = self.quiet_targets {
            let quiet = quiet_targets::quiet_units(bytecode, handlers, &entries, opcodes);
            if !quiet.is_empty() {
                entries = quiet_targets::without_locations(&entries, &quiet);
                new_table = true;
            }
        }
        if !new_table && new_consts.is_none() {
            return Ok(code.clone());
        }

        let kwargs = PyDict::new(py);
        if new_table {
            let table = linetable::encode(&entries, new_first_line);
            kwargs.set_item(intern!(py, "co_linetable"), PyBytes::new(py, &table))?;
        }
        let consts = new_consts.unwrap_or_else(|| consts.iter().collect());
        let patched = match self.lines {
            Some(_) => {
                kwargs.set_item(intern!(py, "co_firstlineno"), new_first_line)?;
                firstlineno::patch(code, &consts, first_line, new_first_line)?
            }
            None => None,
        };
        match patched {
            Some(patched) => kwargs.update(patched.as_mapping())?,
            None => kwargs.set_item(intern!(py, "co_consts"), PyTuple::new(py, consts)?)?,
        }
        let new_code = code.call_method(intern!(py, "replace"), (), Some(&kwargs))?;
        self.code_objects[slot] = new_code.clone();
        Ok(new_code)
    }

    fn add_statements(&mut self, entries: &[Entry]) {
        let lines = entries
            .iter()
            .filter_map(|entry| entry.location)
            .filter_map(|location| u32::try_from(location.line).ok())
            .filter(|&line| line > 0 && line < PROBE_BASE);
        for line in lines {
            // Neighbouring entries are mostly on one line.
            if self.raw_statements.last() != Some(&line) {
                self.raw_statements.push(line);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcov_instrument::LineOrigin;

    /// Every code object of a few large library modules, as CPython 3.12
    /// compiles them: the identity remap must give back the very same bytes
    /// (decode → encode is lossless and picks CPython's own forms).
    #[test]
    fn identity_remap_reproduces_cpython_tables() {
        Python::initialize();
        Python::attach(|py| {
            let stdlib: String = py
                .import("sysconfig")
                .and_then(|m| m.call_method0("get_paths"))
                .and_then(|paths| paths.get_item("stdlib"))
                .and_then(|path| path.extract())
                .unwrap();
            let mut tables = 0;
            for module in [
                "typing.py",
                "argparse.py",
                "dataclasses.py",
                "asyncio/tasks.py",
            ] {
                let path = format!("{stdlib}/{module}");
                let source = std::fs::read_to_string(&path).unwrap();
                let identity: Vec<LineOrigin> = (1..=source.lines().count() as u32 + 1)
                    .map(LineOrigin::Source)
                    .collect();
                let lines = LineRemap::new(&identity);
                let module = builtin_compile(py, &source, &path).unwrap();
                for code in walk_tree(&module, Rebuild::NOTHING).unwrap().code_objects {
                    let table: Vec<u8> = code.getattr("co_linetable").unwrap().extract().unwrap();
                    let first: i32 = code.getattr("co_firstlineno").unwrap().extract().unwrap();
                    let entries = linetable::decode(&table, first).unwrap();
                    assert_eq!(linetable::encode(&entries, first), table, "{path}");
                    let remapped = linetable::remap(&table, first, &lines).unwrap();
                    assert_eq!((remapped.table(), remapped.first_line), (table, first));
                    tables += 1;
                }
            }
            assert!(tables > 500, "only {tables} code objects");
        });
    }
}
