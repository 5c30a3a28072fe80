//! EC2 versus Fargate (and Spot) on the same workload with the same random numbers: four variants of one
//! scenario that differ only in where one service's tasks run (issue "cost, and the EC2-versus-Fargate
//! comparison"). The scenario file is edited as TOML, so everything else — the traffic, the scaling
//! policies, the seed and every random stream — is the same in all four runs.
//!
//! Must not: write files (the caller does).

use std::path::Path;

use toml::{Table, Value};

use crate::metrics::{NullSink, Summary};
use crate::pricing::{billing, catalog, fargate};
use crate::scenario::{self, Diagnostic, Diagnostics};

/// The four variants.
pub const VARIANTS: [&str; 4] = [
    "ec2-on-demand",
    "ec2-spot-mix",
    "fargate",
    "fargate-spot-mix",
];

/// Knobs of the comparison.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// The service to move (default: the first service with a load, else the first service).
    pub service: Option<String>,
    /// Instance type of the EC2 variants (default: the scenario's first Auto Scaling group's, else m5.large).
    pub instance_type: Option<String>,
    /// EC2 Spot interruptions per instance-hour in the Spot variant (unconfirmed; default 0.05).
    pub ec2_spot_interruptions_per_hour: f64,
    /// Fargate Spot interruptions per task-hour in the Spot variant (unconfirmed; default 0.05).
    pub fargate_spot_interruptions_per_hour: f64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            service: None,
            instance_type: None,
            ec2_spot_interruptions_per_hour: 0.05,
            fargate_spot_interruptions_per_hour: 0.05,
        }
    }
}

/// One row of the comparison.
#[derive(Debug, Clone)]
pub struct CompareRow {
    /// Variant name.
    pub variant: &'static str,
    /// The run's summary.
    pub summary: Summary,
    /// `ok`, or what makes the row's figures not those of a service that ran as asked: "cannot place:
    /// …", "serves 12.5 % of requests" (errors above the SLO's error rate), "3 tasks unplaced at the
    /// end"; several are joined by "; ".
    pub status: String,
    /// The compared service's SLO attainment (good ÷ measured minutes), when it has an SLO.
    pub slo_attainment: Option<f64>,
    /// The compared service's bad SLO minutes (None when it has no SLO).
    pub slo_minutes: Option<f64>,
    /// The compared service's start-up (before its first healthy task), counted apart in `status`.
    pub startup: Option<crate::metrics::Startup>,
    /// The share of its measured requests that failed in the start-up, %.
    pub startup_failed_percent: Option<f64>,
    /// The compared service's own figures (the run's other services left out).
    pub own: Own,
}

/// The compared service's own cost and start latencies in a variant: on EC2 the comparison's Auto Scaling
/// groups, which only it uses (every instance, idle or not); on Fargate its tasks' bill.
#[derive(Debug, Clone, Copy, Default)]
pub struct Own {
    /// What it costs over the run, USD.
    pub cost_usd: f64,
    /// The part of it for EC2 instances, USD.
    pub ec2_usd: f64,
    /// The part of the EC2 cost none of its tasks reserved, USD.
    pub ec2_idle_usd: f64,
    /// Its cost per million requests it served over the run (the warm-up included, as summary.json's).
    pub per_million_requests: Option<f64>,
    /// Its tasks' start latencies, p50 and p99, s.
    pub start_latency_s: Option<[f64; 2]>,
}

impl CompareRow {
    /// Does the row describe a service that ran as asked?
    pub fn ok(&self) -> bool {
        self.status == "ok"
    }
    /// The compared service's cost per simulated day, USD.
    pub fn cost_per_day(&self) -> f64 {
        self.own.cost_usd / (self.summary.simulated_seconds / 86_400.0)
    }
    /// Unreserved share of the compared service's EC2 cost, %.
    pub fn idle_percent(&self) -> f64 {
        if self.own.ec2_usd > 0.0 {
            self.own.ec2_idle_usd / self.own.ec2_usd * 100.0
        } else {
            0.0
        }
    }
}

