//! The answer to reset (ISO/IEC 7816-3 §8.2): TS, T0, the interface byte groups, historical
//! bytes and the TCK check character.

/// Longest ATR ISO 7816-3 allows: TS plus 32 bytes.
const MAX_ATR_LEN: usize = 33;

/// Bit convention announced by TS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Convention {
    /// TS = `3B`.
    Direct,
    /// TS = `3F` (as decoded by the reader).
    Inverse,
}

/// One group i of interface bytes TAi, TBi, TCi, TDi (each optional).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct InterfaceBytes {
    pub ta: Option<u8>,
    pub tb: Option<u8>,
    pub tc: Option<u8>,
    pub td: Option<u8>,
}

/// A malformed answer to reset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AtrError {
    #[error("ATR is empty")]
    Empty,
    #[error("TS byte {ts:02X} is neither 3B (direct) nor 3F (inverse)")]
    InvalidTs { ts: u8 },
    #[error("ATR of {len} bytes is longer than the 33 ISO 7816-3 allows")]
    TooLong { len: usize },
    #[error("ATR ends after {len} bytes; its T0/TDi bytes announce at least {needed}")]
    Truncated { len: usize, needed: usize },
    #[error("TCK check failed: XOR of T0..TCK is {xor:02X}, not 00")]
    ChecksumMismatch { xor: u8 },
    #[error("ATR has {extra} bytes after the announced end")]
    TrailingBytes { extra: usize },
}

/// A parsed, checked ATR.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Atr {
    pub convention: Convention,
    pub t0: u8,
    /// Groups 1, 2, ... in order; group i holds TAi..TDi.
    pub interface: Vec<InterfaceBytes>,
    pub historical: Vec<u8>,
    pub tck: Option<u8>,
    raw: Vec<u8>,
}

impl Atr {
    pub fn parse(bytes: &[u8]) -> Result<Self, AtrError> {
        let len = bytes.len();
        let (&ts, rest) = bytes.split_first().ok_or(AtrError::Empty)?;
        let convention = match ts {
            0x3B => Convention::Direct,
            0x3F => Convention::Inverse,
            _ => return Err(AtrError::InvalidTs { ts }),
        };
        if len > MAX_ATR_LEN {
            return Err(AtrError::TooLong { len });
        }
        let truncated = |needed| AtrError::Truncated { len, needed };
        let &t0 = rest.first().ok_or(truncated(2))?;
        let mut pos = 2;
        let next_byte = |pos: &mut usize| -> Result<u8, AtrError> {
            let b = *bytes.get(*pos).ok_or(truncated(*pos + 1))?;
            *pos += 1;
            Ok(b)
        };

        let mut interface = Vec::new();
        let mut y = t0 >> 4;
        let mut needs_tck = false;
        loop {
            let mut group = InterfaceBytes::default();
            if y & 0x1 != 0 {
                group.ta = Some(next_byte(&mut pos)?);
            }
            if y & 0x2 != 0 {
                group.tb = Some(next_byte(&mut pos)?);
            }
            if y & 0x4 != 0 {
                group.tc = Some(next_byte(&mut pos)?);
            }
            if y & 0x8 != 0 {
                let td = next_byte(&mut pos)?;
                group.td = Some(td);
                // Any protocol other than T=0 makes TCK mandatory (§8.2.5).
                needs_tck |= td & 0x0F != 0;
                y = td >> 4;
                interface.push(group);
            } else {
                interface.push(group);
                break;
            }
        }

        let k = usize::from(t0 & 0x0F);
        let hist_end = pos + k;
        let historical = bytes
            .get(pos..hist_end)
            .ok_or(truncated(hist_end))?
            .to_vec();
        pos = hist_end;

        let tck = if needs_tck {
            let tck = *bytes.get(pos).ok_or(truncated(pos + 1))?;
            pos += 1;
            let xor = bytes[1..pos].iter().fold(0u8, |acc, b| acc ^ b);
            if xor != 0 {
                return Err(AtrError::ChecksumMismatch { xor });
            }
            Some(tck)
        } else {
            None
        };
        if pos < len {
            return Err(AtrError::TrailingBytes { extra: len - pos });
        }
        Ok(Self {
            convention,
            t0,
            interface,
            historical,
            tck,
            raw: bytes.to_vec(),
        })
    }

