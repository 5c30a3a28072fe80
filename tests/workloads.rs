//! Batch jobs, scheduled tasks and trace errors end to end.

mod common;
use common::*;
use std::process::Command;

/// Jobs wait and are placed in arrival order. One instance of 2048 CPU units; EC2 timings of zero.
/// Jobs (arrival s, CPU units, duration s): A (0, 2048, 100), B (10, 1024, 50), C (20, 1024, 50).
/// A takes the whole instance until 100 s; B and C wait, then both start at 100 s (they fit together):
/// waits 90 s and 80 s; both end at 150 s. Makespan = 150 − 0 = 150 s; wait p50 (nearest rank of
/// [0, 80, 90]) = 80 s.
#[test]
fn jobs_wait_and_are_placed_in_arrival_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("jobs.csv"),
        "t,cpu,mem,dur\n0,2048,512,100\n10,1024,512,50\n20,1024,512,50\n",
    )
    .unwrap();
    let toml = r#"name = "b"
duration = "1h"
[cluster]
availability_zones = ["a"]
[timings.ec2]
pull = "0s"
start = "0s"
stop = "0s"
[[instance_types]]
name = "two"
vcpu = 2
memory_mib = 8192
registered_memory_mib = 8000
price_usd_per_hour = 0.1
[[capacity_providers]]
name = "cp"
instance_type = "two"
max_size = 1
desired_size = 1
[[batch_jobs]]
name = "j"
file = "jobs.csv"
format = "csv"
arrival_column = "t"
cpu_column = "cpu"
memory_column = "mem"
duration_column = "dur"
launch_type = "EC2"
"#;
    let spec = ecsim::scenario::load_str(toml, "b.toml", dir.path()).unwrap();
    let mut sink = ecsim::metrics::MemorySink::default();
    let s = ecsim::sim::Sim::new(&spec, &mut sink)
        .with_invariant_checks(true)
        .run();
    let b = s.batch.unwrap();
    assert_eq!((b.placed, b.waiting_at_end, b.dropped), (3, 0, 0));
    assert_eq!(b.makespan_s, Some(150.0));
    assert_eq!(b.wait_s_p50, Some(80.0));
    assert_eq!(b.wait_s_p99, Some(90.0));
    let mut t: Vec<_> = sink
        .tasks
        .iter()
        .map(|t| (t.task_id, t.created_ms, t.stopped_ms))
        .collect();
    t.sort();
    assert_eq!(
        t,
        vec![
            (1, 0, Some(100_000)),
            (2, 100_000, Some(150_000)),
            (3, 100_000, Some(150_000))
        ]
    );
}

/// `rate(15 minutes)` from time 0 for 1 h fires at 0, 15, 30 and 45 min (4 RunTask calls); a weekday
/// cron at 08:00 over a week starting Monday fires 5 times.
#[test]
fn scheduled_tasks_fire_on_schedule() {
    let make = |sched: &str, dur: &str| {
        format!(
            r#"name = "s"
duration = "{dur}"
[cluster]
availability_zones = ["a"]
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 1
desired_size = 1
[[task_definitions]]
family = "r"
cpu = 128
memory = 128
[[scheduled_tasks]]
schedule = "{sched}"
task_definition = "r"
launch_type = "EC2"
run_duration = "1m"
"#
        )
    };
    let (_, sink) = run(&make("rate(15 minutes)", "59m"));
    let mut created: Vec<u64> = sink.tasks.iter().map(|t| t.created_ms / 60_000).collect();
    created.sort();
    assert_eq!(created, vec![0, 15, 30, 45]);
    let (_, sink) = run(&make("cron(0 8 ? * MON-FRI *)", "7d"));
    let mut created: Vec<u64> = sink
        .tasks
        .iter()
        .map(|t| t.created_ms / 3_600_000)
        .collect();
    created.sort();
    assert_eq!(created, vec![8, 32, 56, 80, 104]);
    // The same cron in Europe/Paris (EventBridge Scheduler's `ScheduleExpressionTimezone`, §4.4): 08:00
    // CET (UTC+1) in January is 07:00 UTC, so the week's firings are an hour earlier.
    let paris = make("cron(0 8 ? * MON-FRI *)", "7d").replace(
        "run_duration = \"1m\"",
        "run_duration = \"1m\"\ntimezone = \"Europe/Paris\"",
    );
    let (_, sink) = run(&paris);
    let mut created: Vec<u64> = sink
        .tasks
        .iter()
        .map(|t| t.created_ms / 3_600_000)
        .collect();
    created.sort();
    assert_eq!(created, vec![7, 31, 55, 79, 103]);
}

