//! The `pos` command line. Placeholder until the foundation issue lands.

use std::process::ExitCode;

pub fn main() -> ExitCode {
    eprintln!("pos: not yet implemented");
    ExitCode::from(2)
}
