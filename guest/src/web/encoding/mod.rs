//! `TextEncoder` and `TextDecoder` (WHATWG Encoding), UTF-8 only.
//!
//! Rust does the UTF-8 work (encoding, `encodeInto`'s "what fits", decoding
//! with replacement or fatal errors, keeping an incomplete trailing sequence
//! when streaming); `encoding.js` holds the classes, label matching, BOM
//! handling and the streaming state.
//!
//! Divergences: only the UTF-8 encoding exists, so every label other than
//! UTF-8's (`utf-8`, `utf8`, `unicode-1-1-utf-8`, ...) throws `RangeError`
//! like an unknown label would; `SharedArrayBuffer`s are not accepted as
//! input.

use javy::quickjs::{Array, ArrayBuffer, Ctx, Exception, Function, Object, Result, TypedArray};

use crate::builtins::{self, Builtin, builtin};

const JS: Builtin = builtin!("jsbox:web/encoding", "encoding.js");

pub fn install<'js>(ctx: &Ctx<'js>, helpers: &Object<'js>) -> anyhow::Result<()> {
    let native = Object::new(ctx.clone())?;
    native.set("encode", Function::new(ctx.clone(), encode)?)?;
    native.set("encodeInto", Function::new(ctx.clone(), encode_into)?)?;
    native.set("decode", Function::new(ctx.clone(), decode)?)?;
    builtins::install(ctx, &JS, (native, helpers.clone()))
}

/// The UTF-8 bytes of `input` (well-formed: the JS side replaced lone
/// surrogates) as a new `Uint8Array`.
fn encode<'js>(ctx: Ctx<'js>, input: String) -> Result<TypedArray<'js, u8>> {
    TypedArray::new(ctx, input.into_bytes())
}

/// `[read, bytes]`: the longest prefix of `input` whose UTF-8 fits in
/// `capacity` bytes, with its length in UTF-16 code units and its bytes.
fn encode_into<'js>(ctx: Ctx<'js>, input: String, capacity: usize) -> Result<Array<'js>> {
    let mut read = 0;
    let mut written = 0;
    for c in input.chars() {
        if written + c.len_utf8() > capacity {
            break;
        }
        written += c.len_utf8();
        read += c.len_utf16();
    }
    let result = Array::new(ctx.clone())?;
    result.set(0, read)?;
    result.set(
        1,
        TypedArray::<u8>::new_copy(ctx, &input.as_bytes()[..written])?,
    )?;
    Ok(result)
}

/// Decodes `pending` (bytes an earlier streaming call kept) followed by
/// `length` bytes of `buffer` from `offset`. Returns `[text, kept]`, where
/// `kept` is the incomplete sequence at the end that a streaming call keeps
/// for the next one (an array of up to 3 bytes). Invalid sequences become
/// U+FFFD, one per maximal subpart as WHATWG requires (Rust's UTF-8
/// validation reports the same subparts), or a `TypeError` when `fatal`.
#[allow(clippy::too_many_arguments)]
fn decode<'js>(
    ctx: Ctx<'js>,
    pending: Vec<u8>,
    buffer: ArrayBuffer<'js>,
    offset: usize,
    length: usize,
    fatal: bool,
    stream: bool,
) -> Result<Array<'js>> {
    // A detached buffer has no bytes; the views over it read as empty.
    let bytes = buffer
        .as_bytes()
        .and_then(|bytes| bytes.get(offset..offset.checked_add(length)?))
        .unwrap_or_default();
    let joined;
    let input = if pending.is_empty() {
        bytes
    } else {
        joined = [pending.as_slice(), bytes].concat();
        joined.as_slice()
    };
    let mut text = String::with_capacity(input.len());
    let mut kept: &[u8] = &[];
    let mut chunks = input.utf8_chunks().peekable();
    while let Some(chunk) = chunks.next() {
        text.push_str(chunk.valid());
        let invalid = chunk.invalid();
        if invalid.is_empty() {
            continue;
        }
        let is_incomplete_tail = chunks.peek().is_none()
            && std::str::from_utf8(invalid).is_err_and(|e| e.error_len().is_none());
        if stream && is_incomplete_tail {
            kept = invalid;
        } else if fatal {
            return Err(Exception::throw_type(
                &ctx,
                "The encoded data was not valid for encoding utf-8",
            ));
        } else {
            text.push(char::REPLACEMENT_CHARACTER);
        }
    }
    let result = Array::new(ctx.clone())?;
    result.set(0, text)?;
    result.set(1, kept.to_vec())?;
    Ok(result)
}
