//! The metric tick: at the end of each metric period, publish datapoints, sample reservations and traffic,
//! write a time-series row. Split by phase into functions under 200 lines.
//!
//! Must not: change placement or task state.

use crate::engine::SimTime;
use crate::metrics::SeriesRow;
use crate::metrics::service_row::{Col, ServiceRow};
use crate::spec::{ProviderId, ProviderKind, SchedulingStrategy, ServiceId, ZoneId};

use super::{Event, Sim, round6};

impl<'a> Sim<'a> {
    /// Add the unplaced tasks' time since the last change to the integral (up to the run's end).
    pub(super) fn account_unplaced(&mut self, now: SimTime) {
        let now = now.min(self.spec.duration_ms);
        if now > self.stats.unplaced_at {
            self.stats.unplaced_acc_ms +=
                self.stats.unplaced_now as u128 * (now - self.stats.unplaced_at) as u128;
            self.stats.unplaced_at = now;
        }
    }

    /// End of a metric period: per service, close its traffic period, publish its scaling datapoints and
    /// write its row; then the cluster-wide reservation sample and rows, and the next tick.
    pub(super) fn metric_tick(&mut self) {
        let now = self.queue.now();
        let spec = self.spec;
        // AZ rebalancing watches for imbalance (§2.1); once per metric period is enough.
        if self.az_rebalancing {
            self.rebalance_zones();
        }
        let mut published = false;
        let mut batch = self.spare_datapoints.pop().unwrap_or_default();
        batch.clear();
        batch.resize(spec.services.len(), [None; 3]);
        // `[output] timeseries_interval`: rows of every n-th period only (the figures are computed anyway).
        let write_rows = self.series_out
            && (now / spec.metric_period_ms).is_multiple_of(spec.output.timeseries_every);
        // The period [now - period, now] counts in the summary once the warm-up is over.
        let measured = now >= spec.warm_up_ms + spec.metric_period_ms;
        for (i, slot) in batch.iter_mut().enumerate() {
            // The next service's state, requested while this one is computed (see `engine::prefetch`).
            if let Some(Some(tr)) = self.traffic.get(i + 1) {
                tr.prefetch_hot();
            }
            if let Some(st) = self.services.get(i + 1) {
                crate::engine::prefetch(st);
            }
            published |= self.service_tick(i, now, write_rows, measured, slot);
        }
        if published {
            self.pending_datapoints.push_back(batch);
            self.queue
                .push_after(spec.scaling.publication_delay_ms, Event::ScalingDatapoints);
        } else {
            self.spare_datapoints.push(batch);
        }
        self.burst_tick();
        self.repeat_steady(now);
        let pct = |a: u64, b: u64| {
            if b == 0 {
                0.0
            } else {
                a as f64 * 100.0 / b as f64
            }
        };
        let cpu_res = pct(self.cpu_reserved, self.cpu_registered);
        let mem_res = pct(self.mem_reserved, self.mem_registered);
        if self.cpu_registered > 0 {
            self.stats.cpu_res_sum += cpu_res;
            self.stats.mem_res_sum += mem_res;
            self.stats.res_samples += 1;
        }
        if write_rows {
            self.write_cluster_rows(now, cpu_res, mem_res);
        }
        let next = now + spec.metric_period_ms;
        if next <= spec.duration_ms {
            self.queue.push(next, Event::MetricTick);
        }
    }

    /// A service that stays steady says so again every `event_dedup_window` (§2.6: "the service
    /// scheduler reports the status periodically", and the console shows a repeat after six hours;
    /// users' event lists show one every 6 h). None with the window at 0 (every event written).
    fn repeat_steady(&mut self, now: SimTime) {
        let window = self.spec.scheduler.event_dedup_window_ms;
        if window == 0 || !self.steady_out {
            return;
        }
        for i in 0..self.services.len() {
            let st = &self.services[i];
            if st.steady && now >= st.steady_said_at + window {
                self.say_steady(ServiceId(i as u32));
            }
        }
    }

    /// One service's part of the tick: its traffic period closed, its queue advanced, its scaling
    /// datapoints put in `slot`, and its row written when `write_rows`. Returns: it published any.
    fn service_tick(
        &mut self,
        i: usize,
        now: SimTime,
        write_rows: bool,
        measured: bool,
        slot: &mut [Option<f64>; 3],
    ) -> bool {
        let spec = self.spec;
        let s = &spec.services[i];
        // The scaling datapoints read request rate, CPU and memory; the full row is built only when
        // it is written (most periods with `timeseries_interval`, every period into a NullSink).
        let mut figures = [None; 3];
        // The row in its compact form (figures only, no name: the sink is given the spec's).
        let mut row = write_rows.then(|| ServiceRow::new(now));
        if s.load.is_some() {
            figures = self.traffic_tick(i, write_rows, measured, row.as_mut());
        }
        if let Some(qs) = s.queue.as_deref() {
            self.queue_tick(i, qs, row.as_mut());
            self.protection_tick(i);
        }
        let published = self.publish_datapoints(i, figures, slot);
        if let Some(mut row) = row {
            let st = &self.services[i];
            row.desired = if s.scheduling == SchedulingStrategy::Daemon {
                st.tasks.len() as u32
            } else {
                st.desired
            };
            row.running = st.running;
            row.pending = st.pending;
            row.put(Col::CostUsd, round6(self.cost.by_owner[i].value(now)));
            self.sink.service_row(&row, &s.name);
        }
        published
    }

