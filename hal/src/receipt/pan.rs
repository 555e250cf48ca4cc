//! A PAN as a receipt may show it: masked, never more than the first six and last four digits.

use std::fmt;

use super::ReceiptError;

/// A masked primary account number. It cannot hold a full PAN: the constructors mask, and
/// [`MaskedPan::parse`] refuses strings that show more than first 6 / last 4 digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MaskedPan(String);

impl MaskedPan {
    /// Masks a full PAN to its last four digits (`************1111`), the usual receipt form.
    pub fn last4(pan: &str) -> Result<Self, ReceiptError> {
        Self::mask(pan, 0)
    }

    /// Masks a full PAN keeping the BIN and last four (`411111******1111`), the most a
    /// merchant copy may show (PCI DSS 3.4).
    pub fn bin_last4(pan: &str) -> Result<Self, ReceiptError> {
        Self::mask(pan, 6)
    }

    fn mask(pan: &str, keep_front: usize) -> Result<Self, ReceiptError> {
        let digits: Vec<char> = pan.chars().filter(|c| *c != ' ').collect();
        if !(12..=19).contains(&digits.len()) || !digits.iter().all(char::is_ascii_digit) {
            return Err(ReceiptError::MaskedPan("a PAN has 12 to 19 digits"));
        }
        let back = digits.len() - 4;
        let masked = digits
            .iter()
            .enumerate()
            .map(|(i, c)| if i < keep_front || i >= back { *c } else { '*' })
            .collect();
        Ok(Self(masked))
    }

    /// Accepts an already masked PAN (`*`, `X` or `x` as mask characters).
    pub fn parse(masked: &str) -> Result<Self, ReceiptError> {
        let chars: Vec<char> = masked.chars().collect();
        if !(12..=19).contains(&chars.len()) {
            return Err(ReceiptError::MaskedPan("a PAN has 12 to 19 positions"));
        }
        let is_mask = |c: &char| matches!(c, '*' | 'X' | 'x');
        if !chars.iter().all(|c| c.is_ascii_digit() || is_mask(c)) {
            return Err(ReceiptError::MaskedPan("only digits and mask characters"));
        }
        let front = chars.iter().take_while(|c| c.is_ascii_digit()).count();
        let back = chars
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let visible = chars.iter().filter(|c| c.is_ascii_digit()).count();
        if front > 6 || back > 4 || visible != front + back {
            return Err(ReceiptError::MaskedPan(
                "shows more than first 6 / last 4 digits",
            ));
        }
        Ok(Self(
            chars
                .into_iter()
                .map(|c| if is_mask(&c) { '*' } else { c })
                .collect(),
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MaskedPan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MaskedPan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MaskedPan({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_full_pans() {
        assert_eq!(
            MaskedPan::last4("4111111111111111").unwrap().as_str(),
            "************1111"
        );
        assert_eq!(
            MaskedPan::bin_last4("5413 3300 8909 9130")
                .unwrap()
                .as_str(),
            "541333******9130"
        );
        assert!(MaskedPan::last4("41111").is_err());
        assert!(MaskedPan::last4("4111x11111111111").is_err());
    }

    #[test]
    fn parse_refuses_a_clear_pan() {
        assert!(MaskedPan::parse("4111111111111111").is_err());
        assert!(MaskedPan::parse("4111111111*11111").is_err());
        assert!(MaskedPan::parse("41111*1*****1111").is_err());
        assert_eq!(
            MaskedPan::parse("XXXXXXXXXXXX1111").unwrap().as_str(),
            "************1111"
        );
        let err = MaskedPan::parse("4111111111111111")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("4111111111111111"));
    }
}
