//! Tax and rounding tables as tests: inclusive and exclusive pricing, several rates, both
//! rounding placements, rounding modes, cash rounding, and refunds that reverse to the cent.
//! Expected values were worked out by hand (shown in the comments); property tests then check
//! the invariants on random carts.

use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::cart::{Cart, Discount, Totals};
use super::catalog::tests::item;
use super::catalog::{TaxClass, Unit};
use super::money::{Currency, RoundingMode};
use super::refund::{self, AlreadyRefunded, RefundRequest};
use super::tax::{RoundingPlacement, TaxMode, TaxRate, TaxResult, TaxTable};
use super::tender::{CashRounding, Payment, settle};

/// A = 20 %, B = 5.5 %, Z = 0 %, and a class with two rates: S = 6 % state + L = 2.5 % local.
fn table(mode: TaxMode, placement: RoundingPlacement, rounding: RoundingMode) -> TaxTable {
    let classes = [
        ("standard", vec!["A"]),
        ("food", vec!["B"]),
        ("zero", vec!["Z"]),
        ("combo", vec!["S", "L"]),
    ]
    .into_iter()
    .map(|(c, r)| (c.to_owned(), r.into_iter().map(str::to_owned).collect()))
    .collect();
    let t = TaxTable {
        mode,
        placement,
        rounding,
        rates: vec![
            TaxRate::new("A", "VAT 20%", dec!(20)),
            TaxRate::new("B", "VAT 5.5%", dec!(5.5)),
            TaxRate::new("Z", "VAT 0%", dec!(0)),
            TaxRate::new("S", "State 6%", dec!(6)),
            TaxRate::new("L", "Local 2.5%", dec!(2.5)),
        ],
        classes,
    };
    t.validate().unwrap();
    t
}

fn compute(t: &TaxTable, lines: &[(&str, Decimal)]) -> TaxResult {
    let classes: Vec<TaxClass> = lines
        .iter()
        .map(|(c, _)| TaxClass::new(c).unwrap())
        .collect();
    let input: Vec<(&TaxClass, Decimal)> = classes
        .iter()
        .zip(lines)
        .map(|(c, (_, a))| (c, *a))
        .collect();
    t.compute(Currency::EUR, &input).unwrap()
}

fn rate_tax(r: &TaxResult, code: &str) -> Option<Decimal> {
    r.rates.iter().find(|b| b.code == code).map(|b| b.tax)
}

/// Invariants every result must hold, whatever the table.
fn assert_consistent(r: &TaxResult) {
    for code in r.rates.iter().map(|b| &b.code) {
        let from_lines: Decimal = r
            .lines
            .iter()
            .flat_map(|l| &l.taxes)
            .filter(|t| &t.code == code)
            .map(|t| t.amount)
            .sum();
        assert_eq!(Some(from_lines), rate_tax(r, code), "lines vs rate {code}");
    }
    assert_eq!(r.rates.iter().map(|b| b.tax).sum::<Decimal>(), r.tax);
    assert_eq!(r.net + r.tax, r.gross);
    for l in &r.lines {
        assert_eq!(l.net + l.tax, l.gross);
        assert!(l.tax.normalize().scale() <= 2);
    }
}

/// The mixed basket: A 4.99, A 2.49, A 0.99, B 1.29, B 0.89, Z 3.00 (sum 13.65).
const BASKET: [(&str, Decimal); 6] = [
    ("standard", dec!(4.99)),
    ("standard", dec!(2.49)),
    ("standard", dec!(0.99)),
    ("food", dec!(1.29)),
    ("food", dec!(0.89)),
    ("zero", dec!(3.00)),
];

