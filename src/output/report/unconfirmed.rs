//! The run report's card of `summary.json`'s `unconfirmed`: the choices AWS does not document that
//! shaped the run (docs/outputs.md), one row each with its §, the value used, the key that changes it
//! and how often the run applied it. Nothing when the list is empty or missing.

use std::fmt::Write as _;

use super::escape;
use crate::numfmt::fmt_grouped;

/// The card, written into `out` (the summary section, above the figures' cards).
pub(super) fn card(out: &mut String, summary: &serde_json::Value) {
    let Some(list) = summary
        .get("unconfirmed")
        .and_then(|v| v.as_array())
        .filter(|l| !l.is_empty())
    else {
        return;
    };
    out.push_str(
        "<div class=\"card unconfirmed\" id=\"unconfirmed\"><h3>Rules AWS does not document that shaped this run</h3>\n\
         <table><tr><th>rule</th><th>§</th><th>value used</th><th>changed by</th><th>times</th></tr>\n",
    );
    for u in list {
        let text = |k: &str| u.get(k).and_then(|v| v.as_str()).unwrap_or("");
        let times = u
            .get("times")
            .and_then(serde_json::Value::as_f64)
            .map_or_else(String::new, fmt_grouped);
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            escape(text("code")),
            escape(text("section")),
            escape(text("value")),
            escape(text("parameter")),
            escape(&times)
        );
    }
    out.push_str(
        "</table>\n<p class=\"note\">Where AWS documents nothing ecsim makes a choice (docs/ecs-behaviour.md marks it \
         unconfirmed): these ones decided some of this run's figures. Change a value with its key to see how much \
         the figures rest on it.</p></div>\n",
    );
}
