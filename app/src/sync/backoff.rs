//! Exponential backoff with jitter, so that lanes coming back after an HQ outage do not all
//! retry in the same instant. Pure: the caller hands in the random source.

use rand::Rng;
use std::time::Duration;

/// Delays grow as `base * 2^failures` up to `cap`; each wait is drawn uniformly from the upper
/// half of that ("equal jitter"): never zero, never more than the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Backoff {
    /// The wait before retry number `failures` (1 after the first failure).
    pub fn delay(&self, failures: u32, rng: &mut impl Rng) -> Duration {
        let exponent = failures.saturating_sub(1).min(31);
        let grown = self.base.saturating_mul(1_u32 << exponent);
        let ceiling = grown.min(self.cap);
        let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        let half = ceiling_ms / 2;
        Duration::from_millis(half + rng.gen_range(0..=ceiling_ms - half))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    const POLICY: Backoff = Backoff {
        base: Duration::from_millis(100),
        cap: Duration::from_secs(10),
    };

    #[test]
    fn delays_double_within_their_jitter_window_and_stop_at_the_cap() {
        let mut rng = StdRng::seed_from_u64(7);
        for failures in 1..=20_u32 {
            let ceiling = (100_u64 << (failures - 1).min(20)).min(10_000);
            for _ in 0..50 {
                let ms = u64::try_from(POLICY.delay(failures, &mut rng).as_millis()).unwrap();
                assert!(
                    ms >= ceiling / 2 && ms <= ceiling,
                    "{failures}: {ms} vs {ceiling}"
                );
            }
        }
    }

    #[test]
    fn jitter_spreads_lanes_apart() {
        let mut rng = StdRng::seed_from_u64(1);
        let draws: std::collections::HashSet<_> =
            (0..20).map(|_| POLICY.delay(5, &mut rng)).collect();
        assert!(draws.len() > 10);
    }

    #[test]
    fn huge_failure_counts_do_not_overflow() {
        let mut rng = StdRng::seed_from_u64(3);
        assert!(POLICY.delay(u32::MAX, &mut rng) <= POLICY.cap);
    }
}
