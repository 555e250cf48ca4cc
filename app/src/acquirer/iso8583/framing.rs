//! TCP framing: every message is preceded by its length as 2 bytes, big-endian. The
//! [`FrameDecoder`] is sans-IO (push bytes, pop frames); `read_frame`/`write_frame` are the
//! blocking shells used by the client and the simulated host.

use std::io::{ErrorKind, Read, Write};

use super::error::FrameError;

/// Largest frame either side accepts (a 0100 with full field 55 is well under 1 KiB).
pub const MAX_FRAME: usize = 8192;

/// Prefixes a message with its 2-byte length.
pub fn frame(message: &[u8]) -> Result<Vec<u8>, FrameError> {
    let length = u16::try_from(message.len())
        .ok()
        .filter(|l| usize::from(*l) <= MAX_FRAME)
        .ok_or(FrameError::TooLarge {
            length: message.len(),
            max: MAX_FRAME,
        })?;
    let mut out = Vec::with_capacity(message.len() + 2);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(message);
    Ok(out)
}

/// Splits a byte stream into frames, whatever the chunking of the reads.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buffer: Vec<u8>,
}

impl FrameDecoder {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete frame, `Ok(None)` if more bytes are needed.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        let [hi, lo, ..] = self.buffer[..] else {
            return Ok(None);
        };
        let length = usize::from(u16::from_be_bytes([hi, lo]));
        if length == 0 {
            return Err(FrameError::Empty);
        }
        if length > MAX_FRAME {
            return Err(FrameError::TooLarge {
                length,
                max: MAX_FRAME,
            });
        }
        if self.buffer.len() < 2 + length {
            return Ok(None);
        }
        let frame = self.buffer[2..2 + length].to_vec();
        self.buffer.drain(..2 + length);
        Ok(Some(frame))
    }

    /// Bytes received that do not yet form a frame.
    pub fn pending(&self) -> usize {
        self.buffer.len()
    }
}

/// Writes one framed message.
pub fn write_frame(writer: &mut impl Write, message: &[u8]) -> Result<(), FrameError> {
    writer.write_all(&frame(message)?)?;
    writer.flush()?;
    Ok(())
}

/// Reads one framed message; `Ok(None)` on a clean end of stream before a new frame.
pub fn read_frame(reader: &mut impl Read) -> Result<Option<Vec<u8>>, FrameError> {
    let mut header = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        match reader.read(&mut header[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(FrameError::Truncated { got, expected: 2 }),
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let length = usize::from(u16::from_be_bytes(header));
    if length == 0 {
        return Err(FrameError::Empty);
    }
    if length > MAX_FRAME {
        return Err(FrameError::TooLarge {
            length,
            max: MAX_FRAME,
        });
    }
    let mut body = vec![0u8; length];
    let mut got = 0;
    while got < length {
        match reader.read(&mut body[got..]) {
            Ok(0) => {
                return Err(FrameError::Truncated {
                    got,
                    expected: length,
                });
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoder_reassembles_frames_split_anywhere() {
        let mut stream = frame(b"abc").unwrap();
        stream.extend(frame(b"defgh").unwrap());
        for split in 0..stream.len() {
            let mut decoder = FrameDecoder::default();
            decoder.push(&stream[..split]);
            let mut frames = Vec::new();
            while let Some(f) = decoder.next_frame().unwrap() {
                frames.push(f);
            }
            decoder.push(&stream[split..]);
            while let Some(f) = decoder.next_frame().unwrap() {
                frames.push(f);
            }
            assert_eq!(frames, vec![b"abc".to_vec(), b"defgh".to_vec()]);
            assert_eq!(decoder.pending(), 0);
        }
    }

    #[test]
    fn oversize_and_empty_frames_are_errors() {
        let mut decoder = FrameDecoder::default();
        decoder.push(&[0xFF, 0xFF, 1]);
        assert!(matches!(
            decoder.next_frame(),
            Err(FrameError::TooLarge { length: 65535, .. })
        ));
        assert!(matches!(
            read_frame(&mut &[0u8, 0][..]),
            Err(FrameError::Empty)
        ));
        assert!(matches!(
            frame(&vec![0; MAX_FRAME + 1]),
            Err(FrameError::TooLarge { .. })
        ));
    }

    #[test]
    fn blocking_reader_reports_truncation_and_clean_eof() {
        assert!(read_frame(&mut &[][..]).unwrap().is_none());
        assert!(matches!(
            read_frame(&mut &[0u8][..]),
            Err(FrameError::Truncated {
                got: 1,
                expected: 2
            })
        ));
        assert!(matches!(
            read_frame(&mut &[0u8, 5, 1, 2][..]),
            Err(FrameError::Truncated {
                got: 2,
                expected: 5
            })
        ));
        let mut ok = &frame(b"hello").unwrap()[..];
        assert_eq!(read_frame(&mut ok).unwrap().unwrap(), b"hello");
    }
}
