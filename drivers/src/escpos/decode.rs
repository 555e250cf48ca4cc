//! ESC/POS byte stream → commands: what a printer (our simulator) does with the bytes. The
//! decoder is incremental (`Ok(None)` asks for more bytes) and total: unknown or malformed
//! commands are typed errors, never panics, whatever the input (it is fuzzed).

/// One decoded command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Printable bytes in the current code page.
    Text(Vec<u8>),
    LineFeed,
    /// `ESC d n`: print and feed n lines.
    FeedLines(u8),
    /// `ESC J n`: print and feed n dots.
    FeedDots(u8),
    Initialize,
    /// `ESC t n`.
    CodeTable(u8),
    /// `ESC R n`.
    CharacterSet(u8),
    /// `ESC E n`.
    Emphasis(bool),
    /// `ESC - n`.
    Underline(u8),
    /// `ESC ! n`.
    PrintMode(u8),
    /// `ESC M n`.
    Font(u8),
    /// `GS ! n`: magnification 1..8.
    Size {
        width: u8,
        height: u8,
    },
    /// `ESC a n`: 0 left, 1 centre, 2 right.
    Align(u8),
    BarcodeHeight(u8),
    BarcodeWidth(u8),
    HriPosition(u8),
    HriFont(u8),
    /// `GS k`: system `m` and its data.
    Barcode {
        system: u8,
        data: Vec<u8>,
    },
    /// `GS ( k` with `cn` 49 (QR): function and parameters.
    Qr {
        function: u8,
        params: Vec<u8>,
    },
    /// Another `GS ( k` symbol (PDF417, MaxiCode, ...): accepted, not rendered.
    TwoD {
        cn: u8,
        function: u8,
    },
    /// `GS v 0`: raster bit image, `width_bytes` x `height`, MSB leftmost.
    Raster {
        width_bytes: u16,
        height: u16,
        data: Vec<u8>,
    },
    /// `GS V`.
    Cut {
        mode: u8,
    },
    /// `ESC p m t1 t2`.
    DrawerKick {
        pin: u8,
        on: u8,
        off: u8,
    },
    /// `DLE DC4 1 m t`.
    DrawerPulse {
        pin: u8,
        time: u8,
    },
    /// `DLE EOT n`.
    RealtimeStatus(u8),
    /// `GS a n`.
    AutoStatusBack(u8),
    /// `GS r n`.
    TransmitStatus(u8),
    /// `GS I n`.
    PrinterId(u8),
    /// A control byte the printer ignores (CR, NUL, HT).
    Ignored(u8),
}

/// Bytes that are not a command this printer knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("unknown command {prefix:#04x} {code:#04x}")]
    Unknown { prefix: u8, code: u8 },
    #[error("unexpected control byte {0:#04x}")]
    Control(u8),
    #[error("parameter {value} out of range for {command}")]
    Parameter { command: &'static str, value: u8 },
    #[error("{0} data longer than the printer accepts")]
    TooLong(&'static str),
}

/// Largest raster image accepted (bytes), well above a full-width 80 mm logo.
const MAX_RASTER: usize = 256 * 1024;

/// Decodes the command at the start of `buf`: `Ok(Some((command, consumed)))`, or `Ok(None)`
/// when `buf` ends inside a command.
pub fn decode(buf: &[u8]) -> Result<Option<(Command, usize)>, DecodeError> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    match first {
        0x20..=0xff if first != 0x7f => {
            let len = buf
                .iter()
                .take_while(|b| **b >= 0x20 && **b != 0x7f)
                .count();
            Ok(Some((Command::Text(buf[..len].to_vec()), len)))
        }
        0x0a => Ok(Some((Command::LineFeed, 1))),
        0x00 | 0x09 | 0x0d | 0x7f => Ok(Some((Command::Ignored(first), 1))),
        0x1b => esc(buf),
        0x1d => gs(buf),
        0x10 => dle(buf),
        other => Err(DecodeError::Control(other)),
    }
}

/// `n` parameter bytes after a 2-byte command, or `None` if not all there yet.
fn params(buf: &[u8], n: usize) -> Option<&[u8]> {
    buf.get(2..2 + n)
}

fn one(
    buf: &[u8],
    make: impl FnOnce(u8) -> Command,
) -> Result<Option<(Command, usize)>, DecodeError> {
    Ok(params(buf, 1).map(|p| (make(p[0]), 3)))
}

