//! `FileAnalysis` and `FileResult`: the report side of one file.
//!
//! coverage.py takes a file's statements from what CPython compiles, so this
//! compiles the source with CPython first (the same `co_lines()` walk as for
//! measured files; a run's own report passes the walk it made already), then
//! hands the raw statements to `instrument`'s analysis.
//! The arithmetic lives in `results`; these classes only carry it to Python.
//! `definition_lines` is what function listings need of a file's syntax,
//! `highlight_lines` what the HTML report shows of it.

use std::collections::{BTreeMap, HashSet};

use pyo3::prelude::*;
use rcov_instrument::definitions::DefRegion;
use rcov_instrument::{Analysis, Arc as LineArc, ParsedSource, Patterns};

use crate::compile::{raw_statements, target_options};
use crate::error::{catch_panic, RcovError};
use crate::results::FileResult;

/// First decorator line -> `def`/`class` line of each decorated definition
/// of `source`: reports show that line instead of `co_firstlineno`.
#[pyfunction]
pub fn definition_lines(py: Python<'_>, source: &str) -> Result<BTreeMap<u32, u32>, RcovError> {
    let options = target_options(py);
    py.detach(|| {
        catch_panic("definition lines", || {
            rcov_instrument::definition_lines(source, &options)
        })
    })
}

/// A `def` region as Python sees it: (qualified name, `def` line, lines).
type RegionTuple = (String, u32, Vec<u32>);

fn region_tuples(regions: Vec<DefRegion>) -> Vec<RegionTuple> {
    regions
        .into_iter()
        .map(|region| {
            (
                region.name,
                region.start,
                region.lines.into_iter().collect(),
            )
        })
        .collect()
}

/// Each line of `source` as highlighted HTML (see `instrument::highlight`),
/// `builtins` being the running Python's builtin names; None if it cannot be
/// parsed.
#[pyfunction]
pub fn highlight_lines(
    py: Python<'_>,
    source: &str,
    builtins: HashSet<String>,
) -> Result<Option<Vec<String>>, RcovError> {
    let options = target_options(py);
    py.detach(|| {
        catch_panic("highlight", || {
            Ok::<_, RcovError>(rcov_instrument::highlight::highlight_lines(
                source, &options, &builtins,
            ))
        })
    })
}

/// Static facts about one file with coverage.py 7.17 semantics, and what
/// function listings need of its definitions when asked for (from the same
/// parse: a report parses each file once).
#[pyclass(frozen, module = "rcov._rcov", name = "FileAnalysis")]
pub struct FileAnalysisObject {
    analysis: Analysis,
    definitions: Option<Definitions>,
}

struct Definitions {
    lines: BTreeMap<u32, u32>,
    regions: Vec<DefRegion>,
}

#[pymethods]
impl FileAnalysisObject {
    /// `raw_statements`: the file's raw statements when the caller has them
    /// (`Collector.raw_statements`); otherwise the source is compiled here.
    /// `definitions`: also find `definition_lines` and `def_regions`.
    #[new]
    #[pyo3(signature = (source, filename, exclude, partial, raw_statements = None, definitions = false))]
    fn new(
        py: Python<'_>,
        source: &str,
        filename: &str,
        exclude: Vec<String>,
        partial: Vec<String>,
        raw_statements: Option<Vec<u32>>,
        definitions: bool,
    ) -> Result<Self, RcovError> {
        let patterns = Patterns { exclude, partial };
        catch_panic("analyze", || {
            Self::analyze(py, source, filename, &patterns, raw_statements, definitions)
        })
    }

    /// First decorator line -> `def`/`class` line of each decorated
    /// definition (None unless asked for).
    #[getter]
    fn definition_lines(&self) -> Option<BTreeMap<u32, u32>> {
        Some(self.definitions.as_ref()?.lines.clone())
    }

    /// Each `def` region's qualified name, `def` line and own lines, as
    /// `def_regions` gives them (None unless asked for).
    #[getter]
    fn def_regions(&self) -> Option<Vec<RegionTuple>> {
        Some(region_tuples(self.definitions.as_ref()?.regions.clone()))
    }

    #[getter]
    fn statements(&self) -> Vec<u32> {
        self.analysis.statements.iter().copied().collect()
    }

    #[getter]
    fn excluded(&self) -> Vec<u32> {
        self.analysis.excluded.iter().copied().collect()
    }

    #[getter]
    fn arcs(&self) -> Vec<LineArc> {
        self.analysis.arcs.iter().copied().collect()
    }

    #[getter]
    fn no_branch(&self) -> Vec<u32> {
        self.analysis.no_branch.iter().copied().collect()
    }

    fn exit_counts(&self) -> BTreeMap<u32, u32> {
        self.analysis.exit_counts()
    }

    #[pyo3(signature = (executed_lines, executed_arcs))]
    fn result(
        &self,
        executed_lines: Vec<i32>,
        executed_arcs: Option<Vec<LineArc>>,
    ) -> Result<FileResultObject, RcovError> {
        catch_panic("result", || {
            let result = FileResult::new(&self.analysis, &executed_lines, executed_arcs.as_deref());
            Ok::<_, RcovError>(FileResultObject(result))
        })
    }
}

impl FileAnalysisObject {
    fn analyze(
        py: Python<'_>,
        source: &str,
        filename: &str,
        patterns: &Patterns,
        known_statements: Option<Vec<u32>>,
        definitions: bool,
    ) -> Result<Self, RcovError> {
        let raw_statements = match known_statements {
            Some(known) => known,
            None => raw_statements(py, source, filename)?,
        };
        let options = target_options(py);
        py.detach(|| {
            let parsed = ParsedSource::parse(source, &options)?;
            let analysis = parsed.analyze(&raw_statements, patterns)?;
            let definitions = definitions.then(|| Definitions {
                lines: parsed.definition_lines(),
                regions: parsed.def_regions(),
            });
            Ok(FileAnalysisObject {
                analysis,
                definitions,
            })
        })
    }
}

/// One file's numbers, as coverage.py's `Analysis` computes them.
#[pyclass(frozen, module = "rcov._rcov", name = "FileResult")]
pub struct FileResultObject(FileResult);

#[pymethods]
impl FileResultObject {
    #[getter]
    fn statements(&self) -> Vec<u32> {
        self.0.statements.clone()
    }

    #[getter]
    fn executed_lines(&self) -> Vec<u32> {
        self.0.executed_lines.clone()
    }

    #[getter]
    fn missing_lines(&self) -> Vec<u32> {
        self.0.missing_lines.clone()
    }

    #[getter]
    fn excluded_lines(&self) -> Vec<u32> {
        self.0.excluded_lines.clone()
    }

    #[getter]
    fn executed_branches(&self) -> Vec<LineArc> {
        self.0.executed_branches.clone()
    }

    #[getter]
    fn missing_branches(&self) -> Vec<LineArc> {
        self.0.missing_branches.clone()
    }

    #[getter]
    fn num_branches(&self) -> u32 {
        self.0.num_branches
    }

    #[getter]
    fn num_partial_branches(&self) -> u32 {
        self.0.num_partial_branches
    }

    #[getter]
    fn num_missing_branches(&self) -> u32 {
        self.0.num_missing_branches
    }

    fn branch_stats(&self) -> BTreeMap<u32, (u32, u32)> {
        self.0.branch_stats()
    }
}
