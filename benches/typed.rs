//! `cargo bench --bench typed [-- --quick]`: what a typed export call costs
//! next to the untyped `handle(string)` a plugin would otherwise parse
//! JSON in, for a small and a large order.
//!
//! Each figure is the median of 5 rounds' medians (and p99s), with the
//! spread of the per-round medians, because this machine is noisy. Set
//! `JSBOX_ORDERS_PLUGIN` to the Rust example built by `jsbox build-plugin
//! examples/plugins/rust -o FILE` to measure the component path too.

use std::time::Instant;

use jsbox::{ExportTarget, OutcomeKind, RunOptions, Runtime, Script, TypedExports};
use wasmtime::component::Val;

const ORDERS_WIT: &str = include_str!("../examples/plugins/orders.wit");
const ORDERS_JS: &str = include_str!("../examples/plugins/js/orders.mjs");

/// `transform` of `orders.mjs`, as an untyped plugin would write it: JSON
/// text in and out (no BigInt, no bytes).
const HANDLE_JS: &str = "export function handle(input) {
  const order = JSON.parse(input);
  const id = order.id.trim();
  if (id === '') throw new Error('order has no id');
  const lines = order.lines.filter((line) => line.qty > 0);
  if (lines.length === 0) throw new Error(`order ${id} has no lines`);
  const totalCents = lines.reduce((sum, line) => sum + line.qty * line.unitPriceCents, 0);
  console.log(`transforming ${id} for ${context.tenantId ?? 'nobody'}`);
  return JSON.stringify({
    id,
    customer: order.customer?.trim() || undefined,
    lines,
    priority: totalCents >= 100000 ? 'urgent' : order.priority,
    note: order.note?.toUpperCase(),
    totalCents,
  });
}";

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (rounds, scale) = if quick { (2, 10) } else { (5, 1) };
    let runtime = Runtime::builder().build().expect("runtime builds");
    let exports = TypedExports::builder()
        .wit("orders.wit", ORDERS_WIT)
        .interface("orders")
        .build()
        .expect("orders declares typed exports");
    let typed = ExportTarget::js(&exports, Script::module("orders.mjs", ORDERS_JS));
    let untyped = Script::module("handle.mjs", HANDLE_JS);
    let component = std::env::var_os("JSBOX_ORDERS_PLUGIN").map(|path| {
        let wasm = std::fs::read(&path).expect("JSBOX_ORDERS_PLUGIN is readable");
        let plugin = runtime
            .load_typed_plugin("orders-plugin.wasm", &wasm, &exports)
            .expect("the Rust example exports orders");
        ExportTarget::Component(plugin)
    });

    println!(
        "{:<44} {:>10} {:>10} {:>8}",
        "µs per call", "p50", "p99", "spread"
    );
    for (size, samples) in [(3, 1000 / scale), (1000, 200 / scale)] {
        let (val, json) = order(size);
        let typed_call = || {
            let call = runtime
                .call_export(
                    &typed,
                    "transform",
                    std::slice::from_ref(&val),
                    RunOptions::default(),
                )
                .expect("the order fits");
            assert!(
                matches!(call.result, Some(Val::Result(Ok(_)))),
                "{}",
                call.execution.outcome
            );
        };
        report(
            &format!("typed JS call, {size} lines"),
            rounds,
            samples,
            typed_call,
        );
        let untyped_run = || {
            let run = runtime.run_js_plugin(&untyped, &json, RunOptions::default());
            assert_eq!(run.outcome.kind(), OutcomeKind::Ok, "{}", run.outcome);
        };
        report(
            &format!("untyped JS handle(JSON), {size} lines"),
            rounds,
            samples,
            untyped_run,
        );
        if let Some(component) = &component {
            let component_call = || {
                let call = runtime
                    .call_export(
                        component,
                        "transform",
                        std::slice::from_ref(&val),
                        RunOptions::default(),
                    )
                    .expect("the order fits");
                assert!(
                    matches!(call.result, Some(Val::Result(Ok(_)))),
                    "{}",
                    call.execution.outcome
                );
            };
            report(
                &format!("typed component call, {size} lines"),
                rounds,
                samples,
                component_call,
            );
        }
    }
}

/// An order of `lines` lines, as a WIT value and as the untyped plugin's
/// JSON.
fn order(lines: usize) -> (Val, String) {
    let line = |i: usize| {
        Val::Record(vec![
            ("sku".into(), Val::String(format!("sku-{i}"))),
            ("qty".into(), Val::U32((i % 5) as u32)),
            ("unit-price-cents".into(), Val::U64(100 + i as u64)),
        ])
    };
    let val = Val::Record(vec![
        ("id".into(), Val::String(" A-1 ".into())),
        (
            "customer".into(),
            Val::Option(Some(Box::new(Val::String("Ada".into())))),
        ),
        ("lines".into(), Val::List((0..lines).map(line).collect())),
        ("priority".into(), Val::Enum("normal".into())),
        (
            "note".into(),
            Val::Option(Some(Box::new(Val::List(
                b"fragile".iter().map(|b| Val::U8(*b)).collect(),
            )))),
        ),
        ("total-cents".into(), Val::U64(0)),
    ]);
    let json_lines: Vec<_> = (0..lines)
        .map(|i| serde_json::json!({ "sku": format!("sku-{i}"), "qty": i % 5, "unitPriceCents": 100 + i }))
        .collect();
    let json = serde_json::json!({
        "id": " A-1 ", "customer": "Ada", "lines": json_lines, "priority": "normal",
        "note": "fragile", "totalCents": 0,
    });
    (val, json.to_string())
}

/// Runs `call` `samples` times in each of `rounds` rounds (after a warm-up)
/// and prints the median of the rounds' p50s and p99s, and the spread of
/// the p50s.
fn report(name: &str, rounds: usize, samples: usize, call: impl Fn()) {
    for _ in 0..samples.min(20) {
        call();
    }
    let mut p50s = Vec::new();
    let mut p99s = Vec::new();
    for _ in 0..rounds {
        let mut times: Vec<f64> = (0..samples)
            .map(|_| {
                let started = Instant::now();
                call();
                started.elapsed().as_secs_f64() * 1e6
            })
            .collect();
        times.sort_by(f64::total_cmp);
        p50s.push(percentile(&times, 0.5));
        p99s.push(percentile(&times, 0.99));
    }
    p50s.sort_by(f64::total_cmp);
    p99s.sort_by(f64::total_cmp);
    let spread = (p50s[p50s.len() - 1] - p50s[0]) / percentile(&p50s, 0.5) * 100.0;
    println!(
        "{name:<44} {:>10.0} {:>10.0} {:>7.0}%",
        percentile(&p50s, 0.5),
        percentile(&p99s, 0.5),
        spread
    );
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}
