//! The ECS world's state: instances, tasks, services and task groups in arenas indexed by small ids, plus
//! the placement indexes. Only [`crate::sim`] mutates it; placement decisions read it.
//!
//! Invariants (checked with `assert!` on allocate and release): an instance's free CPU, memory and ENIs never
//! go below zero or above its registered totals; a static host port is held by at most one task per instance.

use std::borrow::Cow;
use std::collections::BTreeSet;

use crate::ecs::cql::InstanceView;
use crate::engine::SimTime;
use crate::pricing::catalog::Arch;
use crate::spec::{ProviderId, ServiceId, TaskDefId, ZoneId};

/// Index of an instance in [`World::instances`] (never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstanceId(pub u32);
/// Slot of a task in [`World::tasks`]. Slots are reused after a task is STOPPED and written out, so an
/// event that names a task also carries the task's generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub u32);
/// An interned task group (`service:web`, `family:batch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupId(pub u32);

/// Container instance status (reference §6.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceStatus {
    /// Accepts tasks.
    Active,
    /// Accepts no new tasks.
    Draining,
    /// Gone.
    Deregistered,
}

/// A registered EC2 container instance.
#[derive(Debug, Clone)]
pub struct Instance {
    /// `ec2InstanceId`, e.g. `i-00000001`.
    pub ec2_id: String,
    /// Bit k: the run's k-th static `memberOf` expression ([`World::static_member_of`]) holds for
    /// it, evaluated once at registration (a fleet's placements would otherwise evaluate each
    /// expression on each instance they pass over).
    pub static_pass: Vec<u64>,
    /// Its Auto Scaling group's capacity provider.
    pub provider: ProviderId,
    /// Availability zone.
    pub zone: ZoneId,
    /// Status.
    pub status: InstanceStatus,
    /// When it registered.
    pub registered_at: SimTime,
    /// Registered CPU units.
    pub cpu_total: u32,
    /// Registered memory, MiB.
    pub mem_total: u32,
    /// Unreserved CPU units.
    pub cpu_free: u32,
    /// Unreserved memory, MiB.
    pub mem_free: u32,
    /// ENIs the instance can attach for awsvpc tasks (its limit minus the primary ENI).
    pub eni_total: u32,
    /// ENIs still free.
    pub eni_free: u32,
    /// Reserved static host ports (agent defaults plus tasks').
    pub ports: Vec<u16>,
    /// Tasks holding resources here (placed and not yet STOPPED).
    pub tasks: Vec<TaskId>,
    /// Tasks per group on this instance (for spread, distinctInstance and `task:group`).
    pub group_counts: Vec<(GroupId, u32)>,
    /// Group names of the tasks here, kept only when an expression asks about `task:group`.
    pub group_names: Vec<String>,
    /// Tasks in RUNNING (`runningTasksCount`).
    pub running_count: u32,
    /// Built-in and custom attributes, sorted by name.
    pub attributes: Vec<(String, String)>,
    /// A random key drawn at registration: the final tie-break of every placement strategy.
    pub tiebreak: u64,
    /// CPU architecture of its instance type.
    pub arch: Arch,
    /// When the Auto Scaling group launched it (billing starts here, §6.2).
    pub launched_at: SimTime,
    /// Images already pulled on it (EC2 caches images; only the first task of an image pulls it).
    pub images: Vec<u32>,
    /// Terminate once DRAINING and empty (Auto Scaling scale-in, Spot); a drain by an operator keeps it.
    pub terminate_when_empty: bool,
    /// EC2 took it back (a Spot interruption): not billed if that came in its first hour (§6.4).
    pub reclaimed: bool,
    /// EC2 cost attributed to the tasks that ran here, per owner bucket (taken back when the instance
    /// turns out to be free).
    pub attributed: Vec<(u32, f64)>,
}

impl Instance {
    /// Tasks of `group` on this instance.
    #[inline]
    pub fn group_count(&self, group: GroupId) -> u32 {
        self.group_counts
            .iter()
            .find(|(g, _)| *g == group)
            .map_or(0, |&(_, n)| n)
    }
}

/// Adapts an instance to the cluster query language.
pub struct InstanceQuery<'a>(pub &'a Instance);

