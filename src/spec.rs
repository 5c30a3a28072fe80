//! The validated, resolved scenario: plain data with ids resolved, durations in milliseconds, expressions
//! parsed. Produced by [`crate::scenario`] (the serde boundary), consumed by [`crate::sim`].
//! Nothing here knows about files.

use crate::ecs::cql;
use crate::engine::dist::DurationDist;
use crate::pricing::catalog::{Arch, InstanceType};

/// Index of a capacity provider in [`Spec::providers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProviderId(pub u16);
/// Index of an availability zone in [`Spec::zones`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ZoneId(pub u8);
/// Index of a task definition in [`Spec::task_definitions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskDefId(pub u16);
/// Index of a service in [`Spec::services`] (and in the world's service table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceId(pub u32);

/// A whole scenario, ready to simulate.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Scenario name (names the default output folder).
    pub name: String,
    /// Master seed; every random stream derives from it.
    pub seed: u64,
    /// Simulated length.
    pub duration_ms: u64,
    /// Metric period (CloudWatch resolution): one `timeseries.csv` row per period and service.
    pub metric_period_ms: u64,
    /// The start of the run left out of the traffic figures of the summary (requests, latency, SLO):
    /// a whole number of metric periods, 0 for none. Costs and task figures cover the whole run.
    pub warm_up_ms: u64,
    /// Cluster name (ECS wording in messages).
    pub cluster_name: String,
    /// Region (for documentation and prices).
    pub region: String,
    /// Availability zones, in file order.
    pub zones: Vec<String>,
    /// Capacity providers: the EC2 Auto Scaling groups in file order, then `FARGATE`, then `FARGATE_SPOT`.
    pub providers: Vec<ProviderSpec>,
    /// Task definitions.
    pub task_definitions: Vec<TaskDefSpec>,
    /// Services, in file order (DAEMON services are started before REPLICA ones regardless).
    pub services: Vec<ServiceSpec>,
    /// Standalone tasks (RunTask calls), sorted by time (stable).
    pub run_tasks: Vec<RunTaskSpec>,
    /// Scheduled changes of a service's desired count, sorted by time (stable).
    pub service_updates: Vec<ServiceUpdateSpec>,
    /// Durations of each task lifecycle state.
    pub timings: Timings,
    /// Service scheduler and agent parameters (the reference's "unconfirmed" values live here).
    pub scheduler: SchedulerParams,
    /// Prices and billing parameters.
    pub pricing: PricingSpec,
    /// How requests are simulated.
    pub traffic: TrafficParams,
    /// How much goes to the output files.
    pub output: OutputParams,
    /// Batch job sources, run as standalone tasks.
    pub batch_jobs: Vec<BatchSpec>,
    /// Scheduled tasks (RunTask on a schedule).
    pub scheduled_tasks: Vec<ScheduledTaskSpec>,
    /// Service Auto Scaling parameters shared by all services.
    pub scaling: ScalingParams,
    /// Deployments: a service moves to another task definition at a time.
    pub deployments: Vec<DeploymentSpec>,
    /// Faults.
    pub faults: Vec<FaultSpec>,
    /// What the loader found that makes the run's answers easy to misread (see [`crate::warnings`]).
    pub warnings: Vec<crate::warnings::Warning>,
}

/// `UpdateService` with a new task definition at a time (a rolling deployment, §2.3).
#[derive(Debug, Clone)]
pub struct DeploymentSpec {
    /// When.
    pub at_ms: u64,
    /// Which service.
    pub service: ServiceId,
    /// The new revision.
    pub task_def: TaskDefId,
}

/// Rolling-update settings and the circuit breaker (§2.3, §2.4).
#[derive(Debug, Clone, Copy)]
pub struct DeploymentConfig {
    /// Lower bound on healthy RUNNING tasks: ⌈desired × % / 100⌉ (default 100).
    pub minimum_healthy_percent: u32,
    /// Upper bound on tasks: ⌊desired × % / 100⌋ (default 200).
    pub maximum_percent: u32,
    /// Circuit breaker on, and whether it rolls back.
    pub circuit_breaker: Option<bool>,
    /// Smallest failure threshold of the breaker (current API: 3; 10 in the 2023 docs).
    pub circuit_breaker_min_threshold: u32,
    /// How the breaker's threshold follows the desired count (`thresholdConfiguration`, §2.4).
    pub circuit_breaker_threshold: BreakerThreshold,
    /// A task of the deployment turning healthy resets the failure count (`resetOnHealthyTask`).
    pub circuit_breaker_reset_on_healthy: bool,
}

