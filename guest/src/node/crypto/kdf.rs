//! The key derivations behind `pbkdf2`, `hkdf` and `scrypt` (and
//! `crypto.subtle`'s `deriveBits`): `pbkdf2`, `hkdf` and `scrypt` from the
//! RustCrypto crates, over the digests of [`super::hash`].
//!
//! Each is one call that returns the derived bytes; JS validates the
//! arguments first and throws Node's errors. The work is guest code, so an
//! iteration count past the run's fuel ends the run as a fuel or deadline
//! outcome, and scrypt's `128·N·r` bytes are allocated in the sandbox's
//! memory, whose cap ends a run that asks for more as `memory_limit`.

use hkdf::Hkdf;
use javy::quickjs::{ArrayBuffer, Ctx, Function, Object, Result, TypedArray, Value};
use md5::Md5;
use sha1::Sha1;
use sha2::{Sha224, Sha256, Sha384, Sha512};

use super::bytes;

/// Adds the derivation functions to `native`.
pub fn register<'js>(ctx: &Ctx<'js>, native: &Object<'js>) -> Result<()> {
    native.set("pbkdf2", Function::new(ctx.clone(), pbkdf2)?)?;
    native.set("hkdf", Function::new(ctx.clone(), hkdf)?)?;
    native.set("scrypt", Function::new(ctx.clone(), scrypt)?)?;
    Ok(())
}

/// Runs `$body` with `$digest` the digest type named `$name` (Node's
/// lowercase names); `$unknown` otherwise.
macro_rules! by_digest {
    ($name:expr, $digest:ident => $body:expr, $unknown:expr) => {
        match $name {
            "md5" => {
                type $digest = Md5;
                $body
            }
            "sha1" => {
                type $digest = Sha1;
                $body
            }
            "sha224" => {
                type $digest = Sha224;
                $body
            }
            "sha256" => {
                type $digest = Sha256;
                $body
            }
            "sha384" => {
                type $digest = Sha384;
                $body
            }
            "sha512" => {
                type $digest = Sha512;
                $body
            }
            _ => $unknown,
        }
    };
}

/// PBKDF2-HMAC with `digest`: `length` bytes, or `undefined` for an
/// unknown digest.
fn pbkdf2<'js>(
    ctx: Ctx<'js>,
    digest: String,
    password: TypedArray<'js, u8>,
    salt: TypedArray<'js, u8>,
    iterations: u32,
    length: usize,
) -> Result<Value<'js>> {
    let (password, salt) = (bytes(&password), bytes(&salt));
    let mut output = vec![0u8; length];
    by_digest!(digest.as_str(), D => {
        pbkdf2::pbkdf2_hmac::<D>(password, salt, iterations, &mut output)
    }, return Ok(Value::new_undefined(ctx)));
    Ok(ArrayBuffer::new(ctx, output)?.into_value())
}

/// HKDF (RFC 5869) with `digest`: `length` bytes, or `undefined` for an
/// unknown digest or a length past 255 hashes.
fn hkdf<'js>(
    ctx: Ctx<'js>,
    digest: String,
    key: TypedArray<'js, u8>,
    salt: TypedArray<'js, u8>,
    info: TypedArray<'js, u8>,
    length: usize,
) -> Result<Value<'js>> {
    let (key, salt, info) = (bytes(&key), bytes(&salt), bytes(&info));
    let mut output = vec![0u8; length];
    let expanded = by_digest!(digest.as_str(), D => {
        Hkdf::<D>::new(Some(salt), key).expand(info, &mut output).is_ok()
    }, false);
    if !expanded {
        return Ok(Value::new_undefined(ctx));
    }
    Ok(ArrayBuffer::new(ctx, output)?.into_value())
}

/// scrypt (RFC 7914) with N = 2^`log_n`: `length` (≥ 1) bytes, or
/// `undefined` for parameters the algorithm refuses or whose `128·N·r`
/// does not fit this 32-bit address space. JS has already applied Node's
/// `maxmem` check.
fn scrypt<'js>(
    ctx: Ctx<'js>,
    password: TypedArray<'js, u8>,
    salt: TypedArray<'js, u8>,
    log_n: u8,
    r: u32,
    p: u32,
    length: usize,
) -> Result<Value<'js>> {
    // The crate's `len` is only its password-hash format's; the output
    // below sets the length.
    let Ok(params) = scrypt::Params::new(log_n, r, p, scrypt::Params::RECOMMENDED_LEN) else {
        return Ok(Value::new_undefined(ctx));
    };
    let mut output = vec![0u8; length];
    if scrypt::scrypt(bytes(&password), bytes(&salt), &params, &mut output).is_err() {
        return Ok(Value::new_undefined(ctx));
    }
    Ok(ArrayBuffer::new(ctx, output)?.into_value())
}
