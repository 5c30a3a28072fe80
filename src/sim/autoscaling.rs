//! The simulation's side of auto scaling: publishing service metric datapoints to Application Auto
//! Scaling (with the publication delay), applying its decisions and scheduled actions, and cluster auto
//! scaling of capacity providers with managed scaling (CapacityProviderReservation each minute, launches
//! with their latency, scale-in through draining). Decisions come from [`crate::scaling`].

use super::*;
use crate::pricing::billing;

impl<'a> Sim<'a> {
    /// At a metric tick: this period's datapoints for a scaled service, into `slot` of the period's batch;
    /// the caller schedules one `ScalingDatapoints` event for all services after the publication delay.
    /// (A queue's datapoints travel beside the batch, see [`Self::queue_tick`], so that runs without a
    /// queue move no bigger batches.) Returns whether the service has a scaler.
    pub(super) fn publish_datapoints(
        &mut self,
        i: usize,
        [request_rate, cpu_utilization, memory_utilization]: [Option<f64>; 3],
        slot: &mut [Option<f64>; 3],
    ) -> bool {
        if self.scalers[i].is_none() {
            return false;
        }
        // The request rate is there when a row is written or a policy reads it (see `ticks::traffic_tick`).
        let per_target = request_rate.and_then(|rate| {
            let period_min = self.spec.metric_period_ms as f64 / 60_000.0;
            let n = self.traffic[i].as_ref()?.targets.len();
            // Rounded as the other datapoints are (6 decimals): `tracked_capacity` allows for that.
            (n > 0).then(|| round6(rate * 60.0 * period_min / n as f64 / period_min))
        });
        *slot = [cpu_utilization, memory_utilization, per_target];
        true
    }

    pub(super) fn on_scaling_datapoint(&mut self, sid: ServiceId, dp: [Option<f64>; 3]) {
        // A queue's datapoints travel beside the batch (see `queue_tick`). Runs without a queue keep a
        // lookup over the batch alone: one over both, or over an array of all five, cost the medium fleet
        // 1 % more instructions.
        if self.has_queues {
            let q = self.delivered_queue_datapoints(sid.0 as usize);
            self.apply_datapoints(sid, |m| match m {
                ScalingMetric::Cpu => dp[0],
                ScalingMetric::Memory => dp[1],
                ScalingMetric::RequestCountPerTarget => dp[2],
                ScalingMetric::MessagesVisible => q[0],
                ScalingMetric::BacklogPerTask => q[1],
            });
        } else {
            self.apply_datapoints(sid, |m| match m {
                ScalingMetric::Cpu => dp[0],
                ScalingMetric::Memory => dp[1],
                ScalingMetric::RequestCountPerTarget => dp[2],
                ScalingMetric::MessagesVisible | ScalingMetric::BacklogPerTask => None,
            });
        }
    }

    /// One period's datapoints (`value` of each metric) reach service `sid`'s alarms.
    fn apply_datapoints(&mut self, sid: ServiceId, value: impl Fn(ScalingMetric) -> Option<f64>) {
        let i = sid.0 as usize;
        let now = self.queue.now();
        let (running, desired) = (self.services[i].running, self.services[i].desired);
        // A deployment in progress pauses scale-in (§4.1). Asked only when a scale-in is due: it reads
        // the service's deployment list, one more buffer per service and period otherwise.
        let st = &self.services[i];
        let deploying = || st.deployment_in_progress();
        let scaler = self.scalers[i].as_mut().expect("scaler");
        if let Some(d) = scaler.on_datapoint_with(now, value, running, desired, deploying) {
            // Undocumented choices behind the decision (§4.2): the datapoints' delay, the cooldown's
            // start after a scale-out, and a target-tracking scale-in held to the step (its count
            // above the ideal one).
            self.used(crate::metrics::unconfirmed::Choice::MetricPublicationDelay);
            if d.out {
                self.used(crate::metrics::unconfirmed::Choice::CooldownStart);
            }
            if let Some(crate::scaling::reason::Reason::TrackingIn { ideal, to, .. }) = d.reason
                && to > ideal
            {
                self.used(crate::metrics::unconfirmed::Choice::ScaleInStep);
            }
            if self.texts {
                let (metric, target) = self.scalers[i]
                    .as_ref()
                    .expect("scaler")
                    .policy_target(d.policy);
                let what = What::Scaling {
                    out: d.out,
                    from: desired,
                    to: d.desired,
                    metric,
                    target,
                    reason: d.reason,
                };
                self.emit(Some(sid), what, false);
            }
            self.set_desired(sid, d.desired);
        }
    }

