//! Child processes a test starts (socat, `pos sim card`, ...), killed and reaped when the
//! guard drops. A test that panics half-way would otherwise leave its child running: a
//! virtual card still holding vpcd's port, a relay on a pty, which breaks every later test
//! that needs the same resource, in this run and the next.

use std::ops::{Deref, DerefMut};
use std::process::Child;

/// A child that is killed (SIGKILL) and waited for on drop, unless it has exited already.
#[derive(Debug)]
pub struct ChildGuard(Child);

impl ChildGuard {
    pub fn new(child: Child) -> Self {
        Self(child)
    }
}

impl Deref for ChildGuard {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for ChildGuard {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}
