//! The field specification as data: one row per ISO 8583 data element, saying its content
//! type, how its length is carried and how it is encoded on the wire. The codec reads only
//! this table, so a different acquirer dialect is a different table, not different code.

/// What characters a field may hold (ISO 8583:1987 attribute notation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `n`: decimal digits.
    N,
    /// `an`: letters and digits (space tolerated as padding).
    An,
    /// `ans`: printable ASCII.
    Ans,
    /// `b`: raw bytes.
    B,
    /// `z`: track 2 / track 3 code set (digits and the `D` or `=` separator).
    Z,
}

/// How the length of a field is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// Always exactly this many units (digits for n/z, characters for an/ans, bytes for b).
    Fixed(u16),
    /// Up to this many units, preceded by a 2-digit length.
    LlVar(u16),
    /// Up to this many units, preceded by a 3-digit length.
    LllVar(u16),
}

/// How the content is written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Packed BCD, two digits per byte (n and z fields).
    Bcd,
    /// One ASCII byte per character.
    Ascii,
    /// The raw bytes.
    Binary,
}

/// One row of the field table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub number: u8,
    pub name: &'static str,
    pub kind: Kind,
    pub length: Length,
    pub encoding: Encoding,
}

impl FieldSpec {
    /// The largest number of units the field may carry.
    pub fn max_units(&self) -> usize {
        match self.length {
            Length::Fixed(n) | Length::LlVar(n) | Length::LllVar(n) => usize::from(n),
        }
    }
}

/// A complete dialect: the field table plus how variable lengths are written.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    pub name: &'static str,
    /// Encoding of LL/LLL prefixes: `Bcd` (1 or 2 bytes) or `Ascii` (2 or 3 bytes).
    pub length_prefix: Encoding,
    /// Sorted by field number; field 1 (secondary bitmap) is implicit.
    pub fields: &'static [FieldSpec],
}

impl Dialect {
    /// The row for a field number, if the dialect defines it.
    pub fn field(&self, number: u8) -> Option<&'static FieldSpec> {
        self.fields
            .binary_search_by_key(&number, |f| f.number)
            .ok()
            .and_then(|i| self.fields.get(i))
    }
}

const fn f(number: u8, name: &'static str, kind: Kind, length: Length) -> FieldSpec {
    let encoding = match kind {
        Kind::N | Kind::Z => Encoding::Bcd,
        Kind::An | Kind::Ans => Encoding::Ascii,
        Kind::B => Encoding::Binary,
    };
    FieldSpec {
        number,
        name,
        kind,
        length,
        encoding,
    }
}

use Kind::{An, Ans, B, N, Z};
use Length::{Fixed, LlVar, LllVar};

/// The lane <-> acquirer dialect: ISO 8583:1987 field attributes, BCD numerics, BCD length
/// prefixes. Private choices (all within the 1987 "reserved private" room or widened):
/// field 52 carries an 8-byte ISO-0 or 16-byte ISO-4 PIN block, field 53 the key scheme and
/// KSN, field 127 the card data encrypted under the DUKPT data key.
pub static POS_1987: Dialect = Dialect {
    name: "pos-1987",
    length_prefix: Encoding::Bcd,
    fields: &[
        f(2, "primary account number", N, LlVar(19)),
        f(3, "processing code", N, Fixed(6)),
        f(4, "amount, transaction", N, Fixed(12)),
        f(7, "transmission date and time", N, Fixed(10)),
        f(11, "systems trace audit number", N, Fixed(6)),
        f(12, "time, local transaction", N, Fixed(6)),
        f(13, "date, local transaction", N, Fixed(4)),
        f(14, "date, expiration", N, Fixed(4)),
        f(15, "date, settlement", N, Fixed(4)),
        f(18, "merchant type", N, Fixed(4)),
        f(22, "point of service entry mode", N, Fixed(3)),
        f(23, "card sequence number", N, Fixed(3)),
        f(24, "network international identifier", N, Fixed(3)),
        f(25, "point of service condition code", N, Fixed(2)),
        f(
            32,
            "acquiring institution identification code",
            N,
            LlVar(11),
        ),
        f(35, "track 2 data", Z, LlVar(37)),
        f(37, "retrieval reference number", An, Fixed(12)),
        f(38, "authorization identification response", An, Fixed(6)),
        f(39, "response code", An, Fixed(2)),
        f(41, "card acceptor terminal identification", Ans, Fixed(8)),
        f(42, "card acceptor identification code", Ans, Fixed(15)),
        f(43, "card acceptor name/location", Ans, Fixed(40)),
        f(48, "additional data, private", Ans, LllVar(999)),
        f(49, "currency code, transaction", N, Fixed(3)),
        f(52, "personal identification number data", B, LlVar(16)),
        f(53, "security related control information", B, LlVar(48)),
        f(54, "additional amounts", Ans, LllVar(120)),
        f(
            55,
            "integrated circuit card system related data",
            B,
            LllVar(255),
        ),
        f(60, "reserved private: batch number", Ans, LllVar(999)),
        f(62, "reserved private", Ans, LllVar(999)),
        f(63, "reserved private", Ans, LllVar(999)),
        f(64, "message authentication code", B, Fixed(8)),
        f(70, "network management information code", N, Fixed(3)),
        f(74, "credits, number", N, Fixed(10)),
        f(75, "credits, reversal number", N, Fixed(10)),
        f(76, "debits, number", N, Fixed(10)),
        f(77, "debits, reversal number", N, Fixed(10)),
        f(86, "credits, amount", N, Fixed(16)),
        f(87, "credits, reversal amount", N, Fixed(16)),
        f(88, "debits, amount", N, Fixed(16)),
        f(89, "debits, reversal amount", N, Fixed(16)),
        f(90, "original data elements", N, Fixed(42)),
        f(95, "replacement amounts", Ans, Fixed(42)),
        f(97, "amount, net settlement", Ans, Fixed(17)),
        f(127, "reserved private: encrypted card data", B, LllVar(999)),
        f(128, "message authentication code", B, Fixed(8)),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_leaves_field_1_to_the_bitmap() {
        let numbers: Vec<u8> = POS_1987.fields.iter().map(|f| f.number).collect();
        assert!(numbers.windows(2).all(|w| w[0] < w[1]));
        assert!(POS_1987.field(1).is_none());
        assert_eq!(POS_1987.field(55).map(|f| f.kind), Some(Kind::B));
        assert!(POS_1987.field(5).is_none());
    }
}
