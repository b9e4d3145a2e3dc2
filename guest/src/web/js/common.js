// Helpers shared by the JS-written web APIs; defines no globals itself.
//
// - `defineGlobals` installs globals the way WebIDL does: writable,
//   configurable, not enumerable.
// - `brand` gives a class's prototype its `Symbol.toStringTag`.
// - `toDOMString`/`toUSVString` are WebIDL's string conversions (a symbol is
//   a TypeError; lone surrogates become U+FFFD in a USVString).
// - `utf8Encode`/`utf8Decode` use `TextEncoder`/`TextDecoder` when the
//   global exists at call time, and their own UTF-8 code otherwise (WHATWG
//   "UTF-8 decode": BOM stripped, invalid sequences become U+FFFD).
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

  internal.utf8Encode = (string) => {
    const text = internal.toUSVString(string);
    if (typeof globalThis.TextEncoder === 'function') {
      return new globalThis.TextEncoder().encode(text);
    }
    const bytes = [];
    for (const char of text) {
      const c = char.codePointAt(0);
      if (c < 0x80) {
        bytes.push(c);
      } else if (c < 0x800) {
        bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
      } else if (c < 0x10000) {
        bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
      } else {
        bytes.push(
          0xf0 | (c >> 18),
          0x80 | ((c >> 12) & 0x3f),
          0x80 | ((c >> 6) & 0x3f),
          0x80 | (c & 0x3f),
        );
      }
    }
    return Uint8Array.from(bytes);
  };

  internal.utf8Decode = (bytes) => {
    if (typeof globalThis.TextDecoder === 'function') {
      return new globalThis.TextDecoder().decode(bytes);
    }
    const codePoints = [];
    const hasBOM = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    let i = hasBOM ? 3 : 0;
    while (i < bytes.length) {
      const lead = bytes[i++];
      if (lead < 0x80) {
        codePoints.push(lead);
        continue;
      }
      let needed;
      let codePoint;
      let lower = 0x80;
      let upper = 0xbf;
      if (lead >= 0xc2 && lead <= 0xdf) {
        [needed, codePoint] = [1, lead & 0x1f];
      } else if (lead >= 0xe0 && lead <= 0xef) {
        [needed, codePoint] = [2, lead & 0x0f];
        if (lead === 0xe0) lower = 0xa0;
        if (lead === 0xed) upper = 0x9f;
      } else if (lead >= 0xf0 && lead <= 0xf4) {
        [needed, codePoint] = [3, lead & 0x07];
        if (lead === 0xf0) lower = 0x90;
        if (lead === 0xf4) upper = 0x8f;
      } else {
        codePoints.push(0xfffd);
        continue;
      }
      for (; needed > 0; needed--) {
        const next = bytes[i];
        if (next === undefined || next < lower || next > upper) break;
        codePoint = (codePoint << 6) | (next & 0x3f);
        [lower, upper] = [0x80, 0xbf];
        i++;
      }
      codePoints.push(needed === 0 ? codePoint : 0xfffd);
    }
    let text = '';
    for (let start = 0; start < codePoints.length; start += 8192) {
      text += String.fromCodePoint(...codePoints.slice(start, start + 8192));
    }
    return text;
  };

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
