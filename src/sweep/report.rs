//! The sweep's outputs, built from the run records alone (so a single machine, a resumed sweep and merged
//! shards give the same bytes): `runs.csv`, `aggregate.csv`, `paired.csv`, `variants.csv`, and the table
//! printed at the end.

use std::collections::BTreeMap;

use super::stats::{Estimate, welch};
use super::store::{Manifest, RunRecord};
use crate::metrics::names::column_cmp;
use crate::numfmt::{fmt_csv, fmt_sig};

/// Header of `aggregate.csv` (after which one row per variant × figure).
pub const AGGREGATE_HEADER: &str = "variant,metric,n,mean,sd,ci95_low,ci95_high";
/// Header of `paired.csv`.
pub const PAIRED_HEADER: &str =
    "variant,baseline,metric,n,mean_diff,sd_diff,ci95_low,ci95_high,welch_ci95_low,welch_ci95_high";

/// Figures preferred for the printed table when the sweep names none: the first three that have values.
const HEADLINE_DEFAULTS: &[&str] = &[
    "cost_usd.total",
    "latency_ms.p99",
    "slo_violation_minutes",
    "tasks.start_latency_s_p50",
    "unplaced_task_seconds",
    "tasks.start_latency_s_p99",
    "tasks.failed_to_start",
];

/// The files and the table of a finished sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Outputs {
    /// `runs.csv`.
    pub runs_csv: String,
    /// `aggregate.csv`.
    pub aggregate_csv: String,
    /// `paired.csv`, when a baseline is named.
    pub paired_csv: Option<String>,
    /// `variants.csv`.
    pub variants_csv: String,
    /// The table printed at the end.
    pub table: String,
}

/// One CSV line; every cell under the CSV text rule (names and values that are not numbers get a `'`
/// when a spreadsheet would run them, see `output::csv_text`).
fn csv_line(cells: &[String]) -> String {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(
        cells
            .iter()
            .map(|c| crate::output::csv_text::text_or_number(c).into_owned()),
    )
    .expect("writing to memory");
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("UTF-8 cells")
}

fn num(x: Option<f64>) -> String {
    x.map(fmt_csv).unwrap_or_default()
}

/// The values of every run, by variant and figure.
struct Values<'a> {
    records: &'a [RunRecord],
    n_seeds: usize,
}

impl Values<'_> {
    /// Values of figure `c` for variant `v`, in seed order; None for null.
    fn of(&self, v: usize, c: &str) -> Vec<Option<f64>> {
        self.records[v * self.n_seeds..(v + 1) * self.n_seeds]
            .iter()
            .map(|r| {
                r.metrics
                    .get(c)
                    .filter(|s| !s.is_empty())
                    .and_then(|s| s.parse().ok())
            })
            .collect()
    }
}

fn present(xs: &[Option<f64>]) -> Vec<f64> {
    xs.iter().flatten().copied().collect()
}

/// A variant against its baseline on one figure.
struct Pair {
    variant: usize,
    baseline: usize,
    metric: String,
    diff: Option<Estimate>,
    welch: Option<(f64, f64, f64)>,
}

/// Estimates per variant and figure.
type Estimates<'a> = Vec<BTreeMap<&'a str, Option<Estimate>>>;

/// Build the outputs from every run's record, given in run order (variant-major, then seed order).
pub fn build(m: &Manifest, records: &[RunRecord]) -> Outputs {
    assert_eq!(records.len(), m.runs(), "one record per run");
    let names: std::collections::BTreeSet<&String> =
        records.iter().flat_map(|r| r.metrics.keys()).collect();
    let mut columns: Vec<String> = names.into_iter().cloned().collect();
    columns.sort_by(|a, b| column_cmp(a, b));
    let values = Values {
        records,
        n_seeds: m.seeds.len(),
    };
    let (aggregate_csv, estimates) = aggregate(m, &columns, &values);
    let (paired_csv, pairs) = paired(m, &columns, &values);
    Outputs {
        runs_csv: runs_csv(m, &columns, records),
        aggregate_csv,
        paired_csv,
        variants_csv: variants_csv(m),
        table: table(m, &estimates, &pairs, &values),
    }
}

