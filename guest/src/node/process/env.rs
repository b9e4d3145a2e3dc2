//! `process.env` over the `env` import, behind the run's env grant: Rust
//! natives, and `env.js` (`jsbox:node/process/env`), which shapes them
//! into the Proxy. A name the grant refuses reads as `undefined`, exactly
//! like a granted name that is not set, so a script learns neither its
//! value nor whether it exists; the host audits the refusal.

use javy::quickjs::{Ctx, Function, Object};

use crate::builtins::{self, Builtin, builtin};

use crate::js_string::Lossy;
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

/// A variable's value, `None` when unset or when the grant refuses the
/// name: npm code probes optional variables (`process.env.DEBUG`) and
/// expects `undefined`, never an exception. The refusal is the host's
/// (checked and audited there before it looks at the environment).
fn get(Lossy(name): Lossy) -> Option<String> {
    env::get(&name).unwrap_or_else(|Error::AccessDenied(_)| None)
}
