//! Schedules for scheduled tasks: AWS `rate(...)`, `cron(...)` and `at(...)`
//! expressions, plain 5-field cron, and a fixed period with an offset.
//!
//! Simulation time 0 is `epoch_start_s` in Unix seconds (UTC); by default
//! Monday 2024-01-01 00:00 UTC ([`DEFAULT_EPOCH_START_S`]). Schedules fire
//! only at simulation times >= 0. Calendar arithmetic is UTC unless a
//! schedule has a time zone ([`Zone`]): then `cron()` and `at()` are read in
//! its local time, daylight saving included (§4.4).

use crate::time::{civil_from_days, days_from_civil, days_in_month, parse_iso8601};

/// Unix time of Monday 2024-01-01 00:00:00 UTC, the default simulation start.
pub const DEFAULT_EPOCH_START_S: f64 = 1_704_067_200.0;

const FIRST_YEAR: i64 = 1970;
const LAST_YEAR: i64 = 2199;

/// A schedule's IANA time zone (AAS `Timezone`, EventBridge Scheduler
/// `ScheduleExpressionTimezone`), from the time-zone database built into
/// ecsim (jiff's bundled copy, so a run does not depend on the machine's).
pub type Zone = jiff::tz::TimeZone;

/// The time zone named `name` (`America/New_York`, `Europe/Paris`, `UTC`, …).
pub fn zone(name: &str) -> Result<Zone, String> {
    jiff::tz::db().get(name).map_err(|_| {
        format!(
            "\"{name}\" is not an IANA time zone name: write e.g. \"America/New_York\", \"Europe/Paris\" or \"UTC\""
        )
    })
}

/// When a scheduled task fires.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// At `offset_s + k * period_s` for k = 0, 1, 2, … (`every(15 minutes, 5 minutes)`).
    Every {
        /// Period in seconds.
        period_s: f64,
        /// Time of the first firing.
        offset_s: f64,
    },
    /// A cron expression (AWS 6-field or classic 5-field), minute resolution.
    Cron(CronExpr),
    /// AWS `rate(value unit)`: at 0, period, 2·period, … (EventBridge
    /// Scheduler starts a rate schedule immediately when it has no start date).
    Rate {
        /// Period in seconds.
        period_s: f64,
    },
    /// AWS `at(yyyy-mm-ddThh:mm:ss)`: once, at this Unix time (UTC).
    At {
        /// Unix seconds.
        epoch_s: f64,
    },
}

