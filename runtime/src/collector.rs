//! `Collector`: the measured files, their code trees and hits.
//!
//! It ties the other modules together: `instrument` rewrites, `compile`
//! compiles and remaps, `monitor` records, `hits` stores, `results` converts.
//! Its state sits behind one mutex that is never held across a call into
//! Python (a call can run arbitrary code, including an import that compiles
//! another file on this thread), so each method copies what it needs under the
//! lock and talks to CPython outside it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pyo3::prelude::*;
use pyo3::sync::MutexExt;
use pyo3::types::{PyBytes, PyCode};
use rcov_instrument::{Analysis, Arc as LineArc, EdgeId, LineOrigin, Options, Patterns};

use crate::code_cache::{file_identity, CacheKey, CodeCache, Entry};
use crate::compile::{compile_catching_warnings, target_options, walk_tree, CodeTree};
use crate::error::{catch_panic, RcovError};
use crate::hits::FileHits;
use crate::linetable::LineRemap;
use crate::monitor::{CodeFiles, LineMonitor};
use crate::results::{executed_arcs, executed_lines};

/// Measures the files it compiles: lines always, branch edges when `branch`.
#[pyclass(frozen, module = "rcov._rcov")]
pub struct Collector {
    branch: bool,
    code_files: Arc<CodeFiles>,
    state: Mutex<State>,
    /// Instrumented code from earlier runs, if caching is on.
    cache: Option<CodeCache>,
    /// `sys.version`: part of every cache key.
    interpreter: String,
    /// The identity of rcov's extension module file: part of every cache key.
    build: String,
}

#[derive(Default)]
struct State {
    files: BTreeMap<String, MeasuredFile>,
    monitor: Option<LineMonitor>,
}

/// What is kept of a compiled file: enough to analyse it again at the end.
struct MeasuredFile {
    source: Arc<str>,
    raw_statements: Arc<[u32]>,
    /// `probes[k]` is the edge probe `k` observes (empty in line mode).
    probes: Arc<[EdgeId]>,
    hits: Arc<FileHits>,
    code_objects: Vec<Py<PyAny>>,
}

/// A file prepared for another compiler (pytest's assertion rewriting, which
/// parses and compiles text itself): what `Collector.adopt` needs to put the
/// compiled tree back on original lines and measure it.
#[pyclass(frozen, module = "rcov._rcov")]
pub struct Prepared {
    filename: String,
    source: String,
    /// The origin of each rewritten line; None in line mode (text unchanged).
    lines: Option<Vec<LineOrigin>>,
    probes: Vec<EdgeId>,
}

/// Per file: executed lines, and in branch mode executed arcs.
type Executed = BTreeMap<String, (Vec<i32>, Option<Vec<LineArc>>)>;

#[pymethods]
impl Collector {
    /// `cache_dir`: where compiled instrumented code is kept between runs
    /// (None: no cache).
    #[new]
    #[pyo3(signature = (*, branch, cache_dir=None))]
    fn new(py: Python<'_>, branch: bool, cache_dir: Option<String>) -> Self {
        Collector {
            branch,
            code_files: Arc::default(),
            state: Mutex::default(),
            cache: cache_dir.map(CodeCache::new),
            interpreter: Python::version_str().to_string(),
            build: extension_file(py).map_or_else(String::new, |path| file_identity(&path)),
        }
    }

    #[getter]
    fn branch(&self) -> bool {
        self.branch
    }

