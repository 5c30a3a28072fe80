//! The parts of each AWS object that the scenario uses, read from the JSON with the field accounting of
//! [`Ledger::account`]: every top-level field is either used, read but not modelled, or unknown to the
//! API reference — and the report lists the last two kinds, so nothing is dropped silently.

use serde_json::{Map, Value};

use super::Ledger;
use crate::scenario::taskdef_json::{AwsTaskDefinition, parse_task_definition_json};

/// Fields of `Cluster` (ECS API reference) beyond those used.
pub const CLUSTER_KNOWN: &[&str] = &[
    "configuration",
    "status",
    "registeredContainerInstancesCount",
    "runningTasksCount",
    "pendingTasksCount",
    "activeServicesCount",
    "statistics",
    "tags",
    "settings",
    "attachments",
    "attachmentsStatus",
    "serviceConnectDefaults",
];
const CLUSTER_USED: &[&str] = &[
    "clusterArn",
    "clusterName",
    "capacityProviders",
    "defaultCapacityProviderStrategy",
];
const CP_USED: &[&str] = &["capacityProviderArn", "name", "autoScalingGroupProvider"];
const CP_KNOWN: &[&str] = &[
    "status",
    "updateStatus",
    "updateStatusReason",
    "tags",
    "cluster",
    "type",
    "managedInstancesProvider",
];
const ASG_USED: &[&str] = &[
    "AutoScalingGroupName",
    "AutoScalingGroupARN",
    "MinSize",
    "MaxSize",
    "DesiredCapacity",
    "AvailabilityZones",
    "Instances",
    "MixedInstancesPolicy",
];
const ASG_KNOWN: &[&str] = &[
    "LaunchConfigurationName",
    "LaunchTemplate",
    "PredictedCapacity",
    "DefaultCooldown",
    "LoadBalancerNames",
    "TargetGroupARNs",
    "HealthCheckType",
    "HealthCheckGracePeriod",
    "CreatedTime",
    "SuspendedProcesses",
    "PlacementGroup",
    "VPCZoneIdentifier",
    "EnabledMetrics",
    "Status",
    "Tags",
    "TerminationPolicies",
    "NewInstancesProtectedFromScaleIn",
    "ServiceLinkedRoleARN",
    "MaxInstanceLifetime",
    "CapacityRebalance",
    "WarmPoolConfiguration",
    "WarmPoolSize",
    "Context",
    "DesiredCapacityType",
    "DefaultInstanceWarmup",
    "TrafficSources",
    "InstanceMaintenancePolicy",
    "AvailabilityZoneDistribution",
    "AvailabilityZoneImpairmentPolicy",
    "CapacityReservationSpecification",
];
const SERVICE_USED: &[&str] = &[
    "serviceArn",
    "serviceName",
    "clusterArn",
    "desiredCount",
    "launchType",
    "capacityProviderStrategy",
    "taskDefinition",
    "placementConstraints",
    "placementStrategy",
    "schedulingStrategy",
    "deploymentConfiguration",
    "healthCheckGracePeriodSeconds",
    "availabilityZoneRebalancing",
    "loadBalancers",
];
const SERVICE_KNOWN: &[&str] = &[
    "serviceRegistries",
    "status",
    "runningCount",
    "pendingCount",
    "platformVersion",
    "platformFamily",
    "taskSets",
    "deployments",
    "roleArn",
    "events",
    "createdAt",
    "currentServiceDeployment",
    "currentServiceRevisions",
    "networkConfiguration",
    "deploymentController",
    "tags",
    "createdBy",
    "enableECSManagedTags",
    "propagateTags",
    "enableExecuteCommand",
    "resourceManagementType",
];
const TARGET_USED: &[&str] = &[
    "ServiceNamespace",
    "ResourceId",
    "ScalableDimension",
    "MinCapacity",
    "MaxCapacity",
    "SuspendedState",
];
const TARGET_KNOWN: &[&str] = &[
    "PredictedCapacity",
    "RoleARN",
    "CreationTime",
    "ScalableTargetARN",
];
const POLICY_USED: &[&str] = &[
    "PolicyName",
    "ServiceNamespace",
    "ResourceId",
    "ScalableDimension",
    "PolicyType",
    "TargetTrackingScalingPolicyConfiguration",
];
const ACTION_USED: &[&str] = &[
    "ScheduledActionName",
    "ServiceNamespace",
    "ResourceId",
    "ScalableDimension",
    "Schedule",
    "Timezone",
    "StartTime",
    "EndTime",
    "ScalableTargetAction",
];
const ACTION_KNOWN: &[&str] = &["ScheduledActionARN", "CreationTime"];
const POLICY_KNOWN: &[&str] = &[
    "PolicyARN",
    "StepScalingPolicyConfiguration",
    "PredictiveScalingPolicyConfiguration",
    "Alarms",
    "CreationTime",
];
const TASK_USED: &[&str] = &[
    "taskArn",
    "launchType",
    "capacityProviderName",
    "availabilityZone",
    "createdAt",
    "pullStartedAt",
    "pullStoppedAt",
    "startedAt",
    "group",
];
const TASK_KNOWN: &[&str] = &[
    "attachments",
    "attributes",
    "clusterArn",
    "connectivity",
    "connectivityAt",
    "containerInstanceArn",
    "containers",
    "cpu",
    "desiredStatus",
    "enableExecuteCommand",
    "ephemeralStorage",
    "executionStoppedAt",
    "fargateEphemeralStorage",
    "healthStatus",
    "inferenceAccelerators",
    "lastStatus",
    "memory",
    "overrides",
    "platformFamily",
    "platformVersion",
    "startedBy",
    "stopCode",
    "stoppedAt",
    "stoppedReason",
    "stoppingAt",
    "tags",
    "taskDefinitionArn",
    "version",
];
/// Task-definition fields placement or the lifecycle use; the others are listed as not modelled.
pub const TASKDEF_USED: &[&str] = &[
    "family",
    "networkMode",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "runtimePlatform",
    "ephemeralStorage",
    "containerDefinitions",
    "placementConstraints",
    "taskDefinitionArn",
    "revision",
];
/// Container fields placement or the lifecycle use; the others are listed as not modelled.
pub const CONTAINER_USED: &[&str] = &[
    "name",
    "image",
    "essential",
    "cpu",
    "memory",
    "memoryReservation",
    "portMappings",
    "healthCheck",
    "stopTimeout",
];

