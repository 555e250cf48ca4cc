//! `pos sim acquirer --listen ADDR` (the simulated acquirer for testers) and the lane-side
//! `pos acquirer echo|recover|status` commands. The lead wires these enums into the CLI.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use time::OffsetDateTime;

use super::config::AcquirerConfig;
use super::host::server::HostServer;
use super::host::{Faults, Host, HostConfig};
use super::iso8583::Mti;
use crate::payment::PaymentLink;
use crate::payment::store::PaymentStore;

#[derive(Debug, clap::Subcommand)]
pub enum SimCmd {
    /// Run the simulated acquirer and issuer (ISO 8583 over TCP, 2-byte length framing).
    Acquirer(SimAcquirerArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct SimAcquirerArgs {
    /// Address to listen on; port 0 picks a free port (printed on stdout).
    #[arg(long, default_value = "127.0.0.1:8583")]
    pub listen: String,
    /// Wait this long before every answer.
    #[arg(long, default_value_t = 0)]
    pub delay_ms: u64,
    /// Process requests but never answer.
    #[arg(long)]
    pub no_answer: bool,
    /// Process requests, then close the connection.
    #[arg(long)]
    pub drop_after_request: bool,
    /// Answer with bytes that do not decode.
    #[arg(long)]
    pub malformed_answer: bool,
    /// Apply the faults only to this request MTI (e.g. 0100).
    #[arg(long, value_parser = parse_mti)]
    pub fault_only: Option<Mti>,
    /// Approvals per card per minute before declining with 65.
    #[arg(long, default_value_t = 20)]
    pub velocity_limit: u32,
}

fn parse_mti(text: &str) -> Result<Mti, String> {
    u16::from_str_radix(text, 16)
        .ok()
        .and_then(|raw| Mti::from_bcd(raw).ok())
        .ok_or_else(|| format!("{text} is not a supported MTI"))
}

/// Starts the simulator in the background (what `run` does before blocking).
pub fn start_sim_acquirer(args: &SimAcquirerArgs) -> anyhow::Result<HostServer> {
    let mut config = HostConfig::demo();
    config.rules.velocity_limit = args.velocity_limit;
    let mut host = Host::new(config);
    host.set_faults(Faults {
        delay: Duration::from_millis(args.delay_ms),
        no_answer: args.no_answer,
        drop_after_request: args.drop_after_request,
        malformed_answer: args.malformed_answer,
        only: args.fault_only,
    });
    HostServer::start(args.listen.as_str(), host)
        .with_context(|| format!("cannot listen on {}", args.listen))
}

pub fn run(cmd: SimCmd) -> anyhow::Result<()> {
    match cmd {
        SimCmd::Acquirer(args) => {
            let server = start_sim_acquirer(&args)?;
            println!("simulated acquirer listening on {}", server.local_addr());
            server.wait();
            Ok(())
        }
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum AcquirerCmd {
    /// Send an 0800 echo test to the configured acquirer.
    Echo,
    /// Reverse unfinished authorizations and forward queued advices (run at lane start).
    Recover,
    /// Show pending reversals, queued advices and the open batch.
    Status,
}

/// Runs a lane-side command against the payment tables in `database`.
pub fn run_lane(
    cmd: AcquirerCmd,
    config: &AcquirerConfig,
    database: &Path,
) -> anyhow::Result<String> {
    let store = PaymentStore::open(database).context("cannot open the payment store")?;
    let mut link = PaymentLink::new(config.clone(), store)?;
    let now = OffsetDateTime::now_utc();
    Ok(match cmd {
        AcquirerCmd::Echo => {
            if link.echo(now)? {
                format!("acquirer at {} answered", config.address)
            } else {
                anyhow::bail!("acquirer at {} did not answer", config.address)
            }
        }
        AcquirerCmd::Recover => {
            let report = link.recover(now)?;
            format!(
                "reversals acknowledged {}, pending {}; advices forwarded {}, remaining {}",
                report.reversals.acknowledged,
                report.reversals.pending,
                report.advices.forwarded,
                report.advices.remaining
            )
        }
        AcquirerCmd::Status => {
            let store = link.store();
            format!(
                "pending reversals {}, queued advices {}, open batch lines {}",
                store.pending_count()?,
                store.queued_advices()?.len(),
                store.open_batch()?.len()
            )
        }
    })
}
