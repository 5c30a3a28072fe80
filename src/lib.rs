//! ecsim: a fast, deterministic discrete-event simulator of Amazon ECS scheduling and scaling.
//!
//! Data flows one way: scenario file → [`scenario::load`] → [`spec::Spec`] → [`sim::simulate`] → records
//! in a [`metrics::Sink`] and a [`metrics::Summary`] → [`output`] files.
#![warn(missing_docs)]

pub mod compare;
pub mod ecs;
pub mod engine;
pub mod import;
pub mod metrics;
pub mod numerics;
pub mod numfmt;
pub mod output;
pub mod plan;
pub mod pricing;
pub mod scaling;
pub mod scenario;
pub mod sim;
pub mod spec;
pub mod sweep;
pub mod time;
pub mod traffic;
pub mod warnings;
pub mod workload;
