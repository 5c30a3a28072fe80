//! The one closed [`Event`] enum and its dispatch `match`: which control loop each event goes to.
//!
//! Must not: hold policy; an arm only checks a task's generation and calls the loop that owns the event.

use crate::ecs::world::{InstanceId, InstanceStatus, Owner, StopCode, TaskId, TaskState};
use crate::engine::SimTime;
use crate::metrics::What;
use crate::spec::{ProviderId, ServiceId, ZoneId};

use super::{MAX_WAITING_JOBS, Sim, next_state};

/// A task as an event names it: its slot and its generation when the event was scheduled. A task that has
/// changed state since (its generation moved on) ignores the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskRef {
    /// Slot.
    pub task: TaskId,
    /// Generation when scheduled.
    pub generation: u32,
}

/// Everything that can happen. Events that name a task carry a [`TaskRef`]: a task that has changed
/// state since the event was scheduled ignores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Register the initial instances and create the services that start at time 0.
    Start,
    /// Create a service that starts later.
    CreateService(ServiceId),
    /// The task's current state has lasted its duration.
    TaskStep(TaskRef),
    /// A capacity-provider task waited in PROVISIONING too long (§3.2).
    ProvisioningTimeout(TaskRef),
    /// A standalone task's essential container exits.
    EssentialExit(TaskRef),
    /// The service scheduler looks at one service.
    Reconcile(ServiceId),
    /// RunTask call number `.0` of the scenario.
    RunTask(u32),
    /// Service update number `.0` of the scenario.
    UpdateService(u32),
    /// End of a metric period.
    MetricTick,
    /// A service task passed its first load-balancer health check: it becomes a target.
    TargetHealthy(TaskRef),
    /// Scheduled task number `.0` fires.
    ScheduledRun(u32),
    /// The next job of batch source `.0` arrives.
    JobArrival(u32),
    /// The datapoints of one metric period reach the alarms of every scaled service (one event for all
    /// services: they share the period and the publication delay).
    ScalingDatapoints,
    /// Scheduled scaling action `action` of a service fires.
    ScheduledScaling {
        /// Service.
        service: ServiceId,
        /// Index in its scheduled actions.
        action: u16,
    },
    /// Cluster auto scaling evaluates CapacityProviderReservation (every minute).
    CasTick,
    /// A scheduled deployment (`[[deployments]]` number `.0`).
    Deploy(u32),
    /// A container health check of a task.
    HealthCheck(TaskRef),
    /// 40 s after RUNNING: healthy, for tasks with no health check and no load balancer (§2.3).
    TaskHealthy(TaskRef),
    /// A running task crashes (a `task_crash` fault).
    TaskCrash(TaskRef),
    /// An instance fails (an `instance_failure` fault).
    InstanceFailure {
        /// The instance.
        instance: InstanceId,
    },
    /// Fault number `fault` acts (trace time number `k`, or a window's start `k = 0` / end `k = 1`).
    FaultAt {
        /// Fault index.
        fault: u16,
        /// Which moment.
        k: u32,
    },
    /// EC2 Spot interruption notice.
    SpotNotice {
        /// The instance.
        instance: InstanceId,
        /// Spot draining enabled.
        draining: bool,
    },
    /// EC2 Spot termination, 2 minutes after the notice.
    SpotTerminate {
        /// The instance.
        instance: InstanceId,
    },
    /// Fargate Spot interruption warning for a task.
    FargateSpotNotice(TaskRef),
    /// An instance the Auto Scaling group launched registers with the cluster.
    InstanceLaunched {
        /// Its group.
        provider: ProviderId,
        /// Its zone.
        zone: ZoneId,
        /// When it was launched (billing starts then).
        launched_at: SimTime,
        /// Its zone's outage count at launch ([`super::faults::FaultState::zone_outages`]): an outage
        /// since took it.
        outages: u32,
        /// The instance the group's zone rebalancing terminates once this one registers.
        replaces: Option<InstanceId>,
    },
    /// A task's scale-in protection lapses (§2.7). `until` is the expiry it was scheduled for: a
    /// protection cleared since (the task stopped, its slot reused) ignores it.
    ProtectionExpires {
        /// The task.
        task: TaskId,
        /// Its protection's expiry when scheduled.
        until: SimTime,
    },
    /// The next launch token arrives for a waiting Fargate task or RunTask call (§8.1, §8.2).
    LaunchWake {
        /// The limiter's wake generation when scheduled.
        generation: u32,
    },
}

