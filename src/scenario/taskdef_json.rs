//! Load a real `register-task-definition` JSON file (or `describe-task-definition` output).
//!
//! Users already have task definitions as JSON; ecsim reads the parts it simulates (sizes,
//! ports, health checks, stop timeout, placement constraints) and ignores the dozens of other
//! AWS fields (`executionRoleArn`, `environment`, `logConfiguration`, …). Field names and rules
//! follow the AWS API (reference `ecs-behaviour.md` §9.1, §1.1, §2.5, §5.3, §6.1).
//!
//! Every problem is reported, not only the first, each with its JSON path (relative to the task
//! definition, so the same for both file shapes) and a 1-based line/column in the file. Positions
//! come from a small scan of the (already validated) text that records where each key and array
//! element starts; a missing field points at its enclosing object, and line 1 column 1 is the last
//! resort. Columns count characters (serde_json's syntax-error columns count bytes).

use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;

/// Containers per task definition: the ECS quota (§8, not adjustable). A file with more is refused before
/// any container is read (100,000 containers took 60 s and 1.35 GiB).
pub const MAX_CONTAINERS: usize = 10;

/// Largest task-definition JSON file read, in bytes: 1 MiB. ECS's own limit on a registered task
/// definition is 64 KiB (§8); the file may be larger (describe-task-definition output, indentation), so
/// this bounds only what is read into memory.
pub const MAX_JSON_BYTES: u64 = 1 << 20;

/// One parse problem, with 1-based line/column in the JSON file when known (else 1/1).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonTaskDefError {
    /// 1-based line in the JSON text.
    pub line: usize,
    /// 1-based column in the JSON text.
    pub column: usize,
    /// JSON path relative to the task definition, e.g. `containerDefinitions[0].memory` or
    /// `cpu`; empty for JSON syntax errors.
    pub field: String,
    /// What is wrong and, where possible, what AWS accepts.
    pub message: String,
}

impl fmt::Display for JsonTaskDefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: ", self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for JsonTaskDefError {}

/// The parts of an AWS task definition ecsim uses. Unknown AWS fields (`executionRoleArn`,
/// `logConfiguration`, `environment`, …) are accepted and ignored: real files have dozens.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsTaskDefinition {
    /// `family`: the task definition name (required; letters, digits, `-`, `_`, up to 255).
    pub family: String,
    /// `networkMode`: `bridge`, `awsvpc`, `host` or `none`; `None` when omitted (EC2 Linux then
    /// uses `bridge`).
    pub network_mode: Option<String>,
    /// `requiresCompatibilities`: `EC2`, `FARGATE`, `EXTERNAL` (or `MANAGED_INSTANCES`).
    pub requires_compatibilities: Vec<String>,
    /// Task-level `cpu` in CPU units, parsed from its string form (`"512"`, `"1 vCPU"`).
    pub cpu_units: Option<u32>,
    /// Task-level `memory` in MiB, parsed from its string form (`"1024"`, `"2 GB"`).
    pub memory_mib: Option<u32>,
    /// `runtimePlatform.cpuArchitecture`: `X86_64` or `ARM64`.
    pub cpu_architecture: Option<String>,
    /// `ephemeralStorage.sizeInGiB` (21–200, Fargate; reference §5.3 / §9.1).
    pub ephemeral_storage_gib: Option<u32>,
    /// `containerDefinitions`, in file order (at least one).
    pub containers: Vec<AwsContainer>,
    /// Task-definition `placementConstraints` (type `memberOf` only).
    pub placement_constraints: Vec<AwsPlacementConstraint>,
}

/// One entry of `containerDefinitions`: the fields ecsim simulates.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsContainer {
    /// `name` (required, unique within the task).
    pub name: String,
    /// `image`; AWS requires it, ecsim only uses it for display and pull-time lookups.
    pub image: Option<String>,
    /// `essential` (default true): the task stops when an essential container stops.
    pub essential: bool,
    /// Container `cpu` units (default 0): a relative share unless task-level cpu is set.
    pub cpu: u32,
    /// `memory`: hard limit in MiB; charged for placement when no reservation is set.
    pub memory: Option<u32>,
    /// `memoryReservation`: soft limit in MiB, charged for placement (reference §1.1).
    pub memory_reservation: Option<u32>,
    /// `portMappings`.
    pub port_mappings: Vec<AwsPortMapping>,
    /// `healthCheck`, with AWS defaults filled in.
    pub health_check: Option<AwsHealthCheck>,
    /// `stopTimeout` in seconds (SIGTERM to SIGKILL; Fargate maximum 120, reference §5.3).
    pub stop_timeout_s: Option<u32>,
}

