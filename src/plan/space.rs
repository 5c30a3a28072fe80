//! The candidates of a plan: the search space expanded in a fixed order, invalid combinations marked
//! skipped with the reason (an EC2 task that does not fit the instance type, a size Fargate does not
//! offer), and each valid candidate's scenario as an edit of the base scenario's TOML.
//!
//! EC2 candidates get capacity providers of their own (`plan-on-demand`, and `plan-spot` for the Spot
//! mix) with managed scaling; Fargate candidates run on `FARGATE` (and `FARGATE_SPOT`). The planned
//! service's task definition gets the candidate's size (and `awsvpc` on Fargate, the architecture on
//! ARM), its auto scaling the candidate's target and capacities, and its load the plan's SLO.

use toml::{Table, Value};

use super::file::{Plan, TaskSize};
use super::outcome::Launch;
use crate::pricing::catalog::{Arch, InstanceType};
use crate::pricing::fargate;

/// One point of the search space.
#[derive(Debug, Clone)]
pub struct Cand {
    /// Launch option.
    pub launch: Launch,
    /// Instance type (EC2 only).
    pub instance: Option<InstanceType>,
    /// CPU architecture.
    pub arch: Arch,
    /// Task size.
    pub size: TaskSize,
    /// Rank of the task size in the plan's list sorted by (cpu, memory): larger is stronger.
    pub size_rank: usize,
    /// Target-tracking target, %.
    pub target: f64,
    /// Minimum tasks.
    pub min: u32,
    /// Maximum tasks.
    pub max: u32,
    /// Capacity-provider target capacity, % (EC2 only).
    pub target_capacity: Option<u32>,
    /// Does each task take an ENI of the instance (the base's task definition uses `awsvpc`; EC2 only)?
    pub eni: bool,
    /// Why it cannot run, when it cannot.
    pub skip: Option<String>,
}

/// The parameter names, in column order.
pub const PARAMETERS: [&str; 10] = [
    "launch",
    "instance_type",
    "arch",
    "cpu",
    "memory",
    "target",
    "min_capacity",
    "max_capacity",
    "target_capacity",
    "tasks_per_instance",
];

impl Cand {
    /// Parameters as (name, value) pairs, [`PARAMETERS`] order; `-` where one does not apply.
    pub fn params(&self) -> Vec<(String, String)> {
        let dash = || "-".to_string();
        let vals = [
            self.launch.as_str().to_string(),
            self.instance.as_ref().map_or_else(dash, |t| t.name.clone()),
            self.arch.as_attribute_lower().to_string(),
            self.size.cpu.to_string(),
            self.size.memory.to_string(),
            format!("{}", self.target),
            self.min.to_string(),
            self.max.to_string(),
            self.target_capacity.map_or_else(dash, |c| c.to_string()),
            self.per_instance().map_or_else(dash, |n| n.to_string()),
        ];
        PARAMETERS.iter().map(|p| p.to_string()).zip(vals).collect()
    }

    /// Tasks of this size one instance holds: CPU units, registered memory and, in `awsvpc` mode, the
    /// instance's ENIs but the primary (§1.1; EC2 candidates keep the base's network mode).
    pub fn per_instance(&self) -> Option<u32> {
        let t = self.instance.as_ref()?;
        let fit = (t.cpu_units() / self.size.cpu.max(1))
            .min(t.registered_memory_mib / self.size.memory.max(1));
        Some(if self.eni {
            fit.min(t.max_enis.saturating_sub(1))
        } else {
            fit
        })
    }

    /// Same candidate but for the three ordered dimensions (task size, target, minimum)? The key the
    /// monotone rules compare within.
    pub fn family_key(&self) -> String {
        format!(
            "{}|{}|{:?}|{}|{:?}",
            self.launch.as_str(),
            self.instance.as_ref().map_or("", |t| t.name.as_str()),
            self.arch,
            self.max,
            self.target_capacity
        )
    }
}

