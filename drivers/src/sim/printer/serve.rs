//! Serving the simulated printer on a real transport: a TCP listener (like a 9100 printer) or
//! the master side of a pty (like a serial printer), each on its own thread.

use std::io::{ErrorKind as IoKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use pos_hal::device::printer::PaperLevel;
use serialport::{SerialPort, TTYPort};

use super::{Conditions, Engine, PrintedReceipt};

const POLL: Duration = Duration::from_millis(20);

/// Shared access to a simulated printer: testers flip its conditions and read its receipts.
#[derive(Debug, Clone)]
pub struct SimPrinterHandle {
    engine: Arc<Mutex<Engine>>,
    png_dir: Option<PathBuf>,
}

impl SimPrinterHandle {
    pub fn new(columns: usize) -> Self {
        Self {
            engine: Arc::new(Mutex::new(Engine::new(columns))),
            png_dir: None,
        }
    }

    /// Writes `receipt-NNNN.png` into `dir` for every receipt cut from now on.
    pub fn with_png_dir(mut self, dir: PathBuf) -> Self {
        self.png_dir = Some(dir);
        self
    }

    fn lock(&self) -> MutexGuard<'_, Engine> {
        // A panic while holding the lock leaves a consistent engine (every step is small).
        self.engine
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn change(&self, f: impl FnOnce(&mut Conditions)) {
        let mut engine = self.lock();
        let mut conditions = engine.conditions;
        f(&mut conditions);
        engine.set_conditions(conditions);
    }

    pub fn set_paper(&self, paper: PaperLevel) {
        self.change(|c| c.paper = paper);
    }

    /// The roll ends after `rows` more printed rows (paper out mid-receipt).
    pub fn paper_end_after_rows(&self, rows: usize) {
        self.change(|c| c.paper_end_after_rows = Some(rows));
    }

    pub fn set_cover_open(&self, open: bool) {
        self.change(|c| c.cover_open = open);
    }

    pub fn set_offline(&self, offline: bool) {
        self.change(|c| c.offline = offline);
    }

    pub fn set_drawer_open(&self, open: bool) {
        self.change(|c| c.drawer_open = open);
    }

    pub fn conditions(&self) -> Conditions {
        self.lock().conditions
    }

    pub fn receipts(&self) -> Vec<PrintedReceipt> {
        self.lock().receipts.clone()
    }

    pub fn drawer_kicks(&self) -> usize {
        self.lock().drawer_kicks
    }

    pub fn protocol_errors(&self) -> usize {
        self.lock().protocol_errors
    }

    /// Received bytes waiting for the printer to be able to print.
    pub fn backlog(&self) -> usize {
        self.lock().backlog()
    }

    /// Feeds host bytes and returns the printer's replies (for in-process use).
    pub fn exchange(&self, bytes: &[u8]) -> Vec<u8> {
        let (reply, new) = {
            let mut engine = self.lock();
            let before = engine.receipts.len();
            engine.receive(bytes);
            (engine.take_output(), engine.receipts[before..].to_vec())
        };
        self.save_pngs(&new);
        reply
    }

    fn drain_output(&self) -> Vec<u8> {
        self.lock().take_output()
    }

    fn save_pngs(&self, receipts: &[PrintedReceipt]) {
        let Some(dir) = &self.png_dir else { return };
        let first = self.lock().receipts.len() - receipts.len();
        for (i, receipt) in receipts.iter().enumerate() {
            let path = dir.join(format!("receipt-{:04}.png", first + i + 1));
            match receipt.png().map(|png| std::fs::write(&path, png)) {
                Ok(Ok(())) => tracing::info!(path = %path.display(), "receipt preview written"),
                Ok(Err(e)) => {
                    tracing::warn!(path = %path.display(), error = %e, "cannot write preview")
                }
                Err(e) => tracing::warn!(error = %e, "cannot render preview"),
            }
        }
    }
}

/// A running simulated-printer server; stops when dropped.
#[derive(Debug)]
pub struct SimServer {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// `127.0.0.1:PORT` or the pty path clients open.
    pub endpoint: String,
}

impl SimServer {
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Moves bytes between a stream and the engine until `stop` or the peer goes away.
fn pump(stream: &mut dyn ReadWrite, handle: &SimPrinterHandle, stop: &AtomicBool) {
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::SeqCst) {
        let reply = match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => handle.exchange(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    IoKind::WouldBlock | IoKind::TimedOut | IoKind::Interrupted
                ) =>
            {
                handle.drain_output()
            }
            Err(e) => {
                tracing::debug!(error = %e, "simulated printer: peer gone");
                return;
            }
        };
        if !reply.is_empty()
            && stream
                .write_all(&reply)
                .and_then(|()| stream.flush())
                .is_err()
        {
            return;
        }
    }
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// Serves the printer on `listener`, one connection at a time (as a 9100 port does).
pub fn serve_tcp(listener: TcpListener, handle: SimPrinterHandle) -> std::io::Result<SimServer> {
    let endpoint = listener.local_addr()?.to_string();
    listener.set_nonblocking(true)?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::spawn(move || {
        while !flag.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((stream, peer)) => {
                    tracing::debug!(%peer, "simulated printer: client connected");
                    if let Some(mut stream) = prepare(stream) {
                        pump(&mut stream, &handle, &flag);
                    }
                }
                Err(e) if e.kind() == IoKind::WouldBlock => std::thread::sleep(POLL),
                Err(e) => {
                    tracing::warn!(error = %e, "simulated printer: accept failed");
                    std::thread::sleep(POLL);
                }
            }
        }
    });
    Ok(SimServer {
        stop,
        thread: Some(thread),
        endpoint,
    })
}

