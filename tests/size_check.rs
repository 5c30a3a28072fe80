//! `scripts/check-size.sh` measures what the house rules say (files over 1,200 lines before their trailing
//! test modules, functions over 200 lines from `fn` to the closing brace) on the shapes rustfmt writes, and
//! its allowlist only lets items shrink. Each case runs the script on a small tree in a temporary folder.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/check-size.sh")
}

/// `n` lines of statements at `indent` spaces.
fn body(n: usize, indent: usize) -> String {
    (0..n)
        .map(|i| format!("{:indent$}let x{i} = {i};\n", ""))
        .collect()
}

/// A tree with every shape the scan must get right; the sizes are in the names.
fn tree(dir: &Path) {
    fs::create_dir_all(dir.join("src/sub")).unwrap();
    fs::create_dir_all(dir.join("scripts")).unwrap();
    // A method of 201 lines: the `fn` line, 199 statements, the closing brace.
    // A method of 200 lines, a bodiless trait method and a one-line fn: none is an offender.
    // A free function with a multi-line signature and a where clause: `fn` line, 2 parameter lines,
    // `) -> u32`, `where`, a bound, `{`, 194 statements, `0`, `}` = 1 + 2 + 1 + 1 + 1 + 1 + 194 + 1 + 1
    // = 203 lines.
    let a = format!(
        "pub struct Foo<'a>(&'a u32);\n\
         \n\
         impl<'a> Foo<'a> {{\n\
         \x20   pub fn long(&self) {{\n{}    }}\n\
         \n\
         \x20   fn exact(&self) {{\n{}    }}\n\
         \n\
         \x20   fn short(&self) -> u32 {{ 1 }}\n\
         }}\n\
         \n\
         pub trait Shape {{\n\
         \x20   fn area(&self) -> f64;\n\
         }}\n\
         \n\
         pub fn generic<T>(\n\
         \x20   a: T,\n\
         \x20   b: T,\n\
         ) -> u32\n\
         where\n\
         \x20   T: Copy,\n\
         {{\n{}    0\n\
         }}\n",
        body(199, 8),
        body(198, 8),
        body(194, 4)
    );
    fs::write(dir.join("src/a.rs"), a).unwrap();
    // 1,200 lines of code, then two test modules, one with a raw string whose `}` is at column 0:
    // within the limit, however long the tests.
    let mut ok = body(1200, 0);
    ok.push_str("#[cfg(test)]\nmod tests {\n    const J: &str = r#\"{\n}\"#;\n");
    ok.push_str(&body(300, 4));
    ok.push_str("}\n\n#[cfg(test)]\nmod more_tests {\n    fn t() {}\n}\n");
    fs::write(dir.join("src/sub/ok.rs"), ok).unwrap();
    // 1,201 lines; a test module in the middle does not count as trailing.
    let mut big = body(600, 0);
    big.push_str("#[cfg(test)]\nmod tests {\n    fn t() {}\n}\n");
    big.push_str(&body(597, 0));
    fs::write(dir.join("src/sub/big.rs"), big).unwrap();
}

fn run(dir: &Path, allowlist: &str) -> (bool, String) {
    fs::write(dir.join("scripts/size-allowlist.txt"), allowlist).unwrap();
    let out = Command::new("bash")
        .arg(script())
        .arg("--root")
        .arg(dir)
        .output()
        .expect("bash runs the script");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

const ALL: &str =
    "# today's offenders\nsrc/a.rs:Foo::long 201\nsrc/a.rs:generic 203\nsrc/sub/big.rs 1201\n";

#[test]
fn offenders_are_measured_as_the_rules_say() {
    let tmp = tempfile::tempdir().unwrap();
    tree(tmp.path());
    let (ok, text) = run(tmp.path(), "");
    assert!(!ok, "new offenders must fail:\n{text}");
    for want in [
        "function src/a.rs:Foo::long is 201 lines",
        "function src/a.rs:generic is 203 lines",
        "file src/sub/big.rs is 1201 lines",
    ] {
        assert!(text.contains(want), "missing `{want}` in:\n{text}");
    }
    for not in ["exact", "short", "area", "ok.rs", "src/a.rs is"] {
        assert!(!text.contains(not), "`{not}` is within the limits:\n{text}");
    }
}

#[test]
fn allowlisted_items_may_shrink_but_not_grow() {
    let tmp = tempfile::tempdir().unwrap();
    tree(tmp.path());
    let (ok, text) = run(tmp.path(), ALL);
    assert!(ok, "today's offenders at today's sizes pass:\n{text}");

    let (ok, text) = run(tmp.path(), &ALL.replace("Foo::long 201", "Foo::long 200"));
    assert!(!ok, "an allowlisted item that grew must fail:\n{text}");
    assert!(text.contains("Foo::long grew to 201 lines"), "{text}");

    let (ok, text) = run(tmp.path(), &ALL.replace("big.rs 1201", "big.rs 1300"));
    assert!(ok, "an item smaller than its allowance passes:\n{text}");
    assert!(
        text.contains("note: src/sub/big.rs shrank to 1201 lines"),
        "{text}"
    );

    let (ok, text) = run(tmp.path(), &format!("{ALL}src/sub/ok.rs 1250\n"));
    assert!(ok, "{text}");
    assert!(
        text.contains("note: src/sub/ok.rs is now within its limit"),
        "an allowlisted item within its limit is pointed out:\n{text}"
    );
}

#[test]
fn the_repository_passes_its_own_check() {
    let out = Command::new("bash")
        .arg(script())
        .output()
        .expect("bash runs the script");
    assert!(
        out.status.success(),
        "scripts/check-size.sh fails on this tree:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