/// `s(obj, key)`: a string field.
pub fn s<'a>(o: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    o.get(k).and_then(Value::as_str)
}

/// `u(obj, key)`: a non-negative integer field (AWS writes some as numbers with a fraction: `60.0`).
pub fn u(o: &Map<String, Value>, k: &str) -> Option<u64> {
    let v = o.get(k)?;
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| *f >= 0.0 && f.fract() == 0.0)
            .map(|f| f as u64)
    })
}

fn arr<'a>(o: &'a Map<String, Value>, k: &str) -> impl Iterator<Item = &'a Map<String, Value>> {
    o.get(k)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

/// One capacity provider strategy item.
#[derive(Debug, Clone)]
pub struct Strategy {
    /// `capacityProvider`.
    pub provider: String,
    /// `base` (default 0).
    pub base: u64,
    /// `weight` (default 0).
    pub weight: u64,
}

fn strategy(o: &Map<String, Value>, k: &str) -> Vec<Strategy> {
    arr(o, k)
        .filter_map(|i| {
            Some(Strategy {
                provider: s(i, "capacityProvider")?.to_string(),
                base: u(i, "base").unwrap_or(0),
                weight: u(i, "weight").unwrap_or(0),
            })
        })
        .collect()
}

/// `describe-clusters`: one cluster.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// `clusterName`.
    pub name: String,
    /// `clusterArn`.
    pub arn: Option<String>,
    /// `capacityProviders`.
    pub capacity_providers: Vec<String>,
    /// `defaultCapacityProviderStrategy`.
    pub default_strategy: Vec<Strategy>,
}

/// Read `describe-clusters` output.
pub fn clusters(rel: &str, doc: &Value, l: &mut Ledger) -> Vec<Cluster> {
    let mut out = Vec::new();
    for c in doc
        .get("clusters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(o) = c.as_object() else { continue };
        let name = s(o, "clusterName").unwrap_or("default").to_string();
        l.account(rel, "clusters[]", o, &name, CLUSTER_USED, CLUSTER_KNOWN);
        out.push(Cluster {
            arn: s(o, "clusterArn").map(str::to_string),
            capacity_providers: o
                .get("capacityProviders")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            default_strategy: strategy(o, "defaultCapacityProviderStrategy"),
            name,
        });
    }
    out
}

/// `describe-capacity-providers`: an Auto Scaling group provider (FARGATE/FARGATE_SPOT are built in).
#[derive(Debug, Clone)]
pub struct CapacityProvider {
    /// `name`.
    pub name: String,
    /// `autoScalingGroupProvider.autoScalingGroupArn` (an ARN or a group name).
    pub asg: Option<String>,
    /// `managedScaling` as (status, targetCapacity, minimumScalingStepSize, maximumScalingStepSize,
    /// instanceWarmupPeriod).
    pub managed_scaling: Option<ManagedScaling>,
    /// `managedTerminationProtection`.
    pub managed_termination_protection: Option<String>,
    /// Where it came from (`capacity-providers.json: capacityProviders[0]`).
    pub src: String,
}

