//! Wall-clock time, in one place: the proleptic Gregorian calendar (days since 1970-01-01 and back, days in a
//! month), ISO 8601 timestamps as trace files, schedules, scenario start dates and AWS CLI output write them,
//! and the clock and seconds texts of the output files. Simulation time itself is [`crate::engine::SimTime`]
//! (integer ms); duration texts are parsed where their syntax lives (`"90s"`: `scenario::duration`; AWS
//! `rate(5 minutes)`: `workload::schedule`) and printed for people by [`crate::engine::span_text`].
//! Pure functions: no clock is read, no time zone but UTC.

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Number of days in month `m` of year `y`.
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// (year, month, day) of a day count since 1970-01-01 (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A timestamp kept as whole seconds plus a fraction in `[0, 1)`, so that
/// differences between epoch times keep sub-microsecond precision.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Stamp {
    /// Whole seconds since the Unix epoch (floor).
    pub secs: i64,
    /// The fraction of a second, in `[0, 1)`.
    pub frac: f64,
}

impl Stamp {
    /// Seconds from `earlier` to `self`.
    pub fn since(self, earlier: Stamp) -> f64 {
        (self.secs - earlier.secs) as f64 + (self.frac - earlier.frac)
    }
    /// As plain (lossy) epoch seconds.
    pub fn as_f64(self) -> f64 {
        self.secs as f64 + self.frac
    }
}

/// Reads exactly `n` ASCII digits at `*i`.
fn digits(b: &[u8], i: &mut usize, n: usize) -> Option<i64> {
    let s = b.get(*i..*i + n)?;
    if !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    *i += n;
    Some(s.iter().fold(0, |a, &c| a * 10 + i64::from(c - b'0')))
}

/// Why a text is not an ISO 8601 time; each case carries the text as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IsoTimeError {
    /// Not of the form `YYYY-MM-DD[(T| )HH:MM[:SS[.f…]]][Z|±HH[:MM]]`.
    #[error("expected an ISO 8601 time like 2024-01-01T08:00:00Z, found {0:?}")]
    Syntax(String),
    /// A month outside 1–12 or a day the month does not have.
    #[error("no such date in {0:?}")]
    NoSuchDate(String),
    /// An hour over 23, a minute over 59 or a second over 60.
    #[error("time of day out of range in {0:?}")]
    TimeOfDay(String),
}

/// Parses `YYYY-MM-DD[(T| )HH:MM[:SS[.f…]]][Z|±HH[:MM]]` to epoch seconds.
pub fn parse_iso8601(s: &str) -> Result<Stamp, IsoTimeError> {
    let bad = || IsoTimeError::Syntax(s.to_string());
    let b = s.trim().as_bytes();
    let mut i = 0;
    let y = digits(b, &mut i, 4).ok_or_else(bad)?;
    let sep = |i: &mut usize, c: u8| -> Result<(), IsoTimeError> {
        if b.get(*i) == Some(&c) {
            *i += 1;
            Ok(())
        } else {
            Err(bad())
        }
    };
    sep(&mut i, b'-')?;
    let mo = digits(b, &mut i, 2).ok_or_else(bad)? as u32;
    sep(&mut i, b'-')?;
    let d = digits(b, &mut i, 2).ok_or_else(bad)? as u32;
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return Err(IsoTimeError::NoSuchDate(s.to_string()));
    }
    let (mut h, mut mi, mut sec, mut frac) = (0, 0, 0, 0.0);
    if i < b.len() && matches!(b[i], b'T' | b't' | b' ') {
        i += 1;
        h = digits(b, &mut i, 2).ok_or_else(bad)?;
        sep(&mut i, b':')?;
        mi = digits(b, &mut i, 2).ok_or_else(bad)?;
        if b.get(i) == Some(&b':') {
            i += 1;
            sec = digits(b, &mut i, 2).ok_or_else(bad)?;
            if matches!(b.get(i), Some(b'.') | Some(b',')) {
                i += 1;
                let start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                if i == start {
                    return Err(bad());
                }
                // Parse "0.fff" as a float: exact enough and allows any length.
                let txt = std::str::from_utf8(&b[start..i]).map_err(|_| bad())?;
                frac = format!("0.{txt}").parse::<f64>().map_err(|_| bad())?;
            }
        }
        if h > 23 || mi > 59 || sec > 60 {
            return Err(IsoTimeError::TimeOfDay(s.to_string()));
        }
    }
    let mut offset = 0;
    match b.get(i) {
        None => {}
        Some(b'Z') | Some(b'z') => i += 1,
        Some(&c @ (b'+' | b'-')) => {
            i += 1;
            let oh = digits(b, &mut i, 2).ok_or_else(bad)?;
            if b.get(i) == Some(&b':') {
                i += 1;
            }
            let om = if i < b.len() {
                digits(b, &mut i, 2).ok_or_else(bad)?
            } else {
                0
            };
            offset = (oh * 3600 + om * 60) * if c == b'-' { -1 } else { 1 };
        }
        Some(_) => return Err(bad()),
    }
    if i != b.len() {
        return Err(bad());
    }
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset;
    Ok(Stamp { secs, frac })
}

