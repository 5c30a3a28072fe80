//! Synthetic request-rate patterns and noise, deterministic given a
//! [`UniformSource`]. Times are simulation seconds; t = 0 is a Monday 00:00.

use crate::numerics::{box_muller, ln_gamma_stirling};
use std::f64::consts::PI;

const DAY: f64 = 86_400.0;

/// A source of uniform numbers in `[0, 1)`.
pub trait UniformSource {
    /// The next uniform number in `[0, 1)`.
    fn next_f64(&mut self) -> f64;
}

/// A deterministic rate pattern (requests per second).
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// The same rate all the time.
    Constant {
        /// Rate.
        rate: f64,
    },
    /// A 24 h sinusoid with its maximum at `peak_hour`, max/min ratio
    /// `peak_to_trough` (values below 1 count as 1) and daily mean `mean`;
    /// days 5 and 6 after t = 0 (Saturday, Sunday) of every week are
    /// multiplied by `weekly_factor`.
    Diurnal {
        /// Mean over a weekday.
        mean: f64,
        /// Ratio of the daily maximum to the daily minimum.
        peak_to_trough: f64,
        /// Hour of the maximum, in `[0, 24)`.
        peak_hour: f64,
        /// Multiplier for weekend days.
        weekly_factor: f64,
    },
    /// Piecewise constant: each `(start_s, rate)` holds until the next start;
    /// the rate is 0 before the first. Starts must be non-decreasing.
    Steps {
        /// `(start time in seconds, rate)` pairs in time order.
        steps: Vec<(f64, f64)>,
    },
    /// `base`, except `peak` during `[at_s, at_s + duration_s)` (rectangular).
    Spike {
        /// Rate outside the spike.
        base: f64,
        /// Rate during the spike.
        peak: f64,
        /// Start of the spike.
        at_s: f64,
        /// Length of the spike.
        duration_s: f64,
    },
    /// `from` until `start_s`, linear to `to` at `end_s`, then `to`.
    Ramp {
        /// Rate before the ramp.
        from: f64,
        /// Rate after the ramp.
        to: f64,
        /// Ramp start.
        start_s: f64,
        /// Ramp end.
        end_s: f64,
    },
}

/// Noise applied to the mean rate of one period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Noise {
    /// The mean rate itself.
    None,
    /// Count ~ Poisson(mean · period), divided by the period.
    Poisson,
    /// Mean-preserving log-normal multiplier `exp(σZ − σ²/2)`.
    LogNormal {
        /// σ of the underlying normal.
        sigma: f64,
    },
}

/// Diurnal amplitude around the mean.
fn amplitude(mean: f64, peak_to_trough: f64) -> f64 {
    let r = peak_to_trough.max(1.0);
    if r.is_infinite() {
        mean
    } else {
        mean * (r - 1.0) / (r + 1.0)
    }
}

fn weekend_factor(t: f64, weekly_factor: f64) -> f64 {
    if weekly_factor == 1.0 {
        return 1.0; // both branches below give 1
    }
    // The day number is a whole number: its remainder in integers is exact (f64 `rem_euclid` is fmod).
    let day = (crate::engine::floor(t / DAY) as i64).rem_euclid(7);
    if day >= 5 { weekly_factor } else { 1.0 }
}

/// The last `sin` of the diurnal integral, `(t, sin(phase(t)))`: consecutive intervals share an end, so a
/// run of them needs one `sin` each instead of two (same values). Owned by the caller's runtime state.
#[derive(Debug, Clone, Copy)]
pub struct SinMemo(f64, f64);

impl Default for SinMemo {
    fn default() -> Self {
        SinMemo(f64::NAN, 0.0)
    }
}

/// A pattern prepared for one service's run of consecutive intervals (see [`Self::mean_rate`]): a diurnal
/// pattern's constants computed once, by the same expressions as [`Pattern::mean_rate_memo`] (so the same
/// bits), its last `sin` and the day its last interval started in. Per service, nothing shared: a fleet
/// whose services each have their own rate pays this per service and metric period.
#[derive(Debug, Clone)]
pub struct PreparedPattern {
    pattern: Pattern,
    diurnal: Option<DiurnalConsts>,
    sin: SinMemo,
    /// `floor(x / DAY)` for every `x` in `[lo, hi)` (see [`Self::day_of`]); empty at first.
    day: (f64, f64, f64),
}

