//! `pos hq …` (the HQ service and its admin) and `pos sync status|now` (the lane side).
//! The lead wires these into the `pos` command; errors carry the typed cause for exit codes.

use super::client::HqClient;
use super::config::SyncConfig;
use super::hq::{HqDb, report, sales_report};
use super::lane_store;
use super::protocol::{ChangeBody, ItemChange, UserChange};
use super::worker::LaneWorker;
use anyhow::Context;
use rust_decimal::Decimal;
use std::net::SocketAddr;
use std::path::Path;

/// `pos hq --listen ADDR --database URL` serves; the subcommands administer HQ's database.
#[derive(clap::Args)]
pub struct HqArgs {
    /// HQ's database: postgres://USER@HOST:PORT/DB or sqlite://PATH.
    #[arg(long, env = "POS_HQ_DATABASE", global = true)]
    pub database: Option<String>,
    /// Serve the lanes on this address (e.g. 0.0.0.0:8080).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    #[command(subcommand)]
    pub action: Option<HqAction>,
}

impl std::fmt::Debug for HqArgs {
    // The database URL may carry a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HqArgs")
            .field("database", &self.database.as_ref().map(|_| "<set>"))
            .field("listen", &self.listen)
            .field("action", &self.action)
            .finish()
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum HqAction {
    /// Register a lane and print its token (shown once; HQ keeps only its hash).
    AddLane {
        lane_id: String,
        #[arg(long)]
        store: String,
    },
    /// Refuse every further request with this lane's token.
    RevokeLane { lane_id: String },
    /// Publish a new price for an item to every lane.
    SetPrice { sku: String, price: Decimal },
    /// Publish a new or edited item to every lane.
    PutItem {
        sku: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        category: String,
        #[arg(long)]
        price: Decimal,
        #[arg(long, default_value = "standard")]
        tax_class: String,
        #[arg(long, default_value = "each", value_parser = ["each", "kg"])]
        unit: String,
        #[arg(long)]
        gtin: Option<String>,
        #[arg(long)]
        inactive: bool,
    },
    /// Publish a tax class's rate in percent (20 for 20 %) to every lane.
    SetTaxRate { tax_class: String, percent: Decimal },
    /// Publish a user to every lane; reads the PIN (4-8 digits) from the first line of stdin
    /// and publishes only its argon2 hash.
    PutUser {
        name: String,
        #[arg(long, value_parser = ["cashier", "manager"])]
        role: String,
        #[arg(long)]
        inactive: bool,
    },
    /// Sales and refunds in [FROM, TO) across lanes and stores: the lane's `pos report sales`
    /// columns with store and lane in front.
    Sales {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        csv: Option<std::path::PathBuf>,
    },
    /// Events and totals across lanes (or stores), as a table or CSV.
    Report {
        #[arg(long)]
        by_store: bool,
        #[arg(long)]
        csv: bool,
    },
}

/// Runs `pos hq`. Blocks while serving, until Ctrl-C.
pub fn run_hq(args: HqArgs, json: bool) -> anyhow::Result<()> {
    let database = args
        .database
        .context("--database (or POS_HQ_DATABASE) is required")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let db = HqDb::open(&database).await?;
        match (args.listen, args.action) {
            (Some(addr), None) => serve(addr, db).await,
            (None, Some(action)) => admin(&db, action, json).await,
            _ => anyhow::bail!("give either --listen ADDR or one subcommand"),
        }
    })
}

async fn serve(addr: SocketAddr, db: HqDb) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(%addr, "HQ listening");
    let shutdown = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot wait for Ctrl-C");
        }
    };
    super::hq::server::serve(listener, db, shutdown).await?;
    Ok(())
}

