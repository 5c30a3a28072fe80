//! `ecsim plan` (issue #22): a plan whose answer is known by hand, racing against exhaustive, a plan with
//! nothing feasible, determinism over `--jobs`, resume after a kill, shards merged, bad plan files.

use std::path::{Path, PathBuf};
use std::process::Command;

use ecsim::plan::{self, Options, PlanOutcome, SearchMode, Status};

/// A constant load on Fargate: 250 requests/s, 10 ms of CPU each on one vCPU, so a 1-vCPU task serves
/// μ = 100 requests/s and is an M/M/1 queue (concurrency: its vCPU count, 1). Round robin gives each of N
/// tasks λ = 250/N. The p99 response time of M/M/1 is ln(100)/(μ − λ):
///   N = 3: λ = 83.3 → 4.605/16.7 s = 276 ms;  N = 4: λ = 62.5 → 4.605/37.5 = 122.8 ms;
///   N = 5: λ = 50   → 4.605/50   = 92.1 ms;   N = 6: λ = 41.7 → 79.0 ms.
/// With a 100 ms bound the smallest feasible count is 5. Target tracking at a 100 % target never scales
/// out (CPU cannot exceed 100 %) and scales in to ⌈N × ρ⌉ = ⌈2.5⌉ = 3, so the count is max(min, 3): the
/// cheapest feasible candidate is min_capacity = 5. A 0.5-vCPU task (μ = 50/s) needs λ ≤ 50 − 46.05 → N
/// ≥ 250/3.95 = 64: none of the minimums listed is enough, so every 512-CPU candidate is infeasible.
const BASE: &str = r#"
name = "constant"
duration = "1d"
warm_up = "10m"
seed = 1

[cluster]
availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"]

[[task_definitions]]
family = "web"
requires_compatibilities = ["FARGATE"]
network_mode = "awsvpc"
cpu = 1024
memory = 2048

[[services]]
name = "web"
task_definition = "web"
desired_count = 2
launch_type = "FARGATE"

[services.load]
pattern = { type = "constant", rate = 250 }
cpu_ms_per_request = 10.0
slo = { p99 = "100ms" }
"#;

fn plan_text(p99: &str, seeds: u32) -> String {
    format!(
        r#"
base = "base.toml"
name = "constant"
service = "web"
seeds = {seeds}

[slo]
p99 = "{p99}"
objective = 0.99

[space]
launch = ["fargate"]
task_sizes = [{{ cpu = 512, memory = 1024 }}, {{ cpu = 1024, memory = 2048 }}, {{ cpu = 1024, memory = 3000 }}]
targets = [100]
min_capacity = [2, 3, 4, 5, 6]
max_capacity = [8]
"#
    )
}

fn setup(p99: &str, seeds: u32) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("base.toml"), BASE).unwrap();
    let p = dir.path().join("plan.toml");
    std::fs::write(&p, plan_text(p99, seeds)).unwrap();
    (dir, p)
}

fn run(p: &Path, out: &Path, mode: SearchMode, jobs: usize) -> PlanOutcome {
    let plan = plan::load(p).unwrap();
    plan::run(
        &plan,
        &Options {
            out: out.to_path_buf(),
            jobs,
            shard: None,
            mode,
            progress: false,
        },
    )
    .unwrap()
}

fn param<'a>(o: &'a PlanOutcome, i: usize, name: &str) -> &'a str {
    &o.candidates[i]
        .params
        .iter()
        .find(|(k, _)| k == name)
        .unwrap()
        .1
}