impl InstanceView for InstanceQuery<'_> {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.0
            .attributes
            .binary_search_by(|(k, _)| k.as_str().cmp(name))
            .ok()
            .map(|i| self.0.attributes[i].1.as_str())
    }
    fn ec2_instance_id(&self) -> &str {
        &self.0.ec2_id
    }
    fn running_tasks_count(&self) -> u32 {
        self.0.running_count
    }
    fn task_groups(&self) -> &[String] {
        &self.0.group_names
    }
    fn agent_connected(&self) -> bool {
        self.0.status != InstanceStatus::Deregistered
    }
    fn agent_version(&self) -> &str {
        "1.90.0"
    }
    fn registered_at_ms(&self) -> u64 {
        self.0.registered_at
    }
}

/// Task lifecycle states (reference §7.1), in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TaskState {
    /// ENI attachment, Fargate capacity, or waiting for a capacity provider's instances.
    Provisioning,
    /// Image pull and container start.
    Pending,
    /// Load balancer / Cloud Map registration.
    Activating,
    /// Running.
    Running,
    /// Load balancer deregistration.
    Deactivating,
    /// SIGTERM sent; SIGKILL after stopTimeout.
    Stopping,
    /// ENI detach.
    Deprovisioning,
    /// Done.
    Stopped,
}

impl TaskState {
    /// ECS's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Provisioning => "PROVISIONING",
            TaskState::Pending => "PENDING",
            TaskState::Activating => "ACTIVATING",
            TaskState::Running => "RUNNING",
            TaskState::Deactivating => "DEACTIVATING",
            TaskState::Stopping => "STOPPING",
            TaskState::Deprovisioning => "DEPROVISIONING",
            TaskState::Stopped => "STOPPED",
        }
    }
}

/// `stopCode` values (reference §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopCode {
    /// The task never reached RUNNING.
    TaskFailedToStart,
    /// An essential container exited.
    EssentialContainerExited,
    /// Stopped by a user (StopTask).
    UserInitiated,
    /// Stopped by the service scheduler (scale-in, replacement).
    ServiceSchedulerInitiated,
    /// Spot capacity reclaimed.
    SpotInterruption,
    /// Spot termination notice.
    TerminationNotice,
    /// The host failed.
    InfrastructureHealth,
}

impl StopCode {
    /// ECS's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            StopCode::TaskFailedToStart => "TaskFailedToStart",
            StopCode::EssentialContainerExited => "EssentialContainerExited",
            StopCode::UserInitiated => "UserInitiated",
            StopCode::ServiceSchedulerInitiated => "ServiceSchedulerInitiated",
            StopCode::SpotInterruption => "SpotInterruption",
            StopCode::TerminationNotice => "TerminationNotice",
            StopCode::InfrastructureHealth => "InfrastructureHealth",
        }
    }
}

/// Where a task's capacity comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaunchKind {
    /// An EC2 container instance.
    Ec2,
    /// Fargate on-demand.
    Fargate,
    /// Fargate Spot.
    FargateSpot,
}

impl LaunchKind {
    /// `launchType` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LaunchKind::Ec2 => "EC2",
            LaunchKind::Fargate | LaunchKind::FargateSpot => "FARGATE",
        }
    }
}

/// Who asked for the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// A service's task.
    Service(ServiceId),
    /// A standalone task from RunTask number `.0` of the scenario (scheduled tasks follow the RunTask
    /// entries in this numbering).
    Standalone(u32),
    /// A job of batch source `.0`.
    Batch(u32),
}

