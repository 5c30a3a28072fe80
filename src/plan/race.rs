//! The search: racing or, with `--exhaustive`, every valid candidate on every seed at the full horizon.
//! Every decision is taken from run records in candidate order, so the outcome is the same whatever
//! `--jobs`, sharding or resumption.
//!
//! Racing (issue #22): (1) probes ([`probe`]): per family (everything but task size, target and minimum
//! equal), one candidate at a time is raced on 1, 2, 4, … seeds of the full horizon (the same seeds for
//! every candidate: common random numbers) until it is decided or feasible with 95 % confidence; it is
//! chosen so that either verdict decides many others: an infeasible one prunes the weaker candidates
//! (larger-task, lower-target, higher-min), a feasible one the costlier ones of its task size
//! (lower-target-costlier, higher-min-costlier). The exact bounds, the 95 % intervals and the paired cost
//! differences decide what they can after every batch. (2) The candidates left (feasible with confidence)
//! run the remaining seeds in full-horizon rounds, judged on the mean.

use std::collections::BTreeMap;
use std::time::Instant;

use super::file::Plan;
use super::outcome::{Interval, SearchMode, Status};
use super::runs::{BatchError, Job, Rec, Runner};
use super::space::Cand;
use crate::sweep::stats::Estimate;

mod probe;

/// Hours in the month costs are quoted for.
pub const MONTH_HOURS: f64 = 730.0;

/// The rules, in the order outputs list them: (name, what it says).
pub const RULES: [(&str, &str); 12] = [
    (
        "invalid",
        "not a valid configuration: an EC2 task must fit the instance type (CPU units, registered memory), a Fargate size must be on the §5.1 grid, min_capacity ≤ max_capacity; never run",
    ),
    (
        "placement",
        "a run in which the service could not place its tasks is infeasible, however cheap (exact)",
    ),
    (
        "prefix-bound",
        "with a short_horizon: bad SLO minutes only add up, and a probe's short run is a prefix of its full run on the first seed, so its bad minutes bound the full run's attainment from above; when even with every other seed perfect the mean cannot reach the objective, infeasible (exact)",
    ),
    (
        "seed-bound",
        "bad SLO minutes only add up over seeds: from the full-horizon seeds run so far, even with every remaining seed perfect the mean cannot reach the objective (exact)",
    ),
    (
        "larger-task",
        "with everything else equal a larger task does not make latency worse: when a larger task is infeasible, a smaller one is too (monotone, assumed)",
    ),
    (
        "lower-target",
        "with everything else equal a lower scaling target does not make latency worse: when a lower target is infeasible, a higher one is too (monotone, assumed)",
    ),
    (
        "higher-min",
        "with everything else equal a higher minimum capacity does not make latency worse: when a higher minimum is infeasible, a lower one is too (monotone, assumed)",
    ),
    (
        "lower-target-costlier",
        "with everything else equal (the task size too) a lower scaling target does not cost less: when a candidate is feasible (or feasible with 95 % confidence after 2 or more seeds, or costlier with confidence than one that is), the candidates with a lower or equal target and a higher or equal minimum cost at least as much and are pruned without a run (monotone, assumed; on-demand launches only: with a Spot mix it does not hold)",
    ),
    (
        "higher-min-costlier",
        "with everything else equal (the task size too) a higher minimum capacity does not cost less: as lower-target-costlier, for a higher minimum at the same target (monotone, assumed)",
    ),
    (
        "race-infeasible",
        "after 2 or more seeds, the upper 95 % bound of attainment below the objective (statistical)",
    ),
    (
        "race-costlier",
        "after 2 or more seeds, costlier with 95 % confidence (paired by seed: common random numbers) than a candidate of the same launch family (EC2 or Fargate) that is feasible, or feasible with 95 % confidence (statistical)",
    ),
    (
        "mean",
        "every seed at the full horizon: feasible when the mean attainment reaches the objective, every run placed its tasks and the mean monthly cost is within the budget",
    ),
];

