//! `report.html`: one self-contained page per run folder or sweep folder — the summary as tables, every
//! chart inline as SVG, and (for a run) the event log with a filter by service, kind, time and text in
//! plain inline JavaScript. Nothing is loaded from anywhere: no network, no external fonts, scripts or
//! styles (a Content-Security-Policy says so), so the file works from a `file://` URL and can be mailed.
//! Every text that comes from the files is HTML-escaped.
//!
//! Must not: run a simulation; load anything at view time.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

mod plan;
mod series;
mod services;
mod tee;
mod unconfirmed;
pub use tee::RunTee;

pub use plan::write_plan_report;

use super::charts::{
    self, Csv, INDEX, IndexEntry, SWEEP_METRICS, cell, metric_unit, num, read_index, read_sweep,
    write_atomic,
};
use crate::numfmt::{fmt_grouped, fmt_value};

/// At most this many events are embedded in a run's report: the first pages of the event log.
pub const MAX_EVENTS: usize = 5000;
/// ...and no more once their rows pass this many bytes (a fleet's events were 334 bytes a row: 5,000
/// rows were 1.7 MB of a page that must stay under 5 MB).
pub const LOG_BYTES: usize = 1_000_000;
/// The event log shows this many matching rows at a time.
pub const LOG_PAGE: usize = 500;

/// `s` with `& < > " '` escaped for HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A clock from seconds: `HH:MM:SS`, with `Nd ` from the second day.
fn clock(s: f64) -> String {
    crate::time::clock((s.max(0.0) * 1000.0).round() as u64)
}

fn mtime(p: &Path) -> Option<std::time::SystemTime> {
    fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// The charts of `dir` in reading order, rendered first when `charts/index.json` is missing, names a
/// missing file, or is older than any of `inputs`.
fn charts_for(
    dir: &Path,
    inputs: &[&str],
    render: fn(&Path) -> io::Result<Vec<PathBuf>>,
) -> io::Result<Vec<IndexEntry>> {
    if let Some(list) = fresh_charts(dir, inputs) {
        return Ok(list);
    }
    render(dir)?;
    Ok(read_index(dir).unwrap_or_default())
}

/// The charts' index when it is newer than every input and its charts are all there.
fn fresh_charts(dir: &Path, inputs: &[&str]) -> Option<Vec<IndexEntry>> {
    let charts = dir.join("charts");
    let fresh = mtime(&charts.join(INDEX)).is_some_and(|idx| {
        inputs
            .iter()
            .all(|f| mtime(&dir.join(f)).is_none_or(|t| t <= idx))
    });
    let list = read_index(dir).filter(|_| fresh)?;
    list.iter()
        .all(|e| charts.join(format!("{}.svg", e.stem)).exists())
        .then_some(list)
}

/// An SVG file ready to sit inside HTML: without an XML prolog, labelled for screen readers.
fn inline_svg(path: &Path, title: &str) -> io::Result<String> {
    let svg = fs::read_to_string(path)?;
    let start = svg.find("<svg").unwrap_or(0);
    let body = &svg[start..];
    Ok(match body.strip_prefix("<svg") {
        Some(rest) => format!(
            "<svg role=\"img\" aria-label=\"{}\"{}",
            escape(title),
            rest.trim_end()
        ),
        None => String::new(),
    })
}

/// The page's style sheet, inlined.
const STYLE: &str = include_str!("report/report.css");
/// Installed first, in `<head>`: records script errors and blocked loads in the page (see `errors.js`).
const ERRORS_JS: &str = include_str!("report/errors.js");
/// The event-log filter of a run report.
const LOG_JS: &str = include_str!("report/log.js");
/// The interactive time series of a run report, drawn from the `ts-data` blob.
const CHARTS_JS: &str = include_str!("report/interactive.js");
/// Sortable tables and the variant filter of a sweep report.
const TABLES_JS: &str = include_str!("report/tables.js");
/// The self-test a browser test runs from the page's `#selftest=` fragment.
const SELFTEST_JS: &str = include_str!("report/selftest.js");

fn page_start(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\"/>\n\
         <title>{}</title>\n<style>{STYLE}</style>\n<script>{ERRORS_JS}</script>\n</head>\n<body>\n\
         <pre id=\"js-errors\" hidden></pre>\n",
        escape(title)
    );
}

fn page_end(out: &mut String, sources: &str, scripts: &[&str]) {
    let _ = writeln!(
        out,
        "<footer>Written by ecsim {} from {sources}. The charts are also in <code>charts/</code> as SVG and PNG.</footer>",
        env!("CARGO_PKG_VERSION")
    );
    for s in scripts {
        let _ = writeln!(out, "<script>\n{s}</script>");
    }
    out.push_str("</body>\n</html>\n");
}

/// At most this many bytes of SVG are inlined in one page, so that the report stays under 5 MB at any
/// size (with the interactive charts' data, under 1 MB, the event log, under [`LOG_BYTES`], and the
/// services table, under about 500 kB). Past it
/// a chart is a link to its files in `charts/`; fleet-wide charts (not "Service …") are inlined first.
pub const INLINE_SVG_BUDGET: u64 = 2_000_000;