    pub(super) fn on_scheduled_scaling(&mut self, sid: ServiceId, action: u16) {
        let spec = self.spec;
        let i = sid.0 as usize;
        let a = &spec.services[i]
            .auto_scaling
            .as_ref()
            .expect("auto scaling")
            .scheduled[action as usize];
        let desired = self.services[i].desired;
        let set = self.scalers[i]
            .as_mut()
            .expect("scaler")
            .set_range(a.min, a.max, desired);
        let sc = self.scalers[i].as_ref().expect("scaler");
        let (moved, what) = match set {
            Ok(moved) => (
                moved,
                What::ScheduledAction {
                    min: sc.min,
                    max: sc.max,
                    moved: moved.map(|d| (desired, d)),
                },
            ),
            Err((min, max)) => (
                None,
                What::ScheduledActionFailed {
                    min,
                    max,
                    kept: (sc.min, sc.max),
                },
            ),
        };
        self.emit(Some(sid), what, false);
        if let Some(d) = moved {
            self.set_desired(sid, d);
        }
        let now_s = self.queue.now() as f64 / 1000.0;
        if let Some(t) = a.next_after(now_s) {
            let at = ((t * 1000.0).round() as u64).max(self.queue.now() + 1);
            self.queue.push(
                at,
                Event::ScheduledScaling {
                    service: sid,
                    action,
                },
            );
        }
    }

    /// Change a service's desired count (an UpdateService by a person, a scaling policy or a schedule).
    pub(super) fn set_desired(&mut self, sid: ServiceId, desired: u32) {
        self.stats.scaling_actions += 1;
        let st = &mut self.services[sid.0 as usize];
        // The same count again leaves a steady service steady (it would say so again, §2.6).
        if st.desired != desired {
            st.steady = false;
        }
        st.desired = desired;
        self.update_shortfall(sid);
        self.request_reconcile(sid, 0);
    }

    /// Is this task a DAEMON service's? (Instances running only daemon tasks count as empty, §3.2.)
    fn is_daemon_task(&self, t: TaskId) -> bool {
        matches!(self.world.task(t).owner, Owner::Service(s)
            if self.spec.services[s.0 as usize].scheduling == SchedulingStrategy::Daemon)
    }

    pub(super) fn has_non_daemon_task(&self, inst: InstanceId) -> bool {
        self.world
            .instance(inst)
            .tasks
            .iter()
            .any(|&t| !self.is_daemon_task(t))
    }

    /// Could a new instance of group `p` take task `t` at all (§3.2, DG `managed-scaling-behavior`: a
    /// task the sampled instance type cannot run is "not compatible" and left out of the scale-out
    /// calculation, and a placement constraint "not compatible with the sampled instances" stops the
    /// scale-out)? Its CPU architecture, and its memberOf expressions against `fresh`, the group's
    /// instances as they would register now (`fresh_instances`). Resources are the binpack's part.
    fn fits_new_instance(&self, t: TaskId, p: ProviderId, fresh: &[FreshInstance]) -> bool {
        let spec = self.spec;
        let ProviderKind::Asg(asg) = &spec.provider(p).kind else {
            return true;
        };
        let task = self.world.task(t);
        if spec
            .task_def(task.def)
            .arch
            .is_some_and(|a| a != asg.instance_type.arch)
        {
            return false;
        }
        member_of_admits(self.owner_constraints(task.owner), fresh)
    }

