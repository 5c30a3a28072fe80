//! The task lifecycle (§7): creating tasks, stepping them through their states, stopping and finalizing
//! them, and the per-service counts those transitions keep in step.
//!
//! Must not: choose where a task goes (scheduler) or decide which tasks to stop (scale-in, deploy).

use std::borrow::Cow;

use crate::ecs::placement::{self, Request, Scope};
use crate::ecs::world::{LaunchKind, Owner, StopCode, Task, TaskId, TaskState};
use crate::metrics::What;
use crate::spec::{Constraint, ProviderKind, ServiceId, StateTimings};
use crate::traffic::runtime::TaskTraffic;

use super::{Event, STAY, Sim, TaskBrief, TaskRef, next_state, throttle_delay_ms};

impl<'a> Sim<'a> {
    /// A new task in a free slot, with fresh traffic state.
    pub(super) fn create_task(&mut self, task: Task) -> TaskId {
        let id = self.world.new_task(task);
        let slot = id.0 as usize;
        if self.task_traffic.len() <= slot {
            self.task_traffic
                .resize_with(slot + 1, TaskTraffic::default);
        }
        self.task_traffic[slot] = TaskTraffic::default();
        if self.explain.is_some() {
            self.explain_created(id);
        }
        id
    }

    /// Adds (`sign` 1) or removes (−1) task `t`'s part in its service's `n_keep` / `n_healthy` /
    /// `zone_n`, when it joins or leaves the service's `tasks`; flag changes go through
    /// [`Self::set_task_flags`], a placement after joining through `allocate`.
    pub(super) fn count_task(&mut self, t: TaskId, sign: i32) {
        let x = self.world.task(t);
        let Owner::Service(sid) = x.owner else {
            return;
        };
        let st = &mut self.services[sid.0 as usize];
        let keep = x.is_kept(st.primary as u32);
        let healthy = x.counts_healthy();
        let add = |n: &mut u32, on: bool| {
            if on {
                *n = n
                    .checked_add_signed(sign)
                    .expect("task counts stay in range");
            }
        };
        add(&mut st.n_keep, keep);
        add(&mut st.n_healthy, healthy);
        if let Some(p) = x.provider {
            add(&mut st.keep_by_provider[p.0 as usize], keep);
        }
        if let Some(z) = x.zone
            && !x.replace
        {
            add(&mut st.zone_n[z.0 as usize], true);
            self.zone_dirty[sid.0 as usize] = true;
        }
    }

    /// Changes task `t`'s health or replacement flags, keeping its service's counts (a task whose stop
    /// was requested has already left `tasks` and its counts).
    pub(super) fn set_task_flags(&mut self, t: TaskId, change: impl FnOnce(&mut Task)) {
        let counted = !self.world.task(t).stop_requested;
        if counted {
            self.count_task(t, -1);
        }
        change(self.world.task_mut(t));
        if counted {
            self.count_task(t, 1);
        }
    }

    /// A new task joins its service's `tasks`, with its brief and in its counts.
    pub(super) fn join_service(&mut self, sid: ServiceId, t: TaskId) {
        let brief = TaskBrief::of(self.world.task(t));
        let st = &mut self.services[sid.0 as usize];
        let pos = st.tasks.len() as u32;
        st.tasks.push(t);
        st.briefs.push(brief);
        self.world.task_mut(t).service_pos = pos;
        self.count_task(t, 1);
    }

    /// Task `t`'s index in service `sid`'s `tasks`, if it is there: read from the task's
    /// `service_pos` (kept by `join_service` and `leave_service`), not found by a scan.
    pub(super) fn service_pos(&self, sid: ServiceId, t: TaskId) -> Option<usize> {
        let pos = self.world.task(t).service_pos as usize;
        let found = (self.services[sid.0 as usize].tasks.get(pos) == Some(&t)).then_some(pos);
        debug_assert_eq!(
            found,
            self.services[sid.0 as usize]
                .tasks
                .iter()
                .position(|&y| y == t),
            "service_pos"
        );
        found
    }

