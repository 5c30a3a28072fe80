//! The report's reading of a run done beside the simulation: `ecsim run` hands a [`RunTee`] to the CSV
//! writer's thread ([`crate::output::Tee`]), which gives it every byte of `events.csv` and every row of
//! `timeseries.csv` as it writes them; the tee reads them there, on the core the simulation leaves idle,
//! with the same readers as [`super::write_run_report`] uses on the files (so the same figures: the
//! rows are handed over as the numbers their text reads back as, [`SeriesCells`], not re-parsed), and
//! the report then reads neither file again (issue #20: `ecsim run` spent a third of its time
//! re-reading what it had just written).

use std::io;

use super::super::charts::{self, AlsoReads, EventsPass, Header, SeriesCells, SeriesPass};
use super::{EventReader, SeriesReads};
use crate::metrics::SeriesRow;
use crate::output::Tee;

/// One file's readers and whether its header has come.
struct Part<P, A> {
    pass: P,
    also: A,
    header: bool,
}

/// What the charts and the report read of a run's `timeseries.csv` and `events.csv`, as written.
pub struct RunTee {
    series: Part<SeriesPass, SeriesReads>,
    events: Part<EventsPass, Option<EventReader>>,
    /// The first bytes that did not read as CSV (a bug: the writer writes whole rows).
    error: Option<io::Error>,
    /// The numbers of the `timeseries.csv` row being read (reused).
    nums: Vec<f64>,
}

/// The readers of one file, in the order [`charts::read_run_with`] calls them.
trait Pass {
    fn header(&mut self, head: &Header);
    fn row(&mut self, row: &charts::Row);
}

impl Pass for SeriesPass {
    fn header(&mut self, head: &Header) {
        SeriesPass::header(self, head);
    }
    fn row(&mut self, row: &charts::Row) {
        SeriesPass::row(self, row);
    }
}

impl Pass for EventsPass {
    fn header(&mut self, head: &Header) {
        EventsPass::header(self, head);
    }
    fn row(&mut self, row: &charts::Row) {
        EventsPass::row(self, row);
    }
}

impl<P: Pass, A: AlsoReads> Part<P, A> {
    /// Whole rows of the file; the first bytes start with its header.
    fn bytes(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        if !self.header {
            self.header = true;
            let end = header_end(bytes);
            let mut reader = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(&bytes[..end]);
            let head = Header::of(reader.headers().map_err(io::Error::other)?);
            self.also.header(&head);
            self.pass.header(&head);
            bytes = &bytes[end..];
        }
        charts::each_row_of(bytes, |row| {
            self.also.row(row);
            self.pass.row(row);
        })
    }
}

/// Where the header line ends (after its newline): the writer's headers are plain names, unquoted.
fn header_end(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| i + 1)
}

impl RunTee {
    /// A tee for a run whose warm-up is `warm_up_s` (the summary's `warm_up_s`).
    pub fn new(warm_up_s: f64) -> RunTee {
        RunTee {
            series: Part {
                pass: SeriesPass::default(),
                also: SeriesReads {
                    warm_up_s,
                    reader: None,
                },
                header: false,
            },
            events: Part {
                pass: EventsPass::default(),
                also: None,
                header: false,
            },
            error: None,
            nums: Vec::new(),
        }
    }

    /// What was read: the charts' passes and the report's readers (as [`charts::read_run_with`] leaves
    /// them), or the first error.
    pub(super) fn finish(
        self,
    ) -> io::Result<(SeriesPass, EventsPass, SeriesReads, Option<EventReader>)> {
        if let Some(e) = self.error {
            return Err(e);
        }
        Ok((
            self.series.pass,
            self.events.pass,
            self.series.also,
            self.events.also,
        ))
    }
}

impl Tee for RunTee {
    fn series(&mut self, bytes: &[u8]) {
        if self.error.is_none()
            && let Err(e) = self.series.bytes(bytes)
        {
            self.error = Some(e);
        }
    }

    fn series_row(&mut self, row: &SeriesRow, name: &str, burst: bool, queue: bool) {
        if self.error.is_some() {
            return;
        }
        if !self.series.header {
            self.error = Some(io::Error::other(
                "a timeseries.csv row came before its header",
            ));
            return;
        }
        let cells = SeriesCells::new(row, name, burst, queue);
        let row = cells.as_row(&mut self.nums);
        self.series.also.row(&row);
        self.series.pass.row(&row);
    }

    fn events(&mut self, bytes: &[u8]) {
        if self.error.is_none()
            && let Err(e) = self.events.bytes(bytes)
        {
            self.error = Some(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use super::*;
    use crate::output::detail::{Applied, Plan};

    /// Every file of `dir` (recursively) with its bytes, by path relative to `dir`.
    fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p.strip_prefix(dir).unwrap().display().to_string();
                    out.push((rel, fs::read(&p).unwrap()));
                }
            }
        }
        out.sort();
        out
    }

    /// The quickstart scenario, written with a tee and its report made from it, against the same
    /// files' report made by reading them back: byte for byte the same page and charts, at full
    /// detail and as a fleet (its three services folded on the writer's thread).
    #[test]
    fn a_report_from_the_tee_is_the_report_from_the_files() {
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut spec = crate::scenario::load(&base.join("quickstart.toml")).unwrap();
        spec.output.small_services = 0;
        for plan in [Plan::full(), Plan::of(&spec)] {
            let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
            let tee = RunTee::new(spec.warm_up_ms as f64 / 1000.0);
            let (_, tee) =
                crate::output::write_run_tee(a.path(), plan, Some(Box::new(tee)), |sink| {
                    crate::sim::simulate(&spec, sink)
                })
                .unwrap();
            for f in [
                "summary.json",
                "timeseries.csv",
                "tasks.csv",
                "events.csv",
                "scaling.csv",
            ] {
                if a.path().join(f).exists() {
                    fs::copy(a.path().join(f), b.path().join(f)).unwrap();
                }
            }
            super::super::write_run_report_teed(a.path(), tee.unwrap()).unwrap();
            super::super::write_run_report(b.path()).unwrap();
            let (fa, fb) = (files(a.path()), files(b.path()));
            assert!(fa.iter().any(|(n, _)| n == "report.html"));
            assert!(
                fa.len() > 6,
                "charts drawn: {:?}",
                fa.iter().map(|f| &f.0).collect::<Vec<_>>()
            );
            assert_eq!(
                fa.iter().map(|f| &f.0).collect::<Vec<_>>(),
                fb.iter().map(|f| &f.0).collect::<Vec<_>>()
            );
            for ((name, x), (_, y)) in fa.iter().zip(&fb) {
                assert!(x == y, "{name} differs ({:?})", plan.applied);
            }
            let fleet = plan.applied == Applied::Fleet;
            let ts = fs::read_to_string(a.path().join("timeseries.csv")).unwrap();
            assert_eq!(ts.contains(",fleet,p90,"), fleet);
        }
    }
}
