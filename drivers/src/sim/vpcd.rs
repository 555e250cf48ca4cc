//! Serves a [`CardModel`] on pcscd's vpcd virtual reader, so the real PC/SC stack (and any
//! outside client such as `scriptor`) sees a real card.
//!
//! vpcd (Debian `vsmartcard-vpcd`) listens on localhost:35963 for its first reader and 35964
//! for the second; the card connects as a client. Every message is a 2-byte big-endian
//! length and a payload; a 1-byte payload is a control (0 power off, 1 power on, 2 reset,
//! 4 send ATR), anything longer is a command APDU answered by one response APDU. Connecting
//! is inserting the card, disconnecting is pulling it.
//!
//! Latency: with Nagle and delayed ACKs each APDU costs ~40-50 ms, so the socket sets
//! TCP_NODELAY and re-arms TCP_QUICKACK after every read (Linux clears it on its own).

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use super::card::CardModel;

/// vpcd's port for reader `index` (0 or 1) with the Debian default configuration.
pub fn vpcd_addr(reader_index: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 35963 + reader_index))
}

const CTRL_POWER_OFF: u8 = 0;
const CTRL_POWER_ON: u8 = 1;
const CTRL_RESET: u8 = 2;
const CTRL_ATR: u8 = 4;

/// How long a read waits before the card looks at its control channel again.
const POLL: Duration = Duration::from_millis(20);

/// What a tester can tell a running virtual card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VpcdControl {
    /// Connect to vpcd (insert / tap the card).
    Insert,
    /// Disconnect (pull the card).
    Remove,
    /// Answer `n` more APDUs, then disconnect on the next one without answering.
    RemoveAfterApdus(usize),
    /// Stop answering anything (APDUs and ATR requests) while true.
    Mute(bool),
    /// Wait this long before each answer.
    Delay(Duration),
    /// Answer the next APDU with a 1-byte response (no status word).
    SendMalformed,
    /// End the card's thread.
    Stop,
}

/// Why the virtual card's thread ended.
#[derive(Debug, thiserror::Error)]
pub enum VpcdError {
    #[error("virtual card I/O with vpcd at {addr} failed: {source}")]
    Io { addr: SocketAddr, source: io::Error },
    #[error("vpcd sent an empty message")]
    EmptyMessage,
    #[error("the virtual card's thread panicked")]
    ThreadPanicked,
}

/// Counters a test or bench can watch while the card runs.
#[derive(Debug, Default)]
pub struct VpcdStats {
    connected: AtomicBool,
    apdus: AtomicUsize,
    connects: AtomicUsize,
}

impl VpcdStats {
    /// Whether the card is connected to vpcd right now.
    pub fn connected(&self) -> bool {
        self.connected.load(Ordering::SeqCst)
    }
    /// APDUs received so far.
    pub fn apdus(&self) -> usize {
        self.apdus.load(Ordering::SeqCst)
    }
    /// Successful connections so far (re-inserts and reconnects after a pcscd restart).
    pub fn connects(&self) -> usize {
        self.connects.load(Ordering::SeqCst)
    }
}

/// A card served on vpcd from a background thread. Dropping it pulls the card.
pub struct VirtualCard {
    tx: Sender<VpcdControl>,
    stats: Arc<VpcdStats>,
    thread: Option<JoinHandle<Result<(), VpcdError>>>,
}

impl fmt::Debug for VirtualCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VirtualCard")
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl VirtualCard {
    /// Starts serving `model` on `addr`; when `inserted`, it connects (and keeps retrying
    /// while vpcd is not there, like a card waiting in the slot).
    pub fn spawn(addr: SocketAddr, model: Box<dyn CardModel>, inserted: bool) -> Self {
        let (tx, rx) = mpsc::channel();
        let stats = Arc::new(VpcdStats::default());
        let server = Server::new(addr, model, rx, Arc::clone(&stats), inserted);
        let thread = std::thread::Builder::new()
            .name(format!("vpcd-card-{}", addr.port()))
            .spawn(move || server.run())
            .ok();
        Self { tx, stats, thread }
    }

    /// Sends a control; `false` when the card's thread has ended.
    pub fn control(&self, control: VpcdControl) -> bool {
        self.tx.send(control).is_ok()
    }

    pub fn insert(&self) -> bool {
        self.control(VpcdControl::Insert)
    }

    pub fn remove(&self) -> bool {
        self.control(VpcdControl::Remove)
    }

    pub fn stats(&self) -> &VpcdStats {
        &self.stats
    }

    /// Waits until the card is connected (or not), polling; `false` on timeout.
    pub fn wait_connected(&self, connected: bool, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if self.stats.connected() == connected {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.stats.connected() == connected
    }

    /// Stops the card and reports how its thread ended.
    pub fn stop(mut self) -> Result<(), VpcdError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), VpcdError> {
        let _ = self.tx.send(VpcdControl::Stop);
        match self.thread.take() {
            Some(thread) => thread.join().map_err(|_| VpcdError::ThreadPanicked)?,
            None => Ok(()),
        }
    }
}

