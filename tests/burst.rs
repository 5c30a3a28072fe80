//! Burstable instances by hand (reference §6.6): CPU credits earned and spent, unlimited mode's surplus
//! charges, standard mode's throttle to the baseline, and runs without burstable instances unchanged.
//!
//! t3.medium (§6.6 table): 2 vCPUs, 24 credits per hour (0.4 a minute), baseline 20 % per vCPU, maximum
//! balance 576 = 24 h of earnings, no launch credits; $0.0416 per hour (§6.2); surplus $0.05 per vCPU-hour
//! (60 credits). One credit = one vCPU at 100 % for one minute.

mod common;
use common::*;
use ecsim::metrics::{MemorySink, SeriesRow};

/// One task of 2048 CPU units (the whole t3.medium; c = 2 servers of 1 vCPU, μ = 1000 / 20 ms = 50
/// requests/s each: 100 requests/s in all) behind a balancer whose health check passes 1 ms after RUNNING;
/// EC2 timings of zero, so the task runs from 0 s.
fn one_task(instance_type: &str, credits: &str, duration: &str, pattern: &str) -> String {
    format!(
        r#"name = "b"
duration = "{duration}"
[cluster]
availability_zones = ["a"]
[traffic]
health_check_interval = "1ms"
[timings.ec2]
pull = "0s"
start = "0s"
[[capacity_providers]]
name = "cp"
instance_type = "{instance_type}"
max_size = 1
desired_size = 1
{credits}
[[task_definitions]]
family = "web"
cpu = 2048
memory = 1024
[[services]]
name = "web"
task_definition = "web"
desired_count = 1
launch_type = "EC2"
[services.load]
pattern = {pattern}
cpu_ms_per_request = 20.0
"#
    )
}

fn row<'a>(sink: &'a MemorySink, scope: &str, ms: u64) -> &'a SeriesRow {
    sink.series
        .iter()
        .find(|r| r.scope == scope && r.time_ms == ms)
        .unwrap_or_else(|| panic!("no {scope} row at {ms} ms"))
}

const MIN: u64 = 60_000;
const HOUR: u64 = 3_600_000;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// A t3.medium in unlimited mode (the default) at 90 % of its 2 vCPUs for 48 h (90 requests/s on 100).
/// Spent: 0.9 × 2 × 60 × 48 = 5,184 credits; earned 24 × 48 = 1,152; the balance starts at 0 (no launch
/// credits), so everything above the earnings is surplus: 1.8 − 0.4 = 1.4 a minute, 84 an hour.
/// §6.6: surplus above what the instance earns in 24 h (576) is charged at the end of the hour; what is
/// still owed when it stops is charged then (ecsim treats the end of the run as the stop, as it does for
/// the per-second bill). Hour 7 ends with 7 × 84 = 588: 12 charged; each of hours 8–48 charges 84:
/// 41 × 84 = 3,444; 3,456 during the run ($2.88), then the 576 owed at the end ($0.48).
/// In all 5,184 − 1,152 − 0 = 4,032 credits = 67.2 vCPU-hours × $0.05 = $3.36 on top of
/// 48 × $0.0416 = $1.9968 for the instance: $5.3568. (The task becomes a target 1 ms after 0: 1.8 × 0.001
/// / 60 = 0.00003 credits less, $2.5e-8.)
#[test]
fn unlimited_t3_medium_pays_the_surplus() {
    let (s, sink) = run(&one_task(
        "t3.medium",
        "",
        "48h",
        r#"{ type = "constant", rate = 90 }"#,
    ));
    let surplus = s.cost_burst_surplus_usd.expect("burstable run");
    assert!(close(surplus, 3.36, 1e-6), "surplus {surplus}");
    assert!(
        close(s.cost_ec2_usd, 1.9968 + 3.36, 1e-6),
        "{}",
        s.cost_ec2_usd
    );
    assert!(close(s.cost_total_usd, 5.3568, 1e-6));
    // The surplus is not idle capacity: ec2_idle is what it was without it.
    assert!(s.cost_ec2_idle_usd < 1.9968);
    let cp = |ms| row(&sink, "capacity_provider", ms);
    // 1.8 credits a minute; no balance; the surplus grows 84 an hour and nothing is charged before hour 7.
    assert!(close(cp(3 * HOUR).cpu_credit_usage.unwrap(), 1.8, 1e-6));
    assert_eq!(cp(3 * HOUR).cpu_credit_balance, Some(0.0));
    assert!(close(
        cp(6 * HOUR).cpu_surplus_credit_balance.unwrap(),
        504.0,
        1e-3
    ));
    assert_eq!(cp(6 * HOUR).cost_burst_surplus_usd, Some(0.0));
    // End of hour 7: 12 credits charged = 12 / 60 × $0.05 = $0.01; 576 stay owed.
    assert!(close(
        cp(7 * HOUR).cost_burst_surplus_usd.unwrap(),
        0.01,
        1e-6
    ));
    assert!(close(
        cp(7 * HOUR).cpu_surplus_credit_balance.unwrap(),
        576.0,
        1e-3
    ));
    // At 48 h: 3,456 charged ($2.88); the cluster row's costs include it.
    let c = row(&sink, "cluster", 48 * HOUR);
    assert!(close(c.cost_burst_surplus_usd.unwrap(), 2.88, 1e-6));
    assert!(close(c.cost_ec2_usd.unwrap(), 1.9968 + 2.88, 1e-6));
    assert!(close(c.cost_usd.unwrap(), 1.9968 + 2.88, 1e-6));
    // Unlimited mode never holds the task down: full capacity throughout, and no warning of it.
    assert!(s.warnings.iter().all(|w| w.code != "cpu-credits-spent"));
    assert!(
        sink.series
            .iter()
            .filter(|r| r.scope == "service" && r.time_ms > 0)
            .all(|r| close(r.capacity_rps.unwrap(), 100.0, 1e-9))
    );
}

