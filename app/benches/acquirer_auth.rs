//! Simulated acquirer throughput: authorizations per second on one core.
//! - `host/handle`: the host core alone (decode, DUKPT derivation from the BDK, MAC check,
//!   card data and PIN block decryption, ARQC check and ARPC, rules, sealed answer);
//! - `tcp/round_trip`: the same through the TCP server over a persistent loopback
//!   connection (client and server threads share the machine).
//!
//! Requests are built and sealed in the untimed setup of each iteration.

// Benchmark harness: a failed setup should abort loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::net::TcpStream;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use pos_app::acquirer::card::CardData;
use pos_app::acquirer::config::AcquirerConfig;
use pos_app::acquirer::crypto::pin_block::Pin;
use pos_app::acquirer::crypto::session::DukptTerminal;
use pos_app::acquirer::crypto::{KeyScheme, TransactionKeys};
use pos_app::acquirer::host::server::HostServer;
use pos_app::acquirer::host::{Host, HostConfig, Reply};
use pos_app::acquirer::iso8583::framing::{read_frame, write_frame};
use pos_app::acquirer::protocol::{self, Direction};
use pos_app::acquirer::requests::{CardRequest, RequestKind, card_message};
use time::OffsetDateTime;

fn host_config() -> HostConfig {
    let mut config = HostConfig::demo();
    config.rules.velocity_limit = u32::MAX;
    config
}

fn terminal(scheme: KeyScheme) -> DukptTerminal {
    let config = match scheme {
        KeyScheme::Aes128 => AcquirerConfig::default(),
        KeyScheme::Tdes => AcquirerConfig {
            key_scheme: KeyScheme::Tdes,
            // IPEK of the X9.24-1 A.4 test BDK and KSN (payments.md 3.1)
            initial_key: pos_app::acquirer::config::SecretHex(
                "6AC292FAA1315B4D858AB3A3D7D5933A".into(),
            ),
            initial_ksn: "FFFF9876543210E00000".into(),
            ..AcquirerConfig::default()
        },
    };
    config.dukpt_terminal(None).expect("demo key")
}

struct Lane {
    terminal: DukptTerminal,
    stan: u32,
    card: CardData,
    pin: Pin,
}

impl Lane {
    fn new(scheme: KeyScheme) -> Self {
        Self {
            terminal: terminal(scheme),
            stan: 0,
            card: CardData::from_track2("4761739001010119D28122011758928889")
                .expect("track 2")
                .with_pan_sequence(1),
            pin: Pin::new("1234").expect("pin"),
        }
    }

    fn next_request(&mut self) -> (Vec<u8>, TransactionKeys) {
        self.stan += 1;
        let keys = self.terminal.next_keys().expect("counter left");
        let request = CardRequest {
            kind: RequestKind::Authorization,
            stan: self.stan,
            transmitted: format!("1129{:06}", self.stan % 1_000_000),
            amount_minor: 1000,
            refund: false,
            card: self.card.clone(),
            pin: Some(self.pin.clone()),
            icc_data: Some(field55(self.stan)),
            entry_mode: "051".into(),
        };
        let message =
            card_message(&AcquirerConfig::default().identity(), &request, &keys).expect("message");
        (
            protocol::seal(message, &keys, Direction::Request).expect("seal"),
            keys,
        )
    }
}

/// Field 55 with a genuine CVN 18 ARQC for the Visa demo card (ATC = the STAN).
fn field55(stan: u32) -> Vec<u8> {
    use pos_hal::emv::crypto::{ac_data, cvn18_ac, derive_icc_mk};
    use pos_hal::tlv::{self, Tag, Tlv};
    let imk: [u8; 16] = hex::decode("0123456789ABCDEFFEDCBA9876543210")
        .expect("hex")
        .try_into()
        .expect("16 bytes");
    let mk = derive_icc_mk(&imk, "4761739001010119", 0x01);
    let atc = ((stan % 0xFFFF) as u16).to_be_bytes();
    let mut objects = vec![
        Tlv::primitive(Tag(0x9F02), vec![0, 0, 0, 0, 0x10, 0x00]),
        Tlv::primitive(Tag(0x9F03), vec![0; 6]),
        Tlv::primitive(Tag(0x9F1A), vec![0x08, 0x26]),
        Tlv::primitive(Tag(0x95), vec![0; 5]),
        Tlv::primitive(Tag(0x5F2A), vec![0x09, 0x78]),
        Tlv::primitive(Tag(0x9A), vec![0x26, 0x11, 0x29]),
        Tlv::primitive(Tag(0x9C), vec![0x00]),
        Tlv::primitive(Tag(0x9F37), stan.to_be_bytes().to_vec()),
        Tlv::primitive(Tag(0x82), vec![0x3C, 0x00]),
        Tlv::primitive(Tag(0x9F36), atc.to_vec()),
        Tlv::primitive(Tag(0x9F10), vec![0x06, 0x01, 0x12, 0x03, 0xA0, 0x00, 0x00]),
    ];
    let arqc = cvn18_ac(&mk, atc, &ac_data(|tag| tlv::find_bytes(&objects, tag)));
    objects.push(Tlv::primitive(Tag(0x9F26), arqc.to_vec()));
    tlv::encode(&objects)
}

fn host_handle(c: &mut Criterion) {
    let mut group = c.benchmark_group("host");
    group.throughput(Throughput::Elements(1));
    for (name, scheme) in [
        ("handle_aes128", KeyScheme::Aes128),
        ("handle_tdes", KeyScheme::Tdes),
    ] {
        let mut host = Host::new(host_config());
        let mut lane = Lane::new(scheme);
        let now = OffsetDateTime::now_utc();
        group.bench_function(name, |b| {
            b.iter_batched(
                || lane.next_request().0,
                |wire| match host.handle(&wire, now) {
                    Reply::Answer(bytes) => bytes,
                    other => panic!("host did not answer: {other:?}"),
                },
                BatchSize::SmallInput,
            )
        });
        let stats = host.stats();
        assert_eq!(stats.declines, 0, "every benchmarked request was approved");
        assert_eq!(
            stats.arqc_verified, stats.approvals,
            "every ARQC was checked"
        );
    }
    group.finish();
}

fn tcp_round_trip(c: &mut Criterion) {
    let server = HostServer::start("127.0.0.1:0", Host::new(host_config())).expect("listen");
    let mut stream = TcpStream::connect(server.local_addr()).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut lane = Lane::new(KeyScheme::Aes128);
    let mut group = c.benchmark_group("tcp");
    group.throughput(Throughput::Elements(1));
    group.bench_function("round_trip_aes128", |b| {
        b.iter_batched(
            || lane.next_request(),
            |(wire, keys)| {
                write_frame(&mut stream, &wire).expect("send");
                let answer = read_frame(&mut stream).expect("read").expect("answer");
                protocol::open(&answer, &keys, Direction::Response).expect("verified answer")
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(4));
    targets = host_handle, tcp_round_trip
}
criterion_main!(benches);
