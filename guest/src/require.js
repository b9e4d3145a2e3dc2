// CommonJS `require` for the guest. `natives` are the guest's bridges to
// the host's `modules` interface: `resolve(referrer, specifier)` and
// `read(path)`, which throw errors carrying Node's `code`s, and
// `compile(source, filename)`, which evaluates a script so that stack
// traces name `filename`.
//
// A required file runs in Node's wrapper function, with `exports`,
// `require`, `module`, `__filename` and `__dirname`; `.json` files are
// parsed. The cache is per run (a run starts from the snapshot, where it is
// empty) and exposed as `require.cache`. Bare specifiers (`lodash`) are not
// resolved: there is no `node_modules` lookup.
(function installRequire(natives) {
  'use strict';
  const cache = Object.create(null);

  const dirname = (path) => {
    const slash = path.lastIndexOf('/');
    return slash <= 0 ? '/' : path.slice(0, slash);
  };

  function load(path) {
    const cached = cache[path];
    if (cached !== undefined) return cached.exports;
    const module = { id: path, filename: path, path: dirname(path), exports: {}, loaded: false };
    cache[path] = module;
    try {
      const source = natives.read(path);
      if (path.endsWith('.json')) {
        module.exports = JSON.parse(source);
      } else {
        // The wrapper opens on the first line so that line numbers match.
        const wrapper = natives.compile(
          '(function (exports, require, module, __filename, __dirname) {' + source + '\n})',
          path,
        );
        Reflect.apply(wrapper, module.exports, [module.exports, makeRequire(path), module, path, module.path]);
      }
    } catch (error) {
      delete cache[path];
      throw error;
    }
    module.loaded = true;
    return module.exports;
  }

  function makeRequire(referrer) {
    function require(specifier) {
      if (typeof specifier !== 'string' || specifier === '') {
        throw new TypeError('The "id" argument must be a non-empty string');
      }
      return load(natives.resolve(referrer, specifier));
    }
    require.resolve = (specifier) => natives.resolve(referrer, String(specifier));
    require.cache = cache;
    return require;
  }

  /** Gives the main script `require`, `module`, `exports`, `__filename` and `__dirname`. */
  return function installMain(path) {
    const module = { id: '.', filename: path, path: dirname(path), exports: {}, loaded: false };
    const define = (name, value) =>
      Object.defineProperty(globalThis, name, { value, writable: true, configurable: true });
    define('require', makeRequire(path));
    define('module', module);
    define('exports', module.exports);
    define('__filename', path);
    define('__dirname', module.path);
  };
})
