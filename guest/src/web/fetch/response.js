// `Response` (Fetch §5.5).
//
// Supported: the constructor with any body init (see body.js) and `status`
// (200–599, else RangeError), `statusText` (a reason phrase, else
// TypeError) and `headers`; a body with a null-body status (101, 103, 204,
// 205, 304) is a TypeError. `Response.error()` (type 'error', status 0),
// `Response.redirect(url, status)` (301, 302, 303, 307 or 308, else
// RangeError; sets Location), `Response.json(data, init)`; `type`, `url`,
// `redirected`, `status`, `ok`, `statusText`, `headers`, `clone()` and the
// Body mixin.
// Responses from `fetch` (made by `internal.networkResponse`) have type
// 'basic', their final `url`, `redirected` and a streamed body (body.js).
// Divergences: headers have no `response`/`immutable` guards (even
// `Response.error()`'s headers can be changed); `clone()` of a streamed
// response reads the rest of its body first.
(function response(internal) {
  'use strict';

  const { Headers, JSON } = globalThis;
  const NULL_BODY_STATUSES = [101, 103, 204, 205, 304];
  const REDIRECT_STATUSES = [301, 302, 303, 307, 308];
  const REASON_PHRASE = /^[\t\u0020-\u007e\u0080-\u00ff]*$/;

  const checkBodyAllowed = (status) => {
    if (NULL_BODY_STATUSES.includes(status)) {
      throw new TypeError(`Response: a response with status ${status} cannot have a body`);
    }
  };

  // WebIDL's `unsigned short` conversion.
  const toUnsignedShort = (value) => {
    const number = Math.trunc(Number(value)) || 0;
    return ((number % 65536) + 65536) % 65536;
  };

  class Response {
    #type = 'default';
    #status = 200;
    #statusText = '';
    #headers;
    #body = null;
    #url = '';
    #redirected = false;

    constructor(body = null, init = {}) {
      init ??= {};
      const status = init.status === undefined ? 200 : toUnsignedShort(init.status);
      if (status < 200 || status > 599) {
        throw new RangeError(`Response: status ${status} is not in the range 200 to 599`);
      }
      if (init.statusText !== undefined) {
        const statusText = internal.toDOMString(init.statusText);
        if (!REASON_PHRASE.test(statusText)) {
          throw new TypeError(`Response: '${statusText}' is not a valid status text`);
        }
        this.#statusText = statusText;
      }
      this.#status = status;
      this.#headers = new Headers(init.headers);
      if (body !== null) {
        checkBodyAllowed(status);
        const { bytes, stream, type } = internal.extractBody(body);
        this.#body = stream === undefined ? { bytes, used: false } : { stream, used: false };
        if (type !== null && !this.#headers.has('content-type')) {
          internal.appendTrusted(this.#headers, 'content-type', type);
        }
      }
    }

    static error() {
      const response = new Response();
      response.#type = 'error';
      response.#status = 0;
      return response;
    }

    static redirect(url, status = 302) {
      const location = internal.parseURL(url);
      const code = toUnsignedShort(status);
      if (!REDIRECT_STATUSES.includes(code)) {
        throw new RangeError(`Response.redirect: ${code} is not a redirect status`);
      }
      const response = new Response(null, { status: code });
      response.#headers.set('Location', location);
      return response;
    }

    static json(data, init = {}) {
      const text = JSON.stringify(data);
      if (text === undefined) {
        throw new TypeError('Response.json: the data has no JSON representation');
      }
      const response = new Response(null, init);
      checkBodyAllowed(response.#status);
      // The encoded text is this response's own: no copy, unlike a body
      // handed to the constructor.
      response.#body = { bytes: internal.utf8Encode(text), used: false };
      if (!response.#headers.has('content-type')) {
        internal.appendTrusted(response.#headers, 'content-type', 'application/json');
      }
      return response;
    }

    get type() { return this.#type; }
    get url() { return this.#url; }
    get redirected() { return this.#redirected; }
    get status() { return this.#status; }
    get ok() { return this.#status >= 200 && this.#status <= 299; }
    get statusText() { return this.#statusText; }
    get headers() { return this.#headers; }

    clone() {
      if (this.#body?.used) {
        throw new TypeError('Response.clone: the body has already been used');
      }
      if (this.#body !== null) internal.bufferBody(this.#body);
      const copy = new Response(null, { headers: this.#headers });
      copy.#type = this.#type;
      copy.#url = this.#url;
      copy.#redirected = this.#redirected;
      copy.#status = this.#status;
      copy.#statusText = this.#statusText;
      if (this.#body !== null) copy.#body = { bytes: this.#body.bytes, used: false };
      return copy;
    }

    static {
      // A response received by `fetch`: `source` streams its body (null
      // for a response without one).
      internal.networkResponse = ({ status, statusText, headers, source, url, redirected }) => {
        const response = new Response(null, { headers });
        response.#type = 'basic';
        response.#status = status;
        response.#statusText = statusText;
        response.#url = url;
        response.#redirected = redirected;
        if (source !== null) response.#body = { source, used: false };
        return response;
      };
      internal.responseBody = (response) => response.#body;
      internal.mixinBody(
        Response,
        (response) => response.#body,
        (response) => response.#headers,
      );
    }
  }

  internal.brand(Response);
  internal.defineGlobals({ Response });
})
