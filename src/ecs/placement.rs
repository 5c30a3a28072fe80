//! Task placement on EC2 (reference §1): resource filter → constraints → strategies, as a pure function of
//! the world. Strategies are applied lexicographically (each later rule breaks the ties of the earlier
//! ones, §1.2 "derived"); the last tie-break is each instance's random key drawn at registration, which is
//! the "random is a safe choice" of §1.2.
//!
//! Two paths give the same answer: an indexed one for `binpack` and `spread(AZ)`+`binpack` (range queries
//! on free memory/CPU per zone, O(log n) in the usual case), and a scan for every other chain. Tests check
//! that they agree.
//!
//! Must not: mutate the world or know about services (it sees a task group and numbers).

use crate::ecs::cql::InstanceView;
use crate::ecs::world::{GroupId, Instance, InstanceId, InstanceQuery, World};
use crate::engine::rng::RngStream;
use crate::pricing::catalog::Arch;
use crate::spec::{Constraint, ProviderId, Resource, SpreadField, Strategy, ZoneId};

/// Which instances a task may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Launch type EC2: any registered instance of these providers (all EC2 providers).
    Providers(ProviderId, ProviderId),
    /// One capacity provider's Auto Scaling group.
    Provider(ProviderId),
}

impl Scope {
    fn providers(self) -> std::ops::Range<u16> {
        match self {
            Scope::Providers(a, b) => a.0..b.0,
            Scope::Provider(p) => p.0..p.0 + 1,
        }
    }
}

/// What a task needs from an instance.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// CPU units.
    pub cpu: u32,
    /// Memory MiB.
    pub mem: u32,
    /// Static host ports.
    pub ports: &'a [u16],
    /// Needs an ENI (awsvpc).
    pub eni: bool,
    /// Required architecture.
    pub arch: Option<Arch>,
    /// The task group (service or standalone group) counted by spread and distinctInstance.
    pub group: GroupId,
    /// Binding constraints.
    pub constraints: &'a [Constraint],
    /// Best-effort strategies, in order.
    pub strategies: &'a [Strategy],
    /// Candidate instances.
    pub scope: Scope,
}

/// Why an instance was rejected (the order is the pipeline's: resources, then constraints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rejection {
    /// Not enough CPU units (`RESOURCE:CPU`).
    Cpu,
    /// Not enough memory (`RESOURCE:MEMORY`).
    Memory,
    /// A static host port is taken (`RESOURCE:PORTS`).
    Ports,
    /// No free ENI for an awsvpc task (`RESOURCE:ENI`).
    Eni,
    /// Wrong CPU architecture.
    Arch,
    /// distinctInstance: a task of the group is already there.
    DistinctInstance,
    /// memberOf expression false.
    MemberOf,
}

impl Rejection {
    /// The RunTask `failures[].reason` spelling (reference §3.2, §7.3).
    pub fn reason_code(self) -> &'static str {
        match self {
            Rejection::Cpu => "RESOURCE:CPU",
            Rejection::Memory => "RESOURCE:MEMORY",
            Rejection::Ports => "RESOURCE:PORTS",
            Rejection::Eni => "RESOURCE:ENI",
            Rejection::Arch => "ATTRIBUTE",
            Rejection::DistinctInstance => "DistinctInstance placement constraint unsatisfied",
            Rejection::MemberOf => "MemberOf placement constraint unsatisfied",
        }
    }

    /// The phrase of the service event "The closest matching container-instance X …" (reference §2.6).
    pub fn closest_phrase(self) -> &'static str {
        match self {
            Rejection::Cpu => "has insufficient CPU units available",
            Rejection::Memory => "has insufficient memory available",
            Rejection::Ports => "is already using a port required by your task",
            Rejection::Eni => "has insufficient free ENI attachment points",
            Rejection::Arch => "does not match the required CPU architecture",
            Rejection::DistinctInstance => {
                "encountered error \"DistinctInstance placement constraint unsatisfied.\""
            }
            Rejection::MemberOf => {
                "encountered error \"MemberOf placement constraint unsatisfied.\""
            }
        }
    }
}

/// No instance passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// The instance that got furthest through the pipeline (None: no instance in scope).
    pub closest: Option<InstanceId>,
    /// Why the closest one failed.
    pub reason: Option<Rejection>,
}

