//! The EMV kernel (hal::emv::kernel) against the virtual card (drivers::sim::emv_card),
//! going online through the payment link to the simulated acquirer over TCP: the host
//! recomputes the card's real ARQC (CVN 18) and the card accepts the host's ARPC in its
//! second GENERATE AC. The cardholder-facing PIN pad is not part of this link yet, so the
//! kernel's online PIN block stays out of the request.

// Test code: helpers may unwrap (the workspace lint exempts only #[test] bodies).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use pos_app::acquirer::card::CardData;
use pos_app::acquirer::config::AcquirerConfig;
use pos_app::acquirer::host::server::HostServer;
use pos_app::acquirer::host::{Host, HostConfig};
use pos_app::acquirer::iso8583::Mti;
use pos_app::acquirer::requests::RequestKind;
use pos_app::payment::store::PaymentStore;
use pos_app::payment::{CardPayment, CompletionToken, Outcome, PaymentLink};
use pos_drivers::sim::card::CardModel;
use pos_drivers::sim::emv_card::EmvCard;
use pos_drivers::sim::emv_card::harness::{Cardholder, Issuer, run};
use pos_hal::emv::ca::CaKeyTable;
use pos_hal::emv::kernel::{
    AidConfig, Decision, Interface, Kernel, OnlineRequest, OnlineResponse, TerminalConfig,
    TransactionParams,
};
use pos_hal::tlv::{Tag, find_bytes, parse};
use rust_decimal::Decimal;

const CAPK: &str = include_str!("../../assets/ca/capk.toml");

fn terminal_config() -> TerminalConfig {
    let visa = AidConfig::new(&[0xA0, 0, 0, 0, 0x03]);
    let mut mc = AidConfig::new(&[0xA0, 0, 0, 0, 0x04]);
    mc.app_version = [0x00, 0x02];
    mc.tac_default = [0xFC, 0x50, 0xBC, 0xA0, 0x00];
    mc.tac_online = [0xFC, 0x50, 0xBC, 0xF8, 0x00];
    mc.tac_denial = [0x00, 0x00, 0x00, 0x00, 0x00];
    TerminalConfig::new(vec![visa, mc], CaKeyTable::from_toml(CAPK).unwrap())
}

fn params(amount_minor: u64) -> TransactionParams {
    TransactionParams {
        interface: Interface::Contact,
        amount: amount_minor,
        amount_other: 0,
        currency: [0x09, 0x78],
        currency_exponent: 2,
        date: [0x26, 0x11, 0x29],
        time: [0x10, 0x30, 0x00],
        transaction_type: 0x00,
        unpredictable_number: [0xCA, 0xFE, 0xBA, 0xBE],
        random_percent: 99,
        force_online: true,
    }
}

/// cn / track 2 nibbles to text: digits, `D` separator, stop at the `F` pad.
fn nibbles_to_text(bytes: &[u8]) -> String {
    bytes
        .iter()
        .flat_map(|b| [b >> 4, b & 0x0F])
        .map_while(|n| match n {
            0..=9 => Some(char::from(b'0' + n)),
            0xD => Some('D'),
            _ => None,
        })
        .collect()
}

/// The kernel's online step, answered through the payment link.
struct LinkIssuer<'a> {
    link: &'a mut PaymentLink,
    amount: Decimal,
    token: Option<CompletionToken>,
    codes: Vec<String>,
}

fn tag91(field55: Option<&Vec<u8>>) -> Option<Vec<u8>> {
    let objects = parse(field55?).ok()?;
    find_bytes(&objects, Tag(0x91)).map(<[u8]>::to_vec)
}

