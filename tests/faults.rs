//! Deployments, health checks and faults end to end (reference §2.2–§2.5, §3.3, §6.4, §6.5), by hand.

mod common;
use common::*;
use ecsim::metrics::{MemorySink, TaskRecord};

fn events<'a>(sink: &'a MemorySink, kind: &str) -> Vec<&'a ecsim::metrics::LoggedEvent> {
    sink.events.iter().filter(|e| e.kind == kind).collect()
}

/// Tasks RUNNING (started, not yet stopping) at `t_ms`.
fn running_at(tasks: &[TaskRecord], service: &str, t_ms: u64) -> usize {
    tasks
        .iter()
        .filter(|t| t.service == service)
        .filter(|t| {
            t.started_ms.is_some_and(|s| s <= t_ms) && t.stopping_ms.is_none_or(|s| s > t_ms)
        })
        .count()
}

/// A service of 4 tasks on two m5.xlarge per zone; EC2 timings: 5 s start, no pull.
fn deploy_scenario(config: &str, extra: &str) -> String {
    format!(
        r#"name = "deploy"
duration = "2h"
seed = 7
[cluster]
availability_zones = ["a", "b"]
[timings.ec2]
pull = "0s"
start = "5s"
stop = "1s"
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
family = "v2-bad"
cpu = 256
memory = 512
health_check = {{ interval = "10s", retries = 2, passes = false }}
[[task_definitions]]
family = "v3"
cpu = 256
memory = 512
health_check = {{ interval = "10s", retries = 2 }}
[[services]]
name = "web"
task_definition = "v1"
desired_count = 4
launch_type = "EC2"
deployment_configuration = {config}
{extra}
"#
    )
}

/// A bad revision trips the circuit breaker and rolls back; a good one completes. Threshold =
/// clamp(⌈0.5 × 4⌉, 3, 200) = 3: the third v2 task to fail its health checks (2 failures 10 s apart)
/// fails the rollout; the rollback deployment returns to v1. The old v1 tasks never drop below the
/// minimum of ⌈4 × 100 %⌉ = 4 healthy while v2 tasks come and go.
#[test]
fn bad_revision_trips_the_breaker_and_rolls_back_then_a_good_one_completes() {
    let toml = deploy_scenario(
        r#"{ minimum_healthy_percent = 100, maximum_percent = 200, deployment_circuit_breaker = { enable = true, rollback = true } }"#,
        "[[deployments]]\nat = \"10m\"\nservice = \"web\"\ntask_definition = \"v2-bad\"\n[[deployments]]\nat = \"60m\"\nservice = \"web\"\ntask_definition = \"v3\"\n",
    );
    let (_, sink) = run(&toml);
    let d: Vec<&str> = events(&sink, "deployment")
        .iter()
        .map(|e| e.message.as_str())
        .collect();
    assert!(
        d.iter()
            .any(|m| m.contains("to task definition v2-bad: rolloutState IN_PROGRESS")),
        "{d:#?}"
    );
    assert!(
        d.iter()
            .any(|m| m.contains("rolloutState FAILED") && m.contains("(threshold 3)")),
        "{d:#?}"
    );
    assert!(
        d.iter()
            .any(|m| m.contains("rolling back to deployment ecs-svc/0. rolloutState IN_PROGRESS (task definition v1, rollback")),
        "{d:#?}"
    );
    assert!(
        d.iter()
            .any(|m| m.contains("rolloutState COMPLETED (task definition v1)")),
        "{d:#?}"
    );
    assert!(
        d.iter()
            .any(|m| m.contains("rolloutState COMPLETED (task definition v3)")),
        "{d:#?}"
    );
    // At the end: 4 v3 tasks.
    let alive: Vec<_> = alive(&sink, "web");
    assert_eq!(alive.len(), 4);
    assert!(alive.iter().all(|t| t.task_definition == "v3"));
    // Never below 4 running during the bad rollout (min healthy 100 %).
    for m in 11..60 {
        assert!(
            running_at(&sink.tasks, "web", m * 60_000) >= 4,
            "minute {m}"
        );
    }
}

/// min = max = 100 %: a deployment can neither start a new task (⌊4 × 100 %⌋ = 4 already) nor stop an old
/// one (⌈4 × 100 %⌉ = 4 must stay healthy): the deadlock message (§2.3), and nothing changes.
#[test]
fn min_and_max_100_deadlock() {
    let toml = deploy_scenario(
        r#"{ minimum_healthy_percent = 100, maximum_percent = 100 }"#,
        "[[deployments]]\nat = \"10m\"\nservice = \"web\"\ntask_definition = \"v3\"\n",
    );
    let (_, sink) = run(&toml);
    assert!(events(&sink, "deployment").iter().any(|e| e.message.contains("was unable to stop or start tasks during a deployment because of the service deployment configuration")));
    assert!(
        alive(&sink, "web")
            .iter()
            .all(|t| t.task_definition == "v1")
    );
}

/// desired 4, min 50 % → ⌈2⌉ = 2 may stop first: with max 100 % the deployment stops 2 old tasks before any
/// new one starts, and completes.
#[test]
fn min_50_stops_two_first() {
    let toml = deploy_scenario(
        r#"{ minimum_healthy_percent = 50, maximum_percent = 100 }"#,
        "[[deployments]]\nat = \"10m\"\nservice = \"web\"\ntask_definition = \"v3\"\n",
    );
    let (_, sink) = run(&toml);
    let stopped_at_10: Vec<_> = sink
        .tasks
        .iter()
        .filter(|t| t.task_definition == "v1" && t.stopping_ms == Some(600_000))
        .collect();
    assert_eq!(stopped_at_10.len(), 2, "two old tasks stop at once");
    assert!(
        alive(&sink, "web")
            .iter()
            .all(|t| t.task_definition == "v3")
    );
    // Waiting for the 2 new tasks to turn healthy is not the min = max deadlock (§2.3).
    assert!(coded(&sink, "deployment_stuck").is_empty());
}

