//! Service level objectives as users mean them: a minute is bad when its p99 is over the bound, when more
//! than the error rate of its requests failed, or when requests arrived and none was served; `warm_up`
//! leaves the start of a run out of the summary's traffic figures.

mod common;
use common::*;
use ecsim::metrics::SeriesRow;

/// One task of 1 vCPU (c = 1, μ = 1000 / 10 ms = 100 requests/s) on one m5.large, EC2 timings of zero.
fn one_task(top: &str, pattern: &str, load: &str) -> String {
    format!(
        r#"name = "t"
duration = "30m"
seed = 3
{top}
[cluster]
availability_zones = ["a"]
[traffic]
health_check_interval = "1ms"
[timings.ec2]
pull = "0s"
start = "0s"
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 1
desired_size = 1
[[task_definitions]]
family = "web"
cpu = 1024
memory = 1024
[[services]]
name = "web"
task_definition = "web"
desired_count = 1
launch_type = "EC2"
[services.load]
pattern = {pattern}
cpu_ms_per_request = 10.0
{load}
"#
    )
}

fn rows(sink: &ecsim::metrics::MemorySink) -> Vec<&SeriesRow> {
    sink.series
        .iter()
        .filter(|r| r.scope == "service" && r.name == "web")
        .collect()
}

/// Issue #17's case: a 4096-CPU task can never fit a c5.large (2 vCPU register 2048 CPU units, §6.1), so
/// managed scaling never finds an instance for it and nothing is ever served. A day of 37 requests/s is
/// 37 × 86,400 = 3,196,800 requests, every one dropped (503: no healthy target). Every one of the
/// 1,440 minutes had 37 × 60 = 2,220 arrivals and none served: 1,440 bad minutes, attainment 0 / 1,440
/// = 0, objective not met. (The p99-only rule counted 0: a minute with nothing served has no p99.)
#[test]
fn a_day_of_nothing_served_is_1440_bad_minutes() {
    let toml = r#"name = "never-fits"
duration = "1d"
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[capacity_providers]]
name = "web"
instance_type = "c5.large"
min_size = 0
max_size = 10
desired_size = 1
managed_scaling = { target_capacity = 100 }
[[task_definitions]]
family = "web"
cpu = 4096
memory = 8192
[[services]]
name = "web"
task_definition = "web"
desired_count = 2
capacity_provider_strategy = [{ capacity_provider = "web", weight = 1 }]
[services.load]
pattern = { type = "constant", rate = 37 }
cpu_ms_per_request = 20.0
slo = { p99 = "200ms" }
"#;
    let (s, _) = run(toml);
    assert_eq!(s.requests_total.unwrap().round(), 3_196_800.0);
    assert_eq!(s.requests_served, Some(0.0));
    assert_eq!(s.requests_dropped.unwrap().round(), 3_196_800.0);
    assert_eq!(s.slo_violation_minutes, Some(1440.0));
    let slo = s.slo.unwrap();
    assert_eq!(slo.bad_minutes(), 1440.0);
    assert_eq!(slo.minutes(), 1440.0);
    assert_eq!(slo.attainment(), Some(0.0));
    assert_eq!(slo.met, Some(false));
    // And the summary says why: the service cannot place its tasks.
    assert_eq!(s.placement_problems.len(), 1, "{:?}", s.placement_problems);
    let (svc, why) = &s.placement_problems[0];
    assert_eq!(svc, "web");
    assert!(
        why.contains("4096 CPU / 8192 MiB") && why.contains("c5.large (2048 CPU"),
        "{why}"
    );
    let json = ecsim::output::summary_json(&s);
    assert_eq!(json["placement_ok"], false);
    assert_eq!(json["slo"]["met"], false);
    assert_eq!(json["slo"]["by_service"]["web"]["bad_minutes"], 1440.0);
    assert_eq!(json["slo"]["by_service"]["web"]["objective"], 0.99);
}

