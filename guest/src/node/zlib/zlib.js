// `node:zlib`, following Node 20's lib/zlib.js on the natives of mod.rs
// (deflate by miniz_oxide, brotli by the `brotli` crate): the classes
// `Deflate`, `Inflate`, `Gzip`, `Gunzip`, `DeflateRaw`, `InflateRaw`,
// `Unzip`, `BrotliCompress`, `BrotliDecompress` (Transform streams of
// `node:stream`), their `create*` factories, the callback (`gzip(buf,
// opts, cb)`, `util.promisify`-able) and sync (`gzipSync`) forms,
// `crc32`, `constants` and `codes`.
// Divergences from Node: compressed bytes differ from zlib's (another
// compressor; any inflater reads them); `windowBits` and `memLevel` are
// checked but compression always uses a 32 KiB window; no `dictionary`
// (refused with `ERR_UNSUPPORTED`), no `params()`; corrupt deflate data
// inside a valid header is "invalid deflate data" (zlib names the fault);
// the callback forms compress at once and call back on the next tick;
// `BROTLI_OPERATION_EMIT_METADATA` and the brotli `NPOSTFIX`/`NDIRECT`
// params are refused; the classes need `new`.
(function zlibModule(builtin, internal) {
  'use strict';
  const { Buffer, kMaxLength } = builtin('buffer');
  const { Transform, finished } = builtin('stream');
  const { inspect } = internal.formatter;
  const { nextTick } = builtin('process');
  const native = internal.native.zlib;
  // `native.process` statuses (mod.rs `Status`).
  const MORE_OUTPUT = 1;
  const ENDED = 2;
  const FAILED = 3;

  const constants = {
    Z_NO_FLUSH: 0, Z_PARTIAL_FLUSH: 1, Z_SYNC_FLUSH: 2, Z_FULL_FLUSH: 3, Z_FINISH: 4, Z_BLOCK: 5,
    Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3,
    Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6,
    Z_NO_COMPRESSION: 0, Z_BEST_SPEED: 1, Z_BEST_COMPRESSION: 9, Z_DEFAULT_COMPRESSION: -1,
    Z_FILTERED: 1, Z_HUFFMAN_ONLY: 2, Z_RLE: 3, Z_FIXED: 4, Z_DEFAULT_STRATEGY: 0, ZLIB_VERNUM: 4880,
    DEFLATE: 1, INFLATE: 2, GZIP: 3, GUNZIP: 4, DEFLATERAW: 5, INFLATERAW: 6, UNZIP: 7,
    BROTLI_DECODE: 8, BROTLI_ENCODE: 9,
    Z_MIN_WINDOWBITS: 8, Z_MAX_WINDOWBITS: 15, Z_DEFAULT_WINDOWBITS: 15,
    Z_MIN_CHUNK: 64, Z_MAX_CHUNK: Infinity, Z_DEFAULT_CHUNK: 16384,
    Z_MIN_MEMLEVEL: 1, Z_MAX_MEMLEVEL: 9, Z_DEFAULT_MEMLEVEL: 8,
    Z_MIN_LEVEL: -1, Z_MAX_LEVEL: 9, Z_DEFAULT_LEVEL: -1,
    BROTLI_OPERATION_PROCESS: 0, BROTLI_OPERATION_FLUSH: 1, BROTLI_OPERATION_FINISH: 2,
    BROTLI_OPERATION_EMIT_METADATA: 3,
    BROTLI_PARAM_MODE: 0, BROTLI_MODE_GENERIC: 0, BROTLI_MODE_TEXT: 1, BROTLI_MODE_FONT: 2,
    BROTLI_DEFAULT_MODE: 0, BROTLI_PARAM_QUALITY: 1, BROTLI_MIN_QUALITY: 0, BROTLI_MAX_QUALITY: 11,
    BROTLI_DEFAULT_QUALITY: 11, BROTLI_PARAM_LGWIN: 2, BROTLI_MIN_WINDOW_BITS: 10,
    BROTLI_MAX_WINDOW_BITS: 24, BROTLI_LARGE_MAX_WINDOW_BITS: 30, BROTLI_DEFAULT_WINDOW: 22,
    BROTLI_PARAM_LGBLOCK: 3, BROTLI_MIN_INPUT_BLOCK_BITS: 16, BROTLI_MAX_INPUT_BLOCK_BITS: 24,
    BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING: 4, BROTLI_PARAM_SIZE_HINT: 5,
    BROTLI_PARAM_LARGE_WINDOW: 6, BROTLI_PARAM_NPOSTFIX: 7, BROTLI_PARAM_NDIRECT: 8,
    BROTLI_DECODER_RESULT_ERROR: 0, BROTLI_DECODER_RESULT_SUCCESS: 1,
    BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT: 2, BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT: 3,
    BROTLI_DECODER_PARAM_DISABLE_RING_BUFFER_REALLOCATION: 0, BROTLI_DECODER_PARAM_LARGE_WINDOW: 1,
    BROTLI_DECODER_NO_ERROR: 0, BROTLI_DECODER_SUCCESS: 1, BROTLI_DECODER_NEEDS_MORE_INPUT: 2,
    BROTLI_DECODER_NEEDS_MORE_OUTPUT: 3,
    BROTLI_DECODER_ERROR_FORMAT_EXUBERANT_NIBBLE: -1, BROTLI_DECODER_ERROR_FORMAT_RESERVED: -2,
    BROTLI_DECODER_ERROR_FORMAT_EXUBERANT_META_NIBBLE: -3,
    BROTLI_DECODER_ERROR_FORMAT_SIMPLE_HUFFMAN_ALPHABET: -4,
    BROTLI_DECODER_ERROR_FORMAT_SIMPLE_HUFFMAN_SAME: -5, BROTLI_DECODER_ERROR_FORMAT_CL_SPACE: -6,
    BROTLI_DECODER_ERROR_FORMAT_HUFFMAN_SPACE: -7,
    BROTLI_DECODER_ERROR_FORMAT_CONTEXT_MAP_REPEAT: -8,
    BROTLI_DECODER_ERROR_FORMAT_BLOCK_LENGTH_1: -9, BROTLI_DECODER_ERROR_FORMAT_BLOCK_LENGTH_2: -10,
    BROTLI_DECODER_ERROR_FORMAT_TRANSFORM: -11, BROTLI_DECODER_ERROR_FORMAT_DICTIONARY: -12,
    BROTLI_DECODER_ERROR_FORMAT_WINDOW_BITS: -13, BROTLI_DECODER_ERROR_FORMAT_PADDING_1: -14,
    BROTLI_DECODER_ERROR_FORMAT_PADDING_2: -15, BROTLI_DECODER_ERROR_FORMAT_DISTANCE: -16,
    BROTLI_DECODER_ERROR_DICTIONARY_NOT_SET: -19, BROTLI_DECODER_ERROR_INVALID_ARGUMENTS: -20,
    BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES: -21, BROTLI_DECODER_ERROR_ALLOC_TREE_GROUPS: -22,
    BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MAP: -25, BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_1: -26,
    BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_2: -27,
    BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES: -30, BROTLI_DECODER_ERROR_UNREACHABLE: -31,
  };
  Object.freeze(constants);
  const C = constants;

  const codes = {};
  for (const name of ['Z_OK', 'Z_STREAM_END', 'Z_NEED_DICT', 'Z_ERRNO', 'Z_STREAM_ERROR',
    'Z_DATA_ERROR', 'Z_MEM_ERROR', 'Z_BUF_ERROR', 'Z_VERSION_ERROR']) {
    codes[name] = C[name];
    codes[C[name]] = name;
  }
  Object.freeze(codes);

  function codedError(Type, code, message) {
    const error = new Type(message);
    error.code = code;
    return error;
  }

  /** How Node's errors show a received value. */
  function received(value) {
    if (value === null || value === undefined) return ` Received ${value}`;
    if (typeof value === 'function') return ` Received function ${value.name}`;
    if (typeof value === 'object') {
      const name = value.constructor && value.constructor.name;
      return name ? ` Received an instance of ${name}` : ` Received ${inspect(value, { depth: -1 })}`;
    }
    let shown = inspect(value, { colors: false });
    if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
    return ` Received type ${typeof value} (${shown})`;
  }

  function invalidArgType(name, expected, value) {
    const kind = name.includes('.') ? 'property' : 'argument';
    return codedError(TypeError, 'ERR_INVALID_ARG_TYPE',
      `The "${name}" ${kind} must be ${expected}.${received(value)}`);
  }

  function outOfRange(name, range, value) {
    return codedError(RangeError, 'ERR_OUT_OF_RANGE',
      `The value of "${name}" is out of range. It must be ${range}. Received ${inspect(value)}`);
  }

  const bufferTooLarge = (max) => codedError(RangeError, 'ERR_BUFFER_TOO_LARGE',
    `Cannot create a Buffer larger than ${max} bytes`);

  /** Node's `checkRangesOrGetDefault`: `def` when absent or NaN. */
  function checkRange(number, name, lower, upper, def) {
    if (number === undefined || Number.isNaN(number)) return def;
    if (typeof number !== 'number') throw invalidArgType(name, 'of type number', number);
    if (!Number.isFinite(number)) throw outOfRange(name, 'a finite number', number);
    if (number < lower || number > upper) {
      throw outOfRange(name, upper === Infinity ? `>= ${lower}` : `>= ${lower} and <= ${upper}`, number);
    }
    return number;
  }

  /** Input as a view of bytes: a string (UTF-8), a view or an ArrayBuffer. */
  function toBytes(buffer, name) {
    if (typeof buffer === 'string') return Buffer.from(buffer);
    if (ArrayBuffer.isView(buffer)) return buffer;
    if (buffer instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && buffer instanceof SharedArrayBuffer)) {
      return new Uint8Array(buffer);
    }
    throw invalidArgType(name,
      'of type string or an instance of Buffer, TypedArray, DataView, or ArrayBuffer', buffer);
  }

  const kFlushFlag = Symbol('kFlushFlag');

  /**
   * Feeds `chunk` from `offset` to the engine's native stream with `flush`,
   * handing each output chunk to `push`. Returns -1 once the chunk is used
   * up, or the offset to resume from when `push` returned false (a full
   * reader) with more output to come; throws a failure.
   */
  function feed(engine, chunk, flush, push, offset = 0) {
    const length = chunk.byteLength;
    for (;;) {
      const [used, output, status, failure] = native.process(engine._handle, flush | 0, chunk.buffer,
        chunk.byteOffset + offset, length - offset, engine._chunkSize);
      if (status === FAILED) {
        const [errno, code, message] = failure;
        const error = new Error(message);
        error.errno = errno;
        error.code = code;
        throw error;
      }
      offset += used;
      const more = output === null || push(Buffer.from(output)) !== false;
      if (status === ENDED) engine._ended = true;
      if (status !== MORE_OUTPUT) break;
      if (!more) return offset;
    }
    engine.bytesWritten += length;
    return -1;
  }

  function closeHandle(engine) {
    if (engine._handle === null) return;
    native.close(engine._handle);
    engine._handle = null;
  }

  /** What the sync forms (and, a tick later, the callback forms) do. */
  function processSync(engine, buffer) {
    const bytes = toBytes(buffer, 'buffer');
    const buffers = [];
    let nread = 0;
    try {
      feed(engine, bytes, engine._finishFlushFlag, (output) => {
        nread += output.length;
        if (nread > engine._maxOutputLength) throw bufferTooLarge(engine._maxOutputLength);
        buffers.push(output);
      });
    } finally {
      closeHandle(engine);
    }
    const result = buffers.length === 1 ? buffers[0] : Buffer.concat(buffers, nread);
    return engine._info ? { buffer: result, engine } : result;
  }

  function processCallback(engine, buffer, callback) {
    if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback);
    const bytes = toBytes(buffer, 'buffer');
    let result;
    try {
      result = processSync(engine, bytes);
    } catch (error) {
      nextTick(callback, error);
      return;
    }
    nextTick(callback, null, result);
  }

  /** The Transform stream every class is (Node's `ZlibBase`). */
  class ZlibBase extends Transform {
    constructor(opts, mode, make, flushes) {
      let chunkSize = C.Z_DEFAULT_CHUNK;
      let maxOutputLength = kMaxLength;
      let { flush, finishFlush } = flushes;
      if (opts) {
        chunkSize = checkRange(opts.chunkSize, 'options.chunkSize', C.Z_MIN_CHUNK, C.Z_MAX_CHUNK, C.Z_DEFAULT_CHUNK);
        flush = checkRange(opts.flush, 'options.flush', flushes.min, flushes.max, flush);
        finishFlush = checkRange(opts.finishFlush, 'options.finishFlush', flushes.min, flushes.max, finishFlush);
        maxOutputLength = checkRange(opts.maxOutputLength, 'options.maxOutputLength', 1, kMaxLength, kMaxLength);
        if (opts.encoding || opts.objectMode || opts.writableObjectMode) {
          opts = { ...opts, encoding: null, objectMode: false, writableObjectMode: false };
        }
      }
      super({ autoDestroy: true, ...opts });
      // Made last, so that a refused option leaves no native stream behind.
      this._handle = make();
      this._make = make;
      this._mode = mode;
      this._chunkSize = chunkSize;
      this._defaultFlushFlag = flush;
      this._finishFlushFlag = finishFlush;
      this._defaultFullFlushFlag = flushes.full;
      this._maxOutputLength = maxOutputLength;
      this._info = Boolean(opts && opts.info);
      this._ended = false;
      this.bytesWritten = 0;
    }

    get _closed() {
      return this._handle === null;
    }

    flush(kind, callback) {
      if (typeof kind === 'function' || (kind === undefined && !callback)) {
        callback = kind;
        kind = this._defaultFullFlushFlag;
      }
      if (this.writableFinished) {
        if (callback) nextTick(callback);
      } else if (this.writableEnded) {
        if (callback) this.once('end', callback);
      } else {
        const marker = Buffer.alloc(0);
        marker[kFlushFlag] = kind;
        this.write(marker, '', callback);
      }
    }

    close(callback) {
      if (callback) finished(this, callback);
      this.destroy();
    }

    reset() {
      closeHandle(this);
      this._handle = this._make();
      this._ended = false;
    }

    _destroy(error, callback) {
      closeHandle(this);
      callback(error);
    }

    _transform(chunk, encoding, callback) {
      let flush = this._defaultFlushFlag;
      if (typeof chunk[kFlushFlag] === 'number') flush = chunk[kFlushFlag];
      if (this.writableEnded && this.writableLength === chunk.byteLength) {
        flush = Math.max(flush, this._finishFlushFlag);
      }
      if (this._handle === null) {
        callback(codedError(Error, 'ERR_ZLIB_BINDING_CLOSED', 'zlib binding closed'));
        return;
      }
      this._processChunk(chunk, flush, 0, callback);
    }

    _processChunk(chunk, flush, offset, callback) {
      let resume;
      try {
        resume = feed(this, chunk, flush, (output) => this.push(output), offset);
      } catch (error) {
        closeHandle(this);
        callback(error);
        return;
      }
      if (resume === -1) {
        callback();
        return;
      }
      // The reader is full: make the rest of this chunk's output when it
      // asks for more, as Node does, so a bomb waits for its reader.
      const read = this._read;
      this._read = (size) => {
        this._read = read;
        this._processChunk(chunk, flush, resume, callback);
        read.call(this, size);
      };
    }

    _flush(callback) {
      this._transform(Buffer.alloc(0), '', callback);
    }
  }

  const zlibFlushes = {
    flush: C.Z_NO_FLUSH, finishFlush: C.Z_FINISH, full: C.Z_FULL_FLUSH, min: C.Z_NO_FLUSH, max: C.Z_BLOCK,
  };
  const brotliFlushes = {
    flush: C.BROTLI_OPERATION_PROCESS, finishFlush: C.BROTLI_OPERATION_FINISH,
    full: C.BROTLI_OPERATION_FLUSH, min: C.BROTLI_OPERATION_PROCESS, max: C.BROTLI_OPERATION_FINISH,
  };
  const DECOMPRESSING = new Set([C.INFLATE, C.GUNZIP, C.UNZIP]);

  /** Node's `Zlib`: checks the deflate-family options and makes the handle. */
  class Zlib extends ZlibBase {
    constructor(opts, mode) {
      let windowBits = C.Z_DEFAULT_WINDOWBITS;
      let level = C.Z_DEFAULT_COMPRESSION;
      let strategy = C.Z_DEFAULT_STRATEGY;
      if (opts) {
        if ((opts.windowBits == null || opts.windowBits === 0) && DECOMPRESSING.has(mode)) {
          windowBits = 0;
        } else {
          const min = C.Z_MIN_WINDOWBITS + (mode === C.GZIP ? 1 : 0);
          windowBits = checkRange(opts.windowBits, 'options.windowBits', min, C.Z_MAX_WINDOWBITS, C.Z_DEFAULT_WINDOWBITS);
        }
        level = checkRange(opts.level, 'options.level', C.Z_MIN_LEVEL, C.Z_MAX_LEVEL, C.Z_DEFAULT_COMPRESSION);
        checkRange(opts.memLevel, 'options.memLevel', C.Z_MIN_MEMLEVEL, C.Z_MAX_MEMLEVEL, C.Z_DEFAULT_MEMLEVEL);
        strategy = checkRange(opts.strategy, 'options.strategy', C.Z_DEFAULT_STRATEGY, C.Z_FIXED, C.Z_DEFAULT_STRATEGY);
        if (opts.dictionary !== undefined) {
          throw codedError(Error, 'ERR_UNSUPPORTED', 'zlib dictionaries are not supported in jsbox');
        }
      }
      super(opts, mode, () => native.zlibNew(mode, level | 0, windowBits | 0, strategy | 0), zlibFlushes);
    }
  }

  const kMaxBrotliParam = 8;

  /** Node's `Brotli`: checks `params` and makes the handle. */
  class Brotli extends ZlibBase {
    constructor(opts, mode) {
      const params = [];
      if (opts && opts.params) {
        for (const key of Object.keys(opts.params)) {
          const number = +key;
          if (Number.isNaN(number) || number < 0 || number > kMaxBrotliParam) {
            throw codedError(RangeError, 'ERR_BROTLI_INVALID_PARAM', `${key} is not a valid Brotli parameter`);
          }
          const value = opts.params[key];
          if (typeof value !== 'number' && typeof value !== 'boolean') {
            throw invalidArgType('options.params[key]', 'of type number', value);
          }
          params.push(number, Number(value) >>> 0);
        }
      }
      const make = () => {
        const handle = native.brotliNew(mode, params);
        if (handle === -1) throw codedError(Error, 'ERR_ZLIB_INITIALIZATION_FAILED', 'Initialization failed');
        return handle;
      };
      super(opts, mode, make, brotliFlushes);
    }
  }

  const exports = { constants, codes };
  const kinds = [
    ['Deflate', 'deflate', Zlib, C.DEFLATE],
    ['Inflate', 'inflate', Zlib, C.INFLATE],
    ['Gzip', 'gzip', Zlib, C.GZIP],
    ['Gunzip', 'gunzip', Zlib, C.GUNZIP],
    ['DeflateRaw', 'deflateRaw', Zlib, C.DEFLATERAW],
    ['InflateRaw', 'inflateRaw', Zlib, C.INFLATERAW],
    ['Unzip', 'unzip', Zlib, C.UNZIP],
    ['BrotliCompress', 'brotliCompress', Brotli, C.BROTLI_ENCODE],
    ['BrotliDecompress', 'brotliDecompress', Brotli, C.BROTLI_DECODE],
  ];
  for (const [Name, name, Base, mode] of kinds) {
    const Class = { [Name]: class extends Base { constructor(opts) { super(opts, mode); } } }[Name];
    exports[Name] = Class;
    exports[`create${Name}`] = { [`create${Name}`]: (opts) => new Class(opts) }[`create${Name}`];
    exports[name] = {
      [name](buffer, opts, callback) {
        if (typeof opts === 'function') {
          callback = opts;
          opts = {};
        }
        processCallback(new Class(opts), buffer, callback);
      },
    }[name];
    exports[`${name}Sync`] = { [`${name}Sync`]: (buffer, opts) => processSync(new Class(opts), buffer) }[`${name}Sync`];
  }

  exports.crc32 = function crc32(data, value = 0) {
    if (typeof data !== 'string' && !ArrayBuffer.isView(data)) {
      throw invalidArgType('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data);
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      if (typeof value !== 'number') throw invalidArgType('value', 'of type number', value);
      throw outOfRange('value', '>= 0 and <= 4294967295', value);
    }
    const bytes = toBytes(data, 'data');
    return native.crc32(bytes.buffer, bytes.byteOffset, bytes.byteLength, value);
  };

  // Node's legacy names: the `Z_*` constants on the module, not enumerable.
  for (const name of Object.keys(constants)) {
    if (!name.startsWith('BROTLI')) {
      Object.defineProperty(exports, name, { value: constants[name], enumerable: false, writable: false });
    }
  }
  return exports;
})
