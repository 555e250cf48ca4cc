//! Bad input in both directions over real TCP: a bad MAC, truncated frames, wrong bitmaps
//! and oversize fields sent to the simulated acquirer are refused without harming it, and a
//! malformed answer makes the lane reverse, never approve.

// Test code: helpers may unwrap (the workspace lint exempts only #[test] bodies).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use pos_app::acquirer::client::{AcquirerClient, LinkError};
use pos_app::acquirer::config::AcquirerConfig;
use pos_app::acquirer::host::server::HostServer;
use pos_app::acquirer::host::{Faults, Host, HostConfig};
use pos_app::acquirer::iso8583::{FrameDecoder, Mti, POS_1987, decode};
use pos_app::acquirer::protocol::{self, Direction};
use pos_app::acquirer::requests::{TerminalIdentity, echo_message};
use pos_app::payment::store::PaymentStore;
use pos_app::payment::{Outcome, PaymentLink};

fn identity() -> TerminalIdentity {
    AcquirerConfig::default().identity()
}

fn sealed_echo(stan: u32) -> (Vec<u8>, pos_app::acquirer::crypto::TransactionKeys) {
    let mut terminal = AcquirerConfig::default().dukpt_terminal(None).unwrap();
    for _ in 0..stan {
        terminal.next_keys().unwrap();
    }
    let keys = terminal.next_keys().unwrap();
    let wire = protocol::seal(
        echo_message(&identity(), stan, "1129093000"),
        &keys,
        Direction::Request,
    )
    .unwrap();
    (wire, keys)
}

/// Sends raw bytes and returns everything the host sent before it closed the connection.
/// The host may hang up before the last byte is written (an oversize header is refused on
/// sight), so a failed write or half-close is part of the expected outcome, not an error.
/// After our half-close the host always ends the connection once it has dealt with the
/// bytes, so waiting for that close (not for a quiet spell) means its stats are final when
/// this returns; the read timeout only bounds a host that hangs.
fn raw(server: &HostServer, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut out = Vec::new();
    match stream.read_to_end(&mut out) {
        Ok(_) => {}
        // The host hung up with our bytes unread: that is a close too.
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("the host neither answered nor closed the connection: {e}"),
    }
    out
}

fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

fn echo_still_works(server: &HostServer, stan: u32) {
    let (wire, keys) = sealed_echo(stan);
    // The echo is answered at once; the timeout only bounds a stalled host.
    let client = AcquirerClient::new(server.local_addr().to_string(), Duration::from_secs(20));
    let answer = client.exchange(&wire).unwrap();
    let message = protocol::open(&answer, &keys, Direction::Response).unwrap();
    assert_eq!(message.mti, Mti::NETWORK_RESPONSE);
}

#[test]
fn bad_mac_is_rejected_and_counted() {
    let server = HostServer::start("127.0.0.1:0", Host::new(HostConfig::demo())).unwrap();
    let (mut wire, _) = sealed_echo(1);
    let last = wire.len() - 1;
    wire[last] ^= 0x55;
    assert!(
        raw(&server, &framed(&wire)).is_empty(),
        "no answer to a forged message"
    );
    let s = server.with_host(|h| h.stats().clone()).unwrap();
    assert_eq!((s.bad_macs, s.received(Mti::NETWORK)), (1, 0));
    echo_still_works(&server, 2);
}