/// `thresholdConfiguration` (§2.4): the failure threshold from the latest desired count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerThreshold {
    /// ⌈desired × value / 100⌉ clamped to [minimum, 200] (the default, value 50).
    BoundedPercent(u32),
    /// ⌈desired × value / 100⌉ without the bounds.
    UnboundedPercent(u32),
    /// The value itself.
    Count(u32),
}

/// A container health check (§2.5) and whether the application passes it.
#[derive(Debug, Clone, Copy)]
pub struct HealthCheckSpec {
    /// Between checks (default 30 s).
    pub interval_ms: u64,
    /// Consecutive failures before UNHEALTHY (default 3).
    pub retries: u32,
    /// Failures in this period after start do not count (default 0).
    pub start_period_ms: u64,
    /// Does the application answer the check? (false models a bad revision)
    pub passes: bool,
    /// It answers for this long after RUNNING, then stops answering (None: for ever).
    pub passes_for_ms: Option<u64>,
}

/// Which instances or tasks a fault hits.
#[derive(Debug, Clone)]
pub enum FaultSpec {
    /// Container instances fail; the Auto Scaling group replaces them.
    InstanceFailure {
        /// Only this group (default all).
        provider: Option<ProviderId>,
        /// Time to failure of each instance from its launch.
        time_to_failure: Option<DurationDist>,
        /// Or failures at these times (a random instance each).
        times_ms: Vec<u64>,
    },
    /// Running tasks crash (the service replaces them at full speed, §2.2).
    TaskCrash {
        /// Only this service (default all).
        service: Option<ServiceId>,
        /// Time to crash from RUNNING.
        time_to_failure: DurationDist,
    },
    /// Tasks fail to start with a probability (§2.2 throttle).
    StartFailure {
        /// Only this service (default all).
        service: Option<ServiceId>,
        /// Probability per task.
        probability: f64,
    },
    /// EC2 Spot interruptions of a Spot group (§6.4).
    Ec2Spot {
        /// The group.
        provider: ProviderId,
        /// Interruptions per instance-hour.
        rate_per_hour: f64,
        /// Or at these times (a random instance each).
        times_ms: Vec<u64>,
        /// ECS_ENABLE_SPOT_INSTANCE_DRAINING (default false).
        draining: bool,
    },
    /// Fargate Spot interruptions (§3.3).
    FargateSpot {
        /// Interruptions per task-hour.
        rate_per_hour: f64,
        /// Or at these times (a random Fargate Spot task each).
        times_ms: Vec<u64>,
    },
    /// No Fargate Spot capacity for a while.
    SpotCapacityShortage {
        /// Start.
        at_ms: u64,
        /// Length.
        duration_ms: u64,
    },
    /// An operator sets one instance to DRAINING (UpdateContainerInstancesState, §6.5); it stays DRAINING.
    Drain {
        /// Only this group (default all).
        provider: Option<ProviderId>,
        /// When.
        at_ms: u64,
    },
    /// An availability zone is lost for a while.
    AzOutage {
        /// The zone.
        zone: ZoneId,
        /// Start.
        at_ms: u64,
        /// Length.
        duration_ms: u64,
    },
}

/// Service Auto Scaling parameters (§4.2).
#[derive(Debug, Clone)]
pub struct ScalingParams {
    /// Time from the end of a metric period to its datapoint reaching the alarm (CloudWatch publication
    /// and alarm evaluation). Default 183 s at 60 s resolution and 26 s at 20 s, chosen so that a load step
    /// triggers scale-out after the 363 s / 86 s AWS measured (§4.2; see `tests/scaling.rs`).
    pub publication_delay_ms: u64,
    /// Fraction of the running count one target-tracking scale-in may remove (at least 1; unconfirmed).
    pub scale_in_step_fraction: f64,
}

/// A scheduled scaling action (§4.4).
#[derive(Debug, Clone)]
pub struct ScheduledScaling {
    /// When.
    pub schedule: crate::workload::schedule::Schedule,
    /// Unix time of simulation time 0.
    pub epoch_start_s: f64,
    /// `Timezone`: `cron()` and `at()` read in its local time (None: UTC, AWS's default).
    pub zone: Option<crate::workload::schedule::Zone>,
    /// New MinCapacity.
    pub min: Option<u32>,
    /// New MaxCapacity.
    pub max: Option<u32>,
    /// `StartTime`, simulation seconds (may be before 0): no firing before it, and a recurring
    /// action also fires at it (§4.4).
    pub start_s: Option<f64>,
    /// `EndTime`, simulation seconds: no firing after it (§4.4).
    pub end_s: Option<f64>,
}

