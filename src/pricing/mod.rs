//! Instance catalog and Fargate size grid (prices and billing rules come with the cost model).

pub mod catalog;
pub mod fargate;