async fn admin(db: &HqDb, action: HqAction, json: bool) -> anyhow::Result<()> {
    let published = |version: i64| {
        if json {
            println!("{}", serde_json::json!({ "version": version }));
        } else {
            println!("published as catalog version {version}");
        }
    };
    match action {
        HqAction::AddLane { lane_id, store } => {
            let token = db.add_lane(&lane_id, &store).await?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "lane_id": lane_id, "token": token })
                );
            } else {
                println!("{token}");
            }
        }
        HqAction::RevokeLane { lane_id } => db.revoke_lane(&lane_id).await?,
        HqAction::SetPrice { sku, price } => {
            published(db.publish(&ChangeBody::Price { sku, price }).await?);
        }
        HqAction::PutItem {
            sku,
            name,
            category,
            price,
            tax_class,
            unit,
            gtin,
            inactive,
        } => {
            let item = ItemChange {
                sku,
                gtin,
                name,
                category,
                price,
                tax_class,
                unit,
                active: !inactive,
            };
            published(db.publish(&ChangeBody::Item(item)).await?);
        }
        HqAction::SetTaxRate { tax_class, percent } => {
            published(
                db.publish(&ChangeBody::TaxRate { tax_class, percent })
                    .await?,
            );
        }
        HqAction::PutUser {
            name,
            role,
            inactive,
        } => {
            let mut pin = String::new();
            std::io::stdin()
                .read_line(&mut pin)
                .context("cannot read the PIN from stdin")?;
            let user = UserChange {
                name,
                role,
                pin_hash: hash_pin(pin.trim())?,
                active: !inactive,
            };
            published(db.publish(&ChangeBody::User(user)).await?);
        }
        HqAction::Sales { from, to, csv } => {
            let (rows, unreadable) = db.sales(&from, &to).await?;
            if let Some(path) = csv {
                let file = std::fs::File::create(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                sales_report::write_csv(&rows, file)?;
            }
            if unreadable > 0 {
                tracing::warn!(unreadable, "events HQ could not read as a sale or refund");
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                let completed = rows.iter().filter(|r| r.status == "completed");
                let total: Decimal = completed.map(|r| r.total).sum();
                println!("{} documents, completed total {total}", rows.len());
            }
        }
        HqAction::Report { by_store, csv } => {
            let mut rows = db.report().await?;
            if by_store {
                rows = report::by_store(&rows);
            }
            if csv {
                report::write_csv(&rows, std::io::stdout().lock())?;
            } else if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                for r in rows {
                    println!(
                        "{:<12} {:<12} {:<14} {:>8} {:>14}",
                        r.store_id, r.lane_id, r.kind, r.events, r.total
                    );
                }
            }
        }
    }
    Ok(())
}

/// `pos sync …`
#[derive(Debug, clap::Subcommand)]
pub enum SyncCmd {
    /// Queue depth, parked events, last successful push and pull, last error, HQ's tax rates.
    Status,
    /// Push the whole queue now (ignoring backoff), then pull HQ's changes.
    Now,
    /// Put an event HQ refused for good (parked) back in the queue, once its cause is fixed:
    /// needs a manager.
    #[command(group(clap::ArgGroup::new("which").required(true).args(["event_id", "all_parked"])))]
    Retry {
        /// The parked event's id (as `pos sync status` lists it).
        event_id: Option<uuid::Uuid>,
        /// Every parked event.
        #[arg(long)]
        all_parked: bool,
    },
}

/// `pos sync status --json`: the status with the parked events and HQ's tax rates.
#[derive(Debug, serde::Serialize)]
struct StatusReport {
    #[serde(flatten)]
    status: lane_store::SyncStatus,
    parked_events: Vec<lane_store::ParkedEvent>,
    /// Class -> percent published by HQ; in force over `[tax] rates` of pos.toml.
    hq_tax_rates: std::collections::BTreeMap<String, Decimal>,
}

fn print_status(conn: &rusqlite::Connection, json: bool) -> anyhow::Result<()> {
    let report = StatusReport {
        status: lane_store::status(conn)?,
        parked_events: lane_store::parked(conn)?,
        hq_tax_rates: lane_store::hq_tax_rates(conn)?,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let status = &report.status;
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "never".into());
    println!("queue depth:     {}", status.queue_depth);
    println!("parked:          {}", status.parked);
    println!("last push ok:    {}", show(&status.last_push_ok_at));
    println!("last pull ok:    {}", show(&status.last_pull_ok_at));
    println!("catalog version: {}", status.catalog_version);
    if let Some(next) = &status.next_attempt_at {
        println!("next attempt:    {next}");
    }
    if let Some(error) = &status.last_error {
        println!("last error:      {error}");
    }
    if !report.hq_tax_rates.is_empty() {
        let rates: Vec<String> = report
            .hq_tax_rates
            .iter()
            .map(|(class, percent)| format!("{class} {percent}%"))
            .collect();
        println!(
            "tax from HQ:     {} (in force over [tax] rates of pos.toml)",
            rates.join(", ")
        );
    }
    if !report.parked_events.is_empty() {
        println!("parked events (refused by HQ; fix the cause, then `pos sync retry`):");
        for p in &report.parked_events {
            println!(
                "  {} seq {} {} parked {}: {}",
                p.event_id, p.seq, p.kind, p.parked_at, p.reason
            );
        }
    }
    Ok(())
}

