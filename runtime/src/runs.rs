//! Code objects that run in order: module and class bodies without a jump
//! or an exception handler.
//!
//! Such a body runs its instructions one after the other, from its entry to
//! its return, or to the instruction that raised, or to the one it is
//! executing now. The lines its LINE events would report are therefore the
//! lines of the instructions up to where its run is. So rcov turns on
//! PY_START and PY_RETURN for it instead of LINE: the start keeps the run's
//! frame, a return records every line, and a run that has not returned (it
//! raised, or it is still running) is read from its frame's `f_lasti` when
//! the hits are read.
//!
//! Why: a module or class body usually runs once, so each of its lines costs
//! one LINE callback and no steady-state saving; and on CPython 3.12 and 3.13
//! a LINE event on a line far from where CPython expects it (a long token
//! table in a class body) walks the code object's location table from its
//! start, so a long body costs time quadratic in its length. Importing every
//! Pygments module raises 49,883 LINE events, 47,810 of them in such bodies.
//!
//! Counting lines or tracking calls needs every event, so those modes keep
//! LINE events everywhere.

use pyo3::prelude::*;
use serde::{Deserialize, Serialize};

use crate::quiet_targets::{self, Opcodes};

/// `co_flags` bits of functions (module and class bodies have neither), and
/// of code that can suspend (module code compiled to allow a top-level
/// `await` has one).
const CO_OPTIMIZED: u32 = 0x1;
const CO_NEWLOCALS: u32 = 0x2;
const SUSPENDS: u32 = 0x20 | 0x80 | 0x100 | 0x200;

/// Whether a code object with these `co_flags`, `co_code` and
/// `co_exceptiontable` runs its instructions in order: a module or class
/// body that cannot suspend, with no jump and no handler.
pub fn runs_in_order(flags: u32, code: &[u8], exception_table: &[u8], opcodes: &Opcodes) -> bool {
    flags & (CO_OPTIMIZED | CO_NEWLOCALS | SUSPENDS) == 0
        && exception_table.is_empty()
        && !quiet_targets::has_jump(code, opcodes)
}

/// Where an in-order code object's lines are, in code units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InOrder {
    /// The first unit that can report a line (after the entry `RESUME`).
    pub first_traced: usize,
    /// How many units the code object has.
    pub units: usize,
}

impl InOrder {
    /// Whether a return at byte `offset` is the last instruction: then the
    /// run went through every line.
    pub fn returns_at_end(&self, offset: usize) -> bool {
        offset / 2 + 1 >= self.units
    }
}

/// A run of an in-order code object that has not returned.
pub struct Run {
    /// The code object's address, its key among the measured code objects.
    pub code: usize,
    pub frame: Py<PyAny>,
    /// The last code unit whose line is recorded; None before any.
    pub through: Option<usize>,
}

/// The lines a run reports between code unit `after` (exclusive; None:
/// from its start) and `through` (inclusive), given each unit's line in
/// `unit_lines` (0 for none): the lines of the units that start a line, as
/// CPython places LINE events. The first unit that can report a line
/// (`first_traced`, after the entry) always starts one; a later unit does
/// when its line differs from the unit before it. So a run read while inside
/// a line does not report that line again when it goes on.
pub fn lines_between(
    unit_lines: &[u32],
    first_traced: usize,
    after: Option<usize>,
    through: usize,
) -> Vec<u32> {
    let start = after.map_or(first_traced, |after| first_traced.max(after + 1));
    let end = unit_lines.len().min(through.saturating_add(1));
    let mut lines: Vec<u32> = (start..end)
        .filter(|&unit| {
            let line = unit_lines[unit];
            line != 0 && (unit == first_traced || unit_lines[unit - 1] != line)
        })
        .map(|unit| unit_lines[unit])
        .collect();
    lines.sort_unstable();
    lines.dedup();
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    // Units 0-1: the entry (line 1); 2-4: line 2; 5: no line; 6-7: line 4.
    const UNITS: [u32; 8] = [1, 1, 2, 2, 2, 0, 4, 4];

    #[test]
    fn a_run_reports_the_lines_up_to_its_instruction() {
        assert_eq!(lines_between(&UNITS, 2, None, 1), Vec::<u32>::new());
        assert_eq!(lines_between(&UNITS, 2, None, 2), vec![2]);
        assert_eq!(lines_between(&UNITS, 2, None, 5), vec![2]);
        assert_eq!(lines_between(&UNITS, 2, None, 6), vec![2, 4]);
        assert_eq!(lines_between(&UNITS, 2, None, 99), vec![2, 4]);
    }

    #[test]
    fn a_run_read_inside_a_line_does_not_report_it_again() {
        assert_eq!(lines_between(&UNITS, 2, Some(3), 4), Vec::<u32>::new());
        assert_eq!(lines_between(&UNITS, 2, Some(3), 7), vec![4]);
        assert_eq!(lines_between(&UNITS, 2, Some(7), 7), Vec::<u32>::new());
        assert_eq!(lines_between(&UNITS, 2, Some(0), 3), vec![2]);
    }

    #[test]
    fn a_line_after_a_unit_without_one_starts_again() {
        let units = [1, 1, 2, 0, 2, 3];
        assert_eq!(lines_between(&units, 2, Some(2), 4), vec![2]);
        assert_eq!(lines_between(&units, 2, Some(4), 5), vec![3]);
    }

    #[test]
    fn the_entry_line_counts_only_when_a_later_unit_holds_it() {
        let units = [3, 3, 3, 5];
        assert_eq!(lines_between(&units, 2, None, 1), Vec::<u32>::new());
        assert_eq!(lines_between(&units, 2, None, 2), vec![3]);
    }
}
