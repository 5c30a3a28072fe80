//! The repros of issue #18's audit ("hostile and absurd input") as regression tests: each absurd value is a
//! load error with file, line, field and the allowed range; files named by a scenario are bounded and never
//! quoted; errors are cut; sweep grids are capped before they are expanded; and valid extremes run to
//! finite figures. The limits are listed in docs/limits.md.

use std::path::{Path, PathBuf};

use ecsim::metrics::{NullSink, finite};
use ecsim::scenario;

/// A one-service Fargate scenario with a load; `load` is the body of `[services.load]`.
fn with_load(load: &str) -> String {
    format!(
        r#"name = "h"
duration = "2h"
seed = 1

[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]

[[task_definitions]]
family = "api"
requires_compatibilities = ["FARGATE"]
cpu = 1024
memory = 2048

[[services]]
name = "api"
task_definition = "api"
desired_count = 2
launch_type = "FARGATE"

[services.load]
{load}
"#
    )
}

/// A fresh folder for one test's files.
fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ecsim-hostile-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn load_in(dir: &Path, text: &str) -> Result<ecsim::spec::Spec, String> {
    let path = dir.join("s.toml");
    std::fs::write(&path, text).unwrap();
    scenario::load(&path).map_err(|d| d.to_string())
}

fn errors(text: &str) -> String {
    match scenario::load_str(text, "s.toml", Path::new(".")) {
        Ok(_) => panic!("should not load:\n{text}"),
        Err(d) => d.to_string(),
    }
}

/// `cpu_ms_per_request = 5e-324` used to pass `validate` and panic in the run ("stable", in
/// traffic/runtime.rs); 1e308 and 1e-300 ran and wrote NaN and infinite capacity. Each is now an error at
/// its line (line 22 of `with_load`) with the range.
#[test]
fn absurd_cpu_per_request_is_a_located_range_error() {
    for v in ["5e-324", "1e308", "1e-300", "0.0", "-1.0", "nan", "inf"] {
        let e = errors(&with_load(&format!(
            "pattern = {{ type = \"constant\", rate = 10 }}\ncpu_ms_per_request = {v}"
        )));
        assert!(
            e.starts_with("error: s.toml:22:22: field `services[0].load.cpu_ms_per_request`: "),
            "{v}: {e}"
        );
        assert!(
            e.contains("0.001") && e.contains("3600000") || e.contains("must be a finite number"),
            "{v}: {e}"
        );
        assert_eq!(e.lines().count(), 1, "one error, not one per check: {e}");
    }
}

/// `rate = 1e308` and `peak_hour = 1e308` ran with exit 0 and wrote $1e307 per million requests.
#[test]
fn absurd_rates_and_hours_are_range_errors() {
    let e = errors(&with_load(
        "pattern = { type = \"constant\", rate = 1e308 }\ncpu_ms_per_request = 5.0",
    ));
    assert!(
        e.contains(
            "field `services[0].load.pattern.rate`: 1e308 is out of range: from 0 to 10000000"
        ),
        "{e}"
    );
    let e = errors(&with_load(
        "pattern = { type = \"diurnal\", mean = 100, peak_to_trough = 3, peak_hour = 1e308 }\ncpu_ms_per_request = 5.0",
    ));
    assert!(
        e.contains(
            "field `services[0].load.pattern.peak_hour`: 1e308 is out of range: from 0 to 24"
        ),
        "{e}"
    );
    // A strategy's `base` is a task count, not a rate: the same key elsewhere keeps its own rules.
    let e = errors(&with_load(
        "pattern = { type = \"spike\", base = 1e9, peak = 2, at = \"1h\", duration = \"1m\" }\ncpu_ms_per_request = 5.0",
    ));
    assert!(
        e.contains("pattern.base`: 1000000000 is out of range"),
        "{e}"
    );
}

