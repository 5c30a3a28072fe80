//! The special functions and the normal draw the simulator computes by hand, in one place: Γ (the Weibull
//! mean), ln Γ (Student's t; a second form for Poisson sampling), Student's t distribution and quantile (a sweep's
//! confidence intervals), Φ (the import's Kolmogorov–Smirnov statistic) and Box–Muller. Written here rather
//! than taken from `statrs`/`rand_distr` so that the numbers are fixed by this code, not by a dependency's
//! version (docs/decisions.md). Pure functions: no state, no I/O.

use std::f64::consts::{PI, SQRT_2, TAU};

/// A standard normal from two uniforms by Box–Muller (cosine branch): `u1` in (0, 1] (it is logged), `u2`
/// in [0, 1). Each caller draws the two uniforms from its own stream in its own way, so the draws of a run
/// stay what they were.
pub fn box_muller(u1: f64, u2: f64) -> f64 {
    (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
}

/// The Lanczos sum (g = 7, nine terms) at `x` (the argument minus one): `(t, a)` with `t = x + 7.5`, so
/// that `Γ(x + 1) = √(2π) · t^(x+½) · e^(−t) · a`.
fn lanczos(x: f64) -> (f64, f64) {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    (t, a)
}

/// Γ(x) by the Lanczos approximation (with the reflection formula below ½).
pub fn gamma(x: f64) -> f64 {
    if x < 0.5 {
        PI / ((PI * x).sin() * gamma(1.0 - x))
    } else {
        let x = x - 1.0;
        let (t, a) = lanczos(x);
        TAU.sqrt() * t.powf(x + 0.5) * (-t).exp() * a
    }
}

/// ln Γ(x) for x > 0 by the Lanczos approximation (g = 7, nine terms; relative error about 1e-15), with the
/// reflection formula below ½. Student's t (a sweep's confidence intervals) uses this one.
pub fn ln_gamma(x: f64) -> f64 {
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let (t, a) = lanczos(x);
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// ln Γ(x) for x > 0 by the Stirling series, after shifting x up to at least 7 (as NumPy's Poisson sampler
/// does). The Poisson sampler's acceptance test (`workload::synthetic`) uses this one: its random draws
/// depend on these bits. It agrees with [`ln_gamma`] to about 1e-13 relative, not to the bit, and a sweep's
/// confidence intervals depend on that one's bits, so both stay (docs/decisions.md).
pub fn ln_gamma_stirling(x: f64) -> f64 {
    const A: [f64; 10] = [
        8.333333333333333e-02,
        -2.777777777777778e-03,
        7.936507936507937e-04,
        -5.952380952380952e-04,
        8.417508417508418e-04,
        -1.917526917526918e-03,
        6.41025641025641e-03,
        -2.955065359477124e-02,
        1.796443723688307e-01,
        -1.39243221690590e+00,
    ];
    if x == 1.0 || x == 2.0 {
        return 0.0;
    }
    let n = if x < 7.0 { (7.0 - x).floor() } else { 0.0 };
    let mut x0 = x + n;
    let x2 = 1.0 / (x0 * x0);
    let mut g = A[9];
    for k in (0..9).rev() {
        g = g * x2 + A[k];
    }
    let mut gl = g / x0 + 0.5 * (2.0 * PI).ln() + (x0 - 0.5) * x0.ln() - x0;
    for _ in 0..n as u32 {
        x0 -= 1.0;
        gl -= x0.ln();
    }
    gl
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

/// The `p` quantile of Student's t with `df > 0` degrees of freedom (`t_quantile(0.975, 4)` = 2.7764), by
/// bisection of [`t_cdf`]: exact to about 1e-12 for any real degrees of freedom (Welch's are not whole).
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

/// Φ(z), the standard normal distribution function, from erf (Abramowitz & Stegun 7.1.26, absolute error
/// below 1.5e-7: plenty for a Kolmogorov–Smirnov statistic).
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * (1.0 + erf(z / SQRT_2))
}

fn erf(x: f64) -> f64 {
    let s = x.signum();
    let x = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    s * (1.0 - poly * (-x * x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn gamma_known_values() {
        // Γ(1) = 1, Γ(5) = 24, Γ(0.5) = √π.
        assert!((gamma(1.0) - 1.0).abs() < 1e-9);
        assert!((gamma(5.0) - 24.0).abs() < 1e-7);
        assert!((gamma(0.5) - PI.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn ln_gamma_known_values() {
        // ln Γ(1) = ln Γ(2) = 0, ln Γ(5) = ln 24, ln Γ(10) = ln 9!, ln Γ(½) = ln √π,
        // Γ(3.5) = 15/8 · √π = 3.3233509704 → ln = 1.2009736023470743.
        for f in [ln_gamma, ln_gamma_stirling] {
            assert!(close(f(1.0), 0.0, 1e-13));
            assert!(close(f(2.0), 0.0, 1e-13));
            assert!(close(f(5.0), 24f64.ln(), 1e-13));
            assert!(close(f(10.0), 362_880f64.ln(), 1e-12));
            assert!(close(f(0.5), PI.sqrt().ln(), 1e-13));
            assert!(close(f(3.5), 1.200_973_602_347_074_3, 1e-12));
        }
        // The two approximations agree to 1e-12 relative from ½ to 1,000 (not to the bit: see
        // `ln_gamma_stirling`).
        let mut x = 0.5;
        while x < 1000.0 {
            let (a, b) = (ln_gamma(x), ln_gamma_stirling(x));
            assert!(close(a, b, 1e-12 * a.abs().max(1.0)), "{x}: {a} vs {b}");
            x += 0.37;
        }
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
        let cauchy = (PI * (p - 0.5)).tan();
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
    fn normal_cdf_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(-1.0) - 0.158_655_3).abs() < 1e-6);
    }

    #[test]
    fn box_muller_by_hand() {
        // u1 = e^{-1/2}: √(−2 ln u1) = 1, so the draw is cos(2π u2): 1 at u2 = 0, −1 at ½, 0 at ¼.
        let u1 = (-0.5f64).exp();
        assert!(close(box_muller(u1, 0.0), 1.0, 1e-15));
        assert!(close(box_muller(u1, 0.5), -1.0, 1e-15));
        assert!(close(box_muller(u1, 0.25), 0.0, 1e-15));
        // 2.0 * PI is TAU to the bit, so the copies this replaced (one wrote `2.0 * PI * u2`) agree.
        assert_eq!((2.0 * PI).to_bits(), TAU.to_bits());
    }
}
