//! Payment: tender tiles, cash with quick amounts and change due, split tender (any amount
//! below the due leaves the rest to pay), and the receipt choice once the sale completes.
//! Card payments follow the prompts the payment service streams (present card, choose
//! application, PIN on the PIN pad, remove card, approved/declined); when the acquirer link
//! is missing the screen says so instead.

use crate::ui::backend::{
    Backend, CardPrompt, CardReply, CartView, PaymentOutcome, SaleReceipt, TenderKind,
};
use crate::ui::screen::Ctx;
use crate::ui::theme;
use crate::ui::widget::{self, Element, PadKey, TEXT, TITLE};
use iced::widget::{column, container, row, scrollable, text};
use iced::{Center, Fill, FillPortion, Task};
use rust_decimal::Decimal;

#[derive(Debug)]
pub struct Payment {
    cart: CartView,
    tender: TenderKind,
    entry: String,
    card_block: Option<String>,
    card: Option<CardFlow>,
    receipt: Option<SaleReceipt>,
    card_note: Option<String>,
    notice: Option<(String, bool)>,
}

/// A card payment in progress: the latest prompt and the way back into the flow.
#[derive(Debug)]
struct CardFlow {
    amount: Decimal,
    prompt: CardPrompt,
    replies: std::sync::mpsc::Sender<CardReply>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Tender(TenderKind),
    Quick(Decimal),
    Pad(PadKey),
    Back,
    Print,
    NoReceipt,
    StartCard,
    Card(CardPrompt),
    ChooseApplication(usize),
    CancelCard,
    CloseCard,
}

#[derive(Debug, Clone)]
pub enum Event {
    /// Back to the cart without finishing.
    Back,
    /// The sale is complete and the receipt dealt with.
    Finished,
}

/// Exact, then the next round banknote amounts above the amount due.
pub fn quick_amounts(due: Decimal) -> Vec<Decimal> {
    let mut amounts = vec![due];
    for step in [
        Decimal::from(5),
        Decimal::from(10),
        Decimal::from(20),
        Decimal::from(50),
        Decimal::from(100),
    ] {
        let up = (due / step).ceil() * step;
        if up > due && !amounts.contains(&up) {
            amounts.push(up);
        }
    }
    amounts.truncate(5);
    amounts
}

impl Payment {
    pub fn new(backend: &dyn Backend) -> Self {
        Payment {
            cart: backend.cart(),
            tender: TenderKind::Cash,
            entry: String::new(),
            card_block: None,
            card: None,
            receipt: None,
            card_note: None,
            notice: None,
        }
    }

    pub fn receipt(&self) -> Option<&SaleReceipt> {
        self.receipt.as_ref()
    }

    /// The card prompt on screen, if a card payment is running or just ended.
    pub fn card_prompt(&self) -> Option<&CardPrompt> {
        self.card.as_ref().map(|c| &c.prompt)
    }

    pub fn notice(&self) -> Option<&str> {
        self.notice.as_ref().map(|(m, _)| m.as_str())
    }

    fn tender(&mut self, amount: Decimal, backend: &dyn Backend) {
        match backend.pay(self.tender, amount) {
            Ok(PaymentOutcome::Partial { remaining }) => {
                self.cart = backend.cart();
                self.notice = Some((format!("{} paid, {} still due", amount, remaining), false));
            }
            Ok(PaymentOutcome::Completed(receipt)) => {
                self.notice = None;
                self.receipt = Some(receipt);
            }
            Err(e) => self.notice = Some((e.to_string(), true)),
        }
    }

    fn card_prompt_arrived(&mut self, prompt: CardPrompt, backend: &dyn Backend) {
        if let CardPrompt::Approved {
            auth_code,
            masked_pan,
            outcome,
        } = &prompt
        {
            self.card_note = Some(format!("Card {masked_pan} approved, auth code {auth_code}"));
            match outcome {
                PaymentOutcome::Completed(receipt) => self.receipt = Some(receipt.clone()),
                PaymentOutcome::Partial { remaining } => {
                    self.cart = backend.cart();
                    self.notice = Some((format!("card approved, {remaining} still due"), false));
                }
            }
        }
        if let Some(card) = &mut self.card {
            card.prompt = prompt;
        }
    }

