//! `process.env` over the `env` import, behind the run's env grant: Rust
//! natives, and `env.js` (`jsbox:node/process/env`), which shapes them
//! into the Proxy. A name the grant refuses throws an `Error` whose `code`
//! is `ERR_ACCESS_DENIED`.

use javy::quickjs::{Ctx, Function, Object};

use crate::builtins::{self, Builtin, builtin};

use crate::js_error::throw;
use crate::jsbox::sandbox::env::{self, Error};

const ENV_JS: Builtin = builtin!("jsbox:node/process/env", "env.js");

/// `{ create }`: `create()` makes a run's `process.env`.
pub fn natives<'js>(ctx: &Ctx<'js>) -> anyhow::Result<Object<'js>> {
    let native = Object::new(ctx.clone())?;
    native.set("get", Function::new(ctx.clone(), get)?)?;
    native.set("names", Function::new(ctx.clone(), env::names)?)?;
    let create: Function = builtins::install(ctx, &ENV_JS, (native,))?;
    let exports = Object::new(ctx.clone())?;
    exports.set("create", create)?;
    Ok(exports)
}

/// A variable's value, `undefined` when unset; throws `ERR_ACCESS_DENIED`
/// for a name the grant refuses.
fn get(ctx: Ctx<'_>, name: String) -> javy::quickjs::Result<Option<String>> {
    env::get(&name)
        .map_err(|Error::AccessDenied(message)| throw(&ctx, "ERR_ACCESS_DENIED", &message))
}
