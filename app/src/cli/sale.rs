//! `pos sale`, `pos refund`, `pos void`: one scripted document each.

use super::{CliError, Ctx, decimal};
use crate::domain::cart::Discount;
use crate::domain::tender::TenderKind;
use crate::payment::flow::{CardResult, Prompt, ScriptedCardholder};
use crate::payment::flow_reader::{link_from_config, with_card};
use crate::payment::outcome::RecoveryReport;
use crate::services::{Lane, Receipt};
use clap::Args;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct SaleArgs {
    /// A barcode or SKU, optionally `*QTY` (pieces or kg): repeat for each line.
    #[arg(long = "scan", value_name = "CODE[*QTY]", required = true)]
    pub scans: Vec<String>,
    /// A tender `KIND:AMOUNT` (cash, card, or a named tender such as voucher): repeat to split.
    /// `card` alone pays what is left by card (`[devices] card_reader`, `[acquirer]`).
    #[arg(long = "pay", value_name = "KIND[:AMOUNT]", required = true)]
    pub pays: Vec<String>,
    /// The cardholder's PIN, entered at the PIN pad when the card asks; repeat for retries.
    #[arg(long = "card-pin", value_name = "PIN")]
    pub card_pins: Vec<String>,
    /// Customer id (loyalty card number).
    #[arg(long)]
    pub customer: Option<String>,
    /// Cart discount: `10%` or an amount `5.00`. Over the limit it needs a manager.
    #[arg(long)]
    pub discount: Option<String>,
    /// Price override `LINE:PRICE` (line numbers from 1): needs a manager.
    #[arg(long = "price-override", value_name = "LINE:PRICE")]
    pub price_overrides: Vec<String>,
    #[arg(long)]
    pub manager_pin: Option<String>,
}

fn parse_discount(s: &str) -> Result<Discount, CliError> {
    Ok(match s.trim().strip_suffix('%') {
        Some(p) => Discount::Percent(decimal(p, "discount percent")?),
        None => Discount::Amount(decimal(s, "discount")?),
    })
}

/// One card tender through the configured reader and acquirer; prompts go to stderr.
fn pay_by_card(
    ctx: &Ctx,
    lane: &mut Lane,
    amount: rust_decimal::Decimal,
    cardholder: &mut ScriptedCardholder,
) -> Result<(), CliError> {
    if lane.payment_link().is_none() {
        let db = ctx.data_dir.join(crate::store::DB_FILE);
        let link = link_from_config(&ctx.config, &db).map_err(|e| CliError::Data(e.to_string()))?;
        let recovered = lane.attach_payment_link(link)?;
        if recovered != RecoveryReport::default() {
            tracing::warn!(?recovered, "acquirer link recovery at start");
        }
    }
    let spec = ctx.config.devices.card_reader.clone();
    let mut prompt = |p: Prompt| eprintln!("card: {p}");
    let result = with_card(&spec, Duration::from_secs(30), &mut prompt, |session| {
        lane.pay_by_card(session, amount, cardholder, &mut |p| eprintln!("card: {p}"))
    })
    .map_err(|e| CliError::Data(e.to_string()))??;
    match result {
        CardResult::Approved(_) => Ok(()),
        CardResult::Declined { reason } => {
            Err(CliError::Refused(format!("card declined: {reason}")))
        }
    }
}

fn receipt_text(r: &Receipt) -> String {
    let mut s = format!("receipt {}\n", r.receipt_no);
    for (i, l) in r.totals.lines.iter().enumerate() {
        s += &format!(
            "{:>3} {:<36} {:>8} x {:>8} {:>10}\n",
            i + 1,
            l.name,
            l.quantity,
            l.unit_price,
            l.total
        );
    }
    s += &format!(
        "total {} {} (tax {})\n",
        r.totals.total,
        r.totals.currency.code(),
        r.totals.tax
    );
    for t in &r.tenders {
        s += &format!("paid {} {}\n", t.payment.kind, t.payment.amount);
        if let Some(c) = &t.card {
            s += &format!("  {} {} auth {}\n", c.brand, c.masked_pan, c.auth_code);
        }
    }
    if !r.settlement.rounding.is_zero() {
        s += &format!("cash rounding {}\n", r.settlement.rounding);
    }
    s += &format!("change {}\n", r.settlement.change);
    s
}

