//! `node:os` (sandbox-honest values), the small modules (`perf_hooks`,
//! `punycode`) and the modules jsbox refuses with `ERR_UNSUPPORTED`.

use crate::support::{output, run, script_output};
use jsbox::{OutcomeKind, RunOptions, Script};

#[test]
fn os_reports_the_sandbox_not_the_host() {
    let out = script_output(
        r#"
const os = require('os');
console.log(os.platform(), os.arch(), os.machine(), os.type(), os.hostname(), os.homedir(), os.tmpdir(), JSON.stringify(os.EOL), os.endianness());
console.log(os.cpus().length, os.availableParallelism(), os.totalmem() % 65536, os.totalmem() > 0, os.freemem(), JSON.stringify(os.loadavg()), JSON.stringify(os.networkInterfaces()));
console.log(JSON.stringify(os.userInfo()), os.platform() === process.platform, os.getPriority());
try { os.setPriority(1); } catch (e) { console.log(e.code); }
"#,
    );
    assert_eq!(
        out,
        "wasi wasm32 wasm32 WASI jsbox / /tmp \"\\n\" LE\n\
         0 1 0 true 0 [0,0,0] {}\n\
         {\"uid\":-1,\"gid\":-1,\"username\":\"jsbox\",\"homedir\":\"/\",\"shell\":null} true 0\n\
         ERR_UNSUPPORTED"
    );
}

#[test]
fn perf_hooks_and_punycode() {
    // `punycode.encode('mañana')` is 'maana-pta' in Node (RFC 3492's own
    // example shape).
    let out = script_output(
        "const { performance: p } = require('perf_hooks');\n\
         const punycode = require('node:punycode');\n\
         console.log(p === performance, punycode.encode('mañana'), punycode.toASCII('mañana.com'), punycode.toUnicode('xn--maana-pta.com'));",
    );
    assert_eq!(out, "true maana-pta xn--maana-pta.com mañana.com");
}

/// Every module jsbox refuses, with the reason its error gives.
const UNSUPPORTED: [&str; 21] = [
    "async_hooks",
    "child_process",
    "cluster",
    "dgram",
    "diagnostics_channel",
    "dns",
    "dns/promises",
    "domain",
    "http",
    "http2",
    "https",
    "inspector",
    "module",
    "net",
    "readline",
    "repl",
    "tls",
    "tty",
    "v8",
    "vm",
    "worker_threads",
];

#[test]
fn unsupported_modules_throw_err_unsupported_naming_the_module_on_require() {
    let names = serde_json::to_string(&UNSUPPORTED).unwrap();
    let out = script_output(&format!(
        "for (const name of {names}) {{\n\
           for (const specifier of [name, 'node:' + name]) {{\n\
             try {{ require(specifier); console.log('loaded', specifier); }}\n\
             catch (e) {{ console.log(e.code, e.module, e.message.startsWith(`The module 'node:${{name}}' is not supported in jsbox: `)); }}\n\
           }}\n\
         }}"
    ));
    let expected: Vec<String> = UNSUPPORTED
        .iter()
        .flat_map(|name| {
            let line = format!("ERR_UNSUPPORTED node:{name} true");
            [line.clone(), line]
        })
        .collect();
    assert_eq!(out, expected.join("\n"));
}

#[test]
fn unsupported_modules_fail_at_import_time() {
    // A static import fails the whole module graph before any code runs.
    let (execution, messages) = run(
        &Script::module(
            "/main.mjs",
            "console.log('before');\nimport { spawn } from 'node:child_process';",
        ),
        RunOptions::default(),
    );
    assert_eq!(execution.outcome.kind(), OutcomeKind::UncaughtException);
    assert_eq!(
        execution.outcome.js_error().unwrap().message,
        "The module 'node:child_process' is not supported in jsbox: \
         a sandboxed script cannot start processes"
    );
    assert!(messages.is_empty(), "{messages:?}");
    // A dynamic import rejects with the same error.
    let out = output(&Script::module(
        "/main.mjs",
        "try { await import('vm'); } catch (e) { console.log(e.code, e.message); }",
    ));
    assert_eq!(
        out,
        "ERR_UNSUPPORTED The module 'node:vm' is not supported in jsbox: \
         one run is one context; contexts cannot be created"
    );
}