impl ScheduledScaling {
    /// The first firing strictly after simulation time `t_s` (negative infinity: the first of all),
    /// within `StartTime`/`EndTime` (AAS UG `scheduled-scaling-using-cron-expressions`: "If you specify
    /// a start time, Application Auto Scaling performs the action at this time, and then performs the
    /// action based on the specified recurrence"; with an end time "the action stops repeating after
    /// this time"). A `rate()` with a start time counts its periods from it (at load, §4.4).
    pub fn next_after(&self, t_s: f64) -> Option<f64> {
        use crate::workload::schedule::Schedule;
        let recurring = !matches!(self.schedule, Schedule::At { .. });
        let start = self.start_s.unwrap_or(f64::NEG_INFINITY);
        // Firings at or after the start: strictly after (start − 1 ms) at the earliest.
        let from = t_s.max(start - 0.001);
        let mut next = self
            .schedule
            .next_after_in(from, self.epoch_start_s, self.zone.as_ref());
        if recurring && start > t_s && start >= 0.0 {
            next = Some(next.map_or(start, |n| n.min(start)));
        }
        next.filter(|&n| self.end_s.is_none_or(|e| n <= e))
    }
}

/// A service's scalable target (§4.1).
#[derive(Debug, Clone)]
pub struct AutoScalingSpec {
    /// MinCapacity.
    pub min: u32,
    /// MaxCapacity.
    pub max: u32,
    /// Policies.
    pub policies: Vec<crate::scaling::service::Policy>,
    /// Scheduled actions.
    pub scheduled: Vec<ScheduledScaling>,
}

/// Fluid (analytic) or request-by-request traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrafficMode {
    /// Per task an M/M/c queue with Erlang C percentiles and a fluid backlog when overloaded: the cost
    /// per simulated minute does not depend on the request rate.
    Fluid,
    /// Every request through FCFS c-server queues (validation, and exact replay of request logs).
    Requests,
}

/// How much of a run goes to the output files (`[output]`).
#[derive(Debug, Clone, Copy)]
pub struct OutputParams {
    /// `timeseries.csv` gets the rows of every this many metric periods (1: all).
    pub timeseries_every: u64,
    /// `tasks.csv` gets a row per task.
    pub tasks_csv: bool,
    /// How much detail the files get (`[output] detail`, `ecsim run --detail`; see `output::detail`).
    pub detail: Detail,
    /// `auto` writes everything for scenarios with at most this many services (`[output] small_services`).
    pub small_services: usize,
    /// `auto` past `small_services`: one service row per this long (`[output] service_interval`);
    /// `None`: sized by the run (`output::detail::Plan::of`).
    pub service_interval_ms: Option<u64>,
}

/// How much of a run goes to the files (docs/outputs.md, "Detail levels").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    /// Everything for small scenarios; aggregates for fleets.
    #[default]
    Auto,
    /// Every row, task and event.
    Full,
    /// `summary.json` (and the report) only.
    Summary,
}

impl Default for OutputParams {
    fn default() -> Self {
        OutputParams {
            timeseries_every: 1,
            tasks_csv: true,
            detail: Detail::Auto,
            small_services: 20,
            service_interval_ms: None,
        }
    }
}

/// Traffic parameters shared by all services.
#[derive(Debug, Clone)]
pub struct TrafficParams {
    /// Fluid or requests.
    pub mode: TrafficMode,
    /// Load-balancer health-check interval: a new target is healthy after its first passed check, at a
    /// uniformly random point of the first interval (§2.5: ALB default 30 s, 1 check to become healthy).
    pub health_check_interval_ms: u64,
}

/// Where a service's requests come from.
#[derive(Debug, Clone)]
pub enum LoadSourceSpec {
    /// A synthetic pattern (requests per second).
    Pattern(crate::workload::synthetic::Pattern),
    /// A request-rate trace (CSV), streamed.
    Rate(crate::workload::rate::RateSeriesConfig),
    /// A per-request arrival log, streamed: aggregated per interval (fluid) or replayed (requests mode).
    Requests(crate::workload::requests::RequestLogConfig),
}

/// Distribution of a request's service time in requests mode (the fluid mode assumes exponential).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ServiceTimeShape {
    /// Exponential (M/M/c).
    Exponential,
    /// Always the mean.
    Constant,
    /// Log-normal with the given σ of ln, mean-preserving.
    LogNormal(f64),
}

