//! Resolving traffic (`load`), `[traffic]`, `[[batch_jobs]]` and `[[scheduled_tasks]]`. Trace files are
//! read through once here, so a bad row is reported before the run starts, with its file and line.

use super::schema::*;
use super::{Ctx, Item, string_key};
use crate::engine::{MS_PER_S, SimTime};
use crate::scenario::Diagnostic;
use crate::spec::*;
use crate::workload::error::{TimeFormat, TraceError};
use crate::workload::{jobs, rate, requests, schedule, synthetic};

/// " (N rows skipped …)" when a job file's reader skipped rows.
fn skipped_note((n, line): (u64, usize)) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(
            "; {n} rows skipped (run time or processors ≤ 0, or no times), the first at line {line}"
        )
    }
}

fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

impl<'s> Ctx<'s> {
    /// An error reading a file the scenario names at `path` (its `file =` key) inside `item`: a problem with
    /// the file as a whole (it cannot be opened, a setting does not suit it) is reported at that key with
    /// the path; a problem in a row names the file's own line and the scenario line that named the file.
    fn file_error(&mut self, e: TraceError, (item, prefix): (&Item, &str), path: &str, what: &str) {
        if e.line == 0 {
            let msg = format!("{what} \"{}\": {}", e.file, e.message);
            self.at(item, prefix, path, msg);
            return;
        }
        let (line, _) = self.lines.locate(super::span_of(item, path).start);
        let field = e.column.clone().unwrap_or_default();
        self.diags.push(Diagnostic {
            file: e.file.clone(),
            line: e.line,
            column: 0,
            field,
            message: format!(
                "{} (file named by `{prefix}.{path}` at {}:{line})",
                e.message, self.file
            ),
        });
    }

    fn time_format(
        &mut self,
        v: &Option<String>,
        item: &Item,
        prefix: &str,
        path: &str,
    ) -> Option<TimeFormat> {
        match v.as_deref() {
            None => None,
            Some("seconds") => Some(TimeFormat::Seconds),
            Some("iso8601") => Some(TimeFormat::Iso8601),
            Some(o) => {
                self.at(
                    item,
                    prefix,
                    path,
                    format!("unknown time_format \"{o}\"; allowed: \"seconds\", \"iso8601\""),
                );
                None
            }
        }
    }

    fn delimiter(&mut self, v: &Option<String>, item: &Item, prefix: &str, path: &str) -> u8 {
        match v.as_deref() {
            None => b',',
            Some("\\t") | Some("\t") | Some("tab") => b'\t',
            Some(d) if d.len() == 1 => d.as_bytes()[0],
            Some(_) => {
                self.at(
                    item,
                    prefix,
                    path,
                    "delimiter is one character (\",\", \";\", \"\\t\")",
                );
                b','
            }
        }
    }

    /// `noise` / `service_time` forms: a word, or `{ lognormal = σ }`.
    fn word_or_lognormal(
        &mut self,
        v: &Option<toml::Value>,
        words: &[&str],
        item: &Item,
        prefix: &str,
        path: &str,
    ) -> Option<Result<String, f64>> {
        match v {
            None => None,
            Some(toml::Value::String(w)) if words.contains(&w.as_str()) => Some(Ok(w.clone())),
            Some(toml::Value::Table(t)) if t.len() == 1 && t.contains_key("lognormal") => {
                match t["lognormal"]
                    .as_float()
                    .or(t["lognormal"].as_integer().map(|i| i as f64))
                {
                    Some(s) if (0.0..=5.0).contains(&s) => Some(Err(s)),
                    _ => {
                        self.at(
                            item,
                            prefix,
                            path,
                            "lognormal takes σ between 0 and 5, e.g. { lognormal = 0.3 }",
                        );
                        None
                    }
                }
            }
            Some(_) => {
                self.at(
                    item,
                    prefix,
                    path,
                    format!(
                        "expected one of \"{}\", or {{ lognormal = σ }}",
                        words.join("\", \"")
                    ),
                );
                None
            }
        }
    }
    /// Read the whole trace once now (streamed), so that a bad row is a load error, not a crash, and the
    /// holes the run reads are known (warned). False when it cannot be read (the error is recorded).
    fn check_trace(
        &mut self,
        cfg: &rate::RateSeriesConfig,
        gaps_given: bool,
        (item, prefix): (&Item, &str),
        key: &str,
        duration_ms: SimTime,
    ) -> bool {
        let end_s = secs(duration_ms);
        let check = rate::RateSeries::open(cfg.clone()).and_then(|mut r| {
            let mut t0 = 0.0;
            while t0 < end_s {
                let t1 = (t0 + 86_400.0).min(end_s);
                r.mean_rate(t0, t1)?;
                t0 = t1;
                if !cfg.loop_ && r.duration_s().is_some_and(|d| t0 > d) {
                    break;
                }
            }
            Ok(r)
        });
        match check {
            Err(e) => {
                let path = format!("{key}.trace.file");
                self.file_error(e, (item, prefix), &path, "trace file");
                false
            }
            Ok(r) => {
                self.trace_gap_warnings(
                    &r,
                    gaps_given,
                    cfg.gaps,
                    end_s,
                    string_key(item, "name").as_deref(),
                    &cfg.path.display().to_string(),
                );
                true
            }
        }
    }

