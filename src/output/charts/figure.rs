//! What a chart is, before it is drawn: downsampled series, panes, legends and the figure kinds.

use super::*;

// ---------------------------------------------------------------------------------------------------------
// Downsampling
// ---------------------------------------------------------------------------------------------------------

/// A series ready to draw: line segments (broken where the value is missing) and, when the series was
/// downsampled, the min–max band of each bucket.
pub(super) struct Drawn {
    pub(super) segs: Vec<Vec<(f64, f64)>>,
    /// Per segment: (t, min, max) of each bucket.
    pub(super) bands: Vec<Vec<(f64, f64, f64)>>,
    /// Bucket width, seconds (0 when not downsampled).
    pub(super) bucket_s: f64,
}

/// The finite points of `(t, y)`. Up to [`RAW_MAX`] points are drawn as they are; longer series are cut
/// into [`BUCKETS`] equal time buckets, each drawn as its mean (the line) and its minimum and maximum
/// (a shaded band), so spikes survive and a line has at most about [`MAX_POINTS`] points.
pub(super) fn segments(t: &[f64], y: &[f64]) -> Drawn {
    let n = t.len().min(y.len());
    let finite = (0..n).filter(|&i| y[i].is_finite()).count();
    let mut d = Drawn {
        segs: Vec::new(),
        bands: Vec::new(),
        bucket_s: 0.0,
    };
    if finite <= RAW_MAX {
        let mut cur: Vec<(f64, f64)> = Vec::new();
        for i in 0..n {
            if y[i].is_finite() {
                cur.push((t[i], y[i]));
            } else if !cur.is_empty() {
                d.segs.push(std::mem::take(&mut cur));
            }
        }
        if !cur.is_empty() {
            d.segs.push(cur);
        }
        return d;
    }
    let (t0, t1) = (t[0], t[n - 1]);
    let width = ((t1 - t0) / BUCKETS as f64).max(1e-9);
    d.bucket_s = width;
    let mut line: Vec<(f64, f64)> = Vec::new();
    let mut band: Vec<(f64, f64, f64)> = Vec::new();
    // current bucket: index, sum of t, sum of y, count, min, max
    let mut cur: Option<(i64, f64, f64, f64, f64, f64)> = None;
    let flush = |cur: &mut Option<(i64, f64, f64, f64, f64, f64)>,
                 line: &mut Vec<(f64, f64)>,
                 band: &mut Vec<(f64, f64, f64)>| {
        if let Some((_, st, sy, k, lo, hi)) = cur.take() {
            line.push((st / k, sy / k));
            band.push((st / k, lo, hi));
        }
    };
    for i in 0..n {
        if !y[i].is_finite() {
            flush(&mut cur, &mut line, &mut band);
            if !line.is_empty() {
                d.segs.push(std::mem::take(&mut line));
                d.bands.push(std::mem::take(&mut band));
            }
            continue;
        }
        let b = ((t[i] - t0) / width) as i64;
        if cur.is_some_and(|c| c.0 != b) {
            flush(&mut cur, &mut line, &mut band);
        }
        let c = cur.get_or_insert((b, 0.0, 0.0, 0.0, f64::INFINITY, f64::NEG_INFINITY));
        c.1 += t[i];
        c.2 += y[i];
        c.3 += 1.0;
        c.4 = c.4.min(y[i]);
        c.5 = c.5.max(y[i]);
    }
    flush(&mut cur, &mut line, &mut band);
    if !line.is_empty() {
        d.segs.push(line);
        d.bands.push(band);
    }
    d
}

// ---------------------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------------------

/// A legend marker.
#[derive(Clone, Copy)]
pub(super) enum Mark {
    Line(RGBAColor, u32),
    Dash(RGBColor),
    Tick(RGBColor),
    Box(RGBColor),
    Dot(RGBColor),
    Whisker(RGBColor),
    /// An open circle (a marked point).
    Ring(RGBColor),
    /// A filled triangle (a Fargate candidate).
    Triangle(RGBColor),
    None,
}

pub(super) struct Entry {
    pub(super) mark: Mark,
    pub(super) label: String,
}

pub(super) fn entry(mark: Mark, label: impl Into<String>) -> Entry {
    Entry {
        mark,
        label: label.into(),
    }
}

