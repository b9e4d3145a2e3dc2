// Helpers shared by the JS halves of the Rust-backed web APIs:
// `() => helpers`. Intrinsics are
// captured here, at initialization, so that a script replacing
// `Uint8Array.prototype` methods or `Reflect.apply` cannot change how the
// web APIs read their arguments.
(function helpers() {
  'use strict';
  const apply = Reflect.apply;
  const defineProperty = Object.defineProperty;
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const getPrototypeOf = Object.getPrototypeOf;
  const isView = ArrayBuffer.isView;
  const toWellFormed = String.prototype.toWellFormed;
  const ErrorConstructor = Error;
  const TypedArrayPrototype = getPrototypeOf(Uint8Array.prototype);
  const uncurry = (fn) => (self, ...args) => apply(fn, self, args);
  const getter = (proto, name) => uncurry(getOwnPropertyDescriptor(proto, name).get);

  const typedArrayTag = getter(TypedArrayPrototype, Symbol.toStringTag);
  const typedArrayBuffer = getter(TypedArrayPrototype, 'buffer');
  const typedArrayOffset = getter(TypedArrayPrototype, 'byteOffset');
  const typedArrayLength = getter(TypedArrayPrototype, 'byteLength');
  const dataViewBuffer = getter(DataView.prototype, 'buffer');
  const dataViewOffset = getter(DataView.prototype, 'byteOffset');
  const dataViewLength = getter(DataView.prototype, 'byteLength');
  const arrayBufferLength = getter(ArrayBuffer.prototype, 'byteLength');

  const helpers = {
    uncurry,
    getter,
    TypedArrayPrototype,
    // The intrinsic accessors, for modules that walk buffers themselves.
    intrinsics: {
      typedArrayTag,
      typedArrayBuffer,
      typedArrayOffset,
      dataViewBuffer,
      dataViewOffset,
      dataViewLength,
      arrayBufferLength,
    },

    // A `DOMException` named `name` when the global exists at call time
    // (it is written in JS and installed after this), else an Error whose
    // `name` is `name`.
    domError(name, message) {
      const DOMException = globalThis.DOMException;
      if (typeof DOMException === 'function') {
        return new DOMException(message, name);
      }
      const error = new ErrorConstructor(message);
      error.name = name;
      return error;
    },

    // Defines a global the way WebIDL does: writable, configurable, not
    // enumerable.
    defineGlobal(name, value) {
      defineProperty(globalThis, name, {
        value,
        writable: true,
        enumerable: false,
        configurable: true,
      });
    },

    // Sets `klass.prototype[Symbol.toStringTag]`, as WebIDL interfaces have.
    toStringTag(klass, tag) {
      defineProperty(klass.prototype, Symbol.toStringTag, {
        value: tag,
        configurable: true,
      });
    },

    // WebIDL `USVString`: ToString, then lone surrogates to U+FFFD (the
    // Rust side needs well-formed UTF-16 to get valid UTF-8).
    usv(value) {
      return apply(toWellFormed, `${value}`, []);
    },

    // The constructor name of a TypedArray (`'Uint8Array'`...), or
    // undefined for anything else.
    typedArrayName(value) {
      return isView(value) ? typedArrayTag(value) : undefined;
    },

    // `[buffer, byteOffset, byteLength]` of a BufferSource (ArrayBuffer,
    // TypedArray or DataView), read with the intrinsic getters; TypeError
    // for anything else.
    bufferSource(value, what) {
      if (isView(value)) {
        if (typedArrayTag(value) !== undefined) {
          return [typedArrayBuffer(value), typedArrayOffset(value), typedArrayLength(value)];
        }
        return [dataViewBuffer(value), dataViewOffset(value), dataViewLength(value)];
      }
      let length;
      try {
        length = arrayBufferLength(value);
      } catch {
        throw new TypeError(`${what} is not an ArrayBuffer, a TypedArray or a DataView`);
      }
      return [value, 0, length];
    },
  };
  return helpers;
})
