//! `rcov._rcov`: the CPython side of rcov.
//!
//! One module per CPython-facing job:
//! - [`compile`]: compile rewritten text with CPython and remap its line
//!   tables ([`linetable`]) back to the original lines;
//! - [`monitor`]: the `sys.monitoring` tool id, LINE callback, local events;
//! - [`hits`]: the thread-safe store of lines and probes that ran;
//! - [`results`]: hits to coverage.py's conventions, and its report numbers;
//! - [`code_cache`]: instrumented code kept on disk between runs, found
//!   without reading an unchanged source by its [`source_stamp`];
//! - [`collector`] and [`file_analysis`]: the classes Python sees;
//! - [`news`]: what `Collector.new_coverage` has returned, per file;
//! - [`contexts`]: context names, and each file's hits of earlier contexts;
//! - [`instrumented`]: one file's rewrite and probe table, for tools;
//! - [`source_text`]: a source file's bytes to text, as imports decode them;
//! - [`coverage_data`], [`numbits`], [`datafile`]: coverage.py's data files
//!   (model, line encoding, SQLite storage), shown to Python by [`data_object`];
//!   [`trace_data`]: rcov's own tables in them (functions run, line counts,
//!   call pairs).
//!
//! `code_cache`, `source_stamp`, `linetable`, `hits`, `results`, `numbits`,
//! `coverage_data`, `trace_data` and `datafile` use no PyO3 and are
//! unit-tested with plain `cargo test`. Errors are [`error::RcovError`] everywhere and become Python
//! exceptions here, in one place.

pub mod code_cache;
pub mod code_slots;
pub mod collector;
pub mod compile;
pub mod contexts;
pub mod coverage_data;
pub mod data_object;
pub mod datafile;
pub mod error;
pub mod file_analysis;
pub mod firstlineno;
pub mod hits;
pub mod instrumented;
pub mod linetable;
pub mod monitor;
pub mod news;
pub mod numbits;
pub mod quiet_targets;
pub mod results;
pub mod runs;
pub mod source_stamp;
pub mod source_text;
pub mod trace_data;

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyRuntimeError};
use pyo3::prelude::*;
use rcov_instrument::{LineOrigin, Options, Side, PROBE_BASE};

use crate::error::{catch_panic, RcovError};

create_exception!(
    rcov._rcov,
    DataError,
    PyException,
    "A data file could not be read, written or combined; the message names it."
);

create_exception!(
    rcov._rcov,
    InstrumentError,
    PyException,
    "A file could not be instrumented; the message names the reason."
);

impl From<RcovError> for PyErr {
    fn from(err: RcovError) -> PyErr {
        match err {
            RcovError::Python(err) => err,
            RcovError::NoFreeToolId(_) => PyRuntimeError::new_err(err.to_string()),
            RcovError::Data(_) => DataError::new_err(err.to_string()),
            RcovError::Parse(_)
            | RcovError::Analysis(_)
            | RcovError::Panic { .. }
            | RcovError::RewrittenDidNotCompile(_)
            | RcovError::LineTable(_)
            | RcovError::NotPython { .. } => InstrumentError::new_err(err.to_string()),
        }
    }
}

/// The rewritten text, the origin of each rewritten line (an original line,
/// or `PROBE_BASE + k` for probe `k`) and the probe table (branch line, taken).
#[pyfunction]
#[allow(clippy::type_complexity)]
fn rewrite(
    py: Python<'_>,
    source: &str,
    target_version: (u8, u8),
) -> Result<(String, Vec<u32>, Vec<(u32, bool)>), RcovError> {
    let options = Options { target_version };
    let rewritten =
        py.detach(|| catch_panic("rewrite", || rcov_instrument::rewrite(source, &options)))?;
    let probes = rewritten
        .probes
        .iter()
        .map(|edge| (edge.line, edge.side == Side::Taken))
        .collect();
    Ok((rewritten.text, event_lines_of(&rewritten.lines), probes))
}

/// The line a LINE event names for each rewritten line: its original line,
/// or `PROBE_BASE + k` for probe `k`.
pub(crate) fn event_lines_of(origins: &[LineOrigin]) -> Vec<u32> {
    origins
        .iter()
        .map(|origin| match *origin {
            LineOrigin::Source(line) => line,
            LineOrigin::Probe(k) => PROBE_BASE.saturating_add(k),
        })
        .collect()
}

#[pymodule]
fn _rcov(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("PROBE_BASE", PROBE_BASE)?;
    m.add("InstrumentError", py.get_type::<InstrumentError>())?;
    m.add("DataError", py.get_type::<DataError>())?;
    // What a Rust panic that escaped every `catch_panic` becomes (a
    // BaseException): named so that Python callers can catch it too.
    m.add(
        "PanicException",
        py.get_type::<pyo3::panic::PanicException>(),
    )?;
    m.add_class::<collector::Collector>()?;
    m.add_class::<collector::Prepared>()?;
    m.add_class::<data_object::CoverageDataObject>()?;
    m.add_class::<file_analysis::FileAnalysisObject>()?;
    m.add_class::<file_analysis::FileResultObject>()?;
    m.add_function(wrap_pyfunction!(rewrite, m)?)?;
    m.add_function(wrap_pyfunction!(instrumented::instrument_source, m)?)?;
    m.add_function(wrap_pyfunction!(source_text::decode_utf8, m)?)?;
    m.add_function(wrap_pyfunction!(compile::compile_file, m)?)?;
    m.add_function(wrap_pyfunction!(file_analysis::definition_lines, m)?)?;
    m.add_function(wrap_pyfunction!(file_analysis::highlight_lines, m)?)?;
    Ok(())
}
