//! The load of an imported service (issue #21 item 2): the ALB's `RequestCount` for the service's target
//! group becomes a trace the service's `load` replays, with `cpu_ms_per_request` estimated from the same
//! window's `CPUUtilization`, task size and running tasks by least squares ([`observed`]). Every series
//! is also written as `metric-<Id>.csv`; when a series cannot be attached, or the estimate lacks data,
//! the report says which and why, and the scenario keeps no load for that service.

use super::observed::{self, Kind, Resolved, Running, ServiceRef};
use super::*;

/// What attaching gave: per service, the TOML lines to write in its `[[services]]` table; the CSVs to
/// write beside the scenario; and the window the attached traces cover, ms since the epoch (first point,
/// end of the last period), which becomes the scenario's duration.
pub(super) struct Loads {
    pub toml: BTreeMap<String, String>,
    pub csvs: Vec<(String, String)>,
    pub window_ms: Option<(i64, i64)>,
}

/// `metric-<Id>.csv`, with characters a file name should not hold replaced by `_`.
fn csv_name(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("metric-{safe}.csv")
}

/// The period of a series, s: its query's `Period`, else the smallest gap between its points.
fn period_s(m: &model::MetricSeries, r: Option<&Resolved>) -> Option<u64> {
    r.and_then(|r| r.period_s).or_else(|| {
        m.points
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) / 1000)
            .filter(|g| *g > 0)
            .min()
            .map(|g| g as u64)
    })
}

/// The CPU units placement charges a task of `s` (task level, else the containers' sum, §1.1).
fn task_cpu_units(ex: &Export, s: &Service) -> Option<u32> {
    let td = find_taskdef(ex, s)?;
    Some(
        td.def
            .cpu_units
            .unwrap_or_else(|| td.def.containers.iter().map(|c| c.cpu).sum()),
    )
}

