// Node's `global`, `Buffer` and `process` globals. `global` is
// `globalThis`, writable as in Node. `Buffer` and `process` are accessors on the global
// object, defined once (in the snapshot), that load their module on first
// read in a run, so a run that never uses them pays nothing; assigning
// either replaces it for the rest of the run, as assigning a Node global
// does.
(function defineNodeGlobals(builtin) {
  'use strict';
  Object.defineProperty(globalThis, 'global', { value: globalThis, writable: true, configurable: true });
  const globals = {
    Buffer: () => builtin('buffer').Buffer,
    process: () => builtin('process'),
  };
  for (const [name, load] of Object.entries(globals)) {
    let override;
    let overridden = false;
    Object.defineProperty(globalThis, name, {
      get: () => (overridden ? override : load()),
      set: (value) => {
        override = value;
        overridden = true;
      },
      configurable: true,
    });
  }
})
