//! What the kernel is told: the terminal's configuration (supported AIDs and their action
//! codes and limits, capabilities, CA keys) and one transaction's parameters.

use crate::emv::ca::CaKeyTable;

/// One application the terminal supports (EMV Book 4 terminal data per AID).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AidConfig {
    pub aid: Vec<u8>,
    /// Accept card AIDs that start with this one (partial selection).
    pub partial: bool,
    pub app_version: [u8; 2],
    pub tac_default: [u8; 5],
    pub tac_denial: [u8; 5],
    pub tac_online: [u8; 5],
    /// Amounts in minor units of the transaction currency.
    pub floor_limit: u64,
    pub random_threshold: u64,
    pub random_target_percent: u8,
    pub random_max_target_percent: u8,
    /// Default DDOL when the card has none.
    pub default_ddol: Vec<u8>,
    /// Contactless limits (minor units): above the transaction limit → try another interface;
    /// above the floor limit → online; above the CVM limit → cardholder verification.
    pub cl_transaction_limit: u64,
    pub cl_floor_limit: u64,
    pub cl_cvm_limit: u64,
}

impl AidConfig {
    /// Sensible test defaults for an AID (Visa-like action codes).
    pub fn new(aid: &[u8]) -> AidConfig {
        AidConfig {
            aid: aid.to_vec(),
            partial: true,
            app_version: [0x00, 0x96],
            tac_default: [0xDC, 0x40, 0x00, 0xA8, 0x00],
            tac_denial: [0x00, 0x10, 0x00, 0x00, 0x00],
            tac_online: [0xDC, 0x40, 0x04, 0xF8, 0x00],
            floor_limit: 0,
            random_threshold: 0,
            random_target_percent: 0,
            random_max_target_percent: 0,
            default_ddol: vec![0x9F, 0x37, 0x04],
            cl_transaction_limit: 1_000_000,
            cl_floor_limit: 50_00,
            cl_cvm_limit: 50_00,
        }
    }
}

/// The terminal's configuration, shared by all transactions.
#[derive(Debug, Clone)]
pub struct TerminalConfig {
    pub aids: Vec<AidConfig>,
    pub ca: CaKeyTable,
    pub country: [u8; 2],
    /// 9F35: `22` attended, online with offline capability.
    pub terminal_type: u8,
    /// 9F33 byte 2 says which CVMs the terminal supports.
    pub capabilities: [u8; 3],
    pub additional_capabilities: [u8; 5],
    pub terminal_id: [u8; 8],
    /// Terminal transaction qualifiers for contactless (9F66) before pre-processing.
    pub ttq: [u8; 4],
    /// Full PANs (digits) on the exception (hot) file.
    pub exception_file: Vec<String>,
}

impl TerminalConfig {
    /// An attended online terminal supporting every CVM and SDA/DDA/CDA.
    pub fn new(aids: Vec<AidConfig>, ca: CaKeyTable) -> TerminalConfig {
        TerminalConfig {
            aids,
            ca,
            country: [0x02, 0x50],
            terminal_type: 0x22,
            capabilities: [0xE0, 0xF8, 0xC8],
            additional_capabilities: [0x60, 0x00, 0xF0, 0xA0, 0x01],
            terminal_id: *b"POS00001",
            ttq: [0x36, 0x00, 0x40, 0x00],
            exception_file: Vec::new(),
        }
    }
}

/// The card interface a transaction runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interface {
    Contact,
    Contactless,
}

/// One transaction's inputs. Randomness (the unpredictable number, the random-selection draw)
/// comes from the caller so the kernel stays deterministic and replayable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionParams {
    pub interface: Interface,
    /// Minor units.
    pub amount: u64,
    pub amount_other: u64,
    /// ISO 4217 numeric, BCD (`0978` = EUR).
    pub currency: [u8; 2],
    pub currency_exponent: u8,
    /// `YYMMDD` BCD.
    pub date: [u8; 3],
    /// `HHMMSS` BCD.
    pub time: [u8; 3],
    /// 9C: `00` purchase, `20` refund.
    pub transaction_type: u8,
    pub unpredictable_number: [u8; 4],
    /// 0–99, drawn by the caller for random transaction selection.
    pub random_percent: u8,
    pub force_online: bool,
}