/// The comparison and the break-even point for the service's task size.
#[derive(Debug, Clone)]
pub struct CompareReport {
    /// Scenario name.
    pub scenario: String,
    /// The service compared.
    pub service: String,
    /// One row per variant.
    pub rows: Vec<CompareRow>,
    /// The task sizes each launch type ran.
    pub sizes: String,
    /// The break-even explanation.
    pub break_even: String,
    /// What else the scenario runs in every variant (other services, standalone and batch tasks), whose
    /// figures the run-wide columns include.
    pub others: Vec<String>,
    /// Other services with Fargate Spot tasks: the Fargate Spot variant's interruptions hit them too.
    pub fargate_spot_others: Vec<String>,
}

fn err(file: &str, msg: String) -> Diagnostics {
    Diagnostics(vec![Diagnostic {
        file: file.to_string(),
        line: 0,
        column: 0,
        field: String::new(),
        message: msg,
    }])
}

/// Run the four variants of the scenario at `path` (summaries only).
pub fn compare(path: &Path, opts: &CompareOptions) -> Result<CompareReport, Diagnostics> {
    compare_with(path, opts, |_, spec| {
        crate::metrics::finite::checked(&mut NullSink, |s| crate::sim::simulate(spec, s))
    })
}

/// Run the four variants with `run` (which may write each variant's files); `run` gets the variant name.
pub fn compare_with<E: std::fmt::Display>(
    path: &Path,
    opts: &CompareOptions,
    mut run: impl FnMut(&'static str, &crate::spec::Spec) -> Result<Summary, E>,
) -> Result<CompareReport, Diagnostics> {
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| err(&label, format!("cannot read the scenario file: {e}")))?;
    // Validate the original first, so that its own problems are reported against its lines.
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let original = scenario::load_str(&text, &label, &base_dir)?;
    let table: Table = text
        .parse()
        .map_err(|e: toml::de::Error| err(&label, e.to_string()))?;
    let svc = match &opts.service {
        Some(s) => s.clone(),
        None => original
            .services
            .iter()
            .filter(|s| s.scheduling == crate::spec::SchedulingStrategy::Replica)
            .find(|s| s.load.is_some())
            .or(original
                .services
                .iter()
                .find(|s| s.scheduling == crate::spec::SchedulingStrategy::Replica))
            .map(|s| s.name.clone())
            .ok_or_else(|| err(&label, "the scenario has no service to compare".into()))?,
    };
    let sidx = original
        .services
        .iter()
        .position(|s| s.name == svc)
        .ok_or_else(|| err(&label, format!("no service named \"{svc}\"")))?;
    let td = original.task_def(original.services[sidx].task_def).clone();
    let it_name = opts.instance_type.clone().unwrap_or_else(|| {
        original
            .providers
            .iter()
            .find_map(|p| match &p.kind {
                crate::spec::ProviderKind::Asg(a) => Some(a.instance_type.name.clone()),
                _ => None,
            })
            .unwrap_or_else(|| "m5.large".into())
    });
    // The scenario's own type (custom types included), else the catalog's.
    let it = original
        .providers
        .iter()
        .find_map(|p| match &p.kind {
            crate::spec::ProviderKind::Asg(a) if a.instance_type.name == it_name => {
                Some(a.instance_type.clone())
            }
            _ => None,
        })
        .or_else(|| catalog::lookup(&it_name))
        .ok_or_else(|| err(&label, format!("unknown instance type \"{it_name}\"")))?;
    // EC2 runs the task definition as written; Fargate the nearest valid size at or above it (§5.1:
    // only the grid's sizes exist, and you pay for the size you run).
    let (fcpu, fmem) = fargate::round_up(td.cpu_units.max(256), td.memory_mib.max(512))
        .ok_or_else(|| {
            err(
                &label,
                format!(
                    "service {svc}'s task ({} CPU / {} MiB) is larger than any Fargate size (§5.1: at most \
                     16384 CPU units with 122880 MiB), so its Fargate variants cannot run; \
                     use `ecsim run` for EC2 alone",
                    td.cpu_units, td.memory_mib
                ),
            )
        })?;
    let max_tasks = original.services[sidx]
        .auto_scaling
        .as_ref()
        .map_or(original.services[sidx].desired_count, |a| a.max)
        .max(1);
    let reg_mem = it.registered_memory_mib;
    let enis = if td.uses_eni() {
        it.max_enis.saturating_sub(1)
    } else {
        u32::MAX
    };
    let per_instance = (it.cpu_units() / td.cpu_units.max(1))
        .min(reg_mem / td.memory_mib.max(1))
        .min(enis)
        .max(1);
    let max_instances = max_tasks.div_ceil(per_instance) + 1;
    let error_rate = original.services[sidx]
        .load
        .as_ref()
        .and_then(|l| l.slo)
        .map_or(crate::spec::SloSpec::DEFAULT_ERROR_RATE, |o| o.error_rate);

    let mut rows = Vec::new();
    for v in VARIANTS {
        let mut t = table.clone();
        edit_variant(
            &mut t,
            v,
            &svc,
            &td.family,
            &it_name,
            max_instances,
            (fcpu, fmem),
            opts,
        );
        let src = toml::to_string(&t).map_err(|e| err(&label, e.to_string()))?;
        let spec = scenario::load_str(&src, &format!("{label} [{v}]"), &base_dir)?;
        let summary = run(v, &spec).map_err(|m| err(&label, m.to_string()))?;
        let (status, slo) = status(&summary, &svc, error_rate);
        let f = summary.services.iter().find(|f| f.name == svc);
        let startup = f.and_then(|f| f.startup).filter(|u| u.from_start);
        let startup_failed_percent = f
            .and_then(|f| f.requests)
            .zip(startup)
            .filter(|(r, _)| r[0] > 0.0)
            .map(|(r, u)| u.requests[2] / r[0] * 100.0);
        let own = own_figures(&summary, &svc, v);
        rows.push(CompareRow {
            variant: v,
            own,
            startup,
            startup_failed_percent,
            slo_attainment: slo.and_then(|o| o.attainment()),
            // Its own SLO only: another service's minutes would read as its.
            slo_minutes: slo.map(|o| o.bad_minutes()),
            status,
            summary,
        });
    }

    let own = format!("{} CPU / {} MiB", td.cpu_units, td.memory_mib);
    let sizes = if (fcpu, fmem) == (td.cpu_units, td.memory_mib) {
        format!("EC2 and Fargate run the task definition's {own}, a valid Fargate size.")
    } else {
        format!(
            "EC2 runs the task definition's {own}; Fargate runs {fcpu} CPU / {fmem} MiB, the nearest valid size."
        )
    };
    let prices = billing::FargatePrices::default();
    let f_hour = billing::fargate_hourly(&prices, fcpu, fmem, 20, false, 0.0);
    let break_even = match billing::break_even(
        td.cpu_units.max(1),
        td.memory_mib,
        it.cpu_units(),
        reg_mem,
        it.price_usd_per_hour,
        f_hour,
    )
    .filter(|_| enis > 0)
    {
        Some(mut b) => {
            // Why n: the ENI limit caps it below what CPU and memory allow, and a user who counts
            // CPU and memory alone would otherwise read a wrong figure.
            let mut why = "";
            if b.tasks_per_instance > enis {
                // awsvpc: one ENI per task beside the primary (§1.1).
                b = billing::break_even(1, 1, enis, enis, it.price_usd_per_hour, f_hour)
                    .expect("enis > 0");
                why = ", awsvpc: one ENI each beside the primary";
            }
            let n = b.tasks_per_instance;
            format!(
                "Break-even of {own} tasks on {it_name} (${:.4}/h, {n} task{} per instance{why}) against Fargate's {fcpu} CPU / {fmem} MiB (${f_hour:.6}/h): {}",
                it.price_usd_per_hour,
                if n == 1 { "" } else { "s" },
                b.explain(&it_name, it.price_usd_per_hour)
            )
        }
        None => format!("A {own} task does not fit {it_name}: no break-even point."),
    };
    let (others, fargate_spot_others) = others_of(&original, &svc, opts);
    Ok(CompareReport {
        others,
        fargate_spot_others,
        scenario: original.name.clone(),
        service: svc,
        rows,
        sizes,
        break_even,
    })
}

