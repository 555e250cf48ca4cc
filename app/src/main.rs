//! The `pos` binary: the edge where errors become exit codes.

fn main() -> std::process::ExitCode {
    pos_app::cli::main()
}