/// First failing check of `inst` for `req`, or None if it passes.
pub fn check(world: &World, inst: &Instance, req: &Request) -> Option<Rejection> {
    if inst.cpu_free < req.cpu {
        return Some(Rejection::Cpu);
    }
    if inst.mem_free < req.mem {
        return Some(Rejection::Memory);
    }
    if !req.ports.is_empty()
        && (req.ports.iter().any(|p| inst.ports.contains(p))
            || inst.ports.len() + req.ports.len() > world.max_reserved_ports as usize)
    {
        return Some(Rejection::Ports);
    }
    if req.eni && inst.eni_free == 0 {
        return Some(Rejection::Eni);
    }
    if let Some(a) = req.arch
        && a != inst.arch
    {
        return Some(Rejection::Arch);
    }
    for c in req.constraints {
        match c {
            Constraint::DistinctInstance => {
                if inst.group_count(req.group) > 0 {
                    return Some(Rejection::DistinctInstance);
                }
            }
            Constraint::MemberOf { expr, .. } => {
                let eval = || expr.matches(&InstanceQuery(inst) as &dyn InstanceView);
                let pass = match world.static_member_bit(expr) {
                    Some(k) => {
                        let remembered = inst.static_pass[k / 64] >> (k % 64) & 1 == 1;
                        debug_assert_eq!(remembered, eval(), "static memberOf of {}", inst.ec2_id);
                        remembered
                    }
                    None => eval(),
                };
                if !pass {
                    return Some(Rejection::MemberOf);
                }
            }
        }
    }
    None
}

/// How many tasks like `req` instance `inst` can take now, one after another (0 when [`check`] fails):
/// whole multiples of its free CPU, memory and ENIs; one with static host ports (a second would clash)
/// or `distinctInstance`. A `memberOf` on the instance's attributes passes for every copy.
pub fn copies(world: &World, inst: &Instance, req: &Request) -> u32 {
    if check(world, inst, req).is_some() {
        return 0;
    }
    let mut n = u32::MAX;
    if let Some(k) = inst.cpu_free.checked_div(req.cpu) {
        n = n.min(k);
    }
    if let Some(k) = inst.mem_free.checked_div(req.mem) {
        n = n.min(k);
    }
    if req.eni {
        n = n.min(inst.eni_free);
    }
    let distinct = req
        .constraints
        .iter()
        .any(|c| matches!(c, Constraint::DistinctInstance));
    if !req.ports.is_empty() || distinct {
        n = n.min(1);
    }
    n
}

/// Choose an instance for one task, or say why none fits.
pub fn place(world: &World, req: &Request, rng: &mut RngStream) -> Result<InstanceId, Failure> {
    let found = match req.strategies {
        [Strategy::Binpack(r)] => indexed_binpack(world, req, *r, None),
        [
            Strategy::Spread(SpreadField::AvailabilityZone),
            Strategy::Binpack(r),
        ] => indexed_spread_az_binpack(world, req, *r),
        [
            Strategy::Spread(SpreadField::AvailabilityZone),
            Strategy::Spread(SpreadField::InstanceId),
        ] => indexed_spread_instance(world, req, true),
        [Strategy::Spread(SpreadField::InstanceId)] => indexed_spread_instance(world, req, false),
        _ => scan(world, req, rng),
    };
    found.ok_or_else(|| explain_failure(world, req))
}

/// Lowest (free − need, tiebreak) in the zone indexes that passes every check.
fn indexed_binpack(
    world: &World,
    req: &Request,
    r: Resource,
    only_zone: Option<ZoneId>,
) -> Option<InstanceId> {
    assert!(
        world.has_binpack_index(),
        "binpack placement in a run declared without binpack"
    );
    let mut best: Option<(u32, u64, u32)> = None;
    for p in req.scope.providers() {
        for z in 0..world.zones {
            if only_zone.is_some_and(|oz| oz.0 as usize != z) {
                continue;
            }
            let ix = world.zone_index(ProviderId(p), ZoneId(z as u8));
            let (set, need) = match r {
                Resource::Memory => (&ix.by_mem, req.mem),
                Resource::Cpu => (&ix.by_cpu, req.cpu),
            };
            for &key in set.range((need, 0, 0)..) {
                if best.is_some_and(|b| key >= b) {
                    break;
                }
                let inst = world.instance(InstanceId(key.2));
                if check(world, inst, req).is_none() {
                    best = Some(key);
                    break;
                }
            }
        }
    }
    best.map(|k| InstanceId(k.2))
}

