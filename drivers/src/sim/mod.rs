//! Simulators. A simulated device behaves like the real one at its transport: the virtual
//! card speaks vpcd's socket protocol to the real pcscd, the simulated printer decodes ESC/POS.

pub mod card;
pub mod emv_card;
pub mod printer;
pub mod reader;
pub mod scanner;
pub mod swipe;
pub mod t0;
pub mod test_card;
pub mod vpcd;
