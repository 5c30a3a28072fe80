//! The array-job path end to end, as AWS Batch runs it (issue #24): three shard processes of the built
//! binary start at once, each with an empty environment but for `AWS_BATCH_JOB_ARRAY_INDEX` and
//! `AWS_BATCH_JOB_ARRAY_SIZE`, all writing into one folder; one is killed with SIGKILL after recording a
//! run, a merge must refuse the folder, the killed shard is retried with the same variables and must skip
//! what it recorded, and the merged folder must equal the sweep run on one machine byte for byte.
//! `scripts/array-rehearsal.sh` does the same for Kubernetes and Slurm variables too (CI runs it).
#![cfg(unix)]

use std::fs::{self, File};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use ecsim::sweep::store::{self, Manifest};

const SHARDS: usize = 3;
/// The shard (0-based) killed and retried.
const VICTIM: usize = 1;
/// Every process must finish within this (the whole test takes a few seconds).
const LIMIT: Duration = Duration::from_secs(120);

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_ecsim")
}

/// Two variants of the NASA autoscaling scenario for one day, six seeds: 12 runs, 4 a shard, each run
/// long enough (tens of ms in a debug build) that the victim can be killed between its first and last.
fn sweep_file(dir: &Path) -> PathBuf {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/nasa-ec2-autoscaling.toml");
    let p = dir.join("rehearsal.toml");
    fs::write(
        &p,
        format!(
            r#"base = '{}'
name = "rehearsal"
seeds = 6
baseline = "cpu-60"
[[variants]]
name = "cpu-60"
set = {{ "services.web.auto_scaling.policies.0.target" = 60, duration = "1d" }}
[[variants]]
name = "cpu-45"
set = {{ "services.web.auto_scaling.policies.0.target" = 45, duration = "1d" }}
"#,
            base.display()
        ),
    )
    .unwrap();
    p
}

/// `ecsim ARGS` with an empty environment plus `env`, its output in `log.out` / `log.err`.
fn spawn(args: &[&str], env: &[(&str, String)], log: &Path) -> Child {
    Command::new(bin())
        .args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .stdout(Stdio::from(
            File::create(log.with_extension("out")).unwrap(),
        ))
        .stderr(Stdio::from(
            File::create(log.with_extension("err")).unwrap(),
        ))
        .spawn()
        .expect("start ecsim")
}

