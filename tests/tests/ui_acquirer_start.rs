//! The touchscreen recovers the acquirer link at start: a lane process SIGKILLed while the
//! acquirer (a real TCP server on 127.0.0.1) sat on its approved authorization leaves a
//! reversal pending; the touchscreen's start (`ui::Options::for_data_dir`, what `pos` with no
//! arguments runs before opening the window) sends it at once, before any card tender,
//! without the screens waiting for it.

// Test helpers outside #[test] fns unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use pos_app::acquirer::host::server::HostServer;
use pos_app::acquirer::host::{Faults, Host, HostConfig, HostStats};
use pos_app::acquirer::iso8583::Mti;
use pos_app::ui::Options;
use pos_app::ui::backend::LinkState;
use pos_tests::Pos;
use pos_tests::card_lane::{card_lane_command, kill_during_authorization};

const BIN: &str = env!("CARGO_BIN_EXE_pos-cli");
/// Sourdough Loaf 800g, 3.49 (demo catalog).
const LOAF: &str = "5012345001074";

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

/// `pos sale --pay card` on the simulated reader, SIGKILLed once the acquirer holds its
/// (approved, unanswered) authorization.
fn kill_a_lane_mid_authorization(pos: &Pos, server: &HostServer) {
    let mut sale = card_lane_command(BIN, pos, server, "sim:visa_credit");
    sale.args([
        "sale",
        "--scan",
        LOAF,
        "--pay",
        "card",
        "--card-pin",
        "1234",
    ]);
    kill_during_authorization(server, sale);
    assert_eq!(
        stats(server).approvals,
        1,
        "the host approved the killed lane"
    );
}

#[test]
fn a_reversal_left_by_a_killed_lane_goes_out_when_the_touchscreen_starts() {
    let pos = Pos::demo(BIN);
    pos.open_shift();
    let server = HostServer::start("127.0.0.1:0", Host::new(HostConfig::demo())).unwrap();
    kill_a_lane_mid_authorization(&pos, &server);
    assert_eq!(stats(&server).received(Mti::REVERSAL), 0);
    // The acquirer is slow to answer reversals now: the screens must not wait for it. The
    // delay is the window in which the status bar must still say "recovering" after the
    // login and a scan, so it is seconds, not a fraction of one that a loaded machine could
    // spend on the login alone; the link's timeout stays well above it.
    server.with_host(|h| {
        h.set_faults(Faults {
            delay: Duration::from_secs(5),
            only: Some(Mti::REVERSAL),
            ..Faults::default()
        })
    });

    let env = [
        (
            "POS_ACQUIRER_ADDRESS".to_owned(),
            server.local_addr().to_string(),
        ),
        ("POS_ACQUIRER_TIMEOUT_MS".to_owned(), "30000".to_owned()),
    ];
    let options = Options::for_data_dir_with_env(pos.dir(), false, env).unwrap();
    let backend = options.backend;
    backend.login("cashier", "1111").unwrap();
    backend.scan(LOAF).unwrap();
    assert_eq!(
        backend.status().acquirer,
        LinkState::Recovering,
        "the status bar shows the recovery while the screens carry on"
    );

    assert!(
        eventually(Duration::from_secs(40), || stats(&server).reversals_applied
            == 1),
        "the pending reversal reached the acquirer without a card tender"
    );
    assert!(
        eventually(Duration::from_secs(40), || backend.status().acquirer
            == LinkState::Up),
        "recovered, the acquirer shows up"
    );
    let s = stats(&server);
    assert_eq!((s.received(Mti::REVERSAL), s.reversals_applied), (1, 1));
    assert_eq!(s.received(Mti::AUTH_REQUEST), 1, "no card tender meanwhile");
}
