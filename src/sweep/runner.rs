//! Running a sweep: the runs not yet done (of this shard) on a rayon pool, one run per task, each writing
//! its record file whole as it finishes; then the outputs, built from the record files.

use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use super::Error;
use super::file::Sweep;
use super::report::{self, Outputs};
use super::shard::Shard;
use super::store::{self, Manifest, RunRecord};
use crate::metrics::NullSink;
use crate::metrics::names::metric_cells;
use crate::output;
use crate::sim::simulate;

/// How to run a sweep.
#[derive(Debug, Clone)]
pub struct Options {
    /// Output folder.
    pub out: PathBuf,
    /// Threads (runs in parallel).
    pub jobs: usize,
    /// Run only this shard's runs (and build no outputs).
    pub shard: Option<Shard>,
    /// Also write each run's four files under `OUT/runs/vNNNN-seedS/`.
    pub keep_runs: bool,
    /// Show progress (a bar on a terminal, a line every 10% otherwise), on stderr.
    pub progress: bool,
}

/// What a sweep did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Runs in the whole sweep.
    pub runs: usize,
    /// Runs in this shard (all of them without a shard).
    pub in_shard: usize,
    /// Runs found finished in the folder and skipped.
    pub skipped: usize,
    /// Runs simulated now.
    pub ran: usize,
    /// Wall-clock seconds of the runs.
    pub seconds: f64,
    /// The outputs (not for a shard).
    pub outputs: Option<Outputs>,
}

/// Check the folder's manifest against this sweep and write it: a folder holding another sweep's results
/// is refused, so resumed and merged results never mix sweeps.
pub fn claim(out: &Path, m: &Manifest) -> Result<(), Error> {
    output::folder::check_sweep(out).map_err(|e| match e {
        output::folder::Error::Refused(m) => Error::Input(m),
        output::folder::Error::Io(m) => Error::Failed(m),
    })?;
    fs::create_dir_all(out.join(store::RUNS_DIR))
        .map_err(|e| Error::Failed(format!("cannot create {}: {e}", out.display())))?;
    match Manifest::read(out).map_err(|e| Error::Input(e.to_string()))? {
        Some(old) if old.grid_hash != m.grid_hash => {
            return Err(Error::Input(format!(
                "{} holds results of a different sweep (`{}`, grid {}; this sweep `{}` has grid {}): the variants, \
                 seeds, base scenario or ecsim version changed. Use another --out folder, or delete this one to start over",
                out.display(),
                old.name,
                short(&old.grid_hash),
                m.name,
                short(&m.grid_hash)
            )));
        }
        Some(old) if old == *m => return Ok(()),
        _ => {}
    }
    m.write(out).map_err(|e| {
        Error::Failed(format!(
            "cannot write {}: {e}",
            out.join(store::MANIFEST).display()
        ))
    })
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

/// Run a sweep (or one shard of it) into `opts.out`, skipping runs already recorded there.
pub fn run(sweep: &Sweep, opts: &Options) -> Result<Outcome, Error> {
    let t0 = Instant::now();
    let m = Manifest::of(sweep);
    claim(&opts.out, &m)?;
    let runs = m.runs();
    let mine: Vec<usize> = (0..runs)
        .filter(|&i| opts.shard.is_none_or(|s| s.contains(i)))
        .collect();
    // Records already in the folder (a resumed sweep); the rest is to do.
    let mut records: Vec<Option<RunRecord>> = vec![None; runs];
    let mut todo = Vec::new();
    let present = store::run_files(&opts.out);
    for &i in &mine {
        let (v, seed) = m.run(i);
        if !present.contains(&store::run_file(v, seed)) {
            todo.push(i);
            continue;
        }
        match store::read_record(&opts.out, &m, i) {
            Some((r, _)) => records[i] = Some(r),
            None => todo.push(i),
        }
    }
    let skipped = mine.len() - todo.len();

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .map_err(|e| Error::Failed(format!("cannot start {} threads: {e}", opts.jobs)))?;
    if opts.keep_runs {
        // Once per sweep, not per run: the folders of runs killed while being written.
        output::folder::clean_stale(&opts.out.join(store::RUNS_DIR));
    }
    let progress = Progress::new(&sweep.name, todo.len(), opts.progress);
    let results: Vec<Result<RunRecord, RunFailed>> = pool.install(|| {
        todo.par_iter()
            .with_max_len(1)
            .map(|&i| {
                let r = run_one(sweep, &m, &opts.out, i, opts.keep_runs);
                progress.tick();
                r
            })
            .collect()
    });
    progress.finish();
    let mut failures = Vec::new();
    for (&i, r) in todo.iter().zip(results) {
        match r {
            Ok(rec) => records[i] = Some(rec),
            Err(e) => failures.push(e.to_string()),
        }
    }
    if !failures.is_empty() {
        let n = failures.len();
        let mut msg = failures.into_iter().take(10).collect::<Vec<_>>().join("\n");
        if n > 10 {
            msg.push_str(&format!("\n… and {} more", n - 10));
        }
        msg.push_str(&format!(
            "\n{n} of {} runs failed; the others are recorded in {} and a rerun skips them",
            todo.len(),
            opts.out.display()
        ));
        return Err(Error::Failed(msg));
    }
    let seconds = t0.elapsed().as_secs_f64();
    let outputs = match opts.shard {
        Some(_) => None,
        None => {
            // Every record is now in memory exactly as in its file (the figures are strings).
            let records: Vec<RunRecord> = records
                .into_iter()
                .map(|r| r.expect("every run of an unsharded sweep is recorded"))
                .collect();
            Some(write_outputs(&m, &records, &opts.out)?)
        }
    };
    Ok(Outcome {
        runs,
        in_shard: mine.len(),
        skipped,
        ran: todo.len(),
        seconds,
        outputs,
    })
}

/// One run of a sweep that failed: which, and why.
#[derive(Debug, thiserror::Error)]
#[error("run of variant `{variant}` with seed {seed}: {cause}")]
struct RunFailed {
    variant: String,
    seed: u64,
    cause: Cause,
}

/// What went wrong in one run.
#[derive(Debug, thiserror::Error)]
enum Cause {
    /// Its kept folder could not be begun or put in place.
    #[error("{0}")]
    Folder(output::folder::Error),
    /// A file could not be written (the path as shown).
    #[error("cannot write {0}: {1}")]
    Write(String, std::io::Error),
    /// A figure was not finite.
    #[error(transparent)]
    NotFinite(#[from] crate::metrics::finite::NotFinite),
    /// The simulation panicked.
    #[error(
        "internal error in the simulation (a bug: please report it with the sweep and scenario files)"
    )]
    Panic,
}

