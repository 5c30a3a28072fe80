//! What each `get-metric-data` series is, and for which service (issue #21 items 2–3), and the CPU a
//! request costs, estimated from them.
//!
//! `get-metric-data` output names a series only by its query `Id`; the metric and its dimensions are in the
//! request. `scripts/export-cluster.sh` saves the request as `metric-queries.json` (the shape
//! `--cli-input-json` reads: `{"MetricDataQueries": [{"Id", "MetricStat": {"Metric": {"Namespace",
//! "MetricName", "Dimensions"}, "Period", "Stat"}}], "StartTime", "EndTime"}`), so a series is resolved by
//! its metric: an ALB `RequestCount` / `TargetResponseTime` by its `TargetGroup` dimension to the service
//! whose `loadBalancers[].targetGroupArn` ends with it, an ECS or Container Insights metric by its
//! `ServiceName` dimension. Without the request, the `Id` says it: `requests_<service>`, `cpu_<service>`,
//! `running_<service>`, `desired_<service>`, `p99_<service>` (a `-` in a service name written `_`, as
//! CloudWatch ids allow only letters, digits and `_`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::Ledger;
use super::model::{s, u};

/// What a series measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// ALB `RequestCount`, Sum per period.
    Requests,
    /// Container Insights `RunningTaskCount`.
    Running,
    /// Container Insights `DesiredTaskCount`.
    Desired,
    /// AWS/ECS `CPUUtilization`, %.
    Cpu,
    /// ALB `TargetResponseTime` p99 (seconds in CloudWatch; ms once read by calibrate).
    P99,
}

impl Kind {
    /// The `Id` prefix and the name calibrate prints.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Requests => "requests",
            Kind::Running => "running",
            Kind::Desired => "desired",
            Kind::Cpu => "cpu",
            Kind::P99 => "p99",
        }
    }

    const ALL: [Kind; 5] = [
        Kind::Requests,
        Kind::Running,
        Kind::Desired,
        Kind::Cpu,
        Kind::P99,
    ];
}

/// One `MetricDataQueries[]` item with a `MetricStat` (expressions are not resolved).
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// `Id`.
    pub id: String,
    /// `MetricStat.Metric.Namespace`.
    pub namespace: String,
    /// `MetricStat.Metric.MetricName`.
    pub metric: String,
    /// `MetricStat.Stat`.
    pub stat: String,
    /// `MetricStat.Period`, s.
    pub period_s: Option<u64>,
    /// `MetricStat.Metric.Dimensions` as (Name, Value).
    pub dims: Vec<(String, String)>,
}

impl Query {
    fn dim(&self, name: &str) -> Option<&str> {
        self.dims
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn kind(&self) -> Option<Kind> {
        match (self.namespace.as_str(), self.metric.as_str()) {
            ("AWS/ApplicationELB", "RequestCount") => Some(Kind::Requests),
            ("AWS/ApplicationELB", "TargetResponseTime")
                if self.stat.eq_ignore_ascii_case("p99") =>
            {
                Some(Kind::P99)
            }
            ("AWS/ECS", "CPUUtilization") => Some(Kind::Cpu),
            ("ECS/ContainerInsights", "RunningTaskCount") => Some(Kind::Running),
            ("ECS/ContainerInsights", "DesiredTaskCount") => Some(Kind::Desired),
            _ => None,
        }
    }
}

/// Read the `get-metric-data` request (`metric-queries.json`).
pub fn queries(rel: &str, doc: &Value, l: &mut Ledger) -> Vec<Query> {
    let mut out = Vec::new();
    for v in doc
        .get("MetricDataQueries")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(o) = v.as_object() else { continue };
        let id = s(o, "Id").unwrap_or_default().to_string();
        l.account(
            rel,
            "MetricDataQueries[]",
            o,
            &id,
            &["Id", "MetricStat", "ReturnData", "Label", "Period"],
            &["Expression", "AccountId"],
        );
        let Some(ms) = o.get("MetricStat").and_then(Value::as_object) else {
            l.note(format!(
                "{rel}: query {id} is an expression, not a MetricStat; not resolved"
            ));
            continue;
        };
        let metric = ms.get("Metric").and_then(Value::as_object);
        let dims = metric
            .and_then(|m| m.get("Dimensions"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|d| {
                Some((
                    d.get("Name")?.as_str()?.into(),
                    d.get("Value")?.as_str()?.into(),
                ))
            })
            .collect();
        out.push(Query {
            namespace: metric
                .and_then(|m| s(m, "Namespace"))
                .unwrap_or_default()
                .into(),
            metric: metric
                .and_then(|m| s(m, "MetricName"))
                .unwrap_or_default()
                .into(),
            stat: s(ms, "Stat").unwrap_or_default().into(),
            period_s: u(ms, "Period").or_else(|| u(o, "Period")),
            dims,
            id,
        });
    }
    out
}

/// A series' meaning: what it measures, for which service, and how that was decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// What it measures.
    pub kind: Kind,
    /// The service it belongs to.
    pub service: String,
    /// How the service was found (for the report).
    pub how: String,
    /// The query's period, s, when the request was exported.
    pub period_s: Option<u64>,
}

