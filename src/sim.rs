//! The simulation: one closed [`Event`] enum, one dispatch `match`, and the ECS control loops that react
//! to events (service scheduler §2, capacity-provider strategies §3.1, task lifecycle §7). It owns the
//! [`World`] and the event queue; placement decisions are pure functions in [`crate::ecs::placement`].
//!
//! Must not: do I/O (records go to a [`Sink`]), read the scenario file, or use wall-clock time except to
//! report `wall_seconds`.

mod autoscaling;
mod burst;
mod deploy;
mod explain;
mod faults;
mod launch;
mod queue;
mod scale_in;
mod warnings;

use deploy::{Deployment, Rollout};
pub use deploy::{breaker_threshold, max_tasks, min_healthy_tasks};
pub use explain::{ExplainFilter, render as render_explain};

use std::collections::{HashMap, VecDeque};

use crate::ecs::placement::{self, Failure, Request, Scope};
use crate::ecs::world::{
    GroupId, Instance, InstanceId, InstanceStatus, LaunchKind, Owner, StopCode, Task, TaskId,
    TaskState, World,
};
use crate::engine::rng::{RngStream, fnv1a};
use crate::engine::{EventQueue, MS_PER_MIN, SimTime};
use crate::metrics::{EventRecord, SeriesRow, Sink, Summary, TaskRecord, quantile_sorted};
use crate::pricing::billing::{self, CostMeter};
use crate::scaling::cluster;
use crate::scaling::service::{ScalingMetric, ServiceScaler};
use crate::spec::{
    Constraint, Launch, ProviderId, ProviderKind, RunTaskSpec, SchedulingStrategy, ServiceId, Spec,
    SpreadField, StateTimings, Strategy, StrategyItem, TaskDefId, ZoneId,
};
use crate::traffic::queueing::LatencyHistogram;
use crate::traffic::runtime::{RateMemo, ServiceTraffic, ShapeCache, Target, TaskTraffic};
use crate::workload::jobs::{Job, JobReader};

/// Everything that can happen. Events that name a task carry its generation: a task that has changed
/// state since the event was scheduled ignores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Register the initial instances and create the services that start at time 0.
    Start,
    /// Create a service that starts later.
    CreateService(ServiceId),
    /// The task's current state has lasted its duration.
    TaskStep {
        /// Slot.
        task: TaskId,
        /// Generation when scheduled.
        generation: u32,
    },
    /// A capacity-provider task waited in PROVISIONING too long (§3.2).
    ProvisioningTimeout {
        /// Slot.
        task: TaskId,
        /// Generation when scheduled.
        generation: u32,
    },
    /// A standalone task's essential container exits.
    EssentialExit {
        /// Slot.
        task: TaskId,
        /// Generation when scheduled.
        generation: u32,
    },
    /// The service scheduler looks at one service.
    Reconcile(ServiceId),
    /// RunTask call number `.0` of the scenario.
    RunTask(u32),
    /// Service update number `.0` of the scenario.
    UpdateService(u32),
    /// End of a metric period.
    MetricTick,
    /// A service task passed its first load-balancer health check: it becomes a target.
    TargetHealthy {
        /// Slot.
        task: TaskId,
        /// Generation when scheduled.
        generation: u32,
    },
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
    HealthCheck {
        /// Slot.
        task: TaskId,
        /// Generation when scheduled.
        generation: u32,
    },
    /// 40 s after RUNNING: healthy, for tasks with no health check and no load balancer (§2.3).
    TaskHealthy {
        /// Slot.
        task: TaskId,
        /// Generation when scheduled.
        generation: u32,
    },
    /// A running task crashes (a `task_crash` fault).
    TaskCrash {
        /// Slot.
        task: TaskId,
        /// Generation when scheduled.
        generation: u32,
    },
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
    FargateSpotNotice {
        /// Slot.
        task: TaskId,
        /// Generation when scheduled.
        generation: u32,
    },
    /// An instance the Auto Scaling group launched registers with the cluster.
    InstanceLaunched {
        /// Its group.
        provider: ProviderId,
        /// Its zone.
        zone: ZoneId,
        /// When it was launched (billing starts then).
        launched_at: SimTime,
    },
    /// The next launch token arrives for a waiting Fargate task or RunTask call (§8.1, §8.2).
    LaunchWake {
        /// The limiter's wake generation when scheduled.
        generation: u32,
    },
}

/// Cluster auto scaling state of one capacity provider.
#[derive(Debug, Clone, Default)]
struct CasState {
    launching: u32,
    launching_per_zone: Vec<u32>,
    warm_until: SimTime,
    low_streak: u32,
    last_cpr: Option<f64>,
}

/// A batch source at run time: the reader, the next job read ahead, and the jobs waiting for capacity.
struct BatchRt {
    reader: JobReader,
    next: Option<Job>,
    waiting: VecDeque<(Job, SimTime)>,
    read: u64,
    /// Jobs dropped because no size they may use holds them (for the end-of-run warning).
    unfit: u64,
}

/// Jobs that may wait for capacity at once, per batch source (a bound on the queue).
const MAX_WAITING_JOBS: usize = 1_000_000;

/// What the scale-in victim pass ranks a service's task by (§1.3: RUNNING or not, its zone, whether it
/// holds an instance), kept beside [`ServiceState::tasks`] so that the pass need not read the tasks,
/// which lie scattered over the task slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TaskBrief {
    running: bool,
    on_instance: bool,
    /// Zone index; `u8::MAX`: none yet.
    zone: u8,
}

impl TaskBrief {
    fn of(t: &Task) -> TaskBrief {
        TaskBrief {
            running: t.state == TaskState::Running,
            on_instance: t.instance.is_some(),
            zone: t.zone.map_or(u8::MAX, |z| z.0),
        }
    }
}

/// Per-service scheduler state.
#[derive(Debug, Clone)]
struct ServiceState {
    created: bool,
    desired: u32,
    group: GroupId,
    /// Tasks whose desired status is RUNNING.
    tasks: Vec<TaskId>,
    /// `briefs[i]` describes `tasks[i]` (kept in step with it; see [`TaskBrief`]).
    briefs: Vec<TaskBrief>,
    /// Tasks that left `tasks` with their stop requested and are not yet STOPPED: they still hold their
    /// zone count and resources, which scale-in counts as released (`scale_in`).
    stopping: Vec<TaskId>,
    /// Active tasks per provider (base/weight accounting).
    provider_counts: Vec<u32>,
    running: u32,
    pending: u32,
    failures_in_row: u32,
    throttled_until: SimTime,
    reconcile_queued: bool,
    tokens: f64,
    tokens_at: SimTime,
    steady: bool,
    shortfall: u32,
    strategies: Vec<Strategy>,
    deployments: Vec<Deployment>,
    primary: usize,
    /// Of `tasks`: those of the primary deployment not marked for replacement, and the healthy ones
    /// (healthy and not unhealthy). Kept as the flags change, so that reconciling a service does not read
    /// every one of its tasks (debug builds check them against a count).
    n_keep: u32,
    n_healthy: u32,
}

impl ServiceState {
    /// Is its primary deployment rolling out (§2.3)? (Scale-in waits for it, §4.1.)
    fn deployment_in_progress(&self) -> bool {
        self.deployments[self.primary].rollout == Rollout::InProgress
    }
}

/// A run in progress. Create with [`Sim::new`], then [`Sim::run`].
pub struct Sim<'a> {
    spec: &'a Spec,
    /// The world (public for tests and invariant checks).
    pub world: World,
    queue: EventQueue<Event>,
    services: Vec<ServiceState>,
    sink: &'a mut dyn Sink,
    rng_placement: RngStream,
    rng_timing: RngStream,
    rng_instances: RngStream,
    /// Tasks waiting for capacity, per provider, in arrival order: (slot, serial).
    waiting: Vec<VecDeque<(TaskId, u64)>>,
    waiting_total: u32,
    dedup: HashMap<u64, SimTime>,
    def_ports: Vec<Vec<u16>>,
    run_task_strategies: Vec<Vec<Strategy>>,
    // Statistics.
    unplaced_now: u64,
    unplaced_acc_ms: u128,
    unplaced_at: SimTime,
    start_latencies_ms: Vec<u64>,
    failed_to_start: u64,
    stopped: u64,
    placement_failures: u64,
    instances_peak: u64,
    cpu_res_sum: f64,
    mem_res_sum: f64,
    res_samples: u64,
    active_instances: u64,
    cpu_registered: u64,
    mem_registered: u64,
    cpu_reserved: u64,
    mem_reserved: u64,
    check_invariants: bool,
    last_time: SimTime,
    // Cost (reference §5.2, §6.2).
    cost_ec2: CostMeter,
    cost_fargate: CostMeter,
    cost_fargate_spot: CostMeter,
    ec2_attributed: f64,
    /// Per service, then one bucket for standalone tasks.
    cost_by_owner: Vec<CostMeter>,
    // Traffic.
    traffic: Vec<Option<ServiceTraffic>>,
    task_traffic: Vec<TaskTraffic>,
    /// M/M/c latency shapes shared by all services.
    shape_cache: ShapeCache,
    /// The services' shared load patterns (see [`RateMemo`]).
    rate_memo: RateMemo,
    run_hist: LatencyHistogram,
    rng_health: RngStream,
    // Batch jobs.
    batches: Vec<BatchRt>,
    job_waits_ms: Vec<u64>,
    first_job_ms: Option<SimTime>,
    last_job_end_ms: SimTime,
    jobs_dropped: u64,
    // Auto scaling.
    scalers: Vec<Option<ServiceScaler>>,
    /// Datapoints published and not yet delivered: one batch per metric period (indexed by service), so
    /// that publishing and delivery walk one contiguous buffer instead of a queue per service.
    pending_datapoints: VecDeque<Vec<[Option<f64>; 3]>>,
    /// Delivered batches, reused.
    spare_datapoints: Vec<Vec<[Option<f64>; 3]>>,
    cas: Vec<CasState>,
    /// Per task definition, its image as a small id (definitions that name the same image share it), so
    /// an instance's image cache is checked without hashing the image name at every task start.
    def_image: Vec<u32>,
    rng_launch: RngStream,
    instances_terminated: u64,
    scaling_actions: u64,
    // Faults.
    fault_rngs: Vec<RngStream>,
    rng_start_failures: RngStream,
    spot_shortage: bool,
    zone_down: Vec<bool>,
    spot_interruptions: u64,
    instance_failures: u64,
    task_crashes: u64,
    /// The decision log of `ecsim explain` (None: not recorded, so normal runs pay nothing).
    explain: Option<ExplainLog>,
    /// Does anyone read event-log text (the sink or `explain`)? When not, sentences are not formatted.
    texts: bool,
    /// Does the sink keep task records / time-series rows (see [`Sink::wants_tasks`])?
    tasks_out: bool,
    /// See [`Sink::wants_series`].
    series_out: bool,
    /// Some service rebalances across zones (read every metric period; the specs are large and many).
    az_rebalancing: bool,
    /// Launch rates: the Fargate task-launch buckets and the RunTask call rate (§8.1, §8.2).
    launch: launch::Limiter,
    /// CPU credits of burstable instances (§6.6); `None` when no provider's type is burstable.
    burst: Option<Box<burst::BurstRt>>,
    /// Per service, the queue its tasks consume (§4.5); empty when no service has one.
    message_queues: Vec<Option<queue::QueueRt>>,
    /// Some service has a queue (tasks entering or leaving RUNNING advance it).
    has_queues: bool,
}

