//! Numbers as text, in one place. Each form is a contract of some output, so each keeps its own name:
//! [`fmt_csv`] for a sweep's CSV cells (10 significant digits, never an exponent), [`fmt_sig`] for the
//! sweep table, [`fmt_value`] for chart legends and report figures (four significant digits),
//! [`fmt_grouped`] for report tables (thousands separators), [`fmt_tick`] for axis labels (`12k`) and
//! [`fmt_duration`] for a duration as a scenario writes it (`30s`, `15m`, `1d`).
//! Changing one changes files users compare byte for byte.

fn trim_zeros(s: String) -> String {
    if s.contains('.') && !s.contains('e') {
        let t = s.trim_end_matches('0').trim_end_matches('.');
        if t == "-0" { "0".into() } else { t.to_string() }
    } else {
        s
    }
}

/// The largest unit a whole number of which is `ms`: (ms per unit, suffix), from days to milliseconds.
pub fn duration_unit(ms: u64) -> (u64, &'static str) {
    [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1000, "s"),
    ]
    .into_iter()
    .find(|&(u, _)| ms.is_multiple_of(u))
    .unwrap_or((1, "ms"))
}

/// A duration as a scenario writes it, in its largest whole unit: `30s`, `27m`, `1h`, `2d`, `1500ms`
/// (`0s` for none). The one form of `[output]`'s suggestions and `summary.json`'s `unconfirmed` values.
pub fn fmt_duration(ms: u64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let (u, s) = duration_unit(ms);
    format!("{}{s}", ms / u)
}

/// An axis label: compact (`12k`, `1.5M`), no float noise.
pub fn fmt_tick(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        String::new()
    } else if a < 1e-12 {
        "0".into()
    } else if a >= 1e9 {
        format!("{}G", trim_zeros(format!("{:.2}", v / 1e9)))
    } else if a >= 1e6 {
        format!("{}M", trim_zeros(format!("{:.2}", v / 1e6)))
    } else if a >= 1e4 {
        format!("{}k", trim_zeros(format!("{:.2}", v / 1e3)))
    } else if a >= 0.01 {
        trim_zeros(format!("{v:.3}"))
    } else {
        format!("{v:.1e}")
    }
}

/// A figure for a legend or table: four significant digits, integers whole; `–` when not finite.
pub fn fmt_value(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let a = v.abs();
    if a >= 1e15 || (a > 0.0 && a < 1e-4) {
        return format!("{v:.3e}");
    }
    let digits = if a < 1.0 {
        0
    } else {
        a.log10().floor() as i32 + 1
    };
    let decimals = (4 - digits).clamp(0, 6) as usize;
    trim_zeros(format!("{v:.decimals$}"))
}

/// A number for a report table: integers with thousands separators, others as [`fmt_value`] (four
/// significant digits) with their integer part grouped.
pub fn fmt_grouped(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let s = if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        fmt_value(v)
    };
    if s.contains('e') {
        return s;
    }
    let (sign, rest) = s.strip_prefix('-').map_or(("", s.as_str()), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(a, b)| (a, Some(b)));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A number for a CSV cell: at most 10 significant digits, no exponent, no trailing zeros, `-0` as `0`,
/// empty when not finite.
pub fn fmt_csv(x: f64) -> String {
    fmt_sig(x, 10)
}

/// A number with at most `sig` significant digits (fixed notation, trailing zeros trimmed).
pub fn fmt_sig(x: f64, sig: i32) -> String {
    if !x.is_finite() {
        return String::new();
    }
    if x == 0.0 {
        return "0".into();
    }
    let mag = x.abs().log10().floor() as i32;
    let decimals = (sig - 1 - mag).clamp(0, 20) as usize;
    let mut s = format!("{x:.decimals$}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" { "0".into() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells() {
        assert_eq!(fmt_csv(3.0), "3");
        assert_eq!(fmt_csv(3.000_000_000_000_000_4), "3");
        assert_eq!(fmt_csv(1.963_243_161_78), "1.963243162");
        assert_eq!(fmt_csv(-0.0), "0");
        assert_eq!(fmt_csv(-1e-12), "-0.000000000001");
        assert_eq!(fmt_csv(123_456_789_012.6), "123456789013");
        assert_eq!(fmt_sig(8.6123, 4), "8.612");
        assert_eq!(fmt_csv(f64::NAN), "");
    }

    #[test]
    fn table_figures() {
        assert_eq!(fmt_grouped(21_455_502.0), "21,455,502");
        assert_eq!(fmt_grouped(-1234.56), "-1,235");
        assert_eq!(fmt_grouped(0.0), "0");
        assert_eq!(fmt_grouped(2.895749784604724), "2.896");
        assert_eq!(fmt_grouped(f64::NAN), "–");
        // The same figure in the CSV form and the table form.
        assert_eq!(fmt_csv(21_455_502.0), "21455502");
        assert_eq!(fmt_value(0.000_012_34), "1.234e-5");
        assert_eq!(fmt_value(12.345_67), "12.35");
        assert_eq!(fmt_tick(12_500.0), "12.5k");
        assert_eq!(fmt_tick(0.004), "4.0e-3");
    }
}
