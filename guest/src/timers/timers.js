// setTimeout, setInterval, clearTimeout, clearInterval, setImmediate,
// clearImmediate: the timer half of the guest's event loop. The other half
// is Rust (`mod.rs`): it asks `next()` how long to sleep, sleeps in the
// host, then runs one turn of Node's loop: the timers phase (`startTimers()`,
// then `fire()` until it returns false) and the check phase
// (`startImmediates()`, then `fireImmediate()` until false), draining
// nextTicks and microtasks after each callback.
//
// Immediates run in the order they were set; those set while the check
// phase runs wait for the next turn, after the timers then due, as in Node.
// `setImmediate` returns an `Immediate` whose `ref`/`unref` are accepted
// but ignored (a pending immediate always keeps the run alive).
//
// Follows WinterTC/HTML: ids are positive integers; a delay that is not a
// number in [1, 2^31 - 1] becomes 1 ms (Node's rule; browsers use 0, and
// both run timers of equal due time in the order they were set). A string
// callback throws a TypeError instead of being evaluated. An exception in a
// callback ends the run, as an uncaught exception ends a Node process.
// `util.promisify` of `setTimeout`/`setImmediate` gives Node's promise forms.
(function installTimers(now) {
  'use strict';
  const MAX_DELAY = 2147483647;
  /** id -> { callback, args, due, interval, seq } for live timers. */
  const live = new Map();
  /** Binary min-heap of { due, seq, id }; cleared ids are skipped lazily. */
  const heap = [];
  let nextId = 1;
  let nextSeq = 0;
  /** The timers phase runs the timers due when it started. */
  let phaseEnd = 0;
  /** Immediate -> [callback, args, seq], in the order they were set. */
  const immediates = new Map();
  let nextImmediateSeq = 0;
  /** The check phase runs the immediates set before it started. */
  let immediatesBefore = 0;

  const before = (a, b) => a.due < b.due || (a.due === b.due && a.seq < b.seq);

  function push(entry) {
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  function pop() {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let least = i;
        if (l < heap.length && before(heap[l], heap[least])) least = l;
        if (r < heap.length && before(heap[r], heap[least])) least = r;
        if (least === i) break;
        [heap[i], heap[least]] = [heap[least], heap[i]];
        i = least;
      }
    }
    return top;
  }

  /** Drops heap entries whose timer was cleared or rescheduled. */
  function skipStale() {
    while (heap.length > 0) {
      const timer = live.get(heap[0].id);
      if (timer !== undefined && timer.seq === heap[0].seq) return timer;
      pop();
    }
    return undefined;
  }

  function schedule(timer, id) {
    timer.seq = nextSeq++;
    push({ due: timer.due, seq: timer.seq, id });
  }

  function set(callback, delay, args, repeat) {
    if (typeof callback !== 'function') {
      throw new TypeError('The "callback" argument must be of type function');
    }
    let ms = Number(delay);
    if (!(ms >= 1 && ms <= MAX_DELAY)) ms = 1;
    ms = Math.trunc(ms);
    const id = nextId++;
    const timer = { callback, args, due: now() + ms, interval: repeat ? ms : 0, seq: 0 };
    live.set(id, timer);
    schedule(timer, id);
    return id;
  }

  function clear(id) {
    live.delete(Number(id));
  }

  function validateCallback(callback) {
    if (typeof callback !== 'function') {
      const error = new TypeError(`The "callback" argument must be of type function. Received ${typeof callback}`);
      error.code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
  }

  class Immediate {
    ref() {
      return this;
    }

    unref() {
      return this;
    }

    hasRef() {
      return true;
    }
  }

  const define = (name, fn) =>
    Object.defineProperty(globalThis, name, { value: fn, writable: true, configurable: true, enumerable: true });
  define('setTimeout', function setTimeout(callback, delay, ...args) {
    return set(callback, delay, args, false);
  });
  define('setInterval', function setInterval(callback, delay, ...args) {
    return set(callback, delay, args, true);
  });
  define('clearTimeout', function clearTimeout(id) {
    clear(id);
  });
  define('clearInterval', function clearInterval(id) {
    clear(id);
  });
  define('setImmediate', function setImmediate(callback, ...args) {
    validateCallback(callback);
    const immediate = new Immediate();
    immediates.set(immediate, [callback, args, nextImmediateSeq++]);
    return immediate;
  });
  define('clearImmediate', function clearImmediate(immediate) {
    immediates.delete(immediate);
  });
  // As in Node, `util.promisify(setTimeout)` and `util.promisify(setImmediate)`
  // are `node:timers/promises`' functions, loaded on first use through the
  // built-in module loader (installed before the timers).
  const custom = Symbol.for('nodejs.util.promisify.custom');
  for (const name of ['setTimeout', 'setImmediate']) {
    Object.defineProperty(globalThis[name], custom, {
      get: () => globalThis[Symbol.for('jsbox.builtin')]('timers/promises')[name],
      configurable: true,
    });
  }

  return {
    /**
     * Milliseconds until the next timer is due (0 if overdue or if an
     * immediate is waiting), or -1 when nothing is left.
     */
    next() {
      if (immediates.size > 0) return 0;
      const timer = skipStale();
      return timer === undefined ? -1 : Math.max(0, timer.due - now());
    },
    startTimers() {
      phaseEnd = now();
    },
    /** Runs the earliest timer if it was due when the phase started. */
    fire() {
      const timer = skipStale();
      if (timer === undefined || timer.due > phaseEnd) return false;
      const { id } = pop();
      if (timer.interval > 0) {
        timer.due = now() + timer.interval;
        schedule(timer, id);
      } else {
        live.delete(id);
      }
      Reflect.apply(timer.callback, globalThis, timer.args);
      return true;
    },
    startImmediates() {
      immediatesBefore = nextImmediateSeq;
    },
    /** Runs the oldest immediate, if it was set before the phase started. */
    fireImmediate() {
      for (const [immediate, [callback, args, seq]] of immediates) {
        if (seq >= immediatesBefore) return false;
        immediates.delete(immediate);
        Reflect.apply(callback, globalThis, args);
        return true;
      }
      return false;
    },
  };
})
