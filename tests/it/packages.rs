//! Node's module resolution for npm projects run unbundled: the vendored
//! project `tests/npm-project/` (its own small `node_modules`), run in
//! process and by `jsbox run`, prints what `node main.mjs` (Node 20.20)
//! prints; and the ways out of the module root a package could try are
//! refused.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jsbox::{
    AuditEvent, Decision, Grants, HttpRequest, MemoryAuditSink, MemorySink, OutcomeKind,
    RunOptions, Runtime, Script,
};

use crate::support::{self, runtime, tree};

/// What `node main.mjs` (v20.20.2) prints on stdout in `tests/npm-project/`.
const NODE_OUTPUT: &str = "\
esm-only: esm-only default HI!
cjs-only: 5 1.0.0 by defineProperty object true
dual: esm esm alpha(esm) dual
imports: test 42 esm
self: true
nested: uses cjs-only 2.0.0
reexporter: a b true alpha,beta
tiny: tiny from a directory index.js
detect: esm syntax detected commonjs by default commonjs by default
side: 2 cjs+beta(cjs) 1.0.0 cjs-dir via main test
dual/hidden ERR_PACKAGE_PATH_NOT_EXPORTED
#missing ERR_PACKAGE_IMPORT_NOT_DEFINED
not-installed ERR_MODULE_NOT_FOUND
./nope.mjs ERR_MODULE_NOT_FOUND
require esm: an ES module, ERR_PACKAGE_PATH_NOT_EXPORTED ERR_REQUIRE_ASYNC_MODULE esm syntax detected, commonjs by default
";

fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/npm-project")
        .canonicalize()
        .unwrap()
}

#[test]
fn the_npm_project_runs_in_process_as_node_runs_it() {
    let root = project();
    let main = root.join("main.mjs");
    let source = std::fs::read_to_string(&main).unwrap();
    let sink = Arc::new(MemorySink::new());
    let execution = runtime().run(
        &Script::module(main.display().to_string(), source),
        RunOptions::default()
            .with_module_root(&root)
            .with_log_sink(sink.clone()),
    );
    assert_eq!(
        execution.outcome.kind(),
        OutcomeKind::Ok,
        "{:?}",
        execution.outcome.js_error()
    );
    let mut printed = sink.messages().join("\n");
    printed.push('\n');
    assert_eq!(printed, NODE_OUTPUT);
}

#[test]
fn the_npm_project_runs_with_jsbox_run_as_node_runs_it() {
    let main = project().join("main.mjs");
    let output = support::jsbox_output(&["run", main.to_str().unwrap()], &[]);
    assert!(output.status.success(), "{}", support::text(&output.stderr));
    assert_eq!(support::text(&output.stdout), NODE_OUTPUT);
}

/// Runs the classic script `main.js` in `root` (the module root) under
/// `grants`: what it logged, and the module loads refused.
fn run_main(root: &Path, grants: Grants) -> (Vec<String>, Vec<AuditEvent>) {
    let root = root.canonicalize().unwrap();
    let main = root.join("main.js");
    let source = std::fs::read_to_string(&main).unwrap();
    let sink = Arc::new(MemorySink::new());
    let audit = Arc::new(MemoryAuditSink::new());
    let execution = runtime().run(
        &Script::new(main.display().to_string(), source),
        RunOptions::default()
            .with_module_root(&root)
            .with_grants(grants)
            .with_log_sink(sink.clone())
            .with_audit_sink(audit.clone()),
    );
    assert_eq!(
        execution.outcome.kind(),
        OutcomeKind::Ok,
        "{:?}",
        execution.outcome.js_error()
    );
    let refused = audit
        .events()
        .into_iter()
        .filter(|e| e.operation.starts_with("modules.") && e.decision == Decision::Denied)
        .collect();
    (sink.messages(), refused)
}

/// `main.js` that requires and imports each of `specifiers`, logging
/// `specifier code` for each failure and `LOADED` for a load.
fn try_each(specifiers: &[&str]) -> String {
    let list = specifiers
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "(async () => {{\n\
           for (const s of [{list}]) {{\n\
             try {{ console.log('LOADED', s, require(s)) }} catch (e) {{ console.log('require', s, e.code) }}\n\
             try {{ console.log('LOADED', s, (await import(s)).default) }} catch (e) {{ console.log('import', s, e.code) }}\n\
           }}\n\
         }})();"
    )
}

