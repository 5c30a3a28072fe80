//! Fault injection (reference §2.2, §3.3, §6.4, §6.5): instance failures, task crashes, tasks that fail to
//! start, EC2 Spot and Fargate Spot interruptions, Spot capacity shortages and AZ outages. Each fault draws
//! from its own random stream, so adding one does not move the numbers of another; times to failure are
//! sampled directly (no periodic checks).

use super::*;
use crate::ecs::placement;
use crate::spec::FaultSpec;

/// Fault injection's state: one random stream per fault (never shared between faults), the start-failure
/// stream, and the conditions faults leave standing.
pub(super) struct FaultState {
    pub(super) rngs: Vec<RngStream>,
    pub(super) rng_start_failures: RngStream,
    pub(super) spot_shortage: bool,
    pub(super) zone_down: Vec<bool>,
    /// Per zone, how many times it has gone down: a launch into it carries the count it started
    /// under, and one that completes under another was lost with the zone at its outage.
    pub(super) zone_outages: Vec<u32>,
    /// A host is being lost (failure, zone outage, Spot reclaim): every task on it stops at once with
    /// the host's stop code, so its daemon tasks are not stopped "last" as in a drain.
    pub(super) host_lost: bool,
}

impl FaultState {
    pub(super) fn new(spec: &Spec) -> Self {
        FaultState {
            rngs: (0..spec.faults.len())
                .map(|i| RngStream::new(spec.seed, &format!("fault:{i}")))
                .collect(),
            rng_start_failures: RngStream::new(spec.seed, "start-failures"),
            spot_shortage: false,
            zone_down: vec![false; spec.zones.len()],
            zone_outages: vec![0; spec.zones.len()],
            host_lost: false,
        }
    }
}

impl<'a> Sim<'a> {
    /// Schedule what the faults know up front: trace times and operator drains (`windows` false), or
    /// the outage and shortage windows (`windows` true). The windows are scheduled before the run's
    /// Start event, so a window from 0 s holds when the services first launch: a Spot shortage "at 0s"
    /// leaves the Spot share unplaced from the start (§3.1, §3.3) and a zone down "at 0s" gets no task.
    pub(super) fn schedule_faults(&mut self, windows: bool) {
        for (i, f) in self.spec.faults.iter().enumerate() {
            let i = i as u16;
            let window = matches!(
                f,
                FaultSpec::SpotCapacityShortage { .. } | FaultSpec::AzOutage { .. }
            );
            if window != windows {
                continue;
            }
            match f {
                FaultSpec::InstanceFailure { times_ms, .. }
                | FaultSpec::Ec2Spot { times_ms, .. }
                | FaultSpec::FargateSpot { times_ms, .. } => {
                    for (k, &t) in times_ms.iter().enumerate() {
                        self.queue.push(
                            t,
                            Event::FaultAt {
                                fault: i,
                                k: k as u32,
                            },
                        );
                    }
                }
                FaultSpec::Drain { at_ms, .. } => {
                    self.queue.push(*at_ms, Event::FaultAt { fault: i, k: 0 })
                }
                FaultSpec::SpotCapacityShortage { at_ms, duration_ms }
                | FaultSpec::AzOutage {
                    at_ms, duration_ms, ..
                } => {
                    self.queue.push(*at_ms, Event::FaultAt { fault: i, k: 0 });
                    self.queue
                        .push(at_ms + duration_ms, Event::FaultAt { fault: i, k: 1 });
                }
                _ => {}
            }
        }
    }

    /// A random ACTIVE instance (of `provider`, if given), drawn from fault `i`'s stream.
    fn pick_active_instance(
        &mut self,
        i: usize,
        provider: Option<ProviderId>,
    ) -> Option<InstanceId> {
        let candidates: Vec<InstanceId> = (0..self.world.instances.len() as u32)
            .map(InstanceId)
            .filter(|&x| {
                let inst = self.world.instance(x);
                inst.status == InstanceStatus::Active && provider.is_none_or(|p| p == inst.provider)
            })
            .collect();
        if candidates.is_empty() {
            return None;
        }
        Some(candidates[self.faults.rngs[i].below(candidates.len() as u64) as usize])
    }