/// Unix seconds as ISO 8601 in UTC, `2024-03-09T13:27:00Z`.
pub fn iso_utc(epoch_s: i64) -> String {
    let (y, m, d) = civil_from_days(epoch_s.div_euclid(86_400));
    let sec = epoch_s.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        sec / 3600,
        sec / 60 % 60,
        sec % 60
    )
}

/// Unix seconds of midnight UTC of a `YYYY-MM-DD` date (or a full ISO 8601 time), for scenario start dates.
pub fn parse_date_utc(s: &str) -> Option<f64> {
    parse_iso8601(s).ok().map(Stamp::as_f64)
}

/// Milliseconds as seconds with three decimals (exact, no float formatting).
pub fn secs(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// Milliseconds as a clock: `HH:MM:SS`, with a `Nd ` prefix from the second day on.
pub fn clock(ms: u64) -> String {
    let s = ms / 1000;
    let (d, h, m, sec) = (s / 86_400, (s / 3600) % 24, (s / 60) % 60, s % 60);
    if d > 0 {
        format!("{d}d {h:02}:{m:02}:{sec:02}")
    } else {
        format!("{h:02}:{m:02}:{sec:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::schedule::DEFAULT_EPOCH_START_S;

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2024, 1, 1) * 86_400, 1_704_067_200);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
    }

    #[test]
    fn iso_forms() {
        let t = parse_iso8601("1995-07-01T04:00:00Z").unwrap();
        assert_eq!((t.secs, t.frac), (804_571_200, 0.0));
        let t = parse_iso8601("2023-11-16 18:17:03.9799600").unwrap();
        assert_eq!(t.secs, 1_700_158_623);
        assert!((t.frac - 0.97996).abs() < 1e-12);
        assert_eq!(
            parse_iso8601("1995-08-01T02:00:00-04:00").unwrap().secs,
            807_256_800
        );
        assert_eq!(
            parse_iso8601("1995-08-01T08:00+0200").unwrap().secs,
            807_256_800
        );
        assert_eq!(parse_iso8601("2024-01-01").unwrap().secs, 1_704_067_200);
        assert!(parse_iso8601("2023-02-29T00:00:00").is_err());
        assert!(parse_iso8601("2023-01-01T25:00:00").is_err());
        assert!(parse_iso8601("2023-01-01X").is_err());
        assert!(parse_iso8601("abc").is_err());
    }

    #[test]
    fn civil_round_trip() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(
            civil_from_days((DEFAULT_EPOCH_START_S / 86_400.0) as i64),
            (2024, 1, 1)
        );
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for z in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        // 2024-01-01 is a Monday: weekday index 1
        assert_eq!(
            ((DEFAULT_EPOCH_START_S / 86_400.0) as i64 + 4).rem_euclid(7),
            1
        );
    }

    #[test]
    fn time_formats() {
        assert_eq!(secs(0), "0.000");
        assert_eq!(secs(61_234), "61.234");
        assert_eq!(clock(3_723_000), "01:02:03");
        assert_eq!(clock(90_000_000), "1d 01:00:00");
    }
}
