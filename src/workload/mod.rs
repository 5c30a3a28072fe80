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

/// Requests (or messages) per second a rate may reach: ten million, far above what the largest fleet
/// ecsim runs can serve (5,000 tasks × 2,000 requests/s each), so only a typo or a wrong `scale` meets it.
/// Checked for synthetic patterns at load and for every trace row (docs/limits.md).
pub const MAX_RATE_PER_S: f64 = 1e7;
