//! What a run will write and hold in memory, estimated from the scenario before anything is simulated
//! (issue #18): a 400-day fleet wrote 8.4 GB of CSV and its report passed 8 GiB of memory without a word
//! beforehand. Above [`WRITE_LIMIT_BYTES`] written or [`HOLD_LIMIT_BYTES`] held the command line refuses
//! (exit 2) with the estimate and the `[output]` setting that reduces it, unless `--force`.
//!
//! `timeseries.csv` is known in advance: one row per metric period (every `timeseries_interval`) for each
//! service, the cluster and each capacity provider. `tasks.csv` and `events.csv` depend on what happens;
//! they count here at their floor (one row per task the services start with), so the estimate is a lower
//! bound of what is written (so is a fleet's `scaling.csv`, a row only where a service scaled). Each
//! detail level ([`super::detail`]) is estimated by what it writes, a fleet's service rows at the
//! interval [`super::detail::sized_service_interval`] chooses.

use super::detail::{Applied, FLEET_ROWS, Plan};
use crate::spec::Spec;

/// Most bytes a run may write without `--force` (1 GB).
pub const WRITE_LIMIT_BYTES: u64 = 1_000_000_000;
/// Most bytes a run's outputs may hold in memory without `--force` (4 GiB).
pub const HOLD_LIMIT_BYTES: u64 = 4 << 30;
/// Mean bytes of a `timeseries.csv` row (measured: 83 in the quickstart, 110 in nasa-web-ec2, 128 with
/// the CPU-credit columns of burstable-credits).
pub const SERIES_ROW_BYTES: u64 = 110;
/// Mean bytes of a `tasks.csv` row (quickstart: 3,195 bytes for 22 tasks).
pub const TASK_ROW_BYTES: u64 = 140;
/// Memory the report and charts hold per `timeseries.csv` row: the time and 25 figures as `f64`
/// (`charts::COLS` without the queue columns).
pub const HELD_ROW_BYTES: u64 = 26 * 8;

/// The estimate of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    /// Rows of `timeseries.csv`.
    pub series_rows: u64,
    /// Its bytes.
    pub series_bytes: u64,
    /// `tasks.csv`'s floor: one row per task the services and RunTask calls start with.
    pub tasks_bytes: u64,
    /// What the report and charts hold while they read `timeseries.csv` back.
    pub held_bytes: u64,
}

/// Metric periods written: ticks at 0, P, 2P, … up to the duration, every `timeseries_every`-th.
fn ticks(spec: &Spec) -> u64 {
    let periods = spec.duration_ms / spec.metric_period_ms.max(1);
    periods / spec.output.timeseries_every.max(1) + 1
}

/// Rows per written tick: each service, the cluster, each capacity provider of the scenario.
fn rows_per_tick(spec: &Spec) -> u64 {
    let providers = spec
        .providers
        .iter()
        .filter(|p| p.name != "FARGATE" && p.name != "FARGATE_SPOT")
        .count();
    (spec.services.len() + 1 + providers) as u64
}

/// `timeseries.csv`'s rows under the spec's detail level ([`Plan::of`]): every row (`full`, and `auto`
/// for small scenarios); none (`summary`); for a fleet, the cluster's, the providers' and the four fleet
/// rows every written tick and a service's row every `service_rows_every` ticks (the one at 0 s its own).
fn series_rows(spec: &Spec, plan: &Plan) -> u64 {
    let ticks = ticks(spec);
    match plan.applied {
        Applied::Full => ticks.saturating_mul(rows_per_tick(spec)),
        Applied::Summary => 0,
        Applied::Fleet => {
            let fixed = rows_per_tick(spec) - spec.services.len() as u64 + FLEET_ROWS.len() as u64;
            let service_ticks = (ticks - 1).div_ceil(plan.service_rows_every.max(1)) + 1;
            ticks
                .saturating_mul(fixed)
                .saturating_add(service_ticks.saturating_mul(spec.services.len() as u64))
        }
    }
}

