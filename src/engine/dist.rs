//! Duration distributions, sampled by hand from a [`RngStream`] so that the numbers are fixed by this code,
//! not by a dependency's version. Users choose them in scenario files as data (an enum).

use super::rng::RngStream;
use crate::numerics::{box_muller, gamma};

/// A distribution of non-negative durations in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub enum DurationDist {
    /// Always the same value.
    Constant {
        /// The value.
        ms: u64,
    },
    /// Uniform between `min_ms` and `max_ms` inclusive.
    Uniform {
        /// Lower bound.
        min_ms: u64,
        /// Upper bound.
        max_ms: u64,
    },
    /// Exponential with the given mean (memoryless: failures, arrivals).
    Exponential {
        /// Mean.
        mean_ms: u64,
    },
    /// Normal, truncated at zero (resampled up to 16 times, then clamped).
    Normal {
        /// Mean.
        mean_ms: u64,
        /// Standard deviation.
        sd_ms: u64,
    },
    /// Log-normal given by its median and the standard deviation of the log (right-skewed, like image pulls).
    LogNormal {
        /// Median.
        median_ms: u64,
        /// Standard deviation of ln(value).
        sigma: f64,
    },
    /// Weibull with scale and shape (shape < 1: infant mortality, > 1: wear-out).
    Weibull {
        /// Scale (63rd percentile).
        scale_ms: u64,
        /// Shape.
        shape: f64,
    },
}

impl DurationDist {
    /// A constant.
    pub const fn constant(ms: u64) -> Self {
        DurationDist::Constant { ms }
    }

    /// Draw one value.
    pub fn sample(&self, rng: &mut RngStream) -> u64 {
        match *self {
            DurationDist::Constant { ms } => ms,
            DurationDist::Uniform { min_ms, max_ms } => min_ms + rng.below(max_ms - min_ms + 1),
            DurationDist::Exponential { mean_ms } => {
                to_ms(-(mean_ms as f64) * rng.next_f64_open0().ln())
            }
            DurationDist::Normal { mean_ms, sd_ms } => {
                for _ in 0..16 {
                    let x = mean_ms as f64 + sd_ms as f64 * standard_normal(rng);
                    if x >= 0.0 {
                        return to_ms(x);
                    }
                }
                0
            }
            DurationDist::LogNormal { median_ms, sigma } => {
                to_ms(median_ms as f64 * (sigma * standard_normal(rng)).exp())
            }
            DurationDist::Weibull { scale_ms, shape } => {
                to_ms(scale_ms as f64 * (-rng.next_f64_open0().ln()).powf(1.0 / shape))
            }
        }
    }

    /// The distribution's mean in milliseconds (for docs and checks).
    pub fn mean_ms(&self) -> f64 {
        match *self {
            DurationDist::Constant { ms } => ms as f64,
            DurationDist::Uniform { min_ms, max_ms } => (min_ms + max_ms) as f64 / 2.0,
            DurationDist::Exponential { mean_ms } => mean_ms as f64,
            DurationDist::Normal { mean_ms, .. } => mean_ms as f64,
            DurationDist::LogNormal { median_ms, sigma } => {
                median_ms as f64 * (sigma * sigma / 2.0).exp()
            }
            DurationDist::Weibull { scale_ms, shape } => scale_ms as f64 * gamma(1.0 + 1.0 / shape),
        }
    }
}

fn to_ms(x: f64) -> u64 {
    if x.is_finite() && x > 0.0 {
        x.round().min(u64::MAX as f64 / 2.0) as u64
    } else {
        0
    }
}

/// A standard normal (Box–Muller) from this stream: `u1` in (0, 1), then `u2`.
fn standard_normal(rng: &mut RngStream) -> f64 {
    let u1 = rng.next_f64_open0();
    let u2 = rng.next_f64();
    box_muller(u1, u2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_mean(d: &DurationDist, n: usize) -> f64 {
        let mut r = RngStream::new(3, "dist-test");
        (0..n).map(|_| d.sample(&mut r) as f64).sum::<f64>() / n as f64
    }

    /// Sample means within 2% of the analytic means (n = 200,000; the relative standard error of an
    /// exponential's mean is 1/sqrt(n) ≈ 0.22%, so 2% is about 9 standard errors).
    #[test]
    fn sample_means_match_theory() {
        let cases = [
            DurationDist::Uniform {
                min_ms: 1_000,
                max_ms: 3_000,
            },
            DurationDist::Exponential { mean_ms: 5_000 },
            DurationDist::Normal {
                mean_ms: 10_000,
                sd_ms: 1_000,
            },
            DurationDist::LogNormal {
                median_ms: 8_000,
                sigma: 0.5,
            },
            DurationDist::Weibull {
                scale_ms: 10_000,
                shape: 1.5,
            },
        ];
        for d in cases {
            let m = sample_mean(&d, 200_000);
            let rel = (m - d.mean_ms()).abs() / d.mean_ms();
            assert!(rel < 0.02, "{d:?}: sample mean {m}, theory {}", d.mean_ms());
        }
    }
}
