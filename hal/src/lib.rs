//! `pos-hal`: what a point-of-sale device *is*, independent of how it is reached.
//!
//! - [`device`]: the UnifiedPOS lifecycle, typed device errors, and one trait per device
//!   category (card reader, magstripe reader, scanner, printer, drawer, line display).
//! - [`iso7816`]: command/response APDUs and status words, plus the T=0 transport rules.
//! - [`tlv`]: BER-TLV and data object lists as EMV uses them.
//! - [`emv`]: the EMV level-2 kernel, sans-IO.
//! - [`receipt`]: a receipt as a document, independent of any printer.
//!
//! This crate depends on no hardware library: drivers implement its traits.

pub mod device;
pub mod emv;
pub mod hexutil;
pub mod iso7816;
pub mod receipt;
pub mod tlv;
