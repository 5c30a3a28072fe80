//! Request-rate time series read from a CSV file, streamed with a
//! forward-only cursor.
//!
//! Each row gives a time and a value. Values become *rate points* `(r, v)`
//! in req/s, where `r` is seconds since the first row of the file. Between
//! consecutive points the rate is a step (the earlier point's value) or a
//! linear interpolation; the last point's value holds for one more row
//! interval (`row_interval_s`, else the gap between the last two rows), which
//! is where the trace ends.
//!
//! Holes: two consecutive rows more than [`HOLE_ROWS`] rows apart (a row is
//! `row_interval_s`, else the smallest gap seen so far) leave a span with no
//! data. How it is filled is [`GapFill`] (default: a linear ramp between the
//! rows either side); every hole a pass reads is remembered (see
//! [`RateSeries::holes`]) so that the scenario loader can warn about it, and
//! with [`GapFill::Error`] a query that reads one fails with the row's line.
//!
//! Time mapping: simulation time `t` reads the trace at
//! `r = origin + time_shift_s + t`, where `origin` is the window start (or 0).
//! So a positive shift starts the simulation further into the trace, a
//! negative one delays it. Without `loop_` the rate is 0 outside the trace
//! (or window); with `loop_` the trace (or window) repeats with period
//! `duration_s()`, at the cost of one reopen of the file per wrap.

use super::MAX_RATE_PER_S;
pub use super::error::TimeFormat;
use super::error::{CsvSource, Stamp, TraceError, detect_time_format, parse_time};
use crate::engine::span_text;
use std::collections::VecDeque;
use std::path::PathBuf;

/// What a row's value means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// The value is already a rate in requests per second.
    RatePerSecond,
    /// The value is a count over the row's interval: divided by the gap to the
    /// next row (or `row_interval_s` when given) to get a rate.
    CountPerRow,
}

/// How the rate varies between rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolation {
    /// Piecewise constant: a row's rate holds until the next row.
    Step,
    /// Piecewise linear between consecutive rows.
    Linear,
}

/// A hole is a gap between consecutive rows of more than this many missing rows.
pub const HOLE_ROWS: u32 = 5;

/// At most this many holes are remembered per series (the rest are counted).
pub const MAX_HOLES: usize = 20;

/// How the rate runs across a hole (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapFill {
    /// A straight line from the row before the hole to the row after it, whatever the interpolation.
    Interpolate,
    /// The row before the hole keeps its rate for one row interval, then the rate is 0.
    Zero,
    /// The row before the hole keeps its rate until the row after it.
    Hold,
    /// A query that reads a hole fails, naming the row after it.
    Error,
}

impl GapFill {
    /// The scenario-file spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            GapFill::Interpolate => "interpolate",
            GapFill::Zero => "zero",
            GapFill::Hold => "hold",
            GapFill::Error => "error",
        }
    }
}

/// A hole a pass read: where it is in the file and in simulation time.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceHole {
    /// Line of the last row before the hole.
    pub line_before: usize,
    /// Line of the first row after it.
    pub line_after: usize,
    /// Time text of those rows, as written in the file.
    pub time_before: String,
    /// Time text of the row after.
    pub time_after: String,
    /// Seconds between the two rows.
    pub gap_s: f64,
    /// The row interval it was measured against, s.
    pub row_s: f64,
    /// Simulation time of the row before, s (its first occurrence that the run can read; may be negative
    /// when the time shift starts the run later in the trace).
    pub sim_start_s: f64,
    /// Simulation time of the row after, s.
    pub sim_end_s: f64,
}

/// How to read a rate series.
#[derive(Debug, Clone, PartialEq)]
pub struct RateSeriesConfig {
    /// The CSV file (gzip when the name ends in `.gz`).
    pub path: PathBuf,
    /// Name of the time column.
    pub time_column: String,
    /// Name of the value column.
    pub value_column: String,
    /// Format of the time column; `None` detects it from the first row.
    pub time_format: Option<TimeFormat>,
    /// Whether values are rates or per-row counts.
    pub value_kind: ValueKind,
    /// Length of a row in seconds, if fixed (see [`ValueKind::CountPerRow`]).
    pub row_interval_s: Option<f64>,
    /// Multiplier applied to every rate.
    pub scale: f64,
    /// Trace offset of simulation time 0, in seconds (see the module docs).
    pub time_shift_s: f64,
    /// Repeat the trace (or window) forever.
    pub loop_: bool,
    /// Only use `[start, end)`, in seconds relative to the first row.
    pub window: Option<(f64, f64)>,
    /// Step or linear interpolation between rows.
    pub interpolation: Interpolation,
    /// Field delimiter, e.g. `b','` or `b'\t'`.
    pub delimiter: u8,
    /// How holes are filled.
    pub gaps: GapFill,
}

impl RateSeriesConfig {
    /// A config with defaults: detected time format, rates per second, scale
    /// 1, no shift, no loop, no window, step interpolation, comma delimiter,
    /// holes interpolated.
    pub fn new(path: impl Into<PathBuf>, time_column: &str, value_column: &str) -> Self {
        RateSeriesConfig {
            path: path.into(),
            time_column: time_column.to_string(),
            value_column: value_column.to_string(),
            time_format: None,
            value_kind: ValueKind::RatePerSecond,
            row_interval_s: None,
            scale: 1.0,
            time_shift_s: 0.0,
            loop_: false,
            window: None,
            interpolation: Interpolation::Step,
            delimiter: b',',
            gaps: GapFill::Interpolate,
        }
    }
}

