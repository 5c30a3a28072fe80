//! A finished plan's outcome ([`outcome`], built from the search's records alone) and its files:
//! `plan.csv`, `pareto.csv`, `best.toml`, and the summary printed on stdout ([`summary`]). Each file is
//! written whole (`output::atomic`); the run records beside them stay, so a rerun resumes.

use std::fmt::Write as _;
use std::path::Path;

use super::file::Plan;
use super::outcome::{Candidate, PlanOutcome, RuleUse, SearchMode, Status};
use super::race::{self, Searched, interval, monthly};
use super::runs::{Rec, cand_id};
use super::space::{self, Cand};
use crate::numfmt::fmt_csv;
use crate::output::csv_text;
use crate::sweep::store::write_atomic;

/// Build the outcome from the search.
pub fn outcome(plan: &Plan, cands: &[Cand], s: &Searched, mode: SearchMode) -> PlanOutcome {
    let n = plan.seeds.len();
    let mut candidates = Vec::with_capacity(cands.len());
    for (i, (c, st)) in cands.iter().zip(&s.states).enumerate() {
        let (status, reason, _) = st.decided.clone().expect("every candidate is decided");
        // The statistics are over the full-horizon seeds run.
        let recs: Vec<&Rec> = st.full.iter().collect();
        let cost_run = interval(&recs.iter().map(|r| r.cost_usd).collect::<Vec<_>>());
        let cost_month = interval(&recs.iter().map(|r| monthly(r)).collect::<Vec<_>>());
        // Attainment is a share: its t interval is clipped to [0, 1] (the same figures in plan.csv, the
        // summary, best.toml and the report; the search's verdicts compare with the objective, ≤ 1,
        // so the clipping changes none).
        let attainment =
            interval(&recs.iter().map(|r| r.attainment()).collect::<Vec<_>>()).map(|a| {
                super::outcome::Interval {
                    low: a.low.max(0.0),
                    high: a.high.min(1.0),
                    ..a
                }
            });
        candidates.push(Candidate {
            id: cand_id(i),
            launch: c.launch,
            params: c.params(),
            status,
            reason,
            runs: st.full.len() + usize::from(st.short.is_some()),
            seeds_full: st.full.len(),
            cost_run,
            cost_month,
            attainment,
            placement_ok: recs.iter().all(|r| r.placement_problem.is_none()),
        });
    }
    let cost = |i: usize| candidates[i].cost_month.map_or(f64::INFINITY, |c| c.mean);
    let cheapest = |pred: &dyn Fn(&Candidate) -> bool| -> Option<usize> {
        (0..candidates.len())
            .filter(|&i| candidates[i].status == Status::Feasible && pred(&candidates[i]))
            .min_by(|&a, &b| cost(a).total_cmp(&cost(b)).then(a.cmp(&b)))
    };
    let recommendation = cheapest(&|_| true);
    let runner_up = recommendation.and_then(|r| {
        let f = candidates[r].launch.is_fargate();
        cheapest(&|c| c.launch.is_fargate() != f)
    });
    let runner_up_gap = match (recommendation, runner_up) {
        (Some(a), Some(b)) => Some((
            cost(b) - cost(a),
            if cost(a) > 0.0 {
                (cost(b) - cost(a)) / cost(a)
            } else {
                0.0
            },
        )),
        _ => None,
    };
    // The front over the candidates run on every seed at the full horizon.
    let full: Vec<usize> = (0..candidates.len())
        .filter(|&i| candidates[i].seeds_full == n)
        .collect();
    let att = |i: usize| candidates[i].attainment.map_or(0.0, |a| a.mean);
    let mut pareto: Vec<usize> = full
        .iter()
        .copied()
        .filter(|&i| {
            !full.iter().any(|&j| {
                j != i
                    && cost(j) <= cost(i)
                    && att(j) >= att(i)
                    && (cost(j) < cost(i) || att(j) > att(i))
            })
        })
        .collect();
    pareto.sort_by(|&a, &b| cost(a).total_cmp(&cost(b)).then(a.cmp(&b)));
    let closest = if recommendation.is_some() {
        Vec::new()
    } else {
        let mut ran: Vec<usize> = (0..candidates.len())
            .filter(|&i| candidates[i].attainment.is_some())
            .collect();
        ran.sort_by(|&a, &b| {
            att(b)
                .total_cmp(&att(a))
                .then(cost(a).total_cmp(&cost(b)))
                .then(a.cmp(&b))
        });
        ran.truncate(5);
        ran
    };
    let rules = race::RULES
        .iter()
        .filter_map(|(name, text)| {
            let decided = s.rule_counts.get(name).copied().unwrap_or(0);
            (decided > 0).then(|| RuleUse {
                name: name.to_string(),
                text: text.to_string(),
                decided,
            })
        })
        .collect();
    let mut warnings = s.warnings.clone();
    warnings.extend(recommendation_warnings(
        cands,
        s,
        &candidates,
        (recommendation, &closest),
        plan.slo.objective,
    ));
    let runs_total = candidates.iter().map(|c| c.runs).sum();
    let runs_exhaustive = cands.iter().filter(|c| c.skip.is_none()).count() * n;
    PlanOutcome {
        name: plan.name.clone(),
        file: plan.label.clone(),
        base: plan.base_label.clone(),
        service: plan.service.clone(),
        slo: plan.slo.clone(),
        mode,
        seeds: plan.seeds.clone(),
        horizon_s: plan.horizon_ms as f64 / 1000.0,
        // Racing no longer runs a short-horizon round (issue #22's probes): every run is at the full horizon.
        short_horizon_s: plan.horizon_ms as f64 / 1000.0,
        parameters: space::PARAMETERS.iter().map(|p| p.to_string()).collect(),
        candidates,
        runs_total,
        runs_exhaustive,
        recommendation,
        runner_up,
        runner_up_gap,
        pareto,
        closest,
        rules,
        warnings,
    }
}

