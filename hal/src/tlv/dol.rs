//! Data object lists (PDOL, CDOL1, CDOL2, DDOL, TDOL): a list of tag + one-byte length, no
//! values. Building one concatenates the terminal's values with EMV Book 3 5.4 rules: a
//! missing or constructed object is zero-filled; a value of the wrong length is padded or
//! truncated by its format (n: left-pad 00 / keep rightmost; cn: right-pad FF / keep leftmost;
//! an, ans, b: right-pad 00 / keep leftmost).

use super::dictionary::{Format, lookup};
use super::{Tag, TlvError};

/// One entry of a DOL: which object, and how many bytes of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DolEntry {
    pub tag: Tag,
    pub len: usize,
}

/// A parsed data object list. A tag may appear more than once; order is kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dol {
    pub entries: Vec<DolEntry>,
}

impl Dol {
    /// Parses the value of a DOL tag (`9F38`, `8C`, `8D`, `9F49`, `97`).
    pub fn parse(bytes: &[u8]) -> Result<Dol, TlvError> {
        let mut entries = Vec::new();
        let mut pos = 0;
        while pos < bytes.len() {
            let (tag, tag_len) = Tag::read(&bytes[pos..]).map_err(|e| e.at(pos))?;
            let len_pos = pos + tag_len;
            let len = *bytes
                .get(len_pos)
                .ok_or(TlvError::TruncatedLength { offset: len_pos })?;
            entries.push(DolEntry {
                tag,
                len: usize::from(len),
            });
            pos = len_pos + 1;
        }
        Ok(Dol { entries })
    }

    /// The DOL's own encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for e in &self.entries {
            out.extend_from_slice(&e.tag.to_bytes());
            out.push(e.len.min(255) as u8);
        }
        out
    }

    /// Total length of the data this DOL asks for.
    pub fn data_len(&self) -> usize {
        self.entries.iter().map(|e| e.len).sum()
    }

    /// Concatenates the values `value_of` gives, each fitted to its entry's length.
    pub fn build<'a>(&self, mut value_of: impl FnMut(Tag) -> Option<&'a [u8]>) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data_len());
        for e in &self.entries {
            let value = if e.tag.is_constructed() {
                None
            } else {
                value_of(e.tag)
            };
            match value {
                Some(v) => fit(v, e.len, format_of(e.tag), &mut out),
                None => out.extend(std::iter::repeat_n(0u8, e.len)),
            }
        }
        out
    }

    /// Splits data built from this DOL back into (tag, value) pairs (the card side uses this).
    /// Returns `None` if the data length does not match.
    pub fn split<'d>(&self, data: &'d [u8]) -> Option<Vec<(Tag, &'d [u8])>> {
        if data.len() != self.data_len() {
            return None;
        }
        let mut pos = 0;
        let mut out = Vec::with_capacity(self.entries.len());
        for e in &self.entries {
            out.push((e.tag, &data[pos..pos + e.len]));
            pos += e.len;
        }
        Some(out)
    }
}

/// Format used for padding rules: the dictionary's, or `b` for a tag we do not know.
fn format_of(tag: Tag) -> Format {
    lookup(tag).map_or(Format::B, |info| info.format)
}

fn fit(value: &[u8], len: usize, format: Format, out: &mut Vec<u8>) {
    use std::cmp::Ordering;
    match (value.len().cmp(&len), format) {
        (Ordering::Equal, _) => out.extend_from_slice(value),
        (Ordering::Greater, Format::N) => out.extend_from_slice(&value[value.len() - len..]),
        (Ordering::Greater, _) => out.extend_from_slice(&value[..len]),
        (Ordering::Less, Format::N) => {
            out.extend(std::iter::repeat_n(0u8, len - value.len()));
            out.extend_from_slice(value);
        }
        (Ordering::Less, Format::Cn) => {
            out.extend_from_slice(value);
            out.extend(std::iter::repeat_n(0xFFu8, len - value.len()));
        }
        (Ordering::Less, _) => {
            out.extend_from_slice(value);
            out.extend(std::iter::repeat_n(0u8, len - value.len()));
        }
    }
}
