//! A thin shell that runs the sans-IO kernel against any [`CardModel`] in-process, with a
//! scripted cardholder and a local issuer — for tests, benchmarks and the no-daemon demo.
//! The issuer really checks the ARQC (CVN 18) and answers a real ARPC, so the card's second
//! GENERATE AC exercises issuer authentication.

use super::profile::{TEST_ISSUER_SMI_KEY, hex_n};
use crate::sim::card::CardModel;
use pos_hal::emv::crypto::{
    Key16, ac_data, arpc_method2, cvn18_ac, cvn18_session_key, derive_icc_mk, script_mac,
    visa_sm_session_key,
};
use pos_hal::emv::kernel::{
    Action, Event, Kernel, Message, OnlineRequest, OnlineResponse, Outcome, PinEntry, PinRequest,
};
use pos_hal::tlv::{Tag, Tlv, encode, find_bytes, parse, tags};
use zeroize::Zeroizing;

/// How the scripted cardholder behaves.
#[derive(Debug, Clone, Default)]
pub struct Cardholder {
    /// PINs to type, one per request; `None` (or running out) bypasses PIN entry.
    pub pins: Vec<String>,
    /// Index to pick when asked to choose an application.
    pub choice: usize,
}

/// An issuer host as the kernel's online step sees it.
pub trait Issuer {
    /// `None`: the host cannot be reached.
    fn authorise(&mut self, request: &OnlineRequest) -> Option<OnlineResponse>;
}

/// A local issuer for the virtual cards: knows their issuer master keys, checks the ARQC,
/// answers ARC 00 with an ARPC (method 2), declines the `issuer_decline` PAN with ARC 05.
#[derive(Debug, Clone)]
pub struct TestIssuer {
    pub reachable: bool,
    /// Corrupt the ARPC (issuer authentication must then fail).
    pub bad_arpc: bool,
    /// Issuer script command (CLA INS P1 P2) sent after the final GENERATE AC (template 72),
    /// MAC'd under the secure-messaging session key of the card's MK-SMI.
    pub script_after: Option<[u8; 4]>,
    /// How many ARQCs checked out.
    pub verified: usize,
}

impl Default for TestIssuer {
    fn default() -> Self {
        TestIssuer {
            reachable: true,
            bad_arpc: false,
            script_after: None,
            verified: 0,
        }
    }
}

/// The issuer master key our profiles use, by PAN brand.
fn imk_for(pan_digits: &str) -> Option<Key16> {
    let hex = if pan_digits.starts_with('5') {
        "89ABCDEF01234567FEDCBA9876543210"
    } else {
        "0123456789ABCDEFFEDCBA9876543210"
    };
    hex_n(hex, "issuer_master_key").ok()
}

impl Issuer for TestIssuer {
    fn authorise(&mut self, request: &OnlineRequest) -> Option<OnlineResponse> {
        if !self.reachable {
            return None;
        }
        let field55 = parse(&request.field55).ok()?;
        let pan: Zeroizing<String> = Zeroizing::new(
            request
                .pan
                .expose()
                .iter()
                .flat_map(|b| [b >> 4, b & 0x0F])
                .map_while(|n| char::from_digit(u32::from(n), 10))
                .collect(),
        );
        let psn = request.psn.unwrap_or(0);
        let mk = derive_icc_mk(&imk_for(&pan)?, &pan, psn);
        let atc: [u8; 2] = find_bytes(&field55, tags::ATC)?.try_into().ok()?;
        let arqc: [u8; 8] = find_bytes(&field55, tags::AC)?.try_into().ok()?;
        let data = ac_data(|t| find_bytes(&field55, t));
        let genuine = cvn18_ac(&mk, atc, &data) == arqc;
        if genuine {
            self.verified += 1;
        }
        let arc = if !genuine || pan.as_str() == "4000000000000002" {
            *b"05"
        } else {
            *b"00"
        };
        let sk = cvn18_session_key(&mk, atc);
        let mut arpc = arpc_method2(&sk, arqc, [0; 4], &[]);
        if self.bad_arpc {
            arpc[0] ^= 0xFF;
        }
        let scripts = match self.script_after {
            Some(header) => {
                let imk_smi = hex_n(TEST_ISSUER_SMI_KEY, "issuer_smi_key").ok()?;
                let mk_smi = derive_icc_mk(&imk_smi, &pan, psn);
                let mac = script_mac(&visa_sm_session_key(&mk_smi, atc), header, &[], atc, arqc);
                let mut command = header.to_vec();
                command.push(8);
                command.extend_from_slice(&mac);
                encode(&[Tlv::constructed(
                    tags::SCRIPT_72,
                    vec![
                        Tlv::primitive(Tag(0x9F18), [0, 0, 0, 1]),
                        Tlv::primitive(tags::SCRIPT_COMMAND, command),
                    ],
                )])
            }
            None => Vec::new(),
        };
        Some(OnlineResponse {
            arc,
            auth_code: (arc == *b"00").then_some(*b"123456"),
            issuer_auth_data: Some([&arpc[..], &[0u8; 4]].concat()),
            scripts,
        })
    }
}

/// What happened on the way, for assertions.
#[derive(Debug, Default, Clone)]
pub struct Transcript {
    /// Command / response pairs.
    pub apdus: Vec<(Vec<u8>, Vec<u8>)>,
    pub pin_requests: Vec<PinRequest>,
    pub choices_offered: Vec<usize>,
    pub messages: Vec<Message>,
    pub went_online: bool,
}

/// Card-side interference, for negative tests: remove the card before APDU n (0-based), or
/// rewrite a response.
pub type Tamper<'a> = &'a mut dyn FnMut(usize, &[u8], Vec<u8>) -> Option<Vec<u8>>;

/// Runs one transaction to its outcome.
pub fn run(
    kernel: &mut Kernel,
    card: &mut dyn CardModel,
    cardholder: &Cardholder,
    issuer: &mut dyn Issuer,
    mut tamper: Option<Tamper<'_>>,
) -> (Outcome, Transcript) {
    let mut t = Transcript::default();
    let mut pins = cardholder.pins.iter();
    let mut action = kernel.start();
    loop {
        let event = match action {
            Action::SendApdu(command) => {
                let response = card.process_apdu(&command);
                let n = t.apdus.len();
                let response = match tamper.as_mut() {
                    Some(f) => f(n, &command, response),
                    None => Some(response),
                };
                match response {
                    Some(r) => {
                        t.apdus.push((command, r.clone()));
                        Event::CardResponse(r)
                    }
                    None => Event::CardRemoved,
                }
            }
            Action::ChooseApplication(list) => {
                t.choices_offered.push(list.len());
                Event::ApplicationChosen(cardholder.choice)
            }
            Action::AskPin(request) => {
                t.pin_requests.push(request);
                match (request, pins.next()) {
                    (PinRequest::Online, Some(_)) => {
                        Event::Pin(PinEntry::OnlineBlock(vec![0xEE; 8]))
                    }
                    (PinRequest::Offline { .. }, Some(p)) => {
                        Event::Pin(PinEntry::Offline(Zeroizing::new(p.clone())))
                    }
                    (_, None) => Event::PinBypassed,
                }
            }
            Action::GoOnline(request) => {
                t.went_online = true;
                match issuer.authorise(&request) {
                    Some(r) => Event::Online(r),
                    None => Event::OnlineUnavailable,
                }
            }
            Action::ShowMessage(m) => {
                t.messages.push(m);
                Event::Acknowledged
            }
            Action::Done(outcome) => return (*outcome, t),
        };
        action = kernel.handle(event);
    }
}
