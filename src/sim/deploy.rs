//! Rolling deployments and replacement within the deployment bounds (reference §2.1, §2.3, §2.4, §2.5,
//! §6.5): the REPLICA service scheduler with deployments, container health checks, the circuit breaker and
//! rollback. With no deployment in progress and nothing to replace it is the plain "hold the desired
//! count" loop.

use super::*;
use crate::engine::MS_PER_S;
use crate::spec::BreakerThreshold;

/// `rolloutState` (§2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rollout {
    InProgress,
    Completed,
    Failed,
}

/// One deployment of a service: a task definition and how its rollout goes.
#[derive(Debug, Clone)]
pub(super) struct Deployment {
    pub task_def: TaskDefId,
    pub rollout: Rollout,
    pub failures: u32,
}

/// min tasks = ⌈desired × minimumHealthyPercent / 100⌉ (§2.3).
pub fn min_healthy_tasks(desired: u32, percent: u32) -> u32 {
    (desired as u64 * percent as u64).div_ceil(100) as u32
}

/// max tasks = ⌊desired × maximumPercent / 100⌋ (§2.3).
pub fn max_tasks(desired: u32, percent: u32) -> u32 {
    (desired as u64 * percent as u64 / 100) as u32
}

/// Circuit-breaker threshold = clamp(⌈0.5 × desired⌉, minimum, 200) (§2.4).
pub fn breaker_threshold(desired: u32, minimum: u32) -> u32 {
    breaker_threshold_of(desired, minimum, BreakerThreshold::BoundedPercent(50))
}

/// The threshold of a `thresholdConfiguration` (§2.4): a percentage of the latest desired count, rounded
/// up (the DG's 0.5 × 25 → 13) and clamped to [minimum, 200] when BOUNDED; the count itself for COUNT. At
/// least 1: a count that starts at 1 cannot equal 0.
pub fn breaker_threshold_of(desired: u32, minimum: u32, t: BreakerThreshold) -> u32 {
    let pct = |v: u32| {
        (desired as u64 * v as u64)
            .div_ceil(100)
            .min(u32::MAX as u64) as u32
    };
    match t {
        BreakerThreshold::BoundedPercent(v) => pct(v).clamp(minimum, 200.max(minimum)),
        BreakerThreshold::UnboundedPercent(v) => pct(v).max(1),
        BreakerThreshold::Count(v) => v.max(1),
    }
}

impl<'a> Sim<'a> {
    /// The task definition new tasks of a service use (its primary deployment's).
    pub(super) fn primary_task_def(&self, sid: ServiceId) -> TaskDefId {
        let st = &self.services[sid.0 as usize];
        st.deployments[st.primary].task_def
    }

    /// A deployment is rolling out (scale-in pauses, §4.1).
    pub(super) fn deployment_in_progress(&self, sid: ServiceId) -> bool {
        self.services[sid.0 as usize].deployment_in_progress()
    }

    /// UpdateService to a new task definition: a new primary deployment (§2.3); the launch throttle resets
    /// (§2.2).
    pub(super) fn start_deployment(&mut self, sid: ServiceId, td: TaskDefId, why: &str) {
        let st = &mut self.services[sid.0 as usize];
        st.deployments.push(Deployment {
            task_def: td,
            rollout: Rollout::InProgress,
            failures: 0,
        });
        st.primary = st.deployments.len() - 1;
        // Every task was of an older deployment: none is kept now.
        st.n_keep = 0;
        st.keep_by_provider.fill(0);
        // A rebalancing's pending moves are the rollout's now (it replaces every task).
        st.rebalance_moves.clear();
        st.failures_in_row = 0;
        st.throttled_until = 0;
        st.steady = false;
        let what = What::DeploymentStarted {
            deployment: st.primary as u32,
            task_def: td,
            why: why.to_string(),
        };
        self.emit(Some(sid), what, false);
        self.request_reconcile(sid, 0);
    }

