//! The worked examples of reference §1–§3 and §7, computed by hand (arithmetic in the comments), run
//! through the whole simulator with invariant checks after every event.

mod common;
use common::*;

/// §3.1: desired 10 with [FARGATE base 2 weight 1, FARGATE_SPOT weight 3].
/// Base: 2 on FARGATE. The other 8 split 1:3 → 2 on FARGATE, 6 on FARGATE_SPOT. Total 4 and 6.
#[test]
fn capacity_provider_base_and_weight_split() {
    let toml = format!(
        r#"{CLUSTER}
[[task_definitions]]
family = "w"
requires_compatibilities = ["FARGATE"]
cpu = 256
memory = 512
[[services]]
name = "w"
task_definition = "w"
desired_count = 10
capacity_provider_strategy = [{{ capacity_provider = "FARGATE", base = 2, weight = 1 }},
                              {{ capacity_provider = "FARGATE_SPOT", weight = 3 }}]
"#
    );
    let (s, sink) = run(&toml);
    let tasks = alive(&sink, "w");
    assert_eq!(tasks.len(), 10);
    assert_eq!(
        count_by(&tasks, |t| &t.capacity_provider),
        vec![("FARGATE".into(), 4), ("FARGATE_SPOT".into(), 6)]
    );
    // Fargate balances over AZs (§1.3): 10 tasks over 3 zones → 4/3/3.
    let mut per_zone: Vec<usize> = count_by(&tasks, |t| &t.availability_zone)
        .iter()
        .map(|x| x.1)
        .collect();
    per_zone.sort();
    assert_eq!(per_zone, vec![3, 3, 4]);
    assert_eq!(s.tasks_launched, 10);
}

/// §1.2 binpack(memory) with three instance sizes (registered memory 2048, 4096 and 8192 MiB, custom
/// types so the numbers are round). Tasks of 1500 MiB, launch type EC2:
/// task 1: remaining 548 / 2596 / 6692 → the 2048 instance (548 left);
/// task 2: 548 < 1500 does not fit; 2596 / 6692 → the 4096 instance (2596 left);
/// task 3: 2596 − 1500 = 1096 < 6692 − … → the 4096 instance again (1096 left);
/// task 4: only the 8192 instance fits (6692 left).
#[test]
fn binpack_fills_the_tightest_instance_first() {
    let toml = format!(
        r#"{CLUSTER}
[[instance_types]]
name = "small"
vcpu = 4
memory_mib = 2048
registered_memory_mib = 2048
price_usd_per_hour = 0.1
[[instance_types]]
name = "medium"
vcpu = 4
memory_mib = 4096
registered_memory_mib = 4096
price_usd_per_hour = 0.2
[[instance_types]]
name = "large"
vcpu = 4
memory_mib = 8192
registered_memory_mib = 8192
price_usd_per_hour = 0.4
[[capacity_providers]]
name = "s"
instance_type = "small"
max_size = 1
desired_size = 1
[[capacity_providers]]
name = "m"
instance_type = "medium"
max_size = 1
desired_size = 1
[[capacity_providers]]
name = "l"
instance_type = "large"
max_size = 1
desired_size = 1
[[task_definitions]]
family = "b"
cpu = 256
memory = 1500
{runs}
"#,
        runs = (0..4)
            .map(|i| format!(
                "[[run_tasks]]\nat = \"{}s\"\ntask_definition = \"b\"\nlaunch_type = \"EC2\"\nplacement_strategy = [{{ type = \"binpack\", field = \"memory\" }}]\n",
                i + 1
            ))
            .collect::<String>()
    );
    let (_, sink) = run(&toml);
    let mut tasks: Vec<_> = sink.tasks.iter().collect();
    tasks.sort_by_key(|t| t.task_id);
    let placed: Vec<&str> = tasks.iter().map(|t| t.instance.as_str()).collect();
    // Instances are numbered in provider order: i-00000001 small, i-00000002 medium, i-00000003 large.
    assert_eq!(
        placed,
        vec!["i-00000001", "i-00000002", "i-00000002", "i-00000003"]
    );
}

