//! From hits to coverage.py's conventions, and coverage.py's report arithmetic.
//!
//! Two jobs, both pure arithmetic over `rcov_instrument::Analysis`, so they
//! are tested without an interpreter:
//! - [`executed_lines`] and [`executed_arcs`] turn a file's line and probe bits
//!   into the lines and arcs coverage.py's collector would have stored;
//! - [`FileResult::new`] combines a file's analysis with measured lines and
//!   arcs exactly as coverage.py 7.17's `results.Analysis` does, so rcov's
//!   reports and coverage.py's agree number for number.

use std::collections::{BTreeMap, BTreeSet};

use rcov_instrument::{Analysis, Arc, EdgeId};
use serde::{Deserialize, Serialize};

/// What of a file's analysis turns its hits into coverage.py's lines and
/// arcs: all a measured file keeps (and the code cache stores) until the
/// data is made. Sorted vectors, not the analysis' sets: read from the cache
/// for every imported file, they decode without building a tree.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HitsMap {
    /// `(first_line, last_line)` of every multi-line statement, sorted: a
    /// long token table is one pair, not one per line.
    multiline: Vec<(u32, u32)>,
    /// Every branch edge, sorted.
    edges: Vec<EdgeArcs>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct EdgeArcs {
    edge: EdgeId,
    /// The first statement line of the block the edge enters, if the block
    /// holds code: that line runs only after the edge did.
    entry_line: Option<u32>,
    /// The arcs the edge leads to (usually one).
    arcs: Vec<Arc>,
}

impl HitsMap {
    pub fn new(analysis: &Analysis) -> Self {
        let edges = analysis
            .edges
            .iter()
            .map(|(edge, arcs)| EdgeArcs {
                edge: *edge,
                entry_line: analysis.entry_lines.get(edge).copied(),
                arcs: arcs.iter().copied().collect(),
            })
            .collect();
        HitsMap {
            multiline: statement_spans(&analysis.multiline),
            edges,
        }
    }
}

/// The `(first_line, last_line)` spans of the statements in `multiline`
/// (sorted `(line, first_line)` pairs: a statement's lines are together).
fn statement_spans(multiline: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut spans: Vec<(u32, u32)> = Vec::new();
    for &(line, first) in multiline {
        match spans.last_mut() {
            Some((start, last)) if *start == first => *last = line,
            _ => spans.push((first, line)),
        }
    }
    spans
}

/// The first lines of the statements holding `hit_lines`.
pub fn executed_lines(map: &HitsMap, hit_lines: impl Iterator<Item = u32>) -> BTreeSet<i32> {
    let mut lines: Vec<i32> = hit_lines
        .filter(|&line| line > 0)
        .filter_map(|line| i32::try_from(line).ok())
        .collect();
    lines.sort_unstable();
    // Both ascend: one walk through the statements instead of a search per
    // line.
    let mut spans = map.multiline.iter().peekable();
    lines
        .into_iter()
        .map(|line| {
            while spans.next_if(|&&(_, last)| (last as i32) < line).is_some() {}
            match spans.peek() {
                Some(&&(first, _)) if first as i32 <= line => first as i32,
                _ => line,
            }
        })
        .collect()
}

/// Branch-mode data: `(l, l)` for every executed line, plus the arcs of every
/// branch edge that fired. An edge fired when one of its probes (`probes[k]`
/// is the edge probe `k` observes) was hit; an edge without a probe fired when
/// the first line of the block it enters ran, since that line is reached by
/// the edge alone.
pub fn executed_arcs(
    map: &HitsMap,
    executed_lines: &BTreeSet<i32>,
    probes: &[EdgeId],
    probe_hit: impl Fn(usize) -> bool,
) -> BTreeSet<Arc> {
    // Each probed edge once, sorted as `map.edges` is (one walk through
    // both), hit when any of its probes was.
    let mut probed: Vec<(EdgeId, bool)> = probes
        .iter()
        .enumerate()
        .map(|(k, &edge)| (edge, probe_hit(k)))
        .collect();
    probed.sort_unstable();
    probed.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            kept.1 |= later.1;
        }
        same
    });
    // Collected in bulk (sorted, then deduplicated): a tree built arc by arc
    // costs more.
    let mut arcs: Vec<Arc> = executed_lines.iter().map(|&line| (line, line)).collect();
    let mut probed = probed.into_iter().peekable();
    for edge in &map.edges {
        let fired = loop {
            match probed.peek() {
                Some(&(probed_edge, _)) if probed_edge < edge.edge => _ = probed.next(),
                Some(&(probed_edge, hit)) if probed_edge == edge.edge => break hit,
                _ => {
                    break edge
                        .entry_line
                        .is_some_and(|line| executed_lines.contains(&(line as i32)))
                }
            }
        };
        if fired {
            arcs.extend(edge.arcs.iter().copied());
        }
    }
    arcs.into_iter().collect()
}

