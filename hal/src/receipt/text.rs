//! Plain-text rendering of a [`Document`]: what the paper shows, minus fonts and bars.

use super::layout::{chars_per_line, justify, pair, wrap};

/// The lines of a left/right pair at `width` characters, as every rendering lays them out.
pub fn pair_lines(left: &str, right: &str, width: usize) -> Vec<String> {
    pair(left, right, width)
}
use super::{Align, Block, Document};

/// Renders a document as lines of at most `doc.columns` characters. Magnified text is spread
/// with spaces so its width on paper is kept; barcodes and QR codes show their data.
pub fn render(doc: &Document) -> String {
    let width = doc.columns.count();
    let mut out = String::new();
    for block in &doc.blocks {
        for line in block_lines(block, width) {
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

fn widen(line: &str, factor: u8) -> String {
    if factor <= 1 {
        return line.to_string();
    }
    let gap = " ".repeat(usize::from(factor) - 1);
    line.chars()
        .map(|c| format!("{c}{gap}"))
        .collect::<String>()
}

fn block_lines(block: &Block, width: usize) -> Vec<String> {
    match block {
        Block::Text { text, style } => {
            let room = chars_per_line(width, style);
            wrap(text, room)
                .iter()
                .map(|l| justify(widen(l, style.width).trim_end(), width, style.align))
                .collect()
        }
        Block::Pair { left, right, style } => {
            let room = chars_per_line(width, style);
            pair(left, right, room)
                .iter()
                .map(|l| widen(l, style.width))
                .collect()
        }
        Block::Rule(c) => vec![c.to_string().repeat(width)],
        Block::Feed(n) => vec![String::new(); usize::from(*n)],
        Block::Barcode(code) => {
            let mut lines = vec![justify("||| |||| | ||| || ||||", width, Align::Center)];
            if code.hri {
                lines.extend(
                    wrap(code.data(), width)
                        .iter()
                        .map(|l| justify(l, width, Align::Center)),
                );
            }
            lines
        }
        Block::Qr(qr) => wrap(&format!("[QR {}]", qr.data()), width)
            .iter()
            .map(|l| justify(l, width, Align::Center))
            .collect(),
        Block::Cut(_) => vec!["- ".repeat(width / 2)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::{Columns, DocumentBuilder, Style};

    #[test]
    fn renders_alignment_and_double_width() {
        let doc = DocumentBuilder::new(Columns::C32)
            .centered("Shop")
            .text("BIG", Style::default().size(2, 2))
            .pair("Total", "€9.99")
            .build();
        let text = render(&doc);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "              Shop");
        assert_eq!(lines[1], "B I G");
        assert_eq!(lines[2].chars().count(), 32);
        assert!(lines[2].ends_with("€9.99"));
    }
}
