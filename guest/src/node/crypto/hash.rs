//! The hashing behind `node:crypto`'s `createHash`, `createHmac` and
//! `hash`: MD5, SHA-1 and SHA-2 from the RustCrypto crates, HMAC from
//! `hmac`.
//!
//! A hash in progress lives here, in a per-instance table, and JS holds
//! its index: `hashNew` makes one, `hashUpdate` feeds it, `hashCopy`
//! clones it and `hashDigest` finishes it and frees its slot. A hash that
//! is never finished keeps its slot (a few hundred bytes) until the run
//! ends with its instance; the snapshot's table is empty.

use std::cell::RefCell;

use hmac::Hmac;
use hmac::digest::KeyInit;
use javy::quickjs::{ArrayBuffer, Ctx, Exception, Function, Object, Result};
use md5::Md5;
use sha1::Sha1;
use sha2::digest::DynDigest;
use sha2::{Sha224, Sha256, Sha384, Sha512};

thread_local! {
    /// Hashes in progress, by the index JS holds.
    static HASHES: RefCell<Vec<Option<Box<dyn DynDigest>>>> = const { RefCell::new(Vec::new()) };
}

/// Adds the hash functions to `native`.
pub fn register<'js>(ctx: &Ctx<'js>, native: &Object<'js>) -> Result<()> {
    native.set("hashNew", Function::new(ctx.clone(), hash_new)?)?;
    native.set("hashUpdate", Function::new(ctx.clone(), hash_update)?)?;
    native.set("hashCopy", Function::new(ctx.clone(), hash_copy)?)?;
    native.set("hashDigest", Function::new(ctx.clone(), hash_digest)?)?;
    Ok(())
}

/// A hasher for `algorithm` (lowercase), keyed for HMAC when `key` is
/// given; `None` for an algorithm this module does not have.
pub(super) fn hasher(algorithm: &str, key: Option<&[u8]>) -> Option<Box<dyn DynDigest>> {
    // HMAC accepts keys of every length, so `new_from_slice` cannot fail.
    macro_rules! hmac {
        ($digest:ty, $key:expr) => {
            Box::new(<Hmac<$digest> as KeyInit>::new_from_slice($key).ok()?)
        };
    }
    Some(match (algorithm, key) {
        ("md5", None) => Box::new(Md5::default()),
        ("sha1", None) => Box::new(Sha1::default()),
        ("sha224", None) => Box::new(Sha224::default()),
        ("sha256", None) => Box::new(Sha256::default()),
        ("sha384", None) => Box::new(Sha384::default()),
        ("sha512", None) => Box::new(Sha512::default()),
        ("md5", Some(key)) => hmac!(Md5, key),
        ("sha1", Some(key)) => hmac!(Sha1, key),
        ("sha224", Some(key)) => hmac!(Sha224, key),
        ("sha256", Some(key)) => hmac!(Sha256, key),
        ("sha384", Some(key)) => hmac!(Sha384, key),
        ("sha512", Some(key)) => hmac!(Sha512, key),
        _ => return None,
    })
}

fn bytes<'a>(buffer: &'a ArrayBuffer<'_>, offset: usize, length: usize) -> &'a [u8] {
    buffer
        .as_bytes()
        .and_then(|bytes| bytes.get(offset..offset.checked_add(length)?))
        .unwrap_or_default()
}

fn store(hasher: Box<dyn DynDigest>) -> usize {
    HASHES.with(|hashes| {
        let mut hashes = hashes.borrow_mut();
        hashes.push(Some(hasher));
        hashes.len() - 1
    })
}

fn missing(ctx: &Ctx<'_>) -> javy::quickjs::Error {
    Exception::throw_internal(ctx, "the hash was already finished")
}

/// A new hash (or HMAC, when `key` is an `ArrayBuffer` given with its
/// `offset` and `length`) for `algorithm`; its index, or -1 when the
/// algorithm is unknown.
fn hash_new(algorithm: String, key: Option<ArrayBuffer<'_>>, offset: usize, length: usize) -> i32 {
    let key = key.as_ref().map(|key| bytes(key, offset, length));
    hasher(&algorithm, key).map_or(-1, |hasher| store(hasher) as i32)
}

fn hash_update(
    ctx: Ctx<'_>,
    id: usize,
    data: ArrayBuffer<'_>,
    offset: usize,
    length: usize,
) -> Result<()> {
    HASHES.with(|hashes| match hashes.borrow_mut().get_mut(id) {
        Some(Some(hasher)) => {
            hasher.update(bytes(&data, offset, length));
            Ok(())
        }
        _ => Err(missing(&ctx)),
    })
}

fn hash_copy(ctx: Ctx<'_>, id: usize) -> Result<usize> {
    let copy = HASHES.with(|hashes| match hashes.borrow().get(id) {
        Some(Some(hasher)) => Ok(hasher.box_clone()),
        _ => Err(missing(&ctx)),
    })?;
    Ok(store(copy))
}

fn hash_digest<'js>(ctx: Ctx<'js>, id: usize) -> Result<ArrayBuffer<'js>> {
    let hasher = HASHES.with(|hashes| hashes.borrow_mut().get_mut(id).and_then(Option::take));
    match hasher {
        Some(hasher) => ArrayBuffer::new(ctx, hasher.finalize().into_vec()),
        None => Err(missing(&ctx)),
    }
}
