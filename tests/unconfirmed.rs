//! `summary.json`'s `unconfirmed`: the choices AWS does not document that shaped a run, each with the
//! value used and how often the run applied it (docs/outputs.md), worked by hand on small scenarios.

mod common;
use common::*;

use ecsim::metrics::Summary;
use ecsim::metrics::unconfirmed::Use;

/// The entry of `code`, if the run lists it.
fn entry<'a>(s: &'a Summary, code: &str) -> Option<&'a Use> {
    s.unconfirmed.iter().find(|u| u.code == code)
}

fn codes(s: &Summary) -> Vec<&'static str> {
    s.unconfirmed.iter().map(|u| u.code).collect()
}

/// [FARGATE base 2 weight 1, FARGATE_SPOT weight 3] for `desired` tasks, no load, one hour.
fn split(desired: u32) -> String {
    format!(
        r#"name = "split"
duration = "1h"
seed = 5
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[task_definitions]]
family = "w"
requires_compatibilities = ["FARGATE"]
cpu = 1024
memory = 2048
[[services]]
name = "w"
task_definition = "w"
desired_count = {desired}
capacity_provider_strategy = [
  {{ capacity_provider = "FARGATE", base = 2, weight = 1 }},
  {{ capacity_provider = "FARGATE_SPOT", weight = 3 }},
]
"#
    )
}

/// §3.1's remainder rule is listed only when the weights do not divide the count. Desired 5: the base
/// takes 2, and the 3 beyond it split 1:3 would be 0.75 and 2.25 — no documented answer. ecsim's rule
/// (the provider furthest below its weighted share, ties to the first listed): Spot (score 1/3 < 1),
/// Spot (2/3 < 1), then FARGATE and Spot tie at 1 → FARGATE: 3 FARGATE, 2 Spot, in one launch batch,
/// so `times` 1. The 2 Spot tasks are billed at the guessed 70 % discount (`times` 2), and all 5 tasks
/// went through the state durations (`times` 5). Desired 10 splits exactly (2 + 2 / 6: 8 beyond the
/// base is twice the weights' sum 4), so the remainder rule shaped nothing and is not listed.
#[test]
fn a_remainder_split_by_weights_is_listed_with_its_rule() {
    let (s, sink) = run(&split(5));
    let spot = sink
        .tasks
        .iter()
        .filter(|t| t.capacity_provider == "FARGATE_SPOT")
        .count();
    assert_eq!(spot, 2);
    assert_eq!(
        codes(&s),
        [
            "capacity_provider_remainder",
            "fargate_spot_discount",
            "task_state_timings"
        ]
    );
    let r = entry(&s, "capacity_provider_remainder").unwrap();
    assert_eq!((r.section, r.times), ("§3.1", 1));
    assert_eq!(r.parameter, "none (fixed rule)");
    let d = entry(&s, "fargate_spot_discount").unwrap();
    assert_eq!(
        (d.section, d.parameter, d.value.as_str(), d.times),
        ("§5.2", "[pricing] fargate_spot_discount", "0.7", 2)
    );
    assert_eq!(entry(&s, "task_state_timings").unwrap().times, 5);

    let (s, _) = run(&split(10));
    assert_eq!(
        codes(&s),
        ["fargate_spot_discount", "task_state_timings"],
        "10 = 2 + 8 splits exactly"
    );
    assert_eq!(entry(&s, "fargate_spot_discount").unwrap().times, 6);
}

