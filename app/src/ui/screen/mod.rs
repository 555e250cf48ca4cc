//! One module per screen. Each has its own state, `Message`, and an outward `Event` that
//! the app shell acts on (navigation, session changes); `update` returns `Option<Event>`.

pub mod checkout;
pub mod inventory;
pub mod login;
pub mod payment;
pub mod refund;
pub mod reports;
pub mod settings;
pub mod shift;

use super::backend::{LaneInfo, UserTile};

/// What every view may need besides its own state.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub lane: &'a LaneInfo,
    pub user: Option<&'a UserTile>,
    /// 1920x1080-class window: more tile columns, wider cart.
    pub wide: bool,
}

impl Ctx<'_> {
    pub fn money(&self, amount: rust_decimal::Decimal) -> String {
        super::widget::money(amount, &self.lane.currency)
    }
}
