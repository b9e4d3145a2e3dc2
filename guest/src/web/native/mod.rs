//! Rust-backed web APIs.

use javy::quickjs::Ctx;

pub fn install(_ctx: &Ctx<'_>) -> anyhow::Result<()> {
    Ok(())
}