/// How the load balancer picks a target (§2.5 context: ALB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Balancer {
    /// Equal shares.
    RoundRobin,
    /// Least outstanding requests: shares follow capacity in the fluid mode; the least-loaded target in
    /// requests mode.
    LeastOutstandingRequests,
}

/// A service's traffic.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    /// Arrivals.
    pub source: LoadSourceSpec,
    /// Multiplier of the source's rate.
    pub noise: crate::workload::synthetic::Noise,
    /// Mean CPU time one request takes, ms (on one vCPU).
    pub cpu_ms_per_request: f64,
    /// Service-time shape in requests mode.
    pub service_time: ServiceTimeShape,
    /// Servers per task (default: its vCPUs rounded, at least 1).
    pub concurrency: Option<u32>,
    /// Memory a task uses with no requests, MiB.
    pub memory_base_mib: f64,
    /// Memory per in-flight request, MiB (in-flight by Little's law).
    pub memory_per_request_mib: f64,
    /// Requests that would wait longer fail (ALB idle time-out, default 60 s).
    pub timeout_ms: u64,
    /// Target choice.
    pub balancer: Balancer,
    /// Target group deregistration delay (§2.5: default 300 s, ends early when idle).
    pub deregistration_delay_ms: u64,
    /// The service level objective, if any: what makes a metric period bad.
    pub slo: Option<SloSpec>,
}

/// A service level objective (`slo = { p99, error_rate, objective }`): a metric period is bad when its
/// p99 exceeds `p99_ms`, or its errors exceed `error_rate` of its arrivals, or requests arrived and none
/// was served; periods without arrivals are good. The objective is met when good periods are at least
/// `objective` of the measured ones.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SloSpec {
    /// Latency bound on each period's p99, ms (None: no latency bound).
    pub p99_ms: Option<f64>,
    /// Largest tolerated errors ÷ arrivals in a period (default 0.001).
    pub error_rate: f64,
    /// Share of good periods the objective asks for (default 0.99).
    pub objective: f64,
}

impl SloSpec {
    /// Default error rate when the file gives none (`slo_p99` shorthand included): 99.9 % availability.
    pub const DEFAULT_ERROR_RATE: f64 = 0.001;
    /// Default objective: 99 % of the measured periods good.
    pub const DEFAULT_OBJECTIVE: f64 = 0.99;

    /// Is a period with these figures bad? (`p99_ms`: the period's p99, when anything was served.)
    pub fn bad(&self, arrived: f64, served: f64, errors: f64, p99_ms: Option<f64>) -> bool {
        arrived > 0.0
            && (served <= 0.0
                || errors > self.error_rate * arrived
                || matches!((self.p99_ms, p99_ms), (Some(b), Some(p)) if p > b))
    }
}

/// An SQS-like queue feeding a worker service (reference §4.5): messages arrive from a source, each
/// RUNNING task of the service consumes them, and the queue's backlog drives scaling
/// (`ApproximateNumberOfMessagesVisible`, backlog per task).
#[derive(Debug, Clone)]
pub struct QueueSpec {
    /// Message arrivals (messages per second, or one row per message).
    pub source: LoadSourceSpec,
    /// Multiplier of the source's rate, one draw per metric period.
    pub noise: crate::workload::synthetic::Noise,
    /// Messages one RUNNING task completes per second while it has work (from `per_task_rate_per_s`, or
    /// `concurrency` ÷ the mean `service_time`).
    pub per_task_rate_per_s: f64,
    /// Messages a task works on at once (each is in flight meanwhile).
    pub concurrency: u32,
    /// A message a task held when it left RUNNING becomes visible again this long after (SQS default
    /// 30 s).
    pub visibility_timeout_ms: u64,
    /// Backlog per task has no datapoint while no task runs (AWS's plain `m1 / m2` metric math, §4.5)
    /// instead of the whole visible backlog (visible ÷ max(1, RUNNING), ecsim's default).
    pub backlog_no_data_at_zero: bool,
}

impl QueueSpec {
    /// Mean time a message spends in flight with a consumer, s: `concurrency / per_task_rate_per_s`.
    pub fn service_s(&self) -> f64 {
        self.concurrency as f64 / self.per_task_rate_per_s
    }
}

