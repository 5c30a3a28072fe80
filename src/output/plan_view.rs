//! What the plan's charts and `report.html` show (issue #22 item 3): a finished plan as plain data, so
//! that both are pure functions of it and can be tested on hand-made plans. `ecsim plan` builds it from
//! its outcome.
//!
//! Must not: run anything; read files.

/// A mean with its 95 % confidence interval (`lo`, `hi`; equal to the mean with one run).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ci {
    /// The mean over the runs.
    pub mean: f64,
    /// The interval's lower end.
    pub lo: f64,
    /// The interval's upper end.
    pub hi: f64,
}

impl Ci {
    /// Half the interval's width.
    pub fn half_width(&self) -> f64 {
        (self.hi - self.lo) / 2.0
    }
}

/// Where a candidate ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Meets the objective (with confidence, or on every seed it was given).
    Feasible,
    /// Misses the objective.
    Infeasible,
    /// Dropped by the search before its full evaluation (dominated, or ruled out by a monotone rule).
    Pruned,
    /// Not a valid configuration (a task that does not fit the instance type, a size Fargate lacks).
    Skipped,
}

impl Status {
    /// The word `plan.csv` and the report use.
    pub fn word(self) -> &'static str {
        match self {
            Status::Feasible => "feasible",
            Status::Infeasible => "infeasible",
            Status::Pruned => "pruned",
            Status::Skipped => "skipped",
        }
    }
}

/// One candidate configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateView {
    /// The value of each dimension, in the order of [`PlanView::dims`].
    pub values: Vec<String>,
    /// `EC2` or `Fargate`: the launch type class the runner-up is chosen across.
    pub launch: String,
    /// Where the search left it.
    pub status: Status,
    /// Why it has its status (what limits it, for an infeasible one).
    pub reason: String,
    /// Simulation runs spent on it.
    pub runs: u64,
    /// Cost per 730-hour month, USD (none when it never ran).
    pub cost_month: Option<Ci>,
    /// Cost over the run's own length, USD.
    pub cost_run: Option<Ci>,
    /// Share of the measured SLO periods that met the SLO (0–1).
    pub attainment: Option<Ci>,
}

/// A finished plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanView {
    /// The plan's name (its file's `name`).
    pub name: String,
    /// The service planned.
    pub service: String,
    /// The SLO in words (`p99 ≤ 200 ms, errors ≤ 0.1 %`).
    pub slo: String,
    /// The attainment the SLO asks for (0–1): the share of periods that must meet it.
    pub objective: f64,
    /// A monthly cost budget, USD, if the plan has one.
    pub budget_month: Option<f64>,
    /// The length of the runs the figures come from, hours.
    pub run_hours: f64,
    /// The search space's dimensions (`launch`, `instance_type`, `cpu`, `target`, …).
    pub dims: Vec<String>,
    /// Every candidate of the search space, skipped ones included.
    pub candidates: Vec<CandidateView>,
    /// The cheapest feasible candidate (index into `candidates`).
    pub recommended: Option<usize>,
    /// The cheapest feasible candidate of the other launch type class.
    pub runner_up: Option<usize>,
    /// The cost-against-attainment Pareto front (indexes).
    pub front: Vec<usize>,
    /// The pruning rules the search used, in words.
    pub rules: Vec<String>,
    /// How the search ran (`racing` or `exhaustive`), with its seeds and horizon.
    pub search: String,
}

impl PlanView {
    /// The runs spent on all candidates.
    pub fn runs(&self) -> u64 {
        self.candidates.iter().map(|c| c.runs).sum()
    }

