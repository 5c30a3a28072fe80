use super::*;
use crate::metrics::MemorySink;

/// A plan folding two written rows (1-minute periods) into one service row every 2 minutes.
fn fleet_plan() -> Plan {
    Plan {
        requested: Detail::Auto,
        applied: Applied::Fleet,
        services: 2,
        small_services: 1,
        service_rows_every: 2,
        service_interval_ms: 120_000,
        sampled: false,
        sized: false,
    }
}

fn svc(t_min: u64, name: &str, running: u32, cpu: f64, served: f64, p99: f64) -> SeriesRow {
    SeriesRow {
        time_ms: t_min * 60_000,
        scope: "service",
        name: name.to_string(),
        desired: Some(running),
        running: Some(running),
        pending: Some(0),
        cpu_utilization: Some(cpu),
        request_rate: Some(served / 60.0),
        served: Some(served),
        errors: Some(1.0),
        queued: Some(0.0),
        latency_p99_ms: Some(p99),
        cost_usd: Some(t_min as f64),
        slo_bad: Some(p99 > 100.0),
        ..SeriesRow::default()
    }
}

fn cluster(t_min: u64) -> SeriesRow {
    SeriesRow {
        time_ms: t_min * 60_000,
        scope: "cluster",
        name: "default".into(),
        instances: Some(3),
        ..SeriesRow::default()
    }
}

#[test]
fn a_fleet_folds_service_rows_and_writes_fleet_rows_every_period() {
    let mut d = DetailSink::new(MemorySink::default(), fleet_plan());
    for t in 0..=3 {
        // a: 2 + t tasks, CPU 10·(t+1) %, 60·(t+1) served, p99 50·(t+1) ms; b: 10 tasks, CPU 80 %,
        // 600 served, p99 20 ms.
        let f = (t + 1) as f64;
        d.series(&svc(t, "a", 2 + t as u32, 10.0 * f, 60.0 * f, 50.0 * f));
        d.series(&svc(t, "b", 10, 80.0, 600.0, 20.0));
        d.series(&cluster(t));
    }
    d.finish();
    let rows = &d.inner_mut().series;
    let of = |scope: &str, name: &str| -> Vec<&SeriesRow> {
        rows.iter()
            .filter(|r| r.scope == scope && r.name == name)
            .collect()
    };
    // Every period keeps its cluster row and gains four fleet rows.
    assert_eq!(of("cluster", "default").len(), 4);
    for n in FLEET_ROWS {
        assert_eq!(of("fleet", n).len(), 4, "{n}");
    }
    // Service a: the row at 0 s alone, then minutes 1–2 and 3 (the last interval is cut short by the end).
    let a = of("service", "a");
    assert_eq!(
        a.iter().map(|r| r.time_ms).collect::<Vec<_>>(),
        [0, 120_000, 180_000]
    );
    // Minutes 1–2: served 120 + 180 = 300, errors 1 + 1 = 2; CPU (20 + 30) / 2 = 25 %; request rate
    // (2 + 3) / 2 = 2.5 /s; p99 the worst minute's, max(100, 150) = 150 ms; bad because minute 2 was
    // (150 > 100); running and cost at the end of the interval: 4 tasks, 2 USD.
    let r = a[1];
    assert_eq!((r.served, r.errors), (Some(300.0), Some(2.0)));
    assert_eq!((r.cpu_utilization, r.request_rate), (Some(25.0), Some(2.5)));
    assert_eq!(r.latency_p99_ms, Some(150.0));
    assert_eq!(r.slo_bad, Some(true));
    assert_eq!((r.running, r.cost_usd), (Some(4), Some(2.0)));
    // The folded rows' sums are the periods' sums: 60 + 120 + 180 + 240 = 600 served over the run.
    let total: f64 = a.iter().filter_map(|r| r.served).sum();
    assert_eq!(total, 600.0);
    assert_eq!(of("service", "b").len(), 3);

    // Minute 1's fleet rows: CPU of a 20, b 80 → nearest-rank p50 = rank ⌈1⌉ = 20, p90 = rank ⌈1.8⌉ = 80,
    // max 80; running 3 and 10 → total 13; served 120 + 600 = 720; p99 latency has no total.
    let at = |n: &str| *of("fleet", n).iter().find(|r| r.time_ms == 60_000).unwrap();
    assert_eq!(at("p50").cpu_utilization, Some(20.0));
    assert_eq!(at("p90").cpu_utilization, Some(80.0));
    assert_eq!(at("max").latency_p99_ms, Some(100.0));
    assert_eq!(at("total").running, Some(13));
    assert_eq!(at("total").served, Some(720.0));
    assert_eq!(at("total").latency_p99_ms, None);
    assert_eq!(at("total").cpu_utilization, None);

    // Order within a period: the interval's service rows, then the fleet rows, then the cluster's.
    let scopes: Vec<&str> = rows
        .iter()
        .filter(|r| r.time_ms == 120_000)
        .map(|r| r.scope)
        .collect();
    assert_eq!(
        scopes,
        [
            "service", "service", "fleet", "fleet", "fleet", "fleet", "cluster"
        ]
    );
}

