//! `CoverageData`: the data-file model ([`crate::coverage_data`]) and its
//! storage ([`crate::datafile`]) as a Python class.
//!
//! Only glue: conversions, and the GIL released around file work so that
//! other threads run while a large data file is read or written.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use pyo3::prelude::*;

use crate::coverage_data::{Arc as LineArc, CoverageData};
use crate::datafile;
use crate::error::{catch_panic, RcovError};
use crate::trace_data::{FileFunction, Function};

/// A coverage data set: lines or arcs per measured file.
#[pyclass(module = "rcov._rcov", name = "CoverageData")]
pub struct CoverageDataObject(CoverageData);

impl CoverageDataObject {
    /// The data-file model, for the collector to fill.
    pub fn model_mut(&mut self) -> &mut CoverageData {
        &mut self.0
    }
}

#[pymethods]
impl CoverageDataObject {
    #[new]
    #[pyo3(signature = (*, has_arcs = None))]
    fn new(has_arcs: Option<bool>) -> Self {
        CoverageDataObject(CoverageData::new(has_arcs))
    }

    /// Reads a data file (coverage.py's schema 7). Raises DataError naming it.
    #[staticmethod]
    fn read(py: Python<'_>, path: &str) -> Result<Self, RcovError> {
        let data = py.detach(|| catch_panic("read", || datafile::read(Path::new(path))))?;
        Ok(CoverageDataObject(data))
    }

    /// Writes the data to `path` atomically: the old file or the new one,
    /// never a mix, whatever happens to the process.
    fn write(
        &self,
        py: Python<'_>,
        path: &str,
        meta: Vec<(String, String)>,
    ) -> Result<(), RcovError> {
        let data = &self.0;
        py.detach(|| catch_panic("write", || datafile::write(Path::new(path), data, &meta)))?;
        Ok(())
    }

    #[getter]
    fn has_arcs(&self) -> Option<bool> {
        self.0.has_arcs
    }

    fn measured_files(&self) -> Vec<String> {
        self.0.files.keys().cloned().collect()
    }

    fn lines(&self, path: &str) -> Option<Vec<u32>> {
        self.0.lines(path).map(|lines| lines.into_iter().collect())
    }

    fn arcs(&self, path: &str) -> Option<Vec<LineArc>> {
        self.0.arcs(path).map(|arcs| arcs.into_iter().collect())
    }

    /// The contexts data was recorded in (`''`: no context set).
    fn measured_contexts(&self) -> BTreeSet<String> {
        self.0.contexts().into_iter().map(str::to_string).collect()
    }

    /// For each executed line of `path`, the contexts it ran in, sorted
    /// (empty if the file was not measured).
    fn contexts_by_lineno(&self, path: &str) -> BTreeMap<u32, Vec<String>> {
        self.0
            .contexts_by_line(path)
            .unwrap_or_default()
            .into_iter()
            .map(|(line, contexts)| (line, contexts.into_iter().map(str::to_string).collect()))
            .collect()
    }

    #[pyo3(signature = (path, lines, *, context = ""))]
    fn add_lines(&mut self, path: &str, lines: Vec<u32>, context: &str) -> Result<(), RcovError> {
        catch_panic("add_lines", || self.0.add_lines(path, context, lines))
    }

    #[pyo3(signature = (path, arcs, *, context = ""))]
    fn add_arcs(&mut self, path: &str, arcs: Vec<LineArc>, context: &str) -> Result<(), RcovError> {
        catch_panic("add_arcs", || self.0.add_arcs(path, context, arcs))
    }

    fn touch(&mut self, path: &str) {
        self.0.touch(path);
    }

    /// Adds `other`'s data, its paths renamed by `path_map` (paths absent
    /// from it keep their name). `names` name the two data sets in the error
    /// raised when one has lines and the other arcs.
    #[pyo3(signature = (other, *, path_map = None, names = (String::new(), String::new())))]
    fn update(
        &mut self,
        other: PyRef<'_, CoverageDataObject>,
        path_map: Option<HashMap<String, String>>,
        names: (String, String),
    ) -> Result<(), RcovError> {
        let map = path_map.unwrap_or_default();
        let rename = |path: &str| map.get(path).cloned().unwrap_or_else(|| path.to_string());
        catch_panic("update", || {
            self.0.update(&other.0, rename, (&names.0, &names.1))
        })
    }

    /// Records functions of `path` that ran, as `(co_qualname, co_firstlineno)`.
    fn add_functions(&mut self, path: &str, functions: Vec<Function>) {
        self.0
            .trace
            .functions
            .entry(path.to_string())
            .or_default()
            .extend(functions);
    }

    /// The functions of `path` that ran; None if no function data was
    /// recorded for it (data of coverage.py, or of an earlier rcov).
    fn functions(&self, path: &str) -> Option<Vec<Function>> {
        let recorded = self.0.trace.functions.get(path);
        recorded.map(|functions| functions.iter().cloned().collect())
    }

    /// Adds `(line, count)` run counts of `path`.
    fn add_line_counts(&mut self, path: &str, counts: Vec<(u32, u64)>) {
        let ours = self
            .0
            .trace
            .line_counts
            .entry(path.to_string())
            .or_default();
        for (line, count) in counts {
            let total = ours.entry(line).or_default();
            *total = total.saturating_add(count);
        }
    }

    /// How many times each line of `path` ran; None unless counted.
    fn line_counts(&self, path: &str) -> Option<HashMap<u32, u64>> {
        let counts = self.0.trace.line_counts.get(path)?;
        Some(counts.iter().map(|(&line, &count)| (line, count)).collect())
    }

    fn add_calls(&mut self, calls: Vec<(FileFunction, FileFunction)>) {
        self.0.trace.calls.extend(calls);
    }

    /// The (caller, callee) pairs, each `(path, co_qualname, co_firstlineno)`.
    fn calls(&self) -> Vec<(FileFunction, FileFunction)> {
        self.0.trace.calls.iter().cloned().collect()
    }

    fn __len__(&self) -> usize {
        self.0.files.len()
    }
}
