//! Outputs sized by what a person can use (issue #20, item 2): `[output] detail` / `ecsim run --detail`.
//!
//! - `full`: every row, task and event (what every run wrote before detail levels existed).
//! - `auto` (default): `full` for scenarios with at most `[output] small_services` services (20), so small
//!   runs write exactly what they always wrote. Past that the run is a *fleet*: cluster and
//!   capacity-provider rows at every period, plus four `fleet` rows per period (`p50`, `p90`, `max`
//!   across services, and their `total`); one service row per `[output] service_interval` (15 min)
//!   aggregating its periods ([`Acc`] says what each column becomes); no `tasks.csv`; an `events.csv` of
//!   decisions and failures ([`keeps_event`]), not every task start.
//! - `summary`: `summary.json` (and the report) only.
//!
//! A layer over the file sink, not a change to the simulation: [`DetailSink`] says what it wants through
//! [`Sink::wants_tasks`] and friends, so the run skips building what is not written. Whatever is left
//! out is said in a warning ([`OUTPUT_DETAIL`]) on stderr, in `summary.json` and at the top of the report.

use std::collections::HashMap;
use std::io::Write;

use super::scaling::ScalingRows;
use crate::metrics::{EventRecord, SeriesRow, ServiceRow, Sink, TaskRecord, What};
use crate::spec::{Detail, Spec};
use crate::warnings::Warning;

/// Warning code: the run's files leave something out by its detail level.
pub const OUTPUT_DETAIL: &str = "output-detail";

/// The fleet rows written each period: `scope = "fleet"`, `name` one of these.
pub const FLEET_ROWS: [&str; 4] = ["p50", "p90", "max", "total"];

/// What a run writes, once `auto` is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Everything.
    Full,
    /// The fleet outputs (`auto` past `small_services`).
    Fleet,
    /// `summary.json` only.
    Summary,
}

/// The detail a run of a spec gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// What the scenario or the command line asked for.
    pub requested: Detail,
    /// What that means for this scenario.
    pub applied: Applied,
    /// Services in the scenario.
    pub services: usize,
    /// `[output] small_services`.
    pub small_services: usize,
    /// Fleet: written rows per service row (1 when the rows are already at least `service_interval`
    /// apart, or `timeseries_interval` samples them: sums over sampled periods would be wrong).
    pub service_rows_every: u64,
    /// Fleet: the service row interval, ms (the written rows' interval when not aggregated).
    pub service_interval_ms: u64,
    /// Fleet: `timeseries_interval` samples the rows, so a service row is the sample at its interval's
    /// end, not a fold of the samples (sums over sampled periods would be wrong).
    pub sampled: bool,
    /// Fleet: the service interval was chosen by [`sized_service_interval`] (no `service_interval` key).
    pub sized: bool,
}

/// Most service rows a fleet's `timeseries.csv` gets when `[output] service_interval` is not set (about
/// 140 MB at 140 bytes a row): the interval is the shortest of [`SERVICE_STEPS_MS`] that keeps to it.
pub const MAX_SERVICE_ROWS: u64 = 1_000_000;
/// The service row intervals the rule chooses from: 15 minutes (the default), then whole clock steps.
pub const SERVICE_STEPS_MS: [u64; 9] = [
    900_000,
    1_800_000,
    3_600_000,
    7_200_000,
    10_800_000,
    21_600_000,
    43_200_000,
    86_400_000,
    604_800_000,
];

