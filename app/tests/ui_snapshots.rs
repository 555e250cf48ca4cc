#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Snapshot tests of the main screens (run with `ICED_TEST_BACKEND=tiny-skia`). Each
//! snapshot's SHA-256 is committed under `tests/snapshots/`; a changed pixel fails the test,
//! and a new snapshot creates a file that CI refuses until it is committed.

mod ui_support;

use iced::Size;
use pos_app::ui::backend::Backend;
use pos_app::ui::backend::memory::MemoryBackend;
use pos_app::ui::theme::ThemeChoice;
use pos_app::ui::{Message, Nav};
use std::sync::Arc;
use ui_support::{Harness, LARGE, SMALL};

/// A lane mid-shift with a sale done and a cart of three lines.
fn busy_lane(size: Size) -> Harness {
    let backend: Arc<dyn Backend> = Arc::new(MemoryBackend::demo());
    let mut h = Harness::new(backend).sized(size);
    h.login("Morgan", "9999");
    h.taps(&["1", "5", "0", "Open"]);
    h.tap("Sale");
    // One finished sale so the reports have something to chart.
    for code in ["4006381333931", "3057640117008", "3057640117008"] {
        h.send(Message::Scanned(code.into()));
    }
    h.tap("Pay 7.79 EUR");
    h.tap("10.00 EUR");
    h.tap("No receipt");
    for code in [
        "4006381333931",
        "4008400402222",
        "5449000000996",
        "5449000000996",
    ] {
        h.send(Message::Scanned(code.into()));
    }
    h
}

fn check(h: &Harness, name: &str) {
    let theme = h.app.theme();
    let snapshot = h.simulator().snapshot(&theme).unwrap();
    let path = format!("tests/snapshots/{name}");
    if let Ok(dir) = std::env::var("POS_UI_SNAPSHOT_PNG") {
        // Opt-in: also write PNGs for a human to look at (not compared, not committed).
        let _ = snapshot.matches_image(format!("{dir}/{name}"));
    }
    assert!(
        snapshot.matches_hash(&path).unwrap(),
        "{name} differs from its committed snapshot"
    );
}

#[test]
fn login_screen() {
    let h = Harness::new(Arc::new(MemoryBackend::demo()));
    check(&h, "login");
}

#[test]
fn checkout_screen_small_and_large() {
    let h = busy_lane(SMALL);
    check(&h, "checkout-1024x768");
    let h = busy_lane(LARGE);
    check(&h, "checkout-1920x1080");
}

#[test]
fn checkout_high_contrast() {
    let mut h = busy_lane(SMALL);
    h.app.set_theme(ThemeChoice::HighContrast);
    check(&h, "checkout-high-contrast");
}

#[test]
fn payment_screen() {
    let mut h = busy_lane(SMALL);
    h.tap("Pay 9.84 EUR");
    check(&h, "payment");
}

#[test]
fn other_screens() {
    let mut h = busy_lane(SMALL);
    for (nav, name) in [
        (Nav::Shift, "shift"),
        (Nav::Refund, "refund"),
        (Nav::Inventory, "inventory"),
        (Nav::Reports, "reports"),
        (Nav::Devices, "devices"),
    ] {
        h.send(Message::Nav(nav));
        check(&h, name);
    }
}