/// The estimate of a run of `spec` (at its `[output] detail`).
pub fn of(spec: &Spec) -> Estimate {
    of_plan(spec, &Plan::of(spec))
}

/// The estimate of a run of `spec` written under `plan`.
pub fn of_plan(spec: &Spec, plan: &Plan) -> Estimate {
    let series_rows = series_rows(spec, plan);
    let tasks: u64 = spec
        .services
        .iter()
        .map(|s| u64::from(s.desired_count))
        .sum::<u64>()
        + spec
            .run_tasks
            .iter()
            .map(|r| u64::from(r.count))
            .sum::<u64>();
    Estimate {
        series_rows,
        series_bytes: series_rows.saturating_mul(SERIES_ROW_BYTES),
        tasks_bytes: if spec.output.tasks_csv && plan.tasks_file() {
            tasks.saturating_mul(TASK_ROW_BYTES)
        } else {
            0
        },
        held_bytes: series_rows.saturating_mul(HELD_ROW_BYTES),
    }
}

impl Estimate {
    /// Bytes written (at least).
    pub fn written(&self) -> u64 {
        self.series_bytes.saturating_add(self.tasks_bytes)
    }

    /// `Err` with the refusal when `copies` such runs (a comparison writes four) pass a limit.
    pub fn check(&self, spec: &Spec, copies: u64) -> Result<(), TooLarge> {
        let written = self.written().saturating_mul(copies);
        if written <= WRITE_LIMIT_BYTES && self.held_bytes <= HOLD_LIMIT_BYTES {
            return Ok(());
        }
        // The interval that brings timeseries.csv to a quarter of the write limit, in whole periods.
        let p = spec.metric_period_ms.max(1);
        let every = spec.output.timeseries_every.max(1);
        let target = WRITE_LIMIT_BYTES / 4 / copies.max(1);
        let factor = self.series_bytes.div_ceil(target.max(1)).max(2);
        let interval_ms = nice_interval(p * every * factor, p);
        Err(TooLarge {
            written_bytes: written,
            estimate: *self,
            copies,
            suggested_interval_ms: interval_ms,
            interval_ms: p * every,
            tasks_csv: spec.output.tasks_csv && Plan::of(spec).tasks_file(),
        })
    }
}

/// A run refused before it starts: what it would write and hold, and the setting that brings it
/// within the limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLarge {
    /// Bytes all `copies` would write.
    pub written_bytes: u64,
    /// One run's estimate.
    pub estimate: Estimate,
    /// How many such runs (a comparison writes four, a sweep with --keep-runs all of them).
    pub copies: u64,
    /// The `[output] timeseries_interval` that helps.
    pub suggested_interval_ms: u64,
    /// The interval now.
    pub interval_ms: u64,
    /// Whether tasks.csv is written at this detail level (then `tasks_csv = false` helps too).
    pub tasks_csv: bool,
}

impl std::error::Error for TooLarge {}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let e = &self.estimate;
        let copies = self.copies;
        write!(
            f,
            "this run would write at least {} (timeseries.csv: {} rows of about {SERIES_ROW_BYTES} bytes{}{}) and \
             its report would hold about {} in memory; the limits are {} written and {} held. \
             Write fewer rows with [output] timeseries_interval = \"{}\" (now every {}){}, or run a shorter \
             duration or a longer metric_period; or pass --force to run it anyway",
            bytes(self.written_bytes),
            thousands(e.series_rows),
            if copies > 1 {
                format!(", × {copies} runs")
            } else {
                String::new()
            },
            if e.tasks_bytes > 0 {
                format!("; tasks.csv at least {}", bytes(e.tasks_bytes))
            } else {
                String::new()
            },
            gib(e.held_bytes),
            bytes(WRITE_LIMIT_BYTES),
            gib(HOLD_LIMIT_BYTES),
            crate::numfmt::fmt_duration(self.suggested_interval_ms),
            crate::numfmt::fmt_duration(self.interval_ms),
            if self.tasks_csv {
                " and tasks_csv = false, or detail = \"summary\" for summary.json only"
            } else {
                ""
            }
        )
    }
}

