//! Ringing up a sale: scan, search, quantities, discounts and overrides (approved by a
//! manager where the rules say so), hold and recall, tenders, and completion as one durable
//! store transaction.

use super::{Lane, ManagerAction, ServiceError};
use crate::domain::barcode::{Scan, ScanTarget};
use crate::domain::cart::{Cart, CartError, Discount, LineId, Totals};
use crate::domain::catalog::{Item, TaxClass, Unit};
use crate::domain::tender::{Payment, Settlement, TenderKind, settle};
use crate::store::{CardEmv, ItemRow, NewPayment, NewSale, NewSaleLine, SearchHit, StoreError};
use rust_decimal::Decimal;

/// What the card flow hands back for a card tender: masked data only.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CardDetails {
    /// First 6 / last 4 at most, e.g. `476173******0010`.
    pub masked_pan: String,
    pub brand: String,
    pub auth_code: String,
    /// AID, label, entry mode, TVR, TSI, CVM for the receipt's EMV block (chip/contactless).
    #[serde(default)]
    pub emv: Option<CardEmv>,
}

/// One tender of the current sale.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tender {
    pub payment: Payment,
    pub card: Option<CardDetails>,
    /// An online card approval still reversible until the sale commits.
    #[serde(skip)]
    pub approval: Option<crate::payment::CompletionToken>,
}

/// A completed sale as the receipt prints it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Receipt {
    pub receipt_no: String,
    pub event_id: String,
    pub totals: Totals,
    pub settlement: Settlement,
    pub tenders: Vec<Tender>,
    pub customer: Option<String>,
    pub loyalty_points: i64,
}

/// A catalog row as the domain's item.
pub(crate) fn to_item(row: &ItemRow) -> Result<Item, ServiceError> {
    let bad = |what: &'static str, v: &str| {
        ServiceError::Store(StoreError::BadValue {
            what,
            value: v.to_string(),
        })
    };
    Ok(Item {
        sku: row.sku.clone(),
        gtin: row
            .gtin
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|_| bad("items.gtin", row.gtin.as_deref().unwrap_or("")))?,
        name: row.name.clone(),
        category: row.category.clone(),
        price: row.price,
        tax_class: TaxClass::new(&row.tax_class)
            .map_err(|_| bad("items.tax_class", &row.tax_class))?,
        unit: row
            .unit
            .parse::<Unit>()
            .map_err(|_| bad("items.unit", &row.unit))?,
        stock: row.stock,
        active: row.active,
    })
}

impl Lane {
    /// The cart being rung up.
    pub fn cart(&self) -> &Cart {
        &self.cart
    }

    /// The cart's totals under the lane's tax rules.
    pub fn totals(&self) -> Result<Totals, ServiceError> {
        Ok(self.cart.totals(&self.tax)?)
    }

    /// Adds what a scanner (or the CLI's `--scan CODE[*QTY]`) read: a GTIN, a price- or
    /// weight-embedded label, or a SKU.
    pub fn scan(&mut self, text: &str) -> Result<LineId, ServiceError> {
        self.require_user()?;
        self.refresh_tax_for_new_cart()?;
        let scan = Scan::parse(text)?;
        let target = scan.target(&self.embedded)?;
        let (key, row) = match &target {
            ScanTarget::Gtin(g) => (g.as_str().to_string(), self.store.item_by_gtin(g.as_str())?),
            ScanTarget::Embedded(e) => (
                e.lookup.as_str().to_string(),
                self.store.item_by_gtin(e.lookup.as_str())?,
            ),
            ScanTarget::Sku(s) => (s.clone(), self.store.item(s)?),
        };
        let row = row.ok_or_else(|| ServiceError::UnknownItem(format!("code {key}")))?;
        let item = to_item(&row)?;
        let id = match target {
            // The catalog's own code (value zero) with a typed quantity: a plain line.
            ScanTarget::Embedded(e) if e.scanned != e.lookup || scan.quantity.is_none() => {
                self.cart.add_embedded(&item, e.value)?
            }
            _ => self.cart.add_item(&item, scan.quantity)?,
        };
        Ok(id)
    }

