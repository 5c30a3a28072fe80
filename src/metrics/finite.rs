//! The last guard against NaN and infinity in an output: every figure of a time-series row and of the
//! summary must be finite. The scenario loader's ranges (`scenario::ranges`) are meant to make this
//! unreachable; if a figure still is not finite, a debug build stops at once (a bug to find) and a release
//! build turns the run into an error, so no file with NaN is written (`output::write_run` removes its
//! temporary files on error).

use super::{EventRecord, SeriesRow, ServiceRow, Sink, Summary, TaskRecord};

/// The first figure of `row` that is not finite, by its column name.
pub fn row_problem(row: &SeriesRow) -> Option<&'static str> {
    // Every row is checked: first one sum (NaN when any figure is NaN or infinite, as x·0 is), and
    // the figures by name only when it says there is a problem.
    let z = |v: Option<f64>| v.map_or(0.0, |x| x * 0.0);
    let all = z(row.cpu_utilization)
        + z(row.memory_utilization)
        + z(row.request_rate)
        + z(row.capacity_rps)
        + z(row.slo_p99_ms)
        + z(row.latency_p50_ms)
        + z(row.latency_p90_ms)
        + z(row.latency_p99_ms)
        + z(row.served)
        + z(row.errors)
        + z(row.queued)
        + z(row.cpu_reservation)
        + z(row.memory_reservation)
        + z(row.cost_ec2_usd)
        + z(row.cost_fargate_usd)
        + z(row.cost_fargate_spot_usd)
        + z(row.cost_usd)
        + z(row.cpu_credit_usage)
        + z(row.cpu_credit_balance)
        + z(row.cpu_surplus_credit_balance)
        + z(row.cost_burst_surplus_usd)
        + z(row.messages_arrived)
        + z(row.messages_consumed)
        + z(row.messages_visible)
        + z(row.messages_in_flight)
        + z(row.oldest_message_age_s)
        + z(row.capacity_provider_reservation);
    if all == 0.0 {
        return None;
    }
    named_problem(row)
}

/// [`row_problem`] by name.
fn named_problem(row: &SeriesRow) -> Option<&'static str> {
    let figures = [
        ("cpu_utilization", row.cpu_utilization),
        ("memory_utilization", row.memory_utilization),
        ("request_rate", row.request_rate),
        ("capacity_rps", row.capacity_rps),
        ("slo_p99_ms", row.slo_p99_ms),
        ("latency_p50_ms", row.latency_p50_ms),
        ("latency_p90_ms", row.latency_p90_ms),
        ("latency_p99_ms", row.latency_p99_ms),
        ("served", row.served),
        ("errors", row.errors),
        ("queued", row.queued),
        ("cpu_reservation", row.cpu_reservation),
        ("memory_reservation", row.memory_reservation),
        (
            "capacity_provider_reservation",
            row.capacity_provider_reservation,
        ),
        ("cost_ec2_usd", row.cost_ec2_usd),
        ("cost_fargate_usd", row.cost_fargate_usd),
        ("cost_fargate_spot_usd", row.cost_fargate_spot_usd),
        ("cost_usd", row.cost_usd),
        ("cpu_credit_usage", row.cpu_credit_usage),
        ("cpu_credit_balance", row.cpu_credit_balance),
        ("cpu_surplus_credit_balance", row.cpu_surplus_credit_balance),
        ("cost_burst_surplus_usd", row.cost_burst_surplus_usd),
        ("messages_arrived", row.messages_arrived),
        ("messages_consumed", row.messages_consumed),
        ("messages_visible", row.messages_visible),
        ("messages_in_flight", row.messages_in_flight),
        ("oldest_message_age_s", row.oldest_message_age_s),
    ];
    figures
        .into_iter()
        .find(|(_, v)| v.is_some_and(|x| !x.is_finite()))
        .map(|(k, _)| k)
}

