// The loader of Node's built-in modules: `(names, loadModule, unsupported,
// loadVendored, loadPart, native, getFormatter) => builtin`.
//
// `builtin(name)` (`node:` prefix optional) is the exports of a built-in
// module, made on first use in a run by calling its factory with
// `(builtin, internal)` and cached for the run; `undefined` for an unknown
// name. `names` are the modules jsbox provides (with the prefix for those
// only `node:` names reach), `loadModule(name)` the
// factory of one (evaluated from its bytecode), `unsupported` the throwing
// factories of the modules jsbox refuses. `internal` is never reachable
// from scripts: `vendor(name)` is an npm port (`loadVendored(name)` is its
// factory, called with `builtin`), `part(name)` an internal part of a
// module (`crypto/cipher`; `loadPart(name)` is its factory, called like a
// module's and cached alike), `native` the Rust natives, and
// `formatter` the `{ inspect, format }` of `console`, fetched on first use
// (`console` is installed after this file).
//
// The loader is also `globalThis[Symbol.for('jsbox.builtin')]`, so that
// the source the ES module loader generates can reach it (the modules are
// public, so reaching them this way grants nothing).
(function loader(names, loadModule, unsupported, loadVendored, loadPart, native, getFormatter) {
  'use strict';
  // A name listed with its `node:` prefix (`node:test`) answers only to
  // that name, as in Node.
  const prefixOnly = new Set(names.filter((n) => n.startsWith('node:')).map((n) => n.slice(5)));
  const known = new Set(names.map((n) => (n.startsWith('node:') ? n.slice(5) : n)));
  const cache = new Map();
  const builtin = (name) => {
    name = String(name);
    if (prefixOnly.has(name)) return undefined;
    if (name.startsWith('node:')) name = name.slice(5);
    const factory = Object.hasOwn(unsupported, name) ? unsupported[name]
      : known.has(name) ? null : undefined;
    if (factory === undefined) return undefined;
    if (!cache.has(name)) cache.set(name, (factory || loadModule(name))(builtin, internal));
    return cache.get(name);
  };
  const vendorCache = new Map();
  const vendor = (name) => {
    if (!vendorCache.has(name)) vendorCache.set(name, loadVendored(name)(builtin));
    return vendorCache.get(name);
  };
  const partCache = new Map();
  const part = (name) => {
    if (!partCache.has(name)) partCache.set(name, loadPart(name)(builtin, internal));
    return partCache.get(name);
  };
  const internal = Object.freeze({ vendor, part, native, get formatter() { return getFormatter(); } });
  Object.defineProperty(globalThis, Symbol.for('jsbox.builtin'), { value: builtin });
  return builtin;
})
