//! Files of a run: `summary.json`, `timeseries.csv`, `tasks.csv`, `events.csv` (the contract in README.md).
//! Records stream into temporary files beside their final names; only when the run has finished are they
//! renamed into place, so a run that fails leaves no half-written file.
//!
//! Must not: make simulation decisions.

pub mod atomic;
pub mod charts;
pub mod csv_text;
pub mod detail;
pub mod estimate;
pub mod folder;
pub mod not_modelled;
pub mod plan_dims;
pub mod report;

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::Path;

pub use crate::metrics::json::{summary_json, warning_json};
use crate::metrics::{EventRecord, SeriesRow, Sink, Summary, TaskRecord};
use crate::time::{clock, secs};

/// Header of `tasks.csv`.
pub const TASKS_HEADER: &str = "task_id,group,service,task_definition,launch_type,capacity_provider,instance,availability_zone,cpu,memory_mib,created_s,pull_started_s,pull_stopped_s,started_s,stopping_s,stopped_s,last_status,stop_code,stopped_reason";
/// Header of `events.csv`.
pub const EVENTS_HEADER: &str = "time_s,clock,kind,service,message";
/// Header of `timeseries.csv`.
pub const SERIES_HEADER: &str = "time_s,clock,scope,name,desired,running,pending,cpu_utilization,memory_utilization,request_rate,served,errors,queued,latency_p50_ms,latency_p90_ms,latency_p99_ms,instances,cpu_registered,cpu_reserved,memory_registered,memory_reserved,cpu_reservation,memory_reservation,capacity_provider_reservation,cost_usd,capacity_rps,slo_p99_ms,cost_ec2_usd,cost_fargate_usd,cost_fargate_spot_usd,slo_bad";

/// Columns `timeseries.csv` adds after [`SERIES_HEADER`]'s when the run has burstable instances (§6.6).
pub const SERIES_BURST_COLUMNS: &str =
    "cpu_credit_usage,cpu_credit_balance,cpu_surplus_credit_balance,cost_burst_surplus_usd";
/// Columns `timeseries.csv` gains after [`SERIES_HEADER`]'s in runs with a queue (§4.5); runs without one
/// keep the header above.
pub const SERIES_QUEUE_COLUMNS: &str =
    "messages_arrived,messages_consumed,messages_visible,messages_in_flight,oldest_message_age_s";

/// A text cell (names, messages) under the CSV text rule of [`csv_text`].
fn t(s: &str) -> String {
    csv_text::text(s).into_owned()
}

/// A cell: empty for `None` (a figure the run does not have), and never `-0`.
fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(String::new, |x| {
        let s = x.to_string();
        if s == "-0" { "0".into() } else { s }
    })
}

/// Writes the three CSV files as records arrive.
/// Files a detail level leaves out have no writer (`None`).
pub struct CsvSink {
    tasks: Option<csv::Writer<BufWriter<File>>>,
    events: Option<csv::Writer<BufWriter<File>>>,
    series: Option<csv::Writer<BufWriter<File>>>,
    /// `timeseries.csv`'s header is written before its first row (or at the end), once the run has said
    /// whether it has burstable instances.
    series_header_written: bool,
    burst: bool,
    queue: bool,
    error: Option<io::Error>,
}

fn writer(file: File, header: &str) -> io::Result<csv::Writer<BufWriter<File>>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(BufWriter::new(file));
    if !header.is_empty() {
        w.write_record(header.split(','))?;
    }
    Ok(w)
}

impl CsvSink {
    fn record<I, S>(
        w: &mut Option<csv::Writer<BufWriter<File>>>,
        err: &mut Option<io::Error>,
        rec: I,
    ) where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        if err.is_none()
            && let Some(w) = w
            && let Err(e) = w.write_record(rec)
        {
            *err = Some(e.into());
        }
    }

    fn write_series_header(&mut self) {
        if self.series_header_written {
            return;
        }
        self.series_header_written = true;
        let burst = if self.burst { SERIES_BURST_COLUMNS } else { "" };
        let queue = if self.queue { SERIES_QUEUE_COLUMNS } else { "" };
        let cols = SERIES_HEADER
            .split(',')
            .chain(burst.split(','))
            .chain(queue.split(','))
            .filter(|c| !c.is_empty());
        Self::record(&mut self.series, &mut self.error, cols);
    }
}

impl Sink for CsvSink {
    fn wants_events(&self) -> bool {
        self.events.is_some()
    }

    fn wants_tasks(&self) -> bool {
        self.tasks.is_some()
    }

    fn wants_series(&self) -> bool {
        self.series.is_some()
    }

    fn task(&mut self, r: &TaskRecord) {
        let row = [
            r.task_id.to_string(),
            t(&r.group),
            t(&r.service),
            t(&r.task_definition),
            r.launch_type.to_string(),
            t(&r.capacity_provider),
            t(&r.instance),
            t(&r.availability_zone),
            r.cpu.to_string(),
            r.memory_mib.to_string(),
            secs(r.created_ms),
            opt(r.pull_started_ms.map(secs)),
            opt(r.pull_stopped_ms.map(secs)),
            opt(r.started_ms.map(secs)),
            opt(r.stopping_ms.map(secs)),
            opt(r.stopped_ms.map(secs)),
            t(r.last_status),
            t(r.stop_code),
            t(&r.stopped_reason),
        ];
        Self::record(&mut self.tasks, &mut self.error, row);
    }

