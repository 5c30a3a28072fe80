//! The scenario file's TOML schema (serde). Keys are snake_case versions of AWS API names; values AWS
//! spells as enums keep AWS's spelling. Every table denies unknown keys, so a typo is an error with a
//! suggestion, never a silent default. README.md documents every key.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::duration::{Dist, Dur};

/// Top-level keys, for "did you mean" on an unknown key.
pub const TOP_LEVEL_KEYS: &[&str] = &[
    "name",
    "description",
    "duration",
    "seed",
    "metric_period",
    "warm_up",
    "cluster",
    "instance_types",
    "capacity_providers",
    "task_definitions",
    "services",
    "run_tasks",
    "service_updates",
    "timings",
    "scheduler",
    "pricing",
    "traffic",
    "batch_jobs",
    "scheduled_tasks",
    "scaling",
    "deployments",
    "faults",
    "output",
];

/// `[cluster]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    /// Cluster name (default "default").
    #[serde(default)]
    pub name: Option<String>,
    /// Region (default us-east-1).
    #[serde(default)]
    pub region: Option<String>,
    /// Availability zones.
    pub availability_zones: Vec<String>,
    /// Used by services and RunTask calls that give neither a launch type nor a strategy.
    #[serde(default)]
    pub default_capacity_provider_strategy: Option<Vec<RawStrategyItem>>,
}

/// `[[instance_types]]`: a custom instance type.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInstanceType {
    /// Name used by `instance_type`.
    pub name: String,
    /// vCPUs (1024 CPU units each).
    pub vcpu: u32,
    /// Nominal memory, MiB.
    pub memory_mib: u32,
    /// Registered memory, MiB (default: the catalog's derived rule).
    #[serde(default)]
    pub registered_memory_mib: Option<u32>,
    /// Price.
    pub price_usd_per_hour: f64,
    /// `x86_64` (default) or `arm64`.
    #[serde(default)]
    pub architecture: Option<String>,
    /// ENIs including the primary (default 3).
    #[serde(default)]
    pub max_enis: Option<u32>,
}

/// `managed_scaling = { … }` of a capacity provider.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawManagedScaling {
    /// `ENABLED` (default when the table is present) or `DISABLED`.
    #[serde(default)]
    pub status: Option<String>,
    /// `targetCapacity`, % (1–100, default 100).
    #[serde(default)]
    pub target_capacity: Option<u32>,
    /// `minimumScalingStepSize` (default 1).
    #[serde(default)]
    pub minimum_scaling_step_size: Option<u32>,
    /// `maximumScalingStepSize` (default 10000).
    #[serde(default)]
    pub maximum_scaling_step_size: Option<u32>,
    /// `instanceWarmupPeriod` (default 300 s).
    #[serde(default)]
    pub instance_warmup_period: Option<Dur>,
}

/// `[[capacity_providers]]`: an EC2 Auto Scaling group capacity provider.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCapacityProvider {
    /// Name.
    pub name: String,
    /// Built-in or custom instance type.
    pub instance_type: String,
    /// ASG MinSize.
    #[serde(default)]
    pub min_size: u32,
    /// ASG MaxSize.
    pub max_size: u32,
    /// Instances at the start.
    pub desired_size: u32,
    /// Spot instances.
    #[serde(default)]
    pub spot: bool,
    /// Subset of the cluster's zones (default all).
    #[serde(default)]
    pub availability_zones: Option<Vec<String>>,
    /// Custom attributes.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// `ECS_RESERVED_MEMORY`.
    #[serde(default)]
    pub ecs_reserved_memory_mib: u32,
    /// Managed scaling.
    #[serde(default)]
    pub managed_scaling: Option<RawManagedScaling>,
    /// Spot price per instance-hour (default: on-demand × (1 − `pricing.ec2_spot_discount`)).
    #[serde(default)]
    pub spot_price_usd_per_hour: Option<f64>,
    /// `ENABLED` (default with managed scaling) or `DISABLED`.
    #[serde(default)]
    pub managed_termination_protection: Option<String>,
    /// Launch to registration (default uniform 60–180 s, §6.3).
    #[serde(default)]
    pub launch_latency: Option<Dist>,
    /// `CreditSpecification.CpuCredits` of a burstable type: `"unlimited"` (default) or `"standard"`
    /// (§6.6).
    #[serde(default)]
    pub credit_specification: Option<String>,
}

