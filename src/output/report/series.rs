//! The run's time series as compact JSON for the report's interactive charts (`interactive.js`): a few
//! cluster charts and, for the first [`MAX_SERVICES`] services, one chart per unit (tasks, utilisation,
//! requests, latency, queue). Bounded whatever the run's size: a series longer than the point budget is
//! cut into equal buckets of whole samples, each given as its mean, minimum and maximum (as the PNG/SVG
//! charts do), so the blob stays under about [`VALUE_BUDGET`] numbers — under 1 MB — at any fleet
//! size or horizon. Numbers are rounded to four significant digits; a missing sample is `null`.

use super::super::charts::{Header, Row, cell, num};
use super::services::{Cols, Table};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Services beyond this many (in the order `timeseries.csv` first names them) get no interactive chart;
/// the cluster charts still sum over every service.
pub const MAX_SERVICES: usize = 12;
/// Most values the page's reader holds for services past the first [`MAX_SERVICES`] (256 MB of f64):
/// enough for a fleet's worst services at its service-row interval; a run with more (thousands of
/// services at every minute) charts its first services instead.
pub const EXTRA_VALUES_MAX: usize = 32_000_000;
/// At most about this many numbers in the blob (means, minima and maxima together).
pub const VALUE_BUDGET: usize = 160_000;
/// A series never has more points than this, even in a small run (more than a screen is wide).
const MAX_POINTS: usize = 2_000;
/// ...and is never cut to fewer than this many buckets.
const MIN_POINTS: usize = 150;

/// One line of an interactive chart: its label and the `timeseries.csv` column and row key it reads.
struct Spec {
    label: String,
    /// `(scope, name, column)`; `scope == "*"` sums `column` over every service.
    key: (String, String, String),
}

struct Chart {
    title: String,
    /// Whole numbers (task and instance counts): the axis gets integer ticks.
    int: bool,
    service: Option<String>,
    lines: Vec<Spec>,
}

/// The `(label, column)` lines of a chart.
type Lines = &'static [(&'static str, &'static str)];

/// Per-service charts: title suffix, integer axis, and the lines.
const SERVICE_CHARTS: [(&str, bool, Lines); 5] = [
    (
        "tasks",
        true,
        &[
            ("desired", "desired"),
            ("running", "running"),
            ("pending", "pending"),
        ],
    ),
    (
        "utilisation (%)",
        false,
        &[("CPU", "cpu_utilization"), ("memory", "memory_utilization")],
    ),
    (
        "requests (req/s)",
        false,
        &[
            ("request rate", "request_rate"),
            ("capacity", "capacity_rps"),
        ],
    ),
    (
        "latency (ms)",
        false,
        &[
            ("p50", "latency_p50_ms"),
            ("p99", "latency_p99_ms"),
            ("SLO p99", "slo_p99_ms"),
        ],
    ),
    (
        "queue (messages)",
        true,
        &[
            ("visible", "messages_visible"),
            ("in flight", "messages_in_flight"),
        ],
    ),
];

fn spec(label: &str, scope: &str, name: &str, col: &str) -> Spec {
    Spec {
        label: label.to_string(),
        key: (scope.to_string(), name.to_string(), col.to_string()),
    }
}

/// The samples read back: times in order and each wanted series by key, aligned to the times.
struct Samples {
    t: Vec<f64>,
    values: HashMap<(String, String, String), Vec<f64>>,
}

