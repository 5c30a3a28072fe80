//! Instance catalog, Fargate size grid, prices and billing rules.

pub mod billing;
pub mod catalog;
pub mod fargate;
