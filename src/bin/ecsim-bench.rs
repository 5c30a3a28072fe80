//! `ecsim-bench`: a plain timing binary (no criterion) that prints one compact table of ecsim's headline
//! speeds, with the machine's core count:
//!
//! - hold model (event queue) at 1,000 and 100,000 pending events: events/s of
//!   `ecsim::engine::EventQueue<u32>` and of a bare `BinaryHeap<Reverse<(u64, u64, u32)>>` doing the same
//!   pops and pushes, and their ratio (median of 5 runs of 10 M / 5 M events);
//! - placement: 100,000 tasks of 256 CPU / 512 MiB onto 10,000 m5.xlarge-like instances, each one
//!   `placement::place` + `World::allocate`, for `binpack(memory)`, `spread(AZ), binpack(memory)` and the
//!   service default `spread(AZ), spread(instanceId)`
//!   (median of 3; building the world is not timed);
//! - full simulation: a generated 7-day scenario (500 m5.xlarge, 100 services of 20–80 tasks scaling
//!   three times a day) run with `simulate` into a `NullSink`: events, wall seconds, events/s (median of 3).
//!
//! Run: `cargo run --release --bin ecsim-bench` (about 20 s on 2 cores), or with `-- --quick` for a CI
//! smoke run with 10× fewer events (smaller hold runs, 10k×1k placement, a 17-hour simulation).
//! The workloads are shared with the criterion benches through `benches/support/mod.rs`.

/// `println!` that ignores a closed pipe (`ecsim-bench | head`), like the ecsim binary's output.
macro_rules! println {
    () => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout());
    }};
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

#[path = "../../benches/support/mod.rs"]
mod support;

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;

use ecsim::engine::rng::RngStream;
use ecsim::metrics::NullSink;
use ecsim::scenario;
use ecsim::sim::simulate;
use ecsim::spec::Strategy;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn nproc() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Events/s of `steps` hold operations of a fresh `EngineHold` / `HeapHold` (construction not timed).
fn hold_engine(pending: usize, steps: u64) -> f64 {
    let mut h = support::EngineHold::new(pending);
    let t0 = Instant::now();
    let mut acc = 0u64;
    for _ in 0..steps {
        acc = acc.wrapping_add(h.step());
    }
    black_box(acc);
    assert_eq!(h.len(), pending);
    steps as f64 / t0.elapsed().as_secs_f64()
}

fn hold_heap(pending: usize, steps: u64) -> f64 {
    let mut h = support::HeapHold::new(pending);
    let t0 = Instant::now();
    let mut acc = 0u64;
    for _ in 0..steps {
        acc = acc.wrapping_add(h.step());
    }
    black_box(acc);
    assert_eq!(h.len(), pending);
    steps as f64 / t0.elapsed().as_secs_f64()
}

/// Wall seconds to place `tasks` tasks onto a fresh world of `instances` (world building not timed).
fn placement_secs(instances: usize, tasks: usize, strategies: &[Strategy]) -> f64 {
    let (mut world, group) = support::build_world(instances);
    let mut rng = RngStream::new(support::SEED, "placement");
    let t0 = Instant::now();
    let placed = support::place_all(&mut world, group, tasks, strategies, &mut rng);
    let s = t0.elapsed().as_secs_f64();
    assert_eq!(placed, tasks);
    black_box(&world);
    s
}

