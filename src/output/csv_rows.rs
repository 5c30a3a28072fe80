//! The CSV files' rows as bytes, written straight into a buffer: no string per cell (the medium fleet's
//! `timeseries.csv` is a million rows of 31 cells). Each cell is byte-for-byte what the `csv` crate wrote
//! from the cell texts before (quoted only when it holds `,`, `"`, CR or LF, quotes doubled), numbers as
//! Rust's `Display` writes them (`-0` as `0`), text cells under the CSV text rule ([`super::csv_text`]).
//!
//! Must not: change a byte of any file (`tests`: every float form against `format!("{}")`).

use crate::metrics::{EventRecord, SeriesRow, TaskRecord};
use crate::spec::Spec;

/// A text cell: the CSV text rule, then quoted when the `csv` crate would quote it.
pub fn text(buf: &mut Vec<u8>, s: &str) {
    let s = super::csv_text::text(s);
    let b = s.as_bytes();
    if b.iter().any(|&c| matches!(c, b',' | b'"' | b'\r' | b'\n')) {
        buf.push(b'"');
        for &c in b {
            if c == b'"' {
                buf.push(b'"');
            }
            buf.push(c);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(b);
    }
}

/// An unsigned integer.
pub fn int(buf: &mut Vec<u8>, v: u64) {
    buf.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// A float as `Display` writes it (shortest digits that read back to the same value, never an exponent),
/// with `-0` written `0`. Ryū finds the same shortest digits as the standard library, the one closest to
/// the value, and lays them out differently (`1.0`, `1e16`), which is undone here. The two differ only
/// when two candidates are equally close (Ryū takes the even one): then the value is exactly the
/// midpoint, a decimal of one digit more. With 15 digits or fewer there is only one candidate (15-digit
/// decimals are further apart than a double's rounding interval is wide); a tie at 16 or 17 digits needs
/// a value whose exact decimal has at most 18 significant digits, so m·5^q < 10^18 for v = m·2^-q
/// (m odd): q ≤ 25, i.e. v·2^25 is a whole number. Those few values go through `Display`.
pub fn float(buf: &mut Vec<u8>, v: f64) {
    if v == 0.0 {
        buf.push(b'0');
        return;
    }
    if micro_decimal(buf, v) {
        return;
    }
    if !v.is_finite() {
        buf.extend_from_slice(v.to_string().as_bytes());
        return;
    }
    let mut r = ryu::Buffer::new();
    let s = r.format_finite(v).as_bytes();
    if s.len() >= 16 && significant_digits(s) >= 16 && (v * 33_554_432.0).fract() == 0.0 {
        use std::io::Write;
        let _ = write!(buf, "{v}");
        return;
    }
    match s.iter().position(|&c| c == b'e') {
        None => buf.extend_from_slice(s.strip_suffix(b".0").unwrap_or(s)),
        Some(e) => relayout(buf, &s[..e], &s[e + 1..]),
    }
}

/// Below this magnitude a double's rounding interval is narrower than 10^-6 ([`micro_decimal`]).
const MICRO_MAX: f64 = 1e9;

/// The fast path of [`float`] for the figures the simulation writes (rounded to six decimals, issue
/// #20: Ryū was a fifth of a fleet's full-sink run): when 0 < |v| < 10^9 and v is the double nearest
/// k·10^-6 for a whole k, `Display` writes k·10^-6 (its trailing zeros dropped), which is written here
/// with integer arithmetic; otherwise nothing is written and `false` returned.
///
/// Why that is `Display`'s output: `Display` writes the decimal with the fewest significant digits that
/// reads back as v (the nearest of them to v if several). Every decimal that reads back as v lies in v's
/// rounding interval, at most one ulp wide: below 2^30 (> 10^9) an ulp is at most 2^-23 ≈ 1.2·10^-7.
/// d = k·10^-6 lies in it (the division below is correctly rounded, so `k / 1e6 == v` says exactly
/// that). Say d has n significant digits, its first at 10^L and its last at 10^(L-n+1) ≥ 10^-6. Another
/// decimal c of the interval with at most n digits: (a) if c's first digit is at 10^L too, its last is
/// at 10^-6 or above, so c and d are both multiples of 10^-6 and differ by at least 10^-6, more than
/// the interval's width; (b) c cannot start above 10^L: between d < 10^(L+1) and c ≥ 10^(L+1) there
/// would be at least 10^-6 (10^(L+1) ≥ 10^-5 is itself a multiple of 10^-6 and d is below it); (c) if c
/// starts at 10^(L-1), then c < 10^L ≤ d with 10^L − c < 1.2·10^-7, so c's last digit is at 10^-7 or
/// below and c has at least L + 7 ≥ n digits, equal only when c = 10^L − 10^-7 and d's last digit is
/// at 10^-6, which are 1.1·10^-6 apart. So d is the one shortest decimal that reads back as v.
fn micro_decimal(buf: &mut Vec<u8>, v: f64) -> bool {
    let a = v.abs();
    if a.is_nan() || a >= MICRO_MAX {
        return false;
    }
    // The whole number nearest a·10^6 (a cast, not `round`, which is a libm call on x86-64; a k one
    // off near a half only fails the test below). k < 10^15 < 2^53 is exact as a double, and the
    // division is correctly rounded, so the test says exactly that v is the double nearest k·10^-6.
    let k = (a * 1e6 + 0.5) as u64;
    if k == 0 || k as f64 / 1e6 != a {
        return false;
    }
    if v < 0.0 {
        buf.push(b'-');
    }
    let (int_part, mut frac) = (k / 1_000_000, k % 1_000_000);
    int(buf, int_part);
    if frac != 0 {
        let mut digits = 6;
        while frac % 10 == 0 {
            frac /= 10;
            digits -= 1;
        }
        buf.push(b'.');
        let mut d = [b'0'; 6];
        for slot in d[..digits].iter_mut().rev() {
            *slot = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        buf.extend_from_slice(&d[..digits]);
    }
    true
}

/// Digits of Ryū's output before any exponent, leading zeros left out.
fn significant_digits(s: &[u8]) -> usize {
    let end = s.iter().position(|&c| c == b'e').unwrap_or(s.len());
    s[..end]
        .iter()
        .filter(|c| c.is_ascii_digit())
        .skip_while(|&&c| c == b'0')
        .count()
}

/// `d.ddd` × 10^`exp` (Ryū's scientific form) without the exponent.
fn relayout(buf: &mut Vec<u8>, mantissa: &[u8], exp: &[u8]) {
    let (neg, m) = match mantissa.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, mantissa),
    };
    let (neg_e, e) = match exp.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, exp),
    };
    let e = e.iter().fold(0i64, |a, &c| a * 10 + i64::from(c - b'0'));
    let e = if neg_e { -e } else { e };
    let digits: Vec<u8> = m.iter().copied().filter(|&c| c != b'.').collect();
    // The decimal point sits after the first digit of the mantissa.
    let point = 1 + e;
    if neg {
        buf.push(b'-');
    }
    let n = digits.len() as i64;
    if point <= 0 {
        buf.extend_from_slice(b"0.");
        buf.extend(std::iter::repeat_n(b'0', (-point) as usize));
        buf.extend_from_slice(&digits);
    } else if point >= n {
        buf.extend_from_slice(&digits);
        buf.extend(std::iter::repeat_n(b'0', (point - n) as usize));
    } else {
        buf.extend_from_slice(&digits[..point as usize]);
        buf.push(b'.');
        buf.extend_from_slice(&digits[point as usize..]);
    }
}

