//! Service Auto Scaling (Application Auto Scaling, reference §4): a scalable target with min/max, target
//! tracking and step scaling policies driven by alarms over metric datapoints, cooldowns, and scheduled
//! actions. A pure state machine: [`ServiceScaler::on_datapoint`] takes one published datapoint per metric
//! and returns the decision; the simulation applies it.
//!
//! Rules modelled (with their sources in docs/ecs-behaviour.md):
//! - scaling starts from the RUNNING count, not desiredCount (§4.1), so unplaceable tasks cannot cause
//!   runaway scaling;
//! - target tracking's managed alarms: high after `high_datapoints` (3) consecutive datapoints above the
//!   target, low after `low_datapoints` (15) below 0.9 × target (§4.2, observed); an alarm in ALARM is
//!   evaluated again at every datapoint;
//! - scale-out proportional to metric/target: new = ⌈capacity × metric / target⌉ (§4.2 model); scale-in
//!   gradual: at most `scale_in_step_fraction` of the running count per action (unconfirmed parameter);
//! - scale-out cooldowns (§4.2, §4.3; Application Auto Scaling API `TargetTrackingScalingPolicyConfiguration`
//!   and `StepScalingPolicyConfiguration.Cooldown`): while the cooldown started by a scale-out runs, "the
//!   capacity added by the initiating scale-out activity is calculated as part of the desired capacity for
//!   the next scale-out", and the policy "won't increase the desired capacity again unless either a larger
//!   scale out is triggered or the cooldown period ends" — so a policy in its cooldown computes from the
//!   capacity before that scale-out (a metric still reflecting the old task count asks for nothing more;
//!   AWS's step example, +2 then +3 within the cooldown, adds 1). The cooldown runs "after a scale-out
//!   activity completes"; an ECS scaling activity completes when the service runs the count it set (AWS's
//!   example activity took 34 s; which ECS event ends it is unconfirmed), and while it is in progress
//!   the capacity it adds counts the same way;
//! - scale-in waits out its cooldown; a scale-out ends a scale-in cooldown (§4.2);
//! - several policies: out if any says so (the largest capacity wins, §4.3), in only if all agree;
//! - from zero running tasks a single datapoint above the target is enough, and the step is one task (§4.1);
//! - desired count kept within [min, max]; a scheduled action moves min/max and the count into them (§4.4);
//! - scale-in is off while a deployment runs (§2.3, §4.1).

use super::reason::Reason;
use crate::engine::SimTime;
use std::collections::VecDeque;

/// A metric a policy reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalingMetric {
    /// `ECSServiceAverageCPUUtilization`, %.
    Cpu,
    /// `ECSServiceAverageMemoryUtilization`, %.
    Memory,
    /// `ALBRequestCountPerTarget`: requests per target per minute.
    RequestCountPerTarget,
    /// SQS `ApproximateNumberOfMessagesVisible` of the service's queue (§4.5): published whether or not
    /// a task runs, so a service at 0 tasks can scale out on it.
    MessagesVisible,
    /// Backlog per task (§4.5, AWS's metric-math pattern): messages visible ÷ RUNNING tasks, taken as
    /// messages visible ÷ max(1, RUNNING) so that it is defined (the whole backlog) at 0 tasks, unless
    /// the queue's `backlog_at_zero_tasks` is `"no_data"` (AWS's plain m1 / m2: no datapoint then).
    BacklogPerTask,
}

/// A step of a step scaling policy: bounds relative to the alarm threshold (§4.3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// Lower bound of `metric − threshold`, or −∞.
    pub lower: f64,
    /// Upper bound, or +∞.
    pub upper: f64,
    /// The adjustment.
    pub adjustment: f64,
}

impl Step {
    /// Does the step hold `diff` = metric − threshold? Above the threshold (an alarm on `>=` or `>`) the
    /// lower bound is inclusive and the upper exclusive; below it (`<=` or `<`) the lower bound is
    /// exclusive and the upper inclusive (AAS API `StepAdjustment`, §4.3): threshold 50, a `<=` alarm and
    /// a step with upper bound 0 hold a metric of exactly 50.
    pub fn holds(&self, diff: f64, comparison: Comparison) -> bool {
        match comparison {
            Comparison::Ge | Comparison::Gt => self.lower <= diff && diff < self.upper,
            Comparison::Le | Comparison::Lt => self.lower < diff && diff <= self.upper,
        }
    }
}

