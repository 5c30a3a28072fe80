//! The traffic model at run time: per service, its request source and what one interval of traffic does
//! to its targets (tasks that are RUNNING, registered and healthy). Two modes (reference design brief):
//!
//! - **fluid**: each target is an M/M/c queue (Erlang C percentiles, exact for the model) with a fluid
//!   backlog when arrivals exceed capacity; requests that would wait longer than the time-out fail. The
//!   work per interval does not depend on the request rate.
//! - **requests**: every request goes through an FCFS c-server queue (validation, and exact replay of
//!   request logs).
//!
//! The simulation calls [`ServiceTraffic::advance_cached`] whenever the target set changes and at every metric
//! period, so each interval has a fixed set of targets.
//!
//! Must not: mutate the world; it only sees the targets it is given.

use std::collections::HashMap as StdHashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A multiply-rotate hasher (the Fx hash of rustc, with a final avalanche) for the shape maps: their keys are a few integers,
/// SipHash's flood resistance buys nothing here, and it showed up at 10 % of a fleet run. Nothing iterates
/// these maps in hash order (see `ShapeCache::flush_run_shapes`), so output does not depend on the hash.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn finish(&self) -> u64 {
        // A final avalanche (murmur3's fmix64): the keys are f64 bit patterns whose low bits are mostly
        // zero, and hashbrown picks buckets by the low bits, so without it they all collide.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

type HashMap<K, V> = StdHashMap<K, V, BuildHasherDefault<FxHasher>>;

use super::queueing::{
    FcfsQueue, FluidStep, LatencyHistogram, Mmc, Shape, fluid_step, mixture_response_quantile_pw,
};
use crate::ecs::world::TaskId;
use crate::engine::SimTime;
use crate::engine::rng::RngStream;
use crate::spec::{Balancer, LoadSourceSpec, LoadSpec, ServiceTimeShape, TrafficMode};
use crate::workload::synthetic::{self, UniformSource};
use crate::workload::{rate, requests};

pub use super::rate_memo::RateMemo;

impl UniformSource for RngStream {
    #[inline]
    fn next_f64(&mut self) -> f64 {
        RngStream::next_f64(self)
    }
}

/// A source of requests, opened for the run.
pub enum SourceRt {
    /// Synthetic, prepared for consecutive intervals (its own constants and last `sin`).
    Pattern(synthetic::PreparedPattern),
    /// A rate trace.
    Rate(rate::RateSeries),
    /// A request log, with the next request read ahead.
    Log(requests::RequestLog, Option<f64>),
}

impl SourceRt {
    /// Open a source (its file was checked when the scenario was loaded).
    pub fn open(spec: &LoadSourceSpec) -> SourceRt {
        match spec {
            LoadSourceSpec::Pattern(p) => {
                SourceRt::Pattern(synthetic::PreparedPattern::new(p.clone()))
            }
            LoadSourceSpec::Rate(cfg) => {
                SourceRt::Rate(rate::RateSeries::open(cfg.clone()).expect("trace checked at load"))
            }
            LoadSourceSpec::Requests(cfg) => {
                let mut log = requests::RequestLog::open(cfg.clone()).expect("log checked at load");
                let next = log
                    .next_request()
                    .expect("log checked at load")
                    .map(|r| r.0);
                SourceRt::Log(log, next)
            }
        }
    }

    /// The prepared pattern (only synthetic patterns have a rate class, and ask for it).
    fn prepared(&mut self) -> &mut synthetic::PreparedPattern {
        match self {
            SourceRt::Pattern(p) => p,
            _ => unreachable!("only synthetic patterns have a rate class"),
        }
    }

    fn pop_log_before(
        log: &mut requests::RequestLog,
        next: &mut Option<f64>,
        b: f64,
    ) -> Option<f64> {
        match *next {
            Some(t) if t < b => {
                *next = log
                    .next_request()
                    .expect("log checked at load")
                    .map(|r| r.0);
                Some(t)
            }
            _ => None,
        }
    }

    /// Mean arrival rate over `[a, b)` seconds (before noise).
    pub fn mean_rate(&mut self, a: f64, b: f64) -> f64 {
        match self {
            SourceRt::Pattern(p) => p.mean_rate(a, b),
            SourceRt::Rate(r) => r.mean_rate(a, b).expect("trace checked at load"),
            SourceRt::Log(log, next) => {
                let mut n = 0u64;
                while Self::pop_log_before(log, next, b).is_some() {
                    n += 1;
                }
                n as f64 / (b - a)
            }
        }
    }

