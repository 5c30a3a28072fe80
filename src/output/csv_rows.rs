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
    secs(buf, r.time_ms);
    buf.push(b',');
    clock(buf, r.time_ms);
    buf.push(b',');
    text(buf, r.scope);
    buf.push(b',');
    text(buf, name);
    let ints = [r.desired, r.running, r.pending].map(|v| v.map(u64::from));
    for v in ints {
        buf.push(b',');
        opt_int(buf, v);
    }
    let floats = [
        r.cpu_utilization,
        r.memory_utilization,
        r.request_rate,
        r.served,
        r.errors,
        r.queued,
        r.latency_p50_ms,
        r.latency_p90_ms,
        r.latency_p99_ms,
    ];
    for v in floats {
        buf.push(b',');
        opt_float(buf, v);
    }
    buf.push(b',');
    opt_int(buf, r.instances.map(u64::from));
    for v in [
        r.cpu_registered,
        r.cpu_reserved,
        r.memory_registered,
        r.memory_reserved,
    ] {
        buf.push(b',');
        opt_int(buf, v);
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
        buf.push(b',');
        opt_float(buf, v);
    }
    buf.push(b',');
    opt_int(buf, r.slo_bad.map(u64::from));
    if burst {
        for v in [
            r.cpu_credit_usage,
            r.cpu_credit_balance,
            r.cpu_surplus_credit_balance,
            r.cost_burst_surplus_usd,
        ] {
            buf.push(b',');
            opt_float(buf, v);
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
            buf.push(b',');
            opt_float(buf, v);
        }
    }
    buf.push(b'\n');
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
