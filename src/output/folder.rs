//! An output folder replaced as a whole (issue #18): a run (or a comparison) is written into a fresh
//! sibling folder `.ecsim-tmp-XXXXXXXXXX` (random name, created exclusively, so nothing planted is
//! followed), and only when every file, the report and the charts are written is it swapped with the
//! destination in one step (`renameat2(RENAME_EXCHANGE)` on Linux); the old run's files are deleted after.
//! A process killed at any moment leaves the old run or the new one at the destination, never a mix.
//!
//! ecsim deletes only what it wrote: every finished folder holds `.ecsim-manifest`, the list of its files.
//! An existing destination is replaced only when everything in it is listed there (or, for folders written
//! before the manifest, is a file ecsim writes, by name); otherwise the run is refused (exit 2) and nothing
//! is touched. Stale `.ecsim-tmp-` folders of killed runs are removed by the next run into the same parent
//! when they carry the manifest and no live process holds their lock.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use super::atomic::write_atomic;

/// The manifest's file name.
pub const MANIFEST: &str = ".ecsim-manifest";
/// Prefix of the folders a run is written into before it is put in place.
pub const TMP_PREFIX: &str = ".ecsim-tmp-";
/// First line of a manifest; the lines after it are the folder's entries (folders end in `/`).
const HEADER: &str =
    "ecsim output folder (format 1): ecsim replaces or deletes only the entries listed below";
/// Deepest level and most entries looked at in a folder (a run folder has two levels, a comparison three).
const MAX_DEPTH: usize = 4;
const MAX_ENTRIES: usize = 100_000;
/// Entries of foreign files named in a refusal.
const NAMED: usize = 5;

/// What an output folder holds, for folders without a manifest (written before it existed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `ecsim run`: the four files, `report.html` and `charts/`.
    Run,
    /// `ecsim compare`: `compare.csv` and one run folder per variant.
    Compare,
}

/// Why a folder could not be written.
#[derive(Debug)]
pub enum Error {
    /// The destination holds something ecsim did not write, or is not a folder it may replace (exit 2).
    Refused(String),
    /// The file system failed (exit 1).
    Io(String),
}

impl Error {
    /// The exit code: 2 for a refused destination, 1 for I/O.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Refused(_) => 2,
            Error::Io(_) => 1,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Refused(m) | Error::Io(m) => f.write_str(m),
        }
    }
}

fn io_err(what: &Path) -> impl Fn(io::Error) -> Error + '_ {
    move |e| Error::Io(format!("cannot write results to {}: {e}", what.display()))
}

/// A folder being written, put in place by [`Staged::commit`]; dropped uncommitted, it is removed.
#[derive(Debug)]
pub struct Staged {
    dest: PathBuf,
    kind: Kind,
    temp: Option<tempfile::TempDir>,
    /// A lock on the temporary folder, so that another run's clean-up never takes it for stale.
    _lock: Option<File>,
}

impl Staged {
    /// Check `dest`, remove stale temporary folders beside it, and create the folder to write into.
    pub fn begin(dest: &Path, kind: Kind) -> Result<Staged, Error> {
        Self::begin_with(dest, kind, true)
    }

    /// As [`Staged::begin`]; `clean` = false skips the stale-folder scan (a sweep's `--keep-runs`
    /// scans `runs/` once, not once per run).
    pub fn begin_with(dest: &Path, kind: Kind, clean: bool) -> Result<Staged, Error> {
        let dest = resolve(dest, kind)?;
        let parent = dest.parent().expect("resolve gives a named folder");
        if clean {
            clean_stale(parent);
        }
        let mut b = tempfile::Builder::new();
        b.prefix(TMP_PREFIX).rand_bytes(10);
        #[cfg(unix)]
        {
            // As `create_dir` would (0777 less the umask): the folder becomes the run's folder.
            use std::os::unix::fs::PermissionsExt;
            b.permissions(fs::Permissions::from_mode(0o777));
        }
        let temp = b.tempdir_in(parent).map_err(io_err(&dest))?;
        write_atomic(
            &temp.path().join(MANIFEST),
            format!("{HEADER}\n").as_bytes(),
        )
        .map_err(io_err(&dest))?;
        let lock = lock(temp.path());
        Ok(Staged {
            dest,
            kind,
            temp: Some(temp),
            _lock: lock,
        })
    }

