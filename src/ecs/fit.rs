//! Can a service's task ever be placed? A check of the scenario alone, before any instance exists: a task
//! larger than every instance type it may use waits for capacity that never comes (managed scaling cannot
//! launch a bigger instance, §3.2), and a run of such a service is not a cheap run but one that served
//! nothing. The summary reports it (`placement_ok`), and `ecsim compare` flags it.
//!
//! Must not: look at the run (it sees only the spec).

use crate::spec::{
    AsgSpec, Launch, ProviderId, ProviderKind, SchedulingStrategy, ServiceId, Spec, TaskDefSpec,
};

/// Why one instance of `asg`'s type can never hold the task, if it cannot: what the type offers
/// (resources registered with ECS, §6.1; its CPU architecture; ENIs beside the primary for an awsvpc
/// task, §1.1), e.g. "c5.large (2048 CPU / 3788 MiB registered)".
pub fn misfit(td: &TaskDefSpec, asg: &AsgSpec) -> Option<String> {
    let it = &asg.instance_type;
    let (cpu, mem) = (asg.registered_cpu_units(), asg.registered_memory_mib());
    let mut why = Vec::new();
    if td.cpu_units > cpu || td.memory_mib > mem {
        why.push(format!("{cpu} CPU / {mem} MiB registered"));
    }
    if let Some(a) = td.arch.filter(|&a| a != it.arch) {
        why.push(format!("{:?}, the task needs {a:?}", it.arch));
    }
    if td.uses_eni() && it.max_enis < 2 {
        why.push(format!(
            "{} ENI, an awsvpc task needs a second",
            it.max_enis
        ));
    }
    (!why.is_empty()).then(|| format!("{} ({})", it.name, why.join("; ")))
}

/// Why service `sid`'s task can never be placed on (some of) the capacity it is given, or `None` when
/// it can. A REPLICA service is stuck when any provider its strategy sends tasks to (base or weight
/// above zero) cannot hold one; launch type EC2 and DAEMON services when no Auto Scaling group can.
/// Fargate sizes are checked when the scenario loads (§5.1).
pub fn unplaceable(spec: &Spec, sid: ServiceId) -> Option<String> {
    let s = &spec.services[sid.0 as usize];
    let td = spec.task_def(s.task_def);
    // (why, provider) for each Auto Scaling group the task cannot use, of those it may be sent to.
    let misfits =
        |providers: &mut dyn Iterator<Item = ProviderId>| -> (usize, Vec<(String, &str)>) {
            let mut n = 0;
            let mut out = Vec::new();
            for p in providers {
                let prov = spec.provider(p);
                if let ProviderKind::Asg(a) = &prov.kind {
                    n += 1;
                    if let Some(m) = misfit(td, a) {
                        out.push((m, prov.name.as_str()));
                    }
                }
            }
            (n, out)
        };
    let (n, bad) = match (&s.launch, s.scheduling) {
        (_, SchedulingStrategy::Daemon) | (Launch::Ec2, _) => {
            let (n, bad) = misfits(&mut (0..spec.providers.len() as u16).map(ProviderId));
            if bad.len() < n {
                return None; // some group can hold it
            }
            (n, bad)
        }
        (Launch::Fargate, _) => return None,
        (Launch::Strategy(items), _) => misfits(
            &mut items
                .iter()
                .filter(|i| i.base > 0 || i.weight > 0)
                .map(|i| i.provider),
        ),
    };
    if n == 0 || bad.is_empty() {
        return None;
    }
    // One clause per instance type, naming its groups.
    let mut clauses: Vec<(String, Vec<&str>)> = Vec::new();
    for (m, p) in bad {
        match clauses.iter_mut().find(|c| c.0 == m) {
            Some(c) => c.1.push(p),
            None => clauses.push((m, vec![p])),
        }
    }
    let text: Vec<String> = clauses
        .iter()
        .map(|(m, ps)| {
            let s = if ps.len() == 1 { "" } else { "s" };
            format!("{m} of capacity provider{s} {}", ps.join(", "))
        })
        .collect();
    Some(format!(
        "its task ({} CPU / {} MiB) does not fit {}",
        td.cpu_units,
        td.memory_mib,
        text.join(", nor ")
    ))
}
