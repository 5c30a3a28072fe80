//! An SQS-like message queue feeding a worker service (reference §4.5). Sources: AWS's "Scaling based on
//! Amazon SQS" (EC2 Auto Scaling user guide, as-using-sqs-queue: backlog per instance against an
//! acceptable backlog = acceptable latency ÷ processing time per message) and its Application Auto Scaling
//! form, "Example: Amazon SQS queue backlog per task" (application-auto-scaling-target-tracking-metric-math:
//! ApproximateNumberOfMessagesVisible ÷ the service's RUNNING tasks); SQS's metric definitions
//! (sqs-available-cloudwatch-metrics: ApproximateAgeOfOldestMessage is the oldest message not deleted;
//! VisibilityTimeout defaults to 30 s). Messages arrive from a source (a synthetic pattern, a rate trace or
//! a per-message log, as a service's `load`); every RUNNING task of the service consumes them.
//!
//! The model is fluid and advanced per interval with a fixed number of consumers: the simulation advances
//! it whenever a task of the service enters or leaves RUNNING and at every metric tick, as it does the
//! request traffic. `q` counts the messages neither deleted nor abandoned. The oldest `min(q, slots)` of
//! them are in flight (`slots` = consumers × concurrency; each message is held `s` = concurrency ÷ the
//! per-task rate seconds, then deleted); the rest are visible. So
//!
//! ```text
//! dq/dt = λ − min(q, slots) / s
//! ```
//!
//! above the slots the visible backlog changes at λ − n·μ (n consumers of μ messages per second each);
//! below them q relaxes toward λ·s (Little's law) with time constant s. A task that leaves RUNNING drops
//! its share of the messages in flight: they become visible again after the visibility timeout (SQS
//! redelivers a message nobody deleted). Messages are conserved at every step:
//! arrived = consumed + q + returning (checked in debug builds).
//!
//! The age of the oldest message is SQS's `ApproximateAgeOfOldestMessage` (the oldest message not
//! deleted, in flight or not), from the arrival times of the messages in order (first in, first out).
//!
//! Must not: know about tasks or the world; the simulation says how many consumers there are.

use std::collections::VecDeque;

use super::runtime::SourceRt;
use crate::engine::SimTime;
use crate::engine::rng::RngStream;
use crate::spec::QueueSpec;
use crate::workload::synthetic;

/// Fewer messages than this are none: below its slots the fluid queue relaxes toward λ·s without ever
/// reaching zero, and a night without arrivals should leave an empty queue (the remainder counts as
/// consumed, so nothing is lost).
const EPS: f64 = 1e-9;

/// Arrival cohorts kept for the age of the oldest message (one per interval with arrivals while a
/// backlog lasts). Past the cap a new cohort joins the newest one: the tail's arrival times get coarser,
/// the front's (which the age reads) stay exact.
const MAX_COHORTS: usize = 4096;

/// Groups of abandoned messages waiting out their visibility timeout (one per task that left RUNNING
/// holding messages within the timeout). Past the cap a group joins the newest.
const MAX_RETURNING: usize = 1024;

/// Messages that arrived uniformly over `[start_s, end_s]`, in arrival order.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cohort {
    start_s: f64,
    end_s: f64,
    n: f64,
}

/// Abandoned messages that become visible again at `at_ms`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Returning {
    at_ms: SimTime,
    c: Cohort,
}

/// One metric period of a queue.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct QueuePeriod {
    /// Messages sent in the period.
    pub arrived: f64,
    /// Messages deleted (processed) in the period.
    pub consumed: f64,
    /// `ApproximateNumberOfMessagesVisible` at its end.
    pub visible: f64,
    /// `ApproximateNumberOfMessagesNotVisible` at its end: held by consumers or waiting out the
    /// visibility timeout of a consumer that left.
    pub in_flight: f64,
    /// `ApproximateAgeOfOldestMessage` at its end, s (0 when the queue is empty).
    pub oldest_age_s: f64,
}

