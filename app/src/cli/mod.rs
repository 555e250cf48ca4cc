//! The `pos` command line: a thin shell over [`crate::services::Lane`]. Exit codes: 0 ok,
//! 1 refused by a business rule, 2 usage, 3 I/O or data error, always with a one-line
//! reason on stderr. `--json` prints machine-readable output on stdout.

mod admin;
mod backoffice;
mod catalog;
mod hardware;
mod report;
mod sale;
mod settle;

use crate::config::Config;
use crate::services::{ErrorKind, Lane, ServiceError};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "pos",
    version,
    about = "Point-of-sale terminal: run with no arguments for the touchscreen"
)]
pub struct Cli {
    /// Data directory (database, pos.toml). Default: the user's XDG data dir.
    #[arg(long, global = true, env = "POS_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    pub json: bool,
    /// User to act as.
    #[arg(long, global = true, env = "POS_USER")]
    pub user: Option<String>,
    /// That user's PIN.
    #[arg(long, global = true, env = "POS_PIN", hide_env_values = true)]
    pub pin: Option<String>,
    /// With no command: run the touchscreen full-screen, without window decorations.
    #[arg(long)]
    pub kiosk: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Creates the data directory, config file and database; `--demo` loads demo data.
    Init(admin::InitArgs),
    /// Catalog import, export, search and synthetic generation.
    #[command(subcommand)]
    Catalog(catalog::CatalogCmd),
    /// One scripted sale.
    Sale(sale::SaleArgs),
    /// Closes the card batch with the acquirer and reconciles it with the journal.
    Settle(settle::SettleArgs),
    /// Refunds (part of) a sale: needs a manager.
    Refund(sale::RefundArgs),
    /// Voids a completed sale: needs a manager.
    Void(sale::VoidArgs),
    /// Shift: open, cash in/out, no-sale, close.
    #[command(subcommand)]
    Shift(admin::ShiftCmd),
    /// Stock adjustments: needs a manager.
    #[command(subcommand)]
    Stock(catalog::StockCmd),
    /// Reports: X, Z, sales by period.
    #[command(subcommand)]
    Report(report::ReportCmd),
    /// The hash-chained journal.
    #[command(subcommand)]
    Journal(report::JournalCmd),
    /// Users.
    #[command(subcommand)]
    User(admin::UserCmd),
    /// Customers.
    #[command(subcommand)]
    Customer(admin::CustomerCmd),
    /// Prints the settings in force (file + environment + defaults).
    Config,
    /// Measures lookups and search on the current catalog (p50/p99).
    Bench(report::BenchArgs),
    /// Configured and discovered devices; card and reader events as they happen.
    #[command(subcommand)]
    Devices(crate::devices::DevicesCmd),
    /// Simulated devices for testers: card on pcscd's virtual reader, printer, acquirer.
    #[command(subcommand)]
    Sim(hardware::SimCmd),
    /// Read the card in a reader: what the terminal sees, or the APDU trace (PAN masked).
    #[command(subcommand)]
    Card(crate::card_emv::CardCmd),
    /// The receipt printer: test page.
    #[command(subcommand)]
    Print(crate::printing::PrintCmd),
    /// Receipts: reprint a stored sale, refund or void (marked COPY).
    #[command(subcommand)]
    Receipt(crate::printing::ReceiptCmd),
    /// The acquirer link: echo test, recovery of unfinished authorizations, status.
    #[command(subcommand)]
    Acquirer(crate::acquirer::cli::AcquirerCmd),
    /// Sync with the back office: queue status, push now.
    #[command(subcommand)]
    Sync(crate::sync::cli::SyncCmd),
    /// The back office (HQ) service and its administration.
    Hq(Box<crate::sync::cli::HqArgs>),
}

/// Why a command failed, and so which exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Data(String),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<crate::store::StoreError> for CliError {
    fn from(e: crate::store::StoreError) -> Self {
        CliError::Service(e.into())
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Data(e.to_string())
    }
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            CliError::Refused(_) => 1,
            CliError::Usage(_) => 2,
            CliError::Data(_) => 3,
            CliError::Service(e) => match e.kind() {
                ErrorKind::Refused => 1,
                ErrorKind::BadInput => 2,
                ErrorKind::Data => 3,
            },
        }
    }
}

/// What every command gets: the parsed globals and the settings.
#[derive(Debug)]
pub struct Ctx {
    pub data_dir: PathBuf,
    pub json: bool,
    pub user: Option<String>,
    pub pin: Option<String>,
    pub config: Config,
}

impl Ctx {
    /// Opens the lane (the database must exist: `pos init` first).
    pub fn lane(&self) -> Result<Lane, CliError> {
        if !self.data_dir.join(crate::store::DB_FILE).exists() {
            return Err(CliError::Data(format!(
                "no database in {}: run `pos init` (or `pos init --demo`) first",
                self.data_dir.display()
            )));
        }
        Ok(Lane::open(&self.data_dir, self.config.clone())?)
    }

