// `node:string_decoder`: the npm `string_decoder` port
// (vendor/string_decoder.js), over jsbox's `Buffer`. No divergence known
// beyond the port's: it supports utf8, utf16le, base64 and passes the
// other encodings to `buf.toString`.
(function stringDecoder(builtin, internal) {
  'use strict';
  return internal.vendor('string_decoder');
})
