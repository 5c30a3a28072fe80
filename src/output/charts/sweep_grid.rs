//! Small multiples of a sweep whose variants form a grid of two or more dimensions (`[vary]`, `[[zip]]`,
//! named variants crossed with a grid): for each key figure, one panel per value of one dimension, the
//! values of another along x (in grid order), the figure's mean and 95 % CI on the same y scale in every
//! panel. A third dimension becomes coloured lines; any further dimension is averaged seed by seed, and
//! the chart says so. The grid comes from `sweep.json`'s `grid` (variant `i` at the mixed-radix digits of
//! `i`, the first dimension slowest); a sweep without one (named variants only) gets no small multiples.

use super::*;
use crate::sweep::stats::Estimate;

/// The report section (and `index.json` section) of the small multiples.
pub(crate) const SECTION: &str = "Small multiples";
/// How to read them: the report's sentence under the section's title.
pub(crate) const NOTE: &str = "<p class=\"note\">One chart per key figure: a panel per value of one dimension of the grid, the values of \
     another along x, each point the figure's mean over the seeds with its 95% confidence interval; every panel of a chart \
     has the same y scale, so heights compare across panels (the legend says which dimension, if any, is drawn as \
     coloured lines and which is averaged; the ringed point is the baseline).</p>\n";
/// At most this many panels; past it the first ones are drawn and the chart says how many are left out.
pub(super) const MAX_PANELS: usize = 24;
/// A third dimension of at most this many values becomes coloured lines; a larger one is averaged.
pub(super) const MAX_LINES: usize = 6;
/// Figures always drawn as small multiples when they have values (the sweep's `headline` figures too).
const KEY_METRICS: [&str; 3] = ["cost_usd.total", "latency_ms.p99", "slo_violation_minutes"];
/// Height of one panel (its title included), pixels.
const PANEL_H: u32 = 250;
/// Height of a panel's title band, pixels.
const PANEL_TITLE_H: u32 = 24;

/// One dimension of the grid, as `sweep.json` records it.
#[derive(serde::Deserialize)]
struct Dim {
    name: String,
    values: Vec<String>,
}

/// What `sweep.json` says about the grid: the variants in order, the dimensions, the headline figures.
#[derive(serde::Deserialize)]
struct Manifest {
    #[serde(default)]
    variants: Vec<NamedVariant>,
    #[serde(default)]
    grid: Vec<Dim>,
    #[serde(default)]
    headline: Vec<String>,
}

#[derive(serde::Deserialize)]
struct NamedVariant {
    name: String,
}

/// One point: the mean of the variants at one x value (one variant, or several averaged) and its CI.
pub(super) struct GridPoint {
    pub(super) x: usize,
    pub(super) mean: f64,
    pub(super) ci: Option<(f64, f64)>,
    /// The point is a baseline variant (marked with a ring).
    pub(super) baseline: bool,
}

/// A line of points across x: one per value of the line dimension (or a single unnamed one).
pub(super) struct GridLine {
    pub(super) color: RGBColor,
    pub(super) points: Vec<GridPoint>,
}

pub(super) struct GridPanel {
    pub(super) title: String,
    pub(super) lines: Vec<GridLine>,
}

/// Small multiples of one figure.
pub(super) struct GridFig {
    pub(super) title: String,
    pub(super) y_desc: String,
    pub(super) x_desc: String,
    pub(super) x_labels: Vec<String>,
    pub(super) panels: Vec<GridPanel>,
    /// Whole-number y ticks (every run's value is a whole number).
    pub(super) int: bool,
    /// The baseline's mean, dashed across every panel (one baseline only).
    pub(super) baseline_mean: Option<f64>,
    /// Legend rows: the lines' names, what is averaged, what is left out.
    pub(super) legend: Vec<Entry>,
}

/// Which dimension goes where: indexes into the grid's dimensions.
#[derive(Debug, PartialEq)]
pub(super) struct Layout {
    pub(super) x: usize,
    pub(super) panel: usize,
    pub(super) line: Option<usize>,
    pub(super) averaged: Vec<usize>,
}

