//! Task scale-in protection (reference §2.7), worked by hand: a scale-in stops the unprotected tasks and
//! keeps the protected ones until their protection lapses; a rolling deployment waits for protected old
//! tasks (until the 120-minute default expiry, or the 48-hour cap); a queue worker protected while busy
//! (`while_busy`) is kept while it holds a message; what protection does not guard against (a drain)
//! still stops a task; bad keys are reported with their file, line and field.
//!
//! Sources: DG `task-scale-in-protection` ("protect your tasks from being terminated by scale-in events
//! from either Service Auto Scaling or deployments"; "tasks running older version will not be terminated
//! until protectionEnabled is unset or expires"); ECS API `UpdateTaskProtection` (`expiresInMinutes`
//! 1–2,880, default 120; "After this time period lapses, protectionEnabled will be reset to false").

mod common;
use common::*;
use ecsim::metrics::MemorySink;

/// A service of `desired` tasks of `v1` (256 CPU units, 512 MiB) on four m5.xlarge in two zones, with
/// `protection` as its `[services.task_protection]` table (empty: none), and `extra` appended. EC2
/// timings: no pull, 5 s start, 1 s DEACTIVATING, 1 s stop: a task created at t is RUNNING at t + 5 s.
/// No load balancer and no health check: healthy 40 s after RUNNING (§2.3). No AZ rebalancing.
fn scenario(duration: &str, desired: u32, protection: &str, extra: &str) -> String {
    let protection = if protection.is_empty() {
        String::new()
    } else {
        format!("[services.task_protection]\n{protection}\n")
    };
    format!(
        r#"name = "protected"
duration = "{duration}"
seed = 3
[cluster]
availability_zones = ["a", "b"]
[timings.ec2]
pull = "0s"
start = "5s"
stop = "1s"
deactivating = "1s"
[[capacity_providers]]
name = "cp"
instance_type = "m5.xlarge"
max_size = 4
desired_size = 4
[[task_definitions]]
family = "v1"
cpu = 256
memory = 512
[[task_definitions]]
family = "v3"
cpu = 256
memory = 512
[[services]]
name = "svc"
task_definition = "v1"
desired_count = {desired}
launch_type = "EC2"
availability_zone_rebalancing = "DISABLED"
{protection}{extra}"#
    )
}

/// Stop-request seconds of the tasks of one task definition (sorted; a task still running: none).
fn stops(sink: &MemorySink, def: &str) -> Vec<u64> {
    let mut v: Vec<u64> = sink
        .tasks
        .iter()
        .filter(|t| t.task_definition == def)
        .filter_map(|t| t.stopping_ms.map(|s| s / 1000))
        .collect();
    v.sort();
    v
}

/// Seconds of the events of one code.
fn at(sink: &MemorySink, code: &str) -> Vec<u64> {
    coded(sink, code).iter().map(|e| e.time_ms / 1000).collect()
}

/// `after_start`, `expires_in = "10m"`: 4 tasks RUNNING at 5 s are protected until 5 + 600 = 605 s. At
/// 30 min desired 6: 2 tasks RUNNING at 1,805 s, protected until 2,405 s. At 35 min (2,100 s) desired 1:
/// the surplus is 6 − 1 = 5, but only the 4 first tasks are unprotected: they stop at 2,100 s and the
/// service keeps 2 tasks (1 above desired), saying so once ("could not stop 1 task"). At 2,405 s both
/// protections lapse and the scale-in finishes: one more task stops, 1 is left.
/// Without protection the 5 stop at 2,100 s.
#[test]
fn a_scale_in_stops_the_unprotected_tasks_and_waits_for_the_others() {
    let updates = r#"[[service_updates]]
at = "30m"
service = "svc"
desired_count = 6
[[service_updates]]
at = "35m"
service = "svc"
desired_count = 1
"#;
    let (summary, sink) = run(&scenario(
        "1h",
        4,
        "mode = \"after_start\"\nexpires_in = \"10m\"",
        updates,
    ));
    assert_eq!(stops(&sink, "v1"), [2100, 2100, 2100, 2100, 2405]);
    assert_eq!(alive(&sink, "svc").len(), 1);
    assert_eq!(
        at(&sink, "protection_expired"),
        [605, 605, 605, 605, 2405, 2405]
    );
    let held = coded(&sink, "tasks_protected");
    assert_eq!(held.len(), 1, "said once, not at every reconcile");
    assert_eq!(held[0].time_ms, 2_100_000);
    assert_eq!(
        held[0].message,
        "(service svc) could not stop 1 task because of task scale-in protection: 2 tasks, desired count 1."
    );
    // The surplus stays RUNNING meanwhile: 2 running against 1 desired in the rows of 2,100–2,400 s.
    let row = sink
        .series
        .iter()
        .find(|r| r.scope == "service" && r.time_ms == 2_160_000)
        .expect("row at 36 min");
    assert_eq!((row.desired, row.running), (Some(1), Some(2)));
    // summary.json: 1 task held from 2,100 to 2,405 s = 305 task-seconds; 6 protections expired.
    let p = &summary.task_protection[0];
    assert_eq!(
        (p.max_tasks_held, p.task_seconds_held, p.protections_expired),
        (1, 305.0, 6)
    );

    let (_, sink) = run(&scenario("1h", 4, "", updates));
    assert_eq!(stops(&sink, "v1"), [2100, 2100, 2100, 2100, 2100]);
    assert!(coded(&sink, "protection_expired").is_empty());
}

