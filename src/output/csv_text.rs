//! CSV cells a spreadsheet must read as text (OWASP's rule against CSV injection): a text cell that
//! starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so that a service named
//! `=HYPERLINK(…)` is shown, not run. Numbers are never touched (a negative number stays a number): the
//! rule is applied to names and messages, and to cells of mixed columns only when they are not a number.
//! A cell that already starts with quotes before such a character gets one more, so that [`unescape`]
//! (used by the charts and the report, which read the files back) returns every name exactly.

use std::borrow::Cow;

fn risky(s: &str) -> bool {
    matches!(
        s.trim_start_matches('\'').as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// A text cell as written: `'` prepended when a spreadsheet would take it for a formula.
pub fn text(s: &str) -> Cow<'_, str> {
    if risky(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A cell of a column holding numbers or text: numbers (finite, as Rust parses them) as they are, text
/// by [`text`].
pub fn text_or_number(s: &str) -> Cow<'_, str> {
    if s.parse::<f64>().is_ok_and(f64::is_finite) {
        Cow::Borrowed(s)
    } else {
        text(s)
    }
}

/// The text a cell written by [`text`] stands for.
pub fn unescape(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if risky(rest) => rest,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        assert_eq!(text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for c in ["+1", "-cmd", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(text(c), format!("'{c}"));
        }
        assert_eq!(text("web"), "web");
        assert_eq!(text(""), "");
        assert_eq!(text("'=x"), "''=x");
        assert_eq!(text("'plain"), "'plain");
        assert_eq!(text_or_number("-1.5"), "-1.5");
        assert_eq!(text_or_number("-7"), "-7");
        assert_eq!(text_or_number("-inf"), "'-inf");
        assert_eq!(text_or_number("-x"), "'-x");
        for s in ["=a", "'=a", "''=a", "web", "'web", "-1", "", "'"] {
            assert_eq!(unescape(&text(s)), s, "{s:?} round trip");
        }
    }
}
