//! `ecsim explain`: golden decision logs for a small placement scenario and a small scaling scenario, and
//! the filters. To update after a deliberate change: rerun the commands in the comments and review the diff.

use std::path::PathBuf;
use std::process::Command;

fn explain(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .arg("explain")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

fn golden(name: &str) -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(name),
    )
    .unwrap()
}

/// `ecsim explain scenarios/member-of-distinct.toml --to 1m`: memberOf and distinctInstance narrowing the
/// candidates, the spread choices, the unplaceable fifth task and ECS's event for it.
#[test]
fn placement_golden() {
    let out = explain(&["scenarios/member-of-distinct.toml", "--to", "1m"]);
    assert_eq!(out, golden("explain-placement.txt"));
    assert!(out.contains("distinctInstance kept 0 of 9"));
}

/// `ecsim explain scenarios/nasa-ec2-autoscaling.toml --from 2d9h30m --to 2d10h`: target tracking with its
/// datapoints and arithmetic, a task waiting in PROVISIONING, cluster auto scaling with M, N and CPR.
#[test]
fn scaling_golden() {
    let out = explain(&[
        "scenarios/nasa-ec2-autoscaling.toml",
        "--from",
        "2d9h30m",
        "--to",
        "2d10h",
    ]);
    assert_eq!(out, golden("explain-scaling.txt"));
    assert!(out.contains("3 of 3 datapoints above the target 60"));
    assert!(out.contains("CapacityProviderReservation 200.0 (M 2, N 1)"));
}

/// `ecsim explain` on scenario text written to a fresh folder (stdout; warnings go to stderr).
fn explain_toml(toml: &str, args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), toml).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["explain", "s.toml"])
        .args(args)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// (1) A 4096-CPU task on c5.large, which registers 2048 CPU units (2 vCPU × 1024, §6.1): the placement
/// line says it can never fit and that managed scaling will not help (§3.2: CAS leaves out a task that
/// fits no instance of the group), not only "insufficient CPU".
#[test]
fn a_task_that_can_never_fit_says_so() {
    let out = explain_toml(
        r#"
name = "big"
duration = "2m"
[cluster]
availability_zones = ["us-east-1a"]
[[capacity_providers]]
name = "general"
instance_type = "c5.large"
max_size = 4
desired_size = 1
managed_scaling = { target_capacity = 100 }
[[task_definitions]]
family = "web"
cpu = 4096
memory = 2048
[[services]]
name = "web"
task_definition = "web"
desired_count = 1
capacity_provider_strategy = [{ capacity_provider = "general", weight = 1 }]
"#,
        &[],
    );
    let placing = out.lines().find(|l| l.contains("placing a task")).unwrap();
    assert!(
        placing.ends_with("insufficient CPU units available. This task can never fit: the largest instance type it may use, c5.large, registers 2048 CPU / 4017 MiB; managed scaling will not help"),
        "{placing}"
    );
    assert!(out.contains(
        "service web: task 1 waits in PROVISIONING for capacity provider general's instances"
    ));
}

/// (2) `--task 4` of the quickstart: the whole life of a web task — its placement, creation, every state
/// change with its time, the scale-in at 90 minutes that stops it with its stop code and reason.
#[test]
fn task_shows_the_whole_life() {
    let out = explain(&["scenarios/quickstart.toml", "--task", "4"]);
    let lines: Vec<&str> = out.lines().collect();
    let expect_in_order = [
        "00:00:00 service web: placing a task (256 CPU, 512 MiB): 3 instances considered.",
        "00:00:00 task 4 of service web: created in PROVISIONING (task definition web, 256 CPU, 512 MiB, EC2), capacity provider general",
        "00:00:00 task 4 of service web: PROVISIONING → PENDING on i-",
        "00:00:00 (service web) has started 6 tasks: (task 4)",
        "task 4 of service web: PENDING → ACTIVATING",
        "task 4 of service web: ACTIVATING → RUNNING (",
        "01:30:00 task 4 of service web: stop requested in RUNNING (stopCode ServiceSchedulerInitiated: Scaling activity initiated by (deployment ecs-svc/0))",
        "01:30:00 task 4 of service web: RUNNING → DEACTIVATING",
        "(service web) has stopped 5 running tasks: (task 4)",
        "task 4 of service web: DEPROVISIONING → STOPPED (stopCode ServiceSchedulerInitiated: Scaling activity initiated by (deployment ecs-svc/0))",
    ];
    let mut at = 0;
    for e in expect_in_order {
        let k = lines[at..]
            .iter()
            .position(|l| l.contains(e))
            .unwrap_or_else(|| panic!("missing after line {at}: {e}\n{out}"));
        at += k + 1;
    }
    assert!(
        lines.iter().all(|l| l.contains("task 4")
            || l.contains("placing a task")
            || l.contains("(task 4)")),
        "{out}"
    );
    // Without --task, state changes are not printed.
    let all = explain(&["scenarios/quickstart.toml", "--to", "1m"]);
    assert!(!all.contains("PENDING → ACTIVATING"));
}

/// (3) `--service web` keeps the service's PROVISIONING and placement lines (the wait used to be filed
/// under no service and was hidden).
#[test]
fn service_filter_keeps_provisioning_lines() {
    let out = explain(&[
        "scenarios/nasa-ec2-autoscaling.toml",
        "--service",
        "web",
        "--from",
        "2d9h30m",
        "--to",
        "2d10h",
    ]);
    assert!(out.contains("2d 09:39:03 service web: placing a task (1024 CPU, 2048 MiB)"));
    assert!(out.contains("2d 09:39:03 service web: task 3 waits in PROVISIONING for capacity provider web's instances"));
    assert!(out.contains(
        "service web: task 3 placed on i-00000002 (us-east-1b) after 3 min 36 s in PROVISIONING"
    ));
    assert!(
        !out.contains("Capacity provider web:"),
        "not a line of the service: {out}"
    );
}

/// (4) One instance holds two of the three tasks; the third is retried every 10 s (at least) for 45
/// minutes. The retries are one step printed once with its count, cadence and span, not hundreds of
/// lines.
#[test]
fn identical_retries_collapse_into_one_line() {
    let out = explain_toml(
        r#"
name = "retry"
duration = "46m"
[cluster]
availability_zones = ["us-east-1a"]
[[capacity_providers]]
name = "general"
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
desired_count = 3
launch_type = "EC2"
[scheduler]
placement_retry_interval = "10s"
"#,
        &[],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() <= 10, "{out}");
    let retry: Vec<&&str> = lines.iter().filter(|l| l.contains("(repeated ")).collect();
    assert_eq!(
        retry.len(),
        3,
        "the reconcile, placement and event lines of the step: {out}"
    );
    for l in retry {
        assert!(l.starts_with("00:00:10 "), "{l}");
        assert!(l.ends_with("00:00:10–00:46:00)"), "{l}");
        let n: u32 = l
            .split("(repeated ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(n >= 270, "{l}");
    }
}

#[test]
fn filters() {
    let out = explain(&[
        "scenarios/quickstart.toml",
        "--service",
        "worker",
        "--to",
        "1m",
    ]);
    assert!(!out.is_empty());
    assert!(out.lines().all(|l| l.contains("worker")), "{out}");
    let out = explain(&["scenarios/quickstart.toml", "--task", "4", "--to", "2h"]);
    // Its placement line (which precedes the task) and the lines that name it.
    assert!(
        out.lines()
            .all(|l| l.contains("task 4") || l.contains("placing a task")),
        "{out}"
    );
    let o = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["explain", "scenarios/quickstart.toml", "--service", "nope"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