/// §1.3 default service placement: spread over AZs, then over instances. 6 instances (2 per zone),
/// desired 10 → zones 4/3/3, and within a zone no instance has 2 more tasks than its neighbour.
#[test]
fn default_placement_balances_zones_then_instances() {
    let toml = format!(
        r#"{CLUSTER}
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 6
desired_size = 6
[[task_definitions]]
family = "web"
cpu = 128
memory = 256
[[services]]
name = "web"
task_definition = "web"
desired_count = 10
capacity_provider_strategy = [{{ capacity_provider = "cp", weight = 1 }}]
"#
    );
    let (_, sink) = run(&toml);
    let tasks = alive(&sink, "web");
    let mut per_zone: Vec<usize> = count_by(&tasks, |t| &t.availability_zone)
        .iter()
        .map(|x| x.1)
        .collect();
    per_zone.sort();
    assert_eq!(per_zone, vec![3, 3, 4]);
    let per_instance: Vec<usize> = count_by(&tasks, |t| &t.instance)
        .iter()
        .map(|x| x.1)
        .collect();
    assert_eq!(per_instance.len(), 6);
    assert!(
        per_instance.iter().all(|&n| n == 1 || n == 2),
        "{per_instance:?}"
    );
}

/// §1.4 distinctInstance: 3 instances, desired 5 → 3 placed, the other 2 unplaced for the whole hour with
/// the §2.6 event. unplaced_task_seconds = 2 tasks × 3600 s = 7200.
#[test]
fn distinct_instance_leaves_the_surplus_unplaced() {
    let toml = format!(
        r#"{CLUSTER}
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 3
desired_size = 3
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
[[services]]
name = "web"
task_definition = "web"
desired_count = 5
capacity_provider_strategy = [{{ capacity_provider = "cp", weight = 1 }}]
placement_constraints = [{{ type = "distinctInstance" }}]
"#
    );
    let (s, sink) = run(&toml);
    let tasks = alive(&sink, "web");
    assert_eq!(tasks.len(), 3);
    assert_eq!(count_by(&tasks, |t| &t.instance).len(), 3);
    assert!(
        (s.unplaced_task_seconds - 7200.0).abs() < 1e-9,
        "{}",
        s.unplaced_task_seconds
    );
    let ev: Vec<_> = sink
        .events
        .iter()
        .filter(|e| e.message.contains("was unable to place a task"))
        .collect();
    // Identical events are suppressed for 6 h (§2.6): one message in a 1 h run.
    assert_eq!(ev.len(), 1);
    assert!(
        ev[0]
            .message
            .contains("DistinctInstance placement constraint unsatisfied")
    );
}

/// §1.4 memberOf with the cluster query language: two providers (m5.large and c5.large); only m5 matches.
#[test]
fn member_of_keeps_matching_instances() {
    let toml = format!(
        r#"{CLUSTER}
[[capacity_providers]]
name = "m5"
instance_type = "m5.large"
max_size = 3
desired_size = 3
[[capacity_providers]]
name = "c5"
instance_type = "c5.large"
max_size = 3
desired_size = 3
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
[[services]]
name = "web"
task_definition = "web"
desired_count = 9
launch_type = "EC2"
placement_constraints = [{{ type = "memberOf", expression = "attribute:ecs.instance-type =~ m5.*" }}]
"#
    );
    let (_, sink) = run(&toml);
    let tasks = alive(&sink, "web");
    assert_eq!(tasks.len(), 9);
    // m5 instances are i-00000001..3 (first provider).
    assert!(
        tasks
            .iter()
            .all(|t| ["i-00000001", "i-00000002", "i-00000003"].contains(&t.instance.as_str()))
    );
}