    /// Arrival times in `[a, b)` (requests mode): the log's own times, or a Poisson process following
    /// the pattern or trace (the trace's rate is taken per minute).
    pub fn arrivals(
        &mut self,
        a: f64,
        b: f64,
        noise: &synthetic::Noise,
        rng: &mut RngStream,
        out: &mut Vec<f64>,
    ) {
        match self {
            SourceRt::Pattern(p) => synthetic::poisson_arrivals(p.pattern(), a, b, rng, out),
            SourceRt::Rate(r) => {
                let mut t0 = a;
                while t0 < b {
                    let t1 = (t0 + 60.0).min(b);
                    let mean = r.mean_rate(t0, t1).expect("trace checked at load");
                    let lambda = match noise {
                        synthetic::Noise::LogNormal { .. } => {
                            synthetic::realize(mean, t1 - t0, noise, rng)
                        }
                        _ => mean,
                    };
                    if lambda > 0.0 {
                        let mut t = t0;
                        loop {
                            t += -rng.next_f64_open0().ln() / lambda;
                            if t >= t1 {
                                break;
                            }
                            out.push(t);
                        }
                    }
                    t0 = t1;
                }
            }
            SourceRt::Log(log, next) => {
                while let Some(t) = Self::pop_log_before(log, next, b) {
                    out.push(t.max(a));
                }
            }
        }
    }
}

/// One target as the balancer sees it for an interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// The task.
    pub task: TaskId,
    /// Servers (concurrency).
    pub servers: u32,
    /// Requests per second one server completes.
    pub mu: f64,
    /// vCPUs behind one server (to turn busy time into CPU used).
    pub vcpu_per_server: f64,
}

/// Per task: its fluid backlog, or its request queue.
#[derive(Debug, Clone, Default)]
pub struct TaskTraffic {
    /// Requests waiting beyond what the servers hold (fluid mode).
    pub backlog: f64,
    /// The FCFS queue (requests mode).
    pub queue: Option<FcfsQueue>,
    /// Is it a target of its service's load balancer?
    pub target: bool,
    /// How long its DEACTIVATING state lasts (set when it leaves the load balancer).
    pub deactivate_ms: Option<u64>,
}

/// A shape key: (servers, utilisation step, μ bits) of a stable M/M/c queue whose λ is step/1000 of
/// its capacity (see `shape_key`, `key_lambda`).
pub type ShapeKey = (u32, u32, u64);

/// The stable intervals of a period, (shape key, requests) in first-seen order, the first held inline: a
/// period is usually one shape, and the per-period pass over thousands of services should not touch a
/// heap buffer per service for it.
#[derive(Debug, Clone, Default)]
pub struct ShapeList {
    first: Option<(ShapeKey, f64)>,
    rest: Vec<(ShapeKey, f64)>,
}

impl ShapeList {
    /// Adds `w` requests to `key`'s entry (a new entry at the end if there is none).
    pub fn add(&mut self, key: ShapeKey, w: f64) {
        match &mut self.first {
            None => self.first = Some((key, w)),
            Some(f) if f.0 == key => f.1 += w,
            Some(_) => match self.rest.iter_mut().find(|s| s.0 == key) {
                Some(s) => s.1 += w,
                None => self.rest.push((key, w)),
            },
        }
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = &(ShapeKey, f64)> + Clone {
        self.first.iter().chain(self.rest.iter())
    }

    /// No entry?
    pub fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    /// Removes every entry (keeps the allocation).
    pub fn clear(&mut self) {
        self.first = None;
        self.rest.clear();
    }
}

/// Sums over the current metric period.
#[derive(Debug, Clone, Default)]
pub struct PeriodAcc {
    /// Requests that arrived.
    pub arrived: f64,
    /// Requests served.
    pub served: f64,
    /// Requests that failed (time-out, no healthy target, dropped at deregistration).
    pub dropped: f64,
    /// CPU unit-seconds used by the service's tasks.
    pub cpu_used: f64,
    /// CPU unit-seconds reserved by the service's RUNNING tasks.
    pub cpu_reserved: f64,
    /// MiB-seconds used.
    pub mem_used: f64,
    /// MiB-seconds reserved.
    pub mem_reserved: f64,
    /// Latency of the period's requests that are not in `shapes`.
    pub hist: LatencyHistogram,
    /// Stable M/M/c intervals of the period: (shape key, requests). Kept aside so that a period made of one
    /// shape (the usual case) gets its percentiles from the cached shape, not from a histogram pass.
    pub shapes: ShapeList,
}

impl PeriodAcc {
    /// Empty the sums, keeping the allocations (a new histogram would be an 18 KB zeroed allocation per
    /// service and period).
    fn reset(&mut self) {
        self.hist.clear();
        self.shapes.clear();
        let PeriodAcc {
            arrived,
            served,
            dropped,
            cpu_used,
            cpu_reserved,
            mem_used,
            mem_reserved,
            hist: _,
            shapes: _,
        } = self;
        for x in [
            arrived,
            served,
            dropped,
            cpu_used,
            cpu_reserved,
            mem_used,
            mem_reserved,
        ] {
            *x = 0.0;
        }
    }
}

/// What one metric period of a service's traffic came to.
#[derive(Debug, Clone, Copy, Default)]
pub struct PeriodStats {
    /// Requests that arrived.
    pub arrived: f64,
    /// Served.
    pub served: f64,
    /// Failed.
    pub dropped: f64,
    /// Latency p50, p90, p99 (s).
    pub latency_s: [Option<f64>; 3],
    /// CPU utilisation, % of reserved.
    pub cpu_utilization: Option<f64>,
    /// Memory utilisation, % of reserved.
    pub memory_utilization: Option<f64>,
}

/// Stable M/M/c response-time distributions and their percentiles, shared by every service of a run:
/// alike services visit the same few hundred utilisations, so each shape is computed once per run, not
/// once per service. Entries are pure functions of their key, so sharing never changes a result.
#[derive(Default)]
pub struct ShapeCache {
    shapes: HashMap<ShapeKey, Shape>,
    /// Backlog ramps that start empty, by (μ, end wait rounded to 0.5 % in log scale).
    ramps: HashMap<(u64, u64), Shape>,
    /// Per μ (bits): `e^{−μt} − 1` at the bucket edges, which every ramp from empty of that μ reads.
    ramp_em1: Vec<(u64, Vec<f64>)>,
    /// Per μ (bits): `e^{−μt}` at the bucket edges, which every M/M/c shape of that μ reads.
    mmc_exp: Vec<(u64, Vec<f64>)>,
    /// Arrivals that wait the whole time-out (a backlog at its cap), by (μ, time-out) bits: one shape
    /// per service and task size, added wherever a target is overloaded.
    capped: Vec<(u64, u64, Shape)>,
    mix_own: Vec<[f64; 3]>,
    /// Requests per stable shape over the whole run, all services together, added to the run's
    /// histogram at the end.
    run_weights: RunWeights,
    mix_queues: Vec<(Mmc, f64)>,
    /// The mixture parts' Erlang C values, computed once for the three percentiles.
    mix_pws: Vec<f64>,
    quantiles: QuantileTable,
}

impl ShapeCache {
    /// At the end of the run: add the stable shapes to the run's histogram, in key order.
    pub fn flush_run_shapes(&mut self, run_hist: &mut LatencyHistogram) {
        for (key, w) in self.run_weights.drain_sorted() {
            run_hist.add_shape(self.shape(key), w);
        }
    }

