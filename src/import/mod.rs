//! `ecsim import`: bring your own cluster (issue #21). Reads what the AWS CLI prints for a cluster — its
//! capacity providers and Auto Scaling groups, services, task definitions, Service Auto Scaling targets and
//! policies, and described tasks — resolves the ARNs across files, and writes a scenario in ecsim's schema
//! (each value commented with the file and field it came from) plus `import-report.md`: what was mapped,
//! what was assumed and with which default, and every field read but not modelled.
//!
//! Not core: this module reads files (`read_dir`); everything after that is a pure function of the texts
//! ([`import_texts`]), so the same export gives a byte-identical scenario and report.

pub mod calibrate;
mod calibrate_chart;
mod emit;
pub mod files;
pub mod fit;
mod load;
pub mod model;
pub mod observed;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use emit::{emit_groups, emit_services, emit_taskdefs, emit_timings, report};
use files::{COMMANDS, Command, ExportFile};
use model::{
    Asg, CapacityProvider, Cluster, ScalableTarget, Service, TargetTracking, TaskDef, TaskTimes,
};

/// Scenario length written into the imported scenario (the export holds no time span to simulate).
pub const DEFAULT_DURATION: &str = "6h";
/// Instance type assumed when an Auto Scaling group names none (its launch template is not exported).
pub const DEFAULT_INSTANCE_TYPE: &str = "m5.large";
/// Tasks of one launch type needed before their start-up timings are fitted.
pub const MIN_TASKS_TO_FIT: usize = 3;

/// A problem with the export, with the file and (for malformed JSON) the 1-based line and column.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportError {
    /// The file, when one is to blame.
    pub file: Option<PathBuf>,
    /// 1-based line, 0 when not known.
    pub line: usize,
    /// 1-based column, 0 when not known.
    pub column: usize,
    /// What is wrong and what to do.
    pub message: String,
}

