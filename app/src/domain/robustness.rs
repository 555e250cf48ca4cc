//! Property tests on untrusted input: whatever a scanner, a CSV file or a held-cart row hands
//! in, the domain answers with a value or a typed error, never a panic; and the GTIN check
//! digit catches every single-digit misread.

use super::barcode::{EmbeddedRules, Gtin, Scan, check_digit};
use super::cart::Cart;
use super::catalog::{TaxClass, Unit};
use super::customer::Customer;
use super::money::{Currency, Money, RoundingMode, parse_decimal};
use super::tax::allocate;
use super::tender::TenderKind;
use proptest::prelude::*;
use rust_decimal::Decimal;

proptest! {
    #[test]
    fn text_parsers_never_panic(text in "\\PC{0,40}") {
        let _ = Gtin::parse(&text);
        let _ = Gtin::parse_upc_e(&text);
        if let Ok(scan) = Scan::parse(&text) {
            let _ = scan.target(&EmbeddedRules::default());
        }
        let _ = parse_decimal(&text);
        let _ = Money::parse(&text, Currency::EUR);
        let _ = Currency::from_code(&text);
        let _ = text.parse::<TenderKind>();
        let _ = text.parse::<Unit>();
        let _ = TaxClass::new(&text);
        let _ = Customer::new(&text, &text, Some(&text), Some(&text));
        let _ = Cart::recall(&text);
    }

    #[test]
    fn digit_strings_never_panic(digits in "[0-9]{0,16}", qty in "[0-9.]{0,8}") {
        if let Ok(scan) = Scan::parse(&format!("{digits}*{qty}")) {
            let _ = scan.target(&EmbeddedRules::default());
        }
    }

    /// Every in-store EAN-13 either decodes by its rule or gives a typed error; a decoded
    /// one keeps its prefix and item code in the lookup key.
    #[test]
    fn in_store_codes_decode_or_refuse(body in "2[0-9]{11}") {
        let gtin = Gtin::ean13_with_check(&body).unwrap();
        match EmbeddedRules::default().decode(&gtin) {
            Ok(Some(decoded)) => {
                prop_assert!(decoded.lookup.is_in_store());
                prop_assert_eq!(decoded.lookup.as_str().get(..7), gtin.as_str().get(..7));
            }
            Ok(None) => prop_assert!(false, "every prefix 20-29 has a default rule"),
            Err(e) => prop_assert!(e.to_string().contains("verifier")),
        }
    }

    /// GS1 mod-10 detects every single-digit substitution.
    #[test]
    fn single_digit_misreads_are_caught(body in proptest::collection::vec(0u8..10, 12), pos in 0usize..13, delta in 1u8..10) {
        let mut digits = body.clone();
        digits.push(check_digit(&body));
        let valid: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
        prop_assert!(Gtin::parse(&valid).is_ok());
        if let Some(d) = digits.get_mut(pos) {
            *d = (*d + delta) % 10;
        }
        let misread: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
        prop_assert!(Gtin::parse(&misread).is_err());
    }

    /// Parsed money round-trips through minor units exactly.
    #[test]
    fn minor_units_round_trip(minor in -99_999_999_999i64..99_999_999_999) {
        let m = Money::from_minor_units(minor, Currency::EUR);
        prop_assert_eq!(m.to_minor_units().unwrap(), minor);
        let text = m.amount().to_string();
        prop_assert_eq!(Money::parse(&text, Currency::EUR).unwrap().amount(), m.amount());
    }

    /// Largest-remainder shares add up exactly and stay within one cent of the exact share.
    #[test]
    fn allocation_is_exact(total in 0i64..10_000_000, weights in proptest::collection::vec(0i64..1_000_000, 1..50)) {
        let total = Decimal::new(total, 2);
        let weights: Vec<Decimal> = weights.into_iter().map(|w| Decimal::new(w, 2)).collect();
        let shares = allocate(total, &weights, Decimal::new(1, 2)).unwrap();
        prop_assert_eq!(shares.iter().copied().sum::<Decimal>(), total);
        let sum: Decimal = weights.iter().copied().sum();
        for (share, weight) in shares.iter().zip(&weights) {
            let exact = if sum.is_zero() {
                total / Decimal::from(weights.len())
            } else {
                total * (*weight / sum)
            };
            prop_assert!((*share - exact).abs() < Decimal::new(1, 2));
        }
    }

    /// Rounding to any increment never panics, whatever the configuration says.
    #[test]
    fn rounding_to_any_increment_never_panics(value in any::<i64>(), scale in 0u32..28, inc in any::<i64>(), inc_scale in 0u32..28) {
        let value = Decimal::new(value, scale);
        let increment = Decimal::new(inc, inc_scale);
        for mode in [RoundingMode::HalfUp, RoundingMode::HalfEven, RoundingMode::Floor] {
            let _ = mode.round_to_increment(value, increment);
        }
    }
}