/// Messages in the queue after `dt` seconds from `q0`, with arrivals at `lambda` per second, at most
/// `slots` of them in flight, each for `s` seconds (so `slots / s` per second leave while all slots are
/// busy). The exact solution of dq/dt = λ − min(q, slots)/s: linear while q ≥ slots, then an exponential
/// relaxation toward λ·s (or the reverse, when λ·s > slots).
pub fn messages_after(q0: f64, lambda: f64, slots: f64, s: f64, dt: f64) -> f64 {
    if slots <= 0.0 {
        return q0 + lambda * dt; // no consumer: everything waits
    }
    let cap = slots / s;
    let (mut q, mut left) = (q0, dt);
    if q >= slots {
        let drift = lambda - cap;
        if drift >= 0.0 {
            return q + drift * left;
        }
        let t1 = (q - slots) / -drift; // when the backlog has drained to the slots
        if t1 >= left {
            return q + drift * left;
        }
        q = slots;
        left -= t1;
    }
    let eq = lambda * s;
    if eq > slots {
        // Rising toward λ·s, which is above the slots: saturated from t2 on.
        let t2 = s * ((eq - q) / (eq - slots)).ln();
        if t2 < left {
            return slots + (lambda - cap) * (left - t2);
        }
    }
    eq + (q - eq) * (-left / s).exp()
}

/// A service's queue at run time.
pub struct MessageQueue {
    source: SourceRt,
    rng: RngStream,
    /// Advanced up to here.
    last_ms: SimTime,
    consumers: u32,
    /// Messages neither deleted nor abandoned (in flight with a consumer, or visible).
    q: f64,
    /// `q`'s messages by arrival, oldest first, and their sum (kept equal to `q`).
    cohorts: VecDeque<Cohort>,
    cohort_total: f64,
    /// Abandoned messages waiting out their visibility timeout, and their sum.
    returning: Vec<Returning>,
    returning_n: f64,
    /// Noise is one draw per window of this length (the metric period), as for request traffic.
    noise_window_ms: u64,
    noise_window: u64,
    noise_factor: f64,
    period_arrived: f64,
    period_consumed: f64,
    /// Run totals: messages sent.
    pub arrived: f64,
    /// Messages deleted.
    pub consumed: f64,
    /// Largest `ApproximateNumberOfMessagesVisible` at the end of an interval.
    pub max_visible: f64,
    /// Largest age of the oldest message at the end of an interval, s.
    pub max_age_s: f64,
}

impl MessageQueue {
    /// An empty queue drawing its noise from `rng`, once per `noise_window_ms` (the metric period).
    pub fn new(spec: &QueueSpec, rng: RngStream, noise_window_ms: u64) -> Self {
        MessageQueue {
            source: SourceRt::open(&spec.source),
            rng,
            last_ms: 0,
            consumers: 0,
            q: 0.0,
            cohorts: VecDeque::new(),
            cohort_total: 0.0,
            returning: Vec::new(),
            returning_n: 0.0,
            noise_window_ms: noise_window_ms.max(1),
            noise_window: u64::MAX,
            noise_factor: 1.0,
            period_arrived: 0.0,
            period_consumed: 0.0,
            arrived: 0.0,
            consumed: 0.0,
            max_visible: 0.0,
            max_age_s: 0.0,
        }
    }

    /// Consumers (RUNNING tasks) now.
    pub fn consumers(&self) -> u32 {
        self.consumers
    }

    /// `ApproximateNumberOfMessagesVisible`.
    pub fn visible(&self, spec: &QueueSpec) -> f64 {
        (self.q - self.slots(spec)).max(0.0)
    }

    /// `ApproximateNumberOfMessagesNotVisible`: in flight with a consumer or waiting out a timeout.
    pub fn in_flight(&self, spec: &QueueSpec) -> f64 {
        self.q.min(self.slots(spec)) + self.returning_n
    }

    /// `ApproximateAgeOfOldestMessage` at `now_s`: the oldest message not deleted; 0 while the queue
    /// holds less than half a message (the fluid count is an expectation, and below λ·s it decays
    /// exponentially without reaching zero: without the rule a night's last sliver of a message would age
    /// for hours).
    pub fn oldest_age_s(&self, now_s: f64) -> f64 {
        if self.q + self.returning_n < 0.5 {
            return 0.0;
        }
        let front = self.cohorts.front().map(|c| c.start_s);
        let oldest = self
            .returning
            .iter()
            .map(|r| r.c.start_s)
            .chain(front)
            .fold(f64::INFINITY, f64::min);
        if oldest.is_finite() {
            (now_s - oldest).max(0.0)
        } else {
            0.0
        }
    }

    /// Arrived − (consumed + in the queue + abandoned): zero up to rounding.
    pub fn conservation_error(&self) -> f64 {
        self.arrived - (self.consumed + self.q + self.returning_n)
    }

