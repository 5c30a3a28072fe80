//! report.html in a real browser (issue #23): headless Chromium loads the reports the CLI writes, with the
//! page's self-test hook (`#selftest=…`, src/output/report/selftest.js) driving the event-log filter, the
//! zoom buttons and wheel, a chart mark and the sweep tables; `--dump-dom` returns the page after its
//! scripts ran, and the test compares what the page wrote against figures it computes from the CSV files.
//!
//! Needs Chromium (`apt-get install -y chromium`; `.ci/run` installs it when absent). Without one the tests
//! print a SKIP line and pass, unless `ECSIM_REQUIRE_BROWSER` is set (then they fail). `ECSIM_CHROMIUM`
//! names the browser binary when it is not `chromium` on the PATH.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The browser binary, or `None` (after saying so) when there is none and none is required.
fn browser() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ECSIM_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    assert!(
        std::env::var_os("ECSIM_REQUIRE_BROWSER").is_none(),
        "ECSIM_REQUIRE_BROWSER is set but no Chromium was found (set ECSIM_CHROMIUM or install chromium)"
    );
    // Straight to the process's stderr, past the test harness's capture, so the skip is seen.
    let _ = writeln!(
        std::io::stderr(),
        "SKIP browser tests: no Chromium found on the PATH (apt-get install -y chromium, or set ECSIM_CHROMIUM)"
    );
    None
}

/// The page after its scripts ran (`--dump-dom`) and the browser's log, where console messages appear as
/// `…:CONSOLE…` lines.
fn load(browser: &Path, page: &Path, fragment: &str) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}#selftest={fragment}", page.display());
    // To files, not pipes: a page bigger than a pipe's buffer would block the browser while we wait.
    let (out_path, log_path) = (
        profile.path().join("dom.html"),
        profile.path().join("log.txt"),
    );
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1366,900",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("profile").display()
        ))
        .arg(&url)
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{} did not finish loading {url} in 120 s",
                browser.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let dom = std::fs::read_to_string(&out_path).unwrap();
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        dom.contains("</html>"),
        "no page from {url}: status {status}, log:\n{log}"
    );
    (dom, log)
}

/// The attribute `name` of the first start tag in `dom` that begins with `tag` (e.g. `<output id="selftest"`).
fn attr(dom: &str, tag: &str, name: &str) -> Option<String> {
    let start = dom.find(tag)?;
    let end = start + dom[start..].find('>')?;
    let el = &dom[start..end];
    let key = format!(" {name}=\"");
    let i = el.find(&key)? + key.len();
    let j = i + el[i..].find('"')?;
    Some(el[i..j].replace("&amp;", "&"))
}

fn num_attr(dom: &str, tag: &str, name: &str) -> f64 {
    attr(dom, tag, name)
        .unwrap_or_else(|| panic!("{tag} has no {name}"))
        .parse()
        .unwrap()
}

/// What every page must show: no script error, no console message, no horizontal overflow at 1,366 px.
fn assert_clean(dom: &str, log: &str, what: &str) {
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(
        console.is_empty(),
        "{what}: console messages:\n{}",
        console.join("\n")
    );
    assert_eq!(
        attr(dom, "<html", "data-errors").as_deref(),
        Some("0"),
        "{what}: script errors recorded by the page"
    );
    assert_eq!(
        attr(dom, "<output id=\"selftest\"", "data-done").as_deref(),
        Some("1"),
        "{what}: the self-test did not finish"
    );
    let (scroll, client) = (
        num_attr(dom, "<html", "data-scroll-width"),
        num_attr(dom, "<html", "data-client-width"),
    );
    assert!(
        client >= 1300.0,
        "{what}: the window is {client} px wide, not 1,366"
    );
    assert!(
        scroll <= client,
        "{what}: the page is {scroll} px wide in a {client} px window (horizontal overflow)"
    );
}

/// `ecsim ARGS…` through the binary under test; panics unless it succeeds.
fn ecsim(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ecsim {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One row of events.csv as the page's filter sees it.
struct Event {
    t_s: f64,
    kind: String,
    service: String,
    text: String,
}

fn events(dir: &Path) -> Vec<Event> {
    let mut r = csv::Reader::from_path(dir.join("events.csv")).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            Event {
                t_s: rec[0].parse().unwrap(),
                kind: rec[2].to_string(),
                service: rec[3].to_string(),
                // the row's text: clock, kind, service and message cells
                text: format!("{}{}{}{}", &rec[1], &rec[2], &rec[3], &rec[4]).to_lowercase(),
            }
        })
        .take(5000)
        .collect()
}

