//! An in-process [`CardReader`] over [`CardModel`]s: the whole reader stack without pcscd,
//! for fast unit tests and for running the terminal where no reader is installed.
//!
//! Testers drive it through a [`SimReaderHandle`] from any thread: insert or remove a card,
//! pull it after N more APDUs, make it mute.

use std::collections::VecDeque;
use std::fmt;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use pos_hal::device::card_reader::{interface_from_atr, read_uid};
use pos_hal::device::{
    ApduChannel, CardInterface, CardReader, CardSession, DeviceError, ErrorKind, Lifecycle,
    ReaderEvent, ReaderInfo, State,
};

use super::card::CardModel;

/// What a tester can do to a simulated slot.
pub enum SimControl {
    Insert {
        slot: usize,
        card: Box<dyn CardModel>,
    },
    Remove {
        slot: usize,
    },
    /// Answer `n` more APDUs, then pull the card during the next one.
    RemoveAfterApdus {
        slot: usize,
        n: usize,
    },
    /// A mute card never answers: transmit fails with [`ErrorKind::Timeout`].
    Mute {
        slot: usize,
        mute: bool,
    },
    /// Unplug the reader (its card goes with it) or plug it back in.
    Plug {
        slot: usize,
        plugged: bool,
    },
}

impl fmt::Debug for SimControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimControl::Insert { slot, .. } => write!(f, "Insert {{ slot: {slot} }}"),
            SimControl::Remove { slot } => write!(f, "Remove {{ slot: {slot} }}"),
            SimControl::RemoveAfterApdus { slot, n } => write!(f, "RemoveAfterApdus({slot}, {n})"),
            SimControl::Mute { slot, mute } => write!(f, "Mute({slot}, {mute})"),
            SimControl::Plug { slot, plugged } => write!(f, "Plug({slot}, {plugged})"),
        }
    }
}

/// Sends [`SimControl`]s to a running [`SimReader`]; cheap to clone.
#[derive(Debug, Clone)]
pub struct SimReaderHandle {
    tx: Sender<SimControl>,
}

impl SimReaderHandle {
    /// Sends a control; `false` when the reader is gone.
    pub fn send(&self, control: SimControl) -> bool {
        self.tx.send(control).is_ok()
    }

    pub fn insert(&self, slot: usize, card: Box<dyn CardModel>) -> bool {
        self.send(SimControl::Insert { slot, card })
    }

    pub fn remove(&self, slot: usize) -> bool {
        self.send(SimControl::Remove { slot })
    }
}

struct Slot {
    name: String,
    card: Option<Box<dyn CardModel>>,
    remove_after: Option<usize>,
    mute: bool,
    plugged: bool,
}

/// The simulated reader. Slot names follow vpcd's (`Sim PCD 00 00`, `Sim PCD 00 01`, ...).
pub struct SimReader {
    life: Lifecycle,
    slots: Vec<Slot>,
    events: VecDeque<ReaderEvent>,
    controls: Receiver<SimControl>,
}

