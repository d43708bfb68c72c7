//! `instrument_source`: what rcov does to one file, shown to tools and to
//! people debugging a measurement.
//!
//! The same rewrite the import hook compiles, with each probe's edge and the
//! arcs that edge stands for (from the analysis the collector uses to turn
//! probe hits into arcs), so a reader sees exactly which arc a probe line
//! records.

use pyo3::prelude::*;
use rcov_instrument::{Arc as LineArc, Patterns, Side};

use crate::compile::{raw_statements, target_options};
use crate::error::{catch_panic, RcovError};

/// A probe: its branch line, which way the branch went, and the arcs it records.
type ProbeRow = (u32, &'static str, Vec<LineArc>);

/// The rewritten text of `source`, the line each rewritten line reports
/// (its original line, or `PROBE_BASE + k` for probe `k`), and the probe table.
#[pyfunction]
pub fn instrument_source(
    py: Python<'_>,
    source: &str,
    filename: &str,
) -> Result<(String, Vec<u32>, Vec<ProbeRow>), RcovError> {
    let raw_statements = raw_statements(py, source, filename)?;
    let options = target_options(py);
    let patterns = Patterns {
        exclude: Vec::new(),
        partial: Vec::new(),
    };
    let (rewritten, analysis) = py.detach(|| {
        let rewritten = catch_panic("rewrite", || rcov_instrument::rewrite(source, &options))?;
        let analysis = catch_panic("analyze", || {
            rcov_instrument::analyze(source, &raw_statements, &options, &patterns)
        })?;
        Ok::<_, RcovError>((rewritten, analysis))
    })?;
    let lines = crate::event_lines_of(&rewritten.lines);
    let probes = rewritten
        .probes
        .iter()
        .map(|edge| {
            let side = match edge.side {
                Side::Taken => "taken",
                Side::NotTaken => "not taken",
                Side::BodyEnd => "body end",
            };
            let arcs = analysis
                .edges
                .get(edge)
                .map(|arcs| arcs.iter().copied().collect())
                .unwrap_or_default();
            (edge.line, side, arcs)
        })
        .collect();
    Ok((rewritten.text, lines, probes))
}