/// Write each series as a CSV and attach the request series to their services with an estimated
/// `cpu_ms_per_request`.
pub(super) fn attach_loads(ex: &Export, services: &[Service], l: &mut Ledger) -> Loads {
    let refs: Vec<ServiceRef> = services
        .iter()
        .map(|s| ServiceRef {
            name: &s.name,
            target_groups: &s.target_groups,
        })
        .collect();
    let mut csvs = Vec::new();
    // (service, kind) → (series, resolution), the first series of each.
    let mut by: BTreeMap<(String, Kind), (&model::MetricSeries, Resolved)> = BTreeMap::new();
    for m in &ex.metrics {
        let name = csv_name(&m.id);
        let mut csv = String::from("epoch_s,value\n");
        for (t, v) in &m.points {
            let _ = writeln!(csv, "{},{v}", t.div_euclid(1000));
        }
        let resolved = observed::resolve(&m.id, &ex.queries, &refs);
        let p = period_s(m, resolved.as_ref().ok());
        l.map(format!(
            "{} (`{}`, {}) → `{name}`: {} points{}",
            m.src,
            m.id,
            m.label,
            m.points.len(),
            p.map_or(String::new(), |p| format!(", every {p} s"))
        ));
        csvs.push((name.clone(), csv));
        match resolved {
            Ok(r) => {
                let note = format!(
                    "`{}` is a second {} series of service {}; the first is used",
                    m.id,
                    r.kind.name(),
                    r.service
                );
                match by.entry((r.service.clone(), r.kind)) {
                    std::collections::btree_map::Entry::Occupied(_) => l.note(note),
                    std::collections::btree_map::Entry::Vacant(v) => {
                        v.insert((m, r));
                    }
                }
            }
            Err(why) => l.note(format!(
                "`{name}` ({}) is not attached to a service: {why}. To replay it, add to the service `load = {{ trace = {{ file = \"{name}\", time_column = \"epoch_s\", value_column = \"value\", value = \"count\", row_interval = \"{}s\" }}, cpu_ms_per_request = … }}` (a Sum of RequestCount per period is a count)",
                m.label,
                p.unwrap_or(60)
            )),
        }
    }
    let mut toml = BTreeMap::new();
    let mut window_ms: Option<(i64, i64)> = None;
    for s in services {
        let Some((req, rr)) = by.get(&(s.name.clone(), Kind::Requests)) else {
            if ex.have.contains(&Command::GetMetricData) {
                l.loads.push(format!("| {} | — | no RequestCount series resolves to it: no load (its CPU reads 0) | | | |", s.name));
            }
            continue;
        };
        let period = period_s(req, Some(rr)).unwrap_or(60);
        let name = csv_name(&req.id);
        let missing = |l: &mut Ledger, what: String| {
            l.loads.push(format!(
                "| {} | `{}` ({}) | not attached: {what} | | | |",
                s.name, req.id, rr.how
            ));
            l.note(format!(
                "service {}: `{name}` is its RequestCount but {what}; to replay it, add `load = {{ trace = {{ file = \"{name}\", time_column = \"epoch_s\", value_column = \"value\", value = \"count\", row_interval = \"{period}s\" }}, cpu_ms_per_request = … }}` with your own figure",
                s.name
            ));
        };
        let Some((cpu, _)) = by.get(&(s.name.clone(), Kind::Cpu)) else {
            missing(l, "no CPUUtilization series of it was exported, so cpu_ms_per_request cannot be estimated".into());
            continue;
        };
        let Some(units) = task_cpu_units(ex, s).filter(|u| *u > 0) else {
            missing(l, "its task definition sets no CPU (task level or containers), so the CPU a task has is unknown".into());
            continue;
        };
        let vcpu = f64::from(units) / 1024.0;
        let (running, running_from) = match by.get(&(s.name.clone(), Kind::Running)) {
            Some((r, _)) => (
                Running::Series(&r.points),
                format!("`{}` (RunningTaskCount)", r.id),
            ),
            None => match s.desired {
                Some(d) if d > 0 => {
                    l.assume(format!(
                        "service {}: {d} running tasks in every period of the cpu_ms_per_request fit (its desiredCount: no RunningTaskCount series, Container Insights off?); wrong by the ratio wherever it scaled",
                        s.name
                    ));
                    (
                        Running::Constant(d as f64),
                        format!("desiredCount {d} (assumed constant)"),
                    )
                }
                _ => {
                    missing(l, "neither a RunningTaskCount series nor a desiredCount says how many tasks ran".into());
                    continue;
                }
            },
        };
        let fit =
            observed::cpu_ms_per_request(&req.points, &cpu.points, &running, vcpu, period as f64);
        let Some(f) = fit.filter(|f| f.slope > 0.0 && f.slope.is_finite()) else {
            missing(
                l,
                format!(
                    "fewer than 2 periods with RequestCount, `{}` and {running_from} all present and some requests (or a slope ≤ 0)",
                    cpu.id
                ),
            );
            continue;
        };
        let r2 = if f.r2.is_finite() {
            format!("{:.3}", f.r2)
        } else {
            "n/a".into()
        };
        let rel_resid = 100.0 * f.resid_se / f.mean_y.max(f64::MIN_POSITIVE);
        let mut lines = String::new();
        let _ = writeln!(
            lines,
            "# load: `{name}` is RequestCount ({}, `{}`), a Sum per {period} s, replayed as counts per row",
            rr.how, req.id
        );
        let _ = writeln!(
            lines,
            "# cpu_ms_per_request by least squares through the origin over {} periods: CPUUtilization % (`{}`) / 100 × {vcpu} vCPU × 1000 ms × {running_from} × {period} s = requests × cpu_ms;\n# R² {r2} (centred), residual {:.0} CPU ms per period ({rel_resid:.1} % of the mean {:.0}), slope s.e. {:.3} ms",
            f.n, cpu.id, f.resid_se, f.mean_y, f.slope_se
        );
        let _ = writeln!(
            lines,
            "load = {{ trace = {{ file = {}, time_column = \"epoch_s\", value_column = \"value\", value = \"count\", row_interval = \"{period}s\" }}, cpu_ms_per_request = {:.3} }}",
            q(&name),
            f.slope
        );
        l.loads.push(format!(
            "| {} | `{}` ({}) | `{}`, {running_from}, {vcpu} vCPU | {} | {:.3} ms (s.e. {:.3}) | R² {r2}; residual {:.0} ms per period ({rel_resid:.1} %) |",
            s.name, req.id, rr.how, cpu.id, f.n, f.slope, f.slope_se, f.resid_se
        ));
        l.map(format!(
            "`{name}` → service `{}` `load.trace`; `cpu_ms_per_request = {:.3}` (least squares, {} periods, R² {r2})",
            s.name, f.slope, f.n
        ));
        if let (Some(a), Some(b)) = (req.points.first(), req.points.last()) {
            let end = b.0 + period as i64 * 1000;
            window_ms = Some(window_ms.map_or((a.0, end), |(x, y)| (x.min(a.0), y.max(end))));
        }
        toml.insert(s.name.clone(), lines);
    }
    Loads {
        toml,
        csvs,
        window_ms,
    }
}
