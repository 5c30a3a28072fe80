//! A mutation fuzzer over the scenario, sweep and trace parsers (issue #18), run in CI for a bounded time.
//!
//! Every `scenarios/**/*.toml` and `sweeps/**/*.toml` is mutated with a fixed seed: numbers replaced by
//! extremes (0, -1, 1e308, 5e-324, nan, inf, 2^64), strings by huge, empty or hostile ones (`/dev/zero`,
//! `/etc/passwd`), lines deleted, duplicated or swapped, invalid UTF-8 and stray brackets inserted, the text
//! cut short. Small trace, request-log and job files are mutated the same way and read through. Asserted:
//! loading never panics, every error has a file and a line and a bounded length, and scenarios that load
//! run (a short horizon, into a `NullSink`) to finite figures only (`metrics::finite`).
//!
//! `ECSIM_FUZZ_CASES` sets the number of cases (default 200, about 20 s in a debug build on two idle cores) and
//! `ECSIM_FUZZ_SEED` the seed. A campaign: `ECSIM_FUZZ_CASES=100000 cargo test --release --test
//! fuzz_inputs -- --nocapture` (docs/limits.md has the last campaign's result).
//!
//! The corpus is copied to a temporary folder first, with the data files cut to their first rows, so that a
//! case costs milliseconds (the full NASA trace is read at every load otherwise).

