//! Task scale-in protection (reference §2.7): a service's tasks that set `protectionEnabled` are not
//! stopped by a scale-in (a lower desired count) or by a deployment until the protection is cleared or
//! expires; everything else (a draining instance, a failed health check, AZ rebalancing, Spot, crashes,
//! instance and zone loss) still stops them. The service keeps more tasks than desired meanwhile, and
//! converges when the protection lapses.
//!
//! Two ways a service's tasks set it (`[services.task_protection] mode`):
//! - `after_start`: a task protects itself when it reaches RUNNING, for `expires_in`. One
//!   [`Event::ProtectionExpires`] per task, at its expiry; the expiry time in the event tells a stale
//!   one (the task stopped, its slot reused) from the live one.
//! - `while_busy`: a queue worker holds protection while it processes messages (the documented
//!   pattern: set it on taking a message, clear it when done). The queue is fluid (§4.5), so the busy
//!   workers are a count, not named tasks: `round(in_flight × share ÷ concurrency)`, at most the RUNNING
//!   tasks, where `share` = min(1, expires_in ÷ the time a message takes) (a worker renews protection per
//!   message, so only a message longer than `expires_in` outlives it). The busy ones are the RUNNING
//!   tasks that have run longest: a message stays with the worker that took it, so a rollout waits for
//!   the old workers while messages they took are in flight. It is read again at every metric period
//!   while it holds tasks back.

use super::*;

/// The run's protection state (empty when no service protects its tasks).
#[derive(Debug, Default)]
pub(super) struct ProtectionRt {
    /// Some service protects its tasks.
    pub any: bool,
    /// `after_start`: each protected task's expiry (ms).
    until: HashMap<TaskId, SimTime>,
    /// `while_busy`: the busy workers of the service being reconciled, by slot (sorted), for the length
    /// of that reconcile.
    busy: Vec<TaskId>,
    /// Per service: how many tasks protection held back at the last reconcile (0: none), so that its
    /// event is written when the number changes, not at every reconcile.
    held: Vec<u32>,
    /// Per service: since when `held` holds, the task-milliseconds held before, the most held at once,
    /// and the protections expired (for `summary.json`).
    held_since: Vec<SimTime>,
    held_ms: Vec<u128>,
    max_held: Vec<u32>,
    expired: Vec<u64>,
}

impl ProtectionRt {
    pub(super) fn new(spec: &Spec) -> Self {
        let any = spec.services.iter().any(|s| s.task_protection.is_some());
        let n = if any { spec.services.len() } else { 0 };
        ProtectionRt {
            any,
            until: HashMap::new(),
            busy: Vec::new(),
            held: vec![0; n],
            held_since: vec![0; n],
            held_ms: vec![0; n],
            max_held: vec![0; n],
            expired: vec![0; n],
        }
    }
}

