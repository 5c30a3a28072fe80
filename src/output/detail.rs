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
use crate::metrics::{EventRecord, SeriesRow, Sink, TaskRecord, What};
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
                super::estimate::dur(self.service_interval_ms),
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
                super::estimate::dur(self.service_interval_ms),
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

/// One service's rows of the current interval, folded (a fleet's coarse service row).
///
/// At the interval: `served`, `errors`, `messages_arrived`, `messages_consumed` are sums over its periods;
/// `cpu_utilization`, `memory_utilization`, `request_rate` and `capacity_rps` are means over its periods
/// (equal periods, so weighted by time) that have the figure; `latency_p50_ms`, `…p90…`, `…p99…` are the
/// highest period's value (the worst period's percentile, not the interval's percentile); `slo_bad` is 1
/// when any period was bad; everything else (desired, running, pending, queued, cost so far, the queue
/// gauges, the objective) is the value at the end of the interval.
#[derive(Debug, Clone, Default)]
struct Acc {
    /// The last row, into which the folded figures go.
    last: SeriesRow,
    /// Rows folded.
    n: u64,
    sums: [Option<f64>; SUMS],
    means: [(f64, u32); MEANS],
    maxes: [Option<f64>; MAXES],
    bad: Option<bool>,
}

const SUMS: usize = 4;
const MEANS: usize = 4;
const MAXES: usize = 3;

fn sum_cols(r: &mut SeriesRow) -> [&mut Option<f64>; SUMS] {
    [
        &mut r.served,
        &mut r.errors,
        &mut r.messages_arrived,
        &mut r.messages_consumed,
    ]
}

fn mean_cols(r: &mut SeriesRow) -> [&mut Option<f64>; MEANS] {
    [
        &mut r.cpu_utilization,
        &mut r.memory_utilization,
        &mut r.request_rate,
        &mut r.capacity_rps,
    ]
}

fn max_cols(r: &mut SeriesRow) -> [&mut Option<f64>; MAXES] {
    [
        &mut r.latency_p50_ms,
        &mut r.latency_p90_ms,
        &mut r.latency_p99_ms,
    ]
}

/// Six decimals, as the simulation writes its figures (sums of rounded figures gain float noise).
fn round6(x: f64) -> f64 {
    let r = (x * 1e6).round() / 1e6;
    if r == 0.0 { 0.0 } else { r }
}

impl Acc {
    fn add(&mut self, row: &SeriesRow) {
        let mut row = row.clone();
        for (a, v) in self.sums.iter_mut().zip(sum_cols(&mut row)) {
            if let Some(v) = *v {
                *a = Some(a.unwrap_or(0.0) + v);
            }
        }
        for (a, v) in self.means.iter_mut().zip(mean_cols(&mut row)) {
            if let Some(v) = *v {
                *a = (a.0 + v, a.1 + 1);
            }
        }
        for (a, v) in self.maxes.iter_mut().zip(max_cols(&mut row)) {
            if let Some(v) = *v {
                *a = Some(a.map_or(v, |m: f64| m.max(v)));
            }
        }
        if let Some(b) = row.slo_bad {
            self.bad = Some(self.bad.unwrap_or(false) || b);
        }
        self.last = row;
        self.n += 1;
    }

    /// The interval's row; the accumulator is emptied.
    fn take(&mut self) -> SeriesRow {
        let mut acc = std::mem::take(self);
        let mut row = std::mem::take(&mut acc.last);
        for (c, a) in sum_cols(&mut row).into_iter().zip(acc.sums) {
            *c = a.map(round6);
        }
        for (c, (s, n)) in mean_cols(&mut row).into_iter().zip(acc.means) {
            *c = (n > 0).then(|| round6(s / f64::from(n)));
        }
        for (c, a) in max_cols(&mut row).into_iter().zip(acc.maxes) {
            *c = a;
        }
        row.slo_bad = acc.bad;
        self.last.name = row.name.clone();
        row
    }
}

/// Columns the fleet rows fill: percentiles across services of each (`total` only for the counts).
const FLEET_COLS: usize = 13;
/// Which of [`FLEET_COLS`] are summed in the `total` row.
const TOTALLED: [bool; FLEET_COLS] = [
    true, true, true, false, false, true, true, true, true, false, false, false, true,
];

fn fleet_get(r: &SeriesRow) -> [Option<f64>; FLEET_COLS] {
    [
        r.desired.map(f64::from),
        r.running.map(f64::from),
        r.pending.map(f64::from),
        r.cpu_utilization,
        r.memory_utilization,
        r.request_rate,
        r.served,
        r.errors,
        r.queued,
        r.latency_p50_ms,
        r.latency_p90_ms,
        r.latency_p99_ms,
        r.capacity_rps,
    ]
}

fn fleet_set(r: &mut SeriesRow, v: [Option<f64>; FLEET_COLS]) {
    let count = |x: Option<f64>| x.map(|x| x.round() as u32);
    r.desired = count(v[0]);
    r.running = count(v[1]);
    r.pending = count(v[2]);
    r.cpu_utilization = v[3];
    r.memory_utilization = v[4];
    r.request_rate = v[5];
    r.served = v[6];
    r.errors = v[7];
    r.queued = v[8];
    r.latency_p50_ms = v[9];
    r.latency_p90_ms = v[10];
    r.latency_p99_ms = v[11];
    r.capacity_rps = v[12];
}

