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

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        write!(f, ": ")?;
        if !self.field.is_empty() {
            write!(f, "field `{}`: ", self.field)?;
        }
        write!(f, "{}", self.message)
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

/// The closest candidate by edit distance, if it is close enough to be a likely typo.
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
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
    }
}
