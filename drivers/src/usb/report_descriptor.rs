//! HID report descriptors (USB HID 1.11, section 6.2.2): the short items that say where each
//! input field sits in a report. Written by hand because it is small and pure, and the crates
//! that parse descriptors either pull in an OS HID stack or stop at items without computing
//! the bit offsets a reader needs.
//!
//! [`input_fields`] walks the items with the global state (usage page, report size and count,
//! report id, push/pop) and the local usages, and returns every Input field with its bit
//! offset inside its report (after the report id byte, when the device numbers its reports).

/// One Input field: `count` values of `size` bits each, starting at `bit_offset`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputField {
    /// 0 when the device does not number its reports.
    pub report_id: u8,
    pub usage_page: u16,
    /// The usages declared for this field, in order (one for an array or a byte buffer).
    pub usages: Vec<u16>,
    pub bit_offset: usize,
    pub size: usize,
    pub count: usize,
}

impl InputField {
    /// The usage of value `i` (the last declared usage repeats, as HID 6.2.2.8 says).
    pub fn usage_of(&self, i: usize) -> Option<u16> {
        self.usages.get(i).or(self.usages.last()).copied()
    }
}

/// A descriptor this parser refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DescriptorError {
    #[error("item at byte {0} runs past the end of the descriptor")]
    Truncated(usize),
    #[error("Pop at byte {0} without a Push")]
    PopWithoutPush(usize),
    #[error("End Collection at byte {0} without a Collection")]
    UnbalancedCollection(usize),
    #[error("a report would be over {0} bits long")]
    TooLong(usize),
}

/// Longest report accepted (a full-speed interrupt transfer carries 64 bytes per packet; HID
/// reports may span packets, but nothing we read is near this).
const MAX_REPORT_BITS: usize = 8 * 4096;

#[derive(Debug, Clone, Copy, Default)]
struct Globals {
    usage_page: u16,
    report_size: usize,
    report_count: usize,
    report_id: u8,
}

/// Every Input field of `descriptor`, in the order the device sends them.
pub fn input_fields(descriptor: &[u8]) -> Result<Vec<InputField>, DescriptorError> {
    let mut globals = Globals::default();
    let mut stack: Vec<Globals> = Vec::new();
    let mut usages: Vec<u16> = Vec::new();
    let mut usage_min: Option<u16> = None;
    let mut depth = 0usize;
    // Next free bit per report id.
    let mut next_bit: std::collections::BTreeMap<u8, usize> = Default::default();
    let mut fields = Vec::new();
    let mut at = 0usize;
    while at < descriptor.len() {
        let prefix = descriptor[at];
        if prefix == 0xFE {
            // Long item: bDataSize, bLongItemTag, data. None is defined; skip it whole.
            let size = usize::from(
                *descriptor
                    .get(at + 1)
                    .ok_or(DescriptorError::Truncated(at))?,
            );
            at += 3 + size;
            if at > descriptor.len() {
                return Err(DescriptorError::Truncated(at));
            }
            continue;
        }
        let len = [0, 1, 2, 4][usize::from(prefix & 0x03)];
        let data = descriptor
            .get(at + 1..at + 1 + len)
            .ok_or(DescriptorError::Truncated(at))?;
        let value = data
            .iter()
            .rev()
            .fold(0u32, |v, b| (v << 8) | u32::from(*b));
        let small = u16::try_from(value & 0xFFFF).unwrap_or(0);
        match prefix & 0xFC {
            // Main items.
            0x80 => {
                let size = globals.report_size;
                let count = globals.report_count;
                let start = *next_bit.get(&globals.report_id).unwrap_or(&0);
                let end = start + size * count;
                if end > MAX_REPORT_BITS {
                    return Err(DescriptorError::TooLong(MAX_REPORT_BITS));
                }
                next_bit.insert(globals.report_id, end);
                fields.push(InputField {
                    report_id: globals.report_id,
                    usage_page: globals.usage_page,
                    usages: std::mem::take(&mut usages),
                    bit_offset: start,
                    size,
                    count,
                });
                usage_min = None;
            }
            // Output and Feature reports are numbered apart from Input; they take no input bits.
            0x90 | 0xB0 => {
                usages.clear();
                usage_min = None;
            }
            0xA0 => {
                depth += 1;
                usages.clear();
                usage_min = None;
            }
            0xC0 => {
                depth = depth
                    .checked_sub(1)
                    .ok_or(DescriptorError::UnbalancedCollection(at))?;
            }
            // Global items.
            0x04 => globals.usage_page = small,
            0x74 => globals.report_size = value as usize,
            0x84 => globals.report_id = u8::try_from(value & 0xFF).unwrap_or(0),
            0x94 => globals.report_count = value as usize,
            0xA4 => stack.push(globals),
            0xB4 => globals = stack.pop().ok_or(DescriptorError::PopWithoutPush(at))?,
            // Local items.
            0x08 => usages.push(small),
            0x18 => usage_min = Some(small),
            0x28 => {
                if let Some(min) = usage_min.take() {
                    // Bounded: a range is at most one page of usages.
                    usages.extend(min..=small.max(min));
                }
            }
            // Logical/physical extents, units, designators, strings, delimiters: not needed to
            // place a field.
            _ => {}
        }
        at += 1 + len;
    }
    Ok(fields)
}

