//! Batch jobs (standalone tasks) read from a file, streamed in arrival order.
//!
//! Three formats: a plain CSV with named columns, the Standard Workload
//! Format of the Parallel Workloads Archive, and the Alibaba 2023 "openb" pod
//! list. All three stream: a row whose arrival is earlier than the previous
//! row's is an error ("arrival goes backwards"), not silently reordered. The
//! openb pod list was checked to be sorted by `creation_time` (as its
//! documentation says), so it needs no buffering either.

use super::error::{
    CsvSource, FieldError, TraceError, open_input, parse_number, read_line_bounded,
};
use std::io::BufRead;
use std::path::Path;

/// One job: a standalone task with fixed resources and run time.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Identifier: the SWF job number, else the 0-based data row index.
    pub id: u64,
    /// Arrival time in seconds (see [`JobFormat`] for the origin).
    pub arrival_s: f64,
    /// CPU units (1024 per vCPU).
    pub cpu_units: u32,
    /// Memory in MiB.
    pub memory_mib: u32,
    /// Run time in seconds.
    pub duration_s: f64,
}

/// File format of a job list.
#[derive(Debug, Clone, PartialEq)]
pub enum JobFormat {
    /// CSV with a header; arrival in seconds used as is (already relative),
    /// cpu in CPU units, memory in MiB, duration in seconds; each names a column.
    Csv {
        /// Arrival time column.
        arrival: String,
        /// CPU units column.
        cpu: String,
        /// Memory (MiB) column.
        memory: String,
        /// Duration (s) column.
        duration: String,
    },
    /// Standard Workload Format (gzip if the name ends in `.gz`). Arrival is
    /// relative to the first job kept.
    Swf {
        /// CPU units per processor (e.g. 1024 for one vCPU each).
        cpu_units_per_processor: u32,
        /// MiB per processor when the log has no memory figures.
        memory_mib_per_processor_default: u32,
    },
    /// Alibaba 2023 `openb_pod_list_*.csv`. Arrival is `creation_time`
    /// relative to the first pod kept.
    AlibabaPodList {
        /// Keep only pods with `num_gpu == 0`.
        cpu_only: bool,
    },
}

enum Kind {
    Csv {
        src: CsvSource,
        idx: [usize; 4],
    },
    Swf {
        input: Box<dyn BufRead + Send>,
        buf: String,
        line: usize,
        cpu_per_proc: u32,
        mem_default: u32,
    },
    Alibaba {
        src: CsvSource,
        idx: [usize; 6],
        cpu_only: bool,
    },
}

/// Streams [`Job`]s from a file.
pub struct JobReader {
    file: String,
    kind: Kind,
    row: u64,
    skipped: u64,
    first_skipped_line: usize,
    first: Option<f64>,
    last: Option<f64>,
    time_column: String,
}

/// Rounds a non-negative number up to a `u32`.
fn to_units(v: f64) -> Result<u32, FieldError> {
    if v >= 0.0 && v.ceil() <= f64::from(u32::MAX) {
        Ok(v.ceil() as u32)
    } else {
        Err(FieldError::NotUnits(v))
    }
}

const SWF_FIELDS: [&str; 18] = [
    "job number",
    "submit time",
    "wait time",
    "run time",
    "allocated processors",
    "average cpu time",
    "used memory",
    "requested processors",
    "requested time",
    "requested memory",
    "status",
    "user id",
    "group id",
    "executable",
    "queue",
    "partition",
    "preceding job",
    "think time",
];

impl JobReader {
    /// Opens `path` in format `fmt` and checks the header (CSV formats).
    pub fn open(path: &Path, fmt: JobFormat) -> Result<Self, TraceError> {
        let file = path.display().to_string();
        let time_column = match &fmt {
            JobFormat::Csv { arrival, .. } => arrival.clone(),
            JobFormat::Swf { .. } => "field 2 (submit time)".to_string(),
            JobFormat::AlibabaPodList { .. } => "creation_time".to_string(),
        };
        let kind = match fmt {
            JobFormat::Csv {
                arrival,
                cpu,
                memory,
                duration,
            } => {
                let src = CsvSource::open(path, b',')?;
                let idx = [
                    src.column(&arrival)?,
                    src.column(&cpu)?,
                    src.column(&memory)?,
                    src.column(&duration)?,
                ];
                Kind::Csv { src, idx }
            }
            JobFormat::Swf {
                cpu_units_per_processor,
                memory_mib_per_processor_default,
            } => Kind::Swf {
                input: open_input(path)?,
                buf: String::new(),
                line: 0,
                cpu_per_proc: cpu_units_per_processor,
                mem_default: memory_mib_per_processor_default,
            },
            JobFormat::AlibabaPodList { cpu_only } => {
                let src = CsvSource::open(path, b',')?;
                let mut idx = [0; 6];
                for (i, c) in [
                    "cpu_milli",
                    "memory_mib",
                    "num_gpu",
                    "creation_time",
                    "deletion_time",
                    "scheduled_time",
                ]
                .iter()
                .enumerate()
                {
                    idx[i] = src.column(c)?;
                }
                Kind::Alibaba { src, idx, cpu_only }
            }
        };
        Ok(JobReader {
            file,
            kind,
            row: 0,
            skipped: 0,
            first_skipped_line: 0,
            first: None,
            last: None,
            time_column,
        })
    }