    pub fn update(
        &mut self,
        message: Message,
        backend: &dyn Backend,
    ) -> (Task<Message>, Option<Event>) {
        match message {
            Message::StartCard => {
                let amount = widget::parse_entry(&self.entry).unwrap_or_else(|| self.cart.due());
                match backend.start_card(amount) {
                    Ok(session) => {
                        self.entry.clear();
                        self.notice = None;
                        self.card = Some(CardFlow {
                            amount,
                            prompt: CardPrompt::PresentCard,
                            replies: session.replies,
                        });
                        return (Task::stream(session.prompts).map(Message::Card), None);
                    }
                    Err(e) => self.notice = Some((e.to_string(), true)),
                }
            }
            Message::Card(prompt) => self.card_prompt_arrived(prompt, backend),
            Message::ChooseApplication(i) => {
                if let Some(card) = &self.card {
                    let _ = card.replies.send(CardReply::Application(i));
                }
            }
            Message::CancelCard => {
                if let Some(card) = &self.card {
                    let _ = card.replies.send(CardReply::Cancel);
                }
            }
            Message::CloseCard => {
                if self.card.as_ref().is_some_and(|c| c.prompt.is_final()) {
                    self.card = None;
                }
            }
            Message::Tender(kind) => {
                self.tender = kind;
                self.card_block = None;
                if kind == TenderKind::Card
                    && let Err(e) = backend.card_ready()
                {
                    self.card_block = Some(e.to_string());
                }
            }
            Message::Quick(amount) => self.tender(amount, backend),
            Message::Pad(key) => {
                if widget::apply_pad(&mut self.entry, key, 10) {
                    if self.tender == TenderKind::Card {
                        return self.update(Message::StartCard, backend);
                    }
                    match widget::parse_entry(&self.entry) {
                        Some(amount) => {
                            self.entry.clear();
                            self.tender(amount, backend);
                        }
                        None => self.notice = Some(("type an amount".into(), true)),
                    }
                }
            }
            Message::Back => {
                if self.receipt.is_none() && self.card.is_none() {
                    return (Task::none(), Some(Event::Back));
                }
            }
            Message::Print => {
                let Some(receipt) = &self.receipt else {
                    return (Task::none(), None);
                };
                match backend.print_receipt(&receipt.number) {
                    Ok(()) => return (Task::none(), Some(Event::Finished)),
                    Err(e) => self.notice = Some((e.to_string(), true)),
                }
            }
            Message::NoReceipt => return (Task::none(), Some(Event::Finished)),
        }
        (Task::none(), None)
    }

    pub fn view<'a>(&'a self, ctx: Ctx<'a>) -> Element<'a, Message> {
        if let Some(receipt) = &self.receipt {
            return self.done_view(ctx, receipt);
        }
        let due = self.cart.due();
        let tender_tile = |kind: TenderKind| {
            widget::tile(
                kind.to_string(),
                String::new(),
                self.tender == kind,
                Some(Message::Tender(kind)),
            )
            .width(Fill)
        };
        let mut left = column![
            text("Amount due").size(TEXT),
            text(ctx.money(due)).size(56),
            row![
                tender_tile(TenderKind::Cash),
                tender_tile(TenderKind::Card),
                tender_tile(TenderKind::Voucher)
            ]
            .spacing(8),
        ]
        .spacing(12)
        .width(FillPortion(5));
        if !self.cart.paid.is_zero() {
            left = left.push(widget::figure(
                "Paid so far",
                ctx.money(self.cart.paid),
                TEXT,
            ));
        }
        if let Some(card) = &self.card {
            left = left.push(self.card_view(ctx, card));
        } else if self.tender == TenderKind::Card && self.card_block.is_none() {
            left = left
                .push(text("Type an amount for a split, or charge the whole amount due.").size(16))
                .push(
                    widget::action(
                        format!("Charge {} to card", ctx.money(due)),
                        Some(Message::StartCard),
                    )
                    .width(Fill),
                );
        } else if let Some(block) = &self.card_block {
            left = left.push(widget::banner(block, true));
            left = left.push(
                text(
                    "Take cash or another tender, or fix the acquirer link on the Devices screen.",
                )
                .size(16),
            );
        } else {
            let quick: Vec<Element<'a, Message>> = quick_amounts(due)
                .into_iter()
                .map(|a| {
                    let (title, detail) = if a == due {
                        ("Exact".to_string(), ctx.money(a))
                    } else {
                        (ctx.money(a), String::new())
                    };
                    widget::tile(title, detail, false, Some(Message::Quick(a))).into()
                })
                .collect();
            left = left
                .push(text("Quick amounts").size(TEXT))
                .push(widget::tile_grid(quick, 3));
        }
        if let Some((m, is_error)) = &self.notice {
            left = left.push(widget::banner(m, *is_error));
        }
        left = left
            .push(iced::widget::space().height(Fill))
            .push(widget::secondary("Back to cart", Some(Message::Back)).width(220));
        let pad = column![
            text("Amount tendered").size(TEXT),
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
            widget::keypad(Message::Pad, "Tender", true),
        ]
        .spacing(8)
        .width(FillPortion(4));
        row![left, pad].spacing(24).padding(24).into()
    }

