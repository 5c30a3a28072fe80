//! The allowed range of every numeric setting, checked on the parsed TOML, so that an absurd value (`cpu_ms_per_request = 5e-324`, `rate = 1e308`, `peak_hour = 1e308`, `nan`) is a
//! load error with its file, line and field, never a NaN in an output or a panic in the run. The table is
//! the one `docs/limits.md` prints (a test keeps the two in step); numbers it does not list must still be
//! finite. Where a setting also has a check of its own in the resolver (worded in ECS's terms), that
//! message stands for both at the same place: this check runs after the resolver, and `load_str` keeps the
//! first message of each location.

use super::{Ctx, Item};
use toml::de::DeValue;

pub use crate::workload::MAX_RATE_PER_S;

/// Counts of tasks, instances and jobs: a million, 200 × the 5,000 tasks per service that ECS allows
/// by default.
pub const MAX_COUNT: f64 = 1e6;

/// One setting's range: a number under `key` (the last key of its path; `*` for any key), whose path
/// contains `within` (empty: anywhere), must lie in `min..=max` (`min` excluded when `min_open`).
#[derive(Debug, Clone, Copy)]
pub struct NumRange {
    /// The key, e.g. `cpu_ms_per_request`; `*` for the keys of a table (`instance_prices`).
    pub key: &'static str,
    /// A part of the path that must be present, e.g. `pattern` (a spike's `base` is a rate, a strategy's
    /// `base` a task count).
    pub within: &'static str,
    /// Smallest value.
    pub min: f64,
    /// Whether `min` itself is refused.
    pub min_open: bool,
    /// Largest value.
    pub max: f64,
    /// What the number is and why the range (shown in the error and in docs/limits.md).
    pub meaning: &'static str,
}

const fn r(
    key: &'static str,
    within: &'static str,
    min: f64,
    min_open: bool,
    max: f64,
    meaning: &'static str,
) -> NumRange {
    NumRange {
        key,
        within,
        min,
        min_open,
        max,
        meaning,
    }
}

