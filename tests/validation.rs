//! Validation: ecsim against published rules and measurements, each with its source and the arithmetic
//! in a comment. Add a test per published figure.
//!
//! Launch rates (reference §8):
//! - §8.1 AWS Fargate throttling quotas (AmazonECS developer guide, "AWS Fargate throttling quotas",
//!   https://docs.aws.amazon.com/AmazonECS/latest/userguide/throttling.html): "the tasks and pods token
//!   bucket size for a Fargate customer account is 100 tokens, and the refill rate is 20 tokens per
//!   second"; a separate bucket of 100 and 20 for Fargate Spot tasks.
//! - §8.2 the same page, "Throttling the RunTask API in Fargate": RunTask calls are limited to 20 per
//!   second, burst and sustained, each call launching up to 10 tasks.
//! - §8.3 the per-service launch rate, 500 tasks per minute (Amazon ECS service quotas, "Rate of tasks
//!   launched by a service"). The AWS containers blog "Under the hood: Amazon Elastic Container Service and
//!   AWS Fargate increase task launch rates" (https://aws.amazon.com/blogs/containers/under-the-hood-amazon-elastic-container-service-and-aws-fargate-increase-task-launch-rates/)
//!   tells how these rates were raised for services and standalone tasks.
//! - The same throttling page adds that actual launch rates also depend on image download and unpacking,
//!   health checks and load-balancer registration: ecsim's start-up timings (§5.3) stand for those.
//!
//! Measurement: Vlad Ionescu, "Scaling containers on AWS in 2022",
//! https://www.vladionescu.me/posts/scaling-containers-on-aws-in-2022/ (set-up from the author's Terraform,
//! https://github.com/Vlaaaaaaad/blog-scaling-containers-on-aws-in-2022; see the two files in
//! `scenarios/validation/`).

mod common;

use std::path::Path;

use common::{CLUSTER, run};
use ecsim::metrics::{MemorySink, Summary};
use ecsim::scenario;
use ecsim::sim::{ExplainLog, Sim};

/// Fargate timings of zero: a task reaches RUNNING the moment it gets its launch token, so `startedAt`
/// is the launch time and the bucket can be read off the task records.
const INSTANT_FARGATE: &str = r#"
[timings.fargate]
provisioning = "0s"
pull = "0s"
start = "0s"
"#;

const FARGATE_TASK: &str = r#"
[[task_definitions]]
family = "app"
requires_compatibilities = ["FARGATE"]
network_mode = "awsvpc"
cpu = 256
memory = 512
"#;

fn service(name: &str, desired: u32, provider: &str) -> String {
    format!(
        "[[services]]\nname = \"{name}\"\ntask_definition = \"app\"\ndesired_count = {desired}\ncapacity_provider_strategy = [{{ capacity_provider = \"{provider}\", weight = 1 }}]\n"
    )
}

/// `startedAt` of every task that reached RUNNING, sorted, in ms.
fn started(sink: &MemorySink, filter: impl Fn(&str) -> bool) -> Vec<u64> {
    let mut v: Vec<u64> = sink
        .tasks
        .iter()
        .filter(|t| filter(&t.capacity_provider))
        .filter_map(|t| t.started_ms)
        .collect();
    v.sort_unstable();
    v
}

/// The launch times a bucket of `burst` tokens refilled at 20 per second gives `n` launches asked at
/// t = 0: the first `burst` at 0, then launch k (0-based, k ≥ burst) when token k − burst + 1 has
/// arrived, at (k − burst + 1) × 50 ms.
fn bucket_times(n: u64, burst: u64) -> Vec<u64> {
    (0..n)
        .map(|k| if k < burst { 0 } else { (k - burst + 1) * 50 })
        .collect()
}

fn waiting_lines(sink: &MemorySink) -> Vec<String> {
    sink.events
        .iter()
        .filter(|e| e.message.contains("is waiting for Fargate"))
        .map(|e| e.message.clone())
        .collect()
}

