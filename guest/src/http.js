// Dispatching one HTTP request to a Workers-style handler (see http.rs).
//
// The entry either exports `default { fetch(request, env, ctx) }` or calls
// `addEventListener('fetch', (event) => event.respondWith(...))` on the
// global object. `env` is a frozen object of the server's configured vars;
// `ctx.waitUntil(promise)` (and `event.waitUntil`) lets work go on after
// the response is sent: the run lasts until it is idle or reaches its
// deadline, and a rejected `waitUntil` promise is logged with
// `console.error`, not fatal. Divergences from Workers: there is no
// `FetchEvent` global and no `passThroughOnException` (there is no origin to
// pass through to); bodies are buffered, both ways.
(function http(respond) {
  'use strict';

  const { Event, EventTarget, Headers, Request, Response, Promise, DOMException } = globalThis;
  const dispatchEvent = EventTarget.prototype.dispatchEvent;

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

  // Hands `response` to the host. Synchronous: a Response's bytes are
  // already there, and every await would cost a job.
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
    const headers = [];
    for (const [name, value] of response.headers) headers.push(name, value);
    respond(response.status, headers, response.body ?? new Uint8Array(0));
  }

  // Sends what a handler gave: a Response at once, a promise once it
  // resolves. Returns a promise that settles when the response is sent.
  function settle(result) {
    if (result instanceof Response) {
      try {
        send(result);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return Promise.resolve(result).then(send);
  }

  // Returns the promise of the response being sent, or null when the entry
  // has no handler.
  return function dispatch(handler, method, url, headerList, body, envList) {
    const headers = new Headers();
    for (let i = 0; i < headerList.length; i += 2) headers.append(headerList[i], headerList[i + 1]);
    const hasBody = method !== 'GET' && method !== 'HEAD';
    const request = new Request(url, { method, headers, body: hasBody ? body : null });
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
