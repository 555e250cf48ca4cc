//! Shared helpers for the UI simulator tests: drive the real [`App`] through iced_test's
//! headless simulator, feeding every produced message back into `update` and running the
//! tasks `update` returns, as the runtime would.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iced::{Settings, Size};
use iced_test::Simulator;
use pos_app::ui::backend::Backend;
use pos_app::ui::{App, Message, Options, Screen};
use std::sync::Arc;

pub const SMALL: Size = Size::new(1024.0, 768.0);
pub const LARGE: Size = Size::new(1920.0, 1080.0);

pub struct Harness {
    pub app: App,
    pending: Vec<iced::futures::stream::BoxStream<'static, iced_test::runtime::Action<Message>>>,
    pub size: Size,
    pub dir: tempfile::TempDir,
    /// Other temp dirs that must live as long as the harness (a store's data dir).
    kept: Vec<tempfile::TempDir>,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("app", &self.app)
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl Harness {
    pub fn new(backend: Arc<dyn Backend>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let app = App::new(Options::new(backend, dir.path().to_path_buf()));
        Harness {
            app,
            pending: Vec::new(),
            kept: Vec::new(),
            size: SMALL,
            dir,
        }
    }

    pub fn keep(&mut self, dir: tempfile::TempDir) {
        self.kept.push(dir);
    }

    pub fn sized(mut self, size: Size) -> Self {
        self.size = size;
        self.send(Message::Resized(size));
        self
    }

    pub fn simulator(&self) -> Simulator<'_, Message> {
        Simulator::with_size(Settings::default(), self.size, self.app.view())
    }

    /// Taps the widget showing exactly `label`, then applies what the tap produced.
    pub fn tap(&mut self, label: &str) {
        let mut ui = self.simulator();
        ui.click(label)
            .unwrap_or_else(|e| panic!("cannot tap {label:?}: {e}"));
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(
            !messages.is_empty(),
            "tapping {label:?} produced no message"
        );
        for m in messages {
            self.send(m);
        }
    }

    pub fn taps(&mut self, labels: &[&str]) {
        for l in labels {
            self.tap(l);
        }
    }

    /// Applies a message; the task it returns runs in the background (see [`Harness::wait_until`]),
    /// and whatever it has already produced is applied now.
    pub fn send(&mut self, message: Message) {
        let task = self.app.update(message);
        if let Some(stream) = iced_test::runtime::task::into_stream(task) {
            self.pending.push(stream);
        }
        self.pump();
    }

    /// Applies every output the running tasks have ready, without waiting.
    fn pump(&mut self) {
        use iced::futures::{FutureExt, StreamExt};
        let mut i = 0;
        while i < self.pending.len() {
            match self.pending[i].next().now_or_never() {
                Some(Some(action)) => {
                    if let iced_test::runtime::Action::Output(m) = action {
                        self.send(m);
                    }
                }
                Some(None) => {
                    let _ = self.pending.remove(i);
                }
                None => i += 1,
            }
        }
    }

    /// Lets background tasks (an import, a card flow) run until `done` holds; 30 s at most
    /// (a bound for a stalled machine: the tasks normally finish in well under a second).
    pub fn wait_until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !done(&self.app) {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
            self.pump();
        }
    }

    pub fn shows(&self, text: &str) -> bool {
        self.simulator().find(text).is_ok()
    }

    pub fn login(&mut self, name: &str, pin: &str) {
        self.tap(name);
        for d in pin.chars() {
            self.tap(&d.to_string());
        }
        self.tap("Login");
        assert!(self.app.user().is_some(), "{name} could not log in");
    }
}

/// The card prompt on the payment screen, if any.
pub fn card_prompt(app: &App) -> Option<pos_app::ui::backend::CardPrompt> {
    match app.screen() {
        Screen::Payment(p) => p.card_prompt().cloned(),
        _ => None,
    }
}