/// Runs `pos sync` on the lane database at `database`.
pub fn run_sync(
    cmd: SyncCmd,
    database: &Path,
    lane_id: &str,
    config: &SyncConfig,
    json: bool,
) -> anyhow::Result<()> {
    let conn = rusqlite::Connection::open(database)
        .with_context(|| format!("cannot open {}", database.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    match cmd {
        SyncCmd::Status => print_status(&conn, json),
        SyncCmd::Retry {
            event_id,
            all_parked,
        } => {
            let mut conn = conn;
            let target = if all_parked { None } else { event_id };
            let count = lane_store::retry_parked(&mut conn, target)?;
            if json {
                println!("{}", serde_json::json!({ "requeued": count }));
            } else {
                println!("{count} parked events back in the queue");
            }
            Ok(())
        }
        SyncCmd::Now => {
            anyhow::ensure!(
                config.enabled(),
                "sync is off: set [sync] hq_url in pos.toml"
            );
            let client = HqClient::new(&config.hq_url, &config.lane_token, config.timeout())?;
            let mut worker = LaneWorker::new(conn, client, config.worker_settings(lane_id));
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let report = runtime.block_on(worker.sync_now())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "delivered {} events; catalog version {}",
                    report.delivered, report.catalog_version
                );
                if report.parked > 0 {
                    println!(
                        "parked {} events HQ refused for good (see `pos sync status`)",
                        report.parked
                    );
                }
            }
            if let Some(error) = report.push_error.or(report.pull_error) {
                return Err(anyhow::Error::new(HqUnreachable(error)));
            }
            Ok(())
        }
    }
}

/// `pos sync now` could not finish; what is left stays queued (exit code 3: I/O).
#[derive(Debug, thiserror::Error)]
#[error("sync incomplete: {0}")]
pub struct HqUnreachable(pub String);

