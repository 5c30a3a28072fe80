//! Drawing a plan's charts (`plan.rs` builds them): the cost-against-attainment scatter and the heat map.

use super::plan::{Cell, HeatFig, MISS_FLOOR, PlanCostFig, nines};
use super::*;
use crate::plan::Status;

const FEASIBLE: RGBColor = PALETTE[2];
const INFEASIBLE: RGBColor = PALETTE[3];
const PRUNED: RGBColor = RGBColor(165, 165, 165);
const FRONT: RGBColor = PALETTE[0];
const RUNNER_UP: RGBColor = PALETTE[4];
const OBJECTIVE: RGBColor = RGBColor(90, 90, 90);
/// A heat-map cell with no feasible candidate, and one with only pruned candidates.
const NONE_FEASIBLE: RGBColor = RGBColor(205, 205, 205);
const PRUNED_CELL: RGBColor = RGBColor(238, 238, 238);

fn status_color(s: Status) -> RGBColor {
    match s {
        Status::Feasible => FEASIBLE,
        Status::Infeasible => INFEASIBLE,
        Status::Pruned | Status::Skipped => PRUNED,
    }
}

/// An attainment tick: the percentage a point of the nines scale stands for.
fn nines_label(v: f64) -> String {
    if v >= nines(1.0) - 1e-9 {
        "100%".into()
    } else {
        format!("{}%", fmt_value(100.0 * (1.0 - 10f64.powf(-v))))
    }
}

pub(super) fn draw_plan_cost<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    f: &PlanCostFig,
) -> Res {
    let (w, _) = body.dim_in_pixel();
    let (plot, legend_area) = body.split_horizontally(w - LEGEND_W - 30);
    let (mut xlo, mut xhi) = (f.objective.0, f.objective.0);
    let (mut ylo, mut yhi) = (f64::INFINITY, f64::NEG_INFINITY);
    for p in &f.points {
        xlo = xlo.min(p.x_ci.0.min(p.x));
        xhi = xhi.max(p.x_ci.1.max(p.x));
        ylo = ylo.min(p.y);
        yhi = yhi.max(p.y);
    }
    if let Some(b) = f.budget {
        ylo = ylo.min(b);
        yhi = yhi.max(b);
    }
    let (xlo, xhi) = ((xlo - 0.1).max(0.0), xhi + 0.15);
    let log = ylo > 0.0 && yhi / ylo > 10.0;
    let ty = move |v: f64| if log { v.max(1e-9).log10() } else { v };
    let (ylo, yhi) = if log {
        (ylo.log10().floor(), yhi.log10().ceil())
    } else if ylo.is_finite() {
        let (a, b) = padded(ylo, yhi);
        (a.max(0.0), b)
    } else {
        (0.0, 1.0)
    };
    let mut chart = ChartBuilder::on(&plot)
        .margin_top(10)
        .margin_right(18)
        .margin_left(6)
        .x_label_area_size(42)
        .y_label_area_size(76)
        .build_cartesian_2d(xlo..xhi, ylo..yhi)
        .s()?;
    let x_fmt = |v: &f64| nines_label(*v);
    let y_fmt = move |v: &f64| {
        if log {
            fmt_tick(10f64.powf(*v))
        } else {
            fmt_tick(*v)
        }
    };
    house_mesh(
        chart
            .configure_mesh()
            .x_desc("SLO attainment (share of periods meeting the SLO; nines scale)")
            .y_desc("cost per 730-h month (USD)")
            .x_labels(8)
            .y_labels(if log { (yhi - ylo) as usize + 1 } else { 8 })
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt),
    )
    .draw()
    .s()?;
    let obj = f.objective.0;
    chart
        .draw_series(DashedLineSeries::new(
            vec![(obj, ylo), (obj, yhi)],
            9,
            5,
            OBJECTIVE.stroke_width(2),
        ))
        .s()?;
    if let Some(b) = f.budget {
        chart
            .draw_series(DashedLineSeries::new(
                vec![(xlo, ty(b)), (xhi, ty(b))],
                4,
                4,
                PALETTE[1].stroke_width(2),
            ))
            .s()?;
    }
    // pruned first, then infeasible, then feasible: the candidates that count are drawn on top
    let mut order: Vec<usize> = (0..f.points.len()).collect();
    order.sort_by_key(|&i| match f.points[i].status {
        Status::Feasible => 3,
        Status::Infeasible => 2,
        Status::Pruned | Status::Skipped => 1,
    });
    for &i in &order {
        let p = &f.points[i];
        let c = status_color(p.status).mix(0.75);
        let at = (p.x, ty(p.y));
        if p.fargate {
            chart
                .draw_series(std::iter::once(TriangleMarker::new(at, 5, c.filled())))
                .s()?;
        } else {
            chart
                .draw_series(std::iter::once(Circle::new(at, 4, c.filled())))
                .s()?;
        }
    }
    let mut front: Vec<(f64, f64)> = f
        .points
        .iter()
        .filter(|p| p.front)
        .map(|p| (p.x, ty(p.y)))
        .collect();
    front.sort_by(|a, b| a.0.total_cmp(&b.0));
    chart
        .draw_series(LineSeries::new(front, FRONT.mix(0.8).stroke_width(2)))
        .s()?;
    for p in f.points.iter().filter(|p| p.front) {
        chart
            .draw_series(std::iter::once(ErrorBar::new_horizontal(
                ty(p.y),
                p.x_ci.0,
                p.x,
                p.x_ci.1,
                FRONT.mix(0.7).stroke_width(1),
                7,
            )))
            .s()?;
    }
    // the recommendation's label above its ring, the runner-up's below, so that close points stay legible
    for (mark, color, dy) in [(&f.recommended, DARK, -32), (&f.runner_up, RUNNER_UP, 16)] {
        let Some((i, label)) = mark else { continue };
        let p = &f.points[*i];
        let style = text_style(14).color(&color);
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((p.x, ty(p.y)))
                    + Circle::new((0, 0), 11, color.stroke_width(3))
                    + Text::new(label.clone(), (14, dy), style),
            ))
            .s()?;
    }
    let mut entries = vec![
        entry(Mark::Dot(FEASIBLE), "feasible"),
        entry(Mark::Dot(INFEASIBLE), "infeasible"),
        entry(Mark::Dot(PRUNED), "pruned (partial runs)"),
        entry(Mark::Dot(DARK), "EC2"),
        entry(Mark::Triangle(DARK), "Fargate"),
        entry(Mark::Line(FRONT.mix(0.8), 2), "Pareto front, with the"),
        entry(Mark::None, "95% interval of attainment"),
        entry(Mark::Dash(OBJECTIVE), f.objective.1.clone()),
    ];
    if let Some(b) = f.budget {
        entries.push(entry(
            Mark::Dash(PALETTE[1]),
            format!("budget ${}/month", fmt_value(b)),
        ));
    }
    for (mark, color) in [(&f.recommended, DARK), (&f.runner_up, RUNNER_UP)] {
        if let Some((_, label)) = mark {
            entries.push(entry(Mark::Ring(color), label.clone()));
        }
    }
    entries.push(entry(Mark::None, "attainment: nines scale"));
    entries.push(entry(Mark::None, "(90%, 99%, 99.9%, …);"));
    entries.push(entry(
        Mark::None,
        format!("100%: misses < {}%", fmt_value(MISS_FLOOR * 100.0)),
    ));
    if log {
        entries.push(entry(Mark::None, "(cost on a log scale)"));
    }
    draw_legend(&legend_area, &entries, 6)
}

