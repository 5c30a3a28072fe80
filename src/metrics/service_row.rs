//! A service's `timeseries.csv` row as the simulation hands it over (issue #20): only the figures a
//! service row has, as plain numbers with a presence mask, about 170 bytes where a [`SeriesRow`] is
//! about 620. A fleet makes one per service per metric period (a million for the medium fleet): the
//! simulation thread fills it in place, checks it in one pass ([`ServiceRow::all_finite`]) and copies
//! it into the sink's batch; whoever reads it as a [`SeriesRow`] (the CSV writer's thread, the fold,
//! the in-memory sink) widens it there ([`ServiceRow::to_series`]).
//!
//! Must not: hold a figure a service row does not write (cluster and capacity-provider rows stay
//! [`SeriesRow`]s), or lose one: [`ServiceRow::to_series`] names every column, and the test checks
//! each column reaches its field.

use super::SeriesRow;

/// The float columns of a service row, in the order [`super::finite`] names the first non-finite one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
#[allow(missing_docs)] // each is the `SeriesRow` field of the same name
pub enum Col {
    CpuUtilization,
    MemoryUtilization,
    RequestRate,
    CapacityRps,
    SloP99Ms,
    LatencyP50Ms,
    LatencyP90Ms,
    LatencyP99Ms,
    Served,
    Errors,
    Queued,
    CostUsd,
    MessagesArrived,
    MessagesConsumed,
    MessagesVisible,
    MessagesInFlight,
    OldestMessageAgeS,
}

/// How many [`Col`]s there are.
pub const COLS: usize = Col::OldestMessageAgeS as usize + 1;

/// One service's row of a metric period: its counts, and its float figures by [`Col`] (0 where absent,
/// the bit of `present` says which are there).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceRow {
    /// End of the period, ms.
    pub time_ms: u64,
    /// desiredCount.
    pub desired: u32,
    /// Tasks RUNNING.
    pub running: u32,
    /// Tasks PROVISIONING, PENDING or ACTIVATING.
    pub pending: u32,
    /// Bit `c` set: `figures[c]` is present.
    present: u32,
    /// The float figures by [`Col`]; 0 where absent, so that [`Self::all_finite`] needs no mask.
    figures: [f64; COLS],
    /// Was the period bad for the service's SLO? (services with an SLO)
    pub slo_bad: Option<bool>,
}

impl ServiceRow {
    /// A row at `time_ms` with no figure yet (counts 0).
    pub fn new(time_ms: u64) -> ServiceRow {
        ServiceRow {
            time_ms,
            desired: 0,
            running: 0,
            pending: 0,
            present: 0,
            figures: [0.0; COLS],
            slo_bad: None,
        }
    }

    /// Column `c` is `v`.
    #[inline]
    pub fn put(&mut self, c: Col, v: f64) {
        self.figures[c as usize] = v;
        self.present |= 1 << c as u32;
    }

    /// Column `c` is `v`, or left empty when `None`.
    #[inline]
    pub fn set(&mut self, c: Col, v: Option<f64>) {
        if let Some(v) = v {
            self.put(c, v);
        }
    }

    /// Column `c`, `None` when empty.
    #[inline]
    pub fn get(&self, c: Col) -> Option<f64> {
        (self.present & (1 << c as u32) != 0).then_some(self.figures[c as usize])
    }

    /// Is every figure finite? One pass over plain numbers (absent ones are 0): x·0 is 0 for a finite
    /// x and NaN for NaN or ±∞, and a sum with a NaN in it is NaN.
    #[inline]
    pub fn all_finite(&self) -> bool {
        self.figures.iter().fold(0.0, |a, &x| a + x * 0.0) == 0.0
    }

