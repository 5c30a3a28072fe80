//! `ecsim calibrate` (issue #21 item 3): a run's per-service series against what CloudWatch observed, as
//! the mean absolute percentage error (MAPE) per metric and service, judged against a stated tolerance,
//! and written as `calibrate.csv`, `calibrate-series.csv` and the overlay chart `calibrate.svg` / `.png`.
//!
//! Observed series are resolved as import resolves them ([`super::observed`]): by the query in
//! `metric-queries.json` (ServiceName or TargetGroup dimension, the latter through `services.json`'s
//! target groups), else by the `Id` (`running_<service>`, `desired_<service>`, `cpu_<service>`,
//! `p99_<service>`). Time 0 of the run is the first observed timestamp. CloudWatch stamps a datapoint with
//! the start of its period and ecsim a `timeseries.csv` row with the end, so the observed point at t is
//! compared with the run's row at t + metric period.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use super::model::MetricSeries;
use super::observed::{self, Kind, Query, ServiceRef};
use crate::metrics::SeriesRow;

/// What `--observed DIR` holds: the series, the request that named them, and the services' target groups.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// `get-metric-data` series.
    pub series: Vec<MetricSeries>,
    /// `metric-queries.json`, when present.
    pub queries: Vec<Query>,
    /// (service, `loadBalancers[].targetGroupArn`) from `services.json`, when present.
    pub target_groups: Vec<(String, Vec<String>)>,
}

/// One metric of one service compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// `running`, `desired`, `cpu` or `p99`.
    pub metric: String,
    /// The service.
    pub service: String,
    /// Points compared (observed points that are not zero and have a simulated row).
    pub n: usize,
    /// Observed points left out: zero (MAPE divides by them) or past the run's end.
    pub skipped: usize,
    /// Of the skipped: observed zeros where the run's value was not zero (a misfit MAPE cannot count).
    pub zero_vs_run: usize,
    /// Of the skipped: observed points with no run row at their time (past the run's end, or between
    /// rows when the run writes fewer rows than CloudWatch's period).
    pub no_row: usize,
    /// Mean absolute percentage error, %; `None` with no point compared.
    pub mape_pct: Option<f64>,
    /// The observed points on the run's clock: (period end, ms; value in the run's unit).
    pub observed: Vec<(u64, f64)>,
    /// The run's rows of that metric and service: (period end, ms; value).
    pub simulated: Vec<(u64, f64)>,
}

impl Comparison {
    /// Within the tolerance (a comparison with no points is not, nor one that covers too little of its
    /// observed series: [`Comparison::too_few`]).
    pub fn passes(&self, tolerance_pct: f64) -> bool {
        !self.too_few() && self.mape_pct.is_some_and(|m| m <= tolerance_pct)
    }

    /// Fewer than half of the observed points are compared or agree (an observed zero where the run is
    /// zero too): the rest have no run row or are zeros the run does not match, so the MAPE speaks for a
    /// part of the window only and no verdict is given on it.
    pub fn too_few(&self) -> bool {
        let agree = self.skipped - self.zero_vs_run - self.no_row;
        2 * (self.n + agree) < self.observed.len()
    }

    /// `within`, `outside`, or `too few points` (see [`Comparison::too_few`]).
    pub fn result(&self, tolerance_pct: f64) -> &'static str {
        if self.too_few() {
            "too few points"
        } else if self.passes(tolerance_pct) {
            "within"
        } else {
            "outside"
        }
    }

    /// The unit of the values, for the chart and the CSV.
    pub fn unit(&self) -> &'static str {
        match self.metric.as_str() {
            "cpu" => "%",
            "p99" => "ms",
            _ => "tasks",
        }
    }
}

/// The run's value of `kind` in a row, in the unit calibrate compares (p99 in ms).
fn sim_value(r: &SeriesRow, kind: Kind) -> Option<f64> {
    match kind {
        Kind::Running => r.running.map(f64::from),
        Kind::Desired => r.desired.map(f64::from),
        Kind::Cpu => r.cpu_utilization,
        Kind::P99 => r.latency_p99_ms,
        Kind::Requests => None,
    }
}