/// A batch-job source: each job becomes a standalone task of its own size and duration, placed in
/// arrival order; jobs that cannot be placed wait.
#[derive(Debug, Clone)]
pub struct BatchSpec {
    /// Name (task group `batch:<name>`).
    pub name: String,
    /// The file.
    pub path: std::path::PathBuf,
    /// Its format.
    pub format: crate::workload::jobs::JobFormat,
    /// The task definition the jobs run as (its size is replaced by each job's).
    pub task_def: TaskDefId,
    /// Launch type or capacity provider strategy.
    pub launch: Launch,
    /// Strategies (empty = random, the RunTask default).
    pub placement_strategy: Vec<Strategy>,
    /// Constraints.
    pub placement_constraints: Vec<Constraint>,
    /// At most this many jobs.
    pub max_jobs: Option<u64>,
    /// Multiply arrival times and durations (0.5 = twice as fast).
    pub time_scale: f64,
    /// Simulation time of the first job's arrival.
    pub start_ms: u64,
}

/// RunTask on a schedule.
#[derive(Debug, Clone)]
pub struct ScheduledTaskSpec {
    /// When.
    pub schedule: crate::workload::schedule::Schedule,
    /// Unix time of simulation time 0 (for cron expressions).
    pub epoch_start_s: f64,
    /// `ScheduleExpressionTimezone`: `cron()` and `at()` read in its local time (None: UTC).
    pub zone: Option<crate::workload::schedule::Zone>,
    /// What each firing runs (its `at_ms` is unused).
    pub run: RunTaskSpec,
}

/// Prices after overrides and discounts (reference §5.2, §6.2).
#[derive(Debug, Clone)]
pub struct PricingSpec {
    /// Fargate prices (already discounted).
    pub fargate: crate::pricing::billing::FargatePrices,
    /// Fraction off Fargate prices for FARGATE_SPOT ("up to 70%", §5.2; default 0.7).
    pub fargate_spot_discount: f64,
    /// Weight of the CPU share when EC2 cost is attributed to tasks; memory gets the rest (default 0.5).
    pub attribution_cpu_weight: f64,
}

impl Spec {
    /// The provider id of `FARGATE`.
    pub fn fargate(&self) -> ProviderId {
        ProviderId((self.providers.len() - 2) as u16)
    }
    /// The provider id of `FARGATE_SPOT`.
    pub fn fargate_spot(&self) -> ProviderId {
        ProviderId((self.providers.len() - 1) as u16)
    }
    /// Provider by id.
    pub fn provider(&self, id: ProviderId) -> &ProviderSpec {
        &self.providers[id.0 as usize]
    }
    /// Task definition by id.
    pub fn task_def(&self, id: TaskDefId) -> &TaskDefSpec {
        &self.task_definitions[id.0 as usize]
    }
}

/// A capacity provider.
#[derive(Debug, Clone)]
pub struct ProviderSpec {
    /// Name as used in strategies.
    pub name: String,
    /// What it provides.
    pub kind: ProviderKind,
}

/// EC2 Auto Scaling group or Fargate.
#[derive(Debug, Clone)]
pub enum ProviderKind {
    /// An Auto Scaling group of one instance type (reference §3.2, §6).
    Asg(Box<AsgSpec>),
    /// `FARGATE` (spot = false) or `FARGATE_SPOT` (reference §3.3).
    Fargate {
        /// True for `FARGATE_SPOT`.
        spot: bool,
    },
}

/// An EC2 Auto Scaling group behind a capacity provider.
#[derive(Debug, Clone)]
pub struct AsgSpec {
    /// The instance type (built-in or custom).
    pub instance_type: InstanceType,
    /// ASG minimum size.
    pub min_size: u32,
    /// ASG maximum size.
    pub max_size: u32,
    /// Instances at the start of the run (registered at time 0: a warm cluster).
    pub desired_size: u32,
    /// Spot instances (interruptions come with the faults feature).
    pub spot: bool,
    /// What one instance costs per hour: the type's price (or an override), Spot discount and any
    /// negotiated discount applied.
    pub price_usd_per_hour: f64,
    /// The `[pricing] ec2_spot_discount` the price was derived with (§6.2, **unconfirmed**): a Spot
    /// group without `spot_price_usd_per_hour`; `None` otherwise.
    pub spot_discount: Option<f64>,
    /// Zones the group launches into (the subnets' AZs), balanced as an ASG does.
    pub zones: Vec<ZoneId>,
    /// Custom attributes (`attribute:<name>` in the cluster query language).
    pub attributes: Vec<(String, String)>,
    /// `ECS_RESERVED_MEMORY`: MiB the agent keeps out of the registered memory (reference §6.1).
    pub reserved_memory_mib: u32,
    /// Managed scaling (cluster auto scaling, §3.2): tasks that do not fit wait in PROVISIONING and the
    /// group scales on CapacityProviderReservation.
    pub managed_scaling: Option<crate::scaling::cluster::ManagedScaling>,
    /// Time from an Auto Scaling launch to the container instance registering (§6.3: 1–3 minutes).
    pub launch_latency: DurationDist,
    /// CPU credits of a burstable type (T3, T3a, T4g, §6.6) in the provider's `credit_specification`;
    /// `None` for other types.
    pub burst: Option<crate::pricing::credits::BurstSpec>,
}

