//! `pos card read` and `pos card trace`: run an EMV transaction against the card in a reader
//! and print what the terminal read (application, label, masked PAN, expiry, CVM list, ODA
//! result, outcome) or every APDU with its data objects decoded. PAN and track data are only
//! ever printed masked; PIN blocks are never printed. The online step is answered locally by
//! the test issuer (these commands diagnose cards, they do not authorise payments).
//!
//! The lead wires [`CardCmd`] into the CLI (`pos card ...`).

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use pos_drivers::pcsc::{PcscReader, PcscSettings};
use pos_drivers::sim::emv_card::EmvCard;
use pos_drivers::sim::emv_card::harness::{Issuer, TestIssuer};
use pos_drivers::sim::reader::SimReader;
use pos_drivers::sim::t0::T0Card;
use pos_hal::device::UposDevice;
use pos_hal::device::{CardReader, CardSession};
use pos_hal::emv::ca::CaKeyTable;
use pos_hal::emv::kernel::{
    Action, AidConfig, Event, Interface, Kernel, Outcome, PinEntry, PinRequest, TerminalConfig,
    TransactionParams,
};
use pos_hal::hexutil;
use pos_hal::iso7816::ApduTransport as Transport;
use pos_hal::tlv::{Padding, Tag, Tlv, display_value, find_bytes, lookup, parse_with};

const CAPK: &str = include_str!("../../assets/ca/capk.toml");

/// `pos card ...`
#[derive(Debug, clap::Subcommand)]
pub enum CardCmd {
    /// Run a transaction and print what the terminal reads from the card.
    Read(CardArgs),
    /// Run a transaction and print the APDU exchange with tags decoded (PAN masked).
    Trace(CardArgs),
}

#[derive(Debug, clap::Args)]
pub struct CardArgs {
    /// `sim:<profile>` (virtual card, in-process) or `pcsc:<reader name substring>`.
    #[arg(long, default_value = "sim:visa_credit")]
    pub reader: String,
    /// Amount in minor units.
    #[arg(long, default_value_t = 100)]
    pub amount: u64,
    /// Tap instead of insert.
    #[arg(long)]
    pub contactless: bool,
    /// PIN to enter when asked (bypassed when absent).
    #[arg(long)]
    pub pin: Option<String>,
}

/// One command/response pair as the kernel exchanged it.
type Exchange = (Vec<u8>, Vec<u8>);

pub fn run(cmd: CardCmd, out: &mut dyn Write) -> anyhow::Result<()> {
    let (args, trace) = match cmd {
        CardCmd::Read(a) => (a, false),
        CardCmd::Trace(a) => (a, true),
    };
    let (outcome, exchanges) = if let Some(profile) = args.reader.strip_prefix("sim:") {
        let card = EmvCard::builtin(profile).with_context(|| format!("card profile {profile}"))?;
        let (mut reader, handle) = SimReader::new("sim", 1);
        reader.start(std::time::Duration::from_secs(5))?;
        handle.insert(0, Box::new(T0Card::new(Box::new(card))));
        let name = reader
            .readers()?
            .first()
            .map(|r| r.name.clone())
            .context("no simulated reader")?;
        let mut session = reader.power_on(&name)?;
        transact(&mut *session, &args)?
    } else if let Some(filter) = args.reader.strip_prefix("pcsc:") {
        let mut reader = PcscReader::new(
            "card_reader",
            PcscSettings {
                reader_filter: filter.into(),
            },
        );
        reader.start(std::time::Duration::from_secs(5))?;
        let name = reader
            .readers()?
            .into_iter()
            .find(|r| r.card_present)
            .map(|r| r.name)
            .context("no card in any matching reader")?;
        let mut session = reader.power_on(&name)?;
        transact(&mut *session, &args)?
    } else {
        bail!("--reader must be sim:<profile> or pcsc:<name>");
    };
    if trace {
        print_trace(&exchanges, out)?;
    }
    print_summary(&outcome, &exchanges, out)?;
    Ok(())
}