/// Which charts of `list` are inlined: within [`INLINE_SVG_BUDGET`], sections other than "Service …"
/// first, then in order.
fn inlined(dir: &Path, list: &[IndexEntry]) -> Vec<bool> {
    let size = |e: &IndexEntry| {
        fs::metadata(dir.join("charts").join(format!("{}.svg", e.stem))).map_or(0, |m| m.len())
    };
    let mut order: Vec<usize> = (0..list.len()).collect();
    order.sort_by_key(|&i| list[i].section.starts_with("Service "));
    let mut keep = vec![false; list.len()];
    let mut used = 0u64;
    for i in order {
        let n = size(&list[i]);
        if used + n <= INLINE_SVG_BUDGET {
            used += n;
            keep[i] = true;
        }
    }
    keep
}

/// The charts as `<section>`s grouped by their section, each chart a `<figure>` with its SVG inline, or
/// a link to its files when the page's SVG budget is spent (see [`inlined`]).
fn chart_sections(
    out: &mut String,
    dir: &Path,
    list: &[IndexEntry],
    nav: &mut Vec<(String, String)>,
) -> io::Result<()> {
    let keep = inlined(dir, list);
    let linked = keep.iter().filter(|k| !**k).count();
    if linked > 0 {
        let _ = writeln!(
            out,
            "<p class=\"note\">{linked} of the {} charts below are links to their files in <code>charts/</code>, not pictures in the page, \
             to keep the page under 5 MB.</p>",
            list.len()
        );
    }
    let mut sections: Vec<(&str, Vec<(&IndexEntry, bool)>)> = Vec::new();
    for (e, k) in list.iter().zip(&keep) {
        match sections.iter_mut().find(|(s, _)| *s == e.section) {
            Some((_, v)) => v.push((e, *k)),
            None => sections.push((&e.section, vec![(e, *k)])),
        }
    }
    for (i, (section, entries)) in sections.iter().enumerate() {
        let id = format!("charts-{}", i + 1);
        nav.push((id.clone(), section.to_string()));
        let _ = writeln!(out, "<section id=\"{id}\">\n<h2>{}</h2>", escape(section));
        if *section == charts::SWEEP_GRID_SECTION {
            out.push_str(charts::SWEEP_GRID_NOTE);
        }
        for &(e, inline) in entries {
            if !inline {
                let stem = escape(&e.stem);
                let _ = writeln!(
                    out,
                    "<figure class=\"linked\"><a href=\"charts/{stem}.svg\">{}</a>\n<figcaption>charts/{stem}.svg · \
                     <a href=\"charts/{stem}.png\">charts/{stem}.png</a></figcaption>\n</figure>",
                    escape(&e.title)
                );
                continue;
            }
            let svg = inline_svg(
                &dir.join("charts").join(format!("{}.svg", e.stem)),
                &e.title,
            )?;
            let _ = writeln!(
                out,
                "<figure>\n{svg}\n<figcaption>charts/{}.svg · charts/{}.png</figcaption>\n</figure>",
                escape(&e.stem),
                escape(&e.stem)
            );
        }
        out.push_str("</section>\n");
    }
    Ok(())
}

fn nav_html(nav: &[(String, String)]) -> String {
    let mut s = String::from("<nav>");
    for (id, label) in nav {
        let _ = write!(s, "<a href=\"#{}\">{}</a>", escape(id), escape(label));
    }
    s.push_str("</nav>");
    s
}

// ---------------------------------------------------------------------------------------------------------
// Run report
// ---------------------------------------------------------------------------------------------------------

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "n/a".into(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), fmt_grouped),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) if a.is_empty() => "(none)".into(),
        serde_json::Value::Array(a) => a.iter().map(value_text).collect::<Vec<_>>().join(", "),
        serde_json::Value::Object(_) => String::new(),
    }
}

/// `(key path, value)` of every leaf under `v`, keys joined with dots. A fleet's per-service maps
/// (`by_service` with more than [`charts::FLEET_THRESHOLD`] entries) are one line pointing to the
/// Services table and `summary.json`: 2,000 services' costs, requests and SLOs were 470 kB of cards.
fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    let per_service = prefix == "by_service" || prefix.ends_with(".by_service");
    match v {
        serde_json::Value::Object(m) if per_service && m.len() > charts::FLEET_THRESHOLD => out
            .push((
                prefix.to_string(),
                format!(
                    "{} services: each in summary.json (and the Services table)",
                    fmt_grouped(m.len() as f64)
                ),
            )),
        serde_json::Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, x, out);
            }
        }
        serde_json::Value::Object(_) => out.push((prefix.to_string(), "(none)".into())),
        _ => out.push((prefix.to_string(), value_text(v))),
    }
}

