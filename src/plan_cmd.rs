//! `ecsim plan` and `ecsim plan merge` on the command line (the search itself is `ecsim::plan`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::shard_and_jobs;

/// `ecsim plan`'s command-line arguments.
pub(crate) struct PlanArgs {
    pub(crate) file: Option<PathBuf>,
    pub(crate) out: Option<PathBuf>,
    pub(crate) jobs: Option<usize>,
    pub(crate) exhaustive: bool,
    pub(crate) shard: Option<String>,
    pub(crate) shard_count: Option<usize>,
    pub(crate) dry_run: bool,
    pub(crate) quiet: bool,
}

/// `ecsim plan`: exit 2 on a bad plan, 3 when a shard did its share of a round and others are missing.
pub(crate) fn plan(a: PlanArgs) -> ExitCode {
    use ecsim::plan;
    let Some(file) = a.file else {
        eprintln!(
            "error: give a plan file (ecsim plan PLAN.toml), or `ecsim plan merge DIRS --out DIR`"
        );
        return ExitCode::from(2);
    };
    let p = match plan::load(&file) {
        Ok(p) => p,
        Err(d) => {
            eprintln!("{d}");
            return ExitCode::from(2);
        }
    };
    let (shard, jobs) = match shard_and_jobs(a.shard.as_deref(), a.shard_count, a.jobs) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let cands = plan::space::candidates(&p);
    let valid = cands.iter().filter(|c| c.skip.is_none()).count();
    if a.dry_run || !a.quiet {
        say!(
            "{}: {} candidates ({} valid, {} skipped as invalid) × up to {} seeds; horizon {} s",
            p.name,
            cands.len(),
            valid,
            cands.len() - valid,
            p.seeds.len(),
            p.horizon_ms / 1000
        );
    }
    if a.dry_run {
        return ExitCode::SUCCESS;
    }
    let out = a.out.unwrap_or_else(|| plan::default_out(&p));
    let opts = plan::Options {
        out: out.clone(),
        jobs,
        shard,
        mode: if a.exhaustive {
            plan::SearchMode::Exhaustive
        } else {
            plan::SearchMode::Racing
        },
        progress: !a.quiet,
    };
    match plan::run(&p, &opts) {
        Ok(o) => {
            for w in &o.warnings {
                eprintln!("warning: {w}");
            }
            if !a.quiet {
                say!("{}", plan::outputs::summary(&o).trim_end());
                say!(
                    "wrote {}/{{plan.csv, pareto.csv, rules.csv, summary.txt{}}}",
                    out.display(),
                    if o.recommendation.is_some() {
                        ", best.toml"
                    } else {
                        ""
                    }
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// `ecsim plan merge`.
pub(crate) fn plan_merge(dirs: &[PathBuf], out: &Path) -> ExitCode {
    match ecsim::plan::merge(dirs, out) {
        Ok(n) => {
            say!(
                "copied {n} run records into {}; run the plan into it to continue",
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}
