//! Typed-export values: arbitrary JSON and arbitrary `Val`s against a
//! declared WIT record with every kind of value, through a JS plugin that
//! echoes its argument. Values that fit come back unchanged (JSON → WIT →
//! JS → WIT → JSON is a fixed point); values that do not are refused
//! before the run with an error naming the argument and the path in it.

use arbitrary::Unstructured;
use jsbox::{ExportError, ExportTarget, Outcome, RunOptions, Script, TypedExports};
use serde_json::{Value, json};
use wasmtime::component::Val;

use super::harness::fuzz;
use super::inputs::{self, count, index, one_in, pick};

const WIT: &str = "package fuzz:kinds;
interface kinds {
    variant shape { circle(f64), square(u32), point }
    flags perms { read, write, exec-all }
    enum color { red, dark-green }
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
}";

const PLUGIN: &str = "export function echo(value) { return value; }";

/// The WIT types of `everything`, as far as generating values needs.
#[derive(Clone, Copy)]
enum Ty {
    S8,
    U8,
    U16,
    U32,
    U64,
    S64,
    F32,
    F64,
    Char,
    Str,
    Bytes,
    Shape,
    Perms,
    Color,
    Pair,
    MaybeU32,
    Nested,
    Blobs,
}

const FIELDS: &[(&str, &str, Ty)] = &[
    ("small", "small", Ty::S8),
    ("big", "big", Ty::U64),
    ("neg", "neg", Ty::S64),
    ("ratio", "ratio", Ty::F32),
    ("letter", "letter", Ty::Char),
    ("shape", "shape", Ty::Shape),
    ("perms", "perms", Ty::Perms),
    ("color", "color", Ty::Color),
    ("pair", "pair", Ty::Pair),
    ("maybe", "maybe", Ty::MaybeU32),
    ("nested", "nested", Ty::Nested),
    ("blobs", "blobs", Ty::Blobs),
    ("first-name", "firstName", Ty::Str),
];

fn integer(u: &mut Unstructured<'_>, min: i128, max: i128) -> i128 {
    match index(u, 4) {
        0 => *pick(
            u,
            &[min, max, min - 1, max + 1, 0, -1, 1 << 53, (1 << 53) + 1],
        ),
        1 => i128::from(u.arbitrary::<i64>().unwrap_or(0)),
        _ => u.int_in_range(min..=max).unwrap_or(0),
    }
}

fn any_json(u: &mut Unstructured<'_>, depth: usize) -> Value {
    match index(u, if depth > 40 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => json!(one_in(u, 2)),
        2 => serde_json::Number::from_f64(inputs::odd_number(u)).map_or(Value::Null, Value::Number),
        3 => json!(u.arbitrary::<u64>().unwrap_or(0)),
        4 => json!(inputs::odd_string(u)),
        5 => Value::Array((0..count(u, 3)).map(|_| any_json(u, depth + 1)).collect()),
        _ => Value::Object(
            (0..count(u, 3))
                .map(|_| (inputs::odd_string(u), any_json(u, depth + 1)))
                .collect(),
        ),
    }
}

fn int_json(u: &mut Unstructured<'_>, min: i128, max: i128) -> Value {
    let n = integer(u, min, max);
    match index(u, 8) {
        0 => json!(n as f64 + 0.5),
        1 => json!(n.to_string()),
        _ => i64::try_from(n)
            .map(Value::from)
            .or_else(|_| u64::try_from(n).map(Value::from))
            .unwrap_or_else(|_| json!(n as f64)),
    }
}