    /// Latencies `U + S`, `U` uniform on `[0, hi_s]`, `S ~ Exp(mu)`: requests that arrived while a
    /// backlog grew from empty (a target that joins an overloaded service, the start of a run). `hi_s` is
    /// rounded to 0.5 % in log scale (well inside the histogram's 1 % buckets) so that alike services and
    /// targets share the few shapes they visit.
    fn ramp_from_empty(&mut self, mu: f64, hi_s: f64) -> Option<&Shape> {
        let hi = if hi_s > 0.0 {
            ((hi_s.ln() / 0.005).round() * 0.005).exp()
        } else {
            0.0
        };
        if self.ramps.len() >= MAX_SHAPES {
            self.ramps.clear();
        }
        let key = (mu.to_bits(), hi.to_bits());
        match self.ramps.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => Some(e.into_mut()),
            std::collections::hash_map::Entry::Vacant(v) => {
                let table = per_mu(&mut self.ramp_em1, mu.to_bits());
                Some(v.insert(LatencyHistogram::ramp_from_empty_shape(mu, hi, table)?))
            }
        }
    }

    /// [`LatencyHistogram::record_fluid_step`] with cached shapes: the stable part from the M/M/c shape of
    /// its utilisation rounded to 0.1 % (as stable intervals are), a ramp from empty from
    /// [`Self::ramp_from_empty`]; other backlog waits are computed exactly.
    fn record_fluid_step(
        &mut self,
        hist: &mut LatencyHistogram,
        c: u32,
        lambda: f64,
        mu: f64,
        step: &FluidStep,
    ) {
        let (ws, we) = (step.ramp_wait_start_s, step.ramp_wait_end_s);
        if step.ramp_weight > 0.0 {
            if ws.min(we) <= 0.0 {
                if let Some(shape) = self.ramp_from_empty(mu, ws.max(we)) {
                    hist.add_shape(shape, step.ramp_weight);
                }
            } else {
                // Computed in place: these ramps hardly repeat (a memo of the last one rebuilt its
                // shape 45,221 times in the medium fleet and cost 6 M instructions more than it saved).
                hist.record_backlogged(mu, ws, we, step.ramp_weight);
            }
        }
        if step.capped_weight > 0.0 {
            // The same additions as `record_backlogged(mu, tw, tw, ..)` (see `add_shape`), from a shape
            // that every overloaded target of this μ and time-out shares.
            if let Some(shape) = self.capped(mu, step.capped_wait_s) {
                hist.add_shape(shape, step.capped_weight);
            }
        }
        if step.idle_weight > 0.0 {
            if Mmc::new(c, lambda, mu).is_some() {
                hist.add_shape(self.shape(shape_key(c, lambda, mu)), step.idle_weight);
            } else {
                hist.record_backlogged(mu, 0.0, 0.0, step.idle_weight);
            }
        }
    }

