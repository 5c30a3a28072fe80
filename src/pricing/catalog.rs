//! Built-in EC2 instance-type catalog (us-east-1, Linux, On-Demand).
//!
//! Lets a scenario say `m5.large` instead of spelling out vCPU, memory and price. Sizes come from
//! <https://aws.amazon.com/ec2/instance-types/>, prices from
//! <https://aws.amazon.com/ec2/pricing/on-demand/> (reference `ecs-behaviour.md` §6.2).
//! Registered memory follows a derived rule (see [`registered_memory_mib`]); max ENIs are
//! unconfirmed defaults (see the table comment). The CPU credits of burstable sizes (T3, T3a, T4g) are
//! §6.6's table ([`cpu_credits`]).

/// CPU architecture, as the `ecs.cpu-architecture` container-instance attribute spells it
/// (used by `memberOf` placement constraints, reference §1.4 / §9.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    /// Intel / AMD 64-bit: attribute value `x86_64`.
    X86_64,
    /// AWS Graviton 64-bit ARM: attribute value `arm64`.
    Arm64,
}

impl Arch {
    /// The value of the `ecs.cpu-architecture` attribute for this architecture
    /// (`"x86_64"` or `"arm64"`), as matched by placement constraint expressions.
    pub fn as_attribute(&self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        }
    }
}

/// One EC2 instance type as ecsim needs it: resources ECS registers, price, and ENI limit.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceType {
    /// API name, e.g. `m5.large`.
    pub name: String,
    /// Number of vCPUs (each registers 1024 CPU units, reference §6.1).
    pub vcpu: u32,
    /// Nominal (marketing) RAM in MiB, e.g. 8192 for 8 GiB.
    pub memory_mib: u32,
    /// Memory the ECS agent registers for placement, below nominal RAM (reference §6.1);
    /// derived by [`registered_memory_mib`] for built-in types.
    pub registered_memory_mib: u32,
    /// us-east-1 Linux On-Demand price in USD per hour (see [`PRICES_AS_OF`]).
    pub price_usd_per_hour: f64,
    /// CPU architecture, for the `ecs.cpu-architecture` attribute.
    pub arch: Arch,
    /// Maximum network interfaces including the primary one; limits `awsvpc` tasks to
    /// `max_enis - 1` without trunking (reference §1.1). Unconfirmed per-type values.
    pub max_enis: u32,
    /// `registered_memory_mib` is ecsim's fit (§6.1, **unconfirmed**): a built-in type other than the
    /// two documented ones, or a custom type without `registered_memory_mib`.
    pub registered_memory_fitted: bool,
    /// `max_enis` is ecsim's (§1.1, **unconfirmed**): a built-in type other than the documented
    /// c5.large, or a custom type without `max_enis`.
    pub max_enis_unconfirmed: bool,
    /// True for burstable (T3, T3a, T4g) types, which run on CPU credits ([`cpu_credits`], §6.6).
    pub burstable: bool,
}

impl InstanceType {
    /// CPU units ECS registers for this type: vCPU × 1024 (reference §6.1, DG
    /// `task_definition_parameters`).
    pub fn cpu_units(&self) -> u32 {
        self.vcpu * 1024
    }
}

/// The date and source of the built-in price table.
pub const PRICES_AS_OF: &str = "us-east-1 Linux On-Demand list prices from \
https://aws.amazon.com/ec2/pricing/on-demand/ (cross-checked against public price tables; \
reference ecs-behaviour.md section 6.2), compiled 2026-11; not fetched live";

/// MiB per GiB.
const GIB: u32 = 1024;

/// Fixed part of the registration overhead fit, in MiB (negative: see [`registered_memory_mib`]).
const OVERHEAD_FIXED_MIB: i64 = -47;
/// Proportional part of the registration overhead fit, in thousandths of nominal RAM (3.1 %).
const OVERHEAD_PER_MILLE: i64 = 31;

