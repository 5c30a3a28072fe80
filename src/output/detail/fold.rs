//! A fleet's service rows folded to `service_interval` and the `fleet` percentile rows across services
//! (see [`super`]'s module doc for what each column becomes). On the CSV writer's thread for `ecsim run`
//! ([`crate::output::CsvSink`] with a fold), so the simulation thread only hands rows over (issue #20:
//! the second core was idle); [`super::DetailSink`] runs the same fold for any other sink.
//!
//! Rows are named by an index (the writer's scope-name index), so the fold hashes no strings and
//! allocates nothing per row. Must not: reorder what it emits (the bytes are those of the fold it
//! replaced).

use super::{FLEET_ROWS, Plan};
use crate::metrics::SeriesRow;

/// The name of an emitted row: a scope name's index, or the `fleet` row `FLEET_ROWS[k]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowName {
    /// A row the simulation gave, or a service's folded row: its scope name's index.
    Ix(u32),
    /// The `fleet` row named `FLEET_ROWS[k]`.
    Fleet(usize),
}

/// One service's rows of the current interval, folded (a fleet's coarse service row).
#[derive(Debug, Clone, Default)]
struct Acc {
    /// The last row, into which the folded figures go.
    last: SeriesRow,
    /// Rows folded.
    n: u64,
    sums: [Option<f64>; SUMS],
    means: [(f64, u32); MEANS],
    maxes: [Option<f64>; MAXES],
    bad: Option<bool>,
}

const SUMS: usize = 4;
const MEANS: usize = 4;
const MAXES: usize = 3;

fn sum_cols(r: &mut SeriesRow) -> [&mut Option<f64>; SUMS] {
    [
        &mut r.served,
        &mut r.errors,
        &mut r.messages_arrived,
        &mut r.messages_consumed,
    ]
}

fn mean_cols(r: &mut SeriesRow) -> [&mut Option<f64>; MEANS] {
    [
        &mut r.cpu_utilization,
        &mut r.memory_utilization,
        &mut r.request_rate,
        &mut r.capacity_rps,
    ]
}

fn max_cols(r: &mut SeriesRow) -> [&mut Option<f64>; MAXES] {
    [
        &mut r.latency_p50_ms,
        &mut r.latency_p90_ms,
        &mut r.latency_p99_ms,
    ]
}

/// Six decimals, as the simulation writes its figures (sums of rounded figures gain float noise).
fn round6(x: f64) -> f64 {
    let r = (x * 1e6).round() / 1e6;
    if r == 0.0 { 0.0 } else { r }
}

impl Acc {
    /// Fold `row` in. It is copied once, into `last` (rows are about 600 bytes, a million of them for
    /// the medium fleet: moving them by value from call to call was a fifth of the writer's thread).
    fn add(&mut self, row: &SeriesRow) {
        // Every field but the name is `Copy`: one block copy (a derived clone copies field by field).
        let name = std::mem::take(&mut self.last.name);
        self.last = SeriesRow { name, ..*row };
        self.last.name.clone_from(&row.name);
        let Acc {
            last,
            n,
            sums,
            means,
            maxes,
            bad,
        } = self;
        for (a, v) in sums.iter_mut().zip(sum_cols(last)) {
            if let Some(v) = *v {
                *a = Some(a.unwrap_or(0.0) + v);
            }
        }
        for (a, v) in means.iter_mut().zip(mean_cols(last)) {
            if let Some(v) = *v {
                *a = (a.0 + v, a.1 + 1);
            }
        }
        for (a, v) in maxes.iter_mut().zip(max_cols(last)) {
            if let Some(v) = *v {
                *a = Some(a.map_or(v, |m: f64| m.max(v)));
            }
        }
        if let Some(b) = last.slo_bad {
            *bad = Some(bad.unwrap_or(false) || b);
        }
        *n += 1;
    }

    /// The interval's row; the accumulator is emptied.
    fn take(&mut self) -> SeriesRow {
        let mut acc = std::mem::take(self);
        let mut row = std::mem::take(&mut acc.last);
        for (c, a) in sum_cols(&mut row).into_iter().zip(acc.sums) {
            *c = a.map(round6);
        }
        for (c, (s, n)) in mean_cols(&mut row).into_iter().zip(acc.means) {
            *c = (n > 0).then(|| round6(s / f64::from(n)));
        }
        for (c, a) in max_cols(&mut row).into_iter().zip(acc.maxes) {
            *c = a;
        }
        row.slo_bad = acc.bad;
        row
    }
}

