//! Customer-facing line displays (typically 2 x 20 characters on a pole).

use super::{DeviceError, UposDevice};

/// A character line display.
pub trait LineDisplay: UposDevice {
    /// Rows and columns the display shows.
    fn geometry(&self) -> (usize, usize);
    /// Replaces the display content; rows beyond the geometry are ignored, long rows cut.
    fn show(&mut self, rows: &[&str]) -> Result<(), DeviceError>;
    fn clear(&mut self) -> Result<(), DeviceError>;
}

/// Fits `left` and `right` on one display row of `width` characters (`Milk         1.20`).
pub fn display_row(left: &str, right: &str, width: usize) -> String {
    let right_len = right.chars().count().min(width);
    let left: String = left
        .chars()
        .take(width.saturating_sub(right_len + 1))
        .collect();
    let left = left.trim_end();
    let pad = width.saturating_sub(left.chars().count() + right_len);
    format!(
        "{left}{}{}",
        " ".repeat(pad),
        right.chars().take(right_len).collect::<String>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_row_cuts_the_label_not_the_amount() {
        assert_eq!(display_row("Milk", "1.20", 12), "Milk    1.20");
        assert_eq!(
            display_row("Very long description", "123.45", 12),
            "Very  123.45"
        );
    }
}
