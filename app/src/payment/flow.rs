//! One card tender end to end: the sans-IO EMV kernel driven over a powered card, its
//! online step answered by the [`PaymentLink`] (field 55, DUKPT-encrypted card data and
//! online PIN block), the issuer's answer fed back to the card, and the result handed to
//! the sale.
//!
//! No-double-charge reasoning. The link writes a pending-reversal row BEFORE the request
//! leaves the lane and keeps it (state `awaiting_completion`) after an approval. The sale
//! deletes that row in the SAME SQLite transaction that records it
//! (`Store::record_sale_settling`, same database file): either the sale and the end of
//! reversibility are both durable, or neither is. So after any crash exactly one of these
//! holds: the sale is recorded and no reversal will ever be sent (customer charged once,
//! sale on the journal), or the sale is absent and `PaymentLink::recover` at the next
//! lane start reverses the approval (customer not charged, nothing sold). If the row was
//! already turned into a reversal (say, a recovery ran), the sale transaction finds no row
//! to settle and refuses to commit. A card that declines after the issuer approved gets the
//! approval reversed at once (`abandon`).
//!
//! The cardholder's PIN reaches only the link (which puts it into an ISO 9564 block under
//! the DUKPT PIN key) or, for offline PIN, the kernel. The PAN and track 2 leave the kernel
//! only inside [`CardData`], which the link encrypts; prompts and results carry the masked
//! PAN.

use std::sync::Arc;

use rust_decimal::Decimal;
use zeroize::Zeroizing;

use super::{CardPayment, CompletionToken, Outcome as LinkOutcome, PaymentError, PaymentLink};
use crate::acquirer::card::CardData;
use crate::acquirer::crypto::pin_block::Pin;
use crate::acquirer::requests::RequestKind;
use crate::domain::money::Currency;
use crate::services::CardDetails;
use pos_hal::device::CardSession;
use pos_hal::emv::ca::CaKeyTable;
use pos_hal::emv::kernel::{
    Action, AidConfig, Decision, Event, Interface, Kernel, Message, OnlineRequest, OnlineResponse,
    PinEntry, PinRequest, TerminalConfig, TransactionParams,
};
use pos_hal::iso7816::ApduTransport;
use pos_hal::tlv::{Tag, find_bytes, parse};

const CAPK: &str = include_str!("../../../assets/ca/capk.toml");

/// EMV authorisation code for "approved offline, unable to go online".
const OFFLINE_APPROVAL_CODE: &str = "Y3";

/// What the cardholder or cashier should see now. Never carries card data beyond the
/// masked PAN.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "prompt", rename_all = "snake_case")]
pub enum Prompt {
    /// Insert, tap or swipe.
    PresentCard,
    ChooseApplication {
        labels: Vec<String>,
    },
    EnterPin {
        online: bool,
        tries_left: Option<u8>,
    },
    IncorrectPin {
        tries_left: u8,
    },
    PinOk,
    Processing,
    /// Waiting for the acquirer.
    Authorizing,
    RemoveCard,
    Approved {
        masked_pan: String,
        auth_code: String,
    },
    Declined {
        reason: String,
    },
}

impl std::fmt::Display for Prompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PresentCard => f.write_str("insert, tap or swipe the card"),
            Self::ChooseApplication { labels } => {
                write!(f, "choose the application: {}", labels.join(" / "))
            }
            Self::EnterPin { online: true, .. } => f.write_str("enter PIN"),
            Self::EnterPin {
                tries_left: Some(n),
                ..
            } => write!(f, "enter PIN ({n} tries left)"),
            Self::EnterPin { .. } => f.write_str("enter PIN"),
            Self::IncorrectPin { tries_left } => {
                write!(f, "incorrect PIN, {tries_left} tries left")
            }
            Self::PinOk => f.write_str("PIN OK"),
            Self::Processing => f.write_str("processing, do not remove the card"),
            Self::Authorizing => f.write_str("authorizing"),
            Self::RemoveCard => f.write_str("remove the card"),
            Self::Approved {
                masked_pan,
                auth_code,
            } => write!(f, "approved ({masked_pan}, auth {auth_code})"),
            Self::Declined { reason } => write!(f, "declined: {reason}"),
        }
    }
}