/// One `portMappings` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsPortMapping {
    /// `containerPort` (1–65535).
    pub container_port: u16,
    /// `hostPort`: `None` or `Some(0)` means a dynamic port in bridge mode (reference §9.1).
    pub host_port: Option<u16>,
    /// `protocol`: `tcp` (default) or `udp`.
    pub protocol: String,
}

/// A container `healthCheck`, with defaults applied (reference §2.5, DG `task_definition_parameters`).
#[derive(Debug, Clone, PartialEq)]
pub struct AwsHealthCheck {
    /// `command`, e.g. `["CMD-SHELL", "curl -f http://localhost/ || exit 1"]`.
    pub command: Vec<String>,
    /// `interval` seconds, 5–300, default 30.
    pub interval_s: u32,
    /// `timeout` seconds, 2–60, default 5.
    pub timeout_s: u32,
    /// `retries`, 1–10, default 3.
    pub retries: u32,
    /// `startPeriod` seconds, 0–300, default 0 (off).
    pub start_period_s: u32,
}

/// A task-definition `placementConstraints` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsPlacementConstraint {
    /// `type`: always `memberOf` (the only type a task definition accepts).
    pub kind: String,
    /// `expression` in the cluster query language, e.g. `attribute:ecs.cpu-architecture == x86_64`.
    pub expression: Option<String>,
}

/// Accepted `networkMode` values (API `RegisterTaskDefinition`).
const NETWORK_MODES: [&str; 4] = ["bridge", "awsvpc", "host", "none"];
/// Accepted `requiresCompatibilities` values (API `RegisterTaskDefinition`; `MANAGED_INSTANCES`
/// is the newer ECS Managed Instances value).
const COMPATIBILITIES: [&str; 4] = ["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"];
/// Accepted `runtimePlatform.cpuArchitecture` values.
const CPU_ARCHITECTURES: [&str; 2] = ["X86_64", "ARM64"];
/// Maximum `stopTimeout` on Fargate, seconds (reference §5.3).
const FARGATE_MAX_STOP_TIMEOUT_S: u32 = 120;
/// Maximum placement constraints per task (reference §1.1).
const MAX_PLACEMENT_CONSTRAINTS: usize = 10;

/// Parse the text of a JSON file into the parts ecsim uses, reporting every problem found.
///
/// Accepts both the bare `register-task-definition` input shape and the
/// `describe-task-definition` output shape `{"taskDefinition": {...}}`. Task-level `cpu` and
/// `memory` may be JSON strings (as AWS writes them) or numbers.
pub fn parse_task_definition_json(text: &str) -> Result<AwsTaskDefinition, Vec<JsonTaskDefError>> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let full = e.to_string();
            let message = match full.rsplit_once(" at line ") {
                Some((msg, _)) => msg.to_string(),
                None => full,
            };
            return Err(vec![JsonTaskDefError {
                line: e.line().max(1),
                column: e.column().max(1),
                field: String::new(),
                message: format!("invalid JSON: {message}"),
            }]);
        }
    };
    let mut ctx = Ctx {
        positions: index_positions(text),
        prefix: "",
        errors: Vec::new(),
    };
    let Value::Object(root) = &value else {
        ctx.error(
            "",
            format!(
                "a task definition must be a JSON object, got {}",
                describe(&value)
            ),
        );
        return Err(ctx.errors);
    };
    let td = match root.get("taskDefinition") {
        Some(Value::Object(inner))
            if !root.contains_key("family") && !root.contains_key("containerDefinitions") =>
        {
            ctx.prefix = "taskDefinition";
            inner
        }
        _ => root,
    };
    let parsed = ctx.task_definition(td);
    if ctx.errors.is_empty() {
        Ok(parsed)
    } else {
        ctx.errors.sort_by_key(|e| (e.line, e.column));
        Err(ctx.errors)
    }
}

/// A task-level `cpu` or `memory` string that is not a size: the text as written and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskSizeError {
    /// Task-level `cpu`.
    #[error(
        "invalid task cpu \"{text}\": {problem}; expected CPU units such as \"512\" or vCPUs such as \"1 vCPU\" or \"0.25 vCPU\""
    )]
    Cpu {
        /// The text as written.
        text: String,
        /// What is wrong with it.
        problem: SizeProblem,
    },
    /// Task-level `memory`.
    #[error(
        "invalid task memory \"{text}\": {problem}; expected MiB such as \"1024\" or GB such as \"2 GB\" or \"0.5 GB\""
    )]
    Memory {
        /// The text as written.
        text: String,
        /// What is wrong with it.
        problem: SizeProblem,
    },
}

