//! BER-TLV as EMV uses it (EMV Book 3 Annex B), data object lists, and the EMV data dictionary.
//!
//! Parsing is strict: every malformed input gives a typed [`TlvError`] with the byte offset,
//! never a panic. Rules from Annex B that common parsers get wrong are covered: multi-byte tags
//! (subsequent bytes while b8 = 1), long-form lengths (`81 xx`, `82 xx xx`, `83 ..`), the
//! indefinite length `80` refused, `00` padding between objects skipped, `FF` padding only
//! when the caller's [`Padding`] policy allows it, and duplicate tags kept in order.

mod dictionary;
mod dol;
mod tag;

pub(crate) use dictionary::bcd_digits;
pub use dictionary::{Format, FormatError, TagInfo, display_value, lookup, mask_pan_digits};
pub use dol::{Dol, DolEntry};
pub use tag::{Tag, tags};

/// Deepest nesting of constructed objects we accept; real EMV data nests at most 3–4 deep.
const MAX_DEPTH: usize = 16;

/// Why a byte string is not valid BER-TLV.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    /// The input ended inside a tag.
    #[error("truncated tag at offset {offset}")]
    TruncatedTag { offset: usize },
    /// A tag longer than 4 bytes (EMV uses at most 3).
    #[error("tag at offset {offset} is longer than 4 bytes")]
    TagTooLong { offset: usize },
    /// The input ended inside a length field.
    #[error("truncated length at offset {offset}")]
    TruncatedLength { offset: usize },
    /// Length byte `80`: the indefinite form, not allowed in EMV.
    #[error("indefinite length (80) at offset {offset} is not allowed in EMV")]
    IndefiniteLength { offset: usize },
    /// A long-form length with more than 3 subsequent bytes.
    #[error("length field at offset {offset} uses {bytes} bytes (at most 3 allowed)")]
    LengthTooLong { offset: usize, bytes: usize },
    /// The declared length runs past the end of the input (or of the enclosing template).
    #[error(
        "value of tag {tag} at offset {offset} declares {declared} bytes, {available} available"
    )]
    ValueOverrun {
        tag: Tag,
        offset: usize,
        declared: usize,
        available: usize,
    },
    /// `FF` padding found while the policy is [`Padding::ZerosOnly`].
    #[error("padding byte FF at offset {offset} not allowed by the policy")]
    UnexpectedPadding { offset: usize },
    /// Constructed objects nested deeper than any EMV data does.
    #[error("nesting deeper than {MAX_DEPTH} at offset {offset}")]
    TooDeep { offset: usize },
}

/// What the parser does with padding bytes between objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Padding {
    /// Annex B1: `00` bytes before, between or after objects are skipped. `FF` is an error.
    #[default]
    ZerosOnly,
    /// Also skip `FF` (seen after record templates on real cards).
    ZerosAndFf,
}

/// One BER-TLV data object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlv {
    pub tag: Tag,
    pub value: Value,
}

/// The value of a data object: raw bytes, or the objects inside a constructed one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Primitive(Vec<u8>),
    Constructed(Vec<Tlv>),
}

impl Tlv {
    /// A primitive object.
    pub fn primitive(tag: Tag, value: impl Into<Vec<u8>>) -> Self {
        Self {
            tag,
            value: Value::Primitive(value.into()),
        }
    }

    /// A constructed object holding `children`.
    pub fn constructed(tag: Tag, children: Vec<Tlv>) -> Self {
        Self {
            tag,
            value: Value::Constructed(children),
        }
    }

    /// The primitive value, or `None` for a constructed object.
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.value {
            Value::Primitive(v) => Some(v),
            Value::Constructed(_) => None,
        }
    }

    /// The objects inside a constructed object (empty for a primitive one).
    pub fn children(&self) -> &[Tlv] {
        match &self.value {
            Value::Primitive(_) => &[],
            Value::Constructed(c) => c,
        }
    }

    /// This object's encoding (tag ‖ minimal length ‖ value).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.tag.to_bytes());
        match &self.value {
            Value::Primitive(v) => {
                encode_length(v.len(), out);
                out.extend_from_slice(v);
            }
            Value::Constructed(children) => {
                let inner = encode(children);
                encode_length(inner.len(), out);
                out.extend_from_slice(&inner);
            }
        }
    }
}