/// A service as resolution needs it: its name and its target groups' ARNs.
pub struct ServiceRef<'a> {
    /// `serviceName`.
    pub name: &'a str,
    /// `loadBalancers[].targetGroupArn`.
    pub target_groups: &'a [String],
}

/// Why an exported series is not one ecsim compares, or not one of an imported service.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unresolved {
    /// No query, and an `Id` of no known form.
    #[error(
        "no query for it in metric-queries.json, and its Id is not <requests|running|desired|cpu|p99>_<service>"
    )]
    NoQuery,
    /// The `Id` names a service that was not imported.
    #[error("its Id names service `{0}`, which is not imported")]
    IdService(String),
    /// A metric ecsim does not compare (namespace, metric, statistic).
    #[error("{0} {1} ({2}) is not a metric ecsim compares")]
    NotCompared(String, String, String),
    /// A TargetGroup no imported service's target groups end with.
    #[error("no imported service's loadBalancers[].targetGroupArn ends with its TargetGroup {0}")]
    TargetGroup(String),
    /// A load balancer's whole traffic, with this many imported services behind target groups.
    #[error(
        "it has no TargetGroup dimension and {0} imported services have target groups: which one it feeds is unknown (query RequestCount per TargetGroup)"
    )]
    WhichTargetGroup(usize),
    /// An ECS metric without its service.
    #[error("it has no ServiceName dimension")]
    NoServiceName,
    /// A ServiceName that was not imported.
    #[error("its ServiceName {0} is not an imported service")]
    ServiceName(String),
}

/// What series `id` is, from its query (when `queries` has it) or else its `Id`; `Err` says why not.
pub fn resolve(
    id: &str,
    queries: &[Query],
    services: &[ServiceRef],
) -> Result<Resolved, Unresolved> {
    let Some(q) = queries.iter().find(|q| q.id == id) else {
        let (prefix, rest) = id.split_once('_').unwrap_or((id, ""));
        let kind = Kind::ALL
            .into_iter()
            .find(|k| k.name() == prefix)
            .ok_or(Unresolved::NoQuery)?;
        let svc = services
            .iter()
            .find(|s| s.name == rest || s.name.replace('-', "_") == rest)
            .ok_or_else(|| Unresolved::IdService(rest.to_string()))?;
        return Ok(Resolved {
            kind,
            service: svc.name.to_string(),
            how: format!("its Id `{id}`"),
            period_s: None,
        });
    };
    let kind = q.kind().ok_or_else(|| {
        Unresolved::NotCompared(q.namespace.clone(), q.metric.clone(), q.stat.clone())
    })?;
    let (service, how) = match kind {
        Kind::Requests | Kind::P99 => match q.dim("TargetGroup") {
            Some(tg) => {
                let svc = services
                    .iter()
                    .find(|s| {
                        s.target_groups
                            .iter()
                            .any(|a| a.ends_with(&format!(":{tg}")))
                    })
                    .ok_or_else(|| Unresolved::TargetGroup(tg.to_string()))?;
                (
                    svc.name,
                    format!(
                        "TargetGroup {tg} = service `{}`'s loadBalancers[].targetGroupArn",
                        svc.name
                    ),
                )
            }
            None => {
                let behind: Vec<&ServiceRef> = services
                    .iter()
                    .filter(|s| !s.target_groups.is_empty())
                    .collect();
                match behind.as_slice() {
                    [one] => (
                        one.name,
                        format!(
                            "assumed: the whole load balancer {} feeds service `{}`, the only imported service with a target group (a per-TargetGroup query would say)",
                            q.dim("LoadBalancer").unwrap_or("?"),
                            one.name
                        ),
                    ),
                    _ => {
                        return Err(Unresolved::WhichTargetGroup(behind.len()));
                    }
                }
            }
        },
        _ => {
            let name = q.dim("ServiceName").ok_or(Unresolved::NoServiceName)?;
            let svc = services
                .iter()
                .find(|s| s.name == name)
                .ok_or_else(|| Unresolved::ServiceName(name.to_string()))?;
            (svc.name, format!("ServiceName {name}"))
        }
    };
    Ok(Resolved {
        kind,
        service: service.to_string(),
        how,
        period_s: q.period_s,
    })
}

