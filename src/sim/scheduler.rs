//! The service scheduler (§2) and placement driver: start-up, registering instances, reconciling a service
//! towards its desired count, capacity-provider strategies (§3.1), launching and allocating tasks, daemons,
//! and waking waiting tasks when capacity changes.
//!
//! Must not: make placement choices itself (those are pure functions in [`crate::ecs::placement`]).

use crate::ecs::placement::{self, Failure, Request, Scope};
use crate::ecs::world::{
    GroupId, Instance, InstanceId, InstanceStatus, LaunchKind, Owner, Task, TaskId, TaskState,
};
use crate::engine::SimTime;
use crate::metrics::What;
use crate::spec::{
    Constraint, Launch, ProviderId, ProviderKind, SchedulingStrategy, ServiceId, Spec, Strategy,
    StrategyItem, TaskDefId, ZoneId,
};

use super::{Event, Sim, TaskRef};

/// §2.2 launch throttle: after `k` consecutive tasks that never reached RUNNING the next launch waits
/// `initial × multiplier^(k−1)`, capped at `max` (27 min current, 15 min in 2023; the schedule itself is
/// unconfirmed, hence parameters).
pub fn throttle_delay_ms(k: u32, initial_ms: u64, multiplier: f64, max_ms: u64) -> u64 {
    if k == 0 {
        return 0;
    }
    let d = initial_ms as f64 * multiplier.powi(k.saturating_sub(1).min(64) as i32);
    if d.is_finite() {
        (d as u64).min(max_ms)
    } else {
        max_ms
    }
}

impl<'a> Sim<'a> {
    pub(super) fn on_start(&mut self) {
        let spec = self.spec;
        // Initial instances: a warm cluster, registered at time 0, balanced over the group's zones as an
        // Auto Scaling group does (the zone with the fewest instances next; ties in zone order). Zones
        // down from 0 s (an outage window, scheduled before this event) get none; a group with every
        // zone down owes its instances until one returns.
        for (p, prov) in spec.providers.iter().enumerate() {
            if let ProviderKind::Asg(asg) = &prov.kind {
                let mut per_zone = vec![0u32; asg.zones.len()];
                for _ in 0..asg.desired_size {
                    let zi = (0..per_zone.len())
                        .filter(|&i| !self.faults.zone_down[asg.zones[i].0 as usize])
                        .min_by_key(|&i| (per_zone[i], i));
                    let Some(zi) = zi else {
                        self.cas[p].owed += 1;
                        continue;
                    };
                    per_zone[zi] += 1;
                    self.register_instance(ProviderId(p as u16), asg.zones[zi], 0);
                    self.rebalance_zones_if_any();
                }
            }
        }
        // DAEMON services first: their tasks start first and reserve resources ahead of replicas (§2.1).
        let order: Vec<usize> = (0..spec.services.len())
            .filter(|&i| spec.services[i].scheduling == SchedulingStrategy::Daemon)
            .chain(
                (0..spec.services.len())
                    .filter(|&i| spec.services[i].scheduling == SchedulingStrategy::Replica),
            )
            .collect();
        for i in order {
            if spec.services[i].start_ms == 0 {
                self.create_service(ServiceId(i as u32));
            }
        }
    }

    pub(super) fn create_service(&mut self, sid: ServiceId) {
        let s = &self.spec.services[sid.0 as usize];
        let st = &mut self.services[sid.0 as usize];
        st.created = true;
        st.desired = s.desired_count;
        st.tokens_at = self.queue.now();
        self.update_shortfall(sid);
        self.reconcile(sid);
    }

