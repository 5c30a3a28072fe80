//! The discrete-event kernel. It knows nothing of ECS: simulated time in integer milliseconds, an event
//! queue ordered by `(time, sequence)`, and named random streams.
//!
//! Must not: do I/O, know about tasks or instances.

pub mod dist;
pub mod rng;

/// `x.round()` (half away from zero), bit for bit, without the software routine `f64::round` compiles to
/// on the baseline x86-64 target (no SSE4.1 rounding instruction): a truncating conversion and one
/// comparison. The hot paths round every utilisation and published figure.
#[inline]
pub fn round(x: f64) -> f64 {
    // From 2^52 up every f64 is an integer (and NaN/∞ fall through unchanged).
    if x.is_nan() || x.abs() >= 4_503_599_627_370_496.0 {
        return x;
    }
    let t = x as i64 as f64; // truncation toward zero, exact here
    let d = x - t; // exact: |d| < 1 and t holds x's leading bits
    let r = if d >= 0.5 {
        t + 1.0
    } else if d <= -0.5 {
        t - 1.0
    } else {
        t
    };
    r.copysign(x) // −0.3 rounds to −0.0, as f64::round does
}

/// `x.floor()`, bit for bit, without the software routine (see [`round`]).
#[inline]
pub fn floor(x: f64) -> f64 {
    if x.is_nan() || x.abs() >= 4_503_599_627_370_496.0 {
        return x;
    }
    let t = x as i64 as f64;
    let r = if t > x { t - 1.0 } else { t };
    r.copysign(x) // floor(−0.0) is −0.0
}

/// A hint that `*r` will be read soon: its cache lines (at most 32) are requested now, so a loop that
/// hints the items it will visit next overlaps their memory latencies instead of paying them one after
/// another (a service's tasks are scattered over the task slots; a pass over thousands of services
/// reads a few lines of each one's state). No effect on results.
#[inline(always)]
pub fn prefetch<T>(r: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        let p = (r as *const T).cast::<i8>();
        let lines = std::mem::size_of::<T>().div_ceil(64).clamp(1, 32);
        for k in 0..lines {
            // SAFETY: a prefetch never faults and changes no program state; the addresses lie within (or
            // one line past the start of) a live object.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    p.wrapping_add(64 * k),
                )
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = r;
}

/// Simulated time in milliseconds since the start of the run. Integer so that runs are exactly
/// reproducible: no floating-point clock drift.
pub type SimTime = u64;

/// Milliseconds per second, minute, hour and day, for readable arithmetic.
pub const MS_PER_S: u64 = 1_000;
/// Milliseconds per minute.
pub const MS_PER_MIN: u64 = 60 * MS_PER_S;
/// Milliseconds per hour.
pub const MS_PER_H: u64 = 60 * MS_PER_MIN;
/// Milliseconds per day.
pub const MS_PER_DAY: u64 = 24 * MS_PER_H;

/// A length of time for people: its three largest units, e.g. `3 d 10 h 28 min`, `1 min 30 s`, `10 s`,
/// `0.25 s` (messages and warnings; never parsed back).
pub fn span_text(ms: u64) -> String {
    if ms < MS_PER_MIN && !ms.is_multiple_of(MS_PER_S) {
        return format!("{} s", ms as f64 / 1000.0);
    }
    let s = ms / MS_PER_S;
    let parts = [
        (s / 86_400, "d"),
        (s / 3600 % 24, "h"),
        (s / 60 % 60, "min"),
        (s % 60, "s"),
    ];
    let first = parts.iter().position(|p| p.0 > 0).unwrap_or(3);
    let text: Vec<String> = parts[first..(first + 3).min(4)]
        .iter()
        .filter(|p| p.0 > 0)
        .map(|(n, u)| format!("{n} {u}"))
        .collect();
    if text.is_empty() {
        "0 s".into()
    } else {
        text.join(" ")
    }
}

struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

/// The future event list. Events at equal times pop in insertion order, so a run does not depend on heap
/// internals. Time never goes back: scheduling before the last popped time is a bug and panics.
pub struct EventQueue<E> {
    heap: QuadHeap<E>,
    next_seq: u64,
    now: SimTime,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// A 4-ary min-heap on `(time, seq)`: half the levels of a binary heap, and a node's four children are
/// adjacent, so a pop at ~10⁵ pending events touches fewer cache lines. Keys are unique (`seq`), so the
/// pop order is the same as any other heap's.
struct QuadHeap<E> {
    v: Vec<Entry<E>>,
}

impl<E> QuadHeap<E> {
    #[inline]
    fn key(e: &Entry<E>) -> (SimTime, u64) {
        (e.time, e.seq)
    }

    #[inline]
    fn push(&mut self, e: Entry<E>) {
        let mut i = self.v.len();
        let key = Self::key(&e);
        self.v.push(e);
        while i > 0 {
            let parent = (i - 1) / 4;
            if key >= Self::key(&self.v[parent]) {
                break;
            }
            self.v.swap(i, parent);
            i = parent;
        }
    }

