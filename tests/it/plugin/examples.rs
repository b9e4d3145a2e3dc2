//! The plugin examples under `examples/plugins/`, built and run the way
//! their READMEs say.

use std::process::Output;

use crate::support::{build_plugin, jsbox_output, text};

fn jsbox(args: &[&str]) -> Output {
    jsbox_output(args, &[])
}

#[test]
fn the_rust_plugin_builds_and_runs_like_a_script() {
    let out = tempfile::tempdir().expect("temp dir");
    let wasm = out.path().join("hello-plugin.wasm");
    build_plugin("rust", &wasm);

    let wasm = wasm.to_str().expect("UTF-8 path");
    let context = r#"{"tenantId":"acme"}"#;
    let ran = jsbox(&["run", wasm, "--input", "world", "--context", context]);
    assert_eq!(ran.status.code(), Some(0), "{}", text(&ran.stderr));
    assert_eq!(
        text(&ran.stdout),
        "greeting world\nHello, world! (for acme)\n"
    );

    let refused = jsbox(&["run", wasm]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert_eq!(
        text(&refused.stderr),
        "Uncaught TypeError: the input must name someone to greet\n"
    );

    let capped = jsbox(&["run", wasm, "--input", "x", "--max-host-calls", "1"]);
    assert_eq!(capped.status.code(), Some(7), "{}", text(&capped.stderr));
}

#[test]
fn the_js_plugin_answers_like_the_rust_one() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/plugins/js/hello.mjs");
    let context = r#"{"tenantId":"acme"}"#;
    let ran = jsbox(&["run", example, "--input", "world", "--context", context]);
    assert_eq!(ran.status.code(), Some(0), "{}", text(&ran.stderr));
    assert_eq!(
        text(&ran.stdout),
        "greeting world\nHello, world! (for acme)\n"
    );

    let refused = jsbox(&["run", example, "--input", ""]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr)
            .starts_with("Uncaught TypeError: the input must name someone to greet\n"),
        "{}",
        text(&refused.stderr)
    );
}
