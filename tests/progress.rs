//! `ecsim run`'s progress bar (issue #20, src/progress.rs) is drawn on a terminal only, and not with `-q`.
//! `ECSIM_PROGRESS_AFTER_MS=0` makes it appear at once, so a short run would draw it if it were allowed
//! to; the terminal case runs the binary under `script` (a pseudo-terminal), where that tool exists.

use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What the bar writes: carriage returns / ANSI escapes (indicatif redraws in place) and its text.
fn has_bar(s: &str) -> bool {
    s.contains('\r') || s.contains('\u{1b}') || s.contains("events/s")
}

/// A short scenario (2 h simulated): with the bar shown at once, its length does not matter.
const SCENARIO: &str = "scenarios/quickstart.toml";

#[test]
fn a_piped_run_prints_no_bar() {
    let tmp = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["run", SCENARIO, "--out"])
        .arg(tmp.path().join("out"))
        .env("ECSIM_PROGRESS_AFTER_MS", "0")
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!has_bar(&err), "stderr: {err:?}");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!has_bar(&out), "stdout: {out:?}");
}

/// Under a pseudo-terminal the bar shows (so the piped test above is not vacuous), and `-q` hides it.
#[test]
fn on_a_terminal_the_bar_shows_unless_quiet() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` to make a pseudo-terminal");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let run = |quiet: bool| {
        let cmd = format!(
            "{} run {SCENARIO} --out {}{}",
            env!("CARGO_BIN_EXE_ecsim"),
            tmp.path().join("out").display(),
            if quiet { " -q" } else { "" }
        );
        let o = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env("ECSIM_PROGRESS_AFTER_MS", "0")
            .current_dir(repo())
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let shown = run(false);
    assert!(shown.contains("events/s, ETA"), "{shown:?}");
    assert!(shown.contains("of 02:00:00"), "{shown:?}");
    let quiet = run(true);
    assert!(!has_bar(&quiet), "{quiet:?}");
}
