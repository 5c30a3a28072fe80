//! Unit tests of the service scaler (split from `service.rs`, which holds the policies and their decisions).

use super::*;

fn tt(target: f64) -> Policy {
    Policy::TargetTracking {
        metric: ScalingMetric::Cpu,
        target,
        scale_out_cooldown_ms: 300_000,
        scale_in_cooldown_ms: 300_000,
        disable_scale_in: false,
        high_datapoints: 3,
        low_datapoints: 15,
    }
}

/// `quiet_tracking` may answer for `propose` only where `propose` says nothing: over every alarm
/// setting (1 or 3 datapoints high, 1 or 15 low, scale-in on or off), run lengths 0–4 above and
/// 0–16 below, 0 or 10 running, with and without a scale-out cooldown's base of 0 tasks. The
/// quiet states must also occur (above = 0 with few below), or the shortcut would never be taken.
#[test]
fn quiet_tracking_only_where_propose_says_nothing() {
    let mut quiet_seen = 0;
    for (hd, ld, off) in [(3, 15, false), (1, 1, false), (3, 15, true), (1, 15, true)] {
        let p = Policy::TargetTracking {
            metric: ScalingMetric::Cpu,
            target: 60.0,
            scale_out_cooldown_ms: 300_000,
            scale_in_cooldown_ms: 300_000,
            disable_scale_in: off,
            high_datapoints: hd,
            low_datapoints: ld,
        };
        let mut s = ServiceScaler::new(1, 100, vec![p], 0.1);
        for (above, below, running, cooldown) in (0..5u32).flat_map(|a| {
            (0..17u32).flat_map(move |b| {
                [0u32, 10]
                    .into_iter()
                    .flat_map(move |r| [None, Some((u64::MAX, 0u32))].map(move |c| (a, b, r, c)))
            })
        }) {
            let st = &mut s.state[0];
            (st.above, st.below, st.out_cooldown, st.last) = (above, below, cooldown, Some(50.0));
            if quiet_tracking(&s.policies[0], &s.state[0]) {
                quiet_seen += 1;
                assert!(
                    matches!(s.propose(0, 60_000, running).0, Proposal::None),
                    "hd {hd} ld {ld} off {off} above {above} below {below} running {running}"
                );
            }
        }
    }
    assert!(quiet_seen > 100, "{quiet_seen} quiet states");
}

/// CPU steps from 30 % to 90 % with target 60 and 10 running: no action on the first two datapoints
/// above target; on the third, ⌈10 × 90 / 60⌉ = 15.
#[test]
fn target_tracking_scales_out_after_the_third_datapoint() {
    let mut s = ServiceScaler::new(1, 100, vec![tt(60.0)], 0.1);
    let mut t = 0;
    for _ in 0..5 {
        t += 60_000;
        assert_eq!(s.on_datapoint(t, |_| Some(30.0), 10, 10, false), None);
    }
    for k in 1..=3 {
        t += 60_000;
        let d = s.on_datapoint(t, |_| Some(90.0), 10, 10, false);
        if k < 3 {
            assert_eq!(d, None, "datapoint {k}");
        } else {
            assert_eq!(d.unwrap().desired, 15);
        }
    }
}

/// §4.2's ⌈C × metric / target⌉ on a datapoint as ecsim publishes it (6 decimals): 3 tasks at
/// 200 / 3 % (66.666667) with target 50 need ⌈4⌉ = 4 by hand; ⌈3 × 66.666667 / 50⌉ = ⌈4.00000002⌉
/// gave 5. A real excess still counts: 66.7 % → ⌈4.002⌉ = 5.
#[test]
fn a_whole_number_by_hand_is_not_rounded_up() {
    let mut s = ServiceScaler::new(1, 100, vec![tt(50.0)], 0.1);
    let mut s2 = s.clone();
    let mut d = None;
    for k in 1..=3 {
        d = s.on_datapoint(k * 60_000, |_| Some(66.666667), 3, 3, false);
    }
    assert_eq!(d.take().unwrap().desired, 4);
    for k in 1..=3 {
        d = s2.on_datapoint(k * 60_000, |_| Some(66.7), 3, 3, false);
    }
    assert_eq!(d.unwrap().desired, 5);
    assert_eq!(tracked_capacity(6, 16.666667, 50.0), 2);
    assert_eq!(tracked_capacity(3, 7994.0, 3000.0), 8);
}

