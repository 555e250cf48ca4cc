#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! A card sale through the real screens, the real application services and the real card
//! flow: the EMV kernel over the in-process simulated reader holding the virtual Visa-like
//! card, online to the simulated acquirer over TCP, the sale on a SQLite file. The card
//! screen is fed from the worker thread's prompt channel while the UI keeps running.

mod ui_support;

use pos_app::acquirer::host::server::HostServer;
use pos_app::acquirer::host::{Host, HostConfig};
use pos_app::config::Config;
use pos_app::services::Lane;
use pos_app::ui::backend::CardPrompt;
use pos_app::ui::backend::services::ServicesBackend;
use pos_app::ui::{Message, Screen};
use rust_decimal_macros::dec;
use std::sync::Arc;
use ui_support::Harness;

const COFFEE: &str = "5012345007724"; // Ground Coffee 227g, 3.79
const MILK: &str = "5012345002408"; // Semi-Skimmed Milk 1L, 0.99

#[test]
fn card_sale_through_the_simulated_reader_and_acquirer() {
    let server = HostServer::start("127.0.0.1:0", Host::new(HostConfig::demo())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.acquirer.address = server.local_addr().to_string();
    // The host answers at once: the timeout only bounds a stall (the 5 s default could turn
    // a stalled answer on a loaded box into "no answer").
    config.acquirer.timeout_ms = 20_000;
    config.devices.card_reader = "sim:visa_credit".into();
    let (lane, _) = Lane::init(dir.path(), config, true).unwrap();
    let backend = Arc::new(ServicesBackend::new(lane));
    backend.set_simulated_pinpad(Some("1234".into()));
    let mut h = Harness::new(backend);
    h.keep(dir);

    h.login("cashier", "1111");
    assert!(matches!(h.app.screen(), Screen::Shift(_)));
    h.taps(&["1", "0", "0", "Open"]);
    h.tap("Sale");
    for code in [COFFEE, MILK] {
        h.send(Message::Scanned(code.into()));
    }
    assert_eq!(h.app.backend().cart().total, dec!(4.78));
    h.tap("Pay 4.78 EUR");
    h.tap("Card");
    h.tap("Charge 4.78 EUR to card");
    h.wait_until("the card flow's final prompt", |app| {
        ui_support::card_prompt(app).is_some_and(|p| p.is_final())
    });
    let prompt = ui_support::card_prompt(&h.app).unwrap();
    let CardPrompt::Approved {
        masked_pan,
        auth_code,
        ..
    } = prompt
    else {
        panic!("{prompt:?}");
    };
    assert_eq!(masked_pan, "476173******0119");
    assert!(h.shows(&format!(
        "Card 476173******0119 approved, auth code {auth_code}"
    )));
    let Screen::Payment(p) = h.app.screen() else {
        panic!("left the payment screen")
    };
    assert!(
        p.receipt().is_some(),
        "the card covered the sale: completed"
    );
    let stats = server.with_host(|h| h.stats().clone()).unwrap();
    assert_eq!((stats.approvals, stats.arqc_verified), (1, 1));
    assert_eq!(
        h.app.backend().sales_report().tender_mix,
        vec![("card".to_string(), dec!(4.78))]
    );
}
