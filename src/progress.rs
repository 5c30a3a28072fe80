//! `ecsim run`'s progress bar (issue #20): simulated time / horizon, events per second and an ETA, on
//! stderr, only when stderr is a terminal, not with `-q`, and only once the run has taken [`SHOW_AFTER`]
//! of wall time (short runs never flash a bar; `ECSIM_PROGRESS_AFTER_MS` overrides it, for tests). The simulation does no I/O: it stores its figures into a
//! [`sim::Progress`] hook (see `src/sim/progress.rs`); a watcher thread reads them and draws.

use std::io::IsTerminal as _;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use ecsim::metrics::{Sink, Summary};
use ecsim::sim;
use ecsim::spec::Spec;

/// Wall time before the bar appears.
const SHOW_AFTER: Duration = Duration::from_secs(2);

/// [`SHOW_AFTER`], or `ECSIM_PROGRESS_AFTER_MS` when set (tests use 0 so a short run would draw).
fn show_after() -> Duration {
    std::env::var("ECSIM_PROGRESS_AFTER_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(SHOW_AFTER, Duration::from_millis)
}
/// Wall time between two redraws.
const REDRAW: Duration = Duration::from_millis(200);

/// A run's progress bar: inert (no hook, no thread) when not on a terminal or with `-q`.
pub struct Bar {
    hook: Option<Arc<sim::Progress>>,
    /// Dropping or sending on it stops the watcher at once.
    stop: Option<Sender<()>>,
    watcher: Option<JoinHandle<()>>,
}

impl Bar {
    /// Start watching a run of `horizon_ms` simulated ms; `wanted` is false with `-q`.
    pub fn start(horizon_ms: u64, wanted: bool) -> Bar {
        if !wanted || !std::io::stderr().is_terminal() {
            return Bar {
                hook: None,
                stop: None,
                watcher: None,
            };
        }
        let hook = sim::Progress::new();
        let (tx, rx) = mpsc::channel::<()>();
        let seen = Arc::clone(&hook);
        let after = show_after();
        let watcher = std::thread::spawn(move || {
            let t0 = Instant::now();
            // Finished (or stopped) within SHOW_AFTER: never draw. A zero delay draws at once, whatever
            // the run's length (so the test on a terminal does not race a fast run).
            if !after.is_zero() && rx.recv_timeout(after) != Err(RecvTimeoutError::Timeout) {
                return;
            }
            let bar = ProgressBar::with_draw_target(
                Some(horizon_ms.max(1)),
                ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                ProgressStyle::with_template("[{bar:30}] {msg}")
                    .expect("a valid template")
                    .progress_chars("=> "),
            );
            loop {
                let (sim_ms, events) = (seen.sim_ms(), seen.events());
                bar.set_position(sim_ms.min(horizon_ms));
                bar.set_message(line(sim_ms, horizon_ms, events, t0.elapsed().as_secs_f64()));
                if rx.recv_timeout(REDRAW) != Err(RecvTimeoutError::Timeout) {
                    break;
                }
            }
            bar.finish_and_clear();
        });
        Bar {
            hook: Some(hook),
            stop: Some(tx),
            watcher: Some(watcher),
        }
    }

    /// Simulate `spec` into `sink`, reporting into the bar's hook when there is a bar.
    pub fn simulate(&self, spec: &Spec, sink: &mut dyn Sink) -> Summary {
        match &self.hook {
            Some(h) => sim::Sim::new(spec, sink).with_progress(Arc::clone(h)).run(),
            None => sim::simulate(spec, sink),
        }
    }

    /// Clear the bar (if drawn) before anything else is printed.
    pub fn finish(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(w) = self.watcher.take() {
            let _ = w.join();
        }
    }
}

/// The bar's text: "simulated 1d 02:00:00 of 7d 00:00:00, 1.25 M events/s, ETA 12 s".
fn line(sim_ms: u64, horizon_ms: u64, events: u64, wall_s: f64) -> String {
    let (rate, eta) = rate_eta(sim_ms, horizon_ms, events, wall_s);
    let rate = if rate >= 1e6 {
        format!("{:.2} M", rate / 1e6)
    } else if rate >= 1e3 {
        format!("{:.1} k", rate / 1e3)
    } else {
        format!("{rate:.0}")
    };
    let eta = eta.map_or_else(|| "-".to_string(), |s| format!("{s:.0} s"));
    format!(
        "simulated {} of {}, {rate} events/s, ETA {eta}",
        ecsim::time::clock(sim_ms),
        ecsim::time::clock(horizon_ms)
    )
}

/// Events per wall second so far, and the wall seconds left if simulated time keeps advancing at its
/// average pace so far (None before any simulated time has passed).
fn rate_eta(sim_ms: u64, horizon_ms: u64, events: u64, wall_s: f64) -> (f64, Option<f64>) {
    if wall_s <= 0.0 {
        return (0.0, None);
    }
    let rate = events as f64 / wall_s;
    let eta =
        (sim_ms > 0).then(|| wall_s * horizon_ms.saturating_sub(sim_ms) as f64 / sim_ms as f64);
    (rate, eta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_and_eta_arithmetic() {
        // 2 of 7 simulated days in 4 s with 3,000,000 events: 3e6 / 4 = 750,000 events/s; 5 days left at
        // 2 days per 4 s → 5 × 4 / 2 = 10 s.
        let day = 86_400_000;
        let (rate, eta) = rate_eta(2 * day, 7 * day, 3_000_000, 4.0);
        assert_eq!(rate, 750_000.0);
        assert_eq!(eta, Some(10.0));
        // Nothing simulated yet: no ETA; no wall time yet: no rate either.
        assert_eq!(rate_eta(0, 7 * day, 10, 1.0), (10.0, None));
        assert_eq!(rate_eta(5, 7 * day, 10, 0.0), (0.0, None));
        // Past the horizon (the last events at the horizon itself): 0 s left, not negative.
        assert_eq!(rate_eta(8 * day, 7 * day, 10, 1.0).1, Some(0.0));
    }

    #[test]
    fn the_line_reads_simulated_time_rate_and_eta() {
        // 1 of 4 hours in 3 s with 3,750,000 events: 1.25 M events/s; 3 h left at 1 h per 3 s → 9 s.
        assert_eq!(
            line(3_600_000, 4 * 3_600_000, 3_750_000, 3.0),
            "simulated 01:00:00 of 04:00:00, 1.25 M events/s, ETA 9 s"
        );
        // 1 day of 7 in 2 s with 3,000 events: 1.5 k events/s; 6 days left → 12 s.
        assert_eq!(
            line(86_400_000, 7 * 86_400_000, 3_000, 2.0),
            "simulated 1d 00:00:00 of 7d 00:00:00, 1.5 k events/s, ETA 12 s"
        );
    }

    #[test]
    fn off_the_terminal_there_is_no_hook_and_no_thread() {
        // Unit tests run with stderr captured or piped; with `-q` it is off anywhere.
        let b = Bar::start(1000, false);
        assert!(b.hook.is_none() && b.watcher.is_none());
        b.finish();
    }
}
