// `node:events`: the npm `events` port (vendor/events.js), whose export is
// `EventEmitter` itself, with `EventEmitter`, `once` and `listenerCount`
// on it. Added here: `getEventListeners`, `setMaxListeners` and
// `addAbortListener`. Divergences from Node: no `errorMonitor`,
// `captureRejections` or `events.on`; an `'error'` emitted without a
// listener throws the error itself, or for a non-Error value an `Error`
// "Unhandled error. (value)" without `code: 'ERR_UNHANDLED_ERROR'`.
(function events(builtin, internal) {
  'use strict';
  const EventEmitter = internal.vendor('events');
  const isEventTarget = (target) => typeof target.addEventListener === 'function' && !(target instanceof EventEmitter);
  return Object.assign(EventEmitter, {
    getEventListeners(emitter, name) {
      if (isEventTarget(emitter)) {
        throw new TypeError('getEventListeners on an EventTarget is not supported in jsbox');
      }
      return emitter.listeners(name);
    },
    setMaxListeners(n = EventEmitter.defaultMaxListeners, ...emitters) {
      if (emitters.length === 0) EventEmitter.defaultMaxListeners = n;
      for (const emitter of emitters) {
        if (!isEventTarget(emitter)) emitter.setMaxListeners(n);
      }
    },
    addAbortListener(signal, listener) {
      if (signal.aborted) {
        queueMicrotask(() => listener());
      } else {
        signal.addEventListener('abort', listener, { once: true });
      }
      return { [Symbol.dispose || Symbol.for('nodejs.dispose')]() { signal.removeEventListener('abort', listener); } };
    },
  });
})
