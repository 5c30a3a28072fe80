//! `ecsim`: a thin command line over the library. Exit codes: 0 success, 1 simulation or I/O error,
//! 2 bad input (the message names the file, line and field).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use ecsim::output;
use ecsim::scenario::{self, Diagnostics};
use ecsim::sim;

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
    },
    /// Check scenario files and print every problem; exit 2 if any.
    Validate {
        /// Scenario TOML files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => run(None, None, None, false),
        Some(Command::Run {
            scenario,
            out,
            seed,
            quiet,
        }) => run(scenario.as_deref(), out, seed, quiet),
        Some(Command::Validate { scenarios }) => validate(&scenarios),
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

fn run(path: Option<&Path>, out: Option<PathBuf>, seed: Option<u64>, quiet: bool) -> ExitCode {
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
    let dir = out.unwrap_or_else(|| Path::new("results").join(&spec.name));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        output::write_run(&dir, |sink| sim::simulate(&spec, sink))
    }));
    match result {
        Ok(Ok(s)) => {
            if !quiet {
                println!(
                    "{}: simulated {} in {:.3} s ({} events); {} tasks launched, {} running at the end, {} failed to start; start latency p50 {} s, p99 {} s",
                    s.scenario,
                    output::clock((s.simulated_seconds * 1000.0) as u64),
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
                println!(
                    "wrote {}/{{summary.json, timeseries.csv, tasks.csv, events.csv}}",
                    dir.display()
                );
            }
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("error: cannot write results to {}: {e}", dir.display());
            ExitCode::from(1)
        }
        Err(_) => {
            eprintln!(
                "error: internal error in the simulation (a bug: please report it with the scenario file)"
            );
            ExitCode::from(1)
        }
    }
}

fn validate(paths: &[PathBuf]) -> ExitCode {
    let mut bad = false;
    for p in paths {
        match scenario::load(p) {
            Ok(s) => println!(
                "{}: ok ({} services, {} task definitions, {} capacity providers)",
                p.display(),
                s.services.len(),
                s.task_definitions.len(),
                s.providers.len() - 2
            ),
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
