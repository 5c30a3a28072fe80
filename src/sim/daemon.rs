//! The DAEMON service scheduler (reference §2.1, §2.3): one task on every ACTIVE instance that satisfies
//! the service's constraints, started first on a new instance and stopped last on a draining one. A task
//! that stops is replaced on its instance once it is STOPPED (maximumPercent must be 100: one task of the
//! service per instance); a deployment or a task that failed its health checks replaces tasks stop-first,
//! as many at a time as keep ⌈N × minimumHealthyPercent / 100⌉ healthy, N the tasks the service runs.
//!
//! Must not: choose between instances (a daemon's instance is given; placement only checks it fits).

use super::deploy::{Rollout, min_healthy_tasks};
use super::*;
use crate::ecs::placement::{self, Failure, Request, Scope};
use crate::ecs::world::Instance;

impl<'a> Sim<'a> {
    /// Place on every ACTIVE instance that lacks the service's task, then replace old-deployment and
    /// unhealthy tasks within the minimum, then complete the rollout when it is done.
    pub(super) fn reconcile_daemon(&mut self, sid: ServiceId) {
        let now = self.queue.now();
        let st = &self.services[sid.0 as usize];
        let failed = st.deployments[st.primary].rollout == Rollout::Failed;
        let throttled_until = st.throttled_until;
        if now < throttled_until {
            // §2.2's launch throttle holds a daemon's launches as it does a replica's.
            self.request_reconcile(sid, throttled_until - now);
        } else if !failed {
            let ids: Vec<InstanceId> = (0..self.world.instances.len() as u32)
                .map(InstanceId)
                .filter(|&i| self.world.instance(i).status == InstanceStatus::Active)
                .collect();
            for i in ids {
                self.place_daemon_on(sid, i);
            }
        }
        if !failed {
            self.replace_daemon_tasks(sid);
        }
        self.complete_daemon_rollout(sid);
        self.check_steady(sid);
    }

    /// A task of daemon service `sid` reached STOPPED on instance `inst`: with maximumPercent 100 its
    /// replacement starts now, on the same instance (if it is still ACTIVE: a draining one gets none), and
    /// the next task to replace may stop.
    pub(super) fn daemon_task_stopped(&mut self, sid: ServiceId, inst: InstanceId) {
        let now = self.queue.now();
        let st = &self.services[sid.0 as usize];
        if !st.created || st.deployments[st.primary].rollout == Rollout::Failed {
            return;
        }
        if now < st.throttled_until {
            let wait = st.throttled_until - now;
            self.request_reconcile(sid, wait);
            return;
        }
        self.place_daemon_on(sid, inst);
        self.replace_daemon_tasks(sid);
        self.complete_daemon_rollout(sid);
        self.check_steady(sid);
    }

    /// N, the service's size for its deployment bounds and circuit breaker: a DAEMON service's desired
    /// count is the number of instances it should run on — the ACTIVE instances whose constraints admit
    /// it, with or without its task now (one whose task is being replaced, or failed to start, stays in
    /// N). A scan of the instances: asked only while tasks are to be replaced.
    pub(super) fn daemon_hosts(&self, sid: ServiceId) -> u32 {
        let group = self.services[sid.0 as usize].group;
        let mut n = 0;
        for inst in &self.world.instances {
            if inst.status != InstanceStatus::Active {
                continue;
            }
            if inst.group_count(group) > 0 {
                n += 1;
                continue;
            }
            match self.daemon_check(sid, inst) {
                Some(r) if r >= placement::Rejection::Arch => {} // not one of its hosts
                _ => n += 1,
            }
        }
        n
    }

    /// Does the primary deployment's task fit `inst` (None), or why not?
    fn daemon_check(&self, sid: ServiceId, inst: &Instance) -> Option<placement::Rejection> {
        let req = self.primary_request(sid, Scope::Provider(inst.provider));
        placement::check(&self.world, inst, &req)
    }