impl Drop for VirtualCard {
    fn drop(&mut self) {
        if let Err(error) = self.shutdown() {
            tracing::warn!(%error, "virtual card ended with an error");
        }
    }
}

/// The card's side of the socket, run on its own thread.
struct Server {
    addr: SocketAddr,
    model: Box<dyn CardModel>,
    controls: Receiver<VpcdControl>,
    stats: Arc<VpcdStats>,
    inserted: bool,
    stream: Option<TcpStream>,
    inbox: Vec<u8>,
    remove_after: Option<usize>,
    mute: bool,
    delay: Duration,
    malformed_next: bool,
    stop_requested: bool,
}

impl Server {
    fn new(
        addr: SocketAddr,
        model: Box<dyn CardModel>,
        controls: Receiver<VpcdControl>,
        stats: Arc<VpcdStats>,
        inserted: bool,
    ) -> Self {
        Self {
            addr,
            model,
            controls,
            stats,
            inserted,
            stream: None,
            inbox: Vec::new(),
            remove_after: None,
            mute: false,
            delay: Duration::ZERO,
            malformed_next: false,
            stop_requested: false,
        }
    }

    fn run(mut self) -> Result<(), VpcdError> {
        loop {
            // Block on the control channel only when there is no socket to serve.
            let control = if self.stream.is_some() {
                self.controls.try_recv().ok()
            } else {
                match self.controls.recv_timeout(Duration::from_millis(50)) {
                    Ok(c) => Some(c),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => Some(VpcdControl::Stop),
                }
            };
            if self.stop_requested {
                self.disconnect();
                return Ok(());
            }
            if let Some(control) = control {
                if control == VpcdControl::Stop {
                    self.disconnect();
                    return Ok(());
                }
                self.apply(control);
                continue;
            }
            if self.inserted && self.stream.is_none() {
                self.try_connect();
                continue;
            }
            if self.stream.is_some() {
                self.serve_once()?;
            }
        }
    }

    fn drain_controls(&mut self) {
        while let Ok(control) = self.controls.try_recv() {
            if control == VpcdControl::Stop {
                self.stop_requested = true;
            } else {
                self.apply(control);
            }
        }
    }

    fn apply(&mut self, control: VpcdControl) {
        match control {
            VpcdControl::Insert => self.inserted = true,
            VpcdControl::Remove => {
                self.inserted = false;
                self.disconnect();
            }
            VpcdControl::RemoveAfterApdus(n) => self.remove_after = Some(n),
            VpcdControl::Mute(mute) => self.mute = mute,
            VpcdControl::Delay(delay) => self.delay = delay,
            VpcdControl::SendMalformed => self.malformed_next = true,
            VpcdControl::Stop => {}
        }
    }

