//! Reading a sweep file's tables, stage by stage: `seeds`, `base`, `[vary]`, `[[zip]]`, `[[variants]]`
//! and `headline`, each checked against the base scenario, and the paths two of them set at once.

use super::*;

/// `seeds`: a number of replications (1 to n) or a list of distinct seeds.
pub(super) fn seeds<'s>(cx: &mut Cx<'s>, v: Option<&Item<'s>>) -> Vec<u64> {
    let Some(v) = v else {
        cx.push(
            0..0,
            "seeds",
            "missing required key `seeds`: the replications, e.g. seeds = 10 (seeds 1 to 10) or seeds = [1, 7, 42]",
        );
        return Vec::new();
    };
    match v.get_ref() {
        DeValue::Integer(_) => match cx.value(v, "seeds").and_then(|x| x.as_integer()) {
            Some(n) if (1..=1_000_000).contains(&n) => (1..=n as u64).collect(),
            _ => {
                cx.push(
                    v.span(),
                    "seeds",
                    "expected a number of replications from 1 to 1000000",
                );
                Vec::new()
            }
        },
        DeValue::Array(items) => {
            let mut out = Vec::new();
            for (i, it) in items.iter().enumerate() {
                let f = format!("seeds[{i}]");
                match cx.value(it, &f).and_then(|x| x.as_integer()) {
                    Some(s) if s >= 0 => {
                        if out.contains(&(s as u64)) {
                            cx.push(it.span(), f, format!("seed {s} is listed twice"));
                        } else {
                            out.push(s as u64);
                        }
                    }
                    _ => cx.push(it.span(), f, "expected a seed: a whole number ≥ 0"),
                }
            }
            if items.is_empty() {
                cx.push(v.span(), "seeds", "list at least one seed");
            }
            out
        }
        _ => {
            cx.push(
                v.span(),
                "seeds",
                "expected a number of replications (seeds = 10) or a list of seeds",
            );
            Vec::new()
        }
    }
}

/// `base`: the scenario's path (relative to `dir`) and its table, once it loads; `None` when it does not
/// (its problems are recorded).
pub(super) fn base<'s>(
    cx: &mut Cx<'s>,
    v: Option<&Item<'s>>,
    dir: &Path,
) -> Option<(PathBuf, Table)> {
    let base_path: Option<PathBuf> = match v {
        Some(v) => cx.string(v, "base").map(|s| dir.join(s)),
        None => {
            cx.push(0..0, "base", "missing required key `base`: the scenario file to vary, relative to the sweep file");
            None
        }
    };
    let base_path = base_path?;
    let base_span = v.map_or(0..0, |v| v.span());
    if !cx.base_loads(&base_path, &base_span) {
        return None;
    }
    let base = cx.read_base(&base_path, &base_span)?;
    Some((base_path, base))
}

/// `[vary]`: one axis per `path = [values]`.
pub(super) fn vary<'s>(cx: &mut Cx<'s>, base: &Table, v: &Item<'s>) -> Vec<Axis> {
    let mut axes = Vec::new();
    let DeValue::Table(t) = v.get_ref() else {
        cx.push(
            v.span(),
            "vary",
            "expected a table: [vary] with `path = [values]` lines",
        );
        return axes;
    };
    let mut lists = Vec::new();
    flatten_lists(cx, t, "", "vary", &mut lists);
    for (path, key_span, items) in lists {
        let field = format!("vary.{path}");
        let Some(resolved) = resolve(cx, base, &path, key_span, &field) else {
            continue;
        };
        let mut points = Vec::new();
        for (i, it) in items.iter().enumerate() {
            let f = format!("{field}[{i}]");
            if let Some(val) = cx.value(it, &f) {
                points.push(vec![(
                    val,
                    Origin {
                        span: it.span(),
                        field: f,
                    },
                )]);
            }
        }
        if items.is_empty() {
            cx.push(v.span(), field, "list at least one value");
        }
        axes.push(Axis {
            paths: vec![(path, resolved)],
            points,
        });
    }
    axes
}

/// `[[zip]]`: one axis per table, its lists moving together.
pub(super) fn zips<'s>(cx: &mut Cx<'s>, base: &Table, v: &Item<'s>) -> Vec<Axis> {
    let tables: Vec<&Item> = match v.get_ref() {
        DeValue::Array(a) => a.iter().collect(),
        _ => {
            cx.push(v.span(), "zip", "expected [[zip]] tables");
            Vec::new()
        }
    };
    let mut axes = Vec::new();
    for (z, zt) in tables.iter().enumerate() {
        if let Some(axis) = zip(cx, base, z, zt) {
            axes.push(axis);
        }
    }
    axes
}

