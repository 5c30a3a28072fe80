//! FARGATE and FARGATE_SPOT together (reference §3.1, §3.3): what a Spot capacity shortage leaves
//! running on each provider, worked by hand.

mod common;
use common::*;

/// [FARGATE base 2 weight 1, FARGATE_SPOT weight 3] for a service of `desired` 1 vCPU / 2 GB tasks,
/// followed by `rest` (faults, updates).
fn split_service(desired: u32, rest: &str) -> String {
    format!(
        r#"name = "split"
duration = "1h"
seed = 5
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[task_definitions]]
family = "w"
requires_compatibilities = ["FARGATE"]
cpu = 1024
memory = 2048
[[services]]
name = "w"
task_definition = "w"
desired_count = {desired}
capacity_provider_strategy = [
  {{ capacity_provider = "FARGATE", base = 2, weight = 1 }},
  {{ capacity_provider = "FARGATE_SPOT", weight = 3 }},
]
{rest}"#
    )
}

/// §3.1: "There is no fallback. If FARGATE_SPOT has no capacity, the Spot share just stays unplaced"
/// (containers-roadmap #852, #773) — the Spot share, not FARGATE's. Desired 10 runs 4 FARGATE / 6 Spot
/// (base 2, the other 8 split 1:3). Spot capacity goes at 30 min and the service scales to 20 at 40 min:
/// the split of 20 is base 2 + 18 split 1:3 → 6 FARGATE / 14 Spot, so FARGATE starts its 2 more and the
/// 8 Spot tasks stay unplaced: 6 + 6 running, 8 × 20 min = 9,600 unplaced task-seconds. Before the fix
/// the first Spot launch that failed ended the batch and the next one chose Spot again (it is the
/// provider furthest below its share), so FARGATE stayed at 4 and 10 were unplaced.
#[test]
fn a_spot_shortage_leaves_only_the_spot_share_unplaced() {
    let toml = split_service(
        10,
        r#"[[faults]]
type = "spot_capacity_shortage"
at = "30m"
duration = "2h"
[[service_updates]]
at = "40m"
service = "w"
desired_count = 20
"#,
    );
    let (s, sink) = run(&toml);
    let tasks = alive(&sink, "w");
    assert_eq!(
        count_by(&tasks, |t| &t.capacity_provider),
        vec![("FARGATE".into(), 6), ("FARGATE_SPOT".into(), 6)]
    );
    assert_eq!(s.tasks_unplaced_at_end, 8);
    assert_eq!(s.unplaced_task_seconds, 9_600.0);
}

/// A shortage "at 0s" holds when the service first launches: desired 10, no Spot capacity for the whole
/// hour → FARGATE runs its share of 10, 4 (base 2 + 2 of the other 8 split 1:3), and the 6 Spot tasks
/// stay unplaced: 6 × 3,600 = 21,600 unplaced task-seconds, and FARGATE_SPOT costs nothing. Before the
/// fix the fault's start at 0 s came after the service's first launches at 0 s, so all 10 ran (6 on
/// Spot) in a run meant to have no Spot capacity.
#[test]
fn a_spot_shortage_from_0s_holds_at_the_first_launch() {
    let toml = split_service(
        10,
        r#"[[faults]]
type = "spot_capacity_shortage"
at = "0s"
duration = "2h"
"#,
    );
    let (s, sink) = run(&toml);
    let tasks = alive(&sink, "w");
    assert_eq!(
        count_by(&tasks, |t| &t.capacity_provider),
        vec![("FARGATE".into(), 4)]
    );
    assert_eq!(s.tasks_unplaced_at_end, 6);
    assert_eq!(s.unplaced_task_seconds, 21_600.0);
    assert_eq!(s.cost_fargate_spot_usd, 0.0);
    // The service event is Fargate's "Capacity is unavailable" (§2.6), not the EC2 text about container
    // instances ("Reason: No Container Instances were found in your cluster.") that it was.
    let unplaced: Vec<_> = sink
        .events
        .iter()
        .filter(|e| e.code == "unable_to_place")
        .collect();
    assert_eq!(
        unplaced.len(),
        1,
        "once: identical events are suppressed for 6 h"
    );
    assert_eq!(
        unplaced[0].message,
        "(service w) was unable to place a task. Reason: Capacity is unavailable at this time. \
         Please try again later or in a different availability zone."
    );
}

