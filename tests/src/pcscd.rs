//! The real pcscd for end-to-end tests.
//!
//! There is one pcscd per machine (its socket is `/run/pcscd/pcscd.comm`; the daemon ignores
//! `PCSCLITE_CSOCK_NAME`) and one pair of vpcd ports (35963/35964), so tests that use them
//! must not overlap, not even across test binaries or other checkouts running at the same
//! time. [`PcscdGuard`] therefore holds an exclusive lock file for the test's duration,
//! starts pcscd only when none is running, and stops only the pcscd it started (before it
//! lets go of the lock, so the next test never sees a daemon that is about to die).

use std::fs::File;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// Where the pcsc-lite client looks for the daemon (the env override is honoured by the
/// client library only).
pub fn socket_path() -> PathBuf {
    std::env::var_os("PCSCLITE_CSOCK_NAME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/run/pcscd/pcscd.comm"))
}

/// Whether a daemon answers on `path`.
pub fn is_listening(path: &Path) -> bool {
    UnixStream::connect(path).is_ok()
}

const LOCK_PATH: &str = "/tmp/pos-pcscd-vpcd.lock";

/// Serialises the tests of one process (the file lock alone would too, but a mutex gives a
/// clearer picture in a debugger).
static IN_PROCESS: Mutex<()> = Mutex::new(());

/// Exclusive use of pcscd and the vpcd ports for one test.
#[derive(Debug)]
pub struct PcscdGuard {
    started: Option<Child>,
    _lock: File,
    _in_process: MutexGuard<'static, ()>,
}

impl PcscdGuard {
    /// Takes the lock, then makes sure pcscd runs (starting it if needed).
    pub fn acquire() -> anyhow::Result<Self> {
        let in_process = IN_PROCESS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(LOCK_PATH)
            .with_context(|| format!("opening {LOCK_PATH}"))?;
        lock.lock()
            .with_context(|| format!("locking {LOCK_PATH}"))?;
        let mut guard = Self {
            started: None,
            _lock: lock,
            _in_process: in_process,
        };
        let socket = PathBuf::from("/run/pcscd/pcscd.comm");
        if !is_listening(&socket) {
            guard.started = Some(start_pcscd(&socket)?);
        }
        wait_until_readers_empty()?;
        Ok(guard)
    }

    /// Whether this guard started the daemon (and so may stop and restart it).
    pub fn started_pcscd(&self) -> bool {
        self.started.is_some()
    }
}

/// Waits until pcscd has noticed that the previous test's cards are gone, so every test
/// starts with empty vpcd readers.
fn wait_until_readers_empty() -> anyhow::Result<()> {
    use pos_hal::device::{CardReader, UposDevice};
    let settings = pos_drivers::pcsc::PcscSettings {
        reader_filter: "Virtual PCD".into(),
    };
    let mut reader = pos_drivers::pcsc::PcscReader::new("harness", settings);
    reader.open()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let readers = reader.readers()?;
        if readers.iter().all(|r| !r.card_present) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("a card stayed in a vpcd reader: {readers:?} (another card server running?)");
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn start_pcscd(socket: &Path) -> anyhow::Result<Child> {
    let log = File::create(std::env::temp_dir().join("pos-tests-pcscd.log"))?;
    let child = Command::new("pcscd")
        .arg("--foreground")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting pcscd (is the pcscd package installed? scripts/setup-debian)")?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if is_listening(socket) {
            return Ok(child);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    stop(child);
    bail!("pcscd did not open {} within 10 s", socket.display())
}

/// Stops a pcscd this process started, by its pid, and waits for it to clean up.
fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

impl Drop for PcscdGuard {
    fn drop(&mut self) {
        if let Some(child) = self.started.take() {
            stop(child);
        }
    }
}

/// A Unix-socket relay in front of pcscd, for a client process whose `PCSCLITE_CSOCK_NAME`
/// points at it. Stopping the relay looks to that client exactly like pcscd stopping
/// (connections drop, the socket vanishes); starting it again looks like pcscd coming back,
/// without touching the daemon other tests share.
#[derive(Debug)]
pub struct SocketRelay {
    path: PathBuf,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    connections: std::sync::Arc<Mutex<Vec<UnixStream>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SocketRelay {
    pub fn start(path: &Path, upstream: &Path) -> anyhow::Result<Self> {
        use std::os::unix::net::UnixListener;
        use std::sync::atomic::{AtomicBool, Ordering};
        let _ = std::fs::remove_file(path);
        let listener =
            UnixListener::bind(path).with_context(|| format!("binding {}", path.display()))?;
        listener.set_nonblocking(true)?;
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let connections = std::sync::Arc::new(Mutex::new(Vec::<UnixStream>::new()));
        let (stop2, conns2, upstream) = (stop.clone(), connections.clone(), upstream.to_owned());
        let thread = std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let _ = client.set_nonblocking(false);
                let Ok(server) = UnixStream::connect(&upstream) else {
                    continue;
                };
                let pipe = |mut from: UnixStream, mut to: UnixStream| {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                };
                if let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) {
                    let mut held = conns2.lock().unwrap_or_else(|p| p.into_inner());
                    held.extend(
                        [client.try_clone(), server.try_clone()]
                            .into_iter()
                            .flatten(),
                    );
                    drop(held);
                    pipe(client, s2);
                    pipe(server, c2);
                }
            }
        });
        Ok(Self {
            path: path.to_owned(),
            stop,
            connections,
            thread: Some(thread),
        })
    }

    /// Drops every relayed connection and removes the socket.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = std::fs::remove_file(&self.path);
        let held = std::mem::take(&mut *self.connections.lock().unwrap_or_else(|p| p.into_inner()));
        for stream in held {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

impl Drop for SocketRelay {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Waits until pcscd reports a card `present` (or not) in the reader called `name`, so the
/// next step sees the insertion or removal pcscd has noticed; fails the test after 10 s.
// A test helper: failing means panicking.
#[allow(clippy::panic)]
pub fn wait_card_presence(reader: &mut pos_drivers::pcsc::PcscReader, name: &str, present: bool) {
    use pos_hal::device::CardReader;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let seen = match reader.readers() {
            Ok(readers) => readers
                .iter()
                .any(|r| r.name == name && r.card_present == present),
            Err(e) => panic!("pcscd reader list: {e}"),
        };
        if seen {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{name}: card_present never became {present}");
}
