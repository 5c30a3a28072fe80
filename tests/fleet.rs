//! Issue #9's fleet shape, for correctness (never timed here: timing is `ecsim-bench`'s job).
//!
//! - The committed `scenarios/fleet/medium.toml` is exactly what the generator prints, so the command in
//!   docs/scenarios.md (`ecsim-bench fleet --medium`) reproduces it.
//! - A small fleet (6 services × 50 tasks on 40 instances, 2 days) behaves as designed: every service
//!   follows its diurnal load between about 25 and 75 tasks within min 20 / max 80, CPU stays near the
//!   60 % target, and a second run gives the same figures.

#[path = "../benches/support/mod.rs"]
mod support;

use ecsim::metrics::MemorySink;
use ecsim::scenario;
use ecsim::sim::simulate;
use support::Fleet;

#[test]
fn committed_medium_fleet_is_the_generators_output() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/fleet/medium.toml");
    let committed = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        committed,
        support::fleet_toml(Fleet::MEDIUM),
        "regenerate with: cargo run --release --bin ecsim-bench -- fleet --medium > scenarios/fleet/medium.toml"
    );
}

#[test]
fn a_small_fleet_follows_its_diurnal_load() {
    let src = support::fleet_toml(Fleet {
        services: 6,
        instances: 40,
        days: 2,
        distinct: false,
    });
    let spec = scenario::load_str(&src, "<fleet>", std::path::Path::new(".")).unwrap();
    let mut sink = MemorySink::default();
    let s = simulate(&spec, &mut sink);
    // 40 × 4 vCPU m5.xlarge hold 40 × 16 = 640 tasks of 0.25 vCPU: the 6 × 80 = 480 maximum fits.
    assert_eq!(s.placement_failures, 0);
    for svc in 0..6 {
        let name = format!("svc{svc:04}");
        let rows: Vec<_> = sink
            .series
            .iter()
            .filter(|r| r.scope == "service" && r.name == name)
            .collect();
        assert_eq!(rows.len(), 2 * 1440 + 1, "{name}: one row per minute");
        let running: Vec<u32> = rows.iter().filter_map(|r| r.running).collect();
        let (lo, hi) = (
            *running[1440..].iter().min().unwrap(),
            *running[1440..].iter().max().unwrap(),
        );
        // Mean 750 requests/s, peak-to-trough 3: 375..1125 requests/s; at 60 % of 25 requests/s per
        // task that is 25..75 tasks. Scale-in is gradual and lags, so the trough stays a little higher.
        assert!((20..=32).contains(&lo), "{name}: day-2 minimum {lo}");
        assert!((70..=80).contains(&hi), "{name}: day-2 maximum {hi}");
        // CPU near the 60 % target on day 2 (mean of the minutes).
        let cpu: Vec<f64> = rows[1440..]
            .iter()
            .filter_map(|r| r.cpu_utilization)
            .collect();
        let mean = cpu.iter().sum::<f64>() / cpu.len() as f64;
        assert!((50.0..65.0).contains(&mean), "{name}: mean CPU {mean:.1} %");
    }
    // Same scenario, same seed: same figures.
    let again = simulate(&spec, &mut ecsim::metrics::NullSink);
    assert_eq!(again.events, s.events);
    assert_eq!(again.latency_ms, s.latency_ms);
}

