// `node:punycode` (deprecated in Node, still present): the npm `punycode`
// port (vendor/punycode.js) that Node itself bundles.
(function punycode(builtin, internal) {
  'use strict';
  return internal.vendor('punycode');
})