    /// Task `t` leaves its service's `tasks` (and its brief), if it is there: swap-removed, as the
    /// scale-in pool's order assumes. Returns whether it was there.
    fn leave_service(&mut self, sid: ServiceId, t: TaskId) -> bool {
        let Some(pos) = self.service_pos(sid, t) else {
            return false;
        };
        let st = &mut self.services[sid.0 as usize];
        st.tasks.swap_remove(pos);
        st.briefs.swap_remove(pos);
        if let Some(&moved) = st.tasks.get(pos) {
            self.world.task_mut(moved).service_pos = pos as u32;
        }
        self.world.task_mut(t).service_pos = u32::MAX;
        true
    }

    /// After a change to what [`TaskBrief`] holds: update the task's brief if it is in its service's list.
    pub(super) fn refresh_brief(&mut self, t: TaskId) {
        let x = self.world.task(t);
        if let Owner::Service(sid) = x.owner
            && let Some(pos) = self.service_pos(sid, t)
        {
            self.services[sid.0 as usize].briefs[pos] = TaskBrief::of(self.world.task(t));
        }
    }

    /// Debug builds: the service's briefs match its tasks, its kept and healthy counts equal a recount
    /// of them, and its stopping list holds only its tasks on their way to STOPPED.
    pub(super) fn debug_check_task_counts(&self, sid: ServiceId) {
        if cfg!(debug_assertions) {
            let st = &self.services[sid.0 as usize];
            assert_eq!(st.briefs.len(), st.tasks.len(), "one brief per task");
            for (&t, b) in st.tasks.iter().zip(&st.briefs) {
                assert_eq!(*b, TaskBrief::of(self.world.task(t)), "task brief");
            }
            let primary = st.primary as u32;
            let recount = st.tasks.iter().fold((0, 0), |(k, h), &t| {
                let x = self.world.task(t);
                (
                    k + u32::from(x.is_kept(primary)),
                    h + u32::from(x.counts_healthy()),
                )
            });
            assert_eq!((st.n_keep, st.n_healthy), recount, "service task counts");
            let mut by_provider = vec![0u32; st.keep_by_provider.len()];
            for &t in &st.tasks {
                let x = self.world.task(t);
                if let Some(p) = x.provider
                    && x.is_kept(primary)
                {
                    by_provider[p.0 as usize] += 1;
                }
            }
            assert_eq!(by_provider, st.keep_by_provider, "kept tasks per provider");
            let mut zones = vec![0u32; st.stopping_zones.len()];
            for &t in &st.stopping {
                if let Some(z) = self.world.task(t).zone {
                    zones[z.0 as usize] += 1;
                }
            }
            assert_eq!(zones, st.stopping_zones, "stopping tasks per zone");
            let held: Vec<_> = st
                .stopping
                .iter()
                .map(|&t| {
                    let x = self.world.task(t);
                    (x.instance, x.cpu, x.mem)
                })
                .collect();
            assert_eq!(held, st.stopping_held, "stopping tasks' holdings");
            for (i, &t) in st.tasks.iter().enumerate() {
                assert_eq!(self.world.task(t).service_pos as usize, i, "service_pos");
            }
            for &t in &st.stopping {
                let x = self.world.task(t);
                assert!(
                    x.stop_requested
                        && x.state != TaskState::Stopped
                        && x.owner == Owner::Service(sid),
                    "stopping list"
                );
            }
        }
    }

