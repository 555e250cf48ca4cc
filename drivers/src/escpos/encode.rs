//! Receipt [`Document`] → ESC/POS bytes (Epson ESC/POS Command Reference; page names in
//! `reference/devices.md` 2.5). The output is a list of segments, each a whole number of
//! commands, so a spooler may pause between segments or put a real-time status query there
//! without splitting a command.

use pos_hal::device::drawer::DrawerPin;
use pos_hal::receipt::{
    Align, Barcode, Block, Cut, Document, QrCode, QrLevel, Style, Symbology, wrap,
};

use super::codepage;

pub const ESC: u8 = 0x1b;
pub const GS: u8 = 0x1d;
pub const DLE: u8 = 0x10;
pub const EOT: u8 = 0x04;
pub const LF: u8 = 0x0a;

/// `ESC @` then `ESC t 19` (PC858, which has the euro sign).
pub fn initialize() -> Vec<u8> {
    vec![ESC, b'@', ESC, b't', codepage::PC858]
}

/// `DLE EOT n`: real-time status request (n = 1 printer, 2 offline cause, 3 error cause, 4 paper).
pub fn realtime_status(n: u8) -> [u8; 3] {
    [DLE, EOT, n]
}

/// `GS a n`: automatic status back for the given event mask.
pub fn enable_asb(mask: u8) -> [u8; 3] {
    [GS, b'a', mask]
}

/// `ESC p m t1 t2`: drawer kick pulse, on/off times in milliseconds (2 ms units, max 510).
pub fn drawer_kick(pin: DrawerPin, on_ms: u16, off_ms: u16) -> [u8; 5] {
    let m = match pin {
        DrawerPin::Pin2 => 0,
        DrawerPin::Pin5 => 1,
    };
    let units = |ms: u16| u8::try_from((ms / 2).clamp(1, 255)).unwrap_or(255);
    [ESC, b'p', m, units(on_ms), units(off_ms)]
}

fn style_commands(style: &Style) -> Vec<u8> {
    let align = match style.align {
        Align::Left => 0,
        Align::Center => 1,
        Align::Right => 2,
    };
    let size = ((style.width.clamp(1, 8) - 1) << 4) | (style.height.clamp(1, 8) - 1);
    vec![
        ESC,
        b'a',
        align,
        ESC,
        b'E',
        u8::from(style.bold),
        ESC,
        b'-',
        u8::from(style.underline),
        GS,
        b'!',
        size,
    ]
}

const RESET_STYLE: [u8; 12] = [ESC, b'a', 0, ESC, b'E', 0, ESC, b'-', 0, GS, b'!', 0];

fn text_line(style: &Style, line: &str) -> Vec<u8> {
    let mut out = style_commands(style);
    out.extend(codepage::encode(line));
    out.push(LF);
    out.extend(RESET_STYLE);
    out
}

fn barcode(code: &Barcode) -> Vec<u8> {
    let mut out = vec![
        ESC,
        b'a',
        1,
        GS,
        b'h',
        code.height.max(1),
        GS,
        b'w',
        2,
        GS,
        b'H',
        if code.hri { 2 } else { 0 },
    ];
    let (m, prefix): (u8, &[u8]) = match code.symbology() {
        Symbology::UpcA => (65, b""),
        Symbology::Ean13 => (67, b""),
        Symbology::Ean8 => (68, b""),
        Symbology::Code39 => (69, b""),
        Symbology::Code128 => (73, b"{B"),
    };
    let data = code.data().as_bytes();
    // Barcode::new bounds the data so the length byte cannot overflow.
    let len = u8::try_from(prefix.len() + data.len()).unwrap_or(u8::MAX);
    out.extend([GS, b'k', m, len]);
    out.extend(prefix);
    out.extend(data);
    out.push(LF);
    out.extend([ESC, b'a', 0]);
    out
}

/// `GS ( k` function: `pL pH cn fn params`.
fn gs_k(function: u8, params: &[u8]) -> Vec<u8> {
    let len = params.len() + 2;
    let (pl, ph) = ((len & 0xff) as u8, ((len >> 8) & 0xff) as u8);
    let mut out = vec![GS, b'(', b'k', pl, ph, 49, function];
    out.extend(params);
    out
}

