//! rcov's pure-Rust half: Python source text in, analysis and rewritten text out.
//!
//! The pipeline is parse → analyse → plan probes → emit text:
//! - [`parse`] parses with `ruff_python_parser`, rejecting syntax that the
//!   target Python version does not accept;
//! - [`lines`] computes the multi-line statement map (coverage.py's, from tokens);
//! - [`exclude`] finds excluded lines, docstrings and `no branch` lines;
//! - [`definitions`] finds the `def`/`class` line of decorated definitions;
//! - [`highlight`] turns source into highlighted HTML lines for the HTML report;
//! - [`arcs`] finds the possible arcs with coverage.py 7.17's semantics, each
//!   branch edge tagged with the [`EdgeId`] that observes it;
//! - [`rewrite`] emits the rewritten text with probes and trampolines, the
//!   line map and the probe table;
//! - [`source`] parses a file once for both its rewrite and its analysis.
//!
//! No PyO3 here: everything is testable with plain `cargo test`.

pub mod analysis;
pub mod arcs;
pub mod definitions;
pub mod depth;
pub mod exclude;
pub mod highlight;
pub mod lines;
pub mod parse;
pub mod rewrite;
pub mod source;
pub mod syntax;

use serde::{Deserialize, Serialize};

pub use analysis::{analyze, first_line, Analysis, AnalysisFailure, Patterns};
pub use definitions::definition_lines;
pub use parse::{Options, ParseFailure};
pub use rewrite::{rewrite, LineOrigin, Rewrite};
pub use source::ParsedSource;

/// Synthetic line numbers at or above this value stand for probes: line
/// `PROBE_BASE + k` is probe `k`. Line numbers are C ints, so this leaves room
/// for 2^30 probes per file while staying below 2^31.
pub const PROBE_BASE: u32 = 1 << 30;

/// Which way control leaves a branch line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Side {
    /// Into the body: an `if`/`elif` test was true, a loop body started, a
    /// `case` matched.
    Taken,
    /// The other way: to the `else`/`elif`, out of the loop, to the next `case`
    /// (or past the `match`); for a one-line `def`/`class`, on to the next
    /// statement.
    NotTaken,
    /// A one-line `if`/`elif`/`case` body ran to its end and falls through.
    /// Separate from `Taken` because the body may raise before it gets there.
    BodyEnd,
}

/// One edge out of a branch line. `line` is the branch line as coverage.py
/// names it (the first line of the statement holding the test, the `for`
/// iterable or the `case` pattern).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EdgeId {
    pub line: u32,
    pub side: Side,
}

/// A (from, to) line pair; a negative `to` is an exit from the code object whose
/// `co_firstlineno` is `-to`.
pub type Arc = (i32, i32);