/// A missing datapoint (INSUFFICIENT_DATA) breaks the run: two above, none, two above is no alarm;
/// the third in a row after the gap is. Scale-in waits while a deployment is in progress (asked
/// only when a scale-in is due): 15 datapoints below 0.9 × 60 with 10 running would set
/// ⌈10 × 20 / 60⌉ = 4, bounded by the 10 % step to 9.
#[test]
fn a_gap_breaks_the_run_and_deployments_pause_scale_in() {
    let mut s = ServiceScaler::new(1, 100, vec![tt(60.0)], 0.1);
    let mut t = 0;
    for v in [Some(90.0), Some(90.0), None, Some(90.0), Some(90.0)] {
        t += 60_000;
        assert_eq!(s.on_datapoint(t, |_| v, 10, 10, false), None);
    }
    t += 60_000;
    assert_eq!(
        s.on_datapoint(t, |_| Some(90.0), 10, 10, false)
            .unwrap()
            .desired,
        15
    );

    let mut s = ServiceScaler::new(1, 100, vec![tt(60.0)], 0.1);
    let mut asked = 0;
    for k in 1..=15 {
        t += 60_000;
        let d = s.on_datapoint_with(
            t,
            |_| Some(20.0),
            10,
            10,
            || {
                asked += 1;
                true
            },
        );
        assert_eq!(d, None, "datapoint {k}");
    }
    assert_eq!(
        asked, 1,
        "asked only once the 15th low datapoint made a scale-in due"
    );
    t += 60_000;
    let d = s.on_datapoint(t, |_| Some(20.0), 10, 10, false);
    assert_eq!(d.unwrap().desired, 9);
}

/// Cooldowns: after a scale-out the capacity just added counts (desired 15 → no new action at the
/// same metric until ⌈running × m / t⌉ exceeds 15); scale-in is blocked during its cooldown; a
/// scale-out cancels the scale-in cooldown.
#[test]
fn cooldowns_block_and_are_cancelled() {
    let mut s = ServiceScaler::new(1, 100, vec![tt(60.0)], 0.5);
    let mut t = 0;
    for _ in 0..3 {
        t += 60_000;
        s.on_datapoint(t, |_| Some(90.0), 10, 10, false);
    }
    // Still 10 running, desired now 15: ⌈10 × 90/60⌉ = 15 is not above 15 → nothing.
    t += 60_000;
    assert_eq!(s.on_datapoint(t, |_| Some(90.0), 10, 15, false), None);
    // 15 low datapoints at 20 % → scale in (gradual: at most 50 % of 15 → ⌈7.5⌉ = 8 → 7; ideal 5).
    let mut got = None;
    for _ in 0..15 {
        t += 60_000;
        got = s.on_datapoint(t, |_| Some(20.0), 15, 15, false).or(got);
    }
    assert_eq!(got.unwrap().desired, 7);
    // Within the 300 s scale-in cooldown, no further scale-in.
    t += 60_000;
    assert_eq!(s.on_datapoint(t, |_| Some(20.0), 7, 7, false), None);
    // A scale-out (three high datapoints) cancels the scale-in cooldown…
    for _ in 0..3 {
        t += 60_000;
        s.on_datapoint(t, |_| Some(90.0), 7, 7, false);
    }
    // …so 15 low datapoints later a scale-in happens without waiting out the old cooldown.
    let mut got = None;
    for _ in 0..15 {
        t += 60_000;
        got = s.on_datapoint(t, |_| Some(20.0), 11, 11, false).or(got);
    }
    assert!(got.is_some_and(|d| !d.out));
}

