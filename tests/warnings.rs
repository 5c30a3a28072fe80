//! Warnings end to end through the real binary (issue #17): each kind on a hand-made scenario — on stderr
//! from `validate` and `run` with the file and line, in `summary.json` as records, at the top of
//! `report.html` — and the example scenarios warn only where that is their point.

use std::path::PathBuf;

mod common;
use common::{ecsim, stderr};

/// Write `toml` (and any extra files) into a fresh folder, run `validate` and `run` on it; return the
/// folder, validate's stderr, run's stderr and the summary's warnings.
struct Case {
    dir: tempfile::TempDir,
    validate: String,
    run: String,
    warnings: Vec<serde_json::Value>,
}

fn case(toml: &str, files: &[(&str, &str)]) -> Case {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), toml).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let v = ecsim(&["validate", "s.toml"], dir.path());
    assert!(v.status.success(), "{}", stderr(&v));
    let r = ecsim(&["run", "s.toml", "--out", "out", "-q"], dir.path());
    assert!(r.status.success(), "{}", stderr(&r));
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap(),
    )
    .unwrap();
    let warnings = summary["warnings"].as_array().unwrap().clone();
    Case {
        validate: stderr(&v),
        run: stderr(&r),
        warnings,
        dir,
    }
}

fn codes(c: &Case) -> Vec<&str> {
    c.warnings
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect()
}

const HEAD: &str = r#"
name = "w"
duration = "1h"
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
"#;

/// (1) A 4096-CPU task on c5.large (2 vCPU = 2048 CPU units registered, §6.1) behind managed scaling: it
/// can never fit, and CAS does not scale out for a task that fits no instance of the group (§3.2).
#[test]
fn a_task_larger_than_every_instance_type_warns() {
    let toml = format!(
        r#"{HEAD}
[[capacity_providers]]
name = "general"
instance_type = "c5.large"
max_size = 4
desired_size = 1
managed_scaling = {{ target_capacity = 100 }}

[[task_definitions]]
family = "web"
cpu = 4096
memory = 2048

[[services]]
name = "web"
task_definition = "web"
desired_count = 2
capacity_provider_strategy = [{{ capacity_provider = "general", weight = 1 }}]
"#
    );
    let c = case(&toml, &[]);
    let line = toml
        .lines()
        .position(|l| l.starts_with("task_definition = \"web\""))
        .unwrap()
        + 1;
    let expect = format!(
        "warning: s.toml:{line}: service web: task web (4096 CPU, 2048 MiB) can never fit c5.large (2048 CPU,"
    );
    assert!(c.validate.starts_with(&expect), "{}", c.validate);
    assert!(c.validate.contains("managed scaling will not help"));
    assert!(c.run.starts_with(&expect), "{}", c.run);
    let w = &c.warnings[0];
    assert_eq!(w["code"], "task-never-fits");
    assert_eq!(
        (w["file"].as_str(), w["line"].as_u64()),
        (Some("s.toml"), Some(line as u64))
    );
    assert_eq!(w["service"], "web");
    // The run then ends with the tasks unplaced, which is the fourth kind.
    assert_eq!(codes(&c), ["task-never-fits", "unplaced-at-end"]);
    // report.html: the warnings come first, before the summary.
    let html = std::fs::read_to_string(c.dir.path().join("out/report.html")).unwrap();
    let (w_at, s_at) = (
        html.find("<section id=\"warnings\"").unwrap(),
        html.find("<section id=\"summary\"").unwrap(),
    );
    assert!(w_at < s_at);
    assert!(html[w_at..s_at].contains("can never fit c5.large"));
    assert!(html[w_at..s_at].contains("task-never-fits · s.toml:"));
}