/// What the recommendation alone does not show, as warnings (printed, in `summary.txt` and the report):
/// its seeds disagree (some missed the objective on their own, or the 95 % interval reaches below it:
/// feasible on the mean only); it lies at the cheap edge of the search space (the smallest task, the
/// highest target or the lowest minimum tried: one beyond it, not tried, may meet the SLO for less); with
/// nothing feasible, the closest candidate at the strong edge (the largest task, minimum or maximum, or
/// the lowest target tried: a stronger one may meet it); a racing verdict that pruned candidates as
/// costlier was reversed on all seeds (they were never run).
fn recommendation_warnings(
    cands: &[Cand],
    s: &Searched,
    candidates: &[Candidate],
    (recommendation, closest): (Option<usize>, &[usize]),
    obj: f64,
) -> Vec<String> {
    let mut w = Vec::new();
    if let Some(r) = recommendation {
        let (c, id) = (&cands[r], &candidates[r].id);
        let full = &s.states[r].full;
        let missed: Vec<String> = full
            .iter()
            .filter(|x| x.attainment() < obj)
            .map(|x| format!("seed {} {:.4}", x.seed, x.attainment()))
            .collect();
        let a = candidates[r].attainment.expect("a feasible candidate ran");
        if !missed.is_empty() {
            w.push(format!(
                "the recommendation {id} meets the objective {obj} on the mean of its {} seeds, but {} of them did not on its own ({}): its runs disagree, so more seeds may change the answer",
                full.len(),
                missed.len(),
                missed.join(", ")
            ));
        } else if a.n >= 2 && a.low < obj {
            w.push(format!(
                "the recommendation {id} meets the objective {obj} on the mean, not with 95 % confidence: its attainment's 95 % interval reaches {:.4}",
                a.low
            ));
        }
        let family: Vec<&Cand> = cands
            .iter()
            .filter(|x| x.skip.is_none() && x.family_key() == c.family_key())
            .collect();
        let mut edge = Vec::new();
        if family.iter().all(|x| x.size_rank >= c.size_rank)
            && c.size.cpu > if c.launch.is_fargate() { 256 } else { 128 }
        {
            edge.push(format!(
                "its task size ({} CPU, {} MiB) is the smallest tried",
                c.size.cpu, c.size.memory
            ));
        }
        if family.iter().all(|x| x.target <= c.target) && c.target < 100.0 {
            edge.push(format!("its target ({} %) is the highest tried", c.target));
        }
        if family.iter().all(|x| x.min >= c.min) && c.min > 1 {
            edge.push(format!("its min_capacity ({}) is the lowest tried", c.min));
        }
        if !edge.is_empty() {
            w.push(format!(
                "the recommendation {id} is at the edge of the search space: {}; a configuration beyond it, not tried, may also meet the SLO for less (widen [space] to check)",
                edge.join(", ")
            ));
        }
    }
    if recommendation.is_none()
        && let Some(&i) = closest.first()
    {
        let c = &cands[i];
        let name = |x: &Cand| x.instance.as_ref().map(|t| t.name.clone());
        let family: Vec<&Cand> = cands
            .iter()
            .filter(|x| x.skip.is_none() && x.launch == c.launch && x.arch == c.arch)
            .filter(|x| name(x) == name(c))
            .collect();
        let mut edge = Vec::new();
        if family.iter().all(|x| x.size_rank <= c.size_rank) {
            edge.push(format!(
                "its task size ({} CPU, {} MiB) is the largest tried",
                c.size.cpu, c.size.memory
            ));
        }
        if family.iter().all(|x| x.min <= c.min) {
            edge.push(format!("its min_capacity ({}) is the highest tried", c.min));
        }
        if family.iter().all(|x| x.max <= c.max) {
            edge.push(format!("its max_capacity ({}) is the highest tried", c.max));
        }
        if family.iter().all(|x| x.target >= c.target) {
            edge.push(format!("its target ({} %) is the lowest tried", c.target));
        }
        if !edge.is_empty() {
            w.push(format!(
                "nothing meets the SLO, and the closest candidate {} is at the strong edge of the search space: {}; a stronger configuration, not tried, may meet it (widen [space] to check)",
                candidates[i].id,
                edge.join(", ")
            ));
        }
    }
    // A cost rule prunes on a verdict (feasible, or feasible with 95 % confidence) taken before every
    // seed ran; when the pruner turned out infeasible, what it pruned was never judged.
    let root = |mut i: usize| {
        while let Some(j) = s.states[i].pruned_by {
            i = j;
        }
        i
    };
    let lost: Vec<&str> = (0..candidates.len())
        .filter(|&i| s.states[i].pruned_by.is_some())
        .filter(|&i| candidates[root(i)].status != Status::Feasible)
        .map(|i| candidates[i].id.as_str())
        .collect();
    if !lost.is_empty() {
        w.push(format!(
            "{} candidate(s) were pruned as costlier than one later found infeasible on all seeds ({}): they were never judged, so the recommendation may not be the cheapest; `--exhaustive` into the same folder runs only what racing skipped",
            lost.len(),
            lost.join(", ")
        ));
    }
    w
}

