//! Embedder host functions: Rust functions offered to scripts as modules
//! named `host:<module>` (`import { query } from 'host:db'`,
//! `require('host:db')`).
//!
//! [`HostFunctions`] is the registry, fixed when the runtime is built; each
//! run's [`Grants`](crate::Grants) say which modules it may use
//! ([`GrantsBuilder::allow_host_module`](crate::GrantsBuilder::allow_host_module)). Values
//! cross as JSON, decoded into and encoded from the function's own serde
//! types. The guest side is `guest/src/host_modules.rs`; the import is
//! `wit/host-functions.wit`, implemented in `imports/host_functions.rs`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Error, RequestContext};

/// What a host function knows about the call it serves: the run's request
/// context (its tenant above all) and which function was called.
#[derive(Debug)]
pub struct HostCall<'a> {
    context: &'a RequestContext,
    module: &'a str,
    function: &'a str,
}

impl<'a> HostCall<'a> {
    pub(crate) fn new(context: &'a RequestContext, module: &'a str, function: &'a str) -> Self {
        HostCall {
            context,
            module,
            function,
        }
    }

    /// The request context of the calling run, as the caller passed it in
    /// [`RunOptions::context`](crate::RunOptions::context). Scope what the
    /// function does by it, not by anything the script passes.
    pub fn context(&self) -> &'a RequestContext {
        self.context
    }

    /// The calling run's tenant, if it has one.
    pub fn tenant_id(&self) -> Option<&'a str> {
        self.context.tenant_id.as_deref()
    }

    /// The module called, without the `host:` prefix.
    pub fn module(&self) -> &'a str {
        self.module
    }

    /// The function called.
    pub fn function(&self) -> &'a str {
        self.function
    }
}

/// A host function's failure, thrown in the script as an `Error` whose
/// `code` and `message` are these. The run goes on: the script may catch it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct HostFunctionError {
    /// A stable, machine-readable code scripts can branch on, such as
    /// `NOT_FOUND`.
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
}

impl HostFunctionError {
    /// An error with `code` and `message`.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        HostFunctionError {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// A host function with its types erased: JSON arguments in, JSON out.
type ErasedFunction =
    dyn Fn(&HostCall<'_>, &str) -> Result<String, HostFunctionError> + Send + Sync;

/// The embedder's host functions, by module and name. Built with
/// [`RuntimeBuilder::host_function`](crate::RuntimeBuilder::host_function);
/// shared by every run of the runtime.
#[derive(Clone, Default)]
pub(crate) struct HostFunctions {
    modules: BTreeMap<String, BTreeMap<String, Arc<ErasedFunction>>>,
}

impl fmt::Debug for HostFunctions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.modules
                    .iter()
                    .map(|(module, functions)| (module, functions.keys().collect::<Vec<_>>())),
            )
            .finish()
    }
}

impl HostFunctions {
    /// Adds function `name` to module `module`. The arguments a script
    /// passes arrive as a JSON array decoded into `A` (a tuple such as
    /// `(String, u32)` for positional arguments, `()` for none, or
    /// `serde_json::Value` to take anything); the result is encoded from `R` and decoded by the
    /// script with `JSON.parse` semantics (`()` becomes `null`).
    pub(crate) fn add<A, R, F>(
        &mut self,
        module: &str,
        name: &str,
        function: F,
    ) -> Result<(), Error>
    where
        A: DeserializeOwned,
        R: Serialize,
        F: Fn(&HostCall<'_>, A) -> Result<R, HostFunctionError> + Send + Sync + 'static,
    {
        check_module_name(module)?;
        check_function_name(name)?;
        let erased = move |call: &HostCall<'_>, args: &str| {
            let args: A = decode_args(args).map_err(|e| {
                HostFunctionError::new(
                    "ERR_INVALID_ARG_TYPE",
                    format!(
                        "invalid arguments to host:{}.{}: {e}",
                        call.module(),
                        call.function()
                    ),
                )
            })?;
            let result = function(call, args)?;
            serde_json::to_string(&result).map_err(|e| {
                HostFunctionError::new(
                    "ERR_HOST_FUNCTION_RESULT",
                    format!(
                        "host:{}.{} returned a value with no JSON form: {e}",
                        call.module(),
                        call.function()
                    ),
                )
            })
        };
        let functions = self.modules.entry(module.to_owned()).or_default();
        if functions
            .insert(name.to_owned(), Arc::new(erased))
            .is_some()
        {
            return Err(Error::InvalidConfig(format!(
                "host function host:{module}.{name} is defined twice"
            )));
        }
        Ok(())
    }

    /// The functions of `module`, if there is such a module.
    pub(crate) fn module(&self, module: &str) -> Option<impl Iterator<Item = &str>> {
        self.modules
            .get(module)
            .map(|functions| functions.keys().map(String::as_str))
    }

    /// Calls `module.name` with `args` (JSON); `None` if there is no such
    /// function.
    pub(crate) fn call(
        &self,
        call: &HostCall<'_>,
        args: &str,
    ) -> Option<Result<String, HostFunctionError>> {
        let function = self.modules.get(call.module())?.get(call.function())?;
        Some(function(call, args))
    }
}

/// Decodes a JSON array of arguments into `A`; a call without arguments
/// also decodes as `()`, which serde reads from `null` only.
fn decode_args<A: DeserializeOwned>(args: &str) -> serde_json::Result<A> {
    serde_json::from_str(args).or_else(|error| match args {
        "[]" => serde_json::from_str("null").map_err(|_| error),
        _ => Err(error),
    })
}

/// What one run may reach of the runtime's host functions.
#[derive(Clone, Default)]
pub(crate) struct RunHostFunctions {
    pub functions: Arc<HostFunctions>,
    /// The caller's context, handed to every function.
    pub context: Arc<RequestContext>,
}

/// Module names: what may follow `host:`. Kept to a plain alphabet so that
/// a name reads the same in JS, logs and error messages.
fn check_module_name(module: &str) -> Result<(), Error> {
    let valid = !module.is_empty()
        && module
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidConfig(format!(
            "host module name {module:?} must be non-empty ASCII letters, digits, '_', '-', '.' \
             or '/'"
        )))
    }
}

/// Function names become named exports, so they must be JS identifiers.
fn check_function_name(name: &str) -> Result<(), Error> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && name != "default";
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidConfig(format!(
            "host function name {name:?} must be an ASCII JavaScript identifier other than \
             'default'"
        )))
    }
}
