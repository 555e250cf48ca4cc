//! Serial devices through `serialport`: a [`BytePipe`] for serial printers (baud rate and flow
//! control from the configuration) and a line-framed barcode scanner.

mod scanner;

pub use scanner::{LineFramer, SerialScanner};

use std::io::{ErrorKind as IoKind, Read, Write};
use std::time::Duration;

use serialport::{FlowControl, SerialPort, TTYPort};

use crate::pipe::{BytePipe, PipeError};

/// Flow control as configured (`none`, `software`, `hardware`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flow {
    #[default]
    None,
    Software,
    Hardware,
}

/// Where and how to open a serial port.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct SerialConfig {
    pub path: String,
    pub baud: u32,
    #[serde(default)]
    pub flow: Flow,
}

impl SerialConfig {
    /// Parses the `PATH:BAUD` part of `printer = "serial:PATH:BAUD"`.
    pub fn parse(spec: &str) -> Result<Self, PipeError> {
        let (path, baud) = spec
            .rsplit_once(':')
            .ok_or_else(|| PipeError::Config(format!("serial spec {spec:?} is not PATH:BAUD")))?;
        let baud = baud
            .parse()
            .map_err(|_| PipeError::Config(format!("baud rate {baud:?} is not a number")))?;
        if path.is_empty() || baud == 0 {
            return Err(PipeError::Config(format!(
                "serial spec {spec:?} needs a path and a baud rate"
            )));
        }
        Ok(Self {
            path: path.to_string(),
            baud,
            flow: Flow::None,
        })
    }
}

/// A serial link; opened on [`BytePipe::connect`], reopened after an error.
#[derive(Debug)]
pub struct SerialPipe {
    config: SerialConfig,
    port: Option<TTYPort>,
}

impl SerialPipe {
    pub fn new(config: SerialConfig) -> Self {
        Self { config, port: None }
    }

    /// Wraps an already open port (e.g. one end of `TTYPort::pair()`).
    pub fn from_port(config: SerialConfig, port: TTYPort) -> Self {
        Self {
            config,
            port: Some(port),
        }
    }

    pub fn port(&self) -> Option<&TTYPort> {
        self.port.as_ref()
    }

    fn lost(&mut self, e: std::io::Error) -> PipeError {
        match e.kind() {
            IoKind::TimedOut | IoKind::WouldBlock => PipeError::Timeout,
            _ => {
                self.port = None;
                PipeError::Io(e)
            }
        }
    }
}

/// Opens a port with the configured settings.
pub fn open(config: &SerialConfig, timeout: Duration) -> Result<TTYPort, PipeError> {
    let flow = match config.flow {
        Flow::None => FlowControl::None,
        Flow::Software => FlowControl::Software,
        Flow::Hardware => FlowControl::Hardware,
    };
    serialport::new(&config.path, config.baud)
        .flow_control(flow)
        .timeout(timeout)
        .open_native()
        .map_err(|e| match e.kind() {
            serialport::ErrorKind::NoDevice => PipeError::NotConnected,
            serialport::ErrorKind::Io(kind) => {
                PipeError::Io(std::io::Error::new(kind, e.description))
            }
            _ => PipeError::Config(e.description),
        })
}

impl BytePipe for SerialPipe {
    fn connect(&mut self) -> Result<(), PipeError> {
        let port = open(&self.config, Duration::from_millis(500))?;
        // Bytes from before (late status replies) would be taken for answers to new queries.
        let _ = port.clear(serialport::ClearBuffer::Input);
        self.port = Some(port);
        Ok(())
    }

    fn write_all(&mut self, data: &[u8]) -> Result<(), PipeError> {
        if self.port.is_none() {
            self.connect()?;
        }
        let result = match self.port.as_mut() {
            Some(port) => port.write_all(data).and_then(|()| port.flush()),
            None => return Err(PipeError::NotConnected),
        };
        result.map_err(|e| self.lost(e))
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, PipeError> {
        let Some(port) = self.port.as_mut() else {
            return Err(PipeError::NotConnected);
        };
        if let Err(e) = port.set_timeout(timeout.max(Duration::from_millis(1))) {
            return Err(PipeError::Config(e.description));
        }
        match port.read(buf) {
            Ok(0) => Err(PipeError::Timeout),
            Ok(n) => Ok(n),
            Err(e) => Err(self.lost(e)),
        }
    }

    fn describe(&self) -> String {
        format!("serial:{}:{}", self.config.path, self.config.baud)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_serial_specs() {
        let c = SerialConfig::parse("/dev/ttyUSB0:19200").unwrap();
        assert_eq!((c.path.as_str(), c.baud), ("/dev/ttyUSB0", 19200));
        assert!(matches!(
            SerialConfig::parse("/dev/ttyUSB0"),
            Err(PipeError::Config(_))
        ));
        assert!(matches!(
            SerialConfig::parse("/dev/ttyUSB0:fast"),
            Err(PipeError::Config(_))
        ));
    }

    #[test]
    fn round_trips_over_a_pty_pair() {
        let (master, slave) = TTYPort::pair().unwrap();
        let config = SerialConfig {
            path: "pty".into(),
            baud: 9600,
            flow: Flow::None,
        };
        let mut printer_side = SerialPipe::from_port(config.clone(), master);
        let mut app_side = SerialPipe::from_port(config, slave);
        app_side.write_all(&[0x10, 0x04, 0x01]).unwrap();
        let mut buf = [0u8; 8];
        // The reads' timeouts only bound a stall of the kernel's pty flush.
        let n = printer_side
            .read(&mut buf, Duration::from_secs(20))
            .unwrap();
        assert_eq!(&buf[..n], &[0x10, 0x04, 0x01]);
        printer_side.write_all(&[0x12]).unwrap();
        assert_eq!(app_side.read(&mut buf, Duration::from_secs(20)).unwrap(), 1);
        assert_eq!(buf[0], 0x12);
        assert!(matches!(
            app_side.read(&mut buf, Duration::from_millis(50)),
            Err(PipeError::Timeout)
        ));
    }
}
