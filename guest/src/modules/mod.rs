//! Loading modules through the host: the ES module loader (`import`,
//! `import()`) and CommonJS `require` (`require.js`, `jsbox:modules/require`),
//! both backed by the
//! `modules` import, which confines lookups to the run's module root.
//!
//! Built-in module names (`timers`, `node:timers`) resolve to the guest's
//! own modules (`node/`) without asking the host; `host:` names to the
//! embedder's modules (`host_modules`), which never touch the file system.
//!
//! Files resolve as Node resolves them (the host's `packages.rs`:
//! `node_modules`, `exports`, `imports`, self-reference), and each comes
//! with its format. `import` of a CommonJS file (`.cjs`, `.js` in a
//! `"type": "commonjs"` package, or a `.js` file with no package `type`
//! that compiles as CommonJS) gets a generated module: `module.exports` as
//! the default export, and as named exports the names npm's
//! cjs-module-lexer finds (`cjs_module_lexer.js`), as Node does. `require`
//! of an ES module returns its namespace (Node 20.19+'s `require(esm)`).
//!
//! Errors carry Node's codes: `ERR_MODULE_NOT_FOUND` for `import`,
//! `MODULE_NOT_FOUND` for `require`, `ERR_PACKAGE_PATH_NOT_EXPORTED`,
//! `ERR_PACKAGE_IMPORT_NOT_DEFINED`, `ERR_INVALID_PACKAGE_TARGET`,
//! `ERR_INVALID_PACKAGE_CONFIG`, `ERR_ACCESS_DENIED` outside the module
//! root, and `ERR_MODULE_UNREADABLE` (ours) for files that cannot be read
//! as UTF-8. Their messages are the host's, which says "not found or not
//! allowed" of any file that does not load, without host paths, and never
//! sends a refused file's text. Divergences from Node are listed in
//! `docs/node-compat.md` (Module resolution).

use std::cell::RefCell;
use std::collections::HashMap;

use javy::Runtime;
use javy::quickjs::{
    Ctx, Exception, Function, Module, Object, Persistent, Value, context::EvalOptions,
    promise::PromiseState,
};
use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::module::Declared;

use crate::builtins::{self, Builtin, builtin};
use crate::jsbox::sandbox::modules::{self as host, LoadError, ModuleFormat, ResolveMode};
use crate::{host_modules, node};

const REQUIRE_JS: Builtin = builtin!("jsbox:modules/require", "require.js");
const CJS_MODULE_LEXER_JS: Builtin =
    builtin!("jsbox:modules/cjs_module_lexer", "cjs_module_lexer.js");

thread_local! {
    /// `installMain(path)` from `require.js`.
    static INSTALL_MAIN: RefCell<Option<Persistent<Function<'static>>>> = const { RefCell::new(None) };
    /// `esmView(path, source, format)` from `require.js`.
    static ESM_VIEW: RefCell<Option<Persistent<Function<'static>>>> = const { RefCell::new(None) };
    /// The format of each file the ES module resolver returned, for the
    /// loader, which QuickJS calls with the resolved name only.
    static FORMATS: RefCell<HashMap<String, ModuleFormat>> = RefCell::new(HashMap::new());
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
        natives.set(
            "declaresModule",
            Function::new(ctx.clone(), declares_module)?,
        )?;
        natives.set("requireModule", Function::new(ctx.clone(), require_module)?)?;
        natives.set("builtin", node::loader(&ctx)?)?;
        natives.set("hostModule", host_modules::loader(&ctx)?)?;
        let lexer: Object = builtins::install(&ctx, &CJS_MODULE_LEXER_JS, ())?;
        natives.set("lexer", lexer)?;
        let installed: Object = builtins::install(&ctx, &REQUIRE_JS, (natives,))?;
        let install_main: Function = installed.get("installMain")?;
        let esm_view: Function = installed.get("esmView")?;
        INSTALL_MAIN.with(|f| *f.borrow_mut() = Some(Persistent::save(&ctx, install_main)));
        ESM_VIEW.with(|f| *f.borrow_mut() = Some(Persistent::save(&ctx, esm_view)));
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
        let resolved = host::resolve(base, name, ResolveMode::Import)
            .map_err(|e| throw(ctx, e, "ERR_MODULE_NOT_FOUND"))?;
        FORMATS.with(|formats| {
            formats
                .borrow_mut()
                .insert(resolved.path.clone(), resolved.format)
        });
        Ok(resolved.path)
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
        let format = FORMATS
            .with(|formats| formats.borrow().get(name).copied())
            .unwrap_or(ModuleFormat::Esm);
        match format {
            ModuleFormat::Esm => {
                let module = Module::declare(ctx.clone(), name, source)?;
                set_import_meta(&module, name)?;
                Ok(module)
            }
            ModuleFormat::Json => {
                // Parse as JSON, not as JS: the literal goes through JSON.parse.
                let literal = js_string_literal(&source);
                Module::declare(
                    ctx.clone(),
                    name,
                    format!("export default JSON.parse({literal});"),
                )
            }
            ModuleFormat::Commonjs | ModuleFormat::Ambiguous => {
                let esm_view = ESM_VIEW
                    .with(|f| f.borrow().clone())
                    .ok_or(javy::quickjs::Error::Unknown)?
                    .restore(ctx)?;
                let names: Option<Vec<String>> =
                    esm_view.call((name, source.as_str(), format_name(format)))?;
                match names {
                    Some(names) => {
                        Module::declare(ctx.clone(), name, commonjs_facade(name, &names))
                    }
                    None => Module::declare(ctx.clone(), name, source),
                }
            }
        }
    }
}

