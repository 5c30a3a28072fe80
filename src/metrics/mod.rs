//! What a run reports: per-task records, the event log, time-series rows and the summary. The simulation
//! pushes records into a [`Sink`] as they happen (finished tasks are written when they stop, rows when a
//! metric period ends), so a month-long run never holds its whole history. Sinks that write files live in
//! [`crate::output`]; this module does no I/O.

pub mod events;
pub mod finite;
pub mod json;
pub mod names;
pub mod not_modelled;
pub mod service_row;
pub mod unconfirmed;

use crate::spec::Spec;
pub use events::{EventRecord, What};
pub use service_row::ServiceRow;

/// One task, written when it stops (or at the end of the run if it is still alive).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRecord {
    /// Task id (a serial number; never reused within a run).
    pub task_id: u64,
    /// Task group (`service:web`, `family:batch`).
    pub group: String,
    /// Service name, empty for standalone tasks.
    pub service: String,
    /// Task definition family.
    pub task_definition: String,
    /// `EC2` or `FARGATE`.
    pub launch_type: &'static str,
    /// Capacity provider name, empty when launched with a launch type.
    pub capacity_provider: String,
    /// `ec2InstanceId`, empty on Fargate or when never placed.
    pub instance: String,
    /// Availability zone, empty when never placed.
    pub availability_zone: String,
    /// CPU units reserved.
    pub cpu: u32,
    /// Memory MiB reserved.
    pub memory_mib: u32,
    /// `createdAt`, ms.
    pub created_ms: u64,
    /// `pullStartedAt`, ms.
    pub pull_started_ms: Option<u64>,
    /// `pullStoppedAt`, ms.
    pub pull_stopped_ms: Option<u64>,
    /// `startedAt`, ms.
    pub started_ms: Option<u64>,
    /// `stoppingAt`, ms.
    pub stopping_ms: Option<u64>,
    /// `stoppedAt`, ms.
    pub stopped_ms: Option<u64>,
    /// `lastStatus` when written.
    pub last_status: &'static str,
    /// `stopCode`, empty if not stopped.
    pub stop_code: &'static str,
    /// `stoppedReason`.
    pub stopped_reason: String,
}

