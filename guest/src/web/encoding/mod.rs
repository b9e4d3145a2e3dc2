//! `TextEncoder` and `TextDecoder` (WHATWG Encoding), with every encoding of
//! the standard through the `encoding_rs` crate (Firefox's implementation).
//!
//! Rust does the byte work: UTF-8 encoding and `encodeInto`'s "what fits",
//! label lookup, and decoding, where a [`Decoder`] is a JS object owning an
//! `encoding_rs` decoder so that a streamed call keeps an incomplete
//! sequence (or ISO-2022-JP's mode) for the next one. `encoding.js` holds
//! the classes and the WebIDL argument handling.
//!
//! The labels of the `replacement` encoding (`iso-2022-kr`, `hz-gb-2312`...)
//! throw `RangeError`, as the standard's `TextDecoder` constructor requires;
//! `SharedArrayBuffer`s are not accepted as input.

use javy::quickjs::class::{JsClass, Trace, Tracer, Writable};
use javy::quickjs::function::Constructor;
use javy::quickjs::{
    Array, ArrayBuffer, Class, Ctx, Exception, Function, JsLifetime, Object, Result, TypedArray,
};

use encoding_rs::{DecoderResult, Encoding};

use crate::builtins::{self, Builtin, builtin};
use crate::js_string::Lossy;

const JS: Builtin = builtin!("jsbox:web/encoding", "encoding.js");

pub fn install<'js>(ctx: &Ctx<'js>, helpers: &Object<'js>) -> anyhow::Result<()> {
    let native = Object::new(ctx.clone())?;
    native.set("encode", Function::new(ctx.clone(), encode)?)?;
    native.set("encodeInto", Function::new(ctx.clone(), encode_into)?)?;
    native.set("encodingFor", Function::new(ctx.clone(), encoding_for)?)?;
    native.set("decoder", Function::new(ctx.clone(), new_decoder)?)?;
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

/// The standard's name of the encoding `label` denotes (`'shift_jis'`,
/// `'utf-16le'`), lowercase as `TextDecoder#encoding` reports it, or
/// `undefined` for an unknown label or one of `replacement`'s. Matching
/// ignores ASCII case and surrounding ASCII whitespace, as the standard says.
fn encoding_for(Lossy(label): Lossy) -> Option<String> {
    Encoding::for_label_no_replacement(label.as_bytes()).map(|e| e.name().to_ascii_lowercase())
}

/// One `TextDecoder`'s decoding state. `decoder` is `None` between
/// streams: the next call starts a fresh one (with the BOM question open
/// again), as the standard's "do not flush" flag being unset says.
struct Decoder {
    encoding: &'static Encoding,
    ignore_bom: bool,
    decoder: Option<encoding_rs::Decoder>,
}

impl<'js> Trace<'js> for Decoder {
    fn trace<'a>(&self, _tracer: Tracer<'a, 'js>) {}
}

// SAFETY: `Decoder` holds no JS values, so it has no lifetime to change.
unsafe impl<'js> JsLifetime<'js> for Decoder {
    type Changed<'to> = Decoder;
}

impl<'js> JsClass<'js> for Decoder {
    const NAME: &'static str = "Decoder";
    type Mutable = Writable;

    fn constructor(_ctx: &Ctx<'js>) -> Result<Option<Constructor<'js>>> {
        Ok(None)
    }
}

/// A decoder for the encoding `name` (as [`encoding_for`] gave it).
fn new_decoder<'js>(ctx: Ctx<'js>, name: String, ignore_bom: bool) -> Result<Class<'js, Decoder>> {
    let encoding = Encoding::for_label_no_replacement(name.as_bytes())
        .ok_or_else(|| Exception::throw_range(&ctx, "TextDecoder: unknown encoding"))?;
    Class::instance(
        ctx,
        Decoder {
            encoding,
            ignore_bom,
            decoder: None,
        },
    )
}

/// Decodes `length` bytes of `buffer` from `offset` with `decoder`,
/// continuing what an earlier streamed call left. Malformed input becomes
/// U+FFFD, or a `TypeError` when `fatal` (which ends the stream). Unless
/// `stream`, whatever is left incomplete at the end is malformed too, and
/// the next call starts afresh.
fn decode<'js>(
    ctx: Ctx<'js>,
    decoder: Class<'js, Decoder>,
    buffer: ArrayBuffer<'js>,
    offset: usize,
    length: usize,
    fatal: bool,
    stream: bool,
) -> Result<String> {
    // A detached buffer has no bytes; the views over it read as empty.
    let input = buffer
        .as_bytes()
        .and_then(|bytes| bytes.get(offset..offset.checked_add(length)?))
        .unwrap_or_default();
    let mut state = decoder.borrow_mut();
    let Decoder {
        encoding,
        ignore_bom,
        decoder: current,
    } = &mut *state;
    let active = current.get_or_insert_with(|| {
        if *ignore_bom {
            encoding.new_decoder_without_bom_handling()
        } else {
            encoding.new_decoder_with_bom_removal()
        }
    });
    let last = !stream;
    let decoded = if fatal {
        decode_fatal(active, input, last)
    } else {
        decode_replacing(active, input, last).map(Some)
    };
    if last || !matches!(decoded, Ok(Some(_))) {
        *current = None;
    }
    let Some(text) = decoded.map_err(|TooLarge| {
        Exception::throw_range(&ctx, "TextDecoder.decode: the input is too large to decode")
    })?
    else {
        return Err(Exception::throw_type(
            &ctx,
            &format!(
                "The encoded data was not valid for encoding {}",
                encoding.name().to_ascii_lowercase()
            ),
        ));
    };
    Ok(text)
}

/// An input whose worst-case output would not fit the address space.
struct TooLarge;

/// An empty string with room for the longest text `input` can decode to:
/// `encoding_rs` writes a replacement character without checking for room,
/// so the buffer must be that large (at most three bytes per input byte,
/// plus what the decoder holds). A buffer past the sandbox's memory cap
/// ends the run as `memory_limit`.
fn buffer_for(
    decoder: &encoding_rs::Decoder,
    input: &[u8],
) -> std::result::Result<String, TooLarge> {
    decoder
        .max_utf8_buffer_length(input.len())
        .map(String::with_capacity)
        .ok_or(TooLarge)
}

fn decode_replacing(
    decoder: &mut encoding_rs::Decoder,
    input: &[u8],
    last: bool,
) -> std::result::Result<String, TooLarge> {
    let mut text = buffer_for(decoder, input)?;
    let (result, read, _) = decoder.decode_to_string(input, &mut text, last);
    // With that room the decoder always takes the whole input.
    debug_assert_eq!(
        (result, read),
        (encoding_rs::CoderResult::InputEmpty, input.len())
    );
    Ok(text)
}

/// `Ok(None)` at the first malformed sequence.
fn decode_fatal(
    decoder: &mut encoding_rs::Decoder,
    input: &[u8],
    last: bool,
) -> std::result::Result<Option<String>, TooLarge> {
    let mut text = buffer_for(decoder, input)?;
    let (result, _) = decoder.decode_to_string_without_replacement(input, &mut text, last);
    Ok(match result {
        DecoderResult::InputEmpty => Some(text),
        DecoderResult::Malformed(..) | DecoderResult::OutputFull => None,
    })
}
