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

mod axes;
mod expand;

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
    /// The grid's dimensions, slowest first (empty when there is no `[vary]` or `[[zip]]`): variant `i`
    /// sits at the mixed-radix digits of `i` over their sizes. The charts draw small multiples from it.
    pub grid: Vec<GridDim>,
}

/// One dimension of a sweep's grid: the named variants (when crossed with a grid), a `[vary]` path, or a
/// `[[zip]]` table (its paths' short names and values joined by `/`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GridDim {
    /// `desired_count`, `desired_count/memory` (a zip), or `variant` (the named variants).
    pub name: String,
    /// Its values in grid order, as in the variant names.
    pub values: Vec<String>,
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
    fn checked<T, E: std::fmt::Display>(
        &mut self,
        r: Result<T, E>,
        span: Range<usize>,
    ) -> Option<T> {
        r.map_err(|e| self.push(span, "", e.to_string())).ok()
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
    check_keys(&mut cx, &top);
    let name = sweep_name(&mut cx, get("name"), default_name);
    if let Some(v) = get("description") {
        cx.string(v, "description");
    }
    let seeds = axes::seeds(&mut cx, get("seeds"));
    let Some((base_path, base)) = axes::base(&mut cx, get("base"), dir) else {
        return Err(cx.finish());
    };
    let mut axes: Vec<Axis> = Vec::new();
    if let Some(v) = get("vary") {
        axes.extend(axes::vary(&mut cx, &base, v));
    }
    if let Some(v) = get("zip") {
        axes.extend(axes::zips(&mut cx, &base, v));
    }
    let named = match get("variants") {
        Some(v) => axes::named_variants(&mut cx, &base, v),
        None => Vec::new(),
    };
    check_overlaps(&mut cx, &axes, &named);
    let headline = match get("headline") {
        Some(v) => axes::headline(&mut cx, v),
        None => Vec::new(),
    };
    if !cx.diags.is_empty() {
        return Err(cx.finish());
    }

    // Expand: named variants (outer) × grid points (first axis slowest).
    let grid_span = ["vary", "zip", "variants", "seeds"]
        .iter()
        .find_map(|k| get(k))
        .map_or(0..0, |v| v.span());
    let Some(n_points) = cx.checked(grid_size(&axes, named.len(), seeds.len()), grid_span) else {
        return Err(cx.finish());
    };
    let parameters = expand::parameters(&axes, &named);
    let plans = expand::plans(&axes, &named, n_points);
    let grid = expand::grid(&axes, &named);
    expand::check_plan_names(&mut cx, &plans);
    if !cx.diags.is_empty() {
        return Err(cx.finish());
    }
    let baselines = expand::baselines(&mut cx, get("baseline"), &plans, &named);
    let base = expand::Base {
        dir: base_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
        path: base_path,
        table: base,
    };
    let (variants, referenced) = expand::variants(&mut cx, &plans, &base, &parameters, &baselines);
    if !cx.diags.is_empty() {
        return Err(cx.finish());
    }

    let files: Vec<(String, PathBuf)> = referenced
        .into_iter()
        .filter_map(|name| {
            let p = base.dir.join(&name);
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
        grid,
    })
}

/// Unknown top-level keys.
fn check_keys(cx: &mut Cx, top: &[(&Spanned<std::borrow::Cow<str>>, &Item)]) {
    for (k, _) in top {
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
}

/// `name` (the file's stem when not given): it names the output folder.
fn sweep_name<'s>(cx: &mut Cx<'s>, v: Option<&Item<'s>>, default_name: &str) -> String {
    let name = match v {
        Some(v) => cx.string(v, "name").unwrap_or_default(),
        None => default_name.to_string(),
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        let span = v.map_or(0..0, |v| v.span());
        cx.push(
            span,
            "name",
            format!("the sweep name `{name}` names the output folder: use letters, digits, '-', '_' or '.'"),
        );
    }
    name
}

/// Most variants a sweep may expand to (grid points × named variants): 100,000. Each is a scenario text
/// held in memory and a folder on disk; a 10^12-point grid took 8 GiB in `--dry-run` before this cap.
pub const MAX_VARIANTS: usize = 100_000;

/// Most runs (variants × seeds) a sweep may have: ten million.
pub const MAX_RUNS: usize = 10_000_000;

/// The number of grid points, checked before anything is expanded: products with overflow checks (16
/// axes of 16 values once wrapped to "0 variants"), variants ≤ [`MAX_VARIANTS`], runs ≤ [`MAX_RUNS`].
/// A sweep too large to expand, and what to do.
#[derive(Debug, thiserror::Error)]
#[error(
    "{0}; a sweep has at most {MAX_VARIANTS} variants and {MAX_RUNS} runs (docs/limits.md): vary fewer settings or fewer values, or split the sweep"
)]
struct TooLarge(Size);

/// Which product is over its limit.
#[derive(Debug, thiserror::Error)]
enum Size {
    /// The grid's points, by axis sizes.
    #[error("the grid has {} points (more than {MAX_VARIANTS})", axis_sizes(.0))]
    Points(Vec<usize>),
    #[error("{points} grid points × {named} named variants is more than {MAX_VARIANTS} variants")]
    Variants { points: usize, named: usize },
    #[error("{variants} variants × {seeds} seeds is more than {MAX_RUNS} runs")]
    Runs { variants: usize, seeds: usize },
}

fn axis_sizes(sizes: &[usize]) -> String {
    let sizes: Vec<String> = sizes.iter().map(usize::to_string).collect();
    sizes.join(" × ")
}

fn grid_size(axes: &[Axis], named: usize, seeds: usize) -> Result<usize, TooLarge> {
    let mut points: usize = 1;
    for a in axes {
        points = points
            .checked_mul(a.points.len())
            .filter(|&p| p <= MAX_VARIANTS)
            .ok_or_else(|| TooLarge(Size::Points(axes.iter().map(|a| a.points.len()).collect())))?;
    }
    let variants = points
        .checked_mul(named.max(1))
        .filter(|&v| v <= MAX_VARIANTS)
        .ok_or(TooLarge(Size::Variants { points, named }))?;
    variants
        .checked_mul(seeds)
        .filter(|&r| r <= MAX_RUNS)
        .ok_or(TooLarge(Size::Runs { variants, seeds }))?;
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
        Err(e) => {
            cx.push(span, field, e.to_string());
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
