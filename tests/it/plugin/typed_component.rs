//! Typed plugin exports implemented by components: checked against the
//! declaration when loaded, called directly; the Rust example implements
//! the same interface as the JS one, and `jsbox call` calls either.

use std::sync::OnceLock;

use jsbox::{ExportTarget, Limits, OutcomeKind, PluginError, RunOptions};

use crate::support::dummy_component::dummy_component;
use crate::support::typed::{ORDERS_WIT, check_transform, line, order, orders};
use crate::support::{self, runtime};

/// A component for `world` of `wit` (after the orders package, if
/// `with_orders`), made from WIT alone: its functions trap if called.
fn dummy(with_orders: bool, wit: &str, world: &str) -> Vec<u8> {
    if with_orders {
        dummy_component(&[("orders.wit", ORDERS_WIT), ("test.wit", wit)], world)
    } else {
        dummy_component(&[("test.wit", wit)], world)
    }
}

#[test]
fn a_component_is_checked_against_the_declared_exports_when_loaded() {
    let matching = dummy(
        true,
        "package test:p; world p { export example:orders/orders@0.1.0; }",
        "p",
    );
    let plugin = runtime()
        .load_typed_plugin("p.wasm", &matching, &orders())
        .expect("a component exporting the interface loads, without `handler`");
    let call = runtime()
        .call_export(
            &ExportTarget::from(plugin),
            "transform",
            &[order("A", None, vec![], None)],
            RunOptions::default(),
        )
        .expect("the arguments fit");
    assert_eq!(
        call.execution.outcome.kind(),
        OutcomeKind::Internal,
        "the dummy traps"
    );

    let refused = |wasm: &[u8]| match runtime().load_typed_plugin("bad.wasm", wasm, &orders()) {
        Err(error @ PluginError::ExportMismatch { .. }) => error.to_string(),
        other => panic!("expected an export mismatch, got {other:?}"),
    };
    let absent = refused(&dummy(false, "package test:p; world p { }", "p"));
    assert_eq!(
        absent,
        "bad.wasm does not export the typed exports of example:orders/orders@0.1.0: \
         it does not export example:orders/orders@0.1.0"
    );
    let other_types = refused(&dummy(
        false,
        "package example:orders@0.1.0;
         interface orders { transform: func(input: string) -> result<string, string>; }
         world p { export orders; }",
        "p",
    ));
    assert!(
        other_types.contains("`transform` differs from `transform: func(input: record order) -> result<record order, string>`: parameter `input`: declared record order, exported string"),
        "{other_types}"
    );
}

/// The Rust example, built once by `jsbox build-plugin` as its README says.
fn rust_example() -> &'static [u8] {
    static WASM: OnceLock<Vec<u8>> = OnceLock::new();
    WASM.get_or_init(|| {
        let out = tempfile::tempdir().expect("temp dir");
        let wasm = out.path().join("orders-plugin.wasm");
        support::build_plugin("rust", &wasm);
        std::fs::read(&wasm).expect("the component was written")
    })
}

#[test]
fn the_rust_example_implements_the_same_typed_exports() {
    let plugin = runtime()
        .load_typed_plugin("orders-plugin.wasm", rust_example(), &orders())
        .expect("the Rust example exports orders");
    check_transform(&ExportTarget::Component(plugin.clone()));

    let options = RunOptions::default().with_limits(Limits::default().with_max_host_calls(1));
    let input = order("A", None, vec![line("a", 1, 1)], None);
    let capped = runtime()
        .call_export(
            &ExportTarget::Component(plugin),
            "transform",
            &[input],
            options,
        )
        .expect("the arguments fit");
    assert_eq!(capped.execution.outcome.kind(), OutcomeKind::HostCallLimit);
}

/// `jsbox call` on `plugin` with the orders WIT and `args`.
fn jsbox_call(plugin: &std::path::Path, args: &str) -> std::process::Output {
    support::jsbox()
        .arg("call")
        .arg(plugin)
        .args([
            "--wit",
            concat!(env!("CARGO_MANIFEST_DIR"), "/examples/plugins/orders.wit"),
        ])
        .args([
            "--interface",
            "orders",
            "--export",
            "transform",
            "--args",
            args,
        ])
        .args(["--context", r#"{"tenantId":"acme"}"#])
        .output()
        .expect("jsbox starts")
}

#[test]
fn the_cli_calls_typed_exports_of_both_examples_with_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wasm = dir.path().join("orders-plugin.wasm");
    std::fs::write(&wasm, rust_example()).expect("write the component");
    let js = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/plugins/js/orders.mjs"
    ));
    let args = r#"[{"id":" A-1 ","lines":[{"sku":"pen","qty":2,"unitPriceCents":150}],
                    "priority":"low","note":[104,105],"totalCents":0}]"#;
    for plugin in [js, wasm.as_path()] {
        let called = jsbox_call(plugin, args);
        let stderr = String::from_utf8_lossy(&called.stderr);
        assert_eq!(called.status.code(), Some(0), "{stderr}");
        assert_eq!(
            String::from_utf8_lossy(&called.stdout),
            "transforming A-1 for acme\n\
             {\"tag\":\"ok\",\"val\":{\"id\":\"A-1\",\"lines\":[{\"qty\":2,\"sku\":\"pen\",\
             \"unitPriceCents\":150}],\"note\":[72,73],\"priority\":\"low\",\"totalCents\":300}}\n",
            "{}",
            plugin.display()
        );

        let refused = jsbox_call(plugin, r#"[{"id":"A"}]"#);
        assert_eq!(refused.status.code(), Some(2));
        assert_eq!(
            String::from_utf8_lossy(&refused.stderr),
            "jsbox: transform: argument `input`.lines: expected list<record line>, got undefined\n"
        );
    }
}