    /// A failure of the rollout in progress: a task of it stopped before RUNNING, or failed its health
    /// checks. At the threshold the deployment FAILS, and with rollback the last completed deployment is
    /// primary again (§2.4).
    pub(super) fn count_deployment_failure(&mut self, sid: ServiceId, deployment: u32) {
        let spec = self.spec;
        let s = &spec.services[sid.0 as usize];
        let Some(rollback) = s.deployment.circuit_breaker else {
            return;
        };
        let st = &mut self.services[sid.0 as usize];
        let d = deployment as usize;
        if d != st.primary || st.deployments[d].rollout != Rollout::InProgress {
            return;
        }
        st.deployments[d].failures += 1;
        let cfg = &s.deployment;
        // A DAEMON service's desired count is its number of hosts (`daemon_hosts`).
        let desired = if s.scheduling == SchedulingStrategy::Daemon {
            self.daemon_hosts(sid)
        } else {
            st.desired
        };
        let st = &mut self.services[sid.0 as usize];
        let threshold = breaker_threshold_of(
            desired,
            cfg.circuit_breaker_min_threshold,
            cfg.circuit_breaker_threshold,
        );
        if st.deployments[d].failures < threshold {
            return;
        }
        st.deployments[d].rollout = Rollout::Failed;
        let failures = st.deployments[d].failures;
        let last_good = st.last_completed;
        let what = What::DeploymentFailed {
            deployment: d as u32,
            failures,
            threshold,
        };
        self.emit(Some(sid), what, false);
        if rollback && let Some(g) = last_good {
            self.roll_back_to(sid, g);
        }
    }

    /// A task of the rollout in progress that no container instance could take counts against the
    /// circuit breaker as a task that failed to start (§2.4, **observed**: users see the breaker fail and
    /// roll back deployments for lack of cluster resources, aws/containers-roadmap#1273, #1206, #1583);
    /// one failure per failed placement attempt, the "unable to place a task" event (**unconfirmed**).
    /// Returns whether the rollout is no longer IN_PROGRESS (FAILED, perhaps rolled back).
    fn placement_failure_fails_rollout(&mut self, sid: ServiceId) -> bool {
        let primary = self.services[sid.0 as usize].primary;
        let before = self.services[sid.0 as usize].deployments[primary].failures;
        self.count_deployment_failure(sid, primary as u32);
        if self.services[sid.0 as usize].deployments[primary].failures > before {
            self.used(crate::metrics::unconfirmed::Choice::BreakerPlacementFailure);
        }
        let st = &self.services[sid.0 as usize];
        st.primary != primary || st.deployments[primary].rollout != Rollout::InProgress
    }

    /// The circuit breaker's rollback (§2.4): "the service is rolled back to the last deployment that
    /// completed successfully", and "when the rollback starts, the deployment changes from a COMPLETED to
    /// IN_PROGRESS" — the same deployment, primary again, so its tasks are kept and only the failed
    /// rollout's are replaced. Not eligible for another rollback until it completes again: a breaker that
    /// finds no COMPLETED deployment launches nothing more (DG `deployment-circuit-breaker`).
    fn roll_back_to(&mut self, sid: ServiceId, g: usize) {
        let st = &mut self.services[sid.0 as usize];
        st.last_completed = None;
        st.deployments[g].rollout = Rollout::InProgress;
        st.deployments[g].failures = 0;
        st.primary = g;
        st.rebalance_moves.clear();
        st.failures_in_row = 0;
        st.throttled_until = 0;
        st.steady = false;
        // The kept counts follow the primary: recounted over the service's tasks.
        st.n_keep = 0;
        st.keep_by_provider.fill(0);
        for i in 0..st.tasks.len() {
            let x = self.world.task(st.tasks[i]);
            if x.is_kept(g as u32) {
                st.n_keep += 1;
                if let Some(p) = x.provider {
                    st.keep_by_provider[p.0 as usize] += 1;
                }
            }
        }
        self.debug_check_task_counts(sid);
        let st = &self.services[sid.0 as usize];
        let what = What::DeploymentStarted {
            deployment: g as u32,
            task_def: st.deployments[g].task_def,
            why: crate::metrics::events::ROLLBACK.to_string(),
        };
        self.emit(Some(sid), what, false);
        self.request_reconcile(sid, 0);
    }

    /// The service's tasks that count toward its maximum (§2.3): those whose desired status is RUNNING
    /// and those stopping that are not yet STOPPED.
    fn counted_toward_max(&self, sid: ServiceId) -> u32 {
        let st = &self.services[sid.0 as usize];
        (st.tasks.len() + st.stopping.len()) as u32
    }