/// A capacity provider strategy item.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStrategyItem {
    /// Provider name (`FARGATE`, `FARGATE_SPOT` or a `[[capacity_providers]]` name).
    pub capacity_provider: String,
    /// Base.
    #[serde(default)]
    pub base: u32,
    /// Weight (default 0 as in the API, §3.1).
    #[serde(default)]
    pub weight: u32,
}

/// A placement strategy rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlacementStrategy {
    /// `binpack`, `spread` or `random`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `cpu`/`memory` for binpack; `instanceId`, `host` or `attribute:<name>` for spread.
    #[serde(default)]
    pub field: Option<String>,
}

/// A placement constraint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlacementConstraint {
    /// `distinctInstance` or `memberOf`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Cluster query language expression (memberOf).
    #[serde(default)]
    pub expression: Option<String>,
}

/// A port mapping.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPortMapping {
    /// Container port.
    pub container_port: u16,
    /// Host port (0 or absent: dynamic in bridge mode).
    #[serde(default)]
    pub host_port: Option<u16>,
    /// `tcp` or `udp`.
    #[serde(default)]
    pub protocol: Option<String>,
}

/// A container definition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContainer {
    /// Name.
    pub name: String,
    /// Image (informational).
    #[serde(default)]
    pub image: Option<String>,
    /// CPU units.
    #[serde(default)]
    pub cpu: u32,
    /// Hard limit MiB.
    #[serde(default)]
    pub memory: Option<u32>,
    /// Soft limit MiB.
    #[serde(default)]
    pub memory_reservation: Option<u32>,
    /// Essential (default true).
    #[serde(default)]
    pub essential: Option<bool>,
    /// Port mappings.
    #[serde(default)]
    pub port_mappings: Vec<RawPortMapping>,
    /// stopTimeout.
    #[serde(default)]
    pub stop_timeout: Option<Dur>,
}

/// `[[task_definitions]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTaskDefinition {
    /// Family (required unless `file` is given).
    #[serde(default)]
    pub family: Option<String>,
    /// A `register-task-definition` JSON file, relative to the scenario file.
    #[serde(default)]
    pub file: Option<String>,
    /// Task-level CPU units.
    #[serde(default)]
    pub cpu: Option<u32>,
    /// Task-level memory MiB.
    #[serde(default)]
    pub memory: Option<u32>,
    /// `bridge` (EC2 default), `awsvpc` (Fargate), `host`, `none`.
    #[serde(default)]
    pub network_mode: Option<String>,
    /// `EC2`, `FARGATE` (default both when the size is a valid Fargate size).
    #[serde(default)]
    pub requires_compatibilities: Option<Vec<String>>,
    /// `X86_64` or `ARM64`.
    #[serde(default)]
    pub cpu_architecture: Option<String>,
    /// Containers (default: one essential container with the task-level size).
    #[serde(default)]
    pub containers: Vec<RawContainer>,
    /// memberOf constraints.
    #[serde(default)]
    pub placement_constraints: Vec<RawPlacementConstraint>,
    /// Fargate ephemeral storage GiB (20–200).
    #[serde(default)]
    pub ephemeral_storage_gib: Option<u32>,
    /// Image size, MiB (sets the pull time).
    #[serde(default)]
    pub image_size_mib: Option<u32>,
    /// Lazy loading (SOCI) on Fargate.
    #[serde(default)]
    pub lazy_loading: bool,
    /// Container health check.
    #[serde(default)]
    pub health_check: Option<RawHealthCheck>,
    /// Probability that a task fails to start.
    #[serde(default)]
    pub start_failure_probability: Option<f64>,
}

/// `health_check = { … }` of a task definition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHealthCheck {
    /// 5–300 s (default 30 s).
    #[serde(default)]
    pub interval: Option<Dur>,
    /// 2–60 s (default 5 s; informational).
    #[serde(default)]
    pub timeout: Option<Dur>,
    /// 1–10 (default 3).
    #[serde(default)]
    pub retries: Option<u32>,
    /// 0–300 s (default 0).
    #[serde(default)]
    pub start_period: Option<Dur>,
    /// Does the application pass? (default true; false = a bad revision)
    #[serde(default)]
    pub passes: Option<bool>,
    /// It passes for this long after RUNNING, then fails (an application that degrades; default: always).
    #[serde(default)]
    pub passes_for: Option<Dur>,
}

