//! Request-latency models for the traffic layer.
//!
//! The analytic (fluid) traffic mode treats every task as an M/M/c queue and
//! every metric period as one step of a fluid backlog model, so its cost per
//! period is independent of the request rate. Latencies are accumulated as
//! request-weighted distributions in a log-bucketed [`LatencyHistogram`].
//! [`FcfsQueue`] simulates requests one by one and exists to validate the
//! analytic mode.

/// Erlang C: probability that an arrival waits, for `c` servers and offered
/// load `a = λ/μ`, so the simulator can tell how many requests queue at a task.
///
/// Requires `a < c`; returns 1.0 when `a >= c` (every arrival waits) and 0.0
/// when `a <= 0`. Uses the Erlang B recursion
/// `B(k) = a·B(k−1) / (k + a·B(k−1))` and `C = B / (1 − ρ(1 − B))`, which is
/// numerically stable (no factorials, no overflow) for `c` up to 10,000+.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    if a.is_nan() || a <= 0.0 {
        return 0.0;
    }
    if a >= f64::from(c) {
        return 1.0;
    }
    if c == 1 {
        // The loop below for one server, the same operations (`a·1 = a`, `a/1 = a` exactly): one
        // division and no loop for the fleet's one-server tasks, the same bits.
        let b = a / (1.0 + a);
        return (b / (1.0 - a * (1.0 - b))).clamp(0.0, 1.0);
    }
    let mut b = 1.0;
    for k in 1..=c {
        let ab = a * b;
        b = ab / (f64::from(k) + ab);
    }
    let rho = a / f64::from(c);
    (b / (1.0 - rho * (1.0 - b))).clamp(0.0, 1.0)
}

/// `(1 − e^{−x}) / x` for `x >= 0`, with its limit 1 at 0; avoids the
/// cancellation in the hypoexponential CDF when the two rates are close.
fn phi(x: f64) -> f64 {
    if x == 0.0 { 1.0 } else { -(-x).exp_m1() / x }
}

/// `(e^{−δt} − e^{−μt}) / (μ − δ)`, symmetric in δ and μ, computed without
/// cancellation or overflow (its limit is `t·e^{−μt}` when δ = μ).
fn hypo_gap(delta: f64, mu: f64, t: f64) -> f64 {
    let (lo, hi) = (delta.min(mu), delta.max(mu));
    t * (-lo * t).exp() * phi((hi - lo) * t)
}

/// A stable M/M/c queue: the model of one task's request latency, used to get
/// exact latency percentiles in O(1) per task and period.
#[derive(Debug, Clone, Copy)]
pub struct Mmc {
    /// Number of servers (vCPUs or configured concurrency).
    pub c: u32,
    /// Arrival rate λ in requests per second.
    pub lambda: f64,
    /// Service rate μ of one server in requests per second.
    pub mu: f64,
}

impl Mmc {
    /// Builds the queue, or `None` if it is unstable (`λ >= cμ`) or invalid
    /// (`c == 0`, `μ <= 0`, `λ < 0`, non-finite), so callers must handle
    /// overload explicitly (see [`fluid_step`]).
    pub fn new(c: u32, lambda: f64, mu: f64) -> Option<Mmc> {
        let ok = c > 0
            && mu.is_finite()
            && mu > 0.0
            && lambda.is_finite()
            && lambda >= 0.0
            && lambda < f64::from(c) * mu;
        ok.then_some(Mmc { c, lambda, mu })
    }

    /// Decay rate of the waiting time, `δ = cμ − λ`.
    fn delta(&self) -> f64 {
        f64::from(self.c) * self.mu - self.lambda
    }

    /// Utilization `ρ = λ/(cμ)`, the CPU utilization the task reports.
    pub fn utilization(&self) -> f64 {
        self.lambda / (f64::from(self.c) * self.mu)
    }

    /// Probability that a request waits for a server (Erlang C).
    pub fn p_wait(&self) -> f64 {
        erlang_c(self.c, self.lambda / self.mu)
    }

    /// Mean queueing delay `Wq = C/(cμ − λ)`.
    pub fn mean_wait(&self) -> f64 {
        self.p_wait() / self.delta()
    }

    /// Mean response time `W = Wq + 1/μ`.
    pub fn mean_response(&self) -> f64 {
        self.mean_wait() + 1.0 / self.mu
    }

    /// `P(Wq > t) = C·e^{−(cμ−λ)t}`: the fraction of requests queued longer
    /// than `t` (e.g. a time-out).
    pub fn wait_ccdf(&self, t: f64) -> f64 {
        if t < 0.0 {
            return 1.0;
        }
        self.p_wait() * (-self.delta() * t).exp()
    }

    /// `P(T > t)` with `T = Wq + S`, `S ~ Exp(μ)`: the fraction of requests
    /// slower than `t`. Closed form with `δ = cμ − λ`:
    /// `e^{−μt} + C·μ·(e^{−δt} − e^{−μt})/(μ − δ)`, whose δ = μ limit is
    /// `e^{−μt}(1 + Cμt)`; evaluated without cancellation near δ = μ.
    pub fn response_ccdf(&self, t: f64) -> f64 {
        self.ccdf_with(self.p_wait(), t)
    }