    /// The folder to write into.
    pub fn path(&self) -> &Path {
        self.temp.as_ref().expect("not committed").path()
    }

    /// The destination (absolute).
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// List what was written in the manifest and put the folder in place of the destination, then
    /// delete the old run's files.
    pub fn commit(mut self) -> Result<(), Error> {
        let temp = self.temp.take().expect("committed once");
        let listing = walk(temp.path()).map_err(io_err(&self.dest))?;
        write_manifest(temp.path(), &listing).map_err(io_err(&self.dest))?;
        let exists = fs::symlink_metadata(&self.dest).is_ok();
        if !exists {
            let path = temp.keep();
            return fs::rename(&path, &self.dest).map_err(|e| {
                let _ = fs::remove_dir_all(&path);
                io_err(&self.dest)(e)
            });
        }
        // Checked again: the folder may have changed while the run was written.
        check_owned(&self.dest, self.kind)?;
        let path = temp.keep();
        if let Err(e) = swap(&path, &self.dest) {
            let _ = fs::remove_dir_all(&path);
            return Err(io_err(&self.dest)(e));
        }
        // `path` now holds the old run.
        remove_owned(&path, self.kind);
        Ok(())
    }
}

/// The destination as an absolute path whose parent exists, after the checks that refuse it.
fn resolve(dest: &Path, kind: Kind) -> Result<PathBuf, Error> {
    let shown = dest.display();
    if let Ok(m) = fs::symlink_metadata(dest) {
        if m.file_type().is_symlink() {
            return Err(Error::Refused(format!(
                "--out {shown} is a symbolic link: ecsim replaces its output folder as a whole and does not \
                 follow links; give the folder it points to, or a new folder"
            )));
        }
        if !m.is_dir() {
            return Err(Error::Refused(format!(
                "--out {shown} is a file, not a folder"
            )));
        }
        let real = dest.canonicalize().map_err(io_err(dest))?;
        check_owned(&real, kind)?;
        if let Ok(cwd) = std::env::current_dir().and_then(|c| c.canonicalize())
            && cwd.starts_with(&real)
        {
            return Err(Error::Refused(format!(
                "--out {shown} is the current folder or holds it: ecsim replaces its output folder as a \
                 whole, so it needs a folder of its own (e.g. --out results/run1)"
            )));
        }
        if real.parent().is_none() {
            return Err(Error::Refused(format!("--out {shown} cannot be replaced")));
        }
        return Ok(real);
    }
    let name = dest
        .file_name()
        .filter(|n| *n != "." && *n != "..")
        .ok_or_else(|| Error::Refused(format!("--out {shown} does not name a folder")))?;
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(parent).map_err(io_err(dest))?;
    Ok(parent.canonicalize().map_err(io_err(dest))?.join(name))
}

/// Refuse a folder holding anything ecsim did not write.
fn check_owned(dir: &Path, kind: Kind) -> Result<(), Error> {
    let (_, foreign) = classify(dir, kind).map_err(io_err(dir))?;
    if foreign.is_empty() {
        return Ok(());
    }
    let more = if foreign.len() > NAMED {
        format!(" and {} more", foreign.len() - NAMED)
    } else {
        String::new()
    };
    Err(Error::Refused(format!(
        "{} holds files ecsim did not write ({}{more}): ecsim replaces its output folder as a whole and never \
         deletes other files; give --out a new or empty folder, or one an earlier run wrote",
        dir.display(),
        foreign[..foreign.len().min(NAMED)].join(", ")
    )))
}

/// Every entry under `dir` (relative, `/`-separated, folders ending in `/`, sorted), not following links.
fn walk(dir: &Path) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    walk_into(dir, "", 0, &mut out)?;
    out.sort();
    Ok(out)
}

