//! Plugin components: any component targeting the `jsbox:sandbox/plugin`
//! world runs through the host; anything else is refused with an error that
//! names the missing or mismatched item.
//!
//! The components here are made by `wit-component` from WIT alone (their
//! functions trap if called), so these tests need no wasm toolchain.

use jsbox::{ComponentSource, OutcomeKind, PluginError, RunOptions, Runtime};

use crate::support::dummy_component::dummy_component;
use crate::support::runtime;

/// A component for `world` of `extra` (a WIT package that may use
/// `jsbox:sandbox`), or of the plugin world itself when `extra` is `None`.
fn component(extra: Option<&str>, world: &str) -> Vec<u8> {
    match extra {
        Some(wit) => dummy_component(&[("test.wit", wit)], world),
        None => dummy_component(&[], world),
    }
}

fn mismatch(wasm: &[u8]) -> String {
    match runtime().load_plugin("bad.wasm", wasm) {
        Err(error @ PluginError::WorldMismatch { .. }) => error.to_string(),
        Err(other) => panic!("expected a world mismatch, got {other}"),
        Ok(_) => panic!("a component outside the plugin world was accepted"),
    }
}

#[test]
fn a_component_of_the_plugin_world_loads_and_runs_in_a_sandbox() {
    let plugin = runtime()
        .load_plugin("dummy.wasm", &component(None, "plugin"))
        .expect("a plugin-world component loads");
    assert_eq!(plugin.name(), "dummy.wasm");
    let before = runtime().metrics().runs();
    // The dummy's `handle` is `unreachable`: a trap no limit explains.
    let execution = runtime().run_plugin(&plugin, "input", RunOptions::default());
    assert_eq!(execution.outcome.kind(), OutcomeKind::Internal);
    assert!(
        execution.outcome.to_string().contains("unreachable"),
        "{}",
        execution.outcome
    );
    assert!(
        runtime().metrics().runs() > before,
        "plugin runs are counted"
    );
}

#[test]
fn a_component_without_the_handler_export_is_refused_by_name() {
    let wasm = component(
        Some(
            "package test:plugins;\n\
             world no-handler { import jsbox:sandbox/log@0.1.2; }",
        ),
        "no-handler",
    );
    let message = mismatch(&wasm);
    assert!(
        message.contains("does not target the jsbox:sandbox/plugin world"),
        "{message}"
    );
    assert!(message.contains("jsbox:sandbox/handler"), "{message}");
}

#[test]
fn a_component_importing_what_the_host_lacks_is_refused_by_name() {
    let wasm = component(
        Some(
            "package test:plugins;\n\
             interface secrets { steal: func() -> string; }\n\
             world greedy { import secrets; export jsbox:sandbox/handler@0.1.2; }",
        ),
        "greedy",
    );
    let message = mismatch(&wasm);
    assert!(message.contains("test:plugins/secrets"), "{message}");
}