/// A rolling deployment waits for protected old tasks: "tasks running older version will not be
/// terminated until protectionEnabled is unset or expires" (DG `task-scale-in-protection`). Desired 2,
/// `after_start` with the default 120 minutes: the v1 tasks RUNNING at 5 s are protected until
/// 5 + 7,200 = 7,205 s. The deployment to v3 at 10 min (maximum 200 %) starts 2 v3 tasks at 600 s
/// (healthy at 645 s), but neither v1 task stops until 7,205 s; they are STOPPED 2 s later and the
/// rollout COMPLETES then, at 7,207 s (not while its old tasks are stopping, §2.6). The held tasks are
/// said once, at 600 s.
#[test]
fn a_deployment_waits_for_the_default_120_minute_expiry() {
    let deploy = "[[deployments]]\nat = \"10m\"\nservice = \"svc\"\ntask_definition = \"v3\"\n";
    let (summary, sink) = run(&scenario("3h", 2, "mode = \"after_start\"", deploy));
    assert_eq!(stops(&sink, "v1"), [7205, 7205]);
    assert!(stops(&sink, "v3").is_empty());
    let done: Vec<u64> = coded(&sink, "deployment_completed")
        .iter()
        .filter(|e| e.message.contains("v3"))
        .map(|e| e.time_ms / 1000)
        .collect();
    assert_eq!(done, [7207]);
    assert_eq!(at(&sink, "tasks_protected"), [600]);
    assert!(
        coded(&sink, "tasks_protected")[0]
            .message
            .contains("could not stop 2 tasks")
    );
    // 2 tasks held from 600 to 7,205 s: 2 × 6,605 = 13,210 task-seconds.
    assert_eq!(summary.task_protection[0].task_seconds_held, 13_210.0);
}

/// The longest protection, `expires_in = "2880m"` (48 h, ECS API `UpdateTaskProtection`): the same
/// deployment's v1 tasks stop at 5 + 172,800 = 172,805 s.
#[test]
fn protection_expires_at_the_48_hour_cap() {
    let deploy = "[[deployments]]\nat = \"10m\"\nservice = \"svc\"\ntask_definition = \"v3\"\n";
    let (_, sink) = run(&scenario(
        "50h",
        2,
        "mode = \"after_start\"\nexpires_in = \"2880m\"",
        deploy,
    ));
    assert_eq!(stops(&sink, "v1"), [172_805, 172_805]);
}

/// A queue worker protected while busy (`while_busy`, the documented pattern: set protection when it
/// takes a message, clear it when done). 6 workers (RUNNING at 5 s), `concurrency` 1, each message 3 h
/// (a rate of 1/10,800 per second); 2 messages are sent at 60 s. The queue is fluid (§4.5): it takes each
/// interval's mean arrival rate, so the 2 messages come in over the period 60–120 s, and at 120 s
/// 1.99446 are in flight (the row's `messages_in_flight`); then q(t) = 1.99446·e^{−(t−120)/10,800}.
/// `expires_in = "240m"` outlasts a message (share 1). At 10 min q = 1.99446·e^{−480/10,800} = 1.9078:
/// round(1.91) = 2 workers are busy and protected.
/// - Desired 6 → 2: the 4 idle workers stop at 600 s, the 2 busy ones run on (nothing held).
/// - Desired 6 → 1: 4 stop at 600 s, 1 busy worker is held ("could not stop 1 task"). q falls below 1.5
///   at 120 + 10,800 × ln(1.99446 / 1.5) = 3,197 s; the next metric period (3,240 s, q = 1.494) finds
///   one busy worker, and the other stops then.
#[test]
fn a_scale_in_stops_idle_workers_and_keeps_the_busy_ones() {
    let queue = r#"[services.queue]
pattern = { type = "steps", steps = [["0s", 0], ["60s", 2], ["61s", 0]] }
service_time = "3h"
concurrency = 1
"#;
    let protection = "mode = \"while_busy\"\nexpires_in = \"240m\"";
    let update = |n: u32| {
        format!(
            "{queue}[[service_updates]]\nat = \"10m\"\nservice = \"svc\"\ndesired_count = {n}\n"
        )
    };
    let (_, sink) = run(&scenario("1h", 6, protection, &update(2)));
    assert_eq!(stops(&sink, "v1"), [600, 600, 600, 600]);
    assert!(coded(&sink, "tasks_protected").is_empty());

    let (_, sink) = run(&scenario("1h", 6, protection, &update(1)));
    assert_eq!(stops(&sink, "v1"), [600, 600, 600, 600, 3240]);
    assert_eq!(at(&sink, "tasks_protected"), [600]);
    // The look at every metric period while a task is held writes nothing until something changes.
    assert_eq!(at(&sink, "tasks_stopped"), [600, 3240]);
    assert_eq!(alive(&sink, "svc").len(), 1);
}

