//! Construction of the QuickJS runtime a run executes in.

use javy::{Config, Runtime};

/// Creates the QuickJS runtime for one run.
///
/// `console` from javy is replaced by [`crate::console`], so its streams are
/// sinks. The memory limit is left to the host, which caps linear memory: a
/// failed `memory.grow` makes QuickJS throw `InternalError: out of memory`.
/// So is the recursion limit: quickjs-ng compiles its stack check out on
/// WASI, so deep recursion traps and the host classifies the trap (see
/// `host/classify.rs`).
pub fn new_runtime() -> anyhow::Result<Runtime> {
    let mut config = Config::default();
    config
        .log_stream(Box::new(std::io::sink()))
        .err_stream(Box::new(std::io::sink()))
        .text_encoding(true);
    Runtime::new(config)
}