/// §8.1 by hand: seven services of 500 Fargate tasks asked at t = 0 (3,500 tasks). Each service may
/// launch 500 at once (§8.3), so all 3,500 are created at 0 in PROVISIONING; the account's bucket lets
/// 100 launch at once, then one every 1,000 / 20 = 50 ms: launch k (k ≥ 100) at (k − 99) × 50 ms, the
/// last (k = 3,499) at 3,400 × 50 = 170,000 ms = (3,500 − 100) / 20 s. Start latency counts from
/// `createdAt` (0), so it includes the wait: nearest-rank p50 is launch 1,749 (rank ⌈0.5 × 3,500⌉ =
/// 1,750) at (1,749 − 99) × 50 = 82,500 ms, p99 is launch 3,464 at 168,250 ms. One event line per
/// service for the episode (not per task): service s1 has 500 − 100 = 400 queued, the others 500.
#[test]
fn fargate_bucket_launches_100_at_once_then_20_per_second() {
    let svcs: String = (1..=7)
        .map(|i| service(&format!("s{i}"), 500, "FARGATE"))
        .collect();
    let toml = format!("{CLUSTER}{INSTANT_FARGATE}{FARGATE_TASK}{svcs}");
    let (summary, sink) = run(&toml);
    let times = started(&sink, |_| true);
    assert_eq!(times, bucket_times(3_500, 100));
    assert_eq!(*times.last().unwrap(), 170_000);
    assert!(sink.tasks.iter().all(|t| t.created_ms == 0));
    assert_eq!(summary.start_latency_s_p50, Some(82.5));
    assert_eq!(summary.start_latency_s_p99, Some(168.25));
    let lines = waiting_lines(&sink);
    assert_eq!(lines.len(), 7, "{lines:#?}");
    assert_eq!(
        lines[0],
        "(service s1) is waiting for Fargate task-launch capacity: 400 tasks queued (account limit 20 launches/s, burst 100)."
    );
    assert!(lines[1..].iter().all(|l| l.contains(": 500 tasks queued")));
    // Waiting tasks are PROVISIONING: the period ending at 60 s saw the launches up to 59,950 ms, 100 +
    // 1,199 = 1,299 (with zero timings, RUNNING at once); the launch due at 60,000 ms comes after the
    // period closes (equal times run in the order they were scheduled). 2,201 were pending.
    let row = |name: &str| {
        sink.series
            .iter()
            .find(|r| r.time_ms == 60_000 && r.scope == "service" && r.name == name)
            .map(|r| (r.running.unwrap(), r.pending.unwrap()))
            .unwrap()
    };
    let (running, pending): (u32, u32) = (1..=7)
        .map(|i| row(&format!("s{i}")))
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    assert_eq!((running, pending), (1_299, 2_201));
}

/// §8.1: Fargate Spot has its own bucket of the same size. 300 FARGATE and 300 FARGATE_SPOT tasks at
/// t = 0: in each bucket 100 at once, then one every 50 ms, the last at (300 − 100) × 50 = 10,000 ms.
/// One shared bucket would have taken (600 − 100) / 20 = 25 s.
#[test]
fn fargate_spot_has_its_own_bucket() {
    let toml = format!(
        "{CLUSTER}{INSTANT_FARGATE}{FARGATE_TASK}{}{}",
        service("od", 300, "FARGATE"),
        service("spot", 300, "FARGATE_SPOT")
    );
    let (_, sink) = run(&toml);
    assert_eq!(started(&sink, |p| p == "FARGATE"), bucket_times(300, 100));
    assert_eq!(
        started(&sink, |p| p == "FARGATE_SPOT"),
        bucket_times(300, 100)
    );
    let lines = waiting_lines(&sink);
    assert_eq!(lines.len(), 2);
    assert!(lines[1].starts_with(
        "(service spot) is waiting for Fargate Spot task-launch capacity: 200 tasks queued"
    ));
    // `ecsim explain` shows the episode, its start and its end.
    let spec = scenario::load_str(&toml, "test.toml", Path::new("scenarios")).unwrap();
    let log = ExplainLog::default();
    let mut sink = MemorySink::default();
    Sim::new(&spec, &mut sink).with_explain(log.clone()).run();
    let explain: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| {
            l.service == "spot" && l.text.contains("Fargate Spot task-launch")
                || l.text.contains("has left the line")
        })
        .map(|l| format!("{} {}", l.time_ms, l.text))
        .collect();
    assert_eq!(
        explain,
        [
            "0 (service spot) is waiting for Fargate Spot task-launch capacity: 200 tasks queued (account limit 20 launches/s, burst 100).",
            "10000 service od: its last task waiting for Fargate task-launch capacity has left the line, 10.000 s after the first began waiting.",
            "10000 service spot: its last task waiting for Fargate task-launch capacity has left the line, 10.000 s after the first began waiting.",
        ]
    );
}

