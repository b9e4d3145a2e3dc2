// `node:stream`: the npm `readable-stream` port (node/vendor/readable_stream.js,
// Node 18's streams): the legacy `Stream` class as the export, with
// `Readable`, `Writable`, `Duplex`, `Transform`, `PassThrough`,
// `pipeline`, `finished`, `compose`, `addAbortSignal` and `promises` on it.
// Divergences from Node: no web-stream adapters (`Readable.fromWeb`,
// `toWeb` throw: the port does not adapt jsbox's `ReadableStream`).
(function stream(builtin, internal) {
  'use strict';
  return internal.vendor('readable_stream');
})
