// `node:crypto`: hashing and HMAC, ciphers (AES-GCM/CBC/CTR,
// ChaCha20-Poly1305) and KDFs (pbkdf2, hkdf, scrypt) in Rust (see mod.rs),
// randomness from the host's CSPRNG (through the web `crypto`, never from
// the snapshot), `timingSafeEqual`, and `webcrypto`/`subtle`, which are the
// web `crypto` global. Divergences from Node: `Hash`, `Hmac`, `Cipheriv`
// and `Decipheriv` are not streams (no `pipe`, `write`); no keys
// (`KeyObject`), signatures, Diffie-Hellman, `createHash` options, or other
// algorithms (they throw Node's "not supported" errors).
(function cryptoModule(builtin, internal) {
  'use strict';
  const { Buffer } = builtin('buffer');
  const native = internal.native.crypto;
  const webcrypto = globalThis.crypto;
  const HASHES = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'];
  const HASH_SIZES = { md5: 16, sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };
  const MAX_RANDOM_CHUNK = 65536; // getRandomValues' quota per call

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

  // The ciphers: key and IV lengths (`iv: 0` is any non-empty IV), and the
  // tag lengths an AEAD allows.
  const GCM_TAGS = [4, 8, 12, 13, 14, 15, 16];
  // A ChaCha20-Poly1305 decipher takes a shorter tag only when
  // `authTagLength` says so.
  const CIPHERS = {
    'chacha20-poly1305': { key: 32, iv: 12, tags: Array.from({ length: 16 }, (_, i) => i + 1), defaultTags: [16] },
  };
  for (const bits of [128, 192, 256]) {
    CIPHERS[`aes-${bits}-cbc`] = { key: bits / 8, iv: 16, padded: true };
    CIPHERS[`aes-${bits}-ctr`] = { key: bits / 8, iv: 16 };
    CIPHERS[`aes-${bits}-gcm`] = { key: bits / 8, iv: 0, tags: GCM_TAGS };
  }

  const invalidState = (operation) => codedError(Error, 'ERR_CRYPTO_INVALID_STATE',
    operation === undefined ? 'Invalid state' : `Invalid state for operation ${operation}`);
  const invalidTag = (length) => codedError(TypeError, 'ERR_CRYPTO_INVALID_AUTH_TAG',
    `Invalid authentication tag length: ${length}`);
  const OPENSSL_FAILURES = {
    'wrong final block length': ['ERR_OSSL_WRONG_FINAL_BLOCK_LENGTH', 'error:1C80006B:Provider routines::wrong final block length'],
    'bad decrypt': ['ERR_OSSL_BAD_DECRYPT', 'error:1C800064:Provider routines::bad decrypt'],
  };

  /** A string decoder for an output encoding, or none for buffers. */
  function decoderFor(encoding) {
    if (encoding === undefined || encoding === null || encoding === 'buffer') return null;
    const { StringDecoder } = builtin('string_decoder');
    if (`${encoding}`.toLowerCase() !== 'base64url') return new StringDecoder(encoding);
    // The vendored decoder has no base64url: base64 in whole groups, then
    // the URL alphabet without padding.
    const decoder = new StringDecoder('base64');
    const url = (text) => text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    return { write: (bytes) => url(decoder.write(bytes)), end: (bytes) => url(decoder.end(bytes)) };
  }

  /** `getAuthTag` and `setAuthTag`, on the private state (set by `CipherBase`). */
  let cipherInternals;

  /** What `Cipheriv` and `Decipheriv` share (`createCipheriv` makes them). */
  class CipherBase {
    #id;
    #spec;
    #decrypt;
    #tagLength;
    #tag;
    #tagSet = false;
    #started = false;
    #done = false;
    #decoder = undefined;

    constructor(decrypt, algorithm, key, iv, options) {
      if (typeof algorithm !== 'string') {
        throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE',
          `The "cipher" argument must be of type string.${received(algorithm)}`);
      }
      const name = algorithm.toLowerCase();
      const keyData = keyBytes(key, 'key');
      if (iv !== null && !(typeof iv === 'string' || ArrayBuffer.isView(iv) || iv instanceof ArrayBuffer)) {
        keyBytes(iv, 'iv');
      }
      const ivData = iv === null ? new Uint8Array(0) : u8(toBytes(iv, 'utf8', 'iv'));
      const spec = Object.hasOwn(CIPHERS, name) ? CIPHERS[name] : undefined;
      if (spec === undefined) throw codedError(Error, 'ERR_CRYPTO_UNKNOWN_CIPHER', 'Unknown cipher');
      if (keyData.byteLength !== spec.key) {
        throw codedError(RangeError, 'ERR_CRYPTO_INVALID_KEYLEN', 'Invalid key length');
      }
      if (spec.iv === 0 ? ivData.byteLength === 0 : ivData.byteLength !== spec.iv) {
        throw codedError(TypeError, 'ERR_CRYPTO_INVALID_IV', 'Invalid initialization vector');
      }
      const tagLength = options === undefined || options === null ? undefined : options.authTagLength;
      if (tagLength !== undefined) {
        if (!Number.isSafeInteger(tagLength) || tagLength < 0) {
          throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE',
            `The property 'options.authTagLength' is invalid. Received ${typeof tagLength === 'string' ? `'${tagLength}'` : String(tagLength)}`);
        }
        if (spec.tags !== undefined && !spec.tags.includes(tagLength)) throw invalidTag(tagLength);
      }
      this.#id = native.cipherNew(name, decrypt, keyData, ivData);
      if (this.#id < 0) throw codedError(Error, 'ERR_CRYPTO_UNKNOWN_CIPHER', 'Unknown cipher');
      this.#spec = spec;
      this.#decrypt = decrypt;
      this.#tagLength = tagLength;
    }

    update(data, inputEncoding, outputEncoding) {
      if (this.#done) throw new Error('Trying to add data in unsupported state');
      if (typeof data !== 'string' && !ArrayBuffer.isView(data)) {
        throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE',
          `The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView.${received(data)}`);
      }
      this.#started = true;
      const output = Buffer.from(native.cipherUpdate(this.#id, u8(toBytes(data, inputEncoding, 'data'))));
      return this.#encode(output, outputEncoding, false);
    }

    final(outputEncoding) {
      if (this.#done) throw invalidState();
      this.#done = true;
      const result = native.cipherFinal(this.#id);
      if (typeof result === 'string') {
        if (result === 'authenticate') throw new Error('Unsupported state or unable to authenticate data');
        const [code, message] = OPENSSL_FAILURES[result];
        const error = codedError(Error, code, message);
        error.library = 'Provider routines';
        error.reason = result;
        throw error;
      }
      let output = Buffer.from(result);
      if (this.#spec.tags !== undefined) {
        if (!this.#decrypt) this.#tag = output.subarray(0, this.#tagLength ?? 16);
        output = Buffer.alloc(0);
      }
      return this.#encode(output, outputEncoding, true);
    }

    #encode(output, encoding, last) {
      if (this.#decoder === undefined) this.#decoder = decoderFor(encoding);
      if (this.#decoder === null) return output;
      return last ? this.#decoder.end(output) : this.#decoder.write(output);
    }

    setAutoPadding(autoPadding = true) {
      if (this.#done || !native.cipherSetPadding(this.#id, !!autoPadding)) {
        throw invalidState('setAutoPadding');
      }
      return this;
    }

    setAAD(buffer, options) {
      if (this.#done || this.#spec.tags === undefined) throw invalidState('setAAD');
      const aad = keyBytes(buffer, 'buffer');
      const plaintextLength = options === undefined || options === null ? undefined : options.plaintextLength;
      if (plaintextLength !== undefined && !Number.isSafeInteger(plaintextLength)) {
        throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE',
          `The property 'options.plaintextLength' is invalid. Received ${String(plaintextLength)}`);
      }
      if (!native.cipherSetAAD(this.#id, aad)) throw invalidState('setAAD');
      return this;
    }

    static {
      cipherInternals = {
        getAuthTag(cipher) {
          if (!cipher.#done || cipher.#tag === undefined) throw invalidState('getAuthTag');
          return Buffer.from(cipher.#tag);
        },
        setAuthTag(cipher, tag) {
          const bytes = keyBytes(tag, 'buffer');
          if (cipher.#done || cipher.#spec.tags === undefined || cipher.#tagSet) throw invalidState('setAuthTag');
          const valid = cipher.#tagLength === undefined
            ? (cipher.#spec.defaultTags ?? cipher.#spec.tags).includes(bytes.byteLength)
            : bytes.byteLength === cipher.#tagLength;
          if (!valid) throw invalidTag(bytes.byteLength);
          cipher.#tagSet = native.cipherSetTag(cipher.#id, bytes);
          return cipher;
        },
      };
    }
  }

  class Cipheriv extends CipherBase {
    constructor(algorithm, key, iv, options) {
      super(false, algorithm, key, iv, options);
    }

    getAuthTag() {
      return cipherInternals.getAuthTag(this);
    }
  }

  class Decipheriv extends CipherBase {
    constructor(algorithm, key, iv, options) {
      super(true, algorithm, key, iv, options);
    }

    setAuthTag(tag) {
      return cipherInternals.setAuthTag(this, tag);
    }
  }

  const CIPHER_NAMES = Object.keys(CIPHERS).sort();

  // --- key derivation ---

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

  const INT32_MAX = 2147483647;

  function pbkdf2Job(password, salt, iterations, keylen, digest) {
    const passwordBytes = keyBytes(password, 'password');
    const saltBytes = keyBytes(salt, 'salt');
    checkInteger(iterations, 'iterations', 1, INT32_MAX);
    checkInteger(keylen, 'keylen', 0, INT32_MAX);
    const name = checkDigest(digest);
    return () => Buffer.from(native.pbkdf2(name, passwordBytes, saltBytes, iterations, keylen));
  }

  function hkdfJob(digest, key, salt, info, keylen) {
    const name = checkDigest(digest);
    const keyData = keyBytes(key, 'ikm');
    const saltBytes = keyBytes(salt, 'salt');
    const infoBytes = keyBytes(info, 'info');
    checkInteger(keylen, 'length', 0, 4294967296);
    if (infoBytes.byteLength > 1024) {
      throw outOfRange('info', 'must not contain more than 1024 bytes', infoBytes.byteLength);
    }
    if (keylen > 255 * HASH_SIZES[name]) {
      throw codedError(RangeError, 'ERR_CRYPTO_INVALID_KEYLEN', 'Invalid key length');
    }
    return () => native.hkdf(name, keyData, saltBytes, infoBytes, keylen);
  }

  const SCRYPT_DEFAULTS = { N: 16384, r: 8, p: 1, maxmem: 32 << 20 };
  const invalidScrypt = (detail) => codedError(RangeError, 'ERR_CRYPTO_INVALID_SCRYPT_PARAMS',
    detail === undefined ? 'Invalid scrypt params' : `Invalid scrypt params: ${detail}`);

  function scryptJob(password, salt, keylen, options) {
    const passwordBytes = keyBytes(password, 'password');
    const saltBytes = keyBytes(salt, 'salt');
    checkInteger(keylen, 'keylen', 0, INT32_MAX);
    const given = options === undefined || options === null ? {} : options;
    const pick = (name, alias) => {
      const [a, b] = [given[name], given[alias]];
      if (a !== undefined && b !== undefined) {
        throw codedError(Error, 'ERR_CRYPTO_SCRYPT_INVALID_PARAMETER', 'Invalid scrypt parameter');
      }
      const value = a ?? b;
      if (value === undefined) return SCRYPT_DEFAULTS[name];
      checkInteger(value, name, 0, INT32_MAX);
      return value;
    };
    const N = pick('N', 'cost');
    // OpenSSL takes 0 for r and p as their defaults.
    const r = pick('r', 'blockSize') || SCRYPT_DEFAULTS.r;
    const p = pick('p', 'parallelization') || SCRYPT_DEFAULTS.p;
    const maxmem = given.maxmem ?? SCRYPT_DEFAULTS.maxmem;
    checkInteger(maxmem, 'maxmem', 0, Number.MAX_SAFE_INTEGER);
    if (N < 2 || (N & (N - 1)) !== 0) throw invalidScrypt();
    // OpenSSL's bound: the B and V arrays, 128·r·(p + N + 2) bytes.
    if (128 * r * (N + 2 + p) > maxmem) {
      throw invalidScrypt('error:030000AC:digital envelope routines::memory limit exceeded');
    }
    const logN = Math.log2(N);
    return () => {
      if (keylen === 0) return Buffer.alloc(0);
      const derived = native.scrypt(passwordBytes, saltBytes, logN, r, p, keylen);
      if (derived === undefined) throw invalidScrypt();
      return Buffer.from(derived);
    };
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
    createCipheriv: (algorithm, key, iv, options) => new Cipheriv(algorithm, key, iv, options),
    createDecipheriv: (algorithm, key, iv, options) => new Decipheriv(algorithm, key, iv, options),
    Cipheriv,
    Decipheriv,
    getCiphers: () => CIPHER_NAMES.slice(),
    pbkdf2(password, salt, iterations, keylen, digest, callback) {
      checkCallback(callback);
      later(callback, pbkdf2Job(password, salt, iterations, keylen, digest));
    },
    pbkdf2Sync: (password, salt, iterations, keylen, digest) => pbkdf2Job(password, salt, iterations, keylen, digest)(),
    hkdf(digest, key, salt, info, keylen, callback) {
      checkCallback(callback);
      later(callback, hkdfJob(digest, key, salt, info, keylen));
    },
    hkdfSync: (digest, key, salt, info, keylen) => hkdfJob(digest, key, salt, info, keylen)(),
    scrypt(password, salt, keylen, options, callback) {
      if (typeof options === 'function') {
        callback = options;
        options = undefined;
      }
      checkCallback(callback);
      later(callback, scryptJob(password, salt, keylen, options));
    },
    scryptSync: (password, salt, keylen, options) => scryptJob(password, salt, keylen, options)(),
    randomBytes,
    randomInt,
    randomUUID: () => webcrypto.randomUUID(),
    getRandomValues: (array) => webcrypto.getRandomValues(array),
    timingSafeEqual,
    webcrypto,
    subtle: webcrypto.subtle,
  };
})
