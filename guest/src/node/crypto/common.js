// `node:crypto`'s shared helpers (`internal.part('crypto/common')`): Node's
// coded errors, argument checks and conversions of buffer sources.
(function cryptoCommon(builtin) {
  'use strict';
  const { Buffer } = builtin('buffer');
  const HASHES = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'];
  const HASH_SIZES = { md5: 16, sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

  function codedError(Type, code, message) {
    const error = new Type(message);
    error.code = code;
    return error;
  }

  /** `data` (a string in `encoding`, or a buffer source) as a view of bytes. */
  function toBytes(data, encoding, name) {
    if (typeof data === 'string') return Buffer.from(data, encoding);
    if (ArrayBuffer.isView(data)) return data;
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE',
      `The "${name}" argument must be of type string or an instance of Buffer, TypedArray, or DataView.`);
  }

  /** A view as the `Uint8Array` the natives take. */
  const u8 = (view) => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

  function keyBytes(key, name) {
    if (typeof key === 'string' || ArrayBuffer.isView(key) || key instanceof ArrayBuffer) {
      return u8(toBytes(key, 'utf8', name));
    }
    const kinds = name === 'key' ? 'ArrayBuffer, Buffer, TypedArray, DataView, KeyObject, or CryptoKey'
      : 'ArrayBuffer, Buffer, TypedArray, or DataView';
    throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE',
      `The "${name}" argument must be of type string or an instance of ${kinds}.${received(key)}`);
  }

  function received(value) {
    if (value === null || value === undefined) return ` Received ${value}`;
    if (typeof value === 'function') return ` Received function ${value.name}`;
    if (typeof value === 'object') return ' Received an instance of ' + (value.constructor && value.constructor.name || 'Object');
    return ` Received type ${typeof value} (${String(value).slice(0, 25)})`;
  }

  // --- argument checks ---

  const outOfRange = (name, range, value) => codedError(RangeError, 'ERR_OUT_OF_RANGE',
    `The value of "${name}" is out of range. It must be ${range}. Received ${value}`);

  function checkInteger(value, name, min, max) {
    if (typeof value !== 'number') {
      throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" argument must be of type number.${received(value)}`);
    }
    if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
    if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
  }

  function checkDigest(digest) {
    if (typeof digest !== 'string') {
      throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "digest" argument must be of type string.${received(digest)}`);
    }
    const name = digest.toLowerCase();
    if (!HASHES.includes(name)) throw codedError(TypeError, 'ERR_CRYPTO_INVALID_DIGEST', `Invalid digest: ${digest}`);
    return name;
  }

  function checkCallback(callback) {
    if (typeof callback !== 'function') {
      throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "callback" argument must be of type function.${received(callback)}`);
    }
  }

  /** Runs `derive` on the next tick, as Node runs it off the main thread. */
  function later(callback, derive) {
    builtin('process').nextTick(() => {
      let result;
      try {
        result = derive();
      } catch (error) {
        callback(error);
        return;
      }
      callback(null, result);
    });
  }

  return {
    Buffer, HASHES, HASH_SIZES, codedError, toBytes, u8, keyBytes, received,
    outOfRange, checkInteger, checkDigest, checkCallback, later,
  };
})