    /// Rows skipped so far (SWF: run time or processors ≤ 0; Alibaba: missing
    /// creation or deletion time, or a GPU pod with `cpu_only`).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Line of the first skipped row (0 when none was), for the warning that counts them.
    pub fn first_skipped_line(&self) -> usize {
        self.first_skipped_line
    }

    /// The next job in arrival order, `None` at the end of the file.
    pub fn next_job(&mut self) -> Result<Option<Job>, TraceError> {
        loop {
            let row = self.row;
            let parsed = match &mut self.kind {
                Kind::Csv { src, idx } => next_csv(src, idx, row)?,
                Kind::Swf {
                    input,
                    buf,
                    line,
                    cpu_per_proc,
                    mem_default,
                } => next_swf(
                    &self.file,
                    input.as_mut(),
                    buf,
                    line,
                    *cpu_per_proc,
                    *mem_default,
                )?,
                Kind::Alibaba { src, idx, cpu_only } => next_alibaba(src, idx, *cpu_only, row)?,
            };
            let Some((line, time, job)) = parsed else {
                return Ok(None);
            };
            self.row += 1;
            if let Some(time) = time {
                if let Some(prev) = self.last
                    && time < prev
                {
                    return Err(TraceError::new(
                        &self.file,
                        line,
                        Some(&self.time_column),
                        format!("arrival goes backwards: {time} after {prev}"),
                    ));
                }
                self.last = Some(time);
            }
            let (Some(mut job), Some(time)) = (job, time) else {
                if self.skipped == 0 {
                    self.first_skipped_line = line;
                }
                self.skipped += 1;
                continue;
            };
            if !matches!(self.kind, Kind::Csv { .. }) {
                job.arrival_s = time - *self.first.get_or_insert(time);
            }
            return Ok(Some(job));
        }
    }
}

/// One parsed row: line, raw arrival time (if known), and the job unless it
/// is skipped.
type Parsed = Option<(usize, Option<f64>, Option<Job>)>;

fn next_csv(src: &mut CsvSource, idx: &[usize; 4], row: u64) -> Result<Parsed, TraceError> {
    if !src.advance()? {
        return Ok(None);
    }
    let num = |i: usize| -> Result<f64, TraceError> {
        let v = src.number(idx[i])?;
        if v < 0.0 {
            Err(src.error(idx[i], format!("expected a non-negative number, found {v}")))
        } else {
            Ok(v)
        }
    };
    let units = |i: usize| to_units(num(i)?).map_err(|m| src.error(idx[i], m));
    let arrival = num(0)?;
    let job = Job {
        id: row,
        arrival_s: arrival,
        cpu_units: units(1)?,
        memory_mib: units(2)?,
        duration_s: num(3)?,
    };
    Ok(Some((src.line(), Some(arrival), Some(job))))
}