/// A JSON value that mostly fits `ty` (one in a dozen is anything).
fn json_for(u: &mut Unstructured<'_>, ty: Ty) -> Value {
    if one_in(u, 12) {
        return any_json(u, 0);
    }
    match ty {
        Ty::S8 => int_json(u, -128, 127),
        Ty::U8 => int_json(u, 0, 255),
        Ty::U16 => int_json(u, 0, 65535),
        Ty::U32 => int_json(u, 0, u32::MAX.into()),
        Ty::U64 => int_json(u, 0, u64::MAX.into()),
        Ty::S64 => int_json(u, i64::MIN.into(), i64::MAX.into()),
        Ty::F32 | Ty::F64 => match index(u, 3) {
            0 => json!(*pick(u, &[3.5e38, 3.5e39, 1e-46, -0.0, 1e308])),
            _ => serde_json::Number::from_f64(inputs::odd_number(u))
                .map_or(json!(0.5), Value::Number),
        },
        Ty::Char => match index(u, 5) {
            0 => json!(""),
            1 => json!(inputs::odd_string(u)),
            _ => json!(
                inputs::odd_string(u)
                    .chars()
                    .next()
                    .unwrap_or('\0')
                    .to_string()
            ),
        },
        Ty::Str => json!(inputs::odd_string(u)),
        Ty::Bytes => Value::Array(
            (0..count(u, 6))
                .map(|_| {
                    if one_in(u, 10) {
                        int_json(u, -1, 256)
                    } else {
                        json!(u.arbitrary::<u8>().unwrap_or(0))
                    }
                })
                .collect(),
        ),
        Ty::Shape => {
            let tag = *pick(u, &["circle", "square", "point", "Circle", "", "triangle"]);
            let mut object = serde_json::Map::new();
            if !one_in(u, 10) {
                object.insert("tag".into(), json!(tag));
            }
            match tag {
                "circle" => object.insert("val".into(), json_for(u, Ty::F64)),
                "square" => object.insert("val".into(), json_for(u, Ty::U32)),
                _ if one_in(u, 3) => object.insert("val".into(), any_json(u, 0)),
                _ => None,
            };
            Value::Object(object)
        }
        Ty::Perms => Value::Object(
            (0..count(u, 4))
                .map(|_| {
                    let key = *pick(u, &["read", "write", "execAll", "exec-all", "other"]);
                    let value = if one_in(u, 8) {
                        any_json(u, 0)
                    } else {
                        json!(one_in(u, 2))
                    };
                    (key.to_owned(), value)
                })
                .collect(),
        ),
        Ty::Color => json!(*pick(
            u,
            &["red", "dark-green", "darkGreen", "RED", "", "blue"]
        )),
        Ty::Pair => {
            let mut items = vec![json_for(u, Ty::Str), json_for(u, Ty::U16)];
            match index(u, 8) {
                0 => {
                    items.pop();
                }
                1 => items.push(Value::Null),
                _ => {}
            }
            Value::Array(items)
        }
        Ty::MaybeU32 => {
            if one_in(u, 3) {
                Value::Null
            } else {
                json_for(u, Ty::U32)
            }
        }
        Ty::Nested => {
            let ok = one_in(u, 2);
            let tag = if one_in(u, 10) {
                inputs::odd_string(u)
            } else if ok {
                "ok".into()
            } else {
                "err".into()
            };
            let val = if ok {
                json_for(u, Ty::Str)
            } else {
                json_for(u, Ty::U8)
            };
            json!({ "tag": tag, "val": val })
        }
        Ty::Blobs => Value::Array((0..count(u, 3)).map(|_| json_for(u, Ty::Bytes)).collect()),
    }
}

fn everything_json(u: &mut Unstructured<'_>) -> Value {
    let mut object = serde_json::Map::new();
    for (wit, js, ty) in FIELDS {
        if one_in(u, 25) {
            continue;
        }
        let key = if one_in(u, 25) {
            (*wit).to_owned()
        } else {
            (*js).to_owned()
        };
        object.insert(key, json_for(u, *ty));
    }
    if one_in(u, 10) {
        object.insert(inputs::odd_string(u), any_json(u, 0));
    }
    Value::Object(object)
}

/// A `Val` that fits `ty`, or (setting `wrong`) now and then one that
/// does not.
fn val_for(u: &mut Unstructured<'_>, ty: Ty, wrong: &mut bool) -> Val {
    if one_in(u, 40) {
        *wrong = true;
        return pick(
            u,
            &[
                Val::Bool(true),
                Val::U8(1),
                Val::String("x".into()),
                Val::List(vec![]),
                Val::Option(None),
            ],
        )
        .clone();
    }
    let finite = |x: f64| if x.is_nan() { 0.0 } else { x };
    match ty {
        Ty::S8 => Val::S8(u.arbitrary().unwrap_or(0)),
        Ty::U8 => Val::U8(u.arbitrary().unwrap_or(0)),
        Ty::U16 => Val::U16(u.arbitrary().unwrap_or(0)),
        Ty::U32 => Val::U32(u.arbitrary().unwrap_or(0)),
        Ty::U64 => Val::U64(u.arbitrary().unwrap_or(0)),
        Ty::S64 => Val::S64(u.arbitrary().unwrap_or(0)),
        Ty::F32 => Val::Float32(finite(inputs::odd_number(u)) as f32),
        Ty::F64 => Val::Float64(finite(inputs::odd_number(u))),
        Ty::Char => Val::Char(u.arbitrary().unwrap_or('a')),
        Ty::Str => Val::String(inputs::odd_string(u)),
        Ty::Bytes => Val::List(
            (0..count(u, 6))
                .map(|_| Val::U8(u.arbitrary().unwrap_or(0)))
                .collect(),
        ),
        Ty::Shape => match index(u, 4) {
            0 => Val::Variant("circle".into(), Some(Box::new(val_for(u, Ty::F64, wrong)))),
            1 => Val::Variant("square".into(), Some(Box::new(val_for(u, Ty::U32, wrong)))),
            2 => Val::Variant("point".into(), None),
            _ => {
                *wrong = true;
                Val::Variant(inputs::odd_string(u), None)
            }
        },
        Ty::Perms => Val::Flags(
            ["read", "write", "exec-all"]
                .into_iter()
                .filter(|_| one_in(u, 2))
                .map(String::from)
                .collect(),
        ),
        Ty::Color => Val::Enum(pick(u, &["red", "dark-green"]).to_string()),
        Ty::Pair => Val::Tuple(vec![val_for(u, Ty::Str, wrong), val_for(u, Ty::U16, wrong)]),
        Ty::MaybeU32 => Val::Option(if one_in(u, 2) {
            None
        } else {
            Some(Box::new(val_for(u, Ty::U32, wrong)))
        }),
        Ty::Nested => Val::Result(if one_in(u, 2) {
            Ok(Some(Box::new(val_for(u, Ty::Str, wrong))))
        } else {
            Err(Some(Box::new(val_for(u, Ty::U8, wrong))))
        }),
        Ty::Blobs => Val::List(
            (0..count(u, 3))
                .map(|_| val_for(u, Ty::Bytes, wrong))
                .collect(),
        ),
    }
}

