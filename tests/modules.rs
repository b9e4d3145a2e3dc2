//! ES modules and CommonJS `require`, loaded through the host and confined
//! to the run's module root.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use jsbox::{MemorySink, OutcomeKind, RunOptions, Runtime, Script};
use tempfile::TempDir;

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime::builder().build().expect("runtime builds"))
}

/// A directory tree of files, given as (relative path, contents).
fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, contents) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    dir
}

/// Runs `main` (a module if it ends in `.mjs`) from `root`; returns the
/// outcome kind, console output, and the error if any.
fn run(root: &Path, main: &str) -> (OutcomeKind, Vec<String>, Option<jsbox::JsError>) {
    let root = root.canonicalize().unwrap();
    let path = root.join(main);
    let source = std::fs::read_to_string(&path).unwrap();
    let name = path.display().to_string();
    let script = if main.ends_with(".mjs") {
        Script::module(name, source)
    } else {
        Script::new(name, source)
    };
    let sink = Arc::new(MemorySink::new());
    let execution = runtime().run(
        &script,
        RunOptions::default()
            .with_module_root(&root)
            .with_log_sink(sink.clone()),
    );
    let error = execution.outcome.js_error().cloned();
    (execution.outcome.kind(), sink.messages(), error)
}

#[test]
fn an_es_module_graph_with_cycles_defaults_dynamic_import_and_json() {
    let dir = tree(&[
        (
            "main.mjs",
            "import greet, { name } from './lib/a.mjs';\n\
             import data from './data.json';\n\
             console.log(greet(name), data.items.length);\n\
             const { late } = await import('./lib/late.mjs');\n\
             console.log(late);",
        ),
        (
            "lib/a.mjs",
            "import { fromB } from './b.mjs';\n\
             export const name = 'a+' + fromB();\n\
             export default function greet(who) { return `hello ${who}`; }\n\
             export function fromA() { return 'A'; }",
        ),
        (
            "lib/b.mjs",
            "import { fromA } from './a.mjs';\nexport function fromB() { return 'b' + fromA(); }",
        ),
        (
            "lib/late.mjs",
            "await null;\nexport const late = 'dynamic';",
        ),
        ("data.json", r#"{"items": [1, 2, 3], "quote": "\"\u2028"}"#),
    ]);
    let (kind, out, error) = run(dir.path(), "main.mjs");
    assert_eq!(kind, OutcomeKind::Ok, "{error:?}");
    assert_eq!(out, ["hello a+bA 3", "dynamic"]);
}

#[test]
fn commonjs_require_with_json_cache_and_nested_paths() {
    let dir = tree(&[
        (
            "main.js",
            "const lib = require('./lib');\n\
             const again = require('./lib.js');\n\
             const config = require('./config.json');\n\
             console.log(lib.twice(21), lib === again, config.name);\n\
             console.log(require('./sub/x').fromY, __filename.endsWith('/main.js'), __dirname === require('./sub/x').parentDir);\n\
             console.log(typeof module, module.exports === exports, Object.keys(require.cache).length);",
        ),
        (
            "lib.js",
            "globalThis.loads = (globalThis.loads || 0) + 1;\nexports.twice = (n) => n * 2;",
        ),
        ("config.json", r#"{"name": "cfg"}"#),
        (
            "sub/x.js",
            "const y = require('../y.js');\nmodule.exports = { fromY: y.value + ' via x', parentDir: require('path-free-dirname') };",
        ),
        ("y.js", "module.exports = { value: 'y' };"),
    ]);
    // sub/x.js asks for a bare name: that must fail with Node's code.
    let (kind, _, error) = run(dir.path(), "main.js");
    assert_eq!(kind, OutcomeKind::UncaughtException);
    let error = error.unwrap();
    assert!(
        error
            .message
            .contains("cannot find module 'path-free-dirname'"),
        "{error:?}"
    );

    std::fs::write(
        dir.path().join("sub/path.js"),
        "exports.dirname = (p) => p.slice(0, p.lastIndexOf('/'));",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("sub/x.js"),
        "const y = require('../y.js');\nmodule.exports = { fromY: y.value + ' via x', parentDir: require('./path').dirname(__dirname) };",
    )
    .unwrap();
    let (kind, out, error) = run(dir.path(), "main.js");
    assert_eq!(kind, OutcomeKind::Ok, "{error:?}");
    assert_eq!(out, ["42 true cfg", "y via x true true", "object true 5"]);
}

#[test]
fn errors_in_required_files_keep_their_file_and_line() {
    let dir = tree(&[
        ("main.js", "require('./broken');"),
        ("broken.js", "// first line\nnull.property;"),
    ]);
    let (kind, _, error) = run(dir.path(), "main.js");
    assert_eq!(kind, OutcomeKind::UncaughtException);
    let stack = error.unwrap().stack.unwrap();
    assert!(stack.contains("broken.js:2:"), "{stack}");
}

#[test]
fn missing_modules_carry_nodes_codes() {
    let dir = tree(&[
        ("main.mjs", "import './nope.mjs';"),
        (
            "main.js",
            "try { require('./nope') } catch (e) { console.log(e.code) }",
        ),
    ]);
    let (kind, _, error) = run(dir.path(), "main.mjs");
    assert_eq!(kind, OutcomeKind::UncaughtException);
    assert!(
        error
            .unwrap()
            .message
            .contains("cannot find module './nope.mjs'")
    );
    let (kind, out, _) = run(dir.path(), "main.js");
    assert_eq!(kind, OutcomeKind::Ok);
    assert_eq!(out, ["MODULE_NOT_FOUND"]);
}

#[test]
fn modules_outside_the_root_are_denied_even_through_symlinks() {
    let outside = tree(&[("secret.js", "module.exports = 'secret';")]);
    let dir = tree(&[
        (
            "app/main.js",
            "for (const p of ['../outside.js', '/etc/hostname', './link.js']) {\n\
               try { require(p); console.log('loaded', p) } catch (e) { console.log(e.code) }\n\
             }",
        ),
        ("outside.js", "module.exports = 1;"),
    ]);
    std::os::unix::fs::symlink(
        outside.path().join("secret.js"),
        dir.path().join("app/link.js"),
    )
    .unwrap();
    let (kind, out, error) = run(&dir.path().join("app"), "main.js");
    assert_eq!(kind, OutcomeKind::Ok, "{error:?}");
    assert_eq!(
        out,
        [
            "ERR_ACCESS_DENIED",
            "ERR_ACCESS_DENIED",
            "ERR_ACCESS_DENIED"
        ]
    );
}

#[test]
fn without_a_module_root_nothing_loads() {
    let sink = Arc::new(MemorySink::new());
    let execution = runtime().run(
        &Script::new(
            "/tmp/main.js",
            "try { require('./x') } catch (e) { console.log(e.code, e.message) }",
        ),
        RunOptions::default().with_log_sink(sink.clone()),
    );
    assert!(execution.outcome.is_ok());
    let out = sink.messages();
    assert!(
        out[0].starts_with("ERR_ACCESS_DENIED this run has no module root"),
        "{out:?}"
    );
}

/// Runs `source` (as a module when `module`) with no module root.
fn run_inline(source: &str, module: bool) -> (OutcomeKind, Vec<String>, Option<jsbox::JsError>) {
    let script = if module {
        Script::module("/app/main.mjs", source)
    } else {
        Script::new("/app/main.js", source)
    };
    let sink = Arc::new(MemorySink::new());
    let execution = runtime().run(&script, RunOptions::default().with_log_sink(sink.clone()));
    let error = execution.outcome.js_error().cloned();
    (execution.outcome.kind(), sink.messages(), error)
}

#[test]
fn built_in_modules_resolve_bare_and_with_the_node_prefix() {
    let (kind, out, error) = run_inline(
        "import timers from 'timers';\n\
         import { setTimeout as sleep, scheduler } from 'node:timers/promises';\n\
         import nodeConsole from 'node:console';\n\
         console.log(timers.setTimeout === setTimeout, nodeConsole === console);\n\
         console.log(await sleep(5, 'slept'));\n\
         await scheduler.wait(1);\n\
         const ticks = [];\n\
         for await (const tick of (await import('node:timers/promises')).setInterval(1, 't')) {\n\
           ticks.push(tick); if (ticks.length === 3) break;\n\
         }\n\
         console.log(ticks.join(), timers.promises === (await import('timers/promises')).default);",
        true,
    );
    assert_eq!(kind, OutcomeKind::Ok, "{error:?}");
    assert_eq!(out, ["true true", "slept", "t,t,t true"]);

    let (kind, out, error) = run_inline(
        "const t = require('node:timers'); const again = require('timers');\n\
         console.log(t === again, typeof t.clearInterval, require('console') === console);\n\
         const ac = new AbortController();\n\
         require('timers/promises').setTimeout(50, 'x', { signal: ac.signal })\n\
           .catch((e) => console.log('aborted', e.name));\n\
         ac.abort();",
        false,
    );
    assert_eq!(kind, OutcomeKind::Ok, "{error:?}");
    assert_eq!(out, ["true function true", "aborted AbortError"]);
}

#[test]
fn unknown_node_modules_are_err_unknown_builtin_module() {
    let (kind, out, _) = run_inline(
        "try { require('node:no_such_module') } catch (e) { console.log(e.code, e.message) }",
        false,
    );
    assert_eq!(kind, OutcomeKind::Ok);
    assert_eq!(
        out,
        ["ERR_UNKNOWN_BUILTIN_MODULE No such built-in module: node:no_such_module"]
    );
    let (kind, _, error) = run_inline("import 'node:no_such_module';", true);
    assert_eq!(kind, OutcomeKind::UncaughtException);
    assert_eq!(
        error.unwrap().message,
        "No such built-in module: node:no_such_module"
    );
}
