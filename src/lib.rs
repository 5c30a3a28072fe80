//! ecsim: a fast, deterministic discrete-event simulator of Amazon ECS scheduling and scaling.
#![warn(missing_docs)]

pub mod engine;
