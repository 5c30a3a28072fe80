//! What the run hands to the sink: event records, task records and the final [`Summary`].
//!
//! Must not: simulate; it reads the state the loops left.

use crate::ecs::world::{InstanceStatus, Owner, TaskId, TaskState};
use crate::engine::rng::fnv1a;
use crate::metrics::{EventRecord, Summary, TaskRecord, What, quantile_sorted};
use crate::pricing::billing::{self};
use crate::spec::{ProviderKind, ServiceId};

use super::{Sim, round6};

impl<'a> Sim<'a> {
    /// An event-log record now (`what` about service `service`, if one). Its sentence is written only
    /// for a reader: `explain`, and the §2.6 dedup of the events that have it, which compares sentences
    /// (ECS deduplicates by sentence): by the record's fields where they decide the sentence
    /// ([`EventRecord::dedup_key`]: the repeated service events, a fleet's 37,000 in a week), else by
    /// the sentence's hash.
    pub(super) fn emit(&mut self, service: Option<ServiceId>, what: What, dedup: bool) {
        if !self.texts {
            return;
        }
        let now = self.queue.now();
        let rec = EventRecord {
            time_ms: now,
            service,
            what,
        };
        if self.explain.is_some() && rec.kind() != "instance" {
            self.explain_line(rec.service_name(self.spec), rec.message(self.spec));
        }
        if dedup {
            // §2.6: duplicate events are suppressed for 6 h, or until the cause is resolved.
            let h = rec
                .dedup_key()
                .unwrap_or_else(|| fnv1a(rec.message(self.spec).as_bytes()));
            // A service's repeat is suppressed until its cause is resolved (§2.6): an entry holds the
            // number of steady states the service had reached when it was said, so one reached since
            // lifts them all. One entry per event text (not per text and steady state: a fleet reaches
            // millions of steady states, and the map kept every one).
            let epoch = service.map_or(0, |sid| self.services[sid.0 as usize].steady_epoch);
            if let Some(&(e, last)) = self.dedup.get(&h)
                && e == epoch
                && now < last + self.spec.scheduler.event_dedup_window_ms
            {
                return;
            }
            self.dedup.insert(h, (epoch, now));
        }
        self.sink.event(rec, self.spec);
    }

    /// The serial in an instance's `ec2InstanceId` (`i-{serial:08x}`, given in launch order from 1;
    /// instance slots are never reused), which event records name it by.
    pub(super) fn ec2_serial(&self, id: crate::ecs::world::InstanceId) -> u32 {
        debug_assert_eq!(
            format!("{}", crate::metrics::events::Ec2Id(id.0 + 1)),
            self.world.instance(id).ec2_id
        );
        id.0 + 1
    }

    pub(super) fn write_task(&mut self, t: TaskId) {
        let spec = self.spec;
        if !spec.output.tasks_csv || !self.tasks_out {
            return;
        }
        let task = self.world.task(t);
        let rec = TaskRecord {
            task_id: task.serial,
            group: self.world.group_names[task.group.0 as usize].clone(),
            service: match task.owner {
                Owner::Service(s) => spec.services[s.0 as usize].name.clone(),
                Owner::Standalone(_) | Owner::Batch(_) => String::new(),
            },
            task_definition: spec.task_def(task.def).family.clone(),
            launch_type: task.launch.as_str(),
            capacity_provider: task
                .provider
                .map_or_else(String::new, |p| spec.provider(p).name.clone()),
            instance: task
                .instance
                .map_or_else(String::new, |i| self.world.instance(i).ec2_id.clone()),
            availability_zone: task
                .zone
                .map_or_else(String::new, |z| spec.zones[z.0 as usize].clone()),
            cpu: task.cpu,
            memory_mib: task.mem,
            created_ms: task.created_at,
            pull_started_ms: task.pull_started_at.filter(|&x| x <= self.queue.now()),
            pull_stopped_ms: task.pull_stopped_at.filter(|&x| x <= self.queue.now()),
            started_ms: task.started_at,
            stopping_ms: task.stopping_at,
            stopped_ms: task.stopped_at,
            last_status: task.state.as_str(),
            stop_code: task.stop_code.map_or("", |c| c.as_str()),
            stopped_reason: task.stop_reason.to_string(),
        };
        self.sink.task(rec);
    }

