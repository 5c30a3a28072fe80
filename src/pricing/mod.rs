//! Instance catalog, Fargate size grid, prices, billing rules and burstable CPU credits.

pub mod billing;
pub mod catalog;
pub mod credits;
pub mod fargate;
