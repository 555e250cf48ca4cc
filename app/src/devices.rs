//! `pos devices list|watch` and `pos sim card`: the device registry from the `[devices]`
//! configuration, built into driver objects, shown and watched; and the virtual card served
//! on pcscd's vpcd reader for testers.
//!
//! The lead wires [`DevicesCmd`] and [`SimCmd`] into the CLI; both run functions write to the
//! given output so tests can read it.

use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use pos_drivers::pcsc::{PcscReader, PcscSettings};
use pos_drivers::sim::card::CardModel;
use pos_drivers::sim::emv_card::EmvCard;
use pos_drivers::sim::emv_card::profile::builtin_names;
use pos_drivers::sim::reader::{SimReader, SimReaderHandle};
use pos_drivers::sim::t0::T0Card;
use pos_drivers::sim::test_card::TestCard;
use pos_drivers::sim::vpcd::{VirtualCard, VpcdControl, vpcd_addr};
use pos_hal::device::{
    CardReader, DeviceCategory, DeviceError, DeviceRegistry, DeviceSpec, DevicesConfig, ErrorKind,
    Transport,
};

/// `pos devices ...`
#[derive(Debug, clap::Subcommand)]
pub enum DevicesCmd {
    /// Show every configured device and every discovered card reader, with its state.
    List,
    /// Print reader and card events (hotplug, insert, remove) as they happen.
    Watch {
        /// Stop after this many events.
        #[arg(long)]
        count: Option<usize>,
        /// Stop after this many seconds.
        #[arg(long)]
        seconds: Option<u64>,
    },
}

/// `pos sim ...`
#[derive(Debug, clap::Subcommand)]
pub enum SimCmd {
    /// Serve a simulated card on pcscd's vpcd reader. Reads commands on stdin: insert,
    /// remove, remove-after N, mute, unmute, slow MS, malformed, quit.
    Card(SimCardArgs),
}

#[derive(Debug, clap::Args)]
pub struct SimCardArgs {
    /// Card profile: `test` (T=0 contact test card) or `test-contactless`.
    #[arg(long, default_value = "test")]
    pub profile: String,
    /// vpcd reader: 0 (port 35963) or 1 (port 35964).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=1))]
    pub reader: u16,
    /// Start with the card out of the reader (send `insert` to put it in).
    #[arg(long)]
    pub removed: bool,
}

/// The card models `pos sim card` knows. The EMV profiles (`assets/cards/*.toml`) join here
/// when the EMV card model lands.
pub fn card_model_for_profile(profile: &str) -> anyhow::Result<Box<dyn CardModel>> {
    match profile {
        "test" => Ok(Box::new(T0Card::new(Box::new(TestCard::contact())))),
        "test-contactless" => Ok(Box::new(TestCard::contactless())),
        other => {
            let card = EmvCard::builtin(other).map_err(|e| {
                let known: Vec<&str> = builtin_names().collect();
                anyhow::anyhow!("{e} (known: test, test-contactless, {})", known.join(", "))
            })?;
            // Contactless cards speak ISO 14443 (no T=0 GET RESPONSE dance); contact cards
            // answer like a T=0 card, as most EMV chip cards do.
            if other.contains("contactless") {
                Ok(Box::new(card))
            } else {
                Ok(Box::new(T0Card::new(Box::new(card))))
            }
        }
    }
}

/// Builds the card reader a spec names. A simulated reader comes with its control handle.
pub fn card_reader_from_spec(
    spec: &DeviceSpec,
) -> Result<(Box<dyn CardReader>, Option<SimReaderHandle>), DeviceError> {
    match &spec.transport {
        Transport::Sim => {
            let (reader, handle) = SimReader::new(&spec.name, 2);
            Ok((Box::new(reader), Some(handle)))
        }
        Transport::Pcsc { reader } => {
            let settings = PcscSettings {
                reader_filter: reader.clone(),
            };
            Ok((Box::new(PcscReader::new(&spec.name, settings)), None))
        }
        other => Err(
            DeviceError::new(ErrorKind::Config, &spec.name, "build card reader")
                .with_detail(format!("a card reader cannot use transport {other}")),
        ),
    }
}