    /// The REPLICA scheduler (§2.1, §2.3): keep `desired` tasks of the primary deployment that are not
    /// marked for replacement; start new ones while the total stays within ⌊desired × max% ⌋; stop old or
    /// marked ones while the healthy count stays at or above ⌈desired × min%⌉.
    pub(super) fn reconcile_replica(&mut self, sid: ServiceId) {
        let spec = self.spec;
        let s = &spec.services[sid.0 as usize];
        let now = self.queue.now();
        let st = &self.services[sid.0 as usize];
        let desired = st.desired;
        let primary = st.primary as u32;
        let cfg = s.deployment;
        let max_total = max_tasks(desired, cfg.maximum_percent).max(desired);
        let min_healthy = min_healthy_tasks(desired, cfg.minimum_healthy_percent);
        // Tasks to keep (primary, not marked for replacement) and healthy ones are counted as they change;
        // the others (old deployments, marked) are listed only when there are any (rare outside
        // deployments), so a reconcile reads no task it does not act on.
        self.debug_check_task_counts(sid);
        let (keep_len, mut healthy) = (st.n_keep, st.n_healthy);
        let n_others = st.tasks.len() - keep_len as usize;
        let mut others: Vec<TaskId> = Vec::with_capacity(n_others);
        if n_others > 0 {
            others.extend(
                st.tasks
                    .iter()
                    .copied()
                    .filter(|&t| !self.world.task(t).is_kept(primary)),
            );
        }
        // Toward the maximum count the tasks RUNNING or on their way to it, and those on their way to
        // STOPPED: the 2023 DG counts "RUNNING, STOPPING, or PENDING" tasks (§2.3), so an old task draining
        // its load-balancer connections holds its place until it has stopped.
        let mut total = self.counted_toward_max(sid);

        // Task scale-in protection (§2.7): which tasks this reconcile may not stop for a scale-in or a
        // deployment, and how many it holds back.
        let guarded = self.protection.any
            && (keep_len > desired || n_others > 0)
            && self.protection_guard(sid);
        let mut held = 0;

        // 1. Fewer wanted: stop the surplus of the primary deployment (scale-in mirrors placement, each
        //    victim chosen as if those before it were gone: `scale_in`).
        if keep_len > desired {
            let surplus = keep_len - desired;
            held += surplus - self.scale_in_surplus(sid, surplus);
            total = self.counted_toward_max(sid);
        }

        // 2. Start primary tasks up to the desired count, within the maximum.
        let primary_failed =
            self.services[sid.0 as usize].deployments[primary as usize].rollout == Rollout::Failed;
        let keep_n = keep_len.min(desired);
        let mut started_any = false;
        if self.explain.is_some() && keep_n < desired {
            let st = &self.services[sid.0 as usize];
            let text = format!(
                "service {}: desired {desired}, running {}, pending {} → placing {} tasks (at most {max_total} in all, at least {min_healthy} healthy).",
                s.name,
                st.running,
                st.pending,
                desired - keep_n
            );
            self.explain_line(&s.name, text);
        }
        if keep_n < desired && !primary_failed {
            let room = max_total.saturating_sub(total);
            let need = (desired - keep_n).min(room);
            if need > 0 {
                started_any = self.launch_batch(sid, need, now);
                if self.services[sid.0 as usize].primary as u32 != primary {
                    // Unplaceable tasks rolled it back (§2.4): the rollback's reconcile is due.
                    self.protection_held(sid, held);
                    return;
                }
            }
        }
        // Unplaceable tasks may have FAILED the rollout just now (§2.4): it launches nothing more.
        let primary_failed =
            self.services[sid.0 as usize].deployments[primary as usize].rollout == Rollout::Failed;

        // 3. Stop old-deployment and marked tasks: not-yet-healthy ones freely, healthy ones only while the
        //    healthy count stays at the minimum (start-first replacement when the maximum allows, §2.1).
        others.sort_by_key(|&t| {
            let x = self.world.task(t);
            (x.counts_healthy(), x.serial)
        });
        let mut stopped = Vec::new();
        let mut moved = Vec::new();
        let (mut keep_unhealthy, mut may_stop_unhealthy) = self.unhealthy_budget(sid, &others);
        for t in others {
            if guarded && self.protection_skips(t) {
                held += 1;
                continue;
            }
            let x = self.world.task(t);
            let counts = x.counts_healthy();
            if counts {
                if healthy <= min_healthy {
                    continue;
                }
                healthy -= 1;
            } else if x.unhealthy {
                if keep_unhealthy > 0 {
                    keep_unhealthy -= 1;
                    continue;
                }
                if may_stop_unhealthy == 0 {
                    continue;
                }
                may_stop_unhealthy -= 1;
            }
            // ECS's stoppedReason for a task its container health check failed (§7.2).
            let reason = if x.unhealthy {
                stopped.push(x.serial);
                "Task failed container health checks".into()
            } else if x.rebalance {
                moved.push((x.zone, x.serial));
                "Task stopped to rebalance the service across Availability Zones".into()
            } else if x.replace {
                stopped.push(x.serial);
                "Task is being replaced (instance draining)".into()
            } else {
                stopped.push(x.serial);
                scaling_activity(x.deployment)
            };
            self.stop_task(t, StopCode::ServiceSchedulerInitiated, reason);
        }
        let stopped_any = !stopped.is_empty() || !moved.is_empty();
        if stopped_any {
            if !stopped.is_empty() {
                self.emit_task_list(sid, false, &stopped);
            }
            self.emit_rebalance_list(sid, false, moved);
            // A stopped task keeps its place until STOPPED (§2.3); one that had not started may be
            // STOPPED already and leave room for a replacement now.
            total = self.counted_toward_max(sid);
            if !primary_failed {
                let keep_now = self.services[sid.0 as usize].n_keep;
                let room = max_total.saturating_sub(total);
                let need = desired.saturating_sub(keep_now).min(room);
                if need > 0 {
                    started_any |= self.launch_batch(sid, need, now);
                    if self.services[sid.0 as usize].primary as u32 != primary {
                        self.protection_held(sid, held); // rolled back (§2.4), as in step 2
                        return;
                    }
                }
            }
        }

        // 4. Stuck: something to replace, no room to start, no healthy task may stop (§2.3), and no new
        //    task on its way to healthy (one that becomes healthy lets an old one stop: min 50 %, max
        //    125 % of 3 waits, it is not stuck). Not-yet-healthy old tasks were stopped in step 3.
        let st = &self.services[sid.0 as usize];
        if !stopped_any
            && !started_any
            && keep_n < desired
            && st.tasks.len() as u32 >= max_total
            && healthy <= min_healthy
            && st.tasks.len() != st.n_keep as usize
            && st.tasks.iter().all(|&t| {
                let x = self.world.task(t);
                !x.is_kept(primary) || x.counts_healthy()
            })
        {
            self.emit(Some(sid), What::DeploymentStuck, true);
        }

        // Starts held back only by tasks still stopping wait for the next of them to stop (`finalize`).
        let total = self.counted_toward_max(sid);
        let st = &mut self.services[sid.0 as usize];
        st.await_stops =
            !primary_failed && st.n_keep < desired && total >= max_total && !st.stopping.is_empty();

        // 5. Rollout complete: only primary tasks, all healthy, as many as desired, and the tasks it
        //    stopped STOPPED (the old deployment stays in the list while its tasks drain: the service
        //    is not yet steady, §2.6; `finalize` asks again when the last of them stops).
        let st = &self.services[sid.0 as usize];
        let p = st.primary;
        // At most min(kept, healthy) tasks are both: the counts rule out most reconciles of a rollout
        // (while its tasks start) without reading every task.
        if st.deployments[p].rollout == Rollout::InProgress
            && st.stopping.is_empty()
            && st.n_keep.min(st.n_healthy) >= desired
        {
            let all_primary = st
                .tasks
                .iter()
                .all(|&t| self.world.task(t).deployment == primary);
            let healthy_primary = self.kept_healthy(sid);
            if all_primary && healthy_primary == desired {
                self.mark_rollout_completed(sid);
            }
        }
        self.protection_held(sid, held);
        self.update_shortfall(sid);
        self.check_steady(sid);
    }

