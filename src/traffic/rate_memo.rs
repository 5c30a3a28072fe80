//! The run's memo of synthetic load patterns (`RateMemo`): each distinct pattern once, shared by the
//! services that use it. Split from `runtime.rs`, which holds each service's traffic state.

use crate::engine::SimTime;
use crate::engine::rng::RngStream;
use crate::workload::synthetic;

/// The synthetic patterns of a run's services, each distinct one held once, with the mean rates of the
/// intervals last asked and the Poisson sampler of its last mean: a fleet's services usually share a few load shapes (the generated fleets: 8 time zones
/// over 2,000 services), and within a metric tick they all ask for the same interval. Both are pure
/// functions of (pattern, interval) and (mean), so sharing never changes a figure; the services' random
/// streams stay their own.
///
/// A class of one service (a fleet whose services each have their own rate) gains nothing here: its
/// service asks [`RateMemo::shared`] once and then computes its own rates, never touching the memo.
#[derive(Debug, Default)]
pub struct RateMemo {
    classes: Vec<RateClass>,
}

#[derive(Debug)]
struct RateClass {
    /// `Debug` text of the pattern: equal texts, equal rates (unlike `==`, it tells 0.0 from −0.0).
    text: String,
    /// Services registered with it.
    members: u32,
    /// The two intervals last asked for, ms, with their mean rates, newest first: a service whose
    /// targets changed mid-period asks for its own interval, and should not evict the tick's that the
    /// class's other services ask for next.
    last: [Option<(SimTime, SimTime, f64)>; 2],
    /// The sampler of the last Poisson mean drawn from.
    sampler: Option<synthetic::PoissonSampler>,
}

impl RateMemo {
    /// The class of `pattern` (registered on first sight).
    pub fn class_of(&mut self, pattern: &synthetic::Pattern) -> u32 {
        let text = format!("{pattern:?}");
        if let Some(i) = self.classes.iter().position(|c| c.text == text) {
            self.classes[i].members += 1;
            return i as u32;
        }
        self.classes.push(RateClass {
            text,
            members: 1,
            last: [None; 2],
            sampler: None,
        });
        self.classes.len() as u32 - 1
    }

    /// Does class `c` have more than one service (so far)? Asked once all services are registered.
    pub(super) fn shared(&self, c: u32) -> bool {
        self.classes[c as usize].members > 1
    }

    /// Mean rate of class `c` over `[a_ms, b_ms)` (`a_s`, `b_s` in seconds), as
    /// [`synthetic::Pattern::mean_rate`]; computed with the asking service's own prepared pattern (equal
    /// to the class's) when not memoised here: its `sin` memo holds the end of its last interval, which
    /// is where this one starts, and the class's last asker need not have had.
    pub(super) fn mean_rate(
        &mut self,
        c: u32,
        (a_ms, b_ms): (SimTime, SimTime),
        (a_s, b_s): (f64, f64),
        own: &mut synthetic::PreparedPattern,
    ) -> f64 {
        let class = &mut self.classes[c as usize];
        for k in 0..2 {
            if let Some((a, b, mean)) = class.last[k]
                && (a, b) == (a_ms, b_ms)
            {
                class.last.swap(0, k);
                return mean;
            }
        }
        let mean = own.mean_rate(a_s, b_s);
        class.last = [Some((a_ms, b_ms, mean)), class.last[0]];
        mean
    }

    /// As [`synthetic::realize`], with class `c`'s sampler for a Poisson mean it drew from last.
    pub(super) fn realize(
        &mut self,
        c: u32,
        mean_rate: f64,
        period_s: f64,
        noise: &synthetic::Noise,
        u: &mut RngStream,
    ) -> f64 {
        if !matches!(noise, synthetic::Noise::Poisson) || period_s <= 0.0 {
            return synthetic::realize(mean_rate, period_s, noise, u);
        }
        let lambda = mean_rate * period_s;
        let class = &mut self.classes[c as usize];
        let sampler = match class.sampler {
            Some(s) if s.lambda().to_bits() == lambda.to_bits() => s,
            _ => *class.sampler.insert(synthetic::PoissonSampler::new(lambda)),
        };
        sampler.sample(u) as f64 / period_s
    }
}
