//! The one way ecsim writes a file: into a temporary file beside it, created exclusively (`O_EXCL`, so a
//! file or symlink planted at the name is never opened or followed) under an unpredictable name
//! (`.NAME.tmp-`, random characters and NAME's extension, not the process id: array jobs in containers all run as pid 1), then
//! renamed over the final name. A process killed at any moment leaves the old file or the new one, never
//! part of one; a write that fails removes its temporary file. The rename replaces a symlink at the final
//! name rather than writing through it.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Longest file-name stem kept in a temporary name (file systems allow 255 bytes).
const NAME_BYTES: usize = 100;

/// A file being written: the open temporary file, renamed into place by [`Pending::commit`] and removed
/// if dropped uncommitted.
#[derive(Debug)]
pub struct Pending {
    temp: tempfile::TempPath,
    dest: PathBuf,
}

/// Create the temporary file for `dest` (in `dest`'s folder, which must exist).
pub fn create(dest: &Path) -> io::Result<(File, Pending)> {
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.len() > NAME_BYTES {
        let mut cut = NAME_BYTES;
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name.truncate(cut);
    }
    let prefix = format!(".{name}.tmp-");
    // Ends in the final name's extension: the PNG encoder picks its format by the extension.
    let suffix = dest
        .extension()
        .map_or(String::new(), |x| format!(".{}", x.to_string_lossy()));
    let mut b = tempfile::Builder::new();
    b.prefix(&prefix).suffix(&suffix).rand_bytes(10);
    #[cfg(unix)]
    {
        // As `File::create` would (0666 less the umask), not tempfile's private 0600.
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let (file, temp) = b.tempfile_in(dir)?.into_parts();
    Ok((
        file,
        Pending {
            temp,
            dest: dest.to_path_buf(),
        },
    ))
}

impl Pending {
    /// The temporary file's path (for writers that open a path themselves, e.g. the PNG encoder).
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Rename the temporary file over the final name.
    pub fn commit(self) -> io::Result<()> {
        self.temp.persist(&self.dest).map_err(|e| e.error)
    }
}

/// Write `path` whole (see the module comment).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let (mut file, pending) = create(path)?;
    file.write_all(bytes)?;
    drop(file);
    pending.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn replaces_whole_and_leaves_no_temporary_file() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("x.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_dropped_write_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("x.csv");
        {
            let (mut f, pending) = create(&p).unwrap();
            f.write_all(b"half").unwrap();
            assert!(pending.temp_path().starts_with(tmp.path()));
        }
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_name_is_replaced_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let victim = tmp.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        let p = tmp.path().join("summary.json");
        std::os::unix::fs::symlink(&victim, &p).unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"keep");
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert!(!fs::symlink_metadata(&p).unwrap().file_type().is_symlink());
    }

    #[test]
    fn temporary_names_are_not_predictable() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("a.csv");
        let (_f1, a) = create(&p).unwrap();
        let (_f2, b) = create(&p).unwrap();
        assert_ne!(a.temp_path(), b.temp_path());
        let n = a
            .temp_path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(n.starts_with(".a.csv.tmp-") && n.ends_with(".csv"), "{n}");
        assert_eq!(n.len(), ".a.csv.tmp-".len() + 10 + ".csv".len(), "{n}");
    }
}