    fn card_view<'a>(&'a self, ctx: Ctx<'a>, card: &'a CardFlow) -> Element<'a, Message> {
        let amount = ctx.money(card.amount);
        let big = |s: String| text(s).size(TITLE);
        let body: Element<'a, Message> = match &card.prompt {
            CardPrompt::PresentCard => {
                big(format!("Insert, tap or swipe the card — {amount}")).into()
            }
            CardPrompt::ChooseApplication(apps) => {
                let tiles = apps
                    .iter()
                    .enumerate()
                    .map(|(i, a)| {
                        widget::tile(
                            a.clone(),
                            String::new(),
                            false,
                            Some(Message::ChooseApplication(i)),
                        )
                        .into()
                    })
                    .collect();
                column![big("Choose how to pay".into()), widget::tile_grid(tiles, 2)]
                    .spacing(8)
                    .into()
            }
            CardPrompt::PinOnPinpad { attempts_left } => {
                let tries = attempts_left
                    .map(|n| format!(" ({n} tries left)"))
                    .unwrap_or_default();
                big(format!("Enter PIN on the PIN pad{tries}")).into()
            }
            CardPrompt::Processing(what) => big(format!("{what}…")).into(),
            CardPrompt::RemoveCard => big("Remove the card".into()).into(),
            CardPrompt::Approved { auth_code, .. } => {
                widget::banner_owned(format!("Approved {amount}, auth code {auth_code}"), false)
            }
            CardPrompt::Declined { reason } => {
                widget::banner_owned(format!("Declined: {reason}"), true)
            }
            CardPrompt::Failed(reason) => {
                widget::banner_owned(format!("Card payment failed: {reason}"), true)
            }
        };
        let control = if card.prompt.is_final() {
            widget::secondary("Close", Some(Message::CloseCard))
        } else {
            widget::danger("Cancel card payment", Some(Message::CancelCard))
        };
        container(column![body, control.width(Fill)].spacing(12))
            .padding(12)
            .width(Fill)
            .style(theme::panel)
            .into()
    }

    fn done_view<'a>(&'a self, ctx: Ctx<'a>, receipt: &'a SaleReceipt) -> Element<'a, Message> {
        let preview = receipt.text.iter().fold(column![].spacing(2), |c, line| {
            c.push(text(line.as_str()).size(16).font(iced::Font::MONOSPACE))
        });
        let card_note = self.card_note.clone().unwrap_or_default();
        let notice: Element<'a, Message> = match &self.notice {
            Some((m, is_error)) => widget::banner(m, *is_error),
            None => iced::widget::space().into(),
        };
        column![
            text(format!("Sale {} complete", receipt.number)).size(TITLE),
            text(card_note).size(TEXT),
            text("Change due").size(TEXT),
            text(ctx.money(receipt.change)).size(72),
            notice,
            row![
                container(scrollable(preview))
                    .padding(12)
                    .height(Fill)
                    .width(FillPortion(3))
                    .style(theme::panel),
                column![
                    widget::action("Print receipt", Some(Message::Print)).width(Fill),
                    widget::secondary("No receipt", Some(Message::NoReceipt)).width(Fill),
                ]
                .spacing(12)
                .width(FillPortion(2)),
            ]
            .spacing(24)
            .height(Fill),
        ]
        .spacing(12)
        .padding(24)
        .align_x(Center)
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn quick_amounts_start_exact_and_round_up_to_notes() {
        assert_eq!(
            quick_amounts(dec!(7.85)),
            vec![dec!(7.85), dec!(10), dec!(20), dec!(50), dec!(100)]
        );
        assert_eq!(quick_amounts(dec!(20)), vec![dec!(20), dec!(50), dec!(100)]);
    }
}