    /// A new instance: sample its time to failure and, on a Spot group, its interruption.
    pub(super) fn arm_instance_faults(&mut self, id: InstanceId) {
        let p = self.world.instance(id).provider;
        for (i, f) in self.spec.faults.iter().enumerate() {
            match f {
                FaultSpec::InstanceFailure {
                    provider,
                    time_to_failure: Some(d),
                    ..
                } if provider.is_none_or(|x| x == p) => {
                    let t = d.sample(&mut self.faults.rngs[i]);
                    self.queue
                        .push_after(t, Event::InstanceFailure { instance: id });
                }
                FaultSpec::Ec2Spot {
                    provider,
                    rate_per_hour,
                    draining,
                    ..
                } if *provider == p && *rate_per_hour > 0.0 => {
                    let mean = 3_600_000.0 / rate_per_hour;
                    let t = (-mean * self.faults.rngs[i].next_f64_open0().ln()).round() as u64;
                    self.queue.push_after(
                        t,
                        Event::SpotNotice {
                            instance: id,
                            draining: *draining,
                        },
                    );
                }
                _ => {}
            }
        }
    }

    /// A task reached RUNNING: sample its crash and (Fargate Spot) its interruption.
    pub(super) fn arm_task_faults(&mut self, t: TaskId) {
        let task = self.world.task(t);
        let (owner, launch, generation) = (task.owner, task.launch, task.generation);
        for (i, f) in self.spec.faults.iter().enumerate() {
            match f {
                FaultSpec::TaskCrash {
                    service,
                    time_to_failure,
                } => {
                    if let Owner::Service(sid) = owner
                        && service.is_none_or(|s| s == sid)
                    {
                        let d = time_to_failure.sample(&mut self.faults.rngs[i]);
                        self.queue.push_after(
                            d,
                            Event::TaskCrash(TaskRef {
                                task: t,
                                generation,
                            }),
                        );
                    }
                }
                FaultSpec::FargateSpot { rate_per_hour, .. }
                    if launch == LaunchKind::FargateSpot && *rate_per_hour > 0.0 =>
                {
                    let mean = 3_600_000.0 / rate_per_hour;
                    let d = (-mean * self.faults.rngs[i].next_f64_open0().ln()).round() as u64;
                    self.queue.push_after(
                        d,
                        Event::FargateSpotNotice(TaskRef {
                            task: t,
                            generation,
                        }),
                    );
                }
                _ => {}
            }
        }
    }

    /// Will a new task fail before RUNNING? (a StartFailure fault, or its task definition's probability)
    pub(super) fn decide_start_failure(&mut self, owner: Owner, def: TaskDefId) -> bool {
        let p_def = self.spec.task_def(def).start_failure_probability;
        if p_def > 0.0 && self.faults.rng_start_failures.next_f64() < p_def {
            return true;
        }
        for (i, f) in self.spec.faults.iter().enumerate() {
            if let FaultSpec::StartFailure {
                service,
                probability,
            } = f
                && matches!(owner, Owner::Service(s) if service.is_none_or(|x| x == s))
                && self.faults.rngs[i].next_f64() < *probability
            {
                return true;
            }
        }
        false
    }

