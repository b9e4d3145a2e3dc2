//! Argument parsing and dispatch for the `jsbox` binary.

mod args;
mod exit;
mod grants;
mod run;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// jsbox runs untrusted JavaScript in a fresh WebAssembly sandbox, under CPU,
/// wall-clock and memory limits.
#[derive(Debug, Parser)]
#[command(name = "jsbox", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a JavaScript file in a fresh sandbox.
    Run(run::RunArgs),
}

/// Parses the command line and runs the command; usage errors exit with 2.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(exit::USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Run(args) => run::run(args),
    }
}