impl<'a> Sim<'a> {
    pub(super) fn dispatch(&mut self, ev: Event) {
        match ev {
            Event::Start => self.on_start(),
            Event::CreateService(s) => self.create_service(s),
            Event::TaskStep(TaskRef { task, generation }) => {
                if self.world.task(task).generation == generation {
                    if self.fails_now(task) {
                        return;
                    }
                    let next = next_state(self.world.task(task).state);
                    self.run_from(task, next);
                }
            }
            Event::ProvisioningTimeout(TaskRef { task, generation }) => {
                let t = self.world.task(task);
                if t.generation == generation && t.awaiting_capacity {
                    self.used(crate::metrics::unconfirmed::Choice::ProvisioningTimeout);
                    let reason = format!("TaskFailedToStart: {}", self.last_failure_reason(task));
                    self.stop_task(task, StopCode::TaskFailedToStart, reason.into());
                }
            }
            Event::EssentialExit(TaskRef { task, generation }) => {
                if self.world.task(task).generation == generation {
                    self.stop_task(
                        task,
                        StopCode::EssentialContainerExited,
                        "Essential container in task exited".into(),
                    );
                }
            }
            Event::Reconcile(s) => {
                self.services[s.0 as usize].reconcile_queued = false;
                self.reconcile(s);
            }
            Event::RunTask(i) => self.request_run_task(i as usize),
            Event::UpdateService(i) => {
                let u = &self.spec.service_updates[i as usize];
                let (sid, desired) = (u.service, u.desired_count);
                self.emit(Some(sid), What::DesiredCountSet { to: desired }, false);
                self.set_desired(sid, desired);
            }
            Event::MetricTick => self.metric_tick(),
            Event::ScalingDatapoints => {
                let batch = self
                    .pending_datapoints
                    .pop_front()
                    .expect("one batch per ScalingDatapoints event");
                for (i, &dp) in batch.iter().enumerate() {
                    // Two services ahead: the scaler's policy and state buffers; one ahead: the datapoint
                    // history those hold (step scaling; see `engine::prefetch`).
                    if let Some(Some(sc)) = self.scalers.get(i + 2) {
                        sc.prefetch_buffers();
                    }
                    if let Some(Some(sc)) = self.scalers.get(i + 1) {
                        sc.prefetch_history();
                    }
                    if self.scalers[i].is_some() {
                        self.on_scaling_datapoint(ServiceId(i as u32), dp);
                    }
                }
                self.spare_datapoints.push(batch);
            }
            Event::ScheduledScaling { service, action } => {
                self.on_scheduled_scaling(service, action)
            }
            Event::CasTick => self.cas_tick(),
            Event::Deploy(i) => {
                let d = &self.spec.deployments[i as usize];
                self.start_deployment(d.service, d.task_def, "UpdateService");
            }
            Event::HealthCheck(TaskRef { task, generation }) => {
                let x = self.world.task(task);
                if x.generation == generation && x.state == TaskState::Running && !x.stop_requested
                {
                    self.on_health_check(task);
                }
            }
            Event::TaskHealthy(TaskRef { task, generation }) => {
                let x = self.world.task(task);
                if x.generation == generation && x.state == TaskState::Running && !x.stop_requested
                {
                    self.mark_healthy(task);
                }
            }
            Event::TaskCrash(TaskRef { task, generation }) => {
                let x = self.world.task(task);
                if x.generation == generation && x.state == TaskState::Running && !x.stop_requested
                {
                    let serial = x.serial;
                    self.stats.task_crashes += 1;
                    self.emit(None, What::TaskCrashed { task: serial }, false);
                    self.stop_task(
                        task,
                        StopCode::EssentialContainerExited,
                        "Essential container in task exited".into(),
                    );
                }
            }
            Event::InstanceFailure { instance } => {
                if self.world.instance(instance).status != InstanceStatus::Deregistered {
                    self.fail_instance(instance, "failed");
                }
            }
            Event::FaultAt { fault, k } => self.on_fault_at(fault, k),
            Event::SpotNotice { instance, draining } => self.spot_notice(instance, draining),
            Event::SpotTerminate { instance } => self.spot_terminate(instance),
            Event::FargateSpotNotice(TaskRef { task, generation }) => {
                if self.world.task(task).generation == generation {
                    self.fargate_spot_interrupt(task);
                }
            }
            Event::InstanceLaunched {
                provider,
                zone,
                launched_at,
                outages,
                replaces,
            } => self.instance_launched(provider, zone, launched_at, outages, replaces),
            Event::TargetHealthy(TaskRef { task, generation }) => {
                let t = self.world.task(task);
                if t.generation == generation
                    && t.state == TaskState::Running
                    && !t.stop_requested
                    && let Owner::Service(sid) = t.owner
                    && self
                        .spec
                        .task_def(t.def)
                        .health_check
                        .is_none_or(|h| h.passes)
                {
                    // A target whose application fails its health check never passes the load balancer's
                    // check either: it stays out (and the container check replaces it).
                    self.advance_traffic(sid);
                    self.task_traffic[task.0 as usize].target = true;
                    let view = self.target_of(task);
                    let volatile = self.takes_cpu_shares(task);
                    let from_start = self.world.task(task).created_at == 0;
                    let tr = self.traffic[sid.0 as usize].as_mut().expect("load");
                    if tr.first_healthy.is_none() {
                        tr.first_healthy_from_start = from_start;
                    }
                    tr.add_target(task, view, volatile);
                    if self
                        .spec
                        .task_def(self.world.task(task).def)
                        .health_check
                        .is_none()
                    {
                        self.mark_healthy(task);
                    }
                }
            }
            Event::ScheduledRun(i) => {
                let spec = self.spec;
                let st = &spec.scheduled_tasks[i as usize];
                self.request_run_task(spec.run_tasks.len() + i as usize);
                let now_s = self.queue.now() as f64 / 1000.0;
                if let Some(t) =
                    st.schedule
                        .next_after_in(now_s, st.epoch_start_s, st.zone.as_ref())
                {
                    let at = ((t * 1000.0).round() as u64).max(self.queue.now() + 1);
                    self.queue.push(at, Event::ScheduledRun(i));
                }
            }
            Event::JobArrival(i) => {
                let now = self.queue.now();
                let b = &mut self.batch.sources[i as usize];
                if let Some(job) = b.next.take() {
                    self.batch.first_job_ms.get_or_insert(now);
                    if b.waiting.len() < MAX_WAITING_JOBS {
                        b.waiting.push_back((job, now));
                    } else {
                        self.batch.jobs_dropped += 1;
                    }
                    self.dispatch_jobs(i as usize, false);
                }
                self.read_next_job(i as usize);
            }
            Event::LaunchWake { generation } => self.on_launch_wake(generation),
            Event::ProtectionExpires { task, until } => self.on_protection_expired(task, until),
        }
    }
}

impl Sim<'_> {
    /// An instance a group launched is up (`Event::InstanceLaunched`): registered unless its zone's
    /// outage took it; the instance it replaces in a zone move is terminated.
    fn instance_launched(
        &mut self,
        provider: ProviderId,
        zone: ZoneId,
        launched_at: SimTime,
        outages: u32,
        replaces: Option<InstanceId>,
    ) {
        // A launch its zone's outage took was counted off, and replaced, at the outage.
        let lost = outages != self.faults.zone_outages[zone.0 as usize];
        if !lost {
            let c = &mut self.cas[provider.0 as usize];
            c.launching -= 1;
            c.launching_per_zone[zone.0 as usize] -= 1;
            debug_assert!(
                !self.faults.zone_down[zone.0 as usize],
                "launch into a down zone"
            );
            self.register_instance(provider, zone, launched_at);
        }
        if let Some(victim) = replaces {
            self.rebalanced(provider, victim, !lost);
        }
        // Services look for an AZ imbalance once the instance is in, and after the group's
        // zone-rebalancing move drained the instance it replaces: that drain's replacements are
        // placed first (the service is not steady meanwhile), not counted as an imbalance (§2.1).
        if !lost {
            self.rebalance_zones_if_any();
        }
    }
}
