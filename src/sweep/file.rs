//! The sweep file: a base scenario, the values to vary (`[vary]`, `[[zip]]`), named variants and seeds,
//! expanded into one checked scenario per variant. Problems are reported like the scenario loader's, with
//! the file, line, column and field, and every variant's scenario is loaded before anything runs, so all
//! the problems are reported at once.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::{Table, Value};

use super::paths::{self, Resolved};
use crate::metrics::names::{is_metric_name, metric_names};
use crate::scenario::diag::{LineIndex, closest};
use crate::scenario::{self, Diagnostic, Diagnostics};
use crate::spec::Spec;

type Item<'s> = Spanned<DeValue<'s>>;

/// The keys of a sweep file.
pub const SWEEP_KEYS: &[&str] = &[
    "base",
    "name",
    "description",
    "seeds",
    "vary",
    "zip",
    "variants",
    "baseline",
    "headline",
];

/// A sweep, expanded and checked: every variant's scenario has loaded.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// Sweep name (default: the file's stem); names the default output folder.
    pub name: String,
    /// The sweep file as named in messages.
    pub label: String,
    /// Seeds of the replications, in order; every variant runs with each.
    pub seeds: Vec<u64>,
    /// The scenario paths that some variant sets, in order of first appearance (columns of `variants.csv`).
    pub parameters: Vec<String>,
    /// The variants: grid points, named variants, or their product.
    pub variants: Vec<Variant>,
    /// Summary figures for the table printed at the end (empty: a default choice).
    pub headline: Vec<String>,
    /// Hash of the expanded grid: ecsim version, every variant's name and scenario text, and the seeds.
    pub grid_hash: String,
}

/// One variant: a scenario with some values set.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Name, e.g. `desired_count=4,instance_type=m5.large`, or the `[[variants]]` name.
    pub name: String,
    /// The value of each of [`Sweep::parameters`] in this variant (the base scenario's when not set; empty
    /// when the base does not set it either).
    pub values: Vec<String>,
    /// The variant its paired differences are taken against.
    pub baseline: Option<usize>,
    /// The scenario, resolved.
    pub spec: Spec,
    /// The scenario text the variant was loaded from.
    pub text: String,
}

impl Sweep {
    /// Number of runs: variants × seeds. Run `i` is variant `i / seeds`, seed `i % seeds`.
    pub fn runs(&self) -> usize {
        self.variants.len() * self.seeds.len()
    }
}

/// Where a value was written in the sweep file.
#[derive(Debug, Clone)]
struct Origin {
    span: Range<usize>,
    field: String,
}

/// A path and the value to set there.
#[derive(Debug, Clone)]
struct Setting {
    path: String,
    resolved: Resolved,
    value: Value,
    origin: Origin,
}

/// One dimension of the grid: a `[vary]` entry (one path) or a `[[zip]]` table (paths moving together).
struct Axis {
    paths: Vec<(String, Resolved)>,
    /// `points[k][j]`: the value of path `j` at point `k`.
    points: Vec<Vec<(Value, Origin)>>,
}

struct Named {
    name: String,
    sets: Vec<Setting>,
}

struct Cx<'s> {
    file: String,
    lines: LineIndex<'s>,
    diags: Vec<Diagnostic>,
}

impl<'s> Cx<'s> {
    /// The problems, in file order (those about the whole file last).
    fn finish(mut self) -> Diagnostics {
        self.diags
            .sort_by_key(|d| (d.file != self.file, d.line == 0, d.line, d.column));
        Diagnostics(self.diags)
    }

    fn push(&mut self, span: Range<usize>, field: impl Into<String>, msg: impl Into<String>) {
        // A missing key points at the top of the file (line 1), as the scenario loader does: every
        // error has a line.
        let (line, column) = self.lines.locate(span.start);
        let d = Diagnostic {
            file: self.file.clone(),
            line,
            column,
            field: field.into(),
            message: msg.into(),
        };
        if !self.diags.contains(&d) {
            self.diags.push(d);
        }
    }

    /// Whether the base scenario loads; its own problems are recorded as `ecsim validate` reports them,
    /// one about the file as a whole (missing, unreadable) at the `base` key that named it.
    fn base_loads(&mut self, base_path: &Path, base_span: &Range<usize>) -> bool {
        let Err(d) = scenario::load(base_path) else {
            return true;
        };
        for d in d.0 {
            if d.line == 0 {
                let msg = format!("base scenario \"{}\": {}", d.file, d.message);
                self.push(base_span.clone(), "base", msg);
            } else {
                self.diags.push(d);
            }
        }
        false
    }