/// How a step adjustment changes capacity (§4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdjustmentType {
    /// Add the adjustment (negative removes).
    ChangeInCapacity,
    /// Add adjustment % of the current capacity.
    PercentChangeInCapacity,
    /// Set capacity to the adjustment.
    ExactCapacity,
}

/// Alarm comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `>=`
    Ge,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `<`
    Lt,
}

impl Comparison {
    /// Does `v` breach `threshold`?
    pub fn breaches(self, v: f64, threshold: f64) -> bool {
        match self {
            Comparison::Ge => v >= threshold,
            Comparison::Gt => v > threshold,
            Comparison::Le => v <= threshold,
            Comparison::Lt => v < threshold,
        }
    }
}

/// A scaling policy (data, chosen by the user).
#[derive(Debug, Clone, PartialEq)]
pub enum Policy {
    /// Target tracking (§4.2).
    TargetTracking {
        /// Metric.
        metric: ScalingMetric,
        /// Target value.
        target: f64,
        /// Scale-out cooldown, ms.
        scale_out_cooldown_ms: u64,
        /// Scale-in cooldown, ms.
        scale_in_cooldown_ms: u64,
        /// Never scale in.
        disable_scale_in: bool,
        /// Consecutive datapoints above target for the high alarm (3).
        high_datapoints: u32,
        /// Consecutive datapoints below 0.9 × target for the low alarm (15).
        low_datapoints: u32,
    },
    /// Step scaling with a user-defined alarm (§4.3).
    StepScaling {
        /// Metric.
        metric: ScalingMetric,
        /// Alarm comparison.
        comparison: Comparison,
        /// Alarm threshold.
        threshold: f64,
        /// Datapoints that must breach…
        datapoints_to_alarm: u32,
        /// …out of this many most recent.
        evaluation_periods: u32,
        /// Adjustment type.
        adjustment_type: AdjustmentType,
        /// Steps.
        steps: Vec<Step>,
        /// Minimum magnitude of a percent change.
        min_adjustment_magnitude: Option<u32>,
        /// Cooldown, ms.
        cooldown_ms: u64,
    },
}

impl ScalingMetric {
    /// CloudWatch's name of the metric.
    pub fn name(self) -> &'static str {
        match self {
            ScalingMetric::Cpu => "ECSServiceAverageCPUUtilization",
            ScalingMetric::Memory => "ECSServiceAverageMemoryUtilization",
            ScalingMetric::RequestCountPerTarget => "ALBRequestCountPerTarget",
            ScalingMetric::MessagesVisible => "ApproximateNumberOfMessagesVisible",
            ScalingMetric::BacklogPerTask => "BacklogPerTask",
        }
    }
}

impl std::fmt::Display for ScalingMetric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Policy {
    /// The cooldown after a scale-out this policy takes part in (§4.2, §4.3).
    pub fn scale_out_cooldown_ms(&self) -> u64 {
        match self {
            Policy::TargetTracking {
                scale_out_cooldown_ms,
                ..
            } => *scale_out_cooldown_ms,
            Policy::StepScaling { cooldown_ms, .. } => *cooldown_ms,
        }
    }

    /// The metric it reads.
    pub fn metric(&self) -> ScalingMetric {
        match self {
            Policy::TargetTracking { metric, .. } | Policy::StepScaling { metric, .. } => *metric,
        }
    }
}

/// What one policy proposes after a datapoint.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Proposal {
    None,
    Out(u32),
    In(u32),
}

/// Why the count changed (for the event log and `explain`).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The new desired count.
    pub desired: u32,
    /// Scale-out (true) or scale-in.
    pub out: bool,
    /// Why, with the policy's figures (its sentence in Application Auto Scaling's terms is its
    /// `Display`), asked of the deciding policy before the decision's cooldowns are set; `None` only if
    /// it then proposed nothing (not expected: it just proposed this).
    pub reason: Option<Reason>,
    /// The policy that decided (its index among the service's policies).
    pub policy: usize,
}

/// Per-policy alarm state.
#[derive(Debug, Clone, Default)]
struct PolicyState {
    /// Step scaling: recent datapoints, newest last (bounded by the evaluation periods; a ring, so a
    /// datapoint costs no shift of the window).
    history: VecDeque<f64>,
    /// The newest datapoint (None after INSUFFICIENT_DATA).
    last: Option<f64>,
    /// Target tracking: how many of the newest datapoints in a row are above the target, and below
    /// 0.9 × target. Its alarms ask only "were the last N all above (below)?", which these answer
    /// without keeping or scanning the datapoints.
    above: u32,
    below: u32,
    /// Step scaling: no scale-in before this time (its cooldown after a scale-in).
    cooldown_until: SimTime,
    /// The scale-out cooldown this policy is in: until when (`SimTime::MAX` while the scale-out activity
    /// is in progress), and the capacity before the scale-out that started it, which the policy computes
    /// from meanwhile (§4.2, §4.3).
    out_cooldown: Option<(SimTime, u32)>,
}