/// `deployment_configuration = { … }` of a service.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeploymentConfig {
    /// Default 100 (REPLICA).
    #[serde(default)]
    pub minimum_healthy_percent: Option<u32>,
    /// Default 200 (REPLICA).
    #[serde(default)]
    pub maximum_percent: Option<u32>,
    /// `{ enable = true, rollback = true }`.
    #[serde(default)]
    pub deployment_circuit_breaker: Option<RawCircuitBreaker>,
}

/// The circuit breaker.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCircuitBreaker {
    /// On.
    pub enable: bool,
    /// Roll back to the last completed deployment.
    #[serde(default)]
    pub rollback: bool,
    /// Smallest threshold (default 3, the current API; the 2023 docs said 10).
    #[serde(default)]
    pub min_threshold: Option<u32>,
    /// `thresholdConfiguration`: `{ type, value }` (default BOUNDED_PERCENT, 50).
    #[serde(default)]
    pub threshold_configuration: Option<RawThreshold>,
    /// `resetOnHealthyTask` (default true): a task turning healthy resets the failure count.
    #[serde(default)]
    pub reset_on_healthy_task: Option<bool>,
}

/// The circuit breaker's `thresholdConfiguration`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawThreshold {
    /// `BOUNDED_PERCENT`, `UNBOUNDED_PERCENT` or `COUNT`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A percentage of the desired count, or the count itself (default 50).
    #[serde(default)]
    pub value: Option<u32>,
}

/// `[[deployments]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeployment {
    /// When.
    pub at: Dur,
    /// Service.
    pub service: String,
    /// New task definition family.
    pub task_definition: String,
}

/// `[[faults]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawFault {
    /// Instance failures.
    InstanceFailure {
        /// Group (default all).
        #[serde(default)]
        capacity_provider: Option<String>,
        /// Exponential mean time between failures per instance.
        #[serde(default)]
        mtbf: Option<Dur>,
        /// Or a distribution of time to failure.
        #[serde(default)]
        time_to_failure: Option<Dist>,
        /// Or failure times.
        #[serde(default)]
        times: Vec<Dur>,
    },
    /// Running task crashes.
    TaskCrash {
        /// Service (default all).
        #[serde(default)]
        service: Option<String>,
        /// Exponential mean time between crashes per task.
        #[serde(default)]
        mtbf: Option<Dur>,
        /// Or a distribution.
        #[serde(default)]
        time_to_failure: Option<Dist>,
    },
    /// Tasks that fail to start.
    StartFailure {
        /// Service (default all).
        #[serde(default)]
        service: Option<String>,
        /// Probability per task.
        probability: f64,
    },
    /// Spot interruptions: an EC2 Spot group, or `FARGATE_SPOT`.
    SpotInterruption {
        /// `FARGATE_SPOT` or a Spot Auto Scaling group's provider.
        capacity_provider: String,
        /// Interruptions per instance-hour (EC2) or task-hour (Fargate).
        #[serde(default)]
        rate_per_hour: Option<f64>,
        /// Or at these times.
        #[serde(default)]
        times: Vec<Dur>,
        /// EC2: ECS_ENABLE_SPOT_INSTANCE_DRAINING (default false, the agent's default).
        #[serde(default)]
        draining: bool,
    },
    /// No Fargate Spot capacity for a while.
    SpotCapacityShortage {
        /// Start.
        at: Dur,
        /// Length.
        duration: Dur,
    },
    /// An operator drains one instance (it stays DRAINING; the name says what it is not: a fault).
    DrainInstance {
        /// Group (default all).
        #[serde(default)]
        capacity_provider: Option<String>,
        /// When.
        at: Dur,
    },
    /// A zone is lost.
    AzOutage {
        /// Zone.
        zone: String,
        /// Start.
        at: Dur,
        /// Length.
        duration: Dur,
    },
}

