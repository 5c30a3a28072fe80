//! Output folders through the real binary (issue #18): a run's folder is replaced whole, a kill leaves the
//! old run or the new one, `--out` never deletes or writes through what ecsim did not write, and `-q` only
//! silences the terminal.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

mod common;
use common::{ecsim, repo, stderr};

/// `ecsim run SCENARIO --out OUT EXTRA… -q` in `cwd`, which must succeed.
fn run_ok(scenario: &str, out: &Path, extra: &[&str], cwd: &Path) {
    let mut args = vec!["run", scenario, "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push("-q");
    let o = ecsim(&args, cwd);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn quickstart() -> String {
    repo()
        .join("scenarios/quickstart.toml")
        .to_string_lossy()
        .into_owned()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn seed_of(dir: &Path) -> u64 {
    let v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    v["seed"].as_u64().unwrap()
}

/// Every file of a run folder, by relative path (the manifest lists them all).
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let manifest = fs::read_to_string(dir.join(".ecsim-manifest")).unwrap();
    manifest
        .lines()
        .skip(1)
        .filter(|l| !l.ends_with('/'))
        .map(|l| (l.to_string(), fs::read(dir.join(l)).unwrap()))
        .collect()
}

/// [`files`] without the wall-clock figures (`summary.json`'s `wall_seconds`, the report header's
/// "… s wall clock"): two runs of one seed are the same run, but not in the same time.
fn files_timeless(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files(dir)
        .into_iter()
        .map(|(name, bytes)| {
            if name != "summary.json" && name != "report.html" {
                return (name, bytes);
            }
            let text = String::from_utf8(bytes).unwrap();
            let mut out = String::new();
            for line in text.split_inclusive('\n') {
                if line.contains("\"wall_seconds\"") {
                    continue;
                }
                let mut rest = line;
                while let Some(at) = rest.find(" s wall clock") {
                    let head = rest[..at]
                        .trim_end_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ',');
                    out.push_str(head);
                    out.push_str("_ s wall clock");
                    rest = &rest[at + " s wall clock".len()..];
                }
                out.push_str(rest);
            }
            // The report's run card lists the summary's fields, wall_seconds among them, as a table
            // cell, `<th>wall_seconds</th><td>0.002</td>`, which the two rules above do not catch.
            const CELL: &str = "<th>wall_seconds</th><td>";
            if let Some(at) = out.find(CELL) {
                let from = at + CELL.len();
                let to = from + out[from..].find("</td>").unwrap();
                out.replace_range(from..to, "_");
            }
            (name, out.into_bytes())
        })
        .collect()
}

/// The manifest lists exactly what the folder holds.
fn assert_manifest_matches(dir: &Path) {
    let manifest = fs::read_to_string(dir.join(".ecsim-manifest")).unwrap();
    let listed: Vec<&str> = manifest.lines().skip(1).collect();
    let mut actual = Vec::new();
    for n in names(dir) {
        if n == ".ecsim-manifest" {
            continue;
        }
        if dir.join(&n).is_dir() {
            actual.push(format!("{n}/"));
            for c in names(&dir.join(&n)) {
                actual.push(format!("{n}/{c}"));
            }
        } else {
            actual.push(n);
        }
    }
    actual.sort();
    assert_eq!(listed, actual, "the manifest of {}", dir.display());
}

/// `kill -9` at several moments of a second run into the same folder (right after the summary line, i.e.
/// in the report and charts phase, and later): the folder is each time wholly the first run or wholly the
/// second, and the next run removes the killed run's temporary folder.
#[test]
fn a_killed_run_leaves_the_old_run_or_the_new_one_never_both() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_ok(&quickstart(), &out, &["--seed", "1"], tmp.path());
    // The seed-1 run in place (its wall-clock figures are its own: each re-run below replaces it).
    let mut first = files(&out);
    let first_timeless = files_timeless(&out);
    let mut interrupted = 0;
    for (k, delay_ms) in [0u64, 0, 20, 60, 150, 400].into_iter().enumerate() {
        let seed = (k + 2).to_string();
        let mut child = Command::new(env!("CARGO_BIN_EXE_ecsim"))
            .args([
                "run",
                &quickstart(),
                "--out",
                out.to_str().unwrap(),
                "--seed",
                &seed,
            ])
            .current_dir(tmp.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The summary line is printed when the simulation ends, before the report and the charts.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains("quickstart: simulated"), "{line}");
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        let now = files(&out);
        assert_manifest_matches(&out);
        let s = seed_of(&out);
        if status.success() {
            assert_eq!(s, k as u64 + 2, "a finished run is in place");
        } else if s == 1 {
            assert_eq!(now, first, "the old run, whole");
        } else {
            assert_eq!(s, k as u64 + 2, "the new run, whole");
        }
        let temps: Vec<String> = names(tmp.path())
            .into_iter()
            .filter(|n| n.starts_with(".ecsim-tmp-"))
            .collect();
        if !temps.is_empty() {
            interrupted += 1;
        }
        // The report belongs to the summary beside it: its header names the seed.
        let html = fs::read_to_string(out.join("report.html")).unwrap();
        assert!(html.contains(&format!("seed {s} ")), "report of seed {s}");
        if seed_of(&out) == 1 {
            continue;
        }
        // Back to seed 1 for the next round, so that "old" and "new" differ.
        run_ok(&quickstart(), &out, &["--seed", "1"], tmp.path());
        assert_eq!(files_timeless(&out), first_timeless);
        first = files(&out);
    }
    assert!(
        interrupted > 0,
        "no kill landed while a run was being written"
    );
    // The next run removes the killed runs' temporary folders; nothing but the run is left.
    run_ok(&quickstart(), &out, &[], tmp.path());
    assert_eq!(names(tmp.path()), ["out"]);
    assert_manifest_matches(&out);
}

