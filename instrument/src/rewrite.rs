//! The rewriter: inserts probe statements on branch edges and returns the new
//! text, the line map and the probe table. (Being written: see the spec in
//! the module docs once it lands.)

use crate::parse::{Options, ParseFailure};
use crate::EdgeId;

/// Where a line of the rewritten text came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineOrigin {
    /// An original line (1-based), unchanged or the moved part of a split line.
    Source(u32),
    /// A synthetic line holding probe `k` (or the trampoline clause around it).
    Probe(u32),
}

/// The rewritten program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewrite {
    pub text: String,
    /// `lines[i]` is the origin of rewritten line `i + 1`.
    pub lines: Vec<LineOrigin>,
    /// `probes[k]` is the branch edge that probe `k` observes.
    pub probes: Vec<EdgeId>,
}

pub fn rewrite(_source: &str, _options: &Options) -> Result<Rewrite, ParseFailure> {
    todo!("rewriter")
}
