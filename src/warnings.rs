//! Warnings: what makes a run's answers easy to misread although every figure is right — a task that can
//! never fit the instances it may use (§3.2, §6.1), a service that may ask for more tasks than its
//! providers can ever hold, a hole in a rate trace, tasks still unplaced at the end (§7.3), batch jobs that
//! could never run (§5.1), RunTask tasks refused (§7.3), standard-mode burstable instances held to their
//! baseline (§6.6), a queue worker that could not leave 0 tasks (§4.5). The first two and the last are
//! pure functions of the [`Spec`] found here (the scenario loader adds the file and line, so `ecsim
//! validate` shows them); holes are found while the loader reads the trace; the rest come from the
//! run's end state ([`crate::sim`]). They go to stderr, `summary.json`
//! (`warnings`) and the top of `report.html`.
//!
//! Must not: read files, or change what a run does.

use std::fmt;

use crate::pricing::catalog::Arch;
use crate::spec::{
    Constraint, Launch, ProviderId, ProviderKind, SchedulingStrategy, ServiceSpec, Spec,
    TaskDefSpec,
};

/// A task definition fits no instance type (or Fargate size) it may be given.
pub const TASK_NEVER_FITS: &str = "task-never-fits";
/// A service may ask for more tasks than its capacity providers can ever hold.
pub const CAPACITY_BELOW_MAX: &str = "capacity-below-max";
/// A rate trace has a hole the run reads.
pub const TRACE_GAP: &str = "trace-gap";
/// The run ended with tasks that could not be placed.
pub const UNPLACED_AT_END: &str = "unplaced-at-end";
/// Rows of a job file were skipped at load (an SWF job with a run time or processor count ≤ 0, an Alibaba
/// pod without its times or a GPU pod with `cpu_only`).
pub const BATCH_ROWS_SKIPPED: &str = "batch-rows-skipped";
/// The cluster's Auto Scaling groups may hold more than the 5,000 container instances ECS registers in
/// one cluster (§8).
pub const INSTANCES_ABOVE_QUOTA: &str = "instances-above-quota";
/// A managed-scaling group's `instanceWarmupPeriod` is shorter than its mean launch latency: ECS
/// over-provisions then (its N leaves launching instances out), and ecsim models it (§3.2).
pub const WARMUP_BELOW_LAUNCH: &str = "warmup-below-launch";
/// Batch jobs were dropped because no size they may use holds them, or the queue was full.
pub const BATCH_JOBS_DROPPED: &str = "batch-jobs-dropped";
/// Tasks of RunTask calls (`[[run_tasks]]`, scheduled tasks) were not launched: their `failures[]`.
pub const RUN_TASK_FAILURES: &str = "run-task-failures";
/// Standard-mode burstable instances spent their CPU credits and were held to their baseline (§6.6).
pub const CPU_CREDITS_SPENT: &str = "cpu-credits-spent";
/// A queue worker that may reach 0 tasks and then has no policy able to start one (§4.5).
pub const NO_SCALE_FROM_ZERO: &str = "no-scale-from-zero";

/// One warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Stable identifier (the constants of this module).
    pub code: &'static str,
    /// What is wrong, what the run did about it, and what would change it.
    pub message: String,
    /// The service it concerns, if one.
    pub service: Option<String>,
    /// The file it points into (the scenario, or a trace), if known.
    pub file: Option<String>,
    /// 1-based line in that file, if known.
    pub line: Option<usize>,
}

impl Warning {
    /// A warning with no location yet.
    pub fn new(code: &'static str, service: Option<&str>, message: String) -> Self {
        Warning {
            code,
            message,
            service: service.map(str::to_string),
            file: None,
            line: None,
        }
    }
}

impl fmt::Display for Warning {
    /// `file:line: message [code]`, as `ecsim` prints it after `warning: `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}")?;
            if let Some(l) = self.line {
                write!(f, ":{l}")?;
            }
            write!(f, ": ")?;
        }
        write!(f, "{} [{}]", self.message, self.code)
    }
}

/// What a warning found in the spec is about (the loader turns it into a file and line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// `services[i]`.
    Service(usize),
    /// `run_tasks[i]` of the spec (sorted by time).
    RunTask(usize),
    /// `scheduled_tasks[i]`.
    ScheduledTask(usize),
}

