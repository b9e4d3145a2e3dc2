//! `crypto`: `getRandomValues`, `randomUUID` and `subtle` (Web Crypto).
//!
//! Rust draws random bytes from the host's CSPRNG (`getrandom`: WASI
//! `random_get`) at every call — never at initialization, which the host
//! snapshots — and computes the digests with the `sha1`/`sha2` crates.
//! `crypto.js` holds `Crypto` and `SubtleCrypto`, argument checks and their
//! `DOMException`s; `subtle.js` holds `CryptoKey` and the key operations
//! for AES-GCM/CBC/CTR, HMAC, PBKDF2 and HKDF, and `asymmetric.js` those
//! of ECDSA (P-256) and Ed25519, on the ciphers, KDFs and signatures of
//! `node/crypto/` (`native.engine`).
//!
//! Divergences: no RSA, ECDH, X25519, other curves, AES-KW or
//! `wrapKey`/`unwrapKey`, and no `spki`/`pkcs8` for secret keys; they reject
//! with `NotSupportedError`. The work is done synchronously
//! before the promise is returned (the result is the same, the work is not
//! deferred).

use javy::quickjs::{ArrayBuffer, Ctx, Exception, Function, Object, Result};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::builtins::{self, Builtin, builtin};

const JS: Builtin = builtin!("jsbox:web/crypto", "crypto.js");
const SUBTLE_JS: Builtin = builtin!("jsbox:web/crypto/subtle", "subtle.js");
const ASYMMETRIC_JS: Builtin = builtin!("jsbox:web/crypto/asymmetric", "asymmetric.js");

pub fn install<'js>(ctx: &Ctx<'js>, helpers: &Object<'js>) -> anyhow::Result<()> {
    let native = Object::new(ctx.clone())?;
    native.set("randomBytes", Function::new(ctx.clone(), random_bytes)?)?;
    native.set("randomUUID", Function::new(ctx.clone(), random_uuid)?)?;
    native.set("digest", Function::new(ctx.clone(), digest)?)?;
    native.set("engine", crate::node::crypto::natives(ctx)?)?;
    let asymmetric = builtins::eval(ctx, &ASYMMETRIC_JS)?;
    let operations: Object = builtins::install(
        ctx,
        &SUBTLE_JS,
        (native.clone(), helpers.clone(), asymmetric),
    )?;
    builtins::install(ctx, &JS, (native, helpers.clone(), operations))
}

fn fill_random(ctx: &Ctx<'_>, bytes: &mut [u8]) -> Result<()> {
    getrandom::fill(bytes)
        .map_err(|e| Exception::throw_internal(ctx, &format!("no randomness from the host: {e}")))
}

/// `length` bytes from the host's CSPRNG, as a new `ArrayBuffer`.
fn random_bytes<'js>(ctx: Ctx<'js>, length: usize) -> Result<ArrayBuffer<'js>> {
    let mut bytes = vec![0; length];
    fill_random(&ctx, &mut bytes)?;
    ArrayBuffer::new(ctx, bytes)
}

/// A version 4 (random) UUID in its lowercase hyphenated form.
fn random_uuid(ctx: Ctx<'_>) -> Result<String> {
    let mut bytes = [0u8; 16];
    fill_random(&ctx, &mut bytes)?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // variant 10xx (RFC 9562)
    let mut uuid = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            uuid.push('-');
        }
        uuid.push_str(&format!("{byte:02x}"));
    }
    Ok(uuid)
}

/// The digest with `algorithm` (an already normalized name: `SHA-1`,
/// `SHA-256`, `SHA-384` or `SHA-512`) of `length` bytes of `buffer` from
/// `offset`, as a new `ArrayBuffer`.
fn digest<'js>(
    ctx: Ctx<'js>,
    algorithm: String,
    buffer: ArrayBuffer<'js>,
    offset: usize,
    length: usize,
) -> Result<ArrayBuffer<'js>> {
    // A detached buffer has no bytes; the views over it read as empty.
    let data = buffer
        .as_bytes()
        .and_then(|bytes| bytes.get(offset..offset.checked_add(length)?))
        .unwrap_or_default();
    let hash = match algorithm.as_str() {
        "SHA-1" => Sha1::digest(data).to_vec(),
        "SHA-256" => Sha256::digest(data).to_vec(),
        "SHA-384" => Sha384::digest(data).to_vec(),
        "SHA-512" => Sha512::digest(data).to_vec(),
        _ => {
            return Err(Exception::throw_type(
                &ctx,
                &format!("unsupported digest algorithm {algorithm}"),
            ));
        }
    };
    ArrayBuffer::new(ctx, hash)
}
