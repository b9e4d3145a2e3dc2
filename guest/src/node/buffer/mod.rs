//! `node:buffer` (`buffer.js`, over the npm port `node/vendor/buffer.js`).
//!
//! The byte work behind `Buffer`'s `hex`, `base64` and `base64url`
//! encodings (`buf.toString(encoding)`, `Buffer.from(string, encoding)`),
//! done in Rust because the npm port does it a character at a time in JS.
//! UTF-8 goes through the native `TextEncoder`/`TextDecoder` instead.
//! `latin1` and `utf16le` decoding (`buf.toString('latin1')`) are here too,
//! with Node's meaning rather than WHATWG's: `latin1` maps each byte to the
//! code point of its value (WHATWG's `latin1` label is windows-1252), and
//! `utf16le` keeps lone surrogates and drops an odd last byte.
//!
//! Decoding follows Node's lenient rules, not RFC 4648's: hex stops at the
//! first pair that is not two hex digits; base64 accepts both alphabets,
//! skips characters outside them and stops at the first `=`.

use javy::quickjs::{ArrayBuffer, Ctx, Function, Object, Result, String as JsString};

use crate::js_string;

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX: &[u8; 16] = b"0123456789abcdef";

/// The functions `buffer.js` reaches as `internal.native.buffer`.
pub fn natives<'js>(ctx: &Ctx<'js>) -> Result<Object<'js>> {
    let native = Object::new(ctx.clone())?;
    native.set("hexEncode", Function::new(ctx.clone(), hex_encode)?)?;
    native.set("hexDecode", Function::new(ctx.clone(), hex_decode)?)?;
    native.set("base64Encode", Function::new(ctx.clone(), base64_encode)?)?;
    native.set("base64Decode", Function::new(ctx.clone(), base64_decode)?)?;
    native.set("latin1Slice", Function::new(ctx.clone(), latin1_slice)?)?;
    native.set("utf16leSlice", Function::new(ctx.clone(), utf16le_slice)?)?;
    Ok(native)
}

/// `length` bytes of `buffer` from `offset` (empty when out of range or
/// detached: the JS side passes a view's own bounds).
fn bytes<'a>(buffer: &'a ArrayBuffer<'_>, offset: usize, length: usize) -> &'a [u8] {
    buffer
        .as_bytes()
        .and_then(|bytes| bytes.get(offset..offset.checked_add(length)?))
        .unwrap_or_default()
}

fn latin1_slice(buffer: ArrayBuffer<'_>, offset: usize, length: usize) -> String {
    encoding_rs::mem::decode_latin1(bytes(&buffer, offset, length)).into_owned()
}

fn utf16le_slice<'js>(
    ctx: Ctx<'js>,
    buffer: ArrayBuffer<'js>,
    offset: usize,
    length: usize,
) -> Result<JsString<'js>> {
    let units: Vec<u16> = bytes(&buffer, offset, length)
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    js_string::from_utf16(&ctx, &units)
}

fn hex_encode(buffer: ArrayBuffer<'_>, offset: usize, length: usize) -> String {
    let data = bytes(&buffer, offset, length);
    let mut out = String::with_capacity(data.len() * 2);
    for &byte in data {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 15)]));
    }
    out
}

fn hex_decode<'js>(ctx: Ctx<'js>, input: String) -> Result<ArrayBuffer<'js>> {
    let digit = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
    let out: Vec<u8> = input
        .as_bytes()
        .chunks_exact(2)
        .map_while(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect();
    ArrayBuffer::new(ctx, out)
}

/// Base64 with padding, or base64url (`url`) without, as Node writes them.
fn base64_encode(buffer: ArrayBuffer<'_>, offset: usize, length: usize, url: bool) -> String {
    let data = bytes(&buffer, offset, length);
    let alphabet = if url { BASE64URL } else { BASE64 };
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(alphabet[(n >> (18 - 6 * i) & 63) as usize]));
        }
        if !url {
            for _ in chunk.len()..3 {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode<'js>(ctx: Ctx<'js>, input: String) -> Result<ArrayBuffer<'js>> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 2);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in input.bytes() {
        let sextet = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => continue,
        };
        buffer = buffer << 6 | u32::from(sextet);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    ArrayBuffer::new(ctx, out)
}
