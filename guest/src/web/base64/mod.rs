//! `atob` and `btoa` (HTML's forgiving-base64).
//!
//! Rust encodes and decodes; `base64.js` turns a failure into an
//! `InvalidCharacterError` (a `DOMException` when that global exists at call
//! time, else an `Error` with that `name`). No divergence from the standard
//! is known.

use javy::quickjs::{Ctx, Function, Object};

use crate::builtins::{self, Builtin, builtin};

const JS: Builtin = builtin!("jsbox:web/base64", "base64.js");

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn install<'js>(ctx: &Ctx<'js>, helpers: &Object<'js>) -> anyhow::Result<()> {
    let native = Object::new(ctx.clone())?;
    native.set("encode", Function::new(ctx.clone(), encode)?)?;
    native.set("decode", Function::new(ctx.clone(), decode)?)?;
    builtins::install(ctx, &JS, (native, helpers.clone()))
}

/// `btoa`: the base64 of `input`'s code units, or `None` when one of them
/// is above U+00FF.
fn encode(input: String) -> Option<String> {
    let bytes = input
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()?;
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    Some(out)
}

/// `atob`: forgiving-base64 decode of `input` into a string whose code
/// units are the bytes, or `None` when the input is not valid base64.
fn decode(input: String) -> Option<String> {
    // Remove ASCII whitespace.
    let mut data: Vec<u8> = input
        .bytes()
        .filter(|b| !matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' '))
        .collect();
    // One or two trailing '=' are padding when the length is a multiple of 4.
    if data.len().is_multiple_of(4) {
        for _ in 0..2 {
            if data.last() == Some(&b'=') {
                data.pop();
            }
        }
    }
    if data.len() % 4 == 1 {
        return None;
    }
    let mut out = String::with_capacity(data.len() / 4 * 3 + 2);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in &data {
        let sextet = ALPHABET.iter().position(|&a| a == b)?;
        buffer = buffer << 6 | sextet as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(char::from((buffer >> bits) as u8));
            buffer &= (1 << bits) - 1;
        }
    }
    // Leftover bits (4 or 2) are discarded, as the standard says.
    Some(out)
}