    /// The row as a [`SeriesRow`] of scope `service`, with an empty name (the reader keeps the names).
    pub fn to_series(&self) -> SeriesRow {
        use Col::*;
        SeriesRow {
            time_ms: self.time_ms,
            scope: "service",
            name: String::new(),
            desired: Some(self.desired),
            running: Some(self.running),
            pending: Some(self.pending),
            cpu_utilization: self.get(CpuUtilization),
            memory_utilization: self.get(MemoryUtilization),
            request_rate: self.get(RequestRate),
            capacity_rps: self.get(CapacityRps),
            slo_p99_ms: self.get(SloP99Ms),
            slo_bad: self.slo_bad,
            latency_p50_ms: self.get(LatencyP50Ms),
            latency_p90_ms: self.get(LatencyP90Ms),
            latency_p99_ms: self.get(LatencyP99Ms),
            served: self.get(Served),
            errors: self.get(Errors),
            queued: self.get(Queued),
            cost_usd: self.get(CostUsd),
            messages_arrived: self.get(MessagesArrived),
            messages_consumed: self.get(MessagesConsumed),
            messages_visible: self.get(MessagesVisible),
            messages_in_flight: self.get(MessagesInFlight),
            oldest_message_age_s: self.get(OldestMessageAgeS),
            ..SeriesRow::default()
        }
    }

    /// [`Self::to_series`] named `name`.
    pub fn to_named(&self, name: &str) -> SeriesRow {
        SeriesRow {
            name: name.to_string(),
            ..self.to_series()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Col; COLS] = [
        Col::CpuUtilization,
        Col::MemoryUtilization,
        Col::RequestRate,
        Col::CapacityRps,
        Col::SloP99Ms,
        Col::LatencyP50Ms,
        Col::LatencyP90Ms,
        Col::LatencyP99Ms,
        Col::Served,
        Col::Errors,
        Col::Queued,
        Col::CostUsd,
        Col::MessagesArrived,
        Col::MessagesConsumed,
        Col::MessagesVisible,
        Col::MessagesInFlight,
        Col::OldestMessageAgeS,
    ];

    /// Each column, set alone to a value of its own, lands in one field of the wide row, a different
    /// one for each column, and the row reads back as the figure it was given; empty columns are `None`.
    #[test]
    fn every_column_reaches_its_own_field() {
        let fields = |r: &SeriesRow| {
            [
                r.cpu_utilization,
                r.memory_utilization,
                r.request_rate,
                r.capacity_rps,
                r.slo_p99_ms,
                r.latency_p50_ms,
                r.latency_p90_ms,
                r.latency_p99_ms,
                r.served,
                r.errors,
                r.queued,
                r.cost_usd,
                r.messages_arrived,
                r.messages_consumed,
                r.messages_visible,
                r.messages_in_flight,
                r.oldest_message_age_s,
            ]
        };
        for (k, c) in ALL.into_iter().enumerate() {
            assert_eq!(c as usize, k);
            let mut row = ServiceRow::new(60_000);
            row.put(c, 1.5 + k as f64);
            let wide = row.to_series();
            let mut want = [None; COLS];
            want[k] = Some(1.5 + k as f64);
            assert_eq!(fields(&wide), want, "{c:?}");
            assert_eq!(row.get(c), Some(1.5 + k as f64));
        }
        let mut row = ServiceRow::new(120_000);
        (row.desired, row.running, row.pending, row.slo_bad) = (5, 4, 1, Some(true));
        row.set(Col::Served, None);
        let wide = row.to_named("web");
        let want = SeriesRow {
            time_ms: 120_000,
            scope: "service",
            name: "web".into(),
            desired: Some(5),
            running: Some(4),
            pending: Some(1),
            slo_bad: Some(true),
            ..SeriesRow::default()
        };
        assert_eq!(wide, want);
    }

    /// The one-pass check finds NaN and both infinities in every column, and passes large, negative and
    /// zero figures.
    #[test]
    fn the_finite_check_sees_every_column() {
        for c in ALL {
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                let mut row = ServiceRow::new(0);
                for d in ALL {
                    row.put(d, 1e300);
                }
                row.put(c, bad);
                assert!(!row.all_finite(), "{c:?} {bad}");
            }
        }
        let mut row = ServiceRow::new(0);
        assert!(row.all_finite());
        for (k, c) in ALL.into_iter().enumerate() {
            row.put(c, if k % 2 == 0 { -f64::MAX } else { -0.0 });
        }
        assert!(row.all_finite());
    }
}