    /// Stop up to `n` of the primary deployment's surplus tasks, chosen as a scale-in chooses them
    /// (`scale_in`; tasks with scale-in protection are not candidates, §2.7); how many it stopped.
    fn scale_in_surplus(&mut self, sid: ServiceId, n: u32) -> u32 {
        // The serials only feed the event text (no list is built when no one reads it).
        let mut stopped = Vec::new();
        let victims = self.choose_scale_in_victims(sid, n as usize);
        let count = victims.len() as u32;
        for victim in victims {
            if self.texts {
                stopped.push(self.world.task(victim).serial);
            }
            let dep = self.world.task(victim).deployment;
            self.stop_task(
                victim,
                StopCode::ServiceSchedulerInitiated,
                scaling_activity(dep),
            );
        }
        // A scale-in protection held back whole writes nothing (it says so in `tasks_protected`).
        if count > 0 || !self.protection.any {
            self.emit_task_list(sid, false, &stopped);
        }
        count
    }

    /// Does task scale-in protection keep old-deployment task `x` running in this reconcile (§2.7)? A
    /// task marked for replacement (draining instance, failed health check, AZ rebalancing) is not
    /// protected: protection guards against scale-in and deployments only.
    fn protection_skips(&self, t: TaskId) -> bool {
        let x = self.world.task(t);
        !(x.unhealthy || x.rebalance || x.replace) && self.is_protected(t)
    }

