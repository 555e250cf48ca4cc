//! [`CardReader`] over pcscd (the `pcsc` crate): contact and contactless readers, hotplug
//! through `SCardGetStatusChange` with the PnP notification pseudo-reader, exclusive access
//! through `SCardBeginTransaction`, and reconnection after pcscd restarts.
//!
//! Every pcsc error becomes a [`DeviceError`] with a kind the app can act on: pcscd missing
//! or stopped is [`ErrorKind::NoDevice`], a card pulled mid-APDU is [`ErrorKind::Removed`].

use std::collections::VecDeque;
use std::ffi::CString;
use std::fmt;
use std::time::Duration;

use pcsc::{Card, Context, Disposition, Protocols, ReaderState, Scope, ShareMode, State};
use pos_hal::device::card_reader::{interface_from_atr, read_uid};
use pos_hal::device::{
    ApduChannel, CardInterface, CardReader, CardSession, DeviceError, ErrorKind, Lifecycle,
    ReaderEvent, ReaderInfo, State as DeviceState, UposDevice,
};

/// Settings for one PC/SC card-reader device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PcscSettings {
    /// Only readers whose name contains this are used (all when empty).
    pub reader_filter: String,
}

/// Maps a pcsc error to a device error kind, with pcsc's own text as detail.
fn device_error(device: &str, operation: &'static str, error: pcsc::Error) -> DeviceError {
    use pcsc::Error as E;
    let kind = match error {
        E::NoService | E::ServiceStopped | E::InvalidHandle | E::NoReadersAvailable => {
            ErrorKind::NoDevice
        }
        E::UnknownReader | E::ReaderUnavailable | E::ReaderUnsupported => ErrorKind::NoDevice,
        E::RemovedCard | E::NoSmartcard | E::ResetCard => ErrorKind::Removed,
        E::SharingViolation => ErrorKind::Busy,
        E::Timeout | E::UnresponsiveCard | E::WaitedTooLong => ErrorKind::Timeout,
        E::ProtoMismatch | E::InvalidAtr | E::UnsupportedCard | E::UnknownCard => {
            ErrorKind::Protocol
        }
        E::SecurityViolation | E::NoAccess => ErrorKind::Permission,
        _ => ErrorKind::Io,
    };
    let detail = match error {
        E::NoService => "pcscd is not running".to_owned(),
        E::ServiceStopped => "pcscd stopped".to_owned(),
        other => other.to_string(),
    };
    DeviceError::new(kind, device, operation).with_detail(detail)
}

/// The PC/SC card reader: one pcscd context, any number of reader slots.
pub struct PcscReader {
    life: Lifecycle,
    settings: PcscSettings,
    context: Option<Context>,
    /// Watched states: the PnP pseudo-reader first, then each matching reader.
    watched: Vec<ReaderState>,
    events: VecDeque<ReaderEvent>,
}

impl fmt::Debug for PcscReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PcscReader")
            .field("name", &self.life.name())
            .field("state", &self.life.state())
            .field("settings", &self.settings)
            .field("connected", &self.context.is_some())
            .finish_non_exhaustive()
    }
}

impl PcscReader {
    pub fn new(name: impl Into<String>, settings: PcscSettings) -> Self {
        Self {
            life: Lifecycle::new(name),
            settings,
            context: None,
            watched: Vec::new(),
            events: VecDeque::new(),
        }
    }

    fn device_name(&self) -> String {
        self.life.name().to_owned()
    }

    fn fail(&self, operation: &'static str, error: pcsc::Error) -> DeviceError {
        device_error(self.life.name(), operation, error)
    }

    /// The context, establishing it again if pcscd went away (restart).
    fn context(&mut self, operation: &'static str) -> Result<&Context, DeviceError> {
        if self.life.state() == DeviceState::Closed {
            return Err(DeviceError::new(
                ErrorKind::IllegalState,
                self.device_name(),
                operation,
            ));
        }
        if self.context.is_none() {
            let context = Context::establish(Scope::User).map_err(|e| self.fail(operation, e))?;
            tracing::debug!(device = self.life.name(), "pcsc context established");
            self.context = Some(context);
            self.watched.clear();
        }
        self.context
            .as_ref()
            .ok_or_else(|| DeviceError::new(ErrorKind::NoDevice, self.device_name(), operation))
    }

