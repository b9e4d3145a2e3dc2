//! Argument parsing and dispatch for the `jsbox` binary.

pub(crate) mod args;
pub(crate) mod build_plugin;
mod call;
pub(crate) mod exit;
mod grants;
pub(crate) mod run;
mod sandbox;
mod test;

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
    /// Run a JavaScript file (or a plugin component) in a fresh sandbox.
    Run(Box<run::RunArgs>),
    /// Build a Rust plugin crate into a component `jsbox run` accepts.
    BuildPlugin(build_plugin::BuildPluginArgs),
    /// Call a typed export (declared in your WIT) of a JS or component
    /// plugin with JSON arguments; print its result as JSON.
    Call(Box<call::CallArgs>),
    /// Serve HTTP: every request runs the handler in a fresh sandbox.
    Serve(Box<crate::serve::ServeArgs>),
    /// Run `node:test` test files, each in a fresh sandbox; report them
    /// together (TAP or a summary for people).
    Test(Box<test::TestArgs>),
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
        Command::Run(args) => run::run(*args),
        Command::BuildPlugin(args) => build_plugin::build_plugin(args),
        Command::Call(args) => call::call(*args),
        Command::Serve(args) => crate::serve::main(*args),
        Command::Test(args) => test::test(*args),
    }
}