/// Nearest-rank quantile (as the summary's percentiles): the value of rank ⌈q·n⌉, by selection (the
/// values are reordered).
fn nearest_rank(values: &mut [f64], q: f64) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let k = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
    Some(*values.select_nth_unstable_by(k, f64::total_cmp).1)
}

/// The file sink under a detail level (see the module doc). `finish` writes what is still folded.
pub struct DetailSink<S: Sink> {
    inner: S,
    plan: Plan,
    /// Fleet: per service (in the order rows name them), its interval so far.
    accs: Vec<Acc>,
    index: HashMap<String, usize>,
    /// Service rows seen in the current tick (their position predicts the next one's slot).
    cursor: usize,
    /// The current tick's time, while its service rows are gathered.
    tick: Option<u64>,
    /// The current tick's service figures, by [`FLEET_COLS`] column.
    cols: [Vec<f64>; FLEET_COLS],
    /// Fleet: `scaling.csv`, where the scaling decisions go ([`super::scaling`]).
    scaling: Option<ScalingRows<Box<dyn Write>>>,
}

impl<S: Sink> DetailSink<S> {
    /// `inner` under `plan`.
    pub fn new(inner: S, plan: Plan) -> Self {
        DetailSink {
            inner,
            plan,
            accs: Vec::new(),
            index: HashMap::new(),
            cursor: 0,
            tick: None,
            cols: std::array::from_fn(|_| Vec::new()),
            scaling: None,
        }
    }

    /// Fold a fleet's scaling decisions into `scaling.csv` written to `out` (without it they stay in
    /// `events.csv`).
    pub fn with_scaling(mut self, out: Box<dyn Write>) -> Self {
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
        self.fleet_rows();
        for i in 0..self.accs.len() {
            if self.accs[i].n > 0 {
                let row = self.accs[i].take();
                self.inner.series(&row);
            }
        }
    }

    /// The service's slot: the next one in tick order, else looked up (else a new one).
    fn slot(&mut self, name: &str) -> usize {
        let c = self.cursor;
        if self.accs.get(c).is_some_and(|a| a.last.name == name) {
            return c;
        }
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.accs.len();
        self.accs.push(Acc::default());
        self.accs[i].last.name = name.to_string();
        self.index.insert(name.to_string(), i);
        i
    }

    fn service_row(&mut self, row: &SeriesRow) {
        if self.tick.is_some_and(|t| t != row.time_ms) {
            self.fleet_rows();
        }
        self.tick = Some(row.time_ms);
        for (col, v) in self.cols.iter_mut().zip(fleet_get(row)) {
            if let Some(v) = v {
                col.push(v);
            }
        }
        let i = self.slot(&row.name);
        self.cursor = i + 1;
        let acc = &mut self.accs[i];
        if self.plan.sampled {
            // The sample at the interval's end (or the run's), not a fold of samples.
            *acc = Acc::default();
        }
        acc.add(row);
        // An interval ends at a whole multiple of it (the row at 0 s is one of its own).
        if acc.n >= self.plan.service_rows_every
            || row
                .time_ms
                .is_multiple_of(self.plan.service_interval_ms.max(1))
        {
            let out = acc.take();
            self.inner.series(&out);
        }
    }

    /// The fleet rows of the tick gathered so far (none when no service row came).
    fn fleet_rows(&mut self) {
        let Some(t) = self.tick.take() else { return };
        self.cursor = 0;
        let mut rows: [SeriesRow; 4] = std::array::from_fn(|k| SeriesRow {
            time_ms: t,
            scope: "fleet",
            name: FLEET_ROWS[k].to_string(),
            ..SeriesRow::default()
        });
        let mut figures = [[None; FLEET_COLS]; 4];
        for (c, col) in self.cols.iter_mut().enumerate() {
            // The total in the services' order, then the ranks by selection (no sort: 13 columns a period).
            figures[3][c] = (TOTALLED[c] && !col.is_empty()).then(|| round6(col.iter().sum()));
            figures[0][c] = nearest_rank(col, 0.5);
            figures[1][c] = nearest_rank(col, 0.9);
            figures[2][c] = col.iter().copied().max_by(f64::total_cmp);
            col.clear();
        }
        for (row, f) in rows.iter_mut().zip(figures) {
            fleet_set(row, f);
            self.inner.series(row);
        }
    }
}

impl<S: Sink> Sink for DetailSink<S> {
    fn task(&mut self, rec: &TaskRecord) {
        if self.plan.tasks_file() {
            self.inner.task(rec);
        }
    }

    fn event(&mut self, rec: &EventRecord, spec: &Spec) {
        match self.plan.applied {
            Applied::Full => self.inner.event(rec, spec),
            Applied::Fleet => {
                if let Some(sc) = &mut self.scaling
                    && sc.fold(rec, spec)
                {
                    if sc.example(rec) {
                        self.inner.event(rec, spec);
                    }
                } else if keeps_event(rec) {
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
            Applied::Fleet if row.scope == "service" => self.service_row(row),
            Applied::Fleet => {
                self.fleet_rows();
                self.inner.series(row);
            }
        }
    }

    fn wants_events(&self) -> bool {
        self.plan.row_files() && self.inner.wants_events()
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
