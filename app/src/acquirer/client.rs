//! The lane side of the TCP link: one framed request, one framed answer, with a connect
//! timeout and a response timeout. The error says whether the request may have reached the
//! host, because that decides between store-and-forward (it did not) and a reversal (it may).

use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::iso8583::error::FrameError;
use super::iso8583::framing::{read_frame, write_frame};

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("acquirer unreachable at {address}: {source}")]
    Unreachable { address: String, source: io::Error },
    #[error("no answer from the acquirer within {0:?}")]
    Timeout(Duration),
    #[error("the acquirer closed the connection without answering")]
    Closed,
    #[error("broken frame from the acquirer: {0}")]
    Frame(FrameError),
}

impl LinkError {
    /// False only when the request certainly never left the lane.
    pub fn request_may_have_arrived(&self) -> bool {
        !matches!(self, Self::Unreachable { .. })
    }
}

/// Where the acquirer is and how long to wait for it.
#[derive(Debug, Clone)]
pub struct AcquirerClient {
    pub address: String,
    pub connect_timeout: Duration,
    pub response_timeout: Duration,
}

impl AcquirerClient {
    pub fn new(address: impl Into<String>, response_timeout: Duration) -> Self {
        Self {
            address: address.into(),
            connect_timeout: Duration::from_secs(2),
            response_timeout,
        }
    }

    fn connect(&self) -> Result<TcpStream, LinkError> {
        let unreachable = |source| LinkError::Unreachable {
            address: self.address.clone(),
            source,
        };
        let addrs: Vec<SocketAddr> = self
            .address
            .to_socket_addrs()
            .map_err(unreachable)?
            .collect();
        let mut last = io::Error::new(io::ErrorKind::NotFound, "address resolves to nothing");
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, self.connect_timeout) {
                Ok(stream) => return Ok(stream),
                Err(e) => last = e,
            }
        }
        Err(unreachable(last))
    }

    /// Sends one request and waits for its answer.
    pub fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, LinkError> {
        let mut stream = self.connect()?;
        let _ = stream.set_nodelay(true);
        stream
            .set_read_timeout(Some(self.response_timeout))
            .map_err(|e| LinkError::Frame(e.into()))?;
        // Once connected, a failed write may still have delivered bytes: treat as sent.
        write_frame(&mut stream, request).map_err(LinkError::Frame)?;
        match read_frame(&mut stream) {
            Ok(Some(answer)) => Ok(answer),
            Ok(None) => Err(LinkError::Closed),
            Err(FrameError::Io(e))
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(LinkError::Timeout(self.response_timeout))
            }
            Err(FrameError::Io(e))
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
                ) =>
            {
                Err(LinkError::Closed)
            }
            Err(e) => Err(LinkError::Frame(e)),
        }
    }
}