/// `managedScaling` of an Auto Scaling group provider.
#[derive(Debug, Clone)]
pub struct ManagedScaling {
    /// `status` (`ENABLED`/`DISABLED`).
    pub status: Option<String>,
    /// `targetCapacity`, %.
    pub target_capacity: Option<u64>,
    /// `minimumScalingStepSize`.
    pub min_step: Option<u64>,
    /// `maximumScalingStepSize`.
    pub max_step: Option<u64>,
    /// `instanceWarmupPeriod`, s.
    pub warmup_s: Option<u64>,
}

/// Read `describe-capacity-providers` output (FARGATE and FARGATE_SPOT are skipped: ecsim has them).
pub fn capacity_providers(rel: &str, doc: &Value, l: &mut Ledger) -> Vec<CapacityProvider> {
    let mut out = Vec::new();
    for (i, c) in doc
        .get("capacityProviders")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(o) = c.as_object() else { continue };
        let name = s(o, "name").unwrap_or_default().to_string();
        l.account(rel, "capacityProviders[]", o, &name, CP_USED, CP_KNOWN);
        let Some(p) = o.get("autoScalingGroupProvider").and_then(Value::as_object) else {
            continue;
        };
        l.account(
            rel,
            "capacityProviders[].autoScalingGroupProvider",
            p,
            &name,
            &[
                "autoScalingGroupArn",
                "managedScaling",
                "managedTerminationProtection",
            ],
            &["managedDraining"],
        );
        let managed_scaling = p.get("managedScaling").and_then(Value::as_object).map(|m| {
            l.account(
                rel,
                "capacityProviders[].autoScalingGroupProvider.managedScaling",
                m,
                &name,
                &[
                    "status",
                    "targetCapacity",
                    "minimumScalingStepSize",
                    "maximumScalingStepSize",
                    "instanceWarmupPeriod",
                ],
                &[],
            );
            ManagedScaling {
                status: s(m, "status").map(str::to_string),
                target_capacity: u(m, "targetCapacity"),
                min_step: u(m, "minimumScalingStepSize"),
                max_step: u(m, "maximumScalingStepSize"),
                warmup_s: u(m, "instanceWarmupPeriod"),
            }
        });
        out.push(CapacityProvider {
            asg: s(p, "autoScalingGroupArn").map(str::to_string),
            managed_scaling,
            managed_termination_protection: s(p, "managedTerminationProtection")
                .map(str::to_string),
            src: format!("{rel}: capacityProviders[{i}]"),
            name,
        });
    }
    out
}

/// `describe-auto-scaling-groups`: one group.
#[derive(Debug, Clone)]
pub struct Asg {
    /// `AutoScalingGroupName`.
    pub name: String,
    /// `AutoScalingGroupARN`.
    pub arn: Option<String>,
    /// `MinSize`, `MaxSize`, `DesiredCapacity`.
    pub min: u64,
    /// `MaxSize`.
    pub max: u64,
    /// `DesiredCapacity`.
    pub desired: u64,
    /// `AvailabilityZones`.
    pub zones: Vec<String>,
    /// The instance type and where it was read: the most common `Instances[].InstanceType`, else the first
    /// `MixedInstancesPolicy.LaunchTemplate.Overrides[].InstanceType`.
    pub instance_type: Option<(String, String)>,
    /// Where it came from.
    pub src: String,
}