/// Memory (MiB) ECS registers for an instance with `nominal_mib` of RAM. Public so custom
/// instance types use the same rule as built-in ones.
///
/// **Derived, unconfirmed.** AWS documents only two data points (reference §6.1):
/// m4.large (8192 MiB) registers 7985 MiB (DG `memory-management`) and c4.large (3840 MiB)
/// registers 3768 MiB (DG `cloudwatch-metrics`). A straight line through both,
/// overhead = a + b·nominal, solves to b = 135/4352 ≈ 3.10 % and a ≈ −47.1 MiB; rounded to
/// overhead = 3.1 % · nominal − 47 MiB it gives 7986 (+1) and 3768 (exact). The negative
/// intercept is an artefact of fitting two points, so for small sizes (under about 3 GiB) the
/// overhead is floored at nominal/64 (about 1.6 %) and at 1 MiB, keeping registered < nominal for
/// every non-zero size. `ECS_RESERVED_MEMORY` is separate and is not included here.
pub fn registered_memory_mib(nominal_mib: u32) -> u32 {
    let n = i64::from(nominal_mib);
    let fitted = n * OVERHEAD_PER_MILLE / 1000 + OVERHEAD_FIXED_MIB;
    let overhead = fitted.max(n / 64).max(1);
    // overhead ≥ 1, so the result is in 0..nominal and fits in u32.
    (n - overhead).max(0) as u32
}

/// The memory AWS documents a type to register, MiB (reference §6.1): exact where documented, the
/// fit above elsewhere (the fit gives m4.large one MiB too many).
fn documented_registered_mib(name: &str) -> Option<u32> {
    match name {
        "m4.large" => Some(7985), // DG `memory-management`
        "c4.large" => Some(3768), // DG `cloudwatch-metrics`
        _ => None,
    }
}