    /// Forgets the context after an error that means pcscd is gone, so the next call
    /// reconnects.
    fn drop_context_if_dead(&mut self, error: pcsc::Error) {
        if matches!(
            error,
            pcsc::Error::NoService | pcsc::Error::ServiceStopped | pcsc::Error::InvalidHandle
        ) {
            tracing::info!(device = self.life.name(), %error, "pcscd gone; will reconnect");
            self.context = None;
            self.watched.clear();
        }
    }

    fn reader_names(&mut self, operation: &'static str) -> Result<Vec<CString>, DeviceError> {
        let filter = self.settings.reader_filter.clone();
        let listed = self.context(operation)?.list_readers_owned();
        match listed {
            Ok(names) => Ok(names
                .into_iter()
                .filter(|n| n.to_string_lossy().contains(filter.as_str()))
                .collect()),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(e) => {
                self.drop_context_if_dead(e);
                Err(self.fail(operation, e))
            }
        }
    }

    /// Starts watching: PnP pseudo-reader plus every reader, with their present state
    /// learned without reporting it as events.
    fn prime(&mut self) -> Result<(), DeviceError> {
        let names = self.reader_names("wait for events")?;
        let mut watched = vec![ReaderState::new(pcsc::PNP_NOTIFICATION(), State::UNAWARE)];
        watched.extend(
            names
                .into_iter()
                .map(|n| ReaderState::new(n, State::UNAWARE)),
        );
        let result = self
            .context("wait for events")?
            .get_status_change(Duration::ZERO, &mut watched);
        match result {
            Ok(()) | Err(pcsc::Error::Timeout) => {}
            Err(e) => {
                self.drop_context_if_dead(e);
                return Err(self.fail("wait for events", e));
            }
        }
        for state in &mut watched {
            state.sync_current_state();
        }
        self.watched = watched;
        Ok(())
    }

    /// Turns the changed states into events and re-reads the reader list after PnP.
    fn collect_events(&mut self) -> Result<(), DeviceError> {
        let mut readers_changed = false;
        for state in self.watched.iter_mut() {
            let event = state.event_state();
            if !event.contains(State::CHANGED) {
                continue;
            }
            let is_pnp = state.name() == pcsc::PNP_NOTIFICATION();
            if is_pnp || event.intersects(State::UNKNOWN | State::IGNORE | State::UNAVAILABLE) {
                readers_changed = true;
            } else {
                let reader = state.name().to_string_lossy().into_owned();
                let was = state.current_state().contains(State::PRESENT);
                let is = event.contains(State::PRESENT);
                if was && !is {
                    self.events.push_back(ReaderEvent::CardRemoved { reader });
                } else if !was && is {
                    let atr = state.atr().to_vec();
                    self.events
                        .push_back(ReaderEvent::CardInserted { reader, atr });
                }
            }
            state.sync_current_state();
        }
        if readers_changed {
            self.rescan_readers()?;
        }
        Ok(())
    }

    fn rescan_readers(&mut self) -> Result<(), DeviceError> {
        let names = self.reader_names("wait for events")?;
        let known: Vec<CString> = self
            .watched
            .iter()
            .skip(1)
            .map(|s| s.name().to_owned())
            .collect();
        for gone in known.iter().filter(|k| !names.contains(k)) {
            let reader = gone.to_string_lossy().into_owned();
            self.events.push_back(ReaderEvent::ReaderRemoved { reader });
        }
        self.watched.retain(|s| {
            s.name() == pcsc::PNP_NOTIFICATION() || names.iter().any(|n| n.as_c_str() == s.name())
        });
        for new in names.iter().filter(|n| !known.contains(n)) {
            self.events.push_back(ReaderEvent::ReaderAdded {
                reader: new.to_string_lossy().into_owned(),
            });
            // UNAWARE: the next wait reports a card already in the new reader.
            self.watched
                .push(ReaderState::new(new.clone(), State::UNAWARE));
        }
        Ok(())
    }
}