/// Where a candidate stands during the search.
#[derive(Debug, Clone, Default)]
pub struct St {
    /// Decided: status, reason, rule.
    pub decided: Option<(Status, String, &'static str)>,
    /// Its full-horizon runs, in seed order.
    pub full: Vec<Rec>,
    /// Its short-horizon run (a probe's first step when the plan sets `short_horizon`).
    pub short: Option<Rec>,
    /// The candidate whose verdict pruned it by a cost rule (`race-costlier`, `lower-target-costlier`,
    /// `higher-min-costlier`): the outputs warn when that verdict was reversed on all seeds.
    pub pruned_by: Option<usize>,
}

impl St {
    fn open(&self) -> bool {
        self.decided.is_none()
    }
}

/// The search's result.
#[derive(Debug, Clone)]
pub struct Searched {
    /// Per candidate.
    pub states: Vec<St>,
    /// Candidates decided per rule.
    pub rule_counts: BTreeMap<&'static str, usize>,
    /// Warnings.
    pub warnings: Vec<String>,
}

/// Why a search stopped without a result.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// Other shards' runs are missing.
    Incomplete {
        /// What was being run.
        what: String,
        /// Runs recorded.
        done: usize,
        /// Runs in the round.
        total: usize,
    },
    /// A failure.
    Failed(String),
}

struct Search<'a> {
    plan: &'a Plan,
    cands: &'a [Cand],
    runner: &'a Runner,
    st: Vec<St>,
    counts: BTreeMap<&'static str, usize>,
    warnings: Vec<String>,
    spent: usize,
    start: Instant,
    out_of_budget: bool,
    /// Racing: an infeasible candidate prunes the weaker ones (exhaustive judges each on its own runs).
    monotone: bool,
}

/// Mean and 95 % interval (the value itself for one value).
pub fn interval(values: &[f64]) -> Option<Interval> {
    let e = Estimate::of(values)?;
    let (low, high) = e.ci().unwrap_or((e.mean, e.mean));
    Some(Interval {
        n: e.n,
        mean: e.mean,
        low,
        high,
    })
}

/// A run's cost scaled to a 730-hour month.
pub fn monthly(r: &Rec) -> f64 {
    if r.simulated_s > 0.0 {
        r.cost_usd * MONTH_HOURS * 3600.0 / r.simulated_s
    } else {
        0.0
    }
}

/// What limits a run, in words (for infeasible candidates).
pub fn limit(plan: &Plan, r: &Rec) -> String {
    if let Some(p) = &r.placement_problem {
        return format!("cannot place its tasks: {p}");
    }
    if let Some([total, served, _]) = r.requests
        && total > 0.0
        && (total - served) > plan.slo.error_rate * total
    {
        return format!(
            "serves {:.2} % of requests",
            (served / total * 10_000.0).floor() / 100.0
        );
    }
    let pct = if r.measured_ms > 0 {
        r.bad_ms as f64 / r.measured_ms as f64 * 100.0
    } else {
        100.0
    };
    match plan.slo.p99_ms {
        Some(b) => format!("{pct:.2} % of minutes bad (p99 over {b} ms, errors or nothing served)"),
        None => format!("{pct:.2} % of minutes bad (errors or nothing served)"),
    }
}

/// Run the search.
pub fn search(
    plan: &Plan,
    cands: &[Cand],
    runner: &Runner,
    mode: SearchMode,
) -> Result<Searched, Stop> {
    let mut s = Search {
        plan,
        cands,
        runner,
        st: vec![St::default(); cands.len()],
        counts: BTreeMap::new(),
        warnings: Vec::new(),
        spent: 0,
        start: Instant::now(),
        out_of_budget: false,
        monotone: mode == SearchMode::Racing,
    };
    for (i, c) in cands.iter().enumerate() {
        if let Some(why) = &c.skip {
            s.decide(i, Status::Skipped, why.clone(), "invalid");
        }
    }
    let n = plan.seeds.len();
    match mode {
        SearchMode::Exhaustive => s.full_round(n)?,
        SearchMode::Racing => {
            s.probe()?;
            let mut k = 1;
            loop {
                s.full_round(k.min(n))?;
                if k >= n {
                    break;
                }
                k *= 2;
            }
        }
    }
    let open: Vec<usize> = (0..cands.len()).filter(|&i| s.st[i].open()).collect();
    for i in open {
        s.decide(
            i,
            Status::Pruned,
            "pruned: the plan's budget was spent before it was decided".into(),
            "budget",
        );
    }
    Ok(Searched {
        states: s.st,
        rule_counts: s.counts,
        warnings: s.warnings,
    })
}

