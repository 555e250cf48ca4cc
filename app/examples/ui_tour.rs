//! Opens the real UI window, already driven to one screen, so
//! `assets/screenshots/capture.sh` can grab it under Xvfb. The lane is the real one (the
//! services over a fresh SQLite store seeded with the demo catalog) except for `card`,
//! which needs the in-memory backend's simulated card until the payment service lands.
//! Usage:
//! `cargo run -p pos-app --example ui_tour -- <screen> [WIDTHxHEIGHT] [high-contrast]`
//! where screen is login, checkout, payment, card, change, shift, zreport, refund, approval,
//! inventory, import, reports or devices.

use iced::Size;
use pos_app::ui::backend::memory::MemoryBackend;
use pos_app::ui::backend::{Backend, TenderKind};
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

/// Who and what the tour uses on a given backend.
struct Demo {
    manager: (usize, &'static str),
    cashier: (usize, &'static str),
    sale: [&'static str; 3],
    cart: [&'static str; 5],
    receipt: &'static str,
    low_stock_sku: &'static str,
}

fn demo(backend: &dyn Backend, memory: bool) -> Demo {
    let users = backend.users();
    let at = |name: &str| users.iter().position(|u| u.name == name).unwrap_or(0);
    if memory {
        Demo {
            manager: (at("Morgan"), "9999"),
            cashier: (at("Bob"), "2468"),
            sale: ["4006381333931", "3057640117008", "3057640117008"],
            cart: [
                "4006381333931",
                "4008400402222",
                "5449000000996",
                "5449000000996",
                "3228021170022",
            ],
            receipt: "R000001",
            low_stock_sku: "OIL-750",
        }
    } else {
        Demo {
            manager: (at("manager"), "9999"),
            cashier: (at("cashier"), "1111"),
            sale: ["5012345007724", "5012345002408", "5012345002408"],
            cart: [
                "5012345007724",
                "5012345002408",
                "5012345001210",
                "5012345001210",
                "5012345001074",
            ],
            receipt: "L01-000001",
            low_stock_sku: "SKU-01019",
        }
    }
}

fn script(screen: &str, dir: &std::path::Path, d: &Demo) -> Vec<Message> {
    if screen == "login" {
        return Vec::new();
    }
    // The manager opens the shift with 150.00 and rings up one finished sale.
    let mut m = pin(d.manager.0, d.manager.1);
    m.extend(pad(|k| Message::Shift(shift::Message::Pad(k)), "150"));
    m.push(Message::Nav(Nav::Checkout));
    m.extend(scans(&d.sale));
    m.push(Message::Checkout(checkout::Message::Pay));
    m.push(Message::Payment(payment::Message::Quick(Decimal::from(10))));
    m.push(Message::Payment(payment::Message::NoReceipt));
    let cart = scans(&d.cart);
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
            m.push(Message::Refund(refund::Message::Number(d.receipt.into())));
            m.push(Message::Refund(refund::Message::Find));
            m.push(Message::Refund(refund::Message::Step(1, 1)));
            if screen == "approval" {
                // A cashier needs the manager's approval.
                m.push(Message::Logout);
                m.extend(pin(d.cashier.0, d.cashier.1));
                m.push(Message::Nav(Nav::Refund));
                m.push(Message::Refund(refund::Message::Number(d.receipt.into())));
                m.push(Message::Refund(refund::Message::Find));
                m.push(Message::Refund(refund::Message::Step(0, 1)));
                m.push(Message::Refund(refund::Message::Refund));
                m.push(Message::Refund(refund::Message::Manager(0)));
            }
        }
        "inventory" => {
            m.push(Message::Nav(Nav::Inventory));
            m.push(Message::Inventory(inventory::Message::LowOnly(true)));
            m.push(Message::Inventory(inventory::Message::Edit(
                d.low_stock_sku.into(),
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
    let dir = std::env::temp_dir().join(format!("pos-ui-tour-{screen}"));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    let memory = screen == "card";
    let mut options = if memory {
        Options::new(Arc::new(MemoryBackend::with_simulated_card()), dir.clone())
    } else {
        match Options::for_data_dir(&dir, false) {
            Ok(options) => options,
            Err(e) => {
                eprintln!("ui_tour: cannot open the demo lane: {e}");
                std::process::exit(3);
            }
        }
    };
    options.window = size;
    if args.iter().any(|a| a == "high-contrast") {
        options.theme = ThemeChoice::HighContrast;
    }
    let d = demo(options.backend.as_ref(), memory);
    options.script = script(screen, &dir, &d);
    pos_app::ui::run(options)
}