/// A warning about the spec, with the field of its subject it points at (a dotted path, "" for the
/// subject itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Which entry.
    pub subject: Subject,
    /// Field path inside the entry.
    pub field: &'static str,
    /// The warning.
    pub warning: Warning,
}

/// The capacity providers tasks of `launch` may be given: every Auto Scaling group for launch type EC2,
/// `FARGATE` for launch type FARGATE, else the strategy's providers with a base or a weight (§3.1: the
/// others get no task).
pub fn providers_of(spec: &Spec, launch: &Launch) -> Vec<ProviderId> {
    match launch {
        Launch::Ec2 => (0..spec.fargate().0).map(ProviderId).collect(),
        Launch::Fargate => vec![spec.fargate()],
        Launch::Strategy(items) => items
            .iter()
            .filter(|i| i.base > 0 || i.weight > 0)
            .map(|i| i.provider)
            .collect(),
    }
}

/// What one instance of an Auto Scaling group offers a non-daemon task: the registered CPU and memory
/// (§6.1) less what the DAEMON services take first on every instance (§2.1: those without constraints
/// whose task fits), and the free ENIs.
#[derive(Debug, Clone, PartialEq)]
pub struct Room {
    /// The instance type.
    pub instance_type: String,
    /// Registered CPU units.
    pub cpu_registered: u32,
    /// Registered memory, MiB (less `ECS_RESERVED_MEMORY`).
    pub mem_registered: u32,
    /// CPU units left after the daemons.
    pub cpu: u32,
    /// Memory left after the daemons.
    pub mem: u32,
    /// ENIs for awsvpc tasks (the type's interfaces less the primary one, §1.1).
    pub eni_registered: u32,
    /// ENIs left after the daemons.
    pub eni: u32,
    /// The type's architecture.
    pub arch: Arch,
    /// The daemons counted.
    pub daemons: Vec<String>,
}

impl Room {
    /// "m5.large (2048 CPU, 7680 MiB registered; 1536 CPU, 7424 MiB after the daemon log-agent)".
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} ({} CPU, {} MiB registered",
            self.instance_type, self.cpu_registered, self.mem_registered
        );
        if !self.daemons.is_empty() {
            s.push_str(&format!(
                "; {} CPU, {} MiB after the daemon{} {}",
                self.cpu,
                self.mem,
                if self.daemons.len() > 1 { "s" } else { "" },
                self.daemons.join(", ")
            ));
        }
        s.push(')');
        s
    }
}

/// The room of provider `p` (None for Fargate).
pub fn room(spec: &Spec, p: ProviderId) -> Option<Room> {
    let ProviderKind::Asg(asg) = &spec.provider(p).kind else {
        return None;
    };
    let (cpu_registered, mem_registered) =
        (asg.registered_cpu_units(), asg.registered_memory_mib());
    let mut r = Room {
        instance_type: asg.instance_type.name.clone(),
        cpu_registered,
        mem_registered,
        cpu: cpu_registered,
        mem: mem_registered,
        eni_registered: asg.instance_type.max_enis.saturating_sub(1),
        eni: asg.instance_type.max_enis.saturating_sub(1),
        arch: asg.instance_type.arch,
        daemons: Vec::new(),
    };
    for s in &spec.services {
        let td = spec.task_def(s.task_def);
        if s.scheduling != SchedulingStrategy::Daemon
            || !s.placement_constraints.is_empty()
            || td.cpu_units > r.cpu
            || td.memory_mib > r.mem
            || td.arch.is_some_and(|a| a != r.arch)
        {
            continue;
        }
        r.cpu -= td.cpu_units;
        r.mem -= td.memory_mib;
        if td.uses_eni() {
            r.eni = r.eni.saturating_sub(1);
        }
        r.daemons.push(s.name.clone());
    }
    Some(r)
}

/// Why a task of `cpu`/`mem` (and `def`'s architecture and networking) can never be placed on an instance
/// with `room`, or None if one empty instance holds it.
pub fn misfit(room: &Room, cpu: u32, mem: u32, def: &TaskDefSpec) -> Option<String> {
    misfit_in(room, (room.cpu, room.mem, room.eni), cpu, mem, def)
}

