//! CPU credits of burstable instances (T3, T3a, T4g; reference §6.6) as pure arithmetic: what an
//! instance earns and spends over an interval, its balance and its surplus, what unlimited mode charges,
//! and what standard mode lets it use. The simulation feeds it one metric period at a time (use
//! piecewise-constant over the period), so within a period the rates are constant and netting earnings
//! against use is exact.
//!
//! Rules (§6.6, EC2 UG `burstable-credits-baseline-concepts`, `unlimited-mode-examples`, CloudWatch's
//! `CPUSurplusCreditBalance` / `CPUSurplusCreditsCharged`): one credit is one vCPU at 100 % for one minute;
//! credits are earned continuously at the size's rate; the balance holds at most 24 hours of earnings,
//! beyond which new credits are discarded; T3/T3a/T4g start with none (no launch credits). Standard mode
//! cannot spend more than the balance: CPU is held to the baseline when it is empty. Unlimited mode spends
//! surplus credits when it is empty; earnings pay the surplus back before they accrue; surplus above the
//! 24-hour maximum is charged at the end of the hour, and what is still outstanding is charged when the
//! instance stops or terminates.

/// Milliseconds per hour.
const MS_PER_HOUR: f64 = 3_600_000.0;
/// Milliseconds per minute (one credit = one vCPU-minute).
const MS_PER_MINUTE: f64 = 60_000.0;

/// `CreditSpecification.CpuCredits` (EC2 `RunInstances`, §6.6): T3, T3a and T4g launch as `unlimited`
/// unless told otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CreditMode {
    /// Above the baseline only while the balance lasts; then held to the baseline.
    Standard,
    /// Bursts on surplus credits when the balance is empty; surplus not paid back is charged.
    #[default]
    Unlimited,
}

impl CreditMode {
    /// AWS's spelling (`"standard"`, `"unlimited"`).
    pub fn as_str(self) -> &'static str {
        match self {
            CreditMode::Standard => "standard",
            CreditMode::Unlimited => "unlimited",
        }
    }
}

/// The credit rules of one capacity provider's instances (its type's row of §6.6 and its mode).
#[derive(Debug, Clone, PartialEq)]
pub struct BurstSpec {
    /// vCPUs.
    pub vcpu: u32,
    /// Credits earned per hour.
    pub credits_per_hour: f64,
    /// Maximum accrued balance, and the surplus unlimited mode may carry uncharged (24 h of earnings).
    pub max_balance: f64,
    /// Standard or unlimited.
    pub mode: CreditMode,
    /// USD per surplus credit charged: the vCPU-hour price ÷ 60, after any `[pricing] discount`.
    pub usd_per_surplus_credit: f64,
}

impl BurstSpec {
    /// Credits earned in `dt_ms`.
    pub fn earned(&self, dt_ms: u64) -> f64 {
        self.credits_per_hour * dt_ms as f64 / MS_PER_HOUR
    }

    /// Baseline utilisation per vCPU, as a fraction (t3.medium: 24 / 2 / 60 = 0.2).
    pub fn baseline(&self) -> f64 {
        self.credits_per_hour / self.vcpu as f64 / 60.0
    }
}

/// Credits spent by `cpu_units` (1024 per vCPU) busy for `dt_ms`: vCPUs × minutes.
pub fn credits_used(cpu_units: f64, dt_ms: u64) -> f64 {
    cpu_units / 1024.0 * dt_ms as f64 / MS_PER_MINUTE
}

/// Credits spent by `unit_ms` CPU-unit-milliseconds of busy CPU (1024 units × 60,000 ms = one credit).
pub fn credits_of_unit_ms(unit_ms: f64) -> f64 {
    unit_ms / 1024.0 / MS_PER_MINUTE
}

