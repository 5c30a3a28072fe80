#!/usr/bin/env bash
# Export an ECS cluster as the JSON files `ecsim import` reads (docs/import.md, issue #21).
#
#   scripts/export-cluster.sh CLUSTER DIR [SERVICE ...]
#
# Writes, with the AWS CLI v2 (credentials and region from your usual profile / AWS_REGION):
#   DIR/clusters.json               aws ecs describe-clusters
#   DIR/capacity-providers.json     aws ecs describe-capacity-providers      (the cluster's providers)
#   DIR/auto-scaling-groups.json    aws autoscaling describe-auto-scaling-groups (their groups)
#   DIR/services.json, -2, …        aws ecs describe-services                (10 services a call)
#   DIR/taskdefs/FAMILY-REV.json    aws ecs describe-task-definition         (one per service)
#   DIR/scalable-targets.json       aws application-autoscaling describe-scalable-targets
#   DIR/scaling-policies.json, -2…  aws application-autoscaling describe-scaling-policies (one per service)
#   DIR/scheduled-actions.json, -2… aws application-autoscaling describe-scheduled-actions (one per service)
#   DIR/tasks.json, -2, …           aws ecs describe-tasks                   (100 tasks a call)
#   DIR/metric-queries.json         the get-metric-data request              (only with START and END)
#   DIR/metrics.json                aws cloudwatch get-metric-data --cli-input-json file://DIR/metric-queries.json
# With no SERVICE, every service of the cluster. With START and END (ISO 8601, the time window), also per
# service, Period 60 s: AWS/ECS CPUUtilization (Average), Container Insights RunningTaskCount and
# DesiredTaskCount (Average; Container Insights must be on), and for the service's first target group the
# ALB's RequestCount (Sum) and TargetResponseTime (p99), its load balancer found with
# `aws elbv2 describe-target-groups`. Import attaches the RequestCount to the service as its load and
# estimates cpu_ms_per_request from it; `ecsim calibrate --observed DIR` compares the rest with a run.
# The request is saved (metric-queries.json) because the output names a series only by its Id, and import
# needs each series' metric and dimensions. The time window of the described tasks is what ECS still
# lists: RUNNING tasks and tasks that stopped recently (ECS keeps stopped tasks visible for about an hour),
# so export soon after the period you want to calibrate against (a deployment, a scale-out).
# Read-only: only describe-*, list-* and get-metric-data calls.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 CLUSTER DIR [SERVICE ...]" >&2
  exit 2
fi
cluster=$1
dir=$2
shift 2
mkdir -p "$dir/taskdefs"

