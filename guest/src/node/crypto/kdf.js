// `node:crypto`'s key derivations (`internal.part('crypto/kdf')`): pbkdf2,
// hkdf and scrypt, sync and with callbacks, over kdf.rs, with Node's checks
// (scrypt's `maxmem` among them) and errors.
(function cryptoKdf(builtin, internal) {
  'use strict';
  const native = internal.native.crypto;
  const {
    Buffer, HASH_SIZES, codedError, keyBytes, outOfRange, checkInteger, checkDigest, checkCallback, later,
  } = internal.part('crypto/common');

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

  return {
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
  };
})