/// One raw row: seconds since the first row, value, line.
struct Row {
    r: f64,
    v: f64,
    line: usize,
    text: String,
}

/// One reading pass over the file, producing rate points.
struct Pass {
    src: CsvSource,
    t_idx: usize,
    v_idx: usize,
    fmt: TimeFormat,
    first: Stamp,
    last: Option<(Stamp, String)>,
    pending: Option<Row>,
    prev_gap: Option<f64>,
    /// Smallest positive gap between rows so far (infinite before the second row): the row interval
    /// when none is given.
    min_gap: f64,
    /// Trace end (seconds since the first row), once the last row was read.
    end: Option<f64>,
}

/// A hole after a rate point.
#[derive(Debug, Clone)]
struct Hole {
    row_s: f64,
    line_before: usize,
    line_after: usize,
    time_before: String,
    time_after: String,
}

/// A rate point `(r, rate)`, and the hole that follows it, if any.
#[derive(Debug, Clone)]
struct Point {
    r: f64,
    rate: f64,
    hole: Option<Box<Hole>>,
}

impl Pass {
    fn open(
        cfg: &RateSeriesConfig,
        known: Option<(TimeFormat, Stamp)>,
    ) -> Result<Self, TraceError> {
        let mut src = CsvSource::open(&cfg.path, cfg.delimiter)?;
        let t_idx = src.column(&cfg.time_column)?;
        let v_idx = src.column(&cfg.value_column)?;
        if !src.advance()? {
            return Err(TraceError::new(
                src.file(),
                src.line().max(1),
                None,
                "no data rows after the header (an empty trace is an error, as an empty job file is)",
            ));
        }
        let (fmt, first) = match known {
            Some(k) => k,
            None => {
                let txt = src.field(t_idx)?;
                let fmt = match cfg.time_format {
                    Some(f) => f,
                    None => detect_time_format(txt).map_err(|m| src.error(t_idx, m))?,
                };
                (fmt, parse_time(txt, fmt).map_err(|m| src.error(t_idx, m))?)
            }
        };
        let mut p = Pass {
            src,
            t_idx,
            v_idx,
            fmt,
            first,
            last: None,
            pending: None,
            prev_gap: None,
            min_gap: f64::INFINITY,
            end: None,
        };
        p.pending = Some(p.parse_current()?);
        Ok(p)
    }

    fn parse_current(&mut self) -> Result<Row, TraceError> {
        let txt = self.src.field(self.t_idx)?;
        let t = parse_time(txt, self.fmt).map_err(|m| self.src.error(self.t_idx, m))?;
        if let Some((prev, ptxt)) = &self.last
            && t < *prev
        {
            return Err(self.src.error(
                self.t_idx,
                format!("time goes backwards: {txt} after {ptxt}"),
            ));
        }
        let text = txt.to_string();
        let v = self.src.number(self.v_idx)?;
        if v < 0.0 {
            return Err(self.src.error(
                self.v_idx,
                format!("expected a non-negative number, found {v}"),
            ));
        }
        self.last = Some((t, text.clone()));
        Ok(Row {
            r: t.since(self.first),
            v,
            line: self.src.line(),
            text,
        })
    }

    fn read_row(&mut self) -> Result<Option<Row>, TraceError> {
        if !self.src.advance()? {
            return Ok(None);
        }
        self.parse_current().map(Some)
    }

    /// Next rate point, already scaled, with the hole after it if there is one.
    fn next_point(&mut self, cfg: &RateSeriesConfig) -> Result<Option<Point>, TraceError> {
        let Some(cur) = self.pending.take() else {
            return Ok(None);
        };
        let next = self.read_row()?;
        let gap = next.as_ref().map(|n| n.r - cur.r);
        // A hole: more than HOLE_ROWS rows missing between this row and the next.
        let row = cfg
            .row_interval_s
            .or(Some(self.min_gap).filter(|g| g.is_finite()));
        let hole = match (gap, row, &next) {
            (Some(g), Some(row), Some(n)) if g > f64::from(HOLE_ROWS + 1) * row => {
                Some(Box::new(Hole {
                    row_s: row,
                    line_before: cur.line,
                    line_after: n.line,
                    time_before: cur.text.clone(),
                    time_after: n.text.clone(),
                }))
            }
            _ => None,
        };
        if let Some(g) = gap.filter(|&g| g > 0.0) {
            self.min_gap = self.min_gap.min(g);
        }
        // A count before a hole covers one row, not the hole.
        let gap = if hole.is_some() { row } else { gap };
        let interval = cfg.row_interval_s.or(gap).or(self.prev_gap);
        let err =
            |m: String| TraceError::new(self.src.file(), cur.line, Some(&cfg.value_column), m);
        let rate = match cfg.value_kind {
            ValueKind::RatePerSecond => cur.v,
            ValueKind::CountPerRow => match interval {
                None => {
                    return Err(err(
                        "cannot turn a count into a rate with a single row: set row_interval"
                            .into(),
                    ));
                }
                Some(d) if d <= 0.0 => {
                    return Err(err(format!(
                        "cannot turn a count into a rate: the next row has the same time ({}); set row_interval",
                        cur.text
                    )));
                }
                Some(d) => cur.v / d,
            },
        } * cfg.scale;
        if rate > MAX_RATE_PER_S {
            return Err(err(format!(
                "this row is {rate:e} per second after `scale` and `value`; at most {MAX_RATE_PER_S:e} (docs/limits.md)"
            )));
        }
        if next.is_none() {
            self.end = Some(cur.r + interval.unwrap_or(0.0));
        }
        if gap.is_some() {
            self.prev_gap = gap;
        }
        self.pending = next;
        Ok(Some(Point {
            r: cur.r,
            rate,
            hole,
        }))
    }
}

