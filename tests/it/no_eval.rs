//! Code generation from strings turned off per run
//! (`RunOptions::allow_eval`, `jsbox run --no-eval`, `jsbox serve
//! --no-eval`): every route to the compiler throws an `EvalError` naming the
//! setting, ordinary code and Node's modules work as before, and entry
//! snapshots never carry a working compiler into a request.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use jsbox::{Execution, HttpRequest, Outcome, PreparedHandler, RunOptions, Script};

use crate::support::{jsbox, runtime, serve_prepared};

/// Part of every refusal's message: the setting to change.
const NAMES_THE_SETTING: &str = "code generation from strings is disabled for this run (jsbox run \
                                 --no-eval";

fn options(allow_eval: bool) -> RunOptions {
    RunOptions::default().with_allow_eval(allow_eval)
}

/// The completion value of `script`, parsed, asserting the run completed.
fn value_of(script: &Script, options: RunOptions) -> serde_json::Value {
    let execution = runtime().run(script, options);
    match execution.outcome {
        Outcome::Ok {
            value_json: Some(json),
        } => serde_json::from_str(&json).expect("a JSON completion value"),
        other => panic!("the run did not complete: {other:?}"),
    }
}

/// Each attempt, as `label: name: message` of what it threw (or what it
/// returned, when it did not throw).
const ATTEMPTS: &str = r#"
const attempts = {
  'eval': () => eval('1'),
  'direct eval in a function': () => { const x = 1; return eval('x'); },
  'direct eval in a with block': () => { with ({}) { return eval('1'); } },
  'indirect eval': () => (0, eval)('1'),
  'a computed name': () => globalThis['ev' + 'al']('1'),
  'eval.call': () => eval.call(null, '1'),
  'Reflect.apply': () => Reflect.apply(eval, undefined, ['1']),
  "the global's getter": () => Object.getOwnPropertyDescriptor(globalThis, 'eval').get()('1'),
  'new Function': () => new Function('return 1'),
  'Function()': () => Function('return 1'),
  'an arrow\'s constructor': () => (() => {}).constructor('return 1'),
  'Array.constructor': () => [].constructor.constructor('return 1'),
  'Function.prototype.constructor.call': () => Function.prototype.constructor.call(null, 'return 1'),
  'Reflect.construct': () => Reflect.construct(Function, ['return 1']),
  'Reflect.construct with a new.target': () => Reflect.construct(Function, ['return 1'], class {}),
  'Function.bind': () => Function.bind(null, 'return 1')(),
  'a subclass of Function': () => { class F extends Function {} return new F('return 1'); },
  'AsyncFunction': () => Object.getPrototypeOf(async function () {}).constructor('return 1'),
  'an async method\'s constructor': () => ({ async m() {} }).m.constructor('return 1'),
  'new GeneratorFunction': () => new (function* () {}).constructor('yield 1'),
  'AsyncGeneratorFunction': () => Object.getPrototypeOf(async function* () {}).constructor('yield 1'),
  "AsyncFunction's prototype": () =>
    Object.getPrototypeOf(Object.getPrototypeOf(async () => {}).constructor)('return 1'),
  'a call site of the gate': () => {
    // A frame's function is handed out by call sites: nothing picked up
    // while a gate refuses may compile.
    const seen = [];
    Error.prepareStackTrace = (error, sites) => {
      for (const site of sites) seen.push(site.getFunction());
      return '';
    };
    try {
      new Function({ toString() { new Error().stack; return 'return 1'; } });
    } finally {
      delete Error.prepareStackTrace;
      for (const f of seen) if (typeof f === 'function' && /Function|eval/.test(f.name)) f('return 1');
    }
  },
};
const results = [];
for (const [label, attempt] of Object.entries(attempts)) {
  try {
    results.push(`${label}: returned ${typeof attempt()}`);
  } catch (error) {
    results.push(`${label}: ${error.name}: ${error.message}`);
  }
}
results
"#;