/// The generated full-simulation scenario: one ASG of `instances` m5.xlarge over three zones, `services`
/// REPLICA services of 50 tasks (cpu 256 / memory 512) on the ASG's capacity provider, each scaled to 80
/// and 20 alternately at 06:00, 12:00 and 18:00 (diurnal scaling), for `days` days (fractional allowed).
fn scenario_toml(instances: u32, services: u32, days: f64) -> String {
    let mut s = String::new();
    let hours = (days * 24.0).round() as u64;
    writeln!(
        s,
        "name = \"bench-diurnal\"\nduration = \"{hours}h\"\nseed = 7\n"
    )
    .unwrap();
    writeln!(
        s,
        "[cluster]\navailability_zones = [\"us-east-1a\", \"us-east-1b\", \"us-east-1c\"]\n"
    )
    .unwrap();
    writeln!(
        s,
        "[[capacity_providers]]\nname = \"asg\"\ninstance_type = \"m5.xlarge\"\nmin_size = {instances}\n\
         max_size = {instances}\ndesired_size = {instances}\n"
    )
    .unwrap();
    writeln!(
        s,
        "[[task_definitions]]\nfamily = \"app\"\ncpu = 256\nmemory = 512\n"
    )
    .unwrap();
    for i in 0..services {
        writeln!(
            s,
            "[[services]]\nname = \"svc{i:03}\"\ntask_definition = \"app\"\ndesired_count = 50\n\
             capacity_provider_strategy = [{{ capacity_provider = \"asg\", weight = 1 }}]\n"
        )
        .unwrap();
    }
    for i in 0..services {
        let mut k = 0;
        for h in (6..hours).step_by(6) {
            if h % 24 == 0 {
                continue; // 06:00, 12:00, 18:00 only
            }
            let desired = if k % 2 == 0 { 80 } else { 20 };
            k += 1;
            writeln!(
                s,
                "[[service_updates]]\nat = \"{h}h\"\nservice = \"svc{i:03}\"\ndesired_count = {desired}\n"
            )
            .unwrap();
        }
    }
    s
}

fn fmt_rate(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.2} M/s", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.1} k/s", x / 1e3)
    } else {
        format!("{x:.0} /s")
    }
}

/// `ecsim-bench sim FILE [RUNS] [--progress] [--sink DETAIL]`: the simulation alone (no output files: a
/// `NullSink`), `RUNS` times (default 3); prints each run's wall time and events, and the median. With
/// `--progress` the run reports into a `sim::Progress` hook, as under `ecsim run`'s progress bar (to
/// measure its cost). With `--sink full` (or `auto`, `summary`) the run writes its CSV files at that
/// detail into a temporary folder (no report), timed until the last row is on disk: the file sink's cost
/// against the `NullSink` run (issue #20: at most 2×).
fn sim_command(file: &str, runs: usize, progress: bool, sink: Option<ecsim::spec::Detail>) {
    let mut spec = match scenario::load(std::path::Path::new(file)) {
        Ok(s) => s,
        Err(d) => {
            eprintln!("{d}");
            std::process::exit(2);
        }
    };
    let mut walls = Vec::new();
    for i in 0..runs.max(1) {
        let t0 = Instant::now();
        let sum = if let Some(detail) = sink {
            spec.output.detail = detail;
            let dir = tempfile::tempdir().expect("a temporary folder");
            let plan = ecsim::output::detail::Plan::of(&spec);
            ecsim::output::write_run_detail(dir.path(), plan, |sink| simulate(&spec, sink))
                .expect("the run's files written")
        } else if progress {
            ecsim::sim::Sim::new(&spec, &mut NullSink)
                .with_progress(ecsim::sim::Progress::new())
                .run()
        } else {
            simulate(&spec, &mut NullSink)
        };
        let s = t0.elapsed().as_secs_f64();
        println!(
            "run {i}: {s:.3} s wall, {} events ({}), {} tasks launched, {} scaling actions",
            sum.events,
            fmt_rate(sum.events as f64 / s),
            sum.tasks_launched,
            sum.scaling_actions
        );
        walls.push(s);
    }
    println!("median {:.3} s ({file})", median(walls));
}

