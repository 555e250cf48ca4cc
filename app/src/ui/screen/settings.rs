//! Devices and settings: the state of every device (simulated or real), test buttons for
//! each, the acquirer and back-office links, the theme, and a manual scan for testing.

use crate::ui::backend::{Backend, LinkState, LinkStatus};
use crate::ui::screen::Ctx;
use crate::ui::theme::{self, ThemeChoice};
use crate::ui::widget::{self, Element, OskKey, TEXT, TITLE};
use iced::widget::{column, container, row, text, text_input};
use iced::{Fill, FillPortion};

#[derive(Debug, Default)]
pub struct Settings {
    scan: String,
    notice: Option<(String, bool)>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Test(String),
    ToggleTheme,
    ScanInput(String),
    Osk(OskKey),
    Scan,
}

#[derive(Debug, Clone)]
pub enum Event {
    ToggleTheme,
    /// A code typed here is handled exactly like one from the scanner.
    Scan(String),
}

pub fn link_label(state: LinkState) -> &'static str {
    match state {
        LinkState::Up => "up",
        LinkState::Down => "DOWN",
        LinkState::Recovering => "recovering",
        LinkState::NotConfigured => "not set up",
    }
}

impl Settings {
    pub fn update(&mut self, message: Message, backend: &dyn Backend) -> Option<Event> {
        match message {
            Message::Test(name) => {
                self.notice = Some(match backend.test_device(&name) {
                    Ok(m) => (m, false),
                    Err(e) => (e.to_string(), true),
                });
            }
            Message::ToggleTheme => return Some(Event::ToggleTheme),
            Message::ScanInput(s) => self.scan = s,
            Message::Osk(key) => {
                if widget::apply_osk(&mut self.scan, key) {
                    return self.update(Message::Scan, backend);
                }
            }
            Message::Scan => {
                let code = std::mem::take(&mut self.scan);
                if !code.trim().is_empty() {
                    return Some(Event::Scan(code.trim().to_string()));
                }
            }
        }
        None
    }

    pub fn view<'a>(
        &'a self,
        _ctx: Ctx<'a>,
        status: &'a LinkStatus,
        theme_choice: ThemeChoice,
    ) -> Element<'a, Message> {
        let mut devices = column![text("Devices").size(TITLE)].spacing(8);
        for d in &status.devices {
            let kind = if d.simulated { "simulated" } else { "real" };
            devices = devices.push(
                row![
                    column![
                        text(d.name.as_str()).size(TEXT),
                        text(format!("{kind} · {}", d.detail))
                            .size(16)
                            .style(theme::text_muted)
                    ]
                    .width(Fill),
                    text(link_label(d.state)).size(TEXT).width(140),
                    widget::secondary("Test", Some(Message::Test(d.name.clone()))).width(120),
                ]
                .spacing(8)
                .align_y(iced::Center),
            );
        }
        devices = devices
            .push(text("Links").size(TITLE))
            .push(widget::figure(
                "Acquirer",
                link_label(status.acquirer).to_string(),
                TEXT,
            ))
            .push(widget::figure(
                "Back office",
                link_label(status.back_office).to_string(),
                TEXT,
            ))
            .push(widget::figure(
                "Waiting for sync",
                status.sync_queue.to_string(),
                TEXT,
            ));
        if status.sync_parked > 0 {
            // Only when there are some: they wait for a manager (`pos sync retry`), not HQ.
            devices = devices.push(widget::figure(
                "Refused by HQ (parked)",
                status.sync_parked.to_string(),
                TEXT,
            ));
        }
        if let Some((m, is_error)) = &self.notice {
            devices = devices.push(widget::banner(m, *is_error));
        }
        let theme_label = match theme_choice {
            ThemeChoice::Normal => "High contrast: off",
            ThemeChoice::HighContrast => "High contrast: on",
        };
        let side = column![
            text("Display").size(TITLE),
            widget::touch(theme_label, Some(Message::ToggleTheme))
                .width(Fill)
                .style(theme::tile),
            text("Scan by hand").size(TITLE),
            row![
                text_input("Barcode or receipt number", &self.scan)
                    .on_input(Message::ScanInput)
                    .on_submit(Message::Scan)
                    .size(TEXT)
                    .padding(14),
                widget::action("Scan", Some(Message::Scan)).width(120),
            ]
            .spacing(8),
            iced::widget::space().height(Fill),
            widget::osk(Message::Osk),
        ]
        .spacing(12);
        row![
            container(devices)
                .padding(16)
                .width(FillPortion(5))
                .height(Fill)
                .style(theme::panel),
            container(side).width(FillPortion(4)).height(Fill),
        ]
        .spacing(16)
        .padding(16)
        .into()
    }
}
