//! What a finished plan hands to its outputs (`plan.csv`, `pareto.csv`, `best.toml`, the printed summary,
//! and the charts and `report.html`): plain data, no I/O, nothing the outputs must recompute. Every figure
//! here is built from the plan's run records alone, in candidate order, so it is the same whatever
//! `--jobs`, however the runs were sharded, and whether or not the plan was resumed.
//!
//! Must not: hold a run's records or a `HashMap` (its order would reach an output).

/// A finished plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOutcome {
    /// The plan's name (names the output folder `results/plans/<name>/`).
    pub name: String,
    /// The plan file as given on the command line (for messages and the report's header).
    pub file: String,
    /// The base scenario's path as written in the plan file.
    pub base: String,
    /// The service whose configuration is planned.
    pub service: String,
    /// The service level objective every candidate is judged against.
    pub slo: SloTarget,
    /// How candidates were searched: racing (the default) or exhaustive (`--exhaustive`).
    pub mode: SearchMode,
    /// The seeds a fully evaluated candidate runs with, in order; every candidate that runs seed `k` runs
    /// the same `seeds[k]` (common random numbers: comparisons between candidates are paired).
    pub seeds: Vec<u64>,
    /// The full horizon: the base scenario's `duration`, seconds (the run length costs are given for).
    pub horizon_s: f64,
    /// The horizon of racing's first round, seconds: `horizon_s` (racing's probes run the full horizon since
    /// issue #22; the report names a first round only when it is shorter).
    pub short_horizon_s: f64,
    /// The candidates' parameter names in column order (`launch`, `instance_type`, `cpu`, `memory`,
    /// `target`, `min_capacity`, …): every candidate's [`Candidate::params`] has these names in this order.
    pub parameters: Vec<String>,
    /// Every candidate of the search space, skipped ones included, in a fixed order (the order of the
    /// plan file's lists, the first dimension varying slowest).
    pub candidates: Vec<Candidate>,
    /// Runs spent in all (each run is one candidate × one seed × one horizon).
    pub runs_total: usize,
    /// What the same plan costs in runs with `--exhaustive`: evaluable candidates × seeds (the yardstick
    /// racing's saving is measured against).
    pub runs_exhaustive: usize,
    /// The recommendation: the cheapest feasible candidate (judged on the mean of every seed; index
    /// into `candidates`), or `None` when nothing is feasible (see `closest`).
    pub recommendation: Option<usize>,
    /// The cheapest feasible candidate of the other launch family (EC2 when the recommendation runs on
    /// Fargate and the other way round), index into `candidates`, when there is one.
    pub runner_up: Option<usize>,
    /// The runner-up's monthly cost minus the recommendation's (USD per 730-hour month), and that gap as a
    /// share of the recommendation's cost (0.25 = 25 % dearer), when both exist.
    pub runner_up_gap: Option<(f64, f64)>,
    /// The cost-versus-attainment Pareto front over the fully evaluated candidates (lower mean monthly cost,
    /// higher mean attainment): indices into `candidates`, by increasing cost.
    pub pareto: Vec<usize>,
    /// When nothing is feasible: the candidates closest to the objective (highest attainment first, then
    /// cheapest), at most five; their [`Candidate::reason`] says what limits them. Empty otherwise.
    pub closest: Vec<usize>,
    /// The pruning and racing rules the search applied, each with how many candidates it decided.
    pub rules: Vec<RuleUse>,
    /// Warnings for the user (also printed on stderr): e.g. a budget that stopped the search early.
    pub warnings: Vec<String>,
}

/// The SLO a candidate must meet (the meaning of a scenario's `slo` table, docs/scenarios.md).
#[derive(Debug, Clone, PartialEq)]
pub struct SloTarget {
    /// A minute is bad when its p99 latency is over this bound, ms (`None`: availability only).
    pub p99_ms: Option<f64>,
    /// A minute is bad when more than this share of its requests failed.
    pub error_rate: f64,
    /// The share of good minutes required (0.99 = 99 % of minutes).
    pub objective: f64,
    /// The most a feasible candidate may cost, USD per 730-hour month (optional).
    pub budget_usd_per_month: Option<f64>,
}

/// How the search spent its runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchMode {
    /// Successive halving over seeds and horizon, with safe pruning.
    Racing,
    /// Every evaluable candidate on every seed at the full horizon.
    Exhaustive,
}

