//! `[[services]]` while a scenario resolves: scheduling strategy and desired count (§2.1), launch
//! settings, placement, load, queue, auto scaling and deployment configuration. Part of `Ctx` (see
//! `mod.rs`), split by TOML table.

use super::run_keys::RunKeys;
use super::*;

impl<'s> Ctx<'s> {
    /// Every service, and the items they were read from (for the capacity warnings' lines). A service
    /// that fails is recorded in `failed_services` so references to it are not reported again.
    pub(super) fn services<'a>(
        &mut self,
        root: &'a Item<'s>,
        env: &Env,
        zones: &[String],
        run: &RunKeys,
    ) -> (Vec<ServiceSpec>, Vec<&'a Item<'s>>) {
        let mut services: Vec<ServiceSpec> = Vec::new();
        let service_items = self.array(root, "services");
        for (i, item) in service_items.iter().enumerate() {
            let prefix = format!("services[{i}]");
            let Some(r): Option<RawService> = self.de(item, &prefix) else {
                continue;
            };
            if services.iter().any(|s| s.name == r.name) || r.name.is_empty() {
                self.at(
                    item,
                    &prefix,
                    "name",
                    format!(
                        "service names must be unique and non-empty (\"{}\")",
                        r.name
                    ),
                );
            }
            if let Some(s) = self.service(r, item, &prefix, env, zones, run) {
                services.push(s);
            }
        }
        for item in &service_items {
            let name = string_key(item, "name");
            if !services.iter().any(|s| Some(&s.name) == name.as_ref()) {
                self.failed_services.push(name);
            }
        }
        (services, service_items)
    }

    /// One service; `None` when its task definition, scheduling strategy or launch settings fail.
    fn service(
        &mut self,
        r: RawService,
        item: &Item,
        prefix: &str,
        env: &Env,
        zones: &[String],
        run: &RunKeys,
    ) -> Option<ServiceSpec> {
        let def_id = self.find_def(
            env.defs,
            &r.task_definition,
            item,
            prefix,
            "task_definition",
        )?;
        let td = &env.defs[def_id.0 as usize];
        let scheduling = match r.scheduling_strategy.as_deref() {
            None | Some("REPLICA") => SchedulingStrategy::Replica,
            Some("DAEMON") => SchedulingStrategy::Daemon,
            Some(s) => {
                self.at(
                    item,
                    prefix,
                    "scheduling_strategy",
                    format!(
                        "unknown scheduling strategy \"{s}\"; allowed: \"REPLICA\", \"DAEMON\""
                    ),
                );
                return None;
            }
        };
        let desired_count = self.desired_count(scheduling, r.desired_count, item, prefix);
        let launch = self.launch(
            &r.launch_type,
            &r.capacity_provider_strategy,
            env.default_strategy,
            env.providers,
            item,
            prefix,
        )?;
        let on_fargate = self.launch_is_fargate(&launch, env.providers);
        if scheduling == SchedulingStrategy::Daemon {
            if on_fargate || matches!(launch, Launch::Strategy(_)) {
                self.at(item, prefix, "", "DAEMON services run on EC2 instances only: use launch_type = \"EC2\" (Fargate and capacity provider strategies do not support DAEMON, §2.1)");
            }
            if !r.placement_strategy.is_empty() {
                self.at(
                    item,
                    prefix,
                    "placement_strategy",
                    "DAEMON services take no placement strategy (§2.1)",
                );
            }
        }
        self.check_compat(td, on_fargate, item, prefix);
        let strategies = self.strategies(&r.placement_strategy, item, prefix);
        let mut constraints = self.constraints(&r.placement_constraints, item, prefix, true);
        if on_fargate && (!r.placement_strategy.is_empty() || !r.placement_constraints.is_empty()) {
            self.at(item, prefix, "placement_strategy", "placement strategies and constraints are not supported on Fargate (§1.1); Fargate balances tasks over availability zones");
        }
        constraints.extend(td.constraints.iter().cloned());
        self.check_constraint_count(constraints.len(), item, prefix);
        let zones_s = self.zone_ids(zones, &r.availability_zones, item, prefix);
        let load = match &r.load {
            Some(l) => self.load(l, item, prefix, run.duration_ms.unwrap_or(0)),
            None => None,
        };
        let queue = match &r.queue {
            Some(q) => self
                .queue(q, item, prefix, run.duration_ms.unwrap_or(0))
                .map(Box::new),
            None => None,
        };
        let auto_scaling = match &r.auto_scaling {
            Some(a) => self.auto_scaling(
                a,
                item,
                prefix,
                scheduling,
                desired_count,
                run.metric_period_ms,
                (r.load.is_some(), r.queue.is_some()),
            ),
            None => None,
        };
        let start_ms = r.start.map_or(0, |d| d.0);
        if start_ms > run.duration_ms.unwrap_or(u64::MAX) {
            self.at(
                item,
                prefix,
                "start",
                "the service starts after the end of the run",
            );
        }
        // ECS creates a service with AZ rebalancing ENABLED unless it is incompatible (§2.1): binpack
        // (documented), DAEMON, and — ecsim's reading, unconfirmed — a strategy that does not spread over
        // zones first, which its replacements follow (a rack spread moved tasks back and forth).
        let rebalancing_compatible = scheduling == SchedulingStrategy::Replica
            && !strategies
                .iter()
                .any(|s| matches!(s, crate::spec::Strategy::Binpack(_)))
            && strategies.first().is_none_or(|s| {
                *s == crate::spec::Strategy::Spread(crate::spec::SpreadField::AvailabilityZone)
            });
        let az_rebalancing = self.az_rebalancing(
            &r.availability_zone_rebalancing,
            rebalancing_compatible,
            item,
            prefix,
        );
        let task_protection = r
            .task_protection
            .as_ref()
            .and_then(|p| self.task_protection(p, item, prefix, scheduling, r.queue.is_some()));
        Some(ServiceSpec {
            name: r.name,
            task_def: def_id,
            scheduling,
            desired_count,
            launch,
            placement_strategy: strategies,
            placement_constraints: constraints,
            zones: zones_s,
            start_ms,
            load,
            queue,
            auto_scaling,
            deployment: self.deployment_config(
                &r.deployment_configuration,
                item,
                prefix,
                scheduling,
            ),
            health_check_grace_period_ms: r.health_check_grace_period.map_or(0, |d| d.0),
            az_rebalancing,
            task_protection,
        })
    }

    /// `[services.task_protection]` (§2.7): `mode` `"while_busy"` (a worker of the service's `queue`) or
    /// `"after_start"`, and `expires_in`, `expiresInMinutes`: a whole number of minutes from 1 to 2,880
    /// (48 h), default 120 (ECS API `UpdateTaskProtection`).
    fn task_protection(
        &mut self,
        r: &RawTaskProtection,
        item: &Item,
        prefix: &str,
        scheduling: SchedulingStrategy,
        has_queue: bool,
    ) -> Option<crate::spec::TaskProtection> {
        use crate::spec::ProtectionMode;
        const MINUTE: u64 = 60_000;
        let mode = match r.mode.as_str() {
            "while_busy" => ProtectionMode::WhileBusy,
            "after_start" => ProtectionMode::AfterStart,
            o => {
                let msg = format!(
                    "unknown mode \"{o}\"; allowed: \"while_busy\" (a queue worker, protected while it processes messages), \"after_start\" (protected for expires_in from RUNNING)"
                );
                self.at(item, prefix, "task_protection.mode", msg);
                return None;
            }
        };
        let expires_in_ms = r.expires_in.map_or(120 * MINUTE, |d| d.0);
        if !expires_in_ms.is_multiple_of(MINUTE)
            || !(MINUTE..=2_880 * MINUTE).contains(&expires_in_ms)
        {
            let given = if expires_in_ms.is_multiple_of(MINUTE) {
                format!("{} min", expires_in_ms / MINUTE)
            } else {
                format!("{} s", expires_in_ms as f64 / 1000.0)
            };
            let msg = format!(
                "{given} is not a valid expires_in: it is expiresInMinutes, a whole number of minutes from \"1m\" to \"2880m\" (48 h); default \"120m\" (§2.7)"
            );
            self.at(item, prefix, "task_protection.expires_in", msg);
            return None;
        }
        if scheduling == SchedulingStrategy::Daemon {
            let msg = "task scale-in protection guards a REPLICA service's tasks from scale-in and deployments; a DAEMON service has neither desired count nor scale-in (§2.7)";
            self.at(item, prefix, "task_protection", msg);
            return None;
        }
        if mode == ProtectionMode::WhileBusy && !has_queue {
            let msg = "mode \"while_busy\" protects a worker while it processes its service's queue messages: the service needs a `queue` (or use mode \"after_start\", §2.7)";
            self.at(item, prefix, "task_protection.mode", msg);
            return None;
        }
        Some(crate::spec::TaskProtection {
            mode,
            expires_in_ms,
        })
    }

    /// `desired_count`: required for REPLICA (at most 5000, §8), refused for DAEMON (§2.1).
    fn desired_count(
        &mut self,
        scheduling: SchedulingStrategy,
        n: Option<u32>,
        item: &Item,
        prefix: &str,
    ) -> u32 {
        match (scheduling, n) {
            (SchedulingStrategy::Replica, Some(n)) => {
                if n > 5000 {
                    self.at(
                        item,
                        prefix,
                        "desired_count",
                        "at most 5000 tasks per service (ECS quota, §8)",
                    );
                }
                n
            }
            (SchedulingStrategy::Replica, None) => {
                self.at(item, prefix, "", "a REPLICA service needs `desired_count`");
                0
            }
            (SchedulingStrategy::Daemon, Some(_)) => {
                self.at(
                    item,
                    prefix,
                    "desired_count",
                    "DAEMON services run one task per instance and take no desired_count (§2.1)",
                );
                0
            }
            (SchedulingStrategy::Daemon, None) => 0,
        }
    }
}
