// `node:crypto`'s `Cipheriv` and `Decipheriv` (`internal.part('crypto/cipher')`)
// over the Rust ciphers of cipher.rs: AES-128/192/256 in GCM, CBC and CTR,
// and ChaCha20-Poly1305, with Node's checks, state rules and errors.
(function cryptoCipher(builtin, internal) {
  'use strict';
  const native = internal.native.crypto;
  const { Buffer, codedError, toBytes, u8, keyBytes, received } = internal.part('crypto/common');

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

  return { Cipheriv, Decipheriv, getCiphers: () => CIPHER_NAMES.slice() };
})
