//! Calling a typed export: [`Runtime::call_export`] and its JSON and async
//! forms check the arguments against the declaration, then run the call
//! like any other run ([`ExportCall`], run by `Runtime`'s `Call::Export`):
//! fresh sandbox, same limits, context, grants, host-call cap and metrics.

use wasmtime::component::Val;

use super::declare::ExportSignature;
use super::json;
use super::types::WitType;
use super::value::{self, Mismatch};
use super::{ExportError, ExportTarget, TypedExecution, TypedExports, TypedPlugin};
use crate::capabilities::bindings::SandboxPre;
use crate::capabilities::bindings::exports::jsbox::sandbox::js_plugin::{CallOutcome, JsValue};
use crate::capabilities::bindings::exports::jsbox::sandbox::run::{Compiled, Failure};
use crate::capabilities::bindings::jsbox::sandbox::types::JsError;
use crate::run::Call;
use crate::sandbox::state::SandboxState;
use crate::sandbox::{GuestResult, Sandbox};
use crate::{PluginError, RunOptions, Runtime, Script};

impl Runtime {
    /// Compiles `wasm` (through the runtime's
    /// [cache directory](crate::RuntimeBuilder::cache_dir), like
    /// [`Runtime::load_plugin`]) and checks that it can run here and
    /// exports `exports`: its imports must be among the `plugin` world's
    /// (`wit/plugin.wit`), and it must export the interface with every
    /// declared function, of the declared types. It need not export
    /// `handler`; one that does can be loaded with `load_plugin` as well.
    pub fn load_typed_plugin(
        &self,
        name: impl Into<String>,
        wasm: &[u8],
        exports: &TypedExports,
    ) -> Result<TypedPlugin, PluginError> {
        let inner = self.inner();
        super::load_component(
            &inner.engine,
            &inner.linker,
            &inner.disk_cache,
            name.into(),
            wasm,
            exports,
        )
    }

