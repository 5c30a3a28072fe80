//! The plan file: the base scenario, the service to plan, its SLO, the search space in AWS's terms, the
//! seeds and a budget. Checked as strictly as scenarios and sweeps: unknown keys are errors, every problem
//! names the file, line, column and field and what is allowed, and all problems are reported at once.
//! `docs/plan.md` is the reference.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::{Spanned, Table};

use crate::pricing::catalog;
use crate::scenario::diag::{LineIndex, closest};
use crate::scenario::duration::parse_duration_ms;
use crate::scenario::{self, Diagnostic, Diagnostics};
use crate::spec::{SchedulingStrategy, Spec};

use super::outcome::{Launch, SloTarget};

/// The plan file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    base: Spanned<String>,
    name: Option<Spanned<String>>,
    #[allow(dead_code)]
    description: Option<String>,
    service: Option<Spanned<String>>,
    seeds: Spanned<Seeds>,
    duration: Option<Spanned<String>>,
    short_horizon: Option<Spanned<String>>,
    budget_runs: Option<Spanned<i64>>,
    budget_seconds: Option<Spanned<f64>>,
    slo: Option<Spanned<RawSlo>>,
    space: Spanned<RawSpace>,
    #[serde(default)]
    spot: RawSpot,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Seeds {
    Count(i64),
    List(Vec<i64>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSlo {
    p99: Option<Spanned<String>>,
    error_rate: Option<Spanned<f64>>,
    objective: Option<Spanned<f64>>,
    max_usd_per_month: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpace {
    launch: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    instance_types: Vec<Spanned<String>>,
    #[serde(default)]
    families: Vec<Spanned<String>>,
    #[serde(default)]
    sizes: Vec<Spanned<String>>,
    fargate_architectures: Option<Vec<Spanned<String>>>,
    task_sizes: Spanned<Vec<Spanned<RawSize>>>,
    targets: Spanned<Vec<Spanned<f64>>>,
    min_capacity: Spanned<Vec<Spanned<i64>>>,
    max_capacity: Spanned<Vec<Spanned<i64>>>,
    target_capacity: Option<Spanned<Vec<Spanned<i64>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSize {
    cpu: i64,
    memory: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpot {
    #[serde(default = "one")]
    base: i64,
    #[serde(default = "one")]
    on_demand_weight: i64,
    #[serde(default = "three")]
    spot_weight: i64,
    #[serde(default = "rate")]
    ec2_interruptions_per_hour: f64,
    #[serde(default = "rate")]
    fargate_interruptions_per_hour: f64,
}

fn one() -> i64 {
    1
}
fn three() -> i64 {
    3
}
fn rate() -> f64 {
    0.05
}

impl Default for RawSpot {
    fn default() -> Self {
        RawSpot {
            base: 1,
            on_demand_weight: 1,
            spot_weight: 3,
            ec2_interruptions_per_hour: 0.05,
            fargate_interruptions_per_hour: 0.05,
        }
    }
}

/// The Spot mixes of the `ec2-spot` and `fargate-spot` launch options: a capacity-provider strategy with
/// an on-demand `base` and weights, and the interruption rates (unconfirmed: AWS publishes no rate).
#[derive(Debug, Clone, PartialEq)]
pub struct SpotMix {
    /// Tasks on on-demand capacity before the weights apply (the strategy's `base`).
    pub base: u32,
    /// Weight of the on-demand provider.
    pub on_demand_weight: u32,
    /// Weight of the Spot provider.
    pub spot_weight: u32,
    /// EC2 Spot interruptions per instance-hour.
    pub ec2_interruptions_per_hour: f64,
    /// Fargate Spot interruptions per task-hour.
    pub fargate_interruptions_per_hour: f64,
}

/// A task size: CPU units and MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TaskSize {
    /// CPU units (1024 = one vCPU).
    pub cpu: u32,
    /// Memory, MiB.
    pub memory: u32,
}

/// The search space: every list of the `[space]` table, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchSpace {
    /// Launch options, in file order.
    pub launch: Vec<Launch>,
    /// EC2 instance types (the list, then families × sizes), known to the catalog.
    pub instance_types: Vec<catalog::InstanceType>,
    /// Fargate CPU architectures: `x86_64`, `arm64`.
    pub fargate_architectures: Vec<catalog::Arch>,
    /// Task sizes, in file order.
    pub task_sizes: Vec<TaskSize>,
    /// Target-tracking targets (average CPU utilisation, %).
    pub targets: Vec<f64>,
    /// Minimum task counts.
    pub min_capacity: Vec<u32>,
    /// Maximum task counts.
    pub max_capacity: Vec<u32>,
    /// Managed-scaling target capacities of the EC2 capacity providers, %.
    pub target_capacity: Vec<u32>,
}

/// A plan, loaded and checked: the base scenario loads, and every list of the space is valid.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Name (default: the file's stem); names `results/plans/<name>/`.
    pub name: String,
    /// The plan file as named in messages.
    pub label: String,
    /// The base scenario's path as written in the plan.
    pub base_label: String,
    /// The base scenario as a TOML table (candidates are edits of it).
    pub base: Table,
    /// The folder the base scenario's own relative paths resolve against.
    pub base_dir: PathBuf,
    /// The base scenario, loaded.
    pub base_spec: Spec,
    /// The planned service.
    pub service: String,
    /// The SLO candidates are judged against.
    pub slo: SloTarget,
    /// Seeds, in order.
    pub seeds: Vec<u64>,
    /// The full horizon (the scenario's `duration`), ms.
    pub horizon_ms: u64,
    /// The plan's `short_horizon`, ms (the full horizon when not set): when shorter, each probe's first
    /// run (racing; its prefix bound decides infeasible probes cheaply).
    pub short_horizon_ms: u64,
    /// Stop adding runs past this many (a budget).
    pub budget_runs: Option<usize>,
    /// Stop starting rounds past this many wall-clock seconds (makes the outcome depend on speed).
    pub budget_seconds: Option<f64>,
    /// The search space.
    pub space: SearchSpace,
    /// The Spot mixes.
    pub spot: SpotMix,
}

/// Most seeds a plan may name.
pub const MAX_SEEDS: usize = 1000;

struct Cx<'s> {
    file: String,
    lines: LineIndex<'s>,
    diags: Vec<Diagnostic>,
}

impl Cx<'_> {
    fn push(&mut self, span: Range<usize>, field: &str, msg: impl Into<String>) {
        let (line, column) = self.lines.locate(span.start);
        self.diags.push(Diagnostic {
            file: self.file.clone(),
            line,
            column,
            field: field.to_string(),
            message: msg.into(),
        });
    }
}