/// `time_s`: seconds with three decimals ([`crate::time::secs`]).
pub fn secs(buf: &mut Vec<u8>, ms: u64) {
    int(buf, ms / 1000);
    let r = ms % 1000;
    buf.extend_from_slice(&[
        b'.',
        b'0' + (r / 100) as u8,
        b'0' + (r / 10 % 10) as u8,
        b'0' + (r % 10) as u8,
    ]);
}

/// `clock`: `HH:MM:SS`, with `Nd ` from the second day on ([`crate::time::clock`]).
pub fn clock(buf: &mut Vec<u8>, ms: u64) {
    let s = ms / 1000;
    let (d, h, m, sec) = (s / 86_400, (s / 3600) % 24, (s / 60) % 60, s % 60);
    if d > 0 {
        int(buf, d);
        buf.extend_from_slice(b"d ");
    }
    for (k, v) in [h, m, sec].into_iter().enumerate() {
        if k > 0 {
            buf.push(b':');
        }
        buf.extend_from_slice(&[b'0' + (v / 10) as u8, b'0' + (v % 10) as u8]);
    }
}

fn opt_int(buf: &mut Vec<u8>, v: Option<u64>) {
    if let Some(v) = v {
        int(buf, v);
    }
}

fn opt_float(buf: &mut Vec<u8>, v: Option<f64>) {
    if let Some(v) = v {
        float(buf, v);
    }
}

