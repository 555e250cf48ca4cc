// A benchmark sets up fixed data; a failure there is a broken bench, not bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]
//! Cold start with a 1M-product store: a fresh process opens the lane on the data dir
//! (`ui::Options::for_data_dir`, as `pos` does), builds the app and draws and rasterises its
//! first frame (login) headless with tiny-skia; then logs in and draws the sale screen.
//! Prints wall time for each step and the process's peak resident memory (VmHWM).
//! Goals: first frame <= 1 s, RSS <= 150 MB.
//!
//! `cargo bench -p pos-app --bench ui_coldstart` (the 1M-item store is generated once under
//! `$CARGO_TARGET_DIR/pos-ui-coldstart/`, in a separate process from the measured one).

use iced::{Size, Theme};
use iced_test::core::renderer::{Headless, Style};
use iced_test::core::{Font, Pixels, clipboard, mouse};
use iced_test::renderer::Renderer;
use iced_test::runtime::user_interface::{Cache, UserInterface};
use pos_app::config::Config;
use pos_app::services::Lane;
use pos_app::ui::backend::ProductQuery;
use pos_app::ui::screen::{checkout, login};
use pos_app::ui::widget::PadKey;
use pos_app::ui::{App, Message, Nav, Options};
use std::path::{Path, PathBuf};
use std::time::Instant;

const ITEMS: u64 = 1_000_000;
const SIZE: Size = Size::new(1024.0, 768.0);

fn data_dir() -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    target.join("pos-ui-coldstart")
}

fn prepare(dir: &Path) {
    if dir.join("ready").exists() {
        return;
    }
    let _ = std::fs::remove_dir_all(dir);
    let started = Instant::now();
    let (mut lane, _) = Lane::init(dir, Config::default(), true).unwrap();
    lane.login("manager", "9999").unwrap();
    let made = lane.generate_catalog(ITEMS, 7, None).unwrap();
    std::fs::write(dir.join("ready"), made.to_string()).unwrap();
    println!("generated {made} items in {:.1?}", started.elapsed());
}

fn frame(app: &App, renderer: &mut Renderer, theme: &Theme) {
    let mut ui = UserInterface::build(app.view(), SIZE, Cache::default(), renderer);
    let mut messages = Vec::new();
    let _ = ui.update(
        &[],
        mouse::Cursor::Unavailable,
        renderer,
        &mut clipboard::Null,
        &mut messages,
    );
    ui.draw(
        renderer,
        theme,
        &Style {
            text_color: theme.palette().text,
        },
        mouse::Cursor::Unavailable,
    );
    let pixels = renderer.screenshot(iced::Size::new(1024, 768), 1.0, theme.palette().background);
    assert_eq!(pixels.len(), 1024 * 768 * 4);
}

fn peak_rss_mb() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .map_or("?".into(), |l| {
            l.trim_start_matches("VmHWM:").trim().to_string()
        })
}

fn measure(dir: &Path) {
    let t0 = Instant::now();
    let options = Options::for_data_dir(dir, false).unwrap();
    let mut app = App::new(options);
    let theme = app.theme();
    let mut renderer = iced::futures::executor::block_on(<Renderer as Headless>::new(
        Font::with_name("Fira Sans"),
        Pixels(16.0),
        Some("tiny-skia"),
    ))
    .unwrap();
    frame(&app, &mut renderer, &theme);
    let first = t0.elapsed();
    let t1 = Instant::now();
    let _ = app.update(Message::Login(login::Message::Choose(0)));
    for key in [
        PadKey::Digit(9),
        PadKey::Digit(9),
        PadKey::Digit(9),
        PadKey::Digit(9),
        PadKey::Enter,
    ] {
        let _ = app.update(Message::Login(login::Message::Pad(key)));
    }
    let login = t1.elapsed();
    // Where the sale screen's time goes: the backend reads it makes.
    let b = app.backend().clone();
    let t = Instant::now();
    let cats = b.categories();
    let categories = t.elapsed();
    let t = Instant::now();
    let tiles = b.products(&ProductQuery {
        limit: 24,
        ..ProductQuery::default()
    });
    let first_tiles = t.elapsed();
    println!(
        "  categories(): {} in {categories:.1?}; first {} tiles in {first_tiles:.1?}",
        cats.len(),
        tiles.len()
    );
    let t2 = Instant::now();
    let _ = app.update(Message::Nav(Nav::Checkout));
    frame(&app, &mut renderer, &theme);
    let checkout = t2.elapsed();
    let t3 = Instant::now();
    let _ = app.update(Message::Checkout(checkout::Message::Search("choc".into())));
    frame(&app, &mut renderer, &theme);
    let search = t3.elapsed();
    println!("items in store: {ITEMS}");
    println!("cold start to first frame (login, rasterised): {first:.1?}");
    println!("login (PIN check) and first screen after it: {login:.1?}");
    println!("sale screen opened and drawn (categories, first tiles): {checkout:.1?}");
    println!("search as you type \"choc\" and redraw: {search:.1?}");
    println!("peak resident memory (VmHWM): {}", peak_rss_mb());
}

fn main() {
    let dir = data_dir();
    if std::env::args().any(|a| a == "--measure") {
        measure(&dir);
        return;
    }
    prepare(&dir);
    // A fresh process, so the generation's memory and warm caches do not count.
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--measure")
        .status()
        .unwrap();
    assert!(status.success());
}
