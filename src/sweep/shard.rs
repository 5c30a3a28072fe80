//! Shards: a deterministic share of a sweep's runs for one machine of an array job. Run `i` belongs to
//! shard `I` of `N` when `i % N == I − 1`, so every shard gets a mix of variants and a similar load.
//!
//! The shard comes from `--shard I/N`, else from the array-job engine's environment:
//! AWS Batch (`AWS_BATCH_JOB_ARRAY_INDEX`, 0-based, with the size from `AWS_BATCH_JOB_ARRAY_SIZE` or
//! `--shard-count`), Slurm (`SLURM_ARRAY_TASK_ID` with `SLURM_ARRAY_TASK_COUNT`, normalised by
//! `SLURM_ARRAY_TASK_MIN` and `SLURM_ARRAY_TASK_STEP` when set), Kubernetes Indexed Jobs
//! (`JOB_COMPLETION_INDEX`, 0-based, with `--shard-count`).

use std::fmt;

/// One shard: `index` is 0-based, shown 1-based as `I/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based index.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

/// Why no shard can be chosen: `--shard`, `--shard-count` and the array-job environment (named by its
/// variable) do not make one. The text says what to set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// `--shard` is not `I/N` with 1 ≤ I ≤ N (the flag's value).
    #[error("--shard {0}: expected I/N with 1 ≤ I ≤ N, e.g. --shard 2/8")]
    BadFlag(String),
    /// `--shard-count 0`.
    #[error("--shard-count must be at least 1")]
    ZeroCount,
    /// `--shard I/N` and `--shard-count M` with M ≠ N.
    #[error("--shard {flag} and --shard-count {count} disagree")]
    FlagDisagrees {
        /// `--shard` as given.
        flag: String,
        /// `--shard-count`.
        count: usize,
    },
    /// A variable that is not a whole number.
    #[error("{var}={value} is not a whole number ≥ 0")]
    NotANumber {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
    },
    /// The environment's array size and `--shard-count` differ.
    #[error("{var} says {env} shards but --shard-count says {flag}")]
    CountsDisagree {
        /// The size variable.
        var: &'static str,
        /// Its value.
        env: usize,
        /// `--shard-count`.
        flag: usize,
    },
    /// The array size variable is 0.
    #[error("{0} is 0")]
    ZeroSize(&'static str),
    /// An index is set, its size variable and `--shard-count` are not.
    #[error(
        "{index_var} is set but the array size is unknown: pass --shard-count N or set {size_var}"
    )]
    UnknownSize {
        /// The index variable.
        index_var: &'static str,
        /// The size variable that would tell.
        size_var: &'static str,
    },
    /// An index is set by an engine that does not tell the size (Kubernetes), and `--shard-count` is not.
    #[error(
        "{0} is set but the number of shards is unknown: pass --shard-count N (the Job's completions)"
    )]
    UnknownCount(&'static str),
    /// The index is past the count.
    #[error("{var} gives shard index {index} (0-based), beyond {count} shards")]
    IndexBeyond {
        /// The index variable.
        var: &'static str,
        /// The 0-based index it gives.
        index: usize,
        /// The number of shards.
        count: usize,
    },
    /// A Slurm task ID outside `--array`'s MIN, MIN + STEP, ….
    #[error(
        "SLURM_ARRAY_TASK_ID={id} is not in the array {min}, {next}, … (SLURM_ARRAY_TASK_MIN, _STEP)"
    )]
    SlurmNotInArray {
        /// SLURM_ARRAY_TASK_ID.
        id: usize,
        /// SLURM_ARRAY_TASK_MIN.
        min: usize,
        /// MIN + STEP.
        next: usize,
    },
    /// `--shard-count` without an index.
    #[error(
        "--shard-count is given but no array index is: set --shard I/N, or run as an array job (AWS_BATCH_JOB_ARRAY_INDEX, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX)"
    )]
    CountWithoutIndex,
}

