//! The simulated printer's engine, sans-IO: bytes in, replies out. It answers real-time
//! status (`DLE EOT`) as soon as the bytes arrive — even while it cannot print — and
//! executes the rest only while it has paper, a closed cover and is online; what arrives
//! meanwhile waits in its receive buffer, as on a real printer.

use pos_hal::device::printer::PaperLevel;

use super::{CellStyle, PrintedReceipt, Row, RowAlign};
use crate::escpos::codepage;
use crate::escpos::decode::{Command, decode};

/// Conditions a tester can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Conditions {
    pub paper: PaperLevel,
    pub cover_open: bool,
    pub offline: bool,
    pub drawer_open: bool,
    /// Paper runs out after this many more printed rows.
    pub paper_end_after_rows: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BarcodeSettings {
    height: u8,
    module: u8,
    hri: u8,
}

/// The printer's state.
#[derive(Debug)]
pub struct Engine {
    columns: usize,
    pub conditions: Conditions,
    carry: Vec<u8>,
    pending: Vec<u8>,
    output: Vec<u8>,
    style: CellStyle,
    align: RowAlign,
    barcode: BarcodeSettings,
    qr_module: u8,
    qr_level: u8,
    qr_data: Vec<u8>,
    line: Vec<(char, CellStyle)>,
    rows: Vec<Row>,
    pub receipts: Vec<PrintedReceipt>,
    pub drawer_kicks: usize,
    pub protocol_errors: usize,
    asb_mask: u8,
    last_asb: Option<[u8; 4]>,
}

impl Engine {
    pub fn new(columns: usize) -> Self {
        Self {
            columns,
            conditions: Conditions::default(),
            carry: Vec::new(),
            pending: Vec::new(),
            output: Vec::new(),
            style: CellStyle::default(),
            align: RowAlign::Left,
            barcode: BarcodeSettings {
                height: 162,
                module: 3,
                hri: 0,
            },
            qr_module: 3,
            qr_level: 48,
            qr_data: Vec::new(),
            line: Vec::new(),
            rows: Vec::new(),
            receipts: Vec::new(),
            drawer_kicks: 0,
            protocol_errors: 0,
            asb_mask: 0,
            last_asb: None,
        }
    }

    pub fn columns(&self) -> usize {
        self.columns
    }

    /// Bytes the printer has sent back since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }

    /// Bytes received but not yet printed.
    pub fn backlog(&self) -> usize {
        self.pending.len()
    }

    /// Rows printed since the last cut.
    pub fn rows_in_progress(&self) -> usize {
        self.rows.len()
    }

    fn can_print(&self) -> bool {
        let c = &self.conditions;
        c.paper != PaperLevel::Out && !c.cover_open && !c.offline
    }

    /// DLE EOT n reply byte.
    pub fn realtime_status(&self, n: u8) -> u8 {
        let c = &self.conditions;
        let mut byte = 0x12;
        match n {
            1 => {
                if c.drawer_open {
                    byte |= 0x04;
                }
                if !self.can_print() {
                    byte |= 0x08;
                }
            }
            2 => {
                if c.cover_open {
                    byte |= 0x04;
                }
                if c.paper == PaperLevel::Out {
                    byte |= 0x20;
                }
            }
            4 => match c.paper {
                PaperLevel::Adequate => {}
                PaperLevel::NearEnd => byte |= 0x0c,
                PaperLevel::Out => byte |= 0x6c,
            },
            _ => {}
        }
        byte
    }

    fn asb_block(&self) -> [u8; 4] {
        let c = &self.conditions;
        let mut b1 = 0x10;
        if c.drawer_open {
            b1 |= 0x04;
        }
        if !self.can_print() {
            b1 |= 0x08;
        }
        if c.cover_open {
            b1 |= 0x20;
        }
        let b3 = match c.paper {
            PaperLevel::Adequate => 0,
            PaperLevel::NearEnd => 0x03,
            PaperLevel::Out => 0x0f,
        };
        [b1, 0, b3, 0]
    }

