//! Jump targets that CPython instruments for LINE events but never reports.
//!
//! CPython (3.12 to 3.15 at least) makes every jump target a line start: with
//! LINE events on, it puts an `INSTRUMENTED_LINE` there. When the jump comes
//! from the same line (`a if c else b`, `x and y`, a comprehension's filter),
//! the interpreter sees that the line did not change and returns without
//! calling any tool, so no tool ever gets to `DISABLE` that site. It then
//! costs a call into the instrumentation, and an unspecialized instruction,
//! on every pass for as long as its code object has LINE events on: in
//! branch mode as long as one of its edges has not run, in line mode as long
//! as one of its lines has not.
//!
//! An instruction without a location is never made a line start, and a line
//! start reached from one always reports (the line "changed"), once, after
//! which rcov disables it. So rcov drops the location of an instruction
//! where nobody can tell:
//! - it cannot raise, call, release a reference or reach the eval breaker
//!   (a load of a constant or local, a stack shuffle, a forward jump), so no
//!   traceback, warning or `__del__` ever sees its frame on it;
//! - every jump to it comes from its own line, and so does the instruction
//!   before it (which is not the entry `RESUME`, after which CPython reports
//!   the line regardless): whenever control reaches it, its line has
//!   already been reported;
//! - it is not where an exception is handled, carries no `EXTENDED_ARG` and
//!   is not on a probe line.
//!
//! Its line keeps the instructions before it, so `co_lines()`, coverage.py's
//! statements and every line event stay the same. A dropped jump makes its
//! target report once more, and be disabled, which covers the target that is
//! itself not quiet (the `STORE_FAST` where `a if c else b` joins).
//!
//! The opcodes come from the running interpreter's `opcode` module (learnt
//! once), so no per-version bytecode table is written here; a version whose
//! module does not say what rcov needs gets no quiet targets.

use pyo3::exceptions::PyKeyError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyMapping};
use rcov_instrument::PROBE_BASE;

use crate::linetable::Entry;

/// How an opcode moves control, as far as line starts are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Jump {
    None,
    /// To the instruction `oparg` units after its own end.
    Forward,
    /// To the instruction `oparg` units before its own end.
    Backward,
    /// Like `Forward`, and to the unit after that (an iterator's exit skips
    /// an `END_FOR`/`END_SEND` on some versions, not on others).
    ForwardOrSkip,
    /// A relative jump of unknown direction: both are taken as targets.
    Either,
}

/// What the walk needs to know about each opcode of the running interpreter.
pub struct Opcodes {
    cache_units: [u8; 256],
    jumps: [Jump; 256],
    quiet: [bool; 256],
    extended_arg: u8,
    resume: u8,
}

/// Opcodes that cannot raise, call, release a reference or check the eval
/// breaker, on any version that has them.
const QUIET: &[&str] = &[
    "NOP",
    "NOT_TAKEN",
    "LOAD_CONST",
    "LOAD_SMALL_INT",
    "LOAD_FAST",
    "LOAD_FAST_BORROW",
    "LOAD_FAST_LOAD_FAST",
    "LOAD_FAST_BORROW_LOAD_FAST_BORROW",
    "PUSH_NULL",
    "COPY",
    "SWAP",
    "JUMP_FORWARD",
];

/// Conditional jumps that pop an exact bool (immortal, so popping it frees
/// nothing) where the interpreter converts to bool in `TO_BOOL` beforehand;
/// before 3.13 they call `__bool__` themselves.
const QUIET_WITH_TO_BOOL: &[&str] = &["POP_JUMP_IF_TRUE", "POP_JUMP_IF_FALSE"];

static OPCODES: PyOnceLock<Option<Opcodes>> = PyOnceLock::new();