/// spread(AZ) then binpack: the zones with the fewest tasks of the group that have a fitting instance,
/// then the tightest fit among them.
fn indexed_spread_az_binpack(world: &World, req: &Request, r: Resource) -> Option<InstanceId> {
    let counts = &world.group_zone_counts[req.group.0 as usize];
    let mut zones: Vec<(u32, usize)> = (0..world.zones).map(|z| (counts[z], z)).collect();
    zones.sort_unstable();
    let mut i = 0;
    while i < zones.len() {
        let level = zones[i].0;
        let mut best: Option<(u32, u64, InstanceId)> = None;
        while i < zones.len() && zones[i].0 == level {
            let z = ZoneId(zones[i].1 as u8);
            if let Some(id) = indexed_binpack(world, req, r, Some(z)) {
                let inst = world.instance(id);
                let free = match r {
                    Resource::Memory => inst.mem_free,
                    Resource::Cpu => inst.cpu_free,
                };
                let key = (free, inst.tiebreak, id);
                if best.is_none_or(|b| (key.0, key.1, key.2.0) < (b.0, b.1, b.2.0)) {
                    best = Some(key);
                }
            }
            i += 1;
        }
        if let Some(b) = best {
            return Some(b.2);
        }
    }
    None
}

/// spread(instanceId), optionally after spread(AZ) (the service default, §1.2): the smallest
/// (zone count, tasks of the group on the instance, tiebreak, id) among instances that pass every check,
/// as the scan computes it. Each zone's instances are walked in tiebreak order; the first that passes with
/// no task of the group is that zone's best, so the walk only passes the instances that already hold the
/// group (a few per zone) or fail a check. Zones are visited from the lowest zone count; a level's best
/// ends the search.
fn indexed_spread_instance(world: &World, req: &Request, zone_first: bool) -> Option<InstanceId> {
    let counts = &world.group_zone_counts[req.group.0 as usize];
    let mut zones = [(0u32, 0usize); 256];
    let zones = &mut zones[..world.zones];
    for (z, slot) in zones.iter_mut().enumerate() {
        *slot = (if zone_first { counts[z] } else { 0 }, z);
    }
    zones.sort_unstable();
    let mut i = 0;
    while i < zones.len() {
        let level = zones[i].0;
        // (tasks of the group on it, tiebreak, id)
        let mut best: Option<(u32, u64, u32)> = None;
        while i < zones.len() && zones[i].0 == level {
            let z = ZoneId(zones[i].1 as u8);
            for p in req.scope.providers() {
                for &(tb, id) in &world.zone_index(ProviderId(p), z).by_tiebreak {
                    if best.is_some_and(|b| b.0 == 0 && (tb, id) >= (b.1, b.2)) {
                        break; // nothing later in this zone beats a zero-count instance
                    }
                    let inst = world.instance(InstanceId(id));
                    let n = inst.group_count(req.group);
                    if best.is_some_and(|b| (n, tb, id) >= b) || check(world, inst, req).is_some() {
                        continue;
                    }
                    best = Some((n, tb, id));
                    if n == 0 {
                        break;
                    }
                }
            }
            i += 1;
        }
        if let Some(b) = best {
            return Some(InstanceId(b.2));
        }
    }
    None
}

/// Instances in scope that are ACTIVE (the indexes hold only active ones).
pub fn scope_members<'w>(world: &'w World, scope: Scope) -> impl Iterator<Item = InstanceId> + 'w {
    scope.providers().flat_map(move |p| {
        (0..world.zones).flat_map(move |z| {
            world
                .zone_index(ProviderId(p), ZoneId(z as u8))
                .members
                .iter()
                .copied()
        })
    })
}

