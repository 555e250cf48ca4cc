//! `pos sale`, `pos refund`, `pos void`: one scripted document each.

use super::{CliError, Ctx, decimal};
use crate::domain::cart::Discount;
use crate::domain::tender::TenderKind;
use crate::services::Receipt;
use clap::Args;

#[derive(Debug, Args)]
pub struct SaleArgs {
    /// A barcode or SKU, optionally `*QTY` (pieces or kg): repeat for each line.
    #[arg(long = "scan", value_name = "CODE[*QTY]", required = true)]
    pub scans: Vec<String>,
    /// A tender `KIND:AMOUNT` (cash, card, or a named tender such as voucher): repeat to split.
    #[arg(long = "pay", value_name = "KIND:AMOUNT", required = true)]
    pub pays: Vec<String>,
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
    for p in &a.pays {
        let (kind, amount) = p
            .split_once(':')
            .ok_or_else(|| CliError::Usage(format!("tender {p:?} is not KIND:AMOUNT")))?;
        let kind: TenderKind = kind
            .parse()
            .map_err(|e| CliError::Usage(format!("tender {p:?}: {e}")))?;
        if kind == TenderKind::Card {
            return Err(CliError::Refused(
                "card tenders need the payment terminal (the card flow), not `pos sale`".into(),
            ));
        }
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
