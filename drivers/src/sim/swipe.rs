//! A simulated USB HID swipe reader: a swipe is built as the 337-byte MagTek report a real
//! reader sends and parsed by the same code ([`crate::usb::magtek`]), so the lane sees exactly
//! what it would see from hardware — including bad swipes.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use pos_hal::device::msr::{MagStripeReader, MsrEvent};
use pos_hal::device::{DeviceError, ErrorKind, Lifecycle};

use crate::usb::magtek;

/// Swipes cards on a [`SimSwipeReader`].
#[derive(Debug, Clone)]
pub struct SimSwipeHandle {
    tx: Sender<Vec<u8>>,
}

impl SimSwipeHandle {
    /// Swipes a card with these tracks (empty = not encoded).
    pub fn swipe(&self, track1: &str, track2: &str, track3: &str) -> bool {
        self.tx.send(magtek::build(track1, track2, track3)).is_ok()
    }

    /// A swipe the reader could not decode (status bytes flag every track).
    pub fn bad_swipe(&self) -> bool {
        let mut report = magtek::build("", "", "");
        report[..3].copy_from_slice(&[1, 1, 1]);
        self.tx.send(report).is_ok()
    }
}

/// The simulated reader device.
#[derive(Debug)]
pub struct SimSwipeReader {
    life: Lifecycle,
    rx: Receiver<Vec<u8>>,
}

impl SimSwipeReader {
    pub fn new(name: impl Into<String>) -> (Self, SimSwipeHandle) {
        let (tx, rx) = channel();
        (
            Self {
                life: Lifecycle::new(name),
                rx,
            },
            SimSwipeHandle { tx },
        )
    }
}

upos_over_lifecycle!(SimSwipeReader);

impl MagStripeReader for SimSwipeReader {
    fn next_event(&mut self, timeout: Duration) -> Result<Option<MsrEvent>, DeviceError> {
        self.life.require_enabled("read swipe")?;
        let report = match self.rx.recv_timeout(timeout) {
            Ok(report) => report,
            Err(RecvTimeoutError::Timeout) => return Ok(None),
            Err(RecvTimeoutError::Disconnected) => {
                return Err(DeviceError::new(
                    ErrorKind::Removed,
                    self.life.name(),
                    "read swipe",
                ));
            }
        };
        match magtek::parse(&report) {
            Ok((_, event)) => Ok(Some(event)),
            Err(e) => Err(
                DeviceError::new(ErrorKind::Protocol, self.life.name(), "read swipe")
                    .with_detail(e),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pos_hal::device::UposDevice;
    use pos_hal::device::msr::TrackFault;

    #[test]
    fn swipes_and_bad_swipes() {
        let (mut reader, handle) = SimSwipeReader::new("msr0");
        reader.start(Duration::from_millis(1)).unwrap();
        // Visa test PAN (public test number).
        assert!(handle.swipe("", ";4111111111111111=30121010000000000?", ""));
        assert!(handle.bad_swipe());
        let Some(MsrEvent::Swiped(swipe)) = reader.next_event(Duration::from_secs(1)).unwrap()
        else {
            panic!("expected a swipe")
        };
        assert_eq!(swipe.pan().unwrap().masked(), "************1111");
        let Some(MsrEvent::BadSwipe(e)) = reader.next_event(Duration::from_secs(1)).unwrap() else {
            panic!("expected a bad swipe")
        };
        assert_eq!(e.fault, TrackFault::Decode);
        assert_eq!(reader.next_event(Duration::from_millis(10)).unwrap(), None);
    }
}