/// Simulate run `i` and record it.
fn run_one(
    sweep: &Sweep,
    m: &Manifest,
    out: &Path,
    i: usize,
    keep_runs: bool,
) -> Result<RunRecord, RunFailed> {
    let (v, seed) = m.run(i);
    let variant = &sweep.variants[v];
    let failed = |cause: Cause| RunFailed {
        variant: variant.name.clone(),
        seed,
        cause,
    };
    let mut spec = variant.spec.clone();
    spec.seed = seed;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if keep_runs {
            // The run's folder is put in place whole (a killed attempt's folder is replaced).
            let dir = store::run_dir(out, v, seed);
            let staged = output::folder::Staged::begin_with(&dir, output::folder::Kind::Run, false)
                .map_err(Cause::Folder)?;
            let s =
                output::write_run_detail(staged.path(), output::detail::Plan::of(&spec), |sink| {
                    simulate(&spec, sink)
                })
                .map_err(|e| Cause::Write(dir.display().to_string(), e))?;
            staged.commit().map_err(Cause::Folder)?;
            Ok(s)
        } else {
            Ok(crate::metrics::finite::checked(&mut NullSink, |s| {
                simulate(&spec, s)
            })?)
        }
    }));
    let summary = match result {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(failed(e)),
        Err(_) => return Err(failed(Cause::Panic)),
    };
    let rec = RunRecord {
        grid_hash: m.grid_hash.clone(),
        variant: v,
        variant_name: variant.name.clone(),
        seed,
        metrics: metric_cells(&summary),
    };
    let path = out.join(store::RUNS_DIR).join(store::run_file(v, seed));
    store::write_atomic(&path, &store::record_bytes(&rec))
        .map_err(|e| failed(Cause::Write(path.display().to_string(), e)))?;
    Ok(rec)
}

