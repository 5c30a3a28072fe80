//! Reading the files a scenario is made of, bounded: a scenario or sweep (text, at most
//! [`MAX_SCENARIO_BYTES`]) and task-definition JSON (at most `taskdef_json::MAX_JSON_BYTES`), so that a
//! `file = "/dev/zero"` never fills memory, and invalid UTF-8 is reported with its line, column and byte
//! offset (issue #18; docs/limits.md).

use std::path::Path;

/// Why a scenario's file cannot be read; the text says which limit or what the system said.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Opening or reading failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Past the size limit (bytes).
    #[error("the file is larger than {0} bytes, the most ecsim reads (docs/limits.md)")]
    TooLarge(u64),
    /// Invalid UTF-8 at this byte offset, on this line.
    #[error(
        "the file is not valid UTF-8 text: byte offset {offset} (line {line}) starts an invalid sequence"
    )]
    NotUtf8 {
        /// Where the invalid sequence starts.
        offset: usize,
        /// Its 1-based line.
        line: usize,
    },
}

/// A text file read whole, but never more than `max_bytes` of it (a `file = "/dev/zero"` must not fill
/// memory); invalid UTF-8 is reported with its byte offset and line.
pub(super) fn read_bounded(path: &Path, max_bytes: u64) -> Result<String, ReadError> {
    let bytes = read_bytes_bounded(path, max_bytes)?;
    String::from_utf8(bytes).map_err(|e| utf8_error(e.as_bytes(), e.utf8_error()))
}

/// Largest scenario file read, in bytes: 16 MiB (the largest example is a few KB; a generated fleet of
/// thousands of services stays far below).
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// A text file (a scenario, a sweep) read whole up to `max_bytes`; an error is (line, column, message),
/// line 0 for the file as a whole, and invalid UTF-8 gives the line, column and byte offset.
pub fn read_text(path: &Path, max_bytes: u64) -> Result<String, (usize, usize, ReadError)> {
    let bytes = read_bytes_bounded(path, max_bytes).map_err(|m| (0, 0, m))?;
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let line_start = bytes[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
        let column = String::from_utf8_lossy(&bytes[line_start..at])
            .chars()
            .count()
            + 1;
        (line, column, utf8_error(bytes, e.utf8_error()))
    })
}

/// A file's bytes, refused beyond `max_bytes`.
fn read_bytes_bounded(path: &Path, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let f = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    f.take(max_bytes + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(ReadError::TooLarge(max_bytes));
    }
    Ok(bytes)
}

/// "not valid UTF-8 at byte B (line L)" for a file's bytes.
fn utf8_error(bytes: &[u8], e: std::str::Utf8Error) -> ReadError {
    let offset = e.valid_up_to();
    let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
    ReadError::NotUtf8 { offset, line }
}