/// Every range, most specific first (the first whose key and `within` match applies).
pub const RANGES: &[NumRange] = &[
    // Load and traffic.
    r(
        "cpu_ms_per_request",
        "",
        0.001,
        false,
        3.6e6,
        "CPU milliseconds per request: 1 µs to 1 hour",
    ),
    r(
        "rate",
        "pattern",
        0.0,
        false,
        MAX_RATE_PER_S,
        "requests (or messages) per second",
    ),
    r(
        "mean",
        "pattern",
        0.0,
        false,
        MAX_RATE_PER_S,
        "requests per second",
    ),
    r(
        "base",
        "pattern",
        0.0,
        false,
        MAX_RATE_PER_S,
        "requests per second",
    ),
    r(
        "peak",
        "pattern",
        0.0,
        false,
        MAX_RATE_PER_S,
        "requests per second",
    ),
    r(
        "from",
        "pattern",
        0.0,
        false,
        MAX_RATE_PER_S,
        "requests per second",
    ),
    r(
        "to",
        "pattern",
        0.0,
        false,
        MAX_RATE_PER_S,
        "requests per second",
    ),
    r(
        "steps",
        "pattern",
        0.0,
        false,
        MAX_RATE_PER_S,
        "requests per second of a step",
    ),
    r(
        "peak_to_trough",
        "pattern",
        1.0,
        false,
        1e6,
        "the peak rate over the trough rate",
    ),
    r(
        "peak_hour",
        "pattern",
        0.0,
        false,
        24.0,
        "an hour of the day, 0 to 24",
    ),
    r(
        "weekly_factor",
        "pattern",
        0.0,
        false,
        1e3,
        "the weekend's rate over the weekdays'",
    ),
    r(
        "scale",
        "trace",
        0.0,
        false,
        1e6,
        "a factor on the trace's values",
    ),
    r(
        "time_scale",
        "",
        1e-6,
        false,
        1e6,
        "a factor on the file's times",
    ),
    r(
        "memory_base_mib",
        "",
        0.0,
        false,
        1_048_576.0,
        "MiB a task uses idle: up to 1 TiB",
    ),
    r(
        "memory_per_request_mib",
        "",
        0.0,
        false,
        65_536.0,
        "MiB per request in flight: up to 64 GiB",
    ),
    r(
        "per_task_rate_per_s",
        "",
        1e-6,
        false,
        1e6,
        "messages per second one task consumes",
    ),
    r("error_rate", "slo", 0.0, false, 1.0, "a fraction"),
    r("objective", "slo", 0.0, true, 1.0, "a fraction"),
    // Scaling.
    r(
        "target",
        "policies",
        0.0,
        true,
        1e9,
        "the metric's target value (CPU % is 0 to 100)",
    ),
    r(
        "threshold",
        "policies",
        -1e9,
        false,
        1e9,
        "the alarm's threshold",
    ),
    r(
        "lower",
        "steps",
        -1e9,
        false,
        1e9,
        "a step bound relative to the threshold",
    ),
    r(
        "upper",
        "steps",
        -1e9,
        false,
        1e9,
        "a step bound relative to the threshold",
    ),
    r(
        "adjustment",
        "steps",
        -1e6,
        false,
        1e6,
        "tasks, or percent of the tasks",
    ),
    r("scale_in_step_fraction", "", 0.0, true, 1.0, "a fraction"),
    // Probabilities and fault rates.
    r(
        "start_failure_probability",
        "",
        0.0,
        false,
        1.0,
        "a probability",
    ),
    r("probability", "", 0.0, false, 1.0, "a probability"),
    r(
        "rate_per_hour",
        "",
        0.0,
        false,
        3600.0,
        "interruptions per hour: at most one a second",
    ),
    // Timings and quotas.
    r(
        "pull_mib_per_s",
        "",
        0.001,
        false,
        1e5,
        "image pull speed in MiB/s",
    ),
    r(
        "lazy_loading_factor",
        "",
        0.0,
        false,
        1.0,
        "the part of the image pulled before start",
    ),
    r(
        "throttle_multiplier",
        "",
        1.0,
        false,
        10.0,
        "the growth of the launch throttle's delay",
    ),
    r(
        "fargate_launch_rate_per_second",
        "",
        0.001,
        false,
        1e5,
        "tasks per second",
    ),
    r(
        "fargate_spot_launch_rate_per_second",
        "",
        0.001,
        false,
        1e5,
        "tasks per second",
    ),
    r(
        "run_task_calls_per_second",
        "",
        0.001,
        false,
        1e5,
        "API calls per second",
    ),
    // Prices (USD) and fractions of them.
    r(
        "price_usd_per_hour",
        "",
        0.0,
        false,
        1e4,
        "USD per instance-hour",
    ),
    r(
        "spot_price_usd_per_hour",
        "",
        0.0,
        false,
        1e4,
        "USD per instance-hour",
    ),
    r(
        "*",
        "instance_prices",
        0.0,
        false,
        1e4,
        "USD per instance-hour",
    ),
    r(
        "vcpu_hour",
        "fargate",
        0.0,
        false,
        100.0,
        "USD per vCPU-hour",
    ),
    r("gb_hour", "fargate", 0.0, false, 100.0, "USD per GB-hour"),
    r(
        "arm_vcpu_hour",
        "fargate",
        0.0,
        false,
        100.0,
        "USD per vCPU-hour",
    ),
    r(
        "arm_gb_hour",
        "fargate",
        0.0,
        false,
        100.0,
        "USD per GB-hour",
    ),
    r(
        "storage_gb_hour",
        "fargate",
        0.0,
        false,
        100.0,
        "USD per GB-hour",
    ),
    r("discount", "", 0.0, false, 1.0, "a fraction of the price"),
    r(
        "ec2_spot_discount",
        "",
        0.0,
        false,
        1.0,
        "a fraction of the price",
    ),
    r(
        "fargate_spot_discount",
        "",
        0.0,
        false,
        1.0,
        "a fraction of the price",
    ),
    r("attribution_cpu_weight", "", 0.0, false, 1.0, "a fraction"),
    // Counts.
    r("desired_count", "", 0.0, false, MAX_COUNT, "tasks"),
    r("count", "", 0.0, false, MAX_COUNT, "tasks"),
    r("min_capacity", "", 0.0, false, MAX_COUNT, "tasks"),
    r("max_capacity", "", 0.0, false, MAX_COUNT, "tasks"),
    r("min_size", "", 0.0, false, MAX_COUNT, "instances"),
    r("max_size", "", 0.0, false, MAX_COUNT, "instances"),
    r("desired_size", "", 0.0, false, MAX_COUNT, "instances"),
    r(
        "max_jobs",
        "",
        0.0,
        false,
        1e9,
        "batch jobs read from the file",
    ),
];

