//! Refund: find the sale by receipt number (typed or scanned), choose lines and
//! quantities, and get a manager's approval on the spot when the cashier may not refund.

use crate::ui::backend::{Approval, Backend, BackendError, ReceiptLookup, Role, UserTile};
use crate::ui::screen::Ctx;
use crate::ui::theme;
use crate::ui::widget::{self, Element, OskKey, PadKey, PinEntry, TEXT, TITLE};
use iced::widget::{column, container, row, scrollable, text, text_input};
use iced::{Fill, FillPortion};
use rust_decimal::Decimal;

#[derive(Debug)]
pub struct Refund {
    number: String,
    sale: Option<ReceiptLookup>,
    chosen: Vec<Decimal>,
    approval: Option<ApprovalPad>,
    managers: Vec<UserTile>,
    notice: Option<(String, bool)>,
}

/// The manager's PIN pad that appears when approval is needed.
#[derive(Debug, Default)]
struct ApprovalPad {
    manager: Option<usize>,
    pin: PinEntry,
}

#[derive(Debug, Clone)]
pub enum Message {
    Number(String),
    Osk(OskKey),
    Find,
    Step(usize, i32),
    All,
    Refund,
    Manager(usize),
    Pin(PadKey),
    CancelApproval,
}

#[derive(Debug, Clone)]
pub enum Event {}

impl Refund {
    pub fn new(backend: &dyn Backend) -> Self {
        Refund {
            number: String::new(),
            sale: None,
            chosen: Vec::new(),
            approval: None,
            managers: backend
                .users()
                .into_iter()
                .filter(|u| u.role == Role::Manager)
                .collect(),
            notice: None,
        }
    }

    pub fn notice(&self) -> Option<&str> {
        self.notice.as_ref().map(|(m, _)| m.as_str())
    }

    pub fn needs_approval(&self) -> bool {
        self.approval.is_some()
    }

    /// A scanned receipt barcode looks the sale up directly.
    pub fn scanned(&mut self, code: &str, backend: &dyn Backend) {
        self.number = code.to_string();
        let _ = self.update(Message::Find, backend);
    }

    fn selection(&self) -> Vec<(u32, Decimal)> {
        let Some(sale) = &self.sale else {
            return Vec::new();
        };
        sale.lines
            .iter()
            .zip(&self.chosen)
            .filter(|(_, q)| !q.is_zero())
            .map(|(l, q)| (l.line_no, *q))
            .collect()
    }

    fn submit(&mut self, approval: Option<&Approval>, backend: &dyn Backend) {
        let Some(sale) = &self.sale else { return };
        match backend.refund(&sale.number, &self.selection(), approval) {
            Ok(done) => {
                self.notice = Some((
                    format!(
                        "refunded {} on {} — give the cash back",
                        done.amount, done.number
                    ),
                    false,
                ));
                self.approval = None;
                self.sale = None;
                self.chosen.clear();
                self.number.clear();
            }
            Err(BackendError::NeedsManager(_)) if approval.is_none() => {
                self.approval = Some(ApprovalPad::default());
                self.notice = Some(("a manager must approve this refund".into(), true));
            }
            Err(e) => {
                if let Some(pad) = &mut self.approval {
                    pad.pin.clear();
                }
                self.notice = Some((e.to_string(), true));
            }
        }
    }

    pub fn update(&mut self, message: Message, backend: &dyn Backend) -> Option<Event> {
        match message {
            Message::Number(n) => self.number = n,
            Message::Osk(key) => {
                if widget::apply_osk(&mut self.number, key) {
                    return self.update(Message::Find, backend);
                }
            }
            Message::Find => match backend.find_receipt(&self.number) {
                Ok(sale) => {
                    self.chosen = vec![Decimal::ZERO; sale.lines.len()];
                    self.sale = Some(sale);
                    self.notice = None;
                }
                Err(e) => {
                    self.sale = None;
                    self.notice = Some((e.to_string(), true));
                }
            },
            Message::Step(i, delta) => {
                if let (Some(sale), Some(q)) = (&self.sale, self.chosen.get_mut(i))
                    && let Some(line) = sale.lines.get(i)
                {
                    *q = (*q + Decimal::from(delta)).clamp(Decimal::ZERO, line.refundable);
                }
            }
            Message::All => {
                if let Some(sale) = &self.sale {
                    self.chosen = sale.lines.iter().map(|l| l.refundable).collect();
                }
            }
            Message::Refund => self.submit(None, backend),
            Message::Manager(i) => {
                if let Some(pad) = &mut self.approval {
                    pad.manager = Some(i);
                    pad.pin.clear();
                }
            }
            Message::Pin(key) => {
                let Some(pad) = &mut self.approval else {
                    return None;
                };
                if pad.pin.press(key) {
                    let pin = pad.pin.take();
                    let Some(manager) = pad.manager.and_then(|i| self.managers.get(i)) else {
                        self.notice = Some(("tap the approving manager first".into(), true));
                        return None;
                    };
                    let approval = Approval {
                        user_id: manager.id.clone(),
                        pin,
                    };
                    self.submit(Some(&approval), backend);
                }
            }
            Message::CancelApproval => self.approval = None,
        }
        None
    }