    /// [`Mmc::response_ccdf`] with the Erlang C value precomputed.
    fn ccdf_with(&self, pw: f64, t: f64) -> f64 {
        self.ccdf_pdf_with(pw, t).0
    }

    /// [`Self::ccdf_with`] and the density of `T`, `(1−C)μe^{−μt} + C·δ·μ·(e^{−δt} − e^{−μt})/(μ − δ)`,
    /// together: they share `e^{−μt}` and the hypoexponential gap, so Newton's method pays for the
    /// transcendental functions once per step.
    fn ccdf_pdf_with(&self, pw: f64, t: f64) -> (f64, f64) {
        if t < 0.0 {
            return (1.0, 0.0);
        }
        self.ccdf_pdf_given(pw, t, (-self.mu * t).exp())
    }

    /// [`Self::ccdf_pdf_with`] for `t >= 0` with `e = e^{−μt}` given (computed as `(-μ·t).exp()`: the
    /// same bits), so that parts of one μ, or the buckets of one μ's shapes, compute it once.
    #[inline(always)]
    fn ccdf_pdf_given(&self, pw: f64, t: f64, e: f64) -> (f64, f64) {
        let (mu, d) = (self.mu, self.delta());
        let g = hypo_gap(d, mu, t);
        let ccdf = if t <= 0.0 {
            1.0
        } else {
            (e + pw * mu * g).clamp(0.0, 1.0)
        };
        (ccdf, (1.0 - pw) * mu * e + pw * d * mu * g)
    }

    /// The `q`-quantile of the response time (e.g. p99 for `q = 0.99`), the
    /// exact inverse of [`Mmc::response_ccdf`] to ~1e-12 relative, found by
    /// bracketing then safeguarded Newton. `q <= 0` gives 0, `q >= 1` gives ∞.
    pub fn response_quantile(&self, q: f64) -> f64 {
        if q.is_nan() || q <= 0.0 {
            return 0.0;
        }
        if q >= 1.0 {
            return f64::INFINITY;
        }
        let pw = self.p_wait();
        let target = 1.0 - q;
        let (mut lo, mut hi) = (0.0, self.mean_response());
        while self.ccdf_with(pw, hi) > target {
            lo = hi;
            hi *= 2.0;
        }
        invert_ccdf(|x| self.ccdf_pdf_with(pw, x), target, lo, hi, f64::NAN, 200)
    }
}

/// The `x` in `[lo, hi]` where a decreasing CCDF equals `target`, by safeguarded Newton (a bisection step
/// whenever Newton would leave the bracket), to ~1e-14 relative; at most `max_steps` steps, from `x0`
/// (the bracket's midpoint when `x0` is outside it).
fn invert_ccdf(
    ccdf_pdf: impl Fn(f64) -> (f64, f64),
    target: f64,
    mut lo: f64,
    mut hi: f64,
    x0: f64,
    max_steps: usize,
) -> f64 {
    let mut x = if x0 > lo && x0 < hi {
        x0
    } else {
        0.5 * (lo + hi)
    };
    for _ in 0..max_steps {
        let (ccdf, d) = ccdf_pdf(x);
        let f = ccdf - target;
        if f == 0.0 {
            return x;
        }
        if f > 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let newton = x + f / d;
        let next = if d > 0.0 && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        let step = (next - x).abs();
        x = next;
        if step <= 1e-14 * x || hi - lo <= 1e-14 * hi {
            break;
        }
    }
    x
}

/// The `q`-quantile of a mixture of stable M/M/c response times (`parts`: queue and weight; weights
/// need not sum to 1), e.g. a metric period in which the number of targets changed. Exact to ~1e-12
/// relative, like [`Mmc::response_quantile`]: safeguarded Newton on the mixture's closed-form CCDF,
/// inside `[lo, hi]`, which must bracket the answer (the smallest and largest of the parts' own
/// `q`-quantiles do). At most 100 steps.
pub fn mixture_response_quantile(parts: &[(Mmc, f64)], q: f64, lo: f64, hi: f64) -> f64 {
    mixture_response_quantile_from(parts, q, lo, hi, f64::NAN)
}

/// [`mixture_response_quantile`] with Newton started at `x0` (e.g. the parts' own quantiles averaged by
/// weight, close to the answer when one part dominates: fewer steps, the same root).
pub fn mixture_response_quantile_from(
    parts: &[(Mmc, f64)],
    q: f64,
    lo: f64,
    hi: f64,
    x0: f64,
) -> f64 {
    let pws: [f64; 16] = std::array::from_fn(|i| parts.get(i).map_or(0.0, |p| p.0.p_wait()));
    let pws = &pws[..parts.len().min(16)];
    mixture_response_quantile_pw(parts, pws, q, lo, hi, x0)
}

