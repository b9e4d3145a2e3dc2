#!/usr/bin/env node
// Peer benchmark: runs jsbox's benchmark workloads under other JavaScript
// sandboxes on the same machine, so the Rust benches can report ratios.
//
//   node bench.mjs                     # full run, table on stdout
//   node bench.mjs --json              # same, JSON document on stdout
//   node bench.mjs --quick             # 10x fewer samples (smoke test)
//   node bench.mjs --rounds 5          # rounds per (peer, workload), default 3
//   node bench.mjs --peers quickjs-emscripten --workloads cpu_loop,json
//   node bench.mjs --write-workloads   # regenerate workloads.json and exit
//
// Progress and notes go to stderr, so stdout is only the table or the JSON.
//
// This file is the single source of truth for the workload sources: import
// `WORKLOADS` from it, or read the generated `workloads.json` (name -> source).

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

// ---------------------------------------------------------------------------
// Workloads
//
// Each source is a classic script (not a module). Its result is the completion
// value of its last expression statement, and it is always a primitive (a
// number or a short string) so that copying the result out of the sandbox
// costs the same, and almost nothing, for every peer. Top-level `const`/`let`
// are fine because every evaluation gets a fresh context.
// ---------------------------------------------------------------------------

// 50 fields alternating numbers and strings: {f0: i, f1: 'str' + i, f2: i, ...}.
// Spelled out as an object literal (rather than a loop over keys) so engines
// see the shape a real handler would produce.
const FIFTY_FIELDS = Array.from({ length: 50 }, (_, k) =>
  k % 2 === 0 ? `f${k}: i` : `f${k}: 'str' + i`,
).join(', ');

export const WORKLOADS = {
  // Fresh sandbox per run: the floor cost of create + eval + dispose.
  fresh_1plus1: '1+1',

  // Fresh sandbox per run with a small request handler that does a bit of work.
  fresh_json_handler:
    "const req = {method:'GET', path:'/api/items', query:{limit:'10'}}; " +
    'const items = []; ' +
    'for (let i = 0; i < Number(req.query.limit); i++) items.push({id: i, name: \'item\' + i}); ' +
    'JSON.stringify({status: 200, body: items})',

  // Interpreter/JIT throughput on a tight integer loop.
  cpu_loop: 'let s = 0; for (let i = 0; i < 1e7; i++) s += i % 7; s',

  // Allocation + JSON round trip: 1000 objects x 50 fields.
  json:
    'const arr = []; ' +
    `for (let i = 0; i < 1000; i++) arr.push({${FIFTY_FIELDS}}); ` +
    'const back = JSON.parse(JSON.stringify(arr)); ' +
    'back.length',

  // String building and the common whole-string operations on 100k chars.
  string:
    "let s = ''; for (let i = 0; i < 100000; i++) s += String.fromCharCode(97 + i % 26); " +
    "const reversed = s.split('').reverse().join(''); " +
    "const replaced = s.replace(/a/g, 'b'); " +
    'const upper = s.toUpperCase(); ' +
    "let spaced = ''; for (let i = 0; i < s.length; i += 10) spaced += s.slice(i, i + 10) + ' '; " +
    "const words = spaced.split(' '); " +
    'reversed.length + replaced.length + upper.length + words.length',
};

// "fresh" workloads time create + eval + dispose; "heavy" ones time only the eval.
export const FRESH_WORKLOADS = ['fresh_1plus1', 'fresh_json_handler'];

const PLAN = {
  fresh: { warmup: 20, samples: 500 },
  heavy: { warmup: 2, samples: 10 },
};

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------
// Peers
//
// Each peer exposes:
//   setup()                     -> once per process (e.g. load the wasm module)
//   fresh(src)                  -> create sandbox, eval, dispose; returns result
//   open() -> { eval(src), dispose() }   for the heavy workloads, where only
//                                         eval() is inside the timed region
// ---------------------------------------------------------------------------

