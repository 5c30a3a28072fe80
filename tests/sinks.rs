//! A sink that keeps nothing (`NullSink`: sweeps, `compare`, benchmarks) lets the run skip event text, task
//! records and row-only figures. The summary must not notice: on every example scenario and on a small
//! fleet, the summary into a `NullSink` equals the one into a `MemorySink` that keeps everything.

#[path = "../benches/support/mod.rs"]
mod support;

use ecsim::metrics::{MemorySink, NullSink, Summary};
use ecsim::scenario;
use ecsim::sim::simulate;
use ecsim::spec::Spec;

fn both(spec: &Spec) -> (Summary, Summary, MemorySink) {
    let mut kept = MemorySink::default();
    let mut a = simulate(spec, &mut kept);
    let mut b = simulate(spec, &mut NullSink);
    a.wall_seconds = 0.0;
    b.wall_seconds = 0.0;
    (a, b, kept)
}

#[test]
fn null_sink_summaries_equal_kept_ones_on_every_example() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "example scenarios: {paths:?}");
    for p in paths {
        let spec = scenario::load(&p).unwrap_or_else(|d| panic!("{}: {d}", p.display()));
        let (kept, null, sink) = both(&spec);
        assert!(
            !sink.events.is_empty(),
            "{}: the kept run logged events",
            p.display()
        );
        assert_eq!(kept, null, "{}", p.display());
    }
}

#[test]
fn null_sink_summary_equals_kept_one_on_a_small_fleet() {
    let src = support::fleet_toml(support::Fleet {
        services: 4,
        instances: 30,
        days: 1,
        distinct: false,
    });
    let spec = scenario::load_str(&src, "<fleet>", std::path::Path::new(".")).unwrap();
    let (kept, null, sink) = both(&spec);
    // Scaling happened (so the skipped sentences were real), and the figures agree.
    assert!(sink.events.iter().filter(|e| e.kind == "scaling").count() > 20);
    assert!(kept.requests_total.unwrap() > 0.0);
    assert_eq!(kept, null);
}

/// The same with policies on memory and on requests per target: a `NullSink` run keeps memory sums only
/// for services whose policies read them, and computes request rates only for those that read them.
#[test]
fn null_sink_summary_equals_kept_one_with_memory_and_request_policies() {
    let src = support::fleet_toml(support::Fleet {
        services: 6,
        instances: 40,
        days: 1,
        distinct: false,
    });
    let cpu = r#"metric = "ECSServiceAverageCPUUtilization", target = 60"#;
    assert_eq!(src.matches(cpu).count(), 6, "the fleet's policies");
    let mut k = 0;
    let src = src
        .lines()
        .map(|l| {
            if !l.contains(cpu) {
                return l.to_string();
            }
            k += 1;
            match k % 3 {
                1 => l.replace(
                    cpu,
                    r#"metric = "ECSServiceAverageMemoryUtilization", target = 30"#,
                ),
                2 => l.replace(cpu, r#"metric = "ALBRequestCountPerTarget", target = 900"#),
                _ => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let spec = scenario::load_str(&src, "<fleet>", std::path::Path::new(".")).unwrap();
    let (kept, null, sink) = both(&spec);
    let scaled = |metric: &str| {
        sink.events
            .iter()
            .filter(|e| e.kind == "scaling" && e.message.contains(metric))
            .count()
    };
    // Each kind of policy acted, so its datapoints were real.
    for m in [
        "ECSServiceAverageMemoryUtilization",
        "ALBRequestCountPerTarget",
        "ECSServiceAverageCPUUtilization",
    ] {
        assert!(scaled(m) > 0, "{m}: no scaling");
    }
    assert_eq!(kept, null);
}
