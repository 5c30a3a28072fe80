//! Charts of a run folder (`summary.json`, `timeseries.csv`, `tasks.csv`, `events.csv`) and of a sweep
//! folder (`runs.csv`, `aggregate.csv`, `variants.csv`, `sweep.json`), drawn with plotters into
//! `DIR/charts/` as SVG and PNG (text in PNGs is drawn with the DejaVu Sans font embedded in the binary, so
//! no system font is needed). The charts are built from the files alone, so they can be drawn for any
//! folder, long after the run.
//!
//! Long series are downsampled for drawing (the minimum and the maximum of each of at most 1,000 time
//! buckets, in time order), so a 30-day run draws as fast and as small as a 2-hour one. Besides the
//! pictures, `charts/index.json` lists them in reading order with their section and title; the report
//! reads it.
//!
//! Must not: run a simulation; make a chart depend on anything but the folder's files.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::numfmt::{fmt_tick, fmt_value};

/// The font family every chart uses (registered from the embedded DejaVu Sans).
const FONT: &str = "sans-serif";
/// Width of every chart, pixels.
const WIDTH: u32 = 1000;
/// Height of one pane of a time chart, pixels.
const PANE_H: u32 = 290;
/// Height of the title band, pixels.
const TITLE_H: u32 = 34;
/// Width of the legend column at the right of a chart, pixels.
const LEGEND_W: u32 = 230;
/// Series of at most this many points are drawn point by point.
const RAW_MAX: usize = 1200;
/// Longer series are drawn as this many buckets (mean line, min–max band).
const BUCKETS: usize = 500;
/// Placement timelines are drawn for clusters of at most this many instances.
const TIMELINE_MAX_INSTANCES: usize = 50;
/// A placement timeline with more bars than this (after merging) is not drawn.
const TIMELINE_MAX_BARS: usize = 20_000;
/// Name of the chart list written beside the charts.
pub(crate) const INDEX: &str = "index.json";

/// Colours, in order of use (Tableau 10).
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
const GRID: RGBColor = RGBColor(222, 222, 222);
const DARK: RGBColor = RGBColor(40, 40, 40);

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

fn init_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Fails only on a corrupt font file; text would then be missing from PNGs, not a crash.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
    });
}

type Res = Result<(), String>;

trait Str<T> {
    fn s(self) -> Result<T, String>;
}

impl<T, E: std::fmt::Display> Str<T> for Result<T, E> {
    fn s(self) -> Result<T, String> {
        self.map_err(|e| e.to_string())
    }
}

fn other<E: std::fmt::Display>(e: E) -> io::Error {
    io::Error::other(e.to_string())
}

// ---------------------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------------------

/// Write `bytes` to `path` whole: a temporary name beside it, then a rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    if let Err(e) = fs::write(&tmp, bytes).and_then(|()| fs::rename(&tmp, path)) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}

/// A CSV file with its header: `None` when the file does not exist.
pub(crate) struct Csv {
    reader: csv::Reader<fs::File>,
    header: Vec<String>,
}

impl Csv {
    pub(crate) fn open(path: &Path) -> io::Result<Option<Csv>> {
        let file = match fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
        let header = reader
            .headers()
            .map_err(other)?
            .iter()
            .map(str::to_string)
            .collect();
        Ok(Some(Csv { reader, header }))
    }

    pub(crate) fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    pub(crate) fn header(&self) -> &[String] {
        &self.header
    }

    /// Calls `f` for every record.
    pub(crate) fn each(mut self, mut f: impl FnMut(&csv::StringRecord) -> bool) -> io::Result<()> {
        let mut rec = csv::StringRecord::new();
        while self.reader.read_record(&mut rec).map_err(other)? {
            if !f(&rec) {
                break;
            }
        }
        Ok(())
    }
}

/// A number cell: NaN when missing, empty or not a number.
pub(crate) fn num(rec: &csv::StringRecord, i: Option<usize>) -> f64 {
    i.and_then(|i| rec.get(i))
        .and_then(|s| s.trim().parse::<f64>().ok())
        .unwrap_or(f64::NAN)
}

/// A text cell: empty when missing.
pub(crate) fn cell(rec: &csv::StringRecord, i: Option<usize>) -> &str {
    i.and_then(|i| rec.get(i)).unwrap_or("")
}

/// A file-name-safe form of `s` (letters, digits, `-`, `_`, `.`; anything else becomes `_`).
fn file_safe(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    if t.is_empty() || t.starts_with('.') {
        format!("_{t}")
    } else {
        t
    }
}

/// The unit of a summary figure, from its name.
pub(crate) fn metric_unit(metric: &str) -> &'static str {
    let last = metric.rsplit('.').next().unwrap_or(metric);
    if metric.starts_with("cost_usd") {
        "USD"
    } else if metric.starts_with("latency_ms") || last.ends_with("_ms") {
        "ms"
    } else if last.ends_with("_s") || last.contains("_s_") || last == "makespan_s" {
        "s"
    } else if metric.contains("reservation") {
        "%"
    } else if last.contains("minutes") {
        "min"
    } else if last.contains("seconds") {
        "s"
    } else {
        ""
    }
}

/// A duration in words: `45 s`, `9 min`, `1.4 h`.
fn fmt_dur(s: f64) -> String {
    if s < 120.0 {
        format!("{} s", fmt_value(s.round()))
    } else if s < 7200.0 {
        format!("{} min", fmt_value((s / 60.0).round()))
    } else {
        format!("{} h", fmt_value((s / 360.0).round() / 10.0))
    }
}

/// `s` cut into lines of at most `width` characters, after commas where it can.
fn wrap_at_commas(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for part in s.split_inclusive([',', ' ']) {
        if !cur.is_empty() && cur.chars().count() + part.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        cur.push_str(part);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

// ---------------------------------------------------------------------------------------------------------
// Run data
// ---------------------------------------------------------------------------------------------------------

/// Columns of `timeseries.csv` the charts use (the queue columns, from [`FIRST_QUEUE_COL`] on, only in
/// runs with a queue).
const COLS: [&str; 30] = [
    "desired",
    "running",
    "pending",
    "cpu_utilization",
    "memory_utilization",
    "request_rate",
    "served",
    "errors",
    "queued",
    "latency_p50_ms",
    "latency_p90_ms",
    "latency_p99_ms",
    "instances",
    "cpu_registered",
    "cpu_reserved",
    "memory_registered",
    "memory_reserved",
    "cpu_reservation",
    "memory_reservation",
    "capacity_provider_reservation",
    "cost_usd",
    "capacity_rps",
    "slo_p99_ms",
    "cost_ec2_usd",
    "cost_fargate_usd",
    "cost_fargate_spot_usd",
    "slo_bad",
    "messages_visible",
    "messages_in_flight",
    "oldest_message_age_s",
];
const DESIRED: usize = 0;
const RUNNING: usize = 1;
const PENDING: usize = 2;
const CPU_UTIL: usize = 3;
const MEM_UTIL: usize = 4;
const REQ_RATE: usize = 5;
const ERRORS: usize = 7;
const QUEUED: usize = 8;
const P50: usize = 9;
const P90: usize = 10;
const P99: usize = 11;
const INSTANCES: usize = 12;
const CPU_REG: usize = 13;
const CPU_RES: usize = 14;
const MEM_REG: usize = 15;
const MEM_RES: usize = 16;
const CPR: usize = 19;
const COST: usize = 20;
const CAPACITY_RPS: usize = 21;
const SLO_P99: usize = 22;
const COST_EC2: usize = 23;
const COST_FARGATE: usize = 24;
const COST_FARGATE_SPOT: usize = 25;
const SLO_BAD: usize = 26;
const MSG_VISIBLE: usize = 27;
const MSG_IN_FLIGHT: usize = 28;
const MSG_AGE: usize = 29;
/// A folder without these columns keeps no (empty) values for them.
const FIRST_QUEUE_COL: usize = MSG_VISIBLE;

/// Shading of the warm-up (left out of the summary) and of a service's bad SLO periods: drawn with
/// alpha over the plot; the legend's box shows the blend on white.
const WARM_UP_SHADE: Shade = (RGBColor(120, 120, 120), 0.16);
const SLO_BAD_SHADE: Shade = (RGBColor(215, 25, 28), 0.16);

/// A colour and the alpha it is drawn with.
type Shade = (RGBColor, f64);
/// Time spans (s) shaded on a pane, with their legend label.
type Shaded = (String, Shade, Vec<(f64, f64)>);

/// A shade's colour over white, for its legend box.
fn on_white((c, a): Shade) -> RGBColor {
    let m = |x: u8| (255.0 - (255.0 - x as f64) * a).round() as u8;
    RGBColor(m(c.0), m(c.1), m(c.2))
}

/// The spans `[t − period, t]` of the rows whose `col` is 1, joined where they touch.
fn spans_where(s: &Series, col: usize, period_s: f64) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (t, v) in s.t.iter().zip(&s.cols[col]) {
        if *v != 1.0 {
            continue;
        }
        let a = (t - period_s).max(0.0);
        match out.last_mut() {
            Some(last) if a <= last.1 + 1e-9 => last.1 = *t,
            _ => out.push((a, *t)),
        }
    }
    out
}

/// The rows of one (scope, name) of `timeseries.csv`, by column.
struct Series {
    scope: String,
    name: String,
    t: Vec<f64>,
    cols: Vec<Vec<f64>>,
}

impl Series {
    fn has(&self, c: usize) -> bool {
        self.cols[c].iter().any(|v| v.is_finite())
    }
    fn max(&self, c: usize) -> f64 {
        self.cols[c]
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(f64::NAN, f64::max)
    }
}

/// The kinds of events marked on time charts.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum TickKind {
    Scaling,
    ClusterScaling,
    Scenario,
    Deployment,
    Fault,
}

