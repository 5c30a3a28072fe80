//! The scenario's top-level keys while it resolves: unknown keys, `name`, `description`, `duration`,
//! `seed`, `metric_period` and `warm_up`. Part of `Ctx` (see `mod.rs`), split by TOML table.

use super::*;

/// The run-wide settings every later table is checked against; `None` where the key failed (its error
/// is reported).
pub(super) struct RunKeys {
    pub name: Option<String>,
    pub duration_ms: Option<u64>,
    pub seed: u64,
    pub metric_period_ms: u64,
    pub warm_up_ms: u64,
}

impl<'s> Ctx<'s> {
    pub(super) fn missing(&mut self, key: &str, what: &str) {
        self.push(0..0, key, format!("missing required key `{key}` ({what})"));
    }

    /// The top-level keys that are not tables of their own.
    pub(super) fn run_keys(
        &mut self,
        root_table: &Spanned<DeTable<'s>>,
        root: &Item<'s>,
    ) -> RunKeys {
        for (k, _) in root_table.get_ref().iter() {
            let key = k.get_ref().as_ref();
            if !TOP_LEVEL_KEYS.contains(&key) {
                let hint = closest(key, TOP_LEVEL_KEYS.iter().copied())
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                let list = TOP_LEVEL_KEYS.join("`, `");
                self.push(
                    k.span(),
                    key,
                    format!("unknown key `{key}`, expected one of `{list}`{hint}"),
                );
            }
        }
        let name = self.name(root);
        if let Some(v) = get(root, "description") {
            let _: Option<String> = self.de(&v, "description");
        }
        let duration_ms = self.duration(root);
        let seed: u64 = get(root, "seed")
            .and_then(|v| self.de(&v, "seed"))
            .unwrap_or(1);
        let metric_period_ms = self.metric_period(root);
        let warm_up_ms = self.warm_up(get(root, "warm_up"), metric_period_ms, duration_ms);
        RunKeys {
            name,
            duration_ms,
            seed,
            metric_period_ms,
            warm_up_ms,
        }
    }

    /// `name`: it names the output folder.
    fn name(&mut self, root: &Item<'s>) -> Option<String> {
        let name: Option<String> = match get(root, "name") {
            Some(v) => self.de(&v, "name"),
            None => {
                self.missing("name", "the scenario's name, e.g. name = \"web-fargate\"");
                None
            }
        };
        if let (Some(n), Some(v)) = (&name, get(root, "name"))
            && (n.is_empty()
                || !n
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
        {
            self.at(
                &v,
                "name",
                "",
                "the name names the output folder: use letters, digits, '-', '_' or '.'",
            );
        }
        name
    }

    /// `duration`: more than zero, at most 400 days.
    fn duration(&mut self, root: &Item<'s>) -> Option<u64> {
        match get(root, "duration") {
            Some(v) => {
                let d: Option<duration::Dur> = self.de(&v, "duration");
                match d {
                    Some(d) if d.0 == 0 => {
                        self.at(&v, "duration", "", "duration must be greater than zero");
                        None
                    }
                    Some(d) if d.0 > 400 * 24 * MS_PER_H => {
                        self.at(&v, "duration", "", "duration must be at most 400d");
                        None
                    }
                    d => d.map(|d| d.0),
                }
            }
            None => {
                self.missing("duration", "how long to simulate, e.g. duration = \"1d\"");
                None
            }
        }
    }

    /// `metric_period`: at least a second (60 s when not given or wrong).
    fn metric_period(&mut self, root: &Item<'s>) -> u64 {
        match get(root, "metric_period") {
            Some(v) => {
                let d: Option<duration::Dur> = self.de(&v, "metric_period");
                match d {
                    Some(d) if d.0 < MS_PER_S => {
                        self.at(&v, "metric_period", "", "metric_period must be at least 1s (CloudWatch offers 60s, or 20s high resolution)");
                        60 * MS_PER_S
                    }
                    Some(d) => d.0,
                    None => 60 * MS_PER_S,
                }
            }
            None => 60 * MS_PER_S,
        }
    }

    /// `warm_up`: left out of the summary's traffic figures; whole metric periods, shorter than the run.
    fn warm_up(&mut self, v: Option<Item<'s>>, period_ms: u64, duration_ms: Option<u64>) -> u64 {
        let Some(v) = v else { return 0 };
        let Some(d) = self.de::<duration::Dur>(&v, "warm_up") else {
            return 0;
        };
        if !d.0.is_multiple_of(period_ms) {
            self.at(
                &v,
                "warm_up",
                "",
                format!(
                    "warm_up must be a whole number of metric periods ({} s), e.g. \"{}s\"",
                    period_ms / MS_PER_S,
                    d.0.div_ceil(period_ms) * period_ms / MS_PER_S
                ),
            );
        } else if duration_ms.is_some_and(|t| d.0 >= t) {
            self.at(
                &v,
                "warm_up",
                "",
                "warm_up must be shorter than the run's duration",
            );
        }
        d.0
    }
}
