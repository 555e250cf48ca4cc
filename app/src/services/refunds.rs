//! Refunds and voids of completed sales, manager-approved, reversing tax and stock exactly
//! from the totals recorded with the sale.

use super::{Lane, ManagerAction, ServiceError};
use crate::domain::cart::Totals;
use crate::domain::refund::{AlreadyRefunded, RefundRequest, plan};
use crate::store::{CompletedDoc, NewPayment, NewRefund, NewRefundLine, SaleDoc, StoreError};
use rust_decimal::Decimal;

impl Lane {
    /// A completed sale or refund by receipt number.
    pub fn find_receipt(&self, receipt: &str) -> Result<SaleDoc, ServiceError> {
        self.store
            .sale_doc(receipt)?
            .ok_or_else(|| StoreError::NotFound(format!("receipt {receipt}")).into())
    }

    /// Refunds lines of a sale: `(line number, quantity or all that is left)`; no lines =
    /// everything left. Needs a manager. The money goes back in cash.
    pub fn refund(
        &mut self,
        receipt: &str,
        lines: &[(i64, Option<Decimal>)],
        manager_pin: Option<&str>,
    ) -> Result<CompletedDoc, ServiceError> {
        let user = self.require_user()?.id;
        let approver = self.authorize(ManagerAction::Refund, manager_pin)?;
        let doc = self.find_receipt(receipt)?;
        if doc.kind != "sale" {
            return Err(
                StoreError::Refused(format!("{receipt} is a {}, not a sale", doc.kind)).into(),
            );
        }
        let totals: Totals =
            serde_json::from_value(doc.detail.clone()).map_err(StoreError::from)?;
        let line_id = |no: i64| {
            usize::try_from(no - 1)
                .ok()
                .and_then(|i| totals.lines.get(i))
                .map(|l| l.line)
                .ok_or_else(|| {
                    ServiceError::Store(StoreError::NotFound(format!("line {no} of {receipt}")))
                })
        };
        let already = doc
            .lines
            .iter()
            .filter(|l| !l.refunded_quantity.is_zero())
            .map(|l| {
                Ok(AlreadyRefunded {
                    line: line_id(l.line_no)?,
                    quantity: l.refunded_quantity,
                })
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        let requests = if lines.is_empty() {
            doc.lines
                .iter()
                .filter(|l| l.refunded_quantity < l.quantity)
                .map(|l| Ok(RefundRequest::whole(line_id(l.line_no)?)))
                .collect::<Result<Vec<_>, ServiceError>>()?
        } else {
            lines
                .iter()
                .map(|(no, q)| {
                    Ok(RefundRequest {
                        line: line_id(*no)?,
                        quantity: *q,
                    })
                })
                .collect::<Result<Vec<_>, ServiceError>>()?
        };
        let p = plan(&totals, &already, &requests)?;
        let refund_lines = p
            .lines
            .iter()
            .map(|l| {
                let no = totals
                    .lines
                    .iter()
                    .position(|t| t.line == l.line)
                    .map_or(0, |i| i as i64 + 1);
                NewRefundLine {
                    original_line_no: no,
                    quantity: l.quantity,
                    discount: Decimal::ZERO,
                    tax: l.tax,
                    total: l.total,
                }
            })
            .collect();
        let points = if doc.customer_id.is_some() {
            self.loyalty
                .points_reversed(doc.total, doc.refunded_total, p.total)
        } else {
            0
        };
        let refund = NewRefund {
            original_receipt: receipt.to_string(),
            lane_id: self.config.lane.id.clone(),
            shift_id: self.current_shift()?.map(|s| s.id),
            cashier_id: user,
            approved_by: approver,
            lines: refund_lines,
            taxes: serde_json::to_value(&p.taxes).map_err(StoreError::from)?,
            payments: vec![NewPayment::cash(p.total, p.total)],
            loyalty_points: points,
        };
        Ok(self.store.record_refund(&refund)?)
    }

    /// Voids a completed sale (no refunds against it): needs a manager.
    pub fn void_sale(
        &mut self,
        receipt: &str,
        manager_pin: Option<&str>,
    ) -> Result<CompletedDoc, ServiceError> {
        let user = self.require_user()?.id;
        let approver = self.authorize(ManagerAction::VoidSale, manager_pin)?;
        Ok(self.store.void_sale(receipt, user, approver)?)
    }
}