/// Launch type EC2 with two groups: the task fits neither (the largest, m5.xlarge, registers 4096 CPU),
/// so one warning names the largest; a RunTask of it warns too. Without managed scaling the service
/// retries for ever.
#[test]
fn launch_type_ec2_names_the_largest_type() {
    let toml = format!(
        r#"{HEAD}
[[capacity_providers]]
name = "small"
instance_type = "m5.large"
max_size = 2
desired_size = 1

[[capacity_providers]]
name = "large"
instance_type = "m5.xlarge"
max_size = 2
desired_size = 1

[[task_definitions]]
family = "huge"
cpu = 8192
memory = 1024

[[services]]
name = "huge"
task_definition = "huge"
desired_count = 1
launch_type = "EC2"

[[run_tasks]]
at = "5m"
task_definition = "huge"
launch_type = "EC2"
"#
    );
    let c = case(&toml, &[]);
    let never: Vec<&str> = c
        .validate
        .lines()
        .filter(|l| l.contains("[task-never-fits]"))
        .collect();
    assert_eq!(never.len(), 2, "{}", c.validate);
    assert!(never[0].contains(
        "service huge: task huge (8192 CPU, 1024 MiB) can never fit m5.xlarge (4096 CPU,"
    ));
    assert!(never[0].contains("the largest instance type it may use"));
    assert!(never[0].contains("the scheduler will retry its placement for ever"));
    assert!(
        !never[1].contains("service huge"),
        "the RunTask: {}",
        never[1]
    );
    // The RunTask's one task was refused too (RESOURCE:CPU): said with the count.
    assert_eq!(
        codes(&c),
        [
            "task-never-fits",
            "task-never-fits",
            "unplaced-at-end",
            "run-task-failures"
        ]
    );
}

/// (2) max_capacity 40 of 1024-CPU tasks on m5.large (2 per instance) with max_size 5: at most 10 ever fit.
#[test]
fn max_capacity_beyond_what_the_groups_can_hold_warns() {
    let toml = format!(
        r#"{HEAD}
[[capacity_providers]]
name = "general"
instance_type = "m5.large"
max_size = 5
desired_size = 1
managed_scaling = {{ target_capacity = 100 }}

[[task_definitions]]
family = "web"
cpu = 1024
memory = 2048

[[services]]
name = "web"
task_definition = "web"
desired_count = 2
capacity_provider_strategy = [{{ capacity_provider = "general", weight = 1 }}]

[services.load]
pattern = {{ type = "constant", rate = 10 }}
cpu_ms_per_request = 10

[services.auto_scaling]
min_capacity = 2
max_capacity = 40
policies = [{{ type = "target_tracking", metric = "ECSServiceAverageCPUUtilization", target = 60 }}]
"#
    );
    let c = case(&toml, &[]);
    let line = toml
        .lines()
        .position(|l| l.starts_with("max_capacity"))
        .unwrap()
        + 1;
    assert_eq!(codes(&c), ["capacity-below-max"], "{}", c.run);
    let w = &c.warnings[0];
    assert_eq!(w["line"].as_u64(), Some(line as u64));
    let m = w["message"].as_str().unwrap();
    assert!(
        m.contains("max_capacity asks for up to 40 tasks of 1024 CPU, 2048 MiB, but its capacity providers can never hold more than 10: general: 5 instances (max_size) × 2 tasks on m5.large"),
        "{m}"
    );
    assert!(
        c.validate
            .contains(&format!("s.toml:{line}: service web: max_capacity"))
    );
    // Within the groups' reach: no warning.
    let ok = case(&toml.replace("max_capacity = 40", "max_capacity = 10"), &[]);
    assert!(ok.warnings.is_empty(), "{:?}", ok.warnings);
    assert!(ok.validate.is_empty() && ok.run.is_empty());
}

