// `node:process` and the `process` global: a sandbox-honest `process`.
// It is an `EventEmitter`, made on first use in each run.
//
// `platform` is 'wasi' and `arch` 'wasm32' (what the script really runs
// on); `version` is the Node API level the built-ins follow, not a Node
// binary; `pid` is 1; `cwd()` is '/' and `chdir` throws; `argv` is
// ['jsbox', <script name>]; `env` is made by `createEnv` (env.js here: the
// variables the env grant allows); `memoryUsage()` reports the
// sandbox's linear memory. `nextTick` callbacks run in order, before the
// promise jobs, as in Node (see `runTicks`); a throwing callback ends the
// run as an uncaught exception (there is no 'uncaughtException' event).
// `hrtime` counts from the run's start. `exit(code)` emits 'exit' and ends
// the run at once through the host (the outcome is `exit` with the code);
// a run that finishes with a non-zero `exitCode` ends the same way, after
// 'exit'. Absent: `stdin`/`stdout`/`stderr`, `kill`, signals, `umask`,
// `getuid` and friends, `beforeExit`.
(function processModule(builtin, internal) {
  'use strict';
  const EventEmitter = builtin('events');
  const native = internal.native.process;

  /** The run's environment variables, filtered by the env grant. */
  function createEnv() {
    return internal.native.env.create();
  }

  // The nextTick queue. The event loop (timers/mod.rs) runs it before the
  // promise jobs at each drain, as Node does: `native.queueTicks(runTicks)`
  // tells it the queue is no longer empty. A throwing callback ends the run
  // as an uncaught exception, as in Node.
  const ticks = [];
  function runTicks() {
    try {
      // Ticks queued while draining run in this same batch, as in Node.
      for (let i = 0; i < ticks.length; i++) {
        const [callback, args] = ticks[i];
        Reflect.apply(callback, undefined, args);
      }
    } finally {
      ticks.length = 0;
    }
  }

  function validateFunction(callback) {
    if (typeof callback !== 'function') {
      const error = new TypeError(`The "callback" argument must be of type function. Received ${typeof callback}`);
      error.code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
  }

  const nowNs = () => BigInt(Math.round(performance.now() * 1e6));
  function hrtime(previous) {
    const ns = nowNs();
    let seconds = Number(ns / 1000000000n);
    let nanos = Number(ns % 1000000000n);
    if (previous !== undefined) {
      seconds -= previous[0];
      nanos -= previous[1];
      if (nanos < 0) {
        seconds -= 1;
        nanos += 1e9;
      }
    }
    return [seconds, nanos];
  }
  hrtime.bigint = nowNs;

  /** `exitCode` as Node validates it: an integer, or a string of one. */
  function exitCodeOf(code) {
    if (code === undefined || code === null) return 0;
    const number = typeof code === 'string' && /^-?\d+$/.test(code) ? Number(code) : code;
    if (!Number.isInteger(number)) {
      const error = new TypeError(`The "code" argument must be of type number. Received ${typeof code}`);
      error.code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
    return number | 0;
  }

  let exiting = false;
  const process = new EventEmitter();
  // At the end of a run that did not exit: 'exit', then the exit code.
  native.atRunEnd(() => {
    const code = exitCodeOf(process.exitCode);
    exiting = true;
    process.emit('exit', code);
    if (exitCodeOf(process.exitCode) !== 0) native.exit(exitCodeOf(process.exitCode));
  });
  const memoryUsage = () => {
    const bytes = native.memoryBytes();
    return { rss: bytes, heapTotal: bytes, heapUsed: bytes, external: 0, arrayBuffers: 0 };
  };
  memoryUsage.rss = () => native.memoryBytes();
  Object.assign(process, {
    title: 'jsbox',
    version: 'v20.0.0',
    versions: Object.freeze({ node: '20.0.0', jsbox: native.jsboxVersion() }),
    release: Object.freeze({ name: 'jsbox' }),
    platform: 'wasi',
    arch: 'wasm32',
    pid: 1,
    ppid: 0,
    execPath: '/jsbox',
    execArgv: [],
    argv0: 'jsbox',
    argv: ['jsbox', native.mainName()],
    env: createEnv(),
    exitCode: undefined,
    config: Object.freeze({}),
    features: Object.freeze({}),
    cwd: () => '/',
    chdir() {
      const error = new Error('process.chdir() is not supported in jsbox');
      error.code = 'ERR_UNSUPPORTED';
      throw error;
    },
    nextTick(callback, ...args) {
      validateFunction(callback);
      ticks.push([callback, args]);
      if (ticks.length === 1) native.queueTicks(runTicks);
    },
    exit(code) {
      const exitCode = exitCodeOf(code === undefined ? process.exitCode : code);
      process.exitCode = exitCode;
      if (!exiting) {
        exiting = true;
        process.emit('exit', exitCode);
      }
      native.exit(exitCode);
    },
    hrtime,
    uptime: () => performance.now() / 1000,
    memoryUsage,
    emitWarning(warning, type = 'Warning') {
      const message = typeof warning === 'string' ? `${type}: ${warning}` : `${warning.name}: ${warning.message}`;
      console.warn(`(jsbox) ${message}`);
    },
  });
  return process;
})
