//! The app's widget kit: touch-sized buttons, tiles, a numeric keypad and an on-screen
//! keyboard. Every tappable thing is at least [`TOUCH`] pixels tall and needs no hover.

use super::theme;
use iced::widget::{Button, Column, button, column, container, row, text};
use iced::{Center, Fill, Length};
use rust_decimal::Decimal;

pub type Element<'a, Message> = iced::Element<'a, Message>;

/// The minimum height of anything a finger taps (WCAG 2.5.5 asks for 44 px; we use 56).
pub const TOUCH: f32 = 56.0;
pub const TEXT: u32 = 20;
/// Product, user and tender tiles: two lines of text, well above the touch minimum.
pub const TILE: f32 = 76.0;
pub const TITLE: u32 = 28;

/// A plain touch button with a centred label.
pub fn touch<'a, M: Clone + 'a>(
    label: impl text::IntoFragment<'a>,
    message: Option<M>,
) -> Button<'a, M> {
    button(
        text(label)
            .size(TEXT)
            .align_x(Center)
            .align_y(Center)
            .width(Fill)
            .height(Fill),
    )
    .on_press_maybe(message)
    .height(Length::Fixed(TOUCH))
    .padding([8, 12])
}

/// A primary action (Pay, Login, Refund).
pub fn action<'a, M: Clone + 'a>(
    label: impl text::IntoFragment<'a>,
    message: Option<M>,
) -> Button<'a, M> {
    touch(label, message).style(button::primary)
}

pub fn danger<'a, M: Clone + 'a>(
    label: impl text::IntoFragment<'a>,
    message: Option<M>,
) -> Button<'a, M> {
    touch(label, message).style(button::danger)
}

pub fn secondary<'a, M: Clone + 'a>(
    label: impl text::IntoFragment<'a>,
    message: Option<M>,
) -> Button<'a, M> {
    touch(label, message).style(button::secondary)
}

/// A large tile with a title and a second line (product, user, tender).
pub fn tile<'a, M: Clone + 'a>(
    title: String,
    detail: String,
    active: bool,
    message: Option<M>,
) -> Button<'a, M> {
    let mut lines = column![text(title).size(18).align_x(Center)]
        .spacing(4)
        .width(Fill)
        .align_x(Center);
    if !detail.is_empty() {
        lines = lines.push(text(detail).size(16));
    }
    button(container(lines).center_y(Fill))
        .on_press_maybe(message)
        .width(Fill)
        .height(Length::Fixed(TILE))
        .padding(8)
        .style(if active {
            theme::tile_active
        } else {
            theme::tile
        })
}

/// Lays tiles out in rows of `columns`, padding the last row so tiles keep their width.
pub fn tile_grid<'a, M: 'a>(tiles: Vec<Element<'a, M>>, columns: usize) -> Column<'a, M> {
    let columns = columns.max(1);
    let mut grid = column![].spacing(8);
    let mut tiles = tiles.into_iter().peekable();
    while tiles.peek().is_some() {
        let mut r = row![].spacing(8);
        for _ in 0..columns {
            r = match tiles.next() {
                Some(tile) => r.push(tile),
                None => r.push(iced::widget::space().width(Fill)),
            };
        }
        grid = grid.push(r);
    }
    grid
}

/// A key of the numeric keypad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PadKey {
    Digit(u8),
    DoubleZero,
    Dot,
    Back,
    Clear,
    Enter,
}

/// Applies a keypad key to an entry buffer; returns true when Enter was pressed.
pub fn apply_pad(buffer: &mut String, key: PadKey, max_len: usize) -> bool {
    match key {
        PadKey::Digit(d) if buffer.len() < max_len => buffer.push(char::from(b'0' + d.min(9))),
        PadKey::DoubleZero if buffer.len() + 1 < max_len => buffer.push_str("00"),
        PadKey::Dot if !buffer.contains('.') && buffer.len() < max_len => {
            if buffer.is_empty() {
                buffer.push('0');
            }
            buffer.push('.');
        }
        PadKey::Back => {
            buffer.pop();
        }
        PadKey::Clear => buffer.clear(),
        PadKey::Enter => return true,
        _ => {}
    }
    false
}

/// A PIN being typed: digits only, and never shown by `Debug` (screens derive `Debug`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PinEntry(String);

impl std::fmt::Debug for PinEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PinEntry({} digits)", self.0.len())
    }
}