/// `runs.csv`: one row per run, every figure a column.
fn runs_csv(m: &Manifest, columns: &[String], records: &[RunRecord]) -> String {
    let mut runs = String::new();
    let mut header = vec!["variant".to_string(), "seed".to_string()];
    header.extend(columns.iter().cloned());
    runs.push_str(&csv_line(&header));
    for r in records {
        let mut row = vec![m.variants[r.variant].name.clone(), r.seed.to_string()];
        row.extend(
            columns
                .iter()
                .map(|c| r.metrics.get(c).cloned().unwrap_or_default()),
        );
        runs.push_str(&csv_line(&row));
    }
    runs
}

/// `aggregate.csv` and the estimates behind it.
fn aggregate<'a>(m: &Manifest, columns: &'a [String], values: &Values) -> (String, Estimates<'a>) {
    let mut agg = String::new();
    agg.push_str(AGGREGATE_HEADER);
    agg.push('\n');
    let mut estimates: Estimates<'a> = Vec::new();
    for (vi, var) in m.variants.iter().enumerate() {
        let mut per = BTreeMap::new();
        for c in columns {
            let e = Estimate::of(&present(&values.of(vi, c)));
            per.insert(c.as_str(), e);
            let (lo, hi) = e.and_then(|e| e.ci()).unzip();
            agg.push_str(&csv_line(&[
                var.name.clone(),
                c.clone(),
                e.map_or(0, |e| e.n).to_string(),
                num(e.map(|e| e.mean)),
                num(e.and_then(|e| e.sd)),
                num(lo),
                num(hi),
            ]));
        }
        estimates.push(per);
    }
    (agg, estimates)
}

/// `paired.csv` (when a variant names a baseline) and its pairs.
fn paired(m: &Manifest, columns: &[String], values: &Values) -> (Option<String>, Vec<Pair>) {
    let index = |name: &str| m.variants.iter().position(|v| v.name == name);
    let has_baseline = m.variants.iter().any(|v| v.baseline.is_some());
    let mut pairs: Vec<Pair> = Vec::new();
    let paired_csv = has_baseline.then(|| {
        let mut out = String::new();
        out.push_str(PAIRED_HEADER);
        out.push('\n');
        for (vi, var) in m.variants.iter().enumerate() {
            let Some(bi) = var.baseline.as_deref().and_then(index) else {
                continue;
            };
            for c in columns {
                let a = values.of(vi, c);
                let b = values.of(bi, c);
                let diffs: Vec<f64> = a
                    .iter()
                    .zip(&b)
                    .filter_map(|(x, y)| Some((*x)? - (*y)?))
                    .collect();
                let d = Estimate::of(&diffs);
                let w = welch(&present(&a), &present(&b));
                let (lo, hi) = d.and_then(|e| e.ci()).unzip();
                out.push_str(&csv_line(&[
                    var.name.clone(),
                    m.variants[bi].name.clone(),
                    c.clone(),
                    d.map_or(0, |e| e.n).to_string(),
                    num(d.map(|e| e.mean)),
                    num(d.and_then(|e| e.sd)),
                    num(lo),
                    num(hi),
                    num(w.map(|(x, h, _)| x - h)),
                    num(w.map(|(x, h, _)| x + h)),
                ]));
                pairs.push(Pair {
                    variant: vi,
                    baseline: bi,
                    metric: c.clone(),
                    diff: d,
                    welch: w,
                });
            }
        }
        out
    });
    (paired_csv, pairs)
}

/// `variants.csv`: the values each variant sets.
fn variants_csv(m: &Manifest) -> String {
    let mut variants_csv = String::new();
    let mut header = vec!["variant".to_string()];
    header.extend(m.parameters.iter().cloned());
    variants_csv.push_str(&csv_line(&header));
    for v in &m.variants {
        let mut row = vec![v.name.clone()];
        row.extend(v.values.iter().cloned());
        variants_csv.push_str(&csv_line(&row));
    }
    variants_csv
}

