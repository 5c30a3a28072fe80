//! Scenario paths such as `services.web.desired_count`: which are valid for a base scenario, the closest
//! valid one to a typo, and setting a value at a path in the base scenario's TOML table.
//!
//! A path walks the scenario's TOML: plain tables by key; arrays of tables by an item's `name` (task
//! definitions by `family`, strategy items by `capacity_provider`) or by its 0-based index. The last key
//! may be one the base does not set, if the scenario schema allows it there; tables such as `scheduler` or
//! `timings.ec2` are created when missing. `seed` is never a path (seeds come from the sweep's `seeds`).

use serde::de::DeserializeOwned;
use toml::{Table, Value};

use crate::scenario::diag::closest;
use crate::scenario::schema::*;

/// One step of a resolved path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A table key.
    Key(String),
    /// An array item.
    Index(usize),
}

/// A path checked against the base scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The steps from the root.
    pub steps: Vec<Step>,
    /// The path as the scenario loader names fields (`services[1].desired_count`), to match its diagnostics.
    pub field: String,
}

/// Keys that name an item of an array of tables, in order of preference.
const NAME_KEYS: &[&str] = &["name", "family", "capacity_provider"];

fn item_name(v: &Value) -> Option<&str> {
    let t = v.as_table()?;
    NAME_KEYS
        .iter()
        .find_map(|k| t.get(*k).and_then(Value::as_str))
}

/// The field names a schema struct accepts, read from serde's "unknown field" message (so they follow the
/// schema as it grows).
fn probe<T: DeserializeOwned>() -> Vec<String> {
    match toml::from_str::<T>("zz_probe_zz = 0") {
        Ok(_) => Vec::new(),
        Err(e) => {
            let msg = e.message();
            match msg.find("expected") {
                Some(at) => msg[at..]
                    .split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_string)
                    .collect(),
                None => Vec::new(),
            }
        }
    }
}

/// The keys the schema allows in the table at `pattern` (array items as `*`), when the schema is known.
fn schema_keys(pattern: &str) -> Option<Vec<String>> {
    Some(match pattern {
        "" => TOP_LEVEL_KEYS
            .iter()
            .filter(|k| **k != "seed")
            .map(|k| k.to_string())
            .collect(),
        "cluster" => probe::<RawCluster>(),
        "instance_types.*" => probe::<RawInstanceType>(),
        "capacity_providers.*" => probe::<RawCapacityProvider>(),
        "capacity_providers.*.managed_scaling" => probe::<RawManagedScaling>(),
        "task_definitions.*" => probe::<RawTaskDefinition>(),
        "task_definitions.*.containers.*" => probe::<RawContainer>(),
        "task_definitions.*.containers.*.port_mappings.*" => probe::<RawPortMapping>(),
        "services.*" => probe::<RawService>(),
        "run_tasks.*" => probe::<RawRunTask>(),
        "service_updates.*" => probe::<RawServiceUpdate>(),
        "timings" => probe::<RawTimings>(),
        "timings.ec2" | "timings.fargate" => probe::<RawStateTimings>(),
        "scheduler" => probe::<RawScheduler>(),
        "pricing" => probe::<RawPricing>(),
        "pricing.fargate" => probe::<RawFargatePrices>(),
        "traffic" => probe::<RawTraffic>(),
        "services.*.load" => probe::<RawLoad>(),
        "services.*.load.trace" => probe::<RawRateTrace>(),
        "services.*.load.requests" => probe::<RawRequestLog>(),
        "services.*.queue" => probe::<RawQueue>(),
        "services.*.queue.trace" => probe::<RawRateTrace>(),
        "services.*.queue.messages" => probe::<RawRequestLog>(),
        "batch_jobs.*" => probe::<RawBatch>(),
        "scheduled_tasks.*" => probe::<RawScheduledTask>(),
        p if p.ends_with("capacity_provider_strategy.*") => probe::<RawStrategyItem>(),
        p if p.ends_with("placement_strategy.*") => probe::<RawPlacementStrategy>(),
        p if p.ends_with("placement_constraints.*") => probe::<RawPlacementConstraint>(),
        _ => return None,
    })
}

