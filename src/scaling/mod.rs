//! Auto scaling: Service Auto Scaling ([`service`]) and cluster auto scaling of capacity providers
//! ([`cluster`]). Pure decision logic; the simulation feeds datapoints and applies the decisions.

pub mod cluster;
pub mod reason;
pub mod service;