/// Node's `import.meta` of the module file at `path`: `url` (its `file:`
/// URL), `filename` and `dirname`. A module whose name is not an absolute
/// path (an embedder's `Script::module("handler", …)`) gets none of them.
pub fn set_import_meta(module: &Module<'_, Declared>, path: &str) -> javy::quickjs::Result<()> {
    let Ok(url) = url::Url::from_file_path(path) else {
        return Ok(());
    };
    let meta = module.meta()?;
    meta.set("url", url.as_str())?;
    meta.set("filename", path)?;
    let dirname = std::path::Path::new(path)
        .parent()
        .and_then(|dir| dir.to_str())
        .unwrap_or("/");
    meta.set("dirname", dirname)?;
    Ok(())
}

/// The ES module standing for the CommonJS file `path`: evaluating it runs
/// the file (through `require`'s cache); `module.exports` is its default
/// export, and each of `names` a named export read from it then.
fn commonjs_facade(path: &str, names: &[String]) -> String {
    let mut source = format!(
        "const m = globalThis[Symbol.for('jsbox.require')]({path:?});\nexport default m;\n"
    );
    // A string export name (`export { e as "a-b" }`) takes any name, as
    // Node's named exports do; Rust's escapes are valid in a JS string.
    for (i, name) in names.iter().enumerate() {
        source.push_str(&format!(
            "const e{i} = m[{name:?}];\nexport {{ e{i} as {name:?} }};\n"
        ));
    }
    source
}

/// The format's name in `require.js`.
fn format_name(format: ModuleFormat) -> &'static str {
    match format {
        ModuleFormat::Esm => "esm",
        ModuleFormat::Commonjs => "commonjs",
        ModuleFormat::Json => "json",
        ModuleFormat::Ambiguous => "ambiguous",
    }
}

/// `natives.resolve(referrer, specifier, mode)`: `{ path, format }`.
fn require_resolve<'js>(
    ctx: Ctx<'js>,
    referrer: String,
    specifier: String,
    mode: String,
) -> javy::quickjs::Result<Object<'js>> {
    let mode = if mode == "import" {
        ResolveMode::Import
    } else {
        ResolveMode::Require
    };
    let resolved = host::resolve(&referrer, &specifier, mode)
        .map_err(|e| throw(&ctx, e, "MODULE_NOT_FOUND"))?;
    let object = Object::new(ctx)?;
    object.set("path", resolved.path)?;
    object.set("format", format_name(resolved.format))?;
    Ok(object)
}

/// `natives.declaresModule(path, source)`: whether `source` parses as an
/// ES module; if it does, it is declared as `path`, where a later `import`
/// finds it.
fn declares_module(ctx: Ctx<'_>, path: String, source: String) -> bool {
    match Module::declare(ctx.clone(), path, source) {
        Ok(_) => true,
        Err(_) => {
            // Drop the parse error: the caller reports its own.
            let _ = ctx.catch();
            false
        }
    }
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

/// `natives.requireModule(path)`: the namespace of the ES module at `path`
/// (already resolved), linked and evaluated now through the module loader,
/// so that it is the same instance `import` gets. A graph with top-level
/// `await` cannot finish synchronously: `ERR_REQUIRE_ASYNC_MODULE`, as in
/// Node.
fn require_module<'js>(ctx: Ctx<'js>, path: String) -> javy::quickjs::Result<Value<'js>> {
    let source = format!("import * as namespace from {path:?};\nexport {{ namespace }};\n");
    let declared = Module::declare(ctx.clone(), format!("jsbox:require {path}"), source)?;
    let (evaluated, promise) = declared.eval()?;
    match promise.state() {
        PromiseState::Resolved => evaluated.get("namespace"),
        PromiseState::Rejected => {
            // The error is rethrown to `require`'s caller: the promise
            // nobody sees must not count as an unhandled rejection.
            let ignore = Function::new(ctx.clone(), || ())?;
            let _: Value = promise
                .catch()?
                .call((javy::quickjs::function::This(promise.clone()), ignore))?;
            match promise.result::<Value>() {
                Some(Err(error)) => Err(error),
                _ => Err(javy::quickjs::Error::Unknown),
            }
        }
        PromiseState::Pending => Err(throw_with_code(
            &ctx,
            "require() cannot be used on an ESM graph with top-level await. Use import() instead.",
            "ERR_REQUIRE_ASYNC_MODULE",
        )),
    }
}

/// Throws `error` as a JS `Error` with Node's `code`.
fn throw(ctx: &Ctx<'_>, error: LoadError, not_found_code: &str) -> javy::quickjs::Error {
    let (message, code) = match error {
        LoadError::NotFound(message) => (message, not_found_code),
        LoadError::AccessDenied(message) => (message, "ERR_ACCESS_DENIED"),
        LoadError::Unreadable(message) => (message, "ERR_MODULE_UNREADABLE"),
        LoadError::NotExported(message) => (message, "ERR_PACKAGE_PATH_NOT_EXPORTED"),
        LoadError::ImportNotDefined(message) => (message, "ERR_PACKAGE_IMPORT_NOT_DEFINED"),
        LoadError::InvalidPackageTarget(message) => (message, "ERR_INVALID_PACKAGE_TARGET"),
        LoadError::InvalidPackageConfig(message) => (message, "ERR_INVALID_PACKAGE_CONFIG"),
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