    pub(super) fn on_fault_at(&mut self, fault: u16, k: u32) {
        let spec = self.spec;
        let i = fault as usize;
        match &spec.faults[i] {
            FaultSpec::InstanceFailure { provider, .. } => {
                if let Some(pick) = self.pick_active_instance(i, *provider) {
                    self.fail_instance(pick, "failed");
                }
            }
            FaultSpec::Ec2Spot {
                provider, draining, ..
            } => {
                if let Some(pick) = self.pick_active_instance(i, Some(*provider)) {
                    self.spot_notice(pick, *draining);
                }
            }
            FaultSpec::FargateSpot { .. } => {
                let candidates: Vec<TaskId> = (0..self.world.tasks.len() as u32)
                    .map(TaskId)
                    .filter(|&t| {
                        let x = self.world.task(t);
                        x.launch == LaunchKind::FargateSpot
                            && x.state == TaskState::Running
                            && !x.stop_requested
                    })
                    .collect();
                if !candidates.is_empty() {
                    let pick =
                        candidates[self.faults.rngs[i].below(candidates.len() as u64) as usize];
                    self.fargate_spot_interrupt(pick);
                }
            }
            FaultSpec::SpotCapacityShortage { .. } => {
                self.faults.spot_shortage = k == 0;
                let what = What::FargateSpotCapacity { available: k != 0 };
                self.emit(None, what, false);
                if k == 1 {
                    for s in 0..spec.services.len() {
                        self.request_reconcile(ServiceId(s as u32), 0);
                    }
                }
            }
            FaultSpec::AzOutage { zone, .. } => {
                if k == 0 {
                    self.faults.zone_down[zone.0 as usize] = true;
                    self.zone_dirty.fill(true);
                    self.emit(
                        None,
                        What::ZoneOutage {
                            zone: *zone,
                            back: false,
                        },
                        false,
                    );
                    // Instances there are lost; Fargate tasks there stop.
                    let lost: Vec<InstanceId> = (0..self.world.instances.len() as u32)
                        .map(InstanceId)
                        .filter(|&x| {
                            let inst = self.world.instance(x);
                            inst.zone == *zone && inst.status != InstanceStatus::Deregistered
                        })
                        .collect();
                    for x in lost {
                        self.fail_instance(x, "lost with its availability zone");
                    }
                    self.lose_launches(*zone);
                    let fargate: Vec<TaskId> = (0..self.world.tasks.len() as u32)
                        .map(TaskId)
                        .filter(|&t| {
                            let x = self.world.task(t);
                            x.launch != LaunchKind::Ec2
                                && x.zone == Some(*zone)
                                && x.state != TaskState::Stopped
                                && !x.stop_requested
                        })
                        .collect();
                    for t in fargate {
                        self.stop_task_now(
                            t,
                            StopCode::InfrastructureHealth,
                            "Availability zone outage".into(),
                        );
                    }
                } else {
                    self.faults.zone_down[zone.0 as usize] = false;
                    self.zone_dirty.fill(true);
                    self.emit(
                        None,
                        What::ZoneOutage {
                            zone: *zone,
                            back: true,
                        },
                        false,
                    );
                    self.launch_owed();
                    self.rebalance_groups(*zone);
                    self.rebalance_zones();
                }
            }
            FaultSpec::Drain { provider, .. } => {
                if let Some(pick) = self.pick_active_instance(i, *provider) {
                    let instance = self.ec2_serial(pick);
                    self.emit(None, What::InstanceDraining { instance }, false);
                    self.world.set_draining(pick);
                    self.retire(pick);
                    self.mark_for_replacement_on(pick);
                }
            }
            FaultSpec::TaskCrash { .. } | FaultSpec::StartFailure { .. } => {}
        }
    }

    /// Host `id` is lost (it failed, its zone went down, Spot took it back): it leaves the registered
    /// totals if it was active, and every task on it stops at once with `code` and `reason` (its daemon
    /// tasks too: not "last", as in a drain).
    fn lose_host(&mut self, id: InstanceId, was_active: bool, code: StopCode, reason: &str) {
        if was_active {
            self.world.set_draining(id);
            self.retire(id);
        }
        self.world.instances[id.0 as usize].terminate_when_empty = true;
        let tasks = self.world.instance(id).tasks.clone();
        self.faults.host_lost = true;
        for t in tasks {
            self.stop_task_now(t, code, reason.to_string().into());
        }
        self.faults.host_lost = false;
    }

    /// The host is gone: its tasks stop at once, it terminates, and its Auto Scaling group launches a
    /// replacement (in a zone that is up).
    pub(super) fn fail_instance(&mut self, id: InstanceId, what: &'static str) {
        let inst = self.world.instance(id);
        if inst.status == InstanceStatus::Deregistered {
            return;
        }
        let (p, name, was_active, leaving) = (
            inst.provider,
            inst.ec2_id.clone(),
            inst.status == InstanceStatus::Active,
            inst.terminate_when_empty,
        );
        self.stats.instance_failures += 1;
        let instance = self.ec2_serial(id);
        self.emit(
            None,
            What::InstanceFailed {
                instance,
                how: what,
            },
            false,
        );
        let reason = format!("Host EC2 instance {name} {what}");
        self.lose_host(id, was_active, StopCode::InfrastructureHealth, &reason);
        self.maybe_terminate(id);
        if !leaving {
            self.replace_instance(p, || format!("replacing {name}, which {what}"));
        }
    }

