//! Embedder host functions: Rust functions offered to scripts as `host:`
//! modules, granted per run, counted as host calls.

use std::sync::{Arc, OnceLock};

use jsbox::{
    Access, Decision, Error, Grants, HostFunctionError, Limits, MemoryAuditSink, Outcome,
    OutcomeKind, RequestContext, RunOptions, Runtime, Script, SourceKind,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::support::runtime_builder;

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Row {
    id: u32,
    owner: String,
}

/// A runtime of its own: the shared one's defaults plus the `host:db` and
/// `host:echo` modules these tests call.
fn runtime_with_hosts() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        runtime_builder()
            // Rows visible to the calling tenant only: the tenant comes from
            // the run's context, never from the script.
            .host_function("db", "query", |call, (table,): (String,)| {
                let tenant = call.tenant_id().unwrap_or("public").to_owned();
                if table != "rows" {
                    return Err(HostFunctionError::new(
                        "NO_SUCH_TABLE",
                        format!("no table {table}"),
                    ));
                }
                Ok(vec![Row {
                    id: 1,
                    owner: tenant,
                }])
            })
            .host_function("db", "delete", |_, _: Value| Ok(true))
            .host_function("echo", "echo", |_, args: Value| Ok(args))
            .host_function("echo", "nothing", |_, (): ()| Ok(()))
            .build()
            .expect("runtime builds")
    })
}

fn run(source: &str, options: RunOptions) -> Outcome {
    runtime_with_hosts()
        .run(&Script::new("test.js", source), options)
        .outcome
}

fn value(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Ok {
            value_json: Some(json),
        } => serde_json::from_str(&json).expect("completion is JSON"),
        other => panic!("expected a value, got {other:?}"),
    }
}

/// Grants the host modules `names`.
fn modules(names: &[&str]) -> Grants {
    Grants::builder()
        .allow_host_module(names.iter().copied())
        .build()
        .expect("valid grants")
}

fn tenant(id: &str) -> RequestContext {
    RequestContext {
        tenant_id: Some(id.into()),
        ..RequestContext::default()
    }
}

#[test]
fn require_calls_the_function_with_the_runs_tenant() {
    let options = RunOptions::default()
        .with_grants(modules(&["db"]))
        .with_context(tenant("acme"));
    let rows = value(run("require('host:db').query('rows')", options));
    assert_eq!(rows, json!([{ "id": 1, "owner": "acme" }]));
}

#[test]
fn es_modules_import_functions_by_name_even_reserved_words() {
    let script = Script {
        name: "main.mjs".into(),
        source: "import db, { query, delete as del } from 'host:db';\n\
                 const rows = query('rows');\n\
                 if (rows[0].owner !== 'globex' || db.query !== query || del() !== true) {\n\
                   throw new Error(JSON.stringify(rows));\n\
                 }"
        .into(),
        kind: SourceKind::Module,
    };
    let outcome = runtime_with_hosts()
        .run(
            &script,
            RunOptions::default()
                .with_grants(modules(&["db"]))
                .with_context(tenant("globex")),
        )
        .outcome;
    assert!(outcome.is_ok(), "{outcome:?}");
}

#[test]
fn values_round_trip_as_json() {
    let options = RunOptions::default().with_grants(modules(&["echo"]));
    let echoed = value(run(
        "const { echo, nothing } = require('host:echo');\n\
         [echo('s', 1.5, [true, null], { a: { b: 'c' } }), nothing()]",
        options,
    ));
    assert_eq!(
        echoed,
        json!([["s", 1.5, [true, null], { "a": { "b": "c" } }], null])
    );
}

#[test]
fn ungranted_modules_are_denied_with_a_code() {
    let code = value(run(
        "try { require('host:db'); 'loaded' } catch (e) { [e.code, e.message] }",
        RunOptions::default().with_grants(modules(&["echo"])),
    ));
    assert_eq!(code[0], "ERR_ACCESS_DENIED");
    assert!(
        code[1]
            .as_str()
            .unwrap()
            .contains("run again with --allow-host-module=db"),
        "{code}"
    );
    let Outcome::UncaughtException(error) = runtime_with_hosts()
        .run(
            &Script {
                name: "denied.mjs".into(),
                source: "import { query } from 'host:db';".into(),
                kind: SourceKind::Module,
            },
            RunOptions::default(),
        )
        .outcome
    else {
        panic!("an ungranted import must fail");
    };
    assert!(
        error
            .message
            .contains("Requires host-module access to \"db\""),
        "{error:?}"
    );
}