impl AsgSpec {
    /// CPU units registered with ECS (1024 per vCPU, reference §6.1).
    pub fn registered_cpu_units(&self) -> u32 {
        self.instance_type.vcpu * 1024
    }
    /// Memory registered with ECS: below nominal RAM, less `ECS_RESERVED_MEMORY` (reference §6.1).
    pub fn registered_memory_mib(&self) -> u32 {
        self.instance_type
            .registered_memory_mib
            .saturating_sub(self.reserved_memory_mib)
    }
}

/// Task networking mode (reference §1.1, §9.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkMode {
    /// Docker bridge: static host ports reserve the port on the instance; dynamic ones do not.
    Bridge,
    /// One ENI per task; ports never conflict on the host, but the instance's ENI limit applies.
    Awsvpc,
    /// Host networking: every container port is a host port.
    Host,
    /// No networking.
    None,
}

/// A placement constraint (reference §1.4).
#[derive(Debug, Clone)]
pub enum Constraint {
    /// Each task of the group on a different instance.
    DistinctInstance,
    /// Only instances matching the cluster-query-language expression.
    MemberOf {
        /// The parsed expression.
        expr: cql::Expr,
        /// The source text, for messages.
        source: String,
    },
}

/// The resource a binpack strategy packs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// CPU units.
    Cpu,
    /// Memory MiB.
    Memory,
}

/// What a spread strategy balances over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpreadField {
    /// `instanceId` (or `host`): one bucket per instance.
    InstanceId,
    /// `attribute:ecs.availability-zone`: one bucket per zone (indexed fast path).
    AvailabilityZone,
    /// Any other `attribute:<name>`; instances without it share the "absent" bucket.
    Attribute(String),
}

/// One placement strategy rule (reference §1.2). A list is applied lexicographically: each later rule
/// breaks the ties of the earlier ones; remaining ties go to a per-instance random order.
#[derive(Debug, Clone, PartialEq)]
pub enum Strategy {
    /// Least remaining amount of the resource that still fits.
    Binpack(Resource),
    /// Even over the field's values, counting the task group's tasks.
    Spread(SpreadField),
    /// Uniformly random among the instances that pass.
    Random,
}

/// How a task chooses its capacity (reference §3.1).
#[derive(Debug, Clone)]
pub enum Launch {
    /// `launch_type = "EC2"`: any registered instance of the cluster; not counted by capacity-provider scaling.
    Ec2,
    /// `launch_type = "FARGATE"`.
    Fargate,
    /// `capacity_provider_strategy`: base and weight split.
    Strategy(Vec<StrategyItem>),
}

/// One item of a capacity provider strategy.
#[derive(Debug, Clone, Copy)]
pub struct StrategyItem {
    /// The provider.
    pub provider: ProviderId,
    /// Tasks placed here first (per service).
    pub base: u32,
    /// Relative share after the base is met.
    pub weight: u32,
}

/// A container of a task definition.
#[derive(Debug, Clone)]
pub struct ContainerSpec {
    /// Name.
    pub name: String,
    /// CPU units (relative shares unless task-level cpu is set).
    pub cpu: u32,
    /// Hard memory limit, MiB.
    pub memory_mib: Option<u32>,
    /// Soft limit used for placement, MiB.
    pub memory_reservation_mib: Option<u32>,
    /// Essential containers end the task when they exit.
    pub essential: bool,
}

