// Web Crypto's ECDSA (P-256) and Ed25519 for subtle.js: `(native, shared)
// => operations`, called by subtle.js with what it shares (`CryptoKey`'s
// maker, algorithm and key checks). Keys are node/crypto's sign.rs keys
// (`native.engine`): raw bytes, DER made and parsed in Rust. Formats: raw
// (public keys), spki, pkcs8 and jwk. ECDSA signatures are r‖s (IEEE
// P1363), as the spec has them, deterministic (RFC 6979).
(function (native, shared) {
  const engine = native.engine;
  const { domError, bytesOf, makeCryptoKey, keyParts, usableKey, hashName, HASHES, base64url, fromBase64url, notSupported } = shared;
  const Uint8ArrayConstructor = Uint8Array;
  const KINDS = { ECDSA: 'ec', Ed25519: 'ed25519' };
  const dataError = (message) => domError('DataError', message);
  const syntaxError = (message) => domError('SyntaxError', message);

  function algorithmOf(name, dictionary, op) {
    if (name === 'Ed25519') return { name };
    if (dictionary.namedCurve === undefined) throw new TypeError(`SubtleCrypto.${op}: algorithm is missing its 'namedCurve'`);
    const curve = `${dictionary.namedCurve}`;
    if (curve !== 'P-256') throw notSupported(`the curve ${curve}`);
    return { name, namedCurve: curve };
  }

  /** The usages of a key of `type`: a private key signs, a public one verifies. */
  function usagesFor(type, usages, op) {
    const allowed = type === 'private' ? 'sign' : 'verify';
    for (const usage of usages) {
      if (usage !== allowed) throw syntaxError(`SubtleCrypto.${op}: '${usage}' is not a usage of a ${type} key`);
    }
    if (type === 'private' && usages.length === 0) throw syntaxError(`SubtleCrypto.${op}: a private key needs at least one usage`);
    return usages;
  }

  /** `[type, raw]` of a JWK for `kind`. */
  function fromJwk(kind, jwk, name) {
    if (typeof jwk !== 'object' || jwk === null) throw new TypeError('SubtleCrypto.importKey: a JWK must be an object');
    const [kty, crv, alg] = kind === 'ec' ? ['EC', 'P-256', 'ES256'] : ['OKP', 'Ed25519', 'EdDSA'];
    if (jwk.kty !== kty || jwk.crv !== crv) throw dataError(`the JWK is not a ${name} ${crv} key`);
    if (jwk.alg !== undefined && jwk.alg !== alg && !(kind === 'ed25519' && jwk.alg === 'Ed25519')) throw dataError(`the JWK's 'alg' is not ${alg}`);
    if (jwk.use !== undefined && jwk.use !== 'sig') throw dataError("the JWK's 'use' is not 'sig'");
    const coordinates = kind === 'ec' ? [jwk.x, jwk.y] : [jwk.x];
    const point = [kind === 'ec' ? [4] : [], ...coordinates.map(fromBase64url)].flatMap((part) => [...part]);
    if (point.length !== (kind === 'ec' ? 65 : 32)) throw dataError('the JWK has a malformed public key');
    if (jwk.d === undefined) return ['public', checkedPublic(kind, new Uint8ArrayConstructor(point))];
    const raw = fromBase64url(jwk.d);
    let derived;
    try {
      derived = new Uint8ArrayConstructor(engine.keyPublic(kind, raw));
    } catch {
      throw dataError('the JWK has a malformed private key');
    }
    if (derived.length !== point.length || derived.some((byte, i) => byte !== point[i])) throw dataError("the JWK's public key is not its private key's");
    return ['private', raw];
  }

  function checkedPublic(kind, raw) {
    try {
      engine.keyExport(kind, false, 'spki', raw); // decodes the point, or throws
    } catch {
      throw dataError('the public key is not a point of the curve');
    }
    return raw;
  }

  function importKey(format, keyData, name, dictionary, extractable, keyUsages) {
    const algorithm = algorithmOf(name, dictionary, 'importKey');
    const kind = KINDS[name];
    let type;
    let raw;
    if (format === 'jwk') {
      [type, raw] = fromJwk(kind, keyData, name);
      if (keyData.key_ops !== undefined && !keyUsages.every((usage) => keyData.key_ops.includes(usage))) {
        throw dataError("the JWK's 'key_ops' do not include the usages asked for");
      }
      if (keyData.ext === false && extractable) throw dataError('the JWK is not extractable');
    } else if (format === 'raw') {
      type = 'public';
      raw = checkedPublic(kind, bytesOf(keyData, "SubtleCrypto.importKey: 'keyData'"));
    } else if (format === 'spki' || format === 'pkcs8') {
      const found = engine.keyImport(format, bytesOf(keyData, "SubtleCrypto.importKey: 'keyData'"));
      if (found === undefined || found[0] !== kind) throw dataError(`the ${format} data is not a ${name} key`);
      type = format === 'spki' ? 'public' : 'private';
      raw = new Uint8ArrayConstructor(found[1]);
    } else {
      throw notSupported(`${format} format`);
    }
    const usages = usagesFor(type, keyUsages, 'importKey');
    return makeCryptoKey(type, algorithm, type === 'public' || !!extractable, usages, raw);
  }

  function exportKey(format, key) {
    const { type, algorithm, usages, secret } = keyParts(key, 'exportKey');
    const kind = KINDS[algorithm.name];
    const wrongType = () => domError('InvalidAccessError', `SubtleCrypto.exportKey: a ${type} key has no ${format} form`);
    if (format === 'raw') {
      if (type !== 'public') throw wrongType();
      return secret.slice().buffer;
    }
    if (format === 'spki' || format === 'pkcs8') {
      if ((format === 'spki') !== (type === 'public')) throw wrongType();
      return engine.keyExport(kind, type === 'private', format, secret);
    }
    if (format !== 'jwk') throw notSupported(`${format} format`);
    const point = type === 'private' ? new Uint8ArrayConstructor(engine.keyPublic(kind, secret)) : secret;
    const jwk = kind === 'ec'
      ? { key_ops: usages, ext: true, kty: 'EC', crv: 'P-256', x: base64url(point.subarray(1, 33)), y: base64url(point.subarray(33, 65)) }
      : { key_ops: usages, ext: true, kty: 'OKP', crv: 'Ed25519', x: base64url(point) };
    if (type === 'private') jwk.d = base64url(secret);
    return jwk;
  }

  function generateKey(name, dictionary, extractable, keyUsages) {
    const algorithm = algorithmOf(name, dictionary, 'generateKey');
    for (const usage of keyUsages) {
      if (usage !== 'sign' && usage !== 'verify') throw syntaxError(`SubtleCrypto.generateKey: '${usage}' is not a usage of a ${name} key`);
    }
    const privateUsages = usagesFor('private', keyUsages.filter((usage) => usage === 'sign'), 'generateKey');
    const kind = KINDS[name];
    const raw = new Uint8ArrayConstructor(engine.keyGenerate(kind));
    const point = new Uint8ArrayConstructor(engine.keyPublic(kind, raw));
    return {
      publicKey: makeCryptoKey('public', algorithm, true, keyUsages.filter((usage) => usage === 'verify'), point),
      privateKey: makeCryptoKey('private', algorithm, !!extractable, privateUsages, raw),
    };
  }

  /** The digest name of sign.rs for an ECDSA `hash` member ('' for Ed25519). */
  const digestOf = (name, dictionary, op) => (name === 'ECDSA' ? HASHES[hashName(dictionary.hash, op)][0] : '');

  function sign(name, dictionary, key, data) {
    const { secret } = usableKey(key, name, 'sign', 'sign');
    return engine.sign(KINDS[name], secret, digestOf(name, dictionary, 'sign'), data, false);
  }

  function verify(name, dictionary, key, signature, data) {
    const { secret } = usableKey(key, name, 'verify', 'verify');
    return engine.verify(KINDS[name], secret, digestOf(name, dictionary, 'verify'), data, signature, false);
  }

  return { names: Object.keys(KINDS), importKey, exportKey, generateKey, sign, verify };
})
