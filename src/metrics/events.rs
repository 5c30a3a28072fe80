//! The event log as records (issue #20): what happened, to which service, task or instance, with the
//! numbers, by ids into the [`Spec`]. ECS's wording is produced only when something reads a record
//! ([`EventRecord::render`]: `events.csv`, `explain`, the report's log, the 6-hour dedup), so a run whose
//! sink keeps no events formats no sentence, and filters can test [`EventRecord::code`] cheaply.
//!
//! Must not: hold names the [`Spec`] already has (a record names a service, provider, zone or task
//! definition by its id; an instance by its serial, `i-{serial:08x}`).

use std::fmt::Write;

use crate::scaling::reason::Reason;
use crate::spec::{ProviderId, ServiceId, Spec, TaskDefId, ZoneId};

/// [`What::DeploymentStarted`]'s `why` for a circuit breaker's rollback: written as ECS's "(service X)
/// rolling back to deployment ecs-svc/N." (§2.4, observed in users' event lists).
pub const ROLLBACK: &str = "rollback by the circuit breaker";

/// One line of the event log: the service events ECS would show, plus RunTask, batch, instance, scaling
/// and fault events.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// When, ms.
    pub time_ms: u64,
    /// The service it concerns, if one.
    pub service: Option<ServiceId>,
    /// What happened, with its figures.
    pub what: What,
}

