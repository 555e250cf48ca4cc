//! HID boot keyboard reports → keys, for keyboard-emulating scanners and magstripe readers.
//!
//! Report layout: Device Class Definition for HID 1.11, appendix B (8 bytes: modifiers,
//! reserved, six usages; all `0x01` = ErrorRollOver). Usages: HID Usage Tables, Keyboard/Keypad
//! page 0x07, US layout. A key counts once, when it first appears in a report.

use pos_hal::device::scanner::wedge::Key;

/// A report that is not a boot keyboard report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyboardError {
    #[error("keyboard report of {0} bytes (8 expected)")]
    Length(usize),
    #[error("usage {0:#04x} has no character in the US layout")]
    Usage(u8),
}

/// Decodes a stream of boot keyboard reports.
#[derive(Debug, Clone, Default)]
pub struct BootKeyboard {
    held: Vec<u8>,
}

fn character(usage: u8, shift: bool) -> Option<Key> {
    const DIGITS: &[u8; 10] = b"1234567890";
    const SHIFTED_DIGITS: &[u8; 10] = b"!@#$%^&*()";
    // Usages 0x2D..=0x38 in order, unshifted and shifted (0x32 is the non-US '#').
    const PUNCT: &[u8; 12] = b"-=[]\\#;'`,./";
    const SHIFTED_PUNCT: &[u8; 12] = b"_+{}|~:\"~<>?";
    let c = match usage {
        0x04..=0x1d => {
            let c = b'a' + (usage - 0x04);
            if shift { c.to_ascii_uppercase() } else { c }
        }
        0x1e..=0x27 => {
            let i = usize::from(usage - 0x1e);
            if shift { SHIFTED_DIGITS[i] } else { DIGITS[i] }
        }
        0x28 | 0x58 => return Some(Key::Enter),
        0x2b => return Some(Key::Tab),
        0x2c => b' ',
        0x2d..=0x38 => {
            let i = usize::from(usage - 0x2d);
            if shift { SHIFTED_PUNCT[i] } else { PUNCT[i] }
        }
        _ => return None,
    };
    Some(Key::Char(char::from(c)))
}

impl BootKeyboard {
    /// Keys newly pressed in this report. Reports of ErrorRollOver are ignored (the keyboard
    /// could not tell which keys are down); unknown usages are errors the caller may log.
    pub fn feed(&mut self, report: &[u8]) -> Result<Vec<Key>, KeyboardError> {
        let report: &[u8; 8] = report
            .try_into()
            .map_err(|_| KeyboardError::Length(report.len()))?;
        let usages: Vec<u8> = report[2..].iter().copied().filter(|u| *u != 0).collect();
        if usages.iter().all(|u| *u == 0x01) && !usages.is_empty() {
            return Ok(Vec::new());
        }
        let shift = report[0] & 0x22 != 0;
        let mut keys = Vec::new();
        let mut unknown = None;
        for usage in &usages {
            if self.held.contains(usage) {
                continue;
            }
            match character(*usage, shift) {
                Some(key) => keys.push(key),
                None => unknown = Some(*usage),
            }
        }
        self.held = usages;
        match unknown {
            Some(usage) if keys.is_empty() => Err(KeyboardError::Usage(usage)),
            _ => Ok(keys),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(modifiers: u8, usage: u8) -> [u8; 8] {
        [modifiers, 0, usage, 0, 0, 0, 0, 0]
    }

    #[test]
    fn types_digits_letters_and_shifted_track_sentinels() {
        let mut kb = BootKeyboard::default();
        let mut typed = String::new();
        // "%B4;" then Enter: '%' = Shift+0x22, 'B' = Shift+0x05, '4' = 0x21, ';' = 0x33.
        for (m, u) in [(0x02, 0x22), (0x02, 0x05), (0, 0x21), (0, 0x33), (0, 0x28)] {
            for key in kb.feed(&press(m, u)).unwrap() {
                match key {
                    Key::Char(c) => typed.push(c),
                    Key::Enter => typed.push('\n'),
                    Key::Tab => typed.push('\t'),
                }
            }
            assert!(kb.feed(&[0; 8]).unwrap().is_empty());
        }
        assert_eq!(typed, "%B4;\n");
    }

    #[test]
    fn held_keys_count_once_and_rollover_is_ignored() {
        let mut kb = BootKeyboard::default();
        assert_eq!(kb.feed(&press(0, 0x1e)).unwrap(), vec![Key::Char('1')]);
        assert!(kb.feed(&press(0, 0x1e)).unwrap().is_empty());
        assert!(kb.feed(&[0, 0, 1, 1, 1, 1, 1, 1]).unwrap().is_empty());
        assert_eq!(kb.feed(&[0; 7]), Err(KeyboardError::Length(7)));
        assert_eq!(kb.feed(&press(0, 0x3a)), Err(KeyboardError::Usage(0x3a)));
    }
}