impl Search<'_> {
    fn decide(&mut self, i: usize, status: Status, reason: String, rule: &'static str) {
        if self.st[i].decided.is_none() {
            self.st[i].decided = Some((status, reason, rule));
            *self.counts.entry(rule).or_default() += 1;
        }
    }

    /// Infeasible on the SLO: decide `i`, and prune the weaker candidates of its family (monotone rules).
    fn infeasible(&mut self, i: usize, reason: String, rule: &'static str) {
        self.decide(i, Status::Infeasible, reason, rule);
        if !self.monotone {
            return;
        }
        let x = &self.cands[i];
        let key = x.family_key();
        let id = super::runs::cand_id(i);
        for j in 0..self.cands.len() {
            let y = &self.cands[j];
            if j == i || !self.st[j].open() || y.family_key() != key {
                continue;
            }
            if y.size_rank <= x.size_rank && y.target >= x.target && y.min <= x.min {
                let rule = if y.size_rank < x.size_rank {
                    "larger-task"
                } else if y.target > x.target {
                    "lower-target"
                } else {
                    "higher-min"
                };
                let reason = format!(
                    "pruned: {id} is infeasible and at least as strong ({rule}; {})",
                    self.cands[i].short_label()
                );
                self.decide(j, Status::Pruned, reason, rule);
            }
        }
    }

    fn budget_left(&mut self) -> bool {
        let runs_over = self.plan.budget_runs.is_some_and(|b| self.spent >= b);
        let time_over = self
            .plan
            .budget_seconds
            .is_some_and(|b| self.start.elapsed().as_secs_f64() >= b);
        if (runs_over || time_over) && !self.out_of_budget {
            self.out_of_budget = true;
            self.warnings.push(format!(
                "the plan's budget ({}) was spent after {} runs: candidates still undecided are marked pruned, and the recommendation may not be the cheapest",
                if runs_over { format!("{} runs", self.plan.budget_runs.unwrap_or(0)) } else { format!("{} s", self.plan.budget_seconds.unwrap_or(0.0)) },
                self.spent
            ));
        }
        !self.out_of_budget
    }

    fn batch(
        &mut self,
        jobs: Vec<Job>,
        what: &str,
    ) -> Result<BTreeMap<(usize, u64, u64), Rec>, Stop> {
        let r = self
            .runner
            .batch(self.plan, self.cands, &jobs, what)
            .map_err(|e| match e {
                BatchError::Incomplete { done, total } => Stop::Incomplete {
                    what: what.to_string(),
                    done,
                    total,
                },
                BatchError::Failed(m) => Stop::Failed(m),
            })?;
        self.spent += r.len();
        Ok(r)
    }

    /// Larger task, lower target, higher minimum: the sum of the ranks (a larger sum is stronger).
    fn strength(&self, c: &Cand) -> usize {
        let sp = &self.plan.space;
        let t = sp.targets.iter().filter(|&&x| x > c.target).count();
        let m = sp.min_capacity.iter().filter(|&&x| x < c.min).count();
        c.size_rank + t + m
    }

    /// Bring every open candidate to `k` full-horizon seeds, then decide what can be decided.
    fn full_round(&mut self, k: usize) -> Result<(), Stop> {
        if !self.budget_left() {
            return Ok(());
        }
        let h = self.plan.horizon_ms;
        let n = self.plan.seeds.len();
        // Racing runs the round in waves, strongest first: a candidate found
        // infeasible prunes the weaker ones of its family before they spend their seeds. Exhaustive runs
        // it in one batch (nothing prunes there).
        let strength: Vec<usize> = self.cands.iter().map(|c| self.strength(c)).collect();
        let levels: Vec<Option<usize>> = if self.monotone {
            let top = strength.iter().copied().max().unwrap_or(0);
            (0..=top).rev().map(Some).collect()
        } else {
            vec![None]
        };
        for level in levels {
            if !self.budget_left() {
                return Ok(());
            }
            let jobs: Vec<Job> = (0..self.cands.len())
                .filter(|&i| self.st[i].open() && self.st[i].full.len() < k)
                .filter(|&i| level.is_none_or(|l| strength[i] == l))
                .map(|i| Job {
                    cand: i,
                    horizon_ms: h,
                    seeds: self.plan.seeds[self.st[i].full.len()..k].to_vec(),
                })
                .collect();
            if !jobs.is_empty() {
                let what = match level {
                    Some(l) => format!("full horizon, {k} seeds, strength {l}"),
                    None => format!("full horizon, {k} seeds"),
                };
                let recs = self.batch(jobs.clone(), &what)?;
                for j in &jobs {
                    for s in &j.seeds {
                        let r = recs[&(j.cand, h, *s)].clone();
                        self.st[j.cand].full.push(r);
                    }
                }
            }
            for (i, &st) in strength.iter().enumerate() {
                if self.st[i].open() && self.st[i].full.len() >= k && level.is_none_or(|l| st == l)
                {
                    self.judge(i, k == n);
                }
            }
        }
        if k >= 2 && k < n {
            self.race_costlier();
        }
        self.cost_prune();
        Ok(())
    }

    /// A short run's bad minutes bound the full run's on the same seed (a prefix of it): infeasible when
    /// even every other seed perfect cannot lift the mean to the objective.
    fn prefix_bound(&mut self, i: usize) {
        let Some(r) = self.st[i].short.clone() else {
            return;
        };
        let n = self.plan.seeds.len() as f64;
        let full_measured = self
            .plan
            .horizon_ms
            .saturating_sub(self.plan.base_spec.warm_up_ms)
            .max(1) as f64;
        let upper = 1.0 - (r.bad_ms as f64 / full_measured).min(1.0);
        let bound = (upper + (n - 1.0)) / n;
        if bound < self.plan.slo.objective {
            let reason = format!(
                "infeasible: on the short horizon alone {} (attainment ≤ {:.4} over {} seeds at best, objective {})",
                limit(self.plan, &r),
                bound,
                self.plan.seeds.len(),
                self.plan.slo.objective
            );
            self.infeasible(i, reason, "prefix-bound");
        } else if r.placement_problem.is_some() {
            let reason = format!(
                "infeasible: seed {} on the short horizon {}",
                r.seed,
                limit(self.plan, &r)
            );
            self.infeasible(i, reason, "placement");
        }
    }

    fn judge(&mut self, i: usize, last: bool) {
        let plan = self.plan;
        let obj = plan.slo.objective;
        let n = plan.seeds.len();
        let full = self.st[i].full.clone();
        let k = full.len();
        if let Some(r) = full.iter().find(|r| r.placement_problem.is_some()) {
            let reason = format!("infeasible: seed {} {}", r.seed, limit(plan, r));
            return self.infeasible(i, reason, "placement");
        }
        let att: Vec<f64> = full.iter().map(Rec::attainment).collect();
        let a = interval(&att).expect("k ≥ 1");
        let worst = full
            .iter()
            .min_by(|x, y| x.attainment().total_cmp(&y.attainment()))
            .expect("k ≥ 1");
        let bound = (att.iter().sum::<f64>() + (n - k) as f64) / n as f64;
        if bound < obj && !last {
            let reason = format!(
                "infeasible: attainment ≤ {bound:.4} over {n} seeds at best after {k} (objective {obj}); worst seed {}: {}",
                worst.seed,
                limit(plan, worst)
            );
            return self.infeasible(i, reason, "seed-bound");
        }
        if k >= 2 && a.high < obj && !last {
            let reason = format!(
                "infeasible: attainment {:.4}, 95 % interval [{:.4}, {:.4}] below {obj} after {k} seeds; {}",
                a.mean,
                a.low,
                a.high,
                limit(plan, worst)
            );
            return self.infeasible(i, reason, "race-infeasible");
        }
        let cost = interval(&full.iter().map(monthly).collect::<Vec<_>>()).expect("k ≥ 1");
        if let Some(b) = plan.slo.budget_usd_per_month
            && k >= 2
            && cost.low > b
            && !last
        {
            let reason = format!(
                "infeasible: ${:.2} a month, 95 % interval above the budget of ${b:.2}",
                cost.mean
            );
            return self.decide(i, Status::Infeasible, reason, "race-infeasible");
        }
        if !last {
            return;
        }
        if a.mean < obj {
            let reason = format!(
                "infeasible: mean attainment {:.4} < {obj} over {k} seeds; worst seed {}: {}",
                a.mean,
                worst.seed,
                limit(plan, worst)
            );
            self.infeasible(i, reason, "mean");
        } else if let Some(b) = plan.slo.budget_usd_per_month.filter(|&b| cost.mean > b) {
            let reason = format!(
                "infeasible: meets the SLO but costs ${:.2} a month, over the budget of ${b:.2}",
                cost.mean
            );
            self.decide(i, Status::Infeasible, reason, "mean");
        } else {
            let reason = format!(
                "feasible: mean attainment {:.4} ≥ {obj} over {k} seeds, every run placed its tasks",
                a.mean
            );
            self.decide(i, Status::Feasible, reason, "mean");
        }
    }

    /// Prune, per launch family, candidates costlier with confidence (paired by seed) than one feasible
    /// with confidence.
    fn race_costlier(&mut self) {
        for fargate in [false, true] {
            // The cheapest feasible or confidently feasible candidate of the family is the reference.
            let refs: Vec<usize> = (0..self.cands.len())
                .filter(|&i| self.cands[i].launch.is_fargate() == fargate)
                .filter(|&i| {
                    self.confident(i)
                        || matches!(self.st[i].decided, Some((Status::Feasible, _, _)))
                })
                .collect();
            let Some(&best) = refs.iter().min_by(|&&x, &&y| {
                mean_cost(&self.st[x])
                    .total_cmp(&mean_cost(&self.st[y]))
                    .then(x.cmp(&y))
            }) else {
                continue;
            };
            for i in 0..self.cands.len() {
                if i == best || self.cands[i].launch.is_fargate() != fargate || !self.st[i].open() {
                    continue;
                }
                let (a, b) = (&self.st[i].full, &self.st[best].full);
                let k = a.len().min(b.len());
                if k < 2 {
                    continue;
                }
                let diffs: Vec<f64> = (0..k).map(|s| monthly(&a[s]) - monthly(&b[s])).collect();
                if let Some(d) = interval(&diffs)
                    && d.low > 0.0
                {
                    let reason = format!(
                        "pruned: ${:.2} a month dearer than {} (race-costlier: paired 95 % interval [{:.2}, {:.2}] over {k} seeds), which is feasible with 95 % confidence",
                        d.mean,
                        super::runs::cand_id(best),
                        d.low,
                        d.high
                    );
                    self.decide(i, Status::Pruned, reason, "race-costlier");
                    self.st[i].pruned_by = Some(best);
                }
            }
        }
    }
}

impl Search<'_> {
    /// Open, with 2 or more full-horizon seeds, every run placed, and attainment's lower 95 % bound at or
    /// above the objective.
    fn confident(&self, i: usize) -> bool {
        let st = &self.st[i];
        st.open()
            && st.full.len() >= 2
            && st.full.iter().all(|r| r.placement_problem.is_none())
            && interval(&st.full.iter().map(Rec::attainment).collect::<Vec<_>>())
                .is_some_and(|a| a.low >= self.plan.slo.objective)
    }
}

fn mean_cost(st: &St) -> f64 {
    st.full.iter().map(monthly).sum::<f64>() / st.full.len().max(1) as f64
}

impl Cand {
    /// A few words naming the candidate (for reasons).
    pub fn short_label(&self) -> String {
        format!(
            "{} {} {}/{} target {} min {}",
            self.launch.as_str(),
            self.instance.as_ref().map_or("", |t| t.name.as_str()),
            self.size.cpu,
            self.size.memory,
            self.target,
            self.min
        )
    }
}
