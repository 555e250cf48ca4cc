//! pcscd as a service: absent, restarted, and seen by an outside client (`scriptor`).
//!
//! The pcsc-lite client reads `PCSCLITE_CSOCK_NAME` once per process, so the tests that need a
//! different socket re-run this test binary as a child with the variable set (the child tests
//! are `#[ignore]`d so they run only that way). Parallel tests keep using the real daemon.

// A test fails by panicking; the helpers below are part of the tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pos_drivers::pcsc::{PcscReader, PcscSettings};
use pos_drivers::sim::test_card::TestCard;
use pos_drivers::sim::vpcd::{VirtualCard, vpcd_addr};
use pos_hal::device::{CardReader, ErrorKind, UposDevice};
use pos_tests::pcscd::{PcscdGuard, SocketRelay, socket_path};

const READER0: &str = "Virtual PCD 00 00";
const CHILD_SOCKET_ENV: &str = "PCSCLITE_CSOCK_NAME";

/// Runs the ignored test `name` of this binary in a child whose pcsc client uses `socket`.
fn run_child(name: &str, socket: &Path) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            name,
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_SOCKET_ENV, socket)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child {name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn private_dir(tag: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("pos-pcsc-{tag}-"))
        .tempdir()
        .unwrap()
}

#[test]
fn pcscd_absent_is_a_clear_no_device_error() {
    let dir = private_dir("absent");
    run_child("child_pcscd_absent", &dir.path().join("pcscd.comm"));
}

#[test]
#[ignore = "run by pcscd_absent_is_a_clear_no_device_error with PCSCLITE_CSOCK_NAME set"]
fn child_pcscd_absent() {
    assert!(
        std::env::var_os(CHILD_SOCKET_ENV).is_some(),
        "run through the parent test"
    );
    let mut reader = PcscReader::new("card_reader", PcscSettings::default());
    let error = reader.open().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NoDevice);
    assert_eq!(
        error.to_string(),
        "card_reader: device not present while open: pcscd is not running"
    );
    let error = pos_drivers::pcsc::list_reader_names().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NoDevice);
}

#[test]
fn reader_reconnects_after_pcscd_goes_away_and_returns() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let dir = private_dir("restart");
    run_child("child_reconnects", &dir.path().join("pcscd.comm"));
}

#[test]
#[ignore = "run by reader_reconnects_after_pcscd_goes_away_and_returns"]
fn child_reconnects() {
    let socket = socket_path();
    assert!(
        std::env::var_os(CHILD_SOCKET_ENV).is_some(),
        "run through the parent test"
    );
    let upstream = PathBuf::from("/run/pcscd/pcscd.comm");
    let relay = SocketRelay::start(&socket, &upstream).unwrap();
    let mut reader = PcscReader::new("card_reader", PcscSettings::default());
    reader.start(Duration::ZERO).unwrap();
    assert!(reader.readers().unwrap().iter().any(|r| r.name == READER0));
    assert_eq!(reader.wait_event(Duration::from_millis(10)).unwrap(), None);

    // "pcscd stops": both the waiting call and a later one report NoDevice, no panic.
    relay.stop();
    let error = reader.wait_event(Duration::from_millis(200)).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NoDevice, "{error}");
    let error = reader.readers().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NoDevice, "{error}");

    // "pcscd is back": the same reader object works again.
    let _relay = SocketRelay::start(&socket, &upstream).unwrap();
    assert!(reader.readers().unwrap().iter().any(|r| r.name == READER0));
    assert_eq!(reader.wait_event(Duration::from_millis(10)).unwrap(), None);
}

#[test]
fn scriptor_selects_ppse_on_the_virtual_card() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let _card = VirtualCard::spawn(vpcd_addr(0), Box::new(TestCard::contact()), true);
    let mut reader = PcscReader::new("card_reader", PcscSettings::default());
    reader.open().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !reader
        .readers()
        .unwrap()
        .iter()
        .any(|r| r.name == READER0 && r.card_present)
    {
        assert!(Instant::now() < deadline, "card never appeared");
        std::thread::sleep(Duration::from_millis(50));
    }

    // SELECT 2PAY.SYS.DDF01, as a payment terminal starts a contactless transaction.
    let mut child = Command::new("scriptor")
        .args(["-r", READER0])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("scriptor (pcsc-tools) installed");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(
            stdin,
            "00 A4 04 00 0E 32 50 41 59 2E 53 59 53 2E 44 44 46 30 31 00"
        )
        .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // scriptor prints the answer 16 bytes a line, starting with "< ".
    let answer: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("< "))
        .flat_map(|l| l.trim_start_matches("< ").split_whitespace())
        .collect();
    let answer = format!("< {}", answer.join(" "));
    // FCI template 6F, the PPSE name inside, then 90 00.
    assert!(answer.starts_with("< 6F "), "{stdout}");
    assert!(
        answer.contains("32 50 41 59 2E 53 59 53 2E 44 44 46 30 31"),
        "{stdout}"
    );
    assert!(answer.contains("90 00 : Normal processing"), "{stdout}");
}