/// Is target-tracking policy `p` (with state `st`, its newest datapoint present) sure to propose
/// nothing? `propose` scales out on `high_datapoints` datapoints above the target, or on one from zero
/// tasks, and in on `low_datapoints` below 0.9 × target unless scale-in is disabled: with no datapoint
/// above (and a high alarm that needs at least one) and too few below, neither can happen. A `false`
/// only means `propose` must be asked.
fn quiet_tracking(p: &Policy, st: &PolicyState) -> bool {
    match p {
        Policy::TargetTracking {
            disable_scale_in,
            high_datapoints,
            low_datapoints,
            ..
        } => {
            st.last.is_some()
                && st.above == 0
                && *high_datapoints > 0
                && (*disable_scale_in || st.below < *low_datapoints)
        }
        Policy::StepScaling { .. } => false,
    }
}

impl PolicyState {
    /// The capacity a scale-out is computed from: the capacity before the scale-out whose cooldown is
    /// running, else the running count.
    fn base(&self, now: SimTime, running: u32) -> u32 {
        match self.out_cooldown {
            Some((until, base)) if now < until => base,
            _ => running,
        }
    }
}

/// A service's scalable target and policies at run time.
#[derive(Debug, Clone)]
pub struct ServiceScaler {
    /// MinCapacity.
    pub min: u32,
    /// MaxCapacity.
    pub max: u32,
    policies: Vec<Policy>,
    state: Vec<PolicyState>,
    scale_in_cooldown_until: SimTime,
    /// The desired count a scale-out activity in progress set; it completes when the service runs that
    /// many tasks (or its count is changed otherwise), and the policies' cooldowns start then.
    out_activity: Option<u32>,
    /// Fraction of the running count one scale-in may remove (at least 1 task).
    pub scale_in_step_fraction: f64,
    /// Does a policy read `ALBRequestCountPerTarget`? (The datapoint is computed only then.)
    pub reads_request_count: bool,
    /// Does a policy read `ECSServiceAverageMemoryUtilization`? (Likewise.)
    pub reads_memory: bool,
}

impl ServiceScaler {
    /// A scalable target.
    pub fn new(min: u32, max: u32, policies: Vec<Policy>, scale_in_step_fraction: f64) -> Self {
        let state = vec![PolicyState::default(); policies.len()];
        let reads_request_count = policies
            .iter()
            .any(|p| p.metric() == ScalingMetric::RequestCountPerTarget);
        let reads_memory = policies.iter().any(|p| p.metric() == ScalingMetric::Memory);
        ServiceScaler {
            reads_request_count,
            reads_memory,
            min,
            max,
            policies,
            state,
            scale_in_cooldown_until: 0,
            out_activity: None,
            scale_in_step_fraction,
        }
    }

    /// Cache hint for the policy and state buffers (see [`crate::engine::prefetch`]).
    pub fn prefetch_buffers(&self) {
        if let Some(p) = self.policies.first() {
            crate::engine::prefetch(p);
        }
        if let Some(s) = self.state.first() {
            crate::engine::prefetch(s);
        }
    }

    /// Cache hint for the datapoint histories (after [`Self::prefetch_buffers`]).
    pub fn prefetch_history(&self) {
        for s in &self.state {
            if let Some(x) = s.history.as_slices().0.first() {
                crate::engine::prefetch(x);
            }
        }
    }

    /// The metrics the policies read (each needs a datapoint every period).
    pub fn metrics(&self) -> Vec<ScalingMetric> {
        let mut m: Vec<ScalingMetric> = self.policies.iter().map(Policy::metric).collect();
        m.dedup();
        m
    }

    /// A scheduled action sets min and/or max; the desired count moves into the new range (§4.4).
    /// `Ok(Some(d))` when the count moved to `d`. An action that would leave the minimum above the
    /// maximum (a new min above the current max, or a new max below the current min: AWS says to set
    /// both sizes then, §4.4) fails and changes nothing: `Err((min, max))`, the range it would have set.
    pub fn set_range(
        &mut self,
        min: Option<u32>,
        max: Option<u32>,
        desired: u32,
    ) -> Result<Option<u32>, (u32, u32)> {
        let (lo, hi) = (min.unwrap_or(self.min), max.unwrap_or(self.max));
        if lo > hi {
            return Err((lo, hi));
        }
        (self.min, self.max) = (lo, hi);
        let d = desired.clamp(lo, hi);
        Ok((d != desired).then_some(d))
    }

