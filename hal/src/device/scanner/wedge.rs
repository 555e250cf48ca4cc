//! Keyboard-wedge scanners type their data as keystrokes. [`WedgeDecoder`] tells a scan from a
//! person typing by timing (a scanner sends characters a few milliseconds apart; people need
//! tens of milliseconds) and, when configured, by a prefix the scanner is programmed to send.
//! Keys are held back only while they might be a scan, then released as typing — so a scan
//! always lands in the cart and never in a focused text field.

use std::time::Duration;

/// A key the decoder sees: a character, or the scanner's usual terminators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Char(char),
    Enter,
    Tab,
}

/// What the decoder hands on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WedgeOutput {
    /// Keys a person typed: deliver them to the focused widget, in order.
    Typed(Vec<Key>),
    /// A complete scan (prefix and terminator removed).
    Scan(String),
}

/// How the scanner is programmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WedgeConfig {
    /// Longest gap between two keys of one scan.
    pub max_gap: Duration,
    /// Fewer characters than this are typing, however fast.
    pub min_len: usize,
    /// Characters the scanner sends before the data (e.g. a control character); empty if none.
    pub prefix: String,
    /// The key that ends a scan.
    pub terminator: Key,
}

impl Default for WedgeConfig {
    fn default() -> Self {
        Self {
            max_gap: Duration::from_millis(30),
            min_len: 4,
            prefix: String::new(),
            terminator: Key::Enter,
        }
    }
}

/// Turns timestamped keys into typing and scans. Timestamps are any monotonic clock.
#[derive(Debug, Clone)]
pub struct WedgeDecoder {
    config: WedgeConfig,
    pending: Vec<Key>,
    last: Option<Duration>,
}

impl WedgeDecoder {
    pub fn new(config: WedgeConfig) -> Self {
        Self {
            config,
            pending: Vec::new(),
            last: None,
        }
    }

    fn prefix_keys(&self) -> Vec<Key> {
        self.config.prefix.chars().map(Key::Char).collect()
    }

    /// Feeds one key pressed at `at`; returns what can be decided now.
    pub fn key(&mut self, key: Key, at: Duration) -> Vec<WedgeOutput> {
        let mut out = Vec::new();
        let prefixed = self.has_prefix();
        if let Some(last) = self.last
            && !prefixed
            && at.saturating_sub(last) > self.config.max_gap
        {
            out.extend(self.flush_typed());
        }
        self.last = Some(at);
        if key == self.config.terminator {
            let prefix_len = if self.has_prefix() {
                self.config.prefix.chars().count()
            } else {
                0
            };
            let data_len = self.pending.len().saturating_sub(prefix_len);
            if (prefix_len > 0 || data_len >= self.config.min_len) && data_len > 0 {
                let data = self.pending[prefix_len..]
                    .iter()
                    .filter_map(|k| if let Key::Char(c) = k { Some(*c) } else { None })
                    .collect();
                self.pending.clear();
                self.last = None;
                out.push(WedgeOutput::Scan(data));
                return out;
            }
            self.pending.push(key);
            out.extend(self.flush_typed());
            return out;
        }
        self.pending.push(key);
        // A first key that cannot start the prefix is typing; do not hold it back.
        let prefix = self.prefix_keys();
        if !prefix.is_empty()
            && !prefix.starts_with(&self.pending[..self.pending.len().min(prefix.len())])
        {
            out.extend(self.flush_typed());
        }
        out
    }

    /// Releases held keys once the gap since the last key shows they were typed.
    pub fn tick(&mut self, now: Duration) -> Vec<WedgeOutput> {
        match self.last {
            Some(last) if now.saturating_sub(last) > self.config.max_gap && !self.has_prefix() => {
                self.flush_typed().into_iter().collect()
            }
            _ => Vec::new(),
        }
    }

    fn has_prefix(&self) -> bool {
        let prefix = self.prefix_keys();
        !prefix.is_empty() && self.pending.starts_with(&prefix)
    }

    fn flush_typed(&mut self) -> Option<WedgeOutput> {
        self.last = None;
        if self.pending.is_empty() {
            None
        } else {
            Some(WedgeOutput::Typed(std::mem::take(&mut self.pending)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(
        decoder: &mut WedgeDecoder,
        text: &str,
        start_ms: u64,
        gap_ms: u64,
    ) -> Vec<WedgeOutput> {
        let mut out = Vec::new();
        let mut t = start_ms;
        for c in text.chars() {
            let key = if c == '\n' { Key::Enter } else { Key::Char(c) };
            out.extend(decoder.key(key, Duration::from_millis(t)));
            t += gap_ms;
        }
        out
    }

    #[test]
    fn fast_burst_with_enter_is_a_scan() {
        let mut d = WedgeDecoder::new(WedgeConfig::default());
        assert_eq!(
            feed(&mut d, "4006381333931\n", 0, 8),
            vec![WedgeOutput::Scan("4006381333931".into())]
        );
    }

    #[test]
    fn slow_typing_is_released_as_typing() {
        let mut d = WedgeDecoder::new(WedgeConfig::default());
        let out = feed(&mut d, "12345\n", 0, 120);
        let typed: Vec<Key> = out
            .into_iter()
            .flat_map(|o| match o {
                WedgeOutput::Typed(keys) => keys,
                WedgeOutput::Scan(s) => panic!("typing taken for a scan: {s}"),
            })
            .collect();
        assert_eq!(typed.len(), 6);
        assert_eq!(typed[5], Key::Enter);
    }

    #[test]
    fn held_keys_are_released_after_the_gap() {
        let mut d = WedgeDecoder::new(WedgeConfig::default());
        assert!(d.key(Key::Char('a'), Duration::from_millis(0)).is_empty());
        assert!(d.tick(Duration::from_millis(10)).is_empty());
        assert_eq!(
            d.tick(Duration::from_millis(100)),
            vec![WedgeOutput::Typed(vec![Key::Char('a')])]
        );
    }

    #[test]
    fn a_short_fast_burst_is_not_a_scan() {
        let mut d = WedgeDecoder::new(WedgeConfig::default());
        assert!(matches!(
            feed(&mut d, "ab\n", 0, 5).as_slice(),
            [WedgeOutput::Typed(_)]
        ));
    }

    #[test]
    fn prefix_marks_a_scan_even_when_slow() {
        let config = WedgeConfig {
            prefix: "\u{2}".into(),
            ..WedgeConfig::default()
        };
        let mut d = WedgeDecoder::new(config);
        assert_eq!(
            feed(&mut d, "\u{2}123\n", 0, 200),
            vec![WedgeOutput::Scan("123".into())]
        );
        // Without the prefix a typed key goes straight through.
        assert_eq!(
            feed(&mut d, "x", 1000, 0),
            vec![WedgeOutput::Typed(vec![Key::Char('x')])]
        );
    }
}
