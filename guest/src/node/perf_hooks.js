// `node:perf_hooks`: `performance`, the web global (`now()` and
// `timeOrigin` count from the run's start). Divergence from Node: no
// `PerformanceObserver`, `monitorEventLoopDelay`, `createHistogram`,
// marks or measures.
(function perfHooks() {
  'use strict';
  return { performance: globalThis.performance };
})