/// The service row interval of a fleet whose `[output] service_interval` is not set: the shortest step
/// of [`SERVICE_STEPS_MS`], as a whole number of the written rows' interval `row_ms` (rounded down, at
/// least one), that gives `services` × (rows at 0 s and every interval to `duration_ms`) ≤
/// [`MAX_SERVICE_ROWS`]; past the steps, doubling weeks. A 100-service week keeps 15 minutes (67,300
/// rows); 2,000 services over 30 days of hourly rows get 2 hours (722,000 rows, where 1 hour is
/// 1,442,000).
pub fn sized_service_interval(services: u64, duration_ms: u64, row_ms: u64) -> u64 {
    let row_ms = row_ms.max(1);
    let whole = |iv: u64| (iv / row_ms).max(1) * row_ms;
    let rows = |iv: u64| services.saturating_mul(duration_ms.div_ceil(iv) + 1);
    if let Some(iv) = SERVICE_STEPS_MS
        .into_iter()
        .map(whole)
        .find(|&iv| rows(iv) <= MAX_SERVICE_ROWS)
    {
        return iv;
    }
    // Doubling weeks: at most 64 doublings, since the interval then passes any duration.
    let mut iv = whole(604_800_000);
    for _ in 0..64 {
        if rows(iv) <= MAX_SERVICE_ROWS || iv >= duration_ms {
            break;
        }
        iv = iv.saturating_mul(2);
    }
    iv
}

impl Plan {
    /// Every row, task and event, whatever the spec says (`write_run`, `calibrate`'s rows in memory).
    pub fn full() -> Plan {
        Plan {
            requested: Detail::Full,
            applied: Applied::Full,
            services: 0,
            small_services: 0,
            service_rows_every: 1,
            service_interval_ms: 1,
            sampled: false,
            sized: false,
        }
    }

    /// The plan for `spec` (its `[output]` keys, with any `--detail` already in `spec.output.detail`).
    pub fn of(spec: &Spec) -> Plan {
        let o = &spec.output;
        let services = spec.services.len();
        let applied = match o.detail {
            Detail::Full => Applied::Full,
            Detail::Summary => Applied::Summary,
            Detail::Auto if services <= o.small_services => Applied::Full,
            Detail::Auto => Applied::Fleet,
        };
        let row_ms = spec.metric_period_ms.max(1) * o.timeseries_every.max(1);
        let interval_ms = o
            .service_interval_ms
            .unwrap_or_else(|| sized_service_interval(services as u64, spec.duration_ms, row_ms));
        let every = (interval_ms / row_ms).max(1);
        Plan {
            requested: o.detail,
            applied,
            services,
            small_services: o.small_services,
            service_rows_every: every,
            service_interval_ms: row_ms * every,
            sampled: o.timeseries_every > 1,
            sized: o.service_interval_ms.is_none(),
        }
    }

    /// Is `tasks.csv` written?
    pub fn tasks_file(&self) -> bool {
        self.applied == Applied::Full
    }

    /// Is `scaling.csv` written (the fleet outputs' scaling decisions, [`super::scaling`])?
    pub fn scaling_file(&self) -> bool {
        self.applied == Applied::Fleet
    }

    /// Are `events.csv` and `timeseries.csv` written?
    pub fn row_files(&self) -> bool {
        self.applied != Applied::Summary
    }

    /// The files written besides `summary.json`, in the order the command line lists them.
    pub fn files(&self) -> Vec<&'static str> {
        let mut f = vec!["summary.json"];
        if self.row_files() {
            f.push("timeseries.csv");
        }
        if self.tasks_file() {
            f.push("tasks.csv");
        }
        if self.row_files() {
            f.push("events.csv");
        }
        if self.scaling_file() {
            f.push("scaling.csv");
        }
        f
    }

    /// What this detail leaves out and how to get it, or `None` when nothing is left out.
    pub fn note(&self) -> Option<Warning> {
        let word = match self.requested {
            Detail::Auto => "auto",
            Detail::Full => "full",
            Detail::Summary => "summary",
        };
        let how =
            "run with --detail full (or [output] detail = \"full\") for every row, task and event";
        let msg = match self.applied {
            Applied::Full => return None,
            Applied::Summary => format!(
                "detail \"{word}\": only summary.json and the report were written (no timeseries.csv, tasks.csv \
                 or events.csv); {how}"
            ),
            Applied::Fleet => format!(
                "detail \"{word}\" with {} services (more than [output] small_services = {}): timeseries.csv has \
                 the cluster, capacity-provider and fleet rows (p50, p90, max and total across services) every \
                 written period and one row per service every {}{}{}; tasks.csv is not written; events.csv keeps \
                 decisions and failures, not task starts, stops, steady states or instance registrations; \
                 scaling.csv counts each service's scaling decisions per {} (events.csv keeps its first \
                 scale-out and scale-in as examples); {how}",
                self.services,
                self.small_services,
                crate::numfmt::fmt_duration(self.service_interval_ms),
                if self.sampled {
                    ", the sample at each interval's end (timeseries_interval samples the periods)"
                } else if self.service_rows_every > 1 {
                    " (served, errors and messages summed; utilisation, request rate and capacity averaged; \
                     latency percentiles the worst period's; counts, backlog and cost at the end)"
                } else {
                    ""
                },
                if self.sized {
                    format!(
                        " (an interval chosen so that services × rows stay within {}; [output] service_interval \
                         sets it)",
                        super::estimate::thousands(MAX_SERVICE_ROWS)
                    )
                } else {
                    String::new()
                },
                crate::numfmt::fmt_duration(self.service_interval_ms),
            ),
        };
        Some(Warning::new(OUTPUT_DETAIL, None, msg))
    }
}