#[derive(Debug, serde::Serialize)]
struct DeviceRow {
    name: String,
    category: DeviceCategory,
    transport: String,
    state: String,
    readers: Vec<pos_hal::device::ReaderInfo>,
}

/// Runs `pos devices ...`, writing to `out`.
pub fn run_devices(
    cmd: DevicesCmd,
    config: &DevicesConfig,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let registry = DeviceRegistry::from_config(config)?;
    match cmd {
        DevicesCmd::List => list(&registry, json, out),
        DevicesCmd::Watch { count, seconds } => watch(&registry, json, count, seconds, out),
    }
}

fn list(registry: &DeviceRegistry, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for spec in registry.iter() {
        let mut row = DeviceRow {
            name: spec.name.clone(),
            category: spec.category,
            transport: spec.transport.to_string(),
            state: "configured".into(),
            readers: Vec::new(),
        };
        if spec.category == DeviceCategory::CardReader {
            match card_reader_from_spec(spec).and_then(|(mut reader, _)| {
                reader.open()?;
                let readers = reader.readers()?;
                Ok((format!("{:?}", reader.state()).to_lowercase(), readers))
            }) {
                Ok((state, readers)) => {
                    row.state = state;
                    row.readers = readers;
                }
                Err(error) => row.state = format!("unavailable: {error}"),
            }
        }
        rows.push(row);
    }
    if json {
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
        return Ok(());
    }
    for row in rows {
        writeln!(
            out,
            "{:<12} {:<18} {:<22} {}",
            row.name,
            category_text(row.category),
            row.transport,
            row.state
        )?;
        for reader in row.readers {
            let card = if reader.card_present {
                "card present"
            } else {
                "empty"
            };
            writeln!(out, "  {:<40} {card}", reader.name)?;
        }
    }
    Ok(())
}

fn category_text(category: DeviceCategory) -> &'static str {
    match category {
        DeviceCategory::CardReader => "card reader",
        DeviceCategory::ReceiptPrinter => "receipt printer",
        DeviceCategory::BarcodeScanner => "barcode scanner",
        DeviceCategory::CashDrawer => "cash drawer",
        DeviceCategory::MagStripeReader => "magstripe reader",
        DeviceCategory::LineDisplay => "line display",
    }
}