#[test]
fn unknown_modules_and_bad_arguments_have_their_own_codes() {
    let codes = value(run(
        "const code = (f) => { try { f(); return 'no error' } catch (e) { return e.code } };\n\
         const db = require('host:db');\n\
         [code(() => require('host:nope')), code(() => db.query(42)), code(() => db.query('x'))]",
        RunOptions::default().with_grants(modules(&["db"])),
    ));
    assert_eq!(
        codes,
        json!([
            "ERR_UNKNOWN_HOST_MODULE",
            "ERR_INVALID_ARG_TYPE",
            "NO_SUCH_TABLE"
        ])
    );
}

#[test]
fn host_function_calls_count_and_are_capped() {
    let execution = runtime_with_hosts().run(
        &Script::new(
            "count.js",
            "const { echo } = require('host:echo'); echo(1); echo(2)",
        ),
        RunOptions::default().with_grants(modules(&["echo"])),
    );
    assert!(execution.outcome.is_ok(), "{:?}", execution.outcome);
    assert_eq!(
        execution.report.host_calls, 3,
        "listing the module's functions, then two calls"
    );
    let flood = runtime_with_hosts().run(
        &Script::new(
            "flood.js",
            "const { echo } = require('host:echo'); for (;;) echo(1);",
        ),
        RunOptions::default()
            .with_grants(modules(&["echo"]))
            .with_limits(Limits::default().with_max_host_calls(50)),
    );
    assert_eq!(flood.outcome.kind(), OutcomeKind::HostCallLimit);
    assert_eq!(flood.report.host_calls, 51);
}

#[test]
fn bad_or_duplicate_names_fail_the_build() {
    let invalid = |builder: jsbox::RuntimeBuilder| match builder.build() {
        Err(Error::InvalidConfig(message)) => message,
        Err(other) => panic!("expected InvalidConfig, got {other}"),
        Ok(_) => panic!("expected the build to fail"),
    };
    let ok = |_: &jsbox::HostCall<'_>, _: Value| Ok(0);
    let message = invalid(Runtime::builder().host_function("db", "not-an-identifier", ok));
    assert!(message.contains("JavaScript identifier"), "{message}");
    let message = invalid(Runtime::builder().host_function("", "f", ok));
    assert!(message.contains("module name"), "{message}");
    let message = invalid(
        Runtime::builder()
            .host_function("db", "f", ok)
            .host_function("db", "f", ok),
    );
    assert!(message.contains("host:db.f is defined twice"), "{message}");
}

#[test]
fn every_use_is_audited_with_the_runs_tenant() {
    let audit = Arc::new(MemoryAuditSink::new());
    let execution = runtime_with_hosts().run(
        &Script::new(
            "audit.js",
            "const { echo } = require('host:echo'); echo(1); try { require('host:db') } catch {}",
        ),
        RunOptions::default()
            .with_grants(modules(&["echo"]))
            .with_context(tenant("acme"))
            .with_audit_sink(audit.clone()),
    );
    assert!(execution.outcome.is_ok(), "{:?}", execution.outcome);
    let events: Vec<_> = audit
        .events()
        .into_iter()
        .map(|e| (e.operation, e.access, e.target, e.decision, e.tenant_id))
        .collect();
    let acme = Some("acme".to_owned());
    assert_eq!(
        events,
        [
            (
                "host-functions.functions",
                Access::HostModule,
                "echo".to_owned(),
                Decision::Allowed,
                acme.clone()
            ),
            (
                "host-functions.call",
                Access::HostModule,
                "echo".to_owned(),
                Decision::Allowed,
                acme.clone()
            ),
            (
                "host-functions.functions",
                Access::HostModule,
                "db".to_owned(),
                Decision::Denied,
                acme
            ),
        ]
    );
    assert_eq!(execution.report.permissions_denied, 1);
}