/// Read `describe-auto-scaling-groups` output.
pub fn asgs(rel: &str, doc: &Value, l: &mut Ledger) -> Vec<Asg> {
    let mut out = Vec::new();
    for (i, g) in doc
        .get("AutoScalingGroups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(o) = g.as_object() else { continue };
        let name = s(o, "AutoScalingGroupName").unwrap_or_default().to_string();
        l.account(rel, "AutoScalingGroups[]", o, &name, ASG_USED, ASG_KNOWN);
        let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
        for inst in arr(o, "Instances") {
            if let Some(t) = s(inst, "InstanceType") {
                *counts.entry(t).or_default() += 1;
            }
        }
        if counts.len() > 1 {
            l.note(format!(
                "{rel}: group {name} runs several instance types ({}); the scenario uses the most common one",
                counts.iter().map(|(t, n)| format!("{n} × {t}")).collect::<Vec<_>>().join(", ")
            ));
        }
        let from_instances = counts
            .iter()
            .max_by_key(|(t, n)| (**n, std::cmp::Reverse(**t)))
            .map(|(t, _)| {
                (
                    t.to_string(),
                    format!("{rel}: AutoScalingGroups[{i}].Instances[].InstanceType"),
                )
            });
        let from_mixed = || {
            let lt = o.get("MixedInstancesPolicy")?.get("LaunchTemplate")?;
            let first = lt.get("Overrides")?.as_array()?.first()?.as_object()?;
            Some((
                s(first, "InstanceType")?.to_string(),
                format!(
                    "{rel}: AutoScalingGroups[{i}].MixedInstancesPolicy.LaunchTemplate.Overrides[0].InstanceType"
                ),
            ))
        };
        out.push(Asg {
            arn: s(o, "AutoScalingGroupARN").map(str::to_string),
            min: u(o, "MinSize").unwrap_or(0),
            max: u(o, "MaxSize").unwrap_or(0),
            desired: u(o, "DesiredCapacity").unwrap_or(0),
            zones: o
                .get("AvailabilityZones")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            instance_type: from_instances.or_else(from_mixed),
            src: format!("{rel}: AutoScalingGroups[{i}]"),
            name,
        });
    }
    out
}

/// `deploymentConfiguration`: minimumHealthyPercent, maximumPercent, circuit breaker (enable, rollback).
pub type Deployment = (Option<u64>, Option<u64>, Option<(bool, bool)>);

/// `describe-services`: one service.
#[derive(Debug, Clone)]
pub struct Service {
    /// `serviceName`.
    pub name: String,
    /// `clusterArn`.
    pub cluster_arn: Option<String>,
    /// `desiredCount`.
    pub desired: Option<u64>,
    /// `schedulingStrategy`.
    pub scheduling: Option<String>,
    /// `launchType`.
    pub launch_type: Option<String>,
    /// `capacityProviderStrategy`.
    pub strategy: Vec<Strategy>,
    /// `taskDefinition` (an ARN).
    pub task_definition: String,
    /// `placementStrategy` as (type, field), in order.
    pub placement_strategy: Vec<(String, Option<String>)>,
    /// `placementConstraints` as (type, expression).
    pub placement_constraints: Vec<(String, Option<String>)>,
    /// `deploymentConfiguration`: minimumHealthyPercent, maximumPercent, circuit breaker (enable, rollback).
    pub deployment: Option<Deployment>,
    /// `healthCheckGracePeriodSeconds`.
    pub grace_s: Option<u64>,
    /// `availabilityZoneRebalancing`.
    pub az_rebalancing: Option<String>,
    /// `loadBalancers[].targetGroupArn`: the target groups its tasks register with, which name the ALB
    /// metrics of its traffic.
    pub target_groups: Vec<String>,
    /// Where it came from (`services.json: services[0]`).
    pub src: String,
}

/// Read `describe-services` output.
pub fn services(rel: &str, doc: &Value, l: &mut Ledger) -> Vec<Service> {
    let mut out = Vec::new();
    for (i, v) in doc
        .get("services")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(o) = v.as_object() else { continue };
        let name = s(o, "serviceName").unwrap_or_default().to_string();
        l.account(rel, "services[]", o, &name, SERVICE_USED, SERVICE_KNOWN);
        if let Some(t) = o
            .get("deploymentController")
            .and_then(|d| d.get("type"))
            .and_then(Value::as_str)
            .filter(|t| *t != "ECS")
        {
            // ecsim deploys with ECS's rolling update only (§2.3): a `[[deployments]]` entry added to
            // this service by hand would roll where AWS would run CodeDeploy's blue/green or leave
            // the deployment to an external controller.
            l.note(format!(
                "{rel}: service {name} has deploymentController {t}; ecsim simulates only the ECS rolling update (§2.3), so a deployment added by hand rolls instead"
            ));
        }
        let pairs = |k: &str, second: &str| -> Vec<(String, Option<String>)> {
            arr(o, k)
                .filter_map(|p| Some((s(p, "type")?.to_string(), s(p, second).map(str::to_string))))
                .collect()
        };
        let deployment = o
            .get("deploymentConfiguration")
            .and_then(Value::as_object)
            .map(|d| {
                l.account(
                    rel,
                    "services[].deploymentConfiguration",
                    d,
                    &name,
                    &[
                        "minimumHealthyPercent",
                        "maximumPercent",
                        "deploymentCircuitBreaker",
                    ],
                    &[
                        "alarms",
                        "strategy",
                        "bakeTimeInMinutes",
                        "lifecycleHooks",
                        "canaryConfiguration",
                        "linearConfiguration",
                    ],
                );
                let cb = d
                    .get("deploymentCircuitBreaker")
                    .and_then(Value::as_object)
                    .map(|c| {
                        (
                            c.get("enable").and_then(Value::as_bool).unwrap_or(false),
                            c.get("rollback").and_then(Value::as_bool).unwrap_or(false),
                        )
                    });
                (u(d, "minimumHealthyPercent"), u(d, "maximumPercent"), cb)
            });
        let mut target_groups = Vec::new();
        for lb in arr(o, "loadBalancers") {
            l.account(
                rel,
                "services[].loadBalancers[]",
                lb,
                &name,
                &["targetGroupArn"],
                &["containerName", "containerPort", "loadBalancerName"],
            );
            target_groups.extend(s(lb, "targetGroupArn").map(str::to_string));
        }
        out.push(Service {
            target_groups,
            cluster_arn: s(o, "clusterArn").map(str::to_string),
            desired: u(o, "desiredCount"),
            scheduling: s(o, "schedulingStrategy").map(str::to_string),
            launch_type: s(o, "launchType").map(str::to_string),
            strategy: strategy(o, "capacityProviderStrategy"),
            task_definition: s(o, "taskDefinition").unwrap_or_default().to_string(),
            placement_strategy: pairs("placementStrategy", "field"),
            placement_constraints: pairs("placementConstraints", "expression"),
            deployment,
            grace_s: u(o, "healthCheckGracePeriodSeconds"),
            az_rebalancing: s(o, "availabilityZoneRebalancing").map(str::to_string),
            src: format!("{rel}: services[{i}]"),
            name,
        });
    }
    out
}

