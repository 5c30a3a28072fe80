//! Start-up timings fitted from `describe-tasks` timestamps (issue #21 item 3).
//!
//! Each described task gives three intervals: createdAt → pullStartedAt (PROVISIONING and PENDING before the
//! pull: `provisioning`), pullStartedAt → pullStoppedAt (`pull`) and pullStoppedAt → startedAt (`start`),
//! the lifecycle states of `[timings]` (reference §5.3, §6.1). Each is fitted per launch type to a lognormal
//! by maximum likelihood — μ and σ are the mean and the (1/n) standard deviation of ln x — and its fit
//! judged by the Kolmogorov–Smirnov statistic D against the fitted distribution.

use crate::numerics::normal_cdf;

/// A lognormal fitted by maximum likelihood, with its Kolmogorov–Smirnov statistic.
#[derive(Debug, Clone, PartialEq)]
pub struct LognormalFit {
    /// Number of observations.
    pub n: usize,
    /// Mean of ln x (x in seconds); the median is e^μ.
    pub mu: f64,
    /// Standard deviation of ln x with divisor n (the MLE, not the unbiased n − 1 form).
    pub sigma: f64,
    /// Kolmogorov–Smirnov statistic: the largest gap between the empirical and the fitted CDF.
    pub ks_d: f64,
}

impl LognormalFit {
    /// The median e^μ, in seconds.
    pub fn median_s(&self) -> f64 {
        self.mu.exp()
    }

    /// The asymptotic 5 % critical value 1.36 / √n of D. With μ and σ estimated from the same data the test
    /// is conservative (Lilliefors): a D below it says only that the fit is not obviously wrong.
    pub fn ks_critical_5pct(&self) -> f64 {
        1.36 / (self.n as f64).sqrt()
    }
}

/// Fit a lognormal to positive durations in seconds; `None` with fewer than two or any non-positive value.
pub fn fit_lognormal(xs_s: &[f64]) -> Option<LognormalFit> {
    if xs_s.len() < 2 || xs_s.iter().any(|&x| !(x > 0.0 && x.is_finite())) {
        return None;
    }
    let n = xs_s.len() as f64;
    let logs: Vec<f64> = xs_s.iter().map(|x| x.ln()).collect();
    let mu = logs.iter().sum::<f64>() / n;
    let sigma = (logs.iter().map(|l| (l - mu).powi(2)).sum::<f64>() / n).sqrt();
    let mut sorted = logs;
    sorted.sort_by(f64::total_cmp);
    let mut d: f64 = 0.0;
    for (i, l) in sorted.iter().enumerate() {
        let f = if sigma > 0.0 {
            normal_cdf((l - mu) / sigma)
        } else {
            1.0
        };
        let lo = i as f64 / n;
        let hi = (i + 1) as f64 / n;
        d = d.max(hi - f).max(f - lo);
    }
    Some(LognormalFit {
        n: xs_s.len(),
        mu,
        sigma,
        ks_d: d,
    })
}

