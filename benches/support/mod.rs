//! Workloads shared by the criterion benches (`benches/engine.rs`, `benches/placement.rs`) and the plain
//! timing binary (`src/bin/ecsim-bench.rs`, which includes this file with `#[path]`), so that both measure
//! exactly the same work. Nothing here is timed by itself.
//!
//! - Hold model: a queue pre-filled with N pending events; each step pops the earliest one and pushes one
//!   new event at `now + increment`, increments exponential with mean 1000 ms, pre-generated so that the
//!   random number generator is not measured. [`EngineHold`] drives `ecsim::engine::EventQueue<u32>`,
//!   [`HeapHold`] a bare `BinaryHeap<Reverse<(time, seq, payload)>>` doing the same work.
//! - Placement: a world of m5.xlarge-like instances over three zones and a stream of 256 CPU / 512 MiB
//!   bridge tasks of one group, each placed with `placement::place` then `World::allocate`.
//!
//! Not every user needs every item, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use ecsim::ecs::placement::{self, Request, Scope};
use ecsim::ecs::world::{GroupId, Instance, InstanceStatus, LaunchKind, Owner, Task, World};
use ecsim::engine::EventQueue;
use ecsim::engine::rng::RngStream;
use ecsim::pricing::catalog::Arch;
use ecsim::spec::{ProviderId, Resource, ServiceId, SpreadField, Strategy, TaskDefId, ZoneId};

/// Master seed of every bench stream.
pub const SEED: u64 = 42;

// ---------------------------------------------------------------------------------------------------
// Hold model
// ---------------------------------------------------------------------------------------------------

/// Mean of the exponential increment, ms.
pub const HOLD_MEAN_MS: f64 = 1000.0;
/// Pre-generated increments (a power of two, indexed with a mask; 512 KiB, stays in cache).
pub const HOLD_INCREMENTS: usize = 1 << 16;

/// `n` exponential draws with mean [`HOLD_MEAN_MS`], rounded to whole milliseconds.
pub fn exp_increments(n: usize) -> Vec<u64> {
    let mut rng = RngStream::new(SEED, "bench-hold");
    (0..n)
        .map(|_| (-HOLD_MEAN_MS * rng.next_f64_open0().ln()).round() as u64)
        .collect()
}

/// The hold model on `ecsim::engine::EventQueue<u32>`.
pub struct EngineHold {
    q: EventQueue<u32>,
    incs: Vec<u64>,
    i: usize,
}

impl EngineHold {
    /// A queue holding `pending` events at exponential times from 0.
    pub fn new(pending: usize) -> Self {
        let incs = exp_increments(HOLD_INCREMENTS);
        let mut q = EventQueue::with_capacity(pending + 1);
        for k in 0..pending {
            q.push(incs[k % incs.len()], k as u32);
        }
        EngineHold {
            q,
            incs,
            i: pending,
        }
    }

    /// One hold operation: pop the earliest event, push it again `increment` later. Returns the new time.
    #[inline]
    pub fn step(&mut self) -> u64 {
        let (now, ev) = self.q.pop().expect("hold queue never empties");
        let t = now + self.incs[self.i & (HOLD_INCREMENTS - 1)];
        self.i = self.i.wrapping_add(1);
        self.q.push(t, ev);
        t
    }

    /// Pending events.
    pub fn len(&self) -> usize {
        self.q.len()
    }
}

/// The same hold model on a bare `BinaryHeap<Reverse<(time, seq, payload)>>`.
pub struct HeapHold {
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
    seq: u64,
    incs: Vec<u64>,
    i: usize,
}

impl HeapHold {
    /// A heap holding `pending` events at exponential times from 0 (the same times as [`EngineHold`]).
    pub fn new(pending: usize) -> Self {
        let incs = exp_increments(HOLD_INCREMENTS);
        let mut heap = BinaryHeap::with_capacity(pending + 1);
        for k in 0..pending {
            heap.push(Reverse((incs[k % incs.len()], k as u64, k as u32)));
        }
        HeapHold {
            heap,
            seq: pending as u64,
            incs,
            i: pending,
        }
    }

    /// One hold operation (see [`EngineHold::step`]).
    #[inline]
    pub fn step(&mut self) -> u64 {
        let Reverse((now, _, ev)) = self.heap.pop().expect("hold heap never empties");
        let t = now + self.incs[self.i & (HOLD_INCREMENTS - 1)];
        self.i = self.i.wrapping_add(1);
        let seq = self.seq;
        self.seq += 1;
        self.heap.push(Reverse((t, seq, ev)));
        t
    }

    /// Pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }
}

// ---------------------------------------------------------------------------------------------------
// Placement
// ---------------------------------------------------------------------------------------------------

/// Zone names; instances go round-robin over them.
pub const ZONE_NAMES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];
/// The agent's default reserved ports.
pub const RESERVED_PORTS: [u16; 6] = [22, 2375, 2376, 51678, 51679, 51680];
/// m5.xlarge: registered CPU units.
pub const INSTANCE_CPU: u32 = 4096;
/// m5.xlarge: registered memory, MiB.
pub const INSTANCE_MEM: u32 = 15_900;
/// m5.xlarge: ENIs free for tasks (4 minus the primary).
pub const INSTANCE_ENIS: u32 = 3;
/// Task CPU units.
pub const TASK_CPU: u32 = 256;
/// Task memory, MiB.
pub const TASK_MEM: u32 = 512;

