//! A sweep's folder: the manifest `sweep.json`, one small file per finished run under `runs/`, and files
//! written whole (`output::atomic`: an exclusively created temporary name, then a rename), so a sweep killed at any moment leaves only complete files.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::file::{GridDim, Sweep};

/// Version of the folder layout.
pub const FORMAT: u32 = 1;
/// The manifest's file name.
pub const MANIFEST: &str = "sweep.json";
/// The folder of run files.
pub const RUNS_DIR: &str = "runs";

/// `sweep.json`: what a folder holds results of. Everything needed to build the outputs from the run
/// files, so `ecsim merge` needs no sweep file. Identical in every shard (no shard, host or time in it),
/// so shards may share one folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Layout version.
    pub format: u32,
    /// The ecsim that wrote it.
    pub ecsim_version: String,
    /// Sweep name.
    pub name: String,
    /// Hash of the expanded grid (see [`Sweep::grid_hash`]); folders with different hashes never mix.
    pub grid_hash: String,
    /// Seeds, in order.
    pub seeds: Vec<u64>,
    /// Varied scenario paths.
    pub parameters: Vec<String>,
    /// Variants, in order.
    pub variants: Vec<ManifestVariant>,
    /// Figures of the printed table.
    pub headline: Vec<String>,
    /// The grid's dimensions, slowest first (see [`Sweep::grid`]); absent from the file when empty and in
    /// the files of ecsim before it, so those still read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grid: Vec<GridDim>,
}

/// One variant in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestVariant {
    /// Name.
    pub name: String,
    /// Name of the variant it is compared against, if any.
    pub baseline: Option<String>,
    /// Values of the manifest's parameters.
    pub values: Vec<String>,
}

impl Manifest {
    /// The manifest of a sweep.
    pub fn of(s: &Sweep) -> Manifest {
        Manifest {
            format: FORMAT,
            ecsim_version: env!("CARGO_PKG_VERSION").to_string(),
            name: s.name.clone(),
            grid_hash: s.grid_hash.clone(),
            seeds: s.seeds.clone(),
            parameters: s.parameters.clone(),
            variants: s
                .variants
                .iter()
                .map(|v| ManifestVariant {
                    name: v.name.clone(),
                    baseline: v.baseline.map(|b| s.variants[b].name.clone()),
                    values: v.values.clone(),
                })
                .collect(),
            headline: s.headline.clone(),
            grid: s.grid.clone(),
        }
    }

    /// Number of runs.
    pub fn runs(&self) -> usize {
        self.variants.len() * self.seeds.len()
    }

    /// Variant and seed of run `i` (variant-major).
    pub fn run(&self, i: usize) -> (usize, u64) {
        (i / self.seeds.len(), self.seeds[i % self.seeds.len()])
    }

    /// Read `dir/sweep.json`: `Ok(None)` when there is none.
    pub fn read(dir: &Path) -> Result<Option<Manifest>, ManifestError> {
        let path = dir.join(MANIFEST);
        match fs::read_to_string(&path) {
            Ok(t) => serde_json::from_str(&t)
                .map(Some)
                .map_err(|source| ManifestError::Invalid { path, source }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(ManifestError::Read { path, source }),
        }
    }

    /// Write `dir/sweep.json` whole.
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        write_atomic(&dir.join(MANIFEST), text.as_bytes())
    }
}

/// A folder's `sweep.json` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Not JSON of a sweep manifest.
    #[error("{} is not a sweep manifest: {source}", path.display())]
    Invalid {
        /// The file.
        path: std::path::PathBuf,
        /// What the parser said.
        source: serde_json::Error,
    },
    /// It could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// One finished run: the summary's figures as CSV cells (empty for null).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The sweep it belongs to.
    pub grid_hash: String,
    /// Variant index.
    pub variant: usize,
    /// Variant name (for people reading the file).
    pub variant_name: String,
    /// Seed.
    pub seed: u64,
    /// Figure name (`tasks.start_latency_s_p50`) → cell.
    pub metrics: BTreeMap<String, String>,
}

/// File name of a run's record.
pub fn run_file(variant: usize, seed: u64) -> String {
    format!("v{variant:04}-seed{seed}.json")
}

/// Folder of a run's full outputs (`--keep-runs`).
pub fn run_dir(out: &Path, variant: usize, seed: u64) -> PathBuf {
    out.join(RUNS_DIR).join(format!("v{variant:04}-seed{seed}"))
}

/// The record of run `i` in `dir`, if its file exists, parses and belongs to this sweep and run.
pub fn read_record(dir: &Path, m: &Manifest, i: usize) -> Option<(RunRecord, Vec<u8>)> {
    let (v, seed) = m.run(i);
    let bytes = fs::read(dir.join(RUNS_DIR).join(run_file(v, seed))).ok()?;
    let r: RunRecord = serde_json::from_slice(&bytes).ok()?;
    (r.grid_hash == m.grid_hash && r.variant == v && r.seed == seed).then_some((r, bytes))
}

/// The names of the files in `dir/runs/` (one directory read, so a fresh sweep does not probe every run).
pub fn run_files(dir: &Path) -> std::collections::HashSet<String> {
    fs::read_dir(dir.join(RUNS_DIR))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Serialize a record for its file.
pub fn record_bytes(r: &RunRecord) -> Vec<u8> {
    let mut b = serde_json::to_vec(r).expect("a record serializes");
    b.push(b'\n');
    b
}

/// Write a file whole: the crate's one atomic write (exclusive temporary file, then rename).
pub use crate::output::atomic::write_atomic;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_writers_of_one_file_leave_one_whole_version() {
        // Shards sharing a folder all write sweep.json (the same bytes); here different bytes, to see
        // that every version is written whole and none is mixed with another.
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("sweep.json");
        let versions: Vec<Vec<u8>> = (0..4u8).map(|k| vec![b'a' + k; 64 * 1024]).collect();
        std::thread::scope(|s| {
            for v in &versions {
                let p = &p;
                s.spawn(move || {
                    for _ in 0..20 {
                        write_atomic(p, v).unwrap();
                    }
                });
            }
        });
        let last = fs::read(&p).unwrap();
        assert!(versions.contains(&last), "a whole version, not a mix");
        assert_eq!(
            fs::read_dir(tmp.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn run_names() {
        assert_eq!(run_file(3, 7), "v0003-seed7.json");
        assert_eq!(run_file(12345, 1), "v12345-seed1.json");
    }
}
