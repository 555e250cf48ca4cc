//! Telling a keyboard-wedge barcode scanner from a person typing.
//!
//! A wedge scanner "types" the code in a burst (a few ms per key) and ends with Enter. The
//! app listens to every key press whatever widget has focus, feeds them here, and a burst
//! that ends in Enter becomes a scan, so a barcode lands in the cart even while the search
//! field or a dialog has focus. Time comes in as an argument so this stays pure.

use std::time::{Duration, Instant};

/// Keys further apart than this are a human typing.
pub const MAX_GAP: Duration = Duration::from_millis(40);
/// Shortest code we accept (EAN-8).
pub const MIN_LEN: usize = 8;
/// Longest code we keep; a longer burst is not a barcode.
pub const MAX_LEN: usize = 48;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WedgeKey {
    Char(char),
    Enter,
}

#[derive(Debug, Default, Clone)]
pub struct ScanWedge {
    buffer: String,
    last: Option<Instant>,
}

impl ScanWedge {
    /// Feeds one key press; returns the code when the key completes a scan.
    pub fn push(&mut self, key: WedgeKey, at: Instant) -> Option<String> {
        let in_burst = self
            .last
            .is_some_and(|last| at.saturating_duration_since(last) <= MAX_GAP);
        if !in_burst {
            self.buffer.clear();
        }
        self.last = Some(at);
        match key {
            WedgeKey::Char(c) if !c.is_control() && self.buffer.len() < MAX_LEN => {
                self.buffer.push(c);
                None
            }
            WedgeKey::Char(_) => None,
            WedgeKey::Enter => {
                let code = std::mem::take(&mut self.buffer);
                self.last = None;
                (in_burst && code.len() >= MIN_LEN).then_some(code)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(w: &mut ScanWedge, text: &str, start: Instant, gap_ms: u64) -> Option<String> {
        let mut at = start;
        for c in text.chars() {
            let _ = w.push(WedgeKey::Char(c), at);
            at += Duration::from_millis(gap_ms);
        }
        w.push(WedgeKey::Enter, at)
    }

    #[test]
    fn a_fast_burst_ending_in_enter_is_a_scan() {
        let mut w = ScanWedge::default();
        assert_eq!(
            feed(&mut w, "4006381333931", Instant::now(), 5),
            Some("4006381333931".into())
        );
    }

    #[test]
    fn slow_typing_is_not_a_scan() {
        let mut w = ScanWedge::default();
        assert_eq!(feed(&mut w, "4006381333931", Instant::now(), 120), None);
    }

    #[test]
    fn a_short_burst_is_not_a_scan() {
        let mut w = ScanWedge::default();
        assert_eq!(feed(&mut w, "1234", Instant::now(), 5), None);
    }

    #[test]
    fn a_pause_starts_a_new_burst() {
        let mut w = ScanWedge::default();
        let t0 = Instant::now();
        let _ = w.push(WedgeKey::Char('x'), t0);
        let t1 = t0 + Duration::from_secs(2);
        assert_eq!(feed(&mut w, "96385074", t1, 3), Some("96385074".into()));
    }
}
