// URL and URLSearchParams; see url.rs.
(function (native, helpers) {
  const { usv, defineGlobal, toStringTag } = helpers;
  const iteratorSymbol = Symbol.iterator;

  // Indexes into the components array made by url.rs.
  const HREF = 0, ORIGIN = 1, PROTOCOL = 2, USERNAME = 3, PASSWORD = 4, HOST = 5,
    HOSTNAME = 6, PORT = 7, PATHNAME = 8, SEARCH = 9, HASH = 10;

  // Reach into the other class's private state (set in static blocks).
  let setList, attachURL, setQuery, listOf;

  const queryOf = (search) => (search === '' ? '' : search.slice(1));

  // WebIDL pair iterators: they read the live list, and their prototype
  // is a `URLSearchParams Iterator` inheriting from %IteratorPrototype%.
  const ENTRIES = 0, KEYS = 1, VALUES = 2;
  class ParamsIterator {
    #params;
    #kind;
    #index = 0;

    constructor(params, kind) {
      this.#params = params;
      this.#kind = kind;
    }

    next() {
      const list = listOf(this.#params);
      const i = this.#index;
      if (i >= list.length) return { value: undefined, done: true };
      this.#index = i + 2;
      const value = this.#kind === ENTRIES ? [list[i], list[i + 1]] : list[i + this.#kind - 1];
      return { value, done: false };
    }
  }
  Object.setPrototypeOf(
    ParamsIterator.prototype,
    Object.getPrototypeOf(Object.getPrototypeOf([][iteratorSymbol]())),
  );
  delete ParamsIterator.prototype.constructor;
  toStringTag(ParamsIterator, 'URLSearchParams Iterator');

  class URLSearchParams {
    // Flat [name, value, name, value...] list.
    #list = [];
    #url = null;

    static {
      setList = (params, list) => {
        params.#list = list;
      };
      attachURL = (params, url) => {
        params.#url = url;
      };
      listOf = (params) => params.#list;
    }

    constructor(init = '') {
      if (typeof init === 'object' && init !== null || typeof init === 'function') {
        const method = init[iteratorSymbol];
        if (method !== undefined && method !== null) {
          if (typeof method !== 'function') {
            throw new TypeError('URLSearchParams: init[Symbol.iterator] is not a function');
          }
          for (const pair of { [iteratorSymbol]: () => method.call(init) }) {
            if (typeof pair !== 'object' || pair === null || typeof pair[iteratorSymbol] !== 'function') {
              throw new TypeError('URLSearchParams: each pair must be an iterable [name, value]');
            }
            const items = [...pair];
            if (items.length !== 2) {
              throw new TypeError('URLSearchParams: each pair must have exactly two items');
            }
            this.#list.push(usv(items[0]), usv(items[1]));
          }
        } else {
          // A record<USVString, USVString>: own enumerable string keys.
          for (const key of Reflect.ownKeys(init)) {
            if (typeof key !== 'string') continue;
            const descriptor = Reflect.getOwnPropertyDescriptor(init, key);
            if (descriptor !== undefined && descriptor.enumerable) {
              this.#list.push(usv(key), usv(init[key]));
            }
          }
        }
      } else {
        let query = usv(init);
        if (query[0] === '?') query = query.slice(1);
        this.#list = native.parseQuery(query);
      }
    }

    #update() {
      if (this.#url !== null) setQuery(this.#url, native.serializeQuery(this.#list));
    }

    get size() {
      return this.#list.length / 2;
    }

    append(name, value) {
      this.#list.push(usv(name), usv(value));
      this.#update();
    }

    delete(name, value = undefined) {
      name = usv(name);
      value = value === undefined ? undefined : usv(value);
      const list = this.#list;
      const kept = [];
      for (let i = 0; i < list.length; i += 2) {
        if (list[i] !== name || (value !== undefined && list[i + 1] !== value)) {
          kept.push(list[i], list[i + 1]);
        }
      }
      this.#list = kept;
      this.#update();
    }

    get(name) {
      name = usv(name);
      const list = this.#list;
      for (let i = 0; i < list.length; i += 2) {
        if (list[i] === name) return list[i + 1];
      }
      return null;
    }

    getAll(name) {
      name = usv(name);
      const list = this.#list;
      const values = [];
      for (let i = 0; i < list.length; i += 2) {
        if (list[i] === name) values.push(list[i + 1]);
      }
      return values;
    }

    has(name, value = undefined) {
      name = usv(name);
      value = value === undefined ? undefined : usv(value);
      const list = this.#list;
      for (let i = 0; i < list.length; i += 2) {
        if (list[i] === name && (value === undefined || list[i + 1] === value)) return true;
      }
      return false;
    }

    set(name, value) {
      name = usv(name);
      value = usv(value);
      const list = this.#list;
      const kept = [];
      let found = false;
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
      this.#update();
    }

    sort() {
      // Stable sort by name, comparing UTF-16 code units (what `<` does).
      const pairs = [];
      for (let i = 0; i < this.#list.length; i += 2) {
        pairs.push([this.#list[i], this.#list[i + 1], i]);
      }
      pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[2] - b[2]));
      this.#list = pairs.flatMap(([name, value]) => [name, value]);
      this.#update();
    }

    forEach(callback, thisArg = undefined) {
      if (typeof callback !== 'function') {
        throw new TypeError('URLSearchParams.forEach: callback is not a function');
      }
      for (let i = 0; i < this.#list.length; i += 2) {
        callback.call(thisArg, this.#list[i + 1], this.#list[i], this);
      }
    }

    entries() {
      return new ParamsIterator(this, ENTRIES);
    }

    keys() {
      return new ParamsIterator(this, KEYS);
    }

    values() {
      return new ParamsIterator(this, VALUES);
    }

    toString() {
      return native.serializeQuery(this.#list);
    }
  }
  Object.defineProperty(URLSearchParams.prototype, iteratorSymbol, {
    value: URLSearchParams.prototype.entries,
    writable: true,
    configurable: true,
  });

  class URL {
    #parts;
    // Made on first use: most URLs never have their `searchParams` read.
    #searchParams = null;

    static {
      setQuery = (url, query) => {
        url.#parts = native.set(url.#parts[HREF], SEARCH, query);
      };
    }

    constructor(url, base = undefined) {
      if (arguments.length < 1) {
        throw new TypeError('URL: 1 argument required, but only 0 present');
      }
      const input = usv(url);
      const parts = native.parse(input, base === undefined ? undefined : usv(base));
      if (parts === undefined) {
        throw new TypeError(`Invalid URL: ${input}`);
      }
      this.#parts = parts;
    }

    static canParse(url, base = undefined) {
      if (arguments.length < 1) {
        throw new TypeError('URL.canParse: 1 argument required, but only 0 present');
      }
      return native.parse(usv(url), base === undefined ? undefined : usv(base)) !== undefined;
    }

    static parse(url, base = undefined) {
      if (arguments.length < 1) {
        throw new TypeError('URL.parse: 1 argument required, but only 0 present');
      }
      try {
        return new URL(url, base);
      } catch {
        return null;
      }
    }

    #set(field, value) {
      this.#parts = native.set(this.#parts[HREF], field, usv(value));
    }

    get href() {
      return this.#parts[HREF];
    }

    set href(value) {
      const input = usv(value);
      const parts = native.set(this.#parts[HREF], HREF, input);
      if (parts === undefined) throw new TypeError(`Invalid URL: ${input}`);
      this.#parts = parts;
      this.#syncSearchParams();
    }

    get origin() {
      return this.#parts[ORIGIN];
    }

    get protocol() {
      return this.#parts[PROTOCOL];
    }

    set protocol(value) {
      this.#set(PROTOCOL, value);
    }

    get username() {
      return this.#parts[USERNAME];
    }

    set username(value) {
      this.#set(USERNAME, value);
    }

    get password() {
      return this.#parts[PASSWORD];
    }

    set password(value) {
      this.#set(PASSWORD, value);
    }

    get host() {
      return this.#parts[HOST];
    }

    set host(value) {
      this.#set(HOST, value);
    }

    get hostname() {
      return this.#parts[HOSTNAME];
    }

    set hostname(value) {
      this.#set(HOSTNAME, value);
    }

    get port() {
      return this.#parts[PORT];
    }

    set port(value) {
      this.#set(PORT, value);
    }

    get pathname() {
      return this.#parts[PATHNAME];
    }

    set pathname(value) {
      this.#set(PATHNAME, value);
    }

    get search() {
      return this.#parts[SEARCH];
    }

    set search(value) {
      this.#set(SEARCH, value);
      this.#syncSearchParams();
    }

    #syncSearchParams() {
      if (this.#searchParams !== null) {
        setList(this.#searchParams, native.parseQuery(queryOf(this.#parts[SEARCH])));
      }
    }

    get searchParams() {
      if (this.#searchParams === null) {
        this.#searchParams = new URLSearchParams(queryOf(this.#parts[SEARCH]));
        attachURL(this.#searchParams, this);
      }
      return this.#searchParams;
    }

    get hash() {
      return this.#parts[HASH];
    }

    set hash(value) {
      this.#set(HASH, value);
    }

    toString() {
      return this.#parts[HREF];
    }

    toJSON() {
      return this.#parts[HREF];
    }
  }

  toStringTag(URLSearchParams, 'URLSearchParams');
  toStringTag(URL, 'URL');
  defineGlobal('URLSearchParams', URLSearchParams);
  defineGlobal('URL', URL);
})