pub fn sale(ctx: &Ctx, a: SaleArgs) -> Result<(), CliError> {
    let mut lane = ctx.session()?;
    for code in &a.scans {
        lane.scan(code)?;
    }
    if let Some(c) = &a.customer {
        lane.set_customer(Some(c))?;
    }
    let pin = a.manager_pin.as_deref();
    for o in &a.price_overrides {
        let (line, price) = o
            .split_once(':')
            .ok_or_else(|| CliError::Usage(format!("price override {o:?} is not LINE:PRICE")))?;
        let no: usize = line
            .trim()
            .parse()
            .map_err(|_| CliError::Usage(format!("line {line:?} is not a number")))?;
        let id = lane
            .cart()
            .lines()
            .get(no.wrapping_sub(1))
            .map(|l| l.id)
            .ok_or_else(|| CliError::Usage(format!("no line {no} in the sale")))?;
        lane.override_price(id, decimal(price, "price")?, "command line override", pin)?;
    }
    if let Some(d) = &a.discount {
        lane.cart_discount(parse_discount(d)?, pin)?;
    }
    let mut cardholder = ScriptedCardholder::new(a.card_pins.iter().cloned());
    for p in &a.pays {
        let (kind, amount) = match p.split_once(':') {
            Some((k, v)) => (k, Some(v)),
            None => (p.as_str(), None),
        };
        let kind: TenderKind = kind
            .parse()
            .map_err(|e| CliError::Usage(format!("tender {p:?}: {e}")))?;
        if kind == TenderKind::Card {
            let amount = match amount {
                Some(v) => decimal(v, "amount")?,
                None => lane.settlement()?.remaining,
            };
            pay_by_card(ctx, &mut lane, amount, &mut cardholder)?;
            continue;
        }
        let amount =
            amount.ok_or_else(|| CliError::Usage(format!("tender {p:?} is not KIND:AMOUNT")))?;
        lane.add_tender(kind, decimal(amount, "amount")?)?;
    }
    let receipt = lane.complete_sale()?;
    // The sale is committed: printing (and the drawer) may fail, the sale stays.
    if crate::printing::cli_prints_on(&ctx.config.devices.printer) {
        let cash = receipt.tenders.iter().any(|t| t.payment.kind.is_cash())
            && crate::printing::drawer_on_printer(&ctx.config);
        crate::printing::print_sale_receipt(&lane, &receipt.receipt_no, cash, &mut |m| {
            eprintln!("{m}")
        });
    }
    ctx.print(&receipt, || receipt_text(&receipt))
}

#[derive(Debug, Args)]
pub struct RefundArgs {
    /// The original receipt number.
    pub receipt: String,
    /// A line to refund, `N` (all of it) or `N:QTY`; repeat. None = everything left.
    #[arg(long = "line", value_name = "N[:QTY]")]
    pub lines: Vec<String>,
    #[arg(long)]
    pub manager_pin: Option<String>,
}

pub fn refund(ctx: &Ctx, a: RefundArgs) -> Result<(), CliError> {
    let mut lines = Vec::new();
    for l in &a.lines {
        let (no, qty) = match l.split_once(':') {
            Some((n, q)) => (n, Some(decimal(q, "quantity")?)),
            None => (l.as_str(), None),
        };
        let no: i64 = no
            .trim()
            .parse()
            .map_err(|_| CliError::Usage(format!("line {no:?} is not a number")))?;
        lines.push((no, qty));
    }
    let mut lane = ctx.session()?;
    let done = lane.refund(&a.receipt, &lines, a.manager_pin.as_deref())?;
    let doc = lane.find_receipt(&done.receipt_no)?;
    ctx.print(&doc, || {
        format!(
            "refund {} of {}: total {}\n",
            doc.receipt_no, a.receipt, doc.total
        )
    })
}

#[derive(Debug, Args)]
pub struct VoidArgs {
    pub receipt: String,
    #[arg(long)]
    pub manager_pin: Option<String>,
}

pub fn void(ctx: &Ctx, a: VoidArgs) -> Result<(), CliError> {
    let mut lane = ctx.session()?;
    let done = lane.void_sale(&a.receipt, a.manager_pin.as_deref())?;
    ctx.print(&done, || format!("voided {}\n", done.receipt_no))
}
