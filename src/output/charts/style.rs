//! How charts look: sizes, colours, the embedded font, number and duration labels.

use super::*;
use plotters::chart::MeshStyle;
use plotters::coord::types::RangedCoordf64;

/// The font family every chart uses (registered from the embedded DejaVu Sans).
pub(super) const FONT: &str = "sans-serif";
/// Width of every chart, pixels.
pub(super) const WIDTH: u32 = 1000;
/// Height of one pane of a time chart, pixels.
pub(super) const PANE_H: u32 = 290;
/// Height of the title band, pixels.
pub(super) const TITLE_H: u32 = 34;
/// Width of the legend column at the right of a chart, pixels.
pub(super) const LEGEND_W: u32 = 230;
/// Series of at most this many points are drawn point by point.
pub(super) const RAW_MAX: usize = 1200;
/// Longer series are drawn as this many buckets (mean line, min–max band).
pub(super) const BUCKETS: usize = 500;
/// Placement timelines are drawn for clusters of at most this many instances.
pub(super) const TIMELINE_MAX_INSTANCES: usize = 50;
/// A placement timeline with more bars than this (after merging) is not drawn.
pub(super) const TIMELINE_MAX_BARS: usize = 20_000;

/// Colours, in order of use (Tableau 10).
pub(super) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
pub(super) const GRID: RGBColor = RGBColor(222, 222, 222);
pub(super) const DARK: RGBColor = RGBColor(40, 40, 40);

pub(super) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

pub(super) fn init_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Fails only on a corrupt font file; text would then be missing from PNGs, not a crash.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
    });
}

// ---------------------------------------------------------------------------------------------------------
// Number formatting
// ---------------------------------------------------------------------------------------------------------

pub(crate) use crate::numfmt::{fmt_tick, fmt_value};

/// The unit of a summary figure, from its name.
pub(crate) fn metric_unit(metric: &str) -> &'static str {
    let last = metric.rsplit('.').next().unwrap_or(metric);
    if metric.starts_with("cost_usd") {
        "USD"
    } else if metric.starts_with("latency_ms") || last.ends_with("_ms") {
        "ms"
    } else if last.ends_with("_s") || last.contains("_s_") || last == "makespan_s" {
        "s"
    } else if metric.contains("reservation") {
        "%"
    } else if last.contains("minutes") {
        "min"
    } else if last.contains("seconds") {
        "s"
    } else {
        ""
    }
}

/// A duration in words: `45 s`, `9 min`, `1.4 h`.
pub(super) fn fmt_dur(s: f64) -> String {
    if s < 120.0 {
        format!("{} s", fmt_value(s.round()))
    } else if s < 7200.0 {
        format!("{} min", fmt_value((s / 60.0).round()))
    } else {
        format!("{} h", fmt_value((s / 360.0).round() / 10.0))
    }
}

/// `s` cut into lines of at most `width` characters, after commas where it can.
pub(super) fn wrap_at_commas(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for part in s.split_inclusive([',', ' ']) {
        if !cur.is_empty() && cur.chars().count() + part.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        cur.push_str(part);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

pub(super) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Shading of the warm-up (left out of the summary) and of a service's bad SLO periods: drawn with
/// alpha over the plot; the legend's box shows the blend on white.
pub(super) const WARM_UP_SHADE: Shade = (RGBColor(120, 120, 120), 0.16);
pub(super) const SLO_BAD_SHADE: Shade = (RGBColor(215, 25, 28), 0.16);

/// A colour and the alpha it is drawn with.
pub(super) type Shade = (RGBColor, f64);
/// Time spans (s) shaded on a pane, with their legend label.
pub(super) type Shaded = (String, Shade, Vec<(f64, f64)>);

/// A shade's colour over white, for its legend box.
pub(super) fn on_white((c, a): Shade) -> RGBColor {
    let m = |x: u8| (255.0 - (255.0 - x as f64) * a).round() as u8;
    RGBColor(m(c.0), m(c.1), m(c.2))
}

pub(super) fn lane_px(lanes: usize) -> u32 {
    match lanes {
        0..=8 => 30,
        9..=20 => 22,
        _ => 16,
    }
}

pub(super) fn text_style(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&DARK)
}

/// The house look of every chart's mesh: label sizes, no minor grid, a light major grid, grey axes.
pub(super) fn house_mesh<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    mesh.label_style(text_style(14))
        .axis_desc_style(text_style(15))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(RGBColor(120, 120, 120))
}

/// The mesh of a chart of labelled lanes (timelines, heat maps, seed rows): the lanes' names are drawn
/// by hand, so the y axis has no labels, ticks or grid of its own.
pub(super) fn lane_mesh<'m, 'a, 'b, X: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, RangedCoordf64, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, RangedCoordf64, DB> {
    house_mesh(mesh)
        .y_labels(2)
        .set_tick_mark_size(LabelAreaPosition::Left, 0)
        .y_label_formatter(&no_label)
        .disable_y_mesh()
}

fn no_label(_: &f64) -> String {
    String::new()
}