/// A piece of the rate function in unwrapped shifted time `u = t + shift`:
/// linear from `va` at `a` to `vb` at `b` (equal for steps).
#[derive(Debug, Clone, Copy)]
struct Seg {
    a: f64,
    b: f64,
    va: f64,
    vb: f64,
    /// Line of the row after the hole this piece fills (0: not a hole).
    hole_line: usize,
}

impl Seg {
    fn at(&self, u: f64) -> f64 {
        if self.va == self.vb {
            self.va
        } else {
            self.va + (self.vb - self.va) * (u - self.a) / (self.b - self.a)
        }
    }
    /// Integral over `[u0, u1)` ∩ `[a, b)`.
    fn integral(&self, u0: f64, u1: f64) -> f64 {
        let (lo, hi) = (u0.max(self.a), u1.min(self.b));
        if hi <= lo {
            0.0
        } else {
            (hi - lo) * 0.5 * (self.at(lo) + self.at(hi))
        }
    }
}

/// A streamed request-rate series (see the module docs for the time mapping).
pub struct RateSeries {
    cfg: RateSeriesConfig,
    file: String,
    pass: Pass,
    origin: f64,
    window_end: f64,
    shift: f64,
    cycle_offset: f64,
    period: Option<f64>,
    last_point: Option<(f64, f64)>,
    pass_done: bool,
    exhausted: bool,
    segs: VecDeque<Seg>,
    last_query: f64,
    /// Holes: boxed, and only once there is one, to keep the series small.
    holes: Option<Box<HoleLog>>,
}

/// The holes of a series.
#[derive(Debug, Default)]
struct HoleLog {
    /// Holes read so far (at most [`MAX_HOLES`]).
    read: Vec<TraceHole>,
    /// There were more.
    more: bool,
    /// The hole after the last point.
    after_last: Option<Box<Hole>>,
}

impl RateSeries {
    /// Opens the file, checks the columns and reads the first row.
    pub fn open(cfg: RateSeriesConfig) -> Result<Self, TraceError> {
        let file = cfg.path.display().to_string();
        let whole = |m: String| TraceError::new(&file, 0, None, m);
        if !(cfg.scale.is_finite() && cfg.scale >= 0.0) {
            return Err(whole(format!(
                "scale must be a non-negative number, got {}",
                cfg.scale
            )));
        }
        if !cfg.time_shift_s.is_finite() {
            return Err(whole("time_shift_s must be finite".into()));
        }
        if let Some(i) = cfg.row_interval_s
            && !(i.is_finite() && i > 0.0)
        {
            return Err(whole(format!("row_interval_s must be positive, got {i}")));
        }
        let (origin, window_end) = match cfg.window {
            Some((a, b)) if !(a.is_finite() && a >= 0.0 && b > a) => {
                return Err(whole(format!(
                    "window [{a}, {b}) must satisfy 0 <= start < end"
                )));
            }
            Some((a, b)) => (a, b),
            None => (0.0, f64::INFINITY),
        };
        let pass = Pass::open(&cfg, None)?;
        let mut s = RateSeries {
            shift: cfg.time_shift_s,
            cfg,
            file,
            pass,
            origin,
            window_end,
            cycle_offset: 0.0,
            period: None,
            last_point: None,
            pass_done: false,
            exhausted: false,
            segs: VecDeque::new(),
            last_query: f64::NEG_INFINITY,
            holes: None,
        };
        if s.cfg.loop_ && s.shift < 0.0 {
            // A negative shift on a loop needs the period up front: one extra pass.
            let mut probe_cfg = s.cfg.clone();
            probe_cfg.loop_ = false;
            probe_cfg.time_shift_s = 0.0;
            let mut probe = RateSeries::open(probe_cfg)?;
            while probe.produce(f64::INFINITY)? {
                probe.segs.clear();
            }
            let p = probe.period.unwrap_or(0.0);
            s.shift = s.shift.rem_euclid(p);
        }
        Ok(s)
    }

    /// Length in seconds of the trace, or of the window, once known (after the
    /// cursor reached the end of the window or the file).
    pub fn duration_s(&self) -> Option<f64> {
        self.period
    }

    /// The holes the reads so far have passed (each once, at the first time the run can read it), and
    /// whether more than [`MAX_HOLES`] were found.
    pub fn holes(&self) -> (&[TraceHole], bool) {
        self.holes
            .as_deref()
            .map_or((&[], false), |h| (&h.read, h.more))
    }

    /// Epoch seconds (or raw seconds) of the first row of the file.
    pub fn first_time_s(&self) -> f64 {
        self.pass.first.as_f64()
    }

    /// The rate (req/s) at simulation time `t_s`; calls must come with
    /// non-decreasing times.
    pub fn rate_at(&mut self, t_s: f64) -> Result<f64, TraceError> {
        let u = self.start_query(t_s)?;
        self.fill(u, u)?;
        self.check_hole(u, u)?;
        Ok(self
            .segs
            .iter()
            .find(|s| s.a <= u && u < s.b)
            .map_or(0.0, |s| s.at(u)))
    }