    /// A candidate in one line: `dim=value, …`.
    pub fn describe(&self, i: usize) -> String {
        self.dims
            .iter()
            .zip(&self.candidates[i].values)
            .map(|(d, v)| format!("{d}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The candidates closest to the objective when nothing meets it: those with an attainment, best upper
    /// bound first (then cheapest), at most `n`.
    pub fn closest(&self, n: usize) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.candidates.len())
            .filter(|&i| self.candidates[i].attainment.is_some())
            .collect();
        let key = |i: usize| {
            let c = &self.candidates[i];
            (
                c.attainment.map_or(f64::NEG_INFINITY, |a| a.hi),
                c.attainment.map_or(f64::NEG_INFINITY, |a| a.mean),
                c.cost_month.map_or(f64::INFINITY, |m| m.mean),
            )
        };
        idx.sort_by(|&a, &b| {
            let (ka, kb) = (key(a), key(b));
            kb.0.total_cmp(&ka.0)
                .then(kb.1.total_cmp(&ka.1))
                .then(ka.2.total_cmp(&kb.2))
                .then(a.cmp(&b))
        });
        idx.truncate(n);
        idx
    }
}

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
pub fn important_dims(p: &PlanView) -> Option<[(usize, f64); 2]> {
    let with: Vec<&CandidateView> = p
        .candidates
        .iter()
        .filter(|c| c.attainment.is_some() && c.cost_month.is_some_and(|m| m.mean > 0.0))
        .collect();
    let att: Vec<f64> = with.iter().filter_map(|c| c.attainment).map(|a| a.mean).collect();
    let cost: Vec<f64> = with
        .iter()
        .filter_map(|c| c.cost_month)
        .map(|m| m.mean.ln())
        .collect();
    let mut scored: Vec<(usize, f64)> = Vec::new();
    for d in 0..p.dims.len() {
        let values = levels(with.iter().map(|c| c.values[d].as_str()));
        if values.len() < 2 {
            continue;
        }
        let groups: Vec<usize> = with
            .iter()
            .map(|c| values.iter().position(|v| *v == c.values[d]).unwrap_or(0))
            .collect();
        scored.push((d, eta_squared(&groups, &att) + eta_squared(&groups, &cost)));
    }
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    match scored[..] {
        [a, b, ..] => Some([a, b]),
        _ => None,
    }
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn ci(mean: f64, half: f64) -> Ci {
        Ci {
            mean,
            lo: mean - half,
            hi: mean + half,
        }
    }

    /// A hand-made plan: launch × cpu × target, where cpu decides attainment and launch decides cost.
    pub(crate) fn sample() -> PlanView {
        let mut candidates = Vec::new();
        for launch in ["EC2", "Fargate"] {
            for cpu in ["512", "1024", "256"] {
                for target in ["50", "70"] {
                    let c: f64 = cpu.parse().unwrap();
                    let att = match cpu {
                        "256" => 0.90,
                        "512" => 0.985,
                        _ => 0.998,
                    } - if target == "70" { 0.002 } else { 0.0 };
                    let base = if launch == "EC2" { 0.08 } else { 0.1 };
                    let month = base * c + if target == "50" { 5.0 } else { 0.0 };
                    let feasible = att >= 0.99;
                    candidates.push(CandidateView {
                        values: vec![launch.into(), cpu.into(), target.into()],
                        launch: launch.into(),
                        status: if feasible {
                            Status::Feasible
                        } else {
                            Status::Infeasible
                        },
                        reason: if feasible {
                            "meets the objective".into()
                        } else {
                            format!("attainment {:.1} % below 99 %", att * 100.0)
                        },
                        runs: 5,
                        cost_month: Some(ci(month, 1.0)),
                        cost_run: Some(ci(month * 72.0 / 730.0, 72.0 / 730.0)),
                        attainment: Some(ci(att, 0.002)),
                    });
                }
            }
        }
        candidates.push(CandidateView {
            values: vec!["Fargate".into(), "128".into(), "50".into()],
            launch: "Fargate".into(),
            status: Status::Skipped,
            reason: "128 CPU is not a Fargate size".into(),
            runs: 0,
            cost_month: None,
            cost_run: None,
            attainment: None,
        });
        PlanView {
            name: "sample".into(),
            service: "web".into(),
            slo: "p99 ≤ 200 ms".into(),
            objective: 0.99,
            budget_month: Some(150.0),
            run_hours: 72.0,
            dims: vec!["launch".into(), "cpu".into(), "target".into()],
            candidates,
            // EC2 1024/70: 0.08 × 1024 = 81.92; Fargate 1024/70: 102.4
            recommended: Some(3),
            runner_up: Some(9),
            front: vec![3, 2],
            rules: vec!["a larger task size is no slower".into()],
            search: "racing: 5 seeds, 3 days".into(),
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
        // cpu explains nearly all of the attainment and most of the cost; launch only a little cost;
        // target least of all
        assert_eq!(p.dims[a], "cpu");
        assert_eq!(p.dims[b], "launch");
        assert!(ia > ib && ib > 0.0, "{ia} {ib}");
    }

    #[test]
    fn levels_sort_numbers_numerically() {
        assert_eq!(levels(["512", "1024", "256", "512"].into_iter()), ["256", "512", "1024"]);
        assert_eq!(levels(["m5", "c5", "m5"].into_iter()), ["m5", "c5"]);
    }

    #[test]
    fn closest_are_the_best_upper_bounds() {
        let p = sample();
        let c = p.closest(3);
        // the 1024-CPU candidates at target 50 reach 0.998 + 0.002: EC2's (index 2) before Fargate's (8)
        // by cost; then EC2 1024 at target 70 (index 3)
        assert_eq!(c, vec![2, 8, 3]);
        assert_eq!(p.describe(3), "launch=EC2, cpu=1024, target=70");
        assert_eq!(p.runs(), 60);
    }
}