    fn shape(&mut self, key: ShapeKey) -> &Shape {
        if self.shapes.len() >= MAX_SHAPES {
            self.shapes.clear();
        }
        match self.shapes.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let table = per_mu(&mut self.mmc_exp, key.2);
                v.insert(LatencyHistogram::mmc_shape_with(&key_queue(key), table))
            }
        }
    }

    /// The latencies of arrivals that wait `wait_s` (the time-out) plus an `Exp(mu)` service, as a
    /// shape (None if `mu` is not a positive finite rate).
    fn capped(&mut self, mu: f64, wait_s: f64) -> Option<&Shape> {
        let key = (mu.to_bits(), wait_s.to_bits());
        let i = match self.capped.iter().position(|c| (c.0, c.1) == key) {
            Some(i) => i,
            None => {
                let shape = LatencyHistogram::backlogged_shape(mu, wait_s, wait_s)?;
                if self.capped.len() >= MAX_TABLES {
                    self.capped.clear();
                }
                self.capped.push((key.0, key.1, shape));
                self.capped.len() - 1
            }
        };
        Some(&self.capped[i].2)
    }

    /// Exact p50, p90 and p99 of one stable M/M/c response time.
    fn quantiles(&mut self, key: ShapeKey) -> [f64; 3] {
        self.quantiles.get(key)
    }

    /// Exact p50, p90 and p99 of a mixture of stable M/M/c response times (key, requests).
    fn mixture_quantiles<'p>(
        &mut self,
        parts: impl Iterator<Item = &'p (ShapeKey, f64)>,
    ) -> [f64; 3] {
        // Scratch vectors kept between calls: this runs for every period in which the targets changed.
        let mut own = std::mem::take(&mut self.mix_own);
        let mut queues = std::mem::take(&mut self.mix_queues);
        let mut pws = std::mem::take(&mut self.mix_pws);
        own.clear();
        queues.clear();
        pws.clear();
        for &(key, w) in parts.filter(|p| p.1 > 0.0) {
            own.push(self.quantiles(key));
            let m = key_queue(key);
            pws.push(m.p_wait());
            queues.push((m, w));
        }
        let total: f64 = queues.iter().map(|q| q.1).sum();
        let out = std::array::from_fn(|j| {
            let lo = own.iter().map(|q| q[j]).fold(f64::INFINITY, f64::min);
            let hi = own.iter().map(|q| q[j]).fold(0.0, f64::max);
            let guess = own
                .iter()
                .zip(&queues)
                .map(|(o, q)| o[j] * q.1)
                .sum::<f64>()
                / total;
            mixture_response_quantile_pw(&queues, &pws, PERCENTILES[j], lo, hi, guess)
        });
        self.mix_own = own;
        self.mix_queues = queues;
        self.mix_pws = pws;
        out
    }
}

/// A service's traffic state.
pub struct ServiceTraffic {
    source: SourceRt,
    rng: RngStream,
    /// Traffic has been computed up to here.
    pub last_ms: SimTime,
    /// `last_ms` and its value in seconds (`last_ms / 1000`, divided once: the next interval starts there).
    last_s: (SimTime, f64),
    /// Healthy, registered targets.
    pub targets: Vec<TaskId>,
    /// This period's sums.
    pub period: PeriodAcc,
    /// Run totals.
    pub arrived: f64,
    /// Run totals.
    pub served: f64,
    /// Run totals.
    pub dropped: f64,
    /// Time in measured periods the SLO counts bad, ms.
    pub slo_violation_ms: u64,
    /// What the targets could serve at the last advance, requests per second.
    pub capacity_rps: f64,
    /// The arrival rate of the latest fluid interval, requests/s (what a target that dies abruptly had
    /// in service follows from it).
    last_lambda_rps: f64,
    rr: usize,
    /// The balancer's view of `targets` (same order), kept between advances while the set is unchanged
    /// and no target's capacity depends on its neighbours (CPU shares); see [`Self::targets_cached`].
    cache: Vec<Target>,
    /// `cache[0]`, held inline: the alike fast path reads only it, so it touches no target buffer.
    cache_first: Option<Target>,
    cache_ok: bool,
    /// Do some cached targets take CPU shares (capacity changes with their instance's other tasks)?
    cache_volatile: bool,
    /// All cached targets have the same servers and rates.
    cache_alike: bool,
    /// Targets with a fluid backlog (> 0); kept so that the alike fast path needs no pass over tasks.
    backlogged: u32,
    /// Noise is drawn once per window of this length (the metric period) and applies to every interval
    /// in it, so that the realized traffic does not depend on how often the target set changes.
    noise_window_ms: u64,
    /// `noise_window_ms` in seconds.
    noise_window_s: f64,
    /// The window the factor below belongs to (`u64::MAX`: none yet).
    noise_window: u64,
    /// Realized ÷ mean arrival rate in the current window.
    noise_factor: f64,
    groups: Vec<(ShapeKey, f64)>,
    buf: Vec<f64>,
    /// Its pattern's class in the run's [`RateMemo`] (fluid mode, synthetic pattern).
    rate_class: RateClassRt,
    /// Are memory sums kept? Only a written row or a memory policy reads the memory utilisation, and
    /// its in-flight term costs an Erlang C per interval; a run into a `NullSink` whose policies read
    /// CPU or requests keeps none (see [`Self::set_track_memory`]).
    track_memory: bool,
    /// Arrived, served and dropped in the warm-up (the summary leaves them out). Cold (touched only in
    /// the warm-up): kept last, away from the fields every interval reads.
    pub warm_up_sums: [f64; 3],
    /// When the first target became healthy, and the arrived, served and dropped totals then (the
    /// service's start-up: a new service has no target at t = 0). Cold, set once.
    pub first_healthy: Option<(SimTime, [f64; 3])>,
    /// Was that first healthy target one of the tasks the service started with (created at t = 0)?
    pub first_healthy_from_start: bool,
}