/// One task.
///
/// Laid out by hand (`repr(C)`, 64-byte aligned): the fields that events, the scheduler and the scale-in
/// victim pass read come first and share one cache line, so a pass over a service's tasks (or an event
/// that only checks a task's generation) costs one line per task, not the four a task spans.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub struct Task {
    /// Bumped on every state change and on slot reuse: events carrying an older value are stale.
    pub generation: u32,
    /// Instance, once placed on EC2.
    pub instance: Option<InstanceId>,
    /// Service or standalone.
    pub owner: Owner,
    /// CPU units reserved.
    pub cpu: u32,
    /// Memory MiB reserved.
    pub mem: u32,
    /// Task group.
    pub group: GroupId,
    /// The service deployment it belongs to.
    pub deployment: u32,
    /// Capacity provider, when launched through a strategy.
    pub provider: Option<ProviderId>,
    /// Task definition.
    pub def: TaskDefId,
    /// Zone, once placed.
    pub zone: Option<ZoneId>,
    /// `lastStatus`.
    pub state: TaskState,
    /// EC2 or Fargate.
    pub launch: LaunchKind,
    /// `desiredStatus` is STOPPED.
    pub stop_requested: bool,
    /// Marked for replacement (its instance drains, or it turned unhealthy): the scheduler starts a
    /// replacement and stops it within the deployment bounds (§2.1, §2.3, §6.5).
    pub replace: bool,
    /// Marked (with `replace`) by AZ rebalancing (§2.1): its stop is a rebalancing's, in its zone.
    pub rebalance: bool,
    /// Counts as healthy for the deployment bounds (§2.3).
    pub healthy: bool,
    /// Its container health check (or target health) failed.
    pub unhealthy: bool,
    /// Waiting in PROVISIONING for a capacity provider's instance.
    pub awaiting_capacity: bool,
    /// It will fail before RUNNING (a fault or a broken revision).
    pub start_fails: bool,
    /// Its index in its service's task list (`u32::MAX` when not in one), kept by the scheduler so that
    /// finding a task there is O(1), not a scan of the service's tasks.
    pub service_pos: u32,
    // ---- cold: outputs, timing and billing (past the first cache line) ----
    /// The id written to outputs (never reused, unlike the slot).
    pub serial: u64,
    /// `createdAt`.
    pub created_at: SimTime,
    /// `pullStartedAt`.
    pub pull_started_at: Option<SimTime>,
    /// `pullStoppedAt`.
    pub pull_stopped_at: Option<SimTime>,
    /// `startedAt` (reached RUNNING).
    pub started_at: Option<SimTime>,
    /// `stoppingAt`.
    pub stopping_at: Option<SimTime>,
    /// `stoppedAt`.
    pub stopped_at: Option<SimTime>,
    /// `stopCode`.
    pub stop_code: Option<StopCode>,
    /// `stoppedReason` (most are fixed phrases: borrowed, so a stop allocates nothing).
    pub stop_reason: Cow<'static, str>,
    /// When billing (Fargate) or cost attribution (EC2) started for this task.
    pub billed_since: Option<SimTime>,
    /// USD per hour billed or attributed while `billed_since` is set.
    pub hourly_usd: f64,
    /// For batch jobs: how long the essential container runs once RUNNING.
    pub exit_after_ms: Option<u64>,
    /// Consecutive failed container health checks.
    pub hc_failures: u32,
    /// Created in PROVISIONING, waiting for a Fargate task-launch token (§8.1): no timer runs yet.
    pub awaiting_launch: bool,
}

// Evaluated at every build: a new hot field that pushes past the first line fails to compile.
const _: () = assert!(
    Task::HOT_BYTES <= 64,
    "Task's hot fields exceed one cache line"
);

impl Task {
    /// Bytes of the hot fields at the start of the struct (see [`Task`]); asserted at compile time to fit
    /// one cache line.
    pub const HOT_BYTES: usize = std::mem::offset_of!(Task, serial);
    const _HOT_FITS_ONE_LINE: () =
        assert!(Self::HOT_BYTES <= 64, "Task's hot fields exceed 64 bytes");

    /// Kept by the replica scheduler: of the `primary` deployment and not marked for replacement.
    pub fn is_kept(&self, primary: u32) -> bool {
        self.deployment == primary && !self.replace
    }

    /// Counts as healthy for a deployment's minimum healthy percent.
    pub fn counts_healthy(&self) -> bool {
        self.healthy && !self.unhealthy
    }

    /// A new task in PROVISIONING, not yet placed.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        def: TaskDefId,
        group: GroupId,
        owner: Owner,
        provider: Option<ProviderId>,
        launch: LaunchKind,
        cpu: u32,
        mem: u32,
        created_at: SimTime,
    ) -> Task {
        Task {
            serial: 0,
            generation: 0,
            def,
            group,
            owner,
            provider,
            launch,
            instance: None,
            zone: None,
            state: TaskState::Provisioning,
            stop_requested: false,
            cpu,
            mem,
            created_at,
            pull_started_at: None,
            pull_stopped_at: None,
            started_at: None,
            stopping_at: None,
            stopped_at: None,
            stop_code: None,
            stop_reason: Cow::Borrowed(""),
            awaiting_capacity: false,
            billed_since: None,
            hourly_usd: 0.0,
            exit_after_ms: None,
            deployment: 0,
            replace: false,
            rebalance: false,
            healthy: false,
            unhealthy: false,
            start_fails: false,
            hc_failures: 0,
            awaiting_launch: false,
            service_pos: u32::MAX,
        }
    }
}

