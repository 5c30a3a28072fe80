//! The statistics of a sweep: mean, sample standard deviation and the 95% confidence interval by Student's
//! t, paired differences (common random numbers) and Welch's unpaired difference. The t quantile itself is
//! [`crate::numerics::t_quantile`] (exact to about 1e-12, for any real degrees of freedom: Welch's are not
//! whole numbers).

use crate::numerics::t_quantile;

/// Two-sided 95%: the 0.975 quantile.
pub const P95: f64 = 0.975;

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
        // Equal values: their mean is the value and their spread 0, exactly (the sum's rounding would
        // otherwise leave a mean a last bit off and a spread of about 1e-16 of it: "60133 ±
        // 0.000000000022").
        let equal = values.iter().all(|v| *v == values[0]);
        let mean = if equal {
            values[0]
        } else {
            values.iter().sum::<f64>() / n as f64
        };
        if n == 1 {
            return Some(Estimate {
                n,
                mean,
                sd: None,
                half_width: None,
            });
        }
        let var = if equal {
            0.0
        } else {
            values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
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
        // Three equal p99s of 60133.371 ms (a sweep over warm_up): 3 × 60133.371 rounds, so sum / 3 is
        // a last bit off and the spread about 1e-11 — printed "60133 ± 0.000000000022". Equal values
        // have none.
        let x = 60_133.371;
        let flat = Estimate::of(&[x, x, x]).unwrap();
        assert_eq!(
            (flat.mean, flat.sd, flat.ci()),
            (x, Some(0.0), Some((x, x)))
        );
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
}