const PEERS = {
  // QuickJS compiled to wasm, driven from JS. The wasm module is instantiated
  // once (getQuickJS()); each sandbox is a new JSRuntime + JSContext inside
  // that one instance -- the closest analogue of jsbox's "new sandbox".
  'quickjs-emscripten': {
    async setup() {
      const { getQuickJS } = await import('quickjs-emscripten');
      this.QuickJS = await getQuickJS(); // release-sync variant
    },
    fresh(src) {
      const runtime = this.QuickJS.newRuntime();
      const context = runtime.newContext();
      try {
        return qjsEval(context, src);
      } finally {
        context.dispose();
        runtime.dispose();
      }
    },
    open() {
      const runtime = this.QuickJS.newRuntime();
      const context = runtime.newContext();
      return {
        eval: (src) => qjsEval(context, src),
        dispose() {
          context.dispose();
          runtime.dispose();
        },
      };
    },
  },

  // V8 isolates via a native addon: a separate heap per sandbox, with JIT.
  'isolated-vm': {
    async setup() {
      this.ivm = require('isolated-vm');
    },
    fresh(src) {
      const isolate = new this.ivm.Isolate({ memoryLimit: 128 });
      try {
        const context = isolate.createContextSync();
        return context.evalSync(src);
      } finally {
        isolate.dispose();
      }
    },
    open() {
      const isolate = new this.ivm.Isolate({ memoryLimit: 128 });
      const context = isolate.createContextSync();
      return {
        eval: (src) => context.evalSync(src),
        dispose: () => isolate.dispose(),
      };
    },
  },

  // node's built-in vm: a new V8 context in the *same* isolate and heap. Not a
  // security boundary, and there is nothing to dispose (the context is garbage
  // collected later, outside the sample), so it is a baseline for "a fresh
  // global object in V8", not a sandbox.
  'node-vm': {
    async setup() {},
    fresh(src) {
      const context = vm.createContext({});
      return vm.runInContext(src, context);
    },
    open() {
      const context = vm.createContext({});
      return {
        eval: (src) => vm.runInContext(src, context),
        dispose() {},
      };
    },
  },
};

// Evaluate in a quickjs-emscripten context and copy the (primitive) result out.
function qjsEval(context, src) {
  const handle = context.unwrapResult(context.evalCode(src));
  try {
    return context.dump(handle);
  } finally {
    handle.dispose();
  }
}

// ---------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------

const nowNs = () => process.hrtime.bigint();
const nsToMs = (ns) => Number(ns) / 1e6;