    /// [`Self::on_datapoint_with`] with whether a deployment is in progress known.
    pub fn on_datapoint(
        &mut self,
        now: SimTime,
        value: impl Fn(ScalingMetric) -> Option<f64>,
        running: u32,
        desired: u32,
        deployment_in_progress: bool,
    ) -> Option<Decision> {
        self.on_datapoint_with(now, value, running, desired, || deployment_in_progress)
    }

    /// One period's datapoints have been published at `now` (`value(metric)` gives each; None when the
    /// metric has no data, e.g. no running task). Returns a new desired count when the policies change it,
    /// with its reason (figures: worded only where it is read). `deployment_in_progress` is asked only
    /// when a scale-in would otherwise happen.
    pub fn on_datapoint_with(
        &mut self,
        now: SimTime,
        value: impl Fn(ScalingMetric) -> Option<f64>,
        running: u32,
        desired: u32,
        deployment_in_progress: impl FnOnce() -> bool,
    ) -> Option<Decision> {
        if self
            .out_activity
            .is_some_and(|a| a != desired || running >= a)
        {
            // Fulfilled, or superseded by another change of the count (a schedule, an UpdateService).
            self.complete_scale_out(now);
        }
        // (capacity, policy) of the policies proposing each way; the winner's reason is asked for only
        // when a decision is made (most datapoints change nothing).
        let mut out: Option<(u32, usize)> = None;
        let mut inn: Option<(u32, usize)> = None;
        let mut any_in = false;
        let mut all_in = !self.policies.is_empty();
        for i in 0..self.policies.len() {
            let p = &self.policies[i];
            let v = value(p.metric());
            let st = &mut self.state[i];
            st.last = v;
            // Target tracking with both alarms quiet (no datapoint above the target, fewer below it
            // than the low alarm needs) proposes nothing: known here without `propose`'s call, which
            // most datapoints of a fleet would otherwise pay (the same answer, see `quiet_tracking`).
            let mut quiet = false;
            match (v, p) {
                (Some(x), Policy::TargetTracking { target, .. }) => {
                    let run = |n: u32, on: bool| if on { n.saturating_add(1) } else { 0 };
                    st.above = run(st.above, x > *target);
                    st.below = run(st.below, x < 0.9 * target);
                    quiet = quiet_tracking(p, st);
                }
                (
                    Some(x),
                    Policy::StepScaling {
                        evaluation_periods, ..
                    },
                ) => {
                    st.history.push_back(x);
                    while st.history.len() > *evaluation_periods as usize {
                        st.history.pop_front();
                    }
                }
                (None, _) => {
                    // INSUFFICIENT_DATA breaks the run of datapoints
                    st.history.clear();
                    st.above = 0;
                    st.below = 0;
                }
            }
            // `max_by_key` keeps the last of equal maxima: so does `>=`.
            let proposal = if quiet {
                Proposal::None
            } else {
                self.propose(i, now, running).0
            };
            match proposal {
                Proposal::Out(n) => {
                    if out.is_none_or(|o| n >= o.0) {
                        out = Some((n, i));
                    }
                    all_in = false;
                }
                Proposal::In(n) => {
                    any_in = true;
                    if inn.is_none_or(|o| n >= o.0) {
                        inn = Some((n, i));
                    }
                }
                // A target-tracking policy with scale-in enabled that is not ready to scale in vetoes it
                // (§4.2: in only if all agree). A step policy whose alarm is quiet takes no part: step
                // scaling usually pairs a scale-out alarm with a separate scale-in alarm (§4.3).
                Proposal::None => {
                    if matches!(
                        self.policies[i],
                        Policy::TargetTracking {
                            disable_scale_in: false,
                            ..
                        }
                    ) {
                        all_in = false;
                    }
                }
            }
        }
        // Scale out if any policy says so: the largest capacity wins.
        if let Some((n, i)) = out {
            let target = n.max(self.min).min(self.max);
            if target > desired {
                let reason = self.propose(i, now, running).1;
                self.scale_in_cooldown_until = 0; // a scale-out cancels the scale-in cooldown (§4.2)
                // Every policy enters (or stays in) its scale-out cooldown; one already in a cooldown keeps
                // the capacity from before the scale-out that started it, so a chain of scale-outs within
                // overlapping cooldowns is computed from one base (§4.2, §4.3).
                for st in &mut self.state {
                    let base = st.base(now, running);
                    // The cooldown starts when the activity completes (`complete_scale_out`).
                    st.out_cooldown = Some((SimTime::MAX, base));
                    // A step policy's scale-in cooldown stops too (§4.3: "the cooldown period for the
                    // scale-in activity stops and doesn't complete"); a scale-out starts none.
                    st.cooldown_until = 0;
                }
                self.out_activity = Some(target);
                return Some(Decision {
                    desired: target,
                    out: true,
                    reason,
                    policy: i,
                });
            }
            return None;
        }
        // Scale in only if every policy agrees, outside cooldowns and deployments.
        if all_in && any_in && now >= self.scale_in_cooldown_until && !deployment_in_progress() {
            let (n, i) = inn.expect("some policy proposed a scale-in");
            let target = n.max(self.min).min(self.max);
            if target < desired {
                // The reason before the cooldowns start: asked after, a step policy in its own new
                // cooldown proposes nothing and the event would say "()" instead of why.
                let reason = self.propose(i, now, running).1;
                self.scale_in_cooldown_until = now + self.cooldown_in();
                for (p, st) in self.policies.iter().zip(&mut self.state) {
                    if let Policy::StepScaling { cooldown_ms, .. } = p {
                        st.cooldown_until = now + cooldown_ms;
                    }
                }
                return Some(Decision {
                    desired: target,
                    out: false,
                    reason,
                    policy: i,
                });
            }
        }
        // Below min / above max: the next alarm moves it into range (§4.1).
        None
    }