/// A service's use of the run's [`RateMemo`].
#[derive(Debug, Clone, Copy)]
enum RateClassRt {
    /// Its pattern's class, before the first interval asks whether other services share it.
    Unresolved(u32),
    /// A class shared with other services: rates and the Poisson sampler through the memo.
    Shared(u32),
    /// Its own rates (a pattern no other service has, a trace, a log): the memo is never touched.
    Own,
}

const MAX_SHAPES: usize = 4096;

/// Most per-μ (or per-queue) tables kept at once; past it they are dropped and rebuilt as asked (their
/// entries are pure functions of their key, so this never changes a result).
const MAX_TABLES: usize = 64;

/// The table of `tables` for μ (bits), added empty if there is none.
fn per_mu(tables: &mut Vec<(u64, Vec<f64>)>, mu_bits: u64) -> &mut Vec<f64> {
    let i = match tables.iter().position(|e| e.0 == mu_bits) {
        Some(i) => i,
        None => {
            if tables.len() >= MAX_TABLES {
                tables.clear();
            }
            tables.push((mu_bits, Vec::new()));
            tables.len() - 1
        }
    };
    &mut tables[i].1
}

/// p50, p90 and p99 (s).
type Percentiles = [f64; 3];

/// Exact p50, p90 and p99 per shape key, one slot per utilisation step of each queue (servers, μ): every
/// service's period that is one stable shape reads its percentiles here, by index, not by a hash-map
/// probe. Slots are NaN until computed.
#[derive(Default)]
struct QuantileTable {
    /// (servers, μ bits, the percentiles per utilisation step).
    by_queue: Vec<(u32, u64, Box<[Percentiles]>)>,
    /// The entry of the latest lookup (consecutive periods are mostly one queue).
    last: usize,
}

impl QuantileTable {
    fn get(&mut self, key: ShapeKey) -> [f64; 3] {
        let i = match self.by_queue.get(self.last) {
            Some(e) if e.0 == key.0 && e.1 == key.2 => self.last,
            _ => {
                let found = self
                    .by_queue
                    .iter()
                    .position(|e| e.0 == key.0 && e.1 == key.2);
                let i = found.unwrap_or_else(|| {
                    if self.by_queue.len() >= MAX_TABLES {
                        self.by_queue.clear();
                    }
                    let slots = vec![[f64::NAN; 3]; RHO_STEPS].into_boxed_slice();
                    self.by_queue.push((key.0, key.2, slots));
                    self.by_queue.len() - 1
                });
                self.last = i;
                i
            }
        };
        let slot = &mut self.by_queue[i].2[key.1 as usize];
        if slot[0].is_nan() {
            *slot = Self::compute(key);
        }
        *slot
    }

    /// A key's percentiles, the first time it is asked (kept out of line: the lookup every period
    /// then saves no registers for it).
    #[cold]
    #[inline(never)]
    fn compute(key: ShapeKey) -> Percentiles {
        let m = key_queue(key);
        PERCENTILES.map(|p| m.response_quantile(p))
    }
}

/// The percentiles reported per metric period.
const PERCENTILES: [f64; 3] = [0.5, 0.9, 0.99];

/// Utilisation steps of a shape key (0.1 %, the last at 99.9 %; see [`shape_key`]).
const RHO_STEPS: usize = 1000;

/// The queue a shape key stands for.
fn key_queue(key: ShapeKey) -> Mmc {
    Mmc::new(key.0, key_lambda(key), f64::from_bits(key.2)).expect("stable")
}

/// The arrival rate of a shape key's queue: its utilisation step of its capacity.
fn key_lambda(key: ShapeKey) -> f64 {
    key.1 as f64 / 1000.0 * (key.0 as f64 * f64::from_bits(key.2))
}

