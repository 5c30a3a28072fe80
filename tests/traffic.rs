//! The traffic model end to end: conservation, overload and drain by hand, no-target 503s, SLO minutes,
//! utilisation, and the request-by-request mode against the analytic one.

mod common;
use common::*;
use ecsim::metrics::SeriesRow;

/// One task of 1 vCPU (c = 1, μ = 1000 / 10 ms = 100 requests/s) behind a load balancer whose health
/// check passes within 1 ms of RUNNING; EC2 timings of zero so the task runs from 0 s.
fn one_task(pattern: &str, extra: &str) -> String {
    format!(
        r#"name = "t"
duration = "30m"
seed = 3
[cluster]
availability_zones = ["a"]
[traffic]
health_check_interval = "1ms"
{extra}
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
memory_base_mib = 100
memory_per_request_mib = 1
"#
    )
}

fn rows<'a>(sink: &'a ecsim::metrics::MemorySink, name: &str) -> Vec<&'a SeriesRow> {
    sink.series
        .iter()
        .filter(|r| r.scope == "service" && r.name == name)
        .collect()
}

/// Overload by hand (fluid model). Capacity 100/s. λ = 50/s from 5 min, 150/s from 10 to 20 min, then
/// 50/s. During the overload the backlog grows at 150 − 100 = 50/s until it reaches the time-out cap of
/// 60 s × 100/s = 6,000 requests (after 120 s, at 12 min); from then on the excess 50/s is dropped:
/// 50 × 480 s = 24,000 errors. After 20 min the backlog drains at 100 − 50 = 50/s: 3,000 left at 21 min,
/// empty at 22 min. Conservation holds at every period: arrived = served + errors + queued.
#[test]
fn overload_grows_and_drains_as_the_fluid_model_says() {
    let toml = one_task(
        r#"{ type = "steps", steps = [["0s", 0], ["5m", 50], ["10m", 150], ["20m", 50]] }"#,
        "",
    );
    let (s, sink) = run(&toml);
    let r = rows(&sink, "web");
    let at = |min: u64| r.iter().find(|x| x.time_ms == min * 60_000).unwrap();
    let q = |min: u64| at(min).queued.unwrap();
    assert!(q(10).abs() < 1e-6);
    assert!((q(11) - 3000.0).abs() < 1e-6, "{}", q(11));
    assert!((q(12) - 6000.0).abs() < 1e-6);
    assert!((q(20) - 6000.0).abs() < 1e-6);
    assert!((q(21) - 3000.0).abs() < 1e-6, "{}", q(21));
    assert!(q(22).abs() < 1e-6);
    let errors: f64 = r.iter().map(|x| x.errors.unwrap()).sum();
    assert!((errors - 24_000.0).abs() < 1e-3, "errors {errors}");
    assert_eq!(s.requests_dropped.unwrap().round(), 24_000.0);
    // Conservation, cumulatively at every period end.
    let (mut arrived, mut served, mut dropped) = (0.0, 0.0, 0.0);
    for x in &r {
        arrived += x.request_rate.unwrap() * 60.0;
        served += x.served.unwrap();
        dropped += x.errors.unwrap();
        let queued = x.queued.unwrap();
        assert!(
            (arrived - served - dropped - queued).abs() < 1e-3 * arrived.max(1.0),
            "at {} ms",
            x.time_ms
        );
    }
    // While capped, requests wait the whole time-out: p50 of the minute is about 60 s.
    assert!(at(15).latency_p50_ms.unwrap() > 59_000.0);
    // Utilisation: 100 % of the reserved vCPU while overloaded, 50 % at 50/s.
    assert!((at(15).cpu_utilization.unwrap() - 100.0).abs() < 1e-6);
    assert!((at(8).cpu_utilization.unwrap() - 50.0).abs() < 1e-6);
    // Memory: 100 MiB + 1 MiB per in-flight request. By Little's law the M/M/1 at λ = 50, μ = 100 holds
    // L = λ W = 50 × 1/(100 − 50) = 1 request: 101 MiB of 1024 → 9.8633 %.
    assert!((at(8).memory_utilization.unwrap() - 101.0 / 1024.0 * 100.0).abs() < 1e-3);
}