/// EC2 tasks take no Fargate token: 500 EC2 tasks and 200 Fargate tasks at t = 0. The EC2 tasks all
/// start at once (within the per-service 500, §8.3), and the Fargate ones still find 100 tokens: 100 at
/// once, the last at (200 − 100) × 50 = 5,000 ms.
#[test]
fn ec2_tasks_take_no_fargate_token() {
    let toml = format!(
        r#"{CLUSTER}{INSTANT_FARGATE}
[timings.ec2]
pull = "0s"
start = "0s"
[[capacity_providers]]
name = "big"
instance_type = "m5.4xlarge"
max_size = 12
desired_size = 12
{FARGATE_TASK}
[[task_definitions]]
family = "ec2app"
cpu = 256
memory = 512
[[services]]
name = "ec2"
task_definition = "ec2app"
desired_count = 500
capacity_provider_strategy = [{{ capacity_provider = "big", weight = 1 }}]
{}"#,
        service("fg", 200, "FARGATE")
    );
    let (_, sink) = run(&toml);
    assert_eq!(started(&sink, |p| p == "big"), vec![0; 500]);
    assert_eq!(started(&sink, |p| p == "FARGATE"), bucket_times(200, 100));
}

/// A task stopped while it waits leaves the line. A service of 300 Fargate tasks at t = 0: 100 launch at
/// once, then one every 50 ms; at 1,025 ms, 100 + 20 = 120 have launched (the 20th refill at 1,000 ms)
/// and 180 wait. UpdateService to 150 then stops 150 tasks, those not yet RUNNING first (§1.3): 150 of the
/// 180 waiting, which stop at once (never launched: no deprovisioning). The 30 left launch at the next
/// 30 tokens: 1,050 ms … 1,000 + 30 × 50 = 2,500 ms. 150 run at the end.
#[test]
fn a_task_stopped_while_waiting_leaves_the_line() {
    let toml = format!(
        "{CLUSTER}{INSTANT_FARGATE}{FARGATE_TASK}{}\n[[service_updates]]\nat = \"1025ms\"\nservice = \"w\"\ndesired_count = 150\n",
        service("w", 300, "FARGATE")
    );
    let (summary, sink) = run(&toml);
    let times = started(&sink, |_| true);
    assert_eq!(times.len(), 150);
    assert_eq!(times[..120], bucket_times(120, 100)[..]);
    let tail: Vec<u64> = (1..=30).map(|k| 1_000 + k * 50).collect();
    assert_eq!(times[120..], tail[..]);
    let stopped: Vec<_> = sink
        .tasks
        .iter()
        .filter(|t| t.stopped_ms.is_some())
        .collect();
    assert_eq!(stopped.len(), 150);
    assert!(stopped.iter().all(|t| t.started_ms.is_none()
        && t.pull_started_ms.is_none()
        && t.stopping_ms == Some(1_025)
        && t.stopped_ms == Some(1_025)));
    assert_eq!(summary.tasks_running_at_end, 150);
    assert_eq!(waiting_lines(&sink).len(), 1);
}

/// The line is bounded (`launch_queue_cap`, not an AWS figure). With a cap of 50, a service asking for
/// 300 Fargate tasks at t = 0 creates 100 that launch at once and 50 that wait; the 151st is refused and
/// the service tries again after `placement_retry_interval` (30 s). By then the 50 have launched
/// (the last at 50 × 50 = 2,500 ms) and the bucket is full again (20 × 27.5 s > 100): 100 launch at
/// 30 s, 50 wait, the last at 30,000 + 2,500 = 32,500 ms. A RunTask call at t = 0, just after, finds the
/// line full: its task is not created and the call reports a failure.
#[test]
fn launch_queue_cap_bounds_the_line() {
    let toml = format!(
        "{CLUSTER}{INSTANT_FARGATE}{FARGATE_TASK}[scheduler]\nlaunch_queue_cap = 50\n{}\n[[run_tasks]]\nat = \"0s\"\ntask_definition = \"app\"\ncount = 1\nlaunch_type = \"FARGATE\"\n",
        service("w", 300, "FARGATE")
    );
    let (_, sink) = run(&toml);
    let mut created: Vec<u64> = sink
        .tasks
        .iter()
        .filter(|t| t.service == "w")
        .map(|t| t.created_ms)
        .collect();
    created.sort_unstable();
    let mut expected = vec![0; 150];
    expected.extend([30_000; 150]);
    assert_eq!(created, expected);
    let times = started(&sink, |_| true);
    assert_eq!(times.len(), 300);
    assert_eq!(*times.last().unwrap(), 32_500);
    let call = sink.events.iter().find(|e| e.kind == "run_task").unwrap();
    assert!(
        call.message
            .contains("0 of 1 tasks started; failures: [{reason: ThrottlingException: Fargate launch queue full}]."),
        "{}",
        call.message
    );
}

