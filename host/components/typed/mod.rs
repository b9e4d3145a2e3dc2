//! Typed plugin exports: functions an embedder declares in its own WIT
//! (say `transform: func(input: order) -> result<order, string>`) that a
//! plugin exports, called with WIT values ([`Val`]s, or JSON).
//!
//! - [`declare`]: [`TypedExports`], the declared functions with their types
//!   resolved (by `wit-parser`) once.
//! - [`types`]: the supported WIT types, and the check of a component's
//!   exported types against the declared ones.
//! - [`value`]: WIT values ↔ JS values, checked against the declared
//!   types, with errors naming the path; [`json`]: JSON ↔ JS values.
//! - [`component`]: [`TypedPlugin`], a component checked against the
//!   declaration at load time and called through Wasmtime's dynamic API.
//! - [`call`]: [`Runtime::call_export`](crate::Runtime::call_export) and
//!   its JSON and async forms, run like any other run (`Call::Export`).
//!
//! The QuickJS guest is one prebuilt component, so it cannot grow a typed
//! export per embedder: a JS plugin's function is called through the
//! guest's generic `js-plugin.call`, with the values as a tree of JS value
//! nodes the host converts to and from the declared types.

mod call;
mod component;
mod declare;
mod json;
mod types;
mod value;

use wasmtime::component::Val;

pub(crate) use call::{ExportCall, json_arguments};
pub use component::TypedPlugin;
pub(crate) use component::load as load_component;
pub use declare::{DeclarationError, ExportSignature, TypedExports, TypedExportsBuilder};

use crate::{Execution, Script};

/// What [`Runtime::call_export`](crate::Runtime::call_export) calls: a JS
/// plugin module or a component plugin, either implementing the same
/// [`TypedExports`].
#[derive(Debug, Clone)]
pub enum ExportTarget {
    /// A JS plugin: an ES module exporting each declared function under
    /// its camelCase name (`apply-discount` → `export function
    /// applyDiscount`). Its bytecode is cached like a script's.
    Js {
        /// The functions the module exports.
        exports: TypedExports,
        /// The module.
        entry: Script,
    },
    /// A component plugin, checked against its [`TypedExports`] when loaded.
    Component(TypedPlugin),
}

impl ExportTarget {
    /// A JS plugin module `entry` implementing `exports`.
    pub fn js(exports: &TypedExports, entry: Script) -> Self {
        ExportTarget::Js {
            exports: exports.clone(),
            entry,
        }
    }

    /// The functions the target exports.
    pub fn exports(&self) -> &TypedExports {
        match self {
            ExportTarget::Js { exports, .. } => exports,
            ExportTarget::Component(plugin) => plugin.exports(),
        }
    }
}

impl From<TypedPlugin> for ExportTarget {
    fn from(plugin: TypedPlugin) -> Self {
        ExportTarget::Component(plugin)
    }
}

/// The result of one typed call: the run's [`Execution`], and the
/// function's result when it returned one.
#[derive(Debug, Clone)]
pub struct TypedExecution {
    /// How the run ended and what it used. When it ended `ok`, the outcome's
    /// `value_json` is the result as JSON (see `wit/README.md`).
    pub execution: Execution,
    /// The function's result, of its declared type: `Some` when the run
    /// ended `ok` and the function declares a result. A declared
    /// `result<T, E>` is `Val::Result`, `Err` when a JS plugin threw.
    pub result: Option<Val>,
}

/// Why a typed call could not start: the caller's mistake, found before any
/// sandbox runs (how the run itself ended is always an
/// [`Outcome`](crate::Outcome)).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// No function of that name is declared.
    #[error("`{function}` is not declared in {interface}; it declares: {}", declared.join(", "))]
    UnknownFunction {
        /// The name asked for.
        function: String,
        /// The declared interface's full name.
        interface: String,
        /// The declared functions' names.
        declared: Vec<String>,
    },
    /// The arguments do not fit the function's parameters.
    #[error("{function}: {message}")]
    Arguments {
        /// The function's WIT name.
        function: String,
        /// Which argument, where in it, and what was expected.
        message: String,
    },
}
