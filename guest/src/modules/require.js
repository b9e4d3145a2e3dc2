// CommonJS `require` for the guest, and the CommonJS side of ES module
// interop. `natives` are the guest's bridges to the host's `modules`
// interface: `resolve(referrer, specifier, mode)` (`{ path, format }`, the
// format as Node decides it: 'esm', 'commonjs', 'json' or 'ambiguous' for a
// `.js` file with no package `type`) and `read(path)`, which throw errors
// carrying Node's `code`s; `declaresModule(path, source)`, whether `source`
// parses as an ES module (declaring it, so a later `import` finds it);
// `requireModule(path)`, the namespace of the ES module at `path`,
// evaluated now (it throws `ERR_REQUIRE_ASYNC_MODULE` for a graph with
// top-level `await`);
// `lexer`, npm's cjs-module-lexer (`cjs_module_lexer.js`);
// `compile(source, filename)`, which evaluates a script so that stack
// traces name `filename`; and `builtin(name)`, the exports of a built-in
// module (`timers`, `node:timers`) or `undefined`; and `hostModule(name)`,
// the exports of the embedder's module `host:name`, which throws when the
// run may not use it.
//
// A required file runs in Node's wrapper function, with `exports`,
// `require`, `module`, `__filename` and `__dirname`; `.json` files are
// parsed. The cache is per run (a run starts from the snapshot, where it is
// empty) and exposed as `require.cache`; `import` of a CommonJS module
// shares it, as in Node. Bare specifiers go through the host's Node
// resolution (`node_modules`, `exports` with the `require` condition).
//
// Formats and interop follow Node 20.19+ (and 22.12+): a `.js` file with no
// `type` in its package is CommonJS unless it only parses as an ES module
// (syntax detection), and `require` of an ES module returns its namespace
// when its graph has no top-level `await` (`require(esm)`).
(function installRequire(natives) {
  'use strict';
  const cache = Object.create(null);
  // CommonJS wrappers `esmView` compiled for `import`, run by `load`.
  const compiled = new Map();

  const dirname = (path) => {
    const slash = path.lastIndexOf('/');
    return slash <= 0 ? '/' : path.slice(0, slash);
  };

  const wrap = (source, path) =>
    // The wrapper opens on the first line so that line numbers match.
    natives.compile('(function (exports, require, module, __filename, __dirname) {' + source + '\n})', path);

  function requireEsm(path) {
    const namespace = natives.requireModule(path);
    cache[path] = { id: path, filename: path, path: dirname(path), exports: namespace, loaded: true };
    return namespace;
  }

  function load({ path, format }) {
    const cached = cache[path];
    if (cached !== undefined) return cached.exports;
    if (format === 'esm') return requireEsm(path);
    let wrapper = compiled.get(path);
    compiled.delete(path);
    let source;
    if (wrapper === undefined) {
      source = natives.read(path);
      if (format !== 'json') {
        try {
          wrapper = wrap(source, path);
        } catch (error) {
          if (format === 'ambiguous' && error instanceof SyntaxError && natives.declaresModule(path, source)) {
            return requireEsm(path);
          }
          throw error;
        }
      }
    }
    const module = { id: path, filename: path, path: dirname(path), exports: {}, loaded: false };
    cache[path] = module;
    try {
      if (format === 'json') {
        module.exports = JSON.parse(source);
      } else {
        Reflect.apply(wrapper, module.exports, [module.exports, makeRequire(path), module, path, module.path]);
      }
    } catch (error) {
      delete cache[path];
      throw error;
    }
    module.loaded = true;
    return module.exports;
  }

  // The names Node gives a CommonJS module's named exports: what
  // cjs-module-lexer finds, and what it finds in the CommonJS modules it
  // re-exports (`module.exports = require('./x')`, `__exportStar`).
  function exportNames(path, source, seen) {
    if (seen.has(path)) return [];
    seen.add(path);
    let found;
    try {
      found = natives.lexer.parse(source, path);
    } catch {
      return [];
    }
    const names = new Set(found.exports);
    for (const specifier of found.reexports) {
      if (natives.builtin(specifier) !== undefined) continue;
      let target;
      try {
        target = natives.resolve(path, specifier, 'require');
      } catch {
        continue;
      }
      if (target.format !== 'commonjs' && target.format !== 'ambiguous') continue;
      let reexported;
      try {
        reexported = natives.read(target.path);
      } catch {
        continue;
      }
      for (const name of exportNames(target.path, reexported, seen)) names.add(name);
    }
    names.delete('default');
    return [...names];
  }

  // What `import` of the CommonJS file at `path` (with `source`) exports:
  // its named export names, its wrapper compiled for `load`; or `null` when
  // an ambiguous `.js` file does not compile as CommonJS, to be tried as an
  // ES module.
  function esmView(path, source, format) {
    let wrapper;
    try {
      wrapper = wrap(source, path);
    } catch (error) {
      if (format === 'ambiguous' && error instanceof SyntaxError) return null;
      throw error;
    }
    compiled.set(path, wrapper);
    return exportNames(path, source, new Set());
  }

  // How the generated ES module of a CommonJS file gets its exports.
  Object.defineProperty(globalThis, Symbol.for('jsbox.require'), {
    value: (path) => load({ path, format: 'commonjs' }),
  });

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
      return load(natives.resolve(referrer, specifier, 'require'));
    }
    require.resolve = (specifier) => natives.resolve(referrer, String(specifier), 'require').path;
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

  return {
    /** Makes `path` the main script of this run. */
    installMain(path) {
      mainPath = path;
    },
    esmView,
  };
})
