//! Burstable instances in the simulation (T3, T3a, T4g; reference §6.6): every instance of a burstable
//! type keeps a CPU-credit account ([`CreditAccount`]), brought up to date at each metric tick (no event
//! of its own) from what its tasks used in the period; unlimited mode books the surplus charges, standard
//! mode holds the instance's tasks to what the balance allows.
//!
//! What a task uses: a service task with a load model, its service's CPU utilisation of the period (used ÷
//! reserved, what `ECSServiceAverageCPUUtilization` reports) × its reserved CPU units, while it is RUNNING;
//! any other task (no load model: batch jobs, standalone tasks, services without `load`) is taken to keep
//! its reserved CPU busy while RUNNING (ecsim knows nothing less, and a cost estimate should not assume CPU
//! is free), held down like the rest when its instance is throttled. Each instance integrates its RUNNING
//! reserved units per owner as tasks start and stop (O(1) per change, no pass over tasks at a tick); the
//! utilisation is the period's, so use is piecewise constant per period. When an instance terminates, or
//! the run ends, the stretch since the last tick is accounted at the last period's utilisations.

use super::{Sim, round6};
use crate::ecs::world::{InstanceId, InstanceStatus, Owner, TaskId, TaskState};
use crate::engine::{MS_PER_H, SimTime};
use crate::metrics::SeriesRow;
use crate::metrics::What;
use crate::pricing::credits::{BurstSpec, CreditAccount, CreditMode, credits_of_unit_ms};
use crate::spec::{ProviderKind, Spec};

/// The run's CPU-credit state (present only when some capacity provider's type is burstable).
#[derive(Debug)]
pub(super) struct BurstRt {
    /// Per instance (by [`InstanceId`]; `None` for non-burstable ones).
    instances: Vec<Option<InstanceCredits>>,
    /// Per service: the last period's CPU utilisation as a fraction of reserved (read for services with
    /// a load model only).
    pub(super) util: Vec<f64>,
    /// Per provider: surplus charged so far, USD.
    charged_usd: Vec<f64>,
    /// Per provider, for its row: credits used this period, balance and surplus at its end.
    rows: Vec<[f64; 3]>,
    /// Surplus charged so far, USD, all providers.
    pub(super) total_usd: f64,
    /// The previous metric tick (hour ends are looked for between it and the current one).
    last_tick_ms: SimTime,
    /// Per provider: standard-mode instances that spent their credits — how many times, the time held
    /// at the baseline in closed episodes (ms) and the first time.
    held: Vec<Held>,
}

/// A provider's instances held to their baseline after spending their credits (see [`BurstRt::held`]).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Held {
    pub(super) episodes: u32,
    pub(super) held_ms: u64,
    pub(super) first_ms: Option<SimTime>,
}

#[derive(Debug, Clone)]
struct InstanceCredits {
    account: CreditAccount,
    /// Accounted up to here.
    since_ms: SimTime,
    /// Share of its vCPUs the instance may use until the next tick (standard mode; 1 otherwise).
    allowance: f64,
    /// Its RUNNING tasks' reserved CPU per owner, integrated since `since_ms`.
    running: Vec<Running>,
    /// Held to its baseline since (it spent its credits then; `None` otherwise, and at its start).
    held_since: Option<SimTime>,
}

/// The RUNNING tasks of one owner on an instance: a load-modelled service (`Some(index)`) or everything
/// without a load model (`None`).
#[derive(Debug, Clone, Copy)]
struct Running {
    owner: Option<u32>,
    /// Reserved CPU units RUNNING now.
    units: u64,
    /// ∫ units dt from the instance's `since_ms` to `at`, unit-ms.
    unit_ms: u64,
    at: SimTime,
}

impl Running {
    /// ∫ units dt up to `now`.
    fn unit_ms_to(&self, now: SimTime) -> u64 {
        self.unit_ms + self.units * (now - self.at)
    }
}

impl BurstRt {
    /// `None` unless some capacity provider's instances are burstable.
    pub(super) fn new(spec: &Spec) -> Option<Box<BurstRt>> {
        let any = spec
            .providers
            .iter()
            .any(|p| matches!(&p.kind, ProviderKind::Asg(a) if a.burst.is_some()));
        any.then(|| {
            Box::new(BurstRt {
                instances: Vec::new(),
                util: vec![0.0; spec.services.len()],
                charged_usd: vec![0.0; spec.providers.len()],
                rows: vec![[0.0; 3]; spec.providers.len()],
                total_usd: 0.0,
                last_tick_ms: 0,
                held: vec![Held::default(); spec.providers.len()],
            })
        })
    }

