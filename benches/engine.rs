//! Event-queue throughput with the hold model: a queue pre-filled with N pending events (N = 1,000 and
//! 100,000); each iteration pops the earliest event and pushes one new event at `now + increment`, the
//! increment exponential with mean 1000 ms (pre-generated, so the RNG is not measured). Our
//! `ecsim::engine::EventQueue<u32>` and a bare `BinaryHeap<Reverse<(time, seq, payload)>>` doing the same
//! work are measured side by side in one group; criterion reports events/s (one element = one hold step).
//!
//! Run: `cargo bench --bench engine` (about 20 s). Workloads live in `benches/support/mod.rs`.

mod support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn hold(c: &mut Criterion) {
    let mut g = c.benchmark_group("hold");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(1));
    for pending in [1_000usize, 100_000] {
        let mut eq = support::EngineHold::new(pending);
        g.bench_function(BenchmarkId::new("EventQueue", pending), |b| {
            b.iter(|| black_box(eq.step()))
        });
        let mut heap = support::HeapHold::new(pending);
        g.bench_function(BenchmarkId::new("BinaryHeap", pending), |b| {
            b.iter(|| black_box(heap.step()))
        });
    }
    g.finish();
}

// No plots: criterion's plotting backend needs system fonts and panics without them (it did here, on the
// second run, when it drew the comparison with the saved baseline); the figures are in the terminal output.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = hold
}
criterion_main!(benches);
