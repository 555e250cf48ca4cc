//! The touchscreen's services recover the acquirer link at start: a reversal left pending by
//! a lane that died between approval and sale is sent to the acquirer (a real TCP server on
//! 127.0.0.1) as soon as the UI backend starts, before any card tender, without the UI
//! waiting for it.

// Test helpers outside #[test] fns unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use pos_app::acquirer::card::CardData;
use pos_app::acquirer::host::server::HostServer;
use pos_app::acquirer::host::{Faults, Host, HostConfig, HostStats};
use pos_app::acquirer::iso8583::Mti;
use pos_app::acquirer::requests::RequestKind;
use pos_app::config::Config;
use pos_app::payment::flow_reader::link_from_config;
use pos_app::payment::{CardPayment, Outcome};
use pos_app::services::Lane;
use pos_app::ui::backend::Backend;
use pos_app::ui::backend::LinkState;
use pos_app::ui::backend::acquirer_start::RecoveryState;
use pos_app::ui::backend::services::ServicesBackend;
use rust_decimal_macros::dec;

/// Visa test track 2 of the simulated acquirer's demo issuer (as in acquirer_link.rs).
const TRACK2: &str = "4761739001010119D28122011758928889";

fn stats(server: &HostServer) -> HostStats {
    server.with_host(|h| h.stats().clone()).unwrap()
}

fn eventually(limit: Duration, done: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while !done() {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

#[test]
fn a_reversal_left_by_a_killed_lane_goes_out_when_the_touchscreen_starts() {
    let server = HostServer::start("127.0.0.1:0", Host::new(HostConfig::demo())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.acquirer.address = server.local_addr().to_string();
    let (lane, _) = Lane::init(dir.path(), config.clone(), true).unwrap();
    let db = lane.store().path().to_path_buf();
    drop(lane);

    // The previous run: approved online, then the process died before the sale committed.
    {
        let mut link = link_from_config(&config, &db).unwrap();
        let payment = CardPayment {
            kind: RequestKind::Authorization,
            amount: dec!(12.50),
            refund: false,
            card: CardData::from_track2(TRACK2).unwrap(),
            pin: None,
            icc_data: Some(vec![0x9F, 0x36, 0x02, 0x00, 0x01]),
            entry_mode: "051".into(),
            offline_allowed: true,
        };
        let outcome = link
            .authorize(&payment, time::OffsetDateTime::now_utc())
            .unwrap();
        assert!(matches!(outcome, Outcome::Approved(_)), "{outcome:?}");
    }
    assert_eq!(stats(&server).received(Mti::REVERSAL), 0);
    // The acquirer is slow to answer reversals: the UI must not wait for it.
    server.with_host(|h| {
        h.set_faults(Faults {
            delay: Duration::from_millis(800),
            only: Some(Mti::REVERSAL),
            ..Faults::default()
        })
    });

    let (lane, _) = Lane::init(dir.path(), config, true).unwrap();
    let backend = ServicesBackend::new(lane);
    backend.login("cashier", "1111").unwrap();
    backend.scan("5012345001074").unwrap();
    assert_eq!(
        backend.status().acquirer,
        LinkState::Recovering,
        "the status bar shows the recovery while the screens carry on"
    );

    assert!(
        eventually(Duration::from_secs(10), || stats(&server).reversals_applied
            == 1),
        "the pending reversal reached the acquirer without a card tender"
    );
    assert!(eventually(Duration::from_secs(5), || {
        matches!(backend.acquirer_recovery(), Some(RecoveryState::Done(_)))
    }));
    let Some(RecoveryState::Done(report)) = backend.acquirer_recovery() else {
        panic!("recovery did not finish")
    };
    assert_eq!(
        (report.reversals.acknowledged, report.reversals.pending),
        (1, 0)
    );
    assert_eq!(backend.status().acquirer, LinkState::Up);
    assert_eq!(stats(&server).received(Mti::REVERSAL), 1, "sent once");
}