#[test]
fn constant_load_answer_is_known_by_hand_and_racing_equals_exhaustive() {
    let (dir, p) = setup("100ms", 3);
    let race = run(&p, &dir.path().join("race"), SearchMode::Racing, 2);
    let all = run(&p, &dir.path().join("all"), SearchMode::Exhaustive, 2);
    for o in [&race, &all] {
        let r = o.recommendation.expect("feasible");
        assert_eq!(
            param(o, r, "min_capacity"),
            "5",
            "{}",
            plan::outputs::summary(o)
        );
        assert_eq!(param(o, r, "cpu"), "1024");
        assert_eq!(param(o, r, "memory"), "2048");
        // 1024/3000 is not a Fargate size (§5.1: 1 vCPU takes 2–8 GB in whole GB): skipped, not an error.
        let skipped = o
            .candidates
            .iter()
            .filter(|c| c.status == Status::Skipped)
            .count();
        assert_eq!(skipped, 5);
        // Five 1-vCPU / 2-GB tasks for a day: the Fargate price of that size × 5 × 24 h, within 1 % (tasks
        // start a minute or so after t = 0).
        let hourly = ecsim::pricing::billing::fargate_hourly(
            &ecsim::pricing::billing::FargatePrices::default(),
            1024,
            2048,
            20,
            false,
            0.0,
        );
        let cost = o.candidates[r].cost_run.unwrap().mean;
        assert!(
            (cost / (5.0 * 24.0 * hourly) - 1.0).abs() < 0.01,
            "cost {cost} vs {}",
            5.0 * 24.0 * hourly
        );
    }
    assert_eq!(race.recommendation, all.recommendation);
    // Racing spent fewer runs, and never contradicts exhaustive's verdicts.
    assert!(
        race.runs_total < all.runs_total,
        "{} vs {}",
        race.runs_total,
        all.runs_total
    );
    for (a, b) in race.candidates.iter().zip(&all.candidates) {
        match a.status {
            Status::Feasible => assert_eq!(b.status, Status::Feasible, "{}", a.id),
            Status::Infeasible => assert_eq!(b.status, Status::Infeasible, "{} {}", a.id, a.reason),
            _ => {}
        }
    }
    // Probes: a candidate a monotone rule pruned spent fewer full-horizon seeds than the infeasible
    // candidate that pruned it (none at all: only probes run before the final rounds).
    let mut monotone = 0;
    for c in &race.candidates {
        let Some(rest) = c.reason.strip_prefix("pruned: c") else {
            continue;
        };
        let by: usize = rest[..4].parse().expect("pruner id");
        let p = &race.candidates[by];
        assert_eq!(p.status, Status::Infeasible, "{}: {}", c.id, c.reason);
        assert!(
            c.seeds_full < p.seeds_full || (c.seeds_full == 0 && p.seeds_full == 0),
            "{} ({} full seeds) pruned by {} ({} full seeds)",
            c.id,
            c.seeds_full,
            p.id,
            p.seeds_full
        );
        monotone += 1;
    }
    assert!(monotone > 0);
    // The 512-CPU candidates are infeasible; racing pruned some without running them (larger-task).
    assert!(
        race.rules
            .iter()
            .any(|r| r.name == "larger-task" || r.name == "higher-min")
    );
    // best.toml runs and meets the SLO it was chosen for.
    let best = dir.path().join("race").join("best.toml");
    let spec = ecsim::scenario::load(&best).unwrap();
    let s = ecsim::metrics::finite::checked(&mut ecsim::metrics::NullSink, |k| {
        ecsim::sim::simulate(&spec, k)
    })
    .unwrap();
    let slo = s
        .services
        .iter()
        .find(|f| f.name == "web")
        .unwrap()
        .slo
        .unwrap();
    assert_eq!(slo.met, Some(true));
}