    pub(super) fn finish(mut self, wall_seconds: f64) -> Summary {
        let spec = self.spec;
        let warnings = self.end_warnings();
        // Tasks still alive at the end are written with their last status, in id order.
        let mut alive: Vec<TaskId> = (0..self.world.tasks.len() as u32)
            .map(TaskId)
            .filter(|&t| self.world.task(t).state != TaskState::Stopped)
            .collect();
        alive.sort_by_key(|&t| self.world.task(t).serial);
        // ECS's runningCount: tasks whose lastStatus is RUNNING (not those still provisioning, pending,
        // activating or on their way out).
        let at_end = alive
            .iter()
            .filter(|&&t| self.world.task(t).state == TaskState::Running)
            .count() as u64;
        let end = spec.duration_ms;
        for &t in &alive {
            self.settle_task(t, end);
        }
        for t in alive {
            self.write_task(t);
        }
        // Instances still running are billed to the end, per second, at least one minute per launch.
        for i in 0..self.world.instances.len() {
            let inst = &self.world.instances[i];
            if inst.status == InstanceStatus::Deregistered {
                continue;
            }
            let ProviderKind::Asg(asg) = &spec.provider(inst.provider).kind else {
                unreachable!()
            };
            let since = inst.launched_at;
            let amount =
                billing::cost(asg.price_usd_per_hour, billing::billed_seconds(end - since));
            self.cost.ec2.close(asg.price_usd_per_hour, since, amount);
            self.cost.by_provider[inst.provider.0 as usize] += amount;
        }
        self.burst_finish(end);
        let burst_surplus = self.burst.as_ref().map(|b| b.total_usd);
        let ec2 = self.cost.ec2.closed();
        let fargate = self.cost.fargate.closed();
        let fargate_spot = self.cost.fargate_spot.closed();
        let mut cost_by_service: Vec<(String, f64)> = spec
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.clone(), self.cost.by_owner[i].closed()))
            .collect();
        let standalone = self.cost.by_owner[spec.services.len()].closed();
        if !spec.run_tasks.is_empty() {
            cost_by_service.push(("(standalone tasks)".to_string(), standalone));
        }
        let traffic_on = self.traffic.iter().any(Option::is_some);
        self.shape_cache.flush_run_shapes(&mut self.run_hist);
        let (mut arrived, mut served, mut dropped, mut served_all) = (0.0, 0.0, 0.0, 0.0);
        for tr in self.traffic.iter().flatten() {
            let w = &tr.warm_up_sums;
            arrived += tr.arrived - w[0];
            served += tr.served - w[1];
            dropped += tr.dropped - w[2];
            served_all += tr.served;
        }
        // Sorted packed, the starts come grouped by owner (standalone first), each group by latency.
        let mut starts = std::mem::take(&mut self.stats.start_latencies);
        starts.sort_unstable();
        let services = self.service_figures(&starts);
        let slo = crate::metrics::SloFigures::total(services.iter().filter_map(|f| f.slo.as_ref()));
        let h = &self.run_hist;
        let latency_ms = match (h.quantile(0.5), h.quantile(0.9), h.quantile(0.99), h.max()) {
            (Some(a), Some(b), Some(c), Some(d)) => Some([a * 1e3, b * 1e3, c * 1e3, d * 1e3]),
            _ => None,
        };
        let batch = (!spec.batch_jobs.is_empty()).then(|| {
            let mut w = std::mem::take(&mut self.batch.job_waits_ms);
            w.sort_unstable();
            let wq = |x: f64| quantile_sorted(&w, x).map(|ms| ms as f64 / 1000.0);
            let batch_alive = self
                .world
                .tasks
                .iter()
                .any(|t| matches!(t.owner, Owner::Batch(_)) && t.state != TaskState::Stopped);
            let last_end = Some(if batch_alive {
                end
            } else {
                self.batch.last_job_end_ms
            });
            crate::metrics::BatchSummary {
                placed: w.len() as u64,
                waiting_at_end: self
                    .batch
                    .sources
                    .iter()
                    .map(|b| b.waiting.len() as u64)
                    .sum(),
                dropped: self.batch.jobs_dropped,
                wait_s_p50: wq(0.5),
                wait_s_p99: wq(0.99),
                makespan_s: match (self.batch.first_job_ms, last_end) {
                    (Some(f), Some(l)) if l >= f => Some((l - f) as f64 / 1000.0),
                    _ => None,
                },
            }
        });
        // The run's start latencies: the same buffer, unpacked and sorted by latency alone.
        let mut lat = starts;
        lat.iter_mut().for_each(|x| *x &= START_MS_MASK);
        lat.sort_unstable();
        let q = |x: f64| quantile_sorted(&lat, x).map(|ms| ms as f64 / 1000.0);
        Summary {
            scenario: spec.name.clone(),
            seed: spec.seed,
            simulated_seconds: spec.duration_ms as f64 / 1000.0,
            events: self.queue.popped(),
            wall_seconds,
            tasks_launched: self.world.tasks_created(),
            tasks_failed_to_start: self.stats.failed_to_start,
            tasks_stopped: self.stats.stopped,
            tasks_running_at_end: at_end,
            start_latency_s_p50: q(0.5),
            start_latency_s_p99: q(0.99),
            unplaced_task_seconds: self.stats.unplaced_acc_ms as f64 / 1000.0,
            placement_failures: self.stats.placement_failures,
            instances_registered: self.world.instances.len() as u64,
            instances_peak: self.stats.instances_peak,
            instances_terminated: self.stats.instances_terminated,
            scaling_actions: self.stats.scaling_actions,
            spot_interruptions: self.stats.spot_interruptions,
            instance_failures: self.stats.instance_failures,
            task_crashes: self.stats.task_crashes,
            cpu_reservation_mean: (self.stats.res_samples > 0)
                .then(|| round6(self.stats.cpu_res_sum / self.stats.res_samples as f64)),
            memory_reservation_mean: (self.stats.res_samples > 0)
                .then(|| round6(self.stats.mem_res_sum / self.stats.res_samples as f64)),
            cost_total_usd: ec2 + fargate + fargate_spot,
            cost_ec2_usd: ec2,
            cost_ec2_idle_usd: (ec2 - burst_surplus.unwrap_or(0.0) - self.cost.ec2_attributed)
                .max(0.0),
            cost_burst_surplus_usd: burst_surplus,
            cost_fargate_usd: fargate,
            cost_fargate_spot_usd: fargate_spot,
            cost_by_service_usd: cost_by_service,
            cost_by_provider_usd: spec
                .providers
                .iter()
                .enumerate()
                .filter(|(_, p)| matches!(p.kind, ProviderKind::Asg(_)))
                .map(|(k, p)| (p.name.clone(), self.cost.by_provider[k]))
                .collect(),
            requests_total: traffic_on.then_some(arrived),
            requests_served: traffic_on.then_some(served),
            requests_dropped: traffic_on.then_some(dropped),
            latency_ms,
            slo_violation_minutes: traffic_on
                .then(|| slo.as_ref().map_or(0.0, |o| o.bad_minutes())),
            slo,
            warm_up_s: spec.warm_up_ms as f64 / 1000.0,
            tasks_unplaced_at_end: self.stats.unplaced_now,
            placement_problems: (0..spec.services.len())
                .filter_map(|i| {
                    let reason = crate::ecs::fit::unplaceable(spec, ServiceId(i as u32))
                        .or_else(|| self.stuck_at_end(&services[i]));
                    reason.map(|r| (spec.services[i].name.clone(), r))
                })
                .collect(),
            services,
            // Below one request served the figure means nothing (and a denormal count made it infinite).
            cost_per_million_requests: (traffic_on && served_all >= 1.0)
                .then(|| (ec2 + fargate + fargate_spot) / served_all * 1e6),
            batch,
            queues: self.queue_summaries(),
            task_protection: self.protection_summaries(),
            not_modelled: crate::metrics::not_modelled::of_spec(spec),
            unconfirmed: self.unconfirmed_uses(),
            warnings,
        }
    }

    /// Per service: tasks unplaced at the end, and its traffic and SLO over the measured window.
    /// `starts`: the packed start latencies, sorted ([`pack_start`]).
    pub(super) fn service_figures(&self, starts: &[u64]) -> Vec<crate::metrics::ServiceFigures> {
        let spec = self.spec;
        // Every service with a load closes a period at each tick k·P ≤ duration; those after the
        // warm-up are measured.
        let p = spec.metric_period_ms;
        let measured_ms = (spec.duration_ms / p).saturating_sub(spec.warm_up_ms / p) * p;
        let mut waiting = vec![0u32; spec.services.len()];
        for t in self.world.tasks.iter() {
            if let Owner::Service(sid) = t.owner
                && t.awaiting_capacity
                && t.state != TaskState::Stopped
            {
                waiting[sid.0 as usize] += 1;
            }
        }
        spec.services
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let tr = self.traffic.get(i).and_then(Option::as_ref);
                // Service i's starts: the packed range of its owner code, already in latency order.
                let (lo, hi) = (
                    pack_start(0, Some(i as u32)),
                    pack_start(0, Some(i as u32 + 1)),
                );
                let range =
                    starts.partition_point(|&x| x < lo)..starts.partition_point(|&x| x < hi);
                let q = |x: f64| {
                    quantile_sorted(&starts[range.clone()], x)
                        .map(|ms| (ms & START_MS_MASK) as f64 / 1000.0)
                };
                crate::metrics::ServiceFigures {
                    start_latency_s: q(0.5).zip(q(0.99)).map(|(a, b)| [a, b]),
                    served_whole_run: tr.map(|tr| tr.served),
                    name: s.name.clone(),
                    running_at_end: self.services[i].running,
                    unplaced_at_end: self.services[i].shortfall + waiting[i],
                    requests: tr.map(|tr| {
                        let w = &tr.warm_up_sums;
                        [tr.arrived - w[0], tr.served - w[1], tr.dropped - w[2]]
                    }),
                    startup: tr.and_then(|tr| {
                        let (at, sums) = tr.first_healthy?;
                        let w = &tr.warm_up_sums;
                        // Periods before the warm-up's end are left out: a start-up within it is too.
                        let requests = if at > spec.warm_up_ms {
                            [0, 1, 2].map(|k| (sums[k] - w[k]).max(0.0))
                        } else {
                            [0.0; 3]
                        };
                        Some(crate::metrics::Startup {
                            first_healthy_s: at as f64 / 1000.0,
                            requests,
                            from_start: tr.first_healthy_from_start,
                        })
                    }),
                    slo: tr.zip(s.load.as_ref().and_then(|l| l.slo)).map(|(tr, o)| {
                        crate::metrics::SloFigures::of(
                            tr.slo_violation_ms,
                            measured_ms,
                            o.objective,
                        )
                    }),
                }
            })
            .collect()
    }

    /// A service that ends the run with tasks it could not place and none running (a constraint no
    /// instance meets, an ENI or port shortage, capacity that never came).
    pub(super) fn stuck_at_end(&self, f: &crate::metrics::ServiceFigures) -> Option<String> {
        (f.running_at_end == 0 && f.unplaced_at_end > 0).then(|| {
            format!(
                "none of its tasks runs at the end; {} could not be placed",
                f.unplaced_at_end
            )
        })
    }

    /// The run applied choice `c` AWS does not document once more: one increment, no text.
    #[inline]
    pub(super) fn used(&mut self, c: crate::metrics::unconfirmed::Choice) {
        self.stats.unconfirmed.hit(c);
    }

    /// `summary.json`'s `unconfirmed`: the counts kept where each choice is applied, and the state
    /// durations of every task created (counted here, not per task).
    fn unconfirmed_uses(&self) -> Vec<crate::metrics::unconfirmed::Use> {
        use crate::metrics::unconfirmed::{Choice, uses};
        let mut ex = self.stats.unconfirmed;
        ex.add(Choice::TaskStateTimings, self.world.tasks_created());
        uses(self.spec, &ex)
    }
}

/// Bits of a packed start that hold its latency, ms (2^40 ms is 34 years, longer than any run).
pub(super) const START_MS_MASK: u64 = (1 << 40) - 1;

/// A start latency and its owner in one word: the owner code (0 for a standalone task, service
/// index + 1) above the latency's 40 bits, so that sorted starts come grouped by owner, each group
/// in latency order.
pub(super) fn pack_start(ms: u64, service: Option<u32>) -> u64 {
    let owner = service.map_or(0, |s| u64::from(s) + 1);
    debug_assert!(
        ms <= START_MS_MASK && owner < 1 << 24,
        "start latency or owner out of range"
    );
    (owner << 40) | ms.min(START_MS_MASK)
}
