//! Why a scaling policy changed a service's desired count, as the numbers the policy decided with
//! (issue #20): the sentence in Application Auto Scaling's terms is written only when the event is read
//! (`Display`: `events.csv` on the CSV writer's thread, `explain`, the report), not for every decision
//! on the simulation thread, where formatting a fleet's hundred thousand decisions (floats with two
//! decimals) cost 4 % of a full-sink run.
//!
//! Must not: word a decision differently from what the policy did (the figures are the ones
//! [`super::service::ServiceScaler`] computed with; the sentences are those it wrote before).

use super::service::{AdjustmentType, ScalingMetric};

/// A scaling decision's reasoning, with its figures ([`std::fmt::Display`] writes the sentence).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reason {
    /// Target tracking's high alarm: `high` of `high` datapoints above `target` (or one from zero
    /// running tasks), the newest `last`; ⌈`base` × `last` / `target`⌉ → `to` (`base` the capacity the
    /// policy computes from: `running`, or the one before the scale-out in cooldown).
    TrackingOut {
        /// The metric.
        metric: ScalingMetric,
        /// The target.
        target: f64,
        /// Datapoints the high alarm needs.
        high: u32,
        /// The newest datapoint.
        last: f64,
        /// Scaled out from zero running tasks (one datapoint, one task).
        from_zero: bool,
        /// The capacity it computed from.
        base: u32,
        /// Tasks RUNNING.
        running: u32,
        /// The capacity it asked for.
        to: u32,
    },
    /// Target tracking's low alarm: `low` of `low` datapoints below 0.9 × `target`, the newest
    /// `last`; from `running` toward `ideal`, by at most the scale-in step → `to`.
    TrackingIn {
        /// The metric.
        metric: ScalingMetric,
        /// The target.
        target: f64,
        /// Datapoints the low alarm needs.
        low: u32,
        /// The newest datapoint.
        last: f64,
        /// Tasks RUNNING.
        running: u32,
        /// ⌈running × last / target⌉.
        ideal: u32,
        /// The capacity it asked for.
        to: u32,
    },
    /// Step scaling: `breaching` of `evaluation_periods` datapoints breach `threshold`, the newest
    /// `last`; the step's `adjustment` applied to `base` → `to`.
    Step {
        /// The metric.
        metric: ScalingMetric,
        /// Datapoints breaching.
        breaching: u32,
        /// The alarm's evaluation periods.
        evaluation_periods: u32,
        /// The alarm threshold.
        threshold: f64,
        /// The newest datapoint.
        last: f64,
        /// How the adjustment applies.
        adjustment_type: AdjustmentType,
        /// The step's adjustment.
        adjustment: f64,
        /// The capacity it computed from.
        base: u32,
        /// Tasks RUNNING.
        running: u32,
        /// The capacity it asked for.
        to: u32,
    },
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Reason::TrackingOut {
                metric,
                target,
                high,
                last,
                from_zero,
                base,
                running,
                to,
            } => {
                write!(f, "target tracking on {metric}: ")?;
                if from_zero {
                    write!(
                        f,
                        "1 datapoint above the target {target} from zero tasks (last {last:.2}); the smallest step"
                    )?;
                } else {
                    write!(
                        f,
                        "{high} of {high} datapoints above the target {target} (last {last:.2})"
                    )?;
                }
                if base == running {
                    write!(f, "; {running} running")?;
                } else {
                    write!(f, "; {base} before the scale-out in cooldown")?;
                }
                write!(f, " × {last:.2} / {target} → {to}")
            }
            Reason::TrackingIn {
                metric,
                target,
                low,
                last,
                running,
                ideal,
                to,
            } => write!(
                f,
                "target tracking on {metric}: {low} of {low} datapoints below 0.9 × {target} (last {last:.2}); scale in gradually from {running} toward {ideal} → {to}"
            ),
            Reason::Step {
                metric,
                breaching,
                evaluation_periods,
                threshold,
                last,
                adjustment_type,
                adjustment,
                base,
                running,
                to,
            } => {
                write!(
                    f,
                    "step scaling on {metric}: {breaching} of {evaluation_periods} datapoints breach {threshold} (last {last:.2}); {adjustment_type:?} {adjustment} from "
                )?;
                if base == running {
                    write!(f, "{running}")?;
                } else {
                    write!(f, "{base} (the capacity before the scale-out in cooldown)")?;
                }
                write!(f, " → {to}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sentences, word for word as the policies wrote them before they were records (the
    /// `format!` calls they replace, with these figures).
    #[test]
    fn sentences_as_before() {
        let out = Reason::TrackingOut {
            metric: ScalingMetric::Cpu,
            target: 60.0,
            high: 3,
            last: 90.0,
            from_zero: false,
            base: 10,
            running: 10,
            to: 15,
        };
        assert_eq!(
            out.to_string(),
            "target tracking on ECSServiceAverageCPUUtilization: 3 of 3 datapoints above the target 60 (last 90.00); 10 running × 90.00 / 60 → 15"
        );
        let cooled = Reason::TrackingOut {
            metric: ScalingMetric::Cpu,
            target: 60.0,
            high: 3,
            last: 61.456,
            from_zero: true,
            base: 0,
            running: 2,
            to: 1,
        };
        assert_eq!(
            cooled.to_string(),
            "target tracking on ECSServiceAverageCPUUtilization: 1 datapoint above the target 60 from zero tasks (last 61.46); the smallest step; 0 before the scale-out in cooldown × 61.46 / 60 → 1"
        );
        let inn = Reason::TrackingIn {
            metric: ScalingMetric::RequestCountPerTarget,
            target: 1000.5,
            low: 15,
            last: 12.345,
            running: 10,
            ideal: 1,
            to: 9,
        };
        assert_eq!(
            inn.to_string(),
            "target tracking on ALBRequestCountPerTarget: 15 of 15 datapoints below 0.9 × 1000.5 (last 12.35); scale in gradually from 10 toward 1 → 9"
        );
        let step = Reason::Step {
            metric: ScalingMetric::MessagesVisible,
            breaching: 2,
            evaluation_periods: 3,
            threshold: 100.0,
            last: 250.0,
            adjustment_type: AdjustmentType::PercentChangeInCapacity,
            adjustment: 25.5,
            base: 4,
            running: 6,
            to: 5,
        };
        assert_eq!(
            step.to_string(),
            "step scaling on ApproximateNumberOfMessagesVisible: 2 of 3 datapoints breach 100 (last 250.00); PercentChangeInCapacity 25.5 from 4 (the capacity before the scale-out in cooldown) → 5"
        );
    }
}
