use super::*;

#[test]
fn short_names_are_unique_suffixes() {
    let p = |v: &[&str]| short_names(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(
        p(&[
            "services.web.desired_count",
            "capacity_providers.fleet.instance_type"
        ]),
        ["desired_count", "instance_type"]
    );
    assert_eq!(
        p(&[
            "services.web.desired_count",
            "services.worker.desired_count"
        ]),
        ["web.desired_count", "worker.desired_count"]
    );
}

fn quickstart() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/quickstart.toml").to_string()
}

fn errors(body: &str) -> String {
    let text = format!("base = \"{}\"\n{body}", quickstart());
    match load_str(&text, "s.toml", Path::new("."), "s") {
        Ok(_) => panic!("should not load:\n{text}"),
        Err(d) => d.to_string(),
    }
}

#[test]
fn sweep_file_errors() {
    let e = errors("seeds = [1, 2, 1]");
    assert!(
        e.contains("s.toml:2:16: field `seeds[2]`: seed 1 is listed twice"),
        "{e}"
    );
    let e = errors("seeds = 0");
    assert!(e.contains("from 1 to 1000000"), "{e}");
    let e = errors("[vary]\nduration = [\"1h\"]");
    assert!(e.contains("missing required key `seeds`"), "{e}");
    let e = errors("seeds = 2\n[vary]\nduration = [\"1h\", \"1h\"]");
    assert!(
        e.contains("would appear twice: a value is listed twice"),
        "{e}"
    );
    let e = errors("seeds = 2\n[vary]\nduration = \"1h\"");
    assert!(e.contains("expected a list of values to try"), "{e}");
    let e = errors(
        "seeds = 2\n[vary]\nduration = [\"1h\", \"2h\"]\n[[variants]]\nname = \"a\"\nset = { duration = \"3h\" }",
    );
    assert!(
        e.contains("variant `a` sets `duration`, which the grid varies"),
        "{e}"
    );
    let e = errors("seeds = 2\n[[variants]]\nname = \"a\"\nsett = {}");
    assert!(e.contains("did you mean `set`?"), "{e}");
    let e = errors("seeds = 2\n[[variants]]\nname = \"a\"\n[[variants]]\nname = \"a\"");
    assert!(e.contains("two variants are named `a`"), "{e}");
    let e = errors("seeds = 2\nbaseline = \"bsae\"\n[[variants]]\nname = \"base\"");
    assert!(
        e.contains("no variant is named `bsae`; did you mean `base`?"),
        "{e}"
    );
    let e = errors("seeds = 2\nheadline = [\"tasks.lanched\"]");
    assert!(e.contains("did you mean `tasks.launched`?"), "{e}");
    let e = errors("seeds = 2\nname = \"a b\"");
    assert!(e.contains("names the output folder"), "{e}");
}

#[test]
fn headline_accepts_per_scenario_keys() {
    let text = format!(
        "base = \"{}\"\nseeds = 1\nheadline = [\"tasks.launched\"]",
        quickstart()
    );
    assert!(load_str(&text, "s.toml", Path::new("."), "s").is_ok());
}

#[test]
fn the_hash_covers_texts_seeds_and_referenced_files() {
    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    std::fs::create_dir(tmp.path().join("taskdefs")).unwrap();
    for f in [
        "aws-json-taskdef.toml",
        "taskdefs/web-api.json",
        "taskdefs/worker-fargate.json",
    ] {
        std::fs::copy(root.join(f), tmp.path().join(f)).unwrap();
    }
    let sweep = "base = \"aws-json-taskdef.toml\"\nseeds = 2\n";
    let hash = |text: &str| load_str(text, "s.toml", tmp.path(), "s").unwrap().grid_hash;
    let h = hash(sweep);
    assert_eq!(h.len(), 32);
    assert_eq!(hash(sweep), h, "stable");
    assert_ne!(
        hash("base = \"aws-json-taskdef.toml\"\nseeds = 3\n"),
        h,
        "seeds"
    );
    let json = tmp.path().join("taskdefs/web-api.json");
    let text = std::fs::read_to_string(&json).unwrap();
    std::fs::write(&json, format!("{text}\n")).unwrap();
    assert_ne!(hash(sweep), h, "a referenced task definition file changed");
}

#[test]
fn hash_is_stable() {
    assert_eq!(fnv1a(b"", 0xcbf2_9ce4_8422_2325), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a(b"a", 0xcbf2_9ce4_8422_2325), 0xaf63_dc4c_8601_ec8c);
}
