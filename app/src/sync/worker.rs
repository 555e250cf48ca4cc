//! The lane's sync worker: the thin shell that reads the outbox, sends through [`HqClient`],
//! lets the [`Pusher`] decide and writes the decision back; and pulls HQ's catalog changes.
//! Runs on its own thread or task; SQLite calls are short and local.

use super::client::{ClientError, HqClient};
use super::lane_store::{self, LaneStoreError};
use super::pusher::{PushDecision, PushPolicy, Pusher};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rusqlite::Connection;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tokio::sync::watch;

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Store(#[from] LaneStoreError),
    #[error("pull: {0}")]
    Pull(#[from] ClientError),
}

/// What the worker needs besides the database and the client.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub lane_id: String,
    pub policy: PushPolicy,
    /// Most changes asked for in one pull.
    pub pull_limit: usize,
    /// How often an idle worker looks at the outbox and pulls.
    pub idle_poll: Duration,
}

impl WorkerSettings {
    pub fn new(lane_id: &str) -> Self {
        WorkerSettings {
            lane_id: lane_id.to_owned(),
            policy: PushPolicy::default(),
            pull_limit: 1_000,
            idle_poll: Duration::from_secs(5),
        }
    }
}

/// What one push step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushStep {
    /// Nothing waits in the outbox.
    Empty,
    /// The head of the queue is backing off for this long still.
    NotDue(Duration),
    /// HQ holds this many more events.
    Delivered(usize),
    /// HQ refused this event for good; it is parked and the queue goes on.
    Parked {
        event_id: uuid::Uuid,
        reason: String,
    },
    /// The batch was not delivered; it is retried after `retry_in`.
    Failed {
        error: String,
        retry_in: Duration,
        permanent: bool,
    },
}

/// What `pos sync now` reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    pub delivered: usize,
    /// Events HQ refused for good during this run, now parked.
    pub parked: usize,
    pub catalog_version: i64,
    /// Set when the push stopped on a failure (the rest stays queued).
    pub push_error: Option<String>,
    pub pull_error: Option<String>,
}

#[derive(Debug)]
pub struct LaneWorker {
    conn: Connection,
    client: HqClient,
    pusher: Pusher,
    settings: WorkerSettings,
    rng: StdRng,
}

