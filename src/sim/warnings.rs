//! The run's side of warnings (see [`crate::warnings`]): what the end state shows — services short of
//! their desired count because placement fails, tasks still waiting in PROVISIONING for capacity (§3.2,
//! §7.3), batch jobs that could never run (§5.1) or overflowed their queue. Read once, at the end.

use super::{MAX_WAITING_JOBS, Sim};
use crate::ecs::placement::{self, Request, Scope};
use crate::ecs::world::{Owner, TaskId};
use crate::engine::SimTime;
use crate::spec::{Launch, ProviderId, ProviderKind, SchedulingStrategy, ServiceId};
use crate::time::clock;
use crate::warnings::{self as w, Warning};

impl Sim<'_> {
    /// The scenario's warnings, then those of the end state.
    pub(super) fn end_warnings(&self) -> Vec<Warning> {
        let mut out = self.spec.warnings.clone();
        for i in 0..self.spec.services.len() {
            if let Some(wn) = self.service_unplaced(ServiceId(i as u32)) {
                out.push(wn);
            }
        }
        out.extend(self.standalone_waiting());
        out.extend(self.batch_dropped());
        out.extend(self.credits_spent());
        out.extend(self.run_task_failures());
        out
    }

    /// RunTask calls whose tasks were not launched: RunTask answers them in `failures[]` and does not
    /// retry (§7.3), so the run did less work than its calls asked for.
    fn run_task_failures(&self) -> Option<Warning> {
        let refused = &self.stats.run_task_refused;
        let n: u64 = refused.values().sum();
        (n > 0).then(|| {
            let asked: u64 = (0..self.spec.run_tasks.len())
                .map(|i| u64::from(self.spec.run_tasks[i].count))
                .sum();
            let reasons: Vec<String> = refused.iter().map(|(r, k)| format!("{r} ×{k}")).collect();
            let of = if self.spec.scheduled_tasks.is_empty() {
                format!(" of the {asked} asked for")
            } else {
                String::new()
            };
            Warning::new(
                w::RUN_TASK_FAILURES,
                None,
                format!(
                    "RunTask: {n} task{}{of} {} not launched (the first at {}; failures[] reasons: {}). RunTask does not retry them and they are in no task count (events.csv, kind run_task, names each call)",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "was" } else { "were" },
                    clock(self.stats.run_task_first_refused.unwrap_or(0)),
                    reasons.join(", ")
                ),
            )
        })
    }

    /// Standard-mode burstable groups whose instances spent their CPU credits: their tasks had less
    /// CPU while held to the baseline (§6.6), which only events and time-series columns showed.
    fn credits_spent(&self) -> Vec<Warning> {
        let spec = self.spec;
        self.burst_held(spec.duration_ms)
            .into_iter()
            .map(|(p, h)| {
                let prov = &spec.providers[p];
                let (ty, baseline) = match &prov.kind {
                    ProviderKind::Asg(a) => (
                        a.instance_type.name.as_str(),
                        a.burst.as_ref().map_or(0.0, |b| b.baseline() * 100.0),
                    ),
                    ProviderKind::Fargate { .. } => ("", 0.0),
                };
                Warning::new(
                    w::CPU_CREDITS_SPENT,
                    None,
                    format!(
                        "Auto Scaling group {} ({ty}, standard credits): its instances spent their CPU credits {} time{} (the first at {}) and were held to their baseline of {baseline:.0} % per vCPU for {:.1} instance-hours in all; their tasks had that much less CPU meanwhile (events.csv: cpu_credits_spent; timeseries.csv: cpu_credit_balance, capacity_rps). Unlimited mode (credit_specification = \"unlimited\", the default) is not held but pays for surplus credits (§6.6)",
                        prov.name,
                        h.episodes,
                        if h.episodes == 1 { "" } else { "s" },
                        clock(h.first_ms.unwrap_or(0)),
                        h.held_ms as f64 / 3_600_000.0
                    ),
                )
            })
            .collect()
    }

    /// Why a task of the service could not be placed now, or None when an instance would take it (its
    /// shortfall then is timing: the launch throttle or rate, a retry not yet due).
    fn placement_blocked(&self, sid: ServiceId) -> Option<String> {
        let spec = self.spec;
        let s = &spec.services[sid.0 as usize];
        let st = &self.services[sid.0 as usize];
        let provider = match &s.launch {
            Launch::Strategy(items) => Some(Self::choose_provider(items, &st.keep_by_provider)),
            _ => None,
        };
        let fargate = matches!(s.launch, Launch::Fargate)
            || provider
                .is_some_and(|p| matches!(spec.provider(p).kind, ProviderKind::Fargate { .. }));
        if fargate {
            let spot = provider.is_some_and(|p| p == spec.fargate_spot());
            return if spot && self.faults.spot_shortage {
                Some("FARGATE_SPOT has no capacity (a Spot capacity shortage, §3.3)".into())
            } else if s.zones.iter().all(|z| self.faults.zone_down[z.0 as usize]) {
                Some("every zone it may use is down".into())
            } else {
                None
            };
        }
        let def = self.primary_task_def(sid);
        let td = spec.task_def(def);
        let scope = match provider {
            Some(p) => Scope::Provider(p),
            None => Scope::Providers(ProviderId(0), spec.fargate()),
        };
        let req = Request {
            cpu: td.cpu_units,
            mem: td.memory_mib,
            ports: &self.def_ports[def.0 as usize],
            eni: td.uses_eni(),
            arch: td.arch,
            group: st.group,
            constraints: &s.placement_constraints,
            strategies: &[],
            scope,
        };
        let fits = placement::scope_members(&self.world, scope)
            .any(|i| placement::check(&self.world, self.world.instance(i), &req).is_none());
        if fits {
            return None;
        }
        let f = placement::explain_failure(&self.world, &req);
        let mut why = match (f.closest, f.reason) {
            (Some(i), Some(r)) => format!(
                "no container instance met all of its requirements (the closest matching, {}, {})",
                self.world.instance(i).ec2_id,
                r.closest_phrase()
            ),
            _ => "no container instance is registered for it".to_string(),
        };
        let providers = provider.map_or_else(|| w::providers_of(spec, &Launch::Ec2), |p| vec![p]);
        if let Some(note) = w::never_fits_note(spec, &providers, td.cpu_units, td.memory_mib, td) {
            why.push_str(&format!("; {note}"));
        }
        Some(why)
    }

    /// A REPLICA service that ends below its desired count because placement fails, or with tasks waiting
    /// in PROVISIONING for capacity.
    fn service_unplaced(&self, sid: ServiceId) -> Option<Warning> {
        let spec = self.spec;
        let s = &spec.services[sid.0 as usize];
        let st = &self.services[sid.0 as usize];
        if !st.created || s.scheduling != SchedulingStrategy::Replica {
            return None;
        }
        let waiting: Vec<TaskId> = st
            .tasks
            .iter()
            .copied()
            .filter(|&t| self.world.task(t).awaiting_capacity)
            .collect();
        // A rollout whose new tasks no instance takes, the count held by an older deployment's tasks
        // (§2.4: without the circuit breaker, or with its rollback stalled, it stays IN_PROGRESS).
        let primary = &st.deployments[st.primary];
        let stalled = st.shortfall == 0
            && st.n_keep < st.desired
            && primary.rollout == super::deploy::Rollout::InProgress;
        let blocked = if st.shortfall > 0 || stalled {
            self.placement_blocked(sid)
        } else {
            None
        };
        if waiting.is_empty() && blocked.is_none() {
            return None;
        }
        let mut parts = Vec::new();
        match &blocked {
            Some(why) if stalled => parts.push(format!(
                "its deployment ecs-svc/{} (task definition {}) is still IN_PROGRESS with {} of its {} tasks, an older deployment's tasks holding the rest, and the next cannot be placed: {why}; {}",
                st.primary,
                spec.task_def(primary.task_def).family,
                st.n_keep,
                st.desired,
                if s.deployment.circuit_breaker.is_some() {
                    "its circuit breaker's rollback found no COMPLETED deployment to return to (§2.4)"
                } else {
                    "without a deployment circuit breaker ECS retries it for ever (§2.4)"
                }
            )),
            Some(why) => parts.push(format!(
                "{} below its desired count of {}: {why}",
                st.shortfall, st.desired
            )),
            None => {}
        }
        if !waiting.is_empty() {
            let oldest = waiting
                .iter()
                .map(|&t| self.world.task(t).created_at)
                .min()
                .expect("not empty");
            // Their groups that cannot launch at all now (every zone down), by name, in provider order.
            let mut stuck: Vec<ProviderId> = waiting
                .iter()
                .filter_map(|&t| self.world.task(t).provider)
                .filter(|p| self.cas[p.0 as usize].launch_failure_said)
                .collect();
            stuck.sort_unstable();
            stuck.dedup();
            let why = if stuck.is_empty() {
                String::new()
            } else {
                let names: Vec<&str> = stuck
                    .iter()
                    .map(|&p| spec.provider(p).name.as_str())
                    .collect();
                format!(
                    "; Auto Scaling group {} cannot launch an instance: every zone of it is down",
                    names.join(", ")
                )
            };
            parts.push(format!(
                "{} waiting in PROVISIONING for capacity (the oldest since {}){why}",
                waiting.len(),
                clock(oldest)
            ));
        }
        let unplaced = if stalled {
            st.desired - st.n_keep
        } else {
            st.shortfall
        };
        let n = waiting.len() as u32 + if blocked.is_some() { unplaced } else { 0 };
        // A stalled rollout's tasks are not below the desired count: unplaced_task_seconds has none.
        let counted = if stalled && waiting.is_empty() {
            ""
        } else {
            "summary.json's unplaced_task_seconds counts them; "
        };
        let message = format!(
            "service {} ended the run with {n} task{} unplaced: {} ({counted}`ecsim explain --service {}` shows each attempt)",
            s.name,
            if n == 1 { "" } else { "s" },
            parts.join("; "),
            s.name
        );
        Some(Warning::new(w::UNPLACED_AT_END, Some(&s.name), message))
    }

    /// Standalone tasks (RunTask, batch jobs) still waiting in PROVISIONING at the end.
    fn standalone_waiting(&self) -> Option<Warning> {
        let mut n = 0u64;
        let mut oldest = SimTime::MAX;
        for q in &self.waiting {
            for &(t, serial) in q {
                let task = self.world.task(t);
                if task.serial == serial
                    && task.awaiting_capacity
                    && !matches!(task.owner, Owner::Service(_))
                {
                    n += 1;
                    oldest = oldest.min(task.created_at);
                }
            }
        }
        (n > 0).then(|| {
            Warning::new(
                w::UNPLACED_AT_END,
                None,
                format!(
                    "{n} standalone task{} (RunTask or batch jobs) ended the run waiting in PROVISIONING for capacity (the oldest since {})",
                    if n == 1 { "" } else { "s" },
                    clock(oldest)
                ),
            )
        })
    }

    /// Batch jobs dropped: larger than any size they may use, or beyond the waiting queue's bound.
    fn batch_dropped(&self) -> Vec<Warning> {
        let spec = self.spec;
        let mut out = Vec::new();
        let mut unfit_total = 0;
        for (b, rt) in spec.batch_jobs.iter().zip(&self.batch.sources) {
            unfit_total += rt.unfit;
            if rt.unfit == 0 {
                continue;
            }
            let what = match &b.launch {
                Launch::Fargate => "larger than any Fargate size (§5.1: at most 16 vCPU, 120 GiB)",
                Launch::Ec2 => "larger than any instance type in the cluster",
                Launch::Strategy(_) => {
                    "larger than the Fargate sizes or instance types their capacity providers offer"
                }
            };
            out.push(Warning::new(
                w::BATCH_JOBS_DROPPED,
                None,
                format!(
                    "batch {}: {} job{} could never run, {what}, and {} dropped (summary.json batch.dropped; events.csv names each)",
                    b.name,
                    rt.unfit,
                    if rt.unfit == 1 { "" } else { "s" },
                    if rt.unfit == 1 { "was" } else { "were" }
                ),
            ));
        }
        let overflow = self.batch.jobs_dropped.saturating_sub(unfit_total);
        if overflow > 0 {
            out.push(Warning::new(
                w::BATCH_JOBS_DROPPED,
                None,
                format!(
                    "{overflow} batch job{} dropped because {MAX_WAITING_JOBS} jobs were already waiting for capacity",
                    if overflow == 1 { " was" } else { "s were" }
                ),
            ));
        }
        out
    }
}
