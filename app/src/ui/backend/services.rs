//! [`Backend`] over the application services (`services::Lane`): the SQLite store, the
//! domain's cart, tax and tenders, manager approval. The UI's real backend.
//!
//! `Lane` takes `&mut self`; one mutex serialises the screens' calls (one lane, one
//! cashier). Errors are sorted into the UI's families by [`ServiceError::kind`], never by text.

use super::acquirer_start::{RecoveryState, StartRecovery};
use super::*;
use crate::domain::cart::Discount;
use crate::domain::tender::TenderKind as DomainTender;
use crate::printing::PrinterConfig;
use crate::printing::worker::{JobReport, PrinterWorker};
use crate::services::ReceiptCopy;
use crate::services::{ErrorKind, Lane, ServiceError};
use crate::store::{ImportMode, ItemRow};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// At or under this stock an item counts as low (the store keeps no per-item level yet).
pub const LOW_STOCK: Decimal = Decimal::from_parts(5, 0, 0, false, 0);
/// Rows per import chunk, so the progress bar moves on large files.
const IMPORT_CHUNK: usize = 500;

pub struct ServicesBackend {
    /// Shared with the card payment's worker thread (`services_card`).
    lane: Arc<Mutex<Lane>>,
    /// The simulated PIN pad's answer (`None`: the cardholder bypasses PIN entry).
    pub(super) pinpad: Mutex<Option<String>>,
    /// The lane's printer thread (`None` when `[devices] printer` is `none` or malformed).
    printer: Option<PrinterWorker>,
    /// Category names change only with catalog edits, and counting them scans every item
    /// (about 1.3 s at 1M items), so they are read once and kept.
    categories: Mutex<Option<Vec<String>>>,
    /// The acquirer link's recovery, started with the backend when `[acquirer]` is set.
    pub(super) acquirer: Option<Arc<StartRecovery>>,
}

/// By hand: the lane's state is large and holds nothing a screen dump should show.
impl fmt::Debug for ServicesBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServicesBackend").finish_non_exhaustive()
    }
}

fn to_ui(e: ServiceError) -> BackendError {
    match (&e, e.kind()) {
        (ServiceError::ApprovalRequired(_) | ServiceError::BadApproval, _) => {
            BackendError::NeedsManager(e.to_string())
        }
        (ServiceError::UnknownItem(_) | ServiceError::NoSuchHold(_), _) => {
            BackendError::NotFound(e.to_string())
        }
        (_, ErrorKind::Refused) => BackendError::Refused(e.to_string()),
        (_, ErrorKind::BadInput) => BackendError::Invalid(e.to_string()),
        (_, ErrorKind::Data) => BackendError::Storage(e.to_string()),
    }
}

/// For reads whose screen has no error slot (lists, status): log the failure, show nothing.
fn logged<T: Default>(result: Result<T, ServiceError>, what: &str) -> T {
    result.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "ui: reading {what} failed");
        T::default()
    })
}

/// How long a print from the UI waits to see the job printed or held before it returns.
const PRINT_WAIT: Duration = Duration::from_secs(3);

fn start_printer(config: &crate::config::Config) -> Option<PrinterWorker> {
    if matches!(config.devices.printer.trim(), "" | "none") {
        return None;
    }
    PrinterConfig::from_config(config)
        .and_then(|printer| PrinterWorker::start(&printer))
        .inspect_err(|e| tracing::warn!(error = %e, "ui: no receipt printer"))
        .ok()
}

/// What the cashier is told about a print job.
fn print_result(report: JobReport, what: &str) -> BackendResult<String> {
    match report {
        JobReport::Printed => Ok(format!("{what} printed")),
        JobReport::Held(reason) => Err(BackendError::Refused(format!(
            "{what} is held ({reason}); it prints by itself once the printer is ready"
        ))),
        JobReport::Queued => Ok(format!("{what} sent to the printer")),
    }
}

fn unit(s: &str) -> Unit {
    if s == "kg" { Unit::Kg } else { Unit::Each }
}