fn transact(
    session: &mut dyn CardSession,
    args: &CardArgs,
) -> anyhow::Result<(Outcome, Vec<Exchange>)> {
    let aids = vec![
        AidConfig::new(&[0xA0, 0, 0, 0, 0x03]),
        AidConfig::new(&[0xA0, 0, 0, 0, 0x04]),
    ];
    let config = Arc::new(TerminalConfig::new(aids, CaKeyTable::from_toml(CAPK)?));
    let today = time::OffsetDateTime::now_utc();
    let bcd = |v: u8| ((v / 10) << 4) | (v % 10);
    let params = TransactionParams {
        interface: if args.contactless {
            Interface::Contactless
        } else {
            Interface::Contact
        },
        amount: args.amount,
        amount_other: 0,
        currency: [0x09, 0x78],
        currency_exponent: 2,
        date: [
            bcd((today.year() % 100) as u8),
            bcd(u8::from(today.month())),
            bcd(today.day()),
        ],
        time: [bcd(today.hour()), bcd(today.minute()), bcd(today.second())],
        transaction_type: 0,
        unpredictable_number: rand::random(),
        random_percent: rand::random::<u8>() % 100,
        force_online: false,
    };
    let mut transport = Transport::new(session);
    let mut issuer = TestIssuer::default();
    let mut kernel = Kernel::new(config, params);
    let mut exchanges = Vec::new();
    let mut action = kernel.start();
    loop {
        let event = match action {
            Action::SendApdu(c) => match transport.exchange_bytes(&c) {
                Ok(r) => {
                    let r = r.to_bytes();
                    exchanges.push((c, r.clone()));
                    Event::CardResponse(r)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "card exchange failed");
                    Event::CardRemoved
                }
            },
            Action::ChooseApplication(_) => Event::ApplicationChosen(0),
            Action::AskPin(PinRequest::Online) if args.pin.is_some() => {
                Event::Pin(PinEntry::OnlineBlock(vec![0; 8]))
            }
            Action::AskPin(_) => match &args.pin {
                Some(p) => Event::Pin(PinEntry::Offline(p.clone().into())),
                None => Event::PinBypassed,
            },
            Action::GoOnline(r) => issuer
                .authorise(&r)
                .map_or(Event::OnlineUnavailable, Event::Online),
            Action::ShowMessage(_) => Event::Acknowledged,
            Action::Done(o) => return Ok((*o, exchanges)),
        };
        action = kernel.handle(event);
    }
}

/// Every data object the card sent, in order.
fn card_objects(exchanges: &[Exchange]) -> Vec<Tlv> {
    exchanges
        .iter()
        .filter_map(|(_, r)| parse_with(&r[..r.len().saturating_sub(2)], Padding::ZerosAndFf).ok())
        .flatten()
        .collect()
}

fn print_trace(exchanges: &[Exchange], out: &mut dyn Write) -> anyhow::Result<()> {
    for (command, response) in exchanges {
        // VERIFY carries a PIN block: show the header only.
        let shown = if command.get(1) == Some(&0x20) {
            &command[..4.min(command.len())]
        } else {
            command
        };
        writeln!(
            out,
            "> {}{}",
            hexutil::encode(shown),
            if shown.len() < command.len() {
                " <PIN block>"
            } else {
                ""
            }
        )?;
        let (data, sw) = response.split_at(response.len().saturating_sub(2));
        writeln!(out, "< SW {}", hexutil::encode(sw))?;
        if let Ok(objects) = parse_with(data, Padding::ZerosAndFf) {
            print_objects(&objects, 1, out)?;
        } else if !data.is_empty() {
            writeln!(out, "    <{} bytes, not TLV>", data.len())?;
        }
    }
    Ok(())
}

fn print_objects(objects: &[Tlv], depth: usize, out: &mut dyn Write) -> anyhow::Result<()> {
    for o in objects {
        let name = lookup(o.tag).map_or("", |i| i.name);
        let pad = "  ".repeat(depth * 2);
        match o.bytes() {
            Some(v) => writeln!(out, "{pad}{} {name}: {}", o.tag, display_value(o.tag, v))?,
            None => {
                writeln!(out, "{pad}{} {name}", o.tag)?;
                print_objects(o.children(), depth + 1, out)?;
            }
        }
    }
    Ok(())
}

