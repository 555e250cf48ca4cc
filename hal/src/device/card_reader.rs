//! The card reader as the rest of the terminal sees it: readers appear and disappear, cards are
//! inserted, tapped and pulled, a powered card exchanges APDUs.
//!
//! Misuse is made hard by ownership: a [`CardSession`] mutably borrows its reader, so nothing
//! else can talk to the reader while a card is powered, and dropping the session powers the
//! card off. Exclusive access for a multi-APDU transaction is a closure
//! ([`CardSession::exclusive`]) so it always ends, even on an early return.

use std::fmt;
use std::time::Duration;

use super::{DeviceError, UposDevice};

/// How the card talks to the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CardInterface {
    /// Inserted into the contact slot (ISO 7816-3).
    Contact,
    /// Tapped on the antenna (ISO 14443), as PC/SC part 3 presents it.
    Contactless,
}

impl fmt::Display for CardInterface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CardInterface::Contact => "contact",
            CardInterface::Contactless => "contactless",
        })
    }
}

/// One physical (or virtual) reader slot as the service reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReaderInfo {
    /// The name the service gives the slot, e.g. `Virtual PCD 00 00`.
    pub name: String,
    /// Whether a card sits in (or on) the slot right now.
    pub card_present: bool,
}

/// Something that happened at the readers, delivered by [`CardReader::wait_event`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ReaderEvent {
    ReaderAdded {
        reader: String,
    },
    ReaderRemoved {
        reader: String,
    },
    /// A card was inserted or tapped; `atr` is its answer to reset when the service knows it.
    CardInserted {
        reader: String,
        atr: Vec<u8>,
    },
    CardRemoved {
        reader: String,
    },
}

impl fmt::Display for ReaderEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReaderEvent::ReaderAdded { reader } => write!(f, "reader added: {reader}"),
            ReaderEvent::ReaderRemoved { reader } => write!(f, "reader removed: {reader}"),
            ReaderEvent::CardInserted { reader, atr } => {
                write!(f, "card inserted: {reader} ATR ")?;
                atr.iter().try_for_each(|b| write!(f, "{b:02X}"))
            }
            ReaderEvent::CardRemoved { reader } => write!(f, "card removed: {reader}"),
        }
    }
}

/// A card-reader service: one or more slots behind one driver (pcscd, a simulator).
///
/// The UnifiedPOS lifecycle of [`UposDevice`] applies: `open` → `claim` → `enable` before any
/// card operation; drivers refuse calls out of order with [`super::ErrorKind::IllegalState`].
pub trait CardReader: UposDevice + Send {
    /// The slots the service knows now (needs only `open`).
    fn readers(&mut self) -> Result<Vec<ReaderInfo>, DeviceError>;

    /// Waits up to `timeout` for the next reader or card event; `Ok(None)` when none came.
    fn wait_event(&mut self, timeout: Duration) -> Result<Option<ReaderEvent>, DeviceError>;

    /// Powers the card in `reader` and returns the session that owns it until dropped.
    fn power_on(&mut self, reader: &str) -> Result<Box<dyn CardSession + '_>, DeviceError>;
}

/// A powered card. Dropping the session powers the card down (leaves it in the reader).
pub trait CardSession {
    /// The slot the card sits in.
    fn reader(&self) -> &str;
    /// The answer to reset as the reader reported it.
    fn atr(&self) -> &[u8];
    fn interface(&self) -> CardInterface;

    /// Sends one command APDU and returns the raw response APDU (data ‖ SW1 SW2). The T=0
    /// rules (`61xx`, `6Cxx`) are not applied here: wrap the session in
    /// [`crate::iso7816::ApduTransport`] for that.
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, DeviceError>;

    /// The contactless card's UID (PC/SC part 3 `FF CA 00 00 00`). Contact cards have none:
    /// the call fails with [`super::ErrorKind::Protocol`].
    fn uid(&mut self) -> Result<Vec<u8>, DeviceError>;

    /// Runs `work` with the card held exclusively (no other process can interleave APDUs),
    /// and releases it afterwards whatever `work` returns.
    fn exclusive(
        &mut self,
        work: &mut dyn FnMut(&mut dyn ApduChannel) -> Result<(), DeviceError>,
    ) -> Result<(), DeviceError>;
}

/// The part of a session that only moves APDUs; what runs inside an exclusive transaction.
pub trait ApduChannel {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, DeviceError>;
}

/// Anything that moves APDUs can serve the ISO 7816 transport.
impl crate::iso7816::Transmit for dyn ApduChannel + '_ {
    type Error = DeviceError;
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, DeviceError> {
        ApduChannel::transmit(self, command)
    }
}

impl crate::iso7816::Transmit for dyn CardSession + '_ {
    type Error = DeviceError;
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, DeviceError> {
        CardSession::transmit(self, command)
    }
}

/// Picks the interface from an ATR the way PC/SC part 3 encodes contactless cards; an ATR
/// that does not parse is treated as contact (the reader had to power it to get one).
pub fn interface_from_atr(atr: &[u8]) -> CardInterface {
    match crate::iso7816::Atr::parse(atr) {
        Ok(parsed) if parsed.is_pcsc_contactless() => CardInterface::Contactless,
        _ => CardInterface::Contact,
    }
}

/// Reads a contactless card's UID with the PC/SC part 3 pseudo-APDU `FF CA 00 00 00` (the
/// reader answers it for the card). Contact cards have no UID.
pub fn read_uid(
    channel: &mut dyn ApduChannel,
    interface: CardInterface,
    device: &str,
) -> Result<Vec<u8>, DeviceError> {
    let fail = || DeviceError::new(super::ErrorKind::Protocol, device, "read UID");
    if interface != CardInterface::Contactless {
        return Err(fail().with_detail("contact cards have no UID"));
    }
    let raw = channel.transmit(&[0xFF, 0xCA, 0x00, 0x00, 0x00])?;
    let response = crate::iso7816::Response::parse(&raw).map_err(|e| fail().with_detail(e))?;
    if !response.is_success() || response.data.is_empty() {
        return Err(fail().with_detail(format!("reader answered {}", response.sw)));
    }
    Ok(response.data)
}