/// AWS's own examples (DG `deployment-type-ecs`, §2.3): desired 3, minimum 50 % → ⌈1.5⌉ = 2 must stay
/// healthy, maximum 125 % → ⌊3.75⌋ = 3 in all, so no new task can start first and one old task at a
/// time may stop. The rollout goes one by one: stop 1 v1 and start 1 v3 at 10 min, then each time a v3
/// task is healthy (its health check passes) the next v1 stops, and it completes with 3 v3 tasks. It is
/// never "unable to stop or start tasks … because of the service deployment configuration": that event
/// is for min = max = 100 %, not for a rollout waiting for its new tasks to turn healthy.
#[test]
fn min_50_max_125_of_3_replaces_one_at_a_time_without_a_deadlock_event() {
    let toml = deploy_scenario(
        r#"{ minimum_healthy_percent = 50, maximum_percent = 125 }"#,
        "[[deployments]]\nat = \"10m\"\nservice = \"web\"\ntask_definition = \"v3\"\n",
    )
    .replace("desired_count = 4", "desired_count = 3");
    let (_, sink) = run(&toml);
    assert!(
        coded(&sink, "deployment_stuck").is_empty(),
        "{:#?}",
        coded(&sink, "deployment_stuck")
    );
    let mut v1_stops: Vec<u64> = sink
        .tasks
        .iter()
        .filter(|t| t.task_definition == "v1")
        .filter_map(|t| t.stopping_ms)
        .collect();
    v1_stops.sort();
    assert_eq!(v1_stops.len(), 3);
    assert_eq!(v1_stops[0], 600_000, "one v1 task stops at the update");
    assert!(
        v1_stops[0] < v1_stops[1] && v1_stops[1] < v1_stops[2],
        "{v1_stops:?}"
    );
    for m in 10..30 {
        assert!(
            running_at(&sink.tasks, "web", m * 60_000) >= 2,
            "minute {m}"
        );
    }
    let alive = alive(&sink, "web");
    assert_eq!(alive.len(), 3);
    assert!(alive.iter().all(|t| t.task_definition == "v3"));
}

/// EC2 Spot: the notice comes exactly 120 s before termination. Without draining (the agent's default)
/// the service's tasks on the instance run until termination and then die (running drops); with draining
/// they are replaced first (running never drops below desired).
#[test]
fn spot_notice_and_draining() {
    let make = |draining: bool| {
        format!(
            r#"name = "spot"
duration = "1h"
seed = 2
[cluster]
availability_zones = ["a"]
[timings.ec2]
pull = "0s"
start = "5s"
[[capacity_providers]]
name = "spot"
instance_type = "m5.large"
spot = true
max_size = 2
desired_size = 1
launch_latency = "60s"
[[capacity_providers]]
name = "od"
instance_type = "m5.large"
max_size = 1
desired_size = 1
[[task_definitions]]
family = "t"
cpu = 512
memory = 512
[[services]]
name = "web"
task_definition = "t"
desired_count = 4
launch_type = "EC2"
placement_strategy = [{{ type = "spread", field = "instanceId" }}]
[[faults]]
type = "spot_interruption"
capacity_provider = "spot"
times = ["10m"]
draining = {draining}
"#
        )
    };
    for draining in [false, true] {
        let (_, sink) = run(&make(draining));
        let f = events(&sink, "fault");
        let notice = f
            .iter()
            .find(|e| e.message.starts_with("Spot interruption notice"))
            .unwrap();
        let reclaim = f.iter().find(|e| e.message.contains("reclaimed")).unwrap();
        assert_eq!(notice.time_ms, 600_000);
        assert_eq!(
            reclaim.time_ms,
            notice.time_ms + 120_000,
            "the notice is 2 minutes ahead"
        );
        let min_running = (600..900)
            .map(|s| running_at(&sink.tasks, "web", s * 1000))
            .min()
            .unwrap();
        if draining {
            assert_eq!(min_running, 4, "replaced before termination");
            assert!(!sink.tasks.iter().any(|t| t.stop_code == "SpotInterruption"));
        } else {
            assert!(min_running < 4, "tasks die at termination");
            assert_eq!(
                sink.tasks
                    .iter()
                    .filter(|t| t.stop_code == "SpotInterruption" && t.stopped_ms == Some(720_000))
                    .count(),
                2
            );
        }
    }
}

/// Draining (§6.5) leaves standalone tasks running and the instance DRAINING until they exit; service
/// tasks are replaced elsewhere.
#[test]
fn draining_leaves_standalone_tasks() {
    let toml = r#"name = "drain"
duration = "1h"
seed = 1
[cluster]
availability_zones = ["a"]
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 1
desired_size = 1
[[capacity_providers]]
name = "spare"
instance_type = "m5.large"
max_size = 1
desired_size = 1
[[task_definitions]]
family = "t"
cpu = 256
memory = 256
[[services]]
name = "web"
task_definition = "t"
desired_count = 2
capacity_provider_strategy = [{ capacity_provider = "cp", weight = 1 }]
[[run_tasks]]
at = "1m"
task_definition = "t"
capacity_provider_strategy = [{ capacity_provider = "cp", weight = 1 }]
run_duration = "40m"
[[faults]]
type = "drain_instance"
capacity_provider = "cp"
at = "10m"
"#;
    let (s, sink) = run(toml);
    let standalone = sink.tasks.iter().find(|t| t.service.is_empty()).unwrap();
    assert_eq!(
        standalone.stopping_ms,
        Some(standalone.started_ms.unwrap() + 40 * 60_000),
        "ran its full 40 minutes"
    );
    assert_eq!(standalone.stop_code, "EssentialContainerExited");
    // The service tasks on the drained instance were replaced — but only cp may host them, and cp has
    // one instance: they wait; the old ones stay until replacements are healthy (min 100 %).
    assert!(
        sink.events
            .iter()
            .any(|e| e.message.contains("set to DRAINING"))
    );
    assert_eq!(
        s.instances_terminated, 0,
        "an operator's drain does not terminate"
    );
}

/// EC2 reclaims a Spot instance whatever ECS is doing with it (DG `container-instance-spot`, §6.4: the
/// 2-minute notice, then stop or terminate): one already DRAINING is reclaimed too. One Spot m5.large
/// holds a 2-hour standalone task; an operator drains it at 1 min (the task keeps running, §6.5); the
/// group's interruption (rate 1 an hour, seed 1) gives its notice at 227.8 s, so EC2 takes it at
/// 347.8 s: the task dies then (`SpotInterruption`) and the group launches a replacement (an operator's
/// drain leaves it in the group's count). ecsim ignored a notice for a draining instance: the task ran
/// its 2 hours and the instance was never reclaimed.
#[test]
fn a_draining_spot_instance_is_reclaimed_too() {
    let toml = r#"name = "spot-drain"
duration = "3h"
seed = 1
[cluster]
availability_zones = ["a"]
[timings.ec2]
pull = "0s"
start = "0s"
stop = "0s"
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
spot = true
min_size = 1
max_size = 1
desired_size = 1
launch_latency = "90s"
[[task_definitions]]
family = "job"
cpu = 512
memory = 512
[[run_tasks]]
at = "0s"
task_definition = "job"
launch_type = "EC2"
run_duration = "2h"
[[faults]]
type = "drain_instance"
capacity_provider = "cp"
at = "1m"
[[faults]]
type = "spot_interruption"
capacity_provider = "cp"
rate_per_hour = 1
"#;
    let (_, sink) = run(toml);
    let notice = coded(&sink, "spot_interruption_notice");
    assert!(
        (notice[0].time_ms as i64 - 227_840).abs() < 100,
        "{}",
        notice[0].time_ms
    );
    let job = &sink.tasks[0];
    assert_eq!(job.stop_code, "SpotInterruption");
    assert_eq!(job.stopped_ms, Some(notice[0].time_ms + 120_000));
    assert!(
        sink.events
            .iter()
            .any(|e| e.message.contains("replacing Spot instance i-00000001"))
    );
}

