//! Racing's probes (issue #22): instead of a run for every candidate, each family (the candidates equal in
//! everything but task size, target and minimum) races one candidate at a time to a verdict, chosen so that
//! either verdict decides many others without a run of their own:
//!
//! - infeasible: the weaker candidates (smaller or equal task, higher or equal target, lower or equal
//!   minimum) are pruned by the latency rules (`larger-task`, `lower-target`, `higher-min`);
//! - feasible, or feasible with 95 % confidence after 2 or more seeds (or costlier with confidence than a
//!   candidate that is): the candidates of the same task size with a lower or equal target and a higher or
//!   equal minimum cost at least as much, and are pruned by the cost rules (`lower-target-costlier`,
//!   `higher-min-costlier`; [`Search::cost_prune`]), on-demand launches only (EC2, Fargate: with a Spot
//!   mix the assumption fails in the measured plans).
//!
//! The probe is the candidate whose weaker verdict decides the most: the largest min(W, S) over the open
//! candidates that have not run, W being the open candidates an infeasible verdict would prune and S those a
//! feasible one would; ties to the larger W + S, then the larger W (infeasible verdicts are the cheaper:
//! the seed bound often decides them after one seed), then the earlier candidate. A probe runs 1, 2, 4, …
//! seeds, judged after each batch, until it is decided or confidently feasible (it then waits, with its
//! seeds, for the final rounds). The families' probes run together, one batch per step.
//! A plan that sets `short_horizon` gives each probe one short run on the first seed before its full
//! seeds: the prefix bound decides an infeasible probe there at a fraction of a full run's CPU, for one
//! more run each.

use super::super::outcome::Launch;
use super::{Job, Search, Status, Stop};

impl Search<'_> {
    /// Probe every family until each open candidate has run and is feasible with confidence.
    pub(super) fn probe(&mut self) -> Result<(), Stop> {
        let n = self.plan.seeds.len();
        let h = self.plan.horizon_ms;
        let mut keys: Vec<String> = Vec::new();
        let fam: Vec<usize> = self
            .cands
            .iter()
            .map(|c| {
                let k = c.family_key();
                match keys.iter().position(|x| *x == k) {
                    Some(p) => p,
                    None => {
                        keys.push(k);
                        keys.len() - 1
                    }
                }
            })
            .collect();
        let mut flight: Vec<Option<usize>> = vec![None; keys.len()];
        // Each step adds at least one seed to one candidate: bounded by candidates × seeds.
        for step in 0..=self.cands.len() * n {
            if !self.budget_left() {
                return Ok(());
            }
            for (f, slot) in flight.iter_mut().enumerate() {
                // A probe feasible with 95 % confidence has done its work: its slot goes to the next.
                if slot.is_some_and(|p| !self.st[p].open() || self.confident(p)) {
                    *slot = None;
                }
                if slot.is_none() {
                    *slot = self.pick(&fam, f);
                }
            }
            let short = self.plan.short_horizon_ms;
            let jobs: Vec<Job> = flight
                .iter()
                .flatten()
                .map(|&p| {
                    // With a short_horizon, a probe's first step is one short run (its prefix bound).
                    if short < h && self.st[p].short.is_none() && self.st[p].full.is_empty() {
                        return Job {
                            cand: p,
                            horizon_ms: short,
                            seeds: vec![self.plan.seeds[0]],
                        };
                    }
                    let have = self.st[p].full.len();
                    let want = if have < 2 {
                        have + 1
                    } else {
                        (have * 2).min(n)
                    };
                    Job {
                        cand: p,
                        horizon_ms: h,
                        seeds: self.plan.seeds[have..want].to_vec(),
                    }
                })
                .collect();
            if jobs.is_empty() {
                return Ok(());
            }
            let recs = self.batch(jobs.clone(), &format!("probes, step {}", step + 1))?;
            let mut probed: Vec<usize> = jobs.iter().map(|j| j.cand).collect();
            probed.sort_unstable();
            for j in &jobs {
                for s in &j.seeds {
                    let r = recs[&(j.cand, j.horizon_ms, *s)].clone();
                    if j.horizon_ms < h {
                        self.st[j.cand].short = Some(r);
                    } else {
                        self.st[j.cand].full.push(r);
                    }
                }
            }
            for p in probed {
                if self.st[p].open() && self.st[p].full.is_empty() {
                    self.prefix_bound(p);
                } else if self.st[p].open() {
                    let last = self.st[p].full.len() >= n;
                    self.judge(p, last);
                }
            }
            self.cost_prune();
            self.race_costlier();
            self.cost_prune();
        }
        Ok(())
    }

    /// The next probe of family `f`, if any of its open candidates has not run.
    fn pick(&self, fam: &[usize], f: usize) -> Option<usize> {
        let members: Vec<usize> = (0..self.cands.len())
            .filter(|&i| fam[i] == f && self.st[i].open())
            .collect();
        let mut best: Option<((usize, usize, usize), usize)> = None;
        for &c in &members {
            if !self.st[c].full.is_empty() {
                continue;
            }
            let x = &self.cands[c];
            let (mut w, mut s) = (0, 0);
            for &y in &members {
                if y == c {
                    continue;
                }
                let y = &self.cands[y];
                if y.size_rank <= x.size_rank && y.target >= x.target && y.min <= x.min {
                    w += 1;
                }
                if y.size_rank == x.size_rank && y.target <= x.target && y.min >= x.min {
                    s += 1;
                }
            }
            let score = (w.min(s), w + s, w);
            // Strictly greater: ties go to the earlier candidate.
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, c));
            }
        }
        best.map(|(_, c)| c)
    }

    /// The cost rules: a candidate feasible (decided, or with confidence), or pruned as costlier than
    /// one that is, prunes the open candidates of its family and task size with a lower or equal target
    /// and a higher or equal minimum: with everything else equal they cost at least as much (assumed).
    pub(super) fn cost_prune(&mut self) {
        if !self.monotone {
            return;
        }
        for x in 0..self.cands.len() {
            let why = match &self.st[x].decided {
                Some((Status::Feasible, _, _)) => "is feasible",
                Some((
                    Status::Pruned,
                    _,
                    "race-costlier" | "lower-target-costlier" | "higher-min-costlier",
                )) => "is costlier than a feasible candidate",
                None if self.confident(x) => "is feasible with 95 % confidence",
                _ => continue,
            };
            let cx = &self.cands[x];
            // Not with a Spot mix: there a lower target costs less in up to 10 % of cases in the measured
            // plans (more tasks put a larger share on Spot, and interruptions vary), docs/plan.md.
            if matches!(cx.launch, Launch::Ec2Spot | Launch::FargateSpot) {
                continue;
            }
            let key = cx.family_key();
            for y in 0..self.cands.len() {
                let cy = &self.cands[y];
                if y == x
                    || !self.st[y].open()
                    || cy.size_rank != cx.size_rank
                    || cy.target > cx.target
                    || cy.min < cx.min
                    || (cy.target == cx.target && cy.min == cx.min)
                    || cy.family_key() != key
                {
                    continue;
                }
                let rule = if cy.target < cx.target {
                    "lower-target-costlier"
                } else {
                    "higher-min-costlier"
                };
                let reason = format!(
                    "pruned: {rule} (assumed): a lower or equal target and a higher or equal minimum than {} ({}), which {why}, cost at least as much",
                    super::super::runs::cand_id(x),
                    cx.short_label()
                );
                self.decide(y, Status::Pruned, reason, rule);
                self.st[y].pruned_by = Some(x);
            }
        }
    }
}
