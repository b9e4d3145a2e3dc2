//! Modules the embedder implements in Rust, named `host:<module>`: the
//! ES module loader and `require` get them from here, and their functions
//! call the `host-functions` import (`host_modules.js`,
//! `jsbox:host_modules`).
//!
//! Values cross as JSON. Errors from the host (unknown module or function,
//! access denied, the embedder's own failures) are thrown as `Error`s with
//! the host's `code`.

use std::cell::RefCell;

use javy::quickjs::{Ctx, Exception, Function, Object, Persistent, Value};

use crate::builtins::{self, Builtin, builtin};
use crate::jsbox::sandbox::host_functions::{self as host, CallError};
use crate::node;

const HOST_MODULES_JS: Builtin = builtin!("jsbox:host_modules", "host_modules.js");

/// Prefix of host module names.
pub const PREFIX: &str = "host:";

thread_local! {
    /// `hostModule(name)`: the exports of a host module.
    static LOAD: RefCell<Option<Persistent<Function<'static>>>> = const { RefCell::new(None) };
}

/// Defines the loader, reachable from scripts as
/// `globalThis[Symbol.for('jsbox.hostModule')]` so that the source the ES
/// module loader generates can reach it (it grants nothing the host does
/// not check on every call).
pub fn install(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let natives = Object::new(ctx.clone())?;
    natives.set("functions", Function::new(ctx.clone(), functions)?)?;
    natives.set("call", Function::new(ctx.clone(), call)?)?;
    let load: Function = builtins::install(ctx, &HOST_MODULES_JS, (natives,))?;
    LOAD.with(|l| *l.borrow_mut() = Some(Persistent::save(ctx, load)));
    Ok(())
}

/// The loader: `(module) => exports`, `module` without the prefix.
pub fn loader<'js>(ctx: &Ctx<'js>) -> javy::quickjs::Result<Function<'js>> {
    LOAD.with(|l| l.borrow().clone())
        .ok_or(javy::quickjs::Error::Unknown)?
        .restore(ctx)
}

/// ES module source re-exporting host module `specifier` (`host:db`): its
/// exports object as the default export, and each function as a named
/// export. Throws, as `import` should, when the module cannot be used.
pub fn module_source(ctx: &Ctx<'_>, specifier: &str) -> javy::quickjs::Result<String> {
    let module = specifier.strip_prefix(PREFIX).unwrap_or(specifier);
    let exports: Value = loader(ctx)?.call((module,))?;
    let names: Vec<String> = match exports.as_object() {
        Some(object) => object.keys::<String>().collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    let mut source = format!(
        "const m = globalThis[Symbol.for('jsbox.hostModule')]({module:?});\nexport default m;\n"
    );
    // `export { f as name }` takes any identifier name, reserved words
    // included; the host only accepts function names that are identifiers.
    for (i, name) in names
        .iter()
        .filter(|name| node::is_identifier(name))
        .enumerate()
    {
        source.push_str(&format!(
            "const f{i} = m[{name:?}];\nexport {{ f{i} as {name} }};\n"
        ));
    }
    Ok(source)
}

fn functions(ctx: Ctx<'_>, module: String) -> javy::quickjs::Result<Vec<String>> {
    host::functions(&module).map_err(|e| throw(&ctx, e))
}

fn call(ctx: Ctx<'_>, module: String, name: String, args: String) -> javy::quickjs::Result<String> {
    host::call(&module, &name, &args).map_err(|e| throw(&ctx, e))
}

/// Throws `error` as an `Error` with the host's `code`.
fn throw(ctx: &Ctx<'_>, error: CallError) -> javy::quickjs::Error {
    match Exception::from_message(ctx.clone(), &error.message) {
        Ok(exception) => {
            // A failed `set` leaves a plain error without `code`; still thrown.
            let _ = exception.set("code", error.code);
            exception.throw()
        }
        Err(error) => error,
    }
}
