//! Task definitions while a scenario resolves: written in TOML or imported from AWS
//! `register-task-definition` JSON (`taskdef_json`), checked against ECS's rules and made into
//! `TaskDefSpec`s. Part of `Ctx` (see `mod.rs`), split by concern.

use super::*;

impl<'s> Ctx<'s> {
    /// `[[task_definitions]]`; one that fails is recorded in `failed_defs` (by family when it names one).
    pub(super) fn task_definitions(&mut self, root: &Item<'s>) -> Vec<TaskDefSpec> {
        let mut defs: Vec<TaskDefSpec> = Vec::new();
        for (i, item) in self.array(root, "task_definitions").into_iter().enumerate() {
            let prefix = format!("task_definitions[{i}]");
            let family = string_key(item, "family");
            let raw: Option<RawTaskDefinition> = self.de(item, &prefix);
            let Some(d) = raw.and_then(|r| self.task_definition(r, item, &prefix)) else {
                self.failed_defs.push(family);
                continue;
            };
            if defs.iter().any(|x| x.family == d.family) {
                self.at(
                    item,
                    &prefix,
                    "family",
                    format!("task definition family \"{}\" is declared twice", d.family),
                );
            }
            defs.push(d);
        }
        defs
    }

    pub(super) fn task_definition(
        &mut self,
        r: RawTaskDefinition,
        item: &Item,
        prefix: &str,
    ) -> Option<TaskDefSpec> {
        if let Some(file) = &r.file {
            let inline_keys = r.cpu.is_some()
                || r.memory.is_some()
                || r.network_mode.is_some()
                || r.requires_compatibilities.is_some()
                || r.cpu_architecture.is_some()
                || !r.containers.is_empty()
                || !r.placement_constraints.is_empty()
                || r.ephemeral_storage_gib.is_some();
            if inline_keys {
                self.at(item, prefix, "file", "a task definition loaded from `file` takes no other keys except `family` (to rename it)");
                return None;
            }
            return self.task_definition_file(file, r.family, item, prefix);
        }
        let Some(family) = r.family.clone() else {
            self.at(
                item,
                prefix,
                "",
                "a task definition needs `family` (or `file` = a register-task-definition JSON)",
            );
            return None;
        };
        let compat = r
            .requires_compatibilities
            .clone()
            .unwrap_or_else(|| vec!["EC2".into()]);
        let mut ec2 = false;
        let mut fg = false;
        for (i, c) in compat.iter().enumerate() {
            match c.as_str() {
                "EC2" => ec2 = true,
                "FARGATE" => fg = true,
                other => self.at(
                    item,
                    prefix,
                    &format!("requires_compatibilities.{i}"),
                    format!("unknown compatibility \"{other}\"; allowed: \"EC2\", \"FARGATE\""),
                ),
            }
        }
        let network_mode = match r.network_mode.as_deref() {
            None => {
                if fg {
                    NetworkMode::Awsvpc
                } else {
                    NetworkMode::Bridge
                }
            }
            Some("bridge") => NetworkMode::Bridge,
            Some("awsvpc") => NetworkMode::Awsvpc,
            Some("host") => NetworkMode::Host,
            Some("none") => NetworkMode::None,
            Some(o) => {
                self.at(item, prefix, "network_mode", format!("unknown network mode \"{o}\"; allowed: \"bridge\", \"awsvpc\", \"host\", \"none\""));
                NetworkMode::Bridge
            }
        };
        let arch = match r.cpu_architecture.as_deref() {
            None => None,
            Some("X86_64") => Some(catalog::Arch::X86_64),
            Some("ARM64") => Some(catalog::Arch::Arm64),
            Some(o) => {
                self.at(
                    item,
                    prefix,
                    "cpu_architecture",
                    format!("unknown architecture \"{o}\"; allowed: \"X86_64\", \"ARM64\""),
                );
                None
            }
        };
        let mut containers = Vec::new();
        let mut ports = Vec::new();
        let mut stop_timeout_ms = 30 * MS_PER_S;
        let mut any_stop = false;
        if r.containers.len() > super::taskdef_json::MAX_CONTAINERS {
            self.at(
                item,
                prefix,
                "containers",
                format!(
                    "{} containers: a task definition has at most {} (the ECS quota \"Containers per task definition\", §8)",
                    r.containers.len(),
                    super::taskdef_json::MAX_CONTAINERS
                ),
            );
        }
        for (i, c) in r.containers.iter().enumerate() {
            let cp = format!("containers.{i}");
            if let (Some(m), Some(res)) = (c.memory, c.memory_reservation)
                && res >= m
            {
                self.at(
                    item,
                    prefix,
                    &format!("{cp}.memory_reservation"),
                    format!("memory_reservation ({res}) must be less than memory ({m}) (§6.1)"),
                );
            }
            for (j, pm) in c.port_mappings.iter().enumerate() {
                let hp = pm.host_port.unwrap_or(0);
                match network_mode {
                    NetworkMode::Bridge => {
                        if hp != 0 {
                            ports.push(hp)
                        }
                    }
                    NetworkMode::Host => ports.push(if hp != 0 { hp } else { pm.container_port }),
                    NetworkMode::Awsvpc => {
                        if hp != 0 && hp != pm.container_port {
                            self.at(item, prefix, &format!("{cp}.port_mappings.{j}.host_port"), "in awsvpc mode host_port must equal container_port or be omitted (§9.1)");
                        }
                    }
                    NetworkMode::None => {}
                }
                if let Some(p) = &pm.protocol
                    && p != "tcp"
                    && p != "udp"
                {
                    self.at(
                        item,
                        prefix,
                        &format!("{cp}.port_mappings.{j}.protocol"),
                        "protocol must be \"tcp\" or \"udp\"",
                    );
                }
            }
            if let Some(st) = c.stop_timeout {
                if !any_stop || st.0 > stop_timeout_ms {
                    stop_timeout_ms = st.0;
                }
                any_stop = true;
            }
            containers.push(ContainerSpec {
                name: c.name.clone(),
                cpu: c.cpu,
                memory_mib: c.memory,
                memory_reservation_mib: c.memory_reservation,
                essential: c.essential.unwrap_or(true),
            });
        }
        self.check_container_totals(&containers, r.cpu, r.memory, item, prefix);
        let health_check = self.health_check(&r.health_check, item, prefix);
        let start_failure_probability = self.probability(
            r.start_failure_probability,
            item,
            prefix,
            "start_failure_probability",
        );
        let constraints = self.constraints(&r.placement_constraints, item, prefix, false);
        self.finish_task_def(
            TaskDefInput {
                family,
                task_cpu: r.cpu,
                task_memory: r.memory,
                network_mode,
                ec2,
                fargate: fg,
                arch,
                ports,
                containers,
                stop_timeout_ms,
                constraints,
                ephemeral: r.ephemeral_storage_gib,
                source: "inline".into(),
                image: r
                    .containers
                    .iter()
                    .find_map(|c| c.image.clone())
                    .unwrap_or_else(|| r.family.clone().unwrap_or_default()),
                image_size_mib: r.image_size_mib,
                lazy_loading: r.lazy_loading,
                health_check,
                start_failure_probability,
            },
            item,
            prefix,
        )
    }