trait ArchName {
    fn as_attribute_lower(&self) -> &'static str;
}

impl ArchName for Arch {
    fn as_attribute_lower(&self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        }
    }
}

/// Every candidate of the plan, in order: launch options, then instance types (EC2) or architectures
/// (Fargate), task sizes, targets, minimums, maximums, target capacities (EC2), the first varying slowest.
pub fn candidates(plan: &Plan) -> Vec<Cand> {
    let s = &plan.space;
    let eni = plan
        .base_spec
        .services
        .iter()
        .find(|x| x.name == plan.service)
        .is_some_and(|x| plan.base_spec.task_def(x.task_def).uses_eni());
    let mut sorted = s.task_sizes.clone();
    sorted.sort();
    let mut out = Vec::new();
    for &launch in &s.launch {
        let platforms: Vec<(Option<&InstanceType>, Arch)> = if launch.is_fargate() {
            s.fargate_architectures.iter().map(|a| (None, *a)).collect()
        } else {
            s.instance_types.iter().map(|t| (Some(t), t.arch)).collect()
        };
        let tcs: Vec<Option<u32>> = if launch.is_fargate() {
            vec![None]
        } else {
            s.target_capacity.iter().map(|c| Some(*c)).collect()
        };
        for (it, arch) in &platforms {
            for size in &s.task_sizes {
                for &target in &s.targets {
                    for &min in &s.min_capacity {
                        for &max in &s.max_capacity {
                            for &tc in &tcs {
                                let mut c = Cand {
                                    launch,
                                    instance: it.cloned(),
                                    arch: *arch,
                                    size: *size,
                                    size_rank: sorted.iter().position(|x| x == size).unwrap_or(0),
                                    target,
                                    min,
                                    max,
                                    target_capacity: tc,
                                    eni: eni && !launch.is_fargate(),
                                    skip: None,
                                };
                                c.skip = why_skip(&c);
                                out.push(c);
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// Why a combination cannot run: the rule it breaks, in words.
fn why_skip(c: &Cand) -> Option<String> {
    if c.min > c.max {
        return Some(format!(
            "skipped: min_capacity {} above max_capacity {}",
            c.min, c.max
        ));
    }
    match &c.instance {
        Some(t) => {
            if c.per_instance() == Some(0) && c.eni && t.max_enis < 2 {
                return Some(format!(
                    "skipped: {} has no ENI to spare for an awsvpc task",
                    t.name
                ));
            }
            if c.size.cpu > t.cpu_units() || c.size.memory > t.registered_memory_mib {
                return Some(format!(
                    "skipped: a {} CPU / {} MiB task does not fit {} ({} CPU units, {} MiB registered)",
                    c.size.cpu,
                    c.size.memory,
                    t.name,
                    t.cpu_units(),
                    t.registered_memory_mib
                ));
            }
            None
        }
        None => fargate::check_size(c.size.cpu, c.size.memory)
            .err()
            .map(|e| format!("skipped: {e} (§5.1)")),
    }
}

/// A candidate's scenario could not be written as TOML.
#[derive(Debug, thiserror::Error)]
pub enum CandidateError {
    /// The plan names a service the base scenario does not have (the plan file's check prevents it).
    #[error("no service \"{0}\"")]
    NoService(String),
    /// The edited table did not serialise.
    #[error(transparent)]
    Toml(#[from] toml::ser::Error),
}

/// The candidate's scenario as TOML text, at `horizon` (a duration string) and the base's seed.
pub fn scenario_text(plan: &Plan, c: &Cand, horizon_ms: u64) -> Result<String, CandidateError> {
    let mut t = plan.base.clone();
    // The base's own duration text at the full horizon (best.toml reads as the user wrote it).
    if horizon_ms != plan.horizon_ms {
        let d = if horizon_ms.is_multiple_of(1000) {
            format!("{}s", horizon_ms / 1000)
        } else {
            format!("{horizon_ms}ms")
        };
        t.insert("duration".into(), Value::String(d));
    }
    let svc = plan.service.as_str();
    let family = plan
        .base_spec
        .services
        .iter()
        .find(|s| s.name == svc)
        .map(|s| plan.base_spec.task_def(s.task_def).family.clone())
        .ok_or_else(|| CandidateError::NoService(svc.to_string()))?;
    let only_service = matches!(t.get("services"), Some(Value::Array(s)) if s.len() == 1);
    edit_providers(&mut t, plan, c, only_service);
    edit_task_def(&mut t, &family, c);
    edit_service(&mut t, plan, c);
    edit_faults(&mut t, plan, c);
    Ok(toml::to_string(&t)?)
}

fn tbl(pairs: Vec<(&str, Value)>) -> Value {
    let mut t = Table::new();
    for (k, v) in pairs {
        t.insert(k.into(), v);
    }
    Value::Table(t)
}

fn int(x: u32) -> Value {
    Value::Integer(i64::from(x))
}

fn edit_providers(t: &mut Table, plan: &Plan, c: &Cand, only_service: bool) {
    let providers = t
        .entry("capacity_providers")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(a) = providers else { return };
    if only_service {
        // The base's own groups would only idle (and bill): empty them, as `ecsim compare` does.
        for p in a.iter_mut() {
            if let Value::Table(p) = p {
                p.insert("min_size".into(), Value::Integer(0));
                p.insert("desired_size".into(), Value::Integer(0));
            }
        }
    }
    let (Some(it), Some(per)) = (&c.instance, c.per_instance()) else {
        return;
    };
    let per = per.max(1);
    let max_instances = c.max.div_ceil(per) + 1;
    let spot = c.launch == Launch::Ec2Spot;
    // On-demand holds the base (all tasks without Spot); Spot the rest of the weights.
    let od_start = if spot {
        c.min.min(plan.spot.base)
    } else {
        c.min
    };
    let group = |name: &str, is_spot: bool, start_tasks: u32| {
        tbl(vec![
            ("name", Value::String(name.into())),
            ("instance_type", Value::String(it.name.clone())),
            ("min_size", Value::Integer(0)),
            ("max_size", int(max_instances)),
            ("desired_size", int(start_tasks.div_ceil(per))),
            ("spot", Value::Boolean(is_spot)),
            (
                "managed_scaling",
                tbl(vec![(
                    "target_capacity",
                    int(c.target_capacity.unwrap_or(100)),
                )]),
            ),
        ])
    };
    a.push(group("plan-on-demand", false, od_start));
    if spot {
        a.push(group("plan-spot", true, c.min.saturating_sub(od_start)));
    }
}

fn edit_task_def(t: &mut Table, family: &str, c: &Cand) {
    let Some(Value::Array(defs)) = t.get_mut("task_definitions") else {
        return;
    };
    for d in defs.iter_mut() {
        let Value::Table(d) = d else { continue };
        if d.get("family").and_then(Value::as_str) != Some(family) {
            continue;
        }
        let compat = if c.launch.is_fargate() {
            "FARGATE"
        } else {
            "EC2"
        };
        d.insert(
            "requires_compatibilities".into(),
            Value::Array(vec![Value::String(compat.into())]),
        );
        d.insert("cpu".into(), int(c.size.cpu));
        d.insert("memory".into(), int(c.size.memory));
        if c.launch.is_fargate() {
            d.insert("network_mode".into(), Value::String("awsvpc".into()));
        }
        let arch = match c.arch {
            Arch::X86_64 => "X86_64",
            Arch::Arm64 => "ARM64",
        };
        d.insert("cpu_architecture".into(), Value::String(arch.into()));
        // The containers follow the task size (a container sized for another task would not fit).
        d.remove("containers");
    }
}

fn edit_service(t: &mut Table, plan: &Plan, c: &Cand) {
    let Some(Value::Array(svcs)) = t.get_mut("services") else {
        return;
    };
    let item = |cp: &str, base: u32, weight: u32| {
        tbl(vec![
            ("capacity_provider", Value::String(cp.into())),
            ("base", int(base)),
            ("weight", int(weight)),
        ])
    };
    let sp = &plan.spot;
    for s in svcs.iter_mut() {
        let Value::Table(s) = s else { continue };
        if s.get("name").and_then(Value::as_str) != Some(plan.service.as_str()) {
            continue;
        }
        s.remove("launch_type");
        if c.launch.is_fargate() {
            s.remove("placement_strategy");
            s.remove("placement_constraints");
        }
        let strategy = match c.launch {
            Launch::Ec2 => vec![item("plan-on-demand", 0, 1)],
            Launch::Ec2Spot => vec![
                item("plan-on-demand", sp.base, sp.on_demand_weight),
                item("plan-spot", 0, sp.spot_weight),
            ],
            Launch::Fargate => vec![item("FARGATE", 0, 1)],
            Launch::FargateSpot => vec![
                item("FARGATE", sp.base, sp.on_demand_weight),
                item("FARGATE_SPOT", 0, sp.spot_weight),
            ],
        };
        s.insert("capacity_provider_strategy".into(), Value::Array(strategy));
        s.insert("desired_count".into(), int(c.min.max(1)));
        // Auto scaling: the base's table (cooldowns and other policies kept), the candidate's bounds and
        // target on every target-tracking policy; a CPU target-tracking policy when the base has none.
        let mut asc = match s.remove("auto_scaling") {
            Some(Value::Table(a)) => a,
            _ => Table::new(),
        };
        asc.insert("min_capacity".into(), int(c.min));
        asc.insert("max_capacity".into(), int(c.max));
        asc.remove("scheduled_actions");
        let mut policies = match asc.remove("policies") {
            Some(Value::Array(p)) => p,
            _ => Vec::new(),
        };
        let mut any = false;
        for p in policies.iter_mut() {
            if let Value::Table(p) = p
                && p.get("type").and_then(Value::as_str) == Some("target_tracking")
            {
                p.insert("target".into(), Value::Float(c.target));
                any = true;
            }
        }
        if !any {
            policies.push(tbl(vec![
                ("type", Value::String("target_tracking".into())),
                (
                    "metric",
                    Value::String("ECSServiceAverageCPUUtilization".into()),
                ),
                ("target", Value::Float(c.target)),
            ]));
        }
        asc.insert("policies".into(), Value::Array(policies));
        s.insert("auto_scaling".into(), Value::Table(asc));
        // The plan's SLO, so that the run's attainment is the one the plan judges.
        if let Some(Value::Table(load)) = s.get_mut("load") {
            load.remove("slo_p99");
            let mut slo = vec![
                ("error_rate", Value::Float(plan.slo.error_rate)),
                ("objective", Value::Float(plan.slo.objective)),
            ];
            if let Some(p) = plan.slo.p99_ms {
                slo.push(("p99", Value::String(format!("{}ms", p))));
            }
            load.insert("slo".into(), tbl(slo));
        }
    }
}

fn edit_faults(t: &mut Table, plan: &Plan, c: &Cand) {
    let (cp, rate) = match c.launch {
        Launch::Ec2Spot => ("plan-spot", plan.spot.ec2_interruptions_per_hour),
        Launch::FargateSpot => ("FARGATE_SPOT", plan.spot.fargate_interruptions_per_hour),
        _ => return,
    };
    if rate <= 0.0 {
        return;
    }
    let mut f = vec![
        ("type", Value::String("spot_interruption".into())),
        ("capacity_provider", Value::String(cp.into())),
        ("rate_per_hour", Value::Float(rate)),
    ];
    if cp != "FARGATE_SPOT" {
        f.push(("draining", Value::Boolean(true)));
    }
    let faults = t
        .entry("faults")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(a) = faults {
        a.push(tbl(f));
    }
}
