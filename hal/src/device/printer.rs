//! Receipt printers: print jobs with ids that complete with an event, and a typed status.
//!
//! A job whose printer needs a person (paper out, cover open, offline) is *held*, not failed:
//! the cashier is told through [`PrinterEvent::Held`], and the job resumes where it stopped
//! once the printer recovers, so a receipt is never lost and never printed twice.

use std::fmt;

use super::{DeviceError, UposDevice};
use crate::receipt::Document;

/// Identifies one print job for its lifetime on this lane.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct JobId(pub u64);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "job {}", self.0)
    }
}

/// Paper roll sensor reading.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum PaperLevel {
    #[default]
    Adequate,
    NearEnd,
    Out,
}

/// A printer error that stops printing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PrinterFault {
    Autocutter,
    /// Needs a power cycle or service.
    Unrecoverable,
    /// Clears by itself (e.g. print head overheated).
    AutoRecoverable,
    Other,
}

/// Everything the printer reports about itself.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub struct PrinterStatus {
    pub offline: bool,
    pub cover_open: bool,
    pub paper: PaperLevel,
    /// Drawer kick connector pin 3 reports an open drawer.
    pub drawer_open: bool,
    pub feed_button: bool,
    pub fault: Option<PrinterFault>,
}

/// Why a printer cannot print right now, in the words the cashier needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Attention {
    PaperOut,
    CoverOpen,
    Fault(PrinterFault),
    Offline,
}

impl fmt::Display for Attention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attention::PaperOut => f.write_str("printer is out of paper"),
            Attention::CoverOpen => f.write_str("printer cover is open"),
            Attention::Fault(fault) => write!(f, "printer error ({fault:?})"),
            Attention::Offline => f.write_str("printer is offline"),
        }
    }
}

impl PrinterStatus {
    /// The most specific reason printing is stopped, or `None` when it can print.
    pub fn attention(&self) -> Option<Attention> {
        if self.paper == PaperLevel::Out {
            Some(Attention::PaperOut)
        } else if self.cover_open {
            Some(Attention::CoverOpen)
        } else if let Some(fault) = self.fault {
            Some(Attention::Fault(fault))
        } else if self.offline {
            Some(Attention::Offline)
        } else {
            None
        }
    }
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum JobState {
    Queued,
    Printing,
    Held(Attention),
    Completed,
}

/// What a printer tells the lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PrinterEvent {
    /// The job stopped; tell the cashier why.
    Held {
        job: JobId,
        reason: Attention,
    },
    /// The printer recovered and the job continues where it stopped.
    Resumed {
        job: JobId,
    },
    Completed {
        job: JobId,
    },
    /// Paper is running low: print on, but ask for a new roll.
    PaperNearEnd,
    DrawerOpened,
    DrawerClosed,
}

/// A receipt printer. `print` queues; `poll` moves the queue forward and reports events, so
/// the caller's thread decides when I/O happens.
pub trait ReceiptPrinter: UposDevice {
    fn print(&mut self, document: &Document) -> Result<JobId, DeviceError>;
    fn job_state(&self, job: JobId) -> Option<JobState>;
    /// Queries the printer's real-time status.
    fn status(&mut self) -> Result<PrinterStatus, DeviceError>;
    /// Sends what the printer can take now, checks status, and returns what changed.
    fn poll(&mut self) -> Result<Vec<PrinterEvent>, DeviceError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attention_names_the_most_specific_cause() {
        let mut status = PrinterStatus {
            offline: true,
            cover_open: true,
            ..Default::default()
        };
        assert_eq!(status.attention(), Some(Attention::CoverOpen));
        status.paper = PaperLevel::Out;
        assert_eq!(status.attention(), Some(Attention::PaperOut));
        let near_end = PrinterStatus {
            paper: PaperLevel::NearEnd,
            ..Default::default()
        };
        assert_eq!(near_end.attention(), None);
        let offline = PrinterStatus {
            offline: true,
            ..Default::default()
        };
        assert_eq!(offline.attention(), Some(Attention::Offline));
    }
}
