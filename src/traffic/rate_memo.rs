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
#[derive(Debug, Default)]
pub struct RateMemo {
    classes: Vec<RateClass>,
}

#[derive(Debug)]
struct RateClass {
    pattern: synthetic::Pattern,
    /// `Debug` text of the pattern: equal texts, equal rates (unlike `==`, it tells 0.0 from −0.0).
    text: String,
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
            return i as u32;
        }
        self.classes.push(RateClass {
            pattern: pattern.clone(),
            text,
            last: [None; 2],
            sampler: None,
        });
        self.classes.len() as u32 - 1
    }

    /// Mean rate of class `c` over `[a_ms, b_ms)` (as [`synthetic::Pattern::mean_rate`]); computed with the
    /// asking service's own `sin` memo when not memoised here: its last interval ended where this one
    /// starts, which the class's last asker need not have.
    pub(super) fn mean_rate(
        &mut self,
        c: u32,
        a_ms: SimTime,
        b_ms: SimTime,
        sin: &mut synthetic::SinMemo,
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
        let mean = class
            .pattern
            .mean_rate_memo(a_ms as f64 / 1000.0, b_ms as f64 / 1000.0, sin);
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