    /// EC2 Spot: the 2-minute notice (§6.4). With Spot draining on, the instance drains at once (service
    /// tasks are replaced within the deployment bounds, standalone tasks keep running); with it off
    /// (the agent's default) nothing happens until termination, when every task dies.
    /// An instance already DRAINING (a scale-in waiting for its tasks, an operator's drain) is reclaimed
    /// all the same: EC2 takes a Spot instance back whatever ECS is doing with it.
    pub(super) fn spot_notice(&mut self, id: InstanceId, draining: bool) {
        let inst = self.world.instance(id);
        if inst.status == InstanceStatus::Deregistered {
            return;
        }
        let active = inst.status == InstanceStatus::Active;
        self.stats.spot_interruptions += 1;
        let instance = self.ec2_serial(id);
        self.emit(None, What::SpotNotice { instance, draining }, false);
        if draining && active {
            // It stays until EC2 reclaims it; its tasks move within the deployment bounds.
            self.world.set_draining(id);
            self.retire(id);
            self.mark_for_replacement_on(id);
        }
        self.queue
            .push_after(120_000, Event::SpotTerminate { instance: id });
    }

    pub(super) fn spot_terminate(&mut self, id: InstanceId) {
        let inst = self.world.instance(id);
        if inst.status == InstanceStatus::Deregistered {
            return;
        }
        let (p, name, was_active, leaving) = (
            inst.provider,
            inst.ec2_id.clone(),
            inst.status == InstanceStatus::Active,
            inst.terminate_when_empty,
        );
        let reason = format!("Spot instance {name} was reclaimed");
        self.world.instances[id.0 as usize].reclaimed = true;
        self.lose_host(id, was_active, StopCode::SpotInterruption, &reason);
        let instance = self.ec2_serial(id);
        self.emit(None, What::SpotReclaimed { instance }, false);
        self.maybe_terminate(id);
        // One the group was already terminating (a scale-in, a zone-rebalancing move) is not replaced:
        // the group's desired capacity no longer counts it.
        if !leaving {
            self.replace_instance(p, || format!("replacing Spot instance {name}, reclaimed"));
        }
    }

    /// Draining (§6.5): PENDING service tasks stop at once; RUNNING service tasks are marked for
    /// replacement within the deployment bounds; standalone tasks are left alone.
    pub(super) fn mark_for_replacement_on(&mut self, id: InstanceId) {
        let tasks = self.world.instance(id).tasks.clone();
        let mut services = Vec::new();
        for t in tasks {
            let x = self.world.task(t);
            let Owner::Service(sid) = x.owner else {
                continue;
            };
            if self.spec.services[sid.0 as usize].scheduling == SchedulingStrategy::Daemon {
                continue; // stopped last, below
            }
            if x.state < TaskState::Running {
                self.stop_task(
                    t,
                    StopCode::ServiceSchedulerInitiated,
                    "Container instance is being drained".into(),
                );
            } else {
                self.set_task_flags(t, |x| x.replace = true);
            }
            // Not steady while it replaces them (§2.1): AZ rebalancing, which waits for a steady
            // state, does not read the zones before the replacements are placed.
            self.services[sid.0 as usize].steady = false;
            services.push(sid);
        }
        services.dedup();
        for s in services {
            self.request_reconcile(s, 0);
        }
        self.stop_daemons_if_last(id);
    }

    /// A daemon task is "the first task to launch on the instances and the last task to stop" (DG
    /// `ecs_services`, §2.1): on a draining instance its daemon tasks stop once no other task is left
    /// there (at once when there was none). Called when draining starts and when a task leaves a
    /// draining instance.
    pub(super) fn stop_daemons_if_last(&mut self, id: InstanceId) {
        let inst = self.world.instance(id);
        if inst.status != InstanceStatus::Draining
            || self.faults.host_lost
            || self.has_non_daemon_task(id)
        {
            return;
        }
        for t in inst.tasks.clone() {
            self.stop_task(
                t,
                StopCode::ServiceSchedulerInitiated,
                "Container instance is being drained".into(),
            );
        }
    }