    /// The source of a `load` (`key` "load", `log` "requests") or a `queue` ("queue", "messages"): a
    /// synthetic pattern, a rate trace or a per-row log, exactly one of which is given. Trace files are
    /// read through once here, so a bad row is a load error.
    #[allow(clippy::too_many_arguments)]
    fn rate_source(
        &mut self,
        pattern: &Option<RawPattern>,
        trace: &Option<RawRateTrace>,
        requests: &Option<RawRequestLog>,
        (item, prefix): (&Item, &str),
        (key, log): (&str, &str),
        duration_ms: SimTime,
    ) -> Option<LoadSourceSpec> {
        Some(if let Some(pat) = pattern {
            let pattern = match pat.clone() {
                RawPattern::Constant { rate } => synthetic::Pattern::Constant { rate },
                RawPattern::Diurnal {
                    mean,
                    peak_to_trough,
                    peak_hour,
                    weekly_factor,
                } => synthetic::Pattern::Diurnal {
                    mean,
                    peak_to_trough,
                    peak_hour,
                    weekly_factor,
                },
                RawPattern::Steps { steps } => synthetic::Pattern::Steps {
                    steps: steps.into_iter().map(|(t, r)| (secs(t.0), r)).collect(),
                },
                RawPattern::Spike {
                    base,
                    peak,
                    at,
                    duration,
                } => synthetic::Pattern::Spike {
                    base,
                    peak,
                    at_s: secs(at.0),
                    duration_s: secs(duration.0),
                },
                RawPattern::Ramp {
                    from,
                    to,
                    start,
                    end,
                } => synthetic::Pattern::Ramp {
                    from,
                    to,
                    start_s: secs(start.0),
                    end_s: secs(end.0),
                },
            };
            if let Err(e) = pattern.validate() {
                self.at(item, prefix, &format!("{key}.pattern"), e.to_string());
                return None;
            }
            LoadSourceSpec::Pattern(pattern)
        } else if let Some(t) = trace {
            let path = self.base_dir.join(&t.file);
            let mut cfg = rate::RateSeriesConfig::new(path, &t.time_column, &t.value_column);
            cfg.time_format = self.time_format(
                &t.time_format,
                item,
                prefix,
                &format!("{key}.trace.time_format"),
            );
            cfg.value_kind = match t.value.as_deref() {
                None | Some("rate") => rate::ValueKind::RatePerSecond,
                Some("count") => rate::ValueKind::CountPerRow,
                Some(o) => {
                    self.at(item, prefix, &format!("{key}.trace.value"), format!("unknown value kind \"{o}\"; allowed: \"rate\" (per second), \"count\" (per row)"));
                    rate::ValueKind::RatePerSecond
                }
            };
            cfg.row_interval_s = t.row_interval.map(|d| secs(d.0));
            if t.row_interval.is_some_and(|d| d.0 == 0) {
                let path = format!("{key}.trace.row_interval");
                self.at(
                    item,
                    prefix,
                    &path,
                    "row_interval must be greater than 0, e.g. \"60s\"",
                );
                return None;
            }
            cfg.scale = t.scale.unwrap_or(1.0);
            if !(cfg.scale >= 0.0 && cfg.scale.is_finite()) {
                self.at(
                    item,
                    prefix,
                    &format!("{key}.trace.scale"),
                    "scale must be zero or more",
                );
            }
            cfg.time_shift_s = t.time_shift.map_or(0.0, |d| secs(d.0));
            cfg.loop_ = t.loop_;
            cfg.window = match &t.window {
                None => None,
                Some(w) if w.len() == 2 && w[0].0 < w[1].0 => Some((secs(w[0].0), secs(w[1].0))),
                Some(_) => {
                    self.at(
                        item,
                        prefix,
                        &format!("{key}.trace.window"),
                        "window is [start, end] with start < end, e.g. [\"0s\", \"7d\"]",
                    );
                    None
                }
            };
            cfg.interpolation = match t.interpolation.as_deref() {
                None | Some("linear") => rate::Interpolation::Linear,
                Some("step") => rate::Interpolation::Step,
                Some(o) => {
                    self.at(
                        item,
                        prefix,
                        &format!("{key}.trace.interpolation"),
                        format!("unknown interpolation \"{o}\"; allowed: \"linear\", \"step\""),
                    );
                    rate::Interpolation::Linear
                }
            };
            cfg.delimiter = self.delimiter(
                &t.delimiter,
                item,
                prefix,
                &format!("{key}.trace.delimiter"),
            );
            cfg.gaps = match t.gaps.as_deref() {
                None | Some("interpolate") => rate::GapFill::Interpolate,
                Some("zero") => rate::GapFill::Zero,
                Some("hold") => rate::GapFill::Hold,
                Some("error") => rate::GapFill::Error,
                Some(o) => {
                    self.at(
                        item,
                        prefix,
                        &format!("{key}.trace.gaps"),
                        format!("unknown gaps \"{o}\"; allowed: \"interpolate\", \"zero\", \"hold\", \"error\""),
                    );
                    rate::GapFill::Interpolate
                }
            };
            if !self.check_trace(&cfg, t.gaps.is_some(), (item, prefix), key, duration_ms) {
                return None;
            }
            LoadSourceSpec::Rate(cfg)
        } else {
            let r = requests.as_ref().expect("one source");
            let path = self.base_dir.join(&r.file);
            let mut cfg = requests::RequestLogConfig::new(path, &r.time_column);
            cfg.time_format = self.time_format(
                &r.time_format,
                item,
                prefix,
                &format!("{key}.{log}.time_format"),
            );
            cfg.delimiter = self.delimiter(
                &r.delimiter,
                item,
                prefix,
                &format!("{key}.{log}.delimiter"),
            );
            cfg.time_shift_s = r.time_shift.map_or(0.0, |d| secs(d.0));
            cfg.scale_time = r.time_scale.unwrap_or(1.0);
            if !(cfg.scale_time > 0.0 && cfg.scale_time.is_finite()) {
                self.at(
                    item,
                    prefix,
                    &format!("{key}.{log}.time_scale"),
                    "time_scale must be greater than 0",
                );
            }
            let check = requests::RequestLog::open(cfg.clone()).and_then(|mut l| {
                while l.next_request()?.is_some() {}
                Ok(())
            });
            if let Err(e) = check {
                let path = format!("{key}.{log}.file");
                self.file_error(e, (item, prefix), &path, "request log");
                return None;
            }
            LoadSourceSpec::Requests(cfg)
        })
    }