/// [`misfit`] against `(cpu, memory, ENIs)` of the instance (its registered size for a daemon, which
/// reserves before any other task).
fn misfit_in(
    room: &Room,
    free: (u32, u32, u32),
    cpu: u32,
    mem: u32,
    def: &TaskDefSpec,
) -> Option<String> {
    let mut why = Vec::new();
    if let Some(a) = def.arch
        && a != room.arch
    {
        why.push(format!(
            "it needs {} and {} is {}",
            a.as_attribute(),
            room.instance_type,
            room.arch.as_attribute()
        ));
    }
    if cpu > free.0 {
        why.push(format!("{cpu} CPU > {}", free.0));
    }
    if mem > free.1 {
        why.push(format!("{mem} MiB > {}", free.1));
    }
    if def.uses_eni() && free.2 == 0 {
        why.push(format!(
            "{} has no ENI free for an awsvpc task",
            room.instance_type
        ));
    }
    (!why.is_empty()).then(|| why.join(", "))
}

/// How many tasks of `def` (sized `cpu`/`mem`) one empty instance holds, with `constraints`.
fn per_instance(room: &Room, cpu: u32, mem: u32, def: &TaskDefSpec, one_each: bool) -> u32 {
    if misfit(room, cpu, mem, def).is_some() {
        return 0;
    }
    let mut n = room.cpu.checked_div(cpu).unwrap_or(u32::MAX);
    n = n.min(room.mem / mem.max(1));
    if def.uses_eni() {
        n = n.min(room.eni);
    }
    if one_each || !def.static_host_ports.is_empty() {
        n = n.min(1);
    }
    n
}

/// `task web (4096 CPU, 8192 MiB)`.
fn task_words(def: &TaskDefSpec, cpu: u32, mem: u32) -> String {
    format!("task {} ({cpu} CPU, {mem} MiB)", def.family)
}

/// What waiting tasks of provider `p` do, for messages.
fn wait_words(spec: &Spec, p: ProviderId) -> &'static str {
    match &spec.provider(p).kind {
        ProviderKind::Asg(a) if a.managed_scaling.is_some() => {
            "managed scaling will not help (§3.2: a task that does not fit the group's instance type causes no scale-out); its tasks wait in PROVISIONING until they time out"
        }
        _ => "the scheduler will retry its placement for ever (§7.3)",
    }
}

/// For `ecsim explain`: "this task can never fit: the largest instance type it may use, X, registers Y CPU
/// / Z MiB; managed scaling will not help", when no provider in `providers` holds the task; None otherwise.
pub fn never_fits_note(
    spec: &Spec,
    providers: &[ProviderId],
    cpu: u32,
    mem: u32,
    def: &TaskDefSpec,
) -> Option<String> {
    let rooms: Vec<Room> = providers.iter().filter_map(|&p| room(spec, p)).collect();
    if rooms.is_empty() || rooms.iter().any(|r| misfit(r, cpu, mem, def).is_none()) {
        return None;
    }
    let largest = rooms
        .iter()
        .max_by_key(|r| (r.cpu, r.mem))
        .expect("not empty");
    let managed = providers.iter().any(
        |&p| matches!(&spec.provider(p).kind, ProviderKind::Asg(a) if a.managed_scaling.is_some()),
    );
    let mut s = format!(
        "this task can never fit: the largest instance type it may use, {}, registers {} CPU / {} MiB",
        largest.instance_type, largest.cpu_registered, largest.mem_registered
    );
    if !largest.daemons.is_empty() {
        s.push_str(&format!(
            " ({} CPU / {} MiB after the daemon{} {})",
            largest.cpu,
            largest.mem,
            if largest.daemons.len() > 1 { "s" } else { "" },
            largest.daemons.join(", ")
        ));
    }
    if let Some(w) = misfit(largest, cpu, mem, def).filter(|w| w.starts_with("it needs")) {
        s.push_str(&format!(" and {w}"));
    }
    s.push_str(if managed {
        "; managed scaling will not help"
    } else {
        "; no instance it may use will ever hold it"
    });
    Some(s)
}