    /// Fargate Spot: SIGTERM two minutes before reclaiming (§3.3); the task stops within its stopTimeout
    /// (≤ 120 s), and the service replaces it on Spot if Spot has capacity.
    pub(super) fn fargate_spot_interrupt(&mut self, t: TaskId) {
        let x = self.world.task(t);
        if x.stop_requested || x.state != TaskState::Running {
            return;
        }
        let serial = x.serial;
        self.stats.spot_interruptions += 1;
        self.emit(None, What::FargateSpotInterruption { task: serial }, false);
        self.stop_task(
            t,
            StopCode::SpotInterruption,
            "Your Spot Task was interrupted.".into(),
        );
    }

    /// Take an instance out of the registered totals.
    fn retire(&mut self, id: InstanceId) {
        let inst = self.world.instance(id);
        self.active_instances -= 1;
        self.cpu_registered -= inst.cpu_total as u64;
        self.mem_registered -= inst.mem_total as u64;
    }

    /// After a zone returns, each Auto Scaling group that uses it launches instances there until its zones
    /// are balanced again, and drains the same number from its fullest zones (launch before terminate,
    /// as the group's AZRebalance does).
    pub(super) fn rebalance_groups(&mut self, zone: ZoneId) {
        let spec = self.spec;
        for (pi, prov) in spec.providers.iter().enumerate() {
            let ProviderKind::Asg(asg) = &prov.kind else {
                continue;
            };
            if !asg.zones.contains(&zone) {
                continue;
            }
            let p = ProviderId(pi as u16);
            let launching = |s: &Self, z: ZoneId| s.cas[pi].launching_per_zone[z.0 as usize];
            let up: Vec<ZoneId> = asg
                .zones
                .iter()
                .copied()
                .filter(|z| !self.faults.zone_down[z.0 as usize])
                .collect();
            // Instances per zone once the moves under way are done: those staying and those launching.
            let count = |s: &Self, z: ZoneId| s.staying(p, z).count() as u32 + launching(s, z);
            let total: u32 = up.iter().map(|&z| count(self, z)).sum();
            let fair = total / up.len() as u32;
            let have = count(self, zone);
            // Launching before terminating may take the group above its maximum by 10 % (at least one
            // instance) while it rebalances (EC2 Auto Scaling's rebalancing activities), no further.
            let ceiling = asg.max_size + asg.max_size.div_ceil(10).max(1);
            let size: u32 = asg
                .zones
                .iter()
                .map(|&z| self.world.zone_index(p, z).members.len() as u32 + launching(self, z))
                .sum();
            let moves = fair.saturating_sub(have).min(ceiling.saturating_sub(size));
            for _ in 0..moves {
                // Launch in the returned zone, and terminate one of the fullest other zone once the
                // new one registers (launch before terminate); with no active instance there to move
                // (its instances are still launching), nothing is moved: launching one here anyway
                // left the group above its size for good.
                let Some(&from) = up
                    .iter()
                    .filter(|&&z| z != zone)
                    .max_by_key(|&&z| (self.staying(p, z).count(), std::cmp::Reverse(z.0)))
                else {
                    break;
                };
                let Some(victim) = self.staying(p, from).last() else {
                    break;
                };
                let c = &mut self.cas[pi];
                c.launching += 1;
                c.launching_per_zone[zone.0 as usize] += 1;
                c.rebalance_victims.push((victim, zone));
                let now = self.queue.now();
                self.warm_up_from(p, now);
                let latency = asg.launch_latency.sample(&mut self.rng_launch);
                self.used(crate::metrics::unconfirmed::Choice::InstanceLaunchLatency);
                self.queue.push_after(
                    latency,
                    Event::InstanceLaunched {
                        provider: p,
                        zone,
                        launched_at: now,
                        outages: self.faults.zone_outages[zone.0 as usize],
                        replaces: Some(victim),
                    },
                );
                let what = What::AsgRebalancing {
                    provider: p,
                    instance: self.ec2_serial(victim),
                };
                self.emit(None, what, false);
            }
        }
    }

