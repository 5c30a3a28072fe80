//! Billing through the whole simulator, by hand to the cent (reference §5.2, §6.2).

mod common;
use common::*;

/// Fargate timings of zero, so billing starts at time 0 (the image pull starts at creation).
const ZERO_FARGATE: &str = r#"
[timings.fargate]
provisioning = "0s"
pull = "0s"
start = "0s"
stop = "0s"
deprovisioning = "0s"
"#;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

/// 10 Fargate tasks of 1 vCPU / 2 GB for 24 h: 10 × 24 × (0.04048 + 2 × 0.004445) = $11.8488.
#[test]
fn ten_fargate_tasks_for_a_day() {
    let toml = format!(
        r#"name = "c"
duration = "24h"
[cluster]
availability_zones = ["a", "b"]
{ZERO_FARGATE}
[[task_definitions]]
family = "f"
requires_compatibilities = ["FARGATE"]
cpu = 1024
memory = 2048
[[services]]
name = "f"
task_definition = "f"
desired_count = 10
launch_type = "FARGATE"
"#
    );
    let (s, sink) = run(&toml);
    assert!(close(s.cost_fargate_usd, 11.8488), "{}", s.cost_fargate_usd);
    assert!(close(s.cost_total_usd, 11.8488));
    assert_eq!(s.cost_ec2_usd, 0.0);
    // The cumulative column ends at the same figure.
    let last = sink
        .series
        .iter()
        .rev()
        .find(|r| r.scope == "cluster")
        .unwrap();
    assert!(close(last.cost_usd.unwrap(), 11.8488));
}

/// Standalone Fargate tasks of 0.25 vCPU / 0.5 GB ($0.0123425/h): one runs 20 s → billed 60 s
/// (0.0123425 / 60 = $0.000205708); one runs 61.4 s → billed 62 s ($0.000212565).
#[test]
fn fargate_minimum_and_rounding() {
    let toml = format!(
        r#"name = "c"
duration = "10m"
[cluster]
availability_zones = ["a"]
{ZERO_FARGATE}
[[task_definitions]]
family = "f"
requires_compatibilities = ["FARGATE"]
cpu = 256
memory = 512
[[run_tasks]]
at = "0s"
task_definition = "f"
launch_type = "FARGATE"
run_duration = "20s"
[[run_tasks]]
at = "0s"
task_definition = "f"
launch_type = "FARGATE"
run_duration = "61.4s"
"#
    );
    let (s, _) = run(&toml);
    let hourly = 0.25 * 0.04048 + 0.5 * 0.004445;
    let expected = hourly * 60.0 / 3600.0 + hourly * 62.0 / 3600.0;
    assert!(
        (s.cost_fargate_usd - expected).abs() < 1e-9,
        "{} vs {expected}",
        s.cost_fargate_usd
    );
}

/// An m5.large ($0.096/h) for 90 minutes costs $0.144; in a 30 s run it is billed 60 s: $0.0016.
#[test]
fn ec2_instance_billing() {
    let make = |d: &str| {
        format!(
            r#"name = "c"
duration = "{d}"
[cluster]
availability_zones = ["a"]
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 1
desired_size = 1
"#
        )
    };
    let (s, _) = run(&make("90m"));
    assert!(close(s.cost_ec2_usd, 0.144), "{}", s.cost_ec2_usd);
    assert!(
        close(s.cost_ec2_idle_usd, 0.144),
        "an empty instance is all idle"
    );
    let (s, _) = run(&make("30s"));
    assert!(close(s.cost_ec2_usd, 0.0016), "{}", s.cost_ec2_usd);
}

/// Fargate Spot at 70 % off, an ARM task, and 50 GiB of ephemeral storage, each for 24 h:
/// Spot 1 vCPU / 2 GB: 0.04937 × 0.3 × 24 = $0.355464; ARM 1 vCPU / 2 GB: (0.03238 + 2 × 0.00356) × 24
/// = $0.948; 0.25 vCPU / 0.5 GB with 50 GiB: (0.0123425 + 30 × 0.000111) × 24 = $0.376140.
#[test]
fn spot_arm_and_storage() {
    let toml = format!(
        r#"name = "c"
duration = "24h"
[cluster]
availability_zones = ["a"]
{ZERO_FARGATE}
[[task_definitions]]
family = "spot"
requires_compatibilities = ["FARGATE"]
cpu = 1024
memory = 2048
[[task_definitions]]
family = "arm"
requires_compatibilities = ["FARGATE"]
cpu_architecture = "ARM64"
cpu = 1024
memory = 2048
[[task_definitions]]
family = "disk"
requires_compatibilities = ["FARGATE"]
cpu = 256
memory = 512
ephemeral_storage_gib = 50
[[services]]
name = "spot"
task_definition = "spot"
desired_count = 1
capacity_provider_strategy = [{{ capacity_provider = "FARGATE_SPOT", weight = 1 }}]
[[services]]
name = "arm"
task_definition = "arm"
desired_count = 1
launch_type = "FARGATE"
[[services]]
name = "disk"
task_definition = "disk"
desired_count = 1
launch_type = "FARGATE"
"#
    );
    let (s, _) = run(&toml);
    let by = |n: &str| {
        s.cost_by_service_usd
            .iter()
            .find(|(k, _)| k == n)
            .unwrap()
            .1
    };
    assert!(
        close(s.cost_fargate_spot_usd, 0.355464),
        "{}",
        s.cost_fargate_spot_usd
    );
    assert!(close(by("arm"), 0.948), "{}", by("arm"));
    assert!(close(by("disk"), 0.37614), "{}", by("disk"));
}

