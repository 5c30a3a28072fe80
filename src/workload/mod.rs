//! Workloads: request-rate traces ([`rate`]), per-request logs ([`requests`]), synthetic patterns
//! ([`synthetic`]), batch jobs ([`jobs`]) and schedules ([`schedule`]). Readers stream their files: a trace
//! is never held whole in memory. This is the one place besides [`crate::scenario`] and
//! [`crate::output`] that reads files, and it is only ever pulled from by the simulation.

pub mod error;
pub mod jobs;
pub mod rate;
pub mod requests;
pub mod schedule;
pub mod synthetic;
