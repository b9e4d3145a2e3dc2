// TextEncoder and TextDecoder; see encoding.rs for what the Rust half does.
(function (native, helpers) {
  const { usv, typedArrayName, bufferSource, defineGlobal, toStringTag, uncurry } = helpers;
  const typedArraySet = uncurry(Object.getPrototypeOf(Uint8Array.prototype).set);
  const typedArrayLength = uncurry(
    Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), 'length').get,
  );
  const toLowerCase = uncurry(String.prototype.toLowerCase);
  const stringReplace = uncurry(String.prototype.replace);

  // The labels of UTF-8 in the WHATWG Encoding standard.
  const UTF8_LABELS = [
    'unicode-1-1-utf-8',
    'unicode11utf8',
    'unicode20utf8',
    'utf-8',
    'utf8',
    'x-unicode20utf8',
  ];

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
    #fatal;
    #ignoreBOM;
    // Streaming state: bytes of an incomplete sequence, whether the BOM
    // question is settled, and whether the last call asked to stream.
    #pending = [];
    #bomSeen = false;
    #doNotFlush = false;

    constructor(label = 'utf-8', options = undefined) {
      // Labels match after stripping ASCII whitespace and ASCII lowercasing.
      const normalized = toLowerCase(
        stringReplace(`${label}`, /^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, ''),
      );
      if (!UTF8_LABELS.includes(normalized)) {
        throw new RangeError(`TextDecoder: the encoding label '${label}' is not supported`);
      }
      const dict = dictionary(options, "TextDecoder: 'options'");
      this.#fatal = Boolean(dict.fatal);
      this.#ignoreBOM = Boolean(dict.ignoreBOM);
    }

    get encoding() {
      return 'utf-8';
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
      if (!this.#doNotFlush) {
        this.#pending = [];
        this.#bomSeen = false;
      }
      this.#doNotFlush = stream;
      let text;
      try {
        [text, this.#pending] = native.decode(this.#pending, buffer, offset, length, this.#fatal, stream);
      } catch (error) {
        // A fatal error ends the stream.
        this.#pending = [];
        this.#doNotFlush = false;
        throw error;
      }
      if (!this.#ignoreBOM && !this.#bomSeen && text.length > 0) {
        this.#bomSeen = true;
        if (text[0] === '\uFEFF') text = text.slice(1);
      }
      return text;
    }
  }

  toStringTag(TextEncoder, 'TextEncoder');
  toStringTag(TextDecoder, 'TextDecoder');
  defineGlobal('TextEncoder', TextEncoder);
  defineGlobal('TextDecoder', TextDecoder);
})