/// Columns the fleet rows fill: percentiles across services of each (`total` only for the counts).
const FLEET_COLS: usize = 13;
/// Which of [`FLEET_COLS`] are summed in the `total` row.
const TOTALLED: [bool; FLEET_COLS] = [
    true, true, true, false, false, true, true, true, true, false, false, false, true,
];

fn fleet_get(r: &SeriesRow) -> [Option<f64>; FLEET_COLS] {
    [
        r.desired.map(f64::from),
        r.running.map(f64::from),
        r.pending.map(f64::from),
        r.cpu_utilization,
        r.memory_utilization,
        r.request_rate,
        r.served,
        r.errors,
        r.queued,
        r.latency_p50_ms,
        r.latency_p90_ms,
        r.latency_p99_ms,
        r.capacity_rps,
    ]
}

fn fleet_set(r: &mut SeriesRow, v: [Option<f64>; FLEET_COLS]) {
    let count = |x: Option<f64>| x.map(|x| x.round() as u32);
    r.desired = count(v[0]);
    r.running = count(v[1]);
    r.pending = count(v[2]);
    r.cpu_utilization = v[3];
    r.memory_utilization = v[4];
    r.request_rate = v[5];
    r.served = v[6];
    r.errors = v[7];
    r.queued = v[8];
    r.latency_p50_ms = v[9];
    r.latency_p90_ms = v[10];
    r.latency_p99_ms = v[11];
    r.capacity_rps = v[12];
}

/// Nearest-rank quantile (as the summary's percentiles): the value of rank ⌈q·n⌉, by selection (the
/// values are reordered). The rule [`p50_p90_max`] follows, which the fold uses.
#[cfg(test)]
pub fn nearest_rank(values: &mut [f64], q: f64) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    Some(*values.select_nth_unstable_by(rank(q, n), f64::total_cmp).1)
}

/// The 0-based index of rank ⌈q·n⌉ (n > 0).
fn rank(q: f64, n: usize) -> usize {
    ((q * n as f64).ceil() as usize).clamp(1, n) - 1
}

/// [`nearest_rank`]'s p50 and p90 and the maximum of the values whose [`order_key`]s are `keys`
/// (reordered), each selection on what the one before left above its rank (they hold the same values as
/// the ranks above it, and each rank's value is one bit pattern under `total_cmp`): about half the work
/// of three selections over all, on integers.
fn p50_p90_max(keys: &mut [i64]) -> [Option<f64>; 3] {
    let n = keys.len();
    if n == 0 {
        return [None; 3];
    }
    let (k50, k90) = (rank(0.5, n), rank(0.9, n));
    let p50 = *keys.select_nth_unstable(k50).1;
    let p90 = *keys[k50..].select_nth_unstable(k90 - k50).1;
    let max = keys[k90..].iter().copied().max();
    [Some(p50), Some(p90), max].map(|k| k.map(from_order_key))
}

/// `v`'s bits as an integer whose order is `f64::total_cmp`'s (the standard library's own mapping):
/// the fleet's percentiles are selected on integers, which compare faster.
fn order_key(v: f64) -> i64 {
    let b = v.to_bits() as i64;
    b ^ (((b >> 63) as u64) >> 1) as i64
}

/// The value of an [`order_key`] (the mapping is its own inverse: the sign bit stays).
fn from_order_key(k: i64) -> f64 {
    f64::from_bits(order_key(f64::from_bits(k as u64)) as u64)
}

/// The fold of a fleet's rows under a plan.
pub struct Fold {
    plan: Plan,
    /// Per service (in the order their rows first came), its name's index and its interval so far.
    accs: Vec<(u32, Acc)>,
    /// A name index's slot in `accs` (`u32::MAX`: none yet).
    slot_of: Vec<u32>,
    /// The current tick's time, while its service rows are gathered.
    tick: Option<u64>,
    /// The current tick's service figures ([`order_key`]s), by [`FLEET_COLS`] column.
    cols: [Vec<i64>; FLEET_COLS],
}

impl Fold {
    /// An empty fold under `plan` (a fleet's).
    pub fn new(plan: Plan) -> Fold {
        Fold {
            plan,
            accs: Vec::new(),
            slot_of: Vec::new(),
            tick: None,
            cols: std::array::from_fn(|_| Vec::new()),
        }
    }

