// The host-import fuzz driver: from SEED, calls the JS-facing surface of
// every capability (fs, fetch, timers, process.env, console, modules, host
// modules, randomness) with arbitrary arguments, CASES times, catching
// every throw: a run must end `ok` with "done", whatever the arguments.
// The harness defines SEED, CASES, DIR (granted), OUTSIDE (not granted)
// and BASE (a 127.0.0.1 test server, the only host allowed).
import fs from 'node:fs';
import fsp from 'node:fs/promises';

let state = SEED >>> 0;
function next() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}
const int = (n) => next() % n;
const pick = (items) => items[int(items.length)];
const chance = (n) => int(n) === 0;

const STRINGS = [
  '', 'a', '.', '..', '/', '\0', 'a\0b', '%00', '%2e%2e', '\u202e', '😀', '\ud800', 'x'.repeat(5000),
  '*', '~', '$HOME', '\n', '\r\n', ' ', ':', '?', '#', '\\', 'é', 'constructor', '__proto__',
];
function oddString() {
  if (chance(3)) return pick(STRINGS);
  let s = '';
  for (let i = int(5); i > 0; i--) s += pick(STRINGS);
  return s;
}
const NUMBERS = [
  0, -0, -1, 1, 1.5, 255, 0o644, 0o777, 0o4755, 0o6777, 0o7777, 65536, 2 ** 31, 2 ** 32, 2 ** 53,
  2 ** 64, -(2 ** 53), 1e21, Infinity, -Infinity, NaN, Number.MAX_VALUE, Number.MIN_VALUE,
];
const oddNumber = () => (chance(4) ? int(1 << 16) : pick(NUMBERS));

const BASES = [
  DIR, DIR + '/', DIR + '/sub', DIR + '/file.txt', DIR + '/frozen', DIR + '/frozen/keep.txt',
  DIR + '/..', OUTSIDE, OUTSIDE + '/keep.txt', DIR + '/../outside/keep.txt', DIR + '/link-out',
  DIR + '/link-out/keep.txt', DIR + '/mod.mjs', DIR + '/data.json', DIR + '/.env',
  '/proc/self/environ', '/proc/self/mem', '/etc/passwd', '/tmp/jsbox-fuzz-escape', '/', '', '.',
  'relative.txt',
];
function oddPath() {
  if (chance(12)) return oddValue(2);
  let path = pick(BASES);
  for (let i = int(3); i > 0; i--) path += '/' + pick(['sub', 'new', 'file.txt', '..', '.', oddString()]);
  return chance(10) ? new URL('file://' + encodeURI(path)) : path;
}
function oddValue(depth = 0) {
  switch (int(depth > 2 ? 8 : 15)) {
    case 0: return undefined;
    case 1: return null;
    case 2: return oddNumber();
    case 3: return oddString();
    case 4: return pick(BASES);
    case 5: return chance(2);
    case 6: return BigInt(int(1000)) ** BigInt(int(40));
    case 7: return Symbol('s');
    case 8: return [oddValue(depth + 1), oddValue(depth + 1)];
    case 9: return options(depth);
    case 10: return new Uint8Array(int(64));
    case 11: return Buffer.from(oddString());
    case 12: return new Proxy({}, { get() { throw new Error('trap'); } });
    case 13: return Object.create(null);
    default: return () => {};
  }
}
function options(depth = 0) {
  const o = {};
  for (let i = int(4); i > 0; i--) {
    const key = pick([
      'flag', 'mode', 'encoding', 'recursive', 'withFileTypes', 'force', 'length', 'position',
      'start', 'end', 'highWaterMark', 'signal', oddString(),
    ]);
    o[key] = pick([
      'r', 'w', 'a', 'r+', 'wx', 'ax', 'as', 'utf8', 'hex', 'base64', 'latin1', 'bogus', true,
      oddNumber(), oddValue(depth + 1),
    ]);
  }
  return o;
}
function data() {
  return pick([
    () => oddString(), () => Buffer.alloc(int(1 << 12), 'z'), () => new Uint8Array(int(100)),
    () => new DataView(new ArrayBuffer(int(16))), () => oddValue(1), () => oddNumber(),
  ])();
}

