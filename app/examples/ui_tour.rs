//! Opens the real UI window on the in-memory demo lane, already driven to one screen, so
//! `scripts/ui-screenshots` can grab it under Xvfb. Usage:
//! `cargo run -p pos-app --example ui_tour -- <screen> [WIDTHxHEIGHT] [high-contrast]`
//! where screen is login, checkout, payment, card, change, shift, zreport, refund, approval,
//! inventory, import, reports or devices.

use iced::Size;
use pos_app::ui::backend::TenderKind;
use pos_app::ui::backend::memory::MemoryBackend;
use pos_app::ui::screen::{checkout, inventory, login, payment, refund, shift};
use pos_app::ui::theme::ThemeChoice;
use pos_app::ui::widget::PadKey;
use pos_app::ui::{Message, Nav, Options};
use rust_decimal::Decimal;
use std::sync::Arc;

fn pin(user: usize, digits: &str) -> Vec<Message> {
    let mut m = vec![Message::Login(login::Message::Choose(user))];
    for d in digits.bytes() {
        m.push(Message::Login(login::Message::Pad(PadKey::Digit(d - b'0'))));
    }
    m.push(Message::Login(login::Message::Pad(PadKey::Enter)));
    m
}

fn pad(to: fn(PadKey) -> Message, digits: &str) -> Vec<Message> {
    let mut m: Vec<Message> = digits
        .bytes()
        .map(|d| {
            to(if d == b'.' {
                PadKey::Dot
            } else {
                PadKey::Digit(d - b'0')
            })
        })
        .collect();
    m.push(to(PadKey::Enter));
    m
}

fn scans(codes: &[&str]) -> Vec<Message> {
    codes
        .iter()
        .map(|c| Message::Scanned((*c).to_string()))
        .collect()
}

fn script(screen: &str, dir: &std::path::Path) -> Vec<Message> {
    if screen == "login" {
        return Vec::new();
    }
    // Morgan (manager) opens the shift with 150.00 and rings up one finished sale.
    let mut m = pin(2, "9999");
    m.extend(pad(|k| Message::Shift(shift::Message::Pad(k)), "150"));
    m.push(Message::Nav(Nav::Checkout));
    m.extend(scans(&["4006381333931", "3057640117008", "3057640117008"]));
    m.push(Message::Checkout(checkout::Message::Pay));
    m.push(Message::Payment(payment::Message::Quick(Decimal::from(10))));
    m.push(Message::Payment(payment::Message::NoReceipt));
    let cart = scans(&[
        "4006381333931",
        "4008400402222",
        "5449000000996",
        "5449000000996",
        "3228021170022",
    ]);
    match screen {
        "checkout" => m.extend(cart),
        "card" => {
            m.extend(cart);
            m.push(Message::Checkout(checkout::Message::Pay));
            m.push(Message::Payment(payment::Message::Tender(TenderKind::Card)));
            m.push(Message::Payment(payment::Message::StartCard));
        }
        "payment" | "change" => {
            m.extend(cart);
            m.push(Message::Checkout(checkout::Message::Pay));
            if screen == "change" {
                m.push(Message::Payment(payment::Message::Quick(Decimal::from(20))));
            }
        }
        "shift" => m.push(Message::Nav(Nav::Shift)),
        "zreport" => {
            m.push(Message::Nav(Nav::Shift));
            m.push(Message::Shift(shift::Message::Mode(shift::Mode::Count)));
            for (i, n) in [(2, 1), (3, 1), (7, 1), (10, 2), (11, 1), (13, 1)] {
                m.push(Message::Shift(shift::Message::Count(i, n)));
            }
            m.push(Message::Shift(shift::Message::Close));
        }
        "refund" | "approval" => {
            m.push(Message::Nav(Nav::Refund));
            m.push(Message::Refund(refund::Message::Number("R000001".into())));
            m.push(Message::Refund(refund::Message::Find));
            m.push(Message::Refund(refund::Message::Step(1, 1)));
            if screen == "approval" {
                // Bob, a cashier, needs Morgan's approval.
                m.push(Message::Logout);
                m.extend(pin(1, "2468"));
                m.push(Message::Nav(Nav::Refund));
                m.push(Message::Refund(refund::Message::Number("R000001".into())));
                m.push(Message::Refund(refund::Message::Find));
                m.push(Message::Refund(refund::Message::Step(0, 1)));
                m.push(Message::Refund(refund::Message::Refund));
                m.push(Message::Refund(refund::Message::Manager(0)));
            }
        }
        "inventory" => {
            m.push(Message::Nav(Nav::Inventory));
            m.push(Message::Inventory(inventory::Message::Edit(
                "OIL-750".into(),
            )));
        }
        "import" => {
            let csv = dir.join("items.csv");
            let _ = std::fs::write(
                &csv,
                "sku,gtin,name,category,price,tax_class,unit,stock,active\n\
                 NEW-1,,Rye bread,Bakery,3.10,standard,each,8,1\n\
                 BAD-1,,Broken price,Bakery,three,standard,each,1,1\n\
                 BAD-2,,Wrong unit,Produce,1.00,standard,litre,4,1\n",
            );
            m.push(Message::Nav(Nav::Inventory));
            m.push(Message::Inventory(inventory::Message::LowOnly(true)));
            m.push(Message::Inventory(inventory::Message::Input(
                inventory::Field::Path,
                csv.display().to_string(),
            )));
            m.push(Message::Inventory(inventory::Message::StartImport));
        }
        "reports" => m.push(Message::Nav(Nav::Reports)),
        "devices" => m.push(Message::Nav(Nav::Devices)),
        _ => {}
    }
    m
}

fn main() -> iced::Result {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let screen = args.first().map_or("checkout", String::as_str);
    let size = args
        .get(1)
        .and_then(|s| s.split_once('x'))
        .and_then(|(w, h)| Some(Size::new(w.parse().ok()?, h.parse().ok()?)))
        .unwrap_or(Size::new(1024.0, 768.0));
    let dir = std::env::temp_dir().join("pos-ui-tour");
    let _ = std::fs::create_dir_all(&dir);
    let mut options = Options::new(Arc::new(MemoryBackend::with_simulated_card()), dir.clone());
    options.window = size;
    if args.iter().any(|a| a == "high-contrast") {
        options.theme = ThemeChoice::HighContrast;
    }
    options.script = script(screen, &dir);
    pos_app::ui::run(options)
}