/// The cost rules (issue #22): one family, one task size (1 vCPU), target 100 % (never scales out), minimums
/// 4, 5, 6, 7, two seeds. By the M/M/1 arithmetic of [`BASE`], 4 tasks are infeasible (p99 122.8 ms > 100) and
/// 5, 6, 7 feasible; with target 100 % the count is the minimum, so a higher minimum costs more.
///
/// Probes (src/plan/race/probe.rs): W = open candidates an infeasible verdict prunes (lower or equal
/// minimum), S = those a feasible one prunes (higher or equal minimum), the largest (min(W, S), W + S, W):
///   min 4: W 0, S 3 → (0, 3, 0);  min 5: W 1, S 2 → (1, 3, 1);  min 6: W 2, S 1 → (1, 3, 2);
///   min 7: W 3, S 0 → (0, 3, 3).  The probe is min 6: 2 runs (both seeds, judged on the mean) → feasible,
///   which prunes min 7 (higher-min-costlier) without a run.
/// Then min 4: W 0, S 1 → (0, 1, 0); min 5: W 1, S 0 → (0, 1, 1): min 5, 2 runs → feasible.
/// Then min 4: its first seed has nearly every minute over 100 ms, so even a perfect second seed cannot
///   bring the mean to 0.99 (seed-bound): 1 run.
/// Total 2 + 2 + 1 = 5 runs, against 4 × 2 = 8 for exhaustive; both recommend min 5.
#[test]
fn a_feasible_candidate_prunes_its_costlier_siblings_without_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("base.toml"), BASE).unwrap();
    let p = dir.path().join("plan.toml");
    let text = plan_text("100ms", 2)
        .replace(
            "task_sizes = [{ cpu = 512, memory = 1024 }, { cpu = 1024, memory = 2048 }, { cpu = 1024, memory = 3000 }]",
            "task_sizes = [{ cpu = 1024, memory = 2048 }]",
        )
        .replace("min_capacity = [2, 3, 4, 5, 6]", "min_capacity = [4, 5, 6, 7]");
    assert!(text.contains("min_capacity = [4, 5, 6, 7]") && !text.contains("512"));
    std::fs::write(&p, text).unwrap();
    let race = run(&p, &dir.path().join("race"), SearchMode::Racing, 2);
    let all = run(&p, &dir.path().join("all"), SearchMode::Exhaustive, 2);
    assert_eq!(all.runs_total, 8);
    assert_eq!(race.runs_total, 5, "{}", plan::outputs::summary(&race));
    let runs: Vec<usize> = race.candidates.iter().map(|c| c.runs).collect();
    assert_eq!(runs, [1, 2, 2, 0]);
    let r = race.recommendation.expect("feasible");
    assert_eq!(all.recommendation, Some(r));
    assert_eq!(param(&race, r, "min_capacity"), "5");
    let pruned = &race.candidates[3];
    assert_eq!(pruned.status, Status::Pruned);
    assert!(
        pruned
            .reason
            .starts_with("pruned: higher-min-costlier (assumed): ")
            && pruned.reason.contains("than c0002"),
        "{}",
        pruned.reason
    );
    assert_eq!(race.candidates[0].status, Status::Infeasible);
    assert!(
        race.rules
            .iter()
            .any(|u| u.name == "higher-min-costlier" && u.decided == 1)
    );
    // Exhaustive agrees: min 7 is feasible and costlier than min 6.
    assert_eq!(all.candidates[3].status, Status::Feasible);
    let cost = |o: &PlanOutcome, i: usize| o.candidates[i].cost_month.unwrap().mean;
    assert!(cost(&all, 3) > cost(&all, 2));
}

/// `short_horizon`: each probe first runs the short horizon on the first seed, and the prefix bound
/// decides an overloaded one there. 250 requests/s × 10 ms = 2.5 vCPU of work on 2 tasks of 1 vCPU: every
/// minute after the 10-minute warm-up is bad. A 6-hour short run has 350 bad minutes of the full day's
/// 1,430 measured, so the full run on that seed reaches at most 1 − 350/1,430 = 0.755, and with the other
/// seed perfect the mean at most (0.755 + 1)/2 = 0.878 < 0.99: infeasible after one short run. The probe
/// order (min 5 first: an infeasible verdict there would prune min 2) gives min 5 a short run and 1 then
/// 2 full seeds (3 runs), then min 2 its short run (1): 4 runs, where exhaustive takes 4 full ones.
#[test]
fn a_short_horizon_probe_is_decided_by_its_prefix_bound() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("base.toml"), BASE).unwrap();
    let p = dir.path().join("plan.toml");
    let text = plan_text("100ms", 2)
        .replace("seeds = 2", "seeds = 2\nshort_horizon = \"6h\"")
        .replace(
            "task_sizes = [{ cpu = 512, memory = 1024 }, { cpu = 1024, memory = 2048 }, { cpu = 1024, memory = 3000 }]",
            "task_sizes = [{ cpu = 1024, memory = 2048 }]",
        )
        .replace("min_capacity = [2, 3, 4, 5, 6]", "min_capacity = [2, 5]");
    assert!(text.contains("short_horizon") && text.contains("min_capacity = [2, 5]"));
    std::fs::write(&p, text).unwrap();
    let race = run(&p, &dir.path().join("race"), SearchMode::Racing, 2);
    let runs: Vec<usize> = race.candidates.iter().map(|c| c.runs).collect();
    assert_eq!(runs, [1, 3], "{}", plan::outputs::summary(&race));
    assert_eq!(race.runs_total, 4);
    let c = &race.candidates[0];
    assert_eq!(c.status, Status::Infeasible);
    assert!(
        c.reason
            .starts_with("infeasible: on the short horizon alone")
            && c.reason.contains("attainment ≤ 0.8"),
        "{}",
        c.reason
    );
    assert!(
        race.rules
            .iter()
            .any(|u| u.name == "prefix-bound" && u.decided == 1)
    );
    let r = race.recommendation.expect("feasible");
    assert_eq!(param(&race, r, "min_capacity"), "5");
}

