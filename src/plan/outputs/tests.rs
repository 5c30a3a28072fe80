//! The honest answers of a plan's outputs, on synthetic verdicts over `plans/constant.toml`'s 30
//! candidates (c0000–c0004: Fargate 512 CPU, min 2…6; c0005–c0009: Fargate 1024 CPU, min 2…6;
//! c0010–c0029: EC2 on c5.xlarge and c6g.xlarge; one target, 100 %): what the recommendation alone does
//! not show is said (runs that disagree, the edge of the space, a reversed racing verdict), and one seed
//! gives no interval.

use super::*;
use crate::plan::race::St;

fn plan() -> (Plan, Vec<Cand>) {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/constant.toml");
    let plan = crate::plan::load(&p).expect("plans/constant.toml loads");
    let cands = space::candidates(&plan);
    assert_eq!(cands.len(), 30);
    (plan, cands)
}

/// A full-horizon record: one day, `bad_ms` bad of 100,000 ms measured.
fn rec(i: usize, seed: u64, bad_ms: u64) -> Rec {
    Rec {
        key: String::new(),
        candidate: cand_id(i),
        horizon_ms: 86_400_000,
        seed,
        cost_usd: 5.0,
        simulated_s: 86_400.0,
        bad_ms,
        measured_ms: 100_000,
        placement_problem: None,
        requests: None,
        unplaced_at_end: 0,
    }
}

/// Every candidate infeasible on one clean-failing seed, but `feasible` (index, bad ms per seed).
fn searched(n: usize, feasible: &[(usize, &[u64])]) -> Searched {
    let mut states = vec![St::default(); n];
    for (i, st) in states.iter_mut().enumerate() {
        st.full = vec![rec(i, 1, 100_000)];
        st.decided = Some((Status::Infeasible, "infeasible".into(), "mean"));
    }
    for &(i, bad) in feasible {
        states[i].full = bad
            .iter()
            .enumerate()
            .map(|(k, &b)| rec(i, k as u64 + 1, b))
            .collect();
        states[i].decided = Some((Status::Feasible, "feasible".into(), "mean"));
    }
    Searched {
        states,
        rule_counts: Default::default(),
        warnings: Vec::new(),
    }
}

#[test]
fn seeds_that_disagree_are_said() {
    // c0008 (Fargate 1024 CPU, min 5) on seeds 1, 2, 3: 0, 1,500 and 0 bad ms of 100,000 → attainment
    // 1, 0.985, 1; mean 2.985 / 3 = 0.995 ≥ 0.99, so it is feasible (docs/plan.md: judged on the mean),
    // but seed 2 alone missed the objective: the summary must say so.
    let (plan, cands) = plan();
    let s = searched(cands.len(), &[(8, &[0, 1_500, 0])]);
    let o = outcome(&plan, &cands, &s, SearchMode::Exhaustive);
    assert_eq!(o.recommendation, Some(8));
    let text = summary(&o);
    assert!(
        text.contains("but 1 of them did not on its own (seed 2 0.9850)"),
        "{text}"
    );
    // Not at the edge: 512 CPU and min 2 were tried, and the target is 100 %.
    assert!(!text.contains("edge of the search space"), "{text}");
}

#[test]
fn feasible_on_the_mean_but_not_with_confidence_is_said() {
    // Attainments 0.995, 0.991, 0.999 (500, 900, 100 bad ms): mean 0.995, sample sd 0.004, 95 % half-width
    // t(0.975, 2) × 0.004 / √3 = 4.3027 × 0.0023094 = 0.009937, so the interval reaches 0.98506 < 0.99
    // although no seed missed the objective.
    let (plan, cands) = plan();
    let s = searched(cands.len(), &[(8, &[500, 900, 100])]);
    let o = outcome(&plan, &cands, &s, SearchMode::Exhaustive);
    let text = summary(&o);
    assert!(
        text.contains("meets the objective 0.99 on the mean, not with 95 % confidence: its attainment's 95 % interval reaches 0.9851"),
        "{text}"
    );
}

#[test]
fn a_recommendation_at_the_edge_of_the_space_is_said() {
    // c0000 is Fargate 512 CPU / 1024 MiB at min 2: the smallest task and the lowest minimum of its
    // family (Fargate x86_64, max 8): a 256-CPU task or a minimum of 1, not tried, might also meet the
    // SLO for less. Its target, 100 %, has nothing beyond it.
    let (plan, cands) = plan();
    let s = searched(cands.len(), &[(0, &[0, 0, 0]), (8, &[0, 0, 0])]);
    let o = outcome(&plan, &cands, &s, SearchMode::Exhaustive);
    assert_eq!(o.recommendation, Some(0), "equal costs: the earlier");
    let text = summary(&o);
    assert!(
        text.contains("warning: the recommendation c0000 is at the edge of the search space: its task size (512 CPU, 1024 MiB) is the smallest tried, its min_capacity (2) is the lowest tried;"),
        "{text}"
    );
    assert!(!text.contains("target (100 %)"), "{text}");
}

