//! `summary.json`'s `unconfirmed`: the choices AWS does not document (marked **unconfirmed** in
//! docs/ecs-behaviour.md, or fitted by ecsim where AWS gives no figure) that shaped a run's figures, so
//! that "scale-in took 2 h" is never read without "on ecsim's guessed 10 % step".
//!
//! [`INVENTORY`] is the one table of such choices (docs/outputs.md prints it): each with its §, a code,
//! the scenario key that changes it and how its value is read from the spec. The simulation counts, in
//! an [`Exercised`] array of plain integers, each time it applies one where the choice decides
//! something (a target-tracking scale-in held to the step, a launch held by the throttle, a task waiting
//! in PROVISIONING that times out, …): one increment at the place the choice is applied, no text, no
//! allocation. [`uses`] turns the counts into the list, once, at the end of the run.

use crate::engine::dist::DurationDist;
use crate::numfmt::{duration_unit, fmt_duration};
use crate::spec::{ProviderKind, Spec, StateTimings};

/// An undocumented choice a run can rely on, in [`INVENTORY`]'s order (its index there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Choice {
    /// §1.1: an awsvpc task took the last ENI of an instance whose ENI count is ecsim's.
    MaxEnis,
    /// §2.1: AZ rebalancing moved a task (ecsim's reading of which services, strategies and providers).
    AzRebalancing,
    /// §2.2: the launch throttle's growth schedule delayed a service's next launch.
    ThrottleBackoff,
    /// §2.4: a rollout's failed placement attempt counted against the circuit breaker.
    BreakerPlacementFailure,
    /// §3.1: a launch batch left a strategy's weighted tasks at a count its weights do not divide.
    ProviderRemainder,
    /// §3.2: a launch found the PROVISIONING cap full (the task was not created).
    ProvisioningCap,
    /// §3.2: a task waiting in PROVISIONING stopped after its drawn wait.
    ProvisioningTimeout,
    /// §3.2: a managed scale-out's step added on top of instances still launching.
    CasOverProvision,
    /// §3.2: a managed scale-in step after the first of its run of low datapoints (one a minute).
    CasScaleInInterval,
    /// §4.2: a policy's decision came from datapoints published this late.
    MetricPublicationDelay,
    /// §4.2: a target-tracking scale-in was held to the step.
    ScaleInStep,
    /// §4.2: a scale-out activity whose cooldown runs from when the service runs its count.
    CooldownStart,
    /// §5.2: a Fargate Spot task billed at the discount.
    FargateSpotDiscount,
    /// §6.1: an instance registered with memory from ecsim's fit.
    RegisteredMemory,
    /// §6.2: a Spot instance priced at On-Demand less the guessed discount.
    Ec2SpotDiscount,
    /// §6.3: an instance launched with the provider's launch latency.
    InstanceLaunchLatency,
    /// §6.6: surplus credits charged at the end of a simulated hour.
    BurstHourEnd,
    /// §7.1: a task went through the state durations.
    TaskStateTimings,
    /// §7.3: a service that could not place (or launch) tasks tried again after the retry interval.
    PlacementRetry,
    /// §8.3: the per-service launch bucket held launches back.
    ServiceLaunchBucket,
}

/// How many choices the inventory has.
pub const N: usize = 20;

/// One row of the inventory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Info {
    /// The choice (its index in [`INVENTORY`]).
    pub choice: Choice,
    /// Short name, as `summary.json` and stderr print it.
    pub code: &'static str,
    /// The section of docs/ecs-behaviour.md that marks it (`§4.2`).
    pub section: &'static str,
    /// The scenario key that changes it, or "none (fixed rule)".
    pub parameter: &'static str,
    /// What counts as one use (docs/outputs.md's table).
    pub counted: &'static str,
}

