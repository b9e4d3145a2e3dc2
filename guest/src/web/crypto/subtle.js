// `CryptoKey` and SubtleCrypto's key operations: AES-GCM, AES-CBC,
// AES-CTR, HMAC, PBKDF2 and HKDF here, ECDSA and Ed25519 in asymmetric.js
// (`asymmetricOperations`, given what this file shares); the engine is
// node/crypto's Rust, `native.engine`. Returns the operations `crypto.js`
// puts on `SubtleCrypto`; each is async, so every error is a rejection, a
// `DOMException` named as the Web Crypto spec says.
(function (native, helpers, asymmetricOperations) {
  const { domError, bufferSource, defineGlobal, toStringTag } = helpers;
  const engine = native.engine;
  const Uint8ArrayConstructor = Uint8Array;
  const stringFromCharCode = String.fromCharCode;
  const { freeze } = Object;

  const HASHES = { 'SHA-1': ['sha1', 64, 20], 'SHA-256': ['sha256', 64, 32], 'SHA-384': ['sha384', 128, 48], 'SHA-512': ['sha512', 128, 64] };
  const AES = ['AES-GCM', 'AES-CBC', 'AES-CTR'];
  const USAGES = {
    'AES-GCM': ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'],
    'AES-CBC': ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'],
    'AES-CTR': ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'],
    HMAC: ['sign', 'verify'],
    PBKDF2: ['deriveBits', 'deriveKey'],
    HKDF: ['deriveBits', 'deriveKey'],
    ECDSA: ['sign', 'verify'],
    Ed25519: ['sign', 'verify'],
  };
  const NAMES = Object.keys(USAGES);
  const JWK_MODES = { 'AES-GCM': 'GCM', 'AES-CBC': 'CBC', 'AES-CTR': 'CTR' };

  const notSupported = (name) => domError('NotSupportedError', `Unrecognized algorithm name: ${name}`);
  const operationError = (message) => domError('OperationError', message);
  const dataError = (message) => domError('DataError', message);

  /** `value` as a copy of its bytes (a `BufferSource` is read at call time). */
  function bytesOf(value, label) {
    const [buffer, offset, length] = bufferSource(value, label);
    return new Uint8ArrayConstructor(buffer, offset, length).slice();
  }

  /** The algorithm identifier as `{ name, ...members }` with its registered name. */
  function normalize(algorithm, op) {
    let dictionary = algorithm;
    if (typeof algorithm === 'string') dictionary = { name: algorithm };
    if (typeof dictionary !== 'object' || dictionary === null) {
      throw new TypeError(`SubtleCrypto.${op}: algorithm must be a string or an object`);
    }
    if (dictionary.name === undefined) throw new TypeError(`SubtleCrypto.${op}: algorithm is missing its 'name'`);
    const given = `${dictionary.name}`;
    const name = NAMES.find((known) => known.toUpperCase() === given.toUpperCase());
    if (name === undefined) throw notSupported(given);
    return { dictionary, name };
  }

  /** A hash member (`'SHA-256'` or `{ name }`) as its registered name. */
  function hashName(hash, op) {
    if (hash === undefined) throw new TypeError(`SubtleCrypto.${op}: algorithm is missing its 'hash'`);
    const given = `${typeof hash === 'object' && hash !== null ? hash.name : hash}`;
    const name = Object.keys(HASHES).find((known) => known === given.toUpperCase());
    if (name === undefined) throw notSupported(given);
    return name;
  }

  function required(dictionary, member, op) {
    const value = dictionary[member];
    if (value === undefined) throw new TypeError(`SubtleCrypto.${op}: algorithm is missing its '${member}'`);
    return value;
  }

  // --- CryptoKey ---

  const token = Symbol('internal');
  const secrets = new WeakMap();

  class CryptoKey {
    #type;
    #extractable;
    #algorithm;
    #usages;

    constructor(key, type, algorithm, extractable, usages, secret) {
      if (key !== token) throw new TypeError('Illegal constructor');
      this.#type = type;
      this.#extractable = extractable;
      this.#algorithm = freeze(algorithm);
      this.#usages = usages;
      secrets.set(this, secret);
    }

    get type() { return this.#type; }
    get extractable() { return this.#extractable; }
    get algorithm() { return this.#algorithm; }
    get usages() { return this.#usages.slice(); }

    static {
      toStringTag(CryptoKey, 'CryptoKey');
    }
  }

  function keyParts(key, op) {
    if (!secrets.has(key)) throw new TypeError(`SubtleCrypto.${op}: key is not a CryptoKey`);
    return { secret: secrets.get(key), type: key.type, algorithm: key.algorithm, usages: key.usages, extractable: key.extractable };
  }

  /** The key's parts when its algorithm is `name` and it allows `usage`. */
  function usableKey(key, name, usage, op) {
    const parts = keyParts(key, op);
    if (parts.algorithm.name !== name) {
      throw domError('InvalidAccessError', `SubtleCrypto.${op}: the key is for ${parts.algorithm.name}, not ${name}`);
    }
    if (!parts.usages.includes(usage)) {
      throw domError('InvalidAccessError', `SubtleCrypto.${op}: the key's usages do not include '${usage}'`);
    }
    return parts;
  }

  /** The usages asked for, as strings, without repeats. */
  function usageList(usages) {
    const list = [...usages].map((usage) => `${usage}`);
    return list.filter((usage, i) => list.indexOf(usage) === i);
  }

  function checkUsages(name, usages, op) {
    const list = usageList(usages);
    for (const usage of list) {
      if (!USAGES[name].includes(usage)) throw domError('SyntaxError', `SubtleCrypto.${op}: '${usage}' is not a usage of a ${name} key`);
    }
    if (list.length === 0) throw domError('SyntaxError', `SubtleCrypto.${op}: a secret key needs at least one usage`);
    return list;
  }

  // --- keys: import, export, generate ---

  function base64url(bytes) {
    let binary = '';
    for (let i = 0; i < bytes.length; i++) binary += stringFromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function fromBase64url(text) {
    if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text)) throw dataError('a JWK member is not base64url');
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = new Uint8ArrayConstructor(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function jwkAlg(algorithm) {
    if (algorithm.name === 'HMAC') return `HS${algorithm.hash.name.slice(4)}`;
    return `A${algorithm.length}${JWK_MODES[algorithm.name]}`;
  }

  function importSecret(format, keyData, op) {
    if (format === 'raw') return bytesOf(keyData, `SubtleCrypto.${op}: 'keyData'`);
    if (format !== 'jwk') throw notSupported(`${format} format`);
    if (typeof keyData !== 'object' || keyData === null) throw new TypeError(`SubtleCrypto.${op}: a JWK must be an object`);
    if (keyData.kty !== 'oct') throw dataError("the JWK's 'kty' must be 'oct'");
    return fromBase64url(keyData.k);
  }

  /** Makes the key, checking a JWK's `alg`, `use`, `key_ops` and `ext`. */
  function makeKey(name, dictionary, format, keyData, secret, extractable, usages, op) {
    let algorithm;
    if (AES.includes(name)) {
      if (![16, 24, 32].includes(secret.length)) throw dataError(`an ${name} key has 128, 192 or 256 bits, not ${secret.length * 8}`);
      algorithm = { name, length: secret.length * 8 };
    } else if (name === 'HMAC') {
      const hash = hashName(dictionary.hash, op);
      let length = secret.length * 8;
      if (dictionary.length !== undefined) {
        length = Number(dictionary.length);
        if (length > secret.length * 8 || length <= (secret.length - 1) * 8) throw dataError('the HMAC length does not match the key');
      }
      if (length === 0) throw dataError('an HMAC key cannot be empty');
      // Node's member order: a generated key's length first.
      algorithm = format === 'generated' ? { name, length, hash: { name: hash } } : { name, hash: { name: hash }, length };
    } else {
      if (format === 'jwk') throw notSupported(`jwk format for ${name}`);
      if (extractable) throw domError('SyntaxError', `SubtleCrypto.${op}: ${name} keys cannot be extractable`);
      algorithm = { name };
    }
    if (format === 'jwk') {
      if (keyData.alg !== undefined && keyData.alg !== jwkAlg(algorithm)) throw dataError(`the JWK's 'alg' is not ${jwkAlg(algorithm)}`);
      const use = name === 'HMAC' ? 'sig' : 'enc';
      if (keyData.use !== undefined && keyData.use !== use) throw dataError(`the JWK's 'use' is not '${use}'`);
      if (keyData.key_ops !== undefined && !usages.every((usage) => keyData.key_ops.includes(usage))) {
        throw dataError("the JWK's 'key_ops' do not include the usages asked for");
      }
      if (keyData.ext === false && extractable) throw dataError('the JWK is not extractable');
    }
    return new CryptoKey(token, 'secret', algorithm, !!extractable, usages, secret);
  }

  async function importKey(format, keyData, algorithm, extractable, keyUsages) {
    if (arguments.length < 5) throw new TypeError(`SubtleCrypto.importKey: 5 arguments required, but only ${arguments.length} present`);
    const { dictionary, name } = normalize(algorithm, 'importKey');
    if (asymmetric.names.includes(name)) {
      return asymmetric.importKey(`${format}`, keyData, name, dictionary, extractable, usageList(keyUsages));
    }
    const usages = checkUsages(name, keyUsages, 'importKey');
    const secret = importSecret(`${format}`, keyData, 'importKey');
    return makeKey(name, dictionary, `${format}`, keyData, secret, extractable, usages, 'importKey');
  }

  async function exportKey(format, key) {
    if (arguments.length < 2) throw new TypeError(`SubtleCrypto.exportKey: 2 arguments required, but only ${arguments.length} present`);
    const { secret, algorithm, usages, extractable } = keyParts(key, 'exportKey');
    if (algorithm.name === 'PBKDF2' || algorithm.name === 'HKDF') throw notSupported(`export of ${algorithm.name} keys`);
    if (!extractable) throw domError('InvalidAccessError', 'SubtleCrypto.exportKey: the key is not extractable');
    if (asymmetric.names.includes(algorithm.name)) return asymmetric.exportKey(`${format}`, key);
    if (format === 'raw') return secret.slice().buffer;
    if (format === 'jwk') return { key_ops: usages, ext: true, kty: 'oct', k: base64url(secret), alg: jwkAlg(algorithm) };
    throw notSupported(`${format} format`);
  }

  async function generateKey(algorithm, extractable, keyUsages) {
    if (arguments.length < 3) throw new TypeError(`SubtleCrypto.generateKey: 3 arguments required, but only ${arguments.length} present`);
    const { dictionary, name } = normalize(algorithm, 'generateKey');
    if (name === 'PBKDF2' || name === 'HKDF') throw notSupported(`generateKey for ${name}`);
    if (asymmetric.names.includes(name)) return asymmetric.generateKey(name, dictionary, extractable, usageList(keyUsages));
    const usages = checkUsages(name, keyUsages, 'generateKey');
    const bits = keyLength(name, dictionary, 'generateKey');
    const secret = new Uint8ArrayConstructor(native.randomBytes(bits / 8));
    return makeKey(name, dictionary, 'generated', undefined, secret, extractable, usages, 'generateKey');
  }

  /** The bits of a new AES or HMAC key (`generateKey`, `deriveKey`). */
  function keyLength(name, dictionary, op) {
    if (name === 'HMAC') {
      const hash = hashName(dictionary.hash, op);
      const length = dictionary.length === undefined ? HASHES[hash][1] * 8 : Number(dictionary.length);
      if (!(length > 0) || length % 8 !== 0) throw operationError(`SubtleCrypto.${op}: an HMAC key length must be a positive multiple of 8`);
      return length;
    }
    const length = Number(required(dictionary, 'length', op));
    if (![128, 192, 256].includes(length)) throw operationError(`SubtleCrypto.${op}: an ${name} key has 128, 192 or 256 bits, not ${length}`);
    return length;
  }

  // --- encrypt and decrypt ---

  function runCipher(mode, decrypt, secret, iv, data, aad, tag) {
    const id = engine.cipherNew(`aes-${secret.length * 8}-${mode}`, decrypt, secret, iv);
    if (aad !== undefined) engine.cipherSetAAD(id, aad);
    if (tag !== undefined) engine.cipherSetTag(id, tag);
    const head = new Uint8ArrayConstructor(engine.cipherUpdate(id, data));
    const tail = engine.cipherFinal(id);
    if (typeof tail === 'string') throw operationError(`SubtleCrypto.${decrypt ? 'decrypt' : 'encrypt'}: the data could not be ${decrypt ? 'decrypted' : 'encrypted'}`);
    const end = new Uint8ArrayConstructor(tail);
    const output = new Uint8ArrayConstructor(head.length + end.length);
    output.set(head);
    output.set(end, head.length);
    return output;
  }

  const GCM_TAGS = [32, 64, 96, 104, 112, 120, 128];

  function gcm(decrypt, dictionary, secret, data, op) {
    const iv = bytesOf(required(dictionary, 'iv', op), `SubtleCrypto.${op}: 'iv'`);
    if (iv.length === 0) throw operationError(`SubtleCrypto.${op}: the AES-GCM iv cannot be empty`);
    const tagLength = dictionary.tagLength === undefined ? 128 : Number(dictionary.tagLength);
    if (!GCM_TAGS.includes(tagLength)) throw operationError(`SubtleCrypto.${op}: ${tagLength} is not an AES-GCM tag length`);
    const aad = dictionary.additionalData === undefined ? undefined
      : bytesOf(dictionary.additionalData, `SubtleCrypto.${op}: 'additionalData'`);
    const tagBytes = tagLength / 8;
    if (!decrypt) {
      const output = runCipher('gcm', false, secret, iv, data, aad);
      // The cipher ends with the full tag; keep the first tagLength bits.
      return output.slice(0, output.length - 16 + tagBytes);
    }
    if (data.length < tagBytes) throw operationError(`SubtleCrypto.${op}: the data is shorter than the tag`);
    const split = data.length - tagBytes;
    return runCipher('gcm', true, secret, iv, data.subarray(0, split), aad, data.subarray(split));
  }

  function cbc(decrypt, dictionary, secret, data, op) {
    const iv = bytesOf(required(dictionary, 'iv', op), `SubtleCrypto.${op}: 'iv'`);
    if (iv.length !== 16) throw operationError(`SubtleCrypto.${op}: the AES-CBC iv must be 16 bytes`);
    return runCipher('cbc', decrypt, secret, iv, data);
  }

  /** AES-CTR with the counter in the low `length` bits of the block. */
  function ctr(dictionary, secret, data, op) {
    const counter = bytesOf(required(dictionary, 'counter', op), `SubtleCrypto.${op}: 'counter'`);
    if (counter.length !== 16) throw operationError(`SubtleCrypto.${op}: the AES-CTR counter must be 16 bytes`);
    const length = Number(required(dictionary, 'length', op));
    if (!(length >= 1 && length <= 128)) throw operationError(`SubtleCrypto.${op}: the AES-CTR length must be 1 to 128`);
    let value = 0n;
    for (const byte of counter) value = (value << 8n) | BigInt(byte);
    const mask = (1n << BigInt(length)) - 1n;
    const left = (1n << BigInt(length)) - (value & mask);
    const blocks = BigInt(Math.ceil(data.length / 16));
    if (blocks > (1n << BigInt(length))) throw operationError(`SubtleCrypto.${op}: the data is longer than the counter allows`);
    if (blocks <= left) return runCipher('ctr', false, secret, counter, data);
    // The counter wraps within its bits; the rest of the block stays.
    const split = Number(left) * 16;
    const wrapped = value & ~mask;
    const second = new Uint8ArrayConstructor(16);
    for (let i = 15, v = wrapped; i >= 0; i--, v >>= 8n) second[i] = Number(v & 0xffn);
    const output = new Uint8ArrayConstructor(data.length);
    output.set(runCipher('ctr', false, secret, counter, data.subarray(0, split)));
    output.set(runCipher('ctr', false, secret, second, data.subarray(split)), split);
    return output;
  }

  function crypt(decrypt, algorithm, key, data, op) {
    const { dictionary, name } = normalize(algorithm, op);
    const bytes = bytesOf(data, `SubtleCrypto.${op}: 'data'`);
    if (!AES.includes(name)) throw notSupported(`${name} for ${op}`);
    const { secret } = usableKey(key, name, op, op);
    const output = name === 'AES-GCM' ? gcm(decrypt, dictionary, secret, bytes, op)
      : name === 'AES-CBC' ? cbc(decrypt, dictionary, secret, bytes, op)
        : ctr(dictionary, secret, bytes, op);
    return output.buffer;
  }

  async function encrypt(algorithm, key, data) {
    if (arguments.length < 3) throw new TypeError(`SubtleCrypto.encrypt: 3 arguments required, but only ${arguments.length} present`);
    return crypt(false, algorithm, key, data, 'encrypt');
  }

  async function decrypt(algorithm, key, data) {
    if (arguments.length < 3) throw new TypeError(`SubtleCrypto.decrypt: 3 arguments required, but only ${arguments.length} present`);
    return crypt(true, algorithm, key, data, 'decrypt');
  }

  // --- sign and verify (HMAC) ---

  function hmac(key, data, op) {
    const { secret, algorithm } = usableKey(key, 'HMAC', op, op);
    const id = engine.hashNew(HASHES[algorithm.hash.name][0], secret.buffer, secret.byteOffset, secret.byteLength);
    engine.hashUpdate(id, data.buffer, data.byteOffset, data.byteLength);
    return new Uint8ArrayConstructor(engine.hashDigest(id));
  }

  async function sign(algorithm, key, data) {
    if (arguments.length < 3) throw new TypeError(`SubtleCrypto.sign: 3 arguments required, but only ${arguments.length} present`);
    const { dictionary, name } = normalize(algorithm, 'sign');
    const bytes = bytesOf(data, "SubtleCrypto.sign: 'data'");
    if (asymmetric.names.includes(name)) return asymmetric.sign(name, dictionary, key, bytes);
    if (name !== 'HMAC') throw notSupported(`${name} for sign`);
    return hmac(key, bytes, 'sign').buffer;
  }

  async function verify(algorithm, key, signature, data) {
    if (arguments.length < 4) throw new TypeError(`SubtleCrypto.verify: 4 arguments required, but only ${arguments.length} present`);
    const { dictionary, name } = normalize(algorithm, 'verify');
    const given = bytesOf(signature, "SubtleCrypto.verify: 'signature'");
    const bytes = bytesOf(data, "SubtleCrypto.verify: 'data'");
    if (asymmetric.names.includes(name)) return asymmetric.verify(name, dictionary, key, given, bytes);
    if (name !== 'HMAC') throw notSupported(`${name} for verify`);
    const expected = hmac(key, bytes, 'verify');
    if (given.length !== expected.length) return false;
    let difference = 0;
    for (let i = 0; i < expected.length; i++) difference |= expected[i] ^ given[i];
    return difference === 0;
  }

  // --- deriveBits and deriveKey ---

  function derive(algorithm, key, length, usage, op) {
    const { dictionary, name } = normalize(algorithm, op);
    if (name !== 'PBKDF2' && name !== 'HKDF') throw notSupported(`${name} for ${op}`);
    const { secret } = usableKey(key, name, usage, op);
    if (length === null || length === undefined || !(length >= 0) || length % 8 !== 0) {
      throw operationError(`SubtleCrypto.${op}: the length must be a multiple of 8`);
    }
    const hash = HASHES[hashName(dictionary.hash, op)];
    const salt = bytesOf(required(dictionary, 'salt', op), `SubtleCrypto.${op}: 'salt'`);
    if (name === 'PBKDF2') {
      const iterations = Number(required(dictionary, 'iterations', op));
      if (!(iterations >= 1 && iterations <= 0xffffffff)) throw operationError(`SubtleCrypto.${op}: iterations must be at least 1`);
      return engine.pbkdf2(hash[0], secret, salt, Math.floor(iterations), length / 8);
    }
    const info = bytesOf(required(dictionary, 'info', op), `SubtleCrypto.${op}: 'info'`);
    if (length / 8 > 255 * hash[2]) throw operationError(`SubtleCrypto.${op}: HKDF gives at most 255 hashes`);
    return engine.hkdf(hash[0], secret, salt, info, length / 8);
  }

  async function deriveBits(algorithm, baseKey, length) {
    if (arguments.length < 3) throw new TypeError(`SubtleCrypto.deriveBits: 3 arguments required, but only ${arguments.length} present`);
    return derive(algorithm, baseKey, length, 'deriveBits', 'deriveBits');
  }

  async function deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
    if (arguments.length < 5) throw new TypeError(`SubtleCrypto.deriveKey: 5 arguments required, but only ${arguments.length} present`);
    const target = normalize(derivedKeyType, 'deriveKey');
    if (!AES.includes(target.name) && target.name !== 'HMAC') throw notSupported(`${target.name} for deriveKey`);
    const usages = checkUsages(target.name, keyUsages, 'deriveKey');
    const length = keyLength(target.name, target.dictionary, 'deriveKey');
    const secret = new Uint8ArrayConstructor(derive(algorithm, baseKey, length, 'deriveKey', 'deriveKey'));
    return makeKey(target.name, target.dictionary, 'raw', undefined, secret, extractable, usages, 'deriveKey');
  }

  const asymmetric = asymmetricOperations(native, {
    domError, bytesOf, keyParts, usableKey, hashName, HASHES, base64url, fromBase64url, notSupported,
    makeCryptoKey: (type, algorithm, extractable, usages, secret) => new CryptoKey(token, type, algorithm, extractable, usages, secret),
  });

  defineGlobal('CryptoKey', CryptoKey);
  return { importKey, exportKey, generateKey, encrypt, decrypt, sign, verify, deriveBits, deriveKey };
})
