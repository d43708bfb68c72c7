//! What a coverage data file holds, in memory: measured files and their lines
//! or arcs.
//!
//! The model follows coverage.py's `CoverageData`: a data set records either
//! lines (line mode) or arcs (branch mode), never both; a file can be
//! "measured" with no data at all (a source file that was never imported);
//! combining two data sets is a union per file, after the other set's paths
//! have been mapped (coverage.py's `[paths]` aliases). Data is kept per
//! context (coverage.py's "who ran this": a test name, or `''` when no
//! context was set); the report side asks for the union of all contexts.
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

/// What ran of one file in one context: executed lines (line mode) or arcs
/// (branch mode).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileData {
    pub lines: BTreeSet<u32>,
    pub arcs: BTreeSet<Arc>,
}

/// One file's data by context name.
pub type ByContext = BTreeMap<String, FileData>;

/// A whole data set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoverageData {
    /// `Some(true)`: arcs; `Some(false)`: lines; `None`: not decided yet.
    pub has_arcs: Option<bool>,
    /// Every measured file; one with no data has no context.
    pub files: BTreeMap<String, ByContext>,
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

    fn context_data(&mut self, path: &str, context: &str) -> &mut FileData {
        self.files
            .entry(path.to_string())
            .or_default()
            .entry(context.to_string())
            .or_default()
    }

    /// Adds lines that ran in `context` (`""`: none set).
    pub fn add_lines(
        &mut self,
        path: &str,
        context: &str,
        lines: impl IntoIterator<Item = u32>,
    ) -> Result<(), DataError> {
        self.choose(false)?;
        let mut lines = lines.into_iter().peekable();
        if lines.peek().is_none() {
            self.touch(path);
        } else {
            self.context_data(path, context).lines.extend(lines);
        }
        Ok(())
    }

    /// Adds arcs that ran in `context` (`""`: none set).
    pub fn add_arcs(
        &mut self,
        path: &str,
        context: &str,
        arcs: impl IntoIterator<Item = Arc>,
    ) -> Result<(), DataError> {
        self.choose(true)?;
        // Built in bulk (sorted, then deduplicated) and appended: a set the
        // file does not have yet in `context` is moved in, not inserted arc
        // by arc.
        let mut arcs: BTreeSet<Arc> = arcs.into_iter().collect();
        if arcs.is_empty() {
            self.touch(path);
        } else {
            self.context_data(path, context).arcs.append(&mut arcs);
        }
        Ok(())
    }

    /// The lines of one context's data: in branch mode the positive line
    /// numbers of its arcs, as coverage.py computes them.
    fn data_lines(&self, data: &FileData) -> BTreeSet<u32> {
        if self.has_arcs == Some(true) {
            data.arcs
                .iter()
                .flat_map(|&(a, b)| [a, b])
                .filter_map(|n| u32::try_from(n).ok().filter(|&n| n > 0))
                .collect()
        } else {
            data.lines.clone()
        }
    }

    /// The executed lines of `path` in any context (None if it was not
    /// measured).
    pub fn lines(&self, path: &str) -> Option<BTreeSet<u32>> {
        let file = self.files.get(path)?;
        Some(
            file.values()
                .flat_map(|data| self.data_lines(data))
                .collect(),
        )
    }

    /// The executed arcs of `path` in any context (None if it was not
    /// measured; empty in line mode).
    pub fn arcs(&self, path: &str) -> Option<BTreeSet<Arc>> {
        let file = self.files.get(path)?;
        Some(
            file.values()
                .flat_map(|data| data.arcs.iter().copied())
                .collect(),
        )
    }

    /// Every context some data was recorded in.
    pub fn contexts(&self) -> BTreeSet<&str> {
        self.files
            .values()
            .flat_map(|file| file.keys().map(String::as_str))
            .collect()
    }

    /// For each executed line of `path`, the contexts it ran in (None if the
    /// file was not measured), as coverage.py's `contexts_by_lineno`.
    pub fn contexts_by_line(&self, path: &str) -> Option<BTreeMap<u32, BTreeSet<&str>>> {
        let file = self.files.get(path)?;
        let mut by_line: BTreeMap<u32, BTreeSet<&str>> = BTreeMap::new();
        for (context, data) in file {
            for line in self.data_lines(data) {
                by_line.entry(line).or_default().insert(context.as_str());
            }
        }
        Some(by_line)
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
        for (path, contexts) in &other.files {
            let entry = self.files.entry(map_path(path)).or_default();
            for (context, data) in contexts {
                let ours = entry.entry(context.clone()).or_default();
                ours.lines.extend(data.lines.iter().copied());
                ours.arcs.extend(data.arcs.iter().copied());
            }
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
        data.add_lines("/a.py", "", [1, 2]).unwrap();
        assert_eq!(data.has_arcs, Some(false));
        let err = data.add_arcs("/a.py", "", [(1, 2)]).unwrap_err();
        assert!(err.to_string().contains("existing line data"), "{err}");

        let mut data = CoverageData::new(Some(true));
        let err = data.add_lines("/a.py", "", [1]).unwrap_err();
        assert!(err.to_string().contains("existing branch data"), "{err}");
    }

    #[test]
    fn lines_of_branch_data_come_from_the_arcs() {
        let mut data = CoverageData::new(Some(true));
        data.add_arcs("/a.py", "", [(-1, 1), (1, 1), (1, 3), (3, -1)])
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
        theirs.add_lines("/ci/src/a.py", "", [1, 2]).unwrap();
        theirs.touch("/ci/src/b.py");
        ours.update(&theirs, |p| p.replace("/ci/", "/home/"), ("o", "t"))
            .unwrap();
        let mut more = CoverageData::new(Some(false));
        more.add_lines("/home/src/a.py", "", [2, 5]).unwrap();
        ours.update(&more, str::to_string, ("o", "m")).unwrap();
        assert_eq!(ours.has_arcs, Some(false));
        assert_eq!(ours.lines("/home/src/a.py"), Some([1, 2, 5].into()));
        assert_eq!(ours.lines("/home/src/b.py"), Some(BTreeSet::new()));
        assert_eq!(ours.files.len(), 2);
    }

    #[test]
    fn data_is_kept_per_context_and_read_as_one() {
        let mut data = CoverageData::new(Some(true));
        data.add_arcs("/a.py", "test_one", [(1, 1), (1, 2)])
            .unwrap();
        data.add_arcs("/a.py", "test_two", [(1, 1), (3, -1)])
            .unwrap();
        data.add_arcs("/a.py", "", []).unwrap();
        assert_eq!(data.lines("/a.py"), Some([1, 2, 3].into()));
        assert_eq!(data.arcs("/a.py").unwrap().len(), 3);
        assert_eq!(data.contexts(), ["test_one", "test_two"].into());
        let by_line = data.contexts_by_line("/a.py").unwrap();
        assert_eq!(by_line[&1], ["test_one", "test_two"].into());
        assert_eq!(by_line[&2], ["test_one"].into());
        assert_eq!(by_line[&3], ["test_two"].into());

        let mut combined = CoverageData::new(None);
        combined.update(&data, str::to_string, ("c", "d")).unwrap();
        let mut more = CoverageData::new(Some(true));
        more.add_arcs("/a.py", "test_one", [(5, 5)]).unwrap();
        combined.update(&more, str::to_string, ("c", "m")).unwrap();
        assert_eq!(
            combined.contexts_by_line("/a.py").unwrap()[&5],
            ["test_one"].into()
        );
        assert_eq!(combined.contexts(), ["test_one", "test_two"].into());
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
