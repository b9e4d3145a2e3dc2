//! Running scripts for the `node_*` tests, whose expected output is what
//! real Node (v20) prints for the same script.

use std::sync::{Arc, OnceLock};

use jsbox::{Execution, MemorySink, Outcome, RunOptions, Runtime, Script};

pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime::builder().build().expect("runtime builds"))
}

/// Runs `script` with `options` plus a log sink; returns the execution and
/// every logged message.
pub fn run(script: &Script, options: RunOptions) -> (Execution, Vec<String>) {
    let sink = Arc::new(MemorySink::new());
    let execution = runtime().run(script, options.with_log_sink(sink.clone()));
    (execution, sink.messages())
}

/// What `script` logged, one line per message, asserting it completed.
pub fn output(script: &Script) -> String {
    let (execution, messages) = run(script, RunOptions::default());
    assert!(
        matches!(execution.outcome, Outcome::Ok { .. }),
        "{:?}\nlogged: {messages:?}",
        execution.outcome
    );
    messages.join("\n")
}

/// What the classic script `source` logged (see [`output`]).
pub fn script_output(source: &str) -> String {
    output(&Script::new("/test.js", source))
}
