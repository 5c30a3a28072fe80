//! Expanding a checked sweep into its variants, stage by stage: the parameters (columns), the plans (named
//! variants × grid points, with their names), the baselines, and every variant's scenario, loaded.

use super::*;

/// One variant before its scenario is built: its name, where it sits, and what it sets.
pub(super) struct Plan {
    name: String,
    named: Option<usize>,
    point: usize,
    sets: Vec<Setting>,
}

/// The paths some variant sets, in order of first appearance (grid paths first), each once.
pub(super) fn parameters(axes: &[Axis], named: &[Named]) -> Vec<(String, Resolved)> {
    let mut parameters: Vec<(String, Resolved)> = Vec::new();
    for (p, r) in axes.iter().flat_map(|a| a.paths.iter().cloned()).chain(
        named
            .iter()
            .flat_map(|n| n.sets.iter().map(|s| (s.path.clone(), s.resolved.clone()))),
    ) {
        if !parameters.iter().any(|(_, q)| q.field == r.field) {
            parameters.push((p, r));
        }
    }
    parameters
}

/// Named variants (outer) × grid points (first axis slowest), each named by its values.
pub(super) fn plans(axes: &[Axis], named: &[Named], n_points: usize) -> Vec<Plan> {
    let grid_paths: Vec<String> = axes
        .iter()
        .flat_map(|a| a.paths.iter().map(|(p, _)| p.clone()))
        .collect();
    let shorts = short_names(&grid_paths);
    let mut plans: Vec<Plan> = Vec::new();
    let named_count = named.len().max(1);
    for ni in 0..named_count {
        for point in 0..n_points {
            let mut sets: Vec<Setting> = named.get(ni).map(|n| n.sets.clone()).unwrap_or_default();
            let mut parts: Vec<String> = named
                .get(ni)
                .map(|n| vec![n.name.clone()])
                .unwrap_or_default();
            let mut rest = point;
            let mut coords = vec![0; axes.len()];
            for (ai, a) in axes.iter().enumerate().rev() {
                coords[ai] = rest % a.points.len();
                rest /= a.points.len();
            }
            let mut pi = 0;
            for (ai, a) in axes.iter().enumerate() {
                for (j, (path, resolved)) in a.paths.iter().enumerate() {
                    let (value, origin) = &a.points[coords[ai]][j];
                    parts.push(format!("{}={}", shorts[pi], paths::display(value)));
                    sets.push(Setting {
                        path: path.clone(),
                        resolved: resolved.clone(),
                        value: value.clone(),
                        origin: origin.clone(),
                    });
                    pi += 1;
                }
            }
            let name = if parts.is_empty() {
                "base".to_string()
            } else {
                parts.join(",")
            };
            plans.push(Plan {
                name,
                named: named.get(ni).map(|_| ni),
                point,
                sets,
            });
        }
    }
    plans
}

/// The grid's dimensions, slowest first, in the order [`plans`] expands them: the named variants (when
/// there is also a grid), then each axis, named and valued as in the variant names.
pub(super) fn grid(axes: &[Axis], named: &[Named]) -> Vec<GridDim> {
    if axes.is_empty() {
        return Vec::new();
    }
    let grid_paths: Vec<String> = axes
        .iter()
        .flat_map(|a| a.paths.iter().map(|(p, _)| p.clone()))
        .collect();
    let shorts = short_names(&grid_paths);
    let mut dims: Vec<GridDim> = Vec::new();
    if !named.is_empty() {
        dims.push(GridDim {
            name: "variant".into(),
            values: named.iter().map(|n| n.name.clone()).collect(),
        });
    }
    let mut pi = 0;
    for a in axes {
        let k = a.paths.len();
        dims.push(GridDim {
            name: shorts[pi..pi + k].join("/"),
            values: a
                .points
                .iter()
                .map(|pt| {
                    let vals: Vec<String> = pt.iter().map(|(v, _)| paths::display(v)).collect();
                    vals.join("/")
                })
                .collect(),
        });
        pi += k;
    }
    dims
}

