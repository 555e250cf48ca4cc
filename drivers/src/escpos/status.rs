//! Printer status replies → typed [`PrinterStatus`].
//!
//! - `DLE EOT n` answers one byte shaped `0xx1xx10b` (Epson page `dle_eot`): n = 1 printer
//!   (bit 2 drawer pin 3, bit 3 offline, bit 6 feed button), 2 offline cause (bit 2 cover
//!   open, bit 5 stopped by paper end, bit 6 error), 3 error cause (bit 3 autocutter, bit 5
//!   unrecoverable, bit 6 auto-recoverable), 4 roll sensor (bits 2-3 near end, bits 5-6 end).
//! - Automatic Status Back (`GS a`, page `gs_la`) sends 4 bytes on every change; the first
//!   is shaped `0xx1xx00b`, so it is told apart from a DLE EOT reply by its low bits.
//!
//! Anything else is garbage and gets a typed error; nothing here panics on input.

use pos_hal::device::printer::{PaperLevel, PrinterFault, PrinterStatus};

/// A status byte (or block) that does not follow the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    #[error("byte {0:#04x} is not a DLE EOT status reply")]
    NotRealtime(u8),
    #[error("DLE EOT {0} is not a status request this driver makes")]
    UnknownRequest(u8),
    #[error("automatic status back byte {index} ({byte:#04x}) breaks the fixed bits")]
    BadAsb { index: usize, byte: u8 },
}

/// How the drawer switch is wired: most drawers pull pin 3 high when open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DrawerWiring {
    pub open_when_high: bool,
}

const fn bit(byte: u8, n: u8) -> bool {
    byte & (1 << n) != 0
}

/// Checks a DLE EOT reply byte's fixed bits.
pub fn check_realtime(byte: u8) -> Result<u8, StatusError> {
    if byte & 0x93 == 0x12 {
        Ok(byte)
    } else {
        Err(StatusError::NotRealtime(byte))
    }
}

/// Folds the reply to `DLE EOT n` into `status`.
pub fn apply_realtime(
    status: &mut PrinterStatus,
    n: u8,
    byte: u8,
    wiring: DrawerWiring,
) -> Result<(), StatusError> {
    let byte = check_realtime(byte)?;
    match n {
        1 => {
            status.drawer_open = bit(byte, 2) == wiring.open_when_high;
            status.offline = bit(byte, 3);
            status.feed_button = bit(byte, 6);
        }
        2 => {
            status.cover_open = bit(byte, 2);
            if bit(byte, 5) {
                status.paper = PaperLevel::Out;
            }
            if bit(byte, 6) && status.fault.is_none() {
                status.fault = Some(PrinterFault::Other);
            }
        }
        3 => {
            status.fault = if bit(byte, 3) {
                Some(PrinterFault::Autocutter)
            } else if bit(byte, 5) {
                Some(PrinterFault::Unrecoverable)
            } else if bit(byte, 6) {
                Some(PrinterFault::AutoRecoverable)
            } else if bit(byte, 2) {
                Some(PrinterFault::Other)
            } else {
                None
            };
        }
        4 => {
            status.paper = if byte & 0x60 == 0x60 {
                PaperLevel::Out
            } else if byte & 0x0c == 0x0c {
                PaperLevel::NearEnd
            } else {
                PaperLevel::Adequate
            };
        }
        other => return Err(StatusError::UnknownRequest(other)),
    }
    Ok(())
}

/// Parses a 4-byte Automatic Status Back block.
pub fn parse_asb(block: [u8; 4], wiring: DrawerWiring) -> Result<PrinterStatus, StatusError> {
    if block[0] & 0x93 != 0x10 {
        return Err(StatusError::BadAsb {
            index: 0,
            byte: block[0],
        });
    }
    for (index, byte) in block.iter().enumerate().skip(1) {
        if byte & 0x90 != 0 {
            return Err(StatusError::BadAsb { index, byte: *byte });
        }
    }
    let [b1, b2, b3, _] = block;
    let fault = if bit(b2, 3) {
        Some(PrinterFault::Autocutter)
    } else if bit(b2, 5) {
        Some(PrinterFault::Unrecoverable)
    } else if bit(b2, 6) {
        Some(PrinterFault::AutoRecoverable)
    } else if bit(b2, 2) {
        Some(PrinterFault::Other)
    } else {
        None
    };
    let paper = if b3 & 0x0c == 0x0c {
        PaperLevel::Out
    } else if b3 & 0x03 == 0x03 {
        PaperLevel::NearEnd
    } else {
        PaperLevel::Adequate
    };
    Ok(PrinterStatus {
        drawer_open: bit(b1, 2) == wiring.open_when_high,
        offline: bit(b1, 3),
        cover_open: bit(b1, 5),
        feed_button: bit(b1, 6),
        paper,
        fault,
    })
}

