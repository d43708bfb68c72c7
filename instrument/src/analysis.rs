//! Static analysis of one file with coverage.py 7.17's semantics.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::arcs::find_arcs;
use crate::exclude::{find_exclusions, join_patterns, lines_matching};
use crate::lines::MultilineMap;
use crate::parse::{Options, ParseFailure, SourceFile};
use crate::source::ParsedSource;
use crate::{Arc, EdgeId};

/// What coverage.py's `PythonParser` knows about a file, plus which arcs each
/// branch edge stands for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The first statement line of the block each edge enters, where the
    /// block holds code: that line runs only after the edge did.
    pub entry_lines: BTreeMap<EdgeId, u32>,
    /// Raw arcs that jump back to a `with` line at the end of its body, and
    /// what coverage.py reports instead (`None`: drop the arc).
    pub with_fixers: BTreeMap<Arc, Option<Arc>>,
}

/// The first line of the statement holding `line` (exits: negated), given
/// `multiline`, the sorted `(line, first_line)` pairs of multi-line
/// statements.
pub fn first_line(multiline: &[(u32, u32)], line: i32) -> i32 {
    let magnitude = line.unsigned_abs();
    match multiline.binary_search_by_key(&magnitude, |&(l, _)| l) {
        Ok(i) => line.signum() * multiline[i].1 as i32,
        Err(_) => line,
    }
}

impl Analysis {
    /// The first line of the statement holding `line` (exits: negated).
    pub fn first_line(&self, line: i32) -> i32 {
        first_line(&self.multiline, line)
    }