/// §8.2 by hand: 50 RunTask calls of 10 EC2 tasks each, all made at t = 0. The call bucket holds 20
/// (burst equal to the sustained 20 per second): calls 0–19 go through at 0, then one call every
/// 1,000 / 20 = 50 ms: call k (k ≥ 20) at (k − 19) × 50 ms, the last (k = 49) at 30 × 50 = 1,500 ms.
/// A task is created when its call goes through, so 200 tasks are created at 0 and 10 at each 50 ms
/// step after. EC2 tasks take no Fargate token.
#[test]
fn run_task_calls_are_limited_to_20_per_second() {
    let calls: String = (0..50)
        .map(|_| "[[run_tasks]]\nat = \"0s\"\ntask_definition = \"ec2app\"\ncount = 10\nlaunch_type = \"EC2\"\n".to_string())
        .collect();
    let toml = format!(
        r#"{CLUSTER}
[[capacity_providers]]
name = "big"
instance_type = "m5.4xlarge"
max_size = 12
desired_size = 12
[[task_definitions]]
family = "ec2app"
cpu = 256
memory = 512
{calls}"#
    );
    let (_, sink) = run(&toml);
    let mut created: Vec<u64> = sink.tasks.iter().map(|t| t.created_ms).collect();
    created.sort_unstable();
    let expected: Vec<u64> = bucket_times(50, 20)
        .into_iter()
        .flat_map(|t| [t; 10])
        .collect();
    assert_eq!(created, expected);
    assert_eq!(*created.last().unwrap(), 1_500);
    let last = sink.events.iter().rfind(|e| e.kind == "run_task").unwrap();
    assert_eq!(last.time_ms, 1_500);
    assert!(
        last.message
            .ends_with("The call was throttled for 1.500 s (RunTask limit 20 calls/s, burst 20)."),
        "{}",
        last.message
    );
}

/// §8.2 for batch jobs: each job is one RunTask call. 40 jobs arriving at t = 0 on EC2: 20 calls at
/// once, then one every 50 ms; job k (k ≥ 20) is placed at (k − 19) × 50 ms, the last at 1,000 ms.
#[test]
fn batch_jobs_are_runtask_calls() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("jobs.csv");
    let mut text = String::from("arrival,cpu,memory,duration\n");
    for _ in 0..40 {
        text.push_str("0,256,512,600\n");
    }
    std::fs::write(&csv, text).unwrap();
    let toml = format!(
        r#"{CLUSTER}
[[capacity_providers]]
name = "big"
instance_type = "m5.4xlarge"
max_size = 4
desired_size = 4
[[batch_jobs]]
name = "b"
file = "{}"
format = "csv"
arrival_column = "arrival"
cpu_column = "cpu"
memory_column = "memory"
duration_column = "duration"
launch_type = "EC2"
"#,
        csv.display()
    );
    let (summary, sink) = run(&toml);
    let mut created: Vec<u64> = sink.tasks.iter().map(|t| t.created_ms).collect();
    created.sort_unstable();
    assert_eq!(created, bucket_times(40, 20));
    assert_eq!(
        summary.batch.as_ref().map(|b| b.wait_s_p99),
        Some(Some(1.0))
    );
}

fn load(file: &str) -> ecsim::spec::Spec {
    scenario::load(Path::new(file)).unwrap_or_else(|d| panic!("{file} should load:\n{d}"))
}

