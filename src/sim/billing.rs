//! Billing of tasks (§5.2, §6.2): which owner bucket a task's cost goes to, Fargate billing start, and
//! settling a task's cost when it ends.
//!
//! Must not: decide anything; it only meters what the other loops did.

use crate::ecs::world::{LaunchKind, Owner, TaskId};
use crate::engine::SimTime;
use crate::pricing::billing::{self};
use crate::spec::ProviderKind;

use super::Sim;

impl<'a> Sim<'a> {
    pub(super) fn owner_bucket(&self, t: TaskId) -> usize {
        match self.world.task(t).owner {
            Owner::Service(s) => s.0 as usize,
            Owner::Standalone(_) | Owner::Batch(_) => self.spec.services.len(),
        }
    }

    /// Fargate bills from the start of the image pull (§5.2).
    pub(super) fn start_fargate_billing(&mut self, t: TaskId) {
        let spec = self.spec;
        let task = self.world.task(t);
        let td = spec.task_def(task.def);
        let spot = task.launch == LaunchKind::FargateSpot;
        let hourly = billing::fargate_hourly(
            &spec.pricing.fargate,
            task.cpu,
            task.mem,
            td.ephemeral_storage_gib,
            td.arch == Some(crate::pricing::catalog::Arch::Arm64),
            if spot {
                spec.pricing.fargate_spot_discount
            } else {
                0.0
            },
        );
        let now = self.queue.now();
        let owner = self.owner_bucket(t);
        self.cost.by_owner[owner].open(hourly, now);
        if spot {
            self.cost.fargate_spot.open(hourly, now);
        } else {
            self.cost.fargate.open(hourly, now);
        }
        if spot {
            self.used(crate::metrics::unconfirmed::Choice::FargateSpotDiscount);
        }
        let task = self.world.task_mut(t);
        task.billed_since = Some(now);
        task.hourly_usd = hourly;
    }

    /// Stop billing or attributing a task at `end`: Fargate is billed per second with a one-minute
    /// minimum; EC2 attribution is exact (the instance carries the minimum).
    pub(super) fn settle_task(&mut self, t: TaskId, end: SimTime) {
        let task = self.world.task(t);
        let Some(since) = task.billed_since else {
            return;
        };
        let (hourly, launch, instance) = (task.hourly_usd, task.launch, task.instance);
        let owner = self.owner_bucket(t);
        let amount = match launch {
            LaunchKind::Ec2 => {
                let a = hourly * (end - since) as f64 / 3_600_000.0;
                self.cost.ec2_attributed += a;
                if let Some(i) = instance {
                    // Only a Spot instance in its first hour can turn out free (§6.4): the shares
                    // of the others are never taken back, so none is kept (a fleet's instances host
                    // many services' tasks over a month: 47 MB on issue #20's large fleet).
                    let inst = &self.world.instances[i.0 as usize];
                    let refundable = end - inst.launched_at < 3_600_000
                        && matches!(&self.spec.provider(inst.provider).kind,
                            ProviderKind::Asg(g) if g.spot);
                    let att = &mut self.world.instances[i.0 as usize].attributed;
                    if !refundable {
                        if !att.is_empty() {
                            *att = Vec::new();
                        }
                    } else {
                        match att.iter_mut().find(|x| x.0 == owner as u32) {
                            Some(x) => x.1 += a,
                            None => att.push((owner as u32, a)),
                        }
                    }
                }
                a
            }
            LaunchKind::Fargate | LaunchKind::FargateSpot => {
                let a = billing::cost(hourly, billing::billed_seconds(end - since));
                if launch == LaunchKind::Fargate {
                    self.cost.fargate.close(hourly, since, a);
                } else {
                    self.cost.fargate_spot.close(hourly, since, a);
                }
                a
            }
        };
        self.cost.by_owner[owner].close(hourly, since, amount);
        self.world.task_mut(t).billed_since = None;
    }
}