/// A straight line through the origin, y = slope × x, by least squares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OriginFit {
    /// Σxy / Σx².
    pub slope: f64,
    /// Points used.
    pub n: usize,
    /// 1 − SS_res / Σ(y − ȳ)²: the centred R², so a line through the origin that explains less than the
    /// mean scores below 0 (the uncentred 1 − SS_res / Σy² that some tools print flatters such fits).
    pub r2: f64,
    /// Residual standard error √(SS_res / (n − 1)), in y's unit.
    pub resid_se: f64,
    /// Standard error of the slope, resid_se / √Σx².
    pub slope_se: f64,
    /// Mean of y.
    pub mean_y: f64,
}

/// Fit y = b x through the origin; `None` with fewer than 2 points or all x zero.
pub fn fit_through_origin(x: &[f64], y: &[f64]) -> Option<OriginFit> {
    let n = x.len().min(y.len());
    if n < 2 {
        return None;
    }
    let (x, y) = (&x[..n], &y[..n]);
    let sxx: f64 = x.iter().map(|v| v * v).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| a * b).sum();
    let slope = sxy / sxx;
    let ss_res: f64 = x.iter().zip(y).map(|(a, b)| (b - slope * a).powi(2)).sum();
    let mean_y = y.iter().sum::<f64>() / n as f64;
    let ss_tot: f64 = y.iter().map(|b| (b - mean_y).powi(2)).sum();
    let resid_se = (ss_res / (n - 1) as f64).sqrt();
    Some(OriginFit {
        slope,
        n,
        r2: if ss_tot > 0.0 {
            1.0 - ss_res / ss_tot
        } else {
            f64::NAN
        },
        resid_se,
        slope_se: resid_se / sxx.sqrt(),
        mean_y,
    })
}

/// The running tasks behind each period: a series, or one count for every period (when Container
/// Insights was not exported).
pub enum Running<'a> {
    /// `RunningTaskCount` points (ms since the epoch, tasks).
    Series(&'a [(i64, f64)]),
    /// The same count throughout.
    Constant(f64),
}

