//! Fleet views: past [`FLEET_THRESHOLD`] services a run gets, instead of one set of charts per service,
//! heatmaps of services × time (CPU utilisation, p99 latency, running tasks), the distribution across
//! services over time (median, p90 and maximum), and the charts of the [`WORST_N`] worst services. The
//! service rows may be at any interval (a fleet may write them coarser than the cluster's); a service
//! with no rows of a column is left out of that view.

use super::*;

/// Runs with more services than this get the fleet views instead of per-service charts.
pub const FLEET_THRESHOLD: usize = 20;
/// The worst services (see [`worst`]) that keep their own charts in a fleet.
pub const WORST_N: usize = 5;
/// A heatmap has at most this many rows; past it, each row is a group of services next in rank.
pub(super) const HEAT_MAX_ROWS: usize = 100;
/// ...and at most this many time columns, each a whole clock step (see [`HEAT_STEPS_S`]).
pub(super) const HEAT_MAX_COLS: usize = 160;
/// A heatmap column is the shortest of these (seconds) that keeps to [`HEAT_MAX_COLS`].
const HEAT_STEPS_S: [f64; 12] = [
    60.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0, 43200.0, 86400.0, 604800.0,
];

/// Why a service ranks among the worst: its SLO bad periods (after the warm-up), failed requests and
/// mean p99 latency.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Badness {
    /// Periods the SLO counts bad, after the warm-up.
    pub slo_bad: f64,
    /// Failed requests.
    pub errors: f64,
    /// Mean of the periods' p99 latency, ms (NaN: none).
    pub p99_mean_ms: f64,
}

impl Badness {
    /// The ranking: more SLO bad periods first, then more errors, then the higher mean p99; ties by name
    /// (the caller's order), so the choice is deterministic.
    pub fn cmp_worse(&self, o: &Badness) -> std::cmp::Ordering {
        let key = |v: f64| if v.is_finite() { v } else { f64::NEG_INFINITY };
        key(o.slo_bad)
            .total_cmp(&key(self.slo_bad))
            .then(key(o.errors).total_cmp(&key(self.errors)))
            .then(key(o.p99_mean_ms).total_cmp(&key(self.p99_mean_ms)))
    }

    /// In words, for a chart section.
    pub fn describe(&self, period: &str) -> String {
        let mut parts = Vec::new();
        if self.slo_bad > 0.0 {
            parts.push(format!("{} SLO bad {period}s", fmt_value(self.slo_bad)));
        }
        if self.errors > 0.0 {
            parts.push(format!("{} errors", fmt_value(self.errors)));
        }
        if self.p99_mean_ms.is_finite() {
            parts.push(format!("p99 {} ms on average", fmt_value(self.p99_mean_ms)));
        }
        parts.join(", ")
    }
}

fn sum_finite(v: &[f64]) -> f64 {
    v.iter().filter(|x| x.is_finite()).sum()
}

fn mean_finite(v: &[f64]) -> f64 {
    let (s, n) = v
        .iter()
        .filter(|x| x.is_finite())
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { f64::NAN } else { s / n as f64 }
}

/// A service's [`Badness`] from its rows (SLO periods counted after the warm-up, as the summary does).
pub(super) fn badness(s: &Series, warm_up_s: f64, period_s: f64) -> Badness {
    let slo_bad = (s.t.iter().zip(&s.cols[SLO_BAD]))
        .filter(|(t, v)| **v == 1.0 && **t >= warm_up_s + period_s - 1e-9)
        .count() as f64;
    Badness {
        slo_bad,
        errors: sum_finite(&s.cols[ERRORS]),
        p99_mean_ms: mean_finite(&s.cols[P99]),
    }
}

/// The indexes of the `n` worst of `b` by [`Badness::cmp_worse`] (ties in the given order).
pub fn worst(b: &[Badness], n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..b.len()).collect();
    order.sort_by(|&x, &y| b[x].cmp_worse(&b[y]).then(x.cmp(&y)));
    order.truncate(n);
    order
}

/// The fleet views of a run with more than [`FLEET_THRESHOLD`] services.
pub(super) fn fleet_charts(
    w: &mut Writer,
    data: &RunData,
    services: &[&Series],
    time: TimeAxis,
    period: &str,
) -> io::Result<()> {
    let section = format!("Fleet: {} services", services.len());
    if let Some(fig) = distribution(services, time) {
        w.emit("fleet-distribution", &section, fig)?;
    }
    for (stem, col, what, unit, log) in [
        ("fleet-heatmap-cpu", CPU_UTIL, "CPU utilisation", "%", false),
        ("fleet-heatmap-latency", P99, "p99 latency", "ms", true),
        (
            "fleet-heatmap-tasks",
            RUNNING,
            "running tasks",
            "tasks",
            false,
        ),
    ] {
        if let Some(mut fig) = heatmap(services, col, what, unit, log, time) {
            fig.int = col == RUNNING;
            w.emit(stem, &section, Figure::Heat(fig))?;
        }
    }
    let bad: Vec<Badness> = services
        .iter()
        .map(|s| badness(s, data.warm_up_s, data.period_s))
        .collect();
    let n = services.len();
    for (rank, i) in worst(&bad, WORST_N).into_iter().enumerate() {
        let why = bad[i].describe(period);
        let title = format!(
            "Service {} (worst {} of {n}{}{why})",
            services[i].name,
            rank + 1,
            if why.is_empty() { "" } else { ": " }
        );
        service_charts(w, data, services[i], time, period, &title)?;
    }
    Ok(())
}