/// A daemon task is "the first task to launch on the instances and the last task to stop" (DG
/// `ecs_services`, Daemon; §2.1, §6.5). Two m5.xlarge, a DAEMON agent and 4 web tasks (2 per instance,
/// spread); the second instance drains at 5 min. With min 100 % / max 200 % its 2 web tasks are
/// replaced start-first: replacements start at 300 s, RUNNING at 305 s (5 s start), healthy 40 s later
/// at 345 s, when the old ones stop (STOPPED at 346 s, 1 s stop). Only then does the agent there stop
/// (at 346 s); before the fix it stopped at 300 s, while the web tasks still ran on the instance. The
/// agent on the other instance keeps running.
#[test]
fn a_daemon_task_stops_last_on_a_draining_instance() {
    let toml = r#"name = "daemon-drain"
duration = "20m"
seed = 3
[cluster]
availability_zones = ["a"]
[timings.ec2]
pull = "0s"
start = "5s"
stop = "1s"
[[capacity_providers]]
name = "cp"
instance_type = "m5.xlarge"
max_size = 2
desired_size = 2
[[task_definitions]]
family = "agent"
cpu = 256
memory = 256
[[task_definitions]]
family = "web"
cpu = 512
memory = 1024
[[services]]
name = "agent"
task_definition = "agent"
scheduling_strategy = "DAEMON"
launch_type = "EC2"
[[services]]
name = "web"
task_definition = "web"
desired_count = 4
launch_type = "EC2"
[[faults]]
type = "drain_instance"
capacity_provider = "cp"
at = "5m"
"#;
    let (_, sink) = run(toml);
    let drained = sink
        .events
        .iter()
        .find(|e| e.message.contains("set to DRAINING"))
        .and_then(|e| e.message.split_whitespace().nth(2))
        .unwrap()
        .to_string();
    let web_there: Vec<_> = sink
        .tasks
        .iter()
        .filter(|t| t.service == "web" && t.instance == drained)
        .collect();
    assert_eq!(web_there.len(), 2);
    assert!(web_there.iter().all(|t| t.stopped_ms == Some(346_000)));
    let agents: Vec<_> = sink.tasks.iter().filter(|t| t.service == "agent").collect();
    assert_eq!(agents.len(), 2);
    let (gone, kept): (Vec<&TaskRecord>, Vec<&TaskRecord>) =
        agents.iter().partition(|t| t.instance == drained);
    assert_eq!(
        gone[0].stopping_ms,
        Some(346_000),
        "after the last web task"
    );
    assert_eq!(gone[0].stop_code, "ServiceSchedulerInitiated");
    assert!(kept[0].stopping_ms.is_none());
}

/// AZ outage: 6 tasks spread over 3 zones (2 instances each); zone b is lost for 30 minutes. The 2 tasks
/// there stop at once and are replaced in a and c within seconds; no task starts in b during the outage;
/// the Auto Scaling group replaces the lost instances in the zones that are up.
#[test]
fn az_outage() {
    let toml = r#"name = "az"
duration = "1h"
seed = 3
[cluster]
availability_zones = ["a", "b", "c"]
[timings.ec2]
pull = "0s"
start = "5s"
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 8
desired_size = 6
launch_latency = "90s"
[[task_definitions]]
family = "t"
cpu = 256
memory = 256
[[services]]
name = "web"
task_definition = "t"
desired_count = 6
launch_type = "EC2"
availability_zone_rebalancing = "ENABLED"
[[faults]]
type = "az_outage"
zone = "b"
at = "10m"
duration = "30m"
"#;
    let (_, sink) = run(toml);
    assert!(
        sink.tasks
            .iter()
            .filter(|t| t.availability_zone == "b")
            .any(|t| t.stopped_ms == Some(600_000))
    );
    assert!(
        !sink
            .tasks
            .iter()
            .any(|t| t.availability_zone == "b" && (600_000..2_400_000).contains(&t.created_ms)),
        "nothing starts in the lost zone"
    );
    assert_eq!(
        running_at(&sink.tasks, "web", 600_000 + 30_000),
        6,
        "back to 6 within 30 s"
    );
    // After the zone returns, rebalancing moves tasks back into b.
    assert!(
        sink.tasks
            .iter()
            .any(|t| t.availability_zone == "b" && t.created_ms >= 2_400_000)
    );
}

