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
    /// `(line, first_line)` for every line of multi-line statements.
    pub multiline: Vec<(u32, u32)>,
    /// All possible arcs, normalised to first lines, self-arcs dropped.
    pub arcs: BTreeSet<Arc>,
    /// Lines matching a partial-branch pattern (`# pragma: no branch`).
    pub no_branch: BTreeSet<u32>,
    /// The arcs each branch edge leads to (usually one).
    pub edges: BTreeMap<EdgeId, BTreeSet<Arc>>,
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