/// §1.1 static host ports: a fixed hostPort allows one copy per instance; the closest-instance message
/// names the port problem.
#[test]
fn static_host_port_allows_one_task_per_instance() {
    let toml = format!(
        r#"{CLUSTER}
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 2
desired_size = 2
[[task_definitions]]
family = "web"
cpu = 256
memory = 256
containers = [{{ name = "app", memory = 256, port_mappings = [{{ container_port = 80, host_port = 80 }}] }}]
[[services]]
name = "web"
task_definition = "web"
desired_count = 3
launch_type = "EC2"
"#
    );
    let (_, sink) = run(&toml);
    assert_eq!(alive(&sink, "web").len(), 2);
    assert!(sink.events.iter().any(|e| {
        e.message
            .contains("is already using a port required by your task")
    }));
}

/// §2.6: a task larger than any instance → "has insufficient memory available".
#[test]
fn insufficient_memory_event() {
    let toml = format!(
        r#"{CLUSTER}
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 1
desired_size = 1
[[task_definitions]]
family = "big"
cpu = 512
memory = 9000
[[services]]
name = "big"
task_definition = "big"
desired_count = 1
launch_type = "EC2"
"#
    );
    let (s, sink) = run(&toml);
    assert_eq!(s.tasks_launched, 0, "no task object is created (§7.3)");
    assert!(sink.events.iter().any(|e| e.message.contains(
        "(service big) was unable to place a task because no container instance met all of its requirements. The closest matching container-instance i-00000001 has insufficient memory available."
    )));
}

/// §1.1 awsvpc on EC2: one ENI per task; a c5.large has 3 ENIs, the primary is the instance's, so 2 tasks.
#[test]
fn eni_limit_caps_awsvpc_tasks() {
    let toml = format!(
        r#"{CLUSTER}
[[capacity_providers]]
name = "cp"
instance_type = "c5.large"
max_size = 1
desired_size = 1
[[task_definitions]]
family = "v"
network_mode = "awsvpc"
cpu = 128
memory = 128
[[services]]
name = "v"
task_definition = "v"
desired_count = 4
launch_type = "EC2"
"#
    );
    let (_, sink) = run(&toml);
    assert_eq!(alive(&sink, "v").len(), 2);
    assert!(
        sink.events
            .iter()
            .any(|e| e.message.contains("insufficient free ENI"))
    );
}

/// §2.1 DAEMON: one task per instance, placed before replica tasks and reserving resources first.
/// Instances: 2 × t3.medium (2048 CPU). Daemon 1024 CPU, replica tasks 1024 CPU, desired 4 → only 2 fit.
#[test]
fn daemon_tasks_start_first_and_reserve_resources() {
    let toml = format!(
        r#"{CLUSTER}
[[capacity_providers]]
name = "cp"
instance_type = "t3.medium"
max_size = 2
desired_size = 2
[[task_definitions]]
family = "agent"
cpu = 1024
memory = 256
[[task_definitions]]
family = "web"
cpu = 1024
memory = 256
[[services]]
name = "web"
task_definition = "web"
desired_count = 4
launch_type = "EC2"
[[services]]
name = "agent"
task_definition = "agent"
scheduling_strategy = "DAEMON"
"#
    );
    let (_, sink) = run(&toml);
    let agents = alive(&sink, "agent");
    assert_eq!(agents.len(), 2);
    assert_eq!(count_by(&agents, |t| &t.instance).len(), 2);
    // Daemon tasks got the first ids although the service is declared second.
    assert!(agents.iter().all(|t| t.task_id <= 2));
    assert_eq!(alive(&sink, "web").len(), 2);
}

