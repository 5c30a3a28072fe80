//! The charts of one run: per service, the cluster, task start latency and the placement timeline.

use super::*;

/// Render the charts of a run folder into DIR/charts/. Returns the paths written.
///
/// Reads `summary.json`, `timeseries.csv`, `tasks.csv` and `events.csv` (any may be missing; a folder with
/// neither `summary.json` nor `timeseries.csv` is an error) and writes, each as `.svg` and `.png`, the
/// charts that have data: per service `service-NAME-tasks` (desired/running/pending with scaling,
/// deployment, fault and scenario events marked), `-cpu` (utilisation with the target-tracking target),
/// `-requests` (request rate against the healthy targets' capacity), `-latency` (p50/p90/p99, log scale
/// when wide, the p99 SLO when the service has one) and `-errors`; for the cluster `cluster-instances`
/// (instances per capacity provider and CapacityProviderReservation), `cluster-cpu-memory` (registered
/// vs reserved) and `cluster-cost` (cumulative: total and by kind — EC2, Fargate, Fargate Spot — in one
/// pane, total and per service in another);
/// `tasks-start-latency` (histogram by launch type) and, for clusters of at most 50 instances,
/// `placement-timeline`. Past [`FLEET_THRESHOLD`] services, the per-service charts give way to the fleet
/// views of `fleet.rs` (heatmaps, the distribution across services, the [`WORST_N`] worst services' charts).
/// Also writes `charts/index.json` (the charts in reading order, which the report uses) and removes
/// charts of an earlier rendering that this one did not draw.
pub fn render_run_charts(dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    render_run_data(dir, read_run(dir)?)
}

/// [`render_run_charts`] from the folder's files already read (by [`read_run_with`], with the report).
pub(crate) fn render_run_data(
    dir: &std::path::Path,
    data: RunData,
) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut w = Writer::new(dir)?;
    let time = TimeAxis {
        warm_up_s: data.warm_up_s,
        ..TimeAxis::of(data.end_s)
    };
    let period = if (data.period_s - 60.0).abs() < 1e-6 {
        "minute".to_string()
    } else {
        format!("{} s period", fmt_value(data.period_s))
    };

    // A fleet of hundreds of services would make thousands of charts and a report of tens of MB: past
    // FLEET_THRESHOLD services, fleet views and the worst services' charts (fleet.rs).
    let services: Vec<&Series> = data
        .series
        .iter()
        .filter(|s| s.scope == "service")
        .collect();
    if services.len() > FLEET_THRESHOLD {
        fleet_charts(&mut w, &data, &services, time, &period)?;
    } else {
        for s in services {
            service_charts(
                &mut w,
                &data,
                s,
                time,
                &period,
                &format!("Service {}", s.name),
            )?;
        }
    }
    cluster_charts(&mut w, &data, time)?;
    start_latency_chart(&mut w, &data)?;
    if let Some(fig) = timeline(&data, time) {
        w.emit("placement-timeline", "Tasks", fig)?;
    }
    w.finish()
}

