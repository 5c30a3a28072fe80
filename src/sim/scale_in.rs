//! Scale-in victims (reference §1.2, §1.3, §2.1): which tasks a REPLICA service stops when it has more
//! than it wants. Scale-in mirrors placement: tasks not yet RUNNING go first; then, per strategy in order,
//! binpack stops the task on the instance that will have the most resource left free, spread stops from
//! the fullest zone, instance or attribute value; remaining ties are random.
//!
//! Victims are chosen one at a time, each against the cluster as if the victims already chosen and the
//! service's tasks already stopping were gone ([`Released`]): the world only releases a task at STOPPED,
//! so without this every victim of one scale-in would be judged against the state before it (a Fargate
//! service scaled 12 → 3 over three zones could keep 2/1/0, a binpacked service would keep tasks on every
//! instance it used and cluster auto scaling could free none).

use super::*;
use crate::ecs::cql::InstanceView;
use crate::ecs::world::InstanceQuery;

/// What one scale-in batch counts as already gone: the service's tasks whose stop was requested (they
/// keep their zone count, resources and group count until STOPPED) and the victims chosen so far.
/// Lookups are O(1), so a victim pass stays O(tasks).
struct Released {
    /// Tasks of the group per zone, less the released ones (the world's counts do not change during a
    /// batch, so this is kept as it goes rather than subtracted at every read).
    zone_left: Vec<i64>,
    /// Per instance holding any: (CPU units, MiB, tasks of the group). Kept only when a general pass may
    /// read it (`track`); the fast pass reads zones only.
    inst: HashMap<InstanceId, (u32, u32, u32)>,
    track: bool,
}

impl Released {
    /// The group's zone counts less `stopping` per zone; instance shares are added by
    /// [`Self::add_held`].
    fn less(zone_counts: &[u32], stopping: &[u32], track: bool) -> Released {
        Released {
            zone_left: zone_counts
                .iter()
                .zip(stopping)
                .map(|(&n, &s)| n as i64 - s as i64)
                .collect(),
            inst: HashMap::new(),
            track,
        }
    }

    /// Count task `t` as released: its zone count (EC2 or Fargate) and, on EC2, its instance's share.
    fn add(&mut self, t: &Task) {
        if let Some(z) = t.zone {
            self.zone_left[z.0 as usize] -= 1;
        }
        self.add_held(t.instance, t.cpu, t.mem);
    }

    /// Count a released task's share of instance `i` (if placed on one): CPU units, MiB, one task.
    fn add_held(&mut self, i: Option<InstanceId>, cpu: u32, mem: u32) {
        if self.track
            && let Some(i) = i
        {
            let e = self.inst.entry(i).or_default();
            e.0 += cpu;
            e.1 += mem;
            e.2 += 1;
        }
    }

    /// Tasks of the group left in zone `z`.
    fn zone(&self, z: usize) -> i64 {
        self.zone_left[z]
    }

    /// What instance `i` releases: (CPU units, MiB, tasks of the group).
    fn on(&self, i: InstanceId) -> (u32, u32, u32) {
        debug_assert!(self.track, "instance shares not kept");
        self.inst.get(&i).copied().unwrap_or_default()
    }
}

/// One `spread(attribute:X)` strategy during a batch: each candidate's value of X (by index) and the live
/// candidates per value. The candidates alone are counted, so the counts are "as if released" by
/// construction (the service's stopping tasks and the victims chosen are not candidates).
struct AttrSpread {
    /// Position in the service's strategies.
    strategy: usize,
    /// Per candidate: its value's index; `u32::MAX` when not on an instance.
    value: Vec<u32>,
    /// Candidates per value.
    count: Vec<u32>,
}

/// The candidates of one batch: the service's tasks less the victims chosen so far, in the order the
/// service's list would have after stopping each (swap-removed), with their briefs.
struct Pool {
    tasks: Vec<TaskId>,
    briefs: Vec<TaskBrief>,
    attrs: Vec<AttrSpread>,
}

