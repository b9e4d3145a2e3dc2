//! `node:crypto` (`crypto.js`, with its parts `common.js`, `cipher.js`,
//! `kdf.js` and `keys.js`) and the engine of
//! `crypto.subtle` (`web/crypto/`), on the RustCrypto crates.
//!
//! [`hash`] holds digests and HMAC, [`cipher`] the symmetric ciphers
//! (AES-GCM/CBC/CTR, ChaCha20-Poly1305), [`kdf`] PBKDF2, HKDF and scrypt,
//! and [`sign`] the Ed25519 and P-256 keys and signatures.
//! A hash or cipher in progress lives in a per-instance table of its
//! module and JS holds its index; an index that names no live entry is a
//! JS error. All of it is guest code, so its CPU is counted by fuel and its
//! memory by the sandbox's cap.

mod cipher;
mod hash;
mod kdf;
mod sign;

use javy::quickjs::{Ctx, Object, Result, TypedArray};

/// The functions `crypto.js` reaches as `internal.native.crypto` and
/// `web/crypto/crypto.js` as `native.engine`.
pub fn natives<'js>(ctx: &Ctx<'js>) -> Result<Object<'js>> {
    let native = Object::new(ctx.clone())?;
    hash::register(ctx, &native)?;
    cipher::register(ctx, &native)?;
    kdf::register(ctx, &native)?;
    sign::register(ctx, &native)?;
    Ok(native)
}

/// The bytes of a `Uint8Array` (JS passes every buffer source as one); a
/// detached buffer reads as empty, as its views do.
fn bytes<'a>(array: &'a TypedArray<'_, u8>) -> &'a [u8] {
    array.as_bytes().unwrap_or_default()
}
