//! Components the host loads besides the guest: plugins (`plugin`), HTTP
//! plugins (`http_plugin`), typed exports of JS or component plugins
//! (`typed/`), and HTTP handler entries prepared into snapshots
//! (`prepared`). Each is compiled through `cache` and linked to the same
//! imports as the guest.
//!
//! Layer rule: uses `sandbox`, `capabilities`, `cache`, `observe` and the
//! vocabulary; `run` executes what is loaded here, never the reverse.

pub(crate) mod http_plugin;
pub(crate) mod plugin;
pub(crate) mod prepared;
pub(crate) mod typed;
