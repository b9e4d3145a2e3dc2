// Modules the embedder implements in Rust (`host:db`...). `natives` are the
// guest's bridges to the host's `host-functions` interface:
// `functions(module)`, the function names, and `call(module, name, json)`,
// which returns JSON text; both throw errors carrying the host's `code`.
//
// A module is a frozen object of functions, made on first use and cached
// for the run (a run starts from the snapshot, where the cache is empty).
// JSON is captured here so that a script replacing `JSON` cannot change how
// values cross.
(function installHostModules(natives) {
  'use strict';
  const { parse, stringify } = JSON;
  const cache = new Map();

  function hostModule(module) {
    module = String(module);
    let exports = cache.get(module);
    if (exports !== undefined) return exports;
    exports = Object.create(null);
    for (const name of natives.functions(module)) {
      // A method definition gives the function its name and no prototype.
      exports[name] = {
        [name](...args) {
          return parse(natives.call(module, name, stringify(args)));
        },
      }[name];
    }
    Object.freeze(exports);
    cache.set(module, exports);
    return exports;
  }

  Object.defineProperty(globalThis, Symbol.for('jsbox.hostModule'), { value: hostModule });
  return hostModule;
})
