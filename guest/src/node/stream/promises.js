// `node:stream/promises`: `pipeline` and `finished` returning promises,
// from the `node:stream` port.
(function streamPromises(builtin) {
  'use strict';
  return builtin('stream').promises;
})
