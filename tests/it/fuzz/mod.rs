//! Property-based fuzzing of the boundaries a script or client controls:
//! grant and address parsing (`grants.rs`), `--context` JSON
//! (`context.rs`), typed-export values (`typed.rs`), every host import
//! with arbitrary arguments (`imports.rs`, `driver.mjs`) and raw HTTP into
//! `jsbox serve` (`serve.rs`). Inputs come from the `arbitrary` crate over
//! a seeded byte stream (`harness.rs`): `cargo test` runs a fixed-seed
//! pass (`cargo test --test it fuzz::`); `docs/fuzzing.md` says how to run a target for hours and replay
//! a failing seed.

mod context;
mod grants;
mod harness;
mod imports;
mod inputs;
mod serve;
mod typed;

use std::sync::OnceLock;

use jsbox::{HostFunctionError, Runtime};

use crate::support::runtime_builder;

/// The runtime every in-process target shares: the shared one's defaults
/// plus a `host:fuzz` module whose `echo` takes one string (so odd
/// arguments must be refused cleanly by the host-function bridge).
pub fn runtime_with_echo() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        runtime_builder()
            .host_function("fuzz", "echo", |_, (text,): (String,)| {
                if text.contains('\0') {
                    return Err(HostFunctionError::new("NUL", "no NUL bytes"));
                }
                Ok(text)
            })
            .build()
            .expect("runtime builds")
    })
}
