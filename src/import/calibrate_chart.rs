//! The chart `ecsim calibrate` writes (`calibrate.svg`): one pane per metric and service compared, the
//! observed series and the simulated one overlaid on the run's clock, the pane titled with its MAPE and
//! the verdict. The house style of `output::charts` (DejaVu Sans, Tableau colours, light grid), kept in its
//! own file so the run charts module does not grow.

use std::sync::Once;

use plotters::prelude::*;

use super::calibrate::Comparison;
use crate::output::charts::DrawError;

const FONT: &str = "sans-serif";
const WIDTH: u32 = 1000;
const TITLE_H: u32 = 40;
const PANE_H: u32 = 250;
const OBSERVED: RGBColor = RGBColor(31, 119, 180);
const SIMULATED: RGBColor = RGBColor(255, 127, 14);
const GRID: RGBColor = RGBColor(222, 222, 222);
const DARK: RGBColor = RGBColor(40, 40, 40);
const OUTSIDE: RGBColor = RGBColor(214, 39, 40);

fn init_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Fails only on a corrupt embedded font; text would then be missing, not a crash.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
    });
}

fn style(size: u32, c: RGBColor) -> TextStyle<'static> {
    (FONT, size).into_font().color(&c)
}

fn size(results: &[Comparison]) -> (u32, u32) {
    (WIDTH, TITLE_H + results.len().max(1) as u32 * PANE_H)
}

/// The chart as SVG text. With no comparison it is one line saying so.
pub fn svg(title: &str, results: &[Comparison], tolerance_pct: f64) -> Result<String, DrawError> {
    init_font();
    let mut out = String::new();
    draw(
        SVGBackend::with_string(&mut out, size(results)).into_drawing_area(),
        title,
        results,
        tolerance_pct,
    )?;
    Ok(out)
}

/// The same chart as a PNG at `path`, written whole through the crate's one atomic write
/// (`output::atomic`: an exclusively created temporary file with a random name, then a rename).
pub fn png(
    path: &std::path::Path,
    title: &str,
    results: &[Comparison],
    tolerance_pct: f64,
) -> Result<(), DrawError> {
    init_font();
    // The encoder opens the path itself: give it the exclusively created temporary file's.
    let (file, pending) =
        crate::output::atomic::create(path).map_err(|e| DrawError(e.to_string()))?;
    drop(file);
    draw(
        BitMapBackend::new(pending.temp_path(), size(results)).into_drawing_area(),
        title,
        results,
        tolerance_pct,
    )?;
    pending.commit().map_err(|e| DrawError(e.to_string()))
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    results: &[Comparison],
    tolerance_pct: f64,
) -> Result<(), DrawError> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| DrawError(e.to_string());
    root.fill(&WHITE).map_err(err)?;
    let (head, body) = root.split_vertically(TITLE_H);
    head.draw_text(
        &format!("{title}: observed (CloudWatch) and simulated"),
        &style(20, DARK),
        (12, 10),
    )
    .map_err(err)?;
    if results.is_empty() {
        body.draw_text(
            "no observed series matched a service of the scenario",
            &style(16, DARK),
            (12, 20),
        )
        .map_err(err)?;
    }
    for (c, area) in results
        .iter()
        .zip(body.split_evenly((results.len().max(1), 1)))
    {
        pane(&area, c, tolerance_pct)?;
    }
    root.present().map_err(err)
}

fn pane<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    c: &Comparison,
    tolerance_pct: f64,
) -> Result<(), DrawError> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| DrawError(e.to_string());
    let min = |ms: u64| ms as f64 / 60_000.0;
    let all = c.observed.iter().chain(&c.simulated);
    let x_end = all.clone().map(|p| min(p.0)).fold(1.0, f64::max);
    let y_max = all
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let y_top = if y_max > 0.0 { y_max * 1.12 } else { 1.0 };
    let within = c.passes(tolerance_pct);
    let verdict = match c.mape_pct {
        Some(m) if c.too_few() => format!(
            "MAPE {m:.1} % over {} of {} points: too few for a verdict",
            c.n,
            c.observed.len()
        ),
        Some(m) => format!(
            "MAPE {m:.1} % over {} points: {} the {tolerance_pct} % tolerance",
            c.n,
            if within { "within" } else { "OUTSIDE" }
        ),
        None => "no point compared".to_string(),
    };
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("{} of {}: {verdict}", c.metric, c.service),
            style(16, if within { DARK } else { OUTSIDE }),
        )
        .margin(8)
        .margin_right(18)
        .x_label_area_size(38)
        .y_label_area_size(62)
        .build_cartesian_2d(0f64..x_end, 0f64..y_top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("run time, minutes")
        .y_desc(c.unit())
        .label_style(style(13, DARK))
        .axis_desc_style(style(14, DARK))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(RGBColor(120, 120, 120))
        .draw()
        .map_err(err)?;
    let to_xy = |p: &(u64, f64)| (min(p.0), p.1);
    chart
        .draw_series(LineSeries::new(
            c.observed.iter().map(to_xy),
            OBSERVED.stroke_width(2),
        ))
        .map_err(err)?
        .label("observed")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], OBSERVED.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(
            c.simulated.iter().map(to_xy),
            SIMULATED.stroke_width(2),
        ))
        .map_err(err)?
        .label("simulated")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], SIMULATED.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(GRID)
        .label_font(style(13, DARK))
        .draw()
        .map_err(err)?;
    Ok(())
}
