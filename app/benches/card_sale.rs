//! A card sale end to end, per iteration: scan one item, power the virtual card in the
//! in-process simulated reader, run the EMV kernel (selection, ODA, online PIN, first and
//! second GENERATE AC), authorize through the payment link over TCP to the simulated
//! acquirer on 127.0.0.1 (DUKPT, MAC, ARQC check, ARPC), and commit the sale durably
//! (SQLite WAL, synchronous=FULL) together with the end of the approval's reversibility.

// Benchmark harness: a failed setup should abort loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use pos_app::acquirer::host::server::HostServer;
use pos_app::acquirer::host::{Host, HostConfig};
use pos_app::config::Config;
use pos_app::payment::flow::{CardResult, ScriptedCardholder};
use pos_app::payment::flow_reader::{link_from_config, with_card};
use pos_app::services::Lane;
use pos_app::store::DB_FILE;
use rust_decimal_macros::dec;

fn card_sale(c: &mut Criterion) {
    let mut host = HostConfig::demo();
    host.rules.velocity_limit = u32::MAX;
    let server = HostServer::start("127.0.0.1:0", Host::new(host)).expect("acquirer");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::default();
    config.acquirer.address = server.local_addr().to_string();
    let (mut lane, _) = Lane::init(dir.path(), config.clone(), true).expect("lane");
    lane.login("cashier", "1111").expect("login");
    lane.open_shift(dec!(0)).expect("shift");
    lane.attach_payment_link(link_from_config(&config, &dir.path().join(DB_FILE)).expect("link"))
        .expect("recover");
    let mut group = c.benchmark_group("card_sale");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("sim_reader_tcp_acquirer_durable_commit", |b| {
        b.iter(|| {
            lane.scan("5012345001074").expect("scan");
            let mut cardholder = ScriptedCardholder::new(["1234".to_string()]);
            let result = with_card(
                "sim:visa_credit",
                Duration::from_secs(5),
                &mut |_| {},
                |s| lane.pay_by_card(s, dec!(3.49), &mut cardholder, &mut |_| {}),
            )
            .expect("reader")
            .expect("payment");
            assert!(matches!(result, CardResult::Approved(_)), "{result:?}");
            lane.complete_sale().expect("sale")
        })
    });
    group.finish();
}

criterion_group!(benches, card_sale);
criterion_main!(benches);
