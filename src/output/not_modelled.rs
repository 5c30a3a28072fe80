//! The part of `summary.json`'s `not_modelled` only the files tell: the fields of an AWS task definition
//! (`[[task_definitions]] file = …`) ecsim reads and does not simulate (`volumes`, `logConfiguration`,
//! `environment`, …), by the lists `ecsim import` accounts with. The spec's own part is
//! `metrics::not_modelled`.

use std::path::Path;

use crate::import::model::{CONTAINER_USED, TASKDEF_USED};
use crate::spec::Spec;

/// Largest task-definition file read again here (the load has read it whole already).
const MAX_BYTES: u64 = 16 << 20;

/// One sentence per task definition read from a JSON file with fields ecsim does not simulate;
/// `base` is the folder the scenario's relative paths start from.
pub fn task_definition_fields(spec: &Spec, base: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for td in &spec.task_definitions {
        if td.source == "inline" || !seen.insert(td.source.clone()) {
            continue;
        }
        let path = base.join(&td.source);
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.len() > MAX_BYTES {
            continue;
        }
        let Some(doc) = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        else {
            continue;
        };
        let def = doc.get("taskDefinition").unwrap_or(&doc);
        let Some(obj) = def.as_object() else { continue };
        let top: Vec<&str> = obj
            .keys()
            .map(String::as_str)
            .filter(|k| !TASKDEF_USED.contains(k))
            .collect();
        let mut inner = std::collections::BTreeSet::new();
        for c in obj
            .get("containerDefinitions")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
            .filter_map(|c| c.as_object())
        {
            inner.extend(
                c.keys()
                    .map(String::as_str)
                    .filter(|k| !CONTAINER_USED.contains(k)),
            );
        }
        if top.is_empty() && inner.is_empty() {
            continue;
        }
        let mut parts = Vec::new();
        if !top.is_empty() {
            parts.push(top.join(", "));
        }
        if !inner.is_empty() {
            parts.push(format!(
                "containerDefinitions[].{{{}}}",
                inner.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        out.push(format!(
            "task definition {} ({}): AWS fields read but not simulated: {}",
            td.family,
            td.source,
            parts.join("; ")
        ));
    }
    out
}
