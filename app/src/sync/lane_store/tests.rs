//! Unit tests of the lane's sync tables on a real SQLite file.

use super::*;
use crate::sync::protocol::{Change, ItemChange, UserChange};
use rust_decimal::Decimal;

/// A lane database with the store's real schema (its migrations include sync's 0100).
fn lane_db() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lane.sqlite");
    drop(crate::store::Store::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    (dir, conn)
}

fn add_sale(conn: &Connection, total: &str) -> Uuid {
    let id = Uuid::new_v4();
    conn.execute(
        "INSERT INTO outbox (event_id, kind, payload, created_at, next_attempt_at)
         VALUES (?1, 'sale', ?2, '2026-11-29T09:00:00Z', '2026-11-29T09:00:00Z')",
        params![id.to_string(), format!(r#"{{"total":"{total}"}}"#)],
    )
    .unwrap();
    id
}

fn item(sku: &str, price: &str) -> ChangeBody {
    ChangeBody::Item(ItemChange {
        sku: sku.into(),
        gtin: Some(format!("400000000000{}", sku.len())),
        name: format!("Item {sku}"),
        category: "food".into(),
        price: price.parse().unwrap(),
        tax_class: "std".into(),
        unit: "each".into(),
        active: true,
    })
}

fn price_of(conn: &Connection, sku: &str) -> String {
    conn.query_row("SELECT price FROM items WHERE sku = ?1", [sku], |r| {
        r.get(0)
    })
    .unwrap()
}

#[test]
fn pending_reads_undelivered_rows_in_order_and_delivery_removes_them() {
    let (_dir, mut conn) = lane_db();
    let ids: Vec<Uuid> = (0..5)
        .map(|i| add_sale(&conn, &format!("{i}.00")))
        .collect();
    let head = pending(&conn, 3).unwrap();
    assert_eq!(
        head.iter().map(|r| r.event.event_id).collect::<Vec<_>>(),
        ids[..3]
    );
    assert_eq!(head[1].event.payload.get(), r#"{"total":"1.00"}"#);
    assert!(head[0].next_attempt_at.is_some());

    record_delivered(&mut conn, &ids[..3]).unwrap();
    let rest = pending(&conn, 10).unwrap();
    assert_eq!(
        rest.iter().map(|r| r.event.event_id).collect::<Vec<_>>(),
        ids[3..]
    );
    let s = status(&conn).unwrap();
    assert_eq!(s.queue_depth, 2);
    assert!(s.last_push_ok_at.is_some());
    let attempts: i64 = conn
        .query_row("SELECT attempts FROM outbox WHERE seq = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(attempts, 1);
}

#[test]
fn a_failure_counts_the_attempt_and_postpones_the_rows() {
    let (_dir, mut conn) = lane_db();
    let id = add_sale(&conn, "1.00");
    let later = OffsetDateTime::now_utc() + time::Duration::minutes(5);
    record_failure(&mut conn, &[id], "HQ said no to 4761739001010010", later).unwrap();
    let row = &pending(&conn, 1).unwrap()[0];
    assert_eq!(
        row.next_attempt_at.unwrap().unix_timestamp(),
        later.unix_timestamp()
    );
    let (attempts, error): (i64, String) = conn
        .query_row("SELECT attempts, last_error FROM outbox", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(attempts, 1);
    assert_eq!(
        error, "HQ said no to [digits]",
        "no card number in the database"
    );
    assert_eq!(
        status(&conn).unwrap().last_error.as_deref(),
        Some("HQ said no to [digits]")
    );
}

#[test]
fn a_corrupt_payload_is_a_typed_error() {
    let (_dir, conn) = lane_db();
    conn.execute(
        "INSERT INTO outbox (event_id, kind, payload, created_at, next_attempt_at)
         VALUES (?1, 'sale', 'not json', 'x', 'x')",
        [Uuid::new_v4().to_string()],
    )
    .unwrap();
    assert!(matches!(
        pending(&conn, 1),
        Err(LaneStoreError::CorruptRow { seq: 1, .. })
    ));
}

#[test]
fn a_pull_applies_items_prices_taxes_and_users_and_advances_the_version() {
    let (_dir, mut conn) = lane_db();
    let pull = PullResponse {
        changes: vec![
            Change {
                version: 1,
                body: item("A1", "2.00"),
            },
            Change {
                version: 2,
                body: ChangeBody::Price {
                    sku: "A1".into(),
                    price: "1.75".parse().unwrap(),
                },
            },
            Change {
                version: 3,
                body: ChangeBody::TaxRate {
                    tax_class: "std".into(),
                    percent: Decimal::new(200, 1),
                },
            },
            Change {
                version: 4,
                body: ChangeBody::User(UserChange {
                    name: "ann".into(),
                    role: "manager".into(),
                    pin_hash: "$argon2id$v=19$m=19456,t=2,p=1$abc$def".into(),
                    active: true,
                }),
            },
        ],
        latest_version: 4,
    };
    assert_eq!(apply_pull(&mut conn, &pull).unwrap(), 4);
    assert_eq!(price_of(&conn, "A1"), "1.75");
    let percent: String = conn
        .query_row("SELECT percent FROM sync_tax_rates", [], |r| r.get(0))
        .unwrap();
    assert_eq!(percent, "20", "canonical decimal");
    let rates = hq_tax_rates(&conn).unwrap();
    assert_eq!(rates.get("std"), Some(&Decimal::new(20, 0)));
    let role: String = conn
        .query_row("SELECT role FROM users WHERE name = 'ann'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(role, "manager");
    assert_eq!(catalog_version(&conn).unwrap(), 4);
    assert!(status(&conn).unwrap().last_pull_ok_at.is_some());
}

#[test]
fn a_pull_that_fails_half_way_applies_nothing() {
    let (_dir, mut conn) = lane_db();
    let first = PullResponse {
        changes: vec![Change {
            version: 1,
            body: item("A1", "2.00"),
        }],
        latest_version: 1,
    };
    apply_pull(&mut conn, &first).unwrap();
    // Version 3 gives B22 the same GTIN as A1 has (UNIQUE): the whole pull must roll back.
    let mut clash = item("B2", "3.00");
    if let ChangeBody::Item(i) = &mut clash {
        i.gtin = Some("4000000000002".into());
    }
    let second = PullResponse {
        changes: vec![
            Change {
                version: 2,
                body: ChangeBody::Price {
                    sku: "A1".into(),
                    price: "9.99".parse().unwrap(),
                },
            },
            Change {
                version: 3,
                body: clash,
            },
        ],
        latest_version: 3,
    };
    assert!(apply_pull(&mut conn, &second).is_err());
    assert_eq!(price_of(&conn, "A1"), "2");
    assert_eq!(catalog_version(&conn).unwrap(), 1);
}

#[test]
fn a_replayed_or_invalid_pull_is_refused_before_writing() {
    let (_dir, mut conn) = lane_db();
    let pull = PullResponse {
        changes: vec![Change {
            version: 1,
            body: item("A1", "2.00"),
        }],
        latest_version: 1,
    };
    apply_pull(&mut conn, &pull).unwrap();
    assert!(matches!(
        apply_pull(&mut conn, &pull),
        Err(LaneStoreError::InvalidPull(_))
    ));
    let bad = PullResponse {
        changes: vec![Change {
            version: 2,
            body: ChangeBody::Price {
                sku: "A1".into(),
                price: "-1".parse().unwrap(),
            },
        }],
        latest_version: 2,
    };
    assert!(matches!(
        apply_pull(&mut conn, &bad),
        Err(LaneStoreError::InvalidPull(_))
    ));
    assert_eq!(price_of(&conn, "A1"), "2");
}

#[test]
fn an_edit_keeps_the_lanes_stock() {
    let (_dir, mut conn) = lane_db();
    apply_pull(
        &mut conn,
        &PullResponse {
            changes: vec![Change {
                version: 1,
                body: item("A1", "2.00"),
            }],
            latest_version: 1,
        },
    )
    .unwrap();
    conn.execute("UPDATE items SET stock = '7'", []).unwrap();
    apply_pull(
        &mut conn,
        &PullResponse {
            changes: vec![Change {
                version: 2,
                body: item("A1", "2.50"),
            }],
            latest_version: 2,
        },
    )
    .unwrap();
    let stock: String = conn
        .query_row("SELECT stock FROM items", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stock, "7");
    assert_eq!(price_of(&conn, "A1"), "2.5");
}

#[test]
fn a_parked_event_leaves_the_queue_with_its_reason_until_retried() {
    let (_dir, mut conn) = lane_db();
    let ids: Vec<Uuid> = (0..3)
        .map(|i| add_sale(&conn, &format!("{i}.00")))
        .collect();
    park(
        &mut conn,
        ids[1],
        "HQ refused (409, Conflict): card 4761739001010119 seen",
    )
    .unwrap();
    let head: Vec<Uuid> = pending(&conn, 10)
        .unwrap()
        .iter()
        .map(|r| r.event.event_id)
        .collect();
    assert_eq!(head, vec![ids[0], ids[2]], "the events behind it go on");
    let s = status(&conn).unwrap();
    assert_eq!((s.queue_depth, s.parked), (2, 1));
    let listed = parked(&conn).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].event_id, ids[1].to_string());
    assert_eq!(listed[0].seq, 2);
    assert!(listed[0].reason.contains("Conflict"));
    assert!(
        !listed[0].reason.contains("4761739001010119"),
        "digit runs redacted: {}",
        listed[0].reason
    );

    assert!(matches!(
        retry_parked(&mut conn, Some(ids[0])),
        Err(LaneStoreError::NotParked(id)) if id == ids[0]
    ));
    assert_eq!(retry_parked(&mut conn, Some(ids[1])).unwrap(), 1);
    assert_eq!(pending(&conn, 10).unwrap().len(), 3);
    assert_eq!(status(&conn).unwrap().parked, 0);

    park(&mut conn, ids[0], "refused").unwrap();
    park(&mut conn, ids[2], "refused").unwrap();
    record_delivered(&mut conn, &[ids[1]]).unwrap();
    assert_eq!(retry_parked(&mut conn, None).unwrap(), 2);
    assert_eq!(retry_parked(&mut conn, None).unwrap(), 0);
    let s = status(&conn).unwrap();
    assert_eq!((s.queue_depth, s.parked), (2, 0));
}
