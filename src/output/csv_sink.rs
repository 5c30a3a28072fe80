//! The CSV sink: records leave the simulation thread in batches and a writer thread formats and writes
//! them ([`super::csv_rows`]), so on two cores formatting a fleet's million rows overlaps the simulation
//! instead of adding to it (issue #20: the full sink within 2× the simulation alone). Event records
//! are rendered there too, with a copy of the spec that names their ids (sent once, before the first
//! event): a fleet's event sentences cost the simulation thread nothing but a record's copy.
//!
//! Must not: reorder rows within a file (one writer thread, one channel, batches in order); leave a
//! partly written file in place on error (the caller's temporary files are removed, see [`super::atomic`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

use super::csv_rows;
use super::detail::{FLEET_ROWS, Fold, RowName};
use crate::metrics::{EventRecord, SeriesRow, ServiceRow, Sink, TaskRecord};
use crate::spec::Spec;

/// Rows per batch: big enough that the channel costs nothing per row, small enough to overlap.
const BATCH_ROWS: usize = 2048;
/// Batches in flight: bounds what waits in memory when the writer falls behind.
const IN_FLIGHT: usize = 8;
/// Event records per batch.
const EVENT_ROWS: usize = 512;

/// The three files, in the writer thread's order.
#[derive(Clone, Copy)]
enum FileIx {
    Tasks = 0,
    Events = 1,
    Series = 2,
}

/// Time-series rows by the index of their name ([`CsvSink::name_ix`]): a batch allocates nothing per
/// service row, and its buffer comes back to be reused.
type SeriesBatch = Vec<(u32, Entry)>;

/// A time-series row in a batch: a service's as the simulation gave it (compact: a fleet has a
/// million, widened on the writer's thread), or another scope's with its figures
/// ([`SeriesRow::figures`]; a few per period).
enum Entry {
    Service(ServiceRow),
    Row(Box<SeriesRow>),
}

enum Msg {
    /// Bytes as they are (headers, event rows).
    Bytes(FileIx, Vec<u8>),
    /// The next scope name of `timeseries.csv` (sent before the first batch that uses it).
    Name(String),
    /// Time-series rows, with the run's extra columns (burst, queue).
    Series(SeriesBatch, bool, bool),
    Tasks(Vec<TaskRecord>),
    /// The spec that names the ids of the event records that follow.
    Spec(Arc<Spec>),
    /// Event records, rendered by the writer with the last spec sent.
    Events(Vec<EventRecord>),
}

/// Writes `tasks.csv`, `events.csv` and `timeseries.csv` as records arrive.
pub struct CsvSink {
    tx: Option<SyncSender<Msg>>,
    writer: Option<JoinHandle<Written>>,
    series: SeriesBatch,
    /// Emptied batches the writer hands back.
    recycled: Receiver<SeriesBatch>,
    /// Scope names sent to the writer, by index, and where the next row's name probably is (rows
    /// come in the same order every period).
    names: HashMap<String, u32>,
    by_ix: Vec<String>,
    /// Name indexes in the order rows first came, each index's place in it, and the next place.
    order: Vec<u32>,
    at: Vec<usize>,
    cursor: usize,
    tasks: Vec<TaskRecord>,
    events: Vec<EventRecord>,
    /// The address of the spec last sent to the writer (one per run; checked so that another could
    /// not be rendered with the wrong names).
    spec_sent: Option<usize>,
    /// `timeseries.csv`'s header is written before its first row (or at the end), once the run has said
    /// whether it has burstable instances or queues.
    series_header_written: bool,
    burst: bool,
    queue: bool,
    /// Which of the three files a detail level writes ([`FileIx`] order); the others get no rows.
    on: [bool; 3],
}

/// Sees `timeseries.csv` and `events.csv` as the writer's thread writes them (the bytes of whole rows,
/// the header first; `timeseries.csv`'s rows as the rows themselves, not to parse them back), so that
/// what reads the run back (the report and its charts) can do it beside the simulation instead of
/// parsing the files again after it.
pub trait Tee: Send + std::any::Any {
    /// The next bytes of `timeseries.csv` (its header).
    fn series(&mut self, bytes: &[u8]);
    /// The next row of `timeseries.csv`, as [`csv_rows::series`] writes it.
    fn series_row(&mut self, row: &SeriesRow, name: &str, burst: bool, queue: bool);
    /// The next bytes of `events.csv`.
    fn events(&mut self, bytes: &[u8]);
}