/// What else the scenario runs beside service `svc` (see [`CompareReport::others`]), and the other
/// services with Fargate Spot tasks (see [`CompareReport::fargate_spot_others`]).
fn others_of(
    original: &crate::spec::Spec,
    svc: &str,
    opts: &CompareOptions,
) -> (Vec<String>, Vec<String>) {
    let mut others: Vec<String> = original
        .services
        .iter()
        .filter(|s| s.name != svc)
        .map(|s| s.name.clone())
        .collect();
    if !original.run_tasks.is_empty() || !original.scheduled_tasks.is_empty() {
        others.push("standalone tasks".into());
    }
    if !original.batch_jobs.is_empty() {
        others.push("batch jobs".into());
    }
    // The Spot variant's interruptions are a fault on FARGATE_SPOT, which every service's Spot tasks
    // share (a fault has no service of its own).
    let spot = original.fargate_spot();
    let spot_others = if opts.fargate_spot_interruptions_per_hour > 0.0 {
        original
            .services
            .iter()
            .filter(|s| s.name != svc)
            .filter(|s| matches!(&s.launch, crate::spec::Launch::Strategy(items) if items.iter().any(|i| i.provider == spot)))
            .map(|s| s.name.clone())
            .collect()
    } else {
        Vec::new()
    };
    (others, spot_others)
}

