//! Resolving deployments, deployment settings, container health checks and `[[faults]]`.

use super::schema::*;
use super::{Ctx, Item};
use crate::engine::MS_PER_S;
use crate::engine::dist::DurationDist;
use crate::spec::*;
use toml::Spanned;
use toml::de::DeValue;

impl<'s> Ctx<'s> {
    pub(super) fn probability(
        &mut self,
        p: Option<f64>,
        item: &Item,
        prefix: &str,
        field: &str,
    ) -> f64 {
        match p {
            None => 0.0,
            Some(x) if (0.0..=1.0).contains(&x) => x,
            Some(x) => {
                self.at(
                    item,
                    prefix,
                    field,
                    format!("a probability is between 0 and 1, got {x}"),
                );
                0.0
            }
        }
    }

    /// Container health check ranges (§2.5): interval 5–300 s, timeout 2–60 s, retries 1–10, start period 0–300 s.
    pub(super) fn health_check(
        &mut self,
        h: &Option<RawHealthCheck>,
        item: &Item,
        prefix: &str,
    ) -> Option<HealthCheckSpec> {
        let h = h.as_ref()?;
        let interval = h.interval.map_or(30 * MS_PER_S, |d| d.0);
        let timeout = h.timeout.map_or(5 * MS_PER_S, |d| d.0);
        let retries = h.retries.unwrap_or(3);
        let start = h.start_period.map_or(0, |d| d.0);
        if !(5 * MS_PER_S..=300 * MS_PER_S).contains(&interval) {
            self.at(
                item,
                prefix,
                "health_check.interval",
                "interval is 5 to 300 s (§2.5)",
            );
        }
        if !(2 * MS_PER_S..=60 * MS_PER_S).contains(&timeout) {
            self.at(
                item,
                prefix,
                "health_check.timeout",
                "timeout is 2 to 60 s (§2.5)",
            );
        }
        if !(1..=10).contains(&retries) {
            self.at(
                item,
                prefix,
                "health_check.retries",
                "retries is 1 to 10 (§2.5)",
            );
        }
        if start > 300 * MS_PER_S {
            self.at(
                item,
                prefix,
                "health_check.start_period",
                "start_period is 0 to 300 s (§2.5)",
            );
        }
        Some(HealthCheckSpec {
            interval_ms: interval,
            retries: retries.clamp(1, 10),
            start_period_ms: start,
            passes: h.passes.unwrap_or(true),
            passes_for_ms: h.passes_for.map(|d| d.0),
        })
    }

    /// §2.3 defaults: REPLICA 100/200; DAEMON 0/100 (maximum must be 100).
    pub(super) fn deployment_config(
        &mut self,
        r: &Option<RawDeploymentConfig>,
        item: &Item,
        prefix: &str,
        scheduling: SchedulingStrategy,
    ) -> DeploymentConfig {
        let daemon = scheduling == SchedulingStrategy::Daemon;
        let r = r.clone().unwrap_or_default();
        let min = r
            .minimum_healthy_percent
            .unwrap_or(if daemon { 0 } else { 100 });
        let max = r.maximum_percent.unwrap_or(if daemon { 100 } else { 200 });
        if daemon && max != 100 {
            self.at(
                item,
                prefix,
                "deployment_configuration.maximum_percent",
                "DAEMON services need maximum_percent = 100 (§2.1)",
            );
        }
        if min > 100 {
            self.at(
                item,
                prefix,
                "deployment_configuration.minimum_healthy_percent",
                "minimum_healthy_percent is 0 to 100",
            );
        }
        if !(100..=200).contains(&max) && !daemon {
            self.at(
                item,
                prefix,
                "deployment_configuration.maximum_percent",
                "maximum_percent is 100 to 200 here (ECS allows more; the bound keeps runs sane)",
            );
        }
        let (cb, min_threshold) = match &r.deployment_circuit_breaker {
            Some(c) if c.enable => (Some(c.rollback), c.min_threshold.unwrap_or(3)),
            _ => (None, 3),
        };
        let c = r.deployment_circuit_breaker.as_ref();
        let threshold = self.breaker_threshold(
            c.and_then(|c| c.threshold_configuration.as_ref()),
            item,
            prefix,
        );
        DeploymentConfig {
            minimum_healthy_percent: min,
            maximum_percent: max,
            circuit_breaker: cb,
            circuit_breaker_min_threshold: min_threshold.max(1),
            circuit_breaker_threshold: threshold,
            circuit_breaker_reset_on_healthy: c
                .and_then(|c| c.reset_on_healthy_task)
                .unwrap_or(true),
        }
    }

