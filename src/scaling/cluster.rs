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

/// What a task waiting in PROVISIONING needs of an instance, for the binpack of M (§3.2: "vCPU, memory,
/// ENIs, ports and GPUs"; ecsim has no GPUs).
#[derive(Debug, Clone, Copy)]
pub struct Need<'a> {
    /// CPU units.
    pub cpu: u32,
    /// MiB.
    pub mem: u32,
    /// Takes one of the instance's ENIs (`awsvpc`).
    pub eni: bool,
    /// Static host ports.
    pub ports: &'a [u16],
}

/// A new instance of the group's type as the waiting tasks find it: registered CPU and memory, ENIs for
/// tasks and the host ports the agent reserves, less what the cluster's DAEMON services take on it
/// first (§2.1, §3.2).
#[derive(Debug, Clone, Copy)]
pub struct Shape<'a> {
    /// CPU units.
    pub cpu: u32,
    /// MiB.
    pub mem: u32,
    /// ENIs available to `awsvpc` tasks.
    pub enis: u32,
    /// Ports reserved on every instance.
    pub reserved_ports: &'a [u16],
}

/// M: instances needed for the current tasks plus those waiting in PROVISIONING. Instances that hold a
/// non-daemon task count once each; waiting tasks are packed first-fit decreasing into empty instances of
/// the group's type, by CPU, memory, ENIs and static host ports (two tasks on host port 80 need two
/// instances). A task that does not fit an empty instance is excluded (it causes no scale-out).
pub fn instances_needed(non_empty: u32, waiting: &[Need], shape: &Shape) -> u32 {
    let fits_empty = |t: &Need| {
        t.cpu <= shape.cpu
            && t.mem <= shape.mem
            && (!t.eni || shape.enis > 0)
            && !t.ports.iter().any(|p| shape.reserved_ports.contains(p))
    };
    let mut tasks: Vec<&Need> = waiting.iter().filter(|t| fits_empty(t)).collect();
    // Largest first (by the scarcer of the two resources).
    let key = |t: &Need| {
        (t.cpu as f64 / shape.cpu.max(1) as f64).max(t.mem as f64 / shape.mem.max(1) as f64)
    };
    tasks.sort_by(|a, b| key(b).total_cmp(&key(a)));
    // Per instance: CPU, memory and ENIs left, and the host ports taken.
    let mut bins: Vec<(u32, u32, u32, Vec<u16>)> = Vec::new();
    for t in tasks {
        let fits = |b: &&mut (u32, u32, u32, Vec<u16>)| {
            b.0 >= t.cpu
                && b.1 >= t.mem
                && (!t.eni || b.2 > 0)
                && !t.ports.iter().any(|p| b.3.contains(p))
        };
        let b = match bins.iter_mut().find(fits) {
            Some(b) => b,
            None => {
                bins.push((shape.cpu, shape.mem, shape.enis, Vec::new()));
                bins.last_mut().expect("just pushed")
            }
        };
        b.0 -= t.cpu;
        b.1 -= t.mem;
        b.2 -= u32::from(t.eni);
        b.3.extend_from_slice(t.ports);
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

/// The group size after a scale-out, or None if CPR is not above target. `n` is N, the instances
/// registered ("already up and running", deep-dive blog); `group` the group's size with the instances
/// still launching (≥ `n`). ECS estimates "the number of instances to add" (DG `managed-scaling-behavior`)
/// from M and N: with no instances registered and work to do, two (CPR 200, §3.2); otherwise
/// ⌈M × 100 / target⌉ − N; at least the minimum and at most the maximum step size. The step is added to
/// the group as it is, launching instances included, and the group never exceeds `max_size`: an instance
/// still launching once its warm-up is over is not in N, so the next step asks for it again — the
/// over-provisioning the DG warns of when `instanceWarmupPeriod` is shorter than an instance's launch.
/// With no work (M = 0) there is nothing to scale out for: an empty group's CPR of 100 is above a target
/// below 100, but the group needs ⌈0 × 100 / target⌉ = 0 instances.
pub fn scale_out(m: u32, n: u32, group: u32, ms: &ManagedScaling, max_size: u32) -> Option<u32> {
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
    let new = (group.max(n) + step).min(max_size);
    (new > group).then_some(new)
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

    /// An m5.large: 2,048 units, 7,986 MiB registered, 3 ENIs (2 for tasks), the agent's ports.
    const M5_LARGE: Shape<'static> = Shape {
        cpu: 2048,
        mem: 7986,
        enis: 2,
        reserved_ports: &[22, 2375, 2376, 51678, 51679, 51680],
    };

    fn need(cpu: u32, mem: u32, eni: bool, ports: &'static [u16]) -> Need<'static> {
        Need {
            cpu,
            mem,
            eni,
            ports,
        }
    }

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
        let m = instances_needed(0, &[need(256, 512, false, &[])], &M5_LARGE);
        assert_eq!(m, 1);
        assert_eq!(reservation(m, 0), 200.0);
        assert_eq!(scale_out(m, 0, 0, &ms(100, 1, 10_000), 10), Some(2));
        assert_eq!(scale_out(m, 0, 0, &ms(100, 1, 1), 10), Some(1));
        assert_eq!(scale_out(m, 0, 0, &ms(100, 1, 10_000), 1), Some(1));
    }

    /// 10 waiting tasks of 1024 units on 2048-unit instances pack 2 per instance: 5 more, plus 3 busy
    /// instances: M = 8, N = 3 → CPR 266.7; target 100 → 8; minimum step 10 → 13; target 80 →
    /// ⌈8 × 100 / 80⌉ = 10.
    #[test]
    fn binpack_and_step_sizes() {
        let waiting = vec![need(1024, 1000, false, &[]); 10];
        let m = instances_needed(3, &waiting, &M5_LARGE);
        assert_eq!(m, 8);
        assert!((reservation(m, 3) - 266.666).abs() < 0.01);
        assert_eq!(scale_out(m, 3, 3, &ms(100, 1, 10_000), 100), Some(8));
        assert_eq!(scale_out(m, 3, 3, &ms(100, 10, 10_000), 100), Some(13));
        assert_eq!(scale_out(m, 3, 3, &ms(80, 1, 10_000), 100), Some(10));
        // A task larger than the instance type is excluded from M.
        let big = need(4096, 100, false, &[]);
        assert_eq!(instances_needed(0, &[big], &M5_LARGE), 0);
    }

    /// N counts registered instances only; the step is added to the group with its launching instances
    /// (§3.2). 3 registered, 5 launching (group 8), M = 8: CPR 266.7 > 100, step ⌈8⌉ − 3 = 5 → the group
    /// goes to 8 + 5 = 13, the 5 launching instances asked for again (the over-provisioning the DG warns
    /// of with a warm-up shorter than a launch); max_size 10 caps it at 10; a group already at max_size
    /// does not scale out. With none registered and 2 launching, CPR is 200 and the group adds 2 more: 4.
    #[test]
    fn launching_instances_are_not_in_n() {
        assert!((reservation(8, 3) - 266.666).abs() < 0.01);
        assert_eq!(scale_out(8, 3, 8, &ms(100, 1, 10_000), 100), Some(13));
        assert_eq!(scale_out(8, 3, 8, &ms(100, 1, 10_000), 10), Some(10));
        assert_eq!(scale_out(8, 3, 10, &ms(100, 1, 10_000), 10), None);
        assert_eq!(scale_out(1, 0, 2, &ms(100, 1, 10_000), 10), Some(4));
    }

    /// The binpack counts ENIs and host ports too (§3.2, DG "Managed scale-out behavior"): 10 tasks of
    /// 256 units would share 2 instances by CPU (8 per 2,048), but on static host port 80 each needs its
    /// own instance (M = 10); `awsvpc` tasks on an m5.large (3 ENIs, 2 for tasks) need ⌈10 / 2⌉ = 5; a
    /// task on a port the agent reserves (22) fits no instance and is left out.
    #[test]
    fn binpack_counts_ports_and_enis() {
        let web = vec![need(256, 256, false, &[80]); 10];
        assert_eq!(instances_needed(0, &web, &M5_LARGE), 10);
        let vpc = vec![need(256, 256, true, &[]); 10];
        assert_eq!(instances_needed(0, &vpc, &M5_LARGE), 5);
        let free = vec![need(256, 256, false, &[]); 10];
        assert_eq!(instances_needed(0, &free, &M5_LARGE), 2);
        assert_eq!(
            instances_needed(0, &[need(256, 256, false, &[22])], &M5_LARGE),
            0
        );
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