fn run_file(file: &str, seed: u64) -> (Summary, MemorySink) {
    let mut spec = load(file);
    spec.seed = seed;
    let mut sink = MemorySink::default();
    // Whole-world invariant checks after every event would dominate these 3,500-task runs in debug
    // builds; the worked examples above keep them on.
    let summary = Sim::new(&spec, &mut sink)
        .with_invariant_checks(false)
        .run();
    (summary, sink)
}

/// Seconds from the request (t = 0) to the (`first` + 1)th task RUNNING and to the 3,500th.
fn time_to_3500(sink: &MemorySink, first: usize) -> (f64, f64) {
    let times = started(sink, |_| true);
    assert_eq!(times.len(), 3_500, "every task reaches RUNNING");
    (times[first] as f64 / 1000.0, times[3_499] as f64 / 1000.0)
}

/// ECS on Fargate, 0 → 3,500 tasks: the post measured the first containers after about 30 s and close to
/// 3,500 at about 4.5 minutes (270 s). ecsim: the per-service rate (§8.3) creates 500 tasks a service at
/// once and the other 200 within 24 s; the account's Fargate Spot bucket (§8.1) launches 100 at 0 and
/// then 20 a second, the last at (3,500 − 100) / 20 = 170 s; each task then takes the default Fargate
/// start-up (provisioning lognormal(15 s, σ 0.3) + pull lognormal(20 s, σ 0.4) + start 2 s: median 37 s,
/// about 30–60 s, §5.3), so the last of 3,500 is RUNNING at 170 s + the slowest start-ups of the last
/// launches: 247–273 s over seeds 1–5 (seed 1: 251.5 s, 7 % under 270 s). Without the bucket every task
/// would have been RUNNING within about 90 s. The first task RUNNING at about 21 s (the fastest
/// start-up of the first 100) matches "after 30 seconds" as well as a hand-drawn graph allows.
#[test]
fn vlad_2022_ecs_on_fargate() {
    for seed in [1, 2, 3] {
        let (_, sink) = run_file("scenarios/validation/vlad-2022-ecs-fargate.toml", seed);
        let (first, all) = time_to_3500(&sink, 0);
        assert!(
            (0.8 * 270.0..=1.2 * 270.0).contains(&all),
            "seed {seed}: 3,500 RUNNING at {all} s, published ≈ 270 s"
        );
        assert!(
            (15.0..=45.0).contains(&first),
            "seed {seed}: first RUNNING at {first} s, published ≈ 30 s"
        );
    }
}

