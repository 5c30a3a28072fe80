//! Drawing a heatmap (rows × time buckets) with a stepped colour scale: a row's cells of one colour
//! step are drawn as one rectangle, so a fleet's heatmap stays a small SVG.

use super::*;

/// At most about this many colour steps.
pub(super) const HEAT_LEVELS: usize = 10;

/// Viridis (perceptually uniform, readable in grey and by the colour-blind), sampled at 9 points.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// The colour at `x` (0..=1) of the scale.
pub(super) fn heat_color(x: f64) -> RGBColor {
    let x = x.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let (a, f) = ((x.floor() as usize).min(VIRIDIS.len() - 2), x - x.floor());
    let (p, q) = (VIRIDIS[a], VIRIDIS[a + 1]);
    let m = |u: u8, v: u8| (u as f64 + (v as f64 - u as f64) * f).round() as u8;
    RGBColor(m(p.0, q.0), m(p.1, q.1), m(p.2, q.2))
}

/// The colour steps of `f`: their bounds in value (round numbers: a 1-2-5 step from 0 or the minimum,
/// or 1, 2, 5 × 10^k on a log scale when `f.log` and the values span more than a factor of 10).
pub(super) fn heat_bounds(f: &HeatFig) -> (Vec<f64>, bool) {
    let vals = || f.values.iter().flatten().copied().filter(|v| v.is_finite());
    let hi = vals().fold(f64::NEG_INFINITY, f64::max);
    let min_pos = vals().filter(|v| *v > 0.0).fold(f64::INFINITY, f64::min);
    if !hi.is_finite() {
        return (vec![0.0, 1.0], false);
    }
    if f.log && min_pos.is_finite() && hi / min_pos > 10.0 {
        let mut b = Vec::new();
        let mut e = 10f64.powf(min_pos.log10().floor());
        while b.last().is_none_or(|l: &f64| *l < hi) && b.len() < 40 {
            for m in [1.0, 2.0, 5.0] {
                if b.last().is_none_or(|l: &f64| *l < hi) {
                    b.push(m * e);
                }
            }
            e *= 10.0;
        }
        return (b, true);
    }
    let lo = vals().fold(f64::INFINITY, f64::min).min(0.0);
    let hi = if hi - lo < 1e-9 { lo + 1.0 } else { hi };
    let mut b = value_ticks(lo, hi, HEAT_LEVELS + 1, f.int);
    let step = if b.len() >= 2 { b[1] - b[0] } else { 1.0 };
    if b.first().is_some_and(|x| *x > lo) {
        b.insert(0, b[0] - step);
    }
    while b.last().is_some_and(|x| *x < hi) {
        b.push(b[b.len() - 1] + step);
    }
    (b, false)
}

/// The colour step of `v`: the last bound at or below it (None for a missing value).
fn level(v: f64, bounds: &[f64]) -> Option<usize> {
    if !v.is_finite() {
        return None;
    }
    let i = bounds.partition_point(|b| *b <= v);
    Some(i.saturating_sub(1).min(bounds.len().saturating_sub(2)))
}

pub(super) fn draw_heat<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    body: &DrawingArea<DB, Shift>,
    f: &HeatFig,
) -> Res {
    let (w, _) = body.dim_in_pixel();
    let (plot, legend_area) = body.split_horizontally(w - LEGEND_W);
    let n = f.rows.len().max(1);
    // a label on every row when they fit, else on every k-th
    let every = n.div_ceil(40);
    let label_w = (f.rows.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32 * 8 + 16)
        .clamp(60, 200);
    let end = f.time.end();
    let mut chart = ChartBuilder::on(&plot)
        .margin_top(6)
        .margin_right(14)
        .margin_left(6)
        .x_label_area_size(42)
        .y_label_area_size(label_w)
        .build_cartesian_2d(keyed(0f64..end, f.time.ticks()), 0f64..n as f64)
        .s()?;
    let x_fmt = |v: &f64| f.time.label(*v);
    lane_mesh(
        chart
            .configure_mesh()
            .x_desc(f.time.desc)
            .x_label_formatter(&x_fmt),
    )
    .draw()
    .s()?;
    let (bounds, log) = heat_bounds(f);
    let levels = bounds.len().saturating_sub(1).max(1);
    let color_of = |l: usize| heat_color(l as f64 / (levels.max(2) - 1) as f64);
    let unit = f.time.unit_s;
    let x_of = |b: usize| (b as f64 * f.bucket_s / unit).min(end);
    let mut rects = Vec::new();
    for (r, row) in f.values.iter().enumerate() {
        let y0 = (n - 1 - r) as f64;
        let mut b = 0;
        while b < row.len() {
            let l = level(row[b], &bounds);
            let mut e = b + 1;
            while e < row.len() && level(row[e], &bounds) == l {
                e += 1;
            }
            if let Some(l) = l {
                rects.push(Rectangle::new(
                    [(x_of(b), y0), (x_of(e), y0 + 1.0)],
                    color_of(l).filled(),
                ));
            }
            b = e;
        }
    }
    chart.draw_series(rects).s()?;
    let style = text_style(13).pos(Pos::new(HPos::Right, VPos::Center));
    for (i, l) in f.rows.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let (x, y) = chart.backend_coord(&(0.0, (n - 1 - i) as f64 + 0.5));
        root.draw(&Text::new(truncate(l, 24), (x - 6, y), style.clone()))
            .s()?;
    }
    let mut entries: Vec<Entry> = (0..levels)
        .rev()
        .map(|i| {
            entry(
                Mark::Box(color_of(i)),
                format!(
                    "{} – {} {}",
                    fmt_tick(bounds[i]),
                    fmt_tick(bounds[i + 1]),
                    f.unit
                ),
            )
        })
        .collect();
    entries.push(entry(Mark::None, "white: no value"));
    entries.push(entry(
        Mark::None,
        format!("cells of {}", fmt_dur(f.bucket_s)),
    ));
    if log {
        entries.push(entry(Mark::None, "(log scale)"));
    }
    draw_legend(&legend_area, &entries, 6)
}
