//! The I/O around [`super::flow`]: the card reader named by `[devices] card_reader`
//! (`sim:<profile>` = the virtual EMV card in an in-process reader, `pcsc:<name>` = a
//! PC/SC reader, e.g. vpcd fed by `pos sim card`) and the acquirer link built from
//! `[acquirer]` over the lane's database file.

use std::path::Path;
use std::time::{Duration, Instant};

use super::flow::{FlowError, Prompt};
use super::store::PaymentStore;
use super::{PaymentError, PaymentLink};
use crate::config::Config;
use pos_drivers::pcsc::{PcscReader, PcscSettings};
use pos_drivers::sim::emv_card::EmvCard;
use pos_drivers::sim::reader::SimReader;
use pos_drivers::sim::t0::T0Card;
use pos_hal::device::{CardReader, CardSession, UposDevice};

/// The virtual card used by a bare `sim` reader spec.
pub const DEFAULT_PROFILE: &str = "visa_credit";

/// The acquirer link of the lane whose database is `db_path`, configured by `[acquirer]`.
/// The link's currency is the lane's (`[lane] currency`; EUR when unknown).
pub fn link_from_config(config: &Config, db_path: &Path) -> Result<PaymentLink, PaymentError> {
    let currency = crate::domain::money::Currency::from_code(&config.lane.currency)
        .unwrap_or(crate::domain::money::Currency::EUR);
    let acquirer = crate::acquirer::config::AcquirerConfig {
        currency_numeric: format!("{:03}", currency.numeric()),
        currency_exponent: currency.minor_units(),
        address: config.acquirer.address.clone(),
        timeout_ms: config.acquirer.timeout_ms,
        terminal_id: config.acquirer.terminal_id.clone(),
        merchant_id: config.acquirer.merchant_id.clone(),
        ..Default::default()
    };
    PaymentLink::new(acquirer, PaymentStore::open(db_path)?)
}

fn config_error(message: String) -> FlowError {
    FlowError::Config(message)
}

/// Powers the card the reader spec names (waiting up to `wait` for one to be presented)
/// and runs `work` with its session.
pub fn with_card<R>(
    spec: &str,
    wait: Duration,
    prompt: &mut dyn FnMut(Prompt),
    work: impl FnOnce(&mut dyn CardSession) -> R,
) -> Result<R, FlowError> {
    let start = Duration::from_secs(5);
    if spec == "sim" || spec.starts_with("sim:") {
        let profile = spec.strip_prefix("sim:").unwrap_or(DEFAULT_PROFILE);
        let card = EmvCard::builtin(profile)
            .map_err(|e| config_error(format!("card profile {profile}: {e}")))?;
        let (mut reader, handle) = SimReader::new("sim", 1);
        reader.start(start)?;
        prompt(Prompt::PresentCard);
        handle.insert(0, Box::new(T0Card::new(Box::new(card))));
        let name = present_card(&mut reader, wait)?;
        let mut session = reader.power_on(&name)?;
        Ok(work(&mut *session))
    } else if let Some(filter) = spec.strip_prefix("pcsc:") {
        let mut reader = PcscReader::new(
            "card_reader",
            PcscSettings {
                reader_filter: filter.into(),
            },
        );
        reader.start(start)?;
        prompt(Prompt::PresentCard);
        let name = present_card(&mut reader, wait)?;
        settle_power(&mut reader, &name, wait)?;
        let mut session = reader.power_on(&name)?;
        Ok(work(&mut *session))
    } else {
        Err(config_error(format!(
            "card_reader {spec:?} must be sim[:<profile>] or pcsc:<reader name>"
        )))
    }
}

/// Waits for a card in any slot of `reader`; its slot name.
fn present_card(reader: &mut dyn CardReader, wait: Duration) -> Result<String, FlowError> {
    let deadline = Instant::now() + wait;
    loop {
        if let Some(r) = reader.readers()?.into_iter().find(|r| r.card_present) {
            return Ok(r.name);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(FlowError::NoCard);
        }
        reader.wait_event(left.min(Duration::from_millis(200)))?;
    }
}

/// A card that has just been inserted may refuse its first power-up (PC/SC reports the
/// reader's state before the card is ready): retry until it answers or `wait` runs out.
fn settle_power(reader: &mut dyn CardReader, name: &str, wait: Duration) -> Result<(), FlowError> {
    let deadline = Instant::now() + wait;
    loop {
        match reader.power_on(name) {
            Ok(_) => return Ok(()),
            Err(e) if Instant::now() >= deadline => return Err(e.into()),
            Err(e) => {
                tracing::debug!(error = %e, "card not ready yet");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}