    /// Policy `i`'s metric and, for target tracking, its target (the event log's `metric` and `target`
    /// columns, which the charts draw).
    pub fn policy_target(&self, i: usize) -> (&'static str, Option<f64>) {
        match &self.policies[i] {
            Policy::TargetTracking { metric, target, .. } => (metric.name(), Some(*target)),
            Policy::StepScaling { metric, .. } => (metric.name(), None),
        }
    }

    /// The service's RUNNING count changed: a scale-out activity in progress completes when it reaches
    /// the count the activity set, and the cooldowns start (cheap when no activity is in progress).
    pub fn on_running(&mut self, now: SimTime, running: u32) {
        if self.out_activity.is_some_and(|a| running >= a) {
            self.complete_scale_out(now);
        }
    }

    fn complete_scale_out(&mut self, now: SimTime) {
        self.out_activity = None;
        for (p, st) in self.policies.iter().zip(&mut self.state) {
            if let Some((until, base)) = st.out_cooldown
                && until == SimTime::MAX
            {
                let until = now + p.scale_out_cooldown_ms();
                st.out_cooldown = Some((until, base));
            }
        }
    }

    fn cooldown_in(&self) -> u64 {
        self.policies
            .iter()
            .map(|p| match p {
                Policy::TargetTracking {
                    scale_in_cooldown_ms,
                    ..
                } => *scale_in_cooldown_ms,
                Policy::StepScaling { cooldown_ms, .. } => *cooldown_ms,
            })
            .max()
            .unwrap_or(0)
    }

