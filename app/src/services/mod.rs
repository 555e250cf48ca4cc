//! The application services: what the touchscreen UI and the CLI both call. A [`Lane`] is
//! one terminal's session over its store: who is logged in, the open shift, the cart being
//! rung up and its tenders. Manager approval is enforced HERE, whatever the caller.

mod card;
mod catalog;
mod error;
mod receipts;
mod refunds;
mod sale;
mod setup;
mod shift;
mod tax_rates;

pub use card::{CardError, CardRefund};
pub use error::{ErrorKind, ManagerAction, ServiceError};
pub use receipts::{ReceiptConfig, ReceiptCopy, layout, sale_receipt};
pub use sale::{CardDetails, Receipt, Tender};
pub use setup::{DEMO_CATALOG, DEMO_USERS, DemoUser, tax_table, tax_table_with};

use crate::config::Config;
use crate::domain::barcode::EmbeddedRules;
use crate::domain::cart::Cart;
use crate::domain::customer::LoyaltyRule;
use crate::domain::money::Currency;
use crate::domain::tax::TaxTable;
use crate::domain::tender::CashRounding;
use crate::store::{LoginOutcome, Role, Store, UserRow};
use std::path::Path;

/// One terminal's session.
#[derive(Debug)]
pub struct Lane {
    store: Store,
    config: Config,
    currency: Currency,
    tax: TaxTable,
    embedded: EmbeddedRules,
    cash_rounding: CashRounding,
    loyalty: LoyaltyRule,
    user: Option<UserRow>,
    cart: Cart,
    tenders: Vec<Tender>,
    /// The acquirer link for card tenders (absent: cash and other tenders only).
    payment: Option<crate::payment::PaymentLink>,
    emv_terminal: Option<std::sync::Arc<pos_hal::emv::kernel::TerminalConfig>>,
}

impl Lane {
    /// Opens the lane on the database in `data_dir` (created if absent) with `config`.
    pub fn open(data_dir: &Path, config: Config) -> Result<Lane, ServiceError> {
        std::fs::create_dir_all(data_dir).map_err(crate::store::StoreError::from)?;
        let store = Store::open(&data_dir.join(crate::store::DB_FILE))?;
        Lane::with_store(store, config)
    }

    /// A lane over an already open store.
    pub fn with_store(store: Store, config: Config) -> Result<Lane, ServiceError> {
        let currency = Currency::from_code(&config.lane.currency)
            .map_err(|e| ServiceError::Config(format!("lane.currency: {e}")))?;
        // pos.toml's [tax], with HQ's published rates over it.
        let tax = tax_rates::load_tax_table(&config, &store)?;
        let cash_rounding = if config.lane.cash_rounding <= currency.smallest_unit() {
            CashRounding::default()
        } else {
            CashRounding::to(config.lane.cash_rounding)
        };
        cash_rounding
            .validate(currency)
            .map_err(|e| ServiceError::Config(format!("lane.cash_rounding: {e}")))?;
        let loyalty = LoyaltyRule {
            points: config.lane.loyalty_points_per_unit,
            per: rust_decimal::Decimal::ONE,
        };
        Ok(Lane {
            store,
            config,
            currency,
            tax,
            embedded: EmbeddedRules::common(),
            cash_rounding,
            loyalty,
            user: None,
            cart: Cart::new(currency),
            tenders: Vec::new(),
            payment: None,
            emv_terminal: None,
        })
    }

    /// The settings in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The store underneath, read-only (reports, receipts, tests).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The lane's currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Logs a user in with their PIN (lockout after repeated failures).
    pub fn login(&mut self, name: &str, pin: &str) -> Result<UserRow, ServiceError> {
        let lockout = time::Duration::minutes(self.config.lane.lockout_minutes);
        match self
            .store
            .login(name, pin, self.config.lane.max_pin_attempts, lockout)?
        {
            LoginOutcome::Ok(user) => {
                tracing::info!(user = %user.name, "login");
                self.user = Some(user.clone());
                Ok(user)
            }
            LoginOutcome::WrongPin { attempts_left } => {
                Err(ServiceError::WrongPin { attempts_left })
            }
            LoginOutcome::Locked { until } => Err(ServiceError::Locked { until }),
            LoginOutcome::UnknownUser => Err(ServiceError::UnknownUser),
        }
    }

    /// Ends the session (the cart stays for the next login, as on a real lane).
    pub fn logout(&mut self) {
        self.user = None;
    }

    /// Who is logged in.
    pub fn user(&self) -> Option<&UserRow> {
        self.user.as_ref()
    }

    fn require_user(&self) -> Result<&UserRow, ServiceError> {
        self.user.as_ref().ok_or(ServiceError::NotLoggedIn)
    }

    /// Checks that `action` may go ahead: a logged-in manager approves it themself; a cashier
    /// needs a manager's PIN. Returns the approving manager's id, which the action records in
    /// its own journal entry (so a refused action leaves nothing behind).
    pub fn authorize(
        &mut self,
        action: ManagerAction,
        manager_pin: Option<&str>,
    ) -> Result<i64, ServiceError> {
        let user = self.require_user()?.clone();
        if user.role == Role::Manager {
            return Ok(user.id);
        }
        let pin = manager_pin.ok_or(ServiceError::ApprovalRequired(action))?;
        let manager = self
            .store
            .manager_by_pin(pin)?
            .ok_or(ServiceError::BadApproval)?;
        tracing::info!(action = %action, manager = %manager.name, "manager approval");
        Ok(manager.id)
    }

    /// Every user (for the login tiles).
    pub fn users(&self) -> Result<Vec<UserRow>, ServiceError> {
        Ok(self.store.users()?)
    }

    /// Adds a user: managers only.
    pub fn add_user(
        &mut self,
        name: &str,
        role: Role,
        pin: &str,
        manager_pin: Option<&str>,
    ) -> Result<i64, ServiceError> {
        self.authorize(ManagerAction::UserAdmin, manager_pin)?;
        Ok(self.store.add_user(name, role, pin)?)
    }

    /// Creates the first manager of an empty store (set-up only; refused once users exist).
    pub fn add_first_manager(&mut self, name: &str, pin: &str) -> Result<i64, ServiceError> {
        if !self.store.users()?.is_empty() {
            return Err(crate::store::StoreError::Refused(
                "users exist already; log in as a manager".into(),
            )
            .into());
        }
        Ok(self.store.add_user(name, Role::Manager, pin)?)
    }

    /// Adds a customer (any logged-in user).
    pub fn add_customer(
        &mut self,
        id: &str,
        name: &str,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Result<(), ServiceError> {
        self.require_user()?;
        Ok(self.store.add_customer(id, name, email, phone)?)
    }
}

#[cfg(test)]
mod tests;