    /// The credit columns of a time-series row: provider `p`'s, or with `None` the cluster's (all
    /// providers): credits used in the period, balance and surplus at its end, surplus charged so far.
    pub(super) fn fill_row(&self, row: &mut SeriesRow, p: Option<usize>) {
        let (figures, usd) = match p {
            Some(p) => (self.rows[p], self.charged_usd[p]),
            None => (
                std::array::from_fn(|k| self.rows.iter().map(|r| r[k]).sum()),
                self.total_usd,
            ),
        };
        row.cpu_credit_usage = Some(round6(figures[0]));
        row.cpu_credit_balance = Some(round6(figures[1]));
        row.cpu_surplus_credit_balance = Some(round6(figures[2]));
        row.cost_burst_surplus_usd = Some(round6(usd));
    }

    /// The allowance of instance `i` when it is held below its full CPU (standard mode, low balance).
    fn throttled(&self, i: InstanceId) -> Option<f64> {
        let a = self.instances.get(i.0 as usize)?.as_ref()?.allowance;
        (a < 1.0).then_some(a)
    }
}

impl<'a> Sim<'a> {
    /// The credit rules of instance `i`'s provider (`None`: not burstable, or no burstable provider in
    /// the run).
    fn burst_spec(&self, i: InstanceId) -> Option<&'a BurstSpec> {
        self.burst.as_ref()?;
        let spec: &'a Spec = self.spec;
        match &spec.provider(self.world.instance(i).provider).kind {
            ProviderKind::Asg(a) => a.burst.as_ref(),
            ProviderKind::Fargate { .. } => None,
        }
    }

    /// A new instance (every instance of the run, in id order): an empty account (T3, T3a and T4g get no
    /// launch credits, §6.6), so a standard one starts at its baseline.
    pub(super) fn burst_register(&mut self, i: InstanceId) {
        if self.burst.is_none() {
            return;
        }
        let now = self.queue.now();
        let entry = self.burst_spec(i).map(|spec| {
            let account = CreditAccount::default();
            InstanceCredits {
                allowance: account.allowance(spec, self.spec.metric_period_ms),
                account,
                since_ms: now,
                running: Vec::new(),
                held_since: None,
            }
        });
        if let Some(b) = &mut self.burst {
            debug_assert_eq!(b.instances.len(), i.0 as usize);
            b.instances.push(entry);
        }
    }

    /// The factor on the CPU of a task on instance `i` while its credits hold it below full CPU: the
    /// allowance of the instance's CPU shared over what its tasks could use unthrottled (their reserved
    /// units, or the whole instance when one of them takes CPU shares), at most 1. 1 when not throttled.
    pub(super) fn burst_factor(&self, i: InstanceId) -> f64 {
        let Some(a) = self.burst.as_ref().and_then(|b| b.throttled(i)) else {
            return 1.0;
        };
        let inst = self.world.instance(i);
        let mut wanted = 0u64;
        for &x in &inst.tasks {
            let t = self.world.task(x);
            if self.spec.task_def(t.def).task_cpu.is_none() {
                wanted = u64::from(inst.cpu_total);
                break;
            }
            wanted += u64::from(t.cpu);
        }
        if wanted == 0 {
            return 1.0;
        }
        // In whole percent, rounded down (never more than the credits allow): alike instances' tasks get
        // alike capacities, so the traffic model's latency shapes (cached per service rate) are shared.
        let f = a * f64::from(inst.cpu_total) / wanted as f64;
        (crate::engine::floor(f * 100.0 + 1e-9) / 100.0).min(1.0)
    }

    /// Is task `t`'s capacity held down by its instance's credits (so its balancer view must be rebuilt
    /// as the instance's tasks change)?
    pub(super) fn burst_throttled_task(&self, t: TaskId) -> bool {
        match (&self.burst, self.world.task(t).instance) {
            (Some(b), Some(i)) => b.throttled(i).is_some(),
            _ => false,
        }
    }

    /// Task `t` on instance `i` starts (`on`) or stops RUNNING: its owner's reserved CPU on the instance
    /// changes from now.
    pub(super) fn burst_running(&mut self, t: TaskId, i: InstanceId, on: bool) {
        let Some(b) = self.burst.as_mut() else {
            return;
        };
        let Some(c) = b.instances[i.0 as usize].as_mut() else {
            return;
        };
        let task = self.world.task(t);
        let owner = match task.owner {
            Owner::Service(s) if self.spec.services[s.0 as usize].load.is_some() => Some(s.0),
            _ => None,
        };
        let now = self.queue.now();
        let k = match c.running.iter().position(|r| r.owner == owner) {
            Some(k) => k,
            None => {
                c.running.push(Running {
                    owner,
                    units: 0,
                    unit_ms: 0,
                    at: now,
                });
                c.running.len() - 1
            }
        };
        let r = &mut c.running[k];
        r.unit_ms = r.unit_ms_to(now);
        r.at = now;
        let units = u64::from(task.cpu);
        if on {
            r.units += units;
        } else {
            r.units -= units;
        }
    }

    /// Each burstable instance's running sums per owner equal its RUNNING tasks' reserved CPU (checked
    /// with the world's invariants).
    pub(super) fn burst_check_invariants(&self) {
        let Some(b) = &self.burst else {
            return;
        };
        for (k, c) in b.instances.iter().enumerate() {
            let Some(c) = c else {
                continue;
            };
            let inst = &self.world.instances[k];
            let running: u64 = inst
                .tasks
                .iter()
                .map(|&t| self.world.task(t))
                .filter(|t| t.state == TaskState::Running)
                .map(|t| u64::from(t.cpu))
                .sum();
            let summed: u64 = c.running.iter().map(|r| r.units).sum();
            assert_eq!(running, summed, "CPU-credit sums of {}", inst.ec2_id);
        }
    }

    /// Credits instance `i` used since its last accounting up to `now` (then starts a new stretch): each
    /// owner's reserved unit-ms × its service's utilisation, or × the instance's factor without a load
    /// model.
    fn credits_used_on(&mut self, i: InstanceId, now: SimTime) -> f64 {
        let mut factor = None;
        let b = self.burst.as_ref().expect("burst");
        let mut used = 0.0;
        for r in &b.instances[i.0 as usize]
            .as_ref()
            .expect("burstable")
            .running
        {
            let share = match r.owner {
                Some(s) => b.util[s as usize],
                None => *factor.get_or_insert_with(|| self.burst_factor(i)),
            };
            used += credits_of_unit_ms(share * r.unit_ms_to(now) as f64);
        }
        let c = self.burst.as_mut().expect("burst").instances[i.0 as usize]
            .as_mut()
            .expect("burstable");
        c.running.retain(|r| r.units > 0);
        for r in &mut c.running {
            r.unit_ms = 0;
            r.at = now;
        }
        used
    }

    /// At a metric tick: bring every burstable instance's account up to now, charge unlimited surplus
    /// above the maximum at an hour's end, set standard instances' allowances for the next period, and
    /// sum the providers' figures for their rows. Runs before the rows are written.
    pub(super) fn burst_tick(&mut self) {
        let now = self.queue.now();
        let Some(b) = self.burst.as_mut() else {
            return;
        };
        let hour_ended = now / MS_PER_H > b.last_tick_ms / MS_PER_H;
        b.last_tick_ms = now;
        b.rows.fill([0.0; 3]);
        let period = self.spec.metric_period_ms;
        for k in 0..self.world.instances.len() {
            let i = InstanceId(k as u32);
            let Some(spec) = self.burst_spec(i) else {
                continue;
            };
            if self.world.instance(i).status == InstanceStatus::Deregistered {
                continue;
            }
            let used = self.credits_used_on(i, now);
            let p = self.world.instance(i).provider.0 as usize;
            let b = self.burst.as_mut().expect("burst");
            let c = b.instances[k].as_mut().expect("burstable");
            c.account.step(spec, now - c.since_ms, used);
            c.since_ms = now;
            let charged = if hour_ended {
                c.account.end_of_hour(spec) * spec.usd_per_surplus_credit
            } else {
                0.0
            };
            let was = c.allowance;
            c.allowance = c.account.allowance(spec, period);
            let throttled = c.allowance < 1.0;
            b.rows[p][0] += used;
            b.rows[p][1] += c.account.balance;
            b.rows[p][2] += c.account.surplus;
            self.book_surplus(p, charged);
            if (was < 1.0) != throttled {
                self.burst_throttle_changed(i, throttled, spec);
            }
        }
    }

    fn book_surplus(&mut self, p: usize, usd: f64) {
        if usd > 0.0 {
            self.used(crate::metrics::unconfirmed::Choice::BurstHourEnd);
            let b = self.burst.as_mut().expect("burst");
            b.charged_usd[p] += usd;
            b.total_usd += usd;
            self.cost.by_provider[p] += usd;
            self.cost.ec2.add(usd);
        }
    }

    /// Instance `i` starts or stops being held below full CPU: its targets' capacities change, so their
    /// services' balancer views are rebuilt (traffic up to now was computed with the old ones).
    fn burst_throttle_changed(&mut self, i: InstanceId, throttled: bool, spec: &BurstSpec) {
        let now = self.queue.now();
        let p = self.world.instance(i).provider.0 as usize;
        let b = self.burst.as_mut().expect("burst");
        let since = &mut b.instances[i.0 as usize]
            .as_mut()
            .expect("burstable")
            .held_since;
        let h = &mut b.held[p];
        if throttled {
            *since = Some(now);
            h.episodes += 1;
            h.first_ms = h.first_ms.or(Some(now));
        } else if let Some(from) = since.take() {
            h.held_ms += now - from;
        }
        let inst = self.world.instance(i);
        for &x in &inst.tasks {
            if let Owner::Service(s) = self.world.task(x).owner
                && let Some(tr) = self.traffic[s.0 as usize].as_mut()
            {
                tr.invalidate_cache();
            }
        }
        if throttled && self.texts {
            debug_assert_eq!(spec.mode, CreditMode::Standard);
            let what = What::CreditsSpent {
                instance: self.ec2_serial(i),
                provider: self.world.instance(i).provider,
                baseline_pct: spec.baseline() * 100.0,
            };
            self.emit(None, what, true);
        }
    }

    /// Instance `i` terminates: its account is brought up to now and the surplus it still owes is
    /// charged (§6.6).
    pub(super) fn burst_terminate(&mut self, i: InstanceId) {
        let now = self.queue.now();
        self.burst_close(i, now);
    }

    /// The end of the run: every live burstable instance is accounted to the end and, as if it stopped
    /// there (as EC2 billing treats the end), charged what it owes.
    pub(super) fn burst_finish(&mut self, end: SimTime) {
        if self.burst.is_none() {
            return;
        }
        for k in 0..self.world.instances.len() {
            let i = InstanceId(k as u32);
            if self.world.instance(i).status != InstanceStatus::Deregistered {
                self.burst_close(i, end);
            }
        }
    }

    /// Account instance `i` up to `at` (the last period's utilisations for the stretch since the last
    /// tick) and charge its outstanding surplus.
    fn burst_close(&mut self, i: InstanceId, at: SimTime) {
        let Some(spec) = self.burst_spec(i) else {
            return;
        };
        let used = self.credits_used_on(i, at);
        let p = self.world.instance(i).provider.0 as usize;
        let c = self.burst.as_mut().expect("burst").instances[i.0 as usize]
            .as_mut()
            .expect("burstable");
        c.account.step(spec, at - c.since_ms, used);
        c.since_ms = at;
        let charged = c.account.settle() * spec.usd_per_surplus_credit;
        if let Some(from) = c.held_since.take() {
            self.burst.as_mut().expect("burst").held[p].held_ms += at - from;
        }
        self.book_surplus(p, charged);
    }

    /// Per provider whose instances spent their credits: the episodes and the time held to the
    /// baseline up to `end` (episodes still open run to it), for the end-of-run warning.
    pub(super) fn burst_held(&self, end: SimTime) -> Vec<(usize, Held)> {
        let Some(b) = &self.burst else {
            return Vec::new();
        };
        let mut held = b.held.clone();
        for (k, c) in b.instances.iter().enumerate() {
            if let Some(from) = c.as_ref().and_then(|c| c.held_since) {
                let p = self.world.instances[k].provider.0 as usize;
                held[p].held_ms += end.saturating_sub(from);
            }
        }
        held.into_iter()
            .enumerate()
            .filter(|(_, h)| h.episodes > 0)
            .collect()
    }
}
