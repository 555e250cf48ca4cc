//! Device events reach the UI through a subscription, never by the UI calling a driver:
//! whoever owns the scanner (a `hal` scanner on a worker thread, a simulator) pushes
//! [`DeviceEvent`]s into a [`DeviceFeed`], and the app receives them as messages.

use iced::Subscription;
use iced::futures::channel::mpsc;
use iced::futures::stream::{self, BoxStream, StreamExt};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceEvent {
    /// A barcode read by a scanner (HID POS, serial, or simulated).
    Scanned(String),
    /// A device changed state; the status bar refreshes.
    Changed,
}

/// The sending half, handed to device worker threads.
pub type DeviceSender = mpsc::UnboundedSender<DeviceEvent>;

/// The receiving half, owned by the app; subscribed to once.
#[derive(Debug, Clone)]
pub struct DeviceFeed {
    receiver: Arc<Mutex<Option<mpsc::UnboundedReceiver<DeviceEvent>>>>,
}

impl Hash for DeviceFeed {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // One feed per app: identity is the shared cell, so the subscription is not
        // restarted on every view.
        std::ptr::hash(Arc::as_ptr(&self.receiver), state);
    }
}

impl DeviceFeed {
    pub fn channel() -> (DeviceSender, DeviceFeed) {
        let (tx, rx) = mpsc::unbounded();
        (
            tx,
            DeviceFeed {
                receiver: Arc::new(Mutex::new(Some(rx))),
            },
        )
    }

    fn stream(&self) -> BoxStream<'static, DeviceEvent> {
        let taken = self
            .receiver
            .lock()
            .map(|mut slot| slot.take())
            .unwrap_or_default();
        match taken {
            Some(rx) => rx.boxed(),
            None => stream::pending().boxed(),
        }
    }

    pub fn subscription(&self) -> Subscription<DeviceEvent> {
        Subscription::run_with(self.clone(), DeviceFeed::stream)
    }
}
