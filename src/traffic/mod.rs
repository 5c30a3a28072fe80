//! Traffic and latency: the load balancer and the per-task queueing model (load → utilisation, latency,
//! errors).

pub mod queueing;
pub mod runtime;