/// The charts of one service (tasks, utilisation, requests, latency, queue, errors), those it has data
/// for, under the report section `section`.
pub(super) fn service_charts(
    w: &mut Writer,
    data: &RunData,
    s: &Series,
    time: TimeAxis,
    period: &str,
    section: &str,
) -> io::Result<()> {
    let name = &s.name;
    let ticks: Vec<(f64, TickKind)> = data
        .ticks
        .iter()
        .filter(|t| t.service == *name || t.service.is_empty())
        .map(|t| (t.t, t.kind))
        .collect();
    let fig = |title: String, panes: Vec<Pane>| {
        Figure::Time(TimeFig {
            title,
            time,
            panes,
            ticks: ticks.clone(),
        })
    };
    // The periods the SLO counts bad (latency, errors, or nothing served): on the latency and
    // the errors charts.
    let slo_shade = s.has(SLO_BAD).then(|| {
        // counted as the summary counts them: after the warm-up
        let n = (s.t.iter().zip(&s.cols[SLO_BAD]))
            .filter(|(t, v)| **v == 1.0 && **t >= data.warm_up_s + data.period_s - 1e-9)
            .count();
        let label = format!("SLO bad {period}s ({n})");
        (label, SLO_BAD_SHADE, spans_where(s, SLO_BAD, data.period_s))
    });
    if s.has(DESIRED) || s.has(RUNNING) {
        let mut desired = line("desired", RGBColor(60, 60, 60), s, DESIRED);
        desired.width = 4;
        desired.alpha = 0.35;
        let lines = vec![
            desired,
            line("running", PALETTE[0], s, RUNNING),
            line("pending", PALETTE[1], s, PENDING),
        ];
        w.emit(
            &format!("service-{name}-tasks"),
            section,
            fig(
                format!("Service {name}: desired, running and pending tasks"),
                vec![int_pane("tasks", lines)],
            ),
        )?;
    }
    if s.has(CPU_UTIL) || s.has(MEM_UTIL) {
        let mut lines = Vec::new();
        if s.has(CPU_UTIL) {
            lines.push(line("CPU utilisation", PALETTE[0], s, CPU_UTIL));
        }
        if s.has(MEM_UTIL) && s.max(MEM_UTIL) > 0.0 {
            lines.push(line("memory utilisation", PALETTE[2], s, MEM_UTIL));
        }
        let mut p = pane("utilisation (%)", lines);
        for (metric, label, c) in [
            ("ECSServiceAverageCPUUtilization", "CPU", PALETTE[3]),
            ("ECSServiceAverageMemoryUtilization", "memory", PALETTE[4]),
        ] {
            if let Some(v) = data.targets.get(&(name.clone(), metric.to_string())) {
                p.hlines.push(HLine {
                    label: format!("{label} target {} %", fmt_value(*v)),
                    y: *v,
                    color: c,
                });
            }
        }
        w.emit(
            &format!("service-{name}-cpu"),
            section,
            fig(
                format!("Service {name}: CPU and memory utilisation (of reserved)"),
                vec![p],
            ),
        )?;
    }
    if s.has(REQ_RATE) {
        let mut lines = vec![line("request rate", PALETTE[0], s, REQ_RATE)];
        let title = if s.has(CAPACITY_RPS) {
            lines.push(line(
                "capacity\n(healthy targets)",
                RGBColor(60, 60, 60),
                s,
                CAPACITY_RPS,
            ));
            format!("Service {name}: request rate against capacity")
        } else {
            format!("Service {name}: request rate")
        };
        let p = pane("requests per second", lines);
        w.emit(
            &format!("service-{name}-requests"),
            section,
            fig(title, vec![p]),
        )?;
    }
    if s.has(P50) || s.has(P99) {
        let mut p = latency_pane(data, s);
        p.shades.extend(slo_shade.clone());
        w.emit(
            &format!("service-{name}-latency"),
            section,
            fig(
                format!("Service {name}: request latency per {period}"),
                vec![p],
            ),
        )?;
    }
    if s.has(MSG_VISIBLE) {
        w.emit(
            &format!("service-{name}-queue"),
            section,
            fig(
                format!("Service {name}: its queue (SQS metrics at the end of each {period})"),
                queue_panes(
                    s,
                    data.targets.get(&(name.clone(), "BacklogPerTask".into())),
                ),
            ),
        )?;
    }
    if s.has(ERRORS) || s.has(QUEUED) {
        let mut lines = Vec::new();
        if s.has(ERRORS) {
            lines.push(line(format!("errors per {period}"), PALETTE[3], s, ERRORS));
        }
        if s.has(QUEUED) {
            lines.push(line("queued (backlog)", PALETTE[1], s, QUEUED));
        }
        let mut p = pane("requests", lines);
        p.shades.extend(slo_shade.clone());
        w.emit(
            &format!("service-{name}-errors"),
            section,
            fig(
                format!("Service {name}: failed requests and backlog"),
                vec![p],
            ),
        )?;
    }
    Ok(())
}

