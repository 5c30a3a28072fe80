//! Worker services on a queue (reference §4.5: AWS's "Scaling based on Amazon SQS" and the backlog-per-task
//! metric-math example of Application Auto Scaling): the queue arithmetic through the whole simulation,
//! conservation in the rows, a service scaled 0 → N → 0 by target tracking on backlog per task, step
//! scaling on ApproximateNumberOfMessagesVisible from 0 tasks, a per-message log as the source, and the
//! files' columns.

mod common;

use common::*;
use ecsim::metrics::SeriesRow;

const WORKER: &str = r#"
[[task_definitions]]
family = "worker"
requires_compatibilities = ["FARGATE"]
cpu = 1024
memory = 2048

[[services]]
name = "worker"
task_definition = "worker"
launch_type = "FARGATE"
"#;

fn rows<'a>(sink: &'a ecsim::metrics::MemorySink, name: &str) -> Vec<&'a SeriesRow> {
    sink.series
        .iter()
        .filter(|r| r.scope == "service" && r.name == name)
        .collect()
}

/// Per row, from the start: messages that arrived = consumed + visible + in flight (the rows' figures are
/// rounded to 10⁻⁶, so the sums agree to about rows × 10⁻⁶).
fn assert_conserved(rows: &[&SeriesRow]) {
    let (mut arrived, mut consumed) = (0.0, 0.0);
    for r in rows {
        arrived += r.messages_arrived.unwrap();
        consumed += r.messages_consumed.unwrap();
        let held = r.messages_visible.unwrap() + r.messages_in_flight.unwrap();
        assert!(
            (arrived - consumed - held).abs() < 1e-3,
            "t = {} ms: arrived {arrived} ≠ consumed {consumed} + queued {held}",
            r.time_ms
        );
    }
}

/// Two tasks of μ = 3 messages/s against a constant λ = 10/s: once both run, each minute 600 messages
/// arrive, 2 × 3 × 60 = 360 are consumed, the visible backlog grows by (λ − nμ) × 60 = 240, and the two
/// tasks hold one message each (in flight 2). Arrivals are constant from t = 0 and served first in, first
/// out, so the oldest message not deleted arrived at (messages consumed so far) ÷ λ: its age at t is
/// t − C(t) / 10.
#[test]
fn backlog_grows_at_lambda_minus_n_mu_by_hand() {
    let toml = format!(
        "{CLUSTER}{WORKER}desired_count = 2\n[services.queue]\npattern = {{ type = \"constant\", rate = 10 }}\nper_task_rate_per_s = 3\n"
    );
    let (summary, sink) = run(&toml);
    let rows = rows(&sink, "worker");
    assert_conserved(&rows);
    let mut consumed = 0.0;
    let mut checked = 0;
    for w in rows.windows(2) {
        let (a, b) = (w[0], w[1]);
        consumed += a.messages_consumed.unwrap();
        if a.running != Some(2) || a.time_ms < 120_000 {
            continue; // the tasks start within the first minute or two (Fargate)
        }
        assert_eq!(b.running, Some(2));
        assert!((b.messages_arrived.unwrap() - 600.0).abs() < 1e-6);
        assert!((b.messages_consumed.unwrap() - 360.0).abs() < 1e-6, "{b:?}");
        let growth = b.messages_visible.unwrap() - a.messages_visible.unwrap();
        assert!((growth - 240.0).abs() < 1e-5, "{growth}");
        assert!((b.messages_in_flight.unwrap() - 2.0).abs() < 1e-9);
        let t = a.time_ms as f64 / 1000.0;
        let age = t - consumed / 10.0;
        assert!(
            (a.oldest_message_age_s.unwrap() - age).abs() < 1e-4,
            "t = {t}: age {:?}, by hand {age}",
            a.oldest_message_age_s
        );
        checked += 1;
    }
    assert!(checked > 50, "{checked} minutes checked");
    let q = &summary.queues[0];
    assert_eq!(q.service, "worker");
    assert!((q.messages_arrived - 36_000.0).abs() < 1e-6);
    let held = q.messages_visible_at_end + q.messages_in_flight_at_end;
    assert!((q.messages_arrived - q.messages_consumed - held).abs() < 1e-6);
    assert!(q.max_messages_visible > 13_000.0 && q.max_oldest_message_age_s > 1_300.0);
}

