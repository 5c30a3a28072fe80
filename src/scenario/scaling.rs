//! Resolving managed scaling of capacity providers, `[services.auto_scaling]` and `[scaling]`.

use super::schema::*;
use super::{Ctx, Item};
use crate::engine::{MS_PER_S, SimTime};
use crate::scaling::cluster::ManagedScaling;
use crate::scaling::service::{AdjustmentType, Comparison, Policy, ScalingMetric, Step};
use crate::spec::*;
use crate::workload::schedule::Schedule;

const METRICS: &str = "\"ECSServiceAverageCPUUtilization\", \"ECSServiceAverageMemoryUtilization\", \"ALBRequestCountPerTarget\" (and the ...HighResolution forms), \"ApproximateNumberOfMessagesVisible\", \"BacklogPerTask\"";

impl<'s> Ctx<'s> {
    pub(super) fn managed_scaling(
        &mut self,
        r: &RawCapacityProvider,
        item: &Item,
        prefix: &str,
    ) -> Option<ManagedScaling> {
        let m = r.managed_scaling.as_ref()?;
        match m.status.as_deref() {
            None | Some("ENABLED") => {}
            Some("DISABLED") => return None,
            Some(s) => {
                self.at(
                    item,
                    prefix,
                    "managed_scaling.status",
                    format!("unknown status \"{s}\"; allowed: \"ENABLED\", \"DISABLED\""),
                );
                return None;
            }
        }
        let target = m.target_capacity.unwrap_or(100);
        if !(1..=100).contains(&target) {
            self.at(
                item,
                prefix,
                "managed_scaling.target_capacity",
                "target_capacity is 1 to 100 (%) (§3.2)",
            );
        }
        let min_step = m.minimum_scaling_step_size.unwrap_or(1);
        let max_step = m.maximum_scaling_step_size.unwrap_or(10_000);
        if !(1..=10_000).contains(&min_step)
            || !(1..=10_000).contains(&max_step)
            || min_step > max_step
        {
            self.at(
                item,
                prefix,
                "managed_scaling",
                "step sizes are 1 to 10000 with minimum ≤ maximum (§3.2)",
            );
        }
        let warmup = m.instance_warmup_period.map_or(300 * MS_PER_S, |d| d.0);
        if warmup > 10_000 * MS_PER_S {
            self.at(
                item,
                prefix,
                "managed_scaling.instance_warmup_period",
                "instance_warmup_period is 0 to 10000 s (§3.2)",
            );
        }
        // Off unless set, as in the API (`AutoScalingGroupProvider`: "The default is off", §3.2).
        let protection = match r.managed_termination_protection.as_deref() {
            Some("ENABLED") => true,
            None | Some("DISABLED") => false,
            Some(o) => {
                self.at(
                    item,
                    prefix,
                    "managed_termination_protection",
                    format!("unknown value \"{o}\"; allowed: \"ENABLED\", \"DISABLED\""),
                );
                true
            }
        };
        Some(ManagedScaling {
            target_capacity: target.clamp(1, 100),
            minimum_scaling_step_size: min_step.max(1),
            maximum_scaling_step_size: max_step.max(1),
            instance_warmup_ms: warmup,
            scale_in_datapoints: 15,
            scale_in_max_fraction: 0.5,
            managed_termination_protection: protection,
            provisioning_timeout: crate::engine::dist::DurationDist::Uniform {
                min_ms: 600_000,
                max_ms: 1_800_000,
            },
        })
    }

    fn metric(
        &mut self,
        name: &str,
        item: &Item,
        prefix: &str,
        path: &str,
    ) -> Option<ScalingMetric> {
        match name {
            "ECSServiceAverageCPUUtilization" | "ECSServiceAverageCPUUtilizationHighResolution" => {
                Some(ScalingMetric::Cpu)
            }
            "ECSServiceAverageMemoryUtilization"
            | "ECSServiceAverageMemoryUtilizationHighResolution" => Some(ScalingMetric::Memory),
            "ALBRequestCountPerTarget" => Some(ScalingMetric::RequestCountPerTarget),
            "ApproximateNumberOfMessagesVisible" => Some(ScalingMetric::MessagesVisible),
            "BacklogPerTask" => Some(ScalingMetric::BacklogPerTask),
            o => {
                let hint = super::diag::closest(
                    o,
                    [
                        "ECSServiceAverageCPUUtilization",
                        "ECSServiceAverageMemoryUtilization",
                        "ALBRequestCountPerTarget",
                        "ApproximateNumberOfMessagesVisible",
                        "BacklogPerTask",
                    ],
                )
                .map(|c| format!("; did you mean \"{c}\"?"))
                .unwrap_or_default();
                self.at(
                    item,
                    prefix,
                    path,
                    format!("unknown metric \"{o}\"{hint}; allowed: {METRICS}"),
                );
                None
            }
        }
    }