/// Compare the run's service rows with the observed series. `services` are the scenario's service names.
/// Series that are not compared come back in the second list with the reason.
pub fn compare(
    rows: &[SeriesRow],
    obs: &Observed,
    services: &[String],
    metric_period_ms: u64,
) -> (Vec<Comparison>, Vec<String>) {
    let none: Vec<String> = Vec::new();
    let refs: Vec<ServiceRef> = services
        .iter()
        .map(|s| ServiceRef {
            name: s,
            target_groups: obs
                .target_groups
                .iter()
                .find(|(n, _)| n == s)
                .map_or(&none, |(_, t)| t),
        })
        .collect();
    let t0 = obs
        .series
        .iter()
        .filter_map(|m| m.points.first().map(|p| p.0))
        .min()
        .unwrap_or(0);
    let mut out = Vec::new();
    let mut ignored = Vec::new();
    for m in &obs.series {
        let r = match observed::resolve(&m.id, &obs.queries, &refs) {
            Ok(r) if r.kind == Kind::Requests => {
                ignored.push(format!("{}: the replayed input (RequestCount)", m.id));
                continue;
            }
            Ok(r) => r,
            Err(why) => {
                ignored.push(format!("{}: {why}", m.id));
                continue;
            }
        };
        // CloudWatch gives TargetResponseTime in seconds; the run's latency is in ms.
        let scale = if r.kind == Kind::P99 { 1000.0 } else { 1.0 };
        let simulated: Vec<(u64, f64)> = rows
            .iter()
            .filter(|row| row.scope == "service" && row.name == r.service)
            .filter_map(|row| sim_value(row, r.kind).map(|v| (row.time_ms, v)))
            .collect();
        let sim: BTreeMap<u64, f64> = simulated.iter().copied().collect();
        let (mut n, mut skipped, mut sum) = (0usize, 0usize, 0.0);
        let (mut zero_vs_run, mut no_row) = (0usize, 0usize);
        let mut observed = Vec::new();
        for &(t, v) in &m.points {
            let at = (t - t0).max(0) as u64 + metric_period_ms;
            let obs_v = v * scale;
            observed.push((at, obs_v));
            match sim.get(&at) {
                Some(s) if obs_v != 0.0 => {
                    n += 1;
                    sum += ((s - obs_v) / obs_v).abs();
                }
                Some(s) => {
                    skipped += 1;
                    zero_vs_run += usize::from(*s != 0.0);
                }
                None => {
                    skipped += 1;
                    no_row += 1;
                }
            }
        }
        out.push(Comparison {
            metric: r.kind.name().to_string(),
            service: r.service,
            n,
            skipped,
            zero_vs_run,
            no_row,
            mape_pct: (n > 0).then(|| 100.0 * sum / n as f64),
            observed,
            simulated,
        });
    }
    (out, ignored)
}

/// `calibrate.csv`: one row per comparison.
pub fn table_csv(results: &[Comparison], tolerance_pct: f64) -> String {
    let mut s = String::from(
        "metric,service,points,skipped,mape_pct,tolerance_pct,result,zero_vs_run,no_run_row\n",
    );
    for c in results {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{tolerance_pct},{},{},{}",
            c.metric,
            c.service,
            c.n,
            c.skipped,
            c.mape_pct.map_or(String::new(), |m| format!("{m:.3}")),
            c.result(tolerance_pct),
            c.zero_vs_run,
            c.no_row
        );
    }
    s
}

/// What the MAPE does not show, one line per comparison that has it: observed zeros the run does not
/// match, observed points with no run row (the run is shorter than the observed window, or writes rows
/// less often), and a comparison left without a verdict for covering too little of its series.
pub fn notes(results: &[Comparison]) -> Vec<String> {
    let mut out = Vec::new();
    for c in results {
        let what = format!("{} of {}", c.metric, c.service);
        if c.zero_vs_run > 0 {
            out.push(format!(
                "{what}: {} observed zero(s) where the run's value was not zero, left out (a percentage error cannot divide by 0): a misfit the MAPE does not count",
                c.zero_vs_run
            ));
        }
        if c.no_row > 0 {
            let last = c.simulated.last().map_or(0, |p| p.0);
            out.push(format!(
                "{what}: {} of {} observed points have no run row at their time (the run's last row is at {} s: a run shorter than the observed window, or rows less often than the metric period), left out",
                c.no_row,
                c.observed.len(),
                crate::time::secs(last)
            ));
        }
        if c.too_few() {
            out.push(format!(
                "{what}: {} of {} observed points compared — fewer than half: no verdict (\"too few points\"); run the scenario over the whole observed window",
                c.n,
                c.observed.len()
            ));
        }
    }
    out
}