    fn try_connect(&mut self) {
        let Ok(stream) = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)) else {
            // vpcd not listening (pcscd down): wait in the slot and retry.
            return;
        };
        let sock = socket2::SockRef::from(&stream);
        let tuned = stream
            .set_nodelay(true)
            .and_then(|()| sock.set_quickack(true))
            .and_then(|()| stream.set_read_timeout(Some(POLL)));
        if let Err(error) = tuned {
            tracing::warn!(%error, "could not tune the vpcd socket");
        }
        self.inbox.clear();
        self.model.reset();
        self.stream = Some(stream);
        self.stats.connected.store(true, Ordering::SeqCst);
        self.stats.connects.fetch_add(1, Ordering::SeqCst);
        tracing::debug!(addr = %self.addr, "virtual card inserted");
    }

    fn disconnect(&mut self) {
        if let Some(stream) = self.stream.take() {
            let _ = stream.shutdown(std::net::Shutdown::Both);
            tracing::debug!(addr = %self.addr, "virtual card removed");
        }
        self.inbox.clear();
        self.remove_after = None;
        self.stats.connected.store(false, Ordering::SeqCst);
    }

    /// Reads what vpcd sent (up to one poll interval) and answers every complete message.
    fn serve_once(&mut self) -> Result<(), VpcdError> {
        let Some(stream) = self.stream.as_mut() else {
            return Ok(());
        };
        let mut buf = [0u8; 4096];
        let read = stream.read(&mut buf);
        // Linux drops QUICKACK after a while; re-arm it after each read.
        let _ = socket2::SockRef::from(&*stream).set_quickack(true);
        match read {
            Ok(0) => {
                // vpcd closed the socket (pcscd stopped): reconnect while inserted.
                self.disconnect();
                return Ok(());
            }
            Ok(n) => {
                self.inbox.extend_from_slice(&buf[..n]);
                // Controls sent before this command arrived apply to it.
                self.drain_controls();
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Ok(());
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
            Err(error) => {
                tracing::debug!(%error, "vpcd connection lost");
                self.disconnect();
                return Ok(());
            }
        }
        while let Some(message) = self.next_message() {
            self.handle(&message)?;
            if self.stream.is_none() {
                break;
            }
        }
        Ok(())
    }

    fn next_message(&mut self) -> Option<Vec<u8>> {
        let [hi, lo, ..] = self.inbox[..] else {
            return None;
        };
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        if self.inbox.len() < 2 + len {
            return None;
        }
        let message = self.inbox[2..2 + len].to_vec();
        self.inbox.drain(..2 + len);
        Some(message)
    }

    fn handle(&mut self, message: &[u8]) -> Result<(), VpcdError> {
        match message {
            [] => Err(VpcdError::EmptyMessage),
            [CTRL_POWER_OFF] => Ok(()),
            [CTRL_POWER_ON] | [CTRL_RESET] => {
                self.model.reset();
                Ok(())
            }
            [CTRL_ATR] => {
                if self.mute {
                    return Ok(());
                }
                let atr = self.model.atr();
                self.reply(&atr)
            }
            [other] => {
                tracing::warn!(control = other, "unknown vpcd control byte ignored");
                Ok(())
            }
            apdu => self.answer_apdu(apdu),
        }
    }

    fn answer_apdu(&mut self, apdu: &[u8]) -> Result<(), VpcdError> {
        self.stats.apdus.fetch_add(1, Ordering::SeqCst);
        if let Some(n) = self.remove_after {
            if n == 0 {
                // Pulled mid-command: the reader never gets an answer.
                self.inserted = false;
                self.disconnect();
                return Ok(());
            }
            self.remove_after = Some(n - 1);
        }
        if self.mute {
            return Ok(());
        }
        if !self.delay.is_zero() {
            std::thread::sleep(self.delay);
        }
        if std::mem::take(&mut self.malformed_next) {
            return self.reply(&[0x90]);
        }
        let response = self.model.process_apdu(apdu);
        self.reply(&response)
    }

    fn reply(&mut self, payload: &[u8]) -> Result<(), VpcdError> {
        let Some(stream) = self.stream.as_mut() else {
            return Ok(());
        };
        let Ok(len) = u16::try_from(payload.len()) else {
            tracing::warn!(len = payload.len(), "response too long for vpcd; dropped");
            return Ok(());
        };
        let mut frame = Vec::with_capacity(2 + payload.len());
        frame.extend_from_slice(&len.to_be_bytes());
        frame.extend_from_slice(payload);
        match stream.write_all(&frame) {
            Ok(()) => Ok(()),
            Err(error) => {
                tracing::debug!(%error, "vpcd connection lost while answering");
                self.disconnect();
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::test_card::TestCard;
    use std::net::TcpListener;

    /// Plays vpcd's side over a loopback listener on an ephemeral port.
    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut out = u16::try_from(payload.len()).unwrap().to_be_bytes().to_vec();
        out.extend_from_slice(payload);
        out
    }

    fn read_frame(stream: &mut TcpStream) -> Vec<u8> {
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).unwrap();
        let mut payload = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut payload).unwrap();
        payload
    }

    #[test]
    fn speaks_the_vpcd_protocol() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let card = VirtualCard::spawn(
            listener.local_addr().unwrap(),
            Box::new(TestCard::contact()),
            true,
        );
        let (mut vpcd, _) = listener.accept().unwrap();
        vpcd.write_all(&frame(&[CTRL_POWER_ON])).unwrap();
        vpcd.write_all(&frame(&[CTRL_ATR])).unwrap();
        assert_eq!(read_frame(&mut vpcd), TestCard::contact().atr());
        // Two APDUs in one segment are both answered, in order.
        let select = [&[0x00, 0xA4, 0x04, 0x00, 0x08][..], TestCard::TEST_AID].concat();
        let mut both = frame(&select);
        both.extend(frame(&[0x00, 0x84, 0x00, 0x00, 0x08]));
        vpcd.write_all(&both).unwrap();
        assert_eq!(read_frame(&mut vpcd)[..2], [0x6F, 0x16]);
        assert_eq!(read_frame(&mut vpcd).len(), 10);
        assert!(card.wait_connected(true, Duration::from_secs(20)));
        assert_eq!(card.stats().apdus(), 2);

        card.control(VpcdControl::SendMalformed);
        vpcd.write_all(&frame(&select)).unwrap();
        assert_eq!(read_frame(&mut vpcd), [0x90]);

        card.control(VpcdControl::RemoveAfterApdus(0));
        std::thread::sleep(Duration::from_millis(100));
        vpcd.write_all(&frame(&select)).unwrap();
        let mut rest = Vec::new();
        // Only bounds a stalled card thread: the close normally comes at once.
        vpcd.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        assert_eq!(
            vpcd.read_to_end(&mut rest).unwrap(),
            0,
            "pulled card closes the socket"
        );
        assert!(card.wait_connected(false, Duration::from_secs(20)));

        card.insert();
        let (mut again, _) = listener.accept().unwrap();
        again.write_all(&frame(&[CTRL_ATR])).unwrap();
        assert_eq!(read_frame(&mut again)[0], 0x3B);
        assert_eq!(card.stats().connects(), 2);
        card.stop().unwrap();
    }
}