#[test]
fn full_passes_everything_and_summary_nothing() {
    let mut full_plan = fleet_plan();
    full_plan.applied = Applied::Full;
    let mut d = DetailSink::new(MemorySink::default(), full_plan);
    for t in 0..3 {
        d.series(&svc(t, "a", 1, 1.0, 1.0, 1.0));
        d.series(&cluster(t));
    }
    d.finish();
    assert_eq!(d.inner_mut().series.len(), 6);
    assert!(d.wants_tasks() && d.wants_events() && d.wants_series());

    let mut sum_plan = fleet_plan();
    sum_plan.applied = Applied::Summary;
    let d = DetailSink::new(MemorySink::default(), sum_plan);
    assert!(!d.wants_tasks() && !d.wants_events() && !d.wants_series());
    let d = DetailSink::new(MemorySink::default(), fleet_plan());
    assert!(!d.wants_tasks() && d.wants_events() && d.wants_series());
}

fn ev(what: What) -> EventRecord {
    EventRecord {
        time_ms: 0,
        service: None,
        what,
    }
}

#[test]
fn a_fleets_events_are_decisions_and_failures() {
    use crate::spec::{ProviderId, ZoneId};
    let kept = [
        ev(What::Scaling {
            out: true,
            from: 2,
            to: 3,
            metric: "ECSServiceAverageCPUUtilization",
            target: Some(50.0),
            reason: None,
        }),
        ev(What::UnableToPlace {
            closest: None,
            fargate: false,
        }),
        ev(What::HealthCheckFailed { task: 7 }),
        ev(What::InstanceFailed {
            instance: 1,
            how: "failed",
        }),
        ev(What::InstanceTerminated { instance: 1 }),
        ev(What::RunTask {
            sentence: "RunTask report (group family:report): 1 of 2 tasks started (task 3); failures: [RESOURCE:MEMORY].".into(),
        }),
        ev(What::ClusterScaleOut {
            provider: ProviderId(0),
            cpr: 150.0,
            m: 3,
            n: 2,
            target: 100,
            from: 2,
            to: 3,
        }),
    ];
    let dropped = [
        ev(What::TasksStarted { tasks: vec![1, 2] }),
        ev(What::TasksStopped { tasks: vec![1] }),
        ev(What::SteadyState),
        ev(What::InstanceRegistered {
            instance: 1,
            provider: ProviderId(0),
            zone: ZoneId(0),
            cpu: 4096,
            memory_mib: 15924,
        }),
        ev(What::RunTask {
            sentence:
                "RunTask report (group family:report): 2 of 2 tasks started (task 18, task 19)."
                    .into(),
        }),
    ];
    for e in &kept {
        assert!(keeps_event(e), "{:?}", e.what);
    }
    for e in &dropped {
        assert!(!keeps_event(e), "{:?}", e.what);
    }
}

fn spec(extra: &str, services: usize) -> Result<Spec, String> {
    let mut src = format!(
        "name = \"d\"\nduration = \"1h\"\n{extra}\n[cluster]\navailability_zones = [\"a\"]\n\
         [[capacity_providers]]\nname = \"cp\"\ninstance_type = \"m5.large\"\nmax_size = 2\ndesired_size = 2\n\
         [[task_definitions]]\nfamily = \"w\"\ncpu = 256\nmemory = 512\n"
    );
    for i in 0..services {
        src.push_str(&format!(
            "[[services]]\nname = \"s{i}\"\ntask_definition = \"w\"\ndesired_count = 1\n"
        ));
    }
    crate::scenario::load_str(&src, "d.toml", std::path::Path::new(".")).map_err(|d| d.to_string())
}

