//! `ecsim calibrate` (issue #21 item 5): a run's per-service series against what CloudWatch observed, as the
//! mean absolute percentage error (MAPE) per metric and service, judged against a stated tolerance.
//!
//! Observed series come from `get-metric-data` output whose query `Id`s name what they hold:
//! `running_<service>` (ECS/ContainerInsights RunningTaskCount) and `cpu_<service>` (AWS/ECS
//! CPUUtilization, %). Time 0 of the run is the first observed timestamp. CloudWatch stamps a datapoint with
//! the start of its period and ecsim a `timeseries.csv` row with the end, so the observed point at t is
//! compared with the run's row at t + metric period.

use std::collections::BTreeMap;

use super::model::MetricSeries;
use crate::metrics::SeriesRow;

/// One metric of one service compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// `running` or `cpu`.
    pub metric: String,
    /// The service.
    pub service: String,
    /// Points compared (observed points that are not zero and have a simulated row).
    pub n: usize,
    /// Observed points left out: zero (MAPE divides by them) or past the run's end.
    pub skipped: usize,
    /// Mean absolute percentage error, %; `None` with no point compared.
    pub mape_pct: Option<f64>,
}

impl Comparison {
    /// Within the tolerance (a comparison with no points is not).
    pub fn passes(&self, tolerance_pct: f64) -> bool {
        self.mape_pct.is_some_and(|m| m <= tolerance_pct)
    }
}

/// Compare the run's service rows with the observed series; series with other `Id`s are returned by name
/// in the second list (ignored).
pub fn compare(
    rows: &[SeriesRow],
    observed: &[MetricSeries],
    metric_period_ms: u64,
) -> (Vec<Comparison>, Vec<String>) {
    let t0 = observed
        .iter()
        .filter_map(|m| m.points.first().map(|p| p.0))
        .min()
        .unwrap_or(0);
    let mut out = Vec::new();
    let mut ignored = Vec::new();
    for m in observed {
        let (metric, service) = match m.id.split_once('_') {
            Some(("running", s)) => ("running", s),
            Some(("cpu", s)) => ("cpu", s),
            _ => {
                ignored.push(m.id.clone());
                continue;
            }
        };
        let sim: BTreeMap<u64, f64> = rows
            .iter()
            .filter(|r| r.scope == "service" && r.name == service)
            .filter_map(|r| {
                let v = match metric {
                    "running" => r.running.map(f64::from),
                    _ => r.cpu_utilization,
                };
                v.map(|v| (r.time_ms, v))
            })
            .collect();
        let (mut n, mut skipped, mut sum) = (0usize, 0usize, 0.0);
        for &(t, obs) in &m.points {
            let at = (t - t0).max(0) as u64 + metric_period_ms;
            match sim.get(&at) {
                Some(s) if obs != 0.0 => {
                    n += 1;
                    sum += ((s - obs) / obs).abs();
                }
                _ => skipped += 1,
            }
        }
        out.push(Comparison {
            metric: metric.to_string(),
            service: service.to_string(),
            n,
            skipped,
            mape_pct: (n > 0).then(|| 100.0 * sum / n as f64),
        });
    }
    (out, ignored)
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
            cpu_utilization: Some(cpu),
            ..Default::default()
        }
    }

    /// By hand: observed running 4, 5, 0 at 0, 60, 120 s; the run has 4, 4, 6 at 60, 120, 180 s (period
    /// ends). Errors |4−4|/4 = 0 and |4−5|/5 = 0.2; the zero is skipped → MAPE 10 %. CPU observed 50, 40
    /// against 55, 30: 0.1 and 0.25 → 17.5 %; the third point (at 120 s → 180 s) has no run row → skipped.
    #[test]
    fn mape_by_hand() {
        let rows = vec![
            row(60_000, 4, 55.0),
            row(120_000, 4, 30.0),
            row(180_000, 6, 0.0),
        ];
        let series = |id: &str, pts: Vec<(i64, f64)>| MetricSeries {
            id: id.into(),
            label: id.into(),
            points: pts,
            src: String::new(),
        };
        let base = 1_796_029_200_000i64;
        let obs = vec![
            series(
                "running_web",
                vec![(base, 4.0), (base + 60_000, 5.0), (base + 120_000, 0.0)],
            ),
            series(
                "cpu_web",
                vec![(base, 50.0), (base + 60_000, 40.0), (base + 180_000, 40.0)],
            ),
            series("requests", vec![(base, 1.0)]),
        ];
        let (c, ignored) = compare(&rows, &obs, 60_000);
        assert_eq!(ignored, vec!["requests".to_string()]);
        assert_eq!(
            (c[0].metric.as_str(), c[0].n, c[0].skipped),
            ("running", 2, 1)
        );
        assert!((c[0].mape_pct.unwrap() - 10.0).abs() < 1e-9);
        assert_eq!((c[1].metric.as_str(), c[1].n, c[1].skipped), ("cpu", 2, 1));
        assert!((c[1].mape_pct.unwrap() - 17.5).abs() < 1e-9);
        assert!(c[0].passes(10.0) && !c[1].passes(10.0));
    }
}
