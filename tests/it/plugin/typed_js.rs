//! Typed plugin exports implemented in JS: functions an embedder declares
//! in its own WIT, called with WIT values that convert to and from JS, with
//! the declared types enforced. (Components: `plugin::typed_component`.)

use std::time::Duration;

use jsbox::{
    DeclarationError, ExportError, ExportTarget, Limits, OutcomeKind, RunOptions, Script,
    TypedExports,
};
use wasmtime::component::Val;

use crate::support::typed::{ORDERS_JS, bytes, check_transform, line, order, orders, string};
use crate::support::{runtime, runtime_builder};

/// Every kind of value the JS mapping covers, in one interface.
const KINDS_WIT: &str = "package test:kinds;
interface kinds {
    variant shape { circle(f64), square(u32), point }
    flags perms { read, write, exec-all }
    enum color { red, dark-green }
    record failure { code: u32, reason: string }
    record everything {
        small: s8,
        big: u64,
        neg: s64,
        ratio: f32,
        letter: char,
        shape: shape,
        perms: perms,
        color: color,
        pair: tuple<string, u16>,
        maybe: option<u32>,
        nested: result<string, u8>,
        blobs: list<list<u8>>,
        first-name: string,
    }
    echo: func(value: everything) -> everything;
    make: func() -> everything;
    fail: func(code: u32) -> result<string, failure>;
    nothing: func();
    describe: func(value: everything) -> string;
}";

fn kinds() -> TypedExports {
    TypedExports::builder()
        .wit("kinds.wit", KINDS_WIT)
        .interface("test:kinds/kinds")
        .build()
        .expect("the kinds WIT declares typed exports")
}

fn js(exports: &TypedExports, source: &str) -> ExportTarget {
    ExportTarget::js(exports, Script::module("plugin.mjs", source))
}

#[test]
fn a_js_plugin_round_trips_records_lists_options_bytes_and_results() {
    check_transform(&js(&orders(), ORDERS_JS));
}

fn everything() -> Val {
    Val::Record(vec![
        ("small".into(), Val::S8(-5)),
        ("big".into(), Val::U64(u64::MAX)),
        ("neg".into(), Val::S64(i64::MIN)),
        ("ratio".into(), Val::Float32(0.5)),
        ("letter".into(), Val::Char('ß')),
        (
            "shape".into(),
            Val::Variant("circle".into(), Some(Box::new(Val::Float64(1.5)))),
        ),
        (
            "perms".into(),
            Val::Flags(vec!["read".into(), "exec-all".into()]),
        ),
        ("color".into(), Val::Enum("dark-green".into())),
        ("pair".into(), Val::Tuple(vec![string("x"), Val::U16(7)])),
        ("maybe".into(), Val::Option(Some(Box::new(Val::U32(0))))),
        (
            "nested".into(),
            Val::Result(Err(Some(Box::new(Val::U8(3))))),
        ),
        (
            "blobs".into(),
            Val::List(vec![bytes(&[0, 255]), bytes(&[])]),
        ),
        ("first-name".into(), string("Grace")),
    ])
}

#[test]
fn every_supported_kind_survives_a_trip_through_js() {
    let target = js(&kinds(), "export function echo(value) { return value; }");
    let call = runtime()
        .call_export(&target, "echo", &[everything()], RunOptions::default())
        .expect("the arguments fit");
    assert_eq!(
        call.result,
        Some(everything()),
        "{}",
        call.execution.outcome
    );
}

