// TextEncoder and TextDecoder; see mod.rs for what the Rust half does.
(function (native, helpers) {
  const { usv, typedArrayName, bufferSource, defineGlobal, toStringTag, uncurry } = helpers;
  const typedArraySet = uncurry(Object.getPrototypeOf(Uint8Array.prototype).set);
  const typedArrayLength = uncurry(
    Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), 'length').get,
  );

  // WebIDL dictionary conversion: undefined and null are empty, other
  // non-objects are a TypeError.
  function dictionary(value, what) {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' && typeof value !== 'function') {
      throw new TypeError(`${what} is not an object`);
    }
    return value;
  }

  class TextEncoder {
    get encoding() {
      return 'utf-8';
    }

    encode(input = '') {
      return native.encode(usv(input));
    }

    encodeInto(source, destination) {
      if (typedArrayName(destination) !== 'Uint8Array') {
        throw new TypeError("TextEncoder.encodeInto: 'destination' is not a Uint8Array");
      }
      const [read, bytes] = native.encodeInto(usv(source), typedArrayLength(destination));
      typedArraySet(destination, bytes);
      return { read, written: typedArrayLength(bytes) };
    }
  }

  class TextDecoder {
    #encoding;
    #fatal;
    #ignoreBOM;
    // The native decoder: it keeps an incomplete sequence (and a stateful
    // encoding's mode) between streamed calls, and starts afresh after a
    // call that does not stream or that fails.
    #decoder;

    constructor(label = 'utf-8', options = undefined) {
      const encoding = native.encodingFor(`${label}`);
      if (encoding === undefined) {
        throw new RangeError(`TextDecoder: the encoding label '${label}' is not supported`);
      }
      const dict = dictionary(options, "TextDecoder: 'options'");
      this.#encoding = encoding;
      this.#fatal = Boolean(dict.fatal);
      this.#ignoreBOM = Boolean(dict.ignoreBOM);
      this.#decoder = native.decoder(encoding, this.#ignoreBOM);
    }

    get encoding() {
      return this.#encoding;
    }

    get fatal() {
      return this.#fatal;
    }

    get ignoreBOM() {
      return this.#ignoreBOM;
    }

    decode(input = undefined, options = undefined) {
      const stream = Boolean(dictionary(options, "TextDecoder.decode: 'options'").stream);
      const [buffer, offset, length] =
        input === undefined ? [new ArrayBuffer(0), 0, 0] : bufferSource(input, "TextDecoder.decode: 'input'");
      return native.decode(this.#decoder, buffer, offset, length, this.#fatal, stream);
    }
  }

  toStringTag(TextEncoder, 'TextEncoder');
  toStringTag(TextDecoder, 'TextDecoder');
  defineGlobal('TextEncoder', TextEncoder);
  defineGlobal('TextDecoder', TextDecoder);
})
