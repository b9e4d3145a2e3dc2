// The `context` global: `(load) => void`. A non-configurable accessor
// without a setter, so that assigning to `context` has no effect (and
// throws in strict mode). `load()` asks the host for the run's context;
// the getter calls it on first use and keeps the (deeply frozen) result
// for the rest of the run.
(function context(load) {
  'use strict';
  let value;
  Object.defineProperty(globalThis, 'context', {
    get() {
      if (value === undefined) value = load();
      return value;
    },
    enumerable: true,
    configurable: false,
  });
})