const fds = [];
const fd = () => (fds.length && !chance(4) ? pick(fds) : oddValue(1));
const PATH_OPS = [
  'readFileSync', 'writeFileSync', 'appendFileSync', 'existsSync', 'statSync', 'lstatSync',
  'accessSync', 'readdirSync', 'mkdirSync', 'rmdirSync', 'rmSync', 'unlinkSync', 'realpathSync',
  'truncateSync',
];
const FD_OPS = ['closeSync', 'readSync', 'writeSync', 'fstatSync', 'ftruncateSync', 'fsyncSync', 'fdatasyncSync'];
const PROMISE_OPS = [
  'readFile', 'writeFile', 'appendFile', 'stat', 'lstat', 'access', 'readdir', 'mkdir', 'rmdir',
  'rm', 'unlink', 'realpath', 'truncate', 'rename', 'copyFile', 'open',
];
const CALLBACK_OPS = ['readFile', 'writeFile', 'stat', 'readdir', 'mkdir', 'unlink', 'rename', 'open', 'exists'];

function specifier() {
  return pick([
    './mod.mjs', DIR + '/mod.mjs', DIR + '/data.json', DIR + '/.env', DIR + '/file.txt',
    OUTSIDE + '/keep.txt', '../outside/keep.txt', 'node:fs', 'fs', 'node:bogus', 'node:',
    'host:fuzz', 'host:nope', 'host:' + oddString(), 'data:text/javascript,1',
    'http://127.0.0.1/x.js', 'file://' + DIR + '/mod.mjs', '/proc/self/environ',
  ].concat([oddString(), oddPath()]));
}

function url() {
  if (chance(6)) return oddValue(1);
  return pick([
    BASE + '/hello', BASE + '/echo', BASE + '/redirect', BASE + '/drip', BASE + '/missing',
    BASE + '/redirect-to?http://127.0.0.1:1/', BASE + '/redirect-to?file:///etc/passwd',
    BASE.replace('127.0.0.1', 'localhost') + '/hello', BASE.replace('127.0.0.1', '[::1]'),
    BASE.replace('127.0.0.1', '0.0.0.0'), BASE.replace('http://', 'http://user:pw@'),
    'http://127.0.0.1:1/', 'file:///etc/passwd', 'data:,hi', 'ftp://127.0.0.1/', '', ' ',
    'http://[::1', 'http://%00/', BASE + '/' + oddString(), BASE + '/echo?' + oddString(),
  ]);
}
function init() {
  if (chance(5)) return oddValue(1);
  const headers = {};
  for (let i = int(3); i > 0; i--) {
    headers[pick(['x-test', 'Host', 'content-length', 'transfer-encoding', 'connection', 'cookie', oddString()])] =
      pick(['1', '', 'a\r\nb: c', 'x'.repeat(10000), oddString(), oddNumber()]);
  }
  const method = pick(['GET', 'POST', 'PUT', 'get', 'CONNECT', 'TRACE', 'TRACK', 'x y', '', 'ÿ', oddString()]);
  const body = pick([undefined, null, 'body', data(), new Blob(['b']), new URLSearchParams('a=1'),
    new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(3)); c.close(); } })]);
  return { method, headers, body, redirect: pick(['follow', 'manual', 'error', 'bogus']) };
}

function delay() {
  return pick([0, 1, -1, NaN, Infinity, 2 ** 31, 2 ** 53, 1e300, '5', null, undefined, {}, oddNumber()]);
}