/// Load and check the plan file at `path`.
pub fn load(path: &Path) -> Result<Plan, Diagnostics> {
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostics(vec![Diagnostic {
            file: label.clone(),
            line: 0,
            column: 0,
            field: String::new(),
            message: format!("cannot read the plan file: {e}"),
        }])
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plan".into());
    load_str(&text, &label, &dir, &stem)
}

/// Load and check a plan from its text; `dir` resolves `base`, `stem` is the default name.
pub fn load_str(text: &str, label: &str, dir: &Path, stem: &str) -> Result<Plan, Diagnostics> {
    let mut cx = Cx {
        file: label.to_string(),
        lines: LineIndex::new(text),
        diags: Vec::new(),
    };
    let raw: Raw = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let msg = crate::scenario::diag::enrich_serde_message(e.message());
            cx.push(span, "", msg);
            return Err(Diagnostics(cx.diags));
        }
    };
    let plan = check(&mut cx, raw, dir, stem);
    match plan {
        Some(p) if cx.diags.is_empty() => Ok(p),
        _ => {
            cx.diags.sort_by_key(|d| (d.line, d.column));
            Err(Diagnostics(cx.diags))
        }
    }
}

fn check(cx: &mut Cx, raw: Raw, dir: &Path, stem: &str) -> Option<Plan> {
    let name = match &raw.name {
        Some(n) => {
            let ok = !n.get_ref().is_empty()
                && n.get_ref()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                && !n.get_ref().starts_with('.');
            if !ok {
                cx.push(
                    n.span(),
                    "name",
                    "letters, digits, `-`, `_` and `.` only (it names a folder)",
                );
            }
            n.get_ref().clone()
        }
        None => stem.to_string(),
    };
    let seeds = check_seeds(cx, &raw.seeds);
    let space = check_space(cx, &raw.space);
    let spot = check_spot(cx, &raw.spot, raw.space.span());
    let base_label = raw.base.get_ref().clone();
    let base_path = dir.join(&base_label);
    let base_text = match std::fs::read_to_string(&base_path) {
        Ok(t) => t,
        Err(e) => {
            cx.push(
                raw.base.span(),
                "base",
                format!("cannot read the base scenario {}: {e}", base_path.display()),
            );
            return None;
        }
    };
    let base_dir = base_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut base: Table = match base_text.parse() {
        Ok(t) => t,
        Err(e) => {
            cx.push(
                raw.base.span(),
                "base",
                format!("the base scenario is not TOML: {e}"),
            );
            return None;
        }
    };
    if let Some(d) = &raw.duration {
        match parse_duration_ms(d.get_ref()) {
            Ok(ms) if ms > 0 => {
                base.insert("duration".into(), toml::Value::String(d.get_ref().clone()));
            }
            Ok(_) => cx.push(d.span(), "duration", "must be longer than 0"),
            Err(e) => cx.push(d.span(), "duration", e.to_string()),
        }
    }
    let base_text = toml::to_string(&base).ok()?;
    let base_spec = match scenario::load_str(
        &base_text,
        &base_path.display().to_string(),
        &base_dir,
    ) {
        Ok(s) => s,
        Err(d) => {
            let first = d.0.first().map(|x| x.to_string()).unwrap_or_default();
            cx.push(
                raw.base.span(),
                "base",
                format!("the base scenario does not load ({} problems; run `ecsim validate` on it): {first}", d.0.len()),
            );
            return None;
        }
    };
    let service = check_service(cx, &raw, &base_spec)?;
    let slo = check_slo(cx, raw.slo.as_ref(), &base_spec, &service)?;
    let horizon_ms = base_spec.duration_ms;
    let short_horizon_ms = match &raw.short_horizon {
        Some(h) => match parse_duration_ms(h.get_ref()) {
            Ok(ms) if ms > base_spec.warm_up_ms && ms <= horizon_ms => ms,
            Ok(_) => {
                cx.push(
                    h.span(),
                    "short_horizon",
                    format!(
                        "must be longer than the base's warm_up ({} s) and at most its duration ({} s)",
                        base_spec.warm_up_ms / 1000,
                        horizon_ms / 1000
                    ),
                );
                horizon_ms
            }
            Err(e) => {
                cx.push(h.span(), "short_horizon", e.to_string());
                horizon_ms
            }
        },
        // Racing no longer runs a short round (issue #22's probes run the full horizon): the key is still
        // read, checked and warned about, so older plan files load.
        None => horizon_ms,
    };
    let budget_runs = match &raw.budget_runs {
        Some(b) if *b.get_ref() < 1 => {
            cx.push(b.span(), "budget_runs", "at least 1");
            None
        }
        Some(b) => Some(*b.get_ref() as usize),
        None => None,
    };
    let budget_seconds = match &raw.budget_seconds {
        Some(b) if !(b.get_ref().is_finite() && *b.get_ref() > 0.0) => {
            cx.push(b.span(), "budget_seconds", "a number of seconds above 0");
            None
        }
        Some(b) => Some(*b.get_ref()),
        None => None,
    };
    Some(Plan {
        name,
        label: cx.file.clone(),
        base_label,
        base,
        base_dir,
        base_spec,
        service,
        slo,
        seeds: seeds?,
        horizon_ms,
        short_horizon_ms,
        budget_runs,
        budget_seconds,
        space: space?,
        spot: spot?,
    })
}

