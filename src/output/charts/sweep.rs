//! The charts of a sweep: cost against p99 latency, and each key figure per variant.

use super::*;

/// Indexes (into `points`) of the Pareto front when minimising both x and y.
pub(super) fn pareto(points: &[(f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| {
        points[a]
            .0
            .total_cmp(&points[b].0)
            .then(points[a].1.total_cmp(&points[b].1))
    });
    let mut best = f64::INFINITY;
    let mut front = Vec::new();
    for i in order {
        if points[i].1 < best {
            best = points[i].1;
            front.push(i);
        }
    }
    front
}

/// Render the charts of a sweep folder (runs.csv, aggregate.csv) into DIR/charts/.
///
/// For each key summary figure that has values (cost, p99/p50 latency, SLO minutes, start latency,
/// unplaced task-seconds, reservations, …), `sweep-METRIC` shows every variant's mean with its 95 %
/// confidence-interval whisker and each seed's value; when the sweep has both `cost_usd.total` and
/// `latency_ms.p99`, `sweep-cost-vs-p99` plots one against the other with the Pareto front marked. Each
/// chart is written as `.svg` and `.png`, with `charts/index.json`. Returns the paths written.
pub fn render_sweep_charts(dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let data = read_sweep(dir)?;
    let mut w = Writer::new(dir)?;
    let label = |v: &str| {
        if data.is_baseline(v) {
            format!("{v} (baseline)")
        } else {
            v.to_string()
        }
    };
    if data.has("cost_usd.total") && data.has("latency_ms.p99") {
        let mut pts = Vec::new();
        let mut xy = Vec::new();
        for (i, v) in data.variants.iter().enumerate() {
            if let (Some(c), Some(l)) =
                (data.agg(v, "cost_usd.total"), data.agg(v, "latency_ms.p99"))
            {
                xy.push((l.mean, c.mean));
                pts.push(ScatterPoint {
                    num: i + 1,
                    name: label(v),
                    x: l.mean,
                    y: c.mean,
                    xci: l.ci(),
                    yci: c.ci(),
                    front: false,
                });
            }
        }
        for i in pareto(&xy) {
            pts[i].front = true;
        }
        let fig = ScatterFig {
            title: "Cost against p99 latency, per variant (mean over seeds)".into(),
            x_desc: "p99 latency (ms)".into(),
            y_desc: "total cost (USD)".into(),
            points: pts,
        };
        w.emit("sweep-cost-vs-p99", "Trade-off", Figure::Scatter(fig))?;
    }
    let informative = |m: &str| {
        data.variants.iter().any(|v| {
            data.agg(v, m).is_some_and(|a| {
                a.mean != 0.0 || a.ci().is_some_and(|(lo, hi)| lo != 0.0 || hi != 0.0)
            })
        })
    };
    for metric in SWEEP_METRICS
        .iter()
        .filter(|m| data.has(m) && informative(m))
    {
        let rows = data
            .variants
            .iter()
            .filter_map(|v| {
                let a = data.agg(v, metric)?;
                Some(Interval {
                    label: label(v),
                    seeds: data.seeds(v, metric),
                    mean: a.mean,
                    ci: a.ci(),
                })
            })
            .collect();
        let unit = metric_unit(metric);
        let x_desc = if unit.is_empty() {
            metric.to_string()
        } else {
            format!("{metric} ({unit})")
        };
        w.emit(
            &format!("sweep-{metric}"),
            "Figures per variant",
            Figure::Interval(IntervalFig {
                title: format!("{metric}: mean and 95% CI per variant"),
                x_desc,
                rows,
            }),
        )?;
    }
    w.finish()
}