/// (3) A per-minute trace with no rows for 51 minutes (more than five rows): a warning with the span and
/// what was done; `gaps = "error"` is exit 2 with the file and line; an explicit choice is no warning;
/// `zero` serves fewer requests than the default ramp.
#[test]
fn a_hole_in_a_trace_warns_and_gaps_choose_what_fills_it() {
    let mut rows = vec!["t,rps".to_string()];
    rows.extend((0..600).step_by(60).map(|t| format!("{t},10")));
    rows.extend((3600..7260).step_by(60).map(|t| format!("{t},20")));
    let csv = rows.join("\n") + "\n";
    let toml = |gaps: &str| {
        format!(
            r#"
name = "gap"
duration = "2h"
[cluster]
availability_zones = ["us-east-1a"]

[[task_definitions]]
family = "web"
requires_compatibilities = ["FARGATE"]
network_mode = "awsvpc"
cpu = 256
memory = 512

[[services]]
name = "web"
task_definition = "web"
desired_count = 1
launch_type = "FARGATE"

[services.load]
trace = {{ file = "rates.csv", time_column = "t", value_column = "rps"{gaps} }}
cpu_ms_per_request = 1.0
"#
        )
    };
    let c = case(&toml(""), &[("rates.csv", &csv)]);
    assert_eq!(codes(&c), ["trace-gap"]);
    let w = &c.warnings[0];
    assert_eq!(
        (w["file"].as_str(), w["line"].as_u64()),
        (Some("rates.csv"), Some(12))
    );
    let m = w["message"].as_str().unwrap();
    assert!(
        m.contains("no rows for 51 min between 540 (line 11) and 3600 (line 12), more than 5 rows of 1 min; the run reads it from 00:09:00 to 01:00:00, where the rate ramps linearly"),
        "{m}"
    );
    assert!(
        c.validate
            .starts_with("warning: rates.csv:12: service web: trace rates.csv has a hole")
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), toml(", gaps = \"error\"")).unwrap();
    std::fs::write(dir.path().join("rates.csv"), &csv).unwrap();
    for cmd in ["validate", "run"] {
        let o = ecsim(&[cmd, "s.toml"], dir.path());
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).starts_with("error: rates.csv:12: field `t`: a hole: more than 5 rows are missing before this row (51 min without data"),
            "{}",
            stderr(&o)
        );
    }

    let served = |c: &Case| -> f64 {
        let s: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(c.dir.path().join("out/summary.json")).unwrap(),
        )
        .unwrap();
        s["requests"]["total"].as_f64().unwrap()
    };
    let zero = case(&toml(", gaps = \"zero\""), &[("rates.csv", &csv)]);
    assert!(zero.warnings.is_empty() && zero.validate.is_empty());
    let hold = case(&toml(", gaps = \"hold\""), &[("rates.csv", &csv)]);
    // Arithmetic: rows 0–540 s at 10/s and 3600–7260 s at 20/s are common to all; the hole 540–3600 s
    // adds 10 × 60 (zero: the row's own minute), 10 × 3060 (hold), (10 + 20) / 2 × 3060 (interpolate).
    let (z, h, i) = (served(&zero), served(&hold), served(&c));
    assert!((h - z - 10.0 * 3000.0).abs() < 0.5, "{z} {h}");
    assert!((i - h - 5.0 * 3060.0).abs() < 0.5, "{h} {i}");
}

/// (4) Two services each fit the group alone but not together; the group is at max_size, so one ends the
/// run with tasks waiting in PROVISIONING. A service whose memberOf matches nothing ends below its desired
/// count; the closest instance is the free one, which fails only the constraint (neither case is visible
/// to the static checks).
#[test]
fn tasks_unplaced_at_the_end_warn() {
    let toml = format!(
        r#"{HEAD}
[[capacity_providers]]
name = "general"
instance_type = "m5.large"
max_size = 1
desired_size = 1
managed_scaling = {{ target_capacity = 100 }}

[[capacity_providers]]
name = "other"
instance_type = "m5.large"
max_size = 1
desired_size = 1

[[task_definitions]]
family = "web"
cpu = 1024
memory = 1024

[[services]]
name = "a"
task_definition = "web"
desired_count = 2
capacity_provider_strategy = [{{ capacity_provider = "general", weight = 1 }}]

[[services]]
name = "b"
task_definition = "web"
desired_count = 1
start = "10m"
capacity_provider_strategy = [{{ capacity_provider = "general", weight = 1 }}]

[[services]]
name = "c"
task_definition = "web"
desired_count = 1
launch_type = "EC2"
placement_constraints = [{{ type = "memberOf", expression = "attribute:ecs.instance-type == r5.large" }}]

[scheduler]
provisioning_timeout = "2h"
"#
    );
    let c = case(&toml, &[]);
    assert!(c.validate.is_empty(), "{}", c.validate);
    assert_eq!(
        codes(&c),
        ["unplaced-at-end", "unplaced-at-end"],
        "{}",
        c.run
    );
    let b = c.warnings[0]["message"].as_str().unwrap();
    assert_eq!(c.warnings[0]["service"], "b");
    assert!(
        b.starts_with("service b ended the run with 1 task unplaced: 1 waiting in PROVISIONING for capacity (the oldest since 00:10:00)"),
        "{b}"
    );
    let m = c.warnings[1]["message"].as_str().unwrap();
    assert!(
        m.starts_with("service c ended the run with 1 task unplaced: 1 below its desired count of 1: no container instance met all of its requirements (the closest matching, i-00000002, encountered error \"MemberOf placement constraint unsatisfied.\")"),
        "{m}"
    );
    assert!(c.run.contains("[unplaced-at-end]"));
}

