//! Placement throughput: tasks of 256 CPU / 512 MiB (bridge, no ports, one task group) placed one after
//! another onto m5.xlarge-like instances (4096 CPU units, 15,900 MiB, 3 free ENIs, the agent's reserved
//! ports, three zones round-robin, one capacity provider); each placement is `placement::place` followed
//! by `World::allocate`, as the service scheduler does.
//!
//! - `placement-100k-on-10k/binpack(memory)` and `…/spread(AZ),binpack(memory)`: 100,000 tasks onto
//!   10,000 instances through the indexed paths (target: under 1 s each).
//! - `placement-10k-on-1k/spread(AZ),spread(instanceId)`: the service default strategy, 10,000 tasks
//!   onto 1,000 instances through the scan path.
//!
//! One iteration places the whole batch into a fresh world built by the untimed `iter_batched` setup;
//! criterion reports tasks/s. Run: `cargo bench --bench placement` (about 40 s). Workloads live in
//! `benches/support/mod.rs`.

mod support;

use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use ecsim::engine::rng::RngStream;
use ecsim::spec::Strategy;

fn run_case(
    c: &mut Criterion,
    group: &str,
    instances: usize,
    tasks: usize,
    cases: &[(&str, Vec<Strategy>)],
    measurement: Duration,
) {
    let mut g = c.benchmark_group(group);
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(measurement)
        .throughput(Throughput::Elements(tasks as u64));
    for (name, strategies) in cases {
        g.bench_function(*name, |b| {
            b.iter_batched(
                || {
                    let (world, group) = support::build_world(instances);
                    (world, group, RngStream::new(support::SEED, "placement"))
                },
                |(mut world, group, mut rng)| {
                    support::place_all(&mut world, group, tasks, strategies, &mut rng);
                    world
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

fn placement(c: &mut Criterion) {
    run_case(
        c,
        "placement-100k-on-10k",
        10_000,
        100_000,
        &[
            ("binpack(memory)", support::binpack_memory()),
            (
                "spread(AZ),binpack(memory)",
                support::spread_az_binpack_memory(),
            ),
        ],
        // About 1 s per iteration: 10 samples of one iteration.
        Duration::from_secs(10),
    );
    run_case(
        c,
        "placement-10k-on-1k",
        1_000,
        10_000,
        &[("spread(AZ),spread(instanceId)", support::service_default())],
        Duration::from_secs(3),
    );
}

// No plots: criterion's plotting backend needs system fonts and panics without them (it did here, on the
// second run, when it drew the comparison with the saved baseline); the figures are in the terminal output.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = placement
}
criterion_main!(benches);