impl TickKind {
    fn of(kind: &str) -> Option<TickKind> {
        match kind {
            "scaling" => Some(TickKind::Scaling),
            "cluster_scaling" => Some(TickKind::ClusterScaling),
            "scenario" => Some(TickKind::Scenario),
            k if k.contains("fault") => Some(TickKind::Fault),
            k if k.contains("deployment") => Some(TickKind::Deployment),
            _ => None,
        }
    }
    fn label(self) -> &'static str {
        match self {
            TickKind::Scaling => "service scaling",
            TickKind::ClusterScaling => "cluster scaling",
            TickKind::Scenario => "scenario action",
            TickKind::Deployment => "deployment",
            TickKind::Fault => "fault",
        }
    }
    fn color(self) -> RGBColor {
        match self {
            TickKind::Scaling => RGBColor(230, 120, 0),
            TickKind::ClusterScaling => RGBColor(128, 60, 170),
            TickKind::Scenario => RGBColor(0, 150, 160),
            TickKind::Deployment => RGBColor(30, 140, 40),
            TickKind::Fault => RGBColor(215, 25, 28),
        }
    }
}

struct Tick {
    t: f64,
    kind: TickKind,
    service: String,
}

struct TaskRow {
    key: String,
    launch_type: String,
    instance: String,
    created: f64,
    started: f64,
    stopped: f64,
}

struct RunData {
    end_s: f64,
    series: Vec<Series>,
    ticks: Vec<Tick>,
    /// Target-tracking targets by (service, metric) from the scaling events, e.g. ("web", "Cpu") → 60.
    targets: BTreeMap<(String, String), f64>,
    /// Managed-scaling target capacity by capacity provider, from the cluster scaling events.
    cpr_targets: BTreeMap<String, f64>,
    /// p99 SLO by service, when an event message states it (older folders, whose `timeseries.csv` has
    /// no `slo_p99_ms` column).
    slos: BTreeMap<String, f64>,
    tasks: Vec<TaskRow>,
    period_s: f64,
    /// The warm-up the summary leaves out, s (0: none).
    warm_up_s: f64,
}

fn read_run(dir: &Path) -> io::Result<RunData> {
    let summary: Option<serde_json::Value> = match fs::read_to_string(dir.join("summary.json")) {
        Ok(s) => Some(serde_json::from_str(&s).map_err(other)?),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let mut series: Vec<Series> = Vec::new();
    let mut by_key: HashMap<(String, String), usize> = HashMap::new();
    let mut max_t = 0f64;
    let ts = Csv::open(&dir.join("timeseries.csv"))?;
    if summary.is_none() && ts.is_none() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "{} holds neither summary.json nor timeseries.csv: not a run folder",
                dir.display()
            ),
        ));
    }
    if let Some(ts) = ts {
        let (it, iscope, iname) = (ts.col("time_s"), ts.col("scope"), ts.col("name"));
        let idx: Vec<Option<usize>> = COLS.iter().map(|c| ts.col(c)).collect();
        ts.each(|rec| {
            let t = num(rec, it);
            if !t.is_finite() {
                return true;
            }
            max_t = max_t.max(t);
            let key = (cell(rec, iscope).to_string(), cell(rec, iname).to_string());
            let i = *by_key.entry(key.clone()).or_insert_with(|| {
                series.push(Series {
                    scope: key.0.clone(),
                    name: key.1.clone(),
                    t: Vec::new(),
                    cols: vec![Vec::new(); COLS.len()],
                });
                series.len() - 1
            });
            let s = &mut series[i];
            s.t.push(t);
            for (c, ix) in idx.iter().enumerate() {
                if c >= FIRST_QUEUE_COL && ix.is_none() {
                    continue;
                }
                s.cols[c].push(num(rec, *ix));
            }
            true
        })?;
    }
    let period_s = series
        .iter()
        .find(|s| s.t.len() >= 2)
        .map_or(60.0, |s| s.t[1] - s.t[0]);

    let re_target =
        regex::Regex::new(r"target tracking on (\w+): .*?target ([0-9]+(?:\.[0-9]+)?)").unwrap();
    let re_cpr = regex::Regex::new(
        r"Capacity provider (.+?): CapacityProviderReservation .*? target ([0-9]+(?:\.[0-9]+)?)",
    )
    .unwrap();
    let re_slo = regex::Regex::new(r"(?i)slo[_ ]?p99\D{0,12}?([0-9]+(?:\.[0-9]+)?) ?ms").unwrap();
    let mut ticks = Vec::new();
    let mut targets = BTreeMap::new();
    let mut cpr_targets = BTreeMap::new();
    let mut slos = BTreeMap::new();
    if let Some(ev) = Csv::open(&dir.join("events.csv"))? {
        let (it, ik, is, im) = (
            ev.col("time_s"),
            ev.col("kind"),
            ev.col("service"),
            ev.col("message"),
        );
        ev.each(|rec| {
            let t = num(rec, it);
            let kind = cell(rec, ik);
            let service = cell(rec, is);
            let msg = cell(rec, im);
            if let Some(k) = TickKind::of(kind)
                && t.is_finite()
            {
                ticks.push(Tick {
                    t,
                    kind: k,
                    service: service.to_string(),
                });
                max_t = max_t.max(t);
            }
            if kind == "scaling"
                && let Some(c) = re_target.captures(msg)
                && let Ok(v) = c[2].parse::<f64>()
            {
                targets.insert((service.to_string(), c[1].to_string()), v);
            }
            if kind == "cluster_scaling"
                && let Some(c) = re_cpr.captures(msg)
                && let Ok(v) = c[2].parse::<f64>()
            {
                cpr_targets.insert(c[1].to_string(), v);
            }
            if let Some(c) = re_slo.captures(msg)
                && let Ok(v) = c[1].parse::<f64>()
            {
                slos.insert(service.to_string(), v);
            }
            true
        })?;
    }

    let mut tasks = Vec::new();
    if let Some(tc) = Csv::open(&dir.join("tasks.csv"))? {
        let (is, ig, il, ii) = (
            tc.col("service"),
            tc.col("group"),
            tc.col("launch_type"),
            tc.col("instance"),
        );
        let (ic, ist, isp) = (
            tc.col("created_s"),
            tc.col("started_s"),
            tc.col("stopped_s"),
        );
        tc.each(|rec| {
            let service = cell(rec, is);
            let key = if service.is_empty() {
                cell(rec, ig)
            } else {
                service
            };
            tasks.push(TaskRow {
                key: key.to_string(),
                launch_type: cell(rec, il).to_string(),
                instance: cell(rec, ii).to_string(),
                created: num(rec, ic),
                started: num(rec, ist),
                stopped: num(rec, isp),
            });
            true
        })?;
    }
    let end_s = summary
        .as_ref()
        .and_then(|s| s.get("simulated_seconds"))
        .and_then(serde_json::Value::as_f64)
        .filter(|v| *v > 0.0)
        .unwrap_or(max_t.max(1.0));
    let warm_up_s = summary
        .as_ref()
        .and_then(|s| s.get("warm_up_s"))
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(0.0);
    Ok(RunData {
        warm_up_s,
        end_s,
        series,
        ticks,
        targets,
        cpr_targets,
        slos,
        tasks,
        period_s,
    })
}

// ---------------------------------------------------------------------------------------------------------
// Downsampling
// ---------------------------------------------------------------------------------------------------------

/// A series ready to draw: line segments (broken where the value is missing) and, when the series was
/// downsampled, the min–max band of each bucket.
struct Drawn {
    segs: Vec<Vec<(f64, f64)>>,
    /// Per segment: (t, min, max) of each bucket.
    bands: Vec<Vec<(f64, f64, f64)>>,
    /// Bucket width, seconds (0 when not downsampled).
    bucket_s: f64,
}

/// The finite points of `(t, y)`. Up to [`RAW_MAX`] points are drawn as they are; longer series are cut
/// into [`BUCKETS`] equal time buckets, each drawn as its mean (the line) and its minimum and maximum
/// (a shaded band), so spikes survive and a line has at most about [`MAX_POINTS`] points.
fn segments(t: &[f64], y: &[f64]) -> Drawn {
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
enum Mark {
    Line(RGBAColor, u32),
    Dash(RGBColor),
    Tick(RGBColor),
    Box(RGBColor),
    Dot(RGBColor),
    Whisker(RGBColor),
    None,
}

struct Entry {
    mark: Mark,
    label: String,
}

fn entry(mark: Mark, label: impl Into<String>) -> Entry {
    Entry {
        mark,
        label: label.into(),
    }
}

struct Line {
    label: String,
    color: RGBColor,
    width: u32,
    alpha: f64,
    data: Drawn,
}

/// A worker's queue (§4.5): messages visible and in flight; backlog per task (visible ÷ max(1, RUNNING),
/// as the scaling metric) with its target-tracking target; the age of the oldest message.
fn queue_panes(s: &Series, target: Option<&f64>) -> Vec<Pane> {
    let messages = pane(
        "messages",
        vec![
            line("visible", PALETTE[0], s, MSG_VISIBLE),
            line("in flight", PALETTE[1], s, MSG_IN_FLIGHT),
        ],
    );
    let per_task: Vec<f64> = (0..s.t.len())
        .map(|i| s.cols[MSG_VISIBLE][i] / s.cols[RUNNING][i].max(1.0))
        .collect();
    let mut backlog = pane(
        "messages per task",
        vec![line_of(
            "backlog per task",
            PALETTE[2],
            segments(&s.t, &per_task),
        )],
    );
    if let Some(v) = target {
        backlog.hlines.push(HLine {
            label: format!("target {}", fmt_value(*v)),
            y: *v,
            color: PALETTE[3],
        });
    }
    let age = pane(
        "oldest message (s)",
        vec![line("age", PALETTE[4], s, MSG_AGE)],
    );
    vec![messages, backlog, age]
}

fn line(label: impl Into<String>, color: RGBColor, s: &Series, c: usize) -> Line {
    line_of(label, color, segments(&s.t, &s.cols[c]))
}

fn line_of(label: impl Into<String>, color: RGBColor, data: Drawn) -> Line {
    Line {
        label: label.into(),
        color,
        width: 2,
        alpha: 1.0,
        data,
    }
}

struct HLine {
    label: String,
    y: f64,
    color: RGBColor,
}

struct Pane {
    y_desc: String,
    lines: Vec<Line>,
    hlines: Vec<HLine>,
    /// Shaded time spans (s) with their legend label and shade.
    shades: Vec<Shaded>,
    /// Use a logarithmic y axis when the data spans more than this ratio (0: never).
    log_above: f64,
    ticks: bool,
}

fn pane(y_desc: impl Into<String>, lines: Vec<Line>) -> Pane {
    Pane {
        y_desc: y_desc.into(),
        lines,
        hlines: Vec::new(),
        shades: Vec::new(),
        log_above: 0.0,
        ticks: true,
    }
}

/// How time is shown: hours, or days for runs of three days or more.
#[derive(Clone, Copy)]
struct TimeAxis {
    end_s: f64,
    unit_s: f64,
    desc: &'static str,
    /// Shaded from 0 on every time chart when above 0 (the summary leaves it out).
    warm_up_s: f64,
}

impl TimeAxis {
    fn of(end_s: f64) -> TimeAxis {
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
                desc: "time (hours)",
                warm_up_s: 0.0,
            }
        }
    }
    fn end(&self) -> f64 {
        (self.end_s / self.unit_s).max(1e-6)
    }
}