/// AZ rebalancing (§2.1, DG `service-rebalancing`) moves exactly the imbalance, into a zone that can take
/// it, and only from a steady state. The outage of `az_outage.toml`'s shape: 9 tasks of 512 CPU units on
/// six m5.large (2 per zone), zone b lost from 1 h to 1 h 45 m, its 3 tasks replaced in a and c (4/0/5 or
/// 5/0/4 after the outage: tasks per zone differ by 5). When b returns, the group launches instances there
/// (replacing two in a and c, `launch_latency` later), and until one registers b can take nothing:
/// rebalancing then would start replacements that land back in a or c, and stop the tasks they replaced
/// (it once did: 11 tasks started by rebalancing for an imbalance of 3). Balanced is 3/3/3, so
/// ⌊(5 − 0) / 2⌋ + ⌊(4 − 0) / 2⌋ … the pass moves one task at a time from the fullest zone to the
/// emptiest until max − min ≤ 1: from 5/0/4 → 4/1/4 → 3/2/4 → 3/3/3, three tasks, all started in b.
#[test]
fn az_rebalancing_moves_the_imbalance_once_into_a_zone_that_can_take_it() {
    let toml = r#"name = "az-rebalance"
duration = "3h"
seed = 42
[cluster]
availability_zones = ["a", "b", "c"]
[[capacity_providers]]
name = "web"
instance_type = "m5.large"
max_size = 9
desired_size = 6
[[task_definitions]]
family = "web"
cpu = 512
memory = 1024
[[services]]
name = "web"
task_definition = "web"
desired_count = 9
launch_type = "EC2"
availability_zone_rebalancing = "ENABLED"
[[faults]]
type = "az_outage"
zone = "b"
at = "1h"
duration = "45m"
"#;
    let (_, sink) = run(toml);
    let back_ms = 6_300_000;
    let rebalancing: Vec<_> = coded(&sink, "rebalancing");
    assert!(!rebalancing.is_empty(), "b is refilled by rebalancing");
    // The first instance registered in b after it returns.
    let registered_in_b = sink
        .events
        .iter()
        .filter(|e| e.code == "instance_registered" || e.message.contains("registered with"))
        .filter(|e| e.time_ms >= back_ms && e.message.contains(", b)"))
        .map(|e| e.time_ms)
        .min()
        .expect("an instance registers in b after the outage");
    assert!(
        rebalancing.iter().all(|e| e.time_ms >= registered_in_b),
        "no rebalancing before b can take a task: {rebalancing:?}"
    );
    let started_after: Vec<_> = sink
        .tasks
        .iter()
        .filter(|t| t.service == "web" && t.created_ms >= back_ms)
        .collect();
    assert_eq!(started_after.len(), 3, "the imbalance of 3, moved once");
    assert!(started_after.iter().all(|t| t.availability_zone == "b"));
    let running = alive(&sink, "web");
    assert_eq!(
        count_by(&running, |t| t.availability_zone.as_str()),
        vec![("a".into(), 3), ("b".into(), 3), ("c".into(), 3)]
    );
    // ECS's per-zone events of a rebalancing (DG `service-rebalancing-event-messages-list`: "service-name
    // has started number-tasks tasks in Availability Zone to AZ Rebalance: task-ids." and "… has stopped
    // number-tasks running tasks in Availability Zone due to AZ rebalancing: task-id."): the 3 started
    // in b, and the 3 stopped (2 from the zone of 5, 1 from the zone of 4) by zone; their tasks say why.
    let started: Vec<_> = coded(&sink, "rebalancing_tasks_started");
    assert_eq!(started.len(), 1, "{started:?}");
    assert!(
        started[0]
            .message
            .starts_with("(service web) has started 3 tasks in b to AZ Rebalance: (task "),
        "{}",
        started[0].message
    );
    assert!(
        coded(&sink, "tasks_started")
            .iter()
            .all(|e| e.time_ms < back_ms)
    );
    let stopped: Vec<_> = coded(&sink, "rebalancing_tasks_stopped");
    let counts: Vec<usize> = stopped
        .iter()
        .map(|e| e.message.matches("(task ").count())
        .collect();
    assert_eq!(counts.iter().sum::<usize>(), 3, "{stopped:?}");
    assert!(stopped.iter().all(
        |e| e.message.contains("running task") && e.message.contains("due to AZ rebalancing: ")
    ));
    let moved: Vec<_> = sink
        .tasks
        .iter()
        .filter(|t| {
            t.stopped_reason
                .contains("rebalance the service across Availability Zones")
        })
        .collect();
    assert_eq!(moved.len(), 3);
    assert!(moved.iter().all(|t| t.availability_zone != "b"));
}

/// AZ rebalancing is ENABLED by default for a new service compatible with it (§2.1: ECS's default for
/// `CreateService` since 30 June 2025) and off for a binpack service (incompatible: AWS's notice of the
/// change) or one that sets DISABLED. The outage of the test above: unset, the run is the explicit
/// ENABLED run's, event for event; its events carry ECS's wording (DG
/// `service-rebalancing-event-messages-list`): started with the counts before the move (5 and 4 in a
/// and c in some order, 0 in b: 3 to move), completed with 3/3/3 once the service is steady again.
#[test]
fn az_rebalancing_is_enabled_by_default_except_for_binpack() {
    let base = r#"name = "az-rebalance-default"
duration = "3h"
seed = 42
[cluster]
availability_zones = ["a", "b", "c"]
[[capacity_providers]]
name = "web"
instance_type = "m5.large"
max_size = 9
desired_size = 6
[[task_definitions]]
family = "web"
cpu = 512
memory = 1024
[[services]]
name = "web"
task_definition = "web"
desired_count = 9
launch_type = "EC2"
KEY
[[faults]]
type = "az_outage"
zone = "b"
at = "1h"
duration = "45m"
"#;
    let messages = |key: &str| -> Vec<(u64, String)> {
        let (_, sink) = run(&base.replace("KEY", key));
        sink.events
            .iter()
            .map(|e| (e.time_ms, e.message.clone()))
            .collect()
    };
    let unset = messages("");
    assert_eq!(
        unset,
        messages("availability_zone_rebalancing = \"ENABLED\"")
    );
    let started: Vec<_> = unset
        .iter()
        .filter(|e| e.1.contains("is not AZ balanced"))
        .collect();
    assert_eq!(started.len(), 1, "{started:?}");
    let m = &started[0].1;
    assert!(
        m.starts_with("(service web) is not AZ balanced with ")
            && m.contains(", 0 tasks in b, and ")
            && m.ends_with(". AZ Rebalancing in progress (3 tasks to move)."),
        "{m}"
    );
    let completed: Vec<_> = unset
        .iter()
        .filter(|e| e.1.contains("is AZ balanced"))
        .collect();
    assert_eq!(completed.len(), 1, "{completed:?}");
    assert_eq!(
        completed[0].1,
        "(service web) is AZ balanced with 3 tasks in a, 3 tasks in b, and 3 tasks in c."
    );
    assert!(completed[0].0 > started[0].0);
    for off in [
        "availability_zone_rebalancing = \"DISABLED\"",
        "placement_strategy = [{ type = \"binpack\", field = \"memory\" }]",
    ] {
        let (_, sink) = run(&base.replace("KEY", off));
        assert!(coded(&sink, "rebalancing").is_empty(), "{off}");
        let b = alive(&sink, "web")
            .iter()
            .filter(|t| t.availability_zone == "b")
            .count();
        assert_eq!(b, 0, "{off}: nothing moves back into b");
    }
}

