//! The card tender through the real pcscd: the virtual EMV card served on vpcd's socket
//! (`drivers::sim::vpcd::VirtualCard`, as `pos sim card` does), the lane's reader spec
//! `pcsc:Virtual PCD`, the simulated acquirer over TCP, the sale on a SQLite file.

// A test fails by panicking; the helpers below are part of the tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use pos_app::acquirer::host::config::Faults;
use pos_app::acquirer::host::server::HostServer;
use pos_app::acquirer::host::{Host, HostConfig};
use pos_app::acquirer::iso8583::Mti;
use pos_app::config::Config;
use pos_app::payment::flow::{CardResult, Prompt, ScriptedCardholder};
use pos_app::payment::flow_reader::{link_from_config, with_card};
use pos_app::services::Lane;
use pos_app::store::DB_FILE;
use pos_drivers::pcsc::{PcscReader, PcscSettings};
use pos_drivers::sim::vpcd::VirtualCard;
use pos_hal::device::UposDevice;
use pos_tests::card_lane::insert_contact_card;
use pos_tests::pcscd::{PcscdGuard, wait_card_presence};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// Sourdough Loaf 800g, 3.49 (demo catalog).
const LOAF: &str = "5012345001074";

fn pay(lane: &mut Lane, pins: &[&str]) -> (CardResult, Vec<Prompt>) {
    pay_amount(lane, dec!(3.49), pins)
}

fn pay_amount(lane: &mut Lane, amount: Decimal, pins: &[&str]) -> (CardResult, Vec<Prompt>) {
    let mut prompts = Vec::new();
    let mut shown = Vec::new();
    let mut cardholder = ScriptedCardholder::new(pins.iter().map(|p| p.to_string()));
    let result = with_card(
        "pcsc:Virtual PCD",
        Duration::from_secs(10),
        &mut |p| prompts.push(p),
        |session| lane.pay_by_card(session, amount, &mut cardholder, &mut |p| shown.push(p)),
    )
    .unwrap()
    .unwrap();
    prompts.extend(shown);
    (result, prompts)
}

#[test]
fn card_sales_through_pcscd_and_vpcd() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let server = HostServer::start("127.0.0.1:0", Host::new(HostConfig::demo())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.acquirer.address = server.local_addr().to_string();
    let (mut lane, _) = Lane::init(dir.path(), config.clone(), true).unwrap();
    lane.login("cashier", "1111").unwrap();
    lane.open_shift(dec!(50)).unwrap();
    lane.attach_payment_link(link_from_config(&config, &dir.path().join(DB_FILE)).unwrap())
        .unwrap();

    // Visa-like, online PIN: approved online, sale committed.
    let card = insert_contact_card("visa_credit");
    lane.scan(LOAF).unwrap();
    let (result, prompts) = pay(&mut lane, &["1234"]);
    assert!(matches!(result, CardResult::Approved(_)), "{result:?}");
    assert!(prompts.contains(&Prompt::EnterPin {
        online: true,
        tries_left: None
    }));
    let receipt = lane.complete_sale().unwrap();
    assert_eq!(
        receipt.tenders[0].card.as_ref().unwrap().masked_pan,
        "476173******0119"
    );
    assert!(card.stats().apdus() > 10);
    pull(card);

    // Mastercard-like, offline enciphered PIN wrong then right: the card says how many
    // tries are left; then online approval.
    let card = insert_contact_card("mc_debit");
    lane.scan(LOAF).unwrap();
    let (result, prompts) = pay(&mut lane, &["0000", "1234"]);
    assert!(matches!(result, CardResult::Approved(_)), "{result:?}");
    assert!(
        prompts
            .iter()
            .any(|p| matches!(p, Prompt::IncorrectPin { .. })),
        "{prompts:?}"
    );
    lane.complete_sale().unwrap();
    drop(card);
    let report = lane.settle_card_batch().unwrap();
    assert!(report.in_balance(), "{report:?}");
    assert_eq!(report.lane_totals.debits_count, 2);
}

/// Pulls the card and waits until pcscd has seen it go, so that the next card is a new
/// insertion rather than a change pcscd might not have noticed yet.
fn pull(card: VirtualCard) {
    drop(card);
    let mut reader = PcscReader::new(
        "watch",
        PcscSettings {
            reader_filter: "Virtual PCD 00 00".into(),
        },
    );
    reader.open().unwrap();
    wait_card_presence(&mut reader, "Virtual PCD 00 00", false);
}

fn declined_because(result: &CardResult, words: &str) {
    match result {
        CardResult::Declined { reason } => assert!(reason.contains(words), "{reason}"),
        other => panic!("expected a decline ({words}), got {other:?}"),
    }
}

#[test]
fn declines_and_a_silent_host_through_pcscd_and_vpcd() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let server = HostServer::start("127.0.0.1:0", Host::new(HostConfig::demo())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.acquirer.address = server.local_addr().to_string();
    // Waited out on purpose by the silent-host payment below; the reversal that follows is
    // sent under the same timeout, so it must not be short on a loaded machine either.
    config.acquirer.timeout_ms = 3_000;
    let (mut lane, _) = Lane::init(dir.path(), config.clone(), true).unwrap();
    lane.login("cashier", "1111").unwrap();
    lane.open_shift(dec!(50)).unwrap();
    lane.attach_payment_link(link_from_config(&config, &dir.path().join(DB_FILE)).unwrap())
        .unwrap();
    lane.scan(LOAF).unwrap();

    // Amount ending in .51: the issuer declines for insufficient funds.
    let card = insert_contact_card("mc_debit");
    let (result, _) = pay_amount(&mut lane, dec!(1.51), &["1234"]);
    declined_because(&result, "insufficient funds");
    pull(card);

    // Wrong online PIN: the issuer declines it.
    let card = insert_contact_card("visa_credit");
    let (result, _) = pay(&mut lane, &["4321"]);
    declined_because(&result, "wrong PIN");
    pull(card);

    // The host takes the request and never answers: reversed exactly once, nothing tendered.
    server
        .with_host(|h| {
            h.set_faults(Faults {
                no_answer: true,
                only: Some(Mti::AUTH_REQUEST),
                ..Default::default()
            })
        })
        .unwrap();
    let card = insert_contact_card("visa_credit");
    let (result, _) = pay(&mut lane, &["1234"]);
    declined_because(&result, "no answer");
    drop(card);
    assert!(lane.tenders().is_empty());
    let stats = server.with_host(|h| h.stats().clone()).unwrap();
    assert_eq!(stats.received(Mti::REVERSAL), 1);
    assert_eq!(stats.reversals_applied, 1);
    let pending = lane
        .payment_link()
        .unwrap()
        .store()
        .pending_count()
        .unwrap();
    assert_eq!(pending, 0);
}