/// Why a schedule expression does not parse; the text says what is allowed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    /// One cron field is wrong.
    #[error("{field} field `{text}`: {problem}")]
    CronField {
        /// The field's name (`minutes`, `day-of-week`, …).
        field: &'static str,
        /// The field as written.
        text: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A cron line with neither 5 nor 6 fields.
    #[error("cron: expected 5 or 6 fields, found {found} in `{text}`")]
    CronFieldCount {
        /// How many fields it has.
        found: usize,
        /// The line as written.
        text: String,
    },
    /// AWS cron: both or neither of day-of-month and day-of-week are `?`.
    #[error(
        "cron: exactly one of the day-of-month (`{day_of_month}`) and day-of-week (`{day_of_week}`) fields must be `?`"
    )]
    CronQuestionMark {
        /// The day-of-month field as written.
        day_of_month: String,
        /// The day-of-week field as written.
        day_of_week: String,
    },
    /// `cron(...)` without AWS's 6 fields (the text inside the parentheses).
    #[error("cron(...): AWS expressions have 6 fields, found `{0}`")]
    AwsCronFields(String),
    /// A `value unit` duration of `rate(...)` or `every(...)` is wrong.
    #[error("{what}: {problem}")]
    Duration {
        /// Which duration (`rate`, `every`, `every offset`).
        what: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// A duration of zero where a period is needed.
    #[error("{what} must be positive, found `{text}`")]
    NotPositive {
        /// The sentence's subject (`rate: the value`, `every: the period`).
        what: &'static str,
        /// The duration as written.
        text: String,
    },
    /// `at(...)` with a time that is not ISO 8601.
    #[error("at: {0}")]
    At(#[source] crate::time::IsoTimeError),
    /// None of the forms (the expression as written).
    #[error("unknown schedule `{0}`: expected rate(...), cron(...), at(...) or every(...)")]
    Unknown(String),
}

/// A parsed cron expression: the allowed values of each field.
#[derive(Debug, Clone, PartialEq)]
pub struct CronExpr {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    days: Vec<bool>,
    last_day: bool,
    months: Vec<bool>,
    weekdays: Vec<bool>, // 0 = Sunday
    years: Vec<bool>,    // FIRST_YEAR..=LAST_YEAR
    days_restricted: bool,
    weekdays_restricted: bool,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// One field's syntax: name, numeric range, symbolic names (value of the
/// first name), and where value `v` goes in the set.
struct Field {
    name: &'static str,
    lo: i64,
    hi: i64,
    names: &'static [&'static str],
    first_name: i64,
    index: fn(i64) -> usize,
    size: usize,
}

/// Parses one field; returns the set, whether it was restricted (not `*`/`?`),
/// whether it was `?`, and whether it contained `L`.
fn parse_field(
    text: &str,
    f: &Field,
    allow_q: bool,
    allow_l: bool,
) -> Result<(Vec<bool>, bool, bool, bool), ScheduleError> {
    let err = |problem: String| ScheduleError::CronField {
        field: f.name,
        text: text.to_string(),
        problem,
    };
    let mut set = vec![false; f.size];
    if text == "?" {
        return if allow_q {
            Ok((vec![true; f.size], false, true, false))
        } else {
            Err(err(
                "`?` is only allowed in day-of-month or day-of-week".into()
            ))
        };
    }
    let mut last = false;
    let value = |s: &str| -> Result<i64, ScheduleError> {
        if let Some(i) = f.names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            return Ok(f.first_name + i as i64);
        }
        let v: i64 = s.parse().map_err(|_| {
            if s.contains(['L', 'W', '#']) {
                err(format!(
                    "`{s}`: only `L` alone in day-of-month is supported (not `W`, `#` or `nL`)"
                ))
            } else {
                err(format!("unknown value `{s}`"))
            }
        })?;
        if v < f.lo || v > f.hi {
            return Err(err(format!("{v} is out of range {}-{}", f.lo, f.hi)));
        }
        Ok(v)
    };
    for item in text.split(',') {
        if item == "L" && allow_l {
            last = true;
            continue;
        }
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<i64>()
                    .ok()
                    .filter(|&s| s > 0)
                    .ok_or_else(|| err(format!("bad step `{s}`")))?,
            ),
            None => (item, 1),
        };
        let (a, b) = if range == "*" {
            (f.lo, f.hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a)?, value(b)?)
        } else {
            let a = value(range)?;
            (a, if step > 1 { f.hi } else { a })
        };
        if a > b {
            return Err(err(format!("range `{range}` starts after it ends")));
        }
        for v in (a..=b).step_by(step as usize) {
            set[(f.index)(v)] = true;
        }
    }
    Ok((set, !text.starts_with('*'), false, last))
}

