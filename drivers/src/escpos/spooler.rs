//! The print spooler: jobs with ids go out segment by segment; between segments a real-time
//! status query (`DLE EOT`) checks the printer. Paper out, cover open, an error or a silent
//! link *hold* the job (event [`PrinterEvent::Held`]); when the printer recovers the job
//! continues from the first segment not yet sent ([`PrinterEvent::Resumed`]). Segments the
//! printer already took are printed by the printer itself once it recovers, so nothing is
//! lost and nothing is sent twice. A job completes ([`PrinterEvent::Completed`]) when all its
//! segments are out and the printer reports ready.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use pos_hal::device::printer::{
    Attention, JobId, JobState, PaperLevel, PrinterEvent, PrinterStatus,
};

use super::encode::realtime_status;
use super::status::{DrawerWiring, Reply, ReplySplitter, apply_realtime, parse_asb};
use crate::pipe::{BytePipe, PipeError};

/// Spooler tuning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpoolerConfig {
    /// Segments sent between two status checks.
    pub segments_per_check: usize,
    /// How long to wait for a status reply.
    pub status_timeout: Duration,
    pub wiring: DrawerWiring,
}

impl Default for SpoolerConfig {
    fn default() -> Self {
        Self {
            segments_per_check: 4,
            status_timeout: Duration::from_secs(2),
            wiring: DrawerWiring {
                open_when_high: true,
            },
        }
    }
}

#[derive(Debug)]
struct Job {
    id: JobId,
    segments: Vec<Vec<u8>>,
    next: usize,
    state: JobState,
}

/// Jobs waiting for, or on, one printer.
#[derive(Debug, Default)]
pub struct Spooler {
    config: SpoolerConfig,
    jobs: VecDeque<Job>,
    finished: HashMap<JobId, JobState>,
    next_id: u64,
    last_status: Option<PrinterStatus>,
    replies: ReplySplitter,
}