/// `memberOf(task:group == service:web)` places a scheduled task (and a batch job) on the instance that holds
/// the service's task (§1.4), as it does a `[[run_tasks]]` call: the world tracked task groups only when a
/// service or a RunTask entry asked for them, so a scheduled task's or a batch job's constraint saw no
/// group anywhere and never placed ("MemberOf placement constraint unsatisfied" at every firing).
#[test]
fn a_scheduled_task_or_a_batch_job_can_be_placed_by_task_group() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("jobs.csv"),
        "t,cpu,mem,dur\n300,256,256,60\n",
    )
    .unwrap();
    let constraint = r#"placement_constraints = [{ type = "memberOf", expression = "task:group == service:web" }]"#;
    let toml = format!(
        r#"name = "g"
duration = "30m"
[cluster]
availability_zones = ["a", "b"]
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 4
desired_size = 4
[[task_definitions]]
family = "t"
cpu = 256
memory = 256
[[services]]
name = "web"
task_definition = "t"
desired_count = 1
[[scheduled_tasks]]
schedule = "cron(5 * * * ? *)"
task_definition = "t"
run_duration = "1m"
{constraint}
[[batch_jobs]]
name = "j"
file = "jobs.csv"
format = "csv"
arrival_column = "t"
cpu_column = "cpu"
memory_column = "mem"
duration_column = "dur"
launch_type = "EC2"
{constraint}
"#
    );
    let spec = ecsim::scenario::load_str(&toml, "g.toml", dir.path()).unwrap();
    let mut sink = ecsim::metrics::MemorySink::default();
    let s = ecsim::sim::Sim::new(&spec, &mut sink)
        .with_invariant_checks(true)
        .run();
    let web: Vec<&str> = sink
        .tasks
        .iter()
        .filter(|t| t.service == "web")
        .map(|t| t.instance.as_str())
        .collect();
    assert_eq!(web.len(), 1);
    let others: Vec<(&str, &str)> = sink
        .tasks
        .iter()
        .filter(|t| t.service.is_empty())
        .map(|t| (t.group.as_str(), t.instance.as_str()))
        .collect();
    assert_eq!(
        others,
        vec![("family:t", web[0]), ("batch:j", web[0])],
        "the scheduled task at 5 min and the job at 300 s, both beside web's task"
    );
    assert_eq!(s.batch.unwrap().placed, 1);
}

/// A batch job that names a task definition takes its placement constraints too, as a RunTask call with
/// that task definition does (§1.1): they were dropped, so a job of a task definition bound to
/// `stack == db` instances ran anywhere.
#[test]
fn a_batch_job_keeps_its_task_definition_s_constraints() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("jobs.csv"),
        "t,cpu,mem,dur\n0,256,256,60\n10,256,256,60\n",
    )
    .unwrap();
    let toml = r#"name = "c"
duration = "10m"
[cluster]
availability_zones = ["a"]
[[capacity_providers]]
name = "app"
instance_type = "m5.large"
max_size = 2
desired_size = 2
[[capacity_providers]]
name = "db"
instance_type = "m5.large"
max_size = 1
desired_size = 1
attributes = { stack = "db" }
[[task_definitions]]
family = "t"
cpu = 256
memory = 256
placement_constraints = [{ type = "memberOf", expression = "attribute:stack == db" }]
[[batch_jobs]]
name = "j"
file = "jobs.csv"
format = "csv"
arrival_column = "t"
cpu_column = "cpu"
memory_column = "mem"
duration_column = "dur"
task_definition = "t"
launch_type = "EC2"
"#;
    let spec = ecsim::scenario::load_str(toml, "c.toml", dir.path()).unwrap();
    let mut sink = ecsim::metrics::MemorySink::default();
    let s = ecsim::sim::Sim::new(&spec, &mut sink)
        .with_invariant_checks(true)
        .run();
    assert_eq!(s.batch.unwrap().placed, 2);
    let instances: Vec<&str> = sink.tasks.iter().map(|t| t.instance.as_str()).collect();
    assert_eq!(
        instances,
        ["i-00000003", "i-00000003"],
        "only the db group's instance (the third registered) has stack = db"
    );
}

/// A broken trace row is a load error naming the trace file, its line and column, with exit code 2.
#[test]
fn broken_traces_are_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = |trace: &str| {
        format!(
            r#"name = "t"
duration = "1h"
[cluster]
availability_zones = ["a"]
[[task_definitions]]
family = "w"
requires_compatibilities = ["FARGATE"]
cpu = 256
memory = 512
[[services]]
name = "w"
task_definition = "w"
desired_count = 1
launch_type = "FARGATE"
[services.load]
trace = {{ file = "{trace}", time_column = "t", value_column = "rps" }}
cpu_ms_per_request = 5.0
"#
        )
    };
    let cases = [
        (
            "bad-number.csv",
            "t,rps\n0,10\n60,abc\n",
            "bad-number.csv:3",
            "expected a number",
        ),
        (
            "backwards.csv",
            "t,rps\n0,10\n60,12\n30,11\n",
            "backwards.csv:4",
            "time goes backwards",
        ),
        (
            "missing-column.csv",
            "t,reqs\n0,10\n",
            "missing-column.csv:1",
            "missing column `rps`",
        ),
    ];
    for (file, text, place, what) in cases {
        std::fs::write(dir.path().join(file), text).unwrap();
        std::fs::write(dir.path().join("s.toml"), scenario(file)).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_ecsim"))
            .args(["validate", "s.toml"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains(place) && err.contains(what), "{file}: {err}");
    }
    // A missing trace file.
    std::fs::write(dir.path().join("s.toml"), scenario("nope.csv")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["validate", "s.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nope.csv"));
}

/// Batch CSV rows are checked at load as well.
#[test]
fn broken_job_rows_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("jobs.csv"),
        "t,cpu,mem,dur\n0,256,512,10\n5,x,512,10\n",
    )
    .unwrap();
    let toml = r#"name = "b"
duration = "1h"
[cluster]
availability_zones = ["a"]
[[batch_jobs]]
name = "j"
file = "jobs.csv"
format = "csv"
arrival_column = "t"
cpu_column = "cpu"
memory_column = "mem"
duration_column = "dur"
launch_type = "FARGATE"
"#;
    let err = ecsim::scenario::load_str(toml, "b.toml", dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("jobs.csv:3"), "{err}");
}