fn check_seeds(cx: &mut Cx, s: &Spanned<Seeds>) -> Option<Vec<u64>> {
    let list: Vec<u64> = match s.get_ref() {
        Seeds::Count(n) if (1..=MAX_SEEDS as i64).contains(n) => (1..=*n as u64).collect(),
        Seeds::List(l) if !l.is_empty() && l.len() <= MAX_SEEDS && l.iter().all(|&x| x >= 0) => {
            l.iter().map(|&x| x as u64).collect()
        }
        _ => {
            cx.push(
                s.span(),
                "seeds",
                format!(
                    "a count N from 1 to {MAX_SEEDS} (seeds 1…N) or a list of distinct seeds ≥ 0"
                ),
            );
            return None;
        }
    };
    let mut sorted = list.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != list.len() {
        cx.push(s.span(), "seeds", "the seeds must be distinct");
        return None;
    }
    Some(list)
}

fn check_service(cx: &mut Cx, raw: &Raw, spec: &Spec) -> Option<String> {
    let replicas: Vec<&str> = spec
        .services
        .iter()
        .filter(|s| s.scheduling == SchedulingStrategy::Replica)
        .map(|s| s.name.as_str())
        .collect();
    match &raw.service {
        Some(s) if replicas.contains(&s.get_ref().as_str()) => Some(s.get_ref().clone()),
        Some(s) => {
            cx.push(
                s.span(),
                "service",
                format!(
                    "the base scenario has no REPLICA service \"{}\"{} (services: {})",
                    s.get_ref(),
                    suggest(s.get_ref(), &replicas),
                    replicas.join(", ")
                ),
            );
            None
        }
        None => match spec
            .services
            .iter()
            .find(|s| s.scheduling == SchedulingStrategy::Replica && s.load.is_some())
        {
            Some(s) => Some(s.name.clone()),
            None => {
                cx.push(
                    raw.base.span(),
                    "service",
                    "the base scenario has no REPLICA service with a load: name one with `service = \"…\"`",
                );
                None
            }
        },
    }
}