    fn slots(&self, spec: &QueueSpec) -> f64 {
        self.consumers as f64 * spec.concurrency as f64
    }

    /// A task entered RUNNING at `now_ms`: the queue up to now with the consumers it had, then one more.
    pub fn add_consumer(&mut self, spec: &QueueSpec, now_ms: SimTime) {
        self.advance(spec, now_ms);
        self.consumers += 1;
    }

    /// A task left RUNNING at `now_ms`: the queue up to now, then its share of the messages in flight
    /// (the oldest) wait out the visibility timeout before they are visible again.
    pub fn remove_consumer(&mut self, spec: &QueueSpec, now_ms: SimTime) {
        self.advance(spec, now_ms);
        debug_assert!(self.consumers > 0, "a consumer left an idle queue");
        let held = self.q.min(self.slots(spec)) / self.consumers.max(1) as f64;
        self.consumers = self.consumers.saturating_sub(1);
        self.abandon(spec, held, now_ms);
    }

    /// An idle worker left RUNNING at `now_ms` (the scheduler stopped it, skipping the busy ones that
    /// task scale-in protection keeps, §2.7): only the messages in flight beyond the slots of the
    /// workers left are abandoned (none while those slots hold them all).
    pub fn remove_idle_consumer(&mut self, spec: &QueueSpec, now_ms: SimTime) {
        self.advance(spec, now_ms);
        debug_assert!(self.consumers > 0, "a consumer left an idle queue");
        let busy = self.q.min(self.slots(spec));
        self.consumers = self.consumers.saturating_sub(1);
        let held = (busy - self.slots(spec)).max(0.0);
        self.abandon(spec, held, now_ms);
    }

    /// `held` messages of a worker that left at `now_ms` wait out the visibility timeout.
    fn abandon(&mut self, spec: &QueueSpec, held: f64, now_ms: SimTime) {
        if held <= 0.0 || spec.visibility_timeout_ms == 0 {
            return; // (a zero timeout makes them visible at once: they stay in `q`)
        }
        let c = self.take_front(held);
        self.q = (self.q - c.n).max(0.0);
        self.returning_n += c.n;
        let at_ms = now_ms + spec.visibility_timeout_ms;
        let full = self.returning.len() >= MAX_RETURNING;
        match self.returning.last_mut() {
            Some(last) if full => {
                last.at_ms = last.at_ms.max(at_ms);
                last.c = Cohort {
                    start_s: last.c.start_s.min(c.start_s),
                    end_s: last.c.end_s.max(c.end_s),
                    n: last.c.n + c.n,
                };
            }
            _ => self.returning.push(Returning { at_ms, c }),
        }
    }

    /// The messages of the queue up to `b_ms` with the current consumers: one arrival rate (the source's
    /// mean over the interval times the period's noise), split where abandoned messages return.
    pub fn advance(&mut self, spec: &QueueSpec, b_ms: SimTime) {
        let a_ms = self.last_ms;
        if b_ms <= a_ms {
            return;
        }
        self.last_ms = b_ms;
        let mean = self
            .source
            .mean_rate(a_ms as f64 / 1000.0, b_ms as f64 / 1000.0);
        // One noise draw per window, from the rate of its first interval (as the request traffic does,
        // so that splitting an interval never changes the arrivals).
        let window = a_ms / self.noise_window_ms;
        if window != self.noise_window {
            self.noise_window = window;
            let w_s = self.noise_window_ms as f64 / 1000.0;
            self.noise_factor = if mean > 0.0 {
                synthetic::realize(mean, w_s, &spec.noise, &mut self.rng) / mean
            } else {
                1.0
            };
        }
        let lambda = mean * self.noise_factor;
        let mut t = a_ms;
        while let Some(r) = self
            .returning
            .iter()
            .map(|r| r.at_ms)
            .filter(|&x| x <= b_ms)
            .min()
        {
            let r = r.max(t);
            self.step(spec, lambda, t, r);
            t = r;
            self.release_returns(t);
        }
        self.step(spec, lambda, t, b_ms);
    }

