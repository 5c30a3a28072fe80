//! AZ rebalancing with draining, Spot notices, scale-in and the group's own zone moves (§2.1, §1.3,
//! §6.4), by hand. Split from tests/faults.rs (which keeps the earlier rebalancing cases).

mod common;
use common::*;

/// AZ rebalancing moves tasks out of a zone that has no room left (DG `service-rebalancing`: ECS
/// "stops tasks in the fullest" zone; §2.1). Three m5.large Spot instances (2048 CPU units each), i-1
/// and i-3 in a, i-2 in b; a daemon of 128 units on each and 6 web tasks of 512, 3 per zone. At 10 m
/// i-2 gets its 2-minute notice with draining (§6.4): its 3 web tasks are replaced in a (the only zone
/// with room), so a holds 6 and each of its instances 3 × 512 + 128 = 1664 units, 384 free: a has no
/// room for another web task. i-2 is reclaimed at 12 m; the group's replacement registers in b. The
/// service is steady with 6 in a, 0 in b: rebalancing moves ⌊6 / 2⌋ = 3 tasks to b and ends 3 and 3.
/// Before the fix only zones with room for a new task were counted, so a full a was left out and the
/// service stayed 6 / 0 to the end of the run.
#[test]
fn az_rebalancing_moves_tasks_out_of_a_full_zone() {
    let toml = r#"name = "az-rebalance-full-zone"
duration = "1h"
seed = 3
[cluster]
availability_zones = ["a", "b"]
[[capacity_providers]]
name = "spot"
instance_type = "m5.large"
spot = true
min_size = 3
max_size = 3
desired_size = 3
[[task_definitions]]
family = "web"
cpu = 512
memory = 1024
[[task_definitions]]
family = "agent"
cpu = 128
memory = 256
[[services]]
name = "web"
task_definition = "web"
desired_count = 6
capacity_provider_strategy = [{ capacity_provider = "spot", weight = 1 }]
[[services]]
name = "agent"
task_definition = "agent"
scheduling_strategy = "DAEMON"
[[faults]]
type = "spot_interruption"
capacity_provider = "spot"
times = ["10m"]
draining = true
"#;
    let (_, sink) = run(toml);
    let started = coded(&sink, "rebalancing");
    assert_eq!(started.len(), 1, "one rebalancing");
    assert!(
        started[0].message.contains("6 tasks in a and 0 tasks in b"),
        "{}",
        started[0].message
    );
    assert_eq!(coded(&sink, "rebalancing_completed").len(), 1);
    let running = alive(&sink, "web");
    assert_eq!(
        count_by(&running, |t| t.availability_zone.as_str()),
        vec![("a".into(), 3), ("b".into(), 3)]
    );
}

/// A draining instance's replacements are not taken for an AZ imbalance (DG `service-rebalancing`:
/// ECS monitors a service once it "reaches the steady state", and one replacing a draining
/// instance's tasks has not; §2.1, §6.5). Four m5.large, i-1 and i-3 in a, i-2 and i-4 in b; 8 web
/// tasks, 2 per instance; min 50 %, max 100 %: at most 8 in all, at least ⌈8 × 0.5⌉ = 4 healthy. i-3
/// drains at 10 m, on a metric period's boundary: its 2 tasks stop at once (8 − 2 = 6 ≥ 4) and their
/// 2 replacements go to a's other instance, i-1 (the default spread: a holds 2, b 4), 4 and 4 again.
/// No rebalancing: 8 + 2 = 10 tasks in all. Before the fix the metric period's check read a's 2 (the
/// marked tasks not counted) against b's 4 and moved a task out of b: 11 tasks and a rebalancing.
#[test]
fn a_draining_instance_is_not_an_az_imbalance() {
    let toml = r#"name = "drain-no-rebalance"
duration = "30m"
seed = 1
[cluster]
availability_zones = ["a", "b"]
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
min_size = 4
max_size = 4
desired_size = 4
[[task_definitions]]
family = "web"
cpu = 512
memory = 1024
[[services]]
name = "web"
task_definition = "web"
desired_count = 8
capacity_provider_strategy = [{ capacity_provider = "cp", weight = 1 }]
deployment_configuration = { minimum_healthy_percent = 50, maximum_percent = 100 }
[[faults]]
type = "drain_instance"
capacity_provider = "cp"
at = "10m"
"#;
    let (_, sink) = run(toml);
    assert!(coded(&sink, "rebalancing").is_empty(), "no rebalancing");
    assert_eq!(sink.tasks.len(), 10, "8 + the 2 replacements");
    let running = alive(&sink, "web");
    assert_eq!(
        count_by(&running, |t| t.availability_zone.as_str()),
        vec![("a".into(), 4), ("b".into(), 4)]
    );
}

