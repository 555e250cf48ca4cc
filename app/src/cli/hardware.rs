//! Devices, simulators, cards and the acquirer link on the command line: thin adapters from
//! clap to the modules that own them (`devices`, `printing`, `card_emv`, `acquirer`).

use std::io::{self, Write};

use super::{CliError, Ctx};
use crate::acquirer::cli::{AcquirerCmd, SimAcquirerArgs};
use crate::card_emv::CardCmd;
use crate::devices::{DevicesCmd, SimCardArgs};
use crate::printing::{PrintCmd, PrintingError, ReceiptCmd, SimPrinterArgs};

/// `pos sim ...`: every simulated device a tester drives.
#[derive(Debug, clap::Subcommand)]
pub enum SimCmd {
    /// Serve a virtual card on pcscd's vpcd reader (EMV profiles from assets/cards, or the
    /// `test` card). Reads commands on stdin: insert, remove, remove-after N, mute, unmute,
    /// slow MS, malformed, quit.
    Card(SimCardArgs),
    /// A simulated ESC/POS receipt printer on TCP or a pty (stdin: paper out, cover open, ...).
    Printer(SimPrinterArgs),
    /// The simulated acquirer and issuer (ISO 8583 over TCP).
    Acquirer(SimAcquirerArgs),
}

/// Any module error at this edge is an I/O or data error (exit 3), its chain on one line.
fn data(e: anyhow::Error) -> CliError {
    CliError::Data(format!("{e:#}"))
}

pub fn devices(ctx: &Ctx, cmd: DevicesCmd) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    crate::devices::run_devices(cmd, &ctx.config.devices.registry(), ctx.json, &mut out)
        .map_err(data)
}

pub fn sim(cmd: SimCmd) -> Result<(), CliError> {
    match cmd {
        SimCmd::Card(args) => {
            let mut input = io::stdin().lock();
            let mut out = io::stdout().lock();
            crate::devices::run_sim(crate::devices::SimCmd::Card(args), &mut input, &mut out)
                .map_err(data)
        }
        SimCmd::Printer(args) => crate::printing::run_sim_printer(args).map_err(data),
        SimCmd::Acquirer(args) => {
            crate::acquirer::cli::run(crate::acquirer::cli::SimCmd::Acquirer(args)).map_err(data)
        }
    }
}

pub fn card(cmd: CardCmd) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    crate::card_emv::run(cmd, &mut out).map_err(data)?;
    out.flush()?;
    Ok(())
}

pub fn print(ctx: &Ctx, cmd: PrintCmd) -> Result<(), CliError> {
    let printer = ctx
        .config
        .devices
        .printer_config()
        .map_err(|e| CliError::Data(e.to_string()))?;
    crate::printing::run_print(cmd, &printer).map_err(data)
}

/// `pos receipt print RECEIPT`: an unknown receipt is refused (exit 1), a printer failure is
/// an I/O error (exit 3).
pub fn receipt(ctx: &Ctx, cmd: ReceiptCmd) -> Result<(), CliError> {
    let lane = ctx.lane()?;
    crate::printing::run_receipt(cmd, &lane).map_err(|e| match e {
        PrintingError::Service(e) => CliError::Service(e),
        other => CliError::Data(other.to_string()),
    })
}

pub fn acquirer(ctx: &Ctx, cmd: AcquirerCmd) -> Result<(), CliError> {
    let database = ctx.data_dir.join(crate::store::DB_FILE);
    let text =
        crate::acquirer::cli::run_lane(cmd, &ctx.config.acquirer, &database).map_err(data)?;
    println!("{text}");
    Ok(())
}
