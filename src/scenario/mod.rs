//! The boundary between files and the simulator: reads a scenario TOML file (and any AWS task-definition
//! JSON it names), checks all of it, and resolves it into a [`Spec`]. Every problem is reported with the
//! file, line, column and field, and what is allowed; nothing is silently defaulted from a typo.
//!
//! Must not: simulate, or be called from the core (the core takes a `Spec`).

mod cluster;
mod credits;
pub mod diag;
pub mod duration;
mod faults;
mod files;
mod launch;
mod load;
mod output_keys;
mod params;
pub mod ranges;
mod run_keys;
mod scaling;
pub mod schema;
mod services;
mod standalone;
pub mod taskdef_json;
mod taskdefs;
mod warnings;

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

pub use diag::{Diagnostic, Diagnostics};
use diag::{LineIndex, closest, enrich_serde_message};
use files::read_bounded;
pub use files::{MAX_SCENARIO_BYTES, read_text};
use schema::*;

use crate::ecs::cql;
use crate::engine::dist::DurationDist;
use crate::engine::{MS_PER_H, MS_PER_S};
use crate::pricing::{catalog, fargate};
use crate::spec::*;

/// The built-in scenario run by `ecsim run` with no file (also `scenarios/quickstart.toml`).
pub const QUICKSTART: &str = include_str!("../../scenarios/quickstart.toml");

/// Load and resolve a scenario file.
pub fn load(path: &Path) -> Result<Spec, Diagnostics> {
    let label = path.display().to_string();
    let fail = |line: usize, column: usize, message: String| {
        Diagnostics(vec![Diagnostic {
            file: label.clone(),
            line,
            column,
            field: String::new(),
            message,
        }])
    };
    let src = read_text(path, MAX_SCENARIO_BYTES).map_err(|(line, column, m)| {
        fail(line, column, format!("cannot read the scenario file: {m}"))
    })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    load_str(&src, &label, &base)
}

/// Load and resolve scenario text; `label` names it in messages, `base_dir` resolves relative paths.
pub fn load_str(src: &str, label: &str, base_dir: &Path) -> Result<Spec, Diagnostics> {
    let mut cx = Ctx {
        file: label.to_string(),
        lines: LineIndex::new(src),
        diags: Vec::new(),
        base_dir: base_dir.to_path_buf(),
        failed_defs: Vec::new(),
        failed_services: Vec::new(),
        warnings: Vec::new(),
    };
    let root = match DeTable::parse(src) {
        Ok(t) => t,
        Err(e) => {
            cx.serde_err(&e, "");
            return Err(Diagnostics(cx.diags));
        }
    };
    let spec = cx.resolve(&root);
    cx.check_numbers(&Spanned::new(
        root.span(),
        DeValue::Table(root.get_ref().clone()),
    ));
    if cx.diags.is_empty() {
        let mut spec = spec.expect("no diagnostics means a spec");
        spec.warnings = cx.warnings;
        Ok(spec)
    } else {
        // Stable: at one place the resolver's own message (pushed first) stands for the range check's.
        cx.diags
            .sort_by_key(|d| (d.file != cx.file, d.line, d.column));
        cx.diags.dedup_by(|b, a| {
            (&a.file, a.line, a.column) == (&b.file, b.line, b.column) && a.line > 0
        });
        Err(Diagnostics(cx.diags))
    }
}

type Item<'s> = Spanned<DeValue<'s>>;

struct Ctx<'s> {
    file: String,
    lines: LineIndex<'s>,
    diags: Vec<Diagnostic>,
    base_dir: PathBuf,
    /// Task definitions that failed to load (their errors are reported), by `family` when the TOML names
    /// it: references to them are not reported again as unknown (one error, not one per service).
    failed_defs: Vec<Option<String>>,
    /// The same for services (a service whose task definition failed is not declared either).
    failed_services: Vec<Option<String>>,
    /// What makes the run's answers easy to misread (trace holes, capacity; see `warnings.rs`).
    warnings: Vec<crate::warnings::Warning>,
}

/// Did an item that failed to load go by `name` (or by a name its error left unknown)? References to it
/// are then not reported again.
fn failed_as(failed: &[Option<String>], name: &str) -> bool {
    failed
        .iter()
        .any(|f| f.as_deref().is_none_or(|f| f == name))
}