/// The first figure of `s` that is not finite, by its `summary.json` name.
pub fn summary_problem(s: &Summary) -> Option<String> {
    let opt = |o: Option<f64>| o.unwrap_or(0.0);
    let mut figures: Vec<(String, f64)> = vec![
        ("simulated_seconds".into(), s.simulated_seconds),
        ("start_latency_s_p50".into(), opt(s.start_latency_s_p50)),
        ("start_latency_s_p99".into(), opt(s.start_latency_s_p99)),
        ("unplaced_task_seconds".into(), s.unplaced_task_seconds),
        ("cpu_reservation_mean".into(), opt(s.cpu_reservation_mean)),
        (
            "memory_reservation_mean".into(),
            opt(s.memory_reservation_mean),
        ),
        ("cost_total_usd".into(), s.cost_total_usd),
        ("cost_ec2_usd".into(), s.cost_ec2_usd),
        (
            "cost_burst_surplus_usd".into(),
            opt(s.cost_burst_surplus_usd),
        ),
        ("cost_ec2_idle_usd".into(), s.cost_ec2_idle_usd),
        ("cost_fargate_usd".into(), s.cost_fargate_usd),
        ("cost_fargate_spot_usd".into(), s.cost_fargate_spot_usd),
        ("requests_total".into(), opt(s.requests_total)),
        ("requests_served".into(), opt(s.requests_served)),
        ("requests_dropped".into(), opt(s.requests_dropped)),
        ("slo_violation_minutes".into(), opt(s.slo_violation_minutes)),
        ("warm_up_s".into(), s.warm_up_s),
        (
            "cost_per_million_requests".into(),
            opt(s.cost_per_million_requests),
        ),
    ];
    for (i, v) in s.latency_ms.iter().flatten().enumerate() {
        figures.push((format!("latency_ms[{i}]"), *v));
    }
    for (name, v) in &s.cost_by_service_usd {
        figures.push((format!("cost_by_service_usd.{name}"), *v));
    }
    for (name, v) in &s.cost_by_provider_usd {
        figures.push((format!("cost_by_provider_usd.{name}"), *v));
    }
    for f in &s.services {
        for (i, v) in f.requests.iter().flatten().enumerate() {
            figures.push((format!("services.{}.requests[{i}]", f.name), *v));
        }
        for (i, v) in f.startup.iter().flat_map(|u| u.requests).enumerate() {
            figures.push((format!("services.{}.startup.requests[{i}]", f.name), v));
        }
        if let Some(slo) = &f.slo {
            figures.push((format!("services.{}.slo.objective", f.name), slo.objective));
        }
    }
    if let Some(b) = &s.batch {
        for (k, v) in [
            ("wait_s_p50", b.wait_s_p50),
            ("wait_s_p99", b.wait_s_p99),
            ("makespan_s", b.makespan_s),
        ] {
            figures.push((format!("batch.{k}"), opt(v)));
        }
    }
    for q in &s.queues {
        for (k, v) in [
            ("messages_arrived", q.messages_arrived),
            ("messages_consumed", q.messages_consumed),
            ("messages_visible_at_end", q.messages_visible_at_end),
            ("messages_in_flight_at_end", q.messages_in_flight_at_end),
            ("max_messages_visible", q.max_messages_visible),
            ("max_oldest_message_age_s", q.max_oldest_message_age_s),
        ] {
            figures.push((format!("queues.{}.{k}", q.service), v));
        }
    }
    figures
        .into_iter()
        .find(|(_, v)| !v.is_finite())
        .map(|(k, _)| k)
}

/// The error a run with a non-finite figure ends in: the figure's name (a summary key, or a
/// `timeseries.csv` column with its row).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "internal error: the figure `{figure}` is not a finite number (a bug: please report it with the scenario file); no file was written"
)]
pub struct NotFinite {
    /// The first figure that was not finite.
    pub figure: String,
}

/// A sink that checks every row before passing it on, and the summary at the end ([`Self::finish`]).
pub struct FiniteSink<'a> {
    inner: &'a mut dyn Sink,
    problem: Option<String>,
}

impl<'a> FiniteSink<'a> {
    /// Check what goes into `inner`.
    pub fn new(inner: &'a mut dyn Sink) -> Self {
        FiniteSink {
            inner,
            problem: None,
        }
    }

    /// The run's verdict: an error naming the first figure that was not finite, in a row or the summary.
    pub fn finish(self, summary: &Summary) -> Result<(), NotFinite> {
        let problem = self
            .problem
            .or_else(|| summary_problem(summary))
            .map(|figure| NotFinite { figure });
        debug_assert!(
            problem.is_none(),
            "{}",
            problem.as_ref().map_or(String::new(), NotFinite::to_string)
        );
        match problem {
            Some(p) => Err(p),
            None => Ok(()),
        }
    }
}

