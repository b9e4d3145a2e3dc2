//! `jsbox call FILE --wit WIT --interface NAME --export NAME --args JSON`:
//! one typed export of a JS plugin module or a plugin component, called
//! with JSON arguments; its result is printed as JSON.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use jsbox::{ExportTarget, RunOptions, Runtime, TypedExports};

use super::args::parse_duration;
use super::exit;
use super::run::{print_outcome, print_report, read_script};
use super::sandbox::SandboxArgs;

#[derive(Debug, Args)]
pub struct CallArgs {
    /// The plugin: a JS module (exporting the function in camelCase) or a
    /// `.wasm` component exporting the interface.
    file: PathBuf,

    /// The WIT declaring the interface: a file or a directory (with its
    /// dependencies in `deps/`). Repeat it to add packages, dependencies
    /// first.
    #[arg(long, value_name = "FILE|DIR", required = true)]
    wit: Vec<PathBuf>,

    /// The interface the plugin exports: its name (`orders`) or full name
    /// (`example:orders/orders@0.1.0`).
    #[arg(long, value_name = "NAME")]
    interface: String,

    /// The function to call, by its WIT name (`transform`).
    #[arg(long, value_name = "NAME")]
    export: String,

    /// The arguments, as a JSON array (see wit/README.md for how JSON maps
    /// to WIT types).
    #[arg(long, value_name = "JSON", default_value = "[]")]
    args: String,

    /// Wall-clock limit for the call, e.g. `50ms`, `5s`.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    timeout: Duration,

    /// Print the resource report as one JSON line on stderr at exit.
    #[arg(long)]
    report: bool,

    #[command(flatten)]
    sandbox: SandboxArgs,
}

pub fn call(args: CallArgs) -> ExitCode {
    match prepare(&args) {
        Ok((runtime, target, json, options)) => {
            let called = runtime.call_export_json(&target, &args.export, &json, options);
            let execution = match called {
                Ok(call) => call.execution,
                Err(error) => return usage(error),
            };
            if let jsbox::Outcome::Ok {
                value_json: Some(json),
            } = &execution.outcome
            {
                println!("{json}");
            }
            print_outcome(&execution.outcome);
            if args.report {
                print_report(&execution);
            }
            ExitCode::from(exit::for_outcome(&execution.outcome))
        }
        Err(code) => code,
    }
}

fn usage(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("jsbox: {message}");
    ExitCode::from(exit::USAGE)
}

/// The runtime, the target, the arguments and the run's options; or the
/// exit code of a usage error, already reported.
fn prepare(
    args: &CallArgs,
) -> Result<(Runtime, ExportTarget, serde_json::Value, RunOptions), ExitCode> {
    let json: serde_json::Value =
        serde_json::from_str(&args.args).map_err(|e| usage(format!("--args is not JSON: {e}")))?;
    let exports = args
        .wit
        .iter()
        .fold(TypedExports::builder(), |builder, path| {
            builder.wit_path(path)
        })
        .interface(&args.interface)
        .build()
        .map_err(usage)?;
    let (runtime, mut options) = args.sandbox.runtime_and_options(args.timeout)?;
    let target = if args.file.extension().is_some_and(|ext| ext == "wasm") {
        let wasm = std::fs::read(&args.file)
            .map_err(|e| usage(format!("cannot read {}: {e}", args.file.display())))?;
        let name = args.file.display().to_string();
        ExportTarget::Component(
            runtime
                .load_typed_plugin(name, &wasm, &exports)
                .map_err(usage)?,
        )
    } else {
        let (entry, root) = read_script(&args.file, true).map_err(usage)?;
        options = options.with_module_root(root);
        ExportTarget::js(&exports, entry)
    };
    Ok((runtime, target, json, options))
}
