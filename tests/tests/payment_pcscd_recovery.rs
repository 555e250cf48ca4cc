//! The acquirer link's failure paths with the card in a real reader: pcscd, vpcd and the
//! virtual EMV card on its socket, the simulated acquirer over TCP, SQLite files on disk.
//! A `pos sale` process killed while the host sits on its authorization is reversed at the
//! next start; a host that is down lets a card approve offline and the advice is forwarded
//! once it is back; a card refund and the settlement that balances against the journal.

// A test fails by panicking; the helpers below are part of the tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use pos_app::acquirer::host::server::HostServer;
use pos_app::acquirer::host::{Host, HostConfig};
use pos_app::acquirer::iso8583::Mti;
use pos_app::config::Config;
use pos_app::payment::flow::{CardResult, ScriptedCardholder};
use pos_app::payment::flow_reader::{link_from_config, with_card};
use pos_app::services::{CardRefund, Lane};
use pos_app::store::DB_FILE;
use pos_tests::Pos;
use pos_tests::card_lane::{
    card_lane_command, insert_contact_card, kill_during_authorization, offline_terminal,
};
use pos_tests::net::ReservedPort;
use pos_tests::pcscd::PcscdGuard;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const BIN: &str = env!("CARGO_BIN_EXE_pos-cli");
const READER: &str = "pcsc:Virtual PCD";
const VISA_PAN: &str = "4761739001010119";
/// Sourdough Loaf 800g, 3.49 (demo catalog).
const LOAF: &str = "5012345001074";

fn pay(lane: &mut Lane, amount: Decimal, pins: &[&str]) -> CardResult {
    let mut cardholder = ScriptedCardholder::new(pins.iter().map(|p| p.to_string()));
    with_card(READER, Duration::from_secs(10), &mut |_| {}, |session| {
        lane.pay_by_card(session, amount, &mut cardholder, &mut |_| {})
    })
    .unwrap()
    .unwrap()
}

#[test]
fn pos_killed_mid_authorization_through_pcscd_is_reversed_at_restart() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let pos = Pos::demo(BIN);
    pos.open_shift();
    let server = HostServer::start("127.0.0.1:0", Host::new(HostConfig::demo())).unwrap();
    let command = |args: &[&str]| {
        let mut c = card_lane_command(BIN, &pos, &server, READER);
        c.args(args);
        c
    };
    let card = insert_contact_card("visa_credit");
    // The host approves and holds its answer: the lane dies with the card still in the
    // reader, inside its PC/SC transaction.
    kill_during_authorization(
        &server,
        command(&[
            "sale",
            "--scan",
            LOAF,
            "--pay",
            "card",
            "--card-pin",
            "1234",
        ]),
    );
    drop(card);
    assert_eq!(server.with_host(|h| h.stats().approvals).unwrap(), 1);

    let out = command(&["--json", "settle"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["reversals_sent_at_start"], 1);
    assert_eq!(v["lane_totals"]["debits_count"], 0);
    let s = server.with_host(|h| h.stats().clone()).unwrap();
    assert_eq!((s.received(Mti::REVERSAL), s.reversals_applied), (1, 1));
    let sales: i64 = pos
        .db()
        .query_row("SELECT count(*) FROM sales", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sales, 0, "nothing was sold on the killed attempt");
    let db = std::fs::read(pos.db_path()).unwrap();
    assert!(!db.windows(VISA_PAN.len()).any(|w| w == VISA_PAN.as_bytes()));
}

#[test]
fn host_down_then_back_refund_and_settlement_through_pcscd() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    // A port nobody listens on yet: the acquirer is down. Held until the acquirer binds it,
    // so that nobody else takes it meanwhile.
    let reserved = ReservedPort::new().unwrap();
    let port = reserved.addr();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.acquirer.address = port.to_string();
    // Only bounds a stalled host: refused while down, answered at once once it is up.
    config.acquirer.timeout_ms = 20_000;
    let (mut lane, _) = Lane::init(dir.path(), config.clone(), true).unwrap();
    lane.login("cashier", "1111").unwrap();
    lane.open_shift(dec!(50)).unwrap();
    lane.set_emv_terminal(offline_terminal());
    lane.attach_payment_link(link_from_config(&config, &dir.path().join(DB_FILE)).unwrap())
        .unwrap();

    // Host down: a card whose issuer allows it approves offline (Y3); the sale commits.
    lane.scan(LOAF).unwrap();
    let card = insert_contact_card("mc_contactless");
    let CardResult::Approved(approved) = pay(&mut lane, dec!(3.49), &["1234"]) else {
        panic!("offline approval expected");
    };
    assert!(!approved.online);
    assert_eq!(approved.details.auth_code, "Y3");
    lane.complete_sale().unwrap();
    drop(card);
    assert_eq!(
        lane.payment_link()
            .unwrap()
            .store()
            .queued_advices()
            .unwrap()
            .len(),
        1
    );

    // The acquirer comes up on that address: the advice is forwarded exactly once.
    let server = HostServer::start(port, Host::new(HostConfig::demo())).unwrap();
    let link = lane.payment_link().unwrap();
    let drained = link.drain_advices().unwrap();
    assert_eq!((drained.forwarded, drained.remaining), (1, 0));
    assert_eq!(link.drain_advices().unwrap().forwarded, 0);
    assert_eq!(
        server
            .with_host(|h| h.stats().received(Mti::ADVICE))
            .unwrap(),
        1
    );

    // An online sale of two loaves, then one loaf refunded to the same card.
    lane.scan(LOAF).unwrap();
    lane.scan(LOAF).unwrap();
    let card = insert_contact_card("visa_credit");
    let result = pay(&mut lane, dec!(6.98), &["1234"]);
    assert!(matches!(result, CardResult::Approved(_)), "{result:?}");
    let sale = lane.complete_sale().unwrap();
    let mut cardholder = ScriptedCardholder::new(["1234".to_string()]);
    let done = with_card(READER, Duration::from_secs(10), &mut |_| {}, |session| {
        lane.refund_to_card(
            &sale.receipt_no,
            &[(1, None)],
            Some("9999"),
            session,
            &mut cardholder,
            &mut |_| {},
        )
    })
    .unwrap()
    .unwrap();
    drop(card);
    let CardRefund::Done(refund) = done else {
        panic!("{done:?}");
    };
    assert_eq!(
        lane.find_receipt(&refund.receipt_no).unwrap().total,
        dec!(-3.49)
    );

    // Settlement: the journal, the lane's batch and the host agree line by line.
    let report = lane.settle_card_batch().unwrap();
    assert!(report.in_balance(), "{report:?}");
    let t = &report.lane_totals;
    assert_eq!((t.debits_count, t.debits_amount), (2, 349 + 698));
    assert_eq!((t.credits_count, t.credits_amount), (1, 349));
    assert_eq!(report.host_totals.as_ref(), Some(&report.lane_totals));
}
