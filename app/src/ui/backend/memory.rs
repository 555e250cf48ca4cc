//! An in-memory [`Backend`]: the demo catalog and simple tax-inclusive arithmetic, no disk.
//!
//! It stands in for the application services in unit tests and in the demo until the
//! SQLite-backed services are wired; it is deliberately simple (one lane, no journal).

use super::*;
use rust_decimal_macros::dec;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

pub struct MemoryBackend {
    state: Arc<Mutex<State>>,
    simulated_card: bool,
}

/// Hand-written: the state holds staff PINs, which no Debug output may show.
impl std::fmt::Debug for MemoryBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBackend").finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct State {
    users: Vec<(UserTile, String)>,
    user: Option<UserTile>,
    products: BTreeMap<String, Product>,
    cart: Vec<CartLine>,
    cart_discount: Decimal,
    customer: Option<String>,
    payments: Vec<(TenderKind, Decimal)>,
    next_line: u64,
    held: Vec<(HeldCart, Vec<CartLine>)>,
    next_held: u64,
    sales: Vec<Sale>,
    shift: Option<ShiftStatus>,
    shift_number: u32,
    outbox: u64,
    /// Receipt numbers sent to the simulated printer, in order.
    printed: Vec<String>,
}

#[derive(Debug, Clone)]
struct Sale {
    number: String,
    lines: Vec<SoldLine>,
    payments: Vec<(TenderKind, Decimal)>,
    hour: u8,
}

impl Default for MemoryBackend {
    fn default() -> Self {
        Self::demo()
    }
}

fn product(
    sku: &str,
    gtin: &str,
    name: &str,
    category: &str,
    price: Decimal,
    stock: Decimal,
) -> Product {
    Product {
        sku: sku.into(),
        gtin: (!gtin.is_empty()).then(|| gtin.into()),
        name: name.into(),
        category: category.into(),
        price,
        tax_class: "standard".into(),
        unit: Unit::Each,
        stock,
        reorder_level: dec!(5),
        active: true,
    }
}

/// The demo catalog every fresh lane starts with.
pub fn demo_catalog() -> Vec<Product> {
    let mut items = vec![
        product(
            "COF-250",
            "4006381333931",
            "Coffee beans 250 g",
            "Grocery",
            dec!(6.49),
            dec!(40),
        ),
        product(
            "TEA-100",
            "5000112637922",
            "Green tea 100 g",
            "Grocery",
            dec!(3.20),
            dec!(25),
        ),
        product(
            "PAS-500",
            "8076809513722",
            "Spaghetti 500 g",
            "Grocery",
            dec!(1.39),
            dec!(60),
        ),
        product(
            "OIL-750",
            "8001505005592",
            "Olive oil 0.75 l",
            "Grocery",
            dec!(8.95),
            dec!(4),
        ),
        product(
            "MLK-1L",
            "4008400402222",
            "Whole milk 1 l",
            "Dairy",
            dec!(1.15),
            dec!(30),
        ),
        product(
            "BUT-250",
            "4000400131136",
            "Butter 250 g",
            "Dairy",
            dec!(2.49),
            dec!(18),
        ),
        product(
            "YOG-500",
            "4007993007059",
            "Greek yoghurt 500 g",
            "Dairy",
            dec!(2.79),
            dec!(3),
        ),
        product(
            "CHE-200",
            "3228021170022",
            "Comté 200 g",
            "Dairy",
            dec!(4.60),
            dec!(12),
        ),
        product(
            "WAT-150",
            "3057640117008",
            "Still water 1.5 l",
            "Drinks",
            dec!(0.65),
            dec!(90),
        ),
        product(
            "JUI-1L",
            "4001497100008",
            "Orange juice 1 l",
            "Drinks",
            dec!(2.25),
            dec!(22),
        ),
        product(
            "COL-330",
            "5449000000996",
            "Cola 0.33 l",
            "Drinks",
            dec!(1.10),
            dec!(48),
        ),
        product(
            "BRD-500",
            "2000000000015",
            "Sourdough loaf",
            "Bakery",
            dec!(3.80),
            dec!(10),
        ),
        product(
            "CRO-001",
            "2000000000022",
            "Croissant",
            "Bakery",
            dec!(1.20),
            dec!(24),
        ),
        product(
            "BAG-001",
            "2000000000039",
            "Baguette",
            "Bakery",
            dec!(1.05),
            dec!(2),
        ),
        product(
            "SOA-100",
            "4005900036698",
            "Hand soap",
            "Household",
            dec!(1.95),
            dec!(15),
        ),
        product(
            "DET-1L",
            "8001090621245",
            "Dish soap 1 l",
            "Household",
            dec!(2.45),
            dec!(9),
        ),
    ];
    for (sku, name, price) in [
        ("APL-KG", "Apples (kg)", dec!(2.99)),
        ("BAN-KG", "Bananas (kg)", dec!(1.89)),
        ("TOM-KG", "Tomatoes (kg)", dec!(3.49)),
    ] {
        let mut p = product(sku, "", name, "Produce", price, dec!(50));
        p.unit = Unit::Kg;
        p.tax_class = "reduced".into();
        items.push(p);
    }
    items
}

