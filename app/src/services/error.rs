//! The services' typed error. Each variant says which of three families it belongs to, so
//! the CLI maps it to an exit code and the UI to a message, without matching on text.

use crate::domain::barcode::BarcodeError;
use crate::domain::cart::CartError;
use crate::domain::refund::RefundError;
use crate::domain::tender::TenderError;
use crate::store::StoreError;

/// Actions that need a manager (or a manager's PIN) when a cashier is logged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ManagerAction {
    Refund,
    VoidSale,
    PriceOverride,
    LargeDiscount,
    NoSaleDrawer,
    StockAdjustment,
    CatalogEdit,
    UserAdmin,
}

impl std::fmt::Display for ManagerAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ManagerAction::Refund => "a refund",
            ManagerAction::VoidSale => "voiding a completed sale",
            ManagerAction::PriceOverride => "a price override",
            ManagerAction::LargeDiscount => "a discount over the limit",
            ManagerAction::NoSaleDrawer => "opening the drawer without a sale",
            ManagerAction::StockAdjustment => "a stock adjustment",
            ManagerAction::CatalogEdit => "editing the catalog",
            ManagerAction::UserAdmin => "managing users",
        })
    }
}

/// What the services refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("nobody is logged in")]
    NotLoggedIn,
    #[error("unknown user or wrong PIN")]
    UnknownUser,
    #[error("wrong PIN ({attempts_left} attempts left)")]
    WrongPin { attempts_left: u32 },
    #[error("user is locked out until {until}")]
    Locked { until: String },
    #[error("{0} needs a manager's approval")]
    ApprovalRequired(ManagerAction),
    #[error("the manager PIN is not valid")]
    BadApproval,
    #[error("no open shift on this lane")]
    NoOpenShift,
    #[error("no item with {0}")]
    UnknownItem(String),
    #[error("the sale is not fully paid: {0} still due")]
    NotPaid(rust_decimal::Decimal),
    #[error("no held cart {0}")]
    NoSuchHold(i64),
    #[error("the cart is not empty")]
    CartNotEmpty,
    #[error(transparent)]
    Barcode(#[from] BarcodeError),
    #[error(transparent)]
    Cart(#[from] CartError),
    #[error(transparent)]
    Tender(#[from] TenderError),
    #[error(transparent)]
    Refund(#[from] RefundError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("configuration: {0}")]
    Config(String),
}

/// The three families the CLI's exit codes follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Refused by a business rule (exit 1).
    Refused,
    /// The caller's input is malformed (exit 2).
    BadInput,
    /// Stored data or the file system failed (exit 3).
    Data,
}

impl ServiceError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ServiceError::Barcode(_) => ErrorKind::BadInput,
            ServiceError::Store(e) if e.is_refusal() => ErrorKind::Refused,
            ServiceError::Store(StoreError::Invalid(_)) => ErrorKind::Data,
            ServiceError::Store(_) | ServiceError::Config(_) => ErrorKind::Data,
            ServiceError::Refund(RefundError::CorruptSale(_)) => ErrorKind::Data,
            _ => ErrorKind::Refused,
        }
    }
}