impl Sink for FiniteSink<'_> {
    fn task(&mut self, rec: TaskRecord) {
        self.inner.task(rec);
    }
    fn event(&mut self, rec: EventRecord, spec: &crate::spec::Spec) {
        self.inner.event(rec, spec);
    }
    fn series(&mut self, row: &SeriesRow) {
        if self.problem.is_none()
            && let Some(col) = row_problem(row)
        {
            self.problem = Some(format!(
                "timeseries.csv {col} ({} at {} ms)",
                row.name, row.time_ms
            ));
        }
        if self.problem.is_none() {
            self.inner.series(row);
        }
    }
    fn service_row(&mut self, row: &ServiceRow, name: &str) {
        if self.problem.is_none() && !row.all_finite() {
            // Named as a wide row's check names it (a figure is non-zero only where it is present).
            let col = named_problem(&row.to_series()).unwrap_or("service figure");
            self.problem = Some(format!(
                "timeseries.csv {col} ({name} at {} ms)",
                row.time_ms
            ));
        }
        if self.problem.is_none() {
            self.inner.service_row(row, name);
        }
    }
    fn wants_events(&self) -> bool {
        self.inner.wants_events()
    }
    fn wants_steady_states(&self) -> bool {
        self.inner.wants_steady_states()
    }
    fn wants_tasks(&self) -> bool {
        self.inner.wants_tasks()
    }
    fn wants_series(&self) -> bool {
        self.inner.wants_series()
    }
    fn burst_columns(&mut self) {
        self.inner.burst_columns();
    }
    fn queue_columns(&mut self) {
        self.inner.queue_columns();
    }
}

/// Run `f` into `sink` through a [`FiniteSink`]: its summary, or the error of a non-finite figure.
pub fn checked<F>(sink: &mut dyn Sink, f: F) -> Result<Summary, NotFinite>
where
    F: FnOnce(&mut dyn Sink) -> Summary,
{
    let mut guard = FiniteSink::new(sink);
    let summary = f(&mut guard);
    guard.finish(&summary).map(|()| summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::MemorySink;

    #[test]
    fn names_the_first_non_finite_figure() {
        let row = SeriesRow {
            cpu_utilization: Some(50.0),
            memory_utilization: Some(f64::NAN),
            ..SeriesRow::default()
        };
        assert_eq!(row_problem(&row), Some("memory_utilization"));
        assert_eq!(row_problem(&SeriesRow::default()), None);
        // The quick sum sees every column the names do: each one alone, infinite, is found.
        let mut one = SeriesRow {
            capacity_provider_reservation: Some(f64::NEG_INFINITY),
            ..SeriesRow::default()
        };
        assert_eq!(row_problem(&one), Some("capacity_provider_reservation"));
        one.capacity_provider_reservation = Some(1.0);
        one.oldest_message_age_s = Some(f64::INFINITY);
        assert_eq!(row_problem(&one), Some("oldest_message_age_s"));
        let finite = SeriesRow {
            cost_usd: Some(1e308),
            served: Some(-0.0),
            ..one.clone()
        };
        assert_eq!(
            row_problem(&SeriesRow {
                oldest_message_age_s: None,
                ..finite
            }),
            None
        );
        let s = Summary {
            cost_per_million_requests: Some(f64::INFINITY),
            ..Summary::default()
        };
        assert_eq!(
            summary_problem(&s).as_deref(),
            Some("cost_per_million_requests")
        );
        assert_eq!(summary_problem(&Summary::default()), None);
    }

    /// In a release build a non-finite row is an error and is not passed on (debug builds stop).
    #[test]
    #[cfg(not(debug_assertions))]
    fn a_nan_row_is_an_error_not_a_line() {
        let mut kept = MemorySink::default();
        let r = checked(&mut kept, |s| {
            s.series(&SeriesRow {
                request_rate: Some(f64::NAN),
                ..SeriesRow::default()
            });
            Summary::default()
        });
        assert!(
            r.unwrap_err()
                .to_string()
                .contains("`timeseries.csv request_rate")
        );
        assert!(kept.series.is_empty());
    }

    /// A compact service row with a non-finite figure is caught and named as the wide row with the same
    /// figures is, and neither is passed on.
    #[test]
    fn a_service_rows_problem_is_named_as_a_wide_rows() {
        use crate::metrics::service_row::Col;
        let mut row = ServiceRow::new(60_000);
        row.put(Col::CpuUtilization, 50.0);
        row.put(Col::LatencyP99Ms, f64::INFINITY);
        row.put(Col::OldestMessageAgeS, f64::NAN);
        let mut kept = MemorySink::default();
        let mut compact = FiniteSink::new(&mut kept);
        compact.service_row(&row, "web");
        let said = compact.problem.clone();
        let mut wide = FiniteSink::new(&mut kept);
        wide.series(&row.to_named("web"));
        assert_eq!(
            said.as_deref(),
            Some("timeseries.csv latency_p99_ms (web at 60000 ms)")
        );
        assert_eq!(said, wide.problem);
        assert!(kept.series.is_empty());
    }

    #[test]
    fn finite_runs_pass_through() {
        let mut kept = MemorySink::default();
        let r = checked(&mut kept, |s| {
            s.series(&SeriesRow {
                request_rate: Some(1.0),
                ..SeriesRow::default()
            });
            Summary::default()
        });
        assert!(r.is_ok());
        assert_eq!(kept.series.len(), 1);
    }
}