impl Issuer for LinkIssuer<'_> {
    fn authorise(&mut self, request: &OnlineRequest) -> Option<OnlineResponse> {
        let card = match &request.track2 {
            Some(t2) => CardData::from_track2(&nibbles_to_text(t2.expose())).unwrap(),
            None => panic!("the virtual cards carry track 2 equivalent data"),
        };
        let card = match request.psn {
            Some(psn) => card.with_pan_sequence((psn >> 4) * 10 + (psn & 0x0F)),
            None => card,
        };
        let payment = CardPayment {
            kind: RequestKind::Authorization,
            amount: self.amount,
            refund: false,
            card,
            pin: None,
            icc_data: Some(request.field55.clone()),
            entry_mode: "051".into(),
            offline_allowed: false,
        };
        match self
            .link
            .authorize(&payment, time::OffsetDateTime::now_utc())
            .unwrap()
        {
            Outcome::Approved(a) => {
                self.codes.push("00".into());
                self.token = Some(a.token);
                Some(OnlineResponse {
                    arc: *b"00",
                    auth_code: a
                        .auth_code
                        .as_deref()
                        .and_then(|c| c.as_bytes().try_into().ok()),
                    issuer_auth_data: tag91(a.icc_response.as_ref()),
                    scripts: Vec::new(),
                })
            }
            Outcome::Declined {
                code, icc_response, ..
            } => {
                let arc = code.as_bytes().try_into().unwrap();
                self.codes.push(code);
                Some(OnlineResponse {
                    arc,
                    auth_code: None,
                    issuer_auth_data: tag91(icc_response.as_ref()),
                    scripts: Vec::new(),
                })
            }
            _ => None,
        }
    }
}

fn transact(
    profile: &str,
    amount_minor: u64,
) -> (Decision, Vec<String>, pos_app::acquirer::host::HostStats) {
    let server = HostServer::start("127.0.0.1:0", Host::new(HostConfig::demo())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The host answers at once; the timeouts only bound a stall (the 5 s default could
    // turn a stalled answer on a loaded box into "no answer" and a reversal).
    let config = AcquirerConfig {
        address: server.local_addr().to_string(),
        timeout_ms: 20_000,
        connect_timeout_ms: 10_000,
        ..AcquirerConfig::default()
    };
    let mut link = PaymentLink::new(
        config,
        PaymentStore::open(&dir.path().join("pos.db")).unwrap(),
    )
    .unwrap();
    let mut card = EmvCard::builtin(profile).unwrap();
    card.reset();
    let mut kernel = Kernel::new(Arc::new(terminal_config()), params(amount_minor));
    let who = Cardholder {
        pins: vec!["1234".into()],
        choice: 0,
    };
    let mut issuer = LinkIssuer {
        link: &mut link,
        amount: Decimal::new(amount_minor as i64, 2),
        token: None,
        codes: Vec::new(),
    };
    let (outcome, transcript) = run(&mut kernel, &mut card, &who, &mut issuer, None);
    assert!(transcript.went_online, "{outcome:?}");
    let (token, codes) = (issuer.token, issuer.codes);
    match (outcome.decision, token) {
        (Decision::ApprovedOnline, Some(token)) => link.complete(token).unwrap(),
        (_, Some(token)) => {
            link.abandon(token, time::OffsetDateTime::now_utc())
                .unwrap();
        }
        (_, None) => {}
    }
    assert_eq!(link.store().pending_count().unwrap(), 0);
    let stats = server.with_host(|h| h.stats().clone()).unwrap();
    (outcome.decision, codes, stats)
}

#[test]
fn visa_card_arqc_verified_by_the_host_and_its_arpc_accepted_by_the_card() {
    let (decision, codes, stats) = transact("visa_credit", 12_34);
    assert_eq!(codes, ["00"]);
    assert_eq!(decision, Decision::ApprovedOnline);
    assert_eq!((stats.arqc_verified, stats.arqc_failures), (1, 0));
    assert_eq!(stats.received(Mti::REVERSAL), 0);
}

#[test]
fn mastercard_card_goes_online_under_its_own_issuer_key() {
    let (decision, codes, stats) = transact("mc_debit", 25_00);
    assert_eq!(codes, ["00"]);
    assert_eq!(decision, Decision::ApprovedOnline);
    assert_eq!((stats.arqc_verified, stats.arqc_failures), (1, 0));
}

#[test]
fn host_decline_reaches_the_card_with_a_genuine_arpc() {
    let (decision, codes, stats) = transact("visa_credit", 10_51);
    assert_eq!(codes, ["51"]);
    assert_eq!(decision, Decision::Declined);
    assert_eq!(stats.arqc_verified, 1);
}
