//! `summary.json` as a JSON value: the summary's published form, which the run folder's file, a sweep's
//! figure names ([`super::names`]) and the report are all read from. Building it is pure; writing it is
//! [`crate::output`]'s.

use super::Summary;

fn r3(x: f64) -> f64 {
    (x * 1e3).round() / 1e3
}

/// `summary.json` as a JSON value (keys sorted, so the file is stable). Figures not modelled yet are null.
pub fn summary_json(s: &Summary) -> serde_json::Value {
    use serde_json::json;
    let mut v = json!({
        "scenario": s.scenario,
        "seed": s.seed,
        "simulated_seconds": s.simulated_seconds,
        "events": s.events,
        "wall_seconds": (s.wall_seconds * 1e3).round() / 1e3,
        "cost_usd": {
            "total": s.cost_total_usd,
            "ec2": s.cost_ec2_usd,
            "ec2_idle": s.cost_ec2_idle_usd,
            "burst_surplus": s.cost_burst_surplus_usd,
            "fargate": s.cost_fargate_usd,
            "fargate_spot": s.cost_fargate_spot_usd,
            "by_service": s.cost_by_service_usd.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<String, serde_json::Value>>(),
            "per_million_requests": s.cost_per_million_requests,
        },
        "requests": {
            "total": s.requests_total.map(f64::round),
            "served": s.requests_served.map(f64::round),
            "dropped": s.requests_dropped.map(f64::round),
            "by_service": s.services.iter().filter_map(|f| f.requests.map(|r| (f.name.clone(), json!({
                "total": r[0].round(), "served": r[1].round(), "dropped": r[2].round(),
                "first_healthy_s": f.startup.map(|u| u.first_healthy_s),
                "before_first_healthy": f.startup.map(|u| json!({
                    "total": u.requests[0].round(), "served": u.requests[1].round(), "dropped": u.requests[2].round(),
                })),
            })))).collect::<serde_json::Map<String, serde_json::Value>>(),
        },
        "slo": slo_json(s.slo.as_ref(), Some(&s.services)),
        "warm_up_s": s.warm_up_s,
        "placement_ok": s.placement_problems.is_empty(),
        "placement_problems": s.placement_problems.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<String, serde_json::Value>>(),
        "latency_ms": {
            "p50": s.latency_ms.map(|l| r3(l[0])),
            "p90": s.latency_ms.map(|l| r3(l[1])),
            "p99": s.latency_ms.map(|l| r3(l[2])),
            "max": s.latency_ms.map(|l| r3(l[3])),
        },
        "batch": s.batch.as_ref().map(|b| json!({
            "placed": b.placed,
            "waiting_at_end": b.waiting_at_end,
            "dropped": b.dropped,
            "wait_s_p50": b.wait_s_p50,
            "wait_s_p99": b.wait_s_p99,
            "makespan_s": b.makespan_s,
        })),
        "tasks": {
            "launched": s.tasks_launched,
            "failed_to_start": s.tasks_failed_to_start,
            "stopped": s.tasks_stopped,
            "running_at_end": s.tasks_running_at_end,
            "start_latency_s_p50": s.start_latency_s_p50,
            "start_latency_s_p99": s.start_latency_s_p99,
            "unplaced_at_end": s.tasks_unplaced_at_end,
        },
        "unplaced_task_seconds": s.unplaced_task_seconds,
        "placement_failures": s.placement_failures,
        "slo_violation_minutes": s.slo_violation_minutes,
        "instances": { "registered": s.instances_registered, "peak": s.instances_peak, "terminated": s.instances_terminated },
        "scaling_actions": s.scaling_actions,
        "faults": { "spot_interruptions": s.spot_interruptions, "instance_failures": s.instance_failures, "task_crashes": s.task_crashes },
        "cluster": {
            "cpu_reservation_mean": s.cpu_reservation_mean,
            "memory_reservation_mean": s.memory_reservation_mean,
        },
        "not_modelled": s.not_modelled,
        "unconfirmed": s.unconfirmed.iter().map(|u| json!({
            "code": u.code, "section": u.section, "parameter": u.parameter, "value": u.value, "times": u.times,
        })).collect::<Vec<_>>(),
        "warnings": s.warnings.iter().map(warning_json).collect::<Vec<_>>(),
    });
    // Only runs with a queue have the key, so that the files of the others stay as they were.
    if !s.queues.is_empty() {
        let queues: serde_json::Map<String, serde_json::Value> = s
            .queues
            .iter()
            .map(|q| {
                let f = |x: f64| (x * 1e6).round() / 1e6;
                let fig = json!({
                    "messages_arrived": f(q.messages_arrived),
                    "messages_consumed": f(q.messages_consumed),
                    "messages_visible_at_end": f(q.messages_visible_at_end),
                    "messages_in_flight_at_end": f(q.messages_in_flight_at_end),
                    "max_messages_visible": f(q.max_messages_visible),
                    "max_oldest_message_age_s": f(q.max_oldest_message_age_s),
                });
                (q.service.clone(), fig)
            })
            .collect();
        v["queues"] = serde_json::Value::Object(queues);
    }
    // Likewise only runs with task scale-in protection (§2.7).
    if !s.task_protection.is_empty() {
        let prot: serde_json::Map<String, serde_json::Value> = s
            .task_protection
            .iter()
            .map(|p| {
                let fig = json!({
                    "max_tasks_held": p.max_tasks_held,
                    "task_seconds_held": (p.task_seconds_held * 1e3).round() / 1e3,
                    "protections_expired": p.protections_expired,
                });
                (p.service.clone(), fig)
            })
            .collect();
        v["task_protection"] = serde_json::Value::Object(prot);
    }
    without_negative_zero(&mut v);
    v
}

/// The `slo` object: bad and measured minutes, attainment (good ÷ measured), met; with `services`, one
/// such object per service with an SLO under `by_service` (plus its objective). Always present, null
/// figures when no service has an SLO, so that sweeps know the names.
fn slo_json(
    f: Option<&crate::metrics::SloFigures>,
    services: Option<&[crate::metrics::ServiceFigures]>,
) -> serde_json::Value {
    use serde_json::json;
    let mut v = json!({
        "bad_minutes": f.map(|f| r6(f.bad_minutes())),
        "minutes": f.map(|f| r6(f.minutes())),
        "attainment": f.and_then(|f| f.attainment()).map(r6),
        "met": f.and_then(|f| f.met),
    });
    match services {
        Some(all) => {
            v["by_service"] = all
                .iter()
                .filter_map(|s| Some((s.name.clone(), slo_json(Some(s.slo.as_ref()?), None))))
                .collect::<serde_json::Map<String, serde_json::Value>>()
                .into();
        }
        None => v["objective"] = json!(f.map(|f| f.objective)),
    }
    v
}

fn r6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// One warning of `summary.json`: `code`, `message`, and `service`, `file`, `line` (null when unknown).
pub fn warning_json(w: &crate::warnings::Warning) -> serde_json::Value {
    serde_json::json!({
        "code": w.code,
        "message": w.message,
        "service": w.service,
        "file": w.file,
        "line": w.line,
    })
}

/// `v` with every `-0` number written as `0` (a figure rounded from a tiny negative value, or the
/// difference of equal costs, must not read as negative).
fn without_negative_zero(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n)
            if n.as_f64().is_some_and(|f| f == 0.0 && f.is_sign_negative()) =>
        {
            *v = serde_json::json!(0.0);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(without_negative_zero),
        serde_json::Value::Object(m) => m.values_mut().for_each(without_negative_zero),
        _ => {}
    }
}