/// The general path: every candidate gets a key per strategy; the lexicographically smallest wins.
fn scan(world: &World, req: &Request, rng: &mut RngStream) -> Option<InstanceId> {
    const MAX: usize = 6;
    let attr_counts = spread_attribute_counts(world, req);
    let mut best: Option<([u64; MAX], InstanceId)> = None;
    let mut feasible = 0u64;
    for id in scope_members(world, req.scope) {
        let inst = world.instance(id);
        if check(world, inst, req).is_some() {
            continue;
        }
        feasible += 1;
        let mut key = [0u64; MAX];
        for (k, s) in key.iter_mut().zip(req.strategies.iter()) {
            *k = match s {
                Strategy::Binpack(Resource::Memory) => (inst.mem_free - req.mem) as u64,
                Strategy::Binpack(Resource::Cpu) => (inst.cpu_free - req.cpu) as u64,
                Strategy::Spread(SpreadField::AvailabilityZone) => {
                    world.group_zone_counts[req.group.0 as usize][inst.zone.0 as usize] as u64
                }
                Strategy::Spread(SpreadField::InstanceId) => inst.group_count(req.group) as u64,
                Strategy::Spread(SpreadField::Attribute(name)) => {
                    let v = InstanceQuery(inst).attribute(name).map(str::to_string);
                    attr_counts
                        .iter()
                        .find(|(n, val, _)| n == name && *val == v)
                        .map_or(0, |e| e.2)
                }
                // Random as a key: a fresh draw per candidate is a uniform choice among the tied.
                Strategy::Random => rng.next_u64(),
            };
        }
        key[MAX - 1] = inst.tiebreak;
        if best.is_none_or(|(b, bid)| (key, id) < (b, bid)) {
            best = Some((key, id));
        }
    }
    let _ = feasible;
    best.map(|b| b.1)
}

/// Task-group counts per value of each `spread(attribute:X)` field (not AZ), over the scope.
type AttrCounts = Vec<(String, Option<String>, u64)>;

fn spread_attribute_counts(world: &World, req: &Request) -> AttrCounts {
    let mut out: AttrCounts = Vec::new();
    for s in req.strategies {
        if let Strategy::Spread(SpreadField::Attribute(name)) = s {
            for id in scope_members(world, req.scope) {
                let inst = world.instance(id);
                let n = inst.group_count(req.group) as u64;
                let v = InstanceQuery(inst).attribute(name).map(str::to_string);
                match out.iter_mut().find(|(k, val, _)| k == name && *val == v) {
                    Some(e) => e.2 += n,
                    None => out.push((name.clone(), v, n)),
                }
            }
        }
    }
    out
}

/// The closest matching instance: the one that passes the most pipeline checks (ties: most free memory,
/// then lowest id), and its first failing check.
pub fn explain_failure(world: &World, req: &Request) -> Failure {
    let mut best: Option<(Rejection, u32, std::cmp::Reverse<u32>, InstanceId)> = None;
    for id in scope_members(world, req.scope) {
        let inst = world.instance(id);
        if let Some(rej) = check(world, inst, req) {
            let key = (rej, inst.mem_free, std::cmp::Reverse(id.0), id);
            if best.is_none_or(|b| (key.0, key.1, key.2) > (b.0, b.1, b.2)) {
                best = Some(key);
            }
        }
    }
    Failure {
        closest: best.map(|b| b.3),
        reason: best.map(|b| b.0),
    }
}