/// One `timeseries.csv` row: one per metric period and service, plus one for the cluster.
/// `None` is written as an empty cell: the figure is not modelled yet or does not apply to this scope.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SeriesRow {
    /// End of the period, ms.
    pub time_ms: u64,
    /// `service` or `cluster`.
    pub scope: &'static str,
    /// Service name or cluster name.
    pub name: String,
    /// desiredCount.
    pub desired: Option<u32>,
    /// Tasks RUNNING.
    pub running: Option<u32>,
    /// Tasks PROVISIONING, PENDING or ACTIVATING.
    pub pending: Option<u32>,
    /// ECSServiceAverageCPUUtilization, % (needs the traffic model).
    pub cpu_utilization: Option<f64>,
    /// ECSServiceAverageMemoryUtilization, % (needs the traffic model).
    pub memory_utilization: Option<f64>,
    /// Requests per second (needs the traffic model).
    pub request_rate: Option<f64>,
    /// What the service's healthy targets can serve, requests per second (service rows with a load).
    pub capacity_rps: Option<f64>,
    /// The service's p99 objective, ms (service rows with an SLO).
    pub slo_p99_ms: Option<f64>,
    /// Was the period bad for the service's SLO? (service rows with an SLO; written in the warm-up
    /// too, though the summary leaves those periods out)
    pub slo_bad: Option<bool>,
    /// Latency p50, ms (needs the traffic model).
    pub latency_p50_ms: Option<f64>,
    /// Latency p90, ms.
    pub latency_p90_ms: Option<f64>,
    /// Latency p99, ms.
    pub latency_p99_ms: Option<f64>,
    /// Requests served in the period.
    pub served: Option<f64>,
    /// Failed requests in the period (time-outs, no healthy target).
    pub errors: Option<f64>,
    /// Requests queued at the targets at the end of the period (fluid backlog).
    pub queued: Option<f64>,
    /// ACTIVE container instances (cluster rows).
    pub instances: Option<u32>,
    /// CPU units registered by ACTIVE instances (cluster rows).
    pub cpu_registered: Option<u64>,
    /// CPU units reserved by tasks (cluster rows).
    pub cpu_reserved: Option<u64>,
    /// Memory MiB registered (cluster rows).
    pub memory_registered: Option<u64>,
    /// Memory MiB reserved by tasks (cluster rows).
    pub memory_reserved: Option<u64>,
    /// CPUReservation, % of registered CPU reserved by tasks (cluster rows).
    pub cpu_reservation: Option<f64>,
    /// MemoryReservation, % of registered memory reserved by tasks (cluster rows).
    pub memory_reservation: Option<f64>,
    /// CapacityProviderReservation, % (capacity-provider rows, managed scaling only).
    pub capacity_provider_reservation: Option<f64>,
    /// Cost so far of EC2 instances, USD (cluster rows).
    pub cost_ec2_usd: Option<f64>,
    /// Cost so far of Fargate tasks, USD (cluster rows).
    pub cost_fargate_usd: Option<f64>,
    /// Cost so far of Fargate Spot tasks, USD (cluster rows).
    pub cost_fargate_spot_usd: Option<f64>,
    /// Cost so far, USD: the cluster's total on cluster rows; the service's (Fargate billed, EC2
    /// attributed) on service rows. Accrues continuously; minimums are booked when billing ends.
    pub cost_usd: Option<f64>,
    /// `CPUCreditUsage`: credits the scope's burstable instances spent in the period (cluster and
    /// capacity-provider rows of runs with burstable instances, §6.6).
    pub cpu_credit_usage: Option<f64>,
    /// `CPUCreditBalance` summed over the scope's burstable instances at the end of the period.
    pub cpu_credit_balance: Option<f64>,
    /// `CPUSurplusCreditBalance` summed likewise (unlimited mode: surplus spent, not yet paid back).
    pub cpu_surplus_credit_balance: Option<f64>,
    /// Surplus credits charged so far, USD (part of the cluster row's `cost_usd` and `cost_ec2_usd`).
    pub cost_burst_surplus_usd: Option<f64>,
    /// Messages sent to the service's queue in the period (service rows with a queue, §4.5).
    pub messages_arrived: Option<f64>,
    /// Messages its tasks processed and deleted in the period.
    pub messages_consumed: Option<f64>,
    /// `ApproximateNumberOfMessagesVisible` at the end of the period.
    pub messages_visible: Option<f64>,
    /// `ApproximateNumberOfMessagesNotVisible` at the end of the period (held by tasks, or waiting out the
    /// visibility timeout of a task that stopped).
    pub messages_in_flight: Option<f64>,
    /// `ApproximateAgeOfOldestMessage` at the end of the period, s.
    pub oldest_message_age_s: Option<f64>,
}

impl SeriesRow {
    /// The row's figures without its name (which the caller keeps once per scope): a copy that
    /// allocates nothing. Lists every field, so a new field cannot be forgotten.
    pub fn figures(&self) -> SeriesRow {
        SeriesRow {
            time_ms: self.time_ms,
            scope: self.scope,
            name: String::new(),
            desired: self.desired,
            running: self.running,
            pending: self.pending,
            cpu_utilization: self.cpu_utilization,
            memory_utilization: self.memory_utilization,
            request_rate: self.request_rate,
            capacity_rps: self.capacity_rps,
            slo_p99_ms: self.slo_p99_ms,
            slo_bad: self.slo_bad,
            latency_p50_ms: self.latency_p50_ms,
            latency_p90_ms: self.latency_p90_ms,
            latency_p99_ms: self.latency_p99_ms,
            served: self.served,
            errors: self.errors,
            queued: self.queued,
            instances: self.instances,
            cpu_registered: self.cpu_registered,
            cpu_reserved: self.cpu_reserved,
            memory_registered: self.memory_registered,
            memory_reserved: self.memory_reserved,
            cpu_reservation: self.cpu_reservation,
            memory_reservation: self.memory_reservation,
            capacity_provider_reservation: self.capacity_provider_reservation,
            cost_ec2_usd: self.cost_ec2_usd,
            cost_fargate_usd: self.cost_fargate_usd,
            cost_fargate_spot_usd: self.cost_fargate_spot_usd,
            cost_usd: self.cost_usd,
            cpu_credit_usage: self.cpu_credit_usage,
            cpu_credit_balance: self.cpu_credit_balance,
            cpu_surplus_credit_balance: self.cpu_surplus_credit_balance,
            cost_burst_surplus_usd: self.cost_burst_surplus_usd,
            messages_arrived: self.messages_arrived,
            messages_consumed: self.messages_consumed,
            messages_visible: self.messages_visible,
            messages_in_flight: self.messages_in_flight,
            oldest_message_age_s: self.oldest_message_age_s,
        }
    }
}

