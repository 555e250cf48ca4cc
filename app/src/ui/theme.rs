//! The two themes a lane can run: the normal one and a high-contrast one for bright shops
//! and low vision. Widget styles live beside them so every screen looks the same.

use iced::widget::{button, container};
use iced::{Background, Border, Color, Theme, color};

/// Which theme the lane shows; switchable on the devices/settings screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThemeChoice {
    #[default]
    Normal,
    HighContrast,
}

impl ThemeChoice {
    pub fn theme(self) -> Theme {
        match self {
            ThemeChoice::Normal => Theme::custom(
                "POS".to_string(),
                iced::theme::Palette {
                    background: color!(0xf4f5f7),
                    text: color!(0x1d2733),
                    primary: color!(0x1f6feb),
                    success: color!(0x1a7f37),
                    warning: color!(0xbf8700),
                    danger: color!(0xcf222e),
                },
            ),
            // White on black with saturated accents: every pair passes WCAG AAA (>= 7:1).
            ThemeChoice::HighContrast => Theme::custom(
                "POS high contrast".to_string(),
                iced::theme::Palette {
                    background: color!(0x000000),
                    text: color!(0xffffff),
                    primary: color!(0xffd400),
                    success: color!(0x00e676),
                    warning: color!(0xffab00),
                    danger: color!(0xff5c5c),
                },
            ),
        }
    }

    pub fn toggled(self) -> Self {
        match self {
            ThemeChoice::Normal => ThemeChoice::HighContrast,
            ThemeChoice::HighContrast => ThemeChoice::Normal,
        }
    }
}

/// A raised panel (cart, keypad, forms).
pub fn panel(theme: &Theme) -> container::Style {
    let p = theme.extended_palette();
    container::Style {
        background: Some(Background::Color(p.background.base.color)),
        border: Border {
            color: p.background.strong.color,
            width: 1.0,
            radius: 8.0.into(),
        },
        text_color: Some(p.background.base.text),
        ..container::Style::default()
    }
}

/// The status bar along the bottom edge.
pub fn status_bar(theme: &Theme) -> container::Style {
    let p = theme.extended_palette();
    container::Style {
        background: Some(Background::Color(p.background.strong.color)),
        text_color: Some(p.background.strong.text),
        ..container::Style::default()
    }
}

/// The selected cart line or field.
pub fn selected(theme: &Theme) -> container::Style {
    let p = theme.extended_palette();
    container::Style {
        background: Some(Background::Color(p.primary.weak.color)),
        text_color: Some(p.primary.weak.text),
        border: Border {
            color: p.primary.strong.color,
            width: 2.0,
            radius: 6.0.into(),
        },
        ..container::Style::default()
    }
}

/// A banner for refusals and errors; it must be readable without colour too (it says so).
pub fn error_banner(theme: &Theme) -> container::Style {
    let p = theme.extended_palette();
    container::Style {
        background: Some(Background::Color(p.danger.base.color)),
        text_color: Some(p.danger.base.text),
        border: Border {
            radius: 6.0.into(),
            ..Border::default()
        },
        ..container::Style::default()
    }
}

pub fn info_banner(theme: &Theme) -> container::Style {
    let p = theme.extended_palette();
    container::Style {
        background: Some(Background::Color(p.success.base.color)),
        text_color: Some(p.success.base.text),
        border: Border {
            radius: 6.0.into(),
            ..Border::default()
        },
        ..container::Style::default()
    }
}

/// A bar in a chart.
pub fn bar(theme: &Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(
            theme.extended_palette().primary.base.color,
        )),
        ..container::Style::default()
    }
}

/// Product and category tiles: flat, bordered, same look pressed or not (no hover cue).
pub fn tile(theme: &Theme, status: button::Status) -> button::Style {
    let p = theme.extended_palette();
    let base = match status {
        button::Status::Pressed => p.background.strong,
        button::Status::Disabled => p.background.weak,
        _ => p.background.weakest,
    };
    button::Style {
        background: Some(Background::Color(base.color)),
        text_color: if status == button::Status::Disabled {
            p.background.strong.color
        } else {
            base.text
        },
        border: Border {
            color: p.background.strong.color,
            width: 1.0,
            radius: 8.0.into(),
        },
        ..button::Style::default()
    }
}

/// A tile that is the current choice (active category, selected tender).
pub fn tile_active(theme: &Theme, status: button::Status) -> button::Style {
    let p = theme.extended_palette();
    button::Style {
        background: Some(Background::Color(p.primary.base.color)),
        text_color: p.primary.base.text,
        border: Border {
            color: p.primary.strong.color,
            width: 2.0,
            radius: 8.0.into(),
        },
        ..tile(theme, status)
    }
}

pub fn text_muted(theme: &Theme) -> iced::widget::text::Style {
    iced::widget::text::Style {
        color: Some(dim(theme.extended_palette().background.base.text)),
    }
}

fn dim(c: Color) -> Color {
    Color { a: 0.7, ..c }
}