    /// A placement request for one new task of service `sid`'s primary task definition within
    /// `scope`: its resources, ports, ENI, architecture and constraints, no strategy (a yes-or-no
    /// question of one instance at a time, §1.1).
    pub(super) fn primary_request(&self, sid: ServiceId, scope: Scope) -> Request<'_> {
        let spec = self.spec;
        let def = self.primary_task_def(sid);
        let td = spec.task_def(def);
        Request {
            cpu: td.cpu_units,
            mem: td.memory_mib,
            ports: &self.def_ports[def.0 as usize],
            eni: td.uses_eni(),
            arch: td.arch,
            group: self.services[sid.0 as usize].group,
            constraints: &spec.services[sid.0 as usize].placement_constraints,
            strategies: &[],
            scope,
        }
    }

    /// Stop old-deployment and unhealthy tasks: those not counted healthy freely, healthy ones while
    /// ⌈N × min% ⌉ stay healthy (§2.3; the default minimum 0 % stops them all at once, "bringing down"
    /// every daemon task as users report; 50 % replaces half at a time).
    fn replace_daemon_tasks(&mut self, sid: ServiceId) {
        let st = &self.services[sid.0 as usize];
        if st.n_keep as usize == st.tasks.len() {
            return;
        }
        self.debug_check_task_counts(sid);
        let primary = st.primary as u32;
        let percent = self.spec.services[sid.0 as usize]
            .deployment
            .minimum_healthy_percent;
        let min_healthy = min_healthy_tasks(self.daemon_hosts(sid), percent);
        let mut healthy = st.n_healthy;
        let mut others: Vec<TaskId> = st
            .tasks
            .iter()
            .copied()
            .filter(|&t| !self.world.task(t).is_kept(primary))
            .collect();
        others.sort_by_key(|&t| {
            let x = self.world.task(t);
            (x.counts_healthy(), x.serial)
        });
        let mut stopped = Vec::new();
        let n_others = others.len();
        // With no room to start a replacement first (a daemon's maximum is 100 %) "the scheduler stops
        // the unhealthy tasks one-by-one" (API `DeploymentConfiguration.minimumHealthyPercent`): one
        // while none of the service's tasks is stopping.
        let mut may_stop_unhealthy = st.stopping.is_empty();
        for t in others {
            let x = self.world.task(t);
            if x.counts_healthy() {
                if healthy <= min_healthy {
                    break; // sorted: the rest are healthy too
                }
                healthy -= 1;
            } else if x.unhealthy {
                if !may_stop_unhealthy {
                    continue;
                }
                may_stop_unhealthy = false;
            }
            // ECS's stoppedReason for a task its container health check failed (§7.2).
            let reason = if x.unhealthy {
                "Task failed container health checks".into()
            } else {
                super::deploy::scaling_activity(x.deployment)
            };
            stopped.push(x.serial);
            self.stop_task(t, StopCode::ServiceSchedulerInitiated, reason);
        }
        if !stopped.is_empty() {
            self.emit_task_list(sid, false, &stopped);
            return;
        }
        // Nothing may stop and nothing is on its way to healthy, stopping or to a host without its task
        // (a throttled start): a minimum of 100 % with the maximum of 100 % cannot move (§2.3's
        // deadlock, as ECS reports it).
        let st = &self.services[sid.0 as usize];
        if n_others > 0
            && st.stopping.is_empty()
            && st.n_healthy as usize == st.tasks.len()
            && self.daemon_hosts(sid) as usize == st.tasks.len()
        {
            self.emit(Some(sid), What::DeploymentStuck, true);
        }
    }

    /// The rollout is complete when every task is of the primary deployment and healthy, and no task
    /// of an older one is still stopping (its instance still waits for its replacement).
    fn complete_daemon_rollout(&mut self, sid: ServiceId) {
        let st = &self.services[sid.0 as usize];
        let primary = st.primary as u32;
        let n = st.tasks.len();
        if st.deployments[st.primary].rollout != Rollout::InProgress
            || st.n_keep as usize != n
            || st.n_healthy as usize != n
            || st
                .stopping
                .iter()
                .any(|&t| self.world.task(t).deployment != primary)
        {
            return;
        }
        self.mark_rollout_completed(sid);
    }

    /// Start the service's task on `inst` if it is ACTIVE, has none yet and the task fits there; a
    /// constraint that excludes the instance means it is not one of the daemon's hosts.
    pub(super) fn place_daemon_on(&mut self, sid: ServiceId, inst: InstanceId) {
        let spec = self.spec;
        let group = self.services[sid.0 as usize].group;
        let instance = self.world.instance(inst);
        if instance.status != InstanceStatus::Active || instance.group_count(group) > 0 {
            return;
        }
        let def = self.primary_task_def(sid);
        let td = spec.task_def(def);
        match self.daemon_check(sid, instance) {
            None => {
                let mut task = Task::new(
                    def,
                    group,
                    Owner::Service(sid),
                    None,
                    LaunchKind::Ec2,
                    td.cpu_units,
                    td.memory_mib,
                    self.queue.now(),
                );
                task.deployment = self.services[sid.0 as usize].primary as u32;
                // A broken revision or a `start_failure` fault fails a daemon's task as any other.
                task.start_fails = self.decide_start_failure(Owner::Service(sid), def);
                let id = self.create_task(task);
                self.allocate(id, inst);
                self.join_service(sid, id);
                self.count_state(id, None, Some(TaskState::Provisioning));
                self.run_from(id, TaskState::Provisioning);
                let serial = self.world.task(id).serial;
                self.emit_task_list(sid, true, &[serial]);
            }
            Some(r) if r >= placement::Rejection::Arch => {} // constraint excludes it: not a daemon host.
            Some(r) => {
                self.stats.placement_failures += 1;
                let f = Failure {
                    closest: Some(inst),
                    reason: Some(r),
                };
                self.report_unplaceable(sid, f);
            }
        }
    }
}
