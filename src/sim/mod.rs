//! The simulation: one closed [`Event`] enum, one dispatch `match`, and the ECS control loops that react
//! to events (service scheduler §2, capacity-provider strategies §3.1, task lifecycle §7). It owns the
//! [`World`] and the event queue; placement decisions are pure functions in [`crate::ecs::placement`].
//!
//! This file holds [`Sim`] (its state, `new`, `run`); each control loop has its own file: `event.rs`
//! (the enum and dispatch), `scheduler.rs`, `lifecycle.rs`, `standalone.rs` (RunTask, scheduled tasks,
//! batch jobs), `load_balancer.rs`, `billing.rs`, `ticks.rs` (the metric tick), `summary.rs` (records and
//! the summary), beside `autoscaling.rs`, `deploy.rs`, `scale_in.rs`, `faults.rs`, `launch.rs`,
//! `burst.rs`, `queue.rs`, `explain.rs` and `warnings.rs`; `progress.rs` is the hook a progress bar reads.
//! They are `impl Sim` blocks over the one state.
//!
//! Must not: do I/O (records go to a [`Sink`]), read the scenario file, or use wall-clock time except to
//! report `wall_seconds`.

mod autoscaling;
mod billing;
mod burst;
mod daemon;
mod deploy;
mod event;
mod explain;
mod faults;
mod launch;
mod lifecycle;
mod load_balancer;
mod progress;
mod protection;
mod queue;
mod scale_in;
mod scheduler;
mod standalone;
mod summary;
mod ticks;
mod warnings;

use deploy::{Deployment, Rollout};
pub use deploy::{breaker_threshold, breaker_threshold_of, max_tasks, min_healthy_tasks};
pub use event::{Event, TaskRef};
pub use explain::{ExplainFilter, render as render_explain};
pub use progress::Progress;
pub use scheduler::throttle_delay_ms;
use standalone::{BatchState, MAX_WAITING_JOBS};

use std::collections::{HashMap, VecDeque};

use crate::ecs::world::{
    GroupId, InstanceId, InstanceStatus, LaunchKind, Owner, StopCode, Task, TaskId, TaskState,
    World,
};
use crate::engine::rng::RngStream;
use crate::engine::{EventQueue, MS_PER_MIN, SimTime};
use crate::metrics::{Sink, Summary, What};
use crate::pricing::billing::CostMeter;
use crate::scaling::cluster;
use crate::scaling::service::{ScalingMetric, ServiceScaler};
use crate::spec::{
    Constraint, Launch, ProtectionMode, ProviderId, ProviderKind, SchedulingStrategy, ServiceId,
    Spec, SpreadField, Strategy, TaskDefId, ZoneId,
};
use crate::traffic::queueing::LatencyHistogram;
use crate::traffic::runtime::{RateMemo, ServiceTraffic, ShapeCache, TaskTraffic};

