//! 1D barcode modules for the preview, through the `barcoders` crate.

use barcoders::sym::{code39::Code39, code128::Code128, ean8::EAN8, ean13::EAN13};

/// The first `n` characters (the printer computes the check digit itself).
fn take(data: &str, n: usize) -> String {
    data.chars().take(n).collect()
}

/// Modules (1 = bar) for `GS k` system `m` and its data, or `None` if the data is invalid.
pub fn encode(system: u8, data: &str) -> Option<Vec<u8>> {
    match system {
        // UPC-A is EAN-13 with a leading zero.
        0 | 65 => EAN13::new(format!("0{}", take(data, 11)))
            .ok()
            .map(|c| c.encode()),
        2 | 67 => EAN13::new(take(data, 12)).ok().map(|c| c.encode()),
        3 | 68 => EAN8::new(take(data, 7)).ok().map(|c| c.encode()),
        4 | 69 => Code39::new(data).ok().map(|c| c.encode()),
        73 => {
            let converted = data
                .replacen("{A", "\u{00C0}", 1)
                .replacen("{B", "\u{0181}", 1)
                .replacen("{C", "\u{0106}", 1);
            Code128::new(converted).ok().map(|c| c.encode())
        }
        _ => None,
    }
}
