//! The one seam between the screens and the application services.
//!
//! Screens see only this trait and its plain view models; they never touch SQL or a driver.
//! `ServicesBackend` (wired when `services::Lane` lands) and the in-memory [`memory`]
//! backend (demo without a data dir, and unit tests) both implement it.

pub mod acquirer_start;
pub mod memory;
pub mod services;
mod services_card;

use rust_decimal::Decimal;
use std::fmt;

/// What a backend call can refuse or fail with; every variant carries a message fit for
/// the cashier's screen (never card data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("{0}")]
    Refused(String),
    #[error("manager approval required: {0}")]
    NeedsManager(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("storage error: {0}")]
    Storage(String),
}

pub type BackendResult<T> = Result<T, BackendError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Cashier,
    Manager,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserTile {
    pub id: String,
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneInfo {
    pub lane_id: String,
    pub store_name: String,
    pub currency: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Each,
    Kg,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Each => "each",
            Unit::Kg => "kg",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub sku: String,
    pub gtin: Option<String>,
    pub name: String,
    pub category: String,
    pub price: Decimal,
    pub tax_class: String,
    pub unit: Unit,
    pub stock: Decimal,
    pub reorder_level: Decimal,
    pub active: bool,
}

impl Product {
    pub fn is_low_stock(&self) -> bool {
        self.stock <= self.reorder_level
    }
}

/// Which products a list or search wants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductQuery {
    pub text: String,
    pub category: Option<String>,
    pub low_stock_only: bool,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    pub line_id: u64,
    pub sku: String,
    pub name: String,
    pub quantity: Decimal,
    pub unit: Unit,
    pub unit_price: Decimal,
    pub discount_percent: Decimal,
    pub total: Decimal,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CartView {
    pub lines: Vec<CartLine>,
    pub discount_percent: Decimal,
    pub customer: Option<String>,
    pub subtotal: Decimal,
    pub discount: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
    pub paid: Decimal,
}

impl CartView {
    pub fn due(&self) -> Decimal {
        self.total - self.paid
    }
}

/// A change the keypad makes to one cart line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEdit {
    Quantity(Decimal),
    Price(Decimal),
    DiscountPercent(Decimal),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldCart {
    pub id: u64,
    pub label: String,
    /// Known when the backend keeps it with the hold.
    pub total: Option<Decimal>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TenderKind {
    Cash,
    Card,
    Voucher,
}

impl fmt::Display for TenderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TenderKind::Cash => "Cash",
            TenderKind::Card => "Card",
            TenderKind::Voucher => "Voucher",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleReceipt {
    pub number: String,
    pub total: Decimal,
    pub change: Decimal,
    pub text: Vec<String>,
}

/// The result of handing over one tender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// More is due; the cart shows what is paid so far.
    Partial {
        remaining: Decimal,
    },
    Completed(SaleReceipt),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoldLine {
    pub line_no: u32,
    pub name: String,
    pub quantity: Decimal,
    pub refundable: Decimal,
    pub unit_price: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptLookup {
    pub number: String,
    pub lines: Vec<SoldLine>,
}

/// A manager's credentials typed on the spot to approve one action.
#[derive(Clone, PartialEq, Eq)]
pub struct Approval {
    pub user_id: String,
    pub pin: String,
}

impl fmt::Debug for Approval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Approval")
            .field("user_id", &self.user_id)
            .field("pin", &"****")
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundDone {
    pub number: String,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftStatus {
    pub opened_by: String,
    pub float: Decimal,
    pub cash_in: Decimal,
    pub cash_out: Decimal,
    pub cash_sales: Decimal,
    pub expected_cash: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShiftReportKind {
    X,
    Z,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftReport {
    pub kind: ShiftReportKind,
    pub number: u32,
    pub lines: Vec<(String, Decimal)>,
    pub counted: Decimal,
    pub expected: Decimal,
}

impl ShiftReport {
    pub fn difference(&self) -> Decimal {
        self.counted - self.expected
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub imported: usize,
    pub errors: Vec<(usize, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SalesReport {
    pub by_hour: Vec<(u8, Decimal)>,
    pub tender_mix: Vec<(String, Decimal)>,
    pub top_products: Vec<(String, Decimal, Decimal)>,
}

/// What the card flow asks the cashier and cardholder to see or do, step by step, as the
/// payment service drives the EMV kernel. Never carries a PAN beyond the masked form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardPrompt {
    /// "Insert, tap or swipe".
    PresentCard,
    /// The card has several applications; the cardholder picks one.
    ChooseApplication(Vec<String>),
    /// PIN entry happens on the PIN pad, never on this screen.
    PinOnPinpad {
        attempts_left: Option<u8>,
    },
    Processing(String),
    RemoveCard,
    Approved {
        auth_code: String,
        masked_pan: String,
        outcome: PaymentOutcome,
    },
    Declined {
        reason: String,
    },
    Failed(String),
}

impl CardPrompt {
    /// Whether the flow has ended (the screen offers the next step).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            CardPrompt::Approved { .. } | CardPrompt::Declined { .. } | CardPrompt::Failed(_)
        )
    }
}

/// What the screen sends back into a running card flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardReply {
    Application(usize),
    Cancel,
}

/// A running card payment: prompts come out on a worker thread's channel (the UI turns them
/// into messages), replies go back in.
#[derive(Debug)]
pub struct CardSession {
    pub prompts: iced::futures::channel::mpsc::UnboundedReceiver<CardPrompt>,
    pub replies: std::sync::mpsc::Sender<CardReply>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Up,
    Down,
    /// The acquirer link's start-up recovery (reversals, advices) is still running.
    Recovering,
    NotConfigured,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceStatus {
    pub name: String,
    pub simulated: bool,
    pub state: LinkState,
    pub detail: String,
}

/// Everything the status bar and the devices screen show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkStatus {
    pub devices: Vec<DeviceStatus>,
    pub acquirer: LinkState,
    pub back_office: LinkState,
    pub sync_queue: u64,
    /// Events HQ refused for good, set aside until a manager runs `pos sync retry`.
    pub sync_parked: u64,
}

/// The application services as the screens need them. `Send + Sync` so slow calls can run
/// on a worker thread while the UI keeps drawing.
pub trait Backend: Send + Sync + fmt::Debug {
    fn lane(&self) -> LaneInfo;
    fn users(&self) -> Vec<UserTile>;
    fn login(&self, user_id: &str, pin: &str) -> BackendResult<UserTile>;
    fn logout(&self);

    fn categories(&self) -> Vec<String>;
    fn products(&self, query: &ProductQuery) -> Vec<Product>;

    fn cart(&self) -> CartView;
    fn add_item(&self, sku: &str, quantity: Decimal) -> BackendResult<CartView>;
    /// A barcode from any source: scanner, keyboard wedge or typed.
    fn scan(&self, code: &str) -> BackendResult<CartView>;
    fn edit_line(&self, line_id: u64, edit: LineEdit) -> BackendResult<CartView>;
    fn remove_line(&self, line_id: u64) -> BackendResult<CartView>;
    fn cart_discount(&self, percent: Decimal) -> BackendResult<CartView>;
    fn attach_customer(&self, query: &str) -> BackendResult<CartView>;
    fn hold(&self) -> BackendResult<()>;
    fn held(&self) -> Vec<HeldCart>;
    fn recall(&self, id: u64) -> BackendResult<CartView>;
    fn void_cart(&self) -> BackendResult<CartView>;

    fn pay(&self, tender: TenderKind, amount: Decimal) -> BackendResult<PaymentOutcome>;
    /// Whether card payments can run now; `Err` says why not.
    fn card_ready(&self) -> BackendResult<()>;
    /// Starts a card payment of `amount` on the configured reader; the session's prompts
    /// end with a final one (approved, declined or failed).
    fn start_card(&self, amount: Decimal) -> BackendResult<CardSession>;
    /// Prints (or re-prints) the receipt of a completed sale on the lane's printer.
    fn print_receipt(&self, number: &str) -> BackendResult<()>;

    fn find_receipt(&self, number: &str) -> BackendResult<ReceiptLookup>;
    fn refund(
        &self,
        number: &str,
        lines: &[(u32, Decimal)],
        approval: Option<&Approval>,
    ) -> BackendResult<RefundDone>;

    fn shift(&self) -> Option<ShiftStatus>;
    fn open_shift(&self, float: Decimal) -> BackendResult<ShiftStatus>;
    fn cash_movement(&self, amount: Decimal, reason: &str) -> BackendResult<ShiftStatus>;
    fn x_report(&self) -> BackendResult<ShiftReport>;
    fn close_shift(&self, counted: &[(Decimal, u32)]) -> BackendResult<ShiftReport>;

    fn save_product(&self, product: &Product) -> BackendResult<()>;
    fn adjust_stock(&self, sku: &str, delta: Decimal, reason: &str) -> BackendResult<Product>;
    /// Imports catalog rows; `progress(done, total)` is called as rows are processed.
    fn import_csv(&self, csv: &str, progress: &mut dyn FnMut(usize, usize)) -> ImportReport;

    fn sales_report(&self) -> SalesReport;
    fn sales_report_csv(&self) -> String;

    fn status(&self) -> LinkStatus;
    fn test_device(&self, name: &str) -> BackendResult<String>;

    /// Housekeeping while the lane waits for a customer, called on the status tick: the
    /// store's WAL checkpoint, so that it does not land inside the next sale's commit.
    fn idle(&self) {}
}
