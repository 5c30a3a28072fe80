//! The DAEMON service scheduler (reference §2.1, §2.3): a stopped task is replaced on its instance, a
//! deployment replaces tasks stop-first within the minimum healthy percent, unhealthy tasks are replaced
//! one by one — worked by hand.

mod common;
use common::*;
use ecsim::metrics::MemorySink;

/// A daemon on four m5.large in two zones. EC2 timings: no pull, 5 s start, 1 s stop, no DEACTIVATING
/// (no load balancer). No health check: a task is healthy 40 s after RUNNING (§2.3).
fn daemon(def_extra: &str, service_extra: &str, rest: &str) -> String {
    format!(
        r#"name = "daemon"
duration = "30m"
seed = 5
[cluster]
availability_zones = ["a", "b"]
[timings.ec2]
pull = "0s"
start = "5s"
stop = "1s"
deactivating = "0s"
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 4
desired_size = 4
[[task_definitions]]
family = "v1"
cpu = 256
memory = 256
{def_extra}
[[task_definitions]]
family = "v2"
cpu = 256
memory = 256
[[services]]
name = "agent"
task_definition = "v1"
scheduling_strategy = "DAEMON"
{service_extra}
{rest}
"#
    )
}

/// (task id, definition, instance, created s, stopping s, stopped s).
type Row = (u64, String, String, u64, Option<u64>, Option<u64>);

/// The tasks as `Row`s, by task id.
fn rows(sink: &MemorySink) -> Vec<Row> {
    let mut v: Vec<_> = sink
        .tasks
        .iter()
        .map(|t| {
            (
                t.task_id,
                t.task_definition.clone(),
                t.instance.clone(),
                t.created_ms / 1000,
                t.stopping_ms.map(|s| s / 1000),
                t.stopped_ms.map(|s| s / 1000),
            )
        })
        .collect();
    v.sort();
    v
}

fn event_times(sink: &MemorySink, code: &str) -> Vec<u64> {
    sink.events
        .iter()
        .filter(|e| e.code == code)
        .map(|e| e.time_ms / 1000)
        .collect()
}

/// "The service scheduler … [places] one task on each active container instance" (DG `ecs_services`,
/// Daemon): a daemon task that exits is replaced on its instance as soon as it is STOPPED (its maximum is
/// 100 %: one task of the service per instance). Crashes with an MTBF of 1 h over 6 h: every instance's
/// tasks follow one another without a gap, from 0 s to the end. ecsim placed the replacement only when
/// some later event reconciled the service (the first crash of seed 3 in a 2 h run left its instance
/// without the daemon for 54 min).
#[test]
fn a_stopped_daemon_task_is_replaced_on_its_instance_at_once() {
    let toml = daemon(
        "",
        "",
        "[[faults]]\ntype = \"task_crash\"\nservice = \"agent\"\nmtbf = \"1h\"",
    )
    .replace("duration = \"30m\"", "duration = \"6h\"");
    let (_, sink) = run(&toml);
    let rows = rows(&sink);
    assert!(rows.len() > 8, "some tasks crashed: {rows:?}");
    let mut instances: Vec<&String> = rows.iter().map(|r| &r.2).collect();
    instances.sort();
    instances.dedup();
    assert_eq!(instances.len(), 4);
    for inst in instances {
        let mut tasks: Vec<_> = sink.tasks.iter().filter(|t| &t.instance == inst).collect();
        tasks.sort_by_key(|t| t.created_ms);
        assert_eq!(tasks[0].created_ms, 0);
        for w in tasks.windows(2) {
            assert_eq!(
                Some(w[1].created_ms),
                w[0].stopped_ms,
                "{inst}: task {} replaced at its STOPPED",
                w[0].task_id
            );
        }
        assert_eq!(
            tasks.last().unwrap().stopped_ms,
            None,
            "{inst} ends with a task"
        );
    }
}