/// `describe-task-definition`: one task definition, parsed by the same code as `[[task_definitions]] file`.
#[derive(Debug, Clone)]
pub struct TaskDef {
    /// The parsed definition.
    pub def: AwsTaskDefinition,
    /// `taskDefinitionArn`.
    pub arn: Option<String>,
    /// `revision`.
    pub revision: Option<u64>,
    /// The file, relative to the export folder.
    pub rel: String,
}

/// Read one `describe-task-definition` file; problems come back as (line, column, message).
pub fn task_definition(
    rel: &str,
    text: &str,
    doc: &Value,
    l: &mut Ledger,
) -> Result<TaskDef, (usize, usize, String)> {
    let def = parse_task_definition_json(text).map_err(|errs| {
        let e = &errs[0];
        let more = if errs.len() > 1 {
            format!(" (and {} more problems)", errs.len() - 1)
        } else {
            String::new()
        };
        (
            e.line,
            e.column,
            format!("{}: {}{more}", e.field, e.message),
        )
    })?;
    let td = doc.get("taskDefinition").unwrap_or(doc);
    let o = td.as_object().cloned().unwrap_or_default();
    // Everything else in a task definition is real AWS configuration ecsim does not simulate.
    let others: Vec<&str> = o
        .keys()
        .map(String::as_str)
        .filter(|k| !TASKDEF_USED.contains(k))
        .collect();
    l.account(
        rel,
        "taskDefinition",
        &o,
        &def.family,
        TASKDEF_USED,
        &others,
    );
    for c in arr(&o, "containerDefinitions") {
        let others: Vec<&str> = c
            .keys()
            .map(String::as_str)
            .filter(|k| !CONTAINER_USED.contains(k))
            .collect();
        let cname = format!("{}/{}", def.family, s(c, "name").unwrap_or("?"));
        l.account(
            rel,
            "taskDefinition.containerDefinitions[]",
            c,
            &cname,
            CONTAINER_USED,
            &others,
        );
    }
    Ok(TaskDef {
        arn: s(&o, "taskDefinitionArn").map(str::to_string),
        revision: u(&o, "revision"),
        rel: rel.to_string(),
        def,
    })
}

/// `describe-scalable-targets`: an ECS service's DesiredCount target.
#[derive(Debug, Clone)]
pub struct ScalableTarget {
    /// `ResourceId`, `service/<cluster>/<service>`.
    pub resource_id: String,
    /// `MinCapacity`.
    pub min: u64,
    /// `MaxCapacity`.
    pub max: u64,
    /// `SuspendedState`: `DynamicScalingInSuspended`, `DynamicScalingOutSuspended`.
    pub suspended_in: bool,
    /// See `suspended_in`.
    pub suspended_out: bool,
    /// `SuspendedState.ScheduledScalingSuspended`.
    pub suspended_scheduled: bool,
    /// Where it came from.
    pub src: String,
}