    /// What the cluster's DAEMON services take of a new instance of group `p` before any other task
    /// (§2.1: a daemon's task starts first on every instance whose constraints admit it), for the
    /// binpack of M (§3.2): each daemon whose primary deployment has not FAILED, of the group's CPU
    /// architecture, whose memberOf expressions admit the group's instance in one of its zones and that
    /// fits what the daemons before it left. Asked only when tasks wait for capacity.
    fn daemon_reservation(&self, p: ProviderId, fresh: &[FreshInstance]) -> DaemonShare {
        let spec = self.spec;
        let mut share = DaemonShare::default();
        let ProviderKind::Asg(asg) = &spec.provider(p).kind else {
            return share;
        };
        let (cpu, mem) = (asg.registered_cpu_units(), asg.registered_memory_mib());
        let enis = asg.instance_type.max_enis.saturating_sub(1);
        for (i, s) in spec.services.iter().enumerate() {
            let st = &self.services[i];
            if s.scheduling != SchedulingStrategy::Daemon
                || !st.created
                || st.deployments[st.primary].rollout == super::deploy::Rollout::Failed
            {
                continue;
            }
            let def = st.deployments[st.primary].task_def;
            let td = spec.task_def(def);
            let ports = &self.def_ports[def.0 as usize];
            let fits = share.cpu + td.cpu_units <= cpu
                && share.mem + td.memory_mib <= mem
                && (!td.uses_eni() || share.enis < enis)
                && !ports
                    .iter()
                    .any(|q| share.ports.contains(q) || spec.scheduler.reserved_ports.contains(q));
            if !fits
                || td.arch.is_some_and(|a| a != asg.instance_type.arch)
                || !member_of_admits(&s.placement_constraints, fresh)
            {
                continue;
            }
            share.cpu += td.cpu_units;
            share.mem += td.memory_mib;
            share.enis += u32::from(td.uses_eni());
            share.ports.extend_from_slice(ports);
        }
        share
    }

    /// A new instance of group `p` in each of its zones, as it would register now (its attributes, no
    /// tasks): what `fits_new_instance` matches memberOf expressions against. Built once per group and
    /// question, not per task.
    fn fresh_instances(&self, p: ProviderId) -> Vec<FreshInstance> {
        let spec = self.spec;
        let ProviderKind::Asg(asg) = &spec.provider(p).kind else {
            return Vec::new();
        };
        let now = self.queue.now();
        asg.zones
            .iter()
            .map(|&z| FreshInstance {
                attributes: super::scheduler::instance_attributes(spec, p, z),
                registered_at: now,
            })
            .collect()
    }

    /// Could a new instance of group `p` take task `t` at all? (`fits_new_instance` for one task.)
    pub(super) fn fits_a_new_instance(&self, t: TaskId, p: ProviderId) -> bool {
        self.fits_new_instance(t, p, &self.fresh_instances(p))
    }