fn qr(code: &QrCode) -> Vec<u8> {
    let level = match code.level {
        QrLevel::L => 48,
        QrLevel::M => 49,
        QrLevel::Q => 50,
        QrLevel::H => 51,
    };
    let mut out = vec![ESC, b'a', 1];
    out.extend(gs_k(65, &[50, 0])); // model 2
    out.extend(gs_k(67, &[code.module.clamp(1, 16)]));
    out.extend(gs_k(69, &[level]));
    let mut store = vec![48];
    store.extend(code.data().as_bytes());
    out.extend(gs_k(80, &store));
    out.extend(gs_k(81, &[48]));
    out.push(LF);
    out.extend([ESC, b'a', 0]);
    out
}

/// Encodes one block as one segment.
pub fn block(block: &Block, columns: usize) -> Vec<u8> {
    match block {
        Block::Text { text, style } => {
            let room = (columns / usize::from(style.width.max(1))).max(1);
            wrap(text, room)
                .iter()
                .flat_map(|line| text_line(style, line))
                .collect()
        }
        Block::Pair { left, right, style } => {
            let room = (columns / usize::from(style.width.max(1))).max(1);
            let plain = Style {
                align: Align::Left,
                ..*style
            };
            pos_hal::receipt::text::pair_lines(left, right, room)
                .iter()
                .flat_map(|line| text_line(&plain, line))
                .collect()
        }
        Block::Rule(c) => text_line(&Style::default(), &c.to_string().repeat(columns)),
        Block::Feed(n) => vec![ESC, b'd', *n],
        Block::Barcode(code) => barcode(code),
        Block::Qr(code) => qr(code),
        // GS V 66 n: feed to the cutter (n extra dots) and cut partially / fully (65).
        Block::Cut(Cut::Partial) => vec![GS, b'V', 66, 0],
        Block::Cut(Cut::Full) => vec![GS, b'V', 65, 0],
    }
}

/// Encodes a whole document: an initialize segment, then one segment per block.
pub fn document(doc: &Document) -> Vec<Vec<u8>> {
    let columns = doc.columns.count();
    let mut segments = vec![initialize()];
    segments.extend(doc.blocks.iter().map(|b| block(b, columns)));
    segments
}

#[cfg(test)]
mod tests {
    use super::*;
    use pos_hal::receipt::{Columns, DocumentBuilder};

    #[test]
    fn encodes_text_with_style_and_euro() {
        let doc = DocumentBuilder::new(Columns::C32)
            .text("€5", Style::centered().bold().size(2, 2))
            .cut()
            .build();
        let bytes: Vec<u8> = document(&doc).concat();
        let expected_start = [
            ESC, b'@', ESC, b't', 19, ESC, b'a', 1, ESC, b'E', 1, ESC, b'-', 0, GS, b'!', 0x11,
        ];
        assert_eq!(&bytes[..expected_start.len()], &expected_start);
        assert_eq!(
            &bytes[expected_start.len()..expected_start.len() + 3],
            &[0xd5, b'5', LF]
        );
        assert!(bytes.ends_with(&[GS, b'V', 66, 0]));
    }

    #[test]
    fn encodes_qr_store_length() {
        let doc = DocumentBuilder::new(Columns::C48)
            .qr(QrCode::new("0001-000042").unwrap())
            .build();
        let bytes = document(&doc).concat();
        // Store: pL = 11 data + 3 = 14 (Epson gs_lparen_lk_fn180).
        let store = [GS, b'(', b'k', 14, 0, 49, 80, 48];
        assert!(bytes.windows(store.len()).any(|w| w == store));
        assert!(
            bytes
                .windows(8)
                .any(|w| w == [GS, b'(', b'k', 3, 0, 49, 81, 48])
        );
    }

    #[test]
    fn encodes_code128_with_code_set_and_drawer_kick() {
        let code = Barcode::new(Symbology::Code128, "R-42").unwrap();
        let bytes = block(&Block::Barcode(code), 32);
        let k = [GS, b'k', 73, 6, b'{', b'B', b'R', b'-', b'4', b'2'];
        assert!(bytes.windows(k.len()).any(|w| w == k));
        assert_eq!(
            drawer_kick(DrawerPin::Pin2, 100, 200),
            [ESC, b'p', 0, 50, 100]
        );
    }
}
