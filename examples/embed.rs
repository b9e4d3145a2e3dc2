//! A small multi-tenant service embedding jsbox: every tenant runs its own
//! scripts, under its own limits and grants, against a database that a host
//! function scopes to the calling tenant.
//!
//! Run it with `cargo run --example embed`; `cargo test` runs it too, and
//! checks every claim it prints.
//!
//! What it shows:
//! - `host:db` is a Rust function (`query`) that reads only the calling
//!   tenant's rows: the tenant comes from the run's context, which the
//!   service sets, never from the script;
//! - a tenant whose plan does not include the database is refused
//!   (`ERR_ACCESS_DENIED`), and the refusal is audited;
//! - nothing a script leaves behind (globals, patched built-ins) reaches the
//!   next run, whoever's it is;
//! - a tenant flooding the host stops at its plan's host-call cap, and a
//!   runaway script is cancelled by the service;
//! - the runtime's counters, in a Prometheus registry.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use jsbox::{
    AuditSink, CancelToken, Execution, Grants, HostFunctionError, Limits, MemoryAuditSink,
    MemorySink, Outcome, OutcomeKind, RequestContext, RunOptions, Runtime, Script,
};
use serde::Serialize;

/// One row of the demo database.
#[derive(Debug, Clone, Serialize)]
struct Order {
    id: u32,
    item: String,
}

/// Orders by tenant: what the host function reads from.
type Database = BTreeMap<&'static str, Vec<Order>>;

/// What a tenant's plan allows.
struct Plan {
    limits: Limits,
    grants: Grants,
}

/// The service: one shared runtime, and each tenant's plan.
struct Service {
    runtime: Runtime,
    plans: BTreeMap<&'static str, Plan>,
    audit: Arc<MemoryAuditSink>,
}

impl Service {
    fn new(database: Database) -> Result<Self, Box<dyn std::error::Error>> {
        let database = Arc::new(database);
        let runtime = Runtime::builder()
            .max_concurrent(8)
            .host_function("db", "query", move |call, (table,): (String,)| {
                if table != "orders" {
                    return Err(HostFunctionError::new(
                        "NO_SUCH_TABLE",
                        format!("there is no table '{table}'"),
                    ));
                }
                let tenant = call.tenant_id().unwrap_or_default();
                Ok(database.get(tenant).cloned().unwrap_or_default())
            })
            .build()?;
        let with_db = || Grants::builder().allow_host_module(["db"]).build();
        let plans = BTreeMap::from([
            (
                "acme",
                Plan {
                    limits: Limits::default().with_max_host_calls(1_000),
                    grants: with_db()?,
                },
            ),
            (
                "globex",
                Plan {
                    limits: Limits::default().with_max_host_calls(100),
                    grants: with_db()?,
                },
            ),
            (
                "free-tier",
                Plan {
                    limits: Limits::default()
                        .with_timeout(Duration::from_millis(200))
                        .with_max_host_calls(50),
                    grants: Grants::default(),
                },
            ),
        ]);
        Ok(Service {
            runtime,
            plans,
            audit: Arc::new(MemoryAuditSink::new()),
        })
    }

    /// Runs `source` for `tenant` under its plan; `cancel` lets the caller
    /// stop it.
    fn run(&self, tenant: &str, source: &str, cancel: Option<CancelToken>) -> Execution {
        let plan = &self.plans[tenant];
        let mut options = RunOptions::default()
            .with_context(RequestContext {
                tenant_id: Some(tenant.to_owned()),
                ..RequestContext::default()
            })
            .with_limits(plan.limits.clone())
            .with_grants(plan.grants.clone())
            .with_audit_sink(self.audit.clone() as Arc<dyn AuditSink>)
            .with_log_sink(Arc::new(MemorySink::new()));
        if let Some(token) = cancel {
            options = options.with_cancel_token(token);
        }
        self.runtime
            .run(&Script::new(format!("{tenant}.js"), source), options)
    }
}

/// The completion value of a run that must have succeeded.
fn value(execution: &Execution) -> serde_json::Value {
    match &execution.outcome {
        Outcome::Ok {
            value_json: Some(json),
        } => serde_json::from_str(json).expect("completion values are JSON"),
        other => panic!("expected a completed run, got {other}"),
    }
}

/// Runs the demo, printing what happens and checking that it is what the
/// module doc says.
fn demo() -> Result<(), Box<dyn std::error::Error>> {
    let database = Database::from([
        (
            "acme",
            vec![
                Order {
                    id: 1,
                    item: "anvil".into(),
                },
                Order {
                    id: 2,
                    item: "rocket skates".into(),
                },
            ],
        ),
        (
            "globex",
            vec![Order {
                id: 7,
                item: "doomsday device".into(),
            }],
        ),
    ]);
    let service = Service::new(database)?;
    let report = "const { query } = require('host:db'); query('orders').map((o) => o.item)";

    let acme = value(&service.run("acme", report, None));
    println!("acme sees its orders:       {acme}");
    assert_eq!(acme, serde_json::json!(["anvil", "rocket skates"]));
    let globex = value(&service.run("globex", report, None));
    println!("globex sees only its own:   {globex}");
    assert_eq!(globex, serde_json::json!(["doomsday device"]));

    let denied = value(&service.run(
        "free-tier",
        "try { require('host:db'); 'allowed' } catch (e) { e.code }",
        None,
    ));
    println!("free-tier has no database:  {denied}");
    assert_eq!(denied, "ERR_ACCESS_DENIED");

    let leak = "globalThis.stolen = 'acme secret'; JSON.stringify = () => 'pwned'; 1";
    service.run("acme", leak, None);
    let after = value(&service.run(
        "globex",
        "[typeof stolen, JSON.stringify({ ok: true })]",
        None,
    ));
    println!("globex after acme's run:    {after}");
    assert_eq!(after, serde_json::json!(["undefined", "{\"ok\":true}"]));

    let flood = service.run(
        "globex",
        "const { query } = require('host:db'); for (;;) query('orders');",
        None,
    );
    println!("globex flooding the host:   {}", flood.outcome);
    assert_eq!(flood.outcome, Outcome::HostCallLimit { limit: 100 });

    let token = CancelToken::new();
    let canceller = token.clone();
    let stop = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        canceller.cancel();
    });
    let runaway = service.run("acme", "while (true) {}", Some(token));
    stop.join().expect("the cancelling thread ends");
    println!("acme's runaway script:      {}", runaway.outcome);
    assert_eq!(runaway.outcome, Outcome::Cancelled);

    let refusals: Vec<_> = service
        .audit
        .events()
        .into_iter()
        .filter(|event| event.decision == jsbox::Decision::Denied)
        .map(|event| (event.tenant_id, event.target))
        .collect();
    println!("audited refusals:           {refusals:?}");
    assert_eq!(refusals, [(Some("free-tier".to_owned()), "db".to_owned())]);

    let registry = prometheus::Registry::new();
    service.runtime.register_metrics(&registry)?;
    let metrics = service.runtime.metrics();
    println!(
        "runs: {} ({} cancelled, {} over the host-call cap); {} metric families registered",
        metrics.runs(),
        metrics.runs_with(OutcomeKind::Cancelled),
        metrics.runs_with(OutcomeKind::HostCallLimit),
        registry.gather().len()
    );
    assert_eq!(metrics.runs(), 7);
    assert!(!registry.gather().is_empty());
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    demo()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_does_what_it_says() {
        super::demo().expect("the demo runs");
    }
}