/// x: the dimension with the most values (the first of equals); panels: the largest of the rest; lines:
/// with three or more dimensions, the smallest of the others if it has at most [`MAX_LINES`] values; every
/// other dimension is averaged. Dimensions of one value are left out. `None` below two dimensions.
pub(super) fn layout(sizes: &[usize]) -> Option<Layout> {
    let mut dims: Vec<usize> = (0..sizes.len()).filter(|&d| sizes[d] >= 2).collect();
    if dims.len() < 2 {
        return None;
    }
    // largest first, grid order among equals
    dims.sort_by_key(|&d| (std::cmp::Reverse(sizes[d]), d));
    let (x, panel) = (dims[0], dims[1]);
    let mut rest: Vec<usize> = dims[2..].to_vec();
    let line = rest
        .iter()
        .copied()
        .filter(|&d| sizes[d] <= MAX_LINES)
        .min_by_key(|&d| (sizes[d], d));
    rest.retain(|&d| Some(d) != line);
    rest.sort();
    Some(Layout {
        x,
        panel,
        line,
        averaged: rest,
    })
}

/// The grid coordinates of variant `i` (the first dimension slowest).
fn coords(mut i: usize, sizes: &[usize]) -> Vec<usize> {
    let mut c = vec![0; sizes.len()];
    for d in (0..sizes.len()).rev() {
        c[d] = i % sizes[d];
        i /= sizes[d];
    }
    c
}

/// Draw the small multiples of a sweep folder into `w`, when its variants form a grid of two or more
/// dimensions (after the sweep's other charts, in their own section).
pub(super) fn emit(dir: &Path, data: &SweepData, w: &mut Writer) -> io::Result<()> {
    let Some(m) = fs::read_to_string(dir.join("sweep.json"))
        .ok()
        .and_then(|s| serde_json::from_str::<Manifest>(&s).ok())
    else {
        return Ok(());
    };
    let sizes: Vec<usize> = m.grid.iter().map(|d| d.values.len()).collect();
    if sizes.iter().product::<usize>() != m.variants.len() || m.variants.is_empty() {
        return Ok(());
    }
    let Some(lay) = layout(&sizes) else {
        return Ok(());
    };
    let names: Vec<&str> = m.variants.iter().map(|v| v.name.as_str()).collect();
    let mut metrics: Vec<&str> = KEY_METRICS.to_vec();
    for h in &m.headline {
        if !metrics.contains(&h.as_str()) {
            metrics.push(h);
        }
    }
    for metric in metrics {
        let informative = names.iter().any(|v| {
            data.agg(v, metric).is_some_and(|a| {
                a.mean != 0.0 || a.ci().is_some_and(|(lo, hi)| lo != 0.0 || hi != 0.0)
            })
        });
        if informative {
            let fig = figure(data, &m.grid, &names, &lay, metric);
            w.emit(&format!("sweep-grid-{metric}"), SECTION, Figure::Grid(fig))?;
        }
    }
    Ok(())
}

/// Each variant's value of `metric` by seed (NaN where empty), from `runs.csv`.
fn by_seed(data: &SweepData, metric: &str) -> HashMap<String, Vec<(String, f64)>> {
    let mut out: HashMap<String, Vec<(String, f64)>> = HashMap::new();
    let col = data.runs_header.iter().position(|h| h == metric);
    let seed_col = data.runs_header.iter().position(|h| h == "seed");
    let (Some(c), Some(sc)) = (col, seed_col) else {
        return out;
    };
    for r in &data.runs {
        let (Some(v), Some(s)) = (r.first(), r.get(sc)) else {
            continue;
        };
        let x = r
            .get(c)
            .and_then(|t| t.trim().parse::<f64>().ok())
            .unwrap_or(f64::NAN);
        out.entry(v.clone()).or_default().push((s.clone(), x));
    }
    out
}

/// The mean and CI of a group of variants: the variant's own (`aggregate.csv`) for one, else the mean
/// over the seeds where every variant of the group has a value, of their average.
fn point(
    data: &SweepData,
    seeds: &HashMap<String, Vec<(String, f64)>>,
    group: &[&str],
    metric: &str,
) -> Option<(f64, Option<(f64, f64)>)> {
    if let [v] = group {
        let a = data.agg(v, metric)?;
        return Some((a.mean, a.ci()));
    }
    let first = seeds.get(group[0])?;
    let mut avgs = Vec::new();
    for (k, (seed, _)) in first.iter().enumerate() {
        let mut sum = 0.0;
        let mut all = true;
        for v in group {
            let x = seeds
                .get(*v)
                .and_then(|rows| rows.get(k).filter(|(s, _)| s == seed))
                .map_or(f64::NAN, |r| r.1);
            all &= x.is_finite();
            sum += x;
        }
        if all {
            avgs.push(sum / group.len() as f64);
        }
    }
    let e = Estimate::of(&avgs)?;
    Some((e.mean, e.half_width.map(|h| (e.mean - h, e.mean + h))))
}

