//! `pos init`, `pos shift ...`, `pos user ...`, `pos customer ...`.

use super::{CliError, Ctx, decimal};
use crate::services::{DEMO_USERS, Lane};
use crate::store::Role;
use clap::{Args, Subcommand};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Load the demo catalog and the demo users (manager/9999, cashier/1111).
    #[arg(long)]
    pub demo: bool,
    /// Create this first manager (with --manager-pin) when there are no users.
    #[arg(long, requires = "manager_pin")]
    pub manager: Option<String>,
    #[arg(long)]
    pub manager_pin: Option<String>,
}

pub fn init(ctx: &Ctx, a: InitArgs) -> Result<(), CliError> {
    let (mut lane, report) = Lane::init(&ctx.data_dir, ctx.config.clone(), a.demo)?;
    if let (Some(name), Some(pin)) = (&a.manager, &a.manager_pin)
        && lane.users()?.is_empty()
    {
        lane.add_first_manager(name, pin)?;
    }
    let imported = report.as_ref().map_or(0, |r| r.imported);
    let doc = serde_json::json!({
        "data_dir": ctx.data_dir, "items_imported": imported,
        "items": lane.store().item_count()?, "users": lane.users()?.len(),
    });
    ctx.print(&doc, || {
        let mut s = format!("initialised {}\n", ctx.data_dir.display());
        if a.demo {
            s += &format!("demo catalog: {imported} items imported\n");
            for u in DEMO_USERS {
                s += &format!("demo user {} ({}) PIN {}\n", u.name, u.role.as_str(), u.pin);
            }
        }
        s
    })
}

#[derive(Debug, Subcommand)]
pub enum ShiftCmd {
    /// Opens a shift with a cash float.
    Open {
        #[arg(long = "float")]
        float: String,
    },
    /// Cash put into the drawer.
    CashIn {
        #[arg(long)]
        amount: String,
        #[arg(long)]
        reason: String,
    },
    /// Cash taken out of the drawer.
    CashOut {
        #[arg(long)]
        amount: String,
        #[arg(long)]
        reason: String,
    },
    /// Opens the drawer without a sale: needs a manager.
    NoSale {
        #[arg(long, default_value = "no sale")]
        reason: String,
        #[arg(long)]
        manager_pin: Option<String>,
    },
    /// Closes the shift with the counted cash (`--count 20x3 --count 0.50x4`) and prints
    /// the numbered Z report.
    Close {
        #[arg(long = "count", value_name = "DENOMxCOUNT")]
        counts: Vec<String>,
    },
}

fn parse_count(s: &str) -> Result<(Decimal, u32), CliError> {
    let (d, n) = s.split_once(['x', 'X', '*']).ok_or_else(|| {
        CliError::Usage(format!("count {s:?} is not DENOMINATIONxCOUNT (e.g. 20x3)"))
    })?;
    let n = n
        .trim()
        .parse()
        .map_err(|_| CliError::Usage(format!("count {s:?}: {n:?} is not a whole number")))?;
    Ok((decimal(d, "denomination")?, n))
}

