//! ES modules and CommonJS `require`, loaded through the host and confined
//! to the run's module root.

use std::path::Path;
use std::sync::Arc;

use jsbox::{
    Access, AuditEvent, Decision, Grants, MemoryAuditSink, MemorySink, OutcomeKind, RunOptions,
    Script,
};

use crate::support::{runtime, tree};

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

/// Runs `main` from `root` like [`run`], with `grants` and an audit sink;
/// returns the outcome kind, console output, the outcome in words and the
/// audit events.
fn run_audited(
    root: &Path,
    main: &str,
    grants: Grants,
) -> (OutcomeKind, Vec<String>, String, Vec<AuditEvent>) {
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
    let audit = Arc::new(MemoryAuditSink::new());
    let execution = runtime().run(
        &script,
        RunOptions::default()
            .with_module_root(&root)
            .with_grants(grants)
            .with_log_sink(sink.clone())
            .with_audit_sink(audit.clone()),
    );
    let outcome = format!("{:?} {}", execution.outcome, execution.outcome);
    (
        execution.outcome.kind(),
        sink.messages(),
        outcome,
        audit.events(),
    )
}

fn denied_modules(events: &[AuditEvent]) -> Vec<&AuditEvent> {
    events
        .iter()
        .filter(|e| e.operation.starts_with("modules.") && e.decision == Decision::Denied)
        .collect()
}

#[test]
fn a_file_under_deny_read_inside_the_root_does_not_load_and_is_audited() {
    let dir = tree(&[
        (
            "main.js",
            "try { require('./private/key.js') } catch (e) { console.log(e.code, e.message) }\n\
             console.log(require('./public.js'));",
        ),
        ("public.js", "module.exports = 'public';"),
        ("private/key.js", "module.exports = 'SECRET-KEY-VALUE';"),
        (
            "static.mjs",
            "import key from './private/key.js'; console.log(key);",
        ),
    ]);
    let private = dir.path().join("private");
    let grants = || {
        Grants::builder()
            .deny_read([private.to_str().unwrap()])
            .build()
            .unwrap()
    };
    let (kind, out, error, events) = run_audited(dir.path(), "main.js", grants());
    assert_eq!(kind, OutcomeKind::Ok, "{error}");
    assert_eq!(
        out,
        [
            "MODULE_NOT_FOUND cannot find module './private/key.js' imported from ./main.js: \
             not found or not allowed",
            "public"
        ]
    );
    let denied = denied_modules(&events);
    assert_eq!(denied.len(), 1, "{events:?}");
    assert!(denied[0].target.ends_with("/private/key.js"), "{denied:?}");
    assert_eq!(denied[0].access, Access::Read);

    // A static import is refused too, when the module is compiled.
    let (kind, out, error, events) = run_audited(dir.path(), "static.mjs", grants());
    assert_ne!(kind, OutcomeKind::Ok, "{out:?}");
    assert!(error.contains("not found or not allowed"), "{error}");
    assert!(!error.contains("SECRET-KEY-VALUE"), "{error}");
    assert!(!denied_modules(&events).is_empty(), "{events:?}");
}

#[test]
fn env_and_key_files_do_not_load_and_their_text_never_shows() {
    let dir = tree(&[
        (
            "main.js",
            "for (const p of ['./.env', './secret.pem', './id_rsa', './settings']) {\n\
               try { console.log('loaded', p, String(require(p))) }\n\
               catch (e) { console.log(e.code, e.message, String(e.stack)) }\n\
             }",
        ),
        (
            "main.mjs",
            "for (const p of ['./.env', './secret.pem']) {\n\
               try { await import(p); console.log('loaded', p) }\n\
               catch (e) { console.log(e.code, e.message, String(e.stack)) }\n\
             }",
        ),
        (".env", "API_KEY=sk_live_ENVSECRET\n"),
        (
            "secret.pem",
            "-----BEGIN PRIVATE KEY-----\nPEMSECRET\n-----END PRIVATE KEY-----\n",
        ),
        ("id_rsa", "RSASECRET"),
        ("settings", "SETTINGSSECRET"),
    ]);
    for main in ["main.js", "main.mjs"] {
        let (kind, out, error, events) = run_audited(dir.path(), main, Grants::default());
        assert_eq!(kind, OutcomeKind::Ok, "{error:?}");
        let all = out.join("\n");
        for secret in ["ENVSECRET", "PEMSECRET", "RSASECRET", "SETTINGSSECRET"] {
            assert!(!all.contains(secret), "{main} leaked {secret}: {all}");
        }
        assert!(!all.contains("loaded"), "{all}");
        assert!(
            out.iter()
                .all(|line| line.contains("not found or not allowed")),
            "{out:?}"
        );
        // Each refusal is recorded, with the file's real path.
        assert_eq!(denied_modules(&events).len(), out.len(), "{events:?}");
    }
}

