//! Static analysis of one file with coverage.py 7.17's semantics.

use std::collections::{BTreeMap, BTreeSet};

use crate::parse::{Options, ParseFailure};
use crate::{Arc, EdgeId};

/// What coverage.py's `PythonParser` knows about a file, plus which arcs each
/// branch edge stands for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Analysis {
    /// Statement lines (first lines), excluded lines and docstrings removed.
    pub statements: BTreeSet<u32>,
    /// Excluded lines (first lines).
    pub excluded: BTreeSet<u32>,
    /// `(line, first_line)` for every line of multi-line statements, sorted.
    pub multiline: Vec<(u32, u32)>,
    /// All possible arcs, normalised to first lines, self-arcs dropped.
    pub arcs: BTreeSet<Arc>,
    /// Lines matching a partial-branch pattern (`# pragma: no branch`).
    pub no_branch: BTreeSet<u32>,
    /// The arcs each branch edge leads to (usually one).
    pub edges: BTreeMap<EdgeId, BTreeSet<Arc>>,
}

impl Analysis {
    /// The first line of the statement holding `line` (exits: negated).
    pub fn first_line(&self, line: i32) -> i32 {
        let magnitude = line.unsigned_abs();
        match self.multiline.binary_search_by_key(&magnitude, |&(l, _)| l) {
            Ok(i) => line.signum() * self.multiline[i].1 as i32,
            Err(_) => line,
        }
    }

    /// coverage.py's `exit_counts`: how many arcs leave each line, arcs from
    /// or to excluded lines not counted. Lines counting more than one are
    /// branch lines.
    pub fn exit_counts(&self) -> BTreeMap<u32, u32> {
        let mut counts = BTreeMap::new();
        for &(from, to) in &self.arcs {
            let from = from as u32;
            if self.excluded.contains(&from) || (to > 0 && self.excluded.contains(&(to as u32))) {
                continue;
            }
            *counts.entry(from).or_insert(0) += 1;
        }
        counts
    }
}

/// Regexes that configure an analysis.
#[derive(Clone, Debug)]
pub struct Patterns {
    pub exclude: Vec<String>,
    pub partial: Vec<String>,
}

/// Analyse `source`. `raw_statements` are the line numbers that CPython's
/// compiled code reports in `co_lines()` (recursively, `__annotate__` skipped).
pub fn analyze(
    _source: &str,
    _raw_statements: &[u32],
    _options: &Options,
    _patterns: &Patterns,
) -> Result<Analysis, ParseFailure> {
    todo!("analysis")
}