/// Two policies that disagree do not scale in: CPU low, memory at its target.
#[test]
fn all_policies_must_agree_to_scale_in() {
    let mem = Policy::TargetTracking {
        metric: ScalingMetric::Memory,
        target: 50.0,
        scale_out_cooldown_ms: 0,
        scale_in_cooldown_ms: 0,
        disable_scale_in: false,
        high_datapoints: 3,
        low_datapoints: 15,
    };
    let mut s = ServiceScaler::new(1, 100, vec![tt(60.0), mem], 0.5);
    for k in 1..=30 {
        let d = s.on_datapoint(
            k * 60_000,
            |m| Some(if m == ScalingMetric::Cpu { 10.0 } else { 50.0 }),
            10,
            10,
            false,
        );
        assert_eq!(d, None);
    }
    // Scale-in is also off during a deployment.
    let mut s = ServiceScaler::new(1, 100, vec![tt(60.0)], 0.5);
    for k in 1..=30 {
        assert_eq!(
            s.on_datapoint(k * 60_000, |_| Some(10.0), 10, 10, true),
            None
        );
    }
}

/// §4.3 adjustment types: +3 of 4 → 7; 25 % of 4 = 1 → 5, with magnitude 2 → 6; exact 9; −50 % of 10 → 5.
#[test]
fn step_adjustments() {
    assert_eq!(
        apply_adjustment(4, AdjustmentType::ChangeInCapacity, 3.0, None),
        7
    );
    assert_eq!(
        apply_adjustment(4, AdjustmentType::PercentChangeInCapacity, 25.0, None),
        5
    );
    assert_eq!(
        apply_adjustment(4, AdjustmentType::PercentChangeInCapacity, 25.0, Some(2)),
        6
    );
    assert_eq!(
        apply_adjustment(4, AdjustmentType::ExactCapacity, 9.0, None),
        9
    );
    assert_eq!(
        apply_adjustment(10, AdjustmentType::PercentChangeInCapacity, -50.0, None),
        5
    );
    assert_eq!(
        apply_adjustment(3, AdjustmentType::PercentChangeInCapacity, 10.0, None),
        4
    );
}

/// A step policy: CPU ≥ 70 for 2 of 3 datapoints; +1 for [0, 15) above the threshold, +3 above 15.
#[test]
fn step_scaling_picks_the_step() {
    let p = Policy::StepScaling {
        metric: ScalingMetric::Cpu,
        comparison: Comparison::Ge,
        threshold: 70.0,
        datapoints_to_alarm: 2,
        evaluation_periods: 3,
        adjustment_type: AdjustmentType::ChangeInCapacity,
        steps: vec![
            Step {
                lower: 0.0,
                upper: 15.0,
                adjustment: 1.0,
            },
            Step {
                lower: 15.0,
                upper: f64::INFINITY,
                adjustment: 3.0,
            },
        ],
        min_adjustment_magnitude: None,
        cooldown_ms: 300_000,
    };
    let mut s = ServiceScaler::new(1, 20, vec![p], 0.1);
    assert_eq!(s.on_datapoint(60_000, |_| Some(75.0), 4, 4, false), None); // 1 of 3
    assert_eq!(
        s.on_datapoint(120_000, |_| Some(90.0), 4, 4, false)
            .unwrap()
            .desired,
        7
    ); // 90 − 70 = 20 → +3
}