    /// Every minute, for each capacity provider with managed scaling: CPR = M / N × 100 and the managed
    /// target-tracking policy's decision (§3.2).
    pub(super) fn cas_tick(&mut self) {
        let spec = self.spec;
        let now = self.queue.now();
        for (pi, prov) in spec.providers.iter().enumerate() {
            let ProviderKind::Asg(asg) = &prov.kind else {
                continue;
            };
            let Some(ms) = &asg.managed_scaling else {
                continue;
            };
            let p = ProviderId(pi as u16);
            let members: Vec<InstanceId> = (0..spec.zones.len())
                .flat_map(|z| {
                    self.world
                        .zone_index(p, ZoneId(z as u8))
                        .members
                        .iter()
                        .copied()
                })
                .collect();
            let non_empty = members
                .iter()
                .filter(|&&i| self.has_non_daemon_task(i))
                .count() as u32;
            // Only a group with tasks waiting asks (most minutes of most groups: none).
            let fresh = if self.waiting[pi].is_empty() {
                Vec::new()
            } else {
                self.fresh_instances(p)
            };
            let waiting: Vec<cluster::Need> = self.waiting[pi]
                .iter()
                .filter(|&&(t, serial)| {
                    let task = self.world.task(t);
                    task.serial == serial
                        && task.awaiting_capacity
                        && self.fits_new_instance(t, p, &fresh)
                })
                .map(|&(t, _)| {
                    let task = self.world.task(t);
                    cluster::Need {
                        cpu: task.cpu,
                        mem: task.mem,
                        eni: spec.task_def(task.def).uses_eni(),
                        ports: &self.def_ports[task.def.0 as usize],
                    }
                })
                .collect();
            // A new instance offers the waiting tasks what its daemons leave (§3.2: the binpack
            // "accounts for the resource availability" of the instances; §2.1: daemons start first).
            let daemons = if waiting.is_empty() {
                DaemonShare::default()
            } else {
                self.daemon_reservation(p, &fresh)
            };
            let mut reserved_ports = daemons.ports;
            reserved_ports.extend_from_slice(&spec.scheduler.reserved_ports);
            let shape = cluster::Shape {
                cpu: asg.registered_cpu_units() - daemons.cpu,
                mem: asg.registered_memory_mib() - daemons.mem,
                enis: asg.instance_type.max_enis.saturating_sub(1) - daemons.enis,
                reserved_ports: &reserved_ports,
            };
            let m = cluster::instances_needed(non_empty, &waiting, &shape);
            // N: the instances registered; those still launching are not "up and running" (§3.2).
            let n = members.len() as u32;
            let group = n + self.cas[pi].launching;
            let cpr = cluster::reservation(m, n);
            self.cas[pi].last_cpr = Some(cpr);
            if cpr > ms.target_capacity as f64 {
                self.cas[pi].low_streak = 0;
                if now < self.cas[pi].warm_until {
                    continue; // an instance is still warming up: no scale-out (§3.2)
                }
                if let Some(new) = cluster::scale_out(m, n, group, ms, asg.max_size) {
                    if group > n {
                        // The step lands on top of instances still launching (§3.2, unconfirmed).
                        self.used(crate::metrics::unconfirmed::Choice::CasOverProvision);
                    }
                    let what = What::ClusterScaleOut {
                        provider: p,
                        cpr,
                        m,
                        n,
                        target: ms.target_capacity,
                        from: group,
                        to: new,
                    };
                    self.emit(None, what, false);
                    for _ in group..new {
                        self.launch_instance(p, || {
                            format!("managed scaling, CapacityProviderReservation {cpr:.1}")
                        });
                    }
                }
            } else if cpr < ms.target_capacity as f64 {
                self.cas[pi].low_streak += 1;
                if self.cas[pi].low_streak >= ms.scale_in_datapoints {
                    let k = cluster::scale_in(m, n, ms, asg.min_size);
                    if k > 0 && self.cas[pi].low_streak > ms.scale_in_datapoints {
                        // A step after a step: one a minute while CPR stays low (§3.2, unconfirmed).
                        self.used(crate::metrics::unconfirmed::Choice::CasScaleInInterval);
                    }
                    if k > 0 {
                        self.scale_in_instances(
                            p,
                            &members,
                            k,
                            ms.managed_termination_protection,
                            cpr,
                            m,
                            n,
                        );
                    }
                }
            } else {
                self.cas[pi].low_streak = 0;
            }
        }
        self.queue.push_after(MS_PER_MIN, Event::CasTick);
    }

