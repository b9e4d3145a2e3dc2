// The small globals of the WinterTC Minimum Common API: `self`,
// `navigator.userAgent`, `reportError` and `queueMicrotask`; and the global
// object as an EventTarget (its prototype chain gains EventTarget.prototype,
// as a browser's Window does), so that `addEventListener('error', ...)` on
// it sees what `reportError` reports.
//
// `reportError(e)` dispatches a cancelable `ErrorEvent` named `error` at the
// global object; unless a listener cancels it, `console.error` logs
// `Uncaught <e>`. An exception thrown while reporting is logged directly
// instead of being reported again. `queueMicrotask` queues through a
// resolved promise and reports its callback's exceptions.
// Divergences: `self` is a plain writable data property (not a getter);
// `navigator` has only `userAgent` (`'jsbox/0.1'`) and no `Navigator`
// global; the ErrorEvent's `filename`/`lineno`/`colno` are not filled in.
(function global(internal) {
  'use strict';

  const { EventTarget, ErrorEvent, Promise } = globalThis;
  const dispatchEvent = EventTarget.prototype.dispatchEvent;
  const resolved = Promise.resolve();
  const then = Promise.prototype.then;

  Object.setPrototypeOf(globalThis, EventTarget.prototype);
  internal.makeEventTarget(globalThis);

  let reporting = false;

  function logUncaught(error) {
    globalThis.console?.error('Uncaught', error);
  }

  function describe(error) {
    try {
      return error instanceof Error ? `${error.name}: ${error.message}` : `${error}`;
    } catch {
      return 'an exception';
    }
  }

  function reportError(error) {
    if (arguments.length === 0) {
      throw new TypeError("reportError: 'e' argument is required");
    }
    if (reporting) {
      logUncaught(error);
      return;
    }
    reporting = true;
    try {
      const event = new ErrorEvent('error', {
        cancelable: true,
        message: `Uncaught ${describe(error)}`,
        error,
      });
      if (dispatchEvent.call(globalThis, event)) logUncaught(error);
    } finally {
      reporting = false;
    }
  }
  internal.reportError = reportError;

  function queueMicrotask(callback) {
    if (typeof callback !== 'function') {
      throw new TypeError('queueMicrotask: the callback is not a function');
    }
    then.call(resolved, () => {
      try {
        callback();
      } catch (error) {
        reportError(error);
      }
    });
  }

  class Navigator {
    get userAgent() {
      return 'jsbox/0.1';
    }
  }
  internal.brand(Navigator);
  const navigator = Object.create(Navigator.prototype);

  internal.defineGlobals({ self: globalThis, navigator, reportError, queueMicrotask });
})
