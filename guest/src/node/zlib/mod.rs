//! `node:zlib` (`zlib.js`): the compressors and decompressors behind it.
//!
//! A stream in progress lives here, in a per-instance table, and JS holds
//! its index: `zlibNew`/`brotliNew` make one, `process` feeds it input and
//! returns at most `chunkSize` bytes of output per call (JS calls again
//! while there is more), `close` frees it. An index that is not a live
//! stream is a JS error. No call allocates more than one output chunk, so
//! a zip bomb only grows as fast as the script keeps the chunks, inside the
//! sandbox's memory cap; fuel meters all of it, as it is guest code.
//!
//! The deflate family is `deflate.rs`, brotli `brotli.rs`; `mode` is
//! Node's (`zlib.constants.DEFLATE`...).

mod brotli;
mod deflate;

use std::cell::RefCell;

use javy::quickjs::{Array, ArrayBuffer, Ctx, Exception, Function, Object, Result};

use deflate::Wrap;

/// A `Z_*` flush value (deflate family) or `BROTLI_OPERATION_*` (brotli).
pub type Flush = u32;

/// The smallest output chunk, Node's `Z_MIN_CHUNK`.
const MIN_CHUNK: f64 = 64.0;
/// The largest output buffer one call allocates. Node allows any finite
/// `chunkSize` (and fails to allocate a huge one); a larger one is served
/// in chunks of this size, so that no option can ask for an allocation the
/// guest cannot express.
const MAX_CHUNK: f64 = (4 << 20) as f64;

/// Where a call to `process` left the stream.
#[derive(Clone, Copy)]
enum Status {
    /// All input is used and all output it gave handed out.
    NeedInput = 0,
    /// The output chunk is full: call again with the rest of the input.
    MoreOutput = 1,
    /// The stream is complete; input after its end is not consumed.
    Ended = 2,
    /// The stream failed: the result's fourth item is `[errno, code,
    /// message]`. Never made by a codec (they return [`ZError`]).
    Failed = 3,
}

/// What one call to a codec did.
pub struct Step {
    consumed: usize,
    written: usize,
    status: Status,
}

impl Step {
    fn need_input(consumed: usize, written: usize) -> Step {
        Step {
            consumed,
            written,
            status: Status::NeedInput,
        }
    }

    fn more(consumed: usize, written: usize) -> Step {
        Step {
            consumed,
            written,
            status: Status::MoreOutput,
        }
    }

    fn ended(consumed: usize, written: usize) -> Step {
        Step {
            consumed,
            written,
            status: Status::Ended,
        }
    }
}

/// A stream's failure, as Node reports it: an `Error` with `errno` and
/// `code`.
pub struct ZError {
    errno: i32,
    code: String,
    message: String,
}

impl ZError {
    fn new(errno: i32, code: &str, message: &str) -> ZError {
        ZError {
            errno,
            code: code.to_owned(),
            message: message.to_owned(),
        }
    }

    /// A zlib error, coded by its `errno` as zlib names it.
    fn zlib(errno: i32, message: &str) -> ZError {
        let code = match errno {
            2 => "Z_NEED_DICT",
            -3 => "Z_DATA_ERROR",
            -5 => "Z_BUF_ERROR",
            _ => "Z_STREAM_ERROR",
        };
        ZError::new(errno, code, message)
    }

    fn stream(message: &str) -> ZError {
        ZError::zlib(-2, message)
    }
}

enum Codec {
    Deflate(deflate::Deflater),
    Inflate(deflate::Inflater),
    BrotliEncode(brotli::Encoder),
    BrotliDecode(brotli::Decoder),
}

impl Codec {
    fn process(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        flush: Flush,
    ) -> std::result::Result<Step, ZError> {
        match self {
            Codec::Deflate(codec) => codec.process(input, output, flush),
            Codec::Inflate(codec) => codec.process(input, output, flush),
            Codec::BrotliEncode(codec) => codec.process(input, output, flush),
            Codec::BrotliDecode(codec) => codec.process(input, output, flush),
        }
    }
}

thread_local! {
    /// Streams in progress, by the index JS holds.
    static STREAMS: RefCell<Vec<Option<Codec>>> = const { RefCell::new(Vec::new()) };
}

/// The functions `zlib.js` reaches as `internal.native.zlib`.
pub fn natives<'js>(ctx: &Ctx<'js>) -> Result<Object<'js>> {
    let native = Object::new(ctx.clone())?;
    native.set("zlibNew", Function::new(ctx.clone(), zlib_new)?)?;
    native.set("brotliNew", Function::new(ctx.clone(), brotli_new)?)?;
    native.set("process", Function::new(ctx.clone(), process)?)?;
    native.set("close", Function::new(ctx.clone(), close)?)?;
    native.set("crc32", Function::new(ctx.clone(), crc32)?)?;
    Ok(native)
}

fn store(codec: Codec) -> usize {
    STREAMS.with(|streams| {
        let mut streams = streams.borrow_mut();
        streams.push(Some(codec));
        streams.len() - 1
    })
}