/// A rolling deployment of busy queue workers waits for them (DG `task-scale-in-protection`: "tasks
/// running older version will not be terminated until protectionEnabled is unset or expires"). 2 v1
/// workers take the 2 messages of 3 h (in flight 1.99446 at 120 s, as above; q(t) = 1.99446·e^{−(t−120)/
/// 10,800}); the deployment to v3 at 10 min (maximum 200 %) starts 2 v3 workers at 600 s. The messages
/// are the v1 workers' (the longest-running): round(1.91) = 2 busy, both held. Below 1.5 in flight (from
/// 3,197 s) one v1 worker is busy: the other stops at the next period, 3,240 s. Below 0.5, at
/// 120 + 10,800 × ln(1.99446 / 0.5) = 15,062 s, none is: the last stops at 15,120 s, is STOPPED 2 s
/// later, and the rollout COMPLETES then, at 15,122 s (§2.6).
#[test]
fn a_deployment_waits_for_busy_workers() {
    let extra = r#"[services.queue]
pattern = { type = "steps", steps = [["0s", 0], ["60s", 2], ["61s", 0]] }
service_time = "3h"
concurrency = 1
[[deployments]]
at = "10m"
service = "svc"
task_definition = "v3"
"#;
    let protection = "mode = \"while_busy\"\nexpires_in = \"240m\"";
    let (_, sink) = run(&scenario("5h", 2, protection, extra));
    assert_eq!(stops(&sink, "v1"), [3240, 15_120]);
    let done: Vec<u64> = coded(&sink, "deployment_completed")
        .iter()
        .filter(|e| e.message.contains("v3"))
        .map(|e| e.time_ms / 1000)
        .collect();
    assert_eq!(done, [15_122]);
    assert_eq!(at(&sink, "tasks_protected"), [600, 3240]);
}

/// Protection guards against scale-in and deployments only (DG `task-scale-in-protection`): an operator
/// draining an instance at 10 min still replaces the protected tasks on it (§6.5: start-first within
/// the bounds, the old task stopping once its replacement is healthy: RUNNING 605 s, healthy 645 s),
/// 48 hours before their protection would lapse.
#[test]
fn a_drain_still_replaces_protected_tasks() {
    let drain = "[[faults]]\ntype = \"drain_instance\"\ncapacity_provider = \"cp\"\nat = \"10m\"\n";
    let (_, sink) = run(&scenario(
        "1h",
        4,
        "mode = \"after_start\"\nexpires_in = \"2880m\"",
        drain,
    ));
    let early: Vec<u64> = stops(&sink, "v1")
        .into_iter()
        .filter(|&s| s < 3600)
        .collect();
    assert!(!early.is_empty(), "a drained instance's tasks are replaced");
    assert!(early.iter().all(|&s| s == 645), "{early:?}");
}

/// Bad keys: file, line, field and what is allowed (exit 2 at the command line).
#[test]
fn bad_protection_keys_name_the_field_and_what_is_allowed() {
    let e = load_errors(&scenario("1h", 2, "mode = \"always\"", ""));
    assert!(e.contains("test.toml:"), "{e}");
    assert!(e.contains("task_protection.mode"), "{e}");
    assert!(
        e.contains("\"while_busy\"") && e.contains("\"after_start\""),
        "{e}"
    );
    // The value given is echoed, as the user wrote it or in minutes (90 s is not whole minutes; 49 h is
    // 2,940 minutes, over the 2,880).
    for (bad, echoed) in [
        ("0m", "0 min"),
        ("90s", "90 s"),
        ("2881m", "2881 min"),
        ("49h", "2940 min"),
    ] {
        let e = load_errors(&scenario(
            "1h",
            2,
            &format!("mode = \"after_start\"\nexpires_in = \"{bad}\""),
            "",
        ));
        assert!(e.contains("task_protection.expires_in"), "{bad}: {e}");
        assert!(e.contains("\"1m\" to \"2880m\""), "{bad}: {e}");
        assert!(
            e.contains(&format!("{echoed} is not a valid expires_in")),
            "{bad}: {e}"
        );
    }
    let e = load_errors(&scenario("1h", 2, "mode = \"while_busy\"", ""));
    assert!(e.contains("needs a `queue`"), "{e}");
    let e = load_errors(&scenario(
        "1h",
        2,
        "mode = \"after_start\"\nexpire_in = \"5m\"",
        "",
    ));
    assert!(e.contains("expire_in"), "{e}");
}