/// A service's latency pane: p50/p90/p99 (log scale when wide) and its p99 SLO lines.
fn latency_pane(data: &RunData, s: &Series) -> Pane {
    let name = &s.name;
    let mut lines = Vec::new();
    for (c, l, col) in [
        (P50, "p50", PALETTE[0]),
        (P90, "p90", PALETTE[2]),
        (P99, "p99", PALETTE[3]),
    ] {
        if s.has(c) {
            lines.push(line(l, col, s, c));
        }
    }
    let mut p = pane("latency (ms)", lines);
    p.log_above = 300.0;
    // the SLO from its column; from the event messages for folders written before it
    let mut slos: Vec<f64> = Vec::new();
    for v in s.cols[SLO_P99].iter().copied().filter(|v| v.is_finite()) {
        if !slos.contains(&v) {
            slos.push(v);
        }
    }
    if slos.is_empty()
        && let Some(v) = data.slos.get(name)
    {
        slos.push(*v);
    }
    for (i, v) in slos.into_iter().take(3).enumerate() {
        p.hlines.push(HLine {
            label: format!("SLO p99 {} ms", fmt_value(v)),
            y: v,
            color: color(4 + i),
        });
    }
    p
}

/// The cluster's charts: instances (and CapacityProviderReservation), registered vs reserved, cost.
fn cluster_charts(w: &mut Writer, data: &RunData, time: TimeAxis) -> io::Result<()> {
    let cluster_ticks: Vec<(f64, TickKind)> = data
        .ticks
        .iter()
        .filter(|t| {
            matches!(t.kind, TickKind::ClusterScaling | TickKind::Fault)
                || (t.service.is_empty() && t.kind != TickKind::Scaling)
        })
        .map(|t| (t.t, t.kind))
        .collect();
    let cluster = data.series.iter().find(|s| s.scope == "cluster");
    let providers: Vec<&Series> = data
        .series
        .iter()
        .filter(|s| s.scope == "capacity_provider")
        .collect();
    cluster_instances_chart(w, data, time, cluster, &providers, &cluster_ticks)?;
    cluster_cpu_memory_chart(w, cluster, time, &cluster_ticks)?;
    cluster_cost_chart(w, data, cluster, time)
}

/// `cluster-instances`: instances per capacity provider (and the total), with CapacityProviderReservation
/// and its target capacity in a second pane when the providers report it.
fn cluster_instances_chart(
    w: &mut Writer,
    data: &RunData,
    time: TimeAxis,
    cluster: Option<&Series>,
    providers: &[&Series],
    cluster_ticks: &[(f64, TickKind)],
) -> io::Result<()> {
    let mut lines: Vec<Line> = providers
        .iter()
        .enumerate()
        .filter(|(_, p)| p.has(INSTANCES))
        .map(|(i, p)| line(format!("instances: {}", p.name), color(i), p, INSTANCES))
        .collect();
    if let Some(c) = cluster
        && c.has(INSTANCES)
        && (lines.len() != 1)
        && c.max(INSTANCES) > 0.0
    {
        let mut l = line(
            "instances: cluster total",
            RGBColor(60, 60, 60),
            c,
            INSTANCES,
        );
        if !lines.is_empty() {
            l.width = 4;
            l.alpha = 0.35;
        }
        lines.insert(0, l);
    }
    if !lines.is_empty() {
        let mut panes = vec![int_pane("container instances", lines)];
        let cpr: Vec<Line> = providers
            .iter()
            .enumerate()
            .filter(|(_, p)| p.has(CPR))
            .map(|(i, p)| line(format!("CPR: {}", p.name), color(i), p, CPR))
            .collect();
        if !cpr.is_empty() {
            let mut p = pane("CapacityProviderReservation (%)", cpr);
            let targets: BTreeSet<u64> = data.cpr_targets.values().map(|v| v.to_bits()).collect();
            for (i, bits) in targets.iter().enumerate() {
                let v = f64::from_bits(*bits);
                p.hlines.push(HLine {
                    label: format!("target capacity {} %", fmt_value(v)),
                    y: v,
                    color: color(i + 3),
                });
            }
            p.ticks = false;
            panes.push(p);
        }
        let title = if panes.len() > 1 {
            "Cluster: instances per capacity provider and CapacityProviderReservation"
        } else {
            "Cluster: container instances"
        };
        w.emit(
            "cluster-instances",
            "Cluster",
            Figure::Time(TimeFig {
                title: title.into(),
                time,
                panes,
                ticks: cluster_ticks.to_vec(),
            }),
        )?;
    }
    Ok(())
}