    /// Adds an item picked from search or a category tile.
    pub fn add_sku(
        &mut self,
        sku: &str,
        quantity: Option<Decimal>,
    ) -> Result<LineId, ServiceError> {
        self.require_user()?;
        self.refresh_tax_for_new_cart()?;
        let row = self
            .store
            .item(sku)?
            .ok_or_else(|| ServiceError::UnknownItem(format!("SKU {sku}")))?;
        Ok(self.cart.add_item(&to_item(&row)?, quantity)?)
    }

    /// Search as you type: first 20 hits, prefix matches first.
    pub fn search(&self, text: &str) -> Result<Vec<SearchHit>, ServiceError> {
        Ok(self.store.search_items(text, 20)?)
    }

    pub fn remove_line(&mut self, line: LineId) -> Result<(), ServiceError> {
        self.cart.remove_line(line)?;
        Ok(())
    }

    pub fn set_quantity(&mut self, line: LineId, quantity: Decimal) -> Result<(), ServiceError> {
        self.cart.set_quantity(line, quantity)?;
        Ok(())
    }

    /// Applies a change to a copy of the cart; if the copy then needs a manager, the
    /// approval is checked before the change is kept.
    fn change_with_approval(
        &mut self,
        action: ManagerAction,
        manager_pin: Option<&str>,
        change: impl FnOnce(&mut Cart) -> Result<(), CartError>,
    ) -> Result<(), ServiceError> {
        self.require_user()?;
        let mut next = self.cart.clone();
        change(&mut next)?;
        let limit = self.config.lane.discount_limit_percent;
        if !next.pending_approvals(&self.tax, limit).is_empty() {
            let manager = self.authorize(action, manager_pin)?;
            let name = self
                .store
                .user(manager)?
                .map_or_else(|| manager.to_string(), |u| u.name);
            next.approve_all(&name);
        }
        self.cart = next;
        Ok(())
    }

    /// A line discount; over the configured limit it needs a manager.
    pub fn line_discount(
        &mut self,
        line: LineId,
        discount: Discount,
        manager_pin: Option<&str>,
    ) -> Result<(), ServiceError> {
        self.change_with_approval(ManagerAction::LargeDiscount, manager_pin, |c| {
            c.set_line_discount(line, discount)
        })
    }

    /// A cart discount; over the configured limit it needs a manager.
    pub fn cart_discount(
        &mut self,
        discount: Discount,
        manager_pin: Option<&str>,
    ) -> Result<(), ServiceError> {
        self.change_with_approval(ManagerAction::LargeDiscount, manager_pin, |c| {
            c.set_cart_discount(discount)
        })
    }

    /// A price override: always needs a manager.
    pub fn override_price(
        &mut self,
        line: LineId,
        price: Decimal,
        reason: &str,
        manager_pin: Option<&str>,
    ) -> Result<(), ServiceError> {
        self.change_with_approval(ManagerAction::PriceOverride, manager_pin, |c| {
            c.override_price(line, price, reason)
        })
    }

    /// Attaches a customer (loyalty card number) to the sale.
    pub fn set_customer(&mut self, id: Option<&str>) -> Result<(), ServiceError> {
        if let Some(id) = id {
            self.store
                .customer(id)?
                .ok_or_else(|| StoreError::NotFound(format!("customer {id}")))?;
        }
        self.cart.customer = id.map(str::to_string);
        Ok(())
    }

    /// Abandons the cart being rung up (nothing was sold, nothing is recorded but a journal
    /// line).
    pub fn cancel_cart(&mut self) -> Result<(), ServiceError> {
        let user = self.require_user()?.id;
        if !self.cart.is_empty() {
            self.store.journal_record(
                "cart_cancel",
                &serde_json::json!({"user_id": user, "lines": self.cart.lines().len()}),
            )?;
        }
        self.cart = Cart::new(self.currency);
        self.clear_tenders();
        Ok(())
    }

