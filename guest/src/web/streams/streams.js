// `ReadableStream` (Streams §4) with its default reader and controller, and
// the two queuing strategies.
//
// Supported: `new ReadableStream(underlyingSource, strategy)` with
// `start`, `pull` and `cancel` (each may return a promise); a strategy's
// `highWaterMark` and `size`; the controller's `enqueue`, `close`, `error`
// and `desiredSize`; `locked`, `cancel()`, `getReader()` (a
// `ReadableStreamDefaultReader`: `read`, `releaseLock`, `cancel`,
// `closed`), async iteration (`values({ preventCancel })`) and
// `ReadableStream.from(iterable)`; `CountQueuingStrategy` and
// `ByteLengthQueuingStrategy`.
// For body.js: `internal.isReadableStream`, `internal.streamDisturbed`
// (whether it was ever read or cancelled) and `internal.readAllBytes`
// (every chunk, which must be a Uint8Array, concatenated).
// `pipeTo` and `pipeThrough` (to the `WritableStream` of writable.js,
// which installs after this file) follow the standard's piping: backpressure
// through the writer's `ready`, errors and closing propagated both ways
// unless prevented, an `AbortSignal`.
// `internal.deferred` is shared with writable.js and transform.js.
// `tee()` is the standard's default tee: both branches get every chunk
// (the same object, not a copy); the source is cancelled once both are.
// Divergences: no byte streams (`type: 'bytes'`, BYOB readers).
(function streams(internal) {
  'use strict';

  const { AbortSignal, Promise, RangeError, Symbol, TypeError, Uint8Array, queueMicrotask } = globalThis;
  const token = Symbol('internal');

  // Resolves or rejects a promise later: { promise, resolve, reject }.
  const deferred = () => {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
  internal.deferred = deferred;

  const highWaterMark = (strategy, fallback) => {
    if (strategy.highWaterMark === undefined) return fallback;
    const value = Number(strategy.highWaterMark);
    if (Number.isNaN(value) || value < 0) {
      throw new RangeError('ReadableStream: the highWaterMark must be a non-negative number');
    }
    return value;
  };

  // The state of one stream, shared by the stream, its controller and its
  // reader.
  class State {
    constructor(source, strategy) {
      this.state = 'readable';
      this.queue = [];
      this.queueSize = 0;
      this.highWaterMark = highWaterMark(strategy, 1);
      this.size = strategy.size === undefined ? () => 1 : strategy.size;
      this.source = source;
      this.started = false;
      this.pulling = false;
      this.pullAgain = false;
      this.closeRequested = false;
      this.storedError = undefined;
      this.reader = null;
      this.disturbed = false;
    }

    desiredSize() {
      if (this.state === 'errored') return null;
      if (this.state === 'closed') return 0;
      return this.highWaterMark - this.queueSize;
    }

    enqueue(chunk) {
      if (this.closeRequested || this.state !== 'readable') {
        throw new TypeError('ReadableStream: cannot enqueue into a closed or errored stream');
      }
      const requests = this.reader?.requests;
      if (requests !== undefined && requests.length > 0) {
        requests.shift().resolve({ value: chunk, done: false });
      } else {
        let size;
        try {
          size = Number(this.size(chunk));
          if (Number.isNaN(size) || size < 0 || size === Infinity) {
            throw new RangeError('ReadableStream: a chunk size must be a finite, non-negative number');
          }
        } catch (error) {
          this.error(error);
          throw error;
        }
        this.queue.push({ chunk, size });
        this.queueSize += size;
      }
      this.pullIfNeeded();
    }

    close() {
      if (this.closeRequested || this.state !== 'readable') {
        throw new TypeError('ReadableStream: the stream is already closed or errored');
      }
      this.closeRequested = true;
      if (this.queue.length === 0) this.finishClose();
    }

    finishClose() {
      this.state = 'closed';
      this.queue = [];
      this.queueSize = 0;
      const reader = this.reader;
      if (reader !== null) {
        for (const request of reader.requests.splice(0)) request.resolve({ value: undefined, done: true });
        reader.closed.resolve();
      }
    }

    error(error) {
      if (this.state !== 'readable') return;
      this.state = 'errored';
      this.storedError = error;
      this.queue = [];
      this.queueSize = 0;
      const reader = this.reader;
      if (reader !== null) {
        for (const request of reader.requests.splice(0)) request.reject(error);
        reader.closed.reject(error);
        reader.closed.promise.catch(() => {});
      }
    }

    pullIfNeeded() {
      if (this.state !== 'readable' || this.closeRequested || !this.started) return;
      const waiting = this.reader !== null && this.reader.requests.length > 0;
      if (!waiting && this.desiredSize() <= 0) return;
      if (this.pulling) {
        this.pullAgain = true;
        return;
      }
      const pull = this.source?.pull;
      if (typeof pull !== 'function') return;
      this.pulling = true;
      let result;
      try {
        result = pull.call(this.source, this.controller);
      } catch (error) {
        this.error(error);
        return;
      }
      Promise.resolve(result).then(
        () => {
          this.pulling = false;
          if (this.pullAgain) {
            this.pullAgain = false;
            this.pullIfNeeded();
          }
        },
        (error) => this.error(error),
      );
    }

    read() {
      this.disturbed = true;
      if (this.state === 'closed') return Promise.resolve({ value: undefined, done: true });
      if (this.state === 'errored') return Promise.reject(this.storedError);
      if (this.queue.length > 0) {
        const { chunk, size } = this.queue.shift();
        this.queueSize -= size;
        if (this.closeRequested && this.queue.length === 0) this.finishClose();
        else this.pullIfNeeded();
        return Promise.resolve({ value: chunk, done: false });
      }
      const request = deferred();
      this.reader.requests.push(request);
      this.pullIfNeeded();
      return request.promise;
    }

    cancel(reason) {
      this.disturbed = true;
      if (this.state === 'closed') return Promise.resolve();
      if (this.state === 'errored') return Promise.reject(this.storedError);
      this.finishClose();
      const cancel = this.source?.cancel;
      try {
        return Promise.resolve(typeof cancel === 'function' ? cancel.call(this.source, reason) : undefined)
          .then(() => undefined);
      } catch (error) {
        return Promise.reject(error);
      }
    }
  }

  class ReadableStreamDefaultController {
    #state;

    constructor(key, state) {
      if (key !== token) throw new TypeError('Illegal constructor');
      this.#state = state;
    }

    get desiredSize() { return this.#state.desiredSize(); }

    enqueue(chunk) { this.#state.enqueue(chunk); }

    close() { this.#state.close(); }

    error(error) { this.#state.error(error); }
  }

  class ReadableStreamDefaultReader {
    #state;

    constructor(stream) {
      const state = stateOf(stream, 'ReadableStreamDefaultReader');
      if (state.reader !== null) throw new TypeError('ReadableStreamDefaultReader: the stream is locked');
      this.#state = state;
      const closed = deferred();
      state.reader = { requests: [], closed, owner: this };
      if (state.state === 'closed') closed.resolve();
      if (state.state === 'errored') {
        closed.reject(state.storedError);
        closed.promise.catch(() => {});
      }
    }

    #own(method) {
      const state = this.#state;
      if (state === null || state.reader?.owner !== this) {
        throw new TypeError(`ReadableStreamDefaultReader.${method}: the reader has been released`);
      }
      return state;
    }

    get closed() {
      return this.#state?.reader?.owner === this ? this.#state.reader.closed.promise : Promise.reject(
        new TypeError('ReadableStreamDefaultReader.closed: the reader has been released'),
      );
    }

    read() {
      try {
        return this.#own('read').read();
      } catch (error) {
        return Promise.reject(error);
      }
    }

    cancel(reason) {
      try {
        return this.#own('cancel').cancel(reason);
      } catch (error) {
        return Promise.reject(error);
      }
    }

    releaseLock() {
      if (this.#state === null || this.#state.reader?.owner !== this) return;
      const { requests, closed } = this.#state.reader;
      const released = new TypeError('ReadableStreamDefaultReader: the reader was released');
      for (const request of requests.splice(0)) request.reject(released);
      closed.reject(released);
      closed.promise.catch(() => {});
      this.#state.reader = null;
      this.#state = null;
    }
  }

  let stateOf;

  class ReadableStream {
    #state;

    constructor(underlyingSource = undefined, strategy = {}) {
      const source = underlyingSource ?? {};
      if (source.type !== undefined) {
        throw new RangeError(`ReadableStream: type '${source.type}' is not supported (only default streams)`);
      }
      const state = new State(source, strategy ?? {});
      state.controller = new ReadableStreamDefaultController(token, state);
      this.#state = state;
      const start = source.start;
      const started = typeof start === 'function' ? start.call(source, state.controller) : undefined;
      Promise.resolve(started).then(
        () => {
          state.started = true;
          state.pullIfNeeded();
        },
        (error) => state.error(error),
      );
    }

    static from(iterable) {
      const iterator = iterable?.[Symbol.asyncIterator]?.() ?? iterable?.[Symbol.iterator]?.();
      if (iterator === undefined || typeof iterator.next !== 'function') {
        throw new TypeError('ReadableStream.from: the argument is not iterable');
      }
      return new ReadableStream({
        async pull(controller) {
          const { value, done } = await iterator.next();
          if (done) controller.close();
          else controller.enqueue(await value);
        },
        async cancel(reason) {
          await iterator.return?.(reason);
        },
      }, { highWaterMark: 0 });
    }

    get locked() { return this.#state.reader !== null; }

    cancel(reason) {
      if (this.#state.reader !== null) {
        return Promise.reject(new TypeError('ReadableStream.cancel: the stream is locked'));
      }
      return this.#state.cancel(reason);
    }

    getReader(options = {}) {
      if (options?.mode !== undefined) {
        throw new RangeError(`ReadableStream.getReader: mode '${options.mode}' is not supported`);
      }
      return new ReadableStreamDefaultReader(this);
    }

    // The iterator's `return` resolves even when cancelling fails (an
    // errored stream), and does nothing once the iteration is over:
    // QuickJS's `for await` may call it after a loop that ended by itself.
    values({ preventCancel = false } = {}) {
      const reader = this.getReader();
      let finished = false;
      const finish = () => {
        finished = true;
        reader.releaseLock();
      };
      return {
        async next() {
          if (finished) return { value: undefined, done: true };
          let result;
          try {
            result = await reader.read();
          } catch (error) {
            finish();
            throw error;
          }
          if (result.done) finish();
          return result;
        },
        async return(value) {
          if (!finished) {
            if (!preventCancel) await reader.cancel(value).catch(() => {});
            finish();
          }
          return { value, done: true };
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    }

    [Symbol.asyncIterator](options) {
      return this.values(options);
    }

    pipeTo(destination, options = {}) {
      try {
        const dest = internal.writableState(destination);
        if (dest === null) throw new TypeError('ReadableStream.pipeTo: the destination is not a WritableStream');
        const { preventClose, preventAbort, preventCancel, signal } = options ?? {};
        if (signal !== undefined && !(signal instanceof AbortSignal)) {
          throw new TypeError('ReadableStream.pipeTo: signal is not an AbortSignal');
        }
        if (this.locked) throw new TypeError('ReadableStream.pipeTo: the stream is locked');
        if (destination.locked) throw new TypeError('ReadableStream.pipeTo: the destination is locked');
        return pipe(this, destination, dest, {
          preventClose: Boolean(preventClose),
          preventAbort: Boolean(preventAbort),
          preventCancel: Boolean(preventCancel),
          signal,
        });
      } catch (error) {
        return Promise.reject(error);
      }
    }

    // ReadableStreamDefaultTee: one read at a time feeds both branches.
    tee() {
      const reader = this.getReader();
      const cancelled = [false, false];
      const reasons = [undefined, undefined];
      const controllers = [];
      const cancelDone = deferred();
      let reading = false;
      let readAgain = false;
      const pull = () => {
        if (reading) {
          readAgain = true;
          return Promise.resolve();
        }
        reading = true;
        reader.read().then(({ value, done }) => {
          if (done) {
            reading = false;
            controllers.forEach((controller, i) => cancelled[i] || controller.close());
            if (!cancelled[0] || !cancelled[1]) cancelDone.resolve();
            return;
          }
          // As the standard does, after a microtask, so that an error
          // reaching the reader first errors the branches instead.
          queueMicrotask(() => {
            readAgain = false;
            controllers.forEach((controller, i) => cancelled[i] || controller.enqueue(value));
            reading = false;
            if (readAgain) pull();
          });
        }, () => {
          reading = false;
        });
        return Promise.resolve();
      };
      const branch = (i) => new ReadableStream({
        start(controller) {
          controllers[i] = controller;
        },
        pull,
        cancel(reason) {
          cancelled[i] = true;
          reasons[i] = reason;
          if (cancelled[0] && cancelled[1]) reader.cancel(reasons).then(cancelDone.resolve, cancelDone.reject);
          return cancelDone.promise;
        },
      });
      const branches = [branch(0), branch(1)];
      reader.closed.catch((error) => {
        for (const controller of controllers) controller.error(error);
        if (!cancelled[0] || !cancelled[1]) cancelDone.resolve();
      });
      return branches;
    }

    pipeThrough(transform, options = {}) {
      const { writable, readable } = transform ?? {};
      if (internal.writableState(writable) === null) {
        throw new TypeError('ReadableStream.pipeThrough: transform.writable is not a WritableStream');
      }
      if (!internal.isReadableStream(readable)) {
        throw new TypeError('ReadableStream.pipeThrough: transform.readable is not a ReadableStream');
      }
      if (this.locked) throw new TypeError('ReadableStream.pipeThrough: the stream is locked');
      if (writable.locked) throw new TypeError('ReadableStream.pipeThrough: the destination is locked');
      this.pipeTo(writable, options).catch(() => {});
      return readable;
    }

    static {
      stateOf = (stream, name) => {
        if (typeof stream !== 'object' || stream === null || !(#state in stream)) {
          throw new TypeError(`${name}: the argument is not a ReadableStream`);
        }
        return stream.#state;
      };
      internal.isReadableStream = (value) => typeof value === 'object' && value !== null && #state in value;
      internal.streamDisturbed = (stream) => stream.#state.disturbed;
    }
  }

  // ReadableStreamPipeTo: reads while the destination's writer is ready,
  // writes without waiting for each write, and shuts down once (after the
  // writes already made) when either side ends, errors or the signal aborts.
  function pipe(source, destination, dest, { preventClose, preventAbort, preventCancel, signal }) {
    const reader = source.getReader();
    const writer = destination.getWriter();
    const result = deferred();
    let shuttingDown = false;
    let currentWrite = Promise.resolve();
    let onAbort;
    const finalize = (isError, error) => {
      writer.releaseLock();
      reader.releaseLock();
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
      if (isError) result.reject(error);
      else result.resolve();
    };
    const shutdown = (action, isError, error) => {
      if (shuttingDown) return;
      shuttingDown = true;
      const run = () => {
        if (action === null) {
          finalize(isError, error);
          return;
        }
        action().then(() => finalize(isError, error), (newError) => finalize(true, newError));
      };
      if (dest.state === 'writable' && !dest.closeQueuedOrInFlight()) currentWrite.then(run, run);
      else run();
    };
    const cancelSource = (error) => (preventCancel ? null : () => reader.cancel(error));
    if (signal !== undefined) {
      onAbort = () => {
        const error = signal.reason;
        const actions = [];
        if (!preventAbort) actions.push(() => (dest.state === 'writable' ? writer.abort(error) : Promise.resolve()));
        if (!preventCancel) actions.push(() => reader.cancel(error));
        shutdown(() => Promise.all(actions.map((action) => action())), true, error);
      };
      if (signal.aborted) {
        onAbort();
        return result.promise;
      }
      signal.addEventListener('abort', onAbort);
    }
    reader.closed.then(undefined, (error) => {
      shutdown(preventAbort ? null : () => writer.abort(error), true, error);
    });
    writer.closed.then(
      () => {
        const error = new TypeError('ReadableStream.pipeTo: the destination closed');
        shutdown(cancelSource(error), true, error);
      },
      (error) => shutdown(cancelSource(error), true, error),
    );
    const pump = async () => {
      while (!shuttingDown) {
        await writer.ready;
        if (shuttingDown) return;
        const { value, done } = await reader.read();
        if (shuttingDown) return;
        if (done) {
          shutdown(preventClose ? null : () => writer.close(), false);
          return;
        }
        currentWrite = writer.write(value);
        currentWrite.catch(() => {});
      }
    };
    // A failed read or wait means a side errored: the `closed` handlers
    // above shut down.
    pump().catch(() => {});
    return result.promise;
  }

  // Every chunk of `stream`, concatenated.
  internal.readAllBytes = async (stream) => {
    const reader = stream.getReader();
    const chunks = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!(value instanceof Uint8Array)) {
        const error = new TypeError('a body stream must yield Uint8Array chunks');
        await reader.cancel(error);
        throw error;
      }
      chunks.push(value);
    }
    return internal.concatBytes(chunks);
  };

  class CountQueuingStrategy {
    #highWaterMark;

    constructor({ highWaterMark }) { this.#highWaterMark = Number(highWaterMark); }

    get highWaterMark() { return this.#highWaterMark; }

    get size() { return () => 1; }
  }

  class ByteLengthQueuingStrategy {
    #highWaterMark;

    constructor({ highWaterMark }) { this.#highWaterMark = Number(highWaterMark); }

    get highWaterMark() { return this.#highWaterMark; }

    get size() { return (chunk) => chunk.byteLength; }
  }

  for (const Class of [ReadableStream, ReadableStreamDefaultReader, ReadableStreamDefaultController,
    CountQueuingStrategy, ByteLengthQueuingStrategy]) {
    internal.brand(Class);
  }
  internal.defineGlobals({
    ReadableStream,
    ReadableStreamDefaultReader,
    ReadableStreamDefaultController,
    CountQueuingStrategy,
    ByteLengthQueuingStrategy,
  });
})