/// Built-in table: (name, vCPU, nominal memory MiB, $/hour, arch, max ENIs, burstable).
///
/// Max ENIs (including the primary ENI) are **unconfirmed** defaults by size: medium/large 3,
/// xlarge and 2xlarge 4, 4xlarge 8; m4.large 2. Reference §6.2 gives the rows it lists.
#[rustfmt::skip]
static TABLE: [(&str, u32, u32, f64, Arch, u32, bool); 54] = {
    use Arch::{Arm64 as A, X86_64 as X};
    [
        // Older generations: the two documented registered-memory data points (reference §6.1).
        ("m4.large",    2,  8 * GIB,          0.10,   X, 2, false),
        ("c4.large",    2,  3840,             0.10,   X, 3, false), // 3.75 GiB
        // t3 (burstable, x86); no 4xlarge exists in this family.
        ("t3.medium",   2,  4 * GIB,   0.0416, X, 3, true),
        ("t3.large",    2,  8 * GIB,   0.0832, X, 3, true),
        ("t3.xlarge",   4,  16 * GIB,  0.1664, X, 4, true),
        ("t3.2xlarge",  8,  32 * GIB,  0.3328, X, 4, true),
        // t4g (burstable, Graviton); no 4xlarge exists in this family.
        ("t4g.medium",  2,  4 * GIB,   0.0336, A, 3, true),
        ("t4g.large",   2,  8 * GIB,   0.0672, A, 3, true),
        ("t4g.xlarge",  4,  16 * GIB,  0.1344, A, 4, true),
        ("t4g.2xlarge", 8,  32 * GIB,  0.2688, A, 4, true),
        // m5
        ("m5.large",    2,  8 * GIB,   0.096,  X, 3, false),
        ("m5.xlarge",   4,  16 * GIB,  0.192,  X, 4, false),
        ("m5.2xlarge",  8,  32 * GIB,  0.384,  X, 4, false),
        ("m5.4xlarge",  16, 64 * GIB,  0.768,  X, 8, false),
        // m6i (same prices as m5)
        ("m6i.large",   2,  8 * GIB,   0.096,  X, 3, false),
        ("m6i.xlarge",  4,  16 * GIB,  0.192,  X, 4, false),
        ("m6i.2xlarge", 8,  32 * GIB,  0.384,  X, 4, false),
        ("m6i.4xlarge", 16, 64 * GIB,  0.768,  X, 8, false),
        // m6g (Graviton2)
        ("m6g.large",   2,  8 * GIB,   0.077,  A, 3, false),
        ("m6g.xlarge",  4,  16 * GIB,  0.154,  A, 4, false),
        ("m6g.2xlarge", 8,  32 * GIB,  0.308,  A, 4, false),
        ("m6g.4xlarge", 16, 64 * GIB,  0.616,  A, 8, false),
        // m7g (Graviton3)
        ("m7g.large",   2,  8 * GIB,   0.0816, A, 3, false),
        ("m7g.xlarge",  4,  16 * GIB,  0.1632, A, 4, false),
        ("m7g.2xlarge", 8,  32 * GIB,  0.3264, A, 4, false),
        ("m7g.4xlarge", 16, 64 * GIB,  0.6528, A, 8, false),
        // c5
        ("c5.large",    2,  4 * GIB,   0.085,  X, 3, false),
        ("c5.xlarge",   4,  8 * GIB,   0.17,   X, 4, false),
        ("c5.2xlarge",  8,  16 * GIB,  0.34,   X, 4, false),
        ("c5.4xlarge",  16, 32 * GIB,  0.68,   X, 8, false),
        // c6i (same prices as c5)
        ("c6i.large",   2,  4 * GIB,   0.085,  X, 3, false),
        ("c6i.xlarge",  4,  8 * GIB,   0.17,   X, 4, false),
        ("c6i.2xlarge", 8,  16 * GIB,  0.34,   X, 4, false),
        ("c6i.4xlarge", 16, 32 * GIB,  0.68,   X, 8, false),
        // c6g (Graviton2)
        ("c6g.large",   2,  4 * GIB,   0.068,  A, 3, false),
        ("c6g.xlarge",  4,  8 * GIB,   0.136,  A, 4, false),
        ("c6g.2xlarge", 8,  16 * GIB,  0.272,  A, 4, false),
        ("c6g.4xlarge", 16, 32 * GIB,  0.544,  A, 8, false),
        // c7g (Graviton3)
        ("c7g.large",   2,  4 * GIB,   0.0725, A, 3, false),
        ("c7g.xlarge",  4,  8 * GIB,   0.145,  A, 4, false),
        ("c7g.2xlarge", 8,  16 * GIB,  0.29,   A, 4, false),
        ("c7g.4xlarge", 16, 32 * GIB,  0.58,   A, 8, false),
        // r5
        ("r5.large",    2,  16 * GIB,  0.126,  X, 3, false),
        ("r5.xlarge",   4,  32 * GIB,  0.252,  X, 4, false),
        ("r5.2xlarge",  8,  64 * GIB,  0.504,  X, 4, false),
        ("r5.4xlarge",  16, 128 * GIB, 1.008,  X, 8, false),
        // r6i (same prices as r5)
        ("r6i.large",   2,  16 * GIB,  0.126,  X, 3, false),
        ("r6i.xlarge",  4,  32 * GIB,  0.252,  X, 4, false),
        ("r6i.2xlarge", 8,  64 * GIB,  0.504,  X, 4, false),
        ("r6i.4xlarge", 16, 128 * GIB, 1.008,  X, 8, false),
        // r6g (Graviton2)
        ("r6g.large",   2,  16 * GIB,  0.1008, A, 3, false),
        ("r6g.xlarge",  4,  32 * GIB,  0.2016, A, 4, false),
        ("r6g.2xlarge", 8,  64 * GIB,  0.4032, A, 4, false),
        ("r6g.4xlarge", 16, 128 * GIB, 0.8064, A, 8, false),
    ]
};

