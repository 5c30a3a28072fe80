//! The simulation's side of worker queues (reference §4.5): each service with a `queue` has a
//! [`MessageQueue`] whose consumers are its RUNNING tasks. It is advanced whenever one of them enters or
//! leaves RUNNING and at every metric tick, and publishes SQS's `ApproximateNumberOfMessagesVisible` and
//! the backlog per task, which exist whether or not a task runs: a service at 0 tasks scales out on them.

use super::*;
use crate::metrics::QueueSummary;
use crate::metrics::service_row::{Col, ServiceRow};
use crate::spec::QueueSpec;
use crate::traffic::sqs::MessageQueue;

/// A service's queue at run time, with its scaling datapoints published and not yet delivered (they
/// travel beside the period's batch of the other metrics, one per batch, so that runs without a queue
/// move no bigger batches).
pub(super) struct QueueRt {
    q: MessageQueue,
    /// `[ApproximateNumberOfMessagesVisible, backlog per task]` of each batch in flight, oldest first.
    unpublished: VecDeque<[Option<f64>; 2]>,
}

impl<'a> Sim<'a> {
    /// Each service's queue, if it has one (empty when no service has one: then the run keeps none).
    pub(super) fn new_message_queues(spec: &Spec) -> Vec<Option<QueueRt>> {
        if !spec.services.iter().any(|s| s.queue.is_some()) {
            return Vec::new();
        }
        spec.services
            .iter()
            .map(|s| {
                let q = s.queue.as_deref()?;
                // A stream of its own: adding it changes no other stream's draws.
                let rng = RngStream::new(spec.seed, &format!("messages:{}", s.name));
                Some(QueueRt {
                    q: MessageQueue::new(q, rng, spec.metric_period_ms),
                    unpublished: VecDeque::new(),
                })
            })
            .collect()
    }

    /// Task `t` enters (`joins`) or leaves RUNNING: if its service has a queue, the queue is brought up to
    /// now with the consumers it had, then gains or loses one.
    #[inline(never)] // off the per-service passes of runs without a queue
    pub(super) fn queue_consumer_change(&mut self, t: TaskId, joins: bool) {
        let Owner::Service(sid) = self.world.task(t).owner else {
            return;
        };
        let i = sid.0 as usize;
        let Some(qs) = self.spec.services[i].queue.as_deref() else {
            return;
        };
        let now = self.queue.now();
        // A worker the scheduler stopped past task scale-in protection `while_busy` was idle (§2.7).
        let idle = !joins && self.stopped_idle(t);
        let q = &mut self.message_queues[i].as_mut().expect("queue").q;
        if joins {
            q.add_consumer(qs, now);
        } else if idle {
            q.remove_idle_consumer(qs, now);
        } else {
            q.remove_consumer(qs, now);
        }
    }

    /// At a metric tick: service `i`'s queue up to now, its period into `row`, and, when it scales, its
    /// datapoints `[ApproximateNumberOfMessagesVisible, backlog per task]` for this period's batch (the
    /// caller publishes the batch whenever a service scales). Backlog per task is AWS's metric-math
    /// pattern, visible ÷ RUNNING tasks (§4.5), taken over max(1, RUNNING): at 0 tasks it is the whole
    /// backlog, finite and above any target once messages wait, so target tracking and step scaling
    /// both see the service must start a task — unless the queue's `backlog_at_zero_tasks` is
    /// `"no_data"`: AWS's plain m1 / m2 has no value at 0 tasks, and the policy sees INSUFFICIENT_DATA.
    /// Messages arrive before the service exists (`start`), but its scalable target does not: no
    /// datapoint until then.
    #[inline(never)] // off the per-service passes of runs without a queue
    pub(super) fn queue_tick(&mut self, i: usize, qs: &QueueSpec, row: Option<&mut ServiceRow>) {
        let now = self.queue.now();
        let running = self.services[i].running;
        let created = self.services[i].created;
        let scaled = self.scalers[i].is_some();
        let rt = self.message_queues[i].as_mut().expect("queue");
        let q = &mut rt.q;
        q.advance(qs, now);
        debug_assert_eq!(
            q.consumers(),
            running,
            "the consumers are the RUNNING tasks"
        );
        let p = q.close_period(qs, now);
        if let Some(row) = row {
            row.put(Col::MessagesArrived, round6(p.arrived));
            row.put(Col::MessagesConsumed, round6(p.consumed));
            row.put(Col::MessagesVisible, round6(p.visible));
            row.put(Col::MessagesInFlight, round6(p.in_flight));
            row.put(Col::OldestMessageAgeS, round6(p.oldest_age_s));
        }
        if scaled {
            rt.unpublished.push_back(if created {
                [
                    Some(round6(p.visible)),
                    (running > 0 || !qs.backlog_no_data_at_zero)
                        .then(|| round6(p.visible / running.max(1) as f64)),
                ]
            } else {
                [None; 2]
            });
        }
    }

    /// Service `i`'s messages in flight now (its queue brought up to now): the work its busy workers hold
    /// (task protection `while_busy`, §2.7).
    pub(super) fn queue_in_flight_now(&mut self, i: usize) -> f64 {
        let now = self.queue.now();
        let qs = self.spec.services[i].queue.as_deref().expect("queue");
        let q = &mut self.message_queues[i].as_mut().expect("queue").q;
        q.advance(qs, now);
        q.in_flight(qs)
    }

    /// The queue datapoints of the batch being delivered to service `i`'s alarms (none for a service
    /// without a queue).
    #[inline(never)] // off the per-service passes of runs without a queue
    pub(super) fn delivered_queue_datapoints(&mut self, i: usize) -> [Option<f64>; 2] {
        match self.message_queues[i].as_mut() {
            Some(rt) => rt
                .unpublished
                .pop_front()
                .expect("one queue datapoint per delivered batch"),
            None => [None; 2],
        }
    }

    /// At the end of the run: each queue up to the end, summed up.
    pub(super) fn queue_summaries(&mut self) -> Vec<QueueSummary> {
        let spec = self.spec;
        let end = spec.duration_ms;
        let mut out = Vec::new();
        for (s, rt) in spec.services.iter().zip(&mut self.message_queues) {
            let (Some(qs), Some(QueueRt { q, .. })) = (s.queue.as_deref(), rt.as_mut()) else {
                continue;
            };
            q.advance(qs, end);
            out.push(QueueSummary {
                service: s.name.clone(),
                messages_arrived: q.arrived,
                messages_consumed: q.consumed,
                messages_visible_at_end: q.visible(qs),
                messages_in_flight_at_end: q.in_flight(qs),
                max_messages_visible: q.max_visible,
                max_oldest_message_age_s: q.max_age_s,
            });
        }
        out
    }
}