/// A worker at 0 tasks with min_capacity 0 and target tracking on BacklogPerTask (target 100): messages
/// arrive at 20/s from 20 min to 1 h 20 min. The queue's datapoints exist at 0 tasks (backlog per task
/// over max(1, RUNNING)): the datapoint of 21 min is above the target, and from zero tasks one datapoint
/// is enough (§4.1): 183 s later (the publication delay, §4.2), at 1,260 + 183 = 1,443 s, the service
/// goes from 0 to 1 task, then out to N as its backlog per task demands. After the messages stop, the backlog
/// is 0, and target tracking scales in gradually back to 0 tasks; every message was consumed.
#[test]
fn worker_scales_from_zero_to_n_and_back_to_zero() {
    let toml = format!(
        "{}{WORKER}desired_count = 0\n{}",
        CLUSTER.replace("\"1h\"", "\"4h\""),
        r#"
[services.queue]
pattern = { type = "steps", steps = [["0s", 0], ["20m", 20], ["1h20m", 0]] }
per_task_rate_per_s = 5

[services.auto_scaling]
min_capacity = 0
max_capacity = 20
policies = [{ type = "target_tracking", metric = "BacklogPerTask", target = 100 }]
"#
    );
    let (summary, sink) = run(&toml);
    let rows = rows(&sink, "worker");
    assert_conserved(&rows);
    assert!(rows.iter().take(20).all(|r| r.running == Some(0)));
    let scaling: Vec<_> = sink.events.iter().filter(|e| e.kind == "scaling").collect();
    assert_eq!(scaling[0].time_ms, 1_443_000, "{:?}", scaling[0]);
    assert!(
        scaling[0]
            .message
            .contains("scaling out service worker from 0 to 1 tasks"),
        "{}",
        scaling[0].message
    );
    let peak = rows.iter().filter_map(|r| r.running).max().unwrap();
    assert!(peak >= 4, "20 messages/s needs 4 tasks of 5/s; peak {peak}");
    let last = rows.last().unwrap();
    assert_eq!((last.desired, last.running), (Some(0), Some(0)));
    assert!(
        scaling
            .last()
            .unwrap()
            .message
            .contains("scaling in service worker from 1 to 0 tasks")
    );
    let q = &summary.queues[0];
    assert!((q.messages_arrived - 72_000.0).abs() < 1e-6, "20/s for 1 h");
    assert!((q.messages_consumed - 72_000.0).abs() < 1e-6);
    assert_eq!(
        (q.messages_visible_at_end, q.messages_in_flight_at_end),
        (0.0, 0.0)
    );
    assert_eq!(summary.tasks_running_at_end, 0);
}

