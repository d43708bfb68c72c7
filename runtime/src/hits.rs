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
//! Readers copy bits out as plain [`Bits`] ([`HitBits`] per file): a
//! snapshot, or a take that clears the store word by word with an atomic
//! swap, so that a bit set while the store is being taken lands either in
//! what was taken or in the store, never nowhere (per-context stores are
//! taken this way when the context changes).
//!
//! No PyO3 here: the module is tested with plain `cargo test`.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

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

    /// Adds `index`; true if it was not there before. An index beyond the
    /// size is ignored.
    pub fn set(&self, index: usize) -> bool {
        if index >= self.len {
            return false;
        }
        let Some(word) = self.words.get(index / 64) else {
            return false;
        };
        let mask = 1u64 << (index % 64);
        word.load(Ordering::Relaxed) & mask == 0
            && word.fetch_or(mask, Ordering::Relaxed) & mask == 0
    }

    /// Adds every index of `indices` (best ascending: one atomic operation
    /// per word they touch); how many were not there before. Indices beyond
    /// the size are ignored.
    pub fn set_many(&self, indices: impl Iterator<Item = usize>) -> u64 {
        let add = |word: usize, mask: u64| {
            let word = &self.words[word];
            if word.load(Ordering::Relaxed) & mask == mask {
                return 0;
            }
            u64::from((mask & !word.fetch_or(mask, Ordering::Relaxed)).count_ones())
        };
        let mut added = 0;
        let mut pending: Option<(usize, u64)> = None;
        for index in indices.filter(|&index| index < self.len) {
            let (word, bit) = (index / 64, 1u64 << (index % 64));
            match &mut pending {
                Some((current, mask)) if *current == word => *mask |= bit,
                _ => {
                    if let Some((current, mask)) = pending.replace((word, bit)) {
                        added += add(current, mask);
                    }
                }
            }
        }
        if let Some((current, mask)) = pending {
            added += add(current, mask);
        }
        added
    }

    /// The integers added so far.
    pub fn snapshot(&self) -> Bits {
        Bits {
            words: self
                .words
                .iter()
                .map(|word| word.load(Ordering::Relaxed))
                .collect(),
        }
    }

    /// The integers added so far, removed from the set.
    pub fn take(&self) -> Bits {
        Bits {
            words: self
                .words
                .iter()
                .map(|word| word.swap(0, Ordering::Relaxed))
                .collect(),
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
        self.words
            .iter()
            .enumerate()
            .flat_map(|(i, word)| word_ones(i, word.load(Ordering::Relaxed)))
    }
}

/// The integers of word `i` of a bit set.
fn word_ones(i: usize, mut bits: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if bits == 0 {
            return None;
        }
        let bit = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        Some(i * 64 + bit)
    })
}

/// A plain set of small integers: bits copied out of an [`AtomicBits`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bits {
    words: Vec<u64>,
}

impl Bits {
    pub fn contains(&self, index: usize) -> bool {
        self.words
            .get(index / 64)
            .is_some_and(|word| word & (1u64 << (index % 64)) != 0)
    }

    pub fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.words
            .iter()
            .enumerate()
            .flat_map(|(i, &word)| word_ones(i, word))
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&word| word == 0)
    }

    /// Adds every integer of `other`.
    pub fn union_with(&mut self, other: &Bits) {
        if self.words.len() < other.words.len() {
            self.words.resize(other.words.len(), 0);
        }
        for (mine, theirs) in self.words.iter_mut().zip(&other.words) {
            *mine |= theirs;
        }
    }

    /// The integers of this set that are not in `other`.
    pub fn difference(&self, other: &Bits) -> Bits {
        Bits {
            words: self
                .words
                .iter()
                .enumerate()
                .map(|(i, &word)| word & !other.words.get(i).copied().unwrap_or(0))
                .collect(),
        }
    }
}

/// One file's hits copied out of its [`FileHits`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HitBits {
    lines: Bits,
    probes: Bits,
}

