//! Reading a run folder (`timeseries.csv` by column name, `events.csv`, `tasks.csv`, `summary.json`)
//! and a sweep folder (`sweep.json`, `aggregate.csv`, `runs.csv`) back into figures to chart.

use super::*;

/// A CSV file with its header: `None` when the file does not exist.
pub(crate) struct Csv {
    pub(super) reader: csv::Reader<fs::File>,
    pub(super) head: Header,
}

/// A CSV header's names, as they were before the CSV text rule (`csv_text`) was applied.
pub(crate) struct Header(pub(crate) Vec<String>);

impl Header {
    /// The names of a header record.
    pub(crate) fn of(rec: &csv::StringRecord) -> Header {
        Header(
            rec.iter()
                .map(|h| crate::output::csv_text::unescape(h).to_string())
                .collect(),
        )
    }

    /// The index of column `name`.
    pub(crate) fn col(&self, name: &str) -> Option<usize> {
        self.0.iter().position(|h| h == name)
    }
}

impl Csv {
    pub(crate) fn open(path: &Path) -> io::Result<Option<Csv>> {
        let file = match fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
        let head = Header::of(reader.headers().map_err(other)?);
        Ok(Some(Csv { reader, head }))
    }

    pub(crate) fn col(&self, name: &str) -> Option<usize> {
        self.head.col(name)
    }

    pub(crate) fn header(&self) -> &[String] {
        &self.head.0
    }

    pub(crate) fn head(&self) -> &Header {
        &self.head
    }

    /// Calls `f` for every record.
    pub(crate) fn each(mut self, mut f: impl FnMut(&csv::StringRecord) -> bool) -> io::Result<()> {
        let mut rec = csv::StringRecord::new();
        while self.reader.read_record(&mut rec).map_err(other)? {
            if !f(&rec) {
                break;
            }
        }
        Ok(())
    }

    /// Calls `f` for every record as a [`Row`], whose number cells are parsed at most once however
    /// many readers of the same pass ask for them.
    pub(crate) fn each_row(self, mut f: impl FnMut(&Row) -> bool) -> io::Result<()> {
        let mut nums = Vec::new();
        self.each(|rec| f(&Row::new(rec, &mut nums)))
    }
}

/// Calls `f` for every record of `bytes`, whole CSV rows without a header (a chunk of a file being
/// written), as [`Row`]s.
pub(crate) fn each_row_of(bytes: &[u8], mut f: impl FnMut(&Row)) -> io::Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(bytes);
    let mut rec = csv::StringRecord::new();
    let mut nums = Vec::new();
    while reader.read_record(&mut rec).map_err(other)? {
        f(&Row::new(&rec, &mut nums));
    }
    Ok(())
}

/// A record's cells as text, and as numbers (`Row` keeps each parsed number).
pub(crate) trait Cells {
    /// Cell `i`'s text as written (`None` past the record's end).
    fn text(&self, i: usize) -> Option<&str>;
    /// Cell `i` as a number: NaN when missing, empty or not a number.
    fn number(&self, i: usize) -> f64 {
        self.text(i).map_or(f64::NAN, parse_num)
    }
}

impl Cells for csv::StringRecord {
    fn text(&self, i: usize) -> Option<&str> {
        self.get(i)
    }
}

/// A record being read with its parsed numbers (see [`Csv::each_row`]), or a `timeseries.csv` row handed
/// over as written ([`SeriesCells`]) with its numbers given.
pub(crate) struct Row<'a> {
    rec: Src<'a>,
    nums: &'a [std::cell::Cell<f64>],
}

/// Where a [`Row`]'s cells come from.
#[derive(Clone, Copy)]
enum Src<'a> {
    /// A record read from a file.
    Record(&'a csv::StringRecord),
    /// A row as written.
    Written(&'a SeriesCells<'a>),
}

impl<'a> Row<'a> {
    pub(crate) fn new(
        rec: &'a csv::StringRecord,
        nums: &'a mut Vec<std::cell::Cell<f64>>,
    ) -> Row<'a> {
        nums.clear();
        nums.resize(rec.len(), std::cell::Cell::new(UNPARSED));
        Row {
            rec: Src::Record(rec),
            nums,
        }
    }

    /// The row of `cells` with `nums` its cells' numbers, [`UNPARSED`] where its text is to be parsed.
    pub(super) fn written(cells: &'a SeriesCells<'a>, nums: &'a [std::cell::Cell<f64>]) -> Row<'a> {
        Row {
            rec: Src::Written(cells),
            nums,
        }
    }
}

