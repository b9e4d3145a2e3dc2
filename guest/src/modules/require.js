// CommonJS `require` for the guest. `natives` are the guest's bridges to
// the host's `modules` interface: `resolve(referrer, specifier)` and
// `read(path)`, which throw errors carrying Node's `code`s;
// `compile(source, filename)`, which evaluates a script so that stack
// traces name `filename`; and `builtin(name)`, the exports of a built-in
// module (`timers`, `node:timers`) or `undefined`; and `hostModule(name)`,
// the exports of the embedder's module `host:name`, which throws when the
// run may not use it.
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
      if (specifier.startsWith('host:')) return natives.hostModule(specifier.slice(5));
      const builtin = natives.builtin(specifier);
      if (builtin !== undefined) return builtin;
      if (specifier.startsWith('node:')) {
        const error = new Error(`No such built-in module: ${specifier}`);
        error.code = 'ERR_UNKNOWN_BUILTIN_MODULE';
        throw error;
      }
      return load(natives.resolve(referrer, specifier));
    }
    require.resolve = (specifier) => natives.resolve(referrer, String(specifier));
    require.cache = cache;
    return require;
  }

  // The main script's `require`, `module`, `exports`, `__filename` and
  // `__dirname` are accessors on the global object, defined once here (in
  // the snapshot) and backed by per-run state made on first use. Adding
  // five globals in every run would reshape the global object each time,
  // which costs more than a small script does. They read as `undefined`
  // outside a classic script (ES modules have none of them, as in Node);
  // assigning one replaces it for the rest of the run.
  let mainPath;
  const overrides = new Map();
  let mainModule;
  let mainRequire;
  const main = () => {
    if (mainModule === undefined && mainPath !== undefined) {
      mainModule = { id: '.', filename: mainPath, path: dirname(mainPath), exports: {}, loaded: false };
    }
    return mainModule;
  };
  const getters = {
    require: () => {
      if (mainRequire === undefined && mainPath !== undefined) mainRequire = makeRequire(mainPath);
      return mainRequire;
    },
    module: () => main(),
    exports: () => main() && main().exports,
    __filename: () => mainPath,
    __dirname: () => main() && main().path,
  };
  for (const [name, get] of Object.entries(getters)) {
    Object.defineProperty(globalThis, name, {
      get: () => (overrides.has(name) ? overrides.get(name) : get()),
      set: (value) => overrides.set(name, value),
      configurable: true,
    });
  }

  /** Makes `path` the main script of this run. */
  return function installMain(path) {
    mainPath = path;
  };
})