    /// The period's figures at `now_ms` (advance first), and a new period.
    pub fn close_period(&mut self, spec: &QueueSpec, now_ms: SimTime) -> QueuePeriod {
        debug_assert_eq!(
            self.last_ms.max(now_ms),
            self.last_ms,
            "advance before closing"
        );
        let p = QueuePeriod {
            arrived: self.period_arrived,
            consumed: self.period_consumed,
            visible: self.visible(spec),
            in_flight: self.in_flight(spec),
            oldest_age_s: self.oldest_age_s(now_ms as f64 / 1000.0),
        };
        self.period_arrived = 0.0;
        self.period_consumed = 0.0;
        p
    }

    /// `[a_ms, b_ms)` with arrivals at `lambda` and fixed consumers.
    fn step(&mut self, spec: &QueueSpec, lambda: f64, a_ms: SimTime, b_ms: SimTime) {
        if b_ms <= a_ms {
            return;
        }
        let (a, b) = (a_ms as f64 / 1000.0, b_ms as f64 / 1000.0);
        let dt = b - a;
        let arrivals = lambda * dt;
        let q1 = messages_after(self.q, lambda, self.slots(spec), spec.service_s(), dt);
        let mut consumed = (self.q + arrivals - q1).max(0.0);
        let mut q = self.q + arrivals - consumed;
        if q < EPS {
            consumed += q;
            q = 0.0;
        }
        self.q = q;
        self.arrived += arrivals;
        self.consumed += consumed;
        self.period_arrived += arrivals;
        self.period_consumed += consumed;
        if arrivals > 0.0 {
            self.push_cohort(Cohort {
                start_s: a,
                end_s: b,
                n: arrivals,
            });
        }
        // First in, first out: the deleted messages are the oldest.
        if q == 0.0 {
            self.cohorts.clear();
            self.cohort_total = 0.0;
        } else {
            self.take_front(self.cohort_total - q);
        }
        self.max_visible = self.max_visible.max(self.visible(spec));
        self.max_age_s = self.max_age_s.max(self.oldest_age_s(b));
        debug_assert!(
            self.conservation_error().abs() <= 1e-9 * self.arrived.max(1.0),
            "messages are conserved: arrived {} = consumed {} + queued {} + returning {}",
            self.arrived,
            self.consumed,
            self.q,
            self.returning_n
        );
    }

    fn push_cohort(&mut self, c: Cohort) {
        self.cohort_total += c.n;
        let full = self.cohorts.len() >= MAX_COHORTS;
        match self.cohorts.back_mut() {
            Some(last) if full => {
                last.end_s = c.end_s;
                last.n += c.n;
            }
            _ => self.cohorts.push_back(c),
        }
    }

    /// Takes up to `k` of the oldest messages out of the cohorts (arrivals uniform within a cohort), as
    /// one cohort spanning their arrival times.
    fn take_front(&mut self, k: f64) -> Cohort {
        let mut out = Cohort {
            start_s: f64::NAN,
            end_s: f64::NAN,
            n: 0.0,
        };
        let mut left = k;
        while left > 0.0
            && let Some(front) = self.cohorts.front_mut()
        {
            if out.start_s.is_nan() {
                out.start_s = front.start_s;
            }
            if front.n <= left * (1.0 + 1e-12) {
                left -= front.n;
                out.n += front.n;
                out.end_s = front.end_s;
                self.cohort_total -= front.n;
                self.cohorts.pop_front();
            } else {
                let split = front.start_s + (front.end_s - front.start_s) * (left / front.n);
                front.start_s = split;
                front.n -= left;
                out.n += left;
                out.end_s = split;
                self.cohort_total -= left;
                left = 0.0;
            }
        }
        if self.cohorts.is_empty() {
            self.cohort_total = 0.0;
        }
        out
    }

