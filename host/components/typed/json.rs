//! JSON ↔ JS value trees, so that JSON arguments and results
//! ([`Runtime::call_export_json`](crate::Runtime::call_export_json),
//! `jsbox call`) convert to and from WIT values by the same rules as a JS
//! plugin's values (`value.rs`).

use super::value::{integer, is_safe};
use crate::capabilities::bindings::exports::jsbox::sandbox::js_plugin::JsValue;

/// A JSON value as a JS value tree, as `JSON.parse` would make it (an
/// integer beyond a double's precision stays exact, as a `BigInt`).
pub(crate) fn to_tree(json: &serde_json::Value) -> Vec<JsValue> {
    fn push(tree: &mut Vec<JsValue>, json: &serde_json::Value) -> u32 {
        let index = tree.len() as u32;
        tree.push(JsValue::Undefined);
        let node = match json {
            serde_json::Value::Null => JsValue::Null,
            serde_json::Value::Bool(b) => JsValue::Boolean(*b),
            serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) if is_safe(i128::from(i)) => JsValue::Number(i as f64),
                (Some(i), _) => JsValue::BigInt(i.to_string()),
                (None, Some(u)) => JsValue::BigInt(u.to_string()),
                (None, None) => JsValue::Number(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => JsValue::String(s.clone()),
            serde_json::Value::Array(items) => {
                JsValue::Array(items.iter().map(|item| push(tree, item)).collect())
            }
            serde_json::Value::Object(map) => JsValue::Object(
                map.iter()
                    .map(|(key, value)| (key.clone(), push(tree, value)))
                    .collect(),
            ),
        };
        tree[index as usize] = node;
        index
    }
    let mut tree = Vec::new();
    push(&mut tree, json);
    tree
}

/// A JS value tree as JSON: bytes as arrays of numbers, `BigInt`s as
/// (exact) numbers, `undefined` properties left out and `undefined`
/// elsewhere as `null`, like `JSON.stringify`.
pub(crate) fn from_tree(tree: &[JsValue]) -> serde_json::Value {
    fn at(tree: &[JsValue], index: u32) -> serde_json::Value {
        use serde_json::Value as Json;
        match tree.get(index as usize) {
            None | Some(JsValue::Undefined | JsValue::Null | JsValue::Unsupported(_)) => Json::Null,
            Some(JsValue::Boolean(b)) => Json::Bool(*b),
            Some(JsValue::Number(n)) => match integer(*n) {
                Some(i) if is_safe(i) => Json::from(i as i64),
                _ => serde_json::Number::from_f64(*n).map_or(Json::Null, Json::Number),
            },
            Some(JsValue::BigInt(digits)) => digits
                .parse::<i64>()
                .map(Json::from)
                .or_else(|_| digits.parse::<u64>().map(Json::from))
                .unwrap_or_else(|_| Json::String(digits.clone())),
            Some(JsValue::String(s)) => Json::String(s.clone()),
            Some(JsValue::Bytes(bytes)) => {
                Json::Array(bytes.iter().map(|b| Json::from(*b)).collect())
            }
            Some(JsValue::Array(items)) => {
                Json::Array(items.iter().map(|i| at(tree, *i)).collect())
            }
            // Keys in sorted order, whatever the order of `serde_json`'s
            // maps (a dependency turns on its `preserve_order`), so that
            // `jsbox call` prints the same JSON for the same value.
            Some(JsValue::Object(properties)) => Json::Object(
                properties
                    .iter()
                    .filter(|(_, i)| !matches!(tree.get(*i as usize), Some(JsValue::Undefined)))
                    .map(|(key, i)| (key.clone(), at(tree, *i)))
                    .collect::<std::collections::BTreeMap<_, _>>()
                    .into_iter()
                    .collect(),
            ),
        }
    }
    at(tree, 0)
}
