//! A plan's `report.html` (issue #22 item 3): the answer on top (the recommended configuration, its cost
//! per 730-hour month and for the run's own length, its attainment with the interval, the runner-up of
//! the other launch family and the gap; or, when nothing meets the SLO, the closest candidates and what
//! limits them), how the search spent its runs, the charts, then every candidate in a sortable table.
//! Self-contained and escaped like the run and sweep reports (it shares their page, style and scripts).

use super::*;
use crate::plan::{Candidate, Interval, PlanOutcome, SearchMode, Status};

/// `$12.34`.
fn usd(v: f64) -> String {
    format!("${}", fmt_grouped_money(v))
}

/// Money with two decimals under $1,000 and none above, with thousands separators.
fn fmt_grouped_money(v: f64) -> String {
    if v.abs() >= 1000.0 {
        fmt_grouped(v.round())
    } else {
        format!("{v:.2}")
    }
}

/// `mean [low, high]` of a money interval, or just the mean when the interval has one value.
fn usd_ci(i: &Interval) -> String {
    if i.n > 1 && i.high > i.low {
        format!("{} [{}, {}]", usd(i.mean), usd(i.low), usd(i.high))
    } else {
        usd(i.mean)
    }
}

/// A share as a percentage with enough digits to tell 99.9 % from 99.95 %.
fn pct(v: f64) -> String {
    let p = v * 100.0;
    if (99.0..100.0).contains(&p) {
        format!("{p:.2} %")
    } else {
        format!("{p:.1} %")
    }
}

fn pct_ci(i: &Interval) -> String {
    if i.n > 1 && i.high > i.low {
        format!("{} [{}, {}]", pct(i.mean), pct(i.low), pct(i.high.min(1.0)))
    } else {
        pct(i.mean)
    }
}

/// A length of time in words: `30 days`, `6 h`.
fn span(s: f64) -> String {
    if s >= 86_400.0 {
        let d = s / 86_400.0;
        format!("{} day{}", fmt_value(d), if d == 1.0 { "" } else { "s" })
    } else {
        format!("{} h", fmt_value(s / 3600.0))
    }
}

/// The SLO in words: `p99 ≤ 200 ms and errors ≤ 0.1 % in at least 99 % of minutes`.
pub(crate) fn slo_text(p: &PlanOutcome) -> String {
    let mut parts = Vec::new();
    if let Some(ms) = p.slo.p99_ms {
        parts.push(format!("p99 ≤ {} ms", fmt_value(ms)));
    }
    parts.push(format!(
        "errors ≤ {} %",
        fmt_value(p.slo.error_rate * 100.0)
    ));
    let mut s = format!(
        "{} in at least {} % of minutes",
        parts.join(" and "),
        fmt_value(p.slo.objective * 100.0)
    );
    if let Some(b) = p.slo.budget_usd_per_month {
        let _ = write!(s, ", within {} a month", usd(b));
    }
    s
}

/// The family a candidate's launch option belongs to.
fn family(c: &Candidate) -> &'static str {
    if c.launch.is_fargate() {
        "Fargate"
    } else {
        "EC2"
    }
}