/// A cell not parsed yet: a NaN no parse yields (parsing gives the canonical NaN).
pub(super) const UNPARSED: f64 = f64::from_bits(0x7ff8_dead_beef_0001);

impl Cells for Row<'_> {
    fn text(&self, i: usize) -> Option<&str> {
        match self.rec {
            Src::Record(rec) => rec.get(i),
            Src::Written(cells) => cells.text(i),
        }
    }
    fn number(&self, i: usize) -> f64 {
        let Some(c) = self.nums.get(i) else {
            return f64::NAN;
        };
        let v = c.get();
        if v.to_bits() != UNPARSED.to_bits() {
            return v;
        }
        let v = self.text(i).map_or(f64::NAN, parse_num);
        c.set(v);
        v
    }
}

/// A number cell's value: surrounding white space ignored, NaN when empty or not a number. (`trim` is
/// skipped when both ends are ASCII above the space, which no white space is: same result.)
fn parse_num(s: &str) -> f64 {
    let b = s.as_bytes();
    let plain = match (b.first(), b.last()) {
        (Some(&f), Some(&l)) => f > b' ' && f < 0x80 && l > b' ' && l < 0x80,
        _ => return f64::NAN,
    };
    let s = if plain { s } else { s.trim() };
    s.parse::<f64>().unwrap_or(f64::NAN)
}

/// A number cell: NaN when missing, empty or not a number.
pub(crate) fn num(rec: &impl Cells, i: Option<usize>) -> f64 {
    i.map_or(f64::NAN, |i| rec.number(i))
}

/// A text cell: empty when missing; as it was before the CSV text rule (`csv_text`) was applied.
pub(crate) fn cell(rec: &impl Cells, i: Option<usize>) -> &str {
    crate::output::csv_text::unescape(i.and_then(|i| rec.text(i)).unwrap_or(""))
}

// ---------------------------------------------------------------------------------------------------------
// Run data
// ---------------------------------------------------------------------------------------------------------

/// Columns of `timeseries.csv` the charts use (the queue columns, from [`FIRST_QUEUE_COL`] on, only in
/// runs with a queue).
pub(super) const COLS: [&str; 30] = [
    "desired",
    "running",
    "pending",
    "cpu_utilization",
    "memory_utilization",
    "request_rate",
    "served",
    "errors",
    "queued",
    "latency_p50_ms",
    "latency_p90_ms",
    "latency_p99_ms",
    "instances",
    "cpu_registered",
    "cpu_reserved",
    "memory_registered",
    "memory_reserved",
    "cpu_reservation",
    "memory_reservation",
    "capacity_provider_reservation",
    "cost_usd",
    "capacity_rps",
    "slo_p99_ms",
    "cost_ec2_usd",
    "cost_fargate_usd",
    "cost_fargate_spot_usd",
    "slo_bad",
    "messages_visible",
    "messages_in_flight",
    "oldest_message_age_s",
];
pub(super) const DESIRED: usize = 0;
pub(super) const RUNNING: usize = 1;
pub(super) const PENDING: usize = 2;
pub(super) const CPU_UTIL: usize = 3;
pub(super) const MEM_UTIL: usize = 4;
pub(super) const REQ_RATE: usize = 5;
pub(super) const ERRORS: usize = 7;
pub(super) const QUEUED: usize = 8;
pub(super) const P50: usize = 9;
pub(super) const P90: usize = 10;
pub(super) const P99: usize = 11;
pub(super) const INSTANCES: usize = 12;
pub(super) const CPU_REG: usize = 13;
pub(super) const CPU_RES: usize = 14;
pub(super) const MEM_REG: usize = 15;
pub(super) const MEM_RES: usize = 16;
pub(super) const CPR: usize = 19;
pub(super) const COST: usize = 20;
pub(super) const CAPACITY_RPS: usize = 21;
pub(super) const SLO_P99: usize = 22;
pub(super) const COST_EC2: usize = 23;
pub(super) const COST_FARGATE: usize = 24;
pub(super) const COST_FARGATE_SPOT: usize = 25;
pub(super) const SLO_BAD: usize = 26;
pub(super) const MSG_VISIBLE: usize = 27;
pub(super) const MSG_IN_FLIGHT: usize = 28;
pub(super) const MSG_AGE: usize = 29;
/// A folder without these columns keeps no (empty) values for them.
pub(super) const FIRST_QUEUE_COL: usize = MSG_VISIBLE;

