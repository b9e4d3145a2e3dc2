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
(function headers(internal) {
  'use strict';

  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const INVALID_VALUE = /[\0\r\n\u0100-\uffff]/;
  const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

  function normalizeName(name) {
    const string = internal.toDOMString(name);
    if (!TOKEN.test(string)) {
      throw new TypeError(`Headers: '${string}' is not a valid header name`);
    }
    return string.toLowerCase();
  }

  const isHttpWhitespace = (code) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;

  function normalizeValue(value) {
    let string = internal.toDOMString(value);
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
    // [lowercased name, value] pairs in the order they were added.
    #list = [];
    #sorted = null;

    constructor(init = undefined) {
      if (init === undefined) return;
      if (typeof init !== 'object' || init === null) {
        throw new TypeError('Headers: init must be an object');
      }
      if (#list in init) {
        this.#list = init.#list.map(([name, value]) => [name, value]);
      } else if (typeof init[Symbol.iterator] === 'function') {
        for (const pair of init) {
          if (typeof pair !== 'object' || pair === null || typeof pair[Symbol.iterator] !== 'function') {
            throw new TypeError('Headers: each header must be a [name, value] pair');
          }
          const items = [...pair];
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
      this.#list.push([normalizeName(name), normalizeValue(value)]);
      this.#sorted = null;
    }

    delete(name) {
      name = normalizeName(name);
      this.#list = this.#list.filter(([n]) => n !== name);
      this.#sorted = null;
    }

    get(name) {
      name = normalizeName(name);
      const values = this.#list.filter(([n]) => n === name).map(([, v]) => v);
      return values.length === 0 ? null : values.join(', ');
    }

    getSetCookie() {
      return this.#list.filter(([n]) => n === 'set-cookie').map(([, v]) => v);
    }

    has(name) {
      name = normalizeName(name);
      return this.#list.some(([n]) => n === name);
    }

    set(name, value) {
      name = normalizeName(name);
      value = normalizeValue(value);
      const index = this.#list.findIndex(([n]) => n === name);
      if (index === -1) {
        this.#list.push([name, value]);
      } else {
        this.#list[index] = [name, value];
        this.#list = this.#list.filter(([n], i) => i <= index || n !== name);
      }
      this.#sorted = null;
    }

    forEach(callback, thisArg = undefined) {
      if (typeof callback !== 'function') {
        throw new TypeError('Headers.forEach: the callback is not a function');
      }
      for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
    }

    *entries() {
      for (let i = 0; i < this.#sortAndCombine().length; i++) {
        yield [...this.#sortAndCombine()[i]];
      }
    }

    *keys() {
      for (const [name] of this.entries()) yield name;
    }

    *values() {
      for (const [, value] of this.entries()) yield value;
    }

    // One pass over the list: names are already normalized, so this need
    // not go through `get` (and its name validation) once per name.
    #sortAndCombine() {
      if (this.#sorted === null) {
        const combined = new Map();
        const cookies = [];
        for (const [name, value] of this.#list) {
          if (name === 'set-cookie') {
            cookies.push(value);
          } else {
            const previous = combined.get(name);
            combined.set(name, previous === undefined ? value : `${previous}, ${value}`);
          }
        }
        const names = [...combined.keys()];
        if (cookies.length > 0) names.push('set-cookie');
        names.sort();
        this.#sorted = names.flatMap((name) =>
          name === 'set-cookie' ? cookies.map((value) => [name, value]) : [[name, combined.get(name)]],
        );
      }
      return this.#sorted;
    }

    static {
      internal.isHeaders = (value) => typeof value === 'object' && value !== null && #list in value;
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
