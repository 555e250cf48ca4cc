//! The `[sync]` section of `pos.toml`: where HQ is, the lane's token, and the worker's tuning.

use super::backoff::Backoff;
use super::pusher::PushPolicy;
use super::worker::WorkerSettings;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    /// `http://HOST:PORT` of HQ; empty turns sync off.
    pub hq_url: String,
    /// This lane's token as `pos hq add-lane` printed it.
    pub lane_token: String,
    pub timeout_ms: u64,
    pub min_batch: usize,
    pub max_batch: usize,
    pub initial_batch: usize,
    /// An answer slower than this halves the batch size.
    pub slow_answer_ms: u64,
    pub backoff_base_ms: u64,
    pub backoff_cap_ms: u64,
    pub idle_poll_ms: u64,
    pub pull_limit: usize,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            hq_url: String::new(),
            lane_token: String::new(),
            timeout_ms: 10_000,
            min_batch: 1,
            max_batch: 2_000,
            initial_batch: 100,
            slow_answer_ms: 2_000,
            backoff_base_ms: 500,
            backoff_cap_ms: 60_000,
            idle_poll_ms: 5_000,
            pull_limit: 1_000,
        }
    }
}

impl std::fmt::Debug for SyncConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncConfig")
            .field("hq_url", &self.hq_url)
            .field(
                "lane_token",
                &if self.lane_token.is_empty() {
                    ""
                } else {
                    "<redacted>"
                },
            )
            .field("timeout_ms", &self.timeout_ms)
            .field(
                "batch",
                &(self.min_batch, self.initial_batch, self.max_batch),
            )
            .field("backoff_ms", &(self.backoff_base_ms, self.backoff_cap_ms))
            .finish_non_exhaustive()
    }
}

impl SyncConfig {
    pub fn enabled(&self) -> bool {
        !self.hq_url.is_empty()
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    pub fn worker_settings(&self, lane_id: &str) -> WorkerSettings {
        WorkerSettings {
            lane_id: lane_id.to_owned(),
            policy: PushPolicy {
                min_batch: self.min_batch,
                max_batch: self.max_batch,
                initial_batch: self.initial_batch,
                slow_answer: Duration::from_millis(self.slow_answer_ms),
                backoff: Backoff {
                    base: Duration::from_millis(self.backoff_base_ms),
                    cap: Duration::from_millis(self.backoff_cap_ms),
                },
            },
            pull_limit: self.pull_limit,
            idle_poll: Duration::from_millis(self.idle_poll_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_section_keeps_the_defaults_and_hides_the_token() {
        let cfg: SyncConfig =
            toml::from_str("hq_url = \"http://hq:8080\"\nlane_token = \"abc123\"\nmax_batch = 50")
                .unwrap();
        assert!(cfg.enabled());
        assert_eq!(cfg.max_batch, 50);
        assert_eq!(cfg.timeout_ms, 10_000);
        assert!(!format!("{cfg:?}").contains("abc123"));
        assert!(
            toml::from_str::<SyncConfig>("hq_ur = \"x\"").is_err(),
            "typos are refused"
        );
    }
}
