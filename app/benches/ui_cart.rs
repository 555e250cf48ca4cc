// A benchmark sets up fixed data; a failure there is a broken bench, not bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! One UI frame with a 200-line cart: `update` (a scan, or selecting a line) then `view`,
//! layout and draw, as the iced runtime does per event. Goal: <= 4 ms. A second group adds
//! rasterising the frame with tiny-skia at 1024x768 (what a redraw costs on the CPU).

use criterion::{Criterion, criterion_group, criterion_main};
use iced::{Size, Theme};
use iced_test::core::renderer::{Headless, Style};
use iced_test::core::{Font, Pixels, clipboard, mouse};
use iced_test::renderer::Renderer;
use iced_test::runtime::user_interface::{Cache, UserInterface};
use pos_app::config::Config;
use pos_app::services::Lane;
use pos_app::ui::backend::memory::MemoryBackend;
use pos_app::ui::backend::services::ServicesBackend;
use pos_app::ui::backend::{Backend, Product, ProductQuery, Unit};
use pos_app::ui::screen::{checkout, login, shift};
use pos_app::ui::widget::PadKey;
use pos_app::ui::{App, Message, Nav, Options};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::sync::Arc;

const LINES: usize = 200;
const SIZE: Size = Size::new(1024.0, 768.0);

fn app_with_cart() -> App {
    let backend = MemoryBackend::demo();
    for i in 0..LINES {
        backend
            .save_product(&Product {
                sku: format!("B{i:04}"),
                gtin: Some(format!("{:013}", 2_900_000_000_000u64 + i as u64)),
                name: format!("Bench item {i}"),
                category: "Bench".into(),
                price: Decimal::new(100 + i as i64, 2),
                tax_class: "standard".into(),
                unit: Unit::Each,
                stock: Decimal::from(1000),
                reorder_level: Decimal::ZERO,
                active: true,
            })
            .unwrap();
    }
    let mut script = vec![Message::Login(login::Message::Choose(2))];
    for d in [9, 9, 9, 9] {
        script.push(Message::Login(login::Message::Pad(PadKey::Digit(d))));
    }
    script.push(Message::Login(login::Message::Pad(PadKey::Enter)));
    script.push(Message::Shift(shift::Message::Open));
    script.push(Message::Nav(Nav::Checkout));
    for i in 0..LINES {
        script.push(Message::Checkout(checkout::Message::Add(format!(
            "B{i:04}"
        ))));
    }
    let mut options = Options::new(Arc::new(backend), std::env::temp_dir());
    options.script = script;
    let app = App::new(options);
    assert_eq!(app.backend().cart().lines.len(), LINES);
    app
}

/// The same cart through the real services: a SQLite store seeded with the demo catalog,
/// 200 lines of distinct items.
fn services_app_with_cart(dir: &std::path::Path) -> App {
    let (lane, _) = Lane::init(dir, Config::default(), true).unwrap();
    let backend = ServicesBackend::new(lane);
    let skus: Vec<String> = backend
        .categories()
        .iter()
        .flat_map(|c| {
            backend.products(&ProductQuery {
                category: Some(c.clone()),
                limit: 200,
                ..ProductQuery::default()
            })
        })
        .filter(|p| p.unit == Unit::Each)
        .map(|p| p.sku)
        .take(LINES)
        .collect();
    assert_eq!(skus.len(), LINES, "the demo catalog has enough items");
    let mut script = vec![Message::Login(login::Message::Choose(0))];
    for d in [9, 9, 9, 9] {
        script.push(Message::Login(login::Message::Pad(PadKey::Digit(d))));
    }
    script.push(Message::Login(login::Message::Pad(PadKey::Enter)));
    script.push(Message::Shift(shift::Message::Open));
    script.push(Message::Nav(Nav::Checkout));
    script.extend(
        skus.into_iter()
            .map(|s| Message::Checkout(checkout::Message::Add(s))),
    );
    let mut options = Options::new(Arc::new(backend), dir.to_path_buf());
    options.script = script;
    let app = App::new(options);
    assert_eq!(app.backend().cart().lines.len(), LINES);
    app
}

fn renderer() -> Renderer {
    iced::futures::executor::block_on(<Renderer as Headless>::new(
        Font::with_name("Fira Sans"),
        Pixels(16.0),
        Some("tiny-skia"),
    ))
    .expect("headless tiny-skia renderer")
}

/// update + view + layout + draw, reusing the layout cache like the runtime.
fn frame(
    app: &mut App,
    renderer: &mut Renderer,
    cache: Cache,
    message: Message,
    theme: &Theme,
) -> Cache {
    let _ = app.update(message);
    let mut ui = UserInterface::build(app.view(), SIZE, cache, renderer);
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
    ui.into_cache()
}

fn bench(c: &mut Criterion) {
    let mut app = app_with_cart();
    let theme = app.theme();
    let mut renderer = renderer();
    let mut cache = Cache::default();
    let lines: Vec<u64> = app
        .backend()
        .cart()
        .lines
        .iter()
        .map(|l| l.line_id)
        .collect();

    let mut group = c.benchmark_group("ui_cart_200_lines");
    let mut i = 0usize;
    group.bench_function("select_line_update_view_layout_draw", |b| {
        b.iter(|| {
            i = (i + 1) % lines.len();
            let m = Message::Checkout(checkout::Message::Select(lines[i]));
            cache = frame(
                &mut app,
                &mut renderer,
                std::mem::take(&mut cache),
                m,
                &theme,
            );
        })
    });
    group.bench_function("scan_update_view_layout_draw", |b| {
        b.iter(|| {
            let m = Message::Scanned("2900000000007".into());
            cache = frame(
                &mut app,
                &mut renderer,
                std::mem::take(&mut cache),
                m,
                &theme,
            );
        })
    });
    group.bench_function("scan_frame_rasterised_1024x768", |b| {
        b.iter(|| {
            let m = Message::Scanned("2900000000007".into());
            cache = frame(
                &mut app,
                &mut renderer,
                std::mem::take(&mut cache),
                m,
                &theme,
            );
            black_box(renderer.screenshot(
                iced::Size::new(1024, 768),
                1.0,
                theme.palette().background,
            ));
        })
    });
    group.finish();

    let dir = tempfile::tempdir().unwrap();
    let mut app = services_app_with_cart(dir.path());
    let mut cache = Cache::default();
    let ids: Vec<u64> = app
        .backend()
        .cart()
        .lines
        .iter()
        .map(|l| l.line_id)
        .collect();
    let mut group = c.benchmark_group("ui_cart_200_lines_services");
    group.bench_function("select_line_update_view_layout_draw", |b| {
        b.iter(|| {
            i = (i + 1) % ids.len();
            let m = Message::Checkout(checkout::Message::Select(ids[i]));
            cache = frame(
                &mut app,
                &mut renderer,
                std::mem::take(&mut cache),
                m,
                &theme,
            );
        })
    });
    // Typing a quantity on the keypad: the services re-price all 200 lines (domain totals,
    // tax, settlement) and the screen redraws.
    group.bench_function("set_quantity_update_view_layout_draw", |b| {
        b.iter(|| {
            let _ = app.update(Message::Checkout(checkout::Message::Pad(PadKey::Digit(2))));
            let m = Message::Checkout(checkout::Message::Pad(PadKey::Enter));
            cache = frame(
                &mut app,
                &mut renderer,
                std::mem::take(&mut cache),
                m,
                &theme,
            );
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