    /// The base scenario's table (it loaded already, so an error here is rare: recorded at `base`).
    fn read_base(&mut self, base_path: &Path, base_span: &Range<usize>) -> Option<Table> {
        let text = std::fs::read_to_string(base_path)
            .map_err(|e| format!("cannot read the base scenario {}: {e}", base_path.display()));
        let parsed = text.and_then(|t| {
            toml::from_str::<Table>(&t)
                .map_err(|e| format!("cannot read the base scenario: {}", e.message()))
        });
        parsed
            .map_err(|msg| self.push(base_span.clone(), "base", msg))
            .ok()
    }

    /// The value, or its error recorded at `span`.
    fn checked<T>(&mut self, r: Result<T, String>, span: Range<usize>) -> Option<T> {
        r.map_err(|msg| self.push(span, "", msg)).ok()
    }

    fn string(&mut self, v: &Item<'s>, field: &str) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                self.push(v.span(), field, "expected a string");
                None
            }
        }
    }

    fn value(&mut self, v: &Item<'s>, field: &str) -> Option<Value> {
        match Value::deserialize(ValueDeserializer::from(v.clone())) {
            Ok(x) => Some(x),
            Err(e) => {
                self.push(e.span().unwrap_or(v.span()), field, e.message().to_string());
                None
            }
        }
    }
}