/// A diurnal pattern's constants: what [`Pattern::integral_memo`] computes per call.
#[derive(Debug, Clone, Copy)]
struct DiurnalConsts {
    mean: f64,
    /// `amplitude(mean, peak_to_trough) / w`, the factor of the `sin` difference.
    amp_over_w: f64,
    /// `2π · peak_hour / 24`, the phase at t = 0 subtracted from `w·t`.
    phase0: f64,
    per_week: f64,
    weekly_factor: f64,
}

/// `2π / DAY`, the diurnal angular rate (rad/s).
const W_DAY: f64 = 2.0 * PI / DAY;
const WEEK: f64 = 7.0 * DAY;

impl PreparedPattern {
    /// The pattern, prepared.
    pub fn new(pattern: Pattern) -> Self {
        let diurnal = match pattern {
            Pattern::Diurnal {
                mean,
                peak_to_trough,
                peak_hour,
                weekly_factor,
            } => Some(DiurnalConsts {
                mean,
                amp_over_w: amplitude(mean, peak_to_trough) / W_DAY,
                phase0: 2.0 * PI * peak_hour / 24.0,
                per_week: (5.0 + 2.0 * weekly_factor) * mean * DAY,
                weekly_factor,
            }),
            _ => None,
        };
        PreparedPattern {
            pattern,
            diurnal,
            sin: SinMemo::default(),
            day: (f64::NAN, f64::NAN, 0.0),
        }
    }

    /// The pattern.
    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }

    /// [`Pattern::mean_rate_memo`] with this service's memo: the same value, bit for bit, with the
    /// divisions of the diurnal constants and most of the day numbers done once.
    pub fn mean_rate(&mut self, t0: f64, t1: f64) -> f64 {
        match self.diurnal {
            Some(d) if t1 > t0 => self.diurnal_integral(d, t0, t1) / (t1 - t0),
            _ => self.pattern.mean_rate_memo(t0, t1, &mut self.sin),
        }
    }

    /// `floor(x / DAY)`, from the last answer when `x` is at least a second inside that day: there the
    /// quotient's rounding (relative 2⁻⁵³, under 10⁻⁶ days below day 10⁹) cannot reach a whole number,
    /// so the floor is the day's number. The bounds `k·DAY ± 1` are exact (integers below 2⁵³).
    #[inline]
    fn day_of(&mut self, x: f64) -> f64 {
        let (lo, hi, k) = self.day;
        if x >= lo && x < hi {
            return k;
        }
        let k = crate::engine::floor(x / DAY);
        if k.abs() < 1e9 {
            self.day = (k * DAY + 1.0, (k + 1.0) * DAY - 1.0, k + 0.0); // −0 as +0, as the floor of [lo, hi) is
        }
        k
    }

    /// [`Pattern::integral_memo`]'s diurnal arm over `[t0, t1)`, `t1 > t0`, with the constants and the
    /// day numbers of [`Self::day_of`]: the same operations on the same values.
    fn diurnal_integral(&mut self, d: DiurnalConsts, t0: f64, t1: f64) -> f64 {
        // Whole weeks at once, then day by day. A span of at most half a week has a quotient of at
        // most 0.5 (division rounds monotonically, and 0.5 is exact), so no whole week.
        let span = t1 - t0;
        let weeks = if span <= 0.5 * WEEK {
            0.0
        } else {
            crate::engine::floor(span / WEEK)
        };
        let mut total = weeks * d.per_week;
        let mut x = t0 + weeks * WEEK;
        while x < t1 {
            let k = self.day_of(x);
            let y = ((k + 1.0) * DAY).min(t1);
            let sx = if self.sin.0 == x {
                self.sin.1
            } else {
                (W_DAY * x - d.phase0).sin()
            };
            let sy = (W_DAY * y - d.phase0).sin();
            self.sin = SinMemo(y, sy);
            let one = d.mean * (y - x) + d.amp_over_w * (sy - sx);
            // `weekend_factor(x, ..)`, its day number being `k`.
            let f = if d.weekly_factor == 1.0 {
                1.0
            } else if (k as i64).rem_euclid(7) >= 5 {
                d.weekly_factor
            } else {
                1.0
            };
            total += one * f;
            x = y;
        }
        total
    }
}