/// [`mixture_response_quantile_from`] with the parts' Erlang C values given (`pws[i]` is part `i`'s
/// [`Mmc::p_wait`]; parts past its end compute theirs), so that a caller asking several quantiles of one
/// mixture computes them once. When all parts have one μ (one task size: the targets changed), `e^{−μx}`
/// is computed once per Newton step for all of them (the same bits as each part's own).
pub fn mixture_response_quantile_pw(
    parts: &[(Mmc, f64)],
    pws: &[f64],
    q: f64,
    lo: f64,
    hi: f64,
    x0: f64,
) -> f64 {
    let total: f64 = parts.iter().map(|p| p.1).sum();
    if total.is_nan() || total <= 0.0 || hi <= lo {
        return lo;
    }
    let target = 1.0 - q;
    let pw = |i: usize, m: &Mmc| pws.get(i).copied().unwrap_or_else(|| m.p_wait());
    let mu0 = parts.first().map_or(0.0, |p| p.0.mu);
    let one_mu = parts.iter().all(|p| p.0.mu.to_bits() == mu0.to_bits());
    let ccdf_pdf = |x: f64| {
        let (mut c, mut d) = (0.0, 0.0);
        if one_mu && x >= 0.0 {
            let e = (-mu0 * x).exp();
            for (i, (m, w)) in parts.iter().enumerate() {
                let (ci, di) = m.ccdf_pdf_given(pw(i, m), x, e);
                c += w * ci;
                d += w * di;
            }
        } else {
            for (i, (m, w)) in parts.iter().enumerate() {
                let (ci, di) = m.ccdf_pdf_with(pw(i, m), x);
                c += w * ci;
                d += w * di;
            }
        }
        (c / total, d / total)
    };
    invert_ccdf(ccdf_pdf, target, lo, hi, x0, 100)
}

/// Time to empty a fluid backlog of `backlog` requests with arrivals at
/// `lambda` and capacity `capacity` (requests/s): `backlog/(capacity − λ)`,
/// ∞ if the queue does not drain. Lets callers report recovery times.
pub fn drain_time_s(backlog: f64, lambda: f64, capacity: f64) -> f64 {
    if backlog <= 0.0 {
        0.0
    } else if capacity > lambda {
        backlog / (capacity - lambda)
    } else {
        f64::INFINITY
    }
}

/// Fluid backlog of one queue over one metric period, so overload (λ > cμ)
/// costs O(1) per period regardless of the request rate.
///
/// Accepted arrivals are split into three groups whose latencies
/// [`LatencyHistogram::record_fluid_step`] records exactly: the *ramp* (while
/// the backlog is positive and below the time-out cap, the wait `B(t)/cμ`
/// moves linearly, so it is uniform on `[ramp_wait_start_s, ramp_wait_end_s]`),
/// the *capped* group (backlog at the cap, wait = time-out) and the *idle*
/// group (no backlog: the stationary M/M/c applies).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FluidStep {
    /// Backlog (requests) at the end of the period, carried to the next one.
    pub backlog_end: f64,
    /// Time-averaged backlog over the period (requests).
    pub mean_backlog: f64,
    /// Largest backlog during the period, after the time-out cap (requests).
    pub max_backlog: f64,
    /// Requests completed during the period.
    pub served: f64,
    /// Requests dropped as time-out errors: backlog over the cap at the start
    /// plus arrivals that would wait longer than the time-out.
    pub dropped: f64,
    /// Mean backlog wait of the accepted arrivals (s), added to latency.
    pub mean_extra_wait_s: f64,
    /// Requests that arrived during the period (`λ·period`).
    pub arrived: f64,
    /// Accepted arrivals while the backlog was positive and below the cap.
    pub ramp_weight: f64,
    /// Backlog wait (s) of the first ramp arrival.
    pub ramp_wait_start_s: f64,
    /// Backlog wait (s) of the last ramp arrival.
    pub ramp_wait_end_s: f64,
    /// Accepted arrivals while the backlog sat at the time-out cap.
    pub capped_weight: f64,
    /// Backlog wait (s) of the capped arrivals (the time-out).
    pub capped_wait_s: f64,
    /// Arrivals while there was no backlog (they see the stationary M/M/c).
    pub idle_weight: f64,
}

/// Clamps negatives and NaN to zero so bad inputs cannot poison the state.
fn nonneg(x: f64) -> f64 {
    if x > 0.0 { x } else { 0.0 }
}

/// `e^x − 1`, which is exactly −1.0 in f64 below x ≈ −38.8 (glibc returns it there too): skipping the
/// call keeps the value and saves it for all but the first buckets of a backlog ramp.
fn expm1_or_minus_one(x: f64) -> f64 {
    if x < -40.0 { -1.0 } else { x.exp_m1() }
}

/// Extends `table` to `n` entries (at most one per bucket): entry `k` is `e^{−μ·edge(k)} − 1` as a
/// backlog ramp from empty evaluates it (see `LatencyHistogram::ramp_from_empty_shape`).
fn expm1_table(mu: f64, table: &mut Vec<f64>, n: usize) {
    let n = n.min(N_REGULAR + 1);
    while table.len() < n {
        let t = edge(table.len());
        // `t − lo` with lo = 0, written as the ramp writes it (the same bits).
        table.push(expm1_or_minus_one(-mu * (t - 0.0)));
    }
}

