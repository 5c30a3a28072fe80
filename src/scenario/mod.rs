//! The boundary between files and the simulator: reads a scenario TOML file (and any AWS task-definition
//! JSON it names), checks all of it, and resolves it into a [`Spec`]. Every problem is reported with the
//! file, line, column and field, and what is allowed; nothing is silently defaulted from a typo.
//!
//! Must not: simulate, or be called from the core (the core takes a `Spec`).

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
mod scaling;
pub mod schema;
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

    fn resolve(&mut self, root_table: &Spanned<DeTable<'s>>) -> Option<Spec> {
        let root: Item<'s> = Spanned::new(
            root_table.span(),
            DeValue::Table(root_table.get_ref().clone()),
        );
        // Unknown top-level keys.
        for (k, _) in root_table.get_ref().iter() {
            let key = k.get_ref().as_ref();
            if !TOP_LEVEL_KEYS.contains(&key) {
                let hint = closest(key, TOP_LEVEL_KEYS.iter().copied())
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                let list = TOP_LEVEL_KEYS.join("`, `");
                self.push(
                    k.span(),
                    key,
                    format!("unknown key `{key}`, expected one of `{list}`{hint}"),
                );
            }
        }
        let get = |key: &str| match root.get_ref() {
            DeValue::Table(t) => t
                .iter()
                .find(|(k, _)| k.get_ref() == key)
                .map(|(_, v)| v.clone()),
            _ => None,
        };
        let missing = |cx: &mut Self, key: &str, what: &str| {
            cx.push(0..0, key, format!("missing required key `{key}` ({what})"));
        };

        let name: Option<String> = match get("name") {
            Some(v) => self.de(&v, "name"),
            None => {
                missing(
                    self,
                    "name",
                    "the scenario's name, e.g. name = \"web-fargate\"",
                );
                None
            }
        };
        if let (Some(n), Some(v)) = (&name, get("name"))
            && (n.is_empty()
                || !n
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
        {
            self.at(
                &v,
                "name",
                "",
                "the name names the output folder: use letters, digits, '-', '_' or '.'",
            );
        }
        if let Some(v) = get("description") {
            let _: Option<String> = self.de(&v, "description");
        }
        let duration_ms = match get("duration") {
            Some(v) => {
                let d: Option<duration::Dur> = self.de(&v, "duration");
                match d {
                    Some(d) if d.0 == 0 => {
                        self.at(&v, "duration", "", "duration must be greater than zero");
                        None
                    }
                    Some(d) if d.0 > 400 * 24 * MS_PER_H => {
                        self.at(&v, "duration", "", "duration must be at most 400d");
                        None
                    }
                    d => d.map(|d| d.0),
                }
            }
            None => {
                missing(
                    self,
                    "duration",
                    "how long to simulate, e.g. duration = \"1d\"",
                );
                None
            }
        };
        let seed: u64 = get("seed").and_then(|v| self.de(&v, "seed")).unwrap_or(1);
        let metric_period_ms = match get("metric_period") {
            Some(v) => {
                let d: Option<duration::Dur> = self.de(&v, "metric_period");
                match d {
                    Some(d) if d.0 < MS_PER_S => {
                        self.at(&v, "metric_period", "", "metric_period must be at least 1s (CloudWatch offers 60s, or 20s high resolution)");
                        60 * MS_PER_S
                    }
                    Some(d) => d.0,
                    None => 60 * MS_PER_S,
                }
            }
            None => 60 * MS_PER_S,
        };
        let warm_up_ms = self.warm_up(get("warm_up"), metric_period_ms, duration_ms);

        // [cluster]
        let cluster: Option<RawCluster> = match get("cluster") {
            Some(v) => self.de(&v, "cluster"),
            None => {
                missing(self, "cluster", "[cluster] with availability_zones = [...]");
                None
            }
        };
        let cluster_item = get("cluster");
        let mut zones: Vec<String> = Vec::new();
        if let (Some(c), Some(ci)) = (&cluster, &cluster_item) {
            if c.availability_zones.is_empty() || c.availability_zones.len() > 16 {
                self.at(
                    ci,
                    "cluster",
                    "availability_zones",
                    "list 1 to 16 availability zones, e.g. [\"us-east-1a\", \"us-east-1b\"]",
                );
            }
            for (i, z) in c.availability_zones.iter().enumerate() {
                if z.is_empty() || zones.contains(z) {
                    self.at(
                        ci,
                        "cluster",
                        &format!("availability_zones.{i}"),
                        format!("zone names must be unique and non-empty (\"{z}\")"),
                    );
                }
                zones.push(z.clone());
            }
        }
        zones.truncate(16);

        // [[instance_types]]
        let mut custom_types: Vec<catalog::InstanceType> = Vec::new();
        for (i, item) in self.array(&root, "instance_types").into_iter().enumerate() {
            let prefix = format!("instance_types[{i}]");
            let Some(r): Option<RawInstanceType> = self.de(item, &prefix) else {
                continue;
            };
            if r.vcpu == 0 || r.memory_mib == 0 {
                self.at(
                    item,
                    &prefix,
                    "vcpu",
                    "vcpu and memory_mib must be greater than zero",
                );
                continue;
            }
            let arch = match r.architecture.as_deref() {
                None | Some("x86_64") => catalog::Arch::X86_64,
                Some("arm64") => catalog::Arch::Arm64,
                Some(a) => {
                    self.at(
                        item,
                        &prefix,
                        "architecture",
                        format!("unknown architecture \"{a}\"; allowed: \"x86_64\", \"arm64\""),
                    );
                    catalog::Arch::X86_64
                }
            };
            let registered = r
                .registered_memory_mib
                .unwrap_or_else(|| catalog::registered_memory_mib(r.memory_mib));
            if registered > r.memory_mib {
                self.at(
                    item,
                    &prefix,
                    "registered_memory_mib",
                    "registered memory cannot exceed memory_mib",
                );
            }
            if custom_types.iter().any(|t| t.name == r.name) {
                self.at(
                    item,
                    &prefix,
                    "name",
                    format!("instance type \"{}\" is declared twice", r.name),
                );
            }
            if !(r.price_usd_per_hour >= 0.0 && r.price_usd_per_hour.is_finite()) {
                self.at(
                    item,
                    &prefix,
                    "price_usd_per_hour",
                    "price must be zero or more",
                );
            }
            let credits = catalog::cpu_credits(&r.name);
            if let Some(c) = credits
                && c.vcpu != r.vcpu
            {
                self.at(
                    item,
                    &prefix,
                    "vcpu",
                    format!(
                        "{} has {} vCPUs (§6.6); its CPU credits are those of that size",
                        r.name, c.vcpu
                    ),
                );
            }
            custom_types.push(catalog::InstanceType {
                name: r.name,
                vcpu: r.vcpu,
                memory_mib: r.memory_mib,
                registered_memory_mib: registered,
                price_usd_per_hour: r.price_usd_per_hour,
                arch,
                max_enis: r.max_enis.unwrap_or(3).max(1),
                // A custom type named as a size of §6.6's table (t3a.medium, t4g.nano, …) earns its credits.
                burstable: credits.is_some(),
            });
        }

        let pricing_item = get("pricing");
        let raw_pricing: RawPricing = pricing_item
            .as_ref()
            .and_then(|v| self.de(v, "pricing"))
            .unwrap_or_default();
        let fraction = |cx: &mut Self, v: Option<f64>, key: &str, default: f64| -> f64 {
            match v {
                None => default,
                Some(x) if (0.0..=1.0).contains(&x) => x,
                Some(x) => {
                    if let Some(it) = &pricing_item {
                        cx.at(
                            it,
                            "pricing",
                            key,
                            format!("{key} is a fraction from 0 to 1, got {x}"),
                        );
                    }
                    default
                }
            }
        };
        let discount = fraction(self, raw_pricing.discount, "discount", 0.0);
        let ec2_spot_discount = fraction(
            self,
            raw_pricing.ec2_spot_discount,
            "ec2_spot_discount",
            0.65,
        );
        let fargate_spot_discount = fraction(
            self,
            raw_pricing.fargate_spot_discount,
            "fargate_spot_discount",
            0.7,
        );
        let attribution_cpu_weight = fraction(
            self,
            raw_pricing.attribution_cpu_weight,
            "attribution_cpu_weight",
            0.5,
        );
        for (k, v) in &raw_pricing.instance_prices {
            if !(v.is_finite() && *v >= 0.0)
                && let Some(it) = &pricing_item
            {
                self.at(
                    it,
                    "pricing",
                    &format!("instance_prices.{k}"),
                    "prices must be zero or more",
                );
            }
        }
        let fp = &raw_pricing.fargate;
        let base = crate::pricing::billing::FargatePrices::default();
        let keep = 1.0 - discount;
        let fargate_prices = crate::pricing::billing::FargatePrices {
            vcpu_hour_x86: fp.vcpu_hour.unwrap_or(base.vcpu_hour_x86) * keep,
            gb_hour_x86: fp.gb_hour.unwrap_or(base.gb_hour_x86) * keep,
            vcpu_hour_arm: fp.arm_vcpu_hour.unwrap_or(base.vcpu_hour_arm) * keep,
            gb_hour_arm: fp.arm_gb_hour.unwrap_or(base.gb_hour_arm) * keep,
            storage_gb_hour: fp.storage_gb_hour.unwrap_or(base.storage_gb_hour) * keep,
        };

        // [[capacity_providers]]
        let zone_ids = |cx: &mut Self,
                        list: &Option<Vec<String>>,
                        item: &Item,
                        prefix: &str|
         -> Vec<ZoneId> {
            match list {
                None => (0..zones.len() as u8).map(ZoneId).collect(),
                Some(l) => {
                    let mut out = Vec::new();
                    for (i, z) in l.iter().enumerate() {
                        match zones.iter().position(|c| c == z) {
                            Some(p) => out.push(ZoneId(p as u8)),
                            None => cx.at(item, prefix, &format!("availability_zones.{i}"), format!("zone \"{z}\" is not one of the cluster's availability_zones ({})", zones.join(", "))),
                        }
                    }
                    if l.is_empty() {
                        cx.at(item, prefix, "availability_zones", "list at least one zone");
                    }
                    out
                }
            }
        };
        let mut providers: Vec<ProviderSpec> = Vec::new();
        for (i, item) in self
            .array(&root, "capacity_providers")
            .into_iter()
            .enumerate()
        {
            let prefix = format!("capacity_providers[{i}]");
            let Some(r): Option<RawCapacityProvider> = self.de(item, &prefix) else {
                providers.push(ProviderSpec {
                    name: String::new(),
                    kind: ProviderKind::Fargate { spot: false },
                });
                continue;
            };
            if r.name == "FARGATE" || r.name == "FARGATE_SPOT" || r.name.is_empty() {
                self.at(item, &prefix, "name", "FARGATE and FARGATE_SPOT are built in; give the Auto Scaling group provider another name");
            }
            if providers.iter().any(|p| p.name == r.name) {
                self.at(
                    item,
                    &prefix,
                    "name",
                    format!("capacity provider \"{}\" is declared twice", r.name),
                );
            }
            let it = custom_types
                .iter()
                .find(|t| t.name == r.instance_type)
                .cloned()
                .or_else(|| catalog::lookup(&r.instance_type));
            let it = match it {
                Some(t) => t,
                None => {
                    let names: Vec<&str> = catalog::names();
                    let hint = closest(
                        &r.instance_type,
                        names
                            .iter()
                            .copied()
                            .chain(custom_types.iter().map(|t| t.name.as_str())),
                    )
                    .map(|c| format!(" Did you mean \"{c}\"?"))
                    .unwrap_or_default();
                    self.at(item, &prefix, "instance_type", format!("unknown instance type \"{}\".{hint} Built-in types: {}; or declare it in [[instance_types]] with vcpu, memory_mib and price_usd_per_hour", r.instance_type, names.join(", ")));
                    continue;
                }
            };
            if r.max_size == 0 {
                self.at(
                    item,
                    &prefix,
                    "max_size",
                    "max_size must be greater than 0 (§3.2)",
                );
            }
            if !(r.min_size <= r.desired_size && r.desired_size <= r.max_size) {
                self.at(
                    item,
                    &prefix,
                    "desired_size",
                    format!(
                        "need min_size ≤ desired_size ≤ max_size (got {} ≤ {} ≤ {})",
                        r.min_size, r.desired_size, r.max_size
                    ),
                );
            }
            let managed = self.managed_scaling(&r, item, &prefix);
            let pz = zone_ids(self, &r.availability_zones, item, &prefix);
            if r.ecs_reserved_memory_mib >= it.registered_memory_mib {
                self.at(
                    item,
                    &prefix,
                    "ecs_reserved_memory_mib",
                    "reserved memory leaves nothing to register",
                );
            }
            let on_demand = raw_pricing
                .instance_prices
                .get(&it.name)
                .copied()
                .unwrap_or(it.price_usd_per_hour);
            let price = match (r.spot, r.spot_price_usd_per_hour) {
                (_, Some(p)) if !(p.is_finite() && p >= 0.0) => {
                    self.at(
                        item,
                        &prefix,
                        "spot_price_usd_per_hour",
                        "prices must be zero or more",
                    );
                    0.0
                }
                (true, Some(p)) => p,
                (false, Some(_)) => {
                    self.at(
                        item,
                        &prefix,
                        "spot_price_usd_per_hour",
                        "spot_price_usd_per_hour needs spot = true",
                    );
                    on_demand
                }
                (true, None) => on_demand * (1.0 - ec2_spot_discount),
                (false, None) => on_demand,
            } * keep;
            let burst = self.credit_specification(&r, &it, keep, item, &prefix);
            providers.push(ProviderSpec {
                name: r.name,
                kind: ProviderKind::Asg(Box::new(AsgSpec {
                    burst,
                    price_usd_per_hour: price,
                    instance_type: it,
                    min_size: r.min_size,
                    max_size: r.max_size,
                    desired_size: r.desired_size,
                    spot: r.spot,
                    zones: pz,
                    attributes: r.attributes.into_iter().collect(),
                    reserved_memory_mib: r.ecs_reserved_memory_mib,
                    managed_scaling: managed,
                    launch_latency: r.launch_latency.clone().map_or(
                        DurationDist::Uniform {
                            min_ms: 60 * MS_PER_S,
                            max_ms: 180 * MS_PER_S,
                        },
                        |d| d.0,
                    ),
                })),
            });
        }
        providers.push(ProviderSpec {
            name: "FARGATE".into(),
            kind: ProviderKind::Fargate { spot: false },
        });
        providers.push(ProviderSpec {
            name: "FARGATE_SPOT".into(),
            kind: ProviderKind::Fargate { spot: true },
        });

        // [[task_definitions]]
        let mut defs: Vec<TaskDefSpec> = Vec::new();
        for (i, item) in self
            .array(&root, "task_definitions")
            .into_iter()
            .enumerate()
        {
            let prefix = format!("task_definitions[{i}]");
            let family = string_key(item, "family");
            let raw: Option<RawTaskDefinition> = self.de(item, &prefix);
            let Some(d) = raw.and_then(|r| self.task_definition(r, item, &prefix)) else {
                self.failed_defs.push(family);
                continue;
            };
            if defs.iter().any(|x| x.family == d.family) {
                self.at(
                    item,
                    &prefix,
                    "family",
                    format!("task definition family \"{}\" is declared twice", d.family),
                );
            }
            defs.push(d);
        }

        let default_strategy = cluster
            .as_ref()
            .and_then(|c| c.default_capacity_provider_strategy.clone());
        let duration = duration_ms.unwrap_or(u64::MAX);

        // [[services]]
        let mut services: Vec<ServiceSpec> = Vec::new();
        let service_items = self.array(&root, "services");
        for (i, item) in service_items.iter().enumerate() {
            let prefix = format!("services[{i}]");
            let Some(r): Option<RawService> = self.de(item, &prefix) else {
                continue;
            };
            if services.iter().any(|s| s.name == r.name) || r.name.is_empty() {
                self.at(
                    item,
                    &prefix,
                    "name",
                    format!(
                        "service names must be unique and non-empty (\"{}\")",
                        r.name
                    ),
                );
            }
            let Some(def_id) =
                self.find_def(&defs, &r.task_definition, item, &prefix, "task_definition")
            else {
                continue;
            };
            let td = &defs[def_id.0 as usize];
            let scheduling = match r.scheduling_strategy.as_deref() {
                None | Some("REPLICA") => SchedulingStrategy::Replica,
                Some("DAEMON") => SchedulingStrategy::Daemon,
                Some(s) => {
                    self.at(
                        item,
                        &prefix,
                        "scheduling_strategy",
                        format!(
                            "unknown scheduling strategy \"{s}\"; allowed: \"REPLICA\", \"DAEMON\""
                        ),
                    );
                    continue;
                }
            };
            let desired_count = match (scheduling, r.desired_count) {
                (SchedulingStrategy::Replica, Some(n)) => {
                    if n > 5000 {
                        self.at(
                            item,
                            &prefix,
                            "desired_count",
                            "at most 5000 tasks per service (ECS quota, §8)",
                        );
                    }
                    n
                }
                (SchedulingStrategy::Replica, None) => {
                    self.at(item, &prefix, "", "a REPLICA service needs `desired_count`");
                    0
                }
                (SchedulingStrategy::Daemon, Some(_)) => {
                    self.at(item, &prefix, "desired_count", "DAEMON services run one task per instance and take no desired_count (§2.1)");
                    0
                }
                (SchedulingStrategy::Daemon, None) => 0,
            };
            let launch = self.launch(
                &r.launch_type,
                &r.capacity_provider_strategy,
                &default_strategy,
                &providers,
                item,
                &prefix,
            );
            let Some(launch) = launch else { continue };
            let on_fargate = self.launch_is_fargate(&launch, &providers);
            if scheduling == SchedulingStrategy::Daemon {
                if on_fargate || matches!(launch, Launch::Strategy(_)) {
                    self.at(item, &prefix, "", "DAEMON services run on EC2 instances only: use launch_type = \"EC2\" (Fargate and capacity provider strategies do not support DAEMON, §2.1)");
                }
                if !r.placement_strategy.is_empty() {
                    self.at(
                        item,
                        &prefix,
                        "placement_strategy",
                        "DAEMON services take no placement strategy (§2.1)",
                    );
                }
            }
            self.check_compat(td, on_fargate, item, &prefix);
            let strategies = self.strategies(&r.placement_strategy, item, &prefix);
            let mut constraints = self.constraints(&r.placement_constraints, item, &prefix, true);
            if on_fargate
                && (!r.placement_strategy.is_empty() || !r.placement_constraints.is_empty())
            {
                self.at(item, &prefix, "placement_strategy", "placement strategies and constraints are not supported on Fargate (§1.1); Fargate balances tasks over availability zones");
            }
            constraints.extend(td.constraints.iter().cloned());
            if constraints.len() > 10 {
                self.at(
                    item,
                    &prefix,
                    "placement_constraints",
                    "at most 10 constraints per task, counting the task definition's (§1.1)",
                );
            }
            let zones_s = zone_ids(self, &r.availability_zones, item, &prefix);
            let load = match &r.load {
                Some(l) => self.load(l, item, &prefix, duration_ms.unwrap_or(0)),
                None => None,
            };
            let queue = match &r.queue {
                Some(q) => self
                    .queue(q, item, &prefix, duration_ms.unwrap_or(0))
                    .map(Box::new),
                None => None,
            };
            let auto_scaling = match &r.auto_scaling {
                Some(a) => self.auto_scaling(
                    a,
                    item,
                    &prefix,
                    scheduling,
                    desired_count,
                    metric_period_ms,
                    (r.load.is_some(), r.queue.is_some()),
                ),
                None => None,
            };
            let start_ms = r.start.map_or(0, |d| d.0);
            if start_ms > duration {
                self.at(
                    item,
                    &prefix,
                    "start",
                    "the service starts after the end of the run",
                );
            }
            services.push(ServiceSpec {
                name: r.name,
                task_def: def_id,
                scheduling,
                desired_count,
                launch,
                placement_strategy: strategies,
                placement_constraints: constraints,
                zones: zones_s,
                start_ms,
                load,
                queue,
                auto_scaling,
                deployment: self.deployment_config(
                    &r.deployment_configuration,
                    item,
                    &prefix,
                    scheduling,
                ),
                health_check_grace_period_ms: r.health_check_grace_period.map_or(0, |d| d.0),
                az_rebalancing: self.az_rebalancing(
                    &r.availability_zone_rebalancing,
                    item,
                    &prefix,
                ),
            });
        }
        for item in &service_items {
            let name = string_key(item, "name");
            if !services.iter().any(|s| Some(&s.name) == name.as_ref()) {
                self.failed_services.push(name);
            }
        }

        // [[run_tasks]]
        let mut run_tasks: Vec<RunTaskSpec> = Vec::new();
        let mut run_task_at: Vec<(u64, usize)> = Vec::new(); // (at, offset in the file), for warnings
        for (i, item) in self.array(&root, "run_tasks").into_iter().enumerate() {
            let prefix = format!("run_tasks[{i}]");
            let Some(r): Option<RawRunTask> = self.de(item, &prefix) else {
                continue;
            };
            if r.at.0 > duration {
                self.at(
                    item,
                    &prefix,
                    "at",
                    "this RunTask is after the end of the run",
                );
            }
            let at_ms = r.at.0;
            let env = Env {
                defs: &defs,
                default_strategy: &default_strategy,
                providers: &providers,
            };
            if let Some(spec) = self.run_task(r, &env, item, &prefix) {
                run_tasks.push(RunTaskSpec { at_ms, ..spec });
                run_task_at.push((at_ms, item.span().start));
            }
        }
        run_tasks.sort_by_key(|r| r.at_ms);
        run_task_at.sort_by_key(|r| r.0); // the same stable order

        // [[scheduled_tasks]]
        let mut scheduled: Vec<ScheduledTaskSpec> = Vec::new();
        let mut scheduled_at: Vec<usize> = Vec::new();
        for (i, item) in self.array(&root, "scheduled_tasks").into_iter().enumerate() {
            let prefix = format!("scheduled_tasks[{i}]");
            let Some(r): Option<RawScheduledTask> = self.de(item, &prefix) else {
                continue;
            };
            let Some((schedule, epoch_start_s)) =
                self.schedule(&r.schedule, &r.start_date, item, &prefix)
            else {
                continue;
            };
            // A firing is a RunTask call at the firing's time: the same rules as [[run_tasks]].
            let call = RawRunTask {
                at: crate::scenario::duration::Dur(0),
                task_definition: r.task_definition,
                count: r.count,
                group: r.group,
                launch_type: r.launch_type,
                capacity_provider_strategy: r.capacity_provider_strategy,
                placement_strategy: r.placement_strategy,
                placement_constraints: r.placement_constraints,
                run_duration: r.run_duration,
            };
            let env = Env {
                defs: &defs,
                default_strategy: &default_strategy,
                providers: &providers,
            };
            if let Some(run) = self.run_task(call, &env, item, &prefix) {
                scheduled.push(ScheduledTaskSpec {
                    schedule,
                    epoch_start_s,
                    run,
                });
                scheduled_at.push(item.span().start);
            }
        }

        // [[batch_jobs]]
        let mut batches: Vec<BatchSpec> = Vec::new();
        for (i, item) in self.array(&root, "batch_jobs").into_iter().enumerate() {
            let prefix = format!("batch_jobs[{i}]");
            let Some(r): Option<RawBatch> = self.de(item, &prefix) else {
                continue;
            };
            if batches.iter().any(|b| b.name == r.name) || r.name.is_empty() {
                self.at(
                    item,
                    &prefix,
                    "name",
                    "batch names must be unique and non-empty",
                );
            }
            let Some(launch) = self.launch(
                &r.launch_type,
                &r.capacity_provider_strategy,
                &default_strategy,
                &providers,
                item,
                &prefix,
            ) else {
                continue;
            };
            let strategies = self.strategies(&r.placement_strategy, item, &prefix);
            let constraints = self.constraints(&r.placement_constraints, item, &prefix, true);
            if let Some(b) =
                self.batch(r, item, &prefix, &mut defs, launch, strategies, constraints)
            {
                batches.push(b);
            }
        }

        // [[service_updates]]
        let mut updates: Vec<ServiceUpdateSpec> = Vec::new();
        for (i, item) in self.array(&root, "service_updates").into_iter().enumerate() {
            let prefix = format!("service_updates[{i}]");
            let Some(r): Option<RawServiceUpdate> = self.de(item, &prefix) else {
                continue;
            };
            let Some(sid) = self.find_service(&services, &r.service, item, &prefix) else {
                continue;
            };
            if services[sid].scheduling == SchedulingStrategy::Daemon {
                self.at(
                    item,
                    &prefix,
                    "service",
                    "DAEMON services have no desired count to update",
                );
            }
            if r.at.0 > duration {
                self.at(
                    item,
                    &prefix,
                    "at",
                    "this update is after the end of the run",
                );
            }
            updates.push(ServiceUpdateSpec {
                at_ms: r.at.0,
                service: ServiceId(sid as u32),
                desired_count: r.desired_count,
            });
        }
        updates.sort_by_key(|u| u.at_ms);

        let deployments = self.deployments(&root, &services, &defs, duration);
        let faults = self.faults(&root, &services, &providers, &zones);
        let traffic = self.traffic(get("traffic"));
        let output = self.output(get("output"), metric_period_ms);
        let scaling = self.scaling_params(get("scaling"), metric_period_ms);
        let timings = self.timings(get("timings"));
        let scheduler = self.scheduler(get("scheduler"));

        if !self.diags.is_empty() {
            return None;
        }
        let cluster = cluster?;
        let spec = Spec {
            name: name?,
            seed,
            duration_ms: duration_ms?,
            metric_period_ms,
            warm_up_ms,
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
            pricing: PricingSpec {
                fargate: fargate_prices,
                fargate_spot_discount,
                attribution_cpu_weight,
            },
            traffic,
            output,
            batch_jobs: batches,
            scheduled_tasks: scheduled,
            scaling,
            deployments,
            faults,
            warnings: Vec::new(),
        };
        let run_task_at: Vec<usize> = run_task_at.into_iter().map(|r| r.1).collect();
        self.capacity_warnings(&spec, &service_items, &run_task_at, &scheduled_at);
        Some(spec)
    }

    /// `warm_up`: left out of the summary's traffic figures; whole metric periods, shorter than the run.
    fn warm_up(&mut self, v: Option<Item<'s>>, period_ms: u64, duration_ms: Option<u64>) -> u64 {
        let Some(v) = v else { return 0 };
        let Some(d) = self.de::<duration::Dur>(&v, "warm_up") else {
            return 0;
        };
        if !d.0.is_multiple_of(period_ms) {
            self.at(
                &v,
                "warm_up",
                "",
                format!(
                    "warm_up must be a whole number of metric periods ({} s), e.g. \"{}s\"",
                    period_ms / MS_PER_S,
                    d.0.div_ceil(period_ms) * period_ms / MS_PER_S
                ),
            );
        } else if duration_ms.is_some_and(|t| d.0 >= t) {
            self.at(
                &v,
                "warm_up",
                "",
                "warm_up must be shorter than the run's duration",
            );
        }
        d.0
    }
}
