//! The card tender end to end through the services: the EMV kernel over the in-process
//! simulated reader holding the virtual card (drivers::sim::emv_card), online through the
//! payment link to the simulated acquirer over real TCP on 127.0.0.1, the sale committed
//! to a SQLite file. Approve, decline, online PIN, no answer, host down, settlement, and
//! no card data at rest.

// Test code: helpers may unwrap (the workspace lint exempts only #[test] bodies).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::path::Path;
use std::time::Duration;

use pos_app::acquirer::host::server::HostServer;
use pos_app::acquirer::host::{Host, HostConfig};
use pos_app::acquirer::iso8583::Mti;
use pos_app::config::Config;
use pos_app::payment::flow::{CardResult, Prompt, ScriptedCardholder};
use pos_app::payment::flow_reader::{link_from_config, with_card};
use pos_app::services::Lane;
use pos_app::store::DB_FILE;
use pos_tests::net::ReservedPort;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// The visa_credit profile's PAN (assets/cards/visa_credit.toml) and a PIN only the
/// acquirer's issuer knows for it, distinctive enough to grep for.
const VISA_PAN: &str = "4761739001010119";
const VISA_ONLINE_PIN: &str = "730519";
const MC_PAN: &str = "5413330089600010";
/// Sourdough Loaf 800g, 3.49 (demo catalog).
const LOAF: &str = "5012345001074";

struct Lab {
    dir: tempfile::TempDir,
    server: HostServer,
    config: Config,
    lane: Lane,
}

fn host() -> Host {
    let mut host = Host::new(HostConfig::demo());
    host.config_mut().issuers[0]
        .pins
        .push((VISA_PAN.into(), VISA_ONLINE_PIN.into()));
    host
}

fn lab_at(server: HostServer, timeout_ms: u64) -> Lab {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.acquirer.address = server.local_addr().to_string();
    config.acquirer.timeout_ms = timeout_ms;
    let (mut lane, _) = Lane::init(dir.path(), config.clone(), true).unwrap();
    lane.login("cashier", "1111").unwrap();
    lane.open_shift(dec!(50)).unwrap();
    let link = link_from_config(&config, &dir.path().join(DB_FILE)).unwrap();
    lane.attach_payment_link(link).unwrap();
    Lab {
        dir,
        server,
        config,
        lane,
    }
}

/// Response timeout (ms) where the host answers at once: it only bounds a stalled host.
const ANSWERED: u64 = 20_000;
/// Response timeout (ms) the test waits out on purpose (a silent host). The same link then
/// sends the reversal under it, so it must not be short either: a reversal that times out on
/// a loaded machine would stay pending and fail the test.
const WAITED_OUT: u64 = 3_000;

fn lab() -> Lab {
    lab_at(HostServer::start("127.0.0.1:0", host()).unwrap(), ANSWERED)
}

/// One card payment with the card `profile`; the result and every prompt shown.
fn pay(
    lane: &mut Lane,
    profile: &str,
    amount: Decimal,
    pins: &[&str],
) -> (CardResult, Vec<Prompt>) {
    let prompts = RefCell::new(Vec::new());
    let mut cardholder = ScriptedCardholder::new(pins.iter().map(|p| p.to_string()));
    let result = with_card(
        &format!("sim:{profile}"),
        Duration::from_secs(20),
        &mut |p| prompts.borrow_mut().push(p),
        |session| {
            lane.pay_by_card(session, amount, &mut cardholder, &mut |p| {
                prompts.borrow_mut().push(p)
            })
        },
    )
    .unwrap()
    .unwrap();
    (result, prompts.into_inner())
}

fn stats(lab: &Lab) -> pos_app::acquirer::host::HostStats {
    lab.server.with_host(|h| h.stats().clone()).unwrap()
}

