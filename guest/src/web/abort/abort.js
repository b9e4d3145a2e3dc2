// `AbortController` and `AbortSignal` (DOM §3.1–3.2).
//
// Supported: `abort(reason)` (default reason: an AbortError DOMException),
// `aborted`, `reason`, `throwIfAborted()`, `onabort`, `AbortSignal.abort()`,
// `AbortSignal.any()` with dependent signals as specified, and
// `AbortSignal.timeout(ms)`, which aborts with a TimeoutError DOMException.
// Divergences: `AbortSignal.timeout` uses `globalThis.setTimeout` as found
// at call time and throws a TypeError when there is none; its timer is an
// ordinary one, so it keeps the run alive until it fires. A signal holds
// its dependents strongly (the spec's weak references only matter for
// collecting garbage, which a short run does not need).
(function abort(internal) {
  'use strict';

  const { DOMException, EventTarget, Event } = globalThis;
  const dispatchEvent = EventTarget.prototype.dispatchEvent;
  const token = Symbol('AbortSignal');

  let signalState;

  class AbortSignal extends EventTarget {
    #aborted = false;
    #reason = undefined;
    #algorithms = new Set();
    #dependent = false;
    #sources = new Set();
    #dependents = new Set();
    #onabort = null;

    constructor(key = undefined) {
      if (key !== token) throw new TypeError('Illegal constructor');
      super();
    }

    static abort(reason = undefined) {
      const signal = new AbortSignal(token);
      signal.#aborted = true;
      signal.#reason = reason === undefined ? abortError() : reason;
      return signal;
    }

    static timeout(milliseconds) {
      const delay = Number(milliseconds);
      if (!Number.isFinite(delay) || delay < 0 || delay > Number.MAX_SAFE_INTEGER) {
        throw new TypeError('AbortSignal.timeout: the delay is not a valid unsigned long long');
      }
      const { setTimeout } = globalThis;
      if (typeof setTimeout !== 'function') {
        throw new TypeError('AbortSignal.timeout needs setTimeout');
      }
      const signal = new AbortSignal(token);
      setTimeout(() => {
        signalAbort(signal, new DOMException('The operation timed out.', 'TimeoutError'));
      }, Math.trunc(delay));
      return signal;
    }

    static any(signals) {
      const list = [...signals];
      for (const signal of list) internal.checkSignal(signal);
      const result = new AbortSignal(token);
      const aborted = list.find((signal) => signal.#aborted);
      if (aborted !== undefined) {
        result.#aborted = true;
        result.#reason = aborted.#reason;
        return result;
      }
      result.#dependent = true;
      for (const signal of list) {
        const sources = signal.#dependent ? signal.#sources : [signal];
        for (const source of sources) {
          result.#sources.add(source);
          source.#dependents.add(result);
        }
      }
      return result;
    }

    get aborted() {
      return this.#aborted;
    }

    get reason() {
      return this.#reason;
    }

    throwIfAborted() {
      if (this.#aborted) throw this.#reason;
    }

    get onabort() {
      return this.#onabort;
    }

    set onabort(handler) {
      const hadHandler = this.#onabort !== null;
      this.#onabort = typeof handler === 'function' ? handler : null;
      if (!hadHandler && this.#onabort !== null) {
        // Like an event handler attribute: one listener, registered when a
        // handler is first set, calling whatever handler is current.
        this.addEventListener('abort', (event) => {
          this.#onabort?.call(this, event);
        });
      }
    }

    static {
      signalState = {
        isSignal: (value) => typeof value === 'object' && value !== null && #aborted in value,
        create: () => new AbortSignal(token),
        addAlgorithm(signal, algorithm) {
          if (!signal.#aborted) signal.#algorithms.add(algorithm);
        },
        // DOM's "signal abort".
        abort(signal, reason) {
          if (signal.#aborted) return;
          signal.#aborted = true;
          signal.#reason = reason === undefined ? abortError() : reason;
          const dependentsToAbort = [];
          for (const dependent of signal.#dependents) {
            if (!dependent.#aborted) {
              dependent.#aborted = true;
              dependent.#reason = signal.#reason;
              dependentsToAbort.push(dependent);
            }
          }
          runAbortSteps(signal);
          dependentsToAbort.forEach(runAbortSteps);
        },
        runAbortSteps(signal) {
          const algorithms = [...signal.#algorithms];
          signal.#algorithms.clear();
          for (const algorithm of algorithms) algorithm();
          dispatchEvent.call(signal, new Event('abort'));
        },
      };
    }
  }

  const abortError = () => new DOMException('This operation was aborted', 'AbortError');
  const signalAbort = (signal, reason) => signalState.abort(signal, reason);
  const runAbortSteps = (signal) => signalState.runAbortSteps(signal);

  internal.checkSignal = (value) => {
    if (!signalState.isSignal(value)) {
      throw new TypeError('The signal is not an AbortSignal');
    }
  };
  internal.addAbortAlgorithm = (signal, algorithm) => {
    internal.checkSignal(signal);
    signalState.addAlgorithm(signal, algorithm);
  };
  internal.newSignal = signalState.create;
  internal.dependentSignal = (signals) => AbortSignal.any(signals);

  class AbortController {
    #signal = new AbortSignal(token);

    get signal() {
      return this.#signal;
    }

    abort(reason = undefined) {
      signalAbort(this.#signal, reason);
    }
  }

  internal.brand(AbortSignal);
  internal.brand(AbortController);
  internal.defineGlobals({ AbortController, AbortSignal });
})
