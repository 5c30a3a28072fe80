//! A fleet's scaling decisions as counts a person can use (issue #20): 2,000 target-tracking services
//! over 30 days made 3.2 million decisions, 986 MB of `events.csv` sentences no one reads. Under the
//! fleet outputs ([`super::detail`]) each Application Auto Scaling decision ([`What::Scaling`]) is
//! folded into one `scaling.csv` row per service and service-row interval in which it scaled: how many
//! scale-outs and scale-ins, the desired count before the first and after the last, and its lowest and
//! highest desired count in the interval. Each service's first scale-out and first scale-in per metric
//! stay in `events.csv` as sentences ([`ScalingRows::example`]): one example of the policy's reasoning,
//! and the target the charts draw.
//!
//! Must not: reorder rows (an interval's rows are written when the first decision of a later interval
//! arrives, by service id; decisions come in time order); write anything under `full` or for small runs.

use std::collections::HashSet;
use std::io::{self, Write};

use super::csv_rows;
use crate::metrics::{EventRecord, What};
use crate::spec::Spec;

/// Header of `scaling.csv`.
pub const SCALING_HEADER: &str =
    "time_s,clock,service,scale_outs,scale_ins,from,to,desired_min,desired_max";

/// One service's decisions in the current interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Folded {
    outs: u32,
    ins: u32,
    from: u32,
    to: u32,
    min: u32,
    max: u32,
}

/// Folds decisions into `scaling.csv` rows and writes them to `out` as intervals close.
pub struct ScalingRows<W: Write> {
    out: W,
    interval_ms: u64,
    /// The end of the interval being folded (its rows' `time_s`).
    end_ms: Option<u64>,
    /// By service id: the current interval's decisions.
    per: Vec<Option<Folded>>,
    /// Service ids with decisions in the current interval.
    touched: Vec<u32>,
    /// (service, metric, scale-out) already shown as a sentence.
    shown: HashSet<(u32, &'static str, bool)>,
    /// Service names as CSV cells, by id (taken from the spec at the first decision).
    names: Vec<Vec<u8>>,
    buf: Vec<u8>,
    err: Option<io::Error>,
}

impl<W: Write> ScalingRows<W> {
    /// Rows every `interval_ms` (the fleet's service row interval) into `out`, header first.
    pub fn new(mut out: W, interval_ms: u64) -> Self {
        let err = out
            .write_all(format!("{SCALING_HEADER}\n").as_bytes())
            .err();
        ScalingRows {
            out,
            interval_ms: interval_ms.max(1),
            end_ms: None,
            per: Vec::new(),
            touched: Vec::new(),
            shown: HashSet::new(),
            names: Vec::new(),
            buf: Vec::with_capacity(1 << 16),
            err,
        }
    }

    /// Fold `rec` when it is a scaling decision of a service (`true`); anything else is not ours.
    pub fn fold(&mut self, rec: &EventRecord, spec: &Spec) -> bool {
        let (What::Scaling { out, from, to, .. }, Some(svc)) = (&rec.what, rec.service) else {
            return false;
        };
        // The interval ending at or after the decision, the run's end for the last (shorter) one; a row
        // at 0 s is its own, as the service rows.
        let end = rec
            .time_ms
            .div_ceil(self.interval_ms)
            .saturating_mul(self.interval_ms)
            .min(spec.duration_ms.max(rec.time_ms));
        if self.end_ms.is_some_and(|e| end > e) {
            self.flush();
        }
        self.end_ms = Some(self.end_ms.map_or(end, |e| e.max(end)));
        if self.names.is_empty() {
            self.names = (spec.services.iter())
                .map(|s| {
                    let mut b = Vec::new();
                    csv_rows::text(&mut b, &s.name);
                    b
                })
                .collect();
            self.per = vec![None; self.names.len()];
        }
        let i = svc.0 as usize;
        if self.per.len() <= i {
            self.per.resize(i + 1, None);
        }
        let f = self.per[i].get_or_insert_with(|| {
            self.touched.push(svc.0);
            Folded {
                outs: 0,
                ins: 0,
                from: *from,
                to: *from,
                min: *from,
                max: *from,
            }
        });
        if *out {
            f.outs += 1;
        } else {
            f.ins += 1;
        }
        f.to = *to;
        f.min = f.min.min(*to);
        f.max = f.max.max(*to);
        true
    }

    /// Is `rec` a decision `events.csv` keeps as a sentence: its service's first in its direction for
    /// its metric?
    pub fn example(&mut self, rec: &EventRecord) -> bool {
        match (&rec.what, rec.service) {
            (What::Scaling { out, metric, .. }, Some(s)) => self.shown.insert((s.0, metric, *out)),
            _ => false,
        }
    }

    /// Write the current interval's rows, by service id.
    fn flush(&mut self) {
        let Some(end) = self.end_ms else { return };
        self.touched.sort_unstable();
        self.buf.clear();
        for &s in &self.touched {
            let Some(f) = self.per[s as usize].take() else {
                continue;
            };
            let b = &mut self.buf;
            csv_rows::secs(b, end);
            b.push(b',');
            csv_rows::clock(b, end);
            b.push(b',');
            b.extend_from_slice(self.names.get(s as usize).map_or(&[][..], |n| n));
            for v in [f.outs, f.ins, f.from, f.to, f.min, f.max] {
                b.push(b',');
                csv_rows::int(b, u64::from(v));
            }
            b.push(b'\n');
        }
        self.touched.clear();
        self.end_ms = None;
        if self.err.is_none()
            && let Err(e) = self.out.write_all(&self.buf)
        {
            self.err = Some(e);
        }
    }

    /// Write what is still folded; the first write error, if any.
    pub fn finish(mut self) -> io::Result<W> {
        self.flush();
        if let Some(e) = self.err.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
#[path = "scaling/tests.rs"]
mod tests;
