//! FARGATE and FARGATE_SPOT together (reference §3.1, §3.3): what a Spot capacity shortage leaves
//! running on each provider, worked by hand.

mod common;
use common::*;

/// [FARGATE base 2 weight 1, FARGATE_SPOT weight 3] for a service of `desired` 1 vCPU / 2 GB tasks,
/// followed by `rest` (faults, updates).
fn split_service(desired: u32, rest: &str) -> String {
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
{rest}"#
    )
}

/// §3.1: "There is no fallback. If FARGATE_SPOT has no capacity, the Spot share just stays unplaced"
/// (containers-roadmap #852, #773) — the Spot share, not FARGATE's. Desired 10 runs 4 FARGATE / 6 Spot
/// (base 2, the other 8 split 1:3). Spot capacity goes at 30 min and the service scales to 20 at 40 min:
/// the split of 20 is base 2 + 18 split 1:3 → 6 FARGATE / 14 Spot, so FARGATE starts its 2 more and the
/// 8 Spot tasks stay unplaced: 6 + 6 running, 8 × 20 min = 9,600 unplaced task-seconds. Before the fix
/// the first Spot launch that failed ended the batch and the next one chose Spot again (it is the
/// provider furthest below its share), so FARGATE stayed at 4 and 10 were unplaced.
#[test]
fn a_spot_shortage_leaves_only_the_spot_share_unplaced() {
    let toml = split_service(
        10,
        r#"[[faults]]
type = "spot_capacity_shortage"
at = "30m"
duration = "2h"
[[service_updates]]
at = "40m"
service = "w"
desired_count = 20
"#,
    );
    let (s, sink) = run(&toml);
    let tasks = alive(&sink, "w");
    assert_eq!(
        count_by(&tasks, |t| &t.capacity_provider),
        vec![("FARGATE".into(), 6), ("FARGATE_SPOT".into(), 6)]
    );
    assert_eq!(s.tasks_unplaced_at_end, 8);
    assert_eq!(s.unplaced_task_seconds, 9_600.0);
}
