//! The `[timings]` and `[scheduler]` tables: start-up latency distributions, and the scheduler's parameters
//! with the §8 token buckets (their AWS defaults when not given).

use super::duration::Dist;
use super::schema::*;
use super::{Ctx, Item};
use crate::engine::dist::DurationDist;
use crate::engine::{MS_PER_H, MS_PER_MIN, MS_PER_S};
use crate::spec::*;

impl<'s> Ctx<'s> {
    pub(super) fn timings(&mut self, v: Option<Item<'s>>) -> Timings {
        let raw: RawTimings = v.and_then(|v| self.de(&v, "timings")).unwrap_or_default();
        let c = |ms: u64| DurationDist::constant(ms);
        let pick = |o: &Option<Dist>, d: DurationDist| o.as_ref().map_or(d, |x| x.0.clone());
        let e = &raw.ec2;
        let f = &raw.fargate;
        // Defaults (unconfirmed; calibrate): EC2 tasks pull in seconds; Fargate provision-to-RUNNING is
        // about 20 s plus the image pull, 30–60 s for typical images (§5.3 "derived").
        Timings {
            ec2: StateTimings {
                provisioning: pick(&e.provisioning, c(0)),
                pull: pick(
                    &e.pull,
                    DurationDist::LogNormal {
                        median_ms: 5 * MS_PER_S,
                        sigma: 0.5,
                    },
                ),
                start: pick(&e.start, c(2 * MS_PER_S)),
                activating: pick(&e.activating, c(0)),
                deactivating: pick(&e.deactivating, c(0)),
                stop: pick(&e.stop, c(2 * MS_PER_S)),
                deprovisioning: pick(&e.deprovisioning, c(0)),
            },
            ec2_eni_attach: pick(
                &e.eni_attach,
                DurationDist::Uniform {
                    min_ms: 3 * MS_PER_S,
                    max_ms: 8 * MS_PER_S,
                },
            ),
            fargate: StateTimings {
                provisioning: pick(
                    &f.provisioning,
                    DurationDist::LogNormal {
                        median_ms: 15 * MS_PER_S,
                        sigma: 0.3,
                    },
                ),
                pull: pick(
                    &f.pull,
                    DurationDist::LogNormal {
                        median_ms: 20 * MS_PER_S,
                        sigma: 0.4,
                    },
                ),
                start: pick(&f.start, c(2 * MS_PER_S)),
                activating: pick(&f.activating, c(0)),
                deactivating: pick(&f.deactivating, c(0)),
                stop: pick(&f.stop, c(2 * MS_PER_S)),
                deprovisioning: pick(
                    &f.deprovisioning,
                    DurationDist::Uniform {
                        min_ms: 3 * MS_PER_S,
                        max_ms: 8 * MS_PER_S,
                    },
                ),
            },
            // A 413 MB image took 53–62 s from creation to start on Fargate (§5.3): with ~15 s of
            // provisioning and ~2 s of start, about 10 MiB/s of pull (derived). EC2 pulls are faster
            // (unconfirmed: 50 MiB/s).
            fargate_pull_mib_per_s: f.pull_mib_per_s.unwrap_or(10.0).max(0.001),
            ec2_pull_mib_per_s: e.pull_mib_per_s.unwrap_or(50.0).max(0.001),
            lazy_loading_factor: f.lazy_loading_factor.unwrap_or(0.5).clamp(0.0, 1.0),
        }
    }

    pub(super) fn scheduler(&mut self, v: Option<Item<'s>>) -> SchedulerParams {
        let item = v.clone();
        let r: RawScheduler = v.and_then(|v| self.de(&v, "scheduler")).unwrap_or_default();
        if let (Some(m), Some(it)) = (r.throttle_multiplier, &item)
            && !(1.0..=10.0).contains(&m)
        {
            self.at(
                it,
                "scheduler",
                "throttle_multiplier",
                "throttle_multiplier must be 1 to 10",
            );
        }
        if let (Some(x), Some(it)) = (r.service_launch_rate_per_minute, &item)
            && !(1..=1_000_000).contains(&x)
        {
            self.at(
                it,
                "scheduler",
                "service_launch_rate_per_minute",
                format!("the launch rate must be 1 to 1000000 per minute, not {x}"),
            );
        }
        if let (Some(d), Some(it)) = (r.placement_retry_interval, &item)
            && d.0 == 0
        {
            self.at(
                it,
                "scheduler",
                "placement_retry_interval",
                "the retry interval must be greater than zero",
            );
        }
        let fargate_launch = self.token_rate(&item, &r, TokenKeys::FARGATE);
        let fargate_spot_launch = self.token_rate(&item, &r, TokenKeys::FARGATE_SPOT);
        let run_task_calls = self.token_rate(&item, &r, TokenKeys::RUN_TASK);
        if let (Some(0), Some(it)) = (r.launch_queue_cap, &item) {
            self.at(
                it,
                "scheduler",
                "launch_queue_cap",
                "the launch queue must hold at least 1",
            );
        }
        SchedulerParams {
            fargate_launch,
            fargate_spot_launch,
            run_task_calls,
            launch_queue_cap: r.launch_queue_cap.unwrap_or(100_000).max(1),
            placement_retry_interval_ms: r.placement_retry_interval.map_or(30 * MS_PER_S, |d| d.0),
            throttle_initial_delay_ms: r.throttle_initial_delay.map_or(30 * MS_PER_S, |d| d.0),
            throttle_multiplier: r.throttle_multiplier.unwrap_or(2.0),
            throttle_max_delay_ms: r.throttle_max_delay.map_or(27 * MS_PER_MIN, |d| d.0),
            service_launch_rate_per_minute: r.service_launch_rate_per_minute.unwrap_or(500).max(1),
            provisioning_cap: r.provisioning_cap.unwrap_or(300),
            provisioning_timeout: r.provisioning_timeout.map_or(
                DurationDist::Uniform {
                    min_ms: 10 * MS_PER_MIN,
                    max_ms: 30 * MS_PER_MIN,
                },
                |d| d.0,
            ),
            event_dedup_window_ms: r.event_dedup_window.map_or(6 * MS_PER_H, |d| d.0),
            reserved_ports: r
                .reserved_ports
                .unwrap_or_else(|| vec![22, 2375, 2376, 51678, 51679, 51680]),
            max_reserved_ports: 100,
        }
    }
}

