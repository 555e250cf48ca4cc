//! A simulated ESC/POS receipt printer: it decodes what it receives, answers status queries,
//! can be put in paper-out, cover-open or offline and back, opens its drawer on a kick, and
//! renders every cut receipt to text and to a PNG preview. Serve it on TCP or a pty with
//! [`serve`]; drive conditions through a [`SimPrinterHandle`].

mod bars;
mod engine;
mod render;
pub mod serve;

pub use engine::{Conditions, Engine};
pub use render::RenderError;
pub use serve::{SimPipe, SimPrinterHandle, SimServer};

/// The preview the simulated printer would print for `document` (for the UI).
pub fn preview(document: &pos_hal::receipt::Document) -> Result<Vec<u8>, RenderError> {
    let mut engine = Engine::new(document.columns.count());
    engine.receive(&crate::escpos::encode::document(document).concat());
    // A cut ends a document that has none; an extra cut after one only adds an empty receipt.
    engine.receive(&[0x1d, b'V', 66, 0]);
    let rows = engine
        .receipts
        .drain(..)
        .next()
        .map(|r| r.rows)
        .unwrap_or_default();
    render::png(&rows, document.columns.count() * 12)
}

/// Character style of one printed cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellStyle {
    pub bold: bool,
    pub underline: bool,
    pub width: u8,
    pub height: u8,
}

impl Default for CellStyle {
    fn default() -> Self {
        Self {
            bold: false,
            underline: false,
            width: 1,
            height: 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowAlign {
    Left,
    Center,
    Right,
}

/// One printed row of a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Text {
        cells: Vec<(char, CellStyle)>,
        align: RowAlign,
    },
    Blank,
    Bars {
        modules: Vec<u8>,
        module: u8,
        height: u8,
        hri: Option<String>,
        align: RowAlign,
    },
    Qr {
        width: usize,
        dark: Vec<bool>,
        module: u8,
        data: String,
        align: RowAlign,
    },
    Image {
        width_bytes: u16,
        height: u16,
        data: Vec<u8>,
        align: RowAlign,
    },
}

/// A receipt as it came out of the printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedReceipt {
    pub rows: Vec<Row>,
    columns: usize,
}

impl PrintedReceipt {
    pub(crate) fn new(rows: Vec<Row>, columns: usize) -> Self {
        Self { rows, columns }
    }

    /// The receipt as text: text rows as printed (magnified characters count once), codes as
    /// `[BARCODE data]` / `[QR data]`.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for row in &self.rows {
            let (line, align) = match row {
                Row::Text { cells, align } => {
                    (cells.iter().map(|(c, _)| *c).collect::<String>(), *align)
                }
                Row::Blank => (String::new(), RowAlign::Left),
                Row::Bars { hri, align, .. } => (
                    format!("[BARCODE {}]", hri.as_deref().unwrap_or("")),
                    *align,
                ),
                Row::Qr { data, align, .. } => (format!("[QR {data}]"), *align),
                Row::Image {
                    width_bytes,
                    height,
                    align,
                    ..
                } => (
                    format!("[IMAGE {}x{height}]", usize::from(*width_bytes) * 8),
                    *align,
                ),
            };
            let room = self.columns.saturating_sub(line.chars().count());
            let pad = match align {
                RowAlign::Left => 0,
                RowAlign::Center => room / 2,
                RowAlign::Right => room,
            };
            out.push_str(&" ".repeat(pad));
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// PNG preview at the printer's resolution (12 dots per column).
    pub fn png(&self) -> Result<Vec<u8>, RenderError> {
        render::png(&self.rows, self.columns * 12)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escpos::encode;
    use pos_hal::device::printer::PaperLevel;
    use pos_hal::receipt::{Barcode, Columns, DocumentBuilder, QrCode, Style, Symbology};

    fn sample() -> Vec<u8> {
        let doc = DocumentBuilder::new(Columns::C32)
            .text("Shop", Style::centered().bold().size(2, 2))
            .pair("Milk", "€1.20")
            .barcode(Barcode::new(Symbology::Ean13, "400638133393").unwrap())
            .qr(QrCode::new("R-1").unwrap())
            .cut()
            .build();
        encode::document(&doc).concat()
    }

    #[test]
    fn prints_decodes_and_renders_a_receipt() {
        let handle = SimPrinterHandle::new(32);
        assert!(handle.exchange(&sample()).is_empty());
        let receipts = handle.receipts();
        assert_eq!(receipts.len(), 1);
        let text = receipts[0].text();
        assert!(text.contains("Shop"), "{text}");
        assert!(text.contains("Milk") && text.contains("€1.20"), "{text}");
        assert!(
            text.contains("[BARCODE 400638133393]") && text.contains("[QR R-1]"),
            "{text}"
        );
        let png = receipts[0].png().unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let uncut = DocumentBuilder::new(Columns::C32).line("x").build();
        let cut = DocumentBuilder::new(Columns::C32).line("x").cut().build();
        assert_eq!(preview(&uncut).unwrap(), preview(&cut).unwrap());
        assert_eq!(handle.protocol_errors(), 0);
    }

    #[test]
    fn answers_status_while_out_of_paper_and_prints_backlog_on_reload() {
        let handle = SimPrinterHandle::new(32);
        handle.set_paper(PaperLevel::Out);
        let mut bytes = sample();
        bytes.extend([0x10, 0x04, 0x04, 0x10, 0x04, 0x01]);
        assert_eq!(handle.exchange(&bytes), vec![0x7e, 0x1a]);
        assert!(handle.receipts().is_empty());
        assert!(handle.backlog() > 0);
        handle.set_paper(PaperLevel::Adequate);
        assert_eq!(handle.receipts().len(), 1);
        assert_eq!(handle.exchange(&[0x10, 0x04, 0x01]), vec![0x12]);
    }

    #[test]
    fn status_query_split_across_reads_and_drawer_kick() {
        let handle = SimPrinterHandle::new(32);
        assert!(handle.exchange(&[0x10]).is_empty());
        assert_eq!(handle.exchange(&[0x04, 0x01]), vec![0x12]);
        handle.exchange(&encode::drawer_kick(Default::default(), 100, 100));
        assert_eq!(handle.drawer_kicks(), 1);
        assert_eq!(handle.exchange(&[0x10, 0x04, 0x01]), vec![0x16]);
    }
}
