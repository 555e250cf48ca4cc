//! The lane's push state machine: how many events to send next, and what to do with HQ's
//! answer. No I/O: the worker reads the outbox, sends the batch and reports the outcome here;
//! the [`PushDecision`] tells it what to write back to the outbox.

use super::backoff::Backoff;
use super::protocol::{ErrorBody, ErrorCode, OutboxEvent, PushAck, PushBatch};
use rand::Rng;
use std::time::Duration;
use uuid::Uuid;

/// Tuning of the pusher; [`Default`] suits a lane on a shop network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushPolicy {
    pub min_batch: usize,
    pub max_batch: usize,
    pub initial_batch: usize,
    /// An answer slower than this halves the batch; one under a quarter of it doubles it.
    pub slow_answer: Duration,
    pub backoff: Backoff,
}

impl Default for PushPolicy {
    fn default() -> Self {
        PushPolicy {
            min_batch: 1,
            max_batch: 2_000,
            initial_batch: 100,
            slow_answer: Duration::from_secs(2),
            backoff: Backoff {
                base: Duration::from_millis(500),
                cap: Duration::from_secs(60),
            },
        }
    }
}

/// How one push ended, as the shell saw it.
#[derive(Debug, Clone, PartialEq)]
pub enum PushOutcome {
    /// HQ answered 2xx with this body.
    Acked { ack: PushAck, elapsed: Duration },
    /// HQ answered with an error status; `body` when it carried a protocol error.
    Refused {
        status: u16,
        body: Option<ErrorBody>,
    },
    /// No answer within the timeout (HQ may or may not have committed).
    TimedOut,
    /// Could not connect, or the connection broke before a full answer.
    ConnectionFailed(String),
    /// A 2xx answer that is not a valid ack.
    BadAnswer(String),
}

/// What the worker writes to the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushDecision {
    /// HQ holds these events: set `delivered_at`.
    Delivered { event_ids: Vec<Uuid> },
    /// HQ refused this one event for what it is: park it (with HQ's reason) so the events
    /// behind it can go; nothing of the batch was stored, the rest is sent again at once.
    Park { event_id: Uuid, reason: String },
    /// Nothing is known to be delivered: count an attempt on every event of the batch, keep
    /// `error` as their `last_error`, and try again after `retry_in`.
    Retry {
        error: String,
        retry_in: Duration,
        permanent: bool,
    },
}

#[derive(Debug, Clone)]
pub struct Pusher {
    policy: PushPolicy,
    batch_size: usize,
    failures: u32,
}

impl Pusher {
    pub fn new(policy: PushPolicy) -> Self {
        let min = policy.min_batch.max(1);
        let max = policy.max_batch.max(min);
        let policy = PushPolicy {
            min_batch: min,
            max_batch: max,
            ..policy
        };
        Pusher {
            policy,
            batch_size: policy.initial_batch.clamp(min, max),
            failures: 0,
        }
    }

    /// How many outbox rows to read for the next batch.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Consecutive failed pushes since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn make_batch(&self, lane_id: &str, events: Vec<OutboxEvent>) -> PushBatch {
        PushBatch {
            lane_id: lane_id.to_owned(),
            events,
        }
    }

    /// Decide from HQ's answer; adapts the batch size and the backoff.
    pub fn on_outcome(
        &mut self,
        sent: &PushBatch,
        outcome: PushOutcome,
        rng: &mut impl Rng,
    ) -> PushDecision {
        if let PushOutcome::Refused {
            status,
            body: Some(body),
        } = &outcome
            && body.code.is_permanent()
            // A refused token concerns the lane, never one event: nothing to park.
            && !matches!(body.code, ErrorCode::Unauthorized | ErrorCode::Revoked)
            && let Some(event_id) = body
                .event_id
                .filter(|id| sent.events.iter().any(|e| e.event_id == *id))
        {
            // Parking is progress: the queue moves on, without a backoff.
            self.failures = 0;
            return PushDecision::Park {
                event_id,
                reason: format!("HQ refused ({status}, {:?}): {}", body.code, body.message),
            };
        }
        match outcome {
            PushOutcome::Acked { ack, elapsed } if ack.matches(sent) => {
                self.failures = 0;
                if elapsed > self.policy.slow_answer {
                    self.shrink();
                } else if elapsed < self.policy.slow_answer / 4
                    && sent.events.len() >= self.batch_size
                {
                    // Grow only when a full batch went fast: a short tail says nothing.
                    self.batch_size = self.batch_size.saturating_mul(2).min(self.policy.max_batch);
                }
                PushDecision::Delivered {
                    event_ids: sent.event_ids(),
                }
            }
            PushOutcome::Acked { .. } => self.fail(
                "HQ acknowledged other events than the ones sent".into(),
                false,
                rng,
            ),
            PushOutcome::Refused { status, body } => {
                let permanent = body.as_ref().is_some_and(|b| b.code.is_permanent());
                let error = match body {
                    Some(b) => format!("HQ refused ({status}, {:?}): {}", b.code, b.message),
                    None => format!("HQ answered HTTP {status}"),
                };
                if permanent {
                    // Halving isolates one bad event in a few rounds; the rest can still pass.
                    self.shrink();
                }
                self.fail(error, permanent, rng)
            }
            PushOutcome::TimedOut => {
                self.shrink();
                self.fail("HQ did not answer in time".into(), false, rng)
            }
            PushOutcome::ConnectionFailed(why) => {
                self.fail(format!("connection to HQ failed: {why}"), false, rng)
            }
            PushOutcome::BadAnswer(why) => self.fail(
                format!("HQ answered something that is not an ack: {why}"),
                false,
                rng,
            ),
        }
    }

    fn shrink(&mut self) {
        self.batch_size = (self.batch_size / 2).max(self.policy.min_batch);
    }

    fn fail(&mut self, error: String, permanent: bool, rng: &mut impl Rng) -> PushDecision {
        self.failures = self.failures.saturating_add(1);
        let retry_in = self.policy.backoff.delay(self.failures, rng);
        PushDecision::Retry {
            error,
            retry_in,
            permanent,
        }
    }
}

#[cfg(test)]
mod tests;
