//! `pos settle`: closes the acquirer batch (0500) and reports the reconciliation of the
//! batch with the journal's card payments. Exit 1 when out of balance.

use super::{CliError, Ctx};
use crate::payment::flow_reader::link_from_config;
use clap::Args;

#[derive(Debug, Args)]
pub struct SettleArgs {}

pub fn run(ctx: &Ctx, _args: SettleArgs) -> Result<(), CliError> {
    let mut lane = ctx.session()?;
    let db = ctx.data_dir.join(crate::store::DB_FILE);
    let link = link_from_config(&ctx.config, &db).map_err(|e| CliError::Data(e.to_string()))?;
    let recovered = lane.attach_payment_link(link)?;
    let report = lane.settle_card_batch()?;
    let totals = |t: &crate::acquirer::requests::Totals| {
        serde_json::json!({
            "debits_count": t.debits_count, "debits_amount_minor": t.debits_amount,
            "credits_count": t.credits_count, "credits_amount_minor": t.credits_amount,
        })
    };
    let value = serde_json::json!({
        "batch": report.batch_number,
        "in_balance": report.in_balance(),
        "host_code": report.host_code,
        "lane_totals": totals(&report.lane_totals),
        "host_totals": report.host_totals.as_ref().map(totals),
        "mismatches": report.mismatches.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "reversals_sent_at_start": recovered.reversals.acknowledged,
        "advices_forwarded": recovered.advices.forwarded,
    });
    ctx.print(&value, || {
        let t = &report.lane_totals;
        let mut s = format!(
            "batch {}: {} sales {} / {} refunds {} (minor units), acquirer {}\n",
            report.batch_number,
            t.debits_count,
            t.debits_amount,
            t.credits_count,
            t.credits_amount,
            report.host_code.as_deref().unwrap_or("unreachable"),
        );
        for m in &report.mismatches {
            s += &format!("mismatch {m}\n");
        }
        s += if report.in_balance() {
            "in balance\n"
        } else {
            "OUT OF BALANCE\n"
        };
        s
    })?;
    if report.in_balance() {
        Ok(())
    } else {
        Err(CliError::Refused(format!(
            "batch {} out of balance",
            report.batch_number
        )))
    }
}