    /// API ContainerDefinition: the memory reserved by all containers (memoryReservation, else memory)
    /// and their cpu must be lower than the task-level values (§5.1, §6.1); equal is accepted, as for
    /// a JSON task definition (`taskdef_json`).
    fn check_container_totals(
        &mut self,
        containers: &[ContainerSpec],
        task_cpu: Option<u32>,
        task_memory: Option<u32>,
        item: &Item,
        prefix: &str,
    ) {
        let reserved_mib: u64 = containers
            .iter()
            .map(|c| u64::from(c.memory_reservation_mib.or(c.memory_mib).unwrap_or(0)))
            .sum();
        if let Some(m) = task_memory
            && reserved_mib > u64::from(m)
        {
            let msg = format!(
                "containers reserve {reserved_mib} MiB in total (memory_reservation, else memory), \
                 more than the task-level memory of {m} MiB"
            );
            self.at(item, prefix, "memory", msg);
        }
        let container_cpu: u64 = containers.iter().map(|c| u64::from(c.cpu)).sum();
        if let Some(c) = task_cpu
            && container_cpu > u64::from(c)
        {
            let msg = format!(
                "containers reserve {container_cpu} CPU units in total, more than the task-level \
                 cpu of {c} units"
            );
            self.at(item, prefix, "cpu", msg);
        }
    }