/// AWS's step-scaling cooldown example (API `StepScalingPolicyConfiguration`, `Cooldown`; §4.3): an
/// alarm adds 2 tasks to 10 → 12; within the 300 s cooldown the alarm asks for +3: the 2 already added
/// count as capacity, so the new count is 10 + 3 = 13 (one more), not 12 + 3 = 15. While the alarm
/// stays at the +2 step nothing more happens during the cooldown (10 + 2 = 12 is not above 12); after
/// the cooldown the step applies to the running count again.
#[test]
fn step_scaling_cooldown_adds_only_the_difference() {
    let step = |lower: f64, upper: f64, adjustment: f64| Step {
        lower,
        upper,
        adjustment,
    };
    let p = Policy::StepScaling {
        metric: ScalingMetric::Cpu,
        comparison: Comparison::Ge,
        threshold: 70.0,
        datapoints_to_alarm: 1,
        evaluation_periods: 1,
        adjustment_type: AdjustmentType::ChangeInCapacity,
        steps: vec![step(0.0, 20.0, 2.0), step(20.0, f64::INFINITY, 3.0)],
        min_adjustment_magnitude: None,
        cooldown_ms: 300_000,
    };
    let mut s = ServiceScaler::new(1, 50, vec![p], 0.1);
    let d = s.on_datapoint(60_000, |_| Some(80.0), 10, 10, false);
    assert_eq!(d.unwrap().desired, 12, "+2");
    // The two new tasks run at 90 s: the activity completes, the cooldown runs to 390 s.
    s.on_running(90_000, 12);
    assert_eq!(
        s.on_datapoint(120_000, |_| Some(85.0), 12, 12, false),
        None,
        "still the +2 step: 10 + 2 is not above 12"
    );
    let d = s.on_datapoint(180_000, |_| Some(95.0), 12, 12, false);
    assert_eq!(d.unwrap().desired, 13, "+3 from the 10 before: one more");
    s.on_running(200_000, 13);
    // The +3 scale-out restarted the cooldown (to 500 s); after it the step applies to 13 → 15.
    assert_eq!(s.on_datapoint(480_000, |_| Some(80.0), 13, 13, false), None);
    let d = s.on_datapoint(540_000, |_| Some(80.0), 13, 13, false);
    assert_eq!(d.unwrap().desired, 15);
}

/// A scale-out starts no scale-in cooldown (§4.3: a step scale-in policy's cooldown follows a
/// scale-in, and a scale-out stops it; AAS API `StepScalingPolicyConfiguration.Cooldown`). A `>= 70`
/// policy adds 6 to 3 running → 9; only 8 can be placed, so the activity stays in progress. The load
/// drops: three datapoints at 5 % breach the `<= 30` policy, −1 from the 8 running (§4.1: the
/// running count is the starting point) → 7, at once (ecsim blocked every step scale-in after a
/// scale-out until the activity completed plus the cooldown: here for ever, desired 9 at 5 % CPU;
/// and the −1 must not apply to the scale-out cooldown's base of 3, which is for the next
/// scale-out). After that scale-in its own 300 s cooldown blocks the next one; a datapoint after it
/// scales in again (7 running → 6).
#[test]
fn a_scale_out_does_not_block_a_step_scale_in() {
    let step = |cmp: Comparison, threshold: f64, lower: f64, upper: f64, adjustment: f64| {
        Policy::StepScaling {
            metric: ScalingMetric::Cpu,
            comparison: cmp,
            threshold,
            datapoints_to_alarm: 3,
            evaluation_periods: 3,
            adjustment_type: AdjustmentType::ChangeInCapacity,
            steps: vec![Step {
                lower,
                upper,
                adjustment,
            }],
            min_adjustment_magnitude: None,
            cooldown_ms: 300_000,
        }
    };
    let out = step(Comparison::Ge, 70.0, 0.0, f64::INFINITY, 6.0);
    let inn = step(Comparison::Le, 30.0, f64::NEG_INFINITY, 0.0, -1.0);
    let mut s = ServiceScaler::new(2, 20, vec![out, inn], 0.1);
    let mut t = 0;
    let mut d = None;
    for _ in 0..3 {
        t += 60_000;
        d = s.on_datapoint(t, |_| Some(100.0), 3, 3, false).or(d);
    }
    assert_eq!(d.unwrap().desired, 9);
    let mut got = Vec::new();
    for _ in 0..3 {
        t += 60_000;
        got.push(s.on_datapoint(t, |_| Some(5.0), 8, 9, false));
    }
    assert_eq!(got[..2], [None, None], "two datapoints are not the alarm");
    assert_eq!(got[2].as_ref().map(|d| d.desired), Some(7), "{got:?}");
    t += 60_000;
    assert_eq!(
        s.on_datapoint(t, |_| Some(5.0), 7, 7, false),
        None,
        "cooldown"
    );
    t += 300_000;
    let d = s.on_datapoint(t, |_| Some(5.0), 7, 7, false);
    assert_eq!(d.unwrap().desired, 6);
}