/// Placement index of one (capacity provider, zone): active instances ordered by free memory and by free
/// CPU, each with the instance's random tie-break key, so that binpack is a range query, not a scan.
#[derive(Debug, Clone, Default)]
pub struct ZoneIndex {
    /// (free memory, tiebreak, instance) of active instances.
    pub by_mem: BTreeSet<(u32, u64, u32)>,
    /// (free CPU, tiebreak, instance) of active instances.
    pub by_cpu: BTreeSet<(u32, u64, u32)>,
    /// (tiebreak, instance) of the same instances: the last tie-break's order, so that spread(instanceId)
    /// finds the first instance without a task of the group by a short walk instead of a scan.
    pub by_tiebreak: BTreeSet<(u64, u32)>,
    /// Active instances, in registration order (for scans).
    pub members: Vec<InstanceId>,
}

/// The world: every instance, task and group, and the indexes over them.
#[derive(Debug, Clone)]
pub struct World {
    /// Instances ever registered (ids are never reused).
    pub instances: Vec<Instance>,
    /// The run's static `memberOf` expressions ([`crate::ecs::cql::Expr::is_static`]) by address in
    /// the spec, sorted, with their bit in [`Instance::static_pass`] (equal texts share a bit).
    pub static_member_of: Vec<(usize, u32)>,
    /// Task slots (reused after STOPPED).
    pub tasks: Vec<Task>,
    free_slots: Vec<u32>,
    next_serial: u64,
    /// Group names by id.
    pub group_names: Vec<String>,
    group_lookup: std::collections::HashMap<String, GroupId>,
    /// Tasks per group and zone that hold a placement (EC2 or Fargate), for AZ spread.
    pub group_zone_counts: Vec<Vec<u32>>,
    /// Per group: instances holding two or more of its tasks. At 0, every placed task of the group is
    /// alone on its instance, so spread(instanceId) ranks them all alike without reading an instance.
    group_crowded: Vec<u32>,
    /// `[provider * zones + zone]` placement indexes (EC2 providers only have entries in use).
    pub index: Vec<ZoneIndex>,
    /// Number of zones.
    pub zones: usize,
    /// Keep `Instance::group_names` (only when an expression reads `task:group`).
    pub track_group_names: bool,
    /// Maximum static host ports reserved per instance (§1.1: 100).
    pub max_reserved_ports: u32,
    /// The smallest CPU and memory any task of the run needs: an instance with less free than this can
    /// host nothing, so it leaves the placement indexes until a task on it stops. Without this, full
    /// instances would sit at the front of the binpack order and every placement would walk past them.
    min_need: (u32, u32),
    /// Keep [`ZoneIndex::by_mem`] / [`ZoneIndex::by_cpu`]: only binpack reads them, and a run whose
    /// placements never binpack (the default spread of services) would pay two B-tree updates per task
    /// start and stop for nothing.
    binpack_index: bool,
}

impl World {
    /// An empty world for `providers` capacity providers and `zones` zones.
    pub fn new(providers: usize, zones: usize, max_reserved_ports: u32) -> Self {
        World {
            instances: Vec::new(),
            static_member_of: Vec::new(),
            tasks: Vec::new(),
            free_slots: Vec::new(),
            next_serial: 1,
            group_names: Vec::new(),
            group_lookup: Default::default(),
            group_zone_counts: Vec::new(),
            group_crowded: Vec::new(),
            index: vec![ZoneIndex::default(); providers * zones],
            zones,
            track_group_names: false,
            max_reserved_ports,
            min_need: (0, 0),
            binpack_index: true,
        }
    }

    /// Declare the smallest CPU units and memory any task will ask for (before instances are added).
    pub fn set_min_need(&mut self, cpu: u32, mem: u32) {
        assert!(
            self.instances.is_empty(),
            "set_min_need before adding instances"
        );
        self.min_need = (cpu, mem);
    }

    /// Keep the binpack indexes or not (before instances are added; see `binpack_index`).
    pub fn set_binpack_index(&mut self, on: bool) {
        assert!(
            self.instances.is_empty(),
            "set_binpack_index before adding instances"
        );
        self.binpack_index = on;
    }

    /// Are the binpack indexes kept?
    pub fn has_binpack_index(&self) -> bool {
        self.binpack_index
    }

