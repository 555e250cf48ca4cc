//! The acquirer link's start-up recovery, run in the background when the touchscreen starts:
//! reversals left pending and store-and-forward advices queued by a lane that stopped (or was
//! killed) go out at once, not at the first card tender. The UI never waits for it; the status
//! bar shows "recovering" meanwhile. The first card payment takes the recovered link (waiting
//! on its worker thread if the recovery is still running), so recovery runs exactly once.

use crate::config::Config;
use crate::payment::PaymentLink;
use crate::payment::flow_reader::link_from_config;
use crate::payment::outcome::RecoveryReport;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Where the start-up recovery stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoveryState {
    Running,
    /// Finished; `reversals.pending` / `advices.remaining` left for the next attempt.
    Done(RecoveryReport),
    /// The link could not be built or recovery failed (the first card payment tries again).
    Failed(String),
}

#[derive(Debug)]
struct Slot {
    state: RecoveryState,
    /// The recovered link, until the first card payment takes it.
    link: Option<PaymentLink>,
}

/// The background recovery and the link it leaves behind.
#[derive(Debug)]
pub struct StartRecovery {
    slot: Mutex<Slot>,
    finished: Condvar,
}

impl StartRecovery {
    /// Starts the recovery on its own thread for the lane whose database is `db_path`.
    pub fn spawn(config: &Config, db_path: &Path) -> Arc<StartRecovery> {
        let recovery = Arc::new(StartRecovery {
            slot: Mutex::new(Slot {
                state: RecoveryState::Running,
                link: None,
            }),
            finished: Condvar::new(),
        });
        let (config, db_path) = (config.clone(), db_path.to_path_buf());
        let worker = Arc::clone(&recovery);
        let spawned = std::thread::Builder::new()
            .name("acquirer-recovery".into())
            .spawn(move || worker.run(&config, &db_path));
        if let Err(e) = spawned {
            recovery.finish(RecoveryState::Failed(format!("cannot start: {e}")), None);
        }
        recovery
    }

    fn run(&self, config: &Config, db_path: &Path) {
        let mut link = match link_from_config(config, db_path) {
            Ok(link) => link,
            Err(e) => {
                tracing::warn!(error = %e, "acquirer link at start");
                return self.finish(RecoveryState::Failed(e.to_string()), None);
            }
        };
        match link.recover(time::OffsetDateTime::now_utc()) {
            Ok(report) => {
                if report != RecoveryReport::default() {
                    tracing::warn!(?report, "acquirer recovery at touchscreen start");
                }
                self.finish(RecoveryState::Done(report), Some(link));
            }
            Err(e) => {
                tracing::warn!(error = %e, "acquirer recovery at touchscreen start");
                self.finish(RecoveryState::Failed(e.to_string()), None);
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn finish(&self, state: RecoveryState, link: Option<PaymentLink>) {
        let mut slot = self.lock();
        slot.state = state;
        slot.link = link;
        self.finished.notify_all();
    }

    pub fn state(&self) -> RecoveryState {
        self.lock().state.clone()
    }

    /// The recovered link, once the recovery has finished (waits for it); `None` when it
    /// failed or the link was taken already.
    pub fn take_link(&self) -> Option<PaymentLink> {
        let mut slot = self.lock();
        while slot.state == RecoveryState::Running {
            slot = self.finished.wait(slot).unwrap_or_else(|p| p.into_inner());
        }
        slot.link.take()
    }
}