/// Receives a run's records as they are produced.
pub trait Sink: Send {
    /// A task finished (or the run ended while it was alive). Given, not lent: a sink that keeps it
    /// (the CSV writer's batch) takes it without a copy of its strings.
    fn task(&mut self, rec: TaskRecord);
    /// An event-log line; `spec` names what its ids stand for ([`EventRecord::render`]). Given, as
    /// [`Self::task`]'s record is.
    fn event(&mut self, rec: EventRecord, spec: &Spec);
    /// A time-series row.
    fn series(&mut self, row: &SeriesRow);
    /// A service's time-series row, compact ([`ServiceRow`]: what the simulation hands over for each
    /// service every period), named `name`. By default widened to a [`SeriesRow`] for [`Self::series`].
    fn service_row(&mut self, row: &ServiceRow, name: &str) {
        self.series(&row.to_named(name));
    }
    /// Does it keep event-log lines? When it does not, the simulation skips writing their text (a sweep
    /// of thousands of runs wants the summaries; formatting 40,000 scaling sentences per run cost 6 % of
    /// the medium fleet). The summary does not depend on it.
    fn wants_events(&self) -> bool {
        true
    }
    /// Does it keep a service's steady-state events (§2.6)? When not, the repeat a steady service says
    /// every `event_dedup_window` is not looked for at each metric period (a fleet's event log leaves
    /// steady states out).
    fn wants_steady_states(&self) -> bool {
        self.wants_events()
    }
    /// Does it keep task records? (When not, none are built.)
    fn wants_tasks(&self) -> bool {
        true
    }
    /// Does it keep time-series rows? When not, the per-period figures only rows show (latency
    /// percentiles, queue lengths, costs so far) are not computed; scaling datapoints and SLO minutes are.
    fn wants_series(&self) -> bool {
        true
    }
    /// The run has burstable instances: its time-series rows carry the CPU-credit columns (a run
    /// without them keeps the columns it always had). Called before the first row.
    fn burst_columns(&mut self) {}
    /// The run has a service with a queue: rows carry the queue figures (told before the first row;
    /// files of runs without queues keep their columns as they were).
    fn queue_columns(&mut self) {}
}

/// Keeps everything in memory (tests, small runs, sweeps that need only a few figures).
#[derive(Debug, Default, Clone)]
pub struct MemorySink {
    /// Task records in the order written.
    pub tasks: Vec<TaskRecord>,
    /// Events in order, with their sentences.
    pub events: Vec<LoggedEvent>,
    /// Rows in order.
    pub series: Vec<SeriesRow>,
}

impl Sink for MemorySink {
    fn task(&mut self, rec: TaskRecord) {
        self.tasks.push(rec);
    }
    fn event(&mut self, rec: EventRecord, spec: &Spec) {
        self.events.push(LoggedEvent {
            time_ms: rec.time_ms,
            kind: rec.kind(),
            code: rec.code(),
            service: rec.service_name(spec).to_string(),
            message: rec.message(spec),
            record: rec,
        });
    }
    fn series(&mut self, row: &SeriesRow) {
        self.series.push(row.clone());
    }
}

/// An event as [`MemorySink`] keeps it: the record and the columns `events.csv` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedEvent {
    /// When, ms.
    pub time_ms: u64,
    /// [`EventRecord::kind`].
    pub kind: &'static str,
    /// [`EventRecord::code`].
    pub code: &'static str,
    /// Service name, or empty.
    pub service: String,
    /// The sentence ([`EventRecord::render`]).
    pub message: String,
    /// The record itself.
    pub record: EventRecord,
}