    #[inline]
    fn indexable(&self, status: InstanceStatus, cpu_free: u32, mem_free: u32) -> bool {
        status == InstanceStatus::Active
            && cpu_free >= self.min_need.0
            && mem_free >= self.min_need.1
    }

    /// Is the instance in the binpack indexes (active, with room for the smallest task)?
    pub fn is_indexed(&self, id: InstanceId) -> bool {
        let i = self.instance(id);
        self.indexable(i.status, i.cpu_free, i.mem_free)
    }

    /// The id of a group, interning it on first use.
    pub fn group(&mut self, name: &str) -> GroupId {
        if let Some(&g) = self.group_lookup.get(name) {
            return g;
        }
        let g = GroupId(self.group_names.len() as u32);
        self.group_names.push(name.to_string());
        self.group_lookup.insert(name.to_string(), g);
        self.group_zone_counts.push(vec![0; self.zones]);
        self.group_crowded.push(0);
        g
    }

    /// Instances holding two or more tasks of `group` (see `group_crowded`).
    pub fn group_crowded(&self, group: GroupId) -> u32 {
        self.group_crowded[group.0 as usize]
    }

    /// Index of (provider, zone).
    #[inline]
    pub fn zone_index(&self, p: ProviderId, z: ZoneId) -> &ZoneIndex {
        &self.index[p.0 as usize * self.zones + z.0 as usize]
    }

    #[inline]
    fn zone_index_mut(&mut self, p: ProviderId, z: ZoneId) -> &mut ZoneIndex {
        &mut self.index[p.0 as usize * self.zones + z.0 as usize]
    }

    /// Instance by id.
    #[inline]
    pub fn instance(&self, id: InstanceId) -> &Instance {
        &self.instances[id.0 as usize]
    }

    /// Task by slot.
    #[inline]
    pub fn task(&self, id: TaskId) -> &Task {
        &self.tasks[id.0 as usize]
    }

    /// Task by slot, mutable.
    #[inline]
    pub fn task_mut(&mut self, id: TaskId) -> &mut Task {
        &mut self.tasks[id.0 as usize]
    }

    /// The bit of `expr` in [`Instance::static_pass`], if it is one of the run's static `memberOf`
    /// expressions (found by its address in the spec).
    #[inline]
    pub fn static_member_bit(&self, expr: &crate::ecs::cql::Expr) -> Option<usize> {
        let addr = expr as *const crate::ecs::cql::Expr as usize;
        self.static_member_of
            .binary_search_by_key(&addr, |x| x.0)
            .ok()
            .map(|i| self.static_member_of[i].1 as usize)
    }

    /// Register an instance (ACTIVE) and index it.
    pub fn add_instance(&mut self, inst: Instance) -> InstanceId {
        let id = InstanceId(self.instances.len() as u32);
        let (p, z) = (inst.provider, inst.zone);
        let keys = (
            (inst.mem_free, inst.tiebreak, id.0),
            (inst.cpu_free, inst.tiebreak, id.0),
        );
        assert_eq!(inst.status, InstanceStatus::Active);
        let indexed = self.indexable(inst.status, inst.cpu_free, inst.mem_free);
        let binpack = self.binpack_index;
        self.instances.push(inst);
        let ix = self.zone_index_mut(p, z);
        if indexed {
            if binpack {
                ix.by_mem.insert(keys.0);
                ix.by_cpu.insert(keys.1);
            }
            ix.by_tiebreak.insert((keys.0.1, id.0));
        }
        ix.members.push(id);
        id
    }

    /// Create a task in a free slot.
    pub fn new_task(&mut self, mut task: Task) -> TaskId {
        task.serial = self.next_serial;
        self.next_serial += 1;
        if let Some(slot) = self.free_slots.pop() {
            let generation = self.tasks[slot as usize].generation.wrapping_add(1);
            task.generation = generation;
            self.tasks[slot as usize] = task;
            TaskId(slot)
        } else {
            task.generation = 0;
            self.tasks.push(task);
            TaskId((self.tasks.len() - 1) as u32)
        }
    }

    /// Return a STOPPED task's slot for reuse.
    pub fn free_task(&mut self, id: TaskId) {
        assert_eq!(
            self.task(id).state,
            TaskState::Stopped,
            "freeing a live task"
        );
        self.task_mut(id).generation = self.task(id).generation.wrapping_add(1);
        self.free_slots.push(id.0);
    }

    /// Tasks ever created.
    pub fn tasks_created(&self) -> u64 {
        self.next_serial - 1
    }

