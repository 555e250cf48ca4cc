//! HQ on a real PostgreSQL refuses bad input with clear errors and applies nothing:
//! malformed batches, wrong and revoked tokens, events replayed from another lane. Two HQ
//! instances on one database (behind a load balancer) still apply each event once.

// Test code: helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod sync_common;

use pos_app::sync::client::HqClient;
use pos_app::sync::hq::HqDb;
use pos_app::sync::protocol::{AckStatus, ErrorCode, OutboxEvent, PushBatch, raw_payload};
use pos_app::sync::pusher::PushOutcome;
use pos_app::sync::worker::LaneWorker;
use pos_tests::postgres::PgCluster;
use std::time::Duration;
use sync_common::*;
use uuid::Uuid;

fn event(seq: i64) -> OutboxEvent {
    OutboxEvent {
        seq,
        event_id: Uuid::new_v4(),
        kind: "sale".into(),
        payload: raw_payload(r#"{"total":"3.20"}"#.into()).unwrap(),
        created_at: "2026-11-29T09:00:00Z".into(),
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

fn statuses(outcome: PushOutcome) -> Vec<AckStatus> {
    match outcome {
        PushOutcome::Acked { ack, .. } => ack.acks.iter().map(|a| a.status).collect(),
        other => panic!("expected an ack, got {other:?}"),
    }
}

/// HQ answers at once; the client timeout only bounds a stalled HQ on a loaded machine.
const ANSWERED: Duration = Duration::from_secs(30);

#[test]
fn bad_input_is_refused_and_nothing_is_applied() {
    let pg = PgCluster::start().unwrap();
    let database = pg.create_database("hq").unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(HqDb::open(&database)).unwrap();
    let port = reserved_addr();
    let addr = port.addr();
    let _hq = HqProcess::start(addr, &database);
    let url = format!("http://{addr}");
    let client = |token: &str| HqClient::new(&url, token, ANSWERED).unwrap();
    let token_a = rt.block_on(db.add_lane("lane-a", "store-1")).unwrap();
    let token_b = rt.block_on(db.add_lane("lane-b", "store-2")).unwrap();
    let counts = || rt.block_on(db.event_counts()).unwrap();

    // Malformed: seqs out of order.
    let unordered = PushBatch {
        lane_id: "lane-a".into(),
        events: vec![event(2), event(1)],
    };
    let (status, code, message) = refusal(rt.block_on(client(&token_a).push(&unordered)));
    assert_eq!((status, code), (400, ErrorCode::Malformed));
    assert!(message.contains("seq 1"), "{message}");

    // Wrong token.
    let good = PushBatch {
        lane_id: "lane-a".into(),
        events: vec![event(1), event(2)],
    };
    let (status, code, _) = refusal(rt.block_on(client("0123abcd").push(&good)));
    assert_eq!((status, code), (401, ErrorCode::Unauthorized));
    assert_eq!(counts(), (0, 0));

    // A good batch, then lane-b replays one of lane-a's events behind a new one of its own.
    assert_eq!(
        statuses(rt.block_on(client(&token_a).push(&good))),
        [AckStatus::Applied; 2]
    );
    let mut replayed = good.events[1].clone();
    replayed.seq = 2;
    let replay = PushBatch {
        lane_id: "lane-b".into(),
        events: vec![event(1), replayed],
    };
    let (status, code, message) = refusal(rt.block_on(client(&token_b).push(&replay)));
    assert_eq!((status, code), (403, ErrorCode::ForeignEvent));
    assert!(message.contains("another lane"));
    assert_eq!(
        counts(),
        (2, 2),
        "lane-b's own first event was rolled back too"
    );

    // Revoked: refused from now on, at push and at pull.
    rt.block_on(db.revoke_lane("lane-a")).unwrap();
    let next = PushBatch {
        lane_id: "lane-a".into(),
        events: vec![event(3)],
    };
    let (status, code, _) = refusal(rt.block_on(client(&token_a).push(&next)));
    assert_eq!((status, code), (401, ErrorCode::Revoked));
    assert!(rt.block_on(client(&token_a).pull(0, 10)).is_err());
    assert_eq!(counts(), (2, 2));
}

#[test]
fn a_revoked_lane_keeps_its_queue_and_shows_why() {
    let pg = PgCluster::start().unwrap();
    let database = pg.create_database("hq").unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(HqDb::open(&database)).unwrap();
    let port = reserved_addr();
    let addr = port.addr();
    let _hq = HqProcess::start(addr, &database);
    let url = format!("http://{addr}");
    let token = rt.block_on(db.add_lane("lane-a", "store-1")).unwrap();
    rt.block_on(db.revoke_lane("lane-a")).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lane.sqlite");
    let mut conn = create_lane_db(&path);
    write_sales(&mut conn, 10, 10, Duration::ZERO);
    let config = test_config(&url, &token, 30_000);
    let client = HqClient::new(&url, &token, config.timeout()).unwrap();
    let mut worker = LaneWorker::new(conn, client, config.worker_settings("lane-a"));
    let report = rt.block_on(worker.sync_now()).unwrap();
    assert_eq!(report.delivered, 0);
    assert!(report.push_error.unwrap().contains("revoked"));
    let status = pos_app::sync::lane_store::status(worker.connection()).unwrap();
    assert_eq!(status.queue_depth, 10, "nothing lost");
    assert!(status.last_error.unwrap().contains("revoked"));
    assert!(status.last_push_ok_at.is_none());
}

#[test]
fn two_hq_instances_on_one_database_apply_a_racing_batch_once() {
    let pg = PgCluster::start().unwrap();
    let database = pg.create_database("hq").unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(HqDb::open(&database)).unwrap();
    let (port_1, port_2) = (reserved_addr(), reserved_addr());
    let (addr_1, addr_2) = (port_1.addr(), port_2.addr());
    let _hq_1 = HqProcess::start(addr_1, &database);
    let _hq_2 = HqProcess::start(addr_2, &database);
    let token = rt.block_on(db.add_lane("lane-a", "store-1")).unwrap();
    let client_1 = HqClient::new(&format!("http://{addr_1}"), &token, ANSWERED).unwrap();
    let client_2 = HqClient::new(&format!("http://{addr_2}"), &token, ANSWERED).unwrap();

    for round in 0..20_i64 {
        let batch = PushBatch {
            lane_id: "lane-a".into(),
            events: (1..=50).map(|i| event(round * 50 + i)).collect(),
        };
        let (one, two) =
            rt.block_on(async { tokio::join!(client_1.push(&batch), client_2.push(&batch)) });
        let applied = statuses(one)
            .into_iter()
            .chain(statuses(two))
            .filter(|s| *s == AckStatus::Applied)
            .count();
        assert_eq!(
            applied, 50,
            "round {round}: each event applied by exactly one instance"
        );
    }
    assert_eq!(rt.block_on(db.event_counts()).unwrap(), (1_000, 1_000));
}