/// Target tracking within its scale-out cooldown (§4.2): 20 → 34 at a metric of 100 % (⌈20 × 100 /
/// 60⌉). While the activity is in progress and during the 300 s after it completes, the metric is
/// applied to the 20 tasks before it: 100 % asks for 34 (not above 34), 64.7 % for 22 — nothing. A
/// larger scale-out is still possible: 120 % (container-level CPU) asks for ⌈20 × 120 / 60⌉ = 40.
/// After the cooldown the 34 running tasks are the base: ⌈34 × 64.7 / 60⌉ = 37.
#[test]
fn target_tracking_cooldown_counts_the_added_capacity() {
    let mut s = ServiceScaler::new(1, 100, vec![tt(60.0)], 0.1);
    let mut t = 0;
    let mut d = None;
    for _ in 0..3 {
        t += 60_000;
        d = s.on_datapoint(t, |_| Some(100.0), 20, 20, false);
    }
    assert_eq!(d.unwrap().desired, 34);
    t += 60_000;
    assert_eq!(s.on_datapoint(t, |_| Some(100.0), 30, 34, false), None);
    s.on_running(t + 10_000, 34); // activity complete: the cooldown runs 300 s from here
    for _ in 0..5 {
        t += 60_000;
        assert_eq!(s.on_datapoint(t, |_| Some(64.7), 34, 34, false), None);
    }
    let mut s2 = s.clone();
    assert_eq!(
        s2.on_datapoint(t, |_| Some(120.0), 34, 34, false)
            .unwrap()
            .desired,
        40,
        "a larger scale-out within the cooldown"
    );
    t += 60_000;
    assert_eq!(
        s.on_datapoint(t, |_| Some(64.7), 34, 34, false)
            .unwrap()
            .desired,
        37
    );
}

/// A per-target metric inside the scale-out cooldown (§4.2; what AWS multiplies it by there is not
/// documented, so this is ecsim's rule, **unconfirmed**). `ALBRequestCountPerTarget`, target 3,000:
/// 2 targets at 4,000 → ⌈2 × 4,000 / 3,000⌉ = ⌈2.67⌉ = 3. The third target registers, the activity
/// completes at once, and the datapoint now divides the requests by 3: 7,994 per target (23,982 in
/// all). Inside the cooldown the base is the 2 tasks before the scale-out: ⌈2 × 7,994 / 3,000⌉ =
/// ⌈5.33⌉ = 6 — a larger scale-out, so it acts, but below the ⌈3 × 7,994 / 3,000⌉ = ⌈7.99⌉ = 8 the 3
/// targets need (the metric is divided by 3 and multiplied by 2: a lower bound, never a double count).
/// With the cooldown over, the same datapoint on the 3 running tasks asks for 8.
#[test]
fn a_per_target_metric_in_the_cooldown_is_applied_to_the_base_before_it() {
    let rc = Policy::TargetTracking {
        metric: ScalingMetric::RequestCountPerTarget,
        target: 3000.0,
        scale_out_cooldown_ms: 300_000,
        scale_in_cooldown_ms: 300_000,
        disable_scale_in: false,
        high_datapoints: 3,
        low_datapoints: 15,
    };
    let mut s = ServiceScaler::new(1, 100, vec![rc], 0.1);
    let mut d = None;
    for k in 1..=3 {
        d = s.on_datapoint(k * 60_000, |_| Some(4000.0), 2, 2, false);
    }
    assert_eq!(d.unwrap().desired, 3);
    s.on_running(180_000, 3); // the cooldown runs until 480 s
    let mut after = s.clone();
    let d = s
        .on_datapoint(240_000, |_| Some(7994.0), 3, 3, false)
        .unwrap();
    assert_eq!(
        d.desired, 6,
        "inside the cooldown: from the 2 tasks before it"
    );
    let d = after
        .on_datapoint(480_000, |_| Some(7994.0), 3, 3, false)
        .unwrap();
    assert_eq!(d.desired, 8, "after it: from the 3 running");
}