/// The cache key of a stable M/M/c response-time distribution: utilisation rounded to 0.1 %, so that the
/// few hundred utilisations a run visits share shapes (latency error well under the histogram's 1 %).
fn shape_key(servers: u32, lambda: f64, mu: f64) -> ShapeKey {
    let cap = servers as f64 * mu;
    let step = crate::engine::round(lambda / cap * 1000.0).min((RHO_STEPS - 1) as f64);
    (servers, step as u32, mu.to_bits())
}

/// Requests per stable shape over the whole run, all services together. Per (servers, μ) there are at
/// most [`RHO_STEPS`] keys, so each gets a slot and adding a period's weight (every service, every
/// period) is an index, not a hash-map probe.
#[derive(Default)]
struct RunWeights {
    /// (servers, μ bits, weight per utilisation step).
    by_queue: Vec<(u32, u64, Box<[f64]>)>,
}

impl RunWeights {
    fn add(&mut self, key: ShapeKey, w: f64) {
        let i = match self
            .by_queue
            .iter()
            .position(|e| e.0 == key.0 && e.1 == key.2)
        {
            Some(i) => i,
            None => {
                self.by_queue
                    .push((key.0, key.2, vec![0.0; RHO_STEPS].into_boxed_slice()));
                self.by_queue.len() - 1
            }
        };
        self.by_queue[i].2[key.1 as usize] += w;
    }

    /// The keys with weight, in the order of (servers, λ, μ); empties the sums. (A key that only got
    /// weight 0 would add nothing to a histogram.)
    fn drain_sorted(&mut self) -> Vec<(ShapeKey, f64)> {
        let mut out: Vec<(ShapeKey, f64)> = self
            .by_queue
            .drain(..)
            .flat_map(|(c, mu_bits, steps)| {
                (0..RHO_STEPS as u32)
                    .map(move |k| ((c, k, mu_bits), steps[k as usize]))
                    .filter(|e| e.1 > 0.0)
            })
            .collect();
        out.sort_by_key(|e| (e.0.0, key_lambda(e.0).to_bits(), e.0.2));
        out
    }
}

impl ServiceTraffic {
    /// Cache hint for the fields one metric period reads (see [`crate::engine::prefetch`]): the
    /// struct's scalars, the random stream and the period's sums, not the whole 1.3 KB.
    pub fn prefetch_hot(&self) {
        crate::engine::prefetch(&self.last_ms);
        crate::engine::prefetch(&self.cache_first);
        crate::engine::prefetch(&self.noise_factor);
        crate::engine::prefetch(&self.source);
        crate::engine::prefetch(&self.period.arrived);
        crate::engine::prefetch(&self.period.shapes);
        crate::engine::prefetch(&self.period.hist);
        crate::engine::prefetch(&self.rng);
    }

    /// A service's traffic, drawing its noise and arrivals from `rng`; fluid-mode noise is drawn once
    /// per `noise_window_ms` (the metric period).
    pub fn new(
        load: &LoadSpec,
        rng: RngStream,
        noise_window_ms: u64,
        rates: &mut RateMemo,
    ) -> Self {
        let rate_class = match &load.source {
            LoadSourceSpec::Pattern(p) => RateClassRt::Unresolved(rates.class_of(p)),
            _ => RateClassRt::Own,
        };
        ServiceTraffic {
            source: SourceRt::open(&load.source),
            rng,
            last_ms: 0,
            last_s: (0, 0.0),
            targets: Vec::new(),
            period: PeriodAcc::default(),
            arrived: 0.0,
            served: 0.0,
            dropped: 0.0,
            slo_violation_ms: 0,
            warm_up_sums: [0.0; 3],
            first_healthy: None,
            first_healthy_from_start: false,
            capacity_rps: 0.0,
            last_lambda_rps: 0.0,
            rr: 0,
            cache: Vec::new(),
            cache_first: None,
            cache_ok: false,
            cache_volatile: false,
            cache_alike: false,
            backlogged: 0,
            noise_window_ms: noise_window_ms.max(1),
            noise_window_s: noise_window_ms.max(1) as f64 / 1000.0,
            noise_window: u64::MAX,
            noise_factor: 1.0,
            groups: Vec::new(),
            buf: Vec::new(),
            rate_class,
            track_memory: true,
        }
    }

    /// Keep the memory sums or not (default: keep). The period's memory utilisation may be asked for
    /// only while they are kept.
    pub fn set_track_memory(&mut self, on: bool) {
        self.track_memory = on;
    }