/// Errors above the SLO's rate make a minute bad though its p99 is within the bound. Capacity 100/s;
/// λ = 50/s from 5 min, 150/s from 10 to 20 min, then 50/s (the overload of tests/traffic.rs). The
/// backlog grows at 50/s and reaches the time-out cap (60 s × 100/s = 6,000) at 12 min; from then on
/// the excess 50/s fails: minutes 13 to 20 have 3,000 errors of 9,000 arrivals (1/3). The p99 bound of
/// 2 minutes is never reached (waits are capped at the 60 s time-out). With error_rate = 0.001 those 8
/// minutes are bad: attainment (30 − 8) / 30 = 0.7333; with error_rate = 0.5 none is.
#[test]
fn an_error_rate_breach_makes_minutes_bad() {
    let pattern =
        r#"{ type = "steps", steps = [["0s", 0], ["5m", 50], ["10m", 150], ["20m", 50]] }"#;
    let strict = one_task("", pattern, r#"slo = { p99 = "2m", error_rate = 0.001 }"#);
    let (s, sink) = run(&strict);
    let bad: Vec<u64> = rows(&sink)
        .iter()
        .filter(|r| r.slo_bad == Some(true))
        .map(|r| r.time_ms / 60_000)
        .collect();
    assert_eq!(bad, (13..=20).collect::<Vec<u64>>());
    for r in rows(&sink).iter().filter(|r| r.slo_bad == Some(true)) {
        let arrived = r.request_rate.unwrap() * 60.0;
        assert!(
            (r.errors.unwrap() / arrived - 1.0 / 3.0).abs() < 1e-9,
            "{r:?}"
        );
        assert!(r.latency_p99_ms.unwrap() < 120_000.0);
    }
    let slo = s.slo.unwrap();
    assert_eq!(slo.bad_minutes(), 8.0);
    assert_eq!(slo.attainment(), Some(22.0 / 30.0));
    assert_eq!(slo.met, Some(false));
    let lenient = one_task("", pattern, r#"slo = { p99 = "2m", error_rate = 0.5 }"#);
    let (s, _) = run(&lenient);
    assert_eq!(s.slo.unwrap().bad_minutes(), 0.0);
    assert_eq!(s.slo.unwrap().met, Some(true));
}

/// `warm_up` leaves the start-up out. With the load balancer's first health check anywhere in its first
/// 30 s (§2.5), the first minute's requests partly meet no healthy target and fail (503): more than
/// 0.1 % of them, so minute 1 is bad and the run attains 29 / 30. With `warm_up = "1m"` that minute is
/// left out: 29 measured minutes, none bad; the requests counted are 29 × 60 × 10 = 17,400 of the
/// 18,000, none dropped. The timeseries still marks minute 1 bad, and cost covers the whole run in both.
#[test]
fn warm_up_leaves_out_the_start_up_503s() {
    let pattern = r#"{ type = "constant", rate = 10 }"#;
    let slo = r#"slo = { p99 = "1s" }"#;
    let cold = one_task("", pattern, slo).replace("\"1ms\"", "\"30s\"");
    let (s, sink) = run(&cold);
    let first = rows(&sink)[1];
    assert_eq!(first.time_ms, 60_000);
    assert!(first.errors.unwrap() > 0.6, "{first:?}");
    assert_eq!(first.slo_bad, Some(true));
    assert_eq!(s.slo.unwrap().bad_minutes(), 1.0);
    assert_eq!(s.slo.unwrap().attainment(), Some(29.0 / 30.0));
    assert_eq!(s.requests_total.unwrap().round(), 18_000.0);

    let warm = one_task("warm_up = \"1m\"", pattern, slo).replace("\"1ms\"", "\"30s\"");
    let (w, wsink) = run(&warm);
    assert_eq!(rows(&wsink)[1].slo_bad, Some(true), "rows still mark it");
    let o = w.slo.unwrap();
    assert_eq!((o.bad_minutes(), o.minutes()), (0.0, 29.0));
    assert_eq!(o.attainment(), Some(1.0));
    assert_eq!(o.met, Some(true));
    assert_eq!(w.requests_total.unwrap().round(), 17_400.0);
    assert_eq!(w.requests_dropped.unwrap().round(), 0.0);
    assert_eq!(w.warm_up_s, 60.0);
    assert_eq!(w.cost_total_usd, s.cost_total_usd);
    assert_eq!(w.cost_per_million_requests, s.cost_per_million_requests);
    // The run's p99 leaves out the first minute's latencies but the load is constant: the same M/M/1.
    let (a, b) = (s.latency_ms.unwrap()[2], w.latency_ms.unwrap()[2]);
    assert!((a / b - 1.0).abs() < 0.01, "{a} {b}");
}

/// `slo_p99` is shorthand for `slo = { p99 }` with the default error rate (0.001) and objective (0.99):
/// the same figures as the table written out.
#[test]
fn slo_p99_is_shorthand_with_the_defaults() {
    let pattern = r#"{ type = "constant", rate = 90 }"#;
    let short = one_task("", pattern, r#"slo_p99 = "100ms""#);
    let long = one_task(
        "",
        pattern,
        r#"slo = { p99 = "100ms", error_rate = 0.001, objective = 0.99 }"#,
    );
    let (a, _) = run(&short);
    let (b, _) = run(&long);
    // M/M/1 at ρ = 0.9: p99 = ln 100 / 10 = 460.5 ms > 100 ms every minute: 30 bad minutes.
    assert_eq!(a.slo, b.slo);
    assert_eq!(a.slo.unwrap().bad_minutes(), 30.0);
    assert_eq!(a.slo.unwrap().objective, 0.99);
}

#[test]
fn bad_slo_and_warm_up_are_load_errors() {
    let pattern = r#"{ type = "constant", rate = 9 }"#;
    let e = load_errors(&one_task(
        "",
        pattern,
        "slo_p99 = \"1s\"\nslo = { p99 = \"1s\" }",
    ));
    assert!(
        e.contains("not both") && e.contains("services[0].load.slo_p99"),
        "{e}"
    );
    let e = load_errors(&one_task("", pattern, "slo = { error_rate = 1.5 }"));
    assert!(e.contains("services[0].load.slo.error_rate"), "{e}");
    let e = load_errors(&one_task("", pattern, "slo = { objective = 0 }"));
    assert!(e.contains("services[0].load.slo.objective"), "{e}");
    let e = load_errors(&one_task(
        "",
        pattern,
        "slo = { p99 = \"1s\", latency = 3 }",
    ));
    assert!(e.contains("latency"), "{e}");
    let e = load_errors(&one_task("warm_up = \"90s\"", pattern, ""));
    assert!(
        e.contains("test.toml:4:11: field `warm_up`") && e.contains("\"120s\""),
        "{e}"
    );
    let e = load_errors(&one_task("warm_up = \"30m\"", pattern, ""));
    assert!(e.contains("shorter than the run"), "{e}");
}