/// A strategy that does not spread over zones first (here a rack attribute, the zones following from
/// where each rack's instances are) places rebalancing replacements where it likes, not in the emptiest
/// zone. Left unset, rebalancing is off for such a service (ecsim's reading of "compatible", §2.1).
/// Set ENABLED, it starts at most once from the same tasks per zone (the loop's cap): 12 tasks on two
/// racks of two m5.large whose instances sit in zones a and b; before the cap it moved 4 tasks every
/// minute for the whole run (60 starts in an hour), each replacement landing back in a.
#[test]
fn az_rebalancing_does_not_repeat_a_move_that_did_not_land() {
    let base = r#"name = "rack"
duration = "1h"
seed = 2
[cluster]
availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
[[capacity_providers]]
name = "r1"
instance_type = "m5.large"
max_size = 2
desired_size = 2
attributes = { rack = "r1" }
[[capacity_providers]]
name = "r2"
instance_type = "m5.large"
max_size = 2
desired_size = 2
attributes = { rack = "r2" }
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
[[services]]
name = "web"
task_definition = "web"
desired_count = 12
launch_type = "EC2"
placement_strategy = [{ type = "spread", field = "attribute:rack" }]
KEY
"#;
    let (_, sink) = run(&base.replace("KEY", ""));
    assert!(coded(&sink, "rebalancing").is_empty());
    let (_, sink) = run(&base.replace("KEY", "availability_zone_rebalancing = \"ENABLED\""));
    let starts: Vec<&str> = coded(&sink, "rebalancing")
        .iter()
        .map(|e| e.message.as_str())
        .collect();
    assert!(!starts.is_empty() && starts.len() <= 3, "{starts:?}");
    let mut distinct = starts.clone();
    distinct.dedup();
    assert_eq!(
        distinct, starts,
        "never twice in a row from the same counts"
    );
    assert_eq!(alive(&sink, "web").len(), 12);
}

/// A service still launching is not rebalanced (ECS watches a service from its steady state on, DG
/// `service-rebalancing`): 12 tasks on a managed-scaling group that starts empty, its instances
/// registering one zone at a time, so the placed tasks are uneven for minutes. Without the gate the
/// tasks placed first were replaced while the rest still waited for instances.
#[test]
fn az_rebalancing_waits_for_a_steady_state() {
    let toml = r#"name = "az-rebalance-launch"
duration = "1h"
seed = 5
[cluster]
availability_zones = ["a", "b", "c"]
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
min_size = 0
max_size = 12
desired_size = 0
managed_scaling = { target_capacity = 100 }
[[task_definitions]]
family = "web"
cpu = 1024
memory = 1024
[[services]]
name = "web"
task_definition = "web"
desired_count = 12
capacity_provider_strategy = [{ capacity_provider = "cp", weight = 1 }]
availability_zone_rebalancing = "ENABLED"
"#;
    let (_, sink) = run(toml);
    let steady = coded(&sink, "steady_state")
        .first()
        .map(|e| e.time_ms)
        .expect("the service reaches a steady state");
    let early: Vec<_> = coded(&sink, "rebalancing")
        .into_iter()
        .filter(|e| e.time_ms < steady)
        .collect();
    assert!(early.is_empty(), "rebalanced while launching: {early:?}");
    // Every task started is one of the 12 or a rebalancing move after the steady state.
    let before: usize = sink.tasks.iter().filter(|t| t.created_ms < steady).count();
    assert_eq!(
        before, 12,
        "no task replaced while the service was launching"
    );
}

/// A zone the service cannot use is not a zone to balance into: a memberOf constraint keeps the tasks in
/// zones a and b of three, so 2/2/0 is balanced for it. Counting c, rebalancing marked a task every
/// minute and its replacement, placeable only in a or b, replaced it where it was (60 rebalancing events
/// an hour in `member-of-distinct.toml` with rebalancing on).
#[test]
fn az_rebalancing_ignores_zones_the_service_cannot_use() {
    let toml = r#"name = "az-rebalance-member-of"
duration = "1h"
seed = 1
[cluster]
availability_zones = ["a", "b", "c"]
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 6
desired_size = 6
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
[[services]]
name = "web"
task_definition = "web"
desired_count = 4
launch_type = "EC2"
availability_zone_rebalancing = "ENABLED"
placement_constraints = [{ type = "memberOf", expression = "attribute:ecs.availability-zone in [a, b]" }]
"#;
    let (_, sink) = run(toml);
    assert!(coded(&sink, "steady_state").len() == 1, "steady once");
    assert!(coded(&sink, "rebalancing").is_empty());
    let running = alive(&sink, "web");
    assert_eq!(
        count_by(&running, |t| t.availability_zone.as_str()),
        vec![("a".into(), 2), ("b".into(), 2)]
    );
    assert_eq!(sink.tasks.len(), 4, "no task replaced");
}

/// A launch into a zone that goes down is lost at the outage, not when it would have completed: the
/// group launches its replacement at once in a zone that is up. Two m5.large, one per zone,
/// `launch_latency` 60 s. The instance in b fails at 5 m; its replacement launches into b (the emptier
/// zone) and would register at 6 m; b goes down at 5 m 30 s. The replacement's replacement launches in a
/// at 5 m 30 s and registers 60 s later, at 6 m 30 s (it used to wait for the lost launch's completion
/// at 6 m and register at 7 m). When b returns, the group's zone rebalancing launches before it
/// terminates.
#[test]
fn a_launch_is_lost_at_its_zones_outage_and_replaced_at_once() {
    let toml = two_zone_group(
        "launch-lost-at-outage",
        "15m",
        4,
        2,
        r#"
[[faults]]
type = "instance_failure"
capacity_provider = "cp"
times = ["5m"]
[[faults]]
type = "az_outage"
zone = "b"
at = "330s"
duration = "5m"
"#,
    );
    let (_, sink) = run(&toml);
    let launching: Vec<(u64, &str)> = coded(&sink, "instance_launching")
        .iter()
        .map(|e| (e.time_ms, e.message.as_str()))
        .collect();
    assert_eq!(launching[0].0, 300_000);
    assert!(
        launching[0].1.contains("launching an instance in b"),
        "{launching:?}"
    );
    assert_eq!(
        launching[1].0, 330_000,
        "replaced at the outage: {launching:?}"
    );
    assert!(
        launching[1]
            .1
            .contains("in a (replacing an instance lost while launching in b)"),
        "{launching:?}"
    );
    let registered: Vec<u64> = coded(&sink, "instance_registered")
        .iter()
        .map(|e| e.time_ms)
        .filter(|&t| t > 0)
        .collect();
    assert_eq!(registered[0], 390_000, "{registered:?}");
    // b returns at 10 m 30 s with a holding both instances: the group launches one in b and
    // terminates the newer one in a only when it has registered, 60 s later ("Auto Scaling always
    // launches new instances before attempting to terminate old ones", EC2 Auto Scaling's
    // rebalancing activities); it used to terminate it at once.
    let rebalanced: Vec<u64> = coded(&sink, "asg_rebalancing")
        .iter()
        .map(|e| e.time_ms)
        .collect();
    assert_eq!(rebalanced, vec![630_000]);
    let terminated: Vec<(u64, &str)> = coded(&sink, "instance_terminated")
        .iter()
        .map(|e| (e.time_ms, e.message.as_str()))
        .filter(|e| e.0 > 600_000)
        .collect();
    assert_eq!(
        terminated,
        vec![(690_000, "Container instance i-00000003 terminated.")]
    );
    assert!(
        coded(&sink, "instance_registered")
            .iter()
            .any(|e| e.time_ms == 690_000)
    );
}