    /// The primary deployment's rollout is COMPLETED (any other still in progress is FAILED).
    pub(super) fn mark_rollout_completed(&mut self, sid: ServiceId) {
        let st = &mut self.services[sid.0 as usize];
        let p = st.primary;
        st.deployments[p].rollout = Rollout::Completed;
        st.last_completed = Some(p);
        for (k, d) in st.deployments.iter_mut().enumerate() {
            if k != p && d.rollout == Rollout::InProgress {
                d.rollout = Rollout::Failed;
            }
        }
        let what = What::DeploymentCompleted {
            deployment: p as u32,
            task_def: st.deployments[p].task_def,
        };
        self.emit(Some(sid), what, false);
    }

    /// The service's tasks that are both kept (current deployment, not being replaced) and healthy.
    fn kept_healthy(&self, sid: ServiceId) -> u32 {
        let st = &self.services[sid.0 as usize];
        let primary = st.primary as u32;
        st.tasks
            .iter()
            .filter(|&&t| {
                let x = self.world.task(t);
                x.is_kept(primary) && x.counts_healthy()
            })
            .count() as u32
    }

    /// Of the tasks to replace (`others`), how many unhealthy ones to keep running, and how many to stop now
    /// (§2.1). ECS "will attempt to start a replacement for each unhealthy task and wait until the
    /// replacement becomes healthy, before terminating an old task" (what's new, 23 Oct 2023): while every
    /// replacement has started, an unhealthy task stays until as many kept tasks are healthy as desired
    /// (one kept per replacement on its way). When the maximum (or the cluster) leaves a replacement
    /// unstarted, "the scheduler stops the unhealthy tasks one-by-one" (API
    /// `DeploymentConfiguration.minimumHealthyPercent`): one, when none of the service's tasks is still
    /// stopping.
    fn unhealthy_budget(&self, sid: ServiceId, others: &[TaskId]) -> (u32, u32) {
        let st = &self.services[sid.0 as usize];
        if !others.iter().any(|&t| self.world.task(t).unhealthy) {
            return (0, 0);
        }
        let kept_healthy = self.kept_healthy(sid);
        let on_the_way = st.n_keep.min(st.desired).saturating_sub(kept_healthy);
        if st.n_keep >= st.desired {
            (on_the_way, u32::MAX)
        } else {
            (0, u32::from(st.stopping.is_empty()))
        }
    }

    /// The service event "(service s) has started|stopped N [running] tasks: (task a) (task b)." — built
    /// only when someone reads event text.
    pub(super) fn emit_task_list(&mut self, sid: ServiceId, started: bool, serials: &[u64]) {
        if !self.texts {
            return;
        }
        let tasks = serials.to_vec();
        let what = if started {
            What::TasksStarted { tasks }
        } else {
            What::TasksStopped { tasks }
        };
        self.emit(Some(sid), what, false);
    }

    /// The tasks (zone, serial) an AZ rebalancing started or stopped: ECS's `TASKS_STARTED` /
    /// `TASKS_STOPPED` events of a rebalancing, one per zone in zone order (§2.1). A task not yet
    /// placed (waiting for capacity) has no zone: it is reported with the service's other starts.
    pub(super) fn emit_rebalance_list(
        &mut self,
        sid: ServiceId,
        started: bool,
        mut moved: Vec<(Option<ZoneId>, u64)>,
    ) {
        if !self.texts || moved.is_empty() {
            return;
        }
        moved.sort_by_key(|x| x.0.map(|z| z.0));
        let unplaced: Vec<u64> = moved
            .iter()
            .filter(|x| x.0.is_none())
            .map(|x| x.1)
            .collect();
        if !unplaced.is_empty() {
            self.emit_task_list(sid, started, &unplaced);
        }
        for chunk in moved.chunk_by(|a, b| a.0 == b.0) {
            let Some(zone) = chunk[0].0 else { continue };
            let tasks = chunk.iter().map(|x| x.1).collect();
            let what = if started {
                What::RebalanceStarted { zone, tasks }
            } else {
                What::RebalanceStopped { zone, tasks }
            };
            self.emit(Some(sid), what, false);
        }
    }

