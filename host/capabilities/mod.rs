//! Capabilities: everything a script can reach outside its own memory. The
//! host side of the guest's WIT imports (`bindings`, `imports/`), the
//! grants that gate them (`grants/`), the embedder's host functions, and
//! the per-run state the imports act on (`state`).
//!
//! Layer rule: uses `observe` and the public vocabulary only. It knows
//! nothing of stores, instances or snapshots: the imports are implemented
//! on [`state::RunState`], which `sandbox` embeds in its store data. Every
//! gated call goes through `imports/gate.rs` (grants decide, the audit sink
//! records).

pub(crate) mod bindings;
pub(crate) mod grants;
pub(crate) mod host_functions;
pub(crate) mod imports;
pub(crate) mod state;
