//! What a coverage data file holds, in memory: measured files and their lines
//! or arcs.
//!
//! The model follows coverage.py's `CoverageData`: a data set records either
//! lines (line mode) or arcs (branch mode), never both; a file can be
//! "measured" with no data at all (a source file that was never imported);
//! combining two data sets is a union per file, after the other set's paths
//! have been mapped (coverage.py's `[paths]` aliases). Contexts are not
//! modelled: rcov records everything in the default context `''`, and reads
//! the data of every context of a coverage.py file as one set.
//!
//! Pure Rust, no SQLite, no PyO3: [`crate::datafile`] stores it, and
//! `data_object` shows it to Python.

use std::collections::{BTreeMap, BTreeSet};

use crate::trace_data::TraceData;

/// A branch-mode arc: `(from, to)`, negative numbers for entries and exits.
pub type Arc = (i32, i32);

/// Everything that can go wrong with data files.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// SQLite failed on this file.
    #[error("Couldn't use data file '{path}': {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    /// The file system failed on this file.
    #[error("Couldn't {action} data file '{path}': {source}")]
    Io {
        action: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A database, but not one coverage.py or rcov wrote.
    #[error("Data file '{path}' isn't a coverage data file: {message}")]
    NotCoverageData { path: String, message: String },
    /// A coverage data file of another schema version.
    #[error("Couldn't use data file '{path}': wrong schema: {found} instead of {expected}")]
    WrongSchema {
        path: String,
        found: i64,
        expected: i64,
    },
    /// Line data and arc data cannot be mixed.
    #[error("{0}")]
    Mixed(String),
}

/// One file's data: executed lines (line mode) or arcs (branch mode).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileData {
    pub lines: BTreeSet<u32>,
    pub arcs: BTreeSet<Arc>,
}

/// A whole data set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoverageData {
    /// `Some(true)`: arcs; `Some(false)`: lines; `None`: not decided yet.
    pub has_arcs: Option<bool>,
    pub files: BTreeMap<String, FileData>,
    /// Functions run, line counts, call pairs: rcov's own tables.
    pub trace: TraceData,
}

impl CoverageData {
    pub fn new(has_arcs: Option<bool>) -> Self {
        CoverageData {
            has_arcs,
            files: BTreeMap::new(),
            trace: TraceData::default(),
        }
    }

    fn choose(&mut self, arcs: bool) -> Result<(), DataError> {
        match self.has_arcs {
            None => {
                self.has_arcs = Some(arcs);
                Ok(())
            }
            Some(have) if have == arcs => Ok(()),
            Some(true) => Err(DataError::Mixed(
                "Can't add line measurements to existing branch data".into(),
            )),
            Some(false) => Err(DataError::Mixed(
                "Can't add branch measurements to existing line data".into(),
            )),
        }
    }

    /// Records `path` as measured, with no data if it had none.
    pub fn touch(&mut self, path: &str) {
        self.files.entry(path.to_string()).or_default();
    }

    pub fn add_lines(
        &mut self,
        path: &str,
        lines: impl IntoIterator<Item = u32>,
    ) -> Result<(), DataError> {
        self.choose(false)?;
        self.files
            .entry(path.to_string())
            .or_default()
            .lines
            .extend(lines);
        Ok(())
    }

    pub fn add_arcs(
        &mut self,
        path: &str,
        arcs: impl IntoIterator<Item = Arc>,
    ) -> Result<(), DataError> {
        self.choose(true)?;
        self.files
            .entry(path.to_string())
            .or_default()
            .arcs
            .extend(arcs);
        Ok(())
    }

    /// The executed lines of `path` (None if it was not measured). In branch
    /// mode they are the positive line numbers of its arcs, as coverage.py
    /// computes them.
    pub fn lines(&self, path: &str) -> Option<BTreeSet<u32>> {
        let file = self.files.get(path)?;
        if self.has_arcs == Some(true) {
            Some(
                file.arcs
                    .iter()
                    .flat_map(|&(a, b)| [a, b])
                    .filter_map(|n| u32::try_from(n).ok().filter(|&n| n > 0))
                    .collect(),
            )
        } else {
            Some(file.lines.clone())
        }
    }

