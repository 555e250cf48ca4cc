//! The payment link against the simulated acquirer as a real TCP server on 127.0.0.1:
//! approvals, declines, wrong PIN, no answer -> exactly one reversal, drop after request,
//! lane stopped before completing -> reversal at restart, host down -> store-and-forward ->
//! drained, settlement reconciled; and afterwards no PAN, track data or PIN in the database
//! file, its WAL or the logs.

// Test code: helpers may unwrap (the workspace lint exempts only #[test] bodies).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use pos_app::acquirer::card::CardData;
use pos_app::acquirer::config::AcquirerConfig;
use pos_app::acquirer::crypto::pin_block::Pin;
use pos_app::acquirer::host::server::HostServer;
use pos_app::acquirer::host::{Faults, Host, HostConfig, HostStats};
use pos_app::acquirer::iso8583::Mti;
use pos_app::acquirer::requests::RequestKind;
use pos_app::payment::ReversalStatus;
use pos_app::payment::settle::{JournalCardPayment, Mismatch};
use pos_app::payment::store::PaymentStore;
use pos_app::payment::{CardPayment, Outcome, PaymentLink};
use pos_tests::net::ReservedPort;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use time::OffsetDateTime;

const PAN: &str = "4761739001010119";
const TRACK2: &str = "4761739001010119D28122011758928889";
const DISCRETIONARY: &str = "1758928889";
const PIN: &str = "975318";

/// Every log line of this test binary, for the grep at the end.
fn logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buffer);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || SharedLog(Arc::clone(&sink)))
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buffer
    })
    .clone()
}

struct SharedLog(Arc<Mutex<Vec<u8>>>);

impl Write for SharedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn host() -> HostServer {
    let mut config = HostConfig::demo();
    config.issuers[0]
        .pins
        .push((PAN.to_owned(), PIN.to_owned()));
    HostServer::start("127.0.0.1:0", Host::new(config)).unwrap()
}

/// Response timeout (ms) where the host answers at once: it only bounds a stalled host.
const ANSWERED: u64 = 20_000;
/// Response timeout (ms) the test waits out on purpose (a silent or slow host). The same
/// link then sends the reversal under it, so it must not be short either: a reversal that
/// times out on a loaded machine would stay pending and fail the test.
const WAITED_OUT: u64 = 3_000;

fn lane(db: &Path, address: &str, timeout_ms: u64) -> PaymentLink {
    let config = AcquirerConfig {
        address: address.to_owned(),
        timeout_ms,
        connect_timeout_ms: 10_000,
        ..AcquirerConfig::default()
    };
    PaymentLink::new(config, PaymentStore::open(db).unwrap()).unwrap()
}

fn payment(amount: Decimal, pin: Option<&str>) -> CardPayment {
    CardPayment {
        kind: RequestKind::Authorization,
        amount,
        refund: false,
        card: CardData::from_track2(TRACK2).unwrap(),
        pin: pin.map(|p| Pin::new(p).unwrap()),
        icc_data: Some(vec![0x9F, 0x36, 0x02, 0x00, 0x01]),
        entry_mode: "051".into(),
        offline_allowed: true,
    }
}