/// Discards everything, and says so (sweeps, `compare`, benchmarks): the run builds no records for it.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl Sink for NullSink {
    fn task(&mut self, _: TaskRecord) {}
    fn event(&mut self, _: EventRecord, _: &Spec) {}
    fn series(&mut self, _: &SeriesRow) {}
    fn service_row(&mut self, _: &ServiceRow, _: &str) {}
    fn wants_events(&self) -> bool {
        false
    }
    fn wants_tasks(&self) -> bool {
        false
    }
    fn wants_series(&self) -> bool {
        false
    }
}

/// The end-of-run figures (`summary.json`). Figures the run does not model are `None`; what the scenario
/// touches that the model lacks is listed in [`Summary::not_modelled`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Master seed.
    pub seed: u64,
    /// Simulated length, s.
    pub simulated_seconds: f64,
    /// Events processed.
    pub events: u64,
    /// Wall-clock time of the simulation, s (the only non-deterministic figure).
    pub wall_seconds: f64,
    /// Tasks created.
    pub tasks_launched: u64,
    /// Tasks that stopped without reaching RUNNING.
    pub tasks_failed_to_start: u64,
    /// Tasks that reached STOPPED.
    pub tasks_stopped: u64,
    /// Tasks RUNNING at the end (lastStatus RUNNING; not those provisioning, pending, activating or
    /// stopping).
    pub tasks_running_at_end: u64,
    /// Median time from `createdAt` to RUNNING, s.
    pub start_latency_s_p50: Option<f64>,
    /// 99th percentile of the same, s.
    pub start_latency_s_p99: Option<f64>,
    /// Task-seconds that services and RunTask wanted but could not place (shortfall below desired count
    /// plus tasks waiting in PROVISIONING for capacity).
    pub unplaced_task_seconds: f64,
    /// Placement failures (each scheduler attempt that found no instance).
    pub placement_failures: u64,
    /// Instances registered during the run (including those at the start).
    pub instances_registered: u64,
    /// Peak ACTIVE instances.
    pub instances_peak: u64,
    /// Instances terminated during the run (cluster scale-in).
    pub instances_terminated: u64,
    /// Desired-count changes (UpdateService, scaling policies, scheduled actions).
    pub scaling_actions: u64,
    /// Spot interruptions (EC2 Spot notices and Fargate Spot warnings).
    pub spot_interruptions: u64,
    /// Instances lost to failures and zone outages.
    pub instance_failures: u64,
    /// Tasks that crashed after RUNNING.
    pub task_crashes: u64,
    /// Mean CPUReservation over the run, % (cluster).
    pub cpu_reservation_mean: Option<f64>,
    /// Mean MemoryReservation over the run, % (cluster).
    pub memory_reservation_mean: Option<f64>,
    /// Total cost, USD: EC2 + Fargate + Fargate Spot.
    pub cost_total_usd: f64,
    /// EC2 instances, billed per second with a one-minute minimum per launch, idle or not, plus the
    /// surplus credits of burstable instances in unlimited mode.
    pub cost_ec2_usd: f64,
    /// Surplus CPU credits charged (part of `cost_ec2_usd`; §6.6); `None` when no instance is burstable.
    pub cost_burst_surplus_usd: Option<f64>,
    /// The part of the EC2 cost no task reserved (instance capacity left unreserved, and minimums).
    pub cost_ec2_idle_usd: f64,
    /// Fargate on-demand tasks.
    pub cost_fargate_usd: f64,
    /// Fargate Spot tasks.
    pub cost_fargate_spot_usd: f64,
    /// Cost per service (Fargate billed; EC2 attributed by reserved share), plus standalone tasks.
    pub cost_by_service_usd: Vec<(String, f64)>,
    /// Cost per Auto Scaling group capacity provider: its instances, idle or not, and their surplus
    /// credits.
    pub cost_by_provider_usd: Vec<(String, f64)>,
    /// Requests that arrived (None when no service has a load).
    pub requests_total: Option<f64>,
    /// Requests served.
    pub requests_served: Option<f64>,
    /// Requests that failed (time-outs, no healthy target, dropped while draining).
    pub requests_dropped: Option<f64>,
    /// Request-weighted latency percentiles over the whole run, ms: p50, p90, p99, max.
    pub latency_ms: Option<[f64; 4]>,
    /// Bad minutes of the services' SLOs in the measured window (summed over services; 0 when no
    /// service has an SLO).
    pub slo_violation_minutes: Option<f64>,
    /// The SLOs of all services together (None when no service has one).
    pub slo: Option<SloFigures>,
    /// The start of the run left out of the traffic figures (requests, latency, SLO), s.
    pub warm_up_s: f64,
    /// Tasks wanted but not placed at the end: services' shortfall below their desired count, and tasks
    /// waiting in PROVISIONING for capacity (services, RunTask and batch jobs).
    pub tasks_unplaced_at_end: u64,
    /// Services that cannot place their tasks, and why: a task that fits none of the capacity it is
    /// sent to, or no task running at the end while some could not be placed. Empty: `placement_ok`.
    pub placement_problems: Vec<(String, String)>,
    /// Per service, in file order.
    pub services: Vec<ServiceFigures>,
    /// USD per million served requests.
    pub cost_per_million_requests: Option<f64>,
    /// Batch jobs: placed, still waiting at the end, dropped, wait p50 / p99 (s), makespan (s).
    pub batch: Option<BatchSummary>,
    /// Per service with a queue, in scenario order (empty when none has one).
    pub queues: Vec<QueueSummary>,
    /// Per service whose tasks set scale-in protection, in scenario order (empty when none does).
    pub task_protection: Vec<ProtectionSummary>,
    /// What the scenario touches that the model lacks, one sentence each ([`not_modelled`]).
    pub not_modelled: Vec<String>,
    /// The choices AWS does not document that the run applied, in the inventory's order, with their
    /// values and counts ([`unconfirmed`]; empty when none).
    pub unconfirmed: Vec<unconfirmed::Use>,
    /// The scenario's warnings, then those of the run's end (see [`crate::warnings`]).
    pub warnings: Vec<crate::warnings::Warning>,
}

