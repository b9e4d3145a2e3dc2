// `fetch` (Fetch §5.6), on the host's `http` interface.
//
// The request is a `Request` made from the arguments; its (buffered) body,
// method, headers and URL go to the host, which checks the URL's host
// against the run's net grant and sends it. Redirects (301, 302, 303, 307,
// 308 with a Location) are followed here, each hop a new host request and
// so a new grant check, up to 20; `redirect: 'error'` rejects and
// 'manual' returns the redirect response itself. 303, and 301/302 after a
// POST, become a GET without body; `Authorization` is dropped when a
// redirect changes origin. The response body streams from the host chunk
// by chunk (see body.js).
// Errors: a host the grant refuses rejects with an `Error` whose `code` is
// 'ERR_ACCESS_DENIED'; network failures reject with `TypeError('fetch
// failed: …')` (its `cause` the host's error); a bad URL or scheme with a
// TypeError. The run's deadline bounds the whole exchange: a server still
// sending at the deadline ends the run as `timeout`.
// Divergences: host calls block, so an `AbortSignal` is honoured before
// the request, between redirects and between body chunks, but cannot
// interrupt a wait for the server; there is no CORS, no cache, no cookie
// jar, no `keepalive`; the request body is sent buffered.
(function fetch(internal) {
  'use strict';

  const { Headers, Request, URL } = globalThis;
  const native = internal.http;
  const MAX_REDIRECTS = 20;
  const CHUNK_BYTES = 64 * 1024;
  const REDIRECT_STATUSES = [301, 302, 303, 307, 308];
  const NULL_BODY_STATUSES = [101, 103, 204, 205, 304];

  const convert = (error) => {
    if (error?.code === 'ERR_NETWORK') return new TypeError(`fetch failed: ${error.message}`, { cause: error });
    if (error?.code === 'ERR_INVALID_REQUEST') return new TypeError(error.message);
    return error;
  };

  const location = (headers) => {
    for (const [name, value] of headers) if (name === 'location') return value;
    return null;
  };

  const origin = (href) => new URL(href).origin;

  async function fetch(input, init = undefined) {
    const request = new Request(input, init);
    const { signal } = request;
    signal.throwIfAborted();
    let method = request.method;
    let url = request.url;
    let headers = [...request.headers];
    // A ReadableStream body is read whole first: the host sends bodies
    // buffered.
    const record = internal.requestBody(request);
    let body = record === null ? null : internal.bodyToSend(request, record);
    if (body !== null && !(body instanceof Uint8Array)) body = await request.bytes();
    let redirected = false;
    for (let hop = 0; ; hop++) {
      signal.throwIfAborted();
      let sent;
      try {
        sent = native.send(method, url, headers, body);
      } catch (error) {
        throw convert(error);
      }
      const next = REDIRECT_STATUSES.includes(sent.status) ? location(sent.headers) : null;
      if (next !== null && request.redirect !== 'manual') {
        native.close(sent.body);
        if (request.redirect === 'error') {
          throw new TypeError(`fetch failed: redirected to '${next}' and redirect is 'error'`);
        }
        if (hop === MAX_REDIRECTS) throw new TypeError('fetch failed: too many redirects');
        const target = new URL(next, url).href;
        if (sent.status === 303 ? method !== 'GET' && method !== 'HEAD' : sent.status <= 302 && method === 'POST') {
          method = 'GET';
          body = null;
          headers = headers.filter(([name]) => !name.startsWith('content-'));
        }
        if (origin(target) !== origin(url)) {
          headers = headers.filter(([name]) => name !== 'authorization');
        }
        url = target;
        redirected = true;
        continue;
      }
      const id = sent.body;
      const source = {
        pull() {
          if (signal.aborted) {
            native.close(id);
            throw signal.reason;
          }
          let chunk;
          try {
            chunk = native.read(id, CHUNK_BYTES);
          } catch (error) {
            throw convert(error);
          }
          return chunk === undefined ? null : new Uint8Array(chunk);
        },
        cancel() {
          native.close(id);
        },
      };
      const bodiless = method === 'HEAD' || NULL_BODY_STATUSES.includes(sent.status);
      if (bodiless) native.close(id);
      return internal.networkResponse({
        status: sent.status,
        statusText: sent.statusText,
        headers: new Headers(sent.headers),
        source: bodiless ? null : source,
        url,
        redirected,
      });
    }
  }

  internal.defineGlobals({ fetch });
})