/// Service `svc`'s own figures in variant `v` (see [`Own`]).
fn own_figures(s: &Summary, svc: &str, v: &str) -> Own {
    let f = s.services.iter().find(|f| f.name == svc);
    let groups: f64 = s
        .cost_by_provider_usd
        .iter()
        .filter(|(n, _)| n == "compare-on-demand" || n == "compare-spot")
        .map(|(_, c)| c)
        .sum();
    // Its cost share: on Fargate its bill; on EC2 its tasks' reserved share of the groups.
    let share = s
        .cost_by_service_usd
        .iter()
        .find(|(n, _)| n == svc)
        .map_or(0.0, |(_, c)| *c);
    let (cost_usd, ec2_usd, ec2_idle_usd) = if v.starts_with("ec2") {
        (groups, groups, (groups - share).max(0.0))
    } else {
        (share, 0.0, 0.0)
    };
    Own {
        cost_usd,
        ec2_usd,
        ec2_idle_usd,
        per_million_requests: f
            .and_then(|f| f.served_whole_run)
            .filter(|&n| n >= 1.0)
            .map(|n| cost_usd / n * 1e6),
        start_latency_s: f.and_then(|f| f.start_latency_s),
    }
}

/// A variant's status for service `svc` (see [`CompareRow::status`]) and the service's SLO figures.
/// Requests count as not served when more than `error_rate` of them failed (the service's SLO error
/// rate, else the default of [`crate::spec::SloSpec`]), start-up apart: every variant starts its service
/// with no task, and the requests before its first healthy task (Fargate's ~40 s cold start, an EC2 task
/// on a warm instance's few seconds) are a new service's, which a running one does not have. On a short
/// run they alone would pass the error rate (6 h at 100 requests/s: ~50 s of failures is 0.23 %). A
/// service that never has a healthy task has no start-up to set apart: all its requests count.
fn status(s: &Summary, svc: &str, error_rate: f64) -> (String, Option<crate::metrics::SloFigures>) {
    let f = s.services.iter().find(|f| f.name == svc);
    let mut why = Vec::new();
    if let Some((_, r)) = s.placement_problems.iter().find(|(n, _)| n == svc) {
        why.push(format!("cannot place: {r}"));
    }
    // Only a start-up from t = 0: a service that scaled from zero late, or whose first tasks failed to
    // start, failed those requests for a reason of its own.
    let before = f
        .and_then(|f| f.startup)
        .filter(|u| u.from_start)
        .map_or([0.0; 3], |u| u.requests);
    if let Some([total, served, dropped]) = f.and_then(|f| f.requests)
        && let [total, served, dropped] =
            [total - before[0], served - before[1], dropped - before[2]]
        && total > 0.0
        && dropped > error_rate * total
    {
        // Rounded down, so that a flagged row never reads "100 %".
        let pct = (served / total * 1000.0).floor() / 10.0;
        why.push(format!("serves {pct} % of requests"));
    }
    if let Some(n) = f.map(|f| f.unplaced_at_end).filter(|&n| n > 0)
        && !s.placement_problems.iter().any(|(n, _)| n == svc)
    {
        why.push(format!(
            "{n} task{} unplaced at the end",
            if n == 1 { "" } else { "s" }
        ));
    }
    let status = if why.is_empty() {
        "ok".to_string()
    } else {
        why.join("; ")
    };
    (status, f.and_then(|f| f.slo))
}