/// Tables that may be created when the base scenario lacks them.
fn creatable(pattern: &str) -> bool {
    matches!(
        pattern,
        "timings"
            | "timings.ec2"
            | "timings.fargate"
            | "scheduler"
            | "capacity_providers.*.managed_scaling"
            | "pricing"
            | "pricing.fargate"
            | "traffic"
    )
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

enum Cur<'a> {
    /// A table; `None` for one that does not exist yet but may be created.
    Table(Option<&'a Table>),
    Array(&'a [Value]),
    Leaf,
}

fn cur_of(v: &Value) -> Cur<'_> {
    match v {
        Value::Table(t) => Cur::Table(Some(t)),
        Value::Array(a) => Cur::Array(a),
        _ => Cur::Leaf,
    }
}

/// A path the base scenario does not have: what is wrong, and the closest valid path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scenario path `{path}`: {problem}{}", closest_note(.closest))]
pub struct PathError {
    /// The path as written.
    pub path: String,
    /// What is wrong with it (boxed: a `Result` stays small).
    pub problem: Box<PathProblem>,
    /// The closest valid path, if any is close.
    pub closest: Option<String>,
}

fn closest_note(closest: &Option<String>) -> String {
    closest
        .as_ref()
        .map(|best| format!("; the closest valid path is `{best}`"))
        .unwrap_or_default()
}

/// What is wrong with a path, at the step where the walk stopped (`walked`: the steps before it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathProblem {
    /// An empty key (`a..b`, a leading or trailing dot).
    #[error("a path is keys separated by single dots")]
    Syntax,
    /// `seed`: the sweep's `seeds` sets it.
    #[error("the seed is not a scenario value to vary: the sweep's `seeds` sets it")]
    Seed,
    /// A key the schema does not allow there.
    #[error("{here} has no key `{key}`{}", keys_note(.keys))]
    NoKey {
        /// Where (`the scenario's top level` or the walked path in backquotes).
        here: String,
        /// The key.
        key: String,
        /// The keys allowed there (empty: not known).
        keys: Vec<String>,
    },
    /// A table on the way that the base does not have and that is not created when missing.
    #[error("`{0}` is not in the base scenario")]
    NotInBase(String),
    /// An index past a list of unnamed items.
    #[error("`{walked}` has {len} items, addressed by index 0 to {}", .len.saturating_sub(1))]
    BadIndex {
        /// The list's path.
        walked: String,
        /// How many items it has.
        len: usize,
    },
    /// A name no item of a list has.
    #[error("`{walked}` has no item named `{name}` (items: {})", .items.join(", "))]
    NoItem {
        /// The list's path.
        walked: String,
        /// The name.
        name: String,
        /// The items' names.
        items: Vec<String>,
    },
    /// A key under a value.
    #[error("`{0}` is a value, not a table")]
    NotATable(String),
}

fn keys_note(keys: &[String]) -> String {
    if keys.is_empty() {
        String::new()
    } else {
        format!(" (keys: {})", keys.join(", "))
    }
}

/// Check `path` against the base scenario. The error says what is wrong and names the closest valid path.
pub fn resolve(base: &Table, path: &str) -> Result<Resolved, PathError> {
    resolve_inner(base, path).map_err(|problem| PathError {
        path: path.to_string(),
        closest: if path == "seed" {
            None
        } else {
            closest_path(base, path)
        },
        problem: Box::new(problem),
    })
}

fn resolve_inner(base: &Table, path: &str) -> Result<Resolved, PathProblem> {
    let segs: Vec<&str> = path.split('.').collect();
    if segs.iter().any(|s| s.trim().is_empty()) {
        return Err(PathProblem::Syntax);
    }
    if segs[0] == "seed" {
        return Err(PathProblem::Seed);
    }
    let mut cur = Cur::Table(Some(base));
    let mut pattern = String::new();
    let mut walked = String::new();
    let mut steps = Vec::new();
    let mut field = String::new();
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        match cur {
            Cur::Table(t) => {
                let pat = join(&pattern, seg);
                steps.push(Step::Key(seg.to_string()));
                field = join(&field, seg);
                match t.and_then(|t| t.get(*seg)) {
                    Some(v) => cur = cur_of(v),
                    None => {
                        let known = schema_keys(&pattern);
                        let allowed = match &known {
                            Some(keys) => keys.iter().any(|k| k == seg),
                            // A table whose schema we do not know (free-form attributes, distributions):
                            // any key; the scenario loader checks it.
                            None => t.is_some() && last,
                        };
                        let here = if walked.is_empty() {
                            "the scenario's top level".to_string()
                        } else {
                            format!("`{walked}`")
                        };
                        if !allowed {
                            return Err(PathProblem::NoKey {
                                here,
                                key: seg.to_string(),
                                keys: known.unwrap_or_default(),
                            });
                        }
                        if !last && !creatable(&pat) {
                            return Err(PathProblem::NotInBase(join(&walked, seg)));
                        }
                        cur = Cur::Table(None);
                    }
                }
                pattern = pat;
            }
            Cur::Array(items) => {
                let by_name = items.iter().position(|v| item_name(v) == Some(seg));
                let idx =
                    by_name.or_else(|| seg.parse::<usize>().ok().filter(|&i| i < items.len()));
                let Some(idx) = idx else {
                    let names: Vec<&str> = items.iter().filter_map(item_name).collect();
                    return Err(if names.is_empty() {
                        PathProblem::BadIndex {
                            walked,
                            len: items.len(),
                        }
                    } else {
                        PathProblem::NoItem {
                            walked,
                            name: seg.to_string(),
                            items: names.into_iter().map(String::from).collect(),
                        }
                    });
                };
                steps.push(Step::Index(idx));
                field.push_str(&format!("[{idx}]"));
                pattern = join(&pattern, "*");
                cur = cur_of(&items[idx]);
            }
            Cur::Leaf => {
                return Err(PathProblem::NotATable(walked));
            }
        }
        walked = join(&walked, seg);
    }
    Ok(Resolved { steps, field })
}

