//! Web APIs written in JS.

use javy::quickjs::Ctx;

pub fn install(_ctx: &Ctx<'_>) -> anyhow::Result<()> {
    Ok(())
}
