//! What is new since the last look: the bookkeeping behind
//! `Collector.new_coverage`, for coverage-guided fuzzing.
//!
//! The hot question, "did anything new run?", never gets here: the LINE
//! callback counts the hits that were new to their store
//! (`CodeFiles::new_hits`), and a reader that saw the same count last time
//! answers "nothing" from one atomic load. Only when the count moved are each
//! file's bits copied and compared with what was already returned, and only a
//! file whose bits grew is converted to lines and arcs.
//!
//! No PyO3 here: the module is tested with plain `cargo test`.

use std::collections::BTreeSet;

use rcov_instrument::Arc;

use crate::hits::HitBits;

/// New executed lines, and new arcs (branch mode; empty in line mode).
pub type News = (Vec<i32>, Vec<Arc>);

/// What has been returned for one file so far.
#[derive(Debug, Default)]
pub struct Reported {
    bits: HitBits,
    lines: BTreeSet<i32>,
    arcs: BTreeSet<Arc>,
}

impl Reported {
    /// The lines and arcs of `hits` (every hit of the file so far) that were
    /// not returned before, now counted as returned; None when there are
    /// none. `executed` turns hits into lines and arcs in coverage.py's data
    /// conventions; it is given only the bits not seen before (a line, or a
    /// branch edge, is executed by its own bits alone), and only if there
    /// are some. Arcs `(l, l)`, which only carry executed lines in the data,
    /// are left out: a new line is already in the lines.
    pub fn news(
        &mut self,
        hits: &HitBits,
        executed: impl FnOnce(&HitBits) -> (BTreeSet<i32>, Option<BTreeSet<Arc>>),
    ) -> Option<News> {
        let unseen = hits.difference(&self.bits);
        if unseen.is_empty() {
            return None;
        }
        self.bits.union_with(&unseen);
        let (lines, arcs) = executed(&unseen);
        let new_lines: Vec<i32> = lines
            .into_iter()
            .filter(|&line| self.lines.insert(line))
            .collect();
        let new_arcs: Vec<Arc> = arcs
            .unwrap_or_default()
            .into_iter()
            .filter(|&(from, to)| from != to && self.arcs.insert((from, to)))
            .collect();
        (!new_lines.is_empty() || !new_arcs.is_empty()).then_some((new_lines, new_arcs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hits::FileHits;
    use rcov_instrument::PROBE_BASE;

    /// Lines as they are; one arc per probe hit, `(0, k)`.
    fn executed(hits: &HitBits) -> (BTreeSet<i32>, Option<BTreeSet<Arc>>) {
        let lines: BTreeSet<i32> = hits.lines().map(|l| l as i32).collect();
        let mut arcs: BTreeSet<Arc> = lines.iter().map(|&l| (l, l)).collect();
        arcs.extend((0..8).filter(|&k| hits.probe_hit(k)).map(|k| (0, k as i32)));
        (lines, Some(arcs))
    }

    #[test]
    fn each_line_and_arc_is_new_once() {
        let store = FileHits::new(20, 8);
        let mut reported = Reported::default();
        assert_eq!(reported.news(&store.snapshot(), executed), None);
        store.record(3);
        store.record(i64::from(PROBE_BASE) + 1);
        assert_eq!(
            reported.news(&store.snapshot(), executed),
            Some((vec![3], vec![(0, 1)]))
        );
        assert_eq!(reported.news(&store.snapshot(), executed), None);
        store.record(4);
        assert_eq!(
            reported.news(&store.snapshot(), executed),
            Some((vec![4], vec![]))
        );
    }

    #[test]
    fn only_bits_not_returned_before_are_converted() {
        let store = FileHits::new(20, 8);
        store.record(5);
        let mut reported = Reported::default();
        assert!(reported.news(&store.snapshot(), executed).is_some());
        let converted = std::cell::Cell::new(false);
        let news = reported.news(&store.snapshot(), |hits| {
            converted.set(true);
            executed(hits)
        });
        assert_eq!(news, None);
        assert!(!converted.get());
        store.record(6);
        let news = reported.news(&store.snapshot(), |hits| {
            assert_eq!(hits.lines().collect::<Vec<_>>(), vec![6]);
            executed(hits)
        });
        assert_eq!(news, Some((vec![6], vec![])));
    }

    #[test]
    fn hits_seen_again_after_a_clear_are_not_new() {
        let store = FileHits::new(20, 8);
        store.record(5);
        let mut reported = Reported::default();
        assert!(reported.news(&store.snapshot(), executed).is_some());
        store.clear();
        store.record(5);
        store.record(6);
        assert_eq!(
            reported.news(&store.snapshot(), executed),
            Some((vec![6], vec![]))
        );
    }
}
