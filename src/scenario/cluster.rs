//! The cluster's tables while a scenario resolves: `[cluster]` (its zones), `[[instance_types]]`,
//! `[pricing]` and `[[capacity_providers]]` (§3.2). Part of `Ctx` (see `mod.rs`), split by TOML table.

use super::*;

/// `[pricing]`, resolved: what the run bills Fargate at, and what capacity providers' prices need.
pub(super) struct Pricing {
    pub spec: PricingSpec,
    /// Fraction off on-demand for EC2 Spot instances.
    ec2_spot_discount: f64,
    /// 1 − `discount`: what every price keeps.
    keep: f64,
    /// On-demand prices that override the catalog's, by instance type.
    instance_prices: std::collections::BTreeMap<String, f64>,
}

impl<'s> Ctx<'s> {
    /// `[cluster]` and its availability zones (at most 16 kept).
    pub(super) fn cluster(&mut self, root: &Item<'s>) -> (Option<RawCluster>, Vec<String>) {
        let cluster: Option<RawCluster> = match get(root, "cluster") {
            Some(v) => self.de(&v, "cluster"),
            None => {
                self.missing("cluster", "[cluster] with availability_zones = [...]");
                None
            }
        };
        let cluster_item = get(root, "cluster");
        let mut zones: Vec<String> = Vec::new();
        if let (Some(c), Some(ci)) = (&cluster, &cluster_item) {
            if c.availability_zones.is_empty() || c.availability_zones.len() > 16 {
                self.at(
                    ci,
                    "cluster",
                    "availability_zones",
                    "list 1 to 16 availability zones, e.g. [\"us-east-1a\", \"us-east-1b\"]",
                );
            }
            for (i, z) in c.availability_zones.iter().enumerate() {
                if z.is_empty() || zones.contains(z) {
                    self.at(
                        ci,
                        "cluster",
                        &format!("availability_zones.{i}"),
                        format!("zone names must be unique and non-empty (\"{z}\")"),
                    );
                }
                zones.push(z.clone());
            }
        }
        zones.truncate(16);
        (cluster, zones)
    }

    /// `[[instance_types]]`: types the catalog does not have.
    pub(super) fn instance_types(&mut self, root: &Item<'s>) -> Vec<catalog::InstanceType> {
        let mut custom_types: Vec<catalog::InstanceType> = Vec::new();
        for (i, item) in self.array(root, "instance_types").into_iter().enumerate() {
            let prefix = format!("instance_types[{i}]");
            let Some(r): Option<RawInstanceType> = self.de(item, &prefix) else {
                continue;
            };
            if r.vcpu == 0 || r.memory_mib == 0 {
                self.at(
                    item,
                    &prefix,
                    "vcpu",
                    "vcpu and memory_mib must be greater than zero",
                );
                continue;
            }
            let arch = match r.architecture.as_deref() {
                None | Some("x86_64") => catalog::Arch::X86_64,
                Some("arm64") => catalog::Arch::Arm64,
                Some(a) => {
                    self.at(
                        item,
                        &prefix,
                        "architecture",
                        format!("unknown architecture \"{a}\"; allowed: \"x86_64\", \"arm64\""),
                    );
                    catalog::Arch::X86_64
                }
            };
            let registered = r
                .registered_memory_mib
                .unwrap_or_else(|| catalog::registered_memory_mib(r.memory_mib));
            if registered > r.memory_mib {
                self.at(
                    item,
                    &prefix,
                    "registered_memory_mib",
                    "registered memory cannot exceed memory_mib",
                );
            }
            if custom_types.iter().any(|t| t.name == r.name) {
                self.at(
                    item,
                    &prefix,
                    "name",
                    format!("instance type \"{}\" is declared twice", r.name),
                );
            }
            if !(r.price_usd_per_hour >= 0.0 && r.price_usd_per_hour.is_finite()) {
                self.at(
                    item,
                    &prefix,
                    "price_usd_per_hour",
                    "price must be zero or more",
                );
            }
            let credits = catalog::cpu_credits(&r.name);
            if let Some(c) = credits
                && c.vcpu != r.vcpu
            {
                self.at(
                    item,
                    &prefix,
                    "vcpu",
                    format!(
                        "{} has {} vCPUs (§6.6); its CPU credits are those of that size",
                        r.name, c.vcpu
                    ),
                );
            }
            custom_types.push(catalog::InstanceType {
                name: r.name,
                vcpu: r.vcpu,
                memory_mib: r.memory_mib,
                registered_memory_mib: registered,
                price_usd_per_hour: r.price_usd_per_hour,
                arch,
                max_enis: r.max_enis.unwrap_or(3).max(1),
                registered_memory_fitted: r.registered_memory_mib.is_none(),
                max_enis_unconfirmed: r.max_enis.is_none(),
                // A custom type named as a size of §6.6's table (t3a.medium, t4g.nano, …) earns its credits.
                burstable: credits.is_some(),
            });
        }
        custom_types
    }