/// An Auto Scaling group at its maximum rebalances one instance at a time: launching before
/// terminating may take it above the maximum by 10 % or one instance, whichever is greater (EC2 Auto
/// Scaling's rebalancing activities). Four m5.large, max 4, two per zone; b is down from 1 m to 6 m and
/// its two are replaced in a. At 6 m b returns with a holding 4: balanced is 2 and 2, so two moves; the
/// ceiling is 4 + max(1, ⌈0.4⌉) = 5, so one launch at 6 m (registered and its victim terminated at
/// 7 m), then the second at 7 m (8 m).
#[test]
fn a_group_at_its_maximum_rebalances_within_the_margin() {
    let toml = two_zone_group(
        "rebalance-at-max",
        "20m",
        4,
        4,
        r#"
[[faults]]
type = "az_outage"
zone = "b"
at = "1m"
duration = "5m"
"#,
    );
    let (_, sink) = run(&toml);
    let times = |code: &str| -> Vec<u64> {
        coded(&sink, code)
            .iter()
            .map(|e| e.time_ms)
            .filter(|&t| t > 300_000)
            .collect()
    };
    assert_eq!(times("asg_rebalancing"), vec![360_000, 420_000]);
    assert_eq!(times("instance_terminated"), vec![420_000, 480_000]);
    let end = sink
        .series
        .iter()
        .rfind(|r| r.scope == "capacity_provider")
        .expect("a provider row");
    assert_eq!(end.instances, Some(4));
}

/// A zone that goes down takes the instances launching into it (nothing registers in a lost zone), and a
/// group whose zones are all down owes its replacements until one returns (an Auto Scaling group keeps
/// its desired capacity). Two m5.large, one per zone, `launch_latency` 60 s; one fails at 5 m and its
/// replacement starts launching; both zones go down at 5 m 30 s for 5 minutes, so that launch and the
/// other instance are lost with nothing to launch into. At 10 m 30 s both zones return: the two owed
/// replacements launch and register at 11 m 30 s. Before the fix the launches landed in the down zone
/// at 6 m and 6 m 30 s and the service ran there.
#[test]
fn a_zone_outage_takes_launching_instances_and_the_group_replaces_them_on_return() {
    let toml = two_zone_group(
        "launch-into-outage",
        "20m",
        4,
        2,
        r#"
[[faults]]
type = "instance_failure"
capacity_provider = "cp"
times = ["5m"]
[[faults]]
type = "az_outage"
zone = "a"
at = "330s"
duration = "5m"
[[faults]]
type = "az_outage"
zone = "b"
at = "330s"
duration = "5m"
"#,
    );
    let (_, sink) = run(&toml);
    let registered: Vec<u64> = coded(&sink, "instance_registered")
        .iter()
        .map(|e| e.time_ms)
        .filter(|&t| t > 0)
        .collect();
    assert!(
        registered.iter().all(|&t| !(330_000..630_000).contains(&t)),
        "an instance registered in a zone that was down: {registered:?}"
    );
    // The two owed replacements launch into a when it returns and register 60 s later. Zone b's return
    // at the same instant finds no active instance to move into it (both are launching), so the
    // group's zone rebalancing launches none (it once launched a third, and the group stayed at 3).
    assert_eq!(
        registered,
        vec![690_000, 690_000],
        "the two owed, 60 s after the return"
    );
    let end = sink
        .series
        .iter()
        .rfind(|r| r.scope == "cluster")
        .expect("a cluster row");
    assert_eq!(end.instances, Some(2));
    assert_eq!(end.running, Some(2));
}

/// Availability under crashes: 20 tasks, each crashing after an exponential time with mean 1 h (MTBF);
/// a crashed task stops at once and its replacement runs 10 s later (start 10 s; no throttle after
/// RUNNING, §2.2). Analytic availability = MTBF / (MTBF + 10 s) = 3600 / 3610 = 0.997230. Over 7 days
/// (about 3,360 crashes) the measured value's standard error is about 10 s × √3360 / (20 × 604,800 s) ≈
/// 4.8e-5; we accept 5 standard errors (2.4e-4).
#[test]
fn availability_under_crashes_matches_theory() {
    let toml = r#"name = "avail"
duration = "7d"
seed = 11
[cluster]
availability_zones = ["a"]
[timings.ec2]
pull = "0s"
start = "10s"
stop = "0s"
[[capacity_providers]]
name = "cp"
instance_type = "m5.4xlarge"
max_size = 1
desired_size = 1
[[task_definitions]]
family = "t"
cpu = 256
memory = 256
[[services]]
name = "web"
task_definition = "t"
desired_count = 20
launch_type = "EC2"
[[faults]]
type = "task_crash"
mtbf = "1h"
"#;
    let spec = ecsim::scenario::load_str(toml, "avail.toml", std::path::Path::new(".")).unwrap();
    let mut sink = MemorySink::default();
    // Release-speed run: invariants are checked by the other tests.
    let _ = ecsim::sim::Sim::new(&spec, &mut sink)
        .with_invariant_checks(false)
        .run();
    let end = spec.duration_ms;
    let running_ms: u64 = sink
        .tasks
        .iter()
        .filter_map(|t| {
            t.started_ms
                .map(|s| t.stopping_ms.unwrap_or(end).min(end) - s)
        })
        .sum();
    // The first 10 s nobody runs yet: measure from 10 s.
    let measured = running_ms as f64 / (20.0 * (end - 10_000) as f64);
    let expected = 3600.0 / 3610.0;
    assert!(
        (measured - expected).abs() < 2.4e-4,
        "measured {measured:.6}, analytic {expected:.6}"
    );
    let crashes = sink
        .tasks
        .iter()
        .filter(|t| t.stop_code == "EssentialContainerExited")
        .count();
    assert!((2_900..3_800).contains(&crashes), "{crashes} crashes");
}