#[test]
fn nothing_feasible_says_so_with_the_closest_candidates() {
    // p99 ≥ ln(100) × 10 ms = 46 ms for any M/M/1 of μ = 100/s: a 40 ms bound cannot be met.
    let (dir, p) = setup("40ms", 2);
    let o = run(&p, &dir.path().join("out"), SearchMode::Racing, 2);
    assert_eq!(o.recommendation, None);
    assert!(!o.closest.is_empty());
    let text = plan::outputs::summary(&o);
    assert!(text.contains("NOTHING MEETS THE SLO"), "{text}");
    assert!(text.contains("% of minutes bad"), "{text}");
    assert!(!dir.path().join("out").join("best.toml").exists());
}

#[test]
fn a_plan_costs_the_planned_service_not_the_base_s_other_services() {
    // The base also runs `api`: 10 Fargate tasks of 1 vCPU / 2 GB, whatever the candidate. The plan is for
    // `web`, with a budget of $400 a month. Web's own cost at 5 tasks of 1 vCPU / 2 GB on Fargate (§5.2:
    // $0.04048 a vCPU-hour + 2 × $0.004445 a GB-hour = $0.04937 an hour a task): 5 × 0.04937 × 730 =
    // $180.20 a month (a little less: billed from the image pull, $180.17). On EC2, c6g.xlarge ($0.136 an
    // hour, §6.2) holds 3 awsvpc tasks (4 ENIs less the primary, §1.1): 2 instances × 0.136 × 730 =
    // $198.56, +10.2 %. Api's $360 a month is not web's: with it (the run's whole cost, as before) every
    // candidate was over the budget ($540.50 and $558.89) and the plan said nothing meets the SLO.
    let dir = tempfile::tempdir().unwrap();
    let base = format!(
        "{BASE}\n[[task_definitions]]\nfamily = \"api\"\nrequires_compatibilities = [\"FARGATE\"]\nnetwork_mode = \"awsvpc\"\ncpu = 1024\nmemory = 2048\n\n[[services]]\nname = \"api\"\ntask_definition = \"api\"\ndesired_count = 10\nlaunch_type = \"FARGATE\"\n"
    );
    std::fs::write(dir.path().join("base.toml"), base).unwrap();
    let p = dir.path().join("plan.toml");
    std::fs::write(
        &p,
        r#"
base = "base.toml"
service = "web"
seeds = 2

[slo]
p99 = "100ms"
objective = 0.99
max_usd_per_month = 400

[space]
launch = ["fargate", "ec2"]
instance_types = ["c6g.xlarge"]
task_sizes = [{ cpu = 1024, memory = 2048 }]
targets = [100]
min_capacity = [4, 5, 6]
max_capacity = [8]
"#,
    )
    .unwrap();
    let o = run(&p, &dir.path().join("out"), SearchMode::Exhaustive, 2);
    let r = o
        .recommendation
        .expect("web at 5 tasks is within the budget");
    assert_eq!(param(&o, r, "launch"), "fargate");
    assert_eq!(param(&o, r, "min_capacity"), "5");
    let cost = o.candidates[r].cost_month.unwrap().mean;
    assert!((cost - 180.17).abs() < 0.05, "{cost}");
    let u = o.runner_up.expect("EC2 at 5 tasks");
    let ec2 = o.candidates[u].cost_month.unwrap().mean;
    assert!((ec2 - 198.56).abs() < 0.01, "{ec2}");
    let (_, share) = o.runner_up_gap.unwrap();
    assert!((share - 0.102).abs() < 0.001, "{share}");
}

#[test]
fn outputs_do_not_depend_on_jobs() {
    let (dir, p) = setup("100ms", 2);
    run(&p, &dir.path().join("j1"), SearchMode::Racing, 1);
    run(&p, &dir.path().join("j2"), SearchMode::Racing, 2);
    for f in [
        "plan.csv",
        "pareto.csv",
        "rules.csv",
        "best.toml",
        "summary.txt",
    ] {
        let a = std::fs::read(dir.path().join("j1").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("j2").join(f)).unwrap();
        assert!(a == b, "{f} differs between --jobs 1 and 2");
    }
}

fn ecsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ecsim"))
}

#[test]
fn resumes_after_a_kill() {
    resume_after_a_kill(SearchMode::Exhaustive);
}

/// Racing's probes decide from the records in candidate order: a killed racing plan resumes to the same
/// outputs too.
#[test]
fn racing_resumes_after_a_kill() {
    resume_after_a_kill(SearchMode::Racing);
}