    /// `[pricing]`: discounts (fractions from 0 to 1), price overrides, Fargate's prices.
    pub(super) fn pricing(&mut self, root: &Item<'s>) -> Pricing {
        let pricing_item = get(root, "pricing");
        let raw_pricing: RawPricing = pricing_item
            .as_ref()
            .and_then(|v| self.de(v, "pricing"))
            .unwrap_or_default();
        let fraction = |cx: &mut Self, v: Option<f64>, key: &str, default: f64| -> f64 {
            match v {
                None => default,
                Some(x) if (0.0..=1.0).contains(&x) => x,
                Some(x) => {
                    if let Some(it) = &pricing_item {
                        cx.at(
                            it,
                            "pricing",
                            key,
                            format!("{key} is a fraction from 0 to 1, got {x}"),
                        );
                    }
                    default
                }
            }
        };
        let discount = fraction(self, raw_pricing.discount, "discount", 0.0);
        let ec2_spot_discount = fraction(
            self,
            raw_pricing.ec2_spot_discount,
            "ec2_spot_discount",
            0.65,
        );
        let fargate_spot_discount = fraction(
            self,
            raw_pricing.fargate_spot_discount,
            "fargate_spot_discount",
            0.7,
        );
        let attribution_cpu_weight = fraction(
            self,
            raw_pricing.attribution_cpu_weight,
            "attribution_cpu_weight",
            0.5,
        );
        for (k, v) in &raw_pricing.instance_prices {
            if !(v.is_finite() && *v >= 0.0)
                && let Some(it) = &pricing_item
            {
                self.at(
                    it,
                    "pricing",
                    &format!("instance_prices.{k}"),
                    "prices must be zero or more",
                );
            }
        }
        let fp = &raw_pricing.fargate;
        let base = crate::pricing::billing::FargatePrices::default();
        let keep = 1.0 - discount;
        let fargate_prices = crate::pricing::billing::FargatePrices {
            vcpu_hour_x86: fp.vcpu_hour.unwrap_or(base.vcpu_hour_x86) * keep,
            gb_hour_x86: fp.gb_hour.unwrap_or(base.gb_hour_x86) * keep,
            vcpu_hour_arm: fp.arm_vcpu_hour.unwrap_or(base.vcpu_hour_arm) * keep,
            gb_hour_arm: fp.arm_gb_hour.unwrap_or(base.gb_hour_arm) * keep,
            storage_gb_hour: fp.storage_gb_hour.unwrap_or(base.storage_gb_hour) * keep,
        };
        Pricing {
            spec: PricingSpec {
                fargate: fargate_prices,
                fargate_spot_discount,
                attribution_cpu_weight,
            },
            ec2_spot_discount,
            keep,
            instance_prices: raw_pricing.instance_prices,
        }
    }

    /// The zones a provider or service names, as ids into the cluster's `zones` (all of them when `None`).
    pub(super) fn zone_ids(
        &mut self,
        zones: &[String],
        list: &Option<Vec<String>>,
        item: &Item,
        prefix: &str,
    ) -> Vec<ZoneId> {
        match list {
            None => (0..zones.len() as u8).map(ZoneId).collect(),
            Some(l) => {
                let mut out = Vec::new();
                for (i, z) in l.iter().enumerate() {
                    match zones.iter().position(|c| c == z) {
                        Some(p) => out.push(ZoneId(p as u8)),
                        None => self.at(
                            item,
                            prefix,
                            &format!("availability_zones.{i}"),
                            format!(
                                "zone \"{z}\" is not one of the cluster's availability_zones ({})",
                                zones.join(", ")
                            ),
                        ),
                    }
                }
                if l.is_empty() {
                    self.at(item, prefix, "availability_zones", "list at least one zone");
                }
                out
            }
        }
    }