    /// A policy's metric, if the service can produce it: the load balancer's request count needs a
    /// `load`, the queue metrics (§4.5) a `queue`.
    fn produced_metric(
        &mut self,
        name: &str,
        item: &Item,
        prefix: &str,
        path: &str,
        (has_load, has_queue): (bool, bool),
    ) -> Option<ScalingMetric> {
        let m = self.metric(name, item, prefix, path)?;
        let needs = match m {
            ScalingMetric::RequestCountPerTarget if !has_load => {
                "a load balancer: give the service a `load`"
            }
            ScalingMetric::MessagesVisible | ScalingMetric::BacklogPerTask if !has_queue => {
                "a queue: give the service a `queue`"
            }
            _ => return Some(m),
        };
        self.at(
            item,
            prefix,
            path,
            format!("a policy on a metric the service cannot produce: {name} needs {needs}"),
        );
        None
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn auto_scaling(
        &mut self,
        r: &RawAutoScaling,
        item: &Item,
        prefix: &str,
        scheduling: SchedulingStrategy,
        desired: u32,
        metric_period_ms: SimTime,
        produces: (bool, bool),
    ) -> Option<AutoScalingSpec> {
        let p = "auto_scaling";
        if scheduling == SchedulingStrategy::Daemon {
            self.at(item, prefix, p, "DAEMON services do not scale (§2.1)");
            return None;
        }
        if r.min_capacity > r.max_capacity {
            self.at(
                item,
                prefix,
                &format!("{p}.min_capacity"),
                format!(
                    "min_capacity ({}) must not exceed max_capacity ({})",
                    r.min_capacity, r.max_capacity
                ),
            );
        }
        let _ = desired;
        let mut policies = Vec::new();
        for (i, rp) in r.policies.iter().enumerate() {
            let pp = format!("{p}.policies.{i}");
            match rp {
                RawPolicy::TargetTracking {
                    metric,
                    target,
                    scale_out_cooldown,
                    scale_in_cooldown,
                    disable_scale_in,
                    high_datapoints,
                    low_datapoints,
                } => {
                    let Some(m) = self.produced_metric(
                        metric,
                        item,
                        prefix,
                        &format!("{pp}.metric"),
                        produces,
                    ) else {
                        continue;
                    };
                    if metric.ends_with("HighResolution") && metric_period_ms > 20 * MS_PER_S {
                        self.at(item, prefix, &format!("{pp}.metric"), "high-resolution metrics need metric_period = \"20s\" at the top of the scenario");
                    }
                    if !(*target > 0.0 && target.is_finite()) {
                        self.at(
                            item,
                            prefix,
                            &format!("{pp}.target"),
                            "target must be greater than 0",
                        );
                        continue;
                    }
                    policies.push(Policy::TargetTracking {
                        metric: m,
                        target: *target,
                        scale_out_cooldown_ms: scale_out_cooldown.map_or(300 * MS_PER_S, |d| d.0),
                        scale_in_cooldown_ms: scale_in_cooldown.map_or(300 * MS_PER_S, |d| d.0),
                        disable_scale_in: *disable_scale_in,
                        high_datapoints: high_datapoints.unwrap_or(3).max(1),
                        low_datapoints: low_datapoints.unwrap_or(15).max(1),
                    });
                }
                RawPolicy::StepScaling {
                    metric,
                    statistic,
                    comparison,
                    threshold,
                    datapoints_to_alarm,
                    evaluation_periods,
                    adjustment_type,
                    steps,
                    min_adjustment_magnitude,
                    cooldown,
                } => {
                    let Some(m) = self.produced_metric(
                        metric,
                        item,
                        prefix,
                        &format!("{pp}.metric"),
                        produces,
                    ) else {
                        continue;
                    };
                    if let Some(st) = statistic
                        && st != "Average"
                    {
                        self.at(item, prefix, &format!("{pp}.statistic"), format!("statistic \"{st}\" is not modelled: datapoints are service averages per period; use \"Average\""));
                    }
                    let cmp = match comparison.as_str() {
                        ">=" => Comparison::Ge,
                        ">" => Comparison::Gt,
                        "<=" => Comparison::Le,
                        "<" => Comparison::Lt,
                        o => {
                            self.at(item, prefix, &format!("{pp}.comparison"), format!("unknown comparison \"{o}\"; allowed: \">=\", \">\", \"<=\", \"<\""));
                            continue;
                        }
                    };
                    let kind = match adjustment_type.as_str() {
                        "ChangeInCapacity" => AdjustmentType::ChangeInCapacity,
                        "PercentChangeInCapacity" => AdjustmentType::PercentChangeInCapacity,
                        "ExactCapacity" => AdjustmentType::ExactCapacity,
                        o => {
                            self.at(item, prefix, &format!("{pp}.adjustment_type"), format!("unknown adjustment type \"{o}\"; allowed: \"ChangeInCapacity\", \"PercentChangeInCapacity\", \"ExactCapacity\""));
                            continue;
                        }
                    };
                    let n = evaluation_periods.unwrap_or(1).max(1);
                    let k = datapoints_to_alarm.unwrap_or(n).max(1);
                    if k > n {
                        self.at(
                            item,
                            prefix,
                            &format!("{pp}.datapoints_to_alarm"),
                            "datapoints_to_alarm cannot exceed evaluation_periods",
                        );
                    }
                    if steps.is_empty() {
                        self.at(
                            item,
                            prefix,
                            &format!("{pp}.steps"),
                            "list at least one step",
                        );
                        continue;
                    }
                    let steps: Vec<Step> = steps
                        .iter()
                        .map(|s| Step {
                            lower: s.lower.unwrap_or(f64::NEG_INFINITY),
                            upper: s.upper.unwrap_or(f64::INFINITY),
                            adjustment: s.adjustment,
                        })
                        .collect();
                    if let Some(why) = steps_problem(&steps) {
                        self.at(item, prefix, &format!("{pp}.steps"), why);
                    }
                    policies.push(Policy::StepScaling {
                        metric: m,
                        comparison: cmp,
                        threshold: *threshold,
                        datapoints_to_alarm: k,
                        evaluation_periods: n,
                        adjustment_type: kind,
                        steps,
                        min_adjustment_magnitude: *min_adjustment_magnitude,
                        cooldown_ms: cooldown.map_or(300 * MS_PER_S, |d| d.0),
                    });
                }
            }
        }
        let scheduled = self.scheduled_actions(r, item, prefix);
        Some(AutoScalingSpec {
            min: r.min_capacity,
            max: r.max_capacity,
            policies,
            scheduled,
        })
    }

    /// `scheduled_actions` of `[services.auto_scaling]` (§4.4).
    fn scheduled_actions(
        &mut self,
        r: &RawAutoScaling,
        item: &Item,
        prefix: &str,
    ) -> Vec<ScheduledScaling> {
        let p = "auto_scaling";
        let mut scheduled = Vec::new();
        for (i, a) in r.scheduled_actions.iter().enumerate() {
            let ap = format!("{prefix}.{p}.scheduled_actions[{i}]");
            if a.min_capacity.is_none() && a.max_capacity.is_none() {
                self.at(
                    item,
                    prefix,
                    &format!("{p}.scheduled_actions.{i}"),
                    "a scheduled action sets min_capacity, max_capacity or both",
                );
                continue;
            }
            // §4.4: AWS reads cron() and at() in the action's Timezone (UTC by default).
            let Ok(zone) = self.time_zone(&a.timezone, item, &ap) else {
                continue;
            };
            if let (Some(lo), Some(hi)) = (a.min_capacity, a.max_capacity)
                && lo > hi
            {
                // PutScheduledAction refuses it: "Maximum capacity cannot be less than minimum
                // capacity" (ValidationException, §4.4).
                self.at(
                    item,
                    prefix,
                    &format!("{p}.scheduled_actions.{i}.min_capacity"),
                    format!("min_capacity ({lo}) must not exceed max_capacity ({hi})"),
                );
                continue;
            }
            if let Some((schedule, epoch_start_s)) =
                self.schedule(&a.schedule, &a.start_date, item, &ap)
            {
                let mut time = |v: &Option<String>, key: &str| -> Option<f64> {
                    let t = crate::time::parse_iso8601(v.as_deref()?);
                    match t {
                        Ok(t) => Some(t.as_f64() - epoch_start_s),
                        Err(e) => {
                            self.at(item, &ap, key, format!("{key}: {e}"));
                            None
                        }
                    }
                };
                let (start_s, end_s) = (
                    time(&a.start_time, "start_time"),
                    time(&a.end_time, "end_time"),
                );
                if let (Some(s), Some(e)) = (start_s, end_s)
                    && e < s
                {
                    self.at(
                        item,
                        &ap,
                        "end_time",
                        "end_time must not be before start_time",
                    );
                }
                // A rate() with a start time counts its periods from it (§4.4).
                let schedule = match (schedule, start_s) {
                    (Schedule::Rate { period_s }, Some(s)) => Schedule::Every {
                        period_s,
                        offset_s: s,
                    },
                    (x, _) => x,
                };
                scheduled.push(ScheduledScaling {
                    schedule,
                    epoch_start_s,
                    zone,
                    min: a.min_capacity,
                    max: a.max_capacity,
                    start_s,
                    end_s,
                });
            }
        }
        scheduled
    }

    pub(super) fn scaling_params(
        &mut self,
        v: Option<Item<'s>>,
        metric_period_ms: SimTime,
    ) -> ScalingParams {
        let item = v.clone();
        let r: RawScaling = v.and_then(|v| self.de(&v, "scaling")).unwrap_or_default();
        let frac = r.scale_in_step_fraction.unwrap_or(0.1);
        if !(frac > 0.0 && frac <= 1.0)
            && let Some(it) = &item
        {
            self.at(
                it,
                "scaling",
                "scale_in_step_fraction",
                "scale_in_step_fraction is between 0 (exclusive) and 1",
            );
        }
        ScalingParams {
            publication_delay_ms: r.metric_publication_delay.map_or(
                if metric_period_ms <= 20 * MS_PER_S {
                    26 * MS_PER_S
                } else {
                    183 * MS_PER_S
                },
                |d| d.0,
            ),
            scale_in_step_fraction: frac.clamp(0.0001, 1.0),
        }
    }
}

/// What AWS would reject in a step policy's steps (AAS API `StepAdjustment`, §4.3): a step needs a bound
/// and lower < upper; the ranges may not overlap or leave a gap; at most one step has no lower bound and
/// at most one no upper bound; a negative lower bound needs a step with no lower bound, a positive upper
/// bound one with no upper bound (so every breaching value falls in a step).
fn steps_problem(steps: &[Step]) -> Option<&'static str> {
    if steps
        .iter()
        .any(|s| s.lower.is_infinite() && s.upper.is_infinite())
    {
        return Some("a step needs a lower or an upper bound (AWS rejects a step with neither)");
    }
    if steps.iter().any(|s| s.lower >= s.upper) {
        return Some("each step needs lower < upper");
    }
    let mut sorted: Vec<&Step> = steps.iter().collect();
    sorted.sort_by(|a, b| a.lower.total_cmp(&b.lower));
    if sorted.windows(2).any(|w| w[0].upper != w[1].lower) {
        return Some(
            "the steps' ranges may not overlap or leave a gap: each step's lower bound must be another's upper bound (AWS rejects them)",
        );
    }
    let first = sorted[0];
    let last = sorted[sorted.len() - 1];
    if first.lower < 0.0 && first.lower.is_finite() {
        return Some(
            "a step has a negative lower bound, so one step needs no lower bound (AWS rejects them otherwise)",
        );
    }
    if last.upper > 0.0 && last.upper.is_finite() {
        return Some(
            "a step has a positive upper bound, so one step needs no upper bound (AWS rejects them otherwise)",
        );
    }
    None
}
