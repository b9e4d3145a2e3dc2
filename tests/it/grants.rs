//! Grants outside the file system and network: `process.env` filtered by
//! the env grant, the audit events of its decisions, and the denied count
//! in the report and the runtime's metrics.

use std::sync::Arc;

use jsbox::{
    Access, Decision, Grants, MemoryAuditSink, MemorySink, OutcomeKind, RequestContext, RunOptions,
    Script,
};

use crate::support::runtime;

const ENV: [(&str, &str); 4] = [
    ("APP_MODE", "test"),
    ("APP_PORT", "8080"),
    ("HOME", "/home/someone"),
    ("SECRET_TOKEN", "hunter2"),
];

fn run_env(grants: Grants, source: &str) -> (OutcomeKind, Vec<String>, Arc<MemoryAuditSink>, u64) {
    let logs = Arc::new(MemorySink::new());
    let audit = Arc::new(MemoryAuditSink::new());
    let execution = runtime().run(
        &Script::new("env.js", source),
        RunOptions::default()
            .with_context(RequestContext {
                tenant_id: Some("acme".to_owned()),
                request_id: "req-7".to_owned(),
                ..RequestContext::default()
            })
            .with_env(ENV)
            .with_grants(grants)
            .with_log_sink(logs.clone())
            .with_audit_sink(audit.clone()),
    );
    (
        execution.outcome.kind(),
        logs.messages(),
        audit,
        execution.report.permissions_denied,
    )
}

#[test]
fn process_env_shows_only_granted_variables() {
    let grants = Grants::builder()
        .allow_env(["APP_*", "HOME", "MISSING"])
        .deny_env(["APP_PORT"])
        .build()
        .unwrap();
    let (outcome, logs, audit, denied) = run_env(
        grants,
        "console.log(JSON.stringify(process.env));
         console.log(process.env.HOME, process.env.MISSING, 'HOME' in process.env);
         for (const name of ['SECRET_TOKEN', 'APP_PORT']) console.log(name, process.env[name]);
         process.env.LOCAL = 42;
         delete process.env.HOME;
         console.log(Object.keys(process.env).join(','), typeof process.env.LOCAL, typeof process.env.toString);",
    );
    assert_eq!(outcome, OutcomeKind::Ok, "{logs:?}");
    assert_eq!(
        logs,
        [
            r#"{"APP_MODE":"test","HOME":"/home/someone"}"#,
            "/home/someone undefined true",
            "SECRET_TOKEN undefined",
            "APP_PORT undefined",
            "APP_MODE,LOCAL string function",
        ]
    );
    assert_eq!(denied, 2);
    let denied_events: Vec<_> = audit
        .events()
        .into_iter()
        .filter(|e| e.decision == Decision::Denied)
        .collect();
    assert_eq!(denied_events.len(), 2);
    let event = &denied_events[0];
    assert_eq!(event.tenant_id.as_deref(), Some("acme"));
    assert_eq!(event.request_id, "req-7");
    assert_eq!(event.operation, "env.get");
    assert_eq!(event.access, Access::Env);
    assert_eq!(event.target, "SECRET_TOKEN");
    assert_eq!(event.permission, "--allow-env=SECRET_TOKEN");
    assert!(audit.events().iter().any(|e| e.target == "HOME"
        && e.decision == Decision::Allowed
        && e.permission == "--allow-env=HOME"));
}

#[test]
fn without_grants_the_environment_is_empty_and_reads_are_denied() {
    let before = runtime().metrics().permissions_denied;
    let (outcome, logs, _, denied) = run_env(
        Grants::default(),
        "console.log(JSON.stringify(process.env));
         console.log(process.env.HOME);",
    );
    assert_eq!(outcome, OutcomeKind::Ok, "{logs:?}");
    assert_eq!(logs, ["{}", "undefined"]);
    assert_eq!(denied, 1);
    assert!(runtime().metrics().permissions_denied > before);
}

#[test]
fn a_denied_read_is_undefined_as_npm_code_expects_and_is_audited() {
    // Issue 16: npm code probes optional variables (`process.env.DEBUG`)
    // and expects `undefined`; the read is still refused and audited, and
    // the run goes on.
    let (outcome, logs, audit, denied) = run_env(
        Grants::default(),
        "console.log(process.env.SECRET_TOKEN, process.env.DEBUG || 'off')",
    );
    assert_eq!(outcome, OutcomeKind::Ok, "{logs:?}");
    assert_eq!(logs, ["undefined off"]);
    assert_eq!(denied, 2);
    let targets: Vec<_> = audit
        .events()
        .into_iter()
        .map(|e| (e.target, e.decision, e.operation))
        .collect();
    assert_eq!(
        targets,
        [
            ("SECRET_TOKEN".to_owned(), Decision::Denied, "env.get"),
            ("DEBUG".to_owned(), Decision::Denied, "env.get"),
        ]
    );
}

#[test]
fn a_denied_variable_is_indistinguishable_from_an_unset_one() {
    // Every way a script can ask (read, `in`, own keys, descriptors,
    // JSON) answers the same for a set variable outside the grant
    // (SECRET_TOKEN) as for one that is not set at all (NOT_SET).
    let (outcome, logs, _, _) = run_env(
        Grants::builder().allow_env(["APP_MODE"]).build().unwrap(),
        "for (const name of ['SECRET_TOKEN', 'NOT_SET']) {
           console.log(String(process.env[name]), name in process.env, Object.hasOwn(process.env, name),
             String(Object.getOwnPropertyDescriptor(process.env, name)), Object.keys(process.env).join(),
             JSON.stringify(process.env), Reflect.ownKeys(process.env).includes(name));
         }",
    );
    assert_eq!(outcome, OutcomeKind::Ok, "{logs:?}");
    assert_eq!(logs[0], logs[1]);
    assert_eq!(
        logs[0],
        r#"undefined false false undefined APP_MODE {"APP_MODE":"test"} false"#
    );
}

#[test]
fn grants_all_allows_everything() {
    let (outcome, logs, _, denied) =
        run_env(Grants::all(), "console.log(process.env.SECRET_TOKEN)");
    assert_eq!(outcome, OutcomeKind::Ok, "{logs:?}");
    assert_eq!(logs, ["hunter2"]);
    assert_eq!(denied, 0);
}