/// Every undocumented choice that can change a run's figures, in the order of the reference's sections.
pub const INVENTORY: [Info; N] = [
    Info {
        choice: Choice::MaxEnis,
        code: "instance_max_enis",
        section: "§1.1",
        parameter: "[[instance_types]] max_enis",
        counted: "an awsvpc task that took the last ENI of an instance",
    },
    Info {
        choice: Choice::AzRebalancing,
        code: "az_rebalancing",
        section: "§2.1",
        parameter: "[[services]] availability_zone_rebalancing",
        counted: "a task marked to move to another zone",
    },
    Info {
        choice: Choice::ThrottleBackoff,
        code: "throttle_backoff",
        section: "§2.2",
        parameter: "[scheduler] throttle_initial_delay, throttle_multiplier",
        counted: "a task that failed to start and delayed its service's next launch",
    },
    Info {
        choice: Choice::BreakerPlacementFailure,
        code: "breaker_placement_failure",
        section: "§2.4",
        parameter: "none (fixed rule)",
        counted: "a failed placement attempt of a rollout's task counted as one circuit-breaker failure",
    },
    Info {
        choice: Choice::ProviderRemainder,
        code: "capacity_provider_remainder",
        section: "§3.1",
        parameter: "none (fixed rule)",
        counted: "a launch batch that left the weighted tasks at a count the weights' sum does not divide",
    },
    Info {
        choice: Choice::ProvisioningCap,
        code: "provisioning_cap",
        section: "§3.2",
        parameter: "[scheduler] provisioning_cap",
        counted: "a launch attempt refused because the cap was full",
    },
    Info {
        choice: Choice::ProvisioningTimeout,
        code: "provisioning_timeout",
        section: "§3.2",
        parameter: "[scheduler] provisioning_timeout",
        counted: "a task stopped after waiting in PROVISIONING",
    },
    Info {
        choice: Choice::CasOverProvision,
        code: "cas_over_provision",
        section: "§3.2",
        parameter: "[[capacity_providers]] managed_scaling.instance_warmup_period",
        counted: "a managed scale-out whose step was added on top of instances still launching",
    },
    Info {
        choice: Choice::CasScaleInInterval,
        code: "cas_scale_in_interval",
        section: "§3.2",
        parameter: "none (fixed rule)",
        counted: "a managed scale-in step after the first of its run of low datapoints",
    },
    Info {
        choice: Choice::MetricPublicationDelay,
        code: "metric_publication_delay",
        section: "§4.2",
        parameter: "[scaling] metric_publication_delay",
        counted: "a scaling policy's action",
    },
    Info {
        choice: Choice::ScaleInStep,
        code: "scale_in_step_fraction",
        section: "§4.2",
        parameter: "[scaling] scale_in_step_fraction",
        counted: "a target-tracking scale-in held to the step",
    },
    Info {
        choice: Choice::CooldownStart,
        code: "cooldown_start",
        section: "§4.2",
        parameter: "none (fixed rule)",
        counted: "a scaling policy's scale-out",
    },
    Info {
        choice: Choice::FargateSpotDiscount,
        code: "fargate_spot_discount",
        section: "§5.2",
        parameter: "[pricing] fargate_spot_discount",
        counted: "a Fargate Spot task billed",
    },
    Info {
        choice: Choice::RegisteredMemory,
        code: "registered_memory",
        section: "§6.1",
        parameter: "[[instance_types]] registered_memory_mib",
        counted: "an instance registered",
    },
    Info {
        choice: Choice::Ec2SpotDiscount,
        code: "ec2_spot_discount",
        section: "§6.2",
        parameter: "[pricing] ec2_spot_discount",
        counted: "a Spot instance registered at the discounted price",
    },
    Info {
        choice: Choice::InstanceLaunchLatency,
        code: "instance_launch_latency",
        section: "§6.3",
        parameter: "[[capacity_providers]] launch_latency",
        counted: "an instance launched during the run",
    },
    Info {
        choice: Choice::BurstHourEnd,
        code: "burst_hour_end",
        section: "§6.6",
        parameter: "none (fixed rule)",
        counted: "a surplus-credit charge",
    },
    Info {
        choice: Choice::TaskStateTimings,
        code: "task_state_timings",
        section: "§7.1",
        parameter: "[timings.ec2], [timings.fargate]",
        counted: "a task created",
    },
    Info {
        choice: Choice::PlacementRetry,
        code: "placement_retry_interval",
        section: "§7.3",
        parameter: "[scheduler] placement_retry_interval",
        counted: "a retry after a service could not place or launch a task",
    },
    Info {
        choice: Choice::ServiceLaunchBucket,
        code: "service_launch_bucket",
        section: "§8.3",
        parameter: "[scheduler] service_launch_rate_per_minute",
        counted: "a launch batch the service's bucket held back",
    },
];

/// How often a run applied each choice: one counter each, by [`Choice`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exercised([u64; N]);

