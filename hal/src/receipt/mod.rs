//! A receipt as a document, independent of any printer.
//!
//! A [`Document`] is a list of [`Block`]s (styled text, left/right pairs, rules, barcodes, QR
//! codes, feeds, cuts) laid out for a paper width in [`Columns`]. Drivers turn it into printer
//! bytes (ESC/POS in `pos-drivers`); [`text::render`] turns it into plain text (e-mail, logs of
//! the layout, tests). [`SaleReceipt`] is the shop's receipt (header, lines, totals, taxes,
//! tenders, the EMV block, receipt number code, footer) and builds a document for any width.
//!
//! Money arrives as already formatted strings: `hal` knows nothing about currencies, so the
//! app formats amounts (and the euro sign) once and every rendering shows the same text.

mod builder;
mod layout;
mod pan;
mod sale;
pub mod text;

pub use builder::DocumentBuilder;
pub use layout::wrap;
pub use pan::MaskedPan;
pub use sale::{
    CardBlock, EntryMode, ItemLine, ReceiptCode, SaleReceipt, TaxLine, TenderLine, TotalLine,
};

/// Characters per line of the paper roll with the printer's standard font.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Columns {
    /// 58 mm paper, font A (12x24 dots, 384 dots).
    C32,
    /// 80 mm paper on printers with 512 printable dots (or font A at 13.5 dots).
    C42,
    /// 80 mm paper, font A on 576 printable dots.
    C48,
}

impl Columns {
    pub fn count(self) -> usize {
        match self {
            Columns::C32 => 32,
            Columns::C42 => 42,
            Columns::C48 => 48,
        }
    }

    /// The column count for a paper width in millimetres (58 or 80).
    pub fn for_paper_mm(mm: u16) -> Result<Self, ReceiptError> {
        match mm {
            58 => Ok(Columns::C32),
            80 => Ok(Columns::C48),
            _ => Err(ReceiptError::PaperWidth(mm)),
        }
    }

    pub fn from_count(count: usize) -> Result<Self, ReceiptError> {
        match count {
            32 => Ok(Columns::C32),
            42 => Ok(Columns::C42),
            48 => Ok(Columns::C48),
            _ => Err(ReceiptError::ColumnCount(count)),
        }
    }
}

/// Horizontal justification of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// Character style of a text block. Sizes are the printer's integer magnifications (1..=8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Style {
    pub align: Align,
    pub bold: bool,
    pub underline: bool,
    pub width: u8,
    pub height: u8,
}

impl Default for Style {
    fn default() -> Self {
        Self {
            align: Align::Left,
            bold: false,
            underline: false,
            width: 1,
            height: 1,
        }
    }
}

impl Style {
    pub fn centered() -> Self {
        Self {
            align: Align::Center,
            ..Self::default()
        }
    }

    pub fn bold(mut self) -> Self {
        self.bold = true;
        self
    }

    pub fn size(mut self, width: u8, height: u8) -> Self {
        self.width = width.clamp(1, 8);
        self.height = height.clamp(1, 8);
        self
    }

    pub fn align(mut self, align: Align) -> Self {
        self.align = align;
        self
    }
}

/// 1D symbologies a receipt may carry (all printable with ESC/POS `GS k`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Symbology {
    Ean13,
    Ean8,
    UpcA,
    Code39,
    Code128,
}

/// A 1D barcode; built through [`Barcode::new`], which checks the data fits the symbology.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Barcode {
    symbology: Symbology,
    data: String,
    /// Print the human-readable digits under the bars.
    pub hri: bool,
    /// Bar height in printer dots (1..=255).
    pub height: u8,
}

impl Barcode {
    pub fn new(symbology: Symbology, data: impl Into<String>) -> Result<Self, ReceiptError> {
        let data = data.into();
        let digits = data.bytes().all(|b| b.is_ascii_digit());
        let ok = match symbology {
            Symbology::Ean13 => digits && (data.len() == 12 || data.len() == 13),
            Symbology::Ean8 => digits && (data.len() == 7 || data.len() == 8),
            Symbology::UpcA => digits && (data.len() == 11 || data.len() == 12),
            Symbology::Code39 => {
                !data.is_empty()
                    && data.len() <= 255
                    && data.bytes().all(|b| {
                        b.is_ascii_uppercase() || b.is_ascii_digit() || b" -.$/+%".contains(&b)
                    })
            }
            // ESC/POS needs a 2-byte code-set prefix inside the 255-byte length.
            Symbology::Code128 => {
                !data.is_empty()
                    && data.len() <= 253
                    && data.bytes().all(|b| (0x20..0x7f).contains(&b))
            }
        };
        if ok {
            Ok(Self {
                symbology,
                data,
                hri: true,
                height: 80,
            })
        } else {
            Err(ReceiptError::BarcodeData(symbology))
        }
    }

    pub fn symbology(&self) -> Symbology {
        self.symbology
    }

    pub fn data(&self) -> &str {
        &self.data
    }
}

/// QR error-correction level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum QrLevel {
    L,
    #[default]
    M,
    Q,
    H,
}

/// A QR code (model 2); built through [`QrCode::new`], which bounds the data length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrCode {
    data: String,
    pub level: QrLevel,
    /// Module size in dots (1..=16).
    pub module: u8,
}

impl QrCode {
    /// Largest byte-mode payload of a version 40 symbol at level L.
    pub const MAX_BYTES: usize = 2953;

    pub fn new(data: impl Into<String>) -> Result<Self, ReceiptError> {
        let data = data.into();
        if data.is_empty() || data.len() > Self::MAX_BYTES {
            return Err(ReceiptError::QrData(data.len()));
        }
        Ok(Self {
            data,
            level: QrLevel::M,
            module: 6,
        })
    }

    pub fn data(&self) -> &str {
        &self.data
    }
}

/// How the paper is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cut {
    Full,
    Partial,
}

/// One element of a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Text, word-wrapped to the width available at its magnification.
    Text {
        text: String,
        style: Style,
    },
    /// A left text and a right-justified text on one line (item and amount); the left side
    /// wraps onto extra lines when both do not fit.
    Pair {
        left: String,
        right: String,
        style: Style,
    },
    /// A full-width separator made of one repeated character.
    Rule(char),
    /// Blank lines.
    Feed(u8),
    Barcode(Barcode),
    Qr(QrCode),
    /// Feed to the cutter and cut.
    Cut(Cut),
}

/// A printer-independent receipt document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub columns: Columns,
    pub blocks: Vec<Block>,
}

impl Document {
    pub fn new(columns: Columns) -> Self {
        Self {
            columns,
            blocks: Vec::new(),
        }
    }
}

/// Why a receipt element cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("paper width {0} mm is not supported (58 or 80)")]
    PaperWidth(u16),
    #[error("{0} columns is not a supported line width (32, 42 or 48)")]
    ColumnCount(usize),
    #[error("data does not fit barcode symbology {0:?}")]
    BarcodeData(Symbology),
    #[error("QR payload of {0} bytes is empty or too long")]
    QrData(usize),
    #[error("not a masked PAN: {0}")]
    MaskedPan(&'static str),
    #[error("{field} is not valid hex of {expected} characters")]
    Hex {
        field: &'static str,
        expected: &'static str,
    },
}