/// A service's task scale-in protection over the run (§2.7): the tasks it kept running that a
/// scale-in or a deployment would have stopped.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProtectionSummary {
    /// The service.
    pub service: String,
    /// Most tasks held back at once.
    pub max_tasks_held: u32,
    /// Task-seconds held back (the tasks held, integrated over time).
    pub task_seconds_held: f64,
    /// `after_start` protections that expired.
    pub protections_expired: u64,
}

/// A service's queue over the run (§4.5). Arrived = consumed + visible + in flight at the end.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueueSummary {
    /// The service.
    pub service: String,
    /// Messages sent.
    pub messages_arrived: f64,
    /// Messages processed and deleted.
    pub messages_consumed: f64,
    /// Visible at the end.
    pub messages_visible_at_end: f64,
    /// In flight at the end.
    pub messages_in_flight_at_end: f64,
    /// Largest `ApproximateNumberOfMessagesVisible` (at the end of an interval).
    pub max_messages_visible: f64,
    /// Largest `ApproximateAgeOfOldestMessage`, s.
    pub max_oldest_message_age_s: f64,
}

/// One service's figures beside the totals.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceFigures {
    /// Service name.
    pub name: String,
    /// Tasks RUNNING at the end.
    pub running_at_end: u32,
    /// Tasks it wanted but had not placed at the end (shortfall plus tasks waiting for capacity).
    pub unplaced_at_end: u32,
    /// Requests arrived, served and failed in the measured window (services with a load).
    pub requests: Option<[f64; 3]>,
    /// Its start-up (services with a load whose first target became healthy): see [`Startup`].
    pub startup: Option<Startup>,
    /// Requests it served over the whole run, the warm-up included (services with a load).
    pub served_whole_run: Option<f64>,
    /// Its tasks' start latencies (`createdAt` → RUNNING), p50 and p99, s (nearest rank).
    pub start_latency_s: Option<[f64; 2]>,
    /// Its SLO (services with one).
    pub slo: Option<SloFigures>,
}

