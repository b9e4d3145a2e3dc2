//! Construction of the QuickJS runtime a run executes in.

use javy::{Config, Runtime};

/// QuickJS's own recursion limit, in bytes of the guest's shadow stack.
///
/// The guest is linked with a 1 MiB shadow stack (Rust's wasm default); the
/// limit keeps QuickJS well inside it so that deep recursion becomes a JS
/// `RangeError` that the guest reports as `stack-overflow`, rather than the
/// shadow stack silently running into the data segment below it.
const MAX_STACK_BYTES: usize = 512 * 1024;

/// Creates the QuickJS runtime for one run.
///
/// `console` from javy is replaced by [`crate::console`], so its streams are
/// sinks. The memory limit is left to the host, which caps linear memory: a
/// failed `memory.grow` makes QuickJS throw `InternalError: out of memory`.
pub fn new_runtime() -> anyhow::Result<Runtime> {
    let mut config = Config::default();
    config
        .max_stack_size(MAX_STACK_BYTES)
        .log_stream(Box::new(std::io::sink()))
        .err_stream(Box::new(std::io::sink()))
        .text_encoding(true);
    Runtime::new(config)
}
