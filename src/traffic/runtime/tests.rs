use super::*;
use crate::workload::synthetic::{Noise, Pattern};

fn diurnal(peak_hour: f64) -> Pattern {
    Pattern::Diurnal {
        mean: 750.0,
        peak_to_trough: 3.0,
        peak_hour,
        weekly_factor: 1.0,
    }
}

/// A key's λ gives back the key, and the run's weights come out summed per key, in the order of
/// (servers, λ, μ) — two queues whose λ orders interleave — with zero weights left out.
#[test]
fn run_weights_sum_per_key_in_lambda_order() {
    let (a, b) = ((1, 10.0f64), (1, 25.0f64)); // (servers, μ): capacities 10 and 25 per second
    for (c, mu) in [a, b, (4, 0.3)] {
        for step in [0u32, 1, 500, 998, 999] {
            let key = (c, step, mu.to_bits());
            assert_eq!(shape_key(c, key_lambda(key), mu), key);
        }
    }
    // λ beyond capacity rounds to the last step.
    assert_eq!(shape_key(1, 30.0, 10.0).1, 999);
    let mut w = RunWeights::default();
    let ka = shape_key(a.0, 5.0, a.1); // ρ 0.5 (step 500), λ 5
    let kb = shape_key(b.0, 10.0, b.1); // ρ 0.4 (step 400), λ 10: after ka, though its step is lower
    let kz = shape_key(b.0, 20.0, b.1); // weight 0 only
    assert_eq!((ka.1, kb.1), (500, 400));
    w.add(kb, 2.0);
    w.add(ka, 1.5);
    w.add(ka, 0.25);
    w.add(kz, 0.0);
    assert_eq!(w.drain_sorted(), vec![(ka, 1.75), (kb, 2.0)]);
    assert!(w.drain_sorted().is_empty());
}

/// Shared patterns are one class each, and the memo answers what the pattern itself does, whatever
/// order the services ask in.
#[test]
fn rate_memo_is_the_pattern_s_own_rate() {
    let mut memo = RateMemo::default();
    let (p, q) = (diurnal(10.0), diurnal(11.0));
    let (c, d) = (memo.class_of(&p), memo.class_of(&q));
    assert_ne!(c, d);
    assert_eq!(memo.class_of(&diurnal(10.0)), c);
    // Two services of `p`, one of `q`: only `p`'s class is shared.
    assert!(memo.shared(c) && !memo.shared(d));
    // Minute ticks, a split interval (a target joined at 90.5 s) and a repeated ask of each.
    let cuts = [
        0u64, 60_000, 90_500, 120_000, 180_000, 86_400_000, 86_460_000,
    ];
    let mut own = [&p, &q, &p].map(|x| synthetic::PreparedPattern::new(x.clone()));
    for w in cuts.windows(2) {
        for (k, (class, pat)) in [(c, &p), (d, &q), (c, &p)].into_iter().enumerate() {
            let s = (w[0] as f64 / 1000.0, w[1] as f64 / 1000.0);
            let got = memo.mean_rate(class, (w[0], w[1]), s, &mut own[k]);
            let want = pat.mean_rate(w[0] as f64 / 1000.0, w[1] as f64 / 1000.0);
            assert_eq!(got.to_bits(), want.to_bits(), "{w:?}");
        }
    }
}

/// Draws through the memo's cached sampler are the draws `realize` makes from the same stream:
/// small and large means, a mean repeated (cached) and changed, and the non-Poisson noises.
#[test]
fn rate_memo_draws_like_realize() {
    let mut memo = RateMemo::default();
    let c = memo.class_of(&diurnal(10.0));
    let mut a = RngStream::new(7, "a");
    let mut b = RngStream::new(7, "a");
    let noises = [Noise::Poisson, Noise::None, Noise::LogNormal { sigma: 0.3 }];
    for (i, mean) in [0.05, 0.05, 12.5, 12.5, 12.5, 0.0, 750.0, 3.0]
        .iter()
        .enumerate()
    {
        for noise in &noises {
            for period_s in [60.0, 0.0] {
                let got = memo.realize(c, *mean, period_s, noise, &mut a);
                let want = synthetic::realize(*mean, period_s, noise, &mut b);
                assert_eq!(got.to_bits(), want.to_bits(), "{i} {noise:?} {period_s}");
            }
        }
    }
}