impl Sim<'_> {
    /// The mode of service `sid`'s protection, if it has one.
    fn protection_mode(&self, sid: ServiceId) -> Option<ProtectionMode> {
        self.spec.services[sid.0 as usize]
            .task_protection
            .map(|p| p.mode)
    }

    /// Service task `t` reached RUNNING: with `after_start` it protects itself for `expires_in` (the
    /// default 120 minutes when not given, ECS API `UpdateTaskProtection`).
    pub(super) fn protect_on_running(&mut self, t: TaskId, sid: ServiceId) {
        let Some(p) = self.spec.services[sid.0 as usize].task_protection else {
            return;
        };
        if p.mode != ProtectionMode::AfterStart {
            return;
        }
        let until = self.queue.now() + p.expires_in_ms;
        self.protection.until.insert(t, until);
        self.queue
            .push(until, Event::ProtectionExpires { task: t, until });
    }

    /// Task `t`'s stop was requested: its protection, if any, goes with it.
    pub(super) fn clear_protection(&mut self, t: TaskId) {
        self.protection.until.remove(&t);
    }

    /// Is task `t` protected now: `after_start` and not expired, or (in the reconcile of its
    /// `while_busy` service) one of the busy workers?
    pub(super) fn is_protected(&self, t: TaskId) -> bool {
        self.protection.any
            && (self.protection.until.contains_key(&t)
                || self.protection.busy.binary_search(&t).is_ok())
    }

    /// `Event::ProtectionExpires`: the protection of task `t` that was to expire at `until` lapses
    /// ("After this time period lapses, protectionEnabled will be reset to false", ECS API
    /// `UpdateTaskProtection`); the service looks at its tasks again, so a scale-in or a rollout it held
    /// back goes on now.
    pub(super) fn on_protection_expired(&mut self, t: TaskId, until: SimTime) {
        if self.protection.until.get(&t) != Some(&until) {
            return; // cleared (the task stopped) or renewed since
        }
        self.protection.until.remove(&t);
        let x = self.world.task(t);
        let Owner::Service(sid) = x.owner else {
            return;
        };
        let serial = x.serial;
        self.protection.expired[sid.0 as usize] += 1;
        self.emit(Some(sid), What::ProtectionExpired { task: serial }, false);
        self.request_reconcile(sid, 0);
    }

    /// Does service `sid` protect tasks in this reconcile (§2.7)? For `while_busy` it finds its busy
    /// workers now: the RUNNING tasks that have run longest, as many as [`Self::busy_workers`] counts (a
    /// message in flight stays with the worker that took it, and the longest-running took the oldest).
    pub(super) fn protection_guard(&mut self, sid: ServiceId) -> bool {
        match self.protection_mode(sid) {
            None => false,
            Some(ProtectionMode::AfterStart) => true,
            Some(ProtectionMode::WhileBusy) => {
                let k = self.busy_workers(sid) as usize;
                let mut busy = std::mem::take(&mut self.protection.busy);
                busy.clear();
                if k > 0 {
                    let mut running: Vec<(SimTime, u64, TaskId)> = self.services[sid.0 as usize]
                        .tasks
                        .iter()
                        .filter_map(|&t| {
                            let x = self.world.task(t);
                            (x.state == TaskState::Running && !x.stop_requested)
                                .then(|| (x.started_at.unwrap_or(0), x.serial, t))
                        })
                        .collect();
                    running.sort_unstable();
                    busy.extend(running.iter().take(k).map(|r| r.2));
                    busy.sort_unstable();
                }
                self.protection.busy = busy;
                true
            }
        }
    }

    /// `while_busy`: the service's workers busy with a message now, as a count (see the module
    /// comment): the messages in flight ÷ `concurrency`, of which the share a renewal per message keeps
    /// protected, rounded to the nearest task, at most the RUNNING tasks.
    fn busy_workers(&mut self, sid: ServiceId) -> u32 {
        let i = sid.0 as usize;
        let spec = self.spec;
        let (Some(qs), Some(p)) = (
            spec.services[i].queue.as_deref(),
            spec.services[i].task_protection,
        ) else {
            return 0;
        };
        let in_flight = self.queue_in_flight_now(i);
        let share = (p.expires_in_ms as f64 / (qs.service_s() * 1000.0)).min(1.0);
        let busy = (in_flight * share / qs.concurrency as f64 + 0.5).floor();
        (busy.max(0.0) as u32).min(self.services[i].running)
    }

    /// The end of a reconcile of service `sid`: `held` tasks it would have stopped are protected. The
    /// event is written when that number changes to a non-zero one (not at every reconcile); while a
    /// `while_busy` service holds tasks back, every metric period looks again ([`Self::protection_tick`]).
    pub(super) fn protection_held(&mut self, sid: ServiceId, held: u32) {
        if !self.protection.any {
            return;
        }
        let i = sid.0 as usize;
        self.protection.busy.clear();
        if self.protection.held[i] == held {
            return;
        }
        let now = self.queue.now();
        let p = &mut self.protection;
        p.held_ms[i] += p.held[i] as u128 * (now - p.held_since[i]) as u128;
        p.held_since[i] = now;
        p.max_held[i] = p.max_held[i].max(held);
        p.held[i] = held;
        if held > 0 && self.explain.is_some() {
            self.explain_held(sid, held);
        }
        if held > 0 {
            let st = &self.services[i];
            let what = What::TasksProtected {
                held,
                tasks: st.tasks.len() as u32,
                desired: st.desired,
            };
            self.emit(Some(sid), what, false);
        }
    }

    /// Did the scheduler stop worker `t` as an idle one: a scale-in or a deployment of a `while_busy`
    /// service, which stops no more than its idle workers (a task marked for replacement, a crash, a
    /// Spot interruption or a lost instance takes its share of the messages in flight with it)?
    pub(super) fn stopped_idle(&self, t: TaskId) -> bool {
        let x = self.world.task(t);
        let Owner::Service(sid) = x.owner else {
            return false;
        };
        self.protection_mode(sid) == Some(ProtectionMode::WhileBusy)
            && x.stop_code == Some(StopCode::ServiceSchedulerInitiated)
            && !(x.replace || x.unhealthy || x.rebalance)
    }

    /// At a metric tick: a `while_busy` service holding tasks back looks again (its workers go idle as
    /// the queue drains, and nothing else tells it).
    pub(super) fn protection_tick(&mut self, i: usize) {
        if self.protection.any
            && self.protection.held[i] > 0
            && self.protection_mode(ServiceId(i as u32)) == Some(ProtectionMode::WhileBusy)
        {
            self.request_reconcile(ServiceId(i as u32), 0);
        }
    }

    /// Per service that protects its tasks: its figures over the run (`summary.json`), the tasks still
    /// held at the end counted up to it.
    pub(super) fn protection_summaries(&self) -> Vec<crate::metrics::ProtectionSummary> {
        let p = &self.protection;
        let end = self.spec.duration_ms;
        self.spec
            .services
            .iter()
            .enumerate()
            .filter(|(_, s)| s.task_protection.is_some())
            .map(|(i, s)| {
                let ms =
                    p.held_ms[i] + p.held[i] as u128 * end.saturating_sub(p.held_since[i]) as u128;
                crate::metrics::ProtectionSummary {
                    service: s.name.clone(),
                    max_tasks_held: p.max_held[i],
                    task_seconds_held: ms as f64 / 1000.0,
                    protections_expired: p.expired[i],
                }
            })
            .collect()
    }

    /// The `ecsim explain` line when protection holds `held` tasks back: why, and until when it can tell.
    fn explain_held(&self, sid: ServiceId, held: u32) {
        let i = sid.0 as usize;
        let s = &self.spec.services[i];
        let st = &self.services[i];
        let why = match self.protection_mode(sid) {
            Some(ProtectionMode::AfterStart) => {
                let next = st
                    .tasks
                    .iter()
                    .filter_map(|t| self.protection.until.get(t))
                    .min();
                match next {
                    Some(&t) => {
                        format!("the first protection expires at {:.0} s", t as f64 / 1000.0)
                    }
                    None => String::new(),
                }
            }
            _ => {
                "they are busy with messages in flight (read again every metric period)".to_string()
            }
        };
        let text = format!(
            "service {}: desired {}, {} tasks → {held} kept by task scale-in protection (§2.7); {why}.",
            s.name,
            st.desired,
            st.tasks.len()
        );
        self.explain_line(&s.name, text);
    }
}