/// The value under `key` of a table item (the scenario's root: its top-level keys and tables).
fn get<'s>(root: &Item<'s>, key: &str) -> Option<Item<'s>> {
    match root.get_ref() {
        DeValue::Table(t) => t
            .iter()
            .find(|(k, _)| k.get_ref() == key)
            .map(|(_, v)| v.clone()),
        _ => None,
    }
}

/// A string value under `key` of a table item (read before deserializing, to name an item that then fails).
fn string_key(item: &Item, key: &str) -> Option<String> {
    match item.get_ref() {
        DeValue::Table(t) => t
            .iter()
            .find(|(k, _)| k.get_ref() == key)
            .and_then(|(_, v)| match v.get_ref() {
                DeValue::String(f) => Some(f.to_string()),
                _ => None,
            }),
        _ => None,
    }
}

/// What a field allows, in ECS's terms, for fields whose type alone says too little (a negative task
/// `cpu` fails as "expected a whole number from 0 to 4294967295").
fn field_hint(field: &str) -> Option<&'static str> {
    let in_task_def = field.starts_with("task_definitions[");
    if in_task_def && field.ends_with("].cpu") {
        Some(
            "task-level cpu is in CPU units (1024 = 1 vCPU): 128 to 10240 on EC2, or a Fargate size (256, 512, 1024, 2048, 4096, 8192, 16384)",
        )
    } else if in_task_def && field.ends_with("].memory") {
        Some("task-level memory is in MiB, e.g. 512 or 2048")
    } else {
        None
    }
}

/// Walk `path` ("a.b.0.c") into a spanned value; returns the deepest span found.
fn span_of(item: &Item, path: &str) -> Range<usize> {
    let mut cur = item;
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        let next = match cur.get_ref() {
            DeValue::Table(t) => t.iter().find(|(k, _)| k.get_ref() == seg).map(|(_, v)| v),
            DeValue::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => break,
        }
    }
    cur.span()
}

/// The dotted path of the deepest key whose value contains `span` (to name the field of a serde error).
fn field_at(item: &Item, span: &Range<usize>, prefix: &str) -> String {
    let mut path = prefix.to_string();
    let mut cur = item;
    loop {
        let next = match cur.get_ref() {
            DeValue::Table(t) => t.iter().find_map(|(k, v)| {
                let ks = k.span();
                let vs = v.span();
                ((vs.start <= span.start && span.end <= vs.end)
                    || (ks.start <= span.start && span.end <= ks.end))
                    .then(|| {
                        (
                            k.get_ref().to_string(),
                            v,
                            ks.start <= span.start && span.end <= ks.end,
                        )
                    })
            }),
            DeValue::Array(a) => a.iter().enumerate().find_map(|(i, v)| {
                let vs = v.span();
                (vs.start <= span.start && span.end <= vs.end).then(|| (format!("[{i}]"), v, false))
            }),
            _ => None,
        };
        match next {
            Some((seg, v, on_key)) => {
                if seg.starts_with('[') {
                    path.push_str(&seg);
                } else {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&seg);
                }
                if on_key || std::ptr::eq(v, cur) {
                    return path;
                }
                cur = v;
            }
            None => return path,
        }
    }
}

/// What a RunTask call is checked against: the task definitions and capacity providers already loaded.
struct Env<'a> {
    defs: &'a [TaskDefSpec],
    default_strategy: &'a Option<Vec<RawStrategyItem>>,
    providers: &'a [ProviderSpec],
}

impl<'s> Ctx<'s> {
    fn push(&mut self, span: Range<usize>, field: impl Into<String>, msg: impl Into<String>) {
        let (line, column) = self.lines.locate(span.start);
        self.diags.push(Diagnostic {
            file: self.file.clone(),
            line,
            column,
            field: field.into(),
            message: msg.into(),
        });
    }

    fn serde_err(&mut self, e: &toml::de::Error, field: &str) {
        let span = e.span().unwrap_or(0..0);
        self.push(span, field, enrich_serde_message(e.message()));
    }

