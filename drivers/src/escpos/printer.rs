//! An ESC/POS receipt printer with its cash drawer, over any [`BytePipe`]: the device the app
//! holds. Printing goes through the [`Spooler`]; the drawer is kicked through the printer.

use std::time::Duration;

use pos_hal::device::drawer::{CashDrawer, DrawerPin};
use pos_hal::device::printer::{JobId, JobState, PrinterEvent, PrinterStatus, ReceiptPrinter};
use pos_hal::device::{DeviceError, ErrorKind, Lifecycle, State, UposDevice};
use pos_hal::receipt::Document;

use super::encode;
use super::spooler::{Spooler, SpoolerConfig};
use crate::pipe::BytePipe;

/// A receipt printer speaking ESC/POS.
#[derive(Debug)]
pub struct EscPosPrinter<P: BytePipe> {
    life: Lifecycle,
    pipe: P,
    spooler: Spooler,
    pub drawer_pin: DrawerPin,
}

impl<P: BytePipe> EscPosPrinter<P> {
    pub fn new(name: impl Into<String>, pipe: P, config: SpoolerConfig) -> Self {
        Self {
            life: Lifecycle::new(name),
            pipe,
            spooler: Spooler::new(config),
            drawer_pin: DrawerPin::Pin2,
        }
    }

    pub fn pipe_mut(&mut self) -> &mut P {
        &mut self.pipe
    }

    /// Prints until the queue is empty or held, polling every `interval`, at most `limit`.
    pub fn flush(
        &mut self,
        interval: Duration,
        limit: Duration,
    ) -> Result<Vec<PrinterEvent>, DeviceError> {
        let deadline = std::time::Instant::now() + limit;
        let mut events = Vec::new();
        loop {
            events.extend(self.poll()?);
            if self.spooler.pending_jobs() == 0 || std::time::Instant::now() >= deadline {
                return Ok(events);
            }
            std::thread::sleep(interval);
        }
    }
}

impl<P: BytePipe> UposDevice for EscPosPrinter<P> {
    fn name(&self) -> &str {
        self.life.name()
    }
    fn state(&self) -> State {
        self.life.state()
    }
    fn open(&mut self) -> Result<(), DeviceError> {
        self.life.open()?;
        if let Err(e) = self.pipe.connect() {
            // The printer may come later: keep the device open, jobs wait as "offline".
            tracing::warn!(device = self.life.name(), error = %e, "printer not reachable yet");
        }
        Ok(())
    }
    fn claim(&mut self, _timeout: Duration) -> Result<(), DeviceError> {
        self.life.claim()
    }
    fn enable(&mut self) -> Result<(), DeviceError> {
        self.life.enable()
    }
    fn disable(&mut self) -> Result<(), DeviceError> {
        self.life.disable()
    }
    fn release(&mut self) -> Result<(), DeviceError> {
        self.life.release()
    }
    fn close(&mut self) -> Result<(), DeviceError> {
        if self.spooler.pending_jobs() > 0 {
            return Err(DeviceError::new(ErrorKind::Busy, self.life.name(), "close")
                .with_detail("print jobs are still queued"));
        }
        self.life.close()
    }
}

impl<P: BytePipe> ReceiptPrinter for EscPosPrinter<P> {
    fn print(&mut self, document: &Document) -> Result<JobId, DeviceError> {
        self.life.require_enabled("print")?;
        Ok(self.spooler.submit(encode::document(document)))
    }

    fn job_state(&self, job: JobId) -> Option<JobState> {
        self.spooler.job_state(job)
    }

    fn status(&mut self) -> Result<PrinterStatus, DeviceError> {
        self.life.require_enabled("read status")?;
        let name = self.life.name().to_string();
        self.spooler
            .query_status(&mut self.pipe)
            .map_err(|e| e.into_device(&name, "read status"))
    }

    fn poll(&mut self) -> Result<Vec<PrinterEvent>, DeviceError> {
        self.life.require_enabled("print")?;
        Ok(self.spooler.poll(&mut self.pipe))
    }
}

impl<P: BytePipe> CashDrawer for EscPosPrinter<P> {
    fn open_drawer(&mut self) -> Result<(), DeviceError> {
        self.life.require_enabled("open drawer")?;
        let name = self.life.name().to_string();
        // ESC p waits behind queued print data; while a job is part-sent (perhaps held), use
        // the real-time pulse DLE DC4 1 so the drawer opens now.
        let bytes = if self.spooler.in_progress() {
            let pin = match self.drawer_pin {
                DrawerPin::Pin2 => 0,
                DrawerPin::Pin5 => 1,
            };
            vec![0x10, 0x14, 1, pin, 2]
        } else {
            encode::drawer_kick(self.drawer_pin, 100, 100).to_vec()
        };
        self.pipe
            .write_all(&bytes)
            .map_err(|e| e.into_device(&name, "open drawer"))
    }

    fn is_drawer_open(&mut self) -> Result<bool, DeviceError> {
        Ok(self.status()?.drawer_open)
    }
}
