// `node:path`: POSIX paths, from the npm `path-browserify` port
// (node/vendor/path.js, Node 10's `path.posix`). `resolve` resolves against
// `process.cwd()`, which is '/'. Divergences from Node: `path.win32` is
// absent (jsbox paths are POSIX), as are `matchesGlob` and `toNamespacedPath`
// other than the identity.
(function path(builtin, internal) {
  'use strict';
  const posix = internal.vendor('path');
  posix.toNamespacedPath = (p) => p;
  return posix;
})
