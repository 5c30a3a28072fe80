//! Detail levels through the real binary (issue #20 item 2, docs/outputs.md "Detail levels"): a fleet past
//! `small_services` writes aggregates, not per-minute service rows; `--detail full` writes every row; the
//! folded rows' sums are the fine rows' sums; `summary` writes the summary only; a bad `[output] detail`
//! is exit 2 with its file and line.

#[path = "../benches/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use support::Fleet;

fn ecsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(args)
        .output()
        .expect("run ecsim")
}

/// 3 services × 50 tasks on 16 m5.xlarge, 2 hours, with `[output] small_services = 2`: a fleet (the
/// default threshold of 20 is `detail::tests`'; a debug build of 21 services' charts takes minutes).
fn fleet_scenario(dir: &Path) -> String {
    let src = support::fleet_toml(Fleet {
        services: 3,
        instances: 16,
        days: 1,
        distinct: true,
    })
    .replacen("duration = \"1d\"", "duration = \"2h\"", 1)
    .replacen("[cluster]", "[output]\nsmall_services = 2\n\n[cluster]", 1);
    assert!(src.contains("duration = \"2h\"") && src.contains("small_services"));
    let p = dir.join("fleet.toml");
    fs::write(&p, src).unwrap();
    p.to_string_lossy().into_owned()
}

/// `timeseries.csv` as (scope, name, time_s, served) rows.
fn rows(dir: &Path) -> Vec<(String, String, f64, Option<f64>)> {
    let text = fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
    let (t, sc, nm, sv) = (col("time_s"), col("scope"), col("name"), col("served"));
    lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (
                c[sc].to_string(),
                c[nm].to_string(),
                c[t].parse().unwrap(),
                c[sv].parse().ok(),
            )
        })
        .collect()
}