/// One task of 1 vCPU serving 10 ms requests, target tracking on CPU at 50 % (the scenario of
/// tests/scaling.rs's `a_whole_number_of_tasks_by_hand_is_not_rounded_up`): 6 tasks held by a minimum
/// of 6 serve 100 requests/s, 100 / 6 % each; at 1 h a scheduled action lowers the minimum to 1.
fn scale_in(extra: &str) -> String {
    format!(
        r#"name = "tt"
duration = "3h"
seed = 2
{extra}
[cluster]
availability_zones = ["a"]
[traffic]
health_check_interval = "1ms"
[timings.fargate]
provisioning = "0s"
pull = "0s"
start = "0s"
[[task_definitions]]
family = "web"
requires_compatibilities = ["FARGATE"]
cpu = 1024
memory = 2048
[[services]]
name = "web"
task_definition = "web"
desired_count = 6
launch_type = "FARGATE"
[services.load]
pattern = {{ type = "constant", rate = 100 }}
cpu_ms_per_request = 10.0
[services.auto_scaling]
min_capacity = 6
max_capacity = 50
policies = [{{ type = "target_tracking", metric = "ECSServiceAverageCPUUtilization", target = 50 }}]
scheduled_actions = [{{ schedule = "at(2024-01-01T01:00:00)", min_capacity = 1 }}]
"#
    )
}

/// §4.2's scale-in step is listed with the step the run used and the scale-ins it held back. The load
/// is 1 vCPU-second a second, so n tasks sit at 100 / n % and the ideal count is ⌈n × (100/n) / 50⌉ = 2
/// whatever n is. With the default step 0.1 a scale-in removes ⌈0.1 n⌉ = 1 task: 6 → 5, 5 → 4, 4 → 3
/// are held to the step (each above the ideal 2), 3 → 2 reaches it (not held); 2 tasks at 50 % are not
/// below 0.9 × 50, so no more. Four policy actions (`metric_publication_delay` 4, the delay of their
/// datapoints), three held (`scale_in_step_fraction` 3), no scale-out (`cooldown_start` absent). With
/// `scale_in_step_fraction = 0.5`: 6 → max(2, 6 − 3) = 3 (held), then 3 → max(2, 3 − 2) = 2 (not): 1.
#[test]
fn a_scale_in_held_to_the_step_is_listed_with_the_step() {
    let (s, sink) = run(&scale_in(""));
    let ins: Vec<&str> = sink
        .events
        .iter()
        .filter(|e| e.kind == "scaling" && e.message.contains("scaling in"))
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(ins.len(), 4, "{ins:#?}");
    let step = entry(&s, "scale_in_step_fraction").expect("listed");
    assert_eq!(
        (
            step.section,
            step.parameter,
            step.value.as_str(),
            step.times
        ),
        ("§4.2", "[scaling] scale_in_step_fraction", "0.1", 3)
    );
    let delay = entry(&s, "metric_publication_delay").expect("listed");
    assert_eq!((delay.value.as_str(), delay.times), ("183s", 4));
    assert!(entry(&s, "cooldown_start").is_none());

    let (s, _) = run(&scale_in("[scaling]\nscale_in_step_fraction = 0.5"));
    let step = entry(&s, "scale_in_step_fraction").expect("listed");
    assert_eq!((step.value.as_str(), step.times), ("0.5", 1));
}

/// A managed-scaling group whose every zone is down (tests/launch_failures.rs): the service's 2 tasks
/// wait in PROVISIONING, each stops after its drawn wait (§3.2: `provisioning_timeout`, uniform 10–30
/// min) and feeds the launch throttle (§2.2), whose guessed schedule delays the replacement. Each
/// timeout is one use of both; the counts match the run's TaskFailedToStart stops, and the values are
/// the defaults as a scenario writes them.
#[test]
fn provisioning_waits_and_the_throttle_are_listed() {
    let toml = r#"name = "never"
duration = "2h"
seed = 1
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[capacity_providers]]
name = "web"
instance_type = "m5.large"
min_size = 0
max_size = 4
desired_size = 0
managed_scaling = { target_capacity = 100 }
[[task_definitions]]
family = "web"
cpu = 1024
memory = 2048
[[services]]
name = "web"
task_definition = "web"
desired_count = 2
capacity_provider_strategy = [{ capacity_provider = "web", weight = 1 }]
[[faults]]
type = "az_outage"
zone = "us-east-1a"
at = "0s"
duration = "3h"
[[faults]]
type = "az_outage"
zone = "us-east-1b"
at = "0s"
duration = "3h"
"#;
    let (s, sink) = run(toml);
    let failed = sink
        .tasks
        .iter()
        .filter(|t| t.stop_code == "TaskFailedToStart")
        .count() as u64;
    assert!(failed >= 4, "{failed}");
    let t = entry(&s, "provisioning_timeout").expect("listed");
    assert_eq!(
        (t.section, t.value.as_str(), t.times),
        ("§3.2", "uniform 10m–30m", failed)
    );
    let b = entry(&s, "throttle_backoff").expect("listed");
    assert_eq!(
        (b.section, b.value.as_str(), b.times),
        ("§2.2", "30s × 2, at most 27m", failed)
    );
    assert!(entry(&s, "provisioning_cap").is_none(), "2 tasks < 300");
    assert!(entry(&s, "instance_launch_latency").is_none(), "no launch");
}

