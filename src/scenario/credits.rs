//! Resolving a capacity provider's `credit_specification` (burstable instances, §6.6).

use super::schema::RawCapacityProvider;
use super::{Ctx, Item};
use crate::pricing::catalog::{self, InstanceType};
use crate::pricing::credits::{BurstSpec, CreditMode};

impl<'s> Ctx<'s> {
    /// The credit rules of a provider's instances: its type's row of §6.6 in the mode the provider asks
    /// for (`unlimited` by default, as T3/T3a/T4g launch); `None` for a type that is not burstable, which
    /// may not name a mode. `keep` is 1 − `[pricing] discount`, applied to the surplus price too.
    pub(super) fn credit_specification(
        &mut self,
        r: &RawCapacityProvider,
        it: &InstanceType,
        keep: f64,
        item: &Item,
        prefix: &str,
    ) -> Option<BurstSpec> {
        let mode = match r.credit_specification.as_deref() {
            None => CreditMode::Unlimited,
            Some("unlimited") => CreditMode::Unlimited,
            Some("standard") => CreditMode::Standard,
            Some(other) => {
                self.at(
                    item,
                    prefix,
                    "credit_specification",
                    format!(
                        "unknown credit specification \"{other}\"; allowed: \"unlimited\", \"standard\" (CreditSpecification.CpuCredits, §6.6)"
                    ),
                );
                CreditMode::Unlimited
            }
        };
        let credits = if it.burstable {
            catalog::cpu_credits(&it.name)
        } else {
            None
        };
        let Some(c) = credits else {
            if r.credit_specification.is_some() {
                self.at(
                    item,
                    prefix,
                    "credit_specification",
                    format!(
                        "credit_specification applies to burstable instance types only (T3, T3a, T4g, §6.6); {} is not one",
                        it.name
                    ),
                );
            }
            return None;
        };
        Some(BurstSpec {
            vcpu: it.vcpu,
            credits_per_hour: f64::from(c.credits_per_hour),
            max_balance: f64::from(c.max_balance),
            mode,
            usd_per_surplus_credit: c.surplus_usd_per_vcpu_hour / 60.0 * keep,
        })
    }
}