/// The spans `[t − period, t]` of the rows whose `col` is 1, joined where they touch.
pub(super) fn spans_where(s: &Series, col: usize, period_s: f64) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (t, v) in s.t.iter().zip(&s.cols[col]) {
        if *v != 1.0 {
            continue;
        }
        let a = (t - period_s).max(0.0);
        match out.last_mut() {
            Some(last) if a <= last.1 + 1e-9 => last.1 = *t,
            _ => out.push((a, *t)),
        }
    }
    out
}

/// The rows of one (scope, name) of `timeseries.csv`, by column.
pub(super) struct Series {
    pub(super) scope: String,
    pub(super) name: String,
    pub(super) t: Vec<f64>,
    pub(super) cols: Vec<Vec<f64>>,
}

impl Series {
    pub(super) fn has(&self, c: usize) -> bool {
        self.cols[c].iter().any(|v| v.is_finite())
    }
    pub(super) fn max(&self, c: usize) -> f64 {
        self.cols[c]
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(f64::NAN, f64::max)
    }
}

/// The kinds of events marked on time charts.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(super) enum TickKind {
    Scaling,
    ClusterScaling,
    Scenario,
    Deployment,
    Fault,
}

impl TickKind {
    pub(super) fn of(kind: &str) -> Option<TickKind> {
        match kind {
            "scaling" => Some(TickKind::Scaling),
            "cluster_scaling" => Some(TickKind::ClusterScaling),
            "scenario" => Some(TickKind::Scenario),
            k if k.contains("fault") => Some(TickKind::Fault),
            k if k.contains("deployment") => Some(TickKind::Deployment),
            _ => None,
        }
    }
    pub(super) fn label(self) -> &'static str {
        match self {
            TickKind::Scaling => "service scaling",
            TickKind::ClusterScaling => "cluster scaling",
            TickKind::Scenario => "scenario action",
            TickKind::Deployment => "deployment",
            TickKind::Fault => "fault",
        }
    }
    pub(super) fn color(self) -> RGBColor {
        match self {
            TickKind::Scaling => RGBColor(230, 120, 0),
            TickKind::ClusterScaling => RGBColor(128, 60, 170),
            TickKind::Scenario => RGBColor(0, 150, 160),
            TickKind::Deployment => RGBColor(30, 140, 40),
            TickKind::Fault => RGBColor(215, 25, 28),
        }
    }
}

pub(super) struct Tick {
    pub(super) t: f64,
    pub(super) kind: TickKind,
    pub(super) service: String,
}

pub(crate) struct TaskRow {
    pub(super) key: String,
    pub(super) launch_type: String,
    pub(super) instance: String,
    pub(super) created: f64,
    pub(super) started: f64,
    pub(super) stopped: f64,
}

pub(crate) struct RunData {
    pub(super) end_s: f64,
    pub(super) series: Vec<Series>,
    pub(super) ticks: Vec<Tick>,
    /// Target-tracking targets by (service, metric) from the scaling events, e.g. ("web", "Cpu") → 60.
    pub(super) targets: BTreeMap<(String, String), f64>,
    /// Managed-scaling target capacity by capacity provider, from the cluster scaling events.
    pub(super) cpr_targets: BTreeMap<String, f64>,
    /// p99 SLO by service, when an event message states it (older folders, whose `timeseries.csv` has
    /// no `slo_p99_ms` column).
    pub(super) slos: BTreeMap<String, f64>,
    pub(super) tasks: Vec<TaskRow>,
    pub(super) period_s: f64,
    /// The warm-up the summary leaves out, s (0: none).
    pub(super) warm_up_s: f64,
}

/// Another reader of the same pass over one of a run folder's files (the report's), so each file is
/// parsed once: it sees the file's header and every row [`read_run_with`] reads.
pub(crate) trait AlsoReads: Send {
    fn header(&mut self, _head: &Header) {}
    fn row(&mut self, _row: &Row) {}
}