struct TimeFig {
    title: String,
    time: TimeAxis,
    panes: Vec<Pane>,
    ticks: Vec<(f64, TickKind)>,
}

struct HistFig {
    title: String,
    x_desc: String,
    bin_w: f64,
    /// Per group: label, colour, counts per bin.
    groups: Vec<(String, RGBColor, Vec<u64>)>,
}

struct TimelineFig {
    title: String,
    time: TimeAxis,
    lanes: Vec<String>,
    /// lane, sub-row, rows in lane, start s, end s, colour index
    bars: Vec<(usize, usize, usize, f64, f64, usize)>,
    keys: Vec<String>,
}

/// One variant's figures for an interval chart: seed values, mean and 95 % CI.
struct Interval {
    label: String,
    seeds: Vec<f64>,
    mean: f64,
    ci: Option<(f64, f64)>,
}

struct IntervalFig {
    title: String,
    x_desc: String,
    rows: Vec<Interval>,
}

struct ScatterPoint {
    /// Number drawn beside the point.
    num: usize,
    /// Name in the legend.
    name: String,
    x: f64,
    y: f64,
    xci: Option<(f64, f64)>,
    yci: Option<(f64, f64)>,
    front: bool,
}

struct ScatterFig {
    title: String,
    x_desc: String,
    y_desc: String,
    points: Vec<ScatterPoint>,
}

enum Figure {
    Time(TimeFig),
    Hist(HistFig),
    Timeline(TimelineFig),
    Interval(IntervalFig),
    Scatter(ScatterFig),
}

impl Figure {
    fn title(&self) -> &str {
        match self {
            Figure::Time(f) => &f.title,
            Figure::Hist(f) => &f.title,
            Figure::Timeline(f) => &f.title,
            Figure::Interval(f) => &f.title,
            Figure::Scatter(f) => &f.title,
        }
    }

    fn size(&self) -> (u32, u32) {
        match self {
            Figure::Time(f) => (WIDTH, TITLE_H + PANE_H * f.panes.len().max(1) as u32),
            Figure::Hist(_) => (WIDTH, TITLE_H + PANE_H + 20),
            Figure::Timeline(f) => {
                let lane = lane_px(f.lanes.len());
                (WIDTH, (TITLE_H + 70 + lane * f.lanes.len() as u32).max(220))
            }
            Figure::Interval(f) => (WIDTH, (TITLE_H + 80 + 30 * f.rows.len() as u32).max(200)),
            Figure::Scatter(_) => (WIDTH, TITLE_H + 420),
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Res {
        root.fill(&WHITE).s()?;
        let title_style = (FONT, 22).into_font().style(FontStyle::Bold).color(&DARK);
        let body = root.titled(self.title(), title_style).s()?;
        match self {
            Figure::Time(f) => draw_time(&body, f),
            Figure::Hist(f) => draw_hist(&body, f),
            Figure::Timeline(f) => draw_timeline(root, &body, f),
            Figure::Interval(f) => draw_interval(root, &body, f),
            Figure::Scatter(f) => draw_scatter(&body, f),
        }?;
        root.present().s()
    }
}

fn lane_px(lanes: usize) -> u32 {
    match lanes {
        0..=8 => 30,
        9..=20 => 22,
        _ => 16,
    }
}

fn text_style(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&DARK)
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    top: i32,
) -> Res {
    let (w, h) = area.dim_in_pixel();
    let max_chars = ((w as i32 - 46) / 8).max(6) as usize;
    let style = text_style(15).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, e) in entries.iter().enumerate() {
        let y = top + 10 + i as i32 * 22;
        if y > h as i32 - 8 {
            let more = format!("… {} more", entries.len() - i);
            area.draw(&Text::new(more, (8, y), style.clone())).s()?;
            break;
        }
        let (x0, x1) = (6, 30);
        match e.mark {
            Mark::Line(c, w) => area.draw(&PathElement::new(
                vec![(x0, y), (x1, y)],
                c.stroke_width(w + 1),
            )),
            Mark::Dash(c) => {
                area.draw(&PathElement::new(
                    vec![(x0, y), (x0 + 9, y)],
                    c.stroke_width(2),
                ))
                .s()?;
                area.draw(&PathElement::new(
                    vec![(x0 + 15, y), (x1, y)],
                    c.stroke_width(2),
                ))
            }
            Mark::Tick(c) => area.draw(&PathElement::new(
                vec![(18, y - 7), (18, y + 7)],
                c.stroke_width(2),
            )),
            Mark::Box(c) => area.draw(&Rectangle::new(
                [(x0 + 4, y - 6), (x1 - 4, y + 6)],
                c.filled(),
            )),
            Mark::Dot(c) => area.draw(&Circle::new((18, y), 5, c.filled())),
            Mark::Whisker(c) => {
                area.draw(&PathElement::new(vec![(x0, y), (x1, y)], c.stroke_width(2)))
                    .s()?;
                area.draw(&PathElement::new(
                    vec![(x0, y - 5), (x0, y + 5)],
                    c.stroke_width(2),
                ))
                .s()?;
                area.draw(&PathElement::new(
                    vec![(x1, y - 5), (x1, y + 5)],
                    c.stroke_width(2),
                ))
            }
            Mark::None => Ok(()),
        }
        .s()?;
        area.draw(&Text::new(
            truncate(&e.label, max_chars),
            (x1 + 8, y),
            style.clone(),
        ))
        .s()?;
    }
    Ok(())
}

fn draw_time<DB: DrawingBackend>(body: &DrawingArea<DB, Shift>, f: &TimeFig) -> Res {
    let areas = body.split_evenly((f.panes.len().max(1), 1));
    let x_end = f.time.end();
    let unit = f.time.unit_s;
    let mut tick_counts: BTreeMap<TickKind, usize> = BTreeMap::new();
    for (_, k) in &f.ticks {
        *tick_counts.entry(*k).or_default() += 1;
    }
    for (pi, (area, p)) in areas.iter().zip(&f.panes).enumerate() {
        let (w, _) = area.dim_in_pixel();
        let (plot, legend_area) = area.split_horizontally(w - LEGEND_W);
        // y range
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        let mut min_pos = f64::INFINITY;
        let vals = p
            .lines
            .iter()
            .flat_map(|l| {
                let pts = l.data.segs.iter().flatten().map(|&(_, y)| y);
                let band = l.data.bands.iter().flatten().flat_map(|&(_, a, b)| [a, b]);
                pts.chain(band)
            })
            .chain(p.hlines.iter().map(|h| h.y));
        for y in vals {
            lo = lo.min(y);
            hi = hi.max(y);
            if y > 0.0 {
                min_pos = min_pos.min(y);
            }
        }
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        let log = p.log_above > 0.0 && min_pos.is_finite() && hi / min_pos > p.log_above;
        let tr = move |y: f64| if log { y.max(min_pos).log10() } else { y };
        let (ylo, yhi) = if log {
            (
                min_pos.log10().floor(),
                hi.log10().ceil().max(min_pos.log10().floor() + 1.0),
            )
        } else {
            let lo = lo.min(0.0);
            let hi = if hi - lo < 1e-9 { lo + 1.0 } else { hi };
            (lo, hi)
        };
        let span = yhi - ylo;
        let ticks_here = p.ticks && !f.ticks.is_empty();
        let band_lo = yhi + span * 0.05;
        let top = yhi + span * if ticks_here { 0.15 } else { 0.06 };
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(6)
            .margin_right(14)
            .margin_left(6)
            .x_label_area_size(42)
            .y_label_area_size(68)
            .build_cartesian_2d(0f64..x_end, ylo..top)
            .s()?;
        let y_fmt = move |v: &f64| {
            if *v > yhi + span * 0.01 {
                String::new()
            } else if log {
                fmt_tick(10f64.powf(*v))
            } else {
                fmt_tick(*v)
            }
        };
        let x_fmt = |v: &f64| fmt_tick(*v);
        let y_labels = if log { (yhi - ylo) as usize + 1 } else { 7 };
        chart
            .configure_mesh()
            .x_desc(f.time.desc)
            .y_desc(p.y_desc.as_str())
            .x_labels(12)
            .y_labels(y_labels)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style(text_style(14))
            .axis_desc_style(text_style(15))
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(RGBColor(120, 120, 120))
            .draw()
            .s()?;
        let mut shades: Vec<&Shaded> = p.shades.iter().collect();
        let warm: Shaded = (
            "warm-up (excluded)".into(),
            WARM_UP_SHADE,
            vec![(0.0, f.time.warm_up_s)],
        );
        if f.time.warm_up_s > 0.0 {
            shades.insert(0, &warm);
        }
        for (_, (c, a), spans) in &shades {
            chart
                .draw_series(spans.iter().map(|&(t0, t1)| {
                    Rectangle::new([(t0 / unit, ylo), (t1 / unit, yhi)], c.mix(*a).filled())
                }))
                .s()?;
        }
        for h in &p.hlines {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, tr(h.y)), (x_end, tr(h.y))],
                    9,
                    5,
                    h.color.stroke_width(2),
                ))
                .s()?;
        }
        let mut banded = false;
        for l in &p.lines {
            let style = ShapeStyle {
                color: l.color.mix(l.alpha),
                filled: false,
                stroke_width: l.width,
            };
            for band in &l.data.bands {
                // shade only where the bucket has a range: a flat band would rasterise as beads
                for run in band.split(|&(_, lo, hi)| tr(hi) - tr(lo) <= span * 5e-3) {
                    banded = true;
                    let mut poly: Vec<(f64, f64)> =
                        run.iter().map(|&(t, _, hi)| (t / unit, tr(hi))).collect();
                    poly.extend(run.iter().rev().map(|&(t, lo, _)| (t / unit, tr(lo))));
                    if poly.len() >= 2 {
                        chart
                            .draw_series(std::iter::once(Polygon::new(
                                poly,
                                l.color.mix(0.28 * l.alpha).filled(),
                            )))
                            .s()?;
                    }
                }
            }
            for seg in &l.data.segs {
                let pts = seg
                    .iter()
                    .filter(|(_, y)| !log || *y > 0.0)
                    .map(|&(t, y)| (t / unit, tr(y)));
                chart.draw_series(LineSeries::new(pts, style)).s()?;
            }
        }
        if ticks_here {
            chart
                .draw_series(f.ticks.iter().map(|&(t, k)| {
                    PathElement::new(
                        vec![(t / unit, band_lo), (t / unit, top)],
                        k.color().stroke_width(1),
                    )
                }))
                .s()?;
        }
        // legend
        // a label's further lines (after `\n`) go on legend rows of their own
        let mut entries: Vec<Entry> = Vec::new();
        for l in &p.lines {
            let mut parts = l.label.split('\n');
            let mark = Mark::Line(l.color.mix(l.alpha), l.width.min(4));
            entries.push(entry(mark, parts.next().unwrap_or("")));
            entries.extend(parts.map(|t| entry(Mark::None, t)));
        }
        entries.extend(
            p.hlines
                .iter()
                .map(|h| entry(Mark::Dash(h.color), h.label.clone())),
        );
        for (i, (label, shade, _)) in shades.iter().enumerate() {
            // the warm-up once per figure, a pane's own shades in each
            if i > 0 || f.time.warm_up_s <= 0.0 || pi == 0 {
                entries.push(entry(Mark::Box(on_white(*shade)), label.clone()));
            }
        }
        if ticks_here && pi == 0 {
            entries.extend(
                tick_counts
                    .iter()
                    .map(|(k, n)| entry(Mark::Tick(k.color()), format!("{} ({n})", k.label()))),
            );
        }
        if let Some(b) = p.lines.iter().map(|l| l.data.bucket_s).find(|b| *b > 0.0)
            && banded
        {
            entries.push(entry(Mark::None, format!("band: min–max, {}", fmt_dur(b))));
        }
        if log {
            entries.push(entry(Mark::None, "(log scale)"));
        }
        draw_legend(&legend_area, &entries, 6)?;
    }
    Ok(())
}