/// The range that applies to a number under `key`, in a table called `parent`, at `path` (dotted, with
/// `[i]` for array items).
pub fn range_for(key: &str, parent: &str, path: &str) -> Option<&'static NumRange> {
    RANGES.iter().find(|r| {
        if r.key == "*" {
            parent == r.within
        } else {
            r.key == key && (r.within.is_empty() || path.contains(r.within))
        }
    })
}

/// A TOML number's value (integers of any radix, floats including `nan`/`inf`); `None` if it overflows.
fn number_value(v: &DeValue) -> Option<f64> {
    match v {
        DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
        DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|x| x as f64),
        _ => None,
    }
}

/// `12.5`, `1e6`, `0.001` as written in messages (whole numbers without a fraction).
pub fn show(x: f64) -> String {
    if x.abs() >= 1e15 || (x != 0.0 && x.abs() < 1e-4) {
        format!("{x:e}")
    } else if x == x.trunc() {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

impl<'s> Ctx<'s> {
    /// Check every number in the scenario: finite, and inside its range when [`RANGES`] lists it.
    pub(super) fn check_numbers(&mut self, root: &Item<'s>) {
        let mut path = String::new();
        self.walk_numbers(root, ("", ""), &mut path, 0);
    }

    /// `names` is (the key of `item`, the key of the table holding it).
    fn walk_numbers(
        &mut self,
        item: &Item<'s>,
        (key, parent): (&str, &str),
        path: &mut String,
        depth: usize,
    ) {
        // TOML nesting is bounded by the parser; this guards the recursion all the same.
        if depth > 64 {
            return;
        }
        let len = path.len();
        match item.get_ref() {
            DeValue::Table(t) => {
                for (k, v) in t.iter() {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k.get_ref());
                    self.walk_numbers(v, (k.get_ref(), key), path, depth + 1);
                    path.truncate(len);
                }
            }
            DeValue::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    path.push_str(&format!("[{i}]"));
                    self.walk_numbers(v, (key, parent), path, depth + 1);
                    path.truncate(len);
                }
            }
            v @ (DeValue::Float(_) | DeValue::Integer(_)) => {
                let Some(x) = number_value(v) else {
                    return; // an integer beyond i64: the typed deserializer reports it
                };
                let msg = if !x.is_finite() {
                    Some(format!(
                        "{key} must be a finite number, not {}",
                        if x.is_nan() { "nan" } else { "inf" }
                    ))
                } else {
                    range_for(key, parent, path).and_then(|r| {
                        let low = if r.min_open { x <= r.min } else { x < r.min };
                        (low || x > r.max).then(|| {
                            format!(
                                "{} is out of range: {} {} to {} ({}; docs/limits.md)",
                                show(x),
                                if r.min_open { "above" } else { "from" },
                                show(r.min),
                                show(r.max),
                                r.meaning
                            )
                        })
                    })
                };
                if let Some(m) = msg {
                    let field = path.clone();
                    self.push(item.span(), field, m);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_match_by_key_and_context() {
        let pattern = range_for("base", "pattern", "services[0].load.pattern.base");
        assert_eq!(pattern.map(|r| r.max), Some(MAX_RATE_PER_S));
        let strategy = "services[0].capacity_provider_strategy[0].base";
        assert!(range_for("base", "capacity_provider_strategy", strategy).is_none());
        let price = range_for(
            "m5.large",
            "instance_prices",
            "pricing.instance_prices.m5.large",
        );
        assert_eq!(price.map(|r| r.max), Some(1e4));
        assert!(range_for("cpu", "task_definitions", "task_definitions[0].cpu").is_none());
    }

    #[test]
    fn shows_numbers_as_written() {
        assert_eq!(show(1e7), "10000000");
        assert_eq!(show(0.001), "0.001");
        assert_eq!(show(1e308), "1e308");
        assert_eq!(show(5e-324), "5e-324");
    }
}