/// `ecsim-bench scaling`: wall time of the medium fleet (100 services × 50 tasks on 500 instances, 7 days)
/// at 1×, 2×, 4× and 8× the services and instances, and at 1×, 2×, 4× and 8× the days; median of 3 runs
/// each into a `NullSink` (the simulation alone), with the ratio to the 1× run.
fn scaling_table() {
    let base = support::Fleet::MEDIUM;
    let time = |f: support::Fleet| {
        let src = support::fleet_toml(f);
        let spec = scenario::load_str(&src, "<ecsim-bench scaling>", std::path::Path::new("."))
            .unwrap_or_else(|d| panic!("generated scenario is invalid:\n{d}"));
        let mut runs: Vec<(f64, ecsim::metrics::Summary)> = (0..3)
            .map(|_| {
                let t0 = Instant::now();
                let sum = simulate(&spec, &mut NullSink);
                (t0.elapsed().as_secs_f64(), sum)
            })
            .collect();
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        runs.swap_remove(1)
    };
    // A warm-up run, so that the 1x line is not also the first run of the process.
    time(base);
    println!(
        "scaling: the medium fleet ({} services x 50 tasks on {} m5.xlarge, {} days), median of 3, NullSink",
        base.services, base.instances, base.days
    );
    println!(
        "  {:<6} {:>9} {:>10} {:>6} {:>10} {:>10} {:>9} {:>7}",
        "factor", "services", "instances", "days", "events", "tasks", "wall s", "ratio"
    );
    for (what, grow_tasks) in [("tasks", true), ("days", false)] {
        let mut first = None;
        for k in [1u32, 2, 4, 8] {
            let f = if grow_tasks {
                support::Fleet {
                    services: base.services * k,
                    instances: base.instances * k,
                    ..base
                }
            } else {
                support::Fleet {
                    days: base.days * k,
                    ..base
                }
            };
            let (s, sum) = time(f);
            let r = s / *first.get_or_insert(s);
            println!(
                "  {:<6} {:>9} {:>10} {:>6} {:>10} {:>10} {:>9.3} {:>7.2}",
                format!("{k}x {what}"),
                f.services,
                f.instances,
                f.days,
                sum.events,
                sum.tasks_launched,
                s,
                r
            );
        }
    }
}