    /// Adds `other` to this data set, naming each of its files by `map_path`.
    /// `names` are the two data sets' names for the error message when one
    /// has lines and the other arcs (coverage.py's wording).
    pub fn update(
        &mut self,
        other: &CoverageData,
        map_path: impl Fn(&str) -> String,
        names: (&str, &str),
    ) -> Result<(), DataError> {
        let (ours, theirs) = names;
        match (self.has_arcs, other.has_arcs) {
            (Some(false), Some(true)) => {
                return Err(DataError::Mixed(format!(
                    "Can't combine branch coverage data with statement data: data file \
                     '{theirs}' measured branch coverage, but data file '{ours}' didn't"
                )))
            }
            (Some(true), Some(false)) => {
                return Err(DataError::Mixed(format!(
                    "Can't combine statement coverage data with branch data: data file \
                     '{theirs}' didn't measure branch coverage, but data file '{ours}' did"
                )))
            }
            (None, theirs) => self.has_arcs = theirs,
            _ => {}
        }
        for (path, data) in &other.files {
            let entry = self.files.entry(map_path(path)).or_default();
            entry.lines.extend(data.lines.iter().copied());
            entry.arcs.extend(data.arcs.iter().copied());
        }
        self.trace.update(&other.trace, map_path);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_set_holds_lines_or_arcs_never_both() {
        let mut data = CoverageData::new(None);
        data.add_lines("/a.py", [1, 2]).unwrap();
        assert_eq!(data.has_arcs, Some(false));
        let err = data.add_arcs("/a.py", [(1, 2)]).unwrap_err();
        assert!(err.to_string().contains("existing line data"), "{err}");

        let mut data = CoverageData::new(Some(true));
        let err = data.add_lines("/a.py", [1]).unwrap_err();
        assert!(err.to_string().contains("existing branch data"), "{err}");
    }

    #[test]
    fn lines_of_branch_data_come_from_the_arcs() {
        let mut data = CoverageData::new(Some(true));
        data.add_arcs("/a.py", [(-1, 1), (1, 1), (1, 3), (3, -1)])
            .unwrap();
        assert_eq!(data.lines("/a.py"), Some([1, 3].into()));
        assert_eq!(data.lines("/b.py"), None);
    }

    #[test]
    fn touched_files_are_measured_with_no_data() {
        let mut data = CoverageData::new(Some(false));
        data.touch("/never.py");
        assert_eq!(data.lines("/never.py"), Some(BTreeSet::new()));
    }

    #[test]
    fn update_unions_per_mapped_file() {
        let mut ours = CoverageData::new(None);
        let mut theirs = CoverageData::new(Some(false));
        theirs.add_lines("/ci/src/a.py", [1, 2]).unwrap();
        theirs.touch("/ci/src/b.py");
        ours.update(&theirs, |p| p.replace("/ci/", "/home/"), ("o", "t"))
            .unwrap();
        let mut more = CoverageData::new(Some(false));
        more.add_lines("/home/src/a.py", [2, 5]).unwrap();
        ours.update(&more, str::to_string, ("o", "m")).unwrap();
        assert_eq!(ours.has_arcs, Some(false));
        assert_eq!(ours.lines("/home/src/a.py"), Some([1, 2, 5].into()));
        assert_eq!(ours.lines("/home/src/b.py"), Some(BTreeSet::new()));
        assert_eq!(ours.files.len(), 2);
    }

    #[test]
    fn update_refuses_to_mix_lines_and_arcs() {
        let mut ours = CoverageData::new(Some(true));
        let theirs = CoverageData::new(Some(false));
        let err = ours
            .update(&theirs, str::to_string, ("main", "other"))
            .unwrap_err();
        assert!(
            err.to_string().contains("data file 'other' didn't measure"),
            "{err}"
        );
        // An undecided data set (nothing recorded) mixes with anything.
        ours.update(&CoverageData::new(None), str::to_string, ("m", "o"))
            .unwrap();
    }
}
