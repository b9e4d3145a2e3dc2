// `Request` (Fetch §5.4).
//
// Supported: construction from a URL string or another Request (whose body
// is then taken, leaving it used) plus `init` with `method`, `headers`,
// `body`, `signal` and `redirect`; method validation and normalization
// (only DELETE, GET, HEAD, OPTIONS, POST and PUT are uppercased; CONNECT,
// TRACE and TRACK are TypeErrors); GET and HEAD requests cannot have a body;
// `signal` is always an AbortSignal that follows the given one; `clone()`;
// the Body mixin (see body.js).
// Divergences: there are no relative URLs (there is no base URL); `mode`, `credentials`, `cache`,
// `referrer`, `referrerPolicy`, `integrity`, `keepalive`, `priority` and
// `duplex` are neither read from `init` nor exposed, since `fetch` (fetch.js)
// has no use for them; headers have no `request` guard.
(function request(internal) {
  'use strict';

  const { Headers } = globalThis;
  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const NORMALIZED = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'];
  const FORBIDDEN = ['CONNECT', 'TRACE', 'TRACK'];
  const REDIRECTS = ['follow', 'error', 'manual'];

  // An absolute URL's serialization; shared with `Response.redirect`.
  internal.parseURL = (input, allowCredentials = true) =>
    internal.href(internal.toUSVString(input), allowCredentials);

  function normalizeMethod(method) {
    // The usual methods are their own normalization; skip the token regex.
    if (typeof method === 'string' && NORMALIZED.includes(method)) return method;
    const string = internal.toDOMString(method);
    const upper = string.toUpperCase();
    if (!TOKEN.test(string) || FORBIDDEN.includes(upper)) {
      throw new TypeError(`Request: '${string}' is not a valid method`);
    }
    return NORMALIZED.includes(upper) ? upper : string;
  }

  class Request {
    #url;
    #method = 'GET';
    #headers;
    #body = null;
    // Null until first read when the request follows no other signal:
    // such a signal can never be aborted, and most handlers never ask.
    #signal = null;
    #redirect = 'follow';

    constructor(input, init = {}) {
      if (arguments.length === 0) {
        throw new TypeError("Request: the 'input' argument is required");
      }
      init ??= {};
      const source = typeof input === 'object' && input !== null && #url in input ? input : null;
      this.#url = source !== null ? source.#url : internal.parseURL(input, false);
      if (init.method !== undefined) {
        this.#method = normalizeMethod(init.method);
      } else if (source !== null) {
        this.#method = source.#method;
      }
      if (init.redirect !== undefined) {
        const redirect = `${init.redirect}`;
        if (!REDIRECTS.includes(redirect)) {
          throw new TypeError(`Request: '${redirect}' is not a valid redirect mode`);
        }
        this.#redirect = redirect;
      } else if (source !== null) {
        this.#redirect = source.#redirect;
      }
      const signal = init.signal === undefined ? (source?.#signal ?? null) : init.signal;
      if (signal !== null) {
        internal.checkSignal(signal);
        this.#signal = internal.dependentSignal([signal]);
      }
      this.#headers = new Headers(init.headers === undefined ? source?.#headers : init.headers);

      const initBody = init.body ?? null;
      if ((initBody !== null || source?.#body) && (this.#method === 'GET' || this.#method === 'HEAD')) {
        throw new TypeError('Request: a GET or HEAD request cannot have a body');
      }
      if (initBody !== null) {
        const { bytes, stream, type } = internal.extractBody(initBody);
        this.#body = stream === undefined ? { bytes, used: false } : { stream, used: false };
        if (type !== null && !this.#headers.has('content-type')) {
          internal.appendTrusted(this.#headers, 'content-type', type);
        }
      } else if (source?.#body) {
        if (source.#body.used) {
          throw new TypeError('Request: the body of the input request has already been used');
        }
        this.#body = internal.transferBody(source.#body);
        source.#body.used = true;
      }
    }

    get method() { return this.#method; }
    get url() { return this.#url; }
    get headers() { return this.#headers; }
    get signal() { return (this.#signal ??= internal.newSignal()); }
    get redirect() { return this.#redirect; }

    clone() {
      if (this.#body?.used) {
        throw new TypeError('Request.clone: the body has already been used');
      }
      const copy = new Request(this.#url, {
        method: this.#method,
        headers: this.#headers,
        signal: this.#signal,
        redirect: this.#redirect,
      });
      if (this.#body !== null) {
        internal.bufferBody(this.#body);
        copy.#body = { bytes: this.#body.bytes, used: false };
      }
      return copy;
    }

    static {
      internal.requestBody = (request) => request.#body;
      internal.mixinBody(
        Request,
        (request) => request.#body,
        (request) => request.#headers,
      );
    }
  }

  internal.brand(Request);
  internal.defineGlobals({ Request });
})
