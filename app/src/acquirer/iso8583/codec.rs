//! Encoder and decoder driven by a [`Dialect`]: MTI (2 bytes BCD), primary bitmap, optional
//! secondary bitmap, then each present field as its table row says. Decoding checks every
//! byte it reads and never panics on input.

use super::error::{CodecError, FieldProblem};
use super::message::{Message, Mti};
use super::spec::{Dialect, Encoding, FieldSpec, Kind, Length};

/// Encodes a message. Fails, naming the field, if a value breaks its row of the table.
pub fn encode(dialect: &Dialect, message: &Message) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(&message.mti.bcd().to_be_bytes());
    let mut bitmap = [0u8; 16];
    let mut secondary = false;
    for (number, _) in message.fields() {
        if number < 2 {
            return Err(CodecError::UnknownField(number));
        }
        dialect
            .field(number)
            .ok_or(CodecError::UnknownField(number))?;
        set_bit(&mut bitmap, number);
        secondary |= number > 64;
    }
    if secondary {
        set_bit(&mut bitmap, 1);
        out.extend_from_slice(&bitmap);
    } else {
        out.extend_from_slice(&bitmap[..8]);
    }
    for (number, value) in message.fields() {
        let spec = dialect
            .field(number)
            .ok_or(CodecError::UnknownField(number))?;
        encode_field(dialect, spec, value, &mut out).map_err(|problem| CodecError::Field {
            field: number,
            name: spec.name,
            problem,
        })?;
    }
    Ok(out)
}

/// Decodes a whole message; every byte must belong to it.
pub fn decode(dialect: &Dialect, bytes: &[u8]) -> Result<Message, CodecError> {
    let mut reader = Reader { bytes, pos: 0 };
    let mti_bytes = reader.take_part(2, "MTI")?;
    let mti = Mti::from_bcd(u16::from_be_bytes([mti_bytes[0], mti_bytes[1]]))?;
    let mut bitmap = [0u8; 16];
    bitmap[..8].copy_from_slice(reader.take_part(8, "primary bitmap")?);
    if bit(&bitmap, 1) {
        bitmap[8..].copy_from_slice(reader.take_part(8, "secondary bitmap")?);
        if bitmap[8..].iter().all(|b| *b == 0) {
            return Err(CodecError::EmptySecondaryBitmap);
        }
    }
    let mut message = Message::new(mti);
    for number in 2..=128u8 {
        if !bit(&bitmap, number) {
            continue;
        }
        let spec = dialect
            .field(number)
            .ok_or(CodecError::UnknownField(number))?;
        let value =
            decode_field(dialect, spec, &mut reader).map_err(|problem| CodecError::Field {
                field: number,
                name: spec.name,
                problem,
            })?;
        message.set(number, value);
    }
    let left = bytes.len() - reader.pos;
    if left > 0 {
        return Err(CodecError::TrailingBytes(left));
    }
    Ok(message)
}

fn set_bit(bitmap: &mut [u8; 16], number: u8) {
    let index = usize::from(number - 1);
    if let Some(byte) = bitmap.get_mut(index / 8) {
        *byte |= 0x80 >> (index % 8);
    }
}

fn bit(bitmap: &[u8; 16], number: u8) -> bool {
    let index = usize::from(number - 1);
    bitmap
        .get(index / 8)
        .is_some_and(|byte| byte & (0x80 >> (index % 8)) != 0)
}

fn check_characters(spec: &FieldSpec, value: &[u8]) -> Result<(), FieldProblem> {
    let allowed = |b: u8| match spec.kind {
        Kind::N => b.is_ascii_digit(),
        Kind::Z => b.is_ascii_digit() || b == b'D' || b == b'=',
        Kind::An => b.is_ascii_alphanumeric() || b == b' ',
        Kind::Ans => (0x20..=0x7E).contains(&b),
        Kind::B => true,
    };
    match value.iter().position(|b| !allowed(*b)) {
        Some(position) => Err(FieldProblem::BadCharacter { position }),
        None => Ok(()),
    }
}

fn check_length(spec: &FieldSpec, units: usize) -> Result<(), FieldProblem> {
    match spec.length {
        Length::Fixed(n) if units != usize::from(n) => Err(FieldProblem::WrongLength {
            length: units,
            expected: usize::from(n),
        }),
        Length::LlVar(max) | Length::LllVar(max) if units > usize::from(max) => {
            Err(FieldProblem::TooLong {
                length: units,
                max: usize::from(max),
            })
        }
        _ => Ok(()),
    }
}