/// A standard-mode t3.medium runs out of credits and is held to its baseline. 10 requests/s for 12 h
/// (10 % of its vCPUs: spends 0.2 a minute, earns 0.4) banks 0.2 × 720 = 144 credits; from 12 h,
/// 90 requests/s spends 1.8 a minute: the balance falls 1.4 a minute and would run out after
/// 144 / 1.4 = 102.86 min, at 13:42:51. ecsim lets an instance use, over each minute, its balance plus
/// what it earns in the minute: after 102 minutes (13:42) it holds 144 − 142.8 = 1.2, so it may use
/// (1.2 + 0.4) / 2 = 80 % of its vCPUs in the minute that holds the exhaustion (80 requests/s); from
/// 13:43 it has only what it earns, 0.4 credits a minute = the 20 % baseline × 2 vCPUs = 0.4 vCPU =
/// 20 requests/s (1 vCPU serves 50).
#[test]
fn standard_t3_medium_is_held_to_its_baseline() {
    let (s, sink) = run(&one_task(
        "t3.medium",
        r#"credit_specification = "standard""#,
        "14h",
        r#"{ type = "steps", steps = [["0s", 10], ["12h", 90]] }"#,
    ));
    let svc = |ms| row(&sink, "service", ms);
    let cp = |ms| row(&sink, "capacity_provider", ms);
    // Banked by 12 h: 144 (less 0.2 × 0.001 / 60 for the first millisecond before the target joined).
    assert!(close(
        cp(12 * HOUR).cpu_credit_balance.unwrap(),
        144.0,
        1e-4
    ));
    let at = |h: u64, m: u64| h * HOUR + m * MIN;
    // Full capacity up to the minute ending 13:42, then 80 %, then the baseline.
    assert!(close(svc(at(13, 42)).capacity_rps.unwrap(), 100.0, 1e-9));
    assert!(close(cp(at(13, 42)).cpu_credit_balance.unwrap(), 1.2, 1e-4));
    assert!(close(svc(at(13, 43)).capacity_rps.unwrap(), 80.0, 1e-3));
    assert!(cp(at(13, 43)).cpu_credit_balance.unwrap() < 1e-4);
    for m in 44..=59 {
        let r = svc(at(13, m));
        assert!(close(r.capacity_rps.unwrap(), 20.0, 1e-3), "13:{m}");
        // Served what the baseline allows: 20 % of the reserved 2 vCPUs.
        assert!(close(r.cpu_utilization.unwrap(), 20.0, 1e-2), "13:{m}");
        assert!(close(cp(at(13, m)).cpu_credit_usage.unwrap(), 0.4, 1e-4));
    }
    // No surplus in standard mode; the event says when the balance ran out.
    assert_eq!(s.cost_burst_surplus_usd, Some(0.0));
    assert!(close(s.cost_ec2_usd, 14.0 * 0.0416, 1e-9));
    let ev = sink
        .events
        .iter()
        .find(|e| e.message.contains("has spent its CPU credits"))
        .expect("event");
    assert_eq!(ev.time_ms, at(13, 42));
    assert!(
        ev.message.contains("baseline of 20 % per vCPU"),
        "{}",
        ev.message
    );
    // Requests the baseline cannot serve time out.
    assert!(s.requests_dropped.unwrap() > 0.0);
    // The run says so beside the figures (stderr, summary.json, the report): held from 13:42 to the end
    // at 14:00, 18 min = 0.3 instance-hours. Before, only the event and the credit columns showed it.
    let w: Vec<_> = s
        .warnings
        .iter()
        .filter(|w| w.code == "cpu-credits-spent")
        .collect();
    assert_eq!(w.len(), 1);
    assert!(
        w[0].message.contains(
            "(t3.medium, standard credits): its instances spent their CPU credits 1 time (the first at 13:42:00) and were held to their baseline of 20 % per vCPU for 0.3 instance-hours in all"
        ),
        "{}",
        w[0].message
    );
}

