//! The hit store: which lines and probes of a file have run.
//!
//! The LINE and PY_START callbacks write here from any thread, without the
//! GIL on free-threaded builds, so every bit lives in an `AtomicU64` word and is set
//! with a relaxed `fetch_or`: setting a bit commutes with every other set, so
//! no ordering between threads is needed, and a plain load first keeps an
//! already-set word's cache line shared. The sizes are fixed when the file is
//! compiled (its last line, its probe count, its code objects), so the store
//! never reallocates under a running callback. With `--count` each line also
//! has a counter, added to with a relaxed `fetch_add` for the same reason.
//!
//! No PyO3 here: the module is tested with plain `cargo test`.

use std::sync::atomic::{AtomicU64, Ordering};

use rcov_instrument::{LineOrigin, PROBE_BASE};

/// A fixed-size set of small integers that many threads may add to at once.
#[derive(Debug)]
pub struct AtomicBits {
    len: usize,
    words: Box<[AtomicU64]>,
}

impl AtomicBits {
    /// Room for the integers `0..len`.
    pub fn new(len: usize) -> Self {
        AtomicBits {
            len,
            words: (0..len.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Adds `index`; an index beyond the size is ignored.
    pub fn set(&self, index: usize) {
        if index >= self.len {
            return;
        }
        if let Some(word) = self.words.get(index / 64) {
            let mask = 1u64 << (index % 64);
            if word.load(Ordering::Relaxed) & mask == 0 {
                word.fetch_or(mask, Ordering::Relaxed);
            }
        }
    }

    /// Removes every integer (other threads may be adding at the same time:
    /// each of their adds lands before or after the clear of its word).
    pub fn clear(&self) {
        for word in self.words.iter() {
            word.store(0, Ordering::Relaxed);
        }
    }

    pub fn contains(&self, index: usize) -> bool {
        self.words
            .get(index / 64)
            .is_some_and(|word| word.load(Ordering::Relaxed) & (1u64 << (index % 64)) != 0)
    }

    /// The integers added so far, ascending.
    pub fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(i, word)| {
            let mut bits = word.load(Ordering::Relaxed);
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let bit = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                Some(i * 64 + bit)
            })
        })
    }
}

/// One file's hits: original line numbers, probe numbers (reported by the
/// callback as line `PROBE_BASE + k`), the code objects that started (by
/// their index in the file's code tree) and, when counting, line counts.
#[derive(Debug)]
pub struct FileHits {
    lines: AtomicBits,
    probes: AtomicBits,
    functions: AtomicBits,
    /// One counter per line when counting; empty otherwise.
    counts: Box<[AtomicU64]>,
    /// One counter per probe when counting; empty otherwise.
    probe_counts: Box<[AtomicU64]>,
}

/// Counters for `0..len` when counting, else none.
fn counters(len: usize, counting: bool) -> Box<[AtomicU64]> {
    let len = if counting { len } else { 0 };
    (0..len).map(|_| AtomicU64::new(0)).collect()
}

/// A probe that splits an original line (`if x: y` becomes `if x:`, the
/// probe, `y` on lines of their own): each time it runs, the rest of its
/// line starts again and CPython reports that line once more than it would
/// for the original. `(probe, line)`.
pub type SplitProbe = (usize, u32);

/// The probes of a rewrite that split a line: a run of lines of one probe
/// between two parts of the same original line.
pub fn split_probes(lines: &[LineOrigin]) -> Vec<SplitProbe> {
    let mut splits = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let LineOrigin::Probe(k) = lines[i] else {
            i += 1;
            continue;
        };
        let start = i;
        while i < lines.len() && lines[i] == LineOrigin::Probe(k) {
            i += 1;
        }
        let before = start.checked_sub(1).map(|b| lines[b]);
        if let (Some(LineOrigin::Source(a)), Some(&LineOrigin::Source(b))) = (before, lines.get(i))
        {
            if a == b {
                splits.push((k as usize, a));
            }
        }
    }
    splits
}

impl FileHits {
    /// Room for lines `1..=last_line`, probes `0..probe_count` and code
    /// objects `0..code_count`; line counters too when `counting`.
    pub fn new(last_line: u32, probe_count: usize, code_count: usize, counting: bool) -> Self {
        FileHits {
            lines: AtomicBits::new(last_line as usize + 1),
            probes: AtomicBits::new(probe_count),
            functions: AtomicBits::new(code_count),
            counts: counters(last_line as usize + 1, counting),
            probe_counts: counters(probe_count, counting),
        }
    }

    /// Records that the code object at `index` of the file's tree started.
    pub fn record_start(&self, index: usize) {
        self.functions.set(index);
    }

    /// Whether the code object at `index` of the file's tree ever started.
    pub fn started(&self, index: usize) -> bool {
        self.functions.contains(index)
    }