    pub(super) fn finish_task_def(
        &mut self,
        mut d: TaskDefInput,
        item: &Item,
        prefix: &str,
    ) -> Option<TaskDefSpec> {
        if d.containers.is_empty() {
            d.containers.push(ContainerSpec {
                name: "app".into(),
                cpu: d.task_cpu.unwrap_or(0),
                memory_mib: d.task_memory,
                memory_reservation_mib: None,
                essential: true,
            });
        }
        if !d.containers.iter().any(|c| c.essential) {
            self.at(
                item,
                prefix,
                "containers",
                "at least one container must be essential",
            );
        }
        let container_mem: u32 = d
            .containers
            .iter()
            .map(|c| c.memory_reservation_mib.or(c.memory_mib).unwrap_or(0))
            .sum();
        if d.task_memory.is_none()
            && d.containers
                .iter()
                .any(|c| c.memory_mib.is_none() && c.memory_reservation_mib.is_none())
        {
            self.at(item, prefix, "memory", "set task-level `memory`, or `memory`/`memory_reservation` on every container (§6.1)");
        }
        let cpu_units = d
            .task_cpu
            .unwrap_or_else(|| d.containers.iter().map(|c| c.cpu).sum());
        let memory_mib = d.task_memory.unwrap_or(container_mem);
        if let Some(c) = d.task_cpu
            && d.ec2
            && !d.fargate
            && !(128..=10240).contains(&c)
        {
            self.at(
                item,
                prefix,
                "cpu",
                format!("task-level cpu on EC2 must be 128 to 10240 units (§6.1), got {c}"),
            );
        }
        if d.fargate {
            if d.network_mode != NetworkMode::Awsvpc {
                self.at(
                    item,
                    prefix,
                    "network_mode",
                    "Fargate task definitions need network_mode = \"awsvpc\" (§9.1)",
                );
            }
            match (d.task_cpu, d.task_memory) {
                (Some(c), Some(m)) => {
                    if let Err(e) = fargate::check_size(c, m) {
                        // A CPU off the grid is the `cpu` line's error, a memory the CPU does not
                        // allow the `memory` line's.
                        let field = match e {
                            fargate::FargateSizeError::Cpu { .. } => "cpu",
                            fargate::FargateSizeError::Memory { .. } => "memory",
                        };
                        self.at(item, prefix, field, e.to_string());
                    }
                }
                _ => self.at(
                    item,
                    prefix,
                    "cpu",
                    "Fargate task definitions need task-level `cpu` and `memory` (§5.1)",
                ),
            }
            if d.stop_timeout_ms > 120 * MS_PER_S {
                self.at(
                    item,
                    prefix,
                    "containers",
                    "stop_timeout is at most 120s on Fargate (§5.3)",
                );
            }
        }
        let ephemeral = d.ephemeral.unwrap_or(20);
        if !(20..=200).contains(&ephemeral) {
            self.at(
                item,
                prefix,
                "ephemeral_storage_gib",
                "ephemeral storage is 20 to 200 GiB (§5.3)",
            );
        }
        let mut seen = Vec::new();
        for &p in &d.ports {
            if seen.contains(&p) {
                self.at(
                    item,
                    prefix,
                    "containers",
                    format!("host port {p} is mapped twice"),
                );
            }
            seen.push(p);
        }
        if memory_mib == 0 {
            return None;
        }
        Some(TaskDefSpec {
            family: d.family,
            task_cpu: d.task_cpu,
            task_memory_mib: d.task_memory,
            cpu_units,
            memory_mib,
            network_mode: d.network_mode,
            ec2_compatible: d.ec2,
            fargate_compatible: d.fargate,
            arch: d.arch,
            static_host_ports: d.ports,
            containers: d.containers,
            stop_timeout_ms: d.stop_timeout_ms,
            constraints: d.constraints,
            ephemeral_storage_gib: ephemeral,
            source: d.source,
            image: d.image,
            image_size_mib: d.image_size_mib,
            lazy_loading: d.lazy_loading,
            health_check: d.health_check,
            start_failure_probability: d.start_failure_probability,
        })
    }

