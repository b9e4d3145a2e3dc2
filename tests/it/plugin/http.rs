//! HTTP plugin components through the library: `Runtime::load_http_plugin`
//! checks a component against the `jsbox:sandbox/http-plugin` world and
//! names what does not fit; `Runtime::handle_plugin` runs one request in a
//! fresh instance, classified like a JS handler's run. The components are
//! made by `wit-component` from WIT alone (their functions trap if called);
//! `plugin::examples` serves a real one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jsbox::{HttpRequest, OutcomeKind, PluginError, RunOptions};

use crate::support::dummy_component::dummy_component;
use crate::support::runtime;

/// A component for `world` of the `jsbox:sandbox` package.
fn component(world: &str) -> Vec<u8> {
    dummy_component(&[], world)
}

#[test]
fn a_component_of_the_http_plugin_world_loads_and_runs_in_a_sandbox() {
    let plugin = runtime()
        .load_http_plugin("api.wasm", &component("http-plugin"))
        .expect("an http-plugin-world component loads");
    assert_eq!(plugin.name(), "api.wasm");
    let responded = Arc::new(AtomicBool::new(false));
    let flag = responded.clone();
    let request = HttpRequest {
        method: "GET".to_owned(),
        url: "http://localhost/".to_owned(),
        ..HttpRequest::default()
    };
    let execution = runtime().handle_plugin(
        &plugin,
        request,
        RunOptions::default(),
        Box::new(move |_| flag.store(true, Ordering::SeqCst)),
    );
    // The dummy's `handle` is `unreachable`: a trap no limit explains, and
    // no response.
    assert_eq!(execution.outcome.kind(), OutcomeKind::Internal);
    assert!(
        execution.outcome.to_string().contains("unreachable"),
        "{}",
        execution.outcome
    );
    assert!(!responded.load(Ordering::SeqCst));
}

#[test]
fn a_plugin_world_component_is_not_an_http_plugin() {
    let message = match runtime().load_http_plugin("hello.wasm", &component("plugin")) {
        Err(error @ PluginError::WorldMismatch { .. }) => error.to_string(),
        Err(other) => panic!("expected a world mismatch, got {other}"),
        Ok(_) => panic!("a component without incoming-handler was accepted"),
    };
    assert!(
        message.starts_with(
            "hello.wasm does not target the jsbox:sandbox/http-plugin world (wit/http-plugin.wit)"
        ),
        "{message}"
    );
    assert!(
        message.contains("jsbox:sandbox/incoming-handler"),
        "{message}"
    );
}
