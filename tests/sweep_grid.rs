//! Small multiples of a sweep's grid (issue #20): a 2 × 3 grid gets one chart per key figure with a panel
//! per value of one dimension, the other along x, on one shared y scale, listed in `charts/index.json` and
//! shown in the report; a sweep of named variants gets none; the binary draws them for an example sweep.

mod common;
use common::svg_texts;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use ecsim::output::charts::render_sweep_charts;
use ecsim::output::report::write_sweep_report;

fn count(texts: &[String], t: &str) -> usize {
    texts.iter().filter(|x| *x == t).count()
}

/// Filled dots of radius 4: the points of the small multiples (legend dots have radius 5, the
/// baseline's ring 8).
fn points(svg: &str) -> usize {
    svg.matches("r=\"4\" opacity=\"1\" fill=\"#").count()
}

/// A sweep folder written by hand: dimension `tier` (x, y) × `count` (1, 2, 4), three seeds each, the
/// baseline `tier=x,count=2`. Cost is 10 + (1 for each step of count) + (10 for tier y), seeds ±1, so the
/// `tier = x` panel's means are 10, 11, 12 and the `tier = y` panel's 20, 21, 22.
fn grid_folder(with_grid: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let tiers = ["x", "y"];
    let counts = ["1", "2", "4"];
    let mut variants = Vec::new();
    for t in tiers {
        for c in counts {
            variants.push(format!("tier={t},count={c}"));
        }
    }
    let base = "tier=x,count=2";
    let list: Vec<String> = variants
        .iter()
        .map(|v| {
            let b = if v == base {
                "null".to_string()
            } else {
                format!("\"{base}\"")
            };
            format!(r#"{{"name": "{v}", "baseline": {b}, "values": []}}"#)
        })
        .collect();
    let grid = if with_grid {
        r#", "grid": [{"name": "tier", "values": ["x", "y"]}, {"name": "count", "values": ["1", "2", "4"]}]"#
    } else {
        ""
    };
    fs::write(
        p.join("sweep.json"),
        format!(
            r#"{{"format": 1, "name": "g", "seeds": [1, 2, 3], "parameters": [], "variants": [{}], "headline": []{grid}}}"#,
            list.join(", ")
        ),
    )
    .unwrap();
    let mut runs = String::from("variant,seed,cost_usd.total,placement_failures\n");
    let mut agg = String::from("variant,metric,n,mean,sd,ci95_low,ci95_high\n");
    for (i, v) in variants.iter().enumerate() {
        let mean = 10.0 + 10.0 * (i / 3) as f64 + (i % 3) as f64;
        for (s, d) in [-1.0, 0.0, 1.0].iter().enumerate() {
            runs.push_str(&format!("\"{v}\",{},{},0\n", s + 1, mean + d));
        }
        // sd 1, t(0.975, 2) = 4.303, half-width 4.303 / √3 = 2.484
        agg.push_str(&format!(
            "\"{v}\",cost_usd.total,3,{mean},1,{},{}\n",
            mean - 2.484,
            mean + 2.484
        ));
        agg.push_str(&format!("\"{v}\",placement_failures,3,0,0,0,0\n"));
    }
    fs::write(p.join("runs.csv"), runs).unwrap();
    fs::write(p.join("aggregate.csv"), agg).unwrap();
    dir
}

#[test]
fn a_two_by_three_grid_gets_small_multiples_on_one_y_scale() {
    let dir = grid_folder(true);
    let written = render_sweep_charts(dir.path()).unwrap();
    let svg_path = dir.path().join("charts/sweep-grid-cost_usd.total.svg");
    assert!(written.contains(&svg_path), "{written:?}");
    assert!(written.contains(&svg_path.with_extension("png")));
    // all-zero figures get no small multiples, as they get no chart
    assert!(
        !dir.path()
            .join("charts/sweep-grid-placement_failures.svg")
            .exists()
    );
    let svg = fs::read_to_string(&svg_path).unwrap();
    let texts = svg_texts(&svg);
    // x: count (3 values), panels: tier (2 values), titled `dim = value`
    assert_eq!(
        texts[0],
        "cost_usd.total (USD): mean and 95% CI by count and tier"
    );
    assert_eq!(count(&texts, "tier = x"), 1);
    assert_eq!(count(&texts, "tier = y"), 1);
    assert_eq!(count(&texts, "count"), 2, "the x axis named in each panel");
    for x in ["1", "2", "4"] {
        assert_eq!(count(&texts, x), 2, "x label {x} once per panel");
    }
    // 6 points, one per variant; the baseline ringed once
    assert_eq!(points(&svg), 6);
    assert_eq!(svg.matches("r=\"8\"").count(), 1);
    // One y scale: the means and CIs run from 10 − 2.484 = 7.516 to 22 + 2.484 = 24.484, padded by 6 %
    // of 16.968 (1.018) to 6.498..25.502; at most 6 ticks: raw step 19.004 / 5 = 3.8 → 5: 10, 15, 20, 25.
    // Every panel has all four, the `tier = x` panel too though its points stay below 15.
    for t in ["10", "15", "20", "25"] {
        assert_eq!(count(&texts, t), 2, "y tick {t} in each panel");
    }
    assert_eq!(count(&texts, "5"), 0);
    for t in [
        "95% confidence interval",
        "baseline variant",
        "the baseline's mean",
    ] {
        assert_eq!(count(&texts, t), 1, "legend lacks {t:?}");
    }

    let index = fs::read_to_string(dir.path().join("charts/index.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&index).unwrap();
    let entries = v["charts"].as_array().unwrap();
    let grid: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| e["section"] == "Small multiples")
        .collect();
    assert_eq!(grid.len(), 1);
    assert_eq!(grid[0]["file"], "sweep-grid-cost_usd.total.svg");
    assert_eq!(grid[0]["png"], "sweep-grid-cost_usd.total.png");
    // after the sweep's other charts
    assert_eq!(entries.last().unwrap()["section"], "Small multiples");

    let html = fs::read_to_string(write_sweep_report(dir.path()).unwrap()).unwrap();
    assert!(html.contains("<h2>Small multiples</h2>\n<p class=\"note\">One chart per key figure"));
    assert!(html.contains("charts/sweep-grid-cost_usd.total.svg"));
}

#[test]
fn named_variants_without_a_grid_get_no_small_multiples() {
    let dir = grid_folder(false);
    let written = render_sweep_charts(dir.path()).unwrap();
    no_small_multiples(&written);
    let html = fs::read_to_string(write_sweep_report(dir.path()).unwrap()).unwrap();
    assert!(!html.contains("Small multiples"));
}

/// The sweep's other charts are drawn, and no small multiples among them.
fn no_small_multiples(written: &[PathBuf]) {
    assert!(!written.is_empty(), "the other charts are drawn");
    let grid = |p: &PathBuf| {
        p.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("sweep-grid")
    };
    assert!(!written.iter().any(grid), "{written:?}");
}

#[test]
fn a_grid_of_one_dimension_or_of_the_wrong_size_gets_none() {
    let dir = grid_folder(true);
    let p = dir.path().join("sweep.json");
    let text = fs::read_to_string(&p).unwrap();
    // 2 × 3 recorded but 2 × 4 claimed: not this folder's grid, so nothing is drawn from it
    fs::write(
        &p,
        text.replace(r#""1", "2", "4"]"#, r#""1", "2", "4", "8"]"#),
    )
    .unwrap();
    no_small_multiples(&render_sweep_charts(dir.path()).unwrap());
    // one dimension of 6 values: the ordinary charts only
    fs::write(
        &p,
        text.replace(
            r#"{"name": "tier", "values": ["x", "y"]}, {"name": "count", "values": ["1", "2", "4"]}"#,
            r#"{"name": "tier", "values": ["a", "b", "c", "d", "e", "f"]}"#,
        ),
    )
    .unwrap();
    no_small_multiples(&render_sweep_charts(dir.path()).unwrap());
}

/// Four dimensions (2 × 3 × 2 × 2): x the 3 values, panels the first 2, lines the next, and the last
/// averaged seed by seed; the chart says which.
#[test]
fn a_fourth_dimension_is_averaged_and_the_chart_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let sizes = [2, 3, 2, 2];
    let names = ["a", "b", "c", "d"];
    let n: usize = sizes.iter().product();
    let variants: Vec<String> = (0..n).map(|i| format!("v{i}")).collect();
    let list: Vec<String> = variants
        .iter()
        .map(|v| format!(r#"{{"name": "{v}", "values": []}}"#))
        .collect();
    let dims: Vec<String> = names
        .iter()
        .zip(sizes)
        .map(|(d, k)| {
            let vals: Vec<String> = (0..k).map(|j| format!("\"{d}{j}\"")).collect();
            format!(r#"{{"name": "{d}", "values": [{}]}}"#, vals.join(", "))
        })
        .collect();
    fs::write(
        p.join("sweep.json"),
        format!(
            r#"{{"name": "four", "seeds": [1, 2], "variants": [{}], "grid": [{}]}}"#,
            list.join(", "),
            dims.join(", ")
        ),
    )
    .unwrap();
    let mut runs = String::from("variant,seed,cost_usd.total\n");
    let mut agg = String::from("variant,metric,n,mean,sd,ci95_low,ci95_high\n");
    for (i, v) in variants.iter().enumerate() {
        let x = i as f64 + 0.5;
        runs.push_str(&format!("{v},1,{}\n{v},2,{}\n", x - 0.25, x + 0.25));
        agg.push_str(&format!(
            "{v},cost_usd.total,2,{x},0.35,{},{}\n",
            x - 3.0,
            x + 3.0
        ));
    }
    fs::write(p.join("runs.csv"), runs).unwrap();
    fs::write(p.join("aggregate.csv"), agg).unwrap();
    render_sweep_charts(p).unwrap();
    let svg = fs::read_to_string(p.join("charts/sweep-grid-cost_usd.total.svg")).unwrap();
    let texts = svg_texts(&svg);
    assert_eq!(
        texts[0],
        "cost_usd.total (USD): mean and 95% CI by b, a and c"
    );
    assert_eq!(count(&texts, "a = a0") + count(&texts, "a = a1"), 2);
    // the line dimension's values in the legend, and the averaged dimension named
    assert!(count(&texts, "c:") == 1 && count(&texts, "c0") == 1 && count(&texts, "c1") == 1);
    let legend = texts.join(" ");
    assert!(
        legend.contains("each point averages, seed by seed, over d (2 values)"),
        "{legend}"
    );
    // 2 panels × 2 lines × 3 x values, the two values of d in one point
    assert_eq!(points(&svg), 12);
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `ecsim sweep` on the example 3 × 2 sweep writes the small multiples, lists them and shows them.
#[test]
fn the_binary_draws_small_multiples_of_an_example_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["sweep", "sweeps/quickstart-sizes.toml", "--out"])
        .arg(&out)
        .arg("-q")
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["grid"],
        serde_json::json!([
            {"name": "desired_count", "values": ["4", "6", "9"]},
            {"name": "instance_type", "values": ["m5.large", "c5.large"]}
        ])
    );
    let svg = read(&out.join("charts/sweep-grid-cost_usd.total.svg"));
    let texts = svg_texts(&svg);
    assert_eq!(count(&texts, "instance_type = m5.large"), 1);
    assert_eq!(count(&texts, "instance_type = c5.large"), 1);
    assert_eq!(points(&svg), 6);
    assert!(out.join("charts/sweep-grid-cost_usd.total.png").exists());
    // the sweep's headline figures too
    assert!(
        out.join("charts/sweep-grid-tasks.start_latency_s_p50.svg")
            .exists()
    );
    let index = read(&out.join("charts/index.json"));
    assert!(index.contains("\"file\": \"sweep-grid-cost_usd.total.svg\""));
    let html = read(&out.join("report.html"));
    assert!(html.contains("<h2>Small multiples</h2>"));
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The grid `sweep.json` records: the named variants (crossed with a grid) as the dimension `variant`,
/// then each `[vary]` line and `[[zip]]` table, named as in the variant names, the first slowest; every
/// variant's name is its coordinates' values. Named variants alone record none.
#[test]
fn the_grid_of_named_variants_vary_and_zip_is_recorded() {
    let quickstart = repo().join("scenarios/quickstart.toml");
    let text = format!(
        r#"
base = "{}"
seeds = 2
[vary]
services.web.desired_count = [2, 4, 6]
"capacity_providers.general.instance_type" = ["m5.large", "c5.large"]
[[zip]]
"services.worker.desired_count" = [2, 8]
"capacity_providers.general.desired_size" = [1, 3]
[[variants]]
name = "spread"
[[variants]]
name = "packed"
set = {{ services.web.placement_strategy = [{{ type = "binpack", field = "memory" }}] }}
"#,
        quickstart.display()
    );
    let s = ecsim::sweep::load_str(&text, "grid.toml", Path::new("."), "grid").unwrap();
    let dims: Vec<(&str, Vec<&str>)> = s
        .grid
        .iter()
        .map(|d| {
            (
                d.name.as_str(),
                d.values.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        dims,
        [
            ("variant", vec!["spread", "packed"]),
            ("web.desired_count", vec!["2", "4", "6"]),
            ("instance_type", vec!["m5.large", "c5.large"]),
            ("worker.desired_count/desired_size", vec!["2/1", "8/3"]),
        ]
    );
    // variant 17 = 1·12 + 1·4 + 0·2 + 1: packed, web 4, m5.large, the zip's second point
    assert_eq!(
        s.variants[17].name,
        "packed,web.desired_count=4,instance_type=m5.large,worker.desired_count=8,desired_size=3"
    );
    let m = ecsim::sweep::store::Manifest::of(&s);
    assert_eq!(m.grid, s.grid);

    let named_only = format!(
        "base = \"{}\"\nseeds = 2\n[[variants]]\nname = \"a\"\n[[variants]]\nname = \"b\"\nset = {{ services.web.desired_count = 3 }}\n",
        quickstart.display()
    );
    let s = ecsim::sweep::load_str(&named_only, "n.toml", Path::new("."), "n").unwrap();
    assert!(s.grid.is_empty());
    let json = serde_json::to_string(&ecsim::sweep::store::Manifest::of(&s)).unwrap();
    assert!(!json.contains("\"grid\""), "no grid key: {json}");
}
