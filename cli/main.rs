//! The `jsbox` command line. Everything it does goes through the library
//! (the `jsbox` crate in `host/`); this crate parses arguments, reads files,
//! prints, serves HTTP and picks exit codes.

mod commands;
mod serve;

use std::process::ExitCode;

fn main() -> ExitCode {
    commands::main()
}