/// `[[services]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    /// Name.
    pub name: String,
    /// Task definition family.
    pub task_definition: String,
    /// `REPLICA` (default) or `DAEMON`.
    #[serde(default)]
    pub scheduling_strategy: Option<String>,
    /// Desired count (REPLICA).
    #[serde(default)]
    pub desired_count: Option<u32>,
    /// `EC2` or `FARGATE`.
    #[serde(default)]
    pub launch_type: Option<String>,
    /// Capacity provider strategy.
    #[serde(default)]
    pub capacity_provider_strategy: Option<Vec<RawStrategyItem>>,
    /// Placement strategy.
    #[serde(default)]
    pub placement_strategy: Vec<RawPlacementStrategy>,
    /// Placement constraints.
    #[serde(default)]
    pub placement_constraints: Vec<RawPlacementConstraint>,
    /// Zones for Fargate tasks (the awsvpc subnets' zones).
    #[serde(default)]
    pub availability_zones: Option<Vec<String>>,
    /// When the service is created (default 0).
    #[serde(default)]
    pub start: Option<Dur>,
    /// Traffic.
    #[serde(default)]
    pub load: Option<RawLoad>,
    /// A queue its tasks consume (a worker service).
    #[serde(default)]
    pub queue: Option<RawQueue>,
    /// Service Auto Scaling.
    #[serde(default)]
    pub auto_scaling: Option<RawAutoScaling>,
    /// Rolling update and circuit breaker.
    #[serde(default)]
    pub deployment_configuration: Option<RawDeploymentConfig>,
    /// healthCheckGracePeriodSeconds.
    #[serde(default)]
    pub health_check_grace_period: Option<Dur>,
    /// `ENABLED` or `DISABLED` (default).
    #[serde(default)]
    pub availability_zone_rebalancing: Option<String>,
    /// `[services.task_protection]` (§2.7).
    #[serde(default)]
    pub task_protection: Option<RawTaskProtection>,
}

/// `task_protection = { mode, expires_in }` of a service (§2.7).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTaskProtection {
    /// `"while_busy"` or `"after_start"`.
    pub mode: String,
    /// `expiresInMinutes` (default 120 minutes).
    #[serde(default)]
    pub expires_in: Option<Dur>,
}

/// `[[run_tasks]]`: one RunTask call.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRunTask {
    /// When.
    pub at: Dur,
    /// Task definition family.
    pub task_definition: String,
    /// 1–10 tasks.
    #[serde(default = "one")]
    pub count: u32,
    /// Task group (default `family:<family>`).
    #[serde(default)]
    pub group: Option<String>,
    /// `EC2` or `FARGATE`.
    #[serde(default)]
    pub launch_type: Option<String>,
    /// Capacity provider strategy.
    #[serde(default)]
    pub capacity_provider_strategy: Option<Vec<RawStrategyItem>>,
    /// Placement strategy (default random).
    #[serde(default)]
    pub placement_strategy: Vec<RawPlacementStrategy>,
    /// Placement constraints.
    #[serde(default)]
    pub placement_constraints: Vec<RawPlacementConstraint>,
    /// How long the essential container runs (default: until the end).
    #[serde(default)]
    pub run_duration: Option<Dist>,
}

fn one() -> u32 {
    1
}

/// `[[service_updates]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServiceUpdate {
    /// When.
    pub at: Dur,
    /// Service name.
    pub service: String,
    /// New desired count.
    pub desired_count: u32,
}

/// Lifecycle timings of one launch type; each key overrides its default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStateTimings {
    /// PROVISIONING.
    pub provisioning: Option<Dist>,
    /// Image pull.
    pub pull: Option<Dist>,
    /// Container start.
    pub start: Option<Dist>,
    /// ACTIVATING.
    pub activating: Option<Dist>,
    /// DEACTIVATING.
    pub deactivating: Option<Dist>,
    /// Application exit after SIGTERM.
    pub stop: Option<Dist>,
    /// DEPROVISIONING.
    pub deprovisioning: Option<Dist>,
    /// Extra PROVISIONING for awsvpc tasks (EC2 only).
    pub eni_attach: Option<Dist>,
    /// Image pull throughput, MiB/s, for task definitions with `image_size_mib`.
    pub pull_mib_per_s: Option<f64>,
    /// Share of the pull time left with lazy loading (Fargate).
    pub lazy_loading_factor: Option<f64>,
}

/// `[timings]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTimings {
    /// EC2 tasks.
    #[serde(default)]
    pub ec2: RawStateTimings,
    /// Fargate tasks.
    #[serde(default)]
    pub fargate: RawStateTimings,
}

