//! Reading an export folder: every `*.json` file in it and in `taskdefs/`, each recognised as the output of
//! one AWS CLI command by its top-level key, so a command whose output is paged over several files
//! (`describe-services` takes 10 services a call, `describe-tasks` 100 tasks) may write `services-2.json`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::ImportError;

/// The AWS CLI commands whose output `ecsim import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Command {
    /// `aws ecs describe-clusters` → `{"clusters": […]}`.
    DescribeClusters,
    /// `aws ecs describe-capacity-providers` → `{"capacityProviders": […]}`.
    DescribeCapacityProviders,
    /// `aws autoscaling describe-auto-scaling-groups` → `{"AutoScalingGroups": […]}`.
    DescribeAutoScalingGroups,
    /// `aws ecs describe-services` → `{"services": […]}`.
    DescribeServices,
    /// `aws ecs describe-task-definition` → `{"taskDefinition": {…}}` (one file per task definition).
    DescribeTaskDefinition,
    /// `aws application-autoscaling describe-scalable-targets` → `{"ScalableTargets": […]}`.
    DescribeScalableTargets,
    /// `aws application-autoscaling describe-scaling-policies` → `{"ScalingPolicies": […]}`.
    DescribeScalingPolicies,
    /// `aws application-autoscaling describe-scheduled-actions` → `{"ScheduledActions": […]}`.
    DescribeScheduledActions,
    /// `aws ecs describe-tasks` → `{"tasks": […]}`.
    DescribeTasks,
    /// `aws cloudwatch get-metric-data` → `{"MetricDataResults": […]}` (optional: series to replay).
    GetMetricData,
    /// The request of that call, as `--cli-input-json` reads it → `{"MetricDataQueries": […]}` (optional:
    /// each series' metric and dimensions, which the output does not repeat).
    GetMetricDataRequest,
}

/// Every command, in the order the report lists them.
pub const COMMANDS: [Command; 11] = [
    Command::DescribeClusters,
    Command::DescribeCapacityProviders,
    Command::DescribeAutoScalingGroups,
    Command::DescribeServices,
    Command::DescribeTaskDefinition,
    Command::DescribeScalableTargets,
    Command::DescribeScalingPolicies,
    Command::DescribeScheduledActions,
    Command::DescribeTasks,
    Command::GetMetricData,
    Command::GetMetricDataRequest,
];

impl Command {
    /// The CLI command line, e.g. `aws ecs describe-services`.
    pub fn cli(self) -> &'static str {
        match self {
            Command::DescribeClusters => "aws ecs describe-clusters",
            Command::DescribeCapacityProviders => "aws ecs describe-capacity-providers",
            Command::DescribeAutoScalingGroups => "aws autoscaling describe-auto-scaling-groups",
            Command::DescribeServices => "aws ecs describe-services",
            Command::DescribeTaskDefinition => "aws ecs describe-task-definition",
            Command::DescribeScalableTargets => {
                "aws application-autoscaling describe-scalable-targets"
            }
            Command::DescribeScalingPolicies => {
                "aws application-autoscaling describe-scaling-policies"
            }
            Command::DescribeScheduledActions => {
                "aws application-autoscaling describe-scheduled-actions"
            }
            Command::DescribeTasks => "aws ecs describe-tasks",
            Command::GetMetricData => "aws cloudwatch get-metric-data",
            Command::GetMetricDataRequest => "aws cloudwatch get-metric-data --cli-input-json",
        }
    }

    /// The top-level key of its output.
    pub fn key(self) -> &'static str {
        match self {
            Command::DescribeClusters => "clusters",
            Command::DescribeCapacityProviders => "capacityProviders",
            Command::DescribeAutoScalingGroups => "AutoScalingGroups",
            Command::DescribeServices => "services",
            Command::DescribeTaskDefinition => "taskDefinition",
            Command::DescribeScalableTargets => "ScalableTargets",
            Command::DescribeScalingPolicies => "ScalingPolicies",
            Command::DescribeScheduledActions => "ScheduledActions",
            Command::DescribeTasks => "tasks",
            Command::GetMetricData => "MetricDataResults",
            Command::GetMetricDataRequest => "MetricDataQueries",
        }
    }

    /// The file name `scripts/export-cluster.sh` writes (task definitions go to `taskdefs/`).
    pub fn file_name(self) -> &'static str {
        match self {
            Command::DescribeClusters => "clusters.json",
            Command::DescribeCapacityProviders => "capacity-providers.json",
            Command::DescribeAutoScalingGroups => "auto-scaling-groups.json",
            Command::DescribeServices => "services.json",
            Command::DescribeTaskDefinition => "taskdefs/<family>-<revision>.json",
            Command::DescribeScalableTargets => "scalable-targets.json",
            Command::DescribeScalingPolicies => "scaling-policies.json",
            Command::DescribeScheduledActions => "scheduled-actions.json",
            Command::DescribeTasks => "tasks.json",
            Command::GetMetricData => "metrics.json",
            Command::GetMetricDataRequest => "metric-queries.json",
        }
    }

    /// The command a file's name says it holds: `services.json`, `services-2.json`, `tasks-3.json`, and
    /// anything under `taskdefs/`.
    fn from_file_name(rel: &str) -> Option<Command> {
        if rel.starts_with("taskdefs/") {
            return Some(Command::DescribeTaskDefinition);
        }
        let stem = rel.strip_suffix(".json")?;
        let base = match stem.rsplit_once('-') {
            Some((b, n)) if n.bytes().all(|c| c.is_ascii_digit()) && !n.is_empty() => b,
            _ => stem,
        };
        COMMANDS
            .into_iter()
            .find(|c| c.file_name().strip_suffix(".json") == Some(base))
    }
}

