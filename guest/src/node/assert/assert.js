// `node:assert`: the npm `assert` port (node/vendor/assert.js, Node 10's assert
// with its `AssertionError` diffs), printing values with `node:util`'s
// `inspect`. Divergences from Node: messages and diffs follow Node 10's
// wording (`Expected values to be strictly deep-equal:`, `+ actual -
// expected`), which later Node versions reworded; no `assert.CallTracker`
// and no `assert.partialDeepStrictEqual`; `assert(false)` with no message
// says "No value argument passed to `assert.ok()`" where Node quotes the
// failing source line.
(function assert(builtin, internal) {
  'use strict';
  return internal.vendor('assert');
})