/// One `[[zip]]` table; `None` when any of it fails (recorded).
fn zip<'s>(cx: &mut Cx<'s>, base: &Table, z: usize, zt: &Item<'s>) -> Option<Axis> {
    let DeValue::Table(t) = zt.get_ref() else {
        cx.push(
            zt.span(),
            format!("zip[{z}]"),
            "expected a table of `path = [values]`",
        );
        return None;
    };
    let mut lists = Vec::new();
    flatten_lists(cx, t, "", &format!("zip[{z}]"), &mut lists);
    if lists.is_empty() {
        cx.push(
            zt.span(),
            format!("zip[{z}]"),
            "a [[zip]] table needs at least one `path = [values]`",
        );
        return None;
    }
    let len = lists[0].2.len();
    let mut axis = Axis {
        paths: Vec::new(),
        points: vec![Vec::new(); len],
    };
    let mut ok = true;
    for (path, key_span, items) in &lists {
        let field = format!("zip[{z}].{path}");
        if items.len() != len {
            cx.push(
                key_span.clone(),
                &field,
                format!(
                    "the lists of one [[zip]] move together and must have the same length: `{}` has {len} values, this one {}",
                    lists[0].0,
                    items.len()
                ),
            );
            ok = false;
            continue;
        }
        let Some(resolved) = resolve(cx, base, path, key_span.clone(), &field) else {
            ok = false;
            continue;
        };
        axis.paths.push((path.clone(), resolved));
        for (i, it) in items.iter().enumerate() {
            let f = format!("{field}[{i}]");
            match cx.value(it, &f) {
                Some(val) => axis.points[i].push((
                    val,
                    Origin {
                        span: it.span(),
                        field: f,
                    },
                )),
                None => ok = false,
            }
        }
    }
    if len == 0 {
        cx.push(zt.span(), format!("zip[{z}]"), "list at least one value");
        None
    } else {
        ok.then_some(axis)
    }
}

/// `[[variants]]`: named sets of values, each name once.
pub(super) fn named_variants<'s>(cx: &mut Cx<'s>, base: &Table, v: &Item<'s>) -> Vec<Named> {
    let tables: Vec<&Item> = match v.get_ref() {
        DeValue::Array(a) => a.iter().collect(),
        _ => {
            cx.push(
                v.span(),
                "variants",
                "expected [[variants]] tables with `name` and `set`",
            );
            Vec::new()
        }
    };
    let mut named: Vec<Named> = Vec::new();
    for (i, vt) in tables.iter().enumerate() {
        let field = format!("variants[{i}]");
        let DeValue::Table(t) = vt.get_ref() else {
            cx.push(vt.span(), &field, "expected a table with `name` and `set`");
            continue;
        };
        let (vname, sets) = variant_keys(cx, base, &field, t);
        match vname {
            Some(n) if !n.is_empty() => {
                if named.iter().any(|x| x.name == n) {
                    cx.push(
                        vt.span(),
                        format!("{field}.name"),
                        format!("two variants are named `{n}`"),
                    );
                }
                named.push(Named { name: n, sets });
            }
            _ => cx.push(
                vt.span(),
                format!("{field}.name"),
                "each [[variants]] needs a non-empty `name`",
            ),
        }
    }
    named
}

/// The keys of one `[[variants]]` table: its name and what it sets.
fn variant_keys<'s>(
    cx: &mut Cx<'s>,
    base: &Table,
    field: &str,
    t: &DeTable<'s>,
) -> (Option<String>, Vec<Setting>) {
    let mut vname = None;
    let mut sets = Vec::new();
    for (k, val) in entries(t) {
        match k.get_ref().as_ref() {
            "name" => vname = cx.string(val, &format!("{field}.name")),
            "description" => {
                cx.string(val, &format!("{field}.description"));
            }
            "set" => match val.get_ref() {
                DeValue::Table(st) => {
                    let mut leaves = Vec::new();
                    flatten_set(base, st, "", &mut leaves);
                    for (path, key_span, item) in leaves {
                        let f = format!("{field}.set.{path}");
                        let Some(resolved) = resolve(cx, base, &path, key_span, &f) else {
                            continue;
                        };
                        if let Some(value) = cx.value(item, &f) {
                            sets.push(Setting {
                                path,
                                resolved,
                                value,
                                origin: Origin {
                                    span: item.span(),
                                    field: f,
                                },
                            });
                        }
                    }
                }
                _ => cx.push(
                    val.span(),
                    format!("{field}.set"),
                    "expected a table: set = { path = value, … }",
                ),
            },
            other => {
                let keys = ["name", "set", "description"];
                let hint = closest(other, keys)
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                cx.push(
                    k.span(),
                    format!("{field}.{other}"),
                    format!(
                        "unknown key `{other}`, expected one of `name`, `set`, `description`{hint}"
                    ),
                );
            }
        }
    }
    (vname, sets)
}

/// `headline`: summary figures by name.
pub(super) fn headline<'s>(cx: &mut Cx<'s>, v: &Item<'s>) -> Vec<String> {
    let mut headline = Vec::new();
    let known = metric_names();
    match v.get_ref() {
        DeValue::Array(items) => {
            for (i, it) in items.iter().enumerate() {
                let f = format!("headline[{i}]");
                if let Some(s) = cx.string(it, &f) {
                    if is_metric_name(&s) {
                        headline.push(s);
                    } else {
                        let hint = closest(&s, known.iter().map(String::as_str))
                            .map(|c| format!("did you mean `{c}`? "))
                            .unwrap_or_default();
                        cx.push(
                            it.span(),
                            f,
                            format!(
                                "unknown summary figure `{s}`; {hint}figures: {}",
                                known.join(", ")
                            ),
                        );
                    }
                }
            }
        }
        _ => cx.push(
            v.span(),
            "headline",
            "expected a list of summary figures, e.g. [\"tasks.start_latency_s_p50\"]",
        ),
    }
    headline
}