#[test]
fn js_sees_the_values_in_their_js_forms() {
    let target = js(
        &kinds(),
        "export function describe(v) {
           return [
             typeof v.big, v.big === 18446744073709551615n, typeof v.neg,
             v.shape.tag, v.shape.val, JSON.stringify(v.perms), v.color,
             Array.isArray(v.pair), v.maybe, v.nested.tag, v.nested.val,
             v.blobs[0] instanceof Uint8Array, v.blobs[0][1], v.firstName,
           ].join(' ');
         }",
    );
    let call = runtime()
        .call_export(&target, "describe", &[everything()], RunOptions::default())
        .expect("the arguments fit");
    assert_eq!(
        call.result,
        Some(string(
            "bigint true bigint circle 1.5 {\"read\":true,\"write\":false,\"execAll\":true} \
             dark-green true 0 err 3 true 255 Grace"
        )),
        "{}",
        call.execution.outcome
    );
}

#[test]
fn js_values_made_in_js_convert_to_the_declared_types() {
    let target = js(
        &kinds(),
        "export async function make() {
           await new Promise((resolve) => setTimeout(resolve, 1));
           return {
             small: -5, big: 2 ** 53 - 1, neg: -12n, ratio: 0.25, letter: '😀',
             shape: { tag: 'point' }, perms: { write: true }, color: 'red',
             pair: ['y', 65535], maybe: null, nested: { tag: 'ok', val: 'fine' },
             blobs: [[1, 2], new Uint8Array([3]).buffer], firstName: 'Ada',
             ignored: 'extra properties are ignored',
           };
         }",
    );
    let call = runtime()
        .call_export(&target, "make", &[], RunOptions::default())
        .expect("no arguments");
    let expected = Val::Record(vec![
        ("small".into(), Val::S8(-5)),
        ("big".into(), Val::U64((1 << 53) - 1)),
        ("neg".into(), Val::S64(-12)),
        ("ratio".into(), Val::Float32(0.25)),
        ("letter".into(), Val::Char('😀')),
        ("shape".into(), Val::Variant("point".into(), None)),
        ("perms".into(), Val::Flags(vec!["write".into()])),
        ("color".into(), Val::Enum("red".into())),
        (
            "pair".into(),
            Val::Tuple(vec![string("y"), Val::U16(65535)]),
        ),
        ("maybe".into(), Val::Option(None)),
        (
            "nested".into(),
            Val::Result(Ok(Some(Box::new(string("fine"))))),
        ),
        ("blobs".into(), Val::List(vec![bytes(&[1, 2]), bytes(&[3])])),
        ("first-name".into(), string("Ada")),
    ]);
    assert_eq!(call.result, Some(expected), "{}", call.execution.outcome);
}

#[test]
fn a_thrown_value_becomes_the_declared_error_type() {
    let target = js(
        &kinds(),
        "export function fail(code) {
           if (code === 0) return 'fine';
           if (code === 1) throw { code, reason: 'thrown object' };
           if (code === 2) return Promise.reject({ code, reason: 'rejected' });
           throw new Error('not a failure record');
         }",
    );
    let call = |code: u32| {
        runtime()
            .call_export(&target, "fail", &[Val::U32(code)], RunOptions::default())
            .expect("the arguments fit")
    };
    let failure = |code: u32, reason: &str| {
        Some(Val::Result(Err(Some(Box::new(Val::Record(vec![
            ("code".into(), Val::U32(code)),
            ("reason".into(), string(reason)),
        ]))))))
    };
    assert_eq!(
        call(0).result,
        Some(Val::Result(Ok(Some(Box::new(string("fine"))))))
    );
    assert_eq!(call(1).result, failure(1, "thrown object"));
    assert_eq!(call(2).result, failure(2, "rejected"));

    let unfit = call(3).execution.outcome;
    let error = unfit.js_error().unwrap_or_else(|| panic!("{unfit:?}"));
    assert_eq!(error.name, "TypeError");
    assert!(
        error.message.starts_with(
            "fail threw a value that does not fit its error type .code: expected u32, got undefined; \
             it threw Error: not a failure record"
        ),
        "{}",
        error.message
    );
}

