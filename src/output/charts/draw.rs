//! Drawing each figure kind with plotters, onto any backend (SVG or the PNG backend).

use super::*;

pub(super) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    top: i32,
) -> Res {
    let (w, h) = area.dim_in_pixel();
    let max_chars = ((w as i32 - 46) / 8).max(6) as usize;
    let style = text_style(15).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, e) in entries.iter().enumerate() {
        let y = top + 10 + i as i32 * 22;
        if y > h as i32 - 8 {
            let more = format!("… {} more", entries.len() - i);
            area.draw(&Text::new(more, (8, y), style.clone())).s()?;
            break;
        }
        let (x0, x1) = (6, 30);
        match e.mark {
            Mark::Line(c, w) => area.draw(&PathElement::new(
                vec![(x0, y), (x1, y)],
                c.stroke_width(w + 1),
            )),
            Mark::Dash(c) => {
                area.draw(&PathElement::new(
                    vec![(x0, y), (x0 + 9, y)],
                    c.stroke_width(2),
                ))
                .s()?;
                area.draw(&PathElement::new(
                    vec![(x0 + 15, y), (x1, y)],
                    c.stroke_width(2),
                ))
            }
            Mark::Tick(c) => area.draw(&PathElement::new(
                vec![(18, y - 7), (18, y + 7)],
                c.stroke_width(2),
            )),
            Mark::Box(c) => area.draw(&Rectangle::new(
                [(x0 + 4, y - 6), (x1 - 4, y + 6)],
                c.filled(),
            )),
            Mark::Dot(c) => area.draw(&Circle::new((18, y), 5, c.filled())),
            Mark::Whisker(c) => {
                area.draw(&PathElement::new(vec![(x0, y), (x1, y)], c.stroke_width(2)))
                    .s()?;
                area.draw(&PathElement::new(
                    vec![(x0, y - 5), (x0, y + 5)],
                    c.stroke_width(2),
                ))
                .s()?;
                area.draw(&PathElement::new(
                    vec![(x1, y - 5), (x1, y + 5)],
                    c.stroke_width(2),
                ))
            }
            Mark::Ring(c) => area.draw(&Circle::new((18, y), 6, c.stroke_width(2))),
            Mark::Triangle(c) => area.draw(&TriangleMarker::new((18, y), 6, c.filled())),
            Mark::None => Ok(()),
        }
        .s()?;
        area.draw(&Text::new(
            truncate(&e.label, max_chars),
            (x1 + 8, y),
            style.clone(),
        ))
        .s()?;
    }
    Ok(())
}

