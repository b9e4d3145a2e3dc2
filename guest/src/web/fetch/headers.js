// `Headers` (Fetch §5.2).
//
// Names are matched case-insensitively and exposed lowercased. `get`
// combines the values of a name with ', '; `getSetCookie` returns the
// `Set-Cookie` values apart. Iteration (`entries`, `keys`, `values`,
// `forEach`, `for...of`) runs over the sorted-and-combined list, sorted by
// name, with each `set-cookie` value its own entry; like WebIDL's iterators
// it sees changes made during iteration. Invalid names (not an HTTP token)
// and values (NUL, CR, LF, or a character above U+00FF) are TypeErrors;
// values lose leading and trailing HTTP whitespace.
// Divergences: there are no guards (no immutable or request-only headers,
// no forbidden header names): every Headers object is mutable.
//
// Every request builds a few Headers (the incoming request's, the
// response's), so the common cases avoid QuickJS's costly regular
// expressions: names go through a cache of already-normalized names, and
// values that `encodeURI` leaves unchanged are known valid.
(function headers(internal) {
  'use strict';

  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const INVALID_VALUE = /[\0\r\n\u0100-\uffff]/;
  const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
  const { encodeURI } = globalThis;

  // Name as given → normalized name, for names already validated: seeded
  // with common names in the snapshot and filled as a run meets new ones
  // (up to a bound, so a script cannot grow it without end).
  const NAMES = new Map();
  const MAX_CACHED_NAMES = 512;

  function normalizeName(name) {
    const cached = NAMES.get(name);
    if (cached !== undefined) return cached;
    const string = internal.toDOMString(name);
    if (!TOKEN.test(string)) {
      throw new TypeError(`Headers: '${string}' is not a valid header name`);
    }
    const normalized = string.toLowerCase();
    if (typeof name === 'string' && NAMES.size < MAX_CACHED_NAMES) NAMES.set(name, normalized);
    return normalized;
  }

  for (const name of [
    'accept', 'accept-encoding', 'accept-language', 'authorization', 'cache-control', 'connection',
    'content-encoding', 'content-length', 'content-type', 'cookie', 'date', 'etag', 'host',
    'if-modified-since', 'if-none-match', 'last-modified', 'location', 'origin', 'referer',
    'set-cookie', 'traceparent', 'user-agent', 'vary', 'x-forwarded-for', 'x-request-id',
  ]) {
    normalizeName(name);
    normalizeName(name.replace(/(^|-)[a-z]/g, (start) => start.toUpperCase()));
  }

  const isHttpWhitespace = (code) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;

  // `encodeURI` escapes every character a value may not contain (and
  // whitespace), and throws on lone surrogates, which are invalid too.
  function plainValue(string) {
    try {
      return encodeURI(string) === string;
    } catch {
      return false;
    }
  }

  function normalizeValue(value) {
    let string = internal.toDOMString(value);
    if (plainValue(string)) return string;
    // Most values have no edge whitespace; a regex replace costs a lot more
    // than looking at two characters.
    if (
      string.length > 0 &&
      (isHttpWhitespace(string.charCodeAt(0)) || isHttpWhitespace(string.charCodeAt(string.length - 1)))
    ) {
      string = string.replace(EDGE_WHITESPACE, '');
    }
    if (INVALID_VALUE.test(string)) {
      throw new TypeError(`Headers: '${string}' is not a valid header value`);
    }
    return string;
  }

  class Headers {
    // Lowercased names and values, alternating, in the order they were
    // added: one flat array is cheaper to build and scan than pairs.
    #list = [];
    // The sorted-and-combined list, flat like `#list`, or null when stale.
    #sorted = null;

    constructor(init = undefined) {
      if (init === undefined) return;
      if (typeof init !== 'object' || init === null) {
        throw new TypeError('Headers: init must be an object');
      }
      if (#list in init) {
        this.#list = init.#list.slice();
        this.#sorted = init.#sorted;
      } else if (typeof init[Symbol.iterator] === 'function') {
        for (const pair of init) {
          if (typeof pair !== 'object' || pair === null || typeof pair[Symbol.iterator] !== 'function') {
            throw new TypeError('Headers: each header must be a [name, value] pair');
          }
          const items = Array.isArray(pair) ? pair : [...pair];
          if (items.length !== 2) {
            throw new TypeError('Headers: each header must be a [name, value] pair');
          }
          this.append(items[0], items[1]);
        }
      } else {
        for (const key of Reflect.ownKeys(init)) {
          const descriptor = Reflect.getOwnPropertyDescriptor(init, key);
          if (descriptor?.enumerable) this.append(key, init[key]);
        }
      }
    }

    append(name, value) {
      this.#list.push(normalizeName(name), normalizeValue(value));
      this.#sorted = null;
    }

    delete(name) {
      name = normalizeName(name);
      const list = this.#list;
      const kept = [];
      for (let i = 0; i < list.length; i += 2) {
        if (list[i] !== name) kept.push(list[i], list[i + 1]);
      }
      this.#list = kept;
      this.#sorted = null;
    }

    get(name) {
      name = normalizeName(name);
      const list = this.#list;
      let result = null;
      for (let i = 0; i < list.length; i += 2) {
        if (list[i] === name) result = result === null ? list[i + 1] : `${result}, ${list[i + 1]}`;
      }
      return result;
    }

    getSetCookie() {
      const list = this.#list;
      const values = [];
      for (let i = 0; i < list.length; i += 2) {
        if (list[i] === 'set-cookie') values.push(list[i + 1]);
      }
      return values;
    }

    has(name) {
      name = normalizeName(name);
      const list = this.#list;
      for (let i = 0; i < list.length; i += 2) {
        if (list[i] === name) return true;
      }
      return false;
    }

    set(name, value) {
      name = normalizeName(name);
      value = normalizeValue(value);
      const list = this.#list;
      let found = false;
      const kept = [];
      for (let i = 0; i < list.length; i += 2) {
        if (list[i] !== name) {
          kept.push(list[i], list[i + 1]);
        } else if (!found) {
          found = true;
          kept.push(name, value);
        }
      }
      if (!found) kept.push(name, value);
      this.#list = kept;
      this.#sorted = null;
    }

    forEach(callback, thisArg = undefined) {
      if (typeof callback !== 'function') {
        throw new TypeError('Headers.forEach: the callback is not a function');
      }
      for (let i = 0; i < this.#sortAndCombine().length; i += 2) {
        const sorted = this.#sortAndCombine();
        callback.call(thisArg, sorted[i + 1], sorted[i], this);
      }
    }

    *entries() {
      for (let i = 0; i < this.#sortAndCombine().length; i += 2) {
        const sorted = this.#sortAndCombine();
        yield [sorted[i], sorted[i + 1]];
      }
    }

    *keys() {
      for (let i = 0; i < this.#sortAndCombine().length; i += 2) yield this.#sortAndCombine()[i];
    }

    *values() {
      for (let i = 0; i < this.#sortAndCombine().length; i += 2) yield this.#sortAndCombine()[i + 1];
    }

    // One pass over the list: names are already normalized, so this need
    // not go through `get` (and its name validation) once per name. A list
    // of one header is its own sorted form.
    #sortAndCombine() {
      if (this.#sorted === null) {
        const list = this.#list;
        if (list.length <= 2) {
          this.#sorted = list.slice();
          return this.#sorted;
        }
        const combined = new Map();
        const cookies = [];
        for (let i = 0; i < list.length; i += 2) {
          const name = list[i];
          if (name === 'set-cookie') {
            cookies.push(list[i + 1]);
          } else {
            const previous = combined.get(name);
            combined.set(name, previous === undefined ? list[i + 1] : `${previous}, ${list[i + 1]}`);
          }
        }
        const names = [...combined.keys()];
        if (cookies.length > 0) names.push('set-cookie');
        names.sort();
        const sorted = [];
        for (const name of names) {
          if (name === 'set-cookie') {
            for (const value of cookies) sorted.push(name, value);
          } else {
            sorted.push(name, combined.get(name));
          }
        }
        this.#sorted = sorted;
      }
      return this.#sorted;
    }

    static {
      internal.isHeaders = (value) => typeof value === 'object' && value !== null && #list in value;
      // The sorted-and-combined list iteration yields, flat; not to be
      // changed by the caller.
      internal.headerList = (headers) => headers.#sortAndCombine();
      // Adds a header whose name and value are known valid and normalized.
      internal.appendTrusted = (headers, name, value) => {
        headers.#list.push(name, value);
        headers.#sorted = null;
      };
    }
  }

  Object.defineProperty(Headers.prototype, Symbol.iterator, {
    value: Headers.prototype.entries,
    writable: true,
    configurable: true,
  });
  internal.brand(Headers);
  internal.defineGlobals({ Headers });
})
