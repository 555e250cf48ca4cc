//! Shift: open with a float, cash in/out with a reason, an X report at any time, and
//! closing with a denomination count that produces the Z report.

use crate::ui::backend::{Backend, ShiftReport, ShiftReportKind, ShiftStatus};
use crate::ui::screen::Ctx;
use crate::ui::theme;
use crate::ui::widget::{self, Element, OskKey, PadKey, TEXT, TITLE};
use iced::widget::{column, container, row, scrollable, text, text_input};
use iced::{Fill, FillPortion};
use rust_decimal::Decimal;

/// Euro notes and coins, largest first.
pub const DENOMINATIONS: [&str; 15] = [
    "500", "200", "100", "50", "20", "10", "5", "2", "1", "0.50", "0.20", "0.10", "0.05", "0.02",
    "0.01",
];

/// The usual reasons for cash in or out.
pub const REASONS: [&str; 4] = ["Float top-up", "Bank drop", "Petty cash", "Supplier paid"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Overview,
    CashIn,
    CashOut,
    Count,
}

#[derive(Debug)]
pub struct Shift {
    status: Option<ShiftStatus>,
    mode: Mode,
    entry: String,
    reason: String,
    counts: Vec<(Decimal, u32)>,
    report: Option<ShiftReport>,
    notice: Option<(String, bool)>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Pad(PadKey),
    Open,
    Mode(Mode),
    Reason(String),
    Osk(OskKey),
    Move,
    Count(usize, i32),
    XReport,
    Close,
    DismissReport,
}

/// The shift screen hands nothing up; the status bar re-reads the shift on its own.
#[derive(Debug, Clone)]
pub enum Event {}

fn denominations() -> Vec<(Decimal, u32)> {
    DENOMINATIONS
        .iter()
        .filter_map(|d| d.parse().ok())
        .map(|d| (d, 0))
        .collect()
}

impl Shift {
    pub fn new(backend: &dyn Backend) -> Self {
        Shift {
            status: backend.shift(),
            mode: Mode::Overview,
            entry: String::new(),
            reason: String::new(),
            counts: denominations(),
            report: None,
            notice: None,
        }
    }

    pub fn report(&self) -> Option<&ShiftReport> {
        self.report.as_ref()
    }

    pub fn status(&self) -> Option<&ShiftStatus> {
        self.status.as_ref()
    }

    pub fn counted(&self) -> Decimal {
        self.counts
            .iter()
            .map(|(d, n)| *d * Decimal::from(*n))
            .sum()
    }

    fn set<T>(
        &mut self,
        result: Result<T, crate::ui::backend::BackendError>,
        ok: impl FnOnce(&mut Self, T),
    ) {
        match result {
            Ok(v) => {
                self.notice = None;
                ok(self, v);
            }
            Err(e) => self.notice = Some((e.to_string(), true)),
        }
    }

    pub fn update(&mut self, message: Message, backend: &dyn Backend) -> Option<Event> {
        match message {
            Message::Pad(key) => {
                let enter = widget::apply_pad(&mut self.entry, key, 10);
                if enter {
                    match self.mode {
                        _ if self.status.is_none() => return self.update(Message::Open, backend),
                        Mode::CashIn | Mode::CashOut => return self.update(Message::Move, backend),
                        _ => {}
                    }
                }
            }
            Message::Open => {
                let float = widget::parse_entry(&self.entry).unwrap_or_default();
                let result = backend.open_shift(float);
                self.set(result, |s, status| {
                    s.status = Some(status);
                    s.entry.clear();
                });
            }
            Message::Mode(mode) => {
                self.mode = mode;
                self.entry.clear();
                self.reason.clear();
            }
            Message::Reason(r) => self.reason = r,
            Message::Osk(key) => {
                if widget::apply_osk(&mut self.reason, key) {
                    return self.update(Message::Move, backend);
                }
            }
            Message::Move => {
                let Some(amount) = widget::parse_entry(&self.entry) else {
                    self.notice = Some(("type an amount".into(), true));
                    return None;
                };
                let signed = if self.mode == Mode::CashOut {
                    -amount
                } else {
                    amount
                };
                let result = backend.cash_movement(signed, &self.reason);
                self.set(result, |s, status| {
                    s.status = Some(status);
                    s.mode = Mode::Overview;
                    s.entry.clear();
                    s.reason.clear();
                    s.notice = Some(("cash movement recorded".into(), false));
                });
            }
            Message::Count(i, delta) => {
                if let Some((_, n)) = self.counts.get_mut(i) {
                    *n = n.saturating_add_signed(delta);
                }
            }
            Message::XReport => {
                let result = backend.x_report();
                self.set(result, |s, r| s.report = Some(r));
            }
            Message::Close => {
                let result = backend.close_shift(&self.counts);
                self.set(result, |s, r| {
                    s.report = Some(r);
                    s.status = None;
                    s.mode = Mode::Overview;
                    s.counts = denominations();
                });
            }
            Message::DismissReport => self.report = None,
        }
        None
    }

