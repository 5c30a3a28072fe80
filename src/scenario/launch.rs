//! Services' launch settings while a scenario resolves: references to services and task definitions,
//! launch types and capacity-provider strategies (§3.1), placement strategies and constraints (§1), and
//! RunTask calls. Part of `Ctx` (see `mod.rs`), split by concern.

use super::*;

impl<'s> Ctx<'s> {
    /// The service named `name`, or an error at `prefix.service` — unless that service was declared and
    /// failed to load (its own error is reported; see `failed_services`).
    pub(super) fn find_service(
        &mut self,
        services: &[ServiceSpec],
        name: &str,
        item: &Item,
        prefix: &str,
    ) -> Option<usize> {
        if let Some(i) = services.iter().position(|s| s.name == name) {
            return Some(i);
        }
        if !failed_as(&self.failed_services, name) {
            let failed = self.failed_services.iter().flatten().map(String::as_str);
            let hint = closest(name, services.iter().map(|s| s.name.as_str()).chain(failed))
                .map(|c| format!("; did you mean \"{c}\"?"))
                .unwrap_or_default();
            self.at(
                item,
                prefix,
                "service",
                format!("no service named \"{name}\"{hint}"),
            );
        }
        None
    }

    pub(super) fn find_def(
        &mut self,
        defs: &[TaskDefSpec],
        name: &str,
        item: &Item,
        prefix: &str,
        field: &str,
    ) -> Option<TaskDefId> {
        // Accept "family" or "family:revision" (any revision: one revision is modelled per family).
        let family = name.split(':').next().unwrap_or(name);
        match defs.iter().position(|d| d.family == family) {
            Some(i) => Some(TaskDefId(i as u16)),
            // Declared but broken (already reported), or a broken one whose family is unknown (a JSON
            // file that did not load): not one more error per reference.
            None if failed_as(&self.failed_defs, family) => None,
            None => {
                // Families that failed to load are declared too (with errors of their own).
                let failed = self.failed_defs.iter().flatten().map(String::as_str);
                let declared = || defs.iter().map(|d| d.family.as_str()).chain(failed.clone());
                let hint = closest(family, declared())
                    .map(|c| format!("; did you mean \"{c}\"?"))
                    .unwrap_or_default();
                let known: Vec<&str> = declared().collect();
                self.at(
                    item,
                    prefix,
                    field,
                    format!(
                        "unknown task definition \"{name}\"{hint} (declared: {})",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                );
                None
            }
        }
    }

    pub(super) fn launch_is_fargate(&self, launch: &Launch, providers: &[ProviderSpec]) -> bool {
        match launch {
            Launch::Fargate => true,
            Launch::Ec2 => false,
            Launch::Strategy(items) => items.iter().any(|i| {
                matches!(
                    providers[i.provider.0 as usize].kind,
                    ProviderKind::Fargate { .. }
                )
            }),
        }
    }

    /// One RunTask call (a `[[run_tasks]]` entry or a scheduled task's firing), checked against §8, §1.1
    /// and §1.3; `at_ms` is left 0 for the caller.
    pub(super) fn run_task(
        &mut self,
        r: RawRunTask,
        env: &Env,
        item: &Item,
        prefix: &str,
    ) -> Option<RunTaskSpec> {
        let def_id = self.find_def(
            env.defs,
            &r.task_definition,
            item,
            prefix,
            "task_definition",
        )?;
        let td = &env.defs[def_id.0 as usize];
        if !(1..=10).contains(&r.count) {
            self.at(item, prefix, "count", format!("RunTask launches 1 to 10 tasks per call (§8), got {}; add more entries for more", r.count));
        }
        let launch = self.launch(
            &r.launch_type,
            &r.capacity_provider_strategy,
            env.default_strategy,
            env.providers,
            item,
            prefix,
        )?;
        let on_fargate = self.launch_is_fargate(&launch, env.providers);
        self.check_compat(td, on_fargate, item, prefix);
        let strategies = self.strategies(&r.placement_strategy, item, prefix);
        let mut constraints = self.constraints(&r.placement_constraints, item, prefix, true);
        if on_fargate && (!r.placement_strategy.is_empty() || !r.placement_constraints.is_empty()) {
            self.at(
                item,
                prefix,
                "placement_strategy",
                "placement strategies and constraints are not supported on Fargate (§1.1)",
            );
        }
        constraints.extend(td.constraints.iter().cloned());
        self.check_constraint_count(constraints.len(), item, prefix);
        let group = r.group.unwrap_or_else(|| format!("family:{}", td.family));
        if group.starts_with("service:") {
            self.at(
                item,
                prefix,
                "group",
                "the `service:` prefix is reserved for service tasks (§1.3)",
            );
        }
        Some(RunTaskSpec {
            at_ms: 0,
            task_def: def_id,
            count: r.count,
            group,
            launch,
            placement_strategy: strategies,
            placement_constraints: constraints,
            run_duration: r.run_duration.map(|d| d.0),
        })
    }

    /// §1.1: at most 10 placement constraints per task, counting the task definition's (CreateService and
    /// RunTask alike).
    pub(super) fn check_constraint_count(&mut self, n: usize, item: &Item, prefix: &str) {
        if n > 10 {
            self.at(
                item,
                prefix,
                "placement_constraints",
                "at most 10 constraints per task, counting the task definition's (§1.1)",
            );
        }
    }

    pub(super) fn check_compat(
        &mut self,
        td: &TaskDefSpec,
        fargate: bool,
        item: &Item,
        prefix: &str,
    ) {
        if fargate && !td.fargate_compatible {
            self.at(item, prefix, "task_definition", format!("task definition \"{}\" is not compatible with FARGATE: add requires_compatibilities = [\"FARGATE\"] with network_mode = \"awsvpc\" and a valid Fargate cpu/memory pair", td.family));
        }
        if !fargate && !td.ec2_compatible {
            self.at(item, prefix, "task_definition", format!("task definition \"{}\" is not compatible with EC2: add \"EC2\" to its requires_compatibilities", td.family));
        }
    }

    pub(super) fn launch(
        &mut self,
        launch_type: &Option<String>,
        strategy: &Option<Vec<RawStrategyItem>>,
        default: &Option<Vec<RawStrategyItem>>,
        providers: &[ProviderSpec],
        item: &Item,
        prefix: &str,
    ) -> Option<Launch> {
        match (launch_type.as_deref(), strategy) {
            (Some(_), Some(_)) => {
                self.at(
                    item,
                    prefix,
                    "launch_type",
                    "give either launch_type or capacity_provider_strategy, not both (§3.1)",
                );
                None
            }
            (Some("EC2"), None) => Some(Launch::Ec2),
            (Some("FARGATE"), None) => Some(Launch::Fargate),
            (Some(other), None) => {
                self.at(
                    item,
                    prefix,
                    "launch_type",
                    format!("unknown launch type \"{other}\"; allowed: \"EC2\", \"FARGATE\""),
                );
                None
            }
            (None, Some(s)) => {
                self.strategy_items(s, providers, item, prefix, "capacity_provider_strategy")
            }
            (None, None) => match default {
                Some(d) => {
                    self.strategy_items(d, providers, item, prefix, "capacity_provider_strategy")
                }
                None => Some(Launch::Ec2),
            },
        }
    }

    pub(super) fn strategy_items(
        &mut self,
        items: &[RawStrategyItem],
        providers: &[ProviderSpec],
        item: &Item,
        prefix: &str,
        field: &str,
    ) -> Option<Launch> {
        let mut out = Vec::new();
        let mut ok = true;
        if items.is_empty() || items.len() > 20 {
            self.at(
                item,
                prefix,
                field,
                "a capacity provider strategy lists 1 to 20 providers (§3.1)",
            );
            return None;
        }
        for (i, it) in items.iter().enumerate() {
            let path = format!("{field}.{i}");
            match providers
                .iter()
                .position(|p| p.name == it.capacity_provider)
            {
                Some(p) => {
                    if out
                        .iter()
                        .any(|x: &StrategyItem| x.provider.0 as usize == p)
                    {
                        self.at(
                            item,
                            prefix,
                            &path,
                            "a provider may appear only once in a strategy",
                        );
                        ok = false;
                    }
                    out.push(StrategyItem {
                        provider: ProviderId(p as u16),
                        base: it.base,
                        weight: it.weight,
                    });
                }
                None => {
                    let names: Vec<&str> = providers.iter().map(|p| p.name.as_str()).collect();
                    let hint = closest(&it.capacity_provider, names.iter().copied())
                        .map(|c| format!("; did you mean \"{c}\"?"))
                        .unwrap_or_default();
                    self.at(
                        item,
                        prefix,
                        &format!("{path}.capacity_provider"),
                        format!(
                            "unknown capacity provider \"{}\"{hint} (known: {})",
                            it.capacity_provider,
                            names.join(", ")
                        ),
                    );
                    ok = false;
                }
            }
            if it.weight > 1000 {
                self.at(
                    item,
                    prefix,
                    &format!("{path}.weight"),
                    "weight must be 0 to 1000 (§3.1)",
                );
                ok = false;
            }
            if it.base > 100_000 {
                self.at(
                    item,
                    prefix,
                    &format!("{path}.base"),
                    "base must be 0 to 100000 (§3.1)",
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        if out.iter().filter(|i| i.base > 0).count() > 1 {
            self.at(
                item,
                prefix,
                field,
                "only one provider in a strategy may have a base (§3.1)",
            );
            return None;
        }
        if out.iter().all(|i| i.weight == 0) {
            self.at(item, prefix, field, "at least one provider needs weight > 0 (weights default to 0, as in the API, §3.1)");
            return None;
        }
        let kinds: Vec<bool> = out
            .iter()
            .map(|i| {
                matches!(
                    providers[i.provider.0 as usize].kind,
                    ProviderKind::Fargate { .. }
                )
            })
            .collect();
        if kinds.iter().any(|&k| k) && kinds.iter().any(|&k| !k) {
            self.at(
                item,
                prefix,
                field,
                "a strategy cannot mix Fargate and Auto Scaling group providers (§3.1)",
            );
            return None;
        }
        Some(Launch::Strategy(out))
    }

    pub(super) fn strategies(
        &mut self,
        raw: &[RawPlacementStrategy],
        item: &Item,
        prefix: &str,
    ) -> Vec<Strategy> {
        if raw.len() > 5 {
            self.at(
                item,
                prefix,
                "placement_strategy",
                "at most 5 placement strategy rules (§1.1)",
            );
        }
        let mut out = Vec::new();
        for (i, s) in raw.iter().enumerate() {
            let path = format!("placement_strategy.{i}");
            let f = s.field.as_deref();
            let parsed = match s.kind.as_str() {
                "binpack" => match f {
                    Some("cpu") | Some("CPU") => Some(Strategy::Binpack(Resource::Cpu)),
                    Some("memory") | Some("MEMORY") => Some(Strategy::Binpack(Resource::Memory)),
                    other => {
                        self.at(
                            item,
                            prefix,
                            &format!("{path}.field"),
                            format!(
                                "binpack packs on \"cpu\" or \"memory\", not {}",
                                other.map_or("nothing".to_string(), |o| format!("\"{o}\""))
                            ),
                        );
                        None
                    }
                },
                "spread" => match f {
                    Some("instanceId") | Some("host") => {
                        Some(Strategy::Spread(SpreadField::InstanceId))
                    }
                    Some("attribute:ecs.availability-zone") => {
                        Some(Strategy::Spread(SpreadField::AvailabilityZone))
                    }
                    Some(a) if a.starts_with("attribute:") && a.len() > "attribute:".len() => {
                        Some(Strategy::Spread(SpreadField::Attribute(
                            a["attribute:".len()..].to_string(),
                        )))
                    }
                    other => {
                        self.at(item, prefix, &format!("{path}.field"), format!("spread needs a field: \"instanceId\", \"host\" or \"attribute:<name>\" such as \"attribute:ecs.availability-zone\", not {}", other.map_or("nothing".to_string(), |o| format!("\"{o}\""))));
                        None
                    }
                },
                "random" => {
                    if f.is_some() {
                        self.at(
                            item,
                            prefix,
                            &format!("{path}.field"),
                            "random takes no field",
                        );
                    }
                    Some(Strategy::Random)
                }
                other => {
                    let hint = closest(other, ["binpack", "spread", "random"])
                        .map(|c| format!("; did you mean \"{c}\"?"))
                        .unwrap_or_default();
                    self.at(item, prefix, &format!("{path}.type"), format!("unknown placement strategy \"{other}\"{hint}; allowed: \"binpack\", \"spread\", \"random\""));
                    None
                }
            };
            out.extend(parsed);
        }
        out
    }

    pub(super) fn constraints(
        &mut self,
        raw: &[RawPlacementConstraint],
        item: &Item,
        prefix: &str,
        allow_distinct: bool,
    ) -> Vec<Constraint> {
        let mut out = Vec::new();
        for (i, c) in raw.iter().enumerate() {
            let path = format!("placement_constraints.{i}");
            match c.kind.as_str() {
                "distinctInstance" => {
                    if !allow_distinct {
                        self.at(item, prefix, &format!("{path}.type"), "distinctInstance cannot be set in a task definition, only on a service or RunTask (§1.4)");
                    } else if c.expression.is_some() {
                        self.at(item, prefix, &format!("{path}.expression"), "distinctInstance takes no expression");
                    } else {
                        out.push(Constraint::DistinctInstance);
                    }
                }
                "memberOf" => match &c.expression {
                    None => self.at(item, prefix, &path, "memberOf needs an expression, e.g. expression = \"attribute:ecs.instance-type =~ m5.*\""),
                    Some(e) => match cql::parse(e) {
                        Ok(expr) => out.push(Constraint::MemberOf { expr, source: e.clone() }),
                        Err(err) => self.at(item, prefix, &format!("{path}.expression"), format!("invalid cluster query expression \"{e}\": {err}")),
                    },
                },
                other => {
                    let hint = closest(other, ["distinctInstance", "memberOf"]).map(|c| format!("; did you mean \"{c}\"?")).unwrap_or_default();
                    self.at(item, prefix, &format!("{path}.type"), format!("unknown placement constraint \"{other}\"{hint}; allowed: \"distinctInstance\", \"memberOf\""));
                }
            }
        }
        out
    }
}
