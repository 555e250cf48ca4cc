//! Unit tests of the wire types and their checks.

use super::*;
use serde_json::json;

fn event(seq: i64) -> OutboxEvent {
    OutboxEvent {
        seq,
        event_id: Uuid::new_v4(),
        kind: "sale".into(),
        payload: raw_payload(json!({"total": "12.50"}).to_string()).unwrap(),
        created_at: "2026-11-29T09:00:00Z".into(),
    }
}

fn batch(n: i64) -> PushBatch {
    PushBatch {
        lane_id: "lane-1".into(),
        events: (1..=n).map(event).collect(),
    }
}

#[test]
fn a_well_formed_batch_passes_and_round_trips_through_json() {
    let b = batch(3);
    b.validate().unwrap();
    let text = serde_json::to_string(&b).unwrap();
    let back: PushBatch = serde_json::from_str(&text).unwrap();
    assert_eq!(back, b);
}

#[test]
fn batches_out_of_order_or_with_repeated_ids_are_refused() {
    let mut b = batch(3);
    b.events.swap(0, 1);
    assert!(b.validate().unwrap_err().0.contains("strictly increasing"));

    let mut b = batch(2);
    b.events[1].event_id = b.events[0].event_id;
    assert!(b.validate().unwrap_err().0.contains("repeated"));
}

#[test]
fn empty_oversized_and_ill_typed_batches_are_refused() {
    assert!(batch(0).validate().is_err());
    let big = batch(i64::try_from(MAX_BATCH_EVENTS).unwrap() + 1);
    assert!(big.validate().unwrap_err().0.contains("at most"));

    let mut b = batch(1);
    b.events[0].payload = raw_payload("[1, 2]".into()).unwrap();
    assert!(b.validate().unwrap_err().0.contains("JSON object"));

    let mut b = batch(1);
    b.events[0].created_at = "yesterday".into();
    assert!(b.validate().unwrap_err().0.contains("RFC 3339"));

    let mut b = batch(1);
    b.events[0].kind = "DROP TABLE".into();
    assert!(b.validate().is_err());

    let mut b = batch(1);
    b.lane_id = "lane 1; --".into();
    assert!(b.validate().is_err());
}

#[test]
fn unknown_fields_are_refused_when_parsing() {
    let text = r#"{"lane_id":"l","events":[],"extra":1}"#;
    assert!(serde_json::from_str::<PushBatch>(text).is_err());
}

#[test]
fn an_ack_must_answer_exactly_the_events_sent() {
    let b = batch(2);
    let ack = PushAck {
        acks: b
            .events
            .iter()
            .map(|e| EventAck {
                event_id: e.event_id,
                status: AckStatus::Applied,
            })
            .collect(),
    };
    assert!(ack.matches(&b));
    let short = PushAck {
        acks: ack.acks[..1].to_vec(),
    };
    assert!(!short.matches(&b));
    let mut swapped = ack.clone();
    swapped.acks.swap(0, 1);
    assert!(!swapped.matches(&b));
}

fn price(version: i64, sku: &str, p: &str) -> Change {
    Change {
        version,
        body: ChangeBody::Price {
            sku: sku.into(),
            price: p.parse().unwrap(),
        },
    }
}

#[test]
fn changes_serialise_with_an_entity_tag_and_decimal_strings() {
    let text = serde_json::to_value(price(7, "A1", "1.90")).unwrap();
    assert_eq!(
        text,
        json!({"version": 7, "body": {"entity": "price", "sku": "A1", "price": "1.90"}})
    );
}

#[test]
fn a_pull_response_must_rise_strictly_after_since() {
    let ok = PullResponse {
        changes: vec![price(5, "A", "1"), price(6, "B", "2")],
        latest_version: 9,
    };
    ok.validate(4).unwrap();
    assert_eq!(ok.applied_version(4), 6);
    assert!(ok.has_more(4));

    let stale = PullResponse {
        changes: vec![price(4, "A", "1")],
        latest_version: 9,
    };
    assert!(stale.validate(4).is_err());
    let beyond = PullResponse {
        changes: vec![price(10, "A", "1")],
        latest_version: 9,
    };
    assert!(beyond.validate(4).is_err());
    let empty = PullResponse {
        changes: vec![],
        latest_version: 4,
    };
    assert_eq!(empty.applied_version(4), 4);
    assert!(!empty.has_more(4));
}

#[test]
fn invalid_changes_are_refused() {
    let negative = PullResponse {
        changes: vec![price(1, "A", "-1")],
        latest_version: 1,
    };
    assert!(negative.validate(0).is_err());
    let tax = ChangeBody::TaxRate {
        tax_class: "std".into(),
        percent: "100".parse().unwrap(),
    };
    assert!(tax.validate().is_err());
    let item = ChangeBody::Item(ItemChange {
        sku: "A".into(),
        gtin: Some("12345".into()),
        name: "Apple".into(),
        category: "fruit".into(),
        price: "1".parse().unwrap(),
        tax_class: "std".into(),
        unit: "each".into(),
        active: true,
    });
    assert!(item.validate().unwrap_err().0.contains("gtin"));
}

#[test]
fn user_debug_hides_the_pin_hash() {
    let user = UserChange {
        name: "ann".into(),
        role: "cashier".into(),
        pin_hash: "$argon2id$v=19$secret".into(),
        active: true,
    };
    assert!(!format!("{user:?}").contains("secret"));
}

#[test]
fn only_availability_errors_are_worth_retrying_unchanged() {
    assert!(!ErrorCode::Unavailable.is_permanent());
    assert!(!ErrorCode::Internal.is_permanent());
    assert!(ErrorCode::Malformed.is_permanent());
    assert!(ErrorCode::Revoked.is_permanent());
}

#[test]
fn long_digit_runs_are_redacted_from_error_texts() {
    let text = "invalid type: string \"4761739001010010\", seq 12345";
    assert_eq!(
        redact_long_digit_runs(text),
        "invalid type: string \"[digits]\", seq 12345"
    );
}

#[test]
fn a_payload_travels_byte_for_byte() {
    let text = r#"{ "b": 1,  "a": "x" }"#;
    let b = PushBatch {
        lane_id: "l".into(),
        events: vec![OutboxEvent {
            payload: raw_payload(text.into()).unwrap(),
            ..event(1)
        }],
    };
    let wire = serde_json::to_string(&b).unwrap();
    let back: PushBatch = serde_json::from_str(&wire).unwrap();
    assert_eq!(back.events[0].payload.get(), text);
    assert!(raw_payload("{ not json".into()).is_err());
}