/// A pattern whose parameters are out of range (a negative or non-finite rate, steps out of order, a ramp
/// that ends before it starts); it carries the pattern.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid pattern parameters: {0:?}")]
pub struct PatternError(pub Pattern);

impl Pattern {
    /// Checks the parameters (finite, non-negative rates, ordered steps).
    pub fn validate(&self) -> Result<(), PatternError> {
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        let good = match self {
            Pattern::Constant { rate } => ok(*rate),
            Pattern::Diurnal {
                mean,
                peak_to_trough,
                peak_hour,
                weekly_factor,
            } => {
                ok(*mean) && !peak_to_trough.is_nan() && peak_hour.is_finite() && ok(*weekly_factor)
            }
            Pattern::Steps { steps } => {
                steps.iter().all(|s| s.0.is_finite() && ok(s.1))
                    && steps.windows(2).all(|w| w[0].0 <= w[1].0)
            }
            Pattern::Spike {
                base,
                peak,
                at_s,
                duration_s,
            } => ok(*base) && ok(*peak) && at_s.is_finite() && ok(*duration_s),
            Pattern::Ramp {
                from,
                to,
                start_s,
                end_s,
            } => ok(*from) && ok(*to) && start_s.is_finite() && end_s >= start_s,
        };
        if good {
            Ok(())
        } else {
            Err(PatternError(self.clone()))
        }
    }

    /// The rate at time `t_s`.
    pub fn rate_at(&self, t_s: f64) -> f64 {
        match self {
            Pattern::Constant { rate } => *rate,
            Pattern::Diurnal {
                mean,
                peak_to_trough,
                peak_hour,
                weekly_factor,
            } => {
                let phase = 2.0 * PI * (t_s / 3600.0 - peak_hour) / 24.0;
                (mean + amplitude(*mean, *peak_to_trough) * phase.cos())
                    * weekend_factor(t_s, *weekly_factor)
            }
            Pattern::Steps { steps } => match steps.partition_point(|s| s.0 <= t_s) {
                0 => 0.0,
                i => steps[i - 1].1,
            },
            Pattern::Spike {
                base,
                peak,
                at_s,
                duration_s,
            } => {
                if t_s >= *at_s && t_s < at_s + duration_s {
                    *peak
                } else {
                    *base
                }
            }
            Pattern::Ramp {
                from,
                to,
                start_s,
                end_s,
            } => {
                if t_s <= *start_s {
                    *from
                } else if t_s >= *end_s {
                    *to
                } else {
                    from + (to - from) * (t_s - start_s) / (end_s - start_s)
                }
            }
        }
    }

