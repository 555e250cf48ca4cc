//! Line layout shared by every rendering (plain text and printer bytes), so a receipt wraps the
//! same way on paper and on screen.

use super::{Align, Style};

/// Word-wraps `text` to `width` characters; words longer than a line are split.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        // A line that fits keeps its spacing (columns of a table, indents).
        if paragraph.chars().count() <= width {
            lines.push(paragraph.to_string());
            continue;
        }
        let mut line = String::new();
        let mut len = 0;
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let mut word: Vec<char> = word.chars().collect();
            while word.len() > width {
                if len > 0 {
                    lines.push(std::mem::take(&mut line));
                    len = 0;
                }
                let rest = word.split_off(width);
                lines.push(word.into_iter().collect());
                word = rest;
            }
            let needed = if len == 0 {
                word.len()
            } else {
                len + 1 + word.len()
            };
            if needed > width {
                lines.push(std::mem::take(&mut line));
                len = 0;
            }
            if len > 0 {
                line.push(' ');
                len += 1;
            }
            line.extend(word.iter());
            len += word.len();
        }
        lines.push(line);
    }
    lines
}

/// Width in characters of a style's magnified characters on a line of `columns`.
pub(crate) fn chars_per_line(columns: usize, style: &Style) -> usize {
    (columns / usize::from(style.width.max(1))).max(1)
}

/// Pads a line to its justification within `width` characters.
pub(crate) fn justify(line: &str, width: usize, align: Align) -> String {
    let len = line.chars().count();
    let room = width.saturating_sub(len);
    match align {
        Align::Left => line.to_string(),
        Align::Right => format!("{}{line}", " ".repeat(room)),
        Align::Center => format!("{}{line}", " ".repeat(room / 2)),
    }
}

/// Lays out a left/right pair: the right text ends at the margin on the last line; the left
/// text wraps above it when both do not fit.
pub(crate) fn pair(left: &str, right: &str, width: usize) -> Vec<String> {
    let right_len = right.chars().count();
    let mut lines = wrap(left, width);
    let fits = lines
        .last()
        .is_some_and(|last| last.chars().count() + 1 + right_len <= width);
    if !fits {
        lines.push(String::new());
    }
    if let Some(last) = lines.last_mut() {
        let pad = width.saturating_sub(last.chars().count() + right_len);
        last.push_str(&" ".repeat(pad));
        last.push_str(right);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_on_words_and_splits_long_words() {
        assert_eq!(wrap("ab cd ef", 5), vec!["ab cd", "ef"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("", 4), vec![""]);
        assert_eq!(wrap("  a  b", 8), vec!["  a  b"]);
    }

    #[test]
    fn pair_right_aligns_amount_and_wraps_left() {
        assert_eq!(pair("Milk", "1.20", 12), vec!["Milk    1.20"]);
        let lines = pair("Organic whole milk 1l", "1.20", 16);
        assert_eq!(lines, vec!["Organic whole", "milk 1l     1.20"]);
        assert!(lines.iter().all(|l| l.chars().count() <= 16));
        assert_eq!(
            pair("Fourteen chars", "12.00", 16),
            vec!["Fourteen chars", "           12.00"]
        );
    }
}