    /// Parks the cart; returns the hold's id.
    pub fn hold(&mut self, label: &str) -> Result<i64, ServiceError> {
        let user = self.require_user()?.id;
        if self.cart.is_empty() {
            return Err(CartError::Empty.into());
        }
        let json = self.cart.hold()?;
        let id = self
            .store
            .put_hold(&self.config.lane.id, user, label, &json)?;
        self.cart = Cart::new(self.currency);
        self.clear_tenders();
        Ok(id)
    }

    /// Held carts on this lane: (id, label, created_at).
    pub fn holds(&self) -> Result<Vec<(i64, String, String)>, ServiceError> {
        Ok(self.store.holds(&self.config.lane.id)?)
    }

    /// Brings a held cart back (the current cart must be empty).
    pub fn recall(&mut self, id: i64) -> Result<(), ServiceError> {
        self.require_user()?;
        if !self.cart.is_empty() {
            return Err(ServiceError::CartNotEmpty);
        }
        self.refresh_tax_for_new_cart()?;
        let json = self
            .store
            .take_hold(id)?
            .ok_or(ServiceError::NoSuchHold(id))?;
        self.cart = Cart::recall(&json)?;
        Ok(())
    }

    /// The tenders given so far.
    pub fn tenders(&self) -> &[Tender] {
        &self.tenders
    }

    /// Where payment stands.
    pub fn settlement(&self) -> Result<Settlement, ServiceError> {
        let totals = self.totals()?;
        let payments: Vec<Payment> = self.tenders.iter().map(|t| t.payment.clone()).collect();
        Ok(settle(totals.total, &payments, &self.cash_rounding)?)
    }

    /// Adds a cash or other tender. Card tenders come through [`Lane::add_card_tender`].
    pub fn add_tender(
        &mut self,
        kind: TenderKind,
        amount: Decimal,
    ) -> Result<Settlement, ServiceError> {
        self.require_user()?;
        let payment = Payment::new(kind, amount, None, self.currency)?;
        self.push_tender(Tender {
            payment,
            card: None,
            approval: None,
        })
    }

    /// Adds an approved card payment (masked data only).
    pub fn add_card_tender(
        &mut self,
        amount: Decimal,
        card: CardDetails,
    ) -> Result<Settlement, ServiceError> {
        self.require_user()?;
        if card.masked_pan.chars().filter(char::is_ascii_digit).count() > 10 {
            return Err(StoreError::Invalid("refusing an unmasked card number".into()).into());
        }
        let payment = Payment::card(amount, Some(card.auth_code.clone()), self.currency)?;
        self.push_tender(Tender {
            payment,
            card: Some(card),
            approval: None,
        })
    }

    pub(super) fn push_tender(&mut self, tender: Tender) -> Result<Settlement, ServiceError> {
        self.tenders.push(tender);
        match self.settlement() {
            Ok(s) => Ok(s),
            Err(e) => {
                self.tenders.pop();
                Err(e)
            }
        }
    }

    /// Removes every tender (customer changed their mind before completion).
    pub fn clear_tenders(&mut self) {
        for tender in std::mem::take(&mut self.tenders) {
            if let Some(token) = tender.approval {
                self.abandon_approval(token);
            }
        }
    }