// Nearest-rank percentile on an ascending array (p in 0..100). With the 10
// samples of a heavy workload, p99 is simply the slowest sample.
function percentile(sorted, p) {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

// Collect garbage between batches (not inside a sample), so that one batch's
// garbage -- node-vm contexts especially -- is not billed to the next batch.
const gc = globalThis.gc ?? (() => {});

function sampleOnce(peer, workload, src) {
  if (FRESH_WORKLOADS.includes(workload)) {
    const t0 = nowNs();
    peer.fresh(src);
    return nsToMs(nowNs() - t0);
  }
  const box = peer.open();
  try {
    const t0 = nowNs();
    box.eval(src);
    return nsToMs(nowNs() - t0);
  } finally {
    box.dispose();
  }
}

function runRound(peer, workload, { warmup, samples }) {
  const src = WORKLOADS[workload];
  for (let i = 0; i < warmup; i++) sampleOnce(peer, workload, src);
  gc();
  const times = new Array(samples);
  for (let i = 0; i < samples; i++) times[i] = sampleOnce(peer, workload, src);
  times.sort((a, b) => a - b);
  return { p50_ms: percentile(times, 50), p99_ms: percentile(times, 99), samples };
}

// Every peer must compute the same result, otherwise we are not comparing the
// same work. Returns the reference results (name -> value).
function checkResults(peers, workloads) {
  const expected = {};
  for (const workload of workloads) {
    for (const [name, peer] of peers) {
      const src = WORKLOADS[workload];
      let got;
      if (FRESH_WORKLOADS.includes(workload)) got = peer.fresh(src);
      else {
        const box = peer.open();
        try {
          got = box.eval(src);
        } finally {
          box.dispose();
        }
      }
      if (!(workload in expected)) expected[workload] = got;
      else if (got !== expected[workload]) {
        throw new Error(
          `${name} computed ${JSON.stringify(got)} for ${workload}, ` +
            `others computed ${JSON.stringify(expected[workload])}`,
        );
      }
    }
  }
  return expected;
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

const fmt = (ms) => (ms < 1 ? ms.toFixed(3) : ms < 100 ? ms.toFixed(2) : ms.toFixed(1));

// Spread across rounds: (max - min) / median of the per-round medians.
function spreadPct(rounds) {
  const p50s = rounds.map((r) => r.p50_ms);
  return (100 * (Math.max(...p50s) - Math.min(...p50s))) / median(p50s);
}

function table(results, workloads) {
  const header = ['workload', 'peer', 'p50 ms', 'p99 ms', 'spread', 'per-round p50 / p99 ms'];
  const rows = [];
  for (const workload of workloads) {
    for (const [peer, byWorkload] of Object.entries(results)) {
      const r = byWorkload[workload];
      if (!r) continue;
      rows.push([
        workload,
        peer,
        fmt(r.p50_ms),
        fmt(r.p99_ms),
        `${spreadPct(r.rounds).toFixed(1)}%`,
        r.rounds.map((x) => `${fmt(x.p50_ms)}/${fmt(x.p99_ms)}`).join('  '),
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    '| ' + cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (i >= 2 && i <= 4 ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|';
  return [line(header), rule, ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

class UsageError extends Error {}

function parseArgs(argv) {
  const args = { json: false, quick: false, rounds: 3, writeWorkloads: false, peers: null, workloads: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--json') args.json = true;
    else if (a === '--quick') args.quick = true;
    else if (a === '--write-workloads') args.writeWorkloads = true;
    else if (a === '--rounds') args.rounds = Number(value());
    else if (a === '--peers') args.peers = value().split(',');
    else if (a === '--workloads') args.workloads = value().split(',');
    else if (a === '--help' || a === '-h') {
      console.log(
        'usage: node bench.mjs [--json] [--quick] [--rounds N] [--peers a,b] [--workloads x,y] [--write-workloads]',
      );
      process.exit(0);
    } else throw new UsageError(`unknown argument: ${a}`);
  }
  if (!Number.isInteger(args.rounds) || args.rounds < 1) throw new UsageError('--rounds needs a positive integer');
  for (const p of args.peers ?? []) if (!(p in PEERS)) throw new UsageError(`unknown peer: ${p}`);
  for (const w of args.workloads ?? []) if (!(w in WORKLOADS)) throw new UsageError(`unknown workload: ${w}`);
  return args;
}

// isolated-vm on node >= 20 requires --no-node-snapshot (its README: without
// it, isolates can crash). --expose-gc lets us collect between batches.
// Re-run ourselves with both flags so that plain `node bench.mjs` works.
function reexecWithFlags() {
  const wanted = ['--no-node-snapshot', '--expose-gc'].filter((f) => !process.execArgv.includes(f));
  if (wanted.length === 0) return;
  const child = spawnSync(
    process.execPath,
    [...wanted, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(child.status ?? 1);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));

  if (args.writeWorkloads) {
    const path = join(HERE, 'workloads.json');
    writeFileSync(path, JSON.stringify(WORKLOADS, null, 2) + '\n');
    console.error(`wrote ${path}`);
    return;
  }

  reexecWithFlags();

  const workloads = args.workloads ?? Object.keys(WORKLOADS);
  const wantedPeers = args.peers ?? Object.keys(PEERS);
  const log = (msg) => process.stderr.write(msg + '\n');

  // Load peers; a peer that cannot load (e.g. the isolated-vm native addon
  // failed to build) is skipped with a note rather than failing the run.
  const peers = [];
  const skipped = [];
  for (const name of wantedPeers) {
    try {
      await PEERS[name].setup();
      peers.push([name, PEERS[name]]);
    } catch (err) {
      skipped.push(`note: skipped ${name}: ${err.message.split('\n')[0]}`);
      log(skipped.at(-1));
    }
  }
  if (peers.length === 0) throw new Error('no peer could be loaded');

  checkResults(peers, workloads);

  const divisor = args.quick ? 10 : 1;
  const plan = (w) => {
    const p = FRESH_WORKLOADS.includes(w) ? PLAN.fresh : PLAN.heavy;
    return { warmup: p.warmup, samples: Math.max(1, Math.round(p.samples / divisor)) };
  };

  const versions = {
    node: process.version,
    'quickjs-emscripten': require('quickjs-emscripten/package.json').version,
  };
  try {
    versions['isolated-vm'] = require('isolated-vm/package.json').version;
  } catch {}
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  log(
    `# ${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ')}; ` +
      `${os.cpus().length} x ${cpu}; rounds=${args.rounds}${args.quick ? ' (quick)' : ''}; ` +
      `load average at start ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`,
  );

  // Rounds are the outer loop so that slow drift on the machine (thermal,
  // other processes) spreads over all peers instead of biasing one of them.
  const results = {};
  for (let round = 1; round <= args.rounds; round++) {
    for (const [name, peer] of peers) {
      for (const workload of workloads) {
        const r = runRound(peer, workload, plan(workload));
        ((results[name] ??= {})[workload] ??= { rounds: [] }).rounds.push(r);
        log(`round ${round}/${args.rounds} ${name} ${workload}: p50 ${fmt(r.p50_ms)} ms, p99 ${fmt(r.p99_ms)} ms`);
      }
    }
  }
  for (const byWorkload of Object.values(results)) {
    for (const [workload, { rounds }] of Object.entries(byWorkload)) {
      byWorkload[workload] = {
        p50_ms: median(rounds.map((x) => x.p50_ms)),
        p99_ms: median(rounds.map((x) => x.p99_ms)),
        rounds,
      };
    }
  }

  // Other processes on this small machine are the main source of noise: say so.
  log(`# load average at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  if (args.json) console.log(JSON.stringify(results, null, 2));
  else {
    console.log(table(results, workloads));
    console.log(
      '\np50/p99: median over rounds of each round\'s median/p99; spread: (max - min) / median of the per-round p50s.',
    );
    for (const note of skipped) console.log(note);
  }
}

// Only run when executed directly, so other programs can import WORKLOADS.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    // Bad arguments need a message, not a stack trace.
    console.error(err instanceof UsageError ? `error: ${err.message}` : (err.stack ?? err));
    process.exit(1);
  });
}