#[test]
fn basket_table() {
    use RoundingMode::{HalfEven, HalfUp};
    use RoundingPlacement::{PerDocument, PerLine};
    use TaxMode::{Exclusive, Inclusive};
    // Inclusive A per line: 4.99/6 = 0.8316 -> 0.83, 2.49/6 = 0.415 -> 0.42 (half-even 0.42),
    //   0.99/6 = 0.165 -> 0.17 (half-even 0.16); per document 8.47/6 = 1.41166 -> 1.41.
    // Inclusive B: 1.29*0.055/1.055 = 0.06725 -> 0.07, 0.89*.. = 0.04640 -> 0.05;
    //   per document 0.11365 -> 0.11.
    // Exclusive A: 0.998 -> 1.00, 0.498 -> 0.50, 0.198 -> 0.20; per document 1.694 -> 1.69.
    // Exclusive B: 0.07095 -> 0.07, 0.04895 -> 0.05; per document 0.1199 -> 0.12.
    // (mode, placement, rounding, A, B, tax, gross)
    let rows = [
        (
            Inclusive,
            PerLine,
            HalfUp,
            dec!(1.42),
            dec!(0.12),
            dec!(1.54),
            dec!(13.65),
        ),
        (
            Inclusive,
            PerDocument,
            HalfUp,
            dec!(1.41),
            dec!(0.11),
            dec!(1.52),
            dec!(13.65),
        ),
        (
            Inclusive,
            PerLine,
            HalfEven,
            dec!(1.41),
            dec!(0.12),
            dec!(1.53),
            dec!(13.65),
        ),
        (
            Exclusive,
            PerLine,
            HalfUp,
            dec!(1.70),
            dec!(0.12),
            dec!(1.82),
            dec!(15.47),
        ),
        (
            Exclusive,
            PerDocument,
            HalfUp,
            dec!(1.69),
            dec!(0.12),
            dec!(1.81),
            dec!(15.46),
        ),
    ];
    for (i, (mode, placement, rounding, a, b, tax, gross)) in rows.into_iter().enumerate() {
        let r = compute(&table(mode, placement, rounding), &BASKET);
        assert_consistent(&r);
        assert_eq!(rate_tax(&r, "A"), Some(a), "row {i} A");
        assert_eq!(rate_tax(&r, "B"), Some(b), "row {i} B");
        assert_eq!(rate_tax(&r, "Z"), Some(dec!(0)), "row {i} Z");
        assert_eq!(r.tax, tax, "row {i} tax");
        assert_eq!(r.gross, gross, "row {i} gross");
        assert_eq!(r.rates.len(), 3, "row {i}: rates S and L unused");
    }
}

#[test]
fn per_rate_bases_for_receipts() {
    let r = compute(
        &table(
            TaxMode::Inclusive,
            RoundingPlacement::PerLine,
            RoundingMode::HalfUp,
        ),
        &BASKET,
    );
    let base = |code: &str| r.rates.iter().find(|b| b.code == code).map(|b| b.base);
    // A: 8.47 - 1.42, B: 2.18 - 0.12, Z: 3.00.
    assert_eq!(base("A"), Some(dec!(7.05)));
    assert_eq!(base("B"), Some(dec!(2.06)));
    assert_eq!(base("Z"), Some(dec!(3.00)));
}

#[test]
fn rounding_mode_table() {
    // Exclusive 5.5 % of 3.00 = 0.165 exactly: a midpoint.
    for (mode, expected) in [
        (RoundingMode::HalfUp, dec!(0.17)),
        (RoundingMode::HalfEven, dec!(0.16)),
        (RoundingMode::HalfDown, dec!(0.16)),
        (RoundingMode::Down, dec!(0.16)),
        (RoundingMode::Up, dec!(0.17)),
    ] {
        let r = compute(
            &table(TaxMode::Exclusive, RoundingPlacement::PerLine, mode),
            &[("food", dec!(3.00))],
        );
        assert_eq!(r.tax, expected, "{mode:?}");
    }
}