    pub(super) fn register_instance(
        &mut self,
        p: ProviderId,
        zone: ZoneId,
        launched_at: SimTime,
    ) -> InstanceId {
        let spec = self.spec;
        let ProviderKind::Asg(asg) = &spec.provider(p).kind else {
            unreachable!("instances belong to ASG providers")
        };
        let n = self.world.instances.len() + 1;
        let ec2_id = format!("i-{n:08x}");
        let it = &asg.instance_type;
        let attributes = instance_attributes(spec, p, zone);
        let cpu = asg.registered_cpu_units();
        let mem = asg.registered_memory_mib();
        let eni = it.max_enis.saturating_sub(1);
        if asg.spot_discount.is_some() {
            self.used(crate::metrics::unconfirmed::Choice::Ec2SpotDiscount);
        }
        if it.registered_memory_fitted {
            self.used(crate::metrics::unconfirmed::Choice::RegisteredMemory);
        }
        let mut inst = Instance {
            ec2_id,
            provider: p,
            zone,
            status: InstanceStatus::Active,
            registered_at: self.queue.now(),
            cpu_total: cpu,
            mem_total: mem,
            cpu_free: cpu,
            mem_free: mem,
            eni_total: eni,
            eni_free: eni,
            ports: spec.scheduler.reserved_ports.clone(),
            tasks: Vec::new(),
            group_counts: Vec::new(),
            group_names: Vec::new(),
            running_count: 0,
            attributes,
            tiebreak: self.rng_instances.next_u64(),
            arch: it.arch,
            launched_at,
            images: Vec::new(),
            terminate_when_empty: false,
            reclaimed: false,
            attributed: Vec::new(),
            static_pass: Vec::new(),
        };
        inst.static_pass = self.static_member_of_bits(&inst);
        let id = self.world.add_instance(inst);
        self.burst_register(id);
        self.arm_instance_faults(id);
        self.cost.ec2.open(asg.price_usd_per_hour, launched_at);
        self.active_instances += 1;
        self.stats.instances_peak = self.stats.instances_peak.max(self.active_instances);
        self.cpu_registered += cpu as u64;
        self.mem_registered += mem as u64;
        let what = What::InstanceRegistered {
            instance: self.ec2_serial(id),
            provider: p,
            zone,
            cpu,
            memory_mib: mem,
        };
        self.emit(None, what, false);
        // Daemons first on a new instance (§2.1), then anything waiting for this provider.
        for i in 0..spec.services.len() {
            if spec.services[i].scheduling == SchedulingStrategy::Daemon && self.services[i].created
            {
                self.place_daemon_on(ServiceId(i as u32), id);
            }
        }
        self.capacity_changed(p);
        id
    }

    /// Instance `inst`'s answers to the run's static `memberOf` expressions, as bits.
    fn static_member_of_bits(&self, inst: &Instance) -> Vec<u64> {
        let n = self.static_member_exprs.len();
        let mut bits = vec![0u64; n.div_ceil(64)];
        let view = crate::ecs::world::InstanceQuery(inst);
        for (k, e) in self.static_member_exprs.iter().enumerate() {
            if e.matches(&view as &dyn crate::ecs::cql::InstanceView) {
                bits[k / 64] |= 1 << (k % 64);
            }
        }
        bits
    }

    pub(super) fn request_reconcile(&mut self, sid: ServiceId, delay_ms: u64) {
        let st = &mut self.services[sid.0 as usize];
        if delay_ms == 0 && !st.reconcile_queued {
            st.reconcile_queued = true;
            self.queue.push_after(0, Event::Reconcile(sid));
        } else if delay_ms > 0 {
            // A retry already due no later than this one re-evaluates the service anyway: without this,
            // every failed attempt (each task stop, each scaling action) started a retry chain of its own.
            let now = self.queue.now();
            let at = now + delay_ms;
            if st.retry_at_ms > now && st.retry_at_ms <= at {
                return;
            }
            st.retry_at_ms = at;
            self.queue.push(at, Event::Reconcile(sid));
        }
    }

    pub(super) fn reconcile(&mut self, sid: ServiceId) {
        let spec = self.spec;
        let s = &spec.services[sid.0 as usize];
        if !self.services[sid.0 as usize].created {
            return;
        }
        if s.scheduling == SchedulingStrategy::Daemon {
            self.reconcile_daemon(sid);
            return;
        }
        self.reconcile_replica(sid);
    }