    /// Group `p`'s active instances in zone `z` that no zone-rebalancing move is taking, in index order.
    fn staying(
        &self,
        p: ProviderId,
        z: ZoneId,
    ) -> impl DoubleEndedIterator<Item = InstanceId> + '_ {
        let victims = &self.cas[p.0 as usize].rebalance_victims;
        self.world
            .zone_index(p, z)
            .members
            .iter()
            .copied()
            .filter(move |m| !victims.iter().any(|v| v.0 == *m))
    }

    /// A zone-rebalancing launch that was to replace `victim` registered (`registered`), or was lost
    /// with its zone: the victim, if still active, drains and terminates only in the first case.
    pub(super) fn rebalanced(&mut self, p: ProviderId, victim: InstanceId, registered: bool) {
        let victims = &mut self.cas[p.0 as usize].rebalance_victims;
        let Some(k) = victims.iter().position(|v| v.0 == victim) else {
            return; // its launch was lost with its zone, and the move dropped (`lose_launches`)
        };
        let (_, zone) = victims.swap_remove(k);
        if registered && self.world.instance(victim).status == InstanceStatus::Active {
            self.drain_and_terminate(victim);
        }
        if registered && !self.faults.zone_down[zone.0 as usize] {
            // Moves held back by the maximum's margin go on now that this one is done.
            self.rebalance_groups(zone);
        }
    }

    /// Service `i`'s tasks per zone of `zones` (in that order), less those already being replaced.
    fn zone_counts(&self, i: usize, zones: &[usize]) -> Vec<u32> {
        let mut counts: Vec<u32> = vec![0; zones.len()];
        for &t in &self.services[i].tasks {
            let x = self.world.task(t);
            if let Some(z) = x.zone
                && !x.replace
                && let Some(k) = zones.iter().position(|&q| q == z.0 as usize)
            {
                counts[k] += 1;
            }
        }
        counts
    }

    /// Can service `sid` start a task in zone `z` now: among its subnets' zones for its Fargate
    /// capacity, or an active instance there of its Auto Scaling groups
    /// ([`crate::warnings::providers_of`]) that passes placement for a new task of its primary task definition
    /// (resources, ports, ENIs, architecture, constraints; §1.1).
    fn can_start_in(&self, sid: ServiceId, z: ZoneId) -> bool {
        self.provider_can_start_in(sid, None, z)
    }

    /// Can a task of service `sid` start in zone `z` from capacity provider `p` (`None`: any it may be
    /// given, [`crate::warnings::providers_of`]: a strategy's with a base or a weight, §3.1, or its
    /// launch type's capacity): among its subnets' zones for Fargate, or
    /// an active instance there that passes placement for a new task of its primary task definition
    /// (resources, ports, ENIs, architecture, constraints; §1.1).
    fn provider_can_start_in(&self, sid: ServiceId, p: Option<ProviderId>, z: ZoneId) -> bool {
        self.provider_room_in(sid, p, z, false) > 0
    }

    /// How many tasks of service `sid` capacity provider `p` (`None`: any it may be given) can start in
    /// zone `z` now: unbounded on Fargate (`u32::MAX`), else the sum over its active instances there of
    /// [`placement::copies`]; without `count`, 1 as soon as one instance takes a task (the cheap question).
    fn provider_room_in(
        &self,
        sid: ServiceId,
        p: Option<ProviderId>,
        z: ZoneId,
        count: bool,
    ) -> u32 {
        let spec = self.spec;
        let s = &spec.services[sid.0 as usize];
        let fits = |p: ProviderId| match spec.provider(p).kind {
            ProviderKind::Fargate { .. } => {
                if s.zones.contains(&z) {
                    u32::MAX
                } else {
                    0
                }
            }
            ProviderKind::Asg(_) => {
                let req = self.primary_request(sid, placement::Scope::Provider(p));
                let members = &self.world.zone_index(p, z).members;
                if count {
                    members.iter().fold(0u32, |n, &m| {
                        let inst = self.world.instance(m);
                        n.saturating_add(placement::copies(&self.world, inst, &req))
                    })
                } else {
                    u32::from(members.iter().any(|&m| {
                        placement::check(&self.world, self.world.instance(m), &req).is_none()
                    }))
                }
            }
        };
        match p {
            Some(p) => fits(p),
            None => crate::warnings::providers_of(spec, &s.launch)
                .into_iter()
                .fold(0u32, |n, p| n.saturating_add(fits(p))),
        }
    }
}