impl UposDevice for PcscReader {
    fn name(&self) -> &str {
        self.life.name()
    }
    fn state(&self) -> DeviceState {
        self.life.state()
    }
    fn open(&mut self) -> Result<(), DeviceError> {
        // Opening connects to pcscd: a missing daemon is reported here, not at first use.
        let context = Context::establish(Scope::User).map_err(|e| self.fail("open", e))?;
        self.life.open()?;
        self.context = Some(context);
        Ok(())
    }
    /// pcscd and the simulator share readers between processes per transaction
    /// ([`CardSession::exclusive`]), so claiming is bookkeeping only.
    fn claim(&mut self, _timeout: Duration) -> Result<(), DeviceError> {
        self.life.claim()
    }
    fn enable(&mut self) -> Result<(), DeviceError> {
        self.life.enable()
    }
    fn disable(&mut self) -> Result<(), DeviceError> {
        self.life.disable()
    }
    fn release(&mut self) -> Result<(), DeviceError> {
        self.life.release()
    }
    fn close(&mut self) -> Result<(), DeviceError> {
        self.life.close()?;
        self.context = None;
        self.watched.clear();
        self.events.clear();
        Ok(())
    }
}

impl CardReader for PcscReader {
    fn readers(&mut self) -> Result<Vec<ReaderInfo>, DeviceError> {
        let names = self.reader_names("list readers")?;
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut states: Vec<ReaderState> = names
            .into_iter()
            .map(|n| ReaderState::new(n, State::UNAWARE))
            .collect();
        let result = self
            .context("list readers")?
            .get_status_change(Duration::ZERO, &mut states);
        if let Err(e) = result
            && e != pcsc::Error::Timeout
        {
            self.drop_context_if_dead(e);
            return Err(self.fail("list readers", e));
        }
        Ok(states
            .iter()
            .map(|s| ReaderInfo {
                name: s.name().to_string_lossy().into_owned(),
                card_present: s.event_state().contains(State::PRESENT),
            })
            .collect())
    }

    fn wait_event(&mut self, timeout: Duration) -> Result<Option<ReaderEvent>, DeviceError> {
        if let Some(event) = self.events.pop_front() {
            return Ok(Some(event));
        }
        if self.watched.is_empty() || self.context.is_none() {
            self.prime()?;
        }
        let mut watched = std::mem::take(&mut self.watched);
        let result = self
            .context("wait for events")?
            .get_status_change(timeout, &mut watched);
        self.watched = watched;
        match result {
            Ok(()) => self.collect_events()?,
            Err(pcsc::Error::Timeout) => {}
            Err(e) => {
                self.drop_context_if_dead(e);
                return Err(self.fail("wait for events", e));
            }
        }
        Ok(self.events.pop_front())
    }

    fn power_on(&mut self, reader: &str) -> Result<Box<dyn CardSession + '_>, DeviceError> {
        self.life.require_enabled("power on")?;
        let device = self.device_name();
        let reader_name = CString::new(reader).map_err(|_| {
            DeviceError::new(ErrorKind::Config, device.clone(), "power on")
                .with_detail("reader name contains a NUL byte")
        })?;
        let connected =
            self.context("power on")?
                .connect(&reader_name, ShareMode::Shared, Protocols::ANY);
        let card = match connected {
            Ok(card) => card,
            Err(e) => {
                self.drop_context_if_dead(e);
                return Err(self.fail("power on", e));
            }
        };
        let status = card.status2_owned().map_err(|e| self.fail("power on", e))?;
        let atr = status.atr().to_vec();
        let interface = interface_from_atr(&atr);
        tracing::debug!(device = %device, reader, %interface, "card powered");
        Ok(Box::new(PcscSession {
            device,
            reader: reader.to_owned(),
            card: Some(card),
            atr,
            interface,
            buffer: vec![0; pcsc::MAX_BUFFER_SIZE_EXTENDED],
        }))
    }
}

/// A powered card in a PC/SC reader.
struct PcscSession {
    device: String,
    reader: String,
    card: Option<Card>,
    atr: Vec<u8>,
    interface: CardInterface,
    buffer: Vec<u8>,
}

/// One APDU over a connected card, telling a pulled card apart from other failures.
fn transmit_on(
    card: &Card,
    buffer: &mut [u8],
    device: &str,
    command: &[u8],
) -> Result<Vec<u8>, DeviceError> {
    match card.transmit(command, buffer) {
        // No status word at all: vpcd (and some readers) report a card that vanished
        // mid-command this way. Give the reader a moment to notice before deciding.
        Ok([]) if card_gone_within(card, Duration::from_secs(1)) => {
            Err(
                DeviceError::new(ErrorKind::Removed, device, "transmit APDU")
                    .with_detail("card removed during the command (no answer)"),
            )
        }
        Ok(response) => Ok(response.to_vec()),
        Err(e) => {
            // A card pulled mid-APDU often surfaces as a generic transmit failure; ask the
            // reader whether the card is still there.
            let gone = card_gone_within(card, Duration::ZERO);
            if gone && !matches!(e, pcsc::Error::NoService | pcsc::Error::ServiceStopped) {
                Err(
                    DeviceError::new(ErrorKind::Removed, device, "transmit APDU")
                        .with_detail(format!("card removed during the command ({e})")),
                )
            } else {
                Err(device_error(device, "transmit APDU", e))
            }
        }
    }
}