/// Table entries in the order they were written.
fn entries<'a, 's>(
    t: &'a DeTable<'s>,
) -> Vec<(&'a Spanned<std::borrow::Cow<'s, str>>, &'a Item<'s>)> {
    let mut v: Vec<_> = t.iter().collect();
    v.sort_by_key(|(k, _)| k.span().start);
    v
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

/// Load a sweep file: read it, its base scenario, and load every variant.
pub fn load(path: &Path) -> Result<Sweep, Diagnostics> {
    let label = path.display().to_string();
    let src =
        scenario::read_text(path, scenario::MAX_SCENARIO_BYTES).map_err(|(line, column, e)| {
            Diagnostics(vec![Diagnostic {
                file: label.clone(),
                line,
                column,
                field: String::new(),
                message: format!("cannot read the sweep file: {e}"),
            }])
        })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sweep".into());
    load_str(&src, &label, &dir, &stem)
}

/// Load sweep text; `label` names it in messages, `dir` resolves `base`, `default_name` is the name when
/// the file gives none.
pub fn load_str(
    src: &str,
    label: &str,
    dir: &Path,
    default_name: &str,
) -> Result<Sweep, Diagnostics> {
    let mut cx = Cx {
        file: label.to_string(),
        lines: LineIndex::new(src),
        diags: Vec::new(),
    };
    let root = match DeTable::parse(src) {
        Ok(t) => t,
        Err(e) => {
            cx.push(e.span().unwrap_or(0..0), "", e.message().to_string());
            return Err(cx.finish());
        }
    };
    let top = entries(root.get_ref());
    let get = |key: &str| {
        top.iter()
            .find(|(k, _)| k.get_ref() == key)
            .map(|(_, v)| *v)
    };
    for (k, _) in &top {
        let key = k.get_ref().as_ref();
        if !SWEEP_KEYS.contains(&key) {
            let hint = closest(key, SWEEP_KEYS.iter().copied())
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            cx.push(
                k.span(),
                key,
                format!(
                    "unknown key `{key}`, expected one of `{}`{hint}",
                    SWEEP_KEYS.join("`, `")
                ),
            );
        }
    }

    // name, description
    let name = match get("name") {
        Some(v) => cx.string(v, "name").unwrap_or_default(),
        None => default_name.to_string(),
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        let span = get("name").map_or(0..0, |v| v.span());
        cx.push(
            span,
            "name",
            format!("the sweep name `{name}` names the output folder: use letters, digits, '-', '_' or '.'"),
        );
    }
    if let Some(v) = get("description") {
        cx.string(v, "description");
    }

    // seeds
    let seeds: Vec<u64> = match get("seeds") {
        None => {
            cx.push(
                0..0,
                "seeds",
                "missing required key `seeds`: the replications, e.g. seeds = 10 (seeds 1 to 10) or seeds = [1, 7, 42]",
            );
            Vec::new()
        }
        Some(v) => match v.get_ref() {
            DeValue::Integer(_) => match cx.value(v, "seeds").and_then(|x| x.as_integer()) {
                Some(n) if (1..=1_000_000).contains(&n) => (1..=n as u64).collect(),
                _ => {
                    cx.push(
                        v.span(),
                        "seeds",
                        "expected a number of replications from 1 to 1000000",
                    );
                    Vec::new()
                }
            },
            DeValue::Array(items) => {
                let mut out = Vec::new();
                for (i, it) in items.iter().enumerate() {
                    let f = format!("seeds[{i}]");
                    match cx.value(it, &f).and_then(|x| x.as_integer()) {
                        Some(s) if s >= 0 => {
                            if out.contains(&(s as u64)) {
                                cx.push(it.span(), f, format!("seed {s} is listed twice"));
                            } else {
                                out.push(s as u64);
                            }
                        }
                        _ => cx.push(it.span(), f, "expected a seed: a whole number ≥ 0"),
                    }
                }
                if items.is_empty() {
                    cx.push(v.span(), "seeds", "list at least one seed");
                }
                out
            }
            _ => {
                cx.push(
                    v.span(),
                    "seeds",
                    "expected a number of replications (seeds = 10) or a list of seeds",
                );
                Vec::new()
            }
        },
    };

    // base
    let base_path: Option<PathBuf> = match get("base") {
        Some(v) => cx.string(v, "base").map(|s| dir.join(s)),
        None => {
            cx.push(0..0, "base", "missing required key `base`: the scenario file to vary, relative to the sweep file");
            None
        }
    };
    let Some(base_path) = base_path else {
        return Err(cx.finish());
    };
    let base_span = get("base").map_or(0..0, |v| v.span());
    if !cx.base_loads(&base_path, &base_span) {
        return Err(cx.finish());
    }
    let Some(base) = cx.read_base(&base_path, &base_span) else {
        return Err(cx.finish());
    };
    let base_dir = base_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();

    // [vary]
    let mut axes: Vec<Axis> = Vec::new();
    if let Some(v) = get("vary") {
        match v.get_ref() {
            DeValue::Table(t) => {
                let mut lists = Vec::new();
                flatten_lists(&mut cx, t, "", "vary", &mut lists);
                for (path, key_span, items) in lists {
                    let field = format!("vary.{path}");
                    let Some(resolved) = resolve(&mut cx, &base, &path, key_span, &field) else {
                        continue;
                    };
                    let mut points = Vec::new();
                    for (i, it) in items.iter().enumerate() {
                        let f = format!("{field}[{i}]");
                        if let Some(val) = cx.value(it, &f) {
                            points.push(vec![(
                                val,
                                Origin {
                                    span: it.span(),
                                    field: f,
                                },
                            )]);
                        }
                    }
                    if items.is_empty() {
                        cx.push(v.span(), field, "list at least one value");
                    }
                    axes.push(Axis {
                        paths: vec![(path, resolved)],
                        points,
                    });
                }
            }
            _ => cx.push(
                v.span(),
                "vary",
                "expected a table: [vary] with `path = [values]` lines",
            ),
        }
    }

    // [[zip]]
    if let Some(v) = get("zip") {
        let tables: Vec<&Item> = match v.get_ref() {
            DeValue::Array(a) => a.iter().collect(),
            _ => {
                cx.push(v.span(), "zip", "expected [[zip]] tables");
                Vec::new()
            }
        };
        for (z, zt) in tables.iter().enumerate() {
            let DeValue::Table(t) = zt.get_ref() else {
                cx.push(
                    zt.span(),
                    format!("zip[{z}]"),
                    "expected a table of `path = [values]`",
                );
                continue;
            };
            let mut lists = Vec::new();
            flatten_lists(&mut cx, t, "", &format!("zip[{z}]"), &mut lists);
            if lists.is_empty() {
                cx.push(
                    zt.span(),
                    format!("zip[{z}]"),
                    "a [[zip]] table needs at least one `path = [values]`",
                );
                continue;
            }
            let len = lists[0].2.len();
            let mut axis = Axis {
                paths: Vec::new(),
                points: vec![Vec::new(); len],
            };
            let mut ok = true;
            for (path, key_span, items) in &lists {
                let field = format!("zip[{z}].{path}");
                if items.len() != len {
                    cx.push(
                        key_span.clone(),
                        &field,
                        format!(
                            "the lists of one [[zip]] move together and must have the same length: `{}` has {len} values, this one {}",
                            lists[0].0,
                            items.len()
                        ),
                    );
                    ok = false;
                    continue;
                }
                let Some(resolved) = resolve(&mut cx, &base, path, key_span.clone(), &field) else {
                    ok = false;
                    continue;
                };
                axis.paths.push((path.clone(), resolved));
                for (i, it) in items.iter().enumerate() {
                    let f = format!("{field}[{i}]");
                    match cx.value(it, &f) {
                        Some(val) => axis.points[i].push((
                            val,
                            Origin {
                                span: it.span(),
                                field: f,
                            },
                        )),
                        None => ok = false,
                    }
                }
            }
            if len == 0 {
                cx.push(zt.span(), format!("zip[{z}]"), "list at least one value");
            } else if ok {
                axes.push(axis);
            }
        }
    }

    // [[variants]]
    let mut named: Vec<Named> = Vec::new();
    if let Some(v) = get("variants") {
        let tables: Vec<&Item> = match v.get_ref() {
            DeValue::Array(a) => a.iter().collect(),
            _ => {
                cx.push(
                    v.span(),
                    "variants",
                    "expected [[variants]] tables with `name` and `set`",
                );
                Vec::new()
            }
        };
        for (i, vt) in tables.iter().enumerate() {
            let field = format!("variants[{i}]");
            let DeValue::Table(t) = vt.get_ref() else {
                cx.push(vt.span(), &field, "expected a table with `name` and `set`");
                continue;
            };
            let mut vname = None;
            let mut sets = Vec::new();
            for (k, val) in entries(t) {
                match k.get_ref().as_ref() {
                    "name" => vname = cx.string(val, &format!("{field}.name")),
                    "description" => {
                        cx.string(val, &format!("{field}.description"));
                    }
                    "set" => match val.get_ref() {
                        DeValue::Table(st) => {
                            let mut leaves = Vec::new();
                            flatten_set(&base, st, "", &mut leaves);
                            for (path, key_span, item) in leaves {
                                let f = format!("{field}.set.{path}");
                                let Some(resolved) = resolve(&mut cx, &base, &path, key_span, &f)
                                else {
                                    continue;
                                };
                                if let Some(value) = cx.value(item, &f) {
                                    sets.push(Setting {
                                        path,
                                        resolved,
                                        value,
                                        origin: Origin {
                                            span: item.span(),
                                            field: f,
                                        },
                                    });
                                }
                            }
                        }
                        _ => cx.push(
                            val.span(),
                            format!("{field}.set"),
                            "expected a table: set = { path = value, … }",
                        ),
                    },
                    other => {
                        let keys = ["name", "set", "description"];
                        let hint = closest(other, keys)
                            .map(|c| format!("; did you mean `{c}`?"))
                            .unwrap_or_default();
                        cx.push(
                            k.span(),
                            format!("{field}.{other}"),
                            format!("unknown key `{other}`, expected one of `name`, `set`, `description`{hint}"),
                        );
                    }
                }
            }
            match vname {
                Some(n) if !n.is_empty() => {
                    if named.iter().any(|x| x.name == n) {
                        cx.push(
                            vt.span(),
                            format!("{field}.name"),
                            format!("two variants are named `{n}`"),
                        );
                    }
                    named.push(Named { name: n, sets });
                }
                _ => cx.push(
                    vt.span(),
                    format!("{field}.name"),
                    "each [[variants]] needs a non-empty `name`",
                ),
            }
        }
    }

    // Paths set twice.
    check_overlaps(&mut cx, &axes, &named);

    // headline
    let mut headline = Vec::new();
    if let Some(v) = get("headline") {
        let known = metric_names();
        match v.get_ref() {
            DeValue::Array(items) => {
                for (i, it) in items.iter().enumerate() {
                    let f = format!("headline[{i}]");
                    if let Some(s) = cx.string(it, &f) {
                        if is_metric_name(&s) {
                            headline.push(s);
                        } else {
                            let hint = closest(&s, known.iter().map(String::as_str))
                                .map(|c| format!("did you mean `{c}`? "))
                                .unwrap_or_default();
                            cx.push(
                                it.span(),
                                f,
                                format!(
                                    "unknown summary figure `{s}`; {hint}figures: {}",
                                    known.join(", ")
                                ),
                            );
                        }
                    }
                }
            }
            _ => cx.push(
                v.span(),
                "headline",
                "expected a list of summary figures, e.g. [\"tasks.start_latency_s_p50\"]",
            ),
        }
    }

    if !cx.diags.is_empty() {
        return Err(cx.finish());
    }

    // Expand: named variants (outer) × grid points (first axis slowest).
    let grid_paths: Vec<String> = axes
        .iter()
        .flat_map(|a| a.paths.iter().map(|(p, _)| p.clone()))
        .collect();
    let shorts = short_names(&grid_paths);
    let grid_span = ["vary", "zip", "variants", "seeds"]
        .iter()
        .find_map(|k| get(k))
        .map_or(0..0, |v| v.span());
    let Some(n_points) = cx.checked(grid_size(&axes, named.len(), seeds.len()), grid_span) else {
        return Err(cx.finish());
    };
    let mut parameters: Vec<(String, Resolved)> = Vec::new();
    for (p, r) in axes.iter().flat_map(|a| a.paths.iter().cloned()).chain(
        named
            .iter()
            .flat_map(|n| n.sets.iter().map(|s| (s.path.clone(), s.resolved.clone()))),
    ) {
        if !parameters.iter().any(|(_, q)| q.field == r.field) {
            parameters.push((p, r));
        }
    }

    struct Plan {
        name: String,
        named: Option<usize>,
        point: usize,
        sets: Vec<Setting>,
    }
    let mut plans: Vec<Plan> = Vec::new();
    let named_count = named.len().max(1);
    for ni in 0..named_count {
        for point in 0..n_points {
            let mut sets: Vec<Setting> = named.get(ni).map(|n| n.sets.clone()).unwrap_or_default();
            let mut parts: Vec<String> = named
                .get(ni)
                .map(|n| vec![n.name.clone()])
                .unwrap_or_default();
            let mut rest = point;
            let mut coords = vec![0; axes.len()];
            for (ai, a) in axes.iter().enumerate().rev() {
                coords[ai] = rest % a.points.len();
                rest /= a.points.len();
            }
            let mut pi = 0;
            for (ai, a) in axes.iter().enumerate() {
                for (j, (path, resolved)) in a.paths.iter().enumerate() {
                    let (value, origin) = &a.points[coords[ai]][j];
                    parts.push(format!("{}={}", shorts[pi], paths::display(value)));
                    sets.push(Setting {
                        path: path.clone(),
                        resolved: resolved.clone(),
                        value: value.clone(),
                        origin: origin.clone(),
                    });
                    pi += 1;
                }
            }
            let name = if parts.is_empty() {
                "base".to_string()
            } else {
                parts.join(",")
            };
            plans.push(Plan {
                name,
                named: named.get(ni).map(|_| ni),
                point,
                sets,
            });
        }
    }
    // Two grid points with the same name: a value listed twice.
    for (i, p) in plans.iter().enumerate() {
        if let Some(j) = plans[..i].iter().position(|q| q.name == p.name) {
            let origin = p
                .sets
                .iter()
                .zip(&plans[j].sets)
                .rev()
                .find(|(a, b)| a.origin.field != b.origin.field)
                .map(|(a, _)| a.origin.clone())
                .unwrap_or(Origin {
                    span: 0..0,
                    field: String::new(),
                });
            cx.push(
                origin.span,
                origin.field,
                format!(
                    "variant `{}` would appear twice: a value is listed twice",
                    p.name
                ),
            );
        }
    }
    if !cx.diags.is_empty() {
        return Err(cx.finish());
    }

    // Baseline: a variant's name, or a named variant (then each grid point against its own).
    let mut baselines: Vec<Option<usize>> = vec![None; plans.len()];
    if let Some(v) = get("baseline")
        && let Some(b) = cx.string(v, "baseline")
    {
        if let Some(bi) = plans.iter().position(|p| p.name == b) {
            for (i, slot) in baselines.iter_mut().enumerate() {
                *slot = (i != bi).then_some(bi);
            }
        } else if let Some(bn) = named.iter().position(|n| n.name == b) {
            for (i, slot) in baselines.iter_mut().enumerate() {
                let p = &plans[i];
                let bi = plans
                    .iter()
                    .position(|q| q.named == Some(bn) && q.point == p.point)
                    .expect("every named variant has every grid point");
                *slot = (i != bi).then_some(bi);
            }
        } else {
            let names = plans
                .iter()
                .map(|p| p.name.as_str())
                .chain(named.iter().map(|n| n.name.as_str()));
            let hint = closest(&b, names)
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
            let list: Vec<&str> = plans.iter().map(|p| p.name.as_str()).take(12).collect();
            cx.push(
                v.span(),
                "baseline",
                format!(
                    "no variant is named `{b}`; {hint}variants: {}{}",
                    list.join(", "),
                    if plans.len() > 12 { ", …" } else { "" }
                ),
            );
        }
    }

    // Build and load every variant's scenario.
    let mut variants: Vec<Variant> = Vec::new();
    let mut referenced = std::collections::BTreeSet::new();
    for plan in &plans {
        let mut table = base.clone();
        for s in &plan.sets {
            paths::set(&mut table, &s.resolved.steps, s.value.clone());
        }
        table.values().for_each(|v| strings(v, &mut referenced));
        let text = match toml::to_string(&table) {
            Ok(t) => t,
            Err(e) => {
                cx.push(
                    0..0,
                    "",
                    format!("variant `{}`: cannot write its scenario: {e}", plan.name),
                );
                continue;
            }
        };
        let vlabel = format!("{} (variant {})", base_path.display(), plan.name);
        match scenario::load_str(&text, &vlabel, &base_dir) {
            Ok(spec) => {
                let values = parameters
                    .iter()
                    .map(|(_, r)| {
                        plan.sets
                            .iter()
                            .rev()
                            .find(|s| s.resolved.field == r.field)
                            .map(|s| paths::display(&s.value))
                            .or_else(|| paths::get(&base, &r.steps).map(paths::display))
                            .unwrap_or_default()
                    })
                    .collect();
                variants.push(Variant {
                    name: plan.name.clone(),
                    values,
                    baseline: baselines[variants.len()],
                    spec,
                    text,
                });
            }
            Err(d) => attribute(&mut cx, &plan.name, &plan.sets, &vlabel, d.0),
        }
    }
    if !cx.diags.is_empty() {
        return Err(cx.finish());
    }

    let files: Vec<(String, PathBuf)> = referenced
        .into_iter()
        .filter_map(|name| {
            let p = base_dir.join(&name);
            p.is_file().then_some((name, p))
        })
        .collect();
    let grid_hash = grid_hash(&variants, &seeds, &files);
    Ok(Sweep {
        name,
        label: label.to_string(),
        seeds,
        parameters: parameters.into_iter().map(|(p, _)| p).collect(),
        variants,
        headline,
        grid_hash,
    })
}

/// Most variants a sweep may expand to (grid points × named variants): 100,000. Each is a scenario text
/// held in memory and a folder on disk; a 10^12-point grid took 8 GiB in `--dry-run` before this cap.
pub const MAX_VARIANTS: usize = 100_000;

/// Most runs (variants × seeds) a sweep may have: ten million.
pub const MAX_RUNS: usize = 10_000_000;

/// The number of grid points, checked before anything is expanded: products with overflow checks (16
/// axes of 16 values once wrapped to "0 variants"), variants ≤ [`MAX_VARIANTS`], runs ≤ [`MAX_RUNS`].
fn grid_size(axes: &[Axis], named: usize, seeds: usize) -> Result<usize, String> {
    let too_many = |what: String| {
        format!(
            "{what}; a sweep has at most {MAX_VARIANTS} variants and {MAX_RUNS} runs (docs/limits.md): vary fewer settings or fewer values, or split the sweep"
        )
    };
    let mut points: usize = 1;
    for a in axes {
        points = points
            .checked_mul(a.points.len())
            .filter(|&p| p <= MAX_VARIANTS)
            .ok_or_else(|| {
                let sizes: Vec<String> = axes.iter().map(|a| a.points.len().to_string()).collect();
                too_many(format!(
                    "the grid has {} points (more than {MAX_VARIANTS})",
                    sizes.join(" × ")
                ))
            })?;
    }
    let variants = points
        .checked_mul(named.max(1))
        .filter(|&v| v <= MAX_VARIANTS)
        .ok_or_else(|| {
            too_many(format!(
                "{points} grid points × {named} named variants is more than {MAX_VARIANTS} variants"
            ))
        })?;
    variants
        .checked_mul(seeds)
        .filter(|&r| r <= MAX_RUNS)
        .ok_or_else(|| {
            too_many(format!(
                "{variants} variants × {seeds} seeds is more than {MAX_RUNS} runs"
            ))
        })?;
    Ok(points)
}

fn resolve(
    cx: &mut Cx,
    base: &Table,
    path: &str,
    span: Range<usize>,
    field: &str,
) -> Option<Resolved> {
    match paths::resolve(base, path) {
        Ok(r) => Some(r),
        Err(msg) => {
            cx.push(span, field, msg);
            None
        }
    }
}

/// `path = [values]` entries of a `[vary]` or `[[zip]]` table; nested tables (dotted keys) are walked.
fn flatten_lists<'a, 's>(
    cx: &mut Cx<'s>,
    t: &'a DeTable<'s>,
    prefix: &str,
    field: &str,
    out: &mut Vec<(String, Range<usize>, &'a [Item<'s>])>,
) {
    for (k, v) in entries(t) {
        let path = join(prefix, k.get_ref());
        match v.get_ref() {
            DeValue::Array(items) => out.push((path, k.span(), items)),
            DeValue::Table(sub) => flatten_lists(cx, sub, &path, field, out),
            _ => cx.push(
                v.span(),
                format!("{field}.{path}"),
                format!("expected a list of values to try, e.g. {path} = [2, 4, 8]"),
            ),
        }
    }
}

