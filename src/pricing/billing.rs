//! Billing rules and the break-even point (reference §5.2, §6.2). Pure functions of durations and prices;
//! the simulation calls them when an instance or task stops being billed.

use crate::engine::SimTime;

/// Fargate prices per hour (us-east-1 on-demand by default, reference §5.2), after any discount.
#[derive(Debug, Clone, PartialEq)]
pub struct FargatePrices {
    /// Linux/x86 per vCPU-hour.
    pub vcpu_hour_x86: f64,
    /// Linux/x86 per GB-hour.
    pub gb_hour_x86: f64,
    /// Linux/ARM (Graviton) per vCPU-hour.
    pub vcpu_hour_arm: f64,
    /// Linux/ARM per GB-hour.
    pub gb_hour_arm: f64,
    /// Ephemeral storage beyond the included 20 GiB, per GB-hour.
    pub storage_gb_hour: f64,
}

impl Default for FargatePrices {
    /// us-east-1 list prices (§5.2: $0.04048/vCPU-h, $0.004445/GB-h; ARM $0.03238, $0.00356;
    /// storage $0.000111/GB-h).
    fn default() -> Self {
        FargatePrices {
            vcpu_hour_x86: 0.04048,
            gb_hour_x86: 0.004445,
            vcpu_hour_arm: 0.03238,
            gb_hour_arm: 0.00356,
            storage_gb_hour: 0.000111,
        }
    }
}

/// Ephemeral storage included with every Fargate task (§5.3).
pub const FARGATE_INCLUDED_STORAGE_GIB: u32 = 20;
/// Both EC2 (Linux) and Fargate bill at least one minute per launch (§5.2, §6.2).
pub const MINIMUM_BILLED_S: u64 = 60;

/// Seconds billed for `ms` of use: rounded up to the second, at least one minute (§5.2, §6.2).
/// 20 s → 60 s; 61.4 s → 62 s; 90 min → 5400 s.
pub fn billed_seconds(ms: SimTime) -> u64 {
    ms.div_ceil(1000).max(MINIMUM_BILLED_S)
}

/// Hourly price of a Fargate task of the given size: vCPU = units / 1024, GB = MiB / 1024 (§5.1 sizes are
/// in these units), plus storage above 20 GiB; `spot_discount` is the fraction off (0.7 = 70 % off).
pub fn fargate_hourly(
    prices: &FargatePrices,
    cpu_units: u32,
    memory_mib: u32,
    storage_gib: u32,
    arm: bool,
    spot_discount: f64,
) -> f64 {
    let (pv, pg) = if arm {
        (prices.vcpu_hour_arm, prices.gb_hour_arm)
    } else {
        (prices.vcpu_hour_x86, prices.gb_hour_x86)
    };
    let extra_storage = storage_gib.saturating_sub(FARGATE_INCLUDED_STORAGE_GIB) as f64;
    let compute = cpu_units as f64 / 1024.0 * pv + memory_mib as f64 / 1024.0 * pg;
    compute * (1.0 - spot_discount) + extra_storage * prices.storage_gb_hour
}

/// Cost of `seconds` at `hourly` USD per hour.
pub fn cost(hourly: f64, seconds: u64) -> f64 {
    hourly * seconds as f64 / 3600.0
}

/// A running total that also accrues continuously: closed amounts plus, for everything still open,
/// `rate × (now − start)`. O(1) to open, close and read, so a cumulative cost column costs nothing per
/// instance or task.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CostMeter {
    closed: f64,
    rate_sum: f64,
    rate_start_sum: f64,
}

impl CostMeter {
    /// Start accruing `hourly` USD/h at `start_ms`.
    pub fn open(&mut self, hourly: f64, start_ms: SimTime) {
        let r = hourly / 3_600_000.0;
        self.rate_sum += r;
        self.rate_start_sum += r * start_ms as f64;
    }
    /// Stop accruing what [`CostMeter::open`] started and book the billed amount instead.
    pub fn close(&mut self, hourly: f64, start_ms: SimTime, billed: f64) {
        let r = hourly / 3_600_000.0;
        self.rate_sum -= r;
        self.rate_start_sum -= r * start_ms as f64;
        self.closed += billed;
    }
    /// Book an amount that never accrued.
    pub fn add(&mut self, amount: f64) {
        self.closed += amount;
    }
    /// The total at `now_ms`: booked amounts plus open accruals (without the one-minute minimum).
    pub fn value(&self, now_ms: SimTime) -> f64 {
        (self.closed + self.rate_sum * now_ms as f64 - self.rate_start_sum).max(self.closed)
    }
    /// Booked amounts only.
    pub fn closed(&self) -> f64 {
        self.closed
    }
}

/// The steady-state break-even point between EC2 and Fargate for one task size.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakEven {
    /// Tasks of this size that fit on one instance: min(⌊CPU_i / CPU_t⌋, ⌊MEM_i / MEM_t⌋).
    pub tasks_per_instance: u32,
    /// Fargate cost of one task-hour, USD.
    pub fargate_task_hour: f64,
    /// EC2 cost of one task-hour at full packing, USD: instance price / tasks per instance.
    pub ec2_task_hour_full: f64,
    /// Utilisation u of the instances' task slots above which EC2 is cheaper:
    /// u* = P_instance / (n × F_task). Above 1: EC2 never wins for this size.
    pub utilisation: f64,
}

impl BreakEven {
    /// The formula, in words, with the numbers.
    pub fn explain(&self, instance: &str, price_usd_per_hour: f64) -> String {
        format!(
            "EC2 costs P/(n·u) per task-hour at slot utilisation u; Fargate costs F. EC2 is cheaper when u > P/(n·F) = {:.4} / ({} × {:.6}) = {:.3} ({:.1}% of {}'s task slots in use on average){}",
            price_usd_per_hour,
            self.tasks_per_instance,
            self.fargate_task_hour,
            self.utilisation,
            self.utilisation * 100.0,
            instance,
            if self.utilisation > 1.0 {
                ": never, for this task size"
            } else {
                ""
            }
        )
    }
}