/// Fargate Spot: the interrupted task gets SIGTERM at the warning and stops within its stopTimeout (here
/// the app exits after 20 s < 30 s default); no Spot capacity from 9 to 30 minutes, so the replacement
/// waits — there is no fallback to FARGATE (§3.1, §3.3) — and starts when capacity returns.
#[test]
fn fargate_spot_interruption_and_shortage() {
    let toml = r#"name = "fspot"
duration = "1h"
seed = 4
[cluster]
availability_zones = ["a", "b"]
[timings.fargate]
stop = "20s"
[[task_definitions]]
family = "w"
requires_compatibilities = ["FARGATE"]
cpu = 256
memory = 512
[[services]]
name = "w"
task_definition = "w"
desired_count = 4
capacity_provider_strategy = [{ capacity_provider = "FARGATE_SPOT", weight = 1 }]
[scheduler]
placement_retry_interval = "60s"
[[faults]]
type = "spot_interruption"
capacity_provider = "FARGATE_SPOT"
times = ["10m"]
[[faults]]
type = "spot_capacity_shortage"
at = "9m"
duration = "21m"
"#;
    let (_, sink) = run(toml);
    let hit = sink
        .tasks
        .iter()
        .find(|t| t.stop_code == "SpotInterruption")
        .unwrap();
    assert_eq!(hit.stopping_ms, Some(600_000));
    assert_eq!(hit.stopped_reason, "Your Spot Task was interrupted.");
    let stop_took = hit.stopped_ms.unwrap() - hit.stopping_ms.unwrap();
    assert!(
        (20_000..=30_000).contains(&stop_took),
        "stops within its stopTimeout: {stop_took} ms"
    );
    let replacement = sink
        .tasks
        .iter()
        .filter(|t| t.created_ms > 600_000)
        .min_by_key(|t| t.created_ms)
        .unwrap();
    assert!(
        replacement.created_ms >= 1_800_000,
        "no Spot capacity until 30 min: {}",
        replacement.created_ms
    );
    assert_eq!(replacement.capacity_provider, "FARGATE_SPOT");
}

/// Requests in flight on a task that dies abruptly are lost (issue #17): 3 Fargate tasks of 1 vCPU, one
/// per zone, each with 10 servers (0.1 vCPU each: a 100 ms-on-one-vCPU request takes 1 s, μ = 1/s per
/// server, 10 requests/s per task). 15 requests/s, round robin: 5/s per task, so each task holds
/// λᵢ/μ = 5 requests in service (Little's law), none waiting. Zone b goes down at 10 min: its task dies
/// with its 5 requests — 5 errors, not 0. The other two take 7.5/s each, under their 10/s: no more
/// errors. The replacement instance of an EC2 group would be an event with its cause (checked below on
/// the instance-failure scenario).
#[test]
fn an_outage_loses_the_requests_in_flight() {
    let toml = r#"name = "inflight"
duration = "20m"
seed = 1
[cluster]
availability_zones = ["a", "b", "c"]
[traffic]
health_check_interval = "1ms"
[[task_definitions]]
family = "t"
requires_compatibilities = ["FARGATE"]
cpu = 1024
memory = 2048
[[services]]
name = "web"
task_definition = "t"
desired_count = 3
launch_type = "FARGATE"
[services.load]
pattern = { type = "constant", rate = 15 }
cpu_ms_per_request = 100.0
concurrency = 10
[[faults]]
type = "az_outage"
zone = "b"
at = "10m"
duration = "5m"
"#;
    let (_, sink) = run(toml);
    let errors = |from_s: f64, to_s: f64| -> f64 {
        sink.series
            .iter()
            .filter(|r| {
                r.scope == "service"
                    && r.time_ms as f64 / 1000.0 > from_s
                    && r.time_ms as f64 / 1000.0 <= to_s
            })
            .map(|r| r.errors.unwrap_or(0.0))
            .sum()
    };
    assert_eq!(errors(120.0, 540.0), 0.0, "steady before the outage");
    let lost = errors(540.0, 720.0);
    assert!((lost - 5.0).abs() < 1e-6, "lost {lost}, expected 5");
    assert_eq!(errors(720.0, 1200.0), 0.0);
}

/// Every instance launch is an event with its cause: an instance that fails is replaced, and the
/// replacement's launch says which instance it replaces.
#[test]
fn a_replacement_instance_is_launched_with_its_cause() {
    let toml = r#"name = "replace"
duration = "30m"
seed = 1
[cluster]
availability_zones = ["a"]
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 2
desired_size = 1
[[task_definitions]]
family = "t"
cpu = 256
memory = 256
[[services]]
name = "web"
task_definition = "t"
desired_count = 1
launch_type = "EC2"
[[faults]]
type = "instance_failure"
capacity_provider = "cp"
times = ["10m"]
"#;
    let (_, sink) = run(toml);
    let launches: Vec<_> = events(&sink, "instance")
        .into_iter()
        .filter(|e| e.message.contains("launching an instance"))
        .collect();
    assert_eq!(launches.len(), 1, "{launches:?}");
    assert_eq!(launches[0].time_ms, 600_000);
    assert!(
        launches[0].message.contains("replacing i-00000001"),
        "{}",
        launches[0].message
    );
}