/// Read `describe-scalable-targets` output (targets of other namespaces are noted and skipped).
pub fn scalable_targets(rel: &str, doc: &Value, l: &mut Ledger) -> Vec<ScalableTarget> {
    let mut out = Vec::new();
    for (i, v) in doc
        .get("ScalableTargets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(o) = v.as_object() else { continue };
        let rid = s(o, "ResourceId").unwrap_or_default().to_string();
        l.account(rel, "ScalableTargets[]", o, &rid, TARGET_USED, TARGET_KNOWN);
        if s(o, "ScalableDimension") != Some("ecs:service:DesiredCount") {
            l.note(format!(
                "{rel}: ScalableTargets[{i}] ({rid}) is not an ECS service's DesiredCount; skipped"
            ));
            continue;
        }
        let flag = |k: &str| {
            o.get("SuspendedState")
                .and_then(|x| x.get(k))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        out.push(ScalableTarget {
            min: u(o, "MinCapacity").unwrap_or(0),
            max: u(o, "MaxCapacity").unwrap_or(0),
            suspended_in: flag("DynamicScalingInSuspended"),
            suspended_out: flag("DynamicScalingOutSuspended"),
            suspended_scheduled: flag("ScheduledScalingSuspended"),
            src: format!("{rel}: ScalableTargets[{i}]"),
            resource_id: rid,
        });
    }
    out
}

/// A target tracking policy on an ECS service.
#[derive(Debug, Clone)]
pub struct TargetTracking {
    /// `ResourceId`.
    pub resource_id: String,
    /// `PolicyName`.
    pub name: String,
    /// `PredefinedMetricSpecification.PredefinedMetricType`.
    pub metric: String,
    /// `TargetValue`.
    pub target: f64,
    /// `ScaleOutCooldown`, s.
    pub scale_out_cooldown_s: Option<u64>,
    /// `ScaleInCooldown`, s.
    pub scale_in_cooldown_s: Option<u64>,
    /// `DisableScaleIn`.
    pub disable_scale_in: Option<bool>,
    /// Where it came from.
    pub src: String,
}

/// Metrics ecsim's target tracking simulates (README `auto_scaling`).
const METRICS: [&str; 3] = [
    "ECSServiceAverageCPUUtilization",
    "ECSServiceAverageMemoryUtilization",
    "ALBRequestCountPerTarget",
];

/// Read `describe-scaling-policies` output: target tracking on a predefined metric ecsim simulates is
/// mapped; step scaling (its thresholds live in CloudWatch alarms, not in this output), predictive scaling
/// and customized metrics are noted as not modelled.
pub fn scaling_policies(rel: &str, doc: &Value, l: &mut Ledger) -> Vec<TargetTracking> {
    let mut out = Vec::new();
    for (i, v) in doc
        .get("ScalingPolicies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let item = ("ScalingPolicies", "PolicyName", POLICY_USED, POLICY_KNOWN);
        let Some(DesiredCountEntry { o, rid, name, here }) =
            desired_count_entry(rel, i, v, item, l)
        else {
            continue;
        };
        let Some(tt) = o
            .get("TargetTrackingScalingPolicyConfiguration")
            .and_then(Value::as_object)
        else {
            l.note(format!(
                "{here}: PolicyType {} is not imported (step scaling needs its CloudWatch alarm's threshold, from `aws cloudwatch describe-alarms`, which import does not read yet); add it by hand as a step_scaling policy",
                s(o, "PolicyType").unwrap_or("?")
            ));
            continue;
        };
        l.account(
            rel,
            "ScalingPolicies[].TargetTrackingScalingPolicyConfiguration",
            tt,
            &name,
            &[
                "TargetValue",
                "PredefinedMetricSpecification",
                "ScaleOutCooldown",
                "ScaleInCooldown",
                "DisableScaleIn",
            ],
            &["CustomizedMetricSpecification"],
        );
        let metric = tt
            .get("PredefinedMetricSpecification")
            .and_then(|p| p.get("PredefinedMetricType"))
            .and_then(Value::as_str);
        let target = tt.get("TargetValue").and_then(Value::as_f64);
        match (metric, target) {
            (Some(m), Some(t)) if METRICS.contains(&m) => out.push(TargetTracking {
                resource_id: rid,
                name,
                metric: m.to_string(),
                target: t,
                scale_out_cooldown_s: u(tt, "ScaleOutCooldown"),
                scale_in_cooldown_s: u(tt, "ScaleInCooldown"),
                disable_scale_in: tt.get("DisableScaleIn").and_then(Value::as_bool),
                src: format!(
                    "{rel}: ScalingPolicies[{i}].TargetTrackingScalingPolicyConfiguration"
                ),
            }),
            (Some(m), Some(_)) if m.ends_with("HighResolution") => l.note(format!(
                "{here}: target tracking on {m} (20-second metrics, §4.2) is simulated only with `metric_period = \"20s\"` for the whole scenario (one metric period for every service, so the 60-second policies would read 20-second datapoints too); skipped: add it by hand with that line if every scaled service uses 20-second metrics"
            )),
            _ => l.note(format!(
                "{here}: target tracking on {} is not simulated (ecsim simulates {}); skipped",
                metric.unwrap_or("a customized metric"),
                METRICS.join(", ")
            )),
        }
    }
    out
}

/// One entry of an Application Auto Scaling list on an ECS service's DesiredCount.
struct DesiredCountEntry<'d> {
    o: &'d Map<String, Value>,
    /// `ResourceId`.
    rid: String,
    /// The entry's name (`PolicyName`, `ScheduledActionName`).
    name: String,
    /// `file: List[i] (name on resource)`, for notes.
    here: String,
}