fn draw_hist<DB: DrawingBackend>(body: &DrawingArea<DB, Shift>, f: &HistFig) -> Res {
    let (w, _) = body.dim_in_pixel();
    let (plot, legend_area) = body.split_horizontally(w - LEGEND_W);
    let bins = f.groups.iter().map(|g| g.2.len()).max().unwrap_or(1).max(1);
    let max = f
        .groups
        .iter()
        .flat_map(|g| g.2.iter().copied())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let x_end = f.bin_w * bins as f64;
    let mut chart = ChartBuilder::on(&plot)
        .margin_top(6)
        .margin_right(14)
        .margin_left(6)
        .x_label_area_size(42)
        .y_label_area_size(68)
        .build_cartesian_2d(0f64..x_end, 0f64..max * 1.08)
        .s()?;
    let x_fmt = |v: &f64| fmt_tick(*v);
    let y_fmt = |v: &f64| {
        if v.fract().abs() > 1e-9 {
            String::new()
        } else {
            fmt_tick(*v)
        }
    };
    chart
        .configure_mesh()
        .x_desc(f.x_desc.as_str())
        .y_desc("tasks")
        .x_labels(14)
        .y_labels(8)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style(text_style(14))
        .axis_desc_style(text_style(15))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(RGBColor(120, 120, 120))
        .draw()
        .s()?;
    let k = f.groups.len().max(1) as f64;
    let sub = f.bin_w * 0.9 / k;
    for (gi, (_, c, counts)) in f.groups.iter().enumerate() {
        chart
            .draw_series(
                counts
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n > 0)
                    .map(|(i, n)| {
                        let x0 = f.bin_w * i as f64 + f.bin_w * 0.05 + sub * gi as f64;
                        Rectangle::new([(x0, 0.0), (x0 + sub, *n as f64)], c.filled())
                    }),
            )
            .s()?;
    }
    let mut entries: Vec<Entry> = Vec::new();
    for (l, c, _) in &f.groups {
        let mut parts = l.split('\n');
        entries.push(entry(Mark::Box(*c), parts.next().unwrap_or("")));
        entries.extend(parts.map(|p| entry(Mark::None, p)));
    }
    draw_legend(&legend_area, &entries, 6)
}

fn draw_timeline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    body: &DrawingArea<DB, Shift>,
    f: &TimelineFig,
) -> Res {
    let (w, _) = body.dim_in_pixel();
    let (plot, legend_area) = body.split_horizontally(w - LEGEND_W);
    let n = f.lanes.len().max(1);
    let label_w = (f.lanes.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32 * 8 + 16)
        .clamp(60, 220);
    let mut chart = ChartBuilder::on(&plot)
        .margin_top(6)
        .margin_right(14)
        .margin_left(6)
        .x_label_area_size(42)
        .y_label_area_size(label_w)
        .build_cartesian_2d(0f64..f.time.end(), 0f64..n as f64)
        .s()?;
    let x_fmt = |v: &f64| fmt_tick(*v);
    let y_fmt = |_: &f64| String::new();
    chart
        .configure_mesh()
        .x_desc(f.time.desc)
        .x_labels(12)
        .y_labels(2)
        .set_tick_mark_size(LabelAreaPosition::Left, 0)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .disable_y_mesh()
        .label_style(text_style(14))
        .axis_desc_style(text_style(15))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(RGBColor(120, 120, 120))
        .draw()
        .s()?;
    let x_end = f.time.end();
    chart
        .draw_series((1..n).map(|i| {
            PathElement::new(
                vec![(0.0, i as f64), (x_end, i as f64)],
                GRID.stroke_width(1),
            )
        }))
        .s()?;
    let unit = f.time.unit_s;
    chart
        .draw_series(f.bars.iter().map(|&(lane, row, rows, t0, t1, c)| {
            let base = (n - 1 - lane) as f64;
            let h = 0.84 / rows as f64;
            let y0 = base + 0.08 + h * (rows - 1 - row) as f64;
            let pad = h * 0.08;
            Rectangle::new(
                [(t0 / unit, y0 + pad), (t1 / unit, y0 + h - pad)],
                color(c).mix(0.85).filled(),
            )
        }))
        .s()?;
    let style = text_style(14).pos(Pos::new(HPos::Right, VPos::Center));
    for (i, l) in f.lanes.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, (n - 1 - i) as f64 + 0.5));
        root.draw(&Text::new(l.clone(), (x - 8, y), style.clone()))
            .s()?;
    }
    let entries: Vec<Entry> = f
        .keys
        .iter()
        .enumerate()
        .map(|(i, k)| entry(Mark::Box(color(i)), k.clone()))
        .collect();
    draw_legend(&legend_area, &entries, 6)
}

fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        let d = if lo.abs() > 1e-12 {
            lo.abs() * 0.1
        } else {
            1.0
        };
        return (lo - d, hi + d);
    }
    let d = (hi - lo) * 0.06;
    (lo - d, hi + d)
}

fn draw_interval<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    body: &DrawingArea<DB, Shift>,
    f: &IntervalFig,
) -> Res {
    let (w, _) = body.dim_in_pixel();
    let (plot, legend_area) = body.split_horizontally(w - LEGEND_W);
    let n = f.rows.len().max(1);
    let labels: Vec<String> = f.rows.iter().map(|r| truncate(&r.label, 54)).collect();
    let label_w = (labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32 * 8 + 16)
        .clamp(60, 420);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for r in &f.rows {
        let mut vals = r.seeds.clone();
        vals.push(r.mean);
        if let Some((a, b)) = r.ci {
            vals.extend([a, b]);
        }
        for v in vals.into_iter().filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    let (lo, hi) = padded(lo, hi);
    let mut chart = ChartBuilder::on(&plot)
        .margin_top(6)
        .margin_right(18)
        .margin_left(6)
        .x_label_area_size(42)
        .y_label_area_size(label_w)
        .build_cartesian_2d(lo..hi, 0f64..n as f64)
        .s()?;
    let x_fmt = |v: &f64| fmt_tick(*v);
    let y_fmt = |_: &f64| String::new();
    chart
        .configure_mesh()
        .x_desc(f.x_desc.as_str())
        .x_labels(10)
        .y_labels(2)
        .set_tick_mark_size(LabelAreaPosition::Left, 0)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .disable_y_mesh()
        .label_style(text_style(14))
        .axis_desc_style(text_style(15))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(RGBColor(120, 120, 120))
        .draw()
        .s()?;
    let seed_c = RGBColor(150, 150, 150);
    let y_of = |i: usize| (n - 1 - i) as f64 + 0.5;
    for (i, r) in f.rows.iter().enumerate() {
        let y = y_of(i);
        let k = r.seeds.len().max(1) as f64;
        chart
            .draw_series(
                r.seeds
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_finite())
                    .map(|(j, v)| {
                        // spread the seeds vertically a little, so equal values stay visible
                        let dy = (j as f64 / k - 0.5) * 0.36;
                        Circle::new((*v, y + dy), 2, seed_c.mix(0.7).filled())
                    }),
            )
            .s()?;
        if let Some((a, b)) = r.ci {
            chart
                .draw_series(std::iter::once(ErrorBar::new_horizontal(
                    y,
                    a,
                    r.mean,
                    b,
                    DARK.stroke_width(2),
                    12,
                )))
                .s()?;
        }
        if r.mean.is_finite() {
            chart
                .draw_series(std::iter::once(Circle::new(
                    (r.mean, y),
                    5,
                    PALETTE[0].filled(),
                )))
                .s()?;
        }
    }
    let style = text_style(14).pos(Pos::new(HPos::Right, VPos::Center));
    for (i, l) in labels.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(lo, y_of(i)));
        root.draw(&Text::new(l.clone(), (x - 8, y), style.clone()))
            .s()?;
    }
    let entries = vec![
        entry(Mark::Dot(PALETTE[0]), "mean"),
        entry(Mark::Whisker(DARK), "95% confidence interval"),
        entry(Mark::Dot(seed_c), "one seed"),
    ];
    draw_legend(&legend_area, &entries, 6)
}