impl fmt::Debug for SimReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimReader")
            .field("state", &self.life.state())
            .field(
                "slots",
                &self.slots.iter().map(|s| &s.name).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl SimReader {
    /// A reader with `slots` empty slots, and the handle that controls it.
    pub fn new(name: &str, slots: usize) -> (Self, SimReaderHandle) {
        let (tx, rx) = mpsc::channel();
        let slots = (0..slots)
            .map(|i| Slot {
                name: format!("Sim PCD 00 {i:02}"),
                card: None,
                remove_after: None,
                mute: false,
                plugged: true,
            })
            .collect();
        let reader = Self {
            life: Lifecycle::new(name),
            slots,
            events: VecDeque::new(),
            controls: rx,
        };
        (reader, SimReaderHandle { tx })
    }

    fn error(&self, kind: ErrorKind, operation: &'static str) -> DeviceError {
        DeviceError::new(kind, self.life.name(), operation)
    }

    fn apply(&mut self, control: SimControl) {
        match control {
            SimControl::Insert { slot, card } => {
                if let Some(s) = self.slots.get_mut(slot).filter(|s| s.plugged) {
                    let atr = card.atr();
                    s.card = Some(card);
                    s.remove_after = None;
                    s.mute = false;
                    self.events.push_back(ReaderEvent::CardInserted {
                        reader: s.name.clone(),
                        atr,
                    });
                }
            }
            SimControl::Remove { slot } => self.pull(slot),
            SimControl::RemoveAfterApdus { slot, n } => {
                if let Some(s) = self.slots.get_mut(slot) {
                    s.remove_after = Some(n);
                }
            }
            SimControl::Mute { slot, mute } => {
                if let Some(s) = self.slots.get_mut(slot) {
                    s.mute = mute;
                }
            }
            SimControl::Plug { slot, plugged } => self.plug(slot, plugged),
        }
    }

    fn plug(&mut self, slot: usize, plugged: bool) {
        let Some(was) = self.slots.get(slot).map(|s| s.plugged) else {
            return;
        };
        if was == plugged {
            return;
        }
        if !plugged {
            self.pull(slot);
        }
        if let Some(s) = self.slots.get_mut(slot) {
            s.plugged = plugged;
            let reader = s.name.clone();
            self.events.push_back(if plugged {
                ReaderEvent::ReaderAdded { reader }
            } else {
                ReaderEvent::ReaderRemoved { reader }
            });
        }
    }

    fn pull(&mut self, slot: usize) {
        if let Some(s) = self.slots.get_mut(slot)
            && s.card.take().is_some()
        {
            self.events.push_back(ReaderEvent::CardRemoved {
                reader: s.name.clone(),
            });
        }
    }

    fn drain_controls(&mut self) {
        while let Ok(control) = self.controls.try_recv() {
            self.apply(control);
        }
    }

    fn slot_index(&self, reader: &str) -> Result<usize, DeviceError> {
        self.slots
            .iter()
            .position(|s| s.plugged && s.name == reader)
            .ok_or_else(|| {
                self.error(ErrorKind::NoDevice, "power on")
                    .with_detail(format!("no reader {reader:?}"))
            })
    }

    /// One APDU to the card in `slot`, with the tester's removal and mute applied.
    fn transmit_slot(&mut self, slot: usize, command: &[u8]) -> Result<Vec<u8>, DeviceError> {
        self.life.require_enabled("transmit APDU")?;
        self.drain_controls();
        let (pull_now, mute) = match self.slots.get_mut(slot) {
            Some(s) if s.card.is_some() => match s.remove_after {
                Some(0) => (true, s.mute),
                Some(n) => {
                    s.remove_after = Some(n - 1);
                    (false, s.mute)
                }
                None => (false, s.mute),
            },
            _ => return Err(self.error(ErrorKind::Removed, "transmit APDU")),
        };
        if pull_now {
            self.pull(slot);
            return Err(self
                .error(ErrorKind::Removed, "transmit APDU")
                .with_detail("card removed during the command"));
        }
        if mute {
            return Err(self.error(ErrorKind::Timeout, "transmit APDU"));
        }
        match self.slots.get_mut(slot).and_then(|s| s.card.as_mut()) {
            Some(card) => Ok(card.process_apdu(command)),
            None => Err(self.error(ErrorKind::Removed, "transmit APDU")),
        }
    }
}

upos_over_lifecycle!(SimReader);

impl CardReader for SimReader {
    fn readers(&mut self) -> Result<Vec<ReaderInfo>, DeviceError> {
        if self.life.state() == State::Closed {
            return Err(self.error(ErrorKind::IllegalState, "list readers"));
        }
        self.drain_controls();
        Ok(self
            .slots
            .iter()
            .filter(|s| s.plugged)
            .map(|s| ReaderInfo {
                name: s.name.clone(),
                card_present: s.card.is_some(),
            })
            .collect())
    }

    fn wait_event(&mut self, timeout: Duration) -> Result<Option<ReaderEvent>, DeviceError> {
        if self.life.state() == State::Closed {
            return Err(self.error(ErrorKind::IllegalState, "wait for events"));
        }
        self.drain_controls();
        if let Some(event) = self.events.pop_front() {
            return Ok(Some(event));
        }
        match self.controls.recv_timeout(timeout) {
            Ok(control) => {
                self.apply(control);
                Ok(self.events.pop_front())
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => Ok(None),
        }
    }

    fn power_on(&mut self, reader: &str) -> Result<Box<dyn CardSession + '_>, DeviceError> {
        self.life.require_enabled("power on")?;
        self.drain_controls();
        let slot = self.slot_index(reader)?;
        let Some(card) = self.slots[slot].card.as_mut() else {
            return Err(self
                .error(ErrorKind::Removed, "power on")
                .with_detail("no card in the reader"));
        };
        card.reset();
        let atr = card.atr();
        let interface = interface_from_atr(&atr);
        let reader = self.slots[slot].name.clone();
        Ok(Box::new(SimSession {
            owner: self,
            slot,
            reader,
            atr,
            interface,
        }))
    }
}

/// A powered simulated card.
struct SimSession<'r> {
    owner: &'r mut SimReader,
    slot: usize,
    reader: String,
    atr: Vec<u8>,
    interface: CardInterface,
}