fn suggest(word: &str, options: &[&str]) -> String {
    closest(word, options.iter().copied())
        .map_or(String::new(), |c| format!(". Did you mean \"{c}\"?"))
}

fn check_slo(
    cx: &mut Cx,
    slo: Option<&Spanned<RawSlo>>,
    spec: &Spec,
    svc: &str,
) -> Option<SloTarget> {
    let own = spec
        .services
        .iter()
        .find(|s| s.name == svc)
        .and_then(|s| s.load.as_ref())
        .and_then(|l| l.slo);
    let Some(slo) = slo else {
        return match own {
            Some(o) => Some(SloTarget {
                p99_ms: o.p99_ms,
                error_rate: o.error_rate,
                objective: o.objective,
                budget_usd_per_month: None,
            }),
            None => {
                cx.push(
                    0..0,
                    "slo",
                    format!("service \"{svc}\" has no SLO in the base scenario: give one, e.g. [slo] p99 = \"200ms\", objective = 0.99"),
                );
                None
            }
        };
    };
    let r = slo.get_ref();
    let p99_ms = match &r.p99 {
        Some(p) => match parse_duration_ms(p.get_ref()) {
            Ok(ms) if ms > 0 => Some(ms as f64),
            Ok(_) => {
                cx.push(p.span(), "slo.p99", "a latency above 0, e.g. \"200ms\"");
                None
            }
            Err(e) => {
                cx.push(p.span(), "slo.p99", e.to_string());
                None
            }
        },
        None => own.and_then(|o| o.p99_ms),
    };
    let share = |cx: &mut Cx, v: &Option<Spanned<f64>>, field: &str, open0: bool| -> Option<f64> {
        let v = v.as_ref()?;
        let x = *v.get_ref();
        let ok = if open0 {
            x > 0.0 && x <= 1.0
        } else {
            (0.0..1.0).contains(&x)
        };
        if !ok {
            let allowed = if open0 {
                "a share in (0, 1], e.g. 0.99"
            } else {
                "a share in [0, 1), e.g. 0.001"
            };
            cx.push(v.span(), field, allowed);
        }
        Some(x)
    };
    let error_rate = share(cx, &r.error_rate, "slo.error_rate", false)
        .or(own.map(|o| o.error_rate))
        .unwrap_or(crate::spec::SloSpec::DEFAULT_ERROR_RATE);
    let objective = share(cx, &r.objective, "slo.objective", true)
        .or(own.map(|o| o.objective))
        .unwrap_or(crate::spec::SloSpec::DEFAULT_OBJECTIVE);
    let budget = match &r.max_usd_per_month {
        Some(b) if !(b.get_ref().is_finite() && *b.get_ref() > 0.0) => {
            cx.push(b.span(), "slo.max_usd_per_month", "a cost in USD above 0");
            None
        }
        b => b.as_ref().map(|b| *b.get_ref()),
    };
    Some(SloTarget {
        p99_ms,
        error_rate,
        objective,
        budget_usd_per_month: budget,
    })
}