/// The same 90 % for 48 h on an m5.large ($0.096 per hour, not burstable): 48 × 0.096 = $4.608, no credit
/// figures anywhere, full capacity throughout.
#[test]
fn non_burstable_instance_is_unchanged() {
    let (s, sink) = run(&one_task(
        "m5.large",
        "",
        "48h",
        r#"{ type = "constant", rate = 90 }"#,
    ));
    assert!(close(s.cost_ec2_usd, 4.608, 1e-9));
    assert_eq!(s.cost_burst_surplus_usd, None);
    assert!(sink.series.iter().all(|r| r.cpu_credit_balance.is_none()
        && r.cpu_credit_usage.is_none()
        && r.cpu_surplus_credit_balance.is_none()
        && r.cost_burst_surplus_usd.is_none()));
}

/// `timeseries.csv` gains the credit columns only in runs with burstable instances; `summary.json`
/// always has `cost_usd.burst_surplus` (null without them).
#[test]
fn credit_columns_only_with_burstable_instances() {
    for (it, burst) in [("m5.large", false), ("t4g.medium", true)] {
        let toml = one_task(it, "", "10m", r#"{ type = "constant", rate = 90 }"#);
        let spec = ecsim::scenario::load_str(&toml, "t.toml", std::path::Path::new(".")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let s =
            ecsim::output::write_run(dir.path(), |sink| ecsim::sim::simulate(&spec, sink)).unwrap();
        let ts = std::fs::read_to_string(dir.path().join("timeseries.csv")).unwrap();
        let header = ts.lines().next().unwrap();
        let want = if burst {
            format!(
                "{},{}",
                ecsim::output::SERIES_HEADER,
                ecsim::output::SERIES_BURST_COLUMNS
            )
        } else {
            ecsim::output::SERIES_HEADER.to_string()
        };
        assert_eq!(header, want);
        let cols = header.split(',').count();
        assert!(ts.lines().all(|l| l.split(',').count() == cols), "{it}");
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("summary.json")).unwrap(),
        )
        .unwrap();
        let b = &json["cost_usd"]["burst_surplus"];
        assert_eq!(b.is_null(), !burst, "{it}: {b}");
        // t4g: 10 minutes at 1.8 − 0.4 = 1.4 surplus a minute = 14 credits, owed at the end and charged
        // then at $0.04 per vCPU-hour: 14 / 60 × 0.04 = $0.009333.
        if burst {
            assert!(close(
                s.cost_burst_surplus_usd.unwrap(),
                14.0 / 60.0 * 0.04,
                1e-6
            ));
        }
    }
}

