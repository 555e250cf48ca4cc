//! Network receipt printers on a raw TCP port (9100, "JetDirect" style): a [`BytePipe`] with
//! connect/read/write timeouts that reconnects after the link drops.

use std::io::{ErrorKind as IoKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::pipe::{BytePipe, PipeError};

/// A TCP link to a printer.
#[derive(Debug)]
pub struct TcpPipe {
    address: String,
    connect_timeout: Duration,
    write_timeout: Duration,
    stream: Option<TcpStream>,
}

impl TcpPipe {
    /// `address` is `HOST:PORT`; nothing is connected until [`BytePipe::connect`].
    pub fn new(
        address: impl Into<String>,
        connect_timeout: Duration,
        write_timeout: Duration,
    ) -> Self {
        Self {
            address: address.into(),
            connect_timeout,
            write_timeout,
            stream: None,
        }
    }

    fn resolve(&self) -> Result<SocketAddr, PipeError> {
        self.address
            .to_socket_addrs()
            .map_err(|e| PipeError::Config(format!("address {}: {e}", self.address)))?
            .next()
            .ok_or_else(|| {
                PipeError::Config(format!("address {} resolves to nothing", self.address))
            })
    }

    fn lost(&mut self, e: std::io::Error) -> PipeError {
        self.stream = None;
        match e.kind() {
            IoKind::WouldBlock | IoKind::TimedOut => PipeError::Timeout,
            IoKind::BrokenPipe
            | IoKind::ConnectionReset
            | IoKind::ConnectionAborted
            | IoKind::UnexpectedEof => PipeError::Disconnected,
            _ => PipeError::Io(e),
        }
    }
}

impl BytePipe for TcpPipe {
    fn connect(&mut self) -> Result<(), PipeError> {
        let addr = self.resolve()?;
        let stream = TcpStream::connect_timeout(&addr, self.connect_timeout)?;
        stream.set_write_timeout(Some(self.write_timeout))?;
        stream.set_nodelay(true)?;
        tracing::debug!(%addr, "printer connected");
        self.stream = Some(stream);
        Ok(())
    }

    fn write_all(&mut self, data: &[u8]) -> Result<(), PipeError> {
        if self.stream.is_none() {
            self.connect()?;
        }
        let result = match self.stream.as_mut() {
            Some(stream) => stream.write_all(data).and_then(|()| stream.flush()),
            None => return Err(PipeError::NotConnected),
        };
        result.map_err(|e| self.lost(e))
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, PipeError> {
        let Some(stream) = self.stream.as_mut() else {
            return Err(PipeError::NotConnected);
        };
        let result = stream
            .set_read_timeout(Some(timeout.max(Duration::from_millis(1))))
            .and_then(|()| stream.read(buf));
        match result {
            Ok(0) => {
                self.stream = None;
                Err(PipeError::Disconnected)
            }
            Ok(n) => Ok(n),
            Err(e) if matches!(e.kind(), IoKind::WouldBlock | IoKind::TimedOut) => {
                Err(PipeError::Timeout)
            }
            Err(e) => Err(self.lost(e)),
        }
    }

    fn describe(&self) -> String {
        format!("tcp:{}", self.address)
    }
}