impl CronExpr {
    /// Parses 5 fields (classic cron: day-of-week 0-7, 0 and 7 = Sunday; a
    /// restricted day-of-month and day-of-week match when either matches) or
    /// 6 fields (AWS: day-of-week 1-7 = SUN-SAT, then a year 1970-2199;
    /// exactly one of day-of-month and day-of-week must be `?`).
    pub fn parse(s: &str) -> Result<Self, ScheduleError> {
        let parts: Vec<&str> = s.split_whitespace().collect();
        let aws = match parts.len() {
            5 => false,
            6 => true,
            found => {
                return Err(ScheduleError::CronFieldCount {
                    found,
                    text: s.to_string(),
                });
            }
        };
        let fld = |name, lo, hi, index: fn(i64) -> usize, size| Field {
            name,
            lo,
            hi,
            names: &[],
            first_name: 0,
            index,
            size,
        };
        let minutes = parse_field(
            parts[0],
            &fld("minutes", 0, 59, |v| v as usize, 60),
            false,
            false,
        )?
        .0;
        let hours = parse_field(
            parts[1],
            &fld("hours", 0, 23, |v| v as usize, 24),
            false,
            false,
        )?
        .0;
        let (days, days_restricted, dq, last_day) = parse_field(
            parts[2],
            &fld("day-of-month", 1, 31, |v| v as usize - 1, 31),
            true,
            true,
        )?;
        let month = Field {
            names: &MONTHS,
            first_name: 1,
            ..fld("month", 1, 12, |v| v as usize - 1, 12)
        };
        let months = parse_field(parts[3], &month, false, false)?.0;
        let weekday = if aws {
            Field {
                names: &WEEKDAYS,
                first_name: 1,
                ..fld("day-of-week", 1, 7, |v| v as usize - 1, 7)
            }
        } else {
            Field {
                names: &WEEKDAYS,
                first_name: 0,
                ..fld("day-of-week", 0, 7, |v| v as usize % 7, 7)
            }
        };
        let (weekdays, weekdays_restricted, wq, _) = parse_field(parts[4], &weekday, true, false)?;
        let span = (LAST_YEAR - FIRST_YEAR + 1) as usize;
        let years = if aws {
            let year = fld(
                "year",
                FIRST_YEAR,
                LAST_YEAR,
                |v| (v - FIRST_YEAR) as usize,
                span,
            );
            parse_field(parts[5], &year, false, false)?.0
        } else {
            vec![true; span]
        };
        if aws && dq == wq {
            return Err(ScheduleError::CronQuestionMark {
                day_of_month: parts[2].to_string(),
                day_of_week: parts[4].to_string(),
            });
        }
        Ok(CronExpr {
            minutes,
            hours,
            days,
            last_day,
            months,
            weekdays,
            years,
            days_restricted,
            weekdays_restricted,
        })
    }

    fn day_matches(&self, y: i64, m: u32, d: u32, days: i64) -> bool {
        let dom = self.days[d as usize - 1] || (self.last_day && d == days_in_month(y, m));
        let dow = self.weekdays[(days + 4).rem_euclid(7) as usize];
        match (self.days_restricted, self.weekdays_restricted) {
            (true, true) => dom || dow,
            (true, false) => dom,
            (false, true) => dow,
            (false, false) => true,
        }
    }

    /// The first matching minute (minutes since the Unix epoch) at or after `m`.
    fn first_minute_from(&self, mut m: i64) -> Option<i64> {
        for _ in 0..1_000_000 {
            let days = m.div_euclid(1440);
            let in_day = m.rem_euclid(1440);
            let (y, mo, d) = civil_from_days(days);
            if y > LAST_YEAR {
                return None;
            }
            if y < FIRST_YEAR {
                m = 0;
            } else if !self.years[(y - FIRST_YEAR) as usize] {
                m = days_from_civil(y + 1, 1, 1) * 1440;
            } else if !self.months[mo as usize - 1] {
                let (ny, nm) = if mo == 12 { (y + 1, 1) } else { (y, mo + 1) };
                m = days_from_civil(ny, nm, 1) * 1440;
            } else if !self.day_matches(y, mo, d, days) {
                m = (days + 1) * 1440;
            } else if !self.hours[(in_day / 60) as usize] {
                m = days * 1440 + (in_day / 60 + 1) * 60;
            } else if !self.minutes[(in_day % 60) as usize] {
                m += 1;
            } else {
                return Some(m);
            }
        }
        None
    }
}

/// The UTC offset of `zone` at Unix minute `m`, in minutes.
fn offset_min(zone: &Zone, m: i64) -> i64 {
    let ts = jiff::Timestamp::from_second(m.saturating_mul(60)).unwrap_or(jiff::Timestamp::MAX);
    i64::from(zone.to_offset(ts).seconds()).div_euclid(60)
}