impl Exercised {
    /// The run applied `c` once more.
    #[inline]
    pub fn hit(&mut self, c: Choice) {
        self.0[c as usize] += 1;
    }

    /// The run applied `c` `n` more times.
    #[inline]
    pub fn add(&mut self, c: Choice, n: u64) {
        self.0[c as usize] += n;
    }

    /// How often `c` was applied.
    pub fn times(&self, c: Choice) -> u64 {
        self.0[c as usize]
    }
}

/// One choice that shaped the run: a row of `summary.json`'s `unconfirmed`.
#[derive(Debug, Clone, PartialEq)]
pub struct Use {
    /// [`Info::code`].
    pub code: &'static str,
    /// [`Info::section`].
    pub section: &'static str,
    /// [`Info::parameter`].
    pub parameter: &'static str,
    /// The value the run used, as the scenario would write it (or the rule, for a fixed one).
    pub value: String,
    /// How often the run applied it ([`Info::counted`]).
    pub times: u64,
}

/// The choices the run applied, in the inventory's order, with their values read from `spec`.
pub fn uses(spec: &Spec, ex: &Exercised) -> Vec<Use> {
    INVENTORY
        .iter()
        .filter(|i| ex.times(i.choice) > 0)
        .map(|i| Use {
            code: i.code,
            section: i.section,
            parameter: i.parameter,
            value: value(i.choice, spec),
            times: ex.times(i.choice),
        })
        .collect()
}

/// The one line `ecsim run` writes on stderr (without `-q`) when some choice shaped the run: how many,
/// their codes, and where the rest is. `None` when the list is empty.
pub fn note_line(list: &[Use]) -> Option<String> {
    if list.is_empty() {
        return None;
    }
    let n = list.len();
    let codes: Vec<&str> = list.iter().map(|u| u.code).collect();
    Some(format!(
        "note: {n} {} AWS does not document shaped this run ({}): see summary.json \"unconfirmed\"",
        if n == 1 { "choice" } else { "choices" },
        codes.join(", ")
    ))
}

/// A range in one unit, the finer of its ends': `10m–30m`, `60s–150s`.
fn range_text(a: u64, b: u64) -> String {
    let (ua, sa) = duration_unit(a);
    let (ub, sb) = duration_unit(b);
    let (u, s) = if ua <= ub { (ua, sa) } else { (ub, sb) };
    format!("{}{s}–{}{s}", a / u, b / u)
}

/// A distribution in words: `uniform 10m–30m`, `30s`, `lognormal median 5s σ 0.5`.
pub fn dist_text(d: &DurationDist) -> String {
    let t = fmt_duration;
    match *d {
        DurationDist::Constant { ms } => t(ms),
        DurationDist::Uniform { min_ms, max_ms } => {
            format!("uniform {}", range_text(min_ms, max_ms))
        }
        DurationDist::Exponential { mean_ms } => format!("exponential mean {}", t(mean_ms)),
        DurationDist::Normal { mean_ms, sd_ms } => {
            format!("normal mean {} sd {}", t(mean_ms), t(sd_ms))
        }
        DurationDist::LogNormal { median_ms, sigma } => {
            format!("lognormal median {} σ {sigma}", t(median_ms))
        }
        DurationDist::Weibull { scale_ms, shape } => {
            format!("weibull scale {} shape {shape}", t(scale_ms))
        }
    }
}

/// Mean time from PROVISIONING to RUNNING before any image size, s (one decimal).
fn start_mean_s(s: &StateTimings) -> String {
    let ms = s.provisioning.mean_ms() + s.pull.mean_ms() + s.start.mean_ms();
    format!("{:.1}", ms / 1000.0)
}

