//! Simulators. A simulated device behaves like the real one at its transport: the virtual
//! card speaks vpcd's socket protocol to the real pcscd, the simulated printer decodes ESC/POS.

/// `UposDevice` for a simulator whose whole lifecycle is its `life: Lifecycle` field: a
/// simulated device has no transport to connect, so claiming is bookkeeping only.
macro_rules! upos_over_lifecycle {
    ($t:ty) => {
        impl ::pos_hal::device::UposDevice for $t {
            fn name(&self) -> &str {
                self.life.name()
            }
            fn state(&self) -> ::pos_hal::device::State {
                self.life.state()
            }
            fn open(&mut self) -> Result<(), ::pos_hal::device::DeviceError> {
                self.life.open()
            }
            fn claim(
                &mut self,
                _timeout: ::std::time::Duration,
            ) -> Result<(), ::pos_hal::device::DeviceError> {
                self.life.claim()
            }
            fn enable(&mut self) -> Result<(), ::pos_hal::device::DeviceError> {
                self.life.enable()
            }
            fn disable(&mut self) -> Result<(), ::pos_hal::device::DeviceError> {
                self.life.disable()
            }
            fn release(&mut self) -> Result<(), ::pos_hal::device::DeviceError> {
                self.life.release()
            }
            fn close(&mut self) -> Result<(), ::pos_hal::device::DeviceError> {
                self.life.close()
            }
        }
    };
}

pub mod card;
pub mod emv_card;
pub mod printer;
pub mod reader;
pub mod scanner;
pub mod swipe;
pub mod t0;
pub mod test_card;
pub mod vpcd;