    /// Launch the service's next task: an AZ rebalancing's replacement first (§2.1), from the provider
    /// of the task it replaces, so that it can go to the zone it was chosen for and the strategy's
    /// split stays as it was (the split would count the task it replaces, still running); if that
    /// provider cannot take it now, the strategy chooses. Returns the launch and whether it is a move.
    fn launch_next(
        &mut self,
        sid: ServiceId,
    ) -> (Result<TaskId, crate::ecs::placement::Failure>, bool) {
        let Some(&pin) = self.services[sid.0 as usize].rebalance_moves.first() else {
            return (self.launch_service_task(sid, None), false);
        };
        let mut r = self.launch_service_task(sid, pin);
        if r.is_err() && pin.is_some() && !self.launch.refused {
            r = self.launch_service_task(sid, None);
        }
        if r.is_ok() {
            self.services[sid.0 as usize].rebalance_moves.remove(0);
        }
        (r, true)
    }

    /// Launch up to `need` primary tasks now, within the throttle and the launch rate; retry later when
    /// held back. Returns whether any started.
    fn launch_batch(&mut self, sid: ServiceId, need: u32, now: SimTime) -> bool {
        let spec = self.spec;
        let st = &mut self.services[sid.0 as usize];
        if now < st.throttled_until {
            let at = st.throttled_until;
            self.queue.push(at, Event::Reconcile(sid));
            return false;
        }
        // §8.3: a service launches at most N tasks per minute (token bucket, burst N); its Fargate tasks
        // then take the account's launch tokens too (§8.1, `launch.rs`).
        let rate = spec.scheduler.service_launch_rate_per_minute as f64;
        st.tokens = (st.tokens + (now - st.tokens_at) as f64 * rate / MS_PER_MIN as f64).min(rate);
        st.tokens_at = now;
        let allowed = ((st.tokens + 1e-6).floor() as u32).min(need);
        // Serials of the started tasks for the event text (kept only when someone reads it), and of the
        // AZ rebalancing's replacements with their zones.
        let mut started = Vec::new();
        let mut moved = Vec::new();
        let mut n_started = 0u32;
        let mut failed = false;
        // A failed attempt blocks its provider for the rest of the batch; the others go on to their
        // shares (§3.1), so there is at most one more attempt than launches per provider.
        let mut attempts = allowed + spec.providers.len() as u32;
        while n_started < allowed && attempts > 0 {
            attempts -= 1;
            let (r, is_move) = self.launch_next(sid);
            match r {
                Ok(t) => {
                    n_started += 1;
                    if self.texts {
                        let x = self.world.task(t);
                        if is_move {
                            moved.push((x.zone, x.serial));
                        } else {
                            started.push(x.serial);
                        }
                    }
                }
                Err(_) if std::mem::take(&mut self.launch.refused) => {
                    failed = true; // the Fargate launch line is full (§8.1): try again later
                    break;
                }
                Err(f) => {
                    self.stats.placement_failures += 1;
                    let fargate = self.report_unplaceable(sid, f);
                    failed = true;
                    if !fargate && self.placement_failure_fails_rollout(sid) {
                        break; // FAILED (§2.4): no more launches of it; a rollback reconciles anew
                    }
                    if !self.block_provider(sid) {
                        break;
                    }
                }
            }
        }
        let st = &mut self.services[sid.0 as usize];
        st.blocked = 0;
        st.split.clear();
        st.tokens -= n_started as f64;
        if n_started > 0 {
            self.note_remainder(sid);
            self.emit_rebalance_list(sid, true, moved);
            if !started.is_empty() {
                self.emit_task_list(sid, true, &started);
            }
            self.report_launch_wait(Owner::Service(sid));
        }
        if failed {
            self.used(crate::metrics::unconfirmed::Choice::PlacementRetry);
            self.request_reconcile(sid, spec.scheduler.placement_retry_interval_ms);
        } else if allowed < need {
            self.used(crate::metrics::unconfirmed::Choice::ServiceLaunchBucket);
            // Come back when the bucket holds the next batch (at most 50 tasks): fewer wake-ups than one
            // per token, the same 500-per-minute rate.
            let batch = (need - allowed).min(50) as f64;
            let have = self.services[sid.0 as usize].tokens.max(0.0);
            let wait_ms = ((batch - have).max(1.0) * MS_PER_MIN as f64 / rate).ceil() as u64;
            self.request_reconcile(sid, wait_ms.max(1));
        }
        n_started > 0
    }