    #[inline]
    fn pop(&mut self) -> Option<Entry<E>> {
        let last = self.v.pop()?;
        if self.v.is_empty() {
            return Some(last);
        }
        let top = std::mem::replace(&mut self.v[0], last);
        let n = self.v.len();
        let key = Self::key(&self.v[0]);
        let mut i = 0;
        loop {
            let first = 4 * i + 1;
            if first >= n {
                break;
            }
            let mut best = first;
            let mut best_key = Self::key(&self.v[first]);
            for c in first + 1..(first + 4).min(n) {
                let k = Self::key(&self.v[c]);
                if k < best_key {
                    best = c;
                    best_key = k;
                }
            }
            if best_key >= key {
                break;
            }
            self.v.swap(i, best);
            i = best;
        }
        Some(top)
    }
}

impl<E> EventQueue<E> {
    /// An empty queue at time 0.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue with room for `n` pending events.
    pub fn with_capacity(n: usize) -> Self {
        EventQueue {
            heap: QuadHeap {
                v: Vec::with_capacity(n),
            },
            next_seq: 0,
            now: 0,
            popped: 0,
        }
    }

    /// The time of the last popped event.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedule `event` at absolute time `time` (must not be in the past).
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) {
        assert!(
            time >= self.now,
            "event scheduled in the past: {time} < now {}",
            self.now
        );
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, event });
    }

    /// Schedule `event` `delay_ms` after now.
    #[inline]
    pub fn push_after(&mut self, delay_ms: u64, event: E) {
        self.push(self.now.saturating_add(delay_ms), event);
    }

    /// Pop the earliest event and advance the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let e = self.heap.pop()?;
        debug_assert!(e.time >= self.now, "time went back");
        self.now = e.time;
        self.popped += 1;
        Some((e.time, e.event))
    }

    /// The time of the next event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.v.first().map(|e| e.time)
    }

    /// Number of pending events.
    #[inline]
    pub fn len(&self) -> usize {
        self.heap.v.len()
    }

    /// True when nothing is pending.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.heap.v.is_empty()
    }

    /// Events popped so far (the run's event count).
    #[inline]
    pub fn popped(&self) -> u64 {
        self.popped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_for_people() {
        assert_eq!(span_text(296_880_000), "3 d 10 h 28 min");
        assert_eq!(span_text(90_000), "1 min 30 s");
        assert_eq!(span_text(10_000), "10 s");
        assert_eq!(span_text(250), "0.25 s");
        assert_eq!(span_text(0), "0 s");
        assert_eq!(span_text(2 * MS_PER_H + 5 * MS_PER_S), "2 h 5 s");
    }

    #[test]
    fn round_and_floor_are_f64s_bit_for_bit() {
        let mut x = 0x0123_4567_89ab_cdefu64;
        let check = |v: f64| {
            assert_eq!(round(v).to_bits(), v.round().to_bits(), "{v:e}");
            assert_eq!(floor(v).to_bits(), v.floor().to_bits(), "floor {v:e}");
        };
        for v in [
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -2.5,
            0.49999999999999994,
            -0.49999999999999994,
            4_503_599_627_370_495.5,
            -4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            9.007_199_254_740_993e15,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            check(v);
        }
        assert!(round(f64::NAN).is_nan() && floor(f64::NAN).is_nan());
        for _ in 0..2_000_000 {
            // splitmix64 over raw bit patterns (all magnitudes) and over values near halves.
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let v = f64::from_bits(z);
            if !v.is_nan() {
                check(v);
            }
            let near = (z % 2_000_000) as f64 / 2.0 - 500_000.0;
            check(near);
            check(f64::from_bits(near.to_bits() + 1));
            check(f64::from_bits(near.to_bits().wrapping_sub(1)));
            check(near * 1e-6);
        }
    }

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut q = EventQueue::new();
        q.push(10, 'a');
        q.push(5, 'b');
        q.push(10, 'c');
        q.push(5, 'd');
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![(5, 'b'), (5, 'd'), (10, 'a'), (10, 'c')]);
        assert_eq!(q.popped(), 4);
    }

    /// The 4-ary heap pops what a binary heap on (time, seq) pops, through interleaved pushes and pops
    /// with many equal times.
    #[test]
    fn quad_heap_pops_in_binary_heap_order() {
        use std::cmp::Reverse;
        let mut q = EventQueue::new();
        let mut reference = std::collections::BinaryHeap::new();
        let mut seq = 0u64;
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..20_000u32 {
            let pushes = 1 + next() % 3;
            for _ in 0..pushes {
                let t = q.now() + next() % 50; // many ties
                q.push(t, round);
                reference.push(Reverse((t, seq, round)));
                seq += 1;
            }
            if next() % 2 == 0 {
                let Reverse((t, _, r)) = reference.pop().expect("not empty");
                assert_eq!(q.pop(), Some((t, r)));
            }
        }
        while let Some(Reverse((t, _, r))) = reference.pop() {
            assert_eq!(q.pop(), Some((t, r)));
        }
        assert_eq!(q.pop(), None);
    }

    #[test]
    #[should_panic(expected = "in the past")]
    fn scheduling_in_the_past_panics() {
        let mut q = EventQueue::new();
        q.push(10, ());
        q.pop();
        q.push(9, ());
    }
}