pub fn shift(ctx: &Ctx, c: ShiftCmd) -> Result<(), CliError> {
    let mut lane = ctx.session()?;
    match c {
        ShiftCmd::Open { float } => {
            let s = lane.open_shift(decimal(&float, "float")?)?;
            ctx.print(&s, || {
                format!("shift {} open, float {}\n", s.id, s.opening_float)
            })
        }
        ShiftCmd::CashIn { amount, reason } => {
            lane.cash_in(decimal(&amount, "amount")?, &reason)?;
            ctx.print(&serde_json::json!({"ok": true}), || {
                format!("cash in {amount}\n")
            })
        }
        ShiftCmd::CashOut { amount, reason } => {
            lane.cash_out(decimal(&amount, "amount")?, &reason)?;
            ctx.print(&serde_json::json!({"ok": true}), || {
                format!("cash out {amount}\n")
            })
        }
        ShiftCmd::NoSale {
            reason,
            manager_pin,
        } => {
            lane.no_sale(&reason, manager_pin.as_deref())?;
            if crate::printing::cli_prints_on(&ctx.config.devices.printer)
                && crate::printing::drawer_on_printer(&ctx.config)
            {
                let drawer = crate::printing::PrinterConfig::from_config(&ctx.config)
                    .and_then(|printer| crate::printing::open_drawer(&printer));
                drawer.map_err(|e| {
                    CliError::Data(format!(
                        "no-sale recorded, but the drawer did not open: {e}"
                    ))
                })?;
            }
            ctx.print(&serde_json::json!({"ok": true}), || {
                "drawer opened (no sale)\n".into()
            })
        }
        ShiftCmd::Close { counts } => {
            let counted = counts
                .iter()
                .map(|s| parse_count(s))
                .collect::<Result<Vec<_>, _>>()?;
            let z = lane.close_shift(&counted)?;
            ctx.print(&z, || {
                format!(
                    "Z report {} (shift {})\nsales {} = {}\nrefunds {} = {}\nexpected cash {}\ncounted cash {}\ndifference {}\n",
                    z.no,
                    z.shift_id,
                    z.totals.sales_count,
                    z.totals.sales_total,
                    z.totals.refunds_count,
                    z.totals.refunds_total,
                    z.totals.expected_cash,
                    z.counted_cash,
                    z.difference
                )
            })
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Adds a user (managers only).
    Add {
        name: String,
        #[arg(long, value_parser = ["cashier", "manager"])]
        role: String,
        /// The new user's PIN (4-8 digits).
        #[arg(long)]
        new_pin: String,
        #[arg(long)]
        manager_pin: Option<String>,
    },
    /// Lists users.
    List,
}

pub fn user(ctx: &Ctx, c: UserCmd) -> Result<(), CliError> {
    match c {
        UserCmd::Add {
            name,
            role,
            new_pin,
            manager_pin,
        } => {
            let mut lane = ctx.session()?;
            let role =
                Role::parse(&role).ok_or_else(|| CliError::Usage(format!("role {role:?}")))?;
            let id = lane.add_user(&name, role, &new_pin, manager_pin.as_deref())?;
            ctx.print(&serde_json::json!({"id": id, "name": name}), || {
                format!("user {name} added (id {id})\n")
            })
        }
        UserCmd::List => {
            let lane = ctx.lane()?;
            let users = lane.users()?;
            ctx.print(&users, || {
                users
                    .iter()
                    .map(|u| {
                        format!(
                            "{:>3} {:<16} {:<8}{}\n",
                            u.id,
                            u.name,
                            u.role.as_str(),
                            if u.locked { " locked" } else { "" }
                        )
                    })
                    .collect()
            })
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum CustomerCmd {
    /// Adds a customer (id = loyalty card number).
    Add {
        id: String,
        name: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
    },
    /// Shows a customer with points and recent receipts.
    Show { id: String },
}

pub fn customer(ctx: &Ctx, c: CustomerCmd) -> Result<(), CliError> {
    let mut lane = ctx.session()?;
    match c {
        CustomerCmd::Add {
            id,
            name,
            email,
            phone,
        } => {
            lane.add_customer(&id, &name, email.as_deref(), phone.as_deref())?;
            ctx.print(&serde_json::json!({"id": id}), || {
                format!("customer {id} added\n")
            })
        }
        CustomerCmd::Show { id } => {
            let c = lane
                .store()
                .customer(&id)?
                .ok_or_else(|| CliError::Refused(format!("customer {id} not found")))?;
            let history = lane.store().customer_history(&id, 20)?;
            let doc = serde_json::json!({"customer": c, "history": history});
            ctx.print(&doc, || {
                format!(
                    "{} {}: {} points, spent {}, {} visits\n",
                    c.id, c.name, c.points, c.total_spent, c.visits
                )
            })
        }
    }
}

/// `pos config`: the settings in force, secrets masked. Tax rates HQ published (stored by
/// sync) replace pos.toml's rate of their class, so they are shown as in force and named.
/// Reads the database only if it exists, read-only: printing settings creates nothing.
pub(super) fn config(ctx: &Ctx) -> Result<(), CliError> {
    let mut shown = ctx.config.masked();
    let from_hq = hq_tax_rates(&ctx.data_dir.join(crate::store::DB_FILE))?;
    let classes: Vec<String> = from_hq.keys().cloned().collect();
    shown.tax.rates.extend(from_hq);
    let mut value = serde_json::to_value(&shown).map_err(|e| CliError::Data(e.to_string()))?;
    if let Some(map) = value.as_object_mut() {
        map.insert("tax_rates_from_hq".into(), serde_json::json!(classes));
    }
    ctx.print(&value, || {
        let mut text = shown.to_display_toml();
        if !classes.is_empty() {
            text.push_str(&format!(
                "# [tax.rates] {} in force from HQ (they replace pos.toml's rate)\n",
                classes.join(", ")
            ));
        }
        text
    })
}

/// The tax rates HQ published, as sync stored them in `db`; none when there is no database
/// yet or it predates sync (no `sync_tax_rates` table).
fn hq_tax_rates(db: &std::path::Path) -> Result<BTreeMap<String, Decimal>, CliError> {
    if !db.exists() {
        return Ok(BTreeMap::new());
    }
    let data = |e: &dyn std::fmt::Display| CliError::Data(format!("{}: {e}", db.display()));
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| data(&e))?;
    let has_table: bool = conn
        .query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE name = 'sync_tax_rates'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| data(&e))?;
    if !has_table {
        return Ok(BTreeMap::new());
    }
    crate::sync::lane_store::hq_tax_rates(&conn).map_err(|e| data(&e))
}