/// The table printed at the end: the headline figures per variant, placement failures, and the paired
/// comparison of the first headline figure.
fn table(m: &Manifest, estimates: &Estimates, pairs: &[Pair], values: &Values) -> String {
    let n_seeds = m.seeds.len();
    let headline: Vec<String> = if m.headline.is_empty() {
        HEADLINE_DEFAULTS
            .iter()
            .filter(|h| {
                estimates
                    .iter()
                    .any(|e| e.get(**h).is_some_and(Option::is_some))
            })
            .take(3)
            .map(|h| h.to_string())
            .collect()
    } else {
        m.headline.clone()
    };
    let pm = |e: &Option<Estimate>| match e {
        Some(e) => match e.half_width {
            Some(h) => format!("{} ± {}", fmt_sig(e.mean, 4), fmt_sig(h, 2)),
            None => fmt_sig(e.mean, 4),
        },
        None => "-".into(),
    };
    let mut rows: Vec<Vec<String>> = vec![{
        let mut h = vec!["variant".to_string(), "runs".to_string()];
        h.extend(headline.iter().cloned());
        h
    }];
    for (vi, var) in m.variants.iter().enumerate() {
        let mut r = vec![var.name.clone(), n_seeds.to_string()];
        for h in &headline {
            r.push(pm(estimates[vi].get(h.as_str()).unwrap_or(&None)));
        }
        rows.push(r);
    }
    let mut table =
        String::from("mean ± half-width of the 95% confidence interval over the seeds\n");
    table.push_str(&render(&rows));
    // Variants whose services could not place their tasks: their figures are not those of a service
    // that ran (issue #17), so the table says so rather than letting them read as cheap.
    for (vi, var) in m.variants.iter().enumerate() {
        let ok = values.of(vi, "placement_ok");
        let failed = ok.iter().filter(|x| **x == Some(0.0)).count();
        if failed > 0 {
            table.push_str(&format!(
                "! {}: a service could not place its tasks in {failed} of {} runs (placement_ok = 0 in runs.csv; placement_problems in each run's summary.json)\n",
                var.name,
                ok.len()
            ));
        }
    }
    table.push_str(&unlike(m, values));
    // The paired comparison of the first headline figure (paired.csv has every figure).
    let shown: Vec<&Pair> = pairs
        .iter()
        .filter(|p| headline.first() == Some(&p.metric))
        .collect();
    if !shown.is_empty() {
        table.push_str(&format!(
            "\n{}: difference from the baseline, paired by seed (common random numbers) and unpaired\n",
            shown[0].metric
        ));
        let interval = |lo: f64, hi: f64| format!("[{}, {}]", fmt_sig(lo, 3), fmt_sig(hi, 3));
        let mut rows = vec![vec![
            "variant".to_string(),
            "baseline".to_string(),
            "mean diff".to_string(),
            "paired 95% CI".to_string(),
            "unpaired (Welch) 95% CI".to_string(),
        ]];
        for p in shown {
            rows.push(vec![
                m.variants[p.variant].name.clone(),
                m.variants[p.baseline].name.clone(),
                p.diff.map_or("-".into(), |d| fmt_sig(d.mean, 4)),
                p.diff
                    .and_then(|d| d.ci())
                    .map_or("-".into(), |(lo, hi)| interval(lo, hi)),
                p.welch
                    .map_or("-".into(), |(x, h, _)| interval(x - h, x + h)),
            ]);
        }
        table.push_str(&render(&rows));
    }

    table
}