/// `path = value` entries of a `set` table: a table value is walked key by key where the base scenario has
/// a table (or list of named items) at that path, and set whole otherwise.
fn flatten_set<'a, 's>(
    base: &Table,
    t: &'a DeTable<'s>,
    prefix: &str,
    out: &mut Vec<(String, Range<usize>, &'a Item<'s>)>,
) {
    for (k, v) in entries(t) {
        let path = join(prefix, k.get_ref());
        match v.get_ref() {
            DeValue::Table(sub) if paths::is_container(base, &path) => {
                flatten_set(base, sub, &path, out)
            }
            _ => out.push((path, k.span(), v)),
        }
    }
}

/// A path set in two places: by two axes, by an axis and a named variant, or one inside the other.
fn check_overlaps(cx: &mut Cx, axes: &[Axis], named: &[Named]) {
    let nested = |a: &str, b: &str| {
        a == b
            || b.starts_with(&format!("{a}."))
            || b.starts_with(&format!("{a}["))
            || a.starts_with(&format!("{b}."))
            || a.starts_with(&format!("{b}["))
    };
    let grid: Vec<(usize, &String, &Resolved)> = axes
        .iter()
        .enumerate()
        .flat_map(|(ai, a)| a.paths.iter().map(move |(p, r)| (ai, p, r)))
        .collect();
    for (i, (ai, p, r)) in grid.iter().enumerate() {
        for (aj, q, s) in &grid[..i] {
            if ai != aj && nested(&r.field, &s.field) {
                cx.push(0..0, "vary", format!("`{p}` and `{q}` set the same value in two dimensions of the grid; put them in one [[zip]] or vary one"));
            }
        }
    }
    for n in named {
        for s in &n.sets {
            if let Some((_, q, _)) = grid
                .iter()
                .find(|(_, _, r)| nested(&r.field, &s.resolved.field))
            {
                cx.push(
                    s.origin.span.clone(),
                    s.origin.field.clone(),
                    format!(
                        "variant `{}` sets `{}`, which the grid varies as `{q}`",
                        n.name, s.path
                    ),
                );
            }
        }
        for (i, s) in n.sets.iter().enumerate() {
            if let Some(t) = n.sets[..i]
                .iter()
                .find(|t| nested(&t.resolved.field, &s.resolved.field))
            {
                cx.push(
                    s.origin.span.clone(),
                    s.origin.field.clone(),
                    format!(
                        "variant `{}` sets `{}` twice (also as `{}`)",
                        n.name, s.path, t.path
                    ),
                );
            }
        }
    }
}