/// ECS on EC2, 0 → 3,500 tasks: the post measured the first containers after about 2.5 minutes and 3,500
/// at about 10 minutes (600 s). ecsim with the documented rules takes about 13–14 minutes; here is why,
/// with the set-up of `scenarios/validation/vlad-2022-ecs-ec2.toml` (c6g.4xlarge, 15 tasks an instance,
/// managed scaling target 95 %, warm-up 1 s, steps 1–10,000, instances registering 60–180 s after
/// launch, §6.3).
///
/// The first tasks: the group's one instance (min 1) runs 15 at once; CAS first evaluates at 60 s with
/// M = 1 + 300 / 15 = 21, N = 1 and adds ⌈21 × 100 / 95⌉ − 1 = 22 instances (group 23), which register
/// at 120–240 s: the ramp starts at about 2 minutes, as measured (2.5 min).
///
/// N is the instances registered ("already up and running", deep-dive blog), and the 1 s warm-up is over
/// long before an instance registers, so CAS adds a step every minute on top of the instances still
/// launching: at 120 s nothing has registered yet, M = 21, N = 1 again, and the group goes 23 → 45 — the
/// over-provisioning the DG warns of (§3.2). Each step is still bounded by the cap on tasks waiting in
/// PROVISIONING: 300 per cluster (§3.2, §8; service quotas 2023), so M counts at most 300 / 15 = 20
/// instances beyond the busy ones and a step adds about 11–30 instances (seed 1: 22, 22, 21, 14, 12, 25,
/// 20, 11, 18, 29, 30, 16, 9). The group reaches max_size 250 at 780 s (13 steps of a minute from 60 s),
/// and the last of 3,500 tasks runs one launch (60–180 s) later: 846 s for seed 1 (795–846 s, seeds
/// 1–3), +41 % against 600 s. (Counting launching instances in N, as ecsim did until 2026-12-05, gave
/// 1,527 s: each batch of 300 tasks then waited a whole launch before the next step.) With
/// `provisioning_cap = 1000` (the 2022 value of that quota is not documented; a value above 300 is
/// unconfirmed) ecsim gives about 400 s, below the measurement: the measured 600 s lies between the two
/// caps. The gap is reported, not tuned; the what-if is checked below so that a change to the CAS or
/// PROVISIONING model that moves either figure is noticed.
#[test]
fn vlad_2022_ecs_on_ec2() {
    let (summary, sink) = run_file("scenarios/validation/vlad-2022-ecs-ec2.toml", 1);
    // Steps on top of launching instances (the 1 s warm-up lets CAS step every minute) are ecsim's
    // reading of AWS's over-provisioning, and the run says it rests on it.
    let over = summary
        .unconfirmed
        .iter()
        .find(|u| u.code == "cas_over_provision");
    assert!(
        over.is_some_and(|u| u.times > 0),
        "{:?}",
        summary.unconfirmed
    );
    // The group's minimum instance runs 15 tasks at once; the 16th waits for the scale-out.
    let (first, all) = time_to_3500(&sink, 15);
    assert!(
        (100.0..=240.0).contains(&first),
        "16th RUNNING at {first} s"
    );
    // Documented rules: a step a minute, each bounded by the 300-task PROVISIONING cap (arithmetic
    // above: max_size at 780 s, the last tasks one launch later, 846 s).
    assert!((750.0..=950.0).contains(&all), "3,500 RUNNING at {all} s");
    // What-if: with 1,000 tasks allowed in PROVISIONING the ramp is faster than measured (≈ 400 s).
    let mut spec = load("scenarios/validation/vlad-2022-ecs-ec2.toml");
    spec.scheduler.provisioning_cap = 1_000;
    let mut sink = MemorySink::default();
    Sim::new(&spec, &mut sink)
        .with_invariant_checks(false)
        .run();
    let (_, all) = time_to_3500(&sink, 0);
    assert!(
        (340.0..=460.0).contains(&all),
        "with provisioning_cap 1000: 3,500 RUNNING at {all} s (published ≈ 600 s)"
    );
}

/// Fargate start-up of a large image (§5.3). Measurement: a 413 MB PHP image in a private subnet behind
/// NAT took 53–62 s from creation to start on Fargate, n = 10, without SOCI
/// (https://elasticscale.com/blog/reduce-aws-fargate-pull-times-with-soci). ecsim with its defaults:
/// provisioning lognormal(median 15 s, σ 0.3), the pull 413 MB ≈ 394 MiB ÷ 10 MiB/s = 39.4 s (the
/// throughput is derived from this very measurement, so the row checks that the pieces add up as the
/// model says: 15 + 39.4 + 2 s start ≈ 56 s), start 2 s. 100 tasks (within Fargate's launch burst, so
/// none waits for a token): the mean lies in the measured range and most single tasks do too. With lazy loading (SOCI: "up to 50 %"
/// faster, `lazy_loading_factor` 0.5) the pull halves: 15 + 19.7 + 2 ≈ 37 s.
#[test]
fn fargate_start_up_of_a_413_mb_image() {
    let scenario = |lazy: bool| {
        format!(
            r#"{CLUSTER}
[[task_definitions]]
family = "php"
requires_compatibilities = ["FARGATE"]
network_mode = "awsvpc"
cpu = 1024
memory = 2048
image_size_mib = 394
lazy_loading = {lazy}
[[services]]
name = "php"
task_definition = "php"
desired_count = 100
launch_type = "FARGATE"
"#
        )
    };
    let startup_s = |lazy: bool| -> Vec<f64> {
        let (_, sink) = run(&scenario(lazy));
        sink.tasks
            .iter()
            .filter_map(|t| t.started_ms.map(|s| (s - t.created_ms) as f64 / 1000.0))
            .collect()
    };
    let full = startup_s(false);
    assert_eq!(full.len(), 100);
    let mean = full.iter().sum::<f64>() / full.len() as f64;
    let inside = full.iter().filter(|&&s| (53.0..=62.0).contains(&s)).count();
    println!(
        "413 MB image on Fargate: mean {mean:.1} s, {inside} of 100 in 53–62 s (measured 53–62 s)"
    );
    assert!((53.0..=62.0).contains(&mean), "mean start-up {mean:.1} s");
    assert!(inside >= 50, "{inside} of 100 tasks within 53–62 s");
    let lazy = startup_s(true);
    let lazy_mean = lazy.iter().sum::<f64>() / lazy.len() as f64;
    println!("the same with lazy loading: mean {lazy_mean:.1} s");
    // Only the pull is halved: 39.4 / 2 = 19.7 s less (±2 s of sampling between the two runs).
    assert!(
        ((mean - lazy_mean) - 19.7).abs() < 2.0,
        "{mean:.1} → {lazy_mean:.1}"
    );
}