/// What the report reads of `timeseries.csv`: the columns the charts need and every service row into the
/// table, row by row in the pass that also reads the charts' data (`charts::AlsoReads`).
pub struct SeriesReader {
    it: Option<usize>,
    iscope: Option<usize>,
    iname: Option<usize>,
    /// Every column but time, scope and name: its header and index.
    cols: Vec<(String, usize)>,
    /// The `desired` column's index, summed over every service.
    desired: Option<usize>,
    /// By `cols` position: is the column one a service's chart draws? (Past the first [`MAX_SERVICES`]
    /// services only those are kept: a fleet's worst services are charted, known only at the end.)
    service_col: Vec<bool>,
    /// Values held for services past the first [`MAX_SERVICES`] (their chart columns, for a fleet's
    /// worst), against `extra_cap`; past it they are let go and the first services are charted instead.
    extra_values: usize,
    extra_cap: usize,
    extra_dropped: bool,
    t: Vec<f64>,
    /// The kept (scope, name) keys in the order they came, each with its lines by `cols` position
    /// (`None` until a finite value came), and where the next row's key probably is.
    keys: Vec<(String, String)>,
    lines: Vec<Vec<Option<Vec<f64>>>>,
    key_index: HashMap<String, usize>,
    key_buf: String,
    next_key: usize,
    desired_sum: Option<Vec<f64>>,
    services: Names,
    providers: Names,
    table: Table,
}

/// Names in the order they first came, with their positions.
#[derive(Default)]
struct Names {
    list: Vec<String>,
    index: HashMap<String, usize>,
    next: usize,
}

impl Names {
    /// `name`'s position, the next one if new.
    fn pos(&mut self, name: &str) -> usize {
        let i = if self.list.get(self.next).is_some_and(|x| x == name) {
            self.next
        } else if let Some(&i) = self.index.get(name) {
            i
        } else {
            self.list.push(name.to_string());
            self.index.insert(name.to_string(), self.list.len() - 1);
            self.list.len() - 1
        };
        self.next = i + 1;
        i
    }
}

impl SeriesReader {
    /// A reader of a `timeseries.csv` with this header.
    pub fn new(ts: &Header, warm_up_s: f64) -> SeriesReader {
        let (it, iscope, iname) = (ts.col("time_s"), ts.col("scope"), ts.col("name"));
        let table = Table::new(
            Cols {
                running: ts.col("running"),
                cpu: ts.col("cpu_utilization"),
                p99: ts.col("latency_p99_ms"),
                errors: ts.col("errors"),
                slo_bad: ts.col("slo_bad"),
                cost: ts.col("cost_usd"),
            },
            warm_up_s,
        );
        let cols: Vec<(String, usize)> =
            ts.0.iter()
                .enumerate()
                .filter(|(i, h)| ![it, iscope, iname].contains(&Some(*i)) && !h.is_empty())
                .map(|(i, h)| (h.clone(), i))
                .collect();
        let desired = cols.iter().find(|(h, _)| h == "desired").map(|c| c.1);
        let service_col = cols
            .iter()
            .map(|(h, _)| {
                SERVICE_CHARTS
                    .iter()
                    .any(|(_, _, lines)| lines.iter().any(|(_, c)| c == h))
            })
            .collect();
        SeriesReader {
            it,
            iscope,
            iname,
            cols,
            desired,
            service_col,
            t: Vec::new(),
            keys: Vec::new(),
            lines: Vec::new(),
            key_index: HashMap::new(),
            key_buf: String::new(),
            next_key: 0,
            extra_values: 0,
            extra_cap: EXTRA_VALUES_MAX,
            extra_dropped: false,
            desired_sum: None,
            services: Names::default(),
            providers: Names::default(),
            table,
        }
    }

    /// The slot of the rows of (scope, name).
    fn key(&mut self, scope: &str, name: &str) -> usize {
        let hit = |k: &(String, String)| k.0 == scope && k.1 == name;
        let i = if self.keys.get(self.next_key).is_some_and(hit) {
            self.next_key
        } else {
            self.key_buf.clear();
            self.key_buf.push_str(scope);
            self.key_buf.push('\0');
            self.key_buf.push_str(name);
            match self.key_index.get(&self.key_buf) {
                Some(&i) => i,
                None => {
                    self.keys.push((scope.to_string(), name.to_string()));
                    self.lines.push(vec![None; self.cols.len()]);
                    self.key_index
                        .insert(self.key_buf.clone(), self.keys.len() - 1);
                    self.keys.len() - 1
                }
            }
        };
        self.next_key = i + 1;
        i
    }

