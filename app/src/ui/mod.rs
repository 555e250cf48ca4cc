//! The touchscreen checkout (iced 0.14, Elm architecture).
//!
//! [`App`] is the shell: it owns the session, the current [`Screen`], the status bar and the
//! subscriptions (device events, keyboard-wedge scans, window size, status polling). Each
//! screen is a module with its own state, `Message` and outward `Event`. Screens reach the
//! application services only through [`backend::Backend`].

pub mod backend;
pub mod devices;
pub mod scan;
pub mod screen;
pub mod status_bar;
pub mod theme;
pub mod widget;

use backend::{Backend, LaneInfo, LinkStatus, Role, UserTile};
use devices::{DeviceEvent, DeviceFeed};
use iced::widget::{column, row};
use iced::{Fill, Size, Subscription, Task, window};
use scan::{ScanWedge, WedgeKey};
use screen::{Ctx, checkout, inventory, login, payment, refund, reports, settings, shift};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use theme::ThemeChoice;
use widget::Element;

/// Window widths from this up get the 1920x1080 layout.
const WIDE_FROM: f32 = 1600.0;
const STATUS_EVERY: Duration = Duration::from_secs(2);

/// What `pos` (and `pos --kiosk`) hands the UI.
#[derive(Debug, Clone)]
pub struct Options {
    pub backend: Arc<dyn Backend>,
    /// Full screen, no decorations: the lane's normal mode.
    pub kiosk: bool,
    pub window: Size,
    pub theme: ThemeChoice,
    /// Where CSV exports go (the data dir).
    pub export_dir: PathBuf,
    /// Scanner and device events from the device threads, if any are running.
    pub devices: Option<DeviceFeed>,
    /// Messages applied at start, as if tapped: demos, training mode and the screenshot tour.
    pub script: Vec<Message>,
}

impl Options {
    pub fn new(backend: Arc<dyn Backend>, export_dir: PathBuf) -> Self {
        Options {
            backend,
            kiosk: false,
            window: Size::new(1024.0, 768.0),
            theme: ThemeChoice::Normal,
            export_dir,
            devices: None,
            script: Vec::new(),
        }
    }
}

/// Why the UI could not start on a data dir.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Services(#[from] crate::services::ServiceError),
}

impl Options {
    /// The lane on `data_dir` (created and seeded with the demo catalog and users on first
    /// start), configured from its `pos.toml` and `POS_*` environment overrides: what `pos`
    /// with no arguments opens.
    pub fn for_data_dir(data_dir: &std::path::Path, kiosk: bool) -> Result<Options, StartError> {
        Options::for_data_dir_with_env(data_dir, kiosk, std::env::vars())
    }

    /// [`Options::for_data_dir`] with the `POS_*` overrides taken from `env` (tests).
    pub fn for_data_dir_with_env(
        data_dir: &std::path::Path,
        kiosk: bool,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Options, StartError> {
        let config = crate::config::Config::load(data_dir, env)?;
        let (lane, _) = crate::services::Lane::init(data_dir, config, true)?;
        let backend: Arc<dyn Backend> = Arc::new(backend::services::ServicesBackend::new(lane));
        let mut options = Options::new(backend, data_dir.to_path_buf());
        options.kiosk = kiosk;
        Ok(options)
    }
}

/// Opens the window and runs the UI until it is closed.
pub fn run(options: Options) -> iced::Result {
    let window = window::Settings {
        size: options.window,
        fullscreen: options.kiosk,
        decorations: !options.kiosk,
        min_size: Some(Size::new(1024.0, 700.0)),
        ..window::Settings::default()
    };
    iced::application(move || App::boot(options.clone()), App::update, App::view)
        .title(App::title)
        .theme(App::theme)
        .subscription(App::subscription)
        .window(window)
        .run()
}

/// The screen on show.
#[derive(Debug)]
pub enum Screen {
    Login(login::Login),
    Checkout(checkout::Checkout),
    Payment(payment::Payment),
    Shift(shift::Shift),
    Refund(refund::Refund),
    Inventory(inventory::Inventory),
    Reports(reports::Reports),
    Settings(settings::Settings),
}

/// The navigation tiles along the top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Checkout,
    Shift,
    Refund,
    Inventory,
    Reports,
    Devices,
}

impl Nav {
    const ALL: [Nav; 6] = [
        Nav::Checkout,
        Nav::Shift,
        Nav::Refund,
        Nav::Inventory,
        Nav::Reports,
        Nav::Devices,
    ];

    fn label(self) -> &'static str {
        match self {
            Nav::Checkout => "Sale",
            Nav::Shift => "Shift",
            Nav::Refund => "Refund",
            Nav::Inventory => "Inventory",
            Nav::Reports => "Reports",
            Nav::Devices => "Devices",
        }
    }

    fn managers_only(self) -> bool {
        matches!(self, Nav::Inventory | Nav::Reports)
    }
}