#[test]
fn several_rates_on_one_class() {
    // (mode, amount, S, L, net, gross)
    let rows = [
        // 19.99 * 6 % = 1.1994 -> 1.20; * 2.5 % = 0.49975 -> 0.50.
        (
            TaxMode::Exclusive,
            dec!(19.99),
            dec!(1.20),
            dec!(0.50),
            dec!(19.99),
            dec!(21.69),
        ),
        // 10.85 / 1.085 = 10.00 net exactly: 0.60 + 0.25.
        (
            TaxMode::Inclusive,
            dec!(10.85),
            dec!(0.60),
            dec!(0.25),
            dec!(10.00),
            dec!(10.85),
        ),
        // 10.00 * 0.06 / 1.085 = 0.55299 -> 0.55; * 0.025 / 1.085 = 0.23041 -> 0.23.
        (
            TaxMode::Inclusive,
            dec!(10.00),
            dec!(0.55),
            dec!(0.23),
            dec!(9.22),
            dec!(10.00),
        ),
    ];
    for (mode, amount, s, l, net, gross) in rows {
        let r = compute(
            &table(mode, RoundingPlacement::PerLine, RoundingMode::HalfUp),
            &[("combo", amount)],
        );
        assert_consistent(&r);
        assert_eq!(
            (rate_tax(&r, "S"), rate_tax(&r, "L")),
            (Some(s), Some(l)),
            "{amount}"
        );
        assert_eq!((r.net, r.gross), (net, gross), "{amount}");
    }
}

#[test]
fn per_document_rounding_is_allocated_back_to_lines() {
    // Three inclusive 0.10 lines at 20 %: 0.01666 each. Per line: 3 x 0.02 = 0.06.
    // Per document: 0.05, shared 0.02 / 0.02 / 0.01 so lines still add up.
    let lines = [("standard", dec!(0.10)); 3];
    let per_line = compute(
        &table(
            TaxMode::Inclusive,
            RoundingPlacement::PerLine,
            RoundingMode::HalfUp,
        ),
        &lines,
    );
    let per_doc = compute(
        &table(
            TaxMode::Inclusive,
            RoundingPlacement::PerDocument,
            RoundingMode::HalfUp,
        ),
        &lines,
    );
    assert_eq!(per_line.tax, dec!(0.06));
    assert_eq!(per_doc.tax, dec!(0.05));
    let shares: Vec<Decimal> = per_doc.lines.iter().map(|l| l.tax).collect();
    assert_eq!(shares, vec![dec!(0.02), dec!(0.02), dec!(0.01)]);
    assert_consistent(&per_doc);
}

/// A cart with everything: weighed item, multi-rate class, line and cart discounts.
fn busy_cart() -> Cart {
    let mut cart = Cart::new(Currency::EUR);
    let a = cart
        .add_item(
            &item("WINE", dec!(8.99), "standard", Unit::Each),
            Some(dec!(3)),
        )
        .unwrap();
    cart.add_item(
        &item("APPLES", dec!(2.79), "food", Unit::Kg),
        Some(dec!(1.385)),
    )
    .unwrap();
    let c = cart
        .add_item(&item("TOOL", dec!(19.99), "combo", Unit::Each), None)
        .unwrap();
    cart.add_item(
        &item("STAMP", dec!(1.16), "zero", Unit::Each),
        Some(dec!(5)),
    )
    .unwrap();
    cart.set_line_discount(a, Discount::Percent(dec!(15)))
        .unwrap();
    cart.set_line_discount(c, Discount::Amount(dec!(2.00)))
        .unwrap();
    cart.set_cart_discount(Discount::Percent(dec!(5))).unwrap();
    cart
}

fn all_tables() -> Vec<TaxTable> {
    let mut tables = Vec::new();
    for mode in [TaxMode::Inclusive, TaxMode::Exclusive] {
        for placement in [RoundingPlacement::PerLine, RoundingPlacement::PerDocument] {
            for rounding in [
                RoundingMode::HalfUp,
                RoundingMode::HalfEven,
                RoundingMode::Down,
            ] {
                tables.push(table(mode, placement, rounding));
            }
        }
    }
    tables
}