/// What happened: the closed list of the event log's entries. Each renders as one sentence
/// ([`EventRecord::render`]); text fields hold only what the sentence explains in words that come from
/// elsewhere (a scaling policy's reasoning, the cause of a launch, a RunTask reply). Instances are
/// serials, tasks their ids in `tasks.csv`.
#[allow(missing_docs)] // each variant's comment says what its fields are
#[derive(Debug, Clone, PartialEq)]
pub enum What {
    /// A service started tasks (task serials).
    TasksStarted { tasks: Vec<u64> },
    /// A service stopped running tasks (task serials).
    TasksStopped { tasks: Vec<u64> },
    /// A service reached its steady state.
    SteadyState,
    /// No instance took a task: the closest one (serial) and why, when there is one; `fargate`: the
    /// task was for Fargate, which had no capacity for it (a Spot shortage, its zones down).
    UnableToPlace {
        closest: Option<(u32, &'static str)>,
        fargate: bool,
    },
    /// Start failures in a row throttle the service's launches.
    UnableToStart,
    /// A task failed its container health checks.
    HealthCheckFailed { task: u64 },
    /// A task's scale-in protection expired (§2.7).
    ProtectionExpired { task: u64 },
    /// Task scale-in protection kept `held` tasks a scale-in or a deployment would have stopped: the
    /// service has `tasks` tasks, `desired` desired (§2.7).
    TasksProtected { held: u32, tasks: u32, desired: u32 },
    /// AZ rebalancing started (ECS's `SERVICE_REBALANCING_STARTED`): the service's tasks per zone it
    /// counts, and how many it moves.
    Rebalancing {
        tasks: u32,
        zones: Vec<(ZoneId, u32)>,
    },
    /// AZ rebalancing completed (`SERVICE_REBALANCING_COMPLETED`): the tasks per zone, balanced.
    Rebalanced { zones: Vec<(ZoneId, u32)> },
    /// AZ rebalancing started tasks in one zone (ECS's `TASKS_STARTED` of a rebalancing; serials).
    RebalanceStarted { zone: ZoneId, tasks: Vec<u64> },
    /// AZ rebalancing stopped running tasks in one zone (`TASKS_STOPPED` of a rebalancing; serials).
    RebalanceStopped { zone: ZoneId, tasks: Vec<u64> },
    /// `UpdateService` set the desired count.
    DesiredCountSet { to: u32 },
    /// Application Auto Scaling changed the desired count; `metric` and `target` of a target-tracking
    /// policy (`metric` alone for step scaling), `reason` the policy's figures (worded when rendered;
    /// `None` renders as nothing, see [`crate::scaling::service::Decision::reason`]).
    Scaling {
        out: bool,
        from: u32,
        to: u32,
        metric: &'static str,
        target: Option<f64>,
        reason: Option<Reason>,
    },
    /// A scheduled action set the scalable target's range (and moved the desired count).
    ScheduledAction {
        min: u32,
        max: u32,
        moved: Option<(u32, u32)>,
    },
    /// A scheduled action that would have left MinCapacity (`min`) above MaxCapacity (`max`) failed;
    /// the range stayed `kept` and the desired count did not move (§4.4).
    ScheduledActionFailed {
        min: u32,
        max: u32,
        kept: (u32, u32),
    },
    /// Managed scaling grows the Auto Scaling group (`cpr` the CapacityProviderReservation, M and N —
    /// N the registered instances; `from` the group's size, launching instances included, §3.2).
    ClusterScaleOut {
        provider: ProviderId,
        cpr: f64,
        m: u32,
        n: u32,
        target: u32,
        from: u32,
        to: u32,
    },
    /// Managed scaling terminates instances (serials).
    ClusterScaleIn {
        provider: ProviderId,
        cpr: f64,
        m: u32,
        n: u32,
        target: u32,
        instances: Vec<u32>,
    },
    /// An instance registered with the cluster.
    InstanceRegistered {
        instance: u32,
        provider: ProviderId,
        zone: ZoneId,
        cpu: u32,
        memory_mib: u32,
    },
    /// An Auto Scaling group launches an instance, and why.
    InstanceLaunching {
        provider: ProviderId,
        zone: ZoneId,
        cause: String,
    },
    /// An Auto Scaling group could not launch an instance: every zone of the group is down.
    InstanceLaunchFailed { provider: ProviderId },
    /// An instance terminated.
    InstanceTerminated { instance: u32 },
    /// An operator drain set an instance DRAINING.
    InstanceDraining { instance: u32 },
    /// A standard-mode burstable instance ran out of CPU credits (baseline %, per vCPU).
    CreditsSpent {
        instance: u32,
        provider: ProviderId,
        baseline_pct: f64,
    },
    /// An Auto Scaling group replaces an instance to rebalance its zones.
    AsgRebalancing { provider: ProviderId, instance: u32 },
    /// A task's essential container exited.
    TaskCrashed { task: u64 },
    /// Fargate Spot capacity ran out (`false`) or came back (`true`).
    FargateSpotCapacity { available: bool },
    /// An availability zone went down (`false`) or came back (`true`).
    ZoneOutage { zone: ZoneId, back: bool },
    /// An instance failed (or was lost with its zone).
    InstanceFailed { instance: u32, how: &'static str },
    /// A Spot interruption notice (two minutes), with draining when the provider drains on it.
    SpotNotice { instance: u32, draining: bool },
    /// A Spot instance was reclaimed.
    SpotReclaimed { instance: u32 },
    /// A Fargate Spot task got its interruption notice.
    FargateSpotInterruption { task: u64 },
    /// A deployment started (its number in the service, its task definition, why).
    DeploymentStarted {
        deployment: u32,
        task_def: TaskDefId,
        why: String,
    },
    /// The circuit breaker failed a deployment.
    DeploymentFailed {
        deployment: u32,
        failures: u32,
        threshold: u32,
    },
    /// A deployment can neither stop nor start tasks within its bounds.
    DeploymentStuck,
    /// A deployment completed.
    DeploymentCompleted {
        deployment: u32,
        task_def: TaskDefId,
    },
    /// An owner (a service, or a batch source when `service` is none) waits for Fargate task-launch
    /// tokens: On-Demand and Spot tasks queued; `sentence` the whole line (it quotes the account limits).
    LaunchWaiting {
        on_demand: u32,
        spot: u32,
        sentence: String,
    },
    /// A RunTask call was refused (ThrottlingException); `sentence` the whole line.
    RunTaskThrottled { sentence: String },
    /// A RunTask call's reply (tasks, failures, rate notes); `sentence` the whole line.
    RunTask { sentence: String },
    /// A batch job fits nowhere and is dropped; `sentence` the whole line.
    BatchJobDropped { sentence: String },
}

/// `ec2InstanceId` of an instance serial (as `sim::scheduler` names them).
pub struct Ec2Id(pub u32);

impl std::fmt::Display for Ec2Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "i-{:08x}", self.0)
    }
}