/// Whether `path` names a table or a list (existing, or a table that may be created) in the base scenario:
/// then a table value given for it in `set` is applied key by key (or item by item) rather than replacing it.
pub fn is_container(base: &Table, path: &str) -> bool {
    let Ok(r) = resolve_inner(base, path) else {
        return false;
    };
    match get(base, &r.steps) {
        Some(v) => v.is_table() || v.is_array(),
        None => {
            let pattern: Vec<&str> = r
                .steps
                .iter()
                .map(|s| match s {
                    Step::Key(k) => k.as_str(),
                    Step::Index(_) => "*",
                })
                .collect();
            creatable(&pattern.join("."))
        }
    }
}

/// The value at resolved steps, if the base has one.
pub fn get<'a>(base: &'a Table, steps: &[Step]) -> Option<&'a Value> {
    let (first, rest) = steps.split_first()?;
    let Step::Key(k) = first else { return None };
    let mut cur = base.get(k)?;
    for s in rest {
        cur = match (s, cur) {
            (Step::Key(k), Value::Table(t)) => t.get(k)?,
            (Step::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Set `value` at resolved steps, creating missing tables on the way.
pub fn set(table: &mut Table, steps: &[Step], value: Value) {
    let (last, parents) = steps.split_last().expect("a path has at least one step");
    let mut cur: &mut Value = match &parents.first() {
        None => {
            let Step::Key(k) = last else {
                unreachable!("the first step is a key")
            };
            table.insert(k.clone(), value);
            return;
        }
        Some(Step::Key(k)) => table
            .entry(k.clone())
            .or_insert_with(|| Value::Table(Table::new())),
        Some(Step::Index(_)) => unreachable!("the first step is a key"),
    };
    for s in &parents[1..] {
        cur = match (s, cur) {
            (Step::Key(k), Value::Table(t)) => t
                .entry(k.clone())
                .or_insert_with(|| Value::Table(Table::new())),
            (Step::Index(i), Value::Array(a)) => &mut a[*i],
            _ => unreachable!("resolved steps follow the table"),
        };
    }
    match (last, cur) {
        (Step::Key(k), Value::Table(t)) => {
            t.insert(k.clone(), value);
        }
        (Step::Index(i), Value::Array(a)) => a[*i] = value,
        _ => unreachable!("resolved steps follow the table"),
    }
}

/// Every valid path of the base scenario (existing values, and keys the schema allows where it is known),
/// in a stable order.
pub fn valid_paths(base: &Table) -> Vec<String> {
    let mut out = Vec::new();
    walk(Some(base), "", "", &mut out);
    out
}

fn walk(t: Option<&Table>, path: &str, pattern: &str, out: &mut Vec<String>) {
    let mut keys: Vec<String> = t.map(|t| t.keys().cloned().collect()).unwrap_or_default();
    if let Some(schema) = schema_keys(pattern) {
        for k in schema {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    for k in keys {
        if path.is_empty() && k == "seed" {
            continue;
        }
        let p = join(path, &k);
        let pat = join(pattern, &k);
        out.push(p.clone());
        match t.and_then(|t| t.get(&k)) {
            Some(Value::Table(sub)) => walk(Some(sub), &p, &pat, out),
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let label = item_name(item).map_or_else(|| i.to_string(), str::to_string);
                    let ip = join(&p, &label);
                    out.push(ip.clone());
                    if let Value::Table(sub) = item {
                        walk(Some(sub), &ip, &join(&pat, "*"), out);
                    }
                }
            }
            Some(_) => {}
            None if creatable(&pat) => walk(None, &p, &pat, out),
            None => {}
        }
    }
}

/// The valid path closest to `path` by edit distance (ties: the first in [`valid_paths`] order).
pub fn closest_path(base: &Table, path: &str) -> Option<String> {
    let paths = valid_paths(base);
    // Prefer a close typo, as the scenario loader does; otherwise the nearest path at all.
    if let Some(c) = closest(path, paths.iter().map(String::as_str)) {
        return Some(c.to_string());
    }
    paths
        .iter()
        .min_by_key(|p| strsim::levenshtein(path, p))
        .cloned()
}

/// A value as text for a variant name or a CSV cell: strings bare, everything else as inline TOML.
pub fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
name = "t"
duration = "1h"
seed = 3
[cluster]
availability_zones = ["a", "b"]
[[capacity_providers]]
name = "fleet"
instance_type = "m5.large"
max_size = 4
desired_size = 2
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
[[services]]
name = "web"
task_definition = "web"
desired_count = 4
capacity_provider_strategy = [{ capacity_provider = "fleet", weight = 1 }]
[[run_tasks]]
at = "10m"
task_definition = "web"
run_duration = { dist = "uniform", min = "1m", max = "2m" }
"#;

    fn base() -> Table {
        toml::from_str(BASE).unwrap()
    }

    #[test]
    fn probes_read_the_schema() {
        let keys = schema_keys("services.*").unwrap();
        assert!(keys.contains(&"desired_count".to_string()), "{keys:?}");
        assert!(keys.contains(&"placement_strategy".to_string()));
        assert!(
            schema_keys("scheduler")
                .unwrap()
                .contains(&"provisioning_cap".to_string())
        );
    }

    #[test]
    fn resolves_by_name_index_and_schema() {
        let b = base();
        let r = resolve(&b, "services.web.desired_count").unwrap();
        assert_eq!(r.field, "services[0].desired_count");
        assert_eq!(
            r.steps,
            vec![
                Step::Key("services".into()),
                Step::Index(0),
                Step::Key("desired_count".into())
            ]
        );
        assert_eq!(resolve(&b, "services.0.desired_count").unwrap(), r);
        assert_eq!(
            resolve(&b, "task_definitions.web.memory").unwrap().field,
            "task_definitions[0].memory"
        );
        assert_eq!(
            resolve(&b, "services.web.capacity_provider_strategy.fleet.weight")
                .unwrap()
                .field,
            "services[0].capacity_provider_strategy[0].weight"
        );
        // Not in the base but allowed by the schema; tables created on the way.
        assert!(resolve(&b, "services.web.launch_type").is_ok());
        assert!(resolve(&b, "scheduler.placement_retry_interval").is_ok());
        assert!(resolve(&b, "timings.ec2.pull").is_ok());
        assert!(resolve(&b, "pricing.discount").is_ok());
        assert!(resolve(&b, "pricing.fargate.vcpu_hour").is_ok());
        // Free-form tables accept any key.
        assert!(resolve(&b, "run_tasks.0.run_duration.max").is_ok());
        assert!(resolve(&b, "capacity_providers.fleet.attributes").is_ok());
    }

    #[test]
    fn unknown_paths_name_the_closest() {
        let b = base();
        let e = resolve(&b, "services.web.desird_count")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("closest valid path is `services.web.desired_count`"),
            "{e}"
        );
        let e = resolve(&b, "services.wbe.desired_count")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no item named `wbe` (items: web)"), "{e}");
        assert!(e.contains("`services.web.desired_count`"), "{e}");
        let e = resolve(&b, "capacity_providers.fleet.instance_typ")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`capacity_providers.fleet.instance_type`"),
            "{e}"
        );
        let e = resolve(&b, "seed").unwrap_err().to_string();
        assert!(e.contains("`seeds`"), "{e}");
        let e = resolve(&b, "services.web.desired_count.x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("is a value, not a table"), "{e}");
        assert!(resolve(&b, "services..web").is_err());
        assert!(resolve(&b, "nothing.at.all").is_err());
        assert!(!valid_paths(&b).contains(&"seed".to_string()));
    }

    #[test]
    fn set_edits_the_table() {
        let mut b = base();
        let r = resolve(&b, "services.web.desired_count").unwrap();
        set(&mut b, &r.steps, Value::Integer(9));
        assert_eq!(get(&b, &r.steps), Some(&Value::Integer(9)));
        let r = resolve(&b, "scheduler.placement_retry_interval").unwrap();
        set(&mut b, &r.steps, Value::String("10s".into()));
        assert_eq!(
            b["scheduler"]["placement_retry_interval"].as_str(),
            Some("10s")
        );
        let r = resolve(&b, "duration").unwrap();
        set(&mut b, &r.steps, Value::String("2h".into()));
        assert_eq!(b["duration"].as_str(), Some("2h"));
        assert!(is_container(&b, "cluster"));
        assert!(is_container(&b, "timings"));
        assert!(is_container(&b, "services"));
        assert!(is_container(&b, "services.web"));
        assert!(!is_container(&b, "duration"));
    }
}
