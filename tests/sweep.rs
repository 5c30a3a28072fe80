//! Sweeps end to end: grid expansion and path errors, outputs independent of `--jobs`, shards merged equal
//! the whole, array-job environment variables, resume after an interruption (even `kill -9`), confidence
//! intervals against a hand computation, and the example sweeps and array-job files.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ecsim::sweep::{self, shard::ENV_VARS};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn quickstart() -> String {
    repo()
        .join("scenarios/quickstart.toml")
        .display()
        .to_string()
}

/// The binary with a clean array-job environment plus `env`.
fn ecsim_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ecsim"));
    c.args(args).current_dir(repo());
    for v in ENV_VARS {
        c.env_remove(v);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run ecsim")
}

fn ecsim(args: &[&str]) -> Output {
    ecsim_env(args, &[])
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
}

fn read(p: impl AsRef<Path>) -> String {
    fs::read_to_string(p.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", p.as_ref().display()))
}

/// A small sweep over the quickstart: web desired count 4 or 6, four seeds, baseline 6 (8 runs).
fn small_sweep(dir: &Path) -> PathBuf {
    let p = dir.join("small.toml");
    fs::write(
        &p,
        format!(
            r#"
base = "{}"
name = "small"
seeds = 4
baseline = "desired_count=6"
[vary]
"services.web.desired_count" = [4, 6]
"#,
            quickstart()
        ),
    )
    .unwrap();
    p
}

fn run_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
        .collect();
    v.sort();
    v
}

const OUTPUTS: [&str; 4] = ["runs.csv", "aggregate.csv", "paired.csv", "variants.csv"];

fn assert_same_outputs(a: &Path, b: &Path) {
    for f in OUTPUTS {
        assert_eq!(read(a.join(f)), read(b.join(f)), "{f} differs");
    }
}

#[test]
fn grid_expansion_product_zip_and_named_variants() {
    let text = format!(
        r#"
base = "{}"
seeds = [3, 1]
baseline = "spread"
[vary]
services.web.desired_count = [2, 4, 6]
"capacity_providers.general.instance_type" = ["m5.large", "c5.large"]
[[zip]]
"services.worker.desired_count" = [2, 8]
"capacity_providers.general.desired_size" = [1, 3]
[[variants]]
name = "spread"
[[variants]]
name = "packed"
set = {{ services.web.placement_strategy = [{{ type = "binpack", field = "memory" }}] }}
"#,
        quickstart()
    );
    let s = sweep::load_str(&text, "grid.toml", Path::new("."), "grid").unwrap();
    assert_eq!(s.name, "grid");
    assert_eq!(s.seeds, [3, 1]);
    // 2 named × (3 × 2 × 2) grid points, named outermost, the first axis slowest.
    assert_eq!(s.variants.len(), 24);
    assert_eq!(s.runs(), 48);
    let names: Vec<&str> = s.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names[..3],
        [
            "spread,web.desired_count=2,instance_type=m5.large,worker.desired_count=2,desired_size=1",
            "spread,web.desired_count=2,instance_type=m5.large,worker.desired_count=8,desired_size=3",
            "spread,web.desired_count=2,instance_type=c5.large,worker.desired_count=2,desired_size=1",
        ]
    );
    assert!(names[12].starts_with("packed,web.desired_count=2,instance_type=m5.large,"));
    assert_eq!(
        s.parameters,
        [
            "services.web.desired_count",
            "capacity_providers.general.instance_type",
            "services.worker.desired_count",
            "capacity_providers.general.desired_size",
            "services.web.placement_strategy",
        ]
    );
    // The values reach the scenarios.
    let v = &s.variants[13];
    let web = v.spec.services.iter().find(|x| x.name == "web").unwrap();
    let worker = v.spec.services.iter().find(|x| x.name == "worker").unwrap();
    assert_eq!(
        (web.desired_count, worker.desired_count),
        (2, 8),
        "{}",
        v.name
    );
    match &v.spec.providers[0].kind {
        ecsim::spec::ProviderKind::Asg(a) => assert_eq!(a.desired_size, 3),
        other => panic!("{other:?}"),
    }
    assert_eq!(v.values[1], "m5.large");
    assert_eq!(v.values[4], r#"[{ field = "memory", type = "binpack" }]"#);
    assert_eq!(
        s.variants[0].values[4], "",
        "the base sets no placement_strategy"
    );
    // A named baseline pairs each grid point with the baseline's same grid point.
    assert_eq!(s.variants[13].baseline, Some(1));
    assert_eq!(s.variants[1].baseline, None);
    // Zip lists must have equal lengths.
    let bad = text.replace("[1, 3]", "[1, 3, 5]");
    let e = sweep::load_str(&bad, "grid.toml", Path::new("."), "grid")
        .unwrap_err()
        .to_string();
    assert!(e.contains("must have the same length"), "{e}");
    // A path in two dimensions.
    let bad = text.replace(
        "\"services.worker.desired_count\"",
        "\"services.web.desired_count\"",
    );
    let e = sweep::load_str(&bad, "grid.toml", Path::new("."), "grid")
        .unwrap_err()
        .to_string();
    assert!(e.contains("set the same value in two dimensions"), "{e}");
}