/// The argon2id PHC hash of a 4-8 digit PIN; the PIN itself goes no further.
fn hash_pin(pin: &str) -> anyhow::Result<String> {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    anyhow::ensure!(
        (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()),
        "a PIN is 4 to 8 digits"
    );
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the PIN: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::hq::server;

    /// The shape the lead wires into `pos`: `pos hq ...` and `pos sync ...`.
    #[derive(Debug, clap::Parser)]
    struct Pos {
        #[command(subcommand)]
        command: PosCommand,
    }

    #[derive(Debug, clap::Subcommand)]
    enum PosCommand {
        // Boxed: HqArgs is large next to the other commands (clippy::large_enum_variant).
        Hq(Box<HqArgs>),
        #[command(subcommand)]
        Sync(SyncCmd),
    }

    #[test]
    fn the_commands_parse_as_documented() {
        use clap::{CommandFactory, Parser};
        Pos::command().debug_assert();
        let serve = Pos::try_parse_from([
            "pos",
            "hq",
            "--listen",
            "127.0.0.1:8080",
            "--database",
            "postgres://hq@db/hq",
        ])
        .unwrap();
        let PosCommand::Hq(args) = serve.command else {
            panic!()
        };
        assert!(args.listen.is_some() && args.action.is_none());
        let add = [
            "pos",
            "hq",
            "add-lane",
            "lane-1",
            "--store",
            "s1",
            "--database",
            "sqlite://x",
        ];
        let PosCommand::Hq(args) = Pos::try_parse_from(add).unwrap().command else {
            panic!()
        };
        assert!(matches!(args.action, Some(HqAction::AddLane { .. })));
        assert_eq!(args.database.as_deref(), Some("sqlite://x"));
        let sales = [
            "pos",
            "hq",
            "sales",
            "--from",
            "2026-11-01",
            "--to",
            "2026-12-01",
        ];
        assert!(Pos::try_parse_from(sales).is_ok());
        assert!(Pos::try_parse_from(["pos", "hq", "set-price", "A1", "abc"]).is_err());
        assert!(Pos::try_parse_from(["pos", "sync", "now"]).is_ok());
        assert!(Pos::try_parse_from(["pos", "sync", "status"]).is_ok());
    }

    fn hq_args(url: &str, action: HqAction) -> HqArgs {
        HqArgs {
            database: Some(url.to_owned()),
            listen: None,
            action: Some(action),
        }
    }

    #[test]
    fn admin_commands_write_to_the_hq_database_and_refuse_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("hq.sqlite").display());
        let add = HqAction::AddLane {
            lane_id: "lane-1".into(),
            store: "store-1".into(),
        };
        run_hq(hq_args(&url, add), true).unwrap();
        let price = HqAction::SetPrice {
            sku: "A1".into(),
            price: Decimal::new(125, 2),
        };
        run_hq(hq_args(&url, price), false).unwrap();
        let tax = HqAction::SetTaxRate {
            tax_class: "standard".into(),
            percent: Decimal::new(19, 0),
        };
        run_hq(hq_args(&url, tax), false).unwrap();
        let negative = HqAction::SetPrice {
            sku: "A1".into(),
            price: Decimal::new(-1, 0),
        };
        assert!(run_hq(hq_args(&url, negative), false).is_err());
        let again = HqAction::AddLane {
            lane_id: "lane-1".into(),
            store: "store-1".into(),
        };
        assert!(run_hq(hq_args(&url, again), false).is_err());

        let runtime = tokio::runtime::Runtime::new().unwrap();
        let db = runtime.block_on(HqDb::open(&url)).unwrap();
        let pull = runtime.block_on(db.pull(0, 10)).unwrap();
        assert_eq!(
            pull.latest_version, 2,
            "the refused price was not published"
        );

        let neither = HqArgs {
            database: Some(url.clone()),
            listen: None,
            action: None,
        };
        assert!(run_hq(neither, false).is_err());
        let no_db = HqArgs {
            database: None,
            listen: None,
            action: None,
        };
        assert!(
            run_hq(no_db, false)
                .unwrap_err()
                .to_string()
                .contains("--database")
        );
    }

    #[test]
    fn sync_now_drains_a_store_to_a_live_hq_and_status_shows_it() {
        let dir = tempfile::tempdir().unwrap();
        let lane_path = dir.path().join("lane.sqlite");
        let mut store = crate::store::Store::open(&lane_path).unwrap();
        let mut demo = crate::services::DEMO_CATALOG.as_bytes();
        let all = crate::store::ImportMode::AllOrNothing;
        store.import_catalog(&mut demo, all, None).unwrap();
        drop(store);

        let runtime = tokio::runtime::Runtime::new().unwrap();
        let url = format!("sqlite://{}", dir.path().join("hq.sqlite").display());
        let (db, addr) = runtime.block_on(async {
            let db = HqDb::open(&url).await.unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(server::serve(listener, db.clone(), std::future::pending()));
            (db, addr)
        });
        let token = runtime.block_on(db.add_lane("lane1", "store1")).unwrap();
        let off = SyncConfig::default();
        let err = run_sync(SyncCmd::Now, &lane_path, "lane1", &off, false).unwrap_err();
        assert!(err.to_string().contains("hq_url"));

        let on = SyncConfig {
            hq_url: format!("http://{addr}"),
            lane_token: token,
            ..off
        };
        let conn = rusqlite::Connection::open(&lane_path).unwrap();
        let queued = lane_store::status(&conn).unwrap().queue_depth;
        assert!(queued > 0, "the import queued an event");
        run_sync(SyncCmd::Now, &lane_path, "lane1", &on, true).unwrap();
        run_sync(SyncCmd::Status, &lane_path, "lane1", &on, false).unwrap();
        let status = lane_store::status(&conn).unwrap();
        assert_eq!(status.queue_depth, 0);
        assert!(status.last_push_ok_at.is_some() && status.last_pull_ok_at.is_some());
        let held = runtime.block_on(db.event_counts()).unwrap().0;
        assert_eq!(u64::try_from(held).unwrap(), queued);

        let wrong = SyncConfig {
            lane_token: "nope".into(),
            ..on
        };
        let mut store = crate::store::Store::open(&lane_path).unwrap();
        let bob = store
            .add_user("bob", crate::store::Role::Manager, "1357")
            .unwrap();
        store
            .adjust_stock("SKU-01001", Decimal::ONE, bob, "found one")
            .unwrap();
        drop(store);
        let err = run_sync(SyncCmd::Now, &lane_path, "lane1", &wrong, false).unwrap_err();
        assert!(err.downcast_ref::<HqUnreachable>().is_some(), "{err}");
        assert_eq!(
            lane_store::status(&conn).unwrap().queue_depth,
            1,
            "nothing lost"
        );
    }
}
