// `node:crypto`'s keys and signatures (`internal.part('crypto/keys')`):
// `KeyObject` (secret, and Ed25519 and P-256 private and public keys),
// `createSecretKey`/`createPrivateKey`/`createPublicKey` from PEM, DER
// (PKCS#8, SEC1, SPKI) or JWK, `generateKeyPair(Sync)`, `sign`/`verify`
// and `createSign`/`createVerify`, over sign.rs. A key keeps its raw bytes
// in a private field (see sign.rs for their forms); PEM armour and JWK are
// made here. Divergences: no RSA, X25519, other curves or encrypted keys
// (an unsupported key fails to decode, as Node's malformed ones do);
// `Sign`/`Verify` are not streams.
(function cryptoKeys(builtin, internal) {
  'use strict';
  const native = internal.native.crypto;
  const { Buffer, codedError, toBytes, u8, keyBytes, received, checkCallback, later } = internal.part('crypto/common');

  const token = Symbol('internal');
  const unsupported = () => codedError(Error, 'ERR_OSSL_UNSUPPORTED', 'error:1E08010C:DECODER routines::unsupported');
  const invalidValue = (name, value) => codedError(TypeError, 'ERR_INVALID_ARG_VALUE',
    `The property '${name}' is invalid. Received ${typeof value === 'string' ? `'${value}'` : String(value)}`);
  const incompatible = (type, kind) => codedError(Error, 'ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS',
    `The selected key encoding ${type} can only be used for ${kind} keys.`);
  const fromBase64url = (text) => Buffer.from(`${text}`, 'base64url');

  /** A key's private state (set by `KeyObject`). */
  let keyParts;

  class KeyObject {
    #type;
    #kind;
    #raw;

    constructor(key, type, kind, raw) {
      if (key !== token) {
        throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE',
          `The "handle" argument must be of type object.${received(type)}`);
      }
      this.#type = type;
      this.#kind = kind;
      this.#raw = raw;
    }

    get type() { return this.#type; }
    get asymmetricKeyType() { return this.#kind; }
    get asymmetricKeyDetails() {
      if (this.#kind === undefined) return undefined;
      return this.#kind === 'ec' ? { namedCurve: 'prime256v1' } : {};
    }
    get symmetricKeySize() { return this.#type === 'secret' ? this.#raw.length : undefined; }

    equals(other) {
      const mine = keyParts(this);
      const theirs = keyParts(other);
      return mine.type === theirs.type && mine.kind === theirs.kind && Buffer.from(mine.raw).equals(Buffer.from(theirs.raw));
    }

    export(options) {
      if (this.#type === 'secret') {
        if (options !== undefined && options !== null && options.format === 'jwk') {
          return { kty: 'oct', k: Buffer.from(this.#raw).toString('base64url') };
        }
        return Buffer.from(this.#raw);
      }
      if (typeof options !== 'object' || options === null) {
        throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "options" argument must be of type object.${received(options)}`);
      }
      if (options.format === 'jwk') return exportJwk(this.#type, this.#kind, this.#raw);
      const { format = 'pem', type } = options;
      if (format !== 'pem' && format !== 'der') throw invalidValue('options.format', format);
      const allowed = this.#type === 'public' ? ['spki'] : ['pkcs8', 'sec1'];
      if (type === 'pkcs1') throw incompatible('pkcs1', 'RSA');
      if (type === 'sec1' && this.#kind !== 'ec') throw incompatible('sec1', 'EC');
      if (!allowed.includes(type)) throw invalidValue('options.type', type);
      if (options.cipher !== undefined || options.passphrase !== undefined) {
        throw codedError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', 'Encrypted keys are not supported by jsbox');
      }
      const der = Buffer.from(native.keyExport(this.#kind, this.#type === 'private', type, this.#raw));
      if (format === 'der') return der;
      const label = type === 'spki' ? 'PUBLIC KEY' : type === 'sec1' ? 'EC PRIVATE KEY' : 'PRIVATE KEY';
      const lines = der.toString('base64').match(/.{1,64}/g);
      return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
    }

    static {
      keyParts = (key) => {
        if (key === null || typeof key !== 'object' || !(#raw in key)) {
          throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "key" argument must be an instance of KeyObject.${received(key)}`);
        }
        return { type: key.#type, kind: key.#kind, raw: key.#raw };
      };
    }
  }

  class SecretKeyObject extends KeyObject {}
  class PublicKeyObject extends KeyObject {}
  class PrivateKeyObject extends KeyObject {}
  const makeKey = (type, kind, raw) => {
    const Class = type === 'secret' ? SecretKeyObject : type === 'public' ? PublicKeyObject : PrivateKeyObject;
    return new Class(token, type, kind, new Uint8Array(raw));
  };
  const publicOf = (kind, raw) => makeKey('public', kind, native.keyPublic(kind, raw));

  function exportJwk(type, kind, raw) {
    const b64 = (bytes) => Buffer.from(bytes).toString('base64url');
    const point = type === 'private' ? new Uint8Array(native.keyPublic(kind, raw)) : raw;
    if (kind === 'ed25519') {
      return type === 'private' ? { crv: 'Ed25519', d: b64(raw), x: b64(point), kty: 'OKP' } : { crv: 'Ed25519', x: b64(point), kty: 'OKP' };
    }
    const jwk = { kty: 'EC', x: b64(point.subarray(1, 33)), y: b64(point.subarray(33, 65)), crv: 'P-256' };
    if (type === 'private') jwk.d = b64(raw);
    return jwk;
  }

  /** `{ kind, private, public }` raw parts of a JWK. */
  function importJwk(jwk, wantPrivate) {
    if (typeof jwk !== 'object' || jwk === null) {
      throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "key.key" property must be of type object.${received(jwk)}`);
    }
    if (!['RSA', 'EC', 'OKP'].includes(jwk.kty)) {
      throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE',
        `The property 'key.kty' must be one of: 'RSA', 'EC', 'OKP'. Received ${jwk.kty === undefined ? 'undefined' : `'${jwk.kty}'`}`);
    }
    const invalidJwk = () => codedError(TypeError, 'ERR_CRYPTO_INVALID_JWK', `Invalid JWK ${jwk.kty} key`);
    if (jwk.kty === 'RSA') throw unsupported();
    const kind = jwk.kty === 'EC' ? 'ec' : 'ed25519';
    if (kind === 'ec' ? jwk.crv !== 'P-256' : jwk.crv !== 'Ed25519') throw invalidJwk();
    if (wantPrivate && typeof jwk.d !== 'string') throw invalidJwk();
    const size = 32;
    const parts = kind === 'ec' ? [jwk.x, jwk.y] : [jwk.x];
    if (parts.some((part) => typeof part !== 'string' || fromBase64url(part).length !== size)) throw invalidJwk();
    const point = kind === 'ec' ? Buffer.concat([Buffer.from([4]), ...parts.map(fromBase64url)]) : fromBase64url(jwk.x);
    if (wantPrivate) {
      const raw = u8(fromBase64url(jwk.d));
      if (raw.length !== size) throw invalidJwk();
      let derived;
      try {
        derived = Buffer.from(native.keyPublic(kind, raw));
      } catch {
        throw invalidJwk();
      }
      if (!derived.equals(point)) throw invalidJwk();
      return makeKey('private', kind, raw);
    }
    try {
      native.keyExport(kind, false, 'spki', u8(point)); // decodes the point, or throws
    } catch {
      throw invalidJwk();
    }
    return makeKey('public', kind, u8(point));
  }

  /** A key from PEM text or DER bytes; a private one when it holds one. */
  function decode(data, format, type) {
    let der;
    let derType = type;
    if (typeof data !== 'string' && !ArrayBuffer.isView(data) && !(data instanceof ArrayBuffer)) {
      throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE',
        `The "key.key" property must be of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView.${received(data)}`);
    }
    if (format === 'pem') {
      const text = typeof data === 'string' ? data : Buffer.from(toBytes(data)).toString('latin1');
      const match = /-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\s]*)-----END \1-----/.exec(text);
      if (match === null) throw unsupported();
      derType = { 'PRIVATE KEY': 'pkcs8', 'EC PRIVATE KEY': 'sec1', 'PUBLIC KEY': 'spki' }[match[1]];
      if (derType === undefined) throw unsupported();
      der = u8(Buffer.from(match[2].replace(/\s+/g, ''), 'base64'));
    } else if (format === 'der') {
      if (!['pkcs8', 'sec1', 'spki'].includes(type)) throw invalidValue('key.type', type);
      der = u8(toBytes(data, undefined, 'key.key'));
    } else {
      throw invalidValue('key.format', format);
    }
    const found = native.keyImport(derType, der);
    if (found === undefined) throw unsupported();
    return makeKey(derType === 'spki' ? 'public' : 'private', found[0], found[1]);
  }

  /** The `{ key, format, type }` form of `createPrivateKey`'s argument. */
  function keyInput(input) {
    if (typeof input === 'string' || ArrayBuffer.isView(input)) return { data: input, format: 'pem' };
    if (typeof input !== 'object' || input === null) {
      throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE',
        `The "key" argument must be of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, or Object.${received(input)}`);
    }
    if (input.passphrase !== undefined) {
      throw codedError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', 'Encrypted keys are not supported by jsbox');
    }
    return { data: input.key, format: input.format ?? 'pem', type: input.type };
  }

  function createPrivateKey(input) {
    const { data, format, type } = keyInput(input);
    const key = format === 'jwk' ? importJwk(data, true) : decode(data, format, type);
    if (key.type !== 'private') throw unsupported();
    return key;
  }

  function createPublicKey(input) {
    if (input instanceof KeyObject) {
      const { type, kind, raw } = keyParts(input);
      if (type === 'private') return publicOf(kind, raw);
      throw codedError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type ${type}, expected private.`);
    }
    const { data, format, type } = keyInput(input);
    if (format === 'jwk') return importJwk(data, false);
    const key = decode(data, format, type);
    return key.type === 'public' ? key : createPublicKey(key);
  }

  function createSecretKey(key, encoding) {
    return makeKey('secret', undefined, u8(toBytes(key, encoding, 'key')).slice());
  }

  function generateKeyPairSync(type, options) {
    let kind;
    if (type === 'ed25519') {
      kind = 'ed25519';
    } else if (type === 'ec') {
      const curve = options === undefined || options === null ? undefined : options.namedCurve;
      if (typeof curve !== 'string') {
        throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "options.namedCurve" property must be of type string.${received(curve)}`);
      }
      if (curve !== 'P-256' && curve !== 'prime256v1') throw codedError(TypeError, 'ERR_CRYPTO_INVALID_CURVE', 'Invalid EC curve name');
      kind = 'ec';
    } else {
      throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE',
        `The argument 'type' must be a supported key type. Received ${typeof type === 'string' ? `'${type}'` : String(type)}`);
    }
    const privateKey = makeKey('private', kind, native.keyGenerate(kind));
    const publicKey = publicOf(kind, keyParts(privateKey).raw);
    const encode = (key, encoding) => (encoding === undefined || encoding === null ? key : key.export(encoding));
    return {
      publicKey: encode(publicKey, options && options.publicKeyEncoding),
      privateKey: encode(privateKey, options && options.privateKeyEncoding),
    };
  }

  // --- signatures ---

  /** A digest name as `hash.rs` knows it (`RSA-SHA256`, `SHA256`, `sha-256`). */
  function digestName(algorithm) {
    const name = `${algorithm}`.toLowerCase().replace(/^(rsa-|ecdsa-with-)/, '').replace(/^sha-/, 'sha');
    return ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'].includes(name) ? name : undefined;
  }

  /** The key and DSA encoding of `sign`'s or `verify`'s key argument. */
  function signingKey(input, wantPrivate) {
    let dsaEncoding = 'der';
    let key = input;
    if (typeof input === 'object' && input !== null && !(input instanceof KeyObject) && !ArrayBuffer.isView(input)) {
      if (input.dsaEncoding !== undefined) {
        if (input.dsaEncoding !== 'der' && input.dsaEncoding !== 'ieee-p1363') throw invalidValue('options.dsaEncoding', input.dsaEncoding);
        dsaEncoding = input.dsaEncoding;
      }
      key = input.key instanceof KeyObject ? input.key : input;
    }
    if (!(key instanceof KeyObject)) key = wantPrivate ? createPrivateKey(key) : createPublicKey(key);
    let parts = keyParts(key);
    if (parts.type === 'private' && !wantPrivate) parts = keyParts(publicOf(parts.kind, parts.raw));
    if (parts.type !== (wantPrivate ? 'private' : 'public')) {
      throw codedError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type ${parts.type}, expected private.`);
    }
    return { ...parts, der: dsaEncoding === 'der' };
  }

  function digestFor(algorithm, kind) {
    if (kind === 'ed25519') {
      if (algorithm === null || algorithm === undefined) return '';
      throw codedError(Error, 'ERR_OSSL_INVALID_DIGEST', 'error:1C80007A:Provider routines::invalid digest');
    }
    if (algorithm === null || algorithm === undefined) return 'sha256';
    const name = digestName(algorithm);
    if (name === undefined) throw codedError(TypeError, 'ERR_CRYPTO_INVALID_DIGEST', `Invalid digest: ${algorithm}`);
    return name;
  }

  const dataBytes = (data, name) => {
    if (!ArrayBuffer.isView(data) && typeof data !== 'string') {
      throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE',
        `The "${name}" argument must be an instance of Buffer, TypedArray, or DataView.${received(data)}`);
    }
    return u8(toBytes(data, 'utf8', name));
  };

  function signBytes(algorithm, data, key) {
    const { kind, raw, der } = signingKey(key, true);
    return Buffer.from(native.sign(kind, raw, digestFor(algorithm, kind), data, der));
  }

  function verifyBytes(algorithm, data, key, signature) {
    const { kind, raw, der } = signingKey(key, false);
    return native.verify(kind, raw, digestFor(algorithm, kind), data, signature, der);
  }

  function sign(algorithm, data, key, callback) {
    const bytes = dataBytes(data, 'data');
    if (callback === undefined) return signBytes(algorithm, bytes, key);
    checkCallback(callback);
    later(callback, () => signBytes(algorithm, bytes, key));
    return undefined;
  }

  function verify(algorithm, data, key, signature, callback) {
    const bytes = dataBytes(data, 'data');
    const given = u8(keyBytes(signature, 'signature'));
    if (callback === undefined) return verifyBytes(algorithm, bytes, key, given);
    checkCallback(callback);
    later(callback, () => verifyBytes(algorithm, bytes, key, given));
    return undefined;
  }

  /** A signer's key, digest and data (set by `Signer`). */
  let signerParts;

  /** What `Sign` and `Verify` share: the digest and the data so far. */
  class Signer {
    #digest;
    #chunks = [];

    constructor(algorithm) {
      if (typeof algorithm !== 'string') {
        throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "algorithm" argument must be of type string.${received(algorithm)}`);
      }
      this.#digest = digestName(algorithm);
      if (this.#digest === undefined) throw codedError(TypeError, 'ERR_CRYPTO_INVALID_DIGEST', 'Invalid digest');
    }

    update(data, encoding) {
      this.#chunks.push(Buffer.from(toBytes(data, encoding, 'data')));
      return this;
    }

    static {
      signerParts = (signer, key, wantPrivate) => {
        const parts = signingKey(key, wantPrivate);
        if (parts.kind === 'ed25519') throw codedError(Error, 'ERR_CRYPTO_UNSUPPORTED_OPERATION', 'Unsupported crypto operation');
        return { ...parts, digest: signer.#digest, data: u8(Buffer.concat(signer.#chunks)) };
      };
    }
  }

  class Sign extends Signer {
    sign(key, outputEncoding) {
      const { kind, raw, digest, data, der } = signerParts(this, key, true);
      const signature = Buffer.from(native.sign(kind, raw, digest, data, der));
      return outputEncoding === undefined || outputEncoding === 'buffer' ? signature : signature.toString(outputEncoding);
    }
  }

  class Verify extends Signer {
    verify(key, signature, signatureEncoding) {
      const { kind, raw, digest, data, der } = signerParts(this, key, false);
      const given = u8(toBytes(signature, signatureEncoding, 'signature'));
      return native.verify(kind, raw, digest, data, given, der);
    }
  }

  return {
    KeyObject,
    createSecretKey,
    createPrivateKey,
    createPublicKey,
    generateKeyPairSync,
    generateKeyPair(type, options, callback) {
      if (typeof options === 'function') {
        callback = options;
        options = undefined;
      }
      checkCallback(callback);
      const pair = generateKeyPairSync(type, options);
      later((error, result) => (error ? callback(error) : callback(null, result.publicKey, result.privateKey)), () => pair);
    },
    sign,
    verify,
    createSign: (algorithm) => new Sign(algorithm),
    createVerify: (algorithm) => new Verify(algorithm),
    Sign,
    Verify,
  };
})