    fn reindex(&mut self, id: InstanceId, old_mem: u32, old_cpu: u32) {
        let inst = &self.instances[id.0 as usize];
        let (p, z, t, m, c, st) = (
            inst.provider,
            inst.zone,
            inst.tiebreak,
            inst.mem_free,
            inst.cpu_free,
            inst.status,
        );
        let was = self.indexable(st, old_cpu, old_mem);
        let now = self.indexable(st, c, m);
        let binpack = self.binpack_index;
        let ix = self.zone_index_mut(p, z);
        if binpack {
            Self::reindex_binpack(ix, id, t, (old_mem, old_cpu, was), (m, c, now));
        }
        if was && !now {
            let removed = ix.by_tiebreak.remove(&(t, id.0));
            debug_assert!(removed);
        } else if now && !was {
            ix.by_tiebreak.insert((t, id.0));
        }
    }

    /// Move an instance in the free-memory / free-CPU orders: (free memory, free CPU, indexable) before
    /// and after.
    fn reindex_binpack(
        ix: &mut ZoneIndex,
        id: InstanceId,
        t: u64,
        (old_mem, old_cpu, was): (u32, u32, bool),
        (m, c, now): (u32, u32, bool),
    ) {
        if was && (!now || old_mem != m) {
            let removed = ix.by_mem.remove(&(old_mem, t, id.0));
            debug_assert!(removed);
        }
        if was && (!now || old_cpu != c) {
            let removed = ix.by_cpu.remove(&(old_cpu, t, id.0));
            debug_assert!(removed);
        }
        if now && (!was || old_mem != m) {
            ix.by_mem.insert((m, t, id.0));
        }
        if now && (!was || old_cpu != c) {
            ix.by_cpu.insert((c, t, id.0));
        }
    }

    /// Reserve the task's resources on the instance. Panics if that would over-commit it (a placement bug).
    pub fn allocate(&mut self, task_id: TaskId, inst_id: InstanceId, ports: &[u16], eni: bool) {
        let (cpu, mem, group) = {
            let t = self.task(task_id);
            (t.cpu, t.mem, t.group)
        };
        // The instance's task list and group counts lie in buffers of their own: request both lines
        // now, so their misses overlap instead of following one another.
        let inst = &self.instances[inst_id.0 as usize];
        if let Some(last) = inst.tasks.last() {
            crate::engine::prefetch(last);
        }
        if let Some(first) = inst.group_counts.first() {
            crate::engine::prefetch(first);
        }
        let track = self.track_group_names;
        let name = if track {
            Some(self.group_names[group.0 as usize].clone())
        } else {
            None
        };
        let inst = &mut self.instances[inst_id.0 as usize];
        assert!(
            inst.status == InstanceStatus::Active,
            "placing on a non-active instance"
        );
        assert!(
            inst.cpu_free >= cpu && inst.mem_free >= mem,
            "over-commit: instance {} has {} CPU / {} MiB free, task needs {cpu} / {mem}",
            inst.ec2_id,
            inst.cpu_free,
            inst.mem_free
        );
        let (old_mem, old_cpu) = (inst.mem_free, inst.cpu_free);
        inst.cpu_free -= cpu;
        inst.mem_free -= mem;
        if eni {
            assert!(inst.eni_free > 0, "over-commit: no free ENI");
            inst.eni_free -= 1;
        }
        for &p in ports {
            assert!(!inst.ports.contains(&p), "port {p} already reserved");
            inst.ports.push(p);
        }
        assert!(inst.ports.len() as u32 <= self.max_reserved_ports);
        inst.tasks.push(task_id);
        match inst.group_counts.iter_mut().find(|(g, _)| *g == group) {
            Some((_, n)) => {
                *n += 1;
                if *n == 2 {
                    self.group_crowded[group.0 as usize] += 1;
                }
            }
            None => inst.group_counts.push((group, 1)),
        }
        if let Some(name) = name {
            inst.group_names.push(name);
        }
        let zone = inst.zone;
        self.group_zone_counts[group.0 as usize][zone.0 as usize] += 1;
        let t = self.task_mut(task_id);
        t.instance = Some(inst_id);
        t.zone = Some(zone);
        self.reindex(inst_id, old_mem, old_cpu);
    }

