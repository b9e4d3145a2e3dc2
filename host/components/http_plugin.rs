//! HTTP plugin components: any WebAssembly component that targets the
//! `jsbox:sandbox/http-plugin` world (`wit/http-plugin.wit`), served like a
//! JS fetch handler.
//!
//! [`Runtime::load_http_plugin`](crate::Runtime::load_http_plugin) checks a
//! component against the world and compiles it through the same disk cache
//! as [`Plugin`](crate::Plugin)s;
//! [`Runtime::handle_plugin`](crate::Runtime::handle_plugin) then calls its
//! `incoming-handler.handle` in a fresh instance per request, under the
//! request's limits, context and host-call cap, and hands the response to
//! the run's [`Responder`](crate::Responder) like a JS handler's. The
//! request body arrives whole and the response body leaves whole: the
//! world's records carry bytes, not streams.

use wasmtime::Engine;
use wasmtime::component::Linker;

use crate::cache::component::{ComponentSource, DiskCache};
use crate::capabilities::bindings::http_plugin::HttpPluginPre;
use crate::components::plugin::{self, PluginError, World};
use crate::sandbox::state::SandboxState;

/// The `http-plugin` world, `wit/http-plugin.wit`.
const HTTP_PLUGIN_WORLD: World = World {
    name: "jsbox:sandbox/http-plugin",
    file: "http-plugin.wit",
};

/// An HTTP plugin component, checked against the `http-plugin` world and
/// compiled; made by
/// [`Runtime::load_http_plugin`](crate::Runtime::load_http_plugin) and
/// served any number of times with
/// [`Runtime::handle_plugin`](crate::Runtime::handle_plugin).
pub struct HttpPlugin {
    name: String,
    pub(crate) pre: HttpPluginPre<SandboxState>,
    source: ComponentSource,
}

impl std::fmt::Debug for HttpPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpPlugin")
            .field("name", &self.name)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl HttpPlugin {
    /// The name the plugin was loaded under (its file name, for the CLI).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the compiled plugin came from: the disk cache, or a fresh
    /// compilation (and why).
    pub fn source(&self) -> &ComponentSource {
        &self.source
    }
}

/// Checks `wasm` against the `http-plugin` world and compiles it, through
/// the disk cache when there is one.
pub(crate) fn load(
    engine: &Engine,
    linker: &Linker<SandboxState>,
    cache: &DiskCache,
    name: String,
    wasm: &[u8],
) -> Result<HttpPlugin, PluginError> {
    let (component, source) = plugin::compile(engine, cache, &name, wasm)?;
    let instance_pre = plugin::instantiate_pre(linker, &component, &name, HTTP_PLUGIN_WORLD)?;
    let pre = HttpPluginPre::new(instance_pre)
        .map_err(|e| plugin::mismatch(&name, HTTP_PLUGIN_WORLD, e))?;
    Ok(HttpPlugin { name, pre, source })
}
