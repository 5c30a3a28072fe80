//! The PNG backend.

use std::io;
use std::path::Path;

use plotters::prelude::{BitMapBackend, DrawingBackend};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

use super::other;

/// The bitmap backend with two fixes for clean PNGs: text is rasterised here with ab_glyph, placing each
/// glyph at its own bearing (plotters 0.3.7 drops the left side bearing, which spaces letters unevenly);
/// and wide polylines are drawn segment by segment, because plotters' mitred joins shoot spikes far
/// outside the plot where a line turns back sharply.
pub(super) struct Png<'a> {
    inner: BitMapBackend<'a>,
    font: ab_glyph::FontRef<'static>,
}

impl<'a> Png<'a> {
    pub(super) fn new(path: &'a Path, size: (u32, u32)) -> io::Result<Png<'a>> {
        let font = ab_glyph::FontRef::try_from_slice(dejavu::sans::regular()).map_err(other)?;
        Ok(Png {
            inner: BitMapBackend::new(path, size),
            font,
        })
    }
}

impl DrawingBackend for Png<'_> {
    type ErrorType = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }
    fn draw_pixel(
        &mut self,
        p: BackendCoord,
        c: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(p, c)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(a, b, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if style.stroke_width() <= 1 {
            return self.inner.draw_path(path, style);
        }
        // A wide line as parallel one-pixel lines, offset across its main direction: no joins,
        // so no mitre spikes and no beads where segments overlap.
        let w = style.stroke_width() as i32;
        let color = style.color();
        // Drop points inside straight runs, so translucent lines get no darker dots where two
        // segments would both draw their shared end.
        let mut pts: Vec<BackendCoord> = Vec::new();
        for p in path {
            let n = pts.len();
            if n > 0 && pts[n - 1] == p {
                continue;
            }
            if n >= 2 {
                let (a, b) = (pts[n - 2], pts[n - 1]);
                let cross = (b.0 - a.0) * (p.1 - b.1) - (b.1 - a.1) * (p.0 - b.0);
                let dot = (b.0 - a.0) * (p.0 - b.0) + (b.1 - a.1) * (p.1 - b.1);
                if cross == 0 && dot > 0 {
                    pts[n - 1] = p;
                    continue;
                }
            }
            pts.push(p);
        }
        for seg in pts.windows(2) {
            let (a, b) = (seg[0], seg[1]);
            let across_y = (b.0 - a.0).abs() >= (b.1 - a.1).abs();
            for k in 0..w {
                let o = k - (w - 1) / 2;
                let (oa, ob) = if across_y {
                    ((a.0, a.1 + o), (b.0, b.1 + o))
                } else {
                    ((a.0 + o, a.1), (b.0 + o, b.1))
                };
                self.inner.draw_line(oa, ob, &color)?;
            }
        }
        Ok(())
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }
    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        use ab_glyph::{Font, ScaleFont};
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let font = self.font.clone();
        let scale = ab_glyph::PxScale::from(style.size() as f32);
        let scaled = font.as_scaled(scale);
        let mut glyphs = Vec::new();
        let mut x = 0f32;
        let mut prev = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                x += scaled.kern(p, id);
            }
            glyphs.push(id.with_scale_and_position(scale, ab_glyph::point(x, scaled.ascent())));
            x += scaled.h_advance(id);
            prev = Some(id);
        }
        let (width, height) = (x, scaled.ascent() - scaled.descent());
        let dx = match style.anchor().h_pos {
            plotters_backend::text_anchor::HPos::Left => 0.0,
            plotters_backend::text_anchor::HPos::Center => -width / 2.0,
            plotters_backend::text_anchor::HPos::Right => -width,
        };
        let dy = match style.anchor().v_pos {
            plotters_backend::text_anchor::VPos::Top => 0.0,
            plotters_backend::text_anchor::VPos::Center => -height / 2.0,
            plotters_backend::text_anchor::VPos::Bottom => -height,
        };
        let trans = style.transform();
        let mut result = Ok(());
        for g in glyphs {
            let Some(outline) = font.outline_glyph(g) else {
                continue;
            };
            let b = outline.px_bounds();
            // whole-pixel offsets per glyph, so no row or column of the glyph is lost to rounding
            let ox = (b.min.x + dx).round() as i32;
            let oy = (b.min.y + dy).round() as i32;
            outline.draw(|gx, gy, cov| {
                if cov <= 0.0 || result.is_err() {
                    return;
                }
                let (px, py) = (ox + gx as i32, oy + gy as i32);
                let (tx, ty) = trans.transform(px, py);
                let c = BackendColor {
                    alpha: color.alpha * f64::from(cov.min(1.0)),
                    rgb: color.rgb,
                };
                result = self.inner.draw_pixel((pos.0 + tx, pos.1 + ty), c);
            });
        }
        result
    }
}