#[test]
fn errors_outside_the_root_do_not_tell_whether_a_path_exists_or_where_a_link_leads() {
    let outside = tree(&[("secret.js", "module.exports = 'secret';")]);
    let dir = tree(&[(
        "main.js",
        "for (const p of ['/etc/passwd', '/nonexistent', './link.js', './dangling.js']) {\n\
           try { require(p) } catch (e) { console.log(e.code + ' ' + e.message) }\n\
         }",
    )]);
    std::os::unix::fs::symlink(outside.path().join("secret.js"), dir.path().join("link.js"))
        .unwrap();
    std::os::unix::fs::symlink("/nonexistent.js", dir.path().join("dangling.js")).unwrap();
    let (kind, out, error, events) = run_audited(dir.path(), "main.js", Grants::default());
    assert_eq!(kind, OutcomeKind::Ok, "{error:?}");
    assert_eq!(out.len(), 4, "{out:?}");
    let [passwd, nonexistent, link, dangling] = [0, 1, 2, 3].map(|i| out[i].as_str());
    assert_eq!(
        passwd.replace("/etc/passwd", "X"),
        nonexistent.replace("/nonexistent", "X")
    );
    assert_eq!(
        link.replace("./link.js", "X"),
        dangling.replace("./dangling.js", "X")
    );
    let outside_dir = outside.path().canonicalize().unwrap();
    for line in &out {
        assert!(line.contains("not found or not allowed"), "{line}");
        assert!(!line.contains("root:"), "{line}");
        assert!(
            !line.contains(outside_dir.to_str().unwrap()),
            "a link's target shows: {line}"
        );
        let root = dir.path().canonicalize().unwrap();
        assert!(!line.contains(root.to_str().unwrap()), "{line}");
    }
    assert_eq!(denied_modules(&events).len(), 4, "{events:?}");
}

#[test]
fn allowed_module_loads_are_audited() {
    let dir = tree(&[
        ("main.mjs", "import { x } from './lib.mjs'; console.log(x);"),
        ("lib.mjs", "export const x = 1;"),
    ]);
    let (kind, _, error, events) = run_audited(dir.path(), "main.mjs", Grants::default());
    assert_eq!(kind, OutcomeKind::Ok, "{error:?}");
    let lib = dir.path().canonicalize().unwrap().join("lib.mjs");
    let root = dir.path().canonicalize().unwrap();
    for operation in ["modules.resolve", "modules.read"] {
        let event = events
            .iter()
            .find(|e| e.operation == operation)
            .unwrap_or_else(|| panic!("no {operation} event: {events:?}"));
        assert_eq!(event.decision, Decision::Allowed);
        assert_eq!(event.access, Access::Read);
        assert_eq!(event.target, lib.display().to_string());
        assert_eq!(
            event.permission,
            format!("--module-root={}", root.display())
        );
    }
}

#[test]
fn import_meta_gives_the_files_url_filename_and_dirname() {
    let dir = tree(&[
        (
            "main.mjs",
            "import { meta } from './sub dir/other.mjs';\n\
             console.log(import.meta.url, import.meta.filename, import.meta.dirname);\n\
             console.log(meta.url, meta.filename, meta.dirname);",
        ),
        ("sub dir/other.mjs", "export const meta = import.meta;"),
    ]);
    let root = dir.path().canonicalize().unwrap();
    let (kind, out, error) = run(&root, "main.mjs");
    assert_eq!(kind, OutcomeKind::Ok, "{error:?}");
    let root = root.display();
    assert_eq!(
        out,
        [
            format!("file://{root}/main.mjs {root}/main.mjs {root}"),
            format!("file://{root}/sub%20dir/other.mjs {root}/sub dir/other.mjs {root}/sub dir"),
        ]
    );
}