/// Cluster auto scaling state of one capacity provider.
#[derive(Debug, Clone, Default)]
struct CasState {
    launching: u32,
    launching_per_zone: Vec<u32>,
    /// Replacements the group could not launch because every zone it launches into was down; they
    /// are launched when one of its zones returns (an Auto Scaling group keeps its desired capacity).
    owed: u32,
    /// A failed launch (every zone down) was said since the last launch or zone return: said once.
    launch_failure_said: bool,
    /// Instances the group's zone rebalancing will terminate once their replacements, launching into
    /// the zone beside each, register (launch before terminate): not chosen twice.
    rebalance_victims: Vec<(InstanceId, ZoneId)>,
    warm_until: SimTime,
    low_streak: u32,
    last_cpr: Option<f64>,
}

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
    /// `stopping`'s tasks per zone (those with a zone), kept as the list changes: scale-in counts them
    /// as released without reading each stopping task.
    stopping_zones: Vec<u32>,
    /// Per `stopping` task (same order): its instance, CPU units and MiB, which a general scale-in
    /// pass counts as released on that instance, read here rather than from the scattered tasks.
    stopping_held: Vec<(Option<InstanceId>, u32, u32)>,
    /// Active tasks per provider (base/weight accounting).
    provider_counts: Vec<u32>,
    running: u32,
    pending: u32,
    failures_in_row: u32,
    throttled_until: SimTime,
    reconcile_queued: bool,
    /// When the service's pending delayed reconcile (a placement retry or a launch-rate wait) fires, if
    /// one is pending: one retry chain per service, not one per failed attempt.
    retry_at_ms: SimTime,
    tokens: f64,
    tokens_at: SimTime,
    steady: bool,
    /// Times the service has reached a steady state: part of its events' §2.6 dedup key, so that a
    /// repeat is suppressed only while its cause lasts ("until either the cause is resolved or six
    /// hours passes"), and a steady state reached again is said again.
    steady_epoch: u32,
    /// When "has reached a steady state" was last said: a service that stays steady says it again
    /// every `event_dedup_window` (the scheduler reports it periodically, §2.6).
    steady_said_at: SimTime,
    shortfall: u32,
    strategies: Vec<Strategy>,
    deployments: Vec<Deployment>,
    primary: usize,
    /// The deployment a circuit breaker rolls back to: the last to reach COMPLETED, while it is COMPLETED
    /// (a rollback takes it back to IN_PROGRESS, §2.4).
    last_completed: Option<usize>,
    /// Of `tasks`: those of the primary deployment not marked for replacement, and the healthy ones
    /// (healthy and not unhealthy). Kept as the flags change, so that reconciling a service does not read
    /// every one of its tasks (debug builds check them against a count).
    n_keep: u32,
    n_healthy: u32,
    /// `n_keep` per capacity provider: the split a new task's provider is chosen by (§3.1). Tasks being
    /// replaced (draining, unhealthy, rebalancing) and an older deployment's tasks are not in it, so a
    /// replacement or a new deployment keeps the strategy's base and weights (counting the tasks it
    /// replaces put a base's replacement on the other provider, for good).
    keep_by_provider: Vec<u32>,
    /// Of `tasks`: those with a zone and not marked for replacement, per zone (AZ rebalancing's view,
    /// §2.1), kept with `n_keep` so that its check once a metric period reads no task.
    zone_n: Vec<u32>,
    /// An AZ rebalancing has started and not yet been seen balanced (its completion event is owed).
    rebalancing: bool,
    /// The tasks per zone the last rebalancing started from, until one completes: a service found
    /// again at the same counts is not rebalanced again (its moves did not land where they should, so
    /// they would repeat every period).
    rebalanced_from: Vec<(ZoneId, u32)>,
    /// The capacity providers of the tasks a rebalancing marked whose replacements have not started yet,
    /// in marking order: the next launches are those replacements, each from its task's provider (so
    /// that it can land in the zone it was chosen for, and the strategy's split is unchanged).
    rebalance_moves: Vec<Option<ProviderId>>,
    /// The last reconcile left tasks to start because the maximum was full with tasks still on their way
    /// to STOPPED (§2.3): the next of them to stop reconciles the service again.
    await_stops: bool,
    /// Within one launch batch: the strategy's providers that could not take a task (a bit per
    /// provider), the provider of the last attempt, and the split of the desired count the others are
    /// held to (§3.1: no fallback; `choose_open_provider`). Empty outside a batch with a failure.
    blocked: u64,
    tried: Option<ProviderId>,
    split: Vec<u32>,
}