use std::io::{BufRead, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use ecsim::metrics::{NullSink, finite};
use ecsim::scenario;
use ecsim::workload::{jobs, rate, requests};

/// SplitMix64: a fixed, dependency-free stream (the cases must be the same on every machine).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

const NUMBERS: [&str; 14] = [
    "0",
    "-1",
    "1e308",
    "-1e308",
    "5e-324",
    "1e-300",
    "nan",
    "inf",
    "-inf",
    "18446744073709551616",
    "4294967296",
    "0.0",
    "1e15",
    "99999999999",
];

/// Replacements for a quoted string (without the quotes).
fn strings(rng: &mut Rng) -> String {
    match rng.below(12) {
        0 => String::new(),
        1 => "x".repeat(1 + rng.below(200_000)),
        2 => "/dev/zero".into(),
        3 => "/etc/passwd".into(),
        4 => "../../../../../../etc/shadow".into(),
        5 => "0s".into(),
        6 => "1000000000d".into(),
        7 => "-5s".into(),
        8 => "nan".into(),
        9 => "\\u0000\\u001b[31m".into(),
        10 => "1e308ms".into(),
        _ => "é".repeat(1 + rng.below(1000)),
    }
}

/// Byte ranges in a text.
type Spans = Vec<(usize, usize)>;

/// Files and their texts.
type Texts = Vec<(PathBuf, String)>;

/// Byte ranges of numbers and of quoted strings in `text`.
fn sites(text: &str) -> (Spans, Spans) {
    let num = regex::Regex::new(r"-?\b\d[\d_]*(\.\d+)?([eE][-+]?\d+)?\b").unwrap();
    let st = regex::Regex::new(r#""[^"\n]*""#).unwrap();
    (
        num.find_iter(text).map(|m| (m.start(), m.end())).collect(),
        st.find_iter(text)
            .map(|m| (m.start() + 1, m.end() - 1))
            .collect(),
    )
}

/// One to three mutations of `text`.
fn mutate(text: &str, rng: &mut Rng) -> Vec<u8> {
    let mut out = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(3) {
        let s = String::from_utf8_lossy(&out).into_owned();
        let (nums, strs) = sites(&s);
        let lines: Vec<&str> = s.split_inclusive('\n').collect();
        out = match rng.below(10) {
            0..=2 if !nums.is_empty() => {
                let (a, b) = *rng.pick(&nums);
                [&s[..a], NUMBERS[rng.below(NUMBERS.len())], &s[b..]]
                    .concat()
                    .into_bytes()
            }
            3 | 4 if !strs.is_empty() => {
                let (a, b) = *rng.pick(&strs);
                [&s[..a], strings(rng).as_str(), &s[b..]]
                    .concat()
                    .into_bytes()
            }
            5 if !lines.is_empty() => {
                let i = rng.below(lines.len());
                lines
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(_, l)| *l)
                    .collect::<String>()
                    .into_bytes()
            }
            6 if !lines.is_empty() => {
                let i = rng.below(lines.len());
                let mut v = lines.clone();
                v.insert(i, lines[rng.below(lines.len())]);
                v.concat().into_bytes()
            }
            7 => {
                let mut b = s.clone().into_bytes();
                let at = rng.below(b.len() + 1);
                const BAD: [&[u8]; 4] =
                    [&[0xff], &[0xc3, 0x28], &[0xe2, 0x82], &[0xed, 0xa0, 0x80]];
                let bad: &[u8] = BAD[rng.below(BAD.len())];
                b.splice(at..at, bad.iter().copied());
                b
            }
            8 => {
                let mut b = s.clone().into_bytes();
                let at = rng.below(b.len() + 1);
                const INS: [&str; 9] =
                    ["[", "]", "{", "}", "\"", "=", "\n", "[[services]]\n", "\\"];
                let ins: &str = INS[rng.below(INS.len())];
                b.splice(at..at, ins.bytes());
                b
            }
            _ => {
                let mut b = s.clone().into_bytes();
                b.truncate(rng.below(b.len() + 1));
                b
            }
        };
    }
    out
}

/// What the campaign found.
#[derive(Default, Debug)]
struct Findings {
    cases: usize,
    loaded: usize,
    ran: usize,
    errors: usize,
    failures: Vec<String>,
}

impl Findings {
    fn fail(&mut self, what: String) {
        if self.failures.len() < 50 {
            self.failures.push(what);
        } else if self.failures.len() == 50 {
            self.failures.push("… (more)".into());
        }
    }

    /// Every error names a file and a line (> 0), and no line of the message is longer than the cuts allow.
    fn check_diags(&mut self, case: &str, d: &scenario::Diagnostics) {
        self.errors += 1;
        for x in &d.0 {
            if x.file.is_empty() || x.line == 0 {
                self.fail(format!("{case}: unlocated error: {}", cut(&x.to_string())));
            }
        }
        let shown = d.to_string();
        if let Some(l) = shown.lines().find(|l| l.len() > 3_000) {
            self.fail(format!(
                "{case}: error line of {} bytes: {}",
                l.len(),
                cut(l)
            ));
        }
    }
}

fn cut(s: &str) -> String {
    s.chars().take(300).collect()
}

fn panic_text(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// The corpus in a temporary folder: scenarios and sweeps as they are, data files cut to their first rows.
fn corpus(root: &Path) -> (Texts, Texts) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy_tree = |from: &Path, to: &Path| {
        let mut stack = vec![(from.to_path_buf(), to.to_path_buf())];
        while let Some((f, t)) = stack.pop() {
            std::fs::create_dir_all(&t).unwrap();
            for e in std::fs::read_dir(&f).unwrap() {
                let e = e.unwrap();
                let (ef, et) = (e.path(), t.join(e.file_name()));
                if ef.is_dir() {
                    stack.push((ef, et));
                } else {
                    std::fs::copy(&ef, &et).unwrap();
                }
            }
        }
    };
    copy_tree(&src.join("scenarios"), &root.join("scenarios"));
    copy_tree(&src.join("sweeps"), &root.join("sweeps"));
    std::fs::create_dir_all(root.join("data")).unwrap();
    for e in std::fs::read_dir(src.join("data")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let input = std::fs::File::open(&p).unwrap();
        let reader: Box<dyn BufRead> = if name.ends_with(".gz") {
            Box::new(std::io::BufReader::new(flate2::read::MultiGzDecoder::new(
                input,
            )))
        } else {
            Box::new(std::io::BufReader::new(input))
        };
        let head: Vec<String> = reader.lines().take(3_000).map(|l| l.unwrap()).collect();
        let text = head.join("\n") + "\n";
        let out = std::fs::File::create(root.join("data").join(&name)).unwrap();
        if name.ends_with(".gz") {
            let mut enc = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
            enc.write_all(text.as_bytes()).unwrap();
            enc.finish().unwrap();
        } else {
            std::io::BufWriter::new(out)
                .write_all(text.as_bytes())
                .unwrap();
        }
    }
    let collect = |dir: &Path| {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "toml") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    out.push((p, text));
                }
            }
        }
        out.sort();
        out
    };
    (
        collect(&root.join("scenarios")),
        collect(&root.join("sweeps")),
    )
}