/// A variant's load errors, each reported at the sweep-file value that caused it when its field is one the
/// variant set. Errors that match no set value are reported against the variant, unless some did match
/// (then they follow from those, e.g. a service that failed to load is "unknown" to later sections).
fn attribute(cx: &mut Cx, variant: &str, sets: &[Setting], vlabel: &str, diags: Vec<Diagnostic>) {
    let inside = |f: &str, set: &str| {
        f == set || f.starts_with(&format!("{set}.")) || f.starts_with(&format!("{set}["))
    };
    let origin_of = |d: &Diagnostic| {
        if d.file != vlabel {
            return None;
        }
        sets.iter()
            .rev()
            .find(|s| inside(&d.field, &s.resolved.field))
            .map(|s| s.origin.clone())
    };
    let any_attributed = diags.iter().any(|d| origin_of(d).is_some());
    for d in diags {
        match origin_of(&d) {
            Some(origin) => {
                // The same bad value fails in many grid points: report it once.
                let tail = format!("scenario field `{}`)", d.field);
                let (line, column) = cx.lines.locate(origin.span.start);
                if cx.diags.iter().any(|x| {
                    x.line == line
                        && x.column == column
                        && x.message.starts_with(&d.message)
                        && x.message.ends_with(&tail)
                }) {
                    continue;
                }
                let msg = format!("{} (variant `{variant}`, {tail}", d.message);
                cx.push(origin.span, origin.field, msg);
            }
            None if any_attributed => {}
            None => {
                let what = if d.file == vlabel {
                    let field = if d.field.is_empty() {
                        String::new()
                    } else {
                        format!("field `{}`: ", d.field)
                    };
                    format!("{field}{}", d.message)
                } else {
                    d.to_string()
                };
                let tail = format!("does not load: {what}");
                if !cx.diags.iter().any(|x| x.message.ends_with(&tail)) {
                    // At the line of a setting that made the variant (its first), else the top.
                    let (span, field) = sets.first().map_or((0..0, String::new()), |s| {
                        (s.origin.span.clone(), s.origin.field.clone())
                    });
                    cx.push(span, field, format!("variant `{variant}` {tail}"));
                }
            }
        }
    }
}