pub(super) fn draw_time<DB: DrawingBackend>(body: &DrawingArea<DB, Shift>, f: &TimeFig) -> Res {
    let areas = body.split_evenly((f.panes.len().max(1), 1));
    let x_end = f.time.end();
    let unit = f.time.unit_s;
    let mut tick_counts: BTreeMap<TickKind, usize> = BTreeMap::new();
    for (_, k) in &f.ticks {
        *tick_counts.entry(*k).or_default() += 1;
    }
    for (pi, (area, p)) in areas.iter().zip(&f.panes).enumerate() {
        let (w, _) = area.dim_in_pixel();
        let (plot, legend_area) = area.split_horizontally(w - LEGEND_W);
        // y range
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        let mut min_pos = f64::INFINITY;
        let vals = p
            .lines
            .iter()
            .flat_map(|l| {
                let pts = l.data.segs.iter().flatten().map(|&(_, y)| y);
                let band = l.data.bands.iter().flatten().flat_map(|&(_, a, b)| [a, b]);
                pts.chain(band)
            })
            .chain(p.hlines.iter().map(|h| h.y));
        for y in vals {
            lo = lo.min(y);
            hi = hi.max(y);
            if y > 0.0 {
                min_pos = min_pos.min(y);
            }
        }
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        let log = p.log_above > 0.0 && min_pos.is_finite() && hi / min_pos > p.log_above;
        let tr = move |y: f64| if log { y.max(min_pos).log10() } else { y };
        let (ylo, yhi) = if log {
            (
                min_pos.log10().floor(),
                hi.log10().ceil().max(min_pos.log10().floor() + 1.0),
            )
        } else {
            let lo = lo.min(0.0);
            let hi = if hi - lo < 1e-9 { lo + 1.0 } else { hi };
            (lo, hi)
        };
        let span = yhi - ylo;
        let ticks_here = p.ticks && !f.ticks.is_empty();
        let band_lo = yhi + span * 0.05;
        let top = yhi + span * if ticks_here { 0.15 } else { 0.06 };
        let y_keys = if log {
            (ylo as i64..=yhi as i64).map(|e| e as f64).collect()
        } else {
            value_ticks(ylo, yhi, 7, p.int)
        };
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(6)
            .margin_right(14)
            .margin_left(6)
            .x_label_area_size(42)
            .y_label_area_size(68)
            .build_cartesian_2d(keyed(0f64..x_end, f.time.ticks()), keyed(ylo..top, y_keys))
            .s()?;
        let y_fmt = move |v: &f64| {
            if *v > yhi + span * 0.01 {
                String::new()
            } else if log {
                fmt_tick(10f64.powf(*v))
            } else {
                fmt_tick(*v)
            }
        };
        let x_fmt = |v: &f64| f.time.label(*v);
        house_mesh(
            chart
                .configure_mesh()
                .x_desc(f.time.desc)
                .y_desc(p.y_desc.as_str())
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt),
        )
        .draw()
        .s()?;
        let mut shades: Vec<&Shaded> = p.shades.iter().collect();
        let warm: Shaded = (
            "warm-up (excluded)".into(),
            WARM_UP_SHADE,
            vec![(0.0, f.time.warm_up_s)],
        );
        if f.time.warm_up_s > 0.0 {
            shades.insert(0, &warm);
        }
        for (_, (c, a), spans) in &shades {
            chart
                .draw_series(spans.iter().map(|&(t0, t1)| {
                    Rectangle::new([(t0 / unit, ylo), (t1 / unit, yhi)], c.mix(*a).filled())
                }))
                .s()?;
        }
        for h in &p.hlines {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, tr(h.y)), (x_end, tr(h.y))],
                    9,
                    5,
                    h.color.stroke_width(2),
                ))
                .s()?;
        }
        let mut banded = false;
        for l in &p.lines {
            let style = ShapeStyle {
                color: l.color.mix(l.alpha),
                filled: false,
                stroke_width: l.width,
            };
            for band in &l.data.bands {
                // shade only where the bucket has a range: a flat band would rasterise as beads
                for run in band.split(|&(_, lo, hi)| tr(hi) - tr(lo) <= span * 5e-3) {
                    banded = true;
                    let mut poly: Vec<(f64, f64)> =
                        run.iter().map(|&(t, _, hi)| (t / unit, tr(hi))).collect();
                    poly.extend(run.iter().rev().map(|&(t, lo, _)| (t / unit, tr(lo))));
                    if poly.len() >= 2 {
                        chart
                            .draw_series(std::iter::once(Polygon::new(
                                poly,
                                l.color.mix(0.28 * l.alpha).filled(),
                            )))
                            .s()?;
                    }
                }
            }
            for seg in &l.data.segs {
                let pts = seg
                    .iter()
                    .filter(|(_, y)| !log || *y > 0.0)
                    .map(|&(t, y)| (t / unit, tr(y)));
                chart.draw_series(LineSeries::new(pts, style)).s()?;
            }
        }
        if ticks_here {
            chart
                .draw_series(f.ticks.iter().map(|&(t, k)| {
                    PathElement::new(
                        vec![(t / unit, band_lo), (t / unit, top)],
                        k.color().stroke_width(1),
                    )
                }))
                .s()?;
        }
        // legend
        // a label's further lines (after `\n`) go on legend rows of their own
        let mut entries: Vec<Entry> = Vec::new();
        for l in &p.lines {
            let mut parts = l.label.split('\n');
            let mark = Mark::Line(l.color.mix(l.alpha), l.width.min(4));
            entries.push(entry(mark, parts.next().unwrap_or("")));
            entries.extend(parts.map(|t| entry(Mark::None, t)));
        }
        entries.extend(
            p.hlines
                .iter()
                .map(|h| entry(Mark::Dash(h.color), h.label.clone())),
        );
        for (i, (label, shade, _)) in shades.iter().enumerate() {
            // the warm-up once per figure, a pane's own shades in each
            if i > 0 || f.time.warm_up_s <= 0.0 || pi == 0 {
                entries.push(entry(Mark::Box(on_white(*shade)), label.clone()));
            }
        }
        if ticks_here && pi == 0 {
            entries.extend(
                tick_counts
                    .iter()
                    .map(|(k, n)| entry(Mark::Tick(k.color()), format!("{} ({n})", k.label()))),
            );
        }
        if let Some(b) = p.lines.iter().map(|l| l.data.bucket_s).find(|b| *b > 0.0)
            && banded
        {
            entries.push(entry(Mark::None, format!("band: min–max, {}", fmt_dur(b))));
        }
        if log {
            entries.push(entry(Mark::None, "(log scale)"));
        }
        draw_legend(&legend_area, &entries, 6)?;
    }
    Ok(())
}