fn esc(buf: &[u8]) -> Result<Option<(Command, usize)>, DecodeError> {
    let Some(&code) = buf.get(1) else {
        return Ok(None);
    };
    match code {
        b'@' => Ok(Some((Command::Initialize, 2))),
        b't' => one(buf, Command::CodeTable),
        b'R' => one(buf, Command::CharacterSet),
        b'E' => one(buf, |n| Command::Emphasis(n & 1 == 1)),
        b'-' => one(buf, Command::Underline),
        b'!' => one(buf, Command::PrintMode),
        b'M' => one(buf, Command::Font),
        b'a' => one(buf, |n| {
            Command::Align(match n {
                0 | 48 => 0,
                1 | 49 => 1,
                _ => 2,
            })
        }),
        b'd' => one(buf, Command::FeedLines),
        b'J' => one(buf, Command::FeedDots),
        b'p' => Ok(params(buf, 3).map(|p| {
            (
                Command::DrawerKick {
                    pin: p[0] & 1,
                    on: p[1],
                    off: p[2],
                },
                5,
            )
        })),
        _ => Err(DecodeError::Unknown { prefix: 0x1b, code }),
    }
}

fn gs(buf: &[u8]) -> Result<Option<(Command, usize)>, DecodeError> {
    let Some(&code) = buf.get(1) else {
        return Ok(None);
    };
    match code {
        b'!' => one(buf, |n| Command::Size {
            width: (n >> 4 & 7) + 1,
            height: (n & 7) + 1,
        }),
        b'h' => one(buf, Command::BarcodeHeight),
        b'w' => one(buf, Command::BarcodeWidth),
        b'H' => one(buf, Command::HriPosition),
        b'f' => one(buf, Command::HriFont),
        b'a' => one(buf, Command::AutoStatusBack),
        b'r' => one(buf, Command::TransmitStatus),
        b'I' => one(buf, Command::PrinterId),
        b'V' => {
            let Some(&m) = buf.get(2) else {
                return Ok(None);
            };
            match m {
                0 | 1 | 48 | 49 => Ok(Some((Command::Cut { mode: m }, 3))),
                65 | 66 | 97 | 98 | 103 | 104 => {
                    Ok(buf.get(3).map(|_| (Command::Cut { mode: m }, 4)))
                }
                _ => Err(DecodeError::Parameter {
                    command: "GS V",
                    value: m,
                }),
            }
        }
        b'k' => barcode(buf),
        b'(' => two_d(buf),
        b'v' => raster(buf),
        _ => Err(DecodeError::Unknown { prefix: 0x1d, code }),
    }
}

fn dle(buf: &[u8]) -> Result<Option<(Command, usize)>, DecodeError> {
    let Some(&code) = buf.get(1) else {
        return Ok(None);
    };
    match code {
        0x04 => {
            let Some(&n) = buf.get(2) else {
                return Ok(None);
            };
            if (1..=4).contains(&n) {
                Ok(Some((Command::RealtimeStatus(n), 3)))
            } else {
                Err(DecodeError::Parameter {
                    command: "DLE EOT",
                    value: n,
                })
            }
        }
        0x14 => Ok(params(buf, 3).map(|p| {
            (
                Command::DrawerPulse {
                    pin: p[1] & 1,
                    time: p[2],
                },
                5,
            )
        })),
        _ => Err(DecodeError::Unknown { prefix: 0x10, code }),
    }
}

fn barcode(buf: &[u8]) -> Result<Option<(Command, usize)>, DecodeError> {
    let Some(&system) = buf.get(2) else {
        return Ok(None);
    };
    match system {
        0..=6 => {
            // NUL-terminated form.
            let Some(end) = buf[3..].iter().position(|b| *b == 0) else {
                if buf.len() > 3 + 255 {
                    return Err(DecodeError::TooLong("GS k"));
                }
                return Ok(None);
            };
            Ok(Some((
                Command::Barcode {
                    system,
                    data: buf[3..3 + end].to_vec(),
                },
                3 + end + 1,
            )))
        }
        65..=79 => {
            let Some(&n) = buf.get(3) else {
                return Ok(None);
            };
            let end = 4 + usize::from(n);
            Ok(buf.get(4..end).map(|data| {
                (
                    Command::Barcode {
                        system,
                        data: data.to_vec(),
                    },
                    end,
                )
            }))
        }
        _ => Err(DecodeError::Parameter {
            command: "GS k",
            value: system,
        }),
    }
}