fn watch(
    registry: &DeviceRegistry,
    json: bool,
    count: Option<usize>,
    seconds: Option<u64>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let spec = registry
        .by_category(DeviceCategory::CardReader)
        .next()
        .context("no card reader configured")?;
    let (mut reader, _handle) = card_reader_from_spec(spec)?;
    reader.open()?;
    // Take the first snapshot before saying "watching": a card inserted after that line is
    // then always reported, never mistaken for the state the watch started from.
    let mut first = match reader.wait_event(Duration::ZERO) {
        Ok(event) => event,
        Err(error) if error.kind() == ErrorKind::NoDevice => None,
        Err(error) => return Err(error.into()),
    };
    let deadline = seconds.map(|s| Instant::now() + Duration::from_secs(s));
    let mut seen = 0;
    writeln!(
        out,
        "watching {} ({}); Ctrl-C to stop",
        spec.name, spec.transport
    )?;
    out.flush()?;
    while count.is_none_or(|c| seen < c) && deadline.is_none_or(|d| Instant::now() < d) {
        let next = match first.take() {
            Some(event) => Ok(Some(event)),
            None => reader.wait_event(Duration::from_millis(500)),
        };
        match next {
            Ok(Some(event)) => {
                seen += 1;
                if json {
                    serde_json::to_writer(&mut *out, &event)?;
                    writeln!(out)?;
                } else {
                    writeln!(out, "{event}")?;
                }
                out.flush()?;
            }
            Ok(None) => {}
            // pcscd restarting: say so once a second and keep trying to reconnect.
            Err(error) if error.kind() == ErrorKind::NoDevice => {
                writeln!(out, "waiting: {error}")?;
                out.flush()?;
                std::thread::sleep(Duration::from_secs(1));
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(())
}

/// One tester command for a running virtual card.
fn parse_control(line: &str) -> Result<Option<VpcdControl>, String> {
    let mut words = line.split_whitespace();
    let Some(verb) = words.next() else {
        return Ok(None);
    };
    let number = |w: Option<&str>| -> Result<u64, String> {
        w.ok_or_else(|| format!("{verb} needs a number"))?
            .parse()
            .map_err(|_| format!("{verb} needs a number"))
    };
    let control = match verb {
        "insert" | "tap" => VpcdControl::Insert,
        "remove" => VpcdControl::Remove,
        "remove-after" => VpcdControl::RemoveAfterApdus(
            usize::try_from(number(words.next())?).map_err(|e| e.to_string())?,
        ),
        "mute" => VpcdControl::Mute(true),
        "unmute" => VpcdControl::Mute(false),
        "slow" => VpcdControl::Delay(Duration::from_millis(number(words.next())?)),
        "malformed" => VpcdControl::SendMalformed,
        "quit" | "exit" => VpcdControl::Stop,
        other => return Err(format!("unknown command {other:?}")),
    };
    Ok(Some(control))
}

/// Runs `pos sim card`: serves the card and applies commands read from `input` until `quit`.
/// At the end of input the card keeps being served until the process is stopped.
pub fn run_sim(cmd: SimCmd, input: &mut dyn BufRead, out: &mut dyn Write) -> anyhow::Result<()> {
    let SimCmd::Card(args) = cmd;
    let model = card_model_for_profile(&args.profile)?;
    let addr = vpcd_addr(args.reader);
    let card = VirtualCard::spawn(addr, model, !args.removed);
    writeln!(
        out,
        "card {:?} on vpcd {addr} ({})",
        args.profile,
        if args.removed { "removed" } else { "inserted" }
    )?;
    out.flush()?;
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            // No more commands (stdin closed): keep serving.
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        }
        match parse_control(&line) {
            Ok(None) => {}
            Ok(Some(VpcdControl::Stop)) => break,
            Ok(Some(control)) => {
                let text = format!("{control:?}");
                if !card.control(control) {
                    bail!("the virtual card stopped");
                }
                writeln!(out, "ok {text}")?;
            }
            Err(message) => writeln!(out, "error: {message}")?,
        }
        out.flush()?;
    }
    card.stop()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tester_commands_parse() {
        assert_eq!(parse_control("insert\n"), Ok(Some(VpcdControl::Insert)));
        assert_eq!(
            parse_control("remove-after 3"),
            Ok(Some(VpcdControl::RemoveAfterApdus(3)))
        );
        assert_eq!(
            parse_control("slow 250"),
            Ok(Some(VpcdControl::Delay(Duration::from_millis(250))))
        );
        assert_eq!(parse_control("   "), Ok(None));
        assert!(parse_control("slow").is_err());
        assert!(parse_control("dance").is_err());
    }

    #[test]
    fn list_shows_the_simulated_reader_and_configured_devices() {
        let mut out = Vec::new();
        run_devices(DevicesCmd::List, &DevicesConfig::default(), false, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("card_reader"), "{text}");
        assert!(text.contains("Sim PCD 00 00"), "{text}");
        assert!(text.contains("printer"), "{text}");

        let mut out = Vec::new();
        run_devices(DevicesCmd::List, &DevicesConfig::default(), true, &mut out).unwrap();
        let rows: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(rows[0]["name"], "card_reader");
        assert_eq!(rows[0]["readers"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn bad_configuration_and_profiles_are_refused() {
        let config = DevicesConfig {
            card_reader: "tcp:host:1".into(),
            ..Default::default()
        };
        assert!(run_devices(DevicesCmd::List, &config, false, &mut Vec::new()).is_err());
        assert!(card_model_for_profile("nope").is_err());
        assert!(card_model_for_profile("test-contactless").is_ok());
    }
}
