//! The charts of a plan (issue #22 item 3): cost against SLO attainment for every candidate (the
//! objective, the Pareto front, the recommendation and the runner-up marked), and a heat map of the
//! cheapest feasible monthly cost over the two most important dimensions
//! ([`important_dims`](crate::output::plan_dims::important_dims)). Built from a finished plan's
//! [`PlanOutcome`], drawn by `plan_draw.rs`.

use super::*;
use crate::output::plan_dims::{important_dims, levels, value};
use crate::plan::{Candidate, PlanOutcome, Status};

/// Attainment is drawn on a "nines" scale, −log10(1 − a): 90 % at 1, 99 % at 2, 99.9 % at 3. A miss share
/// below this is drawn as this (so 100 % sits at 5).
pub(super) const MISS_FLOOR: f64 = 1e-5;

/// `a` on the nines scale.
pub(super) fn nines(a: f64) -> f64 {
    -(1.0 - a).clamp(MISS_FLOOR, 1.0).log10()
}

/// A point of the cost chart.
pub(super) struct PlanPoint {
    /// Attainment, nines scale (mean, and the interval's ends).
    pub(super) x: f64,
    pub(super) x_ci: (f64, f64),
    /// Monthly cost, USD.
    pub(super) y: f64,
    pub(super) status: Status,
    /// Drawn as a triangle (Fargate) rather than a circle (EC2).
    pub(super) fargate: bool,
    pub(super) front: bool,
}

pub(super) struct PlanCostFig {
    pub(super) title: String,
    pub(super) points: Vec<PlanPoint>,
    /// The objective on the nines scale, and its label.
    pub(super) objective: (f64, String),
    pub(super) budget: Option<f64>,
    /// Index into `points` and label: the recommendation, the runner-up.
    pub(super) recommended: Option<(usize, String)>,
    pub(super) runner_up: Option<(usize, String)>,
}

/// One cell of the heat map.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell {
    /// The cheapest feasible candidate's monthly cost (USD) and attainment.
    Feasible(f64, f64),
    /// No feasible candidate: the best attainment reached.
    Infeasible(f64),
    /// Only candidates the search dropped before their full evaluation.
    Pruned,
    /// No candidate with figures.
    Empty,
}

/// Whether `a` shows more than `b` in a heat-map cell: a feasible candidate before any other (the
/// cheaper of two), an infeasible one before a pruned one (the better attainment of two).
fn better(a: &Cell, b: &Cell) -> bool {
    let rank = |c: &Cell| match c {
        Cell::Feasible(..) => 3,
        Cell::Infeasible(_) => 2,
        Cell::Pruned => 1,
        Cell::Empty => 0,
    };
    match (a, b) {
        (Cell::Feasible(m, _), Cell::Feasible(n, _)) => m < n,
        (Cell::Infeasible(x), Cell::Infeasible(y)) => x > y,
        _ => rank(a) > rank(b),
    }
}

pub(super) struct HeatFig {
    pub(super) title: String,
    pub(super) x_desc: String,
    pub(super) y_desc: String,
    pub(super) x_levels: Vec<String>,
    pub(super) y_levels: Vec<String>,
    /// `cells[y][x]`.
    pub(super) cells: Vec<Vec<Cell>>,
    /// The recommendation's cell (x, y).
    pub(super) marked: Option<(usize, usize)>,
    /// How the axes were chosen, for the legend.
    pub(super) why: Vec<String>,
}

/// The cost chart's figure: every candidate with both figures.
pub(super) fn cost_figure(p: &PlanOutcome) -> PlanCostFig {
    let mut points = Vec::new();
    let mut at = vec![None; p.candidates.len()];
    for (i, c) in p.candidates.iter().enumerate() {
        let (Some(a), Some(m)) = (c.attainment, c.cost_month) else {
            continue;
        };
        at[i] = Some(points.len());
        points.push(PlanPoint {
            x: nines(a.mean),
            x_ci: (nines(a.low), nines(a.high)),
            y: m.mean,
            status: c.status,
            fargate: c.launch.is_fargate(),
            front: p.pareto.contains(&i),
        });
    }
    let mark = |i: Option<usize>, what: &str| {
        let i = i?;
        let label = format!("{what}: {}", p.candidates[i].launch.as_str());
        Some((at[i]?, label))
    };
    PlanCostFig {
        title: format!(
            "{}: monthly cost against SLO attainment, per candidate",
            p.name
        ),
        points,
        objective: (
            nines(p.slo.objective),
            format!("objective {} %", fmt_value(p.slo.objective * 100.0)),
        ),
        budget: p.slo.budget_usd_per_month,
        recommended: mark(p.recommendation, "recommended"),
        runner_up: mark(p.runner_up, "runner-up"),
    }
}

