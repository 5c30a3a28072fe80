//! Capacity planning (issue #22): the cheapest configuration of a service that meets its SLO, searched for
//! the user. `docs/plan.md` is the user guide.

pub mod outcome;

pub use outcome::{
    Candidate, Interval, Launch, PlanOutcome, RuleUse, SearchMode, SloTarget, Status,
};