    /// Close the traffic period of service `i` (which has a load): SLO and warm-up sums, the row's traffic
    /// columns. Returns the datapoints [request rate, CPU, memory] (None where nothing reads them).
    fn traffic_tick(
        &mut self,
        i: usize,
        write_rows: bool,
        measured: bool,
        row: Option<&mut ServiceRow>,
    ) -> [Option<f64>; 3] {
        let spec = self.spec;
        let load = spec.services[i].load.as_ref().expect("load");
        let mut request_rate = None;
        self.advance_traffic(ServiceId(i as u32));
        let tr = self.traffic[i].as_mut().expect("load");
        let need_latency = write_rows || load.slo.is_some_and(|o| o.p99_ms.is_some());
        // Request rate and memory are computed only for a written row or a policy that reads
        // them (the datapoint slot of a metric no policy reads is never read).
        let (reads_memory, reads_rate) = self.scalers[i].as_ref().map_or((false, false), |sc| {
            (sc.reads_memory, sc.reads_request_count)
        });
        let p = tr.close_period(
            &mut self.run_hist,
            &mut self.shape_cache,
            need_latency,
            write_rows || reads_memory,
            measured,
        );
        let ms = |x: Option<f64>| x.map(|v| round6(v * 1000.0));
        if write_rows || reads_rate {
            let period_s = spec.metric_period_ms as f64 / 1000.0;
            request_rate = Some(round6(p.arrived / period_s));
        }
        let cpu_utilization = p.cpu_utilization.map(round6);
        if let Some(b) = &mut self.burst {
            b.util[i] = p.cpu_utilization.map_or(0.0, |u| u / 100.0);
        }
        let memory_utilization = p.memory_utilization.map(round6);
        let p99 = if need_latency {
            ms(p.latency_s[2])
        } else {
            None
        };
        let bad = load.slo.map(|o| o.bad(p.arrived, p.served, p.dropped, p99));
        if measured {
            if bad == Some(true) {
                tr.slo_violation_ms += spec.metric_period_ms;
            }
        } else {
            let w = &mut tr.warm_up_sums;
            (w[0], w[1], w[2]) = (w[0] + p.arrived, w[1] + p.served, w[2] + p.dropped);
        }
        if let Some(row) = row {
            row.set(Col::RequestRate, request_rate);
            row.set(Col::CpuUtilization, cpu_utilization);
            row.set(
                Col::MemoryUtilization,
                memory_utilization.filter(|_| crate::metrics::not_modelled::models_memory(load)),
            );
            row.set(Col::LatencyP50Ms, ms(p.latency_s[0]));
            row.set(Col::LatencyP90Ms, ms(p.latency_s[1]));
            row.set(Col::LatencyP99Ms, p99);
            row.put(Col::Served, round6(p.served));
            row.put(Col::Errors, round6(p.dropped));
            row.put(Col::Queued, round6(tr.queued(&self.task_traffic)));
            row.set(Col::SloP99Ms, load.slo.and_then(|o| o.p99_ms));
            row.slo_bad = bad;
            row.put(Col::CapacityRps, round6(tr.capacity_rps));
        }
        [request_rate, cpu_utilization, memory_utilization]
    }

    /// The cluster row and one row per Auto Scaling group (its instances and, with managed scaling, the
    /// last CPR), for a period whose rows are written.
    fn write_cluster_rows(&mut self, now: SimTime, cpu_res: f64, mem_res: f64) {
        let spec = self.spec;
        let running: u32 = self.services.iter().map(|s| s.running).sum();
        let pending: u32 = self.services.iter().map(|s| s.pending).sum();
        let mut row = SeriesRow {
            time_ms: now,
            scope: "cluster",
            name: spec.cluster_name.clone(),
            running: Some(running),
            pending: Some(pending),
            instances: Some(self.active_instances as u32),
            cpu_registered: Some(self.cpu_registered),
            cpu_reserved: Some(self.cpu_reserved),
            memory_registered: Some(self.mem_registered),
            memory_reserved: Some(self.mem_reserved),
            cpu_reservation: Some(round6(cpu_res)),
            memory_reservation: Some(round6(mem_res)),
            cost_usd: Some(round6(
                self.cost.ec2.value(now)
                    + self.cost.fargate.value(now)
                    + self.cost.fargate_spot.value(now),
            )),
            cost_ec2_usd: Some(round6(self.cost.ec2.value(now))),
            cost_fargate_usd: Some(round6(self.cost.fargate.value(now))),
            cost_fargate_spot_usd: Some(round6(self.cost.fargate_spot.value(now))),
            ..Default::default()
        };
        if let Some(b) = &self.burst {
            b.fill_row(&mut row, None);
        }
        self.sink.series(&row);
        for (pi, prov) in spec.providers.iter().enumerate() {
            if !matches!(prov.kind, ProviderKind::Asg(_)) {
                continue;
            }
            let p = ProviderId(pi as u16);
            let active: u32 = (0..spec.zones.len())
                .map(|z| self.world.zone_index(p, ZoneId(z as u8)).members.len() as u32)
                .sum();
            let mut row = SeriesRow {
                time_ms: now,
                scope: "capacity_provider",
                name: prov.name.clone(),
                instances: Some(active),
                pending: Some(self.cas[pi].launching),
                capacity_provider_reservation: self.cas[pi].last_cpr.map(round6),
                ..Default::default()
            };
            // Credit columns on a burstable provider's rows (empty on the others' in a burstable run).
            if let (Some(b), ProviderKind::Asg(a)) = (&self.burst, &prov.kind)
                && a.burst.is_some()
            {
                b.fill_row(&mut row, Some(pi));
            }
            self.sink.series(&row);
        }
    }
}