/// The same for a zone down "at 0s": 2 zones, an m5.large group of desired 2 and a Fargate service of 4,
/// zone a down for the first 30 minutes. The group registers both instances in b (its zones that are
/// up) and Fargate puts all 4 tasks in b: nothing in a before 30 min. Before the fix the instance and
/// the 2 tasks placed in a at 0 s were lost at once and replaced (4 tasks launched at 0 s that never
/// ran, and an instance replacement in a run whose zone was down from the start).
#[test]
fn a_zone_down_from_0s_gets_nothing_until_it_returns() {
    let toml = r#"name = "az0"
duration = "1h"
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
min_size = 2
max_size = 4
desired_size = 2
[[task_definitions]]
family = "w"
cpu = 512
memory = 1024
[[task_definitions]]
family = "f"
requires_compatibilities = ["FARGATE"]
cpu = 512
memory = 1024
[[services]]
name = "w"
task_definition = "w"
desired_count = 4
capacity_provider_strategy = [{ capacity_provider = "cp", weight = 1 }]
[[services]]
name = "f"
task_definition = "f"
desired_count = 4
launch_type = "FARGATE"
[[faults]]
type = "az_outage"
zone = "us-east-1a"
at = "0s"
duration = "30m"
"#;
    let (s, sink) = run(toml);
    let before_return: Vec<_> = sink
        .tasks
        .iter()
        .filter(|t| t.created_ms < 1_800_000)
        .collect();
    assert_eq!(before_return.len(), 8);
    assert!(
        before_return
            .iter()
            .all(|t| t.availability_zone == "us-east-1b" && t.started_ms.is_some()),
        "every task before 30 min runs in b"
    );
    assert_eq!(s.tasks_failed_to_start, 0);
}

/// A RunTask call of `count` tasks with the given strategy at 1 min, no Spot capacity all along.
fn run_task_in_shortage(count: u32, strategy: &str) -> String {
    format!(
        r#"name = "rt"
duration = "10m"
[cluster]
availability_zones = ["a"]
[[task_definitions]]
family = "f"
requires_compatibilities = ["FARGATE"]
cpu = 256
memory = 512
[[run_tasks]]
at = "60s"
task_definition = "f"
count = {count}
capacity_provider_strategy = {strategy}
[[faults]]
type = "spot_capacity_shortage"
at = "0s"
duration = "1h"
"#
    )
}

/// RunTask of 3 on FARGATE_SPOT with no Spot capacity: each task's failure says Fargate had no capacity,
/// RunTask's own reason "Capacity is unavailable at this time. Please try again later or in a different
/// availability zone" (re:Post knowledge center `ecs-fargate-runtask-capacity`, §2.6). It said
/// `RESOURCE:MEMORY`, an EC2 container instance's reason.
#[test]
fn run_task_without_fargate_capacity_says_so() {
    let toml = run_task_in_shortage(3, r#"[{ capacity_provider = "FARGATE_SPOT", weight = 1 }]"#);
    let (s, sink) = run(&toml);
    assert_eq!(s.tasks_launched, 0);
    let call = sink.events.iter().find(|e| e.code == "run_task").unwrap();
    let reason = "{reason: Capacity is unavailable at this time. Please try again later or in a \
                  different availability zone}";
    assert_eq!(
        call.message,
        format!(
            "RunTask f (group family:f): 0 of 3 tasks started; failures: [{reason}, {reason}, {reason}]."
        )
    );
}

/// RunTask of 4 with [FARGATE base 1 weight 1, FARGATE_SPOT weight 1] and no Spot capacity. The split of
/// 4 (§3.1; ties to the first listed): base → FARGATE; 0/1 vs 0/1 tie → FARGATE; 1/1 vs 0/1 → Spot;
/// 1/1 vs 1/1 tie → FARGATE: 3 FARGATE, 1 Spot. So 3 start on FARGATE and the Spot one fails. Before the
/// fix a failed task did not take its place in the split, so the next one chose Spot again: 2 started,
/// 2 failed.
#[test]
fn run_task_without_spot_capacity_still_starts_the_fargate_share() {
    let toml = run_task_in_shortage(
        4,
        r#"[{ capacity_provider = "FARGATE", base = 1, weight = 1 }, { capacity_provider = "FARGATE_SPOT", weight = 1 }]"#,
    );
    let (s, sink) = run(&toml);
    assert_eq!(s.tasks_launched, 3);
    assert!(sink.tasks.iter().all(|t| t.capacity_provider == "FARGATE"));
    let call = sink.events.iter().find(|e| e.code == "run_task").unwrap();
    assert!(
        call.message
            .starts_with("RunTask f (group family:f): 3 of 4 tasks started"),
        "{}",
        call.message
    );
    assert_eq!(call.message.matches("Capacity is unavailable").count(), 1);
}
