use super::*;

/// A cached shape adds exactly what `record_mmc` records, and the touched range keeps merge,
/// quantile and clear exact.
#[test]
fn shape_equals_direct_recording() {
    let q = Mmc::new(2, 1.5, 1.0).unwrap();
    let mut a = LatencyHistogram::new();
    a.record_mmc(&q, 0.0, 1000.0);
    let mut b = LatencyHistogram::new();
    let shape = LatencyHistogram::mmc_shape(&q);
    b.add_shape(&shape, 400.0);
    b.add_shape(&shape, 600.0);
    for p in [0.5, 0.9, 0.99] {
        let (x, y) = (a.quantile(p).unwrap(), b.quantile(p).unwrap());
        assert!((x - y).abs() <= 1e-12 * x.max(1.0), "{p}: {x} vs {y}");
    }
    let mut m = LatencyHistogram::new();
    m.record(5.0, 1.0);
    m.merge(&b);
    assert_eq!(m.count(), 1001.0);
    assert_eq!(m.max(), Some(5.0_f64.max(b.max().unwrap())));
    m.clear();
    assert_eq!(m.count(), 0.0);
    assert_eq!(m.quantile(0.5), None);
    m.record(0.01, 1.0);
    assert!((m.quantile(0.5).unwrap() - 0.01).abs() < 1e-4);
}

/// Every figure of a histogram as bits (buckets, totals, bounds): "the same additions" means these.
fn bits(h: &LatencyHistogram) -> Vec<u64> {
    let mut v: Vec<u64> = h.counts.iter().map(|x| x.to_bits()).collect();
    v.extend([h.total, h.sum, h.min, h.max].map(f64::to_bits));
    v.extend([h.lo as u64, h.hi as u64]);
    v
}

/// M/M/c shapes built with one shared `e^{−μt}` table (grown by a short-tailed queue first, then by
/// long-tailed ones, and a second μ's own table) add exactly what `record_mmc` records, bit for bit.
#[test]
fn mmc_shapes_from_a_shared_exp_table_are_record_mmc_to_the_bit() {
    let mut tables: [Vec<f64>; 2] = Default::default();
    for (c, rho, mu, t) in [
        (1, 0.1, 25.0, 0),
        (1, 0.99, 25.0, 0),
        (4, 0.5, 25.0, 0),
        (2, 0.999, 25.0, 0),
        (1, 0.6, 0.3, 1),
        (8, 0.95, 0.3, 1),
    ] {
        let q = Mmc::new(c, rho * f64::from(c) * mu, mu).expect("stable");
        let shape = LatencyHistogram::mmc_shape_with(&q, &mut tables[t]);
        assert_eq!(shape, LatencyHistogram::mmc_shape(&q));
        let (mut a, mut b) = (LatencyHistogram::new(), LatencyHistogram::new());
        a.record_mmc(&q, 0.0, 123.5);
        b.add_shape(&shape, 123.5);
        assert_eq!(bits(&a), bits(&b), "c={c} ρ={rho} μ={mu}");
    }
}

/// A backlog's shape (the cached time-out wait, a ramp) adds exactly what `record_backlogged` records.
#[test]
fn backlogged_shapes_are_record_backlogged_to_the_bit() {
    for (mu, lo, hi) in [
        (25.0, 30.0, 30.0),
        (25.0, 0.5, 2.0),
        (0.7, 1e-3, 1e-3),
        (10.0, 0.0, 0.0),
    ] {
        let shape = LatencyHistogram::backlogged_shape(mu, lo, hi).expect("valid μ");
        let (mut a, mut b) = (LatencyHistogram::new(), LatencyHistogram::new());
        a.record_backlogged(mu, lo, hi, 7.25);
        b.add_shape(&shape, 7.25);
        assert_eq!(bits(&a), bits(&b), "μ={mu} [{lo}, {hi}]");
    }
    assert!(LatencyHistogram::backlogged_shape(0.0, 1.0, 1.0).is_none());
}

/// The one-server Erlang C is the recursion's single step, `B = a/(1 + a)`, `C = B/(1 − a(1 − B))`
/// (which is ρ = a for one server: C(1, 0.5) = 0.5), to the bit.
#[test]
fn erlang_c_one_server_is_the_recursion_to_the_bit() {
    for a in [1e-9, 0.001, 0.25, 0.5, 0.75, 0.999, 0.999_999] {
        let mut b = 1.0;
        let ab = a * b;
        b = ab / (f64::from(1u32) + ab);
        let rho = a / f64::from(1u32);
        let want = (b / (1.0 - rho * (1.0 - b))).clamp(0.0, 1.0);
        assert_eq!(erlang_c(1, a).to_bits(), want.to_bits(), "a={a}");
    }
    assert!((erlang_c(1, 0.5) - 0.5).abs() < 1e-15);
}
