//! `[output]`'s detail keys: `detail`, `small_services`, `service_interval` (docs/outputs.md, "Detail
//! levels"). Checked like every key: file, line, field, what is allowed.

use super::schema::RawOutput;
use super::{Ctx, Item};
use crate::engine::MS_PER_S;
use crate::spec::{Detail, OutputParams};

/// `detail`'s word, or `None` for any other.
fn detail_of(word: &str) -> Option<Detail> {
    match word {
        "auto" => Some(Detail::Auto),
        "full" => Some(Detail::Full),
        "summary" => Some(Detail::Summary),
        _ => None,
    }
}

impl<'s> Ctx<'s> {
    /// Resolve the detail keys of `r` into `out` (`item` is the `[output]` table, for positions).
    pub(super) fn output_detail(
        &mut self,
        r: &RawOutput,
        item: Option<&Item<'s>>,
        metric_period_ms: u64,
        out: &mut OutputParams,
    ) {
        let Some(it) = item else { return };
        if let Some(w) = &r.detail {
            match detail_of(w) {
                Some(d) => out.detail = d,
                None => self.at(
                    it,
                    "output",
                    "detail",
                    format!("unknown detail \"{w}\"; allowed: \"auto\", \"full\", \"summary\""),
                ),
            }
        }
        if let Some(n) = r.small_services {
            out.small_services = n as usize;
        }
        if let Some(d) = r.service_interval {
            if d.0 < metric_period_ms || !d.0.is_multiple_of(metric_period_ms) {
                self.at(
                    it,
                    "output",
                    "service_interval",
                    format!(
                        "service_interval must be a whole multiple of the metric period ({} s), e.g. \"15m\" or \"1h\"",
                        metric_period_ms / MS_PER_S
                    ),
                );
            } else {
                out.service_interval_ms = Some(d.0);
            }
        }
    }
}