#[allow(clippy::too_many_arguments)]
fn edit_variant(
    t: &mut Table,
    v: &str,
    svc: &str,
    family: &str,
    it: &str,
    max_instances: u32,
    fsize: (u32, u32),
    opts: &CompareOptions,
) {
    let uses_ec2 = v.starts_with("ec2");
    let asg = |name: &str, spot: bool, used: bool| {
        let mut p = Table::new();
        p.insert("name".into(), Value::String(name.into()));
        p.insert("instance_type".into(), Value::String(it.into()));
        p.insert("min_size".into(), Value::Integer(0));
        p.insert("max_size".into(), Value::Integer(max_instances as i64));
        p.insert("desired_size".into(), Value::Integer(used as i64));
        p.insert("spot".into(), Value::Boolean(spot));
        let mut ms = Table::new();
        ms.insert("target_capacity".into(), Value::Integer(100));
        p.insert("managed_scaling".into(), Value::Table(ms));
        Value::Table(p)
    };
    let item = |cp: &str, base: i64, weight: i64| {
        let mut i = Table::new();
        i.insert("capacity_provider".into(), Value::String(cp.into()));
        i.insert("base".into(), Value::Integer(base));
        i.insert("weight".into(), Value::Integer(weight));
        Value::Table(i)
    };
    // Providers: keep the scenario's own, add the comparison's.
    // When the compared service is the only service, the scenario's own groups would only idle: empty them.
    let only_service = matches!(t.get("services"), Some(Value::Array(s)) if s.len() == 1);
    let providers = t
        .entry("capacity_providers")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(a) = providers {
        if only_service {
            for p in a.iter_mut() {
                if let Value::Table(p) = p {
                    p.insert("min_size".into(), Value::Integer(0));
                    p.insert("desired_size".into(), Value::Integer(0));
                }
            }
        }
        a.push(asg("compare-on-demand", false, uses_ec2));
        a.push(asg("compare-spot", true, v == "ec2-spot-mix"));
    }
    // The task definition: both launch types, awsvpc, a valid Fargate size when on Fargate.
    if let Some(Value::Array(defs)) = t.get_mut("task_definitions") {
        for d in defs.iter_mut() {
            if let Value::Table(d) = d
                && d.get("family").and_then(Value::as_str) == Some(family)
            {
                // EC2 runs the task definition as written (its size, its network mode); Fargate the
                // nearest valid size, awsvpc.
                let on_fargate = v.starts_with("fargate");
                let compat = if on_fargate { "FARGATE" } else { "EC2" };
                d.insert(
                    "requires_compatibilities".into(),
                    Value::Array(vec![Value::String(compat.into())]),
                );
                if on_fargate {
                    d.insert("network_mode".into(), Value::String("awsvpc".into()));
                    d.insert("cpu".into(), Value::Integer(fsize.0 as i64));
                    d.insert("memory".into(), Value::Integer(fsize.1 as i64));
                }
            }
        }
    }
    // The service's capacity.
    if let Some(Value::Array(svcs)) = t.get_mut("services") {
        for s in svcs.iter_mut() {
            if let Value::Table(s) = s
                && s.get("name").and_then(Value::as_str) == Some(svc)
            {
                s.remove("launch_type");
                s.remove("placement_strategy");
                s.remove("placement_constraints");
                let strategy = match v {
                    "ec2-on-demand" => vec![item("compare-on-demand", 0, 1)],
                    "ec2-spot-mix" => {
                        vec![item("compare-on-demand", 1, 1), item("compare-spot", 0, 3)]
                    }
                    "fargate" => vec![item("FARGATE", 0, 1)],
                    _ => vec![item("FARGATE", 1, 1), item("FARGATE_SPOT", 0, 3)],
                };
                s.insert("capacity_provider_strategy".into(), Value::Array(strategy));
            }
        }
    }
    // Spot interruptions in the Spot variants.
    let fault = |cp: &str, rate: f64| {
        let mut f = Table::new();
        f.insert("type".into(), Value::String("spot_interruption".into()));
        f.insert("capacity_provider".into(), Value::String(cp.into()));
        f.insert("rate_per_hour".into(), Value::Float(rate));
        if cp != "FARGATE_SPOT" {
            f.insert("draining".into(), Value::Boolean(true));
        }
        Value::Table(f)
    };
    let faults = t
        .entry("faults")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(a) = faults {
        match v {
            "ec2-spot-mix" if opts.ec2_spot_interruptions_per_hour > 0.0 => {
                a.push(fault("compare-spot", opts.ec2_spot_interruptions_per_hour))
            }
            "fargate-spot-mix" if opts.fargate_spot_interruptions_per_hour > 0.0 => a.push(fault(
                "FARGATE_SPOT",
                opts.fargate_spot_interruptions_per_hour,
            )),
            _ => {}
        }
    }
}

