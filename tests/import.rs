//! `ecsim import` (issue #21): the example export in examples/aws-export imported, validated and run with
//! the built binary; partial sets; bad input (missing references, malformed JSON, the wrong command's
//! output, unknown fields); the start-up timing fit by hand.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EXAMPLE: &str = "examples/aws-export";

fn ecsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(args)
        .output()
        .expect("run ecsim")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A copy of the example export, to break in one place.
fn copy_example(to: &Path) {
    for sub in ["", "taskdefs"] {
        std::fs::create_dir_all(to.join(sub)).unwrap();
        for e in std::fs::read_dir(Path::new(EXAMPLE).join(sub)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "json") {
                std::fs::copy(&p, to.join(sub).join(p.file_name().unwrap())).unwrap();
            }
        }
    }
}

/// Import `dir` into `out/shop.toml`; returns (scenario, report).
fn import_ok(dir: &Path, out: &Path) -> (String, String) {
    let scenario = out.join("shop.toml");
    let o = ecsim(&["import", s(dir), "--out", s(&scenario), "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (
        std::fs::read_to_string(&scenario).unwrap(),
        std::fs::read_to_string(out.join("import-report.md")).unwrap(),
    )
}

fn import_err(dir: &Path) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let o = ecsim(&["import", s(dir), "--out", s(&tmp.path().join("x.toml"))]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn validate_and_run(scenario: &Path, out: &Path) {
    let v = ecsim(&["validate", s(scenario)]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    let r = ecsim(&["run", s(scenario), "--out", s(out), "-q"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(out.join("summary.json").exists());
}

#[test]
fn example_export_imports_validates_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let (t, report) = import_ok(Path::new(EXAMPLE), tmp.path());
    for want in [
        "name = \"shop\"",
        "region = \"us-east-1\"",
        "availability_zones = [\"us-east-1a\", \"us-east-1b\", \"us-east-1c\"]",
        // The capacity provider joined to its Auto Scaling group by ARN.
        "instance_type = \"m5.large\"  # auto-scaling-groups.json: AutoScalingGroups[0].Instances[].InstanceType",
        "max_size = 10",
        "desired_size = 3",
        "target_capacity = 90",
        "instance_warmup_period = \"300s\"",
        // Services: desired counts, strategies with base and weight, placement strategies in order.
        "desired_count = 4",
        "desired_count = 6",
        "{ capacity_provider = \"FARGATE\", base = 1, weight = 1 }, { capacity_provider = \"FARGATE_SPOT\", base = 0, weight = 3 }",
        "placement_strategy = [{ type = \"spread\", field = \"attribute:ecs.availability-zone\" }, { type = \"binpack\", field = \"memory\" }]",
        // Task sizes: web has no task-level size, so placement charges the container sums.
        "placement charges 512 CPU units (the containers' cpu summed (384 + 128)) and 1024 MiB",
        "placement charges 1024 CPU units (task-level cpu) and 2048 MiB (task-level memory)",
        // The scalable target found by ResourceId service/shop/web, and its policy.
        "min_capacity = 2",
        "max_capacity = 20",
        "metric = \"ECSServiceAverageCPUUtilization\", target = 60, scale_out_cooldown = \"60s\", scale_in_cooldown = \"300s\"",
        "[timings.ec2]",
        "[timings.fargate]",
        "fitted from 11 described FARGATE tasks (1 skipped)",
    ] {
        assert!(t.contains(want), "scenario lacks {want:?}:\n{t}");
    }
    for want in [
        "## Mapped",
        "## Assumed",
        "timestamps out of order (pullStoppedAt is 3000 ms before pullStartedAt)",
        "## Read but not modelled",
        "`services.json`: `services[].loadBalancers[].containerPort` | web",
        "`capacity-providers.json`: `capacityProviders[].autoScalingGroupProvider.managedDraining`",
        "## Unknown fields (not in the API reference import knows; ignored)\n\nNone.",
        // The load: web's target group resolves its RequestCount; worker has none.
        "| worker | — | no RequestCount series resolves to it",
    ] {
        assert!(report.contains(want), "report lacks {want:?}:\n{report}");
    }
    // The replayed window is the metrics' hour (09:00 to 10:00), not the 6 h assumed without metrics.
    assert!(t.contains("duration = \"3600s\"  # the window of the attached RequestCount series: epoch 1796029200 s to 1796032800 s"), "{t}");
    // The fixture's web was built to cost 12 ms of CPU a request on its 0.5 vCPU tasks, with CPU noise of
    // ±4 %: the fit through the origin over the 60 minutes finds 12.007.
    assert!(t.contains("load = { trace = { file = \"metric-requests_web.csv\", time_column = \"epoch_s\", value_column = \"value\", value = \"count\", row_interval = \"60s\" }, cpu_ms_per_request = 12.007 }"), "{t}");
    assert!(
        t.contains("# R² 0.920 (centred), residual 2594 CPU ms per period"),
        "{t}"
    );
    assert!(report.contains("| web | `requests_web` (TargetGroup targetgroup/shop-web/9f8e7d6c5b4a3f2e = service `web`'s loadBalancers[].targetGroupArn) | `cpu_web`, `running_web` (RunningTaskCount), 0.5 vCPU | 60 | 12.007 ms (s.e. 0.044) |"), "{report}");

    // get-metric-data (newest first, as the API answers) becomes an oldest-first rate trace CSV.
    let csv = std::fs::read_to_string(tmp.path().join("metric-requests_web.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("epoch_s,value"));
    // 2026-11-30T09:00:00Z = 1,795,996,800 + 9 × 3,600 = 1,796,029,200 s.
    assert_eq!(lines.next(), Some("1796029200,6000"));
    assert_eq!(csv.lines().count(), 61);
    assert!(
        report.contains("`metric-requests_web.csv`: 60 points, every 60 s"),
        "{report}"
    );
    // The imported scenario runs, and the replayed traffic drives web's target tracking.
    validate_and_run(&tmp.path().join("shop.toml"), &tmp.path().join("run"));
    let events = std::fs::read_to_string(tmp.path().join("run/events.csv")).unwrap();
    assert!(
        events.contains("scaling out service web from 4"),
        "{events}"
    );
}

/// When the estimate lacks its data the load is not attached and the report says why: without the
/// CPUUtilization series, web keeps no load, the scenario keeps the assumed 6 h, and the note gives the
/// line to add by hand. Without metric-queries.json the series resolve by their Ids (`requests_web`);
/// without RunningTaskCount the fit assumes the desiredCount (4) ran throughout, and says so.
#[test]
fn load_not_attached_without_its_data_and_resolved_by_id_without_the_request() {
    let full: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(EXAMPLE).join("metrics.json")).unwrap(),
    )
    .unwrap();
    let without = |drop: &[&str]| {
        let mut doc = full.clone();
        doc["MetricDataResults"]
            .as_array_mut()
            .unwrap()
            .retain(|r| !drop.contains(&r["Id"].as_str().unwrap()));
        serde_json::to_string_pretty(&doc).unwrap()
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("export");
    copy_example(&dir);
    std::fs::write(dir.join("metrics.json"), without(&["cpu_web"])).unwrap();
    let (t, report) = import_ok(&dir, &tmp.path().join("a"));
    assert!(!t.contains("load = {"), "{t}");
    assert!(t.contains("duration = \"6h\"  # assumed"), "{t}");
    assert!(
        report.contains("not attached: no CPUUtilization series of it was exported"),
        "{report}"
    );
    assert!(
        report
            .contains("`metric-requests_web.csv` is its RequestCount but no CPUUtilization series"),
        "{report}"
    );

    std::fs::remove_file(dir.join("metric-queries.json")).unwrap();
    std::fs::write(dir.join("metrics.json"), without(&["running_web"])).unwrap();
    let (t, report) = import_ok(&dir, &tmp.path().join("b"));
    assert!(t.contains("cpu_ms_per_request = "), "{t}");
    assert!(!t.contains("`running_web`"), "{t}");
    assert!(
        report.contains("`requests_web` (its Id `requests_web`)"),
        "{report}"
    );
    assert!(
        report
            .contains("service web: 4 running tasks in every period of the cpu_ms_per_request fit"),
        "{report}"
    );
}

#[test]
fn import_is_deterministic() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    assert_eq!(
        import_ok(Path::new(EXAMPLE), a.path()),
        import_ok(Path::new(EXAMPLE), b.path())
    );
}

#[test]
fn partial_set_imports_what_it_can() {
    // Only describe-services and the task definitions.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("export");
    std::fs::create_dir_all(dir.join("taskdefs")).unwrap();
    std::fs::copy(
        Path::new(EXAMPLE).join("services.json"),
        dir.join("services.json"),
    )
    .unwrap();
    for f in ["web-7.json", "worker-3.json"] {
        std::fs::copy(
            Path::new(EXAMPLE).join("taskdefs").join(f),
            dir.join("taskdefs").join(f),
        )
        .unwrap();
    }
    let out = tmp.path().join("out");
    let (t, report) = import_ok(&dir, &out);
    assert!(t.contains("name = \"shop\""), "{t}");
    assert!(t.contains("name = \"shop-m5\""), "{t}");
    assert!(!t.contains("[timings."), "{t}");
    for want in [
        "capacity provider shop-m5 (used by services.json: services[0] (service web) capacityProviderStrategy): no `aws ecs describe-capacity-providers` output",
        "availability zones us-east-1a, us-east-1b, us-east-1c",
        "- `aws ecs describe-tasks` → `tasks.json`",
    ] {
        assert!(report.contains(want), "report lacks {want:?}:\n{report}");
    }
    validate_and_run(&out.join("shop.toml"), &out.join("run"));
}

#[test]
fn missing_task_definition_names_the_command() {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    std::fs::remove_file(tmp.path().join("taskdefs/worker-3.json")).unwrap();
    let e = import_err(tmp.path());
    assert!(
        e.contains("service worker uses task definition arn:aws:ecs:us-east-1:123456789012:task-definition/worker:3")
            && e.contains("`aws ecs describe-task-definition --task-definition arn:aws:ecs:us-east-1:123456789012:task-definition/worker:3 >")
            && e.contains("taskdefs/worker-3.json`"),
        "{e}"
    );
}

#[test]
fn missing_capacity_provider_and_group_name_the_command() {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    let cps = tmp.path().join("capacity-providers.json");
    let text = std::fs::read_to_string(&cps)
        .unwrap()
        .replace("\"name\": \"shop-m5\"", "\"name\": \"other\"");
    std::fs::write(&cps, text).unwrap();
    let e = import_err(tmp.path());
    assert!(
        e.contains("capacity-providers.json: capacity provider shop-m5"),
        "{e}"
    );
    assert!(
        e.contains("`aws ecs describe-capacity-providers --capacity-providers shop-m5`"),
        "{e}"
    );

    copy_example(tmp.path());
    let asgs = tmp.path().join("auto-scaling-groups.json");
    let text = std::fs::read_to_string(&asgs)
        .unwrap()
        .replace("shop-asg-m5", "another-asg");
    std::fs::write(&asgs, text).unwrap();
    let e = import_err(tmp.path());
    assert!(
        e.contains(
            "`aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names shop-asg-m5`"
        ),
        "{e}"
    );
}

#[test]
fn malformed_json_is_an_error_with_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    // Line 3 loses the comma after its value: serde_json stops at line 4, column 13.
    std::fs::write(
        tmp.path().join("clusters.json"),
        "{\n    \"clusters\": [{\n        \"clusterName\": \"shop\"\n        \"status\": \"ACTIVE\"\n    }]\n}\n",
    )
    .unwrap();
    let e = import_err(tmp.path());
    assert!(e.contains("clusters.json:4:9: malformed JSON"), "{e}");
}

#[test]
fn the_wrong_commands_output_says_which_command_it_looks_like() {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    std::fs::copy(
        tmp.path().join("scaling-policies.json"),
        tmp.path().join("services.json"),
    )
    .unwrap();
    let e = import_err(tmp.path());
    assert!(
        e.contains("services.json: this looks like the output of `aws application-autoscaling describe-scaling-policies`")
            && e.contains("expected the output of `aws ecs describe-services`"),
        "{e}"
    );
    copy_example(tmp.path());
    std::fs::write(
        tmp.path().join("services.json"),
        r#"{"serviceArns": ["arn:aws:ecs:us-east-1:1:service/shop/web"]}"#,
    )
    .unwrap();
    let e = import_err(tmp.path());
    assert!(
        e.contains("looks like the output of `aws ecs list-services`"),
        "{e}"
    );
    assert!(
        e.contains("expected the output of `aws ecs describe-services`"),
        "{e}"
    );
}

#[test]
fn unknown_fields_are_listed_in_the_report_not_errors() {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    let p = tmp.path().join("services.json");
    let text = std::fs::read_to_string(&p).unwrap().replacen(
        "\"serviceName\": \"web\",",
        "\"serviceName\": \"web\", \"futureKnob\": 3,",
        1,
    );
    std::fs::write(&p, text).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (_, report) = import_ok(tmp.path(), out.path());
    assert!(
        report.contains("| `services.json`: `services[].futureKnob` | web |"),
        "{report}"
    );
}

/// A scalable target's `SuspendedState` (AAS API `SuspendedState`, §9.3) changes what the policies do, so
/// it is imported, not listed as "read but not modelled": `DynamicScalingInSuspended` → every imported
/// policy gets `disable_scale_in = true` (they are all target tracking, so no policy scales in, as in
/// AWS); both dynamic directions suspended → no policy at all (the count stays). Before, the run scaled
/// the service in where AWS would not.
#[test]
fn suspended_scaling_is_imported() {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    let p = tmp.path().join("scalable-targets.json");
    let text = std::fs::read_to_string(&p).unwrap();
    let in_only = text.replacen(
        "\"DynamicScalingInSuspended\": false",
        "\"DynamicScalingInSuspended\": true",
        1,
    );
    std::fs::write(&p, &in_only).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (scenario, report) = import_ok(tmp.path(), out.path());
    assert!(
        scenario.contains("disable_scale_in = true },"),
        "{scenario}"
    );
    assert!(!scenario.contains("disable_scale_in = false"), "{scenario}");
    assert!(
        !report.contains("`ScalableTargets[].SuspendedState`"),
        "{report}"
    );
    let both = in_only.replacen(
        "\"DynamicScalingOutSuspended\": false",
        "\"DynamicScalingOutSuspended\": true",
        1,
    );
    std::fs::write(&p, both).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (scenario, report) = import_ok(tmp.path(), out.path());
    assert!(
        !scenario.contains("type = \"target_tracking\""),
        "{scenario}"
    );
    assert!(
        report.contains("suspends dynamic scale-in and scale-out"),
        "{report}"
    );
    validate_and_run(&out.path().join("shop.toml"), &out.path().join("run"));
}

/// A target-tracking policy on a high-resolution metric (§4.2) is skipped with a note that says what it
/// needs (`metric_period = "20s"` for the whole scenario), not that ecsim cannot simulate it (it can); a
/// service whose `deploymentController` is not ECS is noted (it was listed as read but not modelled only).
#[test]
fn a_high_resolution_policy_is_noted_with_what_it_needs() {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    let p = tmp.path().join("scaling-policies.json");
    let text = std::fs::read_to_string(&p).unwrap().replacen(
        "\"ECSServiceAverageCPUUtilization\"",
        "\"ECSServiceAverageCPUUtilizationHighResolution\"",
        1,
    );
    std::fs::write(&p, text).unwrap();
    // And a blue/green (CODE_DEPLOY) service is noted: ecsim rolls every deployment (§2.3).
    let p = tmp.path().join("services.json");
    let text = std::fs::read_to_string(&p).unwrap().replacen(
        "\"type\": \"ECS\"",
        "\"type\": \"CODE_DEPLOY\"",
        1,
    );
    std::fs::write(&p, text).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (_, report) = import_ok(tmp.path(), out.path());
    assert!(
        report.contains("is simulated only with `metric_period = \"20s\"`"),
        "{report}"
    );
    assert!(
        report.contains(
            "has deploymentController CODE_DEPLOY; ecsim simulates only the ECS rolling update"
        ),
        "{report}"
    );
}

/// The timing fit by hand, through the library: three FARGATE tasks with PROVISIONING 2 s, 4 s and 8 s
/// (ln = 0.6931, 1.3863, 2.0794 → μ = ln 4, median 4 s; σ² = (ln²2 + 0 + ln²2)/3 → σ = ln 2 × √(2/3) =
/// 0.5660), pull 10 s each (σ 0), start 1 s each; a fourth task with startedAt before pullStoppedAt is
/// skipped and named in the report.
#[test]
fn start_up_timings_fitted_by_hand() {
    let task = |id: &str, prov_s: u32, start_after_pull_s: i64| {
        let created = 1_795_996_800i64; // 2026-11-30T00:00:00Z
        let ps = created + prov_s as i64;
        let pe = ps + 10;
        let st = pe + start_after_pull_s;
        format!(
            r#"{{"taskArn": "arn:aws:ecs:us-east-1:1:task/shop/{id}", "launchType": "FARGATE", "availabilityZone": "us-east-1a",
               "createdAt": {created}, "pullStartedAt": {ps}, "pullStoppedAt": {pe}, "startedAt": {st}}}"#
        )
    };
    let tasks = format!(
        r#"{{"tasks": [{}, {}, {}, {}], "failures": []}}"#,
        task("a", 2, 1),
        task("b", 4, 1),
        task("c", 8, 1),
        task("late", 3, -2)
    );
    let texts = vec![("tasks.json".to_string(), tasks)];
    let got = ecsim::import::import_texts(&PathBuf::from("x"), &texts).unwrap();
    let t = &got.scenario_toml;
    assert!(
        t.contains("provisioning = { dist = \"lognormal\", median = \"4000ms\", sigma = 0.5660 }"),
        "{t}"
    );
    assert!(
        t.contains("pull = { dist = \"lognormal\", median = \"10000ms\", sigma = 0.0000 }"),
        "{t}"
    );
    assert!(
        t.contains("start = { dist = \"lognormal\", median = \"1000ms\", sigma = 0.0000 }"),
        "{t}"
    );
    assert!(
        got.report_md.contains("task late (FARGATE): skipped from the timing fit, timestamps out of order (startedAt is 2000 ms before pullStoppedAt)"),
        "{}",
        got.report_md
    );
}

/// The export script parses (`bash -n`) and writes the file names import reads.
#[test]
fn export_script_is_valid_bash_and_writes_the_files_import_reads() {
    let script = "scripts/export-cluster.sh";
    let o = Command::new("bash")
        .args(["-n", script])
        .output()
        .expect("bash");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(script).unwrap();
    for cmd in [
        "ecs describe-clusters",
        "ecs describe-capacity-providers",
        "autoscaling describe-auto-scaling-groups",
        "ecs describe-services",
        "ecs describe-task-definition",
        "application-autoscaling describe-scalable-targets",
        "application-autoscaling describe-scaling-policies",
        "application-autoscaling describe-scheduled-actions",
        "ecs describe-tasks",
    ] {
        assert!(text.contains(cmd), "{script} lacks {cmd}");
    }
    for file in [
        "clusters.json",
        "capacity-providers.json",
        "auto-scaling-groups.json",
        "scalable-targets.json",
        "scaling-policies.json",
        "scheduled-actions.json",
        "taskdefs/",
    ] {
        assert!(text.contains(file), "{script} does not write {file}");
    }
}

/// A stand-in for the AWS CLI that answers the export script's calls from the fixture (the project cannot
/// call AWS): each `--output json` call prints the fixture file of that command, each `--query … --output
/// text` call the value the real CLI would print, and `get-metric-data --cli-input-json file://F` checks
/// that F exists and prints the fixture's metrics.json.
const FAKE_AWS: &str = r#"#!/usr/bin/env bash
set -euo pipefail
fx=$FIXTURE
args=" $* "
case "$args" in
  *" describe-clusters "*"--query"*) printf 'shop-m5\tFARGATE\tFARGATE_SPOT\n' ;;
  *" describe-clusters "*) cat "$fx/clusters.json" ;;
  *" describe-capacity-providers "*"--query"*) echo 'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1f2e3d4c-aaaa-bbbb-cccc-0123456789ab:autoScalingGroupName/shop-asg-m5' ;;
  *" describe-capacity-providers "*) cat "$fx/capacity-providers.json" ;;
  *" describe-auto-scaling-groups "*) cat "$fx/auto-scaling-groups.json" ;;
  *" describe-services "*"--services web "*"taskDefinition"*) echo 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7' ;;
  *" describe-services "*"--services worker "*"taskDefinition"*) echo 'arn:aws:ecs:us-east-1:123456789012:task-definition/worker:3' ;;
  *" describe-services "*"--services web "*"targetGroupArn"*) echo 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-web/9f8e7d6c5b4a3f2e' ;;
  *" describe-services "*"targetGroupArn"*) echo 'None' ;;
  *" describe-services "*) cat "$fx/services.json" ;;
  *" describe-target-groups "*) echo 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop-alb/50dc6c495c0c9188' ;;
  *" describe-task-definition "*"web:7"*) cat "$fx/taskdefs/web-7.json" ;;
  *" describe-task-definition "*"worker:3"*) cat "$fx/taskdefs/worker-3.json" ;;
  *" describe-scalable-targets "*) cat "$fx/scalable-targets.json" ;;
  *" describe-scaling-policies "*) cat "$fx/scaling-policies.json" ;;
  *" describe-scheduled-actions "*"service/shop/web"*) cat "$fx/scheduled-actions.json" ;;
  *" describe-scheduled-actions "*) echo '{ "ScheduledActions": [] }' ;;
  *" list-tasks "*) printf '' ;;
  *" get-metric-data "*"--cli-input-json file://"*)
    f=${args#* file://}; f=${f%% *}; test -s "$f"; cat "$fx/metrics.json" ;;
  *) echo "fake aws: unexpected call: $*" >&2; exit 9 ;;
