//! The statistics of a sweep: mean, sample standard deviation and the 95% confidence interval by Student's
//! t, paired differences (common random numbers) and Welch's unpaired difference. The t quantile is computed
//! by inverting the t distribution function, which is written with the regularized incomplete beta function
//! (Lentz's continued fraction) and a Lanczos log-gamma — exact to about 1e-12, for any real degrees of
//! freedom (Welch's are not whole numbers).

/// Two-sided 95%: the 0.975 quantile.
pub const P95: f64 = 0.975;

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, nine terms; relative error about 1e-15).
pub fn ln_gamma(x: f64) -> f64 {
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let (t, a) = crate::engine::dist::lanczos(x);
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Continued fraction of the incomplete beta function (modified Lentz).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-15;
    let fix = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / fix(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=1000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / fix(1.0 + aa * d);
        c = fix(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / fix(1.0 + aa * d);
        c = fix(1.0 + aa / c);
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// The regularized incomplete beta function `I_x(a, b)`.
pub fn inc_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(a, b, x) / a
    } else {
        1.0 - front * beta_cf(b, a, 1.0 - x) / b
    }
}

/// `P(T ≤ t)` for Student's t with `df > 0` degrees of freedom.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * inc_beta(df / 2.0, 0.5, df / (df + t * t));
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// The `p` quantile of Student's t with `df > 0` degrees of freedom (`t_quantile(0.975, 4)` = 2.7764).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    assert!(p > 0.0 && p < 1.0 && df > 0.0, "t_quantile({p}, {df})");
    if p < 0.5 {
        return -t_quantile(1.0 - p, df);
    }
    if p == 0.5 {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    while t_cdf(hi, df) < p {
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// `t_quantile(0.975, df)`, remembered per `df` (a sweep asks for the same few degrees of freedom for
/// every figure of every variant).
pub fn t975(df: f64) -> f64 {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static CACHE: RefCell<HashMap<u64, f64>> = RefCell::new(HashMap::new());
    }
    CACHE.with(|c| {
        *c.borrow_mut()
            .entry(df.to_bits())
            .or_insert_with(|| t_quantile(P95, df))
    })
}

/// Mean, sample standard deviation and 95% confidence interval of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Number of values.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1); `None` for a single value.
    pub sd: Option<f64>,
    /// Half-width of the 95% confidence interval, `t(0.975, n − 1) · sd / √n`; `None` for a single value.
    pub half_width: Option<f64>,
}

impl Estimate {
    /// Of `values` in the given order (the order fixes the rounding, so outputs are reproducible);
    /// `None` when empty.
    pub fn of(values: &[f64]) -> Option<Estimate> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        if n == 1 {
            return Some(Estimate {
                n,
                mean,
                sd: None,
                half_width: None,
            });
        }
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        let hw = if sd == 0.0 {
            0.0
        } else {
            t975((n - 1) as f64) * sd / (n as f64).sqrt()
        };
        Some(Estimate {
            n,
            mean,
            sd: Some(sd),
            half_width: Some(hw),
        })
    }

    /// The interval `(low, high)`, when there are at least two values.
    pub fn ci(&self) -> Option<(f64, f64)> {
        self.half_width.map(|h| (self.mean - h, self.mean + h))
    }
}

/// Welch's 95% confidence interval of `mean(a) − mean(b)` for independent samples:
/// `(difference, half-width, degrees of freedom)`. `None` unless both have at least two values.
pub fn welch(a: &[f64], b: &[f64]) -> Option<(f64, f64, f64)> {
    let ea = Estimate::of(a)?;
    let eb = Estimate::of(b)?;
    let (sa, sb) = (ea.sd?, eb.sd?);
    let (va, vb) = (sa * sa / ea.n as f64, sb * sb / eb.n as f64);
    let diff = ea.mean - eb.mean;
    let se2 = va + vb;
    if se2 == 0.0 {
        return Some((diff, 0.0, (ea.n + eb.n - 2) as f64));
    }
    let df = se2 * se2 / (va * va / (ea.n - 1) as f64 + vb * vb / (eb.n - 1) as f64);
    Some((diff, t_quantile(P95, df) * se2.sqrt(), df))
}