/// `[scheduler]`: parameters the reference marks unconfirmed, plus quotas.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScheduler {
    /// Retry cadence for unplaced service tasks.
    pub placement_retry_interval: Option<Dur>,
    /// Launch throttle first delay.
    pub throttle_initial_delay: Option<Dur>,
    /// Launch throttle growth factor.
    pub throttle_multiplier: Option<f64>,
    /// Launch throttle cap.
    pub throttle_max_delay: Option<Dur>,
    /// Tasks per minute per service.
    pub service_launch_rate_per_minute: Option<u32>,
    /// PROVISIONING cap per cluster.
    pub provisioning_cap: Option<u32>,
    /// PROVISIONING time-out distribution.
    pub provisioning_timeout: Option<Dist>,
    /// Event dedup window.
    pub event_dedup_window: Option<Dur>,
    /// Reserved host ports.
    pub reserved_ports: Option<Vec<u16>>,
    /// Fargate On-Demand task-launch bucket: burst (tokens).
    pub fargate_launch_burst: Option<u32>,
    /// Fargate On-Demand task-launch bucket: refill per second.
    pub fargate_launch_rate_per_second: Option<f64>,
    /// Fargate Spot task-launch bucket: burst (tokens).
    pub fargate_spot_launch_burst: Option<u32>,
    /// Fargate Spot task-launch bucket: refill per second.
    pub fargate_spot_launch_rate_per_second: Option<f64>,
    /// RunTask calls per second.
    pub run_task_calls_per_second: Option<f64>,
    /// RunTask call burst (default: the per-second rate).
    pub run_task_burst: Option<u32>,
    /// Launches that may wait for a token at once.
    pub launch_queue_cap: Option<u32>,
}

/// `fargate = { … }` price overrides in `[pricing]`, USD.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFargatePrices {
    /// Linux/x86 per vCPU-hour.
    pub vcpu_hour: Option<f64>,
    /// Linux/x86 per GB-hour.
    pub gb_hour: Option<f64>,
    /// ARM per vCPU-hour.
    pub arm_vcpu_hour: Option<f64>,
    /// ARM per GB-hour.
    pub arm_gb_hour: Option<f64>,
    /// Ephemeral storage above 20 GiB, per GB-hour.
    pub storage_gb_hour: Option<f64>,
}

/// `[pricing]`: overrides for another region, a Savings Plan or a negotiated discount.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPricing {
    /// Fraction off every price (0–1), e.g. 0.3 for a Savings Plan.
    pub discount: Option<f64>,
    /// Fraction off on-demand for EC2 Spot instances (default 0.65, unconfirmed).
    pub ec2_spot_discount: Option<f64>,
    /// Fraction off Fargate for FARGATE_SPOT (default 0.7).
    pub fargate_spot_discount: Option<f64>,
    /// Per instance type on-demand prices, USD/h.
    #[serde(default)]
    pub instance_prices: BTreeMap<String, f64>,
    /// Fargate prices.
    #[serde(default)]
    pub fargate: RawFargatePrices,
    /// CPU weight when attributing EC2 cost to tasks (memory gets 1 − w; default 0.5).
    pub attribution_cpu_weight: Option<f64>,
}

/// A synthetic rate pattern, `{ type = "diurnal", … }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawPattern {
    /// Constant.
    Constant {
        /// Requests per second.
        rate: f64,
    },
    /// 24 h sinusoid.
    Diurnal {
        /// Daily mean, requests per second.
        mean: f64,
        /// Ratio of the daily maximum to the minimum.
        peak_to_trough: f64,
        /// Hour of the maximum (default 14).
        #[serde(default = "fourteen")]
        peak_hour: f64,
        /// Weekend multiplier (default 1).
        #[serde(default = "one_f")]
        weekly_factor: f64,
    },
    /// Piecewise constant `[["0s", 10], ["1h", 50]]`.
    Steps {
        /// (start, rate) pairs.
        steps: Vec<(Dur, f64)>,
    },
    /// A rectangular spike.
    Spike {
        /// Rate outside the spike.
        base: f64,
        /// Rate during the spike.
        peak: f64,
        /// Start.
        at: Dur,
        /// Length.
        duration: Dur,
    },
    /// A linear ramp.
    Ramp {
        /// Rate before.
        from: f64,
        /// Rate after.
        to: f64,
        /// Ramp start.
        start: Dur,
        /// Ramp end.
        end: Dur,
    },
}

fn fourteen() -> f64 {
    14.0
}
fn one_f() -> f64 {
    1.0
}

