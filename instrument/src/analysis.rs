//! Static analysis of one file with coverage.py 7.17's semantics.

use std::collections::{BTreeMap, BTreeSet};

use crate::arcs::find_arcs;
use crate::exclude::{find_exclusions, join_patterns, lines_matching};
use crate::lines::MultilineMap;
use crate::parse::{Options, ParseFailure, SourceFile};
use crate::{Arc, EdgeId};

/// What coverage.py's `PythonParser` knows about a file, plus which arcs each
/// branch edge stands for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Analysis {
    /// Statement lines (first lines), excluded lines and docstrings removed.
    pub statements: BTreeSet<u32>,
    /// Excluded lines (first lines).
    pub excluded: BTreeSet<u32>,
    /// `(line, first_line)` for every line of multi-line statements, sorted.
    pub multiline: Vec<(u32, u32)>,
    /// All possible arcs, normalised to first lines, self-arcs dropped.
    pub arcs: BTreeSet<Arc>,
    /// Lines matching a partial-branch pattern (`# pragma: no branch`).
    pub no_branch: BTreeSet<u32>,
    /// The arcs each branch edge leads to (usually one).
    pub edges: BTreeMap<EdgeId, BTreeSet<Arc>>,
}

impl Analysis {
    /// The first line of the statement holding `line` (exits: negated).
    pub fn first_line(&self, line: i32) -> i32 {
        let magnitude = line.unsigned_abs();
        match self.multiline.binary_search_by_key(&magnitude, |&(l, _)| l) {
            Ok(i) => line.signum() * self.multiline[i].1 as i32,
            Err(_) => line,
        }
    }

    /// coverage.py's `exit_counts`: how many arcs leave each line, arcs from
    /// or to excluded lines not counted. Lines counting more than one are
    /// branch lines.
    pub fn exit_counts(&self) -> BTreeMap<u32, u32> {
        let mut counts = BTreeMap::new();
        for &(from, to) in &self.arcs {
            let from = from as u32;
            if self.excluded.contains(&from) || (to > 0 && self.excluded.contains(&(to as u32))) {
                continue;
            }
            *counts.entry(from).or_insert(0) += 1;
        }
        counts
    }
}

/// Regexes that configure an analysis.
#[derive(Clone, Debug)]
pub struct Patterns {
    pub exclude: Vec<String>,
    pub partial: Vec<String>,
}

impl Default for Patterns {
    /// coverage.py 7.17's default exclusion and partial-branch patterns.
    fn default() -> Self {
        Patterns {
            exclude: vec![
                r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)".into(),
                r"^\s*(((async )?def .*?)?[\])]+(\s*->.*?)?:\s*)?\.\.\.\s*(#|$)".into(),
                r"^\s*if (typing\.)?TYPE_CHECKING:".into(),
            ],
            partial: vec![
                r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(branch|BRANCH)".into(),
                r"^\s*while (True|1|False|0):".into(),
                r"^\s*if (True|1|False|0):".into(),
            ],
        }
    }
}

/// Why an analysis could not be made.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum AnalysisFailure {
    #[error(transparent)]
    Parse(#[from] ParseFailure),
    #[error("bad pattern {pattern:?}: {message}")]
    Pattern { pattern: String, message: String },
}

/// Analyse `source`. `raw_statements` are the line numbers that CPython's
/// compiled code reports in `co_lines()` (recursively, `__annotate__` skipped).
pub fn analyze(
    source: &str,
    raw_statements: &[u32],
    options: &Options,
    patterns: &Patterns,
) -> Result<Analysis, AnalysisFailure> {
    let file = SourceFile::parse(source, options)?;
    let multiline = MultilineMap::from_source(&file);
    let raw_statements: BTreeSet<u32> = raw_statements.iter().copied().collect();
    let exclude = compile_patterns(&patterns.exclude)?;
    let partial = compile_patterns(&patterns.partial)?;

    let exclusions = find_exclusions(&file, &multiline, exclude.as_ref(), &raw_statements);
    let ignored: BTreeSet<u32> = exclusions
        .excluded
        .union(&exclusions.docstrings)
        .copied()
        .collect();
    let statements = raw_statements
        .difference(&ignored)
        .map(|&line| multiline.first_line(line as i32) as u32)
        .filter(|line| !ignored.contains(line))
        .collect();

    let raw_arcs = find_arcs(&file, &multiline, &raw_statements);
    let no_branch = match &partial {
        Some(regex) => lines_matching(source, regex, &multiline),
        None => BTreeSet::new(),
    };
    Ok(Analysis {
        statements,
        excluded: exclusions.excluded,
        multiline: multiline.to_pairs(),
        arcs: raw_arcs.normalized(&multiline),
        no_branch,
        edges: raw_arcs.normalized_edges(&multiline),
    })
}

fn compile_patterns(patterns: &[String]) -> Result<Option<regex::Regex>, AnalysisFailure> {
    join_patterns(patterns).map_err(|error| AnalysisFailure::Pattern {
        pattern: patterns.join(" | "),
        message: error.to_string(),
    })
}
