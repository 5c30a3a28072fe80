//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ecsim::metrics::{MemorySink, Summary, TaskRecord};
use ecsim::scenario;
use ecsim::sim::Sim;

/// Load scenario text (relative paths from `scenarios/`) and run it with invariant checks after every event.
pub fn run(toml: &str) -> (Summary, MemorySink) {
    let spec = scenario::load_str(toml, "test.toml", Path::new("scenarios"))
        .unwrap_or_else(|d| panic!("scenario should load:\n{d}"));
    let mut sink = MemorySink::default();
    let summary = Sim::new(&spec, &mut sink).with_invariant_checks(true).run();
    (summary, sink)
}

/// The load errors of scenario text, as one string.
pub fn load_errors(toml: &str) -> String {
    match scenario::load_str(toml, "test.toml", Path::new("scenarios")) {
        Ok(_) => panic!("scenario should not load"),
        Err(d) => d.to_string(),
    }
}

/// Tasks of one service still alive at the end.
pub fn alive<'a>(sink: &'a MemorySink, service: &str) -> Vec<&'a TaskRecord> {
    sink.tasks
        .iter()
        .filter(|t| t.service == service && t.stopped_ms.is_none())
        .collect()
}

/// Count of records per distinct value of `key`.
pub fn count_by(tasks: &[&TaskRecord], key: impl Fn(&TaskRecord) -> &str) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for t in tasks {
        let k = key(t).to_string();
        match out.iter_mut().find(|(x, _)| *x == k) {
            Some(e) => e.1 += 1,
            None => out.push((k, 1)),
        }
    }
    out.sort();
    out
}

/// A cluster header with three zones.
pub const CLUSTER: &str = r#"
name = "t"
duration = "1h"
seed = 5
[cluster]
availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
"#;

/// Run the ecsim binary with `args` in `cwd`.
pub fn ecsim(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run ecsim")
}

/// The repository (scenarios/ and docs/ are read from it).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A run's standard error, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A run's standard output, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// SVG entities undone, as a browser shows the text.
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The text of every `<text>` element of an SVG, unescaped and trimmed.
pub fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|part| {
            let start = part.find('>')? + 1;
            let end = part.find("</text>")?;
            Some(unescape(part[start..end].trim()))
        })
        .collect()
}

/// The events of one code (`rebalancing`, `steady_state`, …).
pub fn coded<'a>(sink: &'a MemorySink, code: &str) -> Vec<&'a ecsim::metrics::LoggedEvent> {
    sink.events.iter().filter(|e| e.code == code).collect()
}
