//! The asymmetric keys and signatures behind `KeyObject`,
//! `generateKeyPair(Sync)`, `sign`/`verify` and `createSign`/`createVerify`:
//! Ed25519 (`ed25519-dalek`) and ECDSA on P-256 (`p256`).
//!
//! A key crosses to JS as its raw bytes, which `keys.js` keeps in a private
//! field: an Ed25519 private key is its 32-byte seed and a public key its
//! 32 bytes; a P-256 private key is its 32-byte scalar and a public key
//! the 65-byte uncompressed SEC1 point. DER (PKCS#8, SPKI, SEC1) is parsed
//! and made here; PEM armour and JWK are JS's. New keys come from the
//! host's CSPRNG; ECDSA signatures are deterministic (RFC 6979), valid for
//! any verifier though not byte-equal to OpenSSL's randomized ones.

use ed25519_dalek::Signer;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use javy::quickjs::{
    Array, ArrayBuffer, Ctx, Exception, Function, Object, Result, TypedArray, Value,
};
use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::AssociatedOid;

use super::bytes;
use super::hash::hasher;

/// Adds the key and signature functions to `native`.
pub fn register<'js>(ctx: &Ctx<'js>, native: &Object<'js>) -> Result<()> {
    native.set("keyGenerate", Function::new(ctx.clone(), key_generate)?)?;
    native.set("keyPublic", Function::new(ctx.clone(), key_public)?)?;
    native.set("keyImport", Function::new(ctx.clone(), key_import)?)?;
    native.set("keyExport", Function::new(ctx.clone(), key_export)?)?;
    native.set("sign", Function::new(ctx.clone(), sign)?)?;
    native.set("verify", Function::new(ctx.clone(), verify)?)?;
    Ok(())
}

/// The asymmetric key types, by Node's `asymmetricKeyType` (`ec` is P-256).
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Ed25519,
    P256,
}

impl Kind {
    fn parse(ctx: &Ctx<'_>, name: &str) -> Result<Kind> {
        match name {
            "ed25519" => Ok(Kind::Ed25519),
            "ec" => Ok(Kind::P256),
            _ => Err(Exception::throw_type(
                ctx,
                &format!("unknown key type {name}"),
            )),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Ed25519 => "ed25519",
            Kind::P256 => "ec",
        }
    }
}

fn invalid(ctx: &Ctx<'_>, what: &str) -> javy::quickjs::Error {
    Exception::throw_type(ctx, &format!("invalid {what}"))
}

fn ed25519_private(ctx: &Ctx<'_>, raw: &[u8]) -> Result<ed25519_dalek::SigningKey> {
    let seed: &[u8; 32] = raw
        .try_into()
        .map_err(|_| invalid(ctx, "Ed25519 private key"))?;
    Ok(ed25519_dalek::SigningKey::from_bytes(seed))
}

fn ed25519_public(ctx: &Ctx<'_>, raw: &[u8]) -> Result<ed25519_dalek::VerifyingKey> {
    let point: &[u8; 32] = raw
        .try_into()
        .map_err(|_| invalid(ctx, "Ed25519 public key"))?;
    ed25519_dalek::VerifyingKey::from_bytes(point).map_err(|_| invalid(ctx, "Ed25519 public key"))
}

fn p256_private(ctx: &Ctx<'_>, raw: &[u8]) -> Result<p256::SecretKey> {
    p256::SecretKey::from_slice(raw).map_err(|_| invalid(ctx, "P-256 private key"))
}

fn p256_public(ctx: &Ctx<'_>, raw: &[u8]) -> Result<p256::PublicKey> {
    p256::PublicKey::from_sec1_bytes(raw).map_err(|_| invalid(ctx, "P-256 public key"))
}

fn buffer<'js>(ctx: &Ctx<'js>, bytes: &[u8]) -> Result<Value<'js>> {
    Ok(ArrayBuffer::new_copy(ctx.clone(), bytes)?.into_value())
}

