//! The Fargate task size grid: which task-level `cpu` / `memory` pairs Fargate accepts.
//!
//! Source: Amazon ECS Developer Guide, `AWS_Fargate`, "Task CPU and memory" (reference
//! `ecs-behaviour.md` §5.1). Fargate requires task-level `cpu` and `memory`, and only these pairs
//! are valid. "GB" in the guide means GiB (1024 MiB), which is how ECS converts it.
//! The 8192 and 16384 rows need platform version 1.4.0 or later; ecsim assumes a current platform.

/// The valid Fargate task CPU values in CPU units (1 vCPU = 1024 units), smallest first
/// (reference §5.1: 0.25, 0.5, 1, 2, 4, 8 and 16 vCPU).
pub const VALID_CPU_UNITS: [u32; 7] = [256, 512, 1024, 2048, 4096, 8192, 16384];

/// MiB in one GiB; ECS treats the guide's "GB" as GiB.
const GIB: u32 = 1024;

/// Valid memory values (MiB) for a Fargate task of `cpu_units`, smallest first, or `None` if the
/// CPU value itself is invalid. The grid is the reference §5.1 table (DG `AWS_Fargate`).
pub fn valid_memory_mib(cpu_units: u32) -> Option<Vec<u32>> {
    // (min GiB, max GiB, step GiB) per CPU row; 256 CPU units is the irregular row.
    let (min_gib, max_gib, step_gib) = match cpu_units {
        256 => return Some(vec![512, GIB, 2 * GIB]),
        512 => (1, 4, 1),
        1024 => (2, 8, 1),
        2048 => (4, 16, 1),
        4096 => (8, 30, 1),
        8192 => (16, 60, 4),
        16384 => (32, 120, 8),
        _ => return None,
    };
    Some(
        (min_gib..=max_gib)
            .step_by(step_gib as usize)
            .map(|g| g * GIB)
            .collect(),
    )
}

/// A task size Fargate does not run (reference §5.1); the message lists the valid values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FargateSizeError {
    /// The CPU units are not on the grid.
    #[error("Fargate cpu must be one of {} units (got {cpu_units})", join(&VALID_CPU_UNITS))]
    Cpu {
        /// The CPU units asked for.
        cpu_units: u32,
    },
    /// The memory is not allowed with that CPU.
    #[error(
        "Fargate does not support cpu {cpu_units} with memory {memory_mib} MiB; valid memory for cpu {cpu_units}: {} MiB",
        join(valid)
    )]
    Memory {
        /// The CPU units asked for.
        cpu_units: u32,
        /// The memory asked for.
        memory_mib: u32,
        /// The memory sizes that CPU allows, MiB.
        valid: Vec<u32>,
    },
}

/// Check a Fargate task size: `Ok(())` for a valid pair from the reference §5.1 grid.
pub fn check_size(cpu_units: u32, memory_mib: u32) -> Result<(), FargateSizeError> {
    let Some(valid) = valid_memory_mib(cpu_units) else {
        return Err(FargateSizeError::Cpu { cpu_units });
    };
    if valid.contains(&memory_mib) {
        Ok(())
    } else {
        Err(FargateSizeError::Memory {
            cpu_units,
            memory_mib,
            valid,
        })
    }
}