    pub(super) fn timings(&self, t: TaskId) -> &'a StateTimings {
        match self.world.task(t).launch {
            LaunchKind::Ec2 => &self.spec.timings.ec2,
            _ => &self.spec.timings.fargate,
        }
    }

    /// Enter `state` and keep going through states whose duration is zero, so they cost no event.
    /// At the end of PENDING a task marked to fail stops with TaskFailedToStart (§2.2, §7.2).
    pub(super) fn fails_now(&mut self, t: TaskId) -> bool {
        let x = self.world.task(t);
        if x.state == TaskState::Pending && x.start_fails && !x.stop_requested {
            self.stop_task(
                t,
                StopCode::TaskFailedToStart,
                "CannotStartContainerError: the essential container failed to start".into(),
            );
            return true;
        }
        false
    }

    pub(super) fn run_from(&mut self, t: TaskId, mut state: TaskState) {
        loop {
            let d = self.enter(t, state);
            if d == STAY {
                return;
            }
            if d > 0 {
                let generation = self.world.task(t).generation;
                self.queue.push_after(
                    d,
                    Event::TaskStep(TaskRef {
                        task: t,
                        generation,
                    }),
                );
                return;
            }
            if self.fails_now(t) {
                return;
            }
            state = next_state(state);
        }
    }

    /// Set the state, record timestamps, and return how long the state lasts (STAY: until told).
    pub(super) fn enter(&mut self, t: TaskId, state: TaskState) -> u64 {
        let now = self.queue.now();
        let old = self.world.task(t).state;
        // RUNNING and leaving it count on the instance (below): request its lines first.
        if matches!(state, TaskState::Running | TaskState::Deactivating)
            && let Some(i) = self.world.task(t).instance
        {
            crate::engine::prefetch(&self.world.instance(i).running_count);
        }
        if old != state {
            self.count_state(t, Some(old), Some(state));
            if self.explain.is_some() {
                self.explain_state(t, old, state);
            }
        }
        {
            let task = self.world.task_mut(t);
            task.state = state;
            task.generation = task.generation.wrapping_add(1);
        }
        if (old == TaskState::Running) != (state == TaskState::Running) {
            self.refresh_brief(t);
            if self.has_queues {
                self.queue_consumer_change(t, state == TaskState::Running);
            }
        }
        // Leaving RUNNING on an instance, to DEACTIVATING or (its host or zone lost, `stop_task_now`)
        // straight to STOPPED: the instance's RUNNING count and CPU-credit sums drop now.
        if old == TaskState::Running
            && state != TaskState::Running
            && let Some(i) = self.world.task(t).instance
        {
            self.world.instances[i.0 as usize].running_count -= 1;
            if self.burst.is_some() {
                self.burst_running(t, i, false);
            }
        }
        let tm = self.timings(t);
        let spec = self.spec;
        match state {
            TaskState::Provisioning => {
                if self.world.task(t).awaiting_capacity {
                    return STAY;
                }
                let mut d = tm.provisioning.sample(&mut self.rng_timing);
                let task = self.world.task(t);
                if task.launch == LaunchKind::Ec2 && spec.task_def(task.def).uses_eni() {
                    d += spec.timings.ec2_eni_attach.sample(&mut self.rng_timing);
                }
                d
            }
            TaskState::Pending => {
                if self.world.task(t).launch != LaunchKind::Ec2 {
                    self.start_fargate_billing(t);
                }
                let pull = self.pull_ms(t, &tm.pull);
                let start = tm.start.sample(&mut self.rng_timing);
                let task = self.world.task_mut(t);
                task.pull_started_at = Some(now);
                task.pull_stopped_at = Some(now + pull);
                pull + start
            }
            TaskState::Activating => tm.activating.sample(&mut self.rng_timing),
            TaskState::Running => {
                let task = self.world.task_mut(t);
                task.started_at = Some(now);
                let (created, owner, inst) = (task.created_at, task.owner, task.instance);
                let service = match owner {
                    Owner::Service(s) => Some(s.0),
                    _ => None,
                };
                self.stats
                    .start_latencies
                    .push(super::summary::pack_start(now - created, service));
                if let Some(i) = inst {
                    self.world.instances[i.0 as usize].running_count += 1;
                    if self.burst.is_some() {
                        self.burst_running(t, i, true);
                    }
                }
                match owner {
                    Owner::Service(sid) => {
                        self.services[sid.0 as usize].failures_in_row = 0;
                        if self.protection.any {
                            self.protect_on_running(t, sid);
                        }
                        self.check_steady(sid);
                        self.schedule_health(t, sid);
                        self.arm_task_faults(t);
                        if spec.services[sid.0 as usize].load.is_some() {
                            // A new target is healthy after its first passed check (§2.5: 1 check).
                            let interval = spec.traffic.health_check_interval_ms.max(1);
                            let d = 1 + self.rng_health.below(interval);
                            let generation = self.world.task(t).generation;
                            self.queue.push_after(
                                d,
                                Event::TargetHealthy(TaskRef {
                                    task: t,
                                    generation,
                                }),
                            );
                        }
                    }
                    Owner::Batch(_) => {
                        let d = self.world.task(t).exit_after_ms.unwrap_or(0);
                        let generation = self.world.task(t).generation;
                        self.queue.push_after(
                            d,
                            Event::EssentialExit(TaskRef {
                                task: t,
                                generation,
                            }),
                        );
                    }
                    Owner::Standalone(call) => {
                        if let Some(d) = &self.run_spec(call as usize).run_duration {
                            let d = d.sample(&mut self.rng_timing);
                            let generation = self.world.task(t).generation;
                            self.queue.push_after(
                                d,
                                Event::EssentialExit(TaskRef {
                                    task: t,
                                    generation,
                                }),
                            );
                        }
                    }
                }
                STAY
            }
            TaskState::Deactivating => match self.task_traffic[t.0 as usize].deactivate_ms.take() {
                Some(d) => d,
                None => tm.deactivating.sample(&mut self.rng_timing),
            },
            TaskState::Stopping => {
                let task = self.world.task(t);
                let cap = spec.task_def(task.def).stop_timeout_ms;
                let ran = task.pull_started_at.is_some();
                if ran {
                    tm.stop.sample(&mut self.rng_timing).min(cap)
                } else {
                    0
                }
            }
            TaskState::Deprovisioning => tm.deprovisioning.sample(&mut self.rng_timing),
            TaskState::Stopped => {
                self.finalize(t);
                STAY
            }
        }
    }

    /// Per-service RUNNING/pending counters follow every state change.
    pub(super) fn count_state(
        &mut self,
        t: TaskId,
        old: Option<TaskState>,
        new: Option<TaskState>,
    ) {
        let Owner::Service(sid) = self.world.task(t).owner else {
            return;
        };
        let st = &mut self.services[sid.0 as usize];
        let is_pending = |s: TaskState| s <= TaskState::Activating;
        if let Some(o) = old {
            if o == TaskState::Running {
                st.running -= 1;
            } else if is_pending(o) {
                st.pending -= 1;
            }
        }
        if let Some(n) = new {
            if n == TaskState::Running {
                st.running += 1;
                // A scale-out activity completes when its tasks run; its cooldown starts then (§4.2).
                if let Some(sc) = &mut self.scalers[sid.0 as usize] {
                    sc.on_running(self.queue.now(), st.running);
                }
            } else if is_pending(n) {
                st.pending += 1;
            }
        }
    }

    /// Ask a task to stop (desired status STOPPED) with a stop code; the service, if any, replaces it.
    pub fn stop_task(&mut self, t: TaskId, code: StopCode, reason: Cow<'static, str>) {
        self.stop_task_with(t, code, reason, false);
    }

    /// Stop a task at once, skipping the orderly states (its host died, its zone went down).
    pub fn stop_task_now(&mut self, t: TaskId, code: StopCode, reason: Cow<'static, str>) {
        let task = self.world.task(t);
        if !task.stop_requested {
            self.stop_task_with(t, code, reason, true);
        } else if task.state != TaskState::Stopped {
            self.run_from(t, TaskState::Stopped);
        }
    }

    pub(super) fn stop_task_with(
        &mut self,
        t: TaskId,
        code: StopCode,
        reason: Cow<'static, str>,
        immediate: bool,
    ) {
        let now = self.queue.now();
        let task = self.world.task(t);
        if task.stop_requested {
            return;
        }
        let (state, owner, awaiting, provider, deployment, awaiting_launch, zone) = (
            task.state,
            task.owner,
            task.awaiting_capacity,
            task.provider,
            task.deployment,
            task.awaiting_launch,
            task.zone,
        );
        {
            let task = self.world.task_mut(t);
            task.stop_requested = true;
            task.stop_code = Some(code);
            task.stop_reason = reason;
            task.stopping_at = Some(now);
        }
        if self.explain.is_some() {
            self.explain_stop(t);
        }
        if self.protection.any {
            self.clear_protection(t);
        }
        self.leave_load_balancer(t, immediate);
        if let Owner::Service(sid) = owner {
            if self.leave_service(sid, t) {
                let x = self.world.task(t);
                let held = (x.instance, x.cpu, x.mem);
                let st = &mut self.services[sid.0 as usize];
                st.stopping.push(t);
                st.stopping_held.push(held);
                if let Some(z) = zone {
                    st.stopping_zones[z.0 as usize] += 1;
                }
                self.count_task(t, -1);
            }
            let st = &mut self.services[sid.0 as usize];
            if let Some(p) = provider {
                st.provider_counts[p.0 as usize] -= 1;
            }
            st.steady = false;
            // §2.2: a task that failed to reach RUNNING feeds the launch throttle; one the scheduler
            // (scale-in, a deployment) or a fault stopped before RUNNING did not fail to start.
            if state < TaskState::Running && code == StopCode::TaskFailedToStart {
                st.failures_in_row += 1;
                let k = st.failures_in_row;
                let p = &self.spec.scheduler;
                let delay = throttle_delay_ms(
                    k,
                    p.throttle_initial_delay_ms,
                    p.throttle_multiplier,
                    p.throttle_max_delay_ms,
                );
                st.throttled_until = now + delay;
                if delay > 0 {
                    self.used(crate::metrics::unconfirmed::Choice::ThrottleBackoff);
                }
                self.emit(Some(sid), What::UnableToStart, true);
                // §2.4 stage 1: a task of the new deployment that fails to reach RUNNING.
                self.count_deployment_failure(sid, deployment);
            }
            self.update_shortfall(sid);
            self.request_reconcile(sid, 0);
        }
        if awaiting {
            self.world.task_mut(t).awaiting_capacity = false;
            self.waiting_total -= 1;
            self.stats.unplaced_now -= 1;
            self.run_from(t, TaskState::Stopped);
            return;
        }
        if awaiting_launch {
            // Never launched (§8.1): it leaves the line and stops at once.
            self.drop_from_launch_queue(t);
            self.run_from(t, TaskState::Stopped);
            return;
        }
        let next = match state {
            _ if immediate => TaskState::Stopped,
            TaskState::Running => TaskState::Deactivating,
            TaskState::Provisioning => TaskState::Deprovisioning,
            TaskState::Pending | TaskState::Activating => TaskState::Stopping,
            _ => return, // already on its way down
        };
        self.run_from(t, next);
    }

    pub(super) fn finalize(&mut self, t: TaskId) {
        let now = self.queue.now();
        let spec = self.spec;
        // The release below reads the task's instance: request its lines now, to arrive while the
        // bookkeeping before it runs.
        if let Some(i) = self.world.task(t).instance {
            crate::engine::prefetch(self.world.instance(i));
        }
        if matches!(self.world.task(t).owner, Owner::Batch(_)) {
            self.batch.last_job_end_ms = self.batch.last_job_end_ms.max(now);
        }
        // The last of a service's stopping tasks STOPPED: its rollout may be complete and it steady now
        // (§2.6), asked once the task is released.
        let mut last_stop = None;
        self.settle_task(t, now);
        self.count_state(t, Some(TaskState::Stopped), None);
        if let Owner::Service(sid) = self.world.task(t).owner {
            let zone = self.world.task(t).zone;
            let st = &mut self.services[sid.0 as usize];
            if let Some(pos) = st.stopping.iter().position(|&x| x == t) {
                st.stopping.swap_remove(pos);
                st.stopping_held.swap_remove(pos);
                if let Some(z) = zone {
                    st.stopping_zones[z.0 as usize] -= 1;
                }
                if st.stopping.is_empty() {
                    last_stop = Some(sid);
                }
            }
            // It held a place under the maximum (§2.3): a start it held back may go now.
            if std::mem::take(&mut st.await_stops) {
                self.request_reconcile(sid, 0);
            }
        }
        let task = self.world.task_mut(t);
        task.stopped_at = Some(now);
        if task.stop_code.is_none() {
            task.stop_code = Some(StopCode::EssentialContainerExited);
        }
        let (inst, zone, group, launch, ever_ran, owner) = (
            task.instance,
            task.zone,
            task.group,
            task.launch,
            task.started_at.is_some(),
            task.owner,
        );
        if !ever_ran {
            self.stats.failed_to_start += 1;
        }
        self.stats.stopped += 1;
        if let Some(i) = inst {
            let def = self.world.task(t).def;
            let ports = std::mem::take(&mut self.def_ports[def.0 as usize]);
            self.world.release(t, &ports, spec.task_def(def).uses_eni());
            self.def_ports[def.0 as usize] = ports;
            let task = self.world.task(t);
            self.cpu_reserved -= task.cpu as u64;
            self.mem_reserved -= task.mem as u64;
            let p = self.world.instance(i).provider;
            self.write_task(t);
            self.world.free_task(t);
            if let Owner::Service(sid) = owner
                && spec.services[sid.0 as usize].scheduling
                    == crate::spec::SchedulingStrategy::Daemon
            {
                self.daemon_task_stopped(sid, i);
            }
            self.stop_daemons_if_last(i);
            self.maybe_terminate(i);
            self.capacity_changed(p);
        } else {
            if launch != LaunchKind::Ec2
                && let Some(z) = zone
            {
                self.world.fargate_zone_count(group, z, false);
            }
            self.write_task(t);
            self.world.free_task(t);
        }
        if let Some(sid) = last_stop {
            if self.deployment_in_progress(sid) {
                self.request_reconcile(sid, 0); // it may complete the rollout, then be steady
            } else {
                self.check_steady(sid);
            }
        }
    }

    pub(super) fn last_failure_reason(&self, t: TaskId) -> &'static str {
        let task = self.world.task(t);
        let Some(p) = task.provider else {
            return "RESOURCE:MEMORY";
        };
        let spec = self.spec;
        let td = spec.task_def(task.def);
        // The task's own constraints (§1.4): an instance with room that a constraint rules out gives
        // the constraint's reason, not a resource one.
        let constraints = self.owner_constraints(task.owner);
        let req = Request {
            cpu: task.cpu,
            mem: task.mem,
            ports: &self.def_ports[task.def.0 as usize],
            eni: td.uses_eni(),
            arch: td.arch,
            group: task.group,
            constraints,
            strategies: &[],
            scope: Scope::Provider(p),
        };
        if let Some(r) = placement::explain_failure(&self.world, &req).reason {
            return r.reason_code();
        }
        // No instance to blame (the group is empty): what an instance of the group's type lacks, as
        // the DG words it ("greater than the ... instance type ... of the Auto Scaling group", §7.3).
        match &spec.provider(p).kind {
            ProviderKind::Asg(asg) if task.mem > asg.registered_memory_mib() => "RESOURCE:MEMORY",
            ProviderKind::Asg(asg) if task.cpu > asg.registered_cpu_units() => "RESOURCE:CPU",
            ProviderKind::Asg(_) if !self.fits_a_new_instance(t, p) => {
                if constraints
                    .iter()
                    .any(|c| matches!(c, Constraint::MemberOf { .. }))
                {
                    "MemberOf placement constraint unsatisfied"
                } else {
                    "ATTRIBUTE"
                }
            }
            _ => "RESOURCE:CPU",
        }
    }

    /// The placement constraints of a task of `owner` (its service's, RunTask call's or batch
    /// source's).
    pub(super) fn owner_constraints(&self, owner: Owner) -> &'a [Constraint] {
        let spec = self.spec;
        match owner {
            Owner::Service(sid) => &spec.services[sid.0 as usize].placement_constraints,
            Owner::Standalone(c) => &self.run_spec(c as usize).placement_constraints,
            Owner::Batch(b) => &spec.batch_jobs[b as usize].placement_constraints,
        }
    }
}