    /// Launch one instance of `p`'s group in its least-populated zone that is up; the launch is an event
    /// with its `cause` (managed scaling, a replacement), so no instance appears unexplained.
    /// Returns whether it launched (false: every zone of the group is down).
    pub(super) fn launch_instance(
        &mut self,
        p: ProviderId,
        cause: impl FnOnce() -> String,
    ) -> bool {
        let spec = self.spec;
        let ProviderKind::Asg(asg) = &spec.provider(p).kind else {
            unreachable!()
        };
        let Some(&zone) = asg
            .zones
            .iter()
            .filter(|z| !self.faults.zone_down[z.0 as usize])
            .min_by_key(|z| {
                let active = self.world.zone_index(p, **z).members.len() as u32;
                (
                    active + self.cas[p.0 as usize].launching_per_zone[z.0 as usize],
                    z.0,
                )
            })
        else {
            // Every zone of the group is down: said once, until a launch or a zone's return.
            if !std::mem::replace(&mut self.cas[p.0 as usize].launch_failure_said, true) {
                self.emit(None, What::InstanceLaunchFailed { provider: p }, false);
            }
            return false;
        };
        let c = &mut self.cas[p.0 as usize];
        c.launch_failure_said = false;
        c.launching += 1;
        c.launching_per_zone[zone.0 as usize] += 1;
        let now = self.queue.now();
        self.warm_up_from(p, now);
        let latency = asg.launch_latency.sample(&mut self.rng_launch);
        self.used(crate::metrics::unconfirmed::Choice::InstanceLaunchLatency);
        if self.texts {
            let what = What::InstanceLaunching {
                provider: p,
                zone,
                cause: cause(),
            };
            self.emit(None, what, false);
        }
        self.queue.push_after(
            latency,
            Event::InstanceLaunched {
                provider: p,
                zone,
                launched_at: now,
                outages: self.faults.zone_outages[zone.0 as usize],
                replaces: None,
            },
        );
        true
    }

    /// An instance of group `p` launched at `at`: with managed scaling, no scale-out until it is past
    /// `instanceWarmupPeriod` (§3.2; DG `managed-scaling-behavior`: ECS checks that "all existing
    /// instances have passed the instanceWarmupPeriod (now minus the instance launch time)"), whatever
    /// launched it: a scale-out, a replacement for a lost or reclaimed instance, zone rebalancing.
    pub(super) fn warm_up_from(&mut self, p: ProviderId, at: SimTime) {
        if let ProviderKind::Asg(asg) = &self.spec.provider(p).kind
            && let Some(ms) = &asg.managed_scaling
        {
            let c = &mut self.cas[p.0 as usize];
            c.warm_until = c.warm_until.max(at + ms.instance_warmup_ms);
        }
    }

    /// Zone `zone` went down: the instances launching into it are lost with it now (their
    /// `InstanceLaunched` events, started under an earlier outage count, are ignored when they come),
    /// and each group launches their replacements where it can, or owes them.
    pub(super) fn lose_launches(&mut self, zone: ZoneId) {
        self.faults.zone_outages[zone.0 as usize] += 1;
        let name = &self.spec.zones[zone.0 as usize];
        for pi in 0..self.cas.len() {
            let c = &mut self.cas[pi];
            let n = std::mem::take(&mut c.launching_per_zone[zone.0 as usize]);
            c.launching -= n;
            // Zone-rebalancing launches were moves: their victims stay, and nothing replaces them.
            let moves = c.rebalance_victims.iter().filter(|v| v.1 == zone).count() as u32;
            c.rebalance_victims.retain(|v| v.1 != zone);
            for _ in moves..n {
                self.replace_instance(ProviderId(pi as u16), || {
                    format!("replacing an instance lost while launching in {name}")
                });
            }
        }
    }

    /// A replacement instance for group `p`: launched now, or owed until one of its zones returns.
    pub(super) fn replace_instance(&mut self, p: ProviderId, cause: impl FnOnce() -> String) {
        if !self.launch_instance(p, cause) {
            self.cas[p.0 as usize].owed += 1;
        }
    }

    /// A zone returned: each group launches the replacements it owes (those whose zones are still all
    /// down stay owed).
    pub(super) fn launch_owed(&mut self) {
        for pi in 0..self.cas.len() {
            self.cas[pi].launch_failure_said = false;
            let owed = std::mem::take(&mut self.cas[pi].owed);
            for _ in 0..owed {
                self.replace_instance(ProviderId(pi as u16), || {
                    "replacing an instance lost while every zone of the group was down".to_string()
                });
            }
        }
    }