fn opt_secs(buf: &mut Vec<u8>, v: Option<u64>) {
    if let Some(v) = v {
        secs(buf, v);
    }
}

/// One `timeseries.csv` row named `name` (with the CPU-credit and queue columns when the run has them).
pub fn series(buf: &mut Vec<u8>, r: &SeriesRow, name: &str, burst: bool, queue: bool) {
    let mut cell = Vec::new();
    text(&mut cell, name);
    series_cell(buf, r, &cell, burst, queue);
}

/// [`series`] with the name's cell as [`text`] writes it (the writer keeps each name's).
pub fn series_cell(buf: &mut Vec<u8>, r: &SeriesRow, name_cell: &[u8], burst: bool, queue: bool) {
    secs(buf, r.time_ms);
    buf.push(b',');
    clock(buf, r.time_ms);
    buf.push(b',');
    text(buf, r.scope);
    buf.push(b',');
    buf.extend_from_slice(name_cell);
    figure_cells(r, burst, queue, |c| {
        buf.push(b',');
        match c {
            Figure::Int(v) => opt_int(buf, v),
            Figure::Float(v) => opt_float(buf, v),
        }
    });
    buf.push(b'\n');
}

/// A figure cell of a `timeseries.csv` row: a whole number or a float, empty when `None`.
#[derive(Clone, Copy)]
enum Figure {
    Int(Option<u64>),
    Float(Option<f64>),
}

/// The figure cells of a `timeseries.csv` row, after its time, clock, scope and name, in column order:
/// the one list that both the writer ([`series_cell`]) and the tee's reader ([`series_numbers`]) follow.
#[inline(always)]
fn figure_cells(r: &SeriesRow, burst: bool, queue: bool, mut each: impl FnMut(Figure)) {
    use Figure::{Float, Int};
    for v in [r.desired, r.running, r.pending] {
        each(Int(v.map(u64::from)));
    }
    for v in [
        r.cpu_utilization,
        r.memory_utilization,
        r.request_rate,
        r.served,
        r.errors,
        r.queued,
        r.latency_p50_ms,
        r.latency_p90_ms,
        r.latency_p99_ms,
    ] {
        each(Float(v));
    }
    each(Int(r.instances.map(u64::from)));
    for v in [
        r.cpu_registered,
        r.cpu_reserved,
        r.memory_registered,
        r.memory_reserved,
    ] {
        each(Int(v));
    }
    for v in [
        r.cpu_reservation,
        r.memory_reservation,
        r.capacity_provider_reservation,
        r.cost_usd,
        r.capacity_rps,
        r.slo_p99_ms,
        r.cost_ec2_usd,
        r.cost_fargate_usd,
        r.cost_fargate_spot_usd,
    ] {
        each(Float(v));
    }
    each(Int(r.slo_bad.map(u64::from)));
    if burst {
        for v in [
            r.cpu_credit_usage,
            r.cpu_credit_balance,
            r.cpu_surplus_credit_balance,
            r.cost_burst_surplus_usd,
        ] {
            each(Float(v));
        }
    }
    if queue {
        for v in [
            r.messages_arrived,
            r.messages_consumed,
            r.messages_visible,
            r.messages_in_flight,
            r.oldest_message_age_s,
        ] {
            each(Float(v));
        }
    }
}