fn next_swf(
    file: &str,
    input: &mut dyn BufRead,
    buf: &mut String,
    line: &mut usize,
    cpu_per_proc: u32,
    mem_default: u32,
) -> Result<Parsed, TraceError> {
    loop {
        buf.clear();
        let n = read_line_bounded(input, buf, file, *line + 1)?;
        if n == 0 {
            return Ok(None);
        }
        *line += 1;
        let text = buf.trim();
        if text.is_empty() || text.starts_with(';') {
            continue;
        }
        let f: Vec<&str> = text.split_whitespace().collect();
        if f.len() != 18 {
            return Err(TraceError::new(
                file,
                *line,
                None,
                format!("expected 18 fields, found {}", f.len()),
            ));
        }
        // `k` is the 1-based SWF field number.
        let num = |k: usize| {
            parse_number(f[k - 1]).map_err(|m| {
                TraceError::new(
                    file,
                    *line,
                    Some(&format!("field {k} ({})", SWF_FIELDS[k - 1])),
                    m,
                )
            })
        };
        let id = num(1)?;
        let submit = num(2)?;
        let run = num(4)?;
        let alloc = num(5)?;
        let procs = if alloc < 0.0 { num(8)? } else { alloc };
        let used_kb = num(7)?;
        let req_kb = num(10)?;
        num(11)?; // status: checked, not filtered (a cancelled job with run time > 0 did run)
        if run <= 0.0 || procs <= 0.0 {
            return Ok(Some((*line, Some(submit), None)));
        }
        let kb = if used_kb > 0.0 { used_kb } else { req_kb };
        let memory = if kb > 0.0 {
            (kb * procs / 1024.0).ceil()
        } else {
            f64::from(mem_default) * procs
        };
        let err =
            |m: FieldError| TraceError::new(file, *line, Some("field 5 (allocated processors)"), m);
        let job = Job {
            id: id.max(0.0) as u64,
            arrival_s: 0.0,
            cpu_units: to_units(procs * f64::from(cpu_per_proc)).map_err(err)?,
            memory_mib: to_units(memory.max(1.0)).map_err(err)?,
            duration_s: run,
        };
        return Ok(Some((*line, Some(submit), Some(job))));
    }
}