/// One file's numbers, as coverage.py's `results.Analysis` computes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileResult {
    pub statements: Vec<u32>,
    pub executed_lines: Vec<u32>,
    pub missing_lines: Vec<u32>,
    pub excluded_lines: Vec<u32>,
    pub executed_branches: Vec<Arc>,
    pub missing_branches: Vec<Arc>,
    pub num_branches: u32,
    pub num_partial_branches: u32,
    pub num_missing_branches: u32,
    /// Every branch line (more than one possible exit) and its number of
    /// exits: with the missing branches, coverage.py's `branch_stats`.
    pub branch_exits: BTreeMap<u32, u32>,
}

impl FileResult {
    /// `executed_arcs` is `None` for line data.
    pub fn new(analysis: &Analysis, executed_lines: &[i32], executed_arcs: Option<&[Arc]>) -> Self {
        let executed: BTreeSet<u32> = executed_lines
            .iter()
            .filter_map(|&line| u32::try_from(analysis.first_line(line)).ok())
            .filter(|line| analysis.statements.contains(line))
            .collect();
        let missing: BTreeSet<u32> = analysis.statements.difference(&executed).copied().collect();
        let mut result = FileResult {
            statements: analysis.statements.iter().copied().collect(),
            executed_lines: executed.into_iter().collect(),
            missing_lines: missing.iter().copied().collect(),
            excluded_lines: analysis.excluded.iter().copied().collect(),
            ..FileResult::default()
        };
        if let Some(executed_arcs) = executed_arcs {
            result.add_branches(analysis, executed_arcs, &missing);
        }
        result
    }

    fn add_branches(
        &mut self,
        analysis: &Analysis,
        executed_arcs: &[Arc],
        missing_lines: &BTreeSet<u32>,
    ) {
        let executed = translate_arcs(analysis, executed_arcs);
        let exit_counts = analysis.exit_counts();
        let branch_lines: BTreeSet<i32> = exit_counts
            .iter()
            .filter(|&(_, &count)| count > 1)
            .map(|(&line, _)| line as i32)
            .collect();
        self.num_branches = exit_counts.values().filter(|&&count| count > 1).sum();
        self.branch_exits = exit_counts
            .iter()
            .filter(|&(_, &count)| count > 1)
            .map(|(&line, &count)| (line, count))
            .collect();
        self.missing_branches = analysis
            .arcs
            .iter()
            .filter(|arc| !executed.contains(arc))
            .filter(|(from, to)| {
                !contains_line(&analysis.no_branch, *from)
                    && !contains_line(&analysis.excluded, *to)
            })
            .filter(|(from, _)| branch_lines.contains(from))
            .copied()
            .collect();
        self.executed_branches = executed
            .iter()
            .filter(|arc| analysis.arcs.contains(arc) && branch_lines.contains(&arc.0))
            .copied()
            .collect();
        self.num_missing_branches = self.missing_branches.len() as u32;
        self.num_partial_branches = self
            .missing_branches
            .iter()
            .filter(|(from, _)| !contains_line(missing_lines, *from))
            .count() as u32;
    }

    /// coverage.py's `Analysis.branch_stats()`: per branch line, its number of
    /// exits and how many of them were taken (exits less missing branches,
    /// so the arcs of a `no branch` line all count as taken).
    pub fn branch_stats(&self) -> BTreeMap<u32, (u32, u32)> {
        let mut missing: BTreeMap<i32, u32> = BTreeMap::new();
        for (from, _) in &self.missing_branches {
            *missing.entry(*from).or_default() += 1;
        }
        self.branch_exits
            .iter()
            .map(|(&line, &exits)| {
                let not_taken = i32::try_from(line)
                    .ok()
                    .and_then(|l| missing.get(&l))
                    .copied()
                    .unwrap_or(0);
                (line, (exits, exits - not_taken))
            })
            .collect()
    }
}

