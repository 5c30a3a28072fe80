//! Experiments: grids of variants × seeds run in parallel (issue #7).