/// A resolved task definition.
#[derive(Debug, Clone)]
pub struct TaskDefSpec {
    /// Family name.
    pub family: String,
    /// Task-level `cpu`, if set.
    pub task_cpu: Option<u32>,
    /// Task-level `memory`, if set.
    pub task_memory_mib: Option<u32>,
    /// CPU units charged at placement: task-level cpu, else the sum over containers (reference §1.1).
    pub cpu_units: u32,
    /// Memory charged at placement: task-level memory, else the sum over containers of
    /// `memoryReservation` if set, else `memory` (reference §1.1).
    pub memory_mib: u32,
    /// Network mode.
    pub network_mode: NetworkMode,
    /// Can run on EC2.
    pub ec2_compatible: bool,
    /// Can run on Fargate.
    pub fargate_compatible: bool,
    /// Required CPU architecture, if any (`runtimePlatform.cpuArchitecture`).
    pub arch: Option<Arch>,
    /// Static host ports the task reserves on its instance (bridge with a fixed hostPort, or host mode).
    pub static_host_ports: Vec<u16>,
    /// Containers.
    pub containers: Vec<ContainerSpec>,
    /// Time from SIGTERM to SIGKILL (`stopTimeout`, default 30 s).
    pub stop_timeout_ms: u64,
    /// Constraints declared in the task definition (memberOf only, reference §1.4).
    pub constraints: Vec<Constraint>,
    /// Ephemeral storage, GiB (Fargate; 20 by default).
    pub ephemeral_storage_gib: u32,
    /// Where it came from: "inline" or the JSON file path.
    pub source: String,
    /// The image (cached per instance on EC2; pulled in full by every Fargate task, §5.3).
    pub image: String,
    /// Image size, MiB: pull time = size / throughput (else the `pull` distribution of `[timings]`).
    pub image_size_mib: Option<u32>,
    /// Lazy loading (SOCI) on Fargate: the pull takes `lazy_loading_factor` of its full time.
    pub lazy_loading: bool,
    /// The container health check, if any.
    pub health_check: Option<HealthCheckSpec>,
    /// Probability that a task fails to start (models a broken image or configuration).
    pub start_failure_probability: f64,
}

impl TaskDefSpec {
    /// True when the task uses its own ENI (awsvpc), which counts against the instance's ENI limit.
    pub fn uses_eni(&self) -> bool {
        self.network_mode == NetworkMode::Awsvpc
    }
}

/// REPLICA or DAEMON (reference §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchedulingStrategy {
    /// Hold `desired_count` tasks.
    Replica,
    /// One task per matching instance.
    Daemon,
}

/// A resolved service.
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    /// Name (the task group is `service:<name>`).
    pub name: String,
    /// Task definition.
    pub task_def: TaskDefId,
    /// REPLICA or DAEMON.
    pub scheduling: SchedulingStrategy,
    /// Desired count at time 0 (REPLICA).
    pub desired_count: u32,
    /// Launch type or capacity provider strategy.
    pub launch: Launch,
    /// Strategies (empty = the default for the launch: AZ spread then instance spread, §1.3).
    pub placement_strategy: Vec<Strategy>,
    /// Constraints from the service plus those of the task definition.
    pub placement_constraints: Vec<Constraint>,
    /// Zones Fargate tasks may use (the awsvpc subnets); all zones by default.
    pub zones: Vec<ZoneId>,
    /// When the service is created.
    pub start_ms: u64,
    /// Its traffic, if any.
    pub load: Option<LoadSpec>,
    /// The queue its tasks consume, if any (boxed: most services have none).
    pub queue: Option<Box<QueueSpec>>,
    /// Service Auto Scaling, if any.
    pub auto_scaling: Option<AutoScalingSpec>,
    /// Rolling-update bounds and circuit breaker.
    pub deployment: DeploymentConfig,
    /// healthCheckGracePeriodSeconds (default 0, §2.5).
    pub health_check_grace_period_ms: u64,
    /// availabilityZoneRebalancing ENABLED (§2.1).
    pub az_rebalancing: bool,
    /// Task scale-in protection of its tasks, if they set it (§2.7).
    pub task_protection: Option<TaskProtection>,
}

/// When a service's tasks protect themselves from scale-in and deployments (§2.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtectionMode {
    /// Each task sets protection when it reaches RUNNING, for `expires_in` (a game server, a warm-up):
    /// it lapses then and is not renewed.
    AfterStart,
    /// A queue worker sets protection while it processes messages and clears it when idle.
    WhileBusy,
}

/// `[services.task_protection]` (§2.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskProtection {
    /// How the tasks set it.
    pub mode: ProtectionMode,
    /// `expiresInMinutes` in ms: 1–2,880 minutes, default 120 (ECS API `UpdateTaskProtection`).
    pub expires_in_ms: u64,
}

/// One RunTask call.
#[derive(Debug, Clone)]
pub struct RunTaskSpec {
    /// When.
    pub at_ms: u64,
    /// Task definition.
    pub task_def: TaskDefId,
    /// Tasks in the call (1–10, reference §8).
    pub count: u32,
    /// Task group (default `family:<family>`).
    pub group: String,
    /// Launch type or capacity provider strategy.
    pub launch: Launch,
    /// Strategies (empty = random, the RunTask default).
    pub placement_strategy: Vec<Strategy>,
    /// Constraints (call plus task definition).
    pub placement_constraints: Vec<Constraint>,
    /// How long the essential container runs before it exits (None: until the end of the run).
    pub run_duration: Option<DurationDist>,
}

