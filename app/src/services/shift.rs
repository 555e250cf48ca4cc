//! Shifts through the services: open with a float, cash in/out, no-sale drawer opening
//! (manager), X report, close with the count by denomination (writes the Z report).

use super::{Lane, ManagerAction, ServiceError};
use crate::store::{CashMovementKind, ShiftRow, ShiftTotals, ZReport};
use rust_decimal::Decimal;

impl Lane {
    /// The lane's open shift.
    pub fn current_shift(&self) -> Result<Option<ShiftRow>, ServiceError> {
        Ok(self.store.open_shift_of(&self.config.lane.id)?)
    }

    fn require_shift(&self) -> Result<ShiftRow, ServiceError> {
        self.current_shift()?.ok_or(ServiceError::NoOpenShift)
    }

    pub fn open_shift(&mut self, float: Decimal) -> Result<ShiftRow, ServiceError> {
        let user = self.require_user()?.id;
        let lane = self.config.lane.id.clone();
        Ok(self.store.open_shift(&lane, user, float)?)
    }

    pub fn cash_in(&mut self, amount: Decimal, reason: &str) -> Result<(), ServiceError> {
        self.cash_movement(CashMovementKind::In, amount, reason, None)
    }

    pub fn cash_out(&mut self, amount: Decimal, reason: &str) -> Result<(), ServiceError> {
        self.cash_movement(CashMovementKind::Out, amount, reason, None)
    }

    /// Opens the drawer without a sale: needs a manager.
    pub fn no_sale(&mut self, reason: &str, manager_pin: Option<&str>) -> Result<(), ServiceError> {
        let approver = self.authorize(ManagerAction::NoSaleDrawer, manager_pin)?;
        self.cash_movement(
            CashMovementKind::NoSale,
            Decimal::ZERO,
            reason,
            Some(approver),
        )
    }

    fn cash_movement(
        &mut self,
        kind: CashMovementKind,
        amount: Decimal,
        reason: &str,
        approver: Option<i64>,
    ) -> Result<(), ServiceError> {
        let user = self.require_user()?.id;
        let shift = self.require_shift()?;
        self.store
            .cash_movement(shift.id, kind, amount, reason, user, approver)?;
        Ok(())
    }

    /// X report: the open shift so far; changes nothing.
    pub fn x_report(&self) -> Result<ShiftTotals, ServiceError> {
        self.require_user()?;
        let shift = self.require_shift()?;
        Ok(self.store.x_report(shift.id)?)
    }

    /// Closes the open shift with the counted cash (denomination, count) and writes the
    /// next numbered Z report. Irreversible.
    pub fn close_shift(&mut self, counted: &[(Decimal, u32)]) -> Result<ZReport, ServiceError> {
        let user = self.require_user()?.id;
        let shift = self.require_shift()?;
        Ok(self.store.close_shift(shift.id, user, counted)?)
    }
}
