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
        let attainment = interval(&recs.iter().map(|r| r.attainment()).collect::<Vec<_>>());
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
        warnings: s.warnings.clone(),
    }
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

fn stats_cells(i: Option<super::outcome::Interval>) -> String {
    i.map_or(",,".into(), |i| {
        format!("{},{},{}", fmt_csv(i.mean), fmt_csv(i.low), fmt_csv(i.high))
    })
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
        "# Why: the cheapest candidate meeting the SLO of service `{}` ({}) over {} seeds: {} a 730-h month (95 % interval {}–{}), attainment {:.4} (95 % interval {:.4}–{:.4}).",
        o.service,
        slo_text(o),
        c.seeds_full,
        money(cm.mean),
        money(cm.low),
        money(cm.high),
        a.mean,
        a.low,
        a.high
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
                "  cost: {} a 730-h month (95 % CI {}–{}); {} over the run's {}",
                money(cm.mean),
                money(cm.low),
                money(cm.high),
                money(cr.mean),
                hours(o.horizon_s)
            );
            let _ = writeln!(
                t,
                "  attainment: {:.4} (95 % CI {:.4}–{:.4}) over {} seeds",
                a.mean, a.low, a.high, c.seeds_full
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
