//! Launch rates (reference §8): the account's Fargate task-launch token buckets (§8.1: one for On-Demand
//! and one for Spot, each burst 100 and refilled at 20 per second) and the RunTask call rate (§8.2: 20
//! calls per second, burst equal to sustained, up to 10 tasks a call). The per-service rate (§8.3, 500
//! tasks per minute) is `launch_batch`'s bucket in `deploy.rs`.
//!
//! A Fargate task that finds its bucket empty is still created: it waits in PROVISIONING, with no timer,
//! in one first-in-first-out queue per bucket shared by every launch path (services and their
//! replacements, RunTask, scheduled tasks, batch jobs), so its start latency includes the wait. A RunTask
//! call (or a batch job, which is one call) that finds no token waits in a queue of calls. At most one
//! `LaunchWake` event is pending, at the time the next token arrives for a queue that is not empty; a
//! generation number makes any earlier one stale, so nothing polls. EC2 tasks take no Fargate token.

use super::*;
use crate::spec::{SchedulerParams, TokenRate};

/// Micro-tokens per token. Buckets count in integers so that 20 per second is exactly one token every
/// 50 ms (20,000 micro-tokens a millisecond) and wake-up times are exact.
const UTOK: u64 = 1_000_000;

/// Bucket index of Fargate On-Demand and Fargate Spot tasks.
const ON_DEMAND: usize = 0;
const SPOT: usize = 1;

/// A token bucket, full at time 0 (reference §8: AWS's buckets start full and refill continuously).
#[derive(Debug, Clone)]
pub(super) struct TokenBucket {
    burst_utok: u64,
    per_ms_utok: u64,
    level_utok: u64,
    at: SimTime,
}

impl TokenBucket {
    /// A full bucket of `rate.burst` tokens refilled at `rate.per_second` (rounded to a thousandth of a
    /// token per second; the loader allows no finer rate).
    pub(super) fn new(rate: TokenRate) -> Self {
        let burst_utok = rate.burst.max(1) as u64 * UTOK;
        TokenBucket {
            burst_utok,
            per_ms_utok: ((rate.per_second * 1000.0).round() as u64).max(1),
            level_utok: burst_utok,
            at: 0,
        }
    }

    fn refill(&mut self, now: SimTime) {
        if now > self.at {
            let add = (now - self.at).saturating_mul(self.per_ms_utok);
            self.level_utok = self.level_utok.saturating_add(add).min(self.burst_utok);
            self.at = now;
        }
    }

    /// Take one token if the bucket holds one at `now`.
    pub(super) fn try_take(&mut self, now: SimTime) -> bool {
        self.refill(now);
        if self.level_utok >= UTOK {
            self.level_utok -= UTOK;
            true
        } else {
            false
        }
    }

    /// Give back a token taken at the same instant and not used.
    fn refund(&mut self) {
        self.level_utok = (self.level_utok + UTOK).min(self.burst_utok);
    }

    /// When the bucket next holds a whole token (now, if it does).
    fn next_token_at(&mut self, now: SimTime) -> SimTime {
        self.refill(now);
        if self.level_utok >= UTOK {
            now
        } else {
            now + (UTOK - self.level_utok).div_ceil(self.per_ms_utok)
        }
    }
}

/// A RunTask call held back by the call rate: an explicit or scheduled call (with when it was made), or
/// a batch source whose next job is one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CallWaiter {
    RunTask { call: u32, since: SimTime },
    Batch(u32),
}

/// The run's launch-rate state: the buckets, the waiting launches in order, and the one wake-up.
#[derive(Debug, Clone)]
pub(super) struct Limiter {
    fargate: [TokenBucket; 2],
    run_task: TokenBucket,
    rates: [TokenRate; 3],
    /// Fargate tasks waiting for a token, per bucket, in arrival order: (slot, serial). A task stopped
    /// while waiting leaves its entry behind (skipped when popped, dropped by compaction); `live`
    /// counts the others.
    queue: [VecDeque<(TaskId, u64)>; 2],
    live: [u32; 2],
    calls: VecDeque<CallWaiter>,
    /// Per batch source: it has an entry in `calls`.
    batch_queued: Vec<bool>,
    /// Per owner (services, then batch sources; standalone tasks report in their RunTask line): tasks
    /// waiting per bucket, whether this episode of waiting was reported, and since when it lasts.
    waiting: Vec<[u32; 2]>,
    reported: Vec<bool>,
    since: Vec<SimTime>,
    n_services: usize,
    wake_gen: u32,
    wake_at: Option<SimTime>,
    cap: u32,
    /// The last launch was refused because its queue is full (read and cleared by the caller).
    pub(super) refused: bool,
}