/// Two grid points with the same name: a value listed twice.
pub(super) fn check_plan_names(cx: &mut Cx, plans: &[Plan]) {
    for (i, p) in plans.iter().enumerate() {
        if let Some(j) = plans[..i].iter().position(|q| q.name == p.name) {
            let origin = p
                .sets
                .iter()
                .zip(&plans[j].sets)
                .rev()
                .find(|(a, b)| a.origin.field != b.origin.field)
                .map(|(a, _)| a.origin.clone())
                .unwrap_or(Origin {
                    span: 0..0,
                    field: String::new(),
                });
            cx.push(
                origin.span,
                origin.field,
                format!(
                    "variant `{}` would appear twice: a value is listed twice",
                    p.name
                ),
            );
        }
    }
}

/// `baseline`: a variant's name, or a named variant (then each grid point against its own).
pub(super) fn baselines<'s>(
    cx: &mut Cx<'s>,
    v: Option<&Item<'s>>,
    plans: &[Plan],
    named: &[Named],
) -> Vec<Option<usize>> {
    let mut baselines: Vec<Option<usize>> = vec![None; plans.len()];
    let Some(v) = v else { return baselines };
    let Some(b) = cx.string(v, "baseline") else {
        return baselines;
    };
    if let Some(bi) = plans.iter().position(|p| p.name == b) {
        for (i, slot) in baselines.iter_mut().enumerate() {
            *slot = (i != bi).then_some(bi);
        }
    } else if let Some(bn) = named.iter().position(|n| n.name == b) {
        for (i, slot) in baselines.iter_mut().enumerate() {
            let p = &plans[i];
            let bi = plans
                .iter()
                .position(|q| q.named == Some(bn) && q.point == p.point)
                .expect("every named variant has every grid point");
            *slot = (i != bi).then_some(bi);
        }
    } else {
        let names = plans
            .iter()
            .map(|p| p.name.as_str())
            .chain(named.iter().map(|n| n.name.as_str()));
        let hint = closest(&b, names)
            .map(|c| format!("did you mean `{c}`? "))
            .unwrap_or_default();
        let list: Vec<&str> = plans.iter().map(|p| p.name.as_str()).take(12).collect();
        cx.push(
            v.span(),
            "baseline",
            format!(
                "no variant is named `{b}`; {hint}variants: {}{}",
                list.join(", "),
                if plans.len() > 12 { ", …" } else { "" }
            ),
        );
    }
    baselines
}

/// The base scenario a sweep varies: its path, table and folder (relative paths in it resolve there).
pub(super) struct Base {
    pub path: PathBuf,
    pub table: Table,
    pub dir: PathBuf,
}

/// Build and load every variant's scenario; also the string values the scenarios hold (candidate file
/// references, for the grid hash). Variants that fail are recorded, at the setting that caused it.
pub(super) fn variants(
    cx: &mut Cx,
    plans: &[Plan],
    base: &Base,
    parameters: &[(String, Resolved)],
    baselines: &[Option<usize>],
) -> (Vec<Variant>, std::collections::BTreeSet<String>) {
    let mut variants: Vec<Variant> = Vec::new();
    let mut referenced = std::collections::BTreeSet::new();
    for plan in plans {
        let mut table = base.table.clone();
        for s in &plan.sets {
            paths::set(&mut table, &s.resolved.steps, s.value.clone());
        }
        table.values().for_each(|v| strings(v, &mut referenced));
        let text = match toml::to_string(&table) {
            Ok(t) => t,
            Err(e) => {
                cx.push(
                    0..0,
                    "",
                    format!("variant `{}`: cannot write its scenario: {e}", plan.name),
                );
                continue;
            }
        };
        let vlabel = format!("{} (variant {})", base.path.display(), plan.name);
        match scenario::load_str(&text, &vlabel, &base.dir) {
            Ok(spec) => {
                let values = parameters
                    .iter()
                    .map(|(_, r)| {
                        plan.sets
                            .iter()
                            .rev()
                            .find(|s| s.resolved.field == r.field)
                            .map(|s| paths::display(&s.value))
                            .or_else(|| paths::get(&base.table, &r.steps).map(paths::display))
                            .unwrap_or_default()
                    })
                    .collect();
                variants.push(Variant {
                    name: plan.name.clone(),
                    values,
                    baseline: baselines[variants.len()],
                    spec,
                    text,
                });
            }
            Err(d) => attribute(cx, &plan.name, &plan.sets, &vlabel, d.0),
        }
    }
    (variants, referenced)
}