/// At least `ms`, a whole number of periods `p`, rounded up to a minute, an hour or a day when larger.
fn nice_interval(ms: u64, p: u64) -> u64 {
    let unit = [86_400_000, 3_600_000, 60_000, 1_000]
        .into_iter()
        .find(|&u| ms >= u && u % p == 0)
        .unwrap_or(p);
    ms.div_ceil(unit) * unit
}

pub(crate) fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes written, in decimal units.
pub(crate) fn bytes(n: u64) -> String {
    match n {
        n if n >= 1_000_000_000 => format!("{:.1} GB", n as f64 / 1e9),
        n if n >= 1_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        n if n >= 1_000 => format!("{:.1} kB", n as f64 / 1e3),
        n => format!("{n} bytes"),
    }
}

/// Memory, in GiB.
fn gib(n: u64) -> String {
    let g = n as f64 / (1u64 << 30) as f64;
    if g.fract() == 0.0 {
        format!("{g:.0} GiB")
    } else {
        format!("{g:.1} GiB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(extra: &str) -> Spec {
        crate::scenario::load_str(
            &format!(
                "name = \"big\"\nduration = \"400d\"\n{extra}\n[cluster]\navailability_zones = [\"a\"]\n\
                 [[capacity_providers]]\nname = \"cp\"\ninstance_type = \"m5.large\"\nmax_size = 2\ndesired_size = 2\n\
                 [[task_definitions]]\nfamily = \"w\"\ncpu = 256\nmemory = 512\n\
                 [[services]]\nname = \"a\"\ntask_definition = \"w\"\ndesired_count = 3\n\
                 [[services]]\nname = \"b\"\ntask_definition = \"w\"\ndesired_count = 2\n"
            ),
            "big.toml",
            std::path::Path::new("."),
        )
        .unwrap_or_else(|d| panic!("{d}"))
    }

    #[test]
    fn a_400_day_run_at_one_second_is_refused_with_the_setting_that_helps() {
        // 400 d = 34,560,000 s: 34,560,001 ticks × (2 services + cluster + 1 provider) = 138,240,004 rows;
        // × 110 bytes = 15,206,400,440 bytes; tasks: 5 × 140 = 700 bytes; held: × 208 = 28.75 GB.
        let s = spec("metric_period = \"1s\"");
        let e = of(&s);
        assert_eq!(e.series_rows, 138_240_004);
        assert_eq!(e.written(), 15_206_400_440 + 700);
        assert_eq!(e.held_bytes, 138_240_004 * 208);
        let msg = e.check(&s, 1).unwrap_err().to_string();
        assert!(msg.contains("at least 15.2 GB"), "{msg}");
        assert!(msg.contains("138,240,004 rows"), "{msg}");
        // 138,240,004 × 208 = 28,753,920,832 bytes = 26.8 GiB.
        assert!(msg.contains("hold about 26.8 GiB"), "{msg}");
        assert!(
            msg.contains("limits are 1.0 GB written and 4 GiB held"),
            "{msg}"
        );
        // A quarter of 1 GB is 250 MB: 15.2 GB / 250 MB → a factor of 61, 61 s → rounded up to 2 minutes.
        assert!(
            msg.contains("timeseries_interval = \"2m\" (now every 1s)"),
            "{msg}"
        );
        // With rows every hour: 9,601 ticks × 4 = 38,404 rows: 4.2 MB, well inside.
        let s = spec("metric_period = \"1s\"\n[output]\ntimeseries_interval = \"1h\"");
        let e = of(&s);
        assert_eq!(e.series_rows, 38_404);
        assert!(e.check(&s, 1).is_ok());
    }

    /// A spec of `n` services (the two of [`spec`] and more like them).
    fn fleet(n: usize, extra: &str) -> Spec {
        let mut extra = extra.to_string();
        for i in 2..n {
            extra.push_str(&format!(
                "\n[[services]]\nname = \"s{i}\"\ntask_definition = \"w\"\ndesired_count = 1"
            ));
        }
        crate::scenario::load_str(
            &format!(
                "name = \"big\"\nduration = \"400d\"\n[cluster]\navailability_zones = [\"a\"]\n\
                 [[capacity_providers]]\nname = \"cp\"\ninstance_type = \"m5.large\"\nmax_size = 2\ndesired_size = 2\n\
                 [[task_definitions]]\nfamily = \"w\"\ncpu = 256\nmemory = 512\n\
                 [[services]]\nname = \"a\"\ntask_definition = \"w\"\ndesired_count = 3\n\
                 [[services]]\nname = \"b\"\ntask_definition = \"w\"\ndesired_count = 2\n{extra}\n"
            ),
            "big.toml",
            std::path::Path::new("."),
        )
        .unwrap_or_else(|d| panic!("{d}"))
    }

    #[test]
    fn each_detail_level_is_estimated_by_what_it_writes() {
        // 21 services over 400 days of 1-minute periods: 576,001 ticks.
        // full: × (21 services + cluster + 1 provider) = 13,248,023 rows × 110 = 1.46 GB: refused.
        let mut s = fleet(21, "");
        s.output.detail = crate::spec::Detail::Full;
        let e = of(&s);
        assert_eq!(e.series_rows, 13_248_023);
        let msg = e.check(&s, 1).unwrap_err().to_string();
        assert!(msg.contains("detail = \"summary\""), "{msg}");
        // auto past 20 services: every tick the cluster, the provider and 4 fleet rows = 3,456,006;
        // service rows every 15 ticks: ⌈576,000 / 15⌉ + 1 = 38,401 × 21 = 806,421; together 4,262,427
        // rows, 469 MB: allowed; no tasks.csv.
        s.output.detail = crate::spec::Detail::Auto;
        let e = of(&s);
        assert_eq!(e.series_rows, 4_262_427);
        assert_eq!(e.tasks_bytes, 0);
        assert!(e.check(&s, 1).is_ok());
        // summary: nothing but summary.json.
        s.output.detail = crate::spec::Detail::Summary;
        assert_eq!(of(&s).written(), 0);
        // 20 services: auto is full (576,001 × 22 rows).
        let s = fleet(20, "");
        assert_eq!(of(&s).series_rows, 576_001 * 22);
    }

    #[test]
    fn a_large_fleets_service_rows_follow_the_sized_interval() {
        // Issue #9's large shape: 2,000 services, 30 days of hourly rows (timeseries_interval = "1h").
        // 721 ticks × (cluster + provider + 4 fleet rows) = 4,326 rows; service rows every 2 hours (1 hour
        // would be 2,000 × 721 = 1,442,000 > 1,000,000): 361 × 2,000 = 722,000; 726,326 rows × 110 bytes
        // = 79,895,860 bytes.
        let mut s = fleet(2_000, "");
        s.duration_ms = 30 * 86_400_000;
        s.output.timeseries_every = 60;
        let plan = Plan::of(&s);
        assert_eq!(plan.service_interval_ms, 7_200_000);
        let e = of(&s);
        assert_eq!(e.series_rows, 726_326);
        assert_eq!(e.written(), 79_895_860); // no tasks.csv in a fleet's outputs
        // With the interval set to 1 hour: 4,326 + 1,442,000 rows.
        s.output.service_interval_ms = Some(3_600_000);
        assert_eq!(of(&s).series_rows, 1_446_326);
    }

    #[test]
    fn the_examples_pass() {
        // 400 days at the default 1-minute period: 576,001 × 4 = 2,304,004 rows, 253 MB: allowed alone,
        // refused as a four-way comparison (1.01 GB).
        let s = spec("");
        let e = of(&s);
        assert_eq!(e.series_rows, 2_304_004);
        assert!(e.check(&s, 1).is_ok());
        assert!(e.check(&s, 4).is_err());
    }
}
