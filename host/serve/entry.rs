//! What the server serves: a JS handler (a module or classic script with a
//! Workers-style `fetch` handler) or an HTTP plugin component (a `.wasm`
//! file targeting `jsbox:sandbox/http-plugin`), read from its file,
//! prepared once (compiled, checked against the world) and then run per
//! request through the library's `Runtime::handle` or
//! `Runtime::handle_plugin`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jsbox::{
    Execution, HttpPlugin, HttpRequest, Responder, RunOptions, Runtime, Script, SourceKind,
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
        let (mut script, root) = crate::cli::run::read_script(path, true)?;
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
    /// runtime's bytecode cache, checks a component against the
    /// `http-plugin` world and compiles it. The error says why the entry
    /// cannot be served.
    pub fn prepare(&self, runtime: &Runtime, options: &RunOptions) -> Result<Entry, String> {
        match self {
            EntryFile::Js(script) => {
                runtime
                    .precompile(script, options)
                    .map_err(|outcome| outcome.to_string())?;
                Ok(Entry::Js(Arc::new(script.clone())))
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
            Entry::Plugin(plugin) => runtime.handle_plugin(plugin, request, options, responder),
        }
    }
}
