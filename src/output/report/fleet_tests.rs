//! Fleet views and the report's size bound, on run folders written here (no simulation): services with
//! known SLO bad periods and errors, so the ranking and the views chosen can be checked.

use std::fs;
use std::path::Path;

use super::*;

/// A run folder with `n` services × `rows` one-minute rows (running tasks, CPU, p99, errors, SLO bad),
/// a cluster row per minute, and `events` events. Service `s007` has 3 SLO bad minutes (the most),
/// `s003` 50 errors (the most), the others neither.
fn fleet_folder(dir: &Path, n: usize, rows: usize, events: usize) {
    let mut ts = String::from(
        "time_s,clock,scope,name,desired,running,cpu_utilization,latency_p99_ms,errors,slo_bad,instances\n",
    );
    for r in 0..rows {
        let t = (r + 1) * 60;
        for s in 0..n {
            let bad = u8::from(s == 7 && (10..13).contains(&r));
            let errors = if s == 3 { 50.0 / rows as f64 } else { 0.0 };
            let _ = writeln!(
                ts,
                "{t},,service,s{s:03},{},{},{},{},{errors},{bad}",
                4 + s % 5,
                4 + (s + r) % 5,
                30 + (s * 7 + r) % 50,
                20 + s % 13,
            );
        }
        let _ = writeln!(ts, "{t},,cluster,default,,{},,,,,{}", 4 * n, n);
    }
    fs::write(dir.join("timeseries.csv"), ts).unwrap();
    let mut ev = String::from("time_s,clock,kind,service,message\n");
    for i in 0..events {
        let _ = writeln!(
            ev,
            "{},,task_started,s{:03},Task {i} started on instance i-{i:06}",
            (i % (rows * 60)) as f64,
            i % n
        );
    }
    fs::write(dir.join("events.csv"), ev).unwrap();
    fs::write(
        dir.join("summary.json"),
        format!(
            "{{\"scenario\":\"fleet-test\",\"simulated_seconds\":{}}}",
            rows * 60
        ),
    )
    .unwrap();
}

fn stems(dir: &Path) -> Vec<(String, String)> {
    read_index(dir)
        .unwrap()
        .into_iter()
        .map(|e| (e.stem, e.section))
        .collect()
}

#[test]
fn fleet_views_past_the_threshold_and_not_below() {
    let small = tempfile::tempdir().unwrap();
    fleet_folder(small.path(), charts::FLEET_THRESHOLD, 30, 10);
    // only the task columns, so each service has one chart to draw (a debug build draws slowly)
    let ts = fs::read_to_string(small.path().join("timeseries.csv")).unwrap();
    let lean: String = ts
        .lines()
        .map(|l| l.split(',').take(6).collect::<Vec<_>>().join(",") + "\n")
        .collect();
    fs::write(small.path().join("timeseries.csv"), lean).unwrap();
    charts::render_run_charts(small.path()).unwrap();
    let s = stems(small.path());
    assert!(s.iter().all(|(st, _)| !st.starts_with("fleet-")), "{s:?}");
    // every one of the 20 services has its charts
    for i in 0..charts::FLEET_THRESHOLD {
        assert!(
            s.iter()
                .any(|(st, _)| *st == format!("service-s{i:03}-tasks"))
        );
    }

    let big = tempfile::tempdir().unwrap();
    fleet_folder(big.path(), charts::FLEET_THRESHOLD + 5, 30, 10);
    charts::render_run_charts(big.path()).unwrap();
    let s = stems(big.path());
    for st in [
        "fleet-distribution",
        "fleet-heatmap-cpu",
        "fleet-heatmap-latency",
        "fleet-heatmap-tasks",
    ] {
        assert!(s.iter().any(|(x, _)| x == st), "{st} missing: {s:?}");
    }
    // the worst services only: s007 (3 SLO bad minutes) first, s003 (50 errors) second, then the
    // highest mean p99, 20 + s % 13 over s000–s024: s012 (32) alone.
    let tasks: Vec<&(String, String)> = s
        .iter()
        .filter(|(x, _)| x.ends_with("-tasks") && x.starts_with("service-"))
        .collect();
    assert_eq!(tasks.len(), charts::WORST_N, "{tasks:?}");
    assert_eq!(tasks[0].0, "service-s007-tasks");
    assert!(
        tasks[0].1.contains("worst 1 of 25: 3 SLO bad minutes"),
        "{}",
        tasks[0].1
    );
    assert_eq!(tasks[1].0, "service-s003-tasks");
    assert_eq!(tasks[2].0, "service-s012-tasks");
}

#[test]
fn charts_drawn_in_parallel_are_the_bytes_drawn_serially() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for (d, threads) in dirs.iter().zip([1, 4]) {
        fleet_folder(d.path(), 21, 10, 10);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| charts::render_run_charts(d.path()))
            .unwrap();
    }
    let mut names: Vec<_> = fs::read_dir(dirs[0].path().join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert!(names.len() > 10, "{names:?}");
    for n in names {
        let a = fs::read(dirs[0].path().join("charts").join(&n)).unwrap();
        let b = fs::read(dirs[1].path().join("charts").join(&n)).unwrap();
        assert!(a == b, "{n:?} differs between 1 and 4 threads");
    }
}