/// The civil date-time of `naive_s`, seconds since 1970-01-01T00:00 on a clock (not an instant).
fn civil(naive_s: i64) -> Option<jiff::civil::DateTime> {
    let (y, mo, d) = civil_from_days(naive_s.div_euclid(86_400));
    let sec = naive_s.rem_euclid(86_400);
    let date = jiff::civil::Date::new(i16::try_from(y).ok()?, mo as i8, d as i8).ok()?;
    Some(date.at(
        (sec / 3600) as i8,
        (sec / 60 % 60) as i8,
        (sec % 60) as i8,
        0,
    ))
}

/// The Unix second at which `zone`'s clocks read `naive_s`: `None` in the hour skipped in spring;
/// the first of the two in the hour repeated in autumn.
fn utc_of_local(zone: &Zone, naive_s: i64) -> Option<i64> {
    use jiff::tz::AmbiguousOffset;
    let off = match zone.to_ambiguous_timestamp(civil(naive_s)?).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset,
        AmbiguousOffset::Gap { .. } => return None,
        // Before the change the offset is the larger (summer time): the earlier instant.
        AmbiguousOffset::Fold { before, .. } => before,
    };
    Some(naive_s - i64::from(off.seconds()))
}

/// `cron()` in `zone`: the first local minute the expression matches whose instant is after `t_s`.
fn cron_in_zone(c: &CronExpr, t_s: f64, epoch_start_s: f64, zone: &Zone) -> Option<f64> {
    let earliest = (epoch_start_s / 60.0).ceil();
    let m = if t_s < 0.0 {
        earliest
    } else {
        ((epoch_start_s + t_s) / 60.0).floor() + 1.0
    };
    // The first UTC minute a firing may have, and the local minute it reads.
    let m = m.max(earliest).min(1e13) as i64;
    let mut local = m + offset_min(zone, m);
    // Each pass either returns or moves past a skipped or already-passed local minute: a year holds
    // at most a few hundred of those (two clock changes), so the cap is never reached in a run.
    for _ in 0..100_000 {
        let found = c.first_minute_from(local)?;
        if let Some(u) = utc_of_local(zone, found * 60)
            && u >= m * 60
        {
            let f = u as f64 - epoch_start_s;
            if f > t_s {
                return Some(f);
            }
        }
        local = found + 1;
    }
    None
}

/// `at()` in `zone`: the instant its clocks read it (the later reading of a skipped time: when the
/// clock passes it, as jiff's "compatible" rule and RFC 5545 do).
fn at_in_zone(naive_s: f64, zone: &Zone) -> Option<f64> {
    let whole = naive_s.floor();
    let dt = civil(whole as i64)?;
    let ts = zone.to_ambiguous_timestamp(dt).compatible().ok()?;
    Some(ts.as_second() as f64 + (naive_s - whole))
}

/// Parses `N unit` (minutes, hours, days; seconds too when `seconds_ok`).
fn parse_duration(s: &str, what: &'static str, seconds_ok: bool) -> Result<f64, ScheduleError> {
    let err = |problem: String| ScheduleError::Duration { what, problem };
    let mut it = s.split_whitespace();
    let (Some(v), Some(unit), None) = (it.next(), it.next(), it.next()) else {
        return Err(err(format!(
            "expected `value unit`, e.g. `5 minutes`, found `{s}`"
        )));
    };
    let n: u64 = v
        .parse()
        .map_err(|_| err(format!("expected a whole number, found `{v}`")))?;
    let unit_s = match unit.to_ascii_lowercase().trim_end_matches('s') {
        "second" if seconds_ok => 1.0,
        "minute" => 60.0,
        "hour" => 3600.0,
        "day" => 86_400.0,
        _ => {
            return Err(err(format!(
                "unknown unit `{unit}` (expected minutes, hours or days)"
            )));
        }
    };
    Ok(n as f64 * unit_s)
}

