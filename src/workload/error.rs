//! The error type shared by all workload readers, plus the small parsing
//! helpers they have in common (file opening, CSV header lookup, numbers and
//! timestamps). Only [`TraceError`] and [`TimeFormat`] are public API; the
//! helpers are `pub(super)` for the sibling reader modules.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

pub(super) use crate::time::Stamp;
use crate::time::parse_iso8601;

/// An error while reading a workload file: where it happened and what was
/// expected there.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceError {
    /// The file being read (as given).
    pub file: String,
    /// 1-based line number; 0 means the whole file (e.g. it cannot be opened).
    pub line: usize,
    /// Name of the offending column, when there is one.
    pub column: Option<String>,
    /// What went wrong and what was expected.
    pub message: String,
}

impl TraceError {
    /// A new error at `line` (0 = whole file), optionally naming a column.
    pub fn new(file: &str, line: usize, column: Option<&str>, message: impl Into<String>) -> Self {
        TraceError {
            file: file.to_string(),
            line,
            column: column.map(str::to_string),
            message: message.into(),
        }
    }
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.file, self.line)?;
        if let Some(c) = &self.column {
            write!(f, "column `{c}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for TraceError {}

/// How a time column is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// A number of seconds (Unix epoch or relative; only differences are used).
    Seconds,
    /// ISO 8601 / RFC 3339 style, e.g. `1995-07-01T04:00:00Z` or
    /// `2023-11-16 18:17:03.1234567`; UTC unless an offset is given.
    Iso8601,
}

/// Longest line (and longest record, for quoted fields spanning lines) the readers accept, in bytes:
/// 1 MiB, a thousand times the longest row of any trace format ecsim reads. Without it `/dev/zero`, or a
/// small gzip holding one 200 MB line, would be read into memory whole (docs/limits.md).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Reads one line into `buf` (appending, with its line end) but never more than [`MAX_LINE_BYTES`] of it;
/// `line_no` is the line being read, for the error. Returns the bytes read (0 at the end).
pub(super) fn read_line_bounded(
    input: &mut dyn BufRead,
    buf: &mut String,
    file: &str,
    line_no: usize,
) -> Result<usize, TraceError> {
    let limit = MAX_LINE_BYTES as u64 + 2; // room for "\r\n" after a line of exactly the limit
    let n = Read::take(&mut *input, limit).read_line(buf).map_err(|e| {
        let why = if e.kind() == std::io::ErrorKind::InvalidData {
            "the line is not valid UTF-8 text".to_string()
        } else {
            format!("cannot read: {e}")
        };
        TraceError::new(file, line_no, None, why)
    })?;
    if n as u64 == limit && !buf.ends_with('\n') {
        return Err(TraceError::new(
            file,
            line_no,
            None,
            format!(
                "line longer than {MAX_LINE_BYTES} bytes (1 MiB), the longest a trace or job file may have"
            ),
        ));
    }
    Ok(n)
}

/// Opens a file for buffered streaming, gunzipping names ending in `.gz`.
pub(super) fn open_input(path: &Path) -> Result<Box<dyn BufRead + Send>, TraceError> {
    let name = path.display().to_string();
    let f = File::open(path)
        .map_err(|e| TraceError::new(&name, 0, None, format!("cannot open: {e}")))?;
    if name.ends_with(".gz") {
        let gz = flate2::read::MultiGzDecoder::new(BufReader::new(f));
        Ok(Box::new(BufReader::with_capacity(1 << 16, gz)))
    } else {
        Ok(Box::new(BufReader::with_capacity(1 << 16, f)))
    }
}

/// What a field that failed to parse holds, without quoting it: errors about a file the scenario names
/// never echo that file's content (a trace `file = "/etc/shadow"` must not print a line of it), only its
/// line, column and what was expected there.
pub(super) fn opaque(s: &str) -> String {
    let t = s.trim();
    match t.parse::<f64>() {
        _ if t.is_empty() => "an empty field".to_string(),
        Ok(v) if v.is_nan() => "NaN".to_string(),
        Ok(_) => "an infinite number".to_string(),
        Err(_) => format!("{} characters of other text (not shown)", t.chars().count()),
    }
}

/// Why a field's text is not the value expected there. The text itself is never kept, only what `opaque`
/// says of it (errors about a file the scenario names never echo its content).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(super) enum FieldError {
    #[error("expected a number, found {0}")]
    NotANumber(String),
    #[error("expected a time in seconds, found {0}")]
    NotSeconds(String),
    #[error("expected an ISO 8601 time like 2024-01-01T08:00:00Z, found {0}")]
    NotIso8601(String),
    #[error("no such date (a month outside 1-12, or a day the month does not have)")]
    NoSuchDate,
    #[error("time of day out of range (an hour over 23, a minute over 59 or a second over 60)")]
    TimeOfDay,
    #[error("cannot recognise a time (seconds or ISO 8601): found {0}")]
    UnknownTime(String),
    /// Not a count of CPU units or MiB: negative, or past u32.
    #[error("expected a non-negative number up to {max}, found {0}", max = u32::MAX)]
    NotUnits(f64),
}