/// `ecsim-bench fleet [--medium | --large | --services N --instances N --days N] [--distinct]`: print a
/// fleet scenario (issue #9's shape) as TOML on stdout; `--distinct` gives each service its own mean rate
/// and peak minute (issue #20), so that no two share a load pattern.
fn fleet_command(args: &[String]) -> Result<(), String> {
    let mut f = support::Fleet::MEDIUM;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut num = |name: &str| -> Result<u32, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .filter(|&v| v > 0)
                .ok_or_else(|| format!("{name} needs a positive whole number"))
        };
        match a.as_str() {
            "--medium" => f = support::Fleet::MEDIUM,
            "--large" => f = support::Fleet::LARGE,
            "--services" => f.services = num("--services")?,
            "--instances" => f.instances = num("--instances")?,
            "--days" => f.days = num("--days")?,
            "--distinct" => f.distinct = true,
            other => {
                return Err(format!(
                    "unknown argument `{other}`; allowed: --medium, --large, --services N, \
                     --instances N, --days N, --distinct"
                ));
            }
        }
    }
    use std::io::Write as _;
    let _ = std::io::stdout().write_all(support::fleet_toml(f).as_bytes());
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "fleet") {
        if let Err(e) = fleet_command(&args[1..]) {
            eprintln!("ecsim-bench fleet: {e}");
            std::process::exit(2);
        }
        return;
    }
    if args.first().is_some_and(|a| a == "sim") {
        match args.get(1) {
            Some(file) => sim_command(
                file,
                args.get(2).and_then(|n| n.parse().ok()).unwrap_or(3),
                args.iter().any(|a| a == "--progress"),
                match args
                    .iter()
                    .position(|a| a == "--sink")
                    .map(|i| args.get(i + 1))
                {
                    None => None,
                    Some(Some(d)) if d == "full" => Some(ecsim::spec::Detail::Full),
                    Some(Some(d)) if d == "auto" => Some(ecsim::spec::Detail::Auto),
                    Some(Some(d)) if d == "summary" => Some(ecsim::spec::Detail::Summary),
                    Some(d) => {
                        eprintln!("--sink takes full, auto or summary, not {d:?}");
                        std::process::exit(2);
                    }
                },
            ),
            None => {
                eprintln!(
                    "usage: ecsim-bench sim SCENARIO.toml [RUNS] [--progress] [--sink full|auto|summary]"
                );
                std::process::exit(2);
            }
        }
        return;
    }
    if args.first().is_some_and(|a| a == "scaling") {
        scaling_table();
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let div: u64 = if quick { 10 } else { 1 };
    let wall = Instant::now();

    println!(
        "ecsim-bench{}  (nproc = {}, single-threaded, {} build)",
        if quick { " --quick" } else { "" },
        nproc(),
        if cfg!(debug_assertions) {
            "DEBUG — numbers meaningless"
        } else {
            "release"
        }
    );
    println!();

    // 1. Hold model.
    println!(
        "hold model: pop earliest + push at now+Exp(mean 1000 ms), increments pre-generated; median of 5"
    );
    println!(
        "  {:<10} {:>9}  {:>12}  {:>12}  {:>8}",
        "pending", "events", "EventQueue", "BinaryHeap", "EQ/heap"
    );
    for (pending, steps) in [(1_000usize, 10_000_000u64), (100_000, 5_000_000)] {
        let steps = steps / div;
        let mut eq = Vec::new();
        let mut bh = Vec::new();
        for _ in 0..5 {
            // Interleaved so that frequency drift hits both alike.
            eq.push(hold_engine(pending, steps));
            bh.push(hold_heap(pending, steps));
        }
        let (e, b) = (median(eq), median(bh));
        println!(
            "  {:<10} {:>8}M  {:>12}  {:>12}  {:>8.3}",
            pending,
            steps as f64 / 1e6,
            fmt_rate(e),
            fmt_rate(b),
            e / b
        );
    }
    println!();

    // 2. Placement.
    let (instances, tasks) = if quick {
        (1_000, 10_000)
    } else {
        (10_000, 100_000)
    };
    println!(
        "placement: {tasks} tasks (256 CPU/512 MiB, one group) onto {instances} m5.xlarge over 3 AZs, \
         place + allocate each; median of 3"
    );
    println!("  {:<34} {:>10}  {:>12}", "strategies", "wall s", "tasks/s");
    let cases: [(&str, Vec<Strategy>); 3] = [
        ("binpack(memory)", support::binpack_memory()),
        (
            "spread(AZ), binpack(memory)",
            support::spread_az_binpack_memory(),
        ),
        ("spread(AZ), spread(instanceId)", support::service_default()),
    ];
    for (name, strategies) in &cases {
        let s = median(
            (0..3)
                .map(|_| placement_secs(instances, tasks, strategies))
                .collect(),
        );
        println!(
            "  {:<34} {:>10.3}  {:>12}",
            name,
            s,
            fmt_rate(tasks as f64 / s)
        );
    }
    println!();

    // 3. Full simulation.
    let days = if quick { 0.7 } else { 7.0 };
    let src = scenario_toml(500, 100, days);
    let spec = scenario::load_str(&src, "<ecsim-bench generated>", std::path::Path::new("."))
        .unwrap_or_else(|d| panic!("generated scenario is invalid:\n{d}"));
    println!(
        "full simulation: {days} days, 500 m5.xlarge / 3 AZs, 100 services x 50 tasks scaled 80/20 at \
         06/12/18 h ({} updates), NullSink; median of 3",
        spec.service_updates.len()
    );
    println!(
        "  {:>10}  {:>10}  {:>12}  {:>8}  {:>12}",
        "events", "wall s", "events/s", "tasks", "place fails"
    );
    let mut runs = Vec::new();
    for _ in 0..3 {
        let t0 = Instant::now();
        let summary = simulate(&spec, &mut NullSink);
        let s = t0.elapsed().as_secs_f64();
        runs.push((s, summary));
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (s, summary) = &runs[1];
    println!(
        "  {:>10}  {:>10.3}  {:>12}  {:>8}  {:>12}",
        summary.events,
        s,
        fmt_rate(summary.events as f64 / s),
        summary.tasks_launched,
        summary.placement_failures
    );
    println!();

    // 4. Traffic.
    traffic(quick);
    println!();

    // 5. Auto scaling on a large cluster.
    autoscaling_bench();
    println!();
    println!("total wall time {:.1} s", wall.elapsed().as_secs_f64());
}

/// A 20-task Fargate service with `load`; `days` long.
fn traffic_toml(days: f64, load: &str, mode: &str) -> String {
    format!(
        r#"name = "bench-traffic"
duration = "{mins}m"
[cluster]
availability_zones = ["a", "b", "c"]
[traffic]
mode = "{mode}"
[[task_definitions]]
family = "web"
requires_compatibilities = ["FARGATE"]
cpu = 1024
memory = 2048
[[services]]
name = "web"
task_definition = "web"
desired_count = 20
launch_type = "FARGATE"
[services.load]
{load}
cpu_ms_per_request = 4.0
"#,
        mins = (days * 1440.0).round() as u64
    )
}

fn time_run(src: &str) -> (f64, ecsim::metrics::Summary) {
    let spec = scenario::load_str(src, "<ecsim-bench traffic>", std::path::Path::new("."))
        .unwrap_or_else(|d| panic!("generated scenario is invalid:\n{d}"));
    let mut runs = Vec::new();
    for _ in 0..3 {
        let t0 = Instant::now();
        let s = simulate(&spec, &mut NullSink);
        runs.push((t0.elapsed().as_secs_f64(), s));
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    runs.swap_remove(1)
}

/// One service on a 1,000-instance cluster scaled by target tracking from 2 to about 200 tasks and back
/// over a day (a diurnal load with a 100:1 peak-to-trough ratio).
fn autoscaling_bench() {
    let src = r#"name = "bench-autoscaling"
duration = "1d"
[cluster]
availability_zones = ["a", "b", "c"]
[[capacity_providers]]
name = "fleet"
instance_type = "m5.xlarge"
max_size = 1000
desired_size = 1000
[[task_definitions]]
family = "web"
cpu = 1024
memory = 2048
[[services]]
name = "web"
task_definition = "web"
desired_count = 2
capacity_provider_strategy = [{ capacity_provider = "fleet", weight = 1 }]
[services.load]
pattern = { type = "diurnal", mean = 6060, peak_to_trough = 100, peak_hour = 12 }
cpu_ms_per_request = 10.0
[services.auto_scaling]
min_capacity = 2
max_capacity = 400
policies = [{ type = "target_tracking", metric = "ECSServiceAverageCPUUtilization", target = 60 }]
"#;
    let (s, sum) = time_run(src);
    println!(
        "auto scaling: 1 service, 2 → ~200 → 2 tasks over 1 day (target tracking), 1,000 m5.xlarge; median of 3"
    );
    println!(
        "  {:>9.3} s wall, {} events, {} scaling actions, {} tasks launched",
        s, sum.events, sum.scaling_actions, sum.tasks_launched
    );
}

fn traffic(quick: bool) {
    // The NASA trace ships in data/; run from the repository root.
    let days = if quick { 3.0 } else { 30.0 };
    let nasa = r#"trace = { file = "data/nasa_jul_aug_1995_per_minute.csv", time_column = "epoch_s", value_column = "requests", value = "count", row_interval = "60s", scale = 100.0, loop = true }"#;
    println!(
        "traffic (fluid mode unless stated), 20 Fargate tasks of 1 vCPU, 4 ms/request; median of 3"
    );
    println!(
        "  {:<52} {:>9} {:>14} {:>12}",
        "case", "wall s", "requests", "requests/s"
    );
    if std::path::Path::new("data/nasa_jul_aug_1995_per_minute.csv").exists() {
        let (s, sum) = time_run(&traffic_toml(days, nasa, "fluid"));
        println!(
            "  {:<52} {:>9.3} {:>14.0} {:>12}",
            format!("NASA trace x100, {days} days"),
            s,
            sum.requests_total.unwrap_or(0.0),
            fmt_rate(sum.requests_total.unwrap_or(0.0) / s)
        );
    } else {
        println!(
            "  (data/nasa_jul_aug_1995_per_minute.csv not found: run from the repository root)"
        );
    }
    // Flat cost per simulated minute: the same day at 10 and at 100,000 requests/s (utilisation 0.2 %
    // and 20 %: both stable).
    for rate in [10.0, 1_000.0, 100_000.0] {
        let load = format!("pattern = {{ type = \"constant\", rate = {rate} }}");
        let (s, sum) = time_run(&traffic_toml(if quick { 0.1 } else { 1.0 }, &load, "fluid"));
        println!(
            "  {:<52} {:>9.3} {:>14.0} {:>12}",
            format!(
                "constant {rate} req/s, fluid, {} day",
                if quick { 0.1 } else { 1.0 }
            ),
            s,
            sum.requests_total.unwrap_or(0.0),
            fmt_rate(sum.requests_total.unwrap_or(0.0) / s)
        );
    }
    // Request-by-request mode throughput.
    let load = "pattern = { type = \"constant\", rate = 2000 }";
    let (s, sum) = time_run(&traffic_toml(
        if quick { 0.01 } else { 0.1 },
        load,
        "requests",
    ));
    println!(
        "  {:<52} {:>9.3} {:>14.0} {:>12}",
        "constant 2000 req/s, request by request",
        s,
        sum.requests_total.unwrap_or(0.0),
        fmt_rate(sum.requests_total.unwrap_or(0.0) / s)
    );
}
