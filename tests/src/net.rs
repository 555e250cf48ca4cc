//! Loopback addresses for tests that need one before anything listens on it ("the host is
//! down, then comes up on that port").
//!
//! Binding port 0, reading the port and closing the socket leaves the port free for anyone:
//! another test (or process) can take it before our server binds it, and a client connecting
//! to it may even be handed that very port as its own source port and connect to itself.
//! A [`ReservedPort`] keeps a bound, never-listening socket on the port instead: connections
//! to it are refused, nobody else is given the port, and our own listener can still bind it
//! because both sockets set `SO_REUSEADDR` (std's and tokio's listeners do).

use std::net::SocketAddr;

/// A loopback port held for this test until dropped.
#[derive(Debug)]
pub struct ReservedPort {
    _socket: tokio::net::TcpSocket,
    addr: SocketAddr,
}

impl ReservedPort {
    /// Reserves a free port on 127.0.0.1.
    pub fn new() -> std::io::Result<Self> {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.set_reuseaddr(true)?;
        socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let addr = socket.local_addr()?;
        Ok(Self {
            _socket: socket,
            addr,
        })
    }

    /// The reserved address: nothing listens there until the test binds a listener to it.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}