impl Limiter {
    /// Full buckets for a run with `services` services and `batches` batch sources.
    pub(super) fn new(p: &SchedulerParams, services: usize, batches: usize) -> Self {
        let owners = services + batches;
        Limiter {
            fargate: [
                TokenBucket::new(p.fargate_launch),
                TokenBucket::new(p.fargate_spot_launch),
            ],
            run_task: TokenBucket::new(p.run_task_calls),
            rates: [p.fargate_launch, p.fargate_spot_launch, p.run_task_calls],
            queue: [VecDeque::new(), VecDeque::new()],
            live: [0; 2],
            calls: VecDeque::new(),
            batch_queued: vec![false; batches],
            waiting: vec![[0; 2]; owners],
            reported: vec![false; owners],
            since: vec![0; owners],
            n_services: services,
            wake_gen: 0,
            wake_at: None,
            cap: p.launch_queue_cap,
            refused: false,
        }
    }

    fn owner_slot(&self, o: Owner) -> Option<usize> {
        match o {
            Owner::Service(s) => Some(s.0 as usize),
            Owner::Batch(b) => Some(self.n_services + b as usize),
            Owner::Standalone(_) => None,
        }
    }

    /// Is the queue of Fargate tasks of this kind full (§8.1 waits are bounded by `launch_queue_cap`)?
    pub(super) fn fargate_full(&self, kind: LaunchKind) -> bool {
        kind != LaunchKind::Ec2 && self.live[bucket_of(kind)] >= self.cap
    }

    /// Tasks waiting for a Fargate token now (both buckets).
    pub(super) fn fargate_waiting(&self) -> u32 {
        self.live[ON_DEMAND] + self.live[SPOT]
    }
}

fn bucket_of(kind: LaunchKind) -> usize {
    match kind {
        LaunchKind::FargateSpot => SPOT,
        _ => ON_DEMAND,
    }
}

/// "20 launches/s, burst 100".
fn describe(r: TokenRate, what: &str) -> String {
    format!("{} {what}/s, burst {}", r.per_second, r.burst)
}

impl<'a> Sim<'a> {
    /// A Fargate task just created in PROVISIONING: it starts provisioning now if its bucket holds a
    /// token and no task waits before it; otherwise it waits in line for a token (§8.1).
    pub(super) fn launch_fargate(&mut self, t: TaskId) {
        let now = self.queue.now();
        let (kind, owner, serial) = {
            let x = self.world.task(t);
            (x.launch, x.owner, x.serial)
        };
        let b = bucket_of(kind);
        let l = &mut self.launch;
        if l.live[b] == 0 {
            l.queue[b].clear(); // only entries of tasks stopped while waiting
            if l.fargate[b].try_take(now) {
                self.run_from(t, TaskState::Provisioning);
                return;
            }
        }
        l.queue[b].push_back((t, serial));
        l.live[b] += 1;
        if let Some(o) = l.owner_slot(owner) {
            if l.waiting[o] == [0, 0] {
                l.since[o] = now;
            }
            l.waiting[o][b] += 1;
        }
        self.world.task_mut(t).awaiting_launch = true;
        self.schedule_launch_wake();
    }

    /// A task leaves the line (it got its token, or it stopped while waiting). The owner's episode of
    /// waiting ends with its last task.
    fn leave_launch_queue(&mut self, t: TaskId) {
        let task = self.world.task_mut(t);
        task.awaiting_launch = false;
        let (owner, b) = (task.owner, bucket_of(task.launch));
        let l = &mut self.launch;
        l.live[b] -= 1;
        let Some(o) = l.owner_slot(owner) else { return };
        l.waiting[o][b] -= 1;
        if l.waiting[o] == [0, 0] && std::mem::take(&mut l.reported[o]) && self.explain.is_some() {
            let waited = self.queue.now() - l.since[o];
            let spec = self.spec;
            let (svc, label, name) = match o.checked_sub(spec.services.len()) {
                None => (
                    &spec.services[o].name[..],
                    "service",
                    &spec.services[o].name,
                ),
                Some(b) => ("", "batch", &spec.batch_jobs[b].name),
            };
            self.explain_line(
                svc,
                format!(
                    "{label} {name}: its last task waiting for Fargate task-launch capacity has left the line, {:.3} s after the first began waiting.",
                    waited as f64 / 1000.0
                ),
            );
        }
    }

