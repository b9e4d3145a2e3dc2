// structuredClone; see structured_clone.rs for what is supported.
(function (native, helpers) {
  const { domError, defineGlobal, uncurry, getter, TypedArrayPrototype } = helpers;
  const {
    typedArrayTag,
    typedArrayBuffer,
    typedArrayOffset,
    dataViewBuffer,
    dataViewOffset,
    dataViewLength,
    arrayBufferLength,
  } = helpers.intrinsics;
  const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf, keys } = Object;

  const dateGetTime = uncurry(Date.prototype.getTime);
  const regExpSource = getter(RegExp.prototype, 'source');
  const regExpFlags = getter(RegExp.prototype, 'flags');
  const mapForEach = uncurry(Map.prototype.forEach);
  const mapSet = uncurry(Map.prototype.set);
  const mapGet = uncurry(Map.prototype.get);
  const mapHas = uncurry(Map.prototype.has);
  const setHas = uncurry(Set.prototype.has);
  const setForEach = uncurry(Set.prototype.forEach);
  const setAdd = uncurry(Set.prototype.add);
  const arrayBufferSlice = uncurry(ArrayBuffer.prototype.slice);
  const arrayBufferResizable = getter(ArrayBuffer.prototype, 'resizable');
  const arrayBufferMaxLength = getter(ArrayBuffer.prototype, 'maxByteLength');
  const arrayBufferDetached = getter(ArrayBuffer.prototype, 'detached');
  const arrayBufferTransfer = uncurry(ArrayBuffer.prototype.transfer);
  const typedArrayLength = getter(TypedArrayPrototype, 'length');
  const uint8Set = uncurry(TypedArrayPrototype.set);
  const MapConstructor = Map;
  const SetConstructor = Set;
  const DateConstructor = Date;
  const RegExpConstructor = RegExp;
  const ArrayBufferConstructor = ArrayBuffer;
  const DataViewConstructor = DataView;
  const Uint8ArrayConstructor = Uint8Array;
  const ArrayConstructor = Array;
  const ObjectConstructor = Object;

  // Boxed primitives: their `valueOf` reads the primitive inside.
  const BOXES = {
    Number: uncurry(Number.prototype.valueOf),
    String: uncurry(String.prototype.valueOf),
    Boolean: uncurry(Boolean.prototype.valueOf),
    BigInt: uncurry(BigInt.prototype.valueOf),
  };

  const TYPED_ARRAYS = {
    Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
    BigInt64Array, BigUint64Array, Float32Array, Float64Array,
  };
  if (typeof Float16Array === 'function') TYPED_ARRAYS.Float16Array = Float16Array;

  const ERRORS = {
    Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError,
  };

  const cannotClone = (what) => domError('DataCloneError', `${what} could not be cloned`);

  const createDataProperty = (object, key, value) =>
    defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });

  function cloneArrayBuffer(buffer) {
    if (arrayBufferDetached(buffer)) throw cannotClone('A detached ArrayBuffer');
    if (!arrayBufferResizable(buffer)) return arrayBufferSlice(buffer, 0);
    const length = arrayBufferLength(buffer);
    const copy = new ArrayBufferConstructor(length, { maxByteLength: arrayBufferMaxLength(buffer) });
    uint8Set(new Uint8ArrayConstructor(copy), new Uint8ArrayConstructor(buffer, 0, length));
    return copy;
  }

  // Copies the own enumerable string-keyed properties, reading them with
  // [[Get]] (getters run) and writing them as data properties.
  function copyProperties(source, target, memory) {
    for (const key of keys(source)) {
      createDataProperty(target, key, clone(source[key], memory));
    }
  }

  function clone(value, memory) {
    const type = typeof value;
    if (type === 'symbol') throw cannotClone('Symbol()');
    if (type === 'function') throw cannotClone(`function ${value.name || '(anonymous)'}`);
    if (type !== 'object' || value === null) return value;
    if (mapHas(memory, value)) return mapGet(memory, value);

    let copy;
    const kind = native.kind(value);
    // DOMException is serializable; it is written in JS, so QuickJS sees an
    // Error or an ordinary object.
    const DOMException = globalThis.DOMException;
    if ((kind === 'Error' || kind === 'Object') && typeof DOMException === 'function'
        && value instanceof DOMException) {
      copy = new DOMException(`${value.message}`, `${value.name}`);
      mapSet(memory, value, copy);
      return copy;
    }
    switch (kind) {
      case 'Proxy':
        throw cannotClone('#<Proxy>');
      case 'Uncloneable':
        throw cannotClone(`#<${getPrototypeOf(value)?.constructor?.name ?? 'Object'}>`);
      case 'Date':
        copy = new DateConstructor(dateGetTime(value));
        break;
      case 'RegExp':
        copy = new RegExpConstructor(regExpSource(value), regExpFlags(value));
        break;
      case 'ArrayBuffer':
        copy = cloneArrayBuffer(value);
        break;
      case 'DataView': {
        const buffer = clone(dataViewBuffer(value), memory);
        copy = new DataViewConstructor(buffer, dataViewOffset(value), dataViewLength(value));
        break;
      }
      case 'TypedArray': {
        const buffer = clone(typedArrayBuffer(value), memory);
        const Constructor = TYPED_ARRAYS[typedArrayTag(value)];
        copy = new Constructor(buffer, typedArrayOffset(value), typedArrayLength(value));
        break;
      }
      case 'Map': {
        copy = new MapConstructor();
        mapSet(memory, value, copy);
        const entries = [];
        mapForEach(value, (v, k) => entries.push(k, v));
        for (let i = 0; i < entries.length; i += 2) {
          mapSet(copy, clone(entries[i], memory), clone(entries[i + 1], memory));
        }
        return copy;
      }
      case 'Set': {
        copy = new SetConstructor();
        mapSet(memory, value, copy);
        const items = [];
        setForEach(value, (v) => items.push(v));
        for (const item of items) setAdd(copy, clone(item, memory));
        return copy;
      }
      case 'Error': {
        const name = value.name;
        const Constructor = typeof name === 'string' && Object.hasOwn(ERRORS, name) ? ERRORS[name] : Error;
        const message = getOwnPropertyDescriptor(value, 'message');
        copy = message !== undefined && 'value' in message
          ? new Constructor(`${message.value}`)
          : new Constructor();
        const stack = value.stack;
        if (typeof stack === 'string') {
          defineProperty(copy, 'stack', { value: stack, writable: true, configurable: true });
        }
        break;
      }
      case 'Array':
        copy = new ArrayConstructor(value.length);
        mapSet(memory, value, copy);
        copyProperties(value, copy, memory);
        return copy;
      case 'Number':
      case 'String':
      case 'Boolean':
      case 'BigInt': {
        copy = ObjectConstructor(BOXES[kind](value));
        break;
      }
      default:
        copy = {};
        mapSet(memory, value, copy);
        copyProperties(value, copy, memory);
        return copy;
    }
    mapSet(memory, value, copy);
    return copy;
  }

  // The transfer list: distinct, attached ArrayBuffers.
  function transferList(options) {
    if (options === undefined || options === null) return [];
    if (typeof options !== 'object' && typeof options !== 'function') {
      throw new TypeError("structuredClone: 'options' is not an object");
    }
    const transfer = options.transfer;
    if (transfer === undefined) return [];
    if (typeof transfer !== 'object' || transfer === null || typeof transfer[Symbol.iterator] !== 'function') {
      throw new TypeError("structuredClone: 'transfer' is not a sequence");
    }
    const list = [...transfer];
    const seen = new SetConstructor();
    for (const item of list) {
      if (native.kind(item) !== 'ArrayBuffer') {
        throw cannotClone('Only ArrayBuffers can be transferred; a value in the transfer list');
      }
      if (setHas(seen, item)) throw cannotClone('An ArrayBuffer listed twice in the transfer list');
      if (arrayBufferDetached(item)) throw cannotClone('A detached ArrayBuffer in the transfer list');
      setAdd(seen, item);
    }
    return list;
  }

  function structuredClone(value, options = undefined) {
    if (arguments.length < 1) {
      throw new TypeError('structuredClone: 1 argument required, but only 0 present');
    }
    const transfer = transferList(options);
    const memory = new MapConstructor();
    for (const buffer of transfer) mapSet(memory, buffer, cloneArrayBuffer(buffer));
    const result = clone(value, memory);
    // Detach the transferred buffers only once the clone has succeeded.
    for (const buffer of transfer) arrayBufferTransfer(buffer);
    return result;
  }

  defineGlobal('structuredClone', structuredClone);
})