/// `--out .` in a folder holding the user's own charts, and a folder with a `charts` link: refused with
/// exit 2, nothing deleted, nothing written through the link.
#[cfg(unix)]
#[test]
fn out_never_deletes_or_follows_what_ecsim_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let mine = tmp.path().join("mine");
    fs::create_dir_all(mine.join("charts")).unwrap();
    fs::write(mine.join("charts/holiday.png"), "png").unwrap();
    let o = ecsim(&["run", &quickstart(), "--out", "."], &mine);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("charts/holiday.png"), "{}", stderr(&o));
    assert_eq!(names(&mine), ["charts"]);
    assert_eq!(names(&mine.join("charts")), ["holiday.png"]);
    // The same folder named from outside: refused too.
    let o = ecsim(&["run", &quickstart(), "--out", "mine"], tmp.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // A `charts` link in an output folder is not followed.
    let target = tmp.path().join("elsewhere");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("keep.png"), "x").unwrap();
    let linked = tmp.path().join("linked");
    fs::create_dir(&linked).unwrap();
    std::os::unix::fs::symlink(&target, linked.join("charts")).unwrap();
    let o = ecsim(
        &["run", &quickstart(), "--out", linked.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(names(&target), ["keep.png"]);
    // Nothing was left beside them.
    assert_eq!(names(tmp.path()), ["elsewhere", "linked", "mine"]);
    // An empty folder is fine, and a folder an earlier run wrote is replaced.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    for _ in 0..2 {
        run_ok(&quickstart(), &empty, &[], tmp.path());
        assert_manifest_matches(&empty);
    }
}

