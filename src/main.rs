//! The `ccfgen` command line. Exit codes: 0 ok, 1 findings or failures, 2 usage or I/O error.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