fn two_d(buf: &[u8]) -> Result<Option<(Command, usize)>, DecodeError> {
    let Some(&kind) = buf.get(2) else {
        return Ok(None);
    };
    if kind != b'k' {
        return Err(DecodeError::Unknown {
            prefix: 0x1d,
            code: b'(',
        });
    }
    let (Some(&pl), Some(&ph)) = (buf.get(3), buf.get(4)) else {
        return Ok(None);
    };
    let len = usize::from(pl) + 256 * usize::from(ph);
    if len < 2 {
        return Err(DecodeError::Parameter {
            command: "GS ( k",
            value: pl,
        });
    }
    let end = 5 + len;
    let Some(body) = buf.get(5..end) else {
        return Ok(None);
    };
    let (cn, function) = (body[0], body[1]);
    let command = if cn == 49 {
        Command::Qr {
            function,
            params: body[2..].to_vec(),
        }
    } else {
        Command::TwoD { cn, function }
    };
    Ok(Some((command, end)))
}

fn raster(buf: &[u8]) -> Result<Option<(Command, usize)>, DecodeError> {
    let Some(header) = buf.get(2..8) else {
        return Ok(None);
    };
    if header[0] != b'0' && header[0] != 0 {
        return Err(DecodeError::Parameter {
            command: "GS v",
            value: header[0],
        });
    }
    let width_bytes = u16::from(header[2]) | u16::from(header[3]) << 8;
    let height = u16::from(header[4]) | u16::from(header[5]) << 8;
    let size = usize::from(width_bytes) * usize::from(height);
    if size > MAX_RASTER {
        return Err(DecodeError::TooLong("GS v 0"));
    }
    let end = 8 + size;
    Ok(buf.get(8..end).map(|data| {
        (
            Command::Raster {
                width_bytes,
                height,
                data: data.to_vec(),
            },
            end,
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escpos::encode;
    use pos_hal::receipt::{Columns, SaleReceipt};
    use proptest::prelude::*;

    fn decode_all(mut buf: &[u8]) -> Vec<Command> {
        let mut out = Vec::new();
        while let Some((command, used)) = decode(buf).unwrap() {
            out.push(command);
            buf = &buf[used..];
        }
        assert!(buf.is_empty(), "left over: {buf:?}");
        out
    }

    #[test]
    fn decodes_what_the_encoder_writes() {
        let receipt = SaleReceipt {
            header: vec!["Shop".into()],
            receipt_no: "0001-000042".into(),
            ..Default::default()
        };
        let doc = receipt.to_document(Columns::C42).unwrap();
        let commands = decode_all(&encode::document(&doc).concat());
        assert_eq!(commands[0], Command::Initialize);
        assert!(commands.contains(&Command::Qr {
            function: 80,
            params: b"00001-000042".to_vec()
        }));
        assert_eq!(commands.last(), Some(&Command::Cut { mode: 66 }));
    }

    #[test]
    fn incomplete_and_bad_input() {
        assert_eq!(decode(&[0x1d, b'k', 73, 5, b'{']), Ok(None));
        assert_eq!(decode(&[0x1d, b'(', b'k', 4]), Ok(None));
        assert_eq!(
            decode(&[0x1b, b'Z']),
            Err(DecodeError::Unknown {
                prefix: 0x1b,
                code: b'Z'
            })
        );
        assert_eq!(
            decode(&[0x10, 0x04, 9]),
            Err(DecodeError::Parameter {
                command: "DLE EOT",
                value: 9
            })
        );
        assert_eq!(
            decode(&[0x1d, b'v', b'0', 0, 0xff, 0xff, 0xff, 0xff]),
            Err(DecodeError::TooLong("GS v 0"))
        );
        assert_eq!(decode(&[0x05]), Err(DecodeError::Control(5)));
    }

    proptest! {
        #[test]
        fn never_panics_and_always_progresses(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Ok(Some((_, used))) = decode(&bytes) {
                prop_assert!(used > 0 && used <= bytes.len());
            }
        }
    }
}