impl ServiceState {
    /// A service's state before it is created: no tasks, its deployment rolling out, its strategies (the
    /// §1.3 default when it names none), a full launch bucket.
    fn new(spec: &Spec, s: &crate::spec::ServiceSpec, group: GroupId) -> Self {
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
            stopping_zones: vec![0; spec.zones.len()],
            stopping_held: Vec::new(),
            n_keep: 0,
            n_healthy: 0,
            keep_by_provider: vec![0; spec.providers.len()],
            zone_n: vec![0; spec.zones.len()],
            rebalancing: false,
            rebalanced_from: Vec::new(),
            rebalance_moves: Vec::new(),
            await_stops: false,
            blocked: 0,
            tried: None,
            split: Vec::new(),
            provider_counts: vec![0; spec.providers.len()],
            running: 0,
            pending: 0,
            failures_in_row: 0,
            throttled_until: 0,
            reconcile_queued: false,
            retry_at_ms: 0,
            tokens: spec.scheduler.service_launch_rate_per_minute as f64,
            tokens_at: 0,
            steady: false,
            steady_epoch: 0,
            steady_said_at: 0,
            shortfall: 0,
            strategies,
            deployments: vec![Deployment {
                task_def: s.task_def,
                rollout: Rollout::InProgress,
                failures: 0,
            }],
            primary: 0,
            last_completed: None,
        }
    }

    /// Is its primary deployment rolling out (§2.3)? (Scale-in waits for it, §4.1.)
    fn deployment_in_progress(&self) -> bool {
        self.deployments[self.primary].rollout == Rollout::InProgress
    }
}

/// Counters and sums the summary reads at the end (and the unplaced-time integral).
#[derive(Default)]
struct RunStats {
    unplaced_now: u64,
    unplaced_acc_ms: u128,
    unplaced_at: SimTime,
    /// Each task's start latency with its owner, packed (see [`summary::pack_start`]): one word a start,
    /// which a fleet's millions of starts need (a second vector of owners was 26 MB more at the peak
    /// of issue #20's 30-day large fleet).
    start_latencies: Vec<u64>,
    failed_to_start: u64,
    stopped: u64,
    placement_failures: u64,
    instances_peak: u64,
    cpu_res_sum: f64,
    mem_res_sum: f64,
    res_samples: u64,
    instances_terminated: u64,
    scaling_actions: u64,
    spot_interruptions: u64,
    instance_failures: u64,
    task_crashes: u64,
    /// RunTask calls' tasks that were not launched (their `failures[]`), by reason, and the first time:
    /// RunTask does not retry them (§7.3).
    run_task_refused: std::collections::BTreeMap<&'static str, u64>,
    run_task_first_refused: Option<SimTime>,
    /// How often the run applied each choice AWS does not document (`summary.json`'s `unconfirmed`).
    unconfirmed: crate::metrics::unconfirmed::Exercised,
}

/// The cost meters (reference §5.2, §6.2): by launch type, and by owner.
struct Costs {
    ec2: CostMeter,
    fargate: CostMeter,
    fargate_spot: CostMeter,
    ec2_attributed: f64,
    /// Per service, then one bucket for standalone tasks.
    by_owner: Vec<CostMeter>,
    /// Per capacity provider: its EC2 instances' bills and surplus credits (0 for Fargate).
    by_provider: Vec<f64>,
}

impl Costs {
    fn new(services: usize, providers: usize) -> Self {
        Costs {
            ec2: CostMeter::default(),
            fargate: CostMeter::default(),
            fargate_spot: CostMeter::default(),
            ec2_attributed: 0.0,
            by_owner: vec![CostMeter::default(); services + 1],
            by_provider: vec![0.0; providers],
        }
    }
}