pub(super) struct Line {
    pub(super) label: String,
    pub(super) color: RGBColor,
    pub(super) width: u32,
    pub(super) alpha: f64,
    pub(super) data: Drawn,
}

pub(super) fn line(label: impl Into<String>, color: RGBColor, s: &Series, c: usize) -> Line {
    line_of(label, color, segments(&s.t, &s.cols[c]))
}

pub(super) fn line_of(label: impl Into<String>, color: RGBColor, data: Drawn) -> Line {
    Line {
        label: label.into(),
        color,
        width: 2,
        alpha: 1.0,
        data,
    }
}

pub(super) struct HLine {
    pub(super) label: String,
    pub(super) y: f64,
    pub(super) color: RGBColor,
}

pub(super) struct Pane {
    pub(super) y_desc: String,
    pub(super) lines: Vec<Line>,
    pub(super) hlines: Vec<HLine>,
    /// Shaded time spans (s) with their legend label and shade.
    pub(super) shades: Vec<Shaded>,
    /// Use a logarithmic y axis when the data spans more than this ratio (0: never).
    pub(super) log_above: f64,
    pub(super) ticks: bool,
    /// Whole numbers (tasks, instances, messages): whole-number ticks on the y axis.
    pub(super) int: bool,
}

pub(super) fn pane(y_desc: impl Into<String>, lines: Vec<Line>) -> Pane {
    Pane {
        y_desc: y_desc.into(),
        lines,
        hlines: Vec::new(),
        shades: Vec::new(),
        log_above: 0.0,
        ticks: true,
        int: false,
    }
}

/// A pane of whole numbers (counts): whole-number y ticks.
pub(super) fn int_pane(y_desc: impl Into<String>, lines: Vec<Line>) -> Pane {
    Pane {
        int: true,
        ..pane(y_desc, lines)
    }
}

/// How time is shown: the clock from the start (`HH:MM`), or whole days for runs of three days or more.
#[derive(Clone, Copy)]
pub(super) struct TimeAxis {
    pub(super) end_s: f64,
    pub(super) unit_s: f64,
    pub(super) desc: &'static str,
    /// Shaded from 0 on every time chart when above 0 (the summary leaves it out).
    pub(super) warm_up_s: f64,
}

impl TimeAxis {
    pub(super) fn of(end_s: f64) -> TimeAxis {
        if end_s >= 3.0 * 86_400.0 {
            TimeAxis {
                end_s,
                unit_s: 86_400.0,
                desc: "time (days)",
                warm_up_s: 0.0,
            }
        } else {
            TimeAxis {
                end_s,
                unit_s: 3600.0,
                desc: "time from the start (HH:MM)",
                warm_up_s: 0.0,
            }
        }
    }
    pub(super) fn end(&self) -> f64 {
        (self.end_s / self.unit_s).max(1e-6)
    }
}

pub(super) struct TimeFig {
    pub(super) title: String,
    pub(super) time: TimeAxis,
    pub(super) panes: Vec<Pane>,
    pub(super) ticks: Vec<(f64, TickKind)>,
}

pub(super) struct HistFig {
    pub(super) title: String,
    pub(super) x_desc: String,
    pub(super) bin_w: f64,
    /// Per group: label, colour, counts per bin.
    pub(super) groups: Vec<(String, RGBColor, Vec<u64>)>,
}

pub(super) struct TimelineFig {
    pub(super) title: String,
    pub(super) time: TimeAxis,
    pub(super) lanes: Vec<String>,
    /// lane, sub-row, rows in lane, start s, end s, colour index
    pub(super) bars: Vec<(usize, usize, usize, f64, f64, usize)>,
    pub(super) keys: Vec<String>,
}

/// A heatmap: one row per service (or group of services), one column per time bucket.
pub(super) struct HeatFig {
    pub(super) title: String,
    pub(super) time: TimeAxis,
    /// Row labels, top first.
    pub(super) rows: Vec<String>,
    /// Per row, the value of each bucket (NaN: none).
    pub(super) values: Vec<Vec<f64>>,
    /// Bucket width, seconds.
    pub(super) bucket_s: f64,
    pub(super) unit: String,
    /// A logarithmic colour scale when the values span more than a factor of 10.
    pub(super) log: bool,
    /// Whole numbers: colour steps of whole numbers.
    pub(super) int: bool,
}