/// Parse a timestamp as the AWS CLI prints it: ISO 8601 (`2026-11-30T09:12:03.417000+00:00`, `…Z`, any
/// `±hh:mm` offset; CLI v2's default) or epoch seconds as a number or string (CLI v1, `--cli-timestamp-format
/// wire`). Returns milliseconds since the Unix epoch. ISO texts are parsed by [`crate::time::parse_iso8601`]
/// once they have the CLI's shape (a time with seconds; an offset `Z` or `±hh:mm`, or none): a bare date or
/// `+0100` is not something the CLI writes, so it is refused rather than guessed at.
pub fn parse_timestamp_ms(v: &serde_json::Value) -> Option<i64> {
    if let Some(f) = v.as_f64() {
        return Some((f * 1000.0).round() as i64);
    }
    let s = v.as_str()?.trim();
    if let Ok(f) = s.parse::<f64>() {
        return Some((f * 1000.0).round() as i64);
    }
    let b = s.as_bytes();
    if b.len() < 19 || !(b[10] == b'T' || b[10] == b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let rest = s.get(19..)?;
    let offset = match rest.strip_prefix('.') {
        Some(r) => r.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => rest,
    };
    let cli_offset = matches!(offset, "" | "Z" | "z")
        || matches!(offset.as_bytes(), [b'+' | b'-', _, _, b':', _, _]);
    if !cli_offset {
        return None;
    }
    let t = crate::time::parse_iso8601(s).ok()?;
    Some(t.secs * 1000 + (t.frac * 1000.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// By hand: x = 1, e, e² s → ln x = 0, 1, 2 → μ = 1 (median e ≈ 2.718 s),
    /// σ² = ((0−1)² + 0 + (2−1)²) / 3 = 2/3 → σ = 0.8165 (the MLE divides by n, not n − 1).
    /// KS: the sorted z = (ln x − μ)/σ are −1.2247, 0, 1.2247; Φ = 0.1103, 0.5, 0.8897;
    /// gaps: 1/3 − 0.1103 = 0.2230, 0.1103 − 0 ; 2/3 − 0.5 = 0.1667, 0.5 − 1/3 = 0.1667;
    /// 1 − 0.8897 = 0.1103, 0.8897 − 2/3 = 0.2230 → D = 0.2230.
    #[test]
    fn lognormal_mle_by_hand() {
        let e = std::f64::consts::E;
        let f = fit_lognormal(&[1.0, e, e * e]).unwrap();
        assert_eq!(f.n, 3);
        assert!((f.mu - 1.0).abs() < 1e-12);
        assert!((f.sigma - (2.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((f.median_s() - e).abs() < 1e-12);
        assert!((f.ks_d - 0.2230).abs() < 5e-4, "{}", f.ks_d);
        // 2 s and 8 s: ln = 0.6931, 2.0794 → μ = ln 4 (median 4 s), σ = (2.0794 − 0.6931)/2 = ln 2 = 0.6931.
        let g = fit_lognormal(&[2.0, 8.0]).unwrap();
        assert!((g.median_s() - 4.0).abs() < 1e-9);
        assert!((g.sigma - 2f64.ln()).abs() < 1e-12);
        // Equal values: σ = 0, and the fitted CDF is a step at the value.
        let h = fit_lognormal(&[5.0, 5.0, 5.0]).unwrap();
        assert_eq!(h.sigma, 0.0);
        assert!((h.median_s() - 5.0).abs() < 1e-12);
        assert!(fit_lognormal(&[1.0]).is_none());
        assert!(fit_lognormal(&[1.0, 0.0]).is_none());
        assert!(fit_lognormal(&[1.0, -2.0]).is_none());
    }

    #[test]
    fn timestamps_as_the_cli_prints_them() {
        // 2026-11-30 is day 20,787 since 1970-01-01: 20,787 × 86,400 = 1,795,996,800 s.
        let t = parse_timestamp_ms(&json!("2026-11-30T00:00:00+00:00")).unwrap();
        assert_eq!(t, 1_795_996_800_000);
        assert_eq!(
            parse_timestamp_ms(&json!("2026-11-30T09:12:03.417000+00:00")),
            Some(t + (9 * 3600 + 12 * 60 + 3) * 1000 + 417)
        );
        assert_eq!(
            parse_timestamp_ms(&json!("2026-11-30T01:00:00+01:00")),
            Some(t)
        );
        assert_eq!(
            parse_timestamp_ms(&json!("2026-11-29T19:00:00-05:00")),
            Some(t)
        );
        assert_eq!(parse_timestamp_ms(&json!("2026-11-30T00:00:00Z")), Some(t));
        assert_eq!(parse_timestamp_ms(&json!(1_795_996_800.25)), Some(t + 250));
        assert_eq!(parse_timestamp_ms(&json!("1795996800.5")), Some(t + 500));
        assert_eq!(parse_timestamp_ms(&json!("1970-01-01T00:00:00Z")), Some(0));
        for bad in [
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-11-30T00:00:00+0100",
            "2026-11-30",
            "2026-11-30T09:12Z",
            "2026-11-30T09:12:03,5Z",
            "2026-02-30T00:00:00Z",
            "2026-11-30T09:12:0é+01:00",
            "2026-11-30T09:12:03+é:00",
        ] {
            assert_eq!(parse_timestamp_ms(&json!(bad)), None, "{bad}");
        }
    }
}