fn target() -> ExportTarget {
    let exports = TypedExports::builder()
        .wit("kinds.wit", WIT)
        .interface("fuzz:kinds/kinds")
        .build()
        .expect("the fuzz WIT declares typed exports");
    ExportTarget::js(&exports, Script::module("echo.mjs", PLUGIN))
}

/// Calls `echo` with the JSON `value`; the result as JSON, `None` when
/// the value was refused with an error naming the argument.
fn echo_json(target: &ExportTarget, value: &Value) -> Result<Option<Value>, String> {
    match super::runtime_with_echo().call_export_json(
        target,
        "echo",
        &json!([value]),
        RunOptions::default(),
    ) {
        Err(ExportError::Arguments { message, .. }) if message.starts_with("argument `value`") => {
            Ok(None)
        }
        Err(error) => Err(format!(
            "{value} was refused without naming the argument: {error}"
        )),
        Ok(call) => match call.execution.outcome {
            Outcome::Ok {
                value_json: Some(json),
            } => serde_json::from_str(&json)
                .map(Some)
                .map_err(|e| format!("{value} echoed as unreadable JSON {json:?}: {e}")),
            other => Err(format!("{value} was accepted, but the echo ended {other}")),
        },
    }
}

#[test]
fn typed_json_values_fit_and_round_trip_or_are_refused_with_their_path() {
    let target = target();
    fuzz("typed_json", 120, 2048, |u| {
        let value = everything_json(u);
        // Through text, as `jsbox call` gets it (which bounds the nesting).
        let Ok(value) = serde_json::from_str::<Value>(&value.to_string()) else {
            return Ok(());
        };
        let Some(first) = echo_json(&target, &value)? else {
            return Ok(());
        };
        match echo_json(&target, &first)? {
            Some(second) if second == first => Ok(()),
            second => Err(format!(
                "{value} echoed as {first}, which echoed as {second:?}"
            )),
        }
    });
}

#[test]
fn typed_vals_fit_and_round_trip_or_are_refused_with_their_path() {
    let target = target();
    fuzz("typed_val", 120, 2048, |u| {
        let mut wrong = false;
        let mut fields: Vec<(String, Val)> = FIELDS
            .iter()
            .map(|(wit, _, ty)| ((*wit).to_owned(), val_for(u, *ty, &mut wrong)))
            .collect();
        if one_in(u, 20) {
            wrong = true;
            fields.remove(index(u, fields.len()));
        }
        let value = Val::Record(fields);
        match super::runtime_with_echo().call_export(
            &target,
            "echo",
            std::slice::from_ref(&value),
            RunOptions::default(),
        ) {
            Err(ExportError::Arguments { message, .. })
                if message.starts_with("argument `value`") =>
            {
                if wrong {
                    Ok(())
                } else {
                    Err(format!("{value:?} fits, but was refused: {message}"))
                }
            }
            Err(error) => Err(format!(
                "{value:?} was refused without naming the argument: {error}"
            )),
            Ok(call) => match (&call.execution.outcome, &call.result) {
                (Outcome::Ok { .. }, Some(result))
                    if format!("{result:?}") == format!("{value:?}") =>
                {
                    Ok(())
                }
                (outcome, result) => Err(format!("{value:?} echoed as {result:?} ({outcome})")),
            },
        }
    });
}