/// Every lifecycle state of zero length and half of all starts failing: a task can fail and stop
/// within the call that launches it. It must have joined its service (the task list, the capacity
/// provider's count for the strategy's base and weight) before that stop, or the stop finds a task
/// the service never listed (the debug build's invariant panics; a release build once let the
/// provider's count wrap below zero). Both kinds of capacity: EC2 through an ASG provider, Fargate
/// through FARGATE and FARGATE_SPOT with a base.
#[test]
fn a_task_that_fails_the_instant_it_launches_has_joined_its_service() {
    for seed in 1..=6 {
        let toml = format!(
            r#"name = "zero"
duration = "30m"
seed = {seed}
[cluster]
availability_zones = ["a", "b"]
[timings.ec2]
pull = "0s"
start = "0s"
stop = "0s"
[timings.fargate]
provisioning = "0s"
pull = "0s"
start = "0s"
stop = "0s"
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 4
desired_size = 2
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
[[task_definitions]]
family = "worker"
requires_compatibilities = ["FARGATE"]
cpu = 512
memory = 1024
[[services]]
name = "web"
task_definition = "web"
desired_count = 6
capacity_provider_strategy = [{{ capacity_provider = "cp", weight = 1 }}]
[[services]]
name = "worker"
task_definition = "worker"
desired_count = 8
capacity_provider_strategy = [
  {{ capacity_provider = "FARGATE", base = 2, weight = 1 }},
  {{ capacity_provider = "FARGATE_SPOT", weight = 3 }},
]
[[faults]]
type = "start_failure"
service = "web"
probability = 0.5
[[faults]]
type = "start_failure"
service = "worker"
probability = 0.5
"#
        );
        let (_, sink) = run(&toml);
        for service in ["web", "worker"] {
            let failed = sink
                .tasks
                .iter()
                .filter(|t| t.service == service && t.stop_code == "TaskFailedToStart")
                .count();
            // P(no failure among the first 6 launches) = 0.5^6 ≈ 1.6 %; the throttle still lets
            // several launches through in 30 minutes, so every seed sees failures.
            assert!(failed > 0, "seed {seed}: {service} had no start failure");
            // Never more tasks alive than desired: the failed ones left the service's list.
            let live = alive(&sink, service).len();
            let desired = if service == "web" { 6 } else { 8 };
            assert!(live <= desired, "seed {seed}: {service} {live} > {desired}");
        }
    }
}

/// Outages of every zone at once (allowed: each `az_outage` names one zone): while all are down, a
/// service with AZ rebalancing has no zone to move tasks to. Rebalancing is looked at every metric
/// tick and when an instance registers, not only when a zone returns; with every zone down it once
/// asked for the fullest of no zones and panicked. The outage covers the ticks of minutes 11–14.
#[test]
fn every_zone_down_at_once_leaves_nothing_to_rebalance() {
    let toml = r#"name = "all-down"
duration = "30m"
seed = 1
[cluster]
availability_zones = ["a", "b"]
[timings.ec2]
pull = "0s"
start = "0s"
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 4
desired_size = 2
launch_latency = "60s"
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
[[services]]
name = "web"
task_definition = "web"
desired_count = 4
launch_type = "EC2"
availability_zone_rebalancing = "ENABLED"
[[faults]]
type = "az_outage"
zone = "a"
at = "10m"
duration = "5m"
[[faults]]
type = "az_outage"
zone = "b"
at = "10m"
duration = "5m"
"#;
    let (_, sink) = run(toml);
    // The tasks of both zones stopped with them; the service is whole again at the end.
    let lost = sink
        .tasks
        .iter()
        .filter(|t| t.stop_code == "InfrastructureHealth")
        .count();
    assert_eq!(lost, 4);
    assert!(alive(&sink, "web").len() >= 4);
}

/// A group of m5.large over zones a and b (launch latency 60 s) of `max` and `desired` instances, running
/// a 2-task web service, with `faults` (TOML) for `duration`: the instance-and-outage tests' set-up.
fn two_zone_group(name: &str, duration: &str, max: u32, desired: u32, faults: &str) -> String {
    format!(
        r#"name = "{name}"
duration = "{duration}"
seed = 3
[cluster]
availability_zones = ["a", "b"]
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = {max}
desired_size = {desired}
launch_latency = "60s"
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
[[services]]
name = "web"
task_definition = "web"
desired_count = 2
launch_type = "EC2"
{faults}"#
    )
}

/// An AZ rebalancing's replacement comes from the provider of the task it replaces, and a task moves
/// only if that provider can start one in the emptiest zone (§2.1; ecsim's reading: AWS does not say
/// how rebalancing treats a capacity provider strategy, and a move that keeps the strategy's split is
/// the one that changes nothing else). Strategy od weight 1, spot weight 2: of 6 tasks 2 on od
/// (instances in a, b and c) and 4 on spot, whose one instance is in a — 4/1/1 over a/b/c. Only a spot
/// task could leave a, and spot has no instance in b or c: nothing can move, so nothing is started or
/// stopped. It once chose the replacement's provider by the split (which still counted the task being
/// replaced, so it chose spot) and started "to AZ Rebalance" in a the task it stopped in a, every minute.
#[test]
fn az_rebalancing_moves_a_task_only_where_its_provider_can_start_one() {
    let toml = r#"name = "rb"
duration = "2h"
seed = 4
[cluster]
availability_zones = ["a", "b", "c"]
[[capacity_providers]]
name = "od"
instance_type = "m5.xlarge"
max_size = 3
desired_size = 3
[[capacity_providers]]
name = "spot"
instance_type = "m5.xlarge"
spot = true
max_size = 1
desired_size = 1
[[task_definitions]]
family = "web"
cpu = 512
memory = 1024
[[services]]
name = "web"
task_definition = "web"
desired_count = 6
capacity_provider_strategy = [{ capacity_provider = "od", weight = 1 }, { capacity_provider = "spot", weight = 2 }]
"#;
    let (_, sink) = run(toml);
    assert!(coded(&sink, "rebalancing_tasks_started").is_empty());
    assert!(coded(&sink, "rebalancing_tasks_stopped").is_empty());
    assert_eq!(sink.tasks.len(), 6, "no task replaced");
    let running = alive(&sink, "web");
    assert_eq!(
        count_by(&running, |t| t.capacity_provider.as_str()),
        vec![("od".into(), 2), ("spot".into(), 4)]
    );
    // With a second spot instance (in b) the tasks start 2/3/1 over a/b/c: one move, from b to c
    // (od has room there), and 2/2/2 (it once started its first replacement in a, stopped a task in b,
    // then moved again).
    let (_, sink) = run(&toml.replace(
        "max_size = 1\ndesired_size = 1",
        "max_size = 2\ndesired_size = 2",
    ));
    assert_eq!(coded(&sink, "rebalancing_tasks_started").len(), 1);
    let running = alive(&sink, "web");
    assert_eq!(
        count_by(&running, |t| t.availability_zone.as_str()),
        vec![("a".into(), 2), ("b".into(), 2), ("c".into(), 2)]
    );
    for e in coded(&sink, "rebalancing_tasks_started") {
        let started_in = e
            .message
            .split(" in ")
            .nth(1)
            .and_then(|z| z.split(' ').next());
        let stopped_in: Vec<&str> = coded(&sink, "rebalancing_tasks_stopped")
            .iter()
            .filter_map(|s| {
                s.message
                    .split(" in ")
                    .nth(1)
                    .and_then(|z| z.split(' ').next())
            })
            .collect();
        assert!(
            !stopped_in.contains(&started_in.unwrap_or("")),
            "{} / {stopped_in:?}",
            e.message
        );
    }
}
