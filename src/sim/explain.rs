//! `ecsim explain`: the decision lines about placement and one task's life, recorded only when
//! [`Sim::with_explain`] asked for them (every hook here is behind `self.explain.is_some()`), and the
//! rendering of the log as the command prints it — filtered by service, time and task, with identical
//! retries collapsed into one line with a count and a span. The hooks are cold and never inlined, so the
//! hot paths that call them (task state changes) keep their size.

use super::{ExplainLine, Sim};
use crate::ecs::placement::{self, Failure, Request};
use crate::ecs::world::{InstanceId, Owner, StopCode, TaskId, TaskState};
use crate::engine::{SimTime, span_text};
use crate::spec::{Launch, ProviderId, ProviderKind, Spec};
use crate::warnings;

impl Sim<'_> {
    /// "service web" / "RunTask family:report" / "batch openb", and the service name lines are filed under.
    fn owner_words(&self, owner: Owner, group: &str) -> (String, String) {
        let spec = self.spec;
        match owner {
            Owner::Service(s) => {
                let name = &spec.services[s.0 as usize].name;
                (format!("service {name}"), name.clone())
            }
            Owner::Standalone(_) => (format!("RunTask {group}"), String::new()),
            Owner::Batch(b) => (
                format!("batch {}", spec.batch_jobs[b as usize].name),
                String::new(),
            ),
        }
    }

    /// A line about task `t` (`lifecycle`: a state change, printed only for `--task`).
    fn explain_task_line(&self, t: TaskId, text: String, lifecycle: bool) {
        let Some(log) = &self.explain else {
            return;
        };
        let task = self.world.task(t);
        let service = match task.owner {
            Owner::Service(s) => self.spec.services[s.0 as usize].name.clone(),
            _ => String::new(),
        };
        log.lock().expect("explain log").push(ExplainLine {
            time_ms: self.queue.now(),
            service,
            text,
            task: Some(task.serial),
            lifecycle,
        });
    }

    /// `task 5 of service web`.
    fn task_words(&self, t: TaskId) -> String {
        let task = self.world.task(t);
        let group = &self.world.group_names[task.group.0 as usize];
        format!(
            "task {} of {}",
            task.serial,
            self.owner_words(task.owner, group).0
        )
    }

    /// Why placement chose what it chose for a task of `owner` (tagged with the task it creates, the next
    /// serial, when it is placed or will wait in PROVISIONING); when no instance it may use could ever
    /// hold it, say so (§3.2: managed scaling will not help).
    #[cold]
    #[inline(never)]
    pub(super) fn explain_placement(
        &self,
        owner: Owner,
        provider: Option<ProviderId>,
        req: &Request,
        placed: &Result<InstanceId, Failure>,
    ) {
        let Some(log) = &self.explain else {
            return;
        };
        let spec = self.spec;
        let (mut who, service) =
            self.owner_words(owner, &self.world.group_names[req.group.0 as usize]);
        if let Owner::Standalone(_) = owner {
            who = "RunTask".into();
        }
        let mut text = format!(
            "{who}: placing a task ({} CPU, {} MiB): {}",
            req.cpu,
            req.mem,
            placement::explain(&self.world, req, placed, &spec.zones)
        );
        let def = match owner {
            Owner::Service(s) => self.primary_task_def(s),
            Owner::Standalone(c) => self.run_spec(c as usize).task_def,
            Owner::Batch(b) => spec.batch_jobs[b as usize].task_def,
        };
        let waits = placed.is_err()
            && provider.is_some_and(|p| managed(spec, p))
            && self.waiting_total < spec.scheduler.provisioning_cap;
        if placed.is_err() {
            let providers =
                provider.map_or_else(|| warnings::providers_of(spec, &Launch::Ec2), |p| vec![p]);
            if let Some(note) =
                warnings::never_fits_note(spec, &providers, req.cpu, req.mem, spec.task_def(def))
            {
                // A sentence of its own: "This task can never fit: …".
                let mut c = note.chars();
                let first = c.next().map(|f| f.to_uppercase().collect::<String>());
                text.push_str(&format!(". {}{}", first.unwrap_or_default(), c.as_str()));
            }
        }
        let task = (placed.is_ok() || waits).then(|| self.world.tasks_created() + 1);
        log.lock().expect("explain log").push(ExplainLine {
            time_ms: self.queue.now(),
            service,
            text,
            task,
            lifecycle: false,
        });
    }

    /// Task `t` was created in PROVISIONING to wait for `p`'s instances (§3.2).
    #[cold]
    #[inline(never)]
    pub(super) fn explain_wait(&self, t: TaskId, p: ProviderId) {
        let task = self.world.task(t);
        let (who, _) = self.owner_words(task.owner, &self.world.group_names[task.group.0 as usize]);
        let text = format!(
            "{who}: task {} waits in PROVISIONING for capacity provider {}'s instances (managed scaling); it stops if none takes it within the provisioning time-out",
            task.serial,
            self.spec.provider(p).name
        );
        self.explain_task_line(t, text, false);
    }

    /// A waiting task got an instance when capacity arrived.
    #[cold]
    #[inline(never)]
    pub(super) fn explain_capacity_placed(&self, t: TaskId, inst: InstanceId) {
        let task = self.world.task(t);
        let i = self.world.instance(inst);
        let (who, _) = self.owner_words(task.owner, &self.world.group_names[task.group.0 as usize]);
        let text = format!(
            "{who}: task {} placed on {} ({}) after {} in PROVISIONING: capacity arrived",
            task.serial,
            i.ec2_id,
            self.spec.zones[i.zone.0 as usize],
            span_text(self.queue.now() - task.created_at)
        );
        self.explain_task_line(t, text, false);
    }

    /// A task was created (its first state, its size and where it runs when known).
    #[cold]
    #[inline(never)]
    pub(super) fn explain_created(&self, t: TaskId) {
        let task = self.world.task(t);
        let td = self.spec.task_def(task.def);
        let mut text = format!(
            "{}: created in {} (task definition {}, {} CPU, {} MiB, {})",
            self.task_words(t),
            task.state.as_str(),
            td.family,
            task.cpu,
            task.mem,
            task.launch.as_str()
        );
        if let Some(p) = task.provider {
            text.push_str(&format!(
                ", capacity provider {}",
                self.spec.provider(p).name
            ));
        }
        if task.instance.is_none()
            && let Some(z) = task.zone
        {
            text.push_str(&format!(" in {}", self.spec.zones[z.0 as usize]));
        }
        self.explain_task_line(t, text, true);
    }

    /// Task `t` moves from `old` to `new`.
    #[cold]
    #[inline(never)]
    pub(super) fn explain_state(&self, t: TaskId, old: TaskState, new: TaskState) {
        let task = self.world.task(t);
        let mut text = format!(
            "{}: {} → {}",
            self.task_words(t),
            old.as_str(),
            new.as_str()
        );
        match new {
            TaskState::Pending => {
                if let Some(i) = task.instance {
                    let inst = self.world.instance(i);
                    text.push_str(&format!(
                        " on {} ({})",
                        inst.ec2_id, self.spec.zones[inst.zone.0 as usize]
                    ));
                }
            }
            TaskState::Running => text.push_str(&format!(
                " ({} after it was created)",
                span_text(self.queue.now() - task.created_at)
            )),
            TaskState::Stopped => {
                let code = task.stop_code.unwrap_or(StopCode::EssentialContainerExited);
                text.push_str(&format!(" (stopCode {}", code.as_str()));
                if !task.stop_reason.is_empty() {
                    text.push_str(&format!(": {}", task.stop_reason));
                }
                text.push(')');
            }
            _ => {}
        }
        self.explain_task_line(t, text, true);
    }

    /// Task `t`'s desired status became STOPPED.
    #[cold]
    #[inline(never)]
    pub(super) fn explain_stop(&self, t: TaskId) {
        let task = self.world.task(t);
        let text = format!(
            "{}: stop requested in {} (stopCode {}: {})",
            self.task_words(t),
            task.state.as_str(),
            task.stop_code.map_or("", |c| c.as_str()),
            task.stop_reason
        );
        self.explain_task_line(t, text, true);
    }
}