/// A new private key of `kind`, from the host's CSPRNG.
fn key_generate<'js>(ctx: Ctx<'js>, kind: String) -> Result<Value<'js>> {
    let kind = Kind::parse(&ctx, &kind)?;
    let mut seed = [0u8; 32];
    loop {
        getrandom::fill(&mut seed).map_err(|e| {
            Exception::throw_internal(&ctx, &format!("no randomness from the host: {e}"))
        })?;
        // A P-256 scalar must be below the group order (a 2^-32 chance of
        // drawing again).
        if kind == Kind::Ed25519 || p256::SecretKey::from_slice(&seed).is_ok() {
            return buffer(&ctx, &seed);
        }
    }
}

/// The public key of the private key `raw` of `kind`.
fn key_public<'js>(ctx: Ctx<'js>, kind: String, raw: TypedArray<'js, u8>) -> Result<Value<'js>> {
    match Kind::parse(&ctx, &kind)? {
        Kind::Ed25519 => {
            let key = ed25519_private(&ctx, bytes(&raw))?;
            buffer(&ctx, key.verifying_key().as_bytes())
        }
        Kind::P256 => {
            let key = p256_private(&ctx, bytes(&raw))?;
            buffer(&ctx, key.public_key().to_encoded_point(false).as_bytes())
        }
    }
}

/// `[kind, raw]` of the DER key `der` in `format` (`pkcs8` or `sec1` for
/// private keys, `spki` for public ones), or `undefined` when it is not an
/// Ed25519 or P-256 key of that format.
fn key_import<'js>(ctx: Ctx<'js>, format: String, der: TypedArray<'js, u8>) -> Result<Value<'js>> {
    let der = bytes(&der);
    let found: Option<(Kind, Vec<u8>)> = match format.as_str() {
        "pkcs8" => ed25519_dalek::SigningKey::from_pkcs8_der(der)
            .map(|key| (Kind::Ed25519, key.to_bytes().to_vec()))
            .or_else(|_| {
                p256::SecretKey::from_pkcs8_der(der)
                    .map(|key| (Kind::P256, key.to_bytes().to_vec()))
            })
            .ok(),
        "sec1" => p256::SecretKey::from_sec1_der(der)
            .map(|key| (Kind::P256, key.to_bytes().to_vec()))
            .ok(),
        "spki" => ed25519_dalek::VerifyingKey::from_public_key_der(der)
            .map(|key| (Kind::Ed25519, key.as_bytes().to_vec()))
            .or_else(|_| {
                p256::PublicKey::from_public_key_der(der)
                    .map(|key| (Kind::P256, key.to_encoded_point(false).as_bytes().to_vec()))
            })
            .ok(),
        _ => None,
    };
    let Some((kind, raw)) = found else {
        return Ok(Value::new_undefined(ctx));
    };
    let pair = Array::new(ctx.clone())?;
    pair.set(0, kind.name())?;
    pair.set(1, buffer(&ctx, &raw)?)?;
    Ok(pair.into_value())
}