/// A request-rate trace file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRateTrace {
    /// CSV file, relative to the scenario.
    pub file: String,
    /// Time column.
    pub time_column: String,
    /// Value column.
    pub value_column: String,
    /// `seconds` or `iso8601` (default: detected).
    #[serde(default)]
    pub time_format: Option<String>,
    /// `rate` (requests per second, default) or `count` (requests in the row's interval).
    #[serde(default)]
    pub value: Option<String>,
    /// Interval of a count row (default: the gap to the next row).
    #[serde(default)]
    pub row_interval: Option<Dur>,
    /// Multiply the rate.
    #[serde(default)]
    pub scale: Option<f64>,
    /// Start this far into the trace.
    #[serde(default)]
    pub time_shift: Option<Dur>,
    /// Start again at the end.
    #[serde(default, rename = "loop")]
    pub loop_: bool,
    /// `[start, end]` of the trace to use, relative to its first row.
    #[serde(default)]
    pub window: Option<Vec<Dur>>,
    /// `linear` (default) or `step`.
    #[serde(default)]
    pub interpolation: Option<String>,
    /// Field delimiter (default ",").
    #[serde(default)]
    pub delimiter: Option<String>,
    /// Holes (more than five rows missing): `interpolate` (default, with a warning), `zero`, `hold`,
    /// `error`.
    #[serde(default)]
    pub gaps: Option<String>,
}

/// A per-request arrival log.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequestLog {
    /// The file, relative to the scenario.
    pub file: String,
    /// The timestamp column.
    pub time_column: String,
    /// `seconds` or `iso8601` (default: detected).
    #[serde(default)]
    pub time_format: Option<String>,
    /// Field delimiter (default ","; "\t" for tab).
    #[serde(default)]
    pub delimiter: Option<String>,
    /// Skip this much of the log.
    #[serde(default)]
    pub time_shift: Option<Dur>,
    /// Multiply arrival times (0.5 = twice as fast).
    #[serde(default)]
    pub time_scale: Option<f64>,
}

/// `load = { … }` of a service.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLoad {
    /// A synthetic pattern.
    #[serde(default)]
    pub pattern: Option<RawPattern>,
    /// A rate trace.
    #[serde(default)]
    pub trace: Option<RawRateTrace>,
    /// A per-request log.
    #[serde(default)]
    pub requests: Option<RawRequestLog>,
    /// `none` (default), `poisson`, or `{ lognormal = σ }`.
    #[serde(default)]
    pub noise: Option<toml::Value>,
    /// Mean CPU milliseconds per request on one vCPU.
    pub cpu_ms_per_request: f64,
    /// `exponential` (default), `constant`, or `{ lognormal = σ }` (requests mode).
    #[serde(default)]
    pub service_time: Option<toml::Value>,
    /// Servers per task.
    #[serde(default)]
    pub concurrency: Option<u32>,
    /// Memory with no requests, MiB.
    #[serde(default)]
    pub memory_base_mib: Option<f64>,
    /// Memory per in-flight request, MiB.
    #[serde(default)]
    pub memory_per_request_mib: Option<f64>,
    /// Request time-out (default 60 s).
    #[serde(default)]
    pub timeout: Option<Dur>,
    /// p99 latency objective per metric period (shorthand of `slo = { p99 = … }`).
    #[serde(default)]
    pub slo_p99: Option<Dur>,
    /// The service level objective.
    #[serde(default)]
    pub slo: Option<RawSlo>,
    /// `round_robin` (default) or `least_outstanding_requests`.
    #[serde(default)]
    pub balancer: Option<String>,
    /// Target deregistration delay (default 300 s).
    #[serde(default)]
    pub deregistration_delay: Option<Dur>,
}

/// `queue = { … }` of a service: an SQS-like queue its tasks consume (§4.5).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQueue {
    /// A synthetic pattern, messages per second.
    #[serde(default)]
    pub pattern: Option<RawPattern>,
    /// A message-rate trace.
    #[serde(default)]
    pub trace: Option<RawRateTrace>,
    /// A per-message log (one row per message sent).
    #[serde(default)]
    pub messages: Option<RawRequestLog>,
    /// `none` (default), `poisson`, or `{ lognormal = σ }`.
    #[serde(default)]
    pub noise: Option<toml::Value>,
    /// Messages one task completes per second.
    #[serde(default)]
    pub per_task_rate_per_s: Option<f64>,
    /// Or the time one message takes (its mean sets the rate).
    #[serde(default)]
    pub service_time: Option<Dist>,
    /// Messages a task works on at once (default 1).
    #[serde(default)]
    pub concurrency: Option<u32>,
    /// SQS VisibilityTimeout (default 30 s).
    #[serde(default)]
    pub visibility_timeout: Option<Dur>,
    /// Backlog per task while no task runs: `"whole_backlog"` (default, visible ÷ max(1, RUNNING)) or
    /// `"no_data"` (AWS's plain `m1 / m2`: no datapoint).
    #[serde(default)]
    pub backlog_at_zero_tasks: Option<String>,
}

