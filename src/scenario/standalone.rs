//! Work outside services while a scenario resolves: `[[run_tasks]]`, `[[scheduled_tasks]]`,
//! `[[batch_jobs]]` and `[[service_updates]]`. Part of `Ctx` (see `mod.rs`), split by TOML table.

use super::*;

impl<'s> Ctx<'s> {
    /// `[[run_tasks]]`, in time order, with each call's offset in the file (same order, for warnings).
    pub(super) fn run_tasks(
        &mut self,
        root: &Item<'s>,
        env: &Env,
        duration: u64,
    ) -> (Vec<RunTaskSpec>, Vec<usize>) {
        let mut run_tasks: Vec<RunTaskSpec> = Vec::new();
        let mut run_task_at: Vec<(u64, usize)> = Vec::new(); // (at, offset in the file), for warnings
        for (i, item) in self.array(root, "run_tasks").into_iter().enumerate() {
            let prefix = format!("run_tasks[{i}]");
            let Some(r): Option<RawRunTask> = self.de(item, &prefix) else {
                continue;
            };
            if r.at.0 > duration {
                self.at(
                    item,
                    &prefix,
                    "at",
                    "this RunTask is after the end of the run",
                );
            }
            let at_ms = r.at.0;
            if let Some(spec) = self.run_task(r, env, item, &prefix) {
                run_tasks.push(RunTaskSpec { at_ms, ..spec });
                run_task_at.push((at_ms, item.span().start));
            }
        }
        run_tasks.sort_by_key(|r| r.at_ms);
        run_task_at.sort_by_key(|r| r.0); // the same stable order
        (run_tasks, run_task_at.into_iter().map(|r| r.1).collect())
    }

    /// `[[scheduled_tasks]]`, with each one's offset in the file (for warnings).
    pub(super) fn scheduled_tasks(
        &mut self,
        root: &Item<'s>,
        env: &Env,
    ) -> (Vec<ScheduledTaskSpec>, Vec<usize>) {
        let mut scheduled: Vec<ScheduledTaskSpec> = Vec::new();
        let mut scheduled_at: Vec<usize> = Vec::new();
        for (i, item) in self.array(root, "scheduled_tasks").into_iter().enumerate() {
            let prefix = format!("scheduled_tasks[{i}]");
            let Some(r): Option<RawScheduledTask> = self.de(item, &prefix) else {
                continue;
            };
            let Some((schedule, epoch_start_s)) =
                self.schedule(&r.schedule, &r.start_date, item, &prefix)
            else {
                continue;
            };
            let Ok(zone) = self.time_zone(&r.timezone, item, &prefix) else {
                continue;
            };
            // A firing is a RunTask call at the firing's time: the same rules as [[run_tasks]].
            let call = RawRunTask {
                at: crate::scenario::duration::Dur(0),
                task_definition: r.task_definition,
                count: r.count,
                group: r.group,
                launch_type: r.launch_type,
                capacity_provider_strategy: r.capacity_provider_strategy,
                placement_strategy: r.placement_strategy,
                placement_constraints: r.placement_constraints,
                run_duration: r.run_duration,
            };
            if let Some(run) = self.run_task(call, env, item, &prefix) {
                scheduled.push(ScheduledTaskSpec {
                    schedule,
                    epoch_start_s,
                    zone,
                    run,
                });
                scheduled_at.push(item.span().start);
            }
        }
        (scheduled, scheduled_at)
    }

    /// `[[batch_jobs]]`; a batch with its own task definition adds it to `defs`.
    pub(super) fn batch_jobs(
        &mut self,
        root: &Item<'s>,
        defs: &mut Vec<TaskDefSpec>,
        default_strategy: &Option<Vec<RawStrategyItem>>,
        providers: &[ProviderSpec],
    ) -> Vec<BatchSpec> {
        let mut batches: Vec<BatchSpec> = Vec::new();
        for (i, item) in self.array(root, "batch_jobs").into_iter().enumerate() {
            let prefix = format!("batch_jobs[{i}]");
            let Some(r): Option<RawBatch> = self.de(item, &prefix) else {
                continue;
            };
            if batches.iter().any(|b| b.name == r.name) || r.name.is_empty() {
                self.at(
                    item,
                    &prefix,
                    "name",
                    "batch names must be unique and non-empty",
                );
            }
            let Some(launch) = self.launch(
                &r.launch_type,
                &r.capacity_provider_strategy,
                default_strategy,
                providers,
                item,
                &prefix,
            ) else {
                continue;
            };
            let strategies = self.strategies(&r.placement_strategy, item, &prefix);
            let constraints = self.constraints(&r.placement_constraints, item, &prefix, true);
            if let Some(b) = self.batch(r, item, &prefix, defs, launch, strategies, constraints) {
                batches.push(b);
            }
        }
        batches
    }

    /// `[[service_updates]]`, in time order.
    pub(super) fn service_updates(
        &mut self,
        root: &Item<'s>,
        services: &[ServiceSpec],
        duration: u64,
    ) -> Vec<ServiceUpdateSpec> {
        let mut updates: Vec<ServiceUpdateSpec> = Vec::new();
        for (i, item) in self.array(root, "service_updates").into_iter().enumerate() {
            let prefix = format!("service_updates[{i}]");
            let Some(r): Option<RawServiceUpdate> = self.de(item, &prefix) else {
                continue;
            };
            let Some(sid) = self.find_service(services, &r.service, item, &prefix) else {
                continue;
            };
            if services[sid].scheduling == SchedulingStrategy::Daemon {
                self.at(
                    item,
                    &prefix,
                    "service",
                    "DAEMON services have no desired count to update",
                );
            }
            if r.at.0 > duration {
                self.at(
                    item,
                    &prefix,
                    "at",
                    "this update is after the end of the run",
                );
            }
            if r.desired_count > 5000 {
                // The same quota as a service's own `desired_count` (§8: 5,000 tasks per service).
                self.at(
                    item,
                    &prefix,
                    "desired_count",
                    "at most 5000 tasks per service (ECS quota, §8)",
                );
            }
            updates.push(ServiceUpdateSpec {
                at_ms: r.at.0,
                service: ServiceId(sid as u32),
                desired_count: r.desired_count,
            });
        }
        updates.sort_by_key(|u| u.at_ms);
        updates
    }
}
