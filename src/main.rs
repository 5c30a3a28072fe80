//! `ecsim`: a thin command line over the library. Exit codes: 0 success, 1 simulation or I/O error,
//! 2 bad input (the message names the file, line and field).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use ecsim::output;
use ecsim::scenario::{self, Diagnostics};
use ecsim::sim;
use ecsim::sweep::{self, Shard};

mod progress;

#[derive(Parser)]
#[command(
    name = "ecsim",
    version,
    about = "A fast, deterministic simulator of Amazon ECS scheduling and scaling.\n\nWith no command, runs the built-in quickstart scenario into results/quickstart/."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run one scenario and write summary.json, timeseries.csv, tasks.csv and events.csv.
    Run {
        /// Scenario TOML file (default: the built-in quickstart).
        scenario: Option<PathBuf>,
        /// Output folder (default: results/<scenario name>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Print nothing on success.
        #[arg(long, short)]
        quiet: bool,
        /// Run even when the outputs are estimated past 1 GB written or 4 GiB held (docs/outputs.md).
        #[arg(long)]
        force: bool,
        /// How much goes to the files: auto (everything up to [output] small_services services, fleet
        /// aggregates past it), full, or summary (summary.json and the report). Default: the scenario's
        /// [output] detail, else auto (docs/outputs.md).
        #[arg(long, value_enum)]
        detail: Option<DetailArg>,
    },
    /// Write Parquet copies of a run's or a sweep's CSV files (timeseries.parquet beside timeseries.csv,
    /// …), with column types, for pandas, polars and DuckDB (docs/outputs.md, "Parquet").
    Parquet {
        /// Output folders (every .csv directly in each) or CSV files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Print nothing on success.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check scenario files and print every problem; exit 2 if any.
    Validate {
        /// Scenario TOML files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Run a sweep: variants of a scenario × seeds, in parallel, with confidence intervals.
    ///
    /// Writes runs.csv, aggregate.csv, paired.csv (with a baseline), variants.csv and table.txt into the
    /// output folder. Rerunning into the same folder resumes: finished runs are skipped.
    Sweep {
        /// Sweep TOML file (see docs/sweeps.md).
        sweep: PathBuf,
        /// Output folder (default: results/sweeps/<sweep name>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Runs in parallel (default: all cores).
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Run only shard I of N (runs i with i % N == I-1); merge the shards with `ecsim merge`.
        /// Without it, the shard comes from AWS_BATCH_JOB_ARRAY_INDEX, SLURM_ARRAY_TASK_ID or
        /// JOB_COMPLETION_INDEX when set.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Number of shards, for array jobs whose environment does not tell it (AWS Batch, Kubernetes).
        #[arg(long, value_name = "N")]
        shard_count: Option<usize>,
        /// Also write every run's summary.json, timeseries.csv, tasks.csv and events.csv under OUT/runs/.
        #[arg(long)]
        keep_runs: bool,
        /// Check the sweep and list its variants without running anything.
        #[arg(long)]
        dry_run: bool,
        /// No progress and no table (the files, report and charts are written all the same).
        #[arg(long, short)]
        quiet: bool,
        /// With --keep-runs: run even when the kept runs are estimated past 1 GB written.
        #[arg(long)]
        force: bool,
    },
    /// Run one service of a scenario four ways (EC2, EC2 Spot mix, Fargate, Fargate Spot mix) on the same
    /// workload and random numbers; print the table (with a status per variant: ok, cannot place, serves
    /// N % of requests) and the break-even point, write compare.csv. EC2 runs the task definition as
    /// written, Fargate the nearest valid size.
    Compare {
        /// Scenario TOML file.
        scenario: PathBuf,
        /// The service to compare (default: the first service with a load).
        #[arg(long)]
        service: Option<String>,
        /// Instance type of the EC2 variants (default: the scenario's first group's).
        #[arg(long)]
        instance_type: Option<String>,
        /// EC2 Spot interruptions per instance-hour in the Spot variant.
        #[arg(long, default_value_t = 0.05)]
        ec2_spot_rate: f64,
        /// Fargate Spot interruptions per task-hour in the Spot variant.
        #[arg(long, default_value_t = 0.05)]
        fargate_spot_rate: f64,
        /// Output folder (default: results/compare-<scenario name>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run even when the four variants' outputs are estimated past 1 GB written or 4 GiB held.
        #[arg(long)]
        force: bool,
    },
    /// Print the decision log of a run in plain English: placements (which instances were rejected and
    /// why, what each constraint kept, how each strategy chose, tasks that can never fit), scaling
    /// decisions with their datapoints, cluster scaling (M, N, CPR), deployments and the circuit breaker.
    /// Identical retries are printed once with a count and a span.
    Explain {
        /// Scenario TOML file.
        scenario: PathBuf,
        /// Only this service.
        #[arg(long)]
        service: Option<String>,
        /// From this simulated time (e.g. 10m, 2h).
        #[arg(long)]
        from: Option<String>,
        /// Up to this simulated time.
        #[arg(long)]
        to: Option<String>,
        /// The whole life of this task (its id in tasks.csv): each state change, its placement, its stop
        /// code and reason, and the service events that name it.
        #[arg(long)]
        task: Option<u64>,
    },
    /// Import a cluster from AWS CLI output (docs/import.md): write a scenario and import-report.md.
    ///
    /// DIR holds the JSON that scripts/export-cluster.sh writes (describe-clusters, -capacity-providers,
    /// -auto-scaling-groups, -services, -task-definition per file in taskdefs/, -scalable-targets,
    /// -scaling-policies, -tasks). The report goes next to the scenario.
    Import {
        /// Folder of AWS CLI JSON output.
        dir: PathBuf,
        /// Scenario file to write (default: <cluster name>.toml).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print nothing on success.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Compare a run of a scenario with what CloudWatch observed: MAPE per metric and service against a
    /// tolerance, a verdict, calibrate.csv and the overlay chart calibrate.svg (docs/import.md).
    ///
    /// DIR holds `aws cloudwatch get-metric-data` output (metrics.json), resolved by its request
    /// (metric-queries.json) or else by the query Ids running_<service>, desired_<service>, cpu_<service>,
    /// p99_<service>; the first observed timestamp is time 0. Exit 0 when it ran and printed a verdict
    /// (within or outside: the verdict is data), 1 when outside and --fail-outside-tolerance is given,
    /// 2 on bad input.
    Calibrate {
        /// Scenario TOML file.
        scenario: PathBuf,
        /// Folder with get-metric-data output (metrics.json).
        #[arg(long)]
        observed: PathBuf,
        /// Largest acceptable mean absolute percentage error, % (the aim for a replayed day).
        #[arg(long, default_value_t = 10.0)]
        tolerance: f64,
        /// Output folder (default: results/calibrate/<scenario name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Exit 1 when a comparison is outside the tolerance (or none could be made).
        #[arg(long)]
        fail_outside_tolerance: bool,
        /// Run even when the rows kept in memory are estimated past 4 GiB.
        #[arg(long)]
        force: bool,
    },
    /// Find the cheapest configuration of a service that meets its SLO (docs/plan.md): racing over the
    /// candidates of a plan file, or every candidate on every seed with --exhaustive. Writes plan.csv,
    /// pareto.csv, rules.csv, best.toml and summary.txt into results/plans/<name>/ and prints the
    /// recommendation. Rerunning into the same folder resumes. `ecsim plan merge DIRS --out DIR` gathers
    /// the run records of shards.
    #[command(args_conflicts_with_subcommands = true)]
    Plan {
        #[command(subcommand)]
        merge: Option<PlanMerge>,
        /// Plan TOML file.
        plan: Option<PathBuf>,
        /// Output folder (default: results/plans/<plan name>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Runs in parallel (default: all cores).
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Every valid candidate on every seed at the full horizon (the yardstick for racing).
        #[arg(long)]
        exhaustive: bool,
        /// Run only shard I of N of each round (or from the array-job environment, as sweeps do).
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Number of shards, for array jobs whose environment does not tell it.
        #[arg(long, value_name = "N")]
        shard_count: Option<usize>,
        /// Check the plan and count its candidates without running anything.
        #[arg(long)]
        dry_run: bool,
        /// No progress and no summary (the files are written all the same).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Merge the folders of a sweep's shards into the outputs one machine would write.
    Merge {
        /// Shard output folders.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output folder (may be one of the shard folders).
        #[arg(long)]
        out: PathBuf,
        /// Print nothing on success.
        #[arg(long, short)]
        quiet: bool,
    },
}

/// `ecsim plan merge`.
#[derive(Subcommand)]
enum PlanMerge {
    /// Copy the run records of a plan's shard folders into one folder; then run the plan into it.
    Merge {
        /// Shard output folders.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output folder (may be one of the shard folders).
        #[arg(long)]
        out: PathBuf,
    },
}

/// `println!` that ignores a closed stdout (`ecsim run … | head`): results are in files, and a closed pipe
/// must not become a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that ignores a closed stderr (`ecsim run bad.toml 2>&1 | head` must still exit 2, not
/// panic); shadows the std macro in this file.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `print!` counterpart of `say!`.
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

/// `--detail`'s words (see `ecsim::output::detail`).
#[derive(Clone, Copy, clap::ValueEnum)]
enum DetailArg {
    Auto,
    Full,
    Summary,
}

impl From<DetailArg> for ecsim::spec::Detail {
    fn from(d: DetailArg) -> Self {
        match d {
            DetailArg::Auto => Self::Auto,
            DetailArg::Full => Self::Full,
            DetailArg::Summary => Self::Summary,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => run(None, None, None, false, false, None),
        Some(Command::Run {
            scenario,
            out,
            seed,
            quiet,
            force,
            detail,
        }) => run(scenario.as_deref(), out, seed, quiet, force, detail),
        Some(Command::Validate { scenarios }) => validate(&scenarios),
        Some(Command::Parquet { paths, quiet }) => parquet(&paths, quiet),
        Some(Command::Sweep {
            sweep: file,
            out,
            jobs,
            shard,
            shard_count,
            keep_runs,
            dry_run,
            quiet,
            force,
        }) => sweep(SweepArgs {
            file,
            out,
            jobs,
            shard,
            shard_count,
            keep_runs,
            dry_run,
            quiet,
            force,
        }),
        Some(Command::Merge { dirs, out, quiet }) => merge(&dirs, &out, quiet),
        Some(Command::Plan {
            merge: Some(PlanMerge::Merge { dirs, out }),
            ..
        }) => plan_merge(&dirs, &out),
        Some(Command::Plan {
            merge: None,
            plan: file,
            out,
            jobs,
            exhaustive,
            shard,
            shard_count,
            dry_run,
            quiet,
        }) => plan(PlanArgs {
            file,
            out,
            jobs,
            exhaustive,
            shard,
            shard_count,
            dry_run,
            quiet,
        }),
        Some(Command::Import { dir, out, quiet }) => import(&dir, out, quiet),
        Some(Command::Calibrate {
            scenario,
            observed,
            tolerance,
            out,
            fail_outside_tolerance,
            force,
        }) => calibrate(
            &scenario,
            &observed,
            tolerance,
            out,
            fail_outside_tolerance,
            force,
        ),
        Some(Command::Explain {
            scenario,
            service,
            from,
            to,
            task,
        }) => explain(&scenario, service, from, to, task),
        Some(Command::Compare {
            scenario,
            service,
            instance_type,
            ec2_spot_rate,
            fargate_spot_rate,
            out,
            force,
        }) => compare(
            &scenario,
            out,
            force,
            ecsim::compare::CompareOptions {
                service,
                instance_type,
                ec2_spot_interruptions_per_hour: ec2_spot_rate,
                fargate_spot_interruptions_per_hour: fargate_spot_rate,
            },
        ),
    }
}

/// `ecsim import`: exit 2 on a bad export (the message names the file, and line:column for bad JSON).
fn import(dir: &Path, out: Option<PathBuf>, quiet: bool) -> ExitCode {
    let imported = match ecsim::import::import_dir(dir) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let out = out.unwrap_or_else(|| PathBuf::from(format!("{}.toml", imported.name)));
    let report = out.with_file_name("import-report.md");
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(parent)
    {
        eprintln!("error: {}: {e}", parent.display());
        return ExitCode::from(1);
    }
    let mut files = vec![
        (out.clone(), &imported.scenario_toml),
        (report.clone(), &imported.report_md),
    ];
    for (name, text) in &imported.extra_files {
        files.push((out.with_file_name(name), text));
    }
    // The files sit among the user's own: each is written whole, and one ecsim did not write (its first
    // line is not the one ecsim writes) is never overwritten.
    for (path, text) in &files {
        let first = text.lines().next().unwrap_or("");
        let marker = [
            "# Imported by `ecsim import`",
            "# Import report:",
            "epoch_s,value",
        ]
        .into_iter()
        .find(|m| first.starts_with(m))
        .unwrap_or(first);
        if let Err(e) = output::folder::may_overwrite(path, marker) {
            eprintln!("error: {e}");
            return ExitCode::from(e.exit_code());
        }
    }
    for (path, text) in &files {
        if let Err(e) = output::atomic::write_atomic(path, text.as_bytes()) {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::from(1);
        }
    }
    if !quiet {
        say!(
            "imported cluster {} from {}: wrote {} and {}",
            imported.name,
            dir.display(),
            out.display(),
            report.display()
        );
    }
    ExitCode::SUCCESS
}

/// `ecsim calibrate`: run the scenario into memory, compare its service series with the observed ones,
/// print the table and the verdict, and write calibrate.csv, calibrate-series.csv and calibrate.svg.
fn calibrate(
    path: &Path,
    observed: &Path,
    tolerance: f64,
    out: Option<PathBuf>,
    fail_outside: bool,
    force: bool,
) -> ExitCode {
    if !(tolerance.is_finite() && tolerance >= 0.0) {
        eprintln!("error: --tolerance must be a percentage of 0 or more, got {tolerance}");
        return ExitCode::from(2);
    }
    let spec = match scenario::load(path) {
        Ok(s) => s,
        Err(d) => {
            eprintln!("{d}");
            return ExitCode::from(2);
        }
    };
    // The run's rows are all kept in memory to be compared.
    let row_bytes = std::mem::size_of::<ecsim::metrics::SeriesRow>() as u64;
    let held = output::estimate::of_plan(&spec, &output::detail::Plan::full())
        .series_rows
        .saturating_mul(row_bytes);
    if !force && held > output::estimate::HOLD_LIMIT_BYTES {
        eprintln!(
            "error: calibrate keeps every timeseries row in memory: about {:.1} GiB for this scenario (the limit is 4 GiB); \
             keep fewer rows with [output] timeseries_interval, or run a shorter duration; or pass --force",
            held as f64 / (1u64 << 30) as f64
        );
        return ExitCode::from(2);
    }
    let obs = match ecsim::import::read_observed(observed) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut sink = ecsim::metrics::MemorySink::default();
    sim::simulate(&spec, &mut sink);
    let names: Vec<String> = spec.services.iter().map(|s| s.name.clone()).collect();
    let (results, ignored) =
        ecsim::import::calibrate::compare(&sink.series, &obs, &names, spec.metric_period_ms);
    say!("metric   service               points  skipped  MAPE %   tolerance %  result");
    let mut outside = Vec::new();
    for c in &results {
        let ok = c.passes(tolerance);
        if !ok {
            outside.push(format!(
                "{} of {} ({})",
                c.metric,
                c.service,
                match c.mape_pct {
                    _ if c.too_few() => format!("{} of {} points", c.n, c.observed.len()),
                    Some(m) => format!("{m:.1} %"),
                    None => "no point".into(),
                }
            ));
        }
        say!(
            "{:<8} {:<21} {:>6}  {:>7}  {:>6}   {:>11.1}  {}",
            c.metric,
            c.service,
            c.n,
            c.skipped,
            c.mape_pct.map_or("-".into(), |m| format!("{m:.1}")),
            tolerance,
            match c.result(tolerance) {
                "outside" => "OUTSIDE",
                r => r,
            }
        );
    }
    for why in &ignored {
        say!("(series {why}; not compared)");
    }
    for note in ecsim::import::calibrate::notes(&results) {
        say!("note: {note}");
    }
    let within = !results.is_empty() && outside.is_empty();
    if results.is_empty() {
        say!("verdict: nothing compared (no observed series matched a service of the scenario)");
    } else if within {
        say!(
            "verdict: within {tolerance} % on all {} comparisons",
            results.len()
        );
    } else {
        let few = results.iter().any(|c| c.too_few());
        say!(
            "verdict: {} {tolerance} % on {} of {}: {}",
            if few {
                "OUTSIDE or too few points for"
            } else {
                "OUTSIDE"
            },
            outside.len(),
            results.len(),
            outside.join(", ")
        );
    }
    say!(
        "(one run, with the scenario's seed {}: another seed gives other figures; a sweep over seeds shows how far)",
        spec.seed
    );
    let dir = out.unwrap_or_else(|| Path::new("results/calibrate").join(&spec.name));
    match ecsim::import::calibrate::write_outputs(&dir, &spec.name, &results, tolerance) {
        Ok(files) => say!(
            "wrote {}",
            files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Err(e) => {
            eprintln!("error: {}: {e}", dir.display());
            return ExitCode::from(1);
        }
    }
    if fail_outside && !within {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn load(path: Option<&Path>) -> Result<ecsim::spec::Spec, Diagnostics> {
    match path {
        Some(p) => scenario::load(p),
        None => scenario::load_str(
            scenario::QUICKSTART,
            "<built-in quickstart>",
            Path::new("."),
        ),
    }
}

/// The folder a scenario's relative paths start from.
fn base_dir(path: Option<&Path>) -> PathBuf {
    path.and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn run(
    path: Option<&Path>,
    out: Option<PathBuf>,
    seed: Option<u64>,
    quiet: bool,
    force: bool,
    detail: Option<DetailArg>,
) -> ExitCode {
    let mut spec = match load(path) {
        Ok(s) => s,
        Err(d) => {
            eprintln!("{d}");
            return ExitCode::from(2);
        }
    };
    if let Some(s) = seed {
        spec.seed = s;
    }
    if let Some(d) = detail {
        spec.output.detail = d.into();
    }
    let plan = output::detail::Plan::of(&spec);
    warn(&spec.warnings);
    if !force && let Err(m) = output::estimate::of(&spec).check(&spec, 1) {
        eprintln!("error: {m}");
        return ExitCode::from(2);
    }
    let dir = out.unwrap_or_else(|| Path::new("results").join(&spec.name));
    if !force && !fits_disk(output::estimate::of(&spec).written(), &dir) {
        return ExitCode::from(2);
    }
    // The run is written into a fresh folder beside `dir` and put in its place whole at the end.
    let staged = match output::folder::Staged::begin(&dir, output::folder::Kind::Run) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    let base = base_dir(path);
    let bar = progress::Bar::start(spec.duration_ms, !quiet);
    // The report reads the rows as they are written, beside the simulation (output::report::RunTee).
    let tee = output::report::RunTee::new(spec.warm_up_ms as f64 / 1000.0);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        output::write_run_tee(staged.path(), plan, Some(Box::new(tee)), |sink| {
            let mut s = bar.simulate(&spec, sink);
            s.not_modelled
                .extend(output::not_modelled::task_definition_fields(&spec, &base));
            s
        })
    }));
    bar.finish();
    let (s, tee) = match result {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            eprintln!("error: cannot write results to {}: {e}", dir.display());
            return ExitCode::from(1);
        }
        Err(_) => {
            eprintln!(
                "error: internal error in the simulation (a bug: please report it with the scenario file)"
            );
            return ExitCode::from(1);
        }
    };
    warn(&s.warnings[spec.warnings.len().min(s.warnings.len())..]);
    if !quiet {
        say!(
            "{}: simulated {} in {:.3} s ({} events); {} tasks launched, {} running at the end, {} failed to start; start latency p50 {} s, p99 {} s",
            s.scenario,
            ecsim::time::clock((s.simulated_seconds * 1000.0) as u64),
            s.wall_seconds,
            s.events,
            s.tasks_launched,
            s.tasks_running_at_end,
            s.tasks_failed_to_start,
            s.start_latency_s_p50
                .map_or("-".into(), |v| format!("{v:.1}")),
            s.start_latency_s_p99
                .map_or("-".into(), |v| format!("{v:.1}")),
        );
        if let Some(l) = ecsim::metrics::unconfirmed::note_line(&s.unconfirmed) {
            eprintln!("{l}");
        }
    }
    let report = match tee {
        Some(tee) => output::report::write_run_report_teed(staged.path(), tee),
        None => output::report::write_run_report(staged.path()),
    };
    if let Err(e) = report {
        eprintln!("error: cannot write the report in {}: {e}", dir.display());
        return ExitCode::from(1);
    }
    if let Err(e) = staged.commit() {
        eprintln!("error: {e}");
        return ExitCode::from(e.exit_code());
    }
    if !quiet {
        say!("wrote {}/{{{}}}", dir.display(), plan.files().join(", "));
        say!(
            "wrote {}/report.html and charts in {}/charts/",
            dir.display(),
            dir.display()
        );
    }
    ExitCode::SUCCESS
}

/// Warnings go to stderr, one a line, even with `--quiet` (see `ecsim::warnings`).
fn warn(list: &[ecsim::warnings::Warning]) {
    for w in list {
        eprintln!("warning: {w}");
    }
}

/// `ecsim parquet`: exit 2 when a path is missing or a CSV is malformed, 1 when a file cannot be written.
fn parquet(paths: &[PathBuf], quiet: bool) -> ExitCode {
    use ecsim::output::parquet::{convert, csv_targets};
    let files = match csv_targets(paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for f in files {
        let dest = f.with_extension("parquet");
        // A run's folder lists the copy in its manifest: the next run into it replaces it (docs/outputs.md).
        let converted = convert(&f, &dest).and_then(|c| {
            ecsim::output::folder::add_to_manifest(&f, &dest)
                .map(|()| c)
                .map_err(|source| ecsim::output::parquet::ParquetError::Write {
                    path: dest.clone(),
                    source,
                })
        });
        match converted {
            Ok(c) if !quiet => say!(
                "wrote {} ({} rows, {} columns, {} bytes)",
                dest.display(),
                c.rows,
                c.columns,
                c.bytes
            ),
            Ok(_) => {}
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(e.exit_code());
            }
        }
    }
    ExitCode::SUCCESS
}

fn validate(paths: &[PathBuf]) -> ExitCode {
    let mut bad = false;
    for p in paths {
        match scenario::load(p) {
            Ok(s) => {
                say!(
                    "{}: ok ({} services, {} task definitions, {} capacity providers{})",
                    p.display(),
                    s.services.len(),
                    s.task_definitions.len(),
                    s.providers.len() - 2,
                    match s.warnings.len() {
                        0 => String::new(),
                        1 => "; 1 warning".into(),
                        n => format!("; {n} warnings"),
                    }
                );
                warn(&s.warnings);
            }
            Err(d) => {
                eprintln!("{d}");
                bad = true;
            }
        }
    }
    if bad {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

struct SweepArgs {
    file: PathBuf,
    out: Option<PathBuf>,
    jobs: Option<usize>,
    shard: Option<String>,
    shard_count: Option<usize>,
    keep_runs: bool,
    dry_run: bool,
    quiet: bool,
    force: bool,
}

/// A sweep's or a plan's shard (`--shard`, `--shard-count` or the array-job variables) and `--jobs` (all
/// cores when absent); the message and exit code 2 when either is bad.
fn shard_and_jobs(
    shard: Option<&str>,
    shard_count: Option<usize>,
    jobs: Option<usize>,
) -> Result<(Option<Shard>, usize), ExitCode> {
    let shard = Shard::resolve(shard, shard_count, |k| std::env::var(k).ok()).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    let jobs = match jobs {
        Some(0) => {
            eprintln!("error: --jobs must be at least 1");
            return Err(ExitCode::from(2));
        }
        Some(j) => j,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    Ok((shard, jobs))
}

fn sweep(a: SweepArgs) -> ExitCode {
    let sw = match sweep::load(&a.file) {
        Ok(s) => s,
        Err(d) => {
            eprintln!("{d}");
            return ExitCode::from(2);
        }
    };
    let (shard, jobs) = match shard_and_jobs(a.shard.as_deref(), a.shard_count, a.jobs) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let out = a
        .out
        .unwrap_or_else(|| Path::new("results").join("sweeps").join(&sw.name));
    let in_shard = (0..sw.runs())
        .filter(|&i| shard.is_none_or(|s| s.contains(i)))
        .count();
    let what = format!(
        "{}: {} variants × {} seeds = {} runs{}",
        sw.name,
        sw.variants.len(),
        sw.seeds.len(),
        sw.runs(),
        shard.map_or(String::new(), |s| format!("; shard {s}: {in_shard} runs"))
    );
    if a.dry_run {
        say!("{what}");
        for (i, v) in sw.variants.iter().enumerate() {
            let base = v
                .baseline
                .map_or(String::new(), |b| format!("  (vs {})", sw.variants[b].name));
            say!("  {i:>4}  {}{base}", v.name);
        }
        return ExitCode::SUCCESS;
    }
    if a.keep_runs && !a.force {
        // Every kept run writes its files: the sweep's total against the limit and the disk.
        let runs = sw.seeds.len() as u64;
        for v in &sw.variants {
            if let Err(m) =
                output::estimate::of(&v.spec).check(&v.spec, runs * sw.variants.len() as u64)
            {
                eprintln!("error: --keep-runs: {m}");
                return ExitCode::from(2);
            }
        }
        let needed = sw.variants.iter().fold(0u64, |n, v| {
            n.saturating_add(output::estimate::of(&v.spec).written().saturating_mul(runs))
        });
        if !fits_disk(needed, &out) {
            return ExitCode::from(2);
        }
    }
    if !a.quiet {
        say!("{what}, {jobs} in parallel → {}", out.display());
    }
    let opts = sweep::Options {
        out: out.clone(),
        jobs,
        shard,
        keep_runs: a.keep_runs,
        progress: !a.quiet,
    };
    match sweep::run(&sw, &opts) {
        Ok(o) => {
            // -q silences the terminal only: the report and charts are written either way.
            if !a.quiet {
                let skipped = if o.skipped > 0 {
                    format!(" ({} already done, skipped)", o.skipped)
                } else {
                    String::new()
                };
                say!("ran {} runs in {:.2} s{skipped}", o.ran, o.seconds);
            }
            match (&o.outputs, shard) {
                (Some(outputs), _) => {
                    if !a.quiet {
                        say!("");
                        say!("{}", outputs.table.trim_end());
                        say!("");
                        say!(
                            "wrote {}/{{runs.csv, aggregate.csv, {}variants.csv, table.txt}}",
                            out.display(),
                            if outputs.paired_csv.is_some() {
                                "paired.csv, "
                            } else {
                                ""
                            }
                        );
                    }
                    if let Err(e) = output::report::write_sweep_report(&out) {
                        eprintln!(
                            "error: cannot write the sweep report in {}: {e}",
                            out.display()
                        );
                        return ExitCode::from(1);
                    }
                    if !a.quiet {
                        say!(
                            "wrote {}/report.html and charts in {}/charts/",
                            out.display(),
                            out.display()
                        );
                    }
                }
                (None, Some(s)) if !a.quiet => say!(
                    "shard {s}: {} of {} runs recorded in {}/runs/; when every shard has finished: ecsim merge <shard folders> --out <folder>",
                    o.in_shard,
                    o.runs,
                    out.display()
                ),
                (None, _) => {}
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn merge(dirs: &[PathBuf], out: &Path, quiet: bool) -> ExitCode {
    match sweep::merge(dirs, out) {
        Ok(m) => {
            if !quiet {
                say!(
                    "{}: merged {} runs from {} folders",
                    m.name,
                    m.runs,
                    dirs.len()
                );
                say!("");
                say!("{}", m.outputs.table.trim_end());
                say!("");
                say!(
                    "wrote {}/{{runs.csv, aggregate.csv, {}variants.csv, table.txt}}",
                    out.display(),
                    if m.outputs.paired_csv.is_some() {
                        "paired.csv, "
                    } else {
                        ""
                    }
                );
            }
            if let Err(e) = output::report::write_sweep_report(out) {
                eprintln!(
                    "error: cannot write the sweep report in {}: {e}",
                    out.display()
                );
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Whether the estimated `needed_bytes` fit in the free space of `dir`'s disk; if not, says so with both
/// sizes (stderr) for the caller to exit 2 (issue #20: refused up front, not a disk filled mid-run).
fn fits_disk(needed_bytes: u64, dir: &Path) -> bool {
    match output::space::check(needed_bytes, output::space::free_bytes(dir), dir) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}

fn compare(
    path: &Path,
    out: Option<PathBuf>,
    force: bool,
    opts: ecsim::compare::CompareOptions,
) -> ExitCode {
    // Each variant's full output and report go to OUT/<variant>/, beside compare.csv; the whole OUT is
    // written into a fresh folder and put in place at the end.
    let (name, needed_bytes) = match scenario::load(path) {
        Ok(s) => {
            if !force && let Err(m) = output::estimate::of(&s).check(&s, 4) {
                eprintln!("error: {m}");
                return ExitCode::from(2);
            }
            // Four variants, each with its files.
            let needed = output::estimate::of(&s).written().saturating_mul(4);
            (s.name, needed)
        }
        Err(d) => {
            eprintln!("{d}");
            return ExitCode::from(2);
        }
    };
    let dir = out.unwrap_or_else(|| Path::new("results").join(format!("compare-{name}")));
    if !force && !fits_disk(needed_bytes, &dir) {
        return ExitCode::from(2);
    }
    let staged = match output::folder::Staged::begin(&dir, output::folder::Kind::Compare) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    let base = base_dir(Some(path));
    let run_variant =
        |v: &'static str, spec: &ecsim::spec::Spec| -> Result<ecsim::metrics::Summary, String> {
            let vdir = staged.path().join(v);
            let shown = dir.join(v);
            let plan = output::detail::Plan::of(spec);
            let s = output::write_run_detail(&vdir, plan, |sink| {
                let mut s = sim::simulate(spec, sink);
                s.not_modelled
                    .extend(output::not_modelled::task_definition_fields(spec, &base));
                s
            })
            .map_err(|e| format!("cannot write results to {}: {e}", shown.display()))?;
            output::report::write_run_report(&vdir)
                .map_err(|e| format!("cannot write the report in {}: {e}", shown.display()))?;
            Ok(s)
        };
    let report = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ecsim::compare::compare_with(path, &opts, run_variant)
    })) {
        Ok(Ok(r)) => r,
        Ok(Err(d)) => {
            eprintln!("{d}");
            return ExitCode::from(2);
        }
        Err(_) => {
            eprintln!(
                "error: internal error in the simulation (a bug: please report it with the scenario file)"
            );
            return ExitCode::from(1);
        }
    };
    say_raw!("{}", ecsim::compare::to_table(&report));
    let csv = staged.path().join("compare.csv");
    if let Err(e) = output::atomic::write_atomic(&csv, ecsim::compare::to_csv(&report).as_bytes()) {
        eprintln!("error: cannot write results to {}: {e}", dir.display());
        return ExitCode::from(1);
    }
    if let Err(e) = staged.commit() {
        eprintln!("error: {e}");
        return ExitCode::from(e.exit_code());
    }
    say!(
        "wrote {} and each variant's files, charts and report.html in {}/<variant>/",
        dir.join("compare.csv").display(),
        dir.display()
    );
    ExitCode::SUCCESS
}

fn explain(
    path: &Path,
    service: Option<String>,
    from: Option<String>,
    to: Option<String>,
    task: Option<u64>,
) -> ExitCode {
    let spec = match scenario::load(path) {
        Ok(s) => s,
        Err(d) => {
            eprintln!("{d}");
            return ExitCode::from(2);
        }
    };
    let parse = |v: &Option<String>, flag: &str| -> Result<Option<u64>, ExitCode> {
        match v {
            None => Ok(None),
            Some(s) => scenario::duration::parse_duration_ms(s)
                .map(Some)
                .map_err(|e| {
                    eprintln!("error: --{flag}: {e}");
                    ExitCode::from(2)
                }),
        }
    };
    let (from, to) = match (parse(&from, "from"), parse(&to, "to")) {
        (Ok(a), Ok(b)) => (a.unwrap_or(0), b),
        (Err(c), _) | (_, Err(c)) => return c,
    };
    if let Some(s) = &service
        && !spec.services.iter().any(|x| &x.name == s)
    {
        eprintln!(
            "error: --service: no service named \"{s}\" in {}",
            path.display()
        );
        return ExitCode::from(2);
    }
    let log: sim::ExplainLog = Default::default();
    let mut sink = ecsim::metrics::NullSink;
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        sim::Sim::new(&spec, &mut sink)
            .with_explain(log.clone())
            .run()
    }));
    let summary = match run {
        Ok(s) => s,
        Err(_) => {
            eprintln!(
                "error: internal error in the simulation (a bug: please report it with the scenario file)"
            );
            return ExitCode::from(1);
        }
    };
    warn(&summary.warnings);
    let filter = sim::ExplainFilter {
        service,
        from_ms: from,
        to_ms: to,
        task,
    };
    let lines = log.lock().expect("explain log");
    for l in sim::render_explain(&lines, &filter) {
        say!("{l}");
    }
    ExitCode::SUCCESS
}

// After the macros above, which it uses.
mod plan_cmd;
use plan_cmd::{PlanArgs, plan, plan_merge};
