// crypto, Crypto and SubtleCrypto; see mod.rs. `operations` are the key
// methods of SubtleCrypto (subtle.js).
(function (native, helpers, operations) {
  const { domError, typedArrayName, bufferSource, defineGlobal, toStringTag, uncurry } = helpers;
  const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
  const typedArraySet = uncurry(TypedArrayPrototype.set);
  const getter = (name) => uncurry(Object.getOwnPropertyDescriptor(TypedArrayPrototype, name).get);
  const typedArrayBuffer = getter('buffer');
  const typedArrayOffset = getter('byteOffset');
  const typedArrayLength = getter('byteLength');
  const toUpperCase = uncurry(String.prototype.toUpperCase);
  const Uint8ArrayConstructor = Uint8Array;
  const isView = ArrayBuffer.isView;

  const INTEGER_ARRAYS = [
    'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
    'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array',
  ];
  const MAX_RANDOM_BYTES = 65536;
  const DIGESTS = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];

  // Only this module may construct the interfaces, as in browsers.
  const token = Symbol('internal');
  let subtle;

  class SubtleCrypto {
    constructor(key) {
      if (key !== token) throw new TypeError('Illegal constructor');
    }

    async digest(algorithm, data) {
      if (arguments.length < 2) {
        throw new TypeError(`SubtleCrypto.digest: 2 arguments required, but only ${arguments.length} present`);
      }
      let name;
      if (typeof algorithm === 'object' && algorithm !== null) {
        if (algorithm.name === undefined) {
          throw new TypeError("SubtleCrypto.digest: algorithm is missing its 'name'");
        }
        name = `${algorithm.name}`;
      } else {
        name = `${algorithm}`;
      }
      const [buffer, offset, length] = bufferSource(data, "SubtleCrypto.digest: 'data'");
      const normalized = toUpperCase(name);
      if (!DIGESTS.includes(normalized)) {
        throw domError('NotSupportedError', `SubtleCrypto.digest: unrecognized algorithm '${name}'`);
      }
      return native.digest(normalized, buffer, offset, length);
    }
  }

  class Crypto {
    constructor(key) {
      if (key !== token) throw new TypeError('Illegal constructor');
    }

    get subtle() {
      return subtle;
    }

    getRandomValues(array) {
      if (!isView(array)) {
        throw new TypeError('Crypto.getRandomValues: argument is not an ArrayBufferView');
      }
      if (!INTEGER_ARRAYS.includes(typedArrayName(array))) {
        throw domError('TypeMismatchError', 'Crypto.getRandomValues: argument is not an integer TypedArray');
      }
      const length = typedArrayLength(array);
      if (length > MAX_RANDOM_BYTES) {
        throw domError(
          'QuotaExceededError',
          `Crypto.getRandomValues: ${length} bytes requested, more than the ${MAX_RANDOM_BYTES} allowed`,
        );
      }
      const target = new Uint8ArrayConstructor(typedArrayBuffer(array), typedArrayOffset(array), length);
      typedArraySet(target, new Uint8ArrayConstructor(native.randomBytes(length)));
      return array;
    }

    randomUUID() {
      return native.randomUUID();
    }
  }

  for (const name of Object.keys(operations)) {
    const operation = operations[name];
    const method = {
      [name](...args) {
        return operation(...args);
      },
    }[name];
    Object.defineProperty(SubtleCrypto.prototype, name, { value: method, writable: true, configurable: true });
  }

  subtle = new SubtleCrypto(token);
  toStringTag(SubtleCrypto, 'SubtleCrypto');
  toStringTag(Crypto, 'Crypto');
  defineGlobal('SubtleCrypto', SubtleCrypto);
  defineGlobal('Crypto', Crypto);
  // `crypto` is a read-only attribute of the global object in browsers; a
  // configurable accessor keeps that shape.
  const crypto = new Crypto(token);
  Object.defineProperty(globalThis, 'crypto', {
    get: () => crypto,
    enumerable: true,
    configurable: true,
  });
})
