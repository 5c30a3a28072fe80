//! The loader's side of warnings (see [`crate::warnings`]): the capacity findings of a resolved spec get
//! the scenario file's line, and a rate trace's holes that the run reads become warnings with the trace's
//! file and line.

use super::{Ctx, Item, span_of};
use crate::engine::span_text;
use crate::spec::Spec;
use crate::warnings::{self as w, Subject, Warning};
use crate::workload::rate::{GapFill, RateSeries};

impl<'s> Ctx<'s> {
    /// Capacity findings of `spec`, located in the file: `services[i]` is `service_items[i]` (a spec exists
    /// only when every item resolved), run tasks and scheduled tasks by their items' offsets.
    pub(super) fn capacity_warnings(
        &mut self,
        spec: &Spec,
        service_items: &[&Item<'s>],
        run_task_at: &[usize],
        scheduled_at: &[usize],
    ) {
        for f in w::capacity_findings(spec) {
            let offset = match f.subject {
                Subject::Service(i) => service_items.get(i).map(|it| span_of(it, f.field).start),
                Subject::RunTask(i) => run_task_at.get(i).copied(),
                Subject::ScheduledTask(i) => scheduled_at.get(i).copied(),
            };
            let mut warning = f.warning;
            warning.file = Some(self.file.clone());
            warning.line = offset.map(|o| self.lines.locate(o).0);
            self.warnings.push(warning);
        }
    }

    /// Warnings for the holes `series` read over a run of `duration_s` (nothing when the scenario chose
    /// `gaps` itself: it knows). `shown` is the trace's name as written in the scenario.
    pub(super) fn trace_gap_warnings(
        &mut self,
        series: &RateSeries,
        explicit: bool,
        gaps: GapFill,
        duration_s: f64,
        service: Option<&str>,
        shown: &str,
    ) {
        if explicit {
            return;
        }
        let (holes, more) = series.holes();
        let ms = |s: f64| (s.max(0.0) * 1000.0).round() as u64;
        let clock = |s: f64| crate::time::clock(ms(s.min(duration_s)));
        let what = match gaps {
            GapFill::Interpolate | GapFill::Error => {
                "the rate ramps linearly from the row before to the row after"
            }
            GapFill::Hold => "the row before keeps its rate until the row after",
            GapFill::Zero => "the rate is 0 after the row before",
        };
        let mut n = 0;
        for h in holes {
            if h.sim_end_s <= 0.0 || h.sim_start_s >= duration_s {
                continue; // the run never reads it
            }
            n += 1;
            let who = service.map_or_else(String::new, |s| format!("service {s}: "));
            let message = format!(
                "{who}trace {shown} has a hole: no rows for {} between {} (line {}) and {} (line {}), more than {} rows of {}; the run reads it from {} to {}, where {what} (the default, gaps = \"interpolate\"); set load.trace.gaps = \"zero\", \"hold\" or \"error\" to choose",
                span_text(ms(h.gap_s)),
                h.time_before,
                h.line_before,
                h.time_after,
                h.line_after,
                crate::workload::rate::HOLE_ROWS,
                span_text(ms(h.row_s)),
                clock(h.sim_start_s),
                clock(h.sim_end_s),
            );
            let mut warning = Warning::new(w::TRACE_GAP, service, message);
            warning.file = Some(shown.to_string());
            warning.line = Some(h.line_after);
            self.warnings.push(warning);
        }
        if more && n > 0 {
            let message = format!(
                "trace {shown} has more holes than the {} listed; set load.trace.gaps to choose how they are filled",
                crate::workload::rate::MAX_HOLES
            );
            let mut warning = Warning::new(w::TRACE_GAP, service, message);
            warning.file = Some(shown.to_string());
            self.warnings.push(warning);
        }
    }
}