    /// Take one row.
    pub fn row(&mut self, rec: &Row) {
        let t = num(rec, self.it);
        if !t.is_finite() {
            return;
        }
        if self.t.last().is_none_or(|&last| t > last) {
            self.t.push(t);
        }
        let row = self.t.len() - 1;
        let (scope, name) = (cell(rec, self.iscope), cell(rec, self.iname));
        let mut only_charted = false;
        let keep = match scope {
            "service" => {
                self.table.row(name, t, rec);
                let v = num(rec, self.desired);
                if v.is_finite() {
                    let sum = self.desired_sum.get_or_insert_with(Vec::new);
                    sum.resize(row + 1, f64::NAN);
                    sum[row] = if sum[row].is_finite() {
                        sum[row] + v
                    } else {
                        v
                    };
                }
                only_charted = self.services.pos(name) >= MAX_SERVICES;
                true
            }
            "capacity_provider" => {
                self.providers.pos(name);
                true
            }
            _ => true,
        };
        if !keep || (only_charted && self.extra_dropped) {
            return;
        }
        let k = self.key(scope, name);
        for (j, (_, i)) in self.cols.iter().enumerate() {
            if only_charted && !self.service_col[j] {
                continue;
            }
            let v = num(rec, Some(*i));
            if !v.is_finite() {
                continue;
            }
            let line = self.lines[k][j].get_or_insert_with(Vec::new);
            if only_charted {
                self.extra_values += (row + 1).saturating_sub(line.len());
            }
            line.resize(row + 1, f64::NAN);
            line[row] = v;
        }
        if self.extra_values > self.extra_cap {
            self.drop_extra();
        }
    }

    /// Let go of the values of the services past the first [`MAX_SERVICES`] (memory stays bounded
    /// however many services and rows a run has; `extra_cap`).
    fn drop_extra(&mut self) {
        for (k, (scope, name)) in self.keys.iter().enumerate() {
            if scope == "service"
                && self
                    .services
                    .index
                    .get(name)
                    .is_some_and(|&p| p >= MAX_SERVICES)
            {
                self.lines[k] = vec![None; self.cols.len()];
            }
        }
        self.extra_dropped = true;
    }

    /// The samples, the charts to draw from them, and the table of every service. `pick`: the services to
    /// chart (a fleet's worst, as its picture charts); empty: the first [`MAX_SERVICES`].
    fn finish(self, pick: &[String]) -> (Samples, Vec<Chart>, Table) {
        let mut values = HashMap::new();
        if let Some(sum) = self.desired_sum {
            values.insert(("*".to_string(), String::new(), "desired".to_string()), sum);
        }
        for ((scope, name), lines) in self.keys.into_iter().zip(self.lines) {
            for ((col, _), line) in self.cols.iter().zip(lines) {
                if let Some(line) = line {
                    values.insert((scope.clone(), name.clone(), col.clone()), line);
                }
            }
        }
        let s = Samples { t: self.t, values };
        let shown: Vec<String> = if pick.is_empty() || self.extra_dropped {
            self.services
                .list
                .iter()
                .take(MAX_SERVICES)
                .cloned()
                .collect()
        } else {
            pick.iter()
                .filter(|p| self.services.index.contains_key(*p))
                .cloned()
                .collect()
        };
        let charts = charts_of(&s, &shown, self.services.list.len(), &self.providers.list);
        (s, charts, self.table)
    }
}