    /// Release the task's resources on its instance (at STOPPED). Panics if that would free more than registered.
    pub fn release(&mut self, task_id: TaskId, ports: &[u16], eni: bool) {
        let t = self.task(task_id);
        let (cpu, mem, group) = (t.cpu, t.mem, t.group);
        let inst_id = t.instance.expect("release of an unplaced task");
        let track = self.track_group_names;
        let inst = &mut self.instances[inst_id.0 as usize];
        // As in `allocate`: the task list's and group counts' lines requested together.
        if let Some(first) = inst.tasks.first() {
            crate::engine::prefetch(first);
        }
        if let Some(first) = inst.group_counts.first() {
            crate::engine::prefetch(first);
        }
        let (old_mem, old_cpu) = (inst.mem_free, inst.cpu_free);
        inst.cpu_free += cpu;
        inst.mem_free += mem;
        assert!(
            inst.cpu_free <= inst.cpu_total && inst.mem_free <= inst.mem_total,
            "release frees more than registered on {}",
            inst.ec2_id
        );
        if eni {
            inst.eni_free += 1;
            assert!(inst.eni_free <= inst.eni_total);
        }
        for &p in ports {
            let pos = inst.ports.iter().position(|&x| x == p).expect("port held");
            inst.ports.swap_remove(pos);
        }
        let pos = inst
            .tasks
            .iter()
            .position(|&x| x == task_id)
            .expect("task on instance");
        inst.tasks.swap_remove(pos);
        let gpos = inst
            .group_counts
            .iter()
            .position(|(g, _)| *g == group)
            .expect("group count");
        inst.group_counts[gpos].1 -= 1;
        match inst.group_counts[gpos].1 {
            0 => {
                inst.group_counts.swap_remove(gpos);
            }
            1 => self.group_crowded[group.0 as usize] -= 1,
            _ => {}
        }
        if track {
            let name = &self.group_names[group.0 as usize];
            if let Some(p) = inst.group_names.iter().position(|n| n == name) {
                inst.group_names.swap_remove(p);
            }
        }
        let zone = inst.zone;
        self.group_zone_counts[group.0 as usize][zone.0 as usize] -= 1;
        self.reindex(inst_id, old_mem, old_cpu);
    }

    /// Stop placing on an instance (DRAINING, §6.5): it leaves the indexes and the candidate lists.
    pub fn set_draining(&mut self, id: InstanceId) {
        let inst = &self.instances[id.0 as usize];
        if inst.status != InstanceStatus::Active {
            return;
        }
        let indexed = self.indexable(inst.status, inst.cpu_free, inst.mem_free);
        let (p, z, t, m, c) = (
            inst.provider,
            inst.zone,
            inst.tiebreak,
            inst.mem_free,
            inst.cpu_free,
        );
        let ix = self.zone_index_mut(p, z);
        if indexed {
            ix.by_mem.remove(&(m, t, id.0));
            ix.by_cpu.remove(&(c, t, id.0));
            ix.by_tiebreak.remove(&(t, id.0));
        }
        if let Some(pos) = ix.members.iter().position(|&x| x == id) {
            ix.members.remove(pos);
        }
        self.instances[id.0 as usize].status = InstanceStatus::Draining;
    }

    /// The instance is gone (terminated). It must hold no task.
    pub fn deregister(&mut self, id: InstanceId) {
        self.set_draining(id);
        let inst = &mut self.instances[id.0 as usize];
        assert!(
            inst.tasks.is_empty(),
            "deregistering an instance that holds tasks"
        );
        inst.status = InstanceStatus::Deregistered;
    }

    /// Count a Fargate task in its zone (AZ balance) or remove it.
    pub fn fargate_zone_count(&mut self, group: GroupId, zone: ZoneId, add: bool) {
        let c = &mut self.group_zone_counts[group.0 as usize][zone.0 as usize];
        if add {
            *c += 1;
        } else {
            *c -= 1;
        }
    }
}

/// A structural invariant of the world that does not hold: which, and where (for a panic in a debug run).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvariantViolation(pub String);