fn resume_after_a_kill(mode: SearchMode) {
    let flag: &[&str] = if mode == SearchMode::Exhaustive {
        &["--exhaustive"]
    } else {
        &[]
    };
    let (dir, p) = setup("100ms", 3);
    let whole = dir.path().join("whole");
    run(&p, &whole, mode, 2);
    let out = dir.path().join("killed");
    let mut child = ecsim()
        .args(["plan", p.to_str().unwrap()])
        .args(flag)
        .args(["-q", "--jobs", "1", "--out", out.to_str().unwrap()])
        .spawn()
        .unwrap();
    let runs = out.join("runs");
    for _ in 0..6000 {
        let n = std::fs::read_dir(&runs).map_or(0, |d| d.count());
        if n >= 3 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    let recorded = std::fs::read_dir(&runs).unwrap().count();
    assert!(recorded >= 3);
    let st = ecsim()
        .args(["plan", p.to_str().unwrap()])
        .args(flag)
        .args(["-q", "--out", out.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(st.success());
    for f in ["plan.csv", "pareto.csv", "best.toml"] {
        assert_eq!(
            std::fs::read(whole.join(f)).unwrap(),
            std::fs::read(out.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn shards_merged_equal_one_machine() {
    let (dir, p) = setup("100ms", 3);
    let one = dir.path().join("one");
    run(&p, &one, SearchMode::Racing, 2);
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let shard = |i: &str, out: &Path| {
        ecsim()
            .args([
                "plan",
                p.to_str().unwrap(),
                "-q",
                "--shard",
                i,
                "--out",
                out.to_str().unwrap(),
            ])
            .status()
            .unwrap()
            .code()
    };
    let merge = |from: &Path, to: &Path| {
        let st = ecsim()
            .args([
                "plan",
                "merge",
                from.to_str().unwrap(),
                "--out",
                to.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
    };
    // Each round: both shards do their share (exit 3 while the other's runs are missing), then each folder
    // gets the other's records. Bounded: a plan has few rounds.
    let mut done = false;
    for _ in 0..40 {
        let (ca, cb) = (shard("1/2", &a), shard("2/2", &b));
        assert!(
            matches!(ca, Some(0 | 3)) && matches!(cb, Some(0 | 3)),
            "{ca:?} {cb:?}"
        );
        if ca == Some(0) && cb == Some(0) {
            done = true;
            break;
        }
        merge(&b, &a);
        merge(&a, &b);
    }
    assert!(done);
    for f in ["plan.csv", "pareto.csv", "best.toml"] {
        assert_eq!(
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(a.join(f)).unwrap(),
            "{f}"
        );
        assert_eq!(
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn bad_plan_files_name_file_line_and_field() {
    let (dir, p) = setup("100ms", 2);
    let cases = [
        (
            "launch = [\"fargate\"]",
            "launch = [\"fargat\"]",
            ":12:11: field `space.launch`: unknown launch option \"fargat\"",
        ),
        ("seeds = 2", "seeds = 0", ":5:9: field `seeds`"),
        (
            "targets = [100]",
            "targets = [100]\ncolour = 1",
            "unknown field `colour`",
        ),
        (
            "launch = [\"fargate\"]",
            "launch = [\"ec2\"]\ninstance_types = [\"m5.lage\"]",
            "field `space.instance_types`: unknown instance type \"m5.lage\". Did you mean \"m5.large\"?",
        ),
        ("p99 = \"100ms\"", "p99 = \"fast\"", ":8:7: field `slo.p99`"),
        // A repeated value would run the same candidates again (and double their runs), as a repeated
        // launch option or seed would: refused like them.
        (
            "targets = [100]",
            "targets = [100, 100]",
            ":14:17: field `space.targets`: 100 is listed twice",
        ),
        (
            "min_capacity = [2, 3, 4, 5, 6]",
            "min_capacity = [2, 3, 3]",
            ":15:23: field `space.min_capacity`: 3 is listed twice",
        ),
        (
            "{ cpu = 512, memory = 1024 }, { cpu = 1024, memory = 2048 }",
            "{ cpu = 512, memory = 1024 }, { cpu = 512, memory = 1024 }",
            "field `space.task_sizes`: { cpu = 512, memory = 1024 } is listed twice",
        ),
    ];
    for (from, to, want) in cases {
        let text = plan_text("100ms", 2).replace(from, to);
        std::fs::write(&p, &text).unwrap();
        let out = ecsim()
            .args(["plan", p.to_str().unwrap(), "--dry-run"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{to}: {err}");
        assert!(err.contains("plan.toml:"), "{err}");
        assert!(err.contains(want), "want {want:?} in {err}");
    }
    // Not a dry run: bad input writes nothing (no output folder).
    let out = dir.path().join("never");
    let o = ecsim()
        .args(["plan", p.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
}