#[derive(Debug, Clone)]
pub enum Message {
    Login(login::Message),
    Checkout(checkout::Message),
    Payment(payment::Message),
    Shift(shift::Message),
    Refund(refund::Message),
    Inventory(inventory::Message),
    Reports(reports::Message),
    Settings(settings::Message),
    Nav(Nav),
    Logout,
    /// A barcode from any source, routed to the screen that wants it.
    Scanned(String),
    Wedge(WedgeKey, Instant),
    Device(DeviceEvent),
    Resized(Size),
    Tick,
    Status(Option<LinkStatus>),
    /// The start-up read of slow, rarely changing data (category names) finished.
    Warmed,
}

#[derive(Debug)]
pub struct App {
    backend: Arc<dyn Backend>,
    lane: LaneInfo,
    user: Option<UserTile>,
    screen: Screen,
    status: LinkStatus,
    theme: ThemeChoice,
    wide: bool,
    wedge: ScanWedge,
    export_dir: PathBuf,
    devices: Option<DeviceFeed>,
}

impl App {
    /// Builds the app for tests and benchmarks; tasks started by the script are dropped.
    pub fn new(options: Options) -> Self {
        Self::boot(options).0
    }

    /// Builds the app and the tasks its start-up script started (as `iced` boots it).
    pub fn boot(options: Options) -> (Self, Task<Message>) {
        let backend = options.backend;
        let mut app = App {
            lane: backend.lane(),
            user: None,
            screen: Screen::Login(login::Login::new(backend.as_ref())),
            status: backend.status(),
            theme: options.theme,
            wide: options.window.width >= WIDE_FROM,
            wedge: ScanWedge::default(),
            export_dir: options.export_dir,
            devices: options.devices,
            backend,
        };
        // Warm the backend's slow reads while the login screen is up.
        let backend = Arc::clone(&app.backend);
        let warm = Task::perform(
            async move { tokio::task::spawn_blocking(move || backend.categories().len()).await },
            |_| Message::Warmed,
        );
        let mut tasks: Vec<Task<Message>> = vec![warm];
        tasks.extend(options.script.into_iter().map(|m| app.update(m)));
        (app, Task::batch(tasks))
    }

    pub fn screen(&self) -> &Screen {
        &self.screen
    }

    pub fn user(&self) -> Option<&UserTile> {
        self.user.as_ref()
    }

    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    pub fn title(&self) -> String {
        format!("POS — {} {}", self.lane.store_name, self.lane.lane_id)
    }

    pub fn theme(&self) -> iced::Theme {
        self.theme.theme()
    }

    pub fn set_theme(&mut self, theme: ThemeChoice) {
        self.theme = theme;
    }