    /// After a failed launch of a service with a capacity provider strategy: block the provider it was
    /// for, for the rest of the batch, and say whether another provider can still take a task within
    /// its share of the desired count (§3.1: the failed provider's share stays unplaced, the others'
    /// do not wait for it).
    fn block_provider(&mut self, sid: ServiceId) -> bool {
        let spec = self.spec;
        let Launch::Strategy(items) = &spec.services[sid.0 as usize].launch else {
            return false;
        };
        let st = &mut self.services[sid.0 as usize];
        let Some(p) = st.tried else {
            return false;
        };
        st.blocked |= 1 << p.0;
        if st.split.is_empty() {
            st.split = Self::strategy_split(items, spec.providers.len(), st.desired);
        }
        Self::choose_open_provider(items, &st.keep_by_provider, st.blocked, &st.split).is_some()
    }

    /// At RUNNING: how the task will be found healthy (§2.3): by its container health check; else by its
    /// load balancer's first passed check (traffic); else 40 s after RUNNING.
    pub(super) fn schedule_health(&mut self, t: TaskId, sid: ServiceId) {
        let spec = self.spec;
        let task = self.world.task(t);
        let td = spec.task_def(task.def);
        let generation = task.generation;
        if let Some(hc) = &td.health_check {
            self.queue.push_after(
                hc.interval_ms,
                Event::HealthCheck(TaskRef {
                    task: t,
                    generation,
                }),
            );
        } else if spec.services[sid.0 as usize].load.is_none() {
            self.queue.push_after(
                40 * MS_PER_S,
                Event::TaskHealthy(TaskRef {
                    task: t,
                    generation,
                }),
            );
        }
        // With a load balancer and no container check, TargetHealthy makes it healthy.
    }

    pub(super) fn mark_healthy(&mut self, t: TaskId) {
        let task = self.world.task(t);
        if task.healthy || task.unhealthy {
            return;
        }
        self.set_task_flags(t, |x| x.healthy = true);
        if let Owner::Service(sid) = self.world.task(t).owner {
            // §2.4 `resetOnHealthyTask` (default true): a healthy task of the rollout resets the
            // circuit breaker's failure count; only consecutive failures trip it.
            let dep = self.world.task(t).deployment as usize;
            let reset = self.spec.services[sid.0 as usize]
                .deployment
                .circuit_breaker_reset_on_healthy;
            let st = &mut self.services[sid.0 as usize];
            if reset && dep == st.primary && st.deployments[dep].rollout == Rollout::InProgress {
                st.deployments[dep].failures = 0;
            }
            // Only a rollout or a replacement waits on health: tasks of older deployments or marked for
            // replacement are those not counted as kept.
            self.debug_check_task_counts(sid);
            let st = &self.services[sid.0 as usize];
            let others = st.tasks.len() != st.n_keep as usize;
            let all_healthy = st.n_healthy as usize == st.tasks.len();
            let waiting = self.deployment_in_progress(sid) || others;
            if waiting {
                self.request_reconcile(sid, 0);
            } else if all_healthy {
                // A scale-out's last task healthy: the service may be steady now (§2.6). Asked only
                // then: a DAEMON's check reads all its tasks, and its tasks turn healthy one by one.
                self.check_steady(sid);
            }
        }
    }

    /// One container health check (§2.5): a pass makes the task HEALTHY; `retries` consecutive failures
    /// outside the start period make it UNHEALTHY; the service ignores that during its grace period, then
    /// replaces the task (start-first within the bounds) and counts it against the circuit breaker.
    pub(super) fn on_health_check(&mut self, t: TaskId) {
        let spec = self.spec;
        let now = self.queue.now();
        let task = self.world.task(t);
        let Owner::Service(sid) = task.owner else {
            return;
        };
        let td = spec.task_def(task.def);
        let Some(hc) = td.health_check else { return };
        let started = task.started_at.unwrap_or(now);
        let s = &spec.services[sid.0 as usize];
        let generation = task.generation;
        if hc.passes && hc.passes_for_ms.is_none_or(|d| now < started + d) {
            // Failures count only in a row (Docker's `retries`).
            self.world.task_mut(t).hc_failures = 0;
            // With a load balancer the target must be healthy too; TargetHealthy covers that.
            if s.load.is_none()
                || self
                    .task_traffic
                    .get(t.0 as usize)
                    .is_some_and(|x| x.target)
            {
                self.mark_healthy(t);
                if hc.passes_for_ms.is_some() {
                    // An application that will stop answering: the checks go on while it runs.
                    self.queue.push_after(
                        hc.interval_ms,
                        Event::HealthCheck(TaskRef {
                            task: t,
                            generation,
                        }),
                    );
                }
            } else {
                self.queue.push_after(
                    hc.interval_ms,
                    Event::HealthCheck(TaskRef {
                        task: t,
                        generation,
                    }),
                );
            }
            return;
        }
        if now < started + hc.start_period_ms {
            self.queue.push_after(
                hc.interval_ms,
                Event::HealthCheck(TaskRef {
                    task: t,
                    generation,
                }),
            );
            return;
        }
        let task = self.world.task_mut(t);
        task.hc_failures += 1;
        if task.hc_failures < hc.retries {
            self.queue.push_after(
                hc.interval_ms,
                Event::HealthCheck(TaskRef {
                    task: t,
                    generation,
                }),
            );
            return;
        }
        let grace_end = started + s.health_check_grace_period_ms;
        if now < grace_end {
            self.queue.push(
                grace_end,
                Event::HealthCheck(TaskRef {
                    task: t,
                    generation,
                }),
            );
            return;
        }
        self.mark_unhealthy(t, sid);
    }

