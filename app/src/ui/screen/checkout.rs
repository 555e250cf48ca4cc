//! Checkout: the cart on the left, finding items on the right (search as you type, category
//! tiles, product tiles), a keypad for quantity, weight, price and discounts, customer
//! attach, and hold/recall. A scanned barcode always lands here (see [`Checkout::scanned`]).

use crate::ui::backend::{
    Backend, BackendError, CartView, HeldCart, LineEdit, Product, ProductQuery, Unit,
};
use crate::ui::screen::Ctx;
use crate::ui::theme;
use crate::ui::widget::{self, Element, OskKey, PadKey, TEXT, TITLE};
use iced::widget::{button, column, container, row, scrollable, text, text_input};
use iced::{Fill, FillPortion, Length};
use rust_decimal::Decimal;

/// How many product tiles a search or category shows.
const RESULTS: usize = 24;
/// Cart rows are a little taller than a plain touch target: two lines of text.
const ROW_HEIGHT: f32 = 64.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PadMode {
    Quantity,
    Price,
    LineDiscount,
    CartDiscount,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Side {
    Products,
    Customer(String),
    Held(Vec<HeldCart>),
}

#[derive(Debug)]
pub struct Checkout {
    cart: CartView,
    selected: Option<u64>,
    search: String,
    categories: Vec<String>,
    category: Option<String>,
    results: Vec<Product>,
    entry: String,
    mode: PadMode,
    side: Side,
    keyboard: bool,
    notice: Option<(String, bool)>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Search(String),
    Category(Option<String>),
    Add(String),
    Select(u64),
    Remove,
    Pad(PadKey),
    Mode(PadMode),
    ToggleKeyboard,
    Osk(OskKey),
    Customer,
    CustomerInput(String),
    AttachCustomer,
    Hold,
    ShowHeld,
    Recall(u64),
    BackToProducts,
    Void,
    Pay,
}

#[derive(Debug, Clone)]
pub enum Event {
    Pay,
}

impl Checkout {
    pub fn new(backend: &dyn Backend) -> Self {
        let mut c = Checkout {
            cart: backend.cart(),
            selected: None,
            search: String::new(),
            categories: backend.categories(),
            category: None,
            results: Vec::new(),
            entry: String::new(),
            mode: PadMode::Quantity,
            side: Side::Products,
            keyboard: false,
            notice: None,
        };
        c.refresh_results(backend);
        c
    }

    pub fn cart(&self) -> &CartView {
        &self.cart
    }

    pub fn notice(&self) -> Option<&str> {
        self.notice.as_ref().map(|(m, _)| m.as_str())
    }

    /// Reloads the cart (after a payment or recall elsewhere).
    pub fn reload(&mut self, backend: &dyn Backend) {
        self.cart = backend.cart();
        self.selected = self.cart.lines.last().map(|l| l.line_id);
    }

    /// A barcode arrived from a scanner or the keyboard wedge. If the wedge also typed it
    /// into the search field, take it back out.
    pub fn scanned(&mut self, code: &str, backend: &dyn Backend) {
        if let Some(rest) = self.search.strip_suffix(code) {
            self.search = rest.to_string();
        }
        let result = backend.scan(code);
        self.apply(result);
    }

    fn refresh_results(&mut self, backend: &dyn Backend) {
        self.results = backend.products(&ProductQuery {
            text: self.search.clone(),
            category: self.category.clone(),
            low_stock_only: false,
            limit: RESULTS,
        });
    }

    fn apply(&mut self, result: Result<CartView, BackendError>) {
        match result {
            Ok(cart) => {
                let grew = cart.lines.len() > self.cart.lines.len();
                self.cart = cart;
                if grew
                    || self
                        .selected
                        .is_none_or(|id| !self.cart.lines.iter().any(|l| l.line_id == id))
                {
                    self.selected = self.cart.lines.last().map(|l| l.line_id);
                }
                self.notice = None;
            }
            Err(e) => self.notice = Some((e.to_string(), true)),
        }
    }

    fn apply_entry(&mut self, backend: &dyn Backend) {
        let Some(value) = widget::parse_entry(&self.entry) else {
            self.notice = Some(("type a number first".into(), true));
            return;
        };
        self.entry.clear();
        let result = match (self.mode, self.selected) {
            (PadMode::CartDiscount, _) => backend.cart_discount(value),
            (_, None) => Err(BackendError::Invalid("choose a cart line first".into())),
            (PadMode::Quantity, Some(id)) => backend.edit_line(id, LineEdit::Quantity(value)),
            (PadMode::Price, Some(id)) => backend.edit_line(id, LineEdit::Price(value)),
            (PadMode::LineDiscount, Some(id)) => {
                backend.edit_line(id, LineEdit::DiscountPercent(value))
            }
        };
        self.apply(result);
    }

    pub fn update(&mut self, message: Message, backend: &dyn Backend) -> Option<Event> {
        match message {
            Message::Search(text) => {
                self.search = text;
                self.refresh_results(backend);
            }
            Message::Category(category) => {
                self.category = category;
                self.search.clear();
                self.refresh_results(backend);
            }
            Message::Add(sku) => {
                // A number on the keypad before tapping a tile is the quantity or weight.
                let typed =
                    widget::parse_entry(&self.entry).filter(|_| self.mode == PadMode::Quantity);
                let is_weighed = self
                    .results
                    .iter()
                    .any(|p| p.sku == sku && p.unit == Unit::Kg);
                if is_weighed && typed.is_none() {
                    self.notice = Some(("type the weight in kg, then tap the item".into(), true));
                    return None;
                }
                self.entry.clear();
                let result = backend.add_item(&sku, typed.unwrap_or(Decimal::ONE));
                self.apply(result);
            }
            Message::Select(id) => self.selected = Some(id),
            Message::Remove => {
                if let Some(id) = self.selected.take() {
                    let result = backend.remove_line(id);
                    self.apply(result);
                }
            }
            Message::Pad(key) => {
                if widget::apply_pad(&mut self.entry, key, 10) {
                    self.apply_entry(backend);
                }
            }
            Message::Mode(mode) => self.mode = mode,
            Message::ToggleKeyboard => self.keyboard = !self.keyboard,
            Message::Osk(key) => match &mut self.side {
                Side::Customer(query) => {
                    if widget::apply_osk(query, key) {
                        return self.update(Message::AttachCustomer, backend);
                    }
                }
                _ => {
                    if widget::apply_osk(&mut self.search, key) {
                        self.keyboard = false;
                    }
                    self.refresh_results(backend);
                }
            },
            Message::Customer => {
                self.side = Side::Customer(String::new());
                self.keyboard = true;
            }
            Message::CustomerInput(query) => self.side = Side::Customer(query),
            Message::AttachCustomer => {
                if let Side::Customer(query) = &self.side {
                    let result = backend.attach_customer(query);
                    if result.is_ok() {
                        self.side = Side::Products;
                        self.keyboard = false;
                    }
                    self.apply(result);
                }
            }
            Message::Hold => match backend.hold() {
                Ok(()) => {
                    self.reload(backend);
                    self.notice = Some(("cart held".into(), false));
                }
                Err(e) => self.notice = Some((e.to_string(), true)),
            },
            Message::ShowHeld => self.side = Side::Held(backend.held()),
            Message::Recall(id) => {
                let result = backend.recall(id);
                if result.is_ok() {
                    self.side = Side::Products;
                }
                self.apply(result);
            }
            Message::BackToProducts => {
                self.side = Side::Products;
                self.keyboard = false;
            }
            Message::Void => {
                let result = backend.void_cart();
                self.apply(result);
            }
            Message::Pay => {
                if self.cart.lines.is_empty() {
                    self.notice = Some(("the cart is empty".into(), true));
                } else {
                    return Some(Event::Pay);
                }
            }
        }
        None
    }

    pub fn view<'a>(&'a self, ctx: Ctx<'a>) -> Element<'a, Message> {
        let cart = self.cart_panel(ctx);
        let right = match &self.side {
            Side::Products => self.products_panel(ctx),
            Side::Customer(query) => column![
                text("Attach customer").size(TITLE),
                text_input("Name, phone or card number", query)
                    .on_input(Message::CustomerInput)
                    .on_submit(Message::AttachCustomer)
                    .size(TEXT)
                    .padding(14),
                row![
                    widget::action("Attach", Some(Message::AttachCustomer)).width(Fill),
                    widget::secondary("Back", Some(Message::BackToProducts)).width(Fill)
                ]
                .spacing(8),
                iced::widget::space().height(Fill),
                widget::osk(Message::Osk),
            ]
            .spacing(12)
            .into(),
            Side::Held(held) => {
                let tiles: Vec<Element<'a, Message>> = held
                    .iter()
                    .map(|h| {
                        widget::tile(
                            h.label.clone(),
                            h.total.map(|t| ctx.money(t)).unwrap_or_default(),
                            false,
                            Some(Message::Recall(h.id)),
                        )
                        .into()
                    })
                    .collect();
                let empty = if held.is_empty() {
                    "No held carts"
                } else {
                    "Tap a cart to recall it"
                };
                column![
                    text("Held carts").size(TITLE),
                    text(empty).size(TEXT),
                    scrollable(widget::tile_grid(tiles, 2)).height(Fill),
                    widget::secondary("Back", Some(Message::BackToProducts)).width(Fill),
                ]
                .spacing(12)
                .into()
            }
        };
        let (left, right_w) = (FillPortion(4), FillPortion(6));
        row![
            container(cart)
                .width(left)
                .height(Fill)
                .padding(8)
                .style(theme::panel),
            container(right).width(right_w).height(Fill),
        ]
        .spacing(12)
        .padding(12)
        .into()
    }

    fn cart_panel<'a>(&'a self, ctx: Ctx<'a>) -> Element<'a, Message> {
        let mut lines = column![].spacing(4);
        for line in &self.cart.lines {
            let qty = match line.unit {
                Unit::Each => format!(
                    "{} × {}",
                    line.quantity.normalize(),
                    ctx.money(line.unit_price)
                ),
                Unit::Kg => format!(
                    "{} kg × {}",
                    line.quantity.normalize(),
                    ctx.money(line.unit_price)
                ),
            };
            let discount = (!line.discount_percent.is_zero())
                .then(|| format!("  −{}%", line.discount_percent.normalize()));
            let selected = self.selected == Some(line.line_id);
            // On the highlighted row the detail keeps the row's own (contrasting) colour.
            let detail_style = if selected {
                iced::widget::text::base
            } else {
                theme::text_muted
            };
            let body = row![
                column![
                    text(line.name.as_str()).size(TEXT),
                    text(format!("{qty}{}", discount.unwrap_or_default()))
                        .size(16)
                        .style(detail_style)
                ]
                .width(Fill),
                text(ctx.money(line.total)).size(TEXT),
            ]
            .spacing(8)
            .align_y(iced::Center);
            lines = lines.push(
                button(body)
                    .on_press(Message::Select(line.line_id))
                    .width(Fill)
                    .height(Length::Fixed(ROW_HEIGHT))
                    .padding([6, 10])
                    .style(if selected {
                        theme::tile_active
                    } else {
                        theme::tile
                    }),
            );
        }
        if self.cart.lines.is_empty() {
            lines = lines.push(
                text("Scan or tap an item to start a sale")
                    .size(TEXT)
                    .style(theme::text_muted),
            );
        }
        let c = &self.cart;
        let mut totals = column![widget::figure("Subtotal", ctx.money(c.subtotal), 18)].spacing(2);
        if !c.discount.is_zero() {
            totals = totals.push(widget::figure(
                format!("Discount {}%", c.discount_percent.normalize()),
                format!("−{}", ctx.money(c.discount)),
                18,
            ));
        }
        totals = totals.push(widget::figure("incl. tax", ctx.money(c.tax), 18));
        if !c.paid.is_zero() {
            totals = totals.push(widget::figure("Paid", ctx.money(c.paid), 18));
        }
        totals = totals.push(widget::figure("TOTAL", ctx.money(c.due()), TITLE));
        let customer = text(match &c.customer {
            Some(name) => format!("Customer: {name}"),
            None => "No customer".to_string(),
        })
        .size(16);
        let mut col = column![
            row![
                text(format!("{} lines", c.lines.len()))
                    .size(16)
                    .width(Fill),
                customer
            ]
            .spacing(8),
            scrollable(lines).height(Fill).anchor_bottom(),
            totals,
        ]
        .spacing(8);
        if let Some((m, is_error)) = &self.notice {
            col = col.push(widget::banner(m, *is_error));
        }
        col.push(
            row![
                widget::secondary("Remove", self.selected.map(|_| Message::Remove)).width(Fill),
                widget::secondary("Hold", Some(Message::Hold)).width(Fill),
                widget::secondary("Recall", Some(Message::ShowHeld)).width(Fill),
                widget::danger("Void", (!c.lines.is_empty()).then_some(Message::Void)).width(Fill),
            ]
            .spacing(6),
        )
        .push(
            row![
                widget::secondary("Customer", Some(Message::Customer)).width(Fill),
                widget::action(format!("Pay {}", ctx.money(c.due())), Some(Message::Pay))
                    .width(FillPortion(2)),
            ]
            .spacing(6),
        )
        .into()
    }

    fn products_panel<'a>(&'a self, ctx: Ctx<'a>) -> Element<'a, Message> {
        let search = row![
            text_input("Search items by name, SKU or barcode", &self.search)
                .on_input(Message::Search)
                .size(TEXT)
                .padding(14)
                .width(Fill),
            widget::touch(
                if self.keyboard { "Keypad" } else { "Keyboard" },
                Some(Message::ToggleKeyboard)
            )
            .width(140)
            .style(if self.keyboard {
                theme::tile_active
            } else {
                theme::tile
            }),
        ]
        .spacing(8);
        let mut cats = row![category_tile("All", self.category.is_none(), None)].spacing(6);
        for c in &self.categories {
            cats = cats.push(category_tile(
                c,
                self.category.as_ref() == Some(c),
                Some(c.clone()),
            ));
        }
        let columns = if ctx.wide { 5 } else { 2 };
        let tiles = self
            .results
            .iter()
            .map(|p| {
                let price = match p.unit {
                    Unit::Each => ctx.money(p.price),
                    Unit::Kg => format!("{} /kg", ctx.money(p.price)),
                };
                widget::tile(
                    p.name.clone(),
                    price,
                    false,
                    Some(Message::Add(p.sku.clone())),
                )
                .into()
            })
            .collect();
        let grid = scrollable(widget::tile_grid(tiles, columns)).height(Fill);
        // Wide screens show every category; 1024x768 keeps them on one row you swipe.
        let cats: Element<'a, Message> = if ctx.wide {
            cats.wrap().vertical_spacing(6).into()
        } else {
            let bar = scrollable::Scrollbar::new()
                .width(6)
                .scroller_width(6)
                .spacing(4);
            scrollable(cats)
                .direction(scrollable::Direction::Horizontal(bar))
                .into()
        };
        if self.keyboard {
            return column![search, cats, grid, widget::osk(Message::Osk)]
                .spacing(8)
                .into();
        }
        let mode = |label: &'a str, m: PadMode| {
            widget::touch(label, Some(Message::Mode(m)))
                .width(Fill)
                .style(if self.mode == m {
                    theme::tile_active
                } else {
                    theme::tile
                })
        };
        let modes = [
            mode("Qty / kg", PadMode::Quantity),
            mode("Price", PadMode::Price),
            mode("Line %", PadMode::LineDiscount),
            mode("Cart %", PadMode::CartDiscount),
        ];
        let entry = container(
            text(if self.entry.is_empty() {
                " ".to_string()
            } else {
                self.entry.clone()
            })
            .size(TITLE),
        )
        .padding([4, 12])
        .width(Fill)
        .style(theme::panel);
        let pad = widget::keypad(Message::Pad, "OK", true);
        if ctx.wide {
            // 1920x1080: the keypad sits under a tall product grid, modes beside it.
            let [a, b, c, d] = modes;
            let bottom = row![
                column![a, b, c, d].spacing(6).width(FillPortion(1)),
                column![entry, pad].spacing(6).width(FillPortion(3)),
            ]
            .spacing(8);
            column![search, cats, grid, bottom].spacing(8).into()
        } else {
            // 1024x768: not enough height for both, so the keypad stands beside the grid.
            let [a, b, c, d] = modes;
            let side = column![row![a, b].spacing(6), row![c, d].spacing(6), entry, pad]
                .spacing(6)
                .width(FillPortion(2));
            column![
                search,
                cats,
                row![grid.width(FillPortion(3)), side].spacing(8)
            ]
            .spacing(8)
            .into()
        }
    }
}

fn category_tile<'a>(label: &str, active: bool, category: Option<String>) -> Element<'a, Message> {
    widget::touch(label.to_string(), Some(Message::Category(category)))
        .width(Length::Shrink)
        .style(if active {
            theme::tile_active
        } else {
            theme::tile
        })
        .into()
}
