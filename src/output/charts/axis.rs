//! Tick positions chosen here rather than by plotters: whole clock steps on a time axis (`06:00`,
//! `1d 12:00`) or whole days (never `0.37`), and whole numbers on the y axis of counts.

use super::*;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;

/// A linear f64 axis whose ticks are the given positions (plotters' own `WithKeyPoints` has no label
/// formatter for f64; the labels come from the chart's formatter).
pub(super) struct Keyed {
    inner: RangedCoordf64,
    keys: Vec<f64>,
}

/// The axis `range` with ticks at `keys`.
pub(super) fn keyed(range: std::ops::Range<f64>, keys: Vec<f64>) -> Keyed {
    Keyed {
        inner: range.into(),
        keys,
    }
}

impl Ranged for Keyed {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;
    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(v, limit)
    }
    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.keys.clone()
        }
    }
}

/// Clock steps for runs shorter than three days, seconds.
const CLOCK_STEPS_S: [f64; 12] = [
    60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0, 43200.0, 86400.0,
];
/// Day steps for runs of three days or more.
const DAY_STEPS: [f64; 11] = [
    1.0, 2.0, 5.0, 7.0, 10.0, 14.0, 30.0, 60.0, 90.0, 180.0, 365.0,
];
/// At most this many time ticks (a clock label is up to eight characters wide).
const MAX_TIME_TICKS: f64 = 10.0;

impl TimeAxis {
    /// Tick positions in the axis unit (hours or days): every multiple of the smallest whole clock step
    /// (or day step) that gives at most [`MAX_TIME_TICKS`] ticks.
    pub(super) fn ticks(&self) -> Vec<f64> {
        let end = self.end();
        let step = if self.unit_s >= 86_400.0 {
            DAY_STEPS
                .iter()
                .copied()
                .find(|s| end / s <= MAX_TIME_TICKS)
                .unwrap_or_else(|| (end / MAX_TIME_TICKS).ceil())
        } else {
            let end_s = end * self.unit_s;
            CLOCK_STEPS_S
                .iter()
                .copied()
                .find(|s| end_s / s <= MAX_TIME_TICKS)
                .unwrap_or(86_400.0)
                / self.unit_s
        };
        let n = (end / step + 1e-9).floor() as usize;
        (0..=n).map(|i| i as f64 * step).collect()
    }

    /// A tick's label: whole days, or the clock from the start (`HH:MM`, `Nd HH:MM` from the second day,
    /// the event log's convention).
    pub(super) fn label(&self, v: f64) -> String {
        if self.unit_s >= 86_400.0 {
            return fmt_tick(v.round());
        }
        let s = (v * self.unit_s).round().max(0.0) as u64;
        let (d, h, m) = (s / 86_400, (s / 3600) % 24, (s / 60) % 60);
        if d > 0 {
            format!("{d}d {h:02}:{m:02}")
        } else {
            format!("{h:02}:{m:02}")
        }
    }
}

/// Ticks from `lo` to `hi`: a step of 1, 2 or 5 × 10^k giving at most `max_n` ticks; whole numbers only
/// (a step of at least 1) when `int`.
pub(super) fn value_ticks(lo: f64, hi: f64, max_n: usize, int: bool) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / (max_n.max(2) - 1) as f64;
    let e = 10f64.powf(raw.log10().floor());
    let mut step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * e)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * e);
    if int {
        step = step.max(1.0).round();
    }
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_ticks() {
        // 3 days in days: steps 1 → 0, 1, 2, 3 (not 0.25 d steps).
        let d3 = TimeAxis::of(3.0 * 86_400.0);
        assert_eq!(d3.ticks(), vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(d3.label(2.0), "2");
        // 30 days: 30 / 1, / 2 > 10 ticks, 30 / 5 = 6 → 0, 5, …, 30.
        assert_eq!(TimeAxis::of(30.0 * 86_400.0).ticks().len(), 7);
        // 2 hours in hours: 7,200 s / 900 s = 8 ticks → every 15 min, labelled as a clock.
        let h2 = TimeAxis::of(7200.0);
        let t = h2.ticks();
        assert_eq!(t.len(), 9);
        assert_eq!(h2.label(t[1]), "00:15");
        // 36 h: 129,600 / 10,800 = 12 > 10, / 21,600 = 6 → every 6 h; 30 h is day 1, 06:00.
        let h36 = TimeAxis::of(36.0 * 3600.0);
        assert_eq!(h36.ticks()[5], 30.0);
        assert_eq!(h36.label(30.0), "1d 06:00");
        // counts: 0..7.4 with at most 7 ticks: raw step 1.23 → 2: 0, 2, 4, 6.
        assert_eq!(value_ticks(0.0, 7.4, 7, true), vec![0.0, 2.0, 4.0, 6.0]);
        // 0..3 would take 0.5 steps; whole numbers only: 0, 1, 2, 3.
        assert_eq!(value_ticks(0.0, 3.0, 7, true), vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(
            value_ticks(0.0, 3.0, 7, false),
            vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
        );
    }
}