impl LaneWorker {
    pub fn new(conn: Connection, client: HqClient, settings: WorkerSettings) -> Self {
        LaneWorker {
            conn,
            client,
            pusher: Pusher::new(settings.policy),
            settings,
            rng: StdRng::from_entropy(),
        }
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn batch_size(&self) -> usize {
        self.pusher.batch_size()
    }

    /// Sends the head of the outbox once. `ignore_schedule` pushes even while backing off
    /// (`pos sync now`).
    pub async fn push_step(&mut self, ignore_schedule: bool) -> Result<PushStep, WorkerError> {
        let rows = match lane_store::pending(&self.conn, self.pusher.batch_size()) {
            Ok(rows) => rows,
            Err(e) => {
                lane_store::record_error(&self.conn, &e.to_string())?;
                return Err(e.into());
            }
        };
        let Some(head) = rows.first() else {
            return Ok(PushStep::Empty);
        };
        if !ignore_schedule {
            let now = OffsetDateTime::now_utc();
            if let Some(due) = head.next_attempt_at.filter(|due| *due > now) {
                let wait = Duration::try_from(due - now).unwrap_or(Duration::ZERO);
                return Ok(PushStep::NotDue(wait));
            }
        }
        let events = rows.into_iter().map(|r| r.event).collect();
        let batch = self.pusher.make_batch(&self.settings.lane_id, events);
        let outcome = self.client.push(&batch).await;
        match self.pusher.on_outcome(&batch, outcome, &mut self.rng) {
            PushDecision::Delivered { event_ids } => {
                lane_store::record_delivered(&mut self.conn, &event_ids)?;
                tracing::debug!(events = event_ids.len(), "pushed to HQ");
                Ok(PushStep::Delivered(event_ids.len()))
            }
            PushDecision::Park { event_id, reason } => {
                lane_store::park(&mut self.conn, event_id, &reason)?;
                tracing::warn!(%event_id, %reason, "HQ refused an event for good: parked");
                Ok(PushStep::Parked { event_id, reason })
            }
            PushDecision::Retry {
                error,
                retry_in,
                permanent,
            } => {
                let next = OffsetDateTime::now_utc() + retry_in;
                lane_store::record_failure(&mut self.conn, &batch.event_ids(), &error, next)?;
                tracing::warn!(%error, ?retry_in, permanent, "push to HQ failed");
                Ok(PushStep::Failed {
                    error,
                    retry_in,
                    permanent,
                })
            }
        }
    }

    /// Pulls until the lane holds HQ's latest catalog version; each response is applied in
    /// one transaction. Returns the version now held.
    pub async fn pull_all(&mut self) -> Result<i64, WorkerError> {
        loop {
            let since = lane_store::catalog_version(&self.conn)?;
            let response = self.client.pull(since, self.settings.pull_limit).await?;
            let version = lane_store::apply_pull(&mut self.conn, &response)?;
            if !response.has_more(since) || version == since {
                return Ok(version);
            }
        }
    }

    /// `pos sync now`: push until the queue is empty or a push fails, then pull.
    pub async fn sync_now(&mut self) -> Result<SyncReport, WorkerError> {
        let mut report = SyncReport::default();
        loop {
            match self.push_step(true).await? {
                PushStep::Delivered(n) => report.delivered += n,
                PushStep::Parked { .. } => report.parked += 1,
                PushStep::Failed { error, .. } => {
                    report.push_error = Some(error);
                    break;
                }
                PushStep::Empty | PushStep::NotDue(_) => break,
            }
        }
        match self.pull_all().await {
            Ok(version) => report.catalog_version = version,
            Err(e) => {
                let text = e.to_string();
                lane_store::record_error(&self.conn, &text)?;
                report.catalog_version = lane_store::catalog_version(&self.conn)?;
                report.pull_error = Some(text);
            }
        }
        Ok(report)
    }

    /// Runs until `stop` turns true: pushes as fast as HQ takes it, backs off on failure,
    /// pulls when idle (and at least every `idle_poll`).
    pub async fn run(&mut self, mut stop: watch::Receiver<bool>) {
        let mut last_pull: Option<Instant> = None;
        while !*stop.borrow() {
            let step = self.push_step(false).await;
            let pull_due = last_pull.is_none_or(|at| at.elapsed() >= self.settings.idle_poll);
            let wait = match step {
                Ok(PushStep::Delivered(_) | PushStep::Parked { .. }) => Duration::ZERO,
                Ok(PushStep::NotDue(wait)) => wait.min(self.settings.idle_poll),
                Ok(PushStep::Failed { retry_in, .. }) => retry_in,
                Ok(PushStep::Empty) => self.settings.idle_poll,
                Err(e) => {
                    tracing::error!(error = %e, "sync worker");
                    self.settings.idle_poll
                }
            };
            if pull_due {
                last_pull = Some(Instant::now());
                if let Err(e) = self.pull_all().await {
                    tracing::warn!(error = %e, "pull from HQ failed");
                    if let Err(e) = lane_store::record_error(&self.conn, &e.to_string()) {
                        tracing::error!(error = %e, "cannot record the pull failure");
                    }
                }
            }
            if wait > Duration::ZERO {
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }
}

/// A worker running on its own thread (the UI and a long-running lane use this); dropping the
/// handle stops it.
#[derive(Debug)]
pub struct WorkerThread {
    stop: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl WorkerThread {
    /// Starts `worker` on a new thread with its own single-threaded runtime.
    pub fn spawn(mut worker: LaneWorker) -> std::io::Result<WorkerThread> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (stop, stopped) = watch::channel(false);
        let thread = std::thread::Builder::new()
            .name("pos-sync".into())
            .spawn(move || runtime.block_on(worker.run(stopped)))?;
        Ok(WorkerThread {
            stop,
            thread: Some(thread),
        })
    }

    /// Asks the worker to stop and waits for it (an in-flight push finishes or times out).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        // The receiver is gone only if the thread already ended.
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("sync worker thread panicked");
        }
    }
}

impl Drop for WorkerThread {
    fn drop(&mut self) {
        self.shutdown();
    }
}