/// From zero running tasks one datapoint above the target suffices and the step is one task (§4.1);
/// with nothing running and no datapoint, nothing happens.
#[test]
fn scale_from_zero_takes_one_datapoint_and_one_task() {
    let mut s = ServiceScaler::new(0, 10, vec![tt(10.0)], 0.1);
    assert_eq!(s.on_datapoint(60_000, |_| None, 0, 0, false), None);
    let d = s
        .on_datapoint(120_000, |_| Some(500.0), 0, 0, false)
        .unwrap();
    assert_eq!((d.desired, d.out), (1, true));
}

/// Step scaling as AWS users set it up: one policy on a high alarm (≥ 70 → +1), another on a low
/// alarm (≤ 30 → −1). The quiet high alarm does not veto the low one's scale-in: 4 → 3.
#[test]
fn a_quiet_step_policy_does_not_veto_another_s_scale_in() {
    let step = |comparison, threshold, lower, upper, adjustment| Policy::StepScaling {
        metric: ScalingMetric::Cpu,
        comparison,
        threshold,
        datapoints_to_alarm: 1,
        evaluation_periods: 1,
        adjustment_type: AdjustmentType::ChangeInCapacity,
        steps: vec![Step {
            lower,
            upper,
            adjustment,
        }],
        min_adjustment_magnitude: None,
        cooldown_ms: 300_000,
    };
    let out = step(Comparison::Ge, 70.0, 0.0, f64::INFINITY, 1.0);
    let inn = step(Comparison::Le, 30.0, f64::NEG_INFINITY, 0.000_001, -1.0);
    let mut s = ServiceScaler::new(0, 10, vec![out, inn], 0.1);
    let d = s.on_datapoint(60_000, |_| Some(10.0), 4, 4, false).unwrap();
    assert_eq!((d.desired, d.out), (3, false));
    // The scale-in says why, although the step policy's 300 s cooldown starts with it (the reason
    // was once asked after that start, and the event read "()"): 10 ≤ 30 breaches, −1 from 4 → 3.
    let why = d.reason.expect("a reason").to_string();
    assert!(
        why.contains("1 of 1 datapoints breach 30 (last 10.00)"),
        "{why}"
    );
    assert!(why.ends_with("-1 from 4 → 3"), "{why}");
}

/// Scheduled actions move the count into the new range; max is respected. An action that would
/// leave min above max fails and changes nothing (§4.4, AAS UG `scheduled-scaling-policy-overview`:
/// "you must include both sizes to ensure that the new minimum capacity is not greater than the
/// maximum capacity"): range 2–10, MinCapacity 15 alone → fails, still 2–10, desired 4 unmoved;
/// MaxCapacity 1 alone → fails likewise.
#[test]
fn scheduled_range_and_bounds() {
    let mut s = ServiceScaler::new(2, 10, vec![tt(60.0)], 0.1);
    assert_eq!(s.set_range(Some(15), None, 4), Err((15, 10)));
    assert_eq!(s.set_range(None, Some(1), 4), Err((2, 1)));
    assert_eq!((s.min, s.max), (2, 10));
    assert_eq!(s.set_range(Some(8), None, 4), Ok(Some(8)));
    assert_eq!(s.set_range(Some(2), Some(5), 8), Ok(Some(5)));
    assert_eq!(s.set_range(Some(1), Some(20), 5), Ok(None));
    let mut t = 0;
    let mut last = None;
    for _ in 0..3 {
        t += 60_000;
        last = s.on_datapoint(t, |_| Some(600.0), 10, 10, false);
    }
    assert_eq!(
        last.unwrap().desired,
        20,
        "⌈10 × 600/60⌉ = 100, capped at max 20"
    );
}
