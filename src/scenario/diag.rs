//! Diagnostics that name the file, line, column and field, and "did you mean" suggestions.

use std::fmt;

/// One problem in an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// File path as given.
    pub file: String,
    /// 1-based line (0 when the problem is the file as a whole).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// Dotted field path, e.g. `services[1].task_definition` (empty for syntax errors).
    pub field: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// Longest piece of a quoted value (a word of a message, a field path, a file name) an error shows, in
/// bytes: an 8 MB value must not make an 8 MB error line.
pub const MAX_QUOTED_BYTES: usize = 200;

/// Longest message shown, in bytes (its start and its end are kept).
pub const MAX_MESSAGE_BYTES: usize = 1000;

/// `s` made safe to print: control characters escaped (no terminal escape sequences from a file), and any
/// run of more than [`MAX_QUOTED_BYTES`] bytes without a space cut in the middle, saying how much was cut;
/// then the whole cut to [`MAX_MESSAGE_BYTES`] the same way.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MAX_MESSAGE_BYTES + 64));
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if out.len() > 2 * MAX_MESSAGE_BYTES {
            out.push('…');
            break;
        }
        out.push_str(&cut_middle(word, MAX_QUOTED_BYTES));
    }
    cut_middle(&out, MAX_MESSAGE_BYTES)
}

/// Control characters as `\u{…}` escapes (no terminal escape sequences from a file).
fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// `s` with control characters escaped and cut to about `max` bytes: its start and end with
/// "…(N bytes cut)…" between (N counted in `s`), on char boundaries. Only the kept parts are escaped, so
/// a 20 MB value costs no more than a short one.
fn cut_middle(s: &str, max: usize) -> String {
    if s.len() <= max {
        let e = escape_controls(s);
        if e.len() <= max {
            return e;
        }
    }
    let floor = |mut i: usize| {
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let head = floor((max * 2 / 3).min(s.len()));
    let tail = floor(s.len().saturating_sub(max / 4)).max(head);
    format!(
        "{}…({} bytes cut)…{}",
        escape_controls(&s[..head]),
        tail - head,
        escape_controls(&s[tail..])
    )
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", sanitize(&self.file))?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        write!(f, ": ")?;
        if !self.field.is_empty() {
            write!(f, "field `{}`: ", sanitize(&self.field))?;
        }
        write!(f, "{}", sanitize(&self.message))
    }
}

/// All the problems found in one load. Displayed one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Byte offset → (line, column), both 1-based; columns count characters.
pub struct LineIndex<'a> {
    src: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Index the line starts of `src`.
    pub fn new(src: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { src, starts }
    }

    /// Line and column of a byte offset.
    pub fn locate(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.src.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let col = self.src[start..offset].chars().count() + 1;
        (line, col)
    }
}

/// Longest word the "did you mean" search looks at: edit distance is quadratic, and a 20 MB instance type
/// took 8 s. No real name is this long.
pub const MAX_SUGGEST_BYTES: usize = 100;

/// The closest candidate by edit distance, if it is close enough to be a likely typo (none for words
/// longer than [`MAX_SUGGEST_BYTES`], and candidates that long are skipped).
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    if word.len() > MAX_SUGGEST_BYTES {
        return None;
    }
    let candidates = candidates
        .into_iter()
        .filter(|c| c.len() <= MAX_SUGGEST_BYTES);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = strsim::levenshtein(&word.to_lowercase(), &c.to_lowercase());
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    let limit = (word.len() / 3).max(2);
    best.filter(|&(d, _)| d <= limit).map(|(_, c)| c)
}

/// Add "did you mean …?" to serde's `unknown field`/`unknown variant` messages, which list the valid names.
pub fn enrich_serde_message(msg: &str) -> String {
    for prefix in ["unknown field `", "unknown variant `"] {
        if let Some(rest) = msg.strip_prefix(prefix)
            && let Some(end) = rest.find('`')
        {
            let word = &rest[..end];
            let expected: Vec<&str> = rest[end..].split('`').skip(2).step_by(2).collect();
            if let Some(c) = closest(word, expected.iter().copied()) {
                return format!("{}; did you mean `{c}`?", msg.trim_end());
            }
        }
    }
    let mut out = msg.trim_end().to_string();
    for (ty, words) in [
        ("expected u64", "expected a whole number ≥ 0"),
        (
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        ),
        ("expected u16", "expected a whole number from 0 to 65535"),
        ("expected f64", "expected a number"),
    ] {
        out = out.replace(ty, words);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_locates() {
        let li = LineIndex::new("ab\ncdé\nx");
        assert_eq!(li.locate(0), (1, 1));
        assert_eq!(li.locate(3), (2, 1));
        assert_eq!(li.locate(7), (2, 4));
        assert_eq!(li.locate(8), (3, 1));
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            enrich_serde_message(
                "unknown field `desird_count`, expected one of `name`, `desired_count`"
            ),
            "unknown field `desird_count`, expected one of `name`, `desired_count`; did you mean `desired_count`?"
        );
        assert_eq!(closest("zzzz", ["binpack", "spread"]), None);
        assert_eq!(closest("binpak", ["binpack", "spread"]), Some("binpack"));
        assert_eq!(closest(&"b".repeat(101), ["binpack"]), None);
    }

    #[test]
    fn long_values_and_control_characters_are_cut() {
        // An 8 MB value in a message: the line stays under MAX_MESSAGE_BYTES plus the cut notes.
        let huge = format!(
            "unknown instance type \"{}\"; see docs",
            "x".repeat(8 << 20)
        );
        let d = Diagnostic {
            file: "a.toml".into(),
            line: 3,
            column: 1,
            field: "f".into(),
            message: huge,
        };
        let shown = d.to_string();
        assert!(shown.len() < 1200, "{} bytes", shown.len());
        assert!(shown.starts_with("a.toml:3:1: field `f`: unknown instance type \"xxx"));
        assert!(shown.ends_with("see docs"), "{shown}");
        assert!(shown.contains("bytes cut"));
        assert_eq!(sanitize("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(sanitize("short words stay"), "short words stay");
    }
}