/// A run in progress. Create with [`Sim::new`], then [`Sim::run`].
pub struct Sim<'a> {
    /// The run's static `memberOf` expressions, one per distinct text, by their bit in
    /// [`crate::ecs::world::Instance::static_pass`] (evaluated once per instance, at registration).
    static_member_exprs: Vec<&'a crate::ecs::cql::Expr>,
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
    dedup: HashMap<u64, (u32, SimTime)>,
    def_ports: Vec<Vec<u16>>,
    run_task_strategies: Vec<Vec<Strategy>>,
    /// Counters and sums for the summary.
    stats: RunStats,
    active_instances: u64,
    cpu_registered: u64,
    mem_registered: u64,
    cpu_reserved: u64,
    mem_reserved: u64,
    check_invariants: bool,
    last_time: SimTime,
    /// Cost meters (reference §5.2, §6.2).
    cost: Costs,
    // Traffic.
    traffic: Vec<Option<ServiceTraffic>>,
    task_traffic: Vec<TaskTraffic>,
    /// M/M/c latency shapes shared by all services.
    shape_cache: ShapeCache,
    /// The services' shared load patterns (see [`RateMemo`]).
    rate_memo: RateMemo,
    run_hist: LatencyHistogram,
    rng_health: RngStream,
    /// Batch-job sources and their figures.
    batch: BatchState,
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
    /// Fault injection's random streams and the standing conditions (Spot shortage, zones down).
    faults: faults::FaultState,
    /// The decision log of `ecsim explain` (None: not recorded, so normal runs pay nothing).
    explain: Option<ExplainLog>,
    /// Simulated time and events for a progress bar (None: no one watches; see [`Progress`]).
    progress: Option<std::sync::Arc<Progress>>,
    /// Does anyone read event-log text (the sink or `explain`)? When not, sentences are not formatted.
    texts: bool,
    /// Does anyone read steady-state events (the sink, see [`Sink::wants_steady_states`], or `explain`)?
    /// When not, a steady service's periodic repeat (§2.6) is not looked for.
    steady_out: bool,
    /// Does the sink keep task records / time-series rows (see [`Sink::wants_tasks`])?
    tasks_out: bool,
    /// See [`Sink::wants_series`].
    series_out: bool,
    /// Some service rebalances across zones (read every metric period; the specs are large and many).
    az_rebalancing: bool,
    /// Per service: its `zone_n` (or which zones are up) changed since it was last found balanced; only
    /// then is its balance read again. Kept beside the services' states, not in them, so that a fleet's
    /// check once a metric period reads one byte per service, not a state each.
    zone_dirty: Vec<bool>,
    /// Launch rates: the Fargate task-launch buckets and the RunTask call rate (§8.1, §8.2).
    launch: launch::Limiter,
    /// CPU credits of burstable instances (§6.6); `None` when no provider's type is burstable.
    burst: Option<Box<burst::BurstRt>>,
    /// Per service, the queue its tasks consume (§4.5); empty when no service has one.
    message_queues: Vec<Option<queue::QueueRt>>,
    /// Some service has a queue (tasks entering or leaving RUNNING advance it).
    has_queues: bool,
    /// The scale-in candidate lists' buffers, kept between batches (see `scale_in`).
    scale_in_spare: (Vec<TaskId>, Vec<TaskBrief>),
    /// Task scale-in protection (§2.7); empty when no service protects its tasks.
    protection: protection::ProtectionRt,
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
        let steady_out = texts && sink.wants_steady_states();
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
        world.track_group_names = placement_constraints(spec).any(
            |c| matches!(c, Constraint::MemberOf { source, .. } if source.contains("task:group")),
        );
        let static_member_exprs = static_member_of(spec, &mut world);
        let services: Vec<ServiceState> = spec
            .services
            .iter()
            .map(|s| {
                let group = world.group(&format!("service:{}", s.name));
                ServiceState::new(spec, s, group)
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
            stats: RunStats::default(),
            active_instances: 0,
            cpu_registered: 0,
            mem_registered: 0,
            cpu_reserved: 0,
            mem_reserved: 0,
            check_invariants: cfg!(debug_assertions),
            last_time: 0,
            cost: Costs::new(spec.services.len(), spec.providers.len()),
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
            batch: BatchState::new(spec),
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
            faults: faults::FaultState::new(spec),
            explain: None,
            progress: None,
            texts,
            steady_out,
            tasks_out,
            series_out,
            az_rebalancing: spec.services.iter().any(|s| s.az_rebalancing),
            zone_dirty: vec![true; spec.services.len()],
            static_member_exprs,
            launch: launch::Limiter::new(
                &spec.scheduler,
                spec.services.len(),
                spec.batch_jobs.len(),
            ),
            burst: burst::BurstRt::new(spec),
            has_queues: !message_queues.is_empty(),
            message_queues,
            scale_in_spare: Default::default(),
            protection: protection::ProtectionRt::new(spec),
        };
        if sim.burst.is_some() {
            sim.sink.burst_columns();
        }
        // Memory utilisation is read by written rows and memory policies only (see `ticks::traffic_tick`).
        for (tr, sc) in sim.traffic.iter_mut().zip(&sim.scalers) {
            if let Some(tr) = tr {
                tr.set_track_memory(series_out || sc.as_ref().is_some_and(|sc| sc.reads_memory));
            }
        }
        sim
    }

    /// Report simulated time and events into `p` as the run goes (for a progress bar).
    pub fn with_progress(mut self, p: std::sync::Arc<Progress>) -> Self {
        self.progress = Some(p);
        self
    }

    /// Record the decision log (`ecsim explain`) into `log`.
    pub fn with_explain(mut self, log: ExplainLog) -> Self {
        self.explain = Some(log);
        self.texts = true;
        self.steady_out = true;
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
        self.schedule_faults(true);
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
            if let Some(t) =
                st.schedule
                    .next_after_in(f64::NEG_INFINITY, st.epoch_start_s, st.zone.as_ref())
            {
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
        self.schedule_faults(false);
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
                    if let Some(t) = act.next_after(f64::NEG_INFINITY) {
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
            if let Some(p) = &self.progress {
                p.tick(now, self.queue.popped());
            }
        }
        self.account_unplaced(spec.duration_ms);
        if let Some(p) = &self.progress {
            p.store(spec.duration_ms, self.queue.popped());
        }
        self.finish(wall.elapsed().as_secs_f64())
    }

    // ----- batch jobs (standalone tasks in arrival order) -----

    // ----- traffic -----

    // ----- the service scheduler (§2.1, §2.2, §3.1) -----

    // ----- RunTask (§1.3, §7.3) -----

    // ----- task lifecycle (§7.1) -----

    // ----- records -----
}

