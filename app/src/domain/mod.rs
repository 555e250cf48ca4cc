//! The shop's domain: money, barcodes, catalogue items, tax, the cart, tenders, refunds and
//! customers. Pure Rust with no I/O: the store, services, UI and CLI build on these types.

pub mod barcode;
pub mod cart;
pub mod catalog;
pub mod customer;
pub mod money;
pub mod refund;
#[cfg(test)]
mod robustness;
pub mod rules;
#[cfg(test)]
mod tables;
pub mod tax;
pub mod tender;

pub use barcode::{EmbeddedRule, EmbeddedRules, Gtin, Scan};
pub use cart::{Cart, CartLine, Discount, Totals};
pub use catalog::{Item, TaxClass, Unit};
pub use money::{Currency, Money, RoundingMode};
pub use rules::SaleRules;
pub use tax::{RoundingPlacement, TaxMode, TaxRate, TaxTable};
pub use tender::{CashRounding, Payment, TenderKind};