/// Gather every run's record from `dirs` (the first folder holding a valid one wins), copy records found
/// elsewhere into `out/runs/`, and write the outputs into `out`. Missing runs are an error naming them.
pub fn finish(m: &Manifest, dirs: &[PathBuf], out: &Path) -> Result<Outputs, Error> {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let out_canonical = canonical(out);
    let is_out: Vec<bool> = dirs.iter().map(|d| canonical(d) == out_canonical).collect();
    let mut records = Vec::with_capacity(m.runs());
    let mut missing = Vec::new();
    for i in 0..m.runs() {
        let found = dirs
            .iter()
            .enumerate()
            .find_map(|(k, d)| store::read_record(d, m, i).map(|(r, bytes)| (k, r, bytes)));
        match found {
            Some((k, r, bytes)) => {
                if !is_out[k] && store::read_record(out, m, i).is_none() {
                    let (v, seed) = m.run(i);
                    let p = out.join(store::RUNS_DIR).join(store::run_file(v, seed));
                    store::write_atomic(&p, &bytes)
                        .map_err(|e| Error::Failed(format!("cannot write {}: {e}", p.display())))?;
                }
                records.push(r);
            }
            None => missing.push(i),
        }
    }
    if !missing.is_empty() {
        let list: Vec<String> = missing
            .iter()
            .take(5)
            .map(|&i| {
                let (v, seed) = m.run(i);
                format!(
                    "variant `{}` seed {seed} ({})",
                    m.variants[v].name,
                    store::run_file(v, seed)
                )
            })
            .collect();
        return Err(Error::Input(format!(
            "{} of {} runs are missing: {}{}; finish the shards that hold them (rerunning a shard skips its finished runs), then merge again",
            missing.len(),
            m.runs(),
            list.join(", "),
            if missing.len() > 5 { ", …" } else { "" }
        )));
    }
    write_outputs(m, &records, out)
}

/// Build the outputs from the records (in run order) and write them into `out`, each file whole.
fn write_outputs(m: &Manifest, records: &[RunRecord], out: &Path) -> Result<Outputs, Error> {
    let o = report::build(m, records);
    let write = |name: &str, text: &str| {
        let p = out.join(name);
        store::write_atomic(&p, text.as_bytes())
            .map_err(|e| Error::Failed(format!("cannot write {}: {e}", p.display())))
    };
    write("runs.csv", &o.runs_csv)?;
    write("aggregate.csv", &o.aggregate_csv)?;
    write("variants.csv", &o.variants_csv)?;
    // The table the terminal shows, with its `!` notes on variants that do not compare like with like:
    // kept with the files (an array job's stdout is easily lost) and read by the sweep's report.html.
    write("table.txt", &o.table)?;
    match &o.paired_csv {
        Some(p) => write("paired.csv", p)?,
        None => {
            let _ = fs::remove_file(out.join("paired.csv"));
        }
    }
    Ok(o)
}

/// Progress on stderr: an indicatif bar on a terminal, else a plain line every 10% of the runs.
struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
    label: String,
    total: usize,
    done: AtomicUsize,
    last_decile: Mutex<usize>,
    start: Instant,
}

impl Progress {
    fn new(label: &str, total: usize, enabled: bool) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        let bar = (enabled && terminal && total > 0).then(|| {
            let b = ProgressBar::new(total as u64);
            b.set_style(
                ProgressStyle::with_template(
                    "{prefix} [{bar:30}] {pos}/{len} runs, {elapsed} elapsed, ETA {eta}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            b.set_prefix(label.to_string());
            b
        });
        Progress {
            bar,
            plain: enabled && !terminal,
            label: label.to_string(),
            total,
            done: AtomicUsize::new(0),
            last_decile: Mutex::new(0),
            start: Instant::now(),
        }
    }

    fn tick(&self) {
        let d = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(b) = &self.bar {
            b.inc(1);
        } else if self.plain {
            let decile = d * 10 / self.total;
            let mut last = self.last_decile.lock().expect("progress lock");
            if decile > *last {
                *last = decile;
                let el = self.start.elapsed().as_secs_f64();
                let eta = el * (self.total - d) as f64 / d as f64;
                eprintln!(
                    "{}: {d}/{} runs ({}%), {el:.1} s elapsed, ETA {eta:.1} s",
                    self.label,
                    self.total,
                    d * 100 / self.total
                );
            }
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