/// Length in bytes of input report `report_id` (with its id byte when the device numbers
/// its reports).
pub fn input_report_len(fields: &[InputField], report_id: u8) -> usize {
    let bits = fields
        .iter()
        .filter(|f| f.report_id == report_id)
        .map(|f| f.bit_offset + f.size * f.count)
        .max()
        .unwrap_or(0);
    bits.div_ceil(8) + usize::from(report_id != 0)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// MagTek "USB HID SureSwipe & USB HID Swipe Reader Technical Reference Manual"
    /// (P/N D99875191), as reproduced in reference/devices.md 4.2.
    pub(crate) const MAGTEK: &str = "06 00 FF 09 01 A1 01 15 00 26 FF 00 75 08 09 20 09 21 09 22 \
        09 28 09 29 09 2A 09 38 95 07 81 02 09 30 95 6E 82 02 01 09 31 95 6E 82 02 01 09 32 95 6E \
        82 02 01 09 20 95 18 B2 02 01 C0";

    pub(crate) fn bytes(spaced_hex: &str) -> Vec<u8> {
        hex::decode(spaced_hex.split_whitespace().collect::<String>()).unwrap()
    }

    #[test]
    fn magtek_fields_sit_where_the_manual_says() {
        let fields = input_fields(&bytes(MAGTEK)).unwrap();
        assert_eq!(fields.len(), 4, "{fields:?}");
        let header = &fields[0];
        assert_eq!(header.usage_page, 0xFF00);
        assert_eq!((header.bit_offset, header.size, header.count), (0, 8, 7));
        assert_eq!(
            (0..7)
                .map(|i| header.usage_of(i).unwrap())
                .collect::<Vec<_>>(),
            [0x20, 0x21, 0x22, 0x28, 0x29, 0x2A, 0x38]
        );
        for (i, usage) in [0x30, 0x31, 0x32].into_iter().enumerate() {
            let track = &fields[1 + i];
            assert_eq!(track.usages, [usage]);
            assert_eq!(track.bit_offset, 8 * (7 + 110 * i));
            assert_eq!(track.count, 110);
        }
        assert_eq!(input_report_len(&fields, 0), 337);
    }

    #[test]
    fn report_ids_push_pop_and_usage_ranges() {
        // Report 2: a byte buffer; report 3: two bits from a usage range; Push/Pop around it.
        let desc = bytes(
            "05 8C 09 02 A1 01 85 02 75 08 95 04 09 12 81 02 A4 85 03 75 01 95 02 19 10 29 11 \
             81 02 B4 95 01 09 13 81 02 C0",
        );
        let fields = input_fields(&desc).unwrap();
        assert_eq!(fields[0].report_id, 2);
        assert_eq!(fields[1].report_id, 3);
        assert_eq!(fields[1].usages, [0x10, 0x11]);
        assert_eq!((fields[1].size, fields[1].count), (1, 2));
        // After Pop: report 2 again, size 8, count 1, after the 4-byte buffer.
        assert_eq!(
            (fields[2].report_id, fields[2].bit_offset, fields[2].size),
            (2, 32, 8)
        );
        assert_eq!(input_report_len(&fields, 2), 1 + 5);
        assert_eq!(input_report_len(&fields, 3), 1 + 1);
    }

    #[test]
    fn broken_descriptors_are_typed_errors() {
        assert_eq!(
            input_fields(&bytes("06 00")),
            Err(DescriptorError::Truncated(0))
        );
        assert_eq!(
            input_fields(&bytes("B4")),
            Err(DescriptorError::PopWithoutPush(0))
        );
        assert_eq!(
            input_fields(&bytes("C0")),
            Err(DescriptorError::UnbalancedCollection(0))
        );
        assert_eq!(
            input_fields(&bytes("75 FF 97 FF FF 00 00 81 02")),
            Err(DescriptorError::TooLong(MAX_REPORT_BITS))
        );
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = input_fields(&bytes);
        }
    }
}