/// `cluster-cpu-memory`: registered against reserved CPU and memory of the EC2 container instances.
fn cluster_cpu_memory_chart(
    w: &mut Writer,
    cluster: Option<&Series>,
    time: TimeAxis,
    cluster_ticks: &[(f64, TickKind)],
) -> io::Result<()> {
    if let Some(c) = cluster
        && c.has(CPU_REG)
        && c.max(CPU_REG) > 0.0
    {
        let scaled =
            |col: usize, k: f64| -> Vec<f64> { c.cols[col].iter().map(|v| v / k).collect() };
        let mk = |label: &str, col: usize, k: f64, colr: RGBColor| {
            line_of(label.to_string(), colr, segments(&c.t, &scaled(col, k)))
        };
        let cpu = pane(
            "CPU (vCPU)",
            vec![
                mk("CPU registered", CPU_REG, 1024.0, RGBColor(60, 60, 60)),
                mk("CPU reserved", CPU_RES, 1024.0, PALETTE[0]),
            ],
        );
        let mem = pane(
            "memory (GiB)",
            vec![
                mk("memory registered", MEM_REG, 1024.0, RGBColor(60, 60, 60)),
                mk("memory reserved", MEM_RES, 1024.0, PALETTE[2]),
            ],
        );
        w.emit(
            "cluster-cpu-memory",
            "Cluster",
            Figure::Time(TimeFig {
                title: "Cluster: registered vs reserved CPU and memory (EC2 container instances)"
                    .into(),
                time,
                panes: vec![cpu, mem],
                ticks: cluster_ticks.to_vec(),
            }),
        )?;
    }
    Ok(())
}

/// A fleet's cost chart names this many services, the costliest.
const COST_TOP_N: usize = 8;