/// §3.2/§7.3: with managed scaling, tasks that no instance can take wait in PROVISIONING, then stop after
/// the 10–30 min time-out with TaskFailedToStart; §2.2: those failures throttle the next launches. The
/// task (9000 MiB) does not fit the group's m5.large (7986 MiB registered), so it causes no scale-out
/// either (§3.2: such tasks are excluded from M).
#[test]
fn provisioning_tasks_time_out_and_throttle() {
    let toml = format!(
        r#"{CLUSTER}
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 5
desired_size = 0
managed_scaling = {{ status = "ENABLED" }}
[[task_definitions]]
family = "web"
cpu = 256
memory = 9000
[[services]]
name = "web"
task_definition = "web"
desired_count = 2
capacity_provider_strategy = [{{ capacity_provider = "cp", weight = 1 }}]
"#
    );
    let (s, sink) = run(&toml);
    let failed: Vec<_> = sink
        .tasks
        .iter()
        .filter(|t| t.stop_code == "TaskFailedToStart")
        .collect();
    assert!(!failed.is_empty());
    for t in &failed {
        let waited = t.stopped_ms.unwrap() - t.created_ms;
        assert!(
            (600_000..=1_800_000).contains(&waited),
            "waited {waited} ms"
        );
        assert_eq!(t.started_ms, None);
        assert!(
            t.stopped_reason.starts_with("TaskFailedToStart: RESOURCE:"),
            "{}",
            t.stopped_reason
        );
    }
    assert_eq!(s.tasks_failed_to_start as usize, failed.len());
    assert!(
        sink.events
            .iter()
            .any(|e| e.message
                == "(service web) is unable to consistently start tasks successfully.")
    );
    // Unplaced for the whole hour: 2 tasks × 3600 s (waiting counts as unplaced).
    assert!(
        (s.unplaced_task_seconds - 7200.0).abs() < 1e-9,
        "{}",
        s.unplaced_task_seconds
    );
}

/// §2.2: the throttle delay grows and is capped (27 min current docs).
#[test]
fn throttle_backoff_schedule() {
    use ecsim::sim::throttle_delay_ms;
    // initial 30 s, ×2: 30, 60, 120, 240, 480, 960 s, then capped at 1620 s (27 min).
    let d: Vec<u64> = (1..=8)
        .map(|k| throttle_delay_ms(k, 30_000, 2.0, 1_620_000) / 1000)
        .collect();
    assert_eq!(d, vec![30, 60, 120, 240, 480, 960, 1620, 1620]);
    assert_eq!(throttle_delay_ms(0, 30_000, 2.0, 1_620_000), 0);
}

/// §7.1: every task passes the states in order; timestamps never go backwards.
#[test]
fn lifecycle_timestamps_are_ordered() {
    let (_, sink) = run(ecsim::scenario::QUICKSTART);
    assert!(!sink.tasks.is_empty());
    for t in &sink.tasks {
        let seq = [
            Some(t.created_ms),
            t.pull_started_ms,
            t.pull_stopped_ms,
            t.started_ms,
            t.stopping_ms,
            t.stopped_ms,
        ];
        let present: Vec<u64> = seq.iter().flatten().copied().collect();
        assert!(
            present.windows(2).all(|w| w[0] <= w[1]),
            "task {}: {seq:?}",
            t.task_id
        );
        if t.stopped_ms.is_some() {
            assert_eq!(t.last_status, "STOPPED");
            assert!(!t.stop_code.is_empty());
        }
    }
}

/// §1.2/§1.3 scale-in mirrors placement: with the default spread, going from 9 to 3 tasks on 3 zones
/// leaves one task per zone.
#[test]
fn scale_in_keeps_zone_balance() {
    let toml = format!(
        r#"{CLUSTER}
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 3
desired_size = 3
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
[[services]]
name = "web"
task_definition = "web"
desired_count = 9
launch_type = "EC2"
[[service_updates]]
at = "10m"
service = "web"
desired_count = 3
"#
    );
    let (_, sink) = run(&toml);
    let tasks = alive(&sink, "web");
    assert_eq!(tasks.len(), 3);
    assert_eq!(count_by(&tasks, |t| &t.availability_zone).len(), 3);
    let stopped: Vec<_> = sink
        .tasks
        .iter()
        .filter(|t| t.stop_code == "ServiceSchedulerInitiated")
        .collect();
    assert_eq!(stopped.len(), 6);
}