#[test]
fn package_targets_that_leave_the_package_or_the_root_are_refused() {
    let outside = tree(&[("secret.js", "module.exports = 'OUTSIDE-SECRET';")]);
    let secret = outside.path().join("secret.js");
    let app = tree(&[
        (
            "main.js",
            &try_each(&["dotdot", "absolute", "escaping-main", "#up", "dotdot/deep"]),
        ),
        (
            "node_modules/dotdot/package.json",
            r#"{ "exports": { ".": "../../outside.js", "./deep": "./../../x.js" } }"#,
        ),
        (
            "node_modules/absolute/package.json",
            &format!(r#"{{ "exports": "{}" }}"#, secret.display()),
        ),
        (
            "node_modules/escaping-main/package.json",
            r#"{ "main": "../../../../../../../../outside.js" }"#,
        ),
        (
            "package.json",
            &format!(r##"{{ "imports": {{ "#up": "{}" }} }}"##, secret.display()),
        ),
    ]);
    let (out, _) = run_main(app.path(), Grants::default());
    let all = out.join("\n");
    assert!(!all.contains("LOADED"), "{all}");
    assert!(!all.contains("OUTSIDE-SECRET"), "{all}");
    for line in [
        "require dotdot ERR_INVALID_PACKAGE_TARGET",
        "import dotdot ERR_INVALID_PACKAGE_TARGET",
        "require absolute ERR_INVALID_PACKAGE_TARGET",
        "import absolute ERR_INVALID_PACKAGE_TARGET",
        "require escaping-main MODULE_NOT_FOUND",
        "import escaping-main ERR_MODULE_NOT_FOUND",
        "require #up ERR_INVALID_PACKAGE_TARGET",
        "require dotdot/deep ERR_INVALID_PACKAGE_TARGET",
    ] {
        assert!(out.iter().any(|l| l == line), "no {line:?} in {out:?}");
    }
}

#[test]
fn a_package_linked_from_outside_the_root_is_refused_and_audited() {
    let outside = tree(&[
        ("pkg/package.json", r#"{ "main": "index.js" }"#),
        ("pkg/index.js", "module.exports = 'OUTSIDE-SECRET';"),
    ]);
    let app = tree(&[("main.js", &try_each(&["linked", "linked/index.js"]))]);
    std::fs::create_dir_all(app.path().join("node_modules")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("pkg"),
        app.path().join("node_modules/linked"),
    )
    .unwrap();
    let (out, refused) = run_main(app.path(), Grants::default());
    assert_eq!(
        out,
        [
            "require linked ERR_ACCESS_DENIED",
            "import linked ERR_ACCESS_DENIED",
            "require linked/index.js ERR_ACCESS_DENIED",
            "import linked/index.js ERR_ACCESS_DENIED",
        ]
    );
    assert!(!refused.is_empty());
    assert!(
        refused
            .iter()
            .all(|e| e.target.contains("node_modules/linked")),
        "{refused:?}"
    );
}

#[test]
fn a_package_under_a_read_deny_rule_does_not_load() {
    let app = tree(&[
        ("main.js", &try_each(&["secret", "secret/index.js", "open"])),
        (
            "node_modules/secret/package.json",
            r#"{ "main": "index.js" }"#,
        ),
        (
            "node_modules/secret/index.js",
            "module.exports = 'DENIED-SECRET';",
        ),
        ("node_modules/open/index.js", "module.exports = 'open';"),
    ]);
    let denied = app
        .path()
        .canonicalize()
        .unwrap()
        .join("node_modules/secret");
    let grants = Grants::builder()
        .deny_read([denied.to_str().unwrap()])
        .build()
        .unwrap();
    let (out, refused) = run_main(app.path(), grants);
    assert_eq!(
        out,
        [
            "require secret MODULE_NOT_FOUND",
            "import secret ERR_MODULE_NOT_FOUND",
            "require secret/index.js MODULE_NOT_FOUND",
            "import secret/index.js ERR_MODULE_NOT_FOUND",
            "LOADED open open",
            "LOADED open open",
        ]
    );
    assert!(!refused.is_empty());
    assert!(
        refused
            .iter()
            .all(|e| e.target.contains("node_modules/secret")),
        "{refused:?}"
    );
}

#[test]
fn node_modules_above_the_module_root_are_never_looked_in() {
    let tree = tree(&[
        ("node_modules/above/index.js", "module.exports = 'ABOVE';"),
        ("app/main.js", &try_each(&["above"])),
    ]);
    let (out, _) = run_main(&tree.path().join("app"), Grants::default());
    assert_eq!(
        out,
        [
            "require above MODULE_NOT_FOUND",
            "import above ERR_MODULE_NOT_FOUND"
        ]
    );
}

#[test]
fn the_jsbox_condition_is_matched_where_the_package_puts_it() {
    let app = tree(&[
        (
            "main.js",
            "console.log(require('cond'), require('late'));\n\
             import('cond').then((m) => console.log(m.default));",
        ),
        (
            "node_modules/cond/package.json",
            r#"{ "exports": { "jsbox": "./jsbox.js", "node": "./node.js" } }"#,
        ),
        (
            "node_modules/cond/jsbox.js",
            "module.exports = 'jsbox build';",
        ),
        (
            "node_modules/cond/node.js",
            "module.exports = 'node build';",
        ),
        (
            "node_modules/late/package.json",
            r#"{ "exports": { "node": "./node.js", "jsbox": "./jsbox.js" } }"#,
        ),
        (
            "node_modules/late/jsbox.js",
            "module.exports = 'jsbox build';",
        ),
        (
            "node_modules/late/node.js",
            "module.exports = 'node build';",
        ),
    ]);
    let (out, _) = run_main(app.path(), Grants::default());
    assert_eq!(out, ["jsbox build node build", "jsbox build"]);
}

#[test]
fn errors_name_the_specifier_and_the_importing_file() {
    let app = tree(&[
        (
            "main.js",
            "for (const s of ['missing-pkg', 'pkg/hidden', '#nope']) {\n\
               try { require(s) } catch (e) { console.log(e.code + ': ' + e.message) }\n\
             }",
        ),
        (
            "node_modules/pkg/package.json",
            r#"{ "exports": { ".": "./index.js" } }"#,
        ),
        ("node_modules/pkg/index.js", ""),
        (
            "package.json",
            r##"{ "imports": { "#yes": "./main.js" } }"##,
        ),
    ]);
    let (out, _) = run_main(app.path(), Grants::default());
    assert_eq!(
        out,
        [
            "MODULE_NOT_FOUND: cannot find module 'missing-pkg' imported from ./main.js: \
             not found or not allowed (packages are looked for in node_modules folders up to \
             the module root, never above it: see --module-root)",
            "ERR_PACKAGE_PATH_NOT_EXPORTED: Package subpath './hidden' is not defined by \
             \"exports\" in ./node_modules/pkg/package.json imported from ./main.js",
            "ERR_PACKAGE_IMPORT_NOT_DEFINED: Package import specifier \"#nope\" is not defined \
             in package ./package.json imported from ./main.js",
        ]
    );
}

#[test]
fn commonjs_named_exports_are_lexed_as_node_lexes_them_without_eval() {
    // Quoted names are decoded without `eval`, which this run refuses.
    let app = tree(&[
        (
            "main.mjs",
            "import * as ns from './lib.cjs';\n\
             console.log(Object.keys(ns).sort().join(), ns.xA, ns.quoted, ns['not-an-identifier']);",
        ),
        (
            "lib.cjs",
            "exports['x\\u0041'] = 'escaped name';\n\
             exports[\"quoted\"] = 'quoted';\n\
             exports['not-an-identifier'] = 'dashed';\n\
             module.exports.fn = function () { return 'fn'; };",
        ),
    ]);
    let root = app.path().canonicalize().unwrap();
    let main = root.join("main.mjs");
    let sink = Arc::new(MemorySink::new());
    let execution = runtime().run(
        &Script::module(
            main.display().to_string(),
            std::fs::read_to_string(&main).unwrap(),
        ),
        RunOptions::default()
            .with_module_root(&root)
            .with_allow_eval(false)
            .with_log_sink(sink.clone()),
    );
    assert_eq!(
        execution.outcome.kind(),
        OutcomeKind::Ok,
        "{:?}",
        execution.outcome.js_error()
    );
    // What Node 20.20 prints for the same files.
    assert_eq!(
        sink.messages(),
        ["default,fn,not-an-identifier,quoted,xA escaped name quoted dashed"]
    );
}

#[test]
fn an_entry_snapshot_depends_on_the_package_json_files_resolution_read() {
    // The same file is ESM under `"type": "module"` and CommonJS under
    // `"type": "commonjs"`: only the package.json differs, and the cached
    // compilation of the first snapshot must not serve the second.
    let cache = tempfile::tempdir().unwrap();
    let runtime = Runtime::builder()
        .cache_dir(cache.path())
        .build()
        .expect("runtime builds");
    let app = tree(&[(
        "lib.js",
        "globalThis.kind = typeof exports === 'undefined' ? 'esm' : 'cjs';",
    )]);
    let root = app.path().canonicalize().unwrap();
    let entry = Script::module(
        root.join("handler.mjs").display().to_string(),
        "import './lib.js';\n\
         const kind = globalThis.kind;\n\
         export default { fetch() { return new Response(kind); } };",
    );
    let mut served = Vec::new();
    for kind in ["module", "commonjs"] {
        std::fs::write(
            root.join("package.json"),
            format!(r#"{{ "type": "{kind}" }}"#),
        )
        .unwrap();
        let options = RunOptions::default().with_module_root(&root);
        let handler = runtime
            .prepare_handler(&entry, &options)
            .expect("the entry prepares");
        let (tx, rx) = std::sync::mpsc::channel();
        let execution = runtime.handle_prepared(
            &handler,
            HttpRequest {
                method: "GET".to_owned(),
                url: "http://localhost/".to_owned(),
                headers: Vec::new(),
                body: "".into(),
            },
            &[],
            RunOptions::default(),
            Box::new(move |response| {
                let _ = tx.send(response);
            }),
        );
        assert!(execution.outcome.is_ok(), "{:?}", execution.outcome);
        match rx.try_recv().unwrap().body {
            jsbox::HttpBody::Full(bytes) => served.push(String::from_utf8(bytes).unwrap()),
            jsbox::HttpBody::Stream(_) => panic!("a streamed body"),
        }
    }
    assert_eq!(served, ["esm", "cjs"]);
}

#[test]
fn a_malformed_package_json_is_err_invalid_package_config() {
    let app = tree(&[
        (
            "main.js",
            "import('broken').catch((e) => console.log(e.code, e.message));",
        ),
        ("node_modules/broken/package.json", "{ \"main\": "),
        ("node_modules/broken/index.js", "module.exports = 1;"),
    ]);
    let (out, _) = run_main(app.path(), Grants::default());
    assert_eq!(out.len(), 1, "{out:?}");
    // Node 20 gives `import` the same code (its `require` throws a plain
    // JSON parse error).
    assert!(
        out[0].starts_with(
            "ERR_INVALID_PACKAGE_CONFIG Invalid package config \
             ./node_modules/broken/package.json while importing 'broken' from ./main.js"
        ),
        "{out:?}"
    );
}

/// A script must not learn which files exist under a read-deny rule: every
/// specifier there fails the same way whether or not its file exists, and
/// each probe is audited as refused.
#[test]
fn files_under_a_read_deny_rule_look_the_same_present_or_not() {
    let specifiers = [
        "./private/there",
        "./private/nowhere",
        "./private/there.js",
        "./private/nowhere.js",
        "./private/dir",
        "./private/nodir",
        "secret/index.js",
        "secret/nothing.js",
    ];
    let list = specifiers
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let main = format!(
        "(async () => {{\n\
           for (const s of [{list}]) {{\n\
             const said = (e) => `${{e.code}} ${{e.message.replaceAll(s, 'SPECIFIER')}}`;\n\
             try {{ require(s); console.log('LOADED', s) }} catch (e) {{ console.log('require', said(e)) }}\n\
             try {{ await import(s); console.log('LOADED', s) }} catch (e) {{ console.log('import', said(e)) }}\n\
           }}\n\
         }})();"
    );
    let app = tree(&[
        ("main.js", &main),
        ("private/there.js", "module.exports = 'PRIVATE';"),
        ("private/dir/index.js", "module.exports = 'PRIVATE';"),
        ("node_modules/secret/index.js", "module.exports = 'SECRET';"),
    ]);
    let real = app.path().canonicalize().unwrap();
    let grants = Grants::builder()
        .deny_read([
            real.join("private").to_str().unwrap(),
            real.join("node_modules/secret").to_str().unwrap(),
        ])
        .build()
        .unwrap();
    let (out, refused) = run_main(app.path(), grants);
    assert_eq!(out.len(), specifiers.len() * 2, "{out:?}");
    assert!(
        out.iter().all(|line| !line.starts_with("LOADED")),
        "{out:?}"
    );
    for pair in out.chunks(4) {
        assert_eq!(pair[0], pair[2], "present and absent differ: {out:?}");
        assert_eq!(pair[1], pair[3], "present and absent differ: {out:?}");
    }
    assert!(refused.len() >= specifiers.len() * 2, "{refused:?}");
}
