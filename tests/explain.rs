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
    assert!(out.lines().all(|l| l.contains("task 4")), "{out}");
    let o = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["explain", "scenarios/quickstart.toml", "--service", "nope"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