/// `credit_specification` on a type that is not burstable, or with an unknown mode, is an error with
/// file:line:column and the field.
#[test]
fn credit_specification_needs_a_burstable_type() {
    let toml = one_task(
        "m5.large",
        r#"credit_specification = "standard""#,
        "1h",
        r#"{ type = "constant", rate = 1 }"#,
    );
    let e = load_errors(&toml);
    assert!(e.contains("test.toml:15:"), "{e}");
    assert!(
        e.contains("capacity_providers[0].credit_specification"),
        "{e}"
    );
    assert!(e.contains("burstable instance types only"), "{e}");
    assert!(e.contains("m5.large is not one"), "{e}");
    let toml = one_task(
        "t3.medium",
        r#"credit_specification = "Unlimited""#,
        "1h",
        r#"{ type = "constant", rate = 1 }"#,
    );
    let e = load_errors(&toml);
    assert!(e.contains("allowed: \"unlimited\", \"standard\""), "{e}");
}

/// A custom type named as a §6.6 size earns that size's credits (t3a.medium: 24 an hour, $0.05 surplus);
/// its vCPUs must match the table.
#[test]
fn custom_t3a_type_earns_its_credits() {
    let base = one_task(
        "t3a.medium",
        "",
        "1h",
        r#"{ type = "constant", rate = 90 }"#,
    );
    let custom = |vcpu: u32| {
        format!(
            "{base}\n[[instance_types]]\nname = \"t3a.medium\"\nvcpu = {vcpu}\nmemory_mib = 4096\nprice_usd_per_hour = 0.0376\n"
        )
    };
    // 60 minutes at 1.4 surplus a minute = 84 credits, charged at the end: 84 / 60 × $0.05 = $0.07.
    let (s, _) = run(&custom(2));
    assert!(
        close(s.cost_burst_surplus_usd.unwrap(), 0.07, 1e-6),
        "{:?}",
        s.cost_burst_surplus_usd
    );
    assert!(close(s.cost_ec2_usd, 0.0376 + 0.07, 1e-6));
    let e = load_errors(&custom(4));
    assert!(e.contains("instance_types[0].vcpu"), "{e}");
    assert!(e.contains("t3a.medium has 2 vCPUs"), "{e}");
}

/// The binary: exit code 2 and the file:line:column:field for the bad key.
#[test]
fn binary_rejects_credit_specification_on_m5() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        one_task(
            "m5.large",
            r#"credit_specification = "unlimited""#,
            "1h",
            r#"{ type = "constant", rate = 1 }"#,
        ),
    )
    .unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["validate", "bad.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.toml:15:"), "{err}");
    assert!(
        err.contains("capacity_providers[0].credit_specification"),
        "{err}"
    );
}

/// A burstable instance lost with a RUNNING task (an instance failure; an AZ outage or a Spot reclaim
/// stop tasks the same way): the task goes from RUNNING straight to STOPPED, skipping DEACTIVATING,
/// and must still leave the instance's CPU-credit sums (and its RUNNING count). It once left only
/// through DEACTIVATING: the dead instance kept the task's 2048 units and the debug build's invariant
/// check panicked.
#[test]
fn a_lost_burstable_instance_s_running_task_leaves_its_credit_sums() {
    let toml = one_task("t3.medium", "", "1h", r#"{ type = "constant", rate = 90 }"#)
        .replace("max_size = 1", "max_size = 2")
        + r#"[[faults]]
type = "instance_failure"
capacity_provider = "cp"
times = ["30m"]
"#;
    let (s, sink) = run(&toml);
    assert_eq!(s.instance_failures, 1);
    let lost: Vec<_> = sink
        .tasks
        .iter()
        .filter(|t| t.stop_code == "InfrastructureHealth")
        .collect();
    assert_eq!(lost.len(), 1, "{lost:?}");
    assert_eq!(lost[0].stopped_ms, Some(30 * MIN));
    // Its replacement runs on the replacement instance and spends credits there.
    assert!(
        sink.tasks
            .iter()
            .any(|t| t.started_ms.is_some_and(|m| m > 30 * MIN))
    );
    assert!(
        row(&sink, "capacity_provider", HOUR)
            .cpu_credit_usage
            .unwrap()
            > 0.0
    );
}