/// The interactive charts of the samples read.
fn charts_of(s: &Samples, shown: &[String], services: usize, providers: &[String]) -> Vec<Chart> {
    let mut charts = vec![
        Chart {
            title: "Cluster: tasks and instances".into(),
            int: true,
            service: None,
            lines: vec![
                spec("desired (all services)", "*", "", "desired"),
                spec("running", "cluster", "default", "running"),
                spec("pending", "cluster", "default", "pending"),
                spec("instances", "cluster", "default", "instances"),
            ],
        },
        Chart {
            title: "Cluster: reservation (%)".into(),
            int: false,
            service: None,
            lines: [("CPU", "cpu_reservation"), ("memory", "memory_reservation")]
                .iter()
                .map(|(l, c)| spec(l, "cluster", "default", c))
                .chain(providers.iter().take(6).map(|p| {
                    spec(
                        &format!("{p} (provider)"),
                        "capacity_provider",
                        p,
                        "capacity_provider_reservation",
                    )
                }))
                .collect(),
        },
    ];
    // The cluster row's name is whatever the run calls it; find it rather than assume "default".
    if let Some(cluster) = s
        .values
        .keys()
        .find(|k| k.0 == "cluster")
        .map(|k| k.1.clone())
    {
        for c in &mut charts {
            for l in &mut c.lines {
                if l.key.0 == "cluster" {
                    l.key.1.clone_from(&cluster);
                }
            }
        }
    }
    for svc in shown {
        for (what, int, lines) in SERVICE_CHARTS {
            charts.push(Chart {
                title: format!("{svc}: {what}"),
                int,
                service: Some(svc.clone()),
                lines: lines
                    .iter()
                    .map(|(l, c)| spec(l, "service", svc, c))
                    .collect(),
            });
        }
    }
    for c in &mut charts {
        c.lines.retain(|l| s.values.contains_key(&l.key));
    }
    charts.retain(|c| !c.lines.is_empty());
    let dropped = services.saturating_sub(shown.len());
    if dropped > 0 {
        charts[0].title = format!(
            "Cluster: tasks and instances ({} services have no chart of their own here)",
            dropped
        );
    }
    charts
}

/// `v` to four significant digits, shortest text; `null` when not finite.
fn json_num(out: &mut String, v: f64) {
    if !v.is_finite() {
        out.push_str("null");
        return;
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        // As `{v:.0}` writes it: the integer, `-0` for minus zero.
        if v == 0.0 {
            out.push_str(if v.is_sign_negative() { "-0" } else { "0" });
        } else {
            out.push_str(itoa::Buffer::new().format(v as i64));
        }
        return;
    }
    let mag = v.abs().log10().floor() as i32;
    let decimals = (3 - mag).clamp(0, 9) as usize;
    if !fixed_decimals(out, v, decimals) {
        fixed_by_format(out, v, decimals);
    }
}

/// `v` (finite, not a whole number) as [`fixed_by_format`] writes it, by integer arithmetic: the Explore
/// section writes a fleet's hundreds of thousands of numbers, and `format!` with a precision takes the
/// exact (bignum) path for many of them. `false`, writing nothing, when v·10^`d` is too near a half to
/// be sure which way the exact rounding goes: v·10^d (10^d exact) is computed with one rounding, so it
/// is within s·2^-53 of the exact product s; further than that from a half, both round the same way.
fn fixed_decimals(out: &mut String, v: f64, d: usize) -> bool {
    let scale = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
    let Some(&p) = scale.get(d) else { return false };
    let s = v.abs() * p;
    if s >= 4_503_599_627_370_496.0 || (s.fract() - 0.5).abs() <= s * 4.0 * f64::EPSILON {
        return false;
    }
    let r = s.round() as u64;
    if r == 0 {
        out.push('0');
        return true;
    }
    if v < 0.0 {
        out.push('-');
    }
    let pw = 10u64.pow(d as u32);
    let (whole, mut frac) = (r / pw, r % pw);
    out.push_str(itoa::Buffer::new().format(whole));
    if frac != 0 {
        let mut digits = d;
        while frac % 10 == 0 {
            frac /= 10;
            digits -= 1;
        }
        out.push('.');
        let mut text = [b'0'; 9];
        for c in text[..digits].iter_mut().rev() {
            *c = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        out.extend(text[..digits].iter().map(|&c| char::from(c)));
    }
    true
}

/// `format!("{v:.d$}")`, trailing zeros and point dropped, `-0` written `0`.
fn fixed_by_format(out: &mut String, v: f64, decimals: usize) {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    out.push_str(if s == "-0" { "0" } else { s });
}

fn json_array(out: &mut String, vs: impl Iterator<Item = f64>) {
    out.push('[');
    for (i, v) in vs.enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_num(out, v);
    }
    out.push(']');
}