    /// Calls the typed export `function` (its WIT name) of `target` with
    /// `args`, in a fresh sandbox, like [`Runtime::run_plugin`] runs a
    /// plugin: same limits, context, grants and host-call cap, one
    /// classified [`Outcome`](crate::Outcome), counted in the metrics.
    ///
    /// The arguments are checked against the declared parameters before
    /// anything runs ([`ExportError`]). A JS plugin's result is checked
    /// against the declared result type: one that does not fit ends the
    /// run as an uncaught `TypeError` naming where
    /// (`transform returned .items[2].qty: expected u32, got "7"`). For a
    /// declared `result<T, E>`, a JS plugin that throws returns `err`: the
    /// thrown value converted to `E` (for `string`, the error's `message`).
    ///
    /// ```no_run
    /// use jsbox::{ExportTarget, RunOptions, Runtime, Script, TypedExports};
    /// use wasmtime::component::Val;
    ///
    /// let exports = TypedExports::builder()
    ///     .wit("greet.wit", "package example:greet; interface greet { greet: func(name: string) -> string; }")
    ///     .interface("greet")
    ///     .build()?;
    /// let plugin = Script::module("greet.mjs", "export function greet(name) { return `hi ${name}`; }");
    /// let target = ExportTarget::js(&exports, plugin);
    /// let runtime = Runtime::builder().build()?;
    /// let call = runtime.call_export(&target, "greet", &[Val::String("ada".into())], RunOptions::default())?;
    /// assert_eq!(call.result, Some(Val::String("hi ada".into())));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn call_export(
        &self,
        target: &ExportTarget,
        function: &str,
        args: &[Val],
        options: RunOptions,
    ) -> Result<TypedExecution, ExportError> {
        let signature = signature(target, function)?;
        if args.len() != signature.params.len() {
            return Err(ExportError::Arguments {
                function: signature.name.clone(),
                message: format!(
                    "takes {} arguments ({}), got {}",
                    signature.params.len(),
                    signature.param_names().collect::<Vec<_>>().join(", "),
                    args.len()
                ),
            });
        }
        // Lowering checks the arguments for either kind of target, with the
        // same messages; only a JS plugin needs the tree itself.
        let tree = value::lower_args(&signature.params, args).map_err(|(i, mismatch)| {
            ExportError::Arguments {
                function: signature.name.clone(),
                message: at_argument(&signature.params[i].0, &mismatch),
            }
        })?;
        let mut result = None;
        let call = ExportCall {
            target,
            function: signature,
            args,
            tree,
            result: &mut result,
        };
        let execution = self.execute(Call::Export(call), options);
        Ok(TypedExecution { execution, result })
    }

    /// [`Runtime::call_export`] with JSON arguments: `args` is the array of
    /// them, each converted to its parameter's type by the same rules as a
    /// JS plugin's values (`wit/README.md`). The result, as JSON, is the
    /// outcome's `value_json`.
    pub fn call_export_json(
        &self,
        target: &ExportTarget,
        function: &str,
        args: &serde_json::Value,
        options: RunOptions,
    ) -> Result<TypedExecution, ExportError> {
        let signature = signature(target, function)?;
        let arguments = |message: String| ExportError::Arguments {
            function: signature.name.clone(),
            message,
        };
        let Some(items) = args.as_array() else {
            return Err(arguments("the arguments must be a JSON array".to_owned()));
        };
        if items.len() != signature.params.len() {
            return Err(arguments(format!(
                "takes {} arguments, got {}",
                signature.params.len(),
                items.len()
            )));
        }
        let vals = items
            .iter()
            .zip(&signature.params)
            .map(|(json, (name, ty))| {
                value::lift(&json::to_tree(json), ty)
                    .map_err(|mismatch| arguments(at_argument(name, &mismatch)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.call_export(target, function, &vals, options)
    }

    /// [`Runtime::call_export`] on a blocking thread of the current Tokio
    /// runtime; dropping the future cancels the call, as for
    /// [`Runtime::run_async`].
    pub async fn call_export_async(
        &self,
        target: ExportTarget,
        function: String,
        args: Vec<Val>,
        options: RunOptions,
    ) -> Result<TypedExecution, ExportError> {
        self.on_blocking_thread(
            "Runtime::call_export_async",
            options,
            move |runtime, options| runtime.call_export(&target, &function, &args, options),
            |execution| {
                Ok(TypedExecution {
                    execution,
                    result: None,
                })
            },
        )
        .await
    }
}

fn signature<'t>(
    target: &'t ExportTarget,
    function: &str,
) -> Result<&'t ExportSignature, ExportError> {
    let exports = target.exports();
    exports
        .function(function)
        .ok_or_else(|| ExportError::UnknownFunction {
            function: function.to_owned(),
            interface: exports.interface().to_owned(),
            declared: exports.functions().map(|f| f.name.clone()).collect(),
        })
}

fn at_argument(param: &str, mismatch: &Mismatch) -> String {
    format!("argument `{param}`{}: {mismatch}", mismatch.path)
}

/// One typed call, checked and ready to run in a sandbox.
pub(crate) struct ExportCall<'a> {
    target: &'a ExportTarget,
    function: &'a ExportSignature,
    /// The arguments, for a component.
    args: &'a [Val],
    /// The arguments as JS values, for a JS plugin.
    tree: Vec<JsValue>,
    /// Where the result goes when the call succeeds.
    result: &'a mut Option<Val>,
}

