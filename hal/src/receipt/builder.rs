//! A fluent builder for [`Document`]s.

use super::{Align, Barcode, Block, Columns, Cut, Document, QrCode, Style};

/// Builds a [`Document`] block by block.
#[derive(Debug, Clone)]
pub struct DocumentBuilder {
    doc: Document,
}

impl DocumentBuilder {
    pub fn new(columns: Columns) -> Self {
        Self {
            doc: Document::new(columns),
        }
    }

    pub fn text(mut self, text: impl Into<String>, style: Style) -> Self {
        self.doc.blocks.push(Block::Text {
            text: text.into(),
            style,
        });
        self
    }

    pub fn line(self, text: impl Into<String>) -> Self {
        self.text(text, Style::default())
    }

    pub fn centered(self, text: impl Into<String>) -> Self {
        self.text(text, Style::default().align(Align::Center))
    }

    pub fn pair(mut self, left: impl Into<String>, right: impl Into<String>) -> Self {
        self.doc.blocks.push(Block::Pair {
            left: left.into(),
            right: right.into(),
            style: Style::default(),
        });
        self
    }

    pub fn pair_styled(
        mut self,
        left: impl Into<String>,
        right: impl Into<String>,
        style: Style,
    ) -> Self {
        self.doc.blocks.push(Block::Pair {
            left: left.into(),
            right: right.into(),
            style,
        });
        self
    }

    pub fn rule(mut self) -> Self {
        self.doc.blocks.push(Block::Rule('-'));
        self
    }

    pub fn feed(mut self, lines: u8) -> Self {
        self.doc.blocks.push(Block::Feed(lines));
        self
    }

    pub fn barcode(mut self, barcode: Barcode) -> Self {
        self.doc.blocks.push(Block::Barcode(barcode));
        self
    }

    pub fn qr(mut self, qr: QrCode) -> Self {
        self.doc.blocks.push(Block::Qr(qr));
        self
    }

    pub fn cut(mut self) -> Self {
        self.doc.blocks.push(Block::Cut(Cut::Partial));
        self
    }

    pub fn push(mut self, block: Block) -> Self {
        self.doc.blocks.push(block);
        self
    }

    pub fn build(self) -> Document {
        self.doc
    }
}