/// Other commands users are likely to save by mistake, recognised by their top-level key.
const LOOKALIKES: [(&str, &str); 9] = [
    ("serviceArns", "aws ecs list-services"),
    ("taskArns", "aws ecs list-tasks"),
    ("taskDefinitionArns", "aws ecs list-task-definitions"),
    ("clusterArns", "aws ecs list-clusters"),
    ("containerInstances", "aws ecs describe-container-instances"),
    ("containerInstanceArns", "aws ecs list-container-instances"),
    ("Reservations", "aws ec2 describe-instances"),
    ("MetricAlarms", "aws cloudwatch describe-alarms"),
    (
        "ScalingActivities",
        "aws application-autoscaling describe-scaling-activities",
    ),
];

/// One JSON file of the export, parsed.
#[derive(Debug, Clone)]
pub struct ExportFile {
    /// Path relative to the export folder, with `/` separators (`services.json`, `taskdefs/web-7.json`).
    pub rel: String,
    /// The command it is the output of.
    pub command: Command,
    /// The parsed document.
    pub json: Value,
}

/// Read every `*.json` in `dir` and `dir/taskdefs/`, sorted by name (so the output does not depend on the
/// order the file system lists them).
pub fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, ImportError> {
    let mut out = Vec::new();
    for (sub, prefix) in [(dir.to_path_buf(), ""), (dir.join("taskdefs"), "taskdefs/")] {
        if prefix.is_empty() && !dir.is_dir() {
            return Err(ImportError::at(
                dir,
                format!("{} is not a folder", dir.display()),
            ));
        }
        let Ok(entries) = std::fs::read_dir(&sub) else {
            continue;
        };
        let mut names: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        for p in names {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| ImportError::at(&p, format!("cannot read: {e}")))?;
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            out.push((format!("{prefix}{name}"), text));
        }
    }
    Ok(out)
}

/// Parse and recognise one file. Malformed JSON is an error at its line and column; a file whose content
/// is another command's output than its name says, or no command import reads, is an error saying which
/// command it looks like and which were expected.
pub fn classify(dir: &Path, rel: &str, text: &str) -> Result<ExportFile, ImportError> {
    let path = dir.join(rel);
    let json: Value = serde_json::from_str(text).map_err(|e| ImportError {
        file: Some(path.clone()),
        line: e.line(),
        column: e.column(),
        message: format!("malformed JSON: {e}"),
    })?;
    let obj = json.as_object();
    let by_content = COMMANDS
        .into_iter()
        .find(|c| obj.is_some_and(|o| o.contains_key(c.key())))
        .or_else(|| {
            // The input shape of register-task-definition, as `[[task_definitions]] file` accepts it.
            obj.filter(|o| o.contains_key("family") && o.contains_key("containerDefinitions"))
                .map(|_| Command::DescribeTaskDefinition)
        });
    let by_name = Command::from_file_name(rel);
    let expected = || match by_name {
        Some(c) => format!("expected the output of `{}`", c.cli()),
        None => format!(
            "expected the output of one of: {}",
            COMMANDS.map(|c| format!("`{}`", c.cli())).join(", ")
        ),
    };
    match (by_content, by_name) {
        (Some(c), Some(n)) if c != n => Err(ImportError::at(
            &path,
            format!(
                "this looks like the output of `{}` (top-level key \"{}\"), {}",
                c.cli(),
                c.key(),
                expected()
            ),
        )),
        (Some(c), _) => Ok(ExportFile {
            rel: rel.to_string(),
            command: c,
            json,
        }),
        (None, _) => {
            let looks = obj.and_then(|o| {
                LOOKALIKES
                    .iter()
                    .find(|(k, _)| o.contains_key(*k))
                    .map(|(k, c)| {
                        format!("this looks like the output of `{c}` (top-level key \"{k}\"), ")
                    })
            });
            let keys = obj.map_or("not a JSON object".to_string(), |o| {
                format!(
                    "top-level keys: {}",
                    o.keys().take(5).cloned().collect::<Vec<_>>().join(", ")
                )
            });
            Err(ImportError::at(
                &path,
                match looks {
                    Some(l) => format!("{l}{}", expected()),
                    None => format!(
                        "not the output of a command import reads ({keys}); {}",
                        expected()
                    ),
                },
            ))
        }
    }
}