    /// Mean rate over `[t0_s, t1_s)`: the exact integral of the step or
    /// linear function divided by the length. `t0_s` must not be before the
    /// previous query's time; `t1_s` may be anywhere after `t0_s`.
    pub fn mean_rate(&mut self, t0_s: f64, t1_s: f64) -> Result<f64, TraceError> {
        if t1_s.is_nan() || t1_s < t0_s {
            return Err(TraceError::new(
                &self.file,
                0,
                None,
                format!("mean_rate: empty interval [{t0_s}, {t1_s})"),
            ));
        }
        if t1_s == t0_s {
            return self.rate_at(t0_s);
        }
        let u0 = self.start_query(t0_s)?;
        let u1 = t1_s + self.shift;
        self.fill(u0, u1)?;
        self.check_hole(u0, u1)?;
        let area: f64 = self.segs.iter().map(|s| s.integral(u0, u1)).sum();
        Ok(area / (u1 - u0))
    }

    /// With [`GapFill::Error`], a query of `[u0, u1]` must not read a hole.
    fn check_hole(&self, u0: f64, u1: f64) -> Result<(), TraceError> {
        if self.cfg.gaps != GapFill::Error {
            return Ok(());
        }
        let reads = |s: &&Seg| {
            s.hole_line > 0
                && if u0 == u1 {
                    s.a <= u0 && u0 < s.b
                } else {
                    s.a < u1 && u0 < s.b
                }
        };
        let ms = |x: f64| (x.max(0.0) * 1000.0).round() as u64;
        match self.segs.iter().find(reads) {
            Some(s) => Err(TraceError::new(
                &self.file,
                s.hole_line,
                Some(&self.cfg.time_column),
                format!(
                    "a hole: more than {HOLE_ROWS} rows are missing before this row ({} without data, which the run reads {} after its start); gaps = \"error\" stops here (\"interpolate\", \"zero\" or \"hold\" fill it)",
                    span_text(ms(s.b - s.a)),
                    span_text(ms(s.a - self.shift)),
                ),
            )),
            None => Ok(()),
        }
    }

    /// Checks that queries do not go back in time; returns `u`.
    fn start_query(&mut self, t: f64) -> Result<f64, TraceError> {
        if t.is_nan() || t < self.last_query {
            return Err(TraceError::new(
                &self.file,
                0,
                None,
                format!("query time goes backwards: {t} after {}", self.last_query),
            ));
        }
        self.last_query = t;
        Ok(t + self.shift)
    }

    /// Reads segments until one ends after `until` (or the data ends),
    /// dropping those that end at or before `from` as it goes.
    fn fill(&mut self, from: f64, until: f64) -> Result<(), TraceError> {
        loop {
            while self.segs.front().is_some_and(|s| s.b <= from) {
                self.segs.pop_front();
            }
            if self.segs.back().is_some_and(|s| s.b > until) || !self.produce(from)? {
                return Ok(());
            }
        }
    }

    /// Appends the next segment(s); `false` when there are no more. `target`
    /// lets a loop skip whole cycles that lie before it.
    fn produce(&mut self, target: f64) -> Result<bool, TraceError> {
        loop {
            if self.exhausted {
                return Ok(false);
            }
            if self.pass_done {
                let period = self.period.unwrap_or(0.0);
                if !self.cfg.loop_ {
                    self.exhausted = true;
                    return Ok(false);
                }
                let next_start = self.cycle_offset + period;
                let skip = ((target - next_start) / period).floor().max(0.0);
                self.cycle_offset = next_start + skip * period;
                self.pass = Pass::open(&self.cfg, Some((self.pass.fmt, self.pass.first)))?;
                self.last_point = None;
                self.swap_hole(None);
                self.pass_done = false;
                continue;
            }
            match self.pass.next_point(&self.cfg)? {
                Some(p) => {
                    let (r, rate) = (p.r, p.rate);
                    let hole = self.swap_hole(p.hole);
                    let pushed = match self.last_point.replace((r, rate)) {
                        Some(prev) => self.push_between(prev, hole, r, rate),
                        None => false,
                    };
                    if r >= self.window_end {
                        self.finish_pass(self.window_end)?;
                    }
                    if pushed {
                        return Ok(true);
                    }
                }
                None => {
                    let end = self.pass.end.unwrap_or(0.0);
                    let pushed = match self.last_point.take() {
                        Some(prev) => self.push(prev.0, end, prev.1, prev.1, 0),
                        None => false,
                    };
                    self.finish_pass(end.min(self.window_end))?;
                    if pushed {
                        return Ok(true);
                    }
                }
            }
        }
    }

    /// Keep `next` as the hole after the last point; return the one after the point before.
    fn swap_hole(&mut self, next: Option<Box<Hole>>) -> Option<Box<Hole>> {
        if self.holes.is_none() && next.is_none() {
            return None;
        }
        let log = self.holes.get_or_insert_with(Default::default);
        std::mem::replace(&mut log.after_last, next)
    }

    /// The rate from point `prev` to the next point `(r, rate)`: the interpolation, or across a hole
    /// after `prev` the [`GapFill`] (the hole is remembered).
    fn push_between(
        &mut self,
        (r0, v0): (f64, f64),
        hole: Option<Box<Hole>>,
        r: f64,
        rate: f64,
    ) -> bool {
        let Some(h) = hole else {
            let vb = match self.cfg.interpolation {
                Interpolation::Step => v0,
                Interpolation::Linear => rate,
            };
            return self.push(r0, r, v0, vb, 0);
        };
        let line = h.line_after;
        let pushed = match self.cfg.gaps {
            GapFill::Interpolate | GapFill::Error => self.push(r0, r, v0, rate, line),
            GapFill::Hold => self.push(r0, r, v0, v0, line),
            GapFill::Zero => {
                let m = r0 + h.row_s;
                let a = self.push(r0, m, v0, v0, 0);
                self.push(m, r, 0.0, 0.0, line) || a
            }
        };
        if pushed {
            self.note_hole(&h, r0, r);
        }
        pushed
    }