    fn compile<'py>(
        &self,
        py: Python<'py>,
        source: &str,
        filename: &str,
    ) -> Result<Bound<'py, PyAny>, RcovError> {
        if let Some(module) = self.load_cached(py, source, filename)? {
            return Ok(module);
        }
        let (tree, probes, warned) = if self.branch {
            let options = target_options(py);
            let rewritten =
                py.detach(|| catch_panic("rewrite", || rcov_instrument::rewrite(source, &options)));
            let rewrite = match rewritten {
                Ok(rewrite) => rewrite,
                Err(err) => return Err(original_verdict(py, source, filename, err)),
            };
            let lines = LineRemap::new(&rewrite.lines);
            let (compiled, warnings) = compile_catching_warnings(py, &rewrite.text, filename)?;
            let compiled = match compiled {
                Ok(compiled) => compiled,
                // Its warnings name rewritten lines: CPython's verdict on the
                // original decides, with the original's warnings.
                Err(err) => {
                    let failure = RcovError::RewrittenDidNotCompile(err.to_string());
                    return Err(original_verdict(py, source, filename, failure));
                }
            };
            let warned = !warnings.is_empty();
            warnings.show(filename, Some(&lines))?;
            let tree = walk_tree(&compiled, Some(&lines))?;
            (tree, rewrite.probes, warned)
        } else {
            let (compiled, warnings) = compile_catching_warnings(py, source, filename)?;
            let warned = !warnings.is_empty();
            warnings.show(filename, None)?;
            (walk_tree(&compiled?, None)?, Vec::new(), warned)
        };
        // A file that warns while compiling is compiled on every run, so that
        // its warnings show on every run, as a main script's do.
        if !warned {
            self.store_cached(py, source, filename, &tree.module, &probes);
        }
        self.register(py, source, filename, &tree, probes)?;
        Ok(tree.module)
    }

    /// The text to compile instead of `source` (probes added in branch mode;
    /// `source` itself in line mode) and the handle for `adopt`.
    fn prepare(
        &self,
        py: Python<'_>,
        source: &str,
        filename: &str,
    ) -> Result<(String, Prepared), RcovError> {
        let (text, lines, probes) = if self.branch {
            let options = target_options(py);
            let rewrite = py
                .detach(|| catch_panic("rewrite", || rcov_instrument::rewrite(source, &options)))?;
            (rewrite.text, Some(rewrite.lines), rewrite.probes)
        } else {
            (source.to_string(), None, Vec::new())
        };
        let prepared = Prepared {
            filename: filename.to_string(),
            source: source.to_string(),
            lines,
            probes,
        };
        Ok((text, prepared))
    }

    /// Takes the module code compiled from a prepared text: remaps its tree
    /// to original lines, registers it like `compile` does and returns it.
    fn adopt<'py>(
        &self,
        py: Python<'py>,
        code: &Bound<'py, PyAny>,
        prepared: &Prepared,
    ) -> Result<Bound<'py, PyAny>, RcovError> {
        let remap = prepared.lines.as_deref().map(LineRemap::new);
        let tree = walk_tree(code, remap.as_ref())?;
        self.register(
            py,
            &prepared.source,
            &prepared.filename,
            &tree,
            prepared.probes.clone(),
        )?;
        Ok(tree.module)
    }

    fn start(&self, py: Python<'_>) -> Result<u8, RcovError> {
        if let Some(monitor) = &self.lock(py).monitor {
            return Ok(monitor.tool());
        }
        let monitor = LineMonitor::start(py, &self.code_files)?;
        let code_objects = {
            let mut state = self.lock(py);
            if let Some(running) = &state.monitor {
                // Another thread started first: keep its tool id.
                let tool = running.tool();
                drop(state);
                monitor.stop(py)?;
                return Ok(tool);
            }
            state.monitor = Some(monitor);
            state.all_code_objects(py)
        };
        monitor.set_line_events(py, code_objects, true)?;
        Ok(monitor.tool())
    }

    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        let (monitor, code_objects) = {
            let mut state = self.lock(py);
            let Some(monitor) = state.monitor.take() else {
                return Ok(());
            };
            (monitor, state.all_code_objects(py))
        };
        let turned_off = monitor.set_line_events(py, code_objects, false);
        monitor.stop(py)?;
        turned_off
    }

    /// Forgets every hit, keeping the measured files (a forked child starts
    /// its own data; lines it runs are recorded again once
    /// `sys.monitoring.restart_events()` has re-armed them). Code objects
    /// whose events were turned off once complete get them back.
    fn clear_hits(&self, py: Python<'_>) -> PyResult<()> {
        let (hits, monitor, code_objects) = {
            let state = self.lock(py);
            let hits: Vec<Arc<FileHits>> = state
                .files
                .values()
                .map(|file| Arc::clone(&file.hits))
                .collect();
            (hits, state.monitor, state.all_code_objects(py))
        };
        for file_hits in hits {
            file_hits.clear();
        }
        self.code_files.reset_lines();
        match monitor {
            Some(monitor) => monitor.set_line_events(py, code_objects, true),
            None => Ok(()),
        }
    }

    fn measured_files(&self, py: Python<'_>) -> Vec<String> {
        self.lock(py).files.keys().cloned().collect()
    }

    fn executed(&self, py: Python<'_>) -> Executed {
        let snapshot: Vec<(String, FileSnapshot)> = self
            .lock(py)
            .files
            .iter()
            .map(|(name, file)| (name.clone(), FileSnapshot::of(file)))
            .collect();
        let options = target_options(py);
        let branch = self.branch;
        py.detach(|| {
            snapshot
                .into_iter()
                .map(|(name, file)| (name, file.executed(&options, branch)))
                .collect()
        })
    }
}