fn summary_cards(out: &mut String, summary: &serde_json::Value) {
    let Some(obj) = summary.as_object() else {
        out.push_str("<p class=\"note\">summary.json is not an object.</p>\n");
        return;
    };
    let mut run: Vec<(String, String)> = Vec::new();
    let mut groups: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for (k, v) in obj {
        if k == "warnings" || k == "unconfirmed" {
            continue; // first on the page, or in their own card
        }
        match v {
            serde_json::Value::Object(_) => {
                let mut rows = Vec::new();
                flatten("", v, &mut rows);
                groups.push((k.clone(), rows));
            }
            _ => run.push((k.clone(), value_text(v))),
        }
    }
    out.push_str("<div class=\"cards\">\n");
    for (title, rows) in std::iter::once(("run".to_string(), run)).chain(groups) {
        let _ = write!(
            out,
            "<div class=\"card\"><h3>{}</h3><table>",
            escape(&title)
        );
        for (k, v) in rows {
            let _ = write!(
                out,
                "<tr><th>{}</th><td>{}</td></tr>",
                escape(&k),
                escape(&v)
            );
        }
        out.push_str("</table></div>\n");
    }
    out.push_str("</div>\n");
}

/// Above the cards, what a reader must not miss: services that cannot place their tasks, and each SLO's
/// attainment against its objective (and the warm-up the figures leave out).
fn headline(out: &mut String, summary: &serde_json::Value) {
    let mut lines: Vec<(bool, String)> = Vec::new();
    if let Some(p) = summary
        .get("placement_problems")
        .and_then(|v| v.as_object())
    {
        for (svc, why) in p {
            let why = why.as_str().unwrap_or_default();
            lines.push((
                true,
                format!("Service {svc} cannot place its tasks: {why}."),
            ));
        }
    }
    let slos = summary
        .pointer("/slo/by_service")
        .and_then(|v| v.as_object());
    for (svc, o) in slos.into_iter().flatten() {
        let f = |k: &str| o.get(k).and_then(serde_json::Value::as_f64);
        let (Some(att), Some(obj), Some(min), Some(bad)) = (
            f("attainment"),
            f("objective"),
            f("minutes"),
            f("bad_minutes"),
        ) else {
            continue;
        };
        let met = o.get("met").and_then(serde_json::Value::as_bool) == Some(true);
        lines.push((
            !met,
            format!(
                "SLO of {svc}: attainment {} % of {} measured minutes good ({} bad), objective {} %: {}.",
                fmt_grouped(att * 100.0),
                fmt_grouped(min),
                fmt_grouped(bad),
                fmt_grouped(obj * 100.0),
                if met { "met" } else { "not met" }
            ),
        ));
    }
    if let Some(w) = summary
        .get("warm_up_s")
        .and_then(serde_json::Value::as_f64)
        .filter(|w| *w > 0.0)
    {
        lines.push((
            false,
            format!(
                "The warm-up, the first {}, is left out of the requests, latency and SLO figures; costs cover the whole run.",
                clock(w)
            ),
        ));
    }
    if lines.is_empty() {
        return;
    }
    out.push_str("<ul class=\"headline\">\n");
    for (alert, l) in lines {
        let class = if alert { " class=\"alert\"" } else { "" };
        let _ = writeln!(out, "<li{class}>{}</li>", escape(&l));
    }
    out.push_str("</ul>\n");
}

/// The `warnings` of `summary.json` as the page's first section (nothing when there are none): each
/// message with its code and where it points. Returns whether there were any.
fn warnings_section(out: &mut String, summary: &serde_json::Value) -> bool {
    let Some(list) = summary
        .get("warnings")
        .and_then(|v| v.as_array())
        .filter(|l| !l.is_empty())
    else {
        return false;
    };
    let _ = writeln!(
        out,
        "<section id=\"warnings\" class=\"warnings\">\n<h2>Warnings ({})</h2>\n<ul>",
        list.len()
    );
    for w in list {
        let text = |k: &str| w.get(k).and_then(|v| v.as_str()).unwrap_or("");
        let mut place = text("file").to_string();
        if let Some(l) = w.get("line").and_then(|v| v.as_u64()) {
            let _ = write!(place, ":{l}");
        }
        let mut meta = vec![text("code").to_string()];
        if !place.is_empty() {
            meta.push(place);
        }
        let _ = writeln!(
            out,
            "<li>{} <span class=\"where\">[{}]</span></li>",
            escape(text("message")),
            escape(&meta.join(" · "))
        );
    }
    out.push_str("</ul>\n</section>\n");
    true
}

struct EventLog {
    rows: String,
    shown: usize,
    total: usize,
    kinds: BTreeMap<String, usize>,
    services: BTreeSet<String>,
    /// The events marked on the interactive charts.
    marks: series::Marks,
}

/// `events.csv` read into the page's log, row by row in the pass that reads the charts' data.
struct EventReader {
    /// Columns: time, clock, kind, service, message.
    cols: [Option<usize>; 5],
    log: EventLog,
}

impl EventReader {
    fn new(ev: &charts::Header) -> EventReader {
        EventReader {
            cols: ["time_s", "clock", "kind", "service", "message"].map(|c| ev.col(c)),
            log: EventLog {
                rows: String::new(),
                shown: 0,
                total: 0,
                kinds: BTreeMap::new(),
                services: BTreeSet::new(),
                marks: series::Marks::default(),
            },
        }
    }

