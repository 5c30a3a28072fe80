//! The EC2-versus-Fargate comparison on the NASA example.

use ecsim::compare::{CompareOptions, VARIANTS, compare, to_csv, to_table};

#[test]
fn four_variants_same_workload() {
    let r = compare(
        std::path::Path::new("scenarios/nasa-ec2-autoscaling.toml"),
        &CompareOptions::default(),
    )
    .unwrap();
    println!("{}", to_table(&r));
    assert_eq!(r.rows.len(), 4);
    assert_eq!(
        r.rows.iter().map(|x| x.variant).collect::<Vec<_>>(),
        VARIANTS.to_vec()
    );
    // The same traffic in every variant: common random numbers.
    let totals: Vec<f64> = r
        .rows
        .iter()
        .map(|x| x.summary.requests_total.unwrap())
        .collect();
    assert!(
        totals.windows(2).all(|w| (w[0] - w[1]).abs() < 1e-6 * w[0]),
        "{totals:?}"
    );
    // EC2 variants pay for instances, Fargate variants for tasks.
    assert!(r.rows[0].summary.cost_ec2_usd > 0.0 && r.rows[0].summary.cost_fargate_usd == 0.0);
    assert!(r.rows[2].summary.cost_fargate_usd > 0.0 && r.rows[2].summary.cost_ec2_usd == 0.0);
    assert!(r.rows[3].summary.cost_fargate_spot_usd > 0.0);
    // Fargate tasks start slower than EC2 tasks on warm instances.
    assert!(r.break_even.contains("u > P/(n·F)"));
    let csv = to_csv(&r);
    assert_eq!(csv.lines().count(), 5);
}