/// What each cell of [`series`]'s row reads back as ([`crate::output::charts`]' number rule: empty
/// cells and text read as NaN), in column order, without writing the row: for a reader handed the rows
/// as they are written (the report's tee). The text columns (clock, scope, name) get NaN here; their
/// reader parses their text. Each figure is the double its text reads back as: integers below 2^53 and
/// `Display`'s shortest digits read back exactly, `-0` is written `0`, `NaN` reads back as the canonical
/// NaN, and `time_s`'s three decimals read back as the double nearest ms / 1000, which is what the
/// (correctly rounded) division gives.
pub fn series_numbers(out: &mut Vec<f64>, r: &SeriesRow, burst: bool, queue: bool) {
    out.clear();
    out.extend([r.time_ms as f64 / 1000.0, f64::NAN, f64::NAN, f64::NAN]);
    figure_cells(r, burst, queue, |c| {
        out.push(match c {
            Figure::Int(v) => v.map_or(f64::NAN, |v| v as f64),
            Figure::Float(None) => f64::NAN,
            Figure::Float(Some(v)) if v.is_nan() => f64::NAN,
            // `-0` is written `0`.
            Figure::Float(Some(v)) => v + 0.0,
        })
    });
}

/// One `tasks.csv` row.
pub fn task(buf: &mut Vec<u8>, r: &TaskRecord) {
    int(buf, r.task_id);
    for s in [&r.group, &r.service, &r.task_definition] {
        buf.push(b',');
        text(buf, s);
    }
    // A fixed word (EC2, FARGATE), written as it is, as before.
    buf.push(b',');
    buf.extend_from_slice(r.launch_type.as_bytes());
    for s in [&r.capacity_provider, &r.instance, &r.availability_zone] {
        buf.push(b',');
        text(buf, s);
    }
    buf.push(b',');
    int(buf, u64::from(r.cpu));
    buf.push(b',');
    int(buf, u64::from(r.memory_mib));
    buf.push(b',');
    secs(buf, r.created_ms);
    for v in [
        r.pull_started_ms,
        r.pull_stopped_ms,
        r.started_ms,
        r.stopping_ms,
        r.stopped_ms,
    ] {
        buf.push(b',');
        opt_secs(buf, v);
    }
    for s in [r.last_status, r.stop_code, &r.stopped_reason] {
        buf.push(b',');
        text(buf, s);
    }
    buf.push(b'\n');
}