    fn row(&mut self, rec: &charts::Row) {
        let [it, ic, ik, is, im] = self.cols;
        let log = &mut self.log;
        let kind = cell(rec, ik);
        let service = cell(rec, is);
        // The first rows are shown, so while they are, the row's number is the count so far.
        let show = log.shown < MAX_EVENTS && log.rows.len() < LOG_BYTES;
        let row = show.then_some(log.total);
        log.marks.add(num(rec, it), kind, service, row);
        log.total += 1;
        *log.kinds.entry(kind.to_string()).or_default() += 1;
        log.services.insert(service.to_string());
        if show {
            log.shown += 1;
            let t = num(rec, it);
            let clk = match cell(rec, ic) {
                "" => clock(t),
                c => c.to_string(),
            };
            let t_attr = if t.is_finite() {
                format!("{t}")
            } else {
                String::new()
            };
            let _ = writeln!(
                log.rows,
                "<tr data-t=\"{}\" data-k=\"{}\" data-s=\"{}\"><td class=\"t\">{}</td><td class=\"k\">{}</td><td class=\"s\">{}</td><td>{}</td></tr>",
                escape(&t_attr),
                escape(kind),
                escape(service),
                escape(&clk),
                escape(kind),
                escape(service),
                escape(cell(rec, im))
            );
        }
    }
}

/// What the report reads of `timeseries.csv`, in the one pass the charts' reading makes
/// ([`charts::read_run_with`]): the file is parsed once.
struct SeriesReads {
    warm_up_s: f64,
    reader: Option<series::SeriesReader>,
}

impl charts::AlsoReads for SeriesReads {
    fn header(&mut self, ts: &charts::Header) {
        self.reader = Some(series::SeriesReader::new(ts, self.warm_up_s));
    }
    fn row(&mut self, row: &charts::Row) {
        if let Some(s) = &mut self.reader {
            s.row(row);
        }
    }
}

/// `events.csv` into the page's log, in the same pass.
impl charts::AlsoReads for Option<EventReader> {
    fn header(&mut self, ev: &charts::Header) {
        *self = Some(EventReader::new(ev));
    }
    fn row(&mut self, row: &charts::Row) {
        if let Some(e) = self {
            e.row(row);
        }
    }
}

/// The event log's time unit for its filter: days for runs of three days or more, else hours.
fn log_unit(end_s: f64) -> (f64, &'static str) {
    if end_s >= 3.0 * 86_400.0 {
        (86_400.0, "days")
    } else {
        (3600.0, "hours")
    }
}

fn event_section(out: &mut String, log: &EventLog, end_s: f64) {
    let (unit, unit_name) = log_unit(end_s);
    let _ = write!(
        out,
        "<section id=\"events\" data-unit=\"{unit}\" data-page=\"{LOG_PAGE}\">\n<h2>Event log</h2>\n<p>{} events: ",
        fmt_grouped(log.total as f64)
    );
    let kinds: Vec<String> = log
        .kinds
        .iter()
        .map(|(k, n)| {
            format!(
                "<span class=\"kind\">{}</span> {}",
                escape(k),
                fmt_grouped(*n as f64)
            )
        })
        .collect();
    out.push_str(&kinds.join(" · "));
    out.push_str("</p>\n");
    if log.shown < log.total {
        let _ = writeln!(
            out,
            "<p class=\"note\">This page holds the first {} events ({} pages of {LOG_PAGE}); {} more are left out of it: all are in \
             <a href=\"events.csv\">events.csv</a> (<code>ecsim explain SCENARIO</code> tells the run's decisions in words).</p>",
            fmt_grouped(log.shown as f64),
            log.shown.div_ceil(LOG_PAGE),
            fmt_grouped((log.total - log.shown) as f64)
        );
    }
    out.push_str("<div class=\"filters\">\n<label>service<select id=\"f-service\"><option value=\"*\">all</option>");
    for s in &log.services {
        let label = if s.is_empty() { "(none)" } else { s };
        let _ = write!(
            out,
            "<option value=\"{}\">{}</option>",
            escape(s),
            escape(label)
        );
    }
    out.push_str(
        "</select></label>\n<label>kind<select id=\"f-kind\"><option value=\"*\">all</option>",
    );
    for k in log.kinds.keys() {
        let _ = write!(
            out,
            "<option value=\"{}\">{}</option>",
            escape(k),
            escape(k)
        );
    }
    let _ = write!(
        out,
        "</select></label>\n<label>from ({unit_name})<input id=\"f-from\" type=\"number\" step=\"any\" min=\"0\"/></label>\n\
         <label>to ({unit_name})<input id=\"f-to\" type=\"number\" step=\"any\" min=\"0\"/></label>\n\
         <label>message contains<input id=\"f-text\" type=\"search\"/></label>\n\
         <button id=\"f-reset\" type=\"button\">reset</button>\n<button id=\"f-prev\" type=\"button\" title=\"the page before\">◀</button>\
         <button id=\"f-next\" type=\"button\" title=\"the page after\">▶</button>\n<span id=\"f-count\"></span>\n</div>\n"
    );
    out.push_str(
        "<div class=\"log\"><table id=\"event-table\"><thead><tr><th>time</th><th>kind</th><th>service</th><th>message</th></tr></thead>\n<tbody>\n",
    );
    out.push_str(&log.rows);
    out.push_str("</tbody></table></div>\n</section>\n");
}

