// `node:util`, written for jsbox rather than taken from npm: the npm `util`
// port formats like Node 0.x, while `console` here already formats like
// current Node, so `inspect` and `format` are `console`'s (see console.js
// for their divergences: no colors, no getters, simpler line breaking).
// The rest follows Node: `promisify` (with `promisify.custom`),
// `callbackify`, `inherits`, `deprecate` (warns once per code),
// `debuglog` (silent: no `NODE_DEBUG` in the sandbox), `isDeepStrictEqual`
// (`assert`'s comparison), `types`, `TextEncoder`/`TextDecoder`,
// `stripVTControlCharacters`, `toUSVString`, `aborted`. Absent: `parseArgs`,
// `styleText`, `getSystemErrorName`, `MIMEType`, the deprecated `is*`
// helpers other than `isArray`.
(function util(builtin, internal) {
  'use strict';
  const { formatter } = internal;
  const kCustomPromisify = Symbol.for('nodejs.util.promisify.custom');

  function invalidArg(name, expected, value) {
    const error = new TypeError(`The "${name}" argument must be ${expected}. Received ${formatter.inspect(value)}`);
    error.code = 'ERR_INVALID_ARG_TYPE';
    return error;
  }

  function inspect(value, options, ...legacy) {
    // Node's legacy signature: inspect(value, showHidden, depth, colors).
    if (typeof options !== 'object' || options === null) options = { depth: legacy[0] };
    return formatter.inspect(value, { ...inspect.defaultOptions, ...options });
  }
  inspect.custom = Symbol.for('nodejs.util.inspect.custom');
  inspect.defaultOptions = { depth: 2, maxArrayLength: 100, sorted: false, customInspect: true };

  const format = (...args) => formatter.format(args);

  function promisify(original) {
    if (typeof original !== 'function') throw invalidArg('original', 'of type function', original);
    if (original[kCustomPromisify]) {
      const fn = original[kCustomPromisify];
      if (typeof fn !== 'function') throw invalidArg('util.promisify.custom', 'of type function', fn);
      return Object.defineProperty(fn, kCustomPromisify, { value: fn, configurable: true });
    }
    function promisified(...args) {
      return new Promise((resolve, reject) => {
        Reflect.apply(original, this, [...args, (error, value) => (error ? reject(error) : resolve(value))]);
      });
    }
    Object.setPrototypeOf(promisified, Object.getPrototypeOf(original));
    Object.defineProperty(promisified, kCustomPromisify, { value: promisified, configurable: true });
    return Object.defineProperties(promisified, Object.getOwnPropertyDescriptors(original));
  }
  promisify.custom = kCustomPromisify;

  function callbackify(original) {
    if (typeof original !== 'function') throw invalidArg('original', 'of type function', original);
    function callbackified(...args) {
      const callback = args.pop();
      if (typeof callback !== 'function') throw invalidArg('last argument', 'of type function', callback);
      const onRejected = (reason) => {
        if (!reason) {
          const error = new Error('Promise was rejected with a falsy value');
          error.code = 'ERR_FALSY_VALUE_REJECTION';
          error.reason = reason;
          reason = error;
        }
        builtin('process').nextTick(callback, reason);
      };
      Reflect.apply(original, this, args).then(
        (value) => builtin('process').nextTick(callback, null, value),
        onRejected,
      );
    }
    Object.defineProperties(callbackified, Object.getOwnPropertyDescriptors(original));
    return callbackified;
  }

  function inherits(ctor, superCtor) {
    if (typeof ctor !== 'function') throw invalidArg('ctor', 'of type function', ctor);
    if (typeof superCtor !== 'function') throw invalidArg('superCtor', 'of type function', superCtor);
    if (superCtor.prototype === undefined) throw invalidArg('superCtor.prototype', 'of type object', undefined);
    Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true });
    Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
  }

  const warnedCodes = new Set();
  function deprecate(fn, message, code) {
    let warned = false;
    function deprecated(...args) {
      if (!warned && !(code !== undefined && warnedCodes.has(code))) {
        warned = true;
        if (code !== undefined) warnedCodes.add(code);
        builtin('process').emitWarning(`${code ? `[${code}] ` : ''}DeprecationWarning: ${message}`);
      }
      return new.target ? Reflect.construct(fn, args, new.target) : Reflect.apply(fn, this, args);
    }
    Object.setPrototypeOf(deprecated, fn);
    if (fn.prototype) deprecated.prototype = fn.prototype;
    return deprecated;
  }

  function debuglog() {
    const log = () => {};
    log.enabled = false;
    return log;
  }

  function isDeepStrictEqual(a, b) {
    try {
      builtin('assert').deepStrictEqual(a, b);
      return true;
    } catch (error) {
      if (error && error.code === 'ERR_ASSERTION') return false;
      throw error;
    }
  }

  // CSI and OSC sequences, as Node's own pattern matches them.
  const ANSI = /[\u001B\u009B][[\]()#;?]*(?:(?:(?:(?:;[-a-zA-Z\d/#&.:=?%@~_]+)*|[a-zA-Z\d]+(?:;[-a-zA-Z\d/#&.:=?%@~_]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PR-TZcf-ntqry=><~]))/g;

  return {
    format,
    inspect,
    promisify,
    callbackify,
    inherits,
    deprecate,
    debuglog,
    debug: debuglog,
    isDeepStrictEqual,
    isArray: Array.isArray,
    get types() {
      return builtin('util/types');
    },
    TextEncoder: globalThis.TextEncoder,
    TextDecoder: globalThis.TextDecoder,
    stripVTControlCharacters: (string) => String(string).replace(ANSI, ''),
    toUSVString: (string) => String(string).toWellFormed(),
    aborted(signal, resource) {
      if (resource === null || (typeof resource !== 'object' && typeof resource !== 'function')) {
        throw invalidArg('resource', 'an object', resource);
      }
      return new Promise((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
    },
  };
})