impl<'a> ExportCall<'a> {
    /// The JS plugin module to compile first, if the target is one.
    pub fn js_entry(&self) -> Option<&'a Script> {
        match self.target {
            ExportTarget::Js { entry, .. } => Some(entry),
            ExportTarget::Component(_) => None,
        }
    }

    /// Makes the call in `sandbox`: through the guest's `js-plugin.call`
    /// with the compiled `entry` for a JS plugin, directly for a component.
    /// The result, as JSON, is what the run's outcome carries.
    pub fn run(
        self,
        sandbox: &mut Sandbox,
        pre: &SandboxPre<SandboxState>,
        entry: Option<&Compiled>,
    ) -> GuestResult<Option<String>> {
        let function = self.function;
        let value = match (self.target, entry) {
            (ExportTarget::Js { .. }, Some(entry)) => {
                let outcome = match sandbox.js_export(pre, entry, &function.js_name, &self.tree)? {
                    Ok(outcome) => outcome,
                    Err(failure) => return Ok(Err(failure)),
                };
                match settle(function, outcome) {
                    Ok(value) => value,
                    Err(failure) => return Ok(Err(failure)),
                }
            }
            (ExportTarget::Component(plugin), _) => {
                // `function` comes from the plugin's own exports, each of
                // which `load_typed_plugin` found in the component.
                let index = plugin.function_index(function).ok_or_else(|| {
                    wasmtime::format_err!(
                        "{} was loaded without `{}`",
                        plugin.name(),
                        function.name
                    )
                })?;
                sandbox.component_export(
                    plugin.instance_pre(),
                    index,
                    self.args,
                    function.result.is_some(),
                )?
            }
            // `Run` compiles every JS target's entry (`js_entry`) first.
            (ExportTarget::Js { .. }, None) => {
                return Err(wasmtime::format_err!(
                    "jsbox called a JS plugin without compiling it first"
                ));
            }
        };
        // The value has its declared type (lifted by us, or type-checked
        // by Wasmtime), so lowering it cannot fail.
        let json = match (&value, &function.result) {
            (Some(value), Some(ty)) => value::lower(value, ty)
                .ok()
                .map(|tree| json::from_tree(&tree).to_string()),
            _ => None,
        };
        *self.result = value;
        Ok(Ok(json))
    }
}

/// What a JS plugin's function returned or threw, as the declared result:
/// see [`Runtime::call_export`].
fn settle(function: &ExportSignature, outcome: CallOutcome) -> Result<Option<Val>, Failure> {
    let name = &function.name;
    match (outcome, &function.result) {
        (CallOutcome::Returned(_), None) => Ok(None),
        (CallOutcome::Returned(tree), Some(WitType::Result { ok, .. })) => {
            let ok = match ok {
                Some(ty) => Some(Box::new(returned(name, &tree, ty)?)),
                None => None,
            };
            Ok(Some(Val::Result(Ok(ok))))
        }
        (CallOutcome::Returned(tree), Some(ty)) => returned(name, &tree, ty).map(Some),
        (CallOutcome::Threw(thrown), Some(WitType::Result { err, .. })) => {
            let err = match err.as_deref() {
                None => None,
                Some(WitType::String) => Some(Box::new(Val::String(thrown.error.message))),
                Some(ty) => match value::lift(&thrown.value, ty) {
                    Ok(value) => Some(Box::new(value)),
                    Err(mismatch) => {
                        return Err(type_error(format!(
                            "{name} threw a value that does not fit its error type{}: {mismatch}; \
                             it threw {}",
                            spaced(&mismatch.path),
                            crate::JsError::from(thrown.error)
                        )));
                    }
                },
            };
            Ok(Some(Val::Result(Err(err))))
        }
        (CallOutcome::Threw(thrown), _) => Err(Failure::UncaughtException(thrown.error)),
    }
}

/// The returned JS value as `ty`, or the `TypeError` saying where it does
/// not fit.
fn returned(name: &str, tree: &[JsValue], ty: &WitType) -> Result<Val, Failure> {
    value::lift(tree, ty).map_err(|mismatch| {
        type_error(format!(
            "{name} returned{}: {mismatch}",
            spaced(&mismatch.path)
        ))
    })
}

/// A value path after a space, or nothing for the root.
fn spaced(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" {path}")
    }
}

fn type_error(message: String) -> Failure {
    Failure::UncaughtException(JsError {
        name: "TypeError".to_owned(),
        message,
        stack: None,
    })
}
