//! Mapping how a run ended, as Wasmtime and the guest report it, onto one
//! [`Outcome`].
//!
//! The order of the checks matters: a refused memory growth explains most
//! other failures that follow it (QuickJS throws `out of memory`, Rust
//! aborts on a failed allocation), so it is checked before anything the
//! guest says about itself.

use std::any::Any;

use wasmtime::{PoolConcurrencyLimitError, Trap};

use crate::Limits;
use crate::capabilities::bindings::exports::jsbox::sandbox::run::Failure;
use crate::outcome::Outcome;
use crate::traps::Cancelled;
use crate::traps::HostCallLimitExceeded;
use crate::traps::ProcessExit;

/// What classification needs to know about the run besides its result.
pub struct RunFacts<'a> {
    /// The run's (effective) limits.
    pub limits: &'a Limits,
    /// Whether the memory limiter refused a growth.
    pub memory_denied: bool,
    /// The runtime's sandbox pool size, for `Overloaded`.
    pub max_concurrent: u32,
}

/// Classifies a failure the guest reported about the script.
pub fn classify_failure(failure: Failure, facts: &RunFacts<'_>) -> Outcome {
    if facts.memory_denied {
        return memory_limit(facts.limits);
    }
    match failure {
        Failure::SyntaxError(error) => Outcome::SyntaxError(error.into()),
        Failure::UncaughtException(error) => Outcome::UncaughtException(error.into()),
        Failure::StackOverflow(error) => Outcome::StackOverflow {
            error: Some(error.into()),
        },
        Failure::Internal(message) => Outcome::Internal {
            message: format!("the guest failed: {message}"),
        },
    }
}

/// Classifies an error from instantiating or calling the guest.
pub fn classify_error(error: &wasmtime::Error, facts: &RunFacts<'_>) -> Outcome {
    if error.is::<PoolConcurrencyLimitError>() {
        return Outcome::Overloaded {
            max_concurrent: facts.max_concurrent,
        };
    }
    // An exit is the script's own decision, taken before any limit could
    // explain it.
    if let Some(ProcessExit { code }) = error.downcast_ref::<ProcessExit>() {
        return Outcome::Exit { code: *code };
    }
    if error.is::<Cancelled>() {
        return Outcome::Cancelled;
    }
    if error.is::<HostCallLimitExceeded>() {
        return Outcome::HostCallLimit {
            limit: facts.limits.max_host_calls.unwrap_or(u64::MAX),
        };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => Outcome::CpuBudget {
            fuel: facts.limits.fuel.unwrap_or(u64::MAX),
        },
        Some(Trap::Interrupt) => Outcome::Timeout {
            limit: facts.limits.timeout,
        },
        Some(Trap::StackOverflow) => Outcome::StackOverflow { error: None },
        Some(Trap::MemoryOutOfBounds) if is_shadow_stack_overflow(error) => {
            Outcome::StackOverflow { error: None }
        }
        _ if facts.memory_denied => memory_limit(facts.limits),
        Some(trap) => Outcome::Internal {
            message: format!("the guest trapped: {trap} ({error:#})"),
        },
        // Errors that are not traps come from host functions.
        None => Outcome::HostError {
            message: format!("{error:#}"),
        },
    }
}

/// How far below address 0 a wrapped-around shadow-stack pointer may point.
/// A frame larger than this (64 MiB of locals) is not a realistic program.
const SHADOW_STACK_WRAP_WINDOW: u64 = 64 << 20;

/// Whether an out-of-bounds trap is the guest's shadow stack running out.
///
/// QuickJS keeps JS frames on the C "shadow" stack in linear memory, and
/// quickjs-ng disables its own stack-limit check on WASI. The guest is linked
/// stack-first (the stack occupies the lowest addresses and grows down), so
/// exhausting it makes the stack pointer wrap below 0 and the next access
/// faults at an address just under 4 GiB. Recursion with small frames hits
/// the host's native `max_wasm_stack` first (`Trap::StackOverflow`); frames
/// with many locals reach this case instead. Wasmtime reports the faulting
/// address only in the error's context text, so it is read from there.
fn is_shadow_stack_overflow(error: &wasmtime::Error) -> bool {
    const MARKER: &str = "memory fault at wasm address 0x";
    error.chain().any(|cause| {
        let text = cause.to_string();
        let Some(start) = text.find(MARKER).map(|i| i + MARKER.len()) else {
            return false;
        };
        let hex: String = text[start..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        let wrapped = (1 << 32) - SHADOW_STACK_WRAP_WINDOW..1 << 32;
        u64::from_str_radix(&hex, 16).is_ok_and(|address| wrapped.contains(&address))
    })
}

/// Classifies a panic caught while running (in jsbox's own host code).
pub fn classify_panic(payload: Box<dyn Any + Send>) -> Outcome {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with a non-string payload".to_owned());
    Outcome::Internal {
        message: format!("the host panicked during the run: {message}"),
    }
}

fn memory_limit(limits: &Limits) -> Outcome {
    Outcome::MemoryLimit {
        limit_bytes: limits.memory_bytes,
    }
}
