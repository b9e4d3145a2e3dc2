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
         for (const name of ['SECRET_TOKEN', 'APP_PORT']) {
           try { process.env[name]; } catch (e) { console.log(e.code, e.message); }
         }
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
            "ERR_ACCESS_DENIED Requires env access to \"SECRET_TOKEN\", run again with --allow-env=SECRET_TOKEN",
            "ERR_ACCESS_DENIED Requires env access to \"APP_PORT\", which --deny-env=APP_PORT forbids",
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
         try { process.env.HOME; } catch (e) { console.log(e.code); }",
    );
    assert_eq!(outcome, OutcomeKind::Ok, "{logs:?}");
    assert_eq!(logs, ["{}", "ERR_ACCESS_DENIED"]);
    assert_eq!(denied, 1);
    assert!(runtime().metrics().permissions_denied > before);
}

#[test]
fn a_denied_call_that_is_not_caught_ends_the_run_as_an_uncaught_exception() {
    let (outcome, _, audit, _) = run_env(Grants::default(), "process.env.SECRET_TOKEN");
    assert_eq!(outcome, OutcomeKind::UncaughtException);
    assert_eq!(audit.events().len(), 1);
}

#[test]
fn grants_all_allows_everything() {
    let (outcome, logs, _, denied) =
        run_env(Grants::all(), "console.log(process.env.SECRET_TOKEN)");
    assert_eq!(outcome, OutcomeKind::Ok, "{logs:?}");
    assert_eq!(logs, ["hunter2"]);
    assert_eq!(denied, 0);
}
