//! Tasks no service owns: RunTask calls, scheduled tasks and batch-job sources (with their wait queue).
//!
//! Must not: touch service state; launching goes through the scheduler's `launch_task`.

use std::collections::VecDeque;

use crate::ecs::world::Owner;
use crate::engine::SimTime;
use crate::metrics::What;
use crate::spec::{Launch, ProviderId, ProviderKind, RunTaskSpec, Spec, ZoneId};
use crate::workload::jobs::{Job, JobReader};

use super::{Event, Sim};

/// RunTask's failure reason when Fargate has no capacity for a task (re:Post knowledge center
/// `ecs-fargate-runtask-capacity`, §2.6).
const FARGATE_NO_CAPACITY: &str = "Capacity is unavailable at this time. Please try again later or in a different availability zone";

/// A batch source at run time: the reader, the next job read ahead, and the jobs waiting for capacity.
pub(super) struct BatchRt {
    pub(super) reader: JobReader,
    pub(super) next: Option<Job>,
    pub(super) waiting: VecDeque<(Job, SimTime)>,
    pub(super) read: u64,
    /// Jobs dropped because no size they may use holds them (for the end-of-run warning).
    pub(super) unfit: u64,
}

/// The batch-job sources at run time and the figures the summary reads.
pub(super) struct BatchState {
    pub(super) sources: Vec<BatchRt>,
    pub(super) job_waits_ms: Vec<u64>,
    pub(super) first_job_ms: Option<SimTime>,
    pub(super) last_job_end_ms: SimTime,
    pub(super) jobs_dropped: u64,
}

impl BatchState {
    /// Open every source's reader (the files were checked when the scenario was loaded).
    pub(super) fn new(spec: &Spec) -> Self {
        BatchState {
            sources: spec
                .batch_jobs
                .iter()
                .map(|b| BatchRt {
                    reader: JobReader::open(&b.path, b.format.clone())
                        .expect("job file checked at load"),
                    next: None,
                    waiting: VecDeque::new(),
                    read: 0,
                    unfit: 0,
                })
                .collect(),
            job_waits_ms: Vec::new(),
            first_job_ms: None,
            last_job_end_ms: 0,
            jobs_dropped: 0,
        }
    }
}

/// Jobs that may wait for capacity at once, per batch source (a bound on the queue).
pub(super) const MAX_WAITING_JOBS: usize = 1_000_000;

