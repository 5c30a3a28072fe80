//! A managed-scaling group that cannot launch (every zone of it down): what the run says — events,
//! the unplaced-at-end warning naming the group, tasks running at the end (§3.2, §7.3). Split from
//! tests/faults.rs.

mod common;
use common::*;

/// Both zones of a managed-scaling group down for the whole run: no instance ever registers, so a
/// service of 2 tasks never runs one. Its tasks wait in PROVISIONING, stop with TaskFailedToStart after
/// their wait (10–30 min, §7.3) and are replaced; at the end 2 replacements still wait.
fn capacity_never_comes() -> String {
    r#"name = "never"
duration = "2h"
seed = 1
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[capacity_providers]]
name = "web"
instance_type = "m5.large"
min_size = 0
max_size = 4
desired_size = 0
managed_scaling = { target_capacity = 100 }
[[task_definitions]]
family = "web"
cpu = 1024
memory = 2048
[[services]]
name = "web"
task_definition = "web"
desired_count = 2
capacity_provider_strategy = [{ capacity_provider = "web", weight = 1 }]
[[faults]]
type = "az_outage"
zone = "us-east-1a"
at = "0s"
duration = "3h"
[[faults]]
type = "az_outage"
zone = "us-east-1b"
at = "0s"
duration = "3h"
"#
    .to_string()
}

/// `tasks.running_at_end` is ECS's runningCount, tasks whose lastStatus is RUNNING: here 0, with 2 in
/// PROVISIONING. It counted every task not yet STOPPED, so the run's line said "2 running at the end"
/// while `placement_problems` said "none of its tasks runs at the end".
#[test]
fn tasks_waiting_in_provisioning_are_not_running_at_the_end() {
    let (summary, sink) = run(&capacity_never_comes());
    let waiting = alive(&sink, "web");
    assert_eq!(waiting.len(), 2);
    assert!(waiting.iter().all(|t| t.started_ms.is_none()));
    assert_eq!(summary.tasks_running_at_end, 0);
    assert_eq!(summary.tasks_unplaced_at_end, 2);
    assert!(
        summary.placement_problems[0]
            .1
            .contains("none of its tasks runs at the end")
    );
}

/// The capacity that never came says why: managed scaling decides 0 → 2 instances every minute (M 1,
/// N 0: CPR 200, §3.2), but every zone of the group is down, so no launch happens. One
/// `instance_launch_failed` event at the first attempt (not one a minute), and the end-of-run warning
/// names the group. Before, the events said "scaling the Auto Scaling group from 0 to 2 instances" every
/// minute for two hours and nothing said that no instance was launched.
#[test]
fn a_group_with_every_zone_down_says_its_launches_fail() {
    let (summary, sink) = run(&capacity_never_comes());
    let failed = coded(&sink, "instance_launch_failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].time_ms, 60_000);
    assert!(
        failed[0]
            .message
            .contains("every Availability Zone of the group is down")
    );
    assert!(coded(&sink, "instance_launching").is_empty());
    let w = summary
        .warnings
        .iter()
        .find(|w| w.code == "unplaced-at-end")
        .expect("warning");
    assert!(
        w.message
            .contains("Auto Scaling group web cannot launch an instance: every zone of it is down"),
        "{}",
        w.message
    );
}

/// Both zones down for the first 30 min, then again from 60 min: the first failure is said at 60 s,
/// the group launches when the zones return at 30 min, loses its instances at 60 min and owes their
/// replacements, whose failed launch is said again (once per episode, not once per run).
#[test]
fn a_launch_failure_is_said_again_after_a_zone_returned() {
    let toml = capacity_never_comes().replace("duration = \"3h\"", "duration = \"30m\"")
        + r#"[[faults]]
type = "az_outage"
zone = "us-east-1a"
at = "60m"
duration = "2h"
[[faults]]
type = "az_outage"
zone = "us-east-1b"
at = "60m"
duration = "2h"
"#;
    let (summary, sink) = run(&toml);
    let failed: Vec<u64> = coded(&sink, "instance_launch_failed")
        .iter()
        .map(|e| e.time_ms)
        .collect();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert_eq!(failed[0], 60_000);
    assert!(failed[1] >= 3_600_000, "{failed:?}");
    assert!(
        coded(&sink, "instance_launching")
            .iter()
            .any(|e| (1_800_000..3_600_000).contains(&e.time_ms))
    );
    assert_eq!(summary.tasks_running_at_end, 0);
}