/// Where `ecsim explain` collects the decision log (shared so the caller keeps it after the run).
pub type ExplainLog = std::sync::Arc<std::sync::Mutex<Vec<ExplainLine>>>;

/// One line of the decision log.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplainLine {
    /// When.
    pub time_ms: SimTime,
    /// The service it concerns, or empty.
    pub service: String,
    /// What was decided and why.
    pub text: String,
    /// The task it is about (its id in `tasks.csv`), if one.
    pub task: Option<u64>,
    /// A state change of that task (printed only when asked for the task).
    pub lifecycle: bool,
}

const STAY: u64 = u64::MAX;

impl<'a> Sim<'a> {
    /// Prepare a run of `spec`, reporting into `sink`.
    pub fn new(spec: &'a Spec, sink: &'a mut dyn Sink) -> Self {
        let (texts, tasks_out, series_out) =
            (sink.wants_events(), sink.wants_tasks(), sink.wants_series());
        let message_queues = Self::new_message_queues(spec);
        if !message_queues.is_empty() {
            sink.queue_columns();
        }
        let mut world = World::new(
            spec.providers.len(),
            spec.zones.len(),
            spec.scheduler.max_reserved_ports,
        );
        // The smallest task of the run bounds what a nearly full instance can still host.
        let (min_cpu, min_mem) = if spec.batch_jobs.is_empty() {
            (
                spec.task_definitions
                    .iter()
                    .map(|d| d.cpu_units)
                    .min()
                    .unwrap_or(0),
                spec.task_definitions
                    .iter()
                    .map(|d| d.memory_mib)
                    .min()
                    .unwrap_or(0),
            )
        } else {
            (0, 0) // jobs come in every size
        };
        world.set_min_need(min_cpu, min_mem);
        world.track_group_names = spec
            .services
            .iter()
            .flat_map(|s| s.placement_constraints.iter())
            .chain(spec.run_tasks.iter().flat_map(|r| r.placement_constraints.iter()))
            .any(|c| matches!(c, Constraint::MemberOf { source, .. } if source.contains("task:group")));
        let services: Vec<ServiceState> = spec
            .services
            .iter()
            .map(|s| {
                let group = world.group(&format!("service:{}", s.name));
                let strategies = if s.placement_strategy.is_empty() {
                    // §1.3: AZ-balanced, then the instance with the fewest tasks of the service.
                    vec![
                        Strategy::Spread(SpreadField::AvailabilityZone),
                        Strategy::Spread(SpreadField::InstanceId),
                    ]
                } else {
                    s.placement_strategy.clone()
                };
                ServiceState {
                    created: false,
                    desired: 0,
                    group,
                    tasks: Vec::new(),
                    briefs: Vec::new(),
                    stopping: Vec::new(),
                    n_keep: 0,
                    n_healthy: 0,
                    provider_counts: vec![0; spec.providers.len()],
                    running: 0,
                    pending: 0,
                    failures_in_row: 0,
                    throttled_until: 0,
                    reconcile_queued: false,
                    tokens: spec.scheduler.service_launch_rate_per_minute as f64,
                    tokens_at: 0,
                    steady: false,
                    shortfall: 0,
                    strategies,
                    deployments: vec![Deployment {
                        task_def: s.task_def,
                        rollout: Rollout::InProgress,
                        failures: 0,
                    }],
                    primary: 0,
                }
            })
            .collect();
        let run_task_strategies: Vec<Vec<Strategy>> = spec
            .run_tasks
            .iter()
            .chain(spec.scheduled_tasks.iter().map(|s| &s.run))
            .map(|r| {
                if r.placement_strategy.is_empty() {
                    vec![Strategy::Random] // §1.3: RunTask default is random.
                } else {
                    r.placement_strategy.clone()
                }
            })
            .collect();
        // Only binpack reads the free-resource indexes; strategies are fixed for the run.
        world.set_binpack_index(
            services
                .iter()
                .map(|s| &s.strategies)
                .chain(run_task_strategies.iter())
                .chain(spec.batch_jobs.iter().map(|b| &b.placement_strategy))
                .flatten()
                .any(|s| matches!(s, Strategy::Binpack(_))),
        );
        let def_ports = spec
            .task_definitions
            .iter()
            .map(|d| d.static_host_ports.clone())
            .collect();
        let mut rate_memo = RateMemo::default();
        let mut sim = Sim {
            spec,
            world,
            queue: EventQueue::with_capacity(1024),
            services,
            sink,
            rng_placement: RngStream::new(spec.seed, "placement"),
            rng_timing: RngStream::new(spec.seed, "task-timings"),
            rng_instances: RngStream::new(spec.seed, "instances"),
            waiting: vec![VecDeque::new(); spec.providers.len()],
            waiting_total: 0,
            dedup: HashMap::new(),
            def_ports,
            run_task_strategies,
            unplaced_now: 0,
            unplaced_acc_ms: 0,
            unplaced_at: 0,
            start_latencies_ms: Vec::new(),
            failed_to_start: 0,
            stopped: 0,
            placement_failures: 0,
            instances_peak: 0,
            cpu_res_sum: 0.0,
            mem_res_sum: 0.0,
            res_samples: 0,
            active_instances: 0,
            cpu_registered: 0,
            mem_registered: 0,
            cpu_reserved: 0,
            mem_reserved: 0,
            check_invariants: cfg!(debug_assertions),
            last_time: 0,
            cost_ec2: CostMeter::default(),
            cost_fargate: CostMeter::default(),
            cost_fargate_spot: CostMeter::default(),
            ec2_attributed: 0.0,
            cost_by_owner: vec![CostMeter::default(); spec.services.len() + 1],
            traffic: spec
                .services
                .iter()
                .map(|s| {
                    s.load.as_ref().map(|l| {
                        ServiceTraffic::new(
                            l,
                            RngStream::new(spec.seed, &format!("arrivals:{}", s.name)),
                            spec.metric_period_ms,
                            &mut rate_memo,
                        )
                    })
                })
                .collect(),
            task_traffic: Vec::new(),
            shape_cache: ShapeCache::default(),
            rate_memo,
            run_hist: LatencyHistogram::new(),
            rng_health: RngStream::new(spec.seed, "health-checks"),
            batches: spec
                .batch_jobs
                .iter()
                .map(|b| BatchRt {
                    reader: JobReader::open(&b.path, b.format.clone())
                        .expect("job file checked at load"),
                    next: None,
                    waiting: VecDeque::new(),
                    read: 0,
                    unfit: 0,
                })
                .collect(),
            job_waits_ms: Vec::new(),
            first_job_ms: None,
            last_job_end_ms: 0,
            jobs_dropped: 0,
            scalers: spec
                .services
                .iter()
                .map(|s| {
                    s.auto_scaling.as_ref().map(|a| {
                        ServiceScaler::new(
                            a.min,
                            a.max,
                            a.policies.clone(),
                            spec.scaling.scale_in_step_fraction,
                        )
                    })
                })
                .collect(),
            pending_datapoints: VecDeque::new(),
            spare_datapoints: Vec::new(),
            cas: spec
                .providers
                .iter()
                .map(|_| CasState {
                    launching_per_zone: vec![0; spec.zones.len()],
                    ..Default::default()
                })
                .collect(),
            def_image: {
                let mut ids: HashMap<&str, u32> = HashMap::new();
                spec.task_definitions
                    .iter()
                    .map(|d| {
                        let next = ids.len() as u32;
                        *ids.entry(d.image.as_str()).or_insert(next)
                    })
                    .collect()
            },
            rng_launch: RngStream::new(spec.seed, "instance-launches"),
            instances_terminated: 0,
            scaling_actions: 0,
            fault_rngs: (0..spec.faults.len())
                .map(|i| RngStream::new(spec.seed, &format!("fault:{i}")))
                .collect(),
            rng_start_failures: RngStream::new(spec.seed, "start-failures"),
            spot_shortage: false,
            zone_down: vec![false; spec.zones.len()],
            spot_interruptions: 0,
            instance_failures: 0,
            task_crashes: 0,
            explain: None,
            texts,
            tasks_out,
            series_out,
            az_rebalancing: spec.services.iter().any(|s| s.az_rebalancing),
            launch: launch::Limiter::new(
                &spec.scheduler,
                spec.services.len(),
                spec.batch_jobs.len(),
            ),
            burst: burst::BurstRt::new(spec),
            has_queues: !message_queues.is_empty(),
            message_queues,
        };
        if sim.burst.is_some() {
            sim.sink.burst_columns();
        }
        // Memory utilisation is read by written rows and memory policies only (see `metric_tick`).
        for (tr, sc) in sim.traffic.iter_mut().zip(&sim.scalers) {
            if let Some(tr) = tr {
                tr.set_track_memory(series_out || sc.as_ref().is_some_and(|sc| sc.reads_memory));
            }
        }
        sim
    }

