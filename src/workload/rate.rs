//! Request-rate time series read from a CSV file, streamed with a
//! forward-only cursor.
//!
//! Each row gives a time and a value. Values become *rate points* `(r, v)`
//! in req/s, where `r` is seconds since the first row of the file. Between
//! consecutive points the rate is a step (the earlier point's value) or a
//! linear interpolation; the last point's value holds for one more row
//! interval (`row_interval_s`, else the gap between the last two rows), which
//! is where the trace ends. Gaps in the data are just the interpolation
//! between the rows either side of them.
//!
//! Time mapping: simulation time `t` reads the trace at
//! `r = origin + time_shift_s + t`, where `origin` is the window start (or 0).
//! So a positive shift starts the simulation further into the trace, a
//! negative one delays it. Without `loop_` the rate is 0 outside the trace
//! (or window); with `loop_` the trace (or window) repeats with period
//! `duration_s()`, at the cost of one reopen of the file per wrap.

pub use super::error::TimeFormat;
use super::error::{CsvSource, Stamp, TraceError, detect_time_format, parse_time};
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
}

impl RateSeriesConfig {
    /// A config with defaults: detected time format, rates per second, scale
    /// 1, no shift, no loop, no window, step interpolation, comma delimiter.
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
    /// Trace end (seconds since the first row), once the last row was read.
    end: Option<f64>,
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
            return Err(TraceError::new(src.file(), 0, None, "no data rows"));
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

    /// Next rate point `(r, rate)`, already scaled.
    fn next_point(&mut self, cfg: &RateSeriesConfig) -> Result<Option<(f64, f64)>, TraceError> {
        let Some(cur) = self.pending.take() else {
            return Ok(None);
        };
        let next = self.read_row()?;
        let gap = next.as_ref().map(|n| n.r - cur.r);
        let interval = cfg.row_interval_s.or(gap).or(self.prev_gap);
        let err =
            |m: String| TraceError::new(self.src.file(), cur.line, Some(&cfg.value_column), m);
        let rate = match cfg.value_kind {
            ValueKind::RatePerSecond => cur.v,
            ValueKind::CountPerRow => match interval {
                None => {
                    return Err(err(
                        "cannot turn a count into a rate with a single row: set row_interval_s"
                            .into(),
                    ));
                }
                Some(d) if d <= 0.0 => {
                    return Err(err(format!(
                        "cannot turn a count into a rate: the next row has the same time ({}); set row_interval_s",
                        cur.text
                    )));
                }
                Some(d) => cur.v / d,
            },
        } * cfg.scale;
        if next.is_none() {
            self.end = Some(cur.r + interval.unwrap_or(0.0));
        }
        if gap.is_some() {
            self.prev_gap = gap;
        }
        self.pending = next;
        Ok(Some((cur.r, rate)))
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

    /// Epoch seconds (or raw seconds) of the first row of the file.
    pub fn first_time_s(&self) -> f64 {
        self.pass.first.as_f64()
    }

    /// The rate (req/s) at simulation time `t_s`; calls must come with
    /// non-decreasing times.
    pub fn rate_at(&mut self, t_s: f64) -> Result<f64, TraceError> {
        let u = self.start_query(t_s)?;
        self.fill(u, u)?;
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
        let area: f64 = self.segs.iter().map(|s| s.integral(u0, u1)).sum();
        Ok(area / (u1 - u0))
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
                self.pass_done = false;
                continue;
            }
            match self.pass.next_point(&self.cfg)? {
                Some(p) => {
                    let pushed = match self.last_point.replace(p) {
                        Some(prev) => {
                            let vb = match self.cfg.interpolation {
                                Interpolation::Step => prev.1,
                                Interpolation::Linear => p.1,
                            };
                            self.push(prev.0, p.0, prev.1, vb)
                        }
                        None => false,
                    };
                    if p.0 >= self.window_end {
                        self.finish_pass(self.window_end)?;
                    }
                    if pushed {
                        return Ok(true);
                    }
                }
                None => {
                    let end = self.pass.end.unwrap_or(0.0);
                    let pushed = match self.last_point.take() {
                        Some(prev) => self.push(prev.0, end, prev.1, prev.1),
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

    /// Clips `[a, b)` to the window, maps it to `u` and stores it.
    fn push(&mut self, a: f64, b: f64, va: f64, vb: f64) -> bool {
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
        assert_eq!(e.message, "expected a number, found \"abc\"");

        let p = sample("cols.csv", "minute_start_utc,epoch_s,requests\n");
        let e = RateSeries::open(RateSeriesConfig::new(&p, "epoch_s", "reqs"))
            .err()
            .unwrap();
        assert_eq!(e.line, 1);
        assert_eq!(
            e.message,
            "missing column `reqs` (columns: minute_start_utc, epoch_s, requests)"
        );
        let e = RateSeries::open(RateSeriesConfig::new(&p, "epoch_s", "requests"))
            .err()
            .unwrap();
        assert_eq!(e.message, "no data rows");

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
        // The Jul 28 17:32Z .. Aug 1 04:00Z gap: the last July minute (41
        // requests) holds in step mode; linear mode ramps to the next row (51).
        let gap_start = 806_952_720.0 - 804_571_200.0;
        let gap_len = 807_249_600.0 - 806_952_720.0;
        let mut s = RateSeries::open(nasa_cfg("epoch_s")).unwrap();
        assert!(close(s.rate_at(gap_start + 3600.0).unwrap(), 41.0 / 60.0));
        let mut cfg = nasa_cfg("epoch_s");
        cfg.interpolation = Interpolation::Linear;
        let mut s = RateSeries::open(cfg).unwrap();
        assert!(close(
            s.mean_rate(gap_start, gap_start + gap_len).unwrap(),
            46.0 / 60.0
        ));

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