/// `slo = { p99, error_rate, objective }` of a service's load.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    /// Bound on each metric period's p99 latency.
    #[serde(default)]
    pub p99: Option<Dur>,
    /// Largest tolerated errors ÷ arrivals in a period (default 0.001).
    #[serde(default)]
    pub error_rate: Option<f64>,
    /// Share of good periods asked for (default 0.99).
    #[serde(default)]
    pub objective: Option<f64>,
}

/// `[traffic]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraffic {
    /// `fluid` (default) or `requests`.
    #[serde(default)]
    pub mode: Option<String>,
    /// Load-balancer health-check interval (default 30 s).
    #[serde(default)]
    pub health_check_interval: Option<Dur>,
}

/// `[output]`: how much of the run goes to the files (for very large runs).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutput {
    /// Write a `timeseries.csv` row every this long (a multiple of the metric period; default: every
    /// period).
    #[serde(default)]
    pub timeseries_interval: Option<Dur>,
    /// Write `tasks.csv` rows (default true; false leaves only its header).
    #[serde(default)]
    pub tasks_csv: Option<bool>,
    /// `auto` (default), `full` or `summary` (docs/outputs.md, "Detail levels").
    #[serde(default)]
    pub detail: Option<String>,
    /// `auto` writes everything up to this many services (default 20).
    #[serde(default)]
    pub small_services: Option<u32>,
    /// `auto` past `small_services`: one service row per this long (default 15 min).
    #[serde(default)]
    pub service_interval: Option<Dur>,
}

/// `[[batch_jobs]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBatch {
    /// Name.
    pub name: String,
    /// The job file, relative to the scenario.
    pub file: String,
    /// `csv`, `swf` or `alibaba`.
    pub format: String,
    /// CSV: arrival column (seconds).
    #[serde(default)]
    pub arrival_column: Option<String>,
    /// CSV: CPU units column.
    #[serde(default)]
    pub cpu_column: Option<String>,
    /// CSV: memory MiB column.
    #[serde(default)]
    pub memory_column: Option<String>,
    /// CSV: duration seconds column.
    #[serde(default)]
    pub duration_column: Option<String>,
    /// SWF: CPU units per processor (default 1024).
    #[serde(default)]
    pub cpu_units_per_processor: Option<u32>,
    /// SWF: memory per processor when the log has none (default 2048).
    #[serde(default)]
    pub memory_mib_per_processor: Option<u32>,
    /// Alibaba: only pods without GPUs (default true).
    #[serde(default)]
    pub cpu_only: Option<bool>,
    /// Task definition the jobs run as (default: an EC2 bridge task named after the batch).
    #[serde(default)]
    pub task_definition: Option<String>,
    /// `EC2` or `FARGATE`.
    #[serde(default)]
    pub launch_type: Option<String>,
    /// Capacity provider strategy.
    #[serde(default)]
    pub capacity_provider_strategy: Option<Vec<RawStrategyItem>>,
    /// Placement strategy.
    #[serde(default)]
    pub placement_strategy: Vec<RawPlacementStrategy>,
    /// Placement constraints.
    #[serde(default)]
    pub placement_constraints: Vec<RawPlacementConstraint>,
    /// At most this many jobs.
    #[serde(default)]
    pub max_jobs: Option<u64>,
    /// Multiply arrivals and durations.
    #[serde(default)]
    pub time_scale: Option<f64>,
    /// When the first job arrives.
    #[serde(default)]
    pub start: Option<Dur>,
}