/// Backlog per task at 0 tasks (§4.5). AWS's example expression is m1 / m2, visible ÷ RUNNING tasks: no
/// value while no task runs, and target tracking does not act on insufficient data (§4.2) — ecsim's
/// default takes the whole backlog then (visible ÷ max(1, RUNNING), as a guarded `IF(m2 > 0, m1 / m2,
/// m1)` would). `backlog_at_zero_tasks = "no_data"` models the plain expression. The worker of
/// `worker_scales_from_zero_to_n_and_back_to_zero` (0 tasks, min 0, target tracking on BacklogPerTask,
/// 20 messages/s from 20 min to 1 h 20 min):
/// - alone, it never starts: no scaling event in 4 h, 0 tasks, all 20 × 3,600 = 72,000 messages still
///   visible at the end, and the run warns (`no-scale-from-zero`), where the default started it at
///   1,443 s;
/// - with the usual remedy beside it, a step policy on ApproximateNumberOfMessagesVisible ≥ 1
///   (ExactCapacity 1, 1 of 1 datapoints): the datapoint of 21 min holds 60 s × 20 = 1,200 visible
///   messages and reaches the alarm at 1,260 + 183 = 1,443 s: 0 → 1 by the step policy; from then on
///   tasks run and backlog per task has data, so target tracking scales on to ≥ 4 tasks (20/s ÷ 5/s),
///   every message is consumed, and there is no warning.
#[test]
fn plain_backlog_per_task_has_no_data_at_zero_tasks() {
    let worker = |extra: &str| {
        format!(
            "{}{WORKER}desired_count = 0\n{}",
            CLUSTER.replace("\"1h\"", "\"4h\""),
            r#"
[services.queue]
pattern = { type = "steps", steps = [["0s", 0], ["20m", 20], ["1h20m", 0]] }
per_task_rate_per_s = 5
backlog_at_zero_tasks = "no_data"

[services.auto_scaling]
min_capacity = 0
max_capacity = 20
policies = [
  { type = "target_tracking", metric = "BacklogPerTask", target = 100 },
"#
            .to_string()
                + extra
                + "]\n"
        )
    };
    let warned =
        |s: &ecsim::metrics::Summary| s.warnings.iter().any(|w| w.code == "no-scale-from-zero");

    let (summary, sink) = run(&worker(""));
    assert!(sink.events.iter().all(|e| e.kind != "scaling"));
    assert!(rows(&sink, "worker").iter().all(|r| r.running == Some(0)));
    let q = &summary.queues[0];
    assert!((q.messages_visible_at_end - 72_000.0).abs() < 1e-6, "{q:?}");
    assert!(warned(&summary), "{:?}", summary.warnings);

    let (summary, sink) = run(&worker(
        r#"  { type = "step_scaling", metric = "ApproximateNumberOfMessagesVisible", comparison = ">=", threshold = 1, adjustment_type = "ExactCapacity", steps = [{ lower = 0, adjustment = 1 }] },
"#,
    ));
    let scaling: Vec<_> = sink.events.iter().filter(|e| e.kind == "scaling").collect();
    assert_eq!(scaling[0].time_ms, 1_443_000, "{:?}", scaling[0]);
    assert!(
        scaling[0].message.contains("from 0 to 1 tasks")
            && scaling[0]
                .message
                .contains("ApproximateNumberOfMessagesVisible"),
        "{}",
        scaling[0].message
    );
    assert!(
        scaling[1].message.contains("BacklogPerTask"),
        "{}",
        scaling[1].message
    );
    let peak = rows(&sink, "worker")
        .iter()
        .filter_map(|r| r.running)
        .max()
        .unwrap();
    assert!(peak >= 4, "peak {peak}");
    let q = &summary.queues[0];
    assert!((q.messages_consumed - 72_000.0).abs() < 1e-6, "{q:?}");
    assert!(!warned(&summary), "{:?}", summary.warnings);
}

/// Step scaling on ApproximateNumberOfMessagesVisible ≥ 500, +2 tasks, 1 of 1 datapoints: messages arrive
/// at 20/s from 10 min; the datapoint of 11 min (1,200 visible, no task) breaches, and reaches its alarm at
/// 660 + 183 = 843 s: 0 running + 2 → 2 tasks (§4.3 computes from the RUNNING count).
#[test]
fn step_scaling_on_messages_visible_starts_from_zero() {
    let toml = format!(
        "{CLUSTER}{WORKER}desired_count = 0\n{}",
        r#"
[services.queue]
pattern = { type = "steps", steps = [["0s", 0], ["10m", 20]] }
per_task_rate_per_s = 50

[services.auto_scaling]
min_capacity = 0
max_capacity = 10
policies = [
  { type = "step_scaling", metric = "ApproximateNumberOfMessagesVisible", comparison = ">=", threshold = 500, adjustment_type = "ChangeInCapacity", steps = [{ lower = 0, adjustment = 2 }] },
]
"#
    );
    let (_, sink) = run(&toml);
    let first = sink.events.iter().find(|e| e.kind == "scaling").unwrap();
    assert_eq!(first.time_ms, 843_000, "{first:?}");
    assert!(
        first
            .message
            .contains("scaling out service worker from 0 to 2 tasks")
            && first.message.contains("ApproximateNumberOfMessagesVisible"),
        "{}",
        first.message
    );
    assert_conserved(&rows(&sink, "worker"));
}

/// A scale-in alarm on ApproximateNumberOfMessagesVisible <= 0 with one step, upper bound 0, −1 task: an
/// empty queue is exactly at the threshold (0 − 0 = 0), and below the threshold a step's upper bound is
/// inclusive (AAS API `StepAdjustment`: threshold 50, bounds −10 and 0 hold "greater than 40 and less
/// than or equal to 50"; §4.3), so the step applies. The first datapoint (the row of 0 s) reaches the
/// alarm at 0 + 183 = 183 s: 3 → 2; the 300 s cooldown then lets one scale-in through every 300 s: 2 → 1
/// at 483 s, 1 → 0 at 783 s. (With the upper bound taken as exclusive no step held 0 and the service kept 3 tasks.)
#[test]
fn a_less_or_equal_alarm_at_its_threshold_takes_the_step_ending_there() {
    let toml = format!(
        "{CLUSTER}{WORKER}desired_count = 3\n{}",
        r#"
[services.queue]
pattern = { type = "constant", rate = 0 }
per_task_rate_per_s = 50

[services.auto_scaling]
min_capacity = 0
max_capacity = 10
policies = [
  { type = "step_scaling", metric = "ApproximateNumberOfMessagesVisible", comparison = "<=", threshold = 0, adjustment_type = "ChangeInCapacity", steps = [{ upper = 0, adjustment = -1 }] },
]
"#
    );
    let (summary, sink) = run(&toml);
    let got: Vec<(u64, &str)> = sink
        .events
        .iter()
        .filter(|e| e.kind == "scaling")
        .map(|e| (e.time_ms, e.message.as_str()))
        .collect();
    let want = [
        (183_000, "from 3 to 2"),
        (483_000, "from 2 to 1"),
        (783_000, "from 1 to 0"),
    ];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for ((t, m), (wt, wm)) in got.iter().zip(want) {
        assert!(*t == wt && m.contains(wm), "{t} {m}, wanted {wt} {wm}");
    }
    assert_eq!(summary.tasks_running_at_end, 0);
}

/// A per-message log as the source (the Azure LLM request log: 8,819 rows in its hour), consumed by one
/// task: every logged message arrives once.
#[test]
fn a_message_log_is_a_source() {
    let toml = format!(
        "{CLUSTER}{WORKER}desired_count = 1\n{}",
        r#"
[services.queue]
messages = { file = "../data/AzureLLMInferenceTrace_code.csv", time_column = "TIMESTAMP" }
service_time = "100ms"
"#
    );
    let (summary, sink) = run(&toml);
    assert_conserved(&rows(&sink, "worker"));
    assert!((summary.queues[0].messages_arrived - 8_819.0).abs() < 1e-6);
}

/// `timeseries.csv` gains the five queue columns only in runs with a queue (other runs' files are
/// unchanged), with empty cells on rows that have no queue; `summary.json` gains `queues` likewise, and
/// the charts a queue chart.
#[test]
fn queue_columns_only_in_runs_with_a_queue() {
    let with = format!(
        "{CLUSTER}{WORKER}desired_count = 1\n[services.queue]\npattern = {{ type = \"constant\", rate = 1 }}\nper_task_rate_per_s = 2\n"
    );
    let without = format!("{CLUSTER}{WORKER}desired_count = 1\n");
    let tmp = tempfile::tempdir().unwrap();
    for (name, toml) in [("with", &with), ("without", &without)] {
        let spec = ecsim::scenario::load_str(toml, "t.toml", std::path::Path::new(".")).unwrap();
        let dir = tmp.path().join(name);
        ecsim::output::write_run(&dir, |sink| ecsim::sim::simulate(&spec, sink)).unwrap();
        let ts = std::fs::read_to_string(dir.join("timeseries.csv")).unwrap();
        let json = std::fs::read_to_string(dir.join("summary.json")).unwrap();
        let header = ts.lines().next().unwrap();
        let cols = header.split(',').count();
        if name == "with" {
            assert_eq!(
                header,
                format!(
                    "{},{}",
                    ecsim::output::SERIES_HEADER,
                    ecsim::output::SERIES_QUEUE_COLUMNS
                )
            );
            let service = ts.lines().find(|l| l.contains(",service,")).unwrap();
            let cluster = ts.lines().find(|l| l.contains(",cluster,")).unwrap();
            assert!(service.ends_with(",0,0,0,0,0"), "{service}");
            assert!(cluster.ends_with(",,,,,"), "{cluster}");
            assert!(json.contains("\"queues\""));
        } else {
            assert_eq!(header, ecsim::output::SERIES_HEADER);
            assert!(!json.contains("\"queues\""));
        }
        assert!(ts.lines().all(|l| l.split(',').count() == cols));
        // The report's charts read the folder back: a queue chart only where there is a queue.
        ecsim::output::report::write_run_report(&dir).unwrap();
        let chart = dir.join("charts/service-worker-queue.svg");
        assert_eq!(chart.exists(), name == "with", "{name}");
    }
}

/// Messages arrive from t = 0, but a service created at 30 min has no scalable target before then: no
/// datapoint, no scaling. Its first datapoint is the tick of its creation (30 min; the creation comes
/// first at equal times), and from zero tasks one datapoint above the target is enough (§4.1): the
/// alarm sees it at 1,800 + 183 = 1,983 s.
#[test]
fn no_queue_datapoint_before_the_service_exists() {
    let toml = format!(
        "{CLUSTER}{WORKER}desired_count = 0\nstart = \"30m\"\n{}",
        r#"
[services.queue]
pattern = { type = "constant", rate = 5 }
per_task_rate_per_s = 10

[services.auto_scaling]
min_capacity = 0
max_capacity = 10
policies = [{ type = "target_tracking", metric = "BacklogPerTask", target = 100 }]
"#
    );
    let (_, sink) = run(&toml);
    let first = sink.events.iter().find(|e| e.kind == "scaling").unwrap();
    assert_eq!(first.time_ms, 1_983_000, "{first:?}");
    assert!(
        first.message.contains("from 0 to 1 tasks"),
        "{}",
        first.message
    );
    assert_conserved(&rows(&sink, "worker"));
}

/// A sweep can vary a queue's keys, including one the base scenario leaves at its default.
#[test]
fn sweeps_can_vary_queue_keys() {
    let base: toml::Table = toml::from_str(&format!(
        "{CLUSTER}{WORKER}desired_count = 1\n[services.queue]\npattern = {{ type = \"constant\", rate = 1 }}\nper_task_rate_per_s = 2\n"
    ))
    .unwrap();
    for path in [
        "services.worker.queue.per_task_rate_per_s",
        "services.worker.queue.concurrency",
        "services.worker.queue.visibility_timeout",
    ] {
        assert!(ecsim::sweep::paths::resolve(&base, path).is_ok(), "{path}");
    }
    let err = ecsim::sweep::paths::resolve(&base, "services.worker.queue.concurency")
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("concurrency"), "{err}");
}