/// What is wrong with a size's number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeProblem {
    /// Not a plain decimal.
    #[error("not a number")]
    NotANumber,
    /// More than 12 digits before or after the point.
    #[error("number too long")]
    TooLong,
    /// A fraction of the unit (named).
    #[error("not a whole number of {0}")]
    NotWhole(&'static str),
    /// Zero.
    #[error("must be greater than 0")]
    Zero,
    /// Past u32.
    #[error("too large")]
    TooLarge,
}

/// Task-level CPU string → CPU units (1 vCPU = 1024 units, reference §6.1): `"512"` → 512,
/// `"1 vCPU"` / `"1vcpu"` / `"0.25 vCPU"` → 1024 / 256 (case-insensitive), as ECS converts them
/// (reference §9.1). The JSON parser also passes JSON numbers through here as text.
pub fn parse_task_cpu(s: &str) -> Result<u32, TaskSizeError> {
    let lower = s.trim().to_ascii_lowercase();
    let (num, scale, unit) = match lower.strip_suffix("vcpu") {
        Some(n) => (n.trim_end(), 1024, "CPU units"),
        None => (lower.as_str(), 1, "CPU units"),
    };
    parse_scaled(num, scale, unit).map_err(|problem| TaskSizeError::Cpu {
        text: s.to_string(),
        problem,
    })
}

/// Task-level memory string → MiB: `"1024"` → 1024, `"2 GB"` / `"2GB"` / `"0.5 GB"` → 2048 /
/// 512 (GB means GiB = 1024 MiB, as ECS converts it; `GiB` is accepted too; case-insensitive).
/// The JSON parser also passes JSON numbers through here as text.
pub fn parse_task_memory(s: &str) -> Result<u32, TaskSizeError> {
    let lower = s.trim().to_ascii_lowercase();
    let suffixed = lower
        .strip_suffix("gib")
        .or_else(|| lower.strip_suffix("gb"));
    let (num, scale) = match suffixed {
        Some(n) => (n.trim_end(), 1024),
        None => (lower.as_str(), 1),
    };
    parse_scaled(num, scale, "MiB").map_err(|problem| TaskSizeError::Memory {
        text: s.to_string(),
        problem,
    })
}

/// Parse a plain decimal (`"512"`, `"0.25"`) and multiply it by `scale` exactly; the product
/// must be a whole, non-zero number of `unit` that fits in u32.
fn parse_scaled(num: &str, scale: u128, unit: &'static str) -> Result<u32, SizeProblem> {
    let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
    let digits_ok = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    if num.is_empty()
        || (int_part.is_empty() && frac_part.is_empty())
        || !digits_ok(int_part)
        || !digits_ok(frac_part)
    {
        return Err(SizeProblem::NotANumber);
    }
    if int_part.len() > 12 || frac_part.len() > 12 {
        return Err(SizeProblem::TooLong);
    }
    let int: u128 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().map_err(|_| SizeProblem::NotANumber)?
    };
    let frac: u128 = if frac_part.is_empty() {
        0
    } else {
        frac_part.parse().map_err(|_| SizeProblem::NotANumber)?
    };
    let denom = 10u128.pow(frac_part.len() as u32);
    let scaled_num = (int * denom + frac) * scale;
    if !scaled_num.is_multiple_of(denom) {
        return Err(SizeProblem::NotWhole(unit));
    }
    let value = scaled_num / denom;
    if value == 0 {
        return Err(SizeProblem::Zero);
    }
    u32::try_from(value).map_err(|_| SizeProblem::TooLarge)
}

/// Walk state: where each path is in the text, which prefix the task definition sits under,
/// and the problems found so far.
struct Ctx<'a> {
    positions: HashMap<String, (usize, usize)>,
    prefix: &'a str,
    errors: Vec<JsonTaskDefError>,
}

/// `parent.key`, or `key` at the top.
fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// A field's value, treating JSON `null` as absent (AWS CLI output writes nulls).
fn get<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// A short description of a JSON value for messages.
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("string \"{s}\""),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