fn product(row: ItemRow) -> Product {
    Product {
        unit: unit(&row.unit),
        sku: row.sku,
        gtin: row.gtin,
        name: row.name,
        category: row.category,
        price: row.price,
        tax_class: row.tax_class,
        stock: row.stock,
        reorder_level: LOW_STOCK,
        active: row.active,
    }
}

fn line_id(id: u64) -> BackendResult<crate::domain::cart::LineId> {
    u32::try_from(id)
        .map(crate::domain::cart::LineId)
        .map_err(|_| BackendError::NotFound(format!("line {id}")))
}

impl ServicesBackend {
    pub fn new(lane: Lane) -> Self {
        let printer = start_printer(lane.config());
        // Pending reversals and advices go out now, in the background, not at the first
        // card tender.
        let acquirer = (!lane.config().acquirer.address.is_empty())
            .then(|| StartRecovery::spawn(lane.config(), lane.store().path()));
        ServicesBackend {
            lane: Arc::new(Mutex::new(lane)),
            pinpad: Mutex::new(None),
            printer,
            categories: Mutex::new(None),
            acquirer,
        }
    }

    /// Where the acquirer link's start-up recovery stands (`None`: no `[acquirer]`).
    pub fn acquirer_recovery(&self) -> Option<RecoveryState> {
        self.acquirer.as_ref().map(|r| r.state())
    }

    pub(super) fn shared_lane(&self) -> Arc<Mutex<Lane>> {
        Arc::clone(&self.lane)
    }

    pub(super) fn lane_config(&self) -> crate::config::Config {
        self.lane().config().clone()
    }

    /// The lane's printer thread (tests read the simulated printer through it).
    pub fn printer(&self) -> Option<&PrinterWorker> {
        self.printer.as_ref()
    }

    fn forget_categories(&self) {
        *self.categories.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    fn lane(&self) -> MutexGuard<'_, Lane> {
        // Lane methods leave it consistent between calls; a panic mid-call is a bug that
        // already stopped that screen's update, so carry on with the guard.
        self.lane
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn cart_of(lane: &Lane) -> BackendResult<CartView> {
        let totals = lane.totals().map_err(to_ui)?;
        let settlement = lane.settlement().map_err(to_ui)?;
        let cart = lane.cart();
        let percent = |d: Option<&crate::domain::cart::AppliedDiscount>| match d.map(|a| a.discount)
        {
            Some(Discount::Percent(p)) => p,
            _ => Decimal::ZERO,
        };
        let lines = totals
            .lines
            .iter()
            .map(|t| CartLine {
                line_id: u64::from(t.line.0),
                sku: t.sku.clone(),
                name: t.name.clone(),
                quantity: t.quantity,
                unit: unit(t.unit.as_str()),
                unit_price: t.unit_price,
                discount_percent: percent(cart.line(t.line).ok().and_then(|l| l.discount.as_ref())),
                total: t.amount,
            })
            .collect();
        Ok(CartView {
            lines,
            discount_percent: percent(cart.cart_discount()),
            customer: cart.customer.clone(),
            subtotal: totals.subtotal,
            discount: totals.discounts(),
            tax: totals.tax,
            total: totals.total,
            paid: if totals.lines.is_empty() {
                Decimal::ZERO
            } else {
                totals.total - settlement.remaining
            },
        })
    }

    fn with_cart(
        &self,
        f: impl FnOnce(&mut Lane) -> Result<(), ServiceError>,
    ) -> BackendResult<CartView> {
        let mut lane = self.lane();
        f(&mut lane).map_err(to_ui)?;
        Self::cart_of(&lane)
    }
}

impl Backend for ServicesBackend {
    fn lane(&self) -> LaneInfo {
        let lane = self.lane();
        let c = lane.config();
        LaneInfo {
            lane_id: c.lane.id.clone(),
            store_name: c.store.name.clone(),
            currency: lane.currency().code().into(),
        }
    }