#[test]
fn truncated_frames_wrong_bitmaps_and_oversize_fields_are_refused() {
    let server = HostServer::start("127.0.0.1:0", Host::new(HostConfig::demo())).unwrap();
    let (wire, _) = sealed_echo(1);
    // frame header promising more than arrives
    let mut truncated = framed(&wire);
    truncated.truncate(truncated.len() - 5);
    assert!(raw(&server, &truncated).is_empty());
    // message cut inside a field (the frame itself is consistent)
    assert!(raw(&server, &framed(&wire[..wire.len() - 3])).is_empty());
    // bitmap naming field 5, which the dialect does not define
    let mut wrong_bitmap = wire.clone();
    wrong_bitmap[2] |= 0x08;
    assert!(raw(&server, &framed(&wrong_bitmap)).is_empty());
    // field 55 announcing 300 bytes
    let mut oversize = hex_decode("01000000000000000200");
    oversize.extend([0x03, 0x00]);
    oversize.extend(vec![0u8; 300]);
    assert!(raw(&server, &framed(&oversize)).is_empty());
    // a frame header over the limit
    assert!(raw(&server, &[0xFF, 0xFF, 0, 0]).is_empty());
    let s = server.with_host(|h| h.stats().clone()).unwrap();
    assert_eq!(
        s.malformed, 3,
        "three decodable frames with bad content were refused"
    );
    echo_still_works(&server, 2);
    // the errors name the field
    let err = decode(&POS_1987, &oversize).unwrap_err().to_string();
    assert!(err.contains("field 55"), "{err}");
}

fn hex_decode(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn malformed_or_missing_answers_never_approve() {
    let server = HostServer::start("127.0.0.1:0", Host::new(HostConfig::demo())).unwrap();
    server.with_host(|h| {
        h.set_faults(Faults {
            malformed_answer: true,
            only: Some(Mti::FINANCIAL_REQUEST),
            ..Faults::default()
        })
    });
    let dir = tempfile::tempdir().unwrap();
    // Both the malformed answer and the reversal's acknowledgement come at once: the timeout
    // only bounds a stalled host (a short one could time the reversal out on a loaded box).
    let config = AcquirerConfig {
        address: server.local_addr().to_string(),
        timeout_ms: 20_000,
        ..AcquirerConfig::default()
    };
    let mut link = PaymentLink::new(
        config,
        PaymentStore::open(&dir.path().join("pos.db")).unwrap(),
    )
    .unwrap();
    let payment = pos_app::payment::CardPayment {
        kind: pos_app::acquirer::requests::RequestKind::Financial,
        amount: rust_decimal_macros::dec!(12),
        refund: false,
        card: pos_app::acquirer::card::CardData::new("4012345678909", "3012").unwrap(),
        pin: None,
        icc_data: None,
        entry_mode: "071".into(),
        offline_allowed: true,
    };
    let outcome = link
        .authorize(&payment, time::OffsetDateTime::now_utc())
        .unwrap();
    assert!(matches!(outcome, Outcome::NoAnswer { .. }), "{outcome:?}");
    let s = server.with_host(|h| h.stats().clone()).unwrap();
    assert_eq!(
        (
            s.received(Mti::FINANCIAL_REQUEST),
            s.received(Mti::REVERSAL),
            s.reversals_applied
        ),
        (1, 1, 1)
    );
    // a closed port is "unreachable": the request provably never left
    let client = AcquirerClient::new("127.0.0.1:1", Duration::from_millis(200));
    let err = client.exchange(&[0u8; 4]).unwrap_err();
    assert!(matches!(err, LinkError::Unreachable { .. }) && !err.request_may_have_arrived());
    let _ = FrameDecoder::default();
}

#[test]
fn sim_acquirer_command_serves_on_the_given_address() {
    use pos_app::acquirer::cli::{SimAcquirerArgs, start_sim_acquirer};
    let args = SimAcquirerArgs {
        listen: "127.0.0.1:0".into(),
        delay_ms: 0,
        no_answer: false,
        drop_after_request: false,
        malformed_answer: false,
        fault_only: None,
        velocity_limit: 20,
    };
    let server = start_sim_acquirer(&args).unwrap();
    echo_still_works(&server, 1);
    let busy = SimAcquirerArgs {
        listen: server.local_addr().to_string(),
        ..args
    };
    let err = start_sim_acquirer(&busy).unwrap_err().to_string();
    assert!(err.starts_with("cannot listen on 127.0.0.1:"), "{err}");
}