/// What the writer's thread ends with: the first write error, else the tee.
pub type Written = io::Result<Option<Box<dyn Tee>>>;

/// Hand `bytes` written to file `ix` to the tee.
fn tee_bytes(tee: &mut Option<Box<dyn Tee>>, ix: FileIx, bytes: &[u8]) {
    match (tee, ix) {
        (Some(t), FileIx::Series) => t.series(bytes),
        (Some(t), FileIx::Events) => t.events(bytes),
        _ => {}
    }
}

/// The writer thread: formats each batch and writes it to its file; stops at the first error (the
/// sink then sees the channel closed and reports the error when it finishes).
fn write_loop(
    mut files: [Option<File>; 3],
    rx: Receiver<Msg>,
    back: Sender<SeriesBatch>,
    mut fold: Option<Fold>,
    mut tee: Option<Box<dyn Tee>>,
) -> Written {
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    // The scope names by index, each with its cell as written.
    let mut names: Vec<(String, Vec<u8>)> = Vec::new();
    let fleet_names = FLEET_ROWS.map(|n| (n.to_string(), cell(n)));
    let mut extra = (false, false);
    let mut spec: Option<Arc<Spec>> = None;
    let mut scratch = String::new();
    for msg in rx {
        buf.clear();
        let ix = match msg {
            Msg::Bytes(ix, bytes) => {
                if let Some(f) = &mut files[ix as usize] {
                    f.write_all(&bytes)?;
                }
                tee_bytes(&mut tee, ix, &bytes);
                continue;
            }
            Msg::Name(n) => {
                let c = cell(&n);
                names.push((n, c));
                continue;
            }
            Msg::Series(mut rows, burst, queue) => {
                extra = (burst, queue);
                match &mut fold {
                    None => {
                        for (n, e) in &rows {
                            let r = &*wide(e);
                            let (name, c) = &names[*n as usize];
                            csv_rows::series_cell(&mut buf, r, c, burst, queue);
                            if let Some(t) = &mut tee {
                                t.series_row(r, name, burst, queue);
                            }
                        }
                    }
                    Some(fold) => {
                        let mut out = |n: RowName, r: &SeriesRow| {
                            let (name, c) = row_name(&names, &fleet_names, n);
                            csv_rows::series_cell(&mut buf, r, c, burst, queue);
                            if let Some(t) = &mut tee {
                                t.series_row(r, name, burst, queue);
                            }
                        };
                        for (n, e) in &rows {
                            fold.row(*n, &wide(e), &mut out);
                        }
                    }
                }
                rows.clear();
                let _ = back.send(rows); // the sink may have finished: then nobody reuses it
                if let Some(f) = &mut files[FileIx::Series as usize] {
                    f.write_all(&buf)?;
                }
                continue; // the tee has had the rows
            }
            Msg::Tasks(rows) => {
                for r in &rows {
                    csv_rows::task(&mut buf, r);
                }
                FileIx::Tasks
            }
            Msg::Spec(s) => {
                spec = Some(s);
                continue;
            }
            Msg::Events(recs) => {
                // The sink sends the spec before the first event record.
                let Some(spec) = spec.as_deref() else {
                    return Err(io::Error::other("event records came before their spec"));
                };
                for e in &recs {
                    csv_rows::event(&mut buf, e, spec, &mut scratch);
                }
                FileIx::Events
            }
        };
        if let Some(f) = &mut files[ix as usize] {
            f.write_all(&buf)?;
        }
        tee_bytes(&mut tee, ix, &buf);
    }
    if let Some(fold) = &mut fold {
        // What the fold still holds (the last tick's fleet rows, the last interval's service rows).
        buf.clear();
        let (burst, queue) = extra;
        fold.finish(&mut |n, r| {
            let (name, c) = row_name(&names, &fleet_names, n);
            csv_rows::series_cell(&mut buf, r, c, burst, queue);
            if let Some(t) = &mut tee {
                t.series_row(r, name, burst, queue);
            }
        });
        if let Some(f) = &mut files[FileIx::Series as usize] {
            f.write_all(&buf)?;
        }
    }
    for f in files.iter_mut().flatten() {
        f.flush()?;
    }
    Ok(tee)
}