/// Extends `table` to `n` entries (at most one per bucket): entry `k` is `e^{−μ·edge(k)}` as
/// [`Mmc::ccdf_pdf_with`] evaluates it at the bucket edge (see `LatencyHistogram::mmc_shape_with`).
fn exp_table_to(mu: f64, table: &mut Vec<f64>, n: usize) {
    let n = n.min(N_REGULAR + 1);
    while table.len() < n {
        let t = edge(table.len());
        table.push((-mu * t).exp());
    }
}

/// Advances the fluid backlog of one queue by `period_s`, so the simulator
/// can carry overload from one period to the next.
///
/// `dB/dt = λ − capacity`, with `B ≥ 0` and `B ≤ B_max = timeout_s·capacity`
/// (an arrival waits `B/capacity`; one that would wait longer than the
/// time-out is dropped). Backlog above `B_max` at the start (capacity fell) is
/// dropped at once. With zero capacity everything is dropped. Conservation:
/// `λ·period = served + dropped + backlog_end − backlog_start`.
pub fn fluid_step(
    backlog_start: f64,
    lambda: f64,
    capacity: f64,
    period_s: f64,
    timeout_s: f64,
) -> FluidStep {
    let (b_in, lambda, cap) = (nonneg(backlog_start), nonneg(lambda), nonneg(capacity));
    let (p, timeout) = (nonneg(period_s), nonneg(timeout_s));
    let b_max = if cap > 0.0 { timeout * cap } else { 0.0 };
    let b0 = b_in.min(b_max);
    let mut dropped = b_in - b0;
    let wait = |b: f64| if cap > 0.0 { b / cap } else { 0.0 };
    let r = lambda - cap;
    let (mut ramp_t, mut capped_weight, mut idle_weight) = (0.0, 0.0, 0.0);
    let (b_end, area, served);
    if r > 0.0 {
        // Growing: linear ramp up to the cap, then arrivals beyond capacity drop.
        let t1 = ((b_max - b0) / r).min(p);
        b_end = if t1 < p { b_max } else { b0 + r * p };
        area = 0.5 * (b0 + b_end) * t1 + b_end * (p - t1);
        served = cap * p;
        dropped += r * (p - t1);
        ramp_t = t1;
        capped_weight = cap * (p - t1);
    } else if r < 0.0 {
        // Draining: linear ramp down to zero, then the queue is stationary.
        let t0 = (b0 / -r).min(p);
        b_end = if t0 < p { 0.0 } else { nonneg(b0 + r * p) };
        area = 0.5 * (b0 + b_end) * t0;
        served = cap * t0 + lambda * (p - t0);
        ramp_t = t0;
        idle_weight = lambda * (p - t0);
    } else {
        b_end = b0;
        area = b0 * p;
        served = cap * p;
        if b0 > 0.0 {
            ramp_t = p;
        } else {
            idle_weight = lambda * p;
        }
    }
    let ramp_weight = lambda * ramp_t;
    let (ws, we) = (wait(b0), wait(b_end));
    let accepted = ramp_weight + capped_weight + idle_weight;
    let mut wsum = ramp_weight * 0.5 * (ws + we);
    if capped_weight > 0.0 {
        wsum += capped_weight * timeout;
    }
    FluidStep {
        backlog_end: b_end,
        mean_backlog: if p > 0.0 { area / p } else { b_end },
        max_backlog: b0.max(b_end),
        served,
        dropped,
        mean_extra_wait_s: if accepted > 0.0 { wsum / accepted } else { 0.0 },
        arrived: lambda * p,
        ramp_weight,
        ramp_wait_start_s: ws,
        ramp_wait_end_s: we,
        capped_weight,
        capped_wait_s: if capped_weight > 0.0 { timeout } else { 0.0 },
        idle_weight,
    }
}

/// Lower edge of the first regular histogram bucket (1 µs).
const HIST_MIN_S: f64 = 1e-6;
/// `ln(1.01)`: buckets are 1% wide, so any point of a bucket is within 1% of
/// any other and quantiles are within 1% of the truth.
const LN_RATIO: f64 = 0.009950330853168092;
/// Regular buckets: `1e-6·1.01^2212 ≈ 3.62e3` s covers 1 µs .. 1 h.
const N_REGULAR: usize = 2212;
/// Tail mass below which a recorded distribution is cut off (and lumped).
const TAIL: f64 = 1e-9;

/// Lower edge of regular bucket `i` (0-based), `1e-6·1.01^i` seconds, from a table computed once (the
/// shape loops read one edge per bucket; an `exp` each was a third of their cost).
fn edge(i: usize) -> f64 {
    edges()[i]
}

/// All `N_REGULAR + 1` bucket edges (see [`edge`]), for loops that read one per bucket: they take the
/// table once, not its initialisation check per bucket.
fn edges() -> &'static [f64] {
    static EDGES: std::sync::LazyLock<Vec<f64>> = std::sync::LazyLock::new(|| {
        (0..=N_REGULAR)
            .map(|i| HIST_MIN_S * (i as f64 * LN_RATIO).exp())
            .collect()
    });
    &EDGES
}