    /// §3.1: the base first, then the provider furthest below its weighted share. Worked example
    /// (desired 10, FARGATE base 2 weight 1, FARGATE_SPOT weight 3) gives 4 and 6.
    pub(super) fn choose_provider(items: &[StrategyItem], counts: &[u32]) -> ProviderId {
        if let Some(b) = items.iter().find(|i| i.base > 0)
            && counts[b.provider.0 as usize] < b.base
        {
            return b.provider;
        }
        let mut best: Option<(f64, usize)> = None;
        for (k, it) in items.iter().enumerate() {
            if it.weight == 0 {
                continue;
            }
            let beyond = counts[it.provider.0 as usize].saturating_sub(it.base);
            let score = (beyond + 1) as f64 / it.weight as f64;
            if best.is_none_or(|(b, _)| score < b) {
                best = Some((score, k));
            }
        }
        items[best.expect("validated: some weight > 0").1].provider
    }

    /// §3.1 when some of the strategy's providers cannot take a task now (`blocked`, a bit per provider:
    /// no Fargate Spot capacity, an Auto Scaling group without room): the split's choice among the
    /// others, each held to its share `split` of the service's desired count. No fallback: a blocked
    /// provider's share stays unplaced and moves nowhere, but it does not hold back the others' shares.
    /// Desired 20 on [FARGATE base 2 weight 1, FARGATE_SPOT weight 3] with no Spot capacity: FARGATE's
    /// share is 2 + 4 = 6 (the split of 20 launches, 6/14), so 6 run on FARGATE and 14 stay unplaced.
    /// None: no provider that can take a task is below its share.
    pub(super) fn choose_open_provider(
        items: &[StrategyItem],
        counts: &[u32],
        blocked: u64,
        split: &[u32],
    ) -> Option<ProviderId> {
        if blocked == 0 {
            return Some(Self::choose_provider(items, counts));
        }
        let open: Vec<StrategyItem> = items
            .iter()
            .copied()
            .filter(|i| {
                let p = i.provider.0 as usize;
                blocked & (1 << p) == 0 && counts[p] < split[p]
            })
            .collect();
        // An open item of weight 0 is below its share, which is its base: choose_provider takes it
        // first; otherwise every open item has a weight.
        (!open.is_empty()).then(|| Self::choose_provider(&open, counts))
    }

    /// The providers' shares of `desired` tasks: the split `desired` launches from none would give.
    pub(super) fn strategy_split(
        items: &[StrategyItem],
        n_providers: usize,
        desired: u32,
    ) -> Vec<u32> {
        let mut split = vec![0; n_providers];
        for _ in 0..desired {
            let p = Self::choose_provider(items, &split);
            split[p.0 as usize] += 1;
        }
        split
    }

    /// After a batch of launches: did §3.1's remainder rule decide where the service's tasks are? With
    /// two or more weighted providers, kept tasks beyond the bases that are not a multiple of the
    /// weights' sum have no documented split (weights 1 and 3 with 5 such tasks: 1.25 and 3.75;
    /// ecsim's rule runs 1 and 4). Counted for `summary.json`'s `unconfirmed`, once per batch; a few
    /// additions over the strategy's items.
    pub(super) fn note_remainder(&mut self, sid: ServiceId) {
        let Launch::Strategy(items) = &self.spec.services[sid.0 as usize].launch else {
            return;
        };
        let keep = &self.services[sid.0 as usize].keep_by_provider;
        let (mut weighted, mut weights, mut beyond) = (0u32, 0u64, 0u64);
        for it in items.iter().filter(|i| i.weight > 0) {
            weighted += 1;
            weights += u64::from(it.weight);
            beyond += u64::from(keep[it.provider.0 as usize].saturating_sub(it.base));
        }
        if weighted >= 2 && !beyond.is_multiple_of(weights) {
            self.used(crate::metrics::unconfirmed::Choice::ProviderRemainder);
        }
    }