/// The PIN pad and touch screen as the flow sees them.
pub trait Cardholder {
    /// Which application (index into `labels`); `None` cancels.
    fn choose_application(&mut self, labels: &[String]) -> Option<usize>;
    /// The PIN digits; `None` bypasses PIN entry.
    fn enter_pin(&mut self, request: PinRequest) -> Option<Zeroizing<String>>;
}

/// A cardholder who answers from a script: the first application and the given PINs in
/// turn (CLI, tests, benchmarks).
pub struct ScriptedCardholder {
    pins: Vec<Zeroizing<String>>,
}

impl ScriptedCardholder {
    pub fn new(pins: impl IntoIterator<Item = String>) -> Self {
        Self {
            pins: {
                let mut pins: Vec<_> = pins.into_iter().map(Zeroizing::new).collect();
                pins.reverse();
                pins
            },
        }
    }
}

impl std::fmt::Debug for ScriptedCardholder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ScriptedCardholder({} PINs)", self.pins.len())
    }
}

impl Cardholder for ScriptedCardholder {
    fn choose_application(&mut self, _labels: &[String]) -> Option<usize> {
        Some(0)
    }

    fn enter_pin(&mut self, _request: PinRequest) -> Option<Zeroizing<String>> {
        self.pins.pop()
    }
}