    pub(super) fn load(
        &mut self,
        raw: &RawLoad,
        item: &Item,
        prefix: &str,
        duration_ms: SimTime,
    ) -> Option<LoadSpec> {
        let p = format!("{prefix}.load");
        let n =
            raw.pattern.is_some() as u8 + raw.trace.is_some() as u8 + raw.requests.is_some() as u8;
        if n != 1 {
            self.at(
                item,
                prefix,
                "load",
                "give exactly one of `pattern`, `trace` or `requests`",
            );
            return None;
        }
        if !(raw.cpu_ms_per_request > 0.0 && raw.cpu_ms_per_request.is_finite()) {
            self.at(
                item,
                prefix,
                "load.cpu_ms_per_request",
                "cpu_ms_per_request must be from 0.001 (1 µs) to 3600000 (1 hour)",
            );
            return None;
        }
        let source = self.rate_source(
            &raw.pattern,
            &raw.trace,
            &raw.requests,
            (item, prefix),
            ("load", "requests"),
            duration_ms,
        )?;
        let noise =
            match self.word_or_lognormal(&raw.noise, &["none", "poisson"], item, &p, "noise") {
                None => synthetic::Noise::None,
                Some(Ok(w)) if w == "poisson" => synthetic::Noise::Poisson,
                Some(Ok(_)) => synthetic::Noise::None,
                Some(Err(sigma)) => synthetic::Noise::LogNormal { sigma },
            };
        let service_time = match self.word_or_lognormal(
            &raw.service_time,
            &["exponential", "constant"],
            item,
            &p,
            "service_time",
        ) {
            None => ServiceTimeShape::Exponential,
            Some(Ok(w)) if w == "constant" => ServiceTimeShape::Constant,
            Some(Ok(_)) => ServiceTimeShape::Exponential,
            Some(Err(s)) => ServiceTimeShape::LogNormal(s),
        };
        if raw.concurrency == Some(0) {
            self.at(
                item,
                prefix,
                "load.concurrency",
                "concurrency must be at least 1",
            );
        }
        let balancer = match raw.balancer.as_deref() {
            None | Some("round_robin") => Balancer::RoundRobin,
            Some("least_outstanding_requests") => Balancer::LeastOutstandingRequests,
            Some(o) => {
                self.at(item, prefix, "load.balancer", format!("unknown balancer \"{o}\"; allowed: \"round_robin\", \"least_outstanding_requests\""));
                Balancer::RoundRobin
            }
        };
        let dereg = raw.deregistration_delay.map_or(300 * MS_PER_S, |d| d.0);
        if dereg > 3600 * MS_PER_S {
            self.at(
                item,
                prefix,
                "load.deregistration_delay",
                "the deregistration delay is 0 to 3600 s (§2.5)",
            );
        }
        let timeout_ms = raw.timeout.map_or(60 * MS_PER_S, |d| d.0);
        if timeout_ms == 0 {
            self.at(
                item,
                prefix,
                "load.timeout",
                "the time-out must be greater than zero",
            );
        }
        for (v, k) in [
            (raw.memory_base_mib, "memory_base_mib"),
            (raw.memory_per_request_mib, "memory_per_request_mib"),
        ] {
            if v.is_some_and(|x| !(x >= 0.0 && x.is_finite())) {
                self.at(
                    item,
                    prefix,
                    &format!("load.{k}"),
                    format!("{k} must be zero or more"),
                );
            }
        }
        let slo = self.slo(raw, item, prefix);
        Some(LoadSpec {
            source,
            noise,
            cpu_ms_per_request: raw.cpu_ms_per_request,
            service_time,
            concurrency: raw.concurrency,
            memory_base_mib: raw.memory_base_mib.unwrap_or(0.0),
            memory_per_request_mib: raw.memory_per_request_mib.unwrap_or(0.0),
            timeout_ms: timeout_ms.max(1),
            slo,
            balancer,
            deregistration_delay_ms: dereg,
        })
    }