/// A formatted number without the sign of a zero: `-0.000000` (-0, or a tiny negative figure rounded
/// away) as `0.000000`.
fn unsigned_zero(s: String) -> String {
    match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => s,
    }
}

/// The comparison as CSV text.
pub fn to_csv(r: &CompareReport) -> String {
    let mut out = String::from(
        "variant,cost_per_day_usd,cost_per_million_requests_usd,latency_p50_ms,latency_p99_ms,slo_violation_minutes,start_latency_s_p50,start_latency_s_p99,spot_interruptions,idle_capacity_percent,slo_attainment,status,first_healthy_s,startup_failed_percent\n",
    );
    let o = |x: Option<f64>| x.map_or(String::new(), |v| unsigned_zero(format!("{v:.6}")));
    for row in &r.rows {
        let s = &row.summary;
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},\"{}\",{},{}\n",
            row.variant,
            unsigned_zero(format!("{:.6}", row.cost_per_day())),
            o(row.own.per_million_requests),
            o(s.latency_ms.map(|l| l[0])),
            o(s.latency_ms.map(|l| l[2])),
            o(row.slo_minutes),
            o(row.own.start_latency_s.map(|l| l[0])),
            o(row.own.start_latency_s.map(|l| l[1])),
            s.spot_interruptions,
            unsigned_zero(format!("{:.3}", row.idle_percent())),
            o(row.slo_attainment),
            crate::output::csv_text::text(&row.status).replace('"', "\"\""),
            o(row.startup.map(|u| u.first_healthy_s)),
            o(row.startup_failed_percent),
        ));
    }
    out
}