/// A [`TraceError`]'s message.
impl From<FieldError> for String {
    fn from(e: FieldError) -> String {
        e.to_string()
    }
}

/// Parses a finite number.
pub(super) fn parse_number(s: &str) -> Result<f64, FieldError> {
    let t = s.trim();
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(FieldError::NotANumber(opaque(t))),
    }
}

/// Parses a number of seconds, keeping the fraction separately for precision.
pub(super) fn parse_seconds(s: &str) -> Result<Stamp, FieldError> {
    let t = s.trim();
    let v = parse_number(t)?;
    // For plain "int.frac" text keep the two parts apart (no rounding to f64).
    if let Some((a, f)) = t.split_once('.')
        && !a.is_empty()
        && !a.starts_with('-')
        && a.bytes().all(|c| c.is_ascii_digit())
        && f.bytes().all(|c| c.is_ascii_digit())
        && a.len() <= 17
        && let Ok(secs) = a.parse::<i64>()
    {
        let frac = if f.is_empty() {
            0.0
        } else {
            format!("0.{f}").parse::<f64>().unwrap_or(0.0)
        };
        return Ok(Stamp { secs, frac });
    }
    let fl = v.floor();
    Ok(Stamp {
        secs: fl as i64,
        frac: v - fl,
    })
}

/// Parses a time in the given format.
pub(super) fn parse_time(s: &str, fmt: TimeFormat) -> Result<Stamp, FieldError> {
    match fmt {
        TimeFormat::Seconds => parse_seconds(s).map_err(|_| FieldError::NotSeconds(opaque(s))),
        // The file's text is not echoed (docs/limits.md): say what was wrong, not what was there.
        TimeFormat::Iso8601 => parse_iso8601(s).map_err(|e| match e {
            crate::time::IsoTimeError::Syntax(_) => FieldError::NotIso8601(opaque(s)),
            crate::time::IsoTimeError::NoSuchDate(_) => FieldError::NoSuchDate,
            crate::time::IsoTimeError::TimeOfDay(_) => FieldError::TimeOfDay,
        }),
    }
}

/// Guesses the format of a time field: a number, else ISO 8601.
pub(super) fn detect_time_format(s: &str) -> Result<TimeFormat, FieldError> {
    if parse_number(s).is_ok() {
        Ok(TimeFormat::Seconds)
    } else if parse_iso8601(s).is_ok() {
        Ok(TimeFormat::Iso8601)
    } else {
        Err(FieldError::UnknownTime(opaque(s)))
    }
}

/// A streaming delimited-text reader (RFC 4180 quoting, quoted fields may
/// span lines, blank lines skipped) that knows its file name, header and the
/// line of the current record, and builds [`TraceError`]s from them.
///
/// Written by hand rather than with the `csv` crate because that crate's
/// record positions drift after blank lines and with CRLF line ends, and the
/// line number is the point of these errors.
pub(super) struct CsvSource {
    file: String,
    input: Box<dyn BufRead + Send>,
    delimiter: u8,
    headers: Vec<String>,
    fields: Vec<String>,
    nfields: usize,
    buf: String,
    line: usize,
    lines_read: usize,
}

impl CsvSource {
    /// Opens `path` and reads its header row.
    pub fn open(path: &Path, delimiter: u8) -> Result<Self, TraceError> {
        let file = path.display().to_string();
        let input = open_input(path)?;
        let mut src = CsvSource {
            file,
            input,
            delimiter,
            headers: Vec::new(),
            fields: Vec::new(),
            nfields: 0,
            buf: String::new(),
            line: 0,
            lines_read: 0,
        };
        if !src.advance()? {
            return Err(TraceError::new(
                &src.file,
                1,
                None,
                "empty file: expected a header row",
            ));
        }
        src.headers = src.fields[..src.nfields]
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        Ok(src)
    }