    /// The circuit breaker's `threshold_configuration` (ECS API `ThresholdConfiguration`, §2.4): type
    /// `BOUNDED_PERCENT` (default), `UNBOUNDED_PERCENT` or `COUNT`, value default 50.
    fn breaker_threshold(
        &mut self,
        t: Option<&RawThreshold>,
        item: &Item,
        prefix: &str,
    ) -> BreakerThreshold {
        let Some(t) = t else {
            return BreakerThreshold::BoundedPercent(50);
        };
        let value = t.value.unwrap_or(50);
        if value == 0 {
            self.at(
                item,
                prefix,
                "deployment_configuration.deployment_circuit_breaker.threshold_configuration.value",
                "value is at least 1 (a percentage of the desired count, or the count itself)",
            );
        }
        match t.kind.as_str() {
            "BOUNDED_PERCENT" => BreakerThreshold::BoundedPercent(value),
            "UNBOUNDED_PERCENT" => BreakerThreshold::UnboundedPercent(value),
            "COUNT" => BreakerThreshold::Count(value),
            _ => {
                self.at(
                    item,
                    prefix,
                    "deployment_configuration.deployment_circuit_breaker.threshold_configuration.type",
                    "type is \"BOUNDED_PERCENT\", \"UNBOUNDED_PERCENT\" or \"COUNT\" (§2.4)",
                );
                BreakerThreshold::BoundedPercent(50)
            }
        }
    }

    /// `availability_zone_rebalancing`, or when unset ECS's default for a new service (§2.1): ENABLED when
    /// the service is `compatible` (see `services.rs`: REPLICA, no binpack, spread over zones first),
    /// DISABLED otherwise.
    pub(super) fn az_rebalancing(
        &mut self,
        v: &Option<String>,
        compatible: bool,
        item: &Item,
        prefix: &str,
    ) -> bool {
        match v.as_deref() {
            None => compatible,
            Some("DISABLED") => false,
            Some("ENABLED") => true,
            Some(o) => {
                self.at(
                    item,
                    prefix,
                    "availability_zone_rebalancing",
                    format!("unknown value \"{o}\"; allowed: \"ENABLED\", \"DISABLED\""),
                );
                false
            }
        }
    }

    pub(super) fn deployments(
        &mut self,
        root: &Spanned<DeValue<'s>>,
        services: &[ServiceSpec],
        defs: &[TaskDefSpec],
        duration: u64,
    ) -> Vec<DeploymentSpec> {
        let mut out = Vec::new();
        for (i, item) in self.array(root, "deployments").into_iter().enumerate() {
            let prefix = format!("deployments[{i}]");
            let Some(r): Option<RawDeployment> = self.de(item, &prefix) else {
                continue;
            };
            let Some(sid) = self.find_service(services, &r.service, item, &prefix) else {
                continue;
            };
            let Some(td) =
                self.find_def(defs, &r.task_definition, item, &prefix, "task_definition")
            else {
                continue;
            };
            if r.at.0 > duration {
                self.at(
                    item,
                    &prefix,
                    "at",
                    "this deployment is after the end of the run",
                );
            }
            out.push(DeploymentSpec {
                at_ms: r.at.0,
                service: ServiceId(sid as u32),
                task_def: td,
            });
        }
        out.sort_by_key(|d| d.at_ms);
        out
    }

