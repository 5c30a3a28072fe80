//! Writing the imported scenario and `import-report.md` (the second half of `ecsim import`): capacity
//! providers and groups, task definitions, services, Service Auto Scaling and fitted timings as commented
//! TOML, then the report of what was mapped, assumed and not modelled. Pure functions of the resolved export.

use super::*;

pub(super) fn emit_groups(t: &mut String, groups: &[Group], l: &mut Ledger) {
    for g in groups {
        let _ = writeln!(t, "\n[[capacity_providers]]");
        let cp_src =
            g.cp.as_ref()
                .map_or("assumed".to_string(), |c| c.src.clone());
        let _ = writeln!(t, "name = {}  # {cp_src}.name", q(&g.name));
        let _ = writeln!(
            t,
            "instance_type = {}  # {}",
            q(&g.instance_type.0),
            g.instance_type.1
        );
        if crate::pricing::catalog::lookup(&g.instance_type.0).is_none() {
            l.note(format!(
                "instance type {} of {} is not built into ecsim: add an `[[instance_types]]` entry (vcpu, memory_mib, price_usd_per_hour) before running",
                g.instance_type.0, g.name
            ));
        }
        let _ = writeln!(t, "min_size = {}  # {}.MinSize", g.min, g.src);
        let _ = writeln!(t, "max_size = {}  # {}.MaxSize", g.max, g.src);
        let _ = writeln!(
            t,
            "desired_size = {}  # {}.DesiredCapacity",
            g.desired, g.src
        );
        if !g.zones.is_empty() {
            let _ = writeln!(
                t,
                "availability_zones = [{}]  # {}.AvailabilityZones",
                g.zones.iter().map(|z| q(z)).collect::<Vec<_>>().join(", "),
                g.src
            );
        }
        l.map(format!(
            "capacity provider `{}` and its group ({}) → `[[capacity_providers]]`: {}, min {}, max {}, desired {}",
            g.name, g.src, g.instance_type.0, g.min, g.max, g.desired
        ));
        let Some(cp) = &g.cp else { continue };
        if let Some(m) = &cp.managed_scaling {
            let mut parts = Vec::new();
            if let Some(s) = &m.status {
                parts.push(format!("status = {}", q(s)));
            }
            if let Some(v) = m.target_capacity {
                parts.push(format!("target_capacity = {v}"));
            }
            if let Some(v) = m.min_step {
                parts.push(format!("minimum_scaling_step_size = {v}"));
            }
            if let Some(v) = m.max_step {
                parts.push(format!("maximum_scaling_step_size = {v}"));
            }
            match m.warmup_s {
                Some(v) => parts.push(format!("instance_warmup_period = \"{v}s\"")),
                None => l.assume(format!(
                    "instance warm-up 300 s for {} (the API's default when omitted)",
                    g.name
                )),
            }
            let _ = writeln!(
                t,
                "managed_scaling = {{ {} }}  # {}.autoScalingGroupProvider.managedScaling",
                parts.join(", "),
                cp.src
            );
            l.map(format!(
                "`{}` managedScaling → `managed_scaling` {{ {} }}",
                g.name,
                parts.join(", ")
            ));
        }
        if let Some(m) = &cp.managed_termination_protection {
            let _ = writeln!(
                t,
                "managed_termination_protection = {}  # {}.autoScalingGroupProvider.managedTerminationProtection",
                q(m),
                cp.src
            );
        }
    }
}