fn assert_totals_consistent(t: &Totals) {
    assert_eq!(t.taxes.iter().map(|r| r.tax).sum::<Decimal>(), t.tax);
    assert_eq!(t.lines.iter().map(|l| l.total).sum::<Decimal>(), t.total);
    assert_eq!(t.net + t.tax, t.total);
    assert_eq!(
        t.lines.iter().map(|l| l.cart_discount).sum::<Decimal>(),
        t.cart_discount
    );
    let after_discounts = t.subtotal - t.discounts();
    match t.mode {
        TaxMode::Inclusive => assert_eq!(t.total, after_discounts),
        TaxMode::Exclusive => assert_eq!(t.net, after_discounts),
    }
    for l in &t.lines {
        assert!(l.amount >= Decimal::ZERO);
        assert_eq!(
            l.amount_before_discount - l.line_discount - l.cart_discount,
            l.amount
        );
    }
}

#[test]
fn busy_cart_worked_example_inclusive_per_line() {
    // WINE 3 x 8.99 = 26.97, -15 % = 4.05 (4.0455) -> 22.92
    // APPLES 1.385 kg x 2.79 = 3.86415 -> 3.86
    // TOOL 19.99 - 2.00 = 17.99
    // STAMP 5 x 1.16 = 5.80
    // after line discounts 50.57; cart -5 % = 2.5285 -> 2.53, shared by 22.92:3.86:17.99:5.80
    //   exact 1.14712, 0.19319, 0.90039, 0.29029 -> 1.14, 0.19, 0.90, 0.29 (=2.52) + 0.01 to
    //   WINE (largest remainder .00712) -> 1.15, 0.19, 0.90, 0.29.
    // amounts 21.77, 3.67, 17.09, 5.51 = 48.04
    let t = busy_cart()
        .totals(&table(
            TaxMode::Inclusive,
            RoundingPlacement::PerLine,
            RoundingMode::HalfUp,
        ))
        .unwrap();
    assert_totals_consistent(&t);
    assert_eq!(t.subtotal, dec!(56.62));
    assert_eq!(t.line_discounts, dec!(6.05));
    assert_eq!(t.cart_discount, dec!(2.53));
    let shares: Vec<Decimal> = t.lines.iter().map(|l| l.cart_discount).collect();
    assert_eq!(shares, vec![dec!(1.15), dec!(0.19), dec!(0.90), dec!(0.29)]);
    assert_eq!(t.total, dec!(48.04));
    // WINE 21.77/6 = 3.62833 -> 3.63; APPLES 3.67*0.055/1.055 = 0.19133 -> 0.19;
    // TOOL 17.09*0.06/1.085 = 0.94507 -> 0.95, 17.09*0.025/1.085 = 0.39378 -> 0.39.
    let rate = |code: &str| t.taxes.iter().find(|r| r.code == code).map(|r| r.tax);
    assert_eq!(rate("A"), Some(dec!(3.63)));
    assert_eq!(rate("B"), Some(dec!(0.19)));
    assert_eq!(rate("S"), Some(dec!(0.95)));
    assert_eq!(rate("L"), Some(dec!(0.39)));
    assert_eq!(rate("Z"), Some(dec!(0)));
    assert_eq!(t.tax, dec!(5.16));
}