/// Load a mutated scenario (and run it when it loads: at most 6 simulated hours, no output).
fn scenario_case(f: &mut Findings, case: &str, path: &Path, bytes: &[u8], run: bool) {
    let base = path.parent().unwrap();
    let loaded = catch_unwind(AssertUnwindSafe(|| match std::str::from_utf8(bytes) {
        Ok(text) => scenario::load_str(text, case, base),
        Err(_) => {
            let tmp = base.join(".fuzz-case.toml");
            std::fs::write(&tmp, bytes).unwrap();
            let r = scenario::load(&tmp);
            std::fs::remove_file(&tmp).ok();
            r
        }
    }));
    let before = f.failures.len();
    scenario_checks(f, case, loaded, run);
    // ECSIM_FUZZ_DUMP=folder keeps the text of every case that found something, to reproduce it.
    if f.failures.len() > before
        && let Ok(dir) = std::env::var("ECSIM_FUZZ_DUMP")
    {
        let name = case.replace([' ', '(', ')'], "_");
        std::fs::write(Path::new(&dir).join(format!("{name}.toml")), bytes).ok();
    }
}

type Loaded = std::thread::Result<Result<ecsim::spec::Spec, scenario::Diagnostics>>;

fn scenario_checks(f: &mut Findings, case: &str, loaded: Loaded, run: bool) {
    let spec = match loaded {
        Err(e) => return f.fail(format!("{case}: load panicked: {}", cut(&panic_text(&*e)))),
        Ok(Err(d)) => return f.check_diags(case, &d),
        Ok(Ok(spec)) => spec,
    };
    f.loaded += 1;
    if !run {
        return;
    }
    let mut spec = spec;
    spec.duration_ms = spec.duration_ms.min(6 * 3_600_000);
    let ran = catch_unwind(AssertUnwindSafe(|| {
        finite::checked(&mut NullSink, |s| ecsim::sim::simulate(&spec, s))
    }));
    f.ran += 1;
    match ran {
        Err(e) => f.fail(format!("{case}: run panicked: {}", cut(&panic_text(&*e)))),
        Ok(Err(e)) => f.fail(format!("{case}: {e}")),
        Ok(Ok(_)) => {}
    }
}

/// Load a mutated sweep (its variants are loaded, not run).
fn sweep_case(f: &mut Findings, case: &str, path: &Path, bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return; // the sweep reader is the scenario's (`scenario::read_text`), covered above
    };
    let dir = path.parent().unwrap();
    match catch_unwind(AssertUnwindSafe(|| {
        ecsim::sweep::file::load_str(text, case, dir, "fuzz")
    })) {
        Err(e) => f.fail(format!(
            "{case}: sweep load panicked: {}",
            cut(&panic_text(&*e))
        )),
        Ok(Err(d)) => f.check_diags(case, &d),
        Ok(Ok(_)) => f.loaded += 1,
    }
}