/// §6.2: a Spot group without its own price is billed at On-Demand × (1 − 0.65), the guessed discount.
/// Two instances at the start and no task: `ec2_spot_discount` 2 with the value 0.65, and nothing else
/// (no task, no launch). With `spot_price_usd_per_hour` the discount is not used and not listed.
#[test]
fn a_spot_group_priced_by_the_discount_is_listed() {
    let toml = |price: &str| {
        format!(
            r#"name = "spot"
duration = "1h"
seed = 1
[cluster]
availability_zones = ["us-east-1a"]
[[capacity_providers]]
name = "spot"
instance_type = "m5.large"
min_size = 2
max_size = 2
desired_size = 2
spot = true
{price}
"#
        )
    };
    let (s, _) = run(&toml(""));
    assert_eq!(codes(&s), ["registered_memory", "ec2_spot_discount"]);
    // m5.large: 8192 MiB less 3.1 % × 8192 − 47 = 206.952 → 206 MiB of overhead: 7986 MiB (§6.1).
    let m = entry(&s, "registered_memory").unwrap();
    assert_eq!(
        (m.value.as_str(), m.times),
        (
            "m5.large 7986 MiB (nominal less an overhead of 3.1 % − 47 MiB)",
            2
        )
    );
    let d = entry(&s, "ec2_spot_discount").unwrap();
    assert_eq!(
        (d.section, d.parameter, d.value.as_str(), d.times),
        ("§6.2", "[pricing] ec2_spot_discount", "0.65", 2)
    );
    let (s, _) = run(&toml("spot_price_usd_per_hour = 0.03"));
    assert_eq!(codes(&s), ["registered_memory"]);
    // m4.large's 7985 MiB is documented (DG `memory-management`): nothing of ecsim's is left.
    let (s, _) = run(&toml("spot_price_usd_per_hour = 0.03").replace("m5.large", "m4.large"));
    assert!(s.unconfirmed.is_empty(), "{:?}", s.unconfirmed);
}

/// §1.1: an m5.large has 3 ENIs in ecsim's catalogue (AWS documents only c5.large's 3), so it runs 2
/// `awsvpc` tasks. One instance, a service of 3 such tasks of 256 CPU: the second task takes the last
/// ENI (`instance_max_enis` 1, value `m5.large 3`), the third cannot be placed and retries every 30 s.
/// On a c5.large, whose 3 ENIs are documented, the same run does not list the choice.
#[test]
fn an_instance_out_of_enis_by_the_catalogue_is_listed() {
    let toml = |ty: &str| {
        format!(
            r#"name = "eni"
duration = "10m"
seed = 1
[cluster]
availability_zones = ["us-east-1a"]
[[capacity_providers]]
name = "cp"
instance_type = "{ty}"
min_size = 1
max_size = 1
desired_size = 1
[[task_definitions]]
family = "w"
cpu = 256
memory = 512
network_mode = "awsvpc"
[[services]]
name = "w"
task_definition = "w"
desired_count = 3
capacity_provider_strategy = [{{ capacity_provider = "cp", weight = 1 }}]
"#
        )
    };
    let (s, sink) = run(&toml("m5.large"));
    assert_eq!(alive(&sink, "w").len(), 2);
    let e = entry(&s, "instance_max_enis").expect("listed");
    assert_eq!(
        (e.section, e.parameter, e.value.as_str(), e.times),
        ("§1.1", "[[instance_types]] max_enis", "m5.large 3", 1)
    );
    let (s, sink) = run(&toml("c5.large"));
    assert_eq!(alive(&sink, "w").len(), 2);
    assert!(entry(&s, "instance_max_enis").is_none(), "{:?}", codes(&s));
}