/// The value of `field` that the most rows have without every row having it, with its count.
fn selective<'a>(ev: &'a [Event], field: impl Fn(&'a Event) -> &'a str) -> &'a str {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for e in ev {
        *counts.entry(field(e)).or_default() += 1;
    }
    counts
        .iter()
        .filter(|(v, n)| **n < ev.len() && !v.is_empty())
        .max_by_key(|(_, n)| **n)
        .map(|(v, _)| *v)
        .expect("events with at least two values")
}

/// Run `scenario` through the CLI, open its report with the self-test and check every part of it.
fn check_run_report(browser: &Path, scenario: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    ecsim(&["run", scenario, "--out", dir.to_str().unwrap(), "-q"]);
    let ev = events(&dir);
    let page = dir.join("report.html");
    let html = std::fs::read_to_string(&page).unwrap();
    let unit: f64 = attr(&html, "<section id=\"events\"", "data-unit")
        .unwrap()
        .parse()
        .unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let end_s = summary["simulated_seconds"].as_f64().unwrap();
    let (svc, kind) = (
        selective(&ev, |e| e.service.as_str()),
        selective(&ev, |e| e.kind.as_str()),
    );
    // A window over the middle half of the events, in the filter's unit (hours or days).
    let (a, b) = (ev[ev.len() / 4].t_s / unit, ev[ev.len() * 3 / 4].t_s / unit);
    let count = |f: &dyn Fn(&Event) -> bool| ev.iter().filter(|e| f(e)).count();
    let in_window = |e: &Event| e.t_s / unit >= a && e.t_s / unit <= b;
    let expected = [
        count(&|e| e.service == svc),
        count(&|e| e.kind == kind),
        count(&in_window),
        count(&|e| e.service == svc && e.kind == kind && in_window(e)),
        count(&|e| e.text.contains("started")),
        ev.len(),
    ];
    assert!(
        expected[..3].iter().all(|&n| n > 0 && n < ev.len()),
        "{scenario}: the filters chosen do not select ({expected:?} of {})",
        ev.len()
    );
    let fragment = format!(
        "filter:s={svc};filter:k={kind};filter:a={a}&b={b};filter:s={svc}&k={kind}&a={a}&b={b};filter:q=started;filter:;zoom;mark"
    );
    let (dom, log) = load(browser, &page, &fragment);
    assert_clean(&dom, &log, scenario);

    // every chart drew, each with points
    let charts = num_attr(&dom, "<html", "data-charts");
    assert!(charts >= 2.0, "{scenario}: {charts} interactive charts");
    assert_eq!(
        num_attr(&dom, "<html", "data-charts-drawn"),
        charts,
        "{scenario}: not every chart drew"
    );
    assert_eq!(dom.matches("class=\"ichart\"").count() as f64, charts);
    assert!(
        !dom.contains("data-points=\"0\""),
        "{scenario}: an empty chart"
    );

    // the filter shows the rows computed from events.csv
    let got: Vec<usize> = attr(&dom, "<output id=\"selftest\"", "data-filter")
        .unwrap()
        .split('|')
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(
        got, expected,
        "{scenario}: rows shown by service={svc}, kind={kind}, {a}..{b}, all three, text, none"
    );

    // zoom: whole run, the + button halves the span, a wheel step in takes 20 % off, reset restores it
    let spans: Vec<f64> = attr(&dom, "<output id=\"selftest\"", "data-zoom")
        .unwrap()
        .split('|')
        .map(|n| n.parse().unwrap())
        .collect();
    let full = spans[0];
    assert!((full - end_s).abs() <= 120.0, "{scenario}: view {full} s");
    for (got, want) in spans.iter().zip([full, full / 2.0, full * 0.4, full]) {
        assert!(
            (got - want).abs() <= 1.0,
            "{scenario}: zoom spans {spans:?}"
        );
    }

    // clicking a mark filters the log to its kind and highlights its rows
    let mark = attr(&dom, "<output id=\"selftest\"", "data-mark").unwrap();
    let parts: Vec<&str> = mark.split(' ').collect();
    assert_eq!(parts.len(), 6, "{scenario}: mark {mark}");
    let highlighted: usize = parts[2].parse().unwrap();
    assert!(highlighted >= 1, "{scenario}: mark {mark}");
    assert!(
        parts[3].split(',').all(|k| k == parts[0]),
        "{scenario}: mark {mark}"
    );
    assert_eq!(
        parts[4], parts[0],
        "{scenario}: the kind filter after a mark"
    );
    assert!(parts[5].parse::<usize>().unwrap() >= highlighted);

    let ms = num_attr(&dom, "<html", "data-charts-ms");
    println!("{scenario}: {charts} charts drawn in {ms} ms");
}

