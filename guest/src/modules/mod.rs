//! Loading modules through the host: the ES module loader (`import`,
//! `import()`) and CommonJS `require` (`require.js`, `jsbox:modules/require`),
//! both backed by the
//! `modules` import, which confines lookups to the run's module root.
//!
//! Built-in module names (`timers`, `node:timers`) resolve to the guest's
//! own modules (`node/`) without asking the host; `host:` names to the
//! embedder's modules (`host_modules`), which never touch the file system.
//!
//! Errors carry Node's codes: `ERR_MODULE_NOT_FOUND` for `import`,
//! `MODULE_NOT_FOUND` for `require`, `ERR_ACCESS_DENIED` outside the module
//! root, and `ERR_MODULE_UNREADABLE` (ours) for files that cannot be read as
//! UTF-8. Their messages are the host's, which says "not found or not
//! allowed" of any file that does not load, without host paths, and never
//! sends a refused file's text. Divergences from Node: no `node_modules`
//! lookup for bare specifiers; only `.js`, `.mjs`, `.cjs` and `.json` files
//! load (Node would run an extensionless file); `import` of a `.cjs` file
//! and `require` of an ES module are not supported; JSON imports need no
//! `with { type: 'json' }`.

use std::cell::RefCell;

use javy::Runtime;
use javy::quickjs::{Ctx, Exception, Function, Module, Persistent, Value, context::EvalOptions};
use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::module::Declared;

use crate::builtins::{self, Builtin, builtin};
use crate::jsbox::sandbox::modules::{self as host, LoadError};
use crate::{host_modules, node};

const REQUIRE_JS: Builtin = builtin!("jsbox:modules/require", "require.js");

thread_local! {
    /// `installMain(path)` from `require.js`.
    static INSTALL_MAIN: RefCell<Option<Persistent<Function<'static>>>> = const { RefCell::new(None) };
}

/// Installs the ES module loader and the `require` machinery.
pub fn install(runtime: &Runtime) -> anyhow::Result<()> {
    runtime
        .context()
        .runtime()
        .set_loader(HostResolver, HostLoader);
    runtime.context().with(|ctx| -> anyhow::Result<()> {
        let natives = javy::quickjs::Object::new(ctx.clone())?;
        natives.set("resolve", Function::new(ctx.clone(), require_resolve)?)?;
        natives.set("read", Function::new(ctx.clone(), require_read)?)?;
        natives.set("compile", Function::new(ctx.clone(), compile)?)?;
        natives.set("builtin", node::loader(&ctx)?)?;
        natives.set("hostModule", host_modules::loader(&ctx)?)?;
        let install_main: Function = builtins::install(&ctx, &REQUIRE_JS, (natives,))?;
        INSTALL_MAIN.with(|f| *f.borrow_mut() = Some(Persistent::save(&ctx, install_main)));
        Ok(())
    })
}

/// Gives the main script (at `path`) its CommonJS globals.
pub fn install_main(ctx: &Ctx<'_>, path: &str) -> javy::quickjs::Result<()> {
    let install_main = INSTALL_MAIN
        .with(|f| f.borrow().clone())
        .ok_or(javy::quickjs::Error::Unknown)?
        .restore(ctx)?;
    install_main.call((path,))
}

struct HostResolver;

impl Resolver for HostResolver {
    fn resolve<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> javy::quickjs::Result<String> {
        if let Some(builtin) = node::canonical_name(name) {
            return Ok(builtin);
        }
        if name.starts_with(host_modules::PREFIX) {
            return Ok(name.to_owned());
        }
        if name.starts_with(node::PREFIX) {
            return Err(throw_with_code(
                ctx,
                &format!("No such built-in module: {name}"),
                "ERR_UNKNOWN_BUILTIN_MODULE",
            ));
        }
        host::resolve(base, name).map_err(|e| throw(ctx, e, "ERR_MODULE_NOT_FOUND"))
    }
}

struct HostLoader;

impl Loader for HostLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> javy::quickjs::Result<Module<'js, Declared>> {
        if name.starts_with(node::PREFIX) {
            let source = node::module_source(ctx, name)?;
            return Module::declare(ctx.clone(), name, source);
        }
        if name.starts_with(host_modules::PREFIX) {
            let source = host_modules::module_source(ctx, name)?;
            return Module::declare(ctx.clone(), name, source);
        }
        let source = host::read(name).map_err(|e| throw(ctx, e, "ERR_MODULE_NOT_FOUND"))?;
        if name.ends_with(".json") {
            // Parse as JSON, not as JS: the literal goes through JSON.parse.
            let literal = js_string_literal(&source);
            return Module::declare(
                ctx.clone(),
                name,
                format!("export default JSON.parse({literal});"),
            );
        }
        Module::declare(ctx.clone(), name, source)
    }
}

fn require_resolve(
    ctx: Ctx<'_>,
    referrer: String,
    specifier: String,
) -> javy::quickjs::Result<String> {
    host::resolve(&referrer, &specifier).map_err(|e| throw(&ctx, e, "MODULE_NOT_FOUND"))
}

fn require_read(ctx: Ctx<'_>, path: String) -> javy::quickjs::Result<String> {
    host::read(&path).map_err(|e| throw(&ctx, e, "MODULE_NOT_FOUND"))
}

/// Evaluates `source` as a sloppy-mode script named `filename`.
fn compile<'js>(
    ctx: Ctx<'js>,
    source: String,
    filename: String,
) -> javy::quickjs::Result<Value<'js>> {
    let mut options = EvalOptions::default();
    options.strict = false;
    options.filename = Some(filename);
    ctx.eval_with_options(source, options)
}

/// Throws `error` as a JS `Error` with Node's `code`.
fn throw(ctx: &Ctx<'_>, error: LoadError, not_found_code: &str) -> javy::quickjs::Error {
    let (message, code) = match error {
        LoadError::NotFound(message) => (message, not_found_code),
        LoadError::AccessDenied(message) => (message, "ERR_ACCESS_DENIED"),
        LoadError::Unreadable(message) => (message, "ERR_MODULE_UNREADABLE"),
    };
    throw_with_code(ctx, &message, code)
}

/// Throws an `Error` with `message` and `code`.
fn throw_with_code(ctx: &Ctx<'_>, message: &str, code: &str) -> javy::quickjs::Error {
    match Exception::from_message(ctx.clone(), message) {
        Ok(exception) => {
            // A failed `set` leaves a plain error without `code`; still thrown.
            let _ = exception.set("code", code);
            exception.throw()
        }
        Err(error) => error,
    }
}

/// `source` as a JS string literal (JSON string syntax is valid JS).
fn js_string_literal(source: &str) -> String {
    let mut literal = String::with_capacity(source.len() + 2);
    literal.push('"');
    for c in source.chars() {
        match c {
            '"' => literal.push_str("\\\""),
            '\\' => literal.push_str("\\\\"),
            '\u{2028}' => literal.push_str("\\u2028"),
            '\u{2029}' => literal.push_str("\\u2029"),
            c if (c as u32) < 0x20 => literal.push_str(&format!("\\u{:04x}", c as u32)),
            c => literal.push(c),
        }
    }
    literal.push('"');
    literal
}