#[test]
fn refunds_reverse_to_the_cent_in_every_table() {
    for table in all_tables() {
        let sale = busy_cart().totals(&table).unwrap();
        assert_totals_consistent(&sale);
        // Refund the wine one bottle at a time, the apples in two weights, then the rest.
        let wine = sale.lines.first().unwrap().line;
        let apples = sale.lines.get(1).unwrap().line;
        let steps = [
            vec![RefundRequest::partial(wine, dec!(1))],
            vec![
                RefundRequest::partial(apples, dec!(0.4)),
                RefundRequest::partial(wine, dec!(1)),
            ],
            vec![RefundRequest::partial(apples, dec!(0.985))],
        ];
        let mut already: Vec<AlreadyRefunded> = Vec::new();
        let mut plans = Vec::new();
        for step in steps {
            let p = refund::plan(&sale, &already, &step).unwrap();
            already.extend(p.lines.iter().map(|l| AlreadyRefunded {
                line: l.line,
                quantity: l.quantity,
            }));
            plans.push(p);
        }
        plans.push(refund::void_plan(&sale, &already).unwrap());
        let total: Decimal = plans.iter().map(|p| p.total).sum();
        let tax: Decimal = plans.iter().map(|p| p.tax).sum();
        assert_eq!(total, sale.total, "{table:?}");
        assert_eq!(tax, sale.tax, "{table:?}");
        for rate in &sale.taxes {
            let refunded: Decimal = plans
                .iter()
                .flat_map(|p| &p.taxes)
                .filter(|t| t.code == rate.code)
                .map(|t| t.amount)
                .sum();
            assert_eq!(refunded, rate.tax, "rate {} in {table:?}", rate.code);
        }
        // One bottle of three gives back a third of what the line was charged (rounded).
        let line_total = sale.lines.first().unwrap().total;
        let first = plans.first().unwrap().total;
        assert!(
            (first * dec!(3) - line_total).abs() <= dec!(0.02),
            "{first} vs {line_total}"
        );
    }
}

#[test]
fn cash_rounding_on_a_cart_total() {
    let sale = busy_cart()
        .totals(&table(
            TaxMode::Inclusive,
            RoundingPlacement::PerLine,
            RoundingMode::HalfUp,
        ))
        .unwrap();
    // 48.04 in cash rounds to 48.05 (+0.01); paid 10.00 by card first, 38.04 -> 38.05.
    let card = Payment::card(dec!(10.00), None, Currency::EUR).unwrap();
    let cash = Payment::cash(dec!(50.00), Currency::EUR).unwrap();
    let s = settle(sale.total, &[card, cash], &CashRounding::to(dec!(0.05))).unwrap();
    assert_eq!(
        (s.cash_due, s.rounding, s.change),
        (dec!(38.05), dec!(0.01), dec!(11.95))
    );
}

fn arb_table() -> impl Strategy<Value = TaxTable> {
    (
        prop_oneof![Just(TaxMode::Inclusive), Just(TaxMode::Exclusive)],
        prop_oneof![
            Just(RoundingPlacement::PerLine),
            Just(RoundingPlacement::PerDocument)
        ],
        prop_oneof![
            Just(RoundingMode::HalfUp),
            Just(RoundingMode::HalfEven),
            Just(RoundingMode::Down),
            Just(RoundingMode::Up)
        ],
    )
        .prop_map(|(m, p, r)| table(m, p, r))
}

/// (class index, price in cents, quantity (pieces or grams), weighed, line discount %)
type LineSpec = (usize, i64, i64, bool, Option<u32>);

fn arb_cart() -> impl Strategy<Value = (Vec<LineSpec>, Option<u32>)> {
    let line = (
        0usize..4,
        0i64..50_000,
        1i64..5_000,
        any::<bool>(),
        proptest::option::of(1u32..=100),
    );
    (
        proptest::collection::vec(line, 1..12),
        proptest::option::of(1u32..=100),
    )
}

fn build(lines: &[LineSpec], cart_discount: Option<u32>) -> Cart {
    let classes = ["standard", "food", "zero", "combo"];
    let mut cart = Cart::new(Currency::EUR);
    for (i, (class, cents, qty, weighed, discount)) in lines.iter().enumerate() {
        let unit = if *weighed { Unit::Kg } else { Unit::Each };
        let quantity = if *weighed {
            Decimal::new(*qty, 3)
        } else {
            Decimal::from(qty % 20 + 1)
        };
        let it = item(
            &format!("S{i}"),
            Decimal::new(*cents, 2),
            classes.get(*class).copied().unwrap_or("zero"),
            unit,
        );
        let id = cart.add_item(&it, Some(quantity)).unwrap();
        if let Some(p) = discount {
            let _ = cart.set_line_discount(id, Discount::Percent(Decimal::from(*p)));
        }
    }
    if let Some(p) = cart_discount {
        let _ = cart.set_cart_discount(Discount::Percent(Decimal::from(p)));
    }
    cart
}