impl Sim<'_> {}

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

/// House rule 1: a run is `Send` (its sink and its request sources included), so it can move to another
/// thread. Checked here at compile time.
const _: fn() = || {
    fn is_send<T: Send>() {}
    is_send::<Sim<'static>>();
};

/// Run a spec into a sink: the library's main entry point for one run.
pub fn simulate(spec: &Spec, sink: &mut dyn Sink) -> Summary {
    Sim::new(spec, sink).run()
}

/// Registers the spec's static `memberOf` expressions with `world` (their addresses, sorted, and a bit
/// per distinct text) and returns them by bit: placement then reads an instance's answer, computed at
/// its registration, instead of evaluating the expression on every instance it passes over.
fn static_member_of<'a>(spec: &'a Spec, world: &mut World) -> Vec<&'a crate::ecs::cql::Expr> {
    let mut texts: Vec<&str> = Vec::new();
    let mut exprs: Vec<&'a crate::ecs::cql::Expr> = Vec::new();
    let mut by_addr: Vec<(usize, u32)> = Vec::new();
    for c in placement_constraints(spec) {
        let Constraint::MemberOf { expr, source } = c else {
            continue;
        };
        if !expr.is_static() {
            continue;
        }
        let bit = match texts.iter().position(|t| *t == source.as_str()) {
            Some(k) => k,
            None => {
                texts.push(source);
                exprs.push(expr);
                texts.len() - 1
            }
        };
        by_addr.push((expr as *const crate::ecs::cql::Expr as usize, bit as u32));
    }
    by_addr.sort_unstable();
    by_addr.dedup();
    world.static_member_of = by_addr;
    exprs
}

/// Every placement constraint of the spec: services', task definitions', run tasks', scheduled tasks'
/// and batch jobs'.
fn placement_constraints(spec: &Spec) -> impl Iterator<Item = &Constraint> {
    spec.services
        .iter()
        .flat_map(|s| s.placement_constraints.iter())
        .chain(
            spec.task_definitions
                .iter()
                .flat_map(|d| d.constraints.iter()),
        )
        .chain(
            spec.run_tasks
                .iter()
                .flat_map(|r| r.placement_constraints.iter()),
        )
        .chain(
            spec.scheduled_tasks
                .iter()
                .flat_map(|s| s.run.placement_constraints.iter()),
        )
        .chain(
            spec.batch_jobs
                .iter()
                .flat_map(|b| b.placement_constraints.iter()),
        )
}