/// Why the pipeline chose what it chose, in ECS's words (for `ecsim explain`; never on the hot path).
/// `zone_names` names zone ids; `chosen` is the placement's result.
pub fn explain(
    world: &World,
    req: &Request,
    chosen: &Result<InstanceId, Failure>,
    zone_names: &[String],
) -> String {
    let mut out = String::new();
    let members: Vec<InstanceId> = scope_members(world, req.scope).collect();
    if members.is_empty() {
        return "no container instance is registered in scope".to_string();
    }
    // Resources first.
    let mut rejected: Vec<(Rejection, u32, String)> = Vec::new();
    let mut after_resources = 0u32;
    let mut after_constraints = 0u32;
    for &id in &members {
        let inst = world.instance(id);
        match check(world, inst, req) {
            Some(r) => {
                if r < Rejection::Arch {
                    let example = match r {
                        Rejection::Cpu => format!(
                            "{}: {} CPU units free, {} needed",
                            inst.ec2_id, inst.cpu_free, req.cpu
                        ),
                        Rejection::Memory => format!(
                            "{}: {} MiB free, {} needed",
                            inst.ec2_id, inst.mem_free, req.mem
                        ),
                        Rejection::Ports => {
                            format!("{}: a host port in {:?} is taken", inst.ec2_id, req.ports)
                        }
                        _ => format!("{}: no free ENI", inst.ec2_id),
                    };
                    match rejected.iter_mut().find(|x| x.0 == r) {
                        Some(x) => x.1 += 1,
                        None => rejected.push((r, 1, example)),
                    }
                } else {
                    after_resources += 1;
                }
            }
            None => {
                after_resources += 1;
                after_constraints += 1;
            }
        }
    }
    out.push_str(&format!("{} instances considered", members.len()));
    for (r, n, ex) in &rejected {
        let what = match r {
            Rejection::Cpu => "insufficient CPU",
            Rejection::Memory => "insufficient memory",
            Rejection::Ports => "port in use",
            _ => "no free ENI",
        };
        out.push_str(&format!("; {n} rejected: {what} (e.g. {ex})"));
    }
    if !req.constraints.is_empty() {
        let names: Vec<String> = req
            .constraints
            .iter()
            .map(|c| match c {
                Constraint::DistinctInstance => "distinctInstance".to_string(),
                Constraint::MemberOf { source, .. } => format!("memberOf '{source}'"),
            })
            .collect();
        out.push_str(&format!(
            "; {} kept {after_constraints} of {after_resources}",
            names.join(" and ")
        ));
    }
    match chosen {
        Ok(id) => {
            let inst = world.instance(*id);
            for s in req.strategies {
                let zone = &zone_names[inst.zone.0 as usize];
                let text = match s {
                    Strategy::Spread(SpreadField::AvailabilityZone) => format!(
                        "spread(attribute:ecs.availability-zone): {zone} has the fewest tasks of the group ({})",
                        world.group_zone_counts[req.group.0 as usize][inst.zone.0 as usize]
                    ),
                    Strategy::Spread(SpreadField::InstanceId) => format!(
                        "spread(instanceId): {} has the fewest tasks of the group ({})",
                        inst.ec2_id,
                        inst.group_count(req.group)
                    ),
                    Strategy::Spread(SpreadField::Attribute(a)) => format!(
                        "spread(attribute:{a}): {}'s value has the fewest tasks of the group",
                        inst.ec2_id
                    ),
                    Strategy::Binpack(Resource::Memory) => format!(
                        "binpack(memory): {} leaves {} MiB, the least",
                        inst.ec2_id,
                        inst.mem_free - req.mem
                    ),
                    Strategy::Binpack(Resource::Cpu) => format!(
                        "binpack(cpu): {} leaves {} CPU units, the least",
                        inst.ec2_id,
                        inst.cpu_free - req.cpu
                    ),
                    Strategy::Random => format!("random: {} drawn", inst.ec2_id),
                };
                out.push_str(&format!(". {text}"));
            }
            out.push_str(&format!(
                " → {} ({zone})",
                inst.ec2_id,
                zone = zone_names[inst.zone.0 as usize]
            ));
        }
        Err(f) => {
            out.push_str(". No instance met all of the requirements");
            if let (Some(c), Some(r)) = (f.closest, f.reason) {
                out.push_str(&format!(
                    "; the closest matching, {}, {}",
                    world.instance(c).ec2_id,
                    r.closest_phrase()
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::world::{InstanceStatus, LaunchKind, Owner, Task, TaskState};
    use crate::spec::{ServiceId, TaskDefId};

    fn instance(zone: u8, cpu: u32, mem: u32, tiebreak: u64) -> Instance {
        Instance {
            ec2_id: format!("i-{tiebreak:x}"),
            static_pass: Vec::new(),
            provider: ProviderId(0),
            zone: ZoneId(zone),
            status: InstanceStatus::Active,
            registered_at: 0,
            cpu_total: cpu,
            mem_total: mem,
            cpu_free: cpu,
            mem_free: mem,
            eni_total: 2,
            eni_free: 2,
            ports: vec![22],
            tasks: vec![],
            group_counts: vec![],
            group_names: vec![],
            running_count: 0,
            attributes: vec![("ecs.availability-zone".into(), format!("z{zone}"))],
            tiebreak,
            arch: Arch::X86_64,
            launched_at: 0,
            images: Vec::new(),
            terminate_when_empty: false,
            reclaimed: false,
            attributed: Vec::new(),
        }
    }

    fn task(group: GroupId, cpu: u32, mem: u32) -> Task {
        let mut t = Task::new(
            TaskDefId(0),
            group,
            Owner::Service(ServiceId(0)),
            None,
            LaunchKind::Ec2,
            cpu,
            mem,
            0,
        );
        t.state = TaskState::Running;
        t
    }

    /// A world of `n` instances with random sizes, partly filled by tasks of two groups.
    fn random_world(rng: &mut RngStream, n: usize) -> (World, GroupId) {
        let mut w = World::new(3, 3, 100);
        // Every task and request below needs at least 128 units / 256 MiB: fuller instances leave the index.
        w.set_min_need(128, 256);
        let g = w.group("service:a");
        let other = w.group("service:b");
        for _ in 0..n {
            let cpu = [1024, 2048, 4096][rng.below(3) as usize];
            let mem = [2000, 3900, 7900, 15900][rng.below(4) as usize];
            w.add_instance(instance(rng.below(3) as u8, cpu, mem, rng.next_u64()));
        }
        for _ in 0..n * 2 {
            let i = InstanceId(rng.below(n as u64) as u32);
            let grp = if rng.below(2) == 0 { g } else { other };
            let t = task(
                grp,
                128 * (1 + rng.below(4) as u32),
                256 * (1 + rng.below(6) as u32),
            );
            let inst = w.instance(i);
            if inst.cpu_free >= t.cpu && inst.mem_free >= t.mem {
                let id = w.new_task(t);
                w.allocate(id, i, &[], false);
            }
        }
        (w, g)
    }

    /// The indexed paths must choose exactly what the general scan chooses.
    #[test]
    fn indexed_paths_agree_with_the_scan() {
        let mut rng = RngStream::new(11, "placement-test");
        let chains = [
            vec![Strategy::Binpack(Resource::Memory)],
            vec![Strategy::Binpack(Resource::Cpu)],
            vec![
                Strategy::Spread(SpreadField::AvailabilityZone),
                Strategy::Binpack(Resource::Memory),
            ],
            vec![
                Strategy::Spread(SpreadField::AvailabilityZone),
                Strategy::Binpack(Resource::Cpu),
            ],
            vec![
                Strategy::Spread(SpreadField::AvailabilityZone),
                Strategy::Spread(SpreadField::InstanceId),
            ],
            vec![Strategy::Spread(SpreadField::InstanceId)],
        ];
        let mut compared = 0;
        for round in 0..200 {
            let (world, g) = random_world(&mut rng, 5 + round % 40);
            let distinct = [Constraint::DistinctInstance];
            for chain in &chains {
                for with_distinct in [false, true] {
                    let req = Request {
                        cpu: 128 * (1 + rng.below(8) as u32),
                        mem: 256 * (1 + rng.below(12) as u32),
                        ports: &[],
                        eni: false,
                        arch: None,
                        group: g,
                        constraints: if with_distinct { &distinct } else { &[] },
                        strategies: chain,
                        scope: Scope::Provider(ProviderId(0)),
                    };
                    let fast = match chain.as_slice() {
                        [Strategy::Binpack(r)] => indexed_binpack(&world, &req, *r, None),
                        [_, Strategy::Binpack(r)] => indexed_spread_az_binpack(&world, &req, *r),
                        [_, Strategy::Spread(_)] => indexed_spread_instance(&world, &req, true),
                        [Strategy::Spread(_)] => indexed_spread_instance(&world, &req, false),
                        _ => unreachable!(),
                    };
                    let slow = scan(&world, &req, &mut rng);
                    assert_eq!(fast, slow, "round {round}, chain {chain:?}");
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, 200 * 12);
    }

    /// Binpack (§1.2): the instance with the least remaining memory that still fits.
    /// Free memory 548, 2596 and 7000 MiB; a 500 MiB task leaves 48, 2096, 6500 → the first.
    /// A 600 MiB task does not fit the first (548 < 600) and leaves 1996 on the second → the second.
    #[test]
    fn binpack_picks_least_remaining_memory() {
        let mut w = World::new(3, 3, 100);
        let g = w.group("service:a");
        let a = w.add_instance(instance(0, 4096, 548, 3));
        let b = w.add_instance(instance(1, 4096, 2596, 2));
        let _c = w.add_instance(instance(2, 4096, 7000, 1));
        let mut rng = RngStream::new(1, "t");
        let strat = [Strategy::Binpack(Resource::Memory)];
        let mut req = Request {
            cpu: 256,
            mem: 500,
            ports: &[],
            eni: false,
            arch: None,
            group: g,
            constraints: &[],
            strategies: &strat,
            scope: Scope::Provider(ProviderId(0)),
        };
        assert_eq!(place(&w, &req, &mut rng), Ok(a));
        req.mem = 600;
        assert_eq!(place(&w, &req, &mut rng), Ok(b));
        req.mem = 8000;
        let f = place(&w, &req, &mut rng).unwrap_err();
        assert_eq!(f.reason, Some(Rejection::Memory));
    }
}
