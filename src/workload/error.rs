//! The error type shared by all workload readers, plus the small parsing
//! helpers they have in common (file opening, CSV header lookup, numbers and
//! timestamps). Only [`TraceError`] and [`TimeFormat`] are public API; the
//! helpers are `pub(super)` for the sibling reader modules.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
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

/// Opens a file for buffered streaming, gunzipping names ending in `.gz`.
pub(super) fn open_input(path: &Path) -> Result<Box<dyn BufRead>, TraceError> {
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

/// Parses a finite number.
pub(super) fn parse_number(s: &str) -> Result<f64, String> {
    let t = s.trim();
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("expected a number, found {t:?}")),
    }
}

/// Parses a number of seconds, keeping the fraction separately for precision.
pub(super) fn parse_seconds(s: &str) -> Result<Stamp, String> {
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
pub(super) fn parse_time(s: &str, fmt: TimeFormat) -> Result<Stamp, String> {
    match fmt {
        TimeFormat::Seconds => parse_seconds(s)
            .map_err(|_| format!("expected a time in seconds, found {:?}", s.trim())),
        TimeFormat::Iso8601 => parse_iso8601(s).map_err(|e| e.to_string()),
    }
}

/// Guesses the format of a time field: a number, else ISO 8601.
pub(super) fn detect_time_format(s: &str) -> Result<TimeFormat, String> {
    if parse_number(s).is_ok() {
        Ok(TimeFormat::Seconds)
    } else if parse_iso8601(s).is_ok() {
        Ok(TimeFormat::Iso8601)
    } else {
        Err(format!(
            "cannot recognise a time (seconds or ISO 8601) in {:?}",
            s.trim()
        ))
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
    input: Box<dyn BufRead>,
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
    pub fn column(&self, name: &str) -> Result<usize, TraceError> {
        self.headers.iter().position(|h| h == name).ok_or_else(|| {
            TraceError::new(
                &self.file,
                1,
                Some(name),
                format!(
                    "missing column `{name}` (columns: {})",
                    self.headers.join(", ")
                ),
            )
        })
    }

    /// Reads one physical line into `buf` (without the line end); `false` at EOF.
    fn read_line(&mut self) -> Result<bool, TraceError> {
        self.buf.clear();
        let n = self.input.read_line(&mut self.buf).map_err(|e| {
            TraceError::new(
                &self.file,
                self.lines_read + 1,
                None,
                format!("cannot read: {e}"),
            )
        })?;
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
        self.push_field();
        loop {
            let text = std::mem::take(&mut self.buf);
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
            "expected a number, found \"abc\"",
        );
        assert_eq!(
            e.to_string(),
            "a.csv:7: column `requests`: expected a number, found \"abc\""
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
            parse_number(" abc ").unwrap_err(),
            "expected a number, found \"abc\""
        );
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
        assert_eq!(e.message, "missing column `d` (columns: a, b, c)");
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