/// A scheduled `UpdateService` of the desired count.
#[derive(Debug, Clone)]
pub struct ServiceUpdateSpec {
    /// When.
    pub at_ms: u64,
    /// Which service.
    pub service: ServiceId,
    /// New desired count.
    pub desired_count: u32,
}

/// Durations of the lifecycle states of a task on one launch type (reference §7.1).
#[derive(Debug, Clone)]
pub struct StateTimings {
    /// PROVISIONING (Fargate capacity; for EC2, ENI attachment of awsvpc tasks).
    pub provisioning: DurationDist,
    /// PENDING, first part: image pull (`pullStartedAt` → `pullStoppedAt`).
    pub pull: DurationDist,
    /// PENDING, second part: container create and start.
    pub start: DurationDist,
    /// ACTIVATING (load balancer and Cloud Map registration).
    pub activating: DurationDist,
    /// DEACTIVATING (load balancer deregistration).
    pub deactivating: DurationDist,
    /// STOPPING: how long the application takes to exit after SIGTERM; capped by `stopTimeout`.
    pub stop: DurationDist,
    /// DEPROVISIONING (ENI detach).
    pub deprovisioning: DurationDist,
}

/// Lifecycle timings per launch type.
#[derive(Debug, Clone)]
pub struct Timings {
    /// EC2 (bridge/host networking).
    pub ec2: StateTimings,
    /// Extra PROVISIONING time for awsvpc tasks on EC2 ("several seconds", reference §7.1).
    pub ec2_eni_attach: DurationDist,
    /// Fargate and Fargate Spot.
    pub fargate: StateTimings,
    /// Image pull throughput on Fargate, MiB/s (when a task definition gives `image_size_mib`).
    pub fargate_pull_mib_per_s: f64,
    /// Image pull throughput on EC2, MiB/s.
    pub ec2_pull_mib_per_s: f64,
    /// Share of the pull time left with lazy loading (SOCI "up to 50 %" faster, §5.3: 0.5).
    pub lazy_loading_factor: f64,
}

/// Scheduler and agent parameters. Defaults follow the reference; "unconfirmed" values are marked.
#[derive(Debug, Clone)]
pub struct SchedulerParams {
    /// How often a service with unplaced tasks tries again (**unconfirmed**, §7.3). Default 30 s.
    pub placement_retry_interval_ms: u64,
    /// First delay of the launch throttle (§2.2, **unconfirmed**). Default 30 s.
    pub throttle_initial_delay_ms: u64,
    /// Growth factor of the throttle delay (§2.2, **unconfirmed**). Default 2.
    pub throttle_multiplier: f64,
    /// Maximum throttle delay: 27 min (§2.2, current docs; 15 min in 2023).
    pub throttle_max_delay_ms: u64,
    /// Tasks a service may launch per minute (§8.3: 500, current).
    pub service_launch_rate_per_minute: u32,
    /// Cap on tasks in PROVISIONING per cluster (§3.2, §8: 300).
    pub provisioning_cap: u32,
    /// How long a capacity-provider task waits in PROVISIONING before it stops (§3.2: 10–30 min).
    pub provisioning_timeout: DurationDist,
    /// Identical service events within this window are suppressed (§2.6: 6 h).
    pub event_dedup_window_ms: u64,
    /// Reserved host ports on every instance (§1.1 agent default 22, 2375, 2376, 51678, 51679, 51680).
    pub reserved_ports: Vec<u16>,
    /// Maximum reserved host ports per instance (§1.1: 100).
    pub max_reserved_ports: u32,
    /// The account's Fargate On-Demand task-launch token bucket (§8.1: burst 100, 20 per second).
    pub fargate_launch: TokenRate,
    /// The separate bucket of Fargate Spot task launches (§8.1: burst 100, 20 per second).
    pub fargate_spot_launch: TokenRate,
    /// RunTask calls (§8.2: 20 per second, burst equal to sustained); each call launches 1 to 10 tasks.
    pub run_task_calls: TokenRate,
    /// Launches that may wait for a token at once (Fargate tasks per bucket, RunTask calls): a bound on
    /// the queues, not an AWS figure. Default 100,000.
    pub launch_queue_cap: u32,
}

/// A token bucket's size: `burst` tokens at most, refilled at `per_second` (reference §8).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenRate {
    /// Bucket maximum (the burst).
    pub burst: u32,
    /// Refill per second (the sustained rate).
    pub per_second: f64,
}