#[test]
fn a_result_of_the_wrong_type_is_a_type_error_naming_the_path() {
    let target = js(
        &orders(),
        "export function transform(order) {
           order.lines[1].qty = '7';
           return order;
         }",
    );
    let input = order("A", None, vec![line("a", 1, 1), line("b", 2, 2)], None);
    let call = runtime()
        .call_export(&target, "transform", &[input], RunOptions::default())
        .expect("the arguments fit");
    assert_eq!(call.result, None);
    let outcome = call.execution.outcome;
    assert_eq!(outcome.kind(), OutcomeKind::UncaughtException);
    let error = outcome.js_error().expect("a JS error");
    assert_eq!(error.name, "TypeError");
    assert_eq!(
        error.message,
        "transform returned .lines[1].qty: expected u32, got \"7\""
    );
}

#[test]
fn missing_exports_and_functions_are_clear_errors() {
    let target = js(&orders(), "export function handle() { return ''; }");
    let input = order("A", None, vec![], None);
    let outcome = runtime()
        .call_export(
            &target,
            "transform",
            std::slice::from_ref(&input),
            RunOptions::default(),
        )
        .expect("the arguments fit")
        .execution
        .outcome;
    let error = outcome.js_error().unwrap_or_else(|| panic!("{outcome:?}"));
    assert_eq!(error.name, "TypeError");
    assert_eq!(
        error.message,
        "the plugin module does not export a `transform` function"
    );

    match runtime().call_export(&target, "transmogrify", &[input], RunOptions::default()) {
        Err(error @ ExportError::UnknownFunction { .. }) => assert_eq!(
            error.to_string(),
            "`transmogrify` is not declared in example:orders/orders@0.1.0; it declares: transform"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn arguments_are_checked_before_anything_runs() {
    let target = js(&orders(), ORDERS_JS);
    let wrong = order("A", None, vec![line("a", 1, 1), Val::U32(3)], None);
    match runtime().call_export(&target, "transform", &[wrong], RunOptions::default()) {
        Err(error @ ExportError::Arguments { .. }) => assert_eq!(
            error.to_string(),
            "transform: argument `input`.lines[1]: expected record line, got a u32 value"
        ),
        other => panic!("{other:?}"),
    }
    match runtime().call_export(&target, "transform", &[], RunOptions::default()) {
        Err(error @ ExportError::Arguments { .. }) => {
            assert_eq!(
                error.to_string(),
                "transform: takes 1 arguments (input), got 0"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn json_arguments_and_results_follow_the_same_mapping() {
    let target = js(&orders(), ORDERS_JS);
    let args = serde_json::json!([{
        "id": "J-1",
        "lines": [{ "sku": "pen", "qty": 3, "unitPriceCents": 100 }],
        "priority": "low",
        "note": [104, 105],
        "totalCents": 0,
    }]);
    let call = runtime()
        .call_export_json(&target, "transform", &args, RunOptions::default())
        .expect("the arguments fit");
    let jsbox::Outcome::Ok {
        value_json: Some(json),
    } = &call.execution.outcome
    else {
        panic!("{}", call.execution.outcome);
    };
    let json: serde_json::Value = serde_json::from_str(json).expect("JSON");
    assert_eq!(
        json,
        serde_json::json!({
            "tag": "ok",
            "val": {
                "id": "J-1",
                "lines": [{ "sku": "pen", "qty": 3, "unitPriceCents": 300 / 3 }],
                "priority": "low",
                "note": [72, 73],
                "totalCents": 300,
            }
        })
    );
    let bad = serde_json::json!([{ "id": "J-1", "lines": [{ "sku": 1 }] }]);
    match runtime().call_export_json(&target, "transform", &bad, RunOptions::default()) {
        Err(error) => assert_eq!(
            error.to_string(),
            "transform: argument `input`.lines[0].sku: expected string, got 1"
        ),
        Ok(call) => panic!("{}", call.execution.outcome),
    }
}

#[test]
fn typed_exports_run_under_the_run_limits() {
    let target = js(&kinds(), "export function nothing() { for (;;) {} }");
    let options = RunOptions::default()
        .with_limits(Limits::default().with_timeout(Duration::from_millis(100)));
    let call = runtime()
        .call_export(&target, "nothing", &[], options)
        .expect("no arguments");
    assert_eq!(call.execution.outcome.kind(), OutcomeKind::Timeout);
}

#[test]
fn the_async_form_is_cancelled_when_dropped() {
    // A runtime of its own, so that its counters see only this call (the
    // shared one's count other tests' cancelled runs).
    let runtime = runtime_builder().build().expect("runtime builds");
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let target = js(&kinds(), "export function nothing() { for (;;) {} }");
    let before = runtime.metrics();
    tokio.block_on(async {
        let call =
            runtime.call_export_async(target, "nothing".into(), vec![], RunOptions::default());
        assert!(
            tokio::time::timeout(Duration::from_millis(50), call)
                .await
                .is_err()
        );
    });
    // The run notices within a tick and is counted as cancelled.
    let cancelled = |m: &jsbox::RuntimeMetrics| m.runs_with(OutcomeKind::Cancelled);
    for _ in 0..200 {
        if cancelled(&runtime.metrics()) > cancelled(&before) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the dropped call was not cancelled");
}

#[test]
fn unsupported_types_are_refused_when_declared() {
    let refused = |wit: &str| {
        TypedExports::builder()
            .wit("t.wit", wit)
            .interface("t")
            .build()
            .expect_err("refused")
            .to_string()
    };
    let resource = refused("package test:t; interface t { resource r; f: func(x: r); }");
    assert_eq!(
        resource,
        "typed export `f`: parameter `x`: resources are not supported in typed exports \
         (see wit/README.md for the supported types)"
    );
    let stream = refused("package test:t; interface t { f: func() -> stream<u8>; }");
    assert!(
        stream.contains("`f`: result: streams are not supported"),
        "{stream}"
    );
    let nested = refused("package test:t; interface t { f: func(x: option<option<u8>>); }");
    assert!(
        nested.contains("option<option<T>> is not supported"),
        "{nested}"
    );

    let missing = TypedExports::builder()
        .wit("t.wit", "package test:t; interface t { f: func(); }")
        .interface("nope")
        .build();
    assert!(
        matches!(&missing, Err(DeclarationError::InterfaceNotFound { available, .. }) if available == &["test:t/t"]),
        "{missing:?}"
    );
}

#[test]
fn an_f32_beyond_its_range_is_refused_not_rounded_to_infinity() {
    // Found by the `typed_json` fuzz target (seed 0xbf972145bb520569):
    // 3.5e39 became infinity, which the JSON result then wrote as `null`.
    let exports = TypedExports::builder()
        .wit(
            "scale.wit",
            "package test:scale; interface scale { half: func(x: f32) -> f32; }",
        )
        .interface("test:scale/scale")
        .build()
        .expect("the scale WIT declares typed exports");
    let target = js(&exports, "export function half(x) { return x / 2; }");
    let call = runtime()
        .call_export_json(
            &target,
            "half",
            &serde_json::json!([3.0e38]),
            RunOptions::default(),
        )
        .expect("the largest f32s fit");
    assert!(
        matches!(&call.execution.outcome, jsbox::Outcome::Ok { value_json: Some(v) } if v.starts_with("1.5")),
        "{}",
        call.execution.outcome
    );
    for (beyond, shown) in [(3.5e39, "3.5e+39"), (-1e308, "-1e+308")] {
        let args = serde_json::json!([beyond]);
        match runtime().call_export_json(&target, "half", &args, RunOptions::default()) {
            Err(error) => assert_eq!(
                error.to_string(),
                format!("half: argument `x`: expected f32, got {shown}")
            ),
            Ok(call) => panic!("{beyond}: {}", call.execution.outcome),
        }
    }
}