    /// `[[capacity_providers]]` (Auto Scaling groups), then the built-in FARGATE and FARGATE_SPOT. A
    /// provider that fails to parse keeps its place (a nameless Fargate stand-in), so indices hold.
    pub(super) fn capacity_providers(
        &mut self,
        root: &Item<'s>,
        zones: &[String],
        custom_types: &[catalog::InstanceType],
        pricing: &Pricing,
    ) -> Vec<ProviderSpec> {
        let mut providers: Vec<ProviderSpec> = Vec::new();
        for (i, item) in self
            .array(root, "capacity_providers")
            .into_iter()
            .enumerate()
        {
            let prefix = format!("capacity_providers[{i}]");
            let Some(r): Option<RawCapacityProvider> = self.de(item, &prefix) else {
                providers.push(ProviderSpec {
                    name: String::new(),
                    kind: ProviderKind::Fargate { spot: false },
                });
                continue;
            };
            if r.name == "FARGATE" || r.name == "FARGATE_SPOT" || r.name.is_empty() {
                self.at(item, &prefix, "name", "FARGATE and FARGATE_SPOT are built in; give the Auto Scaling group provider another name");
            }
            if i == 20 {
                self.at(
                    item,
                    &prefix,
                    "name",
                    "at most 20 capacity providers per cluster (ECS quota, not adjustable, §8)",
                );
            }
            if providers.iter().any(|p| p.name == r.name) {
                self.at(
                    item,
                    &prefix,
                    "name",
                    format!("capacity provider \"{}\" is declared twice", r.name),
                );
            }
            if let Some(p) = self.asg_provider(r, item, &prefix, zones, custom_types, pricing) {
                self.instance_quota_warning(&providers, &p, item);
                self.warmup_warning(&p, item);
                providers.push(p);
            }
        }
        providers.push(ProviderSpec {
            name: "FARGATE".into(),
            kind: ProviderKind::Fargate { spot: false },
        });
        providers.push(ProviderSpec {
            name: "FARGATE_SPOT".into(),
            kind: ProviderKind::Fargate { spot: true },
        });
        providers
    }

    /// One Auto Scaling group provider; `None` when its instance type is unknown (reported).
    fn asg_provider(
        &mut self,
        r: RawCapacityProvider,
        item: &Item,
        prefix: &str,
        zones: &[String],
        custom_types: &[catalog::InstanceType],
        pricing: &Pricing,
    ) -> Option<ProviderSpec> {
        let it = custom_types
            .iter()
            .find(|t| t.name == r.instance_type)
            .cloned()
            .or_else(|| catalog::lookup(&r.instance_type));
        let Some(it) = it else {
            let names: Vec<&str> = catalog::names();
            let hint = closest(
                &r.instance_type,
                names
                    .iter()
                    .copied()
                    .chain(custom_types.iter().map(|t| t.name.as_str())),
            )
            .map(|c| format!(" Did you mean \"{c}\"?"))
            .unwrap_or_default();
            self.at(item, prefix, "instance_type", format!("unknown instance type \"{}\".{hint} Built-in types: {}; or declare it in [[instance_types]] with vcpu, memory_mib and price_usd_per_hour", r.instance_type, names.join(", ")));
            return None;
        };
        if r.max_size == 0 {
            self.at(
                item,
                prefix,
                "max_size",
                "max_size must be greater than 0 (§3.2)",
            );
        }
        if !(r.min_size <= r.desired_size && r.desired_size <= r.max_size) {
            self.at(
                item,
                prefix,
                "desired_size",
                format!(
                    "need min_size ≤ desired_size ≤ max_size (got {} ≤ {} ≤ {})",
                    r.min_size, r.desired_size, r.max_size
                ),
            );
        }
        let managed = self.managed_scaling(&r, item, prefix);
        let pz = self.zone_ids(zones, &r.availability_zones, item, prefix);
        if r.ecs_reserved_memory_mib >= it.registered_memory_mib {
            self.at(
                item,
                prefix,
                "ecs_reserved_memory_mib",
                "reserved memory leaves nothing to register",
            );
        }
        let on_demand = pricing
            .instance_prices
            .get(&it.name)
            .copied()
            .unwrap_or(it.price_usd_per_hour);
        let price = match (r.spot, r.spot_price_usd_per_hour) {
            (_, Some(p)) if !(p.is_finite() && p >= 0.0) => {
                self.at(
                    item,
                    prefix,
                    "spot_price_usd_per_hour",
                    "prices must be zero or more",
                );
                0.0
            }
            (true, Some(p)) => p,
            (false, Some(_)) => {
                self.at(
                    item,
                    prefix,
                    "spot_price_usd_per_hour",
                    "spot_price_usd_per_hour needs spot = true",
                );
                on_demand
            }
            (true, None) => on_demand * (1.0 - pricing.ec2_spot_discount),
            (false, None) => on_demand,
        } * pricing.keep;
        let burst = self.credit_specification(&r, &it, pricing.keep, item, prefix);
        let spot_discount =
            (r.spot && r.spot_price_usd_per_hour.is_none()).then_some(pricing.ec2_spot_discount);
        Some(ProviderSpec {
            name: r.name,
            kind: ProviderKind::Asg(Box::new(AsgSpec {
                burst,
                price_usd_per_hour: price,
                spot_discount,
                instance_type: it,
                min_size: r.min_size,
                max_size: r.max_size,
                desired_size: r.desired_size,
                spot: r.spot,
                zones: pz,
                attributes: r.attributes.into_iter().collect(),
                reserved_memory_mib: r.ecs_reserved_memory_mib,
                managed_scaling: managed,
                launch_latency: r.launch_latency.clone().map_or(
                    DurationDist::Uniform {
                        min_ms: 60 * MS_PER_S,
                        max_ms: 180 * MS_PER_S,
                    },
                    |d| d.0,
                ),
            })),
        })
    }