/// A colour of the viridis scale, `t` from 0 (yellow: cheapest) to 1 (purple: dearest).
fn scale(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (253.0, 231.0, 37.0),
        (94.0, 201.0, 98.0),
        (33.0, 145.0, 140.0),
        (59.0, 82.0, 139.0),
        (68.0, 1.0, 84.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    } * 4.0;
    let i = (t.floor() as usize).min(3);
    let u = t - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let m = |x: f64, y: f64| (x + (y - x) * u).round() as u8;
    RGBColor(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

pub(super) fn draw_heat<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    body: &DrawingArea<DB, Shift>,
    f: &HeatFig,
) -> Res {
    let (w, _) = body.dim_in_pixel();
    let (plot, legend_area) = body.split_horizontally(w - LEGEND_W);
    let (nx, ny) = (f.x_levels.len().max(1), f.y_levels.len().max(1));
    let label_w = (f
        .y_levels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(4) as u32
        * 8
        + 20)
        .clamp(60, 220);
    let mut chart = ChartBuilder::on(&plot)
        .margin_top(6)
        .margin_right(14)
        .margin_left(6)
        .x_label_area_size(48)
        .y_label_area_size(label_w)
        .build_cartesian_2d(0f64..nx as f64, 0f64..ny as f64)
        .s()?;
    let empty = |_: &f64| String::new();
    chart
        .configure_mesh()
        .x_desc(f.x_desc.as_str())
        .y_desc(f.y_desc.as_str())
        .x_labels(2)
        .y_labels(2)
        .set_all_tick_mark_size(0)
        .x_label_formatter(&empty)
        .y_label_formatter(&empty)
        .disable_mesh()
        .axis_desc_style(text_style(15))
        .axis_style(RGBColor(120, 120, 120))
        .draw()
        .s()?;
    let costs: Vec<f64> = f
        .cells
        .iter()
        .flatten()
        .filter_map(|c| match c {
            Cell::Feasible(m, _) if *m > 0.0 => Some(m.ln()),
            _ => None,
        })
        .collect();
    let lo = costs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = costs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let t_of = |m: f64| {
        if hi > lo {
            (m.max(1e-12).ln() - lo) / (hi - lo)
        } else {
            0.0
        }
    };
    let show_text = nx <= 16 && ny <= 24;
    let center = text_style(13).pos(Pos::new(HPos::Center, VPos::Center));
    for (j, row) in f.cells.iter().enumerate() {
        let y = (ny - 1 - j) as f64;
        for (i, cell) in row.iter().enumerate() {
            let x = i as f64;
            let (fill, lines): (RGBColor, [String; 2]) = match cell {
                Cell::Feasible(m, a) => (
                    scale(t_of(*m)),
                    [
                        format!("${}", fmt_value(*m)),
                        format!("{}%", fmt_value(a * 100.0)),
                    ],
                ),
                Cell::Infeasible(a) => (
                    NONE_FEASIBLE,
                    ["none".into(), format!("best {}%", fmt_value(a * 100.0))],
                ),
                Cell::Pruned => (PRUNED_CELL, ["pruned".into(), String::new()]),
                Cell::Empty => (WHITE, ["–".into(), String::new()]),
            };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x + 0.02, y + 0.04), (x + 0.98, y + 0.96)],
                    fill.filled(),
                )))
                .s()?;
            if !show_text {
                continue;
            }
            let dark = matches!(cell, Cell::Feasible(m, _) if t_of(*m) > 0.55);
            let style = center.color(if dark { &WHITE } else { &DARK });
            let two = !lines[1].is_empty();
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((x + 0.5, y + 0.5))
                        + Text::new(
                            lines[0].clone(),
                            (0, if two { -8 } else { 0 }),
                            style.clone(),
                        )
                        + Text::new(lines[1].clone(), (0, 9), style),
                ))
                .s()?;
        }
    }
    if let Some((i, j)) = f.marked {
        let (x, y) = (i as f64, (ny - 1 - j) as f64);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x + 0.02, y + 0.04), (x + 0.98, y + 0.96)],
                DARK.stroke_width(3),
            )))
            .s()?;
    }
    let below = text_style(14).pos(Pos::new(HPos::Center, VPos::Top));
    for (i, l) in f.x_levels.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        root.draw(&Text::new(truncate(l, 14), (x, y + 6), below.clone()))
            .s()?;
    }
    let left = text_style(14).pos(Pos::new(HPos::Right, VPos::Center));
    for (j, l) in f.y_levels.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, (ny - 1 - j) as f64 + 0.5));
        root.draw(&Text::new(truncate(l, 26), (x - 8, y), left.clone()))
            .s()?;
    }
    let mut entries = Vec::new();
    if hi >= lo {
        let money = |v: f64| format!("${}/month", fmt_value(v.exp()));
        entries.push(entry(
            Mark::Box(scale(0.0)),
            format!("{} (cheapest)", money(lo)),
        ));
        if hi > lo {
            entries.push(entry(Mark::Box(scale(0.5)), money((lo + hi) / 2.0)));
            entries.push(entry(Mark::Box(scale(1.0)), money(hi)));
        }
        entries.push(entry(Mark::None, "(log colour scale; each"));
        entries.push(entry(Mark::None, "cell: its cheapest"));
        entries.push(entry(Mark::None, "feasible candidate)"));
    }
    entries.push(entry(Mark::Box(NONE_FEASIBLE), "no feasible candidate"));
    entries.push(entry(Mark::None, "(best attainment shown)"));
    entries.push(entry(Mark::Box(PRUNED_CELL), "pruned ones only"));
    if f.marked.is_some() {
        entries.push(entry(Mark::Ring(DARK), "the recommendation"));
    }
    entries.extend(f.why.iter().map(|l| entry(Mark::None, l.clone())));
    draw_legend(&legend_area, &entries, 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nines_labels() {
        assert_eq!(nines_label(2.0), "99%");
        assert_eq!(nines_label(3.0), "99.9%");
        assert_eq!(nines_label(1.0), "90%");
        assert_eq!(nines_label(5.0), "100%");
    }

    #[test]
    fn colour_scale_ends() {
        assert_eq!(scale(0.0), RGBColor(253, 231, 37));
        assert_eq!(scale(1.0), RGBColor(68, 1, 84));
        // halfway: the middle stop exactly
        assert_eq!(scale(0.5), RGBColor(33, 145, 140));
        assert_eq!(scale(f64::NAN), scale(0.0));
    }
}