    pub fn view<'a>(&'a self, ctx: Ctx<'a>) -> Element<'a, Message> {
        let mut main = column![
            text("Return and refund").size(TITLE),
            row![
                text_input("Receipt number, e.g. R000001", &self.number)
                    .on_input(Message::Number)
                    .on_submit(Message::Find)
                    .size(TEXT)
                    .padding(14)
                    .width(Fill),
                widget::action("Find", Some(Message::Find)).width(140),
            ]
            .spacing(8),
        ]
        .spacing(12)
        .width(FillPortion(5));
        if let Some(sale) = &self.sale {
            let mut lines = column![].spacing(4);
            for (i, (line, q)) in sale.lines.iter().zip(&self.chosen).enumerate() {
                lines = lines.push(
                    row![
                        column![
                            text(line.name.as_str()).size(TEXT),
                            text(format!(
                                "sold {} · refundable {} · {} each",
                                line.quantity.normalize(),
                                line.refundable.normalize(),
                                ctx.money(line.unit_price)
                            ))
                            .size(16)
                            .style(theme::text_muted),
                        ]
                        .width(Fill),
                        widget::touch("−", Some(Message::Step(i, -1)))
                            .width(56)
                            .style(theme::tile),
                        text(format!("×{}", q.normalize()))
                            .size(TEXT)
                            .width(64)
                            .align_x(iced::Center),
                        widget::touch("+", Some(Message::Step(i, 1)))
                            .width(56)
                            .style(theme::tile),
                    ]
                    .spacing(8)
                    .align_y(iced::Center),
                );
            }
            let amount: Decimal = sale
                .lines
                .iter()
                .zip(&self.chosen)
                .map(|(l, q)| l.unit_price * *q)
                .sum();
            main = main
                .push(text(format!("Sale {}", sale.number)).size(TEXT))
                .push(
                    container(scrollable(lines))
                        .height(Fill)
                        .padding(8)
                        .style(theme::panel),
                )
                .push(widget::figure("Refund total", ctx.money(amount), TITLE))
                .push(
                    row![
                        widget::secondary("All lines", Some(Message::All)).width(Fill),
                        widget::action(
                            "Give refund",
                            (!amount.is_zero()).then_some(Message::Refund)
                        )
                        .width(Fill),
                    ]
                    .spacing(8),
                );
        }
        if let Some((m, is_error)) = &self.notice {
            main = main.push(widget::banner(m, *is_error));
        }
        let side: Element<'a, Message> = match &self.approval {
            Some(pad) => {
                let tiles = self
                    .managers
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        widget::tile(
                            m.name.clone(),
                            "Manager".into(),
                            pad.manager == Some(i),
                            Some(Message::Manager(i)),
                        )
                        .into()
                    })
                    .collect();
                column![
                    text("Manager approval").size(TITLE),
                    widget::tile_grid(tiles, 2),
                    container(text(pad.pin.dots()).size(TITLE)).height(48),
                    widget::keypad(Message::Pin, "Approve", false),
                    widget::secondary("Cancel", Some(Message::CancelApproval)).width(Fill),
                ]
                .spacing(8)
                .into()
            }
            None => column![
                iced::widget::space().height(Fill),
                widget::osk(Message::Osk)
            ]
            .into(),
        };
        row![main, container(side).width(FillPortion(4)).height(Fill)]
            .spacing(24)
            .padding(24)
            .into()
    }
}
