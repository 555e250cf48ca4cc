//! APDU round trip: in-process simulated reader, and through the real pcscd to our virtual
//! card on vpcd (the goal: median <= 0.5 ms).
//!
//! The pcscd group runs only when a pcscd answers on its socket (scripts/test starts one);
//! it takes the same lock file as the end-to-end tests so it never shares the vpcd port.
//! Run: `cargo bench -p pos-drivers --bench apdu_roundtrip`; criterion's median is in
//! `$CARGO_TARGET_DIR/criterion/<group>/<name>/new/estimates.json`, and this bench also
//! prints its own median over 2000 plain round trips.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use pos_drivers::pcsc::{PcscReader, PcscSettings};
use pos_drivers::sim::reader::SimReader;
use pos_drivers::sim::t0::T0Card;
use pos_drivers::sim::test_card::TestCard;
use pos_drivers::sim::vpcd::{VirtualCard, vpcd_addr};
use pos_hal::device::{CardReader, UposDevice};
use pos_hal::iso7816::{ApduTransport, Command};

fn select() -> Vec<u8> {
    Command::select_aid(TestCard::TEST_AID)
        .to_bytes()
        .unwrap_or_default()
}

fn in_process(c: &mut Criterion) {
    let (mut reader, handle) = SimReader::new("bench", 1);
    if reader.start(Duration::ZERO).is_err() {
        return;
    }
    handle.insert(0, Box::new(T0Card::new(Box::new(TestCard::contact()))));
    let Ok(mut session) = reader.power_on("Sim PCD 00 00") else {
        return;
    };
    let command = select();
    let mut group = c.benchmark_group("sim_reader");
    group.bench_function("select_raw", |b| b.iter(|| session.transmit(&command)));
    let mut transport = ApduTransport::new(&mut *session);
    let cmd = Command::select_aid(TestCard::TEST_AID);
    group.bench_function("select_t0_transport", |b| {
        b.iter(|| transport.exchange(&cmd))
    });
    group.finish();
}

fn through_pcscd(c: &mut Criterion) {
    if std::os::unix::net::UnixStream::connect("/run/pcscd/pcscd.comm").is_err() {
        eprintln!("pcscd is not running: skipping the pcscd group (start `pcscd --foreground`)");
        return;
    }
    let Ok(lock) = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open("/tmp/pos-pcscd-vpcd.lock")
    else {
        return;
    };
    if lock.lock().is_err() {
        return;
    }
    let card = VirtualCard::spawn(vpcd_addr(0), Box::new(TestCard::contact()), true);
    let mut reader = PcscReader::new(
        "bench",
        PcscSettings {
            reader_filter: "Virtual PCD 00 00".into(),
        },
    );
    if reader.start(Duration::ZERO).is_err() {
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while !reader
        .readers()
        .is_ok_and(|r| r.iter().any(|r| r.card_present))
    {
        if Instant::now() > deadline {
            eprintln!("the virtual card did not appear in pcscd");
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let Ok(mut session) = reader.power_on("Virtual PCD 00 00") else {
        return;
    };
    let command = select();

    // Our own median over plain round trips, printed for the report.
    let mut samples: Vec<Duration> = (0..2000)
        .map(|_| {
            let start = Instant::now();
            let _ = session.transmit(&command);
            start.elapsed()
        })
        .collect();
    samples.sort();
    let pick = |q: usize| samples[samples.len() * q / 100];
    eprintln!(
        "pcscd+vpcd SELECT round trip over {} samples: median {:?}, p90 {:?}, p99 {:?}",
        samples.len(),
        pick(50),
        pick(90),
        pick(99)
    );

    let mut group = c.benchmark_group("pcscd_vpcd");
    group.bench_function("select_raw", |b| b.iter(|| session.transmit(&command)));
    group.finish();
    drop(session);
    drop(card);
}

criterion_group!(benches, in_process, through_pcscd);
criterion_main!(benches);