/// A value with at most 6 decimals and no trailing zeros (0.0558 s × 1000 prints 55.8, not
/// 55.800000000000004).
fn num(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// `calibrate-series.csv`: the overlay's points, observed and simulated side by side on the run's clock.
pub fn series_csv(results: &[Comparison]) -> String {
    let mut s = String::from("time_s,metric,service,observed,simulated\n");
    for c in results {
        let obs: BTreeMap<u64, f64> = c.observed.iter().copied().collect();
        let sim: BTreeMap<u64, f64> = c.simulated.iter().copied().collect();
        let mut times: Vec<u64> = obs.keys().chain(sim.keys()).copied().collect();
        times.sort_unstable();
        times.dedup();
        for t in times {
            let cell = |m: &BTreeMap<u64, f64>| m.get(&t).map_or(String::new(), |v| num(*v));
            let _ = writeln!(
                s,
                "{},{},{},{},{}",
                crate::time::secs(t),
                c.metric,
                c.service,
                cell(&obs),
                cell(&sim)
            );
        }
    }
    s
}

/// Write `calibrate.csv`, `calibrate-series.csv`, `calibrate.svg` and `calibrate.png` into `dir`, each whole (a temporary
/// name, then a rename). Returns the paths written.
pub fn write_outputs(
    dir: &Path,
    title: &str,
    results: &[Comparison],
    tolerance_pct: f64,
) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let svg =
        super::calibrate_chart::svg(title, results, tolerance_pct).map_err(io::Error::other)?;
    let files = [
        ("calibrate.csv", table_csv(results, tolerance_pct)),
        ("calibrate-series.csv", series_csv(results)),
        ("calibrate.svg", svg),
    ];
    let mut written = Vec::new();
    for (name, text) in files {
        let p = dir.join(name);
        crate::output::charts::write_atomic(&p, text.as_bytes())?;
        written.push(p);
    }
    let p = dir.join("calibrate.png");
    super::calibrate_chart::png(&p, title, results, tolerance_pct).map_err(io::Error::other)?;
    written.push(p);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t: u64, running: u32, cpu: f64) -> SeriesRow {
        SeriesRow {
            time_ms: t,
            scope: "service",
            name: "web".into(),
            running: Some(running),
            desired: Some(running),
            cpu_utilization: Some(cpu),
            latency_p99_ms: Some(50.0),
            ..Default::default()
        }
    }

    fn series(id: &str, pts: Vec<(i64, f64)>) -> MetricSeries {
        MetricSeries {
            id: id.into(),
            label: id.into(),
            points: pts,
            src: String::new(),
        }
    }

    /// By hand: observed running 4, 5, 0 at 0, 60, 120 s; the run has 4, 4, 6 at 60, 120, 180 s (period
    /// ends). Errors |4−4|/4 = 0 and |4−5|/5 = 0.2; the zero is skipped → MAPE 10 %. CPU observed 50, 40
    /// against 55, 30: 0.1 and 0.25 → 17.5 %; the third point (at 180 s → 240 s) has no run row → skipped.
    /// p99 observed 0.040 s = 40 ms against the run's 50 ms: |50 − 40| / 40 = 25 %.
    #[test]
    fn mape_by_hand() {
        let rows = vec![
            row(60_000, 4, 55.0),
            row(120_000, 4, 30.0),
            row(180_000, 6, 0.0),
        ];
        let base = 1_796_029_200_000i64;
        let obs = Observed {
            series: vec![
                series(
                    "running_web",
                    vec![(base, 4.0), (base + 60_000, 5.0), (base + 120_000, 0.0)],
                ),
                series(
                    "cpu_web",
                    vec![(base, 50.0), (base + 60_000, 40.0), (base + 180_000, 40.0)],
                ),
                series("p99_web", vec![(base, 0.040)]),
                series("requests_web", vec![(base, 1.0)]),
                series("requests", vec![(base, 1.0)]),
            ],
            ..Default::default()
        };
        let (c, ignored) = compare(&rows, &obs, &["web".to_string()], 60_000);
        assert_eq!(ignored.len(), 2);
        assert!(ignored[0].starts_with("requests_web: the replayed input"));
        assert_eq!(
            (c[0].metric.as_str(), c[0].n, c[0].skipped),
            ("running", 2, 1)
        );
        assert!((c[0].mape_pct.unwrap() - 10.0).abs() < 1e-9);
        assert_eq!((c[1].metric.as_str(), c[1].n, c[1].skipped), ("cpu", 2, 1));
        assert!((c[1].mape_pct.unwrap() - 17.5).abs() < 1e-9);
        assert!(c[0].passes(10.0) && !c[1].passes(10.0));
        assert_eq!(c[2].metric, "p99");
        assert!((c[2].mape_pct.unwrap() - 25.0).abs() < 1e-9);
        assert_eq!(c[2].observed, vec![(60_000, 40.0)]);
        // The skipped zero of running was a misfit (the run had 6 tasks); CPU's third point has no row.
        assert_eq!((c[0].zero_vs_run, c[0].no_row), (1, 0));
        assert_eq!((c[1].zero_vs_run, c[1].no_row), (0, 1));
        let csv = table_csv(&c, 10.0);
        assert!(
            csv.contains(
                "running,web,2,1,10.000,10,within,1,0\ncpu,web,2,1,17.500,10,outside,0,1\n"
            ),
            "{csv}"
        );
        let notes = notes(&c);
        assert!(
            notes[0].starts_with(
                "running of web: 1 observed zero(s) where the run's value was not zero"
            ),
            "{notes:?}"
        );
        assert!(
            notes[1].starts_with("cpu of web: 1 of 3 observed points have no run row at their time (the run's last row is at 180.000 s"),
            "{notes:?}"
        );
        assert_eq!(notes.len(), 2, "{notes:?}");
        let s = series_csv(&c[..1]);
        assert_eq!(
            s,
            "time_s,metric,service,observed,simulated\n60.000,running,web,4,4\n120.000,running,web,5,4\n180.000,running,web,0,6\n"
        );
    }

    /// Too little of the window: observed running 4 at 0…300 s (6 points), a run of 120 s with 4 tasks
    /// at 60 and 120 s. Two points compared (MAPE 0 %), four have no run row: 2 < 6 / 2, so no verdict —
    /// a "within" here would speak for 2 minutes of 6.
    #[test]
    fn a_run_shorter_than_the_observed_window_gets_no_verdict() {
        let rows = vec![row(60_000, 4, 50.0), row(120_000, 4, 50.0)];
        let base = 1_796_029_200_000i64;
        let pts: Vec<(i64, f64)> = (0..6).map(|k| (base + k * 60_000, 4.0)).collect();
        let obs = Observed {
            series: vec![series("running_web", pts)],
            ..Default::default()
        };
        let (c, _) = compare(&rows, &obs, &["web".to_string()], 60_000);
        assert_eq!((c[0].n, c[0].no_row, c[0].mape_pct), (2, 4, Some(0.0)));
        assert!(c[0].too_few() && !c[0].passes(10.0));
        assert_eq!(c[0].result(10.0), "too few points");
        assert!(notes(&c)[1].contains("2 of 6 observed points compared — fewer than half"));
        // Three points of six compared is half: judged (within).
        let rows = vec![
            row(60_000, 4, 50.0),
            row(120_000, 4, 50.0),
            row(180_000, 4, 50.0),
        ];
        let (c, _) = compare(&rows, &obs, &["web".to_string()], 60_000);
        assert_eq!(c[0].result(10.0), "within");
    }
}