fn pending(lane: &mut Lane) -> u32 {
    lane.payment_link()
        .unwrap()
        .store()
        .pending_count()
        .unwrap()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn file_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

#[test]
fn approved_card_sale_is_committed_and_no_longer_reversible() {
    let mut lab = lab();
    lab.lane.scan(LOAF).unwrap();
    let (result, prompts) = pay(&mut lab.lane, "visa_credit", dec!(3.49), &[VISA_ONLINE_PIN]);
    let CardResult::Approved(approved) = result else {
        panic!("{result:?}");
    };
    assert_eq!(approved.details.masked_pan, "476173******0119");
    assert!(approved.online && approved.token.is_some());
    assert_eq!(prompts.first(), Some(&Prompt::PresentCard));
    assert!(prompts.contains(&Prompt::Authorizing), "{prompts:?}");
    assert!(matches!(prompts.last(), Some(Prompt::Approved { .. })));
    // Approved but not yet sold: still reversible.
    assert_eq!(pending(&mut lab.lane), 1);
    let receipt = lab.lane.complete_sale().unwrap();
    assert_eq!(
        pending(&mut lab.lane),
        0,
        "the sale's commit settled the approval"
    );
    let card = receipt.tenders[0].card.as_ref().unwrap();
    assert_eq!(card.masked_pan, "476173******0119");
    let s = stats(&lab);
    assert_eq!((s.approvals, s.arqc_verified), (1, 1));
    assert_eq!(s.received(Mti::REVERSAL), 0);
}

#[test]
fn insufficient_funds_decline_gives_a_cashier_reason_and_no_tender() {
    let mut lab = lab();
    lab.lane.scan(LOAF).unwrap();
    let (result, prompts) = pay(&mut lab.lane, "mc_debit", dec!(1.51), &["1234"]);
    match &result {
        CardResult::Declined { reason } => {
            assert!(reason.contains("insufficient funds"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(prompts.last(), Some(Prompt::Declined { .. })));
    assert!(lab.lane.tenders().is_empty());
    assert_eq!(pending(&mut lab.lane), 0);
    // The customer pays the rest another way; nothing of the declined attempt is kept.
    lab.lane
        .add_tender(pos_app::domain::tender::TenderKind::Cash, dec!(5))
        .unwrap();
    lab.lane.complete_sale().unwrap();
    assert_eq!(stats(&lab).declines, 1);
}

#[test]
fn wrong_online_pin_is_declined_by_the_issuer() {
    let mut lab = lab();
    lab.lane.scan(LOAF).unwrap();
    let (result, prompts) = pay(&mut lab.lane, "visa_credit", dec!(3.49), &["4321"]);
    match &result {
        CardResult::Declined { reason } => assert!(reason.contains("wrong PIN"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(
        prompts.contains(&Prompt::EnterPin {
            online: true,
            tries_left: None
        }),
        "{prompts:?}"
    );
    // Same card, right PIN: approved.
    let (result, _) = pay(&mut lab.lane, "visa_credit", dec!(3.49), &[VISA_ONLINE_PIN]);
    assert!(matches!(result, CardResult::Approved(_)), "{result:?}");
    lab.lane.complete_sale().unwrap();
}

#[test]
fn no_answer_is_reversed_exactly_once_and_the_sale_cannot_complete() {
    let server = HostServer::start("127.0.0.1:0", host()).unwrap();
    server
        .with_host(|h| {
            h.set_faults(pos_app::acquirer::host::config::Faults {
                no_answer: true,
                only: Some(Mti::AUTH_REQUEST),
                ..Default::default()
            })
        })
        .unwrap();
    let mut lab = lab_at(server, WAITED_OUT);
    lab.lane.scan(LOAF).unwrap();
    let (result, _) = pay(&mut lab.lane, "visa_credit", dec!(3.49), &[VISA_ONLINE_PIN]);
    match &result {
        CardResult::Declined { reason } => assert!(reason.contains("no answer"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(lab.lane.tenders().is_empty());
    let s = stats(&lab);
    assert_eq!(s.received(Mti::AUTH_REQUEST), 1);
    assert_eq!(s.received(Mti::REVERSAL), 1);
    assert_eq!(s.reversals_applied, 1);
    assert_eq!(pending(&mut lab.lane), 0);
}

#[test]
fn cancelled_cart_reverses_its_card_approval() {
    let mut lab = lab();
    lab.lane.scan(LOAF).unwrap();
    let (result, _) = pay(&mut lab.lane, "visa_credit", dec!(3.49), &[VISA_ONLINE_PIN]);
    assert!(matches!(result, CardResult::Approved(_)));
    lab.lane.cancel_cart().unwrap();
    assert_eq!(pending(&mut lab.lane), 0);
    assert_eq!(stats(&lab).reversals_applied, 1);
}

#[test]
fn approval_left_uncompleted_is_reversed_when_the_lane_restarts() {
    let mut lab = lab();
    lab.lane.scan(LOAF).unwrap();
    let (result, _) = pay(&mut lab.lane, "visa_credit", dec!(3.49), &[VISA_ONLINE_PIN]);
    assert!(matches!(result, CardResult::Approved(_)));
    // The lane stops here (dropped without completing or cancelling).
    let Lab {
        dir,
        server,
        config,
        lane,
    } = lab;
    drop(lane);
    let mut lane = Lane::open(dir.path(), config.clone()).unwrap();
    let report = lane
        .attach_payment_link(link_from_config(&config, &dir.path().join(DB_FILE)).unwrap())
        .unwrap();
    assert_eq!(report.reversals.acknowledged, 1);
    assert_eq!(pending(&mut lane), 0);
    let s = server.with_host(|h| h.stats().clone()).unwrap();
    assert_eq!((s.approvals, s.reversals_applied), (1, 1));
}

#[test]
fn host_down_the_card_approves_offline_and_the_advice_is_forwarded_later() {
    // A port nobody listens on (yet), held so that nobody else takes it meanwhile.
    let reserved = ReservedPort::new().unwrap();
    let port = reserved.addr();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.acquirer.address = port.to_string();
    config.acquirer.timeout_ms = ANSWERED;
    let (mut lane, _) = Lane::init(dir.path(), config.clone(), true).unwrap();
    lane.login("cashier", "1111").unwrap();
    lane.open_shift(dec!(50)).unwrap();
    lane.set_emv_terminal(pos_tests::card_lane::offline_terminal());
    lane.attach_payment_link(link_from_config(&config, &dir.path().join(DB_FILE)).unwrap())
        .unwrap();
    lane.scan(LOAF).unwrap();
    // A card whose issuer allows offline approval (always_online = false).
    let (result, _) = pay(&mut lane, "mc_contactless", dec!(3.49), &["1234"]);
    let CardResult::Approved(approved) = result else {
        panic!("{result:?}");
    };
    assert!(!approved.online && approved.token.is_none());
    assert_eq!(approved.details.auth_code, "Y3");
    lane.complete_sale().unwrap();
    let link = lane.payment_link().unwrap();
    assert_eq!(link.store().queued_advices().unwrap().len(), 1);
    // The acquirer comes up on that address: the advice is forwarded, once.
    let server = HostServer::start(port, host()).unwrap();
    let drained = link.drain_advices().unwrap();
    assert_eq!((drained.forwarded, drained.remaining), (1, 0));
    assert_eq!(link.drain_advices().unwrap().forwarded, 0);
    let s = server.with_host(|h| h.stats().clone()).unwrap();
    assert_eq!(s.received(Mti::ADVICE), 1);
    // Settlement still balances with the offline sale in the batch.
    let report = lane.settle_card_batch().unwrap();
    assert!(report.in_balance(), "{report:?}");
}

#[test]
fn settlement_totals_equal_the_journal_and_no_card_data_is_at_rest() {
    let mut lab = lab();
    for (profile, pin) in [("visa_credit", VISA_ONLINE_PIN), ("mc_debit", "1234")] {
        lab.lane.scan(LOAF).unwrap();
        lab.lane.scan(LOAF).unwrap();
        let (result, _) = pay(&mut lab.lane, profile, dec!(6.98), &[pin]);
        assert!(matches!(result, CardResult::Approved(_)), "{result:?}");
        let receipt = lab.lane.complete_sale().unwrap();
        assert_eq!(receipt.totals.total, dec!(6.98));
    }
    let report = lab.lane.settle_card_batch().unwrap();
    assert!(report.in_balance(), "{report:?}");
    assert_eq!(report.lane_totals.debits_count, 2);
    assert_eq!(report.lane_totals.debits_amount, 1396);
    assert_eq!(report.host_totals.as_ref(), Some(&report.lane_totals));
    // A second settlement covers only what came after the first.
    let again = lab.lane.settle_card_batch().unwrap();
    assert!(again.in_balance(), "{again:?}");
    assert_eq!(again.lane_totals.debits_count, 0);

    let db = lab.dir.path().join(DB_FILE);
    let mut wal = db.clone().into_os_string();
    wal.push("-wal");
    for file in [db.clone(), wal.into()] {
        let bytes = file_bytes(&file);
        for secret in [VISA_PAN, MC_PAN, VISA_ONLINE_PIN, "D2912", "D3011"] {
            assert!(!contains(&bytes, secret), "{secret} in {}", file.display());
        }
    }
}

#[test]
fn card_sale_refunded_to_the_card_and_settled_as_a_credit() {
    let mut lab = lab();
    lab.lane.scan(LOAF).unwrap();
    lab.lane.scan(LOAF).unwrap();
    let (result, _) = pay(&mut lab.lane, "visa_credit", dec!(6.98), &[VISA_ONLINE_PIN]);
    assert!(matches!(result, CardResult::Approved(_)), "{result:?}");
    let sale = lab.lane.complete_sale().unwrap();
    // One loaf back to the card (a manager's PIN approves the cashier's refund).
    let mut cardholder = ScriptedCardholder::new([VISA_ONLINE_PIN.to_string()]);
    let lane = &mut lab.lane;
    let done = with_card(
        "sim:visa_credit",
        Duration::from_secs(20),
        &mut |_| {},
        |s| {
            lane.refund_to_card(
                &sale.receipt_no,
                &[(1, None)],
                Some("9999"),
                s,
                &mut cardholder,
                &mut |_| {},
            )
        },
    )
    .unwrap()
    .unwrap();
    let pos_app::services::CardRefund::Done(doc) = done else {
        panic!("{done:?}");
    };
    let refund = lab.lane.find_receipt(&doc.receipt_no).unwrap();
    assert_eq!(refund.total.abs(), dec!(3.49));
    assert_eq!(pending(&mut lab.lane), 0);
    let report = lab.lane.settle_card_batch().unwrap();
    assert!(report.in_balance(), "{report:?}");
    assert_eq!(
        (
            report.lane_totals.debits_count,
            report.lane_totals.debits_amount
        ),
        (1, 698)
    );
    assert_eq!(
        (
            report.lane_totals.credits_count,
            report.lane_totals.credits_amount
        ),
        (1, 349)
    );
}

#[test]
fn a_sale_cannot_commit_on_an_approval_already_being_reversed() {
    let mut lab = lab();
    lab.lane.scan(LOAF).unwrap();
    let (result, _) = pay(&mut lab.lane, "visa_credit", dec!(3.49), &[VISA_ONLINE_PIN]);
    assert!(matches!(result, CardResult::Approved(_)));
    // As if a recovery had run meanwhile: the approval is now due for reversal.
    let marked = lab
        .lane
        .payment_link()
        .unwrap()
        .store()
        .mark_all_for_reversal()
        .unwrap();
    assert_eq!(marked, 1);
    let err = lab.lane.complete_sale().unwrap_err();
    assert!(err.to_string().contains("reversed"), "{err}");
    let sales: i64 = lab
        .lane
        .store()
        .connection()
        .query_row("SELECT count(*) FROM sales", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sales, 0, "the refused sale left nothing behind");
    lab.lane.cancel_cart().unwrap();
    assert_eq!(pending(&mut lab.lane), 0);
    assert_eq!(stats(&lab).reversals_applied, 1);
}
