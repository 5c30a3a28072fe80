//! A plan's runs: one small record file per run (candidate × horizon × seed) under `OUT/runs/`, written
//! whole (`sweep::store::write_atomic`), so a plan killed at any moment resumes where it stopped and a
//! merge of shard folders is a copy of files. A record carries a key (a hash of ecsim's version, the
//! candidate's scenario text, the horizon, the seed and the files the scenario names): a record whose key
//! differs — the plan, the base scenario or ecsim changed — is run again, never reused.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::file::Plan;
use super::space::{self, Cand};
use crate::metrics::{NullSink, Summary};
use crate::sim::simulate;
use crate::sweep::Shard;
use crate::sweep::store::write_atomic;

/// A job's finished runs: (candidate, horizon, seed) and the record.
type Done = Vec<((usize, u64, u64), Rec)>;

/// The folder of run records.
pub const RUNS_DIR: &str = "runs";

/// What one run tells the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rec {
    /// The run's key (see the module doc).
    pub key: String,
    /// Candidate id.
    pub candidate: String,
    /// Horizon, ms.
    pub horizon_ms: u64,
    /// Seed.
    pub seed: u64,
    /// The planned service's own cost over the run, USD: on Fargate its tasks' bill, on EC2 the
    /// candidate's own Auto Scaling groups (`plan-on-demand`, `plan-spot`), idle capacity included —
    /// not the base's other services (as `ecsim compare`).
    pub cost_usd: f64,
    /// Simulated seconds (the run's length).
    pub simulated_s: f64,
    /// The planned service's bad SLO time, ms.
    pub bad_ms: u64,
    /// The planned service's measured time, ms.
    pub measured_ms: u64,
    /// Why the service could not place its tasks, when it could not.
    pub placement_problem: Option<String>,
    /// The service's requests: total, served, dropped (after the warm-up).
    pub requests: Option<[f64; 3]>,
    /// Tasks wanted but unplaced at the end.
    pub unplaced_at_end: u32,
}

impl Rec {
    /// Good minutes ÷ measured minutes (0 when nothing was measured: no minute was good).
    pub fn attainment(&self) -> f64 {
        if self.measured_ms == 0 {
            0.0
        } else {
            1.0 - self.bad_ms as f64 / self.measured_ms as f64
        }
    }
}

/// One unit of work: a candidate at a horizon with some seeds (its scenario is loaded once).
#[derive(Debug, Clone)]
pub struct Job {
    /// Candidate index.
    pub cand: usize,
    /// Horizon, ms.
    pub horizon_ms: u64,
    /// Seeds wanted.
    pub seeds: Vec<u64>,
}

/// Where runs go and how.
#[derive(Debug, Clone)]
pub struct Runner {
    /// The plan's folder.
    pub out: PathBuf,
    /// Threads.
    pub jobs: usize,
    /// This process's shard, if any.
    pub shard: Option<Shard>,
    /// The files the scenarios name, hashed once.
    pub files_hash: String,
    /// Progress lines on stderr.
    pub progress: bool,
}

/// A batch stopped before every run was recorded.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchError {
    /// Other shards' runs are missing (this shard did its share).
    Incomplete {
        /// Runs of the batch recorded.
        done: usize,
        /// Runs in the batch.
        total: usize,
    },
    /// A run failed or a file could not be written.
    Failed(String),
}

/// FNV-1a, 64-bit, from an offset basis.
fn fnv1a(bytes: &[u8], mut h: u64) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Two FNV-1a streams: a 128-bit identity of the parts (not a cryptographic hash).
pub fn hash(parts: &[&[u8]]) -> String {
    let (mut a, mut b) = (0xcbf2_9ce4_8422_2325_u64, 0x6c62_272e_07bb_0142_u64);
    for p in parts {
        a = fnv1a(&[0], fnv1a(p, a));
        b = fnv1a(&[0xff], fnv1a(p, b));
    }
    format!("{a:016x}{b:016x}")
}

