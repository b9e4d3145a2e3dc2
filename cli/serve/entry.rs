//! What the server serves: a JS handler (a module or classic script with a
//! Workers-style `fetch` handler) or an HTTP plugin component (a `.wasm`
//! file targeting `jsbox:sandbox/http-plugin`), read from its file,
//! prepared once (compiled, checked against the world; a JS entry also
//! evaluated into a snapshot unless that is turned off or its top level
//! needs a request) and then run per request through the library's
//! `Runtime::handle_prepared`, `Runtime::handle` or `Runtime::handle_plugin`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jsbox::{
    ComponentSource, Execution, HttpPlugin, HttpRequest, PreparedHandler, Responder, RunOptions,
    Runtime, Script, SourceKind,
};

/// The entry's file, read but not yet prepared.
#[derive(Debug, Clone)]
pub enum EntryFile {
    /// JavaScript source.
    Js(Script),
    /// A component's bytes, and its name for errors and logs.
    Component { name: String, wasm: Vec<u8> },
}

impl EntryFile {
    /// Reads `path`: a `.wasm` file as a component, anything else as JS of
    /// `kind`. Also returns the entry's directory, its module root.
    pub fn read(path: &Path, kind: SourceKind) -> Result<(EntryFile, PathBuf), String> {
        if path.extension().is_some_and(|ext| ext == "wasm") {
            let wasm =
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let path = path
                .canonicalize()
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let root = path.parent().unwrap_or(Path::new("/")).to_path_buf();
            let name = path.display().to_string();
            return Ok((EntryFile::Component { name, wasm }, root));
        }
        let (mut script, root) = crate::commands::run::read_script(path, true)?;
        script.kind = kind;
        Ok((EntryFile::Js(script), root))
    }

    /// The entry's name: its canonical path.
    pub fn name(&self) -> &str {
        match self {
            EntryFile::Js(script) => &script.name,
            EntryFile::Component { name, .. } => name,
        }
    }

    /// Makes the entry ready to serve: compiles a JS entry into the
    /// runtime's bytecode cache and, with `snapshot`, evaluates it into a
    /// snapshot; checks a component against the `http-plugin` world and
    /// compiles it. A JS entry that cannot be snapshotted (its top level
    /// reads `context`, say) is logged and served without one. The error
    /// says why the entry cannot be served.
    pub fn prepare(
        &self,
        runtime: &Runtime,
        options: &RunOptions,
        snapshot: bool,
    ) -> Result<Entry, String> {
        match self {
            EntryFile::Js(script) => {
                runtime
                    .precompile(script, options)
                    .map_err(|outcome| outcome.to_string())?;
                if !snapshot {
                    return Ok(Entry::Js(Arc::new(script.clone())));
                }
                let started = std::time::Instant::now();
                match runtime.prepare_handler(script, options) {
                    Ok(handler) => {
                        let cached = matches!(handler.source(), ComponentSource::Cached(_));
                        tracing::info!(
                            target: "jsbox::serve",
                            entry = %script.name,
                            cached,
                            ms = started.elapsed().as_millis() as u64,
                            "the entry is snapshotted: requests start from its evaluated top level"
                        );
                        Ok(Entry::Prepared(Arc::new(handler)))
                    }
                    Err(outcome) => {
                        tracing::warn!(
                            target: "jsbox::serve",
                            entry = %script.name,
                            %outcome,
                            "serving the entry without a snapshot: its top level will run in \
                             every request"
                        );
                        Ok(Entry::Js(Arc::new(script.clone())))
                    }
                }
            }
            EntryFile::Component { name, wasm } => runtime
                .load_http_plugin(name.clone(), wasm)
                .map(|plugin| Entry::Plugin(Arc::new(plugin)))
                .map_err(|error| error.to_string()),
        }
    }
}

/// An entry ready to serve; cheap to clone.
#[derive(Debug, Clone)]
pub enum Entry {
    /// A JS handler, its bytecode in the runtime's cache.
    Js(Arc<Script>),
    /// A JS handler evaluated into a snapshot.
    Prepared(Arc<PreparedHandler>),
    /// An HTTP plugin component, compiled.
    Plugin(Arc<HttpPlugin>),
}

impl Entry {
    /// Serves `request` in a fresh sandbox. `env` is the JS handler's `env`
    /// object; a plugin has no such argument and reads what the host gives
    /// it through its imports.
    pub fn handle(
        &self,
        runtime: &Runtime,
        request: HttpRequest,
        env: &[(String, String)],
        options: RunOptions,
        responder: Responder,
    ) -> Execution {
        match self {
            Entry::Js(script) => runtime.handle(script, request, env, options, responder),
            Entry::Prepared(handler) => {
                runtime.handle_prepared(handler, request, env, options, responder)
            }
            Entry::Plugin(plugin) => runtime.handle_plugin(plugin, request, options, responder),
        }
    }
}