#[test]
fn every_route_to_the_compiler_throws_an_eval_error_naming_the_setting() {
    let results = value_of(&Script::new("attempts.js", ATTEMPTS), options(false));
    let results = results.as_array().expect("an array");
    assert_eq!(results.len(), 23);
    for result in results {
        let result = result.as_str().unwrap();
        assert!(
            result.contains(&format!(": EvalError: {NAMES_THE_SETTING}")),
            "{result}"
        );
    }
    // The same attempts compile when the run allows it (the default).
    let allowed = value_of(&Script::new("attempts.js", ATTEMPTS), RunOptions::default());
    for result in allowed.as_array().unwrap() {
        let result = result.as_str().unwrap();
        assert!(!result.contains("EvalError"), "{result}");
    }
}

#[test]
fn no_function_reachable_from_the_globals_or_node_modules_compiles() {
    // Every function named like a compiler that a script can reach, through
    // own properties (never calling getters) and prototypes, refuses.
    let source = r#"
import * as util from 'node:util';
import * as assert from 'node:assert';
import * as events from 'node:events';
import * as buffer from 'node:buffer';
import * as stream from 'node:stream';
const names = new Set(['eval', 'Function', 'AsyncFunction', 'GeneratorFunction',
  'AsyncGeneratorFunction']);
const queue = [globalThis, eval, async () => {}, function* () {}, async function* () {},
  util, assert, events, buffer, stream];
const visited = new Set();
const compilers = new Set();
while (queue.length > 0) {
  const value = queue.pop();
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) continue;
  if (visited.has(value)) continue;
  visited.add(value);
  if (typeof value === 'function' && names.has(value.name)) compilers.add(value);
  queue.push(Object.getPrototypeOf(value));
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    queue.push(descriptor.value, descriptor.get, descriptor.set);
  }
}
const compiled = [];
for (const compiler of compilers) {
  try {
    compiler('1');
    compiled.push(compiler.name);
  } catch (error) {
    if (!(error instanceof EvalError)) compiled.push(`${compiler.name}: ${error}`);
  }
}
console.log(JSON.stringify({ compilers: compilers.size, visited: visited.size, compiled }));
"#;
    let sink = std::sync::Arc::new(jsbox::MemorySink::new());
    let execution = runtime().run(
        &Script::module("reach.mjs", source),
        options(false).with_log_sink(sink.clone()),
    );
    assert!(
        matches!(execution.outcome, Outcome::Ok { .. }),
        "{:?}",
        execution.outcome
    );
    let report: serde_json::Value = serde_json::from_str(&sink.messages()[0]).unwrap();
    assert_eq!(report["compiled"], serde_json::json!([]), "{report}");
    // The eval gate and the four constructor gates, at least.
    assert!(report["compilers"].as_u64().unwrap() >= 5, "{report}");
    assert!(report["visited"].as_u64().unwrap() > 1000, "{report}");
}

