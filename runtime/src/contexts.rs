//! Contexts: whose run a hit belongs to (coverage.py's dynamic contexts,
//! such as the test that was running).
//!
//! The LINE callback knows nothing of contexts: it records into each file's
//! live store, as always, so it stays allocation-free and exactly as fast.
//! Switching context takes every live store (an atomic swap per word, so no
//! hit is lost or counted twice) into the earlier hits of the context that
//! was current; then `sys.monitoring.restart_events()` re-arms every line
//! event, so each line runs the callback again, once, under the new context.
//! A switch costs one pass over the stores, and each line run again after it
//! one more callback.
//!
//! No PyO3 here: the module is tested with plain `cargo test`.

use std::collections::BTreeMap;

use crate::hits::HitBits;

/// The contexts seen so far, by id, and the one hits are recorded under now.
#[derive(Debug)]
pub struct ContextNames {
    names: Vec<String>,
    current: usize,
}

impl Default for ContextNames {
    /// Only the empty context, coverage.py's "no context set".
    fn default() -> Self {
        ContextNames {
            names: vec![String::new()],
            current: 0,
        }
    }
}

impl ContextNames {
    pub fn current(&self) -> usize {
        self.current
    }

    pub fn name(&self, id: usize) -> &str {
        self.names.get(id).map_or("", String::as_str)
    }

    /// Makes `name` current; returns the id of the context that was.
    pub fn switch(&mut self, name: &str) -> usize {
        let previous = self.current;
        self.current = match self.names.iter().position(|known| known == name) {
            Some(id) => id,
            None => {
                self.names.push(name.to_string());
                self.names.len() - 1
            }
        };
        previous
    }
}

/// One file's hits taken from its live store at context switches, by context.
#[derive(Debug, Default)]
pub struct EarlierHits {
    by_context: BTreeMap<usize, HitBits>,
    /// The union of `by_context`.
    all: HitBits,
}

impl EarlierHits {
    /// Adds hits that ran under `context`.
    pub fn add(&mut self, context: usize, hits: HitBits) {
        if hits.is_empty() {
            return;
        }
        self.all.union_with(&hits);
        self.by_context
            .entry(context)
            .or_default()
            .union_with(&hits);
    }

    pub fn all(&self) -> &HitBits {
        &self.all
    }

    pub fn of(&self, context: usize) -> Option<&HitBits> {
        self.by_context.get(&context)
    }

    pub fn contexts(&self) -> impl Iterator<Item = usize> + '_ {
        self.by_context.keys().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hits::FileHits;

    #[test]
    fn switching_returns_the_previous_context_and_reuses_ids() {
        let mut names = ContextNames::default();
        assert_eq!((names.current(), names.name(0)), (0, ""));
        assert_eq!(names.switch("test_a"), 0);
        assert_eq!(names.switch("test_b"), 1);
        assert_eq!(names.switch("test_a"), 2);
        assert_eq!(names.current(), 1);
        assert_eq!(names.name(2), "test_b");
        assert_eq!(names.switch(""), 1);
        assert_eq!(names.current(), 0);
    }

    #[test]
    fn earlier_hits_are_kept_per_context() {
        let live = FileHits::new(10, 0);
        let mut earlier = EarlierHits::default();
        live.record(1);
        earlier.add(0, live.take());
        live.record(2);
        earlier.add(1, live.take());
        earlier.add(2, live.take()); // nothing ran: no entry
        live.record(1);
        earlier.add(1, live.take());
        assert_eq!(earlier.contexts().collect::<Vec<_>>(), vec![0, 1]);
        let lines = |hits: &HitBits| hits.lines().collect::<Vec<_>>();
        assert_eq!(lines(earlier.of(0).unwrap()), vec![1]);
        assert_eq!(lines(earlier.of(1).unwrap()), vec![1, 2]);
        assert_eq!(lines(earlier.all()), vec![1, 2]);
        assert!(earlier.of(2).is_none());
    }
}