pub(super) fn draw_hist<DB: DrawingBackend>(body: &DrawingArea<DB, Shift>, f: &HistFig) -> Res {
    let (w, _) = body.dim_in_pixel();
    let (plot, legend_area) = body.split_horizontally(w - LEGEND_W);
    let bins = f.groups.iter().map(|g| g.2.len()).max().unwrap_or(1).max(1);
    let max = f
        .groups
        .iter()
        .flat_map(|g| g.2.iter().copied())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let x_end = f.bin_w * bins as f64;
    let mut chart = ChartBuilder::on(&plot)
        .margin_top(6)
        .margin_right(14)
        .margin_left(6)
        .x_label_area_size(42)
        .y_label_area_size(68)
        .build_cartesian_2d(
            0f64..x_end,
            keyed(0f64..max * 1.08, value_ticks(0.0, max, 8, true)),
        )
        .s()?;
    let x_fmt = |v: &f64| fmt_tick(*v);
    let y_fmt = |v: &f64| {
        if v.fract().abs() > 1e-9 {
            String::new()
        } else {
            fmt_tick(*v)
        }
    };
    house_mesh(
        chart
            .configure_mesh()
            .x_desc(f.x_desc.as_str())
            .y_desc("tasks")
            .x_labels(14)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt),
    )
    .draw()
    .s()?;
    let k = f.groups.len().max(1) as f64;
    let sub = f.bin_w * 0.9 / k;
    for (gi, (_, c, counts)) in f.groups.iter().enumerate() {
        chart
            .draw_series(
                counts
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n > 0)
                    .map(|(i, n)| {
                        let x0 = f.bin_w * i as f64 + f.bin_w * 0.05 + sub * gi as f64;
                        Rectangle::new([(x0, 0.0), (x0 + sub, *n as f64)], c.filled())
                    }),
            )
            .s()?;
    }
    let mut entries: Vec<Entry> = Vec::new();
    for (l, c, _) in &f.groups {
        let mut parts = l.split('\n');
        entries.push(entry(Mark::Box(*c), parts.next().unwrap_or("")));
        entries.extend(parts.map(|p| entry(Mark::None, p)));
    }
    draw_legend(&legend_area, &entries, 6)
}

pub(super) fn draw_timeline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    body: &DrawingArea<DB, Shift>,
    f: &TimelineFig,
) -> Res {
    let (w, _) = body.dim_in_pixel();
    let (plot, legend_area) = body.split_horizontally(w - LEGEND_W);
    let n = f.lanes.len().max(1);
    let label_w = (f.lanes.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32 * 8 + 16)
        .clamp(60, 220);
    let mut chart = ChartBuilder::on(&plot)
        .margin_top(6)
        .margin_right(14)
        .margin_left(6)
        .x_label_area_size(42)
        .y_label_area_size(label_w)
        .build_cartesian_2d(keyed(0f64..f.time.end(), f.time.ticks()), 0f64..n as f64)
        .s()?;
    let x_fmt = |v: &f64| f.time.label(*v);
    lane_mesh(
        chart
            .configure_mesh()
            .x_desc(f.time.desc)
            .x_label_formatter(&x_fmt),
    )
    .draw()
    .s()?;
    let x_end = f.time.end();
    chart
        .draw_series((1..n).map(|i| {
            PathElement::new(
                vec![(0.0, i as f64), (x_end, i as f64)],
                GRID.stroke_width(1),
            )
        }))
        .s()?;
    let unit = f.time.unit_s;
    chart
        .draw_series(f.bars.iter().map(|&(lane, row, rows, t0, t1, c)| {
            let base = (n - 1 - lane) as f64;
            let h = 0.84 / rows as f64;
            let y0 = base + 0.08 + h * (rows - 1 - row) as f64;
            let pad = h * 0.08;
            Rectangle::new(
                [(t0 / unit, y0 + pad), (t1 / unit, y0 + h - pad)],
                color(c).mix(0.85).filled(),
            )
        }))
        .s()?;
    let style = text_style(14).pos(Pos::new(HPos::Right, VPos::Center));
    for (i, l) in f.lanes.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, (n - 1 - i) as f64 + 0.5));
        root.draw(&Text::new(l.clone(), (x - 8, y), style.clone()))
            .s()?;
    }
    let entries: Vec<Entry> = f
        .keys
        .iter()
        .enumerate()
        .map(|(i, k)| entry(Mark::Box(color(i)), k.clone()))
        .collect();
    draw_legend(&legend_area, &entries, 6)
}

