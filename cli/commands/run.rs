//! `jsbox run FILE`: one script, one sandbox, an exit code per outcome.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use jsbox::{Execution, Outcome, Script, SourceKind};
use serde::Serialize;

use super::args::parse_duration;
use super::exit;
use super::sandbox::SandboxArgs;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The JavaScript file to run (UTF-8). Like Node, `.mjs` files (and
    /// `.js` files under a package.json with `"type": "module"`) run as ES
    /// modules, others as scripts. The file may import or require files in
    /// its own directory tree. A `.wasm` file is run as a plugin component
    /// (the `jsbox:sandbox/plugin` world): its `handle` gets `--input` and
    /// its output is printed. With `--input`, a JS file is run as a JS
    /// plugin: an ES module whose exported `handle(input)` is called.
    file: PathBuf,

    /// Run the file as a plugin: a `.wasm` component's `handle`, or a JS
    /// module's exported `handle`, gets this input; its output is printed.
    #[arg(long, value_name = "TEXT")]
    input: Option<String>,

    /// Wall-clock limit for the run, e.g. `50ms`, `5s`.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    timeout: Duration,

    #[command(flatten)]
    sandbox: SandboxArgs,

    /// Run the file as an ES module, whatever its extension.
    #[arg(long)]
    module: bool,

    /// The directory imports and requires may load files from
    /// (subdirectories included). Default: the file's own directory.
    #[arg(long, value_name = "DIR")]
    module_root: Option<PathBuf>,

    /// Print the resource report as one JSON line on stderr at exit.
    #[arg(long)]
    report: bool,
}

pub fn run(args: RunArgs) -> ExitCode {
    let target = match read_target(&args) {
        Ok(target) => target,
        Err(message) => {
            eprintln!("jsbox: {message}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let (runtime, options) = match args.sandbox.runtime_and_options(args.timeout) {
        Ok(made) => made,
        Err(code) => return code,
    };
    let execution = match target {
        Target::Script(script, module_root) => runtime.run(
            &script,
            options.with_module_root(args.module_root.unwrap_or(module_root)),
        ),
        Target::JsPlugin(entry, module_root) => {
            let options = options.with_module_root(args.module_root.unwrap_or(module_root));
            let input = args.input.as_deref().unwrap_or("");
            let execution = runtime.run_js_plugin(&entry, input, options);
            print_plugin_output(&execution.outcome);
            execution
        }
        Target::Plugin(wasm) => {
            let name = args.file.display().to_string();
            let plugin = match runtime.load_plugin(name, &wasm) {
                Ok(plugin) => plugin,
                Err(error) => {
                    eprintln!("jsbox: {error}");
                    return ExitCode::from(exit::USAGE);
                }
            };
            let execution =
                runtime.run_plugin(&plugin, args.input.as_deref().unwrap_or(""), options);
            print_plugin_output(&execution.outcome);
            execution
        }
    };

    print_outcome(&execution.outcome);
    if execution.report.output_truncated {
        eprintln!(
            "jsbox: warning: output past the {} byte limit was dropped (see --max-output)",
            args.sandbox.max_output
        );
    }
    if args.report {
        print_report(&execution);
    }
    ExitCode::from(exit::for_outcome(&execution.outcome))
}

/// What `jsbox run` runs.
enum Target {
    /// A script and its directory (the default module root).
    Script(Script, PathBuf),
    /// A plugin component's bytes.
    Plugin(Vec<u8>),
    /// A JS plugin module and its directory.
    JsPlugin(Script, PathBuf),
}

fn read_target(args: &RunArgs) -> Result<Target, String> {
    if args.file.extension().is_some_and(|ext| ext == "wasm") {
        let wasm = std::fs::read(&args.file)
            .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
        return Ok(Target::Plugin(wasm));
    }
    if args.input.is_some() {
        // A JS plugin exports `handle`, so it is always a module.
        let (script, root) = read_script(&args.file, true)?;
        return Ok(Target::JsPlugin(script, root));
    }
    let (script, root) = read_script(&args.file, args.module)?;
    Ok(Target::Script(script, root))
}

/// Prints a plugin's output, as it returned it, to stdout.
fn print_plugin_output(outcome: &Outcome) {
    if let Outcome::Ok {
        value_json: Some(json),
    } = outcome
        && let Ok(output) = serde_json::from_str::<String>(json)
    {
        println!("{output}");
    }
}

/// Reads `path` as UTF-8 source, with errors that say what to fix; returns
/// the script (named by its canonical path, which stack traces show and
/// relative imports start from) and its directory, the run's module root.
pub(crate) fn read_script(path: &Path, force_module: bool) -> Result<(Script, PathBuf), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let path = path
        .canonicalize()
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let path = path.as_path();
    let source = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{} is not valid UTF-8 (invalid byte at offset {}); jsbox runs UTF-8 source only",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    let kind = if force_module {
        SourceKind::Module
    } else {
        source_kind(path)
    };
    let root = path.parent().unwrap_or(Path::new("/")).to_path_buf();
    let script = Script {
        name: path.display().to_string(),
        source,
        kind,
    };
    Ok((script, root))
}

/// Node's rule: `.mjs` is a module, `.cjs` a script, and `.js` follows the
/// `"type"` of the nearest package.json (a script when there is none).
fn source_kind(path: &Path) -> SourceKind {
    match path.extension().and_then(|ext| ext.to_str()) {
        Some("mjs") => return SourceKind::Module,
        Some("cjs") => return SourceKind::Script,
        _ => {}
    }
    let package_type = path.ancestors().skip(1).find_map(|dir| {
        let manifest = std::fs::read_to_string(dir.join("package.json")).ok()?;
        let manifest: serde_json::Value = serde_json::from_str(&manifest).ok()?;
        Some(
            manifest
                .get("type")
                .and_then(|t| t.as_str())
                .map(str::to_owned),
        )
    });
    match package_type.flatten().as_deref() {
        Some("module") => SourceKind::Module,
        _ => SourceKind::Script,
    }
}

/// Prints a failed run like Node prints an uncaught error, and a limit as
/// one `jsbox: kind: ...` line.
pub(crate) fn print_outcome(outcome: &Outcome) {
    match outcome {
        // Node prints nothing when a script exits by itself.
        Outcome::Ok { .. } | Outcome::Exit { .. } => {}
        Outcome::UncaughtException(error) => eprintln!("Uncaught {error}"),
        Outcome::SyntaxError(error) => eprintln!("{error}"),
        _ => eprintln!("jsbox: {outcome}"),
    }
}

#[derive(Serialize)]
struct ReportLine<'a> {
    request_id: &'a str,
    outcome: jsbox::OutcomeKind,
    #[serde(flatten)]
    report: &'a jsbox::ResourceReport,
}

pub(crate) fn print_report(execution: &Execution) {
    let line = ReportLine {
        request_id: &execution.request_id,
        outcome: execution.outcome.kind(),
        report: &execution.report,
    };
    match serde_json::to_string(&line) {
        Ok(json) => eprintln!("{json}"),
        Err(error) => eprintln!("jsbox: cannot encode the report: {error}"),
    }
}