/// The value at quantile `q` (0..=1) of sorted `v`, nearest rank.
fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// Per time: the median, p90 and maximum of `col` across the services that have a value then.
fn across(services: &[&Series], col: usize) -> Option<(Vec<f64>, [Vec<f64>; 3])> {
    let mut at: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for s in services {
        for (t, v) in s.t.iter().zip(&s.cols[col]) {
            if v.is_finite() {
                at.entry((t * 1000.0).round() as i64).or_default().push(*v);
            }
        }
    }
    if at.is_empty() {
        return None;
    }
    let mut t = Vec::with_capacity(at.len());
    let mut out = [Vec::new(), Vec::new(), Vec::new()];
    for (ms, mut v) in at {
        v.sort_by(f64::total_cmp);
        t.push(ms as f64 / 1000.0);
        out[0].push(quantile(&v, 0.5));
        out[1].push(quantile(&v, 0.9));
        out[2].push(v[v.len() - 1]);
    }
    Some((t, out))
}

/// `fleet-distribution`: per pane (CPU utilisation, p99 latency, running tasks) the median, p90 and
/// maximum across services at each time.
fn distribution(services: &[&Series], time: TimeAxis) -> Option<Figure> {
    let mut panes = Vec::new();
    for (col, desc, log, int) in [
        (CPU_UTIL, "CPU utilisation (%)", false, false),
        (P99, "p99 latency (ms)", true, false),
        (RUNNING, "running tasks", false, true),
    ] {
        let Some((t, [p50, p90, max])) = across(services, col) else {
            continue;
        };
        let lines = vec![
            line_of("median of services", PALETTE[0], segments(&t, &p50)),
            line_of("p90 of services", PALETTE[1], segments(&t, &p90)),
            line_of("worst service", PALETTE[3], segments(&t, &max)),
        ];
        let mut p = pane(desc, lines);
        p.int = int;
        p.ticks = false;
        if log {
            p.log_above = 300.0;
        }
        panes.push(p);
    }
    (!panes.is_empty()).then(|| {
        Figure::Time(TimeFig {
            title: format!(
                "Across the {} services: median, p90 and worst at each time",
                services.len()
            ),
            time,
            panes,
            ticks: Vec::new(),
        })
    })
}

/// A heatmap of `col`: one row per service (or per group of services next in rank past
/// [`HEAT_MAX_ROWS`]), ranked by the mean of `col` (highest on top); one column per time bucket, each
/// cell the mean of the service's samples in it (the maximum over a group's services).
fn heatmap(
    services: &[&Series],
    col: usize,
    what: &str,
    unit: &str,
    log: bool,
    time: TimeAxis,
) -> Option<HeatFig> {
    let with: Vec<&Series> = services.iter().copied().filter(|s| s.has(col)).collect();
    if with.is_empty() {
        return None;
    }
    let bucket_s = HEAT_STEPS_S
        .iter()
        .copied()
        .find(|b| time.end_s / b <= HEAT_MAX_COLS as f64)
        .unwrap_or(time.end_s / HEAT_MAX_COLS as f64)
        .max(1e-3);
    let cols = ((time.end_s / bucket_s).ceil() as usize).clamp(1, HEAT_MAX_COLS);
    // per service: bucket means
    let cells: Vec<Vec<f64>> = with
        .iter()
        .map(|s| {
            let mut sum = vec![0.0; cols];
            let mut n = vec![0u32; cols];
            for (t, v) in s.t.iter().zip(&s.cols[col]) {
                if v.is_finite() {
                    // a row at time t covers the period before it
                    let b = (((t - 1e-9) / bucket_s).floor().max(0.0) as usize).min(cols - 1);
                    sum[b] += v;
                    n[b] += 1;
                }
            }
            (0..cols)
                .map(|b| {
                    if n[b] == 0 {
                        f64::NAN
                    } else {
                        sum[b] / n[b] as f64
                    }
                })
                .collect()
        })
        .collect();
    let mean: Vec<f64> = cells.iter().map(|c| mean_finite(c)).collect();
    let mut order: Vec<usize> = (0..with.len()).collect();
    order.sort_by(|&a, &b| {
        let k = |i: usize| {
            if mean[i].is_finite() {
                mean[i]
            } else {
                f64::NEG_INFINITY
            }
        };
        k(b).total_cmp(&k(a)).then(a.cmp(&b))
    });
    let per_row = with.len().div_ceil(HEAT_MAX_ROWS);
    let mut rows = Vec::new();
    let mut values = Vec::new();
    for (g, chunk) in order.chunks(per_row).enumerate() {
        let label = if per_row == 1 {
            with[chunk[0]].name.clone()
        } else {
            format!("#{}–{}", g * per_row + 1, g * per_row + chunk.len())
        };
        rows.push(label);
        values.push(
            (0..cols)
                .map(|b| {
                    chunk
                        .iter()
                        .map(|&i| cells[i][b])
                        .filter(|v| v.is_finite())
                        .fold(f64::NAN, f64::max)
                })
                .collect::<Vec<f64>>(),
        );
    }
    let grouped = if per_row > 1 {
        format!(", rows of {per_row} services next in rank (their maximum)")
    } else {
        String::new()
    };
    Some(HeatFig {
        title: format!(
            "{what} of each of the {} services over time (highest mean on top{grouped})",
            with.len()
        ),
        time,
        rows,
        values,
        bucket_s,
        unit: unit.to_string(),
        log,
        int: false,
    })
}