#[test]
fn no_grid_is_one_base_variant() {
    let text = format!("base = \"{}\"\nseeds = 2\n", quickstart());
    let s = sweep::load_str(&text, "one.toml", Path::new("."), "one").unwrap();
    assert_eq!(s.variants.len(), 1);
    assert_eq!(s.variants[0].name, "base");
    assert!(s.parameters.is_empty());
}

#[test]
fn unknown_path_names_the_closest_valid_one_and_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("typo.toml");
    fs::write(
        &p,
        format!(
            "base = \"{}\"\nseeds = 2\n[vary]\n\"services.web.desird_count\" = [1, 2]\n\"capacity_providers.genral.instance_type\" = [\"m5.large\"]\n",
            quickstart()
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = ecsim(&["sweep", p.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("typo.toml:4:1: field `vary.services.web.desird_count`: unknown scenario path"),
        "{e}"
    );
    assert!(
        e.contains("the closest valid path is `services.web.desired_count`"),
        "{e}"
    );
    assert!(
        e.contains("typo.toml:5:1:")
            && e.contains("the closest valid path is `capacity_providers.general.instance_type`"),
        "{e}"
    );
    assert!(!out.exists(), "nothing runs when the sweep is bad");
}

#[test]
fn every_variant_is_checked_before_any_run() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("bad.toml");
    fs::write(
        &p,
        format!(
            r#"base = "{}"
seeds = 2
seed_list = 1
[vary]
"capacity_providers.general.instance_type" = ["m5.large", "m5.lage"]
"services.web.desired_count" = [4, -1]
"#,
            quickstart()
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = ecsim(&["sweep", p.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    // The unknown key first; the bad values are reported after the structure is right.
    assert!(
        e.contains("bad.toml:3:1: field `seed_list`: unknown key"),
        "{e}"
    );
    fs::write(&p, read(&p).replace("seed_list = 1\n", "")).unwrap();
    let o = ecsim(&["sweep", p.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("bad.toml:4:59: field `vary.capacity_providers.general.instance_type[1]`: unknown instance type \"m5.lage\". Did you mean \"m5.large\"?"),
        "{e}"
    );
    assert!(
        e.contains(
            "bad.toml:5:36: field `vary.services.web.desired_count[1]`: invalid value: integer `-1`"
        ),
        "{e}"
    );
    assert_eq!(e.lines().count(), 2, "each bad value once: {e}");
    assert!(!out.exists());
}

#[test]
fn jobs_1_and_jobs_2_give_identical_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let sw = small_sweep(tmp.path());
    let (a, b) = (tmp.path().join("j1"), tmp.path().join("j2"));
    ok(&ecsim(&[
        "sweep",
        sw.to_str().unwrap(),
        "--out",
        a.to_str().unwrap(),
        "--jobs",
        "1",
        "-q",
    ]));
    ok(&ecsim(&[
        "sweep",
        sw.to_str().unwrap(),
        "--out",
        b.to_str().unwrap(),
        "--jobs",
        "2",
        "-q",
    ]));
    assert_same_outputs(&a, &b);
    assert_eq!(read(a.join("sweep.json")), read(b.join("sweep.json")));
    let runs = read(a.join("runs.csv"));
    assert_eq!(runs.lines().count(), 1 + 8);
    let rows: Vec<&str> = runs
        .lines()
        .skip(1)
        .map(|l| &l[..l.find(',').unwrap() + 2])
        .collect();
    assert_eq!(
        rows,
        [
            "desired_count=4,1",
            "desired_count=4,2",
            "desired_count=4,3",
            "desired_count=4,4",
            "desired_count=6,1",
            "desired_count=6,2",
            "desired_count=6,3",
            "desired_count=6,4",
        ],
        "sorted by variant, then seed"
    );
    assert!(
        runs.lines()
            .next()
            .unwrap()
            .contains("tasks.start_latency_s_p50")
    );
    assert!(!runs.lines().next().unwrap().contains("wall_seconds"));
}

#[test]
fn shards_merged_equal_the_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let sw = small_sweep(tmp.path());
    let sw = sw.to_str().unwrap();
    let whole = tmp.path().join("whole");
    let (s1, s2) = (tmp.path().join("s1"), tmp.path().join("s2"));
    let merged = tmp.path().join("merged");
    ok(&ecsim(&[
        "sweep",
        sw,
        "--out",
        whole.to_str().unwrap(),
        "-q",
    ]));
    ok(&ecsim(&[
        "sweep",
        sw,
        "--out",
        s1.to_str().unwrap(),
        "--shard",
        "1/2",
        "-q",
    ]));
    // A shard writes only its run files and the manifest.
    assert!(!s1.join("runs.csv").exists());
    assert_eq!(run_files(&s1).len(), 4);
    // Merging before every shard ran names the missing runs.
    let o = ecsim(&[
        "merge",
        s1.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("4 of 8 runs are missing"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("variant `desired_count=4` seed 2 (v0000-seed2.json)"),
        "{}",
        stderr(&o)
    );
    ok(&ecsim(&[
        "sweep",
        sw,
        "--out",
        s2.to_str().unwrap(),
        "--shard",
        "2/2",
        "-q",
    ]));
    let mut both = run_files(&s1);
    both.extend(run_files(&s2));
    both.sort();
    assert_eq!(both, run_files(&whole), "the shards partition the runs");
    ok(&ecsim(&[
        "merge",
        s1.to_str().unwrap(),
        s2.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
        "-q",
    ]));
    assert_same_outputs(&whole, &merged);
    assert_eq!(
        read(whole.join("sweep.json")),
        read(merged.join("sweep.json"))
    );
    // Merging into one of the shard folders works too.
    ok(&ecsim(&[
        "merge",
        s1.to_str().unwrap(),
        s2.to_str().unwrap(),
        "--out",
        s2.to_str().unwrap(),
        "-q",
    ]));
    assert_same_outputs(&whole, &s2);

    // Shards of a different sweep are refused.
    let other = tmp.path().join("other.toml");
    fs::write(&other, read(sw).replace("[4, 6]", "[4, 6, 7]")).unwrap();
    let s3 = tmp.path().join("s3");
    ok(&ecsim(&[
        "sweep",
        other.to_str().unwrap(),
        "--out",
        s3.to_str().unwrap(),
        "--shard",
        "2/2",
        "-q",
    ]));
    let o = ecsim(&[
        "merge",
        s1.to_str().unwrap(),
        s3.to_str().unwrap(),
        "--out",
        tmp.path().join("m2").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot merge shards of different sweeps"),
        "{}",
        stderr(&o)
    );
    let o = ecsim(&[
        "merge",
        tmp.path().to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is not a sweep folder"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn environment_variables_pick_the_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let sw = small_sweep(tmp.path());
    let sw = sw.to_str().unwrap();
    let by_flag = |i: &str| {
        let d = tmp.path().join(format!("flag{}", i.replace('/', "of")));
        ok(&ecsim(&[
            "sweep",
            sw,
            "--out",
            d.to_str().unwrap(),
            "--shard",
            i,
            "-q",
        ]));
        run_files(&d)
    };
    let (first, second) = (by_flag("1/2"), by_flag("2/2"));
    assert_ne!(first, second);
    let by_env = |name: &str, env: &[(&str, &str)], extra: &[&str]| {
        let d = tmp.path().join(name);
        let mut args = vec!["sweep", sw, "--out", d.to_str().unwrap(), "-q"];
        args.extend_from_slice(extra);
        ok(&ecsim_env(&args, env));
        run_files(&d)
    };
    // AWS Batch: 0-based index, size from the environment or --shard-count.
    assert_eq!(
        by_env(
            "batch",
            &[
                ("AWS_BATCH_JOB_ARRAY_INDEX", "1"),
                ("AWS_BATCH_JOB_ARRAY_SIZE", "2")
            ],
            &[]
        ),
        second
    );
    assert_eq!(
        by_env(
            "batch2",
            &[("AWS_BATCH_JOB_ARRAY_INDEX", "0")],
            &["--shard-count", "2"]
        ),
        first
    );
    // Slurm --array=1-2: IDs from 1, normalised by SLURM_ARRAY_TASK_MIN.
    let slurm = [
        ("SLURM_ARRAY_TASK_ID", "1"),
        ("SLURM_ARRAY_TASK_COUNT", "2"),
        ("SLURM_ARRAY_TASK_MIN", "1"),
    ];
    assert_eq!(by_env("slurm", &slurm, &[]), first);
    // Kubernetes Indexed Job: 0-based index, count from --shard-count.
    assert_eq!(
        by_env(
            "k8s",
            &[("JOB_COMPLETION_INDEX", "1")],
            &["--shard-count", "2"]
        ),
        second
    );
    // --shard wins over the environment.
    let d = tmp.path().join("override");
    ok(&ecsim_env(
        &[
            "sweep",
            sw,
            "--out",
            d.to_str().unwrap(),
            "--shard",
            "1/2",
            "-q",
        ],
        &[("JOB_COMPLETION_INDEX", "1")],
    ));
    assert_eq!(run_files(&d), first);
    // An index without a count is bad input.
    let o = ecsim_env(
        &["sweep", sw, "--out", tmp.path().join("x").to_str().unwrap()],
        &[("JOB_COMPLETION_INDEX", "0")],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--shard-count"), "{}", stderr(&o));
}

#[test]
fn resume_after_an_interrupted_run_loses_and_duplicates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let sw = small_sweep(tmp.path());
    let sw = sw.to_str().unwrap();
    let reference = tmp.path().join("ref");
    let out = tmp.path().join("out");
    ok(&ecsim(&[
        "sweep",
        sw,
        "--out",
        reference.to_str().unwrap(),
        "-q",
    ]));
    ok(&ecsim(&["sweep", sw, "--out", out.to_str().unwrap(), "-q"]));
    // Simulate a kill: one finished run's record gone, one cut mid-row, a stray temporary file, no outputs.
    fs::remove_file(out.join("runs/v0000-seed3.json")).unwrap();
    let cut = out.join("runs/v0001-seed2.json");
    let text = read(&cut);
    fs::write(&cut, &text[..text.len() / 2]).unwrap();
    fs::write(out.join("runs/.v0001-seed4.json.tmp-999-0-0"), "{\"grid_").unwrap();
    for f in OUTPUTS {
        fs::remove_file(out.join(f)).unwrap();
    }
    let o = ecsim(&["sweep", sw, "--out", out.to_str().unwrap(), "--jobs", "2"]);
    ok(&o);
    assert!(stdout(&o).contains("ran 2 runs"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("6 already done, skipped"),
        "{}",
        stdout(&o)
    );
    assert_same_outputs(&reference, &out);
    assert_eq!(read(out.join("runs.csv")).lines().count(), 9);
    // A finished sweep rerun does nothing and changes nothing.
    let o = ecsim(&["sweep", sw, "--out", out.to_str().unwrap()]);
    ok(&o);
    assert!(stdout(&o).contains("ran 0 runs"), "{}", stdout(&o));
    assert_same_outputs(&reference, &out);
    // A folder of another sweep is refused.
    let other = tmp.path().join("other.toml");
    fs::write(&other, read(sw).replace("seeds = 4", "seeds = 5")).unwrap();
    let o = ecsim(&[
        "sweep",
        other.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("holds results of a different sweep"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn kill_9_at_any_moment_then_resume_gives_the_same_results() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("long.toml");
    fs::write(
        &p,
        format!(
            "base = \"{}\"\nname = \"long\"\nseeds = 12\nbaseline = \"desired_count=6\"\n[vary]\n\"services.web.desired_count\" = [4, 6, 9]\n",
            quickstart()
        ),
    )
    .unwrap();
    let sw = p.to_str().unwrap();
    let reference = tmp.path().join("ref");
    ok(&ecsim(&[
        "sweep",
        sw,
        "--out",
        reference.to_str().unwrap(),
        "-q",
    ]));
    for (i, delay_ms) in [30u64, 120, 250].into_iter().enumerate() {
        let out = tmp.path().join(format!("killed{i}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_ecsim"))
            .args([
                "sweep",
                sw,
                "--out",
                out.to_str().unwrap(),
                "--jobs",
                "2",
                "-q",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        ok(&ecsim(&["sweep", sw, "--out", out.to_str().unwrap(), "-q"]));
        assert_same_outputs(&reference, &out);
    }
}

/// t(0.975, 4) from any t table.
const T_975_4: f64 = 2.776_445;

#[test]
fn confidence_intervals_match_a_hand_computation() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("ci.toml");
    fs::write(&p, format!("base = \"{}\"\nseeds = 5\n", quickstart())).unwrap();
    let out = tmp.path().join("out");
    ok(&ecsim(&[
        "sweep",
        p.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]));
    let runs = read(out.join("runs.csv"));
    let header: Vec<&str> = runs.lines().next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "tasks.start_latency_s_p50")
        .unwrap();
    let x: Vec<f64> = runs
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(col).unwrap().parse().unwrap())
        .collect();
    assert_eq!(x.len(), 5);
    let mean = x.iter().sum::<f64>() / 5.0;
    let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 4.0).sqrt();
    let hw = T_975_4 * sd / 5f64.sqrt();
    let agg = read(out.join("aggregate.csv"));
    let row: Vec<f64> = agg
        .lines()
        .find(|l| l.starts_with("base,tasks.start_latency_s_p50,"))
        .unwrap()
        .split(',')
        .skip(2)
        .map(|c| c.parse().unwrap())
        .collect();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-5 * b.abs().max(1.0);
    assert_eq!(row[0], 5.0);
    assert!(close(row[1], mean), "{row:?} vs mean {mean}");
    assert!(close(row[2], sd), "{row:?} vs sd {sd}");
    assert!(
        close(row[3], mean - hw) && close(row[4], mean + hw),
        "{row:?} vs ±{hw}"
    );
    assert!(sd > 0.0, "start latency varies with the seed");
    // The library's own figures for 1..5 (the unit tests check the t quantile against tables).
    let e = sweep::stats::Estimate::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    assert!((e.sd.unwrap() - 1.581_139).abs() < 1e-6);
    assert!((e.half_width.unwrap() - 1.963_243).abs() < 1e-5);
}

#[test]
fn keep_runs_writes_each_runs_files() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("keep.toml");
    fs::write(&p, format!("base = \"{}\"\nseeds = 2\n", quickstart())).unwrap();
    let out = tmp.path().join("out");
    ok(&ecsim(&[
        "sweep",
        p.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--keep-runs",
        "-q",
    ]));
    for f in ["summary.json", "tasks.csv", "events.csv", "timeseries.csv"] {
        assert!(out.join("runs/v0000-seed2").join(f).exists(), "{f}");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&read(out.join("runs/v0000-seed2/summary.json"))).unwrap();
    assert_eq!(summary["seed"], 2);
}

#[test]
fn example_sweeps_are_valid() {
    let mut n = 0;
    for e in fs::read_dir(repo().join("sweeps")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let o = ecsim(&["sweep", p.to_str().unwrap(), "--dry-run"]);
            ok(&o);
            n += 1;
        }
    }
    assert!(n >= 1);
}

#[test]
fn array_job_files_use_the_real_flags() {
    // The image's entrypoint is ecsim (Dockerfile), so the jobs give only its arguments, and all three
    // files name the image placeholder docs/array-jobs.md explains.
    let image = "ACCOUNT_ID.dkr.ecr.REGION.amazonaws.com/ecsim:COMMIT";
    let dockerfile = read(repo().join("Dockerfile"));
    assert!(dockerfile.contains(r#"ENTRYPOINT ["ecsim"]"#));
    assert!(dockerfile.contains("RUN cargo build --release --locked\n"));
    let dir = repo().join("docs/array-jobs");
    let batch: serde_json::Value =
        serde_json::from_str(&read(dir.join("aws-batch-job-definition.json"))).unwrap();
    let cmd: Vec<&str> = batch["containerProperties"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        cmd[0] == "sweep" && cmd.contains(&"--shard-count"),
        "{cmd:?}"
    );
    assert_eq!(batch["containerProperties"]["image"], image);
    let slurm = read(dir.join("slurm-array.sh"));
    assert!(
        slurm.contains("#SBATCH --array=")
            && slurm.contains("${ECSIM:-ecsim} sweep")
            && slurm.contains("ECSIM_SHARD")
            && slurm.contains("ecsim merge")
            && slurm.contains(image)
    );
    let k8s = read(dir.join("kubernetes-indexed-job.yaml"));
    assert!(k8s.contains("completionMode: Indexed") && k8s.contains("--shard-count"));
    assert!(k8s.contains(&format!("image: {image}")) && !k8s.contains("command:"));
}

/// Issue #17: a variant whose service cannot place its tasks is marked, not ranked a pass. A 4096-CPU
/// task never fits a c5.large (2048 CPU units registered): `placement_ok` is 0 in runs.csv (mean 0 in
/// aggregate.csv), every one of the 120 minutes is bad (requests arrived, none served), `slo.met` is 0,
/// and the printed table says so. The 1024-CPU variant places its tasks (`placement_ok` 1).
#[test]
fn a_variant_that_cannot_place_its_tasks_is_marked() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("c5.toml");
    fs::write(
        &base,
        r#"name = "c5"
duration = "2h"
[cluster]
availability_zones = ["us-east-1a"]
[[capacity_providers]]
name = "web"
instance_type = "c5.large"
max_size = 4
desired_size = 1
managed_scaling = { target_capacity = 100 }
[[task_definitions]]
family = "web"
cpu = 1024
memory = 1024
[[services]]
name = "web"
task_definition = "web"
desired_count = 1
capacity_provider_strategy = [{ capacity_provider = "web", weight = 1 }]
[services.load]
pattern = { type = "constant", rate = 10 }
cpu_ms_per_request = 10.0
slo_p99 = "500ms"
"#,
    )
    .unwrap();
    let sw = tmp.path().join("fit.toml");
    fs::write(
        &sw,
        format!(
            "base = \"{}\"\nname = \"fit\"\nseeds = 2\n[vary]\n\"task_definitions.web.cpu\" = [1024, 4096]\n",
            base.display()
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = ecsim(&[
        "sweep",
        sw.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    ok(&o);
    let runs = read(out.join("runs.csv"));
    let header: Vec<&str> = runs.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (ok_col, met_col, bad_col) = (col("placement_ok"), col("slo.met"), col("slo.bad_minutes"));
    let cells: Vec<Vec<&str>> = runs
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let pick = |i: usize| (cells[i][ok_col], cells[i][met_col], cells[i][bad_col]);
    assert_eq!(cells[0][0], "cpu=1024");
    assert_eq!(pick(0).0, "1");
    assert_eq!(cells[2][0], "cpu=4096");
    assert_eq!(pick(2), ("0", "0", "120"));
    assert_eq!(pick(3), ("0", "0", "120"));
    let agg = read(out.join("aggregate.csv"));
    assert!(agg.contains("\ncpu=4096,placement_ok,2,0,0,"), "{agg}");
    assert!(agg.contains("\ncpu=1024,placement_ok,2,1,0,"), "{agg}");
    assert!(
        stdout(&o).contains("! cpu=4096: a service could not place its tasks in 2 of 2 runs"),
        "{}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains("! cpu=1024"));
    // The same note is kept with the files and shown at the top of the sweep's page: a sweep run as an
    // array job has no terminal to read it on.
    let table = read(out.join("table.txt"));
    assert!(stdout(&o).contains(table.trim_end()), "{table}");
    let page = read(out.join("report.html"));
    let notes = page.find("<section id=\"notes\"").expect("a notes section");
    assert!(
        page[notes..].contains("<li>cpu=4096: a service could not place its tasks in 2 of 2 runs"),
        "{page}"
    );
    assert!(notes < page.find("<section id=\"variants\"").expect("the variants"));
    assert!(!page.contains("<li>cpu=1024"));
}