/// One variant's figures for an interval chart: seed values, mean and 95 % CI.
pub(super) struct Interval {
    pub(super) label: String,
    pub(super) seeds: Vec<f64>,
    pub(super) mean: f64,
    pub(super) ci: Option<(f64, f64)>,
    /// Drawn grey (one of many, not among the highlighted).
    pub(super) grey: bool,
}

pub(super) struct IntervalFig {
    pub(super) title: String,
    pub(super) x_desc: String,
    pub(super) rows: Vec<Interval>,
}

pub(super) struct ScatterPoint {
    /// Number drawn beside the point.
    pub(super) num: usize,
    /// Name in the legend.
    pub(super) name: String,
    pub(super) x: f64,
    pub(super) y: f64,
    pub(super) xci: Option<(f64, f64)>,
    pub(super) yci: Option<(f64, f64)>,
    pub(super) front: bool,
    /// Numbered on the chart and listed in the legend.
    pub(super) named: bool,
}

pub(super) struct ScatterFig {
    pub(super) title: String,
    pub(super) x_desc: String,
    pub(super) y_desc: String,
    pub(super) points: Vec<ScatterPoint>,
}

pub(super) enum Figure {
    Time(TimeFig),
    Hist(HistFig),
    Timeline(TimelineFig),
    Interval(IntervalFig),
    Scatter(ScatterFig),
    PlanCost(super::plan::PlanCostFig),
    PlanHeat(super::plan::HeatFig),
    Heat(HeatFig),
    /// A sweep's small multiples.
    Grid(super::sweep_grid::GridFig),
}

impl Figure {
    pub(super) fn title(&self) -> &str {
        match self {
            Figure::Time(f) => &f.title,
            Figure::Hist(f) => &f.title,
            Figure::Timeline(f) => &f.title,
            Figure::Interval(f) => &f.title,
            Figure::Scatter(f) => &f.title,
            Figure::PlanCost(f) => &f.title,
            Figure::PlanHeat(f) => &f.title,
            Figure::Heat(f) => &f.title,
            Figure::Grid(f) => &f.title,
        }
    }

    pub(super) fn size(&self) -> (u32, u32) {
        match self {
            Figure::Time(f) => (WIDTH, TITLE_H + PANE_H * f.panes.len().max(1) as u32),
            Figure::Hist(_) => (WIDTH, TITLE_H + PANE_H + 20),
            Figure::Timeline(f) => {
                let lane = lane_px(f.lanes.len());
                (WIDTH, (TITLE_H + 70 + lane * f.lanes.len() as u32).max(220))
            }
            Figure::Interval(f) => (WIDTH, (TITLE_H + 80 + 30 * f.rows.len() as u32).max(200)),
            Figure::Scatter(_) | Figure::PlanCost(_) => (WIDTH, TITLE_H + 420),
            Figure::PlanHeat(f) => (
                WIDTH,
                (TITLE_H + 70 + 44 * f.y_levels.len() as u32).clamp(440, 1200),
            ),
            Figure::Heat(f) => {
                let row = (500 / f.rows.len().max(1) as u32).clamp(3, 18);
                (WIDTH, (TITLE_H + 60 + row * f.rows.len() as u32).max(380))
            }
            Figure::Grid(f) => f.size(),
        }
    }

    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Res {
        root.fill(&WHITE).s()?;
        let title_style = (FONT, 22).into_font().style(FontStyle::Bold).color(&DARK);
        let body = root.titled(self.title(), title_style).s()?;
        match self {
            Figure::Time(f) => draw_time(&body, f),
            Figure::Hist(f) => draw_hist(&body, f),
            Figure::Timeline(f) => draw_timeline(root, &body, f),
            Figure::Interval(f) => draw_interval(root, &body, f),
            Figure::Scatter(f) => draw_scatter(&body, f),
            Figure::PlanCost(f) => plan_draw::draw_plan_cost(&body, f),
            Figure::PlanHeat(f) => plan_draw::draw_heat(root, &body, f),
            Figure::Heat(f) => draw_heat(root, &body, f),
            Figure::Grid(f) => super::sweep_grid::draw_grid(&body, f),
        }?;
        root.present().s()
    }
}