impl World {
    /// Check every structural invariant; returns the first violation. O(instances + tasks): for tests and
    /// debug runs, not the hot path.
    pub fn check_invariants(&self) -> Result<(), InvariantViolation> {
        let mut cpu = vec![0u64; self.instances.len()];
        let mut mem = vec![0u64; self.instances.len()];
        let mut free = vec![false; self.tasks.len()];
        for &s in &self.free_slots {
            free[s as usize] = true;
        }
        for (i, t) in self.tasks.iter().enumerate() {
            if free[i] {
                continue;
            }
            if t.state == TaskState::Stopped {
                return Err(InvariantViolation(format!(
                    "task {} is STOPPED but still holds a slot",
                    t.serial
                )));
            }
            if t.awaiting_capacity && (t.state != TaskState::Provisioning || t.instance.is_some()) {
                return Err(InvariantViolation(format!(
                    "task {} awaits capacity but is {:?}",
                    t.serial, t.state
                )));
            }
            if t.awaiting_launch
                && (t.state != TaskState::Provisioning
                    || t.launch == LaunchKind::Ec2
                    || t.awaiting_capacity
                    || t.stop_requested)
            {
                return Err(InvariantViolation(format!(
                    "task {} awaits a launch token but is {:?} ({:?})",
                    t.serial, t.state, t.launch
                )));
            }
            if let Some(iid) = t.instance {
                let inst = &self.instances[iid.0 as usize];
                if !inst.tasks.contains(&TaskId(i as u32)) {
                    return Err(InvariantViolation(format!(
                        "task {} not listed on {}",
                        t.serial, inst.ec2_id
                    )));
                }
                cpu[iid.0 as usize] += t.cpu as u64;
                mem[iid.0 as usize] += t.mem as u64;
            }
        }
        for (i, inst) in self.instances.iter().enumerate() {
            if inst.cpu_free > inst.cpu_total || inst.mem_free > inst.mem_total {
                return Err(InvariantViolation(format!(
                    "{} has more free than registered",
                    inst.ec2_id
                )));
            }
            if (inst.cpu_total - inst.cpu_free) as u64 != cpu[i]
                || (inst.mem_total - inst.mem_free) as u64 != mem[i]
            {
                return Err(InvariantViolation(format!(
                    "{}: reserved {} CPU / {} MiB but its tasks hold {} / {}",
                    inst.ec2_id,
                    inst.cpu_total - inst.cpu_free,
                    inst.mem_total - inst.mem_free,
                    cpu[i],
                    mem[i]
                )));
            }
            if inst.eni_free > inst.eni_total {
                return Err(InvariantViolation(format!(
                    "{} has more free ENIs than it has",
                    inst.ec2_id
                )));
            }
            let mut ports = inst.ports.clone();
            ports.sort_unstable();
            if ports.windows(2).any(|w| w[0] == w[1]) {
                return Err(InvariantViolation(format!(
                    "{} has a host port reserved twice",
                    inst.ec2_id
                )));
            }
            if ports.len() as u32 > self.max_reserved_ports {
                return Err(InvariantViolation(format!(
                    "{} has more than {} reserved ports",
                    inst.ec2_id, self.max_reserved_ports
                )));
            }
            let n: u32 = inst.group_counts.iter().map(|g| g.1).sum();
            if n as usize != inst.tasks.len() {
                return Err(InvariantViolation(format!(
                    "{}: group counts disagree with its task list",
                    inst.ec2_id
                )));
            }
            let ix = self.zone_index(inst.provider, inst.zone);
            let indexed = self.indexable(inst.status, inst.cpu_free, inst.mem_free);
            let binpacked = indexed && self.binpack_index;
            if binpacked
                != ix
                    .by_mem
                    .contains(&(inst.mem_free, inst.tiebreak, i as u32))
                || binpacked
                    != ix
                        .by_cpu
                        .contains(&(inst.cpu_free, inst.tiebreak, i as u32))
                || indexed != ix.by_tiebreak.contains(&(inst.tiebreak, i as u32))
            {
                return Err(InvariantViolation(format!(
                    "{} is {} the placement index",
                    inst.ec2_id,
                    if indexed {
                        "missing from"
                    } else {
                        "wrongly in"
                    }
                )));
            }
        }
        let mut crowded = vec![0u32; self.group_crowded.len()];
        for inst in &self.instances {
            for &(g, n) in &inst.group_counts {
                crowded[g.0 as usize] += u32::from(n >= 2);
            }
        }
        if crowded != self.group_crowded {
            return Err(InvariantViolation(
                "instances crowded per group disagree with the group counts".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The task layout (see [`Task`]); the hot fields' bound is a compile-time assertion beside it.
    #[test]
    fn task_is_cache_line_aligned() {
        assert_eq!(std::mem::align_of::<Task>(), 64);
        assert_eq!(std::mem::size_of::<Task>() % 64, 0);
    }
}