/// coverage.py's treatment of measured arcs: jumps back to a `with` line
/// fixed, first lines on both ends, and a
/// self arc `(l, l)` read as `(l, d)` when `d` is `l`'s only possible
/// destination (dropped otherwise).
fn translate_arcs(analysis: &Analysis, arcs: &[Arc]) -> BTreeSet<Arc> {
    let mut destinations: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    for &(from, to) in &analysis.arcs {
        destinations.entry(from).or_default().push(to);
    }
    let first = |(from, to): Arc| (analysis.first_line(from), analysis.first_line(to));
    arcs.iter()
        .filter_map(|&arc| analysis.fix_with_jump(arc))
        .map(first)
        .filter_map(|(from, to)| {
            if from != to {
                return Some((from, to));
            }
            match destinations.get(&from).map(Vec::as_slice) {
                Some(&[only]) => Some((from, only)),
                _ => None,
            }
        })
        .filter_map(|arc| analysis.fix_with_jump(arc))
        .map(first)
        .collect()
}

fn contains_line(lines: &BTreeSet<u32>, line: i32) -> bool {
    u32::try_from(line).is_ok_and(|line| lines.contains(&line))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcov_instrument::Side;

    /// ```text
    /// 1 def f(x):
    /// 2     if x:
    /// 3         a = (1,
    /// 4              2)
    /// 5     elif x is None:   # pragma: no branch
    /// 6         b = 6
    /// 7     return 7
    /// 8 f(1)
    /// ```
    fn analysis() -> Analysis {
        let arcs: BTreeSet<Arc> = [
            (1, 8),
            (8, -1),
            (2, 3),
            (2, 5),
            (3, 7),
            (5, 6),
            (5, 7),
            (6, 7),
            (7, -1),
        ]
        .into_iter()
        .collect();
        let edge = |line, side| EdgeId { line, side };
        let one = |arc: Arc| BTreeSet::from([arc]);
        Analysis {
            statements: [1, 2, 3, 5, 6, 7, 8].into_iter().collect(),
            excluded: BTreeSet::new(),
            multiline: vec![(3, 3), (4, 3)],
            arcs,
            no_branch: [5].into_iter().collect(),
            edges: [
                (edge(2, Side::Taken), one((2, 3))),
                (edge(2, Side::NotTaken), one((2, 5))),
                (edge(5, Side::Taken), one((5, 6))),
                (edge(5, Side::NotTaken), one((5, 7))),
            ]
            .into_iter()
            .collect(),
            entry_lines: [
                (edge(2, Side::Taken), 3),
                (edge(2, Side::NotTaken), 5),
                (edge(5, Side::Taken), 6),
                (edge(5, Side::NotTaken), 7),
            ]
            .into_iter()
            .collect(),
            // Line 8 is a `with` whose body ends on line 9 (not measured here).
            with_fixers: [((9, 8), Some((9, -1))), ((8, -1), None)]
                .into_iter()
                .collect(),
        }
    }

    #[test]
    fn measured_jumps_back_to_a_with_line_are_fixed() {
        let a = analysis();
        let fixed = translate_arcs(&a, &[(9, 8), (8, -1), (1, 2)]);
        assert_eq!(fixed, [(1, 2), (9, -1)].into_iter().collect());
    }

    #[test]
    fn lines_are_reported_as_statement_first_lines() {
        let a = HitsMap::new(&analysis());
        let lines = executed_lines(&a, [0, 1, 2, 4, 7, 8].into_iter());
        assert_eq!(lines.into_iter().collect::<Vec<_>>(), vec![1, 2, 3, 7, 8]);
        // In any order the hits come.
        let lines = executed_lines(&a, [8, 7, 4, 2, 1, 0].into_iter());
        assert_eq!(lines.into_iter().collect::<Vec<_>>(), vec![1, 2, 3, 7, 8]);
    }

    #[test]
    fn adjacent_statements_keep_their_own_first_lines() {
        let mut a = analysis();
        a.multiline = vec![(3, 3), (4, 3), (5, 5), (6, 5), (9, 9), (10, 9), (11, 9)];
        let map = HitsMap::new(&a);
        assert_eq!(map.multiline, [(3, 4), (5, 6), (9, 11)]);
        let lines = executed_lines(&map, [2, 4, 6, 7, 8, 11, 12].into_iter());
        assert_eq!(
            lines.into_iter().collect::<Vec<_>>(),
            vec![2, 3, 5, 7, 8, 9, 12]
        );
    }

    #[test]
    fn probes_and_single_destination_edges_fire() {
        let a = HitsMap::new(&analysis());
        let lines: BTreeSet<i32> = [1, 2, 3, 7, 8].into_iter().collect();
        // Probe 0 watches 2 → 3 (not hit), probe 1 watches 5 → 7 (hit).
        let probes = [
            EdgeId {
                line: 2,
                side: Side::Taken,
            },
            EdgeId {
                line: 5,
                side: Side::NotTaken,
            },
        ];
        let arcs = executed_arcs(&a, &lines, &probes, |k| k == 1);
        let expected: BTreeSet<Arc> = [(1, 1), (2, 2), (3, 3), (7, 7), (8, 8), (5, 7)]
            .into_iter()
            .collect();
        // 2 → 5 has no probe, but line 5 did not run; 5 → 6 likewise.
        assert_eq!(arcs, expected);

        let lines: BTreeSet<i32> = [2, 5, 6].into_iter().collect();
        let arcs = executed_arcs(&a, &lines, &probes, |_| false);
        assert!(arcs.contains(&(2, 5)) && arcs.contains(&(5, 6)));
        assert!(!arcs.contains(&(2, 3)) && !arcs.contains(&(5, 7)));
    }

    #[test]
    fn an_edge_fires_when_any_of_its_probes_was_hit() {
        let a = HitsMap::new(&analysis());
        let lines: BTreeSet<i32> = [1, 2, 7].into_iter().collect();
        let taken = EdgeId {
            line: 2,
            side: Side::Taken,
        };
        let not_taken = EdgeId {
            line: 2,
            side: Side::NotTaken,
        };
        // Three probes watch 2 → 3 and one watches 2 → 5; only the middle
        // one of the three was hit.
        let probes = [taken, not_taken, taken, taken];
        let arcs = executed_arcs(&a, &lines, &probes, |k| k == 2);
        assert!(arcs.contains(&(2, 3)));
        assert!(!arcs.contains(&(2, 5)));
        let arcs = executed_arcs(&a, &lines, &probes, |k| k == 1);
        assert!(!arcs.contains(&(2, 3)));
        assert!(arcs.contains(&(2, 5)));
    }

    #[test]
    fn line_results() {
        let result = FileResult::new(&analysis(), &[1, 2, 4, 7, 8, 99], None);
        assert_eq!(result.executed_lines, vec![1, 2, 3, 7, 8]);
        assert_eq!(result.missing_lines, vec![5, 6]);
        assert_eq!(result.num_branches, 0);
        assert!(result.missing_branches.is_empty());
    }

    #[test]
    fn branch_results_follow_coverage_py() {
        let executed_arcs = [
            (-1, 1),
            (1, 8),
            (8, -1),
            (-1, 2),
            (2, 2),
            (2, 4), // becomes (2, 3) through the first line
            (3, 3), // 3 has one destination: (3, 7)
            (7, 7), // 7 has one destination: (7, -1)
        ];
        let result = FileResult::new(&analysis(), &[1, 2, 3, 7, 8], Some(&executed_arcs));
        assert_eq!(result.num_branches, 4);
        assert_eq!(result.executed_branches, vec![(2, 3)]);
        // Line 5 is `no branch`: its arcs are never missing.
        assert_eq!(result.missing_branches, vec![(2, 5)]);
        assert_eq!(result.num_missing_branches, 1);
        assert_eq!(result.num_partial_branches, 1);
        assert_eq!(result.missing_lines, vec![5, 6]);
        // Line 5's untaken arc is not missing, so both its exits count as taken.
        assert_eq!(
            result.branch_stats(),
            BTreeMap::from([(2, (2, 1)), (5, (2, 2))])
        );
    }

    #[test]
    fn branches_from_missing_lines_are_not_partial() {
        let mut a = analysis();
        a.no_branch.clear();
        let result = FileResult::new(&a, &[1, 8], Some(&[(-1, 1), (1, 8), (8, -1)]));
        assert_eq!(result.num_missing_branches, 4);
        assert_eq!(result.num_partial_branches, 0);
        assert!(result.executed_branches.is_empty());
    }
}