/// Cluster auto scaling's scale-in, AWS's own benchmark (§3.2; `scenarios/validation/aws-2022-cas-scale-in.toml`
/// gives the post and the set-up): 334 c5.xlarge holding 1,000 tasks, the service set to 100 (34
/// instances' worth), scale-in steps of at most 50 % of the group. AWS measured 10 minutes for the
/// scale-in (80 with the old 5 % limit).
///
/// ecsim, by the documented rules: the 100 tasks left are binpacked on 34 instances, so M = 34, N = 334,
/// CPR = 34 / 334 × 100 = 10.2, below the target of 100. The scale-in alarm needs 15 one-minute
/// datapoints (§3.2), the first for the minute after the change, so the first step comes at 1 h + 15 min
/// (4,500 s). Each step removes min(N − ⌈M × 100 / 100⌉, ⌊N / 2⌋): 334 → 167 (⌊334 / 2⌋ = 167), 167 → 84
/// (83), 84 → 42, 42 → 34 (8, the target), one a minute while CPR stays below the target: 4,500,
/// 4,560, 4,620, 4,680 s. 34 instances 18 minutes after the service scaled in, 3 after the first step.
/// With the old 5 % limit the same arithmetic takes 51 steps: 50 minutes after the first.
///
/// Against AWS's 10 minutes (and 80): the post does not say when its clock starts. Counted from the
/// first step, ecsim takes 3 min (−70 %) and 50 min (−37 %); counted from the tasks' scale-in, 18 (+80 %)
/// and 65 (−19 %). No start makes both fit, and both AWS figures imply steps 1.5–2.5 minutes apart (80
/// minutes ÷ 51 steps; 10 ÷ 4), where ecsim steps every minute while the alarm stays in ALARM. How far
/// apart ECS's scale-in steps are is not documented (unconfirmed: an Auto Scaling group's scaling
/// activity must end — its instances terminated — before the next, which ecsim does not model), so the
/// gap is reported here, not tuned away; the test pins ecsim's figures so that a change to them is seen.
#[test]
fn aws_2022_cas_scale_in_334_to_34() {
    let (summary, sink) = run_file("scenarios/validation/aws-2022-cas-scale-in.toml", 1);
    let steps: Vec<(u64, String)> = sink
        .events
        .iter()
        .filter(|e| e.kind == "cluster_scaling" && e.message.contains("terminating"))
        .map(|e| (e.time_ms / 1000, e.message.clone()))
        .collect();
    let expected = [
        (4_500, "(M 34, N 334)", "terminating 167 "),
        (4_560, "(M 34, N 167)", "terminating 83 "),
        (4_620, "(M 34, N 84)", "terminating 42 "),
        (4_680, "(M 34, N 42)", "terminating 8 "),
    ];
    assert_eq!(steps.len(), expected.len(), "{steps:#?}");
    for ((t, msg), (want_t, mn, k)) in steps.iter().zip(expected) {
        assert_eq!(*t, want_t, "{msg}");
        assert!(msg.contains(mn) && msg.contains(k), "{msg}");
    }
    assert_eq!(summary.instances_terminated, 300, "334 → 34");
    // The three steps after the first rest on the undocumented one-a-minute pace, and the run says so.
    let paced = summary
        .unconfirmed
        .iter()
        .find(|u| u.code == "cas_scale_in_interval");
    assert_eq!(paced.map(|u| u.times), Some(3), "{:?}", summary.unconfirmed);
    let minutes_after_change = (steps[3].0 - 3_600) as f64 / 60.0;
    let minutes_after_first = (steps[3].0 - steps[0].0) as f64 / 60.0;
    println!(
        "334 → 34 c5.xlarge: {minutes_after_change} min after the service scaled in, \
         {minutes_after_first} min after the first step (AWS: 10 min)"
    );
}
