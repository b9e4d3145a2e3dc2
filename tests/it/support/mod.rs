//! What the integration tests share: the one in-process [`runtime`], the
//! ways to run a script on it and collect what it logged, the `jsbox`
//! binary as a [`Command`], and test servers and components (submodules).
//!
//! Conventions: [`run`] returns the execution and its log; [`logs`],
//! [`output`] and [`value`] assert the run completed and return what it
//! logged or its completion value. A test that needs a runtime built
//! differently (other limits, host functions, counters of its own) builds it
//! locally from [`runtime_builder`], under a name that says how it differs;
//! only a test of the compiled-guest cache gives it a cache of its own.

pub mod dummy_component;
pub mod fixtures;
pub mod http_server;
pub mod serve_server;
pub mod typed;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, OnceLock, mpsc};
use std::time::Duration;

use jsbox::{
    Execution, HttpBody, HttpRequest, HttpResponse, MemoryAuditSink, MemorySink, Outcome,
    OutcomeKind, PreparedHandler, ResourceReport, RunOptions, Runtime, RuntimeBuilder, Script,
};

/// `Runtime::builder()` with the compiled-guest cache that every test
/// process and `jsbox` child share ([`cache_home`]`/jsbox`, the children's
/// default): the guest is compiled once per engine configuration instead of
/// once per runtime (about 9 s of CPU each in a test build). Tests of that
/// cache itself give their runtimes a directory of their own.
pub fn runtime_builder() -> RuntimeBuilder {
    Runtime::builder().cache_dir(Path::new(cache_home()).join("jsbox"))
}

/// The runtime the tests share: [`runtime_builder`] with all defaults,
/// built once per process. Its counters see every test's runs;
/// a test that checks exact counts builds a runtime of its own.
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| runtime_builder().build().expect("runtime builds"))
}

/// Runs `script` with `options` plus a log sink; returns the execution and
/// every logged message.
pub fn run(script: &Script, options: RunOptions) -> (Execution, Vec<String>) {
    let sink = Arc::new(MemorySink::new());
    let execution = runtime().run(script, options.with_log_sink(sink.clone()));
    (execution, sink.messages())
}

/// What `script` logged, one message per line, asserting it completed.
pub fn logs(script: &Script) -> Vec<String> {
    logs_with(script, RunOptions::default())
}

/// What `script` logged under `options`, asserting it completed.
pub fn logs_with(script: &Script, options: RunOptions) -> Vec<String> {
    let (execution, messages) = run(script, options);
    assert!(
        execution.outcome.is_ok(),
        "{:?}\nlogged: {messages:?}",
        execution.outcome
    );
    messages
}

/// What `script` logged, joined with newlines, asserting it completed.
pub fn output(script: &Script) -> String {
    logs(script).join("\n")
}

/// What the classic script `source` (named `/test.js`) logged (see
/// [`output`]).
pub fn script_output(source: &str) -> String {
    output(&Script::new("/test.js", source))
}

/// The JSON completion value of `script`, which must complete with one.
pub fn value(script: &Script) -> String {
    value_with(script, RunOptions::default())
}

/// The JSON completion value of `script` under `options`.
pub fn value_with(script: &Script, options: RunOptions) -> String {
    match runtime().run(script, options).outcome {
        Outcome::Ok {
            value_json: Some(json),
        } => json,
        other => panic!("expected a value, got {other:?}"),
    }
}

/// The `jsbox` binary, with one compiled-guest cache shared between the
/// tests (`XDG_CACHE_HOME` is the target's tmp directory, away from
/// `$HOME`). Set on the child only: the test process's environment is
/// never changed.
pub fn jsbox() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jsbox"));
    command.env("XDG_CACHE_HOME", cache_home());
    command
}

/// The `XDG_CACHE_HOME` every `jsbox` child gets: `target/tmp`.
pub fn cache_home() -> &'static str {
    env!("CARGO_TARGET_TMPDIR")
}

/// A temporary directory holding `files`, given as (relative path,
/// contents).
pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, contents) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    dir
}

/// Output bytes as text, lossily.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The QuickJS guest's target directory (see build.rs), whose standard
/// library build the plugin examples reuse instead of compiling their own.
pub fn guest_target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/tmp has a parent")
        .join("jsbox-guest")
}