fn draw_scatter<DB: DrawingBackend>(body: &DrawingArea<DB, Shift>, f: &ScatterFig) -> Res {
    let (w, _) = body.dim_in_pixel();
    let (plot, legend_area) = body.split_horizontally(w - LEGEND_W - 60);
    let (mut xlo, mut xhi, mut ylo, mut yhi) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for p in &f.points {
        let (a, b) = p.xci.unwrap_or((p.x, p.x));
        let (c, d) = p.yci.unwrap_or((p.y, p.y));
        xlo = xlo.min(a.min(p.x));
        xhi = xhi.max(b.max(p.x));
        ylo = ylo.min(c.min(p.y));
        yhi = yhi.max(d.max(p.y));
    }
    let (xlo, xhi) = padded(xlo, xhi);
    let (ylo, yhi) = padded(ylo, yhi);
    let mut chart = ChartBuilder::on(&plot)
        .margin_top(6)
        .margin_right(18)
        .margin_left(6)
        .x_label_area_size(42)
        .y_label_area_size(76)
        .build_cartesian_2d(xlo..xhi, ylo..yhi)
        .s()?;
    let fmt = |v: &f64| fmt_tick(*v);
    chart
        .configure_mesh()
        .x_desc(f.x_desc.as_str())
        .y_desc(f.y_desc.as_str())
        .x_labels(10)
        .y_labels(8)
        .x_label_formatter(&fmt)
        .y_label_formatter(&fmt)
        .label_style(text_style(14))
        .axis_desc_style(text_style(15))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(RGBColor(120, 120, 120))
        .draw()
        .s()?;
    let front_c = PALETTE[3];
    let other_c = RGBColor(110, 110, 110);
    let mut front: Vec<(f64, f64)> = f
        .points
        .iter()
        .filter(|p| p.front)
        .map(|p| (p.x, p.y))
        .collect();
    front.sort_by(|a, b| a.0.total_cmp(&b.0));
    chart
        .draw_series(LineSeries::new(front, front_c.mix(0.6).stroke_width(2)))
        .s()?;
    for p in &f.points {
        let c = if p.front { front_c } else { other_c };
        if let Some((a, b)) = p.xci {
            chart
                .draw_series(std::iter::once(ErrorBar::new_horizontal(
                    p.y,
                    a,
                    p.x,
                    b,
                    c.mix(0.6).stroke_width(1),
                    8,
                )))
                .s()?;
        }
        if let Some((a, b)) = p.yci {
            chart
                .draw_series(std::iter::once(ErrorBar::new_vertical(
                    p.x,
                    a,
                    p.y,
                    b,
                    c.mix(0.6).stroke_width(1),
                    8,
                )))
                .s()?;
        }
        chart
            .draw_series(std::iter::once(Circle::new((p.x, p.y), 5, c.filled())))
            .s()?;
        let pos = chart.backend_coord(&(p.x, p.y));
        plot.draw(&Text::new(
            p.num.to_string(),
            (
                pos.0 + 7 - plot.get_base_pixel().0,
                pos.1 - 9 - plot.get_base_pixel().1,
            ),
            text_style(14),
        ))
        .s()?;
    }
    let mut entries = vec![
        entry(Mark::Dot(front_c), "Pareto front (no variant is"),
        entry(Mark::None, "cheaper and faster)"),
        entry(Mark::Dot(other_c), "dominated variant"),
        entry(Mark::Whisker(other_c), "95% confidence intervals"),
    ];
    let (lw, _) = legend_area.dim_in_pixel();
    let width = ((lw as i32 - 46) / 8).max(10) as usize;
    for p in &f.points {
        for (i, l) in wrap_at_commas(&format!("{} {}", p.num, p.name), width)
            .into_iter()
            .enumerate()
        {
            // no-break spaces: SVG collapses ordinary leading spaces
            let l = if i == 0 {
                l
            } else {
                format!("\u{a0}\u{a0}\u{a0}{l}")
            };
            entries.push(entry(Mark::None, l));
        }
    }
    draw_legend(&legend_area, &entries, 6)
}

// ---------------------------------------------------------------------------------------------------------
// PNG backend
// ---------------------------------------------------------------------------------------------------------

mod png {
    use std::io;
    use std::path::Path;

    use plotters::prelude::{BitMapBackend, DrawingBackend};
    use plotters_backend::{
        BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
    };

    use super::other;

    /// The bitmap backend with two fixes for clean PNGs: text is rasterised here with ab_glyph, placing each
    /// glyph at its own bearing (plotters 0.3.7 drops the left side bearing, which spaces letters unevenly);
    /// and wide polylines are drawn segment by segment, because plotters' mitred joins shoot spikes far
    /// outside the plot where a line turns back sharply.
    pub(super) struct Png<'a> {
        inner: BitMapBackend<'a>,
        font: ab_glyph::FontRef<'static>,
    }

    impl<'a> Png<'a> {
        pub(super) fn new(path: &'a Path, size: (u32, u32)) -> io::Result<Png<'a>> {
            let font = ab_glyph::FontRef::try_from_slice(dejavu::sans::regular()).map_err(other)?;
            Ok(Png {
                inner: BitMapBackend::new(path, size),
                font,
            })
        }
    }

    impl DrawingBackend for Png<'_> {
        type ErrorType = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

        fn get_size(&self) -> (u32, u32) {
            self.inner.get_size()
        }
        fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.inner.ensure_prepared()
        }
        fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.inner.present()
        }
        fn draw_pixel(
            &mut self,
            p: BackendCoord,
            c: BackendColor,
        ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.inner.draw_pixel(p, c)
        }
        fn draw_line<S: BackendStyle>(
            &mut self,
            from: BackendCoord,
            to: BackendCoord,
            style: &S,
        ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.inner.draw_line(from, to, style)
        }
        fn draw_rect<S: BackendStyle>(
            &mut self,
            a: BackendCoord,
            b: BackendCoord,
            style: &S,
            fill: bool,
        ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.inner.draw_rect(a, b, style, fill)
        }
        fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
            &mut self,
            path: I,
            style: &S,
        ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            if style.stroke_width() <= 1 {
                return self.inner.draw_path(path, style);
            }
            // A wide line as parallel one-pixel lines, offset across its main direction: no joins,
            // so no mitre spikes and no beads where segments overlap.
            let w = style.stroke_width() as i32;
            let color = style.color();
            // Drop points inside straight runs, so translucent lines get no darker dots where two
            // segments would both draw their shared end.
            let mut pts: Vec<BackendCoord> = Vec::new();
            for p in path {
                let n = pts.len();
                if n > 0 && pts[n - 1] == p {
                    continue;
                }
                if n >= 2 {
                    let (a, b) = (pts[n - 2], pts[n - 1]);
                    let cross = (b.0 - a.0) * (p.1 - b.1) - (b.1 - a.1) * (p.0 - b.0);
                    let dot = (b.0 - a.0) * (p.0 - b.0) + (b.1 - a.1) * (p.1 - b.1);
                    if cross == 0 && dot > 0 {
                        pts[n - 1] = p;
                        continue;
                    }
                }
                pts.push(p);
            }
            for seg in pts.windows(2) {
                let (a, b) = (seg[0], seg[1]);
                let across_y = (b.0 - a.0).abs() >= (b.1 - a.1).abs();
                for k in 0..w {
                    let o = k - (w - 1) / 2;
                    let (oa, ob) = if across_y {
                        ((a.0, a.1 + o), (b.0, b.1 + o))
                    } else {
                        ((a.0 + o, a.1), (b.0 + o, b.1))
                    };
                    self.inner.draw_line(oa, ob, &color)?;
                }
            }
            Ok(())
        }
        fn draw_circle<S: BackendStyle>(
            &mut self,
            center: BackendCoord,
            radius: u32,
            style: &S,
            fill: bool,
        ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.inner.draw_circle(center, radius, style, fill)
        }
        fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
            &mut self,
            vert: I,
            style: &S,
        ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.inner.fill_polygon(vert, style)
        }
        fn blit_bitmap(
            &mut self,
            pos: BackendCoord,
            size: (u32, u32),
            src: &[u8],
        ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.inner.blit_bitmap(pos, size, src)
        }
        fn draw_text<T: BackendTextStyle>(
            &mut self,
            text: &str,
            style: &T,
            pos: BackendCoord,
        ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            use ab_glyph::{Font, ScaleFont};
            let color = style.color();
            if color.alpha == 0.0 {
                return Ok(());
            }
            let font = self.font.clone();
            let scale = ab_glyph::PxScale::from(style.size() as f32);
            let scaled = font.as_scaled(scale);
            let mut glyphs = Vec::new();
            let mut x = 0f32;
            let mut prev = None;
            for c in text.chars() {
                let id = scaled.glyph_id(c);
                if let Some(p) = prev {
                    x += scaled.kern(p, id);
                }
                glyphs.push(id.with_scale_and_position(scale, ab_glyph::point(x, scaled.ascent())));
                x += scaled.h_advance(id);
                prev = Some(id);
            }
            let (width, height) = (x, scaled.ascent() - scaled.descent());
            let dx = match style.anchor().h_pos {
                plotters_backend::text_anchor::HPos::Left => 0.0,
                plotters_backend::text_anchor::HPos::Center => -width / 2.0,
                plotters_backend::text_anchor::HPos::Right => -width,
            };
            let dy = match style.anchor().v_pos {
                plotters_backend::text_anchor::VPos::Top => 0.0,
                plotters_backend::text_anchor::VPos::Center => -height / 2.0,
                plotters_backend::text_anchor::VPos::Bottom => -height,
            };
            let trans = style.transform();
            let mut result = Ok(());
            for g in glyphs {
                let Some(outline) = font.outline_glyph(g) else {
                    continue;
                };
                let b = outline.px_bounds();
                // whole-pixel offsets per glyph, so no row or column of the glyph is lost to rounding
                let ox = (b.min.x + dx).round() as i32;
                let oy = (b.min.y + dy).round() as i32;
                outline.draw(|gx, gy, cov| {
                    if cov <= 0.0 || result.is_err() {
                        return;
                    }
                    let (px, py) = (ox + gx as i32, oy + gy as i32);
                    let (tx, ty) = trans.transform(px, py);
                    let c = BackendColor {
                        alpha: color.alpha * f64::from(cov.min(1.0)),
                        rgb: color.rgb,
                    };
                    result = self.inner.draw_pixel((pos.0 + tx, pos.1 + ty), c);
                });
            }
            result
        }
    }
}