/// The scope name of a row the fold emits, with its cell.
fn row_name<'a>(
    names: &'a [(String, Vec<u8>)],
    fleet: &'a [(String, Vec<u8>)],
    n: RowName,
) -> (&'a str, &'a [u8]) {
    let (name, c) = match n {
        RowName::Ix(i) => &names[i as usize],
        RowName::Fleet(k) => &fleet[k],
    };
    (name, c)
}

/// A batch entry as the row it stands for.
fn wide(e: &Entry) -> Cow<'_, SeriesRow> {
    match e {
        Entry::Service(s) => Cow::Owned(s.to_series()),
        Entry::Row(r) => Cow::Borrowed(r),
    }
}

/// A name's cell as [`csv_rows::text`] writes it.
fn cell(name: &str) -> Vec<u8> {
    let mut c = Vec::new();
    csv_rows::text(&mut c, name);
    c
}

impl CsvSink {
    /// Start the writer thread on the three (temporary) files, with the tasks' and events' headers; a
    /// file a detail level leaves out is `None` and gets nothing. With a `fold` (a fleet), the writer
    /// folds the time-series rows before writing them; a `tee` sees what is written (returned by
    /// [`Self::finish`]).
    pub fn start(
        tasks: Option<File>,
        events: Option<File>,
        series: Option<File>,
        fold: Option<Fold>,
        tee: Option<Box<dyn Tee>>,
    ) -> io::Result<CsvSink> {
        let on = [tasks.is_some(), events.is_some(), series.is_some()];
        let (tx, rx) = sync_channel(IN_FLIGHT);
        let (back, recycled) = channel();
        let writer = std::thread::Builder::new()
            .name("ecsim-csv".into())
            .spawn(move || write_loop([tasks, events, series], rx, back, fold, tee))?;
        let mut sink = CsvSink {
            tx: Some(tx),
            writer: Some(writer),
            series: Vec::with_capacity(BATCH_ROWS),
            recycled,
            names: HashMap::new(),
            by_ix: Vec::new(),
            order: Vec::new(),
            at: Vec::new(),
            cursor: 0,
            tasks: Vec::new(),
            events: Vec::new(),
            spec_sent: None,
            series_header_written: false,
            burst: false,
            queue: false,
            on,
        };
        if on[FileIx::Tasks as usize] {
            sink.send(Msg::Bytes(FileIx::Tasks, header(super::TASKS_HEADER)));
        }
        if on[FileIx::Events as usize] {
            sink.send(Msg::Bytes(FileIx::Events, header(super::EVENTS_HEADER)));
        }
        Ok(sink)
    }

    /// Hand a batch to the writer; once it has stopped (an error), nothing more is sent.
    fn send(&mut self, msg: Msg) {
        if let Some(tx) = &self.tx
            && tx.send(msg).is_err()
        {
            self.tx = None;
        }
    }

    /// `timeseries.csv`'s header, the first time (asked at every row: the check is inlined, the
    /// header's writing is not).
    #[inline]
    fn write_series_header(&mut self) {
        if !self.series_header_written {
            self.series_header(); // written once, so out of line
        }
    }

    #[inline(never)]
    fn series_header(&mut self) {
        if !self.on[FileIx::Series as usize] {
            return;
        }
        self.series_header_written = true;
        let mut cols = super::SERIES_HEADER.to_string();
        for (on, extra) in [
            (self.burst, super::SERIES_BURST_COLUMNS),
            (self.queue, super::SERIES_QUEUE_COLUMNS),
        ] {
            if on {
                cols.push(',');
                cols.push_str(extra);
            }
        }
        self.send(Msg::Bytes(FileIx::Series, header(&cols)));
    }