#[test]
fn a_fleet_writes_aggregates_and_full_writes_every_row() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = fleet_scenario(tmp.path());
    let auto = tmp.path().join("auto");
    let full = tmp.path().join("full");
    let o = ecsim(&["run", &scenario, "--out", auto.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("[output-detail]") && err.contains("--detail full"),
        "{err}"
    );
    let o = ecsim(&[
        "run",
        &scenario,
        "--out",
        full.to_str().unwrap(),
        "-q",
        "--detail",
        "full",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("output-detail"));

    // auto: no tasks.csv; the summary says what was left out.
    assert!(!auto.join("tasks.csv").exists() && full.join("tasks.csv").exists());
    let summary = fs::read_to_string(auto.join("summary.json")).unwrap();
    assert!(summary.contains("\"code\": \"output-detail\""), "{summary}");
    let a = rows(&auto);
    let f = rows(&full);
    let count = |r: &[(String, String, f64, Option<f64>)], scope: &str| {
        r.iter().filter(|x| x.0 == scope).count()
    };
    // 2 h of 1-minute periods: ticks at 0..=120 minutes = 121.
    // full: 3 × 121 service rows, no fleet rows.
    assert_eq!(count(&f, "service"), 3 * 121);
    assert_eq!(count(&f, "fleet"), 0);
    // auto: the cluster's and the provider's rows every minute, 4 fleet rows every minute, and a
    // service row at 0 s and every 15 minutes: 1 + 120 / 15 = 9 per service.
    assert_eq!(count(&a, "cluster"), 121);
    assert_eq!(count(&a, "capacity_provider"), 121);
    assert_eq!(count(&a, "fleet"), 4 * 121);
    assert_eq!(count(&a, "service"), 3 * 9);
    assert!(
        a.iter()
            .filter(|x| x.0 == "service")
            .all(|x| x.2 % 900.0 == 0.0),
        "service rows only at whole 15 minutes"
    );
    // The cluster rows are the full run's.
    let cl = |r: &[(String, String, f64, Option<f64>)]| -> Vec<f64> {
        r.iter().filter(|x| x.0 == "cluster").map(|x| x.2).collect()
    };
    assert_eq!(cl(&a), cl(&f));

    // Each folded row's served is the sum of its 15 one-minute rows (and the service's total the total).
    let mut fine: HashMap<(String, u64), f64> = HashMap::new();
    for (_, name, t, served) in f.iter().filter(|x| x.0 == "service") {
        let window = (t / 900.0).ceil() as u64;
        *fine.entry((name.clone(), window)).or_default() += served.unwrap();
    }
    let mut checked = 0;
    for (_, name, t, served) in a.iter().filter(|x| x.0 == "service") {
        let want = fine[&(name.clone(), (t / 900.0) as u64)];
        let got = served.unwrap();
        assert!(
            (got - want).abs() <= 1e-5 * want.abs().max(1.0),
            "{name} at {t}: {got} vs {want}"
        );
        checked += 1;
    }
    assert_eq!(checked, 3 * 9);
    // Every minute's fleet total of served is the sum of that minute's service rows in the full run.
    for (_, _, t, served) in a.iter().filter(|x| x.0 == "fleet" && x.1 == "total") {
        let want: f64 = f
            .iter()
            .filter(|x| x.0 == "service" && x.2 == *t)
            .map(|x| x.3.unwrap())
            .sum();
        assert!((served.unwrap() - want).abs() <= 1e-5 * want.max(1.0));
    }

    // events.csv: decisions and failures only (no task starts); of the scaling decisions, each
    // service's first scale-out and first scale-in (one metric here), the full run's lines.
    let ev_a = fs::read_to_string(auto.join("events.csv")).unwrap();
    let ev_f = fs::read_to_string(full.join("events.csv")).unwrap();
    assert!(ev_f.contains(") has started ") && !ev_a.contains(") has started "));
    // Decisions as (time_s, service, code, from, to), read as CSV (sentences may hold commas).
    let decisions = |dir: &Path| -> Vec<(f64, String, String, u32, u32)> {
        let mut r = csv::Reader::from_path(dir.join("events.csv")).unwrap();
        (r.records().map(Result::unwrap))
            .filter(|c| c[5] == *"scale_out" || c[5] == *"scale_in")
            .map(|c| {
                let (from, to) = (c[9].parse().unwrap(), c[10].parse().unwrap());
                (
                    c[0].parse().unwrap(),
                    c[3].to_string(),
                    c[5].to_string(),
                    from,
                    to,
                )
            })
            .collect()
    };
    let (dec_a, dec_f) = (decisions(&auto), decisions(&full));
    assert!(dec_f.len() > dec_a.len() && !dec_a.is_empty());
    let mut seen = std::collections::HashSet::new();
    let firsts: Vec<_> = (dec_f.iter())
        .filter(|d| seen.insert((d.1.clone(), d.2.clone())))
        .cloned()
        .collect();
    assert_eq!(dec_a, firsts);
    // scaling.csv: per service and 15 minutes, the full run's decisions counted, with the desired count
    // before the first and after the last.
    let mut want: std::collections::BTreeMap<(String, u64), (u32, u32, u32, u32)> =
        Default::default();
    for (t, svc, code, from, to) in &dec_f {
        let end = ((t / 900.0).ceil() * 900.0).min(7200.0) as u64;
        let e = want
            .entry((svc.clone(), end))
            .or_insert((0, 0, *from, *from));
        if code == "scale_out" {
            e.0 += 1
        } else {
            e.1 += 1
        }
        e.3 = *to;
    }
    let sc = fs::read_to_string(auto.join("scaling.csv")).unwrap();
    let mut lines = sc.lines();
    assert_eq!(
        lines.next(),
        Some("time_s,clock,service,scale_outs,scale_ins,from,to,desired_min,desired_max")
    );
    let got: std::collections::BTreeMap<(String, u64), (u32, u32, u32, u32)> = lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            let n = |i: usize| c[i].parse::<u32>().unwrap();
            let key = (c[2].to_string(), c[0].parse::<f64>().unwrap() as u64);
            assert!(n(7) <= n(5).min(n(6)) && n(8) >= n(5).max(n(6)), "{l}");
            (key, (n(3), n(4), n(5), n(6)))
        })
        .collect();
    assert_eq!(got, want);
    assert!(!full.join("scaling.csv").exists());
    // The summaries differ only in that warning (and the wall time).
    let strip = |s: String| -> String {
        s.lines()
            .filter(|l| !l.contains("wall_seconds"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let sf = strip(fs::read_to_string(full.join("summary.json")).unwrap());
    let sa = strip(summary);
    assert!(sa.len() > sf.len());
    assert_eq!(
        sf.split("\"warnings\"").next(),
        sa.split("\"warnings\"").next()
    );
}

#[test]
fn full_is_what_the_library_writes_and_summary_writes_the_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let qs = root.join("scenarios/quickstart.toml");
    let cli = tmp.path().join("cli");
    let o = ecsim(&[
        "run",
        qs.to_str().unwrap(),
        "--out",
        cli.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success());
    // auto on a small scenario: everything, as the library's `write_run` (every row) writes it.
    let lib = tmp.path().join("lib");
    let spec = ecsim::scenario::load(&qs).unwrap();
    ecsim::output::write_run(&lib, |sink| ecsim::sim::simulate(&spec, sink)).unwrap();
    for f in ["timeseries.csv", "tasks.csv", "events.csv"] {
        assert_eq!(
            fs::read(cli.join(f)).unwrap(),
            fs::read(lib.join(f)).unwrap(),
            "{f}"
        );
    }
    let sum = tmp.path().join("sum");
    let o = ecsim(&[
        "run",
        qs.to_str().unwrap(),
        "--out",
        sum.to_str().unwrap(),
        "--detail",
        "summary",
    ]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("{summary.json}"), "{out}");
    for f in ["timeseries.csv", "tasks.csv", "events.csv"] {
        assert!(!sum.join(f).exists(), "{f}");
    }
    assert!(sum.join("summary.json").exists() && sum.join("report.html").exists());
    // The same figures as the full run.
    let tasks = |d: &Path| {
        let s = fs::read_to_string(d.join("summary.json")).unwrap();
        s.lines()
            .filter(|l| l.contains("\"launched\"") || l.contains("\"total\""))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(tasks(&sum), tasks(&cli));
}

#[test]
fn a_bad_detail_is_exit_2_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = fs::read_to_string(root.join("scenarios/quickstart.toml")).unwrap();
    let p = tmp.path().join("bad.toml");
    fs::write(&p, format!("{src}\n[output]\ndetail = \"everything\"\n")).unwrap();
    let line = src.lines().count() + 3;
    let o = ecsim(&[
        "run",
        p.to_str().unwrap(),
        "--out",
        tmp.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("bad.toml:{line}")), "{err}");
    assert!(
        err.contains("output.detail") && err.contains("\"auto\", \"full\", \"summary\""),
        "{err}"
    );
    assert!(!tmp.path().join("o").exists());
    let o = ecsim(&["run", p.to_str().unwrap(), "--detail", "most"]);
    assert_eq!(o.status.code(), Some(2));
}
