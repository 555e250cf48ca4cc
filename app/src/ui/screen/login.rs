//! Login: tap your tile, type your PIN on the pad.

use crate::ui::backend::{Backend, UserTile};
use crate::ui::screen::Ctx;
use crate::ui::widget::{self, Element, PadKey, PinEntry, TITLE};
use iced::widget::{column, container, row, text};
use iced::{Center, Fill};

#[derive(Debug, Default)]
pub struct Login {
    users: Vec<UserTile>,
    chosen: Option<usize>,
    pin: PinEntry,
    error: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Choose(usize),
    Pad(PadKey),
}

#[derive(Debug, Clone)]
pub enum Event {
    LoggedIn(UserTile),
}

impl Login {
    pub fn new(backend: &dyn Backend) -> Self {
        Login {
            users: backend.users(),
            ..Login::default()
        }
    }

    pub fn update(&mut self, message: Message, backend: &dyn Backend) -> Option<Event> {
        match message {
            Message::Choose(i) => {
                self.chosen = Some(i);
                self.pin.clear();
                self.error = None;
                None
            }
            Message::Pad(key) => {
                if !self.pin.press(key) {
                    return None;
                }
                let pin = self.pin.take();
                let user = self.chosen.and_then(|i| self.users.get(i))?;
                let result = backend.login(&user.id, &pin);
                match result {
                    Ok(user) => Some(Event::LoggedIn(user)),
                    Err(e) => {
                        self.error = Some(e.to_string());
                        None
                    }
                }
            }
        }
    }

    pub fn view<'a>(&'a self, ctx: Ctx<'a>) -> Element<'a, Message> {
        let tiles = self
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let role = match u.role {
                    crate::ui::backend::Role::Cashier => "Cashier",
                    crate::ui::backend::Role::Manager => "Manager",
                };
                widget::tile(
                    u.name.clone(),
                    role.to_string(),
                    self.chosen == Some(i),
                    Some(Message::Choose(i)),
                )
                .into()
            })
            .collect();
        let who = match self.chosen.and_then(|i| self.users.get(i)) {
            Some(u) => format!("PIN for {}", u.name),
            None => "Tap your name".to_string(),
        };
        let dots = self.pin.dots();
        let mut pad = column![
            text(who).size(TITLE),
            container(text(dots).size(TITLE)).height(48).center_y(48),
            widget::keypad(Message::Pad, "Login", false),
        ]
        .spacing(12)
        .width(if ctx.wide { 480 } else { 400 });
        if let Some(e) = &self.error {
            pad = pad.push(widget::banner(e, true));
        }
        let body = row![
            column![
                text(format!("{} · {}", ctx.lane.store_name, ctx.lane.lane_id)).size(TITLE),
                widget::tile_grid(tiles, 2)
            ]
            .spacing(16)
            .width(Fill),
            pad,
        ]
        .spacing(32)
        .padding(32);
        container(body)
            .center_x(Fill)
            .align_y(Center)
            .height(Fill)
            .into()
    }
}