    pub(super) fn faults(
        &mut self,
        root: &Spanned<DeValue<'s>>,
        services: &[ServiceSpec],
        providers: &[ProviderSpec],
        zones: &[String],
    ) -> Vec<FaultSpec> {
        let mut out = Vec::new();
        let find_service = |cx: &mut Self,
                            name: &Option<String>,
                            item: &Item,
                            prefix: &str|
         -> Result<Option<ServiceId>, ()> {
            match name {
                None => Ok(None),
                Some(n) => match cx.find_service(services, n, item, prefix) {
                    Some(i) => Ok(Some(ServiceId(i as u32))),
                    None => Err(()),
                },
            }
        };
        // An Auto Scaling group provider by name (None: all of them).
        let find_group = |cx: &mut Self,
                          name: &Option<String>,
                          item: &Item,
                          prefix: &str|
         -> Result<Option<ProviderId>, ()> {
            match name {
                None => Ok(None),
                Some(n) => match providers
                    .iter()
                    .position(|p| &p.name == n && matches!(p.kind, ProviderKind::Asg(_)))
                {
                    Some(p) => Ok(Some(ProviderId(p as u16))),
                    None => {
                        cx.at(
                            item,
                            prefix,
                            "capacity_provider",
                            format!("no Auto Scaling group capacity provider named \"{n}\""),
                        );
                        Err(())
                    }
                },
            }
        };
        let ttf = |cx: &mut Self,
                   mtbf: &Option<super::duration::Dur>,
                   dist: &Option<super::duration::Dist>,
                   item: &Item,
                   prefix: &str|
         -> Option<DurationDist> {
            match (mtbf, dist) {
                (Some(_), Some(_)) => {
                    cx.at(
                        item,
                        prefix,
                        "mtbf",
                        "give either mtbf or time_to_failure, not both",
                    );
                    None
                }
                (Some(m), None) if m.0 > 0 => Some(DurationDist::Exponential { mean_ms: m.0 }),
                (Some(_), None) => {
                    cx.at(item, prefix, "mtbf", "mtbf must be greater than zero");
                    None
                }
                (None, Some(d)) => Some(d.0.clone()),
                (None, None) => None,
            }
        };
        for (i, item) in self.array(root, "faults").into_iter().enumerate() {
            let prefix = format!("faults[{i}]");
            let Some(r): Option<RawFault> = self.de(item, &prefix) else {
                continue;
            };
            let f = match r {
                RawFault::InstanceFailure {
                    capacity_provider,
                    mtbf,
                    time_to_failure,
                    times,
                } => {
                    let Ok(provider) = find_group(self, &capacity_provider, item, &prefix) else {
                        continue;
                    };
                    let d = ttf(self, &mtbf, &time_to_failure, item, &prefix);
                    if d.is_none() && times.is_empty() {
                        self.at(
                            item,
                            &prefix,
                            "",
                            "instance_failure needs mtbf, time_to_failure or times",
                        );
                        continue;
                    }
                    FaultSpec::InstanceFailure {
                        provider,
                        time_to_failure: d,
                        times_ms: times.iter().map(|t| t.0).collect(),
                    }
                }
                RawFault::TaskCrash {
                    service,
                    mtbf,
                    time_to_failure,
                } => {
                    let Ok(service) = find_service(self, &service, item, &prefix) else {
                        continue;
                    };
                    let Some(d) = ttf(self, &mtbf, &time_to_failure, item, &prefix) else {
                        self.at(
                            item,
                            &prefix,
                            "",
                            "task_crash needs mtbf or time_to_failure",
                        );
                        continue;
                    };
                    FaultSpec::TaskCrash {
                        service,
                        time_to_failure: d,
                    }
                }
                RawFault::StartFailure {
                    service,
                    probability,
                } => {
                    let Ok(service) = find_service(self, &service, item, &prefix) else {
                        continue;
                    };
                    let probability =
                        self.probability(Some(probability), item, &prefix, "probability");
                    FaultSpec::StartFailure {
                        service,
                        probability,
                    }
                }
                RawFault::SpotInterruption {
                    capacity_provider,
                    rate_per_hour,
                    times,
                    draining,
                } => {
                    let spot = (
                        capacity_provider.as_str(),
                        rate_per_hour,
                        &times[..],
                        draining,
                    );
                    let Some(f) = self.spot_fault(spot, providers, item, &prefix) else {
                        continue;
                    };
                    f
                }
                RawFault::DrainInstance {
                    capacity_provider,
                    at,
                } => {
                    let Ok(provider) = find_group(self, &capacity_provider, item, &prefix) else {
                        continue;
                    };
                    FaultSpec::Drain {
                        provider,
                        at_ms: at.0,
                    }
                }
                RawFault::SpotCapacityShortage { at, duration } => {
                    FaultSpec::SpotCapacityShortage {
                        at_ms: at.0,
                        duration_ms: duration.0,
                    }
                }
                RawFault::AzOutage { zone, at, duration } => {
                    match zones.iter().position(|z| *z == zone) {
                        Some(z) => FaultSpec::AzOutage {
                            zone: ZoneId(z as u8),
                            at_ms: at.0,
                            duration_ms: duration.0,
                        },
                        None => {
                            self.at(item, &prefix, "zone", format!("zone \"{zone}\" is not one of the cluster's availability_zones ({})", zones.join(", ")));
                            continue;
                        }
                    }
                }
            };
            out.push(f);
        }
        out
    }

