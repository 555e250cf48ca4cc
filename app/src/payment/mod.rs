//! The card payment link below the EMV flow: authorizations with reversal safety,
//! store-and-forward advices, and settlement reconciled against the journal. Pure
//! decisions live in [`decision`] and [`settle`]; [`link`] is the I/O shell; [`store`]
//! the durable state.

pub mod decision;
pub mod link;
pub mod outcome;
pub mod settle;
pub mod store;

pub use link::{PaymentError, PaymentLink};
pub use outcome::{CardPayment, CompletionToken, Outcome, ReversalStatus};