impl Sim<'_> {
    /// [`Self::rebalance_zones`] when a service may rebalance (when an instance registers).
    pub(super) fn rebalance_zones_if_any(&mut self) {
        if self.spec.services.iter().any(|s| s.az_rebalancing) {
            self.rebalance_zones();
        }
    }

    /// Services with AZ rebalancing (§2.1), once in a steady state, replace tasks from their fullest zone
    /// until no zone has more than one task above another; the replacement goes to the emptiest zone.
    pub(super) fn rebalance_zones(&mut self) {
        let spec = self.spec;
        let up: Vec<usize> = (0..spec.zones.len())
            .filter(|&z| !self.faults.zone_down[z])
            .collect();
        if up.is_empty() {
            // Every zone is down (outages of all of them overlap): nowhere to move tasks to. Called at
            // each metric tick and instance registration, not only when a zone returns.
            return;
        }
        for (i, s) in spec.services.iter().enumerate() {
            // ECS watches a service for imbalance only once it has reached a steady state (DG
            // `service-rebalancing`, §2.1): a service still launching (tasks waiting for instances
            // that arrive a zone at a time) is not rebalanced, or it would replace tasks it is still
            // placing. Nor is one whose deployment is rolling out: it reaches its steady state when
            // the rollout COMPLETES (API `Deployment.rolloutState`), and until then its old and new
            // tasks come and go by the deployment's bounds (§2.3).
            // The dirty flag first: most services of a fleet are clean, and it is one byte of a
            // packed vector where the others are fields of large structs.
            if !self.zone_dirty[i]
                || !s.az_rebalancing
                || s.scheduling != SchedulingStrategy::Replica
                || !self.services[i].steady
                || self.services[i].deployment_in_progress()
            {
                continue;
            }
            // The per-zone counts are kept as tasks come and go (`zone_n`): a fleet's check reads
            // no task. Balanced over the zones that are up is balanced over any of them (a subset's
            // max is no higher, its min no lower): the usual case reads no instance either.
            let st = &self.services[i];
            debug_assert_eq!(
                up.iter().map(|&z| st.zone_n[z]).collect::<Vec<_>>(),
                self.zone_counts(i, &up),
                "zone_n"
            );
            let (lo, hi) = up.iter().fold((u32::MAX, 0), |(lo, hi), &z| {
                (lo.min(st.zone_n[z]), hi.max(st.zone_n[z]))
            });
            if hi <= lo + 1 {
                self.rebalancing_done(i, &up);
                self.zone_dirty[i] = false;
                continue;
            }
            self.rebalance_service(ServiceId(i as u32), &up);
        }
    }

    /// Service `i` is balanced over `zones`: a rebalancing in progress has completed (its event).
    fn rebalancing_done(&mut self, i: usize, zones: &[usize]) {
        self.services[i].rebalanced_from.clear();
        self.services[i].rebalance_moves.clear();
        if std::mem::take(&mut self.services[i].rebalancing) {
            let zones = self.zone_list(i, zones);
            self.emit(Some(ServiceId(i as u32)), What::Rebalanced { zones }, false);
        }
    }

    /// Service `i`'s counted tasks in each of `zones`, for an event.
    fn zone_list(&self, i: usize, zones: &[usize]) -> Vec<(ZoneId, u32)> {
        zones
            .iter()
            .map(|&z| (ZoneId(z as u8), self.services[i].zone_n[z]))
            .collect()
    }

    /// Service `sid`, steady and not balanced over the `up` zones: mark tasks of its fullest zone for
    /// replacement until no zone it can start a task in has more than one task above another.
    fn rebalance_service(&mut self, sid: ServiceId, up: &[usize]) {
        let i = sid.0 as usize;
        // Zones a task may move to: the service can start one there now, an instance of its
        // capacity there that a new task of the service fits (EC2), or among its subnets' zones
        // (Fargate). A zone that can take no replacement receives none: a replacement placed in
        // another zone, and the task it replaced stopped, moves nothing (a zone back from an
        // outage before its Auto Scaling group's new instances register, a zone a memberOf
        // constraint excludes, a full zone). Tasks move from the fullest of these and the zones
        // the service has tasks in: a zone with no room left still gives its tasks up (ECS "stops
        // tasks in the fullest", DG `service-rebalancing`, §2.1).
        let mut zones: Vec<usize> = Vec::with_capacity(up.len());
        let mut dest_ok: Vec<bool> = Vec::with_capacity(up.len());
        for &z in up {
            let dest = self.can_start_in(sid, ZoneId(z as u8));
            if dest || self.services[i].zone_n[z] > 0 {
                zones.push(z);
                dest_ok.push(dest);
            }
        }
        if zones.len() < 2 || !dest_ok.contains(&true) {
            return;
        }
        let before = self.zone_list(i, &zones);
        if before == self.services[i].rebalanced_from {
            // The last rebalancing started from these very counts and moved nothing that stayed:
            // once is enough (the loop's cap; a change of counts or a completion re-arms it).
            return;
        }
        let mut counts: Vec<u32> = before.iter().map(|x| x.1).collect();
        let mut marked = 0;
        // How many more tasks a provider can start in a zone, asked once per pair in this pass and
        // counted down as moves are marked: a zone gets no more moves than it has room for (a move
        // it cannot take would start its replacement by the strategy, maybe in the zone it leaves).
        let mut room: Vec<(Option<ProviderId>, usize, u32)> = Vec::new();
        loop {
            let (imax, &cmax) = counts
                .iter()
                .enumerate()
                .max_by_key(|x| (*x.1, std::cmp::Reverse(x.0)))
                .expect("zones");
            let Some((jmin, &cmin)) = counts
                .iter()
                .enumerate()
                .filter(|x| dest_ok[x.0])
                .min_by_key(|x| *x.1)
            else {
                break;
            };
            if cmax <= cmin + 1 {
                break;
            }
            // A task of the fullest zone whose capacity provider can start its replacement in the
            // emptiest one (its replacement comes from the same provider, `launch_next`).
            let (from, to) = (ZoneId(zones[imax] as u8), ZoneId(zones[jmin] as u8));
            let mut pick = None;
            for k in 0..self.services[i].tasks.len() {
                let t = self.services[i].tasks[k];
                let x = self.world.task(t);
                if x.zone != Some(from) || x.replace {
                    continue;
                }
                let p = x.provider;
                let r = match room.iter().position(|f| f.0 == p && f.1 == jmin) {
                    Some(r) => r,
                    None => {
                        let n = self.provider_room_in(sid, p, to, true);
                        room.push((p, jmin, n));
                        room.len() - 1
                    }
                };
                if room[r].2 > 0 {
                    room[r].2 -= 1;
                    pick = Some((t, p));
                    break;
                }
            }
            let Some((t, p)) = pick else {
                // The emptiest zone can take nothing more from the fullest: try the next emptiest.
                dest_ok[jmin] = false;
                continue;
            };
            self.set_task_flags(t, |x| {
                x.replace = true;
                x.rebalance = true;
            });
            self.services[i].rebalance_moves.push(p);
            self.used(crate::metrics::unconfirmed::Choice::AzRebalancing);
            counts[imax] -= 1;
            counts[jmin] += 1;
            marked += 1;
        }
        if marked > 0 {
            // Not steady until the moves are made (a second look before the replacements are placed
            // would read the marked tasks as gone and move as many again).
            self.services[i].steady = false;
            self.services[i].rebalancing = true;
            self.services[i].rebalanced_from.clone_from(&before);
            let what = What::Rebalancing {
                tasks: marked,
                zones: before,
            };
            self.emit(Some(sid), what, false);
            self.request_reconcile(sid, 0);
        } else {
            // Balanced over the zones it can use (another zone cannot take a task now).
            self.rebalancing_done(i, &zones);
        }
    }
}
