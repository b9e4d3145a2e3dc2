// `node:console`: the global console object, as it is when the module is
// first imported or required in a run. Divergence: Node hands out its
// original console even after `globalThis.console` was replaced.
(function consoleModule() {
  'use strict';
  const { console } = globalThis;
  return console;
})