    /// File name used in errors.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Index of the column called `name`.
    /// The header is not quoted (see [`opaque`]): only its size, and a header name close to `name`.
    pub fn column(&self, name: &str) -> Result<usize, TraceError> {
        self.headers.iter().position(|h| h == name).ok_or_else(|| {
            let near = (name.chars().count() >= 4)
                .then(|| crate::scenario::diag::closest(name, self.headers.iter().map(String::as_str)))
                .flatten()
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            TraceError::new(
                &self.file,
                1,
                Some(name),
                format!(
                    "missing column `{name}`: the header row has {} columns, none called that{near}",
                    self.headers.len()
                ),
            )
        })
    }

    /// Reads one physical line into `buf` (without the line end); `false` at EOF.
    fn read_line(&mut self) -> Result<bool, TraceError> {
        self.buf.clear();
        let n = read_line_bounded(
            self.input.as_mut(),
            &mut self.buf,
            &self.file,
            self.lines_read + 1,
        )?;
        if n == 0 {
            return Ok(false);
        }
        self.lines_read += 1;
        let keep = self.buf.trim_end_matches(['\n', '\r']).len();
        self.buf.truncate(keep);
        Ok(true)
    }

    /// Reads the next record; `false` at the end of the file.
    pub fn advance(&mut self) -> Result<bool, TraceError> {
        loop {
            if !self.read_line()? {
                return Ok(false);
            }
            if !self.buf.trim().is_empty() {
                break;
            }
        }
        self.line = self.lines_read;
        self.nfields = 0;
        let delim = char::from(self.delimiter);
        let (mut in_quotes, mut just_closed, mut at_start) = (false, false, true);
        let mut record_bytes = 0;
        self.push_field();
        loop {
            let text = std::mem::take(&mut self.buf);
            record_bytes += text.len() + 1; // and its line end
            if record_bytes > MAX_LINE_BYTES {
                return Err(TraceError::new(
                    &self.file,
                    self.line,
                    None,
                    format!(
                        "a quoted field makes this record longer than {MAX_LINE_BYTES} bytes (1 MiB)"
                    ),
                ));
            }
            for c in text.chars() {
                let cur = &mut self.fields[self.nfields - 1];
                let closed = std::mem::take(&mut just_closed);
                if in_quotes {
                    if c == '"' {
                        in_quotes = false;
                        just_closed = true;
                    } else {
                        cur.push(c);
                    }
                } else if c == '"' && closed {
                    cur.push('"'); // a doubled quote inside a quoted field
                    in_quotes = true;
                } else if c == delim {
                    self.push_field();
                    at_start = true;
                    continue;
                } else if c == '"' && at_start {
                    cur.clear();
                    in_quotes = true;
                } else {
                    cur.push(c);
                }
                at_start = at_start && c.is_whitespace();
            }
            self.buf = text;
            if !in_quotes {
                return Ok(true);
            }
            if !self.read_line()? {
                return Err(TraceError::new(
                    &self.file,
                    self.line,
                    None,
                    "unterminated quoted field",
                ));
            }
            self.fields[self.nfields - 1].push('\n');
        }
    }

    fn push_field(&mut self) {
        if self.nfields == self.fields.len() {
            self.fields.push(String::new());
        }
        self.fields[self.nfields].clear();
        self.nfields += 1;
    }

    /// Line (1-based) where the current record starts.
    pub fn line(&self) -> usize {
        self.line
    }

    /// An error about column `idx` of the current record.
    pub fn error(&self, idx: usize, message: impl Into<String>) -> TraceError {
        TraceError::new(
            &self.file,
            self.line,
            self.headers.get(idx).map(String::as_str),
            message,
        )
    }

    /// The trimmed text of column `idx` in the current record.
    pub fn field(&self, idx: usize) -> Result<&str, TraceError> {
        if idx < self.nfields {
            Ok(self.fields[idx].trim())
        } else {
            Err(self.error(
                idx,
                format!(
                    "row has {} fields, expected at least {}",
                    self.nfields,
                    idx + 1
                ),
            ))
        }
    }