/// One `events.csv` row: time, clock, kind, service and the sentence, then the record's columns (code,
/// task, instance, capacity_provider, from, to, target, metric). `scratch` holds the sentence.
pub fn event(buf: &mut Vec<u8>, e: &EventRecord, spec: &Spec, scratch: &mut String) {
    secs(buf, e.time_ms);
    buf.push(b',');
    clock(buf, e.time_ms);
    buf.push(b',');
    text(buf, e.kind());
    buf.push(b',');
    text(buf, e.service_name(spec));
    buf.push(b',');
    scratch.clear();
    e.render(spec, scratch);
    text(buf, scratch);
    buf.push(b',');
    text(buf, e.code());
    buf.push(b',');
    opt_int(buf, e.task());
    buf.push(b',');
    if let Some(i) = e.instance() {
        scratch.clear();
        use std::fmt::Write;
        let _ = write!(scratch, "{}", crate::metrics::events::Ec2Id(i));
        text(buf, scratch);
    }
    buf.push(b',');
    if let Some(p) = e.provider() {
        text(buf, &spec.provider(p).name);
    }
    let (from, to) = e.from_to().unzip();
    for v in [from, to] {
        buf.push(b',');
        opt_int(buf, v.map(u64::from));
    }
    let (target, metric) = e.target();
    buf.push(b',');
    opt_float(buf, target);
    buf.push(b',');
    text(buf, metric);
    buf.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: f64) -> String {
        let mut b = Vec::new();
        float(&mut b, v);
        String::from_utf8(b).unwrap()
    }

    fn display(v: f64) -> String {
        let s = v.to_string();
        if s == "-0" { "0".into() } else { s }
    }

    #[test]
    fn floats_are_written_as_display_writes_them() {
        let fixed = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            0.5,
            123.0,
            1e15,
            1e16,
            1e17,
            1.5e16,
            1e21,
            1e22,
            1e300,
            1e-4,
            1e-5,
            1e-6,
            1.234e-7,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            64.12,
            60.0,
            0.3,
            2.0 / 3.0,
            100.0 * 7.0 / 3.0,
            9007199254740993.0,
            123456789012345680.0,
        ];
        for v in fixed {
            assert_eq!(f(v), display(v), "{v:e}");
            assert_eq!(f(-v), display(-v), "{:e}", -v);
        }
        // Random bit patterns (every exponent) and values rounded as the simulation rounds them.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for k in 0..400_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = f64::from_bits(x);
            if v.is_finite() {
                assert_eq!(f(v), display(v), "{v:e}");
            }
            let r = (x % 100_000_000) as f64 / 10f64.powi((k % 12) as i32);
            assert_eq!(f(r), display(r), "{r:e}");
            // Quarters, eighths… of large numbers: the values where two 16- or 17-digit candidates
            // can be equally close.
            let t = (x >> 8) as f64 / f64::from(1u32 << (k % 6)) * 10f64.powi((k % 5) as i32 - 2);
            assert_eq!(f(t), display(t), "{t:e}");
        }
    }

    /// The six-decimal fast path ([`micro_decimal`]): whole multiples of 10^-6 of every size up to its
    /// limit and past it, with and without the path taken, against `Display`.
    #[test]
    fn six_decimal_figures_are_written_as_display_writes_them() {
        let fixed = [
            1e-6,
            5e-7,
            1.5e-6,
            4.99999e-7,
            0.000_001_5,
            0.1 + 0.2,
            999_999_999.999_999,
            999_999_999.999_998,
            1e9,
            1e9 - 1e-6,
            1e9 + 1e-6,
            1_073_741_824.0,
            1_073_741_823.999_999,
            536_870_912.000_001,
            123_456_789.123_456,
            0.999_999_5,
            9.999_999,
            10.0,
            100.000_001,
        ];
        let mut took = 0u64;
        for v in fixed {
            for v in [v, -v] {
                assert_eq!(f(v), display(v), "{v:e}");
                took += u64::from(micro_decimal(&mut Vec::new(), v));
            }
        }
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for n in 0..600_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // k·10^-6 with k of 1 to 16 digits (past 10^15 the path must decline), as the simulation's
            // round6 computes it, and one ulp either side (which the path must decline or write right).
            let k = x % 10u64.pow(1 + (n % 16) as u32);
            let v = k as f64 / 1e6;
            let y = f64::from_bits(x >> 2) % 1e10;
            let r = (y * 1e6).round() / 1e6;
            let (up, down) = (
                f64::from_bits(v.to_bits() + 1),
                f64::from_bits(v.to_bits().max(1) - 1),
            );
            for w in [v, -v, r, up, down] {
                assert_eq!(f(w), display(w), "{w:e}");
                took += u64::from(micro_decimal(&mut Vec::new(), w));
            }
        }
        // Most rounded figures take the path (those of 16 digits and the ulp neighbours do not).
        assert!(took > 1_000_000, "fast path taken {took} times");
    }

    #[test]
    fn cells_are_quoted_as_the_csv_crate_quotes_them() {
        let mut b = Vec::new();
        for s in ["plain", "a, b", "say \"hi\"", "=cmd", "line\nbreak", ""] {
            text(&mut b, s);
            b.push(b'|');
        }
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "plain|\"a, b\"|\"say \"\"hi\"\"\"|'=cmd|\"line\nbreak\"||"
        );
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        w.write_record(["a, b", "say \"hi\"", "x\ry", "'=cmd"])
            .unwrap();
        let mut b = Vec::new();
        for s in ["a, b", "say \"hi\"", "x\ry", "=cmd"] {
            if !b.is_empty() {
                b.push(b',');
            }
            text(&mut b, s);
        }
        b.push(b'\n');
        assert_eq!(b, w.into_inner().unwrap());
    }

    #[test]
    fn times_are_written_as_time_writes_them() {
        for ms in [
            0,
            1,
            999,
            1000,
            59_999,
            86_399_999,
            86_400_000,
            8_640_000_123,
            604_800_000,
        ] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            secs(&mut a, ms);
            clock(&mut b, ms);
            assert_eq!(String::from_utf8(a).unwrap(), crate::time::secs(ms));
            assert_eq!(String::from_utf8(b).unwrap(), crate::time::clock(ms));
        }
    }
}