use png::Png;

// ---------------------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------------------

/// One chart of `index.json`.
pub(crate) struct IndexEntry {
    /// File name without extension.
    pub stem: String,
    /// Report section ("Service web", "Cluster", …).
    pub section: String,
    /// The chart's title.
    pub title: String,
}

struct Writer {
    dir: PathBuf,
    written: Vec<PathBuf>,
    index: Vec<IndexEntry>,
    used: BTreeSet<String>,
}

/// plotters keeps the registered font in a global table; bitmap drawing is serialised so that concurrent
/// callers (tests in one process) cannot interleave in it.
static DRAW_LOCK: Mutex<()> = Mutex::new(());

impl Writer {
    fn new(dir: &Path) -> io::Result<Writer> {
        init_font();
        let dir = dir.join("charts");
        fs::create_dir_all(&dir)?;
        Ok(Writer {
            dir,
            written: Vec::new(),
            index: Vec::new(),
            used: BTreeSet::new(),
        })
    }

    fn emit(&mut self, stem: &str, section: &str, fig: &Figure) -> io::Result<()> {
        let mut stem = file_safe(stem);
        if self.used.contains(&stem) {
            let mut i = 2;
            while self.used.contains(&format!("{stem}-{i}")) {
                i += 1;
            }
            stem = format!("{stem}-{i}");
        }
        self.used.insert(stem.clone());
        let size = fig.size();
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
            fig.draw(&root).map_err(other)?;
        }
        let svg_path = self.dir.join(format!("{stem}.svg"));
        write_atomic(&svg_path, svg.as_bytes())?;
        self.written.push(svg_path);

        let png_path = self.dir.join(format!("{stem}.png"));
        let tmp = self
            .dir
            .join(format!(".{stem}.tmp-{}.png", std::process::id()));
        let drawn = {
            let _guard = DRAW_LOCK.lock().unwrap_or_else(|e| e.into_inner());
            Png::new(&tmp, size).and_then(|png| fig.draw(&png.into_drawing_area()).map_err(other))
        };
        if let Err(e) = drawn
            .map_err(other)
            .and_then(|()| fs::rename(&tmp, &png_path))
        {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        self.written.push(png_path);
        self.index.push(IndexEntry {
            stem,
            section: section.into(),
            title: fig.title().into(),
        });
        Ok(())
    }

    /// Write `index.json`, remove the charts of an earlier rendering that this one did not write, and
    /// return the paths written.
    fn finish(self) -> io::Result<Vec<PathBuf>> {
        let list: Vec<serde_json::Value> = self
            .index
            .iter()
            .map(|e| serde_json::json!({"file": format!("{}.svg", e.stem), "png": format!("{}.png", e.stem), "section": e.section, "title": e.title}))
            .collect();
        let mut json =
            serde_json::to_string_pretty(&serde_json::json!({ "charts": list })).map_err(other)?;
        json.push('\n');
        write_atomic(&self.dir.join(INDEX), json.as_bytes())?;
        let keep: BTreeSet<&Path> = self.written.iter().map(PathBuf::as_path).collect();
        for e in fs::read_dir(&self.dir)?.flatten() {
            let p = e.path();
            let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("");
            let hidden = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if (ext == "svg" || ext == "png") && !hidden && !keep.contains(p.as_path()) {
                let _ = fs::remove_file(&p);
            }
        }
        Ok(self.written)
    }
}