impl AlsoReads for () {}

pub(super) fn read_run(dir: &Path) -> io::Result<RunData> {
    read_run_with(dir, &mut (), &mut ())
}

/// [`read_run`], with `series_also` reading `timeseries.csv` and `events_also` reading `events.csv` in
/// the same pass (they see them even when the folder is not a run folder, before the error).
/// `timeseries.csv` is read on this thread while `events.csv` and `tasks.csv` are read on another.
pub(crate) fn read_run_with(
    dir: &Path,
    series_also: &mut dyn AlsoReads,
    events_also: &mut dyn AlsoReads,
) -> io::Result<RunData> {
    let summary = read_summary(dir)?;
    let ts = Csv::open(&dir.join("timeseries.csv"))?;
    let not_run = summary.is_none() && ts.is_none();
    let (series, ev) = std::thread::scope(|scope| {
        let ev = scope.spawn(|| -> io::Result<EventsPass> {
            let mut pass = EventsPass::default();
            if let Some(ev) = Csv::open(&dir.join("events.csv"))? {
                pass.header(ev.head());
                events_also.header(ev.head());
                ev.each_row(|rec| {
                    events_also.row(rec);
                    pass.row(rec);
                    true
                })?;
            }
            if !not_run {
                pass.tasks = read_tasks(dir)?;
            }
            Ok(pass)
        });
        let series = (|| -> io::Result<SeriesPass> {
            let mut pass = SeriesPass::default();
            if let Some(ts) = ts {
                pass.header(ts.head());
                series_also.header(ts.head());
                ts.each_row(|rec| {
                    series_also.row(rec);
                    pass.row(rec);
                    true
                })?;
            }
            Ok(pass)
        })();
        let ev = ev
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("reading events.csv panicked")));
        (series, ev)
    });
    let (series, ev) = (series?, ev?);
    if not_run {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "{} holds neither summary.json nor timeseries.csv: not a run folder",
                dir.display()
            ),
        ));
    }
    Ok(run_data(summary.as_ref(), series, ev))
}