    /// A `spot_interruption` fault: Fargate Spot, or an EC2 Spot group's provider; `None` with the problem
    /// recorded.
    fn spot_fault(
        &mut self,
        (capacity_provider, rate_per_hour, times, draining): (
            &str,
            Option<f64>,
            &[super::duration::Dur],
            bool,
        ),
        providers: &[ProviderSpec],
        item: &Item,
        prefix: &str,
    ) -> Option<FaultSpec> {
        if rate_per_hour.is_none() && times.is_empty() {
            self.at(
                item,
                prefix,
                "",
                "spot_interruption needs rate_per_hour or times",
            );
            return None;
        }
        let rate = rate_per_hour.unwrap_or(0.0);
        if !(rate >= 0.0 && rate.is_finite()) {
            self.at(
                item,
                prefix,
                "rate_per_hour",
                "rate_per_hour must be zero or more",
            );
            return None;
        }
        let times_ms = times.iter().map(|t| t.0).collect();
        if capacity_provider == "FARGATE_SPOT" {
            if draining {
                self.at(item, prefix, "draining", "draining applies to EC2 Spot instances; Fargate Spot tasks always get SIGTERM 2 minutes ahead (§3.3)");
            }
            Some(FaultSpec::FargateSpot {
                rate_per_hour: rate,
                times_ms,
            })
        } else {
            match providers.iter().position(|p| p.name == capacity_provider) {
                Some(p) if matches!(&providers[p].kind, ProviderKind::Asg(a) if a.spot) => {
                    Some(FaultSpec::Ec2Spot {
                        provider: ProviderId(p as u16),
                        rate_per_hour: rate,
                        times_ms,
                        draining,
                    })
                }
                Some(_) => {
                    self.at(item, prefix, "capacity_provider", format!("\"{capacity_provider}\" is not a Spot group: set spot = true on it, or use \"FARGATE_SPOT\""));
                    None
                }
                None => {
                    self.at(
                        item,
                        prefix,
                        "capacity_provider",
                        format!("no capacity provider named \"{capacity_provider}\""),
                    );
                    None
                }
            }
        }
    }
}