const OPS = [
  ['fs path op', () => fs[pick(PATH_OPS)](oddPath(), data(), oddValue(1))],
  ['fs two-path op', () => fs[pick(['renameSync', 'copyFileSync'])](oddPath(), oddPath(), oddValue(1))],
  ['fs open', () => {
    const opened = fs.openSync(oddPath(), pick(['r', 'w', 'a', 'r+', 'wx', oddValue(1)]), oddValue(1));
    if (typeof opened === 'number') fds.push(opened);
  }],
  ['fs fd op', () => {
    const name = pick(FD_OPS);
    const buffer = pick([Buffer.alloc(int(64)), new Uint8Array(0), data()]);
    return fs[name](fd(), buffer, oddValue(1), oddValue(1), oddValue(1));
  }],
  ['fs promises', () => {
    const name = pick(PROMISE_OPS);
    const second = name === 'rename' || name === 'copyFile' ? oddPath() : data();
    return fsp[name](oddPath(), second, oddValue(1)).then((r) => (name === 'open' ? r?.close?.() : r));
  }],
  ['fs callback', () => new Promise((resolve) => {
    const name = pick(CALLBACK_OPS);
    const args = [oddPath()];
    if (name === 'writeFile' || name === 'rename') args.push(name === 'rename' ? oddPath() : data());
    try { fs[name](...args, (error, result) => { if (name === 'open' && typeof result === 'number') fds.push(result); resolve(); }); }
    catch { resolve(); }
  })],
  ['fs read stream', async () => {
    const stream = fs.createReadStream(oddPath(), chance(2) ? oddValue(1) : undefined);
    let total = 0;
    for await (const chunk of stream) { total += chunk.length; if (total > 1 << 16) break; }
  }],
  ['fs write stream', () => new Promise((resolve) => {
    const stream = fs.createWriteStream(oddPath(), chance(2) ? oddValue(1) : undefined);
    stream.on('error', resolve);
    stream.write(data(), () => stream.end(resolve));
  })],
  ['fetch', async () => {
    const response = await fetch(url(), init());
    const how = int(4);
    if (how === 0) await response.text();
    else if (how === 1) await response.arrayBuffer();
    else if (how === 2) await response.body?.cancel();
  }],
  ['request', () => new Request(url(), init())],
  ['timer', () => {
    const fn = chance(8) ? oddValue(1) : () => {};
    const timeout = delay();
    const id = (chance(2) ? setTimeout : setInterval)(fn, timeout, oddValue(1));
    if (typeof timeout === 'number' && timeout >= 0 && timeout < 3 && chance(2)) {
      return new Promise((resolve) => setTimeout(() => { clearInterval(id); resolve(); }, 5));
    }
    (chance(2) ? clearTimeout : clearInterval)(chance(10) ? oddValue(1) : id);
    clearInterval(id);
  }],
  ['queueMicrotask', () => queueMicrotask(chance(3) ? oddValue(1) : () => {})],
  ['env', () => {
    const name = chance(3) ? pick(['FUZZ_A', 'FUZZ_SECRET', 'HOME', 'PATH']) : oddString();
    switch (int(5)) {
      case 0: return process.env[name];
      case 1: return name in process.env;
      case 2: return Object.keys(process.env);
      case 3: process.env[name] = oddValue(1); return undefined;
      default: return delete process.env[name];
    }
  }],
  ['console', () => {
    const level = pick(['log', 'error', 'warn', 'info', 'debug', 'dir', 'table', 'trace', 'assert', 'count', 'time', 'timeEnd', 'group', 'groupEnd']);
    const args = [];
    for (let i = int(4); i > 0; i--) args.push(chance(4) ? pick(['%s', '%d', '%o', '%O', '%j', '%c', '%%']) : oddValue());
    const cyclic = {}; cyclic.self = cyclic;
    if (chance(6)) args.push(cyclic);
    console[level](...args);
  }],
  ['require', () => require(chance(8) ? oddValue(1) : specifier())],
  ['import', () => import(chance(8) ? oddValue(1) : specifier())],
  ['host module', () => {
    const args = [];
    for (let i = int(3); i > 0; i--) args.push(oddValue());
    return import('host:fuzz').then((fuzz) => fuzz.echo(...args));
  }],
  ['crypto', () => {
    if (chance(2)) return crypto.randomUUID();
    return crypto.getRandomValues(pick([new Uint8Array(int(70000)), new Float64Array(2), new Uint32Array(4), oddValue(1)]));
  }],
];

function settleWithin(promise, ms) {
  let timer;
  return Promise.race([
    Promise.resolve(promise).catch(() => {}),
    new Promise((resolve) => { timer = setTimeout(resolve, ms); }),
  ]).finally(() => clearTimeout(timer));
}

process.on?.('unhandledRejection', () => {});
for (let i = 0; i < CASES; i++) {
  const [name, op] = pick(OPS);
  console.log(`case ${i}: ${name}`);
  try {
    const result = op();
    if (result && typeof result.then === 'function') await settleWithin(result, 3000);
  } catch (error) {
    void error;
  }
}
for (const open of fds) try { fs.closeSync(open); } catch {}
console.log('done');
