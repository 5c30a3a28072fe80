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
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard {s}: expected I/N with 1 ≤ I ≤ N, e.g. --shard 2/8");
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
    ) -> Result<Option<Shard>, String> {
        let env = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let num = |k: &str| -> Result<Option<usize>, String> {
            match env(k) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<usize>()
                    .map(Some)
                    .map_err(|_| format!("{k}={v} is not a whole number ≥ 0")),
            }
        };
        if shard_count == Some(0) {
            return Err("--shard-count must be at least 1".into());
        }
        let count_from = |var: Option<&str>, source: &str| -> Result<usize, String> {
            let from_env = match var {
                Some(k) => num(k)?,
                None => None,
            };
            match (from_env, shard_count) {
                (Some(a), Some(b)) if a != b => Err(format!(
                    "{} says {a} shards but --shard-count says {b}",
                    var.unwrap_or_default()
                )),
                (Some(a), _) | (None, Some(a)) if a > 0 => Ok(a),
                (Some(_), _) => Err(format!("{} is 0", var.unwrap_or_default())),
                (None, _) => Err(match var {
                    Some(k) => format!(
                        "{source} is set but the array size is unknown: pass --shard-count N or set {k}"
                    ),
                    None => format!(
                        "{source} is set but the number of shards is unknown: pass --shard-count N (the Job's completions)"
                    ),
                }),
            }
        };
        let check = |index: usize, count: usize, what: &str| -> Result<Option<Shard>, String> {
            if index >= count {
                Err(format!(
                    "{what} gives shard index {index} (0-based), beyond {count} shards"
                ))
            } else {
                Ok(Some(Shard { index, count }))
            }
        };

        if let Some(f) = flag {
            let s = Shard::parse(f)?;
            if let Some(c) = shard_count
                && c != s.count
            {
                return Err(format!("--shard {f} and --shard-count {c} disagree"));
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
                return Err(format!(
                    "SLURM_ARRAY_TASK_ID={id} is not in the array {min}, {}, … (SLURM_ARRAY_TASK_MIN, _STEP)",
                    min + step
                ));
            }
            return check((id - min) / step, n, "SLURM_ARRAY_TASK_ID");
        }
        if let Some(i) = num("JOB_COMPLETION_INDEX")? {
            let n = count_from(None, "JOB_COMPLETION_INDEX")?;
            return check(i, n, "JOB_COMPLETION_INDEX");
        }
        if shard_count.is_some() {
            return Err("--shard-count is given but no array index is: set --shard I/N, or run as an array job (AWS_BATCH_JOB_ARRAY_INDEX, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX)".into());
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
    ) -> Result<Option<Shard>, String> {
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
        let e = with(&[("AWS_BATCH_JOB_ARRAY_INDEX", "1")], None, None).unwrap_err();
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