/// The hash of the files the base scenario names (traces, task-definition JSON), by name and content.
pub fn files_hash(plan: &Plan) -> String {
    let mut names = std::collections::BTreeSet::new();
    fn strings(v: &toml::Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            toml::Value::String(s) => {
                out.insert(s.clone());
            }
            toml::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            toml::Value::Table(t) => t.values().for_each(|x| strings(x, out)),
            _ => {}
        }
    }
    plan.base.values().for_each(|v| strings(v, &mut names));
    let mut parts: Vec<Vec<u8>> = vec![env!("CARGO_PKG_VERSION").as_bytes().to_vec()];
    for n in names {
        let p = plan.base_dir.join(&n);
        if p.is_file()
            && let Ok(bytes) = fs::read(&p)
        {
            parts.push(n.into_bytes());
            parts.push(bytes);
        }
    }
    let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
    hash(&refs)
}

/// The record file's name.
pub fn rec_file(id: &str, horizon_ms: u64, seed: u64) -> String {
    format!("{id}-h{horizon_ms}-seed{seed}.json")
}

/// Candidate id of index `i`.
pub fn cand_id(i: usize) -> String {
    format!("c{i:04}")
}

impl Runner {
    /// Run what the jobs need and is not yet recorded (this shard's share), and return every record of
    /// the batch, or say which runs other shards still owe.
    pub fn batch(
        &self,
        plan: &Plan,
        cands: &[Cand],
        jobs: &[Job],
        what: &str,
    ) -> Result<BTreeMap<(usize, u64, u64), Rec>, BatchError> {
        let dir = self.out.join(RUNS_DIR);
        fs::create_dir_all(&dir)
            .map_err(|e| BatchError::Failed(format!("cannot create {}: {e}", dir.display())))?;
        // Keys first (scenario texts; cheap), then what is recorded.
        let keyed: Vec<(usize, String, Vec<u64>)> = jobs
            .iter()
            .enumerate()
            .map(|(j, job)| {
                let text = space::scenario_text(plan, &cands[job.cand], job.horizon_ms)
                    .map_err(|e| BatchError::Failed(e.to_string()))?;
                Ok((j, text, job.seeds.clone()))
            })
            .collect::<Result<_, BatchError>>()?;
        let mut found = BTreeMap::new();
        let mut todo: Vec<(usize, Vec<u64>)> = Vec::new();
        let mut index = 0usize;
        let mut total = 0usize;
        for (j, text, seeds) in &keyed {
            let job = &jobs[*j];
            let id = cand_id(job.cand);
            let mut mine = Vec::new();
            for &s in seeds {
                total += 1;
                let key = self.key(text, job.horizon_ms, s);
                match read(&dir.join(rec_file(&id, job.horizon_ms, s)), &key) {
                    Some(r) => {
                        found.insert((job.cand, job.horizon_ms, s), r);
                    }
                    None if self.shard.is_none_or(|sh| sh.contains(index)) => mine.push(s),
                    None => {}
                }
                index += 1;
            }
            if !mine.is_empty() {
                todo.push((*j, mine));
            }
        }
        let n_todo: usize = todo.iter().map(|t| t.1.len()).sum();
        if self.progress && n_todo > 0 {
            eprintln!("{what}: {n_todo} runs to do ({} recorded)", found.len());
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.jobs.max(1))
            .build()
            .map_err(|e| BatchError::Failed(format!("cannot start {} threads: {e}", self.jobs)))?;
        let results: Vec<Result<Done, JobError>> = pool.install(|| {
            todo.par_iter()
                .with_max_len(1)
                .map(|(j, seeds)| {
                    let ec2 = !cands[jobs[*j].cand].launch.is_fargate();
                    self.run_job(plan, &jobs[*j], ec2, &keyed[*j].1, seeds, &dir)
                })
                .collect()
        });
        let mut failures = Vec::new();
        for r in results {
            match r {
                Ok(recs) => {
                    for (k, r) in recs {
                        found.insert(k, r);
                    }
                }
                Err(e) => failures.push(e),
            }
        }
        if !failures.is_empty() {
            let n = failures.len();
            let mut msg: Vec<String> = failures.iter().take(5).map(|e| e.to_string()).collect();
            msg.push(format!("{n} candidates' runs failed; the runs that finished are recorded and a rerun skips them"));
            return Err(BatchError::Failed(msg.join("\n")));
        }
        if found.len() < total {
            return Err(BatchError::Incomplete {
                done: found.len(),
                total,
            });
        }
        Ok(found)
    }

