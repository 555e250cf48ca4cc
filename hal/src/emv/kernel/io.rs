//! The hand-over point between the kernel's flow and its driver. The flow is written as one
//! `async fn` that reads top to bottom like the EMV books; every time it needs the outside
//! world it parks an [`Action`] here and waits for the matching [`Event`]. No executor, no
//! threads, no I/O: the driver polls the flow once per event with a no-op waker.

use super::{Action, Event};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

#[derive(Debug, Default)]
pub(super) struct Slot {
    pub action: Option<Action>,
    pub event: Option<Event>,
}

/// The flow's side of the slot.
#[derive(Debug, Clone)]
pub(super) struct Io {
    slot: Arc<Mutex<Slot>>,
}

impl Io {
    pub fn new(slot: Arc<Mutex<Slot>>) -> Io {
        Io { slot }
    }

    /// Hands `action` out and resolves with the next event the driver feeds in.
    pub async fn request(&self, action: Action) -> Event {
        lock(&self.slot).action = Some(action);
        WaitEvent {
            slot: self.slot.clone(),
            parked: false,
        }
        .await
    }
}

pub(super) fn lock(slot: &Mutex<Slot>) -> std::sync::MutexGuard<'_, Slot> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

struct WaitEvent {
    slot: Arc<Mutex<Slot>>,
    parked: bool,
}

impl Future for WaitEvent {
    type Output = Event;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Event> {
        // The first poll always parks, so an action is handed out before any event is read.
        if !self.parked {
            self.parked = true;
            return Poll::Pending;
        }
        match lock(&self.slot).event.take() {
            Some(event) => Poll::Ready(event),
            None => Poll::Pending,
        }
    }
}