    /// A new healthy target.
    /// `view` is how the balancer sees it ([`Target`]); `volatile` when its capacity depends on its
    /// instance's other tasks. A valid cache is extended in place (no rebuild over all targets).
    pub fn add_target(&mut self, task: TaskId, view: Target, volatile: bool) {
        debug_assert_eq!(view.task, task);
        if self.first_healthy.is_none() {
            // The traffic was advanced to now: the totals are those of the start-up.
            self.first_healthy = Some((self.last_ms, [self.arrived, self.served, self.dropped]));
        }
        self.targets.push(task);
        if self.cache_ok && !self.cache_volatile && !volatile {
            if let Some(f) = self.cache.first() {
                self.cache_alike &= view.servers == f.servers
                    && view.mu == f.mu
                    && view.vcpu_per_server == f.vcpu_per_server;
            } else {
                self.cache_alike = true;
                self.cache_first = Some(view);
            }
            self.capacity_rps += view.servers as f64 * view.mu;
            self.cache.push(view);
        } else {
            self.cache_ok = false;
        }
    }

    /// Is the cached balancer view of the targets still valid: the target set has not changed since
    /// [`Self::set_cache`] and none of them takes CPU shares?
    pub fn targets_cached(&self) -> bool {
        self.cache_ok && !self.cache_volatile
    }

    /// Replace the balancer view of the targets (`targets` in the order of [`Self::targets`]);
    /// `volatile` when a target's capacity depends on its instance's other tasks.
    pub fn set_cache(&mut self, targets: Vec<Target>, volatile: bool) {
        debug_assert_eq!(targets.len(), self.targets.len());
        self.cache_alike = targets.first().is_none_or(|f| {
            targets.iter().all(|t| {
                t.servers == f.servers && t.mu == f.mu && t.vcpu_per_server == f.vcpu_per_server
            })
        });
        self.capacity_rps = targets.iter().map(|x| x.servers as f64 * x.mu).sum();
        self.cache_first = targets.first().copied();
        self.cache = targets;
        self.cache_ok = true;
        self.cache_volatile = volatile;
    }

    /// Forget the cached view (a target's capacity changed): the next advance rebuilds it.
    pub fn invalidate_cache(&mut self) {
        self.cache_ok = false;
    }

    /// Take the cached targets out (to build a new view in their allocation).
    pub fn take_cache(&mut self) -> Vec<Target> {
        self.cache_ok = false;
        self.cache_first = None;
        std::mem::take(&mut self.cache)
    }

    /// Traffic over `[last_ms, b_ms)` with the cached targets (see [`Self::set_cache`]). `running` tasks
    /// of `task_cpu` units and `task_mem` MiB are reserved (utilisation is relative to them, as ECS
    /// defines it, §4.2).
    #[allow(clippy::too_many_arguments)]
    pub fn advance_cached(
        &mut self,
        load: &LoadSpec,
        mode: TrafficMode,
        b_ms: SimTime,
        tasks: &mut [TaskTraffic],
        running: u32,
        task_cpu: u32,
        task_mem: u32,
        shapes: &mut ShapeCache,
        rates: &mut RateMemo,
    ) {
        debug_assert!(self.cache_ok);
        let targets = std::mem::take(&mut self.cache);
        let alike = self.cache_alike;
        let first = self.cache_first;
        debug_assert_eq!(first, targets.first().copied());
        self.advance_with(
            load, mode, b_ms, &targets, first, alike, tasks, running, task_cpu, task_mem, shapes,
            rates,
        );
        self.cache = targets;
    }

    /// A target leaves (its task is stopping): its backlog drains during the deregistration delay, which
    /// ends early once it is idle (§2.5). Returns how long DEACTIVATING lasts, ms.
    pub fn remove_target(&mut self, load: &LoadSpec, target: &Target, tt: &mut TaskTraffic) -> u64 {
        self.detach(target, tt);
        let cap = target.servers as f64 * target.mu;
        let delay_s = load.deregistration_delay_ms as f64 / 1000.0;
        let (backlog, queue_end) = (tt.backlog, tt.queue.as_ref().map(|q| q.earliest_free()));
        tt.backlog = 0.0;
        let drain_s = match queue_end {
            Some(free) => (free - self.last_ms as f64 / 1000.0).max(0.0),
            None => {
                backlog / cap
                    + if backlog > 0.0 || cap > 0.0 {
                        1.0 / target.mu
                    } else {
                        0.0
                    }
            }
        };
        if backlog > 0.0 {
            let can = (cap * delay_s).min(backlog);
            self.period.served += can;
            self.served += can;
            self.period.dropped += backlog - can;
            self.dropped += backlog - can;
        }
        (drain_s.min(delay_s) * 1000.0).ceil() as u64
    }