/// A number for a CSV cell: at most 10 significant digits, no exponent, no trailing zeros, `-0` as `0`.
pub fn fmt_num(x: f64) -> String {
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

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn t_quantiles_match_the_tables() {
        // Two-sided 95% critical values from any t table.
        for (df, want) in [
            (1.0, 12.7062),
            (2.0, 4.3027),
            (3.0, 3.1824),
            (4.0, 2.7764),
            (9.0, 2.2622),
            (29.0, 2.0452),
            (100.0, 1.9840),
            (1e6, 1.9600),
        ] {
            let got = t_quantile(0.975, df);
            assert!(
                close(got, want, 5e-5),
                "t(0.975, {df}) = {got}, want {want}"
            );
        }
        // Exact closed forms: df 1 is Cauchy, df 2 is t = (2p − 1) / sqrt(2 p (1 − p)).
        let p: f64 = 0.975;
        let cauchy = (std::f64::consts::PI * (p - 0.5)).tan();
        assert!(close(t_quantile(p, 1.0), cauchy, 1e-9));
        let two = (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt();
        assert!(close(t_quantile(p, 2.0), two, 1e-9));
        // Other levels and non-integer df (Welch).
        assert!(close(t_quantile(0.995, 10.0), 3.1693, 5e-5));
        assert!(close(t_quantile(0.95, 5.0), 2.0150, 5e-5));
        assert!(close(t_quantile(0.025, 4.0), -2.7764, 5e-5));
        assert!(close(t_quantile(0.975, 4.5), 2.658_912, 1e-5));
    }

    #[test]
    fn ln_gamma_known_values() {
        assert!(close(ln_gamma(1.0), 0.0, 1e-13));
        assert!(close(ln_gamma(5.0), 24f64.ln(), 1e-13));
        assert!(close(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            1e-13
        ));
    }

    #[test]
    fn confidence_interval_by_hand() {
        // 1..5: mean 3, sd sqrt(2.5) = 1.58114, t(0.975, 4) = 2.77645,
        // half-width 2.77645 × 1.58114 / sqrt(5) = 1.96324.
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(e.n, 5);
        assert!(close(e.mean, 3.0, 1e-12));
        assert!(close(e.sd.unwrap(), 1.581_139, 1e-6));
        assert!(close(e.half_width.unwrap(), 1.963_243, 1e-5));
        let (lo, hi) = e.ci().unwrap();
        assert!(close(lo, 1.036_757, 1e-5) && close(hi, 4.963_243, 1e-5));
        let one = Estimate::of(&[7.0]).unwrap();
        assert_eq!((one.mean, one.sd, one.ci()), (7.0, None, None));
        assert!(Estimate::of(&[]).is_none());
        let flat = Estimate::of(&[2.0, 2.0, 2.0]).unwrap();
        assert_eq!(flat.ci(), Some((2.0, 2.0)));
    }

    #[test]
    fn welch_by_hand() {
        // a = 1..5 (mean 3, var 2.5), b = 2, 4, 6, 8, 10 (mean 6, var 10). se² = 0.5 + 2 = 2.5;
        // df = 2.5² / (0.5²/4 + 2²/4) = 6.25 / 1.0625 = 5.882; t(0.975, 5.882) = 2.45882 (by numerical
        // integration of the t density).
        let (d, hw, df) = welch(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0, 4.0, 6.0, 8.0, 10.0]).unwrap();
        assert!(close(d, -3.0, 1e-12));
        assert!(close(df, 5.882_353, 1e-5));
        assert!(close(hw, t_quantile(0.975, df) * 2.5f64.sqrt(), 1e-12));
        assert!(
            close(hw / 2.5f64.sqrt(), 2.458_824, 1e-6),
            "{}",
            hw / 2.5f64.sqrt()
        );
    }

    #[test]
    fn number_formatting() {
        assert_eq!(fmt_num(3.0), "3");
        assert_eq!(fmt_num(3.000_000_000_000_000_4), "3");
        assert_eq!(fmt_num(1.963_243_161_78), "1.963243162");
        assert_eq!(fmt_num(-0.0), "0");
        assert_eq!(fmt_num(-1e-12), "-0.000000000001");
        assert_eq!(fmt_num(123_456_789_012.6), "123456789013");
        assert_eq!(fmt_sig(8.6123, 4), "8.612");
        assert_eq!(fmt_num(f64::NAN), "");
    }
}
