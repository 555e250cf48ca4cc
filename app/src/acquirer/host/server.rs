//! The TCP shell around [`Host`]: one thread accepts, one thread per connection reads
//! 2-byte-framed requests, asks the host, and answers (or, by fault, stays silent or hangs
//! up). The host itself sits behind a mutex so tests can change faults and read stats.

use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use time::OffsetDateTime;
use tracing::{debug, info, warn};

use super::{Host, Reply};
use crate::acquirer::iso8583::Mti;
use crate::acquirer::iso8583::framing::{read_frame, write_frame};

/// A running simulated acquirer.
#[derive(Debug)]
pub struct HostServer {
    addr: SocketAddr,
    host: Arc<Mutex<Host>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl HostServer {
    /// Binds and starts serving in the background.
    pub fn start(listen: impl ToSocketAddrs, host: Host) -> io::Result<Self> {
        let listener = TcpListener::bind(listen)?;
        let addr = listener.local_addr()?;
        let host = Arc::new(Mutex::new(host));
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let (host, stop) = (Arc::clone(&host), Arc::clone(&stop));
            thread::Builder::new()
                .name("sim-acquirer-accept".into())
                .spawn(move || accept_loop(listener, host, stop))?
        };
        info!(%addr, "simulated acquirer listening");
        Ok(Self {
            addr,
            host,
            stop,
            accept: Some(accept),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Runs `f` on the host (faults, stats, config). `None` if a connection thread panicked.
    pub fn with_host<R>(&self, f: impl FnOnce(&mut Host) -> R) -> Option<R> {
        self.host.lock().ok().map(|mut h| f(&mut h))
    }

    /// Blocks until the accept loop ends (used by `pos sim acquirer`).
    pub fn wait(mut self) {
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }

    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let _ = TcpStream::connect(self.addr);
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }
}

impl Drop for HostServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(listener: TcpListener, host: Arc<Mutex<Host>>, stop: Arc<AtomicBool>) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        match stream {
            Ok(stream) => {
                let host = Arc::clone(&host);
                let spawned = thread::Builder::new()
                    .name("sim-acquirer-conn".into())
                    .spawn(move || serve(stream, &host));
                if let Err(e) = spawned {
                    warn!(error = %e, "could not start a connection thread");
                }
            }
            Err(e) => warn!(error = %e, "accept failed"),
        }
    }
}

fn serve(mut stream: TcpStream, host: &Mutex<Host>) {
    let _ = stream.set_nodelay(true);
    loop {
        let frame = match read_frame(&mut stream) {
            Ok(Some(frame)) => frame,
            Ok(None) => return,
            Err(e) => {
                debug!(error = %e, "connection ended");
                return;
            }
        };
        let (reply, delay) = match host.lock() {
            Ok(mut h) => {
                let reply = h.handle(&frame, OffsetDateTime::now_utc());
                let mti = match frame[..] {
                    [hi, lo, ..] => Mti::from_bcd(u16::from_be_bytes([hi, lo])).ok(),
                    _ => None,
                };
                let faults = h.faults();
                let delay = if faults.applies_to(mti) {
                    faults.delay
                } else {
                    Duration::ZERO
                };
                (reply, delay)
            }
            Err(_) => return,
        };
        if !delay.is_zero() {
            thread::sleep(delay);
        }
        match reply {
            Reply::Answer(bytes) => {
                if let Err(e) = write_frame(&mut stream, &bytes) {
                    debug!(error = %e, "could not answer");
                    return;
                }
            }
            Reply::Silence => {}
            Reply::Drop => {
                let _ = stream.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}