/// Tasks of `def` on `launch` that can never be placed: one finding per provider the task fits no
/// instance of, or one for the whole launch type EC2 when no group holds it.
fn never_fits(
    spec: &Spec,
    rooms: &[Option<Room>],
    subject: Subject,
    service: Option<&str>,
    launch: &Launch,
    def: &TaskDefSpec,
    daemon: bool,
) -> Vec<Finding> {
    let (cpu, mem) = (def.cpu_units, def.memory_mib);
    let providers = providers_of(spec, launch);
    let who = service.map_or_else(String::new, |s| format!("service {s}: "));
    let finding = |message: String| Finding {
        subject,
        field: "task_definition",
        warning: Warning::new(TASK_NEVER_FITS, service, message),
    };
    let rooms: Vec<(ProviderId, &Room)> = providers
        .iter()
        .filter_map(|&p| rooms[p.0 as usize].as_ref().map(|r| (p, r)))
        .collect();
    // A daemon reserves first, so it competes with no other daemon for the room: check registered size.
    let misfit_of = |r: &Room| {
        if daemon {
            misfit_in(
                r,
                (r.cpu_registered, r.mem_registered, r.eni_registered),
                cpu,
                mem,
                def,
            )
        } else {
            misfit(r, cpu, mem, def)
        }
    };
    let mut out = Vec::new();
    match launch {
        Launch::Ec2 if !daemon => {
            if rooms.is_empty() {
                out.push(finding(format!(
                    "{who}{} uses launch type EC2, but the cluster has no Auto Scaling group capacity provider: it can never be placed",
                    task_words(def, cpu, mem)
                )));
            } else if rooms.iter().all(|(_, r)| misfit_of(r).is_some()) {
                let (p, largest) = rooms
                    .iter()
                    .max_by_key(|(_, r)| (r.cpu, r.mem))
                    .expect("not empty");
                out.push(finding(format!(
                    "{who}{} can never fit {} ({}), the largest instance type it may use; {}",
                    task_words(def, cpu, mem),
                    largest.describe(),
                    misfit_of(largest).expect("misfit"),
                    wait_words(spec, *p)
                )));
            }
        }
        _ => {
            for (p, r) in &rooms {
                if let Some(why) = misfit_of(r) {
                    let what = if daemon {
                        format!(
                            "{who}daemon {} can never run on the instances of capacity provider {}: {} ({why})",
                            task_words(def, cpu, mem),
                            spec.provider(*p).name,
                            r.describe()
                        )
                    } else {
                        format!(
                            "{who}{} can never fit {} of capacity provider {} ({why}); {}",
                            task_words(def, cpu, mem),
                            r.describe(),
                            spec.provider(*p).name,
                            wait_words(spec, *p)
                        )
                    };
                    out.push(finding(what));
                }
            }
        }
    }
    out
}

/// The largest count a REPLICA service may ask for, and what sets it.
fn peak_count(spec: &Spec, sid: usize, s: &ServiceSpec) -> (u32, &'static str, String) {
    let mut best = (
        s.desired_count,
        "desired_count",
        "desired_count".to_string(),
    );
    if let Some(a) = &s.auto_scaling {
        if a.max > best.0 {
            best = (a.max, "auto_scaling.max_capacity", "max_capacity".into());
        }
        for act in &a.scheduled {
            if let Some(m) = act.max.filter(|&m| m > best.0) {
                best = (
                    m,
                    "auto_scaling.scheduled_actions",
                    "a scheduled max_capacity".into(),
                );
            }
        }
    }
    for u in &spec.service_updates {
        if u.service.0 as usize == sid && u.desired_count > best.0 {
            best = (
                u.desired_count,
                "",
                "a service update's desired_count".into(),
            );
        }
    }
    best
}

/// A REPLICA service on Auto Scaling groups only that may ask for more tasks than the groups can ever hold
/// (each at `max_size`, or at `desired_size` without managed scaling: ecsim's groups change size only
/// through it), counting how many of its tasks one instance holds after the daemons.
fn capacity_below_peak(
    spec: &Spec,
    rooms: &[Option<Room>],
    sid: usize,
    s: &ServiceSpec,
) -> Option<Finding> {
    if s.scheduling != SchedulingStrategy::Replica {
        return None;
    }
    let providers = providers_of(spec, &s.launch);
    if providers.is_empty() || providers.iter().any(|&p| rooms[p.0 as usize].is_none()) {
        return None; // Fargate has no fixed ceiling here
    }
    let def = spec.task_def(s.task_def);
    let one_each = s
        .placement_constraints
        .iter()
        .any(|c| matches!(c, Constraint::DistinctInstance));
    let (peak, field, source) = peak_count(spec, sid, s);
    let mut total: u64 = 0;
    let mut parts = Vec::new();
    for &p in &providers {
        let ProviderKind::Asg(asg) = &spec.provider(p).kind else {
            unreachable!()
        };
        let r = rooms[p.0 as usize].as_ref().expect("an Auto Scaling group");
        let each = per_instance(r, def.cpu_units, def.memory_mib, def, one_each);
        let (n, size) = if asg.managed_scaling.is_some() {
            (asg.max_size, "max_size")
        } else {
            (asg.desired_size, "desired_size, no managed scaling")
        };
        total += u64::from(each) * u64::from(n);
        parts.push(format!(
            "{}: {n} instances ({size}) × {each} task{} on {}",
            spec.provider(p).name,
            if each == 1 { "" } else { "s" },
            r.describe()
        ));
    }
    if total == 0 || u64::from(peak) <= total {
        return None; // 0: the task fits nowhere, which `never_fits` reports
    }
    let message = format!(
        "service {}: {source} asks for up to {peak} tasks of {} CPU, {} MiB, but its capacity providers can never hold more than {total}: {}; the tasks above {total} will stay unplaced",
        s.name,
        def.cpu_units,
        def.memory_mib,
        parts.join("; ")
    );
    Some(Finding {
        subject: Subject::Service(sid),
        field,
        warning: Warning::new(CAPACITY_BELOW_MAX, Some(&s.name), message),
    })
}