impl EventRecord {
    /// The `kind` column: `service`, `scaling`, `cluster_scaling`, `instance`, `fault`, `deployment`,
    /// `scenario`, `run_task`, `batch`.
    pub fn kind(&self) -> &'static str {
        use What::*;
        match &self.what {
            TasksStarted { .. }
            | TasksStopped { .. }
            | SteadyState
            | UnableToPlace { .. }
            | UnableToStart
            | HealthCheckFailed { .. }
            | ProtectionExpired { .. }
            | TasksProtected { .. }
            | Rebalancing { .. }
            | Rebalanced { .. }
            | RebalanceStarted { .. }
            | RebalanceStopped { .. } => "service",
            DesiredCountSet { .. } => "scenario",
            Scaling { .. } | ScheduledAction { .. } | ScheduledActionFailed { .. } => "scaling",
            ClusterScaleOut { .. } | ClusterScaleIn { .. } => "cluster_scaling",
            InstanceRegistered { .. }
            | InstanceLaunching { .. }
            | InstanceLaunchFailed { .. }
            | InstanceTerminated { .. }
            | InstanceDraining { .. }
            | CreditsSpent { .. }
            | AsgRebalancing { .. } => "instance",
            TaskCrashed { .. }
            | FargateSpotCapacity { .. }
            | ZoneOutage { .. }
            | InstanceFailed { .. }
            | SpotNotice { .. }
            | SpotReclaimed { .. }
            | FargateSpotInterruption { .. } => "fault",
            DeploymentStarted { .. }
            | DeploymentFailed { .. }
            | DeploymentStuck
            | DeploymentCompleted { .. } => "deployment",
            LaunchWaiting { .. } if self.service.is_some() => "service",
            LaunchWaiting { .. } | BatchJobDropped { .. } => "batch",
            RunTaskThrottled { .. } | RunTask { .. } => "run_task",
        }
    }

    /// The `code` column: what happened, one word per [`What`] (a filter such as "decisions and failures
    /// only" tests this, or [`Self::is_routine`]).
    pub fn code(&self) -> &'static str {
        use What::*;
        match &self.what {
            TasksStarted { .. } => "tasks_started",
            TasksStopped { .. } => "tasks_stopped",
            SteadyState => "steady_state",
            UnableToPlace { .. } => "unable_to_place",
            UnableToStart => "unable_to_start",
            HealthCheckFailed { .. } => "health_check_failed",
            ProtectionExpired { .. } => "protection_expired",
            TasksProtected { .. } => "tasks_protected",
            Rebalancing { .. } => "rebalancing",
            Rebalanced { .. } => "rebalancing_completed",
            RebalanceStarted { .. } => "rebalancing_tasks_started",
            RebalanceStopped { .. } => "rebalancing_tasks_stopped",
            DesiredCountSet { .. } => "desired_count_set",
            Scaling { out: true, .. } => "scale_out",
            Scaling { out: false, .. } => "scale_in",
            ScheduledAction { .. } => "scheduled_action",
            ScheduledActionFailed { .. } => "scheduled_action_failed",
            ClusterScaleOut { .. } => "cluster_scale_out",
            ClusterScaleIn { .. } => "cluster_scale_in",
            InstanceRegistered { .. } => "instance_registered",
            InstanceLaunching { .. } => "instance_launching",
            InstanceLaunchFailed { .. } => "instance_launch_failed",
            InstanceTerminated { .. } => "instance_terminated",
            InstanceDraining { .. } => "instance_draining",
            CreditsSpent { .. } => "cpu_credits_spent",
            AsgRebalancing { .. } => "asg_rebalancing",
            TaskCrashed { .. } => "task_crashed",
            FargateSpotCapacity {
                available: false, ..
            } => "fargate_spot_unavailable",
            FargateSpotCapacity { available: true } => "fargate_spot_available",
            ZoneOutage { back: false, .. } => "zone_down",
            ZoneOutage { back: true, .. } => "zone_back",
            InstanceFailed { .. } => "instance_failed",
            SpotNotice { .. } => "spot_interruption_notice",
            SpotReclaimed { .. } => "spot_reclaimed",
            FargateSpotInterruption { .. } => "fargate_spot_interruption",
            DeploymentStarted { .. } => "deployment_started",
            DeploymentFailed { .. } => "deployment_failed",
            DeploymentStuck => "deployment_stuck",
            DeploymentCompleted { .. } => "deployment_completed",
            LaunchWaiting { .. } => "launch_waiting",
            RunTaskThrottled { .. } => "run_task_throttled",
            RunTask { .. } => "run_task",
            BatchJobDropped { .. } => "batch_job_dropped",
        }
    }

    /// Routine progress (tasks started or stopped, steady state, instances registered, launched or
    /// terminated) as opposed to decisions and failures: what a fleet's reduced event file may leave out.
    pub fn is_routine(&self) -> bool {
        use What::*;
        matches!(
            self.what,
            TasksStarted { .. }
                | TasksStopped { .. }
                | ProtectionExpired { .. }
                | RebalanceStarted { .. }
                | RebalanceStopped { .. }
                | SteadyState
                | InstanceRegistered { .. }
                | InstanceLaunching { .. }
                | InstanceTerminated { .. }
        )
    }

    /// The `task` column: the one task the event is about (task lists stay in the message).
    pub fn task(&self) -> Option<u64> {
        match &self.what {
            What::HealthCheckFailed { task }
            | What::ProtectionExpired { task }
            | What::TaskCrashed { task }
            | What::FargateSpotInterruption { task } => Some(*task),
            _ => None,
        }
    }

    /// The `instance` column's serial: the one instance the event is about.
    pub fn instance(&self) -> Option<u32> {
        use What::*;
        match &self.what {
            InstanceRegistered { instance, .. }
            | InstanceTerminated { instance }
            | InstanceDraining { instance }
            | CreditsSpent { instance, .. }
            | AsgRebalancing { instance, .. }
            | InstanceFailed { instance, .. }
            | SpotNotice { instance, .. }
            | SpotReclaimed { instance } => Some(*instance),
            UnableToPlace { closest, .. } => closest.map(|c| c.0),
            _ => None,
        }
    }

    /// The `capacity_provider` column.
    pub fn provider(&self) -> Option<ProviderId> {
        use What::*;
        match &self.what {
            ClusterScaleOut { provider, .. }
            | ClusterScaleIn { provider, .. }
            | InstanceRegistered { provider, .. }
            | InstanceLaunching { provider, .. }
            | InstanceLaunchFailed { provider }
            | CreditsSpent { provider, .. }
            | AsgRebalancing { provider, .. } => Some(*provider),
            _ => None,
        }
    }

    /// The `from` and `to` columns: the desired count a decision moved (tasks for a service, instances
    /// for a capacity provider's group).
    pub fn from_to(&self) -> Option<(u32, u32)> {
        use What::*;
        match &self.what {
            Scaling { from, to, .. } => Some((*from, *to)),
            ScheduledAction { moved, .. } => *moved,
            ClusterScaleOut { from, to, .. } => Some((*from, *to)),
            ClusterScaleIn { n, instances, .. } => {
                Some((*n, n.saturating_sub(instances.len() as u32)))
            }
            _ => None,
        }
    }

    /// The `target` and `metric` columns: a target-tracking policy's target and metric, or managed
    /// scaling's target capacity (metric `CapacityProviderReservation`).
    pub fn target(&self) -> (Option<f64>, &'static str) {
        use What::*;
        match &self.what {
            Scaling { metric, target, .. } => (*target, metric),
            ClusterScaleOut { target, .. } | ClusterScaleIn { target, .. } => {
                (Some(*target as f64), "CapacityProviderReservation")
            }
            _ => (None, ""),
        }
    }

    /// The §2.6 dedup's key of the events a service repeats (steady state, unable to place, unable to
    /// start, deployment stuck), from the record's fields, without its sentence: two such records render
    /// the same sentence exactly when these fields are equal (service names are unique; an instance's
    /// id is its serial in eight hex digits; each placement reason is its own text). `None` for the
    /// others, whose sentence is what is compared (figures in a sentence may round alike).
    pub fn dedup_key(&self) -> Option<u64> {
        let mut b = [0u8; 64];
        let (tag, closest) = match &self.what {
            What::SteadyState => (1, None),
            What::UnableToStart => (2, None),
            What::DeploymentStuck => (3, None),
            What::UnableToPlace { closest, fargate } => (if *fargate { 5 } else { 4 }, *closest),
            _ => return None,
        };
        b[0] = tag;
        b[1] = u8::from(self.service.is_some());
        b[2..6].copy_from_slice(&self.service.map_or(0, |s| s.0).to_le_bytes());
        let mut n = 6;
        if let Some((serial, why)) = closest {
            let w = why.as_bytes();
            if w.len() > b.len() - 11 {
                return None; // a reason longer than the key: the sentence decides
            }
            b[6] = 1;
            b[7..11].copy_from_slice(&serial.to_le_bytes());
            b[11..11 + w.len()].copy_from_slice(w);
            n = 11 + w.len();
        }
        Some(crate::engine::rng::fnv1a(&b[..n]))
    }

    /// The `service` column: its name, or empty.
    pub fn service_name<'s>(&self, spec: &'s Spec) -> &'s str {
        self.service
            .map_or("", |s| spec.services[s.0 as usize].name.as_str())
    }

    /// The sentence, in ECS's words where ECS has words for it, appended to `out`.
    pub fn render(&self, spec: &Spec, out: &mut String) {
        // Writing into a String cannot fail.
        let _ = self.render_fmt(spec, out);
    }

    /// The sentence as a new string.
    pub fn message(&self, spec: &Spec) -> String {
        let mut s = String::new();
        self.render(spec, &mut s);
        s
    }

    fn render_fmt(&self, spec: &Spec, out: &mut String) -> std::fmt::Result {
        use What::*;
        let svc = self.service_name(spec);
        let prov = |p: &ProviderId| spec.provider(*p).name.as_str();
        match &self.what {
            TasksStarted { tasks } => task_list(out, svc, "started", "", None, tasks),
            TasksStopped { tasks } => task_list(out, svc, "stopped", " running", None, tasks),
            SteadyState => write!(out, "(service {svc}) has reached a steady state."),
            UnableToPlace { fargate: true, .. } => write!(
                out,
                "(service {svc}) was unable to place a task. Reason: Capacity is unavailable at this time. Please try again later or in a different availability zone."
            ),
            UnableToPlace { closest, .. } => {
                write!(
                    out,
                    "(service {svc}) was unable to place a task because no container instance met all of its requirements."
                )?;
                match closest {
                    Some((i, why)) => write!(
                        out,
                        " The closest matching container-instance {} {why}.",
                        Ec2Id(*i)
                    )?,
                    None => {
                        out.push_str(" Reason: No Container Instances were found in your cluster.")
                    }
                }
                out.push_str(" For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.");
                Ok(())
            }
            UnableToStart => write!(
                out,
                "(service {svc}) is unable to consistently start tasks successfully."
            ),
            HealthCheckFailed { task } => write!(
                out,
                "(service {svc}) (task {task}) failed container health checks."
            ),
            ProtectionExpired { task } => write!(
                out,
                "(service {svc}) (task {task}) task scale-in protection expired."
            ),
            TasksProtected {
                held,
                tasks,
                desired,
            } => write!(
                out,
                "(service {svc}) could not stop {held} {} because of task scale-in protection: {tasks} tasks, desired count {desired}.",
                if *held == 1 { "task" } else { "tasks" }
            ),
            Rebalancing { tasks, zones } => {
                write!(out, "(service {svc}) is not AZ balanced with ")?;
                zone_counts(out, spec, zones)?;
                let s = if *tasks == 1 { "" } else { "s" };
                write!(
                    out,
                    ". AZ Rebalancing in progress ({tasks} task{s} to move)."
                )
            }
            Rebalanced { zones } => {
                write!(out, "(service {svc}) is AZ balanced with ")?;
                zone_counts(out, spec, zones)?;
                out.push('.');
                Ok(())
            }
            RebalanceStarted { zone, tasks } => {
                let why = (spec.zones[zone.0 as usize].as_str(), "to AZ Rebalance");
                task_list(out, svc, "started", "", Some(why), tasks)
            }
            RebalanceStopped { zone, tasks } => {
                let why = (
                    spec.zones[zone.0 as usize].as_str(),
                    "due to AZ rebalancing",
                );
                task_list(out, svc, "stopped", " running", Some(why), tasks)
            }
            DesiredCountSet { to } => write!(
                out,
                "(service {svc}) desiredCount set to {to} (UpdateService)."
            ),
            Scaling {
                out: up,
                from,
                to,
                reason,
                ..
            } => {
                write!(
                    out,
                    "Application Auto Scaling: {} service {svc} from {from} to {to} tasks (",
                    if *up { "scaling out" } else { "scaling in" },
                )?;
                if let Some(r) = reason {
                    write!(out, "{r}")?;
                }
                out.push_str(").");
                Ok(())
            }
            ScheduledAction { min, max, moved } => {
                write!(
                    out,
                    "Scheduled action: service {svc} MinCapacity {min}, MaxCapacity {max}"
                )?;
                if let Some((a, b)) = moved {
                    write!(out, "; desired count {a} → {b}")?;
                }
                out.push('.');
                Ok(())
            }
            ScheduledActionFailed {
                min,
                max,
                kept: (lo, hi),
            } => write!(
                out,
                "Scheduled action: service {svc} failed: MinCapacity {min} would exceed MaxCapacity {max} (an action that moves one past the other must set both); the range stays {lo}–{hi} and the desired count unchanged."
            ),
            ClusterScaleOut {
                provider,
                cpr,
                m,
                n,
                target,
                from,
                to,
            } => write!(
                out,
                "Capacity provider {}: CapacityProviderReservation {cpr:.1} (M {m}, N {n}) above target {target} → scaling the Auto Scaling group from {from} to {to} instances.",
                prov(provider)
            ),
            ClusterScaleIn {
                provider,
                cpr,
                m,
                n,
                instances,
                ..
            } => {
                write!(
                    out,
                    "Capacity provider {}: CapacityProviderReservation {cpr:.1} (M {m}, N {n}) below target for 15 minutes → terminating {} (",
                    prov(provider),
                    instances.len()
                )?;
                for (k, i) in instances.iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    write!(out, "{}", Ec2Id(*i))?;
                }
                out.push_str(").");
                Ok(())
            }
            LaunchWaiting { sentence, .. }
            | RunTaskThrottled { sentence }
            | RunTask { sentence }
            | BatchJobDropped { sentence } => {
                out.push_str(sentence);
                Ok(())
            }
            _ => self.render_infra(spec, out),
        }
    }

    /// The sentences of instances, faults and deployments ([`Self::render_fmt`]'s second half).
    fn render_infra(&self, spec: &Spec, out: &mut String) -> std::fmt::Result {
        use What::*;
        let svc = self.service_name(spec);
        let prov = |p: &ProviderId| spec.provider(*p).name.as_str();
        let zone = |z: &ZoneId| spec.zones[z.0 as usize].as_str();
        match &self.what {
            InstanceRegistered {
                instance,
                provider,
                zone: z,
                cpu,
                memory_mib,
            } => write!(
                out,
                "Container instance {} ({}, {}) registered with {cpu} CPU units and {memory_mib} MiB.",
                Ec2Id(*instance),
                instance_type(spec, *provider),
                zone(z)
            ),
            InstanceLaunching {
                provider,
                zone: z,
                cause,
            } => write!(
                out,
                "Auto Scaling group {}: launching an instance in {} ({cause}).",
                prov(provider),
                zone(z)
            ),
            InstanceLaunchFailed { provider } => write!(
                out,
                "Auto Scaling group {}: could not launch an instance, every Availability Zone of the group is down; \
                 it launches when one returns.",
                prov(provider)
            ),
            InstanceTerminated { instance } => {
                write!(out, "Container instance {} terminated.", Ec2Id(*instance))
            }
            InstanceDraining { instance } => write!(
                out,
                "Container instance {} set to DRAINING.",
                Ec2Id(*instance)
            ),
            CreditsSpent {
                instance,
                provider,
                baseline_pct,
            } => write!(
                out,
                "Container instance {} ({}, standard credits) has spent its CPU credits: its CPU is held to what it earns, a baseline of {baseline_pct:.0} % per vCPU (§6.6).",
                Ec2Id(*instance),
                instance_type(spec, *provider)
            ),
            AsgRebalancing { provider, instance } => write!(
                out,
                "Auto Scaling group {}: rebalancing zones, replacing {}.",
                prov(provider),
                Ec2Id(*instance)
            ),
            TaskCrashed { task } => {
                write!(out, "Task {task} crashed: its essential container exited.")
            }
            FargateSpotCapacity { available } => {
                out.push_str(if *available {
                    "Fargate Spot capacity is available again."
                } else {
                    "Fargate Spot capacity is unavailable."
                });
                Ok(())
            }
            ZoneOutage { zone: z, back } => write!(
                out,
                "Availability zone {} is {}.",
                zone(z),
                if *back { "back" } else { "down" }
            ),
            InstanceFailed { instance, how } => {
                write!(out, "Container instance {} {how}.", Ec2Id(*instance))
            }
            SpotNotice { instance, draining } => write!(
                out,
                "Spot interruption notice for {}: terminating in 2 minutes{}.",
                Ec2Id(*instance),
                if *draining { "; draining" } else { "" }
            ),
            SpotReclaimed { instance } => {
                write!(out, "Spot instance {} reclaimed.", Ec2Id(*instance))
            }
            FargateSpotInterruption { task } => write!(
                out,
                "Fargate Spot interruption: task {task} gets SIGTERM, 2 minutes before reclaim."
            ),
            DeploymentStarted {
                deployment,
                task_def,
                why,
            } if why == ROLLBACK => write!(
                out,
                "(service {svc}) rolling back to deployment ecs-svc/{deployment}. rolloutState IN_PROGRESS (task definition {}, {why}).",
                spec.task_def(*task_def).family
            ),
            DeploymentStarted {
                deployment,
                task_def,
                why,
            } => write!(
                out,
                "(service {svc}) deployment ecs-svc/{deployment} to task definition {}: rolloutState IN_PROGRESS ({why}).",
                spec.task_def(*task_def).family
            ),
            DeploymentFailed {
                deployment,
                failures,
                threshold,
            } => write!(
                out,
                "(service {svc}) (deployment ecs-svc/{deployment}) deployment failed: tasks failed to start. rolloutState FAILED: the deployment circuit breaker tripped after {failures} failed tasks (threshold {threshold})."
            ),
            DeploymentStuck => write!(
                out,
                "(service {svc}) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again."
            ),
            DeploymentCompleted {
                deployment,
                task_def,
            } => write!(
                out,
                "(service {svc}) (deployment ecs-svc/{deployment}) deployment completed. rolloutState COMPLETED (task definition {}).",
                spec.task_def(*task_def).family
            ),
            _ => unreachable!("rendered by render_fmt"),
        }
    }
}

