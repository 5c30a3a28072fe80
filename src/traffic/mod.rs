//! Traffic and latency: the load balancer and the per-task queueing model (load → utilisation, latency,
//! errors), and the message queues worker services consume (`sqs`).

pub mod queueing;
mod rate_memo;
pub mod runtime;
pub mod sqs;