/// AWS name rule for `family` and container `name`: 1–255 letters, digits, `-`, `_`.
fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Ctx<'_> {
    /// Position of `field` (relative to the task definition), or of its nearest ancestor.
    fn locate(&self, field: &str) -> (usize, usize) {
        let mut path = join(self.prefix, field);
        loop {
            if let Some(&p) = self.positions.get(&path) {
                return p;
            }
            if path.is_empty() {
                return (1, 1);
            }
            match path.rfind(['.', '[']) {
                Some(i) => path.truncate(i),
                None => path.clear(),
            }
        }
    }

    fn error(&mut self, field: &str, message: impl Into<String>) {
        let (line, column) = self.locate(field);
        self.errors.push(JsonTaskDefError {
            line,
            column,
            field: field.to_string(),
            message: message.into(),
        });
    }

    fn missing(&mut self, field: &str, key: &str) {
        self.error(field, format!("missing required field \"{key}\""));
    }

    fn opt_string(&mut self, obj: &Map<String, Value>, key: &str, parent: &str) -> Option<String> {
        match get(obj, key)? {
            Value::String(s) => Some(s.clone()),
            other => {
                let msg = format!("must be a string, got {}", describe(other));
                self.error(&join(parent, key), msg);
                None
            }
        }
    }

    fn opt_bool(&mut self, obj: &Map<String, Value>, key: &str, parent: &str) -> Option<bool> {
        match get(obj, key)? {
            Value::Bool(b) => Some(*b),
            other => {
                let msg = format!("must be true or false, got {}", describe(other));
                self.error(&join(parent, key), msg);
                None
            }
        }
    }

    /// A non-negative integer field. AWS requires JSON numbers for container-level integers;
    /// a string such as `"1024"` is reported, not converted.
    fn opt_u32(&mut self, obj: &Map<String, Value>, key: &str, parent: &str) -> Option<u32> {
        let v = get(obj, key)?;
        let field = join(parent, key);
        match v {
            Value::Number(n) => match n.as_u64().and_then(|x| u32::try_from(x).ok()) {
                Some(x) => Some(x),
                None => {
                    self.error(
                        &field,
                        format!("must be a whole number from 0 to {}, got {n}", u32::MAX),
                    );
                    None
                }
            },
            Value::String(s) => {
                self.error(
                    &field,
                    format!(
                        "must be an integer, got string \"{s}\" (AWS requires a JSON number \
                         here, e.g. {key}: 1024 without quotes)"
                    ),
                );
                None
            }
            other => {
                let msg = format!("must be an integer, got {}", describe(other));
                self.error(&field, msg);
                None
            }
        }
    }

    /// Like [`Ctx::opt_u32`], then checked against an inclusive range.
    fn opt_u32_in(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        parent: &str,
        range: (u32, u32),
    ) -> Option<u32> {
        let v = self.opt_u32(obj, key, parent)?;
        if v < range.0 || v > range.1 {
            self.error(
                &join(parent, key),
                format!("must be from {} to {}, got {v}", range.0, range.1),
            );
            return None;
        }
        Some(v)
    }

    fn opt_array<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        key: &str,
        parent: &str,
    ) -> Option<&'v Vec<Value>> {
        match get(obj, key)? {
            Value::Array(a) => Some(a),
            other => {
                let msg = format!("must be a JSON array, got {}", describe(other));
                self.error(&join(parent, key), msg);
                None
            }
        }
    }

    fn opt_object<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        key: &str,
        parent: &str,
    ) -> Option<&'v Map<String, Value>> {
        match get(obj, key)? {
            Value::Object(m) => Some(m),
            other => {
                let msg = format!("must be a JSON object, got {}", describe(other));
                self.error(&join(parent, key), msg);
                None
            }
        }
    }

    /// Task-level `cpu` / `memory`: a string (AWS form) or a number.
    fn task_size(
        &mut self,
        td: &Map<String, Value>,
        key: &str,
        parse: fn(&str) -> Result<u32, TaskSizeError>,
        example: &str,
    ) -> Option<u32> {
        let text = match get(td, key)? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            other => {
                let msg = format!(
                    "must be a string such as {example} (or a number), got {}",
                    describe(other)
                );
                self.error(key, msg);
                return None;
            }
        };
        match parse(&text) {
            Ok(v) => Some(v),
            Err(e) => {
                self.error(key, e.to_string());
                None
            }
        }
    }

    fn task_definition(&mut self, td: &Map<String, Value>) -> AwsTaskDefinition {
        let family = match self.opt_string(td, "family", "") {
            Some(f) => {
                if !valid_name(&f) {
                    self.error(
                        "family",
                        format!(
                            "must be 1-255 letters, digits, hyphens or underscores, got \"{f}\""
                        ),
                    );
                }
                f
            }
            None => {
                if get(td, "family").is_none() {
                    self.missing("family", "family");
                }
                String::new()
            }
        };

        let network_mode = self.opt_string(td, "networkMode", "");
        if let Some(m) = &network_mode
            && !NETWORK_MODES.contains(&m.as_str())
        {
            let msg = format!("must be one of {}, got \"{m}\"", NETWORK_MODES.join(", "));
            self.error("networkMode", msg);
        }

        let mut requires_compatibilities = Vec::new();
        if let Some(list) = self.opt_array(td, "requiresCompatibilities", "") {
            for (i, v) in list.iter().enumerate() {
                let field = format!("requiresCompatibilities[{i}]");
                match v {
                    Value::String(s) if COMPATIBILITIES.contains(&s.as_str()) => {
                        requires_compatibilities.push(s.clone());
                    }
                    other => {
                        let msg = format!(
                            "must be one of {}, got {}",
                            COMPATIBILITIES.join(", "),
                            describe(other)
                        );
                        self.error(&field, msg);
                    }
                }
            }
        }
        let fargate = requires_compatibilities.iter().any(|c| c == "FARGATE");

        let cpu_units = self.task_size(td, "cpu", parse_task_cpu, "\"512\" or \"1 vCPU\"");
        let memory_mib = self.task_size(td, "memory", parse_task_memory, "\"1024\" or \"2 GB\"");

        let mut cpu_architecture = None;
        if let Some(rp) = self.opt_object(td, "runtimePlatform", "") {
            cpu_architecture = self.opt_string(rp, "cpuArchitecture", "runtimePlatform");
            if let Some(a) = &cpu_architecture
                && !CPU_ARCHITECTURES.contains(&a.as_str())
            {
                let msg = format!("must be X86_64 or ARM64, got \"{a}\"");
                self.error("runtimePlatform.cpuArchitecture", msg);
                cpu_architecture = None;
            }
            // Windows tasks cost about 3.4 times Linux on Fargate (§5.2): priced as Linux they would
            // be silently wrong, so they are refused.
            if let Some(os) = self.opt_string(rp, "operatingSystemFamily", "runtimePlatform")
                && os != "LINUX"
            {
                let msg = format!(
                    "\"{os}\" is not modelled: ecsim places and prices Linux tasks only (Windows is priced differently, §5.2); use \"LINUX\" or leave it out"
                );
                self.error("runtimePlatform.operatingSystemFamily", msg);
            }
        }

        let mut ephemeral_storage_gib = None;
        if let Some(es) = self.opt_object(td, "ephemeralStorage", "") {
            if get(es, "sizeInGiB").is_none() {
                self.missing("ephemeralStorage.sizeInGiB", "sizeInGiB");
            }
            ephemeral_storage_gib = self.opt_u32_in(es, "sizeInGiB", "ephemeralStorage", (21, 200));
        }

        // A present but malformed task memory is already reported; don't pile on per container.
        let task_memory_given = get(td, "memory").is_some();
        let mut containers = Vec::new();
        match get(td, "containerDefinitions") {
            None => self.error(
                "containerDefinitions",
                "missing required field \"containerDefinitions\" (a task definition needs at \
                 least one container)",
            ),
            Some(Value::Array(list)) if list.is_empty() => {
                self.error("containerDefinitions", "must list at least one container")
            }
            Some(Value::Array(list)) if list.len() > MAX_CONTAINERS => {
                let msg = format!(
                    "{} containers: a task definition has at most {MAX_CONTAINERS} (the ECS quota \"Containers per task definition\", §8)",
                    list.len()
                );
                self.error("containerDefinitions", msg);
            }
            Some(Value::Array(list)) => {
                for (i, v) in list.iter().enumerate() {
                    let path = format!("containerDefinitions[{i}]");
                    match v {
                        Value::Object(c) => {
                            let nm = network_mode.as_deref();
                            if let Some(parsed) =
                                self.container(c, &path, nm, fargate, task_memory_given)
                            {
                                containers.push(parsed);
                            }
                        }
                        other => {
                            let msg = format!(
                                "must be a JSON object (a container), got {}",
                                describe(other)
                            );
                            self.error(&path, msg);
                        }
                    }
                }
            }
            Some(other) => {
                let msg = format!("must be a JSON array, got {}", describe(other));
                self.error("containerDefinitions", msg);
            }
        }
        self.check_containers(&containers, cpu_units, memory_mib);

        if fargate {
            self.check_fargate(td, network_mode.as_deref(), cpu_units, memory_mib);
        }

        let mut placement_constraints = Vec::new();
        if let Some(list) = self.opt_array(td, "placementConstraints", "") {
            if list.len() > MAX_PLACEMENT_CONSTRAINTS {
                self.error(
                    "placementConstraints",
                    format!(
                        "at most {MAX_PLACEMENT_CONSTRAINTS} placement constraints are allowed \
                         per task, got {}",
                        list.len()
                    ),
                );
            }
            for (i, v) in list.iter().enumerate() {
                let path = format!("placementConstraints[{i}]");
                let Value::Object(pc) = v else {
                    let msg = format!("must be a JSON object, got {}", describe(v));
                    self.error(&path, msg);
                    continue;
                };
                let kind = self.opt_string(pc, "type", &path);
                let expression = self.opt_string(pc, "expression", &path);
                match kind {
                    Some(k) if k == "memberOf" => {
                        placement_constraints.push(AwsPlacementConstraint {
                            kind: k,
                            expression,
                        })
                    }
                    Some(k) => {
                        let msg = format!(
                            "task definition placement constraints support only type \
                             \"memberOf\", got \"{k}\""
                        );
                        self.error(&join(&path, "type"), msg);
                    }
                    None => {
                        if get(pc, "type").is_none() {
                            self.missing(&join(&path, "type"), "type");
                        }
                    }
                }
            }
        }

        AwsTaskDefinition {
            family,
            network_mode,
            requires_compatibilities,
            cpu_units,
            memory_mib,
            cpu_architecture,
            ephemeral_storage_gib,
            containers,
            placement_constraints,
        }
    }

    /// Cross-container rules: an essential container, unique names, totals within task size.
    fn check_containers(
        &mut self,
        containers: &[AwsContainer],
        cpu_units: Option<u32>,
        memory_mib: Option<u32>,
    ) {
        if containers.is_empty() {
            return;
        }
        if !containers.iter().any(|c| c.essential) {
            self.error(
                "containerDefinitions",
                "at least one container must be essential",
            );
        }
        for (i, c) in containers.iter().enumerate() {
            if containers[..i].iter().any(|p| p.name == c.name) {
                let msg = format!("duplicate container name \"{}\"", c.name);
                self.error(&format!("containerDefinitions[{i}].name"), msg);
            }
        }
        // API ContainerDefinition: "The total amount of memory reserved for all containers within
        // a task must be lower than the task memory value" (and the same for cpu). Equal is
        // accepted in practice (reference §9.1 example), so only "more than" is reported.
        if let Some(task_mem) = memory_mib {
            let total: u64 = containers
                .iter()
                .map(|c| u64::from(c.memory_reservation.or(c.memory).unwrap_or(0)))
                .sum();
            if total > u64::from(task_mem) {
                self.error(
                    "memory",
                    format!(
                        "containers reserve {total} MiB in total (memoryReservation, else \
                         memory), more than the task-level memory of {task_mem} MiB"
                    ),
                );
            }
        }
        if let Some(task_cpu) = cpu_units {
            let total: u64 = containers.iter().map(|c| u64::from(c.cpu)).sum();
            if total > u64::from(task_cpu) {
                self.error(
                    "cpu",
                    format!(
                        "containers reserve {total} CPU units in total, more than the \
                         task-level cpu of {task_cpu} units"
                    ),
                );
            }
        }
    }

    /// Fargate needs task-level cpu and memory (reference §5.1) and `awsvpc` (reference §9.1).
    /// The size grid itself is checked elsewhere (the Fargate size module).
    fn check_fargate(
        &mut self,
        td: &Map<String, Value>,
        network_mode: Option<&str>,
        cpu_units: Option<u32>,
        memory_mib: Option<u32>,
    ) {
        if cpu_units.is_none() && get(td, "cpu").is_none() {
            self.error(
                "cpu",
                "Fargate requires task-level cpu, e.g. \"256\" or \"1 vCPU\"",
            );
        }
        if memory_mib.is_none() && get(td, "memory").is_none() {
            self.error(
                "memory",
                "Fargate requires task-level memory, e.g. \"512\" or \"2 GB\"",
            );
        }
        match network_mode {
            Some("awsvpc") => {}
            Some(m) if !NETWORK_MODES.contains(&m) => {} // already reported
            Some(m) => self.error(
                "networkMode",
                format!("Fargate supports only networkMode \"awsvpc\", got \"{m}\""),
            ),
            None => self.error("networkMode", "Fargate requires networkMode \"awsvpc\""),
        }
    }

    fn container(
        &mut self,
        c: &Map<String, Value>,
        path: &str,
        network_mode: Option<&str>,
        fargate: bool,
        task_memory_given: bool,
    ) -> Option<AwsContainer> {
        let name = self.opt_string(c, "name", path);
        match &name {
            Some(n) if !valid_name(n) => {
                let msg =
                    format!("must be 1-255 letters, digits, hyphens or underscores, got \"{n}\"");
                self.error(&join(path, "name"), msg);
            }
            Some(_) => {}
            None => {
                if get(c, "name").is_none() {
                    self.missing(&join(path, "name"), "name");
                }
            }
        }
        let image = self.opt_string(c, "image", path);
        let essential = self.opt_bool(c, "essential", path).unwrap_or(true);
        let cpu = self.opt_u32(c, "cpu", path).unwrap_or(0);
        let memory = self.opt_u32(c, "memory", path);
        let memory_reservation = self.opt_u32(c, "memoryReservation", path);

        // Reference §6.1 (DG task_definition_parameters).
        if let (Some(m), Some(r)) = (memory, memory_reservation)
            && r >= m
        {
            self.error(
                &join(path, "memoryReservation"),
                format!(
                    "memoryReservation ({r} MiB) must be less than memory ({m} MiB): memory is \
                     the hard limit and memoryReservation the soft limit (AWS requires memory > \
                     memoryReservation)"
                ),
            );
        }
        if !fargate
            && !task_memory_given
            && get(c, "memory").is_none()
            && get(c, "memoryReservation").is_none()
        {
            self.error(
                path,
                "container sets neither memory nor memoryReservation and the task has no \
                 task-level memory; the EC2 launch type needs one of them",
            );
        }

        let mut port_mappings = Vec::new();
        if let Some(list) = self.opt_array(c, "portMappings", path) {
            for (i, v) in list.iter().enumerate() {
                let pm_path = format!("{path}.portMappings[{i}]");
                match v {
                    Value::Object(pm) => {
                        if let Some(p) = self.port_mapping(pm, &pm_path, network_mode) {
                            port_mappings.push(p);
                        }
                    }
                    other => {
                        let msg = format!("must be a JSON object, got {}", describe(other));
                        self.error(&pm_path, msg);
                    }
                }
            }
        }

        let health_check = self
            .opt_object(c, "healthCheck", path)
            .and_then(|hc| self.health_check(hc, &join(path, "healthCheck")));

        let stop_timeout_s = self.opt_u32(c, "stopTimeout", path);
        if let Some(t) = stop_timeout_s
            && fargate
            && t > FARGATE_MAX_STOP_TIMEOUT_S
        {
            self.error(
                &join(path, "stopTimeout"),
                format!(
                    "stopTimeout {t} s exceeds the Fargate maximum of \
                     {FARGATE_MAX_STOP_TIMEOUT_S} s"
                ),
            );
        }

        Some(AwsContainer {
            name: name?,
            image,
            essential,
            cpu,
            memory,
            memory_reservation,
            port_mappings,
            health_check,
            stop_timeout_s,
        })
    }

    fn port_mapping(
        &mut self,
        pm: &Map<String, Value>,
        path: &str,
        network_mode: Option<&str>,
    ) -> Option<AwsPortMapping> {
        if get(pm, "containerPort").is_none() {
            if get(pm, "containerPortRange").is_some() {
                self.error(
                    &join(path, "containerPortRange"),
                    "containerPortRange is not supported by ecsim; give containerPort",
                );
            } else {
                self.missing(&join(path, "containerPort"), "containerPort");
            }
        }
        let container_port = self.opt_u32_in(pm, "containerPort", path, (1, 65535));
        let host_port = self.opt_u32_in(pm, "hostPort", path, (0, 65535));
        let protocol = self
            .opt_string(pm, "protocol", path)
            .unwrap_or_else(|| "tcp".to_string());
        if protocol != "tcp" && protocol != "udp" {
            let msg = format!("must be \"tcp\" or \"udp\", got \"{protocol}\"");
            self.error(&join(path, "protocol"), msg);
        }
        let container_port = u16::try_from(container_port?).ok()?;
        let host_port = host_port.and_then(|h| u16::try_from(h).ok());
        // Reference §9.1: in awsvpc and host modes hostPort must equal containerPort or be omitted.
        if let (Some(mode @ ("awsvpc" | "host")), Some(h)) = (network_mode, host_port)
            && h != 0
            && h != container_port
        {
            self.error(
                &join(path, "hostPort"),
                format!(
                    "in {mode} network mode hostPort must equal containerPort \
                     ({container_port}) or be omitted, got {h}"
                ),
            );
        }
        Some(AwsPortMapping {
            container_port,
            host_port,
            protocol,
        })
    }

    /// Health check with reference §2.5 ranges and defaults.
    fn health_check(&mut self, hc: &Map<String, Value>, path: &str) -> Option<AwsHealthCheck> {
        let mut command = Vec::new();
        let mut command_ok = true;
        match self.opt_array(hc, "command", path) {
            Some(list) if !list.is_empty() => {
                for (i, v) in list.iter().enumerate() {
                    match v {
                        Value::String(s) => command.push(s.clone()),
                        other => {
                            let msg = format!("must be a string, got {}", describe(other));
                            self.error(&format!("{path}.command[{i}]"), msg);
                            command_ok = false;
                        }
                    }
                }
            }
            Some(_) => {
                self.error(
                    &join(path, "command"),
                    "must not be empty, e.g. [\"CMD-SHELL\", \"curl -f http://localhost/ || exit 1\"]",
                );
                command_ok = false;
            }
            None => {
                if get(hc, "command").is_none() {
                    self.missing(&join(path, "command"), "command");
                }
                command_ok = false;
            }
        }
        let interval = self.opt_u32_in(hc, "interval", path, (5, 300));
        let timeout = self.opt_u32_in(hc, "timeout", path, (2, 60));
        let retries = self.opt_u32_in(hc, "retries", path, (1, 10));
        let start_period = self.opt_u32_in(hc, "startPeriod", path, (0, 300));
        command_ok.then(|| AwsHealthCheck {
            command,
            interval_s: interval.unwrap_or(30),
            timeout_s: timeout.unwrap_or(5),
            retries: retries.unwrap_or(3),
            start_period_s: start_period.unwrap_or(0),
        })
    }
}

