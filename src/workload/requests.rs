//! Per-request arrival logs (one row per request), streamed.
//!
//! Arrival times are `(r - time_shift_s) * scale_time`, where `r` is seconds
//! since the first request in the file. As in [`super::rate`], a positive
//! shift starts the simulation further into the log: requests with
//! `r < time_shift_s` are skipped. A negative shift delays every arrival.

use super::error::{CsvSource, Stamp, TimeFormat, TraceError, detect_time_format, parse_time};
use std::path::PathBuf;

/// How to read a request log.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestLogConfig {
    /// The delimited file (gzip when the name ends in `.gz`).
    pub path: PathBuf,
    /// Name of the time column.
    pub time_column: String,
    /// Format of the time column; `None` detects it from the first row.
    pub time_format: Option<TimeFormat>,
    /// Field delimiter, e.g. `b','` or `b'\t'`.
    pub delimiter: u8,
    /// Trace offset of simulation time 0, in trace seconds (see module docs).
    pub time_shift_s: f64,
    /// Multiplier on inter-arrival times: 1.0 as logged, 0.5 twice as fast.
    pub scale_time: f64,
    /// Numeric columns to carry with each request (e.g. `ContextTokens`).
    pub extra_columns: Vec<String>,
}

impl RequestLogConfig {
    /// Defaults: detected time format, comma, no shift, scale 1, no extras.
    pub fn new(path: impl Into<PathBuf>, time_column: &str) -> Self {
        RequestLogConfig {
            path: path.into(),
            time_column: time_column.to_string(),
            time_format: None,
            delimiter: b',',
            time_shift_s: 0.0,
            scale_time: 1.0,
            extra_columns: Vec::new(),
        }
    }
}

/// A streamed request log.
pub struct RequestLog {
    cfg: RequestLogConfig,
    src: CsvSource,
    t_idx: usize,
    extra_idx: Vec<usize>,
    fmt: Option<TimeFormat>,
    first: Option<Stamp>,
    last: Option<(Stamp, String)>,
    peeked: Option<(f64, Vec<f64>)>,
    period_start: f64,
    done: bool,
}

impl RequestLog {
    /// Opens the file and checks that the columns exist.
    pub fn open(cfg: RequestLogConfig) -> Result<Self, TraceError> {
        let src = CsvSource::open(&cfg.path, cfg.delimiter)?;
        if !(cfg.scale_time.is_finite() && cfg.scale_time > 0.0 && cfg.time_shift_s.is_finite()) {
            return Err(TraceError::new(
                src.file(),
                0,
                None,
                format!(
                    "scale_time must be positive and time_shift_s finite, got {} and {}",
                    cfg.scale_time, cfg.time_shift_s
                ),
            ));
        }
        let t_idx = src.column(&cfg.time_column)?;
        let extra_idx = cfg
            .extra_columns
            .iter()
            .map(|c| src.column(c))
            .collect::<Result<_, _>>()?;
        Ok(RequestLog {
            fmt: cfg.time_format,
            cfg,
            src,
            t_idx,
            extra_idx,
            first: None,
            last: None,
            peeked: None,
            period_start: 0.0,
            done: false,
        })
    }

    /// Epoch (or raw) seconds of the first request, once it has been read.
    pub fn first_time_s(&self) -> Option<f64> {
        self.first.map(Stamp::as_f64)
    }