/// `[Binpack(Memory)]`: indexed path.
pub fn binpack_memory() -> Vec<Strategy> {
    vec![Strategy::Binpack(Resource::Memory)]
}

/// `[Spread(AvailabilityZone), Binpack(Memory)]`: indexed path.
pub fn spread_az_binpack_memory() -> Vec<Strategy> {
    vec![
        Strategy::Spread(SpreadField::AvailabilityZone),
        Strategy::Binpack(Resource::Memory),
    ]
}

/// The service default `[Spread(AvailabilityZone), Spread(InstanceId)]`: scan path.
pub fn service_default() -> Vec<Strategy> {
    vec![
        Strategy::Spread(SpreadField::AvailabilityZone),
        Strategy::Spread(SpreadField::InstanceId),
    ]
}

/// A world of `instances` m5.xlarge-like instances of provider 0, round-robin over three zones, and the
/// task group the tasks belong to.
pub fn build_world(instances: usize) -> (World, GroupId) {
    // Provider 0 is the ASG; 1 and 2 stand for the FARGATE slots a real run has (unused here).
    let mut world = World::new(3, ZONE_NAMES.len(), 100);
    // As the simulator does: instances with no room for the smallest task leave the binpack index.
    world.set_min_need(TASK_CPU, TASK_MEM);
    let group = world.group("service:bench");
    let mut rng = RngStream::new(SEED, "instances");
    for n in 0..instances {
        let z = n % ZONE_NAMES.len();
        let mut attributes: Vec<(String, String)> = vec![
            ("ecs.availability-zone".into(), ZONE_NAMES[z].into()),
            ("ecs.instance-type".into(), "m5.xlarge".into()),
            ("ecs.os-type".into(), "linux".into()),
            ("ecs.cpu-architecture".into(), "x86_64".into()),
            ("ecs.capacity-provider".into(), "bench".into()),
        ];
        attributes.sort();
        world.add_instance(Instance {
            static_pass: Vec::new(),
            ec2_id: format!("i-{:08x}", n + 1),
            provider: ProviderId(0),
            zone: ZoneId(z as u8),
            status: InstanceStatus::Active,
            registered_at: 0,
            cpu_total: INSTANCE_CPU,
            mem_total: INSTANCE_MEM,
            cpu_free: INSTANCE_CPU,
            mem_free: INSTANCE_MEM,
            eni_total: INSTANCE_ENIS,
            eni_free: INSTANCE_ENIS,
            ports: RESERVED_PORTS.to_vec(),
            tasks: Vec::new(),
            group_counts: Vec::new(),
            group_names: Vec::new(),
            running_count: 0,
            attributes,
            tiebreak: rng.next_u64(),
            arch: Arch::X86_64,
            launched_at: 0,
            images: Vec::new(),
            terminate_when_empty: false,
            reclaimed: false,
            attributed: Vec::new(),
        });
    }
    (world, group)
}

/// A new 256 CPU / 512 MiB EC2 task of `group`, not yet placed.
pub fn bench_task(group: GroupId) -> Task {
    Task::new(
        TaskDefId(0),
        group,
        Owner::Service(ServiceId(0)),
        Some(ProviderId(0)),
        LaunchKind::Ec2,
        TASK_CPU,
        TASK_MEM,
        0,
    )
}

/// Place `tasks` tasks one after another with `strategies` (place + allocate, as the scheduler does).
/// Returns how many were placed; panics if any fails (the workloads are sized to fit).
pub fn place_all(
    world: &mut World,
    group: GroupId,
    tasks: usize,
    strategies: &[Strategy],
    rng: &mut RngStream,
) -> usize {
    for _ in 0..tasks {
        let id = world.new_task(bench_task(group));
        let req = Request {
            cpu: TASK_CPU,
            mem: TASK_MEM,
            ports: &[],
            eni: false,
            arch: None,
            group,
            constraints: &[],
            strategies,
            scope: Scope::Provider(ProviderId(0)),
        };
        let inst = placement::place(world, &req, rng).expect("the workload fits");
        world.allocate(id, inst, &[], false);
    }
    tasks
}

// ---------------------------------------------------------------------------------------------------
// Fleet scenarios (issue #9): many alike services under diurnal load with target tracking
// ---------------------------------------------------------------------------------------------------

/// The shape of a generated fleet scenario.
#[derive(Debug, Clone, Copy)]
pub struct Fleet {
    /// REPLICA services, each starting at 50 tasks of 256 CPU units / 512 MiB.
    pub services: u32,
    /// m5.xlarge instances over three zones (a fixed-size Auto Scaling group).
    pub instances: u32,
    /// Simulated days.
    pub days: u32,
    /// Each service its own mean rate and peak minute (see [`distinct_load`]) instead of one mean and
    /// one of 8 peak hours: a real fleet's shape, which shares nothing through the rate memo (issue #20).
    pub distinct: bool,
}