/// Request-weighted latency histogram with 1%-wide log buckets from 1 µs to
/// ~1 h (plus an underflow and an overflow bucket), so a period's latency
/// distribution costs O(buckets) whatever the request rate, and quantiles
/// are within 1% relative error.
#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    /// Weights of `[underflow, N_REGULAR regular buckets, overflow]`.
    counts: Vec<f64>,
    /// Total weight and weighted latency sum (exact for distributions).
    total: f64,
    sum: f64,
    /// Smallest / largest sample, or a distribution's support bound / the
    /// upper edge of its last bucket.
    min: f64,
    max: f64,
    /// Buckets `lo..hi` may be non-zero; the rest are zero. Keeps `merge`, `quantile` and `clear`
    /// proportional to the latencies actually seen, not to the 2,214 buckets.
    lo: usize,
    hi: usize,
}

/// A distribution over histogram buckets with total mass 1, computed once and added many times
/// (see [`LatencyHistogram::mmc_shape`]): adding it costs one multiply-add per bucket it spans and no
/// `exp` calls.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    first: usize,
    mass: Vec<f64>,
    mean: f64,
    min: f64,
    max: f64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    /// An empty histogram (one ~18 KB allocation, reused via [`Self::clear`]).
    pub fn new() -> Self {
        LatencyHistogram {
            counts: vec![0.0; N_REGULAR + 2],
            total: 0.0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            lo: usize::MAX,
            hi: 0,
        }
    }

    #[inline]
    fn touch(&mut self, k: usize) {
        self.lo = self.lo.min(k);
        self.hi = self.hi.max(k + 1);
    }

    /// Index into `counts` of the bucket holding latency `x` (seconds).
    fn bucket_of(x: f64) -> usize {
        if x.is_nan() || x < HIST_MIN_S {
            return 0;
        }
        let i = crate::engine::floor((x / HIST_MIN_S).ln() / LN_RATIO);
        if i >= N_REGULAR as f64 {
            N_REGULAR + 1
        } else {
            i as usize + 1
        }
    }

    /// Adds `weight` requests of latency `latency_s`, e.g. one simulated
    /// request. Ignores non-finite latencies and non-positive weights;
    /// negative latencies count as 0.
    pub fn record(&mut self, latency_s: f64, weight: f64) {
        if !(latency_s.is_finite() && weight > 0.0 && weight.is_finite()) {
            return;
        }
        let x = latency_s.max(0.0);
        let k = Self::bucket_of(x);
        self.counts[k] += weight;
        self.touch(k);
        self.total += weight;
        self.sum += weight * x;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }

    /// Adds `weight` requests distributed by `ccdf`, in O(buckets crossed):
    /// each bucket gets `weight·(ccdf(lo) − ccdf(hi))`, starting at `t_start`
    /// (below which at most `TAIL` mass lies, lumped into the first bucket)
    /// and stopping once the CCDF is below `TAIL` (the rest is lumped too).
    /// `support_min` and `mean` are the distribution's exact lower bound and
    /// mean.
    fn record_ccdf(
        &mut self,
        ccdf: impl Fn(usize, f64) -> f64,
        t_start: f64,
        support_min: f64,
        mean: f64,
        weight: f64,
    ) {
        if !(weight > 0.0 && weight.is_finite() && mean.is_finite()) {
            return;
        }
        // Straight into the buckets: the same additions as `add_shape(&ccdf_shape(..))`, in the same
        // order, without building the shape.
        let mut last = 0;
        let max = Self::for_each_mass(ccdf, t_start, |k, m| {
            self.counts[k] += weight * m;
            last = k;
        });
        let first = Self::bucket_of(t_start);
        self.note_spread(first, last, weight, mean, support_min.max(0.0), max);
    }

    /// Calls `f(bucket, mass)` for the buckets of a distribution given by its CCDF, in order from the
    /// bucket of `t_start` (see [`Self::record_ccdf`]); returns the upper edge of the last. The CCDF is
    /// asked at bucket `k`'s upper edge as `ccdf(k, edge)` (the index lets a caller look values up).
    fn for_each_mass(
        ccdf: impl Fn(usize, f64) -> f64,
        t_start: f64,
        mut f: impl FnMut(usize, f64),
    ) -> f64 {
        let mut k = Self::bucket_of(t_start);
        let mut prev = 1.0;
        let edges = &edges()[..=N_REGULAR];
        loop {
            if k > N_REGULAR {
                f(k, prev);
                return edges[N_REGULAR];
            }
            let s = ccdf(k, edges[k]);
            let s = if s < TAIL { 0.0 } else { s.min(prev) };
            f(k, prev - s);
            prev = s;
            if s == 0.0 {
                return edges[k];
            }
            k += 1;
        }
    }

    /// The bucket masses (total 1) of a distribution given by its CCDF; see [`Self::record_ccdf`].
    fn ccdf_shape(
        ccdf: impl Fn(usize, f64) -> f64,
        t_start: f64,
        support_min: f64,
        mean: f64,
    ) -> Shape {
        let first = Self::bucket_of(t_start);
        // Room for every bucket from `first` (no regrowth while filling), then cut to the length: a
        // shrink in place, cheaper than the five reallocations of growing from a small buffer.
        let mut mass = Vec::with_capacity(N_REGULAR + 2 - first.min(N_REGULAR + 1));
        let max = Self::for_each_mass(ccdf, t_start, |_, m| mass.push(m));
        mass.shrink_to_fit();
        Shape {
            first,
            mass,
            mean,
            min: support_min.max(0.0),
            max,
        }
    }

    /// The response-time distribution of an M/M/c queue as a reusable [`Shape`].
    pub fn mmc_shape(q: &Mmc) -> Shape {
        Self::mmc_shape_with(q, &mut Vec::new())
    }

    /// [`Self::mmc_shape`] with `e^{−μt}` at the bucket edges from `exp_table` (`exp_table_to` for this
    /// queue's μ), which every shape of the same μ shares: the same values, one `exp` per bucket and μ
    /// instead of one per bucket and shape.
    pub fn mmc_shape_with(q: &Mmc, exp_table: &mut Vec<f64>) -> Shape {
        let pw = q.p_wait();
        let mean = pw / q.delta() + 1.0 / q.mu;
        // The CCDF is at least `e^{−μt}` and falls like `e^{−min(δ, μ)·t}`: past 25/min(δ, μ) it is below
        // the 1e-9 cut, so the walk reads no edge beyond (any it does is computed directly).
        let slowest = q.delta().min(q.mu);
        exp_table_to(q.mu, exp_table, Self::bucket_of(25.0 / slowest) + 1);
        let table: &Vec<f64> = exp_table;
        let mu = q.mu;
        let ccdf = |k: usize, t: f64| {
            if t < 0.0 {
                return 1.0;
            }
            let e = table.get(k).copied().unwrap_or_else(|| (-mu * t).exp());
            q.ccdf_pdf_given(pw, t, e).0
        };
        Self::ccdf_shape(ccdf, TAIL / q.mu, 0.0, mean)
    }

    /// Adds `weight` requests distributed as `shape`.
    pub fn add_shape(&mut self, shape: &Shape, weight: f64) {
        if !(weight > 0.0 && weight.is_finite() && shape.mean.is_finite()) {
            return;
        }
        for (i, m) in shape.mass.iter().enumerate() {
            self.counts[shape.first + i] += weight * m;
        }
        if !shape.mass.is_empty() {
            let last = shape.first + shape.mass.len() - 1;
            self.note_spread(shape.first, last, weight, shape.mean, shape.min, shape.max);
        }
    }

    /// After adding `weight` requests of a distribution into buckets `first..=last`: the touched range,
    /// the totals and the support bounds.
    fn note_spread(
        &mut self,
        first: usize,
        last: usize,
        weight: f64,
        mean: f64,
        min: f64,
        max: f64,
    ) {
        self.touch(first);
        self.touch(last);
        self.total += weight;
        self.sum += weight * mean;
        self.min = self.min.min(min);
        self.max = self.max.max(max);
    }

    /// Adds `weight` requests whose latency is `extra_wait_s` (fluid backlog
    /// wait) plus an M/M/c response time, using the exact response CDF.
    /// O(buckets between `extra_wait_s` and the 1 − 1e-9 point), never
    /// proportional to `weight`.
    pub fn record_mmc(&mut self, q: &Mmc, extra_wait_s: f64, weight: f64) {
        let pw = q.p_wait();
        let w = nonneg(extra_wait_s);
        let mean = w + pw / q.delta() + 1.0 / q.mu;
        // P(T <= t) <= P(S <= t) <= μt, so below w + TAIL/μ lies <= TAIL mass.
        let t_start = w + TAIL / q.mu;
        self.record_ccdf(|_, t| q.ccdf_with(pw, t - w), t_start, w, mean, weight);
    }

    /// Adds `weight` requests whose latency is `U + S` with the backlog wait
    /// `U` uniform on `[wait_lo_s, wait_hi_s]` and the service `S ~ Exp(mu)`:
    /// requests arriving while a fluid backlog grows or drains linearly (all
    /// servers are busy, so there is no further queueing).
    ///
    /// `P(U+S > t)` is 1 for `t <= lo`,
    /// `[(hi − t) + (1 − e^{−μ(t−lo)})/μ]/(hi − lo)` for `lo < t < hi`, and
    /// `e^{−μ(t−hi)}·(1 − e^{−μ(hi−lo)})/(μ(hi−lo))` for `t >= hi`.
    pub fn record_backlogged(&mut self, mu: f64, wait_lo_s: f64, wait_hi_s: f64, weight: f64) {
        if !(weight > 0.0 && weight.is_finite()) {
            return;
        }
        if let Some((ccdf, t_start, lo, mean)) = Self::backlogged(mu, wait_lo_s, wait_hi_s) {
            self.record_ccdf(ccdf, t_start, lo, mean, weight);
        }
    }

    /// The CCDF of [`Self::record_backlogged`] with its start, lower bound and mean.
    #[allow(clippy::type_complexity)] // (CCDF, start, lower bound, mean); a closure type has no name
    fn backlogged(
        mu: f64,
        wait_lo_s: f64,
        wait_hi_s: f64,
    ) -> Option<(impl Fn(usize, f64) -> f64, f64, f64, f64)> {
        Self::backlogged_with(mu, wait_lo_s, wait_hi_s, |_, x| expm1_or_minus_one(x))
    }

    /// [`Self::backlogged`] with `e^x − 1` for `x = −μ(t − lo)` at bucket `k`'s edge `t` given by
    /// `em1(k, x)` (a table when `lo` is 0: then `x` depends on `μ` and the bucket only).
    #[allow(clippy::type_complexity)] // (CCDF, start, lower bound, mean); a closure type has no name
    fn backlogged_with(
        mu: f64,
        wait_lo_s: f64,
        wait_hi_s: f64,
        em1: impl Fn(usize, f64) -> f64,
    ) -> Option<(impl Fn(usize, f64) -> f64, f64, f64, f64)> {
        if !(mu > 0.0 && mu.is_finite()) {
            return None;
        }
        let (lo, hi) = (
            nonneg(wait_lo_s.min(wait_hi_s)),
            nonneg(wait_lo_s.max(wait_hi_s)),
        );
        let width = hi - lo;
        let beyond = phi(mu * width);
        let ccdf = move |k: usize, t: f64| {
            if t <= lo {
                1.0
            } else if t < hi {
                let em1 = em1(k, -mu * (t - lo));
                ((hi - t) - em1 / mu) / width
            } else {
                (-mu * (t - hi)).exp() * beyond
            }
        };
        let mean = 0.5 * (lo + hi) + 1.0 / mu;
        Some((ccdf, lo + TAIL / mu, lo, mean))
    }

    /// The distribution of [`Self::record_backlogged`] as a reusable [`Shape`] (None if `mu` is not a
    /// positive finite rate).
    pub fn backlogged_shape(mu: f64, wait_lo_s: f64, wait_hi_s: f64) -> Option<Shape> {
        let (ccdf, t_start, lo, mean) = Self::backlogged(mu, wait_lo_s, wait_hi_s)?;
        Some(Self::ccdf_shape(ccdf, t_start, lo, mean))
    }

    /// `backlogged_shape(mu, 0.0, hi_s)` (a backlog ramp that starts empty), with `e^{−μt} − 1` at the
    /// bucket edges from `em1_table` ([`expm1_table`] for this `mu`), which every ramp of the same `μ`
    /// shares: the same values, computed once per run instead of once per bucket and ramp.
    pub fn ramp_from_empty_shape(mu: f64, hi_s: f64, em1_table: &mut Vec<f64>) -> Option<Shape> {
        expm1_table(mu, em1_table, Self::bucket_of(nonneg(hi_s)) + 1);
        let table: &Vec<f64> = em1_table;
        let (ccdf, t_start, lo, mean) = Self::backlogged_with(mu, 0.0, hi_s, |k, x| {
            table
                .get(k)
                .copied()
                .unwrap_or_else(|| expm1_or_minus_one(x))
        })?;
        Some(Self::ccdf_shape(ccdf, t_start, lo, mean))
    }

    /// Records the latencies of all accepted arrivals of one fluid period of
    /// a task with `c` servers of rate `mu` and arrival rate `lambda` (the
    /// same values passed to [`fluid_step`] as `lambda` and `c·mu`): ramp and
    /// capped arrivals see backlog wait + service, idle arrivals the
    /// stationary M/M/c (or plain service at exactly critical load λ = cμ).
    pub fn record_fluid_step(&mut self, c: u32, lambda: f64, mu: f64, step: &FluidStep) {
        let (ws, we) = (step.ramp_wait_start_s, step.ramp_wait_end_s);
        self.record_backlogged(mu, ws, we, step.ramp_weight);
        let tw = step.capped_wait_s;
        self.record_backlogged(mu, tw, tw, step.capped_weight);
        match Mmc::new(c, lambda, mu) {
            Some(q) => self.record_mmc(&q, 0.0, step.idle_weight),
            None => self.record_backlogged(mu, 0.0, 0.0, step.idle_weight),
        }
    }

    /// Adds another histogram's requests (e.g. all tasks of a service).
    pub fn merge(&mut self, other: &LatencyHistogram) {
        if other.lo < other.hi {
            for k in other.lo..other.hi {
                self.counts[k] += other.counts[k];
            }
            self.touch(other.lo);
            self.touch(other.hi - 1);
        }
        self.total += other.total;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// The request-weighted `q`-quantile (e.g. p99 latency), within 1%
    /// relative error for latencies in 1 µs .. 1 h (geometric interpolation
    /// inside the bucket), clamped to `[min, max]`. `None` if empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.total <= 0.0 || q.is_nan() {
            return None;
        }
        let target = q.clamp(0.0, 1.0) * self.total;
        let mut cum = 0.0;
        let range = self.lo.min(self.hi)..self.hi;
        let last = range.start + self.counts[range.clone()].iter().rposition(|&w| w > 0.0)?;
        for k in range {
            let w = self.counts[k];
            if w <= 0.0 {
                continue;
            }
            if cum + w >= target || k == last {
                let frac = ((target - cum) / w).clamp(0.0, 1.0);
                let x = if k == 0 {
                    let lo = self.min.min(HIST_MIN_S);
                    lo + frac * (HIST_MIN_S - lo)
                } else if k > N_REGULAR {
                    let hi = self.max.max(edge(N_REGULAR));
                    edge(N_REGULAR) + frac * (hi - edge(N_REGULAR))
                } else {
                    edge(k - 1) * (frac * LN_RATIO).exp()
                };
                return Some(x.clamp(self.min, self.max.max(self.min)));
            }
            cum += w;
        }
        None
    }

    /// Several quantiles in one pass over the histogram (`qs` ascending).
    pub fn quantiles<const N: usize>(&self, qs: [f64; N]) -> [Option<f64>; N] {
        let mut out = [None; N];
        if self.total <= 0.0 || self.lo >= self.hi {
            return out;
        }
        let mut cum = 0.0;
        let mut j = 0;
        for k in self.lo..self.hi {
            let w = self.counts[k];
            if w <= 0.0 {
                continue;
            }
            while j < N && (cum + w >= qs[j] * self.total || k + 1 == self.hi) {
                let frac = ((qs[j] * self.total - cum) / w).clamp(0.0, 1.0);
                let x = if k == 0 {
                    let lo = self.min.min(HIST_MIN_S);
                    lo + frac * (HIST_MIN_S - lo)
                } else if k > N_REGULAR {
                    let hi = self.max.max(edge(N_REGULAR));
                    edge(N_REGULAR) + frac * (hi - edge(N_REGULAR))
                } else {
                    edge(k - 1) * (frac * LN_RATIO).exp()
                };
                out[j] = Some(x.clamp(self.min, self.max.max(self.min)));
                j += 1;
            }
            cum += w;
            if j == N {
                break;
            }
        }
        out
    }

    /// Total request weight recorded.
    pub fn count(&self) -> f64 {
        self.total
    }

    /// Request-weighted mean latency (exact for recorded distributions).
    pub fn mean(&self) -> Option<f64> {
        (self.total > 0.0).then(|| self.sum / self.total)
    }

    /// Largest latency: the largest sample, or for recorded distributions the
    /// upper edge of the bucket where the CCDF fell below 1e-9.
    pub fn max(&self) -> Option<f64> {
        (self.total > 0.0).then_some(self.max)
    }

    /// Empties the histogram, keeping its allocation, for the next period.
    pub fn clear(&mut self) {
        if self.lo < self.hi {
            self.counts[self.lo..self.hi].fill(0.0);
        }
        self.lo = usize::MAX;
        self.hi = 0;
        self.total = 0.0;
        self.sum = 0.0;
        self.min = f64::INFINITY;
        self.max = f64::NEG_INFINITY;
    }
}

