// `node:util/types`: type checks, by internal slot where JS can test one
// (through the built-in prototype methods that throw on anything else)
// and by `Symbol.toStringTag` otherwise. Divergence: `isProxy` and
// `isExternal` are always false (a script cannot tell), and `isModuleNamespaceObject`
// checks only the tag.
(function utilTypes(builtin) {
  'use strict';
  const tag = (value) => Object.prototype.toString.call(value).slice(8, -1);
  const brand = (getter) => (value) => {
    try {
      getter.call(value);
      return true;
    } catch {
      return false;
    }
  };
  const getter = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
  const TypedArray = Object.getPrototypeOf(Uint8Array);
  const typedTag = getter(TypedArray.prototype, Symbol.toStringTag);
  const typedIs = (name) => (value) => typedTag.call(value) === name;
  const isObject = (value) => value !== null && (typeof value === 'object' || typeof value === 'function');
  const fnTag = (name) => (value) => typeof value === 'function' && tag(value) === name;
  const isArrayBuffer = brand(getter(ArrayBuffer.prototype, 'byteLength'));
  const isSharedArrayBuffer = typeof SharedArrayBuffer === 'function'
    ? brand(getter(SharedArrayBuffer.prototype, 'byteLength')) : () => false;
  const boxed = [Number, String, Boolean, BigInt, Symbol].map((C) => brand(C.prototype.valueOf));

  return {
    isAnyArrayBuffer: (value) => isArrayBuffer(value) || isSharedArrayBuffer(value),
    isArrayBuffer,
    isArrayBufferView: (value) => ArrayBuffer.isView(value),
    isArgumentsObject: (value) => isObject(value) && tag(value) === 'Arguments',
    isAsyncFunction: (value) => fnTag('AsyncFunction')(value) || fnTag('AsyncGeneratorFunction')(value),
    isBigInt64Array: typedIs('BigInt64Array'),
    isBigUint64Array: typedIs('BigUint64Array'),
    isBooleanObject: (value) => isObject(value) && boxed[2](value),
    isBoxedPrimitive: (value) => isObject(value) && boxed.some((is) => is(value)),
    isDataView: brand(getter(DataView.prototype, 'byteLength')),
    isDate: brand(Date.prototype.getTime),
    isExternal: () => false,
    isFloat32Array: typedIs('Float32Array'),
    isFloat64Array: typedIs('Float64Array'),
    isGeneratorFunction: (value) => fnTag('GeneratorFunction')(value) || fnTag('AsyncGeneratorFunction')(value),
    isGeneratorObject: (value) => isObject(value) && tag(value) === 'Generator',
    isInt8Array: typedIs('Int8Array'),
    isInt16Array: typedIs('Int16Array'),
    isInt32Array: typedIs('Int32Array'),
    isMap: brand(getter(Map.prototype, 'size')),
    isMapIterator: (value) => isObject(value) && tag(value) === 'Map Iterator',
    isModuleNamespaceObject: (value) => isObject(value) && tag(value) === 'Module',
    isNativeError: (value) => isObject(value) && tag(value) === 'Error',
    isNumberObject: (value) => isObject(value) && boxed[0](value),
    isPromise: (value) => isObject(value) && tag(value) === 'Promise' && value instanceof Promise,
    isProxy: () => false,
    isRegExp: brand(getter(RegExp.prototype, 'source')),
    isSet: brand(getter(Set.prototype, 'size')),
    isSetIterator: (value) => isObject(value) && tag(value) === 'Set Iterator',
    isSharedArrayBuffer,
    isStringObject: (value) => isObject(value) && boxed[1](value),
    isSymbolObject: (value) => isObject(value) && boxed[4](value),
    isBigIntObject: (value) => isObject(value) && boxed[3](value),
    isTypedArray: (value) => typedTag.call(value) !== undefined,
    isUint8Array: typedIs('Uint8Array'),
    isUint8ClampedArray: typedIs('Uint8ClampedArray'),
    isUint16Array: typedIs('Uint16Array'),
    isUint32Array: typedIs('Uint32Array'),
    isWeakMap: brand(WeakMap.prototype.has),
    isWeakSet: brand(WeakSet.prototype.has),
    // CryptoKey's getters read private fields, so they throw for anything else.
    isCryptoKey: (value) => typeof CryptoKey === 'function' && brand(getter(CryptoKey.prototype, 'type'))(value),
    // So do KeyObject's; `node:crypto` is loaded on the first call.
    isKeyObject: (value) => brand(getter(builtin('crypto').KeyObject.prototype, 'type'))(value),
  };
})