    /// Exact integral of the rate over `[t0, t1)`, reusing the `sin` at `t0` when `memo` holds it.
    fn integral_memo(&self, t0: f64, t1: f64, memo: &mut SinMemo) -> f64 {
        if t1 <= t0 {
            return 0.0;
        }
        match self {
            Pattern::Constant { rate } => rate * (t1 - t0),
            Pattern::Diurnal {
                mean,
                peak_to_trough,
                peak_hour,
                weekly_factor,
            } => {
                let a = amplitude(*mean, *peak_to_trough);
                let w = 2.0 * PI / DAY;
                let ph = |t: f64| w * t - 2.0 * PI * peak_hour / 24.0;
                let mut one = |x: f64, y: f64| {
                    let sx = if memo.0 == x { memo.1 } else { ph(x).sin() };
                    let sy = ph(y).sin();
                    *memo = SinMemo(y, sy);
                    mean * (y - x) + a / w * (sy - sx)
                };
                // Whole weeks at once, then day by day (the weekly factor is per day).
                let week = 7.0 * DAY;
                let weeks = crate::engine::floor((t1 - t0) / week);
                let per_week = (5.0 + 2.0 * weekly_factor) * mean * DAY;
                let mut total = weeks * per_week;
                let mut x = t0 + weeks * week;
                while x < t1 {
                    let y = ((crate::engine::floor(x / DAY) + 1.0) * DAY).min(t1);
                    total += one(x, y) * weekend_factor(x, *weekly_factor);
                    x = y;
                }
                total
            }
            Pattern::Steps { steps } => {
                let mut total = 0.0;
                for (i, &(s, r)) in steps.iter().enumerate() {
                    let e = steps.get(i + 1).map_or(f64::INFINITY, |n| n.0);
                    let (lo, hi) = (s.max(t0), e.min(t1));
                    if hi > lo {
                        total += r * (hi - lo);
                    }
                }
                total
            }
            Pattern::Spike {
                base,
                peak,
                at_s,
                duration_s,
            } => {
                let overlap = ((at_s + duration_s).min(t1) - at_s.max(t0)).max(0.0);
                base * (t1 - t0) + (peak - base) * overlap
            }
            Pattern::Ramp { start_s, end_s, .. } => {
                // Piecewise linear: trapezoids between the breakpoints.
                let mut pts = vec![t0, t1];
                pts.extend([*start_s, *end_s].into_iter().filter(|&b| b > t0 && b < t1));
                pts.sort_by(f64::total_cmp);
                pts.windows(2)
                    .map(|w| (w[1] - w[0]) * 0.5 * (self.rate_at(w[0]) + self.rate_at(w[1])))
                    .sum()
            }
        }
    }

    /// Mean rate over `[t0, t1)` (exact); the rate at `t0` when `t1 <= t0`.
    pub fn mean_rate(&self, t0: f64, t1: f64) -> f64 {
        self.mean_rate_memo(t0, t1, &mut SinMemo::default())
    }

    /// [`Self::mean_rate`] for a caller that asks for consecutive intervals (see [`SinMemo`]).
    pub fn mean_rate_memo(&self, t0: f64, t1: f64, memo: &mut SinMemo) -> f64 {
        if t1 <= t0 {
            self.rate_at(t0)
        } else {
            self.integral_memo(t0, t1, memo) / (t1 - t0)
        }
    }

    /// An upper bound on the rate over `[t0, t1)` (exact for these shapes).
    fn max_rate(&self, t0: f64, t1: f64) -> f64 {
        match self {
            Pattern::Constant { rate } => *rate,
            Pattern::Diurnal {
                mean,
                peak_to_trough,
                weekly_factor,
                ..
            } => (mean + amplitude(*mean, *peak_to_trough)) * weekly_factor.max(1.0),
            Pattern::Steps { steps } => steps
                .iter()
                .filter(|s| s.0 > t0 && s.0 < t1)
                .map(|s| s.1)
                .fold(self.rate_at(t0), f64::max),
            Pattern::Spike {
                base,
                peak,
                at_s,
                duration_s,
            } => {
                if *at_s < t1 && at_s + duration_s > t0 {
                    base.max(*peak)
                } else {
                    *base
                }
            }
            Pattern::Ramp { .. } => self.rate_at(t0).max(self.rate_at(t1)),
        }
    }
}

/// A standard normal from two uniforms (Box–Muller, cosine branch): `u1` = 1 − first draw, in (0, 1].
fn std_normal<U: UniformSource + ?Sized>(u: &mut U) -> f64 {
    let u1 = 1.0 - u.next_f64(); // (0, 1]
    let u2 = u.next_f64();
    box_muller(u1, u2)
}

/// An exact Poisson(λ) sample: inversion by sequential search for λ < 10,
/// Hörmann's PTRS transformed rejection (1993) for λ ≥ 10.
pub fn poisson<U: UniformSource + ?Sized>(lambda: f64, u: &mut U) -> u64 {
    PoissonSampler::new(lambda).sample(u)
}

/// A Poisson sampler for one mean, its set-up (a `sqrt` and a division for PTRS) done once: services
/// that share a load pattern draw from the same mean each metric period, and reuse it. Sampling with
/// it gives the same draws as [`poisson`] for that mean.
#[derive(Debug, Clone, Copy)]
pub struct PoissonSampler {
    lambda: f64,
    /// `e^{−λ}` (inversion, λ < 10) or PTRS's `(b, a, v_r)` (`1/α` is computed by the rare exact test
    /// that reads it: a division per new mean saved where services each draw from their own mean).
    kind: SamplerKind,
}

