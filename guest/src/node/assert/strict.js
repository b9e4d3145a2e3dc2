// `node:assert/strict`: `assert` in strict mode (`equal` is
// `strictEqual`, `deepEqual` is `deepStrictEqual`...).
(function assertStrict(builtin) {
  'use strict';
  return builtin('assert').strict;
})