/// One instance's credit account.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CreditAccount {
    /// `CPUCreditBalance`: earned credits not yet spent (at most the maximum).
    pub balance: f64,
    /// `CPUSurplusCreditBalance`: surplus credits spent and not yet paid back or charged (unlimited).
    pub surplus: f64,
    /// `CPUSurplusCreditsCharged` over the instance's life.
    pub charged: f64,
}

impl CreditAccount {
    /// An interval of `dt_ms` in which the instance used `used` credits at a constant rate. Earnings pay
    /// the surplus back first, then accrue up to the maximum; use beyond the balance becomes surplus in
    /// unlimited mode. In standard mode the throttle keeps use within the balance; what a
    /// piecewise-constant period overshoots is not carried (the balance stops at zero).
    pub fn step(&mut self, spec: &BurstSpec, dt_ms: u64, used: f64) {
        let net = spec.earned(dt_ms) - used;
        if net >= 0.0 {
            let repay = net.min(self.surplus);
            self.surplus -= repay;
            self.balance = (self.balance + (net - repay)).min(spec.max_balance);
        } else {
            let need = -net;
            let from_balance = need.min(self.balance);
            self.balance -= from_balance;
            if spec.mode == CreditMode::Unlimited {
                self.surplus += need - from_balance;
            }
        }
    }

    /// The end of an hour: surplus above the maximum is charged (returns the credits charged now).
    pub fn end_of_hour(&mut self, spec: &BurstSpec) -> f64 {
        let over = (self.surplus - spec.max_balance).max(0.0);
        self.surplus -= over;
        self.charged += over;
        over
    }

    /// The instance stops or terminates: all outstanding surplus is charged (returns the credits).
    pub fn settle(&mut self) -> f64 {
        let all = self.surplus;
        self.surplus = 0.0;
        self.charged += all;
        all
    }