#[derive(Debug, Clone, Copy)]
enum SamplerKind {
    Zero,
    Inversion(f64),
    Ptrs { b: f64, a: f64, vr: f64 },
}

impl PoissonSampler {
    /// The sampler for mean `lambda` (NaN or ≤ 0 always draws 0).
    pub fn new(lambda: f64) -> Self {
        let kind = if lambda.is_nan() || lambda <= 0.0 {
            SamplerKind::Zero
        } else if lambda < 10.0 {
            SamplerKind::Inversion((-lambda).exp())
        } else {
            let slam = lambda.sqrt();
            let b = 0.931 + 2.53 * slam;
            let a = -0.059 + 0.02483 * b;
            let vr = 0.9277 - 3.6224 / (b - 2.0);
            SamplerKind::Ptrs { b, a, vr }
        };
        PoissonSampler { lambda, kind }
    }

    /// Its mean.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }

    /// One draw.
    pub fn sample<U: UniformSource + ?Sized>(&self, u: &mut U) -> u64 {
        let lambda = self.lambda;
        match self.kind {
            SamplerKind::Zero => 0,
            SamplerKind::Inversion(p0) => {
                let x = u.next_f64();
                let (mut k, mut p) = (0u64, p0);
                let mut cdf = p;
                while x >= cdf && k < 1000 {
                    k += 1;
                    p *= lambda / k as f64;
                    cdf += p;
                }
                k
            }
            SamplerKind::Ptrs { b, a, vr } => loop {
                let uu = u.next_f64() - 0.5;
                let v = u.next_f64();
                let us = 0.5 - uu.abs();
                let k = crate::engine::floor((2.0 * a / us + b) * uu + lambda + 0.43);
                if us >= 0.07 && v <= vr {
                    return k as u64;
                }
                if k < 0.0 || (us < 0.013 && v > us) {
                    continue;
                }
                if ptrs_accept(v, us, a, b, lambda, k) {
                    return k as u64;
                }
            },
        }
    }
}

/// PTRS's exact acceptance test, taken by about one draw in five. Out of line and cold: inlined, the
/// compiler hoisted `ln(invalpha)` and `ln(λ)` above the loop, so every draw paid two logarithms.
/// `1/α` is computed here from `b` (the same expression, so the same bits as a set-up would give).
#[cold]
#[inline(never)]
fn ptrs_accept(v: f64, us: f64, a: f64, b: f64, lambda: f64, k: f64) -> bool {
    let invalpha = 1.1239 + 1.1328 / (b - 3.4);
    v.ln() + invalpha.ln() - (a / (us * us) + b).ln()
        <= -lambda + k * lambda.ln() - ln_gamma_stirling(k + 1.0)
}

/// The realized rate over one period of `period_s` whose mean rate is
/// `mean_rate`: Poisson → Poisson(mean·period)/period (see [`poisson`] for
/// the sampler), LogNormal → mean·exp(σZ − σ²/2).
pub fn realize<U: UniformSource + ?Sized>(
    mean_rate: f64,
    period_s: f64,
    noise: &Noise,
    u: &mut U,
) -> f64 {
    match *noise {
        Noise::None => mean_rate,
        Noise::Poisson if period_s > 0.0 => poisson(mean_rate * period_s, u) as f64 / period_s,
        Noise::Poisson => mean_rate,
        Noise::LogNormal { sigma } => {
            mean_rate * (sigma * std_normal(u) - 0.5 * sigma * sigma).exp()
        }
    }
}

