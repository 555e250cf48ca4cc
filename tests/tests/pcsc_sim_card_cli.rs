//! `pos sim card --profile visa_credit` puts the virtual EMV card in pcscd's vpcd reader, and
//! `pos card read` / `pos card trace` through the real pcscd see it: masked PAN only.

// A test fails by panicking; the helpers below are part of the tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pos_app::devices::{DevicesCmd, run_devices};
use pos_hal::device::DevicesConfig;
use pos_tests::child::ChildGuard;
use pos_tests::pcscd::PcscdGuard;

const POS: &str = env!("CARGO_BIN_EXE_pos-cli");
const FULL_PAN: &str = "4761739001010119";

fn card_present_in_reader0() -> bool {
    let config = DevicesConfig {
        card_reader: "pcsc:Virtual PCD".into(),
        ..Default::default()
    };
    let mut out = Vec::new();
    run_devices(DevicesCmd::List, &config, false, &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .any(|l| l.contains("Virtual PCD 00 00") && l.contains("card present"))
}

#[test]
fn sim_card_profile_is_read_through_pcscd() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Killed if the test fails half-way: `pos sim card` keeps serving after its stdin
    // closes, and a card left on vpcd's port would fail every later pcscd test.
    let mut sim = ChildGuard::new(
        Command::new(POS)
            .args(["sim", "card", "--profile", "visa_credit", "--reader", "0"])
            .env("POS_DATA_DIR", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while !card_present_in_reader0() {
        assert!(
            Instant::now() < deadline,
            "the simulated card never appeared"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let read = Command::new(POS)
        .args([
            "card",
            "read",
            "--reader",
            "pcsc:Virtual PCD 00 00",
            "--pin",
            "1234",
        ])
        .env("POS_DATA_DIR", dir.path())
        .output()
        .unwrap();
    let trace = Command::new(POS)
        .args([
            "card",
            "trace",
            "--reader",
            "pcsc:Virtual PCD 00 00",
            "--pin",
            "1234",
        ])
        .env("POS_DATA_DIR", dir.path())
        .output()
        .unwrap();

    sim.stdin.as_mut().unwrap().write_all(b"quit\n").unwrap();
    stop(&mut sim);

    for (what, out) in [("read", &read), ("trace", &trace)] {
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "card {what}: {stderr}");
        assert!(stdout.contains("476173******0119"), "card {what}: {stdout}");
        assert!(
            !stdout.contains(FULL_PAN) && !stderr.contains(FULL_PAN),
            "card {what} leaked the PAN"
        );
    }
    let trace = String::from_utf8_lossy(&trace.stdout);
    assert!(
        trace.contains("A0000000031010") || trace.contains("A0 00 00 00 03 10 10"),
        "{trace}"
    );
}

/// Waits up to 5 s for the simulator to quit, then kills it.
fn stop(child: &mut std::process::Child) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}