/// The small multiples of `metric`.
fn figure(data: &SweepData, grid: &[Dim], names: &[&str], lay: &Layout, metric: &str) -> GridFig {
    let sizes: Vec<usize> = grid.iter().map(|d| d.values.len()).collect();
    let seeds = by_seed(data, metric);
    let n_panels = sizes[lay.panel].min(MAX_PANELS);
    let n_lines = lay.line.map_or(1, |d| sizes[d]);
    // variants by (panel, line, x)
    let mut groups: BTreeMap<(usize, usize, usize), Vec<&str>> = BTreeMap::new();
    for (i, v) in names.iter().enumerate() {
        let c = coords(i, &sizes);
        let line = lay.line.map_or(0, |d| c[d]);
        groups
            .entry((c[lay.panel], line, c[lay.x]))
            .or_default()
            .push(v);
    }
    let mut panels = Vec::new();
    for p in 0..n_panels {
        let mut lines = Vec::new();
        for l in 0..n_lines {
            let mut points = Vec::new();
            for x in 0..sizes[lay.x] {
                let Some(group) = groups.get(&(p, l, x)) else {
                    continue;
                };
                if let Some((mean, ci)) = point(data, &seeds, group, metric) {
                    points.push(GridPoint {
                        x,
                        mean,
                        ci,
                        baseline: group.len() == 1 && data.is_baseline(group[0]),
                    });
                }
            }
            lines.push(GridLine {
                color: if lay.line.is_some() {
                    color(l)
                } else {
                    PALETTE[0]
                },
                points,
            });
        }
        panels.push(GridPanel {
            title: format!("{} = {}", grid[lay.panel].name, grid[lay.panel].values[p]),
            lines,
        });
    }
    let mut finite = seeds
        .values()
        .flatten()
        .map(|r| r.1)
        .filter(|x| x.is_finite());
    let int = finite.clone().next().is_some() && finite.all(|x| x.fract() == 0.0);
    let distinct: BTreeSet<&String> = data.baselines.values().collect();
    let baseline_mean = match distinct.into_iter().collect::<Vec<_>>()[..] {
        [b] => data.agg(b, metric).map(|a| a.mean),
        _ => None,
    };
    let unit = metric_unit(metric);
    let y_desc = if unit.is_empty() {
        metric.to_string()
    } else {
        format!("{metric} ({unit})")
    };
    let legend = legend(grid, lay, &sizes, baseline_mean.is_some(), &panels);
    GridFig {
        title: truncate(
            &match lay.line {
                Some(d) => format!(
                    "{y_desc}: mean and 95% CI by {}, {} and {}",
                    grid[lay.x].name, grid[lay.panel].name, grid[d].name
                ),
                None => format!(
                    "{y_desc}: mean and 95% CI by {} and {}",
                    grid[lay.x].name, grid[lay.panel].name
                ),
            },
            90,
        ),
        y_desc,
        x_desc: grid[lay.x].name.clone(),
        x_labels: grid[lay.x].values.clone(),
        panels,
        int,
        baseline_mean,
        legend,
    }
}

