// `CompressionStream` and `DecompressionStream` (the Compression standard)
// for 'gzip', 'deflate' (zlib) and 'deflate-raw': each holds a
// `TransformStream` whose transformer feeds `node:zlib`'s Rust natives
// (`internal.zlib`, see node/zlib/mod.rs), which give at most 64 KiB of
// output per call, so a decompression bomb is bounded by what the reader
// keeps, inside the sandbox's memory cap.
// Chunks must be `BufferSource`s (else `TypeError`); corrupt or truncated
// input, and data after the end of a deflate stream, error the stream with
// a `TypeError`. A gzip stream may hold several members.
(function compression(internal) {
  'use strict';

  const { ArrayBuffer, TransformStream, TypeError, Uint8Array } = globalThis;
  const native = internal.zlib;
  // `node:zlib`'s modes (compress, decompress) and flush values.
  const MODES = { gzip: [3, 4], deflate: [1, 2], 'deflate-raw': [5, 6] };
  const Z_NO_FLUSH = 0;
  const Z_FINISH = 4;
  const CHUNK = 64 * 1024;
  const MORE_OUTPUT = 1;
  const ENDED = 2;
  const FAILED = 3;

  function bytesOf(chunk, name) {
    if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
    throw new TypeError(`${name}: a chunk must be an ArrayBuffer or an ArrayBufferView`);
  }

  // A transformer over a new native stream of `mode`.
  function transformer(mode, name, decompressing) {
    let handle = native.zlibNew(mode, -1, 0, 0);
    let ended = false;
    const close = () => {
      if (handle !== null) native.close(handle);
      handle = null;
    };
    const feed = (bytes, flush, controller) => {
      let offset = 0;
      for (;;) {
        const [used, output, status, failure] = native.process(handle, flush, bytes.buffer,
          bytes.byteOffset + offset, bytes.byteLength - offset, CHUNK);
        if (status === FAILED) throw new TypeError(`${name}: ${failure[2]}`);
        offset += used;
        if (output !== null) controller.enqueue(new Uint8Array(output));
        if (status === ENDED) ended = true;
        if (status !== MORE_OUTPUT) break;
      }
      if (decompressing && ended && offset < bytes.byteLength) {
        throw new TypeError(`${name}: data after the end of the compressed stream`);
      }
    };
    const guarded = (work) => (...args) => {
      if (handle === null) throw new TypeError(`${name}: the stream has failed`);
      try {
        work(...args);
      } catch (error) {
        close();
        throw error;
      }
    };
    return {
      transform: guarded((chunk, controller) => feed(bytesOf(chunk, name), Z_NO_FLUSH, controller)),
      flush: guarded((controller) => {
        feed(new Uint8Array(0), Z_FINISH, controller);
        close();
      }),
    };
  }

  function format(value, name) {
    const format = String(value);
    if (!Object.hasOwn(MODES, format)) {
      throw new TypeError(`${name}: unsupported compression format '${format}'`);
    }
    return MODES[format];
  }

  class CompressionStream {
    #transform;

    constructor(compressionFormat) {
      const [mode] = format(compressionFormat, 'CompressionStream');
      this.#transform = new TransformStream(transformer(mode, 'CompressionStream', false));
    }

    get readable() { return this.#transform.readable; }

    get writable() { return this.#transform.writable; }
  }

  class DecompressionStream {
    #transform;

    constructor(compressionFormat) {
      const [, mode] = format(compressionFormat, 'DecompressionStream');
      this.#transform = new TransformStream(transformer(mode, 'DecompressionStream', true));
    }

    get readable() { return this.#transform.readable; }

    get writable() { return this.#transform.writable; }
  }

  internal.brand(CompressionStream);
  internal.brand(DecompressionStream);
  internal.defineGlobals({ CompressionStream, DecompressionStream });
})