/// A run that applies none of the choices lists none: a service of 0 tasks creates no task, launches
/// nothing, scales nothing. The key is still in `summary.json`, as an empty list.
#[test]
fn a_run_that_applies_none_lists_none() {
    let (s, _) = run(&split(0));
    assert!(s.unconfirmed.is_empty(), "{:?}", s.unconfirmed);
    let j = ecsim::output::summary_json(&s);
    assert_eq!(j["unconfirmed"], serde_json::json!([]));
    assert!(ecsim::metrics::unconfirmed::note_line(&s.unconfirmed).is_none());
    // Not a figure column of a sweep.
    assert!(
        !ecsim::metrics::names::metric_cells(&s)
            .keys()
            .any(|k| k.starts_with("unconfirmed"))
    );
}

/// The list is the same on every run of a scenario and seed, and `ecsim run` says so on stderr in one
/// line (not with `-q`); `summary.json` and `report.html` carry it.
#[test]
fn the_list_is_deterministic_and_said_once() {
    let (a, _) = run(&split(5));
    let (b, _) = run(&split(5));
    assert_eq!(a.unconfirmed, b.unconfirmed);

    let dir = tempfile::tempdir().unwrap();
    let scen = dir.path().join("s.toml");
    std::fs::write(&scen, split(5)).unwrap();
    let out = dir.path().join("out");
    let o = ecsim(
        &[
            "run",
            scen.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let notes: Vec<String> = stderr(&o)
        .lines()
        .filter(|l| l.starts_with("note:"))
        .map(String::from)
        .collect();
    assert_eq!(
        notes,
        [
            "note: 3 choices AWS does not document shaped this run (capacity_provider_remainder, \
             fargate_spot_discount, task_state_timings): see summary.json \"unconfirmed\""
        ]
    );
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(j["unconfirmed"][0]["code"], "capacity_provider_remainder");
    assert_eq!(j["unconfirmed"][0]["section"], "§3.1");
    assert_eq!(j["unconfirmed"][1]["times"], 2);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Rules AWS does not document that shaped this run"));
    assert!(html.contains("<td>fargate_spot_discount</td><td>§5.2</td><td>0.7</td>"));

    let o = ecsim(
        &[
            "run",
            scen.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
        dir.path(),
    );
    assert!(o.status.success());
    assert!(!stderr(&o).contains("note:"), "{}", stderr(&o));
}

/// Every § of the inventory names a heading of docs/ecs-behaviour.md, and docs/outputs.md lists every
/// code.
#[test]
fn the_inventory_resolves_in_the_docs() {
    let behaviour = std::fs::read_to_string(repo().join("docs/ecs-behaviour.md")).unwrap();
    let outputs = std::fs::read_to_string(repo().join("docs/outputs.md")).unwrap();
    for i in &ecsim::metrics::unconfirmed::INVENTORY {
        let n = i.section.trim_start_matches('§');
        assert!(
            behaviour.contains(&format!("\n### {n} ")),
            "{} cites {}",
            i.code,
            i.section
        );
        assert!(
            outputs.contains(&format!("| `{}` |", i.code)),
            "docs/outputs.md lacks {}",
            i.code
        );
    }
}
