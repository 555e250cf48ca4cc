//! GS1 element strings (GS1 General Specifications, section 3): the application identifiers a
//! till needs — GTIN, batch, dates, serial, and variable-measure weight and price.

/// Group separator: ends a variable-length field (FNC1 in the symbol).
pub const GS: char = '\u{1d}';

/// One application identifier with its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub ai: String,
    pub value: String,
}

/// Why an element string cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Gs1Error {
    #[error("unsupported application identifier at offset {0}")]
    UnknownAi(usize),
    #[error("field of AI {0} is too short")]
    Truncated(String),
    #[error("field of AI {0} is longer than allowed")]
    TooLong(String),
    #[error("field of AI {0} must be digits")]
    NotNumeric(String),
}

/// (AI prefix, AI length, fixed data length or None, max length, numeric)
const TABLE: &[(&str, usize, Option<usize>, usize, bool)] = &[
    ("00", 2, Some(18), 18, true),
    ("01", 2, Some(14), 14, true),
    ("02", 2, Some(14), 14, true),
    ("10", 2, None, 20, false),
    ("11", 2, Some(6), 6, true),
    ("13", 2, Some(6), 6, true),
    ("15", 2, Some(6), 6, true),
    ("17", 2, Some(6), 6, true),
    ("21", 2, None, 20, false),
    ("310", 4, Some(6), 6, true),
    ("320", 4, Some(6), 6, true),
    ("392", 4, None, 15, true),
    ("393", 4, None, 18, true),
];

/// Splits an element string (without AIM identifier) into elements.
pub fn parse(input: &str) -> Result<Vec<Element>, Gs1Error> {
    let chars: Vec<char> = input.chars().collect();
    let mut elements = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == GS {
            i += 1;
            continue;
        }
        let rest: String = chars[i..].iter().collect();
        let &(_, ai_len, fixed, max, numeric) = TABLE
            .iter()
            .find(|(p, ..)| rest.starts_with(p))
            .ok_or(Gs1Error::UnknownAi(i))?;
        let ai: String = chars[i..].iter().take(ai_len).collect();
        if ai.chars().count() < ai_len || !ai.chars().all(|c| c.is_ascii_digit()) {
            return Err(Gs1Error::UnknownAi(i));
        }
        let start = i + ai_len;
        let end = match fixed {
            Some(n) if start + n <= chars.len() => start + n,
            Some(_) => return Err(Gs1Error::Truncated(ai)),
            None => chars[start..]
                .iter()
                .position(|c| *c == GS)
                .map_or(chars.len(), |p| start + p),
        };
        let value: String = chars[start..end].iter().collect();
        if value.is_empty() {
            return Err(Gs1Error::Truncated(ai));
        }
        if value.chars().count() > max {
            return Err(Gs1Error::TooLong(ai));
        }
        if numeric && !value.chars().all(|c| c.is_ascii_digit()) {
            return Err(Gs1Error::NotNumeric(ai));
        }
        elements.push(Element { ai, value });
        i = end;
    }
    Ok(elements)
}

/// Inserts the decimal point an AI's last digit asks for (`3102` `001250` -> `12.50`).
fn with_decimals(ai: &str, value: &str) -> Option<String> {
    let decimals = ai.chars().nth(3)?.to_digit(10)? as usize;
    let digits = value.trim_start_matches('0');
    let digits = format!("{:0>width$}", digits, width = decimals + 1);
    let (int, frac) = digits.split_at(digits.len() - decimals);
    Some(if decimals == 0 {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    })
}

/// Net weight in kg (AI 310n) as a decimal string, if present.
pub fn net_weight_kg(elements: &[Element]) -> Option<String> {
    elements
        .iter()
        .find(|e| e.ai.starts_with("310"))
        .and_then(|e| with_decimals(&e.ai, &e.value))
}

/// Amount payable (AI 392n) as a decimal string in the local currency, if present.
pub fn amount_payable(elements: &[Element]) -> Option<String> {
    elements
        .iter()
        .find(|e| e.ai.starts_with("392"))
        .and_then(|e| with_decimals(&e.ai, &e.value))
}

/// GTIN (AI 01 or 02), if present.
pub fn gtin(elements: &[Element]) -> Option<&str> {
    elements
        .iter()
        .find(|e| e.ai == "01" || e.ai == "02")
        .map(|e| e.value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Example element strings from the GS1 General Specifications (AI 01, 3103, 10, 392x).
    #[test]
    fn parses_variable_measure_element_strings() {
        let input = "0109501101020917310300125010ABC123\u{1d}39220599";
        let elements = parse(input).unwrap();
        assert_eq!(gtin(&elements), Some("09501101020917"));
        assert_eq!(net_weight_kg(&elements).as_deref(), Some("1.250"));
        assert_eq!(
            elements[2],
            Element {
                ai: "10".into(),
                value: "ABC123".into()
            }
        );
        assert_eq!(amount_payable(&elements).as_deref(), Some("5.99"));
    }

    #[test]
    fn rejects_bad_element_strings() {
        assert_eq!(parse("0112345"), Err(Gs1Error::Truncated("01".into())));
        assert_eq!(parse("99abc"), Err(Gs1Error::UnknownAi(0)));
        assert_eq!(
            parse("3103ABCDEF"),
            Err(Gs1Error::NotNumeric("3103".into()))
        );
        assert_eq!(
            parse("10123456789012345678901"),
            Err(Gs1Error::TooLong("10".into()))
        );
    }
}
