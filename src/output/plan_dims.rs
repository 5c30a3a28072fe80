//! The dimensions of a finished plan as its charts and report show them (issue #22 item 3): each
//! dimension's values in a natural order, and which two matter most (the heat map's axes).
//!
//! Must not: run anything; read files.

use crate::plan::{Candidate, PlanOutcome};

/// How much of the variation of `y` the groups explain: η² = between-group sum of squares ÷ total sum of
/// squares (0 when `y` does not vary). `groups[i]` is the group of `y[i]`.
pub fn eta_squared(groups: &[usize], y: &[f64]) -> f64 {
    let n = y.len().min(groups.len());
    if n < 2 {
        return 0.0;
    }
    let mean = y[..n].iter().sum::<f64>() / n as f64;
    let total: f64 = y[..n].iter().map(|v| (v - mean).powi(2)).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let k = groups[..n].iter().copied().max().unwrap_or(0) + 1;
    let (mut sum, mut cnt) = (vec![0.0; k], vec![0usize; k]);
    for i in 0..n {
        sum[groups[i]] += y[i];
        cnt[groups[i]] += 1;
    }
    let between: f64 = (0..k)
        .filter(|&g| cnt[g] > 0)
        .map(|g| cnt[g] as f64 * (sum[g] / cnt[g] as f64 - mean).powi(2))
        .sum();
    (between / total).clamp(0.0, 1.0)
}

/// The two most important dimensions for the heat map, most important first, with their importance.
///
/// A dimension's importance is η² of the candidates' mean attainment by its value plus η² of their log
/// monthly cost by its value (each 0–1), over the candidates that have both figures: how much of the
/// spread in what decides feasibility and in cost the dimension alone explains. Only dimensions with two
/// or more values among those candidates count; ties go to the earlier dimension. `None` with fewer than two.
pub fn important_dims(p: &PlanOutcome) -> Option<[(usize, f64); 2]> {
    let with: Vec<&Candidate> = p
        .candidates
        .iter()
        .filter(|c| c.attainment.is_some() && c.cost_month.is_some_and(|m| m.mean > 0.0))
        .collect();
    let att: Vec<f64> = with
        .iter()
        .filter_map(|c| c.attainment)
        .map(|a| a.mean)
        .collect();
    let cost: Vec<f64> = with
        .iter()
        .filter_map(|c| c.cost_month)
        .map(|m| m.mean.ln())
        .collect();
    let mut scored: Vec<(usize, f64)> = Vec::new();
    for d in 0..p.parameters.len() {
        let values = levels(with.iter().map(|c| value(c, d)));
        if values.len() < 2 {
            continue;
        }
        let groups: Vec<usize> = with
            .iter()
            .map(|c| values.iter().position(|v| v == value(c, d)).unwrap_or(0))
            .collect();
        scored.push((d, eta_squared(&groups, &att) + eta_squared(&groups, &cost)));
    }
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let first = *scored.first()?;
    // a dimension whose values pair one to one with the first's (memory with cpu when the task sizes are
    // pairs) would draw the same split again: the next one that does not
    let second = scored[1..]
        .iter()
        .copied()
        .find(|&(d, _)| !aliases(&with, first.0, d))?;
    Some([first, second])
}

/// Do dimensions `a` and `b` split `cands` the same way (each value of one goes with one value of the other)?
fn aliases(cands: &[&Candidate], a: usize, b: usize) -> bool {
    let pairs = levels(cands.iter().map(|c| value(c, a)));
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for c in cands {
        let p = (value(c, a), value(c, b));
        if !seen.contains(&p) {
            seen.push(p);
        }
    }
    let nb = levels(cands.iter().map(|c| value(c, b))).len();
    seen.len() == pairs.len() && seen.len() == nb
}

/// The distinct values of a dimension in a natural order: numerically when every value is a number,
/// else in order of first appearance.
pub fn levels<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    }
    let nums: Option<Vec<f64>> = out.iter().map(|v| v.parse::<f64>().ok()).collect();
    if let Some(nums) = nums {
        let mut idx: Vec<usize> = (0..out.len()).collect();
        idx.sort_by(|&a, &b| nums[a].total_cmp(&nums[b]));
        out = idx.into_iter().map(|i| out[i].clone()).collect();
    }
    out
}