#[test]
fn auto_is_full_up_to_small_services_and_fleet_past_it() {
    let small = Plan::of(&spec("", 20).unwrap());
    assert_eq!(small.applied, Applied::Full);
    assert!(small.note().is_none());
    let fleet = Plan::of(&spec("", 21).unwrap());
    assert_eq!(fleet.applied, Applied::Fleet);
    // 15 minutes of 1-minute periods.
    assert_eq!(
        (fleet.service_rows_every, fleet.service_interval_ms),
        (15, 900_000)
    );
    let note = fleet.note().unwrap();
    assert_eq!(note.code, OUTPUT_DETAIL);
    assert!(note.message.contains("21 services"), "{}", note.message);
    assert!(note.message.contains("--detail full"), "{}", note.message);
    let keys = "[output]\ndetail = \"full\"\nsmall_services = 2\nservice_interval = \"1h\"";
    let p = Plan::of(&spec(keys, 3).unwrap());
    assert_eq!(p.applied, Applied::Full);
    let p = Plan::of(&spec("[output]\nsmall_services = 2\nservice_interval = \"1h\"", 3).unwrap());
    assert_eq!((p.applied, p.service_rows_every), (Applied::Fleet, 60));
    // Rows already sampled every 30 minutes by timeseries_interval are not folded again.
    let p = Plan::of(
        &spec(
            "[output]\nsmall_services = 2\ntimeseries_interval = \"30m\"",
            3,
        )
        .unwrap(),
    );
    assert_eq!(
        (p.service_rows_every, p.service_interval_ms),
        (1, 1_800_000)
    );
    let p = Plan::of(&spec("[output]\ndetail = \"summary\"", 1).unwrap());
    assert_eq!(p.applied, Applied::Summary);
    assert_eq!(p.files(), ["summary.json"]);
    assert!(p.note().unwrap().message.contains("only summary.json"));
}

#[test]
fn bad_output_keys_name_the_file_line_and_field() {
    // d.toml: line 1 name, 2 duration, 3 [output], 4 the key.
    let e = spec("[output]\ndetail = \"most\"", 1).unwrap_err();
    assert!(e.contains("d.toml:4"), "{e}");
    assert!(e.contains("output.detail"), "{e}");
    assert!(
        e.contains("allowed: \"auto\", \"full\", \"summary\""),
        "{e}"
    );
    let e = spec("[output]\nservice_interval = \"90s\"", 1).unwrap_err();
    assert!(
        e.contains("d.toml:4") && e.contains("output.service_interval"),
        "{e}"
    );
    let e = spec("[output]\nsmall_services = -1", 1).unwrap_err();
    assert!(
        e.contains("d.toml:4") && e.contains("small_services"),
        "{e}"
    );
}

#[test]
fn nearest_rank_is_the_summarys_rule() {
    // 10 values 10, 9, …, 1: p50 → rank ⌈5⌉ = 5th smallest = 5; p90 → rank ⌈9⌉ = 9; p91 → ⌈9.1⌉ = 10.
    let v: Vec<f64> = (1..=10).rev().map(f64::from).collect();
    assert_eq!(nearest_rank(&mut v.clone(), 0.5), Some(5.0));
    assert_eq!(nearest_rank(&mut v.clone(), 0.9), Some(9.0));
    assert_eq!(nearest_rank(&mut v.clone(), 0.91), Some(10.0));
    assert_eq!(nearest_rank(&mut [], 0.5), None);
}

#[test]
fn the_service_interval_is_sized_by_the_run() {
    const H: u64 = 3_600_000;
    // 100 services, 7 days of minute rows: 15 min gives 100 × (672 + 1) = 67,300 rows: kept.
    assert_eq!(sized_service_interval(100, 7 * 24 * H, 60_000), 900_000);
    // 2,000 services, 30 days of hourly (sampled) rows: 1 h gives 2,000 × 721 = 1,442,000 > 1,000,000;
    // 2 h gives 2,000 × 361 = 722,000. (15 and 30 min round to the rows' hour.)
    assert_eq!(sized_service_interval(2_000, 30 * 24 * H, H), 2 * H);
    // 2,000 services, 30 days of minute rows: 15 min gives 2,000 × 2,881 = 5.76 M; 30 min 2.88 M;
    // 1 h 1.44 M; 2 h 722,000.
    assert_eq!(sized_service_interval(2_000, 30 * 24 * H, 60_000), 2 * H);
    // 100,000 services over a year: a day gives 100,000 × 366 = 36.6 M; weeks: 1 w 5.4 M, 2 w 2.8 M,
    // 4 w 1.5 M, 8 w 100,000 × (⌈365 / 56⌉ + 1) = 800,000.
    assert_eq!(
        sized_service_interval(100_000, 365 * 24 * H, 60_000),
        8 * 7 * 24 * H
    );
    // 7-second periods: 15 minutes is not a whole number of them, so 128 of them (896 s), as the key
    // rounds; 100 services × (⌈604,800 / 896⌉ + 1 = 676) = 67,600 rows.
    assert_eq!(sized_service_interval(100, 7 * 24 * H, 7_000), 896_000);
    // An explicit key wins; the plan says which.
    let p = Plan::of(&spec("[output]\nsmall_services = 2\nservice_interval = \"1h\"", 3).unwrap());
    assert!(!p.sized);
    let p = Plan::of(&spec("[output]\nsmall_services = 2", 3).unwrap());
    assert!(p.sized);
    assert!(p.note().unwrap().message.contains("within 1,000,000"));
}