/// The comparison as a table for a terminal.
pub fn to_table(r: &CompareReport) -> String {
    let mut out = format!(
        "{} — service {}: the same workload and random numbers, four ways\n{}\n",
        r.scenario, r.service, r.sizes
    );
    out.push_str(&format!(
        "{:<18} {:>8} {:>8} {:>7} {:>7} {:>7} {:>6} {:>9} {:>9} {:>5} {:>6}  {}\n",
        "variant",
        "$/day",
        "$/M req",
        "p50 ms",
        "p99 ms",
        "SLO min",
        "SLO %",
        "start p50",
        "start p99",
        "spot",
        "idle %",
        "status"
    ));
    let f = |x: Option<f64>, d: usize| x.map_or("-".to_string(), |v| format!("{v:.d$}"));
    for row in &r.rows {
        let s = &row.summary;
        out.push_str(&format!(
            "{:<18} {:>8.2} {:>8} {:>7} {:>7} {:>7} {:>6} {:>9} {:>9} {:>5} {:>6.1}  {}\n",
            row.variant,
            row.cost_per_day(),
            f(row.own.per_million_requests, 3),
            f(s.latency_ms.map(|l| l[0]), 1),
            f(s.latency_ms.map(|l| l[2]), 1),
            f(row.slo_minutes, 0),
            f(row.slo_attainment.map(|a| a * 100.0), 1),
            f(row.own.start_latency_s.map(|l| l[0]), 1),
            f(row.own.start_latency_s.map(|l| l[1]), 1),
            s.spot_interruptions,
            row.idle_percent(),
            row.status
        ));
    }
    let flagged: Vec<&str> = r
        .rows
        .iter()
        .filter(|x| !x.ok())
        .map(|x| x.variant)
        .collect();
    out.push_str(&startup_note(r));
    if !r.others.is_empty() {
        let text = format!(
            "Also in every variant, as written: {}. p50, p99 and spot are the whole run's, theirs included \
             (the same for them in every row: compare rows by their differences); $/day, $/M req, start p50, \
             start p99, idle %, SLO min, SLO % and status are service {}'s own.",
            r.others.join(", "),
            r.service
        );
        out.push('\n');
        out.push_str(&wrap(&text, 104));
    }
    if !r.fargate_spot_others.is_empty() {
        let text = format!(
            "fargate-spot-mix's Fargate Spot interruptions hit every FARGATE_SPOT task of the run, so also \
             those of {}, in that variant only: its other services' figures are not those of the other rows.",
            r.fargate_spot_others.join(", ")
        );
        out.push_str(&wrap(&text, 104));
    }
    if !flagged.is_empty() {
        out.push_str(&format!(
            "\nNot comparable: {} did not run the service as asked (see status); a low cost there is not a saving.\n",
            flagged.join(", ")
        ));
    }
    out.push('\n');
    out.push_str(&wrap(&r.break_even, 104));
    out
}

/// What the table says of the start-up (see [`status`]): each variant's first healthy task and the
/// requests failed before it, when some were (empty otherwise).
fn startup_note(r: &CompareReport) -> String {
    if !r.rows.iter().any(|x| x.startup_failed_percent > Some(0.0)) {
        return String::new();
    }
    let each: Vec<String> = r
        .rows
        .iter()
        .map(|x| match (x.startup, x.startup_failed_percent) {
            (Some(u), Some(p)) => format!("{} {:.1} s ({p:.2}%)", x.variant, u.first_healthy_s),
            _ => format!("{} none set apart", x.variant),
        })
        .collect();
    let text = format!(
        "Start-up: each variant starts the service with no task, and requests fail until its first task \
         is healthy: {}. A running service has no such gap, so `status` counts these requests apart; \
         the SLO minutes and latencies include them, and a `warm_up` that covers them leaves them out of \
         every figure.",
        each.join(", ")
    );
    format!("\n{}", wrap(&text, 104))
}

/// `text` broken at spaces into lines of at most `width` characters (a longer word stays whole).
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for w in text.split(' ') {
        let n = w.chars().count();
        if line > 0 && line + 1 + n > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(w);
        line += n;
    }
    out.push('\n');
    out
}