    /// The next request: arrival time in simulation seconds (see the module
    /// docs) and the values of `extra_columns`; `None` at the end.
    pub fn next_request(&mut self) -> Result<Option<(f64, Vec<f64>)>, TraceError> {
        if let Some(p) = self.peeked.take() {
            return Ok(Some(p));
        }
        while !self.done {
            if !self.src.advance()? {
                self.done = true;
                break;
            }
            let txt = self.src.field(self.t_idx)?;
            let fmt = match self.fmt {
                Some(f) => f,
                None => detect_time_format(txt).map_err(|m| self.src.error(self.t_idx, m))?,
            };
            self.fmt = Some(fmt);
            let t = parse_time(txt, fmt).map_err(|m| self.src.error(self.t_idx, m))?;
            if let Some((prev, ptxt)) = &self.last
                && t < *prev
            {
                return Err(self.src.error(
                    self.t_idx,
                    format!("time goes backwards: {txt} after {ptxt}"),
                ));
            }
            self.last = Some((t, txt.to_string()));
            let first = *self.first.get_or_insert(t);
            let r = t.since(first) - self.cfg.time_shift_s;
            if r < 0.0 {
                continue;
            }
            let extras = self
                .extra_idx
                .iter()
                .map(|&i| self.src.number(i))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Some((r * self.cfg.scale_time, extras)));
        }
        Ok(None)
    }

    /// Number of arrivals in the next period of `period_s` seconds; periods
    /// are consecutive from time 0. `None` once the log is exhausted.
    pub fn next_period_count(&mut self, period_s: f64) -> Result<Option<u64>, TraceError> {
        if !(period_s.is_finite() && period_s > 0.0) {
            return Err(TraceError::new(
                self.src.file(),
                0,
                None,
                format!("period must be positive, got {period_s}"),
            ));
        }
        let end = self.period_start + period_s;
        let mut count = 0;
        let mut any = false;
        while let Some(req) = self.next_request()? {
            any = true;
            if req.0 >= end {
                self.peeked = Some(req);
                break;
            }
            count += 1;
        }
        if !any {
            return Ok(None);
        }
        self.period_start = end;
        Ok(Some(count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn sample(name: &str, body: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ecsim-req-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p
    }

    const AZURE_LIKE: &str = "TIMESTAMP,ContextTokens,GeneratedTokens\n\
        2023-11-16 18:17:03.9799600,4808,10\n\
        2023-11-16 18:17:04.0319600,3180,8\n\
        2023-11-16 18:17:30.5000000,100,1\n\
        2023-11-16 18:19:10.0000000,200,2\n";

    #[test]
    fn inline_requests_and_extras() {
        let p = sample("azure.csv", AZURE_LIKE);
        let mut cfg = RequestLogConfig::new(&p, "TIMESTAMP");
        cfg.extra_columns = vec!["ContextTokens".into(), "GeneratedTokens".into()];
        let mut log = RequestLog::open(cfg.clone()).unwrap();
        let (t, x) = log.next_request().unwrap().unwrap();
        assert_eq!((t, x), (0.0, vec![4808.0, 10.0]));
        assert!((log.first_time_s().unwrap() - 1_700_158_623.979_96).abs() < 1e-6);
        let (t, _) = log.next_request().unwrap().unwrap();
        assert!((t - 0.052).abs() < 1e-9, "{t}");
        assert!((log.next_request().unwrap().unwrap().0 - 26.52004).abs() < 1e-9);
        assert!((log.next_request().unwrap().unwrap().0 - 126.02004).abs() < 1e-9);
        assert!(log.next_request().unwrap().is_none());
        assert!(log.next_request().unwrap().is_none());

        // shift 10 s into the log, twice as fast
        cfg.time_shift_s = 10.0;
        cfg.scale_time = 0.5;
        let mut log = RequestLog::open(cfg.clone()).unwrap();
        assert!((log.next_request().unwrap().unwrap().0 - 8.26002).abs() < 1e-9);

        // per-minute counts, an empty minute in the middle
        cfg.time_shift_s = 0.0;
        cfg.scale_time = 1.0;
        let mut log = RequestLog::open(cfg.clone()).unwrap();
        let counts: Vec<u64> =
            std::iter::from_fn(|| log.next_period_count(60.0).unwrap()).collect();
        assert_eq!(counts, vec![3, 0, 1]);
        // negative shift: everything 40 s later
        cfg.time_shift_s = -40.0;
        let mut log = RequestLog::open(cfg).unwrap();
        let counts: Vec<u64> =
            std::iter::from_fn(|| log.next_period_count(60.0).unwrap()).collect();
        assert_eq!(counts, vec![2, 1, 1]);
    }

    #[test]
    fn errors() {
        let p = sample("back.tsv", "time\tx\n100\t1\n180\t2\n120\t3\n");
        let mut cfg = RequestLogConfig::new(&p, "time");
        cfg.delimiter = b'\t';
        let mut log = RequestLog::open(cfg.clone()).unwrap();
        log.next_request().unwrap();
        log.next_request().unwrap();
        let e = log.next_request().unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (4, Some("time")));
        assert_eq!(e.message, "time goes backwards: 120 after 180");

        cfg.extra_columns = vec!["y".into()];
        let e = RequestLog::open(cfg.clone()).err().unwrap();
        assert_eq!(
            e.message,
            "missing column `y`: the header row has 2 columns, none called that"
        );

        let p = sample("badx.csv", "time,x\n1,2\n2,zz\n");
        let mut cfg = RequestLogConfig::new(&p, "time");
        cfg.extra_columns = vec!["x".into()];
        let mut log = RequestLog::open(cfg).unwrap();
        log.next_request().unwrap();
        let e = log.next_request().unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}:3: column `x`: expected a number, found 2 characters of other text (not shown)",
                p.display()
            )
        );

        let p = sample("badt.csv", "time\n1995-07-01T00:00:00Z\n1995-07-01 nope\n");
        let mut log = RequestLog::open(RequestLogConfig::new(&p, "time")).unwrap();
        log.next_request().unwrap();
        assert_eq!(log.next_request().unwrap_err().line, 3);
    }

    const AZURE_CODE: &str =
        "/work/shared/traces/azure-llm-inference-2023/AzureLLMInferenceTrace_code.csv";
    const NASA_TSV: &str = "/work/shared/traces/nasa-http-1995/nasa_19950801.tsv";

    #[test]
    fn azure_code_trace() {
        if !Path::new(AZURE_CODE).exists() {
            return;
        }
        let mut cfg = RequestLogConfig::new(AZURE_CODE, "TIMESTAMP");
        cfg.extra_columns = vec!["ContextTokens".into()];
        let mut log = RequestLog::open(cfg.clone()).unwrap();
        let mut n = 0;
        let mut last = 0.0;
        while let Some((t, x)) = log.next_request().unwrap() {
            assert!(t >= last && x[0] >= 0.0);
            last = t;
            n += 1;
        }
        assert_eq!(n, 8819);
        assert!(last > 56.0 * 60.0 && last < 58.0 * 60.0, "{last}");

        // SOURCES.md's per-minute counts are per wall-clock minute: align
        // period 0 to 18:17:00 with a negative shift of the first request's
        // seconds within its minute (03.97996 s).
        let mut log = RequestLog::open(cfg.clone()).unwrap();
        log.next_request().unwrap();
        let within_minute = log.first_time_s().unwrap().rem_euclid(60.0);
        assert!((within_minute - 3.97996).abs() < 1e-5);
        cfg.time_shift_s = -within_minute;
        let mut log = RequestLog::open(cfg).unwrap();
        let counts: Vec<u64> =
            std::iter::from_fn(|| log.next_period_count(60.0).unwrap()).collect();
        assert_eq!(counts.iter().sum::<u64>(), 8819);
        let busy: Vec<u64> = counts.iter().copied().filter(|&c| c > 0).collect();
        assert_eq!(*busy.iter().min().unwrap(), 1);
        assert_eq!(*busy.iter().max().unwrap(), 585);
        assert_eq!(counts.len(), 58); // 18:17 .. 19:14
    }

    #[test]
    fn nasa_per_request_tsv() {
        if !Path::new(NASA_TSV).exists() {
            return;
        }
        let mut cfg = RequestLogConfig::new(NASA_TSV, "time");
        cfg.delimiter = b'\t';
        cfg.extra_columns = vec!["bytes".into()];
        let mut log = RequestLog::open(cfg).unwrap();
        let mut n = 0u64;
        let mut last = 0.0;
        while let Some((t, _)) = log.next_request().unwrap() {
            last = t;
            n += 1;
        }
        assert_eq!(n, 30_969);
        assert_eq!(log.first_time_s(), Some(807_256_800.0));
        assert_eq!(last, 12.0 * 3600.0 + 52.0 * 60.0 + 1.0);
    }
}
