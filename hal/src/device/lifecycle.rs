//! The UnifiedPOS device lifecycle as a small checked state machine.

use super::{DeviceError, ErrorKind};

/// UnifiedPOS device state (`State` property).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum State {
    Closed,
    Idle,
    Busy,
    Error,
}

/// UnifiedPOS power reporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PowerState {
    Unknown,
    Online,
    Off,
    Offline,
    OffOffline,
}

/// Where a device is in open → claim → enable. Drivers embed one and call the `require_*`
/// checks at the top of each operation.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    name: String,
    opened: bool,
    claimed: bool,
    enabled: bool,
    state: State,
}

impl Lifecycle {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            opened: false,
            claimed: false,
            enabled: false,
            state: State::Closed,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn is_claimed(&self) -> bool {
        self.claimed
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    fn illegal(&self, operation: &'static str) -> DeviceError {
        DeviceError::new(ErrorKind::IllegalState, self.name.clone(), operation)
    }

    pub fn open(&mut self) -> Result<(), DeviceError> {
        if self.opened {
            return Err(self.illegal("open"));
        }
        self.opened = true;
        self.state = State::Idle;
        Ok(())
    }

    pub fn claim(&mut self) -> Result<(), DeviceError> {
        if !self.opened || self.claimed {
            return Err(self.illegal("claim"));
        }
        self.claimed = true;
        Ok(())
    }

    pub fn enable(&mut self) -> Result<(), DeviceError> {
        if !self.claimed || self.enabled {
            return Err(self.illegal("enable"));
        }
        self.enabled = true;
        Ok(())
    }

    pub fn disable(&mut self) -> Result<(), DeviceError> {
        if !self.enabled {
            return Err(self.illegal("disable"));
        }
        self.enabled = false;
        Ok(())
    }

    pub fn release(&mut self) -> Result<(), DeviceError> {
        if !self.claimed {
            return Err(self.illegal("release"));
        }
        self.enabled = false;
        self.claimed = false;
        Ok(())
    }

    pub fn close(&mut self) -> Result<(), DeviceError> {
        if !self.opened {
            return Err(self.illegal("close"));
        }
        *self = Self::new(std::mem::take(&mut self.name));
        Ok(())
    }

    /// Checks that the device may perform I/O: opened, claimed and enabled.
    pub fn require_enabled(&self, operation: &'static str) -> Result<(), DeviceError> {
        if self.enabled {
            Ok(())
        } else {
            Err(self.illegal(operation))
        }
    }

    /// Marks the device busy for the duration of an operation, or in error.
    pub fn set_state(&mut self, state: State) {
        if self.opened {
            self.state = state;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_refuses_out_of_order_calls() {
        let mut life = Lifecycle::new("printer0");
        assert_eq!(life.claim().unwrap_err().kind(), ErrorKind::IllegalState);
        assert_eq!(
            life.require_enabled("print").unwrap_err().kind(),
            ErrorKind::IllegalState
        );
        life.open().unwrap();
        assert_eq!(life.enable().unwrap_err().kind(), ErrorKind::IllegalState);
        life.claim().unwrap();
        life.enable().unwrap();
        life.require_enabled("print").unwrap();
        life.release().unwrap();
        assert!(!life.is_enabled());
        life.close().unwrap();
        assert_eq!(life.state(), State::Closed);
    }
}
