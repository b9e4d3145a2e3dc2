// Node built-ins jsbox will not provide: importing or requiring one throws
// an `Error` with `code: 'ERR_UNSUPPORTED'` that names the module and says
// why, at import time rather than at first call, so a script learns at
// once that it cannot run here. `(name, reason) => factory`.
(function unsupported(name, reason) {
  'use strict';
  return function unsupportedModule() {
    const error = new Error(`The module 'node:${name}' is not supported in jsbox: ${reason}`);
    error.code = 'ERR_UNSUPPORTED';
    error.module = `node:${name}`;
    throw error;
  };
})