#[test]
fn a_core_module_is_not_a_component() {
    let core_module = b"\0asm\x01\0\0\0";
    match runtime().load_plugin("core.wasm", core_module) {
        Err(error @ PluginError::Invalid { .. }) => {
            assert!(
                error
                    .to_string()
                    .starts_with("core.wasm is not a valid WebAssembly component")
            );
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn compiled_plugins_are_cached_on_disk() {
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = Runtime::builder()
        .cache_dir(dir.path())
        .build()
        .expect("runtime builds");
    let wasm = component(None, "plugin");
    let first = runtime.load_plugin("p.wasm", &wasm).expect("loads");
    assert!(
        matches!(
            first.source(),
            ComponentSource::Compiled {
                save_error: None,
                ..
            }
        ),
        "{:?}",
        first.source()
    );
    let second = runtime.load_plugin("p.wasm", &wasm).expect("loads");
    assert!(
        matches!(second.source(), ComponentSource::Cached(_)),
        "{:?}",
        second.source()
    );
}

/// A plugin-world component made from `wit/` as it was at `version`: the
/// package line rewritten, without what later versions added.
fn component_of_version(version: &str) -> Vec<u8> {
    let old = tempfile::tempdir().expect("temp dir");
    let wit = concat!(env!("CARGO_MANIFEST_DIR"), "/wit");
    for entry in std::fs::read_dir(wit).expect("wit/ lists") {
        let path = entry.expect("wit/ entry").path();
        let name = path.file_name().expect("file name").to_owned();
        // `code-generation` came with 0.1.2, imported only by the guest.
        if path.extension().is_none_or(|ext| ext != "wit") || name == "code-generation.wit" {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .expect("wit file reads")
            .replace("jsbox:sandbox@0.1.2", &format!("jsbox:sandbox@{version}"))
            .replace("    import code-generation;\n", "");
        std::fs::write(old.path().join(name), text).expect("wit file writes");
    }
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve.push_dir(old.path()).expect("old wit parses");
    let world = resolve
        .select_world(&[package], Some("plugin"))
        .expect("plugin world exists");
    let mut module =
        wit_component::dummy_module(&resolve, world, wit_parser::ManglingAndAbi::Standard32);
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .expect("metadata embeds");
    wit_component::ComponentEncoder::default()
        .module(&module)
        .expect("module is valid")
        .validate(true)
        .encode()
        .expect("component encodes")
}

#[test]
fn a_plugin_built_against_the_previous_wit_version_still_loads() {
    let wasm = component_of_version("0.1.1");
    let text = String::from_utf8_lossy(&wasm);
    assert!(
        text.contains("jsbox:sandbox/handler@0.1.1"),
        "built at 0.1.1"
    );
    let plugin = runtime()
        .load_plugin("old.wasm", &wasm)
        .expect("a 0.1.1 plugin loads on the 0.1.2 host");
    // The dummy's `handle` traps: it was found and called.
    let execution = runtime().run_plugin(&plugin, "input", RunOptions::default());
    assert!(
        execution.outcome.to_string().contains("unreachable"),
        "{}",
        execution.outcome
    );
}

/// `jsbox run FILE.wasm`, with the tests' shared compiled-guest cache.
fn jsbox_run(wasm: &[u8]) -> std::process::Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plugin.wasm");
    std::fs::write(&path, wasm).expect("write plugin");
    crate::support::jsbox()
        .args(["run", "--input", "x"])
        .arg(&path)
        .output()
        .expect("jsbox starts")
}

#[test]
fn the_cli_runs_plugins_and_refuses_other_components() {
    let refused = jsbox_run(&component(
        Some("package test:plugins;\nworld empty {}"),
        "empty",
    ));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("jsbox:sandbox/handler"), "{stderr}");

    let ran = jsbox_run(&component(None, "plugin"));
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert_eq!(ran.status.code(), Some(70), "the dummy traps: {stderr}");
    assert!(
        stderr.contains("jsbox: internal: the guest trapped"),
        "{stderr}"
    );
}

/// Runs the JS plugin module `source` on `input`.
fn js_plugin(source: &str, input: &str) -> jsbox::Outcome {
    let entry = jsbox::Script {
        name: "plugin.mjs".into(),
        source: source.into(),
        kind: jsbox::SourceKind::Module,
    };
    runtime()
        .run_js_plugin(&entry, input, RunOptions::default())
        .outcome
}

#[test]
fn js_plugins_return_strings_or_promises_of_them() {
    let sync = js_plugin(
        "export function handle(s) { return s.toUpperCase() }",
        "abc",
    );
    assert_eq!(
        sync,
        jsbox::Outcome::Ok {
            value_json: Some("\"ABC\"".into())
        }
    );
    let later = js_plugin(
        "export async function handle(s) {\n\
           await new Promise((resolve) => setTimeout(resolve, 1));\n\
           return `${s}!`;\n\
         }",
        "late",
    );
    assert_eq!(
        later,
        jsbox::Outcome::Ok {
            value_json: Some("\"late!\"".into())
        }
    );
}

#[test]
fn js_plugins_without_a_string_handle_are_type_errors() {
    for (source, message) in [
        ("export const x = 1;", "does not export a `handle` function"),
        (
            "export function handle() { return 42 }",
            "must return a string",
        ),
        (
            "globalThis.handle = () => 'x';",
            "does not export a `handle` function",
        ),
    ] {
        let outcome = js_plugin(source, "");
        let error = outcome.js_error().unwrap_or_else(|| panic!("{outcome:?}"));
        assert_eq!(error.name, "TypeError", "{source}");
        assert!(
            error.message.contains(message),
            "{source}: {}",
            error.message
        );
    }
}