/// Ordinary code that needs no compiler, Node's modules included.
const ORDINARY: &str = r#"
import util from 'node:util';
import assert from 'node:assert';
import { EventEmitter } from 'node:events';
import { Buffer } from 'node:buffer';
import { Readable } from 'node:stream';
const out = [];
out.push(JSON.parse('{"a":[1,2]}').a[1]);
out.push(/(\d+)-(\d+)/.exec('12-34')[2]);
class Counter { #n = 1; get n() { return this.#n; } }
out.push(new Counter().n);
function* pair() { yield 1; yield 2; }
out.push([...pair()].length, await (async () => 5)());
out.push(util.format('%s=%d', 'n', 3), util.inspect(async function named() {}));
out.push(util.types.isAsyncFunction(async () => {}), util.types.isGeneratorFunction(function* () {}));
assert.deepStrictEqual({ a: [1] }, { a: [1] });
assert.throws(() => { throw new TypeError('x'); }, TypeError);
out.push(await assert.rejects(async () => { throw new Error('y'); }).then(() => 'rejects'));
const emitter = new EventEmitter();
emitter.on('x', (value) => out.push(value));
emitter.emit('x', 7);
out.push(Buffer.from('hi').toString('hex'));
const chunks = [];
for await (const chunk of Readable.from(['a', 'b'])) chunks.push(chunk);
out.push(chunks.join(''));
out.push(await util.promisify((cb) => cb(null, 'promisified'))());
out.push((() => {}) instanceof Function, (async () => {}) instanceof
  Object.getPrototypeOf(async () => {}).constructor);
out.push(Function.name, Function.length, Function.prototype.constructor === Function);
out.push(Object.getPrototypeOf(function* () {}).constructor.name, typeof eval);
out.push(String(structuredClone(new Map([[1, 2]])).get(1)));
console.log(JSON.stringify(out));
console.log(async function shown() {}, function* gen() {});
"#;

#[test]
fn ordinary_code_and_node_modules_work_the_same_with_eval_off() {
    let run = |allow_eval: bool| {
        let sink = std::sync::Arc::new(jsbox::MemorySink::new());
        let execution = runtime().run(
            &Script::module("ordinary.mjs", ORDINARY),
            options(allow_eval).with_log_sink(sink.clone()),
        );
        assert!(
            matches!(execution.outcome, Outcome::Ok { .. }),
            "{:?}",
            execution.outcome
        );
        sink.messages().join("\n")
    };
    let refused = run(false);
    assert_eq!(refused, run(true));
    assert_eq!(
        refused,
        "[2,\"34\",1,2,5,\"n=3\",\"[AsyncFunction: named]\",true,true,\"rejects\",7,\"6869\",\
         \"ab\",\"promisified\",true,true,\"Function\",1,true,\"GeneratorFunction\",\"function\",\
         \"2\"]\n[AsyncFunction: shown] [GeneratorFunction: gen]"
    );
}

#[test]
fn eval_keeps_its_semantics_when_allowed_the_default() {
    let source = r#"
function direct() { const inner = 'seen'; return eval('inner'); }
[
  direct(),
  (0, eval)('typeof inner'),
  new Function('a', 'return a * 2')(21),
  Function('return this')() === globalThis,
  globalThis.eval === eval,
  Object.getPrototypeOf(async () => {}).constructor('return 1')() instanceof Promise,
]
"#;
    assert_eq!(
        value_of(&Script::new("semantics.js", source), RunOptions::default()),
        serde_json::json!(["seen", "undefined", 42, true, true, true])
    );
    // A script may still replace `eval` with a function of its own.
    assert_eq!(
        value_of(
            &Script::new("replace.js", "eval = (s) => 'mine: ' + s; eval('x')"),
            options(false)
        ),
        serde_json::json!("mine: x")
    );
}

fn request() -> HttpRequest {
    HttpRequest {
        method: "GET".to_owned(),
        url: "http://localhost/".to_owned(),
        headers: Vec::new(),
        body: "".into(),
    }
}

/// Serves one request with `handler`; the response's text.
fn serve(handler: &PreparedHandler, options: RunOptions) -> (Execution, String) {
    serve_prepared(handler, request(), &[], options)
}

#[test]
fn a_prepared_entry_gives_each_request_its_own_setting() {
    // The top level keeps what it can reach of the compiler, and tries to
    // pick the originals off the call stack; a request uses all of it.
    let entry = r#"
const keptEval = eval;
const KeptFunction = Function;
const KeptAsync = Object.getPrototypeOf(async () => {}).constructor;
const picked = [];
Error.prepareStackTrace = (error, sites) => {
  for (const site of sites) picked.push(site.getFunction());
  return '';
};
let topLevel;
try {
  new Function({ toString() { new Error().stack; return 'return 1'; } });
} catch (error) {
  topLevel = `${error.name}: ${error.message}`;
}
try { eval({ toString() { new Error().stack; return '1'; } }); } catch {}
// quickjs-ng keeps the hook in the context: `delete` would leave it set.
Error.prepareStackTrace = undefined;
function attempt(label, run) {
  try { return `${label}: ${run()}`; } catch (error) { return `${label}: ${error.name}`; }
}
export default {
  fetch() {
    const local = 'local';
    return Response.json({
      topLevel,
      attempts: [
        attempt('kept eval', () => keptEval('1 + 1')),
        attempt('kept Function', () => new KeptFunction('return 2')()),
        attempt('kept AsyncFunction', () => typeof KeptAsync('return 3')()),
        attempt('direct eval', () => eval('local')),
        // quickjs-ng also hands out the entry's own top-level function,
        // unnamed; calling it runs the top level again, which compiles
        // nothing, so only the named frames (the gates) are tried.
        ...picked.filter((f) => typeof f === 'function' && f.name !== '')
          .map((f) => attempt(`picked ${f.name}`, () => f('4'))),
      ],
    });
  },
};
"#;
    let handler = runtime()
        .prepare_handler(&Script::module("entry.mjs", entry), &RunOptions::default())
        .expect("the entry prepares");

    let (execution, refused) = serve(&handler, options(false));
    assert!(
        matches!(execution.outcome, Outcome::Ok { .. }),
        "{:?}",
        execution.outcome
    );
    let refused: serde_json::Value = serde_json::from_str(&refused).unwrap();
    assert!(
        refused["topLevel"]
            .as_str()
            .unwrap()
            .starts_with("EvalError: code generation from strings is disabled at the top level of an entry snapshot"),
        "{refused}"
    );
    assert_eq!(
        refused["attempts"],
        serde_json::json!([
            "kept eval: EvalError",
            "kept Function: EvalError",
            "kept AsyncFunction: EvalError",
            "direct eval: EvalError",
            "picked Function: EvalError",
        ])
    );

    let (_, allowed) = serve(&handler, options(true));
    let allowed: serde_json::Value = serde_json::from_str(&allowed).unwrap();
    assert_eq!(
        allowed["attempts"],
        serde_json::json!([
            "kept eval: 2",
            "kept Function: 2",
            "kept AsyncFunction: object",
            "direct eval: local",
            "picked Function: function anonymous(\n) {\n4\n}",
        ])
    );
}

#[test]
fn an_entry_whose_top_level_generates_code_is_not_prepared() {
    let refused = runtime()
        .prepare_handler(
            &Script::module(
                "entry.mjs",
                "const answer = new Function('return 42')();
                 export default { fetch() { return new Response(String(answer)); } };",
            ),
            &RunOptions::default(),
        )
        .expect_err("the top level may not generate code");
    match refused {
        Outcome::UncaughtException(error) => {
            assert_eq!(error.name, "EvalError");
            assert!(error.message.contains("--no-entry-snapshot"), "{error}");
        }
        other => panic!("{other:?}"),
    }
}

fn jsbox_run(args: &[&str], file: &Path) -> Output {
    jsbox()
        .arg("run")
        .args(args)
        .arg(file)
        .output()
        .expect("jsbox starts")
}

#[test]
fn jsbox_run_no_eval_refuses_and_names_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gen.js");
    std::fs::write(&file, "console.log(new Function('return 6 * 7')())").unwrap();