    fn is_manager(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Manager)
    }

    fn go(&mut self, nav: Nav) {
        if nav.managers_only() && !self.is_manager() {
            return;
        }
        let b = self.backend.as_ref();
        self.screen = match nav {
            Nav::Checkout => Screen::Checkout(checkout::Checkout::new(b)),
            Nav::Shift => Screen::Shift(shift::Shift::new(b)),
            Nav::Refund => Screen::Refund(refund::Refund::new(b)),
            Nav::Inventory => Screen::Inventory(inventory::Inventory::new(b)),
            Nav::Reports => Screen::Reports(reports::Reports::new(b, self.export_dir.clone())),
            Nav::Devices => Screen::Settings(settings::Settings::default()),
        };
    }

    fn scanned(&mut self, code: &str) {
        if self.user.is_none() {
            return;
        }
        let b = self.backend.as_ref();
        match &mut self.screen {
            Screen::Refund(s) => s.scanned(code, b),
            Screen::Inventory(s) => s.scanned(code, b),
            // Mid-payment the cart is closed for changes; the payment screen stays.
            Screen::Payment(_) | Screen::Login(_) => {}
            Screen::Checkout(s) => s.scanned(code, b),
            _ => {
                let mut s = checkout::Checkout::new(b);
                s.scanned(code, b);
                self.screen = Screen::Checkout(s);
            }
        }
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        let b = self.backend.as_ref();
        match (message, &mut self.screen) {
            (Message::Login(m), Screen::Login(s)) => {
                if let Some(login::Event::LoggedIn(user)) = s.update(m, b) {
                    self.user = Some(user);
                    // No shift yet: the first thing a cashier does is open one.
                    let first = if b.shift().is_some() {
                        Nav::Checkout
                    } else {
                        Nav::Shift
                    };
                    self.go(first);
                }
            }
            (Message::Checkout(m), Screen::Checkout(s)) => {
                if let Some(checkout::Event::Pay) = s.update(m, b) {
                    self.screen = Screen::Payment(payment::Payment::new(b));
                }
            }
            (Message::Payment(m), Screen::Payment(s)) => {
                let (task, event) = s.update(m, b);
                if let Some(payment::Event::Back | payment::Event::Finished) = event {
                    self.go(Nav::Checkout);
                }
                return task.map(Message::Payment);
            }
            (Message::Shift(m), Screen::Shift(s)) => {
                let _ = s.update(m, b);
            }
            (Message::Refund(m), Screen::Refund(s)) => {
                let _ = s.update(m, b);
            }
            (Message::Inventory(m), Screen::Inventory(s)) => {
                let (task, _) = s.update(m, &self.backend);
                return task.map(Message::Inventory);
            }
            (Message::Reports(m), Screen::Reports(s)) => {
                let _ = s.update(m, b);
            }
            (Message::Settings(m), Screen::Settings(s)) => match s.update(m, b) {
                Some(settings::Event::ToggleTheme) => self.theme = self.theme.toggled(),
                Some(settings::Event::Scan(code)) => self.scanned(&code),
                None => {}
            },
            (Message::Nav(nav), _) if self.user.is_some() => self.go(nav),
            (Message::Logout, _) => {
                b.logout();
                self.user = None;
                self.screen = Screen::Login(login::Login::new(b));
            }
            (Message::Scanned(code), _) => self.scanned(&code),
            (Message::Wedge(key, at), _) => {
                if let Some(code) = self.wedge.push(key, at) {
                    self.scanned(&code);
                }
            }
            (Message::Device(DeviceEvent::Scanned(code)), _) => self.scanned(&code),
            (m @ (Message::Device(DeviceEvent::Changed) | Message::Tick), _) => {
                let backend = Arc::clone(&self.backend);
                let idle_tick = matches!(m, Message::Tick);
                return Task::perform(
                    async move {
                        tokio::task::spawn_blocking(move || {
                            if idle_tick {
                                backend.idle();
                            }
                            backend.status()
                        })
                        .await
                        .ok()
                    },
                    Message::Status,
                );
            }
            (Message::Status(Some(status)), _) => self.status = status,
            (Message::Resized(size), _) => self.wide = size.width >= WIDE_FROM,
            // A message for a screen that is no longer shown (e.g. a late import
            // progress after navigating away) is dropped.
            _ => {}
        }
        Task::none()
    }

    pub fn subscription(&self) -> Subscription<Message> {
        let mut subs = vec![
            iced::event::listen_with(|event, _status, _window| match event {
                // Every key press, captured by a text field or not: the wedge decides.
                iced::Event::Keyboard(iced::keyboard::Event::KeyPressed { key, text, .. }) => {
                    use iced::keyboard::{Key, key::Named};
                    let now = Instant::now();
                    match key {
                        Key::Named(Named::Enter) => Some(Message::Wedge(WedgeKey::Enter, now)),
                        _ => text
                            .and_then(|t| t.chars().next())
                            .map(|c| Message::Wedge(WedgeKey::Char(c), now)),
                    }
                }
                iced::Event::Window(window::Event::Resized(size)) => Some(Message::Resized(size)),
                _ => None,
            }),
            iced::time::every(STATUS_EVERY).map(|_| Message::Tick),
        ];
        if let Some(feed) = &self.devices {
            subs.push(feed.subscription().map(Message::Device));
        }
        Subscription::batch(subs)
    }

    pub fn view(&self) -> Element<'_, Message> {
        let ctx = Ctx {
            lane: &self.lane,
            user: self.user.as_ref(),
            wide: self.wide,
        };
        let body: Element<'_, Message> = match &self.screen {
            Screen::Login(s) => s.view(ctx).map(Message::Login),
            Screen::Checkout(s) => s.view(ctx).map(Message::Checkout),
            Screen::Payment(s) => s.view(ctx).map(Message::Payment),
            Screen::Shift(s) => s.view(ctx).map(Message::Shift),
            Screen::Refund(s) => s.view(ctx).map(Message::Refund),
            Screen::Inventory(s) => s.view(ctx).map(Message::Inventory),
            Screen::Reports(s) => s.view(ctx).map(Message::Reports),
            Screen::Settings(s) => s.view(ctx, &self.status, self.theme).map(Message::Settings),
        };
        let mut page = column![].height(Fill);
        if self.user.is_some() && !matches!(self.screen, Screen::Payment(_) | Screen::Login(_)) {
            page = page.push(self.nav_bar());
        }
        page.push(iced::widget::container(body).height(Fill))
            .push(status_bar::view(
                &self.lane,
                self.user.as_ref(),
                &self.status,
            ))
            .into()
    }

    fn nav_bar(&self) -> Element<'_, Message> {
        let current = match self.screen {
            Screen::Checkout(_) => Some(Nav::Checkout),
            Screen::Shift(_) => Some(Nav::Shift),
            Screen::Refund(_) => Some(Nav::Refund),
            Screen::Inventory(_) => Some(Nav::Inventory),
            Screen::Reports(_) => Some(Nav::Reports),
            Screen::Settings(_) => Some(Nav::Devices),
            _ => None,
        };
        let mut bar = row![].spacing(6).padding([6, 12]);
        for nav in Nav::ALL {
            if nav.managers_only() && !self.is_manager() {
                continue;
            }
            bar = bar.push(
                widget::touch(nav.label(), Some(Message::Nav(nav)))
                    .width(Fill)
                    .style(if current == Some(nav) {
                        theme::tile_active
                    } else {
                        theme::tile
                    }),
            );
        }
        bar.push(widget::danger("Log out", Some(Message::Logout)).width(Fill))
            .into()
    }
}