    /// The index of a scope name, sending it to the writer the first time. Rows come in the same
    /// order every period, so the next row's name is usually the one after the last one's in that
    /// order: one comparison, no hashing.
    fn name_ix(&mut self, name: &str) -> u32 {
        if let Some(&ix) = self.order.get(self.cursor)
            && self.by_ix[ix as usize] == name
        {
            self.cursor += 1;
            return ix;
        }
        let ix = match self.names.get(name) {
            Some(&ix) => ix,
            None => {
                let ix = self.by_ix.len() as u32;
                self.names.insert(name.to_string(), ix);
                self.by_ix.push(name.to_string());
                self.at.push(usize::MAX);
                self.send(Msg::Name(name.to_string()));
                ix
            }
        };
        // Seen in the order before: continue after it; else it joins the order's end.
        let at = &mut self.at[ix as usize];
        if *at == usize::MAX {
            *at = self.order.len();
            self.order.push(ix);
        }
        self.cursor = *at + 1;
        ix
    }

    fn send_series(&mut self) {
        let fresh = self
            .recycled
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH_ROWS));
        let rows = std::mem::replace(&mut self.series, fresh);
        self.send(Msg::Series(rows, self.burst, self.queue));
    }

    fn flush_batches(&mut self) {
        if !self.series.is_empty() {
            self.send_series();
        }
        if !self.tasks.is_empty() {
            let rows = std::mem::take(&mut self.tasks);
            self.send(Msg::Tasks(rows));
        }
        if !self.events.is_empty() {
            let recs = std::mem::take(&mut self.events);
            self.send(Msg::Events(recs));
        }
    }

    /// Everything written and flushed: the first write error, if any, else the tee.
    pub fn finish(mut self) -> Written {
        self.write_series_header();
        self.flush_batches();
        self.tx = None; // the writer's loop ends when the channel closes
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(io::Error::other("the CSV writer thread panicked")),
            None => Ok(None),
        }
    }
}

/// A header line (its names need no quoting).
fn header(cols: &str) -> Vec<u8> {
    let mut b = cols.as_bytes().to_vec();
    b.push(b'\n');
    b
}

impl Sink for CsvSink {
    fn wants_tasks(&self) -> bool {
        self.on[FileIx::Tasks as usize]
    }

    fn wants_events(&self) -> bool {
        self.on[FileIx::Events as usize]
    }

    fn wants_series(&self) -> bool {
        self.on[FileIx::Series as usize]
    }

    fn task(&mut self, r: TaskRecord) {
        if !self.wants_tasks() {
            return;
        }
        self.tasks.push(r);
        if self.tasks.len() >= BATCH_ROWS {
            let rows = std::mem::take(&mut self.tasks);
            self.send(Msg::Tasks(rows));
        }
    }

    fn event(&mut self, e: EventRecord, spec: &Spec) {
        if !self.wants_events() {
            return;
        }
        let at = spec as *const Spec as usize;
        if self.spec_sent != Some(at) {
            // Records already batched were made with the spec sent before.
            if !self.events.is_empty() {
                let recs = std::mem::take(&mut self.events);
                self.send(Msg::Events(recs));
            }
            self.spec_sent = Some(at);
            self.send(Msg::Spec(Arc::new(spec.clone())));
        }
        self.events.push(e);
        if self.events.len() >= EVENT_ROWS {
            let recs = std::mem::replace(&mut self.events, Vec::with_capacity(EVENT_ROWS));
            self.send(Msg::Events(recs));
        }
    }

    fn burst_columns(&mut self) {
        self.burst = true;
    }

    fn queue_columns(&mut self) {
        debug_assert!(
            !self.series_header_written,
            "queue columns are told before the first row"
        );
        self.queue = true;
    }

    fn series(&mut self, r: &SeriesRow) {
        if !self.wants_series() {
            return;
        }
        self.write_series_header();
        let ix = self.name_ix(&r.name);
        self.series.push((ix, Entry::Row(Box::new(r.figures()))));
        if self.series.len() >= BATCH_ROWS {
            self.send_series();
        }
    }

    fn service_row(&mut self, r: &ServiceRow, name: &str) {
        if !self.wants_series() {
            return;
        }
        self.write_series_header();
        let ix = self.name_ix(name);
        self.series.push((ix, Entry::Service(*r)));
        if self.series.len() >= BATCH_ROWS {
            self.send_series();
        }
    }
}