/// Does a fleet's `events.csv` keep this event? Decisions (scaling, cluster scaling, deployments,
/// scheduled changes) and failures (faults, placement and start failures, RunTask failures and waits,
/// batch jobs that cannot run) stay; the routine consequences of decisions — "has started N tasks", "has
/// stopped N running tasks", "has reached a steady state", instance registrations, RunTask calls whose
/// tasks all started at once — go. Decided by the record's code ([`What`]), not its sentence.
pub fn keeps_event(e: &EventRecord) -> bool {
    match &e.what {
        What::TasksStarted { .. }
        | What::TasksStopped { .. }
        | What::RebalanceStarted { .. }
        | What::RebalanceStopped { .. }
        | What::SteadyState
        | What::InstanceRegistered { .. } => false,
        What::RunTask { sentence } => {
            sentence.contains("; failures: [")
                || sentence.contains(" throttled ")
                || sentence.contains(" wait in PROVISIONING")
        }
        _ => true,
    }
}

#[path = "detail/fold.rs"]
mod fold;
#[cfg(test)]
use fold::nearest_rank;
pub use fold::{Fold, RowName};

/// The file sink under a detail level (see the module doc). `finish` writes what is still folded.
pub struct DetailSink<S: Sink> {
    inner: S,
    plan: Plan,
    /// Fleet: the fold here, or `None` when the sink underneath folds (the CSV writer's thread).
    fold: Option<Fold>,
    /// The names of the rows given to the fold, by index, and the next index's guess.
    names: Vec<String>,
    index: HashMap<String, u32>,
    next: usize,
    /// Fleet: `scaling.csv`, where the scaling decisions go ([`super::scaling`]).
    scaling: Option<ScalingRows<Box<dyn Write + Send>>>,
}

impl<S: Sink> DetailSink<S> {
    /// `inner` under `plan`, folding a fleet's rows here.
    pub fn new(inner: S, plan: Plan) -> Self {
        DetailSink {
            inner,
            plan,
            fold: Some(Fold::new(plan)),
            names: Vec::new(),
            index: HashMap::new(),
            next: 0,
            scaling: None,
        }
    }

    /// Fold a fleet's scaling decisions into `scaling.csv` written to `out` (without it they stay in
    /// `events.csv`).
    pub fn with_scaling(mut self, out: Box<dyn Write + Send>) -> Self {
        if self.plan.scaling_file() {
            self.scaling = Some(ScalingRows::new(out, self.plan.service_interval_ms));
        }
        self
    }

    /// Write the scaling rows still folded (after [`Self::finish`]); the file's first write error.
    pub fn finish_scaling(&mut self) -> std::io::Result<()> {
        match self.scaling.take() {
            Some(s) => s.finish().map(drop),
            None => Ok(()),
        }
    }