/// One reply found in the byte stream coming back from a printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    Realtime(u8),
    Asb([u8; 4]),
}

/// Splits the printer's back channel into DLE EOT replies and ASB blocks; bytes that are
/// neither are reported and skipped, so one bad byte does not desynchronise the stream.
#[derive(Debug, Default, Clone)]
pub struct ReplySplitter {
    buffer: Vec<u8>,
}

impl ReplySplitter {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete reply, `None` when more bytes are needed.
    pub fn next_reply(&mut self) -> Option<Result<Reply, StatusError>> {
        let first = *self.buffer.first()?;
        if first & 0x93 == 0x12 {
            self.buffer.remove(0);
            return Some(Ok(Reply::Realtime(first)));
        }
        if first & 0x93 == 0x10 {
            if self.buffer.len() < 4 {
                return None;
            }
            let block = [
                self.buffer[0],
                self.buffer[1],
                self.buffer[2],
                self.buffer[3],
            ];
            if let Some(index) = (1..4).find(|i| block[*i] & 0x90 != 0) {
                self.buffer.remove(0);
                return Some(Err(StatusError::BadAsb {
                    index,
                    byte: block[index],
                }));
            }
            self.buffer.drain(..4);
            return Some(Ok(Reply::Asb(block)));
        }
        self.buffer.remove(0);
        Some(Err(StatusError::NotRealtime(first)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const WIRING: DrawerWiring = DrawerWiring {
        open_when_high: true,
    };

    #[test]
    fn decodes_each_realtime_request() {
        let mut s = PrinterStatus::default();
        apply_realtime(&mut s, 1, 0x12, WIRING).unwrap();
        assert_eq!(s, PrinterStatus::default());
        apply_realtime(&mut s, 1, 0x1e, WIRING).unwrap();
        assert!(s.offline && s.drawer_open);
        apply_realtime(&mut s, 2, 0x36, WIRING).unwrap();
        assert!(s.cover_open);
        assert_eq!(s.paper, PaperLevel::Out);
        apply_realtime(&mut s, 4, 0x1e, WIRING).unwrap();
        assert_eq!(s.paper, PaperLevel::NearEnd);
        apply_realtime(&mut s, 4, 0x72, WIRING).unwrap();
        assert_eq!(s.paper, PaperLevel::Out);
        apply_realtime(&mut s, 3, 0x1a, WIRING).unwrap();
        assert_eq!(s.fault, Some(PrinterFault::Autocutter));
    }

    #[test]
    fn garbage_status_bytes_are_typed_errors() {
        let mut s = PrinterStatus::default();
        assert_eq!(
            apply_realtime(&mut s, 1, 0xff, WIRING),
            Err(StatusError::NotRealtime(0xff))
        );
        assert_eq!(
            apply_realtime(&mut s, 1, 0x10, WIRING),
            Err(StatusError::NotRealtime(0x10))
        );
        assert_eq!(
            apply_realtime(&mut s, 9, 0x12, WIRING),
            Err(StatusError::UnknownRequest(9))
        );
        assert_eq!(
            parse_asb([0x10, 0x80, 0, 0], WIRING),
            Err(StatusError::BadAsb {
                index: 1,
                byte: 0x80
            })
        );
    }

    #[test]
    fn asb_block_decodes_cover_and_paper() {
        let s = parse_asb([0x38, 0x00, 0x0c, 0x00], WIRING).unwrap();
        assert!(s.cover_open && s.offline);
        assert_eq!(s.paper, PaperLevel::Out);
    }

    #[test]
    fn splitter_tells_asb_from_realtime_and_skips_noise() {
        let mut split = ReplySplitter::default();
        split.push(&[0x12, 0xff, 0x10, 0x00]);
        assert_eq!(split.next_reply(), Some(Ok(Reply::Realtime(0x12))));
        assert_eq!(
            split.next_reply(),
            Some(Err(StatusError::NotRealtime(0xff)))
        );
        assert_eq!(split.next_reply(), None);
        split.push(&[0x03, 0x00]);
        assert_eq!(
            split.next_reply(),
            Some(Ok(Reply::Asb([0x10, 0x00, 0x03, 0x00])))
        );
        assert_eq!(split.next_reply(), None);
    }

    proptest! {
        #[test]
        fn splitter_never_panics_and_consumes_everything(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut split = ReplySplitter::default();
            split.push(&bytes);
            let mut replies = 0;
            while split.next_reply().is_some() {
                replies += 1;
                prop_assert!(replies <= bytes.len());
            }
            prop_assert!(split.buffer.len() < 4);
        }
    }
}