/// Builds `examples/plugins/<example>` into `wasm` with `jsbox
/// build-plugin`, as its README says (reusing the guest's target
/// directory, [`guest_target_dir`]), and asserts it built.
pub fn build_plugin(example: &str, wasm: &Path) {
    let built = jsbox()
        .arg("build-plugin")
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("examples/plugins")
                .join(example),
        )
        .arg("--target-dir")
        .arg(guest_target_dir())
        .arg("-o")
        .arg(wasm)
        .output()
        .expect("jsbox starts");
    assert!(built.status.success(), "{}", text(&built.stderr));
}

/// For a test that must be the only one in its process (it counts the
/// process's threads): run from the shared test process, it runs itself
/// again in a child process of its own (`--exact`, one thread) and returns
/// `false`, having asserted the child passed; in that child it returns
/// `true`, and the test goes on. `name` is the test's path within the
/// binary, as `cargo test` lists it.
pub fn alone_in_process(name: &str) -> bool {
    const VAR: &str = "JSBOX_IT_ALONE";
    if std::env::var_os(VAR).is_some_and(|alone| alone == name) {
        return true;
    }
    let output = Command::new(std::env::current_exe().expect("the test binary"))
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(VAR, name)
        .output()
        .expect("the test binary starts again");
    let stdout = text(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{name} in a process of its own: {}\n{stdout}\n{}",
        output.status,
        text(&output.stderr)
    );
    false
}

/// Runs `jsbox args` (see [`jsbox`]) with `envs` added to its environment,
/// and waits for its output.
pub fn jsbox_output(args: &[&str], envs: &[(&str, &str)]) -> Output {
    jsbox()
        .envs(envs.iter().copied())
        .args(args)
        .output()
        .expect("jsbox starts")
}

/// What the classic script `source` (named `test.js`) logged, asserting it
/// completed.
pub fn script_logs(source: &str) -> Vec<String> {
    logs(&Script::new("test.js", source))
}

/// What the module `source` (named `test.mjs`; top-level `await` allowed)
/// logged, asserting it completed.
pub fn module_logs(source: &str) -> Vec<String> {
    logs(&Script::module("test.mjs", source))
}

/// The JSON completion value of the classic script `source` (named
/// `test.js`).
pub fn script_value(source: &str) -> String {
    value(&Script::new("test.js", source))
}

/// A run as the grant tests check it: how it ended, what it logged and
/// audited, and what it consumed.
pub struct Ran {
    pub outcome: OutcomeKind,
    pub logs: Vec<String>,
    pub audit: Arc<MemoryAuditSink>,
    pub report: ResourceReport,
}

impl Ran {
    /// The run's wall-clock time.
    pub fn wall(&self) -> Duration {
        Duration::from_micros(self.report.wall_us)
    }
}

/// Runs `script` on the shared runtime with log and audit sinks added to
/// `options`. An uncaught exception is printed, for a failing test's
/// output.
pub fn run_audited(script: &Script, options: RunOptions) -> Ran {
    run_audited_on(runtime(), script, options)
}

/// [`run_audited`] on `runtime`.
pub fn run_audited_on(runtime: &Runtime, script: &Script, options: RunOptions) -> Ran {
    let logs = Arc::new(MemorySink::new());
    let audit = Arc::new(MemoryAuditSink::new());
    let execution = runtime.run(
        script,
        options
            .with_log_sink(logs.clone())
            .with_audit_sink(audit.clone()),
    );
    if let Outcome::UncaughtException(error) = &execution.outcome {
        eprintln!("uncaught: {error}");
    }
    Ran {
        outcome: execution.outcome.kind(),
        logs: logs.messages(),
        audit,
        report: execution.report,
    }
}

/// Serves `request` with the prepared `handler` on the shared runtime; the
/// execution and the response's whole body as text (empty if none was
/// sent).
pub fn serve_prepared(
    handler: &PreparedHandler,
    request: HttpRequest,
    env: &[(String, String)],
    options: RunOptions,
) -> (Execution, String) {
    let (tx, rx) = mpsc::channel();
    let execution = runtime().handle_prepared(
        handler,
        request,
        env,
        options,
        Box::new(move |response: HttpResponse| {
            let _ = tx.send(response);
        }),
    );
    let text = match rx.try_recv().map(|response| response.body) {
        Ok(HttpBody::Full(bytes)) => String::from_utf8(bytes).expect("UTF-8 body"),
        Ok(HttpBody::Stream(_)) => panic!("a whole body was sent as a stream"),
        Err(_) => String::new(),
    };
    (execution, text)
}