    /// `inner` under `plan`, with a fleet's time-series rows passed on as they are: `inner` folds them
    /// (a [`crate::output::CsvSink`] started with the plan's [`Fold`]).
    pub fn folded_below(inner: S, plan: Plan) -> Self {
        DetailSink {
            fold: None,
            ..Self::new(inner, plan)
        }
    }

    /// The sink underneath.
    pub fn inner_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The sink underneath, once [`Self::finish`] has written what was pending.
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// Write what is still pending: the current tick's fleet rows and the last, shorter interval's
    /// service rows.
    pub fn finish(&mut self) {
        if let Some(mut fold) = self.fold.take() {
            fold.finish(&mut |n, r| emit(&mut self.inner, &self.names, n, r));
            self.fold = Some(fold);
        }
    }

    /// The index of a row's name (rows come in the same order every period: usually the next one).
    fn name_ix(&mut self, name: &str) -> u32 {
        let i = if self.names.get(self.next).is_some_and(|n| n == name) {
            self.next as u32
        } else if let Some(&i) = self.index.get(name) {
            i
        } else {
            self.names.push(name.to_string());
            self.index
                .insert(name.to_string(), (self.names.len() - 1) as u32);
            (self.names.len() - 1) as u32
        };
        self.next = i as usize + 1;
        i
    }
}

/// A row the fold emits, named and handed to `inner`.
fn emit<S: Sink>(inner: &mut S, names: &[String], n: RowName, row: &SeriesRow) {
    let mut row = row.clone();
    row.name = match n {
        RowName::Ix(i) => names[i as usize].clone(),
        RowName::Fleet(k) => FLEET_ROWS[k].to_string(),
    };
    inner.series(&row);
}

impl<S: Sink> Sink for DetailSink<S> {
    fn task(&mut self, rec: TaskRecord) {
        if self.plan.tasks_file() {
            self.inner.task(rec);
        }
    }

    fn event(&mut self, rec: EventRecord, spec: &Spec) {
        match self.plan.applied {
            Applied::Full => self.inner.event(rec, spec),
            Applied::Fleet => {
                if let Some(sc) = &mut self.scaling
                    && sc.fold(&rec, spec)
                {
                    if sc.example(&rec) {
                        self.inner.event(rec, spec);
                    }
                } else if keeps_event(&rec) {
                    self.inner.event(rec, spec);
                }
            }
            Applied::Summary => {}
        }
    }

    fn series(&mut self, row: &SeriesRow) {
        match self.plan.applied {
            Applied::Full => self.inner.series(row),
            Applied::Summary => {}
            Applied::Fleet => {
                let Some(mut fold) = self.fold.take() else {
                    return self.inner.series(row);
                };
                let ix = self.name_ix(&row.name);
                fold.row(ix, row, &mut |n, r| {
                    emit(&mut self.inner, &self.names, n, r)
                });
                self.fold = Some(fold);
            }
        }
    }

    fn service_row(&mut self, row: &ServiceRow, name: &str) {
        match self.plan.applied {
            Applied::Summary => {}
            Applied::Fleet if self.fold.is_some() => self.series(&row.to_named(name)),
            // Passed on compact: the sink underneath writes (and folds) every row.
            Applied::Full | Applied::Fleet => self.inner.service_row(row, name),
        }
    }

    fn wants_events(&self) -> bool {
        self.plan.row_files() && self.inner.wants_events()
    }

    fn wants_steady_states(&self) -> bool {
        // A fleet's log keeps decisions and failures, not steady states (`keeps_event`).
        self.plan.applied == Applied::Full && self.inner.wants_steady_states()
    }

    fn wants_tasks(&self) -> bool {
        self.plan.tasks_file() && self.inner.wants_tasks()
    }

    fn wants_series(&self) -> bool {
        self.plan.row_files() && self.inner.wants_series()
    }

    fn burst_columns(&mut self) {
        self.inner.burst_columns();
    }

    fn queue_columns(&mut self) {
        self.inner.queue_columns();
    }
}

#[cfg(test)]
#[path = "detail/tests.rs"]
mod tests;