    /// `slo = { … }` or the `slo_p99` shorthand (not both); defaults in [`SloSpec`].
    fn slo(&mut self, raw: &RawLoad, item: &Item, prefix: &str) -> Option<SloSpec> {
        let (p99, error_rate, objective) = match (&raw.slo, raw.slo_p99) {
            (None, None) => return None,
            (Some(_), Some(_)) => {
                self.at(
                    item,
                    prefix,
                    "load.slo_p99",
                    "give either slo_p99 (shorthand) or slo = { p99 = … }, not both",
                );
                return None;
            }
            (None, Some(d)) => (Some(d), None, None),
            (Some(s), None) => (s.p99, s.error_rate, s.objective),
        };
        let mut fraction = |v: Option<f64>, key: &str, default: f64, zero_ok: bool| match v {
            None => default,
            Some(x) if x.is_finite() && x <= 1.0 && (x > 0.0 || (zero_ok && x == 0.0)) => x,
            Some(_) => {
                let range = if zero_ok {
                    "0 to 1"
                } else {
                    "above 0, at most 1"
                };
                self.at(
                    item,
                    prefix,
                    &format!("load.slo.{key}"),
                    format!("{key} is a fraction, {range} (e.g. 0.001 for 0.1 %)"),
                );
                default
            }
        };
        let error_rate = fraction(error_rate, "error_rate", SloSpec::DEFAULT_ERROR_RATE, true);
        let objective = fraction(objective, "objective", SloSpec::DEFAULT_OBJECTIVE, false);
        if p99.is_some_and(|d| d.0 == 0) {
            let key = if raw.slo.is_some() {
                "load.slo.p99"
            } else {
                "load.slo_p99"
            };
            self.at(item, prefix, key, "the p99 bound must be greater than zero");
        }
        Some(SloSpec {
            p99_ms: p99.map(|d| d.0 as f64),
            error_rate,
            objective,
        })
    }