    /// Scale in by `k` instances: with managed termination protection only instances without non-daemon
    /// tasks (§3.2), chosen by the group's default termination policy; they drain and terminate.
    #[allow(clippy::too_many_arguments)]
    fn scale_in_instances(
        &mut self,
        p: ProviderId,
        members: &[InstanceId],
        k: u32,
        protection: bool,
        cpr: f64,
        m: u32,
        n: u32,
    ) {
        let mut candidates: Vec<InstanceId> = members
            .iter()
            .copied()
            .filter(|&i| !protection || !self.has_non_daemon_task(i))
            .collect();
        // The group's default termination policy (§3.2): the zone with the most instances, then the
        // instance closest to its next billing hour (the most time into its current hour since launch),
        // then at random: a hash of the instance's registration draw, not the draw itself, which
        // placement breaks its ties by (lowest first), so that the last resort is independent of where
        // tasks were placed. One launch template: no outdated ones.
        let now = self.queue.now();
        let mut per_zone = vec![0u32; self.spec.zones.len()];
        for &i in members {
            per_zone[self.world.instance(i).zone.0 as usize] += 1;
        }
        let mut chosen = Vec::new();
        for _ in 0..k {
            let Some(pos) = (0..candidates.len()).max_by_key(|&j| {
                let inst = self.world.instance(candidates[j]);
                let into_hour = now.saturating_sub(inst.launched_at) % 3_600_000;
                let draw = crate::engine::rng::fnv1a(&inst.tiebreak.to_le_bytes());
                (per_zone[inst.zone.0 as usize], into_hour, draw)
            }) else {
                break;
            };
            let id = candidates.swap_remove(pos);
            per_zone[self.world.instance(id).zone.0 as usize] -= 1;
            chosen.push(id);
        }
        if chosen.is_empty() {
            return;
        }
        let ms_target = match &self.spec.provider(p).kind {
            ProviderKind::Asg(a) => a
                .managed_scaling
                .as_ref()
                .map_or(0, |ms| ms.target_capacity),
            ProviderKind::Fargate { .. } => 0,
        };
        let what = What::ClusterScaleIn {
            provider: p,
            cpr,
            m,
            n,
            target: ms_target,
            instances: chosen.iter().map(|&i| self.ec2_serial(i)).collect(),
        };
        self.emit(None, what, false);
        for id in chosen {
            self.drain_and_terminate(id);
        }
    }

    /// DRAINING (§6.5): no new tasks; its tasks stop (services replace theirs elsewhere); once empty it
    /// terminates.
    pub(super) fn drain_and_terminate(&mut self, id: InstanceId) {
        self.world.set_draining(id);
        self.world.instances[id.0 as usize].terminate_when_empty = true;
        self.retire_instance(id);
        self.mark_for_replacement_on(id);
        self.maybe_terminate(id);
    }

    /// Take an instance out of the registered totals (it no longer offers capacity).
    fn retire_instance(&mut self, id: InstanceId) {
        let inst = self.world.instance(id);
        self.active_instances -= 1;
        self.cpu_registered -= inst.cpu_total as u64;
        self.mem_registered -= inst.mem_total as u64;
    }

    /// A draining instance with no task left terminates: billed per second from launch, one-minute
    /// minimum (§6.2).
    pub(super) fn maybe_terminate(&mut self, id: InstanceId) {
        let inst = self.world.instance(id);
        if inst.status != InstanceStatus::Draining
            || !inst.tasks.is_empty()
            || !inst.terminate_when_empty
        {
            return;
        }
        let ProviderKind::Asg(asg) = &self.spec.provider(inst.provider).kind else {
            unreachable!()
        };
        let since = inst.launched_at;
        let now = self.queue.now();
        // EC2 interrupting a Spot instance in its first hour charges nothing for it (EC2 UG
        // `billing-for-interrupted-spot-instances`, Linux; §6.4): its tasks' shares are taken back too.
        let free = inst.reclaimed && now - since < 3_600_000;
        let amount = if free {
            for (owner, a) in std::mem::take(&mut self.world.instances[id.0 as usize].attributed) {
                self.cost.by_owner[owner as usize].add(-a);
                self.cost.ec2_attributed -= a;
            }
            0.0
        } else {
            billing::cost(asg.price_usd_per_hour, billing::billed_seconds(now - since))
        };
        self.cost.ec2.close(asg.price_usd_per_hour, since, amount);
        self.cost.by_provider[self.world.instance(id).provider.0 as usize] += amount;
        let instance = self.ec2_serial(id);
        self.burst_terminate(id);
        self.world.deregister(id);
        self.stats.instances_terminated += 1;
        self.emit(None, What::InstanceTerminated { instance }, false);
    }