const LAUNCHES: [Launch; 4] = [
    Launch::Ec2,
    Launch::Ec2Spot,
    Launch::Fargate,
    Launch::FargateSpot,
];

fn check_space(cx: &mut Cx, s: &Spanned<RawSpace>) -> Option<SearchSpace> {
    let r = s.get_ref();
    let before = cx.diags.len();
    let mut launch = Vec::new();
    for l in r.launch.get_ref() {
        match LAUNCHES.iter().find(|x| x.as_str() == l.get_ref()) {
            Some(x) if !launch.contains(x) => launch.push(*x),
            Some(_) => cx.push(l.span(), "space.launch", format!("\"{}\" is listed twice", l.get_ref())),
            None => cx.push(
                l.span(),
                "space.launch",
                format!("unknown launch option \"{}\": allowed are ec2, ec2-spot, fargate, fargate-spot", l.get_ref()),
            ),
        }
    }
    if r.launch.get_ref().is_empty() {
        cx.push(
            r.launch.span(),
            "space.launch",
            "list at least one of ec2, ec2-spot, fargate, fargate-spot",
        );
    }
    let uses_ec2 = launch.iter().any(|l| !l.is_fargate());
    let mut names: Vec<(String, Range<usize>, &str)> = r
        .instance_types
        .iter()
        .map(|t| (t.get_ref().clone(), t.span(), "space.instance_types"))
        .collect();
    for f in &r.families {
        for z in &r.sizes {
            names.push((
                format!("{}.{}", f.get_ref(), z.get_ref()),
                f.span(),
                "space.families",
            ));
        }
    }
    if r.families.is_empty() != r.sizes.is_empty() {
        let at = r
            .families
            .first()
            .or(r.sizes.first())
            .map_or(s.span(), |x| x.span());
        cx.push(
            at,
            "space.families",
            "families and sizes go together: give both (the types are families × sizes)",
        );
    }
    let mut instance_types: Vec<catalog::InstanceType> = Vec::new();
    for (n, span, field) in names {
        match catalog::lookup(&n) {
            Some(t) if instance_types.iter().all(|x| x.name != t.name) => instance_types.push(t),
            Some(_) => {}
            None => {
                let all = catalog::names();
                cx.push(
                    span,
                    field,
                    format!("unknown instance type \"{n}\"{}", suggest(&n, &all)),
                );
            }
        }
    }
    if uses_ec2 && instance_types.is_empty() && cx.diags.len() == before {
        cx.push(
            s.span(),
            "space.instance_types",
            "EC2 launch options need instance types (instance_types, or families and sizes)",
        );
    }
    let fargate_architectures = match &r.fargate_architectures {
        None => vec![catalog::Arch::X86_64],
        Some(list) => {
            let mut out = Vec::new();
            for a in list {
                match a.get_ref().as_str() {
                    "x86_64" if !out.contains(&catalog::Arch::X86_64) => {
                        out.push(catalog::Arch::X86_64)
                    }
                    "arm64" if !out.contains(&catalog::Arch::Arm64) => {
                        out.push(catalog::Arch::Arm64)
                    }
                    _ => cx.push(
                        a.span(),
                        "space.fargate_architectures",
                        "x86_64 or arm64, each once",
                    ),
                }
            }
            out
        }
    };
    let mut task_sizes = Vec::new();
    for t in r.task_sizes.get_ref() {
        let x = t.get_ref();
        if !(1..=196_608).contains(&x.cpu) || !(1..=4_194_304).contains(&x.memory) {
            cx.push(
                t.span(),
                "space.task_sizes",
                "cpu in CPU units (1–196608) and memory in MiB (1–4194304)",
            );
            continue;
        }
        let size = TaskSize {
            cpu: x.cpu as u32,
            memory: x.memory as u32,
        };
        if task_sizes.contains(&size) {
            cx.push(
                t.span(),
                "space.task_sizes",
                format!(
                    "{{ cpu = {}, memory = {} }} is listed twice (each value once: a repeat would run the same candidates again)",
                    x.cpu, x.memory
                ),
            );
            continue;
        }
        task_sizes.push(size);
    }
    nonempty(
        cx,
        r.task_sizes.get_ref().is_empty(),
        r.task_sizes.span(),
        "space.task_sizes",
    );
    let mut targets = Vec::new();
    for t in r.targets.get_ref() {
        if !(t.get_ref().is_finite() && *t.get_ref() > 0.0 && *t.get_ref() <= 100.0) {
            cx.push(
                t.span(),
                "space.targets",
                "a CPU utilisation target in (0, 100] %",
            );
        } else if targets.contains(t.get_ref()) {
            cx.push(
                t.span(),
                "space.targets",
                format!(
                    "{} is listed twice (each value once: a repeat would run the same candidates again)",
                    t.get_ref()
                ),
            );
        } else {
            targets.push(*t.get_ref());
        }
    }
    nonempty(cx, targets.is_empty(), r.targets.span(), "space.targets");
    let counts = |cx: &mut Cx, l: &Spanned<Vec<Spanned<i64>>>, field: &str, lo: i64, hi: i64| {
        let mut out = Vec::new();
        for v in l.get_ref() {
            if out.contains(&(*v.get_ref() as u32)) && (lo..=hi).contains(v.get_ref()) {
                cx.push(
                    v.span(),
                    field,
                    format!(
                        "{} is listed twice (each value once: a repeat would run the same candidates again)",
                        v.get_ref()
                    ),
                );
            } else if (lo..=hi).contains(v.get_ref()) {
                out.push(*v.get_ref() as u32);
            } else {
                cx.push(v.span(), field, format!("a whole number from {lo} to {hi}"));
            }
        }
        nonempty(cx, l.get_ref().is_empty(), l.span(), field);
        out
    };
    let min_capacity = counts(cx, &r.min_capacity, "space.min_capacity", 0, 5000);
    let max_capacity = counts(cx, &r.max_capacity, "space.max_capacity", 1, 5000);
    let target_capacity = match &r.target_capacity {
        Some(l) => counts(cx, l, "space.target_capacity", 1, 100),
        None => vec![100],
    };
    (cx.diags.len() == before).then_some(SearchSpace {
        launch,
        instance_types,
        fargate_architectures,
        task_sizes,
        targets,
        min_capacity,
        max_capacity,
        target_capacity,
    })
}

fn nonempty(cx: &mut Cx, empty: bool, span: Range<usize>, field: &str) {
    if empty {
        cx.push(span, field, "list at least one value");
    }
}

fn check_spot(cx: &mut Cx, s: &RawSpot, span: Range<usize>) -> Option<SpotMix> {
    let ok = (0..=100_000).contains(&s.base)
        && (0..=1000).contains(&s.on_demand_weight)
        && (1..=1000).contains(&s.spot_weight)
        && s.ec2_interruptions_per_hour.is_finite()
        && s.ec2_interruptions_per_hour >= 0.0
        && s.fargate_interruptions_per_hour.is_finite()
        && s.fargate_interruptions_per_hour >= 0.0;
    if !ok {
        cx.push(
            span,
            "spot",
            "base 0–100000, on_demand_weight 0–1000, spot_weight 1–1000, interruption rates ≥ 0 per hour",
        );
        return None;
    }
    Some(SpotMix {
        base: s.base as u32,
        on_demand_weight: s.on_demand_weight as u32,
        spot_weight: s.spot_weight as u32,
        ec2_interruptions_per_hour: s.ec2_interruptions_per_hour,
        fargate_interruptions_per_hour: s.fargate_interruptions_per_hour,
    })
}