/// Whether the reader reports the card gone, polling for up to `grace`.
fn card_gone_within(card: &Card, grace: Duration) -> bool {
    let deadline = std::time::Instant::now() + grace;
    loop {
        let gone = match card.status2_owned() {
            Err(_) => true,
            Ok(status) => !status.status().contains(pcsc::Status::PRESENT),
        };
        if gone || std::time::Instant::now() >= deadline {
            return gone;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl ApduChannel for PcscSession {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, DeviceError> {
        CardSession::transmit(self, command)
    }
}

impl CardSession for PcscSession {
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
        let card = self.card.as_ref().ok_or_else(|| {
            DeviceError::new(
                ErrorKind::IllegalState,
                self.device.clone(),
                "transmit APDU",
            )
        })?;
        transmit_on(card, &mut self.buffer, &self.device, command)
    }

    fn uid(&mut self) -> Result<Vec<u8>, DeviceError> {
        let (interface, device) = (self.interface, self.device.clone());
        read_uid(self, interface, &device)
    }

    fn exclusive(
        &mut self,
        work: &mut dyn FnMut(&mut dyn ApduChannel) -> Result<(), DeviceError>,
    ) -> Result<(), DeviceError> {
        let device = self.device.clone();
        let Some(card) = self.card.as_mut() else {
            return Err(DeviceError::new(
                ErrorKind::IllegalState,
                device,
                "begin transaction",
            ));
        };
        let transaction = card
            .transaction()
            .map_err(|e| device_error(&device, "begin transaction", e))?;
        let mut channel = TransactionChannel {
            card: &transaction,
            buffer: &mut self.buffer,
            device: &device,
        };
        let outcome = work(&mut channel);
        if let Err((_, e)) = transaction.end(Disposition::LeaveCard) {
            // The card may be gone; the work's own error says more.
            tracing::debug!(%e, "ending the PC/SC transaction failed");
        }
        outcome
    }
}

struct TransactionChannel<'t> {
    card: &'t Card,
    buffer: &'t mut [u8],
    device: &'t str,
}

impl ApduChannel for TransactionChannel<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, DeviceError> {
        transmit_on(self.card, self.buffer, self.device, command)
    }
}

impl Drop for PcscSession {
    fn drop(&mut self) {
        if let Some(card) = self.card.take()
            && let Err((_, error)) = card.disconnect(Disposition::UnpowerCard)
        {
            tracing::debug!(%error, "disconnecting the card failed");
        }
    }
}

/// The reader names pcscd knows, without the lifecycle (for `pos devices list`).
pub fn list_reader_names() -> Result<Vec<String>, DeviceError> {
    let context =
        Context::establish(Scope::User).map_err(|e| device_error("pcsc", "list readers", e))?;
    match context.list_readers_owned() {
        Ok(names) => Ok(names
            .iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect()),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(device_error("pcsc", "list readers", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcsc_errors_map_to_kinds_a_caller_can_act_on() {
        let no_service = device_error("card_reader", "open", pcsc::Error::NoService);
        assert_eq!(no_service.kind(), ErrorKind::NoDevice);
        assert!(no_service.to_string().contains("pcscd is not running"));
        assert_eq!(
            device_error("r", "x", pcsc::Error::RemovedCard).kind(),
            ErrorKind::Removed
        );
        assert_eq!(
            device_error("r", "x", pcsc::Error::SharingViolation).kind(),
            ErrorKind::Busy
        );
        assert_eq!(
            device_error("r", "x", pcsc::Error::UnresponsiveCard).kind(),
            ErrorKind::Timeout
        );
    }

    #[test]
    fn operations_before_open_are_refused() {
        let mut reader = PcscReader::new("card_reader", PcscSettings::default());
        assert_eq!(
            reader.readers().unwrap_err().kind(),
            ErrorKind::IllegalState
        );
        assert_eq!(
            reader.power_on("x").err().unwrap().kind(),
            ErrorKind::IllegalState
        );
    }
}