    fn event(&mut self, e: &EventRecord) {
        let row = [
            secs(e.time_ms),
            clock(e.time_ms),
            t(e.kind),
            t(&e.service),
            t(&e.message),
        ];
        Self::record(&mut self.events, &mut self.error, row);
    }

    fn burst_columns(&mut self) {
        self.burst = true;
    }

    fn queue_columns(&mut self) {
        debug_assert!(
            !self.series_header_written,
            "queue columns are told before the first row"
        );
        self.queue = true;
    }

    fn series(&mut self, r: &SeriesRow) {
        self.write_series_header();
        let mut row = vec![
            secs(r.time_ms),
            clock(r.time_ms),
            t(r.scope),
            t(&r.name),
            opt(r.desired),
            opt(r.running),
            opt(r.pending),
            opt(r.cpu_utilization),
            opt(r.memory_utilization),
            opt(r.request_rate),
            opt(r.served),
            opt(r.errors),
            opt(r.queued),
            opt(r.latency_p50_ms),
            opt(r.latency_p90_ms),
            opt(r.latency_p99_ms),
            opt(r.instances),
            opt(r.cpu_registered),
            opt(r.cpu_reserved),
            opt(r.memory_registered),
            opt(r.memory_reserved),
            opt(r.cpu_reservation),
            opt(r.memory_reservation),
            opt(r.capacity_provider_reservation),
            opt(r.cost_usd),
            opt(r.capacity_rps),
            opt(r.slo_p99_ms),
            opt(r.cost_ec2_usd),
            opt(r.cost_fargate_usd),
            opt(r.cost_fargate_spot_usd),
            opt(r.slo_bad.map(u8::from)),
        ];
        if self.burst {
            row.extend([
                opt(r.cpu_credit_usage),
                opt(r.cpu_credit_balance),
                opt(r.cpu_surplus_credit_balance),
                opt(r.cost_burst_surplus_usd),
            ]);
        }
        if self.queue {
            row.extend(
                [
                    r.messages_arrived,
                    r.messages_consumed,
                    r.messages_visible,
                    r.messages_in_flight,
                    r.oldest_message_age_s,
                ]
                .map(opt),
            );
        }
        Self::record(&mut self.series, &mut self.error, row);
    }
}

/// The files of one run, written whole: run `f` with a sink that streams into temporary files (see
/// [`atomic`]), then rename them into `dir`. On any error the temporary files are removed and nothing is
/// renamed. (The command line writes into a fresh folder that [`folder::Staged`] puts in place.) Every
/// row, task and event: [`write_run_detail`] writes what a detail level keeps.
pub fn write_run<F>(dir: &Path, f: F) -> io::Result<Summary>
where
    F: FnOnce(&mut dyn Sink) -> Summary,
{
    write_run_detail(dir, detail::Plan::full(), f)
}

/// [`write_run`] under `plan` ([`detail::Plan::of`] the spec): the files it leaves out are not created,
/// and a warning in the summary says what was left out.
pub fn write_run_detail<F>(dir: &Path, plan: detail::Plan, f: F) -> io::Result<Summary>
where
    F: FnOnce(&mut dyn Sink) -> Summary,
{
    fs::create_dir_all(dir)?;
    let file = |name: &str, header: &str, on: bool| -> io::Result<_> {
        if !on {
            return Ok((None, None));
        }
        let (f, done) = atomic::create(&dir.join(name))?;
        Ok((Some(writer(f, header)?), Some(done)))
    };
    let (tasks, tasks_done) = file("tasks.csv", TASKS_HEADER, plan.tasks_file())?;
    let (events, events_done) = file("events.csv", EVENTS_HEADER, plan.row_files())?;
    let (series, series_done) = file("timeseries.csv", "", plan.row_files())?;
    let csv = CsvSink {
        tasks,
        events,
        series,
        series_header_written: false,
        burst: false,
        queue: false,
        error: None,
    };
    let mut layered = detail::DetailSink::new(csv, plan);
    let mut summary = crate::metrics::finite::checked(&mut layered, f).map_err(io::Error::other)?;
    layered.finish();
    let sink = layered.inner_mut();
    sink.write_series_header();
    if let Some(e) = sink.error.take() {
        return Err(e);
    }
    for w in [&mut sink.tasks, &mut sink.events, &mut sink.series]
        .into_iter()
        .flatten()
    {
        w.flush()?;
    }
    drop(layered);
    summary.warnings.extend(plan.note());
    let mut json = serde_json::to_string_pretty(&summary_json(&summary))?;
    json.push('\n');
    let (mut file, summary_done) = atomic::create(&dir.join("summary.json"))?;
    io::Write::write_all(&mut file, json.as_bytes())?;
    drop(file);
    for p in [tasks_done, events_done, series_done, Some(summary_done)]
        .into_iter()
        .flatten()
    {
        p.commit()?;
    }
    Ok(summary)
}