#[test]
fn a_200_service_report_stays_under_5_mb_with_every_service_and_a_paged_log() {
    let d = tempfile::tempdir().unwrap();
    fleet_folder(d.path(), 200, 60, 120_000);
    let page = write_run_report(d.path()).unwrap();
    let html = fs::read_to_string(page).unwrap();
    assert!(html.len() < 5_000_000, "{} bytes", html.len());
    let table = &html[html.find("id=\"services-table\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr><td>").count(), 200);
    // the log: the first MAX_EVENTS rows, in pages of LOG_PAGE, with the count and a link to the file
    assert_eq!(html.matches("<tr data-t=").count(), MAX_EVENTS);
    assert!(html.contains(&format!("data-page=\"{LOG_PAGE}\"")));
    assert!(html.contains("<p>120,000 events: "), "event count");
    assert!(html.contains("115,000 more are left out of it"));
    assert!(html.contains("<a href=\"events.csv\">events.csv</a>"));
    // fleet views, not 200 services' charts
    assert!(html.contains("fleet-heatmap-cpu"));
    assert!(!html.contains("service-s150-tasks"));
}

#[test]
fn a_3000_service_report_stays_under_5_mb_with_the_worst_services_listed() {
    // 3,000 services (past MAX_TABLE_ROWS) over 48 periods, the log full (MAX_EVENTS long lines), and a
    // summary with per-service maps as a run writes them (requests, cost and SLO by service).
    let d = tempfile::tempdir().unwrap();
    let n = 3_000;
    fleet_folder(d.path(), n, 48, MAX_EVENTS + 10);
    let by = |f: &dyn Fn(usize) -> String| {
        (0..n)
            .map(|s| format!("\"s{s:03}\":{}", f(s)))
            .collect::<Vec<_>>()
            .join(",")
    };
    let summary = format!(
        "{{\"scenario\":\"fleet-test\",\"simulated_seconds\":2880,\
         \"requests\":{{\"total\":1,\"by_service\":{{{}}}}},\
         \"cost_usd\":{{\"total\":1,\"by_service\":{{{}}}}},\
         \"slo\":{{\"met\":false,\"by_service\":{{{}}}}}}}",
        by(&|s| format!("{{\"total\":{s},\"served\":{s},\"dropped\":0}}")),
        by(&|s| format!("{}.25", s)),
        by(&|_| {
            "{\"bad_minutes\":1,\"minutes\":48,\"attainment\":0.979,\"met\":false,\"objective\":0.99}".into()
        }),
    );
    fs::write(d.path().join("summary.json"), summary).unwrap();
    let page = write_run_report(d.path()).unwrap();
    let html = fs::read_to_string(page).unwrap();
    assert!(html.len() < 5_000_000, "{} bytes", html.len());
    let table = &html[html.find("id=\"services-table\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr><td>").count(), services::MAX_TABLE_ROWS);
    // s007 (the most SLO bad minutes) is rank 1 and listed; the note says what is left out.
    assert!(table.contains("<tr><td>s007</td><td class=\"n\">1</td>"));
    assert!(html.contains("lists the 2000 worst of the 3000 services"));
    // The per-service maps are one line each, not 3,000 rows of cards.
    assert_eq!(
        html.matches("3,000 services: each in summary.json").count(),
        3
    );
    assert!(!html.contains("<th>by_service.s2999.total</th>"));
}

#[test]
fn a_log_of_long_events_stops_at_its_byte_budget() {
    // 6,000 events of about 600 bytes a row: 5,000 would be 3 MB; the page holds the rows up to the
    // first that passes LOG_BYTES (1 MB), about 1,650 of them, and says how many are left out.
    let d = tempfile::tempdir().unwrap();
    fleet_folder(d.path(), 21, 10, 0);
    let mut ev = String::from("time_s,clock,kind,service,message\n");
    let long = "x".repeat(480);
    for i in 0..6_000 {
        let _ = writeln!(ev, "{i},,scaling,s001,{long} {i}");
    }
    fs::write(d.path().join("events.csv"), ev).unwrap();
    let html = fs::read_to_string(write_run_report(d.path()).unwrap()).unwrap();
    let shown = html.matches("<tr data-t=").count();
    let rows = &html[html.find("<tr data-t=").unwrap()
        ..html.rfind("</tbody></table></div>\n</section>").unwrap()];
    assert!(
        rows.len() >= LOG_BYTES && rows.len() < LOG_BYTES + 1_000,
        "{}",
        rows.len()
    );
    assert!((1_500..2_000).contains(&shown), "{shown}");
    assert!(html.contains(&format!(
        "{} more are left out of it",
        fmt_grouped((6_000 - shown) as f64)
    )));
}

#[test]
fn a_fleets_explore_charts_are_its_worst_services() {
    // 25 services: the worst are s007 (SLO bad minutes), s003 (errors), s012 (highest p99), … — the
    // Explore charts show those 5 (as the picture charts), not the first 12 (s000 …).
    let d = tempfile::tempdir().unwrap();
    fleet_folder(d.path(), 25, 30, 10);
    let html = fs::read_to_string(write_run_report(d.path()).unwrap()).unwrap();
    let data = &html[html.find("id=\"ts-data\">").unwrap()..];
    let data = &data[..data.find("</script>").unwrap()];
    for s in ["s007", "s003", "s012"] {
        assert!(data.contains(&format!("\"{s}: ")), "{s} missing");
    }
    assert!(!data.contains("\"s000: "), "s000 is not among the worst");
    assert!(html.contains("Services: the 5 worst (the Services table's rank"));
    // 20 services: no fleet views, so the first 12 as before, without the sentence.
    let d = tempfile::tempdir().unwrap();
    fleet_folder(d.path(), charts::FLEET_THRESHOLD, 30, 10);
    let html = fs::read_to_string(write_run_report(d.path()).unwrap()).unwrap();
    assert!(html.contains("\"s000: ") && !html.contains("Services: the"));
}