/// Break-even for tasks of `cpu_units`/`memory_mib` between Fargate (hourly `fargate_task_hour`) and an
/// instance registering `inst_cpu`/`inst_mem` at `inst_price` USD/h. None if the task does not fit.
pub fn break_even(
    cpu_units: u32,
    memory_mib: u32,
    inst_cpu: u32,
    inst_mem: u32,
    inst_price: f64,
    fargate_task_hour: f64,
) -> Option<BreakEven> {
    let by_cpu = inst_cpu.checked_div(cpu_units).unwrap_or(u32::MAX);
    let n = by_cpu.min(inst_mem / memory_mib.max(1));
    if n == 0 || fargate_task_hour <= 0.0 {
        return None;
    }
    Some(BreakEven {
        tasks_per_instance: n,
        fargate_task_hour,
        ec2_task_hour_full: inst_price / n as f64,
        utilisation: inst_price / (n as f64 * fargate_task_hour),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// 10 Fargate tasks of 1 vCPU / 2 GB for 24 h: 10 × 24 × (0.04048 + 2 × 0.004445) = $11.8488.
    #[test]
    fn fargate_day_to_the_cent() {
        let p = FargatePrices::default();
        let hourly = fargate_hourly(&p, 1024, 2048, 20, false, 0.0);
        assert!(close(hourly, 0.04937));
        let total = 10.0 * cost(hourly, billed_seconds(24 * 3_600_000));
        assert!(close(total, 11.8488), "{total}");
    }

    /// A task that runs 20 s is billed 60 s; 61.4 s is billed 62 s (rounded up, 1-minute minimum).
    #[test]
    fn minimum_and_rounding() {
        assert_eq!(billed_seconds(20_000), 60);
        assert_eq!(billed_seconds(61_400), 62);
        assert_eq!(billed_seconds(0), 60);
        assert_eq!(billed_seconds(5_400_000), 5400);
    }

    /// An m5.large ($0.096/h) for 90 minutes: 0.096 × 1.5 = $0.144; terminated after 30 s: 60 s billed,
    /// 0.096 / 60 = $0.0016.
    #[test]
    fn ec2_billing() {
        assert!(close(cost(0.096, billed_seconds(90 * 60_000)), 0.144));
        assert!(close(cost(0.096, billed_seconds(30_000)), 0.0016));
    }

    /// Fargate Spot at 70 % off; an ARM task; 50 GiB of ephemeral storage for a day.
    #[test]
    fn spot_arm_and_storage() {
        let p = FargatePrices::default();
        // 1 vCPU / 2 GB on Spot: 0.04937 × 0.3 = 0.014811 per hour.
        assert!(close(
            fargate_hourly(&p, 1024, 2048, 20, false, 0.7),
            0.014811
        ));
        // ARM 1 vCPU / 2 GB: 0.03238 + 2 × 0.00356 = 0.0395 per hour.
        assert!(close(fargate_hourly(&p, 1024, 2048, 20, true, 0.0), 0.0395));
        // 50 GiB: 30 GiB above the included 20, for 24 h: 30 × 24 × 0.000111 = $0.07992 on top of compute.
        let with = fargate_hourly(&p, 256, 512, 50, false, 0.0);
        let without = fargate_hourly(&p, 256, 512, 20, false, 0.0);
        assert!(close((with - without) * 24.0, 0.07992));
        // 0.25 vCPU / 0.5 GB = 0.01012 + 0.0022225 = $0.0123425 per hour (§5.2 example: $0.012343).
        assert!(close(without, 0.0123425));
    }

    #[test]
    fn meter_accrues_and_books() {
        let mut m = CostMeter::default();
        m.open(3.6, 1_000); // $3.6/h = $0.001/s
        assert!(close(m.value(11_000), 0.01));
        m.close(3.6, 1_000, cost(3.6, billed_seconds(10_000))); // minimum 60 s → $0.06
        assert!(close(m.value(20_000), 0.06));
    }

    /// Break-even against a brute-force search: m5.large (2048 units, 7986 MiB, $0.096/h) and a
    /// 0.5 vCPU / 1 GB task (Fargate 0.5 × 0.04048 + 1 × 0.004445 = $0.024685/h). n = min(4, 7) = 4 tasks
    /// per instance; u* = 0.096 / (4 × 0.024685) = 0.9723.
    #[test]
    fn break_even_matches_brute_force() {
        let f = fargate_hourly(&FargatePrices::default(), 512, 1024, 20, false, 0.0);
        let be = break_even(512, 1024, 2048, 7986, 0.096, f).unwrap();
        assert_eq!(be.tasks_per_instance, 4);
        assert!((be.utilisation - 0.096 / (4.0 * 0.024685)).abs() < 1e-9);
        // Brute force: the smallest utilisation on a 1e-5 grid where EC2's task-hour cost is below Fargate's.
        let mut found = None;
        for k in 1..=200_000u32 {
            let u = k as f64 * 1e-5;
            if 0.096 / (4.0 * u) < f {
                found = Some(u);
                break;
            }
        }
        let u = found.unwrap();
        assert!(
            (u - be.utilisation).abs() <= 1e-5,
            "brute {u} formula {}",
            be.utilisation
        );
        assert!(be.explain("m5.large", 0.096).contains("0.972"));
        // A task that does not fit.
        assert!(break_even(4096, 1024, 2048, 7986, 0.096, f).is_none());
    }
}