impl HitBits {
    /// Original lines that ran, ascending.
    pub fn lines(&self) -> impl Iterator<Item = u32> + '_ {
        self.lines.ones().map(|line| line as u32)
    }

    pub fn probe_hit(&self, probe: usize) -> bool {
        self.probes.contains(probe)
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.probes.is_empty()
    }

    pub fn union_with(&mut self, other: &HitBits) {
        self.lines.union_with(&other.lines);
        self.probes.union_with(&other.probes);
    }

    /// The hits of this set that are not in `other`.
    pub fn difference(&self, other: &HitBits) -> HitBits {
        HitBits {
            lines: self.lines.difference(&other.lines),
            probes: self.probes.difference(&other.probes),
        }
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
    /// Room for lines `1..=last_line` and probes `0..probe_count`.
    pub fn new(last_line: u32, probe_count: usize) -> Self {
        Self::for_tree(last_line, probe_count, 0, false)
    }

    /// Room for lines `1..=last_line`, probes `0..probe_count` and code
    /// objects `0..code_count`; line counters too when `counting`.
    pub fn for_tree(last_line: u32, probe_count: usize, code_count: usize, counting: bool) -> Self {
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

    /// Records a line number as the LINE event reports it; true if it was
    /// not recorded before.
    pub fn record(&self, line: i64) -> bool {
        let Ok(line) = u64::try_from(line) else {
            return false;
        };
        match line.checked_sub(u64::from(PROBE_BASE)) {
            Some(probe) => self.probes.set(probe as usize),
            None => self.lines.set(line as usize),
        }
    }

    /// Records line numbers as `record` does, all at once (a body that
    /// returned reports every line it has); how many were not recorded
    /// before.
    pub fn record_many(&self, lines: &[u32]) -> u64 {
        let originals = lines.iter().filter(|&&line| line < PROBE_BASE);
        let probes = lines.iter().filter_map(|line| line.checked_sub(PROBE_BASE));
        self.lines.set_many(originals.map(|&line| line as usize))
            + self.probes.set_many(probes.map(|probe| probe as usize))
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

    /// What was recorded so far.
    pub fn snapshot(&self) -> HitBits {
        HitBits {
            lines: self.lines.snapshot(),
            probes: self.probes.snapshot(),
        }
    }

    /// What was recorded so far, cleared from the store.
    pub fn take(&self) -> HitBits {
        HitBits {
            lines: self.lines.take(),
            probes: self.probes.take(),
        }
    }
}

/// The lines one code object can report (original lines, and `PROBE_BASE +
/// k` for its probes), and which of them it has reported. When the last one
/// arrives the code object has nothing more to tell, and its LINE events can
/// be turned off altogether, which also removes the instrumentation that
/// `DISABLE` cannot reach (CPython keeps a jump target on an already reported
/// line instrumented, for instance, and calls no tool there).
#[derive(Debug)]
pub struct CodeLines {
    /// Sorted, without repeats.
    lines: Box<[u32]>,
    seen: AtomicBits,
    unseen: AtomicUsize,
}

impl CodeLines {
    /// `lines` may hold lines that never report (that only delays the end),
    /// but must hold every line that can.
    pub fn new(mut lines: Vec<u32>) -> Self {
        lines.sort_unstable();
        lines.dedup();
        CodeLines {
            seen: AtomicBits::new(lines.len()),
            unseen: AtomicUsize::new(lines.len()),
            lines: lines.into_boxed_slice(),
        }
    }

    /// Records a reported line; true for the call that saw the last unseen one.
    pub fn record(&self, line: i64) -> bool {
        let Ok(line) = u32::try_from(line) else {
            return false;
        };
        let Ok(index) = self.lines.binary_search(&line) else {
            return false;
        };
        self.seen.set(index) && self.unseen.fetch_sub(1, Ordering::AcqRel) == 1
    }

    /// Every line the code object can report.
    pub fn all(&self) -> &[u32] {
        &self.lines
    }

    /// Forgets what was seen (events were turned on again for this code).
    pub fn reset(&self) {
        self.seen.clear();
        self.unseen.store(self.lines.len(), Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn records_many_lines_at_once_counting_the_new_ones() {
        let hits = FileHits::new(200, 3);
        hits.record(64);
        let probe = |k: u32| PROBE_BASE + k;
        // Across words, out of order, repeated, past the end, and probes.
        let lines = [3, 63, 64, 65, 130, 3, 2, 201, probe(1), probe(5)];
        assert_eq!(hits.record_many(&lines), 6);
        assert_eq!(
            hits.lines().collect::<Vec<_>>(),
            vec![2, 3, 63, 64, 65, 130]
        );
        assert!(hits.probe_hit(1) && !hits.probe_hit(0));
        assert_eq!(hits.record_many(&lines), 0);
    }

    #[test]
    fn records_lines_and_probes() {
        let hits = FileHits::new(130, 3);
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
        let hits = FileHits::for_tree(10, 2, 2, true);
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
        let hits = FileHits::for_tree(5, 2, 0, true);
        for line in [2, 2, 5, 2, 6, -1] {
            hits.count(line);
        }
        assert!(hits.count(i64::from(PROBE_BASE)));
        assert!(!hits.count(i64::from(PROBE_BASE) + 2));
        assert_eq!(hits.line_counts(&[]), vec![(2, 3), (5, 1)]);
        assert_eq!(hits.line_counts(&[(0, 2)]), vec![(2, 2), (5, 1)]);
        // Not counting: nothing is stored.
        let plain = FileHits::new(5, 1);
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
        let hits = FileHits::for_tree(1, 0, 3, false);
        hits.record_start(2);
        hits.record_start(7);
        assert_eq!(
            (0..4).map(|k| hits.started(k)).collect::<Vec<_>>(),
            vec![false, false, true, false]
        );
    }

    #[test]
    fn record_says_whether_the_hit_is_new() {
        let hits = FileHits::new(10, 2);
        assert!(hits.record(3));
        assert!(!hits.record(3));
        assert!(hits.record(i64::from(PROBE_BASE) + 1));
        assert!(!hits.record(i64::from(PROBE_BASE) + 1));
        assert!(!hits.record(11));
    }

    #[test]
    fn take_empties_the_store_and_snapshot_does_not() {
        let hits = FileHits::new(200, 70);
        for line in [1, 150] {
            hits.record(line);
        }
        hits.record(i64::from(PROBE_BASE) + 69);
        let seen = hits.snapshot();
        assert_eq!(seen.lines().collect::<Vec<_>>(), vec![1, 150]);
        let taken = hits.take();
        assert_eq!(taken, seen);
        assert!(taken.probe_hit(69) && !taken.probe_hit(68));
        assert!(hits.snapshot().is_empty());
        assert!(hits.record(150), "a taken hit is new again");
    }

    #[test]
    fn hit_bits_union_and_difference() {
        let hits = FileHits::new(100, 4);
        hits.record(5);
        let first = hits.take();
        hits.record(70);
        hits.record(i64::from(PROBE_BASE) + 2);
        let second = hits.take();
        assert_eq!(second.difference(&first), second);
        let mut all = HitBits::default();
        assert!(all.is_empty());
        all.union_with(&first);
        all.union_with(&second);
        assert!(first.difference(&all).is_empty() && second.difference(&all).is_empty());
        assert_eq!(all.difference(&second), first);
        assert!(HitBits::default().difference(&all).is_empty());
        assert_eq!(all.lines().collect::<Vec<_>>(), vec![5, 70]);
        assert!(all.probe_hit(2));
    }

    #[test]
    fn code_lines_end_once_every_line_is_seen() {
        let lines = CodeLines::new(vec![7, 3, i64::from(PROBE_BASE) as u32 + 1, 3]);
        assert!(!lines.record(3));
        assert!(!lines.record(3));
        assert!(!lines.record(99)); // not one of its lines
        assert!(!lines.record(-1));
        assert!(!lines.record(i64::from(PROBE_BASE) + 1));
        assert!(lines.record(7));
        assert!(!lines.record(7));
        lines.reset();
        assert!(!lines.record(7));
        assert!(!lines.record(3));
        assert!(lines.record(i64::from(PROBE_BASE) + 1));
        assert!(!CodeLines::new(Vec::new()).record(1));
    }

    #[test]
    fn exactly_one_thread_sees_the_end() {
        const THREADS: usize = 8;
        let lines = Arc::new(CodeLines::new((1..=1000).collect()));
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let lines = Arc::clone(&lines);
                std::thread::spawn(move || {
                    (1..=1000)
                        .map(|line| lines.record(((line + t * 37) % 1000 + 1) as i64))
                        .filter(|&ended| ended)
                        .count()
                })
            })
            .collect();
        let ends: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
        assert_eq!(ends, 1);
    }

    #[test]
    fn empty_sets_hold_nothing() {
        let bits = AtomicBits::new(0);
        assert!(!bits.set(0));
        assert!(!bits.contains(0));
        assert_eq!(bits.ones().count(), 0);
    }

    #[test]
    fn many_threads_setting_neighbouring_bits_lose_nothing() {
        const THREADS: usize = 8;
        const LINES: u32 = 10_000;
        let hits = Arc::new(FileHits::new(LINES, 64 * 8));
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
