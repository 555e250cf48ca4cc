//! Unit tests of the push state machine.

use super::*;
use crate::sync::protocol::{AckStatus, ErrorCode, EventAck};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn policy() -> PushPolicy {
    PushPolicy {
        min_batch: 1,
        max_batch: 64,
        initial_batch: 8,
        slow_answer: Duration::from_millis(400),
        backoff: Backoff {
            base: Duration::from_millis(10),
            cap: Duration::from_millis(1000),
        },
    }
}

fn batch(n: usize) -> PushBatch {
    let events = (1..=n)
        .map(|seq| OutboxEvent {
            seq: i64::try_from(seq).unwrap(),
            event_id: Uuid::new_v4(),
            kind: "sale".into(),
            payload: crate::sync::protocol::raw_payload("{}".into()).unwrap(),
            created_at: "2026-11-29T09:00:00Z".into(),
        })
        .collect();
    PushBatch {
        lane_id: "lane-1".into(),
        events,
    }
}

fn ack_all(b: &PushBatch, elapsed_ms: u64) -> PushOutcome {
    let acks = b.events.iter().map(|e| EventAck {
        event_id: e.event_id,
        status: AckStatus::Duplicate,
    });
    PushOutcome::Acked {
        ack: PushAck {
            acks: acks.collect(),
        },
        elapsed: Duration::from_millis(elapsed_ms),
    }
}

#[test]
fn a_matching_ack_delivers_every_event_and_fast_full_batches_grow() {
    let mut rng = StdRng::seed_from_u64(1);
    let mut pusher = Pusher::new(policy());
    let b = batch(8);
    let decision = pusher.on_outcome(&b, ack_all(&b, 10), &mut rng);
    assert_eq!(
        decision,
        PushDecision::Delivered {
            event_ids: b.event_ids()
        }
    );
    assert_eq!(pusher.batch_size(), 16);
    for _ in 0..10 {
        let b = batch(pusher.batch_size());
        pusher.on_outcome(&b, ack_all(&b, 10), &mut rng);
    }
    assert_eq!(pusher.batch_size(), 64, "capped at max_batch");
}

#[test]
fn a_short_tail_does_not_grow_and_a_slow_answer_shrinks() {
    let mut rng = StdRng::seed_from_u64(2);
    let mut pusher = Pusher::new(policy());
    let b = batch(3);
    pusher.on_outcome(&b, ack_all(&b, 10), &mut rng);
    assert_eq!(pusher.batch_size(), 8);
    let b = batch(8);
    pusher.on_outcome(&b, ack_all(&b, 900), &mut rng);
    assert_eq!(pusher.batch_size(), 4);
}

#[test]
fn an_ack_for_other_events_delivers_nothing() {
    let mut rng = StdRng::seed_from_u64(3);
    let mut pusher = Pusher::new(policy());
    let b = batch(2);
    let other = batch(2);
    let decision = pusher.on_outcome(&b, ack_all(&other, 10), &mut rng);
    assert!(matches!(
        decision,
        PushDecision::Retry {
            permanent: false,
            ..
        }
    ));
}

#[test]
fn timeouts_shrink_the_batch_and_back_off_longer_each_time() {
    let mut rng = StdRng::seed_from_u64(4);
    let mut pusher = Pusher::new(policy());
    let b = batch(8);
    let mut ceilings = Vec::new();
    for _ in 0..4 {
        let PushDecision::Retry {
            retry_in,
            permanent,
            ..
        } = pusher.on_outcome(&b, PushOutcome::TimedOut, &mut rng)
        else {
            panic!("a timeout delivers nothing");
        };
        assert!(!permanent);
        ceilings.push(retry_in);
    }
    assert_eq!(pusher.batch_size(), 1, "8 -> 4 -> 2 -> 1 -> 1");
    assert_eq!(pusher.failures(), 4);
    // Fourth retry waits within [40, 80] ms, first within [5, 10] ms.
    assert!(ceilings[0] <= Duration::from_millis(10));
    assert!(ceilings[3] >= Duration::from_millis(40));
    let b = batch(1);
    pusher.on_outcome(&b, ack_all(&b, 10), &mut rng);
    assert_eq!(pusher.failures(), 0, "a success resets the backoff");
}

#[test]
fn a_5xx_keeps_the_batch_size_and_a_permanent_refusal_is_flagged() {
    let mut rng = StdRng::seed_from_u64(5);
    let mut pusher = Pusher::new(policy());
    let b = batch(8);
    let decision = pusher.on_outcome(
        &b,
        PushOutcome::Refused {
            status: 503,
            body: None,
        },
        &mut rng,
    );
    assert!(matches!(
        decision,
        PushDecision::Retry {
            permanent: false,
            ..
        }
    ));
    assert_eq!(pusher.batch_size(), 8);

    let body = ErrorBody {
        code: ErrorCode::Malformed,
        message: "event seq 3: bad".into(),
        event_id: None,
    };
    let decision = pusher.on_outcome(
        &b,
        PushOutcome::Refused {
            status: 400,
            body: Some(body),
        },
        &mut rng,
    );
    let PushDecision::Retry {
        error, permanent, ..
    } = decision
    else {
        panic!()
    };
    assert!(permanent);
    assert!(error.contains("event seq 3"));
    assert_eq!(pusher.batch_size(), 4);
}

#[test]
fn a_refusal_naming_one_event_of_the_batch_parks_it_without_backing_off() {
    let mut rng = StdRng::seed_from_u64(6);
    let mut pusher = Pusher::new(policy());
    let b = batch(8);
    let timeout = pusher.on_outcome(&b, PushOutcome::TimedOut, &mut rng);
    assert!(matches!(timeout, PushDecision::Retry { .. }));
    assert_eq!(pusher.failures(), 1);
    let named = b.events[3].event_id;
    let refusal = |code, event_id| PushOutcome::Refused {
        status: 409,
        body: Some(ErrorBody {
            code,
            message: "event seq 4 was delivered before with different content".into(),
            event_id,
        }),
    };
    let decision = pusher.on_outcome(&b, refusal(ErrorCode::Conflict, Some(named)), &mut rng);
    let PushDecision::Park { event_id, reason } = decision else {
        panic!("{decision:?}")
    };
    assert_eq!(event_id, named);
    assert!(reason.contains("Conflict") && reason.contains("different content"));
    assert_eq!(pusher.failures(), 0, "parking is progress");

    // An id that was not in the batch, or a refusal HQ may lift (5xx), parks nothing.
    let stranger = refusal(ErrorCode::Conflict, Some(uuid::Uuid::new_v4()));
    assert!(matches!(
        pusher.on_outcome(&b, stranger, &mut rng),
        PushDecision::Retry {
            permanent: true,
            ..
        }
    ));
    let revoked = refusal(ErrorCode::Revoked, Some(named));
    assert!(matches!(
        pusher.on_outcome(&b, revoked, &mut rng),
        PushDecision::Retry { .. }
    ));
    let unavailable = refusal(ErrorCode::Unavailable, Some(named));
    assert!(matches!(
        pusher.on_outcome(&b, unavailable, &mut rng),
        PushDecision::Retry {
            permanent: false,
            ..
        }
    ));
}