/// M/M/1 at ρ = 0.5 by hand: response time is exponential with rate μ − λ = 50/s, so
/// p50 = ln 2 / 50 = 13.863 ms and p99 = ln 100 / 50 = 92.103 ms (histogram within 1 %).
#[test]
fn steady_latency_matches_mm1() {
    let toml = one_task(r#"{ type = "constant", rate = 50 }"#, "");
    let (s, sink) = run(&toml);
    let r = rows(&sink, "web");
    let last = r.last().unwrap();
    let p50 = last.latency_p50_ms.unwrap();
    let p99 = last.latency_p99_ms.unwrap();
    assert!((p50 / 13.8629 - 1.0).abs() < 0.01, "p50 {p50}");
    assert!((p99 / 92.1034 - 1.0).abs() < 0.01, "p99 {p99}");
    let run_p99 = s.latency_ms.unwrap()[2];
    assert!((run_p99 / 92.1034 - 1.0).abs() < 0.01, "run p99 {run_p99}");
}

/// The request-by-request mode agrees with the analytic mode: same M/M/1 at ρ = 0.5 and 0.8 for 30 min
/// (90,000 and 144,000 requests). Tolerance 5 % on mean-free percentiles p50 and p99: with ~10⁵
/// requests of an autocorrelated queue the p99's relative standard error is about 1–2 % at ρ = 0.8
/// (the queueing module's own test reaches 3 % at ρ = 0.95 with 10⁸ requests).
#[test]
fn requests_mode_agrees_with_fluid_mode() {
    for rate in [50.0, 80.0] {
        let pattern = format!("{{ type = \"constant\", rate = {rate} }}");
        let (fluid, _) = run(&one_task(&pattern, ""));
        let (req, _) = run(&one_task(&pattern, "mode = \"requests\""));
        let (f, q) = (fluid.latency_ms.unwrap(), req.latency_ms.unwrap());
        for (i, name) in [(0, "p50"), (2, "p99")] {
            let rel = (q[i] / f[i] - 1.0).abs();
            assert!(
                rel < 0.05,
                "ρ = {}: {name} fluid {} vs requests {} ({:.1} %)",
                rate / 100.0,
                f[i],
                q[i],
                rel * 100.0
            );
        }
        // Counts: the Poisson process delivers λ × 1800 s of requests (±1 %, about 3 standard deviations).
        let expected = rate * 30.0 * 60.0;
        assert!((req.requests_total.unwrap() / expected - 1.0).abs() < 0.01);
    }
}

/// With no healthy target every request fails (the ALB answers 503), and the SLO is counted per minute.
#[test]
fn no_target_means_errors_and_slo_minutes_count() {
    // desired 0: nothing ever serves.
    let toml = one_task(r#"{ type = "constant", rate = 10 }"#, "")
        .replace("desired_count = 1", "desired_count = 0");
    let (s, _) = run(&toml);
    assert_eq!(s.requests_served, Some(0.0));
    assert_eq!(s.requests_dropped.unwrap().round(), 10.0 * 1800.0);
    // An SLO that a loaded M/M/1 misses: ρ = 0.9 → p99 = ln 100 / 10 = 460.5 ms > 100 ms every minute from
    // the first full minute on; minute 1 starts with the target registering after RUNNING at ~0 s.
    let toml = one_task(r#"{ type = "constant", rate = 90 }"#, "").replace(
        "memory_per_request_mib = 1",
        "memory_per_request_mib = 1\nslo_p99 = \"100ms\"",
    );
    let (s, _) = run(&toml);
    assert_eq!(s.slo_violation_minutes, Some(30.0));
}

/// The NASA trace example: every request accounted for, latency and cost per million requests present.
#[test]
fn nasa_example_accounts_for_every_request() {
    let text = std::fs::read_to_string("scenarios/nasa-web-ec2.toml").unwrap();
    let (s, _) = run(&text);
    let (t, sv, d) = (
        s.requests_total.unwrap(),
        s.requests_served.unwrap(),
        s.requests_dropped.unwrap(),
    );
    assert!(t > 1e7);
    assert!((t - sv - d).abs() < 1.0, "{t} {sv} {d}");
    assert!(s.cost_per_million_requests.unwrap() > 0.0);
    assert!(s.latency_ms.unwrap()[2] < 50.0);
}