/// Entry `i` (`v`) of the Application Auto Scaling list `(list key, name key, fields used, fields
/// known)`: its fields accounted; `None` (noted) when it is not on an ECS service's DesiredCount.
fn desired_count_entry<'d>(
    rel: &str,
    i: usize,
    v: &'d Value,
    (list, name_key, used, known): (&str, &str, &[&str], &[&str]),
    l: &mut Ledger,
) -> Option<DesiredCountEntry<'d>> {
    let o = v.as_object()?;
    let rid = s(o, "ResourceId").unwrap_or_default().to_string();
    let name = s(o, name_key).unwrap_or_default().to_string();
    l.account(rel, &format!("{list}[]"), o, &name, used, known);
    let here = format!("{rel}: {list}[{i}] ({name} on {rid})");
    if s(o, "ScalableDimension") != Some("ecs:service:DesiredCount") {
        l.note(format!(
            "{here}: not an ECS service's DesiredCount; skipped"
        ));
        return None;
    }
    Some(DesiredCountEntry { o, rid, name, here })
}

/// A scheduled action on an ECS service (§4.4).
#[derive(Debug, Clone)]
pub struct ScheduledAction {
    /// `ResourceId`.
    pub resource_id: String,
    /// `ScheduledActionName`.
    pub name: String,
    /// `Schedule`: `at(…)`, `rate(…)` or `cron(…)`, as ecsim reads them.
    pub schedule: String,
    /// `Timezone` (IANA; None: UTC).
    pub timezone: Option<String>,
    /// `StartTime`, `EndTime`: ISO 8601 (CLI v2) or Unix seconds (CLI v1), as ISO 8601 in UTC.
    pub start_time: Option<String>,
    /// See `start_time`.
    pub end_time: Option<String>,
    /// `ScalableTargetAction.MinCapacity`.
    pub min: Option<u64>,
    /// `ScalableTargetAction.MaxCapacity`.
    pub max: Option<u64>,
    /// Where it came from.
    pub src: String,
}

/// A timestamp of the CLI's output as ISO 8601: v2 prints ISO 8601 (kept as it is, once it parses),
/// v1 Unix seconds (written in UTC). `None` when it is neither.
fn cli_time(v: &Value) -> Option<String> {
    match v {
        Value::String(x) => crate::time::parse_iso8601(x).is_ok().then(|| x.clone()),
        Value::Number(n) => n.as_f64().map(|t| crate::time::iso_utc(t.floor() as i64)),
        _ => None,
    }
}

/// Read `describe-scheduled-actions` output: the schedule, its time zone, start and end, and the new
/// MinCapacity / MaxCapacity of each action on an ECS service's DesiredCount.
pub fn scheduled_actions(rel: &str, doc: &Value, l: &mut Ledger) -> Vec<ScheduledAction> {
    let mut out = Vec::new();
    for (i, v) in doc
        .get("ScheduledActions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let item = (
            "ScheduledActions",
            "ScheduledActionName",
            ACTION_USED,
            ACTION_KNOWN,
        );
        let Some(DesiredCountEntry { o, rid, name, here }) =
            desired_count_entry(rel, i, v, item, l)
        else {
            continue;
        };
        let Some(schedule) = s(o, "Schedule") else {
            l.note(format!("{here}: no Schedule; skipped"));
            continue;
        };
        let action = o.get("ScalableTargetAction").and_then(Value::as_object);
        let cap = |k: &str| action.and_then(|a| u(a, k));
        let time = |k: &str, l: &mut Ledger| {
            let v = o.get(k)?;
            let t = cli_time(v);
            if t.is_none() {
                l.note(format!("{here}: {k} {v} is not a timestamp; left out"));
            }
            t
        };
        let (start_time, end_time) = (time("StartTime", l), time("EndTime", l));
        out.push(ScheduledAction {
            resource_id: rid,
            name,
            schedule: schedule.to_string(),
            timezone: s(o, "Timezone").map(str::to_string),
            start_time,
            end_time,
            min: cap("MinCapacity"),
            max: cap("MaxCapacity"),
            src: format!("{rel}: ScheduledActions[{i}]"),
        });
    }
    out
}