    /// `queue = { … }` of a service (§4.5): its message source, and how fast each RUNNING task consumes.
    pub(super) fn queue(
        &mut self,
        raw: &RawQueue,
        item: &Item,
        prefix: &str,
        duration_ms: SimTime,
    ) -> Option<QueueSpec> {
        let p = format!("{prefix}.queue");
        let n =
            raw.pattern.is_some() as u8 + raw.trace.is_some() as u8 + raw.messages.is_some() as u8;
        if n != 1 {
            self.at(
                item,
                prefix,
                "queue",
                "give exactly one of `pattern`, `trace` or `messages` (where the messages come from)",
            );
            return None;
        }
        let concurrency = raw.concurrency.unwrap_or(1);
        if concurrency == 0 {
            self.at(
                item,
                prefix,
                "queue.concurrency",
                "concurrency must be at least 1",
            );
            return None;
        }
        // How fast a task works: a rate, or a time per message (only its mean matters to the fluid model).
        let rate = match (raw.per_task_rate_per_s, &raw.service_time) {
            (Some(_), Some(_)) => {
                self.at(
                    item,
                    prefix,
                    "queue.service_time",
                    "give `per_task_rate_per_s` or `service_time`, not both",
                );
                return None;
            }
            (None, None) => {
                self.at(
                    item,
                    prefix,
                    "queue",
                    "a queue needs its consumers' speed: `per_task_rate_per_s` (messages per second per task) or `service_time` (per message, e.g. \"2s\" or { dist = \"exponential\", mean = \"2s\" })",
                );
                return None;
            }
            (Some(r), None) => {
                if !(r > 0.0 && r.is_finite()) {
                    self.at(
                        item,
                        prefix,
                        "queue.per_task_rate_per_s",
                        "per_task_rate_per_s must be greater than 0",
                    );
                    return None;
                }
                r
            }
            (None, Some(d)) => {
                let mean_s = d.0.mean_ms() / 1000.0;
                if !(mean_s > 0.0 && mean_s.is_finite()) {
                    self.at(
                        item,
                        prefix,
                        "queue.service_time",
                        "service_time must have a mean greater than 0",
                    );
                    return None;
                }
                concurrency as f64 / mean_s
            }
        };
        // SQS: VisibilityTimeout is 0 s to 12 hours.
        let visibility_timeout_ms = raw.visibility_timeout.map_or(30 * MS_PER_S, |d| d.0);
        if visibility_timeout_ms > 43_200 * MS_PER_S {
            self.at(
                item,
                prefix,
                "queue.visibility_timeout",
                "the visibility timeout is 0 s to 12 h (SQS)",
            );
        }
        // Backlog per task at 0 RUNNING tasks (§4.5): the whole backlog, or AWS's m1 / m2 (no value).
        let backlog_no_data_at_zero = match raw.backlog_at_zero_tasks.as_deref() {
            None | Some("whole_backlog") => false,
            Some("no_data") => true,
            Some(o) => {
                self.at(
                    item,
                    prefix,
                    "queue.backlog_at_zero_tasks",
                    format!(
                        "unknown backlog_at_zero_tasks \"{o}\"; allowed: \"whole_backlog\", \"no_data\""
                    ),
                );
                false
            }
        };
        let source = self.rate_source(
            &raw.pattern,
            &raw.trace,
            &raw.messages,
            (item, prefix),
            ("queue", "messages"),
            duration_ms,
        )?;
        let noise =
            match self.word_or_lognormal(&raw.noise, &["none", "poisson"], item, &p, "noise") {
                None => synthetic::Noise::None,
                Some(Ok(w)) if w == "poisson" => synthetic::Noise::Poisson,
                Some(Ok(_)) => synthetic::Noise::None,
                Some(Err(sigma)) => synthetic::Noise::LogNormal { sigma },
            };
        Some(QueueSpec {
            source,
            noise,
            per_task_rate_per_s: rate,
            concurrency,
            visibility_timeout_ms,
            backlog_no_data_at_zero,
        })
    }