    /// A task stopped while it waited for a token: it leaves the line (its entry is compacted away
    /// once stale entries outnumber the live ones, which bounds the queue's memory).
    pub(super) fn drop_from_launch_queue(&mut self, t: TaskId) {
        let b = bucket_of(self.world.task(t).launch);
        self.leave_launch_queue(t);
        let l = &mut self.launch;
        if l.queue[b].len() > 2 * l.live[b] as usize + 64 {
            let world = &self.world;
            l.queue[b].retain(|&(x, serial)| {
                let task = world.task(x);
                task.serial == serial && task.awaiting_launch
            });
        }
    }

    fn owner_name(&self, o: usize) -> String {
        let spec = self.spec;
        if o < spec.services.len() {
            format!("(service {})", spec.services[o].name)
        } else {
            format!("Batch {}", spec.batch_jobs[o - spec.services.len()].name)
        }
    }

    /// One event-log line per owner and episode of waiting (not per task): "(service web) is waiting for
    /// Fargate task-launch capacity: 3400 tasks queued (account limit 20 launches/s, burst 100)."
    pub(super) fn report_launch_wait(&mut self, owner: Owner) {
        let l = &self.launch;
        let Some(o) = l.owner_slot(owner) else { return };
        let [od, spot] = l.waiting[o];
        if od + spot == 0 || l.reported[o] {
            return;
        }
        self.launch.reported[o] = true;
        if !self.texts {
            return;
        }
        let [r_od, r_spot, _] = self.launch.rates;
        let what = match (od, spot) {
            (_, 0) => format!(
                "Fargate task-launch capacity: {od} tasks queued (account limit {})",
                describe(r_od, "launches")
            ),
            (0, _) => format!(
                "Fargate Spot task-launch capacity: {spot} tasks queued (account limit {})",
                describe(r_spot, "launches")
            ),
            _ => format!(
                "Fargate task-launch capacity: {od} FARGATE and {spot} FARGATE_SPOT tasks queued (account limits {} and {})",
                describe(r_od, "launches"),
                describe(r_spot, "launches")
            ),
        };
        let name = self.owner_name(o);
        let what = What::LaunchWaiting {
            on_demand: od,
            spot,
            sentence: format!("{name} is waiting for {what}."),
        };
        let service = match owner {
            Owner::Service(s) => Some(s),
            _ => None,
        };
        self.emit(service, what, false);
    }

    /// The tail of a RunTask line: how long the call waited for the call rate, and how many of its tasks
    /// wait for Fargate task-launch tokens.
    pub(super) fn run_task_rate_note(&self, waited_ms: u64, started: &[TaskId]) -> String {
        let mut note = String::new();
        if waited_ms > 0 {
            note.push_str(&format!(
                " The call was throttled for {:.3} s (RunTask limit {}).",
                waited_ms as f64 / 1000.0,
                describe(self.launch.rates[2], "calls")
            ));
        }
        let queued: Vec<LaunchKind> = started
            .iter()
            .map(|&t| self.world.task(t))
            .filter(|x| x.awaiting_launch)
            .map(|x| x.launch)
            .collect();
        if let Some(&k) = queued.first() {
            note.push_str(&format!(
                " {} of its tasks wait in PROVISIONING for Fargate task-launch capacity ({} waiting; account limit {}).",
                queued.len(),
                self.launch.live[bucket_of(k)],
                describe(self.launch.rates[bucket_of(k)], "launches")
            ));
        }
        note
    }

    /// A RunTask call (explicit or scheduled, number `idx`): made now if a call token is free and no call
    /// waits, else it waits in line; a full line answers ThrottlingException (§8.2).
    pub(super) fn request_run_task(&mut self, idx: usize) {
        let now = self.queue.now();
        if self.launch.calls.is_empty() && self.launch.run_task.try_take(now) {
            self.run_task_call(idx, 0);
            return;
        }
        let w = CallWaiter::RunTask {
            call: idx as u32,
            since: now,
        };
        if !self.queue_call(w) {
            let r = self.run_spec(idx);
            let msg = format!(
                "RunTask {} (group {}): ThrottlingException: Rate exceeded ({} calls already wait; RunTask limit {}).",
                self.spec.task_def(r.task_def).family,
                r.group,
                self.launch.calls.len(),
                describe(self.launch.rates[2], "calls")
            );
            self.emit(None, What::RunTaskThrottled { sentence: msg }, false);
        }
    }

    /// A batch source's next job is one RunTask call: take a call token if none waits before it, else
    /// put the source in line (once).
    pub(super) fn take_call_token(&mut self, batch: usize) -> bool {
        let now = self.queue.now();
        if self.launch.calls.is_empty() && self.launch.run_task.try_take(now) {
            return true;
        }
        self.queue_call(CallWaiter::Batch(batch as u32));
        false
    }

