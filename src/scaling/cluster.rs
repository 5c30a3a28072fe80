//! Cluster auto scaling (CAS) of an Auto Scaling group capacity provider with managed scaling (reference
//! §3.2): the `CapacityProviderReservation` metric and the target-tracking decisions ECS's managed policy
//! makes on it. Pure functions; the simulation launches and terminates the instances.

/// Managed scaling settings (§3.2 table: defaults 100, 1, 10000, 300 s).
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedScaling {
    /// `targetCapacity`, % (1–100).
    pub target_capacity: u32,
    /// `minimumScalingStepSize` (scale-out only).
    pub minimum_scaling_step_size: u32,
    /// `maximumScalingStepSize`.
    pub maximum_scaling_step_size: u32,
    /// `instanceWarmupPeriod`: no further scale-out until every launched instance is past it.
    pub instance_warmup_ms: u64,
    /// Consecutive 1-minute datapoints below target before scale-in (15, §3.2).
    pub scale_in_datapoints: u32,
    /// Largest fraction of the group one scale-in step removes (50 %, since September 2022).
    pub scale_in_max_fraction: f64,
    /// Managed termination protection: only instances without non-daemon tasks are terminated.
    pub managed_termination_protection: bool,
    /// How long a PROVISIONING task waits before it stops (10–30 min, §3.2).
    pub provisioning_timeout: crate::engine::dist::DurationDist,
}

/// M: instances needed for the current tasks plus those waiting in PROVISIONING. Instances that hold a
/// non-daemon task count once each; waiting tasks are packed first-fit decreasing into empty instances of
/// the group's type. A task that does not fit an empty instance is excluded (it causes no scale-out).
pub fn instances_needed(
    non_empty: u32,
    waiting: &[(u32, u32)],
    inst_cpu: u32,
    inst_mem: u32,
) -> u32 {
    let mut tasks: Vec<(u32, u32)> = waiting
        .iter()
        .copied()
        .filter(|&(c, m)| c <= inst_cpu && m <= inst_mem)
        .collect();
    // Largest first (by the scarcer of the two resources).
    tasks.sort_by(|a, b| {
        let ka = (a.0 as f64 / inst_cpu.max(1) as f64).max(a.1 as f64 / inst_mem.max(1) as f64);
        let kb = (b.0 as f64 / inst_cpu.max(1) as f64).max(b.1 as f64 / inst_mem.max(1) as f64);
        kb.total_cmp(&ka)
    });
    let mut bins: Vec<(u32, u32)> = Vec::new();
    for (c, m) in tasks {
        match bins.iter_mut().find(|b| b.0 >= c && b.1 >= m) {
            Some(b) => {
                b.0 -= c;
                b.1 -= m;
            }
            None => bins.push((inst_cpu - c, inst_mem - m)),
        }
    }
    non_empty + bins.len() as u32
}

/// CPR = M / N × 100, with M = N = 0 → 100 and M > 0, N = 0 → 200 (§3.2).
pub fn reservation(m: u32, n: u32) -> f64 {
    match (m, n) {
        (0, 0) => 100.0,
        (_, 0) => 200.0,
        _ => m as f64 / n as f64 * 100.0,
    }
}

/// The group size after a scale-out, or None if CPR is not above target. With no instances and work to
/// do ECS scales to two instances (CPR 200, §3.2); otherwise to ⌈M × 100 / target⌉; the step is at least
/// the minimum and at most the maximum step size, and the group never exceeds `max_size`. With no work
/// (M = 0) there is nothing to scale out for: an empty group's CPR of 100 is above a target below 100,
/// but the group needs ⌈0 × 100 / target⌉ = 0 instances.
pub fn scale_out(m: u32, n: u32, ms: &ManagedScaling, max_size: u32) -> Option<u32> {
    let cpr = reservation(m, n);
    if cpr <= ms.target_capacity as f64 || m == 0 {
        return None;
    }
    let wanted = if n == 0 {
        2
    } else {
        ((m as f64 * 100.0 / ms.target_capacity as f64) - 1e-9).ceil() as u32
    };
    let step = wanted
        .saturating_sub(n)
        .max(ms.minimum_scaling_step_size)
        .min(ms.maximum_scaling_step_size);
    let new = (n + step).min(max_size);
    (new > n).then_some(new)
}

