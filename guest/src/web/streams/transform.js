// `TransformStream` (Streams §6) and its default controller: a
// `WritableStream` whose sink runs the transformer, and a `ReadableStream`
// whose source is fed by it, joined by the standard's backpressure
// promise (named after the standard's algorithms in the comments).
//
// Supported: `new TransformStream(transformer, writableStrategy,
// readableStrategy)` with `start`, `transform` and `flush` (each may return
// a promise); `readable`, `writable`; the controller's `enqueue`, `error`,
// `terminate` and `desiredSize`. Divergence: the transformer's `cancel`
// (added to the standard in 2023) is not called; a cancelled readable or
// aborted writable errors the other side, as the standard did before.
(function transformStreams(internal) {
  'use strict';

  const { Promise, RangeError, ReadableStream, Symbol, TypeError, WritableStream } = globalThis;
  const { deferred } = internal;
  const token = Symbol('internal');

  // A transformer method as a promise-returning algorithm (a throw rejects).
  const call = (transformer, method, ...args) => {
    try {
      return Promise.resolve(method.call(transformer, ...args));
    } catch (error) {
      return Promise.reject(error);
    }
  };

  class State {
    constructor(transformer, writableStrategy, readableStrategy) {
      this.transformer = transformer;
      this.backpressure = undefined;
      this.backpressureChange = null;
      this.readableErrored = false;
      this.readableError = undefined;
      this.controller = new TransformStreamDefaultController(token, this);
      const started = deferred();
      this.writable = new WritableStream({
        start: () => started.promise,
        write: (chunk) => this.sinkWrite(chunk),
        abort: (reason) => {
          this.error(reason);
          return Promise.resolve();
        },
        close: () => this.sinkClose(),
      }, writableStrategy);
      this.writableState = internal.writableState(this.writable);
      this.readable = new ReadableStream({
        start: (controller) => {
          this.readableController = controller;
          return started.promise;
        },
        pull: () => {
          this.setBackpressure(false);
          return this.backpressureChange.promise;
        },
        cancel: (reason) => {
          this.errorWritableAndUnblockWrite(reason);
          return Promise.resolve();
        },
      }, readableStrategy);
      this.setBackpressure(true);
      this.transform = typeof transformer.transform === 'function'
        ? (chunk) => call(transformer, transformer.transform, chunk, this.controller)
        : (chunk) => {
          try {
            this.enqueue(chunk);
            return Promise.resolve();
          } catch (error) {
            return Promise.reject(error);
          }
        };
      this.flush = typeof transformer.flush === 'function'
        ? () => call(transformer, transformer.flush, this.controller)
        : () => Promise.resolve();
      const start = typeof transformer.start === 'function'
        ? call(transformer, transformer.start, this.controller)
        : Promise.resolve();
      started.resolve(start);
    }

    clearAlgorithms() {
      this.transform = () => Promise.resolve();
      this.flush = () => Promise.resolve();
    }

    hasBackpressure() {
      const size = this.readableController.desiredSize;
      return size !== null && size <= 0;
    }

    // TransformStreamDefaultControllerEnqueue
    enqueue(chunk) {
      try {
        this.readableController.enqueue(chunk);
      } catch (error) {
        this.errorWritableAndUnblockWrite(error);
        throw this.readableErrored ? this.readableError : error;
      }
      const backpressure = this.hasBackpressure();
      if (backpressure !== this.backpressure) this.setBackpressure(true);
    }

    // TransformStreamError
    error(reason) {
      if (!this.readableErrored) {
        this.readableErrored = true;
        this.readableError = reason;
        this.readableController.error(reason);
      }
      this.errorWritableAndUnblockWrite(reason);
    }

    errorWritableAndUnblockWrite(reason) {
      this.clearAlgorithms();
      this.writableState.errorIfNeeded(reason);
      if (this.backpressure) this.setBackpressure(false);
    }

    setBackpressure(backpressure) {
      if (this.backpressureChange !== null) this.backpressureChange.resolve();
      this.backpressureChange = deferred();
      this.backpressure = backpressure;
    }

    terminate() {
      try {
        this.readableController.close();
      } catch {
        // Already closed or errored: nothing to close.
      }
      this.errorWritableAndUnblockWrite(new TypeError('TransformStream: the stream was terminated'));
    }

    // TransformStreamDefaultSinkWriteAlgorithm
    sinkWrite(chunk) {
      if (!this.backpressure) return this.performTransform(chunk);
      return this.backpressureChange.promise.then(() => {
        if (this.writableState.state === 'erroring') throw this.writableState.storedError;
        return this.performTransform(chunk);
      });
    }

    performTransform(chunk) {
      return this.transform(chunk).catch((error) => {
        this.error(error);
        throw error;
      });
    }

    // TransformStreamDefaultSinkCloseAlgorithm
    sinkClose() {
      const flushed = this.flush();
      this.clearAlgorithms();
      return flushed.then(
        () => {
          if (this.readableErrored) throw this.readableError;
          try {
            this.readableController.close();
          } catch {
            // Closed already by `terminate`.
          }
        },
        (error) => {
          this.error(error);
          throw this.readableError;
        },
      );
    }
  }

  class TransformStreamDefaultController {
    #state;

    constructor(key, state) {
      if (key !== token) throw new TypeError('Illegal constructor');
      this.#state = state;
    }

    get desiredSize() { return this.#state.readableController.desiredSize; }

    enqueue(chunk = undefined) { this.#state.enqueue(chunk); }

    error(reason = undefined) { this.#state.error(reason); }

    terminate() { this.#state.terminate(); }
  }

  class TransformStream {
    #state;

    constructor(transformer = undefined, writableStrategy = {}, readableStrategy = {}) {
      const given = transformer ?? {};
      if (given.readableType !== undefined) throw new RangeError('TransformStream: readableType is not valid');
      if (given.writableType !== undefined) throw new RangeError('TransformStream: writableType is not valid');
      const strategy = readableStrategy ?? {};
      const readable = strategy.highWaterMark === undefined ? { highWaterMark: 0, size: strategy.size } : strategy;
      this.#state = new State(given, writableStrategy ?? {}, readable);
    }

    get readable() { return this.#state.readable; }

    get writable() { return this.#state.writable; }
  }

  for (const Class of [TransformStream, TransformStreamDefaultController]) internal.brand(Class);
  internal.defineGlobals({ TransformStream, TransformStreamDefaultController });
})