/// `cluster-cost`: cumulative cost, by kind (EC2, Fargate, Fargate Spot) and per service.
fn cluster_cost_chart(
    w: &mut Writer,
    data: &RunData,
    cluster: Option<&Series>,
    time: TimeAxis,
) -> io::Result<()> {
    let total = |label: &str| {
        cluster
            .filter(|c| c.has(COST))
            .map(|c| line(label, RGBColor(40, 40, 40), c, COST))
    };
    // by kind (EC2, Fargate, Fargate Spot), skipping kinds that stay 0 or are not in the file
    let mut kinds: Vec<Line> = cluster
        .map(|c| {
            [
                // colours the per-service pane does not use first
                (COST_EC2, "EC2 instances", PALETTE[5]),
                (COST_FARGATE, "Fargate", PALETTE[4]),
                (COST_FARGATE_SPOT, "Fargate Spot", PALETTE[9]),
            ]
            .into_iter()
            .filter(|(col, _, _)| c.has(*col) && c.max(*col) > 0.0)
            .map(|(col, label, colr)| line(label, colr, c, col))
            .collect()
        })
        .unwrap_or_default();
    let mut with_cost: Vec<&Series> = data
        .series
        .iter()
        .filter(|s| s.scope == "service" && s.has(COST))
        .collect();
    // a fleet: the costliest few by name, the total stands for the rest
    let all = with_cost.len();
    if all > FLEET_THRESHOLD {
        with_cost.sort_by(|a, b| b.max(COST).total_cmp(&a.max(COST)));
        with_cost.truncate(COST_TOP_N);
    }
    let services: Vec<Line> = with_cost
        .iter()
        .enumerate()
        .map(|(i, s)| line(format!("service {}", s.name), color(i), s, COST))
        .collect();
    // a single kind is the total: name it on the total's line rather than draw it twice
    let mut total_label = "cluster total".to_string();
    if kinds.len() == 1 {
        total_label = format!("cluster total\n(all {})", kinds[0].label);
        kinds.clear();
    }
    let mut panes = Vec::new();
    let by_kind = !kinds.is_empty();
    if by_kind {
        panes.push(pane(
            "cost so far (USD)",
            total("cluster total").into_iter().chain(kinds).collect(),
        ));
    }
    if !services.is_empty() || !by_kind {
        let lines: Vec<Line> = total(&total_label).into_iter().chain(services).collect();
        if !lines.is_empty() {
            panes.push(pane("cost so far (USD)", lines));
        }
    }
    for p in &mut panes {
        p.ticks = false;
    }
    if !panes.is_empty() {
        let title = match (by_kind, panes.len()) {
            (true, 2) => "Cumulative cost: by kind (top) and per service (bottom)",
            (true, _) => "Cumulative cost by kind",
            _ => "Cumulative cost",
        };
        let title = if all > FLEET_THRESHOLD {
            format!("{title} (the {COST_TOP_N} costliest of {all} services)")
        } else {
            title.to_string()
        };
        w.emit(
            "cluster-cost",
            "Cluster",
            Figure::Time(TimeFig {
                title,
                time,
                panes,
                ticks: Vec::new(),
            }),
        )?;
    }
    Ok(())
}

/// `tasks-start-latency`: a histogram of created → RUNNING by launch type.
fn start_latency_chart(w: &mut Writer, data: &RunData) -> io::Result<()> {
    let mut by_type: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for t in &data.tasks {
        let l = t.started - t.created;
        if l.is_finite() && l >= 0.0 {
            by_type.entry(t.launch_type.as_str()).or_default().push(l);
        }
    }
    if !by_type.is_empty() {
        let max = by_type.values().flatten().copied().fold(0.0, f64::max);
        let bin_w = nice_bin(max, 40);
        let bins = ((max / bin_w).floor() as usize + 1).max(1);
        let groups = by_type
            .iter()
            .enumerate()
            .map(|(i, (lt, v))| {
                let mut counts = vec![0u64; bins];
                for x in v {
                    counts[((x / bin_w) as usize).min(bins - 1)] += 1;
                }
                let mut sorted = v.clone();
                sorted.sort_by(f64::total_cmp);
                let p50 = sorted[(sorted.len() - 1) / 2];
                let lt = if lt.is_empty() { "(none)" } else { lt };
                (
                    format!("{lt}: {} tasks\nmedian {} s", v.len(), fmt_value(p50)),
                    color(i),
                    counts,
                )
            })
            .collect();
        w.emit(
            "tasks-start-latency",
            "Tasks",
            Figure::Hist(HistFig {
                title: "Task start latency by launch type (created → RUNNING)".into(),
                x_desc: format!("start latency (s), bins of {} s", fmt_value(bin_w)),
                bin_w,
                groups,
            }),
        )?;
    }
    Ok(())
}

/// A bin width from 1-2-5 × 10^k giving at most `max_bins` bins up to `max`.
pub(super) fn nice_bin(max: f64, max_bins: usize) -> f64 {
    let raw = (max / max_bins as f64).max(1e-3);
    let e = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * e >= raw {
            return m * e;
        }
    }
    10.0 * e
}