/// A trace value of 1e300 ran to infinite capacity. Now the row is refused at its own line, and the error
/// names the scenario line that named the trace.
#[test]
fn an_absurd_trace_value_names_the_row_and_the_scenario_line() {
    let d = dir("trace-value");
    std::fs::write(d.join("t.csv"), "t,rps\n0,10\n60,1e300\n").unwrap();
    let text = with_load(
        "trace = { file = \"t.csv\", time_column = \"t\", value_column = \"rps\" }\ncpu_ms_per_request = 5.0",
    );
    let e = load_in(&d, &text).unwrap_err();
    let trace = d.join("t.csv").display().to_string();
    assert!(
        e.starts_with(&format!(
            "error: {trace}:3: field `rps`: this row is 1e300 per second"
        )),
        "{e}"
    );
    assert!(
        e.ends_with(&format!(
            "(file named by `services[0].load.trace.file` at {}:21)",
            d.join("s.toml").display()
        )),
        "{e}"
    );
}

/// A trace `file = "/etc/passwd"` printed that file's first line. Errors about a file the scenario names
/// now show its line and what was expected, never its content.
#[test]
fn errors_never_quote_a_named_file() {
    let d = dir("secret");
    std::fs::write(
        d.join("secret.csv"),
        "root:x:0:0:SECRET-TOKEN,rps\nPASSWORD=hunter2,x\n",
    )
    .unwrap();
    for (time, value) in [("t", "rps"), ("root:x:0:0:SECRET-TOKEN", "rps")] {
        let text = with_load(&format!(
            "trace = {{ file = \"secret.csv\", time_column = \"{time}\", value_column = \"{value}\" }}\ncpu_ms_per_request = 5.0"
        ));
        let e = load_in(&d, &text).unwrap_err();
        assert!(!e.contains("hunter2") && !e.contains("PASSWORD"), "{e}");
        if time == "t" {
            assert!(!e.contains("SECRET"), "{e}");
            assert!(
                e.contains(":1: field `t`: missing column `t`: the header row has 2 columns"),
                "{e}"
            );
        } else {
            assert!(e.contains(":2: field `root:x:0:0:SECRET-TOKEN`: cannot recognise a time (seconds or ISO 8601): found 16 characters of other text (not shown)"), "{e}");
        }
    }
}

/// An 8 MB value made an 8 MB error line, and a 20 MB instance type took 8 s in the did-you-mean search.
#[test]
fn huge_values_give_short_errors_quickly() {
    let huge = "x".repeat(8 << 20);
    let e = errors(&with_load(&format!(
        "pattern = {{ type = \"constant\", rate = 1 }}\ncpu_ms_per_request = 5.0\nbalancer = \"{huge}\""
    )));
    assert!(e.len() < 2_000, "{} bytes", e.len());
    assert!(e.contains("bytes cut"), "{e}");
    let started = std::time::Instant::now();
    let text = with_load("pattern = { type = \"constant\", rate = 1 }\ncpu_ms_per_request = 5.0")
        .replace("launch_type = \"FARGATE\"\n", "")
        + &format!(
            "\n[[capacity_providers]]\nname = \"p\"\ninstance_type = \"{}\"\nmax_size = 1\n",
            "m".repeat(20 << 20)
        );
    let e = errors(&text);
    assert!(e.len() < 2_000, "{} bytes", e.len());
    // Debug builds are slow at building the 20 MB string; the search itself is what took 8 s.
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}