/// Batch jobs on Fargate larger than its largest size (16 vCPU, §5.1) are dropped, and the run says so.
#[test]
fn batch_jobs_that_fit_no_fargate_size_warn() {
    let jobs = "arrival,cpu,mem,dur\n0,1024,2048,60\n10,20480,4096,60\n20,512,1024,60\n";
    let toml = r#"
name = "jobs"
duration = "1h"
[cluster]
availability_zones = ["us-east-1a"]

[[batch_jobs]]
name = "b"
file = "jobs.csv"
format = "csv"
arrival_column = "arrival"
cpu_column = "cpu"
memory_column = "mem"
duration_column = "dur"
launch_type = "FARGATE"
"#;
    let c = case(toml, &[("jobs.csv", jobs)]);
    assert_eq!(codes(&c), ["batch-jobs-dropped"]);
    assert!(
        c.warnings[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("batch b: 1 job could never run, larger than any Fargate size (§5.1"),
        "{:?}",
        c.warnings
    );
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Of the examples, only daemon-and-replica warns when checked (its web service asks for more than fits
/// next to the agents, which is its point), and swf-batch says how many rows of the iPSC log it skips (173
/// jobs with a run time ≤ 0: counted, not dropped silently, issue #18).
#[test]
fn examples_do_not_warn_when_validated_unless_that_is_their_point() {
    let mut files: Vec<String> = std::fs::read_dir(repo().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    files.sort();
    files.push("scenarios/fleet/medium.toml".into());
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    let o = ecsim(&args, &repo());
    assert!(o.status.success(), "{}", stderr(&o));
    let warned: Vec<String> = stderr(&o).lines().map(str::to_string).collect();
    assert_eq!(warned.len(), 2, "{warned:?}");
    assert!(warned[0].contains("daemon-and-replica.toml"));
    assert!(
        warned[1].contains("NASA-iPSC-1993-3.1-cln.swf.gz:248: batch_jobs \"ipsc\": 173 rows")
            && warned[1].ends_with("[batch-rows-skipped]"),
        "{warned:?}"
    );
}

/// ECS registers at most 5,000 container instances in a cluster (§8, not adjustable): groups whose
/// `max_size` add up to more are said, at the `max_size` that crosses the quota (3,000 + 3,000 = 6,000,
/// the second group's line: HEAD is 5 lines with a blank first, each group 5, so its `max_size` is line
/// 14). 2,500 +
/// 2,500 = 5,000 is within it. The run goes on either way.
#[test]
fn groups_above_the_cluster_instance_quota_warn() {
    let groups = |a: u32, b: u32| {
        format!(
            "{HEAD}[[capacity_providers]]\nname = \"a\"\ninstance_type = \"m5.large\"\nmax_size = {a}\ndesired_size = 1\n[[capacity_providers]]\nname = \"b\"\ninstance_type = \"m5.large\"\nmax_size = {b}\ndesired_size = 1\n"
        )
    };
    let c = case(&groups(3_000, 3_000), &[]);
    assert_eq!(codes(&c), vec!["instances-above-quota"]);
    assert_eq!(c.warnings[0]["line"], 14);
    assert!(
        c.validate
            .contains("s.toml:14: capacity provider b: its max_size takes the cluster's Auto Scaling groups to 6000 instances, past the 5,000"),
        "{}",
        c.validate
    );
    assert!(c.run.contains("[instances-above-quota]"));
    assert!(codes(&case(&groups(2_500, 2_500), &[])).is_empty());
}

/// A managed-scaling group whose warm-up is shorter than its mean launch latency warns (§3.2: the DG asks
/// for a warm-up "large enough for the EC2 instance to launch and start the Amazon ECS agent (which
/// prevents overprovisioning)", so ECS counts no launching instance in N; ecsim does, and does not
/// over-provision). Launch latency 60–180 s (mean 120 s): warm-up 60 s warns at the `managed_scaling`
/// line (HEAD is 5 lines with a blank first, the group's 7th line: 12), 120 s does not, nor does a group
/// without managed scaling.
#[test]
fn a_warm_up_shorter_than_the_launch_warns() {
    let group = |ms: &str| {
        format!(
            "{HEAD}[[capacity_providers]]\nname = \"cp\"\ninstance_type = \"m5.large\"\nmax_size = 4\ndesired_size = 1\nlaunch_latency = {{ dist = \"uniform\", min = \"60s\", max = \"180s\" }}\n{ms}\n"
        )
    };
    let c = case(
        &group("managed_scaling = { instance_warmup_period = \"60s\" }"),
        &[],
    );
    assert_eq!(codes(&c), vec!["warmup-below-launch"]);
    assert_eq!(c.warnings[0]["line"], 12);
    assert!(
        c.validate.contains(
            "s.toml:12: capacity provider cp: instance_warmup_period 1 min is shorter than the group's mean launch latency 2 min"
        ),
        "{}",
        c.validate
    );
    assert!(c.run.contains("[warmup-below-launch]"));
    let quiet = group("managed_scaling = { instance_warmup_period = \"120s\" }");
    assert!(codes(&case(&quiet, &[])).is_empty());
    assert!(codes(&case(&group(""), &[])).is_empty());
}

/// RunTask tasks that were not launched are said at the end (§7.3: RunTask answers `failures[]` and does
/// not retry). One m5.large registers 2,048 CPU units (§6.1): two 1,024-CPU tasks fit. A call of 4 at
/// 1 min starts 2 (2 × RESOURCE:CPU); a call of 3 at 2 min, while those run for 10 min, starts none
/// (3 × RESOURCE:CPU): 5 of the 7 asked for. Before, only the two events said so, and summary.json's
/// tasks (2 launched, 0 failed) read as if every call had run.
#[test]
fn run_task_failures_are_said_at_the_end() {
    let c = case(
        r#"name = "rte"
duration = "1h"
seed = 1
[cluster]
availability_zones = ["us-east-1a"]
[[capacity_providers]]
name = "b"
instance_type = "m5.large"
min_size = 1
max_size = 1
desired_size = 1
[[task_definitions]]
family = "job"
cpu = 1024
memory = 3000
[[run_tasks]]
at = "1m"
task_definition = "job"
count = 4
launch_type = "EC2"
run_duration = "10m"
[[run_tasks]]
at = "2m"
task_definition = "job"
count = 3
capacity_provider_strategy = [{ capacity_provider = "b", weight = 1 }]
run_duration = "10m"
"#,
        &[],
    );
    assert_eq!(codes(&c), vec!["run-task-failures"]);
    let expect = "RunTask: 5 tasks of the 7 asked for were not launched (the first at 00:01:00; failures[] reasons: RESOURCE:CPU ×5)";
    assert!(
        c.run.starts_with(&format!("warning: {expect}")),
        "{}",
        c.run
    );
    assert!(c.validate.is_empty(), "{}", c.validate);
    let html = std::fs::read_to_string(c.dir.path().join("out/report.html")).unwrap();
    assert!(html.contains("run-task-failures"));
    let w = c.warnings[0]["message"].as_str().unwrap();
    assert!(w.starts_with(expect), "{w}");
}