    pub(super) fn mark_unhealthy(&mut self, t: TaskId, sid: ServiceId) {
        if self.world.task(t).unhealthy || self.world.task(t).stop_requested {
            return;
        }
        self.set_task_flags(t, |x| {
            x.unhealthy = true;
            x.replace = true;
        });
        self.services[sid.0 as usize].steady = false;
        let task = self.world.task(t);
        let (serial, dep) = (task.serial, task.deployment);
        self.emit(Some(sid), What::HealthCheckFailed { task: serial }, false);
        self.count_deployment_failure(sid, dep);
        self.request_reconcile(sid, 0);
    }
}

/// ECS's `stoppedReason` for a task the service scheduler stops to scale a deployment down — a
/// scale-in, or an old deployment's task a rolling update replaces: "Scaling activity initiated by
/// (deployment ecs-svc/…)" (§7.2; the deployment is the task's own: ecsim's reading).
pub(super) fn scaling_activity(deployment: u32) -> std::borrow::Cow<'static, str> {
    // A service's first deployments, without an allocation: a fleet's scale-ins stop millions of tasks.
    const FIRST: [&str; 4] = [
        "Scaling activity initiated by (deployment ecs-svc/0)",
        "Scaling activity initiated by (deployment ecs-svc/1)",
        "Scaling activity initiated by (deployment ecs-svc/2)",
        "Scaling activity initiated by (deployment ecs-svc/3)",
    ];
    match FIRST.get(deployment as usize) {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => format!("Scaling activity initiated by (deployment ecs-svc/{deployment})").into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stop reason names the deployment, borrowed for the first ones and formatted past them.
    #[test]
    fn scaling_activity_names_the_deployment() {
        for d in [0, 1, 3, 4, 17] {
            let r = scaling_activity(d);
            assert_eq!(
                r,
                format!("Scaling activity initiated by (deployment ecs-svc/{d})")
            );
            assert_eq!(matches!(r, std::borrow::Cow::Borrowed(_)), d < 4);
        }
    }

    /// §2.3's examples: desired 4 / min 50 → 2 may stop first; desired 2 / min 75 → ⌈1.5⌉ = 2, none;
    /// desired 4 / max 200 → 8 in all, 4 new may start; desired 3 / max 125 → ⌊3.75⌋ = 3, none.
    #[test]
    fn deployment_bounds_round_as_the_docs_say() {
        assert_eq!(4 - min_healthy_tasks(4, 50), 2);
        assert_eq!(2 - min_healthy_tasks(2, 75), 0);
        assert_eq!(max_tasks(4, 200) - 4, 4);
        assert_eq!(max_tasks(3, 125) - 3, 0);
        assert_eq!((min_healthy_tasks(5, 100), max_tasks(5, 100)), (5, 5));
    }

    /// §2.4: clamp(⌈0.5 × desired⌉, 3, 200): desired 1 → 3, 25 → 13, 800 → 200; with the 2023 minimum 10,
    /// desired 1 → 10.
    #[test]
    fn circuit_breaker_thresholds() {
        assert_eq!(breaker_threshold(1, 3), 3);
        assert_eq!(breaker_threshold(25, 3), 13);
        assert_eq!(breaker_threshold(800, 3), 200);
        assert_eq!(breaker_threshold(400, 3), 200);
        assert_eq!(breaker_threshold(1, 10), 10);
    }
}