    /// Completes the sale: lines, payments, stock, customer, journal and outbox in one
    /// durable transaction. Needs an open shift, approvals in place and full payment.
    pub fn complete_sale(&mut self) -> Result<Receipt, ServiceError> {
        let user = self.require_user()?.clone();
        let shift = self
            .store
            .open_shift_of(&self.config.lane.id)?
            .ok_or(ServiceError::NoOpenShift)?;
        if self.cart.is_empty() {
            return Err(CartError::Empty.into());
        }
        if !self
            .cart
            .pending_approvals(&self.tax, self.config.lane.discount_limit_percent)
            .is_empty()
        {
            return Err(ServiceError::ApprovalRequired(ManagerAction::LargeDiscount));
        }
        let totals = self.totals()?;
        let settlement = self.settlement()?;
        if !settlement.complete {
            return Err(ServiceError::NotPaid(settlement.remaining));
        }
        let points = if self.cart.customer.is_some() {
            self.loyalty.points_for(totals.total)
        } else {
            0
        };
        // Cash tenders pay the rounded cash due in order; what is left over is change.
        let mut cash_left = settlement.cash_due;
        let payments = self
            .tenders
            .iter()
            .map(|t| {
                let applied = if t.payment.kind.is_cash() {
                    let a = t.payment.amount.min(cash_left);
                    cash_left -= a;
                    a
                } else {
                    t.payment.amount
                };
                NewPayment {
                    kind: match &t.payment.kind {
                        TenderKind::Cash => "cash".into(),
                        TenderKind::Card => "card".into(),
                        TenderKind::Other(_) => "other".into(),
                    },
                    amount: applied,
                    tendered: t.payment.amount,
                    masked_pan: t.card.as_ref().map(|c| c.masked_pan.clone()),
                    card_brand: t.card.as_ref().map(|c| c.brand.clone()),
                    auth_code: t.card.as_ref().map(|c| c.auth_code.clone()),
                    reference: match &t.payment.kind {
                        TenderKind::Other(name) => Some(name.clone()),
                        _ => t.payment.reference.clone(),
                    },
                    emv: t.card.as_ref().and_then(|c| c.emv.clone()),
                }
            })
            .collect();
        let lines = totals
            .lines
            .iter()
            .map(|l| NewSaleLine {
                sku: l.sku.clone(),
                name: l.name.clone(),
                quantity: l.quantity,
                unit: l.unit.as_str().into(),
                unit_price: l.unit_price,
                discount: l.line_discount + l.cart_discount,
                tax_class: l.tax_class.as_str().into(),
                tax: l.tax,
                total: l.total,
                price_overridden: self
                    .cart
                    .line(l.line)
                    .is_ok_and(|c| c.price_override.is_some()),
            })
            .collect();
        let approved_by = self.cart_approver()?;
        let sale = NewSale {
            lane_id: self.config.lane.id.clone(),
            shift_id: Some(shift.id),
            cashier_id: user.id,
            approved_by,
            customer_id: self.cart.customer.clone(),
            currency: self.currency.code().into(),
            subtotal: totals.subtotal,
            discount_total: totals.discounts(),
            tax_total: totals.tax,
            total: totals.total,
            cash_rounding: settlement.rounding,
            change_given: settlement.change,
            taxes: serde_json::to_value(&totals.taxes).map_err(StoreError::from)?,
            detail: serde_json::to_string(&totals).map_err(StoreError::from)?,
            loyalty_points: points,
            lines,
            payments,
        };
        let approvals: Vec<i64> = self
            .tenders
            .iter()
            .filter_map(|t| t.approval.map(|a| a.0))
            .collect();
        let done = self.store.record_sale_settling(&sale, &approvals)?;
        tracing::info!(receipt = %done.receipt_no, total = %totals.total, "sale completed");
        let receipt = Receipt {
            receipt_no: done.receipt_no,
            event_id: done.event_id,
            totals,
            settlement,
            tenders: std::mem::take(&mut self.tenders),
            customer: self.cart.customer.clone(),
            loyalty_points: points,
        };
        self.cart = Cart::new(self.currency);
        Ok(receipt)
    }

    /// The id of the manager named as approver in the cart, if any.
    fn cart_approver(&self) -> Result<Option<i64>, ServiceError> {
        let name = self.cart.lines().iter().find_map(|l| {
            l.price_override
                .as_ref()
                .and_then(|o| o.approved_by.clone())
                .or_else(|| l.discount.as_ref().and_then(|d| d.approved_by.clone()))
        });
        let name = name.or_else(|| {
            self.cart
                .cart_discount()
                .and_then(|d| d.approved_by.clone())
        });
        Ok(name.and_then(|n| {
            self.store
                .users()
                .ok()?
                .into_iter()
                .find(|u| u.name == n)
                .map(|u| u.id)
        }))
    }
}
