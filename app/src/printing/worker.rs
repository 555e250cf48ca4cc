//! The lane's printer as a long-lived worker thread, for the UI: it owns the ESC/POS printer,
//! keeps polling so a held job (paper out, cover open, offline) resumes by itself when the
//! printer recovers, and publishes each job's state. Callers never block on printer I/O for
//! longer than the short wait they ask for.

use std::collections::BTreeMap;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pos_drivers::escpos::printer::EscPosPrinter;
use pos_drivers::escpos::spooler::SpoolerConfig;
use pos_drivers::pipe::BytePipe;
use pos_drivers::sim::printer::{SimPipe, SimPrinterHandle};
use pos_hal::device::UposDevice;
use pos_hal::device::drawer::CashDrawer;
use pos_hal::device::printer::{JobId, PrinterEvent, ReceiptPrinter};
use pos_hal::receipt::Document;

use super::{PrinterConfig, PrinterSpec, PrintingError};

/// Where a job submitted to the worker is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobReport {
    Queued,
    /// Stopped; the reason is for the cashier. It resumes by itself after recovery.
    Held(String),
    Printed,
}

enum Request {
    Print(Document, mpsc::Sender<Result<JobId, String>>),
    OpenDrawer(mpsc::Sender<Result<(), String>>),
}

type Jobs = Arc<Mutex<BTreeMap<JobId, JobReport>>>;

/// A handle on the printer thread; dropping it lets the thread finish its queue and stop.
#[derive(Debug)]
pub struct PrinterWorker {
    requests: mpsc::Sender<Request>,
    jobs: Jobs,
    /// The in-process printer when `[devices] printer = "sim"`.
    sim: Option<SimPrinterHandle>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Request::Print(..) => "Print",
            Request::OpenDrawer(_) => "OpenDrawer",
        })
    }
}

impl PrinterWorker {
    /// Starts the thread for the configured printer (refuses a malformed printer spec).
    pub fn start(config: &PrinterConfig) -> Result<Self, PrintingError> {
        let spec = PrinterSpec::parse(&config.printer)?;
        let sim = (spec == PrinterSpec::Sim).then(|| SimPrinterHandle::new(48));
        let (requests, rx) = mpsc::channel();
        let jobs: Jobs = Arc::default();
        let pipe_sim = sim.clone();
        let thread_jobs = jobs.clone();
        std::thread::Builder::new()
            .name("printer".into())
            .spawn(move || {
                let pipe: Box<dyn BytePipe> = match pipe_sim {
                    Some(handle) => Box::new(SimPipe::new(handle)),
                    None => spec.pipe(),
                };
                run(pipe, rx, thread_jobs)
            })
            .map_err(|e| PrintingError::Spec(format!("printer thread: {e}")))?;
        Ok(Self {
            requests,
            jobs,
            sim,
        })
    }

    /// The simulated printer, when the lane prints on one.
    pub fn sim(&self) -> Option<&SimPrinterHandle> {
        self.sim.as_ref()
    }

    /// Queues `document` and waits at most `wait` for it to print or be held.
    pub fn print(&self, document: Document, wait: Duration) -> Result<JobReport, PrintingError> {
        let (reply, answer) = mpsc::channel();
        self.send(Request::Print(document, reply))?;
        let job = answer
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| gone())?
            .map_err(PrintingError::Spec)?;
        let deadline = Instant::now() + wait;
        loop {
            let report = self.job(job).unwrap_or(JobReport::Queued);
            if report != JobReport::Queued || Instant::now() >= deadline {
                return Ok(report);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kicks the drawer through the printer.
    pub fn open_drawer(&self) -> Result<(), PrintingError> {
        let (reply, answer) = mpsc::channel();
        self.send(Request::OpenDrawer(reply))?;
        answer
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| gone())?
            .map_err(PrintingError::Spec)
    }

    /// The state of a job this worker accepted.
    pub fn job(&self, job: JobId) -> Option<JobReport> {
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&job)
            .cloned()
    }

    fn send(&self, request: Request) -> Result<(), PrintingError> {
        self.requests.send(request).map_err(|_| gone())
    }
}

fn gone() -> PrintingError {
    PrintingError::Spec("the printer thread stopped".into())
}