/// A CSV cell: quoted when it holds a comma, a quote or a line break; text made safe for spreadsheets.
fn cell(s: &str) -> String {
    let s = csv_text::text_or_number(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

fn param_cell(v: &str) -> String {
    if v == "-" { String::new() } else { cell(v) }
}

/// `mean,low,high`; the bounds are empty with fewer than two seeds (one value has no interval), as in a
/// sweep's `aggregate.csv`.
fn stats_cells(i: Option<super::outcome::Interval>) -> String {
    match i {
        None => ",,".into(),
        Some(i) if i.n < 2 => format!("{},,", fmt_csv(i.mean)),
        Some(i) => format!("{},{},{}", fmt_csv(i.mean), fmt_csv(i.low), fmt_csv(i.high)),
    }
}

/// ` (95 % CI a–b)` of an interval, or ` (one seed: no interval)`; `f` formats a bound.
fn ci_text(i: &super::outcome::Interval, what: &str, f: impl Fn(f64) -> String) -> String {
    if i.n < 2 {
        " (one seed: no interval)".into()
    } else {
        format!(" ({what} {}–{})", f(i.low), f(i.high))
    }
}

/// `plan.csv`: every candidate.
pub fn plan_csv(o: &PlanOutcome) -> String {
    let mut t = String::from("id,");
    t.push_str(&o.parameters.join(","));
    t.push_str(",status,reason,runs,seeds_full,cost_run_usd,cost_run_low,cost_run_high,cost_month_usd,cost_month_low,cost_month_high,attainment,attainment_low,attainment_high,placement_ok\n");
    for c in &o.candidates {
        let params: Vec<String> = c.params.iter().map(|(_, v)| param_cell(v)).collect();
        let _ = writeln!(
            t,
            "{},{},{},{},{},{},{},{},{},{}",
            c.id,
            params.join(","),
            c.status.as_str(),
            cell(&c.reason),
            c.runs,
            c.seeds_full,
            stats_cells(c.cost_run),
            stats_cells(c.cost_month),
            stats_cells(c.attainment),
            u8::from(c.placement_ok)
        );
    }
    t
}

/// `pareto.csv`: the cost-versus-attainment front.
pub fn pareto_csv(o: &PlanOutcome) -> String {
    let mut t = String::from("id,");
    t.push_str(&o.parameters.join(","));
    t.push_str(",status,cost_month_usd,cost_month_low,cost_month_high,attainment,attainment_low,attainment_high\n");
    for &i in &o.pareto {
        let c = &o.candidates[i];
        let params: Vec<String> = c.params.iter().map(|(_, v)| param_cell(v)).collect();
        let _ = writeln!(
            t,
            "{},{},{},{},{}",
            c.id,
            params.join(","),
            c.status.as_str(),
            stats_cells(c.cost_month),
            stats_cells(c.attainment)
        );
    }
    t
}

fn describe(c: &Candidate) -> String {
    c.params
        .iter()
        .filter(|(k, v)| v != "-" && k != "tasks_per_instance")
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn money(x: f64) -> String {
    format!("${x:.2}")
}

/// `best.toml`: the recommended candidate's scenario at the full horizon, with a comment.
pub fn best_toml(
    plan: &Plan,
    cands: &[Cand],
    o: &PlanOutcome,
    out: &Path,
) -> Option<Result<String, space::CandidateError>> {
    let r = o.recommendation?;
    let c = &o.candidates[r];
    let text = match space::scenario_text(plan, &cands[r], plan.horizon_ms) {
        Ok(t) => t,
        Err(e) => return Some(Err(e)),
    };
    let cm = c.cost_month.expect("a feasible candidate ran");
    let a = c.attainment.expect("a feasible candidate ran");
    let mut h = String::new();
    let _ = writeln!(
        h,
        "# Chosen by `ecsim plan {}` ({} search): candidate {} of {}.",
        o.file,
        o.mode.as_str(),
        c.id,
        o.candidates.len()
    );
    let _ = writeln!(h, "# {}", describe(c));
    let _ = writeln!(
        h,
        "# Why: the cheapest candidate meeting the SLO of service `{}` ({}) over {} seed{}: {} a 730-h month{}, attainment {:.4}{}.",
        o.service,
        slo_text(o),
        c.seeds_full,
        if c.seeds_full == 1 { "" } else { "s" },
        money(cm.mean),
        ci_text(&cm, "95 % interval", money),
        a.mean,
        ci_text(&a, "95 % interval", |x| format!("{x:.4}")),
    );
    let _ = writeln!(
        h,
        "# Base scenario: {} (its file references are rewritten relative to this file's folder).",
        o.base
    );
    let _ = writeln!(
        h,
        "# `ecsim run` reproduces the plan's first seed ({}); the plan's statistics are over seeds {:?}.",
        o.seeds[0], o.seeds
    );
    let mut table: toml::Table = text.parse().ok()?;
    table.insert("seed".into(), toml::Value::Integer(o.seeds[0] as i64));
    // Relative file references of the base resolve against the base's folder; best.toml lives elsewhere,
    // so they are made absolute.
    absolutize(&mut table, &plan.base_dir, out);
    Some(
        toml::to_string(&table)
            .map(|t| format!("{h}\n{t}"))
            .map_err(space::CandidateError::from),
    )
}

/// Rewrite the `file` references of the base (relative to `dir`) relative to `out`, where best.toml is.
fn absolutize(t: &mut toml::Table, dir: &Path, out: &Path) {
    for (k, v) in t.iter_mut() {
        match v {
            toml::Value::String(s) if k == "file" => {
                let p = dir.join(&*s);
                if p.is_file() {
                    *s = relative(out, &p).unwrap_or_else(|| p.display().to_string());
                }
            }
            toml::Value::Table(x) => absolutize(x, dir, out),
            toml::Value::Array(a) => {
                for x in a.iter_mut() {
                    if let toml::Value::Table(x) = x {
                        absolutize(x, dir, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// `file` as a path relative to the folder `from` (both made canonical), `/` separated.
fn relative(from: &Path, file: &Path) -> Option<String> {
    let from = std::fs::canonicalize(from).ok()?;
    let file = std::fs::canonicalize(file).ok()?;
    let a: Vec<_> = from.components().collect();
    let b: Vec<_> = file.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".into(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Some(parts.join("/"))
}

fn slo_text(o: &PlanOutcome) -> String {
    let mut s = String::new();
    if let Some(p) = o.slo.p99_ms {
        let _ = write!(s, "p99 ≤ {p} ms, ");
    }
    let _ = write!(
        s,
        "errors ≤ {} of requests, in {} % of minutes",
        o.slo.error_rate,
        o.slo.objective * 100.0
    );
    if let Some(b) = o.slo.budget_usd_per_month {
        let _ = write!(s, ", at most {} a month", money(b));
    }
    s
}

fn hours(s: f64) -> String {
    if s >= 86_400.0 && s % 86_400.0 == 0.0 {
        format!("{} d", s / 86_400.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

/// The summary printed on stdout.
pub fn summary(o: &PlanOutcome) -> String {
    let mut t = String::new();
    let count = |s: Status| o.candidates.iter().filter(|c| c.status == s).count();
    let _ = writeln!(
        t,
        "{}: {} candidates ({} feasible, {} infeasible, {} pruned, {} skipped as invalid); {} runs ({} search; exhaustive would take {})",
        o.name,
        o.candidates.len(),
        count(Status::Feasible),
        count(Status::Infeasible),
        count(Status::Pruned),
        count(Status::Skipped),
        o.runs_total,
        o.mode.as_str(),
        o.runs_exhaustive
    );
    let _ = writeln!(t, "SLO of `{}`: {}", o.service, slo_text(o));
    match o.recommendation {
        Some(r) => {
            let c = &o.candidates[r];
            let cm = c.cost_month.expect("ran");
            let cr = c.cost_run.expect("ran");
            let a = c.attainment.expect("ran");
            let _ = writeln!(t, "\nrecommendation: {} — {}", c.id, describe(c));
            let _ = writeln!(
                t,
                "  cost: {} a 730-h month{}; {} over the run's {}",
                money(cm.mean),
                ci_text(&cm, "95 % CI", money),
                money(cr.mean),
                hours(o.horizon_s)
            );
            let _ = writeln!(
                t,
                "  attainment: {:.4}{} over {} seed{}",
                a.mean,
                ci_text(&a, "95 % CI", |x| format!("{x:.4}")),
                c.seeds_full,
                if c.seeds_full == 1 { "" } else { "s" }
            );
            match (o.runner_up, o.runner_up_gap) {
                (Some(u), Some((gap, share))) => {
                    let d = &o.candidates[u];
                    let _ = writeln!(
                        t,
                        "runner-up on {}: {} — {}\n  {} a month, {} ({:+.1} %) more; attainment {:.4}",
                        if d.launch.is_fargate() {
                            "Fargate"
                        } else {
                            "EC2"
                        },
                        d.id,
                        describe(d),
                        money(d.cost_month.map_or(0.0, |x| x.mean)),
                        money(gap),
                        share * 100.0,
                        d.attainment.map_or(0.0, |x| x.mean)
                    );
                }
                _ => {
                    let other = if c.launch.is_fargate() {
                        "EC2"
                    } else {
                        "Fargate"
                    };
                    let _ = writeln!(
                        t,
                        "runner-up on {other}: none feasible (or none in the search space)"
                    );
                }
            }
        }
        None => {
            let _ = writeln!(
                t,
                "\nNOTHING MEETS THE SLO. The closest candidates and what limits them:"
            );
            for &i in &o.closest {
                let c = &o.candidates[i];
                let _ = writeln!(
                    t,
                    "  {} {} — attainment {:.4}, {} a month: {}",
                    c.id,
                    describe(c),
                    c.attainment.map_or(0.0, |a| a.mean),
                    money(c.cost_month.map_or(0.0, |x| x.mean)),
                    c.reason
                );
            }
        }
    }
    if !o.rules.is_empty() {
        let used: Vec<String> = o
            .rules
            .iter()
            .map(|r| format!("{} ({})", r.name, r.decided))
            .collect();
        let _ = writeln!(t, "rules used (candidates decided): {}", used.join(", "));
    }
    for w in &o.warnings {
        let _ = writeln!(t, "warning: {w}");
    }
    t
}

/// `rules.csv`-like text of the rules (written into `plan.csv`'s folder as `rules.csv`).
pub fn rules_csv(o: &PlanOutcome) -> String {
    let mut t = String::from("rule,decided,text\n");
    for r in &o.rules {
        let _ = writeln!(t, "{},{},{}", r.name, r.decided, cell(&r.text));
    }
    t
}

/// A plan's output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The recommendation's scenario could not be written.
    #[error("cannot write best.toml: {0}")]
    Best(#[from] space::CandidateError),
}

/// Write the outputs into `out`, each file whole. `best.toml` is removed when nothing is feasible.
pub fn write(plan: &Plan, cands: &[Cand], o: &PlanOutcome, out: &Path) -> Result<(), WriteError> {
    let put = |name: &str, text: &str| {
        let path = out.join(name);
        write_atomic(&path, text.as_bytes()).map_err(|source| WriteError::File { path, source })
    };
    put("plan.csv", &plan_csv(o))?;
    put("pareto.csv", &pareto_csv(o))?;
    put("rules.csv", &rules_csv(o))?;
    put("summary.txt", &summary(o))?;
    match best_toml(plan, cands, o, out) {
        Some(Ok(t)) => put("best.toml", &t)?,
        Some(Err(e)) => return Err(e.into()),
        None => {
            let _ = std::fs::remove_file(out.join("best.toml"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