/// Wait for `child`, killing it and failing past `LIMIT`.
fn wait(child: &mut Child, what: &str) -> ExitStatus {
    let t0 = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if t0.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish in {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn text(p: PathBuf) -> String {
    fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Shard `index` of the AWS Batch array, attempt `attempt`, into `out`.
fn batch_shard(sweep: &Path, out: &Path, logs: &Path, index: usize, attempt: u32) -> Child {
    let env = [
        ("AWS_BATCH_JOB_ARRAY_INDEX", index.to_string()),
        ("AWS_BATCH_JOB_ARRAY_SIZE", SHARDS.to_string()),
        ("AWS_BATCH_JOB_ATTEMPT", attempt.to_string()),
    ];
    let args = [
        "sweep",
        sweep.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--jobs",
        "1",
    ];
    spawn(
        &args,
        &env,
        &logs.join(format!("shard{index}-attempt{attempt}")),
    )
}

#[test]
fn aws_batch_array_with_a_killed_and_retried_shard_merges_to_the_one_machine_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = sweep_file(tmp.path());
    let logs = tmp.path().join("logs");
    fs::create_dir(&logs).unwrap();

    // The one-machine sweep, with no array variable.
    let one = tmp.path().join("one-machine");
    let mut c = spawn(
        &[
            "sweep",
            sweep.to_str().unwrap(),
            "--out",
            one.to_str().unwrap(),
            "-q",
        ],
        &[],
        &logs.join("one-machine"),
    );
    assert!(wait(&mut c, "the one-machine sweep").success());
    let m = Manifest::read(&one).unwrap().unwrap();
    let files = |shard: usize| -> Vec<String> {
        (0..m.runs())
            .filter(|i| i % SHARDS == shard)
            .map(|i| {
                let (v, seed) = m.run(i);
                store::run_file(v, seed)
            })
            .collect()
    };
    let victim_files = files(VICTIM);

    // The array: three shards at once into one folder.
    let out = tmp.path().join("shared");
    let mut shards: Vec<Child> = (0..SHARDS)
        .map(|k| batch_shard(&sweep, &out, &logs, k, 1))
        .collect();
    let recorded = || {
        victim_files
            .iter()
            .filter(|f| out.join("runs").join(f).exists())
            .count()
    };
    let t0 = Instant::now();
    while recorded() < 1 {
        if let Some(s) = shards[VICTIM].try_wait().unwrap() {
            panic!("the victim shard exited ({s}) before recording a run");
        }
        assert!(t0.elapsed() < LIMIT, "the victim shard recorded nothing");
        std::thread::sleep(Duration::from_millis(1));
    }
    shards[VICTIM].kill().unwrap(); // SIGKILL, as an engine stopping a container or a lost node
    let s = wait(&mut shards[VICTIM], "the killed shard");
    assert_eq!(
        s.signal(),
        Some(9),
        "the victim shard finished ({s}) before the kill: the rehearsal needs longer runs"
    );
    let before = recorded();
    assert!(
        before >= 1 && before < victim_files.len(),
        "killed midway: {before} of {} runs recorded",
        victim_files.len()
    );

    // Merging now must refuse (runs are missing) and write no output.
    let mut c = spawn(
        &[
            "merge",
            out.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
        &logs.join("early-merge"),
    );
    assert_eq!(wait(&mut c, "the early merge").code(), Some(2));
    let err = text(logs.join("early-merge.err"));
    assert!(err.contains("runs are missing"), "{err}");
    assert!(
        !out.join("runs.csv").exists(),
        "a refused merge writes nothing"
    );

    // The retry: same variables, possibly while the other shards still run.
    shards[VICTIM] = batch_shard(&sweep, &out, &logs, VICTIM, 2);
    for (k, c) in shards.iter_mut().enumerate() {
        let s = wait(c, &format!("shard {k}"));
        assert!(
            s.success(),
            "shard {k}: {s}\n{}",
            text(logs.join(format!("shard{k}-attempt1.err")))
        );
    }
    let retry = text(logs.join(format!("shard{VICTIM}-attempt2.out")));
    let share = victim_files.len();
    assert!(
        retry.contains(&format!("ran {} runs in", share - before))
            && retry.contains(&format!("({before} already done, skipped)")),
        "the retry skips what the killed attempt recorded:\n{retry}"
    );
    for k in (0..SHARDS).filter(|&k| k != VICTIM) {
        let log = text(logs.join(format!("shard{k}-attempt1.out")));
        assert!(
            log.contains(&format!("ran {} runs in", files(k).len())),
            "shard {k} runs exactly its share:\n{log}"
        );
    }

    let mut c = spawn(
        &[
            "merge",
            out.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
        &logs.join("merge"),
    );
    let s = wait(&mut c, "the merge");
    assert!(s.success(), "{}", text(logs.join("merge.err")));
    for f in [
        "runs.csv",
        "aggregate.csv",
        "paired.csv",
        "variants.csv",
        "sweep.json",
    ] {
        assert!(
            fs::read(one.join(f)).unwrap() == fs::read(out.join(f)).unwrap(),
            "{f} differs from the one-machine sweep's"
        );
    }
    for i in 0..m.runs() {
        let (v, seed) = m.run(i);
        let f = store::run_file(v, seed);
        assert!(
            fs::read(one.join("runs").join(&f)).unwrap()
                == fs::read(out.join("runs").join(&f)).unwrap(),
            "runs/{f} differs"
        );
    }
    // Nothing else in runs/ but the run files and, at most, the killed process's temporary files.
    for e in fs::read_dir(out.join("runs")).unwrap() {
        let n = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            n.starts_with('.') && n.contains(".tmp-") || one.join("runs").join(&n).exists(),
            "unexpected runs/{n}"
        );
    }
}