/// A queue worker whose backlog per task has no datapoint at 0 tasks (`backlog_at_zero_tasks =
/// "no_data"`, AWS's plain m1 / m2), that may scale to 0 (a minimum of 0, now or by a scheduled action)
/// and whose policies read no metric that has a value at 0 tasks — only the queue's
/// `ApproximateNumberOfMessagesVisible` has one: CPU, memory and requests per target need a task. Once
/// at 0 tasks it stays there whatever waits in the queue (§4.5: target tracking does not act on
/// insufficient data).
fn stuck_at_zero(sid: usize, s: &ServiceSpec) -> Option<Finding> {
    use crate::scaling::service::ScalingMetric;
    let q = s.queue.as_deref()?;
    let a = s.auto_scaling.as_ref()?;
    let metrics = || a.policies.iter().map(|p| p.metric());
    let to_zero = a.min == 0 || a.scheduled.iter().any(|x| x.min == Some(0));
    if !q.backlog_no_data_at_zero
        || !to_zero
        || !metrics().any(|m| m == ScalingMetric::BacklogPerTask)
        || metrics().any(|m| m == ScalingMetric::MessagesVisible)
    {
        return None;
    }
    let message = format!(
        "service {}: backlog_at_zero_tasks = \"no_data\" gives BacklogPerTask no datapoint while no task runs (AWS's m1 / m2), and no policy reads ApproximateNumberOfMessagesVisible: once at 0 tasks (its minimum capacity may be 0) no policy can start a task, whatever waits in the queue; add a step scaling policy on ApproximateNumberOfMessagesVisible, or keep the minimum at 1",
        s.name
    );
    Some(Finding {
        subject: Subject::Service(sid),
        field: "queue",
        warning: Warning::new(NO_SCALE_FROM_ZERO, Some(&s.name), message),
    })
}

