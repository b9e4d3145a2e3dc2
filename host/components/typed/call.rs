//! Calling a typed export: [`ExportCall::new`] checks the arguments against
//! the declaration (`Runtime::call_export` and its JSON and async forms,
//! in `runtime/typed.rs`), then the call runs like any other run
//! (`Call::Export`): fresh sandbox, same limits, context, grants, host-call
//! cap and metrics.

use wasmtime::component::Val;

use super::declare::ExportSignature;
use super::json;
use super::types::WitType;
use super::value::{self, Mismatch};
use super::{ExportError, ExportTarget};
use crate::Script;
use crate::capabilities::bindings::SandboxPre;
use crate::capabilities::bindings::exports::jsbox::sandbox::js_plugin::{CallOutcome, JsValue};
use crate::capabilities::bindings::exports::jsbox::sandbox::run::{Compiled, Failure};
use crate::capabilities::bindings::jsbox::sandbox::types::JsError;
use crate::sandbox::state::SandboxState;
use crate::sandbox::{GuestResult, Sandbox};

impl<'a> ExportCall<'a> {
    /// Checks `args` against `function`'s declared parameters (before
    /// anything runs), and makes the call whose result goes to `result`.
    pub fn new(
        target: &'a ExportTarget,
        function: &str,
        args: &'a [Val],
        result: &'a mut Option<Val>,
    ) -> Result<Self, ExportError> {
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
        Ok(ExportCall {
            target,
            function: signature,
            args,
            tree,
            result,
        })
    }
}

/// `function`'s JSON arguments (`args`, an array) as WIT values, each
/// converted to its parameter's type by the same rules as a JS plugin's
/// values.
pub(crate) fn json_arguments(
    target: &ExportTarget,
    function: &str,
    args: &serde_json::Value,
) -> Result<Vec<Val>, ExportError> {
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
    items
        .iter()
        .zip(&signature.params)
        .map(|(json, (name, ty))| {
            value::lift(&json::to_tree(json), ty)
                .map_err(|mismatch| arguments(at_argument(name, &mismatch)))
        })
        .collect()
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
