//! Charts of a run folder (`summary.json`, `timeseries.csv`, `tasks.csv`, `events.csv`) and of a sweep
//! folder (`runs.csv`, `aggregate.csv`, `variants.csv`, `sweep.json`), drawn with plotters into
//! `DIR/charts/` as SVG and PNG (text in PNGs is drawn with the DejaVu Sans font embedded in the binary, so
//! no system font is needed). The charts are built from the files alone, so they can be drawn for any
//! folder, long after the run.
//!
//! Long series are downsampled for drawing (a series of more than `RAW_MAX` points is cut into `BUCKETS`
//! = 500 equal time buckets, each drawn as its mean with its minimum–maximum band), so a 30-day run draws
//! as fast and as small as a 2-hour one. Besides the
//! pictures, `charts/index.json` lists them in reading order with their section and title; the report
//! reads it.
//!
//! By stage: `read.rs` reads the folder back (`timeseries.csv` by column name); `run.rs` and
//! `sweep.rs` turn it into figures (`fleet.rs`: the fleet views past 20 services; `figure.rs`: downsampled
//! series, panes, legends); `draw.rs` draws a figure on any plotters backend (`heat.rs` heatmaps,
//! `axis.rs` tick positions, `png.rs` the PNG backend); `write.rs` draws the charts in parallel and writes
//! each whole as SVG and PNG, and `charts/index.json`; `style.rs` holds sizes, colours, the font and
//! number labels.
//!
//! Must not: run a simulation; make a chart depend on anything but the folder's files.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

mod axis;
mod draw;
mod figure;
mod fleet;
mod heat;
mod plan;
mod plan_draw;
mod png;
mod read;
mod run;
mod style;
mod sweep;
mod sweep_grid;
mod write;
mod written;

use axis::*;
use draw::*;
use figure::*;
use fleet::*;
use heat::*;
use png::Png;
use read::*;
use run::service_charts;
use style::*;
use write::*;
pub(crate) use written::SeriesCells;

pub use fleet::{Badness, FLEET_THRESHOLD, WORST_N, worst};
pub use plan::render_plan_charts;
pub(crate) use read::{
    AlsoReads, Cells, Csv, EventsPass, Header, Row, RunData, SWEEP_METRICS, SeriesPass, SweepData,
    cell, each_row_of, num, read_run_with, read_sweep, read_tasks, run_data,
};
pub use run::render_run_charts;
pub(crate) use run::render_run_data;
pub(crate) use style::{fmt_tick, fmt_value, metric_unit};
pub use sweep::render_sweep_charts;
pub(crate) use sweep_grid::{NOTE as SWEEP_GRID_NOTE, SECTION as SWEEP_GRID_SECTION};
pub(crate) use write::{INDEX, IndexEntry, read_index, write_atomic};

/// A chart could not be drawn. plotters' errors are generic over the drawing backend (SVG, our PNG
/// rasteriser), so the error keeps their text; callers turn it into an I/O error of the chart's file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DrawError(pub String);

type Res = Result<(), DrawError>;

trait Str<T> {
    fn s(self) -> Result<T, DrawError>;
}

impl<T, E: std::fmt::Display> Str<T> for Result<T, E> {
    fn s(self) -> Result<T, DrawError> {
        self.map_err(|e| DrawError(e.to_string()))
    }
}

fn other<E: std::fmt::Display>(e: E) -> io::Error {
    io::Error::other(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::run::nice_bin;
    use super::sweep::pareto;
    use super::*;

    #[test]
    fn downsampling_keeps_extremes_and_bounds_points() {
        let t: Vec<f64> = (0..43_200).map(|i| i as f64 * 60.0).collect();
        let mut y: Vec<f64> = t.iter().map(|x| (x / 3600.0).sin()).collect();
        y[20_000] = 50.0;
        y[30_000] = f64::NAN;
        let d = segments(&t, &y);
        assert_eq!(d.segs.len(), 2);
        assert_eq!(d.bands.len(), 2);
        let n: usize = d.segs.iter().map(Vec::len).sum();
        assert!(n <= BUCKETS + 2, "{n}");
        assert!(d.bands.iter().flatten().any(|b| b.2 == 50.0));
        assert!(d.segs.iter().all(|s| s.windows(2).all(|w| w[0].0 < w[1].0)));
        let short = segments(&t[..100], &y[..100]);
        assert_eq!(short.segs[0].len(), 100);
        assert!(short.bands.is_empty());
    }

    #[test]
    fn pareto_front_minimises_both() {
        let pts = [
            (10.0, 5.0),
            (20.0, 3.0),
            (15.0, 6.0),
            (30.0, 3.0),
            (5.0, 9.0),
        ];
        let mut f = pareto(&pts);
        f.sort();
        assert_eq!(f, vec![0, 1, 4]);
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_tick(0.30000000000000004), "0.3");
        assert_eq!(fmt_tick(25_000.0), "25k");
        assert_eq!(fmt_value(2.895749784604724), "2.896");
        assert_eq!(fmt_value(16634.724), "16635");
        assert_eq!(nice_bin(229.0, 40), 10.0);
        assert_eq!(file_safe("a b/c"), "a_b_c");
        assert_eq!(metric_unit("latency_ms.p99"), "ms");
        assert_eq!(metric_unit("tasks.start_latency_s_p50"), "s");
        assert_eq!(metric_unit("cost_usd.by_service.web"), "USD");
    }
}