/// The heat map's figure, or `None` when fewer than two dimensions vary.
pub(super) fn heat_figure(p: &PlanOutcome) -> Option<HeatFig> {
    let [(a, ia), (b, ib)] = important_dims(p)?;
    let xl = levels(p.candidates.iter().map(|c| value(c, a)));
    let yl = levels(p.candidates.iter().map(|c| value(c, b)));
    let mut cells = vec![vec![Cell::Empty; xl.len()]; yl.len()];
    let pos = |c: &Candidate| {
        let x = xl.iter().position(|v| v == value(c, a))?;
        let y = yl.iter().position(|v| v == value(c, b))?;
        Some((x, y))
    };
    for c in &p.candidates {
        let (Some((x, y)), Some(att), Some(cost)) = (pos(c), c.attainment, c.cost_month) else {
            continue;
        };
        let new = match c.status {
            Status::Feasible => Cell::Feasible(cost.mean, att.mean),
            Status::Infeasible => Cell::Infeasible(att.mean),
            Status::Pruned | Status::Skipped => Cell::Pruned,
        };
        let cell = &mut cells[y][x];
        if better(&new, cell) {
            *cell = new;
        }
    }
    let marked = p.recommendation.and_then(|i| pos(&p.candidates[i]));
    Some(HeatFig {
        title: format!(
            "{}: cheapest feasible monthly cost by {} and {}",
            p.name, p.parameters[a], p.parameters[b]
        ),
        x_desc: p.parameters[a].clone(),
        y_desc: p.parameters[b].clone(),
        x_levels: xl,
        y_levels: yl,
        cells,
        marked,
        why: vec![
            "axes: the 2 dimensions".into(),
            "explaining most of the".into(),
            "spread in attainment".into(),
            "and in log cost (η² of".into(),
            "each, summed):".into(),
            format!("{} {}", truncate(&p.parameters[a], 16), fmt_value(ia)),
            format!("{} {}", truncate(&p.parameters[b], 16), fmt_value(ib)),
        ],
    })
}

/// Render the plan's charts into DIR/charts/ (SVG and PNG, with `charts/index.json`): `plan-cost` and,
/// when two dimensions vary, `plan-heatmap`. Returns the paths written.
pub fn render_plan_charts(dir: &Path, p: &PlanOutcome) -> io::Result<Vec<PathBuf>> {
    let mut w = Writer::new(dir)?;
    w.emit(
        "plan-cost",
        "Cost and attainment",
        &Figure::PlanCost(cost_figure(p)),
    )?;
    if let Some(h) = heat_figure(p) {
        w.emit("plan-heatmap", "Cost and attainment", &Figure::Heat(h))?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::plan_dims::tests::sample;

    #[test]
    fn nines_scale() {
        assert!((nines(0.9) - 1.0).abs() < 1e-12);
        assert!((nines(0.99) - 2.0).abs() < 1e-12);
        assert_eq!(nines(1.0), 5.0);
        assert_eq!(nines(0.0), 0.0);
    }

    #[test]
    fn heat_map_keeps_the_cheapest_feasible_per_cell() {
        let p = sample();
        let h = heat_figure(&p).unwrap();
        assert_eq!(h.x_desc, "cpu");
        assert_eq!(h.y_desc, "launch");
        assert_eq!(h.x_levels, ["128", "256", "512", "1024"]);
        assert_eq!(h.y_levels, ["ec2", "fargate"]);
        // EC2 × 1024: targets 50 (86.92) and 70 (0.08 × 1024 = 81.92, attainment 0.996): the cheaper
        let Cell::Feasible(m, a) = h.cells[0][3] else {
            panic!("{:?}", h.cells[0][3])
        };
        assert!((m - 81.92).abs() < 1e-9 && (a - 0.996).abs() < 1e-12);
        // EC2 × 512: both infeasible, the better attainment 0.985
        assert_eq!(h.cells[0][2], Cell::Infeasible(0.985));
        // Fargate × 128 was skipped: no figures
        assert_eq!(h.cells[1][0], Cell::Empty);
        assert_eq!(h.marked, Some((3, 0)));
    }

    #[test]
    fn cost_figure_marks_the_recommendation() {
        let p = sample();
        let f = cost_figure(&p);
        assert_eq!(f.points.len(), 12, "the skipped candidate has no point");
        let (i, label) = f.recommended.unwrap();
        assert_eq!(label, "recommended: ec2");
        assert!((f.points[i].y - 81.92).abs() < 1e-9);
        assert_eq!(f.runner_up.unwrap().1, "runner-up: fargate");
        assert_eq!(f.points.iter().filter(|p| p.front).count(), 2);
        assert!((f.objective.0 - 2.0).abs() < 1e-12);
    }

    #[test]
    fn plan_charts_are_written_as_svg_and_png() {
        let dir = tempfile::tempdir().unwrap();
        let written = render_plan_charts(dir.path(), &sample()).unwrap();
        let names: Vec<String> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "plan-cost.svg",
                "plan-cost.png",
                "plan-heatmap.svg",
                "plan-heatmap.png"
            ]
        );
        let svg = fs::read_to_string(dir.path().join("charts/plan-heatmap.svg")).unwrap();
        assert!(svg.contains("no feasible candidate"), "legend");
        assert!(svg.contains("$81.92"), "the recommendation's cell");
        let svg = fs::read_to_string(dir.path().join("charts/plan-cost.svg")).unwrap();
        assert!(svg.contains("objective 99 %") && svg.contains("recommended: ec2"));
        let list = read_index(dir.path()).unwrap();
        assert_eq!(list.len(), 2);
    }
}
