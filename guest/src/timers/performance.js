// The `performance` global: `(now, timeOrigin) => void`. `now()` is the
// milliseconds since the run started, `timeOrigin()` the run's start in
// milliseconds since the epoch (both from timers/mod.rs, per run).
(function performance(now, timeOrigin) {
  'use strict';
  const performance = { now };
  globalThis.performance = performance;
  Object.defineProperty(performance, 'timeOrigin', {
    get: timeOrigin,
    enumerable: true,
    configurable: true,
  });
})