/// Writes the task definitions; returns, per task definition ARN (or file), the family name written.
pub(super) fn emit_taskdefs(
    t: &mut String,
    tds: &[&TaskDef],
    l: &mut Ledger,
) -> BTreeMap<String, String> {
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for td in tds {
        let d = &td.def;
        let mut fam = d.family.clone();
        if !taken.insert(fam.clone()) {
            fam = format!("{}-{}", d.family, td.revision.unwrap_or(0));
            taken.insert(fam.clone());
            l.note(format!(
                "two revisions of {} are in use; the one in `{}` is named {fam} in the scenario",
                d.family, td.rel
            ));
        }
        names.insert(
            td.arn.clone().unwrap_or_else(|| td.rel.clone()),
            fam.clone(),
        );
        let src = format!("{}: taskDefinition", td.rel);
        let _ = writeln!(t, "\n[[task_definitions]]");
        let _ = writeln!(
            t,
            "family = {}  # {src}.family{}",
            q(&fam),
            td.arn.as_ref().map_or(String::new(), |a| format!(" ({a})"))
        );
        if let Some(n) = &d.network_mode {
            let _ = writeln!(t, "network_mode = {}  # {src}.networkMode", q(n));
        }
        if !d.requires_compatibilities.is_empty() {
            let _ = writeln!(
                t,
                "requires_compatibilities = [{}]  # {src}.requiresCompatibilities",
                d.requires_compatibilities
                    .iter()
                    .map(|c| q(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if let Some(a) = &d.cpu_architecture {
            let _ = writeln!(
                t,
                "cpu_architecture = {}  # {src}.runtimePlatform.cpuArchitecture",
                q(a)
            );
        }
        if let Some(c) = d.cpu_units {
            let _ = writeln!(t, "cpu = {c}  # {src}.cpu");
        }
        if let Some(m) = d.memory_mib {
            let _ = writeln!(t, "memory = {m}  # {src}.memory");
        }
        if let Some(e) = d.ephemeral_storage_gib {
            let _ = writeln!(
                t,
                "ephemeral_storage_gib = {e}  # {src}.ephemeralStorage.sizeInGiB"
            );
        }
        if !d.placement_constraints.is_empty() {
            let items: Vec<String> = d
                .placement_constraints
                .iter()
                .map(|c| match &c.expression {
                    Some(e) => format!("{{ type = {}, expression = {} }}", q(&c.kind), q(e)),
                    None => format!("{{ type = {} }}", q(&c.kind)),
                })
                .collect();
            let _ = writeln!(
                t,
                "placement_constraints = [{}]  # {src}.placementConstraints",
                items.join(", ")
            );
        }
        if let Some((cname, hc)) = d
            .containers
            .iter()
            .find_map(|c| c.health_check.as_ref().map(|h| (&c.name, h)))
        {
            let _ = writeln!(
                t,
                "health_check = {{ interval = \"{}s\", timeout = \"{}s\", retries = {}, start_period = \"{}s\" }}  # {src}.containerDefinitions[{cname}].healthCheck",
                hc.interval_s, hc.timeout_s, hc.retries, hc.start_period_s
            );
        }
        let _ = writeln!(t, "containers = [  # {src}.containerDefinitions");
        for c in &d.containers {
            let mut parts = vec![format!("name = {}", q(&c.name)), format!("cpu = {}", c.cpu)];
            if let Some(m) = c.memory {
                parts.push(format!("memory = {m}"));
            }
            if let Some(m) = c.memory_reservation {
                parts.push(format!("memory_reservation = {m}"));
            }
            parts.push(format!("essential = {}", c.essential));
            if !c.port_mappings.is_empty() {
                let pm: Vec<String> = c
                    .port_mappings
                    .iter()
                    .map(|p| {
                        let host = p
                            .host_port
                            .map_or(String::new(), |h| format!(", host_port = {h}"));
                        format!(
                            "{{ container_port = {}{host}, protocol = {} }}",
                            p.container_port,
                            q(&p.protocol)
                        )
                    })
                    .collect();
                parts.push(format!("port_mappings = [{}]", pm.join(", ")));
            }
            if let Some(s) = c.stop_timeout_s {
                parts.push(format!("stop_timeout = \"{s}s\""));
            }
            let _ = writeln!(t, "  {{ {} }},", parts.join(", "));
        }
        let _ = writeln!(t, "]");
        // The size placement charges (§1.1): task level when set, else the container sums.
        let cpu_sum: u32 = d.containers.iter().map(|c| c.cpu).sum();
        let mem_sum: u32 = d
            .containers
            .iter()
            .map(|c| c.memory_reservation.or(c.memory).unwrap_or(0))
            .sum();
        let (cpu, cpu_from) = match d.cpu_units {
            Some(c) => (c, "task-level cpu".to_string()),
            None => (
                cpu_sum,
                format!(
                    "the containers' cpu summed ({})",
                    join_nums(d.containers.iter().map(|c| c.cpu))
                ),
            ),
        };
        let (mem, mem_from) = match d.memory_mib {
            Some(m) => (m, "task-level memory".to_string()),
            None => (
                mem_sum,
                format!(
                    "the containers' memoryReservation, else memory, summed ({})",
                    join_nums(
                        d.containers
                            .iter()
                            .map(|c| c.memory_reservation.or(c.memory).unwrap_or(0))
                    )
                ),
            ),
        };
        let _ = writeln!(
            t,
            "# placement charges {cpu} CPU units ({cpu_from}) and {mem} MiB ({mem_from})"
        );
        l.map(format!(
            "`{}` → `[[task_definitions]]` {fam}: placement charges {cpu} CPU units ({cpu_from}) and {mem} MiB ({mem_from}); {} container(s)",
            td.rel,
            d.containers.len()
        ));
    }
    names
}

pub(super) fn join_nums(it: impl Iterator<Item = u32>) -> String {
    it.map(|n| n.to_string()).collect::<Vec<_>>().join(" + ")
}

pub(super) fn emit_services(
    t: &mut String,
    ex: &Export,
    services: &[Service],
    td_names: &BTreeMap<String, String>,
    cluster: &str,
    loads: &load::Loads,
    l: &mut Ledger,
) {
    // Simulation time 0: the start of the replayed window (scheduled actions' `start_date`).
    let epoch0_s = loads.window_ms.map(|w| w.0.div_euclid(1000));
    for s in services {
        if s.launch_type.as_deref() == Some("EXTERNAL") {
            l.note(format!("{}: service {} runs on EXTERNAL (ECS Anywhere) instances, which ecsim does not simulate; skipped", s.src, s.name));
            continue;
        }
        let fam = td_names
            .get(&s.task_definition)
            .cloned()
            .or_else(|| {
                let tail = arn_tail(&s.task_definition);
                td_names
                    .values()
                    .find(|f| tail.starts_with(&format!("{f}:")))
                    .cloned()
            })
            .unwrap_or_else(|| {
                arn_tail(&s.task_definition)
                    .split(':')
                    .next()
                    .unwrap_or("")
                    .to_string()
            });
        let src = &s.src;
        let _ = writeln!(t, "\n[[services]]");
        let _ = writeln!(t, "name = {}  # {src}.serviceName", q(&s.name));
        let _ = writeln!(
            t,
            "task_definition = {}  # {src}.taskDefinition {}",
            q(&fam),
            s.task_definition
        );
        let daemon = s.scheduling.as_deref() == Some("DAEMON");
        let mut what = Vec::new();
        if daemon {
            let _ = writeln!(
                t,
                "scheduling_strategy = \"DAEMON\"  # {src}.schedulingStrategy"
            );
            what.push("DAEMON".to_string());
        } else {
            let n = s.desired.unwrap_or(0);
            let _ = writeln!(t, "desired_count = {n}  # {src}.desiredCount");
            what.push(format!("desired {n}"));
        }
        if !s.strategy.is_empty() {
            let _ = writeln!(
                t,
                "capacity_provider_strategy = {}  # {src}.capacityProviderStrategy",
                strategy_toml(&s.strategy)
            );
            what.push(format!("strategy {}", strategy_toml(&s.strategy)));
        } else if let Some(lt) = &s.launch_type {
            let _ = writeln!(t, "launch_type = {}  # {src}.launchType", q(lt));
            what.push(format!("launch type {lt}"));
        }
        let fargate = s.launch_type.as_deref() == Some("FARGATE")
            || (!s.strategy.is_empty()
                && s.strategy.iter().all(|i| i.provider.starts_with("FARGATE")));
        if !s.placement_strategy.is_empty() && !daemon && !fargate {
            let items: Vec<String> = s
                .placement_strategy
                .iter()
                .map(|(k, f)| match f {
                    Some(f) => format!("{{ type = {}, field = {} }}", q(k), q(f)),
                    None => format!("{{ type = {} }}", q(k)),
                })
                .collect();
            let _ = writeln!(
                t,
                "placement_strategy = [{}]  # {src}.placementStrategy, in order",
                items.join(", ")
            );
            what.push(format!("placement {}", items.join(" then ")));
        }
        if !s.placement_constraints.is_empty() {
            let items: Vec<String> = s
                .placement_constraints
                .iter()
                .map(|(k, e)| match e {
                    Some(e) => format!("{{ type = {}, expression = {} }}", q(k), q(e)),
                    None => format!("{{ type = {} }}", q(k)),
                })
                .collect();
            let _ = writeln!(
                t,
                "placement_constraints = [{}]  # {src}.placementConstraints",
                items.join(", ")
            );
        }
        if let Some((min, max, cb)) = &s.deployment {
            let mut parts = Vec::new();
            if let Some(v) = min {
                parts.push(format!("minimum_healthy_percent = {v}"));
            }
            // A DAEMON service's maximum must be 100 (the default, §2.1): any other is left out.
            if let Some(v) = max.filter(|&v| !daemon || v == 100) {
                parts.push(format!("maximum_percent = {v}"));
            }
            if let Some((e, r)) = cb {
                parts.push(format!(
                    "deployment_circuit_breaker = {{ enable = {e}, rollback = {r} }}"
                ));
            }
            if !parts.is_empty() {
                let _ = writeln!(
                    t,
                    "deployment_configuration = {{ {} }}  # {src}.deploymentConfiguration",
                    parts.join(", ")
                );
            }
        }
        if let Some(g) = s.grace_s {
            let _ = writeln!(
                t,
                "health_check_grace_period = \"{g}s\"  # {src}.healthCheckGracePeriodSeconds"
            );
        }
        if let Some(r) = &s.az_rebalancing {
            let _ = writeln!(
                t,
                "availability_zone_rebalancing = {}  # {src}.availabilityZoneRebalancing",
                q(r)
            );
        }
        if fargate {
            l.assume(format!(
                "service {}: its Fargate tasks may use every zone of the cluster (the awsvpc subnets' zones need `aws ec2 describe-subnets`)",
                s.name
            ));
        }
        l.map(format!(
            "{src} (service `{}`) → `[[services]]`: {}",
            s.name,
            what.join("; ")
        ));
        let has_load = loads
            .toml
            .get(&s.name)
            .map(|lines| t.push_str(lines))
            .is_some();
        if let Some(tg) = emit_auto_scaling(t, ex, s, cluster, daemon, has_load, l) {
            emit_scheduled(t, ex, s, cluster, tg, epoch0_s, l);
        }
    }
    // Targets and policies that matched no imported service.
    for tg in &ex.targets {
        if !services
            .iter()
            .any(|s| resource_matches(&tg.resource_id, cluster, &s.name))
        {
            l.note(format!(
                "{}: scalable target {} matches no imported service; skipped",
                tg.src, tg.resource_id
            ));
        }
    }
    for p in &ex.policies {
        if !services
            .iter()
            .any(|s| resource_matches(&p.resource_id, cluster, &s.name))
        {
            l.note(format!(
                "{}: policy {} on {} matches no imported service; skipped",
                p.src, p.name, p.resource_id
            ));
        }
    }
    for a in &ex.scheduled {
        if !services
            .iter()
            .any(|s| resource_matches(&a.resource_id, cluster, &s.name))
        {
            l.note(format!(
                "{}: scheduled action {} on {} matches no imported service; skipped",
                a.src, a.name, a.resource_id
            ));
        }
    }
}

/// A service's scheduled actions (§4.4) → `scheduled_actions` of its `[services.auto_scaling]`, which
/// `emit_auto_scaling` has just written (`tg` its scalable target). Time 0 is the replayed window's start
/// (`epoch0_s`), else 2024-01-01 00:00 UTC, ecsim's default (assumed).
fn emit_scheduled(
    t: &mut String,
    ex: &Export,
    s: &Service,
    cluster: &str,
    tg: &ScalableTarget,
    epoch0_s: Option<i64>,
    l: &mut Ledger,
) {
    let actions: Vec<&model::ScheduledAction> = ex
        .scheduled
        .iter()
        .filter(|a| resource_matches(&a.resource_id, cluster, &s.name))
        .collect();
    if actions.is_empty() {
        return;
    }
    if tg.suspended_scheduled {
        l.note(format!(
            "{}: SuspendedState.ScheduledScalingSuspended is true: the service's {} scheduled action(s) are left out",
            tg.src,
            actions.len()
        ));
        return;
    }
    let start_date = match epoch0_s {
        Some(e) => crate::time::iso_utc(e),
        None => {
            l.assume(format!(
                "service {}: time 0 of its scheduled actions is 2024-01-01 00:00 UTC (ecsim's default; the export holds no replayed window)",
                s.name
            ));
            "2024-01-01T00:00:00Z".to_string()
        }
    };
    let _ = writeln!(t, "scheduled_actions = [");
    for a in actions {
        if a.min.is_none() && a.max.is_none() {
            l.note(format!(
                "{}: scheduled action {} sets neither MinCapacity nor MaxCapacity; skipped",
                a.src, a.name
            ));
            continue;
        }
        let mut parts = vec![format!("schedule = {}", q(&a.schedule))];
        parts.extend(a.min.map(|m| format!("min_capacity = {m}")));
        parts.extend(a.max.map(|m| format!("max_capacity = {m}")));
        parts.extend(a.timezone.as_ref().map(|z| format!("timezone = {}", q(z))));
        parts.extend(
            a.start_time
                .as_ref()
                .map(|x| format!("start_time = {}", q(x))),
        );
        parts.extend(a.end_time.as_ref().map(|x| format!("end_time = {}", q(x))));
        parts.push(format!("start_date = {}", q(&start_date)));
        let _ = writeln!(t, "  {{ {} }},  # {} ({})", parts.join(", "), a.src, a.name);
        l.map(format!(
            "scheduled action `{}` ({}) → `auto_scaling.scheduled_actions`: {}",
            a.name,
            a.src,
            parts.join(", ")
        ));
    }
    let _ = writeln!(t, "]");
}

/// `service/<cluster>/<service>` (or the old `service/<service>` of the default cluster).
pub(super) fn resource_matches(rid: &str, cluster: &str, service: &str) -> bool {
    rid == format!("service/{cluster}/{service}")
        || (cluster == "default" && rid == format!("service/{service}"))
}

/// The service's `[services.auto_scaling]` from its scalable target and policies; returns the target
/// when the table was written.
pub(super) fn emit_auto_scaling<'e>(
    t: &mut String,
    ex: &'e Export,
    s: &Service,
    cluster: &str,
    daemon: bool,
    has_load: bool,
    l: &mut Ledger,
) -> Option<&'e ScalableTarget> {
    let target = ex
        .targets
        .iter()
        .find(|tg| resource_matches(&tg.resource_id, cluster, &s.name));
    let policies: Vec<&TargetTracking> = ex
        .policies
        .iter()
        .filter(|p| resource_matches(&p.resource_id, cluster, &s.name))
        .collect();
    let Some(tg) = target else {
        let scheduled = ex
            .scheduled
            .iter()
            .any(|a| resource_matches(&a.resource_id, cluster, &s.name));
        if !policies.is_empty() || scheduled {
            l.note(format!(
                "service {}: scaling policies or scheduled actions but no scalable target (run `{} --service-namespace ecs`); skipped",
                s.name,
                Command::DescribeScalableTargets.cli()
            ));
        }
        return None;
    };
    if daemon {
        l.note(format!(
            "{}: DAEMON service {} has a scalable target; DAEMON services do not scale, skipped",
            tg.src, s.name
        ));
        return None;
    }
    let _ = writeln!(t, "\n[services.auto_scaling]");
    let _ = writeln!(t, "min_capacity = {}  # {}.MinCapacity", tg.min, tg.src);
    let _ = writeln!(t, "max_capacity = {}  # {}.MaxCapacity", tg.max, tg.src);
    // A suspended dynamic scale-in or scale-out (AAS `SuspendedState`, §9.3) changes what the policies
    // do: both suspended, no policy acts; scale-in alone, every policy keeps from scaling in (all are
    // target tracking, so `disable_scale_in` says exactly that); scale-out alone cannot be said.
    let policies = if tg.suspended_in && tg.suspended_out {
        l.note(format!(
            "{}: SuspendedState suspends dynamic scale-in and scale-out; its {} polic(ies) are left out, so the service keeps its count (resume them by adding the policies)",
            tg.src,
            policies.len()
        ));
        Vec::new()
    } else {
        if tg.suspended_out && !policies.is_empty() {
            l.note(format!(
                "{}: SuspendedState.DynamicScalingOutSuspended is true, which ecsim cannot express: its policies scale out in the run where AWS would not",
                tg.src
            ));
        }
        policies
    };
    let _ = writeln!(t, "policies = [");
    for p in &policies {
        let mut parts = vec![
            "type = \"target_tracking\"".to_string(),
            format!("metric = {}", q(&p.metric)),
            format!("target = {}", p.target),
        ];
        match p.scale_out_cooldown_s {
            Some(c) => parts.push(format!("scale_out_cooldown = \"{c}s\"")),
            None => l.assume(format!(
                "policy {}: scale-out cooldown 300 s (the ECS default)",
                p.name
            )),
        }
        match p.scale_in_cooldown_s {
            Some(c) => parts.push(format!("scale_in_cooldown = \"{c}s\"")),
            None => l.assume(format!(
                "policy {}: scale-in cooldown 300 s (the ECS default)",
                p.name
            )),
        }
        if tg.suspended_in {
            parts.push("disable_scale_in = true".to_string());
            l.map(format!(
                "{}: SuspendedState.DynamicScalingInSuspended → policy {}: disable_scale_in = true",
                tg.src, p.name
            ));
        } else if let Some(d) = p.disable_scale_in {
            parts.push(format!("disable_scale_in = {d}"));
        }
        let _ = writeln!(t, "  {{ {} }},  # {} ({})", parts.join(", "), p.src, p.name);
        l.map(format!(
            "policy `{}` ({}) → `auto_scaling.policies`: {}",
            p.name,
            p.src,
            parts.join(", ")
        ));
    }
    let _ = writeln!(t, "]");
    l.map(format!(
        "scalable target {} ({}) → `[services.auto_scaling]` min {} max {}",
        tg.resource_id, tg.src, tg.min, tg.max
    ));
    if !has_load {
        l.note(format!(
            "service {}: no load is imported, so its metrics read 0 and target tracking scales it in towards {} after the scale-in alarm's 15 datapoints; add a `load` (README `load`) to replay its traffic",
            s.name, tg.min
        ));
    }
    Some(tg)
}

/// Fit `[timings.<launch type>]` provisioning, pull and start from the described tasks.
pub(super) fn emit_timings(t: &mut String, tasks: &[TaskTimes], l: &mut Ledger) {
    const STATES: [(&str, &str, &str); 3] = [
        ("provisioning", "createdAt", "pullStartedAt"),
        ("pull", "pullStartedAt", "pullStoppedAt"),
        ("start", "pullStoppedAt", "startedAt"),
    ];
    for lt in ["EC2", "FARGATE"] {
        let mut samples: [Vec<f64>; 3] = Default::default();
        let mut n_in = 0;
        for task in tasks.iter().filter(|x| x.launch_type == lt) {
            n_in += 1;
            let id = arn_tail(&task.arn);
            let Some(st) = task.stamps.iter().copied().collect::<Option<Vec<i64>>>() else {
                l.note(format!("task {id} ({lt}): skipped from the timing fit, it lacks one of createdAt, pullStartedAt, pullStoppedAt, startedAt (not started yet?)"));
                continue;
            };
            if let Some(i) = (0..3).find(|&i| st[i + 1] < st[i]) {
                l.note(format!(
                    "task {id} ({lt}): skipped from the timing fit, timestamps out of order ({} is {} ms before {})",
                    STATES[i].2,
                    st[i] - st[i + 1],
                    STATES[i].1
                ));
                continue;
            }
            for i in 0..3 {
                // A zero interval (same millisecond) counts as 1 ms so its logarithm exists.
                samples[i].push(((st[i + 1] - st[i]).max(1)) as f64 / 1000.0);
            }
        }
        if n_in == 0 {
            continue;
        }
        let used = samples[0].len();
        if used < MIN_TASKS_TO_FIT {
            l.note(format!(
                "{lt}: {used} usable described task(s), fewer than {MIN_TASKS_TO_FIT}: start-up timings not fitted, ecsim's defaults kept"
            ));
            continue;
        }
        let _ = writeln!(t, "\n[timings.{}]", lt.to_lowercase());
        let _ = writeln!(
            t,
            "# fitted from {used} described {lt} tasks ({} skipped): lognormal by maximum likelihood (median e^μ, σ of ln x)",
            n_in - used
        );
        for (i, (state, from, to)) in STATES.iter().enumerate() {
            let Some(f) = fit::fit_lognormal(&samples[i]) else {
                continue;
            };
            let sigma = f.sigma.min(5.0);
            let median_ms = (f.median_s() * 1000.0).round().max(1.0) as u64;
            let _ = writeln!(
                t,
                "{state} = {{ dist = \"lognormal\", median = \"{median_ms}ms\", sigma = {sigma:.4} }}  # {from} → {to}; KS D = {:.3} (5 % critical {:.3})",
                f.ks_d,
                f.ks_critical_5pct()
            );
            l.fits.push(format!(
                "| {lt} | `{state}` ({from} → {to}) | {} | {:.3} s | {sigma:.4} | {:.3} | {:.3} | {} |",
                f.n,
                f.median_s(),
                f.ks_d,
                f.ks_critical_5pct(),
                if f.ks_d <= f.ks_critical_5pct() { "not rejected" } else { "rejected: look at the data" }
            ));
        }
    }
}

pub(super) fn report(dir: &Path, name: &str, ex: &Export, l: &Ledger) -> String {
    let mut r = String::new();
    let _ = writeln!(r, "# Import report: {name}\n");
    let _ = writeln!(
        r,
        "`ecsim import {}` — what was read, mapped, assumed, and left out.\n",
        dir.display()
    );
    let _ = writeln!(
        r,
        "## Files read\n\n| file | command | objects |\n|---|---|---|"
    );
    for (f, c, n) in &l.files {
        let _ = writeln!(r, "| `{f}` | `{}` | {n} |", c.cli());
    }
    let missing: Vec<Command> = COMMANDS
        .into_iter()
        .filter(|c| !ex.have.contains(c))
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(
            r,
            "\nNot in the export (a partial set; what they would give is under Assumed):\n"
        );
        for c in missing {
            let _ = writeln!(r, "- `{}` → `{}`", c.cli(), c.file_name());
        }
    }
    let section = |r: &mut String, title: &str, items: &[String], empty: &str| {
        let _ = writeln!(r, "\n## {title}\n");
        if items.is_empty() {
            let _ = writeln!(r, "{empty}");
        }
        for i in items {
            let _ = writeln!(r, "- {i}");
        }
    };
    section(&mut r, "Mapped", &l.mapped, "Nothing.");
    section(
        &mut r,
        "Assumed (not in the export; the value used)",
        &l.assumed,
        "Nothing.",
    );
    let _ = writeln!(r, "\n## Start-up timings fitted\n");
    if l.fits.is_empty() {
        let _ = writeln!(
            r,
            "None (no described tasks, or too few): ecsim's default `[timings]` apply."
        );
    } else {
        let _ = writeln!(
            r,
            "Lognormal by maximum likelihood: μ and σ are the mean and standard deviation (divisor n) of ln x.\n\
             KS D is the Kolmogorov–Smirnov distance between the data and the fitted CDF; with the parameters\n\
             estimated from the same data the critical value 1.36/√n is conservative (Lilliefors).\n\n\
             | launch type | state | n | median | σ | KS D | 5 % critical | fit |\n|---|---|---|---|---|---|---|---|"
        );
        for f in &l.fits {
            let _ = writeln!(r, "{f}");
        }
    }
    let _ = writeln!(r, "\n## Load and CPU per request\n");
    if l.loads.is_empty() {
        let _ = writeln!(
            r,
            "No `get-metric-data` output in the export: no service has a load (its CPU reads 0)."
        );
    } else {
        let _ = writeln!(
            r,
            "A service's load is the ALB `RequestCount` of its target group. `cpu_ms_per_request` is the slope of\n\
             CPUUtilization % / 100 × task vCPU × 1000 ms × running tasks × period s = requests × cpu_ms, fitted\n\
             through the origin by least squares over the periods where all are present. R² is centred\n\
             (1 − SS_res / Σ(y − ȳ)²); the residual is √(SS_res / (n − 1)) in CPU ms per period.\n\n\
             | service | RequestCount | CPU and tasks | periods | cpu_ms_per_request | fit |\n|---|---|---|---|---|---|"
        );
        for row in &l.loads {
            let _ = writeln!(r, "{row}");
        }
    }
    section(
        &mut r,
        "Notes (skipped objects and tasks, what to add by hand)",
        &l.notes,
        "None.",
    );
    let table =
        |r: &mut String, title: &str, m: &BTreeMap<String, BTreeSet<String>>, empty: &str| {
            let _ = writeln!(r, "\n## {title}\n");
            if m.is_empty() {
                let _ = writeln!(r, "{empty}");
                return;
            }
            let _ = writeln!(r, "| field | in |\n|---|---|");
            for (k, who) in m {
                let mut w: Vec<&str> = who.iter().map(String::as_str).collect();
                let more = w.len().saturating_sub(3);
                w.truncate(3);
                let tail = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                let _ = writeln!(r, "| {k} | {}{tail} |", w.join(", "));
            }
        };
    table(&mut r, "Read but not modelled", &l.not_modelled, "None.");
    table(
        &mut r,
        "Unknown fields (not in the API reference import knows; ignored)",
        &l.unknown,
        "None.",
    );
    r
}