pub(super) fn timeline(data: &RunData, time: TimeAxis) -> Option<Figure> {
    let mut lanes: BTreeMap<&str, Vec<&TaskRow>> = BTreeMap::new();
    for t in data
        .tasks
        .iter()
        .filter(|t| !t.instance.is_empty() && t.created.is_finite())
    {
        lanes.entry(t.instance.as_str()).or_default().push(t);
    }
    if lanes.is_empty() || lanes.len() > TIMELINE_MAX_INSTANCES {
        return None;
    }
    let keys: Vec<String> = data
        .tasks
        .iter()
        .filter(|t| !t.instance.is_empty())
        .map(|t| t.key.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let key_ix: HashMap<&str, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let merge_gap = data.end_s / 2000.0;
    let mut bars = Vec::new();
    let names: Vec<String> = lanes.keys().map(|s| s.to_string()).collect();
    for (li, (_, mut tasks)) in lanes.into_iter().enumerate() {
        tasks.sort_by(|a, b| a.created.total_cmp(&b.created));
        // greedy interval packing into sub-rows
        let mut row_end: Vec<f64> = Vec::new();
        let mut placed: Vec<(usize, f64, f64, usize)> = Vec::new();
        for t in tasks {
            let end = if t.stopped.is_finite() {
                t.stopped
            } else {
                data.end_s
            };
            let row = match row_end.iter().position(|e| *e <= t.created) {
                Some(r) => r,
                None if row_end.len() < 12 => {
                    row_end.push(f64::NEG_INFINITY);
                    row_end.len() - 1
                }
                None => (0..row_end.len())
                    .min_by(|a, b| row_end[*a].total_cmp(&row_end[*b]))
                    .unwrap_or(0),
            };
            row_end[row] = row_end[row].max(end);
            let c = key_ix.get(t.key.as_str()).copied().unwrap_or(0);
            // merge with the row's previous bar when it is the same colour and the gap is invisible
            if let Some(last) = placed.iter_mut().rev().find(|p| p.0 == row)
                && last.3 == c
                && t.created - last.2 <= merge_gap
                && t.created >= last.1
            {
                last.2 = last.2.max(end);
                continue;
            }
            placed.push((row, t.created, end.max(t.created), c));
        }
        let rows = row_end.len().max(1);
        bars.extend(
            placed
                .into_iter()
                .map(|(r, a, b, c)| (li, r, rows, a, b, c)),
        );
        if bars.len() > TIMELINE_MAX_BARS {
            return None;
        }
    }
    Some(Figure::Timeline(TimelineFig {
        title: format!(
            "Placement timeline: tasks on container instances ({} instances)",
            names.len()
        ),
        time,
        lanes: names,
        bars,
        keys,
    }))
}

/// A worker's queue (§4.5): messages visible and in flight; backlog per task (visible ÷ max(1, RUNNING),
/// as the scaling metric) with its target-tracking target; the age of the oldest message.
pub(super) fn queue_panes(s: &Series, target: Option<&f64>) -> Vec<Pane> {
    let messages = int_pane(
        "messages",
        vec![
            line("visible", PALETTE[0], s, MSG_VISIBLE),
            line("in flight", PALETTE[1], s, MSG_IN_FLIGHT),
        ],
    );
    let per_task: Vec<f64> = (0..s.t.len())
        .map(|i| s.cols[MSG_VISIBLE][i] / s.cols[RUNNING][i].max(1.0))
        .collect();
    let mut backlog = pane(
        "messages per task",
        vec![line_of(
            "backlog per task",
            PALETTE[2],
            segments(&s.t, &per_task),
        )],
    );
    if let Some(v) = target {
        backlog.hlines.push(HLine {
            label: format!("target {}", fmt_value(*v)),
            y: *v,
            color: PALETTE[3],
        });
    }
    let age = pane(
        "oldest message (s)",
        vec![line("age", PALETTE[4], s, MSG_AGE)],
    );
    vec![messages, backlog, age]
}
