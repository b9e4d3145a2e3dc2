// Helpers shared by the JS-written web APIs; defines no globals itself.
//
// - `defineGlobals` installs globals the way WebIDL does: writable,
//   configurable, not enumerable.
// - `brand` gives a class's prototype its `Symbol.toStringTag`.
// - `toDOMString`/`toUSVString` are WebIDL's string conversions (a symbol is
//   a TypeError; lone surrogates become U+FFFD in a USVString).
// - `utf8Encode`/`utf8Decode` are the Rust-backed `TextEncoder` and
//   `TextDecoder` (installed before this file), captured here: every body
//   goes through them, and a script replacing the globals must not change
//   how bodies are read.
// - `copyBytes`, `concatBytes`, `bytesToBinary`, `binaryToBytes`: byte
//   buffers, and Latin-1 strings holding one byte per character.
(function common(internal) {
  'use strict';

  internal.defineGlobals = (entries) => {
    for (const [name, value] of Object.entries(entries)) {
      Object.defineProperty(globalThis, name, {
        value,
        writable: true,
        enumerable: false,
        configurable: true,
      });
    }
  };

  internal.brand = (Class, tag = Class.name) => {
    Object.defineProperty(Class.prototype, Symbol.toStringTag, {
      value: tag,
      configurable: true,
    });
  };

  // A template literal applies ToString, which throws a TypeError for
  // symbols, as WebIDL's DOMString conversion does.
  internal.toDOMString = (value) => `${value}`;

  // `toWellFormed` (captured here, so scripts cannot replace it) does in C
  // what a regular expression over every character did in many times the
  // fuel: a small JSON response body spent more on this than on building it.
  const toWellFormed = String.prototype.toWellFormed;
  internal.toUSVString = (value) => toWellFormed.call(`${value}`);

  // Without `{ stream: true }` a decode keeps no state between calls.
  const { TextEncoder, TextDecoder } = globalThis;
  const encoder = new TextEncoder();
  const encode = encoder.encode;
  const decoder = new TextDecoder();
  const decode = decoder.decode;

  // `encode` converts to a USVString itself.
  internal.utf8Encode = (string) => encode.call(encoder, string);
  internal.utf8Decode = (bytes) => decode.call(decoder, bytes);

  // A copy of the bytes of an ArrayBuffer or view, or null for other values.
  internal.copyBytes = (source) => {
    if (source instanceof ArrayBuffer) {
      return new Uint8Array(source.slice(0));
    }
    if (ArrayBuffer.isView(source)) {
      const { buffer, byteOffset, byteLength } = source;
      return new Uint8Array(buffer.slice(byteOffset, byteOffset + byteLength));
    }
    return null;
  };

  internal.concatBytes = (chunks) => {
    const result = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
    let offset = 0;
    for (const chunk of chunks) {
      result.set(chunk, offset);
      offset += chunk.length;
    }
    return result;
  };

  internal.bytesToBinary = (bytes) => {
    let binary = '';
    for (let start = 0; start < bytes.length; start += 8192) {
      binary += String.fromCharCode(...bytes.subarray(start, start + 8192));
    }
    return binary;
  };

  internal.binaryToBytes = (binary) =>
    Uint8Array.from(binary, (char) => char.charCodeAt(0));
})