fn prefix_digits(length: Length) -> usize {
    match length {
        Length::Fixed(_) => 0,
        Length::LlVar(_) => 2,
        Length::LllVar(_) => 3,
    }
}

fn encode_field(
    dialect: &Dialect,
    spec: &FieldSpec,
    value: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), FieldProblem> {
    check_characters(spec, value)?;
    check_length(spec, value.len())?;
    let digits = prefix_digits(spec.length);
    if digits > 0 {
        let text = format!("{:0width$}", value.len(), width = digits);
        match dialect.length_prefix {
            Encoding::Ascii => out.extend_from_slice(text.as_bytes()),
            _ => pack_bcd(text.as_bytes(), true, out),
        }
    }
    match spec.encoding {
        // n fields are right-justified (leading 0 nibble), z fields left-justified (F pad).
        Encoding::Bcd => pack_bcd(value, spec.kind != Kind::Z, out),
        Encoding::Ascii | Encoding::Binary => out.extend_from_slice(value),
    }
    Ok(())
}

fn decode_field(
    dialect: &Dialect,
    spec: &FieldSpec,
    reader: &mut Reader<'_>,
) -> Result<Vec<u8>, FieldProblem> {
    let units = match spec.length {
        Length::Fixed(n) => usize::from(n),
        length => {
            let digits = prefix_digits(length);
            let text = match dialect.length_prefix {
                Encoding::Ascii => reader.take(digits)?.to_vec(),
                _ => {
                    let raw = reader.take(digits.div_ceil(2))?;
                    unpack_bcd(raw, digits, true, false)
                        .map_err(|_| FieldProblem::BadLengthPrefix)?
                }
            };
            let units = parse_decimal(&text).ok_or(FieldProblem::BadLengthPrefix)?;
            check_length(spec, units)?;
            units
        }
    };
    let value = match spec.encoding {
        Encoding::Bcd => {
            let raw = reader.take(units.div_ceil(2))?;
            unpack_bcd(raw, units, spec.kind != Kind::Z, spec.kind == Kind::Z)?
        }
        Encoding::Ascii | Encoding::Binary => reader.take(units)?.to_vec(),
    };
    check_characters(spec, &value)?;
    Ok(value)
}

fn parse_decimal(text: &[u8]) -> Option<usize> {
    text.iter().try_fold(0usize, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + usize::from(b - b'0'))
    })
}

fn nibble_of(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'D' | b'=' => 0xD,
        _ => 0xF,
    }
}

/// Packs ASCII digits into BCD; odd lengths get a leading 0 (right-justified) or trailing F.
fn pack_bcd(digits: &[u8], right_justify: bool, out: &mut Vec<u8>) {
    let mut nibbles: Vec<u8> = Vec::with_capacity(digits.len() + 1);
    if digits.len() % 2 == 1 && right_justify {
        nibbles.push(0);
    }
    nibbles.extend(digits.iter().map(|c| nibble_of(*c)));
    if nibbles.len() % 2 == 1 {
        nibbles.push(0xF);
    }
    out.extend(nibbles.chunks(2).map(|pair| (pair[0] << 4) | pair[1]));
}

/// Unpacks `count` digits from BCD, checking the pad nibble and every digit.
fn unpack_bcd(
    raw: &[u8],
    count: usize,
    right_justified: bool,
    allow_separator: bool,
) -> Result<Vec<u8>, FieldProblem> {
    let nibbles = raw.iter().flat_map(|b| [b >> 4, b & 0xF]);
    let skip = usize::from(count % 2 == 1 && right_justified);
    let mut digits = Vec::with_capacity(count);
    for (index, nibble) in nibbles.enumerate() {
        let is_pad = index < skip || index >= count + skip;
        let position = index.saturating_sub(skip);
        match nibble {
            0 if is_pad && right_justified => {}
            0xF if is_pad && !right_justified => {}
            _ if is_pad => return Err(FieldProblem::BadBcd { position }),
            0..=9 => digits.push(b'0' + nibble),
            0xD if allow_separator => digits.push(b'D'),
            _ => return Err(FieldProblem::BadBcd { position }),
        }
    }
    Ok(digits)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FieldProblem> {
        let available = self.bytes.len() - self.pos;
        let slice = self
            .bytes
            .get(self.pos..self.pos + n)
            .ok_or(FieldProblem::Truncated {
                needed: n,
                available,
            })?;
        self.pos += n;
        Ok(slice)
    }

    fn take_part(&mut self, n: usize, part: &'static str) -> Result<&'a [u8], CodecError> {
        self.take(n).map_err(|_| CodecError::Truncated {
            part,
            needed: n,
            available: self.bytes.len() - self.pos,
        })
    }
}