esac
"#;

/// The export script, run against the stand-in CLI, writes files import reads: its metric-queries.json
/// (built with printf, not jq) is valid JSON in the `--cli-input-json` shape, asks per service for
/// CPUUtilization, RunningTaskCount and DesiredTaskCount, and for web (the one behind a target group)
/// RequestCount and p99 TargetResponseTime with the TargetGroup and LoadBalancer dimensions the ARNs'
/// tails give; and import attaches web's load from it.
#[test]
fn export_script_against_a_stand_in_cli_writes_what_import_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let aws = bin.join("aws");
    std::fs::write(&aws, FAKE_AWS).unwrap();
    Command::new("chmod").arg("+x").arg(&aws).status().unwrap();
    let out = tmp.path().join("export");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new("bash")
        .args([
            "scripts/export-cluster.sh",
            "shop",
            s(&out),
            "web",
            "worker",
        ])
        .env("PATH", path)
        .env("FIXTURE", std::fs::canonicalize(EXAMPLE).unwrap())
        .env("START", "2026-11-30T09:00:00Z")
        .env("END", "2026-11-30T10:00:00Z")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let req: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metric-queries.json")).unwrap())
            .unwrap();
    assert_eq!(req["StartTime"], "2026-11-30T09:00:00Z");
    let ids: Vec<&str> = req["MetricDataQueries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["Id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "cpu_web",
            "running_web",
            "desired_web",
            "requests_web",
            "p99_web",
            "cpu_worker",
            "running_worker",
            "desired_worker"
        ]
    );
    let requests = &req["MetricDataQueries"][3]["MetricStat"];
    assert_eq!(requests["Stat"], "Sum");
    assert_eq!(
        requests["Metric"]["Dimensions"],
        serde_json::json!([
            {"Name": "TargetGroup", "Value": "targetgroup/shop-web/9f8e7d6c5b4a3f2e"},
            {"Name": "LoadBalancer", "Value": "app/shop-alb/50dc6c495c0c9188"}
        ])
    );
    for f in [
        "clusters.json",
        "services.json",
        "taskdefs/web-7.json",
        "metrics.json",
    ] {
        assert!(out.join(f).exists(), "no {f}");
    }
    let (t, _) = import_ok(&out, &tmp.path().join("imported"));
    assert!(t.contains("cpu_ms_per_request = 12.007"), "{t}");
    assert!(
        t.contains("web-evening-scale-down") && t.contains("timezone = \"America/New_York\""),
        "{t}"
    );
}