/// A daemon deployment with minimumHealthyPercent m (§2.3; maximumPercent must be 100): N = 4 tasks, at
/// most 4 − ⌈4 × m / 100⌉ healthy ones stopped first, each replaced on its instance once STOPPED.
/// The first deployment completes at 45 s (RUNNING at 5 s + 40 s).
/// - m = 0 (the API's default for DAEMON): all four v1 tasks stop at 600 s, STOPPED at 601; four v2
///   tasks start at 601, RUNNING at 606, healthy at 646: COMPLETED at 646 s. Users see this: "0 will bring
///   down your entire cluster instead of 50% which will do rolling deploys"
///   (hashicorp/terraform-provider-aws#5236).
/// - m = 50: ⌈2⌉ = 2 stay healthy: tasks 1 and 2 stop at 600, v2 #5 and #6 start at 601, healthy at
///   646; then 3 and 4 stop (4 healthy, 2 may go), STOPPED 647, v2 #7 and #8 start at 647, RUNNING 652,
///   healthy 692: COMPLETED at 692 s.
/// - m = 100: nothing may stop and nothing can start first: ECS's deadlock event, no v2 task.
#[test]
fn a_daemon_deployment_replaces_tasks_within_the_minimum() {
    let deploy = "[[deployments]]\nat = \"10m\"\nservice = \"agent\"\ntask_definition = \"v2\"";
    let (_, sink) = run(&daemon("", "", deploy));
    let r = rows(&sink);
    let v1: Vec<_> = r
        .iter()
        .filter(|t| t.1 == "v1")
        .map(|t| (t.4, t.5))
        .collect();
    assert_eq!(v1, [(Some(600), Some(601)); 4]);
    let v2: Vec<_> = r
        .iter()
        .filter(|t| t.1 == "v2")
        .map(|t| (t.3, t.5))
        .collect();
    assert_eq!(v2, [(601, None); 4]);
    // Each v2 task on the instance a v1 task left.
    let mut i1: Vec<_> = r.iter().filter(|t| t.1 == "v1").map(|t| &t.2).collect();
    let mut i2: Vec<_> = r.iter().filter(|t| t.1 == "v2").map(|t| &t.2).collect();
    i1.sort();
    i2.sort();
    assert_eq!(i1, i2);
    assert_eq!(event_times(&sink, "deployment_completed"), [45, 646]);

    // Every event written (no 6-h suppression of repeats, §2.6), to see each steady state.
    let no_dedup = format!("{deploy}\n[scheduler]\nevent_dedup_window = \"0s\"");
    let (_, sink) = run(&daemon(
        "",
        "deployment_configuration = { minimum_healthy_percent = 50 }",
        &no_dedup,
    ));
    let r = rows(&sink);
    let stops: Vec<_> = r
        .iter()
        .filter(|t| t.1 == "v1")
        .map(|t| (t.0, t.4))
        .collect();
    assert_eq!(
        stops,
        [
            (1, Some(600)),
            (2, Some(600)),
            (3, Some(646)),
            (4, Some(646))
        ]
    );
    let starts: Vec<_> = r.iter().filter(|t| t.1 == "v2").map(|t| t.3).collect();
    assert_eq!(starts, [601, 601, 647, 647]);
    assert_eq!(event_times(&sink, "deployment_completed"), [45, 692]);
    // Steady only when a rollout is COMPLETED (§2.6). ecsim said so at 5, 600 (as the rollout began),
    // 606, 646 and 652 s, and not at 692.
    assert_eq!(event_times(&sink, "steady_state"), [45, 692]);

    let (_, sink) = run(&daemon(
        "",
        "deployment_configuration = { minimum_healthy_percent = 100 }",
        deploy,
    ));
    assert!(rows(&sink).iter().all(|t| t.1 == "v1" && t.4.is_none()));
    assert_eq!(event_times(&sink, "deployment_stuck"), [600]);
    assert_eq!(event_times(&sink, "deployment_completed"), [45]);
}

/// A daemon task whose container health check fails is replaced (§2.1). Its check passes for 5 min after
/// RUNNING (5 s), checks every 10 s with 2 retries: UNHEALTHY at 315 s. A daemon's maximum leaves no room
/// to start first, so "the scheduler stops the unhealthy tasks one-by-one" (API
/// `DeploymentConfiguration.minimumHealthyPercent`): task 1 stops at 315, STOPPED at 316, its replacement
/// starts there and task 2 stops, and so on. ecsim left unhealthy daemon tasks running for good.
#[test]
fn unhealthy_daemon_tasks_are_replaced_one_by_one() {
    let (_, sink) = run(&daemon(
        "health_check = { interval = \"10s\", retries = 2, passes_for = \"5m\" }",
        "",
        "",
    )
    .replace("duration = \"30m\"", "duration = \"6m\""));
    let r = rows(&sink);
    let times: Vec<_> = r.iter().map(|t| (t.3, t.4)).collect();
    assert_eq!(
        times,
        [
            (0, Some(315)),
            (0, Some(316)),
            (0, Some(317)),
            (0, Some(318)),
            (316, None),
            (317, None),
            (318, None),
            (319, None)
        ]
    );
    assert!(
        sink.tasks
            .iter()
            .filter(|t| t.task_id <= 4)
            .all(|t| t.stopped_reason == "Task failed container health checks")
    );
}

/// maximumPercent must be 100 for a DAEMON service (§2.3): anything else is refused at load.
#[test]
fn a_daemon_maximum_other_than_100_is_refused() {
    let e = load_errors(&daemon(
        "",
        "deployment_configuration = { maximum_percent = 200 }",
        "",
    ));
    assert!(e.contains("maximum_percent = 100"), "{e}");
}