impl Fleet {
    /// Issue #9's large reference: 2,000 services on 10,000 instances for 30 days.
    pub const LARGE: Fleet = Fleet {
        services: 2000,
        instances: 10_000,
        days: 30,
        distinct: false,
    };
    /// Issue #9's medium case: 100 services on 500 instances for 7 days.
    pub const MEDIUM: Fleet = Fleet {
        services: 100,
        instances: 500,
        days: 7,
        distinct: false,
    };
}

/// The fleet scenario as TOML. Each service: 50 tasks of 256 CPU units (0.25 vCPU) / 512 MiB with the
/// service default placement (spread over zones, then instances); a diurnal load with peak-to-trough 3
/// whose mean keeps 50 tasks at 60 % CPU (10 ms of CPU per request → 25 requests/s per task; 60 % × 25 ×
/// 50 = 750 requests/s), so the service swings between about 25 and 75 tasks a day; Poisson noise; peaks
/// staggered over 10:00–17:00; target tracking at 60 % CPU, 20–80 tasks. Instances fail with an MTBF of
/// 365 days and the group replaces them. From 1,000 services on, `[output]` keeps hourly time-series rows
/// and no task rows.
pub fn fleet_toml(f: Fleet) -> String {
    use std::fmt::Write as _;
    let Fleet {
        services,
        instances,
        days,
        distinct,
    } = f;
    let suffix = if distinct { "-distinct" } else { "" };
    let mut s = String::new();
    writeln!(
        s,
        "# Generated by `cargo run --release --bin ecsim-bench -- fleet --services {services} --instances \
         {instances} --days {days}`\n\
         # (issue #9's fleet shape): {services} services × 50 tasks of 256 CPU units / 512 MiB on {instances} \
         m5.xlarge over\n\
         # three zones, {days} days of diurnal load (peak-to-trough 3) with target tracking at 60 % CPU \
         (20–80 tasks),\n\
         # instance failures with an MTBF of 365 days.\n\
         \n\
         name = \"fleet-{services}x50-on-{instances}-{days}d{suffix}\"\n\
         duration = \"{days}d\"\n\
         seed = 9\n\
         \n\
         [cluster]\n\
         availability_zones = [\"us-east-1a\", \"us-east-1b\", \"us-east-1c\"]\n\
         \n\
         [[capacity_providers]]\n\
         name = \"fleet\"\n\
         instance_type = \"m5.xlarge\"\n\
         min_size = {instances}\n\
         max_size = {instances}\n\
         desired_size = {instances}\n\
         \n\
         [[task_definitions]]\n\
         family = \"app\"\n\
         cpu = 256\n\
         memory = 512\n\
         \n\
         [[faults]]\n\
         type = \"instance_failure\"\n\
         capacity_provider = \"fleet\"\n\
         mtbf = \"365d\"\n"
    )
    .unwrap();
    if services >= 1000 {
        // One row per service and minute would be 1,440 × services rows a day: keep hourly rows.
        writeln!(
            s,
            "[output]\ntimeseries_interval = \"1h\"\ntasks_csv = false\n"
        )
        .unwrap();
    }
    if distinct {
        writeln!(
            s,
            "# --distinct: each service its own mean rate (500–1,000 requests/s) and peak minute \
             (10:00–17:59).\n"
        )
        .unwrap();
    }
    for i in 0..services {
        let (mean, peak_hour) = if distinct {
            distinct_load(i)
        } else {
            (750.0, f64::from(10 + i % 8))
        };
        writeln!(
            s,
            "[[services]]\n\
             name = \"svc{i:04}\"\n\
             task_definition = \"app\"\n\
             desired_count = 50\n\
             capacity_provider_strategy = [{{ capacity_provider = \"fleet\", weight = 1 }}]\n\
             load = {{ pattern = {{ type = \"diurnal\", mean = {mean}, peak_to_trough = 3, peak_hour = \
             {peak_hour} }}, noise = \"poisson\", cpu_ms_per_request = 10.0 }}\n\
             auto_scaling = {{ min_capacity = 20, max_capacity = 80, policies = [{{ type = \
             \"target_tracking\", metric = \"ECSServiceAverageCPUUtilization\", target = 60 }}] }}\n"
        )
        .unwrap();
    }
    s
}

/// Service `i`'s load under `--distinct`: a mean rate in 500..=1,000 requests/s and a peak hour in
/// 10:00..=17:59 at whole minutes, each from a multiplicative hash of `i` (deterministic, and no two of
/// the first several hundred services alike). 60 % of 25 requests/s per task keeps 33–67 tasks at the
/// mean: inside the 20–80 the scaling policy allows.
pub fn distinct_load(i: u32) -> (f64, f64) {
    let h = i.wrapping_mul(2_654_435_761); // Knuth's multiplicative hash: spreads consecutive i
    let mean = 500 + (h >> 8) % 501;
    let peak_min = (h.rotate_left(13) >> 4) % 480;
    (f64::from(mean), 10.0 + f64::from(peak_min) / 60.0)
}
