// `node:path/posix`: the same module as `node:path`.
(function pathPosix(builtin) {
  'use strict';
  return builtin('path');
})