    pub(super) fn output(&mut self, v: Option<Item<'s>>, metric_period_ms: u64) -> OutputParams {
        let item = v.clone();
        let r: RawOutput = v.and_then(|v| self.de(&v, "output")).unwrap_or_default();
        let mut out = OutputParams {
            tasks_csv: r.tasks_csv.unwrap_or(true),
            ..OutputParams::default()
        };
        if let (Some(d), Some(it)) = (r.timeseries_interval, &item) {
            if d.0 < metric_period_ms || !d.0.is_multiple_of(metric_period_ms) {
                self.at(
                    it,
                    "output",
                    "timeseries_interval",
                    format!(
                        "timeseries_interval must be a whole multiple of the metric period ({} s), e.g. \"{}s\" or \"1h\"",
                        metric_period_ms / MS_PER_S,
                        metric_period_ms / MS_PER_S
                    ),
                );
            } else {
                out.timeseries_every = d.0 / metric_period_ms;
            }
        }
        self.output_detail(&r, item.as_ref(), metric_period_ms, &mut out);
        out
    }

    pub(super) fn traffic(&mut self, v: Option<Item<'s>>) -> TrafficParams {
        let item = v.clone();
        let r: RawTraffic = v.and_then(|v| self.de(&v, "traffic")).unwrap_or_default();
        let mode = match r.mode.as_deref() {
            None | Some("fluid") => TrafficMode::Fluid,
            Some("requests") => TrafficMode::Requests,
            Some(o) => {
                if let Some(it) = &item {
                    self.at(
                        it,
                        "traffic",
                        "mode",
                        format!("unknown traffic mode \"{o}\"; allowed: \"fluid\", \"requests\""),
                    );
                }
                TrafficMode::Fluid
            }
        };
        TrafficParams {
            mode,
            health_check_interval_ms: r.health_check_interval.map_or(30 * MS_PER_S, |d| d.0),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn batch(
        &mut self,
        r: RawBatch,
        item: &Item,
        prefix: &str,
        defs: &mut Vec<TaskDefSpec>,
        launch: Launch,
        strategies: Vec<Strategy>,
        constraints: Vec<Constraint>,
    ) -> Option<BatchSpec> {
        let path = self.base_dir.join(&r.file);
        let need = |cx: &mut Self, v: &Option<String>, k: &str| -> String {
            match v {
                Some(s) => s.clone(),
                None => {
                    cx.at(
                        item,
                        prefix,
                        "format",
                        format!("the csv format needs `{k}`"),
                    );
                    String::new()
                }
            }
        };
        let format = match r.format.as_str() {
            "csv" => jobs::JobFormat::Csv {
                arrival: need(self, &r.arrival_column, "arrival_column"),
                cpu: need(self, &r.cpu_column, "cpu_column"),
                memory: need(self, &r.memory_column, "memory_column"),
                duration: need(self, &r.duration_column, "duration_column"),
            },
            "swf" => jobs::JobFormat::Swf {
                cpu_units_per_processor: r.cpu_units_per_processor.unwrap_or(1024),
                memory_mib_per_processor_default: r.memory_mib_per_processor.unwrap_or(2048),
            },
            "alibaba" => jobs::JobFormat::AlibabaPodList {
                cpu_only: r.cpu_only.unwrap_or(true),
            },
            o => {
                self.at(
                    item,
                    prefix,
                    "format",
                    format!("unknown job format \"{o}\"; allowed: \"csv\", \"swf\", \"alibaba\""),
                );
                return None;
            }
        };
        let mut skipped = (0, 0);
        let check = jobs::JobReader::open(&path, format.clone()).and_then(|mut j| {
            let mut n = 0u64;
            while j.next_job()?.is_some() {
                n += 1;
            }
            skipped = (j.skipped(), j.first_skipped_line());
            Ok(n)
        });
        match check {
            Err(e) => {
                self.file_error(e, (item, prefix), "file", "job file");
                return None;
            }
            Ok(0) => {
                self.at(item, prefix, "file", format!("job file \"{}\" has no job to run (an empty file is an error, as an empty trace is){}", path.display(), skipped_note(skipped)));
                return None;
            }
            Ok(_) => {}
        }
        if skipped.0 > 0 {
            let mut w = crate::warnings::Warning::new(
                crate::warnings::BATCH_ROWS_SKIPPED,
                None,
                format!(
                    "batch_jobs \"{}\": {} rows of the job file were skipped (run time or processors ≤ 0, no creation/deletion time, or a GPU pod with cpu_only), the first at this line",
                    r.name, skipped.0
                ),
            );
            w.file = Some(path.display().to_string());
            w.line = Some(skipped.1);
            self.warnings.push(w);
        }
        let task_def = match &r.task_definition {
            Some(f) => match defs.iter().position(|d| d.family == *f) {
                Some(i) => TaskDefId(i as u16),
                None => {
                    self.at(
                        item,
                        prefix,
                        "task_definition",
                        format!("unknown task definition \"{f}\""),
                    );
                    return None;
                }
            },
            None => {
                let fargate = matches!(launch, Launch::Fargate);
                defs.push(TaskDefSpec {
                    family: format!("batch-{}", r.name),
                    task_cpu: None,
                    task_memory_mib: None,
                    cpu_units: 0,
                    memory_mib: 0,
                    network_mode: if fargate {
                        NetworkMode::Awsvpc
                    } else {
                        NetworkMode::Bridge
                    },
                    ec2_compatible: true,
                    fargate_compatible: true,
                    arch: None,
                    static_host_ports: Vec::new(),
                    containers: Vec::new(),
                    stop_timeout_ms: 30 * MS_PER_S,
                    constraints: Vec::new(),
                    ephemeral_storage_gib: 20,
                    source: r.file.clone(),
                    image: format!("batch-{}", r.name),
                    image_size_mib: None,
                    lazy_loading: false,
                    health_check: None,
                    start_failure_probability: 0.0,
                });
                TaskDefId((defs.len() - 1) as u16)
            }
        };
        // Each job is a RunTask call: the task definition's constraints apply with the job's (§1.1).
        let mut constraints = constraints;
        constraints.extend(defs[task_def.0 as usize].constraints.iter().cloned());
        self.check_constraint_count(constraints.len(), item, prefix);
        let time_scale = r.time_scale.unwrap_or(1.0);
        if !(time_scale > 0.0 && time_scale.is_finite()) {
            self.at(
                item,
                prefix,
                "time_scale",
                "time_scale must be greater than 0",
            );
        }
        Some(BatchSpec {
            name: r.name,
            path,
            format,
            task_def,
            launch,
            placement_strategy: strategies,
            placement_constraints: constraints,
            max_jobs: r.max_jobs,
            time_scale,
            start_ms: r.start.map_or(0, |d| d.0),
        })
    }

    pub(super) fn schedule(
        &mut self,
        s: &str,
        start_date: &Option<String>,
        item: &Item,
        prefix: &str,
    ) -> Option<(schedule::Schedule, f64)> {
        let sched = match schedule::parse(s) {
            Ok(x) => x,
            Err(e) => {
                self.at(item, prefix, "schedule", format!("invalid schedule \"{s}\": {e}; write rate(5 minutes), cron(0/15 * * * ? *) or at(2024-01-01T08:00:00)"));
                return None;
            }
        };
        let epoch = match start_date {
            None => schedule::DEFAULT_EPOCH_START_S,
            Some(d) => match crate::time::parse_date_utc(d) {
                Some(e) => e,
                None => {
                    self.at(
                        item,
                        prefix,
                        "start_date",
                        "start_date is YYYY-MM-DD or an ISO 8601 time (2024-03-09T13:00:00Z)",
                    );
                    return None;
                }
            },
        };
        Some((sched, epoch))
    }

    /// A schedule's `timezone` (an IANA name; None: UTC). `Err` after reporting a name the time-zone
    /// database does not hold.
    pub(super) fn time_zone(
        &mut self,
        name: &Option<String>,
        item: &Item,
        prefix: &str,
    ) -> Result<Option<schedule::Zone>, ()> {
        match name.as_deref() {
            None => Ok(None),
            Some(n) => match schedule::zone(n) {
                Ok(z) => Ok(Some(z)),
                Err(e) => {
                    let names: Vec<String> = jiff::tz::db()
                        .available()
                        .map(|z| z.as_str().to_string())
                        .collect();
                    let hint = crate::scenario::diag::closest(n, names.iter().map(String::as_str))
                        .map(|c| format!(" (did you mean \"{c}\"?)"))
                        .unwrap_or_default();
                    self.at(item, prefix, "timezone", format!("timezone {e}{hint}"));
                    Err(())
                }
            },
        }
    }
}