/// A fleet's worst services, in rank order, from the sections of their charts ("Service NAME (worst K of
/// N…)", `charts::fleet`): the Explore charts show them rather than the first services. Empty for
/// runs without fleet views.
fn worst_services(list: &[IndexEntry]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for e in list {
        let Some(rest) = e.section.strip_prefix("Service ") else {
            continue;
        };
        if let Some((name, _)) = rest.rsplit_once(" (worst ")
            && !names.iter().any(|n| n == name)
        {
            names.push(name.to_string());
        }
    }
    names
}

/// Write DIR/report.html for a run folder (renders the charts first if missing).
///
/// The page holds the scenario's name, `summary.json` as tables, every chart of `charts/index.json`
/// inline as SVG (rendered first with [`charts::render_run_charts`] when the index is missing or older
/// than the run's files), and the first [`MAX_EVENTS`] rows of `events.csv` with a filter. It loads
/// nothing from outside and escapes every text from the files. Written atomically; returns its path.
pub fn write_run_report(dir: &std::path::Path) -> std::io::Result<std::path::PathBuf> {
    run_report(dir, None)
}

/// [`write_run_report`] for a run just written with `tee` (a [`RunTee`] given to
/// [`crate::output::write_run_tee`]), which has read `timeseries.csv` and `events.csv` as they were
/// written: they are not read again.
pub fn write_run_report_teed(dir: &Path, tee: Box<dyn crate::output::Tee>) -> io::Result<PathBuf> {
    let any: Box<dyn std::any::Any + Send> = tee;
    let tee = any
        .downcast::<RunTee>()
        .map_err(|_| io::Error::other("the run's tee is not the report's"))?;
    run_report(dir, Some(*tee))
}

fn run_report(dir: &Path, teed: Option<RunTee>) -> io::Result<PathBuf> {
    let summary: serde_json::Value = match fs::read_to_string(dir.join("summary.json")) {
        Ok(s) => serde_json::from_str(&s).map_err(io::Error::other)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => serde_json::Value::Null,
        Err(e) => return Err(e),
    };
    let warm_up_s = summary
        .get("warm_up_s")
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(0.0);
    // One pass over the files for the charts and the page; the charts are drawn unless fresh.
    let fresh = fresh_charts(
        dir,
        &["summary.json", "timeseries.csv", "tasks.csv", "events.csv"],
    );
    let (data, series_reads, event_reads) = match teed {
        None => {
            let mut series_reads = SeriesReads {
                warm_up_s,
                reader: None,
            };
            let mut event_reads: Option<EventReader> = None;
            let data = charts::read_run_with(dir, &mut series_reads, &mut event_reads);
            (data, series_reads, event_reads)
        }
        Some(tee) => {
            let (series, mut events, series_reads, event_reads) = tee.finish()?;
            events.tasks = charts::read_tasks(dir)?;
            let data = charts::run_data(Some(&summary).filter(|s| !s.is_null()), series, events);
            (Ok(data), series_reads, event_reads)
        }
    };
    let list = match fresh {
        Some(list) => {
            // The charts need not be drawn: only the page's reads count (as when nothing was read).
            if let Err(e) = data
                && e.kind() != io::ErrorKind::NotFound
            {
                return Err(e);
            }
            list
        }
        None => {
            charts::render_run_data(dir, data?)?;
            read_index(dir).unwrap_or_default()
        }
    };
    let scenario = summary
        .get("scenario")
        .and_then(|v| v.as_str())
        .unwrap_or("(unnamed run)")
        .to_string();
    let end_s = summary
        .get("simulated_seconds")
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(0.0);
    let mut meta = Vec::new();
    if let Some(seed) = summary.get("seed").filter(|v| !v.is_null()) {
        meta.push(format!("seed {}", value_text(seed)));
    }
    if end_s > 0.0 {
        meta.push(format!("simulated {}", clock(end_s)));
    }
    if let Some(n) = summary.get("events").and_then(serde_json::Value::as_f64) {
        meta.push(format!("{} simulation events", fmt_grouped(n)));
    }
    if let Some(w) = summary
        .get("wall_seconds")
        .and_then(serde_json::Value::as_f64)
    {
        meta.push(format!("{} s wall clock", fmt_value(w)));
    }
    if let Some(d) = summary.get("description").and_then(|v| v.as_str()) {
        meta.push(d.to_string());
    }

    let mut body = String::new();
    let mut nav = Vec::new();
    if warnings_section(&mut body, &summary) {
        nav.push(("warnings".to_string(), "Warnings".to_string()));
    }
    nav.push(("summary".to_string(), "Summary".to_string()));
    body.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n");
    if summary.is_null() {
        body.push_str("<p class=\"note\">This folder has no summary.json.</p>\n");
    } else {
        headline(&mut body, &summary);
        unconfirmed::card(&mut body, &summary);
        summary_cards(&mut body, &summary);
    }
    body.push_str("</section>\n");
    let events = event_reads.map(|r| r.log);
    let marks = events
        .as_ref()
        .map_or_else(|| series::Marks::default().json(), |l| l.marks.json());
    let worst = worst_services(&list);
    let (explore, table) = series::explore_section(
        &mut body,
        series_reads.reader,
        &marks,
        log_unit(end_s).0,
        &worst,
    );
    if explore {
        nav.push(("explore".into(), "Explore".into()));
    }
    if let Some(t) = table.filter(|t| !t.is_empty()) {
        nav.push(("services".into(), "Services".into()));
        t.html(&mut body);
    }
    if list.is_empty() {
        body.push_str("<p class=\"note\">No charts: the run's files hold no time series or tasks to draw.</p>\n");
    }
    chart_sections(&mut body, dir, &list, &mut nav)?;
    if let Some(log) = events {
        nav.push(("events".into(), "Event log".into()));
        event_section(&mut body, &log, end_s);
    }

    let mut out = String::with_capacity(body.len() + 16_384);
    page_start(&mut out, &format!("ecsim run: {scenario}"));
    let _ = writeln!(
        out,
        "<header>\n<h1>ecsim run: <span class=\"name\">{}</span></h1>\n<p class=\"meta\">{}</p>\n{}\n</header>\n<main>",
        escape(&scenario),
        escape(&meta.join(" · ")),
        nav_html(&nav)
    );
    out.push_str(&body);
    out.push_str("</main>\n");
    page_end(
        &mut out,
        "summary.json, timeseries.csv, tasks.csv and events.csv",
        &[LOG_JS, CHARTS_JS, TABLES_JS, SELFTEST_JS],
    );
    let path = dir.join("report.html");
    write_atomic(&path, out.as_bytes())?;
    Ok(path)
}