    let allowed = jsbox_run(&[], &file);
    assert_eq!(allowed.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&allowed.stdout), "42\n");

    let refused = jsbox_run(&["--no-eval"], &file);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("EvalError: {NAMES_THE_SETTING}")),
        "{stderr}"
    );
}

/// `jsbox serve` on 127.0.0.1:0; killed when dropped.
struct Server(Child, String);

impl Server {
    fn start(entry: &Path, args: &[&str]) -> Server {
        let mut child = jsbox()
            .env("RUST_LOG", "info")
            .arg("serve")
            .arg(entry)
            .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
            .args(["--timeout", "5s"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("jsbox starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        // Starting compiles the guest on a cold cache, slowly on a loaded
        // machine.
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = rx.recv_timeout(wait) else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("jsbox serve did not start listening");
            };
            let Ok(line) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if line["message"] == "listening" {
                return Server(child, line["addr"].as_str().unwrap().to_owned());
            }
        }
    }

    /// The body of `GET /`.
    fn get(&self) -> String {
        let mut stream = TcpStream::connect(&self.1).expect("connects");
        write!(
            stream,
            "GET / HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.1
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").expect("a response");
        assert!(head.starts_with("HTTP/1.1 200"), "{response}");
        body.to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn jsbox_serve_no_eval_refuses_in_every_request() {
    let dir = tempfile::tempdir().unwrap();
    let entry = dir.path().join("entry.mjs");
    std::fs::write(
        &entry,
        "export default { fetch() {
           try { return new Response(String(new Function('return 6 * 7')())); }
           catch (error) { return new Response(`${error.name}: ${error.message}`); }
         } };",
    )
    .unwrap();
    assert_eq!(Server::start(&entry, &[]).get(), "42");
    let refused = Server::start(&entry, &["--no-eval"]).get();
    assert!(
        refused.contains(&format!("EvalError: {NAMES_THE_SETTING}")),
        "{refused}"
    );
}