    /// The image-pull part of PENDING: size / throughput when the task definition gives an image size
    /// (lazy loading shortens it on Fargate), else the `pull` distribution; on EC2 only the first task of
    /// an image on an instance pulls it (the image cache, §6.3).
    pub(super) fn pull_ms(&mut self, t: TaskId, dist: &crate::engine::dist::DurationDist) -> u64 {
        let spec = self.spec;
        let task = self.world.task(t);
        let td = spec.task_def(task.def);
        if task.launch == LaunchKind::Ec2
            && let Some(i) = task.instance
        {
            let img = self.def_image[task.def.0 as usize];
            let inst = &mut self.world.instances[i.0 as usize];
            if inst.images.contains(&img) {
                return 0;
            }
            inst.images.push(img);
            return match td.image_size_mib {
                Some(mib) => (mib as f64 / spec.timings.ec2_pull_mib_per_s * 1000.0).round() as u64,
                None => dist.sample(&mut self.rng_timing),
            };
        }
        match td.image_size_mib {
            Some(mib) => {
                let factor = if td.lazy_loading {
                    spec.timings.lazy_loading_factor
                } else {
                    1.0
                };
                (mib as f64 / spec.timings.fargate_pull_mib_per_s * factor * 1000.0).round() as u64
            }
            None => dist.sample(&mut self.rng_timing),
        }
    }
}

/// Does every memberOf expression of `constraints` match one of `fresh`, the group's instances as they
/// would register (§3.2)? distinctInstance says nothing of a new, empty instance.
fn member_of_admits(constraints: &[Constraint], fresh: &[FreshInstance]) -> bool {
    let mut exprs = constraints
        .iter()
        .filter_map(|c| match c {
            Constraint::MemberOf { expr, .. } => Some(expr),
            Constraint::DistinctInstance => None,
        })
        .peekable();
    if exprs.peek().is_none() {
        return true;
    }
    let exprs: Vec<&crate::ecs::cql::Expr> = exprs.collect();
    fresh.iter().any(|f| exprs.iter().all(|e| e.matches(f)))
}

/// What the DAEMON services hold on every new instance of a group: CPU units, MiB, ENIs and static
/// host ports (`Sim::daemon_reservation`).
#[derive(Default)]
struct DaemonShare {
    cpu: u32,
    mem: u32,
    enis: u32,
    ports: Vec<u16>,
}

/// An instance of a group as it registers (no tasks), for asking whether a constraint could ever
/// accept one (§3.2).
struct FreshInstance {
    attributes: Vec<(String, String)>,
    registered_at: SimTime,
}

impl crate::ecs::cql::InstanceView for FreshInstance {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .binary_search_by(|(k, _)| k.as_str().cmp(name))
            .ok()
            .map(|i| self.attributes[i].1.as_str())
    }
    fn ec2_instance_id(&self) -> &str {
        "" // a new instance's id is not known in advance: no `ec2InstanceId` list names it
    }
    fn running_tasks_count(&self) -> u32 {
        0
    }
    fn task_groups(&self) -> &[String] {
        &[]
    }
    fn agent_connected(&self) -> bool {
        true
    }
    fn agent_version(&self) -> &str {
        "1.90.0"
    }
    fn registered_at_ms(&self) -> u64 {
        self.registered_at
    }
}