    /// Deserialize one value, reporting a failure against its field.
    fn de<T: DeserializeOwned>(&mut self, v: &Item<'s>, prefix: &str) -> Option<T> {
        match T::deserialize(ValueDeserializer::from(v.clone())) {
            Ok(t) => Some(t),
            Err(e) => {
                let span = e.span().unwrap_or(v.span());
                let field = field_at(v, &span, prefix);
                let mut msg = enrich_serde_message(e.message());
                if let Some(hint) = field_hint(&field) {
                    msg.push_str("; ");
                    msg.push_str(hint);
                }
                self.push(span, field, msg);
                None
            }
        }
    }

    /// An error about `path` inside `item` (whose own path is `prefix`).
    fn at(&mut self, item: &Item, prefix: &str, path: &str, msg: impl Into<String>) {
        let span = span_of(item, path);
        let mut field = prefix.to_string();
        for seg in path.split('.').filter(|s| !s.is_empty()) {
            if seg.bytes().all(|b| b.is_ascii_digit()) {
                field.push_str(&format!("[{seg}]"));
            } else {
                if !field.is_empty() {
                    field.push('.');
                }
                field.push_str(seg);
            }
        }
        self.push(span, field, msg);
    }

    fn array<'a>(&mut self, root: &'a Item<'s>, key: &str) -> Vec<&'a Item<'s>> {
        match root.get_ref() {
            DeValue::Table(t) => match t.iter().find(|(k, _)| k.get_ref() == key) {
                Some((_, v)) => match v.get_ref() {
                    DeValue::Array(a) => a.iter().collect(),
                    _ => {
                        self.push(
                            v.span(),
                            key,
                            format!("`{key}` must be an array of tables: write [[{key}]] sections"),
                        );
                        Vec::new()
                    }
                },
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// The whole scenario, table by table; the order of the checks decides which of two messages at one
    /// place is kept (see `load_str`), so keep it.
    fn resolve(&mut self, root_table: &Spanned<DeTable<'s>>) -> Option<Spec> {
        let root: Item<'s> = Spanned::new(
            root_table.span(),
            DeValue::Table(root_table.get_ref().clone()),
        );
        let run = self.run_keys(root_table, &root);
        let (cluster, zones) = self.cluster(&root);
        let custom_types = self.instance_types(&root);
        let pricing = self.pricing(&root);
        let providers = self.capacity_providers(&root, &zones, &custom_types, &pricing);
        let mut defs = self.task_definitions(&root);
        let default_strategy = cluster
            .as_ref()
            .and_then(|c| c.default_capacity_provider_strategy.clone());
        let duration = run.duration_ms.unwrap_or(u64::MAX);
        let env = Env {
            defs: &defs,
            default_strategy: &default_strategy,
            providers: &providers,
        };
        let (services, service_items) = self.services(&root, &env, &zones, &run);
        let (run_tasks, run_task_at) = self.run_tasks(&root, &env, duration);
        let (scheduled, scheduled_at) = self.scheduled_tasks(&root, &env);
        let batches = self.batch_jobs(&root, &mut defs, &default_strategy, &providers);
        let updates = self.service_updates(&root, &services, duration);
        let deployments = self.deployments(&root, &services, &defs, duration);
        let faults = self.faults(&root, &services, &providers, &zones);
        let traffic = self.traffic(get(&root, "traffic"));
        let output = self.output(get(&root, "output"), run.metric_period_ms);
        let scaling = self.scaling_params(get(&root, "scaling"), run.metric_period_ms);
        let timings = self.timings(get(&root, "timings"));
        let scheduler = self.scheduler(get(&root, "scheduler"));

        if !self.diags.is_empty() {
            return None;
        }
        let cluster = cluster?;
        let spec = Spec {
            name: run.name?,
            seed: run.seed,
            duration_ms: run.duration_ms?,
            metric_period_ms: run.metric_period_ms,
            warm_up_ms: run.warm_up_ms,
            cluster_name: cluster.name.unwrap_or_else(|| "default".into()),
            region: cluster.region.unwrap_or_else(|| "us-east-1".into()),
            zones,
            providers,
            task_definitions: defs,
            services,
            run_tasks,
            service_updates: updates,
            timings,
            scheduler,
            pricing: pricing.spec,
            traffic,
            output,
            batch_jobs: batches,
            scheduled_tasks: scheduled,
            scaling,
            deployments,
            faults,
            warnings: Vec::new(),
        };
        self.capacity_warnings(&spec, &service_items, &run_task_at, &scheduled_at);
        Some(spec)
    }
}