/// Join numbers as "a, b, c".
fn join(values: &[u32]) -> String {
    values
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_corners_are_valid() {
        let corners: [(u32, u32, u32, usize); 7] = [
            // cpu, smallest MiB, largest MiB, count
            (256, 512, 2048, 3),
            (512, 1024, 4096, 4),
            (1024, 2048, 8192, 7),
            (2048, 4096, 16384, 13),
            (4096, 8192, 30720, 23),
            (8192, 16384, 61440, 12),
            (16384, 32768, 122880, 12),
        ];
        for (cpu, lo, hi, n) in corners {
            let mem = valid_memory_mib(cpu).unwrap();
            assert_eq!(mem.first(), Some(&lo), "cpu {cpu}");
            assert_eq!(mem.last(), Some(&hi), "cpu {cpu}");
            assert_eq!(mem.len(), n, "cpu {cpu}");
            assert!(mem.windows(2).all(|w| w[0] < w[1]), "cpu {cpu} sorted");
            assert_eq!(check_size(cpu, lo), Ok(()));
            assert_eq!(check_size(cpu, hi), Ok(()));
            // Just outside each end is invalid.
            assert!(
                check_size(cpu, lo.saturating_sub(1024)).is_err(),
                "cpu {cpu} below"
            );
            assert!(check_size(cpu, hi + 1024).is_err(), "cpu {cpu} above");
        }
        assert_eq!(valid_memory_mib(256).unwrap(), vec![512, 1024, 2048]);
    }

    #[test]
    fn steps_follow_the_table() {
        // 256: 512 MiB, 1 GB, 2 GB only; 1536 is not on the grid.
        assert!(check_size(256, 1536).is_err());
        assert!(check_size(512, 3072).is_ok());
        assert!(check_size(4096, 9216).is_ok());
        // 8192: 4 GiB steps.
        assert!(check_size(8192, 20480).is_ok());
        assert!(check_size(8192, 17408).is_err());
        // 16384: 8 GiB steps.
        assert!(check_size(16384, 40960).is_ok());
        assert!(check_size(16384, 36864).is_err());
    }

    #[test]
    fn invalid_cpu() {
        assert_eq!(valid_memory_mib(300), None);
        assert_eq!(valid_memory_mib(0), None);
        assert_eq!(valid_memory_mib(32768), None);
        assert_eq!(
            check_size(300, 1024).unwrap_err(),
            FargateSizeError::Cpu { cpu_units: 300 }
        );
        assert_eq!(
            check_size(300, 1024).unwrap_err().to_string(),
            "Fargate cpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384 units (got 300)"
        );
        for cpu in VALID_CPU_UNITS {
            assert!(valid_memory_mib(cpu).is_some());
        }
    }

    #[test]
    fn invalid_memory_message_lists_values() {
        assert_eq!(
            check_size(1024, 1024).unwrap_err().to_string(),
            "Fargate does not support cpu 1024 with memory 1024 MiB; valid memory for cpu 1024: \
             2048, 3072, 4096, 5120, 6144, 7168, 8192 MiB"
        );
        assert_eq!(
            check_size(256, 4096).unwrap_err().to_string(),
            "Fargate does not support cpu 256 with memory 4096 MiB; valid memory for cpu 256: \
             512, 1024, 2048 MiB"
        );
    }
}

/// The smallest valid Fargate size that holds `cpu_units` and `memory_mib` (batch jobs of arbitrary
/// sizes run on Fargate this way; you pay for the rounded-up size). None if larger than 16 vCPU / 120 GB.
pub fn round_up(cpu_units: u32, memory_mib: u32) -> Option<(u32, u32)> {
    for cpu in VALID_CPU_UNITS {
        if cpu < cpu_units {
            continue;
        }
        if let Some(m) =
            valid_memory_mib(cpu).and_then(|ms| ms.into_iter().find(|&m| m >= memory_mib))
        {
            return Some((cpu, m));
        }
    }
    None
}

#[cfg(test)]
mod round_up_tests {
    use super::*;

    #[test]
    fn rounds_to_the_smallest_valid_size() {
        assert_eq!(round_up(100, 100), Some((256, 512)));
        assert_eq!(round_up(256, 3000), Some((512, 3072)));
        assert_eq!(round_up(1024, 9000), Some((2048, 9216)));
        assert_eq!(round_up(5000, 1024), Some((8192, 16384)));
        assert_eq!(round_up(20000, 1024), None);
        assert_eq!(round_up(1024, 200_000), None);
    }
}