/// Appends Poisson arrival times within `[t0, t1)` to `out`, in order, by
/// thinning against the pattern's maximum rate on chunks of at most an hour.
pub fn poisson_arrivals(
    p: &Pattern,
    t0: f64,
    t1: f64,
    u: &mut dyn UniformSource,
    out: &mut Vec<f64>,
) {
    let mut a = t0;
    while a < t1 {
        let b = (a + 3600.0).min(t1);
        let max = p.max_rate(a, b);
        if max > 0.0 && max.is_finite() {
            let mut t = a;
            loop {
                t += -(1.0 - u.next_f64()).ln() / max;
                if t >= b {
                    break;
                }
                if u.next_f64() * max < p.rate_at(t) {
                    out.push(t);
                }
            }
        }
        a = b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SplitMix64 for tests.
    struct Mix(u64);
    impl UniformSource for Mix {
        fn next_f64(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * (1.0 + b.abs())
    }

    const DIURNAL: Pattern = Pattern::Diurnal {
        mean: 100.0,
        peak_to_trough: 4.0,
        peak_hour: 14.0,
        weekly_factor: 0.5,
    };

    #[test]
    fn diurnal_by_hand() {
        let p = DIURNAL;
        assert!(close(p.mean_rate(0.0, DAY), 100.0, 1e-12));
        assert!(close(
            p.mean_rate(3.0 * DAY + 1234.0, 4.0 * DAY + 1234.0),
            100.0,
            1e-12
        ));
        let peak = p.rate_at(14.0 * 3600.0);
        let trough = p.rate_at(2.0 * 3600.0);
        assert!(close(peak, 160.0, 1e-12) && close(trough, 40.0, 1e-12));
        assert!(close(peak / trough, 4.0, 1e-12));
        // Saturday (day 5) and Sunday (day 6) at half, Monday of week 2 not
        assert!(close(p.rate_at(5.0 * DAY + 14.0 * 3600.0), 80.0, 1e-12));
        assert!(close(p.rate_at(6.0 * DAY + 14.0 * 3600.0), 80.0, 1e-12));
        assert!(close(p.rate_at(7.0 * DAY + 14.0 * 3600.0), 160.0, 1e-12));
        assert!(close(p.mean_rate(5.0 * DAY, 7.0 * DAY), 50.0, 1e-12));
        let week = 100.0 * (5.0 + 2.0 * 0.5) / 7.0;
        assert!(close(p.mean_rate(0.0, 7.0 * DAY), week, 1e-12));
        assert!(close(p.mean_rate(3600.0, 3600.0 + 70.0 * DAY), week, 1e-12));
        // a partial interval against a fine numerical integral
        let (a, b) = (10_000.0, 50_000.0);
        let n = 40_000;
        let num: f64 = (0..n)
            .map(|i| p.rate_at(a + (i as f64 + 0.5) * (b - a) / n as f64))
            .sum::<f64>()
            / n as f64;
        assert!(close(p.mean_rate(a, b), num, 1e-8));
        // flat when peak_to_trough = 1
        let flat = Pattern::Diurnal {
            mean: 3.0,
            peak_to_trough: 1.0,
            peak_hour: 0.0,
            weekly_factor: 1.0,
        };
        assert_eq!(flat.rate_at(12_345.0), 3.0);
    }

    /// The prepared pattern gives the pattern's own mean rates, bit for bit, over a service's run of
    /// consecutive intervals: minute ticks, split minutes, the seconds around midnight (where the cached
    /// day number must not be used), a weekend with and without a weekly factor, spans of half a week,
    /// just over it, and of several weeks; and a non-diurnal pattern.
    #[test]
    fn prepared_pattern_is_bit_identical() {
        let mut cuts: Vec<f64> = Vec::new();
        let mut t = 0.0;
        let mut mix = Mix(5);
        while t < 9.0 * DAY {
            cuts.push(t);
            // Mostly minutes, some split by a random millisecond, some a second or less near midnight.
            let to_midnight = DAY - t % DAY;
            t += if to_midnight <= 2.0 {
                0.25
            } else if to_midnight <= 120.0 {
                to_midnight - 1.0
            } else if mix.next_f64() < 0.2 {
                crate::engine::floor(mix.next_f64() * 60_000.0).max(1.0) / 1000.0
            } else {
                60.0
            };
        }
        let long = [
            3.5 * DAY,
            3.5 * DAY + 0.001,
            7.0 * DAY,
            15.2 * DAY,
            40.0 * DAY,
        ];
        for p in [
            DIURNAL,
            Pattern::Diurnal {
                mean: 693.0,
                peak_to_trough: 3.0,
                peak_hour: 17.933333333333334,
                weekly_factor: 1.0,
            },
            Pattern::Steps {
                steps: vec![(100.0, 2.0), (86_500.0, 7.0)],
            },
        ] {
            let mut prepared = PreparedPattern::new(p.clone());
            let mut memo = SinMemo::default();
            for w in cuts.windows(2) {
                let want = p.mean_rate_memo(w[0], w[1], &mut memo);
                assert_eq!(
                    prepared.mean_rate(w[0], w[1]).to_bits(),
                    want.to_bits(),
                    "{w:?}"
                );
                assert_eq!(want.to_bits(), p.mean_rate(w[0], w[1]).to_bits());
            }
            let mut x = 1234.5;
            for span in long {
                let want = p.mean_rate_memo(x, x + span, &mut memo);
                let got = prepared.mean_rate(x, x + span);
                assert_eq!(got.to_bits(), want.to_bits(), "{x} + {span}");
                x += span;
            }
            assert_eq!(prepared.mean_rate(x, x).to_bits(), p.rate_at(x).to_bits());
        }
    }

    #[test]
    fn other_patterns_by_hand() {
        let c = Pattern::Constant { rate: 5.0 };
        assert_eq!(c.mean_rate(10.0, 20.0), 5.0);
        let s = Pattern::Steps {
            steps: vec![(10.0, 1.0), (20.0, 3.0), (30.0, 0.0)],
        };
        s.validate().unwrap();
        assert_eq!(
            (
                s.rate_at(5.0),
                s.rate_at(10.0),
                s.rate_at(25.0),
                s.rate_at(99.0)
            ),
            (0.0, 1.0, 3.0, 0.0)
        );
        assert!(close(s.mean_rate(0.0, 40.0), 1.0, 1e-12));
        assert!(close(s.mean_rate(15.0, 25.0), 2.0, 1e-12));
        let backwards = Pattern::Steps {
            steps: vec![(2.0, 1.0), (1.0, 1.0)],
        };
        assert_eq!(
            backwards.validate().unwrap_err().to_string(),
            "invalid pattern parameters: Steps { steps: [(2.0, 1.0), (1.0, 1.0)] }"
        );
        let k = Pattern::Spike {
            base: 1.0,
            peak: 11.0,
            at_s: 100.0,
            duration_s: 10.0,
        };
        assert_eq!(
            (k.rate_at(99.9), k.rate_at(100.0), k.rate_at(110.0)),
            (1.0, 11.0, 1.0)
        );
        assert!(close(k.mean_rate(0.0, 200.0), 1.5, 1e-12));
        let r = Pattern::Ramp {
            from: 0.0,
            to: 10.0,
            start_s: 10.0,
            end_s: 20.0,
        };
        assert_eq!(
            (r.rate_at(0.0), r.rate_at(15.0), r.rate_at(30.0)),
            (0.0, 5.0, 10.0)
        );
        assert!(close(r.mean_rate(0.0, 30.0), (50.0 + 100.0) / 30.0, 1e-12));
        assert!(close(r.mean_rate(12.0, 14.0), 3.0, 1e-12));
        assert_eq!(r.mean_rate(15.0, 15.0), 5.0);
    }

    /// Sample mean and variance of `n` Poisson(λ) draws.
    fn moments(lambda: f64, n: usize, seed: u64) -> (f64, f64) {
        let mut u = Mix(seed);
        let xs: Vec<f64> = (0..n).map(|_| poisson(lambda, &mut u) as f64).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64;
        (m, v)
    }

    #[test]
    fn poisson_mean_and_variance() {
        // Tolerances: mean within 5 standard errors sqrt(λ/n); variance within
        // 5 standard errors of the sample variance, sqrt((2λ² + λ)/n).
        let n = 200_000;
        for (lambda, seed) in [(0.5, 1), (20.0, 2), (5000.0, 3), (9.99, 4), (10.0, 5)] {
            let (m, v) = moments(lambda, n, seed);
            let se_m = (lambda / n as f64).sqrt();
            let se_v = ((2.0 * lambda * lambda + lambda) / n as f64).sqrt();
            assert!((m - lambda).abs() < 5.0 * se_m, "λ={lambda}: mean {m}");
            assert!((v - lambda).abs() < 5.0 * se_v, "λ={lambda}: variance {v}");
        }
        // small-λ probabilities: P(0) = e^-0.5
        let mut u = Mix(9);
        let zeros = (0..n).filter(|_| poisson(0.5, &mut u) == 0).count() as f64 / n as f64;
        assert!((zeros - (-0.5f64).exp()).abs() < 0.005);
    }

    #[test]
    fn realize_noise() {
        let mut u = Mix(7);
        assert_eq!(realize(3.0, 60.0, &Noise::None, &mut u), 3.0);
        let n = 100_000;
        let pm: f64 = (0..n)
            .map(|_| realize(2.0, 60.0, &Noise::Poisson, &mut u))
            .sum::<f64>()
            / n as f64;
        assert!(
            (pm - 2.0).abs() < 5.0 * (120.0f64 / n as f64).sqrt() / 60.0,
            "{pm}"
        );
        let r = realize(2.0, 60.0, &Noise::Poisson, &mut u);
        assert_eq!(r * 60.0, (r * 60.0).round()); // a whole count per period
        let sigma = 0.5;
        let xs: Vec<f64> = (0..n)
            .map(|_| realize(10.0, 60.0, &Noise::LogNormal { sigma }, &mut u))
            .collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let sd = 10.0 * ((sigma * sigma).exp() - 1.0).sqrt();
        assert!((m - 10.0).abs() < 5.0 * sd / (n as f64).sqrt(), "{m}");
        let med = {
            let mut s = xs.clone();
            s.sort_by(f64::total_cmp);
            s[n / 2]
        };
        assert!(close(med, 10.0 * (-sigma * sigma / 2.0).exp(), 0.02));
    }

    #[test]
    fn thinning_counts() {
        let mut u = Mix(11);
        let mut out = Vec::new();
        let c = Pattern::Constant { rate: 10.0 };
        poisson_arrivals(&c, 100.0, 1100.0, &mut u, &mut out);
        assert!(
            (out.len() as f64 - 10_000.0).abs() < 5.0 * 100.0,
            "{}",
            out.len()
        );
        assert!(
            out.windows(2).all(|w| w[0] <= w[1])
                && out[0] >= 100.0
                && *out.last().unwrap() < 1100.0
        );

        // diurnal over a weekday and a weekend day: counts match the integral
        for (a, b) in [(0.0, DAY), (5.0 * DAY, 6.0 * DAY)] {
            let p = Pattern::Diurnal {
                mean: 0.5,
                peak_to_trough: 5.0,
                peak_hour: 9.0,
                weekly_factor: 0.3,
            };
            out.clear();
            poisson_arrivals(&p, a, b, &mut u, &mut out);
            let expect = p.mean_rate(a, b) * (b - a);
            assert!(
                (out.len() as f64 - expect).abs() < 5.0 * expect.sqrt(),
                "{} vs {expect}",
                out.len()
            );
            // the peak half of the day gets more than the trough half
            let near_peak = out
                .iter()
                .filter(|&&t| ((t - a) / 3600.0 - 9.0).abs() < 6.0)
                .count();
            assert!(near_peak * 2 > out.len());
        }

        // steps: each piece gets its share
        let s = Pattern::Steps {
            steps: vec![(0.0, 1.0), (500.0, 20.0), (600.0, 0.0)],
        };
        out.clear();
        poisson_arrivals(&s, 0.0, 1000.0, &mut u, &mut out);
        let n1 = out.iter().filter(|&&t| t < 500.0).count() as f64;
        let n2 = out.iter().filter(|&&t| (500.0..600.0).contains(&t)).count() as f64;
        assert!(
            (n1 - 500.0).abs() < 5.0 * 500f64.sqrt() && (n2 - 2000.0).abs() < 5.0 * 2000f64.sqrt()
        );
        assert!(out.iter().all(|&t| t < 600.0));
    }
}