/// The trace readers on a mutated file: a rate trace, a request log and an SWF job file.
fn trace_case(f: &mut Findings, case: &str, dir: &Path, rng: &mut Rng) {
    let rate_text = "epoch_s,requests\n0,10\n60,12\n120,9\n180,30\n240,2\n300,0\n";
    let req_text = "TIMESTAMP,ContextTokens\n2023-11-16 18:15:46.6805900,4808\n2023-11-16 18:15:50.9951690,3180\n2023-11-16 18:15:51.0483800,110\n";
    let swf_text = "; SWF\n1 0 0 50 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1\n2 10 0 -5 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1\n3 20 0 70 4 -1 -1 4 -1 -1 1 1 1 1 1 1 -1 -1\n";
    let which = rng.below(3);
    let text = [rate_text, req_text, swf_text][which];
    let path = dir.join(["t.csv", "r.csv", "j.swf"][which]);
    std::fs::write(&path, mutate(text, rng)).unwrap();
    let result = catch_unwind(AssertUnwindSafe(
        || -> Result<(), ecsim::workload::error::TraceError> {
            match which {
                0 => {
                    let mut cfg = rate::RateSeriesConfig::new(&path, "epoch_s", "requests");
                    cfg.value_kind = rate::ValueKind::CountPerRow;
                    let mut r = rate::RateSeries::open(cfg)?;
                    let mut t = 0.0;
                    while t < 3_600.0 {
                        let m = r.mean_rate(t, t + 60.0)?;
                        assert!(m.is_finite() && m >= 0.0, "mean rate {m}");
                        t += 60.0;
                    }
                }
                1 => {
                    let mut l = requests::RequestLog::open(requests::RequestLogConfig::new(
                        &path,
                        "TIMESTAMP",
                    ))?;
                    while let Some((t, _)) = l.next_request()? {
                        assert!(t.is_finite(), "arrival {t}");
                    }
                }
                _ => {
                    let fmt = jobs::JobFormat::Swf {
                        cpu_units_per_processor: 1024,
                        memory_mib_per_processor_default: 2048,
                    };
                    let mut j = jobs::JobReader::open(&path, fmt)?;
                    while let Some(job) = j.next_job()? {
                        assert!(job.arrival_s.is_finite() && job.duration_s.is_finite());
                    }
                }
            }
            Ok(())
        },
    ));
    match result {
        Err(e) => f.fail(format!(
            "{case}: reader panicked: {}",
            cut(&panic_text(&*e))
        )),
        Ok(Err(e)) => {
            f.errors += 1;
            if e.file.is_empty() || e.line == 0 {
                f.fail(format!(
                    "{case}: unlocated reader error: {}",
                    cut(&e.to_string())
                ));
            }
            if e.to_string().len() > 3_000 {
                f.fail(format!(
                    "{case}: reader error of {} bytes",
                    e.to_string().len()
                ));
            }
        }
        Ok(Ok(())) => f.loaded += 1,
    }
}

#[test]
fn mutated_inputs_never_panic_and_errors_are_located() {
    let cases: usize = std::env::var("ECSIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let seed: u64 = std::env::var("ECSIM_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(18);
    let root = std::env::temp_dir().join(format!("ecsim-fuzz-{}", std::process::id()));
    let (scenarios, sweeps) = corpus(&root);
    assert!(
        scenarios.len() >= 20 && sweeps.len() >= 5,
        "corpus: {} {}",
        scenarios.len(),
        sweeps.len()
    );
    // Quiet the panic hook: a panic is a finding, reported below with its case.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(seed);
    let mut f = Findings::default();
    let started = std::time::Instant::now();
    for i in 0..cases {
        f.cases += 1;
        match rng.below(10) {
            0..=6 => {
                let (path, text) = rng.pick(&scenarios).clone();
                let bytes = mutate(&text, &mut rng);
                let case = format!("case {i} ({})", path.file_name().unwrap().to_string_lossy());
                // Debug builds check every invariant after every event: run one valid case in four.
                let run = !cfg!(debug_assertions) || rng.below(4) == 0;
                scenario_case(&mut f, &case, &path, &bytes, run);
            }
            7 | 8 => {
                let (path, text) = rng.pick(&sweeps).clone();
                let bytes = mutate(&text, &mut rng);
                let case = format!("case {i} ({})", path.file_name().unwrap().to_string_lossy());
                sweep_case(&mut f, &case, &path, &bytes);
            }
            _ => trace_case(
                &mut f,
                &format!("case {i} (trace)"),
                &root.join("data"),
                &mut rng,
            ),
        }
    }
    std::panic::set_hook(hook);
    std::fs::remove_dir_all(&root).ok();
    println!(
        "fuzz: {} cases (seed {seed}) in {:.1} s: {} loaded, {} runs, {} errors, {} findings",
        f.cases,
        started.elapsed().as_secs_f64(),
        f.loaded,
        f.ran,
        f.errors,
        f.failures.len()
    );
    assert!(
        f.failures.is_empty(),
        "findings:\n{}",
        f.failures.join("\n")
    );
    assert!(
        f.errors > 0 && f.loaded > 0,
        "the mutations should give both errors and valid inputs: {f:?}"
    );
}