    /// A managed-scaling group whose `instanceWarmupPeriod` is shorter than its mean launch latency (launch
    /// to registration): the DG asks for a warm-up "large enough for the EC2 instance to launch and start
    /// the Amazon ECS agent (which prevents overprovisioning)" (§3.2): N counts registered instances only,
    /// so once an instance's warm-up is over while it still launches, the next step asks for it again.
    /// ecsim models that over-provisioning; a run with it is rarely what the user means. Said, at the
    /// group's `managed_scaling`.
    fn warmup_warning(&mut self, p: &ProviderSpec, item: &Item<'s>) {
        let ProviderKind::Asg(a) = &p.kind else {
            return;
        };
        let Some(ms) = &a.managed_scaling else {
            return;
        };
        let latency_ms = a.launch_latency.mean_ms();
        if ms.instance_warmup_ms as f64 >= latency_ms {
            return;
        }
        let message = format!(
            "capacity provider {}: instance_warmup_period {} is shorter than the group's mean launch latency {} (launch to registration); ECS then over-provisions, as the DG warns (a warm-up should be \"large enough for the EC2 instance to launch and start the Amazon ECS agent\", §3.2): CapacityProviderReservation's N counts registered instances only, so each minute's scale-out adds its step on top of the instances still launching. ecsim models this (how much AWS adds then is derived, not documented); the group may grow past what the tasks need and scale in later",
            p.name,
            crate::engine::span_text(ms.instance_warmup_ms),
            crate::engine::span_text(latency_ms.round() as u64),
        );
        let mut warning =
            crate::warnings::Warning::new(crate::warnings::WARMUP_BELOW_LAUNCH, None, message);
        warning.file = Some(self.file.clone());
        warning.line = Some(self.lines.locate(span_of(item, "managed_scaling").start).0);
        self.warnings.push(warning);
    }

    /// ECS registers at most 5,000 container instances in a cluster (not adjustable, §8): said, at the
    /// Auto Scaling group whose `max_size` takes the cluster's groups past it (the run goes on, as a
    /// capacity plan may ask what such a fleet would do, but ECS would register no more).
    fn instance_quota_warning(
        &mut self,
        before: &[ProviderSpec],
        p: &ProviderSpec,
        item: &Item<'s>,
    ) {
        const QUOTA: u32 = 5_000;
        let max = |p: &ProviderSpec| match &p.kind {
            ProviderKind::Asg(a) => a.max_size,
            ProviderKind::Fargate { .. } => 0,
        };
        let so_far: u32 = before.iter().map(max).sum();
        let total = so_far.saturating_add(max(p));
        if so_far > QUOTA || total <= QUOTA {
            return;
        }
        let message = format!(
            "capacity provider {}: its max_size takes the cluster's Auto Scaling groups to {total} instances, past the 5,000 container instances ECS registers in one cluster (not adjustable, §8); ecsim registers them all, ECS would not: split the fleet into clusters of at most 5,000 instances for a plan ECS can run",
            p.name
        );
        let mut warning =
            crate::warnings::Warning::new(crate::warnings::INSTANCES_ABOVE_QUOTA, None, message);
        warning.file = Some(self.file.clone());
        warning.line = Some(self.lines.locate(span_of(item, "max_size").start).0);
        self.warnings.push(warning);
    }
}