impl PinEntry {
    /// Applies a key; returns true on Enter. Dots are ignored.
    pub fn press(&mut self, key: PadKey) -> bool {
        match key {
            PadKey::Dot => false,
            key => apply_pad(&mut self.0, key, 8),
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Hands the PIN over (to the backend) and clears the entry.
    pub fn take(&mut self) -> String {
        std::mem::take(&mut self.0)
    }

    /// Dots for the screen, one per digit.
    pub fn dots(&self) -> String {
        "●".repeat(self.0.len())
    }
}

/// Parses keypad input as a decimal number (quantity, weight, price, amount).
pub fn parse_entry(buffer: &str) -> Option<Decimal> {
    buffer.trim().parse().ok()
}

/// The 4x4 numeric keypad; `enter` labels the Enter key ("OK", "Qty", "Login").
pub fn keypad<'a, M: Clone + 'a>(
    on_key: fn(PadKey) -> M,
    enter: &'a str,
    with_dot: bool,
) -> Element<'a, M> {
    let key =
        |label: &'a str, k: PadKey| touch(label, Some(on_key(k))).width(Fill).style(theme::tile);
    let digit = |d: u8| {
        key(
            ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"][usize::from(d)],
            PadKey::Digit(d),
        )
    };
    let dot: Element<'a, M> = if with_dot {
        key(".", PadKey::Dot).into()
    } else {
        iced::widget::space().width(Fill).into()
    };
    column![
        row![digit(7), digit(8), digit(9), key("⌫", PadKey::Back)].spacing(6),
        row![digit(4), digit(5), digit(6), key("C", PadKey::Clear)].spacing(6),
        row![
            digit(1),
            digit(2),
            digit(3),
            action(enter, Some(on_key(PadKey::Enter))).width(Fill)
        ]
        .spacing(6),
        row![
            digit(0),
            key("00", PadKey::DoubleZero),
            dot,
            iced::widget::space().width(Fill)
        ]
        .spacing(6),
    ]
    .spacing(6)
    .into()
}

/// A key of the on-screen keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OskKey {
    Char(char),
    Back,
    Done,
}

/// Applies an on-screen keyboard key to a text buffer; returns true on Done.
pub fn apply_osk(buffer: &mut String, key: OskKey) -> bool {
    match key {
        OskKey::Char(c) => buffer.push(c),
        OskKey::Back => {
            buffer.pop();
        }
        OskKey::Done => return true,
    }
    false
}

/// A compact QWERTY keyboard for text fields on a touchscreen without a physical keyboard.
pub fn osk<'a, M: Clone + 'a>(on_key: fn(OskKey) -> M) -> Element<'a, M> {
    const ROWS: [&str; 4] = ["1234567890", "QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM,./"];
    let mut keys = column![].spacing(4);
    for r in ROWS {
        let mut line = row![].spacing(4);
        for c in r.chars() {
            let label = c.to_string();
            let lower = c.to_ascii_lowercase();
            line = line.push(
                button(text(label).size(18).align_x(Center).width(Fill))
                    .on_press(on_key(OskKey::Char(lower)))
                    .width(Fill)
                    .height(Length::Fixed(48.0))
                    .style(theme::tile),
            );
        }
        keys = keys.push(line);
    }
    keys.push(
        row![
            touch("Space", Some(on_key(OskKey::Char(' ')))).width(Length::FillPortion(4)),
            touch("⌫", Some(on_key(OskKey::Back)))
                .width(Fill)
                .style(theme::tile),
            action("Done", Some(on_key(OskKey::Done))).width(Fill),
        ]
        .spacing(4),
    )
    .into()
}

/// A labelled value row (totals, reports).
pub fn figure<'a, M: 'a>(
    label: impl text::IntoFragment<'a>,
    value: String,
    size: u32,
) -> Element<'a, M> {
    row![text(label).size(size).width(Fill), text(value).size(size)]
        .spacing(8)
        .into()
}

/// Money as the lane shows it: two decimals and the currency code.
pub fn money(amount: Decimal, currency: &str) -> String {
    format!("{:.2} {currency}", amount.round_dp(2))
}

/// [`banner`] for a message built on the spot.
pub fn banner_owned<'a, M: 'a>(message: String, is_error: bool) -> Element<'a, M> {
    let prefix = if is_error { "⚠ " } else { "✔ " };
    container(text(format!("{prefix}{message}")).size(TEXT))
        .padding(12)
        .width(Fill)
        .style(if is_error {
            theme::error_banner
        } else {
            theme::info_banner
        })
        .into()
}

/// A one-line banner for a refusal or an error, or for a confirmation.
pub fn banner<'a, M: 'a>(message: &'a str, is_error: bool) -> Element<'a, M> {
    let prefix = if is_error { "⚠ " } else { "✔ " };
    container(text(format!("{prefix}{message}")).size(TEXT))
        .padding(12)
        .width(Fill)
        .style(if is_error {
            theme::error_banner
        } else {
            theme::info_banner
        })
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keypad_builds_decimal_entries() {
        let mut b = String::new();
        for k in [PadKey::Dot, PadKey::Digit(5), PadKey::Dot, PadKey::Digit(0)] {
            let _ = apply_pad(&mut b, k, 10);
        }
        assert_eq!(
            b, "0.50",
            "a leading dot gets a zero and a second dot is ignored"
        );
        assert!(apply_pad(&mut b, PadKey::Enter, 10));
        let _ = apply_pad(&mut b, PadKey::Back, 10);
        let _ = apply_pad(&mut b, PadKey::DoubleZero, 10);
        assert_eq!(b, "0.500");
        assert_eq!(parse_entry(&b), Some(Decimal::new(5, 1)));
        let _ = apply_pad(&mut b, PadKey::Clear, 10);
        assert_eq!(parse_entry(&b), None);
    }

    #[test]
    fn a_pin_never_shows_in_debug() {
        let mut pin = PinEntry::default();
        for d in [4, 7, 1, 1] {
            let _ = pin.press(PadKey::Digit(d));
        }
        assert_eq!(format!("{pin:?}"), "PinEntry(4 digits)");
        assert_eq!(pin.dots(), "●●●●");
        assert_eq!(pin.take(), "4711");
        assert!(pin.is_empty());
    }
}
