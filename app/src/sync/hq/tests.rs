//! HQ over HTTP on 127.0.0.1 with its SQLite backend, driven by the lane's real client.
//! (PostgreSQL runs the same scenarios in `tests/tests/sync_*.rs`.)

use super::*;
use crate::sync::client::HqClient;
use crate::sync::protocol::{ErrorCode, EventAck, OutboxEvent, PushBatch, raw_payload};
use crate::sync::pusher::PushOutcome;
use serde_json::json;
use std::time::Duration;

struct Hq {
    _dir: tempfile::TempDir,
    db: HqDb,
    url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start_hq() -> Hq {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hq.sqlite").display());
    let db = HqDb::open(&url).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = db.clone();
    tokio::spawn(async move {
        server::serve(listener, served, async {
            stopped.await.ok();
        })
        .await
        .unwrap();
    });
    Hq {
        _dir: dir,
        db,
        url: format!("http://{addr}"),
        _stop: stop,
    }
}

fn client(hq: &Hq, token: &str) -> HqClient {
    HqClient::new(&hq.url, token, Duration::from_secs(5)).unwrap()
}

fn event(seq: i64, total: &str) -> OutboxEvent {
    OutboxEvent {
        seq,
        event_id: Uuid::new_v4(),
        kind: "sale".into(),
        payload: raw_payload(json!({ "total": total }).to_string()).unwrap(),
        created_at: "2026-11-29T09:00:00Z".into(),
    }
}

fn acks(outcome: PushOutcome) -> Vec<AckStatus> {
    match outcome {
        PushOutcome::Acked { ack, .. } => ack.acks.iter().map(|a: &EventAck| a.status).collect(),
        other => panic!("expected an ack, got {other:?}"),
    }
}

fn refusal(outcome: PushOutcome) -> (u16, ErrorCode, String) {
    match outcome {
        PushOutcome::Refused {
            status,
            body: Some(body),
        } => (status, body.code, body.message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_redelivered_batch_is_acknowledged_but_stored_once() {
    let hq = start_hq().await;
    let token = hq.db.add_lane("lane-1", "store-1").await.unwrap();
    let lane = client(&hq, &token);
    let batch = PushBatch {
        lane_id: "lane-1".into(),
        events: vec![event(1, "1.00"), event(2, "2.50")],
    };
    assert_eq!(
        acks(lane.push(&batch).await),
        [AckStatus::Applied, AckStatus::Applied]
    );
    assert_eq!(
        acks(lane.push(&batch).await),
        [AckStatus::Duplicate, AckStatus::Duplicate]
    );
    // A batch overlapping the delivered one: the old event is a duplicate, the new applied.
    let next = PushBatch {
        lane_id: "lane-1".into(),
        events: vec![batch.events[1].clone(), event(3, "4.00")],
    };
    assert_eq!(
        acks(lane.push(&next).await),
        [AckStatus::Duplicate, AckStatus::Applied]
    );
    assert_eq!(hq.db.event_counts().await.unwrap(), (3, 3));
    let report = hq.db.report().await.unwrap();
    assert_eq!(report[0].total.to_string(), "7.50");
}

#[tokio::test]
async fn wrong_and_revoked_tokens_are_refused_and_nothing_is_stored() {
    let hq = start_hq().await;
    let token = hq.db.add_lane("lane-1", "store-1").await.unwrap();
    let batch = PushBatch {
        lane_id: "lane-1".into(),
        events: vec![event(1, "1.00")],
    };

    let (status, code, _) = refusal(client(&hq, "not-a-token").push(&batch).await);
    assert_eq!((status, code), (401, ErrorCode::Unauthorized));

    hq.db.revoke_lane("lane-1").await.unwrap();
    let (status, code, message) = refusal(client(&hq, &token).push(&batch).await);
    assert_eq!((status, code), (401, ErrorCode::Revoked));
    assert!(message.contains("lane-1"));
    assert!(client(&hq, &token).pull(0, 10).await.is_err());
    assert_eq!(hq.db.event_counts().await.unwrap(), (0, 0));
}

#[tokio::test]
async fn an_event_replayed_from_another_lane_refuses_the_whole_batch() {
    let hq = start_hq().await;
    let token_1 = hq.db.add_lane("lane-1", "store-1").await.unwrap();
    let token_2 = hq.db.add_lane("lane-2", "store-1").await.unwrap();
    let stolen = event(1, "1.00");
    let first = PushBatch {
        lane_id: "lane-1".into(),
        events: vec![stolen.clone()],
    };
    acks(client(&hq, &token_1).push(&first).await);

    let replay = PushBatch {
        lane_id: "lane-2".into(),
        events: vec![event(1, "9.00"), {
            let mut e = stolen;
            e.seq = 2;
            e
        }],
    };
    let (status, code, _) = refusal(client(&hq, &token_2).push(&replay).await);
    assert_eq!((status, code), (403, ErrorCode::ForeignEvent));
    assert_eq!(
        hq.db.event_counts().await.unwrap(),
        (1, 1),
        "lane-2's first event was rolled back"
    );

    // A token may only push its own lane's batches.
    let (status, code, _) = refusal(client(&hq, &token_2).push(&first).await);
    assert_eq!((status, code), (403, ErrorCode::ForeignEvent));
}

#[tokio::test]
async fn changed_content_under_a_known_id_or_a_reused_seq_is_a_conflict() {
    let hq = start_hq().await;
    let token = hq.db.add_lane("lane-1", "store-1").await.unwrap();
    let lane = client(&hq, &token);
    let original = event(1, "1.00");
    acks(
        lane.push(&PushBatch {
            lane_id: "lane-1".into(),
            events: vec![original.clone()],
        })
        .await,
    );

    let mut altered = original;
    altered.payload = raw_payload(json!({ "total": "0.01" }).to_string()).unwrap();
    let (status, code, _) = refusal(
        lane.push(&PushBatch {
            lane_id: "lane-1".into(),
            events: vec![altered],
        })
        .await,
    );
    assert_eq!((status, code), (409, ErrorCode::Conflict));

    let reused_seq = PushBatch {
        lane_id: "lane-1".into(),
        events: vec![event(1, "1.00")],
    };
    let (status, code, message) = refusal(lane.push(&reused_seq).await);
    assert_eq!((status, code), (409, ErrorCode::Conflict));
    assert!(message.contains("seq"));
    assert_eq!(hq.db.event_counts().await.unwrap(), (1, 1));
}

#[tokio::test]
async fn malformed_bodies_are_refused_with_a_clear_message() {
    let hq = start_hq().await;
    let token = hq.db.add_lane("lane-1", "store-1").await.unwrap();
    let lane = client(&hq, &token);
    let mut unordered = PushBatch {
        lane_id: "lane-1".into(),
        events: vec![event(2, "1"), event(1, "1")],
    };
    let (status, code, message) = refusal(lane.push(&unordered).await);
    assert_eq!((status, code), (400, ErrorCode::Malformed));
    assert!(message.contains("strictly increasing"), "{message}");
    unordered.events.clear();
    assert_eq!(refusal(lane.push(&unordered).await).1, ErrorCode::Malformed);
    assert_eq!(hq.db.event_counts().await.unwrap(), (0, 0));
}

#[tokio::test]
async fn a_garbage_body_is_refused_without_echoing_card_numbers() {
    let hq = start_hq().await;
    let token = hq.db.add_lane("lane-1", "store-1").await.unwrap();
    let body = r#"{"lane_id":"lane-1","events":[{"seq":"4761739001010010"}]}"#;
    let response = raw_post(&hq.url, &token, body).await;
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(response.contains("malformed"));
    assert!(!response.contains("4761739001010010"));
}

/// Posts `body` as is, for bodies the typed client cannot produce.
async fn raw_post(url: &str, token: &str, body: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST /v1/push HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test]
async fn catalog_changes_are_pulled_in_version_order_and_in_pages() {
    let hq = start_hq().await;
    let token = hq.db.add_lane("lane-1", "store-1").await.unwrap();
    for cents in 100..105 {
        let body = ChangeBody::Price {
            sku: "A1".into(),
            price: rust_decimal::Decimal::new(cents, 2),
        };
        hq.db.publish(&body).await.unwrap();
    }
    let lane = client(&hq, &token);
    let page = lane.pull(0, 2).await.unwrap();
    assert_eq!(
        page.changes.iter().map(|c| c.version).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(page.latest_version, 5);
    assert!(page.has_more(0));
    let rest = lane.pull(2, 100).await.unwrap();
    assert_eq!(rest.changes.len(), 3);
    assert!(!rest.has_more(2));
    let invalid = ChangeBody::Price {
        sku: "A1".into(),
        price: rust_decimal::Decimal::new(-1, 0),
    };
    assert!(matches!(
        hq.db.publish(&invalid).await,
        Err(HqError::Malformed(_))
    ));
}

#[tokio::test]
async fn lanes_are_validated_and_unique() {
    let hq = start_hq().await;
    hq.db.add_lane("lane-1", "store-1").await.unwrap();
    assert!(matches!(
        hq.db.add_lane("lane-1", "store-1").await,
        Err(HqError::LaneExists(_))
    ));
    assert!(matches!(
        hq.db.add_lane("bad lane", "store-1").await,
        Err(HqError::Malformed(_))
    ));
    assert!(matches!(
        hq.db.revoke_lane("nobody").await,
        Err(HqError::NoSuchLane(_))
    ));
    assert!(matches!(
        HqDb::open("mysql://x").await,
        Err(HqError::BadUrl(_))
    ));
}