impl ApduChannel for SimSession<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, DeviceError> {
        self.owner.transmit_slot(self.slot, command)
    }
}

impl CardSession for SimSession<'_> {
    fn reader(&self) -> &str {
        &self.reader
    }

    fn atr(&self) -> &[u8] {
        &self.atr
    }

    fn interface(&self) -> CardInterface {
        self.interface
    }

    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, DeviceError> {
        self.owner.transmit_slot(self.slot, command)
    }

    fn uid(&mut self) -> Result<Vec<u8>, DeviceError> {
        let (interface, device) = (self.interface, self.owner.life.name().to_owned());
        read_uid(self, interface, &device)
    }

    fn exclusive(
        &mut self,
        work: &mut dyn FnMut(&mut dyn ApduChannel) -> Result<(), DeviceError>,
    ) -> Result<(), DeviceError> {
        // In-process: the session's `&mut` borrow already excludes everyone else.
        work(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::t0::T0Card;
    use crate::sim::test_card::TestCard;
    use pos_hal::device::UposDevice;
    use pos_hal::iso7816::{ApduTransport, Command};

    fn enabled() -> (SimReader, SimReaderHandle) {
        let (mut reader, handle) = SimReader::new("card_reader", 2);
        reader.start(Duration::ZERO).unwrap();
        (reader, handle)
    }

    #[test]
    fn lifecycle_is_enforced() {
        let (mut reader, handle) = SimReader::new("card_reader", 1);
        assert_eq!(
            reader.readers().unwrap_err().kind(),
            ErrorKind::IllegalState
        );
        reader.open().unwrap();
        handle.insert(0, Box::new(TestCard::contact()));
        assert!(reader.readers().unwrap()[0].card_present);
        assert_eq!(
            reader.power_on("Sim PCD 00 00").err().unwrap().kind(),
            ErrorKind::IllegalState
        );
    }

    #[test]
    fn events_follow_insert_and_remove() {
        let (mut reader, handle) = enabled();
        assert_eq!(reader.wait_event(Duration::from_millis(10)).unwrap(), None);
        let h = handle.clone();
        std::thread::spawn(move || h.insert(1, Box::new(TestCard::contact())));
        let ev = reader.wait_event(Duration::from_secs(5)).unwrap().unwrap();
        let ReaderEvent::CardInserted { reader: slot, atr } = ev else {
            panic!("expected an insert, got {ev:?}");
        };
        assert_eq!(slot, "Sim PCD 00 01");
        assert_eq!(atr, TestCard::contact().atr());
        handle.remove(1);
        assert_eq!(
            reader.wait_event(Duration::from_secs(5)).unwrap(),
            Some(ReaderEvent::CardRemoved {
                reader: "Sim PCD 00 01".into()
            })
        );
    }

    #[test]
    fn unplugging_a_reader_reports_it_and_its_card() {
        let (mut reader, handle) = enabled();
        handle.insert(0, Box::new(TestCard::contact()));
        handle.send(SimControl::Plug {
            slot: 0,
            plugged: false,
        });
        let events: Vec<_> =
            std::iter::from_fn(|| reader.wait_event(Duration::ZERO).unwrap()).collect();
        let name = "Sim PCD 00 00".to_owned();
        assert_eq!(
            events[1..],
            [
                ReaderEvent::CardRemoved {
                    reader: name.clone()
                },
                ReaderEvent::ReaderRemoved {
                    reader: name.clone()
                }
            ]
        );
        assert_eq!(reader.readers().unwrap().len(), 1);
        assert_eq!(
            reader.power_on(&name).err().unwrap().kind(),
            ErrorKind::NoDevice
        );
        handle.send(SimControl::Plug {
            slot: 0,
            plugged: true,
        });
        assert_eq!(
            reader.wait_event(Duration::ZERO).unwrap(),
            Some(ReaderEvent::ReaderAdded { reader: name })
        );
    }

    #[test]
    fn t0_card_through_the_transport() {
        let (mut reader, handle) = enabled();
        handle.insert(0, Box::new(T0Card::new(Box::new(TestCard::contact()))));
        let mut session = reader.power_on("Sim PCD 00 00").unwrap();
        assert_eq!(session.interface(), CardInterface::Contact);
        assert_eq!(session.uid().unwrap_err().kind(), ErrorKind::Protocol);
        let raw = session
            .transmit(&Command::select_aid(TestCard::TEST_AID).to_bytes().unwrap())
            .unwrap();
        assert_eq!(raw[0], 0x61);
        let mut transport = ApduTransport::new(&mut *session);
        let fci = transport
            .exchange(&Command::select_aid(TestCard::TEST_AID))
            .unwrap();
        assert!(fci.is_success());
    }

    #[test]
    fn contactless_card_has_a_uid_and_exclusive_runs() {
        let (mut reader, handle) = enabled();
        handle.insert(0, Box::new(TestCard::contactless()));
        let mut session = reader.power_on("Sim PCD 00 00").unwrap();
        assert_eq!(session.interface(), CardInterface::Contactless);
        assert_eq!(session.uid().unwrap(), TestCard::UID);
        let mut answers = Vec::new();
        session
            .exclusive(&mut |ch| {
                answers
                    .push(ch.transmit(&Command::select_aid(TestCard::PPSE).to_bytes().unwrap())?);
                Ok(())
            })
            .unwrap();
        assert_eq!(answers[0][answers[0].len() - 2..], [0x90, 0x00]);
    }

    #[test]
    fn card_pulled_mid_transaction_and_mute_card_are_typed() {
        let (mut reader, handle) = enabled();
        handle.insert(0, Box::new(TestCard::contact()));
        handle.send(SimControl::RemoveAfterApdus { slot: 0, n: 1 });
        {
            let mut session = reader.power_on("Sim PCD 00 00").unwrap();
            let select = Command::select_aid(TestCard::TEST_AID).to_bytes().unwrap();
            session.transmit(&select).unwrap();
            assert_eq!(
                session.transmit(&select).unwrap_err().kind(),
                ErrorKind::Removed
            );
        }
        assert!(matches!(
            reader.wait_event(Duration::ZERO).unwrap(),
            Some(ReaderEvent::CardInserted { .. })
        ));
        assert!(matches!(
            reader.wait_event(Duration::ZERO).unwrap(),
            Some(ReaderEvent::CardRemoved { .. })
        ));
        handle.insert(0, Box::new(TestCard::contact()));
        handle.send(SimControl::Mute {
            slot: 0,
            mute: true,
        });
        let mut session = reader.power_on("Sim PCD 00 00").unwrap();
        assert_eq!(
            session.transmit(&[0, 0xA4, 4, 0]).unwrap_err().kind(),
            ErrorKind::Timeout
        );
        drop(session);
        assert_eq!(
            reader.power_on("nope").err().unwrap().kind(),
            ErrorKind::NoDevice
        );
    }
}