/// The capacity warnings of a spec: tasks that can never fit what they may use, services whose largest
/// count their providers cannot hold, queue workers that cannot leave 0 tasks.
pub fn capacity_findings(spec: &Spec) -> Vec<Finding> {
    let rooms: Vec<Option<Room>> = (0..spec.providers.len())
        .map(|p| room(spec, ProviderId(p as u16)))
        .collect();
    let mut out = Vec::new();
    for (i, s) in spec.services.iter().enumerate() {
        let daemon = s.scheduling == SchedulingStrategy::Daemon;
        let def = spec.task_def(s.task_def);
        let misfits = never_fits(
            spec,
            &rooms,
            Subject::Service(i),
            Some(&s.name),
            &s.launch,
            def,
            daemon,
        );
        let none = misfits.is_empty();
        out.extend(misfits);
        if none && let Some(f) = capacity_below_peak(spec, &rooms, i, s) {
            out.push(f);
        }
        out.extend(stuck_at_zero(i, s));
    }
    for (i, r) in spec.run_tasks.iter().enumerate() {
        let def = spec.task_def(r.task_def);
        out.extend(never_fits(
            spec,
            &rooms,
            Subject::RunTask(i),
            None,
            &r.launch,
            def,
            false,
        ));
    }
    for (i, st) in spec.scheduled_tasks.iter().enumerate() {
        let def = spec.task_def(st.run.task_def);
        out.extend(never_fits(
            spec,
            &rooms,
            Subject::ScheduledTask(i),
            None,
            &st.run.launch,
            def,
            false,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(toml: &str) -> Spec {
        crate::scenario::load_str(toml, "t.toml", std::path::Path::new("."))
            .unwrap_or_else(|d| panic!("{d}"))
    }

    const HEAD: &str = r#"
name = "t"
duration = "1h"
[cluster]
availability_zones = ["us-east-1a"]
[[capacity_providers]]
name = "burst"
instance_type = "t3.medium"
max_size = 4
desired_size = 4
[[task_definitions]]
family = "agent"
cpu = 512
memory = 256
[[services]]
name = "agent"
task_definition = "agent"
scheduling_strategy = "DAEMON"
"#;

    /// t3.medium: 2 vCPU → 2048 CPU units registered (§6.1); the daemon takes 512 first (§2.1), leaving
    /// 1536 = 3 tasks of 512. Four instances hold 12, so desired 14 warns at the service's desired_count.
    #[test]
    fn room_after_daemons_and_the_count_groups_can_hold() {
        let s = spec(&format!(
            "{HEAD}[[task_definitions]]\nfamily = \"web\"\ncpu = 512\nmemory = 512\n[[services]]\nname = \"web\"\ntask_definition = \"web\"\ndesired_count = 14\nlaunch_type = \"EC2\"\n"
        ));
        let r = room(&s, ProviderId(0)).unwrap();
        assert_eq!((r.cpu_registered, r.cpu), (2048, 1536));
        assert_eq!(r.mem, r.mem_registered - 256);
        assert_eq!(r.daemons, ["agent"]);
        assert_eq!(s.warnings.len(), 1);
        let w = &s.warnings[0];
        assert_eq!((w.code, w.line), (CAPACITY_BELOW_MAX, Some(26)));
        assert!(w.message.contains("never hold more than 12: burst: 4 instances (desired_size, no managed scaling) × 3 tasks"), "{}", w.message);
        // 12 is within reach: no warning.
        let s = spec(&format!(
            "{HEAD}[[task_definitions]]\nfamily = \"web\"\ncpu = 512\nmemory = 512\n[[services]]\nname = \"web\"\ntask_definition = \"web\"\ndesired_count = 12\nlaunch_type = \"EC2\"\n"
        ));
        assert!(s.warnings.is_empty());
    }

    /// 2048 CPU registered less the daemon's 512 leaves 1536: a 2048-CPU task fits the registered size but
    /// never an instance the daemon already holds; an ARM64 task never fits the x86_64 t3.
    #[test]
    fn never_fits_counts_daemons_and_architecture() {
        let s = spec(&format!(
            "{HEAD}[[task_definitions]]\nfamily = \"web\"\ncpu = 2048\nmemory = 512\n[[services]]\nname = \"web\"\ntask_definition = \"web\"\ndesired_count = 1\nlaunch_type = \"EC2\"\n"
        ));
        assert_eq!(s.warnings.len(), 1);
        let m = &s.warnings[0].message;
        assert!(m.contains("can never fit t3.medium (2048 CPU, "), "{m}");
        assert!(m.contains("; 1536 CPU, "), "{m}");
        assert!(m.contains("(2048 CPU > 1536)"), "{m}");
        let def = s.task_def(s.services[1].task_def);
        assert_eq!(
            never_fits_note(&s, &[ProviderId(0)], 2048, 512, def).unwrap(),
            format!(
                "this task can never fit: the largest instance type it may use, t3.medium, registers 2048 CPU / {} MiB (1536 CPU / {} MiB after the daemon agent); no instance it may use will ever hold it",
                room(&s, ProviderId(0)).unwrap().mem_registered,
                room(&s, ProviderId(0)).unwrap().mem
            )
        );
        let s = spec(&format!(
            "{HEAD}[[task_definitions]]\nfamily = \"arm\"\ncpu = 256\nmemory = 512\ncpu_architecture = \"ARM64\"\n[[services]]\nname = \"arm\"\ntask_definition = \"arm\"\ndesired_count = 1\nlaunch_type = \"EC2\"\n"
        ));
        assert!(
            s.warnings[0]
                .message
                .contains("(it needs arm64 and t3.medium is x86_64)"),
            "{}",
            s.warnings[0].message
        );
    }
}