    /// Record the decision log (`ecsim explain`) into `log`.
    pub fn with_explain(mut self, log: ExplainLog) -> Self {
        self.explain = Some(log);
        self.texts = true;
        self
    }

    fn explain_line(&self, service: &str, text: String) {
        if let Some(log) = &self.explain {
            log.lock().expect("explain log").push(ExplainLine {
                time_ms: self.queue.now(),
                service: service.to_string(),
                text,
                task: None,
                lifecycle: false,
            });
        }
    }

    /// Check the world's invariants after every event (default: on in debug builds, off in release).
    pub fn with_invariant_checks(mut self, on: bool) -> Self {
        self.check_invariants = on;
        self
    }

    fn assert_invariants(&self) {
        if let Err(e) = self.world.check_invariants() {
            panic!("invariant violated at t={} ms: {e}", self.queue.now());
        }
        self.burst_check_invariants();
        for (i, st) in self.services.iter().enumerate() {
            let mut running = 0;
            let mut pending = 0;
            for &t in &st.tasks {
                let task = self.world.task(t);
                assert!(
                    !task.stop_requested && task.owner == Owner::Service(ServiceId(i as u32)),
                    "service task list holds a foreign or stopping task"
                );
                match task.state {
                    TaskState::Running => running += 1,
                    s if s <= TaskState::Activating => pending += 1,
                    s => panic!("active service task in state {s:?}"),
                }
            }
            assert!(
                running <= st.running && pending <= st.pending,
                "service counters"
            );
        }
    }

    /// Run to the scenario's end and return the summary. Records have gone to the sink.
    pub fn run(mut self) -> Summary {
        let wall = std::time::Instant::now();
        let spec = self.spec;
        self.queue.push(0, Event::Start);
        for (i, s) in spec.services.iter().enumerate() {
            if s.start_ms > 0 {
                self.queue
                    .push(s.start_ms, Event::CreateService(ServiceId(i as u32)));
            }
        }
        for (i, r) in spec.run_tasks.iter().enumerate() {
            self.queue.push(r.at_ms, Event::RunTask(i as u32));
        }
        for (i, u) in spec.service_updates.iter().enumerate() {
            self.queue.push(u.at_ms, Event::UpdateService(i as u32));
        }
        for (i, st) in spec.scheduled_tasks.iter().enumerate() {
            if let Some(t) = st.schedule.next_after(f64::NEG_INFINITY, st.epoch_start_s) {
                self.queue
                    .push((t * 1000.0).round() as u64, Event::ScheduledRun(i as u32));
            }
        }
        for i in 0..spec.batch_jobs.len() {
            self.read_next_job(i);
        }
        for (i, d) in spec.deployments.iter().enumerate() {
            self.queue.push(d.at_ms, Event::Deploy(i as u32));
        }
        self.schedule_faults();
        if spec
            .providers
            .iter()
            .any(|p| matches!(&p.kind, ProviderKind::Asg(a) if a.managed_scaling.is_some()))
        {
            self.queue.push(MS_PER_MIN, Event::CasTick);
        }
        for (i, s) in spec.services.iter().enumerate() {
            if let Some(a) = &s.auto_scaling {
                for (k, act) in a.scheduled.iter().enumerate() {
                    if let Some(t) = act
                        .schedule
                        .next_after(f64::NEG_INFINITY, act.epoch_start_s)
                    {
                        self.queue.push(
                            (t * 1000.0).round() as u64,
                            Event::ScheduledScaling {
                                service: ServiceId(i as u32),
                                action: k as u16,
                            },
                        );
                    }
                }
            }
        }
        self.queue.push(0, Event::MetricTick);
        while let Some(t) = self.queue.peek_time() {
            if t > spec.duration_ms {
                break;
            }
            let (now, ev) = self.queue.pop().expect("peeked");
            assert!(now >= self.last_time, "time went back");
            self.last_time = now;
            self.account_unplaced(now);
            self.dispatch(ev);
            if self.check_invariants {
                self.assert_invariants();
            }
        }
        self.account_unplaced(spec.duration_ms);
        self.finish(wall.elapsed().as_secs_f64())
    }