    /// The share of its vCPUs the instance may keep busy, on average, over the next `dt_ms`. Unlimited: 1.
    /// Standard: what it holds plus what it earns meanwhile, spread over the interval, at most 1; with an
    /// empty balance that is the baseline (t3.medium: 0.2). Spreading the last credits evenly stands for
    /// AWS's "brought down gradually to the baseline".
    pub fn allowance(&self, spec: &BurstSpec, dt_ms: u64) -> f64 {
        if spec.mode == CreditMode::Unlimited || dt_ms == 0 {
            return 1.0;
        }
        let full = credits_used(spec.vcpu as f64 * 1024.0, dt_ms);
        ((self.balance + spec.earned(dt_ms)) / full).min(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// t3.medium (§6.6: 2 vCPUs, 24 credits per hour, baseline 20 %, maximum 576), $0.05 per vCPU-hour.
    fn t3_medium(mode: CreditMode) -> BurstSpec {
        BurstSpec {
            vcpu: 2,
            credits_per_hour: 24.0,
            max_balance: 576.0,
            mode,
            usd_per_surplus_credit: 0.05 / 60.0,
        }
    }

    const MIN: u64 = 60_000;

    /// A t3.medium in unlimited mode at 90 % of its 2 vCPUs for 48 h, minute by minute, charged at each
    /// hour's end and settled at the end (§6.6: surplus above what the instance earns in 24 h is charged
    /// at the end of the hour; the rest when it stops).
    /// Per minute: spends 0.9 × 2 = 1.8 credits, earns 24 / 60 = 0.4; the balance starts at 0 (no launch
    /// credits), so the surplus grows 1.4 a minute = 84 an hour. After hour 7 it is 588 > 576: 12 charged;
    /// each later hour 84 more: 41 × 84 = 3,444; charged during the 48 h: 3,456 credits; 576 still owed at
    /// the end, charged when the instance stops. In all 4,032 credits = 5,184 spent − 1,152 earned
    /// = 67.2 vCPU-hours × $0.05 = $3.36.
    #[test]
    fn unlimited_t3_medium_at_90_percent_for_48_hours() {
        let spec = t3_medium(CreditMode::Unlimited);
        let mut a = CreditAccount::default();
        let mut hourly = Vec::new();
        for minute in 1..=48 * 60u64 {
            a.step(&spec, MIN, credits_used(0.9 * 2048.0, MIN));
            assert_eq!(a.balance, 0.0);
            if minute % 60 == 0 {
                hourly.push(a.end_of_hour(&spec));
            }
        }
        assert!(hourly[..6].iter().all(|&c| c == 0.0));
        assert!((hourly[6] - 12.0).abs() < 1e-9, "{}", hourly[6]);
        assert!(hourly[7..].iter().all(|&c| (c - 84.0).abs() < 1e-9));
        assert!((a.charged - 3456.0).abs() < 1e-9, "{}", a.charged);
        assert!((a.surplus - 576.0).abs() < 1e-9);
        assert!((a.settle() - 576.0).abs() < 1e-9);
        assert!((a.charged - 4032.0).abs() < 1e-9);
        assert!((a.charged * spec.usd_per_surplus_credit - 3.36).abs() < 1e-9);
    }

    /// Below the baseline the balance grows by the difference and stops at 576; above it, the balance
    /// pays first. 10 % for 12 h: +0.4 − 0.2 = 0.2 a minute → 144. Idle for 3 days: capped at 576.
    #[test]
    fn balance_accrues_and_caps() {
        let spec = t3_medium(CreditMode::Standard);
        let mut a = CreditAccount::default();
        for _ in 0..12 * 60 {
            a.step(&spec, MIN, credits_used(0.1 * 2048.0, MIN));
        }
        assert!((a.balance - 144.0).abs() < 1e-9, "{}", a.balance);
        a.step(&spec, 72 * 3_600_000, 0.0);
        assert_eq!(a.balance, 576.0);
        // An hour at 100 %: spends 120, earns 24 → 480; no surplus in standard mode.
        a.step(&spec, 3_600_000, 120.0);
        assert!((a.balance - 480.0).abs() < 1e-9);
        assert_eq!((a.surplus, a.end_of_hour(&spec)), (0.0, 0.0));
    }

    /// Unlimited: earnings below the baseline pay the surplus back before the balance grows, and surplus
    /// within the maximum is never charged at the hour's end. 2 h at 100 %: (2 − 0.4) × 120 = 192 surplus;
    /// then idle for 10 h: earns 240, pays 192, keeps 48.
    #[test]
    fn surplus_is_paid_back_first() {
        let spec = t3_medium(CreditMode::Unlimited);
        let mut a = CreditAccount::default();
        a.step(&spec, 2 * 3_600_000, credits_used(2048.0, 2 * 3_600_000));
        assert!((a.surplus - 192.0).abs() < 1e-9);
        assert_eq!(a.end_of_hour(&spec), 0.0);
        a.step(&spec, 10 * 3_600_000, 0.0);
        assert_eq!(a.surplus, 0.0);
        assert!((a.balance - 48.0).abs() < 1e-9);
        assert_eq!(a.settle(), 0.0);
    }

    /// Standard mode's allowance over a minute: (balance + 0.4) / 2 of the vCPUs, at most 1; empty → the
    /// 20 % baseline. Unlimited: always 1.
    #[test]
    fn standard_allowance_is_balance_plus_earnings() {
        let spec = t3_medium(CreditMode::Standard);
        let mut a = CreditAccount::default();
        assert!((a.allowance(&spec, MIN) - 0.2).abs() < 1e-12);
        assert!((spec.baseline() - 0.2).abs() < 1e-12);
        a.balance = 1.2;
        assert!((a.allowance(&spec, MIN) - 0.8).abs() < 1e-12);
        a.balance = 30.0;
        assert_eq!(a.allowance(&spec, MIN), 1.0);
        let u = t3_medium(CreditMode::Unlimited);
        assert_eq!(CreditAccount::default().allowance(&u, MIN), 1.0);
    }
}