/// `summary.json`, or `None` when there is none.
pub(crate) fn read_summary(dir: &Path) -> io::Result<Option<serde_json::Value>> {
    match fs::read_to_string(dir.join("summary.json")) {
        Ok(s) => Ok(Some(serde_json::from_str(&s).map_err(other)?)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The run's data from its summary and the passes over its files.
pub(crate) fn run_data(
    summary: Option<&serde_json::Value>,
    series: SeriesPass,
    ev: EventsPass,
) -> RunData {
    let max_t = series.max_t.max(ev.max_t);
    let series = series.series;
    let period_s = series
        .iter()
        .find(|s| s.t.len() >= 2)
        .map_or(60.0, |s| s.t[1] - s.t[0]);
    let end_s = summary
        .and_then(|s| s.get("simulated_seconds"))
        .and_then(serde_json::Value::as_f64)
        .filter(|v| *v > 0.0)
        .unwrap_or(max_t.max(1.0));
    let warm_up_s = summary
        .and_then(|s| s.get("warm_up_s"))
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(0.0);
    RunData {
        warm_up_s,
        end_s,
        series,
        ticks: ev.ticks,
        targets: ev.targets,
        cpr_targets: ev.cpr_targets,
        slos: ev.slos,
        tasks: ev.tasks,
        period_s,
    }
}

/// What the charts take from `timeseries.csv`, row by row: the series in the order they first come
/// and the latest time.
#[derive(Default)]
pub(crate) struct SeriesPass {
    series: Vec<Series>,
    max_t: f64,
    /// Time, scope and name columns, and [`COLS`]' columns.
    it: Option<usize>,
    iscope: Option<usize>,
    iname: Option<usize>,
    idx: Vec<Option<usize>>,
    /// Series by `scope\0name`, and the next row's series' guess: rows come in the same order every
    /// period, so usually the one after the last one's (one comparison, no hashing).
    by_key: HashMap<String, usize>,
    key: String,
    next: usize,
}

impl SeriesPass {
    pub(crate) fn header(&mut self, head: &Header) {
        (self.it, self.iscope, self.iname) =
            (head.col("time_s"), head.col("scope"), head.col("name"));
        self.idx = COLS.iter().map(|c| head.col(c)).collect();
    }

    fn find(&mut self, scope: &str, name: &str) -> usize {
        let series = &mut self.series;
        let hit = |i: usize| {
            series
                .get(i)
                .is_some_and(|s| s.scope == scope && s.name == name)
        };
        let i = if hit(self.next) {
            self.next
        } else {
            self.key.clear();
            self.key.push_str(scope);
            self.key.push('\0');
            self.key.push_str(name);
            match self.by_key.get(&self.key) {
                Some(&i) => i,
                None => {
                    series.push(Series {
                        scope: scope.to_string(),
                        name: name.to_string(),
                        t: Vec::new(),
                        cols: vec![Vec::new(); COLS.len()],
                    });
                    self.by_key.insert(self.key.clone(), series.len() - 1);
                    series.len() - 1
                }
            }
        };
        self.next = i + 1;
        i
    }

    pub(crate) fn row(&mut self, rec: &Row) {
        let t = num(rec, self.it);
        if !t.is_finite() {
            return;
        }
        self.max_t = self.max_t.max(t);
        let i = self.find(cell(rec, self.iscope), cell(rec, self.iname));
        let s = &mut self.series[i];
        s.t.push(t);
        for (c, ix) in self.idx.iter().enumerate() {
            if c >= FIRST_QUEUE_COL && ix.is_none() {
                continue;
            }
            s.cols[c].push(num(rec, *ix));
        }
    }
}

/// What the charts take from `events.csv` (row by row) and `tasks.csv`.
#[derive(Default)]
pub(crate) struct EventsPass {
    ticks: Vec<Tick>,
    targets: BTreeMap<(String, String), f64>,
    cpr_targets: BTreeMap<String, f64>,
    slos: BTreeMap<String, f64>,
    pub(crate) tasks: Vec<TaskRow>,
    /// The latest marked event's time.
    max_t: f64,
    /// Time, kind, service, target, metric, capacity provider and message columns.
    cols: [Option<usize>; 7],
}

impl EventsPass {
    pub(crate) fn header(&mut self, head: &Header) {
        // The records' columns (docs/outputs.md): a target-tracking decision's metric and target, managed
        // scaling's capacity provider and target capacity. Folders written before they existed have
        // none, and their charts no target lines.
        self.cols = [
            "time_s",
            "kind",
            "service",
            "target",
            "metric",
            "capacity_provider",
            "message",
        ]
        .map(|c| head.col(c));
    }

    pub(crate) fn row(&mut self, rec: &Row) {
        let [it, ik, is, itarget, imetric, iprov, imsg] = self.cols;
        let t = num(rec, it);
        let kind = cell(rec, ik);
        let service = cell(rec, is);
        if let Some(k) = TickKind::of(kind)
            && t.is_finite()
        {
            self.ticks.push(Tick {
                t,
                kind: k,
                service: service.to_string(),
            });
            self.max_t = self.max_t.max(t);
        }
        if let Some(v) = legacy_slo(cell(rec, imsg)) {
            self.slos.insert(service.to_string(), v);
        }
        let target = num(rec, itarget);
        if target.is_finite() {
            match kind {
                "scaling" if !cell(rec, imetric).is_empty() => {
                    self.targets.insert(
                        (service.to_string(), cell(rec, imetric).to_string()),
                        target,
                    );
                }
                "cluster_scaling" if !cell(rec, iprov).is_empty() => {
                    self.cpr_targets
                        .insert(cell(rec, iprov).to_string(), target);
                }
                _ => {}
            }
        }
    }
}

/// `tasks.csv`'s rows the charts draw.
pub(crate) fn read_tasks(dir: &Path) -> io::Result<Vec<TaskRow>> {
    let mut tasks = Vec::new();
    if let Some(tc) = Csv::open(&dir.join("tasks.csv"))? {
        let (is, ig, il, ii) = (
            tc.col("service"),
            tc.col("group"),
            tc.col("launch_type"),
            tc.col("instance"),
        );
        let (ic, ist, isp) = (
            tc.col("created_s"),
            tc.col("started_s"),
            tc.col("stopped_s"),
        );
        tc.each(|rec| {
            let service = cell(rec, is);
            let key = if service.is_empty() {
                cell(rec, ig)
            } else {
                service
            };
            tasks.push(TaskRow {
                key: key.to_string(),
                launch_type: cell(rec, il).to_string(),
                instance: cell(rec, ii).to_string(),
                created: num(rec, ic),
                started: num(rec, ist),
                stopped: num(rec, isp),
            });
            true
        })?;
    }
    Ok(tasks)
}

/// An older folder's SLO sentence: `slo`, an optional `_` or space, `p99` (any case), at most 12
/// characters that are not digits, a number, an optional space and `ms` (e.g. `slo_p99 250 ms`).
fn legacy_slo(msg: &str) -> Option<f64> {
    let lower = msg.to_ascii_lowercase();
    let b = lower.as_bytes();
    let mut from = 0;
    while let Some(k) = lower[from..].find("slo") {
        let mut i = from + k + 3;
        from += k + 1;
        if matches!(b.get(i), Some(b'_' | b' ')) && lower[i + 1..].starts_with("p99") {
            i += 1;
        }
        if !lower[i..].starts_with("p99") {
            continue;
        }
        i += 3;
        let gap = b[i..].iter().take_while(|c| !c.is_ascii_digit()).count();
        if gap > 12 {
            continue;
        }
        let start = i + gap;
        let mut end = start + b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
        if b.get(end) == Some(&b'.') && b.get(end + 1).is_some_and(u8::is_ascii_digit) {
            end += 1 + b[end + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
        }
        let unit = &lower[end..];
        if unit.starts_with("ms") || unit.starts_with(" ms") {
            return lower[start..end].parse().ok();
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------------------
// Sweep data
// ---------------------------------------------------------------------------------------------------------

/// One row of `aggregate.csv`.
#[derive(Clone, Copy)]
pub(crate) struct Agg {
    pub n: f64,
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

impl Agg {
    pub(crate) fn ci(&self) -> Option<(f64, f64)> {
        (self.lo.is_finite() && self.hi.is_finite()).then_some((self.lo, self.hi))
    }
}

/// A sweep folder's figures.
pub(crate) struct SweepData {
    pub name: String,
    pub variants: Vec<String>,
    pub baselines: BTreeMap<String, String>,
    /// Metrics in `aggregate.csv` order.
    pub metrics: Vec<String>,
    pub agg: HashMap<(String, String), Agg>,
    /// `runs.csv`: header and rows.
    pub runs_header: Vec<String>,
    pub runs: Vec<Vec<String>>,
}

impl SweepData {
    /// Whether `v` is the baseline of some variant.
    pub(crate) fn is_baseline(&self, v: &str) -> bool {
        self.baselines.values().any(|b| b == v)
    }
    pub(crate) fn agg(&self, variant: &str, metric: &str) -> Option<Agg> {
        self.agg
            .get(&(variant.to_string(), metric.to_string()))
            .copied()
            .filter(|a| a.mean.is_finite())
    }
    /// Whether any variant has a value of `metric`.
    pub(crate) fn has(&self, metric: &str) -> bool {
        self.variants.iter().any(|v| self.agg(v, metric).is_some())
    }
    pub(super) fn seeds(&self, variant: &str, metric: &str) -> Vec<f64> {
        let Some(m) = self.runs_header.iter().position(|h| h == metric) else {
            return Vec::new();
        };
        self.runs
            .iter()
            .filter(|r| r.first().map(String::as_str) == Some(variant))
            .filter_map(|r| r.get(m).and_then(|s| s.parse::<f64>().ok()))
            .collect()
    }
}

/// The summary figures charted for a sweep, in order, when present.
pub(crate) const SWEEP_METRICS: [&str; 18] = [
    "cost_usd.total",
    "latency_ms.p99",
    "latency_ms.p50",
    "slo_violation_minutes",
    "cost_usd.per_million_requests",
    "requests.dropped",
    "tasks.start_latency_s_p50",
    "tasks.start_latency_s_p99",
    "unplaced_task_seconds",
    "placement_failures",
    "tasks.failed_to_start",
    "cluster.cpu_reservation_mean",
    "cluster.memory_reservation_mean",
    "instances.peak",
    "scaling_actions",
    "cost_usd.ec2_idle",
    "batch.wait_s_p99",
    "batch.makespan_s",
];

pub(crate) fn read_sweep(dir: &Path) -> io::Result<SweepData> {
    let manifest: Option<serde_json::Value> = fs::read_to_string(dir.join("sweep.json"))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok());
    let name = manifest
        .as_ref()
        .and_then(|m| m.get("name"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .or_else(|| dir.file_name().and_then(|n| n.to_str()).map(str::to_string))
        .unwrap_or_else(|| "sweep".into());
    let mut variants: Vec<String> = Vec::new();
    let mut baselines = BTreeMap::new();
    if let Some(list) = manifest
        .as_ref()
        .and_then(|m| m.get("variants"))
        .and_then(|v| v.as_array())
    {
        for v in list {
            if let Some(n) = v.get("name").and_then(|n| n.as_str()) {
                variants.push(n.to_string());
                if let Some(b) = v.get("baseline").and_then(|b| b.as_str()) {
                    baselines.insert(n.to_string(), b.to_string());
                }
            }
        }
    }
    let Some(agg_csv) = Csv::open(&dir.join("aggregate.csv"))? else {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{} has no aggregate.csv: not a sweep folder", dir.display()),
        ));
    };
    let (iv, im, in_, imean, ilo, ihi) = (
        agg_csv.col("variant"),
        agg_csv.col("metric"),
        agg_csv.col("n"),
        agg_csv.col("mean"),
        agg_csv.col("ci95_low"),
        agg_csv.col("ci95_high"),
    );
    let mut agg = HashMap::new();
    let mut metrics = Vec::new();
    let mut seen_metrics = BTreeSet::new();
    let mut seen_variants: BTreeSet<String> = variants.iter().cloned().collect();
    agg_csv.each(|rec| {
        let v = cell(rec, iv).to_string();
        let m = cell(rec, im).to_string();
        if seen_variants.insert(v.clone()) {
            variants.push(v.clone());
        }
        if seen_metrics.insert(m.clone()) {
            metrics.push(m.clone());
        }
        agg.insert(
            (v, m),
            Agg {
                n: num(rec, in_),
                mean: num(rec, imean),
                lo: num(rec, ilo),
                hi: num(rec, ihi),
            },
        );
        true
    })?;
    let mut runs_header = Vec::new();
    let mut runs = Vec::new();
    if let Some(rc) = Csv::open(&dir.join("runs.csv"))? {
        runs_header = rc.header().to_vec();
        rc.each(|rec| {
            runs.push(rec.iter().map(str::to_string).collect());
            true
        })?;
    }
    Ok(SweepData {
        name,
        variants,
        baselines,
        metrics,
        agg,
        runs_header,
        runs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick number rule is the old one (`trim`, then `parse`, else NaN), cell by cell, and a
    /// [`Row`] gives what the record gives however often it is asked.
    #[test]
    fn number_cells_read_as_before() {
        let cells = [
            "1.5",
            " 1.5",
            "1.5 ",
            "\t2\n",
            "",
            " ",
            "abc",
            "1e3",
            "-0",
            "inf",
            "NaN",
            "\u{a0}7\u{a0}",
            "0.1x",
            "3,",
            "60",
        ];
        let rec = csv::StringRecord::from(cells.to_vec());
        let mut nums = Vec::new();
        let row = Row::new(&rec, &mut nums);
        for (i, c) in cells.iter().enumerate() {
            let old = c.trim().parse::<f64>().unwrap_or(f64::NAN);
            for v in [num(&rec, Some(i)), num(&row, Some(i)), num(&row, Some(i))] {
                assert_eq!(v.to_bits(), old.to_bits(), "cell {c:?}");
            }
        }
        assert!(num(&row, Some(cells.len())).is_nan());
        assert!(num(&row, None).is_nan());
        // A chunk of whole rows reads as the file's rows do.
        let mut got = Vec::new();
        each_row_of(b"1,a\n2,\"b,c\"\n", |r| {
            got.push((num(r, Some(0)), cell(r, Some(1)).to_string()))
        })
        .unwrap();
        assert_eq!(got, vec![(1.0, "a".to_string()), (2.0, "b,c".to_string())]);
    }
}