/// Short names of the grid paths for variant names: the shortest unique suffix (`desired_count`, or
/// `web.desired_count` when two services vary theirs).
fn short_names(paths: &[String]) -> Vec<String> {
    paths
        .iter()
        .map(|p| {
            let segs: Vec<&str> = p.split('.').collect();
            for n in 1..=segs.len() {
                let suffix = segs[segs.len() - n..].join(".");
                let clash = paths
                    .iter()
                    .filter(|q| *q != p)
                    .any(|q| *q == suffix || q.ends_with(&format!(".{suffix}")));
                if !clash {
                    return suffix;
                }
            }
            p.clone()
        })
        .collect()
}

/// FNV-1a, 64-bit, from a given offset basis.
fn fnv1a(bytes: &[u8], basis: u64) -> u64 {
    let mut h = basis;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Two FNV-1a streams with different offset bases: a 128-bit identity (not a cryptographic hash).
struct GridHasher(u64, u64);

impl GridHasher {
    fn new() -> Self {
        GridHasher(0xcbf2_9ce4_8422_2325, 0x6c62_272e_07bb_0142)
    }
    fn update(&mut self, bytes: &[u8]) {
        self.0 = fnv1a(bytes, self.0);
        self.1 = fnv1a(bytes, self.1);
        self.0 = fnv1a(&[0], self.0);
        self.1 = fnv1a(&[0xff], self.1);
    }
    fn hex(&self) -> String {
        format!("{:016x}{:016x}", self.0, self.1)
    }
}

/// Every string value of a scenario table (candidate file references: task-definition JSON, traces).
fn strings(v: &Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::String(s) => {
            out.insert(s.clone());
        }
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Table(t) => t.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// The expanded grid's identity: ecsim's version, each variant's name and scenario text, the seeds, and
/// the contents of the files the scenarios name (by the name as written, so shards on machines with other
/// mount points agree).
fn grid_hash(variants: &[Variant], seeds: &[u64], files: &[(String, PathBuf)]) -> String {
    let mut h = GridHasher::new();
    h.update(b"ecsim-sweep");
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    for v in variants {
        h.update(v.name.as_bytes());
        h.update(v.text.as_bytes());
    }
    for s in seeds {
        h.update(s.to_string().as_bytes());
    }
    for (name, path) in files {
        if let Ok(bytes) = std::fs::read(path) {
            h.update(name.as_bytes());
            h.update(&bytes);
        }
    }
    h.hex()
}

#[cfg(test)]
mod tests;