/// An SWF job with a negative run time was dropped silently; an empty SWF gave 0 jobs while an empty rate
/// trace was an error. Now skipped rows are a warning with the first one's line, and both empty files are
/// errors at the scenario's `file =` line or the file's own.
#[test]
fn skipped_and_empty_job_files_are_reported() {
    let d = dir("swf");
    let scenario = r#"name = "b"
duration = "1h"
seed = 1
[cluster]
availability_zones = ["us-east-1a"]
[[batch_jobs]]
name = "j"
file = "jobs.swf"
format = "swf"
launch_type = "FARGATE"
"#;
    let job = |id: u32, submit: u32, run: i32| {
        format!("{id} {submit} 0 {run} 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1\n")
    };
    std::fs::write(
        d.join("jobs.swf"),
        format!("; header\n{}{}", job(1, 0, -5), job(2, 10, 50)),
    )
    .unwrap();
    let spec = load_in(&d, scenario).unwrap();
    let w = spec
        .warnings
        .iter()
        .find(|w| w.code == "batch-rows-skipped")
        .expect("a warning");
    assert_eq!(w.line, Some(2), "the negative run time is on line 2");
    assert!(
        w.message.contains("1 rows of the job file were skipped"),
        "{}",
        w.message
    );

    std::fs::write(d.join("jobs.swf"), "").unwrap();
    let e = load_in(&d, scenario).unwrap_err();
    assert!(
        e.contains("s.toml:8:8: field `batch_jobs[0].file`: job file"),
        "{e}"
    );
    assert!(e.contains("has no job to run"), "{e}");

    std::fs::write(d.join("t.csv"), "t,rps\n").unwrap();
    let text = with_load(
        "trace = { file = \"t.csv\", time_column = \"t\", value_column = \"rps\" }\ncpu_ms_per_request = 5.0",
    );
    let e = load_in(&d, &text).unwrap_err();
    assert!(e.contains("t.csv:1: no data rows after the header"), "{e}");
}

/// A missing requests file gave the path only; `row_interval = "0s"` was reported against the trace under
/// an internal key name; invalid UTF-8 in a scenario had no location.
#[test]
fn errors_name_the_scenario_line_that_led_to_them() {
    let d = dir("located");
    let text = with_load(
        "requests = { file = \"nope.csv\", time_column = \"t\" }\ncpu_ms_per_request = 5.0",
    );
    let e = load_in(&d, &text).unwrap_err();
    assert!(
        e.contains("s.toml:21:21: field `services[0].load.requests.file`: request log \""),
        "{e}"
    );
    assert!(e.contains("nope.csv\": cannot open"), "{e}");

    std::fs::write(d.join("t.csv"), "t,n\n0,1\n60,2\n").unwrap();
    let text = with_load(
        "trace = { file = \"t.csv\", time_column = \"t\", value_column = \"n\", value = \"count\", row_interval = \"0s\" }\ncpu_ms_per_request = 5.0",
    );
    let e = load_in(&d, &text).unwrap_err();
    assert!(
        e.contains(
            "field `services[0].load.trace.row_interval`: row_interval must be greater than 0"
        ),
        "{e}"
    );
    assert!(!e.contains("row_interval_s"), "{e}");

    let mut bytes = b"name = \"u\"\nduration = \"1h\"\n# caf".to_vec();
    bytes.extend_from_slice(&[0xC3, 0x28]);
    bytes.extend_from_slice(b"\n");
    let path = d.join("bad-utf8.toml");
    std::fs::write(&path, bytes).unwrap();
    let e = scenario::load(&path).unwrap_err().to_string();
    assert!(e.contains("bad-utf8.toml:3:6: cannot read the scenario file: the file is not valid UTF-8 text: byte offset 32 (line 3)"), "{e}");
}

/// `file = "/dev/zero"` grew past 4 GiB: a line is now at most 1 MiB.
#[cfg(unix)]
#[test]
fn dev_zero_as_a_trace_is_refused_at_line_one() {
    let text = with_load(
        "trace = { file = \"/dev/zero\", time_column = \"t\", value_column = \"v\" }\ncpu_ms_per_request = 5.0",
    );
    let e = errors(&text);
    assert!(
        e.contains("/dev/zero:1: line longer than 1048576 bytes"),
        "{e}"
    );
}