fn prepare(stream: TcpStream) -> Option<TcpStream> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(POLL)).ok()?;
    stream.set_nodelay(true).ok()?;
    Some(stream)
}

/// Serves the printer on a fresh pty; clients open [`SimServer::endpoint`] as a serial port.
pub fn serve_pty(handle: SimPrinterHandle) -> Result<SimServer, serialport::Error> {
    let (mut master, slave) = TTYPort::pair()?;
    let endpoint = slave.name().ok_or_else(|| {
        serialport::Error::new(serialport::ErrorKind::NoDevice, "pty has no name")
    })?;
    master.set_timeout(POLL)?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::spawn(move || {
        // Holding the slave open keeps the pty alive between clients.
        let _slave = slave;
        while !flag.load(Ordering::SeqCst) {
            pump(&mut master, &handle, &flag);
            std::thread::sleep(POLL);
        }
    });
    Ok(SimServer {
        stop,
        thread: Some(thread),
        endpoint,
    })
}

/// The simulated printer in-process, as a [`crate::pipe::BytePipe`]: for a demo lane with no
/// printer and no daemon (`printer = "sim"`).
#[derive(Debug, Clone)]
pub struct SimPipe {
    handle: SimPrinterHandle,
    replies: std::collections::VecDeque<u8>,
}

impl SimPipe {
    pub fn new(handle: SimPrinterHandle) -> Self {
        Self {
            handle,
            replies: Default::default(),
        }
    }
}

impl crate::pipe::BytePipe for SimPipe {
    fn connect(&mut self) -> Result<(), crate::pipe::PipeError> {
        Ok(())
    }

    fn write_all(&mut self, data: &[u8]) -> Result<(), crate::pipe::PipeError> {
        self.replies.extend(self.handle.exchange(data));
        Ok(())
    }

    fn read(
        &mut self,
        buf: &mut [u8],
        _timeout: Duration,
    ) -> Result<usize, crate::pipe::PipeError> {
        self.replies.extend(self.handle.drain_output());
        let n = buf.len().min(self.replies.len());
        if n == 0 {
            return Err(crate::pipe::PipeError::Timeout);
        }
        for (slot, byte) in buf.iter_mut().zip(self.replies.drain(..n)) {
            *slot = byte;
        }
        Ok(n)
    }

    fn describe(&self) -> String {
        "sim".into()
    }
}