/// A card payment the sale may keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovedCard {
    pub amount: Decimal,
    pub details: CardDetails,
    /// The acquirer's trace number (settlement matches sales by it).
    pub stan: u32,
    /// Online approvals stay reversible until the sale commits with this token.
    pub token: Option<CompletionToken>,
    pub online: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardResult {
    Approved(Box<ApprovedCard>),
    /// A reason a cashier understands.
    Declined {
        reason: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("card reader: {0}")]
    Reader(#[from] pos_hal::device::DeviceError),
    #[error(transparent)]
    Payment(#[from] PaymentError),
    #[error("no card was presented")]
    NoCard,
    #[error("terminal configuration: {0}")]
    Config(String),
}

/// The terminal's EMV set-up: supported applications and CA keys. `floor_limit_minor` is
/// the amount below which the card may approve offline when the acquirer is unreachable
/// (zero: every transaction needs the issuer; a card then declines when the host is down).
pub fn terminal_config(floor_limit_minor: u64) -> Result<Arc<TerminalConfig>, FlowError> {
    let mut visa = AidConfig::new(&[0xA0, 0, 0, 0, 0x03]);
    let mut mc = AidConfig::new(&[0xA0, 0, 0, 0, 0x04]);
    visa.floor_limit = floor_limit_minor;
    mc.floor_limit = floor_limit_minor;
    // Within the floor limit, go online anyway (the lane has a link); offline approval is
    // the fallback when the host is down.
    visa.random_threshold = 0;
    visa.random_target_percent = 99;
    visa.random_max_target_percent = 99;
    mc.random_threshold = 0;
    mc.random_target_percent = 99;
    mc.random_max_target_percent = 99;
    mc.app_version = [0x00, 0x02];
    mc.tac_default = [0xFC, 0x50, 0xBC, 0xA0, 0x00];
    mc.tac_online = [0xFC, 0x50, 0xBC, 0xF8, 0x00];
    mc.tac_denial = [0x00, 0x00, 0x00, 0x00, 0x00];
    let keys = CaKeyTable::from_toml(CAPK).map_err(|e| FlowError::Config(e.to_string()))?;
    Ok(Arc::new(TerminalConfig::new(vec![visa, mc], keys)))
}

fn bcd(v: u8) -> u8 {
    ((v / 10) << 4) | (v % 10)
}

fn params(
    amount_minor: u64,
    currency: Currency,
    contactless: bool,
    refund: bool,
) -> TransactionParams {
    let numeric = currency.numeric();
    // n3 in two BCD bytes, e.g. 978 -> 09 78.
    let currency_code = [bcd((numeric / 100) as u8), bcd((numeric % 100) as u8)];
    let now = time::OffsetDateTime::now_utc();
    TransactionParams {
        interface: if contactless {
            Interface::Contactless
        } else {
            Interface::Contact
        },
        amount: amount_minor,
        amount_other: 0,
        currency: currency_code,
        currency_exponent: currency.minor_units() as u8,
        date: [
            bcd((now.year() % 100) as u8),
            bcd(u8::from(now.month())),
            bcd(now.day()),
        ],
        time: [bcd(now.hour()), bcd(now.minute()), bcd(now.second())],
        // 9C: 00 goods and services, 20 refund.
        transaction_type: if refund { 0x20 } else { 0x00 },
        unpredictable_number: rand::random(),
        random_percent: rand::random::<u8>() % 100,
        // Not forced: a forced-online transaction may never be approved offline (TAC
        // default), which would rule out store-and-forward.
        force_online: false,
    }
}

/// cn / track 2 nibbles to text: digits, `D` separator, stop at the `F` pad.
fn nibbles_to_text(bytes: &[u8]) -> Zeroizing<String> {
    Zeroizing::new(
        bytes
            .iter()
            .flat_map(|b| [b >> 4, b & 0x0F])
            .map_while(|n| match n {
                0..=9 => Some(char::from(b'0' + n)),
                0xD => Some('D'),
                _ => None,
            })
            .collect(),
    )
}

fn card_data(request: &OnlineRequest) -> Option<CardData> {
    let card = match &request.track2 {
        Some(t2) => CardData::from_track2(&nibbles_to_text(t2.expose())).ok()?,
        None => return None,
    };
    Some(match request.psn {
        Some(psn) => card.with_pan_sequence((psn >> 4) * 10 + (psn & 0x0F)),
        None => card,
    })
}

fn tag91(field55: Option<&Vec<u8>>) -> Option<Vec<u8>> {
    let objects = parse(field55?).ok()?;
    find_bytes(&objects, Tag(0x91)).map(<[u8]>::to_vec)
}

fn scripts(field55: Option<&Vec<u8>>) -> Vec<u8> {
    let Some(objects) = field55.and_then(|f| parse(f).ok()) else {
        return Vec::new();
    };
    objects
        .iter()
        .filter(|o| o.tag == Tag(0x71) || o.tag == Tag(0x72))
        .flat_map(|o| o.encode())
        .collect()
}

/// The receipt's EMV block from the kernel's outcome (no PAN, track or PIN in it).
fn card_emv(outcome: &pos_hal::emv::kernel::Outcome) -> crate::store::CardEmv {
    use pos_hal::emv::kernel::CvmPerformed;
    crate::store::CardEmv {
        aid: pos_hal::hexutil::encode(&outcome.aid),
        label: outcome.label.clone(),
        entry_mode: match outcome.interface {
            Interface::Contactless => "contactless",
            Interface::Contact => "chip",
        }
        .into(),
        tvr: pos_hal::hexutil::encode(&outcome.tvr),
        tsi: pos_hal::hexutil::encode(&outcome.tsi),
        cvm: match outcome.cvm {
            CvmPerformed::None => "NO CVM",
            CvmPerformed::OfflinePin | CvmPerformed::OnlinePin => "PIN VERIFIED",
            CvmPerformed::Signature => "SIGNATURE",
            CvmPerformed::OfflinePinAndSignature => "PIN VERIFIED + SIGNATURE",
            CvmPerformed::ConsumerDevice => "CONSUMER DEVICE",
            CvmPerformed::Failed => "CVM FAILED",
        }
        .into(),
    }
}

/// What the online step left behind.
#[derive(Default)]
struct OnlineState {
    card: Option<CardData>,
    token: Option<CompletionToken>,
    stan: u32,
    auth_code: Option<String>,
    host_decline: Option<String>,
    unavailable: Option<String>,
}

/// What one card transaction is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardTransaction {
    pub amount: Decimal,
    /// The lane's currency (5F2A / 5F36 and the link's amounts).
    pub currency: Currency,
    /// Money back to the card (9C = 20, a refund authorization at the acquirer).
    pub refund: bool,
}

/// Runs one card transaction (payment or refund) over a powered card. Approved online,
/// the returned token must reach the document's commit (or `PaymentLink::abandon`).
pub fn transact(
    terminal: Arc<TerminalConfig>,
    session: &mut dyn CardSession,
    link: &mut PaymentLink,
    txn: CardTransaction,
    cardholder: &mut dyn Cardholder,
    prompt: &mut dyn FnMut(Prompt),
) -> Result<CardResult, FlowError> {
    let CardTransaction {
        amount,
        refund,
        currency,
    } = txn;
    let exponent = currency.minor_units();
    let amount_minor = super::decision::to_minor(amount, exponent).map_err(PaymentError::from)?;
    let contactless = session.interface() == pos_hal::device::CardInterface::Contactless;
    let mut kernel = Kernel::new(
        terminal,
        params(amount_minor, currency, contactless, refund),
    );
    let mut transport = ApduTransport::new(session);
    let mut online = OnlineState::default();
    let mut online_pin: Option<Pin> = None;
    let mut action = kernel.start();
    let outcome = loop {
        let event = match action {
            Action::SendApdu(c) => match transport.exchange_bytes(&c) {
                Ok(r) => Event::CardResponse(r.to_bytes()),
                Err(e) => {
                    tracing::warn!(error = %e, "card exchange failed");
                    Event::CardRemoved
                }
            },
            Action::ChooseApplication(candidates) => {
                let labels: Vec<String> = candidates.iter().map(|c| c.label.clone()).collect();
                prompt(Prompt::ChooseApplication {
                    labels: labels.clone(),
                });
                match cardholder.choose_application(&labels) {
                    Some(i) if i < labels.len() => Event::ApplicationChosen(i),
                    _ => Event::Cancel,
                }
            }
            Action::AskPin(request) => {
                let (is_online, tries_left) = match request {
                    PinRequest::Online => (true, None),
                    PinRequest::Offline { tries_left, .. } => (false, tries_left),
                };
                prompt(Prompt::EnterPin {
                    online: is_online,
                    tries_left,
                });
                match (cardholder.enter_pin(request), is_online) {
                    (None, _) => Event::PinBypassed,
                    (Some(digits), true) => match Pin::new(&digits) {
                        Ok(pin) => {
                            online_pin = Some(pin);
                            // The block itself is built by the link under the DUKPT PIN
                            // key; the kernel only needs to know one exists.
                            Event::Pin(PinEntry::OnlineBlock(Vec::new()))
                        }
                        Err(_) => Event::PinBypassed,
                    },
                    (Some(digits), false) => Event::Pin(PinEntry::Offline(digits)),
                }
            }
            Action::GoOnline(request) => {
                prompt(Prompt::Authorizing);
                authorize_online(&request, link, txn, online_pin.take(), &mut online)?
            }
            Action::ShowMessage(m) => {
                prompt(match m {
                    Message::IncorrectPin { tries_left } => Prompt::IncorrectPin { tries_left },
                    Message::LastPinTry => Prompt::IncorrectPin { tries_left: 1 },
                    Message::PinOk => Prompt::PinOk,
                    Message::RemoveCard => Prompt::RemoveCard,
                    Message::Processing => Prompt::Processing,
                });
                Event::Acknowledged
            }
            Action::Done(o) => break *o,
        };
        action = kernel.handle(event);
    };
    let result = conclude(&outcome, link, txn, online)?;
    prompt(match &result {
        CardResult::Approved(a) => Prompt::Approved {
            masked_pan: a.details.masked_pan.clone(),
            auth_code: a.details.auth_code.clone(),
        },
        CardResult::Declined { reason } => Prompt::Declined {
            reason: reason.clone(),
        },
    });
    Ok(result)
}

/// The kernel's online step through the link.
fn authorize_online(
    request: &OnlineRequest,
    link: &mut PaymentLink,
    txn: CardTransaction,
    pin: Option<Pin>,
    state: &mut OnlineState,
) -> Result<Event, FlowError> {
    let Some(card) = card_data(request) else {
        state.unavailable = Some("the card gave no usable track 2 data".into());
        return Ok(Event::OnlineUnavailable);
    };
    let payment = CardPayment {
        kind: RequestKind::Authorization,
        amount: txn.amount,
        refund: txn.refund,
        card: card.clone(),
        pin,
        icc_data: Some(request.field55.clone()),
        entry_mode: "051".into(),
        // Offline approval is the card's decision, taken after this step (see `conclude`).
        offline_allowed: false,
    };
    state.card = Some(card);
    Ok(
        match link.authorize(&payment, time::OffsetDateTime::now_utc())? {
            LinkOutcome::Approved(a) => {
                state.token = Some(a.token);
                state.stan = a.stan;
                state.auth_code = a.auth_code.clone();
                Event::Online(OnlineResponse {
                    arc: *b"00",
                    auth_code: a
                        .auth_code
                        .as_deref()
                        .and_then(|c| c.as_bytes().try_into().ok()),
                    issuer_auth_data: tag91(a.icc_response.as_ref()),
                    scripts: scripts(a.icc_response.as_ref()),
                })
            }
            LinkOutcome::Declined {
                code,
                reason,
                icc_response,
                ..
            } => {
                state.host_decline = Some(reason.to_owned());
                Event::Online(OnlineResponse {
                    arc: code.as_bytes().try_into().unwrap_or(*b"05"),
                    auth_code: None,
                    issuer_auth_data: tag91(icc_response.as_ref()),
                    scripts: scripts(icc_response.as_ref()),
                })
            }
            LinkOutcome::NoAnswer { reason, .. } => {
                // The link has reversed (or queued the reversal of) the request; the
                // sale must not complete on it.
                state.host_decline = Some(format!("no answer from the acquirer ({reason})"));
                Event::OnlineUnavailable
            }
            LinkOutcome::Unavailable { reason } => {
                state.unavailable = Some(reason);
                Event::OnlineUnavailable
            }
            LinkOutcome::ApprovedOffline { .. } => Event::OnlineUnavailable,
        },
    )
}

/// Turns the kernel's decision and the link's answer into the sale's result.
fn conclude(
    outcome: &pos_hal::emv::kernel::Outcome,
    link: &mut PaymentLink,
    txn: CardTransaction,
    online: OnlineState,
) -> Result<CardResult, FlowError> {
    let amount = txn.amount;
    tracing::debug!(
        decision = ?outcome.decision,
        tvr = %pos_hal::hexutil::encode(&outcome.tvr),
        cid = ?outcome.cid,
        "kernel outcome"
    );
    let brand = outcome.label.clone();
    let masked_pan = outcome.masked_pan.clone();
    let now = time::OffsetDateTime::now_utc();
    match (outcome.decision, online.token) {
        (Decision::ApprovedOnline, Some(token)) => {
            Ok(CardResult::Approved(Box::new(ApprovedCard {
                amount,
                details: CardDetails {
                    masked_pan,
                    brand,
                    auth_code: online.auth_code.unwrap_or_default(),
                    emv: Some(card_emv(outcome)),
                },
                stan: online.stan,
                token: Some(token),
                online: true,
            })))
        }
        (_, Some(token)) => {
            // The issuer approved but the card refused (ARPC, script, removal): reverse.
            let report = link.abandon(token, now)?;
            tracing::warn!(?report, "card declined after issuer approval; reversed");
            Ok(CardResult::Declined {
                reason: match &outcome.termination {
                    Some(t) => format!("card declined after approval ({t}); not charged"),
                    None => "card declined after approval; not charged".into(),
                },
            })
        }
        // A refund is never approved offline: the money must come from the acquirer.
        (Decision::ApprovedOffline, None) if online.host_decline.is_none() && !txn.refund => {
            approve_offline(outcome, link, amount, online.card)
        }
        _ => Ok(CardResult::Declined {
            reason: online
                .host_decline
                .or(online.unavailable)
                .or_else(|| outcome.termination.as_ref().map(ToString::to_string))
                .unwrap_or_else(|| "declined by the card".into()),
        }),
    }
}

/// The card approved offline (acquirer unreachable): store-and-forward within limits.
fn approve_offline(
    outcome: &pos_hal::emv::kernel::Outcome,
    link: &mut PaymentLink,
    amount: Decimal,
    card: Option<CardData>,
) -> Result<CardResult, FlowError> {
    let Some(card) = card else {
        return Ok(CardResult::Declined {
            reason: "offline approval without card data".into(),
        });
    };
    let payment = CardPayment {
        kind: RequestKind::Authorization,
        amount,
        refund: false,
        card,
        pin: None,
        icc_data: Some(outcome.field55.clone()),
        entry_mode: "051".into(),
        offline_allowed: true,
    };
    let details = |auth_code: String| CardDetails {
        masked_pan: outcome.masked_pan.clone(),
        brand: outcome.label.clone(),
        auth_code,
        emv: Some(card_emv(outcome)),
    };
    Ok(
        match link.authorize(&payment, time::OffsetDateTime::now_utc())? {
            LinkOutcome::ApprovedOffline { stan, .. } => {
                CardResult::Approved(Box::new(ApprovedCard {
                    amount,
                    details: details(OFFLINE_APPROVAL_CODE.into()),
                    stan,
                    token: None,
                    online: false,
                }))
            }
            // The host came back in the meantime and approved: an ordinary online approval.
            LinkOutcome::Approved(a) => CardResult::Approved(Box::new(ApprovedCard {
                amount,
                details: details(a.auth_code.unwrap_or_default()),
                stan: a.stan,
                token: Some(a.token),
                online: true,
            })),
            LinkOutcome::Declined { reason, .. } => CardResult::Declined {
                reason: reason.to_owned(),
            },
            LinkOutcome::NoAnswer { reason, .. } | LinkOutcome::Unavailable { reason } => {
                CardResult::Declined { reason }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn track2_nibbles_become_card_data_and_stop_at_the_pad() {
        // PAN 4761739001010119 (assets/cards/visa_credit.toml), expiry 2912, F-padded.
        let t2 = [
            0x47, 0x61, 0x73, 0x90, 0x01, 0x01, 0x01, 0x19, 0xD2, 0x91, 0x22, 0x01, 0x12, 0x34,
            0x5F,
        ];
        let text = nibbles_to_text(&t2);
        assert_eq!(text.as_str(), "4761739001010119D291220112345");
        let card = CardData::from_track2(&text).unwrap();
        assert_eq!(card.masked_pan(), "476173******0119");
        assert_eq!(card.expiry(), "2912");
    }

    #[test]
    fn scripted_cardholder_answers_in_order_and_never_shows_pins() {
        let mut c = ScriptedCardholder::new(["0000".to_string(), "730519".to_string()]);
        assert_eq!(format!("{c:?}"), "ScriptedCardholder(2 PINs)");
        let ask = PinRequest::Online;
        assert_eq!(c.enter_pin(ask).unwrap().as_str(), "0000");
        assert_eq!(c.enter_pin(ask).unwrap().as_str(), "730519");
        assert!(c.enter_pin(ask).is_none(), "then bypass");
        assert_eq!(c.choose_application(&["A".into(), "B".into()]), Some(0));
    }

    #[test]
    fn prompts_read_as_cashier_text() {
        assert_eq!(
            Prompt::IncorrectPin { tries_left: 2 }.to_string(),
            "incorrect PIN, 2 tries left"
        );
        assert_eq!(
            Prompt::Declined {
                reason: "declined: insufficient funds".into()
            }
            .to_string(),
            "declined: declined: insufficient funds"
        );
    }

    #[test]
    fn issuer_scripts_and_authentication_data_are_picked_from_field_55() {
        // 91 (8 bytes) then a 72 script template holding one 86 command.
        let f55 = vec![
            0x91, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x72, 0x07, 0x86, 0x05, 0x84, 0x24, 0, 0, 0,
        ];
        assert_eq!(tag91(Some(&f55)), Some(vec![1, 2, 3, 4, 5, 6, 7, 8]));
        assert_eq!(scripts(Some(&f55)), f55[10..].to_vec());
        assert!(scripts(None).is_empty());
    }
}