    /// Take the next row (named by index `ix`); `out` gets each row to write, in order.
    pub fn row(&mut self, ix: u32, row: &SeriesRow, out: &mut impl FnMut(RowName, &SeriesRow)) {
        if row.scope == "service" {
            self.service_row(ix, row, out);
        } else {
            self.fleet_rows(out);
            out(RowName::Ix(ix), row);
        }
    }

    /// Emit what is still pending: the current tick's fleet rows and the last, shorter interval's
    /// service rows.
    pub fn finish(&mut self, out: &mut impl FnMut(RowName, &SeriesRow)) {
        self.fleet_rows(out);
        for (ix, acc) in &mut self.accs {
            if acc.n > 0 {
                let row = acc.take();
                out(RowName::Ix(*ix), &row);
            }
        }
    }

    fn slot(&mut self, ix: u32) -> usize {
        let i = ix as usize;
        if i >= self.slot_of.len() {
            self.slot_of.resize(i + 1, u32::MAX);
        }
        if self.slot_of[i] == u32::MAX {
            self.slot_of[i] = self.accs.len() as u32;
            self.accs.push((ix, Acc::default()));
        }
        self.slot_of[i] as usize
    }

    fn service_row(&mut self, ix: u32, row: &SeriesRow, out: &mut impl FnMut(RowName, &SeriesRow)) {
        if self.tick.is_some_and(|t| t != row.time_ms) {
            self.fleet_rows(out);
        }
        self.tick = Some(row.time_ms);
        for (col, v) in self.cols.iter_mut().zip(fleet_get(row)) {
            if let Some(v) = v {
                col.push(order_key(v));
            }
        }
        let (every, interval_ms) = (
            self.plan.service_rows_every,
            self.plan.service_interval_ms.max(1),
        );
        let s = self.slot(ix);
        let acc = &mut self.accs[s].1;
        let time_ms = row.time_ms;
        if self.plan.sampled {
            // The sample at the interval's end (or the run's), not a fold of samples.
            *acc = Acc::default();
        }
        acc.add(row);
        // An interval ends at a whole multiple of it (the row at 0 s is one of its own).
        if acc.n >= every || time_ms.is_multiple_of(interval_ms) {
            let done = acc.take();
            out(RowName::Ix(ix), &done);
        }
    }

    /// The fleet rows of the tick gathered so far (none when no service row came).
    fn fleet_rows(&mut self, out: &mut impl FnMut(RowName, &SeriesRow)) {
        let Some(t) = self.tick.take() else { return };
        let mut figures = [[None; FLEET_COLS]; 4];
        for (c, col) in self.cols.iter_mut().enumerate() {
            // The total in the services' order, then the ranks by selection (no sort: 13 columns a period).
            figures[3][c] = (TOTALLED[c] && !col.is_empty())
                .then(|| round6(col.iter().map(|&k| from_order_key(k)).sum()));
            [figures[0][c], figures[1][c], figures[2][c]] = p50_p90_max(col);
            col.clear();
        }
        for (k, f) in figures.into_iter().enumerate() {
            let mut row = SeriesRow {
                time_ms: t,
                scope: "fleet",
                ..SeriesRow::default()
            };
            fleet_set(&mut row, f);
            out(RowName::Fleet(k), &row);
        }
        debug_assert_eq!(FLEET_ROWS.len(), 4);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chained selections on order keys give what three selections over all the values give, bit
    /// for bit, on vectors of every length to 130 with repeated values, both zeros and negatives.
    #[test]
    fn p50_p90_max_is_three_nearest_ranks() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for n in 0..=130usize {
            for _ in 0..20 {
                let v: Vec<f64> = (0..n)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        match x % 5 {
                            0 => 0.0,
                            1 => -0.0,
                            2 => (x % 7) as f64,
                            _ => (x % 100_000) as f64 / 1000.0 - 30.0,
                        }
                    })
                    .collect();
                let bits = |f: Option<f64>| f.map(f64::to_bits);
                let max = v.iter().copied().max_by(f64::total_cmp);
                let want = [
                    nearest_rank(&mut v.clone(), 0.5),
                    nearest_rank(&mut v.clone(), 0.9),
                    max,
                ]
                .map(bits);
                let mut keys: Vec<i64> = v.iter().map(|&x| order_key(x)).collect();
                assert!(
                    v.iter()
                        .zip(&keys)
                        .all(|(x, &k)| from_order_key(k).to_bits() == x.to_bits())
                );
                assert_eq!(p50_p90_max(&mut keys).map(bits), want, "{v:?}");
            }
        }
    }
}
