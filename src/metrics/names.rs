//! The figures of a run by name: `summary.json` flattened to dotted names (`tasks.start_latency_s_p50`), as
//! a sweep's CSV columns and a sweep file's `headline` and `metric` names know them. They live with the
//! summary so that reading a sweep file does not depend on the sweep's outputs.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Summary;
use super::json::summary_json;

/// Keys of `summary.json` that are not figures of the run (`warm_up_s` is an input, like the seed).
const SKIP: &[&str] = &["wall_seconds", "seed", "warm_up_s"];

/// The figures of a summary as CSV cells: `summary.json` flattened to dotted names, numbers, booleans
/// (1 or 0, so that the mean of `placement_ok` or `slo.met` over seeds is the share of runs where it
/// held) and nulls (empty cell), without `wall_seconds` (not reproducible) and `seed` (its own column).
pub fn metric_cells(s: &Summary) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    flatten(&summary_json(s), "", &mut out);
    out
}

fn flatten(v: &Value, prefix: &str, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if prefix.is_empty() && SKIP.contains(&k.as_str()) {
                    continue;
                }
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(x, &name, out);
            }
        }
        Value::Null if !prefix.is_empty() => {
            out.insert(prefix.to_string(), String::new());
        }
        Value::Number(n) => {
            let cell = if let Some(i) = n.as_u64() {
                i.to_string()
            } else if let Some(i) = n.as_i64() {
                i.to_string()
            } else {
                // Shortest text that reads back as the same f64; never an exponent.
                n.as_f64().map(|f| f.to_string()).unwrap_or_default()
            };
            out.insert(prefix.to_string(), cell);
        }
        Value::Bool(b) if !prefix.is_empty() => {
            out.insert(prefix.to_string(), u8::from(*b).to_string());
        }
        _ => {} // strings (`scenario`, `placement_problems`), lists (`not_modelled`): not figures
    }
}

/// Every figure name a run reports, in column order.
pub fn metric_names() -> Vec<String> {
    let mut v: Vec<String> = metric_cells(&Summary::default()).into_keys().collect();
    v.sort_by(|a, b| column_cmp(a, b));
    v
}

/// Whether `name` can be a figure of some run: a figure of every run, or a key inside a table of
/// `summary.json` whose keys depend on the scenario (such as per-service costs: empty in a default
/// summary).
pub fn is_metric_name(name: &str) -> bool {
    fn tables(v: &Value, prefix: &str, out: &mut Vec<String>) {
        if let Value::Object(m) = v {
            if m.is_empty() {
                out.push(prefix.to_string());
            }
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                tables(x, &p, out);
            }
        }
    }
    if metric_names().iter().any(|n| n == name) {
        return true;
    }
    let mut t = Vec::new();
    tables(&summary_json(&Summary::default()), "", &mut t);
    // Under such a table at any depth (`slo.by_service.web.attainment`); not the table of texts.
    t.iter().filter(|p| *p != "placement_problems").any(|p| {
        name.strip_prefix(p.as_str())
            .is_some_and(|rest| rest.len() > 1 && rest.starts_with('.'))
    })
}

/// Column order: by dotted segments (the order of the nested keys in `summary.json`).
pub fn column_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.split('.').cmp(b.split('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_flattens_to_figures() {
        let s = Summary {
            scenario: "x".into(),
            seed: 9,
            simulated_seconds: 7200.0,
            events: 12,
            wall_seconds: 0.5,
            start_latency_s_p50: Some(8.25),
            ..Default::default()
        };
        let c = metric_cells(&s);
        assert_eq!(c["simulated_seconds"], "7200");
        assert_eq!(c["events"], "12");
        assert_eq!(c["tasks.start_latency_s_p50"], "8.25");
        assert_eq!(c["tasks.start_latency_s_p99"], "");
        assert!(!c.contains_key("wall_seconds") && !c.contains_key("seed"));
        assert!(!c.contains_key("scenario") && !c.contains_key("not_modelled"));
        assert!(is_metric_name("tasks.launched"));
        assert!(!is_metric_name("tasks.lanched") && !is_metric_name("nothing.x"));
        // Booleans are 1/0; per-service tables are figures at any depth; warm_up_s is an input.
        assert_eq!(c["placement_ok"], "1");
        assert_eq!(c["slo.attainment"], "");
        assert!(!c.contains_key("warm_up_s"));
        assert!(is_metric_name("slo.met") && is_metric_name("slo.by_service.web.attainment"));
        assert!(is_metric_name("requests.by_service.web.served"));
        assert!(!is_metric_name("slo.by_service") && !is_metric_name("slo.by_servicex.a"));
        assert!(!is_metric_name("placement_problems.web"));
        let names = metric_names();
        assert!(names.contains(&"tasks.launched".to_string()));
        assert!(names.windows(2).all(|w| column_cmp(&w[0], &w[1]).is_lt()));
    }
}
