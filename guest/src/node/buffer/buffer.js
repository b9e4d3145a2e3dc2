// `node:buffer`: the npm `buffer` port (node/vendor/buffer.js), with its hot
// paths replaced: UTF-8 through the native `TextEncoder`/`TextDecoder`,
// hex, base64 and the latin1 and utf16le `toString` through Rust (`internal.native.buffer`, see buffer.rs),
// numeric `fill` through `Uint8Array.prototype.fill`.
// Divergences from Node: no pooled allocation (`Buffer.poolSize` is
// informational), `transcode` and `resolveObjectURL` are absent, and
// `buf.parent`/`buf.offset` follow the port.
(function buffer(builtin, internal) {
  'use strict';
  const exports = internal.vendor('buffer');
  const { Buffer } = exports;
  const native = internal.native.buffer;
  const encoder = new TextEncoder();
  // Node keeps a leading BOM in `toString()`, and replaces invalid
  // sequences with U+FFFD exactly as WHATWG's decoder does.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  /** The encodings done natively, by their lowercase spellings. */
  const FAST = { utf8: 'utf8', 'utf-8': 'utf8', hex: 'hex', base64: 'base64', base64url: 'base64url' };
  const fastEncoding = (encoding) =>
    encoding === undefined ? 'utf8' : typeof encoding === 'string' ? FAST[encoding.toLowerCase()] : undefined;
  /** The encodings `toString` decodes natively: the above, latin1 and UTF-16LE. */
  const SLICE = {
    latin1: 'latin1', binary: 'latin1', ucs2: 'utf16le', 'ucs-2': 'utf16le', utf16le: 'utf16le', 'utf-16le': 'utf16le',
  };
  const sliceEncoding = (encoding) =>
    fastEncoding(encoding) || (typeof encoding === 'string' ? SLICE[encoding.toLowerCase()] : undefined);

  const wrap = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  function decode(string, encoding) {
    switch (encoding) {
      case 'utf8': return wrap(encoder.encode(string));
      case 'hex': return Buffer.from(native.hexDecode(string));
      default: return Buffer.from(native.base64Decode(string));
    }
  }

  const from = Buffer.from;
  Buffer.from = function from_(value, encodingOrOffset, length) {
    if (typeof value === 'string') {
      const encoding = fastEncoding(encodingOrOffset);
      if (encoding) return decode(value, encoding);
    }
    return Reflect.apply(from, this, [value, encodingOrOffset, length]);
  };
  Object.defineProperty(Buffer.from, 'name', { value: 'from' });

  const byteLength = Buffer.byteLength;
  Buffer.byteLength = function byteLength_(string, encoding) {
    if (typeof string === 'string' && fastEncoding(encoding) === 'utf8') return encoder.encode(string).length;
    return Reflect.apply(byteLength, this, [string, encoding]);
  };
  Object.defineProperty(Buffer.byteLength, 'name', { value: 'byteLength' });

  const toString = Buffer.prototype.toString;
  Buffer.prototype.toString = function toString_(encoding, start, end) {
    const fast = sliceEncoding(encoding);
    if (!fast) return Reflect.apply(toString, this, arguments);
    // The port's clamping of `start` and `end` (slowToString).
    const length = this.length;
    start = start === undefined || start < 0 ? 0 : start >>> 0;
    end = end === undefined || end > length ? length : end >>> 0;
    if (end <= start) return '';
    const offset = this.byteOffset + start;
    const count = end - start;
    switch (fast) {
      case 'utf8': return decoder.decode(new Uint8Array(this.buffer, offset, count));
      case 'hex': return native.hexEncode(this.buffer, offset, count);
      case 'latin1': return native.latin1Slice(this.buffer, offset, count);
      case 'utf16le': return native.utf16leSlice(this.buffer, offset, count);
      default: return native.base64Encode(this.buffer, offset, count, fast === 'base64url');
    }
  };
  Object.defineProperty(Buffer.prototype.toString, 'name', { value: 'toString' });
  Buffer.prototype.toLocaleString = Buffer.prototype.toString;

  // The port fills a byte at a time in JS; a number fill is one native call.
  const fill = Buffer.prototype.fill;
  Buffer.prototype.fill = function fill_(value, start, end, encoding) {
    const numeric = typeof value === 'number' && (start === undefined || typeof start === 'number')
      && (end === undefined || typeof end === 'number');
    if (!numeric) return Reflect.apply(fill, this, arguments);
    start = start === undefined ? 0 : start;
    end = end === undefined ? this.length : end;
    if (start < 0 || this.length < start || this.length < end) throw new RangeError('Out of range index');
    if (end > start) Uint8Array.prototype.fill.call(this, value & 255, start >>> 0, end >>> 0);
    return this;
  };
  Object.defineProperty(Buffer.prototype.fill, 'name', { value: 'fill' });

  const fatal = new TextDecoder('utf-8', { fatal: true });
  const view = (input) => (ArrayBuffer.isView(input)
    ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input));

  return Object.assign(exports, {
    kStringMaxLength: (1 << 29) - 24,
    constants: Object.freeze({ MAX_LENGTH: exports.kMaxLength, MAX_STRING_LENGTH: (1 << 29) - 24 }),
    Blob: globalThis.Blob,
    File: globalThis.File,
    atob: globalThis.atob,
    btoa: globalThis.btoa,
    isUtf8(input) {
      try {
        fatal.decode(view(input));
        return true;
      } catch {
        return false;
      }
    },
    isAscii: (input) => view(input).every((byte) => byte < 0x80),
  });
})