/// The DER of the key `raw` of `kind`: PKCS#8 for a private key, SPKI for
/// a public one, or SEC1 for a P-256 private key when `format` is `sec1`.
fn key_export<'js>(
    ctx: Ctx<'js>,
    kind: String,
    private: bool,
    format: String,
    raw: TypedArray<'js, u8>,
) -> Result<Value<'js>> {
    let raw = bytes(&raw);
    let der: Vec<u8> = match (Kind::parse(&ctx, &kind)?, private, format.as_str()) {
        // Without the public key (PKCS#8 v1), as OpenSSL writes it.
        (Kind::Ed25519, true, "pkcs8") => {
            let keypair = ed25519_dalek::pkcs8::KeypairBytes {
                secret_key: ed25519_private(&ctx, raw)?.to_bytes(),
                public_key: None,
            };
            encoded(&ctx, keypair.to_pkcs8_der())?.as_bytes().to_vec()
        }
        (Kind::Ed25519, false, "spki") => {
            encoded(&ctx, ed25519_public(&ctx, raw)?.to_public_key_der())?.into_vec()
        }
        (Kind::P256, true, "pkcs8") => encoded(&ctx, p256_private(&ctx, raw)?.to_pkcs8_der())?
            .as_bytes()
            .to_vec(),
        // With the named curve and the public key, as OpenSSL writes it.
        (Kind::P256, true, "sec1") => {
            let key = p256_private(&ctx, raw)?;
            let point = key.public_key().to_encoded_point(false);
            let sec1 = sec1::EcPrivateKey {
                private_key: &key.to_bytes(),
                parameters: Some(sec1::EcParameters::NamedCurve(p256::NistP256::OID)),
                public_key: Some(point.as_bytes()),
            };
            encoded(&ctx, sec1::der::Encode::to_der(&sec1))?
        }
        (Kind::P256, false, "spki") => {
            encoded(&ctx, p256_public(&ctx, raw)?.to_public_key_der())?.into_vec()
        }
        _ => return Err(invalid(&ctx, "key export")),
    };
    buffer(&ctx, &der)
}

fn encoded<T, E>(ctx: &Ctx<'_>, result: std::result::Result<T, E>) -> Result<T> {
    result.map_err(|_| Exception::throw_internal(ctx, "the key could not be encoded"))
}

/// The ECDSA prehash: `data` hashed with `digest` (Node's lowercase name).
fn prehash(ctx: &Ctx<'_>, digest: &str, data: &[u8]) -> Result<Box<[u8]>> {
    let mut hash = hasher(digest, None).ok_or_else(|| invalid(ctx, "digest"))?;
    hash.update(data);
    Ok(hash.finalize())
}

/// The signature of `data` with the private key `raw`: Ed25519's 64
/// bytes, or ECDSA over `digest` as DER (`der`) or r‖s (IEEE P1363).
fn sign<'js>(
    ctx: Ctx<'js>,
    kind: String,
    raw: TypedArray<'js, u8>,
    digest: String,
    data: TypedArray<'js, u8>,
    der: bool,
) -> Result<Value<'js>> {
    let (raw, data) = (bytes(&raw), bytes(&data));
    match Kind::parse(&ctx, &kind)? {
        Kind::Ed25519 => buffer(&ctx, &ed25519_private(&ctx, raw)?.sign(data).to_bytes()),
        Kind::P256 => {
            let key = p256::ecdsa::SigningKey::from(p256_private(&ctx, raw)?);
            let signature: p256::ecdsa::Signature = key
                .sign_prehash(&prehash(&ctx, &digest, data)?)
                .map_err(|_| invalid(&ctx, "digest for ECDSA"))?;
            if der {
                buffer(&ctx, signature.to_der().as_bytes())
            } else {
                buffer(&ctx, &signature.to_bytes())
            }
        }
    }
}

/// Whether `signature` (DER when `der`, else r‖s, for ECDSA) signs `data`
/// for the public key `raw`.
fn verify<'js>(
    ctx: Ctx<'js>,
    kind: String,
    raw: TypedArray<'js, u8>,
    digest: String,
    data: TypedArray<'js, u8>,
    signature: TypedArray<'js, u8>,
    der: bool,
) -> Result<bool> {
    let (raw, data, signature) = (bytes(&raw), bytes(&data), bytes(&signature));
    Ok(match Kind::parse(&ctx, &kind)? {
        Kind::Ed25519 => {
            let key = ed25519_public(&ctx, raw)?;
            ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|signature| key.verify_strict(data, &signature).is_ok())
        }
        Kind::P256 => {
            let key = p256::ecdsa::VerifyingKey::from(p256_public(&ctx, raw)?);
            let parsed = if der {
                p256::ecdsa::Signature::from_der(signature)
            } else {
                p256::ecdsa::Signature::from_slice(signature)
            };
            let hash = prehash(&ctx, &digest, data)?;
            parsed.is_ok_and(|signature| key.verify_prehash(&hash, &signature).is_ok())
        }
    })
}