/// Read `DIR/charts/index.json`: the charts in reading order, or `None` when there is none.
pub(crate) fn read_index(dir: &Path) -> Option<Vec<IndexEntry>> {
    let text = fs::read_to_string(dir.join("charts").join(INDEX)).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let list = v.get("charts")?.as_array()?;
    Some(
        list.iter()
            .filter_map(|e| {
                let file = e.get("file")?.as_str()?;
                Some(IndexEntry {
                    stem: file.strip_suffix(".svg").unwrap_or(file).to_string(),
                    section: e.get("section")?.as_str()?.to_string(),
                    title: e.get("title")?.as_str()?.to_string(),
                })
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------------------
// Run charts
// ---------------------------------------------------------------------------------------------------------

/// Services that get their own charts in one run (the first ones, in scenario order).
pub const MAX_SERVICE_CHARTS: usize = 20;

/// Render the charts of a run folder into DIR/charts/. Returns the paths written.
///
/// Reads `summary.json`, `timeseries.csv`, `tasks.csv` and `events.csv` (any may be missing; a folder with
/// neither `summary.json` nor `timeseries.csv` is an error) and writes, each as `.svg` and `.png`, the
/// charts that have data: per service `service-NAME-tasks` (desired/running/pending with scaling,
/// deployment, fault and scenario events marked), `-cpu` (utilisation with the target-tracking target),
/// `-requests` (request rate against the healthy targets' capacity), `-latency` (p50/p90/p99, log scale
/// when wide, the p99 SLO when the service has one) and `-errors`; for the cluster `cluster-instances`
/// (instances per capacity provider and CapacityProviderReservation), `cluster-cpu-memory` (registered
/// vs reserved) and `cluster-cost` (cumulative: total and by kind — EC2, Fargate, Fargate Spot — in one
/// pane, total and per service in another);
/// `tasks-start-latency` (histogram by launch type) and, for clusters of at most 50 instances,
/// `placement-timeline`. Per-service charts are drawn for the first [`MAX_SERVICE_CHARTS`] services only.
/// Also writes `charts/index.json` (the charts in reading order, which the report uses) and removes
/// charts of an earlier rendering that this one did not draw.
pub fn render_run_charts(dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let data = read_run(dir)?;
    let mut w = Writer::new(dir)?;
    let time = TimeAxis {
        warm_up_s: data.warm_up_s,
        ..TimeAxis::of(data.end_s)
    };
    let period = if (data.period_s - 60.0).abs() < 1e-6 {
        "minute".to_string()
    } else {
        format!("{} s period", fmt_value(data.period_s))
    };

    // A fleet of hundreds of services would make thousands of charts and a report of tens of MB: the
    // first MAX_SERVICE_CHARTS services (scenario order) get theirs; timeseries.csv keeps every service.
    for s in data
        .series
        .iter()
        .filter(|s| s.scope == "service")
        .take(MAX_SERVICE_CHARTS)
    {
        let name = &s.name;
        let section = format!("Service {name}");
        let ticks: Vec<(f64, TickKind)> = data
            .ticks
            .iter()
            .filter(|t| t.service == *name || t.service.is_empty())
            .map(|t| (t.t, t.kind))
            .collect();
        let fig = |title: String, panes: Vec<Pane>| {
            Figure::Time(TimeFig {
                title,
                time,
                panes,
                ticks: ticks.clone(),
            })
        };
        // The periods the SLO counts bad (latency, errors, or nothing served): on the latency and
        // the errors charts.
        let slo_shade = s.has(SLO_BAD).then(|| {
            // counted as the summary counts them: after the warm-up
            let n = (s.t.iter().zip(&s.cols[SLO_BAD]))
                .filter(|(t, v)| **v == 1.0 && **t >= data.warm_up_s + data.period_s - 1e-9)
                .count();
            let label = format!("SLO bad {period}s ({n})");
            (label, SLO_BAD_SHADE, spans_where(s, SLO_BAD, data.period_s))
        });
        if s.has(DESIRED) || s.has(RUNNING) {
            let mut desired = line("desired", RGBColor(60, 60, 60), s, DESIRED);
            desired.width = 4;
            desired.alpha = 0.35;
            let lines = vec![
                desired,
                line("running", PALETTE[0], s, RUNNING),
                line("pending", PALETTE[1], s, PENDING),
            ];
            w.emit(
                &format!("service-{name}-tasks"),
                &section,
                &fig(
                    format!("Service {name}: desired, running and pending tasks"),
                    vec![pane("tasks", lines)],
                ),
            )?;
        }
        if s.has(CPU_UTIL) || s.has(MEM_UTIL) {
            let mut lines = Vec::new();
            if s.has(CPU_UTIL) {
                lines.push(line("CPU utilisation", PALETTE[0], s, CPU_UTIL));
            }
            if s.has(MEM_UTIL) && s.max(MEM_UTIL) > 0.0 {
                lines.push(line("memory utilisation", PALETTE[2], s, MEM_UTIL));
            }
            let mut p = pane("utilisation (%)", lines);
            for (metric, label, c) in [
                ("ECSServiceAverageCPUUtilization", "CPU", PALETTE[3]),
                ("ECSServiceAverageMemoryUtilization", "memory", PALETTE[4]),
            ] {
                if let Some(v) = data.targets.get(&(name.clone(), metric.to_string())) {
                    p.hlines.push(HLine {
                        label: format!("{label} target {} %", fmt_value(*v)),
                        y: *v,
                        color: c,
                    });
                }
            }
            w.emit(
                &format!("service-{name}-cpu"),
                &section,
                &fig(
                    format!("Service {name}: CPU and memory utilisation (of reserved)"),
                    vec![p],
                ),
            )?;
        }
        if s.has(REQ_RATE) {
            let mut lines = vec![line("request rate", PALETTE[0], s, REQ_RATE)];
            let title = if s.has(CAPACITY_RPS) {
                lines.push(line(
                    "capacity\n(healthy targets)",
                    RGBColor(60, 60, 60),
                    s,
                    CAPACITY_RPS,
                ));
                format!("Service {name}: request rate against capacity")
            } else {
                format!("Service {name}: request rate")
            };
            let p = pane("requests per second", lines);
            w.emit(
                &format!("service-{name}-requests"),
                &section,
                &fig(title, vec![p]),
            )?;
        }
        if s.has(P50) || s.has(P99) {
            let mut lines = Vec::new();
            for (c, l, col) in [
                (P50, "p50", PALETTE[0]),
                (P90, "p90", PALETTE[2]),
                (P99, "p99", PALETTE[3]),
            ] {
                if s.has(c) {
                    lines.push(line(l, col, s, c));
                }
            }
            let mut p = pane("latency (ms)", lines);
            p.log_above = 300.0;
            // the SLO from its column; from the event messages for folders written before it
            let mut slos: Vec<f64> = Vec::new();
            for v in s.cols[SLO_P99].iter().copied().filter(|v| v.is_finite()) {
                if !slos.contains(&v) {
                    slos.push(v);
                }
            }
            if slos.is_empty()
                && let Some(v) = data.slos.get(name)
            {
                slos.push(*v);
            }
            for (i, v) in slos.into_iter().take(3).enumerate() {
                p.hlines.push(HLine {
                    label: format!("SLO p99 {} ms", fmt_value(v)),
                    y: v,
                    color: color(4 + i),
                });
            }
            p.shades.extend(slo_shade.clone());
            w.emit(
                &format!("service-{name}-latency"),
                &section,
                &fig(
                    format!("Service {name}: request latency per {period}"),
                    vec![p],
                ),
            )?;
        }
        if s.has(MSG_VISIBLE) {
            w.emit(
                &format!("service-{name}-queue"),
                &section,
                &fig(
                    format!("Service {name}: its queue (SQS metrics at the end of each {period})"),
                    queue_panes(
                        s,
                        data.targets.get(&(name.clone(), "BacklogPerTask".into())),
                    ),
                ),
            )?;
        }
        if s.has(ERRORS) || s.has(QUEUED) {
            let mut lines = Vec::new();
            if s.has(ERRORS) {
                lines.push(line(format!("errors per {period}"), PALETTE[3], s, ERRORS));
            }
            if s.has(QUEUED) {
                lines.push(line("queued (backlog)", PALETTE[1], s, QUEUED));
            }
            let mut p = pane("requests", lines);
            p.shades.extend(slo_shade.clone());
            w.emit(
                &format!("service-{name}-errors"),
                &section,
                &fig(
                    format!("Service {name}: failed requests and backlog"),
                    vec![p],
                ),
            )?;
        }
    }

    // Cluster
    let cluster_ticks: Vec<(f64, TickKind)> = data
        .ticks
        .iter()
        .filter(|t| {
            matches!(t.kind, TickKind::ClusterScaling | TickKind::Fault)
                || (t.service.is_empty() && t.kind != TickKind::Scaling)
        })
        .map(|t| (t.t, t.kind))
        .collect();
    let cluster = data.series.iter().find(|s| s.scope == "cluster");
    let providers: Vec<&Series> = data
        .series
        .iter()
        .filter(|s| s.scope == "capacity_provider")
        .collect();
    {
        let mut lines: Vec<Line> = providers
            .iter()
            .enumerate()
            .filter(|(_, p)| p.has(INSTANCES))
            .map(|(i, p)| line(format!("instances: {}", p.name), color(i), p, INSTANCES))
            .collect();
        if let Some(c) = cluster
            && c.has(INSTANCES)
            && (lines.len() != 1)
            && c.max(INSTANCES) > 0.0
        {
            let mut l = line(
                "instances: cluster total",
                RGBColor(60, 60, 60),
                c,
                INSTANCES,
            );
            if !lines.is_empty() {
                l.width = 4;
                l.alpha = 0.35;
            }
            lines.insert(0, l);
        }
        if !lines.is_empty() {
            let mut panes = vec![pane("container instances", lines)];
            let cpr: Vec<Line> = providers
                .iter()
                .enumerate()
                .filter(|(_, p)| p.has(CPR))
                .map(|(i, p)| line(format!("CPR: {}", p.name), color(i), p, CPR))
                .collect();
            if !cpr.is_empty() {
                let mut p = pane("CapacityProviderReservation (%)", cpr);
                let targets: BTreeSet<u64> =
                    data.cpr_targets.values().map(|v| v.to_bits()).collect();
                for (i, bits) in targets.iter().enumerate() {
                    let v = f64::from_bits(*bits);
                    p.hlines.push(HLine {
                        label: format!("target capacity {} %", fmt_value(v)),
                        y: v,
                        color: color(i + 3),
                    });
                }
                p.ticks = false;
                panes.push(p);
            }
            let title = if panes.len() > 1 {
                "Cluster: instances per capacity provider and CapacityProviderReservation"
            } else {
                "Cluster: container instances"
            };
            w.emit(
                "cluster-instances",
                "Cluster",
                &Figure::Time(TimeFig {
                    title: title.into(),
                    time,
                    panes,
                    ticks: cluster_ticks.clone(),
                }),
            )?;
        }
    }
    if let Some(c) = cluster
        && c.has(CPU_REG)
        && c.max(CPU_REG) > 0.0
    {
        let scaled =
            |col: usize, k: f64| -> Vec<f64> { c.cols[col].iter().map(|v| v / k).collect() };
        let mk = |label: &str, col: usize, k: f64, colr: RGBColor| {
            line_of(label.to_string(), colr, segments(&c.t, &scaled(col, k)))
        };
        let cpu = pane(
            "CPU (vCPU)",
            vec![
                mk("CPU registered", CPU_REG, 1024.0, RGBColor(60, 60, 60)),
                mk("CPU reserved", CPU_RES, 1024.0, PALETTE[0]),
            ],
        );
        let mem = pane(
            "memory (GiB)",
            vec![
                mk("memory registered", MEM_REG, 1024.0, RGBColor(60, 60, 60)),
                mk("memory reserved", MEM_RES, 1024.0, PALETTE[2]),
            ],
        );
        w.emit(
            "cluster-cpu-memory",
            "Cluster",
            &Figure::Time(TimeFig {
                title: "Cluster: registered vs reserved CPU and memory (EC2 container instances)"
                    .into(),
                time,
                panes: vec![cpu, mem],
                ticks: cluster_ticks.clone(),
            }),
        )?;
    }
    {
        let total = |label: &str| {
            cluster
                .filter(|c| c.has(COST))
                .map(|c| line(label, RGBColor(40, 40, 40), c, COST))
        };
        // by kind (EC2, Fargate, Fargate Spot), skipping kinds that stay 0 or are not in the file
        let mut kinds: Vec<Line> = cluster
            .map(|c| {
                [
                    // colours the per-service pane does not use first
                    (COST_EC2, "EC2 instances", PALETTE[5]),
                    (COST_FARGATE, "Fargate", PALETTE[4]),
                    (COST_FARGATE_SPOT, "Fargate Spot", PALETTE[9]),
                ]
                .into_iter()
                .filter(|(col, _, _)| c.has(*col) && c.max(*col) > 0.0)
                .map(|(col, label, colr)| line(label, colr, c, col))
                .collect()
            })
            .unwrap_or_default();
        let services: Vec<Line> = data
            .series
            .iter()
            .filter(|s| s.scope == "service" && s.has(COST))
            .enumerate()
            .map(|(i, s)| line(format!("service {}", s.name), color(i), s, COST))
            .collect();
        // a single kind is the total: name it on the total's line rather than draw it twice
        let mut total_label = "cluster total".to_string();
        if kinds.len() == 1 {
            total_label = format!("cluster total\n(all {})", kinds[0].label);
            kinds.clear();
        }
        let mut panes = Vec::new();
        let by_kind = !kinds.is_empty();
        if by_kind {
            panes.push(pane(
                "cost so far (USD)",
                total("cluster total").into_iter().chain(kinds).collect(),
            ));
        }
        if !services.is_empty() || !by_kind {
            let lines: Vec<Line> = total(&total_label).into_iter().chain(services).collect();
            if !lines.is_empty() {
                panes.push(pane("cost so far (USD)", lines));
            }
        }
        for p in &mut panes {
            p.ticks = false;
        }
        if !panes.is_empty() {
            let title = match (by_kind, panes.len()) {
                (true, 2) => "Cumulative cost: by kind (top) and per service (bottom)",
                (true, _) => "Cumulative cost by kind",
                _ => "Cumulative cost",
            };
            w.emit(
                "cluster-cost",
                "Cluster",
                &Figure::Time(TimeFig {
                    title: title.into(),
                    time,
                    panes,
                    ticks: Vec::new(),
                }),
            )?;
        }
    }

    // Tasks
    let mut by_type: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for t in &data.tasks {
        let l = t.started - t.created;
        if l.is_finite() && l >= 0.0 {
            by_type.entry(t.launch_type.as_str()).or_default().push(l);
        }
    }
    if !by_type.is_empty() {
        let max = by_type.values().flatten().copied().fold(0.0, f64::max);
        let bin_w = nice_bin(max, 40);
        let bins = ((max / bin_w).floor() as usize + 1).max(1);
        let groups = by_type
            .iter()
            .enumerate()
            .map(|(i, (lt, v))| {
                let mut counts = vec![0u64; bins];
                for x in v {
                    counts[((x / bin_w) as usize).min(bins - 1)] += 1;
                }
                let mut sorted = v.clone();
                sorted.sort_by(f64::total_cmp);
                let p50 = sorted[(sorted.len() - 1) / 2];
                let lt = if lt.is_empty() { "(none)" } else { lt };
                (
                    format!("{lt}: {} tasks\nmedian {} s", v.len(), fmt_value(p50)),
                    color(i),
                    counts,
                )
            })
            .collect();
        w.emit(
            "tasks-start-latency",
            "Tasks",
            &Figure::Hist(HistFig {
                title: "Task start latency by launch type (created → RUNNING)".into(),
                x_desc: format!("start latency (s), bins of {} s", fmt_value(bin_w)),
                bin_w,
                groups,
            }),
        )?;
    }
    if let Some(fig) = timeline(&data, time) {
        w.emit("placement-timeline", "Tasks", &fig)?;
    }
    w.finish()
}

/// A bin width from 1-2-5 × 10^k giving at most `max_bins` bins up to `max`.
fn nice_bin(max: f64, max_bins: usize) -> f64 {
    let raw = (max / max_bins as f64).max(1e-3);
    let e = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * e >= raw {
            return m * e;
        }
    }
    10.0 * e
}

fn timeline(data: &RunData, time: TimeAxis) -> Option<Figure> {
    let mut lanes: BTreeMap<&str, Vec<&TaskRow>> = BTreeMap::new();
    for t in data
        .tasks
        .iter()
        .filter(|t| !t.instance.is_empty() && t.created.is_finite())
    {
        lanes.entry(t.instance.as_str()).or_default().push(t);
    }
    if lanes.is_empty() || lanes.len() > TIMELINE_MAX_INSTANCES {
        return None;
    }
    let keys: Vec<String> = data
        .tasks
        .iter()
        .filter(|t| !t.instance.is_empty())
        .map(|t| t.key.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let key_ix: HashMap<&str, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let merge_gap = data.end_s / 2000.0;
    let mut bars = Vec::new();
    let names: Vec<String> = lanes.keys().map(|s| s.to_string()).collect();
    for (li, (_, mut tasks)) in lanes.into_iter().enumerate() {
        tasks.sort_by(|a, b| a.created.total_cmp(&b.created));
        // greedy interval packing into sub-rows
        let mut row_end: Vec<f64> = Vec::new();
        let mut placed: Vec<(usize, f64, f64, usize)> = Vec::new();
        for t in tasks {
            let end = if t.stopped.is_finite() {
                t.stopped
            } else {
                data.end_s
            };
            let row = match row_end.iter().position(|e| *e <= t.created) {
                Some(r) => r,
                None if row_end.len() < 12 => {
                    row_end.push(f64::NEG_INFINITY);
                    row_end.len() - 1
                }
                None => (0..row_end.len())
                    .min_by(|a, b| row_end[*a].total_cmp(&row_end[*b]))
                    .unwrap_or(0),
            };
            row_end[row] = row_end[row].max(end);
            let c = key_ix.get(t.key.as_str()).copied().unwrap_or(0);
            // merge with the row's previous bar when it is the same colour and the gap is invisible
            if let Some(last) = placed.iter_mut().rev().find(|p| p.0 == row)
                && last.3 == c
                && t.created - last.2 <= merge_gap
                && t.created >= last.1
            {
                last.2 = last.2.max(end);
                continue;
            }
            placed.push((row, t.created, end.max(t.created), c));
        }
        let rows = row_end.len().max(1);
        bars.extend(
            placed
                .into_iter()
                .map(|(r, a, b, c)| (li, r, rows, a, b, c)),
        );
        if bars.len() > TIMELINE_MAX_BARS {
            return None;
        }
    }
    Some(Figure::Timeline(TimelineFig {
        title: format!(
            "Placement timeline: tasks on container instances ({} instances)",
            names.len()
        ),
        time,
        lanes: names,
        bars,
        keys,
    }))
}

// ---------------------------------------------------------------------------------------------------------
// Sweep charts
// ---------------------------------------------------------------------------------------------------------

/// One row of `aggregate.csv`.
#[derive(Clone, Copy)]
pub(crate) struct Agg {
    pub n: f64,
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

impl Agg {
    pub(crate) fn ci(&self) -> Option<(f64, f64)> {
        (self.lo.is_finite() && self.hi.is_finite()).then_some((self.lo, self.hi))
    }
}

/// A sweep folder's figures.
pub(crate) struct SweepData {
    pub name: String,
    pub variants: Vec<String>,
    pub baselines: BTreeMap<String, String>,
    /// Metrics in `aggregate.csv` order.
    pub metrics: Vec<String>,
    pub agg: HashMap<(String, String), Agg>,
    /// `runs.csv`: header and rows.
    pub runs_header: Vec<String>,
    pub runs: Vec<Vec<String>>,
}

impl SweepData {
    /// Whether `v` is the baseline of some variant.
    pub(crate) fn is_baseline(&self, v: &str) -> bool {
        self.baselines.values().any(|b| b == v)
    }
    pub(crate) fn agg(&self, variant: &str, metric: &str) -> Option<Agg> {
        self.agg
            .get(&(variant.to_string(), metric.to_string()))
            .copied()
            .filter(|a| a.mean.is_finite())
    }
    /// Whether any variant has a value of `metric`.
    pub(crate) fn has(&self, metric: &str) -> bool {
        self.variants.iter().any(|v| self.agg(v, metric).is_some())
    }
    fn seeds(&self, variant: &str, metric: &str) -> Vec<f64> {
        let Some(m) = self.runs_header.iter().position(|h| h == metric) else {
            return Vec::new();
        };
        self.runs
            .iter()
            .filter(|r| r.first().map(String::as_str) == Some(variant))
            .filter_map(|r| r.get(m).and_then(|s| s.parse::<f64>().ok()))
            .collect()
    }
}

/// The summary figures charted for a sweep, in order, when present.
pub(crate) const SWEEP_METRICS: [&str; 18] = [
    "cost_usd.total",
    "latency_ms.p99",
    "latency_ms.p50",
    "slo_violation_minutes",
    "cost_usd.per_million_requests",
    "requests.dropped",
    "tasks.start_latency_s_p50",
    "tasks.start_latency_s_p99",
    "unplaced_task_seconds",
    "placement_failures",
    "tasks.failed_to_start",
    "cluster.cpu_reservation_mean",
    "cluster.memory_reservation_mean",
    "instances.peak",
    "scaling_actions",
    "cost_usd.ec2_idle",
    "batch.wait_s_p99",
    "batch.makespan_s",
];

pub(crate) fn read_sweep(dir: &Path) -> io::Result<SweepData> {
    let manifest: Option<serde_json::Value> = fs::read_to_string(dir.join("sweep.json"))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok());
    let name = manifest
        .as_ref()
        .and_then(|m| m.get("name"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .or_else(|| dir.file_name().and_then(|n| n.to_str()).map(str::to_string))
        .unwrap_or_else(|| "sweep".into());
    let mut variants: Vec<String> = Vec::new();
    let mut baselines = BTreeMap::new();
    if let Some(list) = manifest
        .as_ref()
        .and_then(|m| m.get("variants"))
        .and_then(|v| v.as_array())
    {
        for v in list {
            if let Some(n) = v.get("name").and_then(|n| n.as_str()) {
                variants.push(n.to_string());
                if let Some(b) = v.get("baseline").and_then(|b| b.as_str()) {
                    baselines.insert(n.to_string(), b.to_string());
                }
            }
        }
    }
    let Some(agg_csv) = Csv::open(&dir.join("aggregate.csv"))? else {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{} has no aggregate.csv: not a sweep folder", dir.display()),
        ));
    };
    let (iv, im, in_, imean, ilo, ihi) = (
        agg_csv.col("variant"),
        agg_csv.col("metric"),
        agg_csv.col("n"),
        agg_csv.col("mean"),
        agg_csv.col("ci95_low"),
        agg_csv.col("ci95_high"),
    );
    let mut agg = HashMap::new();
    let mut metrics = Vec::new();
    let mut seen_metrics = BTreeSet::new();
    let mut seen_variants: BTreeSet<String> = variants.iter().cloned().collect();
    agg_csv.each(|rec| {
        let v = cell(rec, iv).to_string();
        let m = cell(rec, im).to_string();
        if seen_variants.insert(v.clone()) {
            variants.push(v.clone());
        }
        if seen_metrics.insert(m.clone()) {
            metrics.push(m.clone());
        }
        agg.insert(
            (v, m),
            Agg {
                n: num(rec, in_),
                mean: num(rec, imean),
                lo: num(rec, ilo),
                hi: num(rec, ihi),
            },
        );
        true
    })?;
    let mut runs_header = Vec::new();
    let mut runs = Vec::new();
    if let Some(rc) = Csv::open(&dir.join("runs.csv"))? {
        runs_header = rc.header().to_vec();
        rc.each(|rec| {
            runs.push(rec.iter().map(str::to_string).collect());
            true
        })?;
    }
    Ok(SweepData {
        name,
        variants,
        baselines,
        metrics,
        agg,
        runs_header,
        runs,
    })
}

/// Indexes (into `points`) of the Pareto front when minimising both x and y.
fn pareto(points: &[(f64, f64)]) -> Vec<usize> {
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
        w.emit("sweep-cost-vs-p99", "Trade-off", &Figure::Scatter(fig))?;
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
            &Figure::Interval(IntervalFig {
                title: format!("{metric}: mean and 95% CI per variant"),
                x_desc,
                rows,
            }),
        )?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsampling_keeps_extremes_and_bounds_points() {
        let t: Vec<f64> = (0..43_200).map(|i| i as f64 * 60.0).collect();
        let mut y: Vec<f64> = t.iter().map(|x| (x / 3600.0).sin()).collect();
        y[20_000] = 50.0;
        y[30_000] = f64::NAN;
        let d = segments(&t, &y);
        assert_eq!(d.segs.len(), 2);
        assert_eq!(d.bands.len(), 2);
        let n: usize = d.segs.iter().map(Vec::len).sum();
        assert!(n <= BUCKETS + 2, "{n}");
        assert!(d.bands.iter().flatten().any(|b| b.2 == 50.0));
        assert!(d.segs.iter().all(|s| s.windows(2).all(|w| w[0].0 < w[1].0)));
        let short = segments(&t[..100], &y[..100]);
        assert_eq!(short.segs[0].len(), 100);
        assert!(short.bands.is_empty());
    }

    #[test]
    fn pareto_front_minimises_both() {
        let pts = [
            (10.0, 5.0),
            (20.0, 3.0),
            (15.0, 6.0),
            (30.0, 3.0),
            (5.0, 9.0),
        ];
        let mut f = pareto(&pts);
        f.sort();
        assert_eq!(f, vec![0, 1, 4]);
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_tick(0.30000000000000004), "0.3");
        assert_eq!(fmt_tick(25_000.0), "25k");
        assert_eq!(fmt_value(2.895749784604724), "2.896");
        assert_eq!(fmt_value(16634.724), "16635");
        assert_eq!(nice_bin(229.0, 40), 10.0);
        assert_eq!(file_safe("a b/c"), "a_b_c");
        assert_eq!(metric_unit("latency_ms.p99"), "ms");
        assert_eq!(metric_unit("tasks.start_latency_s_p50"), "s");
        assert_eq!(metric_unit("cost_usd.by_service.web"), "USD");
    }
}