impl SearchMode {
    /// `racing` or `exhaustive`.
    pub fn as_str(self) -> &'static str {
        match self {
            SearchMode::Racing => "racing",
            SearchMode::Exhaustive => "exhaustive",
        }
    }
}

/// The launch option of a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Launch {
    /// EC2 on-demand instances in an Auto Scaling group capacity provider.
    Ec2,
    /// EC2 on-demand base plus a Spot group (a capacity-provider strategy mix).
    Ec2Spot,
    /// Fargate.
    Fargate,
    /// Fargate base plus Fargate Spot (a capacity-provider strategy mix).
    FargateSpot,
}

impl Launch {
    /// The plan file's name for it: `ec2`, `ec2-spot`, `fargate`, `fargate-spot`.
    pub fn as_str(self) -> &'static str {
        match self {
            Launch::Ec2 => "ec2",
            Launch::Ec2Spot => "ec2-spot",
            Launch::Fargate => "fargate",
            Launch::FargateSpot => "fargate-spot",
        }
    }
    /// Does it run on Fargate (the runner-up is taken from the other family)?
    pub fn is_fargate(self) -> bool {
        matches!(self, Launch::Fargate | Launch::FargateSpot)
    }
}

/// One candidate configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// A stable short id, `c0000`, `c0001`, … in candidate order (names its run files).
    pub id: String,
    /// Its launch option.
    pub launch: Launch,
    /// Its parameters as (name, value) pairs, in [`PlanOutcome::parameters`] order; a parameter that does
    /// not apply (the instance type on Fargate) has the value `-`.
    pub params: Vec<(String, String)>,
    /// Feasible, infeasible, pruned or skipped.
    pub status: Status,
    /// Why, in a few words: "feasible: attainment ≥ 0.99 with 95 % confidence", "infeasible: p99 over
    /// 200 ms in 4.1 % of minutes", "pruned: a larger task at the same target is infeasible (rule
    /// larger-task)", "skipped: a 4096 CPU task does not fit t4g.medium (2048 CPU units)".
    pub reason: String,
    /// Runs spent on it (0 for skipped candidates and those pruned before running).
    pub runs: usize,
    /// Seeds it ran at the full horizon (its statistics below are over these).
    pub seeds_full: usize,
    /// Cost over the run's own length (the full horizon), USD: mean and 95 % interval over its full-horizon
    /// seeds run (none for a candidate pruned without a run).
    pub cost_run: Option<Interval>,
    /// The same cost scaled to a 730-hour month, USD.
    pub cost_month: Option<Interval>,
    /// SLO attainment of the planned service (good minutes ÷ measured minutes): mean and 95 % interval.
    pub attainment: Option<Interval>,
    /// Did every run place the service's tasks (a run that could not place them never counts as
    /// feasible, however cheap)?
    pub placement_ok: bool,
}

/// Where a candidate stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Meets the SLO (and the budget): over every seed at the full horizon, the mean attainment reaches
    /// the objective, every run placed the service's tasks, and the mean monthly cost is within the budget.
    Feasible,
    /// Misses the SLO or the budget: by an exact bound, with 95 % confidence, or on the mean of all seeds.
    Infeasible,
    /// Not run to the end: decided by a safe monotone rule or by racing (dominated by a cheaper feasible
    /// candidate, or infeasible with confidence on a shorter horizon).
    Pruned,
    /// Not a valid configuration (the task does not fit the instance type, not a Fargate size, …): never
    /// run, counted.
    Skipped,
}

impl Status {
    /// `feasible`, `infeasible`, `pruned`, `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Feasible => "feasible",
            Status::Infeasible => "infeasible",
            Status::Pruned => "pruned",
            Status::Skipped => "skipped",
        }
    }
}

/// A mean and its 95 % confidence interval (Student's t, [`crate::sweep::stats::Estimate`]); with one
/// value the interval is the value itself (`low == high == mean`, `n == 1`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Number of values.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Lower bound of the 95 % interval.
    pub low: f64,
    /// Upper bound of the 95 % interval.
    pub high: f64,
}

/// One rule of the search and how often it decided a candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleUse {
    /// Its short name, as cited in candidates' reasons (`larger-task`, `higher-min`, `lower-target`,
    /// `race-infeasible`, `race-costlier`, `invalid-size`, …).
    pub name: String,
    /// What it says, in one sentence.
    pub text: String,
    /// Candidates it decided.
    pub decided: usize,
}