fn walk_into(dir: &Path, rel: &str, depth: usize, out: &mut Vec<String>) -> io::Result<()> {
    for e in fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if rel.is_empty() && name == MANIFEST {
            continue;
        }
        if out.len() >= MAX_ENTRIES {
            return Err(io::Error::other(format!(
                "more than {MAX_ENTRIES} entries in {}",
                dir.display()
            )));
        }
        let path = format!("{rel}{name}");
        if e.file_type()?.is_dir() && depth + 1 < MAX_DEPTH {
            out.push(format!("{path}/"));
            walk_into(&e.path(), &format!("{path}/"), depth + 1, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// The entries of `dir` ecsim wrote and those it did not: by its manifest, or without one by the names
/// of the files a `kind` folder has always had.
fn classify(dir: &Path, kind: Kind) -> io::Result<(Vec<String>, Vec<String>)> {
    let entries = walk(dir)?;
    let listed: Option<std::collections::BTreeSet<String>> = read_manifest(dir);
    let legacy = listed.is_none().then(|| Legacy::read(dir));
    let (mut owned, mut foreign) = (Vec::new(), Vec::new());
    for e in entries {
        let ok = match (&listed, &legacy) {
            (Some(l), _) => l.contains(&e),
            (None, Some(leg)) => leg.owns(&e, kind),
            (None, None) => false,
        };
        if ok {
            owned.push(e);
        } else {
            foreign.push(e);
        }
    }
    Ok((owned, foreign))
}

/// Add `written`, a file ecsim wrote beside `beside` after the folder was finished (`ecsim parquet`'s
/// `timeseries.parquet` beside `timeseries.csv`), to the manifest of the run or comparison folder that
/// lists `beside`, so that a later run into that folder replaces it instead of refusing the folder as
/// holding a file ecsim did not write. Nothing to do when no folder above `beside` lists it (a sweep's
/// folder, or CSV files of the user's own).
pub fn add_to_manifest(beside: &Path, written: &Path) -> io::Result<()> {
    let (beside, written) = (beside.canonicalize()?, written.canonicalize()?);
    let rel = |dir: &Path, p: &Path| -> Option<String> {
        let r = p.strip_prefix(dir).ok()?;
        let parts: Vec<String> = r
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(parts.join("/"))
    };
    for dir in beside.ancestors().skip(1).take(MAX_DEPTH) {
        let Some(mut listed) = read_manifest(dir) else {
            continue;
        };
        let (Some(b), Some(w)) = (rel(dir, &beside), rel(dir, &written)) else {
            return Ok(());
        };
        if !listed.contains(&b) {
            return Ok(());
        }
        if listed.insert(w) {
            write_manifest(dir, &listed)?;
        }
        return Ok(());
    }
    Ok(())
}

/// Write `dir`'s manifest: the header, then each entry on its own line.
fn write_manifest<'e>(dir: &Path, entries: impl IntoIterator<Item = &'e String>) -> io::Result<()> {
    let mut text = format!("{HEADER}\n");
    for e in entries {
        text.push_str(e);
        text.push('\n');
    }
    write_atomic(&dir.join(MANIFEST), text.as_bytes())
}

/// The entries a manifest lists, if `dir` has one.
fn read_manifest(dir: &Path) -> Option<std::collections::BTreeSet<String>> {
    let text = fs::read_to_string(dir.join(MANIFEST)).ok()?;
    let mut lines = text.lines();
    (lines.next() == Some(HEADER)).then(|| lines.map(str::to_string).collect())
}

/// Names of the files of run folders written before the manifest existed.
struct Legacy {
    /// Chart stems per run folder (`""` for `dir` itself, `"fargate/"` for a comparison's variant).
    charts: std::collections::BTreeMap<String, Vec<String>>,
}

const RUN_FILES: [&str; 5] = [
    "summary.json",
    "timeseries.csv",
    "tasks.csv",
    "events.csv",
    "report.html",
];

impl Legacy {
    fn read(dir: &Path) -> Legacy {
        let mut charts = std::collections::BTreeMap::new();
        let prefixes = std::iter::once(String::new())
            .chain(crate::compare::VARIANTS.iter().map(|v| format!("{v}/")));
        for p in prefixes {
            let stems = super::charts::read_index(&dir.join(&p))
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.stem)
                .collect();
            charts.insert(p, stems);
        }
        Legacy { charts }
    }

    fn owns(&self, entry: &str, kind: Kind) -> bool {
        match kind {
            Kind::Run => self.owns_run("", entry),
            Kind::Compare => {
                let file = |n: &str| n == "compare.csv" || temp_of(n, &["compare.csv"]);
                if file(entry) {
                    return true;
                }
                crate::compare::VARIANTS.iter().any(|v| {
                    let p = format!("{v}/");
                    entry == p || entry.strip_prefix(&p).is_some_and(|r| self.owns_run(&p, r))
                })
            }
        }
    }

    fn owns_run(&self, prefix: &str, entry: &str) -> bool {
        if RUN_FILES.contains(&entry) || temp_of(entry, &RUN_FILES) || entry == "charts/" {
            return true;
        }
        let Some(c) = entry.strip_prefix("charts/") else {
            return false;
        };
        let stems = self.charts.get(prefix).map_or(&[][..], Vec::as_slice);
        let named = |n: &str| {
            n == super::charts::INDEX
                || stems
                    .iter()
                    .any(|s| n == format!("{s}.svg") || n == format!("{s}.png"))
        };
        named(c)
            || temp_of(c, &[super::charts::INDEX])
            || stems.iter().any(|s| {
                c.strip_prefix(&format!(".{s}.tmp-"))
                    .is_some_and(|r| r.ends_with(".png"))
                    || temp_of(c, &[&format!("{s}.svg")])
            })
    }
}

/// Is `n` an old-style temporary file (`.NAME.tmp-PID`) of one of `names`?
fn temp_of(n: &str, names: &[&str]) -> bool {
    names.iter().any(|f| {
        n.strip_prefix(&format!(".{f}.tmp-"))
            .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Delete what ecsim wrote in `dir` (files, then folders deepest first, then the manifest and `dir`);
/// anything else stays.
fn remove_owned(dir: &Path, kind: Kind) {
    let Ok((owned, _)) = classify(dir, kind) else {
        return;
    };
    for e in owned.iter().filter(|e| !e.ends_with('/')) {
        let _ = fs::remove_file(dir.join(e));
    }
    for e in owned.iter().rev().filter(|e| e.ends_with('/')) {
        let _ = fs::remove_dir(dir.join(e));
    }
    let _ = fs::remove_file(dir.join(MANIFEST));
    let _ = fs::remove_dir(dir);
}

/// Remove the `.ecsim-tmp-` folders in `parent` left by killed runs: only folders (not links) carrying
/// ecsim's manifest whose lock no live process holds. A folder still being written (header only) goes
/// whole; an old run moved aside loses only the entries its manifest lists.
pub fn clean_stale(parent: &Path) {
    let Ok(rd) = fs::read_dir(parent) else {
        return;
    };
    for e in rd.flatten().take(MAX_ENTRIES) {
        let name = e.file_name();
        if !name.to_string_lossy().starts_with(TMP_PREFIX)
            || !e.file_type().is_ok_and(|t| t.is_dir())
        {
            continue;
        }
        let dir = e.path();
        let Some(listed) = read_manifest(&dir) else {
            continue;
        };
        let Some(_held) = lock(&dir) else {
            continue; // a live run's folder (or one whose lock cannot be taken here)
        };
        if listed.is_empty() {
            let _ = fs::remove_dir_all(&dir);
        } else {
            remove_owned(&dir, Kind::Run);
        }
    }
}

/// An exclusive lock on `dir` (`flock`; released when the process ends, however it ends). `None` when
/// another process holds it or locks are not available.
fn lock(dir: &Path) -> Option<File> {
    let f = File::open(dir).ok()?;
    f.try_lock().ok()?;
    Some(f)
}

/// May ecsim write `path` (a file it writes beside the user's own, e.g. `ecsim import`'s)? Yes when there
/// is none, or the one there starts with `first_line`, the line ecsim writes first in it; otherwise the
/// command is refused (exit 2) before it writes anything.
pub fn may_overwrite(path: &Path, first_line: &str) -> Result<(), Error> {
    let Ok(m) = fs::symlink_metadata(path) else {
        return Ok(());
    };
    let ours = m.is_file()
        && File::open(path).is_ok_and(|f| {
            let mut line = String::new();
            let mut r = io::BufReader::new(io::Read::take(f, 4096));
            io::BufRead::read_line(&mut r, &mut line).is_ok() && line.starts_with(first_line)
        });
    if ours {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "{} exists and ecsim did not write it: ecsim does not overwrite other files; choose another --out",
        path.display()
    )))
}

/// A sweep's folder is not replaced as a whole (its shards share it and a rerun resumes it): ecsim writes
/// into it when it is new, empty, or already a sweep's (it has `sweep.json`, or only what a starting shard
/// creates), and never through a link at it or at its `charts`, `runs` or `report.html`.
pub fn check_sweep(out: &Path) -> Result<(), Error> {
    let shown = out.display();
    let Ok(m) = fs::symlink_metadata(out) else {
        return Ok(());
    };
    if m.file_type().is_symlink() || !m.is_dir() {
        return Err(Error::Refused(format!(
            "--out {shown} is {}: a sweep writes into a folder of its own",
            if m.is_dir() || m.file_type().is_symlink() {
                "a symbolic link"
            } else {
                "a file"
            }
        )));
    }
    for inner in ["charts", "runs", "report.html"] {
        if fs::symlink_metadata(out.join(inner)).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Error::Refused(format!(
                "{} is a symbolic link: ecsim does not write through links",
                out.join(inner).display()
            )));
        }
    }
    if out.join(crate::sweep::store::MANIFEST).exists() {
        return Ok(());
    }
    let rd = fs::read_dir(out).map_err(io_err(out))?;
    let foreign: Vec<String> = rd
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != crate::sweep::store::RUNS_DIR && !n.starts_with(".sweep.json.tmp-"))
        .take(NAMED)
        .collect();
    if foreign.is_empty() {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "{shown} is not a sweep folder (no {}) and holds other files ({}): give --out a new or empty folder",
        crate::sweep::store::MANIFEST,
        foreign.join(", ")
    )))
}

