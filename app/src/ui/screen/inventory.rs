//! Inventory for managers: list and search, low-stock filter, edit and add items, stock
//! adjustments with a reason, and CSV import with a progress bar and per-row errors.
//! The import runs on a worker thread and reports progress as messages.

use crate::ui::backend::{Backend, ImportReport, Product, ProductQuery, Unit};
use crate::ui::screen::Ctx;
use crate::ui::theme;
use crate::ui::widget::{self, Element, OskKey, TEXT, TITLE};
use iced::futures::Stream;
use iced::futures::channel::mpsc;
use iced::widget::{button, column, container, progress_bar, row, scrollable, text, text_input};
use iced::{Fill, FillPortion, Length, Task};
use rust_decimal::Decimal;
use std::path::PathBuf;
use std::sync::Arc;

const PAGE: usize = 200;

/// The text fields the on-screen keyboard can type into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Search,
    Sku,
    Gtin,
    Name,
    Category,
    Price,
    Adjust,
    Reason,
    Path,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Draft {
    is_new: bool,
    sku: String,
    gtin: String,
    name: String,
    category: String,
    price: String,
    unit: Option<Unit>,
    stock: Decimal,
    adjust: String,
    reason: String,
}

#[derive(Debug, Default)]
pub struct Inventory {
    query: String,
    low_only: bool,
    items: Vec<Product>,
    draft: Option<Draft>,
    focus: Option<Field>,
    path: String,
    progress: Option<(usize, usize)>,
    report: Option<ImportReport>,
    notice: Option<(String, bool)>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Input(Field, String),
    Focus(Field),
    Osk(OskKey),
    LowOnly(bool),
    Edit(String),
    New,
    Save,
    Adjust,
    Cancel,
    StartImport,
    Progress(usize, usize),
    Imported(Result<ImportReport, String>),
}

#[derive(Debug, Clone)]
pub enum Event {}

/// Reads the file and imports it on a worker thread, streaming progress then the report.
pub fn import_stream(backend: Arc<dyn Backend>, path: PathBuf) -> impl Stream<Item = Message> {
    let (tx, rx) = mpsc::unbounded();
    std::thread::spawn(move || {
        let report = match std::fs::read_to_string(&path) {
            Ok(csv) => {
                let progress_tx = tx.clone();
                let mut last = 0;
                Ok(backend.import_csv(&csv, &mut |done, total| {
                    // Every row would flood the UI; a percent step is enough for the bar.
                    let step = (total / 100).max(1);
                    if done == total || done >= last + step {
                        last = done;
                        let _ = progress_tx.unbounded_send(Message::Progress(done, total));
                    }
                }))
            }
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        };
        let _ = tx.unbounded_send(Message::Imported(report));
    });
    rx
}

impl Inventory {
    pub fn new(backend: &dyn Backend) -> Self {
        let mut inv = Inventory::default();
        inv.refresh(backend);
        inv
    }

    pub fn items(&self) -> &[Product] {
        &self.items
    }

    pub fn import_report(&self) -> Option<&ImportReport> {
        self.report.as_ref()
    }

    pub fn notice(&self) -> Option<&str> {
        self.notice.as_ref().map(|(m, _)| m.as_str())
    }

    fn refresh(&mut self, backend: &dyn Backend) {
        self.items = backend.products(&ProductQuery {
            text: self.query.clone(),
            category: None,
            low_stock_only: self.low_only,
            limit: PAGE,
        });
    }

    /// A scanned barcode becomes the search.
    pub fn scanned(&mut self, code: &str, backend: &dyn Backend) {
        self.query = code.to_string();
        self.refresh(backend);
    }

    fn field_mut(&mut self, field: Field) -> Option<&mut String> {
        match field {
            Field::Search => Some(&mut self.query),
            Field::Path => Some(&mut self.path),
            _ => {
                let d = self.draft.as_mut()?;
                Some(match field {
                    Field::Sku => &mut d.sku,
                    Field::Gtin => &mut d.gtin,
                    Field::Name => &mut d.name,
                    Field::Category => &mut d.category,
                    Field::Price => &mut d.price,
                    Field::Adjust => &mut d.adjust,
                    _ => &mut d.reason,
                })
            }
        }
    }