/// A candidate's value of dimension `d` (`-` when it has none).
pub fn value(c: &Candidate, d: usize) -> &str {
    c.params.get(d).map_or("-", |(_, v)| v.as_str())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::plan::{Interval, Launch, RuleUse, SearchMode, SloTarget, Status};

    fn ci(mean: f64, half: f64) -> Interval {
        Interval {
            n: 5,
            mean,
            low: mean - half,
            high: mean + half,
        }
    }

    /// A hand-made plan: launch × cpu × target, where cpu decides attainment and launch decides cost.
    pub(crate) fn sample() -> PlanOutcome {
        let mut candidates = Vec::new();
        for launch in [Launch::Ec2, Launch::Fargate] {
            for cpu in ["512", "1024", "256"] {
                for target in ["50", "70"] {
                    let c: f64 = cpu.parse().unwrap();
                    let att = match cpu {
                        "256" => 0.90,
                        "512" => 0.985,
                        _ => 0.998,
                    } - if target == "70" { 0.002 } else { 0.0 };
                    let base = if launch == Launch::Ec2 { 0.08 } else { 0.1 };
                    let month = base * c + if target == "50" { 5.0 } else { 0.0 };
                    let feasible = att >= 0.99;
                    candidates.push(Candidate {
                        id: format!("c{:04}", candidates.len()),
                        launch,
                        params: vec![
                            ("launch".into(), launch.as_str().into()),
                            ("cpu".into(), cpu.into()),
                            ("target".into(), target.into()),
                        ],
                        status: if feasible {
                            Status::Feasible
                        } else {
                            Status::Infeasible
                        },
                        reason: if feasible {
                            "feasible: attainment ≥ 0.99 with 95 % confidence".into()
                        } else {
                            format!(
                                "infeasible: p99 over 200 ms in {:.1} % of minutes",
                                (1.0 - att) * 100.0
                            )
                        },
                        runs: 5,
                        seeds_full: 5,
                        cost_month: Some(ci(month, 1.0)),
                        cost_run: Some(ci(month * 72.0 / 730.0, 72.0 / 730.0)),
                        attainment: Some(ci(att, 0.002)),
                        placement_ok: true,
                    });
                }
            }
        }
        candidates.push(Candidate {
            id: "c0012".into(),
            launch: Launch::Fargate,
            params: vec![
                ("launch".into(), "fargate".into()),
                ("cpu".into(), "128".into()),
                ("target".into(), "50".into()),
            ],
            status: Status::Skipped,
            reason: "skipped: 128 CPU is not a Fargate size".into(),
            runs: 0,
            seeds_full: 0,
            cost_month: None,
            cost_run: None,
            attainment: None,
            placement_ok: true,
        });
        PlanOutcome {
            name: "sample".into(),
            file: "plans/sample.toml".into(),
            base: "../scenarios/sample.toml".into(),
            service: "web".into(),
            slo: SloTarget {
                p99_ms: Some(200.0),
                error_rate: 0.001,
                objective: 0.99,
                budget_usd_per_month: Some(150.0),
            },
            mode: SearchMode::Racing,
            seeds: vec![1, 2, 3, 4, 5],
            horizon_s: 72.0 * 3600.0,
            short_horizon_s: 6.0 * 3600.0,
            parameters: vec!["launch".into(), "cpu".into(), "target".into()],
            candidates,
            runs_total: 60,
            runs_exhaustive: 60,
            // EC2 1024/70: 0.08 × 1024 = 81.92; Fargate 1024/70: 0.1 × 1024 = 102.4
            recommendation: Some(3),
            runner_up: Some(9),
            runner_up_gap: Some((102.4 - 81.92, (102.4 - 81.92) / 81.92)),
            pareto: vec![3, 2],
            closest: Vec::new(),
            rules: vec![RuleUse {
                name: "larger-task".into(),
                text: "a larger task at the same target is no slower".into(),
                decided: 0,
            }],
            warnings: Vec::new(),
        }
    }

    #[test]
    fn eta_squared_by_hand() {
        // groups {1, 3} and {5, 7}: mean 4; total SS = 9+1+1+9 = 20; group means 2 and 6, between
        // SS = 2×4 + 2×4 = 16; η² = 16/20 = 0.8
        assert_eq!(eta_squared(&[0, 0, 1, 1], &[1.0, 3.0, 5.0, 7.0]), 0.8);
        assert_eq!(eta_squared(&[0, 1], &[2.0, 2.0]), 0.0);
        assert_eq!(eta_squared(&[0, 1], &[1.0, 3.0]), 1.0);
    }

    #[test]
    fn importance_picks_what_explains_attainment_and_cost() {
        let p = sample();
        let [(a, ia), (b, ib)] = important_dims(&p).unwrap();
        // cpu explains nearly all of the attainment and most of the cost; launch a little of the cost;
        // target least of all
        assert_eq!(p.parameters[a], "cpu");
        assert_eq!(p.parameters[b], "launch");
        assert!(ia > ib && ib > 0.0, "{ia} {ib}");
    }

    #[test]
    fn a_dimension_that_repeats_another_is_passed_over() {
        let mut p = sample();
        // memory paired with cpu (2 MiB a CPU unit): it splits the candidates exactly as cpu does
        p.parameters.push("memory".into());
        for c in &mut p.candidates {
            let cpu: u32 = c.params[1].1.parse().unwrap();
            c.params.push(("memory".into(), (cpu * 2).to_string()));
        }
        let [(a, _), (b, _)] = important_dims(&p).unwrap();
        assert_eq!(
            (p.parameters[a].as_str(), p.parameters[b].as_str()),
            ("cpu", "launch")
        );
    }

    #[test]
    fn levels_sort_numbers_numerically() {
        assert_eq!(
            levels(["512", "1024", "256", "512"].into_iter()),
            ["256", "512", "1024"]
        );
        assert_eq!(levels(["m5", "c5", "m5"].into_iter()), ["m5", "c5"]);
    }
}