/// §1.1: at most 10 placement constraints per task, the task definition's counted, for a service and for a
/// RunTask call (a `[[run_tasks]]` entry or a scheduled task) alike: a RunTask call with 11 was accepted.
#[test]
fn a_task_has_at_most_10_placement_constraints_in_a_service_or_a_run_task() {
    let base = "name = \"c\"\nduration = \"1h\"\n[cluster]\navailability_zones = [\"us-east-1a\"]\n[[capacity_providers]]\nname = \"cp\"\ninstance_type = \"m5.large\"\nmax_size = 1\ndesired_size = 1\n[[task_definitions]]\nfamily = \"t\"\ncpu = 256\nmemory = 256\nplacement_constraints = [{ type = \"memberOf\", expression = \"attribute:ecs.os-type == linux\" }]\n";
    let list = |n: usize| {
        vec![r#"{ type = "memberOf", expression = "attribute:ecs.cpu-architecture != arm64" }"#; n]
            .join(", ")
    };
    for (table, extra) in [
        ("services", "name = \"s\"\ndesired_count = 1\n"),
        ("run_tasks", "at = \"1m\"\n"),
        ("scheduled_tasks", "schedule = \"rate(10 minutes)\"\n"),
    ] {
        let text = |n: usize| {
            format!(
                "{base}[[{table}]]\n{extra}task_definition = \"t\"\nplacement_constraints = [{}]\n",
                list(n)
            )
        };
        scenario::load_str(&text(9), "s.toml", Path::new("."))
            .unwrap_or_else(|e| panic!("{table}: 9 + the task definition's 1 are allowed: {e}"));
        let e = errors(&text(10));
        assert!(
            e.contains(&format!(
                "field `{table}[0].placement_constraints`: at most 10 constraints per task"
            )),
            "{table}: {e}"
        );
    }
}

/// The quota holds for task definitions written in the scenario too, not only for AWS JSON files: 11
/// inline containers were accepted (§8: 10 per task definition, not adjustable).
#[test]
fn an_inline_task_definition_has_at_most_10_containers() {
    let containers = |n: usize| {
        (0..n)
            .map(|i| format!("{{ name = \"c{i}\", cpu = 10, memory = 64 }}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = |n: usize| {
        format!(
            "name = \"j\"\nduration = \"1h\"\n[cluster]\navailability_zones = [\"us-east-1a\"]\n[[task_definitions]]\nfamily = \"f\"\ncontainers = [{}]\n",
            containers(n)
        )
    };
    scenario::load_str(&text(10), "s.toml", Path::new(".")).expect("10 containers are allowed");
    let e = errors(&text(11));
    assert!(
        e.contains("s.toml:7:")
            && e.contains("field `task_definitions[0].containers`: 11 containers: a task definition has at most 10"),
        "{e}"
    );
}

/// 100,000 containers ran for 60 s and 1.35 GiB; ECS allows 10 per task definition (§8).
#[test]
fn task_definition_json_is_bounded() {
    let d = dir("json");
    let container = r#"{"name": "c", "image": "x", "cpu": 10, "memory": 64, "essential": true}"#;
    let many = [container; 11].join(",");
    std::fs::write(
        d.join("td.json"),
        format!("{{\"family\": \"f\", \"containerDefinitions\": [{many}]}}"),
    )
    .unwrap();
    let text = "name = \"j\"\nduration = \"1h\"\nseed = 1\n[cluster]\navailability_zones = [\"us-east-1a\"]\n[[task_definitions]]\nfile = \"td.json\"\n";
    let e = load_in(&d, text).unwrap_err();
    assert!(
        e.contains("field `containerDefinitions`: 11 containers: a task definition has at most 10"),
        "{e}"
    );
    std::fs::write(
        d.join("td.json"),
        format!("{{\"family\": \"f\", \"x\": \"{}\"}}", "a".repeat(2 << 20)),
    )
    .unwrap();
    let e = load_in(&d, text).unwrap_err();
    assert!(
        e.contains(
            "s.toml:7:8: field `task_definitions[0].file`: cannot read task definition file"
        ),
        "{e}"
    );
    assert!(e.contains("larger than 1048576 bytes"), "{e}");
}

/// 16 axes × 16 values overflowed to "0 variants"; a 10^12 grid took 8 GiB in `--dry-run`. Both are
/// refused before any variant is built.
#[test]
fn sweep_grids_are_capped_before_expansion() {
    let axes = [
        "services.web.desired_count",
        "services.worker.desired_count",
        "capacity_providers.general.max_size",
        "capacity_providers.general.desired_size",
        "capacity_providers.general.min_size",
        "task_definitions.web.cpu",
        "task_definitions.web.memory",
        "task_definitions.worker.cpu",
        "task_definitions.log-agent.cpu",
        "task_definitions.log-agent.memory",
        "task_definitions.report.cpu",
        "task_definitions.report.memory",
        "run_tasks.0.count",
        "service_updates.0.desired_count",
        "service_updates.1.desired_count",
    ];
    let values: Vec<String> = (1..=16).map(|i| i.to_string()).collect();
    let mut text = "base = \"../scenarios/quickstart.toml\"\nseeds = 1\n[vary]\n".to_string();
    for a in axes {
        text.push_str(&format!("\"{a}\" = [{}]\n", values.join(", ")));
    }
    let started = std::time::Instant::now();
    let Err(e) = ecsim::sweep::file::load_str(&text, "g.toml", Path::new("sweeps"), "g") else {
        panic!("refused")
    };
    let e = e.to_string();
    assert!(
        e.starts_with("error: g.toml:3:1: the grid has 16 × 16"),
        "{e}"
    );
    assert!(
        e.contains("at most 100000 variants and 10000000 runs"),
        "{e}"
    );
    assert!(started.elapsed().as_secs() < 10);
    // Within the variant cap, but 1,000 variants × 1,000,000 seeds is more than 10^7 runs.
    let text = format!(
        "base = \"../scenarios/quickstart.toml\"\nseeds = 1000000\n[vary]\n\"{}\" = [{}]\n\"{}\" = [{}]\n\"{}\" = [1,2,3,4,5,6,7,8,9,10]\n",
        axes[0],
        (1..=10)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(","),
        axes[1],
        (1..=10)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(","),
        axes[2],
    );
    let Err(e) = ecsim::sweep::file::load_str(&text, "g.toml", Path::new("sweeps"), "g") else {
        panic!("refused")
    };
    let e = e.to_string();
    assert!(
        e.contains("1000 variants × 1000000 seeds is more than 10000000 runs"),
        "{e}"
    );
}

/// The edges of the ranges are valid and run to finite figures: the smallest and largest CPU per
/// request, the largest rate, peak_hour 24.
#[test]
fn valid_extremes_run_to_finite_figures() {
    for load in [
        "pattern = { type = \"constant\", rate = 10000000 }\ncpu_ms_per_request = 0.001",
        "pattern = { type = \"constant\", rate = 0.001 }\ncpu_ms_per_request = 3600000",
        "pattern = { type = \"diurnal\", mean = 10000000, peak_to_trough = 1000000, peak_hour = 24 }\ncpu_ms_per_request = 3600000\nmemory_base_mib = 1048576\nmemory_per_request_mib = 65536",
    ] {
        let spec = scenario::load_str(&with_load(load), "s.toml", Path::new("."))
            .unwrap_or_else(|d| panic!("{load}: {d}"));
        let r = finite::checked(&mut NullSink, |s| ecsim::sim::simulate(&spec, s));
        assert!(r.is_ok(), "{load}: {r:?}");
    }
}

/// docs/limits.md lists every range the loader checks (the table is `scenario::ranges::RANGES`).
#[test]
fn the_limits_page_lists_every_range() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/limits.md"))
        .unwrap();
    for r in scenario::ranges::RANGES {
        let key = if r.key == "*" {
            "every key".to_string()
        } else {
            format!("`{}`", r.key)
        };
        let row = if r.within.is_empty() {
            format!("| {key} | ")
        } else {
            format!("| {key} in `{}` | ", r.within)
        };
        assert!(doc.contains(&row), "docs/limits.md has no row `{row}`");
        assert!(
            doc.contains(r.meaning),
            "docs/limits.md lacks `{}`",
            r.meaning
        );
    }
}
