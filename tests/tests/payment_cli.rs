//! `pos sale --pay card` and `pos settle` as processes: the configured simulated reader
//! (`POS_DEVICES_CARD_READER=sim:<profile>`) and the simulated acquirer over TCP
//! (`POS_ACQUIRER_ADDRESS`). A lane SIGKILLed while the acquirer sits on its
//! authorization is reversed at the next start; nothing the processes print or store
//! carries the card number.

// Test code: helpers may unwrap (the workspace lint exempts only #[test] bodies).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use pos_app::acquirer::host::server::HostServer;
use pos_app::acquirer::host::{Host, HostConfig};
use pos_app::acquirer::iso8583::Mti;
use pos_tests::Pos;
use pos_tests::card_lane::{card_lane_command, kill_during_authorization};

const BIN: &str = env!("CARGO_BIN_EXE_pos-cli");
const VISA_PAN: &str = "4761739001010119";
/// Sourdough Loaf 800g, 3.49 (demo catalog).
const LOAF: &str = "5012345001074";

fn pos_command(pos: &Pos, server: &HostServer, args: &[&str]) -> Command {
    let mut c = card_lane_command(BIN, pos, server, "sim:visa_credit");
    c.env("POS_LOG", "debug").args(args);
    c
}

fn run(pos: &Pos, server: &HostServer, args: &[&str]) -> (i32, String, String) {
    let out = pos_command(pos, server, args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn lane() -> (Pos, HostServer) {
    let pos = Pos::demo(BIN);
    pos.open_shift();
    let server = HostServer::start("127.0.0.1:0", Host::new(HostConfig::demo())).unwrap();
    (pos, server)
}

#[test]
fn card_sale_decline_and_settlement_from_the_command_line() {
    let (pos, server) = lane();
    let (code, out, err) = run(
        &pos,
        &server,
        &[
            "sale",
            "--scan",
            LOAF,
            "--pay",
            "card",
            "--card-pin",
            "1234",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("476173******0119"), "{out}");
    assert!(err.contains("card: approved"), "{err}");
    // 1.51 by card is declined by the issuer (insufficient funds): refused, exit 1.
    let (code, _, err) = run(
        &pos,
        &server,
        &[
            "sale",
            "--scan",
            LOAF,
            "--pay",
            "card:1.51",
            "--pay",
            "cash:2",
            "--card-pin",
            "1234",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("insufficient funds"), "{err}");
    let (code, out, err) = run(&pos, &server, &["settle"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("batch 1: 1 sales 349"), "{out}");
    assert!(out.contains("in balance"), "{out}");
    let s = server.with_host(|h| h.stats().clone()).unwrap();
    assert_eq!(s.received(Mti::SETTLEMENT), 1);
    // Neither the output nor the logs nor the database carry the card number.
    for text in [&out, &err] {
        assert!(!text.contains(VISA_PAN));
    }
    let db = std::fs::read(pos.db_path()).unwrap();
    assert!(!db.windows(VISA_PAN.len()).any(|w| w == VISA_PAN.as_bytes()));
}

#[test]
fn lane_killed_mid_authorization_is_reversed_at_restart() {
    let (pos, server) = lane();
    let sale = pos_command(
        &pos,
        &server,
        &[
            "sale",
            "--scan",
            LOAF,
            "--pay",
            "card",
            "--card-pin",
            "1234",
        ],
    );
    // The host has the request and approved it, and delays its answer: kill the lane.
    kill_during_authorization(&server, sale);
    assert_eq!(
        server.with_host(|h| h.stats().approvals).unwrap(),
        1,
        "the host approved the killed lane's request"
    );
    let (code, out, err) = run(&pos, &server, &["--json", "settle"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["reversals_sent_at_start"], 1);
    assert_eq!(v["lane_totals"]["debits_count"], 0);
    let s = server.with_host(|h| h.stats().clone()).unwrap();
    assert_eq!((s.received(Mti::REVERSAL), s.reversals_applied), (1, 1));
    // No sale was recorded for the killed attempt.
    let sales: i64 = pos
        .db()
        .query_row("SELECT count(*) FROM sales", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sales, 0);
}