    /// Abandoned messages whose timeout has run out by `t_ms` are visible again, in arrival order among
    /// the others (the oldest are received first).
    fn release_returns(&mut self, t_ms: SimTime) {
        let mut i = 0;
        while i < self.returning.len() {
            if self.returning[i].at_ms > t_ms {
                i += 1;
                continue;
            }
            let Returning { c, .. } = self.returning.remove(i);
            self.returning_n -= c.n;
            self.q += c.n;
            self.cohort_total += c.n;
            let pos = self.cohorts.partition_point(|x| x.start_s <= c.start_s);
            if self.cohorts.len() < MAX_COHORTS {
                self.cohorts.insert(pos, c);
            } else {
                let j = pos.min(self.cohorts.len() - 1);
                let x = &mut self.cohorts[j];
                x.start_s = x.start_s.min(c.start_s);
                x.end_s = x.end_s.max(c.end_s);
                x.n += c.n;
            }
        }
        if self.returning.is_empty() {
            self.returning_n = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::LoadSourceSpec;
    use crate::workload::synthetic::{Noise, Pattern};

    fn spec(rate: f64, mu: f64, concurrency: u32) -> QueueSpec {
        QueueSpec {
            source: LoadSourceSpec::Pattern(Pattern::Constant { rate }),
            noise: Noise::None,
            per_task_rate_per_s: mu,
            concurrency,
            visibility_timeout_ms: 30_000,
            backlog_no_data_at_zero: false,
        }
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    /// The fluid queue dq/dt = λ − min(q, slots)/s by hand (§4.5's worker: n tasks of μ messages/s,
    /// slots = n·c, s = c/μ):
    /// - saturated: q0 10, λ 10, 2 slots, s = 1/3 (2 tasks of μ 3): grows at λ − nμ = 4/s → 10 + 240 = 250;
    /// - from empty: rises as λs + (0 − λs)e^{−t/s} (λs = 10/3) until q = 2 at t2 = s·ln(λs/(λs − 2))
    ///   = ln(2.5)/3 = 0.305430 s, then at 4/s: q(60) = 2 + 4 × 59.694570 = 240.778279;
    /// - draining: q0 100, λ 1, 2 slots, s 0.5 (4/s): 2 slots reached at (100 − 2)/3 = 32.667 s, then
    ///   relaxes to λs = 0.5: q(60) = 0.5 + 1.5·e^{−27.333/0.5} ≈ 0.5;
    /// - unsaturated: q0 0, λ 1, 4 slots, s 1: q(2) = 1 − e^{−2} = 0.864665;
    /// - no consumer: everything stays, 7 + 3 × 5 = 22.
    #[test]
    fn fluid_queue_by_hand() {
        let third = 1.0 / 3.0;
        assert!(close(
            messages_after(10.0, 10.0, 2.0, third, 60.0),
            250.0,
            1e-12
        ));
        let t2 = (2.5f64).ln() / 3.0;
        assert!(close(t2, 0.305430, 1e-5));
        let q = messages_after(0.0, 10.0, 2.0, third, 60.0);
        assert!(close(q, 2.0 + 4.0 * (60.0 - t2), 1e-12), "{q}");
        assert!(close(q, 240.778279, 1e-8), "{q}");
        assert!(close(
            messages_after(100.0, 1.0, 2.0, 0.5, 60.0),
            0.5,
            1e-12
        ));
        let q = messages_after(0.0, 1.0, 4.0, 1.0, 2.0);
        assert!(close(q, 1.0 - (-2.0f64).exp(), 1e-12) && close(q, 0.864665, 1e-6));
        assert_eq!(messages_after(7.0, 3.0, 0.0, 1.0, 5.0), 22.0);
        // Splitting an interval changes nothing: the solution composes.
        let mut q = 0.0;
        for _ in 0..600 {
            q = messages_after(q, 10.0, 2.0, third, 0.1);
        }
        assert!(close(q, 240.778279, 1e-8), "{q}");
    }

    /// Two tasks of μ = 3 messages/s (one at a time, s = 1/3 s) from t = 0 on a constant 10 messages/s:
    /// after 60 s, q = 240.778279 (as above): 2 in flight, 238.778279 visible, 600 − 240.778279 =
    /// 359.221721 consumed. First in, first out with arrivals at 10/s since 0: the oldest message not
    /// deleted arrived at 359.221721 / 10 = 35.922172 s, so it is 24.077828 s old. A minute later the
    /// visible backlog has grown by (λ − nμ) × 60 = 240.
    #[test]
    fn constant_arrivals_two_tasks_by_hand() {
        let sp = spec(10.0, 3.0, 1);
        let mut q = MessageQueue::new(&sp, RngStream::new(1, "t"), 60_000);
        q.add_consumer(&sp, 0);
        q.add_consumer(&sp, 0);
        q.advance(&sp, 60_000);
        let p = q.close_period(&sp, 60_000);
        assert!(close(p.arrived, 600.0, 1e-12));
        assert!(close(p.visible, 238.778279, 1e-8), "{p:?}");
        assert!(close(p.in_flight, 2.0, 1e-12));
        assert!(close(p.consumed, 359.221721, 1e-8), "{p:?}");
        assert!(close(p.oldest_age_s, 24.077828, 1e-7), "{p:?}");
        q.advance(&sp, 120_000);
        let p2 = q.close_period(&sp, 120_000);
        assert!(close(p2.visible - p.visible, 240.0, 1e-9));
        assert!(close(p2.consumed, 360.0, 1e-9), "2 tasks × 3/s × 60 s");
        // Still first in, first out: 60 s later the head has moved 36 s of arrivals, so it is 24 s older.
        assert!(close(p2.oldest_age_s, 24.077828 + 24.0, 1e-7), "{p2:?}");
        assert!(q.conservation_error().abs() < 1e-9);
    }

    /// An idle worker the scheduler stops past task scale-in protection (§2.7) abandons nothing while
    /// the workers left can hold the messages in flight: λ = 1/s, 1 s a message, 4 workers of 1 slot, so
    /// λ·s = 1 in flight after a minute; the idle one leaves, 3 slots hold it. A worker leaving for any
    /// other reason takes its average share, 1 ÷ 4 = 0.25, back to the queue after the visibility
    /// timeout. With 2 in flight on 2 slots (saturated) an idle worker cannot be found: the one beyond
    /// the slot left goes back.
    #[test]
    fn an_idle_worker_leaving_abandons_nothing_the_others_can_hold() {
        let sp = spec(1.0, 1.0, 1);
        let mut idle = MessageQueue::new(&sp, RngStream::new(1, "t"), 60_000);
        let mut any = MessageQueue::new(&sp, RngStream::new(1, "t"), 60_000);
        for q in [&mut idle, &mut any] {
            for _ in 0..4 {
                q.add_consumer(&sp, 0);
            }
            q.advance(&sp, 60_000);
            assert!(close(q.in_flight(&sp), 1.0, 1e-12));
        }
        idle.remove_idle_consumer(&sp, 60_000);
        any.remove_consumer(&sp, 60_000);
        assert_eq!(idle.returning_n, 0.0);
        assert!(close(any.returning_n, 0.25, 1e-12));
        assert!(idle.conservation_error().abs() < 1e-9 && any.conservation_error().abs() < 1e-9);

        let sp = spec(10.0, 1.0, 1);
        let mut q = MessageQueue::new(&sp, RngStream::new(1, "t"), 60_000);
        q.add_consumer(&sp, 0);
        q.add_consumer(&sp, 0);
        q.advance(&sp, 60_000);
        q.remove_idle_consumer(&sp, 60_000);
        assert!(close(q.returning_n, 1.0, 1e-12));
    }

    /// A task that leaves RUNNING drops its share of the messages in flight (saturated: its one slot, the
    /// oldest message); it is not visible and counts as in flight until the 30 s visibility timeout, then
    /// it is visible again, at the front.
    #[test]
    fn a_leaving_task_s_messages_come_back_after_the_visibility_timeout() {
        let sp = spec(10.0, 3.0, 1);
        let mut q = MessageQueue::new(&sp, RngStream::new(1, "t"), 60_000);
        q.add_consumer(&sp, 0);
        q.add_consumer(&sp, 0);
        q.remove_consumer(&sp, 60_000);
        let now = 60.0;
        // 240.778279 in the queue: 1 abandoned, 1 with the remaining task, 238.778279 visible.
        assert!(close(q.in_flight(&sp), 2.0, 1e-12));
        assert!(close(q.visible(&sp), 238.778279, 1e-8));
        // The abandoned message is the oldest: the age is unchanged.
        assert!(close(q.oldest_age_s(now), 24.077828, 1e-7));
        // One task now: the queue grows at 10 − 3 = 7/s; at 89.999 s the message is still away.
        q.advance(&sp, 89_999);
        assert!(close(q.in_flight(&sp), 2.0, 1e-12));
        assert!(close(q.visible(&sp), 238.778279 + 7.0 * 29.999, 1e-8));
        q.advance(&sp, 90_001);
        assert!(close(q.in_flight(&sp), 1.0, 1e-12), "back at 90 s");
        assert!(close(q.visible(&sp), 239.778279 + 7.0 * 30.001, 1e-8));
        assert!(q.conservation_error().abs() < 1e-9);
        // A zero timeout keeps them visible at once.
        let mut sp0 = sp.clone();
        sp0.visibility_timeout_ms = 0;
        let mut q = MessageQueue::new(&sp0, RngStream::new(1, "t"), 60_000);
        q.add_consumer(&sp0, 0);
        q.add_consumer(&sp0, 0);
        q.remove_consumer(&sp0, 60_000);
        assert!(close(q.in_flight(&sp0), 1.0, 1e-12));
        assert!(close(q.visible(&sp0), 239.778279, 1e-8));
    }

    /// Conservation under churn: hourly steps of the arrival rate with Poisson noise, consumers joining
    /// and leaving at pseudo-random times (some within the visibility timeout of each other), checked
    /// after every change: arrived = consumed + visible + in flight. The churn does not change the
    /// arrivals: a queue advanced only at the metric ticks gets the same (one noise draw per period, so
    /// splitting a period changes nothing).
    #[test]
    fn messages_are_conserved_under_churn() {
        let mut sp = spec(0.0, 4.0, 3);
        let mut rates = RngStream::new(7, "rates");
        sp.source = LoadSourceSpec::Pattern(Pattern::Steps {
            steps: (0..80)
                .map(|h| (h as f64 * 3600.0, rates.below(120) as f64))
                .collect(),
        });
        sp.noise = Noise::Poisson;
        let mut q = MessageQueue::new(&sp, RngStream::new(7, "messages:w"), 60_000);
        let mut ticks = MessageQueue::new(&sp, RngStream::new(7, "messages:w"), 60_000);
        let mut draws = RngStream::new(7, "churn");
        let mut t = 0;
        for _ in 0..5_000 {
            let next = t + 1 + draws.below(90_000);
            // The metric ticks in between (the simulation advances every queue at each).
            for k in t / 60_000 + 1..=next / 60_000 {
                q.advance(&sp, k * 60_000);
            }
            t = next;
            if q.consumers() == 0 || (q.consumers() < 30 && draws.next_f64() < 0.55) {
                q.add_consumer(&sp, t);
            } else {
                q.remove_consumer(&sp, t);
            }
            let total = q.consumed + q.visible(&sp) + q.in_flight(&sp);
            assert!(
                close(total, q.arrived, 1e-9),
                "t = {t}: {total} vs {}",
                q.arrived
            );
            assert!(q.visible(&sp) >= 0.0 && q.in_flight(&sp) >= 0.0);
        }
        let end = t.div_ceil(60_000) * 60_000;
        q.advance(&sp, end);
        for k in 1..=end / 60_000 {
            ticks.advance(&sp, k * 60_000);
        }
        assert!(
            close(ticks.arrived, q.arrived, 1e-9),
            "{} vs {}",
            ticks.arrived,
            q.arrived
        );
        assert!(q.arrived > 1e6);
    }

    /// With no consumer the queue only grows, and the oldest message is the first: after 5,000 one-second
    /// intervals (more than the cohorts kept) it is 5,000 s old and 5,000 × 2 messages wait. A night
    /// without arrivals then empties a queue that has consumers, and its age goes back to 0.
    #[test]
    fn age_with_more_intervals_than_cohorts_and_an_empty_night() {
        let sp = spec(2.0, 1.0, 1);
        let mut q = MessageQueue::new(&sp, RngStream::new(1, "t"), 60_000);
        for k in 1..=5_000u64 {
            q.advance(&sp, k * 1000);
        }
        assert!(q.cohorts.len() <= MAX_COHORTS);
        assert!(close(q.visible(&sp), 10_000.0, 1e-12));
        assert!(close(q.oldest_age_s(5_000.0), 5_000.0, 1e-12));
        let mut sp = sp;
        sp.source = LoadSourceSpec::Pattern(Pattern::Steps {
            steps: vec![(0.0, 1.0), (3600.0, 0.0)],
        });
        let mut q = MessageQueue::new(&sp, RngStream::new(1, "t"), 60_000);
        q.add_consumer(&sp, 0);
        q.add_consumer(&sp, 0);
        for k in 1..=240 {
            q.advance(&sp, k * 60_000);
        }
        let p = q.close_period(&sp, 4 * 3_600_000);
        assert_eq!((p.visible, p.in_flight, p.oldest_age_s), (0.0, 0.0, 0.0));
        assert!(close(q.consumed, 3600.0, 1e-12));
        // By day 1 message in flight (λs = 1 × 1 s), first in, first out: the oldest is 1 s old.
        assert!(close(q.max_age_s, 1.0, 1e-9), "{}", q.max_age_s);
    }
}