impl Opcodes {
    /// The running interpreter's opcodes, or None if its `opcode` module does
    /// not tell them (then no target is made quiet).
    pub fn get(py: Python<'_>) -> Option<&'static Opcodes> {
        OPCODES
            .get_or_init(py, || Self::learn(py).ok().flatten())
            .as_ref()
    }

    fn learn(py: Python<'_>) -> PyResult<Option<Opcodes>> {
        let module = py.import(intern!(py, "opcode"))?;
        let opmap = module.getattr(intern!(py, "opmap"))?;
        let opmap = opmap.cast::<PyMapping>()?;
        let number = |name: &str| -> PyResult<Option<u8>> {
            match opmap.get_item(name) {
                Ok(value) => Ok(Some(value.extract()?)),
                Err(err) if err.is_instance_of::<PyKeyError>(py) => Ok(None),
                Err(err) => Err(err),
            }
        };
        let (Some(extended_arg), Some(resume)) = (number("EXTENDED_ARG")?, number("RESUME")?)
        else {
            return Ok(None);
        };
        let absolute: Vec<u8> = module.getattr(intern!(py, "hasjabs"))?.extract()?;
        if !absolute.is_empty() {
            return Ok(None);
        }

        let mut opcodes = Opcodes {
            cache_units: [0; 256],
            jumps: [Jump::None; 256],
            quiet: [false; 256],
            extended_arg,
            resume,
        };
        // A list indexed by opcode (3.12), or a mapping from name (3.13+).
        let caches = module.getattr(intern!(py, "_inline_cache_entries"))?;
        for (name, code) in opmap.items()?.extract::<Vec<(String, u16)>>()? {
            let Ok(code) = u8::try_from(code) else {
                continue; // pseudo-instructions never appear in co_code
            };
            let units: u8 = match caches.cast::<PyList>() {
                Ok(by_opcode) => by_opcode.get_item(usize::from(code))?.extract()?,
                Err(_) => match caches.get_item(&name) {
                    Ok(units) => units.extract()?,
                    // Opcodes without caches are left out of the mapping.
                    Err(err) if err.is_instance_of::<PyKeyError>(py) => 0,
                    Err(err) => return Err(err),
                },
            };
            opcodes.cache_units[usize::from(code)] = units;
        }
        for code in module
            .getattr(intern!(py, "hasjrel"))?
            .extract::<Vec<u16>>()?
        {
            let Ok(code) = u8::try_from(code) else {
                continue;
            };
            let name: String = module
                .getattr(intern!(py, "opname"))?
                .get_item(code)?
                .extract()?;
            opcodes.jumps[usize::from(code)] = Jump::for_name(&name);
        }
        let with_to_bool = number("TO_BOOL")?.is_some();
        let quiet = QUIET
            .iter()
            .chain(QUIET_WITH_TO_BOOL.iter().filter(|_| with_to_bool));
        for name in quiet {
            if let Some(code) = number(name)? {
                opcodes.quiet[usize::from(code)] = true;
            }
        }
        Ok(Some(opcodes))
    }
}

impl Jump {
    fn for_name(name: &str) -> Jump {
        match name {
            "FOR_ITER" | "SEND" => Jump::ForwardOrSkip,
            "JUMP_FORWARD" => Jump::Forward,
            _ if name.starts_with("POP_JUMP_IF_") || name.starts_with("JUMP_IF_") => Jump::Forward,
            _ if name.starts_with("JUMP_BACKWARD") => Jump::Backward,
            _ => Jump::Either,
        }
    }
}

/// One instruction of `co_code`: its first code unit (its `EXTENDED_ARG`s
/// included), the unit of the opcode itself, the unit after its caches, and
/// the units it can jump to.
#[derive(Debug)]
struct Instruction {
    start: usize,
    opcode_at: usize,
    opcode: u8,
    targets: Vec<usize>,
}

/// The code units (each an instruction's first) whose location can be
/// dropped, ascending: quiet jump targets, and quiet jumps that stay on
/// their line. `code` is `co_code`, `exception_table` is
/// `co_exceptiontable`, `entries` the code object's location table.
pub fn quiet_units(
    code: &[u8],
    exception_table: &[u8],
    entries: &[Entry],
    opcodes: &Opcodes,
) -> Vec<usize> {
    let Some(lines) = unit_lines(entries, code.len() / 2) else {
        return Vec::new();
    };
    let instructions = decode(code, opcodes);
    let line_of = |instruction: &Instruction| {
        let line = lines[instruction.start];
        (line == lines[instruction.opcode_at])
            .then_some(line)
            .flatten()
    };

    let mut jumped_to = vec![false; lines.len()];
    // Whether control can arrive from another line (or from no line) by a
    // jump or an exception.
    let mut entered_from_elsewhere = vec![false; lines.len()];
    for instruction in &instructions {
        let from = line_of(instruction);
        for &target in &instruction.targets {
            jumped_to[target] = true;
            entered_from_elsewhere[target] |= from.is_none() || from != lines[target];
        }
    }
    for handler in handler_units(exception_table) {
        if let Some(slot) = entered_from_elsewhere.get_mut(handler) {
            *slot = true;
        }
    }

    let mut quiet = Vec::new();
    for pair in instructions.windows(2) {
        let (before, instruction) = (&pair[0], &pair[1]);
        let Some(line) = line_of(instruction) else {
            continue;
        };
        let stays_on_line = !instruction.targets.is_empty()
            && instruction
                .targets
                .iter()
                .all(|&target| lines[target] == Some(line));
        let drops = opcodes.quiet[usize::from(instruction.opcode)]
            && (jumped_to[instruction.start] || stays_on_line)
            && !entered_from_elsewhere[instruction.start]
            && instruction.start == instruction.opcode_at
            && line_of(before) == Some(line)
            && before.opcode != opcodes.resume
            && u32::try_from(line).is_ok_and(|line| line > 0 && line < PROBE_BASE);
        if drops {
            quiet.push(instruction.start);
        }
    }
    quiet
}

/// Whether any instruction of `code` (`co_code`) can jump.
pub fn has_jump(code: &[u8], opcodes: &Opcodes) -> bool {
    decode(code, opcodes)
        .iter()
        .any(|instruction| opcodes.jumps[usize::from(instruction.opcode)] != Jump::None)
}

/// The line of each code unit, or None if `entries` do not cover `units`.
fn unit_lines(entries: &[Entry], units: usize) -> Option<Vec<Option<i32>>> {
    let mut lines = Vec::with_capacity(units);
    for entry in entries {
        let line = entry.location.map(|location| location.line);
        lines.extend(std::iter::repeat_n(line, usize::from(entry.code_units)));
    }
    (lines.len() == units).then_some(lines)
}

/// The instructions of `code`, with the targets of each jump (those inside
/// `code`).
fn decode(code: &[u8], opcodes: &Opcodes) -> Vec<Instruction> {
    let units = code.len() / 2;
    let mut instructions = Vec::new();
    let mut start = 0;
    let mut oparg: usize = 0;
    let mut at = 0;
    while at < units {
        let (opcode, arg) = (code[2 * at], usize::from(code[2 * at + 1]));
        oparg = (oparg << 8) | arg;
        if opcode == opcodes.extended_arg {
            at += 1;
            continue;
        }
        let end = at + 1 + usize::from(opcodes.cache_units[usize::from(opcode)]);
        let targets = jump_targets(opcodes.jumps[usize::from(opcode)], end, oparg)
            .filter(|&target| target < units)
            .collect();
        instructions.push(Instruction {
            start,
            opcode_at: at,
            opcode,
            targets,
        });
        (start, at, oparg) = (end, end, 0);
    }
    instructions
}

fn jump_targets(jump: Jump, end: usize, oparg: usize) -> impl Iterator<Item = usize> {
    let forward = end + oparg;
    let backward = end.checked_sub(oparg);
    let targets: [Option<usize>; 2] = match jump {
        Jump::None => [None, None],
        Jump::Forward => [Some(forward), None],
        Jump::Backward => [backward, None],
        Jump::ForwardOrSkip => [Some(forward), Some(forward + 1)],
        Jump::Either => [Some(forward), backward],
    };
    targets.into_iter().flatten()
}

/// The handler unit of each entry of `co_exceptiontable` (CPython's
/// `Objects/exception_handling_notes.txt`): entries of four varints (start,
/// size, handler, depth and lasti), each varint big-endian in 6-bit groups
/// with bit 6 set on all groups but the last.
fn handler_units(table: &[u8]) -> Vec<usize> {
    let mut values = Vec::new();
    let mut value = 0usize;
    for &byte in table {
        value = (value << 6) | usize::from(byte & 0x3f);
        if byte & 0x40 == 0 {
            values.push(value);
            value = 0;
        }
    }
    values.chunks_exact(4).map(|entry| entry[2]).collect()
}

/// `entries` with the location of each unit in `units` (ascending) removed,
/// splitting the entries that held them.
pub fn without_locations(entries: &[Entry], units: &[usize]) -> Vec<Entry> {
    let mut out = Vec::with_capacity(entries.len() + 2 * units.len());
    let mut pending = units.iter().copied().peekable();
    let mut first_unit = 0;
    for entry in entries {
        let end = first_unit + usize::from(entry.code_units);
        let mut from = first_unit;
        while let Some(unit) = pending.next_if(|&unit| unit < end) {
            if unit > from {
                out.push(Entry {
                    code_units: (unit - from) as u8,
                    location: entry.location,
                });
            }
            out.push(Entry {
                code_units: 1,
                location: None,
            });
            from = unit + 1;
        }
        if end > from {
            out.push(Entry {
                code_units: (end - from) as u8,
                location: entry.location,
            });
        }
        first_unit = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linetable::Location;

    // A made-up instruction set: opcode numbers are arbitrary.
    const RESUME: u8 = 1;
    const LOAD: u8 = 2; // quiet, one cache unit in this table
    const CALL: u8 = 3; // not quiet
    const STORE: u8 = 4; // not quiet
    const JUMP_IF: u8 = 5; // forward, not quiet (3.12's POP_JUMP_IF_FALSE)
    const JUMP_FORWARD: u8 = 6; // forward, quiet
    const EXTENDED_ARG: u8 = 7;
    const JUMP_BACK: u8 = 8;

    fn opcodes() -> Opcodes {
        let mut opcodes = Opcodes {
            cache_units: [0; 256],
            jumps: [Jump::None; 256],
            quiet: [false; 256],
            extended_arg: EXTENDED_ARG,
            resume: RESUME,
        };
        opcodes.cache_units[usize::from(LOAD)] = 1;
        opcodes.jumps[usize::from(JUMP_IF)] = Jump::Forward;
        opcodes.jumps[usize::from(JUMP_FORWARD)] = Jump::Forward;
        opcodes.jumps[usize::from(JUMP_BACK)] = Jump::Backward;
        opcodes.quiet[usize::from(LOAD)] = true;
        opcodes.quiet[usize::from(JUMP_FORWARD)] = true;
        opcodes
    }

    /// Bytecode from (opcode, oparg) pairs (caches as zero units), with one
    /// location entry per unit on the given lines.
    fn assemble(program: &[(u8, u8, i32)], opcodes: &Opcodes) -> (Vec<u8>, Vec<Entry>) {
        let mut code = Vec::new();
        let mut entries = Vec::new();
        for &(opcode, arg, line) in program {
            let units = 1 + opcodes.cache_units[usize::from(opcode)];
            code.extend([opcode, arg]);
            code.extend(std::iter::repeat_n(0, 2 * usize::from(units - 1)));
            let location = (line > 0).then_some(Location {
                line,
                end_line: line,
                column: 0,
                end_column: 1,
            });
            entries.push(Entry {
                code_units: units,
                location,
            });
        }
        (code, entries)
    }

    /// `x = f() if c else None` on line 2, then line 3: units
    /// 0 RESUME | 1-2 LOAD c | 3 JUMP_IF +6 | 4-5 LOAD f | 6 CALL |
    /// 7 JUMP_FORWARD +2 | 8-9 LOAD None | 10 STORE x | 11-12 LOAD (line 3)
    fn conditional_expression() -> Vec<(u8, u8, i32)> {
        vec![
            (RESUME, 0, 1),
            (LOAD, 0, 2),
            (JUMP_IF, 4, 2),
            (LOAD, 0, 2),
            (CALL, 0, 2),
            (JUMP_FORWARD, 2, 2),
            (LOAD, 0, 2),
            (STORE, 0, 2),
            (LOAD, 0, 3),
        ]
    }

    #[test]
    fn same_line_targets_and_jumps_are_quiet() {
        let opcodes = opcodes();
        let (code, entries) = assemble(&conditional_expression(), &opcodes);
        // The jump past the else value and that value (a jump target); not
        // the STORE where both ways join (it can release a reference).
        assert_eq!(quiet_units(&code, &[], &entries, &opcodes), vec![7, 8]);
    }

    #[test]
    fn a_target_entered_from_another_line_keeps_its_location() {
        let opcodes = opcodes();
        let mut program = conditional_expression();
        program[2].2 = 1; // the conditional jump now sits on line 1
        program[1].2 = 1;
        let (code, entries) = assemble(&program, &opcodes);
        assert_eq!(quiet_units(&code, &[], &entries, &opcodes), vec![7]);
    }

    #[test]
    fn handlers_entry_and_extended_args_keep_their_location() {
        let opcodes = opcodes();
        let (code, entries) = assemble(&conditional_expression(), &opcodes);
        // An exception table entry (start 4, size 2, handler 8, depth 0).
        let handler = [0x80 | 4, 2, 8, 0];
        assert_eq!(quiet_units(&code, &handler, &entries, &opcodes), vec![7]);

        // A loop back to the first LOAD, right after RESUME, on its line.
        let program = [(RESUME, 0, 1), (LOAD, 0, 1), (JUMP_BACK, 3, 1)];
        let (code, entries) = assemble(&program, &opcodes);
        assert!(quiet_units(&code, &[], &entries, &opcodes).is_empty());

        // The else value behind an EXTENDED_ARG (arg 0, so the jumps still
        // land on its first unit).
        let mut program = conditional_expression();
        program.insert(6, (EXTENDED_ARG, 0, 2));
        program[2].1 = 5;
        program[5].1 = 3;
        let (code, entries) = assemble(&program, &opcodes);
        assert_eq!(quiet_units(&code, &[], &entries, &opcodes), vec![7]);
    }

    #[test]
    fn dropping_locations_splits_entries() {
        let location = Some(Location {
            line: 5,
            end_line: 5,
            column: 0,
            end_column: 4,
        });
        let entries = [
            Entry {
                code_units: 4,
                location,
            },
            Entry {
                code_units: 2,
                location: None,
            },
        ];
        let none = |code_units| Entry {
            code_units,
            location: None,
        };
        let some = |code_units| Entry {
            code_units,
            location,
        };
        assert_eq!(
            without_locations(&entries, &[0, 2]),
            vec![none(1), some(1), none(1), some(1), none(2)]
        );
        assert_eq!(
            without_locations(&entries, &[3]),
            vec![some(3), none(1), none(2)]
        );
    }

    #[test]
    fn exception_table_varints() {
        // Two entries; the second's handler spans two 6-bit groups.
        let table = [0x80 | 2, 3, 10, 1, 0x80 | 3, 4, 0x40 | 2, 5, 0];
        assert_eq!(handler_units(&table), vec![10, 133]);
    }
}