impl Collector {
    fn cache_key<'a>(&'a self, filename: &'a str) -> CacheKey<'a> {
        CacheKey {
            filename,
            interpreter: &self.interpreter,
            build: &self.build,
            branch: self.branch,
        }
    }

    /// The module code of `filename` from the cache, registered as
    /// `compile` registers it; None on a miss. An entry CPython cannot
    /// unmarshal is a miss: the file is compiled again and the entry replaced.
    fn load_cached<'py>(
        &self,
        py: Python<'py>,
        source: &str,
        filename: &str,
    ) -> Result<Option<Bound<'py, PyAny>>, RcovError> {
        let Some(cache) = &self.cache else {
            return Ok(None);
        };
        let key = self.cache_key(filename);
        let Some(entry) = py.detach(|| cache.load(&key, source)) else {
            return Ok(None);
        };
        let loads = py.import("marshal")?.getattr("loads")?;
        let code = match loads.call1((PyBytes::new(py, &entry.code),)) {
            Ok(code) if code.is_instance_of::<PyCode>() => code,
            _ => return Ok(None),
        };
        // The cached tree is on original lines already: walking it only
        // collects its code objects and statements.
        let tree = walk_tree(&code, None)?;
        self.register(py, source, filename, &tree, entry.probes)?;
        Ok(Some(tree.module))
    }

    /// Keeps the compiled module for the next run; never fails (a code
    /// object marshal rejects, or a cache that cannot be written, only means
    /// no caching).
    fn store_cached(
        &self,
        py: Python<'_>,
        source: &str,
        filename: &str,
        module: &Bound<'_, PyAny>,
        probes: &[EdgeId],
    ) {
        let Some(cache) = &self.cache else {
            return;
        };
        let dumped = py
            .import("marshal")
            .and_then(|marshal| marshal.call_method1("dumps", (module,)))
            .and_then(|bytes| Ok(bytes.cast::<PyBytes>()?.as_bytes().to_vec()));
        let Ok(code) = dumped else {
            return;
        };
        let entry = Entry {
            probes: probes.to_vec(),
            code,
        };
        let key = self.cache_key(filename);
        py.detach(|| cache.store(&key, source, &entry));
    }

    fn lock(&self, py: Python<'_>) -> MutexGuard<'_, State> {
        self.state
            .lock_py_attached(py)
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the compiled tree of `filename`, replacing an earlier one (a
    /// reload: its hits are kept if the source is the same), and turns LINE
    /// events on for it when measuring.
    fn register(
        &self,
        py: Python<'_>,
        source: &str,
        filename: &str,
        tree: &CodeTree<'_>,
        probes: Vec<EdgeId>,
    ) -> PyResult<()> {
        let (monitor, replaced, unregistered) = {
            let mut state = self.lock(py);
            let previous = state.files.remove(filename);
            let hits = match &previous {
                Some(previous) if *previous.source == *source && *previous.probes == *probes => {
                    Arc::clone(&previous.hits)
                }
                _ => Arc::new(FileHits::new(last_line(source), probes.len())),
            };
            let mut unregistered = match &previous {
                Some(previous) => self.code_files.remove(&previous.code_objects),
                None => Vec::new(),
            };
            unregistered.extend(self.code_files.insert(
                &tree.code_objects,
                &tree.event_lines,
                &hits,
            ));
            let file = MeasuredFile {
                source: Arc::from(source),
                raw_statements: tree.raw_statements.iter().copied().collect(),
                probes: Arc::from(probes),
                hits,
                code_objects: tree
                    .code_objects
                    .iter()
                    .map(|code| code.clone().unbind())
                    .collect(),
            };
            state.files.insert(filename.to_string(), file);
            (state.monitor, previous, unregistered)
        };
        // The lock is released: dropping code objects or calling Python may
        // run arbitrary code from here on.
        drop(unregistered);
        if let Some(monitor) = monitor {
            if let Some(replaced) = &replaced {
                let old = replaced
                    .code_objects
                    .iter()
                    .map(|code| code.bind(py).clone());
                monitor.set_line_events(py, old, false)?;
            }
            monitor.set_line_events(py, tree.code_objects.iter().cloned(), true)?;
        }
        Ok(())
    }
}

/// The file this extension module was loaded from.
fn extension_file(py: Python<'_>) -> Option<String> {
    let module = py.import("rcov._rcov").ok()?;
    module.getattr("__file__").ok()?.extract().ok()
}

/// The last line any event can name: one past the count of line breaks
/// (a lone `\r` counts, as it does for CPython's tokenizer; `\r\n` counting
/// twice only leaves room to spare).
fn last_line(source: &str) -> u32 {
    let breaks = source.bytes().filter(|&b| b == b'\n' || b == b'\r').count();
    u32::try_from(breaks + 1).unwrap_or(u32::MAX)
}

/// Instrumenting failed with `failure`: if CPython rejects the original too,
/// its SyntaxError (and warnings) are what the program would see without
/// rcov; if not, `failure` is reported and the caller imports normally, which
/// shows the original's warnings, so they are not shown here.
fn original_verdict(py: Python<'_>, source: &str, filename: &str, failure: RcovError) -> RcovError {
    match compile_catching_warnings(py, source, filename) {
        Ok((Ok(_), _)) => failure,
        Ok((Err(syntax_error), warnings)) => match warnings.show(filename, None) {
            Ok(()) => syntax_error.into(),
            Err(warning_error) => warning_error,
        },
        Err(err) => err.into(),
    }
}

impl State {
    fn all_code_objects<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyAny>> {
        self.files
            .values()
            .flat_map(|file| file.code_objects.iter().map(|code| code.bind(py).clone()))
            .collect()
    }
}

/// A measured file's data, copied out of the lock for conversion.
struct FileSnapshot {
    source: Arc<str>,
    raw_statements: Arc<[u32]>,
    probes: Arc<[EdgeId]>,
    hits: Arc<FileHits>,
}

impl FileSnapshot {
    fn of(file: &MeasuredFile) -> Self {
        FileSnapshot {
            source: Arc::clone(&file.source),
            raw_statements: Arc::clone(&file.raw_statements),
            probes: Arc::clone(&file.probes),
            hits: Arc::clone(&file.hits),
        }
    }

    /// Lines (and arcs) in coverage.py's data conventions. Exclusion patterns
    /// do not change edges, so the analysis uses none. A file the analyser
    /// cannot read (possible only in line mode, where nothing was rewritten)
    /// reports its raw lines.
    fn executed(&self, options: &Options, branch: bool) -> (Vec<i32>, Option<Vec<LineArc>>) {
        let patterns = Patterns {
            exclude: Vec::new(),
            partial: Vec::new(),
        };
        let analysis = catch_panic("analyze", || {
            rcov_instrument::analyze(&self.source, &self.raw_statements, options, &patterns)
        })
        .unwrap_or_else(|_| Analysis::default());
        let lines = executed_lines(&analysis, self.hits.lines());
        let arcs = branch.then(|| {
            executed_arcs(&analysis, &lines, &self.probes, |k| self.hits.probe_hit(k))
                .into_iter()
                .collect()
        });
        (lines.into_iter().collect(), arcs)
    }
}
