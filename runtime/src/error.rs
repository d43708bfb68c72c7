//! Everything that can go wrong in rcov's runtime, as one typed enum.
//!
//! Modules return `Result<_, RcovError>`; the conversion to Python exceptions
//! happens once, in `lib.rs`, so the mapping (what the import hook sees as
//! "instrument failed, import normally" versus a real Python error) is
//! decided in one place.

use pyo3::PyErr;
use rcov_instrument::{AnalysisFailure, ParseFailure};

use crate::coverage_data::DataError;
use crate::linetable::LineTableError;

#[derive(Debug, thiserror::Error)]
pub enum RcovError {
    /// The rewriter rejected the source.
    #[error("{0}")]
    Parse(#[from] ParseFailure),
    /// The analyser rejected the source or a pattern.
    #[error("{0}")]
    Analysis(#[from] AnalysisFailure),
    /// `instrument` panicked; caught at the boundary.
    #[error("rcov bug: {stage} panicked: {message}")]
    Panic {
        stage: &'static str,
        message: String,
    },
    /// CPython rejected the rewritten text but accepts the original.
    #[error("rcov bug: rewritten text did not compile: {0}")]
    RewrittenDidNotCompile(String),
    /// A location table could not be remapped.
    #[error("rcov bug: {0}")]
    LineTable(#[from] LineTableError),
    /// CPython could not compile a file given to `FileAnalysis`.
    #[error("cannot parse {filename}: {message}")]
    NotPython { filename: String, message: String },
    /// Tool ids 0 to 5 are all taken by other tools.
    #[error("no free sys.monitoring tool id: ids 0-5 are used by {0}")]
    NoFreeToolId(String),
    /// A data file could not be read, written or combined.
    #[error("{0}")]
    Data(#[from] DataError),
    /// A Python exception, to be raised as it is.
    #[error("{0}")]
    Python(#[from] PyErr),
}

/// Runs `f`, turning a panic into [`RcovError::Panic`] so that no panic
/// crosses into the interpreter.
pub fn catch_panic<T, E: Into<RcovError>>(
    stage: &'static str,
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, RcovError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result.map_err(Into::into),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(RcovError::Panic { stage, message })
        }
    }
}
