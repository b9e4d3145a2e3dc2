// The Body mixin of Fetch (§5.3) shared by `Request` and `Response`;
// defines no globals itself.
//
// A body is extracted from a string, ArrayBuffer, view, Blob, FormData
// (encoded as multipart/form-data), URLSearchParams (when that global
// exists) or, as WebIDL's union conversion does, any other value's string
// form; the matching Content-Type is reported to the caller. Reading a body
// (`text`, `json`, `arrayBuffer`, `bytes`, `blob`, `formData`) marks it
// used, and reading it again rejects with a TypeError. `formData()` parses
// multipart/form-data and application/x-www-form-urlencoded.
// A body is buffered, `{ bytes, used }`; a `ReadableStream` the script
// gave, `{ stream, used }` (its `body` getter returns that stream, reading
// it marks the body used, and the Body methods read it to its end); or
// streamed from a source
// (a `fetch` response), `{ source, used }` where `source.pull()` returns
// the next chunk (a Uint8Array) or null at the end, and `source.cancel()`
// stops it. A buffered body's `body` getter is a `ReadableStream` of one
// chunk, the bytes, made the first time it is asked for (`{ bytes, used,
// stream, fromBytes }` from then on; until it is read, the bytes still
// stand for the body, so `clone()` and the host's send need no copy). A
// streamed body's `body` getter is a `ResponseBodyStream`: a minimal
// stand-in for ReadableStream with `getReader()` (`read`, `cancel`,
// `releaseLock`), `cancel()`, `locked` and async iteration, yielding
// chunks as they arrive.
// Divergences: a fetched body's `body` is a `ResponseBodyStream`, not a
// `ReadableStream`; a `ReadableStream` body that was locked or read from
// cannot be cloned, nor, for now, an unread one (`clone()` does not
// `tee` it).
(function body(internal) {
  'use strict';

  const { Blob, File, FormData, JSON, ReadableStream } = globalThis;

  const normalizeNewlines = (string) => string.replace(/\r\n|\r|\n/g, '\r\n');
  const escapeQuoted = (string) =>
    normalizeNewlines(string).replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
  const unescapeQuoted = (string) =>
    string.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%22/g, '"');
  const decodeBinary = (binary) => internal.utf8Decode(internal.binaryToBytes(binary));

  function encodeMultipart(formData) {
    const random = () => Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, '0');
    const boundary = `----jsbox-formdata-${random()}${random()}${random()}`;
    const chunks = [];
    for (const [name, value] of internal.formDataEntries(formData)) {
      let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuoted(name)}"`;
      if (typeof value === 'string') {
        chunks.push(internal.utf8Encode(`${head}\r\n\r\n${normalizeNewlines(value)}\r\n`));
      } else {
        head += `; filename="${escapeQuoted(value.name)}"\r\n`;
        head += `Content-Type: ${value.type || 'application/octet-stream'}\r\n\r\n`;
        chunks.push(internal.utf8Encode(head), internal.blobBytes(value), internal.utf8Encode('\r\n'));
      }
    }
    chunks.push(internal.utf8Encode(`--${boundary}--\r\n`));
    return {
      bytes: internal.concatBytes(chunks),
      type: `multipart/form-data; boundary=${boundary}`,
    };
  }

  function parseMultipart(bytes, boundary) {
    const malformed = () => new TypeError('formData: the multipart body is malformed');
    const text = internal.bytesToBinary(bytes);
    const delimiter = `--${boundary}`;
    const formData = new FormData();
    let position = text.indexOf(delimiter);
    if (position === -1) throw malformed();
    for (;;) {
      position += delimiter.length;
      if (text.startsWith('--', position)) return formData;
      if (!text.startsWith('\r\n', position)) throw malformed();
      const headerEnd = text.indexOf('\r\n\r\n', position);
      const next = text.indexOf(`\r\n${delimiter}`, headerEnd);
      if (headerEnd === -1 || next === -1) throw malformed();
      const headers = new Map();
      for (const line of text.slice(position + 2, headerEnd).split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      const disposition = headers.get('content-disposition') ?? '';
      const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
      const fileName = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1];
      if (!/^form-data\s*(;|$)/i.test(disposition) || name === undefined) throw malformed();
      const content = text.slice(headerEnd + 4, next);
      if (fileName === undefined) {
        formData.append(decodeBinary(unescapeQuoted(name)), decodeBinary(content));
      } else {
        const type = headers.get('content-type') ?? 'text/plain';
        const file = new File([internal.binaryToBytes(content)], decodeBinary(unescapeQuoted(fileName)), { type });
        formData.append(decodeBinary(unescapeQuoted(name)), file);
      }
      position = next + 2;
    }
  }

  function parseUrlencoded(bytes) {
    const decode = (binary) =>
      decodeBinary(
        binary.replace(/\+/g, ' ').replace(/%([0-9A-Fa-f]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))),
      );
    const formData = new FormData();
    for (const sequence of internal.bytesToBinary(bytes).split('&')) {
      if (sequence === '') continue;
      const equals = sequence.indexOf('=');
      const name = equals === -1 ? sequence : sequence.slice(0, equals);
      const value = equals === -1 ? '' : sequence.slice(equals + 1);
      formData.append(decode(name), decode(value));
    }
    return formData;
  }

  // Fetch's "extract a body": { bytes, type } where type may be null.
  internal.extractBody = (init) => {
    if (typeof init === 'string') {
      return { bytes: internal.utf8Encode(init), type: 'text/plain;charset=UTF-8' };
    }
    if (internal.isBlob(init)) {
      return { bytes: internal.blobBytes(init), type: init.type === '' ? null : init.type };
    }
    const bytes = internal.copyBytes(init);
    if (bytes !== null) return { bytes, type: null };
    if (internal.isFormData(init)) return encodeMultipart(init);
    const { URLSearchParams } = globalThis;
    if (typeof URLSearchParams === 'function' && init instanceof URLSearchParams) {
      return {
        bytes: internal.utf8Encode(init.toString()),
        type: 'application/x-www-form-urlencoded;charset=UTF-8',
      };
    }
    if (internal.isReadableStream(init)) {
      if (init.locked || internal.streamDisturbed(init)) {
        throw new TypeError('a ReadableStream body must be unread and unlocked');
      }
      return { bytes: null, stream: init, type: null };
    }
    return { bytes: internal.utf8Encode(init), type: 'text/plain;charset=UTF-8' };
  };

  // Every remaining chunk of a streamed body, concatenated.
  const drain = (body) => {
    const chunks = [];
    for (let chunk = body.source.pull(); chunk !== null; chunk = body.source.pull()) {
      chunks.push(chunk);
    }
    return internal.concatBytes(chunks);
  };

  // A buffered body whose stream (if it was asked for) is untouched: its
  // bytes are still the whole body.
  const bytesIntact = (body) =>
    body.bytes !== undefined &&
    (body.stream === undefined || (!body.stream.locked && !internal.streamDisturbed(body.stream)));

  // Turns an unread streamed body into a buffered one (for `clone()`).
  internal.bufferBody = (body) => {
    if (body.stream !== undefined && !(body.fromBytes && bytesIntact(body))) {
      throw new TypeError('clone: a body that is a ReadableStream cannot be cloned');
    }
    if (body.source !== undefined && !body.used) {
      body.bytes = drain(body);
      delete body.source;
    }
  };

  // What the host sends of a body: its bytes while they are intact (no
  // copy, no stream), else the stream to read (`object.body`).
  internal.bodyToSend = (object, body) => (bytesIntact(body) ? body.bytes : object.body);

  // A new body record for what `body` holds, for a Request made from
  // another (which then counts as used).
  internal.transferBody = (body) =>
    bytesIntact(body) ? { bytes: body.bytes, used: false } : { stream: body.stream, used: false };

  const token = Symbol('internal');

  class ResponseBodyStream {
    #body;
    #locked = false;

    constructor(key, body) {
      if (key !== token) throw new TypeError('Illegal constructor');
      this.#body = body;
    }

    get locked() {
      return this.#locked;
    }

    async cancel() {
      this.#body.used = true;
      this.#body.done = true;
      this.#body.source.cancel();
    }

    getReader() {
      if (this.#locked) throw new TypeError('ResponseBodyStream.getReader: the stream is locked');
      this.#locked = true;
      const body = this.#body;
      const stream = this;
      return {
        read: async () => {
          if (body.done) return { value: undefined, done: true };
          body.used = true;
          const chunk = body.source.pull();
          if (chunk === null) {
            body.done = true;
            return { value: undefined, done: true };
          }
          return { value: chunk, done: false };
        },
        cancel: () => stream.cancel(),
        releaseLock: () => {
          stream.#locked = false;
        },
      };
    }

    [Symbol.asyncIterator]() {
      const reader = this.getReader();
      return {
        next: () => reader.read(),
        return: async (value) => {
          await reader.cancel();
          return { value, done: true };
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    }
  }
  internal.brand(ResponseBodyStream);

  // Adds the Body mixin's members to `Class.prototype`. `bodyOf(object)`
  // returns its body (as described at the top, or null) and
  // `headersOf(object)` its Headers; both throw a TypeError for objects
  // that are not instances of `Class`.
  internal.mixinBody = (Class, bodyOf, headersOf) => {
    async function consume(object) {
      const body = bodyOf(object);
      if (body === null) return new Uint8Array(0);
      if (body.used) throw new TypeError('The body has already been consumed');
      if (body.stream !== undefined) {
        if (body.stream.locked || internal.streamDisturbed(body.stream)) {
          throw new TypeError('The body has already been consumed');
        }
        body.used = true;
        return internal.readAllBytes(body.stream);
      }
      body.used = true;
      if (body.source !== undefined) {
        const bytes = drain(body);
        body.done = true;
        return bytes;
      }
      return body.bytes;
    }

    const mimeType = (object) => headersOf(object).get('content-type') ?? '';

    const members = {
      get body() {
        const body = bodyOf(this);
        if (body === null) return null;
        if (body.stream !== undefined) return body.stream;
        if (body.source !== undefined) {
          body.sourceStream ??= new ResponseBodyStream(token, body);
          return body.sourceStream;
        }
        const { bytes } = body;
        body.stream = new ReadableStream({
          start(controller) {
            if (bytes.length > 0) controller.enqueue(bytes);
            controller.close();
          },
        });
        body.fromBytes = true;
        return body.stream;
      },
      get bodyUsed() {
        const body = bodyOf(this);
        if (body === null) return false;
        return body.used || (body.stream !== undefined && internal.streamDisturbed(body.stream));
      },
      async arrayBuffer() {
        return (await consume(this)).slice().buffer;
      },
      async bytes() {
        return (await consume(this)).slice();
      },
      async blob() {
        const type = mimeType(this);
        return new Blob([await consume(this)], { type });
      },
      async text() {
        return internal.utf8Decode(await consume(this));
      },
      async json() {
        return JSON.parse(internal.utf8Decode(await consume(this)));
      },
      async formData() {
        const type = mimeType(this);
        const bytes = await consume(this);
        const essence = type.split(';')[0].trim().toLowerCase();
        if (essence === 'multipart/form-data') {
          const boundary = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type);
          if (boundary === null) throw new TypeError('formData: the multipart body has no boundary');
          return parseMultipart(bytes, boundary[1] ?? boundary[2]);
        }
        if (essence === 'application/x-www-form-urlencoded') return parseUrlencoded(bytes);
        throw new TypeError(`formData: cannot parse a body of type '${type}'`);
      },
    };
    Object.defineProperties(Class.prototype, Object.getOwnPropertyDescriptors(members));
  };
})