// ---------------------------------------------------------------------------------------------------------
// Sweep report
// ---------------------------------------------------------------------------------------------------------

/// The sweep report's first section: the variants, the values each sets (`variants.csv`), the baseline it
/// is compared with and its runs, with the variant filter above (tables.js).
fn variants_section(body: &mut String, dir: &Path, data: &charts::SweepData) -> io::Result<()> {
    let is_base = |v: &str| data.is_baseline(v);
    body.push_str("<section id=\"variants\">\n<h2>Variants</h2>\n<div class=\"vfilter\"><label>show variants containing \
        <input id=\"v-filter\" type=\"search\" placeholder=\"name or value\"/></label><span id=\"v-count\" class=\"note\"></span></div>\n\
        <p class=\"note\">Click a column's header to sort by it; the filter applies to every table below.</p>\n\
        <div class=\"wide\"><table class=\"grid sortable\" id=\"variants-table\"><thead><tr><th>#</th><th>variant</th>");
    let mut params: Vec<String> = Vec::new();
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(vc) = Csv::open(&dir.join("variants.csv"))? {
        params = vc.header().iter().skip(1).cloned().collect();
        vc.each(|rec| {
            let mut it = rec.iter();
            if let Some(v) = it.next() {
                values.insert(v.to_string(), it.map(str::to_string).collect());
            }
            true
        })?;
    }
    for p in &params {
        let _ = write!(body, "<th>{}</th>", escape(p));
    }
    body.push_str("<th>compared with</th><th>runs</th></tr></thead>\n<tbody>\n");
    for (i, v) in data.variants.iter().enumerate() {
        let runs = data
            .runs
            .iter()
            .filter(|r| r.first().map(String::as_str) == Some(v))
            .count();
        let class = if is_base(v) { " class=\"base\"" } else { "" };
        let _ = write!(
            body,
            "<tr{class} data-variant=\"{}\"><td class=\"n\">{}</td><td>{}</td>",
            escape(v),
            i + 1,
            escape(v)
        );
        for k in 0..params.len() {
            let val = values
                .get(v)
                .and_then(|x| x.get(k))
                .map_or("", String::as_str);
            let _ = write!(body, "<td>{}</td>", escape(val));
        }
        let base = match data.baselines.get(v) {
            _ if is_base(v) => "(the baseline)".to_string(),
            Some(b) => b.clone(),
            None => String::new(),
        };
        let _ = writeln!(
            body,
            "<td>{}</td><td class=\"n\">{runs}</td></tr>",
            escape(&base)
        );
    }
    body.push_str("</tbody></table></div>\n</section>\n");
    Ok(())
}

/// Sweeps with more variants than this get the side-by-side table turned: a row per variant (sortable by
/// any figure) rather than a column per variant.
pub const MANY_VARIANTS: usize = 10;

/// A figure's mean ± half-width of its 95 % interval (n runs), or `–`.
fn agg_text(data: &charts::SweepData, v: &str, m: &str) -> String {
    match data.agg(v, m) {
        Some(a) => match a.ci() {
            Some((lo, hi)) => format!(
                "{} ± {} ({})",
                fmt_grouped(a.mean),
                fmt_value((hi - lo) / 2.0),
                fmt_grouped(a.n)
            ),
            None => format!("{} ({})", fmt_grouped(a.mean), fmt_grouped(a.n)),
        },
        None => "–".into(),
    }
}

