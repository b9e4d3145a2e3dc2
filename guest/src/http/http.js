// Dispatching one HTTP request to a Workers-style handler (see mod.rs).
//
// The entry either exports `default { fetch(request, env, ctx) }` or calls
// `addEventListener('fetch', (event) => event.respondWith(...))` on the
// global object. `env` is a frozen object of the server's configured vars;
// `ctx.waitUntil(promise)` (and `event.waitUntil`) lets work go on after
// the response is sent: the run lasts until it is idle or reaches its
// deadline, and a rejected `waitUntil` promise is logged with
// `console.error`, not fatal.
// Bodies: a request body that arrived whole is buffered in the Request
// (its `body` a one-chunk `ReadableStream`, as for any buffered body); one
// that streams is a `ReadableStream` pulling chunks from the host as the
// handler reads it (a read fails with a TypeError when the body is over
// the server's limit or cut short). A Response whose body is buffered (and
// not read from) goes to the host in one call, its bytes uncopied; any
// other body (a `ReadableStream`, a fetched response's stream) is sent as
// a head at once, then chunk by chunk as the stream yields them, and the
// response counts as sent when the stream ends. A stream that errors fails
// the run, which leaves the client an incomplete response.
// `internal` is the web APIs' shared internals (see web/mod.rs).
// Divergences from Workers: there is no `FetchEvent` global and no
// `passThroughOnException` (there is no origin to pass through to).
(function http(respond, native, internal) {
  'use strict';

  const {
    Event, EventTarget, Headers, Request, Response, Promise, DOMException, ReadableStream, TypeError,
    Uint8Array,
  } = globalThis;
  const dispatchEvent = EventTarget.prototype.dispatchEvent;
  const EMPTY = new Uint8Array(0);
  const CHUNK_BYTES = 64 * 1024;

  // The streamed request body, read from the host only as the handler
  // pulls it (a handler that never reads it never waits for it).
  function requestStream() {
    return new ReadableStream({
      pull(controller) {
        const chunk = native.readRequestBody(CHUNK_BYTES);
        if (chunk === undefined) controller.close();
        else controller.enqueue(new Uint8Array(chunk));
      },
      cancel() {
        native.closeRequestBody();
      },
    }, { highWaterMark: 0 });
  }

  // Sends a streamed body: the head now, then each chunk as the stream
  // yields it. A client that went away cancels the stream.
  async function stream(status, headers, body) {
    const reader = body.getReader();
    native.start(status, headers);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!(value instanceof Uint8Array)) {
        const error = new TypeError('a response body stream must yield Uint8Array chunks');
        reader.cancel(error).catch(() => {});
        throw error;
      }
      if (!native.write(value)) {
        await reader.cancel(new TypeError('the client went away'));
        return;
      }
    }
    native.finish();
  }

  function waitUntil(promise) {
    Promise.resolve(promise).then(undefined, (error) => {
      globalThis.console?.error('Uncaught (in waitUntil)', error);
    });
  }

  class FetchEvent extends Event {
    #request;
    #respondWith;

    constructor(request, respondWith) {
      super('fetch', { cancelable: true });
      this.#request = request;
      this.#respondWith = respondWith;
    }

    get request() { return this.#request; }

    respondWith(response) { this.#respondWith(response); }

    waitUntil(promise) { waitUntil(promise); }
  }

  // Hands `response` to the host. Synchronous when the Response's bytes are
  // already there, since every await would cost a job; a streamed body
  // returns the promise of its end.
  function send(response) {
    if (!(response instanceof Response)) {
      throw new TypeError('the fetch handler must return (or resolve to) a Response');
    }
    if (response.type === 'error') {
      throw new TypeError('the fetch handler returned Response.error()');
    }
    if (response.bodyUsed) {
      throw new TypeError('the fetch handler returned a Response whose body was already read');
    }
    const headers = internal.headerList(response.headers);
    const record = internal.responseBody(response);
    const body = record === null ? null : internal.bodyToSend(response, record);
    if (body === null) return respond(response.status, headers, EMPTY);
    if (body instanceof Uint8Array) return respond(response.status, headers, body);
    return stream(response.status, headers, body);
  }

  // Sends what a handler gave: a Response at once, a promise once it
  // resolves. Returns a promise that settles when the response is sent.
  function settle(result) {
    if (result instanceof Response) {
      try {
        const streaming = send(result);
        return streaming === undefined ? Promise.resolve() : streaming;
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return Promise.resolve(result).then(send);
  }

  // Returns the promise of the response being sent, or null when the entry
  // has no handler.
  return function dispatch(handler, method, url, headerList, bytes, envList) {
    const headers = new Headers();
    for (let i = 0; i < headerList.length; i += 2) headers.append(headerList[i], headerList[i + 1]);
    let body = null;
    if (method !== 'GET' && method !== 'HEAD') {
      body = bytes.length === 0 && native.takeRequestBody() ? requestStream() : bytes;
    }
    const request = new Request(url, { method, headers, body });
    const env = {};
    for (let i = 0; i < envList.length; i += 2) env[envList[i]] = envList[i + 1];
    Object.freeze(env);

    if (handler !== null && handler !== undefined && typeof handler.fetch === 'function') {
      const ctx = Object.freeze({ waitUntil });
      let result;
      try {
        result = handler.fetch(request, env, ctx);
      } catch (error) {
        return Promise.reject(error);
      }
      return settle(result);
    }
    let result;
    let responded = false;
    const event = new FetchEvent(request, (response) => {
      if (responded) {
        throw new DOMException('respondWith was already called', 'InvalidStateError');
      }
      responded = true;
      result = response;
    });
    dispatchEvent.call(globalThis, event);
    return responded ? settle(result) : null;
  };
})