/// `describe-scheduled-actions` (§4.4) → a service's `scheduled_actions`, with its `Timezone`, its
/// `StartTime` (CLI v1 prints Unix seconds: written as ISO 8601 in UTC) and time 0 at the replayed
/// window's start (2026-11-30 09:00 UTC, a Monday). By hand: `cron(30 4 ? * MON-FRI *)` in
/// America/New_York is 04:30 EST = 09:30 UTC, 1,800 s into the run, and raises web's minimum to 8 (it
/// runs 4–6 tasks in the replay). An action of another namespace is noted and skipped; with the target's
/// `ScheduledScalingSuspended` the service's actions are left out with a note. Import refused the file.
#[test]
fn scheduled_actions_are_imported_with_their_time_zone() {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    let actions = serde_json::json!({ "ScheduledActions": [
        { "ScheduledActionName": "morning", "ServiceNamespace": "ecs",
          "Schedule": "cron(30 4 ? * MON-FRI *)", "Timezone": "America/New_York",
          "ResourceId": "service/shop/web", "ScalableDimension": "ecs:service:DesiredCount",
          "StartTime": 1_780_000_000.0,
          "ScalableTargetAction": { "MinCapacity": 8 } },
        { "ScheduledActionName": "table", "ServiceNamespace": "dynamodb",
          "Schedule": "rate(1 hour)", "ResourceId": "table/orders",
          "ScalableDimension": "dynamodb:table:ReadCapacityUnits",
          "ScalableTargetAction": { "MinCapacity": 5 } }
    ]});
    std::fs::write(
        tmp.path().join("scheduled-actions.json"),
        serde_json::to_string_pretty(&actions).unwrap(),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let (scenario, report) = import_ok(tmp.path(), out.path());
    // 1,780,000,000 s is 2026-05-28 20:26:40 UTC.
    assert!(
        scenario.contains("{ schedule = \"cron(30 4 ? * MON-FRI *)\", min_capacity = 8, timezone = \"America/New_York\", start_time = \"2026-05-28T20:26:40Z\", start_date = \"2026-11-30T09:00:00Z\" }"),
        "{scenario}"
    );
    assert!(
        report.contains("ScheduledActions[1] (table on table/orders): not an ECS service's DesiredCount; skipped"),
        "{report}"
    );
    let run = out.path().join("run");
    validate_and_run(&out.path().join("shop.toml"), &run);
    let events = std::fs::read_to_string(run.join("events.csv")).unwrap();
    let fired: Vec<&str> = events
        .lines()
        .filter(|l| l.contains("Scheduled action"))
        .collect();
    assert_eq!(fired.len(), 1, "{events}");
    assert!(
        fired[0].starts_with("1800.000,") && fired[0].contains("MinCapacity 8"),
        "{}",
        fired[0]
    );
    // Scheduled scaling suspended on the target: the action is left out, and the report says so.
    let p = tmp.path().join("scalable-targets.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    doc["ScalableTargets"][0]["SuspendedState"]["ScheduledScalingSuspended"] = true.into();
    std::fs::write(&p, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (scenario, report) = import_ok(tmp.path(), out.path());
    assert!(!scenario.contains("scheduled_actions"), "{scenario}");
    assert!(
        report.contains(
            "ScheduledScalingSuspended is true: the service's 1 scheduled action(s) are left out"
        ),
        "{report}"
    );
}

/// `ecsim calibrate` against hand-made RunningTaskCount series, resolved by their Ids (no
/// metric-queries.json in the folder). By hand: worker has no load and runs its 6 tasks throughout; the
/// last observed point is 5: |6 − 5| / 5 = 20 % on one of 10 points → MAPE 2.0 %, within the default 10 %.
/// With --tolerance 1 it is outside: exit 0 all the same (the verdict is data), exit 1 with
/// --fail-outside-tolerance.
#[test]
fn calibrate_reports_mape_per_metric_against_the_tolerance() {
    let tmp = tempfile::tempdir().unwrap();
    import_ok(Path::new(EXAMPLE), tmp.path());
    let obs = tmp.path().join("observed");
    std::fs::create_dir_all(&obs).unwrap();
    let ts: Vec<String> = (2..12)
        .map(|m| format!("\"2026-11-30T09:{m:02}:00+00:00\""))
        .collect();
    let mut worker = vec!["6.0"; 9];
    worker.push("5.0");
    let doc = format!(
        r#"{{"MetricDataResults": [
            {{"Id": "running_worker", "Label": "RunningTaskCount", "Timestamps": [{ts}], "Values": [{worker}], "StatusCode": "Complete"}},
            {{"Id": "queue_depth", "Label": "x", "Timestamps": [{ts}], "Values": [{worker}], "StatusCode": "Complete"}}
        ], "Messages": []}}"#,
        ts = ts.join(", "),
        worker = worker.join(", ")
    );
    std::fs::write(obs.join("metrics.json"), doc).unwrap();
    let scenario = tmp.path().join("shop.toml");
    let cal = tmp.path().join("cal");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "calibrate",
            s(&scenario),
            "--observed",
            s(&obs),
            "--out",
            s(&cal),
        ];
        args.extend_from_slice(extra);
        ecsim(&args)
    };
    let o = run(&[]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains(
            "running  worker                    10        0     2.0          10.0  within"
        ),
        "{out}"
    );
    assert!(
        out.contains("(series queue_depth: no query for it"),
        "{out}"
    );
    assert!(
        out.contains("verdict: within 10 % on all 1 comparisons"),
        "{out}"
    );
    // One run of a stochastic model: its seed is said.
    assert!(out.contains("(one run, with the scenario's seed "), "{out}");
    assert_eq!(
        std::fs::read_to_string(cal.join("calibrate.csv")).unwrap(),
        "metric,service,points,skipped,mape_pct,tolerance_pct,result,zero_vs_run,no_run_row\nrunning,worker,10,0,2.000,10,within,0,0\n"
    );
    let o = run(&["--tolerance", "1"]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("verdict: OUTSIDE 1 % on 1 of 1: running of worker (2.0 %)"),
        "{out}"
    );
    assert_eq!(
        run(&["--tolerance", "1", "--fail-outside-tolerance"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(run(&["--fail-outside-tolerance"]).status.code(), Some(0));
    // Bad input: a folder with no get-metric-data output, a negative tolerance.
    let o = ecsim(&[
        "calibrate",
        s(&scenario),
        "--observed",
        "examples/nonexistent",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(run(&["--tolerance", "-1"]).status.code(), Some(2));
}

/// The fixture as CI runs it: import, then calibrate against the same export. The series resolve through
/// metric-queries.json (ServiceName, and web's TargetGroup through services.json); RequestCount is the
/// replayed input, not compared. Running, desired and CPU come within the 10 % (the fixture's web was
/// built with the cost the import estimates); the made-up p99 is not (the latency model is not fitted:
/// docs/import.md "What limits the fit"), so the verdict is outside, and still exit 0. The chart has a
/// pane per comparison, as SVG and PNG.
#[test]
fn calibrate_on_the_fixture_writes_its_table_and_chart() {
    let tmp = tempfile::tempdir().unwrap();
    import_ok(Path::new(EXAMPLE), tmp.path());
    let cal = tmp.path().join("cal");
    let o = ecsim(&[
        "calibrate",
        s(&tmp.path().join("shop.toml")),
        "--observed",
        EXAMPLE,
        "--out",
        s(&cal),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for (metric, verdict) in [
        ("cpu", "within"),
        ("running", "within"),
        ("desired", "within"),
        ("p99", "OUTSIDE"),
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("{metric:<8} web ")))
            .unwrap_or_else(|| panic!("no {metric} line:\n{out}"));
        assert!(
            line.contains(" 60        0 ") && line.ends_with(verdict),
            "{line}"
        );
    }
    assert!(
        out.contains("(series requests_web: the replayed input (RequestCount); not compared)"),
        "{out}"
    );
    assert!(
        out.contains("verdict: OUTSIDE 10 % on 1 of 4: p99 of web"),
        "{out}"
    );
    let csv = std::fs::read_to_string(cal.join("calibrate.csv")).unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");
    let svg = std::fs::read_to_string(cal.join("calibrate.svg")).unwrap();
    for pane in [
        "cpu of web: MAPE",
        "running of web: MAPE",
        "desired of web: MAPE",
        "p99 of web: MAPE",
    ] {
        assert!(svg.contains(pane), "chart lacks {pane}");
    }
    let png = std::fs::read(cal.join("calibrate.png")).unwrap();
    assert_eq!(&png[..4], b"\x89PNG");
    // Observed points at 60 … 3600 s (period ends); the run's rows at 0 … 3600 s, but CPU and p99 have
    // no value at 0 (no period behind it yet): 60 + 61 (running) + 61 (desired) + 60 rows + the header.
    let series = std::fs::read_to_string(cal.join("calibrate-series.csv")).unwrap();
    assert_eq!(series.lines().count(), 1 + 60 + 61 + 61 + 60, "{series}");
}

/// A DAEMON service's `deploymentConfiguration` is imported (§2.1, §2.3): its minimumHealthyPercent sets
/// how many of its tasks a deployment stops at once (0 %: all, 50 %: half). It was dropped for every
/// DAEMON service, from when ecsim did not run their deployments, so a daemon imported with 50 % rolled
/// out all at once. The example's worker made a DAEMON on EC2 with minimum 50 %, maximum 100 %.
#[test]
fn a_daemon_services_deployment_configuration_is_imported() {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    let p = tmp.path().join("services.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    let w = &mut doc["services"][1];
    assert_eq!(w["serviceName"], "worker");
    w["schedulingStrategy"] = "DAEMON".into();
    w["launchType"] = "EC2".into();
    w.as_object_mut()
        .unwrap()
        .remove("capacityProviderStrategy");
    w["deploymentConfiguration"]["maximumPercent"] = 100.into();
    w["deploymentConfiguration"]["minimumHealthyPercent"] = 50.into();
    std::fs::write(&p, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let td = tmp.path().join("taskdefs/worker-3.json");
    let mut def: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&td).unwrap()).unwrap();
    def["taskDefinition"]["requiresCompatibilities"] = serde_json::json!(["EC2", "FARGATE"]);
    std::fs::write(&td, serde_json::to_string_pretty(&def).unwrap()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (scenario, _) = import_ok(tmp.path(), out.path());
    let worker = &scenario[scenario.find("name = \"worker\"  #").expect("worker")..];
    assert!(
        worker.contains("scheduling_strategy = \"DAEMON\""),
        "{worker}"
    );
    assert!(
        worker.contains(
            "deployment_configuration = { minimum_healthy_percent = 50, maximum_percent = 100,"
        ),
        "{worker}"
    );
    validate_and_run(&out.path().join("shop.toml"), &out.path().join("run"));
}