/// A symlink planted where a run writes its files is replaced, not followed: the file it points to keeps
/// its bytes.
#[cfg(unix)]
#[test]
fn a_planted_symlink_is_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim.txt");
    fs::write(&victim, "precious").unwrap();
    // Inside a sweep folder (written in place, not swapped) under the names it writes.
    let sweep = tmp.path().join("sw.toml");
    fs::write(
        &sweep,
        format!(
            "base = \"{}\"\nname = \"s\"\nseeds = 1\n[vary]\n\"services.web.desired_count\" = [4]\n",
            quickstart()
        ),
    )
    .unwrap();
    let out = tmp.path().join("sweep-out");
    let o = ecsim(
        &[
            "sweep",
            sweep.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["runs.csv", "aggregate.csv", "report.html"] {
        fs::remove_file(out.join(f)).unwrap();
        std::os::unix::fs::symlink(&victim, out.join(f)).unwrap();
    }
    // Old-style predictable temporary names too.
    let pid_guess = out.join(format!(".runs.csv.tmp-{}", std::process::id() + 1));
    std::os::unix::fs::symlink(&victim, &pid_guess).unwrap();
    let o = ecsim(
        &[
            "sweep",
            sweep.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
        tmp.path(),
    );
    // report.html as a link is refused; the others were replaced, not written through.
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("report.html"), "{}", stderr(&o));
    fs::remove_file(out.join("report.html")).unwrap();
    let o = ecsim(
        &[
            "sweep",
            sweep.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    for f in ["runs.csv", "aggregate.csv", "report.html"] {
        assert!(
            !fs::symlink_metadata(out.join(f))
                .unwrap()
                .file_type()
                .is_symlink(),
            "{f} is a file again"
        );
    }
}

/// A run that fails after it started writing (here the audit's `cpu_ms_per_request = 5e-324`, which
/// stopped the simulation; once load checks reject it, it fails before) leaves no file and no folder.
#[test]
fn a_failed_run_leaves_no_temporary_file() {
    let tmp = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(repo().join("scenarios/burstable-credits.toml"))
        .unwrap()
        .replace("cpu_ms_per_request = 20.0", "cpu_ms_per_request = 5e-324");
    let s = tmp.path().join("tiny.toml");
    fs::write(&s, text).unwrap();
    let out = tmp.path().join("results");
    fs::create_dir(&out).unwrap();
    let o = ecsim(
        &[
            "run",
            s.to_str().unwrap(),
            "--out",
            out.join("r").to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(!o.status.success(), "{}", stderr(&o));
    assert!(names(&out).is_empty(), "left: {:?}", names(&out));
}

/// `-q` silences the terminal only: a quiet sweep writes its report and charts like a loud one.
#[test]
fn quiet_only_silences_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = tmp.path().join("sw.toml");
    fs::write(
        &sweep,
        format!(
            "base = \"{}\"\nname = \"s\"\nseeds = 2\n[vary]\n\"services.web.desired_count\" = [4, 6]\n",
            quickstart()
        ),
    )
    .unwrap();
    let mut listings = Vec::new();
    for (dir, quiet) in [("loud", false), ("quiet", true)] {
        let out = tmp.path().join(dir);
        let mut args = vec![
            "sweep",
            sweep.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        if quiet {
            args.push("-q");
        }
        let o = ecsim(&args, tmp.path());
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            o.stdout.is_empty(),
            quiet,
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
        assert!(out.join("report.html").is_file(), "{dir}: report.html");
        listings.push((names(&out), names(&out.join("charts"))));
    }
    assert_eq!(
        listings[0], listings[1],
        "the same files with and without -q"
    );
    // run -q and merge -q likewise.
    let out = tmp.path().join("run");
    let o = ecsim(
        &["run", &quickstart(), "--out", out.to_str().unwrap(), "-q"],
        tmp.path(),
    );
    assert!(o.status.success() && o.stdout.is_empty());
    assert!(out.join("report.html").is_file());
    let merged = tmp.path().join("merged");
    let loud = tmp.path().join("loud");
    let o = ecsim(
        &[
            "merge",
            loud.to_str().unwrap(),
            "--out",
            merged.to_str().unwrap(),
            "-q",
        ],
        tmp.path(),
    );
    assert!(o.status.success() && o.stdout.is_empty(), "{}", stderr(&o));
    assert!(merged.join("report.html").is_file());
}

/// A service named like a formula is written so that spreadsheets show it (OWASP: a leading `'`) in
/// tasks.csv, events.csv and timeseries.csv, while numbers stay numbers; the report and charts, which read
/// the files back, show the name as it is.
#[test]
fn formula_names_are_written_as_text() {
    let tmp = tempfile::tempdir().unwrap();
    let name = "=HYPERLINK(\"http://x.example\",\"y\")";
    let toml_name = name.replace('"', "\\\"");
    let text = fs::read_to_string(repo().join("scenarios/quickstart.toml"))
        .unwrap()
        .replace("name = \"web\"", &format!("name = \"{toml_name}\""))
        .replace("service = \"web\"", &format!("service = \"{toml_name}\""));
    let s = tmp.path().join("f.toml");
    fs::write(&s, text).unwrap();
    let out = tmp.path().join("out");
    run_ok(s.to_str().unwrap(), &out, &[], tmp.path());
    for (file, col) in [
        ("tasks.csv", "service"),
        ("events.csv", "service"),
        ("timeseries.csv", "name"),
    ] {
        let mut r = csv::Reader::from_path(out.join(file)).unwrap();
        let i = r.headers().unwrap().iter().position(|h| h == col).unwrap();
        let mut seen = 0;
        for rec in r.records() {
            let rec = rec.unwrap();
            assert!(
                rec[0].parse::<f64>().is_ok(),
                "{file}: first column numeric"
            );
            if rec[i].contains("HYPERLINK") {
                assert_eq!(&rec[i], format!("'{name}"), "{file}");
                seen += 1;
            }
            for c in rec.iter() {
                assert!(!c.starts_with('='), "{file}: a cell starts with '=': {c}");
            }
        }
        assert!(seen > 0, "{file} names the service");
    }
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("=HYPERLINK("), "the report shows the name");
    assert!(!html.contains("&#39;=HYPERLINK"), "without the quote");
}

/// timeseries.csv's `clock` column (right after `time_s`, as events.csv's: `HH:MM:SS`, `Nd ` from the
/// second day), no `-0` in CSV or JSON, negative numbers kept, names under the text rule.
#[test]
fn clock_column_and_no_negative_zero() {
    use ecsim::metrics::{SeriesRow, Summary};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    ecsim::output::write_run(&dir, |sink| {
        sink.series(&SeriesRow {
            // 1 day + 1 h + 1 min + 1 s = 86,400 + 3,600 + 60 + 1 = 90,061 s
            time_ms: 90_061_000,
            scope: "service",
            name: "=x".into(),
            cpu_utilization: Some(-0.0),
            memory_utilization: Some(-1.5),
            ..Default::default()
        });
        Summary {
            scenario: "s".into(),
            cost_total_usd: -0.0,
            cost_ec2_idle_usd: -0.0,
            ..Default::default()
        }
    })
    .unwrap();
    let ts = fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    let mut lines = ts.lines();
    assert!(lines.next().unwrap().starts_with(
        "time_s,clock,scope,name,desired,running,pending,cpu_utilization,memory_utilization,"
    ));
    let row = lines.next().unwrap();
    assert!(
        row.starts_with("90061.000,1d 01:01:01,service,'=x,,,,0,-1.5,"),
        "{row}"
    );
    let json = fs::read_to_string(dir.join("summary.json")).unwrap();
    assert!(!json.contains("-0"), "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["cost_usd"]["total"], 0.0);
}

/// `memory_utilization` is empty for a service whose load has no memory model, a figure for one that has
/// one, and `not_modelled` says which.
#[test]
fn unmodelled_memory_is_empty_not_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "name = \"m\"\nduration = \"10m\"\n[cluster]\navailability_zones = [\"a\"]\n\
        [[task_definitions]]\nfamily = \"w\"\ncpu = 256\nmemory = 512\nrequires_compatibilities = [\"FARGATE\"]\n\
        [[services]]\nname = \"nomem\"\ntask_definition = \"w\"\ndesired_count = 1\nlaunch_type = \"FARGATE\"\n\
        [services.load]\npattern = { type = \"constant\", rate = 1 }\ncpu_ms_per_request = 5\n\
        [[services]]\nname = \"mem\"\ntask_definition = \"w\"\ndesired_count = 1\nlaunch_type = \"FARGATE\"\n\
        [services.load]\npattern = { type = \"constant\", rate = 1 }\ncpu_ms_per_request = 5\nmemory_base_mib = 100\n";
    let s = tmp.path().join("m.toml");
    fs::write(&s, text).unwrap();
    let out = tmp.path().join("out");
    run_ok(s.to_str().unwrap(), &out, &[], tmp.path());
    let mut r = csv::Reader::from_path(out.join("timeseries.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (name, mem, running) = (col("name"), col("memory_utilization"), col("running"));
    let (mut with, mut without) = (0, 0);
    for rec in r.records() {
        let rec = rec.unwrap();
        if &rec[running] != "1" {
            continue; // before the task runs, neither service has a figure
        }
        match &rec[name] {
            "nomem" => {
                assert_eq!(&rec[mem], "", "no memory model: empty, not 0");
                without += 1;
            }
            // 100 MiB used of the task's 512: 100 / 512 = 19.53125 %.
            "mem" => {
                assert_eq!(&rec[mem], "19.53125");
                with += 1;
            }
            _ => {}
        }
    }
    assert!(with > 0 && without > 0);
    let v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let list: Vec<&str> = v["not_modelled"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(list.len(), 2, "{list:?}");
    assert!(
        list[0].starts_with("memory_utilization of service nomem: no memory_base_mib"),
        "{list:?}"
    );
    assert!(list[1].starts_with("network:"), "{list:?}");
}

/// A run estimated to write more than its disk has free is refused before it starts (exit 2, both sizes,
/// no folder); `--force` runs it. `ECSIM_FREE_BYTES` stands in for the disk (statvfs of a real disk
/// is checked in `output::space`'s unit tests).
#[test]
fn a_run_past_the_free_disk_space_is_refused_before_it_starts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = |force: bool| {
        let mut args = vec![
            "run".to_string(),
            repo()
                .join("scenarios/quickstart.toml")
                .display()
                .to_string(),
            "--out".into(),
            out.display().to_string(),
            "-q".into(),
        ];
        if force {
            args.push("--force".into());
        }
        std::process::Command::new(env!("CARGO_BIN_EXE_ecsim"))
            .args(&args)
            .env("ECSIM_FREE_BYTES", "1000")
            .current_dir(tmp.path())
            .output()
            .unwrap()
    };
    let o = run(false);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    // quickstart: 2 h of 1-minute rows = 121 ticks × (3 services + cluster + the EC2 provider; Fargate's
    // have no rows) = 605 rows × 110 bytes = 66,550 bytes, and tasks.csv's floor of (6 web + 8 worker +
    // 2 RunTask; the daemon counts none) × 140 = 2,240: 68,790 bytes ≈ "68.8 kB".
    assert!(err.contains("would write about 68.8 kB"), "{err}");
    assert!(err.contains("has 1.0 kB free"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert!(!out.exists(), "nothing written");
    let o = run(true);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.join("timeseries.csv").exists());
}

/// A run estimated past 1 GB written is refused before it simulates anything (exit 2, the estimate and
/// the `[output]` setting that reduces it); `--force` is the way past.
#[test]
fn a_run_far_past_the_output_limit_is_refused_before_it_starts() {
    let tmp = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(repo().join("scenarios/quickstart.toml"))
        .unwrap()
        .replace(
            "duration = \"2h\"",
            "duration = \"400d\"\nmetric_period = \"1s\"",
        );
    let s = tmp.path().join("big.toml");
    fs::write(&s, &text).unwrap();
    let out = tmp.path().join("out");
    let t0 = std::time::Instant::now();
    let o = ecsim(
        &["run", s.to_str().unwrap(), "--out", out.to_str().unwrap()],
        tmp.path(),
    );
    // 34,560,001 ticks × (3 services + cluster + 1 provider) = 172,800,005 rows.
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("172,800,005 rows"), "{err}");
    assert!(err.contains("[output] timeseries_interval = \""), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert!(!out.exists(), "nothing written");
    assert!(t0.elapsed().as_secs() < 20, "refused before simulating");
    // The same for a comparison (four runs' worth).
    let o = ecsim(
        &[
            "compare",
            s.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!out.exists());
    // And calibrate, which keeps every row in memory.
    let observed = repo().join("examples/aws-export");
    let o = ecsim(
        &[
            "calibrate",
            s.to_str().unwrap(),
            "--observed",
            observed.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("keeps every timeseries row in memory"),
        "{}",
        stderr(&o)
    );
}

/// `ecsim import` writes among the user's files: it replaces its own files (a second import), never one it
/// did not write.
#[test]
fn import_never_overwrites_a_file_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let export = repo().join("examples/aws-export");
    let scenario = tmp.path().join("shop.toml");
    for _ in 0..2 {
        let o = ecsim(
            &[
                "import",
                export.to_str().unwrap(),
                "--out",
                scenario.to_str().unwrap(),
                "-q",
            ],
            tmp.path(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let mine = tmp.path().join("mine.toml");
    fs::write(&mine, "# my own scenario\n").unwrap();
    let o = ecsim(
        &[
            "import",
            export.to_str().unwrap(),
            "--out",
            mine.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("ecsim did not write it"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read_to_string(&mine).unwrap(), "# my own scenario\n");
    // Likewise a report of the user's beside the scenario.
    let other = tempfile::tempdir().unwrap();
    fs::write(other.path().join("import-report.md"), "my notes\n").unwrap();
    let o = ecsim(
        &[
            "import",
            export.to_str().unwrap(),
            "--out",
            other.path().join("s.toml").to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!other.path().join("s.toml").exists(), "nothing written");
}