/// The legend: marks, the lines' values, the averaged dimensions and the panels left out.
fn legend(
    grid: &[Dim],
    lay: &Layout,
    sizes: &[usize],
    baseline_line: bool,
    panels: &[GridPanel],
) -> Vec<Entry> {
    let mut e = Vec::new();
    match lay.line {
        Some(d) => {
            e.push(entry(Mark::None, format!("{}:", grid[d].name)));
            for (i, v) in grid[d].values.iter().enumerate() {
                e.push(entry(Mark::Dot(color(i)), v.clone()));
            }
        }
        None => e.push(entry(Mark::Dot(PALETTE[0]), "mean over the seeds")),
    }
    e.push(entry(Mark::Whisker(DARK), "95% confidence interval"));
    let ringed = panels
        .iter()
        .flat_map(|p| &p.lines)
        .flat_map(|l| &l.points)
        .any(|p| p.baseline);
    if ringed {
        e.push(entry(Mark::Ring(DARK), "baseline variant"));
    }
    if baseline_line {
        e.push(entry(Mark::Dash(BASELINE_C), "the baseline's mean"));
    }
    e.push(entry(Mark::None, "same y scale in"));
    e.push(entry(Mark::None, "every panel"));
    let mut notes = Vec::new();
    if !lay.averaged.is_empty() {
        let list: Vec<String> = lay
            .averaged
            .iter()
            .map(|&d| format!("{} ({} values)", grid[d].name, sizes[d]))
            .collect();
        notes.push(format!(
            "each point averages, seed by seed, over {}",
            list.join(", ")
        ));
    }
    if sizes[lay.panel] > MAX_PANELS {
        notes.push(format!(
            "first {MAX_PANELS} of {} panels ({}): the others are left out",
            sizes[lay.panel], grid[lay.panel].name
        ));
    }
    for n in notes {
        for l in wrap_at_commas(&n, 22) {
            e.push(entry(Mark::None, l));
        }
    }
    e
}

/// The dashed line of the baseline's mean.
const BASELINE_C: RGBColor = RGBColor(120, 120, 120);

/// Columns of panels: side by side up to three, two by two for four, else rows of three.
fn columns(n: usize) -> usize {
    match n {
        0..=3 => n.max(1),
        4 => 2,
        _ => 3,
    }
}

/// Pixels taken in a panel by its y labels and margins.
const PANEL_FRAME_W: u32 = 84;

/// Width of an x label, pixels (14 px DejaVu Sans: about 8 px a character, labels cut at 14).
fn label_px(label_chars: usize) -> f64 {
    label_chars.min(14) as f64 * 8.0 + 10.0
}

impl GridFig {
    fn label_chars(&self) -> usize {
        self.x_labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(1)
    }

    /// Columns of panels: [`columns`], or fewer when that lets every x label show without overlapping
    /// and keeps the chart within three rows or its usual number of rows (otherwise the usual number,
    /// and every k-th label).
    fn cols(&self) -> usize {
        let n = self.panels.len();
        let usual = columns(n);
        let max_rows = n.div_ceil(usual).max(3);
        let need = self.x_labels.len() as f64 * label_px(self.label_chars());
        (1..=usual)
            .rev()
            .find(|&c| {
                let w = ((WIDTH - LEGEND_W) / c as u32).saturating_sub(PANEL_FRAME_W);
                w as f64 >= need && n.div_ceil(c) <= max_rows
            })
            .unwrap_or(usual)
    }

    pub(super) fn size(&self) -> (u32, u32) {
        let rows = self.panels.len().div_ceil(self.cols()).max(1) as u32;
        let legend_rows = self.legend.len() as u32;
        (
            WIDTH,
            (TITLE_H + 10 + rows * PANEL_H).max(TITLE_H + 20 + 22 * legend_rows),
        )
    }
}

/// Draw the panels (left of the legend column) on one shared y range.
pub(super) fn draw_grid<DB: DrawingBackend>(body: &DrawingArea<DB, Shift>, f: &GridFig) -> Res {
    let (w, _) = body.dim_in_pixel();
    let (plots, legend_area) = body.split_horizontally(w - LEGEND_W);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for p in f
        .panels
        .iter()
        .flat_map(|p| &p.lines)
        .flat_map(|l| &l.points)
    {
        let (a, b) = p.ci.unwrap_or((p.mean, p.mean));
        lo = lo.min(a.min(p.mean));
        hi = hi.max(b.max(p.mean));
    }
    if let Some(b) = f.baseline_mean {
        lo = lo.min(b);
        hi = hi.max(b);
    }
    let (lo, hi) = padded(lo, hi);
    let y_keys = value_ticks(lo, hi, 6, f.int);
    let cols = f.cols();
    let rows = f.panels.len().div_ceil(cols).max(1);
    let (pw, _) = plots.dim_in_pixel();
    let panel_w = pw / cols as u32;
    let cells = plots.margin(10, 0, 0, 0).split_evenly((rows, cols));
    // x labels: every k-th, so that they do not overlap
    let n_x = f.x_labels.len().max(1);
    let plot_px = panel_w.saturating_sub(PANEL_FRAME_W).max(40) as f64;
    let fits = ((plot_px / label_px(f.label_chars())).floor() as usize).max(1);
    let step = n_x.div_ceil(fits);
    let x_keys: Vec<f64> = (0..n_x).step_by(step).map(|i| i as f64).collect();
    for (i, (cell, panel)) in cells.iter().zip(&f.panels).enumerate() {
        let y_desc = if i % cols == 0 { f.y_desc.as_str() } else { "" };
        draw_panel(cell, f, panel, y_desc, (lo, hi), (&y_keys, &x_keys))?;
    }
    draw_legend(&legend_area, &f.legend, 6)
}