    /// The bytes as received.
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    /// Protocols the card offers, in the order the TDi bytes name them; T=0 when none is named.
    pub fn protocols(&self) -> Vec<u8> {
        let mut protocols: Vec<u8> = Vec::new();
        for td in self.interface.iter().filter_map(|g| g.td) {
            let t = td & 0x0F;
            // T=15 is not a protocol but global interface bytes.
            if t != 15 && !protocols.contains(&t) {
                protocols.push(t);
            }
        }
        if protocols.is_empty() {
            protocols.push(0);
        }
        protocols
    }

    /// Whether the ATR is the one a PC/SC part 3 contactless reader synthesises for an
    /// ISO 14443 card: `3B 8n 80 01 <historical bytes> TCK` (PC/SC part 3 §3.1.3.2.3).
    pub fn is_pcsc_contactless(&self) -> bool {
        let only_td = |g: &InterfaceBytes, td: u8| {
            g.ta.is_none() && g.tb.is_none() && g.tc.is_none() && g.td == Some(td)
        };
        match self.interface.as_slice() {
            [g1, g2, g3] => {
                only_td(g1, 0x80) && only_td(g2, 0x01) && *g3 == InterfaceBytes::default()
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn parses_a_t0_contact_atr_without_tck() {
        // T=0 card, TB1 TC1 present, 8 historical bytes (no TD1 => only T=0 => no TCK).
        let atr = Atr::parse(&hex("3B6800000073C84000009000")).unwrap();
        assert_eq!(atr.convention, Convention::Direct);
        assert_eq!(atr.interface[0].tb, Some(0x00));
        assert_eq!(atr.historical, hex("0073C84000009000"));
        assert_eq!(atr.tck, None);
        assert_eq!(atr.protocols(), [0]);
        assert!(!atr.is_pcsc_contactless());
    }

    #[test]
    fn parses_a_contactless_t1_atr_and_checks_tck() {
        // PC/SC part 3 form for an ISO 14443-4 card with historical bytes "JCOP31V232".
        let body = hex("8A80014A434F50333156323332");
        let tck = body.iter().fold(0u8, |a, b| a ^ b);
        let mut atr = vec![0x3B];
        atr.extend(&body);
        atr.push(tck);
        let good = Atr::parse(&atr).unwrap();
        assert!(good.is_pcsc_contactless());
        assert_eq!(good.protocols(), [0, 1]);
        assert_eq!(good.historical, b"JCOP31V232");
        assert_eq!(good.tck, Some(tck));

        *atr.last_mut().unwrap() ^= 0x01;
        assert_eq!(
            Atr::parse(&atr),
            Err(AtrError::ChecksumMismatch { xor: 0x01 })
        );
    }

    #[test]
    fn malformed_atrs_are_typed_errors() {
        assert_eq!(Atr::parse(&[]), Err(AtrError::Empty));
        assert_eq!(
            Atr::parse(&[0x3A, 0x00]),
            Err(AtrError::InvalidTs { ts: 0x3A })
        );
        assert_eq!(
            Atr::parse(&[0x3B]),
            Err(AtrError::Truncated { len: 1, needed: 2 })
        );
        // T0 announces TA1 and 2 historical bytes; only one byte follows.
        assert!(matches!(
            Atr::parse(&[0x3B, 0x12, 0x11]),
            Err(AtrError::Truncated { .. })
        ));
        // T=1 announced, TCK missing.
        assert!(matches!(
            Atr::parse(&hex("3B8001")),
            Err(AtrError::Truncated { .. })
        ));
        assert_eq!(
            Atr::parse(&hex("3B0012")),
            Err(AtrError::TrailingBytes { extra: 1 })
        );
        let mut long = vec![0x3B, 0x0F];
        long.extend([0u8; 32]);
        assert!(matches!(Atr::parse(&long), Err(AtrError::TooLong { .. })));
    }

    proptest! {
        #[test]
        fn never_panics_and_keeps_raw(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            if let Ok(atr) = Atr::parse(&bytes) {
                prop_assert_eq!(atr.as_bytes(), &bytes[..]);
                prop_assert!(atr.historical.len() <= 15);
            }
        }

        #[test]
        fn well_formed_contactless_atrs_parse(
            hist in proptest::collection::vec(any::<u8>(), 0..=15)
        ) {
            let k = u8::try_from(hist.len()).unwrap();
            let mut atr = vec![0x3B, 0x80 | k, 0x80, 0x01];
            atr.extend(&hist);
            let tck = atr[1..].iter().fold(0, |a, b| a ^ b);
            atr.push(tck);
            let parsed = Atr::parse(&atr).unwrap();
            prop_assert!(parsed.is_pcsc_contactless());
            prop_assert_eq!(parsed.historical, hist);
        }
    }
}
