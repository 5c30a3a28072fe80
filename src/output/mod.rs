//! Files of a run: `summary.json`, `timeseries.csv`, `tasks.csv`, `events.csv` (the contract in README.md).
//! Records stream into temporary files beside their final names; only when the run has finished are they
//! renamed into place, so a run that fails leaves no half-written file.
//!
//! Must not: make simulation decisions.

pub mod atomic;
pub mod charts;
pub mod csv_rows;
mod csv_sink;
pub mod csv_text;
pub mod detail;
pub mod estimate;
pub mod folder;
pub mod not_modelled;
pub mod parquet;
pub mod plan_dims;
pub mod report;
pub mod scaling;
pub mod space;

use std::fs;
use std::io;
use std::path::Path;

pub use crate::metrics::json::{summary_json, warning_json};
use crate::metrics::{Sink, Summary};
pub use csv_sink::{CsvSink, Tee};

/// Header of `tasks.csv`.
pub const TASKS_HEADER: &str = "task_id,group,service,task_definition,launch_type,capacity_provider,instance,availability_zone,cpu,memory_mib,created_s,pull_started_s,pull_stopped_s,started_s,stopping_s,stopped_s,last_status,stop_code,stopped_reason";
/// Header of `events.csv`.
/// Header of `events.csv`: the sentence, then the record's columns (docs/outputs.md).
pub const EVENTS_HEADER: &str =
    "time_s,clock,kind,service,message,code,task,instance,capacity_provider,from,to,target,metric";
/// Header of `timeseries.csv`.
pub const SERIES_HEADER: &str = "time_s,clock,scope,name,desired,running,pending,cpu_utilization,memory_utilization,request_rate,served,errors,queued,latency_p50_ms,latency_p90_ms,latency_p99_ms,instances,cpu_registered,cpu_reserved,memory_registered,memory_reserved,cpu_reservation,memory_reservation,capacity_provider_reservation,cost_usd,capacity_rps,slo_p99_ms,cost_ec2_usd,cost_fargate_usd,cost_fargate_spot_usd,slo_bad";

/// Columns `timeseries.csv` adds after [`SERIES_HEADER`]'s when the run has burstable instances (§6.6).
pub const SERIES_BURST_COLUMNS: &str =
    "cpu_credit_usage,cpu_credit_balance,cpu_surplus_credit_balance,cost_burst_surplus_usd";
/// Columns `timeseries.csv` gains after [`SERIES_HEADER`]'s in runs with a queue (§4.5); runs without one
/// keep the header above.
pub const SERIES_QUEUE_COLUMNS: &str =
    "messages_arrived,messages_consumed,messages_visible,messages_in_flight,oldest_message_age_s";

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
    write_run_tee(dir, plan, None, f).map(|(s, _)| s)
}

/// [`write_run_detail`] with a `tee` that sees `timeseries.csv` and `events.csv` as they are written
/// (see [`csv_sink::Tee`]), handed back with the summary.
pub fn write_run_tee<F>(
    dir: &Path,
    plan: detail::Plan,
    tee: Option<Box<dyn Tee>>,
    f: F,
) -> io::Result<(Summary, Option<Box<dyn Tee>>)>
where
    F: FnOnce(&mut dyn Sink) -> Summary,
{
    fs::create_dir_all(dir)?;
    let file = |name: &str, on: bool| -> io::Result<_> {
        if !on {
            return Ok((None, None));
        }
        let (f, done) = atomic::create(&dir.join(name))?;
        Ok((Some(f), Some(done)))
    };
    let (tasks, tasks_done) = file("tasks.csv", plan.tasks_file())?;
    let (events, events_done) = file("events.csv", plan.row_files())?;
    let (series, series_done) = file("timeseries.csv", plan.row_files())?;
    let (scaling, scaling_done) = file("scaling.csv", plan.scaling_file())?;
    // `wall_seconds` counts until the last row is on disk: the writer thread may finish after the
    // simulation.
    let wall = std::time::Instant::now();
    // A fleet's rows are folded on the writer's thread, beside the simulation.
    let fold = (plan.applied == detail::Applied::Fleet).then(|| detail::Fold::new(plan));
    let mut layered =
        detail::DetailSink::folded_below(CsvSink::start(tasks, events, series, fold, tee)?, plan);
    if let Some(f) = scaling {
        layered = layered.with_scaling(Box::new(io::BufWriter::with_capacity(1 << 20, f)));
    }
    let summary = crate::metrics::finite::checked(&mut layered, f);
    layered.finish();
    let scaled = layered.finish_scaling();
    let written = layered.into_inner().finish();
    let mut summary = summary.map_err(io::Error::other)?;
    let tee = written?;
    scaled?;
    summary.wall_seconds = summary.wall_seconds.max(wall.elapsed().as_secs_f64());
    summary.warnings.extend(plan.note());
    let mut json = serde_json::to_string_pretty(&summary_json(&summary))?;
    json.push('\n');
    let (mut file, summary_done) = atomic::create(&dir.join("summary.json"))?;
    io::Write::write_all(&mut file, json.as_bytes())?;
    drop(file);
    for p in [
        tasks_done,
        events_done,
        series_done,
        scaling_done,
        Some(summary_done),
    ]
    .into_iter()
    .flatten()
    {
        p.commit()?;
    }
    Ok((summary, tee))
}
