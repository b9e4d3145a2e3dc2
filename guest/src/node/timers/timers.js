// `node:timers`: the global timer functions as a module. Divergence:
// Node's `Timeout` objects are not provided (timer ids are integers, as on
// the web).
(function timers(builtin) {
  'use strict';
  return {
    setTimeout: globalThis.setTimeout,
    setInterval: globalThis.setInterval,
    clearTimeout: globalThis.clearTimeout,
    clearInterval: globalThis.clearInterval,
    setImmediate: globalThis.setImmediate,
    clearImmediate: globalThis.clearImmediate,
    get promises() {
      return builtin('timers/promises');
    },
  };
})
