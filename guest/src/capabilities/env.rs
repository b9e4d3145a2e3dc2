//! Natives over the `env` import, for `process.env` (see the module doc of
//! [`super`]).

use javy::quickjs::{Ctx, Function, Object, Result};

use super::throw;
use crate::jsbox::sandbox::env::{self, Error};

/// The natives object: `get(name)` (a string, or `undefined` when unset;
/// throws `ERR_ACCESS_DENIED` for a name the grant refuses) and `names()`.
pub fn natives<'js>(ctx: &Ctx<'js>) -> Result<Object<'js>> {
    let native = Object::new(ctx.clone())?;
    native.set("get", Function::new(ctx.clone(), get)?)?;
    native.set("names", Function::new(ctx.clone(), env::names)?)?;
    Ok(native)
}

fn get(ctx: Ctx<'_>, name: String) -> Result<Option<String>> {
    env::get(&name)
        .map_err(|Error::AccessDenied(message)| throw(&ctx, "ERR_ACCESS_DENIED", &message))
}