/// Put `new` at `dest` and the old `dest` at `new`'s name, in one step where the system allows it.
fn swap(new: &Path, dest: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(io::Error::other);
        let (a, b) = (c(new)?, c(dest)?);
        // SAFETY: two valid NUL-terminated paths, resolved from the current directory.
        let r = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        // A file system without the exchange: fall back to two renames below.
        if !matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) {
            return Err(e);
        }
    }
    // Two renames: the old folder goes aside under a fresh name, the new one into place. A kill between
    // them leaves the old run aside (still listed by its manifest) and none at `dest`.
    let parent = dest.parent().unwrap_or(Path::new("."));
    let aside = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .rand_bytes(10)
        .tempdir_in(parent)?
        .keep();
    fs::rename(dest, &aside)?;
    if let Err(e) = fs::rename(new, dest) {
        let _ = fs::rename(&aside, dest);
        return Err(e);
    }
    fs::rename(&aside, new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_new_folder_then_a_replacement_leave_only_the_new_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("out");
        let s = Staged::begin(&dest, Kind::Run).unwrap();
        fs::write(s.path().join("summary.json"), "1").unwrap();
        fs::create_dir(s.path().join("charts")).unwrap();
        fs::write(s.path().join("charts/a.svg"), "a").unwrap();
        s.commit().unwrap();
        assert_eq!(names(&dest), [MANIFEST, "charts", "summary.json"]);
        assert_eq!(
            fs::read_to_string(dest.join(MANIFEST)).unwrap(),
            format!("{HEADER}\ncharts/\ncharts/a.svg\nsummary.json\n")
        );
        let s = Staged::begin(&dest, Kind::Run).unwrap();
        fs::write(s.path().join("summary.json"), "2").unwrap();
        s.commit().unwrap();
        assert_eq!(names(&dest), [MANIFEST, "summary.json"]);
        assert_eq!(fs::read_to_string(dest.join("summary.json")).unwrap(), "2");
        assert_eq!(names(tmp.path()), ["out"], "no temporary folder is left");
    }

    #[test]
    fn a_folder_with_other_files_is_refused_and_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("mine");
        fs::create_dir_all(dest.join("charts")).unwrap();
        fs::write(dest.join("charts/holiday.png"), "png").unwrap();
        fs::write(dest.join("summary.json"), "{}").unwrap();
        let e = Staged::begin(&dest, Kind::Run).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("charts/holiday.png"), "{e}");
        assert_eq!(names(&dest), ["charts", "summary.json"]);
        assert_eq!(names(tmp.path()), ["mine"]);
    }

    #[test]
    fn a_folder_of_an_earlier_version_is_recognised_by_its_names() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("old");
        fs::create_dir_all(dest.join("charts")).unwrap();
        for f in RUN_FILES {
            fs::write(dest.join(f), "x").unwrap();
        }
        fs::write(dest.join(".summary.json.tmp-4242"), "half").unwrap();
        fs::write(
            dest.join("charts/index.json"),
            r#"{"charts": [{"file": "web.svg", "png": "web.png", "section": "s", "title": "t"}]}"#,
        )
        .unwrap();
        fs::write(dest.join("charts/web.svg"), "x").unwrap();
        fs::write(dest.join("charts/web.png"), "x").unwrap();
        let s = Staged::begin(&dest, Kind::Run).unwrap();
        fs::write(s.path().join("summary.json"), "new").unwrap();
        s.commit().unwrap();
        assert_eq!(names(&dest), [MANIFEST, "summary.json"]);
        // …but a chart the index does not name is the user's.
        fs::create_dir_all(tmp.path().join("o2/charts")).unwrap();
        fs::write(tmp.path().join("o2/charts/mine.png"), "x").unwrap();
        assert!(Staged::begin(&tmp.path().join("o2"), Kind::Run).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn links_are_refused_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("target");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("precious.png"), "x").unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(Staged::begin(&link, Kind::Run).unwrap_err().exit_code(), 2);
        // A `charts` link inside an output folder is not ecsim's: refused, the target kept.
        let dest = tmp.path().join("out");
        fs::create_dir(&dest).unwrap();
        std::os::unix::fs::symlink(&target, dest.join("charts")).unwrap();
        let e = Staged::begin(&dest, Kind::Run).unwrap_err();
        assert!(e.to_string().contains("charts"), "{e}");
        assert_eq!(names(&target), ["precious.png"]);
    }

    #[test]
    fn stale_folders_are_removed_but_live_ones_and_lookalikes_are_not() {
        let tmp = tempfile::tempdir().unwrap();
        // A killed run's folder: ecsim's manifest, no lock held.
        let stale = tmp.path().join(".ecsim-tmp-killed0001");
        fs::create_dir(&stale).unwrap();
        fs::write(stale.join(MANIFEST), format!("{HEADER}\n")).unwrap();
        fs::write(stale.join("timeseries.csv"), "big").unwrap();
        // A lookalike without the manifest is somebody else's.
        let other = tmp.path().join(".ecsim-tmp-notours");
        fs::create_dir(&other).unwrap();
        fs::write(other.join("x"), "x").unwrap();
        // A run in progress (this process holds its lock).
        let live = Staged::begin(&tmp.path().join("a"), Kind::Run).unwrap();
        let next = Staged::begin(&tmp.path().join("b"), Kind::Run).unwrap();
        assert!(!stale.exists(), "the killed run's folder is removed");
        assert!(other.join("x").exists());
        assert!(live.path().exists(), "a live run's folder is kept");
        drop(next);
        drop(live);
    }
}
