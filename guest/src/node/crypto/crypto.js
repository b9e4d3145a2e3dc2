// `node:crypto`: hashing and HMAC, ciphers (AES-GCM/CBC/CTR,
// ChaCha20-Poly1305) and KDFs (pbkdf2, hkdf, scrypt) in Rust (see mod.rs),
// randomness from the host's CSPRNG (through the web `crypto`, never from
// the snapshot), `timingSafeEqual`, and `webcrypto`/`subtle`, which are the
// web `crypto` global; the parts (`internal.part`) are `common.js`,
// `cipher.js`, `kdf.js` and `keys.js` (KeyObject, Ed25519 and P-256
// signatures). Divergences from Node: `Hash`, `Hmac`, `Cipheriv`,
// `Decipheriv`, `Sign` and `Verify` are not streams (no `pipe`, `write`);
// no RSA, Diffie-Hellman, `createHash` options, or other algorithms (they
// throw Node's "not supported" errors).
(function cryptoModule(builtin, internal) {
  'use strict';
  const { Buffer } = builtin('buffer');
  const native = internal.native.crypto;
  const webcrypto = globalThis.crypto;
  const { HASHES, codedError, toBytes, received } = internal.part('crypto/common');
  const cipher = internal.part('crypto/cipher');
  const kdf = internal.part('crypto/kdf');
  const keys = internal.part('crypto/keys');
  const MAX_RANDOM_CHUNK = 65536; // getRandomValues' quota per call

  const finalized = () => codedError(Error, 'ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');

  /** The index of a copy of a hash in progress (set by `Digester`). */
  let copyId;

  /** What `Hash` and `Hmac` share: feeding and finishing. */
  class Digester {
    #id;
    #done = false;

    constructor(id) {
      this.#id = id;
    }

    update(data, encoding) {
      if (this.#done) throw finalized();
      const bytes = toBytes(data, encoding, 'data');
      native.hashUpdate(this.#id, bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return this;
    }

    digest(encoding) {
      if (this.#done) throw finalized();
      this.#done = true;
      const digest = Buffer.from(native.hashDigest(this.#id));
      return encoding === undefined || encoding === 'buffer' ? digest : digest.toString(encoding);
    }

    static {
      copyId = (digester) => {
        if (digester.#done) throw finalized();
        return native.hashCopy(digester.#id);
      };
    }
  }
  class Hash extends Digester {
    copy() {
      return new Hash(copyId(this));
    }
  }
  class Hmac extends Digester {}

  function newHash(algorithm, key) {
    if (typeof algorithm !== 'string') {
      throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "algorithm" argument must be of type string');
    }
    const id = key === undefined
      ? native.hashNew(algorithm.toLowerCase(), undefined, 0, 0)
      : native.hashNew(algorithm.toLowerCase(), key.buffer, key.byteOffset, key.byteLength);
    if (id < 0) throw new Error(key === undefined ? 'Digest method not supported' : `Invalid digest: ${algorithm}`);
    return id;
  }

  function randomBytes(size, callback) {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw codedError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "size" is out of range. Received ${size}`);
    }
    const bytes = Buffer.alloc(size);
    for (let offset = 0; offset < size; offset += MAX_RANDOM_CHUNK) {
      webcrypto.getRandomValues(bytes.subarray(offset, Math.min(size, offset + MAX_RANDOM_CHUNK)));
    }
    if (callback === undefined) return bytes;
    builtin('process').nextTick(callback, null, bytes);
    return undefined;
  }

  // Node's bound: max - min below 2^48, by rejection sampling of 48 bits.
  const RANGE_LIMIT = 2 ** 48;
  function randomInt(min, max, callback) {
    if (max === undefined || typeof max === 'function') {
      callback = max;
      max = min;
      min = 0;
    }
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max)) {
      throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "min" and "max" arguments must be safe integers');
    }
    if (max <= min || max - min >= RANGE_LIMIT) {
      throw codedError(RangeError, 'ERR_OUT_OF_RANGE',
        `The value of "max" is out of range. It must be greater than the value of "min" (${min}) and less than ${min} + 2^48. Received ${max}`);
    }
    const range = max - min;
    const limit = RANGE_LIMIT - (RANGE_LIMIT % range);
    let value;
    do {
      const bytes = randomBytes(6);
      value = bytes.readUIntBE(0, 6);
    } while (value >= limit);
    const result = min + (value % range);
    if (callback === undefined) return result;
    builtin('process').nextTick(callback, null, result);
    return undefined;
  }

  function timingSafeEqual(a, b) {
    const x = toBytes(a, undefined, 'buf1');
    const y = toBytes(b, undefined, 'buf2');
    if (x.byteLength !== y.byteLength) {
      throw codedError(RangeError, 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH', 'Input buffers must have the same byte length');
    }
    const u = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    const v = new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
    // Every byte is visited whatever the first difference.
    let difference = 0;
    for (let i = 0; i < u.length; i++) difference |= u[i] ^ v[i];
    return difference === 0;
  }

  function hash(algorithm, data, outputEncoding = 'hex') {
    if (typeof algorithm !== 'string') {
      throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "algorithm" argument must be of type string.${received(algorithm)}`);
    }
    if (typeof data !== 'string' && !ArrayBuffer.isView(data)) {
      throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE',
        `The "input" argument must be of type string or an instance of Buffer, TypedArray, or DataView.${received(data)}`);
    }
    return new Hash(newHash(algorithm)).update(data).digest(outputEncoding);
  }

  return {
    createHash: (algorithm) => new Hash(newHash(algorithm)),
    createHmac(algorithm, key) {
      const bytes = toBytes(key, undefined, 'key');
      return new Hmac(newHash(algorithm, bytes));
    },
    Hash,
    Hmac,
    getHashes: () => HASHES.slice(),
    hash,
    createCipheriv: (algorithm, key, iv, options) => new cipher.Cipheriv(algorithm, key, iv, options),
    createDecipheriv: (algorithm, key, iv, options) => new cipher.Decipheriv(algorithm, key, iv, options),
    Cipheriv: cipher.Cipheriv,
    Decipheriv: cipher.Decipheriv,
    getCiphers: cipher.getCiphers,
    ...kdf,
    ...keys,
    randomBytes,
    randomInt,
    randomUUID: () => webcrypto.randomUUID(),
    getRandomValues: (array) => webcrypto.getRandomValues(array),
    timingSafeEqual,
    webcrypto,
    subtle: webcrypto.subtle,
  };
})