    fn users(&self) -> Vec<UserTile> {
        let users = logged(self.lane().users(), "users");
        users
            .into_iter()
            .filter(|u| u.active)
            .map(|u| UserTile {
                id: u.name.clone(),
                name: u.name,
                role: if u.role == crate::store::Role::Manager {
                    Role::Manager
                } else {
                    Role::Cashier
                },
            })
            .collect()
    }

    fn login(&self, user_id: &str, pin: &str) -> BackendResult<UserTile> {
        let user = self.lane().login(user_id, pin).map_err(to_ui)?;
        let role = if user.role == crate::store::Role::Manager {
            Role::Manager
        } else {
            Role::Cashier
        };
        Ok(UserTile {
            id: user.name.clone(),
            name: user.name,
            role,
        })
    }

    fn logout(&self) {
        self.lane().logout();
    }

    fn categories(&self) -> Vec<String> {
        let mut cache = self.categories.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(names) = cache.as_ref() {
            return names.clone();
        }
        let names: Vec<String> = logged(self.lane().categories(), "categories")
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        if !names.is_empty() {
            *cache = Some(names.clone());
        }
        names
    }

    fn products(&self, q: &ProductQuery) -> Vec<Product> {
        let categories = if q.text.trim().is_empty() && q.category.is_none() && !q.low_stock_only {
            self.categories()
        } else {
            Vec::new()
        };
        let lane = self.lane();
        let limit = if q.limit == 0 { 200 } else { q.limit };
        let rows: Vec<ItemRow> = if q.low_stock_only {
            logged(lane.low_stock(LOW_STOCK), "low stock")
        } else if !q.text.trim().is_empty() {
            // Search hits carry no stock or category: read each item (a page at most).
            let hits = logged(lane.search(&q.text), "search");
            hits.iter()
                .take(limit)
                .filter_map(|h| lane.item(&h.sku).ok().flatten())
                .collect()
        } else if let Some(c) = &q.category {
            logged(lane.items_in_category(c), "category items")
        } else {
            let mut all = Vec::new();
            for c in categories {
                if all.len() >= limit {
                    break;
                }
                all.extend(logged(lane.items_in_category(&c), "category items"));
            }
            all
        };
        let needle = q.text.trim().to_lowercase();
        rows.into_iter()
            .filter(|r| q.category.as_ref().is_none_or(|c| &r.category == c))
            .filter(|r| {
                !q.low_stock_only || needle.is_empty() || r.name.to_lowercase().contains(&needle)
            })
            .take(limit)
            .map(product)
            .collect()
    }