fn print_summary(o: &Outcome, exchanges: &[Exchange], out: &mut dyn Write) -> anyhow::Result<()> {
    let objects = card_objects(exchanges);
    let expiry = o
        .expiry
        .map(|e| format!("20{:02X}-{:02X}", e[0], e[1]))
        .unwrap_or_default();
    writeln!(out, "application  {} {}", hexutil::encode(&o.aid), o.label)?;
    writeln!(out, "pan          {}", o.masked_pan)?;
    writeln!(out, "expiry       {expiry}")?;
    writeln!(
        out,
        "cvm list     {}",
        cvm_list(find_bytes(&objects, Tag(0x8E)).unwrap_or_default())
    )?;
    writeln!(out, "oda          {}", oda(o))?;
    writeln!(
        out,
        "outcome      {:?}{}",
        o.decision,
        o.termination
            .as_ref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default()
    )?;
    writeln!(
        out,
        "tvr {}  tsi {}  cvm results {}  atc {}",
        hexutil::encode(&o.tvr),
        hexutil::encode(&o.tsi),
        hexutil::encode(&o.cvm_results),
        o.atc.map(|a| a.to_string()).unwrap_or_default()
    )?;
    writeln!(out, "apdus        {}", o.apdu_count)?;
    Ok(())
}

fn oda(o: &Outcome) -> &'static str {
    use pos_hal::emv::kernel::*;
    let failed = [SDA_FAILED, DDA_FAILED, CDA_FAILED]
        .iter()
        .any(|b| is_set(&o.tvr, *b));
    match (
        is_set(&o.tvr, ODA_NOT_PERFORMED),
        is_set(&o.tsi, TSI_ODA_PERFORMED),
        failed,
    ) {
        (true, _, _) => "not performed",
        (_, _, true) => "failed",
        (_, true, false) => "successful",
        _ => "not reached",
    }
}

/// The CVM list in words (EMV Book 3 C3).
fn cvm_list(list: &[u8]) -> String {
    if list.len() < 8 {
        return "absent".into();
    }
    let x = u32::from_be_bytes([list[0], list[1], list[2], list[3]]);
    let y = u32::from_be_bytes([list[4], list[5], list[6], list[7]]);
    let rules: Vec<String> = list[8..]
        .chunks_exact(2)
        .map(|r| {
            let method = match r[0] & 0x3F {
                0x00 => "fail",
                0x01 => "offline plaintext PIN",
                0x02 => "online PIN",
                0x03 => "offline plaintext PIN + signature",
                0x04 => "offline enciphered PIN",
                0x05 => "offline enciphered PIN + signature",
                0x1E => "signature",
                0x1F => "no CVM",
                _ => "unknown",
            };
            let next = if r[0] & 0x40 != 0 { ", else next" } else { "" };
            format!("{method} (cond {:02X}{next})", r[1])
        })
        .collect();
    format!("X={x} Y={y}: {}", rules.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_text(cmd: CardCmd) -> String {
        let mut out = Vec::new();
        run(cmd, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn args(reader: &str) -> CardArgs {
        CardArgs {
            reader: reader.into(),
            amount: 1234,
            contactless: false,
            pin: Some("1234".into()),
        }
    }

    #[test]
    fn read_prints_the_card_summary_with_the_pan_masked() {
        let text = run_text(CardCmd::Read(args("sim:visa_credit")));
        assert!(
            text.contains("application  A0000000031010 VISA CREDIT"),
            "{text}"
        );
        assert!(text.contains("pan          476173******0119"));
        assert!(text.contains("expiry       2029-12"));
        assert!(
            text.contains("online PIN (cond 03, else next); signature"),
            "{text}"
        );
        assert!(text.contains("oda          successful"));
        assert!(text.contains("outcome      ApprovedOnline"));
        assert!(!text.contains("4761739001010119"));
    }

    #[test]
    fn trace_decodes_tags_and_never_shows_pan_or_pin() {
        let text = run_text(CardCmd::Trace(args("sim:mc_debit")));
        assert!(text.contains("> 00A4040007A000000004101000"), "{text}");
        assert!(text.contains("5A Application PAN: 541333******0010"));
        assert!(text.contains("57 Track 2 Equivalent Data: 541333******0010D****"));
        assert!(text.contains("<PIN block>"));
        assert!(!text.contains("5413330089600010"));
        assert!(!text.contains("241234FF"), "no plaintext PIN block");
    }

    #[test]
    fn bad_reader_argument_is_refused() {
        let mut out = Vec::new();
        assert!(run(CardCmd::Read(args("usb:1")), &mut out).is_err());
        assert!(run(CardCmd::Read(args("sim:no_such_card")), &mut out).is_err());
    }
}
