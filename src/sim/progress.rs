//! A window on a run in progress for a caller's progress bar (`ecsim run` on a terminal, issue #20): the
//! run loop stores its simulated time and event count into two atomics every [`EVERY_EVENTS`] events;
//! another thread reads them. The core does no I/O: drawing is the caller's (the binary's `progress.rs`).
//!
//! Cost: with no hook, one predictable branch per event; with one, a modulo test per event and two relaxed
//! stores per 4,096 events (a fleet run does a few million events a second: about a thousand stores a
//! second, each on a cache line no one else writes).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Events between two updates (a power of two: the test is a mask).
pub const EVERY_EVENTS: u64 = 4096;

/// Simulated time and events so far, shared between the run and a reader. Relaxed ordering: the two
/// figures are each exact when stored, read for display only, and may be one update apart.
#[derive(Debug, Default)]
pub struct Progress {
    sim_ms: AtomicU64,
    events: AtomicU64,
}

impl Progress {
    /// A fresh hook (time 0, no events), shared.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Simulated time of the last update, ms.
    pub fn sim_ms(&self) -> u64 {
        self.sim_ms.load(Ordering::Relaxed)
    }

    /// Events processed at the last update.
    pub fn events(&self) -> u64 {
        self.events.load(Ordering::Relaxed)
    }

    /// Called by the run loop: store when `events` is a multiple of [`EVERY_EVENTS`].
    #[inline]
    pub(crate) fn tick(&self, sim_ms: u64, events: u64) {
        if events & (EVERY_EVENTS - 1) == 0 {
            self.store(sim_ms, events);
        }
    }

    /// Store both figures now (also at the end of the run, so a reader sees the final state).
    pub(crate) fn store(&self, sim_ms: u64, events: u64) {
        self.sim_ms.store(sim_ms, Ordering::Relaxed);
        self.events.store(events, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_only_every_4096_events() {
        let p = Progress::new();
        p.tick(5, 4095); // 4095 & 4095 != 0: not stored
        assert_eq!((p.sim_ms(), p.events()), (0, 0));
        p.tick(7, 4096); // 4096 & 4095 == 0: stored
        assert_eq!((p.sim_ms(), p.events()), (7, 4096));
        p.tick(9, 4097);
        assert_eq!((p.sim_ms(), p.events()), (7, 4096));
        p.store(11, 4097);
        assert_eq!((p.sim_ms(), p.events()), (11, 4097));
    }
}
