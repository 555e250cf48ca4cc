//! The EMV level-2 kernel, sans-IO (EMV Books 1–4, contactless entry point and a qVSDC-like
//! path). It never touches a reader, a PIN pad or a socket: feed it [`Event`]s (card
//! responses, the cardholder's choices, the issuer's answer) and it hands out [`Action`]s
//! (send this APDU, ask for a PIN, go online, done with this outcome). The same kernel runs
//! over PC/SC, the in-process simulated reader, or a recorded trace.
//!
//! ```text
//! let mut k = Kernel::new(config, params);
//! let mut action = k.start();
//! loop { match action { Action::SendApdu(c) => action = k.handle(Event::CardResponse(reader.transmit(c))), ..., Action::Done(o) => break } }
//! ```

mod bits;
mod config;
mod contact;
mod contactless;
mod cvm;
mod io;
mod oda;
mod outcome;
mod selection;
mod session;

pub use bits::*;
pub use config::{AidConfig, Interface, TerminalConfig, TransactionParams};
pub use outcome::{
    CvmPerformed, Decision, OnlineRequest, OnlineResponse, Outcome, SensitiveData,
    TerminationReason,
};

use io::{Io, Slot, lock};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use zeroize::Zeroizing;

/// An application the cardholder may choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub aid: Vec<u8>,
    pub label: String,
    /// Application priority indicator (87): b8 = cardholder confirmation required.
    pub priority: u8,
}

/// Which PIN the kernel asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinRequest {
    /// Offline PIN checked by the card; `tries_left` from the PIN try counter if known.
    Offline {
        tries_left: Option<u8>,
        enciphered: bool,
    },
    /// Online PIN: the PIN pad encrypts it for the issuer.
    Online,
}

/// What the cardholder entered.
#[derive(Clone, PartialEq, Eq)]
pub enum PinEntry {
    /// Offline PIN digits (ASCII), wiped on drop.
    Offline(Zeroizing<String>),
    /// An encrypted online PIN block from the PIN pad (opaque to the kernel).
    OnlineBlock(Vec<u8>),
}

impl std::fmt::Debug for PinEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PinEntry::Offline(_) => f.write_str("PinEntry::Offline(****)"),
            PinEntry::OnlineBlock(b) => write!(f, "PinEntry::OnlineBlock({} bytes)", b.len()),
        }
    }
}

/// Messages for the cardholder / cashier display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    IncorrectPin { tries_left: u8 },
    LastPinTry,
    PinOk,
    RemoveCard,
    Processing,
}

/// What the kernel wants done next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send this command APDU to the card and feed back [`Event::CardResponse`].
    SendApdu(Vec<u8>),
    /// Ask the cardholder to pick one; answer [`Event::ApplicationChosen`].
    ChooseApplication(Vec<Candidate>),
    /// Ask for a PIN; answer [`Event::Pin`] or [`Event::PinBypassed`].
    AskPin(PinRequest),
    /// Authorise online; answer [`Event::Online`] or [`Event::OnlineUnavailable`].
    GoOnline(Box<OnlineRequest>),
    /// Show a message; answer [`Event::Acknowledged`].
    ShowMessage(Message),
    /// The transaction is over.
    Done(Box<Outcome>),
}

/// What happened outside the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Response APDU: data ‖ SW1 SW2.
    CardResponse(Vec<u8>),
    CardRemoved,
    ApplicationChosen(usize),
    Pin(PinEntry),
    PinBypassed,
    Online(OnlineResponse),
    OnlineUnavailable,
    Acknowledged,
    Cancel,
}

type Flow = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// One transaction's kernel instance.
pub struct Kernel {
    flow: Option<Flow>,
    slot: Arc<Mutex<Slot>>,
    done: Option<Outcome>,
}

impl std::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kernel")
            .field("done", &self.done.is_some())
            .finish()
    }
}

impl Kernel {
    /// A kernel for one transaction.
    pub fn new(config: Arc<TerminalConfig>, params: TransactionParams) -> Kernel {
        let slot = Arc::new(Mutex::new(Slot::default()));
        let session = session::Session::new(Io::new(slot.clone()), config, params);
        Kernel {
            flow: Some(Box::pin(session.run())),
            slot,
            done: None,
        }
    }

    /// The first action.
    pub fn start(&mut self) -> Action {
        self.poll()
    }

    /// Feeds one event in; returns the next action.
    pub fn handle(&mut self, event: Event) -> Action {
        lock(&self.slot).event = Some(event);
        self.poll()
    }

    fn poll(&mut self) -> Action {
        if let Some(done) = &self.done {
            return Action::Done(Box::new(done.clone()));
        }
        let Some(flow) = self.flow.as_mut() else {
            return Action::ShowMessage(Message::Processing);
        };
        let mut cx = Context::from_waker(Waker::noop());
        match flow.as_mut().poll(&mut cx) {
            Poll::Ready(outcome) => {
                self.flow = None;
                self.done = Some(outcome.clone());
                Action::Done(Box::new(outcome))
            }
            // The flow only parks after handing out an action.
            Poll::Pending => lock(&self.slot)
                .action
                .take()
                .unwrap_or(Action::ShowMessage(Message::Processing)),
        }
    }
}

#[cfg(test)]
mod tests;