/// CPU credits of a burstable size (reference §6.6, EC2 UG `burstable-credits-baseline-concepts`, table
/// "CPU credits and baseline utilization"; surplus prices from the EC2 On-Demand pricing page, "T2/T3/T4g
/// Unlimited Mode Pricing", Linux us-east-1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuCredits {
    /// vCPUs of the size (the table's own column; must match the type's).
    pub vcpu: u32,
    /// Credits earned per hour; one credit is one vCPU at 100 % for one minute.
    pub credits_per_hour: u32,
    /// Baseline utilisation per vCPU, %: credits per hour ÷ vCPUs ÷ 60 × 100.
    pub baseline_pct: u32,
    /// Maximum accrued balance: 24 hours of earnings.
    pub max_balance: u32,
    /// Price of a surplus credit spent beyond what the instance can pay back (unlimited mode), USD per
    /// vCPU-hour (60 credits): $0.05 for T3 and T3a, $0.04 for T4g.
    pub surplus_usd_per_vcpu_hour: f64,
}

/// Surplus credits of T3 and T3a, USD per vCPU-hour (§6.6).
pub const SURPLUS_USD_PER_VCPU_HOUR_T3: f64 = 0.05;
/// Surplus credits of T4g, USD per vCPU-hour (§6.6).
pub const SURPLUS_USD_PER_VCPU_HOUR_T4G: f64 = 0.04;

/// Every T3, T3a and T4g size, as §6.6 tabulates them: (name, vCPUs, credits earned per hour, baseline %
/// per vCPU, maximum accrued balance). T3, T3a and T4g get no launch credits (§6.6). The types the
/// catalog prices are in [`TABLE`]; the others (t3a, and the nano/micro/small sizes) get their credits
/// when a scenario declares them in `[[instance_types]]` with a price.
#[rustfmt::skip]
static CREDITS: [(&str, u32, u32, u32, u32); 21] = [
    ("t3.nano",     2, 6,   5,  144),
    ("t3.micro",    2, 12,  10, 288),
    ("t3.small",    2, 24,  20, 576),
    ("t3.medium",   2, 24,  20, 576),
    ("t3.large",    2, 36,  30, 864),
    ("t3.xlarge",   4, 96,  40, 2304),
    ("t3.2xlarge",  8, 192, 40, 4608),
    ("t3a.nano",    2, 6,   5,  144),
    ("t3a.micro",   2, 12,  10, 288),
    ("t3a.small",   2, 24,  20, 576),
    ("t3a.medium",  2, 24,  20, 576),
    ("t3a.large",   2, 36,  30, 864),
    ("t3a.xlarge",  4, 96,  40, 2304),
    ("t3a.2xlarge", 8, 192, 40, 4608),
    ("t4g.nano",    2, 6,   5,  144),
    ("t4g.micro",   2, 12,  10, 288),
    ("t4g.small",   2, 24,  20, 576),
    ("t4g.medium",  2, 24,  20, 576),
    ("t4g.large",   2, 36,  30, 864),
    ("t4g.xlarge",  4, 96,  40, 2304),
    ("t4g.2xlarge", 8, 192, 40, 4608),
];

/// The CPU credits of a T3, T3a or T4g size by its API name (§6.6); `None` for any other name.
pub fn cpu_credits(name: &str) -> Option<CpuCredits> {
    CREDITS.iter().find(|row| row.0 == name).map(
        |&(name, vcpu, credits_per_hour, baseline_pct, max_balance)| CpuCredits {
            vcpu,
            credits_per_hour,
            baseline_pct,
            max_balance,
            surplus_usd_per_vcpu_hour: if name.starts_with("t4g.") {
                SURPLUS_USD_PER_VCPU_HOUR_T4G
            } else {
                SURPLUS_USD_PER_VCPU_HOUR_T3
            },
        },
    )
}

/// Look up a built-in type by its API name (exact, case-sensitive, e.g. `m5.large`).
/// Returns `None` for names not in the catalog; see [`names`] for the list.
pub fn lookup(name: &str) -> Option<InstanceType> {
    TABLE.iter().find(|row| row.0 == name).map(
        |&(name, vcpu, memory_mib, price, arch, max_enis, burstable)| InstanceType {
            name: name.to_string(),
            vcpu,
            memory_mib,
            registered_memory_mib: documented_registered_mib(name)
                .unwrap_or_else(|| registered_memory_mib(memory_mib)),
            registered_memory_fitted: documented_registered_mib(name).is_none(),
            price_usd_per_hour: price,
            arch,
            max_enis,
            // §1.1: DG `container-instance-eni`'s example gives c5.large's 3; the others are ecsim's.
            max_enis_unconfirmed: name != "c5.large",
            burstable,
        },
    )
}