    fn save(&mut self, backend: &dyn Backend) {
        let Some(d) = &self.draft else { return };
        let Ok(price) = d.price.trim().parse::<Decimal>() else {
            self.notice = Some((format!("price {:?} is not a number", d.price), true));
            return;
        };
        let gtin = d.gtin.trim();
        let product = Product {
            sku: d.sku.trim().to_string(),
            gtin: (!gtin.is_empty()).then(|| gtin.to_string()),
            name: d.name.trim().to_string(),
            category: d.category.trim().to_string(),
            price,
            tax_class: "standard".into(),
            unit: d.unit.unwrap_or(Unit::Each),
            stock: d.stock,
            reorder_level: Decimal::from(5),
            active: true,
        };
        match backend.save_product(&product) {
            Ok(()) => {
                self.notice = Some((format!("saved {}", product.name), false));
                self.draft = None;
                self.refresh(backend);
            }
            Err(e) => self.notice = Some((e.to_string(), true)),
        }
    }

    pub fn update(
        &mut self,
        message: Message,
        backend: &Arc<dyn Backend>,
    ) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Input(field, value) => {
                if let Some(f) = self.field_mut(field) {
                    *f = value;
                }
                if field == Field::Search {
                    self.refresh(backend.as_ref());
                }
            }
            Message::Focus(field) => self.focus = Some(field),
            Message::Osk(key) => {
                let field = self.focus.unwrap_or(Field::Search);
                let done = self
                    .field_mut(field)
                    .is_some_and(|f| widget::apply_osk(f, key));
                if field == Field::Search {
                    self.refresh(backend.as_ref());
                }
                if done {
                    self.focus = None;
                }
            }
            Message::LowOnly(on) => {
                self.low_only = on;
                self.refresh(backend.as_ref());
            }
            Message::Edit(sku) => {
                if let Some(p) = self.items.iter().find(|p| p.sku == sku) {
                    self.draft = Some(Draft {
                        is_new: false,
                        sku: p.sku.clone(),
                        gtin: p.gtin.clone().unwrap_or_default(),
                        name: p.name.clone(),
                        category: p.category.clone(),
                        price: p.price.to_string(),
                        unit: Some(p.unit),
                        stock: p.stock,
                        ..Draft::default()
                    });
                    self.focus = Some(Field::Name);
                }
            }
            Message::New => {
                self.draft = Some(Draft {
                    is_new: true,
                    ..Draft::default()
                });
                self.focus = Some(Field::Sku);
            }
            Message::Save => self.save(backend.as_ref()),
            Message::Adjust => {
                let Some(d) = &mut self.draft else {
                    return (Task::none(), None);
                };
                match d.adjust.trim().parse::<Decimal>() {
                    Ok(delta) => match backend.adjust_stock(&d.sku, delta, &d.reason) {
                        Ok(p) => {
                            d.stock = p.stock;
                            d.adjust.clear();
                            d.reason.clear();
                            self.notice = Some((
                                format!("stock of {} is now {}", p.name, p.stock.normalize()),
                                false,
                            ));
                            self.refresh(backend.as_ref());
                        }
                        Err(e) => self.notice = Some((e.to_string(), true)),
                    },
                    Err(_) => self.notice = Some(("type the change, e.g. 12 or -3".into(), true)),
                }
            }
            Message::Cancel => {
                self.draft = None;
                self.focus = None;
            }
            Message::StartImport => {
                if self.progress.is_some() {
                    return (Task::none(), None);
                }
                self.report = None;
                self.progress = Some((0, 0));
                let stream = import_stream(Arc::clone(backend), PathBuf::from(self.path.trim()));
                return (Task::stream(stream), None);
            }
            Message::Progress(done, total) => self.progress = Some((done, total)),
            Message::Imported(result) => {
                self.progress = None;
                match result {
                    Ok(report) => {
                        self.notice = Some((
                            format!(
                                "imported {} rows, {} with errors",
                                report.imported,
                                report.errors.len()
                            ),
                            report.errors.is_empty(),
                        ));
                        if !report.errors.is_empty() {
                            self.notice = Some((
                                format!(
                                    "imported {} rows, {} with errors",
                                    report.imported,
                                    report.errors.len()
                                ),
                                true,
                            ));
                        }
                        self.report = Some(report);
                        self.refresh(backend.as_ref());
                    }
                    Err(e) => self.notice = Some((e, true)),
                }
            }
        }
        (Task::none(), None)
    }

    fn input<'a>(&'a self, label: &'a str, field: Field, value: &'a str) -> Element<'a, Message> {
        let focused = self.focus == Some(field);
        row![
            button(text(label).size(18))
                .on_press(Message::Focus(field))
                .width(130)
                .height(Length::Fixed(widget::TOUCH))
                .style(if focused {
                    theme::tile_active
                } else {
                    theme::tile
                }),
            text_input(label, value)
                .on_input(move |v| Message::Input(field, v))
                .size(TEXT)
                .padding(14)
                .width(Fill),
        ]
        .spacing(8)
        .into()
    }

    pub fn view<'a>(&'a self, ctx: Ctx<'a>) -> Element<'a, Message> {
        let mut list = column![].spacing(4);
        for p in &self.items {
            let low = if p.is_low_stock() { "  LOW" } else { "" };
            list = list.push(
                button(
                    row![
                        text(p.sku.as_str()).size(16).width(110),
                        text(p.name.as_str()).size(TEXT).width(Fill),
                        text(ctx.money(p.price)).size(TEXT).width(130),
                        text(format!("{} {}{low}", p.stock.normalize(), p.unit.as_str()))
                            .size(TEXT)
                            .width(150),
                    ]
                    .spacing(8)
                    .align_y(iced::Center),
                )
                .on_press(Message::Edit(p.sku.clone()))
                .width(Fill)
                .height(Length::Fixed(widget::TOUCH))
                .style(theme::tile),
            );
        }
        let filter = if self.low_only {
            "Low stock ✔"
        } else {
            "Low stock"
        };
        let mut left = column![
            row![
                self.input("Search", Field::Search, &self.query),
                widget::touch(filter, Some(Message::LowOnly(!self.low_only)))
                    .width(160)
                    .style(if self.low_only {
                        theme::tile_active
                    } else {
                        theme::tile
                    }),
                widget::action("Add item", Some(Message::New)).width(140),
            ]
            .spacing(8),
            text(format!("{} items", self.items.len())).size(16),
            scrollable(list).height(Fill),
        ]
        .spacing(8)
        .width(FillPortion(6));
        if let Some((m, is_error)) = &self.notice {
            left = left.push(widget::banner(m, *is_error));
        }
        let right: Element<'a, Message> = match &self.draft {
            Some(d) => {
                let mut form = column![
                    text(if d.is_new {
                        "New item".to_string()
                    } else {
                        format!("Edit {}", d.sku)
                    })
                    .size(TITLE),
                ]
                .spacing(8);
                if d.is_new {
                    form = form.push(self.input("SKU", Field::Sku, &d.sku));
                }
                form = form
                    .push(self.input("Name", Field::Name, &d.name))
                    .push(self.input("Barcode", Field::Gtin, &d.gtin))
                    .push(self.input("Category", Field::Category, &d.category))
                    .push(self.input("Price", Field::Price, &d.price))
                    .push(
                        row![
                            widget::action("Save", Some(Message::Save)).width(Fill),
                            widget::secondary("Cancel", Some(Message::Cancel)).width(Fill)
                        ]
                        .spacing(8),
                    );
                if !d.is_new {
                    form = form
                        .push(text(format!("In stock: {}", d.stock.normalize())).size(TEXT))
                        .push(self.input("Change", Field::Adjust, &d.adjust))
                        .push(self.input("Reason", Field::Reason, &d.reason))
                        .push(widget::secondary("Adjust stock", Some(Message::Adjust)).width(Fill));
                }
                form.push(widget::osk(Message::Osk)).into()
            }
            None => self.import_view(),
        };
        row![
            left,
            container(scrollable(right))
                .width(FillPortion(4))
                .padding(8)
                .style(theme::panel)
        ]
        .spacing(16)
        .padding(16)
        .into()
    }

    fn import_view<'a>(&'a self) -> Element<'a, Message> {
        let mut col = column![
            text("Import CSV").size(TITLE),
            text("Columns: sku,gtin,name,category,price,tax_class,unit,stock,active").size(16),
            self.input("File", Field::Path, &self.path),
            widget::action(
                "Import",
                self.progress.is_none().then_some(Message::StartImport)
            )
            .width(Fill),
        ]
        .spacing(8);
        if let Some((done, total)) = self.progress {
            let (done, total) = (
                u32::try_from(done).unwrap_or(u32::MAX),
                u32::try_from(total).unwrap_or(u32::MAX).max(1),
            );
            col = col
                .push(progress_bar(0.0..=total as f32, done as f32).girth(24))
                .push(text(format!("{done} / {total} rows")).size(16));
        }
        if let Some(report) = &self.report {
            col = col.push(
                text(format!(
                    "{} imported, {} rejected",
                    report.imported,
                    report.errors.len()
                ))
                .size(TEXT),
            );
            for (row_no, error) in report.errors.iter().take(50) {
                col = col.push(text(format!("row {row_no}: {error}")).size(16));
            }
        }
        col.push(widget::osk(Message::Osk)).into()
    }
}