    /// A target dies with its task (its host failed, its zone went down, Spot took it back without a
    /// drain): nothing drains. The requests it held — its backlog and those in service — are errors; those
    /// in service had been counted served when they arrived (fluid: the busy servers, min(servers, λᵢ/μ)
    /// with λᵢ its capacity-weighted share of the latest interval's rate; requests mode: each server's
    /// remaining work in mean service times), so they move from served to errors.
    pub fn lose_target(&mut self, target: &Target, tt: &mut TaskTraffic) {
        let cap = target.servers as f64 * target.mu;
        let share = if self.capacity_rps > 0.0 {
            cap / self.capacity_rps
        } else {
            0.0
        };
        self.detach(target, tt);
        let now_s = self.last_ms as f64 / 1000.0;
        let in_service = match &tt.queue {
            Some(q) => q.in_flight(now_s, 1.0 / target.mu),
            None if tt.backlog > 0.0 => target.servers as f64,
            None => (self.last_lambda_rps * share / target.mu).min(target.servers as f64),
        };
        // Only what this period counted served can be taken back (earlier periods are closed).
        let in_service = in_service.min(self.period.served).max(0.0);
        let lost = tt.backlog + in_service;
        tt.backlog = 0.0;
        self.period.served -= in_service;
        self.served -= in_service;
        self.period.dropped += lost;
        self.dropped += lost;
    }

    /// Takes a target out of the balancer's view (both ways of leaving).
    fn detach(&mut self, target: &Target, tt: &TaskTraffic) {
        // A task is a target once: remove it where it is, keeping the order (sums run in it).
        if let Some(i) = self.targets.iter().position(|&t| t == target.task) {
            self.targets.remove(i);
        }
        if self.cache_ok && !self.cache_volatile && self.cache_alike {
            // Alike targets stay alike when one leaves: drop it from the view in place. Their capacities
            // are one value, so the sum over the rest needs no pass over them (the same sum, in order).
            if let Some(i) = self.cache.iter().position(|t| t.task == target.task) {
                self.cache.remove(i);
            }
            self.cache_first = self.cache.first().copied();
            let each = self.cache_first.map_or(0.0, |f| f.servers as f64 * f.mu);
            self.capacity_rps = std::iter::repeat_n(each, self.cache.len()).sum();
            debug_assert_eq!(
                self.capacity_rps.to_bits(),
                self.cache
                    .iter()
                    .map(|x| x.servers as f64 * x.mu)
                    .sum::<f64>()
                    .to_bits()
            );
        } else {
            self.cache_ok = false;
        }
        if tt.backlog > 0.0 {
            self.backlogged -= 1;
        }
    }

    /// End of a metric period: its figures, its latency into the run's histogram (stable shapes are kept
    /// aside and added once at the end of the run), and a fresh period.
    /// `need_latency`: compute the period's percentiles (for a written row or an SLO); without it they
    /// are `None` and only the run's latency totals are kept (a thinned `[output]` skips the work).
    /// `need_memory`: compute the memory utilisation (for a written row or a policy that reads it).
    /// `measured`: the period's latency joins the run's (false in the warm-up).
    pub fn close_period(
        &mut self,
        run_hist: &mut LatencyHistogram,
        cache: &mut ShapeCache,
        need_latency: bool,
        need_memory: bool,
        measured: bool,
    ) -> PeriodStats {
        assert!(
            !need_memory || self.track_memory,
            "memory utilisation asked of a service that keeps no memory sums"
        );
        let p = &self.period;
        let mut stats = PeriodStats {
            arrived: p.arrived,
            served: p.served,
            dropped: p.dropped,
            ..Default::default()
        };
        if p.cpu_reserved > 0.0 {
            stats.cpu_utilization = Some(p.cpu_used / p.cpu_reserved * 100.0);
            if need_memory {
                stats.memory_utilization = Some(p.mem_used / p.mem_reserved * 100.0);
            }
        }
        let shapes = std::mem::take(&mut self.period.shapes);
        if self.period.hist.count() == 0.0 {
            // Only stable M/M/c intervals (the usual case): exact percentiles of their mixture, from
            // closed forms; their distributions join the run's histogram once, at the end.
            if need_latency && !shapes.is_empty() {
                let q = if shapes.iter().filter(|s| s.1 > 0.0).count() > 1 {
                    cache.mixture_quantiles(shapes.iter())
                } else {
                    let k = shapes
                        .iter()
                        .find(|s| s.1 > 0.0)
                        .or(shapes.iter().next())
                        .expect("not empty")
                        .0;
                    cache.quantiles(k)
                };
                stats.latency_s = q.map(Some);
            }
            if measured {
                for &(key, w) in shapes.iter() {
                    cache.run_weights.add(key, w);
                }
            }
        } else {
            for &(key, w) in shapes.iter() {
                self.period.hist.add_shape(cache.shape(key), w);
            }
            if need_latency {
                stats.latency_s = self.period.hist.quantiles(PERCENTILES);
            }
            if measured {
                run_hist.merge(&self.period.hist);
            }
        }
        self.period.shapes = shapes;
        self.period.reset();
        stats
    }

    /// Requests still queued at the targets (fluid backlog).
    pub fn queued(&self, tasks: &[TaskTraffic]) -> f64 {
        if self.backlogged == 0 {
            return 0.0;
        }
        self.targets
            .iter()
            .map(|t| tasks[t.0 as usize].backlog)
            .sum()
    }
}

mod interval;

#[cfg(test)]
mod tests;
