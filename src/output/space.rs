//! The free space of the disk a run will be written to (issue #20: "an `[output]` option that would write
//! more than the disk holds is refused up front with the estimated size"). The run's files are staged in
//! a fresh folder beside the destination ([`super::folder`]) and the old run is deleted only after the
//! swap, so the new run needs its whole size free while the old one still exists.
//!
//! The estimate ([`super::estimate`]) is a floor for `tasks.csv`, `events.csv` and `scaling.csv`, and
//! `timeseries.csv`'s row width is an average (narrow scenarios write ~80 bytes a row, 110 are assumed),
//! so a refusal is a strong hint, not a proof: `--force` runs anyway.

use std::path::{Path, PathBuf};

/// Bytes an unprivileged process may still write on the file system holding `dir` (or, when `dir` does
/// not exist yet, its nearest existing ancestor); `None` where the platform or the path cannot tell.
/// `ECSIM_FREE_BYTES`, when set to a number, stands in for the disk's answer (tests use it: a full disk
/// cannot be made in a test without privileges).
pub fn free_bytes(dir: &Path) -> Option<u64> {
    if let Some(n) = std::env::var("ECSIM_FREE_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return Some(n);
    }
    let at = existing_ancestor(dir)?;
    available(&at)
}

/// `dir` or the nearest ancestor that exists (a relative path's last resort is the current folder).
fn existing_ancestor(dir: &Path) -> Option<PathBuf> {
    // Bounded: a path has finitely many components; 4,096 is PATH_MAX.
    let mut p = dir.to_path_buf();
    for _ in 0..4096 {
        if p.as_os_str().is_empty() {
            return Some(PathBuf::from("."));
        }
        if p.exists() {
            return Some(p);
        }
        if !p.pop() {
            return None;
        }
    }
    None
}

#[cfg(target_os = "linux")]
fn available(at: &Path) -> Option<u64> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = CString::new(at.as_os_str().as_bytes()).ok()?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: a valid NUL-terminated path and a pointer to a `statvfs` the call fills on success.
    let r = unsafe { libc::statvfs(c.as_ptr(), st.as_mut_ptr()) };
    if r != 0 {
        return None;
    }
    // SAFETY: `statvfs` returned 0, so it filled the struct.
    let st = unsafe { st.assume_init() };
    // Blocks free to unprivileged users, in fragment-size units (statvfs(3)).
    // `fsblkcnt_t` and `c_ulong` are u64 on 64-bit Linux, narrower elsewhere.
    #[allow(clippy::useless_conversion)]
    Some(u64::from(st.f_bavail).saturating_mul(u64::from(st.f_frsize)))
}

#[cfg(not(target_os = "linux"))]
fn available(_at: &Path) -> Option<u64> {
    None
}

/// A run whose estimated output does not fit in the free space of its disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoSpace {
    /// What the run (all its copies) would write at least.
    pub needed_bytes: u64,
    /// What the disk has free.
    pub free_bytes: u64,
    /// Where it would be written.
    pub dir: PathBuf,
}

impl std::fmt::Display for NoSpace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "this run would write about {} to {} but its disk has {} free; free some space, write \
             elsewhere with --out, write fewer rows with [output] timeseries_interval or detail = \"summary\", \
             or pass --force if you know it fits (the estimate assumes rows of about {} bytes)",
            super::estimate::bytes(self.needed_bytes),
            self.dir.display(),
            super::estimate::bytes(self.free_bytes),
            super::estimate::SERIES_ROW_BYTES,
        )
    }
}

/// `Err` when `needed_bytes` is more than `free` (unknown free space passes: nothing to say).
pub fn check(needed_bytes: u64, free: Option<u64>, dir: &Path) -> Result<(), NoSpace> {
    match free {
        Some(free) if needed_bytes > free => Err(NoSpace {
            needed_bytes,
            free_bytes: free,
            dir: dir.to_path_buf(),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_than_the_free_space_is_refused_with_both_sizes() {
        let dir = Path::new("results/big");
        assert_eq!(check(999, Some(1_000), dir), Ok(()));
        assert_eq!(check(1_000, Some(1_000), dir), Ok(()));
        let e = check(2_500_000_000, Some(1_200_000_000), dir).unwrap_err();
        let m = e.to_string();
        // 2.5e9 bytes → "2.5 GB"; 1.2e9 → "1.2 GB" (estimate::bytes, decimal units).
        assert!(m.contains("about 2.5 GB to results/big"), "{m}");
        assert!(m.contains("has 1.2 GB free"), "{m}");
        assert!(m.contains("--force"), "{m}");
        // Nothing known, nothing refused.
        assert_eq!(check(u64::MAX, None, dir), Ok(()));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_folder_not_made_yet_is_measured_at_its_nearest_ancestor() {
        let t = tempfile::tempdir().unwrap();
        let deep = t.path().join("a/b/c");
        assert_eq!(existing_ancestor(&deep).as_deref(), Some(t.path()));
        let free = free_bytes(&deep).expect("statvfs on a temporary folder");
        assert!(free > 0, "a writable temporary folder has room");
        assert_eq!(free_bytes(t.path()).map(|f| f > 0), Some(true));
        assert_eq!(
            existing_ancestor(Path::new("no-such-folder-here/x")),
            Some(PathBuf::from("."))
        );
    }
}