/// Every built-in type name, sorted and unique (for "did you mean" messages and docs).
pub fn names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = TABLE.iter().map(|row| row.0).collect();
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_section_6_2_rows() {
        // (name, vCPU, CPU units, GiB, $/h, max ENIs, arch, burstable)
        let rows = [
            ("t3.medium", 2, 2048, 4, 0.0416, 3, Arch::X86_64, true),
            ("m5.large", 2, 2048, 8, 0.096, 3, Arch::X86_64, false),
            ("m5.xlarge", 4, 4096, 16, 0.192, 4, Arch::X86_64, false),
            ("c5.xlarge", 4, 4096, 8, 0.170, 4, Arch::X86_64, false),
            ("r5.large", 2, 2048, 16, 0.126, 3, Arch::X86_64, false),
            ("m6g.large", 2, 2048, 8, 0.077, 3, Arch::Arm64, false),
        ];
        for (name, vcpu, units, gib, price, enis, arch, burst) in rows {
            let t = lookup(name).unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!(t.name, name);
            assert_eq!(t.vcpu, vcpu, "{name}");
            assert_eq!(t.cpu_units(), units, "{name}");
            assert_eq!(t.memory_mib, gib * 1024, "{name}");
            assert_eq!(t.price_usd_per_hour, price, "{name}");
            assert_eq!(t.max_enis, enis, "{name}");
            assert_eq!(t.arch, arch, "{name}");
            assert_eq!(t.burstable, burst, "{name}");
        }
    }

    #[test]
    fn brief_extra_rows() {
        let m4 = lookup("m4.large").unwrap();
        assert_eq!((m4.vcpu, m4.memory_mib, m4.max_enis), (2, 8192, 2));
        assert_eq!(m4.price_usd_per_hour, 0.10);
        let c4 = lookup("c4.large").unwrap();
        assert_eq!((c4.vcpu, c4.memory_mib, c4.max_enis), (2, 3840, 3));
        let c5 = lookup("c5.large").unwrap();
        assert_eq!((c5.vcpu, c5.memory_mib, c5.max_enis), (2, 4096, 3));
        assert_eq!(c5.price_usd_per_hour, 0.085);
        let t4g = lookup("t4g.medium").unwrap();
        assert_eq!(t4g.arch, Arch::Arm64);
        assert!(t4g.burstable);
        assert_eq!(lookup("r6g.4xlarge").unwrap().price_usd_per_hour, 0.8064);
        assert_eq!(lookup("m7g.2xlarge").unwrap().price_usd_per_hour, 0.3264);
    }

    #[test]
    fn registered_memory_matches_documented_points() {
        let m4 = registered_memory_mib(8192);
        let c4 = registered_memory_mib(3840);
        assert!(m4.abs_diff(7985) <= 5, "the fit gives m4.large {m4}");
        assert!(c4.abs_diff(3768) <= 5, "the fit gives c4.large {c4}");
        // The built-in types AWS documents register exactly what AWS says.
        assert_eq!(lookup("m4.large").unwrap().registered_memory_mib, 7985);
        assert_eq!(lookup("c4.large").unwrap().registered_memory_mib, 3768);
    }

    #[test]
    fn registered_below_nominal_everywhere() {
        for name in names() {
            let t = lookup(name).unwrap();
            assert!(t.registered_memory_mib < t.memory_mib, "{name}");
            assert!(t.registered_memory_mib > t.memory_mib * 9 / 10, "{name}");
        }
        for n in [1, 2, 64, 512, 1024, 1500, 2048, 3000, 65536, u32::MAX] {
            let r = registered_memory_mib(n);
            assert!(r < n, "{n} -> {r}");
        }
        assert_eq!(registered_memory_mib(0), 0);
        // Monotonic over a realistic range.
        let mut prev = 0;
        for n in (256..=262_144).step_by(256) {
            let r = registered_memory_mib(n);
            assert!(r >= prev, "{n}");
            prev = r;
        }
    }

    #[test]
    fn unknown_name_is_none() {
        assert_eq!(lookup("m5.huge"), None);
        assert_eq!(lookup("M5.LARGE"), None);
        assert_eq!(lookup(""), None);
    }

    #[test]
    fn names_sorted_unique_and_complete() {
        let n = names();
        assert!(n.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(n.len(), TABLE.len(), "duplicate rows in TABLE");
        for fam in ["t3", "t4g"] {
            for size in ["medium", "large", "xlarge", "2xlarge"] {
                assert!(lookup(&format!("{fam}.{size}")).is_some(), "{fam}.{size}");
            }
        }
        for fam in [
            "m5", "m6i", "m6g", "m7g", "c5", "c6i", "c6g", "c7g", "r5", "r6i", "r6g",
        ] {
            for size in ["large", "xlarge", "2xlarge", "4xlarge"] {
                let t = lookup(&format!("{fam}.{size}")).unwrap();
                let graviton = fam.ends_with('g');
                assert_eq!(t.arch == Arch::Arm64, graviton, "{fam}.{size}");
                assert!(!t.burstable);
            }
        }
    }

    #[test]
    fn prices_scale_with_size() {
        for name in names() {
            let Some((fam, size)) = name.split_once('.') else {
                panic!("{name}")
            };
            if size == "large"
                && let Some(x) = lookup(&format!("{fam}.xlarge"))
            {
                let l = lookup(name).unwrap();
                let ratio = x.price_usd_per_hour / l.price_usd_per_hour;
                assert!((ratio - 2.0).abs() < 1e-9, "{fam}");
            }
        }
    }

    /// §6.6's table: baseline = credits per hour ÷ vCPUs ÷ 60 (t3.nano: 6 / 2 / 60 = 5 %), maximum
    /// balance = 24 h of earnings (t3.nano: 24 × 6 = 144); every burstable catalog type has its row with
    /// the same vCPUs, and nothing else is burstable.
    #[test]
    fn cpu_credit_table_is_self_consistent() {
        for row in CREDITS.iter() {
            let c = cpu_credits(row.0).unwrap();
            assert_eq!(
                c.credits_per_hour * 100,
                c.baseline_pct * c.vcpu * 60,
                "{}",
                row.0
            );
            assert_eq!(c.max_balance, 24 * c.credits_per_hour, "{}", row.0);
        }
        let m = cpu_credits("t3.medium").unwrap();
        assert_eq!(
            (m.vcpu, m.credits_per_hour, m.baseline_pct, m.max_balance),
            (2, 24, 20, 576)
        );
        assert_eq!(m.surplus_usd_per_vcpu_hour, 0.05);
        assert_eq!(
            cpu_credits("t3a.large").unwrap().surplus_usd_per_vcpu_hour,
            0.05
        );
        assert_eq!(
            cpu_credits("t4g.medium").unwrap().surplus_usd_per_vcpu_hour,
            0.04
        );
        assert_eq!(cpu_credits("t3.2xlarge").unwrap().baseline_pct, 40);
        assert_eq!(cpu_credits("m5.large"), None);
        for name in names() {
            let t = lookup(name).unwrap();
            assert_eq!(t.burstable, cpu_credits(name).is_some(), "{name}");
            if let Some(c) = cpu_credits(name) {
                assert_eq!(c.vcpu, t.vcpu, "{name}");
            }
        }
    }

    #[test]
    fn arch_attribute() {
        assert_eq!(Arch::X86_64.as_attribute(), "x86_64");
        assert_eq!(Arch::Arm64.as_attribute(), "arm64");
    }
}