/// Half-up to the cent, as tills and tax authorities round (not banker's rounding).
fn money(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

fn tax_rate(class: &str) -> Decimal {
    if class == "reduced" {
        dec!(0.055)
    } else {
        dec!(0.20)
    }
}

impl MemoryBackend {
    pub fn demo() -> Self {
        let users = vec![
            (
                UserTile {
                    id: "alice".into(),
                    name: "Alice".into(),
                    role: Role::Cashier,
                },
                "1234".into(),
            ),
            (
                UserTile {
                    id: "bob".into(),
                    name: "Bob".into(),
                    role: Role::Cashier,
                },
                "2468".into(),
            ),
            (
                UserTile {
                    id: "morgan".into(),
                    name: "Morgan".into(),
                    role: Role::Manager,
                },
                "9999".into(),
            ),
        ];
        let products = demo_catalog()
            .into_iter()
            .map(|p| (p.sku.clone(), p))
            .collect();
        MemoryBackend {
            simulated_card: false,
            state: Arc::new(Mutex::new(State {
                users,
                products,
                next_line: 1,
                next_held: 1,
                ..State::default()
            })),
        }
    }

    /// The demo lane plus an in-process card simulator: every card payment asks for an
    /// application choice and a PIN on the PIN pad, and is approved when it does not
    /// exceed the amount due.
    pub fn with_simulated_card() -> Self {
        MemoryBackend {
            simulated_card: true,
            ..Self::demo()
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// What the simulated printer printed: receipt numbers, in order.
    pub fn printed(&self) -> Vec<String> {
        self.state().printed.clone()
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic while holding the lock cannot leave the demo state half-written in a way
    // that matters more than stopping the till, so recover the guard.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The simulated card flow, run on its own thread like a real kernel shell.
fn simulated_card_flow(
    state: Arc<Mutex<State>>,
    amount: Decimal,
    prompts: iced::futures::channel::mpsc::UnboundedSender<CardPrompt>,
    replies: std::sync::mpsc::Receiver<CardReply>,
) {
    let send = |p: CardPrompt| {
        let _ = prompts.unbounded_send(p);
    };
    send(CardPrompt::PresentCard);
    send(CardPrompt::ChooseApplication(vec![
        "VISA CREDIT".into(),
        "VISA DEBIT".into(),
    ]));
    match replies.recv_timeout(std::time::Duration::from_secs(120)) {
        Ok(CardReply::Application(_)) => {}
        Ok(CardReply::Cancel) => return send(CardPrompt::Failed("cancelled".into())),
        Err(_) => return send(CardPrompt::Failed("no application chosen".into())),
    }
    send(CardPrompt::PinOnPinpad {
        attempts_left: Some(3),
    });
    send(CardPrompt::Processing("Authorising online".into()));
    let outcome = lock(&state).pay(TenderKind::Card, amount);
    send(CardPrompt::RemoveCard);
    match outcome {
        Ok(outcome) => send(CardPrompt::Approved {
            auth_code: "SIM042".into(),
            masked_pan: "476173******0119".into(),
            outcome,
        }),
        Err(e) => send(CardPrompt::Declined {
            reason: e.to_string(),
        }),
    }
}

impl MemoryBackend {}

impl State {
    fn view(&self) -> CartView {
        let subtotal: Decimal = self.cart.iter().map(|l| l.total).sum();
        let discount = money(subtotal * self.cart_discount / dec!(100));
        let total = subtotal - discount;
        let factor = if subtotal.is_zero() {
            Decimal::ONE
        } else {
            total / subtotal
        };
        let tax = self
            .cart
            .iter()
            .map(|l| {
                let rate = self
                    .products
                    .get(&l.sku)
                    .map_or(dec!(0.20), |p| tax_rate(&p.tax_class));
                l.total * factor * rate / (Decimal::ONE + rate)
            })
            .sum::<Decimal>();
        CartView {
            lines: self.cart.clone(),
            discount_percent: self.cart_discount,
            customer: self.customer.clone(),
            subtotal,
            discount,
            tax: money(tax),
            total,
            paid: self.payments.iter().map(|(_, a)| *a).sum(),
        }
    }

    fn require_user(&self) -> BackendResult<&UserTile> {
        self.user
            .as_ref()
            .ok_or_else(|| BackendError::Refused("nobody is logged in".into()))
    }

    fn add(
        &mut self,
        sku: &str,
        quantity: Decimal,
        price: Option<Decimal>,
    ) -> BackendResult<CartView> {
        self.require_user()?;
        if quantity <= Decimal::ZERO {
            return Err(BackendError::Invalid("quantity must be positive".into()));
        }
        let p = self
            .products
            .get(sku)
            .filter(|p| p.active)
            .ok_or_else(|| BackendError::NotFound(format!("item {sku}")))?;
        let unit_price = price.unwrap_or(p.price);
        if let Some(line) = self.cart.iter_mut().find(|l| {
            l.sku == sku
                && p.unit == Unit::Each
                && l.unit_price == unit_price
                && l.discount_percent.is_zero()
        }) {
            line.quantity += quantity;
            line.total = money(line.quantity * line.unit_price);
        } else {
            let line = CartLine {
                line_id: self.next_line,
                sku: p.sku.clone(),
                name: p.name.clone(),
                quantity,
                unit: p.unit,
                unit_price,
                discount_percent: Decimal::ZERO,
                total: money(quantity * unit_price),
            };
            self.next_line += 1;
            self.cart.push(line);
        }
        Ok(self.view())
    }

    fn pay(&mut self, tender: TenderKind, amount: Decimal) -> BackendResult<PaymentOutcome> {
        let s = self;
        s.require_user()?;
        let view = s.view();
        if view.lines.is_empty() {
            return Err(BackendError::Refused("the cart is empty".into()));
        }
        if amount <= Decimal::ZERO {
            return Err(BackendError::Invalid("amount must be positive".into()));
        }
        let due = view.due();
        if tender != TenderKind::Cash && amount > due {
            return Err(BackendError::Refused(format!(
                "only cash can exceed the amount due ({due})"
            )));
        }
        let applied = amount.min(due);
        s.payments.push((tender, applied));
        if applied < due {
            return Ok(PaymentOutcome::Partial {
                remaining: due - applied,
            });
        }
        let change = amount - applied;
        let number = format!("R{:06}", s.sales.len() + 1);
        let lines: Vec<SoldLine> = view
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| SoldLine {
                line_no: u32::try_from(i + 1).unwrap_or(u32::MAX),
                name: l.name.clone(),
                quantity: l.quantity,
                refundable: l.quantity,
                unit_price: if l.quantity.is_zero() {
                    l.total
                } else {
                    money(l.total / l.quantity)
                },
            })
            .collect();
        for l in &view.lines {
            if let Some(p) = s.products.get_mut(&l.sku) {
                p.stock -= l.quantity;
            }
        }
        let payments = std::mem::take(&mut s.payments);
        let cash: Decimal = payments
            .iter()
            .filter(|(t, _)| *t == TenderKind::Cash)
            .map(|(_, a)| *a)
            .sum();
        if let Some(shift) = s.shift.as_mut() {
            shift.cash_sales += cash;
            shift.expected_cash += cash;
        }
        let mut text: Vec<String> = view
            .lines
            .iter()
            .map(|l| format!("{} x{}  {}", l.name, l.quantity, l.total))
            .collect();
        text.push(format!("TOTAL {}", view.total));
        text.push(format!("CHANGE {change}"));
        let hour = u8::try_from(10 + s.sales.len() % 8).unwrap_or(10);
        s.sales.push(Sale {
            number: number.clone(),
            lines,
            payments,
            hour,
        });
        s.outbox += 1;
        s.reset_cart();
        Ok(PaymentOutcome::Completed(SaleReceipt {
            number,
            total: view.total,
            change,
            text,
        }))
    }

    fn reset_cart(&mut self) {
        self.cart.clear();
        self.cart_discount = Decimal::ZERO;
        self.customer = None;
        self.payments.clear();
    }
}

/// Price-embedded EAN-13 (prefix 2x): digits 8..12 are the price in cents.
fn embedded_price(code: &str) -> Option<(String, Decimal)> {
    if code.len() == 13 && code.starts_with('2') && code.bytes().all(|b| b.is_ascii_digit()) {
        let item = format!("{}000000", &code[..7]);
        let cents: i64 = code[7..12].parse().ok()?;
        Some((item, Decimal::new(cents, 2)))
    } else {
        None
    }
}

impl Backend for MemoryBackend {
    fn lane(&self) -> LaneInfo {
        LaneInfo {
            lane_id: "LANE-01".into(),
            store_name: "Demo store".into(),
            currency: "EUR".into(),
        }
    }

    fn users(&self) -> Vec<UserTile> {
        self.state().users.iter().map(|(u, _)| u.clone()).collect()
    }

    fn login(&self, user_id: &str, pin: &str) -> BackendResult<UserTile> {
        let mut s = self.state();
        let user = s
            .users
            .iter()
            .find(|(u, p)| u.id == user_id && p == pin)
            .map(|(u, _)| u.clone())
            .ok_or_else(|| BackendError::Refused("wrong user or PIN".into()))?;
        s.user = Some(user.clone());
        Ok(user)
    }

    fn logout(&self) {
        self.state().user = None;
    }

    fn categories(&self) -> Vec<String> {
        let s = self.state();
        let mut cats: Vec<String> = s.products.values().map(|p| p.category.clone()).collect();
        cats.sort();
        cats.dedup();
        cats
    }

    fn products(&self, q: &ProductQuery) -> Vec<Product> {
        let needle = q.text.to_lowercase();
        let limit = if q.limit == 0 { usize::MAX } else { q.limit };
        self.state()
            .products
            .values()
            .filter(|p| q.category.as_ref().is_none_or(|c| &p.category == c))
            .filter(|p| !q.low_stock_only || p.is_low_stock())
            .filter(|p| {
                needle.is_empty()
                    || p.name.to_lowercase().contains(&needle)
                    || p.sku.to_lowercase().contains(&needle)
                    || p.gtin.as_deref().is_some_and(|g| g.contains(&needle))
            })
            .take(limit)
            .cloned()
            .collect()
    }

    fn cart(&self) -> CartView {
        self.state().view()
    }

    fn add_item(&self, sku: &str, quantity: Decimal) -> BackendResult<CartView> {
        self.state().add(sku, quantity, None)
    }

    fn scan(&self, code: &str) -> BackendResult<CartView> {
        let mut s = self.state();
        let code = code.trim();
        if let Some(sku) = s
            .products
            .values()
            .find(|p| p.gtin.as_deref() == Some(code))
            .map(|p| p.sku.clone())
        {
            return s.add(&sku, Decimal::ONE, None);
        }
        if let Some((base, price)) = embedded_price(code)
            && let Some(sku) = s
                .products
                .values()
                .find(|p| p.gtin.as_deref() == Some(&base))
                .map(|p| p.sku.clone())
        {
            return s.add(&sku, Decimal::ONE, Some(price));
        }
        Err(BackendError::NotFound(format!("barcode {code}")))
    }

    fn edit_line(&self, line_id: u64, edit: LineEdit) -> BackendResult<CartView> {
        let mut s = self.state();
        let line = s
            .cart
            .iter_mut()
            .find(|l| l.line_id == line_id)
            .ok_or_else(|| BackendError::NotFound(format!("line {line_id}")))?;
        match edit {
            LineEdit::Quantity(q) if q > Decimal::ZERO => line.quantity = q,
            LineEdit::Price(p) if p >= Decimal::ZERO => line.unit_price = p,
            LineEdit::DiscountPercent(d) if (Decimal::ZERO..=dec!(100)).contains(&d) => {
                line.discount_percent = d
            }
            _ => return Err(BackendError::Invalid("value out of range".into())),
        }
        let gross = line.quantity * line.unit_price;
        line.total = money(gross - gross * line.discount_percent / dec!(100));
        Ok(s.view())
    }

    fn remove_line(&self, line_id: u64) -> BackendResult<CartView> {
        let mut s = self.state();
        s.cart.retain(|l| l.line_id != line_id);
        Ok(s.view())
    }

    fn cart_discount(&self, percent: Decimal) -> BackendResult<CartView> {
        if !(Decimal::ZERO..=dec!(100)).contains(&percent) {
            return Err(BackendError::Invalid("discount must be 0-100 %".into()));
        }
        let mut s = self.state();
        s.cart_discount = percent;
        Ok(s.view())
    }

    fn attach_customer(&self, query: &str) -> BackendResult<CartView> {
        let mut s = self.state();
        let name = query.trim();
        if name.is_empty() {
            return Err(BackendError::Invalid(
                "type a customer name or number".into(),
            ));
        }
        s.customer = Some(name.to_string());
        Ok(s.view())
    }

    fn hold(&self) -> BackendResult<()> {
        let mut s = self.state();
        if s.cart.is_empty() {
            return Err(BackendError::Refused("the cart is empty".into()));
        }
        if !s.payments.is_empty() {
            return Err(BackendError::Refused(
                "a cart with payments cannot be held".into(),
            ));
        }
        let view = s.view();
        let held = HeldCart {
            id: s.next_held,
            label: format!("Hold #{}", s.next_held),
            total: Some(view.total),
        };
        s.next_held += 1;
        let lines = std::mem::take(&mut s.cart);
        s.held.push((held, lines));
        s.reset_cart();
        Ok(())
    }

    fn held(&self) -> Vec<HeldCart> {
        self.state().held.iter().map(|(h, _)| h.clone()).collect()
    }

    fn recall(&self, id: u64) -> BackendResult<CartView> {
        let mut s = self.state();
        if !s.cart.is_empty() {
            return Err(BackendError::Refused(
                "finish or hold the current cart first".into(),
            ));
        }
        let pos = s
            .held
            .iter()
            .position(|(h, _)| h.id == id)
            .ok_or_else(|| BackendError::NotFound(format!("held cart {id}")))?;
        let (_, lines) = s.held.remove(pos);
        s.cart = lines;
        Ok(s.view())
    }

    fn void_cart(&self) -> BackendResult<CartView> {
        let mut s = self.state();
        if !s.payments.is_empty() {
            return Err(BackendError::Refused(
                "payments were taken; refund them first".into(),
            ));
        }
        s.reset_cart();
        Ok(s.view())
    }

    fn pay(&self, tender: TenderKind, amount: Decimal) -> BackendResult<PaymentOutcome> {
        if tender == TenderKind::Card {
            return Err(BackendError::Refused(
                "card payments run through the card flow".into(),
            ));
        }
        self.state().pay(tender, amount)
    }

    fn card_ready(&self) -> BackendResult<()> {
        if self.simulated_card {
            Ok(())
        } else {
            Err(BackendError::Refused(
                "card payments need the acquirer link".into(),
            ))
        }
    }

    fn start_card(&self, amount: Decimal) -> BackendResult<CardSession> {
        self.card_ready()?;
        if amount <= Decimal::ZERO {
            return Err(BackendError::Invalid("amount must be positive".into()));
        }
        let (prompt_tx, prompt_rx) = iced::futures::channel::mpsc::unbounded();
        let (reply_tx, reply_rx) = std::sync::mpsc::channel();
        let state = Arc::clone(&self.state);
        std::thread::spawn(move || simulated_card_flow(state, amount, prompt_tx, reply_rx));
        Ok(CardSession {
            prompts: prompt_rx,
            replies: reply_tx,
        })
    }

    fn print_receipt(&self, number: &str) -> BackendResult<()> {
        let mut s = self.state();
        if !s.sales.iter().any(|sale| sale.number == number) {
            return Err(BackendError::NotFound(format!("receipt {number}")));
        }
        s.printed.push(number.to_string());
        Ok(())
    }

    fn find_receipt(&self, number: &str) -> BackendResult<ReceiptLookup> {
        let s = self.state();
        let sale = s
            .sales
            .iter()
            .find(|sale| sale.number.eq_ignore_ascii_case(number.trim()))
            .ok_or_else(|| BackendError::NotFound(format!("receipt {number}")))?;
        Ok(ReceiptLookup {
            number: sale.number.clone(),
            lines: sale.lines.clone(),
        })
    }

    fn refund(
        &self,
        number: &str,
        lines: &[(u32, Decimal)],
        approval: Option<&Approval>,
    ) -> BackendResult<RefundDone> {
        let mut s = self.state();
        let user = s.require_user()?.clone();
        if user.role != Role::Manager {
            let ok = approval.is_some_and(|a| {
                s.users
                    .iter()
                    .any(|(u, pin)| u.id == a.user_id && *pin == a.pin && u.role == Role::Manager)
            });
            if !ok {
                return Err(BackendError::NeedsManager("refunds need a manager".into()));
            }
        }
        let sale = s
            .sales
            .iter_mut()
            .find(|sale| sale.number.eq_ignore_ascii_case(number.trim()))
            .ok_or_else(|| BackendError::NotFound(format!("receipt {number}")))?;
        let mut amount = Decimal::ZERO;
        for (line_no, qty) in lines {
            let line = sale
                .lines
                .iter()
                .find(|l| l.line_no == *line_no)
                .ok_or_else(|| BackendError::NotFound(format!("line {line_no}")))?;
            if *qty <= Decimal::ZERO || *qty > line.refundable {
                return Err(BackendError::Invalid(format!(
                    "line {line_no}: at most {} can be refunded",
                    line.refundable
                )));
            }
            amount += money(*qty * line.unit_price);
        }
        if amount.is_zero() {
            return Err(BackendError::Invalid("choose at least one line".into()));
        }
        for (line_no, qty) in lines {
            if let Some(line) = sale.lines.iter_mut().find(|l| l.line_no == *line_no) {
                line.refundable -= *qty;
            }
        }
        let number = sale.number.clone();
        if let Some(shift) = s.shift.as_mut() {
            shift.expected_cash -= amount;
        }
        s.outbox += 1;
        Ok(RefundDone { number, amount })
    }

    fn shift(&self) -> Option<ShiftStatus> {
        self.state().shift.clone()
    }

    fn open_shift(&self, float: Decimal) -> BackendResult<ShiftStatus> {
        let mut s = self.state();
        let user = s.require_user()?.name.clone();
        if s.shift.is_some() {
            return Err(BackendError::Refused("a shift is already open".into()));
        }
        if float < Decimal::ZERO {
            return Err(BackendError::Invalid("float cannot be negative".into()));
        }
        let shift = ShiftStatus {
            opened_by: user,
            float,
            cash_in: Decimal::ZERO,
            cash_out: Decimal::ZERO,
            cash_sales: Decimal::ZERO,
            expected_cash: float,
        };
        s.shift = Some(shift.clone());
        s.shift_number += 1;
        Ok(shift)
    }

    fn cash_movement(&self, amount: Decimal, reason: &str) -> BackendResult<ShiftStatus> {
        let mut s = self.state();
        if reason.trim().is_empty() {
            return Err(BackendError::Invalid("give a reason".into()));
        }
        let shift = s
            .shift
            .as_mut()
            .ok_or_else(|| BackendError::Refused("no shift is open".into()))?;
        if amount >= Decimal::ZERO {
            shift.cash_in += amount;
        } else {
            shift.cash_out -= amount;
        }
        shift.expected_cash += amount;
        Ok(shift.clone())
    }

    fn x_report(&self) -> BackendResult<ShiftReport> {
        let s = self.state();
        let shift = s
            .shift
            .as_ref()
            .ok_or_else(|| BackendError::Refused("no shift is open".into()))?;
        Ok(report(
            ShiftReportKind::X,
            s.shift_number,
            shift,
            shift.expected_cash,
        ))
    }

    fn close_shift(&self, counted: &[(Decimal, u32)]) -> BackendResult<ShiftReport> {
        let mut s = self.state();
        let shift = s
            .shift
            .take()
            .ok_or_else(|| BackendError::Refused("no shift is open".into()))?;
        let total: Decimal = counted.iter().map(|(d, n)| *d * Decimal::from(*n)).sum();
        s.outbox += 1;
        Ok(report(ShiftReportKind::Z, s.shift_number, &shift, total))
    }

    fn save_product(&self, p: &Product) -> BackendResult<()> {
        if p.sku.trim().is_empty() || p.name.trim().is_empty() {
            return Err(BackendError::Invalid("SKU and name are required".into()));
        }
        if p.price < Decimal::ZERO {
            return Err(BackendError::Invalid("price cannot be negative".into()));
        }
        let mut s = self.state();
        s.products.insert(p.sku.clone(), p.clone());
        s.outbox += 1;
        Ok(())
    }

    fn adjust_stock(&self, sku: &str, delta: Decimal, reason: &str) -> BackendResult<Product> {
        if reason.trim().is_empty() {
            return Err(BackendError::Invalid("give a reason".into()));
        }
        let mut s = self.state();
        let p = s
            .products
            .get_mut(sku)
            .ok_or_else(|| BackendError::NotFound(format!("item {sku}")))?;
        p.stock += delta;
        let p = p.clone();
        s.outbox += 1;
        Ok(p)
    }

    fn import_csv(&self, csv: &str, progress: &mut dyn FnMut(usize, usize)) -> ImportReport {
        let rows: Vec<&str> = csv
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .collect();
        let total = rows.len();
        let mut report = ImportReport::default();
        for (i, row) in rows.iter().enumerate() {
            let row_no = i + 2; // 1-based, after the header
            match parse_row(row) {
                Ok(p) => match self.save_product(&p) {
                    Ok(()) => report.imported += 1,
                    Err(e) => report.errors.push((row_no, e.to_string())),
                },
                Err(e) => report.errors.push((row_no, e)),
            }
            progress(i + 1, total);
        }
        report
    }

    fn sales_report(&self) -> SalesReport {
        let s = self.state();
        let mut by_hour: BTreeMap<u8, Decimal> = BTreeMap::new();
        let mut tenders: BTreeMap<String, Decimal> = BTreeMap::new();
        let mut top: BTreeMap<String, (Decimal, Decimal)> = BTreeMap::new();
        for sale in &s.sales {
            for (t, a) in &sale.payments {
                *by_hour.entry(sale.hour).or_default() += *a;
                *tenders.entry(t.to_string()).or_default() += *a;
            }
            for l in &sale.lines {
                let e = top.entry(l.name.clone()).or_default();
                e.0 += l.quantity;
                e.1 += money(l.quantity * l.unit_price);
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
        super::services::report_csv(&self.sales_report())
    }

    fn status(&self) -> LinkStatus {
        let sim = |name: &str| DeviceStatus {
            name: name.into(),
            simulated: true,
            state: LinkState::Up,
            detail: "in-process".into(),
        };
        LinkStatus {
            devices: vec![
                sim("Card reader"),
                sim("Printer"),
                sim("Scanner"),
                sim("Cash drawer"),
            ],
            acquirer: LinkState::NotConfigured,
            back_office: LinkState::NotConfigured,
            sync_queue: self.state().outbox,
            sync_parked: 0,
        }
    }

    fn test_device(&self, name: &str) -> BackendResult<String> {
        Ok(format!("{name}: simulated device answered"))
    }
}

fn report(
    kind: ShiftReportKind,
    number: u32,
    shift: &ShiftStatus,
    counted: Decimal,
) -> ShiftReport {
    ShiftReport {
        kind,
        number,
        lines: vec![
            ("Opening float".into(), shift.float),
            ("Cash sales".into(), shift.cash_sales),
            ("Cash paid in".into(), shift.cash_in),
            ("Cash paid out".into(), shift.cash_out),
            ("Expected in drawer".into(), shift.expected_cash),
        ],
        counted,
        expected: shift.expected_cash,
    }
}

/// `sku,gtin,name,category,price,tax_class,unit,stock,active` — one catalog row, the
/// store's catalog CSV layout.
fn parse_row(row: &str) -> Result<Product, String> {
    let f: Vec<&str> = row.split(',').map(str::trim).collect();
    let [
        sku,
        gtin,
        name,
        category,
        price,
        tax_class,
        unit,
        stock,
        active,
    ] = f[..]
    else {
        return Err(format!("expected 9 fields, found {}", f.len()));
    };
    let price: Decimal = price
        .parse()
        .map_err(|_| format!("price {price:?} is not a number"))?;
    let stock: Decimal = stock
        .parse()
        .map_err(|_| format!("stock {stock:?} is not a number"))?;
    let unit = match unit {
        "each" => Unit::Each,
        "kg" => Unit::Kg,
        other => return Err(format!("unit {other:?} is not each or kg")),
    };
    if !gtin.is_empty() && !gtin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("GTIN {gtin:?} is not numeric"));
    }
    let mut p = product(sku, gtin, name, category, price, stock);
    p.unit = unit;
    p.tax_class = tax_class.to_string();
    p.active = active != "0";
    Ok(p)
}