    /// Column `idx` of the current record as a number.
    pub fn number(&self, idx: usize) -> Result<f64, TraceError> {
        parse_number(self.field(idx)?).map_err(|m| self.error(idx, m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_column() {
        let e = TraceError::new(
            "a.csv",
            7,
            Some("requests"),
            "expected a number, found 3 characters of other text (not shown)",
        );
        assert_eq!(
            e.to_string(),
            "a.csv:7: column `requests`: expected a number, found 3 characters of other text (not shown)"
        );
        let e = TraceError::new("a.csv", 0, None, "cannot open");
        assert_eq!(e.to_string(), "a.csv:0: cannot open");
    }

    #[test]
    fn seconds_and_detection() {
        let t = parse_seconds("1700158623.1234567").unwrap();
        assert_eq!(t.secs, 1_700_158_623);
        assert!((t.frac - 0.1234567).abs() < 1e-12);
        let t = parse_seconds("-1.5").unwrap();
        assert_eq!((t.secs, t.frac), (-2, 0.5));
        assert_eq!(
            detect_time_format("804571200").unwrap(),
            TimeFormat::Seconds
        );
        assert_eq!(
            detect_time_format("1995-07-01T04:00:00Z").unwrap(),
            TimeFormat::Iso8601
        );
        assert!(detect_time_format("noon").is_err());
        assert!(parse_number("nan").is_err());
        assert_eq!(
            parse_number(" abc ").unwrap_err().to_string(),
            "expected a number, found 3 characters of other text (not shown)"
        );
    }

    /// A line past 1 MiB is refused at its line number, plain or gzipped, before it is read whole; a gzip
    /// of a 200 MB line is only a few hundred KB, so this bounds memory where file size cannot.
    #[test]
    fn lines_are_bounded() {
        use std::io::Write;
        let dir = std::env::temp_dir().join(format!("ecsim-long-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let long = format!("t,v\n0,1\n{}\n", "9".repeat(MAX_LINE_BYTES + 10));
        let p = dir.join("long.csv");
        std::fs::write(&p, &long).unwrap();
        let gz = dir.join("long.csv.gz");
        let mut enc =
            flate2::write::GzEncoder::new(File::create(&gz).unwrap(), flate2::Compression::fast());
        enc.write_all(long.as_bytes()).unwrap();
        enc.finish().unwrap();
        for path in [&p, &gz] {
            let mut s = CsvSource::open(path, b',').unwrap();
            assert!(s.advance().unwrap());
            let e = s.advance().unwrap_err();
            assert_eq!(e.line, 3, "{e}");
            assert!(
                e.message.starts_with("line longer than 1048576 bytes"),
                "{e}"
            );
        }
        // A quoted field may span lines, but not past the same limit in all.
        let many = format!("t,v\n0,\"{}\"\n", "a\n".repeat(MAX_LINE_BYTES / 2 + 1));
        std::fs::write(&p, many).unwrap();
        let mut s = CsvSource::open(&p, b',').unwrap();
        let e = s.advance().unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("longer than 1048576 bytes"), "{e}");
        // Invalid UTF-8 names its line.
        std::fs::write(&p, b"t,v\n0,1\n1,\xff\n").unwrap();
        let mut s = CsvSource::open(&p, b',').unwrap();
        assert!(s.advance().unwrap());
        let e = s.advance().unwrap_err();
        assert_eq!(
            (e.line, e.message.as_str()),
            (3, "the line is not valid UTF-8 text")
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn delimited_reader_lines_and_quotes() {
        let dir = std::env::temp_dir().join(format!("ecsim-err-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("q.csv");
        let body = "\u{feff}a, b ,c\r\n1,\"x,\"\"y\"\"\",3\r\n\r\n\n4,\"multi\nline\",6\n7,8\n";
        std::fs::write(&p, body).unwrap();
        let mut s = CsvSource::open(&p, b',').unwrap();
        assert_eq!(s.column("b").unwrap(), 1);
        assert!(s.advance().unwrap());
        assert_eq!(
            (s.line(), s.field(0).unwrap(), s.field(1).unwrap()),
            (2, "1", "x,\"y\"")
        );
        assert!(s.advance().unwrap());
        assert_eq!(
            (s.line(), s.field(1).unwrap(), s.field(2).unwrap()),
            (5, "multi\nline", "6")
        );
        assert!(s.advance().unwrap());
        assert_eq!(s.line(), 7);
        let e = s.field(2).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (7, Some("c")));
        assert_eq!(e.message, "row has 2 fields, expected at least 3");
        assert!(!s.advance().unwrap());
        let e = s.column("d").unwrap_err();
        assert_eq!(
            e.message,
            "missing column `d`: the header row has 3 columns, none called that"
        );
        std::fs::write(&p, "a\n\"open\n").unwrap();
        let mut s = CsvSource::open(&p, b',').unwrap();
        assert_eq!(s.advance().unwrap_err().line, 2);
        std::fs::write(&p, "").unwrap();
        assert_eq!(
            CsvSource::open(&p, b',').err().unwrap().message,
            "empty file: expected a header row"
        );
    }
}
