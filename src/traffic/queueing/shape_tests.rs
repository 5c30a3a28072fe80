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