/// The percentile table answers each key's own response quantiles, bit for bit, across queues (its
/// last-queue shortcut switching back and forth), and a mixture through the cache (its Erlang C values
/// computed once) is `mixture_response_quantile_from` on the same parts.
#[test]
fn shape_cache_percentiles_are_the_queue_s_own() {
    let mut cache = ShapeCache::default();
    let keys = [
        shape_key(1, 12.5, 25.0), // ρ 0.5
        shape_key(2, 30.0, 25.0), // ρ 0.6, another queue
        shape_key(1, 12.5, 25.0), // again: from the table
        shape_key(1, 20.0, 25.0), // ρ 0.8
    ];
    for key in keys {
        let m = key_queue(key);
        let want = PERCENTILES.map(|p| m.response_quantile(p).to_bits());
        assert_eq!(cache.quantiles(key).map(f64::to_bits), want, "{key:?}");
    }
    let parts = [(keys[0], 30.0), (keys[3], 70.0)];
    let got = cache.mixture_quantiles(parts.iter());
    let queues: Vec<(Mmc, f64)> = parts.iter().map(|&(k, w)| (key_queue(k), w)).collect();
    let total: f64 = queues.iter().map(|q| q.1).sum();
    for (j, p) in PERCENTILES.into_iter().enumerate() {
        let own: Vec<f64> = queues.iter().map(|q| q.0.response_quantile(p)).collect();
        let lo = own.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = own.iter().copied().fold(0.0, f64::max);
        let guess = own.iter().zip(&queues).map(|(o, q)| o * q.1).sum::<f64>() / total;
        let want =
            crate::traffic::queueing::mixture_response_quantile_from(&queues, p, lo, hi, guess);
        assert_eq!(got[j].to_bits(), want.to_bits(), "p={p}");
    }
}

/// The cached time-out shape adds what the uncached fluid step records: a target whose backlog grows
/// from 2 requests to its cap (an exact ramp, then capped), the same again, one at its cap all period
/// (the time-out shape reused each time), one from 3 requests and one from 2 again, against
/// `record_fluid_step`. (None has a ramp from empty or idle arrivals, which the
/// cache rounds.)
#[test]
fn cached_fluid_step_records_like_the_exact_one() {
    let mut cache = ShapeCache::default();
    let (mut a, mut b) = (LatencyHistogram::new(), LatencyHistogram::new());
    // μ 25/s, one server: capacity 25/s, a 5 s time-out: the cap is 125 requests.
    for (backlog, lambda) in [
        (2.0, 40.0),
        (2.0, 40.0),
        (125.0, 60.0),
        (3.0, 40.0),
        (2.0, 40.0),
    ] {
        let step = fluid_step(backlog, lambda, 25.0, 60.0, 5.0);
        assert!(step.capped_weight > 0.0 && step.idle_weight == 0.0);
        cache.record_fluid_step(&mut a, 1, lambda, 25.0, &step);
        b.record_fluid_step(1, lambda, 25.0, &step);
    }
    assert_eq!(a.count().to_bits(), b.count().to_bits());
    assert_eq!(a.mean().map(f64::to_bits), b.mean().map(f64::to_bits));
    let qs = [0.1, 0.5, 0.9, 0.99, 0.999];
    assert_eq!(
        a.quantiles(qs).map(|x| x.map(f64::to_bits)),
        b.quantiles(qs).map(|x| x.map(f64::to_bits))
    );
}
