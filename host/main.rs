//! The `jsbox` command line. Everything it does goes through the library;
//! this layer parses arguments, reads files, prints and picks exit codes.

mod cli;
mod serve;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