    fn report_change(&mut self) {
        if self.asb_mask != 0 {
            let block = self.asb_block();
            if self.last_asb != Some(block) {
                self.output.extend(block);
                self.last_asb = Some(block);
            }
        }
    }

    /// Changes conditions (paper, cover, online, drawer) and prints what waited, if it can.
    pub fn set_conditions(&mut self, conditions: Conditions) {
        self.conditions = conditions;
        self.report_change();
        self.process();
    }

    /// Bytes from the host.
    pub fn receive(&mut self, bytes: &[u8]) {
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(bytes);
        let mut i = 0;
        while i < data.len() {
            match &data[i..] {
                [0x10, 0x04, n, ..] if (1..=4).contains(n) => {
                    let reply = self.realtime_status(*n);
                    self.output.push(reply);
                    i += 3;
                }
                [0x10, 0x14, 1, pin, _t, ..] => {
                    let _ = pin;
                    self.kick_drawer();
                    i += 5;
                }
                [0x10] | [0x10, 0x04] | [0x10, 0x14] | [0x10, 0x14, 1] | [0x10, 0x14, 1, _] => {
                    self.carry = data[i..].to_vec();
                    break;
                }
                _ => {
                    self.pending.push(data[i]);
                    i += 1;
                }
            }
        }
        self.process();
    }

    fn kick_drawer(&mut self) {
        self.drawer_kicks += 1;
        self.conditions.drawer_open = true;
        self.report_change();
    }

    fn process(&mut self) {
        while self.can_print() && !self.pending.is_empty() {
            match decode(&self.pending) {
                Ok(Some((command, used))) => {
                    self.pending.drain(..used);
                    self.execute(command);
                }
                Ok(None) => break,
                Err(e) => {
                    self.protocol_errors += 1;
                    tracing::warn!(error = %e, "simulated printer: bad ESC/POS, byte skipped");
                    self.pending.remove(0);
                }
            }
        }
    }

    fn push_row(&mut self, row: Row) {
        self.rows.push(row);
        if let Some(left) = self.conditions.paper_end_after_rows.as_mut() {
            *left = left.saturating_sub(1);
            if *left == 0 {
                self.conditions.paper_end_after_rows = None;
                self.conditions.paper = PaperLevel::Out;
                tracing::info!("simulated printer: paper ran out");
                self.report_change();
            }
        }
    }

    fn flush_line(&mut self, blank_if_empty: bool) {
        if self.line.is_empty() {
            if blank_if_empty {
                self.push_row(Row::Blank);
            }
            return;
        }
        let cells = std::mem::take(&mut self.line);
        self.push_row(Row::Text {
            cells,
            align: self.align,
        });
    }