/// A deflate-family stream of Node's `mode` (1–7), with options the JS side
/// has checked: `level` -1–9, `window_bits` 0 or 8–15, `strategy` 0–4.
fn zlib_new(ctx: Ctx<'_>, mode: u32, level: i32, window_bits: u8, strategy: i32) -> Result<usize> {
    let level = if level < 0 { 6 } else { level.min(9) as u8 };
    let codec = match mode {
        1 => Codec::Deflate(deflate::Deflater::new(Wrap::Zlib, level, strategy)),
        2 => Codec::Inflate(deflate::Inflater::new(Wrap::Zlib, window_bits)),
        3 => Codec::Deflate(deflate::Deflater::new(Wrap::Gzip, level, strategy)),
        4 => Codec::Inflate(deflate::Inflater::new(Wrap::Gzip, window_bits)),
        5 => Codec::Deflate(deflate::Deflater::new(Wrap::Raw, level, strategy)),
        6 => Codec::Inflate(deflate::Inflater::new(Wrap::Raw, window_bits)),
        7 => Codec::Inflate(deflate::Inflater::new(Wrap::Detect, window_bits)),
        _ => return Err(Exception::throw_range(&ctx, "unknown zlib mode")),
    };
    Ok(store(codec))
}

/// A brotli stream of Node's `mode` (8 decode, 9 encode) with `params`
/// flattened as key, value, key, value…; -1 when a parameter is refused.
fn brotli_new(ctx: Ctx<'_>, mode: u32, params: Vec<u32>) -> Result<i32> {
    let params: Vec<(u32, u32)> = params
        .chunks_exact(2)
        .map(|pair| (pair[0], pair[1]))
        .collect();
    let codec = match mode {
        8 => brotli::Decoder::new(&params).map(Codec::BrotliDecode),
        9 => brotli::Encoder::new(&params).map(Codec::BrotliEncode),
        _ => return Err(Exception::throw_range(&ctx, "unknown brotli mode")),
    };
    Ok(codec.map_or(-1, |codec| store(codec) as i32))
}

fn not_open(ctx: &Ctx<'_>) -> javy::quickjs::Error {
    Exception::throw_internal(ctx, "the zlib stream is closed")
}

/// Feeds stream `id` the `length` bytes of `buffer` from `offset` and
/// returns `[consumed, output (an ArrayBuffer, or null when empty),
/// status]` (see [`Status`]), or for a failure `[, , 3, [errno, code,
/// message]]`, which `zlib.js` makes Node's error of.
fn process<'js>(
    ctx: Ctx<'js>,
    id: usize,
    flush: Flush,
    buffer: ArrayBuffer<'js>,
    offset: usize,
    length: usize,
    chunk_size: f64,
) -> Result<Array<'js>> {
    let input = buffer
        .as_bytes()
        .and_then(|bytes| bytes.get(offset..offset.checked_add(length)?))
        .unwrap_or_default();
    // `max` first, so that NaN becomes the minimum.
    let mut output = vec![0; chunk_size.max(MIN_CHUNK).min(MAX_CHUNK) as usize];
    let step = STREAMS.with(|streams| match streams.borrow_mut().get_mut(id) {
        Some(Some(codec)) => Ok(codec.process(input, &mut output, flush)),
        _ => Err(not_open(&ctx)),
    })?;
    let result = Array::new(ctx.clone())?;
    let step = match step {
        Ok(step) => step,
        Err(error) => {
            result.set(2, Status::Failed as u32)?;
            let failure = Array::new(ctx.clone())?;
            failure.set(0, error.errno)?;
            failure.set(1, error.code)?;
            failure.set(2, error.message)?;
            result.set(3, failure)?;
            return Ok(result);
        }
    };
    result.set(0, step.consumed)?;
    // A full chunk becomes the ArrayBuffer as it is; a partial one is
    // copied, as the buffer would otherwise keep the whole allocation.
    if step.written == 0 {
        result.set(1, javy::quickjs::Null)?;
    } else if step.written == output.len() {
        result.set(1, ArrayBuffer::new(ctx.clone(), output)?)?;
    } else {
        result.set(
            1,
            ArrayBuffer::new_copy(ctx.clone(), &output[..step.written])?,
        )?;
    }
    result.set(2, step.status as u32)?;
    Ok(result)
}

/// Frees stream `id`; closing a closed stream does nothing.
fn close(id: usize) {
    STREAMS.with(|streams| {
        if let Some(slot) = streams.borrow_mut().get_mut(id) {
            *slot = None;
        }
    });
}

/// `zlib.crc32`: the CRC-32 of `length` bytes of `buffer` from `offset`,
/// continuing from `value`.
fn crc32(buffer: ArrayBuffer<'_>, offset: usize, length: usize, value: u32) -> f64 {
    let bytes = buffer
        .as_bytes()
        .and_then(|bytes| bytes.get(offset..offset.checked_add(length)?))
        .unwrap_or_default();
    let mut hasher = crc32fast::Hasher::new_with_initial(value);
    hasher.update(bytes);
    // As a number: a `u32` above `i32::MAX` would reach JS negative.
    hasher.finalize().into()
}