    /// What policy `i` proposes, and why (`None` when it proposes nothing). The reason is figures, not
    /// a sentence: cheap enough to build whether or not anyone reads it.
    fn propose(&self, i: usize, now: SimTime, running: u32) -> (Proposal, Option<Reason>) {
        let st = &self.state[i];
        let h = &st.history;
        let last = match st.last {
            Some(x) => x,
            None => return (Proposal::None, None),
        };
        match &self.policies[i] {
            Policy::TargetTracking {
                target,
                disable_scale_in,
                high_datapoints,
                low_datapoints,
                metric,
                ..
            } => {
                let hd = *high_datapoints as usize;
                let ld = *low_datapoints as usize;
                // From zero running tasks one datapoint above the target is enough, and the step is the
                // smallest possible: one task (§4.1). Otherwise the last `hd` datapoints all above it.
                let from_zero = running == 0 && st.base(now, running) == 0;
                if st.above as usize >= hd || (from_zero && st.above >= 1) {
                    // ⌈capacity × metric / target⌉, the capacity being the one before the scale-out whose
                    // cooldown runs (§4.2).
                    let base = st.base(now, running);
                    let n = if from_zero {
                        1
                    } else {
                        tracked_capacity(base, last, *target)
                    };
                    let why = Reason::TrackingOut {
                        metric: *metric,
                        target: *target,
                        high: *high_datapoints,
                        last,
                        from_zero,
                        base,
                        running,
                        to: n,
                    };
                    return (Proposal::Out(n), Some(why));
                }
                if !disable_scale_in && st.below as usize >= ld {
                    let ideal = tracked_capacity(running, last, *target);
                    let max_step =
                        ((running as f64 * self.scale_in_step_fraction).ceil() as u32).max(1);
                    let n = ideal.max(running.saturating_sub(max_step));
                    let why = Reason::TrackingIn {
                        metric: *metric,
                        target: *target,
                        low: *low_datapoints,
                        last,
                        running,
                        ideal,
                        to: n,
                    };
                    return (Proposal::In(n), Some(why));
                }
                (Proposal::None, None)
            }
            Policy::StepScaling {
                comparison,
                threshold,
                datapoints_to_alarm,
                evaluation_periods,
                adjustment_type,
                steps,
                min_adjustment_magnitude,
                metric,
                ..
            } => {
                let n = (*evaluation_periods as usize).min(h.len());
                let breaching = h
                    .range(h.len() - n..)
                    .filter(|&&x| comparison.breaches(x, *threshold))
                    .count();
                if breaching < *datapoints_to_alarm as usize
                    || !comparison.breaches(last, *threshold)
                {
                    return (Proposal::None, None);
                }
                let diff = last - threshold;
                let Some(step) = steps.iter().find(|s| s.holds(diff, *comparison)) else {
                    return (Proposal::None, None);
                };
                // During its scale-out cooldown the adjustment applies to the capacity before the
                // scale-out that started it, so only what goes beyond that one is added (§4.3). That
                // rule is about the next scale-out: a scale-in applies to the running count.
                let adjust = |c: u32| {
                    apply_adjustment(
                        c,
                        *adjustment_type,
                        step.adjustment,
                        *min_adjustment_magnitude,
                    )
                };
                let mut base = st.base(now, running);
                let mut new = adjust(base);
                let proposal = if new > base {
                    Proposal::Out(new)
                } else {
                    (base, new) = (running, adjust(running));
                    if new < running && now >= st.cooldown_until {
                        Proposal::In(new)
                    } else {
                        return (Proposal::None, None);
                    }
                };
                let why = Reason::Step {
                    metric: *metric,
                    breaching: breaching as u32,
                    evaluation_periods: *evaluation_periods,
                    threshold: *threshold,
                    last,
                    adjustment_type: *adjustment_type,
                    adjustment: step.adjustment,
                    base,
                    running,
                    to: new,
                };
                (proposal, Some(why))
            }
        }
    }
}

/// ⌈capacity × metric / target⌉ (§4.2), with the metric as ecsim publishes it: rounded to 6 decimals
/// (`sim::round6`), so off by up to 5 × 10⁻⁷ and the product by capacity ÷ target times that. A product
/// that is a whole number by hand stays one: 6 tasks at 100 / 6 % (published 16.666667) with target 50
/// are ⌈2⌉ = 2 tasks, not ⌈2.00000004⌉ = 3.
pub fn tracked_capacity(capacity: u32, metric: f64, target: f64) -> u32 {
    let c = capacity as f64;
    let slack = c * 1e-6 / target + 1e-9;
    (c * metric / target - slack).ceil().max(0.0) as u32
}

/// Apply a step adjustment to `current` (§4.3). Percent changes round toward zero but move by at least 1
/// (and by at least `min_magnitude` when given): 25 % of 4 = 1; with magnitude 2 → 2.
pub fn apply_adjustment(
    current: u32,
    kind: AdjustmentType,
    adj: f64,
    min_magnitude: Option<u32>,
) -> u32 {
    let c = current as f64;
    let new = match kind {
        AdjustmentType::ChangeInCapacity => c + adj,
        AdjustmentType::ExactCapacity => adj,
        AdjustmentType::PercentChangeInCapacity => {
            let mut delta = (c * adj / 100.0).trunc();
            if delta == 0.0 && adj != 0.0 {
                delta = adj.signum();
            }
            if let Some(m) = min_magnitude
                && delta.abs() < m as f64
            {
                delta = m as f64 * adj.signum();
            }
            c + delta
        }
    };
    new.max(0.0).round() as u32
}

#[cfg(test)]
mod tests;
