//! Capacity planning (issue #22): the cheapest configuration of a service that meets its SLO, searched for
//! the user. `docs/plan.md` is the user guide.
//!
//! A plan file ([`file`]) names a base scenario, the service, the SLO and a search space in AWS's terms;
//! [`space`] expands it into candidates (each an edit of the base scenario's TOML, invalid combinations
//! skipped); [`race`] searches them, running candidates × seeds on a rayon pool through [`runs`], whose
//! record files make a plan resumable and shardable; [`outcome`] is the plain result the outputs
//! ([`outputs`]: `plan.csv`, `pareto.csv`, `best.toml`, the printed summary) are built from.
//!
//! Must not: let a `HashMap` order or a thread's timing reach an output.

pub mod file;
pub mod outcome;
pub mod outputs;
pub mod race;
pub mod runs;
pub mod space;

use std::fmt;
use std::path::{Path, PathBuf};

pub use file::{Plan, load, load_str};
pub use outcome::{
    Candidate, Interval, Launch, PlanOutcome, RuleUse, SearchMode, SloTarget, Status,
};

use crate::sweep::Shard;

/// Why a plan stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Bad input (exit code 2).
    Input(String),
    /// This shard did its share of a round; the others' runs are missing (exit code 3).
    Incomplete(String),
    /// A run failed or a file could not be written (exit code 1).
    Failed(String),
}

impl Error {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Input(_) => 2,
            Error::Incomplete(_) => 3,
            Error::Failed(_) => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (Error::Input(m) | Error::Incomplete(m) | Error::Failed(m)) = self;
        for (i, line) in m.lines().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "{}{line}",
                if matches!(self, Error::Incomplete(_)) {
                    ""
                } else {
                    "error: "
                }
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// How to run a plan.
#[derive(Debug, Clone)]
pub struct Options {
    /// The plan's folder.
    pub out: PathBuf,
    /// Threads.
    pub jobs: usize,
    /// This process's shard.
    pub shard: Option<Shard>,
    /// Racing or exhaustive.
    pub mode: SearchMode,
    /// Progress lines on stderr.
    pub progress: bool,
}

/// The default output folder of a plan.
pub fn default_out(plan: &Plan) -> PathBuf {
    Path::new("results").join("plans").join(&plan.name)
}

/// Run a plan into `opts.out` (resuming from the records there) and write its outputs.
pub fn run(plan: &Plan, opts: &Options) -> Result<PlanOutcome, Error> {
    let cands = space::candidates(plan);
    let runner = runs::Runner {
        out: opts.out.clone(),
        jobs: opts.jobs,
        shard: opts.shard,
        files_hash: runs::files_hash(plan),
        progress: opts.progress,
    };
    let searched = race::search(plan, &cands, &runner, opts.mode).map_err(|e| match e {
        race::Stop::Incomplete { what, done, total } => Error::Incomplete(format!(
            "shard {}: did its share of the round ({what}); {done} of {total} runs of the round are recorded in {}. \
             When every shard has finished, merge their folders (`ecsim plan merge DIRS --out DIR`) and run the plan \
             again into the merged folder (or run every shard again, if they share one folder): each round continues the same way",
            opts.shard.map_or("-".into(), |s| s.to_string()),
            opts.out.display()
        )),
        race::Stop::Failed(m) => Error::Failed(m),
    })?;
    let outcome = outputs::outcome(plan, &cands, &searched, opts.mode);
    outputs::write(plan, &cands, &outcome, &opts.out).map_err(|e| Error::Failed(e.to_string()))?;
    crate::output::report::write_plan_report(&opts.out, &outcome).map_err(|e| {
        Error::Failed(format!(
            "cannot write the report in {}: {e}",
            opts.out.display()
        ))
    })?;
    Ok(outcome)
}

/// Merge shard folders of a plan into `out`: every run record copied (the first valid one of each name
/// wins). Then run the plan into `out` to continue. Returns the number of records copied.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<usize, Error> {
    let dest = out.join(runs::RUNS_DIR);
    std::fs::create_dir_all(&dest)
        .map_err(|e| Error::Failed(format!("cannot create {}: {e}", dest.display())))?;
    let mut copied = 0;
    for d in dirs {
        let src = d.join(runs::RUNS_DIR);
        let entries = std::fs::read_dir(&src).map_err(|e| {
            Error::Input(format!(
                "{} is not a plan folder (cannot read {}: {e})",
                d.display(),
                src.display()
            ))
        })?;
        let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        names.sort();
        for p in names {
            let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if !name.ends_with(".json") || name.starts_with('.') {
                continue;
            }
            let target = dest.join(name);
            if target.exists() {
                continue;
            }
            let Ok(bytes) = std::fs::read(&p) else {
                continue;
            };
            if serde_json::from_slice::<runs::Rec>(&bytes).is_err() {
                continue;
            }
            crate::sweep::store::write_atomic(&target, &bytes)
                .map_err(|e| Error::Failed(format!("cannot write {}: {e}", target.display())))?;
            copied += 1;
        }
    }
    Ok(copied)
}
