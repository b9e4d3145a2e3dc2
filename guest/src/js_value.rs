//! JS values ↔ the `js-value` node trees (`wit/js-plugin.wit`) that typed
//! plugin exports exchange with the host. The guest knows only JS: the
//! host checks and converts the trees against the embedder's WIT types.

use javy::quickjs::{
    Array, ArrayBuffer, BigInt, Ctx, Exception, Function, Object, Result, String as JsString,
    TypedArray, Value, convert::Coerced,
};

use crate::exports::jsbox::sandbox::js_plugin::JsValue;

/// How deep a value may nest: deeper is almost surely a cycle, which would
/// otherwise grow the tree until the memory limit.
const MAX_DEPTH: usize = 128;

/// The JS value at `index` of `tree`.
pub fn to_js<'js>(ctx: &Ctx<'js>, tree: &[JsValue], index: u32) -> Result<Value<'js>> {
    let Some(node) = tree.get(index as usize) else {
        return Err(Exception::throw_internal(
            ctx,
            "a value tree names a missing node",
        ));
    };
    let child = |at: u32| {
        if at <= index {
            Err(Exception::throw_internal(ctx, "a value tree is not a tree"))
        } else {
            to_js(ctx, tree, at)
        }
    };
    Ok(match node {
        JsValue::Undefined | JsValue::Unsupported(_) => Value::new_undefined(ctx.clone()),
        JsValue::Null => Value::new_null(ctx.clone()),
        JsValue::Boolean(b) => Value::new_bool(ctx.clone(), *b),
        // `new_number` stores a whole number as an int, which has no -0.
        JsValue::Number(n) if *n == 0.0 && n.is_sign_negative() => {
            Value::new_float(ctx.clone(), *n)
        }
        JsValue::Number(n) => Value::new_number(ctx.clone(), *n),
        JsValue::BigInt(digits) => match (digits.parse::<i64>(), digits.parse::<u64>()) {
            (Ok(n), _) => BigInt::from_i64(ctx.clone(), n)?.into_value(),
            (_, Ok(n)) => BigInt::from_u64(ctx.clone(), n)?.into_value(),
            _ => {
                let constructor: Function = ctx.globals().get("BigInt")?;
                constructor.call((digits.as_str(),))?
            }
        },
        JsValue::String(s) => JsString::from_str(ctx.clone(), s)?.into_value(),
        JsValue::Bytes(bytes) => TypedArray::<u8>::new_copy(ctx.clone(), bytes)?.into_value(),
        JsValue::Array(items) => {
            let array = Array::new(ctx.clone())?;
            for (i, item) in items.iter().enumerate() {
                array.set(i, child(*item)?)?;
            }
            array.into_value()
        }
        JsValue::Object(properties) => {
            let object = Object::new(ctx.clone())?;
            for (key, item) in properties {
                object.set(key.as_str(), child(*item)?)?;
            }
            object.into_value()
        }
    })
}

/// Appends `value` (then its elements) to `tree`; returns its index.
/// Throws (a `TypeError` for a value nested too deep) as JS would, so a
/// throwing getter surfaces as the plugin's own exception.
pub fn from_js<'js>(value: &Value<'js>, tree: &mut Vec<JsValue>) -> Result<u32> {
    push(value, tree, 0)
}

fn push<'js>(value: &Value<'js>, tree: &mut Vec<JsValue>, depth: usize) -> Result<u32> {
    if depth > MAX_DEPTH {
        return Err(Exception::throw_type(
            value.ctx(),
            &format!(
                "a value passed to the host nests more than {MAX_DEPTH} levels deep (is it cyclic?)"
            ),
        ));
    }
    let index = tree.len() as u32;
    tree.push(JsValue::Undefined);
    let node = if value.is_undefined() {
        JsValue::Undefined
    } else if value.is_null() {
        JsValue::Null
    } else if let Some(b) = value.as_bool() {
        JsValue::Boolean(b)
    } else if let Some(n) = value.as_number() {
        JsValue::Number(n)
    } else if let Some(s) = value.as_string() {
        JsValue::String(s.to_string()?)
    } else if value.is_big_int() {
        JsValue::BigInt(value.get::<Coerced<String>>()?.0)
    } else if value.is_function() {
        JsValue::Unsupported("function".to_owned())
    } else if value.is_symbol() {
        JsValue::Unsupported("symbol".to_owned())
    } else if let Some(bytes) = bytes(value) {
        JsValue::Bytes(bytes)
    } else if let Some(array) = value.as_array() {
        let mut items = Vec::with_capacity(array.len());
        for element in array.iter::<Value>() {
            items.push(push(&element?, tree, depth + 1)?);
        }
        JsValue::Array(items)
    } else if let Some(object) = value.as_object() {
        let mut properties = Vec::new();
        for key in object.keys::<String>() {
            let key = key?;
            let property: Value = object.get(key.as_str())?;
            properties.push((key, push(&property, tree, depth + 1)?));
        }
        // An error's `name` and `message` are not own enumerable
        // properties, but they are what an error record wants.
        if value.is_error() {
            for key in ["name", "message"] {
                if properties.iter().all(|(k, _)| k != key) {
                    let property: Value = object.get(key)?;
                    properties.push((key.to_owned(), push(&property, tree, depth + 1)?));
                }
            }
        }
        JsValue::Object(properties)
    } else {
        JsValue::Unsupported(value.type_name().to_owned())
    };
    tree[index as usize] = node;
    Ok(index)
}

/// The bytes of a `Uint8Array` or an `ArrayBuffer`.
fn bytes(value: &Value<'_>) -> Option<Vec<u8>> {
    let object = value.as_object()?;
    if let Some(array) = object.as_typed_array::<u8>() {
        return array.as_bytes().map(<[u8]>::to_vec);
    }
    ArrayBuffer::from_object(object.clone())
        .and_then(|buffer| buffer.as_bytes().map(<[u8]>::to_vec))
}