/// The value of choice `c` in this run.
fn value(c: Choice, spec: &Spec) -> String {
    let sch = &spec.scheduler;
    // The instance types whose figure is ecsim's, with it (`m5.large 3`), once each.
    let types = |f: &dyn Fn(&crate::pricing::catalog::InstanceType) -> Option<u32>| {
        let mut v: Vec<String> = Vec::new();
        for p in &spec.providers {
            if let ProviderKind::Asg(a) = &p.kind
                && let Some(x) = f(&a.instance_type)
            {
                let t = format!("{} {x}", a.instance_type.name);
                if !v.contains(&t) {
                    v.push(t);
                }
            }
        }
        v.join(", ")
    };
    match c {
        Choice::MaxEnis => types(&|t| t.max_enis_unconfirmed.then_some(t.max_enis)),
        Choice::RegisteredMemory => {
            let v = types(&|t| {
                t.registered_memory_fitted
                    .then_some(t.registered_memory_mib)
            });
            format!("{v} MiB (nominal less an overhead of 3.1 % − 47 MiB)")
        }
        Choice::AzRebalancing => {
            "a replacement placed by the service's own strategy, from the moved task's provider"
                .into()
        }
        Choice::ThrottleBackoff => format!(
            "{} × {}, at most {}",
            fmt_duration(sch.throttle_initial_delay_ms),
            sch.throttle_multiplier,
            fmt_duration(sch.throttle_max_delay_ms)
        ),
        Choice::ProviderRemainder => {
            "to the provider furthest below its weighted share; ties to the first listed".into()
        }
        Choice::BreakerPlacementFailure => {
            "one failure per failed placement attempt (the \"unable to place\" event)".into()
        }
        Choice::CasOverProvision => {
            "the step ⌈M × 100 / target⌉ − N, N without the launching instances, added to the group with them"
                .into()
        }
        Choice::CasScaleInInterval => {
            "one step a minute while CapacityProviderReservation stays below the target".into()
        }
        Choice::ProvisioningCap => sch.provisioning_cap.to_string(),
        Choice::ProvisioningTimeout => dist_text(&sch.provisioning_timeout),
        Choice::MetricPublicationDelay => fmt_duration(spec.scaling.publication_delay_ms),
        Choice::ScaleInStep => spec.scaling.scale_in_step_fraction.to_string(),
        Choice::CooldownStart => "when the service runs the count the scale-out set".into(),
        Choice::FargateSpotDiscount => spec.pricing.fargate_spot_discount.to_string(),
        Choice::Ec2SpotDiscount => spec
            .providers
            .iter()
            .find_map(|p| match &p.kind {
                ProviderKind::Asg(a) => a.spot_discount,
                _ => None,
            })
            .map_or_else(String::new, |d| d.to_string()),
        Choice::InstanceLaunchLatency => {
            let mut v: Vec<String> = Vec::new();
            for p in &spec.providers {
                if let ProviderKind::Asg(a) = &p.kind {
                    let d = dist_text(&a.launch_latency);
                    if !v.contains(&d) {
                        v.push(d);
                    }
                }
            }
            v.join("; ")
        }
        Choice::BurstHourEnd => {
            "each hour of simulated time; the run's end as the instance's stop".into()
        }
        Choice::TaskStateTimings => format!(
            "mean PROVISIONING to RUNNING before image sizes: EC2 {} s, Fargate {} s",
            start_mean_s(&spec.timings.ec2),
            start_mean_s(&spec.timings.fargate)
        ),
        Choice::PlacementRetry => fmt_duration(sch.placement_retry_interval_ms),
        Choice::ServiceLaunchBucket => format!(
            "{0} tasks at once, refilled {0} per minute",
            sch.service_launch_rate_per_minute
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inventory_is_in_choice_order_and_its_sections_in_order() {
        for (k, i) in INVENTORY.iter().enumerate() {
            assert_eq!(i.choice as usize, k, "{}", i.code);
        }
        let sec = |s: &str| -> (u32, u32) {
            let (a, b) = s.trim_start_matches('§').split_once('.').unwrap();
            (a.parse().unwrap(), b.parse().unwrap())
        };
        assert!(
            INVENTORY
                .windows(2)
                .all(|w| sec(w[0].section) <= sec(w[1].section))
        );
    }

    #[test]
    fn texts() {
        assert_eq!(fmt_duration(30_000), "30s");
        assert_eq!(fmt_duration(27 * 60_000), "27m");
        assert_eq!(fmt_duration(3_600_000), "1h");
        assert_eq!(fmt_duration(2 * 86_400_000), "2d");
        assert_eq!(fmt_duration(0), "0s");
        assert_eq!(fmt_duration(1_500), "1500ms");
        assert_eq!(
            dist_text(&DurationDist::Uniform {
                min_ms: 600_000,
                max_ms: 1_800_000
            }),
            "uniform 10m–30m"
        );
        assert_eq!(
            dist_text(&DurationDist::Uniform {
                min_ms: 60_000,
                max_ms: 150_000
            }),
            "uniform 60s–150s"
        );
        assert_eq!(range_text(0, 30_000), "0s–30s");
    }
}
