//! The card side of a simulated smart card: anything that answers APDUs.
//!
//! A [`CardModel`] is plugged into a transport — the vpcd socket (so the real pcscd sees a
//! card) or the in-process simulated reader (for fast unit tests) — and never does I/O itself.

/// A smart card as seen from its contacts (or its antenna).
pub trait CardModel: Send {
    /// Answer to reset, sent when the reader powers the card (or the field is switched on).
    fn atr(&self) -> Vec<u8>;

    /// Called on power on / reset: the card loses its volatile state (selected application,
    /// transaction in progress).
    fn reset(&mut self);

    /// One command APDU in, one response APDU (data ‖ SW1 SW2) out.
    fn process_apdu(&mut self, command: &[u8]) -> Vec<u8>;
}