/// A candidate's parameters in one line: `launch=ec2, cpu=1024, …`.
fn config_line(c: &Candidate) -> String {
    c.params
        .iter()
        .filter(|(_, v)| v != "-")
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The answer: the recommendation with its figures and the runner-up, or the nothing-feasible message
/// with the closest candidates.
fn answer_section(out: &mut String, p: &PlanOutcome) {
    out.push_str("<section id=\"answer\">\n<h2>Recommendation</h2>\n");
    let Some(r) = p.recommendation.map(|i| &p.candidates[i]) else {
        nothing_feasible(out, p);
        out.push_str("</section>\n");
        return;
    };
    let _ = writeln!(
        out,
        "<ul class=\"headline\"><li>Run <b>{}</b> as <b>{}</b> ({}): the cheapest configuration that meets the SLO ({}).</li>\n<li>{}</li></ul>",
        escape(&p.service),
        escape(&config_line(r)),
        escape(&r.id),
        escape(&slo_text(p)),
        escape(&r.reason)
    );
    let u = p.runner_up.map(|i| &p.candidates[i]);
    let other = if r.launch.is_fargate() {
        "EC2"
    } else {
        "Fargate"
    };
    let _ = write!(
        out,
        "<div class=\"wide\"><table class=\"grid\" id=\"answer-table\"><thead><tr><th></th><th>recommended ({})</th>",
        escape(&r.id)
    );
    if let Some(u) = u {
        let _ = write!(out, "<th>runner-up on {other} ({})</th>", escape(&u.id));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let ur = u.map(|u| answer_rows(p, u));
    for (k, (label, v)) in answer_rows(p, r).into_iter().enumerate() {
        let _ = write!(
            out,
            "<tr><th>{}</th><td>{}</td>",
            escape(&label),
            escape(&v)
        );
        if let Some(ur) = &ur {
            let _ = write!(out, "<td>{}</td>", escape(&ur[k].1));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
    let gap = match (u, p.runner_up_gap) {
        (Some(_), Some((gap, share))) => {
            let word = if gap >= 0.0 { "more" } else { "less" };
            format!(
                "The cheapest feasible {other} configuration costs {} a month ({}) {word} than the recommendation.",
                usd(gap.abs()),
                pct(share.abs())
            )
        }
        (Some(_), None) => String::new(),
        (None, _) if p.candidates.iter().any(|c| family(c) == other) => {
            format!("No {other} candidate meets the SLO.")
        }
        (None, _) => format!("The plan has no {other} candidates."),
    };
    if !gap.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", escape(&gap));
    }
    out.push_str("<p class=\"note\">Intervals are 95 % confidence intervals over the seeds \
        (common random numbers: every candidate ran the same seeds). A 730-hour month is the run's cost scaled by 730 h ÷ its length.</p>\n</section>\n");
}

/// The answer table's rows for one candidate: its parameters, then its figures.
fn answer_rows(p: &PlanOutcome, c: &Candidate) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = p
        .parameters
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let v = c.params.get(k).map_or("-", |x| x.1.as_str());
            (name.clone(), v.to_string())
        })
        .collect();
    let or_dash = |v: Option<String>| v.unwrap_or_else(|| "–".into());
    rows.push((
        "cost per 730-h month".into(),
        or_dash(c.cost_month.map(|m| usd_ci(&m))),
    ));
    rows.push((
        format!("cost of the run's {}", span(p.horizon_s)),
        or_dash(c.cost_run.map(|m| usd_ci(&m))),
    ));
    rows.push((
        format!("SLO attainment (objective {})", pct(p.slo.objective)),
        or_dash(c.attainment.map(|a| pct_ci(&a))),
    ));
    rows.push(("seeds at the full horizon".into(), c.seeds_full.to_string()));
    rows
}

/// Nothing meets the SLO: say so, and show the closest candidates with what limits them.
fn nothing_feasible(out: &mut String, p: &PlanOutcome) {
    let _ = writeln!(
        out,
        "<ul class=\"headline\"><li class=\"alert\">No candidate meets the SLO ({}). Nothing is recommended.</li></ul>",
        escape(&slo_text(p))
    );
    if p.closest.is_empty() {
        out.push_str("<p class=\"note\">No candidate ran: every one was skipped (see the table of candidates for why).</p>\n");
        return;
    }
    out.push_str(
        "<p>The closest candidates (highest attainment first) and what limits them:</p>\n\
         <div class=\"wide\"><table class=\"grid\" id=\"closest-table\"><thead><tr><th>candidate</th><th>configuration</th>\
         <th>SLO attainment</th><th>cost per 730-h month</th><th>what limits it</th></tr></thead>\n<tbody>\n",
    );
    for &i in &p.closest {
        let c = &p.candidates[i];
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            escape(&c.id),
            escape(&config_line(c)),
            escape(&c.attainment.map_or("–".into(), |a| pct_ci(&a))),
            escape(&c.cost_month.map_or("–".into(), |m| usd_ci(&m))),
            escape(&c.reason)
        );
    }
    out.push_str("</tbody></table></div>\n");
}

