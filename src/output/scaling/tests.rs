use super::*;
use crate::spec::ServiceId;

fn spec() -> Spec {
    let mut src = String::from(
        "name = \"s\"\nduration = \"25m\"\n[cluster]\navailability_zones = [\"a\"]\n\
         [[capacity_providers]]\nname = \"cp\"\ninstance_type = \"m5.large\"\nmax_size = 2\ndesired_size = 2\n\
         [[task_definitions]]\nfamily = \"w\"\ncpu = 256\nmemory = 512\n",
    );
    for name in ["a", "=b"] {
        src.push_str(&format!(
            "[[services]]\nname = \"{name}\"\ntask_definition = \"w\"\ndesired_count = 1\n"
        ));
    }
    crate::scenario::load_str(&src, "s.toml", std::path::Path::new("."))
        .unwrap_or_else(|d| panic!("{d}"))
}

fn decision(t_s: u64, svc: u32, from: u32, to: u32, metric: &'static str) -> EventRecord {
    EventRecord {
        time_ms: t_s * 1000,
        service: Some(ServiceId(svc)),
        what: What::Scaling {
            out: to > from,
            from,
            to,
            metric,
            target: Some(60.0),
            reason: None,
        },
    }
}

const CPU: &str = "ECSServiceAverageCPUUtilization";
const MEM: &str = "ECSServiceAverageMemoryUtilization";

#[test]
fn decisions_fold_per_service_and_interval_in_service_order() {
    let s = spec();
    let mut rows = ScalingRows::new(Vec::new(), 900_000);
    // Interval (0, 15 min]: "=b" (id 1) first in time, then "a" (id 0): rows by id, so a first.
    // a: 2→3 (out), 3→5 (out), 5→4 (in): 2 outs, 1 in, from 2 to 4, lowest 2, highest 5.
    // =b: 4→3 (in): from 4 to 3, lowest 3, highest 4.
    for d in [
        decision(30, 1, 4, 3, CPU),
        decision(60, 0, 2, 3, CPU),
        decision(120, 0, 3, 5, CPU),
        decision(900, 0, 5, 4, CPU),
        // (15 min, 25 min]: the run ends at 25 min, so the row is at 1,500 s.
        decision(1000, 0, 4, 6, MEM),
    ] {
        assert!(rows.fold(&d, &s));
    }
    let other = EventRecord {
        time_ms: 0,
        service: Some(ServiceId(0)),
        what: What::SteadyState,
    };
    assert!(!rows.fold(&other, &s));
    let out = String::from_utf8(rows.finish().unwrap()).unwrap();
    assert_eq!(
        out,
        "time_s,clock,service,scale_outs,scale_ins,from,to,desired_min,desired_max\n\
         900.000,00:15:00,a,2,1,2,4,2,5\n\
         900.000,00:15:00,'=b,0,1,4,3,3,4\n\
         1500.000,00:25:00,a,1,0,4,6,4,6\n"
    );
}

#[test]
fn a_decision_at_zero_is_its_own_row() {
    let s = spec();
    let mut rows = ScalingRows::new(Vec::new(), 900_000);
    rows.fold(&decision(0, 0, 1, 2, CPU), &s);
    rows.fold(&decision(1, 0, 2, 3, CPU), &s);
    let out = String::from_utf8(rows.finish().unwrap()).unwrap();
    assert!(
        out.ends_with("\n0.000,00:00:00,a,1,0,1,2,1,2\n900.000,00:15:00,a,1,0,2,3,2,3\n"),
        "{out}"
    );
}

#[test]
fn the_first_decision_per_service_direction_and_metric_is_an_example() {
    let mut rows = ScalingRows::new(Vec::new(), 900_000);
    assert!(rows.example(&decision(60, 0, 2, 3, CPU)));
    assert!(!rows.example(&decision(120, 0, 3, 4, CPU)));
    assert!(rows.example(&decision(180, 0, 4, 3, CPU)));
    assert!(!rows.example(&decision(240, 0, 3, 2, CPU)));
    assert!(rows.example(&decision(300, 0, 2, 3, MEM)));
    assert!(rows.example(&decision(300, 1, 2, 3, CPU)));
}

/// A writer that fails: the error comes back from `finish`, not a panic or a silent loss.
struct Broken;

impl Write for Broken {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::other("disk full"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_write_error_is_returned() {
    let s = spec();
    let mut rows = ScalingRows::new(Broken, 900_000);
    rows.fold(&decision(60, 0, 2, 3, CPU), &s);
    let e = rows.finish().err().expect("the error");
    assert_eq!(e.to_string(), "disk full");
}