    fn cart(&self) -> CartView {
        Self::cart_of(&self.lane()).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "ui: reading the cart failed");
            CartView::default()
        })
    }

    fn add_item(&self, sku: &str, quantity: Decimal) -> BackendResult<CartView> {
        self.with_cart(|l| l.add_sku(sku, Some(quantity)).map(drop))
    }

    fn scan(&self, code: &str) -> BackendResult<CartView> {
        self.with_cart(|l| l.scan(code).map(drop))
    }

    fn edit_line(&self, line: u64, edit: LineEdit) -> BackendResult<CartView> {
        let id = line_id(line)?;
        self.with_cart(|l| match edit {
            LineEdit::Quantity(q) => l.set_quantity(id, q),
            LineEdit::Price(p) => l.override_price(id, p, "keypad", None),
            LineEdit::DiscountPercent(d) => l.line_discount(id, Discount::Percent(d), None),
        })
    }

    fn remove_line(&self, line: u64) -> BackendResult<CartView> {
        let id = line_id(line)?;
        self.with_cart(|l| l.remove_line(id))
    }

    fn cart_discount(&self, percent: Decimal) -> BackendResult<CartView> {
        self.with_cart(|l| l.cart_discount(Discount::Percent(percent), None))
    }

    fn attach_customer(&self, query: &str) -> BackendResult<CartView> {
        self.with_cart(|l| l.set_customer(Some(query.trim())))
    }

    fn hold(&self) -> BackendResult<()> {
        self.lane().hold("Held cart").map(drop).map_err(to_ui)
    }

    fn held(&self) -> Vec<HeldCart> {
        let holds = logged(self.lane().holds(), "held carts");
        holds
            .into_iter()
            .filter_map(|(id, label, created)| {
                let id = u64::try_from(id).ok()?;
                let time = created.get(11..16).unwrap_or_default().to_string();
                Some(HeldCart {
                    id,
                    label: format!("{label} #{id} {time}"),
                    total: None,
                })
            })
            .collect()
    }

    fn recall(&self, id: u64) -> BackendResult<CartView> {
        let id =
            i64::try_from(id).map_err(|_| BackendError::NotFound(format!("held cart {id}")))?;
        self.with_cart(|l| l.recall(id))
    }

    fn void_cart(&self) -> BackendResult<CartView> {
        self.with_cart(|l| l.cancel_cart())
    }

    fn pay(&self, tender: TenderKind, amount: Decimal) -> BackendResult<PaymentOutcome> {
        let kind = match tender {
            TenderKind::Cash => DomainTender::Cash,
            TenderKind::Voucher => DomainTender::Other("voucher".into()),
            TenderKind::Card => {
                return Err(BackendError::Refused(
                    "card payments run through the card flow".into(),
                ));
            }
        };
        let mut lane = self.lane();
        let settlement = lane.add_tender(kind, amount).map_err(to_ui)?;
        if !settlement.complete {
            return Ok(PaymentOutcome::Partial {
                remaining: settlement.remaining,
            });
        }
        let receipt = lane.complete_sale().map_err(to_ui)?;
        if receipt.tenders.iter().any(|t| t.payment.kind.is_cash())
            && crate::printing::drawer_on_printer(lane.config())
            && let Some(printer) = &self.printer
            && let Err(e) = printer.open_drawer()
        {
            tracing::warn!(error = %e, "ui: drawer did not open");
        }
        Ok(PaymentOutcome::Completed(sale_receipt(&lane, receipt)))
    }

    fn card_ready(&self) -> BackendResult<()> {
        self.card_reader_spec().map(|_| ())
    }

    fn start_card(&self, amount: Decimal) -> BackendResult<CardSession> {
        self.start_card_flow(amount)
    }

    fn print_receipt(&self, number: &str) -> BackendResult<()> {
        let printer = self
            .printer
            .as_ref()
            .ok_or_else(|| BackendError::Refused("no receipt printer is configured".into()))?;
        let document = self
            .lane()
            .receipt_document(number, ReceiptCopy::Original)
            .map_err(to_ui)?;
        let report = printer
            .print(document, PRINT_WAIT)
            .map_err(|e| BackendError::Refused(format!("printer: {e}")))?;
        print_result(report, &format!("receipt {number}")).map(|_| ())
    }

    fn find_receipt(&self, number: &str) -> BackendResult<ReceiptLookup> {
        let doc = self.lane().find_receipt(number.trim()).map_err(to_ui)?;
        if doc.kind != "sale" {
            return Err(BackendError::Refused(format!(
                "{} is a {}, not a sale",
                doc.receipt_no, doc.kind
            )));
        }
        let lines = doc
            .lines
            .iter()
            .map(|l| SoldLine {
                line_no: u32::try_from(l.line_no).unwrap_or(0),
                name: l.name.clone(),
                quantity: l.quantity,
                refundable: l.quantity - l.refunded_quantity,
                unit_price: if l.quantity.is_zero() {
                    l.total
                } else {
                    (l.total / l.quantity).round_dp(2)
                },
            })
            .collect();
        Ok(ReceiptLookup {
            number: doc.receipt_no,
            lines,
        })
    }

    fn refund(
        &self,
        number: &str,
        lines: &[(u32, Decimal)],
        approval: Option<&Approval>,
    ) -> BackendResult<RefundDone> {
        if lines.is_empty() {
            // The services read "no lines" as "everything": the screen always names lines.
            return Err(BackendError::Invalid("choose at least one line".into()));
        }
        let mut lane = self.lane();
        let wanted: Vec<(i64, Option<Decimal>)> = lines
            .iter()
            .map(|(n, q)| (i64::from(*n), Some(*q)))
            .collect();
        let done = lane
            .refund(number.trim(), &wanted, approval.map(|a| a.pin.as_str()))
            .map_err(to_ui)?;
        let amount = lane
            .find_receipt(&done.receipt_no)
            .map(|d| d.total.abs())
            .map_err(to_ui)?;
        Ok(RefundDone {
            number: number.trim().to_string(),
            amount,
        })
    }

    fn shift(&self) -> Option<ShiftStatus> {
        let lane = self.lane();
        let shift = lane.current_shift().ok().flatten()?;
        let totals = lane.x_report().ok();
        let opened_by = lane
            .users()
            .ok()
            .and_then(|us| {
                us.into_iter()
                    .find(|u| u.id == shift.opened_by)
                    .map(|u| u.name)
            })
            .unwrap_or_default();
        let cash =
            |t: &crate::store::ShiftTotals| t.tenders.get("cash").copied().unwrap_or_default();
        Some(ShiftStatus {
            opened_by,
            float: shift.opening_float,
            cash_in: totals.as_ref().map(|t| t.cash_in).unwrap_or_default(),
            cash_out: totals.as_ref().map(|t| t.cash_out).unwrap_or_default(),
            cash_sales: totals.as_ref().map(cash).unwrap_or_default(),
            expected_cash: totals
                .as_ref()
                .map_or(shift.opening_float, |t| t.expected_cash),
        })
    }

    fn open_shift(&self, float: Decimal) -> BackendResult<ShiftStatus> {
        self.lane().open_shift(float).map_err(to_ui)?;
        self.shift()
            .ok_or_else(|| BackendError::Storage("the new shift is not open".into()))
    }

    fn cash_movement(&self, amount: Decimal, reason: &str) -> BackendResult<ShiftStatus> {
        {
            let mut lane = self.lane();
            let result = if amount >= Decimal::ZERO {
                lane.cash_in(amount, reason)
            } else {
                lane.cash_out(-amount, reason)
            };
            result.map_err(to_ui)?;
        }
        self.shift()
            .ok_or_else(|| BackendError::Refused("no shift is open".into()))
    }

    fn x_report(&self) -> BackendResult<ShiftReport> {
        let t = self.lane().x_report().map_err(to_ui)?;
        Ok(shift_report(
            ShiftReportKind::X,
            u32::try_from(t.shift_id).unwrap_or(0),
            &t,
            t.expected_cash,
        ))
    }

    fn close_shift(&self, counted: &[(Decimal, u32)]) -> BackendResult<ShiftReport> {
        let z = self.lane().close_shift(counted).map_err(to_ui)?;
        Ok(shift_report(
            ShiftReportKind::Z,
            u32::try_from(z.no).unwrap_or(0),
            &z.totals,
            z.counted_cash,
        ))
    }

    fn save_product(&self, p: &Product) -> BackendResult<()> {
        let row = ItemRow {
            sku: p.sku.clone(),
            gtin: p.gtin.clone(),
            name: p.name.clone(),
            category: p.category.clone(),
            price: p.price,
            tax_class: p.tax_class.clone(),
            unit: p.unit.as_str().into(),
            stock: p.stock,
            active: p.active,
        };
        self.lane().save_item(row, None).map_err(to_ui)?;
        self.forget_categories();
        Ok(())
    }

    fn adjust_stock(&self, sku: &str, delta: Decimal, reason: &str) -> BackendResult<Product> {
        let mut lane = self.lane();
        lane.adjust_stock(sku, delta, reason, None).map_err(to_ui)?;
        lane.item(sku)
            .map_err(to_ui)?
            .map(product)
            .ok_or_else(|| BackendError::NotFound(format!("item {sku}")))
    }

    fn import_csv(&self, csv: &str, progress: &mut dyn FnMut(usize, usize)) -> ImportReport {
        let mut lines = csv.lines();
        let header = lines.next().unwrap_or_default();
        let rows: Vec<&str> = lines.collect();
        let total = rows.len();
        let mut report = ImportReport::default();
        self.forget_categories();
        // Quoted fields may hold newlines; only plain files are split into chunks.
        let chunk = if csv.contains('"') {
            total.max(1)
        } else {
            IMPORT_CHUNK
        };
        for (i, part) in rows.chunks(chunk).enumerate() {
            let text = format!("{header}\n{}\n", part.join("\n"));
            let first = i * chunk;
            match self
                .lane()
                .import_catalog(&mut text.as_bytes(), ImportMode::SkipInvalid, None)
            {
                Ok(r) => {
                    report.imported += r.imported;
                    // Line numbers count in the chunk (header = 1); shift them to the file's.
                    let offset = u64::try_from(first).unwrap_or(0);
                    report.errors.extend(
                        r.skipped
                            .into_iter()
                            .map(|s| (usize::try_from(s.line + offset).unwrap_or(0), s.reason)),
                    );
                }
                Err(e) => report.errors.push((first + 2, to_ui(e).to_string())),
            }
            progress((first + part.len()).min(total), total);
        }
        report
    }

    fn sales_report(&self) -> SalesReport {
        let lane = self.lane();
        let today = time::OffsetDateTime::now_utc().date().to_string();
        let docs = lane
            .store()
            .sales_between(&today, "9999")
            .unwrap_or_default();
        let mut by_hour: BTreeMap<u8, Decimal> = BTreeMap::new();
        let mut tenders: BTreeMap<String, Decimal> = BTreeMap::new();
        let mut top: BTreeMap<String, (Decimal, Decimal)> = BTreeMap::new();
        for row in docs
            .iter()
            .filter(|d| d.kind == "sale" && d.status == "completed")
        {
            let hour = row
                .created_at
                .get(11..13)
                .and_then(|h| h.parse().ok())
                .unwrap_or(0);
            *by_hour.entry(hour).or_default() += row.total;
            let Ok(doc) = lane.find_receipt(&row.receipt_no) else {
                continue;
            };
            for p in &doc.payments {
                *tenders.entry(p.kind.clone()).or_default() += p.amount;
            }
            for l in &doc.lines {
                let e = top.entry(l.name.clone()).or_default();
                e.0 += l.quantity;
                e.1 += l.total;
            }
        }
        let mut top: Vec<(String, Decimal, Decimal)> =
            top.into_iter().map(|(n, (q, a))| (n, q, a)).collect();
        top.sort_by_key(|t| std::cmp::Reverse(t.2));
        top.truncate(10);
        SalesReport {
            by_hour: by_hour.into_iter().collect(),
            tender_mix: tenders.into_iter().collect(),
            top_products: top,
        }
    }

    fn sales_report_csv(&self) -> String {
        report_csv(&self.sales_report())
    }

    fn idle(&self) {
        let lane = self.lane();
        // Between customers only: nothing rung up, nothing tendered.
        if lane.cart().is_empty()
            && lane.tenders().is_empty()
            && let Err(e) = lane.store().checkpoint_idle()
        {
            tracing::warn!(error = %e, "idle checkpoint failed; SQLite's autocheckpoint remains");
        }
    }

    fn status(&self) -> LinkStatus {
        let lane = self.lane();
        let c = lane.config();
        let device = |name: &str, spec: &str| DeviceStatus {
            name: name.into(),
            simulated: spec == "sim",
            // Real device states arrive with the device services; configured is all we know.
            state: if spec.is_empty() {
                LinkState::NotConfigured
            } else {
                LinkState::Up
            },
            detail: spec.to_string(),
        };
        LinkStatus {
            devices: vec![
                device("Card reader", &c.devices.card_reader),
                device("Printer", &c.devices.printer),
                device("Scanner", &c.devices.scanner),
                device("Cash drawer", &c.devices.drawer),
            ],
            acquirer: match self.acquirer_recovery() {
                Some(RecoveryState::Running) => LinkState::Recovering,
                Some(RecoveryState::Done(r)) if r.reversals.pending > 0 => LinkState::Down,
                _ => probe(&c.acquirer.address),
            },
            back_office: if c.sync.hq_url.is_empty() {
                LinkState::NotConfigured
            } else {
                LinkState::Down
            },
            sync_queue: u64::try_from(lane.store().outbox_pending().unwrap_or(0)).unwrap_or(0),
            sync_parked: u64::try_from(lane.store().outbox_parked().unwrap_or(0)).unwrap_or(0),
        }
    }

    fn test_device(&self, name: &str) -> BackendResult<String> {
        let printer = || {
            self.printer
                .as_ref()
                .ok_or_else(|| BackendError::Refused("no receipt printer is configured".into()))
        };
        match name {
            "Printer" => {
                let config = PrinterConfig::from_config(self.lane().config())
                    .map_err(|e| BackendError::Invalid(e.to_string()))?;
                let page = pos_hal::receipt::Columns::for_paper_mm(config.paper_mm)
                    .and_then(|c| crate::printing::test_page(c, &config.printer))
                    .map_err(|e| BackendError::Invalid(e.to_string()))?;
                let report = printer()?
                    .print(page, PRINT_WAIT)
                    .map_err(|e| BackendError::Refused(format!("printer: {e}")))?;
                print_result(report, "test page")
            }
            _ => Err(BackendError::Refused(format!(
                "{name}: device tests arrive with the device services"
            ))),
        }
    }
}

