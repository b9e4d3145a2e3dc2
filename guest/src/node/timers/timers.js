// `node:timers`: the global timer functions as a module. Divergence:
// `setImmediate`/`clearImmediate` and Node's `Timeout` objects are not
// provided (timer ids are integers, as on the web).
(function timers(builtin) {
  'use strict';
  return {
    setTimeout: globalThis.setTimeout,
    setInterval: globalThis.setInterval,
    clearTimeout: globalThis.clearTimeout,
    clearInterval: globalThis.clearInterval,
    get promises() {
      return builtin('timers/promises');
    },
  };
})