/// One described task's timestamps (ms since the epoch).
#[derive(Debug, Clone)]
pub struct TaskTimes {
    /// `taskArn`.
    pub arn: String,
    /// `launchType`: `EC2` or `FARGATE`.
    pub launch_type: String,
    /// `availabilityZone`.
    pub zone: Option<String>,
    /// `createdAt`, `pullStartedAt`, `pullStoppedAt`, `startedAt` (each may be missing).
    pub stamps: [Option<i64>; 4],
}

/// Read `describe-tasks` output.
pub fn tasks(rel: &str, doc: &Value, l: &mut Ledger) -> Vec<TaskTimes> {
    let mut out = Vec::new();
    for v in doc
        .get("tasks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(o) = v.as_object() else { continue };
        let arn = s(o, "taskArn").unwrap_or_default().to_string();
        let short = arn.rsplit('/').next().unwrap_or(&arn).to_string();
        l.account(rel, "tasks[]", o, &short, TASK_USED, TASK_KNOWN);
        let ts = |k: &str| o.get(k).and_then(super::fit::parse_timestamp_ms);
        out.push(TaskTimes {
            launch_type: s(o, "launchType").unwrap_or("EC2").to_string(),
            zone: s(o, "availabilityZone").map(str::to_string),
            stamps: [
                ts("createdAt"),
                ts("pullStartedAt"),
                ts("pullStoppedAt"),
                ts("startedAt"),
            ],
            arn,
        });
    }
    out
}

/// One `get-metric-data` series, oldest point first (the API answers newest first by default).
#[derive(Debug, Clone)]
pub struct MetricSeries {
    /// `Id` (the query's id, e.g. `requests`).
    pub id: String,
    /// `Label` (e.g. `RequestCount`).
    pub label: String,
    /// (ms since the epoch, value), sorted by time, one per timestamp.
    pub points: Vec<(i64, f64)>,
    /// Where it came from.
    pub src: String,
}

/// Read `get-metric-data` output; results with the same `Id` (pages the CLI joined, or several files)
/// are merged.
pub fn metric_series(rel: &str, doc: &Value, l: &mut Ledger, out: &mut Vec<MetricSeries>) -> usize {
    let mut n = 0;
    for (i, v) in doc
        .get("MetricDataResults")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(o) = v.as_object() else { continue };
        let id = s(o, "Id").unwrap_or("m").to_string();
        l.account(
            rel,
            "MetricDataResults[]",
            o,
            &id,
            &["Id", "Label", "Timestamps", "Values", "StatusCode"],
            &["Messages"],
        );
        if let Some(code) = s(o, "StatusCode").filter(|c| *c != "Complete") {
            l.note(format!("{rel}: MetricDataResults[{i}] ({id}) has StatusCode {code}: the series may be incomplete (was NextToken followed?)"));
        }
        let ts: Vec<Option<i64>> = o
            .get("Timestamps")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(super::fit::parse_timestamp_ms)
            .collect();
        let vals: Vec<Option<f64>> = o
            .get("Values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(Value::as_f64)
            .collect();
        if ts.len() != vals.len()
            || ts.iter().any(Option::is_none)
            || vals.iter().any(Option::is_none)
        {
            l.note(format!("{rel}: MetricDataResults[{i}] ({id}): Timestamps and Values do not pair up as numbers; skipped"));
            continue;
        }
        let pts = ts.into_iter().flatten().zip(vals.into_iter().flatten());
        n += 1;
        match out.iter_mut().find(|m| m.id == id) {
            Some(m) => m.points.extend(pts),
            None => out.push(MetricSeries {
                label: s(o, "Label").unwrap_or(&id).to_string(),
                points: pts.collect(),
                src: format!("{rel}: MetricDataResults[{i}]"),
                id,
            }),
        }
    }
    for m in out.iter_mut() {
        m.points.sort_by_key(|p| p.0);
        m.points.dedup_by_key(|p| p.0);
    }
    n
}