    /// Remember a hole from `r0` to `r1` (seconds since the first row) of the current cycle: once per
    /// hole, at the first occurrence that is not wholly before simulation time 0.
    fn note_hole(&mut self, h: &Hole, r0: f64, r1: f64) {
        let off = self.cycle_offset - self.origin - self.shift;
        let rec = TraceHole {
            line_before: h.line_before,
            line_after: h.line_after,
            time_before: h.time_before.clone(),
            time_after: h.time_after.clone(),
            gap_s: r1 - r0,
            row_s: h.row_s,
            sim_start_s: r0.max(self.origin) + off,
            sim_end_s: r1.min(self.window_end) + off,
        };
        let log = self.holes.get_or_insert_with(Default::default);
        let n = log.read.len();
        match log.read.iter_mut().find(|x| x.line_after == h.line_after) {
            Some(x) if x.sim_end_s <= 0.0 => *x = rec,
            Some(_) => {}
            None if n < MAX_HOLES => log.read.push(rec),
            None => log.more = true,
        }
    }

    fn finish_pass(&mut self, end: f64) -> Result<(), TraceError> {
        self.pass_done = true;
        if self.period.is_none() {
            let p = end - self.origin;
            if p <= 0.0 {
                return Err(TraceError::new(
                    &self.file,
                    0,
                    None,
                    format!(
                        "the trace (or window) has no length: it ends {end} s after the first row"
                    ),
                ));
            }
            self.period = Some(p);
        }
        Ok(())
    }

    /// Clips `[a, b)` to the window, maps it to `u` and stores it (`hole_line`: see [`Seg`]).
    fn push(&mut self, a: f64, b: f64, va: f64, vb: f64, hole_line: usize) -> bool {
        let (lo, hi) = (a.max(self.origin), b.min(self.window_end));
        if hi <= lo {
            return false;
        }
        let at = |x: f64| {
            if b > a {
                va + (vb - va) * (x - a) / (b - a)
            } else {
                va
            }
        };
        let off = self.cycle_offset - self.origin;
        self.segs.push_back(Seg {
            a: lo + off,
            b: hi + off,
            va: at(lo),
            vb: at(hi),
            hole_line,
        });
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::path::Path;

    fn sample(name: &str, body: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ecsim-rate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::File::create(&p)
            .unwrap()
            .write_all(body.as_bytes())
            .unwrap();
        p
    }

    const RATES: &str = "t,rps\n0,10\n10,20\n20,0\n30,40\n";

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * (1.0 + a.abs().max(b.abs()))
    }

    #[test]
    fn step_and_linear() {
        let p = sample("rates.csv", RATES);
        let mut s = RateSeries::open(RateSeriesConfig::new(&p, "t", "rps")).unwrap();
        assert_eq!(s.rate_at(0.0).unwrap(), 10.0);
        assert_eq!(s.rate_at(9.99).unwrap(), 10.0);
        assert_eq!(s.rate_at(10.0).unwrap(), 20.0);
        assert!(close(s.mean_rate(10.0, 30.0).unwrap(), 10.0));
        // last row holds for the last gap (10 s), then the trace ends
        assert_eq!(s.rate_at(39.0).unwrap(), 40.0);
        assert_eq!(s.rate_at(40.0).unwrap(), 0.0);
        assert_eq!(s.duration_s(), Some(40.0));

        let mut cfg = RateSeriesConfig::new(&p, "t", "rps");
        cfg.interpolation = Interpolation::Linear;
        let mut s = RateSeries::open(cfg).unwrap();
        assert!(close(s.rate_at(5.0).unwrap(), 15.0));
        assert!(close(s.rate_at(15.0).unwrap(), 10.0));
        // exact integral: [0,10) mean 15, [10,20) mean 10
        assert!(close(
            s.mean_rate(15.0, 25.0).unwrap(),
            (5.0 * 5.0 + 10.0 * 5.0) / 10.0
        ));
        assert!(close(
            s.mean_rate(25.0, 100.0).unwrap(),
            (30.0 * 5.0 + 40.0 * 10.0) / 75.0
        ));
    }

    #[test]
    fn counts_scale_and_iso_times() {
        let p = sample(
            "counts.csv",
            "when,n\n2024-01-01T00:00:00Z,60\n2024-01-01T00:01:00Z,120\n2024-01-01T00:03:00Z,60\n",
        );
        let mut cfg = RateSeriesConfig::new(&p, "when", "n");
        cfg.value_kind = ValueKind::CountPerRow;
        cfg.scale = 2.0;
        let mut s = RateSeries::open(cfg.clone()).unwrap();
        assert!(close(s.mean_rate(0.0, 60.0).unwrap(), 2.0));
        assert!(close(s.first_time_s(), 1_704_067_200.0));
        assert_eq!(s.rate_at(30.0).unwrap(), 2.0); // 60 / 60 s * 2
        assert_eq!(s.rate_at(90.0).unwrap(), 2.0); // 120 over a 120 s gap
        assert_eq!(s.rate_at(200.0).unwrap(), 1.0); // last row: previous gap (120 s)
        assert_eq!(s.duration_s(), Some(300.0));
        // with a fixed row interval the count is per 60 s and holds over the gap
        cfg.row_interval_s = Some(60.0);
        let mut s = RateSeries::open(cfg).unwrap();
        assert!(close(
            s.mean_rate(0.0, 240.0).unwrap(),
            (2.0 * 60.0 + 4.0 * 120.0 + 2.0 * 60.0) / 240.0
        ));
        let mut s = RateSeries::open(s.cfg.clone()).unwrap();
        assert_eq!(s.rate_at(90.0).unwrap(), 4.0);
        assert_eq!(s.rate_at(170.0).unwrap(), 4.0);
    }