    pub fn view<'a>(&'a self, ctx: Ctx<'a>) -> Element<'a, Message> {
        let mut main = column![].spacing(12).width(FillPortion(5));
        if let Some(report) = &self.report {
            let title = match report.kind {
                ShiftReportKind::X => format!("X report (shift {})", report.number),
                ShiftReportKind::Z => format!("Z report (shift {}) — shift closed", report.number),
            };
            main = main.push(text(title).size(TITLE));
            for (label, value) in &report.lines {
                main = main.push(widget::figure(label.as_str(), ctx.money(*value), TEXT));
            }
            if report.kind == ShiftReportKind::Z {
                main = main
                    .push(widget::figure("Counted", ctx.money(report.counted), TEXT))
                    .push(widget::figure(
                        "Difference",
                        ctx.money(report.difference()),
                        TITLE,
                    ));
            }
            main = main.push(widget::secondary("Done", Some(Message::DismissReport)).width(200));
            return row![container(main).padding(16).style(theme::panel)]
                .padding(24)
                .into();
        }
        let pad_label;
        match &self.status {
            None => {
                main = main.push(text("No shift is open").size(TITLE)).push(
                    text("Count the float into the drawer, type it and tap Open.").size(TEXT),
                );
                pad_label = "Open";
            }
            Some(s) => {
                main = main
                    .push(text(format!("Shift open — by {}", s.opened_by)).size(TITLE))
                    .push(widget::figure("Float", ctx.money(s.float), TEXT))
                    .push(widget::figure("Cash sales", ctx.money(s.cash_sales), TEXT))
                    .push(widget::figure("Cash paid in", ctx.money(s.cash_in), TEXT))
                    .push(widget::figure("Cash paid out", ctx.money(s.cash_out), TEXT))
                    .push(widget::figure(
                        "Expected in drawer",
                        ctx.money(s.expected_cash),
                        TITLE,
                    ))
                    .push(
                        row![
                            widget::secondary("Cash in", Some(Message::Mode(Mode::CashIn)))
                                .width(Fill),
                            widget::secondary("Cash out", Some(Message::Mode(Mode::CashOut)))
                                .width(Fill),
                            widget::secondary("X report", Some(Message::XReport)).width(Fill),
                            widget::danger("Count & close", Some(Message::Mode(Mode::Count)))
                                .width(Fill),
                        ]
                        .spacing(8),
                    );
                pad_label = "OK";
            }
        }
        if let Some((m, is_error)) = &self.notice {
            main = main.push(widget::banner(m, *is_error));
        }
        let side: Element<'a, Message> = match self.mode {
            Mode::Count if self.status.is_some() => self.count_view(ctx),
            Mode::CashIn | Mode::CashOut if self.status.is_some() => {
                let title = if self.mode == Mode::CashIn {
                    "Cash in"
                } else {
                    "Cash out"
                };
                main = main.push(text(title).size(TITLE)).push(
                    text_input("Reason", &self.reason)
                        .on_input(Message::Reason)
                        .on_submit(Message::Move)
                        .size(TEXT)
                        .padding(14),
                );
                // Touch first: the usual reasons are tiles; the field takes anything else.
                let reasons = REASONS
                    .iter()
                    .map(|r| {
                        widget::tile(
                            (*r).to_string(),
                            String::new(),
                            self.reason == *r,
                            Some(Message::Reason((*r).to_string())),
                        )
                        .into()
                    })
                    .collect();
                main = main.push(widget::tile_grid(reasons, 2));
                self.pad(pad_label)
            }
            _ => self.pad(pad_label),
        };
        row![main, container(side).width(FillPortion(4))]
            .spacing(24)
            .padding(24)
            .into()
    }

    fn pad<'a>(&'a self, label: &'a str) -> Element<'a, Message> {
        column![
            text("Amount").size(TEXT),
            container(
                text(if self.entry.is_empty() {
                    " ".to_string()
                } else {
                    self.entry.clone()
                })
                .size(TITLE)
            )
            .padding([4, 12])
            .width(Fill)
            .style(theme::panel),
            widget::keypad(Message::Pad, label, true),
        ]
        .spacing(8)
        .into()
    }

    fn count_view<'a>(&'a self, ctx: Ctx<'a>) -> Element<'a, Message> {
        let mut rows = column![].spacing(4);
        for (i, (denom, n)) in self.counts.iter().enumerate() {
            rows = rows.push(
                row![
                    text(ctx.money(*denom)).size(TEXT).width(Fill),
                    widget::touch("−", Some(Message::Count(i, -1)))
                        .width(56)
                        .style(theme::tile),
                    text(n.to_string())
                        .size(TEXT)
                        .width(48)
                        .align_x(iced::Center),
                    widget::touch("+", Some(Message::Count(i, 1)))
                        .width(56)
                        .style(theme::tile),
                ]
                .spacing(8)
                .align_y(iced::Center),
            );
        }
        column![
            text("Count the drawer").size(TITLE),
            scrollable(rows).height(Fill),
            widget::figure("Counted", ctx.money(self.counted()), TITLE),
            widget::danger("Close shift (Z)", Some(Message::Close)).width(Fill),
        ]
        .spacing(8)
        .into()
    }
}