/// Request-by-request FCFS queue with `c` identical servers (validation mode):
/// arrivals must come in time order; each takes the earliest-free server.
/// Server free-times live in a binary min-heap: O(log c) and no allocation
/// per request.
#[derive(Debug, Clone)]
pub struct FcfsQueue {
    /// Min-heap of the times at which each server becomes free.
    free_at: Vec<f64>,
    /// Time of the latest arrival, to check ordering in debug builds.
    last_arrival: f64,
}

impl FcfsQueue {
    /// A queue with `c` idle servers (`c == 0` is treated as 1).
    pub fn new(c: u32) -> Self {
        FcfsQueue {
            free_at: vec![f64::NEG_INFINITY; c.max(1) as usize],
            last_arrival: f64::NEG_INFINITY,
        }
    }

    /// When the earliest server becomes free (seconds): the wait of a request arriving now is
    /// `max(0, earliest_free − now)`.
    pub fn earliest_free(&self) -> f64 {
        self.free_at[0]
    }

    /// Requests still held at `now_s` (waiting or in service), estimated from each server's remaining
    /// work in units of the mean service time (the queue keeps when servers free up, not the requests).
    pub fn in_flight(&self, now_s: f64, mean_service_s: f64) -> f64 {
        debug_assert!(mean_service_s > 0.0);
        self.free_at
            .iter()
            .map(|&f| ((f - now_s).max(0.0) / mean_service_s).ceil())
            .sum()
    }

    /// Serves a request arriving at `t_s` needing `service_s` seconds of one
    /// server; returns its response time (wait + service).
    pub fn arrive(&mut self, t_s: f64, service_s: f64) -> f64 {
        debug_assert!(t_s >= self.last_arrival, "arrivals must be in time order");
        self.last_arrival = t_s;
        let done = t_s.max(self.free_at[0]) + service_s;
        // Replace the root (earliest-free server) and sift down.
        let heap = &mut self.free_at;
        let n = heap.len();
        let mut i = 0;
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let r = l + 1;
            let m = if r < n && heap[r] < heap[l] { r } else { l };
            if heap[m] >= done {
                break;
            }
            heap[i] = heap[m];
            i = m;
        }
        heap[i] = done;
        done - t_s
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod shape_tests;
