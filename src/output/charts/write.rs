//! Writing charts: SVG and PNG files written whole, their names, and `charts/index.json`.

use super::*;

/// Name of the chart list written beside the charts.
pub(crate) const INDEX: &str = "index.json";

// ---------------------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------------------

pub(crate) use crate::output::atomic::write_atomic;

/// A file-name-safe form of `s` (letters, digits, `-`, `_`, `.`; anything else becomes `_`).
pub(super) fn file_safe(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    if t.is_empty() || t.starts_with('.') {
        format!("_{t}")
    } else {
        t
    }
}

// ---------------------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------------------

/// One chart of `index.json`.
pub(crate) struct IndexEntry {
    /// File name without extension.
    pub stem: String,
    /// Report section ("Service web", "Cluster", …).
    pub section: String,
    /// The chart's title.
    pub title: String,
}

pub(super) struct Writer {
    pub(super) dir: PathBuf,
    /// The charts emitted so far, in reading order: drawn (in parallel) by [`Writer::finish`].
    pub(super) jobs: Vec<(IndexEntry, Figure)>,
    pub(super) used: BTreeSet<String>,
}

impl Writer {
    pub(super) fn new(dir: &Path) -> io::Result<Writer> {
        init_font();
        let dir = dir.join("charts");
        fs::create_dir_all(&dir)?;
        Ok(Writer {
            dir,
            jobs: Vec::new(),
            used: BTreeSet::new(),
        })
    }

    /// Queue a chart under a file name made unique within the rendering.
    pub(super) fn emit(&mut self, stem: &str, section: &str, fig: Figure) -> io::Result<()> {
        let mut stem = file_safe(stem);
        if self.used.contains(&stem) {
            let mut i = 2;
            while self.used.contains(&format!("{stem}-{i}")) {
                i += 1;
            }
            stem = format!("{stem}-{i}");
        }
        self.used.insert(stem.clone());
        let entry = IndexEntry {
            stem,
            section: section.into(),
            title: fig.title().into(),
        };
        self.jobs.push((entry, fig));
        Ok(())
    }

    /// Draw one chart and write it whole as SVG and PNG. Each chart depends on its figure alone, so the
    /// bytes are the same whichever thread draws it and in whatever order.
    fn draw_one(dir: &Path, stem: &str, fig: &Figure) -> io::Result<[PathBuf; 2]> {
        let size = fig.size();
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
            fig.draw(&root).map_err(other)?;
        }
        let svg_path = dir.join(format!("{stem}.svg"));
        write_atomic(&svg_path, svg.as_bytes())?;

        let png_path = dir.join(format!("{stem}.png"));
        // The encoder opens the path itself: give it the exclusively created temporary file's.
        let (file, pending) = crate::output::atomic::create(&png_path)?;
        drop(file);
        Png::new(pending.temp_path(), size)
            .and_then(|png| fig.draw(&png.into_drawing_area()).map_err(other))?;
        pending.commit()?;
        Ok([svg_path, png_path])
    }

    /// Write `index.json`, remove the charts of an earlier rendering that this one did not write (only
    /// those the earlier `index.json` named: other files in `charts/` are not ecsim's), and return the
    /// paths written.
    ///
    /// The charts are drawn in parallel on rayon's pool (plotters' font table is read-only once the
    /// font is registered; PNG text is drawn by `png.rs` itself), then listed in the order emitted.
    pub(super) fn finish(self) -> io::Result<Vec<PathBuf>> {
        use rayon::prelude::*;
        let dir = &self.dir;
        let drawn: Vec<[PathBuf; 2]> = self
            .jobs
            .par_iter()
            .map(|(e, fig)| Self::draw_one(dir, &e.stem, fig))
            .collect::<io::Result<_>>()?;
        let written: Vec<PathBuf> = drawn.into_iter().flatten().collect();
        let index: Vec<&IndexEntry> = self.jobs.iter().map(|(e, _)| e).collect();
        let earlier: BTreeSet<String> = read_index(self.dir.parent().unwrap_or(Path::new(".")))
            .unwrap_or_default()
            .into_iter()
            .filter(|e| !e.stem.contains(['/', '\\']) && !e.stem.starts_with('.'))
            .flat_map(|e| [format!("{}.svg", e.stem), format!("{}.png", e.stem)])
            .collect();
        let list: Vec<serde_json::Value> = index
            .iter()
            .map(|e| serde_json::json!({"file": format!("{}.svg", e.stem), "png": format!("{}.png", e.stem), "section": e.section, "title": e.title}))
            .collect();
        let mut json =
            serde_json::to_string_pretty(&serde_json::json!({ "charts": list })).map_err(other)?;
        json.push('\n');
        write_atomic(&self.dir.join(INDEX), json.as_bytes())?;
        let keep: BTreeSet<&Path> = written.iter().map(PathBuf::as_path).collect();
        for name in &earlier {
            let p = self.dir.join(name);
            if !keep.contains(p.as_path()) {
                let _ = fs::remove_file(&p);
            }
        }
        Ok(written)
    }
}

/// Read `DIR/charts/index.json`: the charts in reading order, or `None` when there is none.
pub(crate) fn read_index(dir: &Path) -> Option<Vec<IndexEntry>> {
    let text = fs::read_to_string(dir.join("charts").join(INDEX)).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let list = v.get("charts")?.as_array()?;
    Some(
        list.iter()
            .filter_map(|e| {
                let file = e.get("file")?.as_str()?;
                Some(IndexEntry {
                    stem: file.strip_suffix(".svg").unwrap_or(file).to_string(),
                    section: e.get("section")?.as_str()?.to_string(),
                    title: e.get("title")?.as_str()?.to_string(),
                })
            })
            .collect(),
    )
}
