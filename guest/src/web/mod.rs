//! The web platform globals (the WinterTC Minimum Common API), installed
//! once by `initialize` and so part of the snapshot.
//!
//! - [`native`]: APIs backed by Rust where speed or correctness needs it —
//!   text encoding, base64, URL, `structuredClone`, `crypto`.
//! - [`js`]: APIs that are mostly object shape, written in JS — events,
//!   abort, `DOMException`, `Headers`/`Request`/`Response`, `Blob`...
//!
//! `docs/web-apis.md` lists every item with its status.

mod js;
mod native;

use javy::quickjs::Ctx;

pub use js::internal;

/// Installs every web global. Native APIs first: the JS ones may use them.
pub fn install(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    native::install(ctx)?;
    js::install(ctx)
}
