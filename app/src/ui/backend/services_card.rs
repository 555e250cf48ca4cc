//! Card payments in [`ServicesBackend`]: `start_card` runs `payment::flow` on a worker
//! thread (the kernel is sans-IO, the reader and the acquirer block), streams its prompts to
//! the card screen through the session's channel and takes the cardholder's application
//! choice back; the UI thread never waits. An approval completes the sale when it covers
//! what is due. PIN entry belongs to the PIN pad: here a simulated one
//! ([`ServicesBackend::set_simulated_pinpad`]); without it the cardholder bypasses PIN.
//! The worker holds the lane for the whole payment (one lane, one sale at a time): the
//! screen shows only the card prompts meanwhile, and other backend calls wait for it. The
//! acquirer link's start-up recovery runs in the background from the backend's start
//! ([`super::acquirer_start`]); the first card payment takes that link (or, when it failed,
//! attaches one with its own recovery).

use super::acquirer_start::StartRecovery;
use super::services::{ServicesBackend, sale_receipt};
use super::{BackendError, BackendResult, CardPrompt, CardReply, CardSession, PaymentOutcome};
use crate::payment::flow::{CardResult, Cardholder, Prompt};
use crate::payment::flow_reader::{link_from_config, with_card};
use crate::services::Lane;
use iced::futures::channel::mpsc::UnboundedSender;
use pos_hal::emv::kernel::PinRequest;
use rust_decimal::Decimal;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zeroize::Zeroizing;

/// How long the screen may take to answer a question (application choice).
const REPLY_TIMEOUT: Duration = Duration::from_secs(120);
/// How long the reader waits for a card to be presented.
const PRESENT_TIMEOUT: Duration = Duration::from_secs(60);

/// The touch screen (application choice over the reply channel) and the PIN pad.
struct ScreenCardholder {
    replies: Receiver<CardReply>,
    pin: Option<String>,
}

impl Cardholder for ScreenCardholder {
    fn choose_application(&mut self, labels: &[String]) -> Option<usize> {
        match self.replies.recv_timeout(REPLY_TIMEOUT) {
            Ok(CardReply::Application(i)) if i < labels.len() => Some(i),
            _ => None,
        }
    }

    fn enter_pin(&mut self, _request: PinRequest) -> Option<Zeroizing<String>> {
        self.pin.clone().map(Zeroizing::new)
    }
}

/// The flow's prompts as the card screen knows them; the final ones are sent by the worker
/// once the sale is settled.
fn screen_prompt(p: Prompt) -> Option<CardPrompt> {
    Some(match p {
        Prompt::PresentCard => CardPrompt::PresentCard,
        Prompt::ChooseApplication { labels } => CardPrompt::ChooseApplication(labels),
        Prompt::EnterPin { tries_left, .. } => CardPrompt::PinOnPinpad {
            attempts_left: tries_left,
        },
        Prompt::IncorrectPin { tries_left } => CardPrompt::PinOnPinpad {
            attempts_left: Some(tries_left),
        },
        Prompt::PinOk => CardPrompt::Processing("PIN OK".into()),
        Prompt::Processing => CardPrompt::Processing("Processing".into()),
        Prompt::Authorizing => CardPrompt::Processing("Authorising online".into()),
        Prompt::RemoveCard => CardPrompt::RemoveCard,
        Prompt::Approved { .. } | Prompt::Declined { .. } => return None,
    })
}

impl ServicesBackend {
    /// The simulated PIN pad answers every PIN request with `pin` (`None`: bypass).
    pub fn set_simulated_pinpad(&self, pin: Option<String>) {
        *self.pinpad.lock().unwrap_or_else(|p| p.into_inner()) = pin;
    }

    pub(super) fn card_reader_spec(&self) -> BackendResult<String> {
        let spec = self.lane_config().devices.card_reader;
        if spec == "sim" || spec.starts_with("sim:") || spec.starts_with("pcsc:") {
            Ok(spec)
        } else {
            Err(BackendError::Refused(format!(
                "card reader {spec:?} cannot take card payments (sim:<profile> or pcsc:<reader>)"
            )))
        }
    }

    pub(super) fn start_card_flow(&self, amount: Decimal) -> BackendResult<CardSession> {
        let spec = self.card_reader_spec()?;
        if amount <= Decimal::ZERO {
            return Err(BackendError::Invalid("amount must be positive".into()));
        }
        let (prompt_tx, prompts) = iced::futures::channel::mpsc::unbounded();
        let (replies, reply_rx) = std::sync::mpsc::channel();
        let cardholder = ScreenCardholder {
            replies: reply_rx,
            pin: self
                .pinpad
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        };
        let lane = self.shared_lane();
        let recovery = self.acquirer.clone();
        std::thread::Builder::new()
            .name("card-flow".into())
            .spawn(move || card_worker(lane, recovery, spec, amount, cardholder, prompt_tx))
            .map_err(|e| BackendError::Refused(format!("card flow: {e}")))?;
        Ok(CardSession { prompts, replies })
    }
}

fn card_worker(
    lane: Arc<Mutex<Lane>>,
    recovery: Option<Arc<StartRecovery>>,
    spec: String,
    amount: Decimal,
    mut cardholder: ScreenCardholder,
    prompts: UnboundedSender<CardPrompt>,
) {
    let send = |p: CardPrompt| {
        let _ = prompts.unbounded_send(p);
    };
    let mut lane = lane.lock().unwrap_or_else(|p| p.into_inner());
    if lane.payment_link().is_none()
        && let Some(link) = recovery.as_ref().and_then(|r| r.take_link())
    {
        // Recovered at start already: no second recovery.
        lane.install_recovered_link(link);
    }
    let final_prompt = match run(&mut lane, &spec, amount, &mut cardholder, &send) {
        Ok(p) => p,
        Err(reason) => CardPrompt::Failed(reason),
    };
    send(final_prompt);
}

/// The card payment and, when it covers what is due, the sale's completion.
fn run(
    lane: &mut Lane,
    spec: &str,
    amount: Decimal,
    cardholder: &mut ScreenCardholder,
    send: &dyn Fn(CardPrompt),
) -> Result<CardPrompt, String> {
    if lane.payment_link().is_none() {
        let link =
            link_from_config(lane.config(), lane.store().path()).map_err(|e| e.to_string())?;
        lane.attach_payment_link(link).map_err(|e| e.to_string())?;
    }
    let mut forward = |p: Prompt| {
        if let Some(p) = screen_prompt(p) {
            send(p);
        }
    };
    let result = with_card(
        spec,
        PRESENT_TIMEOUT,
        &mut |p| send(screen_prompt(p).unwrap_or(CardPrompt::PresentCard)),
        |session| lane.pay_by_card(session, amount, cardholder, &mut forward),
    )
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())?;
    match result {
        CardResult::Declined { reason } => Ok(CardPrompt::Declined { reason }),
        CardResult::Approved(approved) => {
            let settlement = lane.settlement().map_err(|e| e.to_string())?;
            let outcome = if settlement.complete {
                let receipt = lane.complete_sale().map_err(|e| e.to_string())?;
                PaymentOutcome::Completed(sale_receipt(lane, receipt))
            } else {
                PaymentOutcome::Partial {
                    remaining: settlement.remaining,
                }
            };
            Ok(CardPrompt::Approved {
                auth_code: approved.details.auth_code,
                masked_pan: approved.details.masked_pan,
                outcome,
            })
        }
    }
}