/// The first `offset + k * period` (k >= 0) that is > `t` and >= 0.
fn periodic_after(t: f64, period: f64, offset: f64) -> Option<f64> {
    if period.is_nan() || period <= 0.0 {
        return (offset >= 0.0 && offset > t).then_some(offset);
    }
    let mut k = (((t - offset) / period).floor() + 1.0)
        .max((-offset / period).ceil())
        .max(0.0);
    while offset + k * period <= t {
        k += 1.0;
    }
    Some(offset + k * period)
}

/// Parses `rate(5 minutes)`, `cron(0/15 * * * ? *)`, `at(2024-01-01T08:00:00)`,
/// `every(15 minutes[, 5 minutes])` or a bare 5- (or 6-) field cron line.
pub fn parse(s: &str) -> Result<Schedule, ScheduleError> {
    let s = s.trim();
    let inner = |prefix: &str| {
        s.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(')'))
            .map(str::trim)
    };
    if let Some(body) = inner("rate(") {
        let period_s = parse_duration(body, "rate", false)?;
        if period_s <= 0.0 {
            return Err(ScheduleError::NotPositive {
                what: "rate: the value",
                text: body.to_string(),
            });
        }
        Ok(Schedule::Rate { period_s })
    } else if let Some(body) = inner("cron(") {
        if body.split_whitespace().count() != 6 {
            return Err(ScheduleError::AwsCronFields(body.to_string()));
        }
        CronExpr::parse(body).map(Schedule::Cron)
    } else if let Some(body) = inner("at(") {
        let t = parse_iso8601(body).map_err(ScheduleError::At)?;
        Ok(Schedule::At {
            epoch_s: t.as_f64(),
        })
    } else if let Some(body) = inner("every(") {
        let (p, o) = body.split_once(',').unwrap_or((body, "0 seconds"));
        let period_s = parse_duration(p, "every", true)?;
        if period_s <= 0.0 {
            return Err(ScheduleError::NotPositive {
                what: "every: the period",
                text: p.to_string(),
            });
        }
        Ok(Schedule::Every {
            period_s,
            offset_s: parse_duration(o, "every offset", true)?,
        })
    } else if s.contains('(') {
        Err(ScheduleError::Unknown(s.to_string()))
    } else {
        CronExpr::parse(s).map(Schedule::Cron)
    }
}

impl Schedule {
    /// The first firing strictly after simulation time `t_s` (and at or
    /// after 0), with simulation time 0 at Unix time `epoch_start_s`; `None`
    /// when there is none. Pass a negative `t_s` (e.g. `f64::NEG_INFINITY`)
    /// to get a firing exactly at 0.
    pub fn next_after(&self, t_s: f64, epoch_start_s: f64) -> Option<f64> {
        self.next_after_in(t_s, epoch_start_s, None)
    }