/// A service's start-up: a new service has no task at t = 0, so the requests that arrive before its first
/// target is healthy fail. A service already running when the window opens has none of them; they tell
/// how long the launch type takes to serve, not how it serves once running (`ecsim compare` counts them
/// apart, docs/compare.md).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Startup {
    /// When its first target became healthy, s.
    pub first_healthy_s: f64,
    /// Requests arrived, served and failed before then, in the measured window (none when the first
    /// target was healthy within the warm-up).
    pub requests: [f64; 3],
    /// Was that first target one of the tasks the service started with at t = 0? Otherwise the wait
    /// was not a new service's start (a scale-out from zero, tasks that failed to start first).
    pub from_start: bool,
}

/// How an SLO fared over the measured window (after `warm_up`). A metric period is bad when its p99
/// exceeds the bound, its errors exceed the error rate of its arrivals, or requests arrived and none was
/// served; periods without arrivals are good (see [`crate::spec::SloSpec::bad`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SloFigures {
    /// Time in bad periods, ms.
    pub bad_ms: u64,
    /// Time measured (every period after the warm-up), ms.
    pub measured_ms: u64,
    /// The objective (for the total over services: the strictest).
    pub objective: f64,
    /// Attainment ≥ objective (for the total: every service met its own); None when nothing was
    /// measured.
    pub met: Option<bool>,
}

impl SloFigures {
    /// A service's figures.
    pub fn of(bad_ms: u64, measured_ms: u64, objective: f64) -> SloFigures {
        let mut f = SloFigures {
            bad_ms,
            measured_ms,
            objective,
            met: None,
        };
        f.met = f.attainment().map(|a| a >= objective);
        f
    }

    /// All services together: times summed, met when each met its own objective.
    pub fn total<'a>(all: impl Iterator<Item = &'a SloFigures>) -> Option<SloFigures> {
        let mut out: Option<SloFigures> = None;
        for f in all {
            let o = out.get_or_insert(SloFigures {
                objective: f.objective,
                met: f.met,
                ..Default::default()
            });
            o.bad_ms += f.bad_ms;
            o.measured_ms += f.measured_ms;
            o.objective = o.objective.max(f.objective);
            o.met = match (o.met, f.met) {
                (Some(a), Some(b)) => Some(a && b),
                (a, b) => a.or(b),
            };
        }
        out
    }

    /// Bad minutes.
    pub fn bad_minutes(&self) -> f64 {
        self.bad_ms as f64 / 60_000.0
    }

    /// Measured minutes.
    pub fn minutes(&self) -> f64 {
        self.measured_ms as f64 / 60_000.0
    }

    /// Good time ÷ measured time (one division of exact integers, so 99 of 100 is exactly `0.99`).
    pub fn attainment(&self) -> Option<f64> {
        (self.measured_ms > 0)
            .then(|| (self.measured_ms - self.bad_ms) as f64 / self.measured_ms as f64)
    }
}

/// Batch-job figures.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BatchSummary {
    /// Jobs that got a task.
    pub placed: u64,
    /// Jobs still waiting for capacity at the end.
    pub waiting_at_end: u64,
    /// Jobs that could never run (larger than any Fargate size) or overflowed the queue.
    pub dropped: u64,
    /// Median wait from arrival to placement, s.
    pub wait_s_p50: Option<f64>,
    /// 99th percentile of the wait, s.
    pub wait_s_p99: Option<f64>,
    /// From the first arrival to the last job's end (or the end of the run), s.
    pub makespan_s: Option<f64>,
}

/// The `q` quantile (0..=1) of sorted values by the nearest-rank method (no interpolation, so the value is
/// one that was observed).
pub fn quantile_sorted(sorted: &[u64], q: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        // 10 values: p50 → rank ceil(5) = 5 → 5th value; p99 → rank ceil(9.9) = 10 → 10th value.
        let v: Vec<u64> = (1..=10).collect();
        assert_eq!(quantile_sorted(&v, 0.5), Some(5));
        assert_eq!(quantile_sorted(&v, 0.99), Some(10));
        assert_eq!(quantile_sorted(&v, 0.0), Some(1));
        assert_eq!(quantile_sorted(&[], 0.5), None);
    }
}