fn managed(spec: &Spec, p: ProviderId) -> bool {
    matches!(&spec.provider(p).kind, ProviderKind::Asg(a) if a.managed_scaling.is_some())
}

/// Which lines `ecsim explain` prints.
#[derive(Debug, Clone, Default)]
pub struct ExplainFilter {
    /// Only lines of this service (filed under it, or naming it).
    pub service: Option<String>,
    /// From this time.
    pub from_ms: SimTime,
    /// Up to this time (inclusive).
    pub to_ms: Option<SimTime>,
    /// Only lines about this task (its id in `tasks.csv`), with every state change of its life.
    pub task: Option<u64>,
}

/// Does `text` name `what` as a whole word ("service web" is not in "service web2", "task 4" not in
/// "task 40")?
fn names(text: &str, what: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    text.match_indices(what).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + what.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

impl ExplainFilter {
    fn keeps(&self, l: &ExplainLine) -> bool {
        if l.time_ms < self.from_ms || self.to_ms.is_some_and(|t| l.time_ms > t) {
            return false;
        }
        if let Some(s) = &self.service
            && l.service != *s
            && !names(&l.text, &format!("service {s}"))
        {
            return false;
        }
        match self.task {
            Some(n) => l.task == Some(n) || names(&l.text, &format!("task {n}")),
            None => !l.lifecycle,
        }
    }
}

/// The log as `ecsim explain` prints it: the lines `filter` keeps, each `clock text`, where a service's
/// step (its lines at one instant) that repeats the step before it unchanged — a placement retried every
/// few seconds while nothing changes — is printed once, at its first time, with "(repeated N times, every
/// X, first–last)". Another step of the same service ends the repetition; other services' lines do not.
pub fn render(lines: &[ExplainLine], filter: &ExplainFilter) -> Vec<String> {
    struct Run {
        /// Index of the first output line of the step, and how many lines it has.
        at: usize,
        len: usize,
        texts: Vec<String>,
        count: u32,
        first: SimTime,
        last: SimTime,
        min_gap: SimTime,
        max_gap: SimTime,
    }
    let kept: Vec<&ExplainLine> = lines.iter().filter(|l| filter.keeps(l)).collect();
    let mut out: Vec<(SimTime, String, Option<usize>)> = Vec::new(); // (time, text, run)
    let mut runs: Vec<Run> = Vec::new();
    let mut open: Vec<(String, usize)> = Vec::new(); // service → its open run
    let mut i = 0;
    while i < kept.len() {
        let (t, svc) = (kept[i].time_ms, &kept[i].service);
        let mut j = i;
        while j < kept.len() && kept[j].time_ms == t && kept[j].service == *svc {
            j += 1;
        }
        let texts: Vec<String> = kept[i..j].iter().map(|l| l.text.clone()).collect();
        let slot = open.iter().position(|(s, _)| s == svc);
        match slot.map(|k| open[k].1) {
            Some(r) if runs[r].texts == texts => {
                let run = &mut runs[r];
                let gap = t - run.last;
                if run.count == 1 {
                    (run.min_gap, run.max_gap) = (gap, gap);
                } else {
                    run.min_gap = run.min_gap.min(gap);
                    run.max_gap = run.max_gap.max(gap);
                }
                run.count += 1;
                run.last = t;
            }
            _ => {
                let r = runs.len();
                runs.push(Run {
                    at: out.len(),
                    len: texts.len(),
                    texts: texts.clone(),
                    count: 1,
                    first: t,
                    last: t,
                    min_gap: 0,
                    max_gap: 0,
                });
                for text in texts {
                    out.push((t, text, Some(r)));
                }
                match slot {
                    Some(k) => open[k].1 = r,
                    None => open.push((svc.clone(), r)),
                }
            }
        }
        i = j;
    }
    for run in runs.iter().filter(|r| r.count > 1) {
        // Whole seconds read better than the scheduler's millisecond jitter.
        let round = |ms: SimTime| {
            if ms >= 1000 {
                (ms + 500) / 1000 * 1000
            } else {
                ms
            }
        };
        let (lo, hi) = (round(run.min_gap), round(run.max_gap));
        let every = if lo == hi {
            span_text(lo)
        } else {
            format!("{} to {}", span_text(lo), span_text(hi))
        };
        let note = format!(
            " (repeated {} times, every {every}, {}–{})",
            run.count,
            crate::time::clock(run.first),
            crate::time::clock(run.last)
        );
        for line in &mut out[run.at..run.at + run.len] {
            line.1.push_str(&note);
        }
    }
    out.into_iter()
        .map(|(t, text, _)| format!("{} {text}", crate::time::clock(t)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(t: u64, service: &str, text: &str) -> ExplainLine {
        ExplainLine {
            time_ms: t * 1000,
            service: service.into(),
            text: text.into(),
            task: None,
            lifecycle: false,
        }
    }

    /// A retry every 10 s for 45 minutes (two lines each, another service's line between) is one step
    /// with a count and a span; a different step of the same service ends it.
    #[test]
    fn identical_retries_collapse() {
        let mut lines = Vec::new();
        for k in 0..271 {
            let t = 60 + 10 * k;
            lines.push(line(t, "api", "placing: no instance"));
            lines.push(line(t, "api", "(service api) was unable to place a task"));
            if k == 3 {
                lines.push(line(t + 1, "", "Capacity provider x: CPR 100"));
            }
        }
        lines.push(line(3000, "api", "placing: placed"));
        lines.push(line(3010, "api", "placing: no instance"));
        let out = render(&lines, &ExplainFilter::default());
        assert_eq!(
            out,
            vec![
                "00:01:00 placing: no instance (repeated 271 times, every 10 s, 00:01:00–00:46:00)",
                "00:01:00 (service api) was unable to place a task (repeated 271 times, every 10 s, 00:01:00–00:46:00)",
                "00:01:31 Capacity provider x: CPR 100",
                "00:50:00 placing: placed",
                "00:50:10 placing: no instance",
            ]
        );
    }

    #[test]
    fn uneven_gaps_and_filters() {
        let lines = vec![
            line(30, "api", "retry"),
            line(44, "api", "retry"),
            line(46, "api", "retry"),
            line(50, "api2", "x (service api2)"),
            ExplainLine {
                task: Some(4),
                lifecycle: true,
                ..line(51, "api", "task 4 of service api: PENDING → RUNNING")
            },
            line(
                52,
                "",
                "(service api) has started 2 tasks: (task 4) (task 40).",
            ),
        ];
        let all = render(&lines, &ExplainFilter::default());
        assert_eq!(
            all[0],
            "00:00:30 retry (repeated 3 times, every 2 s to 14 s, 00:00:30–00:00:46)"
        );
        assert_eq!(all.len(), 3, "{all:?}"); // the lifecycle line needs --task
        let api = ExplainFilter {
            service: Some("api".into()),
            ..Default::default()
        };
        assert!(render(&lines, &api).iter().all(|l| !l.contains("api2")));
        let task = ExplainFilter {
            task: Some(4),
            ..Default::default()
        };
        assert_eq!(
            render(&lines, &task),
            vec![
                "00:00:51 task 4 of service api: PENDING → RUNNING",
                "00:00:52 (service api) has started 2 tasks: (task 4) (task 40).",
            ]
        );
        let task40 = ExplainFilter {
            task: Some(40),
            ..Default::default()
        };
        assert_eq!(render(&lines, &task40).len(), 1);
        assert!(names("(task 4)", "task 4") && !names("task 40", "task 4"));
    }
}
