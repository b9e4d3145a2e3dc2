//! The QuickJS guest component, built and componentized by `build.rs`.
//!
//! Embedding it keeps the `jsbox` binary self-contained: no file has to be
//! found at run time.

/// The guest component's bytes (the `jsbox:sandbox/sandbox` world).
pub const COMPONENT: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/jsbox-guest.component.wasm"));
