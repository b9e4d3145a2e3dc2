// `node:timers/promises`: `setTimeout(delay, value, { signal })`,
// `setImmediate(value, { signal })`, `setInterval(delay, value, { signal })`
// (an async iterator) and `scheduler.wait(delay, { signal })`. An aborted
// signal rejects with the signal's reason, as in Node. Divergences: no
// `scheduler.yield`, and the `ref` option is ignored (a pending timer always
// keeps the run alive, up to its deadline).
(function timersPromises() {
  'use strict';
  const { setTimeout: set, clearTimeout: clear, setInterval: every, clearInterval: clearEvery } = globalThis;
  const { setImmediate: setNext, clearImmediate: clearNext } = globalThis;

  function checkSignal(options) {
    const signal = options === undefined ? undefined : options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError('The "options.signal" property must be an instance of AbortSignal');
    }
    return signal;
  }

  function setTimeout(delay, value, options) {
    return new Promise((resolve, reject) => {
      const signal = checkSignal(options);
      if (signal && signal.aborted) return reject(signal.reason);
      const onAbort = () => {
        clear(id);
        reject(signal.reason);
      };
      const id = set(() => {
        if (signal) signal.removeEventListener('abort', onAbort);
        resolve(value);
      }, delay);
      if (signal) signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  function setImmediate(value, options) {
    return new Promise((resolve, reject) => {
      const signal = checkSignal(options);
      if (signal && signal.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearNext(immediate);
        reject(signal.reason);
      };
      const immediate = setNext(() => {
        if (signal) signal.removeEventListener('abort', onAbort);
        resolve(value);
      });
      if (signal) signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async function* setInterval(delay, value, options) {
    const signal = checkSignal(options);
    if (signal && signal.aborted) throw signal.reason;
    let ticks = 0;
    let wake = null;
    const id = every(() => {
      ticks++;
      if (wake) wake();
    }, delay);
    const onAbort = () => wake && wake();
    if (signal) signal.addEventListener('abort', onAbort);
    try {
      for (;;) {
        if (ticks === 0) await new Promise((resolve) => { wake = resolve; });
        wake = null;
        if (signal && signal.aborted) throw signal.reason;
        for (; ticks > 0; ticks--) yield value;
      }
    } finally {
      clearEvery(id);
      if (signal) signal.removeEventListener('abort', onAbort);
    }
  }

  const scheduler = {
    wait: (delay, options) => setTimeout(delay, undefined, options),
  };

  return { setTimeout, setImmediate, setInterval, scheduler };
})