/// How the search spent its runs, and the rules it used.
fn search_section(out: &mut String, p: &PlanOutcome) {
    let count = |s: Status| p.candidates.iter().filter(|c| c.status == s).count();
    let mut line = format!(
        "{} search over {} candidates: {} feasible, {} infeasible, {} pruned, {} skipped. {} runs",
        match p.mode {
            SearchMode::Racing => "Racing",
            SearchMode::Exhaustive => "Exhaustive",
        },
        fmt_grouped(p.candidates.len() as f64),
        count(Status::Feasible),
        count(Status::Infeasible),
        count(Status::Pruned),
        count(Status::Skipped),
        fmt_grouped(p.runs_total as f64),
    );
    if p.mode == SearchMode::Racing && p.runs_total > 0 {
        let _ = write!(
            line,
            " where an exhaustive search takes {} ({}× fewer)",
            fmt_grouped(p.runs_exhaustive as f64),
            fmt_value(p.runs_exhaustive as f64 / p.runs_total as f64)
        );
    }
    let _ = write!(
        line,
        "; {} seed{} at the full horizon of {}",
        p.seeds.len(),
        if p.seeds.len() == 1 { "" } else { "s" },
        span(p.horizon_s)
    );
    if p.mode == SearchMode::Racing && p.short_horizon_s < p.horizon_s {
        let _ = write!(line, ", a first round of {}", span(p.short_horizon_s));
    }
    line.push('.');
    let _ = writeln!(
        out,
        "<section id=\"search\">\n<h2>The search</h2>\n<p>{}</p>",
        escape(&line)
    );
    if !p.warnings.is_empty() {
        out.push_str("<div class=\"warnings\"><ul>");
        for w in &p.warnings {
            let _ = write!(out, "<li>{}</li>", escape(w));
        }
        out.push_str("</ul></div>\n");
    }
    if !p.rules.is_empty() {
        out.push_str(
            "<table class=\"grid\" id=\"rules-table\"><thead><tr><th>rule</th><th>what it says</th>\
             <th>candidates it decided</th></tr></thead>\n<tbody>\n",
        );
        for r in &p.rules {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
                escape(&r.name),
                escape(&r.text),
                r.decided
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</section>\n");
}

/// Every candidate, sortable, with the variant filter of the sweep report (tables.js): the recommendation
/// shaded.
fn candidates_section(out: &mut String, p: &PlanOutcome) {
    out.push_str(
        "<section id=\"variants\">\n<h2>Candidates</h2>\n<div class=\"vfilter\"><label>show candidates containing \
         <input id=\"v-filter\" type=\"search\" placeholder=\"value, status or reason\"/></label><span id=\"v-count\" class=\"note\"></span></div>\n\
         <p class=\"note\">Click a column's header to sort by it. Costs and attainment are means with their 95 % intervals over the \
         seeds a candidate ran at the full horizon; pruned candidates have none. plan.csv has the same rows.</p>\n\
         <div class=\"wide\"><table class=\"grid sortable\" id=\"candidates-table\"><thead><tr><th>candidate</th>",
    );
    for k in &p.parameters {
        let _ = write!(out, "<th>{}</th>", escape(k));
    }
    out.push_str(
        "<th>status</th><th>why</th><th>runs</th><th>cost per 730-h month</th><th>SLO attainment</th></tr></thead>\n<tbody>\n",
    );
    for (i, c) in p.candidates.iter().enumerate() {
        let class = if p.recommendation == Some(i) {
            " class=\"base\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<tr{class} data-variant=\"{}\"><td>{}</td>",
            escape(&c.id),
            escape(&c.id)
        );
        for (_, v) in &c.params {
            let _ = write!(out, "<td>{}</td>", escape(v));
        }
        let _ = writeln!(
            out,
            "<td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            c.status.as_str(),
            escape(&c.reason),
            c.runs,
            escape(&c.cost_month.map_or("–".into(), |m| usd_ci(&m))),
            escape(&c.attainment.map_or("–".into(), |a| pct_ci(&a)))
        );
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

/// The page for `p`, with the charts of `list` read from `dir/charts/`.
fn plan_page(dir: &Path, p: &PlanOutcome, list: &[IndexEntry]) -> io::Result<String> {
    let mut body = String::new();
    let mut nav = vec![
        ("answer".to_string(), "Recommendation".to_string()),
        ("search".to_string(), "The search".to_string()),
    ];
    answer_section(&mut body, p);
    search_section(&mut body, p);
    chart_sections(&mut body, dir, list, &mut nav)?;
    nav.push(("variants".into(), "Candidates".into()));
    candidates_section(&mut body, p);
    let meta = [
        format!("plan file {}", p.file),
        format!("base scenario {}", p.base),
        format!("service {}", p.service),
        slo_text(p),
    ];
    let mut out = String::with_capacity(body.len() + 16_384);
    page_start(&mut out, &format!("ecsim plan: {}", p.name));
    let _ = writeln!(
        out,
        "<header>\n<h1>ecsim plan: <span class=\"name\">{}</span></h1>\n<p class=\"meta\">{}</p>\n{}\n</header>\n<main>",
        escape(&p.name),
        escape(&meta.join(" · ")),
        nav_html(&nav)
    );
    out.push_str(&body);
    out.push_str("</main>\n");
    page_end(
        &mut out,
        "the plan's runs (plan.csv has every candidate)",
        &[TABLES_JS, SELFTEST_JS],
    );
    Ok(out)
}

/// Write DIR/report.html for a finished plan, drawing its charts into DIR/charts/ first
/// ([`charts::render_plan_charts`]). Written atomically; returns its path.
pub fn write_plan_report(dir: &Path, p: &PlanOutcome) -> io::Result<PathBuf> {
    charts::render_plan_charts(dir, p)?;
    let list = read_index(dir).unwrap_or_default();
    let page = plan_page(dir, p, &list)?;
    let path = dir.join("report.html");
    write_atomic(&path, page.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::plan_dims::tests::sample;

    #[test]
    fn report_puts_the_answer_first() {
        let dir = tempfile::tempdir().unwrap();
        let p = sample();
        let path = write_plan_report(dir.path(), &p).unwrap();
        let html = fs::read_to_string(path).unwrap();
        let answer = html.find("id=\"answer\"").unwrap();
        let charts = html.find("<svg").unwrap();
        let table = html.find("id=\"candidates-table\"").unwrap();
        assert!(answer < charts && charts < table, "answer, charts, table");
        assert!(html.contains("Run <b>web</b> as <b>launch=ec2, cpu=1024, target=70</b> (c0003)"));
        // 0.08 × 1024 = 81.92 ± 1 a month; over the 3-day run: 81.92 × 72/730 = 8.0798…
        assert!(
            html.contains("$81.92 [$80.92, $82.92]"),
            "monthly cost with its interval"
        );
        assert!(html.contains("cost of the run&#39;s 3 days</th><td>$8.08"));
        assert!(html.contains("<th>runner-up on Fargate (c0009)</th>"));
        // attainment 0.998 − 0.002 = 0.996 ± 0.002
        assert!(html.contains("99.60 % [99.40 %, 99.80 %]"));
        // runner-up Fargate 1024/70 at 102.4: +20.48 a month, +25.0 % (20.48 / 81.92)
        assert!(html.contains("costs $20.48 a month (25.0 %) more than the recommendation"));
        // every candidate a row, the skipped one with its reason
        assert_eq!(html.matches("<tr class=\"base\" data-variant=").count(), 1);
        assert_eq!(html.matches(" data-variant=\"c00").count(), 13);
        assert!(html.contains("skipped: 128 CPU is not a Fargate size"));
        assert!(html.contains("table class=\"grid sortable\""));
    }

    #[test]
    fn nothing_feasible_names_the_closest_and_their_limits() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = sample();
        for c in &mut p.candidates {
            if c.status == Status::Feasible {
                c.status = Status::Infeasible;
                c.reason = "infeasible: p99 over 200 ms in 0.4 % of minutes".into();
            }
        }
        p.recommendation = None;
        p.runner_up = None;
        p.runner_up_gap = None;
        p.closest = vec![2, 8];
        let html = fs::read_to_string(write_plan_report(dir.path(), &p).unwrap()).unwrap();
        assert!(html.contains("No candidate meets the SLO (p99 ≤ 200 ms and errors ≤ 0.1 % in at least 99 % of minutes, within $150.00 a month)"));
        let closest = &html[html.find("closest-table").unwrap()..];
        let closest = &closest[..closest.find("</table>").unwrap()];
        assert_eq!(closest.matches("<tr><td>c00").count(), 2);
        assert!(closest.contains("launch=ec2, cpu=1024, target=50"));
        assert!(closest.contains("p99 over 200 ms in 0.4 % of minutes"));
        assert!(!html.contains("runner-up on"));
        assert!(
            !html.contains("No Fargate candidate meets the SLO"),
            "no runner-up line"
        );
    }

    #[test]
    fn text_from_the_plan_is_escaped() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = sample();
        p.name = "<script>x</script>".into();
        p.candidates[0].reason = "a < b & \"c\"".into();
        let html = fs::read_to_string(write_plan_report(dir.path(), &p).unwrap()).unwrap();
        assert!(!html.contains("<script>x</script>"));
        assert!(html.contains("a &lt; b &amp; &quot;c&quot;"));
    }

    #[test]
    fn the_search_says_what_racing_saved() {
        let mut p = sample();
        p.runs_total = 12;
        let mut out = String::new();
        search_section(&mut out, &p);
        // 60 exhaustive runs ÷ 12 = 5×
        assert!(
            out.contains("12 runs where an exhaustive search takes 60 (5× fewer)"),
            "{out}"
        );
        assert!(out.contains("5 seeds at the full horizon of 3 days, a first round of 6 h."));
        assert!(out.contains("larger-task"));
    }
}
