// `node:os`, with sandbox-honest values: what the script can observe of
// its sandbox, never the host's. `platform()` is 'wasi', `arch()` and
// `machine()` 'wasm32', `type()` 'WASI', `hostname()` 'jsbox', `cpus()` is
// empty and `availableParallelism()` 1 (one thread), `totalmem()` and
// `freemem()` report the sandbox's current linear memory and what QuickJS
// has not claimed of it is unknown (so `freemem()` is 0), `loadavg()` is
// zeros, `networkInterfaces()` is empty, `userInfo()` is an anonymous user
// (uid/gid -1) with home '/', `tmpdir()` '/tmp'. `setPriority` throws
// `ERR_UNSUPPORTED`.
(function os(builtin, internal) {
  'use strict';
  const native = internal.native.process;
  return {
    EOL: '\n',
    devNull: '/dev/null',
    arch: () => 'wasm32',
    machine: () => 'wasm32',
    platform: () => 'wasi',
    type: () => 'WASI',
    release: () => native.jsboxVersion(),
    version: () => `jsbox ${native.jsboxVersion()}`,
    hostname: () => 'jsbox',
    homedir: () => '/',
    tmpdir: () => '/tmp',
    endianness: () => 'LE',
    cpus: () => [],
    availableParallelism: () => 1,
    totalmem: () => native.memoryBytes(),
    freemem: () => 0,
    loadavg: () => [0, 0, 0],
    uptime: () => performance.now() / 1000,
    networkInterfaces: () => ({}),
    userInfo: () => ({ uid: -1, gid: -1, username: 'jsbox', homedir: '/', shell: null }),
    getPriority: () => 0,
    setPriority() {
      const error = new Error('os.setPriority() is not supported in jsbox');
      error.code = 'ERR_UNSUPPORTED';
      throw error;
    },
    constants: Object.freeze({ signals: Object.freeze({}), errno: Object.freeze({}), priority: Object.freeze({}) }),
  };
})