/// The table's notes on variants that do not compare like with like: runs of different lengths, a
/// different load asked after the warm-up (a changed load or warm-up: the same seed asks the same requests
/// otherwise), and variants that placed their tasks but served less than 99.9 % of what they were asked
/// after their first healthy task (their cost and latency are those of less work). Totals — cost, requests, SLO minutes — then differ for reasons other than the
/// configuration.
fn unlike(m: &Manifest, values: &Values) -> String {
    let mut out = String::new();
    let mean = |v: usize, c: &str| {
        let xs = present(&values.of(v, c));
        (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
    };
    // A figure that is not the same in every variant, seed by seed (relative tolerance `tol`).
    let differs = |c: &str, tol: f64| {
        (1..m.variants.len()).any(|v| {
            values
                .of(0, c)
                .iter()
                .zip(values.of(v, c))
                .any(|(a, b)| match (a, b) {
                    (Some(a), Some(b)) => (a - b).abs() > tol * a.abs().max(b.abs()),
                    (a, b) => a.is_some() != b.is_some(),
                })
        })
    };
    let each = |c: &str, f: &dyn Fn(f64) -> String| {
        m.variants
            .iter()
            .enumerate()
            .map(|(v, var)| format!("{} {}", var.name, mean(v, c).map_or("-".into(), f)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if differs("simulated_seconds", 0.0) {
        out.push_str(&format!(
            "! the variants do not run for the same length (simulated_seconds: {}): totals (cost, requests, SLO minutes) differ with the length; compare rates or equal durations\n",
            each("simulated_seconds", &|x| format!("{} s", fmt_sig(x, 6)))
        ));
    } else if differs("requests.total", 1e-3) {
        out.push_str(&format!(
            "! the variants were not asked the same requests after the warm-up (requests.total, mean over seeds: {}): a different load or warm-up, so totals and SLO minutes do not compare like with like\n",
            each("requests.total", &|x| fmt_sig(x, 6))
        ));
    }
    // Requests that failed before a service's first healthy task (its start-up, counted apart as
    // `ecsim compare` does) are left out: every variant has one.
    let startup: Vec<String> = values
        .records
        .iter()
        .flat_map(|r| r.metrics.keys())
        .filter(|k| {
            k.starts_with("requests.by_service.") && k.ends_with(".before_first_healthy.dropped")
        })
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    for (v, var) in m.variants.iter().enumerate() {
        let unplaced = values.of(v, "placement_ok").contains(&Some(0.0));
        let early: f64 = startup.iter().filter_map(|c| mean(v, c)).sum();
        if let (Some(total), Some(served)) = (mean(v, "requests.total"), mean(v, "requests.served"))
            && total - early > 0.0
            && served < 0.999 * (total - early)
            && !unplaced
        {
            out.push_str(&format!(
                "! {}: served {} % of the requests it was asked after its first healthy task (requests.served ÷ (requests.total − …before_first_healthy.dropped), mean over seeds): its cost and latency are those of less work\n",
                var.name,
                fmt_sig(served / (total - early) * 100.0, 4)
            ));
        }
    }
    out
}

/// Left-aligned columns, two spaces apart.
fn render(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < r.len() {
                line.push_str(&" ".repeat(width[c] - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::store::{FORMAT, ManifestVariant};

    fn record(v: usize, seed: u64, x: &str) -> RunRecord {
        RunRecord {
            grid_hash: "h".into(),
            variant: v,
            variant_name: String::new(),
            seed,
            metrics: [
                ("a".to_string(), x.to_string()),
                ("b".to_string(), String::new()),
            ]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn aggregates_and_pairs() {
        let m = Manifest {
            format: FORMAT,
            ecsim_version: "0".into(),
            name: "t".into(),
            grid_hash: "h".into(),
            seeds: vec![1, 2, 3, 4, 5],
            parameters: vec!["services.web.desired_count".into()],
            variants: vec![
                ManifestVariant {
                    name: "base".into(),
                    baseline: None,
                    values: vec!["4".into()],
                },
                ManifestVariant {
                    name: "more, quoted".into(),
                    baseline: Some("base".into()),
                    values: vec!["8".into()],
                },
            ],
            headline: vec!["a".into()],
            grid: Vec::new(),
        };
        let mut recs = Vec::new();
        for (i, x) in ["1", "2", "3", "4", "5"].iter().enumerate() {
            recs.push(record(0, i as u64 + 1, x));
        }
        for (i, x) in ["2", "3", "4", "5", "7"].iter().enumerate() {
            recs.push(record(1, i as u64 + 1, x));
        }
        let o = build(&m, &recs);
        let lines: Vec<&str> = o.runs_csv.lines().collect();
        assert_eq!(lines[0], "variant,seed,a,b");
        assert_eq!(lines[1], "base,1,1,");
        assert_eq!(lines[6], "\"more, quoted\",1,2,");
        let agg: Vec<&str> = o.aggregate_csv.lines().collect();
        assert_eq!(agg[0], AGGREGATE_HEADER);
        assert_eq!(agg[1], "base,a,5,3,1.58113883,1.036756839,4.963243161");
        assert_eq!(agg[2], "base,b,0,,,,");
        // Differences 1, 1, 1, 1, 2: mean 1.2, sd 0.4472, half-width 2.7764 × 0.4472 / √5 = 0.5553.
        let paired = o.paired_csv.unwrap();
        let row = paired.lines().nth(1).unwrap();
        assert!(
            row.starts_with("\"more, quoted\",base,a,5,1.2,0.4472135955,0.6447"),
            "{row}"
        );
        assert_eq!(
            o.variants_csv,
            "variant,services.web.desired_count\nbase,4\n\"more, quoted\",8\n"
        );
        assert!(o.table.contains("3 ± 2"), "{}", o.table);
        assert!(!o.table.contains("! "), "{}", o.table);
    }

    /// Two variants × 2 seeds with the figures `simulated_seconds`, `requests.total`, `requests.served`
    /// and web's requests dropped before its first healthy task.
    fn unlike_table(figures: [[&str; 4]; 2]) -> String {
        let m = Manifest {
            format: FORMAT,
            ecsim_version: "0".into(),
            name: "t".into(),
            grid_hash: "h".into(),
            seeds: vec![1, 2],
            parameters: vec!["x".into()],
            variants: ["short", "long"]
                .iter()
                .map(|n| ManifestVariant {
                    name: n.to_string(),
                    baseline: None,
                    values: vec![n.to_string()],
                })
                .collect(),
            headline: vec!["simulated_seconds".into()],
            grid: Vec::new(),
        };
        let recs: Vec<RunRecord> = (0..2)
            .flat_map(|v| {
                (1..=2).map(move |seed| RunRecord {
                    grid_hash: "h".into(),
                    variant: v,
                    variant_name: String::new(),
                    seed,
                    metrics: [
                        "simulated_seconds",
                        "requests.total",
                        "requests.served",
                        "requests.by_service.web.before_first_healthy.dropped",
                    ]
                    .iter()
                    .zip(figures[v])
                    .map(|(k, x)| (k.to_string(), x.to_string()))
                    .collect(),
                })
            })
            .collect();
        build(&m, &recs).table
    }

    #[test]
    fn variants_that_do_not_compare_like_with_like_are_said() {
        // A sweep over `duration` (6 h, 12 h): the cost and the requests double with the length, not
        // with a configuration — said.
        let t = unlike_table([["21600", "100", "100", "0"], ["43200", "200", "200", "0"]]);
        assert!(
            t.contains("! the variants do not run for the same length (simulated_seconds: short 21600 s, long 43200 s)"),
            "{t}"
        );
        // The same length, but a warm-up of 3 h against 10 min over 6 h at 250 requests/s: 2,700,000
        // requests counted against 5,250,000 ((6 h − 10 min) × 3,600 × 250) — said.
        let t = unlike_table([
            ["21600", "5250000", "5250000", "0"],
            ["21600", "2700000", "2700000", "0"],
        ]);
        assert!(
            t.contains("! the variants were not asked the same requests after the warm-up (requests.total, mean over seeds: short 5250000, long 2700000)"),
            "{t}"
        );
        // 2 tasks of μ = 100 requests/s for 250 requests/s serve 200/250 = 80 %: its cost is that of
        // less work — said; the variant that served everything is not named.
        let t = unlike_table([
            ["21600", "5250000", "4200000", "0"],
            ["21600", "5250000", "5250000", "0"],
        ]);
        assert!(
            t.contains(
                "! short: served 80 % of the requests it was asked after its first healthy task"
            ),
            "{t}"
        );
        assert!(
            !t.contains("! long") && !t.contains("! the variants"),
            "{t}"
        );
    }
}
