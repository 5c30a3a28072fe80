//! Load-balancer registration and traffic: which target a task is, advancing a service's traffic model,
//! and deregistration (with or without draining).
//!
//! Must not: change task state; the lifecycle decides when a task joins or leaves.

use crate::ecs::world::{LaunchKind, Owner, TaskId};
use crate::spec::ServiceId;
use crate::traffic::runtime::Target;

use super::Sim;

impl<'a> Sim<'a> {
    /// The load balancer's view of a target: servers and per-server rate. On EC2 a task without a
    /// task-level CPU limit also gets a share of its instance's unreserved CPU (CPU shares); on Fargate
    /// it gets exactly its size.
    pub(super) fn target_of(&self, t: TaskId) -> Target {
        let spec = self.spec;
        let task = self.world.task(t);
        let td = spec.task_def(task.def);
        let Owner::Service(sid) = task.owner else {
            unreachable!("targets are service tasks")
        };
        let load = spec.services[sid.0 as usize].load.as_ref().expect("load");
        let mut units = task.cpu.max(1) as f64;
        if task.launch == LaunchKind::Ec2
            && td.task_cpu.is_none()
            && let Some(i) = task.instance
        {
            let inst = self.world.instance(i);
            let sharers: u64 = inst
                .tasks
                .iter()
                .map(|&x| self.world.task(x))
                .filter(|x| spec.task_def(x.def).task_cpu.is_none())
                .map(|x| x.cpu.max(1) as u64)
                .sum();
            if sharers > 0 {
                units += inst.cpu_free as f64 * task.cpu.max(1) as f64 / sharers as f64;
            }
        }
        if self.burst.is_some()
            && task.launch == LaunchKind::Ec2
            && let Some(i) = task.instance
        {
            // A standard-mode burstable instance out of credits holds its tasks down (§6.6).
            let f = self.burst_factor(i);
            if f < 1.0 {
                units *= f;
            }
        }
        let vcpu = units / 1024.0;
        let servers = load
            .concurrency
            .unwrap_or_else(|| ((task.cpu as f64 / 1024.0).round() as u32).max(1));
        let per_server = vcpu / servers as f64;
        Target {
            task: t,
            servers,
            mu: per_server * 1000.0 / load.cpu_ms_per_request,
            vcpu_per_server: per_server,
        }
    }

    /// Does the task's capacity depend on its instance's other tasks (EC2 CPU shares, or a burstable
    /// instance's credits sharing its allowance, see [`Self::target_of`])?
    pub(super) fn takes_cpu_shares(&self, t: TaskId) -> bool {
        let task = self.world.task(t);
        task.launch == LaunchKind::Ec2
            && task.instance.is_some()
            && (self.spec.task_def(task.def).task_cpu.is_none() || self.burst_throttled_task(t))
    }

    /// Bring a service's traffic up to now with its current targets.
    pub(super) fn advance_traffic(&mut self, sid: ServiceId) {
        let spec = self.spec;
        let s = &spec.services[sid.0 as usize];
        let Some(load) = &s.load else { return };
        let now = self.queue.now();
        let i = sid.0 as usize;
        if !self.traffic[i].as_ref().expect("load").targets_cached() {
            // Rebuild the balancer's view in the old allocation; targets on CPU shares are rebuilt at
            // every advance, since their capacity follows their instance's other tasks.
            let mut targets = self.traffic[i].as_mut().expect("load").take_cache();
            targets.clear();
            let tr = self.traffic[i].as_ref().expect("load");
            targets.extend(tr.targets.iter().map(|&t| self.target_of(t)));
            let volatile = tr.targets.iter().any(|&t| self.takes_cpu_shares(t));
            self.traffic[i]
                .as_mut()
                .expect("load")
                .set_cache(targets, volatile);
        }
        let td = spec.task_def(s.task_def);
        let running = self.services[i].running;
        self.traffic[i].as_mut().expect("load").advance_cached(
            load,
            spec.traffic.mode,
            now,
            &mut self.task_traffic,
            running,
            td.cpu_units,
            td.memory_mib,
            &mut self.shape_cache,
            &mut self.rate_memo,
        );
    }

    /// A target leaves its load balancer: traffic up to now, then the drain — or, when its task dies
    /// `abruptly`, the loss of what it held.
    pub(super) fn leave_load_balancer(&mut self, t: TaskId, abruptly: bool) {
        if !self
            .task_traffic
            .get(t.0 as usize)
            .is_some_and(|x| x.target)
        {
            return;
        }
        let Owner::Service(sid) = self.world.task(t).owner else {
            return;
        };
        self.advance_traffic(sid);
        let target = self.target_of(t);
        let load = self.spec.services[sid.0 as usize]
            .load
            .as_ref()
            .expect("load");
        let tt = &mut self.task_traffic[t.0 as usize];
        tt.target = false;
        let traffic = self.traffic[sid.0 as usize].as_mut().expect("load");
        if abruptly {
            traffic.lose_target(&target, tt);
            tt.deactivate_ms = Some(0);
        } else {
            let d = traffic.remove_target(load, &target, tt);
            self.task_traffic[t.0 as usize].deactivate_ms = Some(d);
        }
    }
}