    /// Launch one task of service `sid`, from `pinned` provider when given (an AZ rebalancing's
    /// replacement, §2.1), else from the one its strategy's split chooses (§3.1).
    pub(super) fn launch_service_task(
        &mut self,
        sid: ServiceId,
        pinned: Option<ProviderId>,
    ) -> Result<TaskId, Failure> {
        let spec = self.spec;
        let s = &spec.services[sid.0 as usize];
        let st = &self.services[sid.0 as usize];
        let provider = match &s.launch {
            Launch::Strategy(items) => match pinned {
                Some(p) => Some(p),
                None => {
                    let open = Self::choose_open_provider(
                        items,
                        &st.keep_by_provider,
                        st.blocked,
                        &st.split,
                    );
                    let Some(p) = open else {
                        // Every provider below its share is blocked (after a pinned move failed).
                        return Err(Failure {
                            closest: None,
                            reason: None,
                        });
                    };
                    Some(p)
                }
            },
            _ => None,
        };
        self.services[sid.0 as usize].tried = provider;
        let group = self.services[sid.0 as usize].group;
        let strategies = std::mem::take(&mut self.services[sid.0 as usize].strategies);
        let def = self.primary_task_def(sid);
        let r = self.launch_task(
            def,
            group,
            Owner::Service(sid),
            &s.launch,
            provider,
            &strategies,
            &s.placement_constraints,
            &s.zones,
            None,
        );
        self.services[sid.0 as usize].strategies = strategies;
        r
    }

    /// A service's new task joins the service's list and its provider's count before its lifecycle
    /// starts (`launch_task`): with zero-length states it can fail to start and stop before
    /// `launch_task` returns, and a stop must find it there (it once joined after, a stopped task
    /// was listed and the provider's count went below zero).
    fn join_owner(&mut self, id: TaskId) {
        let t = self.world.task(id);
        if let Owner::Service(sid) = t.owner {
            let provider = t.provider;
            self.join_service(sid, id);
            if let Some(p) = provider {
                self.services[sid.0 as usize].provider_counts[p.0 as usize] += 1;
            }
        }
    }