/// `s` as a JSON string that is also safe inside an HTML `<script>` element.
pub fn json_str(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_else(|_| "\"\"".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// Samples per bucket so that `lines` series of `n` samples fit the budget.
pub fn samples_per_bucket(n: usize, lines: usize) -> usize {
    let points = (VALUE_BUDGET / (3 * lines.max(1))).clamp(MIN_POINTS, MAX_POINTS);
    n.div_ceil(points).max(1)
}

/// The blob's `charts` and `t`, or `None` when the folder has no `timeseries.csv` or nothing to draw.
/// `marks` is the blob's `marks` member, already JSON.
/// The table of every service comes with it (`None` without `timeseries.csv`).
pub fn series_json(
    read: Option<SeriesReader>,
    marks: &str,
    unit_s: f64,
    pick: &[String],
) -> (Option<String>, Option<Table>) {
    let Some((s, charts, table)) = read.map(|r| r.finish(pick)) else {
        return (None, None);
    };
    let n = s.t.len();
    if n == 0 || charts.is_empty() {
        return (None, Some(table));
    }
    let lines: usize = charts.iter().map(|c| c.lines.len()).sum();
    let k = samples_per_bucket(n, lines);
    let buckets = n.div_ceil(k);
    let period = if n > 1 { s.t[1] - s.t[0] } else { 0.0 };
    let mut out = String::with_capacity(64 + buckets * lines * 8);
    let _ = write!(
        out,
        "{{\"k\":{k},\"period\":{},\"unit\":{unit_s},\"t\":",
        if period.is_finite() { period } else { 0.0 }
    );
    json_array(&mut out, (0..buckets).map(|b| s.t[b * k]));
    let _ = write!(out, ",\"end\":");
    json_num(&mut out, s.t[n - 1]);
    out.push_str(",\"charts\":[");
    for (ci, c) in charts.iter().enumerate() {
        if ci > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"title\":{},\"int\":{},\"service\":{},\"lines\":[",
            json_str(&c.title),
            c.int,
            c.service.as_deref().map_or("null".into(), json_str)
        );
        for (li, l) in c.lines.iter().enumerate() {
            if li > 0 {
                out.push(',');
            }
            let v = &s.values[&l.key];
            let at = |i: usize| v.get(i).copied().unwrap_or(f64::NAN);
            let bucket = |b: usize| {
                (b * k..((b + 1) * k).min(n))
                    .map(at)
                    .filter(|x| x.is_finite())
            };
            let _ = write!(out, "{{\"label\":{},\"v\":", json_str(&l.label));
            json_array(
                &mut out,
                (0..buckets).map(|b| {
                    let (sum, cnt) = bucket(b).fold((0.0, 0usize), |(a, c), x| (a + x, c + 1));
                    if cnt == 0 { f64::NAN } else { sum / cnt as f64 }
                }),
            );
            if k > 1 {
                out.push_str(",\"lo\":");
                json_array(
                    &mut out,
                    (0..buckets).map(|b| bucket(b).fold(f64::NAN, f64::min)),
                );
                out.push_str(",\"hi\":");
                json_array(
                    &mut out,
                    (0..buckets).map(|b| bucket(b).fold(f64::NAN, f64::max)),
                );
            }
            out.push('}');
        }
        out.push_str("]}");
    }
    let _ = write!(out, "],\"marks\":{marks}}}");
    (Some(out), Some(table))
}

/// At most this many event marks are embedded (the first ones in time).
pub const MAX_MARKS: usize = 5_000;

/// The events drawn as marks on the interactive charts: scaling (service and cluster), deployments and
/// faults, each with the index of its row in the page's event log (`-1` when the log left it out).
#[derive(Default)]
pub struct Marks {
    kinds: Vec<String>,
    services: Vec<String>,
    rows: String,
    count: usize,
    dropped: usize,
}

impl Marks {
    /// Whether events of `kind` are marked on the charts.
    pub fn marked(kind: &str) -> bool {
        kind == "scaling"
            || kind == "cluster_scaling"
            || kind.contains("deployment")
            || kind.contains("fault")
    }

    /// Note event number `row` (0-based, in `events.csv` order) when its kind is marked.
    pub fn add(&mut self, t: f64, kind: &str, service: &str, row: Option<usize>) {
        if !t.is_finite() || !Self::marked(kind) {
            return;
        }
        if self.count == MAX_MARKS {
            self.dropped += 1;
            return;
        }
        let index = |list: &mut Vec<String>, x: &str| match list.iter().position(|y| y == x) {
            Some(i) => i,
            None => {
                list.push(x.to_string());
                list.len() - 1
            }
        };
        let (k, s) = (
            index(&mut self.kinds, kind),
            index(&mut self.services, service),
        );
        if self.count > 0 {
            self.rows.push(',');
        }
        self.count += 1;
        let _ = write!(self.rows, "[{t},{k},{s},{}]", row.map_or(-1, |r| r as i64));
    }

    /// The marks as JSON: `{"kinds":[..],"services":[..],"m":[[t_s,kind,service,row],..],"dropped":n}`.
    pub fn json(&self) -> String {
        let list = |l: &[String]| l.iter().map(|x| json_str(x)).collect::<Vec<_>>().join(",");
        format!(
            "{{\"kinds\":[{}],\"services\":[{}],\"m\":[{}],\"dropped\":{}}}",
            list(&self.kinds),
            list(&self.services),
            self.rows,
            self.dropped
        )
    }
}

/// The "Explore" section of a run report: the toolbar, the chart container `interactive.js` fills, and
/// the data blob. Returns whether there was anything to draw, and the table of every service.
pub fn explore_section(
    out: &mut String,
    read: Option<SeriesReader>,
    marks: &str,
    unit_s: f64,
    worst: &[String],
) -> (bool, Option<Table>) {
    let worst = if read.as_ref().is_some_and(|r| r.extra_dropped) {
        &[][..]
    } else {
        worst
    };
    let (json, table) = series_json(read, marks, unit_s, worst);
    let Some(json) = json else {
        return (false, table);
    };
    out.push_str(&format!(
        "<section id=\"explore\">\n<h2>Explore</h2>\n\
         <p class=\"note\">The time series of <code>timeseries.csv</code>, drawn in the page. Wheel over a chart to zoom, \
         drag to pan, point for the values at that minute; the marks at the top of a chart are scaling (orange: services, \
         purple: cluster), deployment (green) and fault (red) events — click one to see it in the event log.{}</p>\n\
         <div class=\"toolbar\"><button id=\"z-left\" type=\"button\" title=\"earlier\">◀</button>\
         <button id=\"z-in\" type=\"button\" title=\"zoom in\">+</button>\
         <button id=\"z-out\" type=\"button\" title=\"zoom out\">−</button>\
         <button id=\"z-right\" type=\"button\" title=\"later\">▶</button>\
         <button id=\"z-reset\" type=\"button\">whole run</button>\
         <span id=\"view-label\"></span> <span id=\"mark-note\" class=\"note\"></span></div>\n\
         <noscript><p class=\"note\">These charts need JavaScript; the pictures below do not.</p></noscript>\n\
         <div id=\"explore-charts\"></div>\n<script type=\"application/json\" id=\"ts-data\">",
        if worst.is_empty() {
            String::new()
        } else {
            format!(
                " Services: the {} worst (the Services table's rank, as the charts below), not every service.",
                worst.len()
            )
        }
    ));
    out.push_str(&json);
    out.push_str("</script>\n</section>\n");
    (true, table)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 14 services over 3 minutes: the reader charts a fleet's worst (svc13, past the first 12) while
    /// the values it holds for services past the 12th stay within its cap; past the cap (here 5 values:
    /// svc12 and svc13 hold 2 chart columns × 3 rows = 12) it lets them go and charts the first 12.
    #[test]
    fn a_fleets_worst_are_charted_within_the_cap_and_the_first_past_it() {
        let head = Header(
            [
                "time_s",
                "scope",
                "name",
                "running",
                "cpu_utilization",
                "queued",
            ]
            .map(String::from)
            .to_vec(),
        );
        let feed = |cap: usize| {
            let mut r = SeriesReader::new(&head, 0.0);
            r.extra_cap = cap;
            let mut nums = Vec::new();
            for t in 0..3 {
                for i in 0..14 {
                    let rec = csv::StringRecord::from(vec![
                        format!("{}", t * 60),
                        "service".into(),
                        format!("svc{i:02}"),
                        "2".into(),
                        "50".into(),
                        "0".into(),
                    ]);
                    r.row(&Row::new(&rec, &mut nums));
                }
            }
            r
        };
        let titles = |charts: &[Chart]| -> Vec<String> {
            charts.iter().filter_map(|c| c.service.clone()).collect()
        };
        let pick = ["svc13".to_string()];
        let within = feed(100);
        assert_eq!(within.extra_values, 12);
        let (_, charts, _) = within.finish(&pick);
        let shown = titles(&charts);
        assert!(
            !shown.is_empty() && shown.iter().all(|s| s == "svc13"),
            "{shown:?}"
        );
        let past = feed(5);
        assert!(past.extra_dropped);
        let (s, charts, _) = past.finish(&pick);
        assert!(!s.values.keys().any(|k| k.1 == "svc13"));
        let shown = titles(&charts);
        assert!(shown.contains(&"svc00".to_string()) && !shown.contains(&"svc13".to_string()));
    }

    #[test]
    fn numbers_are_short_and_bounded() {
        let mut s = String::new();
        for v in [
            3.0,
            0.123456,
            1234.5678,
            51.289757,
            -0.00001,
            f64::NAN,
            2.5e-7,
        ] {
            json_num(&mut s, v);
            s.push(' ');
        }
        // four significant digits: 0.1235, 1235 (1234.5678 rounds to 0 decimals), 51.29, -0.00001;
        // 2.5e-7 keeps at most 9 decimals -> "0.00000025".
        assert_eq!(s, "3 0.1235 1235 51.29 -0.00001 null 0.00000025 ");
        assert_eq!(json_str("</script>&"), "\"\\u003c/script\\u003e\\u0026\"");
    }

    /// The integer path of `json_num` against `format!` on values of every magnitude it meets, rounded
    /// figures, halves and near-halves.
    #[test]
    fn numbers_by_integers_are_numbers_by_format() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut taken = 0;
        for n in 0..300_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mag = 10f64.powi((n % 17) as i32 - 9);
            let v = [
                (x % 1_000_000_007) as f64 / 1e9 * mag,
                ((x % 100_000) as f64 + 0.5) / 10f64.powi((n % 8) as i32),
                (x % 10_000_000) as f64 / 1e6,
            ][(n % 3) as usize];
            for v in [v, -v] {
                if v.fract() == 0.0 {
                    continue;
                }
                let mag = v.abs().log10().floor() as i32;
                let d = (3 - mag).clamp(0, 9) as usize;
                let (mut a, mut b) = (String::new(), String::new());
                fixed_by_format(&mut b, v, d);
                if fixed_decimals(&mut a, v, d) {
                    taken += 1;
                    assert_eq!(a, b, "{v:e} at {d} decimals");
                }
            }
        }
        assert!(taken > 300_000, "{taken}");
        let mut s = String::new();
        for v in [-0.0, 0.0, 12.0, -7.0, 999_999_999_999_999.0] {
            json_num(&mut s, v);
            s.push(' ');
            let _ = write!(s, "{v:.0} ");
        }
        assert_eq!(s, "-0 -0 0 0 12 12 -7 -7 999999999999999 999999999999999 ");
    }

    #[test]
    fn bucket_size_keeps_the_budget() {
        // 10,080 one-minute samples (7 days) and 66 lines: 160,000 / (3 * 66) = 808 points at most, so
        // ceil(10,080 / 808) = 13 samples per bucket -> 776 buckets.
        assert_eq!(samples_per_bucket(10_080, 66), 13);
        // A short run is drawn as it is.
        assert_eq!(samples_per_bucket(121, 13), 1);
        // Many lines: never fewer than 150 points; 4,321 samples -> ceil(4,321 / 150) = 29.
        assert_eq!(samples_per_bucket(4_321, 5_000), 29);
    }
}