/// The side-by-side table: every figure with a value, per variant. Up to [`MANY_VARIANTS`] variants are
/// columns; more are rows of a sortable table (the filter above hides rows and columns alike).
fn compare_section(body: &mut String, data: &charts::SweepData) {
    let is_base = |v: &str| data.is_baseline(v);
    let mut ordered: Vec<&str> = SWEEP_METRICS
        .iter()
        .copied()
        .filter(|m| data.has(m))
        .collect();
    ordered.extend(
        data.metrics
            .iter()
            .map(String::as_str)
            .filter(|m| !SWEEP_METRICS.contains(m) && data.has(m)),
    );
    let label = |m: &str| {
        let unit = metric_unit(m);
        if unit.is_empty() {
            m.to_string()
        } else {
            format!("{m} ({unit})")
        }
    };
    let many = data.variants.len() > MANY_VARIANTS;
    let _ = write!(
        body,
        "<section id=\"compare\">\n<h2>Side by side</h2>\n<p class=\"note\">Mean ± half-width of the 95% confidence interval over the seeds (n runs with a value); \
         the baseline is shaded. Figures without a value in any run are left out.{}</p>\n",
        if many {
            " A row per variant: click a figure's header to sort by it (by the mean)."
        } else {
            ""
        }
    );
    if many {
        body.push_str("<div class=\"wide\"><table class=\"grid sortable\" id=\"compare-table\"><thead><tr><th>#</th><th>variant</th>");
        for m in &ordered {
            let _ = write!(body, "<th class=\"v\">{}</th>", escape(&label(m)));
        }
        body.push_str("</tr></thead>\n<tbody>\n");
        for (i, v) in data.variants.iter().enumerate() {
            let class = if is_base(v) { " class=\"base\"" } else { "" };
            let _ = write!(
                body,
                "<tr{class} data-variant=\"{}\"><td class=\"n\">{}</td><td>{}</td>",
                escape(v),
                i + 1,
                escape(v)
            );
            for m in &ordered {
                let _ = write!(
                    body,
                    "<td class=\"n\">{}</td>",
                    escape(&agg_text(data, v, m))
                );
            }
            body.push_str("</tr>\n");
        }
        body.push_str("</tbody></table></div>\n</section>\n");
        return;
    }
    body.push_str("<div class=\"wide\"><table class=\"grid by-variant\" id=\"compare-table\"><thead><tr><th>figure</th>");
    for (i, v) in data.variants.iter().enumerate() {
        let class = if is_base(v) { "v base" } else { "v" };
        let _ = write!(
            body,
            "<th class=\"{class}\" data-variant=\"{}\">{}. {}</th>",
            escape(v),
            i + 1,
            escape(v)
        );
    }
    body.push_str("</tr></thead>\n<tbody>\n");
    for m in &ordered {
        let _ = write!(body, "<tr><th>{}</th>", escape(&label(m)));
        for v in &data.variants {
            let class = if is_base(v) { "n base" } else { "n" };
            let _ = write!(
                body,
                "<td class=\"{class}\">{}</td>",
                escape(&agg_text(data, v, m))
            );
        }
        body.push_str("</tr>\n");
    }
    body.push_str("</tbody></table></div>\n</section>\n");
}

/// The sweep table's `!` notes (`table.txt`: variants whose services could not place their tasks, runs
/// of different lengths or loads, variants that served less than they were asked), shown above the
/// figures they qualify, as the terminal shows them below its table. At most [`MAX_SWEEP_NOTES`] lines;
/// the rest are counted. Returns whether there were any. A folder without `table.txt` (written before
/// it existed) has none to show.
fn sweep_notes(body: &mut String, dir: &Path) -> io::Result<bool> {
    let text = match fs::read_to_string(dir.join("table.txt")) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    let notes: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("! ")).collect();
    if notes.is_empty() {
        return Ok(false);
    }
    let _ = writeln!(
        body,
        "<section id=\"notes\" class=\"warnings\">\n<h2>Read before comparing ({})</h2>\n<ul>",
        notes.len()
    );
    for n in notes.iter().take(MAX_SWEEP_NOTES) {
        let _ = writeln!(body, "<li>{}</li>", escape(n));
    }
    if notes.len() > MAX_SWEEP_NOTES {
        let _ = writeln!(
            body,
            "<li>and {} more: see table.txt</li>",
            notes.len() - MAX_SWEEP_NOTES
        );
    }
    body.push_str("</ul>\n</section>\n");
    Ok(true)
}

/// The most `!` notes a sweep's page lists (a sweep may have 100,000 variants).
const MAX_SWEEP_NOTES: usize = 50;