    fn key(&self, text: &str, horizon_ms: u64, seed: u64) -> String {
        hash(&[
            // `/2`: records before it held the whole run's cost, other services included.
            b"ecsim-plan/2",
            self.files_hash.as_bytes(),
            text.as_bytes(),
            horizon_ms.to_string().as_bytes(),
            seed.to_string().as_bytes(),
        ])
    }

    fn run_job(
        &self,
        plan: &Plan,
        job: &Job,
        ec2: bool,
        text: &str,
        seeds: &[u64],
        dir: &Path,
    ) -> Result<Done, JobError> {
        let id = cand_id(job.cand);
        let label = format!("{} (candidate {id})", plan.base_label);
        let spec = crate::scenario::load_str(text, &label, &plan.base_dir)
            .map_err(|d| JobError::Scenario(Box::new(d)))?;
        let mut out = Vec::new();
        for &seed in seeds {
            let mut s = spec.clone();
            s.seed = seed;
            let what = || format!("candidate {id} seed {seed}");
            let summary = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                crate::metrics::finite::checked(&mut NullSink, |sink| simulate(&s, sink))
            }))
            .map_err(|_| JobError::Panic { what: what() })?
            .map_err(|source| JobError::NotFinite {
                what: what(),
                source,
            })?;
            let rec = record(
                &plan.service,
                ec2,
                &summary,
                self.key(text, job.horizon_ms, seed),
                &id,
                job.horizon_ms,
                seed,
            );
            let path = dir.join(rec_file(&id, job.horizon_ms, seed));
            let mut bytes = serde_json::to_vec(&rec)?;
            bytes.push(b'\n');
            write_atomic(&path, &bytes).map_err(|source| JobError::Write {
                what: what(),
                path: path.clone(),
                source,
            })?;
            out.push(((job.cand, job.horizon_ms, seed), rec));
        }
        Ok(out)
    }
}

/// The record of a finished run.
/// Why one candidate's runs stopped (`what` names the candidate and seed).
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Its scenario did not load.
    #[error("{0}")]
    Scenario(Box<crate::scenario::Diagnostics>),
    /// The simulation panicked.
    #[error("{what}: internal error in the simulation (a bug: please report it)")]
    Panic {
        /// The candidate and seed.
        what: String,
    },
    /// A figure was not finite.
    #[error("{what}: {source}")]
    NotFinite {
        /// The candidate and seed.
        what: String,
        /// Which figure.
        source: crate::metrics::finite::NotFinite,
    },
    /// Its record did not serialise.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// Its record could not be written.
    #[error("{what}: cannot write {}: {source}", path.display())]
    Write {
        /// The candidate and seed.
        what: String,
        /// The record file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

fn record(
    svc: &str,
    ec2: bool,
    s: &Summary,
    key: String,
    id: &str,
    horizon_ms: u64,
    seed: u64,
) -> Rec {
    let f = s.services.iter().find(|f| f.name == svc);
    let slo = f.and_then(|f| f.slo);
    // The service's own cost: on EC2 the candidate's groups hold only its tasks (and the base's
    // daemons), so the whole of their bill; on Fargate its tasks' bill.
    let cost_usd = if ec2 {
        s.cost_by_provider_usd
            .iter()
            .filter(|(n, _)| n == "plan-on-demand" || n == "plan-spot")
            .map(|(_, c)| c)
            .sum()
    } else {
        s.cost_by_service_usd
            .iter()
            .find(|(n, _)| n == svc)
            .map_or(0.0, |(_, c)| *c)
    };
    Rec {
        key,
        candidate: id.to_string(),
        horizon_ms,
        seed,
        cost_usd,
        simulated_s: s.simulated_seconds,
        bad_ms: slo.map_or(0, |o| o.bad_ms),
        measured_ms: slo.map_or(0, |o| o.measured_ms),
        placement_problem: s
            .placement_problems
            .iter()
            .find(|(n, _)| n == svc)
            .map(|(_, r)| r.clone()),
        requests: f.and_then(|f| f.requests),
        unplaced_at_end: f.map_or(0, |f| f.unplaced_at_end),
    }
}

/// A record file, when it exists, parses and has this key.
fn read(path: &Path, key: &str) -> Option<Rec> {
    let bytes = fs::read(path).ok()?;
    let r: Rec = serde_json::from_slice(&bytes).ok()?;
    (r.key == key).then_some(r)
}