impl ImportError {
    fn at(file: &Path, message: impl Into<String>) -> Self {
        ImportError {
            file: Some(file.to_path_buf()),
            line: 0,
            column: 0,
            message: message.into(),
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.file {
            write!(f, "{}", p.display())?;
            if self.line > 0 {
                write!(f, ":{}:{}", self.line, self.column)?;
            }
            f.write_str(": ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ImportError {}

/// The result of an import.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The scenario name (the cluster's name).
    pub name: String,
    /// The scenario TOML.
    pub scenario_toml: String,
    /// `import-report.md`.
    pub report_md: String,
    /// Other files to write beside the scenario: (file name, text), e.g. `metric-requests_web.csv`.
    pub extra_files: Vec<(String, String)>,
}

/// What happened to every field: the report's sections.
#[derive(Debug, Default)]
pub struct Ledger {
    files: Vec<(String, Command, usize)>,
    mapped: Vec<String>,
    assumed: Vec<String>,
    notes: Vec<String>,
    fits: Vec<String>,
    loads: Vec<String>,
    not_modelled: BTreeMap<String, BTreeSet<String>>,
    unknown: BTreeMap<String, BTreeSet<String>>,
}

impl Ledger {
    /// Sort an object's fields into used (nothing to do), known but not modelled, and unknown.
    pub fn account(
        &mut self,
        rel: &str,
        path: &str,
        obj: &serde_json::Map<String, serde_json::Value>,
        who: &str,
        used: &[&str],
        known: &[&str],
    ) {
        for k in obj.keys() {
            if used.contains(&k.as_str()) {
                continue;
            }
            let key = format!("`{rel}`: `{path}.{k}`");
            let set = if known.contains(&k.as_str()) {
                &mut self.not_modelled
            } else {
                &mut self.unknown
            };
            set.entry(key).or_default().insert(who.to_string());
        }
    }

    /// A remark for the report's Notes.
    pub fn note(&mut self, s: String) {
        self.notes.push(s);
    }

    fn map(&mut self, s: String) {
        self.mapped.push(s);
    }

    fn assume(&mut self, s: String) {
        self.assumed.push(s);
    }
}

/// Read an export folder and import it.
pub fn import_dir(dir: &Path) -> Result<Imported, ImportError> {
    let texts = files::read_dir(dir)?;
    import_texts(dir, &texts)
}

/// Everything read from the export, by kind.
#[derive(Default)]
struct Export {
    clusters: Vec<Cluster>,
    cps: Vec<CapacityProvider>,
    asgs: Vec<Asg>,
    services: Vec<Service>,
    taskdefs: Vec<TaskDef>,
    targets: Vec<ScalableTarget>,
    policies: Vec<TargetTracking>,
    scheduled: Vec<model::ScheduledAction>,
    tasks: Vec<TaskTimes>,
    metrics: Vec<model::MetricSeries>,
    queries: Vec<observed::Query>,
    have: BTreeSet<Command>,
}

/// Import the files of an export folder given as (path relative to `dir`, text) pairs.
pub fn import_texts(dir: &Path, texts: &[(String, String)]) -> Result<Imported, ImportError> {
    let mut l = Ledger::default();
    let mut ex = Export::default();
    if texts.is_empty() {
        return Err(ImportError::at(
            dir,
            "no JSON files here; scripts/export-cluster.sh writes them (docs/import.md)",
        ));
    }
    for (rel, text) in texts {
        let ExportFile { rel, command, json } = files::classify(dir, rel, text)?;
        let before = l.files.len();
        let n = match command {
            Command::DescribeClusters => {
                extend(&mut ex.clusters, model::clusters(&rel, &json, &mut l))
            }
            Command::DescribeCapacityProviders => {
                extend(&mut ex.cps, model::capacity_providers(&rel, &json, &mut l))
            }
            Command::DescribeAutoScalingGroups => {
                extend(&mut ex.asgs, model::asgs(&rel, &json, &mut l))
            }
            Command::DescribeServices => {
                extend(&mut ex.services, model::services(&rel, &json, &mut l))
            }
            Command::DescribeTaskDefinition => {
                let td = model::task_definition(&rel, text, &json, &mut l).map_err(
                    |(line, column, m)| ImportError {
                        file: Some(dir.join(&rel)),
                        line,
                        column,
                        message: m,
                    },
                )?;
                ex.taskdefs.push(td);
                1
            }
            Command::DescribeScalableTargets => extend(
                &mut ex.targets,
                model::scalable_targets(&rel, &json, &mut l),
            ),
            Command::DescribeScalingPolicies => extend(
                &mut ex.policies,
                model::scaling_policies(&rel, &json, &mut l),
            ),
            Command::DescribeScheduledActions => extend(
                &mut ex.scheduled,
                model::scheduled_actions(&rel, &json, &mut l),
            ),
            Command::DescribeTasks => extend(&mut ex.tasks, model::tasks(&rel, &json, &mut l)),
            Command::GetMetricData => model::metric_series(&rel, &json, &mut l, &mut ex.metrics),
            Command::GetMetricDataRequest => {
                extend(&mut ex.queries, observed::queries(&rel, &json, &mut l))
            }
        };
        debug_assert_eq!(before, l.files.len());
        l.files.push((rel, command, n));
        ex.have.insert(command);
    }
    build(dir, &ex, &mut l)
}

fn extend<T>(v: &mut Vec<T>, more: Vec<T>) -> usize {
    let n = more.len();
    v.extend(more);
    n
}

/// A TOML string literal.
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The last part of an ARN path (`…:task-definition/web:7` → `web:7`; a name stays itself).
fn arn_tail(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// The region of an ARN (`arn:aws:ecs:us-east-1:…`).
fn arn_region(s: &str) -> Option<&str> {
    let parts: Vec<&str> = s.split(':').collect();
    (parts.len() > 4 && parts[0] == "arn" && !parts[3].is_empty()).then(|| parts[3])
}

/// The resolved capacity provider of one Auto Scaling group, ready to write.
struct Group {
    name: String,
    instance_type: (String, String),
    min: u64,
    max: u64,
    desired: u64,
    zones: Vec<String>,
    src: String,
    cp: Option<CapacityProvider>,
}

fn build(dir: &Path, ex: &Export, l: &mut Ledger) -> Result<Imported, ImportError> {
    let file = |c: Command| dir.join(c.file_name());
    if ex.clusters.len() > 1 {
        return Err(ImportError::at(
            &file(Command::DescribeClusters),
            format!(
                "{} clusters described ({}); import one cluster at a time",
                ex.clusters.len(),
                ex.clusters
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let cluster = ex.clusters.first();
    let cluster_name = match cluster {
        Some(c) => c.name.clone(),
        None => {
            let from_arn = ex
                .services
                .iter()
                .find_map(|s| s.cluster_arn.as_deref().map(|a| arn_tail(a).to_string()));
            let n = from_arn.unwrap_or_else(|| "default".into());
            l.assume(format!(
                "cluster name `{n}`, from the services' clusterArn (no `{}` output)",
                Command::DescribeClusters.cli()
            ));
            n
        }
    };
    let scenario_name: String = cluster_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();

    // Services of this cluster only.
    let cluster_arn = cluster.and_then(|c| c.arn.clone());
    let mut services = Vec::new();
    for s in &ex.services {
        match (&cluster_arn, &s.cluster_arn) {
            (Some(a), Some(b)) if a != b => l.note(format!(
                "{}: service {} belongs to {b}, not to the imported cluster; skipped",
                s.src, s.name
            )),
            _ => services.push(s.clone()),
        }
    }
    if services.is_empty() {
        l.note("no services in the export: the scenario has a cluster and no workload".into());
    }

    let groups = resolve_groups(dir, ex, &services, cluster, l)?;
    let taskdefs = resolve_taskdefs(dir, ex, &services, l)?;

    // Zones: the groups' subnets' zones and the zones tasks ran in.
    let mut zones: BTreeSet<String> = groups
        .iter()
        .flat_map(|g| g.zones.iter().cloned())
        .collect();
    zones.extend(ex.tasks.iter().filter_map(|t| t.zone.clone()));
    let region = cluster_arn
        .as_deref()
        .or(ex.services.first().and_then(|s| s.cluster_arn.as_deref()))
        .and_then(arn_region)
        .map(str::to_string);
    let zones_src = if zones.is_empty() {
        let r = region.clone().unwrap_or_else(|| "us-east-1".into());
        zones.extend(["a", "b", "c"].map(|z| format!("{r}{z}")));
        l.assume(format!(
            "availability zones {} (no Auto Scaling group or described task names any)",
            zones.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
        "assumed".to_string()
    } else {
        "Auto Scaling groups' AvailabilityZones and tasks' availabilityZone".to_string()
    };

    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Imported by `ecsim import` from {} (AWS CLI output; see import-report.md next to this file).\n\
         # Each value's comment names the file and field it came from; values the export does not hold are\n\
         # ecsim's defaults, listed with the value used under \"Assumed\" in the report.\n",
        dir.display()
    );
    let _ = writeln!(t, "name = {}", q(&scenario_name));
    let loads = load::attach_loads(ex, &services, l);
    match loads.window_ms {
        Some((a, b)) => {
            let _ = writeln!(
                t,
                "duration = \"{}s\"  # the window of the attached RequestCount series: epoch {} s to {} s",
                (b - a) / 1000,
                a.div_euclid(1000),
                b.div_euclid(1000)
            );
            l.map(format!(
                "the attached RequestCount window → `duration = \"{}s\"` (the replayed period)",
                (b - a) / 1000
            ));
            l.assume("seed 1 (a scenario needs one)".into());
        }
        None => {
            let _ = writeln!(
                t,
                "duration = {}  # assumed: the export holds no span to simulate",
                q(DEFAULT_DURATION)
            );
            l.assume(format!(
                "duration {DEFAULT_DURATION}, seed 1 (a scenario needs them; the export has none)"
            ));
        }
    }
    let _ = writeln!(t, "seed = 1\n");
    let _ = writeln!(t, "[cluster]");
    let csrc = cluster.map_or("services' clusterArn".to_string(), |_| {
        format!(
            "{}: clusters[0].clusterName",
            Command::DescribeClusters.file_name()
        )
    });
    let _ = writeln!(t, "name = {}  # {csrc}", q(&cluster_name));
    if let Some(r) = &region {
        let _ = writeln!(t, "region = {}  # the cluster ARN", q(r));
    }
    let _ = writeln!(
        t,
        "availability_zones = [{}]  # {zones_src}",
        zones.iter().map(|z| q(z)).collect::<Vec<_>>().join(", ")
    );
    if let Some(c) = cluster.filter(|c| !c.default_strategy.is_empty()) {
        let _ = writeln!(
            t,
            "default_capacity_provider_strategy = {}  # clusters.json: defaultCapacityProviderStrategy",
            strategy_toml(&c.default_strategy)
        );
        l.map(format!(
            "`clusters.json`: defaultCapacityProviderStrategy → `[cluster] default_capacity_provider_strategy` {}",
            strategy_toml(&c.default_strategy)
        ));
    }
    l.map(format!(
        "cluster `{cluster_name}` → `[cluster] name`; zones → `availability_zones` ({zones_src})"
    ));
    emit_groups(&mut t, &groups, l);
    let td_names = emit_taskdefs(&mut t, &taskdefs, l);
    emit_services(&mut t, ex, &services, &td_names, &cluster_name, &loads, l);
    emit_timings(&mut t, &ex.tasks, l);

    let extra_files = loads.csvs;
    let report = report(dir, &scenario_name, ex, l);
    Ok(Imported {
        name: scenario_name,
        scenario_toml: t,
        report_md: report,
        extra_files,
    })
}

fn strategy_toml(s: &[model::Strategy]) -> String {
    let items: Vec<String> = s
        .iter()
        .map(|i| {
            format!(
                "{{ capacity_provider = {}, base = {}, weight = {} }}",
                q(&i.provider),
                i.base,
                i.weight
            )
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// The Auto Scaling group providers the cluster and its services use, each joined to its group.
fn resolve_groups(
    dir: &Path,
    ex: &Export,
    services: &[Service],
    cluster: Option<&Cluster>,
    l: &mut Ledger,
) -> Result<Vec<Group>, ImportError> {
    let builtin = |n: &str| n == "FARGATE" || n == "FARGATE_SPOT";
    // Names in use, in first-use order: the cluster's list, its default strategy, the services' strategies.
    let mut names: Vec<(String, String)> = Vec::new();
    let mut want = |n: &str, why: String| {
        if !builtin(n) && !names.iter().any(|(m, _)| m == n) {
            names.push((n.to_string(), why));
        }
    };
    if let Some(c) = cluster {
        for n in &c.capacity_providers {
            want(n, "clusters.json: capacityProviders".into());
        }
        for i in &c.default_strategy {
            want(
                &i.provider,
                "clusters.json: defaultCapacityProviderStrategy".into(),
            );
        }
    }
    for s in services {
        for i in &s.strategy {
            want(
                &i.provider,
                format!("{} (service {}) capacityProviderStrategy", s.src, s.name),
            );
        }
    }
    let have_cps = ex.have.contains(&Command::DescribeCapacityProviders);
    let have_asgs = ex.have.contains(&Command::DescribeAutoScalingGroups);
    let mut out = Vec::new();
    for (name, why) in &names {
        let cp = ex.cps.iter().find(|c| &c.name == name);
        if cp.is_none() && have_cps {
            return Err(ImportError::at(
                &dir.join(Command::DescribeCapacityProviders.file_name()),
                format!(
                    "capacity provider {name} (used by {why}) is not described here; add it with `{} --capacity-providers {name}`",
                    Command::DescribeCapacityProviders.cli()
                ),
            ));
        }
        let asg_ref = cp.and_then(|c| c.asg.clone());
        let asg = asg_ref.as_deref().and_then(|r| {
            ex.asgs.iter().find(|g| {
                g.arn.as_deref() == Some(r)
                    || g.name == r
                    || r.ends_with(&format!("autoScalingGroupName/{}", g.name))
            })
        });
        if let (Some(r), None, true) = (&asg_ref, asg, have_asgs) {
            let gname = r.rsplit("autoScalingGroupName/").next().unwrap_or(r);
            return Err(ImportError::at(
                &dir.join(Command::DescribeAutoScalingGroups.file_name()),
                format!(
                    "capacity provider {name} uses Auto Scaling group {r}, which is not described here; add it with `{} --auto-scaling-group-names {gname}`",
                    Command::DescribeAutoScalingGroups.cli()
                ),
            ));
        }
        let g = match asg {
            Some(a) => {
                let it = a.instance_type.clone().unwrap_or_else(|| {
                    l.assume(format!(
                        "instance type {DEFAULT_INSTANCE_TYPE} for group {} (it has no instances and no mixed-instances override; the launch template's type needs `aws ec2 describe-launch-template-versions`)",
                        a.name
                    ));
                    (DEFAULT_INSTANCE_TYPE.to_string(), "assumed".into())
                });
                Group {
                    name: name.clone(),
                    instance_type: it,
                    min: a.min,
                    max: a.max.max(1),
                    desired: a.desired,
                    zones: a.zones.clone(),
                    src: a.src.clone(),
                    cp: cp.cloned(),
                }
            }
            None => {
                let missing = if cp.is_none() {
                    Command::DescribeCapacityProviders
                } else {
                    Command::DescribeAutoScalingGroups
                };
                l.assume(format!(
                    "capacity provider {name} (used by {why}): no `{}` output, so an Auto Scaling group of {DEFAULT_INSTANCE_TYPE}, 0–10 instances, 2 at the start{}",
                    missing.cli(),
                    if cp.is_none() { ", with managed scaling at target 100" } else { "" }
                ));
                Group {
                    name: name.clone(),
                    instance_type: (DEFAULT_INSTANCE_TYPE.into(), "assumed".into()),
                    min: 0,
                    max: 10,
                    desired: 2,
                    zones: Vec::new(),
                    src: "assumed".into(),
                    cp: cp.cloned().or_else(|| {
                        Some(CapacityProvider {
                            name: name.clone(),
                            asg: None,
                            managed_scaling: Some(model::ManagedScaling {
                                status: Some("ENABLED".into()),
                                target_capacity: Some(100),
                                min_step: None,
                                max_step: None,
                                warmup_s: None,
                            }),
                            managed_termination_protection: None,
                            src: "assumed".into(),
                        })
                    }),
                }
            }
        };
        out.push(g);
    }
    for c in &ex.cps {
        if !names.iter().any(|(n, _)| n == &c.name) {
            l.note(format!(
                "{}: capacity provider {} is not used by the cluster or its services; skipped",
                c.src, c.name
            ));
        }
    }
    // EC2 services without a capacity provider need instances from somewhere.
    let ec2_launch = services
        .iter()
        .any(|s| s.launch_type.as_deref() == Some("EC2") && s.strategy.is_empty());
    if ec2_launch && out.is_empty() {
        l.assume(format!(
            "an Auto Scaling group `imported-ec2` of {DEFAULT_INSTANCE_TYPE}, 2 instances (1–10), for the launch type EC2 services: the export names no capacity provider and ECS on EC2 needs instances"
        ));
        out.push(Group {
            name: "imported-ec2".into(),
            instance_type: (DEFAULT_INSTANCE_TYPE.into(), "assumed".into()),
            min: 1,
            max: 10,
            desired: 2,
            zones: Vec::new(),
            src: "assumed".into(),
            cp: None,
        });
    }
    Ok(out)
}

/// A service's task definition among the files: by its ARN, or by the `family:revision` it ends with.
fn find_taskdef<'a>(ex: &'a Export, s: &Service) -> Option<&'a TaskDef> {
    let want = &s.task_definition;
    let tail = arn_tail(want);
    ex.taskdefs.iter().find(|td| {
        td.arn.as_deref() == Some(want.as_str())
            || td
                .revision
                .is_some_and(|r| format!("{}:{r}", td.def.family) == tail)
    })
}

/// Each service's task definition, found by its ARN (or `family:revision`) among the files.
fn resolve_taskdefs<'a>(
    dir: &Path,
    ex: &'a Export,
    services: &[Service],
    l: &mut Ledger,
) -> Result<Vec<&'a TaskDef>, ImportError> {
    let mut used: Vec<&TaskDef> = Vec::new();
    for s in services {
        let want = &s.task_definition;
        let tail = arn_tail(want);
        let Some(td) = find_taskdef(ex, s) else {
            let file = tail.replace(':', "-");
            return Err(ImportError::at(
                &dir.join(&s.src[..s.src.find(':').unwrap_or(s.src.len())]),
                format!(
                    "service {} uses task definition {want}, but no file here holds it; write it with `{} --task-definition {want} > {}/taskdefs/{file}.json`",
                    s.name,
                    Command::DescribeTaskDefinition.cli(),
                    dir.display()
                ),
            ));
        };
        if !used.iter().any(|u| std::ptr::eq(*u, td)) {
            used.push(td);
        }
    }
    for td in &ex.taskdefs {
        if !used.iter().any(|u| std::ptr::eq(*u, td)) {
            l.note(format!(
                "`{}`: task definition {} is used by no imported service; skipped",
                td.rel, td.def.family
            ));
        }
    }
    Ok(used)
}

/// What a folder holds for `ecsim calibrate --observed DIR`: its `get-metric-data` series, the request
/// that named them (`metric-queries.json`) and the services' target groups (`services.json`); other
/// commands' files are read and ignored.
pub fn read_observed(dir: &Path) -> Result<calibrate::Observed, ImportError> {
    let mut l = Ledger::default();
    let mut out = calibrate::Observed::default();
    for (rel, text) in files::read_dir(dir)? {
        let f = files::classify(dir, &rel, &text)?;
        match f.command {
            Command::GetMetricData => {
                model::metric_series(&f.rel, &f.json, &mut l, &mut out.series);
            }
            Command::GetMetricDataRequest => {
                out.queries
                    .extend(observed::queries(&f.rel, &f.json, &mut l));
            }
            Command::DescribeServices => out.target_groups.extend(
                model::services(&f.rel, &f.json, &mut l)
                    .into_iter()
                    .map(|s| (s.name, s.target_groups)),
            ),
            _ => {}
        }
    }
    if out.series.is_empty() {
        return Err(ImportError::at(
            dir,
            format!(
                "no `{}` output here (metrics.json)",
                Command::GetMetricData.cli()
            ),
        ));
    }
    Ok(out)
}
