//! `summary.json`'s `not_modelled`: what a run's scenario touches that the model lacks, so that a figure
//! read from the run is never taken for more than it is (issue #17). A pure function of the spec; the
//! command line adds what only the files tell (fields of an AWS task definition ecsim does not simulate,
//! `output::not_modelled`).

use crate::scaling::service::ScalingMetric;
use crate::spec::{LoadSpec, Spec};

/// Does the load model a task's memory (a base or a per-request figure)? Without it the memory used is
/// unknown, and `memory_utilization` is written empty.
pub fn models_memory(load: &LoadSpec) -> bool {
    load.memory_base_mib > 0.0 || load.memory_per_request_mib > 0.0
}

/// Names listed in a sentence before "and N more".
const NAMED: usize = 10;

fn names(list: &[&str]) -> String {
    let what = if list.len() == 1 {
        "service"
    } else {
        "services"
    };
    let shown = list[..list.len().min(NAMED)].join(", ");
    let more = if list.len() > NAMED {
        format!(" and {} more", list.len() - NAMED)
    } else {
        String::new()
    };
    format!("{what} {shown}{more}")
}

/// The scenario's parts the model lacks, one sentence each, in scenario order.
pub fn of_spec(spec: &Spec) -> Vec<String> {
    let mut out = Vec::new();
    let mut no_memory = Vec::new();
    let mut blind_policy = Vec::new();
    for s in &spec.services {
        let Some(load) = &s.load else { continue };
        if models_memory(load) {
            continue;
        }
        no_memory.push(s.name.as_str());
        if s.auto_scaling.as_ref().is_some_and(|a| {
            a.policies
                .iter()
                .any(|p| p.metric() == ScalingMetric::Memory)
        }) {
            blind_policy.push(s.name.as_str());
        }
    }
    if !no_memory.is_empty() {
        out.push(format!(
            "memory_utilization of {}: no memory_base_mib or memory_per_request_mib in the load, so memory use \
             is not modelled (the column is empty)",
            names(&no_memory)
        ));
    }
    if !blind_policy.is_empty() {
        out.push(format!(
            "memory scaling policy of {}: it sees 0 % memory utilisation (no memory model)",
            names(&blind_policy)
        ));
    }
    if spec.services.iter().any(|s| s.load.is_some()) {
        out.push(
            "network: requests cost CPU time only; bandwidth, payload sizes and connection limits are not modelled"
                .to_string(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_without_memory_is_listed_with_its_policy() {
        let spec = crate::scenario::load_str(
            "name = \"m\"\nduration = \"1h\"\n[cluster]\navailability_zones = [\"a\"]\n\
             [[task_definitions]]\nfamily = \"w\"\ncpu = 256\nmemory = 512\nrequires_compatibilities = [\"FARGATE\"]\n\
             [[services]]\nname = \"api\"\ntask_definition = \"w\"\ndesired_count = 1\nlaunch_type = \"FARGATE\"\n\
             [services.load]\npattern = { type = \"constant\", rate = 10 }\ncpu_ms_per_request = 5\n\
             [[services]]\nname = \"mem\"\ntask_definition = \"w\"\ndesired_count = 1\nlaunch_type = \"FARGATE\"\n\
             [services.load]\npattern = { type = \"constant\", rate = 10 }\ncpu_ms_per_request = 5\nmemory_base_mib = 100\n",
            "t.toml",
            std::path::Path::new("."),
        )
        .unwrap();
        let n = of_spec(&spec);
        assert_eq!(n.len(), 2, "{n:?}");
        assert!(
            n[0].starts_with("memory_utilization of service api:"),
            "{n:?}"
        );
        assert!(n[1].starts_with("network:"));
    }
}
