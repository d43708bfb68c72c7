//! The hit store: which lines and probes of a file have run.
//!
//! The LINE callback writes here from any thread, without the GIL on
//! free-threaded builds, so every bit lives in an `AtomicU64` word and is set
//! with a relaxed `fetch_or`: setting a bit commutes with every other set, so
//! no ordering between threads is needed, and a plain load first keeps an
//! already-set word's cache line shared. The sizes are fixed when the file is
//! compiled (its last line, its probe count), so the store never reallocates
//! under a running callback.
//!
//! No PyO3 here: the module is tested with plain `cargo test`.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use rcov_instrument::PROBE_BASE;

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
        self.insert(index);
    }

    /// Adds `index`; true if this call added it (false if it was there, or
    /// is beyond the size).
    pub fn insert(&self, index: usize) -> bool {
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

/// One file's hits: original line numbers, and probe numbers (reported by
/// the callback as line `PROBE_BASE + k`).
#[derive(Debug)]
pub struct FileHits {
    lines: AtomicBits,
    probes: AtomicBits,
}

impl FileHits {
    /// Room for lines `1..=last_line` and probes `0..probe_count`.
    pub fn new(last_line: u32, probe_count: usize) -> Self {
        FileHits {
            lines: AtomicBits::new(last_line as usize + 1),
            probes: AtomicBits::new(probe_count),
        }
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

    /// Forgets every line and probe (a forked child starting its own data).
    pub fn clear(&self) {
        self.lines.clear();
        self.probes.clear();
    }

    /// Original lines that ran, ascending.
    pub fn lines(&self) -> impl Iterator<Item = u32> + '_ {
        self.lines.ones().map(|line| line as u32)
    }

    pub fn probe_hit(&self, probe: usize) -> bool {
        self.probes.contains(probe)
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
        self.seen.insert(index) && self.unseen.fetch_sub(1, Ordering::AcqRel) == 1
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
        let hits = FileHits::new(10, 2);
        hits.record(3);
        hits.record(i64::from(PROBE_BASE) + 1);
        hits.clear();
        assert_eq!(hits.lines().count(), 0);
        assert!(!hits.probe_hit(1));
        hits.record(4);
        assert_eq!(hits.lines().collect::<Vec<_>>(), vec![4]);
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
        bits.set(0);
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