impl Pool {
    /// Candidates sharing candidate `i`'s value of the strategy at `strategy` (0 when unplaced).
    fn attr_count(&self, strategy: usize, i: usize) -> u32 {
        let a = self
            .attrs
            .iter()
            .find(|a| a.strategy == strategy)
            .expect("attribute spread listed");
        match a.value[i] {
            u32::MAX => 0,
            v => a.count[v as usize],
        }
    }

    fn remove(&mut self, i: usize) {
        self.tasks.swap_remove(i);
        self.briefs.swap_remove(i);
        for a in &mut self.attrs {
            if a.value[i] != u32::MAX {
                a.count[a.value[i] as usize] -= 1;
            }
            a.value.swap_remove(i);
        }
    }
}

impl Sim<'_> {
    /// Choose `n` tasks of the service to stop (fewer if it has fewer), one at a time, each as if the
    /// ones before it and the service's stopping tasks were released (§1.2, §1.3). The caller stops them
    /// in the order given.
    pub(super) fn choose_scale_in_victims(&mut self, sid: ServiceId, n: usize) -> Vec<TaskId> {
        let fargate = self.all_fargate(sid);
        let mut pool = self.scale_in_pool(sid);
        // Release builds keep the instance shares only when the general pass will run (debug builds also
        // run it behind the fast one); whether the fast one applies does not change during a batch.
        let track = cfg!(debug_assertions) || !self.briefs_suffice(sid, fargate);
        let group = self.services[sid.0 as usize].group;
        // The service keeps its stopping tasks' counts per zone and what each holds on its instance,
        // so this reads none of those tasks.
        let st = &self.services[sid.0 as usize];
        let zone_counts = &self.world.group_zone_counts[group.0 as usize];
        let mut rel = Released::less(zone_counts, &st.stopping_zones, track);
        if track {
            for &(i, cpu, mem) in &st.stopping_held {
                rel.add_held(i, cpu, mem);
            }
        }
        // Tasks marked for replacement (a draining instance's, an unhealthy one) are stopped by the
        // reconcile whatever the scale-in picks: they are not candidates, and they count as gone, so the
        // victims leave the zones and instances balanced over the tasks that stay (§1.3). Counting them
        // as staying, a scale-in 8 → 4 with 2 of a's 4 tasks on a draining instance stopped one in a
        // and one in b, and the 2 marked ones after them: 1 in a, 3 in b.
        if st.tasks.len() > st.n_keep as usize {
            let mut k = 0;
            while k < pool.tasks.len() {
                let x = self.world.task(pool.tasks[k]);
                if x.replace {
                    rel.add(x);
                    pool.remove(k);
                } else {
                    k += 1;
                }
            }
        }
        // Tasks with scale-in protection are not candidates (§2.7), and they stay: not released.
        if self.protection.any {
            let mut k = 0;
            while k < pool.tasks.len() {
                if self.is_protected(pool.tasks[k]) {
                    pool.remove(k);
                } else {
                    k += 1;
                }
            }
        }
        // A capacity provider strategy of several providers: each victim comes from the provider furthest
        // above its share, never below its base (§3.1).
        let items = match &self.spec.services[sid.0 as usize].launch {
            Launch::Strategy(items) if items.len() > 1 => Some(items),
            _ => None,
        };
        let mut counts = self.services[sid.0 as usize].provider_counts.clone();
        let mut victims = Vec::with_capacity(n);
        while victims.len() < n && !pool.tasks.is_empty() {
            let shrink = items.and_then(|it| Self::provider_to_shrink(it, &counts));
            let i = self.choose_victim(sid, fargate, &pool, &rel, shrink);
            let t = pool.tasks[i];
            if let Some(p) = self.world.task(t).provider {
                counts[p.0 as usize] = counts[p.0 as usize].saturating_sub(1);
            }
            rel.add(self.world.task(t));
            pool.remove(i);
            victims.push(t);
        }
        self.scale_in_spare = (pool.tasks, pool.briefs);
        victims
    }

    /// The provider a scale-in takes its next task from: the mirror of [`Self::choose_provider`] (§3.1).
    /// `base` is "how many tasks, at a minimum, to run on the specified capacity provider" (ECS API
    /// `CapacityProviderStrategyItem`), so a provider at or below its base gives up no task while
    /// another has some; among the others, the one furthest above its weighted share after the base
    /// (a weight-0 provider first; ties: the later in the strategy, as launches take the earlier).
    /// Worked example: FARGATE base 2 weight 1, FARGATE_SPOT weight 3 at 4/6; scaled in to 2, it
    /// removes Spot, FARGATE, then Spot until FARGATE's base of 2 is all that is left (2/0), and a
    /// scale-in to 6 leaves 3/3, what 6 launches would give.
    pub(super) fn provider_to_shrink(
        items: &[crate::spec::StrategyItem],
        counts: &[u32],
    ) -> Option<ProviderId> {
        let mut best: Option<(f64, ProviderId)> = None;
        for it in items {
            let n = counts[it.provider.0 as usize];
            if n <= it.base {
                continue;
            }
            let score = match it.weight {
                0 => f64::INFINITY,
                w => (n - it.base) as f64 / w as f64,
            };
            if best.is_none_or(|(b, _)| score >= b) {
                best = Some((score, it.provider));
            }
        }
        // Everything at or below its base: a provider without a base goes first.
        best.map(|b| b.1).or_else(|| {
            items
                .iter()
                .rev()
                .find(|it| it.base == 0 && counts[it.provider.0 as usize] > 0)
                .map(|it| it.provider)
        })
    }

    /// The service's tasks as candidates, with the attribute values its `spread(attribute)` strategies
    /// read.
    fn scale_in_pool(&mut self, sid: ServiceId) -> Pool {
        // The candidate lists reuse the last batch's buffers (a scale-in allocates nothing for them).
        let (mut tasks, mut briefs) = std::mem::take(&mut self.scale_in_spare);
        let st = &self.services[sid.0 as usize];
        tasks.clear();
        tasks.extend_from_slice(&st.tasks);
        briefs.clear();
        briefs.extend_from_slice(&st.briefs);
        let mut attrs = Vec::new();
        for (k, s) in st.strategies.iter().enumerate() {
            let Strategy::Spread(SpreadField::Attribute(name)) = s else {
                continue;
            };
            let mut values: Vec<Option<String>> = Vec::new();
            let mut a = AttrSpread {
                strategy: k,
                value: Vec::with_capacity(st.tasks.len()),
                count: Vec::new(),
            };
            for &t in &st.tasks {
                let Some(i) = self.world.task(t).instance else {
                    a.value.push(u32::MAX);
                    continue;
                };
                let v = InstanceQuery(self.world.instance(i))
                    .attribute(name)
                    .map(str::to_string);
                let idx = match values.iter().position(|x| *x == v) {
                    Some(p) => p,
                    None => {
                        values.push(v);
                        a.count.push(0);
                        values.len() - 1
                    }
                };
                a.count[idx] += 1;
                a.value.push(idx as u32);
            }
            attrs.push(a);
        }
        Pool {
            tasks,
            briefs,
            attrs,
        }
    }

    /// One victim (an index into the pool). Debug builds check the fast path against the general one,
    /// from the same random state.
    fn choose_victim(
        &mut self,
        sid: ServiceId,
        fargate: bool,
        pool: &Pool,
        rel: &Released,
        shrink: Option<ProviderId>,
    ) -> usize {
        #[cfg(debug_assertions)]
        let rng_before = self.rng_placement.clone();
        if let Some(victim) = self.victim_from_briefs(sid, fargate, pool, rel) {
            #[cfg(debug_assertions)]
            {
                let after = std::mem::replace(&mut self.rng_placement, rng_before);
                assert_eq!(
                    victim,
                    self.victim_by_keys(sid, fargate, pool, rel, shrink),
                    "victim fast path"
                );
                self.rng_placement = after;
            }
            return victim;
        }
        self.victim_by_keys(sid, fargate, pool, rel, shrink)
    }

    /// Is every task of the service on Fargate (its keys are then zone counts only)?
    fn all_fargate(&self, sid: ServiceId) -> bool {
        !matches!(&self.spec.services[sid.0 as usize].launch, Launch::Ec2)
            && self.services[sid.0 as usize]
                .tasks
                .iter()
                .all(|&t| self.world.task(t).launch != LaunchKind::Ec2)
    }

    /// Does the fast pass apply (see [`Self::victim_from_briefs`])?
    fn briefs_suffice(&self, sid: ServiceId, fargate: bool) -> bool {
        let st = &self.services[sid.0 as usize];
        !fargate
            && !matches!(&self.spec.services[sid.0 as usize].launch, Launch::Strategy(items) if items.len() > 1)
            && self.world.group_crowded(st.group) == 0
            && st.strategies.iter().all(|s| {
                matches!(
                    s,
                    Strategy::Spread(SpreadField::AvailabilityZone)
                        | Strategy::Spread(SpreadField::InstanceId)
                )
            })
    }

    /// The usual case reads no task and no instance: EC2, spread(AZ) and spread(instanceId) only, and no
    /// instance holding two tasks of the group (stopping ones included), so spread(instanceId) ranks
    /// every placed candidate -1 (its own instance releases nothing else of the group) and the briefs
    /// hold the rest. The same keys and draws as [`Self::victim_by_keys`]; None when it does not apply.
    fn victim_from_briefs(
        &mut self,
        sid: ServiceId,
        fargate: bool,
        pool: &Pool,
        rel: &Released,
    ) -> Option<usize> {
        if !self.briefs_suffice(sid, fargate) {
            return None;
        }
        let st = &self.services[sid.0 as usize];
        let mut best: Option<([i64; 7], usize)> = None;
        for (i, b) in pool.briefs.iter().enumerate() {
            let mut key = [0i64; 7];
            key[0] = b.running as i64;
            if b.on_instance {
                let zone_count = rel.zone(b.zone as usize);
                for (k, s) in key[1..6].iter_mut().zip(st.strategies.iter()) {
                    *k = if matches!(s, Strategy::Spread(SpreadField::AvailabilityZone)) {
                        -zone_count
                    } else {
                        -1
                    };
                }
            }
            key[6] = (self.rng_placement.next_u64() >> 1) as i64;
            if best.is_none_or(|(bk, _)| key < bk) {
                best = Some((key, i));
            }
        }
        Some(best.expect("scale-in with no tasks").1)
    }

    /// The general victim pass: each candidate's keys per strategy, compared lexicographically with a
    /// random tie-break last.
    fn victim_by_keys(
        &mut self,
        sid: ServiceId,
        fargate: bool,
        pool: &Pool,
        rel: &Released,
        shrink: Option<ProviderId>,
    ) -> usize {
        let st = &self.services[sid.0 as usize];
        let group = st.group;
        let world = &self.world;
        // Tasks of the group left in the task's zone once the released ones are gone.
        let zone_count = |task: &Task| -> i64 { task.zone.map_or(0, |z| rel.zone(z.0 as usize)) };
        // The keys compare lexicographically, so a task whose leading keys already lose to the best so
        // far needs no more of them: with spread(AZ) first (the service default), only tasks in the
        // fullest zone read their instance. Every task still draws its tie-break, in order, so the
        // random stream (and the choice) is the same as computing every key in full.
        let zone_first = fargate
            || matches!(
                st.strategies.first(),
                Some(Strategy::Spread(SpreadField::AvailabilityZone))
            );
        // First key: a task on another provider than the one to shrink (§3.1) goes last, then RUNNING
        // tasks after those not yet running.
        let first_key = |task: &Task| -> i64 {
            2 * shrink.is_some_and(|p| task.provider != Some(p)) as i64
                + (task.state == TaskState::Running) as i64
        };
        let lead = |task: &Task| -> (i64, i64) {
            (
                first_key(task),
                if zone_first { -zone_count(task) } else { 0 },
            )
        };
        // Hint the tasks, then the instances the pass will read, then their group counts (see
        // `engine::prefetch`): each round reads only what the previous one requested.
        for &t in &pool.tasks {
            // The keys read only the task's first cache line (see `Task`): hint that line, not all four.
            crate::engine::prefetch(&world.task(t).generation);
        }
        let best_lead = pool
            .tasks
            .iter()
            .map(|&t| lead(world.task(t)))
            .min()
            .expect("scale-in with no tasks");
        let reads_instance =
            |task: &Task| !fargate && task.instance.is_some() && lead(task) == best_lead;
        for &t in &pool.tasks {
            let task = world.task(t);
            if reads_instance(task) {
                crate::engine::prefetch(world.instance(task.instance.expect("placed")));
            }
        }
        for &t in &pool.tasks {
            let task = world.task(t);
            if reads_instance(task)
                && let Some(first) = world
                    .instance(task.instance.expect("placed"))
                    .group_counts
                    .first()
            {
                crate::engine::prefetch(first);
            }
        }
        // Key j (1..=5) of candidate i: its strategies' keys in order (0 past the last strategy), each
        // read as if the released tasks were gone.
        let strategy_key = |i: usize, task: &Task, j: usize| -> i64 {
            if fargate {
                return if j == 1 { -zone_count(task) } else { 0 };
            }
            let (Some(iid), Some(s)) = (task.instance, st.strategies.get(j - 1)) else {
                return 0;
            };
            let inst = world.instance(iid);
            match s {
                Strategy::Spread(SpreadField::AvailabilityZone) => -zone_count(task),
                Strategy::Binpack(crate::spec::Resource::Memory) => {
                    -((inst.mem_free + rel.on(iid).1 + task.mem) as i64)
                }
                Strategy::Binpack(crate::spec::Resource::Cpu) => {
                    -((inst.cpu_free + rel.on(iid).0 + task.cpu) as i64)
                }
                Strategy::Spread(SpreadField::InstanceId) => {
                    -(inst.group_count(group) as i64 - rel.on(iid).2 as i64)
                }
                Strategy::Spread(SpreadField::Attribute(_)) => -(pool.attr_count(j - 1, i) as i64),
                Strategy::Random => 0,
            }
        };
        let mut best: Option<([i64; 7], usize)> = None;
        for (i, &t) in pool.tasks.iter().enumerate() {
            let task = world.task(t);
            let tie_break = (self.rng_placement.next_u64() >> 1) as i64;
            let mut key = [0i64; 7];
            key[0] = first_key(task);
            // Keys 1..=5 as far as they tie with the best; `j` is the first not computed.
            let mut j = 1;
            if let Some((b, _)) = &best {
                let mut ord = key[0].cmp(&b[0]);
                while ord.is_eq() && j < 6 {
                    key[j] = strategy_key(i, task, j);
                    ord = key[j].cmp(&b[j]);
                    j += 1;
                }
                if ord.is_eq() {
                    ord = tie_break.cmp(&b[6]);
                }
                if !ord.is_lt() {
                    continue;
                }
            }
            for (k, key_k) in key.iter_mut().enumerate().take(6).skip(j) {
                *key_k = strategy_key(i, task, k);
            }
            key[6] = tie_break;
            best = Some((key, i));
        }
        best.expect("scale-in with no tasks").1
    }
}
