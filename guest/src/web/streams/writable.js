// `WritableStream` (Streams §5) with its default writer and controller,
// following the standard's algorithms (named in the comments) on one state
// object shared by the stream, its controller and its writer.
//
// Supported: `new WritableStream(underlyingSink, strategy)` with `start`,
// `write`, `close` and `abort` (each may return a promise), a strategy's
// `highWaterMark` and `size`; `locked`, `abort()`, `close()`,
// `getWriter()` (`write`, `close`, `abort`, `releaseLock`, `closed`,
// `ready`, `desiredSize`); the controller's `error` and `signal`.
// For transform.js and pipeTo: `internal.writableState(stream)` (or null).
(function writableStreams(internal) {
  'use strict';

  const { AbortController, Promise, RangeError, Symbol, TypeError } = globalThis;
  const { deferred } = internal;
  const token = Symbol('internal');
  const CLOSE = Symbol('close');

  const settled = (promise) => {
    promise.catch(() => {});
    return promise;
  };
  // A deferred that knows whether it is still pending.
  const tracked = () => {
    const d = deferred();
    const { resolve, reject } = d;
    d.pending = true;
    d.resolve = (value) => {
      d.pending = false;
      resolve(value);
    };
    d.reject = (reason) => {
      d.pending = false;
      reject(reason);
    };
    return d;
  };
  // Rejects `d` if pending, else gives a new rejected one (the standard's
  // "ensure … promise rejected").
  const rejectedFrom = (d, reason) => {
    const target = d.pending ? d : tracked();
    target.reject(reason);
    settled(target.promise);
    return target;
  };
  // A sink method as a promise-returning algorithm (a throw rejects).
  const algorithm = (sink, name) => {
    const method = sink[name];
    return (...args) => {
      try {
        return Promise.resolve(typeof method === 'function' ? method.call(sink, ...args) : undefined);
      } catch (error) {
        return Promise.reject(error);
      }
    };
  };
  const resolved = () => Promise.resolve();

  class State {
    constructor(sink, strategy) {
      this.state = 'writable';
      this.storedError = undefined;
      this.writer = null;
      this.writeRequests = [];
      this.inFlightWriteRequest = null;
      this.closeRequest = null;
      this.inFlightCloseRequest = null;
      this.pendingAbortRequest = null;
      this.backpressure = false;
      this.queue = [];
      this.queueSize = 0;
      this.started = false;
      let highWaterMark = 1;
      if (strategy.highWaterMark !== undefined) {
        highWaterMark = Number(strategy.highWaterMark);
        if (Number.isNaN(highWaterMark) || highWaterMark < 0) {
          throw new RangeError('WritableStream: the highWaterMark must be a non-negative number');
        }
      }
      this.highWaterMark = highWaterMark;
      // The standard calls `size` as a plain function, not on the strategy.
      const { size } = strategy;
      this.size = size === undefined ? () => 1 : (chunk) => size(chunk);
      this.writeAlgorithm = algorithm(sink, 'write');
      this.closeAlgorithm = algorithm(sink, 'close');
      this.abortAlgorithm = algorithm(sink, 'abort');
      this.abortController = new AbortController();
      this.controller = new WritableStreamDefaultController(token, this);
    }

    clearAlgorithms() {
      this.writeAlgorithm = resolved;
      this.closeAlgorithm = resolved;
      this.abortAlgorithm = resolved;
    }

    closeQueuedOrInFlight() {
      return this.closeRequest !== null || this.inFlightCloseRequest !== null;
    }

    // WritableStreamAbort
    abort(reason) {
      if (this.state === 'closed' || this.state === 'errored') return Promise.resolve();
      this.abortController.abort(reason);
      if (this.state === 'closed' || this.state === 'errored') return Promise.resolve();
      if (this.pendingAbortRequest !== null) return this.pendingAbortRequest.promise.promise;
      const wasAlreadyErroring = this.state === 'erroring';
      const promise = deferred();
      this.pendingAbortRequest = { promise, reason: wasAlreadyErroring ? undefined : reason, wasAlreadyErroring };
      if (!wasAlreadyErroring) this.startErroring(reason);
      return promise.promise;
    }

    // WritableStreamClose
    close() {
      if (this.state === 'closed' || this.state === 'errored') {
        return Promise.reject(new TypeError('WritableStream: the stream is closed or errored'));
      }
      const request = deferred();
      this.closeRequest = request;
      if (this.writer !== null && this.backpressure && this.state === 'writable') this.writer.ready.resolve();
      this.queue.push({ value: CLOSE, size: 0 });
      this.advanceQueueIfNeeded();
      return request.promise;
    }

    startErroring(reason) {
      this.storedError = reason;
      this.state = 'erroring';
      if (this.writer !== null) this.writer.rejectReady(reason);
      if (this.inFlightWriteRequest === null && this.inFlightCloseRequest === null && this.started) {
        this.finishErroring();
      }
    }

    finishErroring() {
      this.state = 'errored';
      this.queue = [];
      this.queueSize = 0;
      for (const request of this.writeRequests.splice(0)) request.reject(this.storedError);
      const abortRequest = this.pendingAbortRequest;
      if (abortRequest === null) {
        this.rejectCloseAndClosedPromiseIfNeeded();
        return;
      }
      this.pendingAbortRequest = null;
      if (abortRequest.wasAlreadyErroring) {
        abortRequest.promise.reject(this.storedError);
        this.rejectCloseAndClosedPromiseIfNeeded();
        return;
      }
      const aborted = this.abortAlgorithm(abortRequest.reason);
      this.clearAlgorithms();
      aborted.then(
        () => {
          abortRequest.promise.resolve();
          this.rejectCloseAndClosedPromiseIfNeeded();
        },
        (error) => {
          abortRequest.promise.reject(error);
          this.rejectCloseAndClosedPromiseIfNeeded();
        },
      );
    }

    dealWithRejection(error) {
      if (this.state === 'writable') this.startErroring(error);
      else this.finishErroring();
    }

    rejectCloseAndClosedPromiseIfNeeded() {
      if (this.closeRequest !== null) {
        this.closeRequest.reject(this.storedError);
        this.closeRequest = null;
      }
      if (this.writer !== null) this.writer.rejectClosed(this.storedError);
    }

    updateBackpressure(backpressure) {
      if (this.writer !== null && backpressure !== this.backpressure) {
        if (backpressure) this.writer.ready = tracked();
        else this.writer.ready.resolve();
      }
      this.backpressure = backpressure;
    }

    desiredSize() {
      return this.highWaterMark - this.queueSize;
    }

    chunkSize(chunk) {
      try {
        return this.size(chunk);
      } catch (error) {
        this.errorIfNeeded(error);
        return 1;
      }
    }

    // WritableStreamDefaultControllerWrite
    write(chunk, chunkSize) {
      try {
        const size = Number(chunkSize);
        if (Number.isNaN(size) || size < 0 || size === Infinity) {
          throw new RangeError('WritableStream: a chunk size must be a finite, non-negative number');
        }
        this.queue.push({ value: chunk, size });
        this.queueSize += size;
      } catch (error) {
        this.errorIfNeeded(error);
        return;
      }
      if (!this.closeQueuedOrInFlight() && this.state === 'writable') {
        this.updateBackpressure(this.desiredSize() <= 0);
      }
      this.advanceQueueIfNeeded();
    }

    errorIfNeeded(error) {
      if (this.state === 'writable') this.error(error);
    }

    error(error) {
      this.clearAlgorithms();
      this.startErroring(error);
    }

    advanceQueueIfNeeded() {
      if (!this.started || this.inFlightWriteRequest !== null) return;
      if (this.state === 'erroring') {
        this.finishErroring();
        return;
      }
      if (this.queue.length === 0) return;
      const { value } = this.queue[0];
      if (value === CLOSE) this.processClose();
      else this.processWrite(value);
    }

    processClose() {
      this.inFlightCloseRequest = this.closeRequest;
      this.closeRequest = null;
      this.queue.shift();
      const closed = this.closeAlgorithm();
      this.clearAlgorithms();
      closed.then(
        () => {
          this.inFlightCloseRequest.resolve();
          this.inFlightCloseRequest = null;
          if (this.state === 'erroring') {
            this.storedError = undefined;
            if (this.pendingAbortRequest !== null) {
              this.pendingAbortRequest.promise.resolve();
              this.pendingAbortRequest = null;
            }
          }
          this.state = 'closed';
          if (this.writer !== null) this.writer.closed.resolve();
        },
        (error) => {
          this.inFlightCloseRequest.reject(error);
          this.inFlightCloseRequest = null;
          if (this.pendingAbortRequest !== null) {
            this.pendingAbortRequest.promise.reject(error);
            this.pendingAbortRequest = null;
          }
          this.dealWithRejection(error);
        },
      );
    }

    processWrite(chunk) {
      this.inFlightWriteRequest = this.writeRequests.shift();
      this.writeAlgorithm(chunk, this.controller).then(
        () => {
          this.inFlightWriteRequest.resolve();
          this.inFlightWriteRequest = null;
          const { size } = this.queue.shift();
          this.queueSize = Math.max(0, this.queueSize - size);
          if (!this.closeQueuedOrInFlight() && this.state === 'writable') {
            this.updateBackpressure(this.desiredSize() <= 0);
          }
          this.advanceQueueIfNeeded();
        },
        (error) => {
          if (this.state === 'writable') this.clearAlgorithms();
          this.inFlightWriteRequest.reject(error);
          this.inFlightWriteRequest = null;
          this.dealWithRejection(error);
        },
      );
    }
  }

  class WritableStreamDefaultController {
    #state;

    constructor(key, state) {
      if (key !== token) throw new TypeError('Illegal constructor');
      this.#state = state;
    }

    get signal() { return this.#state.abortController.signal; }

    error(error) {
      if (this.#state.state === 'writable') this.#state.error(error);
    }
  }

  class WritableStreamDefaultWriter {
    #state;

    constructor(stream) {
      const state = internal.writableState(stream);
      if (state === null) throw new TypeError('WritableStreamDefaultWriter: the argument is not a WritableStream');
      if (state.writer !== null) throw new TypeError('WritableStreamDefaultWriter: the stream is locked');
      this.#state = state;
      const writer = {
        owner: this,
        ready: tracked(),
        closed: tracked(),
        rejectReady(reason) {
          this.ready = rejectedFrom(this.ready, reason);
        },
        rejectClosed(reason) {
          this.closed = rejectedFrom(this.closed, reason);
        },
      };
      state.writer = writer;
      if (state.state === 'writable') {
        if (state.closeQueuedOrInFlight() || !state.backpressure) writer.ready.resolve();
      } else if (state.state === 'erroring') {
        writer.rejectReady(state.storedError);
      } else if (state.state === 'closed') {
        writer.ready.resolve();
        writer.closed.resolve();
      } else {
        writer.rejectReady(state.storedError);
        writer.rejectClosed(state.storedError);
      }
    }

    #own(method) {
      const state = this.#state;
      if (state === null || state.writer?.owner !== this) {
        throw new TypeError(`WritableStreamDefaultWriter.${method}: the writer has been released`);
      }
      return state;
    }

    #released(method) {
      return Promise.reject(new TypeError(`WritableStreamDefaultWriter.${method}: the writer has been released`));
    }

    get closed() {
      return this.#state?.writer?.owner === this ? this.#state.writer.closed.promise : this.#released('closed');
    }

    get ready() {
      return this.#state?.writer?.owner === this ? this.#state.writer.ready.promise : this.#released('ready');
    }

    get desiredSize() {
      const state = this.#own('desiredSize');
      if (state.state === 'errored' || state.state === 'erroring') return null;
      if (state.state === 'closed') return 0;
      return state.desiredSize();
    }

    abort(reason) {
      if (this.#state?.writer?.owner !== this) return this.#released('abort');
      return this.#state.abort(reason);
    }

    close() {
      if (this.#state?.writer?.owner !== this) return this.#released('close');
      if (this.#state.closeQueuedOrInFlight()) {
        return Promise.reject(new TypeError('WritableStreamDefaultWriter.close: the stream is already closing'));
      }
      return this.#state.close();
    }

    write(chunk = undefined) {
      if (this.#state?.writer?.owner !== this) return this.#released('write');
      const state = this.#state;
      const chunkSize = state.chunkSize(chunk);
      if (state.state === 'errored' || state.state === 'erroring') return Promise.reject(state.storedError);
      if (state.closeQueuedOrInFlight() || state.state === 'closed') {
        return Promise.reject(new TypeError('WritableStreamDefaultWriter.write: the stream is closing or closed'));
      }
      const request = deferred();
      state.writeRequests.push(request);
      state.write(chunk, chunkSize);
      return request.promise;
    }

    releaseLock() {
      const state = this.#state;
      if (state === null || state.writer?.owner !== this) return;
      const released = new TypeError('WritableStreamDefaultWriter: the writer was released');
      state.writer.rejectReady(released);
      state.writer.rejectClosed(released);
      state.writer = null;
      this.#state = null;
    }
  }

  class WritableStream {
    #state;

    constructor(underlyingSink = undefined, strategy = {}) {
      const sink = underlyingSink ?? {};
      if (sink.type !== undefined) throw new RangeError(`WritableStream: type '${sink.type}' is not valid`);
      const state = new State(sink, strategy ?? {});
      this.#state = state;
      state.updateBackpressure(state.desiredSize() <= 0);
      algorithm(sink, 'start')(state.controller).then(
        () => {
          state.started = true;
          state.advanceQueueIfNeeded();
        },
        (error) => {
          state.started = true;
          state.dealWithRejection(error);
        },
      );
    }

    get locked() { return this.#state.writer !== null; }

    abort(reason) {
      if (this.#state.writer !== null) return Promise.reject(new TypeError('WritableStream.abort: the stream is locked'));
      return this.#state.abort(reason);
    }

    close() {
      if (this.#state.writer !== null) return Promise.reject(new TypeError('WritableStream.close: the stream is locked'));
      if (this.#state.closeQueuedOrInFlight()) {
        return Promise.reject(new TypeError('WritableStream.close: the stream is already closing'));
      }
      return this.#state.close();
    }

    getWriter() {
      return new WritableStreamDefaultWriter(this);
    }

    static {
      internal.writableState = (value) =>
        typeof value === 'object' && value !== null && #state in value ? value.#state : null;
    }
  }

  for (const Class of [WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController]) {
    internal.brand(Class);
  }
  internal.defineGlobals({ WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController });
})