/// Positions (1-based line, column in characters) of every object key and array element in
/// `text`, by JSON path (`a.b[2].c`); the root value is at path `""`. Only meaningful for text
/// that serde_json has accepted; on anything else it still ends without panicking. Keys with
/// escape sequences may not match (their fields then fall back to the parent's position).
fn index_positions(text: &str) -> HashMap<String, (usize, usize)> {
    let mut s = Scanner {
        chars: text.chars().collect(),
        i: 0,
        line: 1,
        col: 1,
        map: HashMap::new(),
    };
    s.skip_ws();
    let root = s.pos();
    s.map.insert(String::new(), root);
    s.value("");
    s.map
}

/// A minimal JSON walker that only tracks positions.
struct Scanner {
    chars: Vec<char>,
    i: usize,
    line: usize,
    col: usize,
    map: HashMap<String, (usize, usize)>,
}

impl Scanner {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.i += 1;
            if c == '\n' {
                self.line += 1;
                self.col = 1;
            } else {
                self.col += 1;
            }
        }
    }

    fn pos(&self) -> (usize, usize) {
        (self.line, self.col)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_whitespace()) {
            self.bump();
        }
    }

    fn value(&mut self, path: &str) {
        self.skip_ws();
        match self.peek() {
            Some('{') => self.object(path),
            Some('[') => self.array(path),
            Some('"') => {
                self.string();
            }
            _ => {
                while matches!(self.peek(), Some(c) if !c.is_whitespace() && !matches!(c, ',' | '}' | ']'))
                {
                    self.bump();
                }
            }
        }
    }

    /// Reads a string starting at its opening quote; escapes are reduced to the escaped char.
    fn string(&mut self) -> String {
        self.bump();
        let mut out = String::new();
        while let Some(c) = self.peek() {
            self.bump();
            match c {
                '"' => break,
                '\\' => {
                    if let Some(e) = self.peek() {
                        out.push(e);
                        self.bump();
                    }
                }
                _ => out.push(c),
            }
        }
        out
    }

    fn object(&mut self, path: &str) {
        self.bump();
        loop {
            self.skip_ws();
            match self.peek() {
                Some('"') => {
                    let at = self.pos();
                    let key = self.string();
                    let child = join(path, &key);
                    self.map.insert(child.clone(), at);
                    self.skip_ws();
                    if self.peek() == Some(':') {
                        self.bump();
                    }
                    self.value(&child);
                }
                Some('}') => {
                    self.bump();
                    return;
                }
                None => return,
                Some(_) => self.bump(), // ',' between members (or junk in invalid text)
            }
        }
    }

    fn array(&mut self, path: &str) {
        self.bump();
        let mut idx = 0;
        loop {
            self.skip_ws();
            match self.peek() {
                Some(']') => {
                    self.bump();
                    return;
                }
                None => return,
                Some(',') => self.bump(),
                Some(_) => {
                    let child = format!("{path}[{idx}]");
                    let before = self.i;
                    self.map.insert(child.clone(), self.pos());
                    self.value(&child);
                    if self.i == before {
                        self.bump(); // invalid text: make progress
                    }
                    idx += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