    /// coverage.py's `fix_with_jumps` for one measured (raw) arc: `None` when
    /// the arc is dropped.
    pub fn fix_with_jump(&self, arc: Arc) -> Option<Arc> {
        match self.with_fixers.get(&arc) {
            Some(fixed) => *fixed,
            None => Some(arc),
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
    ParsedSource::parse(source, options)?.analyze(raw_statements, patterns)
}

/// `analyze` for `file`, parsed already, with its `multiline` map.
pub(crate) fn analyze_parsed(
    file: &SourceFile<'_>,
    multiline: &MultilineMap,
    raw_statements: &[u32],
    patterns: &Patterns,
) -> Result<Analysis, AnalysisFailure> {
    let source = file.text;
    let raw_statements: BTreeSet<u32> = raw_statements.iter().copied().collect();
    let exclude = compile_patterns(&patterns.exclude)?;
    let partial = compile_patterns(&patterns.partial)?;

    let exclusions = find_exclusions(file, multiline, exclude.as_ref(), &raw_statements);
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

    let raw_arcs = find_arcs(file, multiline, &raw_statements);
    let no_branch = match &partial {
        Some(regex) => lines_matching(source, regex, multiline),
        None => BTreeSet::new(),
    };
    Ok(Analysis {
        statements,
        excluded: exclusions.excluded,
        multiline: multiline.to_pairs(),
        arcs: raw_arcs.normalized(multiline),
        no_branch,
        edges: raw_arcs.normalized_edges(multiline),
        with_fixers: raw_arcs.with_fixers().clone(),
        entry_lines: raw_arcs.entry_lines,
    })
}

fn compile_patterns(patterns: &[String]) -> Result<Option<regex::Regex>, AnalysisFailure> {
    join_patterns(patterns).map_err(|error| AnalysisFailure::Pattern {
        pattern: patterns.join(" | "),
        message: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Side::{self, BodyEnd, NotTaken, Taken};

    /// Analyses `source` with every non-blank line counted as a statement,
    /// which is what CPython reports for the simple programs below.
    fn analysis(source: &str, statements: &[u32]) -> Analysis {
        analyze(
            source,
            statements,
            &Options::default(),
            &Patterns::default(),
        )
        .unwrap()
    }

    fn edge(line: u32, side: Side) -> EdgeId {
        EdgeId { line, side }
    }

    fn arcs(list: &[Arc]) -> BTreeSet<Arc> {
        list.iter().copied().collect()
    }

    #[test]
    fn if_without_else_at_the_end_of_a_loop_goes_back_to_the_loop() {
        let a = analysis("for x in y:\n    if x:\n        a()\nb()\n", &[1, 2, 3, 4]);
        assert_eq!(a.edges[&edge(2, Taken)], arcs(&[(2, 3)]));
        assert_eq!(a.edges[&edge(2, NotTaken)], arcs(&[(2, 1)]));
        assert_eq!(a.edges[&edge(1, NotTaken)], arcs(&[(1, 4)]));
        assert_eq!(a.exit_counts()[&1], 2);
        assert_eq!(a.exit_counts()[&2], 2);
    }

    #[test]
    fn one_line_body_arcs_belong_to_the_taken_edge() {
        let a = analysis("def f(x):\n    if x: return 1\n    return 2\n", &[1, 2, 3]);
        assert_eq!(a.edges[&edge(2, Taken)], arcs(&[(2, -1)]));
        assert_eq!(a.edges[&edge(2, NotTaken)], arcs(&[(2, 3)]));
    }

    #[test]
    fn one_line_body_falling_through_is_its_own_edge() {
        let a = analysis("for v in vs:\n    if v: f(v)\n", &[1, 2]);
        assert_eq!(a.edges[&edge(2, BodyEnd)], arcs(&[(2, 1)]));
        assert_eq!(a.edges[&edge(2, NotTaken)], arcs(&[(2, 1)]));
        assert_eq!(a.edges[&edge(2, Taken)], arcs(&[]));
    }

    #[test]
    fn one_line_definitions_branch_between_body_and_next_statement() {
        let a = analysis(
            "class A: pass\n@d\ndef f(): return 1\nx = 1\n",
            &[1, 2, 3, 4],
        );
        assert_eq!(a.edges[&edge(1, Taken)], arcs(&[(1, -1)]));
        assert_eq!(a.edges[&edge(1, NotTaken)], arcs(&[(1, 2)]));
        assert_eq!(a.edges[&edge(3, Taken)], arcs(&[(3, -2)]));
        assert_eq!(a.edges[&edge(3, NotTaken)], arcs(&[(3, 4)]));
    }

    #[test]
    fn elif_chains_and_match_cases() {
        let a = analysis(
            "if a:\n    x\nelif b:\n    y\nz\nmatch v:\n    case 1:\n        p\n    case _:\n        q\n",
            &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        );
        assert_eq!(a.edges[&edge(1, NotTaken)], arcs(&[(1, 3)]));
        assert_eq!(a.edges[&edge(3, NotTaken)], arcs(&[(3, 5)]));
        assert_eq!(a.edges[&edge(7, NotTaken)], arcs(&[(7, 9)]));
        assert_eq!(
            a.exit_counts()[&9],
            1,
            "an irrefutable case is not a branch"
        );
    }

    #[test]
    fn exits_through_with_go_to_the_next_statement() {
        let a = analysis("with a:\n    if x:\n        y\nz\n", &[1, 2, 3, 4]);
        assert_eq!(a.edges[&edge(2, NotTaken)], arcs(&[(2, 4)]));
        assert!(a.arcs.contains(&(3, 4)));
        assert!(!a.arcs.contains(&(1, 4)));
    }

    #[test]
    fn a_block_the_compiler_dropped_has_no_entry_line() {
        // `while True`'s else never runs: CPython emits no code for line 5.
        let a = analysis(
            "while True:\n    if x:\n        break\nelse:\n    y()\nz()\n",
            &[1, 2, 3, 6],
        );
        assert_eq!(a.entry_lines.get(&edge(1, NotTaken)), None);
        assert_eq!(a.entry_lines.get(&edge(2, Taken)), Some(&3));
        assert_eq!(a.edges[&edge(1, NotTaken)], arcs(&[(1, 6)]));
    }

    #[test]
    fn constant_tests_have_one_destination() {
        let a = analysis(
            "while True:\n    if 0:\n        x\n    break\n",
            &[1, 2, 3, 4],
        );
        assert_eq!(a.exit_counts()[&1], 1);
        assert_eq!(a.exit_counts()[&2], 1);
    }

    #[test]
    fn exclusions_cover_blocks_and_definitions() {
        let source =
            "if x:  # pragma: no cover\n    a\n    b\nc\n@d  # pragma: no cover\ndef f():\n    g\n";
        let a = analysis(source, &[1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(a.excluded, [1, 2, 3, 5, 6, 7].into_iter().collect());
        assert_eq!(a.statements, [4].into_iter().collect());
    }

    #[test]
    fn docstrings_are_not_statements() {
        let a = analysis(
            "'''Doc\nstring'''\ndef f():\n    'doc'\n    return 1\n",
            &[1, 3, 5],
        );
        assert_eq!(a.statements, [3, 5].into_iter().collect());
    }

    #[test]
    fn the_statement_after_an_if_that_always_jumps_is_its_not_taken_entry() {
        let source = "def f(x):\n    if x:\n        return 1\n    elif x is None:\n        raise E\n    y = 2\n    return y\n";
        let a = analysis(source, &[1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(a.entry_lines.get(&edge(4, NotTaken)), Some(&6));
        // Line 4 is entered by line 2's other way, as before.
        assert_eq!(a.entry_lines.get(&edge(2, NotTaken)), Some(&4));
    }

    #[test]
    fn an_if_that_can_fall_through_has_no_entry_for_its_other_way() {
        let a = analysis("if x:\n    a = 1\nb = 2\n", &[1, 2, 3]);
        assert_eq!(a.entry_lines.get(&edge(1, NotTaken)), None);
    }

    #[test]
    fn a_loop_is_left_into_the_next_statement_only_when_it_has_no_break() {
        let a = analysis("for x in y:\n    a(x)\nb = 2\n", &[1, 2, 3]);
        assert_eq!(a.entry_lines.get(&edge(1, NotTaken)), Some(&3));
        let a = analysis(
            "for x in y:\n    if x:\n        break\nb = 2\n",
            &[1, 2, 3, 4],
        );
        assert_eq!(a.entry_lines.get(&edge(1, NotTaken)), None);
    }
}