    /// Opens the lane and logs in with --user/--pin.
    pub fn session(&self) -> Result<Lane, CliError> {
        let mut lane = self.lane()?;
        let (Some(user), Some(pin)) = (&self.user, &self.pin) else {
            return Err(CliError::Refused(
                "log in with --user NAME --pin PIN (or POS_USER / POS_PIN)".into(),
            ));
        };
        lane.login(user, pin)?;
        Ok(lane)
    }

    /// Prints `value` as JSON with --json, else `text`.
    pub fn print<T: serde::Serialize>(
        &self,
        value: &T,
        text: impl FnOnce() -> String,
    ) -> Result<(), CliError> {
        if self.json {
            let s =
                serde_json::to_string_pretty(value).map_err(|e| CliError::Data(e.to_string()))?;
            println!("{s}");
        } else {
            print!("{}", text());
        }
        Ok(())
    }
}

fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "pos")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".pos"))
}

/// Runs the command line; the returned code is the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("POS_LOG"))
        .with_writer(std::io::stderr)
        .try_init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let line = e.to_string().replace('\n', " ");
            eprintln!("pos: {line}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Dispatches one parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    let data_dir = cli.data_dir.unwrap_or_else(default_data_dir);
    let config =
        Config::load(&data_dir, std::env::vars()).map_err(|e| CliError::Data(e.to_string()))?;
    let ctx = Ctx {
        data_dir,
        json: cli.json,
        user: cli.user,
        pin: cli.pin,
        config,
    };
    let Some(command) = cli.command else {
        return touchscreen(&ctx, cli.kiosk);
    };
    match command {
        Command::Init(a) => admin::init(&ctx, a),
        Command::Catalog(c) => catalog::run(&ctx, c),
        Command::Stock(c) => catalog::stock(&ctx, c),
        Command::Sale(a) => sale::sale(&ctx, a),
        Command::Settle(a) => settle::run(&ctx, a),
        Command::Refund(a) => sale::refund(&ctx, a),
        Command::Void(a) => sale::void(&ctx, a),
        Command::Shift(c) => admin::shift(&ctx, c),
        Command::Report(c) => report::report(&ctx, c),
        Command::Journal(c) => report::journal(&ctx, c),
        Command::User(c) => admin::user(&ctx, c),
        Command::Customer(c) => admin::customer(&ctx, c),
        Command::Config => admin::config(&ctx),
        Command::Bench(a) => report::bench(&ctx, a),
        Command::Devices(c) => hardware::devices(&ctx, c),
        Command::Sim(c) => hardware::sim(c),
        Command::Card(c) => hardware::card(c),
        Command::Print(c) => hardware::print(&ctx, c),
        Command::Receipt(c) => hardware::receipt(&ctx, c),
        Command::Acquirer(c) => hardware::acquirer(&ctx, c),
        Command::Sync(c) => backoffice::sync(&ctx, c),
        Command::Hq(a) => backoffice::hq(&ctx, *a),
    }
}

/// `pos` with no command: the touchscreen on this data dir (created and seeded with the demo
/// catalog and users on first start).
fn touchscreen(ctx: &Ctx, kiosk: bool) -> Result<(), CliError> {
    let data_dir = ctx.data_dir.as_path();
    // The window system refuses to start without a display, and iced panics on that: say it.
    if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
        return Err(CliError::Data(
            "no display for the touchscreen (DISPLAY is not set); see `pos --help` for the CLI"
                .into(),
        ));
    }
    let options = crate::ui::Options::for_data_dir(data_dir, kiosk).map_err(|e| match e {
        crate::ui::StartError::Services(e) => CliError::Service(e),
        other => CliError::Data(other.to_string()),
    })?;
    // The back-office link runs beside the UI for as long as the window is open.
    let _sync = start_sync_worker(data_dir, &ctx.config)?;
    crate::ui::run(options).map_err(|e| CliError::Data(format!("cannot open the window: {e}")))
}

/// Starts the sync worker when `[sync] hq_url` is set; dropping the handle stops it.
fn start_sync_worker(
    data_dir: &std::path::Path,
    config: &Config,
) -> Result<Option<crate::sync::worker::WorkerThread>, CliError> {
    use crate::sync::{client::HqClient, worker};
    if !config.sync.enabled() {
        return Ok(None);
    }
    let failed = |what: &str, e: &dyn std::fmt::Display| CliError::Data(format!("{what}: {e}"));
    let conn = rusqlite::Connection::open(data_dir.join(crate::store::DB_FILE))
        .map_err(|e| failed("sync worker cannot open the database", &e))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| failed("sync worker", &e))?;
    let client = HqClient::new(
        &config.sync.hq_url,
        &config.sync.lane_token,
        config.sync.timeout(),
    )
    .map_err(|e| failed("[sync] hq_url", &e))?;
    let lane_worker =
        worker::LaneWorker::new(conn, client, config.sync.worker_settings(&config.lane.id));
    worker::WorkerThread::spawn(lane_worker)
        .map(Some)
        .map_err(|e| failed("cannot start the sync worker", &e))
}

/// Parses a money or quantity argument.
pub(crate) fn decimal(s: &str, what: &str) -> Result<rust_decimal::Decimal, CliError> {
    s.trim()
        .parse()
        .map_err(|_| CliError::Usage(format!("{what} {s:?} is not a number")))
}
