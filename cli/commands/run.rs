//! `jsbox run FILE`: one script, one sandbox, an exit code per outcome.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use jsbox::{
    ComponentSource, Execution, Limits, NetProxy, Outcome, RequestContext, RunOptions, Runtime,
    RuntimeBuilder, Script, SourceKind, StdioSink,
};
use serde::Serialize;

use super::args::{parse_context, parse_duration, parse_fuel, parse_net_proxy, parse_size};
use super::exit;
use super::grants::GrantArgs;

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

    /// CPU budget in fuel units (about one per wasm instruction). Default: no
    /// budget beyond the timeout.
    #[arg(long, value_name = "N", value_parser = parse_fuel, conflicts_with = "cpu")]
    fuel: Option<u64>,

    /// CPU budget as time, e.g. `50ms`: converted to fuel at the calibrated
    /// rate of this build (see README), so it stops at the same point on
    /// every machine and takes about this long on ours.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    cpu: Option<Duration>,

    /// Linear-memory cap, e.g. `128M`, `1G` (powers of 1024).
    #[arg(long, value_name = "SIZE", default_value = "128M", value_parser = parse_size)]
    memory: u64,

    /// Cap on console output; output past it is dropped with a warning.
    #[arg(long, value_name = "SIZE", default_value = "1M", value_parser = parse_size)]
    max_output: u64,

    /// Cap on the script's calls to the host (console output, timers,
    /// module loads...); the call past it ends the run (exit code 7).
    /// Default: no cap.
    #[arg(long, value_name = "N")]
    max_host_calls: Option<u64>,

    /// Cap on the `fetch` response bodies open at once (each holds a
    /// socket on the host); the fetch past it rejects with a TypeError.
    /// Read bodies to the end or cancel them to free their place.
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT.max_open_fetches,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_open_fetches: u32,

    /// Send every `fetch` through this HTTP CONNECT proxy
    /// (`http://[user:password@]host:port`). The target is still resolved
    /// here and its addresses checked against the rules; the proxy is asked
    /// for the checked address. Without it `fetch` connects directly:
    /// HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY are ignored.
    #[arg(long, value_name = "URL", value_parser = parse_net_proxy)]
    net_proxy: Option<NetProxy>,

    /// The request context JS sees as `context`: JSON, or `@file` to read
    /// JSON from a file. Example: '{"tenantId":"t1","user":{"id":"u1"}}'.
    #[arg(long, value_name = "JSON|@FILE", value_parser = parse_context)]
    context: Option<RequestContext>,

    /// Run the file as an ES module, whatever its extension.
    #[arg(long)]
    module: bool,

    /// Refuse code generation from strings: `eval`, `new Function` and the
    /// async and generator function constructors throw an EvalError. The
    /// file and the modules it imports run as usual.
    #[arg(long)]
    no_eval: bool,

    /// The directory imports and requires may load files from
    /// (subdirectories included). Default: the file's own directory.
    #[arg(long, value_name = "DIR")]
    module_root: Option<PathBuf>,

    /// Print the resource report as one JSON line on stderr at exit.
    #[arg(long)]
    report: bool,

    /// Where to keep the compiled guest between invocations.
    /// Default: `$XDG_CACHE_HOME/jsbox` or `~/.cache/jsbox`.
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,

    /// Compile the guest afresh instead of using (or filling) the cache.
    #[arg(long)]
    no_cache: bool,

    #[command(flatten)]
    grants: GrantArgs,
}

pub fn run(args: RunArgs) -> ExitCode {
    let target = match read_target(&args) {
        Ok(target) => target,
        Err(message) => {
            eprintln!("jsbox: {message}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let grants = match args.grants.grants() {
        Ok(grants) => grants,
        Err(error) => {
            eprintln!("jsbox: {error}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let audit_sink = match args.grants.audit_sink() {
        Ok(sink) => sink,
        Err(message) => {
            eprintln!("jsbox: {message}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let mut builder = Runtime::builder()
        // One run needs one sandbox, and one more while compiling.
        .max_concurrent(2)
        .max_memory_bytes(args.memory);
    let cache_dir = args.cache_dir.or_else(RuntimeBuilder::default_cache_dir);
    if let Some(dir) = cache_dir.filter(|_| !args.no_cache) {
        builder = builder.cache_dir(dir);
    }
    let runtime = match builder.build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("jsbox: internal: {:#}", anyhow::Error::new(error));
            return ExitCode::from(exit::for_kind(jsbox::OutcomeKind::Internal));
        }
    };
    let mut options = RunOptions::default()
        .with_context(args.context.unwrap_or_default())
        .with_limits(Limits {
            timeout: args.timeout,
            fuel: args.fuel.or(args.cpu.map(Limits::fuel_for_cpu_time)),
            memory_bytes: args.memory,
            max_output_bytes: args.max_output,
            max_host_calls: args.max_host_calls,
            max_open_fetches: args.max_open_fetches,
        })
        .with_log_sink(Arc::new(StdioSink))
        .with_grants(grants)
        .with_allow_eval(!args.no_eval)
        // The env grant decides which of these the script sees.
        .with_env(std::env::vars());
    if let Some(sink) = audit_sink {
        options = options.with_audit_sink(sink);
    }
    if let Some(proxy) = args.net_proxy {
        options = options.with_net_proxy(proxy);
    }
    if let ComponentSource::Compiled {
        save_error: Some(error),
        ..
    } = runtime.component_source()
    {
        eprintln!("jsbox: warning: {error}; the next start will compile again (see --cache-dir)");
    }
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
            args.max_output
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
