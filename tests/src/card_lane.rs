//! A lane that pays by card, as the payment tests drive it: the `pos` command's environment
//! for a card sale, the merchant settings that let a card approve offline, and killing a
//! `pos` process while the acquirer holds its authorization.

// Test helpers fail the test by panicking.
#![allow(clippy::panic)]

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pos_app::acquirer::host::config::Faults;
use pos_app::acquirer::host::server::HostServer;
use pos_app::acquirer::iso8583::Mti;
use pos_drivers::sim::emv_card::EmvCard;
use pos_drivers::sim::t0::T0Card;
use pos_drivers::sim::vpcd::{VirtualCard, vpcd_addr};
use pos_hal::emv::kernel::TerminalConfig;

use crate::pos_cli::{CASHIER, Pos};

/// `bin` (the `pos` binary) as the cashier of `pos`'s lane, with the acquirer at `server`
/// and the card reader `reader` (`sim:<profile>` or `pcsc:<filter>`).
pub fn card_lane_command(bin: &str, pos: &Pos, server: &HostServer, reader: &str) -> Command {
    let mut c = Command::new(bin);
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("POS_DATA_DIR", pos.dir())
        .env("POS_USER", CASHIER.0)
        .env("POS_PIN", CASHIER.1)
        .env("POS_ACQUIRER_ADDRESS", server.local_addr().to_string())
        .env("POS_ACQUIRER_TIMEOUT_MS", "40000")
        .env("POS_DEVICES_CARD_READER", reader);
    c
}

/// Has the host hold its answers to authorizations, starts `sale` (a `pos sale --pay card`
/// command), waits until the host has the request, kills the process and lets the host
/// answer normally again. Panics (fails the test) if the request never arrives.
pub fn kill_during_authorization(server: &HostServer, mut sale: Command) {
    let hold = Faults {
        delay: Duration::from_secs(30),
        only: Some(Mti::AUTH_REQUEST),
        ..Faults::default()
    };
    assert!(
        server.with_host(|h| h.set_faults(hold)).is_some(),
        "the simulated acquirer is not running"
    );
    let mut child: Child = match sale.stdout(Stdio::null()).stderr(Stdio::null()).spawn() {
        Ok(c) => c,
        Err(e) => panic!("cannot start the sale: {e}"),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while server
        .with_host(|h| h.stats().received(Mti::AUTH_REQUEST))
        .unwrap_or(0)
        == 0
    {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the authorization never reached the host");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        server
            .with_host(|h| h.set_faults(Faults::default()))
            .is_some()
    );
}

/// The default terminal, except that cards may approve offline up to 50.00 and the default
/// action code does not refuse an offline approval for the card's velocity counters (TAC
/// default byte 4: floor limit only), as a merchant who allows offline sales sets it.
pub fn offline_terminal() -> Arc<TerminalConfig> {
    let mut terminal = match pos_app::payment::flow::terminal_config(50_00) {
        Ok(t) => (*t).clone(),
        Err(e) => panic!("terminal config: {e}"),
    };
    for aid in &mut terminal.aids {
        aid.tac_default[3] = 0x80;
    }
    Arc::new(terminal)
}

/// The card `profile` inserted in vpcd's first reader, answering like a T=0 contact card.
pub fn insert_contact_card(profile: &str) -> VirtualCard {
    let card = match EmvCard::builtin(profile) {
        Ok(c) => c,
        Err(e) => panic!("card profile {profile}: {e}"),
    };
    VirtualCard::spawn(vpcd_addr(0), Box::new(T0Card::new(Box::new(card))), true)
}
