//! `process.env` over the `env` import (see the module doc of [`super`]):
//! Rust natives, and `env.js`, which shapes them into the Proxy.

use javy::quickjs::{Ctx, Function, Object, Result};

use super::throw;
use crate::jsbox::sandbox::env::{self, Error};

const JS: &str = include_str!("env.js");

/// `{ create }`: `create()` makes a run's `process.env`.
pub fn natives<'js>(ctx: &Ctx<'js>) -> Result<Object<'js>> {
    let native = Object::new(ctx.clone())?;
    native.set("get", Function::new(ctx.clone(), get)?)?;
    native.set("names", Function::new(ctx.clone(), env::names)?)?;
    let factory: Function = ctx.eval(JS)?;
    let create: Function = factory.call((native,))?;
    let exports = Object::new(ctx.clone())?;
    exports.set("create", create)?;
    Ok(exports)
}

/// A variable's value, `undefined` when unset; throws `ERR_ACCESS_DENIED`
/// for a name the grant refuses.

fn get(ctx: Ctx<'_>, name: String) -> Result<Option<String>> {
    env::get(&name)
        .map_err(|Error::AccessDenied(message)| throw(&ctx, "ERR_ACCESS_DENIED", &message))
}