/// Encodes a list of objects back to back.
pub fn encode(objects: &[Tlv]) -> Vec<u8> {
    let mut out = Vec::new();
    for o in objects {
        o.encode_into(&mut out);
    }
    out
}

/// Appends a BER length in its minimal form.
pub fn encode_length(len: usize, out: &mut Vec<u8>) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
        _ => out.extend_from_slice(&[0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]),
    }
}

/// Parses a list of objects with the default [`Padding::ZerosOnly`] policy.
pub fn parse(input: &[u8]) -> Result<Vec<Tlv>, TlvError> {
    parse_with(input, Padding::default())
}

/// Parses a list of objects with an explicit padding policy.
pub fn parse_with(input: &[u8], padding: Padding) -> Result<Vec<Tlv>, TlvError> {
    parse_level(input, 0, padding, 0)
}

fn parse_level(
    input: &[u8],
    base: usize,
    padding: Padding,
    depth: usize,
) -> Result<Vec<Tlv>, TlvError> {
    if depth > MAX_DEPTH {
        return Err(TlvError::TooDeep { offset: base });
    }
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < input.len() {
        match input[pos] {
            0x00 => {
                pos += 1;
                continue;
            }
            0xFF if padding == Padding::ZerosAndFf => {
                pos += 1;
                continue;
            }
            0xFF => return Err(TlvError::UnexpectedPadding { offset: base + pos }),
            _ => {}
        }
        let header = read_header(input, pos, base)?;
        let start = header.value_start;
        let value = &input[start..start + header.len];
        let tlv = if header.tag.is_constructed() {
            let children = parse_level(value, base + start, padding, depth + 1)?;
            Tlv::constructed(header.tag, children)
        } else {
            Tlv::primitive(header.tag, value)
        };
        out.push(tlv);
        pos = start + header.len;
    }
    Ok(out)
}

/// A parsed tag and length, with where the value starts.
struct Header {
    tag: Tag,
    len: usize,
    value_start: usize,
}

fn read_header(input: &[u8], pos: usize, base: usize) -> Result<Header, TlvError> {
    let (tag, tag_len) = Tag::read(&input[pos..]).map_err(|e| e.at(base + pos))?;
    let len_pos = pos + tag_len;
    let (len, len_len) = read_length(input, len_pos, base)?;
    let value_start = len_pos + len_len;
    let available = input.len() - value_start;
    if len > available {
        return Err(TlvError::ValueOverrun {
            tag,
            offset: base + pos,
            declared: len,
            available,
        });
    }
    Ok(Header {
        tag,
        len,
        value_start,
    })
}

fn read_length(input: &[u8], pos: usize, base: usize) -> Result<(usize, usize), TlvError> {
    let first = *input
        .get(pos)
        .ok_or(TlvError::TruncatedLength { offset: base + pos })?;
    if first < 0x80 {
        return Ok((usize::from(first), 1));
    }
    let count = usize::from(first & 0x7F);
    if count == 0 {
        return Err(TlvError::IndefiniteLength { offset: base + pos });
    }
    if count > 3 {
        return Err(TlvError::LengthTooLong {
            offset: base + pos,
            bytes: count,
        });
    }
    let bytes = input
        .get(pos + 1..pos + 1 + count)
        .ok_or(TlvError::TruncatedLength { offset: base + pos })?;
    let len = bytes
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    Ok((len, 1 + count))
}

/// The first object with `tag`, searching depth-first through constructed objects.
pub fn find(objects: &[Tlv], tag: Tag) -> Option<&Tlv> {
    for o in objects {
        if o.tag == tag {
            return Some(o);
        }
        if let Some(found) = find(o.children(), tag) {
            return Some(found);
        }
    }
    None
}

/// Every object with `tag`, in order, searching depth-first.
pub fn find_all(objects: &[Tlv], tag: Tag) -> Vec<&Tlv> {
    let mut out = Vec::new();
    collect(objects, tag, &mut out);
    out
}

fn collect<'a>(objects: &'a [Tlv], tag: Tag, out: &mut Vec<&'a Tlv>) {
    for o in objects {
        if o.tag == tag {
            out.push(o);
        }
        collect(o.children(), tag, out);
    }
}

/// The primitive value of the first object with `tag`.
pub fn find_bytes(objects: &[Tlv], tag: Tag) -> Option<&[u8]> {
    find(objects, tag).and_then(Tlv::bytes)
}

#[cfg(test)]
mod tests;
