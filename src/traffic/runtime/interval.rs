//! One interval of a service's traffic over a fixed set of targets (split from `runtime.rs`, which holds
//! the service's state): the fluid model's arrival rate and noise, its alike fast path and its step per
//! target, and requests mode's request-by-request queues. The hot path of a fleet run: every service,
//! every metric period.

use super::*;

impl ServiceTraffic {
    /// Traffic over `[last_ms, b_ms)` with a fixed set of `targets`; `same`: they all have the same
    /// servers and rates (the cache knows, so no pass over them is needed).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn advance_with(
        &mut self,
        load: &LoadSpec,
        mode: TrafficMode,
        b_ms: SimTime,
        targets: &[Target],
        first: Option<Target>,
        same: bool,
        tasks: &mut [TaskTraffic],
        running: u32,
        task_cpu: u32,
        task_mem: u32,
        shapes: &mut ShapeCache,
        rates: &mut RateMemo,
    ) {
        let a_ms = self.last_ms;
        if b_ms <= a_ms {
            return;
        }
        self.last_ms = b_ms;
        // The start in seconds is the last interval's end, divided then (the same division).
        let a = if self.last_s.0 == a_ms {
            self.last_s.1
        } else {
            a_ms as f64 / 1000.0
        };
        let b = b_ms as f64 / 1000.0;
        self.last_s = (b_ms, b);
        let dt = b - a;
        let p = &mut self.period;
        p.cpu_reserved += running as f64 * task_cpu as f64 * dt;
        if self.track_memory {
            p.mem_reserved += running as f64 * task_mem as f64 * dt;
            p.mem_used +=
                running.saturating_sub(targets.len() as u32) as f64 * load.memory_base_mib * dt;
        }
        match mode {
            TrafficMode::Fluid => {
                let lambda = self.fluid_lambda(load, (a_ms, b_ms), (a, b), rates);
                self.fluid_interval(load, lambda, dt, targets, first, same, tasks, shapes);
            }
            TrafficMode::Requests => self.requests_interval(load, (a, b), targets, tasks),
        }
    }

    /// The arrival rate of the fluid interval `[a_ms, b_ms)` (`a_s`, `b_s` in seconds): the source's
    /// mean rate times its window's noise.
    fn fluid_lambda(
        &mut self,
        load: &LoadSpec,
        (a_ms, b_ms): (SimTime, SimTime),
        (a_s, b_s): (f64, f64),
        rates: &mut RateMemo,
    ) -> f64 {
        if let RateClassRt::Unresolved(c) = self.rate_class {
            // Every service of the run is registered with the memo before the first interval.
            self.rate_class = if rates.shared(c) {
                RateClassRt::Shared(c)
            } else {
                RateClassRt::Own
            };
        }
        let mean = match self.rate_class {
            RateClassRt::Shared(c) => {
                rates.mean_rate(c, (a_ms, b_ms), (a_s, b_s), self.source.prepared())
            }
            _ => self.source.mean_rate(a_s, b_s),
        };
        // One noise draw per window: a Poisson count (or log-normal multiplier) for the whole
        // metric period, from the rate of its first interval, applied to each of its intervals.
        // Drawing per interval instead would make a split interval noisier than a whole one
        // (a 1 ms interval holding 3 requests "is" 3,000 requests/s).
        let window = a_ms / self.noise_window_ms;
        if window != self.noise_window {
            self.noise_window = window;
            let w_s = self.noise_window_s;
            self.noise_factor = if mean > 0.0 {
                let realized = match self.rate_class {
                    RateClassRt::Shared(c) => {
                        rates.realize(c, mean, w_s, &load.noise, &mut self.rng)
                    }
                    _ => synthetic::realize(mean, w_s, &load.noise, &mut self.rng),
                };
                realized / mean
            } else {
                1.0
            };
        }
        mean * self.noise_factor
    }

    /// One fluid interval of `dt` seconds with `lambda` requests/s arriving at `targets`.
    #[allow(clippy::too_many_arguments)]
    fn fluid_interval(
        &mut self,
        load: &LoadSpec,
        lambda: f64,
        dt: f64,
        targets: &[Target],
        first: Option<Target>,
        same: bool,
        tasks: &mut [TaskTraffic],
        shapes: &mut ShapeCache,
    ) {
        self.last_lambda_rps = lambda;
        let arrivals = lambda * dt;
        self.period.arrived += arrivals;
        self.arrived += arrivals;
        let Some(first) = first else {
            // No healthy target: the load balancer answers 503.
            self.period.dropped += arrivals;
            self.dropped += arrivals;
            return;
        };
        debug_assert_eq!(
            self.backlogged as usize,
            targets
                .iter()
                .filter(|t| tasks[t.task.0 as usize].backlog > 0.0)
                .count()
        );
        debug_assert_eq!(
            same,
            targets.iter().all(|t| t.servers == first.servers
                && t.mu == first.mu
                && t.vcpu_per_server == first.vcpu_per_server)
        );
        if same && self.backlogged == 0 && self.fluid_alike(load, lambda, dt, targets.len(), first)
        {
            return;
        }
        self.fluid_each(load, lambda, dt, targets, tasks, shapes);
    }

    /// Alike targets with no backlog (the usual case) get the same share and behave the same: one step
    /// for all `count` of them, so the work does not grow with the number of tasks. Done only when the
    /// arrivals are below capacity (returns whether it was).
    #[inline]
    fn fluid_alike(
        &mut self,
        load: &LoadSpec,
        lambda: f64,
        dt: f64,
        count: usize,
        first: Target,
    ) -> bool {
        let n = count as f64;
        let cap = first.servers as f64 * first.mu;
        let li = lambda / n;
        // No backlog and arrivals below capacity: the fluid step serves all that arrives (`served = λ·dt`
        // exactly, nothing dropped, no backlog), so it is not called: its waits and means are divisions
        // this path never reads.
        if li < cap {
            let served = li * dt;
            debug_assert!({
                let timeout = load.timeout_ms as f64 / 1000.0;
                let step = fluid_step(0.0, li, cap, dt, timeout);
                step.served == served && step.dropped == 0.0 && step.max_backlog == 0.0
            });
            let p = &mut self.period;
            p.served += n * served;
            self.served += n * served;
            p.cpu_used += n * served / first.mu * first.vcpu_per_server * 1024.0;
            if self.track_memory {
                let w = Mmc::new(first.servers, li, first.mu)
                    .map_or(1.0 / first.mu, |q| q.mean_response());
                let in_flight = served / dt * w;
                p.mem_used +=
                    n * (load.memory_base_mib + load.memory_per_request_mib * in_flight) * dt;
            }
            p.shapes
                .add(shape_key(first.servers, li, first.mu), n * li * dt);
            true
        } else {
            false
        }
    }

    /// A fluid step per target (backlogs, overload, targets that differ), its stable intervals grouped
    /// by shape.
    fn fluid_each(
        &mut self,
        load: &LoadSpec,
        lambda: f64,
        dt: f64,
        targets: &[Target],
        tasks: &mut [TaskTraffic],
        shapes: &mut ShapeCache,
    ) {
        let timeout = load.timeout_ms as f64 / 1000.0;
        let mem = self.track_memory;
        let p = &mut self.period;
        self.groups.clear();
        self.backlogged = 0;
        let total_cap: f64 = targets.iter().map(|t| t.servers as f64 * t.mu).sum();
        for t in targets {
            let cap = t.servers as f64 * t.mu;
            let share = match load.balancer {
                Balancer::RoundRobin => 1.0 / targets.len() as f64,
                Balancer::LeastOutstandingRequests => cap / total_cap,
            };
            let li = lambda * share;
            let tt = &mut tasks[t.task.0 as usize];
            let step = fluid_step(tt.backlog, li, cap, dt, timeout);
            tt.backlog = step.backlog_end;
            self.backlogged += u32::from(tt.backlog > 0.0);
            p.served += step.served;
            p.dropped += step.dropped;
            self.served += step.served;
            self.dropped += step.dropped;
            p.cpu_used += step.served / t.mu * t.vcpu_per_server * 1024.0;
            // Little's law: requests in the system = throughput × mean response time (M/M/c when stable),
            // plus the fluid backlog.
            if mem {
                let w = Mmc::new(t.servers, li.min(cap * 0.999_999), t.mu)
                    .map_or(1.0 / t.mu, |q| q.mean_response());
                let in_flight = step.mean_backlog + step.served / dt * w;
                p.mem_used += (load.memory_base_mib + load.memory_per_request_mib * in_flight) * dt;
            }
            let idle = step.max_backlog == 0.0 && li < cap;
            if idle {
                // The common case: a stable M/M/c for the whole interval. Identical targets share
                // one cached distribution, added once with their summed weight.
                let key = shape_key(t.servers, li, t.mu);
                match self.groups.iter_mut().find(|g| g.0 == key) {
                    Some(g) => g.1 += li * dt,
                    None => self.groups.push((key, li * dt)),
                }
            } else {
                shapes.record_fluid_step(&mut p.hist, t.servers, li, t.mu, &step);
            }
        }
        for &(key, w) in &self.groups {
            p.shapes.add(key, w);
        }
    }

    /// One interval `[a_s, b_s)` in requests mode: every request through its target's FCFS queue.
    fn requests_interval(
        &mut self,
        load: &LoadSpec,
        (a, b): (f64, f64),
        targets: &[Target],
        tasks: &mut [TaskTraffic],
    ) {
        let dt = b - a;
        let timeout = load.timeout_ms as f64 / 1000.0;
        let p = &mut self.period;
        self.buf.clear();
        self.source
            .arrivals(a, b, &load.noise, &mut self.rng, &mut self.buf);
        let n = self.buf.len() as f64;
        p.arrived += n;
        self.arrived += n;
        if targets.is_empty() {
            p.dropped += n;
            self.dropped += n;
            return;
        }
        for t in targets {
            let tt = &mut tasks[t.task.0 as usize];
            if tt.queue.is_none() {
                tt.queue = Some(FcfsQueue::new(t.servers));
            }
        }
        for &at in &self.buf {
            let k = match load.balancer {
                Balancer::RoundRobin => {
                    self.rr = (self.rr + 1) % targets.len();
                    self.rr
                }
                Balancer::LeastOutstandingRequests => (0..targets.len())
                    .min_by(|&i, &j| {
                        let fi = tasks[targets[i].task.0 as usize]
                            .queue
                            .as_ref()
                            .map_or(0.0, |q| q.earliest_free());
                        let fj = tasks[targets[j].task.0 as usize]
                            .queue
                            .as_ref()
                            .map_or(0.0, |q| q.earliest_free());
                        fi.total_cmp(&fj)
                    })
                    .expect("targets"),
            };
            let t = &targets[k];
            let q = tasks[t.task.0 as usize].queue.as_mut().expect("queue");
            if q.earliest_free() - at > timeout {
                p.dropped += 1.0;
                self.dropped += 1.0;
                continue;
            }
            let mean_s = 1.0 / t.mu;
            let s = match load.service_time {
                ServiceTimeShape::Exponential => -mean_s * self.rng.next_f64_open0().ln(),
                ServiceTimeShape::Constant => mean_s,
                ServiceTimeShape::LogNormal(sigma) => {
                    let u1 = self.rng.next_f64_open0();
                    let u2 = self.rng.next_f64();
                    let z = crate::numerics::box_muller(u1, u2);
                    mean_s * (sigma * z - 0.5 * sigma * sigma).exp()
                }
            };
            let r = q.arrive(at, s);
            p.hist.record(r, 1.0);
            p.served += 1.0;
            self.served += 1.0;
            p.cpu_used += s * t.vcpu_per_server * 1024.0;
            p.mem_used += load.memory_per_request_mib * r;
        }
        p.mem_used += targets.len() as f64 * load.memory_base_mib * dt;
    }
}