#[test]
fn quickstart_report_in_a_browser() {
    let Some(b) = browser() else { return };
    check_run_report(&b, "scenarios/quickstart.toml");
}

#[test]
fn autoscaling_report_in_a_browser() {
    let Some(b) = browser() else { return };
    check_run_report(&b, "scenarios/nasa-ec2-autoscaling.toml");
}

#[test]
fn sweep_report_sorts_and_filters_in_a_browser() {
    let Some(b) = browser() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    ecsim(&[
        "sweep",
        "sweeps/quickstart-sizes.toml",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let mut r = csv::Reader::from_path(dir.join("variants.csv")).unwrap();
    let rows: Vec<Vec<String>> = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    // column 2 of the page's table is variants.csv's column 1 (after "#" and the variant's name)
    let mut asc: Vec<u32> = rows.iter().map(|r| r[1].parse().unwrap()).collect();
    asc.sort_unstable();
    let desc: Vec<u32> = asc.iter().rev().copied().collect();
    let needle = "c5.large";
    let with_needle = rows.iter().filter(|r| r.concat().contains(needle)).count();
    assert!(with_needle > 0 && with_needle < rows.len());

    let (dom, log) = load(
        &b,
        &dir.join("report.html"),
        &format!("sort:variants-table:2;vfilter:{needle};vfilter:"),
    );
    assert_clean(&dom, &log, "sweep report");
    let join = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    assert_eq!(
        attr(&dom, "<output id=\"selftest\"", "data-sort").unwrap(),
        format!("{}|{}", join(&asc), join(&desc))
    );
    assert_eq!(
        attr(&dom, "<output id=\"selftest\"", "data-vfilter").unwrap(),
        format!("{with_needle}|{}", rows.len())
    );
}

/// Past 10 variants (a 4 × 3 grid): the side-by-side table has a row per variant and sorts by a figure,
/// the filter finds variants by a value, and the small multiples are in the page, without script errors.
#[test]
fn a_twelve_variant_grid_sweep_report_sorts_filters_and_shows_small_multiples() {
    let Some(b) = browser() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("grid.toml");
    std::fs::write(
        &file,
        format!(
            "base = \"{}/scenarios/quickstart.toml\"\nseeds = 2\n[vary]\n\"services.web.desired_count\" = [2, 4, 6, 8]\n\
             \"capacity_providers.general.instance_type\" = [\"m5.large\", \"c5.large\", \"m5.xlarge\"]\n",
            env!("CARGO_MANIFEST_DIR")
        ),
    )
    .unwrap();
    let dir = tmp.path().join("sweep");
    ecsim(&[
        "sweep",
        file.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
        "-q",
    ]);
    let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(page.contains("<h2>Small multiples</h2>"));
    // column 2 of the table by variant is its first figure, cost_usd.total (USD)
    assert!(page.contains(
        "<table class=\"grid sortable\" id=\"compare-table\"><thead><tr><th>#</th><th>variant</th><th class=\"v\">cost_usd.total (USD)</th>"
    ));
    let (dom, log) = load(
        &b,
        &dir.join("report.html"),
        "sort:compare-table:2;vfilter:xlarge",
    );
    assert_clean(&dom, &log, "12-variant sweep report");
    let sorted = attr(&dom, "<output id=\"selftest\"", "data-sort").unwrap();
    let (asc, desc) = sorted.split_once('|').unwrap();
    // "0.7315 ± 0 (2)": the mean leads
    let means = |s: &str| -> Vec<f64> {
        s.split(',')
            .map(|c| c.split_whitespace().next().unwrap().parse().unwrap())
            .collect()
    };
    let (asc, desc) = (means(asc), means(desc));
    assert_eq!(asc.len(), 12);
    assert!(asc.windows(2).all(|w| w[0] <= w[1]), "{asc:?}");
    assert!(desc.windows(2).all(|w| w[0] >= w[1]), "{desc:?}");
    assert!(asc[0] < asc[11], "the instance types cost differently");
    // the four desired counts of m5.xlarge
    assert_eq!(
        attr(&dom, "<output id=\"selftest\"", "data-vfilter").as_deref(),
        Some("4")
    );
}