/// Environment variables read, in order of precedence.
pub const ENV_VARS: &[&str] = &[
    "AWS_BATCH_JOB_ARRAY_INDEX",
    "AWS_BATCH_JOB_ARRAY_SIZE",
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_STEP",
    "JOB_COMPLETION_INDEX",
];

impl Shard {
    /// Whether run `i` is in this shard.
    pub fn contains(&self, i: usize) -> bool {
        i % self.count == self.index
    }

    /// Parse `I/N` (1 ≤ I ≤ N).
    pub fn parse(s: &str) -> Result<Shard, ShardError> {
        let bad = || ShardError::BadFlag(s.to_string());
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let i: usize = i.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        if i == 0 || n == 0 || i > n {
            return Err(bad());
        }
        Ok(Shard {
            index: i - 1,
            count: n,
        })
    }

    /// The shard to run: `--shard` first, else the array-job environment (read through `env`); `None`
    /// runs the whole sweep. `shard_count` is `--shard-count`, for engines that do not tell the size.
    pub fn resolve(
        flag: Option<&str>,
        shard_count: Option<usize>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Shard>, ShardError> {
        let env = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let num = |k: &'static str| -> Result<Option<usize>, ShardError> {
            match env(k) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<usize>()
                    .map(Some)
                    .map_err(|_| ShardError::NotANumber { var: k, value: v }),
            }
        };
        if shard_count == Some(0) {
            return Err(ShardError::ZeroCount);
        }
        let count_from =
            |var: Option<&'static str>, index_var: &'static str| -> Result<usize, ShardError> {
                let from_env = match var {
                    Some(k) => num(k)?,
                    None => None,
                };
                match (from_env, shard_count) {
                    (Some(a), Some(b)) if a != b => Err(ShardError::CountsDisagree {
                        var: var.unwrap_or_default(),
                        env: a,
                        flag: b,
                    }),
                    (Some(a), _) | (None, Some(a)) if a > 0 => Ok(a),
                    (Some(_), _) => Err(ShardError::ZeroSize(var.unwrap_or_default())),
                    (None, _) => Err(match var {
                        Some(size_var) => ShardError::UnknownSize {
                            index_var,
                            size_var,
                        },
                        None => ShardError::UnknownCount(index_var),
                    }),
                }
            };
        let check = |index: usize, count: usize, var: &'static str| {
            if index >= count {
                Err(ShardError::IndexBeyond { var, index, count })
            } else {
                Ok(Some(Shard { index, count }))
            }
        };

        if let Some(f) = flag {
            let s = Shard::parse(f)?;
            if let Some(c) = shard_count
                && c != s.count
            {
                return Err(ShardError::FlagDisagrees {
                    flag: f.to_string(),
                    count: c,
                });
            }
            return Ok(Some(s));
        }
        if let Some(i) = num("AWS_BATCH_JOB_ARRAY_INDEX")? {
            let n = count_from(
                Some("AWS_BATCH_JOB_ARRAY_SIZE"),
                "AWS_BATCH_JOB_ARRAY_INDEX",
            )?;
            return check(i, n, "AWS_BATCH_JOB_ARRAY_INDEX");
        }
        if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
            let n = count_from(Some("SLURM_ARRAY_TASK_COUNT"), "SLURM_ARRAY_TASK_ID")?;
            // Slurm numbers tasks as written in --array (often from 1): count from SLURM_ARRAY_TASK_MIN.
            let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let step = num("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
            if id < min || (id - min) % step != 0 {
                return Err(ShardError::SlurmNotInArray {
                    id,
                    min,
                    next: min + step,
                });
            }
            return check((id - min) / step, n, "SLURM_ARRAY_TASK_ID");
        }
        if let Some(i) = num("JOB_COMPLETION_INDEX")? {
            let n = count_from(None, "JOB_COMPLETION_INDEX")?;
            return check(i, n, "JOB_COMPLETION_INDEX");
        }
        if shard_count.is_some() {
            return Err(ShardError::CountWithoutIndex);
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(
        vars: &[(&str, &str)],
        flag: Option<&str>,
        count: Option<usize>,
    ) -> Result<Option<Shard>, ShardError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Shard::resolve(flag, count, |k| {
            vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
    }

    fn s(index: usize, count: usize) -> Option<Shard> {
        Some(Shard { index, count })
    }

    #[test]
    fn flag_parses_and_wins() {
        assert_eq!(Shard::parse("2/8").unwrap(), Shard { index: 1, count: 8 });
        assert!(Shard::parse("0/8").is_err());
        assert!(Shard::parse("9/8").is_err());
        assert!(Shard::parse("x").is_err());
        assert_eq!(
            with(&[("AWS_BATCH_JOB_ARRAY_INDEX", "3")], Some("1/2"), None).unwrap(),
            s(0, 2)
        );
        assert!(with(&[], Some("1/2"), Some(3)).is_err());
        assert_eq!(with(&[], None, None).unwrap(), None);
        assert!(with(&[], None, Some(4)).is_err());
    }

    #[test]
    fn aws_batch() {
        let size = [
            ("AWS_BATCH_JOB_ARRAY_INDEX", "0"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "4"),
        ];
        assert_eq!(with(&size, None, None).unwrap(), s(0, 4));
        assert_eq!(
            with(&[("AWS_BATCH_JOB_ARRAY_INDEX", "3")], None, Some(4)).unwrap(),
            s(3, 4)
        );
        assert!(with(&[("AWS_BATCH_JOB_ARRAY_INDEX", "4")], None, Some(4)).is_err());
        let e = with(&[("AWS_BATCH_JOB_ARRAY_INDEX", "1")], None, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--shard-count"), "{e}");
        assert!(with(&size, None, Some(5)).is_err());
        // Batch wins over Slurm.
        let both = [
            ("AWS_BATCH_JOB_ARRAY_INDEX", "2"),
            ("SLURM_ARRAY_TASK_ID", "1"),
        ];
        assert_eq!(with(&both, None, Some(3)).unwrap(), s(2, 3));
    }

    #[test]
    fn slurm() {
        // --array=1-4: IDs 1..4, MIN 1.
        let v = [
            ("SLURM_ARRAY_TASK_ID", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
        ];
        assert_eq!(with(&v, None, None).unwrap(), s(0, 4));
        let v = [
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
        ];
        assert_eq!(with(&v, None, None).unwrap(), s(3, 4));
        // --array=0-3 without MIN: 0-based.
        let v = [
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert_eq!(with(&v, None, None).unwrap(), s(3, 4));
        // --array=10-16:2 → 10, 12, 14, 16.
        let v = [
            ("SLURM_ARRAY_TASK_ID", "14"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "10"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
        ];
        assert_eq!(with(&v, None, None).unwrap(), s(2, 4));
        let v = [
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert!(
            with(&v, None, None).is_err(),
            "ID 4 of 4 without MIN is out of range"
        );
    }

    #[test]
    fn kubernetes_indexed_job() {
        assert_eq!(
            with(&[("JOB_COMPLETION_INDEX", "0")], None, Some(3)).unwrap(),
            s(0, 3)
        );
        assert!(with(&[("JOB_COMPLETION_INDEX", "0")], None, None).is_err());
        assert!(with(&[("JOB_COMPLETION_INDEX", "x")], None, Some(2)).is_err());
        // An empty variable counts as unset.
        assert_eq!(
            with(&[("JOB_COMPLETION_INDEX", "")], None, None).unwrap(),
            None
        );
    }

    #[test]
    fn shards_partition_the_runs() {
        let shards: Vec<Shard> = (0..3).map(|i| Shard { index: i, count: 3 }).collect();
        for run in 0..20 {
            assert_eq!(shards.iter().filter(|s| s.contains(run)).count(), 1);
        }
    }
}
