//! Durations with units (`"90s"`, `"5m"`, `"1h30m"`, `"250ms"`) and duration distributions, as they
//! appear in scenario files.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::engine::dist::DurationDist;

/// What a duration text (`"90s"`) should look like, appended to every [`DurationError`].
const HELP: &str =
    "use a number and a unit (ms, s, m, h, d), e.g. \"90s\", \"5m\", \"6h\", \"30d\", \"1h30m\"";

/// Why a text is not a duration; each case carries the text as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Nothing but white space.
    #[error("empty duration; {HELP}")]
    Empty,
    /// A number with no unit anywhere after it (`"5"`).
    #[error("invalid duration \"{0}\": missing unit; {HELP}")]
    MissingUnit(String),
    /// A part that does not start with a number (`"m5"`, `"-5s"`).
    #[error("invalid duration \"{0}\"; {HELP}")]
    Syntax(String),
    /// Digits and dots that are not a number (`"1.2.3s"`).
    #[error("invalid duration \"{0}\": bad number; {HELP}")]
    BadNumber(String),
    /// A number followed by something other than a unit (`"5 minutes"`).
    #[error("invalid duration \"{0}\": missing unit right after the number; {HELP}")]
    NoUnitAfterNumber(String),
    /// A unit other than ms, s, m (min), h, d.
    #[error("invalid duration \"{text}\": unknown unit \"{unit}\"; {HELP}")]
    UnknownUnit {
        /// The whole text.
        text: String,
        /// The unit found.
        unit: String,
    },
    /// More than 10¹⁶ ms.
    #[error("duration \"{0}\" is too large")]
    TooLarge(String),
}

/// Parse a duration string into milliseconds. Allowed units: ms, s, m, h, d; several parts may follow
/// each other (`1h30m`); numbers may have decimals (`1.5h`).
pub fn parse_duration_ms(s: &str) -> Result<u64, DurationError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(DurationError::Empty);
    }
    if t == "0" {
        return Ok(0);
    }
    let mut total: f64 = 0.0;
    let mut rest = t;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| DurationError::MissingUnit(s.to_string()))?;
        if num_end == 0 {
            return Err(DurationError::Syntax(s.to_string()));
        }
        let n: f64 = rest[..num_end]
            .parse()
            .map_err(|_| DurationError::BadNumber(s.to_string()))?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let mult = match &rest[..unit_end] {
            "ms" => 1.0,
            "s" => 1e3,
            "m" | "min" => 60e3,
            "h" => 3600e3,
            "d" => 86_400e3,
            "" => return Err(DurationError::NoUnitAfterNumber(s.to_string())),
            u => {
                return Err(DurationError::UnknownUnit {
                    text: s.to_string(),
                    unit: u.to_string(),
                });
            }
        };
        total += n * mult;
        rest = &rest[unit_end..];
    }
    if !total.is_finite() || total > 1e16 {
        return Err(DurationError::TooLarge(s.to_string()));
    }
    Ok(total.round() as u64)
}

/// A duration in milliseconds, deserialized from a string with a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub u64);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Dur;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(
                    f,
                    "a duration string with a unit, e.g. \"90s\", \"5m\", \"6h\""
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Dur, E> {
                parse_duration_ms(v).map(Dur).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dur, E> {
                if v == 0 {
                    Ok(Dur(0))
                } else {
                    Err(E::custom(format!(
                        "a duration needs a unit: write \"{v}s\" (seconds) or \"{v}ms\", not {v}"
                    )))
                }
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
enum TaggedDist {
    Constant { value: Dur },
    Uniform { min: Dur, max: Dur },
    Exponential { mean: Dur },
    Normal { mean: Dur, sd: Dur },
    Lognormal { median: Dur, sigma: f64 },
    Weibull { scale: Dur, shape: f64 },
}

/// A duration distribution: a plain duration string (a constant) or a table with `dist` =
/// `constant` | `uniform` | `exponential` | `normal` | `lognormal` | `weibull` and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Dist(pub DurationDist);

impl<'de> Deserialize<'de> for Dist {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Dist;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(
                    f,
                    "a duration (\"30s\") or a distribution table such as {{ dist = \"lognormal\", median = \"8s\", sigma = 0.5 }}"
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Dist, E> {
                parse_duration_ms(v)
                    .map(|ms| Dist(DurationDist::constant(ms)))
                    .map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Dist, A::Error> {
                let t = TaggedDist::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let d = match t {
                    TaggedDist::Constant { value } => DurationDist::Constant { ms: value.0 },
                    TaggedDist::Uniform { min, max } => {
                        if min.0 > max.0 {
                            return Err(de::Error::custom("uniform: `min` must not exceed `max`"));
                        }
                        DurationDist::Uniform {
                            min_ms: min.0,
                            max_ms: max.0,
                        }
                    }
                    TaggedDist::Exponential { mean } => {
                        DurationDist::Exponential { mean_ms: mean.0 }
                    }
                    TaggedDist::Normal { mean, sd } => DurationDist::Normal {
                        mean_ms: mean.0,
                        sd_ms: sd.0,
                    },
                    TaggedDist::Lognormal { median, sigma } => {
                        if !(0.0..=5.0).contains(&sigma) {
                            return Err(de::Error::custom(
                                "lognormal: `sigma` must be between 0 and 5",
                            ));
                        }
                        DurationDist::LogNormal {
                            median_ms: median.0,
                            sigma,
                        }
                    }
                    TaggedDist::Weibull { scale, shape } => {
                        if !(shape > 0.0 && shape <= 20.0) {
                            return Err(de::Error::custom("weibull: `shape` must be > 0 and ≤ 20"));
                        }
                        DurationDist::Weibull {
                            scale_ms: scale.0,
                            shape,
                        }
                    }
                };
                Ok(Dist(d))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("90s"), Ok(90_000));
        assert_eq!(parse_duration_ms("5m"), Ok(300_000));
        assert_eq!(parse_duration_ms("6h"), Ok(21_600_000));
        assert_eq!(parse_duration_ms("30d"), Ok(2_592_000_000));
        assert_eq!(parse_duration_ms("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration_ms("250ms"), Ok(250));
        assert_eq!(parse_duration_ms("1.5h"), Ok(5_400_000));
        assert_eq!(parse_duration_ms("0"), Ok(0));
        for bad in ["", "5", "5 minutes", "m5", "5x", "-5s", "1.2.3s"] {
            assert!(parse_duration_ms(bad).is_err(), "{bad}");
        }
        // Each case and its message (the texts users saw when the error was a String).
        let help = "use a number and a unit (ms, s, m, h, d), e.g. \"90s\", \"5m\", \"6h\", \"30d\", \"1h30m\"";
        for (bad, want) in [
            (" ", format!("empty duration; {help}")),
            ("5", format!("invalid duration \"5\": missing unit; {help}")),
            ("m5", format!("invalid duration \"m5\"; {help}")),
            (
                "1.2.3s",
                format!("invalid duration \"1.2.3s\": bad number; {help}"),
            ),
            (
                "5 minutes",
                format!(
                    "invalid duration \"5 minutes\": missing unit right after the number; {help}"
                ),
            ),
            (
                "5x",
                format!("invalid duration \"5x\": unknown unit \"x\"; {help}"),
            ),
            (
                "99999999999999d",
                "duration \"99999999999999d\" is too large".to_string(),
            ),
        ] {
            assert_eq!(
                parse_duration_ms(bad).unwrap_err().to_string(),
                want,
                "{bad}"
            );
        }
    }
}