#[test]
fn candidates_pruned_by_a_reversed_verdict_are_said() {
    // Racing pruned c0009 (min 6) as costlier than c0008 (min 5) while c0008 was feasible with 95 %
    // confidence; on all seeds c0008 turned out infeasible, so c0009 — which may meet the SLO — was never
    // judged, and the recommendation (c0018, EC2) may not be the cheapest.
    let (plan, cands) = plan();
    let mut s = searched(cands.len(), &[(18, &[0, 0, 0])]);
    s.states[9].decided = Some((Status::Pruned, "pruned".into(), "higher-min-costlier"));
    s.states[9].pruned_by = Some(8);
    let o = outcome(&plan, &cands, &s, SearchMode::Racing);
    let text = summary(&o);
    assert!(
        text.contains("1 candidate(s) were pruned as costlier than one later found infeasible on all seeds (c0009)"),
        "{text}"
    );
    // A pruner that stayed feasible warns of nothing.
    s.states[8].decided = Some((Status::Feasible, "feasible".into(), "mean"));
    s.states[8].full = vec![rec(8, 1, 0), rec(8, 2, 0), rec(8, 3, 0)];
    let o = outcome(&plan, &cands, &s, SearchMode::Racing);
    assert!(!summary(&o).contains("pruned as costlier"));
}

#[test]
fn one_seed_has_no_interval_and_attainment_stays_in_zero_one() {
    // One seed: no 95 % interval (plan.csv leaves the bounds empty, as a sweep's aggregate.csv does; the
    // summary says so). Two seeds at 1 and 0.98: mean 0.99, half-width t(0.975, 1) × 0.014142 / √2
    // = 12.706 × 0.01 = 0.12706, so the t interval is [0.8629, 1.1171]: an attainment cannot pass 1, and
    // plan.csv, the summary and the report all give 1.
    let (plan, cands) = plan();
    let mut s = searched(cands.len(), &[(8, &[0])]);
    s.states[9].full = vec![rec(9, 1, 0), rec(9, 2, 2_000)];
    let o = outcome(&plan, &cands, &s, SearchMode::Exhaustive);
    let text = summary(&o);
    assert!(
        text.contains("a 730-h month (one seed: no interval)"),
        "{text}"
    );
    assert!(text.contains("attainment: 1.0000 (one seed: no interval) over 1 seed\n"));
    let csv = plan_csv(&o);
    let row = |id: &str| csv.lines().find(|l| l.starts_with(id)).unwrap().to_string();
    assert!(
        row("c0008,").ends_with(",1,1,5,,,152.0833333,,,1,,,1"),
        "{}",
        row("c0008,")
    );
    let a = o.candidates[9].attainment.unwrap();
    assert_eq!(a.high, 1.0);
    assert!((a.low - 0.86294).abs() < 1e-4, "{a:?}");
}

#[test]
fn nothing_feasible_at_the_strong_edge_of_the_space_is_said() {
    // Every candidate infeasible; the closest is c0009 (attainment 1 − 5,000 / 100,000 = 0.95), Fargate
    // 1024 CPU at min 6, max 8, target 100: the largest task, the highest minimum and maximum and the
    // lowest target of its family (Fargate x86_64) — a stronger configuration was not tried.
    let (plan, cands) = plan();
    let mut s = searched(cands.len(), &[]);
    s.states[9].full = vec![rec(9, 1, 5_000)];
    let o = outcome(&plan, &cands, &s, SearchMode::Exhaustive);
    assert_eq!((o.recommendation, o.closest.first()), (None, Some(&9)));
    let text = summary(&o);
    assert!(
        text.contains("warning: nothing meets the SLO, and the closest candidate c0009 is at the strong edge of the search space: its task size (1024 CPU, 2048 MiB) is the largest tried, its min_capacity (6) is the highest tried, its max_capacity (8) is the highest tried, its target (100 %) is the lowest tried;"),
        "{text}"
    );
    // c0007 (min 4) closest: min 5 and 6 were tried, so the minimum is not named.
    let mut s = searched(cands.len(), &[]);
    s.states[7].full = vec![rec(7, 1, 5_000)];
    let text = summary(&outcome(&plan, &cands, &s, SearchMode::Exhaustive));
    assert!(
        text.contains("closest candidate c0007 is at the strong edge"),
        "{text}"
    );
    assert!(!text.contains("min_capacity (4)"), "{text}");
}