/// EC2 cost attribution by reserved share: one m5.large (2048 units, 7986 MiB registered, $0.096/h) for
/// 1 h holding one task of 1024 units / 3993 MiB: share = 0.5 × 1024/2048 + 0.5 × 3993/7986 = 0.5 →
/// $0.048 to the service, $0.048 idle. (Default timings: the task is placed at 0 s.)
#[test]
fn ec2_cost_attribution() {
    let toml = r#"name = "c"
duration = "1h"
[cluster]
availability_zones = ["a"]
[[capacity_providers]]
name = "cp"
instance_type = "m5.large"
max_size = 1
desired_size = 1
[[task_definitions]]
family = "t"
cpu = 1024
memory = 3993
[[services]]
name = "t"
task_definition = "t"
desired_count = 1
launch_type = "EC2"
"#;
    let (s, _) = run(toml);
    assert!(close(s.cost_ec2_usd, 0.096));
    let svc = s
        .cost_by_service_usd
        .iter()
        .find(|(k, _)| k == "t")
        .unwrap()
        .1;
    assert!(close(svc, 0.048), "{svc}");
    assert!(close(s.cost_ec2_idle_usd, 0.048));
}

/// Overrides: a 30 % discount and a Spot instance price.
#[test]
fn price_overrides() {
    let toml = r#"name = "c"
duration = "1h"
[cluster]
availability_zones = ["a"]
[pricing]
discount = 0.3
instance_prices = { "m5.large" = 0.2 }
[[capacity_providers]]
name = "od"
instance_type = "m5.large"
max_size = 1
desired_size = 1
[[capacity_providers]]
name = "spot"
instance_type = "m5.large"
spot = true
spot_price_usd_per_hour = 0.05
max_size = 1
desired_size = 1
"#;
    let (s, _) = run(toml);
    // 0.2 × 0.7 + 0.05 × 0.7 = 0.175
    assert!(close(s.cost_ec2_usd, 0.175), "{}", s.cost_ec2_usd);
}

/// EC2 charges nothing for a Linux Spot instance it interrupts in its first hour, and the seconds used
/// after that (EC2 UG `billing-for-interrupted-spot-instances`; §6.4). One Spot m5.large at
/// 0.096 × (1 − 0.65) = $0.0336 an hour, 2 tasks, a 2-hour run. Reclaimed at 32 min (notice at 30): free;
/// its replacement, launched then, runs 7,200 − 1,920 = 5,280 s → 0.0336 × 5,280 / 3,600 = $0.04928 (was
/// $0.0672, the whole 2 hours). The tasks' attributed shares on the free instance are taken back, so the
/// service's EC2 cost stays within the bill. Reclaimed at 92 min instead: 1 h 32 min billed plus the
/// replacement's 28 min = $0.0672.
#[test]
fn a_spot_instance_interrupted_in_its_first_hour_is_free() {
    let toml = |at: &str| {
        format!(
            r#"name = "spot-bill"
duration = "2h"
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
family = "t"
cpu = 1024
memory = 1024
[[services]]
name = "web"
task_definition = "t"
desired_count = 2
launch_type = "EC2"
[[faults]]
type = "spot_interruption"
capacity_provider = "cp"
times = ["{at}"]
"#
        )
    };
    let (s, _) = run(&toml("30m"));
    assert!(close(s.cost_ec2_usd, 0.04928), "{}", s.cost_ec2_usd);
    let web: f64 = s.cost_by_service_usd.iter().map(|x| x.1).sum();
    assert!(
        web <= s.cost_ec2_usd && s.cost_ec2_idle_usd > 0.0,
        "{web} {}",
        s.cost_ec2_idle_usd
    );
    let (s, _) = run(&toml("90m"));
    assert!(close(s.cost_ec2_usd, 0.0672), "{}", s.cost_ec2_usd);
}