/// `cpu_ms_per_request` by least squares: per period, the CPU milliseconds the service used,
/// CPU% / 100 × task vCPU × 1000 ms × running tasks × period s, against the requests it got; the slope
/// through the origin is the CPU milliseconds per request. Periods are joined on their timestamps; one
/// without all three values, or with no task running, is left out.
pub fn cpu_ms_per_request(
    requests: &[(i64, f64)],
    cpu_pct: &[(i64, f64)],
    running: &Running,
    task_vcpu: f64,
    period_s: f64,
) -> Option<OriginFit> {
    let cpu: BTreeMap<i64, f64> = cpu_pct.iter().copied().collect();
    let run: BTreeMap<i64, f64> = match running {
        Running::Series(p) => p.iter().copied().collect(),
        Running::Constant(_) => BTreeMap::new(),
    };
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for &(t, req) in requests {
        let tasks = match running {
            Running::Series(_) => run.get(&t).copied(),
            Running::Constant(c) => Some(*c),
        };
        let (Some(c), Some(n)) = (cpu.get(&t), tasks) else {
            continue;
        };
        if n <= 0.0 {
            continue;
        }
        x.push(req);
        y.push(c / 100.0 * task_vcpu * 1000.0 * n * period_s);
    }
    fit_through_origin(&x, &y)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// By hand: x = 1, 2, 3 and y = 2, 4, 7. Σxy = 2 + 8 + 21 = 31, Σx² = 14, slope 31/14 = 2.214286.
    /// SS_res = Σy² − slope Σxy = 69 − 961/14 = 5/14 = 0.357143; ȳ = 13/3, Σ(y − ȳ)² = 38/3 = 12.666667,
    /// so R² = 1 − 0.357143/12.666667 = 0.971805; residual s = √(0.357143/2) = 0.422577; slope s.e.
    /// 0.422577/3.741657 = 0.112938.
    #[test]
    fn origin_fit_by_hand() {
        let f = fit_through_origin(&[1.0, 2.0, 3.0], &[2.0, 4.0, 7.0]).unwrap();
        assert!((f.slope - 31.0 / 14.0).abs() < 1e-12);
        assert!((f.r2 - 0.971_805).abs() < 1e-6, "{}", f.r2);
        assert!((f.resid_se - 0.422_577).abs() < 1e-6);
        assert!((f.slope_se - 0.112_938).abs() < 1e-6);
        assert_eq!(f.n, 3);
        assert!(fit_through_origin(&[0.0, 0.0], &[1.0, 2.0]).is_none());
        assert!(fit_through_origin(&[1.0], &[1.0]).is_none());
    }

    /// By hand, 0.5 vCPU tasks, 60 s periods. Period 1: 60 % on 4 tasks = 0.6 × 0.5 × 1000 × 4 × 60 =
    /// 72,000 CPU ms for 6,000 requests (12 ms each). Period 2: 50 % on 5 tasks = 75,000 ms for 7,500
    /// (10 ms each). Slope = (6000 × 72000 + 7500 × 75000) / (6000² + 7500²) = 994.5e6 / 92.25e6 =
    /// 10.780488 ms. Period 3 has no CPU point and period 4 no task running: both left out. With the
    /// running count taken as 4 throughout, period 2 is 0.5 × 0.5 × 1000 × 4 × 60 = 60,000 ms and the
    /// slope (432e6 + 450e6) / 92.25e6 = 9.560976 ms.
    #[test]
    fn cpu_ms_per_request_by_hand() {
        let req = [
            (0, 6000.0),
            (60_000, 7500.0),
            (120_000, 7000.0),
            (180_000, 10.0),
        ];
        let cpu = [(0, 60.0), (60_000, 50.0), (180_000, 5.0)];
        let run = [(0, 4.0), (60_000, 5.0), (120_000, 5.0), (180_000, 0.0)];
        let f = cpu_ms_per_request(&req, &cpu, &Running::Series(&run), 0.5, 60.0).unwrap();
        assert_eq!(f.n, 2);
        assert!((f.slope - 10.780_488).abs() < 1e-6, "{}", f.slope);
        let f = cpu_ms_per_request(&req[..2], &cpu, &Running::Constant(4.0), 0.5, 60.0).unwrap();
        assert!((f.slope - 9.560_976).abs() < 1e-6, "{}", f.slope);
    }

    #[test]
    fn series_resolve_by_target_group_service_name_or_id() {
        let tg =
            vec!["arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/shop-web/9f8e".to_string()];
        let none: Vec<String> = Vec::new();
        let svcs = [
            ServiceRef {
                name: "web",
                target_groups: &tg,
            },
            ServiceRef {
                name: "my-worker",
                target_groups: &none,
            },
        ];
        let q = |id: &str, ns: &str, m: &str, stat: &str, dims: &[(&str, &str)]| Query {
            id: id.into(),
            namespace: ns.into(),
            metric: m.into(),
            stat: stat.into(),
            period_s: Some(60),
            dims: dims
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        };
        let qs = [
            q(
                "a",
                "AWS/ApplicationELB",
                "RequestCount",
                "Sum",
                &[
                    ("TargetGroup", "targetgroup/shop-web/9f8e"),
                    ("LoadBalancer", "app/x/1"),
                ],
            ),
            q(
                "b",
                "AWS/ApplicationELB",
                "RequestCount",
                "Sum",
                &[("LoadBalancer", "app/x/1")],
            ),
            q(
                "c",
                "AWS/ECS",
                "CPUUtilization",
                "Average",
                &[("ClusterName", "shop"), ("ServiceName", "my-worker")],
            ),
            q(
                "d",
                "AWS/ApplicationELB",
                "RequestCount",
                "Sum",
                &[("TargetGroup", "targetgroup/other/1")],
            ),
            q(
                "e",
                "AWS/ApplicationELB",
                "HTTPCode_Target_5XX_Count",
                "Sum",
                &[],
            ),
        ];
        let r = resolve("a", &qs, &svcs).unwrap();
        assert_eq!(
            (r.kind, r.service.as_str(), r.period_s),
            (Kind::Requests, "web", Some(60))
        );
        let r = resolve("b", &qs, &svcs).unwrap();
        assert!(r.how.starts_with("assumed"), "{}", r.how);
        assert_eq!(resolve("c", &qs, &svcs).unwrap().kind, Kind::Cpu);
        assert!(resolve("d", &qs, &svcs).is_err());
        assert!(resolve("e", &qs, &svcs).is_err());
        // No query: the Id, with `_` for the service name's `-`.
        let r = resolve("running_my_worker", &[], &svcs).unwrap();
        assert_eq!((r.kind, r.service.as_str()), (Kind::Running, "my-worker"));
        assert!(resolve("requests", &[], &svcs).is_err());
        assert!(resolve("cpu_nobody", &[], &svcs).is_err());
    }
}