    #[test]
    fn shift_window_and_loop() {
        let p = sample("rates2.csv", RATES);
        let mut cfg = RateSeriesConfig::new(&p, "t", "rps");
        cfg.time_shift_s = 10.0; // start 10 s into the trace
        let mut s = RateSeries::open(cfg.clone()).unwrap();
        assert_eq!(s.rate_at(0.0).unwrap(), 20.0);
        cfg.time_shift_s = -5.0; // delay by 5 s: zero before the trace
        let mut s = RateSeries::open(cfg.clone()).unwrap();
        assert_eq!(s.rate_at(0.0).unwrap(), 0.0);
        assert!(close(s.mean_rate(0.0, 10.0).unwrap(), 5.0));

        cfg.time_shift_s = 0.0;
        cfg.window = Some((5.0, 25.0));
        let mut s = RateSeries::open(cfg.clone()).unwrap();
        assert_eq!(s.rate_at(0.0).unwrap(), 10.0);
        assert_eq!(s.rate_at(5.0).unwrap(), 20.0);
        assert_eq!(s.rate_at(19.9).unwrap(), 0.0);
        assert_eq!(s.duration_s(), Some(20.0));
        assert_eq!(s.rate_at(20.0).unwrap(), 0.0);

        cfg.loop_ = true;
        let mut s = RateSeries::open(cfg.clone()).unwrap();
        assert!(close(
            s.mean_rate(0.0, 20.0).unwrap(),
            (10.0 * 5.0 + 20.0 * 10.0) / 20.0
        ));
        assert_eq!(s.rate_at(20.0).unwrap(), 10.0); // wrapped to the window start
        assert_eq!(s.rate_at(26.0).unwrap(), 20.0);
        assert!(close(s.mean_rate(30.0, 110.0).unwrap(), 12.5)); // whole cycles
        assert_eq!(s.rate_at(1_000_000.0 + 6.0).unwrap(), 20.0); // cycles skipped
        assert!(close(s.mean_rate(2e6 + 15.0, 2e6 + 25.0).unwrap(), 5.0)); // straddles a wrap

        cfg.time_shift_s = -15.0; // looped: negative shift wraps (== +5)
        let mut s = RateSeries::open(cfg).unwrap();
        assert_eq!(s.rate_at(0.0).unwrap(), 20.0);
        assert_eq!(s.rate_at(10.0).unwrap(), 0.0);
        assert_eq!(s.rate_at(15.0).unwrap(), 10.0);

        // whole-trace loop: period 40 = last row + last gap
        let mut cfg = RateSeriesConfig::new(&p, "t", "rps");
        cfg.loop_ = true;
        let mut s = RateSeries::open(cfg).unwrap();
        assert_eq!(s.rate_at(39.0).unwrap(), 40.0);
        assert_eq!(s.rate_at(41.0).unwrap(), 10.0);
        assert_eq!(s.duration_s(), Some(40.0));
        assert!(close(s.mean_rate(80.0, 160.0).unwrap(), 17.5));
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let p = sample("back.csv", "t,rps\n0,1\n180,2\n120,3\n");
        let mut s = RateSeries::open(RateSeriesConfig::new(&p, "t", "rps")).unwrap();
        let e = s.mean_rate(0.0, 1000.0).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (4, Some("t")));
        assert!(
            e.message.contains("time goes backwards: 120 after 180"),
            "{e}"
        );
        assert!(
            e.to_string()
                .starts_with(&format!("{}:4: column `t`", p.display()))
        );

