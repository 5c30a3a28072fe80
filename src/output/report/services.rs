//! The report's table of every service: figures per service from `timeseries.csv` (whatever interval
//! its service rows have), sortable by any column and searchable by name (`tables.js`). A row is a
//! few hundred bytes, so 2,000 services stay under 1 MB of page; past [`MAX_TABLE_ROWS`] services the
//! table lists the worst of them (the page stays under 5 MB at any size).

use std::fmt::Write as _;

use super::super::charts::{self, Badness, FLEET_THRESHOLD, WORST_N};
use super::escape;
use crate::numfmt::fmt_value;

/// Most rows of the table: a larger fleet's table lists its worst services by rank (about 250 bytes
/// a row, so at most about 500 kB).
pub const MAX_TABLE_ROWS: usize = 2_000;

/// Running sums of one service's rows.
#[derive(Default)]
struct Acc {
    n_running: usize,
    running_sum: f64,
    running_max: f64,
    cpu: (f64, usize, f64),
    p99: (f64, usize, f64),
    errors: f64,
    slo_bad: f64,
    cost: f64,
}

fn add(a: &mut (f64, usize, f64), v: f64) {
    a.0 += v;
    a.1 += 1;
    a.2 = a.2.max(v);
}

fn mean(a: (f64, usize, f64)) -> f64 {
    if a.1 == 0 { f64::NAN } else { a.0 / a.1 as f64 }
}

/// Columns of a service row the table reads (indexes into the header of `timeseries.csv`).
pub struct Cols {
    pub running: Option<usize>,
    pub cpu: Option<usize>,
    pub p99: Option<usize>,
    pub errors: Option<usize>,
    pub slo_bad: Option<usize>,
    pub cost: Option<usize>,
}

/// The table being filled, row by row of `timeseries.csv`.
pub struct Table {
    cols: Cols,
    /// The summary's warm-up: SLO bad periods are counted from the row after it, as the summary does.
    warm_up_s: f64,
    names: Vec<String>,
    accs: Vec<Acc>,
    index: std::collections::HashMap<String, usize>,
    /// Where the next row's service probably is.
    next: usize,
}

impl Table {
    pub fn new(cols: Cols, warm_up_s: f64) -> Table {
        Table {
            cols,
            warm_up_s,
            names: Vec::new(),
            accs: Vec::new(),
            index: std::collections::HashMap::new(),
            next: 0,
        }
    }

    /// Take one service row at time `t`.
    pub fn row(&mut self, name: &str, t: f64, rec: &impl charts::Cells) {
        // Rows come in the same order every period: the next service is usually the one after the last.
        let next = self.next;
        let i = if self.names.get(next).is_some_and(|n| n == name) {
            next
        } else if let Some(&i) = self.index.get(name) {
            i
        } else {
            self.names.push(name.to_string());
            self.accs.push(Acc::default());
            self.index.insert(name.to_string(), self.accs.len() - 1);
            self.accs.len() - 1
        };
        self.next = i + 1;
        let a = &mut self.accs[i];
        let v = |c: Option<usize>| charts::num(rec, c);
        let r = v(self.cols.running);
        if r.is_finite() {
            a.n_running += 1;
            a.running_sum += r;
            a.running_max = a.running_max.max(r);
        }
        let c = v(self.cols.cpu);
        if c.is_finite() {
            add(&mut a.cpu, c);
        }
        let p = v(self.cols.p99);
        if p.is_finite() {
            add(&mut a.p99, p);
        }
        // Failed requests and SLO bad periods over the measured window (after the warm-up), as in
        // summary.json's requests and slo.
        let measured = t > self.warm_up_s + 1e-9;
        let e = v(self.cols.errors);
        if e.is_finite() && measured {
            a.errors += e;
        }
        if v(self.cols.slo_bad) == 1.0 && measured {
            a.slo_bad += 1.0;
        }
        let k = v(self.cols.cost);
        if k.is_finite() {
            a.cost = k;
        }
    }

    /// Whether no service row was read.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The section, or nothing when the file has no service rows.
    pub fn html(&self, out: &mut String) {
        if self.names.is_empty() {
            return;
        }
        let bad: Vec<Badness> = self
            .accs
            .iter()
            .map(|a| Badness {
                slo_bad: a.slo_bad,
                errors: a.errors,
                p99_mean_ms: mean(a.p99),
            })
            .collect();
        let mut rank = vec![0usize; bad.len()];
        for (r, i) in charts::worst(&bad, bad.len()).into_iter().enumerate() {
            rank[i] = r + 1;
        }
        let n = self.names.len();
        let _ = write!(
            out,
            "<section id=\"services\">\n<h2>Services ({n})</h2>\n<div class=\"vfilter\"><label>show services containing \
             <input id=\"svc-filter\" type=\"search\" data-filter-table=\"services-table\" placeholder=\"name\"/></label>\
             <span id=\"svc-count\" class=\"note\"></span></div>\n<p class=\"note\">From <code>timeseries.csv</code>. Click a \
             column's header to sort by it. <i>p99 ms, mean</i> and <i>max</i>: the mean and the highest of its periods' \
             p99s (not a p99 of its requests: summary.json's <code>latency_ms</code> is the run's). Failed requests and SLO \
             bad periods are counted after the warm-up, as in summary.json. <i>rank</i>: 1 is the worst service — most SLO \
             bad periods, then most failed requests, then the highest mean p99{}.{}</p>\n\
             <div class=\"wide svc\"><table class=\"grid sortable\" id=\"services-table\"><thead><tr><th>service</th><th>rank</th>\
             <th>running tasks, mean</th><th>max</th><th>CPU %, mean</th><th>max</th><th>p99 ms, mean</th><th>max</th>\
             <th>failed requests</th><th>SLO bad periods</th><th>cost so far, USD</th></tr></thead>\n<tbody>\n",
            if n > FLEET_THRESHOLD {
                format!("; the {WORST_N} worst have charts of their own below")
            } else {
                String::new()
            },
            if n > MAX_TABLE_ROWS {
                format!(
                    " The table lists the {MAX_TABLE_ROWS} worst of the {n} services (ranks 1 to {MAX_TABLE_ROWS}), to keep \
                     the page under 5 MB; <code>timeseries.csv</code> and <code>summary.json</code> have every service."
                )
            } else {
                String::new()
            }
        );
        let f = |v: f64| {
            if v.is_finite() {
                fmt_value(v)
            } else {
                "–".into()
            }
        };
        for (i, (name, a)) in self.names.iter().zip(&self.accs).enumerate() {
            if rank[i] > MAX_TABLE_ROWS {
                continue;
            }
            let running_mean = if a.n_running == 0 {
                f64::NAN
            } else {
                a.running_sum / a.n_running as f64
            };
            let running_max = if a.n_running == 0 {
                f64::NAN
            } else {
                a.running_max
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"n\">{}</td>",
                escape(name),
                rank[i]
            );
            for v in [
                running_mean,
                running_max,
                mean(a.cpu),
                if a.cpu.1 == 0 { f64::NAN } else { a.cpu.2 },
                mean(a.p99),
                if a.p99.1 == 0 { f64::NAN } else { a.p99.2 },
                a.errors,
                a.slo_bad,
                a.cost,
            ] {
                let _ = write!(out, "<td class=\"n\">{}</td>", f(v));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table></div>\n</section>\n");
    }
}