fn draw_panel<DB: DrawingBackend>(
    cell: &DrawingArea<DB, Shift>,
    f: &GridFig,
    panel: &GridPanel,
    y_desc: &str,
    (lo, hi): (f64, f64),
    (y_keys, x_keys): (&[f64], &[f64]),
) -> Res {
    let (cw, _) = cell.dim_in_pixel();
    let (head, area) = cell.split_vertically(PANEL_TITLE_H);
    let max_chars = ((cw as i32 - 20) / 8).max(8) as usize;
    head.draw(&Text::new(
        truncate(&panel.title, max_chars),
        (cw as i32 / 2, PANEL_TITLE_H as i32 / 2 + 2),
        (FONT, 15)
            .into_font()
            .style(FontStyle::Bold)
            .color(&DARK)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))
    .s()?;
    let n_x = f.x_labels.len().max(1);
    let mut chart = ChartBuilder::on(&area)
        .margin_top(4)
        .margin_right(12)
        .margin_left(4)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(
            keyed(-0.5..n_x as f64 - 0.5, x_keys.to_vec()),
            keyed(lo..hi, y_keys.to_vec()),
        )
        .s()?;
    let x_fmt = |v: &f64| {
        let i = v.round();
        if (v - i).abs() > 1e-9 || i < 0.0 {
            return String::new();
        }
        f.x_labels
            .get(i as usize)
            .map(|l| truncate(l, 14))
            .unwrap_or_default()
    };
    let y_fmt = |v: &f64| fmt_tick(*v);
    house_mesh(
        chart
            .configure_mesh()
            .x_desc(f.x_desc.as_str())
            .y_desc(y_desc)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt),
    )
    .draw()
    .s()?;
    if let Some(b) = f.baseline_mean {
        chart
            .draw_series(DashedLineSeries::new(
                vec![(-0.5, b), (n_x as f64 - 0.5, b)],
                7,
                5,
                BASELINE_C.stroke_width(1),
            ))
            .s()?;
    }
    let k = panel.lines.len().max(1) as f64;
    let dodge = (0.5 / k).min(0.15);
    for (li, line) in panel.lines.iter().enumerate() {
        let off = (li as f64 - (k - 1.0) / 2.0) * dodge;
        let pts: Vec<(f64, f64)> = line
            .points
            .iter()
            .map(|p| (p.x as f64 + off, p.mean))
            .collect();
        chart
            .draw_series(LineSeries::new(pts, line.color.mix(0.45).stroke_width(1)))
            .s()?;
        for p in &line.points {
            let x = p.x as f64 + off;
            if let Some((a, b)) = p.ci {
                chart
                    .draw_series(std::iter::once(ErrorBar::new_vertical(
                        x,
                        a,
                        p.mean,
                        b,
                        line.color.stroke_width(2),
                        8,
                    )))
                    .s()?;
            }
            chart
                .draw_series(std::iter::once(Circle::new(
                    (x, p.mean),
                    4,
                    line.color.filled(),
                )))
                .s()?;
            if p.baseline {
                chart
                    .draw_series(std::iter::once(Circle::new(
                        (x, p.mean),
                        8,
                        DARK.stroke_width(2),
                    )))
                    .s()?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        // 3 × 2: x the 3 values, panels the 2
        assert_eq!(
            layout(&[3, 2]),
            Some(Layout {
                x: 0,
                panel: 1,
                line: None,
                averaged: vec![]
            })
        );
        // equal sizes: grid order; a dimension of one value is left out
        assert_eq!(layout(&[2, 1, 2]).map(|l| (l.x, l.panel)), Some((0, 2)));
        assert_eq!(layout(&[4, 1]), None);
        assert_eq!(layout(&[]), None);
        // 2 × 5 × 3 × 8: x 8, panels 5, lines the smallest (2), 3 averaged
        assert_eq!(
            layout(&[2, 5, 3, 8]),
            Some(Layout {
                x: 3,
                panel: 1,
                line: Some(0),
                averaged: vec![2]
            })
        );
        // a third dimension past MAX_LINES values is averaged
        assert_eq!(
            layout(&[9, 8, 7]).map(|l| (l.line, l.averaged)),
            Some((None, vec![2]))
        );
        // variant 4 of 3 × 2 is (2, 0): the first dimension slowest
        assert_eq!(coords(4, &[3, 2]), vec![2, 0]);
        assert_eq!(coords(5, &[2, 3, 1]), vec![1, 2, 0]);
    }

    #[test]
    fn averaged_points_are_the_mean_over_seeds_of_the_groups_average() {
        let row =
            |v: &str, seed: &str, x: &str| vec![v.to_string(), seed.to_string(), x.to_string()];
        let data = SweepData {
            name: "t".into(),
            variants: vec!["a".into(), "b".into()],
            baselines: BTreeMap::new(),
            metrics: vec!["m".into()],
            agg: HashMap::new(),
            runs_header: vec!["variant".into(), "seed".into(), "m".into()],
            runs: vec![
                row("a", "1", "1"),
                row("a", "2", "2"),
                row("a", "3", "3"),
                row("a", "4", "9"),
                row("b", "1", "3"),
                row("b", "2", "4"),
                row("b", "3", "8"),
                row("b", "4", ""),
            ],
        };
        let seeds = by_seed(&data, "m");
        // seed 4 has no value in b: left out. Averages 2, 3, 5.5: mean 3.5, sd √((1.5² + 0.5² + 2²) / 2)
        // = √3.25 = 1.80278; half-width t(0.975, 2) · sd / √3 = 4.30265 × 1.04083 = 4.47834.
        let (mean, ci) = point(&data, &seeds, &["a", "b"], "m").unwrap();
        assert!((mean - 3.5).abs() < 1e-12);
        let (lo, hi) = ci.unwrap();
        assert!((hi - mean - 4.47834).abs() < 1e-4, "{hi}");
        assert!((mean - lo - 4.47834).abs() < 1e-4, "{lo}");
    }

    /// Past 24 values of the panels' dimension, the first 24 panels are drawn and the legend says so (the
    /// panels' dimension is the smaller of two, so both have 25 values; x is the first of equals).
    #[test]
    fn panels_are_capped_and_the_legend_says_so() {
        let vals = |k: usize| (0..k).map(|j| j.to_string()).collect::<Vec<_>>();
        let grid = [
            Dim {
                name: "x".into(),
                values: vals(25),
            },
            Dim {
                name: "p".into(),
                values: vals(25),
            },
        ];
        let names: Vec<String> = (0..625).map(|i| format!("v{i}")).collect();
        let agg = names
            .iter()
            .map(|v| {
                let a = Agg {
                    n: 2.0,
                    mean: 1.0,
                    lo: 0.5,
                    hi: 1.5,
                };
                ((v.clone(), "cost_usd.total".to_string()), a)
            })
            .collect();
        let data = SweepData {
            name: "cap".into(),
            variants: names.clone(),
            baselines: BTreeMap::new(),
            metrics: vec!["cost_usd.total".into()],
            agg,
            runs_header: Vec::new(),
            runs: Vec::new(),
        };
        let lay = layout(&[25, 25]).unwrap();
        assert_eq!((lay.x, lay.panel), (0, 1));
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let f = figure(&data, &grid, &refs, &lay, "cost_usd.total");
        assert_eq!(f.panels.len(), MAX_PANELS);
        // no runs.csv: no sign of whole numbers, so ordinary ticks (whole-number ticks of 0.5..1.5 would
        // be the one tick 1)
        assert!(!f.int);
        assert_eq!(f.panels[23].title, "p = 23");
        assert!(f.panels.iter().all(|p| p.lines[0].points.len() == 25));
        let legend: Vec<&str> = f.legend.iter().map(|e| e.label.trim()).collect();
        assert_eq!(
            legend.join(" "),
            "mean over the seeds 95% confidence interval same y scale in every panel \
             first 24 of 25 panels (p): the others are left out"
        );
        // 24 panels in rows of 3: 8 rows
        assert_eq!(f.size(), (WIDTH, TITLE_H + 10 + 8 * PANEL_H));
    }
}