#[test]
fn sampled_rows_keep_the_sample_at_the_intervals_end() {
    // Rows every minute standing for samples; a service row every 2 of them: the second, unfolded.
    let plan = Plan {
        sampled: true,
        ..fleet_plan()
    };
    let mut d = DetailSink::new(MemorySink::default(), plan);
    for t in 0..=3 {
        d.series(&svc(
            t,
            "a",
            2 + t as u32,
            10.0,
            60.0 * (t + 1) as f64,
            50.0,
        ));
    }
    d.finish();
    let rows: Vec<_> = (d.into_inner().series.into_iter())
        .filter(|r| r.scope == "service")
        .map(|r| (r.time_ms / 60_000, r.running, r.served))
        .collect();
    // 0 min is its own row; 2 min the sample at 2 (not 120 + 180 served); 3 min the run's last.
    assert_eq!(
        rows,
        [
            (0, Some(2), Some(60.0)),
            (2, Some(4), Some(180.0)),
            (3, Some(5), Some(240.0))
        ]
    );
}

#[test]
fn a_fleets_scaling_decisions_go_to_scaling_csv_with_examples_in_events() {
    use crate::spec::ServiceId;
    let s = spec("[output]\nsmall_services = 2", 3).unwrap();
    let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut d = DetailSink::new(MemorySink::default(), Plan::of(&s))
        .with_scaling(Box::new(Shared(buf.clone())));
    let dec = |t_s: u64, from: u32, to: u32| EventRecord {
        time_ms: t_s * 1000,
        service: Some(ServiceId(1)),
        what: What::Scaling {
            out: to > from,
            from,
            to,
            metric: "ECSServiceAverageCPUUtilization",
            target: Some(60.0),
            reason: None,
        },
    };
    // Three outs and an in within the first 15 minutes; a failure in between.
    for e in [
        dec(60, 1, 2),
        dec(120, 2, 3),
        dec(180, 3, 2),
        dec(240, 2, 4),
    ] {
        d.event(e, &s);
    }
    d.event(
        ev(What::UnableToPlace {
            closest: None,
            fargate: false,
        }),
        &s,
    );
    d.finish();
    d.finish_scaling().unwrap();
    let kept: Vec<&str> = (d.inner_mut().events.iter()).map(|e| e.code).collect();
    // The first scale-out and the first scale-in as sentences, and the failure.
    assert_eq!(kept, ["scale_out", "scale_in", "unable_to_place"]);
    let out = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
    assert_eq!(
        out,
        "time_s,clock,service,scale_outs,scale_ins,from,to,desired_min,desired_max\n\
         900.000,00:15:00,s1,3,1,1,4,1,4\n"
    );
}

/// `ecsim run` folds on the CSV writer's thread: its `timeseries.csv` holds, byte for byte, the rows
/// the fold on the simulation's side gives (the rows of the test above, with a third service that
/// first comes at the second minute, after the cluster row).
#[test]
fn the_writer_thread_folds_as_the_sink_does() {
    let mut rows = Vec::new();
    for t in 0..=4u64 {
        let f = (t + 1) as f64;
        rows.push(svc(t, "a", 2 + t as u32, 10.0 * f, 60.0 * f, 50.0 * f));
        rows.push(svc(t, "b", 10, 80.0, 600.0, 20.0));
        rows.push(cluster(t));
        if t >= 2 {
            rows.push(svc(t, "c", 1, 5.0 * f, 1.5 * f, 300.0 / f));
        }
    }
    let mut d = DetailSink::new(MemorySink::default(), fleet_plan());
    for r in &rows {
        d.series(r);
    }
    d.finish();
    let mut want = crate::output::SERIES_HEADER.as_bytes().to_vec();
    want.push(b'\n');
    for r in &d.inner_mut().series {
        crate::output::csv_rows::series(&mut want, r, &r.name, false, false);
    }
    let dir = tempfile::tempdir().unwrap();
    crate::output::write_run_detail(dir.path(), fleet_plan(), |sink| {
        for r in &rows {
            sink.series(r);
        }
        crate::metrics::Summary::default()
    })
    .unwrap();
    let got = std::fs::read(dir.path().join("timeseries.csv")).unwrap();
    assert_eq!(
        String::from_utf8(got).unwrap(),
        String::from_utf8(want).unwrap()
    );
    // Fleet rows: 4 a minute from a and b (5 minutes), and at minutes 2-4 another 4 from c, which
    // comes after the cluster row has closed the minute's fleet rows: 4·5 + 4·3 = 32. Cluster: 5.
    // Services every 2 minutes: a and b at 0, 2, 4 (3 each), c at 2 and 4 (2): 8. 32 + 5 + 8 = 45.
    let n = d.inner_mut().series.len();
    assert_eq!(n, 45);
}