/// Write DIR/report.html for a sweep folder.
///
/// The page compares the variants side by side: the values each variant sets (`variants.csv`), every
/// summary figure's mean ± the half-width of its 95 % confidence interval per variant (`aggregate.csv`,
/// the baseline's column shaded), the paired differences against the baseline for the key figures
/// (`paired.csv`, bold where the interval excludes 0), and the charts of
/// [`charts::render_sweep_charts`] inline (rendered first when missing or older than the CSV files).
/// Self-contained and escaped like the run report; written atomically; returns its path.
pub fn write_sweep_report(dir: &std::path::Path) -> std::io::Result<std::path::PathBuf> {
    let data = read_sweep(dir)?;
    let list = charts_for(
        dir,
        &["aggregate.csv", "runs.csv", "sweep.json"],
        charts::render_sweep_charts,
    )?;
    let mut body = String::new();
    let mut nav = vec![
        ("variants".to_string(), "Variants".to_string()),
        ("compare".to_string(), "Side by side".to_string()),
    ];

    if sweep_notes(&mut body, dir)? {
        nav.insert(0, ("notes".into(), "Read first".into()));
    }
    variants_section(&mut body, dir, &data)?;

    compare_section(&mut body, &data);

    // Paired differences
    if let Some(pc) = Csv::open(&dir.join("paired.csv"))? {
        let (iv, ib, im, idiff, ilo, ihi, iwlo, iwhi) = (
            pc.col("variant"),
            pc.col("baseline"),
            pc.col("metric"),
            pc.col("mean_diff"),
            pc.col("ci95_low"),
            pc.col("ci95_high"),
            pc.col("welch_ci95_low"),
            pc.col("welch_ci95_high"),
        );
        let mut rows = String::new();
        pc.each(|rec| {
            let m = cell(rec, im);
            let d = num(rec, idiff);
            let (lo, hi) = (num(rec, ilo), num(rec, ihi));
            if !SWEEP_METRICS.contains(&m) || !d.is_finite() || (d == 0.0 && lo == 0.0 && hi == 0.0) {
                return true;
            }
            let sig = lo.is_finite() && hi.is_finite() && (lo > 0.0 || hi < 0.0);
            let ci = |a: f64, b: f64| {
                if a.is_finite() && b.is_finite() {
                    format!("[{}, {}]", fmt_value(a), fmt_value(b))
                } else {
                    "–".into()
                }
            };
            let _ = writeln!(
                rows,
                "<tr data-variant=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td class=\"n{}\">{}</td><td class=\"n{}\">{}</td><td class=\"n\">{}</td></tr>",
                escape(cell(rec, iv)),
                escape(cell(rec, iv)),
                escape(cell(rec, ib)),
                escape(m),
                if sig { " sig" } else { "" },
                escape(&fmt_value(d)),
                if sig { " sig" } else { "" },
                escape(&ci(lo, hi)),
                escape(&ci(num(rec, iwlo), num(rec, iwhi)))
            );
            true
        })?;
        if !rows.is_empty() {
            nav.push(("paired".into(), "Against the baseline".into()));
            body.push_str(
                "<section id=\"paired\">\n<h2>Against the baseline</h2>\n<p class=\"note\">Variant − baseline, seed by seed \
                 (common random numbers): the mean difference and its paired 95% interval, next to Welch's interval as if the runs were \
                 independent. Bold: the paired interval excludes 0. Key figures only; rows where every seed gives the same value in both are left out (paired.csv has them all).</p>\n<div class=\"wide\"><table class=\"grid sortable\" id=\"paired-table\"><thead><tr><th>variant</th>\
                 <th>baseline</th><th>figure</th><th>mean difference</th><th>paired 95% CI</th><th>unpaired (Welch) 95% CI</th></tr></thead>\n<tbody>\n",
            );
            body.push_str(&rows);
            body.push_str("</tbody></table></div>\n</section>\n");
        }
    }
    chart_sections(&mut body, dir, &list, &mut nav)?;

    let seeds = fs::read_to_string(dir.join("sweep.json"))
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .and_then(|m| m.get("seeds").and_then(|s| s.as_array()).map(Vec::len));
    let mut meta = vec![format!("{} variants", data.variants.len())];
    if let Some(n) = seeds {
        meta.push(format!("{n} seeds each"));
    }
    meta.push(format!("{} runs", data.runs.len()));
    let mut out = String::with_capacity(body.len() + 16_384);
    page_start(&mut out, &format!("ecsim sweep: {}", data.name));
    let _ = writeln!(
        out,
        "<header>\n<h1>ecsim sweep: <span class=\"name\">{}</span></h1>\n<p class=\"meta\">{}</p>\n{}\n</header>\n<main>",
        escape(&data.name),
        escape(&meta.join(" · ")),
        nav_html(&nav)
    );
    out.push_str(&body);
    out.push_str("</main>\n");
    page_end(
        &mut out,
        "sweep.json, variants.csv, runs.csv, aggregate.csv and paired.csv",
        &[TABLES_JS, SELFTEST_JS],
    );
    let path = dir.join("report.html");
    write_atomic(&path, out.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod fleet_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape("<b>&\"'</b>"), "&lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;");
    }

    #[test]
    fn svg_budget_inlines_fleet_charts_first() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("charts")).unwrap();
        let entry = |stem: &str, section: &str, bytes: usize| {
            fs::write(
                dir.path().join(format!("charts/{stem}.svg")),
                vec![b' '; bytes],
            )
            .unwrap();
            IndexEntry {
                stem: stem.into(),
                section: section.into(),
                title: stem.into(),
            }
        };
        let list = [
            entry("a", "Service a", 1_500_000),
            entry("c", "Cluster", 600_000),
            entry("b", "Service b", 300_000),
        ];
        // The cluster chart first (0.6 MB), then in order: a would make 2.1 MB > 2 MB, b makes 0.9 MB.
        assert_eq!(inlined(dir.path(), &list), [false, true, true]);
    }
}