    fn dispatch(&mut self, ev: Event) {
        match ev {
            Event::Start => self.on_start(),
            Event::CreateService(s) => self.create_service(s),
            Event::TaskStep { task, generation } => {
                if self.world.task(task).generation == generation {
                    if self.fails_now(task) {
                        return;
                    }
                    let next = next_state(self.world.task(task).state);
                    self.run_from(task, next);
                }
            }
            Event::ProvisioningTimeout { task, generation } => {
                let t = self.world.task(task);
                if t.generation == generation && t.awaiting_capacity {
                    let reason = format!("TaskFailedToStart: {}", self.last_failure_reason(task));
                    self.stop_task(task, StopCode::TaskFailedToStart, reason);
                }
            }
            Event::EssentialExit { task, generation } => {
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
                let name = &self.spec.services[sid.0 as usize].name;
                let msg =
                    format!("(service {name}) desiredCount set to {desired} (UpdateService).");
                self.emit("scenario", name.clone(), msg, false);
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
            Event::HealthCheck { task, generation } => {
                let x = self.world.task(task);
                if x.generation == generation && x.state == TaskState::Running && !x.stop_requested
                {
                    self.on_health_check(task);
                }
            }
            Event::TaskHealthy { task, generation } => {
                let x = self.world.task(task);
                if x.generation == generation && x.state == TaskState::Running && !x.stop_requested
                {
                    self.mark_healthy(task);
                }
            }
            Event::TaskCrash { task, generation } => {
                let x = self.world.task(task);
                if x.generation == generation && x.state == TaskState::Running && !x.stop_requested
                {
                    let serial = x.serial;
                    self.task_crashes += 1;
                    self.emit(
                        "fault",
                        String::new(),
                        format!("Task {serial} crashed: its essential container exited."),
                        false,
                    );
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
            Event::FargateSpotNotice { task, generation } => {
                if self.world.task(task).generation == generation {
                    self.fargate_spot_interrupt(task);
                }
            }
            Event::InstanceLaunched {
                provider,
                zone,
                launched_at,
            } => {
                let c = &mut self.cas[provider.0 as usize];
                c.launching -= 1;
                c.launching_per_zone[zone.0 as usize] -= 1;
                self.register_instance(provider, zone, launched_at);
            }
            Event::TargetHealthy { task, generation } => {
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
                    self.traffic[sid.0 as usize]
                        .as_mut()
                        .expect("load")
                        .add_target(task, view, volatile);
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
                if let Some(t) = st.schedule.next_after(now_s, st.epoch_start_s) {
                    let at = ((t * 1000.0).round() as u64).max(self.queue.now() + 1);
                    self.queue.push(at, Event::ScheduledRun(i));
                }
            }
            Event::JobArrival(i) => {
                let now = self.queue.now();
                let b = &mut self.batches[i as usize];
                if let Some(job) = b.next.take() {
                    self.first_job_ms.get_or_insert(now);
                    if b.waiting.len() < MAX_WAITING_JOBS {
                        b.waiting.push_back((job, now));
                    } else {
                        self.jobs_dropped += 1;
                    }
                    self.dispatch_jobs(i as usize, false);
                }
                self.read_next_job(i as usize);
            }
            Event::LaunchWake { generation } => self.on_launch_wake(generation),
        }
    }

    /// A new task in a free slot, with fresh traffic state.
    fn create_task(&mut self, task: Task) -> TaskId {
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

    fn run_spec(&self, idx: usize) -> &'a RunTaskSpec {
        let spec = self.spec;
        if idx < spec.run_tasks.len() {
            &spec.run_tasks[idx]
        } else {
            &spec.scheduled_tasks[idx - spec.run_tasks.len()].run
        }
    }

    // ----- batch jobs (standalone tasks in arrival order) -----

    fn read_next_job(&mut self, i: usize) {
        let spec = self.spec;
        let b = &spec.batch_jobs[i];
        let now = self.queue.now();
        let rt = &mut self.batches[i];
        if b.max_jobs.is_some_and(|m| rt.read >= m) {
            return;
        }
        if let Some(mut job) = rt.reader.next_job().expect("job file checked at load") {
            rt.read += 1;
            job.arrival_s *= b.time_scale;
            job.duration_s *= b.time_scale;
            let at = b.start_ms + (job.arrival_s * 1000.0).round() as u64;
            rt.next = Some(job);
            self.queue.push(at.max(now), Event::JobArrival(i as u32));
        }
    }

    /// Place waiting jobs strictly in arrival order: the first that does not fit holds the others back.
    /// Each job is one RunTask call (§8.2): `prepaid` says the first already holds its call token.
    fn dispatch_jobs(&mut self, i: usize, mut prepaid: bool) {
        let spec = self.spec;
        let b = &spec.batch_jobs[i];
        let group = self.world.group(&format!("batch:{}", b.name));
        let all_zones: Vec<ZoneId> = (0..spec.zones.len() as u8).map(ZoneId).collect();
        let mut counts = vec![0u32; spec.providers.len()];
        while let Some((job, arrived)) = self.batches[i].waiting.front().cloned() {
            let provider = match &b.launch {
                Launch::Strategy(items) => Some(Self::choose_provider(items, &counts)),
                _ => None,
            };
            let fargate = matches!(b.launch, Launch::Fargate)
                || provider
                    .is_some_and(|p| matches!(spec.provider(p).kind, ProviderKind::Fargate { .. }));
            let size = if fargate {
                crate::pricing::fargate::round_up(job.cpu_units.max(1), job.memory_mib.max(1))
            } else {
                Some((job.cpu_units, job.memory_mib.max(1)))
            };
            let Some(size) = size else {
                // Larger than the largest Fargate size (§5.1): it can never run.
                self.batches[i].waiting.pop_front();
                self.jobs_dropped += 1;
                self.batches[i].unfit += 1;
                let msg = format!(
                    "Batch {}: job {} ({} CPU units, {} MiB) is larger than any Fargate size; dropped.",
                    b.name, job.id, job.cpu_units, job.memory_mib
                );
                self.emit("batch", String::new(), msg, false);
                continue;
            };
            if !std::mem::take(&mut prepaid) && !self.take_call_token(i) {
                break; // the source waits in line for the RunTask rate
            }
            let res = self.launch_task(
                b.task_def,
                group,
                Owner::Batch(i as u32),
                &b.launch,
                provider,
                &b.placement_strategy,
                &b.placement_constraints,
                &all_zones,
                Some((size, (job.duration_s * 1000.0).round() as u64)),
            );
            match res {
                Ok(_) => {
                    self.batches[i].waiting.pop_front();
                    if let Some(p) = provider {
                        counts[p.0 as usize] += 1;
                    }

                    self.job_waits_ms.push(self.queue.now() - arrived);
                }
                Err(_) if !fargate && !self.fits_empty_instance(provider, size) => {
                    // RunTask with a launch type fails at once when no instance could ever hold the task
                    // (§7.3); a job that fits no instance type in scope would block the queue forever.
                    self.batches[i].waiting.pop_front();
                    self.jobs_dropped += 1;
                    self.batches[i].unfit += 1;
                    let msg = format!(
                        "Batch {}: job {} ({} CPU units, {} MiB) fits no instance type it may use; dropped.",
                        b.name, job.id, size.0, size.1
                    );
                    self.emit("batch", String::new(), msg, false);
                }
                Err(_) => {
                    self.launch.refused = false;
                    self.refund_call_token(); // it waits for capacity, not for a call
                    break;
                }
            }
        }
        if prepaid {
            self.refund_call_token();
        }
        self.report_launch_wait(Owner::Batch(i as u32));
    }

    /// Could a task of `size` fit on an empty instance of the providers `launch` may use?
    /// `provider` is the strategy's choice, or None for launch type EC2 (any Auto Scaling group).
    fn fits_empty_instance(&self, provider: Option<ProviderId>, size: (u32, u32)) -> bool {
        let spec = self.spec;
        let fits = |k: &ProviderKind| match k {
            ProviderKind::Asg(a) => {
                a.registered_cpu_units() >= size.0 && a.registered_memory_mib() >= size.1
            }
            ProviderKind::Fargate { .. } => false,
        };
        match provider {
            Some(p) => fits(&spec.provider(p).kind),
            None => spec.providers.iter().any(|pr| fits(&pr.kind)),
        }
    }

    // ----- traffic -----

    /// The load balancer's view of a target: servers and per-server rate. On EC2 a task without a
    /// task-level CPU limit also gets a share of its instance's unreserved CPU (CPU shares); on Fargate
    /// it gets exactly its size.
    fn target_of(&self, t: TaskId) -> Target {
        let spec = self.spec;
        let task = self.world.task(t);
        let td = spec.task_def(task.def);
        let Owner::Service(sid) = task.owner else {
            unreachable!("targets are service tasks")
        };
        let load = spec.services[sid.0 as usize].load.as_ref().expect("load");
        let mut units = task.cpu.max(1) as f64;
        if task.launch == LaunchKind::Ec2
            && td.task_cpu.is_none()
            && let Some(i) = task.instance
        {
            let inst = self.world.instance(i);
            let sharers: u64 = inst
                .tasks
                .iter()
                .map(|&x| self.world.task(x))
                .filter(|x| spec.task_def(x.def).task_cpu.is_none())
                .map(|x| x.cpu.max(1) as u64)
                .sum();
            if sharers > 0 {
                units += inst.cpu_free as f64 * task.cpu.max(1) as f64 / sharers as f64;
            }
        }
        if self.burst.is_some()
            && task.launch == LaunchKind::Ec2
            && let Some(i) = task.instance
        {
            // A standard-mode burstable instance out of credits holds its tasks down (§6.6).
            let f = self.burst_factor(i);
            if f < 1.0 {
                units *= f;
            }
        }
        let vcpu = units / 1024.0;
        let servers = load
            .concurrency
            .unwrap_or_else(|| ((task.cpu as f64 / 1024.0).round() as u32).max(1));
        let per_server = vcpu / servers as f64;
        Target {
            task: t,
            servers,
            mu: per_server * 1000.0 / load.cpu_ms_per_request,
            vcpu_per_server: per_server,
        }
    }

    /// Does the task's capacity depend on its instance's other tasks (EC2 CPU shares, or a burstable
    /// instance's credits sharing its allowance, see [`Self::target_of`])?
    fn takes_cpu_shares(&self, t: TaskId) -> bool {
        let task = self.world.task(t);
        task.launch == LaunchKind::Ec2
            && task.instance.is_some()
            && (self.spec.task_def(task.def).task_cpu.is_none() || self.burst_throttled_task(t))
    }

    /// Bring a service's traffic up to now with its current targets.
    fn advance_traffic(&mut self, sid: ServiceId) {
        let spec = self.spec;
        let s = &spec.services[sid.0 as usize];
        let Some(load) = &s.load else { return };
        let now = self.queue.now();
        let i = sid.0 as usize;
        if !self.traffic[i].as_ref().expect("load").targets_cached() {
            // Rebuild the balancer's view in the old allocation; targets on CPU shares are rebuilt at
            // every advance, since their capacity follows their instance's other tasks.
            let mut targets = self.traffic[i].as_mut().expect("load").take_cache();
            targets.clear();
            let tr = self.traffic[i].as_ref().expect("load");
            targets.extend(tr.targets.iter().map(|&t| self.target_of(t)));
            let volatile = tr.targets.iter().any(|&t| self.takes_cpu_shares(t));
            self.traffic[i]
                .as_mut()
                .expect("load")
                .set_cache(targets, volatile);
        }
        let td = spec.task_def(s.task_def);
        let running = self.services[i].running;
        self.traffic[i].as_mut().expect("load").advance_cached(
            load,
            spec.traffic.mode,
            now,
            &mut self.task_traffic,
            running,
            td.cpu_units,
            td.memory_mib,
            &mut self.shape_cache,
            &mut self.rate_memo,
        );
    }

    /// A target leaves its load balancer: traffic up to now, then the drain — or, when its task dies
    /// `abruptly`, the loss of what it held.
    fn leave_load_balancer(&mut self, t: TaskId, abruptly: bool) {
        if !self
            .task_traffic
            .get(t.0 as usize)
            .is_some_and(|x| x.target)
        {
            return;
        }
        let Owner::Service(sid) = self.world.task(t).owner else {
            return;
        };
        self.advance_traffic(sid);
        let target = self.target_of(t);
        let load = self.spec.services[sid.0 as usize]
            .load
            .as_ref()
            .expect("load");
        let tt = &mut self.task_traffic[t.0 as usize];
        tt.target = false;
        let traffic = self.traffic[sid.0 as usize].as_mut().expect("load");
        if abruptly {
            traffic.lose_target(&target, tt);
            tt.deactivate_ms = Some(0);
        } else {
            let d = traffic.remove_target(load, &target, tt);
            self.task_traffic[t.0 as usize].deactivate_ms = Some(d);
        }
    }

    fn on_start(&mut self) {
        let spec = self.spec;
        // Initial instances: a warm cluster, registered at time 0, balanced over the group's zones as an
        // Auto Scaling group does (the zone with the fewest instances next; ties in zone order).
        for (p, prov) in spec.providers.iter().enumerate() {
            if let ProviderKind::Asg(asg) = &prov.kind {
                let mut per_zone = vec![0u32; asg.zones.len()];
                for _ in 0..asg.desired_size {
                    let zi = (0..per_zone.len())
                        .min_by_key(|&i| (per_zone[i], i))
                        .expect("zones");
                    per_zone[zi] += 1;
                    self.register_instance(ProviderId(p as u16), asg.zones[zi], 0);
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

    fn create_service(&mut self, sid: ServiceId) {
        let s = &self.spec.services[sid.0 as usize];
        let st = &mut self.services[sid.0 as usize];
        st.created = true;
        st.desired = s.desired_count;
        st.tokens_at = self.queue.now();
        self.update_shortfall(sid);
        self.reconcile(sid);
    }

    fn register_instance(
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
        let cpu = asg.registered_cpu_units();
        let mem = asg.registered_memory_mib();
        let eni = it.max_enis.saturating_sub(1);
        let inst = Instance {
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
        };
        let id = self.world.add_instance(inst);
        self.burst_register(id);
        self.arm_instance_faults(id);
        self.cost_ec2.open(asg.price_usd_per_hour, launched_at);
        self.active_instances += 1;
        self.instances_peak = self.instances_peak.max(self.active_instances);
        self.cpu_registered += cpu as u64;
        self.mem_registered += mem as u64;
        self.emit(
            "instance",
            String::new(),
            format!(
                "Container instance {} ({}, {}) registered with {} CPU units and {} MiB.",
                self.world.instance(id).ec2_id,
                it.name,
                spec.zones[zone.0 as usize],
                cpu,
                mem
            ),
            false,
        );
        // Daemons first on a new instance (§2.1), then anything waiting for this provider.
        for i in 0..spec.services.len() {
            if spec.services[i].scheduling == SchedulingStrategy::Daemon && self.services[i].created
            {
                self.place_daemon_on(ServiceId(i as u32), id);
            }
        }
        self.capacity_changed(p);
        if spec.services.iter().any(|s| s.az_rebalancing) {
            self.rebalance_zones();
        }
        id
    }

    // ----- the service scheduler (§2.1, §2.2, §3.1) -----

    /// Adds (`sign` 1) or removes (−1) task `t`'s part in its service's `n_keep` / `n_healthy`, when it
    /// joins or leaves the service's `tasks`; flag changes go through [`Self::set_task_flags`].
    fn count_task(&mut self, t: TaskId, sign: i32) {
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
    fn join_service(&mut self, sid: ServiceId, t: TaskId) {
        let brief = TaskBrief::of(self.world.task(t));
        let st = &mut self.services[sid.0 as usize];
        st.tasks.push(t);
        st.briefs.push(brief);
        self.count_task(t, 1);
    }

    /// After a change to what [`TaskBrief`] holds: update the task's brief if it is in its service's list.
    fn refresh_brief(&mut self, t: TaskId) {
        let x = self.world.task(t);
        if let Owner::Service(sid) = x.owner {
            let st = &mut self.services[sid.0 as usize];
            if let Some(pos) = st.tasks.iter().position(|&y| y == t) {
                st.briefs[pos] = TaskBrief::of(x);
            }
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

    fn request_reconcile(&mut self, sid: ServiceId, delay_ms: u64) {
        let st = &mut self.services[sid.0 as usize];
        if delay_ms == 0 && !st.reconcile_queued {
            st.reconcile_queued = true;
            self.queue.push_after(0, Event::Reconcile(sid));
        } else if delay_ms > 0 {
            self.queue.push_after(delay_ms, Event::Reconcile(sid));
        }
    }

    fn reconcile(&mut self, sid: ServiceId) {
        let spec = self.spec;
        let s = &spec.services[sid.0 as usize];
        if !self.services[sid.0 as usize].created {
            return;
        }
        if s.scheduling == SchedulingStrategy::Daemon {
            let ids: Vec<InstanceId> = (0..self.world.instances.len() as u32)
                .map(InstanceId)
                .filter(|&i| self.world.instance(i).status == InstanceStatus::Active)
                .collect();
            for i in ids {
                self.place_daemon_on(sid, i);
            }
            self.check_steady(sid);
            return;
        }
        self.reconcile_replica(sid);
    }

    /// §3.1: the base first, then the provider furthest below its weighted share. Worked example
    /// (desired 10, FARGATE base 2 weight 1, FARGATE_SPOT weight 3) gives 4 and 6.
    fn choose_provider(items: &[StrategyItem], counts: &[u32]) -> ProviderId {
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

    fn launch_service_task(&mut self, sid: ServiceId) -> Result<TaskId, Failure> {
        let spec = self.spec;
        let s = &spec.services[sid.0 as usize];
        let provider = match &s.launch {
            Launch::Strategy(items) => Some(Self::choose_provider(
                items,
                &self.services[sid.0 as usize].provider_counts,
            )),
            _ => None,
        };
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
        let t = r?;
        self.join_service(sid, t);
        let st = &mut self.services[sid.0 as usize];
        if let Some(p) = provider {
            st.provider_counts[p.0 as usize] += 1;
        }
        Ok(t)
    }

    /// Create one task and place it (or queue it for capacity). Err: nothing was created.
    #[allow(clippy::too_many_arguments)]
    fn launch_task(
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
        if kind == LaunchKind::FargateSpot && self.spot_shortage {
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
                .filter(|z| !self.zone_down[z.0 as usize])
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
                    self.unplaced_now += 1;
                    self.count_state(id, None, Some(TaskState::Provisioning));
                    let timeout = spec
                        .scheduler
                        .provisioning_timeout
                        .sample(&mut self.rng_timing);
                    let generation = self.world.task(id).generation;
                    self.queue.push_after(
                        timeout,
                        Event::ProvisioningTimeout {
                            task: id,
                            generation,
                        },
                    );
                    Ok(id)
                } else {
                    Err(f)
                }
            }
        }
    }

    fn allocate(&mut self, id: TaskId, inst: InstanceId) {
        let def = self.world.task(id).def;
        let td = self.spec.task_def(def);
        let ports = std::mem::take(&mut self.def_ports[def.0 as usize]);
        self.world.allocate(id, inst, &ports, td.uses_eni());
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
        let w = self.spec.pricing.attribution_cpu_weight;
        let share = w * t.cpu as f64 / i.cpu_total.max(1) as f64
            + (1.0 - w) * t.mem as f64 / i.mem_total.max(1) as f64;
        let hourly = asg.price_usd_per_hour * share;
        let owner = self.owner_bucket(id);
        let now = self.queue.now();
        self.cost_by_owner[owner].open(hourly, now);
        let t = self.world.task_mut(id);
        t.billed_since = Some(now);
        t.hourly_usd = hourly;
    }

    fn owner_bucket(&self, t: TaskId) -> usize {
        match self.world.task(t).owner {
            Owner::Service(s) => s.0 as usize,
            Owner::Standalone(_) | Owner::Batch(_) => self.spec.services.len(),
        }
    }

    /// Fargate bills from the start of the image pull (§5.2).
    fn start_fargate_billing(&mut self, t: TaskId) {
        let spec = self.spec;
        let task = self.world.task(t);
        let td = spec.task_def(task.def);
        let spot = task.launch == LaunchKind::FargateSpot;
        let hourly = billing::fargate_hourly(
            &spec.pricing.fargate,
            task.cpu,
            task.mem,
            td.ephemeral_storage_gib,
            td.arch == Some(crate::pricing::catalog::Arch::Arm64),
            if spot {
                spec.pricing.fargate_spot_discount
            } else {
                0.0
            },
        );
        let now = self.queue.now();
        let owner = self.owner_bucket(t);
        self.cost_by_owner[owner].open(hourly, now);
        if spot {
            self.cost_fargate_spot.open(hourly, now);
        } else {
            self.cost_fargate.open(hourly, now);
        }
        let task = self.world.task_mut(t);
        task.billed_since = Some(now);
        task.hourly_usd = hourly;
    }

    /// Stop billing or attributing a task at `end`: Fargate is billed per second with a one-minute
    /// minimum; EC2 attribution is exact (the instance carries the minimum).
    fn settle_task(&mut self, t: TaskId, end: SimTime) {
        let task = self.world.task(t);
        let Some(since) = task.billed_since else {
            return;
        };
        let (hourly, launch) = (task.hourly_usd, task.launch);
        let owner = self.owner_bucket(t);
        let amount = match launch {
            LaunchKind::Ec2 => {
                let a = hourly * (end - since) as f64 / 3_600_000.0;
                self.ec2_attributed += a;
                a
            }
            LaunchKind::Fargate | LaunchKind::FargateSpot => {
                let a = billing::cost(hourly, billing::billed_seconds(end - since));
                if launch == LaunchKind::Fargate {
                    self.cost_fargate.close(hourly, since, a);
                } else {
                    self.cost_fargate_spot.close(hourly, since, a);
                }
                a
            }
        };
        self.cost_by_owner[owner].close(hourly, since, amount);
        self.world.task_mut(t).billed_since = None;
    }

    fn place_daemon_on(&mut self, sid: ServiceId, inst: InstanceId) {
        let spec = self.spec;
        let s = &spec.services[sid.0 as usize];
        let group = self.services[sid.0 as usize].group;
        let instance = self.world.instance(inst);
        if instance.status != InstanceStatus::Active || instance.group_count(group) > 0 {
            return;
        }
        let td = spec.task_def(s.task_def);
        let req = Request {
            cpu: td.cpu_units,
            mem: td.memory_mib,
            ports: &self.def_ports[s.task_def.0 as usize],
            eni: td.uses_eni(),
            arch: td.arch,
            group,
            constraints: &s.placement_constraints,
            strategies: &[],
            scope: Scope::Provider(instance.provider),
        };
        match placement::check(&self.world, instance, &req) {
            None => {
                let task = Task::new(
                    s.task_def,
                    group,
                    Owner::Service(sid),
                    None,
                    LaunchKind::Ec2,
                    td.cpu_units,
                    td.memory_mib,
                    self.queue.now(),
                );
                let id = self.create_task(task);
                self.allocate(id, inst);
                self.join_service(sid, id);
                self.count_state(id, None, Some(TaskState::Provisioning));
                self.run_from(id, TaskState::Provisioning);
                let serial = self.world.task(id).serial;
                self.emit_task_list(sid, "started", "", &[serial]);
            }
            Some(r) if r >= placement::Rejection::Arch => {} // constraint excludes it: not a daemon host.
            Some(r) => {
                self.placement_failures += 1;
                let f = Failure {
                    closest: Some(inst),
                    reason: Some(r),
                };
                self.report_unplaceable(sid, f);
            }
        }
    }

    fn report_unplaceable(&mut self, sid: ServiceId, f: Failure) {
        let name = self.spec.services[sid.0 as usize].name.clone();
        let detail = match (f.closest, f.reason) {
            (Some(i), Some(r)) => format!(
                " The closest matching container-instance {} {}.",
                self.world.instance(i).ec2_id,
                r.closest_phrase()
            ),
            _ => " Reason: No Container Instances were found in your cluster.".to_string(),
        };
        let msg = format!(
            "(service {name}) was unable to place a task because no container instance met all of its requirements.{detail} For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
        );
        self.emit("service", name, msg, true);
    }

    fn check_steady(&mut self, sid: ServiceId) {
        let st = &self.services[sid.0 as usize];
        let steady = st.created
            && st.pending == 0
            && st.tasks.len() as u32 == st.running
            && (self.spec.services[sid.0 as usize].scheduling == SchedulingStrategy::Daemon
                || st.running == st.desired);
        if steady && !st.steady && self.texts {
            let name = self.spec.services[sid.0 as usize].name.clone();
            let msg = format!("(service {name}) has reached a steady state.");
            self.emit("service", name, msg, true);
        }
        self.services[sid.0 as usize].steady = steady;
    }

    fn update_shortfall(&mut self, sid: ServiceId) {
        let st = &mut self.services[sid.0 as usize];
        let new = if self.spec.services[sid.0 as usize].scheduling == SchedulingStrategy::Replica {
            st.desired.saturating_sub(st.tasks.len() as u32)
        } else {
            0
        };
        self.unplaced_now = self.unplaced_now + new as u64 - st.shortfall as u64;
        st.shortfall = new;
    }

    fn account_unplaced(&mut self, now: SimTime) {
        let now = now.min(self.spec.duration_ms);
        if now > self.unplaced_at {
            self.unplaced_acc_ms += self.unplaced_now as u128 * (now - self.unplaced_at) as u128;
            self.unplaced_at = now;
        }
    }

    // ----- RunTask (§1.3, §7.3) -----

    /// Call number `i` (explicit, then scheduled) is made now, after `waited_ms` held back by the call
    /// rate (§8.2).
    fn run_task_call(&mut self, i: usize, waited_ms: u64) {
        let spec = self.spec;
        let r = self.run_spec(i);
        let group = self.world.group(&r.group);
        let mut counts = vec![0u32; spec.providers.len()];
        let strategies = std::mem::take(&mut self.run_task_strategies[i]);
        let mut failures: Vec<String> = Vec::new();
        let mut started = Vec::new();
        let mut ids = Vec::new();
        for _ in 0..r.count {
            let provider = match &r.launch {
                Launch::Strategy(items) => Some(Self::choose_provider(items, &counts)),
                _ => None,
            };
            let res = self.launch_task(
                r.task_def,
                group,
                Owner::Standalone(i as u32),
                &r.launch,
                provider,
                &strategies,
                &r.placement_constraints,
                &(0..spec.zones.len() as u8).map(ZoneId).collect::<Vec<_>>(),
                None,
            );
            match res {
                Ok(t) => {
                    if let Some(p) = provider {
                        counts[p.0 as usize] += 1;
                    }
                    started.push(self.world.task(t).serial);
                    ids.push(t);
                }
                Err(_) if std::mem::take(&mut self.launch.refused) => {
                    failures
                        .push("{reason: ThrottlingException: Fargate launch queue full}".into());
                }
                Err(f) => {
                    self.placement_failures += 1;
                    let arn = f
                        .closest
                        .map_or_else(String::new, |c| self.world.instance(c).ec2_id.clone());
                    let reason = f.reason.map_or("RESOURCE:MEMORY", |r| r.reason_code());
                    failures.push(if arn.is_empty() {
                        format!("{{reason: {reason}}}")
                    } else {
                        format!("{{arn: {arn}, reason: {reason}}}")
                    });
                }
            }
        }
        self.run_task_strategies[i] = strategies;
        let family = &spec.task_def(r.task_def).family;
        let msg = format!(
            "RunTask {family} (group {}): {} of {} tasks started{}{}",
            r.group,
            started.len(),
            r.count,
            if started.is_empty() {
                String::new()
            } else {
                format!(
                    " ({})",
                    started
                        .iter()
                        .map(|s| format!("task {s}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            if failures.is_empty() {
                ".".to_string()
            } else {
                format!("; failures: [{}].", failures.join(", "))
            }
        );
        let msg = if waited_ms > 0 || self.launch.fargate_waiting() > 0 {
            msg + &self.run_task_rate_note(waited_ms, &ids)
        } else {
            msg
        };
        self.emit("run_task", String::new(), msg, false);
    }

    // ----- task lifecycle (§7.1) -----

    fn timings(&self, t: TaskId) -> &'a StateTimings {
        match self.world.task(t).launch {
            LaunchKind::Ec2 => &self.spec.timings.ec2,
            _ => &self.spec.timings.fargate,
        }
    }

    /// Enter `state` and keep going through states whose duration is zero, so they cost no event.
    /// At the end of PENDING a task marked to fail stops with TaskFailedToStart (§2.2, §7.2).
    fn fails_now(&mut self, t: TaskId) -> bool {
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

    fn run_from(&mut self, t: TaskId, mut state: TaskState) {
        loop {
            let d = self.enter(t, state);
            if d == STAY {
                return;
            }
            if d > 0 {
                let generation = self.world.task(t).generation;
                self.queue.push_after(
                    d,
                    Event::TaskStep {
                        task: t,
                        generation,
                    },
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
    fn enter(&mut self, t: TaskId, state: TaskState) -> u64 {
        let now = self.queue.now();
        let old = self.world.task(t).state;
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
                self.start_latencies_ms.push(now - created);
                if let Some(i) = inst {
                    self.world.instances[i.0 as usize].running_count += 1;
                    if self.burst.is_some() {
                        self.burst_running(t, i, true);
                    }
                }
                match owner {
                    Owner::Service(sid) => {
                        self.services[sid.0 as usize].failures_in_row = 0;
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
                                Event::TargetHealthy {
                                    task: t,
                                    generation,
                                },
                            );
                        }
                    }
                    Owner::Batch(_) => {
                        let d = self.world.task(t).exit_after_ms.unwrap_or(0);
                        let generation = self.world.task(t).generation;
                        self.queue.push_after(
                            d,
                            Event::EssentialExit {
                                task: t,
                                generation,
                            },
                        );
                    }
                    Owner::Standalone(call) => {
                        if let Some(d) = &self.run_spec(call as usize).run_duration {
                            let d = d.sample(&mut self.rng_timing);
                            let generation = self.world.task(t).generation;
                            self.queue.push_after(
                                d,
                                Event::EssentialExit {
                                    task: t,
                                    generation,
                                },
                            );
                        }
                    }
                }
                STAY
            }
            TaskState::Deactivating => {
                if let Some(i) = self.world.task(t).instance
                    && old == TaskState::Running
                {
                    self.world.instances[i.0 as usize].running_count -= 1;
                    if self.burst.is_some() {
                        self.burst_running(t, i, false);
                    }
                }
                match self.task_traffic[t.0 as usize].deactivate_ms.take() {
                    Some(d) => d,
                    None => tm.deactivating.sample(&mut self.rng_timing),
                }
            }
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
    fn count_state(&mut self, t: TaskId, old: Option<TaskState>, new: Option<TaskState>) {
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
    pub fn stop_task(&mut self, t: TaskId, code: StopCode, reason: String) {
        self.stop_task_with(t, code, reason, false);
    }

    /// Stop a task at once, skipping the orderly states (its host died, its zone went down).
    pub fn stop_task_now(&mut self, t: TaskId, code: StopCode, reason: String) {
        let task = self.world.task(t);
        if !task.stop_requested {
            self.stop_task_with(t, code, reason, true);
        } else if task.state != TaskState::Stopped {
            self.run_from(t, TaskState::Stopped);
        }
    }

    fn stop_task_with(&mut self, t: TaskId, code: StopCode, reason: String, immediate: bool) {
        let now = self.queue.now();
        let task = self.world.task(t);
        if task.stop_requested {
            return;
        }
        let (state, owner, awaiting, provider, deployment, awaiting_launch) = (
            task.state,
            task.owner,
            task.awaiting_capacity,
            task.provider,
            task.deployment,
            task.awaiting_launch,
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
        self.leave_load_balancer(t, immediate);
        if let Owner::Service(sid) = owner {
            let st = &mut self.services[sid.0 as usize];
            if let Some(pos) = st.tasks.iter().position(|&x| x == t) {
                st.tasks.swap_remove(pos);
                st.briefs.swap_remove(pos);
                st.stopping.push(t);
                self.count_task(t, -1);
            }
            let st = &mut self.services[sid.0 as usize];
            if let Some(p) = provider {
                st.provider_counts[p.0 as usize] -= 1;
            }
            st.steady = false;
            if state < TaskState::Running {
                // §2.2: a task that never reached RUNNING feeds the launch throttle.
                st.failures_in_row += 1;
                let k = st.failures_in_row;
                let p = &self.spec.scheduler;
                let delay = throttle_delay_ms(
                    k,
                    p.throttle_initial_delay_ms,
                    p.throttle_multiplier,
                    p.throttle_max_delay_ms,
                );
                if code == StopCode::TaskFailedToStart {
                    st.throttled_until = now + delay;
                    let name = self.spec.services[sid.0 as usize].name.clone();
                    let msg = format!(
                        "(service {name}) is unable to consistently start tasks successfully."
                    );
                    self.emit("service", name, msg, true);
                    // §2.4 stage 1: a task of the new deployment that fails to reach RUNNING.
                    self.count_deployment_failure(sid, deployment);
                }
            }
            self.update_shortfall(sid);
            self.request_reconcile(sid, 0);
        }
        if awaiting {
            self.world.task_mut(t).awaiting_capacity = false;
            self.waiting_total -= 1;
            self.unplaced_now -= 1;
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

    fn finalize(&mut self, t: TaskId) {
        let now = self.queue.now();
        let spec = self.spec;
        if matches!(self.world.task(t).owner, Owner::Batch(_)) {
            self.last_job_end_ms = self.last_job_end_ms.max(now);
        }
        self.settle_task(t, now);
        self.count_state(t, Some(TaskState::Stopped), None);
        if let Owner::Service(sid) = self.world.task(t).owner {
            let stopping = &mut self.services[sid.0 as usize].stopping;
            if let Some(pos) = stopping.iter().position(|&x| x == t) {
                stopping.swap_remove(pos);
            }
        }
        let task = self.world.task_mut(t);
        task.stopped_at = Some(now);
        if task.stop_code.is_none() {
            task.stop_code = Some(StopCode::EssentialContainerExited);
        }
        let (inst, zone, group, launch, ever_ran) = (
            task.instance,
            task.zone,
            task.group,
            task.launch,
            task.started_at.is_some(),
        );
        if !ever_ran {
            self.failed_to_start += 1;
        }
        self.stopped += 1;
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
    }

    /// Capacity appeared on a provider: place waiting PROVISIONING tasks in arrival order (§3.2).
    fn capacity_changed(&mut self, p: ProviderId) {
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
                    self.unplaced_now -= 1;
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
        for i in 0..self.batches.len() {
            if !self.batches[i].waiting.is_empty() {
                self.dispatch_jobs(i, false);
            }
        }
    }

    fn last_failure_reason(&self, t: TaskId) -> &'static str {
        let task = self.world.task(t);
        let Some(p) = task.provider else {
            return "RESOURCE:MEMORY";
        };
        let td = self.spec.task_def(task.def);
        let req = Request {
            cpu: td.cpu_units,
            mem: td.memory_mib,
            ports: &self.def_ports[task.def.0 as usize],
            eni: td.uses_eni(),
            arch: td.arch,
            group: task.group,
            constraints: &[],
            strategies: &[],
            scope: Scope::Provider(p),
        };
        placement::explain_failure(&self.world, &req)
            .reason
            .map_or("RESOURCE:CPU", |r| r.reason_code())
    }

    // ----- records -----

    fn emit(&mut self, kind: &'static str, service: String, message: String, dedup: bool) {
        if !self.texts {
            return;
        }
        let now = self.queue.now();
        if self.explain.is_some() && kind != "instance" {
            self.explain_line(&service, message.clone());
        }
        if dedup {
            // §2.6: duplicate events are suppressed for 6 h.
            let h = fnv1a(message.as_bytes());
            if let Some(&last) = self.dedup.get(&h)
                && now < last + self.spec.scheduler.event_dedup_window_ms
            {
                return;
            }
            self.dedup.insert(h, now);
        }
        self.sink.event(&EventRecord {
            time_ms: now,
            kind,
            service,
            message,
        });
    }

    fn write_task(&mut self, t: TaskId) {
        let spec = self.spec;
        if !spec.output.tasks_csv || !self.tasks_out {
            return;
        }
        let task = self.world.task(t);
        let rec = TaskRecord {
            task_id: task.serial,
            group: self.world.group_names[task.group.0 as usize].clone(),
            service: match task.owner {
                Owner::Service(s) => spec.services[s.0 as usize].name.clone(),
                Owner::Standalone(_) | Owner::Batch(_) => String::new(),
            },
            task_definition: spec.task_def(task.def).family.clone(),
            launch_type: task.launch.as_str(),
            capacity_provider: task
                .provider
                .map_or_else(String::new, |p| spec.provider(p).name.clone()),
            instance: task
                .instance
                .map_or_else(String::new, |i| self.world.instance(i).ec2_id.clone()),
            availability_zone: task
                .zone
                .map_or_else(String::new, |z| spec.zones[z.0 as usize].clone()),
            cpu: task.cpu,
            memory_mib: task.mem,
            created_ms: task.created_at,
            pull_started_ms: task.pull_started_at.filter(|&x| x <= self.queue.now()),
            pull_stopped_ms: task.pull_stopped_at.filter(|&x| x <= self.queue.now()),
            started_ms: task.started_at,
            stopping_ms: task.stopping_at,
            stopped_ms: task.stopped_at,
            last_status: task.state.as_str(),
            stop_code: task.stop_code.map_or("", |c| c.as_str()),
            stopped_reason: task.stop_reason.clone(),
        };
        self.sink.task(&rec);
    }

    fn metric_tick(&mut self) {
        let now = self.queue.now();
        let spec = self.spec;
        // AZ rebalancing watches for imbalance (§2.1); once per metric period is enough.
        if self.az_rebalancing {
            self.rebalance_zones();
        }
        let mut published = false;
        let mut batch = self.spare_datapoints.pop().unwrap_or_default();
        batch.clear();
        batch.resize(spec.services.len(), [None; 3]);
        // `[output] timeseries_interval`: rows of every n-th period only (the figures are computed anyway).
        let write_rows = self.series_out
            && (now / spec.metric_period_ms).is_multiple_of(spec.output.timeseries_every);
        // The period [now - period, now] counts in the summary once the warm-up is over.
        let measured = now >= spec.warm_up_ms + spec.metric_period_ms;
        for (i, s) in spec.services.iter().enumerate() {
            // The next service's state, requested while this one is computed (see `engine::prefetch`).
            if let Some(Some(tr)) = self.traffic.get(i + 1) {
                tr.prefetch_hot();
            }
            if let Some(st) = self.services.get(i + 1) {
                crate::engine::prefetch(st);
            }
            // The scaling datapoints read request rate, CPU and memory; the full row is built only when
            // it is written (most periods with `timeseries_interval`, every period into a NullSink).
            let mut request_rate = None;
            let mut cpu_utilization = None;
            let mut memory_utilization = None;
            let mut row = write_rows.then(|| SeriesRow {
                time_ms: now,
                scope: "service",
                name: s.name.clone(),
                ..Default::default()
            });
            if let Some(load) = &s.load {
                self.advance_traffic(ServiceId(i as u32));
                let period_s = spec.metric_period_ms as f64 / 1000.0;
                let tr = self.traffic[i].as_mut().expect("load");
                let need_latency = write_rows || load.slo.is_some_and(|o| o.p99_ms.is_some());
                // Request rate and memory are computed only for a written row or a policy that reads
                // them (the datapoint slot of a metric no policy reads is never read).
                let (reads_memory, reads_rate) =
                    self.scalers[i].as_ref().map_or((false, false), |sc| {
                        (sc.reads_memory, sc.reads_request_count)
                    });
                let p = tr.close_period(
                    &mut self.run_hist,
                    &mut self.shape_cache,
                    need_latency,
                    write_rows || reads_memory,
                    measured,
                );
                let ms = |x: Option<f64>| x.map(|v| round6(v * 1000.0));
                if write_rows || reads_rate {
                    request_rate = Some(round6(p.arrived / period_s));
                }
                cpu_utilization = p.cpu_utilization.map(round6);
                if let Some(b) = &mut self.burst {
                    b.util[i] = p.cpu_utilization.map_or(0.0, |u| u / 100.0);
                }
                memory_utilization = p.memory_utilization.map(round6);
                let p99 = if need_latency {
                    ms(p.latency_s[2])
                } else {
                    None
                };
                let bad = load.slo.map(|o| o.bad(p.arrived, p.served, p.dropped, p99));
                if measured {
                    if bad == Some(true) {
                        tr.slo_violation_ms += spec.metric_period_ms;
                    }
                } else {
                    let w = &mut tr.warm_up_sums;
                    (w[0], w[1], w[2]) = (w[0] + p.arrived, w[1] + p.served, w[2] + p.dropped);
                }
                if let Some(row) = &mut row {
                    row.request_rate = request_rate;
                    row.cpu_utilization = cpu_utilization;
                    row.memory_utilization = memory_utilization;
                    row.latency_p50_ms = ms(p.latency_s[0]);
                    row.latency_p90_ms = ms(p.latency_s[1]);
                    row.latency_p99_ms = p99;
                    row.served = Some(round6(p.served));
                    row.errors = Some(round6(p.dropped));
                    row.queued = Some(round6(tr.queued(&self.task_traffic)));
                    row.slo_p99_ms = load.slo.and_then(|o| o.p99_ms);
                    row.slo_bad = bad;
                    row.capacity_rps = Some(round6(tr.capacity_rps));
                }
            }
            if let Some(qs) = s.queue.as_deref() {
                self.queue_tick(i, qs, row.as_mut());
            }
            published |= self.publish_datapoints(
                i,
                [request_rate, cpu_utilization, memory_utilization],
                &mut batch[i],
            );
            if let Some(mut row) = row {
                let st = &self.services[i];
                row.desired = Some(if s.scheduling == SchedulingStrategy::Daemon {
                    st.tasks.len() as u32
                } else {
                    st.desired
                });
                row.running = Some(st.running);
                row.pending = Some(st.pending);
                row.cost_usd = Some(round6(self.cost_by_owner[i].value(now)));
                self.sink.series(&row);
            }
        }
        if published {
            self.pending_datapoints.push_back(batch);
            self.queue
                .push_after(spec.scaling.publication_delay_ms, Event::ScalingDatapoints);
        } else {
            self.spare_datapoints.push(batch);
        }
        self.burst_tick();
        let pct = |a: u64, b: u64| {
            if b == 0 {
                0.0
            } else {
                a as f64 * 100.0 / b as f64
            }
        };
        let cpu_res = pct(self.cpu_reserved, self.cpu_registered);
        let mem_res = pct(self.mem_reserved, self.mem_registered);
        if self.cpu_registered > 0 {
            self.cpu_res_sum += cpu_res;
            self.mem_res_sum += mem_res;
            self.res_samples += 1;
        }
        if !write_rows {
            let next = now + spec.metric_period_ms;
            if next <= spec.duration_ms {
                self.queue.push(next, Event::MetricTick);
            }
            return;
        }
        let running: u32 = self.services.iter().map(|s| s.running).sum();
        let pending: u32 = self.services.iter().map(|s| s.pending).sum();
        let mut row = SeriesRow {
            time_ms: now,
            scope: "cluster",
            name: spec.cluster_name.clone(),
            running: Some(running),
            pending: Some(pending),
            instances: Some(self.active_instances as u32),
            cpu_registered: Some(self.cpu_registered),
            cpu_reserved: Some(self.cpu_reserved),
            memory_registered: Some(self.mem_registered),
            memory_reserved: Some(self.mem_reserved),
            cpu_reservation: Some(round6(cpu_res)),
            memory_reservation: Some(round6(mem_res)),
            cost_usd: Some(round6(
                self.cost_ec2.value(now)
                    + self.cost_fargate.value(now)
                    + self.cost_fargate_spot.value(now),
            )),
            cost_ec2_usd: Some(round6(self.cost_ec2.value(now))),
            cost_fargate_usd: Some(round6(self.cost_fargate.value(now))),
            cost_fargate_spot_usd: Some(round6(self.cost_fargate_spot.value(now))),
            ..Default::default()
        };
        if let Some(b) = &self.burst {
            b.fill_row(&mut row, None);
        }
        self.sink.series(&row);
        // One row per Auto Scaling group: its instances and, with managed scaling, the last CPR.
        for (pi, prov) in spec.providers.iter().enumerate() {
            if !matches!(prov.kind, ProviderKind::Asg(_)) {
                continue;
            }
            let p = ProviderId(pi as u16);
            let active: u32 = (0..spec.zones.len())
                .map(|z| self.world.zone_index(p, ZoneId(z as u8)).members.len() as u32)
                .sum();
            let mut row = SeriesRow {
                time_ms: now,
                scope: "capacity_provider",
                name: prov.name.clone(),
                instances: Some(active),
                pending: Some(self.cas[pi].launching),
                capacity_provider_reservation: self.cas[pi].last_cpr.map(round6),
                ..Default::default()
            };
            // Credit columns on a burstable provider's rows (empty on the others' in a burstable run).
            if let (Some(b), ProviderKind::Asg(a)) = (&self.burst, &prov.kind)
                && a.burst.is_some()
            {
                b.fill_row(&mut row, Some(pi));
            }
            self.sink.series(&row);
        }
        let next = now + spec.metric_period_ms;
        if next <= spec.duration_ms {
            self.queue.push(next, Event::MetricTick);
        }
    }

    fn finish(mut self, wall_seconds: f64) -> Summary {
        let spec = self.spec;
        let warnings = self.end_warnings();
        // Tasks still alive at the end are written with their last status, in id order.
        let mut alive: Vec<TaskId> = (0..self.world.tasks.len() as u32)
            .map(TaskId)
            .filter(|&t| self.world.task(t).state != TaskState::Stopped)
            .collect();
        alive.sort_by_key(|&t| self.world.task(t).serial);
        let at_end = alive.len() as u64;
        let end = spec.duration_ms;
        for &t in &alive {
            self.settle_task(t, end);
        }
        for t in alive {
            self.write_task(t);
        }
        // Instances still running are billed to the end, per second, at least one minute per launch.
        for i in 0..self.world.instances.len() {
            let inst = &self.world.instances[i];
            if inst.status == InstanceStatus::Deregistered {
                continue;
            }
            let ProviderKind::Asg(asg) = &spec.provider(inst.provider).kind else {
                unreachable!()
            };
            let since = inst.launched_at;
            let amount =
                billing::cost(asg.price_usd_per_hour, billing::billed_seconds(end - since));
            self.cost_ec2.close(asg.price_usd_per_hour, since, amount);
        }
        self.burst_finish(end);
        let burst_surplus = self.burst.as_ref().map(|b| b.total_usd);
        let ec2 = self.cost_ec2.closed();
        let fargate = self.cost_fargate.closed();
        let fargate_spot = self.cost_fargate_spot.closed();
        let mut cost_by_service: Vec<(String, f64)> = spec
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.clone(), self.cost_by_owner[i].closed()))
            .collect();
        let standalone = self.cost_by_owner[spec.services.len()].closed();
        if !spec.run_tasks.is_empty() {
            cost_by_service.push(("(standalone tasks)".to_string(), standalone));
        }
        let traffic_on = self.traffic.iter().any(Option::is_some);
        self.shape_cache.flush_run_shapes(&mut self.run_hist);
        let (mut arrived, mut served, mut dropped, mut served_all) = (0.0, 0.0, 0.0, 0.0);
        for tr in self.traffic.iter().flatten() {
            let w = &tr.warm_up_sums;
            arrived += tr.arrived - w[0];
            served += tr.served - w[1];
            dropped += tr.dropped - w[2];
            served_all += tr.served;
        }
        let services = self.service_figures();
        let slo = crate::metrics::SloFigures::total(services.iter().filter_map(|f| f.slo.as_ref()));
        let h = &self.run_hist;
        let latency_ms = match (h.quantile(0.5), h.quantile(0.9), h.quantile(0.99), h.max()) {
            (Some(a), Some(b), Some(c), Some(d)) => Some([a * 1e3, b * 1e3, c * 1e3, d * 1e3]),
            _ => None,
        };
        let batch = (!spec.batch_jobs.is_empty()).then(|| {
            let mut w = std::mem::take(&mut self.job_waits_ms);
            w.sort_unstable();
            let wq = |x: f64| quantile_sorted(&w, x).map(|ms| ms as f64 / 1000.0);
            let batch_alive = self
                .world
                .tasks
                .iter()
                .any(|t| matches!(t.owner, Owner::Batch(_)) && t.state != TaskState::Stopped);
            let last_end = Some(if batch_alive {
                end
            } else {
                self.last_job_end_ms
            });
            crate::metrics::BatchSummary {
                placed: w.len() as u64,
                waiting_at_end: self.batches.iter().map(|b| b.waiting.len() as u64).sum(),
                dropped: self.jobs_dropped,
                wait_s_p50: wq(0.5),
                wait_s_p99: wq(0.99),
                makespan_s: match (self.first_job_ms, last_end) {
                    (Some(f), Some(l)) if l >= f => Some((l - f) as f64 / 1000.0),
                    _ => None,
                },
            }
        });
        let mut lat = std::mem::take(&mut self.start_latencies_ms);
        lat.sort_unstable();
        let q = |x: f64| quantile_sorted(&lat, x).map(|ms| ms as f64 / 1000.0);
        Summary {
            scenario: spec.name.clone(),
            seed: spec.seed,
            simulated_seconds: spec.duration_ms as f64 / 1000.0,
            events: self.queue.popped(),
            wall_seconds,
            tasks_launched: self.world.tasks_created(),
            tasks_failed_to_start: self.failed_to_start,
            tasks_stopped: self.stopped,
            tasks_running_at_end: at_end,
            start_latency_s_p50: q(0.5),
            start_latency_s_p99: q(0.99),
            unplaced_task_seconds: self.unplaced_acc_ms as f64 / 1000.0,
            placement_failures: self.placement_failures,
            instances_registered: self.world.instances.len() as u64,
            instances_peak: self.instances_peak,
            instances_terminated: self.instances_terminated,
            scaling_actions: self.scaling_actions,
            spot_interruptions: self.spot_interruptions,
            instance_failures: self.instance_failures,
            task_crashes: self.task_crashes,
            cpu_reservation_mean: (self.res_samples > 0)
                .then(|| round6(self.cpu_res_sum / self.res_samples as f64)),
            memory_reservation_mean: (self.res_samples > 0)
                .then(|| round6(self.mem_res_sum / self.res_samples as f64)),
            cost_total_usd: ec2 + fargate + fargate_spot,
            cost_ec2_usd: ec2,
            cost_ec2_idle_usd: (ec2 - burst_surplus.unwrap_or(0.0) - self.ec2_attributed).max(0.0),
            cost_burst_surplus_usd: burst_surplus,
            cost_fargate_usd: fargate,
            cost_fargate_spot_usd: fargate_spot,
            cost_by_service_usd: cost_by_service,
            requests_total: traffic_on.then_some(arrived),
            requests_served: traffic_on.then_some(served),
            requests_dropped: traffic_on.then_some(dropped),
            latency_ms,
            slo_violation_minutes: traffic_on
                .then(|| slo.as_ref().map_or(0.0, |o| o.bad_minutes())),
            slo,
            warm_up_s: spec.warm_up_ms as f64 / 1000.0,
            tasks_unplaced_at_end: self.unplaced_now,
            placement_problems: (0..spec.services.len())
                .filter_map(|i| {
                    let reason = crate::ecs::fit::unplaceable(spec, ServiceId(i as u32))
                        .or_else(|| self.stuck_at_end(&services[i]));
                    reason.map(|r| (spec.services[i].name.clone(), r))
                })
                .collect(),
            services,
            // Below one request served the figure means nothing (and a denormal count made it infinite).
            cost_per_million_requests: (traffic_on && served_all >= 1.0)
                .then(|| (ec2 + fargate + fargate_spot) / served_all * 1e6),
            batch,
            queues: self.queue_summaries(),
            not_modelled: Vec::new(),
            warnings,
        }
    }
}

impl Sim<'_> {
    /// Per service: tasks unplaced at the end, and its traffic and SLO over the measured window.
    fn service_figures(&self) -> Vec<crate::metrics::ServiceFigures> {
        let spec = self.spec;
        // Every service with a load closes a period at each tick k·P ≤ duration; those after the
        // warm-up are measured.
        let p = spec.metric_period_ms;
        let measured_ms = (spec.duration_ms / p).saturating_sub(spec.warm_up_ms / p) * p;
        let mut waiting = vec![0u32; spec.services.len()];
        for t in self.world.tasks.iter() {
            if let Owner::Service(sid) = t.owner
                && t.awaiting_capacity
                && t.state != TaskState::Stopped
            {
                waiting[sid.0 as usize] += 1;
            }
        }
        spec.services
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let tr = self.traffic.get(i).and_then(Option::as_ref);
                crate::metrics::ServiceFigures {
                    name: s.name.clone(),
                    running_at_end: self.services[i].running,
                    unplaced_at_end: self.services[i].shortfall + waiting[i],
                    requests: tr.map(|tr| {
                        let w = &tr.warm_up_sums;
                        [tr.arrived - w[0], tr.served - w[1], tr.dropped - w[2]]
                    }),
                    slo: tr.zip(s.load.as_ref().and_then(|l| l.slo)).map(|(tr, o)| {
                        crate::metrics::SloFigures::of(
                            tr.slo_violation_ms,
                            measured_ms,
                            o.objective,
                        )
                    }),
                }
            })
            .collect()
    }

    /// A service that ends the run with tasks it could not place and none running (a constraint no
    /// instance meets, an ENI or port shortage, capacity that never came).
    fn stuck_at_end(&self, f: &crate::metrics::ServiceFigures) -> Option<String> {
        (f.running_at_end == 0 && f.unplaced_at_end > 0).then(|| {
            format!(
                "none of its tasks runs at the end; {} could not be placed",
                f.unplaced_at_end
            )
        })
    }
}

fn round6(x: f64) -> f64 {
    crate::engine::round(x * 1e6) / 1e6
}

fn next_state(s: TaskState) -> TaskState {
    match s {
        TaskState::Provisioning => TaskState::Pending,
        TaskState::Pending => TaskState::Activating,
        TaskState::Activating => TaskState::Running,
        TaskState::Running => TaskState::Deactivating,
        TaskState::Deactivating => TaskState::Stopping,
        TaskState::Stopping => TaskState::Deprovisioning,
        TaskState::Deprovisioning | TaskState::Stopped => TaskState::Stopped,
    }
}

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

/// Run a spec into a sink: the library's main entry point for one run.
pub fn simulate(spec: &Spec, sink: &mut dyn Sink) -> Summary {
    Sim::new(spec, sink).run()
}
