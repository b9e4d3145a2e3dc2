// `node:querystring`, written for jsbox: the npm port (`querystring-es3`)
// diverges from Node where scripts notice (it returns objects with a
// prototype, throws `URIError` on a malformed `%` sequence and drops
// bigints), and Node's algorithm is short. Follows Node: `parse`/`decode`
// (null-prototype result, repeated keys as arrays, `+` as space,
// `maxKeys` 1000, malformed escapes decoded byte-wise as `unescapeBuffer`
// does), `stringify`/`encode`, `escape`, `unescape`, `unescapeBuffer`, and
// the `encodeURIComponent`/`decodeURIComponent` options.
(function querystring(builtin) {
  'use strict';
  const { Buffer } = builtin('buffer');

  /** `%XX` runs as bytes, everything else as UTF-8; a `Buffer`. */
  function unescapeBuffer(string) {
    const parts = String(string).split(/((?:%[0-9a-fA-F]{2})+)/);
    return Buffer.concat(parts.map((part, i) => (i % 2 ? Buffer.from(part.replace(/%/g, ''), 'hex') : Buffer.from(part))));
  }

  function unescape(string) {
    try {
      return decodeURIComponent(string);
    } catch {
      return unescapeBuffer(string).toString();
    }
  }

  const escape = (string) => encodeURIComponent(string);

  function parse(qs, sep, eq, options) {
    const result = { __proto__: null };
    if (typeof qs !== 'string' || qs.length === 0) return result;
    sep = sep || '&';
    eq = eq || '=';
    const maxKeys = options && typeof options.maxKeys === 'number' ? options.maxKeys : 1000;
    const decode = options && typeof options.decodeURIComponent === 'function' ? options.decodeURIComponent : unescape;
    let pairs = qs.split(sep);
    if (maxKeys > 0 && pairs.length > maxKeys) pairs = pairs.slice(0, maxKeys);
    for (const pair of pairs) {
      if (pair === '') continue;
      const at = pair.indexOf(eq);
      const key = decode((at >= 0 ? pair.slice(0, at) : pair).replace(/\+/g, ' '));
      const value = decode((at >= 0 ? pair.slice(at + eq.length) : '').replace(/\+/g, ' '));
      if (!(key in result)) result[key] = value;
      else if (Array.isArray(result[key])) result[key].push(value);
      else result[key] = [result[key], value];
    }
    return result;
  }

  function primitive(value) {
    switch (typeof value) {
      case 'string': return value;
      case 'number': return Number.isFinite(value) ? String(value) : '';
      case 'bigint': return String(value);
      case 'boolean': return value ? 'true' : 'false';
      default: return '';
    }
  }

  function stringify(object, sep, eq, options) {
    sep = sep || '&';
    eq = eq || '=';
    const encode = options && typeof options.encodeURIComponent === 'function' ? options.encodeURIComponent : escape;
    if (object === null || typeof object !== 'object') return '';
    const fields = [];
    for (const key of Object.keys(object)) {
      const value = object[key];
      const prefix = encode(primitive(key)) + eq;
      if (Array.isArray(value)) {
        for (const item of value) fields.push(prefix + encode(primitive(item)));
      } else {
        fields.push(prefix + encode(primitive(value)));
      }
    }
    return fields.join(sep);
  }

  return { parse, decode: parse, stringify, encode: stringify, escape, unescape, unescapeBuffer };
})