        let p = sample("bad.csv", "t,rps\n0,1\n\n10,abc\n");
        let mut s = RateSeries::open(RateSeriesConfig::new(&p, "t", "rps")).unwrap();
        let e = s.rate_at(0.0).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (4, Some("rps")));
        assert_eq!(
            e.message,
            "expected a number, found 3 characters of other text (not shown)"
        );

        let p = sample("cols.csv", "minute_start_utc,epoch_s,requests\n");
        let e = RateSeries::open(RateSeriesConfig::new(&p, "epoch_s", "reqs"))
            .err()
            .unwrap();
        assert_eq!(e.line, 1);
        assert_eq!(
            e.message,
            "missing column `reqs`: the header row has 3 columns, none called that"
        );
        // A near miss is suggested (a name close to what the scenario wrote; nothing else of the header).
        let e = RateSeries::open(RateSeriesConfig::new(&p, "epoch_s", "requets"))
            .err()
            .unwrap();
        assert!(
            e.message.ends_with("; did you mean `requests`?"),
            "{}",
            e.message
        );
        let e = RateSeries::open(RateSeriesConfig::new(&p, "epoch_s", "requests"))
            .err()
            .unwrap();
        assert_eq!(
            (e.line, e.message.as_str()),
            (
                1,
                "no data rows after the header (an empty trace is an error, as an empty job file is)"
            )
        );

        let p = sample("short.csv", "t,rps\n0,1\n5\n");
        let mut s = RateSeries::open(RateSeriesConfig::new(&p, "t", "rps")).unwrap();
        let e = s.rate_at(0.0).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (3, Some("rps")));

        let p = sample("dup.csv", "t,n\n0,1\n0,2\n");
        let mut cfg = RateSeriesConfig::new(&p, "t", "n");
        cfg.value_kind = ValueKind::CountPerRow;
        let mut s = RateSeries::open(cfg).unwrap();
        assert_eq!(s.rate_at(0.0).unwrap_err().line, 2);

        let e = RateSeries::open(RateSeriesConfig::new("/nonexistent/x.csv", "t", "v"))
            .err()
            .unwrap();
        assert_eq!(e.line, 0);
        let mut s =
            RateSeries::open(RateSeriesConfig::new(sample("ok.csv", RATES), "t", "rps")).unwrap();
        s.rate_at(5.0).unwrap();
        assert!(s.rate_at(4.0).is_err());
    }

    /// Rows every 10 s, then 80 s without a row (7 missing: a hole), then 10 s again.
    const HOLE: &str = "t,rps\n0,10\n10,10\n20,10\n100,50\n110,50\n";

    #[test]
    fn holes_are_filled_as_asked_and_remembered() {
        let p = sample("hole.csv", HOLE);
        let open = |gaps: GapFill| {
            let mut cfg = RateSeriesConfig::new(&p, "t", "rps");
            cfg.gaps = gaps;
            RateSeries::open(cfg).unwrap()
        };
        // interpolate (the default): 10 at 20 s to 50 at 100 s, whatever the interpolation (step here)
        let mut s = open(GapFill::Interpolate);
        assert_eq!(s.rate_at(15.0).unwrap(), 10.0);
        assert!(close(s.mean_rate(20.0, 100.0).unwrap(), 30.0));
        assert!(close(s.rate_at(60.0).unwrap(), 30.0));
        let (holes, more) = s.holes();
        assert!(!more);
        assert_eq!(
            holes,
            &[TraceHole {
                line_before: 4,
                line_after: 5,
                time_before: "20".into(),
                time_after: "100".into(),
                gap_s: 80.0,
                row_s: 10.0,
                sim_start_s: 20.0,
                sim_end_s: 100.0,
            }]
        );
        // hold: 10 until the next row
        let mut s = open(GapFill::Hold);
        assert_eq!(s.rate_at(99.0).unwrap(), 10.0);
        assert_eq!(s.rate_at(100.0).unwrap(), 50.0);
        // zero: the row before keeps its rate for one row (10 s), then 0
        let mut s = open(GapFill::Zero);
        assert!(close(s.mean_rate(20.0, 100.0).unwrap(), 10.0 * 10.0 / 80.0));
        assert_eq!(s.rate_at(25.0).unwrap(), 10.0);
        assert_eq!(s.rate_at(30.0).unwrap(), 0.0);
        // error: reading the hole fails at the row after it; before it, all is well
        let mut s = open(GapFill::Error);
        assert!(close(s.mean_rate(0.0, 20.0).unwrap(), 10.0));
        let e = s.mean_rate(20.0, 40.0).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (5, Some("t")));
        assert!(e.message.contains("1 min 20 s without data"), "{e}");
        // a shift past the hole reads none of it; the hole is then not remembered as read
        let mut cfg = RateSeriesConfig::new(&p, "t", "rps");
        cfg.time_shift_s = 100.0;
        cfg.gaps = GapFill::Error;
        let mut s = RateSeries::open(cfg).unwrap();
        assert_eq!(s.mean_rate(0.0, 10.0).unwrap(), 50.0);
        assert!(s.holes().0.iter().all(|h| h.sim_end_s <= 0.0));
        // Six rows apart is five missing: not a hole.
        let p = sample("nohole.csv", "t,rps\n0,1\n10,1\n70,1\n");
        let mut cfg = RateSeriesConfig::new(&p, "t", "rps");
        cfg.gaps = GapFill::Error;
        let mut s = RateSeries::open(cfg).unwrap();
        s.mean_rate(0.0, 100.0).unwrap();
        assert!(s.holes().0.is_empty());
        // A count before a hole covers one row, not the hole: 80 requests in 10 s, not in 90 s.
        let p = sample("counthole.csv", "t,n\n0,10\n10,80\n100,10\n");
        let mut cfg = RateSeriesConfig::new(&p, "t", "n");
        cfg.value_kind = ValueKind::CountPerRow;
        cfg.gaps = GapFill::Zero;
        let mut s = RateSeries::open(cfg).unwrap();
        assert_eq!(s.rate_at(15.0).unwrap(), 8.0);
        assert_eq!(s.rate_at(50.0).unwrap(), 0.0);
    }

    const NASA: &str = "/work/shared/traces/nasa-http-1995/nasa_jul_aug_1995_per_minute.csv";

    /// (epoch_s, requests) of every row, read directly.
    fn nasa_rows() -> Vec<(f64, f64)> {
        let text = std::fs::read_to_string(NASA).unwrap();
        text.lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f[1].parse().unwrap(), f[2].parse().unwrap())
            })
            .collect()
    }

    fn nasa_cfg(time_column: &str) -> RateSeriesConfig {
        let mut cfg = RateSeriesConfig::new(NASA, time_column, "requests");
        cfg.value_kind = ValueKind::CountPerRow;
        cfg.row_interval_s = Some(60.0);
        cfg
    }

    #[test]
    fn nasa_per_minute_days() {
        if !Path::new(NASA).exists() {
            return;
        }
        let rows = nasa_rows();
        let t0 = rows[0].0;
        let day_sum = |d: f64| -> f64 {
            rows.iter()
                .filter(|r| r.0 >= t0 + d * 86_400.0 && r.0 < t0 + (d + 1.0) * 86_400.0)
                .map(|r| r.1)
                .sum()
        };
        assert_eq!(day_sum(0.0), 64_714.0);
        for (col, fmt) in [
            ("epoch_s", None),
            ("minute_start_utc", Some(TimeFormat::Iso8601)),
            ("minute_start_utc", None),
        ] {
            let mut cfg = nasa_cfg(col);
            cfg.time_format = fmt;
            let mut s = RateSeries::open(cfg).unwrap();
            assert!(close(s.first_time_s(), 804_571_200.0));
            assert!(close(
                s.mean_rate(0.0, 86_400.0).unwrap(),
                day_sum(0.0) / 86_400.0
            ));
            // day 2 hour by hour adds up to the direct sum
            let total: f64 = (0..24)
                .map(|h| {
                    s.mean_rate(
                        86_400.0 + h as f64 * 3600.0,
                        86_400.0 + (h + 1) as f64 * 3600.0,
                    )
                    .unwrap()
                        * 3600.0
                })
                .sum();
            assert!(close(total, day_sum(1.0)), "{total}");
            assert_eq!(s.duration_s(), None);
            assert_eq!(s.rate_at(1e8).unwrap(), 0.0);
            assert!(s.segs.len() <= 1, "streamed: segments are dropped as read");
            assert_eq!(s.duration_s(), Some(809_928_000.0 - 804_571_200.0 + 60.0));
        }
        // Without row_interval_s the gap to the next row is used: same result
        // on the gap-free first day.
        let mut cfg = nasa_cfg("epoch_s");
        cfg.row_interval_s = None;
        let mut s = RateSeries::open(cfg).unwrap();
        assert!(close(
            s.mean_rate(0.0, 86_400.0).unwrap(),
            day_sum(0.0) / 86_400.0
        ));
    }

    #[test]
    fn nasa_gap_and_weekly_loop() {
        if !Path::new(NASA).exists() {
            return;
        }
        // The Jul 28 17:32Z .. Aug 1 04:00Z gap is a hole: by default the rate
        // ramps from the last July minute (41 requests) to the next row (51),
        // even in step mode; `hold` keeps 41, `zero` drops to 0 after the
        // minute; the hole is remembered with its lines.
        let gap_start = 806_952_720.0 - 804_571_200.0;
        let gap_len = 807_249_600.0 - 806_952_720.0;
        for interpolation in [Interpolation::Step, Interpolation::Linear] {
            let mut cfg = nasa_cfg("epoch_s");
            cfg.interpolation = interpolation;
            let mut s = RateSeries::open(cfg).unwrap();
            assert!(close(
                s.mean_rate(gap_start, gap_start + gap_len).unwrap(),
                46.0 / 60.0
            ));
            let (holes, more) = s.holes();
            assert!(!more);
            assert_eq!(holes.len(), 1);
            let h = &holes[0];
            assert_eq!(
                (h.time_before.as_str(), h.time_after.as_str()),
                ("806952720", "807249600")
            );
            assert_eq!(h.line_after, h.line_before + 1);
            assert_eq!((h.gap_s, h.row_s), (gap_len, 60.0));
            assert_eq!(
                (h.sim_start_s, h.sim_end_s),
                (gap_start, gap_start + gap_len)
            );
        }
        let mut cfg = nasa_cfg("epoch_s");
        cfg.gaps = GapFill::Hold;
        let mut s = RateSeries::open(cfg).unwrap();
        assert!(close(s.rate_at(gap_start + 3600.0).unwrap(), 41.0 / 60.0));
        let mut cfg = nasa_cfg("epoch_s");
        cfg.gaps = GapFill::Zero;
        let mut s = RateSeries::open(cfg).unwrap();
        assert!(close(s.rate_at(gap_start + 30.0).unwrap(), 41.0 / 60.0));
        assert_eq!(s.rate_at(gap_start + 3600.0).unwrap(), 0.0);
        // The first day has no hole.
        let mut s = RateSeries::open(nasa_cfg("epoch_s")).unwrap();
        s.mean_rate(0.0, 86_400.0).unwrap();
        assert!(s.holes().0.is_empty());

        let mut cfg = nasa_cfg("epoch_s");
        cfg.loop_ = true;
        cfg.window = Some((86_400.0, 8.0 * 86_400.0));
        let mut s = RateSeries::open(cfg).unwrap();
        let week1 = s.mean_rate(0.0, 7.0 * 86_400.0).unwrap();
        assert_eq!(s.duration_s(), Some(7.0 * 86_400.0));
        let week2 = s.mean_rate(7.0 * 86_400.0, 14.0 * 86_400.0).unwrap();
        assert!(close(week1, week2));
        let looped = s.rate_at(14.0 * 86_400.0 + 30.0).unwrap();
        let mut cfg = nasa_cfg("epoch_s");
        cfg.time_shift_s = 86_400.0;
        let mut plain = RateSeries::open(cfg).unwrap();
        assert_eq!(looped, plain.rate_at(30.0).unwrap());
        assert!(looped > 0.0);
    }
}