    /// [`Self::next_after`] with `cron()` and `at()` read in `zone`'s local time (§4.4). As
    /// EventBridge Scheduler documents for daylight saving, a cron time that does not exist (the hour
    /// skipped in spring) is skipped and one that happens twice (the hour repeated in autumn) fires
    /// once, at the first; `at()` in the skipped hour fires when the clock passes it.
    pub fn next_after_in(&self, t_s: f64, epoch_start_s: f64, zone: Option<&Zone>) -> Option<f64> {
        if t_s.is_nan() || !epoch_start_s.is_finite() {
            return None;
        }
        match (self, zone) {
            (Schedule::Cron(c), Some(z)) => return cron_in_zone(c, t_s, epoch_start_s, z),
            (Schedule::At { epoch_s }, Some(z)) => {
                let f = at_in_zone(*epoch_s, z)? - epoch_start_s;
                return (f >= 0.0 && f > t_s).then_some(f);
            }
            _ => {}
        }
        match self {
            Schedule::Every { period_s, offset_s } => periodic_after(t_s, *period_s, *offset_s),
            Schedule::Rate { period_s } => periodic_after(t_s, *period_s, 0.0),
            Schedule::At { epoch_s } => {
                let f = epoch_s - epoch_start_s;
                (f >= 0.0 && f > t_s).then_some(f)
            }
            Schedule::Cron(c) => {
                let earliest = (epoch_start_s / 60.0).ceil();
                let m = if t_s < 0.0 {
                    earliest
                } else {
                    ((epoch_start_s + t_s) / 60.0).floor() + 1.0
                };
                let mut m = m.max(earliest).min(1e15) as i64;
                loop {
                    let found = c.first_minute_from(m)?;
                    let f = found as f64 * 60.0 - epoch_start_s;
                    if f > t_s {
                        return Some(f);
                    }
                    m = found + 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const E: f64 = DEFAULT_EPOCH_START_S;
    const H: f64 = 3600.0;
    const D: f64 = 86_400.0;

    fn firings(s: &Schedule, until: f64) -> Vec<f64> {
        let mut out = Vec::new();
        let mut t = f64::NEG_INFINITY;
        while let Some(f) = s.next_after(t, E) {
            if f >= until {
                break;
            }
            out.push(f);
            t = f;
        }
        out
    }

    /// Firings in `zone` from Unix time `epoch` (simulation time 0) until `until` seconds.
    fn firings_in(s: &Schedule, epoch: f64, zone: &Zone, until: f64) -> Vec<f64> {
        let mut out = Vec::new();
        let mut t = f64::NEG_INFINITY;
        while let Some(f) = s.next_after_in(t, epoch, Some(zone)) {
            if f >= until {
                break;
            }
            out.push(f);
            t = f;
        }
        out
    }

    /// §4.4 `Timezone`, worked by hand from the 2024 US clock changes (Sunday 10 March 02:00 EST →
    /// 03:00 EDT; Sunday 3 November 02:00 EDT → 01:00 EST) and EventBridge Scheduler's documented rule
    /// (a cron time that does not exist is skipped; one that happens twice runs once).
    #[test]
    fn cron_and_at_in_a_time_zone() {
        let ny = zone("America/New_York").unwrap();
        // 2024-03-08 00:00 UTC, a Friday.
        let e = crate::time::parse_date_utc("2024-03-08").unwrap();
        // Weekdays at 08:00 local: Fri 13:00 UTC (EST, −5), Mon and Tue 12:00 UTC (EDT, −4).
        let s = parse("cron(0 8 ? * MON-FRI *)").unwrap();
        assert_eq!(
            firings_in(&s, e, &ny, 5.0 * D),
            vec![13.0 * H, 3.0 * D + 12.0 * H, 4.0 * D + 12.0 * H]
        );
        // 02:30 local: 07:30 UTC on Fri and Sat; none on Sun 10th (skipped hour); 06:30 UTC after.
        let s = parse("cron(30 2 * * ? *)").unwrap();
        assert_eq!(
            firings_in(&s, e, &ny, 4.0 * D),
            vec![7.5 * H, D + 7.5 * H, 3.0 * D + 6.5 * H]
        );
        // The repeated hour: 01:30 local on Sun 3 Nov is 05:30 UTC (EDT) and again 06:30 UTC (EST);
        // it fires once, at the first. The day before 05:30 UTC, the day after 06:30 UTC.
        let e = crate::time::parse_date_utc("2024-11-02").unwrap();
        let s = parse("cron(30 1 * * ? *)").unwrap();
        assert_eq!(
            firings_in(&s, e, &ny, 3.0 * D),
            vec![5.5 * H, D + 5.5 * H, 2.0 * D + 6.5 * H]
        );
        // Every 15 minutes through the repeated hour: 01:00–01:45 EDT (05:00–05:45 UTC), then the
        // second 01:00–01:45 (06:00–06:45 UTC) are not repeated, then 02:00 EST = 07:00 UTC.
        let s = parse("cron(0/15 * * * ? *)").unwrap();
        let day = firings_in(&s, e, &ny, 2.0 * D);
        let around: Vec<f64> = day
            .into_iter()
            .filter(|&f| (D + 5.0 * H..=D + 7.0 * H).contains(&f))
            .map(|f| (f - D) / 60.0)
            .collect();
        assert_eq!(around, vec![300.0, 315.0, 330.0, 345.0, 420.0]);
        // A zone without daylight saving: Asia/Kolkata, UTC+05:30: 09:00 local is 03:30 UTC.
        let kolkata = zone("Asia/Kolkata").unwrap();
        let s = parse("cron(0 9 * * ? *)").unwrap();
        assert_eq!(
            firings_in(&s, E, &kolkata, 2.0 * D),
            vec![3.5 * H, D + 3.5 * H]
        );
        // at() is local too: 2024-07-01 08:00 EDT = 12:00 UTC; 02:30 on 10 March does not exist and
        // fires when the clock passes it: 03:30 EDT = 07:30 UTC.
        let e = crate::time::parse_date_utc("2024-07-01").unwrap();
        let s = parse("at(2024-07-01T08:00:00)").unwrap();
        assert_eq!(s.next_after_in(-1.0, e, Some(&ny)), Some(12.0 * H));
        let e = crate::time::parse_date_utc("2024-03-10").unwrap();
        let s = parse("at(2024-03-10T02:30:00)").unwrap();
        assert_eq!(s.next_after_in(-1.0, e, Some(&ny)), Some(7.5 * H));
        // UTC as a zone is no zone; rate() does not depend on one.
        let utc = zone("UTC").unwrap();
        let s = parse("cron(0 8 ? * MON-FRI *)").unwrap();
        assert_eq!(firings_in(&s, E, &utc, 7.0 * D), firings(&s, 7.0 * D));
        let r = parse("rate(7 minutes)").unwrap();
        assert_eq!(firings_in(&r, E, &ny, D), firings(&r, D));
        assert!(zone("Mars/Olympus_Mons").is_err());
    }

    #[test]
    fn every_fifteen_minutes() {
        let s = parse("cron(0/15 * * * ? *)").unwrap();
        assert_eq!(s.next_after(f64::NEG_INFINITY, E), Some(0.0));
        assert_eq!(s.next_after(0.0, E), Some(900.0));
        assert_eq!(s.next_after(899.5, E), Some(900.0));
        assert_eq!(firings(&s, D).len(), 96);
        assert_eq!(
            parse("*/15 * * * *").unwrap().next_after(900.0, E),
            Some(1800.0)
        );
        // a start that is not on a minute boundary: next quarter hour is 14.5 min in
        assert_eq!(s.next_after(-1.0, E + 30.0), Some(870.0));
        let e = Schedule::Every {
            period_s: 900.0,
            offset_s: 60.0,
        };
        assert_eq!(firings(&e, 3600.0), vec![60.0, 960.0, 1860.0, 2760.0]);
        assert_eq!(parse("every(15 minutes, 1 minute)").unwrap(), e);
    }

    #[test]
    fn daily_at_eight_and_weekdays() {
        let s = parse("cron(0 8 * * ? *)").unwrap();
        assert_eq!(
            firings(&s, 3.0 * D),
            vec![8.0 * H, D + 8.0 * H, 2.0 * D + 8.0 * H]
        );
        for expr in [
            "cron(0 8 ? * MON-FRI *)",
            "cron(0 8 ? * 2-6 *)",
            "0 8 * * 1-5",
            "0 8 * * mon-fri",
        ] {
            let s = parse(expr).unwrap();
            let days: Vec<f64> = firings(&s, 14.0 * D)
                .iter()
                .map(|f| (f - 8.0 * H) / D)
                .collect();
            assert_eq!(
                days,
                vec![0.0, 1.0, 2.0, 3.0, 4.0, 7.0, 8.0, 9.0, 10.0, 11.0],
                "{expr}"
            );
        }
        // weekends, Sunday as 7 and 0 in classic cron, 1 in AWS
        let sat_sun = firings(&parse("0 0 * * 6,7").unwrap(), 8.0 * D);
        assert_eq!(sat_sun, vec![5.0 * D, 6.0 * D]);
        assert_eq!(
            firings(&parse("cron(0 0 ? * 1 *)").unwrap(), 8.0 * D),
            vec![6.0 * D]
        );
        // classic cron: both day fields restricted → either matches
        let either = firings(&parse("0 0 3 * MON").unwrap(), 10.0 * D);
        assert_eq!(either, vec![0.0, 2.0 * D, 7.0 * D]);
    }

    #[test]
    fn at_rate_last_day_and_years() {
        let s = parse("at(2024-01-01T08:00:00)").unwrap();
        assert_eq!(firings(&s, 1e9), vec![8.0 * H]);
        assert_eq!(s.next_after(8.0 * H, E), None);
        assert_eq!(
            parse("at(2023-12-31T23:00:00)")
                .unwrap()
                .next_after(-1.0, E),
            None
        );
        let r = parse("rate(1 hour)").unwrap();
        assert_eq!(r, Schedule::Rate { period_s: H });
        assert_eq!(firings(&r, 3.0 * H), vec![0.0, H, 2.0 * H]);
        assert_eq!(
            parse("rate(5 minutes)").unwrap(),
            Schedule::Rate { period_s: 300.0 }
        );
        assert_eq!(
            parse("rate(2 days)").unwrap(),
            Schedule::Rate { period_s: 2.0 * D }
        );
        // last day of month, 2024 is a leap year
        let l = parse("cron(0 0 L * ? *)").unwrap();
        assert_eq!(firings(&l, 61.0 * D), vec![30.0 * D, 59.0 * D]);
        let y = parse("cron(30 12 1 JAN ? 2025)").unwrap();
        assert_eq!(firings(&y, 1e10), vec![366.0 * D + 12.5 * H]);
        assert_eq!(
            parse("cron(0 0 30 2 ? *)").unwrap().next_after(0.0, E),
            None
        );
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            ("cron(0 8 * * * *)", "exactly one of the day-of-month"),
            ("cron(0 8 ? * ? *)", "exactly one of the day-of-month"),
            (
                "cron(61 * * * ? *)",
                "minutes field `61`: 61 is out of range 0-59",
            ),
            ("cron(0 24 * * ? *)", "hours field `24`"),
            (
                "cron(0 8 ? * MON-FRX *)",
                "day-of-week field `MON-FRX`: unknown value `FRX`",
            ),
            (
                "cron(0 8 ? * 0 *)",
                "day-of-week field `0`: 0 is out of range 1-7",
            ),
            (
                "cron(0 8 ? * FRI-MON *)",
                "day-of-week field `FRI-MON`: range `FRI-MON` starts after it ends",
            ),
            ("cron(0 8 ? * 5#3 *)", "day-of-week field `5#3`"),
            ("cron(0 8 15W * ? *)", "day-of-month field `15W`"),
            ("cron(0 8 * FOO ? *)", "month field `FOO`"),
            ("cron(0 8 * * ? 1969)", "year field `1969`"),
            ("cron(0/0 * * * ? *)", "minutes field `0/0`: bad step `0`"),
            ("cron(0 8 * * ?)", "6 fields"),
            ("0 8 * *", "expected 5 or 6 fields"),
            ("rate(0 minutes)", "positive"),
            ("rate(5 weeks)", "unknown unit `weeks`"),
            ("rate(five minutes)", "expected a whole number"),
            ("rate(5 seconds)", "unknown unit"),
            ("at(2024-13-01T00:00:00)", "at: "),
            ("daily(8)", "unknown schedule"),
        ];
        for (expr, want) in cases {
            let e = parse(expr).unwrap_err().to_string();
            assert!(e.contains(want), "{expr}: {e}");
        }
    }
}