/// A scale-in while an instance drains keeps the zones balanced over the tasks that stay (§1.3:
/// scale-in stops tasks "in the AZ with the most tasks of this service"; §6.5). Four m5.large, i-1 and
/// i-3 in a, i-2 and i-4 in b; 8 web tasks, 2 per instance; min 100 %, max 100 %, so i-3's 2 tasks,
/// drained at 10 m, cannot be replaced (ECS's deployment-configuration event). At 10 m 10 s desired
/// goes to 4: min ⌈4 × 1.0⌉ = 4 healthy. i-3's 2 tasks are stopping anyway, so a keeps 2 (on i-1) and
/// b 4: both victims come from b, one from each instance (2 each), and i-3's 2 stop as the surplus:
/// 2 in a, 2 in b, no rebalancing, 8 tasks in all. Before the fix the victims were chosen as if i-3's
/// tasks stayed (a 4, b 4: one from each zone), then i-3's stopped too: 1 in a, 3 in b, and a
/// rebalancing a minute later.
#[test]
fn a_scale_in_during_a_drain_keeps_the_zones_balanced() {
    let toml = r#"name = "drain-scale-in"
duration = "30m"
seed = 1
[cluster]
availability_zones = ["a", "b"]
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
min_size = 4
max_size = 4
desired_size = 4
[[task_definitions]]
family = "web"
cpu = 512
memory = 1024
[[services]]
name = "web"
task_definition = "web"
desired_count = 8
capacity_provider_strategy = [{ capacity_provider = "cp", weight = 1 }]
deployment_configuration = { minimum_healthy_percent = 100, maximum_percent = 100 }
[[faults]]
type = "drain_instance"
capacity_provider = "cp"
at = "10m"
[[service_updates]]
at = "10m10s"
service = "web"
desired_count = 4
"#;
    let (_, sink) = run(toml);
    assert_eq!(
        coded(&sink, "deployment_stuck").len(),
        1,
        "min = max = 100 %"
    );
    assert!(coded(&sink, "rebalancing").is_empty(), "no rebalancing");
    assert_eq!(sink.tasks.len(), 8, "nothing started");
    let running = alive(&sink, "web");
    assert_eq!(
        count_by(&running, |t| t.availability_zone.as_str()),
        vec![("a".into(), 2), ("b".into(), 2)]
    );
    assert_eq!(
        count_by(&running, |t| t.instance.as_str()),
        vec![
            ("i-00000001".into(), 2),
            ("i-00000002".into(), 1),
            ("i-00000004".into(), 1)
        ]
    );
}

/// AZ rebalancing moves no more tasks into a zone than it has room for, and marks them once (DG
/// `service-rebalancing`: start tasks in the emptiest zone, stop them in the fullest; §2.1). Group ga:
/// 3 m5.large in a; group gb: 1 m5.large in b, down from 0 s to 10 m, so gb launches it at 10 m and it
/// registers at 11 m. A daemon of 512 units on each instance; web, 6 tasks of 768 units, launch type
/// EC2: each a instance holds (2048 − 512) / 768 = 2, 6 in a, full. b's instance has room for
/// (2048 − 512) / 768 = 2: 6/0 would be 3/3 after 3 moves, but only 2 fit, so 2 move: 4/2, 8 web tasks
/// in all. Before: 3 were marked, and a second look in the same instant (the metric period's) read the
/// 2 marked as gone (4/0) and marked 2 more; the moves b could not take started again in a: 10.
#[test]
fn az_rebalancing_moves_no_more_than_the_zone_can_take() {
    let toml = r#"name = "az-rebalance-room"
duration = "1h"
seed = 1
[cluster]
availability_zones = ["a", "b"]
[[capacity_providers]]
name = "ga"
instance_type = "m5.large"
availability_zones = ["a"]
max_size = 3
desired_size = 3
[[capacity_providers]]
name = "gb"
instance_type = "m5.large"
availability_zones = ["b"]
max_size = 1
desired_size = 1
launch_latency = "60s"
[[task_definitions]]
family = "agent"
cpu = 512
memory = 256
[[task_definitions]]
family = "web"
cpu = 768
memory = 1024
[[services]]
name = "agent"
task_definition = "agent"
scheduling_strategy = "DAEMON"
[[services]]
name = "web"
task_definition = "web"
desired_count = 6
launch_type = "EC2"
[[faults]]
type = "az_outage"
zone = "b"
at = "0s"
duration = "10m"
"#;
    let (_, sink) = run(toml);
    let started = coded(&sink, "rebalancing");
    assert_eq!(started.len(), 1, "one rebalancing");
    assert!(
        started[0].message.contains("(2 tasks to move)"),
        "{}",
        started[0].message
    );
    let web = sink.tasks.iter().filter(|t| t.service == "web").count();
    assert_eq!(web, 8, "6 + 2 moves");
    let running = alive(&sink, "web");
    assert_eq!(
        count_by(&running, |t| t.availability_zone.as_str()),
        vec![("a".into(), 4), ("b".into(), 2)]
    );
}

/// An instance that registers to replace one its group moves out of a zone (EC2 Auto Scaling zone
/// rebalancing, which launches before it terminates) first lets the group drain the one it replaces;
/// services look for an imbalance after that (§2.1, §6.5). 3 m5.large, zone b down from 0 s to 10 m:
/// all 3 in a; 6 web tasks of 1024 units, 2 per instance, 6 in a. At 10 m the group launches in b
/// (60 s) and at 11 m drains i-3: its 2 tasks are replaced by the default spread in b (a 4, b 0), 4/2,
/// no AZ rebalancing, 8 tasks in all. Before: the service, still steady at the registration, moved
/// 2 tasks into b first, and i-3's replacements found no room (a placement failure), 9 tasks.
#[test]
fn a_group_s_zone_move_drains_before_services_rebalance() {
    let toml = r#"name = "az-rebalance-group-move"
duration = "1h"
seed = 1
[cluster]
availability_zones = ["a", "b"]
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
min_size = 3
max_size = 3
desired_size = 3
launch_latency = "60s"
[[task_definitions]]
family = "web"
cpu = 1024
memory = 1024
[[services]]
name = "web"
task_definition = "web"
desired_count = 6
launch_type = "EC2"
[[faults]]
type = "az_outage"
zone = "b"
at = "0s"
duration = "10m"
"#;
    let (_, sink) = run(toml);
    assert!(coded(&sink, "rebalancing").is_empty(), "no rebalancing");
    assert_eq!(sink.tasks.len(), 8, "6 + i-3's 2 replacements");
    let running = alive(&sink, "web");
    assert_eq!(
        count_by(&running, |t| t.availability_zone.as_str()),
        vec![("a".into(), 4), ("b".into(), 2)]
    );
}