/// A daemon deployment whose revision never starts, minimum 50 % and the circuit breaker with rollback
/// (§2.1, §2.4). N = 4 hosts, ⌈2⌉ stay healthy: tasks 1 and 2 stop at 600 s; the v2 tasks on their hosts
/// fail to start, and those hosts stay in N while they wait out the launch throttle (§2.2), so tasks 3
/// and 4 never stop (ecsim counted only the tasks, N fell to 2 and task 3 was stopped too). The third
/// failure (threshold clamp(⌈0.5 × 4⌉, 3, 200) = 3) FAILS the rollout; the rollback makes ecs-svc/0
/// primary again, its tasks 3 and 4 stay, and v1 tasks start on the two empty hosts; it COMPLETES.
#[test]
fn a_failed_daemon_deployment_rolls_back_keeping_the_old_tasks() {
    let toml = daemon(
        "",
        "deployment_configuration = { minimum_healthy_percent = 50, deployment_circuit_breaker = { enable = true, rollback = true } }",
        "[[deployments]]\nat = \"10m\"\nservice = \"agent\"\ntask_definition = \"v2\"",
    )
    .replace(
        "family = \"v2\"\n",
        "family = \"v2\"\nstart_failure_probability = 1.0\n",
    );
    let (_, sink) = run(&toml);
    let r = rows(&sink);
    let v1_stops: Vec<_> = r.iter().filter(|t| t.0 <= 4).map(|t| t.4).collect();
    assert_eq!(v1_stops, [Some(600), Some(600), None, None], "{r:?}");
    assert!(r.iter().filter(|t| t.1 == "v2").all(|t| t.5.is_some()));
    let mut new_v1: Vec<_> = r
        .iter()
        .filter(|t| t.0 > 4 && t.1 == "v1")
        .map(|t| &t.2)
        .collect();
    let mut freed: Vec<_> = r.iter().filter(|t| t.0 <= 2).map(|t| &t.2).collect();
    new_v1.sort();
    freed.sort();
    assert_eq!(new_v1, freed, "v1 returns to the two hosts it left");
    let states: Vec<String> = sink
        .events
        .iter()
        .filter(|e| e.kind == "deployment")
        .map(|e| {
            let m = &e.message;
            let svc = m.find("ecs-svc/").map_or("?", |i| &m[i..i + 9]);
            format!("{svc} {}", e.code)
        })
        .collect();
    assert_eq!(
        states,
        [
            "ecs-svc/0 deployment_completed",
            "ecs-svc/1 deployment_started",
            "ecs-svc/1 deployment_failed",
            "ecs-svc/0 deployment_started",
            "ecs-svc/0 deployment_completed"
        ]
    );
    let failed = coded(&sink, "deployment_failed");
    assert_eq!(
        failed[0].message,
        "(service agent) (deployment ecs-svc/1) deployment failed: tasks failed to start. rolloutState FAILED: the deployment circuit breaker tripped after 3 failed tasks (threshold 3)."
    );
    assert!(event_times(&sink, "deployment_stuck").is_empty());
}

/// A DRAINING instance gets no daemon task, and draining stops its daemon task last (DG `ecs_services`,
/// §2.1): the daemon is not "at the desired number of tasks" (§2.6) while one of its tasks is still on
/// a draining instance. Two instances drain at 10 min: b's holds only the daemon, whose task stops at
/// once; g's also holds a web task, replaced start-first (the replacement starts at 600 s, RUNNING at
/// 605, healthy at 645; the old task stops at 645, DEACTIVATING 60 s + STOPPING 1 s → STOPPED at 706),
/// and only then is g's daemon task stopped: DEACTIVATING 60 s + STOPPING 1 s → STOPPED at 767. The
/// daemon is steady once, at 767 s, when no task of it is left on a draining host or on its way to
/// STOPPED (§2.6); ecsim said so at 600 s too, as b's task left, with g's still on its draining host,
/// and until 2026-12-05 at 706 s, when g's task's stop was requested.
#[test]
fn a_daemon_is_not_steady_while_a_task_of_it_waits_on_a_draining_instance() {
    let toml = r#"name = "drain-daemon"
duration = "20m"
seed = 1
[cluster]
availability_zones = ["a", "b"]
[timings.ec2]
pull = "0s"
start = "5s"
stop = "1s"
deactivating = "60s"
[[capacity_providers]]
name = "g"
instance_type = "m5.large"
max_size = 3
desired_size = 3
[[capacity_providers]]
name = "b"
instance_type = "m5.large"
max_size = 1
desired_size = 1
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
desired_count = 3
capacity_provider_strategy = [{ capacity_provider = "g", weight = 1 }]
availability_zone_rebalancing = "DISABLED"
[[faults]]
type = "drain_instance"
capacity_provider = "g"
at = "10m"
[[faults]]
type = "drain_instance"
capacity_provider = "b"
at = "10m"
"#;
    let (_, sink) = run(toml);
    let agent: Vec<u64> = sink
        .events
        .iter()
        .filter(|e| e.code == "steady_state" && e.message.contains("(service agent)"))
        .map(|e| e.time_ms / 1000)
        .collect();
    assert_eq!(agent, [45, 767]);
}
