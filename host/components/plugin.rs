//! Plugin components: any WebAssembly component that targets the
//! `jsbox:sandbox/plugin` world (`wit/plugin.wit`), in whatever language it
//! was written, run like a script.
//!
//! [`Runtime::load_plugin`] checks the component against the world once —
//! every import must be one the host provides, and `handler` must be
//! exported with the world's types — and compiles it, caching the compiled
//! artifact on disk (keyed by blake3, like the guest's) when the runtime has
//! a cache directory. [`Runtime::run_plugin`] then calls `handle` in a fresh
//! instance per run, under the run's limits, context, grants and host-call
//! cap, counted in the runtime's metrics.

use wasmtime::Engine;
use wasmtime::component::{Component, InstancePre, Linker};

use crate::cache::component::{ArtifactKey, ComponentSource, DiskCache};
use crate::capabilities::bindings::plugin::PluginPre;
use crate::sandbox::state::SandboxState;

/// A plugin component, checked against the `plugin` world and compiled;
/// made by [`Runtime::load_plugin`](crate::Runtime::load_plugin) and run
/// any number of times with
/// [`Runtime::run_plugin`](crate::Runtime::run_plugin).
pub struct Plugin {
    name: String,
    pub(crate) pre: PluginPre<SandboxState>,
    source: ComponentSource,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("name", &self.name)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Plugin {
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

/// Why a component cannot be run as a plugin.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// The bytes are not a valid WebAssembly component (a core module, a
    /// truncated file...).
    #[error("{name} is not a valid WebAssembly component: {message}")]
    Invalid {
        /// The plugin's name.
        name: String,
        /// What the validator said.
        message: String,
    },
    /// The component does not target the world it was loaded for
    /// (`jsbox:sandbox/plugin` by [`Runtime::load_plugin`](crate::Runtime::load_plugin),
    /// `jsbox:sandbox/http-plugin` by
    /// [`Runtime::load_http_plugin`](crate::Runtime::load_http_plugin)): it
    /// imports something the host does not provide, or does not export
    /// the world's interface with the world's types. The message names the
    /// item.
    #[error("{name} does not target the {world} world (wit/{file}): {message}")]
    WorldMismatch {
        /// The plugin's name.
        name: String,
        /// The world, e.g. `jsbox:sandbox/plugin`.
        world: &'static str,
        /// The WIT file that defines it, under `wit/`.
        file: &'static str,
        /// The missing or mismatched item, as Wasmtime names it.
        message: String,
    },
    /// The component does not export a function of the embedder's
    /// [`TypedExports`](crate::TypedExports), or exports it with other
    /// types. The message names the function and the difference.
    #[error("{name} does not export the typed exports of {interface}: {message}")]
    ExportMismatch {
        /// The plugin's name.
        name: String,
        /// The declared interface's full name.
        interface: String,
        /// The missing or mismatched function, and how it differs.
        message: String,
    },
}

/// A world a component can be loaded for: its name and WIT file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct World {
    pub name: &'static str,
    pub file: &'static str,
}

/// The `plugin` world, `wit/plugin.wit`, whose imports typed plugins may
/// use too.
pub(crate) const PLUGIN_WORLD: World = World {
    name: "jsbox:sandbox/plugin",
    file: "plugin.wit",
};

/// Checks `wasm` against the plugin world and compiles it, through the disk
/// cache when there is one.
pub(crate) fn load(
    engine: &Engine,
    linker: &Linker<SandboxState>,
    cache: &DiskCache,
    name: String,
    wasm: &[u8],
) -> Result<Plugin, PluginError> {
    let (component, source) = compile(engine, cache, &name, wasm)?;
    let instance_pre = instantiate_pre(linker, &component, &name, PLUGIN_WORLD)?;
    let pre = PluginPre::new(instance_pre).map_err(|e| mismatch(&name, PLUGIN_WORLD, e))?;
    Ok(Plugin { name, pre, source })
}

/// `component` linked against the host's interfaces, ready to
/// instantiate; an import the host does not provide means the component
/// does not target `world`.
pub(crate) fn instantiate_pre(
    linker: &Linker<SandboxState>,
    component: &Component,
    name: &str,
    world: World,
) -> Result<InstancePre<SandboxState>, PluginError> {
    linker
        .instantiate_pre(component)
        .map_err(|e| mismatch(name, world, e))
}

/// A component that does not fit `world`, the world it was loaded for.
pub(crate) fn mismatch(name: &str, world: World, error: wasmtime::Error) -> PluginError {
    PluginError::WorldMismatch {
        name: name.to_owned(),
        world: world.name,
        file: world.file,
        message: format!("{error:#}"),
    }
}

/// Compiles `wasm`, or loads its compiled artifact from the disk cache
/// `cache` when there is one (and saves it there when there was not).
pub(crate) fn compile(
    engine: &Engine,
    cache: &DiskCache,
    name: &str,
    wasm: &[u8],
) -> Result<(Component, ComponentSource), PluginError> {
    let key = ArtifactKey::new(engine, "plugin", &[blake3::hash(wasm).as_bytes()]);
    cache.load_or_compile(engine, key, || {
        Component::new(engine, wasm).map_err(|e| PluginError::Invalid {
            name: name.to_owned(),
            message: format!("{e:#}"),
        })
    })
}