impl Spooler {
    pub fn new(config: SpoolerConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// Queues a job (ESC/POS segments) and returns its id.
    pub fn submit(&mut self, segments: Vec<Vec<u8>>) -> JobId {
        self.next_id += 1;
        let id = JobId(self.next_id);
        self.jobs.push_back(Job {
            id,
            segments,
            next: 0,
            state: JobState::Queued,
        });
        id
    }

    pub fn job_state(&self, id: JobId) -> Option<JobState> {
        self.jobs
            .iter()
            .find(|j| j.id == id)
            .map(|j| j.state)
            .or_else(|| self.finished.get(&id).copied())
    }

    pub fn pending_jobs(&self) -> usize {
        self.jobs.len()
    }

    /// True while a job is part-sent (the printer holds some of its bytes).
    pub fn in_progress(&self) -> bool {
        self.jobs.front().is_some_and(|j| j.next > 0)
    }

    pub fn last_status(&self) -> Option<PrinterStatus> {
        self.last_status
    }

    /// Asks the printer for DLE EOT 1, 2, 4 (and 3 when it reports an error).
    pub fn query_status(&mut self, pipe: &mut dyn BytePipe) -> Result<PrinterStatus, PipeError> {
        let mut status = self.last_status.unwrap_or_default();
        status.fault = None;
        for n in [1u8, 2, 4] {
            let byte = self.realtime(pipe, n)?;
            let _ = apply_realtime(&mut status, n, byte, self.config.wiring);
        }
        if status.fault.is_some() {
            let byte = self.realtime(pipe, 3)?;
            let _ = apply_realtime(&mut status, 3, byte, self.config.wiring);
        }
        Ok(status)
    }

    fn realtime(&mut self, pipe: &mut dyn BytePipe, n: u8) -> Result<u8, PipeError> {
        pipe.write_all(&realtime_status(n))?;
        let deadline = Instant::now() + self.config.status_timeout;
        let mut buf = [0u8; 64];
        loop {
            while let Some(reply) = self.replies.next_reply() {
                match reply {
                    Ok(Reply::Realtime(byte)) => return Ok(byte),
                    Ok(Reply::Asb(block)) => {
                        if let Ok(status) = parse_asb(block, self.config.wiring) {
                            tracing::debug!(?status, "automatic status back");
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "printer sent a byte outside its protocol")
                    }
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(PipeError::Timeout);
            }
            let got = pipe.read(&mut buf, left)?;
            self.replies.push(&buf[..got]);
        }
    }

    fn note_status(&mut self, status: PrinterStatus, events: &mut Vec<PrinterEvent>) {
        let before = self.last_status.unwrap_or_default();
        if status.drawer_open != before.drawer_open
            || self.last_status.is_none() && status.drawer_open
        {
            events.push(if status.drawer_open {
                PrinterEvent::DrawerOpened
            } else {
                PrinterEvent::DrawerClosed
            });
        }
        if status.paper == PaperLevel::NearEnd && before.paper != PaperLevel::NearEnd {
            events.push(PrinterEvent::PaperNearEnd);
        }
        self.last_status = Some(status);
    }

    fn hold_front(&mut self, reason: Attention, events: &mut Vec<PrinterEvent>) {
        if let Some(job) = self.jobs.front_mut()
            && job.state != JobState::Held(reason)
        {
            job.state = JobState::Held(reason);
            tracing::info!(job = job.id.0, %reason, "print job held");
            events.push(PrinterEvent::Held {
                job: job.id,
                reason,
            });
        }
    }

    /// Moves the queue forward as far as the printer allows and returns what happened. Link
    /// failures hold the job (as offline) and are not errors: the next poll retries.
    pub fn poll(&mut self, pipe: &mut dyn BytePipe) -> Vec<PrinterEvent> {
        let mut events = Vec::new();
        let mut status = match self.query_status(pipe) {
            Ok(status) => status,
            Err(e) => {
                // Replies that arrive late must not answer the next query.
                self.replies = ReplySplitter::default();
                tracing::warn!(pipe = %pipe.describe(), error = %e, "printer not answering");
                self.hold_front(Attention::Offline, &mut events);
                let _ = pipe.connect();
                return events;
            }
        };
        self.note_status(status, &mut events);
        while let Some(job) = self.jobs.front_mut() {
            if let Some(reason) = status.attention() {
                self.hold_front(reason, &mut events);
                break;
            }
            if matches!(job.state, JobState::Held(_)) {
                tracing::info!(job = job.id.0, "print job resumed");
                events.push(PrinterEvent::Resumed { job: job.id });
            }
            if job.next == job.segments.len() {
                let id = job.id;
                self.jobs.pop_front();
                self.finished.insert(id, JobState::Completed);
                events.push(PrinterEvent::Completed { job: id });
                continue;
            }
            job.state = JobState::Printing;
            let end = (job.next + self.config.segments_per_check.max(1)).min(job.segments.len());
            let mut link_lost = false;
            while job.next < end {
                if let Err(e) = pipe.write_all(&job.segments[job.next]) {
                    tracing::warn!(job = job.id.0, error = %e, "printer link lost while sending");
                    link_lost = true;
                    break;
                }
                job.next += 1;
            }
            if link_lost {
                self.hold_front(Attention::Offline, &mut events);
                let _ = pipe.connect();
                break;
            }
            status = match self.query_status(pipe) {
                Ok(s) => s,
                Err(_) => {
                    self.replies = ReplySplitter::default();
                    self.hold_front(Attention::Offline, &mut events);
                    break;
                }
            };
            self.note_status(status, &mut events);
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An in-memory printer: records bytes, answers DLE EOT from a scripted status.
    struct FakePipe {
        written: Vec<u8>,
        replies: VecDeque<u8>,
        paper_out: bool,
        silent: bool,
    }

    impl BytePipe for FakePipe {
        fn connect(&mut self) -> Result<(), PipeError> {
            Ok(())
        }
        fn write_all(&mut self, data: &[u8]) -> Result<(), PipeError> {
            if let [0x10, 0x04, n] = data {
                let byte = match n {
                    1 if self.paper_out => 0x1a,
                    2 if self.paper_out => 0x32,
                    4 if self.paper_out => 0x7e,
                    _ => 0x12,
                };
                self.replies.push_back(byte);
            } else {
                self.written.extend_from_slice(data);
            }
            Ok(())
        }
        fn read(&mut self, buf: &mut [u8], _timeout: Duration) -> Result<usize, PipeError> {
            if self.silent {
                return Err(PipeError::Timeout);
            }
            match self.replies.pop_front() {
                Some(b) => {
                    buf[0] = b;
                    Ok(1)
                }
                None => Err(PipeError::Timeout),
            }
        }
        fn describe(&self) -> String {
            "fake".into()
        }
    }

    #[test]
    fn paper_out_holds_then_resumes_without_resending() {
        let mut pipe = FakePipe {
            written: vec![],
            replies: VecDeque::new(),
            paper_out: false,
            silent: false,
        };
        let config = SpoolerConfig {
            segments_per_check: 1,
            ..SpoolerConfig::default()
        };
        let mut spooler = Spooler::new(config);
        let segments: Vec<Vec<u8>> = (0..4u8).map(|i| vec![b'a' + i, b'\n']).collect();
        let job = spooler.submit(segments.clone());

        pipe.paper_out = true;
        let events = spooler.poll(&mut pipe);
        assert_eq!(
            events,
            vec![PrinterEvent::Held {
                job,
                reason: Attention::PaperOut
            }]
        );
        assert_eq!(spooler.poll(&mut pipe), vec![], "held is reported once");
        assert!(pipe.written.is_empty());

        pipe.paper_out = false;
        let events = spooler.poll(&mut pipe);
        assert_eq!(
            events,
            vec![
                PrinterEvent::Resumed { job },
                PrinterEvent::Completed { job }
            ]
        );
        assert_eq!(pipe.written, segments.concat());
        assert_eq!(spooler.job_state(job), Some(JobState::Completed));
    }

    #[test]
    fn silent_printer_holds_the_job_as_offline() {
        let mut pipe = FakePipe {
            written: vec![],
            replies: VecDeque::new(),
            paper_out: false,
            silent: true,
        };
        let mut spooler = Spooler::new(SpoolerConfig {
            status_timeout: Duration::from_millis(1),
            ..Default::default()
        });
        let job = spooler.submit(vec![b"x\n".to_vec()]);
        assert_eq!(
            spooler.poll(&mut pipe),
            vec![PrinterEvent::Held {
                job,
                reason: Attention::Offline
            }]
        );
        assert_eq!(
            spooler.job_state(job),
            Some(JobState::Held(Attention::Offline))
        );
        pipe.silent = false;
        assert_eq!(
            spooler.poll(&mut pipe),
            vec![
                PrinterEvent::Resumed { job },
                PrinterEvent::Completed { job }
            ]
        );
        assert_eq!(pipe.written, b"x\n");
    }
}
