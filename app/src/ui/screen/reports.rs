//! Reports: sales by hour and tender mix as bar charts, top products, CSV export.

use crate::ui::backend::{Backend, SalesReport};
use crate::ui::screen::Ctx;
use crate::ui::theme;
use crate::ui::widget::{self, Element, TEXT, TITLE};
use iced::widget::{column, container, row, scrollable, text};
use iced::{Fill, FillPortion, Length};
use rust_decimal::Decimal;
use std::path::PathBuf;

#[derive(Debug)]
pub struct Reports {
    report: SalesReport,
    export_dir: PathBuf,
    notice: Option<(String, bool)>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Refresh,
    Export,
}

#[derive(Debug, Clone)]
pub enum Event {}

/// Splits a bar's width into filled and empty portions (1..=1000) without floats.
pub fn bar_portions(value: Decimal, max: Decimal) -> (u16, u16) {
    if max <= Decimal::ZERO || value <= Decimal::ZERO {
        return (0, 1000);
    }
    let filled = (value * Decimal::from(1000) / max)
        .round()
        .clamp(Decimal::ONE, Decimal::from(1000));
    let filled = u16::try_from(filled.mantissa() / 10i128.pow(filled.scale())).unwrap_or(1000);
    (filled, 1000 - filled)
}

impl Reports {
    pub fn new(backend: &dyn Backend, export_dir: PathBuf) -> Self {
        Reports {
            report: backend.sales_report(),
            export_dir,
            notice: None,
        }
    }

    pub fn update(&mut self, message: Message, backend: &dyn Backend) -> Option<Event> {
        match message {
            Message::Refresh => self.report = backend.sales_report(),
            Message::Export => {
                let path = self.export_dir.join("sales-report.csv");
                let result = std::fs::create_dir_all(&self.export_dir)
                    .and_then(|()| std::fs::write(&path, backend.sales_report_csv()));
                self.notice = Some(match result {
                    Ok(()) => (format!("exported to {}", path.display()), false),
                    Err(e) => (format!("export failed: {e}"), true),
                });
            }
        }
        None
    }

    pub fn notice(&self) -> Option<&str> {
        self.notice.as_ref().map(|(m, _)| m.as_str())
    }

    fn chart<'a>(ctx: Ctx<'a>, rows: Vec<(String, Decimal)>) -> Element<'a, Message> {
        let max = rows.iter().map(|(_, v)| *v).max().unwrap_or_default();
        let mut col = column![].spacing(6);
        for (label, value) in rows {
            let (filled, empty) = bar_portions(value, max);
            let mut bar = row![].height(28);
            if filled > 0 {
                bar = bar.push(
                    container(text(""))
                        .width(FillPortion(filled))
                        .height(Fill)
                        .style(theme::bar),
                );
            }
            bar = bar.push(iced::widget::space().width(FillPortion(empty.max(1))));
            col = col.push(
                row![
                    text(label).size(18).width(80),
                    bar.width(Fill),
                    text(ctx.money(value)).size(18).width(140)
                ]
                .spacing(8)
                .align_y(iced::Center),
            );
        }
        col.into()
    }

    pub fn view<'a>(&'a self, ctx: Ctx<'a>) -> Element<'a, Message> {
        let r = &self.report;
        let hours = r
            .by_hour
            .iter()
            .map(|(h, v)| (format!("{h:02}:00"), *v))
            .collect();
        let tenders = r.tender_mix.iter().map(|(t, v)| (t.clone(), *v)).collect();
        let mut top = column![].spacing(4);
        for (name, qty, amount) in &r.top_products {
            top = top.push(
                row![
                    text(name.as_str()).size(18).width(Fill),
                    text(qty.normalize().to_string()).size(18).width(60),
                    text(ctx.money(*amount)).size(18).width(140)
                ]
                .spacing(8),
            );
        }
        if r.top_products.is_empty() {
            top = top.push(text("No sales yet").size(TEXT));
        }
        let panel = |title: &'a str, body: Element<'a, Message>| {
            container(column![text(title).size(TEXT), body].spacing(8))
                .padding(12)
                .width(Fill)
                .style(theme::panel)
        };
        let mut col = column![
            row![
                text("Reports — today").size(TITLE).width(Fill),
                widget::secondary("Refresh", Some(Message::Refresh)).width(140),
                widget::action("Export CSV", Some(Message::Export)).width(180),
            ]
            .spacing(8),
            row![
                panel("Sales by hour", Self::chart(ctx, hours)).width(FillPortion(3)),
                panel("Tender mix", Self::chart(ctx, tenders)).width(FillPortion(2)),
            ]
            .spacing(12),
            panel("Top products", scrollable(top).height(Length::Fill).into()),
        ]
        .spacing(12)
        .padding(16);
        if let Some((m, is_error)) = &self.notice {
            col = col.push(widget::banner(m, *is_error));
        }
        col.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn bars_are_proportional_to_the_largest_value() {
        assert_eq!(bar_portions(dec!(50), dec!(100)), (500, 500));
        assert_eq!(bar_portions(dec!(100), dec!(100)), (1000, 0));
        assert_eq!(bar_portions(dec!(0), dec!(100)), (0, 1000));
        assert_eq!(bar_portions(dec!(0.001), dec!(100)), (1, 999));
    }
}