proptest! {
    /// Sum of per-rate tax is the total tax, lines add up, discounts are spread exactly.
    #[test]
    fn totals_are_always_consistent(table in arb_table(), (lines, discount) in arb_cart()) {
        let totals = build(&lines, discount).totals(&table).unwrap();
        assert_totals_consistent(&totals);
    }

    /// Refunding every line (in one go, or line by line in halves) equals the sale exactly.
    #[test]
    fn full_refund_equals_sale(table in arb_table(), (lines, discount) in arb_cart(), halves in any::<bool>()) {
        let sale = build(&lines, discount).totals(&table).unwrap();
        let mut already = Vec::new();
        let mut total = Decimal::ZERO;
        let mut tax = Decimal::ZERO;
        if halves {
            for l in &sale.lines {
                let half = (l.quantity / dec!(2)).round_dp_with_strategy(
                    l.unit.quantity_decimals(), rust_decimal::RoundingStrategy::ToZero);
                if half > Decimal::ZERO {
                    let p = refund::plan(&sale, &already, &[RefundRequest::partial(l.line, half)]).unwrap();
                    total += p.total;
                    tax += p.tax;
                    already.push(AlreadyRefunded { line: l.line, quantity: half });
                }
            }
        }
        let rest = refund::void_plan(&sale, &already).unwrap();
        prop_assert_eq!(total + rest.total, sale.total);
        prop_assert_eq!(tax + rest.tax, sale.tax);
        let restocked: Decimal = rest.lines.iter().map(|l| l.restock).sum::<Decimal>()
            + already.iter().map(|a| a.quantity).sum::<Decimal>();
        prop_assert_eq!(restocked, sale.lines.iter().map(|l| l.quantity).sum::<Decimal>());
    }

    /// Cash rounding: the books balance and the difference is at most half an increment.
    #[test]
    fn cash_rounding_balances(cents in 0i64..1_000_000, card_cents in 0i64..1_000_000, extra in 0i64..10_000) {
        let total = Decimal::new(cents, 2);
        let card = Decimal::new(card_cents.min(cents), 2);
        let mut payments = Vec::new();
        if card > Decimal::ZERO {
            payments.push(Payment::card(card, None, Currency::EUR).unwrap());
        }
        let cash = total - card + Decimal::new(extra, 2) + dec!(0.05);
        payments.push(Payment::cash(cash, Currency::EUR).unwrap());
        let s = settle(total, &payments, &CashRounding::to(dec!(0.05))).unwrap();
        prop_assert!(s.complete);
        prop_assert_eq!(s.non_cash + s.cash_tendered - s.change, total + s.rounding);
        prop_assert!(s.rounding.abs() <= dec!(0.025));
        prop_assert!(s.change >= Decimal::ZERO);
    }
}

#[test]
fn tax_rounds_to_each_currencys_minor_units() {
    let t = table(
        TaxMode::Inclusive,
        RoundingPlacement::PerLine,
        RoundingMode::HalfUp,
    );
    let standard = TaxClass::new("standard").unwrap();
    // 1000 / 6 = 166.67 -> JPY 167; 1.000 / 6 = 0.16667 -> KWD 0.167; 10.00 / 6 -> EUR 1.67.
    for (currency, amount, tax) in [
        (Currency::JPY, dec!(1000), dec!(167)),
        (Currency::KWD, dec!(1.000), dec!(0.167)),
        (Currency::EUR, dec!(10.00), dec!(1.67)),
    ] {
        let r = t.compute(currency, &[(&standard, amount)]).unwrap();
        assert_eq!(r.tax, tax, "{currency}");
    }
}
