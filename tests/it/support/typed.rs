//! What the typed-export tests share: the orders example's WIT and JS,
//! orders as WIT values, and the check both examples must pass.

use jsbox::{ExportTarget, OutcomeKind, RunOptions, TypedExports};
use wasmtime::component::Val;

use super::runtime;

pub const ORDERS_WIT: &str = include_str!("../../../examples/plugins/orders.wit");
pub const ORDERS_JS: &str = include_str!("../../../examples/plugins/js/orders.mjs");

pub fn orders() -> TypedExports {
    TypedExports::builder()
        .wit("orders.wit", ORDERS_WIT)
        .interface("orders")
        .build()
        .expect("the orders WIT declares typed exports")
}

pub fn string(s: &str) -> Val {
    Val::String(s.to_owned())
}

pub fn bytes(b: &[u8]) -> Val {
    Val::List(b.iter().map(|b| Val::U8(*b)).collect())
}

pub fn line(sku: &str, qty: u32, unit_price_cents: u64) -> Val {
    Val::Record(vec![
        ("sku".into(), string(sku)),
        ("qty".into(), Val::U32(qty)),
        ("unit-price-cents".into(), Val::U64(unit_price_cents)),
    ])
}

pub fn order(id: &str, customer: Option<&str>, lines: Vec<Val>, note: Option<&[u8]>) -> Val {
    Val::Record(vec![
        ("id".into(), string(id)),
        (
            "customer".into(),
            Val::Option(customer.map(|c| Box::new(string(c)))),
        ),
        ("lines".into(), Val::List(lines)),
        ("priority".into(), Val::Enum("normal".into())),
        ("note".into(), Val::Option(note.map(|n| Box::new(bytes(n))))),
        ("total-cents".into(), Val::U64(0)),
    ])
}

/// What `transform` makes of the orders the tests send, by either plugin.
pub fn check_transform(target: &ExportTarget) {
    let input = order(
        "  A-1 ",
        Some(" Ada "),
        vec![
            line("pen", 2, 150),
            line("gone", 0, 999),
            line("desk", 1, 99_800),
        ],
        Some(b"fragile!"),
    );
    let call = runtime()
        .call_export(target, "transform", &[input], RunOptions::default())
        .expect("the arguments fit");
    assert_eq!(
        call.execution.outcome.kind(),
        OutcomeKind::Ok,
        "{}",
        call.execution.outcome
    );
    let expected = Val::Record(vec![
        ("id".into(), string("A-1")),
        (
            "customer".into(),
            Val::Option(Some(Box::new(string("Ada")))),
        ),
        (
            "lines".into(),
            Val::List(vec![line("pen", 2, 150), line("desk", 1, 99_800)]),
        ),
        ("priority".into(), Val::Enum("urgent".into())),
        (
            "note".into(),
            Val::Option(Some(Box::new(bytes(b"FRAGILE!")))),
        ),
        ("total-cents".into(), Val::U64(100_100)),
    ]);
    assert_eq!(call.result, Some(Val::Result(Ok(Some(Box::new(expected))))));

    let small = order("B-2", Some("   "), vec![line("pen", 1, 150)], None);
    let call = runtime()
        .call_export(target, "transform", &[small], RunOptions::default())
        .expect("the arguments fit");
    let Some(Val::Result(Ok(Some(transformed)))) = call.result else {
        panic!("{:?}: {}", call.result, call.execution.outcome);
    };
    let Val::Record(fields) = *transformed else {
        panic!("{transformed:?}")
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(field("customer"), Some(Val::Option(None)), "blank is none");
    assert_eq!(field("note"), Some(Val::Option(None)));
    assert_eq!(field("priority"), Some(Val::Enum("normal".into())));

    let empty = order("C-3", None, vec![line("gone", 0, 1)], None);
    let call = runtime()
        .call_export(target, "transform", &[empty], RunOptions::default())
        .expect("the arguments fit");
    assert_eq!(
        call.execution.outcome.kind(),
        OutcomeKind::Ok,
        "an err is a value"
    );
    assert_eq!(
        call.result,
        Some(Val::Result(Err(Some(Box::new(string(
            "order C-3 has no lines"
        ))))))
    );
}