/// The `[scheduler]` keys of one token bucket (§8) and its AWS defaults.
struct TokenKeys {
    burst: &'static str,
    rate: &'static str,
    default: TokenRate,
    /// Burst equal to the (rounded-up) rate when only the rate is given (RunTask, §8.2).
    burst_follows_rate: bool,
    /// The two values as written.
    get: fn(&RawScheduler) -> (Option<u32>, Option<f64>),
}

impl TokenKeys {
    /// §8.1: burst 100, refilled at 20 per second.
    const FARGATE: TokenKeys = TokenKeys {
        burst: "fargate_launch_burst",
        rate: "fargate_launch_rate_per_second",
        default: TokenRate {
            burst: 100,
            per_second: 20.0,
        },
        burst_follows_rate: false,
        get: |r| (r.fargate_launch_burst, r.fargate_launch_rate_per_second),
    };
    /// §8.1: a separate bucket of the same size for Fargate Spot.
    const FARGATE_SPOT: TokenKeys = TokenKeys {
        burst: "fargate_spot_launch_burst",
        rate: "fargate_spot_launch_rate_per_second",
        default: TokenRate {
            burst: 100,
            per_second: 20.0,
        },
        burst_follows_rate: false,
        get: |r| {
            (
                r.fargate_spot_launch_burst,
                r.fargate_spot_launch_rate_per_second,
            )
        },
    };
    /// §8.2: 20 calls per second, burst equal to sustained.
    const RUN_TASK: TokenKeys = TokenKeys {
        burst: "run_task_burst",
        rate: "run_task_calls_per_second",
        default: TokenRate {
            burst: 20,
            per_second: 20.0,
        },
        burst_follows_rate: true,
        get: |r| (r.run_task_burst, r.run_task_calls_per_second),
    };
}

/// Token buckets hold at most this many tokens and refill at most this fast: beyond, a value is a
/// mistake, not a quota (AWS's are 100 and 20 per second, §8).
const MAX_BURST: u32 = 1_000_000;
const MAX_TOKENS_PER_SECOND: f64 = 100_000.0;

impl<'s> Ctx<'s> {
    /// One token bucket of `[scheduler]`, checked: a burst of 1 to 1,000,000 tokens, a refill of 0.001
    /// to 100,000 per second (the simulation counts thousandths of a token per millisecond).
    fn token_rate(&mut self, item: &Option<Item<'s>>, r: &RawScheduler, k: TokenKeys) -> TokenRate {
        let (burst, rate) = (k.get)(r);
        if let Some(it) = item {
            if let Some(b) = burst
                && !(1..=MAX_BURST).contains(&b)
            {
                self.at(
                    it,
                    "scheduler",
                    k.burst,
                    format!("a token bucket holds 1 to {MAX_BURST} tokens, not {b}"),
                );
            }
            if let Some(x) = rate
                && !(0.001..=MAX_TOKENS_PER_SECOND).contains(&x)
            {
                self.at(
                    it,
                    "scheduler",
                    k.rate,
                    format!(
                        "a refill rate must be 0.001 to {MAX_TOKENS_PER_SECOND} per second (zero would never refill), not {x}"
                    ),
                );
            }
        }
        let per_second = rate
            .filter(|x| (0.001..=MAX_TOKENS_PER_SECOND).contains(x))
            .unwrap_or(k.default.per_second);
        let burst = match burst.filter(|b| (1..=MAX_BURST).contains(b)) {
            Some(b) => b,
            None if k.burst_follows_rate && rate.is_some() => per_second.ceil() as u32,
            None => k.default.burst,
        };
        TokenRate { burst, per_second }
    }
}