/// Whether something listens at `host:port` (status runs off the UI thread).
fn probe(address: &str) -> LinkState {
    use std::net::{TcpStream, ToSocketAddrs};
    let Some(addr) = address.to_socket_addrs().ok().and_then(|mut a| a.next()) else {
        return LinkState::NotConfigured;
    };
    match TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(300)) {
        Ok(_) => LinkState::Up,
        Err(_) => LinkState::Down,
    }
}

/// The receipt as the payment screen shows it: the receipt itself, as the printer lays it
/// out (card tenders with the masked PAN only).
pub(super) fn sale_receipt(lane: &Lane, receipt: crate::services::Receipt) -> SaleReceipt {
    let text = match lane.receipt_document(&receipt.receipt_no, ReceiptCopy::Original) {
        Ok(doc) => pos_hal::receipt::text::render(&doc)
            .lines()
            .map(str::to_string)
            .collect(),
        Err(e) => vec![format!("receipt preview unavailable: {e}")],
    };
    SaleReceipt {
        number: receipt.receipt_no,
        total: receipt.totals.total,
        change: receipt.settlement.change,
        text,
    }
}

fn shift_report(
    kind: ShiftReportKind,
    number: u32,
    t: &crate::store::ShiftTotals,
    counted: Decimal,
) -> ShiftReport {
    let mut lines = vec![
        ("Opening float".to_string(), t.opening_float),
        (format!("Sales ({})", t.sales_count), t.sales_total),
        (format!("Refunds ({})", t.refunds_count), t.refunds_total),
        ("Tax".to_string(), t.tax_total),
    ];
    lines.extend(t.tenders.iter().map(|(k, v)| (format!("Tender {k}"), *v)));
    lines.push(("Cash paid in".into(), t.cash_in));
    lines.push(("Cash paid out".into(), t.cash_out));
    lines.push(("Expected in drawer".into(), t.expected_cash));
    ShiftReport {
        kind,
        number,
        lines,
        counted,
        expected: t.expected_cash,
    }
}

/// The report as CSV (section,key,quantity,amount), shared by both backends.
pub fn report_csv(r: &SalesReport) -> String {
    let mut out = String::from("section,key,quantity,amount\n");
    for (h, a) in &r.by_hour {
        out.push_str(&format!("hour,{h:02},,{a}\n"));
    }
    for (t, a) in &r.tender_mix {
        out.push_str(&format!("tender,{t},,{a}\n"));
    }
    for (n, q, a) in &r.top_products {
        out.push_str(&format!("product,\"{}\",{q},{a}\n", n.replace('"', "\"\"")));
    }
    out
}