/// "(service s) has started|stopped N [running] tasks: (task a) (task b)."
/// "(service s) has started N tasks: (task a) …." in ECS's words; `zone_why` adds a rebalancing's zone
/// and reason, as ECS's `TASKS_STARTED`/`TASKS_STOPPED` of an AZ rebalancing do ("… has started
/// number-tasks tasks in Availability Zone to AZ Rebalance: task-ids.", DG
/// `service-rebalancing-event-messages-list`).
fn task_list(
    out: &mut String,
    svc: &str,
    verb: &str,
    which: &str,
    zone_why: Option<(&str, &str)>,
    tasks: &[u64],
) -> std::fmt::Result {
    write!(
        out,
        "(service {svc}) has {verb} {}{which} tasks",
        tasks.len()
    )?;
    if let Some((zone, why)) = zone_why {
        write!(out, " in {zone} {why}")?;
    }
    out.push(':');
    for t in tasks {
        write!(out, " (task {t})")?;
    }
    out.push('.');
    Ok(())
}

fn instance_type(spec: &Spec, p: ProviderId) -> &str {
    match &spec.provider(p).kind {
        crate::spec::ProviderKind::Asg(a) => a.instance_type.name.as_str(),
        crate::spec::ProviderKind::Fargate { .. } => "",
    }
}