awsj() { aws --output json "$@"; }
# Words of a --output text answer, one a line (text output separates list items with tabs).
words() { tr '\t' '\n' | sed '/^$/d;/^None$/d'; }
# Write the output of one call per batch of at most $1 items: FILE.json, FILE-2.json, …
batched() {
  local size=$1 file=$2
  shift 2
  local -a items=()
  mapfile -t items
  local n=0 page=1 out
  while ((n < ${#items[@]})); do
    out="$dir/$file.json"
    ((page > 1)) && out="$dir/$file-$page.json"
    "$@" "${items[@]:n:size}" >"$out"
    n=$((n + size))
    page=$((page + 1))
  done
}

awsj ecs describe-clusters --clusters "$cluster" --include SETTINGS ATTACHMENTS TAGS >"$dir/clusters.json"

if [[ $# -gt 0 ]]; then
  services=("$@")
else
  mapfile -t services < <(aws ecs list-services --cluster "$cluster" --query 'serviceArns[]' --output text | words)
fi
printf '%s\n' "${services[@]}" | batched 10 services awsj ecs describe-services --cluster "$cluster" --services

# Capacity providers of the cluster, and the Auto Scaling groups behind them.
mapfile -t cps < <(aws ecs describe-clusters --clusters "$cluster" --query 'clusters[0].capacityProviders[]' --output text | words)
if [[ ${#cps[@]} -gt 0 ]]; then
  awsj ecs describe-capacity-providers --capacity-providers "${cps[@]}" >"$dir/capacity-providers.json"
  mapfile -t asgs < <(aws ecs describe-capacity-providers --capacity-providers "${cps[@]}" \
    --query 'capacityProviders[].autoScalingGroupProvider.autoScalingGroupArn' --output text | words |
    sed 's#.*autoScalingGroupName/##')
  if [[ ${#asgs[@]} -gt 0 ]]; then
    awsj autoscaling describe-auto-scaling-groups --auto-scaling-group-names "${asgs[@]}" >"$dir/auto-scaling-groups.json"
  fi
fi

# One describe-task-definition file per task definition in use (taskdefs/FAMILY-REVISION.json).
for svc in "${services[@]}"; do
  td=$(aws ecs describe-services --cluster "$cluster" --services "$svc" --query 'services[0].taskDefinition' --output text)
  tail=${td##*/}
  awsj ecs describe-task-definition --task-definition "$td" >"$dir/taskdefs/${tail/:/-}.json"
done

# Service Auto Scaling: targets of these services, and their policies (one call per service).
resource_ids=()
for svc in "${services[@]}"; do
  resource_ids+=("service/$cluster/${svc##*/}")
done
awsj application-autoscaling describe-scalable-targets --service-namespace ecs \
  --resource-ids "${resource_ids[@]}" >"$dir/scalable-targets.json"
page=1
for rid in "${resource_ids[@]}"; do
  out="$dir/scaling-policies.json"
  ((page > 1)) && out="$dir/scaling-policies-$page.json"
  awsj application-autoscaling describe-scaling-policies --service-namespace ecs --resource-id "$rid" >"$out"
  out="$dir/scheduled-actions.json"
  ((page > 1)) && out="$dir/scheduled-actions-$page.json"
  awsj application-autoscaling describe-scheduled-actions --service-namespace ecs --resource-id "$rid" >"$out"
  page=$((page + 1))
done

# Tasks of these services, running and recently stopped, for the start-up timing fit.
task_arns=()
for svc in "${services[@]}"; do
  for status in RUNNING STOPPED; do
    mapfile -t -O "${#task_arns[@]}" task_arns < <(aws ecs list-tasks --cluster "$cluster" \
      --service-name "${svc##*/}" --desired-status "$status" --query 'taskArns[]' --output text | words)
  done
done
if [[ ${#task_arns[@]} -gt 0 ]]; then
  printf '%s\n' "${task_arns[@]}" | batched 100 tasks awsj ecs describe-tasks --cluster "$cluster" --tasks
fi

# The time window's metrics, one query per service and metric (CloudWatch Ids: lowercase letters,
# digits and _, so a service's name is written with _ for anything else).
if [[ -n "${START:-}" || -n "${END:-}" ]]; then
  : "${START:?set START and END (ISO 8601) together}" "${END:?set START and END (ISO 8601) together}"
  queries=()
  query() { # ID NAMESPACE METRIC STAT DIMENSIONS-JSON
    queries+=("{\"Id\": \"$1\", \"MetricStat\": {\"Metric\": {\"Namespace\": \"$2\", \"MetricName\": \"$3\", \"Dimensions\": [$5]}, \"Period\": 60, \"Stat\": \"$4\"}, \"ReturnData\": true}")
  }
  for svc in "${services[@]}"; do
    name=${svc##*/}
    id=$(printf '%s' "$name" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9_' '_')
    ecs_dims="{\"Name\": \"ClusterName\", \"Value\": \"$cluster\"}, {\"Name\": \"ServiceName\", \"Value\": \"$name\"}"
    query "cpu_$id" AWS/ECS CPUUtilization Average "$ecs_dims"
    query "running_$id" ECS/ContainerInsights RunningTaskCount Average "$ecs_dims"
    query "desired_$id" ECS/ContainerInsights DesiredTaskCount Average "$ecs_dims"
    tg=$(aws ecs describe-services --cluster "$cluster" --services "$svc" \
      --query 'services[0].loadBalancers[0].targetGroupArn' --output text)
    if [[ -n "$tg" && "$tg" != None ]]; then
      lb=$(aws elbv2 describe-target-groups --target-group-arns "$tg" \
        --query 'TargetGroups[0].LoadBalancerArns[0]' --output text)
      if [[ -n "$lb" && "$lb" != None ]]; then
        # Dimension values are the ARNs' tails: targetgroup/NAME/ID and app/NAME/ID.
        alb_dims="{\"Name\": \"TargetGroup\", \"Value\": \"${tg##*:}\"}, {\"Name\": \"LoadBalancer\", \"Value\": \"${lb#*:loadbalancer/}\"}"
        query "requests_$id" AWS/ApplicationELB RequestCount Sum "$alb_dims"
        query "p99_$id" AWS/ApplicationELB TargetResponseTime p99 "$alb_dims"
      fi
    fi
  done
  (
    IFS=,
    printf '{"MetricDataQueries": [%s], "StartTime": "%s", "EndTime": "%s"}\n' "${queries[*]}" "$START" "$END"
  ) >"$dir/metric-queries.json"
  awsj cloudwatch get-metric-data --cli-input-json "file://$dir/metric-queries.json" >"$dir/metrics.json"
fi

echo "wrote $dir; now: ecsim import $dir --out $cluster.toml" >&2
