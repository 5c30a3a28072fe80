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

/// Sweeps with more variants than this get readable charts: the scatter names only the Pareto front
/// (the other variants are grey, unnumbered dots) and each figure's chart is sorted by the mean with the
/// [`TOP_N`] lowest in colour and the rest grey.
pub const MANY: usize = 10;
/// The variants highlighted in a chart of many (the lowest means: cost, latency, failures).
pub const TOP_N: usize = 5;

/// Render the charts of a sweep folder (runs.csv, aggregate.csv) into DIR/charts/.
///
/// For each key summary figure that has values (cost, p99/p50 latency, SLO minutes, start latency,
/// unplaced task-seconds, reservations, …), `sweep-METRIC` shows every variant's mean with its 95 %
/// confidence-interval whisker and each seed's value; when the sweep has both `cost_usd.total` and
/// `latency_ms.p99`, `sweep-cost-vs-p99` plots one against the other with the Pareto front marked. Each
/// chart is written as `.svg` and `.png`, with `charts/index.json`. When the variants form a grid of two
/// or more dimensions (`sweep.json`'s `grid`), `sweep-grid-METRIC` draws the key figures as small
/// multiples (`sweep_grid.rs`), after the others. Returns the paths written.
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
                    named: true,
                });
            }
        }
        for i in pareto(&xy) {
            pts[i].front = true;
        }
        let many = pts.len() > MANY;
        if many {
            // only the front is named: the others are grey dots without a number or a legend line
            for p in &mut pts {
                p.named = p.front || data.is_baseline(p.name.trim_end_matches(" (baseline)"));
            }
        }
        let named = pts.iter().filter(|p| p.named).count();
        let fig = ScatterFig {
            title: if many {
                format!(
                    "Cost against p99 latency, per variant (mean over seeds): {} variants, the {named} named are the Pareto front and baseline",
                    pts.len()
                )
            } else {
                "Cost against p99 latency, per variant (mean over seeds)".into()
            },
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
        let mut rows: Vec<Interval> = data
            .variants
            .iter()
            .filter_map(|v| {
                let a = data.agg(v, metric)?;
                Some(Interval {
                    label: label(v),
                    seeds: data.seeds(v, metric),
                    mean: a.mean,
                    ci: a.ci(),
                    grey: false,
                })
            })
            .collect();
        let many = rows.len() > MANY;
        if many {
            rows.sort_by(|a, b| a.mean.total_cmp(&b.mean));
            for r in rows.iter_mut().skip(TOP_N) {
                r.grey = !r.label.ends_with("(baseline)");
            }
        }
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
                title: if many {
                    format!("{metric}: mean and 95% CI per variant, lowest first ({TOP_N} lowest in colour)")
                } else {
                    format!("{metric}: mean and 95% CI per variant")
                },
                x_desc,
                rows,
            }),
        )?;
    }
    super::sweep_grid::emit(dir, &data, &mut w)?;
    w.finish()
}