/// `[[scheduled_tasks]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScheduledTask {
    /// `rate(5 minutes)`, `cron(0 8 * * ? *)`, `at(2024-01-01T08:00:00)` or a 5-field cron.
    pub schedule: String,
    /// Task definition family.
    pub task_definition: String,
    /// Tasks per firing (1–10).
    #[serde(default = "one")]
    pub count: u32,
    /// Task group.
    #[serde(default)]
    pub group: Option<String>,
    /// `EC2` or `FARGATE`.
    #[serde(default)]
    pub launch_type: Option<String>,
    /// Capacity provider strategy.
    #[serde(default)]
    pub capacity_provider_strategy: Option<Vec<RawStrategyItem>>,
    /// Placement strategy.
    #[serde(default)]
    pub placement_strategy: Vec<RawPlacementStrategy>,
    /// Placement constraints.
    #[serde(default)]
    pub placement_constraints: Vec<RawPlacementConstraint>,
    /// How long each task runs.
    #[serde(default)]
    pub run_duration: Option<Dist>,
    /// Calendar date of simulation time 0, `YYYY-MM-DD` (default 2024-01-01, a Monday).
    #[serde(default)]
    pub start_date: Option<String>,
    /// EventBridge Scheduler's `ScheduleExpressionTimezone`: an IANA name; `cron()` and `at()` are
    /// read in its local time (default UTC).
    #[serde(default)]
    pub timezone: Option<String>,
}

/// A scaling policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawPolicy {
    /// Target tracking.
    TargetTracking {
        /// `ECSServiceAverageCPUUtilization`, `ECSServiceAverageMemoryUtilization`, `ALBRequestCountPerTarget`,
        /// `ApproximateNumberOfMessagesVisible`, `BacklogPerTask`.
        metric: String,
        /// Target value.
        target: f64,
        /// Default 300 s.
        #[serde(default)]
        scale_out_cooldown: Option<Dur>,
        /// Default 300 s.
        #[serde(default)]
        scale_in_cooldown: Option<Dur>,
        /// Never scale in.
        #[serde(default)]
        disable_scale_in: bool,
        /// Default 3.
        #[serde(default)]
        high_datapoints: Option<u32>,
        /// Default 15.
        #[serde(default)]
        low_datapoints: Option<u32>,
    },
    /// Step scaling.
    StepScaling {
        /// Metric.
        metric: String,
        /// `Average` (the only statistic of a service-level datapoint here).
        #[serde(default)]
        statistic: Option<String>,
        /// `>=`, `>`, `<=`, `<`.
        comparison: String,
        /// Alarm threshold.
        threshold: f64,
        /// Default 1.
        #[serde(default)]
        datapoints_to_alarm: Option<u32>,
        /// Default 1.
        #[serde(default)]
        evaluation_periods: Option<u32>,
        /// `ChangeInCapacity`, `PercentChangeInCapacity`, `ExactCapacity`.
        adjustment_type: String,
        /// Steps.
        steps: Vec<RawStep>,
        /// Percent changes move at least this much.
        #[serde(default)]
        min_adjustment_magnitude: Option<u32>,
        /// Default 300 s.
        #[serde(default)]
        cooldown: Option<Dur>,
    },
}

/// A step: bounds relative to the threshold.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// Lower bound (inclusive; absent = −∞).
    #[serde(default)]
    pub lower: Option<f64>,
    /// Upper bound (exclusive; absent = +∞).
    #[serde(default)]
    pub upper: Option<f64>,
    /// Adjustment.
    pub adjustment: f64,
}

/// A scheduled action.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScheduledAction {
    /// `at(…)`, `rate(…)` or `cron(…)`.
    pub schedule: String,
    /// New MinCapacity.
    #[serde(default)]
    pub min_capacity: Option<u32>,
    /// New MaxCapacity.
    #[serde(default)]
    pub max_capacity: Option<u32>,
    /// Calendar date of simulation time 0 (default 2024-01-01).
    #[serde(default)]
    pub start_date: Option<String>,
    /// `StartTime` (ISO 8601, UTC unless an offset is given).
    #[serde(default)]
    pub start_time: Option<String>,
    /// `EndTime` (likewise).
    #[serde(default)]
    pub end_time: Option<String>,
    /// `Timezone`: an IANA name; `cron()` and `at()` are read in its local time (default UTC).
    #[serde(default)]
    pub timezone: Option<String>,
}

/// `[services.auto_scaling]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAutoScaling {
    /// MinCapacity.
    pub min_capacity: u32,
    /// MaxCapacity.
    pub max_capacity: u32,
    /// Policies.
    #[serde(default)]
    pub policies: Vec<RawPolicy>,
    /// Scheduled actions.
    #[serde(default)]
    pub scheduled_actions: Vec<RawScheduledAction>,
}

/// `[scaling]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScaling {
    /// Datapoint publication delay.
    #[serde(default)]
    pub metric_publication_delay: Option<Dur>,
    /// Gradual scale-in fraction.
    #[serde(default)]
    pub scale_in_step_fraction: Option<f64>,
}