pub(super) fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        let d = if lo.abs() > 1e-12 {
            lo.abs() * 0.1
        } else {
            1.0
        };
        return (lo - d, hi + d);
    }
    let d = (hi - lo) * 0.06;
    (lo - d, hi + d)
}

pub(super) fn draw_interval<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    body: &DrawingArea<DB, Shift>,
    f: &IntervalFig,
) -> Res {
    let (w, _) = body.dim_in_pixel();
    let (plot, legend_area) = body.split_horizontally(w - LEGEND_W);
    let n = f.rows.len().max(1);
    let labels: Vec<String> = f.rows.iter().map(|r| truncate(&r.label, 54)).collect();
    let label_w = (labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32 * 8 + 16)
        .clamp(60, 420);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for r in &f.rows {
        let mut vals = r.seeds.clone();
        vals.push(r.mean);
        if let Some((a, b)) = r.ci {
            vals.extend([a, b]);
        }
        for v in vals.into_iter().filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    let (lo, hi) = padded(lo, hi);
    let mut chart = ChartBuilder::on(&plot)
        .margin_top(6)
        .margin_right(18)
        .margin_left(6)
        .x_label_area_size(42)
        .y_label_area_size(label_w)
        .build_cartesian_2d(lo..hi, 0f64..n as f64)
        .s()?;
    let x_fmt = |v: &f64| fmt_tick(*v);
    lane_mesh(
        chart
            .configure_mesh()
            .x_desc(f.x_desc.as_str())
            .x_labels(10)
            .x_label_formatter(&x_fmt),
    )
    .draw()
    .s()?;
    let seed_c = RGBColor(150, 150, 150);
    let y_of = |i: usize| (n - 1 - i) as f64 + 0.5;
    for (i, r) in f.rows.iter().enumerate() {
        let y = y_of(i);
        let k = r.seeds.len().max(1) as f64;
        chart
            .draw_series(
                r.seeds
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_finite())
                    .map(|(j, v)| {
                        // spread the seeds vertically a little, so equal values stay visible
                        let dy = (j as f64 / k - 0.5) * 0.36;
                        Circle::new((*v, y + dy), 2, seed_c.mix(0.7).filled())
                    }),
            )
            .s()?;
        let (whisker, dot) = if r.grey {
            (seed_c, seed_c)
        } else {
            (DARK, PALETTE[0])
        };
        if let Some((a, b)) = r.ci {
            chart
                .draw_series(std::iter::once(ErrorBar::new_horizontal(
                    y,
                    a,
                    r.mean,
                    b,
                    whisker.stroke_width(2),
                    12,
                )))
                .s()?;
        }
        if r.mean.is_finite() {
            chart
                .draw_series(std::iter::once(Circle::new((r.mean, y), 5, dot.filled())))
                .s()?;
        }
    }
    let style = text_style(14).pos(Pos::new(HPos::Right, VPos::Center));
    for (i, l) in labels.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(lo, y_of(i)));
        root.draw(&Text::new(l.clone(), (x - 8, y), style.clone()))
            .s()?;
    }
    let entries = vec![
        entry(Mark::Dot(PALETTE[0]), "mean"),
        entry(Mark::Whisker(DARK), "95% confidence interval"),
        entry(Mark::Dot(seed_c), "one seed"),
    ];
    draw_legend(&legend_area, &entries, 6)
}

