//! Experiments: grids of variants × seeds run in parallel (issue #7). `docs/sweeps.md` is the user guide.
//!
//! A sweep file names a base scenario, the values to vary (`[vary]`: the cartesian product; `[[zip]]`:
//! lists that move together), named `[[variants]]`, the `seeds` and a `baseline`. [`load`] expands it into
//! one checked scenario per variant ([`file`], paths in [`paths`]); [`run`] runs the variants × seeds on a
//! rayon pool, each finished run writing its own record file whole ([`store`]), so an interrupted sweep
//! resumes where it stopped; the outputs are built from the record files alone ([`report`], statistics in
//! [`stats`]), so they do not depend on `--jobs`, on resumption, or on how the runs were split into
//! [`shard`]s and merged ([`merge`]). Variants run with the same seed share every random stream (common
//! random numbers), which is what makes the paired differences against the baseline tight.
//!
//! Must not: hold more than one summary's figures per run; let a `HashMap` order reach an output.

pub mod file;
pub mod paths;
pub mod report;
pub mod runner;
pub mod shard;
pub mod stats;
pub mod store;

use std::fmt;
use std::path::{Path, PathBuf};

pub use file::{GridDim, Sweep, Variant, load, load_str};
pub use report::Outputs;
pub use runner::{Options, Outcome, run};
pub use shard::Shard;
use store::Manifest;

/// Why a sweep or a merge stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Bad input: a folder of another sweep, missing runs, a bad shard (exit code 2).
    Input(String),
    /// A run failed or a file could not be written (exit code 1).
    Failed(String),
}

impl Error {
    /// The process exit code: 2 for bad input, 1 for a failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Input(_) => 2,
            Error::Failed(_) => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (Error::Input(m) | Error::Failed(m)) = self;
        for (i, line) in m.lines().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// What a merge did.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The sweep's name.
    pub name: String,
    /// Runs merged.
    pub runs: usize,
    /// The outputs written.
    pub outputs: Outputs,
}

/// Merge the folders of a sweep's shards into `out`: the same `runs.csv`, `aggregate.csv`, `paired.csv`
/// and `variants.csv` a single machine writes, and every run's record under `out/runs/`. Refuses folders
/// of different sweeps, and names the runs no folder holds.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Merged, Error> {
    let mut first: Option<(&PathBuf, Manifest)> = None;
    for d in dirs {
        let m = Manifest::read(d).map_err(|e| Error::Input(e.to_string()))?.ok_or_else(|| {
            Error::Input(format!(
                "{} is not a sweep folder (it has no {}): give the --out folders of `ecsim sweep`",
                d.display(),
                store::MANIFEST
            ))
        })?;
        match &first {
            None => first = Some((d, m)),
            Some((fd, fm)) if fm.grid_hash != m.grid_hash => {
                return Err(Error::Input(format!(
                    "cannot merge shards of different sweeps: {} holds `{}` (grid {}) but {} holds `{}` (grid {}); \
                     every shard must run the same sweep file, base scenario and ecsim version",
                    fd.display(),
                    fm.name,
                    &fm.grid_hash[..12.min(fm.grid_hash.len())],
                    d.display(),
                    m.name,
                    &m.grid_hash[..12.min(m.grid_hash.len())]
                )));
            }
            Some(_) => {}
        }
    }
    let Some((_, m)) = first else {
        return Err(Error::Input(
            "give at least one sweep folder to merge".into(),
        ));
    };
    runner::claim(out, &m)?;
    let outputs = runner::finish(&m, dirs, out)?;
    Ok(Merged {
        name: m.name.clone(),
        runs: m.runs(),
        outputs,
    })
}
