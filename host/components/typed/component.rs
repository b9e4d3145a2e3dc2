//! [`TypedPlugin`]: a component plugin checked against the embedder's
//! [`TypedExports`] — every declared function exported, with the declared
//! types — and compiled, ready to be called in a fresh instance per call.

use std::fmt;
use std::sync::Arc;

use wasmtime::Engine;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{ComponentExportIndex, InstancePre, Linker};

use super::declare::{ExportSignature, TypedExports};
use crate::cache::component::{ComponentSource, DiskCache};
use crate::components::plugin::{self, PluginError};
use crate::sandbox::state::SandboxState;

/// A component plugin that exports an embedder's [`TypedExports`]; made by
/// [`Runtime::load_typed_plugin`](crate::Runtime::load_typed_plugin) and
/// called with [`Runtime::call_export`](crate::Runtime::call_export).
/// Cheap to clone.
#[derive(Clone)]
pub struct TypedPlugin {
    inner: Arc<Loaded>,
}

struct Loaded {
    name: String,
    exports: TypedExports,
    pre: InstancePre<SandboxState>,
    /// Each declared function's index in the component, in declaration
    /// order.
    functions: Vec<ComponentExportIndex>,
    source: ComponentSource,
}

impl fmt::Debug for TypedPlugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypedPlugin")
            .field("name", &self.inner.name)
            .field("interface", &self.inner.exports.interface())
            .field("source", &self.inner.source)
            .finish_non_exhaustive()
    }
}

impl TypedPlugin {
    /// The name the plugin was loaded under.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The typed exports the plugin was checked against.
    pub fn exports(&self) -> &TypedExports {
        &self.inner.exports
    }

    /// Where the compiled plugin came from: the disk cache, or a fresh
    /// compilation (and why).
    pub fn source(&self) -> &ComponentSource {
        &self.inner.source
    }

    pub(crate) fn instance_pre(&self) -> &InstancePre<SandboxState> {
        &self.inner.pre
    }

    /// The component's export index of `function`, a declared function.
    pub(crate) fn function_index(
        &self,
        function: &ExportSignature,
    ) -> Option<ComponentExportIndex> {
        let position = self
            .inner
            .exports
            .functions()
            .position(|f| f.name == function.name)?;
        self.inner.functions.get(position).copied()
    }
}

/// Compiles `wasm` (through the disk cache), checks that its imports are
/// the host's and that it exports every function of `exports` with the
/// declared types.
pub(crate) fn load(
    engine: &Engine,
    linker: &Linker<SandboxState>,
    cache: &DiskCache,
    name: String,
    wasm: &[u8],
    exports: &TypedExports,
) -> Result<TypedPlugin, PluginError> {
    let (component, source) = plugin::compile(engine, cache, &name, wasm)?;
    let pre = plugin::instantiate_pre(linker, &component, &name, plugin::PLUGIN_WORLD)?;
    let mismatch = |message: String| PluginError::ExportMismatch {
        name: name.clone(),
        interface: exports.interface().to_owned(),
        message,
    };
    let interface = match component.get_export(None, exports.interface()) {
        Some((ComponentItem::ComponentInstance(_), index)) => index,
        Some(_) => {
            return Err(mismatch(format!(
                "its export {} is not an interface",
                exports.interface()
            )));
        }
        None => {
            return Err(mismatch(format!(
                "it does not export {}",
                exports.interface()
            )));
        }
    };
    let functions = exports
        .functions()
        .map(|function| {
            let Some((item, index)) = component.get_export(Some(&interface), &function.name) else {
                return Err(mismatch(format!("no function `{}`", function.name)));
            };
            let ComponentItem::ComponentFunc(ty) = item else {
                return Err(mismatch(format!("`{}` is not a function", function.name)));
            };
            check_signature(function, &ty).map_err(|difference| {
                mismatch(format!(
                    "`{}` differs from `{function}`: {difference}",
                    function.name
                ))
            })?;
            Ok(index)
        })
        .collect::<Result<_, _>>()?;
    Ok(TypedPlugin {
        inner: Arc::new(Loaded {
            name,
            exports: exports.clone(),
            pre,
            functions,
            source,
        }),
    })
}

/// Whether a component function's type is the declared one.
fn check_signature(
    declared: &ExportSignature,
    ty: &wasmtime::component::types::ComponentFunc,
) -> Result<(), String> {
    let params: Vec<_> = ty.params().collect();
    if params.len() != declared.params.len() {
        return Err(format!(
            "{} parameters, not {}",
            params.len(),
            declared.params.len()
        ));
    }
    for ((name, ours), (their_name, theirs)) in declared.params.iter().zip(&params) {
        if name != their_name {
            return Err(format!("parameter `{their_name}`, not `{name}`"));
        }
        ours.check_component(theirs)
            .map_err(|e| format!("parameter `{name}`: {e}"))?;
    }
    let results: Vec<_> = ty.results().collect();
    match (&declared.result, results.as_slice()) {
        (None, []) => Ok(()),
        (Some(ours), [theirs]) => ours
            .check_component(theirs)
            .map_err(|e| format!("result: {e}")),
        (None, _) => Err("a result where none is declared".to_owned()),
        (Some(_), _) => Err("no result where one is declared".to_owned()),
    }
}