pub(super) fn draw_scatter<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    f: &ScatterFig,
) -> Res {
    let (w, _) = body.dim_in_pixel();
    let (plot, legend_area) = body.split_horizontally(w - LEGEND_W - 60);
    let (mut xlo, mut xhi, mut ylo, mut yhi) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for p in &f.points {
        let (a, b) = p.xci.unwrap_or((p.x, p.x));
        let (c, d) = p.yci.unwrap_or((p.y, p.y));
        xlo = xlo.min(a.min(p.x));
        xhi = xhi.max(b.max(p.x));
        ylo = ylo.min(c.min(p.y));
        yhi = yhi.max(d.max(p.y));
    }
    let (xlo, xhi) = padded(xlo, xhi);
    let (ylo, yhi) = padded(ylo, yhi);
    let mut chart = ChartBuilder::on(&plot)
        .margin_top(6)
        .margin_right(18)
        .margin_left(6)
        .x_label_area_size(42)
        .y_label_area_size(76)
        .build_cartesian_2d(xlo..xhi, ylo..yhi)
        .s()?;
    let fmt = |v: &f64| fmt_tick(*v);
    house_mesh(
        chart
            .configure_mesh()
            .x_desc(f.x_desc.as_str())
            .y_desc(f.y_desc.as_str())
            .x_labels(10)
            .y_labels(8)
            .x_label_formatter(&fmt)
            .y_label_formatter(&fmt),
    )
    .draw()
    .s()?;
    let front_c = PALETTE[3];
    let other_c = RGBColor(110, 110, 110);
    let mut front: Vec<(f64, f64)> = f
        .points
        .iter()
        .filter(|p| p.front)
        .map(|p| (p.x, p.y))
        .collect();
    front.sort_by(|a, b| a.0.total_cmp(&b.0));
    chart
        .draw_series(LineSeries::new(front, front_c.mix(0.6).stroke_width(2)))
        .s()?;
    for p in &f.points {
        let c = match (p.front, p.named) {
            (true, _) => front_c,
            (false, true) => other_c,
            (false, false) => RGBColor(190, 190, 190),
        };
        if let Some((a, b)) = p.xci {
            chart
                .draw_series(std::iter::once(ErrorBar::new_horizontal(
                    p.y,
                    a,
                    p.x,
                    b,
                    c.mix(0.6).stroke_width(1),
                    8,
                )))
                .s()?;
        }
        if let Some((a, b)) = p.yci {
            chart
                .draw_series(std::iter::once(ErrorBar::new_vertical(
                    p.x,
                    a,
                    p.y,
                    b,
                    c.mix(0.6).stroke_width(1),
                    8,
                )))
                .s()?;
        }
        chart
            .draw_series(std::iter::once(Circle::new((p.x, p.y), 5, c.filled())))
            .s()?;
        if !p.named {
            continue;
        }
        let pos = chart.backend_coord(&(p.x, p.y));
        plot.draw(&Text::new(
            p.num.to_string(),
            (
                pos.0 + 7 - plot.get_base_pixel().0,
                pos.1 - 9 - plot.get_base_pixel().1,
            ),
            text_style(14),
        ))
        .s()?;
    }
    let mut entries = vec![
        entry(Mark::Dot(front_c), "Pareto front (no variant is"),
        entry(Mark::None, "cheaper and faster)"),
        entry(Mark::Dot(other_c), "dominated variant"),
        entry(Mark::Whisker(other_c), "95% confidence intervals"),
    ];
    let (lw, _) = legend_area.dim_in_pixel();
    let width = ((lw as i32 - 46) / 8).max(10) as usize;
    for p in f.points.iter().filter(|p| p.named) {
        for (i, l) in wrap_at_commas(&format!("{} {}", p.num, p.name), width)
            .into_iter()
            .enumerate()
        {
            // no-break spaces: SVG collapses ordinary leading spaces
            let l = if i == 0 {
                l
            } else {
                format!("\u{a0}\u{a0}\u{a0}{l}")
            };
            entries.push(entry(Mark::None, l));
        }
    }
    draw_legend(&legend_area, &entries, 6)
}
