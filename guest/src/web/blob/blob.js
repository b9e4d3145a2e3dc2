// `Blob` and `File` (File API §3–4).
//
// A Blob holds its bytes in memory. Parts may be strings (UTF-8 encoded,
// lone surrogates replaced), ArrayBuffers, ArrayBuffer views and Blobs;
// `endings: 'native'` turns line breaks into `\n`. `type` is lowercased, or
// emptied when it has a character outside U+0020–U+007E. `slice` follows the
// spec's clamping of negative and out-of-range indices.
// Divergences: there is no `stream()` (no ReadableStream yet); `text()`,
// `arrayBuffer()` and `bytes()` resolve with data already in memory.
(function blob(internal) {
  'use strict';

  const { Uint8Array, Promise } = globalThis;

  function normalizeType(type) {
    const string = internal.toDOMString(type);
    return /^[\u0020-\u007e]*$/.test(string) ? string.toLowerCase() : '';
  }

  function convertParts(blobParts, endings) {
    if (blobParts === undefined) return new Uint8Array(0);
    if (typeof blobParts !== 'object' || blobParts === null || !(Symbol.iterator in blobParts)) {
      throw new TypeError('Blob: the parts must be an iterable object');
    }
    const chunks = [];
    for (const part of blobParts) {
      if (internal.isBlob(part)) {
        chunks.push(internal.blobBytes(part));
      } else {
        const bytes = internal.copyBytes(part);
        if (bytes !== null) {
          chunks.push(bytes);
        } else {
          let text = internal.toUSVString(part);
          if (endings === 'native') text = text.replace(/\r\n?/g, '\n');
          chunks.push(internal.utf8Encode(text));
        }
      }
    }
    return internal.concatBytes(chunks);
  }

  function relativeIndex(index, size) {
    if (index === undefined) return undefined;
    const integer = Math.trunc(Number(index)) || 0;
    return integer < 0 ? Math.max(size + integer, 0) : Math.min(integer, size);
  }

  class Blob {
    // Never modified once set, so slices and bodies may share it.
    #bytes;
    #type;

    constructor(blobParts = undefined, options = {}) {
      const endings = options?.endings === undefined ? 'transparent' : `${options.endings}`;
      if (endings !== 'transparent' && endings !== 'native') {
        throw new TypeError(`Blob: '${endings}' is not a valid value for endings`);
      }
      this.#bytes = convertParts(blobParts, endings);
      this.#type = options?.type === undefined ? '' : normalizeType(options.type);
    }

    get size() {
      return this.#bytes.length;
    }

    get type() {
      return this.#type;
    }

    slice(start = undefined, end = undefined, contentType = undefined) {
      const size = this.#bytes.length;
      const from = relativeIndex(start, size) ?? 0;
      const to = relativeIndex(end, size) ?? size;
      const blob = new Blob();
      blob.#bytes = this.#bytes.subarray(from, Math.max(to, from));
      blob.#type = contentType === undefined ? '' : normalizeType(contentType);
      return blob;
    }

    text() {
      return Promise.resolve(this.#bytes).then(internal.utf8Decode);
    }

    arrayBuffer() {
      return Promise.resolve(this.#bytes).then((bytes) => bytes.slice().buffer);
    }

    bytes() {
      return Promise.resolve(this.#bytes).then((bytes) => bytes.slice());
    }

    static {
      internal.isBlob = (value) => typeof value === 'object' && value !== null && #bytes in value;
      internal.blobBytes = (blob) => blob.#bytes;
    }
  }

  class File extends Blob {
    #name;
    #lastModified;

    constructor(fileBits, fileName, options = {}) {
      if (arguments.length < 2) {
        throw new TypeError('File: the bits and the name are required');
      }
      super(fileBits, options);
      this.#name = internal.toUSVString(fileName);
      this.#lastModified =
        options?.lastModified === undefined ? Date.now() : Math.trunc(Number(options.lastModified)) || 0;
    }

    get name() {
      return this.#name;
    }

    get lastModified() {
      return this.#lastModified;
    }

    static {
      internal.isFile = (value) => typeof value === 'object' && value !== null && #name in value;
    }
  }

  internal.brand(Blob);
  internal.brand(File);
  internal.defineGlobals({ Blob, File });
})