    fn execute(&mut self, command: Command) {
        match command {
            Command::Text(bytes) => {
                for b in bytes {
                    let used: usize = self.line.iter().map(|(_, s)| usize::from(s.width)).sum();
                    if used + usize::from(self.style.width) > self.columns {
                        self.flush_line(false);
                    }
                    self.line.push((codepage::decode_byte(b), self.style));
                }
            }
            Command::LineFeed => self.flush_line(true),
            Command::FeedLines(n) => {
                let had_text = !self.line.is_empty();
                self.flush_line(true);
                for _ in 1..n.max(1) {
                    self.push_row(Row::Blank);
                }
                if !had_text && n == 0 {
                    self.rows.pop();
                }
            }
            Command::FeedDots(_) => self.flush_line(false),
            Command::Initialize => {
                self.style = CellStyle::default();
                self.align = RowAlign::Left;
            }
            Command::Emphasis(on) => self.style.bold = on,
            Command::Underline(n) => self.style.underline = n != 0 && n != 48,
            Command::PrintMode(n) => {
                self.style.bold = n & 0x08 != 0;
                self.style.height = if n & 0x10 != 0 { 2 } else { 1 };
                self.style.width = if n & 0x20 != 0 { 2 } else { 1 };
                self.style.underline = n & 0x80 != 0;
            }
            Command::Size { width, height } => {
                self.style.width = width;
                self.style.height = height;
            }
            Command::Align(n) => {
                self.align = match n {
                    0 => RowAlign::Left,
                    1 => RowAlign::Center,
                    _ => RowAlign::Right,
                }
            }
            Command::BarcodeHeight(h) => self.barcode.height = h.max(1),
            Command::BarcodeWidth(w) => self.barcode.module = w.clamp(1, 6),
            Command::HriPosition(p) => self.barcode.hri = p,
            Command::Barcode { system, data } => self.barcode_row(system, &data),
            Command::Qr { function, params } => self.qr(function, &params),
            Command::Raster {
                width_bytes,
                height,
                data,
            } => {
                self.flush_line(false);
                self.push_row(Row::Image {
                    width_bytes,
                    height,
                    data,
                    align: self.align,
                });
            }
            Command::Cut { .. } => {
                self.flush_line(false);
                let rows = std::mem::take(&mut self.rows);
                let receipt = PrintedReceipt::new(rows, self.columns);
                tracing::info!(rows = receipt.rows.len(), "simulated printer: receipt cut");
                self.receipts.push(receipt);
            }
            Command::DrawerKick { .. } | Command::DrawerPulse { .. } => self.kick_drawer(),
            Command::AutoStatusBack(mask) => {
                self.asb_mask = mask;
                self.last_asb = None;
                self.report_change();
            }
            Command::TransmitStatus(_) => self.output.push(0x00),
            Command::PrinterId(_) => self.output.push(0x20),
            Command::CodeTable(_)
            | Command::CharacterSet(_)
            | Command::Font(_)
            | Command::HriFont(_)
            | Command::TwoD { .. }
            | Command::RealtimeStatus(_)
            | Command::Ignored(_) => {}
        }
    }

    fn barcode_row(&mut self, system: u8, data: &[u8]) {
        self.flush_line(false);
        let text = String::from_utf8_lossy(data).into_owned();
        let modules = super::bars::encode(system, &text);
        let hri =
            (self.barcode.hri == 2 || self.barcode.hri == 50 || self.barcode.hri == 3).then(|| {
                text.trim_start_matches("{A")
                    .trim_start_matches("{B")
                    .trim_start_matches("{C")
                    .to_string()
            });
        match modules {
            Some(modules) => self.push_row(Row::Bars {
                modules,
                module: self.barcode.module,
                height: self.barcode.height,
                hri,
                align: self.align,
            }),
            None => {
                self.protocol_errors += 1;
                tracing::warn!(
                    system,
                    "simulated printer: barcode data invalid for its symbology"
                );
            }
        }
    }

    fn qr(&mut self, function: u8, params: &[u8]) {
        match (function, params) {
            (67, [size, ..]) => self.qr_module = (*size).clamp(1, 16),
            (69, [level, ..]) => self.qr_level = *level,
            (80, [48, data @ ..]) => self.qr_data = data.to_vec(),
            (81, _) => {
                self.flush_line(false);
                let level = match self.qr_level {
                    48 => qrcode::EcLevel::L,
                    50 => qrcode::EcLevel::Q,
                    51 => qrcode::EcLevel::H,
                    _ => qrcode::EcLevel::M,
                };
                match qrcode::QrCode::with_error_correction_level(&self.qr_data, level) {
                    Ok(code) => {
                        let width = code.width();
                        let dark = code
                            .to_colors()
                            .iter()
                            .map(|c| *c == qrcode::Color::Dark)
                            .collect();
                        let data = String::from_utf8_lossy(&self.qr_data).into_owned();
                        self.push_row(Row::Qr {
                            width,
                            dark,
                            module: self.qr_module,
                            data,
                            align: self.align,
                        });
                    }
                    Err(e) => {
                        self.protocol_errors += 1;
                        tracing::warn!(error = %e, "simulated printer: QR data does not fit");
                    }
                }
            }
            _ => {}
        }
    }
}