    /// Give back a call token a batch job took and could not use (no instance had room).
    pub(super) fn refund_call_token(&mut self) {
        self.launch.run_task.refund();
    }

    /// Put a call in line (a batch source at most once). False: the line is full.
    fn queue_call(&mut self, w: CallWaiter) -> bool {
        let l = &mut self.launch;
        if let CallWaiter::Batch(i) = w {
            if l.batch_queued[i as usize] {
                return true;
            }
            if l.calls.len() >= l.cap as usize {
                return false;
            }
            l.batch_queued[i as usize] = true;
        } else if l.calls.len() >= l.cap as usize {
            return false;
        }
        l.calls.push_back(w);
        self.schedule_launch_wake();
        true
    }

    /// Make sure one `LaunchWake` is pending at the earliest time a waiting launch can get its token.
    fn schedule_launch_wake(&mut self) {
        let now = self.queue.now();
        let l = &mut self.launch;
        let mut next: Option<SimTime> = None;
        for b in [ON_DEMAND, SPOT] {
            if l.live[b] > 0 {
                let at = l.fargate[b].next_token_at(now);
                next = Some(next.map_or(at, |n: SimTime| n.min(at)));
            }
        }
        if !l.calls.is_empty() {
            let at = l.run_task.next_token_at(now);
            next = Some(next.map_or(at, |n: SimTime| n.min(at)));
        }
        let Some(at) = next else { return };
        if l.wake_at.is_some_and(|w| w <= at) {
            return;
        }
        l.wake_gen = l.wake_gen.wrapping_add(1);
        l.wake_at = Some(at);
        let generation = l.wake_gen;
        self.queue.push(at, Event::LaunchWake { generation });
    }

    /// Tokens have arrived: launch waiting Fargate tasks in order while their bucket holds tokens, then
    /// make waiting RunTask calls; then wait for the next token.
    pub(super) fn on_launch_wake(&mut self, generation: u32) {
        if generation != self.launch.wake_gen || self.launch.wake_at.is_none() {
            return; // stale: a later or earlier wake replaced it
        }
        self.launch.wake_at = None;
        let now = self.queue.now();
        for b in [ON_DEMAND, SPOT] {
            while self.launch.live[b] > 0 {
                let Some(&(t, serial)) = self.launch.queue[b].front() else {
                    break;
                };
                let x = self.world.task(t);
                if x.serial != serial || !x.awaiting_launch {
                    self.launch.queue[b].pop_front();
                    continue;
                }
                if !self.launch.fargate[b].try_take(now) {
                    break;
                }
                self.launch.queue[b].pop_front();
                self.leave_launch_queue(t);
                self.run_from(t, TaskState::Provisioning);
            }
        }
        while let Some(&w) = self.launch.calls.front() {
            if !self.launch.run_task.try_take(now) {
                break;
            }
            self.launch.calls.pop_front();
            match w {
                CallWaiter::RunTask { call, since } => {
                    self.run_task_call(call as usize, now - since)
                }
                CallWaiter::Batch(i) => {
                    self.launch.batch_queued[i as usize] = false;
                    self.dispatch_jobs(i as usize, true);
                }
            }
        }
        self.schedule_launch_wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §8.1: burst 100, 20 per second. 100 tokens at once, then one every 1000 / 20 = 50 ms exactly.
    #[test]
    fn bucket_refills_one_token_every_50_ms() {
        let mut b = TokenBucket::new(TokenRate {
            burst: 100,
            per_second: 20.0,
        });
        for _ in 0..100 {
            assert!(b.try_take(0));
        }
        assert!(!b.try_take(0));
        assert_eq!(b.next_token_at(0), 50);
        assert!(!b.try_take(49));
        assert!(b.try_take(50));
        assert_eq!(b.next_token_at(50), 100);
        // Idle for a minute: full again, never more than the burst.
        assert_eq!(b.next_token_at(60_000), 60_000);
        for _ in 0..100 {
            assert!(b.try_take(60_000));
        }
        assert!(!b.try_take(60_000));
    }

    /// A slow bucket: 0.5 per second is one token every 2,000 ms; a token refunded at the instant it
    /// was taken is there again.
    #[test]
    fn slow_bucket_and_refund() {
        let mut b = TokenBucket::new(TokenRate {
            burst: 1,
            per_second: 0.5,
        });
        assert!(b.try_take(0));
        assert_eq!(b.next_token_at(1), 2_000);
        assert!(b.try_take(2_000));
        b.refund();
        assert!(b.try_take(2_000));
        assert_eq!(b.next_token_at(2_000), 4_000);
    }
}