impl<'a> Sim<'a> {
    pub(super) fn run_spec(&self, idx: usize) -> &'a RunTaskSpec {
        let spec = self.spec;
        if idx < spec.run_tasks.len() {
            &spec.run_tasks[idx]
        } else {
            &spec.scheduled_tasks[idx - spec.run_tasks.len()].run
        }
    }

    pub(super) fn read_next_job(&mut self, i: usize) {
        let spec = self.spec;
        let b = &spec.batch_jobs[i];
        let now = self.queue.now();
        let rt = &mut self.batch.sources[i];
        if b.max_jobs.is_some_and(|m| rt.read >= m) {
            return;
        }
        if let Some(mut job) = rt.reader.next_job().expect("job file checked at load") {
            rt.read += 1;
            job.arrival_s *= b.time_scale;
            job.duration_s *= b.time_scale;
            let at = b.start_ms + (job.arrival_s * 1000.0).round() as u64;
            rt.next = Some(job);
            self.queue.push(at.max(now), Event::JobArrival(i as u32));
        }
    }

    /// Place waiting jobs strictly in arrival order: the first that does not fit holds the others back.
    /// Each job is one RunTask call (§8.2): `prepaid` says the first already holds its call token.
    pub(super) fn dispatch_jobs(&mut self, i: usize, mut prepaid: bool) {
        let spec = self.spec;
        let b = &spec.batch_jobs[i];
        let group = self.world.group(&format!("batch:{}", b.name));
        let all_zones: Vec<ZoneId> = (0..spec.zones.len() as u8).map(ZoneId).collect();
        let mut counts = vec![0u32; spec.providers.len()];
        while let Some((job, arrived)) = self.batch.sources[i].waiting.front().cloned() {
            let provider = match &b.launch {
                Launch::Strategy(items) => Some(Self::choose_provider(items, &counts)),
                _ => None,
            };
            let fargate = matches!(b.launch, Launch::Fargate)
                || provider
                    .is_some_and(|p| matches!(spec.provider(p).kind, ProviderKind::Fargate { .. }));
            let size = if fargate {
                crate::pricing::fargate::round_up(job.cpu_units.max(1), job.memory_mib.max(1))
            } else {
                Some((job.cpu_units, job.memory_mib.max(1)))
            };
            let Some(size) = size else {
                // Larger than the largest Fargate size (§5.1): it can never run.
                self.batch.sources[i].waiting.pop_front();
                self.batch.jobs_dropped += 1;
                self.batch.sources[i].unfit += 1;
                let msg = format!(
                    "Batch {}: job {} ({} CPU units, {} MiB) is larger than any Fargate size; dropped.",
                    b.name, job.id, job.cpu_units, job.memory_mib
                );
                self.emit(None, What::BatchJobDropped { sentence: msg }, false);
                continue;
            };
            if !std::mem::take(&mut prepaid) && !self.take_call_token(i) {
                break; // the source waits in line for the RunTask rate
            }
            let res = self.launch_task(
                b.task_def,
                group,
                Owner::Batch(i as u32),
                &b.launch,
                provider,
                &b.placement_strategy,
                &b.placement_constraints,
                &all_zones,
                Some((size, (job.duration_s * 1000.0).round() as u64)),
            );
            match res {
                Ok(_) => {
                    self.batch.sources[i].waiting.pop_front();
                    if let Some(p) = provider {
                        counts[p.0 as usize] += 1;
                    }

                    self.batch.job_waits_ms.push(self.queue.now() - arrived);
                }
                Err(_) if !fargate && !self.fits_empty_instance(provider, size) => {
                    // RunTask with a launch type fails at once when no instance could ever hold the task
                    // (§7.3); a job that fits no instance type in scope would block the queue forever.
                    self.batch.sources[i].waiting.pop_front();
                    self.batch.jobs_dropped += 1;
                    self.batch.sources[i].unfit += 1;
                    let msg = format!(
                        "Batch {}: job {} ({} CPU units, {} MiB) fits no instance type it may use; dropped.",
                        b.name, job.id, size.0, size.1
                    );
                    self.emit(None, What::BatchJobDropped { sentence: msg }, false);
                }
                Err(_) => {
                    self.launch.refused = false;
                    self.refund_call_token(); // it waits for capacity, not for a call
                    break;
                }
            }
        }
        if prepaid {
            self.refund_call_token();
        }
        self.report_launch_wait(Owner::Batch(i as u32));
    }

    /// Could a task of `size` fit on an empty instance of the providers `launch` may use?
    /// `provider` is the strategy's choice, or None for launch type EC2 (any Auto Scaling group).
    pub(super) fn fits_empty_instance(
        &self,
        provider: Option<ProviderId>,
        size: (u32, u32),
    ) -> bool {
        let spec = self.spec;
        let fits = |k: &ProviderKind| match k {
            ProviderKind::Asg(a) => {
                a.registered_cpu_units() >= size.0 && a.registered_memory_mib() >= size.1
            }
            ProviderKind::Fargate { .. } => false,
        };
        match provider {
            Some(p) => fits(&spec.provider(p).kind),
            None => spec.providers.iter().any(|pr| fits(&pr.kind)),
        }
    }

    /// A RunTask call's task was not launched, for `reason` (counted for the end-of-run warning).
    fn run_task_refused(&mut self, reason: &'static str) {
        *self.stats.run_task_refused.entry(reason).or_default() += 1;
        let now = self.queue.now();
        self.stats.run_task_first_refused.get_or_insert(now);
    }

    /// Call number `i` (explicit, then scheduled) is made now, after `waited_ms` held back by the call
    /// rate (§8.2).
    pub(super) fn run_task_call(&mut self, i: usize, waited_ms: u64) {
        let spec = self.spec;
        let r = self.run_spec(i);
        let group = self.world.group(&r.group);
        let mut counts = vec![0u32; spec.providers.len()];
        let strategies = std::mem::take(&mut self.run_task_strategies[i]);
        let mut failures: Vec<String> = Vec::new();
        let mut started = Vec::new();
        let mut ids = Vec::new();
        for _ in 0..r.count {
            let provider = match &r.launch {
                Launch::Strategy(items) => Some(Self::choose_provider(items, &counts)),
                _ => None,
            };
            let res = self.launch_task(
                r.task_def,
                group,
                Owner::Standalone(i as u32),
                &r.launch,
                provider,
                &strategies,
                &r.placement_constraints,
                &(0..spec.zones.len() as u8).map(ZoneId).collect::<Vec<_>>(),
                None,
            );
            // Each task of the call takes its place in the strategy's split whether it starts or not:
            // a provider without capacity fails its own share, and the others still start theirs
            // (§3.1: no fallback, and no holding back).
            if let Some(p) = provider {
                counts[p.0 as usize] += 1;
            }
            match res {
                Ok(t) => {
                    started.push(self.world.task(t).serial);
                    ids.push(t);
                }
                Err(_) if std::mem::take(&mut self.launch.refused) => {
                    self.run_task_refused("ThrottlingException: Fargate launch queue full");
                    failures
                        .push("{reason: ThrottlingException: Fargate launch queue full}".into());
                }
                Err(f) => {
                    self.stats.placement_failures += 1;
                    let arn = f
                        .closest
                        .map_or_else(String::new, |c| self.world.instance(c).ec2_id.clone());
                    let fargate = matches!(r.launch, Launch::Fargate)
                        || provider.is_some_and(|p| {
                            matches!(spec.provider(p).kind, ProviderKind::Fargate { .. })
                        });
                    // Fargate without capacity (a Spot shortage, its zones down): RunTask's own
                    // reason (re:Post knowledge center `ecs-fargate-runtask-capacity`, §2.6).
                    let reason = match f.reason {
                        Some(r) => r.reason_code(),
                        None if fargate => FARGATE_NO_CAPACITY,
                        None => "RESOURCE:MEMORY",
                    };
                    self.run_task_refused(reason);
                    failures.push(if arn.is_empty() {
                        format!("{{reason: {reason}}}")
                    } else {
                        format!("{{arn: {arn}, reason: {reason}}}")
                    });
                }
            }
        }
        self.run_task_strategies[i] = strategies;
        let family = &spec.task_def(r.task_def).family;
        let msg = format!(
            "RunTask {family} (group {}): {} of {} tasks started{}{}",
            r.group,
            started.len(),
            r.count,
            if started.is_empty() {
                String::new()
            } else {
                format!(
                    " ({})",
                    started
                        .iter()
                        .map(|s| format!("task {s}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            if failures.is_empty() {
                ".".to_string()
            } else {
                format!("; failures: [{}].", failures.join(", "))
            }
        );
        let msg = if waited_ms > 0 || self.launch.fargate_waiting() > 0 {
            msg + &self.run_task_rate_note(waited_ms, &ids)
        } else {
            msg
        };
        self.emit(None, What::RunTask { sentence: msg }, false);
    }
}
