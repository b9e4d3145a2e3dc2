//! Node's built-in modules, by name: `import 'node:timers'`,
//! `require('timers')`. Each `.js` file here is one module: a function that
//! returns its exports, called on first use and then cached for the run.
//!
//! Bare names (`timers`) and `node:` names resolve alike; an unknown
//! `node:` name is `ERR_UNKNOWN_BUILTIN_MODULE`, while an unknown bare name
//! goes on to the file resolver, as in Node. `docs/node-compat.md` will list
//! every module's status as the host-modules work adds them.

use javy::quickjs::{Ctx, Function, Object, Persistent, Value};

use std::cell::RefCell;

/// The built-in modules, in the order they may depend on each other.
const MODULES: [(&str, &str); 3] = [
    ("console", include_str!("console.js")),
    ("timers", include_str!("timers.js")),
    ("timers/promises", include_str!("timers_promises.js")),
];

/// Prefix of built-in module names.
pub const PREFIX: &str = "node:";

thread_local! {
    /// `builtin(name)`: the exports of a built-in module, or `undefined`.
    static LOAD: RefCell<Option<Persistent<Function<'static>>>> = const { RefCell::new(None) };
}

/// The canonical (`node:`-prefixed) name of `specifier` if it names a
/// built-in module.
pub fn canonical_name(specifier: &str) -> Option<String> {
    let name = specifier.strip_prefix(PREFIX).unwrap_or(specifier);
    MODULES
        .iter()
        .any(|(known, _)| *known == name)
        .then(|| format!("{PREFIX}{name}"))
}

/// Evaluates the module factories and defines the loader, reachable from
/// scripts as `globalThis[Symbol.for('jsbox.builtin')]` so that the source
/// the ES module loader generates can reach it (the modules are public, so
/// reaching them this way grants nothing).
pub fn install(ctx: &Ctx<'_>) -> javy::quickjs::Result<()> {
    let factories = Object::new(ctx.clone())?;
    for (name, source) in MODULES {
        let factory: Function = ctx.eval(source)?;
        factories.set(name, factory)?;
    }
    let make_loader: Function = ctx.eval(
        "(factories) => {
           const cache = new Map();
           const builtin = (name) => {
             name = String(name);
             if (name.startsWith('node:')) name = name.slice(5);
             if (!Object.hasOwn(factories, name)) return undefined;
             if (!cache.has(name)) cache.set(name, factories[name](builtin));
             return cache.get(name);
           };
           Object.defineProperty(globalThis, Symbol.for('jsbox.builtin'), { value: builtin });
           return builtin;
         }",
    )?;
    let load: Function = make_loader.call((factories,))?;
    LOAD.with(|l| *l.borrow_mut() = Some(Persistent::save(ctx, load)));
    Ok(())
}

/// The loader: `(name) => exports`, or `undefined` for an unknown name.
pub fn loader<'js>(ctx: &Ctx<'js>) -> javy::quickjs::Result<Function<'js>> {
    LOAD.with(|l| l.borrow().clone())
        .ok_or(javy::quickjs::Error::Unknown)?
        .restore(ctx)
}

/// The exports of the built-in module `name` (`node:` prefix optional).
pub fn exports<'js>(ctx: &Ctx<'js>, name: &str) -> javy::quickjs::Result<Value<'js>> {
    loader(ctx)?.call((name,))
}

/// ES module source re-exporting the built-in module `name`: its exports
/// object as the default export, and each of its keys as a named export.
pub fn module_source(ctx: &Ctx<'_>, name: &str) -> javy::quickjs::Result<String> {
    let exports = exports(ctx, name)?;
    let names: Vec<String> = match exports.as_object() {
        Some(object) if !exports.is_function() => object
            .keys::<String>()
            .filter_map(Result::ok)
            .filter(|key| is_identifier(key))
            .collect(),
        _ => Vec::new(),
    };
    let mut source = format!(
        "const m = globalThis[Symbol.for('jsbox.builtin')]({name:?});\nexport default m;\n"
    );
    if !names.is_empty() {
        source.push_str(&format!("export const {{ {} }} = m;\n", names.join(", ")));
    }
    Ok(source)
}

/// Whether `key` can be the name of a named export.
pub fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && key != "default"
}