    /// Create one task and place it (or queue it for capacity). Err: nothing was created.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn launch_task(
        &mut self,
        def: TaskDefId,
        group: GroupId,
        owner: Owner,
        launch: &Launch,
        provider: Option<ProviderId>,
        strategies: &[Strategy],
        constraints: &[Constraint],
        zones: &[ZoneId],
        job: Option<((u32, u32), u64)>,
    ) -> Result<TaskId, Failure> {
        let spec = self.spec;
        let td = spec.task_def(def);
        let (cpu, mem) = job.map_or((td.cpu_units, td.memory_mib), |j| j.0);
        let kind = match (launch, provider) {
            (Launch::Fargate, _) => LaunchKind::Fargate,
            (_, Some(p)) => match spec.provider(p).kind {
                ProviderKind::Fargate { spot: false } => LaunchKind::Fargate,
                ProviderKind::Fargate { spot: true } => LaunchKind::FargateSpot,
                ProviderKind::Asg(_) => LaunchKind::Ec2,
            },
            _ => LaunchKind::Ec2,
        };
        let now = self.queue.now();
        let mut task = Task::new(def, group, owner, provider, kind, cpu, mem, now);
        if let Owner::Service(sid) = owner {
            task.deployment = self.services[sid.0 as usize].primary as u32;
        }
        if kind == LaunchKind::FargateSpot && self.faults.spot_shortage {
            // No Fargate Spot capacity; no fallback to FARGATE (§3.1).
            return Err(Failure {
                closest: None,
                reason: None,
            });
        }
        if self.launch.fargate_full(kind) {
            // §8.1: the line of tasks waiting for a launch token is at `launch_queue_cap`.
            self.launch.refused = true;
            return Err(Failure {
                closest: None,
                reason: None,
            });
        }
        task.start_fails = self.decide_start_failure(owner, def);
        task.exit_after_ms = job.map(|j| j.1);
        if kind != LaunchKind::Ec2 {
            // Fargate balances over the service's zones (§1.3): fewest tasks of the group, random tie.
            // Zones that are down take nothing.
            let counts = &self.world.group_zone_counts[group.0 as usize];
            let up: Vec<ZoneId> = zones
                .iter()
                .copied()
                .filter(|z| !self.faults.zone_down[z.0 as usize])
                .collect();
            let Some(min) = up.iter().map(|z| counts[z.0 as usize]).min() else {
                return Err(Failure {
                    closest: None,
                    reason: None,
                });
            };
            let tied: Vec<ZoneId> = up
                .iter()
                .copied()
                .filter(|z| counts[z.0 as usize] == min)
                .collect();
            let zone = tied[self.rng_placement.below(tied.len() as u64) as usize];
            task.zone = Some(zone);
            let id = self.create_task(task);
            self.world.fargate_zone_count(group, zone, true);
            self.count_state(id, None, Some(TaskState::Provisioning));
            self.join_owner(id);
            self.launch_fargate(id); // now, or when the account's bucket has a token (§8.1)
            return Ok(id);
        }
        let scope = match provider {
            Some(p) => Scope::Provider(p),
            None => Scope::Providers(ProviderId(0), spec.fargate()),
        };
        let req = Request {
            cpu,
            mem,
            ports: &self.def_ports[def.0 as usize],
            eni: td.uses_eni(),
            arch: td.arch,
            group,
            constraints,
            strategies,
            scope,
        };
        let placed = placement::place(&self.world, &req, &mut self.rng_placement);
        if self.explain.is_some() {
            self.explain_placement(owner, provider, &req, &placed);
        }
        match placed {
            Ok(inst) => {
                let id = self.create_task(task);
                self.allocate(id, inst);
                self.count_state(id, None, Some(TaskState::Provisioning));
                self.join_owner(id);
                self.run_from(id, TaskState::Provisioning);
                Ok(id)
            }
            Err(f) => {
                let managed = provider.is_some_and(
                    |p| matches!(&spec.provider(p).kind, ProviderKind::Asg(a) if a.managed_scaling.is_some()),
                );
                if managed && self.waiting_total < spec.scheduler.provisioning_cap {
                    // §3.2/§7.3: the task is created in PROVISIONING and waits for capacity.
                    task.awaiting_capacity = true;
                    let id = self.create_task(task);
                    let p = provider.expect("managed");
                    if self.explain.is_some() {
                        self.explain_wait(id, p);
                    }
                    let serial = self.world.task(id).serial;
                    self.waiting[p.0 as usize].push_back((id, serial));
                    self.waiting_total += 1;
                    self.stats.unplaced_now += 1;
                    self.count_state(id, None, Some(TaskState::Provisioning));
                    self.join_owner(id);
                    let timeout = spec
                        .scheduler
                        .provisioning_timeout
                        .sample(&mut self.rng_timing);
                    let generation = self.world.task(id).generation;
                    self.queue.push_after(
                        timeout,
                        Event::ProvisioningTimeout(TaskRef {
                            task: id,
                            generation,
                        }),
                    );
                    Ok(id)
                } else {
                    if managed {
                        self.used(crate::metrics::unconfirmed::Choice::ProvisioningCap); // §3.2: the cap is full
                    }
                    Err(f)
                }
            }
        }
    }

    pub(super) fn allocate(&mut self, id: TaskId, inst: InstanceId) {
        let def = self.world.task(id).def;
        let td = self.spec.task_def(def);
        let ports = std::mem::take(&mut self.def_ports[def.0 as usize]);
        // A task placed after joining its service (one that waited for capacity) gains a zone: its
        // part in the service's counts is taken out and put back around the placement.
        let joined = match self.world.task(id).owner {
            Owner::Service(sid) => self.service_pos(sid, id).is_some(),
            _ => false,
        };
        if joined {
            self.count_task(id, -1);
        }
        self.world.allocate(id, inst, &ports, td.uses_eni());
        if joined {
            self.count_task(id, 1);
        }
        self.def_ports[def.0 as usize] = ports;
        self.refresh_brief(id);
        let t = self.world.task(id);
        self.cpu_reserved += t.cpu as u64;
        self.mem_reserved += t.mem as u64;
        // EC2 cost is attributed to tasks by their reserved share of the instance (CPU and memory
        // weighted); what no task reserves is idle cost.
        let i = self.world.instance(inst);
        let ProviderKind::Asg(asg) = &self.spec.provider(i.provider).kind else {
            unreachable!()
        };
        // §1.1: an awsvpc task took the last ENI of an instance whose ENI count is ecsim's.
        if td.uses_eni() && i.eni_free == 0 && asg.instance_type.max_enis_unconfirmed {
            self.stats
                .unconfirmed
                .hit(crate::metrics::unconfirmed::Choice::MaxEnis);
        }
        let w = self.spec.pricing.attribution_cpu_weight;
        let share = w * t.cpu as f64 / i.cpu_total.max(1) as f64
            + (1.0 - w) * t.mem as f64 / i.mem_total.max(1) as f64;
        let hourly = asg.price_usd_per_hour * share;
        let owner = self.owner_bucket(id);
        let now = self.queue.now();
        self.cost.by_owner[owner].open(hourly, now);
        let t = self.world.task_mut(id);
        t.billed_since = Some(now);
        t.hourly_usd = hourly;
    }

    /// Say that a task of service `sid` could not be placed (§7.3); returns whether it was a Fargate
    /// task (no capacity) rather than one no container instance would take.
    pub(super) fn report_unplaceable(&mut self, sid: ServiceId, f: Failure) -> bool {
        let closest = match (f.closest, f.reason) {
            (Some(i), Some(r)) => Some((self.ec2_serial(i), r.closest_phrase())),
            _ => None,
        };
        // A Fargate task that found no capacity (a Spot shortage, its zones down) gets Fargate's own
        // reason, as RunTask's "Capacity is unavailable" error has it (re:Post knowledge center
        // `ecs-fargate-runtask-capacity`), not the text about container instances.
        let spec = self.spec;
        let fargate = match &spec.services[sid.0 as usize].launch {
            Launch::Fargate => true,
            Launch::Strategy(_) => self.services[sid.0 as usize]
                .tried
                .is_some_and(|p| matches!(spec.provider(p).kind, ProviderKind::Fargate { .. })),
            Launch::Ec2 => false,
        };
        self.emit(Some(sid), What::UnableToPlace { closest, fargate }, true);
        fargate
    }

    /// "Has reached a steady state" (§2.6): its deployment COMPLETED (the rollout is what a service
    /// settles into: a rollout's moments at the desired count are not steady), every task RUNNING and
    /// healthy, none marked for replacement (a draining instance's, an unhealthy one, a rebalancing
    /// move) and none still on its way to STOPPED (a scale-in's victims: the service is at its desired
    /// count once they have stopped, not when their stop is requested). Called again when a task
    /// becomes healthy and when the last stopping task stops.
    pub(super) fn check_steady(&mut self, sid: ServiceId) {
        let st = &self.services[sid.0 as usize];
        let daemon = self.spec.services[sid.0 as usize].scheduling == SchedulingStrategy::Daemon;
        let steady = st.created
            && !st.deployment_in_progress()
            && st.pending == 0
            && st.tasks.len() as u32 == st.running
            && st.n_healthy as usize == st.tasks.len()
            && st.stopping.is_empty()
            && if daemon {
                // A DRAINING instance gets no daemon task (§2.1): one still there, stopped last,
                // is not one the service wants.
                st.tasks.iter().all(|&t| {
                    self.world.task(t).instance.is_none_or(|i| {
                        self.world.instance(i).status != crate::ecs::world::InstanceStatus::Draining
                    })
                })
            } else {
                st.running == st.desired && st.n_keep as usize == st.tasks.len()
            };
        if steady && !st.steady {
            // A steady state reached again is a new one: said at once, and the repeats the service
            // said before it (its causes resolved) are no longer suppressed (§2.6).
            self.services[sid.0 as usize].steady_epoch += 1;
            self.say_steady(sid);
        }
        self.services[sid.0 as usize].steady = steady;
    }

    /// "(service X) has reached a steady state." (§2.6), and when it was said.
    pub(super) fn say_steady(&mut self, sid: ServiceId) {
        if self.texts {
            self.emit(Some(sid), What::SteadyState, true);
            self.services[sid.0 as usize].steady_said_at = self.queue.now();
        }
    }

    pub(super) fn update_shortfall(&mut self, sid: ServiceId) {
        let st = &mut self.services[sid.0 as usize];
        // Starts the maximum holds back while old tasks finish stopping (§2.3) are not unplaced tasks.
        let new = if self.spec.services[sid.0 as usize].scheduling == SchedulingStrategy::Replica
            && !st.await_stops
        {
            st.desired.saturating_sub(st.tasks.len() as u32)
        } else {
            0
        };
        self.stats.unplaced_now = self.stats.unplaced_now + new as u64 - st.shortfall as u64;
        st.shortfall = new;
    }

    /// Capacity appeared on a provider: place waiting PROVISIONING tasks in arrival order (§3.2).
    pub(super) fn capacity_changed(&mut self, p: ProviderId) {
        let n = self.waiting[p.0 as usize].len();
        for _ in 0..n {
            let Some((t, serial)) = self.waiting[p.0 as usize].pop_front() else {
                break;
            };
            let task = self.world.task(t);
            if task.serial != serial || !task.awaiting_capacity {
                continue; // stopped while waiting
            }
            let (def, group, owner) = (task.def, task.group, task.owner);
            let spec = self.spec;
            let td = spec.task_def(def);
            let (strategies, constraints): (Vec<Strategy>, &[Constraint]) = match owner {
                Owner::Service(sid) => (
                    self.services[sid.0 as usize].strategies.clone(),
                    &spec.services[sid.0 as usize].placement_constraints,
                ),
                Owner::Standalone(c) => (
                    self.run_task_strategies[c as usize].clone(),
                    &self.run_spec(c as usize).placement_constraints,
                ),
                Owner::Batch(b) => (
                    spec.batch_jobs[b as usize].placement_strategy.clone(),
                    &spec.batch_jobs[b as usize].placement_constraints,
                ),
            };
            let (cpu, mem) = (task.cpu, task.mem);
            let req = Request {
                cpu,
                mem,
                ports: &self.def_ports[def.0 as usize],
                eni: td.uses_eni(),
                arch: td.arch,
                group,
                constraints,
                strategies: &strategies,
                scope: Scope::Provider(p),
            };
            match placement::place(&self.world, &req, &mut self.rng_placement) {
                Ok(inst) => {
                    self.world.task_mut(t).awaiting_capacity = false;
                    self.waiting_total -= 1;
                    self.stats.unplaced_now -= 1;
                    if self.explain.is_some() {
                        self.explain_capacity_placed(t, inst);
                    }
                    self.allocate(t, inst);
                    self.run_from(t, TaskState::Provisioning);
                    if let Owner::Service(sid) = owner {
                        self.check_steady(sid);
                    }
                }
                Err(_) => self.waiting[p.0 as usize].push_back((t, serial)),
            }
        }
        for i in 0..self.batch.sources.len() {
            if !self.batch.sources[i].waiting.is_empty() {
                self.dispatch_jobs(i, false);
            }
        }
    }
}

/// The attributes an instance of group `p` registers with in `zone` (§1.4: the built-in `ecs.*` ones and
/// the group's custom ones), sorted by name.
pub(super) fn instance_attributes(
    spec: &Spec,
    p: ProviderId,
    zone: ZoneId,
) -> Vec<(String, String)> {
    let ProviderKind::Asg(asg) = &spec.provider(p).kind else {
        unreachable!("instances belong to ASG providers")
    };
    let it = &asg.instance_type;
    let mut attributes: Vec<(String, String)> = vec![
        (
            "ecs.availability-zone".into(),
            spec.zones[zone.0 as usize].clone(),
        ),
        ("ecs.instance-type".into(), it.name.clone()),
        ("ecs.os-type".into(), "linux".into()),
        ("ecs.os-family".into(), "LINUX".into()),
        ("ecs.cpu-architecture".into(), it.arch.as_attribute().into()),
        ("ecs.ami-id".into(), "ami-ecs-optimized".into()),
        (
            "ecs.capacity-provider".into(),
            spec.provider(p).name.clone(),
        ),
    ];
    for (k, v) in &asg.attributes {
        attributes.retain(|(ek, _)| ek != k);
        attributes.push((k.clone(), v.clone()));
    }
    attributes.sort();
    attributes
}