fn stats(server: &HostServer) -> HostStats {
    server.with_host(|h| h.stats().clone()).unwrap()
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

#[test]
fn approve_decline_and_wrong_pin() {
    let _logs = logs();
    let dir = tempfile::tempdir().unwrap();
    let server = host();
    let mut link = lane(
        &dir.path().join("pos.db"),
        &server.local_addr().to_string(),
        ANSWERED,
    );

    let Outcome::Approved(approval) = link
        .authorize(&payment(dec!(12.34), Some(PIN)), now())
        .unwrap()
    else {
        panic!("expected an approval")
    };
    assert_eq!(approval.masked_pan, "476173******0119");
    assert_eq!(approval.auth_code.as_deref().map(str::len), Some(6));
    link.complete(approval.token).unwrap();

    let declined = |o: Outcome| match o {
        Outcome::Declined { code, reason, .. } => (code, reason),
        other => panic!("expected a decline, got {other:?}"),
    };
    assert_eq!(
        declined(link.authorize(&payment(dec!(10.51), None), now()).unwrap()),
        ("51".into(), "declined: insufficient funds")
    );
    assert_eq!(
        declined(link.authorize(&payment(dec!(3.05), None), now()).unwrap()).0,
        "05"
    );
    assert_eq!(
        declined(
            link.authorize(&payment(dec!(20), Some("1234")), now())
                .unwrap()
        ),
        ("55".into(), "declined: wrong PIN")
    );
    let s = stats(&server);
    assert_eq!(
        (s.approvals, s.declines, s.received(Mti::REVERSAL)),
        (1, 3, 0)
    );
    assert_eq!(link.store().pending_count().unwrap(), 0);
}

#[test]
fn no_answer_is_reversed_exactly_once() {
    let _logs = logs();
    let dir = tempfile::tempdir().unwrap();
    let server = host();
    server.with_host(|h| {
        h.set_faults(Faults {
            no_answer: true,
            only: Some(Mti::AUTH_REQUEST),
            ..Faults::default()
        })
    });
    let mut link = lane(
        &dir.path().join("pos.db"),
        &server.local_addr().to_string(),
        WAITED_OUT,
    );
    let outcome = link.authorize(&payment(dec!(42), None), now()).unwrap();
    assert!(
        matches!(
            outcome,
            Outcome::NoAnswer {
                reversal: ReversalStatus::Acknowledged,
                ..
            }
        ),
        "{outcome:?}"
    );
    let s = stats(&server);
    assert_eq!(s.received(Mti::AUTH_REQUEST), 1);
    assert_eq!(s.received(Mti::REVERSAL), 1, "exactly one reversal");
    assert_eq!(
        (s.approvals, s.reversals_applied, s.reversals_repeated),
        (1, 1, 0)
    );
    assert_eq!(link.store().pending_count().unwrap(), 0);
    assert!(link.store().open_batch().unwrap().is_empty());
}

#[test]
fn drop_after_request_is_reversed_and_a_down_host_keeps_the_reversal_pending() {
    let _logs = logs();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pos.db");
    let mut server = host();
    let address = server.local_addr().to_string();
    server.with_host(|h| {
        h.set_faults(Faults {
            drop_after_request: true,
            only: Some(Mti::AUTH_REQUEST),
            ..Faults::default()
        })
    });
    let mut link = lane(&db, &address, ANSWERED);
    let outcome = link.authorize(&payment(dec!(8), None), now()).unwrap();
    assert!(
        matches!(
            outcome,
            Outcome::NoAnswer {
                reversal: ReversalStatus::Acknowledged,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(stats(&server).reversals_applied, 1);

    // Now the reversal itself cannot reach the host: it stays pending, then goes through.
    server.with_host(|h| {
        h.set_faults(Faults {
            drop_after_request: true,
            only: Some(Mti::AUTH_REQUEST),
            ..Faults::default()
        })
    });
    server.with_host(|h| {
        h.set_faults(Faults {
            no_answer: true,
            ..Faults::default()
        })
    });
    let mut waiting = lane(&db, &address, WAITED_OUT);
    let outcome = waiting.authorize(&payment(dec!(9), None), now()).unwrap();
    assert!(
        matches!(
            outcome,
            Outcome::NoAnswer {
                reversal: ReversalStatus::Pending,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(waiting.store().pending_count().unwrap(), 1);
    server.with_host(|h| h.set_faults(Faults::default()));
    let report = waiting.reverse_due(now()).unwrap();
    assert_eq!((report.acknowledged, report.pending), (1, 0));
    assert_eq!(waiting.store().pending_count().unwrap(), 0);
    server.stop();
}

#[test]
fn lane_stopped_before_completing_reverses_at_restart() {
    let _logs = logs();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pos.db");
    let server = host();
    let address = server.local_addr().to_string();
    {
        let mut link = lane(&db, &address, ANSWERED);
        let outcome = link.authorize(&payment(dec!(15), None), now()).unwrap();
        assert!(matches!(outcome, Outcome::Approved(_)));
        // the lane dies here: no complete(), the sale never committed
    }
    assert_eq!(stats(&server).reversals_applied, 0);
    let mut restarted = lane(&db, &address, ANSWERED);
    let report = restarted.recover(now()).unwrap();
    assert_eq!(
        (report.reversals.acknowledged, report.reversals.pending),
        (1, 0)
    );
    let s = stats(&server);
    assert_eq!((s.received(Mti::REVERSAL), s.reversals_applied), (1, 1));
    // a second start finds nothing to do
    assert_eq!(restarted.recover(now()).unwrap().reversals.acknowledged, 0);
    assert_eq!(stats(&server).received(Mti::REVERSAL), 1);
    // the DUKPT counter resumed where the first run stopped: no KSN was reused
    assert!(stats(&server).bad_macs == 0);
}

#[test]
fn host_down_queues_advices_that_drain_when_it_returns() {
    let _logs = logs();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pos.db");
    // Held until the host binds it: refused meanwhile, and nobody else can take it.
    let port = ReservedPort::new().unwrap();
    let address = port.addr().to_string();
    let mut link = lane(&db, &address, ANSWERED);
    for amount in [dec!(5), dec!(7.5)] {
        let outcome = link.authorize(&payment(amount, Some(PIN)), now()).unwrap();
        assert!(
            matches!(outcome, Outcome::ApprovedOffline { .. }),
            "{outcome:?}"
        );
    }
    // over the per-transaction limit: refused, nothing queued
    let outcome = link.authorize(&payment(dec!(80), None), now()).unwrap();
    assert!(
        matches!(outcome, Outcome::Unavailable { .. }),
        "{outcome:?}"
    );
    let mut not_allowed = payment(dec!(1), None);
    not_allowed.offline_allowed = false;
    assert!(matches!(
        link.authorize(&not_allowed, now()).unwrap(),
        Outcome::Unavailable { .. }
    ));
    assert_eq!(link.store().queued_advices().unwrap().len(), 2);
    assert_eq!(link.drain_advices().unwrap().forwarded, 0);

    let mut config = HostConfig::demo();
    config.issuers[0]
        .pins
        .push((PAN.to_owned(), PIN.to_owned()));
    let server = HostServer::start(address.as_str(), Host::new(config)).unwrap();
    let report = link.drain_advices().unwrap();
    assert_eq!((report.forwarded, report.remaining), (2, 0));
    let s = stats(&server);
    assert_eq!((s.received(Mti::ADVICE), s.advices, s.bad_macs), (2, 2, 0));
    assert!(link.store().queued_advices().unwrap().is_empty());

    // settlement: the two offline approvals are in both batches
    let journal = [
        JournalCardPayment {
            stan: 1,
            amount: dec!(5),
            refund: false,
        },
        JournalCardPayment {
            stan: 2,
            amount: dec!(7.5),
            refund: false,
        },
    ];
    let report = link.settle(&journal, now()).unwrap();
    assert!(report.in_balance(), "{report:?}");
    assert_eq!(report.lane_totals.debits_amount, 1250);
    assert_eq!(report.host_totals, Some(report.lane_totals));
}

#[test]
fn settlement_reports_mismatches_line_by_line() {
    let _logs = logs();
    let dir = tempfile::tempdir().unwrap();
    let server = host();
    let mut link = lane(
        &dir.path().join("pos.db"),
        &server.local_addr().to_string(),
        ANSWERED,
    );
    let mut stans = Vec::new();
    for amount in [dec!(10), dec!(20)] {
        let Outcome::Approved(a) = link.authorize(&payment(amount, None), now()).unwrap() else {
            panic!()
        };
        link.complete(a.token).unwrap();
        stans.push(a.stan);
    }
    let mut refund = payment(dec!(4), None);
    refund.refund = true;
    let Outcome::Approved(r) = link.authorize(&refund, now()).unwrap() else {
        panic!()
    };
    link.complete(r.token).unwrap();
    // the journal lost the 20.00 sale and recorded the refund as 4.50
    let journal = [
        JournalCardPayment {
            stan: stans[0],
            amount: dec!(10),
            refund: false,
        },
        JournalCardPayment {
            stan: r.stan,
            amount: dec!(4.50),
            refund: true,
        },
    ];
    let report = link.settle(&journal, now()).unwrap();
    assert_eq!(
        report.host_code.as_deref(),
        Some("00"),
        "lane and host batches agree"
    );
    assert_eq!(
        report.mismatches,
        vec![
            Mismatch::NotInJournal {
                stan: stans[1],
                amount: dec!(20)
            },
            Mismatch::AmountDiffers {
                stan: r.stan,
                journal: dec!(4.50),
                acquirer: dec!(4)
            },
        ]
    );
    assert!(!report.in_balance());
    assert_eq!(
        (
            report.lane_totals.debits_count,
            report.lane_totals.credits_amount
        ),
        (2, 400)
    );
    // the batch is closed: a new settlement starts from zero
    let next = link.settle(&[], now()).unwrap();
    assert!(next.in_balance(), "{next:?}");
    assert_eq!(next.batch_number, report.batch_number + 1);
}

#[test]
fn no_card_secret_in_database_wal_or_logs() {
    let logs = logs();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pos.db");
    let server = host();
    let address = server.local_addr().to_string();
    let mut link = lane(&db, &address, WAITED_OUT);
    for (amount, pin) in [
        (dec!(1), Some(PIN)),
        (dec!(2.51), None),
        (dec!(3), Some("1111")),
    ] {
        link.authorize(&payment(amount, pin), now()).unwrap();
    }
    server.with_host(|h| {
        h.set_faults(Faults {
            no_answer: true,
            only: Some(Mti::AUTH_REQUEST),
            ..Faults::default()
        })
    });
    link.authorize(&payment(dec!(4), Some(PIN)), now()).unwrap();
    let mut down = lane(&db, "127.0.0.1:1", 300);
    down.authorize(&payment(dec!(5), Some(PIN)), now()).unwrap();
    assert_eq!(down.store().queued_advices().unwrap().len(), 1);

    // While the connections are open the WAL holds the recent writes; after the last one
    // closes SQLite checkpoints them into the main file. Search both states.
    let wal = dir.path().join("pos.db-wal");
    let mut haystack = std::fs::read(&wal).expect("WAL mode keeps a -wal file while open");
    assert!(!haystack.is_empty());
    haystack.extend(std::fs::read(&db).unwrap());
    drop((link, down));
    haystack.extend(std::fs::read(&db).unwrap());
    haystack.extend(logs.lock().unwrap().iter());
    let text = String::from_utf8_lossy(&haystack);
    for secret in [PAN, TRACK2, DISCRETIONARY, PIN] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    assert!(
        text.contains("476173******0119"),
        "the masked PAN is what is kept"
    );
}

#[test]
fn lane_killed_mid_authorization_reverses_at_restart() {
    let _logs = logs();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pos.db");
    let server = host();
    let address = server.local_addr().to_string();
    server.with_host(|h| {
        h.set_faults(Faults {
            no_answer: true,
            ..Faults::default()
        })
    });
    // The first lane sends its 0100 and then hangs for a minute waiting: from the store's
    // point of view that is a lane killed mid-authorization. It is never joined.
    let (db_first, address_first) = (db.clone(), address.clone());
    std::thread::spawn(move || {
        let mut hung = lane(&db_first, &address_first, 60_000);
        let _ = hung.authorize(&payment(dec!(33), None), now());
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while stats(&server).received(Mti::AUTH_REQUEST) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the first lane never sent its request"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(
        stats(&server).approvals,
        1,
        "the host approved; the lane never heard it"
    );

    server.with_host(|h| h.set_faults(Faults::default()));
    let mut restarted = lane(&db, &address, ANSWERED);
    assert_eq!(
        restarted.store().pending_count().unwrap(),
        1,
        "persisted before sending"
    );
    let report = restarted.recover(now()).unwrap();
    assert_eq!(
        (report.reversals.acknowledged, report.reversals.pending),
        (1, 0)
    );
    let s = stats(&server);
    assert_eq!(
        (s.received(Mti::REVERSAL), s.reversals_applied, s.bad_macs),
        (1, 1, 0)
    );
}

#[test]
fn slow_host_beyond_the_timeout_is_reversed() {
    let _logs = logs();
    let dir = tempfile::tempdir().unwrap();
    let server = host();
    server.with_host(|h| {
        h.set_faults(Faults {
            delay: std::time::Duration::from_millis(10 * WAITED_OUT),
            only: Some(Mti::AUTH_REQUEST),
            ..Faults::default()
        })
    });
    let mut link = lane(
        &dir.path().join("pos.db"),
        &server.local_addr().to_string(),
        WAITED_OUT,
    );
    let outcome = link.authorize(&payment(dec!(6), None), now()).unwrap();
    assert!(
        matches!(
            outcome,
            Outcome::NoAnswer {
                reversal: ReversalStatus::Acknowledged,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(stats(&server).reversals_applied, 1);
}
