//! Charts of a run folder (`summary.json`, `timeseries.csv`, `tasks.csv`, `events.csv`) and of a sweep
//! folder (`runs.csv`, `aggregate.csv`, `variants.csv`, `sweep.json`), drawn with plotters into
//! `DIR/charts/` as SVG and PNG (text in PNGs is drawn with the DejaVu Sans font embedded in the binary, so
//! no system font is needed). The charts are built from the files alone, so they can be drawn for any
//! folder, long after the run.
//!
//! Long series are downsampled for drawing (the minimum and the maximum of each of at most 1,000 time
//! buckets, in time order), so a 30-day run draws as fast and as small as a 2-hour one. Besides the
//! pictures, `charts/index.json` lists them in reading order with their section and title; the report
//! reads it.
//!
//! By stage: `read.rs` reads the folder back (`timeseries.csv` by column name); `run.rs` and
//! `sweep.rs` turn it into figures (`figure.rs`: downsampled series, panes, legends); `draw.rs` draws a
//! figure on any plotters backend (`png.rs` is the PNG one); `write.rs` writes each chart whole as SVG
//! and PNG, and `charts/index.json`; `style.rs` holds sizes, colours, the font and number labels.
//!
//! Must not: run a simulation; make a chart depend on anything but the folder's files.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

mod draw;
mod figure;
mod plan;
mod plan_draw;
mod png;
mod read;
mod run;
mod style;
mod sweep;
mod write;

use draw::*;
use figure::*;
use png::Png;
use read::*;
use style::*;
use write::*;

pub use plan::render_plan_charts;
pub(crate) use read::{Csv, SWEEP_METRICS, SweepData, cell, num, read_sweep};
pub use run::{MAX_SERVICE_CHARTS, render_run_charts};
pub(crate) use style::{fmt_tick, fmt_value, metric_unit};
pub use sweep::render_sweep_charts;
pub(crate) use write::{INDEX, IndexEntry, read_index, write_atomic};

type Res = Result<(), String>;

trait Str<T> {
    fn s(self) -> Result<T, String>;
}

impl<T, E: std::fmt::Display> Str<T> for Result<T, E> {
    fn s(self) -> Result<T, String> {
        self.map_err(|e| e.to_string())
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