    /// Records one more run of a line (or probe) as the LINE event reports
    /// it, when counting; returns false if there is nothing to count (its
    /// event can be disabled).
    pub fn count(&self, line: i64) -> bool {
        let Ok(line) = u64::try_from(line) else {
            return false;
        };
        let counter = match line.checked_sub(u64::from(PROBE_BASE)) {
            Some(probe) => self.probe_counts.get(probe as usize),
            None => self.counts.get(line as usize),
        };
        match counter {
            Some(counter) => {
                counter.fetch_add(1, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// Lines that ran, with how many times as the original program would
    /// report them: the extra report of a line after each run of a probe
    /// that `splits` it is taken off. Empty unless counting.
    pub fn line_counts(&self, splits: &[SplitProbe]) -> Vec<(u32, u64)> {
        let mut counts: Vec<u64> = self
            .counts
            .iter()
            .map(|counter| counter.load(Ordering::Relaxed))
            .collect();
        for &(probe, line) in splits {
            let runs = self
                .probe_counts
                .get(probe)
                .map_or(0, |counter| counter.load(Ordering::Relaxed));
            if let Some(count) = counts.get_mut(line as usize) {
                *count = count.saturating_sub(runs);
            }
        }
        (0u32..)
            .zip(counts)
            .filter(|&(_, count)| count > 0)
            .collect()
    }

    /// Records a line number as the LINE event reports it.
    pub fn record(&self, line: i64) {
        let Ok(line) = u64::try_from(line) else {
            return;
        };
        match line.checked_sub(u64::from(PROBE_BASE)) {
            Some(probe) => self.probes.set(probe as usize),
            None => self.lines.set(line as usize),
        }
    }

    /// Forgets every line, probe, start and count (a forked child starting
    /// its own data).
    pub fn clear(&self) {
        self.lines.clear();
        self.probes.clear();
        self.functions.clear();
        for counter in self.counts.iter().chain(self.probe_counts.iter()) {
            counter.store(0, Ordering::Relaxed);
        }
    }

    /// Original lines that ran, ascending.
    pub fn lines(&self) -> impl Iterator<Item = u32> + '_ {
        self.lines.ones().map(|line| line as u32)
    }

    pub fn probe_hit(&self, probe: usize) -> bool {
        self.probes.contains(probe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn records_lines_and_probes() {
        let hits = FileHits::new(130, 3, 0, false);
        for line in [1, 64, 130, 131, 0, -5] {
            hits.record(line);
        }
        hits.record(i64::from(PROBE_BASE) + 2);
        hits.record(i64::from(PROBE_BASE) + 3);
        assert_eq!(hits.lines().collect::<Vec<_>>(), vec![0, 1, 64, 130]);
        assert_eq!(
            (0..4).map(|k| hits.probe_hit(k)).collect::<Vec<_>>(),
            vec![false, false, true, false]
        );
    }

    #[test]
    fn clear_forgets_lines_and_probes() {
        let hits = FileHits::new(10, 2, 2, true);
        hits.record(3);
        hits.record(i64::from(PROBE_BASE) + 1);
        hits.record_start(1);
        assert!(hits.count(3));
        hits.clear();
        assert_eq!(hits.lines().count(), 0);
        assert!(!hits.probe_hit(1));
        assert!(!hits.started(1));
        assert!(hits.line_counts(&[]).is_empty());
        hits.record(4);
        assert_eq!(hits.lines().collect::<Vec<_>>(), vec![4]);
    }

    #[test]
    fn counts_lines_less_the_runs_of_probes_that_split_them() {
        let hits = FileHits::new(5, 2, 0, true);
        for line in [2, 2, 5, 2, 6, -1] {
            hits.count(line);
        }
        assert!(hits.count(i64::from(PROBE_BASE)));
        assert!(!hits.count(i64::from(PROBE_BASE) + 2));
        assert_eq!(hits.line_counts(&[]), vec![(2, 3), (5, 1)]);
        assert_eq!(hits.line_counts(&[(0, 2)]), vec![(2, 2), (5, 1)]);
        // Not counting: nothing is stored.
        let plain = FileHits::new(5, 1, 0, false);
        assert!(!plain.count(2));
        assert!(plain.line_counts(&[]).is_empty());
    }

    #[test]
    fn a_probe_between_two_parts_of_a_line_splits_it() {
        use LineOrigin::{Probe, Source};
        // if x:/probe 0/y (line 2 split); probe 1 between lines 2 and 3;
        // probe 2 (two lines) between parts of line 3.
        let lines = [
            Source(1),
            Source(2),
            Probe(0),
            Source(2),
            Probe(1),
            Source(3),
            Probe(2),
            Probe(2),
            Source(3),
            Probe(3),
        ];
        assert_eq!(split_probes(&lines), vec![(0, 2), (2, 3)]);
    }

    #[test]
    fn records_started_code_objects() {
        let hits = FileHits::new(1, 0, 3, false);
        hits.record_start(2);
        hits.record_start(7);
        assert_eq!(
            (0..4).map(|k| hits.started(k)).collect::<Vec<_>>(),
            vec![false, false, true, false]
        );
    }

    #[test]
    fn empty_sets_hold_nothing() {
        let bits = AtomicBits::new(0);
        bits.set(0);
        assert!(!bits.contains(0));
        assert_eq!(bits.ones().count(), 0);
    }

    #[test]
    fn many_threads_setting_neighbouring_bits_lose_nothing() {
        const THREADS: usize = 8;
        const LINES: u32 = 10_000;
        let hits = Arc::new(FileHits::new(LINES, 64 * 8, 0, false));
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let hits = Arc::clone(&hits);
                std::thread::spawn(move || {
                    // Interleaved: every word is written by every thread.
                    for line in (1 + t as u32..=LINES).step_by(THREADS) {
                        hits.record(i64::from(line));
                    }
                    for probe in (t..64 * 8).step_by(THREADS) {
                        hits.record(i64::from(PROBE_BASE) + probe as i64);
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        assert_eq!(
            hits.lines().collect::<Vec<_>>(),
            (1..=LINES).collect::<Vec<_>>()
        );
        assert!((0..64 * 8).all(|k| hits.probe_hit(k)));
    }
}