/// §1.2 binpack scale-in: stop the task on the instance that will have the most memory free afterwards.
/// Two m5.large (7986 MiB registered). binpack(memory) puts 3 × 2048 MiB on the first instance and a 4th
/// on the second (first has 7986 − 6144 = 1842 left). Scale in to 3: the task on the second instance
/// leaves 7986 free there, more than any task on the first (1842 + 2048 = 3890) → it is stopped.
#[test]
fn binpack_scale_in_frees_the_emptiest_instance() {
    let toml = format!(
        r#"{CLUSTER}
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 2
desired_size = 2
[[task_definitions]]
family = "web"
cpu = 256
memory = 2048
[[services]]
name = "web"
task_definition = "web"
desired_count = 4
launch_type = "EC2"
placement_strategy = [{{ type = "binpack", field = "memory" }}]
[[service_updates]]
at = "10m"
service = "web"
desired_count = 3
"#
    );
    let (_, sink) = run(&toml);
    let tasks = alive(&sink, "web");
    assert_eq!(tasks.len(), 3);
    assert_eq!(
        count_by(&tasks, |t| &t.instance).len(),
        1,
        "all survivors share one instance"
    );
}

/// §8: a service launches at most 500 tasks per minute, modelled as a token bucket (burst 500, refill
/// 500/min = one token per 120 ms) drained in batches of up to 50 (one batch every 50 × 120 ms = 6 s).
/// 1200 Fargate tasks: 500 at 0 s, then 50 every 6 s: the 700 left take 14 batches, the last at 84 s.
#[test]
fn service_launch_rate_is_limited() {
    let toml = format!(
        r#"{CLUSTER}
[[task_definitions]]
family = "w"
requires_compatibilities = ["FARGATE"]
cpu = 256
memory = 512
[[services]]
name = "w"
task_definition = "w"
desired_count = 1200
launch_type = "FARGATE"
"#
    );
    let (_, sink) = run(&toml);
    let mut created: Vec<u64> = sink.tasks.iter().map(|t| t.created_ms).collect();
    created.sort_unstable();
    assert_eq!(created.len(), 1200);
    assert_eq!(created.iter().filter(|&&t| t == 0).count(), 500);
    assert_eq!(created[500], 6_000);
    assert_eq!(created.iter().filter(|&&t| t == 6_000).count(), 50);
    assert_eq!(*created.last().unwrap(), 84_000);
}

/// RunTask defaults to random placement (§1.3): different seeds spread the same call differently.
#[test]
fn run_task_default_is_random() {
    let make = |seed: u64| {
        format!(
            r#"name = "t"
duration = "10m"
seed = {seed}
[cluster]
availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
[[capacity_providers]]
name = "cp"
instance_type = "m5.xlarge"
max_size = 10
desired_size = 10
[[task_definitions]]
family = "b"
cpu = 128
memory = 128
[[run_tasks]]
at = "1s"
task_definition = "b"
count = 10
launch_type = "EC2"
"#
        )
    };
    let placements = |seed| {
        let (_, sink) = run(&make(seed));
        let mut v: Vec<_> = sink
            .tasks
            .iter()
            .map(|t| (t.task_id, t.instance.clone()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(placements(1), placements(1));
    assert_ne!(placements(1), placements(2));
}

/// §1.4 affinity with `task:group`: the cache service may only run where a task of service "db" runs.
/// db has 2 tasks with distinctInstance on 2 of the 3 instances; all 4 cache tasks land on those 2.
#[test]
fn task_group_affinity() {
    let toml = format!(
        r#"{CLUSTER}
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 3
desired_size = 3
[[task_definitions]]
family = "t"
cpu = 128
memory = 128
[[services]]
name = "db"
task_definition = "t"
desired_count = 2
launch_type = "EC2"
placement_constraints = [{{ type = "distinctInstance" }}]
[[services]]
name = "cache"
task_definition = "t"
desired_count = 4
launch_type = "EC2"
start = "1m"
placement_constraints = [{{ type = "memberOf", expression = "task:group == service:db" }}]
"#
    );
    let (_, sink) = run(&toml);
    let db: Vec<String> = alive(&sink, "db")
        .iter()
        .map(|t| t.instance.clone())
        .collect();
    let cache = alive(&sink, "cache");
    assert_eq!((db.len(), cache.len()), (2, 4));
    assert!(cache.iter().all(|t| db.contains(&t.instance)));
}
