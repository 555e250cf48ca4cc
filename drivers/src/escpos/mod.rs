//! ESC/POS, the command language of Epson-compatible receipt printers.
//!
//! - [`encode`]: a `pos_hal::receipt::Document` → ESC/POS bytes, as segments a spooler can
//!   pause between; drawer kick (`ESC p`), status requests (`DLE EOT n`), `GS a`.
//! - [`status`]: `DLE EOT` replies and Automatic Status Back blocks → typed `PrinterStatus`.
//! - [`decode`]: the printer's side, ESC/POS bytes → commands (used by the simulator).
//! - [`codepage`]: PC858, the code page with the euro sign.
//! - [`spooler`]: print jobs over any [`crate::pipe::BytePipe`], held while the printer needs a
//!   person and resumed where they stopped; [`printer::EscPosPrinter`] wraps it as a device.
//!
//! Why not the `escpos` crate (0.20, evaluated): it is a good *writer* for a printer it owns
//! (its `Printer<D: Driver>` drives I/O itself and logs through `log`), but we need the
//! opposite shapes too: a pure encoder whose output a spooler can split at command
//! boundaries and interleave with real-time status queries, a decoder for the simulated
//! printer, ASB parsing and a typed `PrinterStatus` (the crate returns a `HashMap` of flags
//! per request and has no ASB support). The commands a receipt needs are a dozen byte
//! strings (Epson ESC/POS reference), smaller than the glue to adapt the crate, so we write
//! them here and test them against the decoder and the simulator.

pub mod codepage;
pub mod decode;
pub mod encode;
pub mod printer;
pub mod spooler;
pub mod status;