    pub(super) fn task_definition_file(
        &mut self,
        file: &str,
        family_override: Option<String>,
        item: &Item,
        prefix: &str,
    ) -> Option<TaskDefSpec> {
        let path = self.base_dir.join(file);
        let label = path.display().to_string();
        let text = match read_bounded(&path, taskdef_json::MAX_JSON_BYTES) {
            Ok(t) => t,
            Err(e) => {
                self.at(
                    item,
                    prefix,
                    "file",
                    format!("cannot read task definition file \"{label}\": {e}"),
                );
                return None;
            }
        };
        let aws = match taskdef_json::parse_task_definition_json(&text) {
            Ok(a) => a,
            Err(errs) => {
                for e in errs {
                    self.diags.push(Diagnostic {
                        file: label.clone(),
                        line: e.line,
                        column: e.column,
                        field: e.field,
                        message: e.message,
                    });
                }
                return None;
            }
        };
        let mut ec2 = aws.requires_compatibilities.is_empty();
        let mut fg = false;
        for c in &aws.requires_compatibilities {
            match c.as_str() {
                "EC2" => ec2 = true,
                "FARGATE" => fg = true,
                _ => {}
            }
        }
        let network_mode = match aws.network_mode.as_deref() {
            Some("awsvpc") => NetworkMode::Awsvpc,
            Some("host") => NetworkMode::Host,
            Some("none") => NetworkMode::None,
            _ => NetworkMode::Bridge,
        };
        let mut ports = Vec::new();
        let mut stop_timeout_ms = 30 * MS_PER_S;
        let mut any_stop = false;
        let containers = aws
            .containers
            .iter()
            .map(|c| {
                for pm in &c.port_mappings {
                    let hp = pm.host_port.unwrap_or(0);
                    match network_mode {
                        NetworkMode::Bridge if hp != 0 => ports.push(hp),
                        NetworkMode::Host => {
                            ports.push(if hp != 0 { hp } else { pm.container_port })
                        }
                        _ => {}
                    }
                }
                if let Some(s) = c.stop_timeout_s {
                    let ms = s as u64 * MS_PER_S;
                    if !any_stop || ms > stop_timeout_ms {
                        stop_timeout_ms = ms;
                    }
                    any_stop = true;
                }
                ContainerSpec {
                    name: c.name.clone(),
                    cpu: c.cpu,
                    memory_mib: c.memory,
                    memory_reservation_mib: c.memory_reservation,
                    essential: c.essential,
                }
            })
            .collect();
        let mut constraints = Vec::new();
        for (i, c) in aws.placement_constraints.iter().enumerate() {
            if let Some(e) = &c.expression {
                match cql::parse(e) {
                    Ok(expr) => constraints.push(Constraint::MemberOf {
                        expr,
                        source: e.clone(),
                    }),
                    Err(err) => self.diags.push(Diagnostic {
                        file: label.clone(),
                        line: 0,
                        column: 0,
                        field: format!("placementConstraints[{i}].expression"),
                        message: format!("invalid cluster query expression \"{e}\": {err}"),
                    }),
                }
            }
        }
        let arch = match aws.cpu_architecture.as_deref() {
            Some("ARM64") => Some(catalog::Arch::Arm64),
            Some("X86_64") => Some(catalog::Arch::X86_64),
            _ => None,
        };
        self.finish_task_def(
            TaskDefInput {
                family: family_override.unwrap_or(aws.family),
                task_cpu: aws.cpu_units,
                task_memory: aws.memory_mib,
                network_mode,
                ec2,
                fargate: fg,
                arch,
                ports,
                containers,
                stop_timeout_ms,
                constraints,
                ephemeral: aws.ephemeral_storage_gib,
                source: file.to_string(),
                image: aws
                    .containers
                    .iter()
                    .find_map(|c| c.image.clone())
                    .unwrap_or_else(|| file.to_string()),
                image_size_mib: None,
                lazy_loading: false,
                health_check: aws
                    .containers
                    .iter()
                    .find_map(|c| c.health_check.as_ref())
                    .map(|h| HealthCheckSpec {
                        interval_ms: h.interval_s as u64 * MS_PER_S,
                        retries: h.retries,
                        start_period_ms: h.start_period_s as u64 * MS_PER_S,
                        passes: true,
                        passes_for_ms: None,
                    }),
                start_failure_probability: 0.0,
            },
            item,
            prefix,
        )
    }
}

pub(super) struct TaskDefInput {
    health_check: Option<HealthCheckSpec>,
    start_failure_probability: f64,
    family: String,
    image: String,
    image_size_mib: Option<u32>,
    lazy_loading: bool,
    task_cpu: Option<u32>,
    task_memory: Option<u32>,
    network_mode: NetworkMode,
    ec2: bool,
    fargate: bool,
    arch: Option<catalog::Arch>,
    ports: Vec<u16>,
    containers: Vec<ContainerSpec>,
    stop_timeout_ms: u64,
    constraints: Vec<Constraint>,
    ephemeral: Option<u32>,
    source: String,
}