/// "4 tasks in us-east-1a, 2 tasks in us-east-1b, and 3 tasks in us-east-1c" (ECS's AZ rebalancing
/// events list every zone so, DG `track-service-rebalancing`).
fn zone_counts(out: &mut String, spec: &Spec, zones: &[(ZoneId, u32)]) -> std::fmt::Result {
    for (k, (z, n)) in zones.iter().enumerate() {
        let sep = match k {
            0 => "",
            _ if k + 1 == zones.len() && zones.len() == 2 => " and ",
            _ if k + 1 == zones.len() => ", and ",
            _ => ", ",
        };
        let s = if *n == 1 { "" } else { "s" };
        write!(out, "{sep}{n} task{s} in {}", spec.zones[z.0 as usize])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dedup key stands for the sentence: over the repeated events of two services, with and
    /// without a closest instance, two serials and two reasons, equal keys exactly when the sentences
    /// are equal; the other events have no key.
    #[test]
    fn a_dedup_key_is_equal_exactly_when_the_sentence_is() {
        let spec = crate::scenario::load_str(
            include_str!("../../scenarios/quickstart.toml"),
            "quickstart.toml",
            std::path::Path::new("scenarios"),
        )
        .expect("quickstart loads");
        let mut recs = Vec::new();
        for service in [None, Some(ServiceId(0))] {
            for what in [
                What::SteadyState,
                What::UnableToStart,
                What::DeploymentStuck,
            ] {
                recs.push(EventRecord {
                    time_ms: 0,
                    service,
                    what,
                });
            }
            for closest in [
                None,
                Some((1, "has insufficient CPU units available")),
                Some((2, "has insufficient CPU units available")),
                Some((1, "has insufficient memory available")),
            ] {
                let what = What::UnableToPlace {
                    closest,
                    fargate: false,
                };
                recs.push(EventRecord {
                    time_ms: 0,
                    service,
                    what,
                });
            }
            recs.push(EventRecord {
                time_ms: 0,
                service,
                what: What::UnableToPlace {
                    closest: None,
                    fargate: true,
                },
            });
        }
        for a in &recs {
            for b in &recs {
                let (ka, kb) = (a.dedup_key(), b.dedup_key());
                assert!(ka.is_some() && kb.is_some());
                assert_eq!(
                    ka == kb,
                    a.message(&spec) == b.message(&spec),
                    "{a:?} {b:?}"
                );
            }
        }
        let other = EventRecord {
            time_ms: 0,
            service: Some(ServiceId(0)),
            what: What::DesiredCountSet { to: 3 },
        };
        assert_eq!(other.dedup_key(), None);
    }

    /// The sentences no example scenario writes, against the text the simulation wrote before records
    /// (the others are compared byte for byte on every example's `events.csv`).
    #[test]
    fn sentences_no_example_writes() {
        let spec = crate::scenario::load_str(
            include_str!("../../scenarios/quickstart.toml"),
            "quickstart.toml",
            std::path::Path::new("scenarios"),
        )
        .expect("quickstart loads");
        let web = ServiceId(0);
        let name = &spec.services[0].name;
        let line = |service: Option<ServiceId>, what: What| {
            EventRecord {
                time_ms: 0,
                service,
                what,
            }
            .message(&spec)
        };
        assert_eq!(
            line(Some(web), What::UnableToStart),
            format!("(service {name}) is unable to consistently start tasks successfully.")
        );
        assert_eq!(
            line(Some(web), What::DeploymentStuck),
            format!(
                "(service {name}) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again."
            )
        );
        assert_eq!(
            line(None, What::InstanceDraining { instance: 2 }),
            "Container instance i-00000002 set to DRAINING."
        );
        assert_eq!(
            line(None, What::TaskCrashed { task: 7 }),
            "Task 7 crashed: its essential container exited."
        );
        let scale_in = What::ClusterScaleIn {
            provider: ProviderId(0),
            cpr: 46.31,
            m: 3,
            n: 8,
            target: 100,
            instances: vec![31, 1],
        };
        assert_eq!(
            line(None, scale_in.clone()),
            format!(
                "Capacity provider {}: CapacityProviderReservation 46.3 (M 3, N 8) below target for 15 minutes → terminating 2 (i-0000001f, i-00000001).",
                spec.providers[0].name
            )
        );
        let rec = EventRecord {
            time_ms: 0,
            service: None,
            what: scale_in,
        };
        // 8 instances less the 2 terminated; the target capacity as managed scaling's target.
        assert_eq!(rec.from_to(), Some((8, 6)));
        assert_eq!(rec.target(), (Some(100.0), "CapacityProviderReservation"));
        assert_eq!(
            (rec.kind(), rec.code()),
            ("cluster_scaling", "cluster_scale_in")
        );
        let throttled = What::RunTaskThrottled {
            sentence: "RunTask x: ThrottlingException.".into(),
        };
        assert_eq!(line(None, throttled), "RunTask x: ThrottlingException.");
    }
}