/// How many instances one scale-in step removes: toward ⌈M × 100 / target⌉, at most `scale_in_max_fraction`
/// of the group (at least one), never below `min_size`.
pub fn scale_in(m: u32, n: u32, ms: &ManagedScaling, min_size: u32) -> u32 {
    if reservation(m, n) >= ms.target_capacity as f64 {
        return 0;
    }
    let wanted = ((m as f64 * 100.0 / ms.target_capacity as f64) - 1e-9)
        .ceil()
        .max(0.0) as u32;
    let cap = ((n as f64 * ms.scale_in_max_fraction).floor() as u32).max(1);
    n.saturating_sub(wanted.max(min_size)).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::dist::DurationDist;

    fn ms(target: u32, min_step: u32, max_step: u32) -> ManagedScaling {
        ManagedScaling {
            target_capacity: target,
            minimum_scaling_step_size: min_step,
            maximum_scaling_step_size: max_step,
            instance_warmup_ms: 300_000,
            scale_in_datapoints: 15,
            scale_in_max_fraction: 0.5,
            managed_termination_protection: true,
            provisioning_timeout: DurationDist::constant(600_000),
        }
    }

    /// Empty cluster, one pending task: M = 1, N = 0 → CPR 200 → 2 instances; with a maximum step of 1,
    /// only 1; with max_size 1, only 1.
    #[test]
    fn empty_cluster_scales_to_two() {
        let m = instances_needed(0, &[(256, 512)], 2048, 7986);
        assert_eq!(m, 1);
        assert_eq!(reservation(m, 0), 200.0);
        assert_eq!(scale_out(m, 0, &ms(100, 1, 10_000), 10), Some(2));
        assert_eq!(scale_out(m, 0, &ms(100, 1, 1), 10), Some(1));
        assert_eq!(scale_out(m, 0, &ms(100, 1, 10_000), 1), Some(1));
    }

    /// 10 waiting tasks of 1024 units on 2048-unit instances pack 2 per instance: 5 more, plus 3 busy
    /// instances: M = 8, N = 3 → CPR 266.7; target 100 → 8; minimum step 10 → 13; target 80 →
    /// ⌈8 × 100 / 80⌉ = 10.
    #[test]
    fn binpack_and_step_sizes() {
        let waiting = vec![(1024, 1000); 10];
        let m = instances_needed(3, &waiting, 2048, 7986);
        assert_eq!(m, 8);
        assert!((reservation(m, 3) - 266.666).abs() < 0.01);
        assert_eq!(scale_out(m, 3, &ms(100, 1, 10_000), 100), Some(8));
        assert_eq!(scale_out(m, 3, &ms(100, 10, 10_000), 100), Some(13));
        assert_eq!(scale_out(m, 3, &ms(80, 1, 10_000), 100), Some(10));
        // A task larger than the instance type is excluded from M.
        assert_eq!(instances_needed(0, &[(4096, 100)], 2048, 7986), 0);
    }

    /// Scale-in: 10 instances, 2 with tasks (M = 2) → wanted 2, but at most 50 % per step → remove 5;
    /// then from 5: remove 2 (⌊5/2⌋); the min size is respected.
    #[test]
    fn scale_in_at_most_half() {
        assert_eq!(scale_in(2, 10, &ms(100, 1, 10_000), 0), 5);
        assert_eq!(scale_in(2, 5, &ms(100, 1, 10_000), 0), 2);
        assert_eq!(scale_in(2, 3, &ms(100, 1, 10_000), 0), 1);
        assert_eq!(scale_in(2, 2, &ms(100, 1, 10_000), 0), 0);
        assert_eq!(scale_in(0, 4, &ms(100, 1, 10_000), 3), 1);
        // Target 90 keeps spare capacity: M = 9 → ⌈9 × 100/90⌉ = 10 instances, nothing to remove.
        assert_eq!(scale_in(9, 10, &ms(90, 1, 10_000), 0), 0);
    }
}