/// `[output]` for very large runs: `timeseries.csv` rows every `timeseries_interval` (a multiple of the
/// metric period) and no `tasks.csv` rows; the simulation and the summary are unchanged.
#[test]
fn output_table_thins_the_files_not_the_run() {
    let base = support::fleet_toml(Fleet {
        services: 2,
        instances: 10,
        days: 1,
        distinct: false,
    });
    let thin = base.replacen(
        "[cluster]",
        "[output]\ntimeseries_interval = \"1h\"\ntasks_csv = false\n\n[cluster]",
        1,
    );
    let run = |src: &str| {
        let spec = scenario::load_str(src, "<fleet>", std::path::Path::new(".")).unwrap();
        let mut sink = MemorySink::default();
        let s = simulate(&spec, &mut sink);
        (s, sink)
    };
    let (full, full_rows) = run(&base);
    let (s, rows) = run(&thin);
    // Ticks at 0, 1, …, 1440 minutes; every 60th: 0, 60, …, 1440 → 25 per service and for the cluster.
    let svc: Vec<_> = rows
        .series
        .iter()
        .filter(|r| r.scope == "service" && r.name == "svc0000")
        .collect();
    assert_eq!(svc.len(), 25);
    assert!(svc.iter().all(|r| r.time_ms % 3_600_000 == 0));
    assert_eq!(
        rows.series.iter().filter(|r| r.scope == "cluster").count(),
        25
    );
    // The kept rows are the full run's rows at those times.
    let full_at: Vec<_> = full_rows
        .series
        .iter()
        .filter(|r| r.scope == "service" && r.name == "svc0000" && r.time_ms % 3_600_000 == 0)
        .collect();
    assert_eq!(format!("{svc:?}"), format!("{full_at:?}"));
    assert!(rows.tasks.is_empty() && !full_rows.tasks.is_empty());
    assert_eq!((s.events, s.latency_ms), (full.events, full.latency_ms));
    assert_eq!(s.cpu_reservation_mean, full.cpu_reservation_mean);

    // Not a multiple of the period: a load error naming the field.
    let bad = base.replacen(
        "[cluster]",
        "[output]\ntimeseries_interval = \"90s\"\n\n[cluster]",
        1,
    );
    let err = scenario::load_str(&bad, "<fleet>", std::path::Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("output.timeseries_interval") && err.contains("multiple of the metric period"),
        "{err}"
    );
    let typo = base.replacen("[cluster]", "[output]\ntask_csv = false\n\n[cluster]", 1);
    let err = scenario::load_str(&typo, "<fleet>", std::path::Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(err.contains("tasks_csv"), "{err}");
}

/// `ecsim-bench fleet --distinct` (issue #20): each service its own mean rate and peak minute, so the
/// rate memo shares nothing; the scenario loads and says so.
#[test]
fn distinct_fleet_gives_each_service_its_own_load() {
    // Service 0: hash 0 → mean 500 + 0 = 500, peak 10:00.
    assert_eq!(support::distinct_load(0), (500.0, 10.0));
    // Service 1: hash 2,654,435,761; >> 8 = 10,368,889; mod 501 = 193 → mean 693. Rotated left 13 bits
    // and >> 4, mod 480 = 476 minutes → peak 10:00 + 7:56 = 17:56.
    assert_eq!(support::distinct_load(1), (693.0, 10.0 + 476.0 / 60.0));
    let mut seen = std::collections::HashSet::new();
    for i in 0..2000 {
        let (mean, peak) = support::distinct_load(i);
        assert!((500.0..=1000.0).contains(&mean), "{i}: mean {mean}");
        assert!((10.0..18.0).contains(&peak), "{i}: peak {peak}");
        assert!(
            seen.insert((mean as u32, (peak * 60.0).round() as u32)),
            "{i}: a second service with the same load"
        );
    }
    let f = Fleet {
        services: 5,
        instances: 30,
        days: 1,
        distinct: true,
    };
    let src = support::fleet_toml(f);
    assert!(src.contains("name = \"fleet-5x50-on-30-1d-distinct\""));
    assert!(src.contains("mean = 693, peak_to_trough = 3, peak_hour = 17.933333333333334 }"));
    let spec = scenario::load_str(&src, "<fleet>", std::path::Path::new(".")).unwrap();
    assert_eq!(spec.services.len(), 5);
    // The plain shape is unchanged by the option's existence.
    assert!(
        !support::fleet_toml(Fleet {
            distinct: false,
            ..f
        })
        .contains("distinct")
    );
}
