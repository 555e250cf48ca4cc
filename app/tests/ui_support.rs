//! Shared helpers for the UI simulator tests: drive the real [`App`] through iced_test's
//! headless simulator, feeding every produced message back into `update` and running the
//! tasks `update` returns, as the runtime would.

#![allow(dead_code)]

use iced::{Settings, Size, Task};
use iced_test::Simulator;
use pos_app::ui::backend::Backend;
use pos_app::ui::{App, Message, Options};
use std::sync::Arc;

pub const SMALL: Size = Size::new(1024.0, 768.0);
pub const LARGE: Size = Size::new(1920.0, 1080.0);

pub struct Harness {
    pub app: App,
    pub size: Size,
    pub dir: tempfile::TempDir,
}

impl Harness {
    pub fn new(backend: Arc<dyn Backend>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let app = App::new(Options::new(backend, dir.path().to_path_buf()));
        Harness {
            app,
            size: SMALL,
            dir,
        }
    }

    pub fn sized(mut self, size: Size) -> Self {
        self.size = size;
        self.app.update(Message::Resized(size)).units();
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

    /// Applies a message and runs the task it returns to completion.
    pub fn send(&mut self, message: Message) {
        let task = self.app.update(message);
        self.run(task);
    }

    fn run(&mut self, task: Task<Message>) {
        use iced::futures::StreamExt;
        let Some(stream) = iced_test::runtime::task::into_stream(task) else {
            return;
        };
        let actions: Vec<_> = iced::futures::executor::block_on(stream.collect());
        for action in actions {
            if let iced_test::runtime::Action::Output(m) = action {
                self.send(m);
            }
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
