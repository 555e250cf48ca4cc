//! The `pos` command line, built inside this package so that the end-to-end tests run it as
//! a subprocess through `CARGO_BIN_EXE_pos-cli` (same code as the app's `pos` binary).

fn main() -> std::process::ExitCode {
    pos_app::cli::main()
}