fn next_alibaba(
    src: &mut CsvSource,
    idx: &[usize; 6],
    cpu_only: bool,
    row: u64,
) -> Result<Parsed, TraceError> {
    if !src.advance()? {
        return Ok(None);
    }
    let num = |i: usize| -> Result<Option<f64>, TraceError> {
        if src.field(idx[i])?.is_empty() {
            Ok(None)
        } else {
            src.number(idx[i]).map(Some)
        }
    };
    let units = |i: usize, v: f64| to_units(v).map_err(|m| src.error(idx[i], m));
    let (Some(created), Some(deleted)) = (num(3)?, num(4)?) else {
        return Ok(Some((src.line(), None, None)));
    };
    let start = num(5)?.unwrap_or(created);
    if deleted < start {
        return Err(src.error(
            idx[4],
            format!("deletion_time {deleted} is before the start time {start}"),
        ));
    }
    if cpu_only && num(2)?.unwrap_or(0.0) > 0.0 {
        return Ok(Some((src.line(), Some(created), None)));
    }
    let cpu_milli =
        num(0)?.ok_or_else(|| src.error(idx[0], "expected a number, found an empty field"))?;
    let mem =
        num(1)?.ok_or_else(|| src.error(idx[1], "expected a number, found an empty field"))?;
    let job = Job {
        id: row,
        arrival_s: 0.0,
        cpu_units: units(0, cpu_milli * 1024.0 / 1000.0)?,
        memory_mib: units(1, mem)?,
        duration_s: deleted - start,
    };
    Ok(Some((src.line(), Some(created), Some(job))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::path::PathBuf;

    fn sample(name: &str, body: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ecsim-jobs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p
    }

    fn csv_fmt() -> JobFormat {
        JobFormat::Csv {
            arrival: "at".into(),
            cpu: "cpu".into(),
            memory: "mem".into(),
            duration: "dur".into(),
        }
    }

    fn all(r: &mut JobReader) -> Result<Vec<Job>, TraceError> {
        std::iter::from_fn(|| r.next_job().transpose()).collect()
    }

    #[test]
    fn csv_jobs_and_errors() {
        let p = sample(
            "jobs.csv",
            b"name,at,cpu,mem,dur\na,5,256,512,60\nb,5,1024,2048,0.5\n\nc,7.5,100.2,300,10\n",
        );
        let jobs = all(&mut JobReader::open(&p, csv_fmt()).unwrap()).unwrap();
        assert_eq!(jobs.len(), 3);
        assert_eq!(
            jobs[0],
            Job {
                id: 0,
                arrival_s: 5.0,
                cpu_units: 256,
                memory_mib: 512,
                duration_s: 60.0
            }
        );
        assert_eq!(
            (jobs[2].id, jobs[2].arrival_s, jobs[2].cpu_units),
            (2, 7.5, 101)
        );

        let p = sample("back.csv", b"at,cpu,mem,dur\n180,1,1,1\n120,1,1,1\n");
        let e = all(&mut JobReader::open(&p, csv_fmt()).unwrap()).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}:3: column `at`: arrival goes backwards: 120 after 180",
                p.display()
            )
        );
        let p = sample("num.csv", b"at,cpu,mem,dur\n1,1,lots,1\n");
        let e = all(&mut JobReader::open(&p, csv_fmt()).unwrap()).unwrap_err();
        assert_eq!(
            (e.line, e.column.as_deref(), e.message.as_str()),
            (
                2,
                Some("mem"),
                "expected a number, found 4 characters of other text (not shown)"
            )
        );
        let p = sample("neg.csv", b"at,cpu,mem,dur\n1,1,1,-4\n");
        let e = all(&mut JobReader::open(&p, csv_fmt()).unwrap()).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (2, Some("dur")));
        let p = sample("cols.csv", b"at,cpu,memory,dur\n");
        let e = JobReader::open(&p, csv_fmt()).err().unwrap();
        assert_eq!(
            (e.line, e.message.as_str()),
            (
                1,
                "missing column `mem`: the header row has 4 columns, none called that"
            )
        );
    }

    const SWF: &str = "; Version: 2.2\n; MaxProcs: 128\n\
        1 100 -1 50 4 -1 -1 -1 -1 -1 -1 1 1 -1 -1 -1 -1 -1\n\
        2 160 -1 0 4 -1 -1 -1 -1 -1 5 1 1 -1 -1 -1 -1 -1\n\
        3 170 -1 30 -1 -1 2048 8 -1 -1 1 1 1 -1 -1 -1 -1 -1\n\
        ;comment\n\
        4 200 -1 30 2 -1 -1 -1 -1 1000 1 1 1 -1 -1 -1 -1 -1\n";

    #[test]
    fn swf_plain_and_gzip() {
        let fmt = JobFormat::Swf {
            cpu_units_per_processor: 1024,
            memory_mib_per_processor_default: 512,
        };
        let p = sample("a.swf", SWF.as_bytes());
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(SWF.as_bytes()).unwrap();
        let pz = sample("a.swf.gz", &gz.finish().unwrap());
        for path in [&p, &pz] {
            let mut r = JobReader::open(path, fmt.clone()).unwrap();
            let jobs = all(&mut r).unwrap();
            assert_eq!(r.skipped(), 1);
            assert_eq!(jobs.len(), 3);
            assert_eq!(
                jobs[0],
                Job {
                    id: 1,
                    arrival_s: 0.0,
                    cpu_units: 4096,
                    memory_mib: 2048,
                    duration_s: 50.0
                }
            );
            // allocated -1 → requested 8 processors; 2048 KB each → 16 MiB
            assert_eq!(
                jobs[1],
                Job {
                    id: 3,
                    arrival_s: 70.0,
                    cpu_units: 8192,
                    memory_mib: 16,
                    duration_s: 30.0
                }
            );
            // used memory unknown → requested memory (field 10): 1000 KB × 2
            assert_eq!(jobs[2].memory_mib, 2);
        }
        let bad = sample("b.swf", b"; h\n1 100 -1 50 4 -1 -1 -1 -1 -1 -1 1 1 -1 -1 -1 -1 -1\n2 9x -1 50 4 -1 -1 -1 -1 -1 -1 1 1 -1 -1 -1 -1 -1\n");
        let e = all(&mut JobReader::open(&bad, fmt.clone()).unwrap()).unwrap_err();
        assert_eq!(
            (e.line, e.column.as_deref()),
            (3, Some("field 2 (submit time)"))
        );
        assert_eq!(
            e.message,
            "expected a number, found 2 characters of other text (not shown)"
        );
        let bad = sample("c.swf", b"1 100 -1 50 4 -1\n");
        assert_eq!(
            all(&mut JobReader::open(&bad, fmt.clone()).unwrap())
                .unwrap_err()
                .message,
            "expected 18 fields, found 6"
        );
        let bad = sample("d.swf", b"1 100 -1 50 4 -1 -1 -1 -1 -1 -1 1 1 -1 -1 -1 -1 -1\n2 90 -1 50 4 -1 -1 -1 -1 -1 -1 1 1 -1 -1 -1 -1 -1\n");
        let e = all(&mut JobReader::open(&bad, fmt).unwrap()).unwrap_err();
        assert_eq!(
            (e.line, e.message.as_str()),
            (2, "arrival goes backwards: 90 after 100")
        );
    }

    const PODS: &str = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n\
        p0,12000,16384,1,1000,,LS,Running,10,1000,20\n\
        p1,500,0,0,0,,BE,Pending,30,90,\n\
        p2,100,64,0,0,,BE,Failed,,,\n\
        p3,1000,1024,0,0,,LS,Succeeded,40,100,45\n";

    #[test]
    fn alibaba_inline() {
        let p = sample("pods.csv", PODS.as_bytes());
        let mut r = JobReader::open(&p, JobFormat::AlibabaPodList { cpu_only: false }).unwrap();
        let jobs = all(&mut r).unwrap();
        assert_eq!(r.skipped(), 1);
        assert_eq!(
            jobs[0],
            Job {
                id: 0,
                arrival_s: 0.0,
                cpu_units: 12288,
                memory_mib: 16384,
                duration_s: 980.0
            }
        );
        assert_eq!(
            jobs[1],
            Job {
                id: 1,
                arrival_s: 20.0,
                cpu_units: 512,
                memory_mib: 0,
                duration_s: 60.0
            }
        );
        assert_eq!(
            jobs[2],
            Job {
                id: 3,
                arrival_s: 30.0,
                cpu_units: 1024,
                memory_mib: 1024,
                duration_s: 55.0
            }
        );
        let mut r = JobReader::open(&p, JobFormat::AlibabaPodList { cpu_only: true }).unwrap();
        let jobs = all(&mut r).unwrap();
        assert_eq!(
            (
                jobs.len(),
                r.skipped(),
                jobs[0].arrival_s,
                jobs[1].arrival_s
            ),
            (2, 2, 0.0, 10.0)
        );

        let p = sample(
            "pods2.csv",
            PODS.replace(
                "p3,1000,1024,0,0,,LS,Succeeded,40",
                "p3,1000,1024,0,0,,LS,Succeeded,5",
            )
            .as_bytes(),
        );
        let e =
            all(&mut JobReader::open(&p, JobFormat::AlibabaPodList { cpu_only: false }).unwrap())
                .unwrap_err();
        assert_eq!(
            (e.line, e.column.as_deref(), e.message.as_str()),
            (
                5,
                Some("creation_time"),
                "arrival goes backwards: 5 after 30"
            )
        );
        let p = sample(
            "pods3.csv",
            b"name,cpu_milli,memory_mib,num_gpu,creation_time,deletion_time\n",
        );
        let e = JobReader::open(&p, JobFormat::AlibabaPodList { cpu_only: false })
            .err()
            .unwrap();
        assert_eq!(e.column.as_deref(), Some("scheduled_time"));
    }

    const SWF_REAL: &str = "/work/shared/traces/pwa-nasa-ipsc-1993/NASA-iPSC-1993-3.1-cln.swf.gz";
    const PODS_REAL: &str = "/work/shared/traces/alibaba-gpu-2023/openb_pod_list_default.csv";

    #[test]
    fn nasa_ipsc_swf() {
        if !Path::new(SWF_REAL).exists() {
            return;
        }
        let fmt = JobFormat::Swf {
            cpu_units_per_processor: 1024,
            memory_mib_per_processor_default: 2048,
        };
        let mut r = JobReader::open(Path::new(SWF_REAL), fmt).unwrap();
        let jobs = all(&mut r).unwrap();
        // 18,239 jobs in the log; 173 have run time 0 and are skipped.
        assert_eq!(jobs.len() as u64 + r.skipped(), 18_239);
        assert_eq!(r.skipped(), 173);
        assert_eq!(
            jobs[0],
            Job {
                id: 1,
                arrival_s: 0.0,
                cpu_units: 128 * 1024,
                memory_mib: 128 * 2048,
                duration_s: 1451.0
            }
        );
        assert!(jobs.iter().all(|j| j.cpu_units.is_power_of_two()
            && j.cpu_units >= 1024
            && j.cpu_units <= 128 * 1024));
        let span = jobs.last().unwrap().arrival_s;
        assert_eq!(span, 7_948_936.0); // 92 days
        assert_eq!(
            jobs.iter().map(|j| j.duration_s).fold(0.0, f64::max),
            62_643.0
        );
    }

    #[test]
    fn alibaba_openb_pods() {
        if !Path::new(PODS_REAL).exists() {
            return;
        }
        let mut r = JobReader::open(
            Path::new(PODS_REAL),
            JobFormat::AlibabaPodList { cpu_only: false },
        )
        .unwrap();
        let jobs = all(&mut r).unwrap();
        assert_eq!((jobs.len(), r.skipped()), (8152, 0)); // sorted: streams without error
        assert_eq!(
            jobs[0],
            Job {
                id: 0,
                arrival_s: 0.0,
                cpu_units: 12288,
                memory_mib: 16384,
                duration_s: 12_537_496.0
            }
        );
        let mut r = JobReader::open(
            Path::new(PODS_REAL),
            JobFormat::AlibabaPodList { cpu_only: true },
        )
        .unwrap();
        let cpu = all(&mut r).unwrap();
        assert_eq!((cpu.len(), r.skipped()), (1088, 8152 - 1088));
        assert_eq!(cpu[0].arrival_s, 0.0); // relative to the first CPU-only pod
    }
}