/// The thread: serve requests, poll the spooler between them, publish job states.
fn run(pipe: Box<dyn BytePipe>, requests: mpsc::Receiver<Request>, jobs: Jobs) {
    let mut printer = EscPosPrinter::new("printer0", pipe, SpoolerConfig::default());
    let mut started = false;
    let mut closing = false;
    loop {
        match requests.recv_timeout(Duration::from_millis(100)) {
            Ok(request) => {
                if !started {
                    match printer.start(Duration::from_secs(2)) {
                        Ok(()) => started = true,
                        Err(e) => tracing::warn!(error = %e, "printer did not start"),
                    }
                }
                serve(&mut printer, started, request, &jobs);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => closing = true,
        }
        if !started {
            if closing {
                return;
            }
            continue;
        }
        match printer.poll() {
            Ok(events) => record(&events, &jobs),
            Err(e) => tracing::warn!(error = %e, "printer poll failed"),
        }
        let pending = jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .any(|r| *r != JobReport::Printed);
        if closing && !pending {
            return;
        }
    }
}

fn serve(
    printer: &mut EscPosPrinter<Box<dyn BytePipe>>,
    started: bool,
    request: Request,
    jobs: &Jobs,
) {
    let not_started = || "the printer is not available".to_string();
    // A caller that stopped waiting dropped its receiver; nothing else to tell it.
    match request {
        Request::Print(document, reply) => {
            let result = if started {
                printer.print(&document).map_err(|e| e.to_string())
            } else {
                Err(not_started())
            };
            if let Ok(job) = result {
                jobs.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(job, JobReport::Queued);
            }
            let _ = reply.send(result);
        }
        Request::OpenDrawer(reply) => {
            let result = if started {
                printer.open_drawer().map_err(|e| e.to_string())
            } else {
                Err(not_started())
            };
            let _ = reply.send(result);
        }
    }
}

fn record(events: &[PrinterEvent], jobs: &Jobs) {
    let mut jobs = jobs.lock().unwrap_or_else(|p| p.into_inner());
    for event in events {
        match *event {
            PrinterEvent::Held { job, reason } => {
                tracing::warn!(%job, %reason, "print job held");
                jobs.insert(job, JobReport::Held(reason.to_string()));
            }
            PrinterEvent::Resumed { job } => {
                jobs.insert(job, JobReport::Queued);
            }
            PrinterEvent::Completed { job } => {
                jobs.insert(job, JobReport::Printed);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printing::test_page;
    use pos_drivers::sim::printer::serve;
    use pos_hal::device::printer::PaperLevel;
    use pos_hal::receipt::Columns;

    #[test]
    fn held_job_resumes_by_itself_and_prints_once() {
        let sim = SimPrinterHandle::new(48);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let server = serve::serve_tcp(listener, sim.clone()).unwrap();
        let config = PrinterConfig {
            printer: format!("tcp:{}", server.endpoint),
            ..PrinterConfig::default()
        };
        let worker = PrinterWorker::start(&config).unwrap();
        sim.set_paper(PaperLevel::Out);
        let page = test_page(Columns::C48, "tcp").unwrap();
        let report = worker.print(page, Duration::from_secs(20)).unwrap();
        assert_eq!(report, JobReport::Held("printer is out of paper".into()));
        worker.open_drawer().unwrap();
        sim.set_paper(PaperLevel::Adequate);
        // Only bounds a stalled worker: it normally resumes within a status poll or two.
        let deadline = Instant::now() + Duration::from_secs(20);
        while worker.job(JobId(1)) != Some(JobReport::Printed) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(worker.job(JobId(1)), Some(JobReport::Printed));
        assert_eq!(sim.receipts().len(), 1);
        assert_eq!(sim.drawer_kicks(), 1);
        server.stop();
    }

    #[test]
    fn sim_printer_is_in_process_and_bad_specs_are_refused() {
        let worker = PrinterWorker::start(&PrinterConfig::default()).unwrap();
        let page = test_page(Columns::C48, "sim").unwrap();
        assert_eq!(
            worker.print(page, Duration::from_secs(20)).unwrap(),
            JobReport::Printed
        );
        assert_eq!(worker.sim().unwrap().receipts().len(), 1);
        let bad = PrinterConfig {
            printer: "lpt1".into(),
            ..PrinterConfig::default()
        };
        assert!(matches!(
            PrinterWorker::start(&bad),
            Err(PrintingError::Spec(_))
        ));
    }
}
