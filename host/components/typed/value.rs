//! Converting values between the embedder's WIT types (Wasmtime [`Val`]s)
//! and JS values, which travel to and from the guest as a flat tree of
//! `js-value` nodes (`wit/js-plugin.wit`), root first.
//!
//! Host → JS ([`lower`]) checks the value against its declared type;
//! JS → host ([`lift`]) reads the untyped JS value guided by the declared
//! type, and says where it does not fit (`.items[2].qty: expected u32, got
//! "7"`). The mapping is the one jco uses and `wit/README.md` tabulates;
//! JSON goes through the same tree (`json.rs`), so it follows the same
//! rules.

use std::fmt::Write as _;

use wasmtime::component::Val;

use super::types::WitType;
use crate::capabilities::bindings::exports::jsbox::sandbox::js_plugin::JsValue;

/// Where and why a value does not fit its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mismatch {
    /// The path inside the value (`.items[2].qty`), empty at the root.
    pub path: String,
    /// The type expected there.
    pub expected: String,
    /// What was there instead.
    pub got: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "expected {}, got {}", self.expected, self.got)
    }
}

/// A WIT name (kebab-case) as JS spells it (camelCase), as jco does for
/// functions, record fields and flags.
pub(crate) fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, word) in name.split('-').enumerate() {
        let mut chars = word.chars();
        match chars.next() {
            Some(first) if i > 0 => {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
            _ => out.push_str(word),
        }
    }
    out
}

/// Lowers `val` of type `ty` into a JS value tree.
pub(crate) fn lower(val: &Val, ty: &WitType) -> Result<Vec<JsValue>, Mismatch> {
    let mut tree = Vec::new();
    Lower {
        tree: &mut tree,
        path: String::new(),
    }
    .value(val, ty)?;
    Ok(tree)
}

/// Lowers a call's arguments into one tree whose root is the array of
/// them. `args` must be as many as `params`; a mismatch comes with the
/// index of the argument it is in.
pub(crate) fn lower_args(
    params: &[(String, WitType)],
    args: &[Val],
) -> Result<Vec<JsValue>, (usize, Mismatch)> {
    let mut tree = vec![JsValue::Array(Vec::with_capacity(args.len()))];
    let mut indices = Vec::with_capacity(args.len());
    for (i, (arg, (_, ty))) in args.iter().zip(params).enumerate() {
        let mut lower = Lower {
            tree: &mut tree,
            path: String::new(),
        };
        indices.push(lower.value(arg, ty).map_err(|mismatch| (i, mismatch))?);
    }
    tree[0] = JsValue::Array(indices);
    Ok(tree)
}

struct Lower<'a> {
    tree: &'a mut Vec<JsValue>,
    path: String,
}

impl Lower<'_> {
    /// Appends `val` (and then its elements) to the tree; returns its index.
    fn value(&mut self, val: &Val, ty: &WitType) -> Result<u32, Mismatch> {
        let index = self.tree.len() as u32;
        self.tree.push(JsValue::Undefined);
        let node = match (ty, val) {
            (WitType::Bool, Val::Bool(b)) => JsValue::Boolean(*b),
            (WitType::S8, Val::S8(n)) => JsValue::Number(f64::from(*n)),
            (WitType::U8, Val::U8(n)) => JsValue::Number(f64::from(*n)),
            (WitType::S16, Val::S16(n)) => JsValue::Number(f64::from(*n)),
            (WitType::U16, Val::U16(n)) => JsValue::Number(f64::from(*n)),
            (WitType::S32, Val::S32(n)) => JsValue::Number(f64::from(*n)),
            (WitType::U32, Val::U32(n)) => JsValue::Number(f64::from(*n)),
            (WitType::S64, Val::S64(n)) => JsValue::BigInt(n.to_string()),
            (WitType::U64, Val::U64(n)) => JsValue::BigInt(n.to_string()),
            (WitType::F32, Val::Float32(n)) => JsValue::Number(f64::from(*n)),
            (WitType::F64, Val::Float64(n)) => JsValue::Number(*n),
            (WitType::Char, Val::Char(c)) => JsValue::String(c.to_string()),
            (WitType::String, Val::String(s)) => JsValue::String(s.clone()),
            (WitType::List(inner), Val::List(items)) if **inner == WitType::U8 => {
                let bytes = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| match item {
                        Val::U8(byte) => Ok(*byte),
                        other => {
                            Err(self.mismatch_at(&format!("[{i}]"), "u8", describe_val(other)))
                        }
                    })
                    .collect::<Result<_, _>>()?;
                JsValue::Bytes(bytes)
            }
            (WitType::List(inner), Val::List(items)) => {
                let mut indices = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    indices.push(self.nested(&format!("[{i}]"), item, inner)?);
                }
                JsValue::Array(indices)
            }
            (WitType::Tuple(types), Val::Tuple(items)) if types.len() == items.len() => {
                let mut indices = Vec::with_capacity(items.len());
                for (i, (item, ty)) in items.iter().zip(types).enumerate() {
                    indices.push(self.nested(&format!("[{i}]"), item, ty)?);
                }
                JsValue::Array(indices)
            }
            (WitType::Record { fields, .. }, Val::Record(values)) => {
                let mut properties = Vec::with_capacity(fields.len());
                for (name, ty) in fields {
                    let Some((_, value)) = values.iter().find(|(n, _)| n == name) else {
                        return Err(self.mismatch_at(
                            &format!(".{name}"),
                            &ty.to_string(),
                            "nothing",
                        ));
                    };
                    let at = self.nested(&format!(".{name}"), value, ty)?;
                    properties.push((camel_case(name), at));
                }
                JsValue::Object(properties)
            }
            (WitType::Variant { cases, .. }, Val::Variant(case, payload)) => {
                let Some((_, ty)) = cases.iter().find(|(name, _)| name == case) else {
                    return Err(self.mismatch(ty, &format!("case `{case}`")));
                };
                self.tagged(case, payload.as_deref(), ty.as_ref())?
            }
            (WitType::Enum { cases, .. }, Val::Enum(case)) if cases.contains(case) => {
                JsValue::String(case.clone())
            }
            (WitType::Flags { flags, .. }, Val::Flags(set)) => {
                if let Some(unknown) = set.iter().find(|flag| !flags.contains(flag)) {
                    return Err(self.mismatch(ty, &format!("flag `{unknown}`")));
                }
                let mut properties = Vec::with_capacity(flags.len());
                for flag in flags {
                    let at = self.tree.len() as u32;
                    self.tree.push(JsValue::Boolean(set.contains(flag)));
                    properties.push((camel_case(flag), at));
                }
                JsValue::Object(properties)
            }
            (WitType::Option(_), Val::Option(None)) => JsValue::Undefined,
            (WitType::Option(inner), Val::Option(Some(value))) => {
                self.tree.pop();
                return self.value(value, inner);
            }
            (WitType::Result { ok, err }, Val::Result(result)) => match result {
                Ok(payload) => self.tagged("ok", payload.as_deref(), ok.as_deref())?,
                Err(payload) => self.tagged("err", payload.as_deref(), err.as_deref())?,
            },
            (ty, other) => return Err(self.mismatch(ty, &describe_val(other))),
        };
        self.tree[index as usize] = node;
        Ok(index)
    }

    fn nested(&mut self, segment: &str, val: &Val, ty: &WitType) -> Result<u32, Mismatch> {
        let len = self.path.len();
        self.path.push_str(segment);
        let index = self.value(val, ty)?;
        self.path.truncate(len);
        Ok(index)
    }

    /// `{ tag, val }`: a variant case, or a nested result.
    fn tagged(
        &mut self,
        tag: &str,
        payload: Option<&Val>,
        ty: Option<&WitType>,
    ) -> Result<JsValue, Mismatch> {
        let tag_at = self.tree.len() as u32;
        self.tree.push(JsValue::String(tag.to_owned()));
        let mut properties = vec![("tag".to_owned(), tag_at)];
        match (payload, ty) {
            (None, None) => {}
            (Some(val), Some(ty)) => {
                properties.push(("val".to_owned(), self.nested(".val", val, ty)?));
            }
            (Some(val), None) => {
                return Err(self.mismatch_at(".val", "no payload", describe_val(val)));
            }
            (None, Some(ty)) => return Err(self.mismatch_at(".val", &ty.to_string(), "nothing")),
        }
        Ok(JsValue::Object(properties))
    }

    fn mismatch(&self, ty: &WitType, got: &str) -> Mismatch {
        Mismatch {
            path: self.path.clone(),
            expected: ty.to_string(),
            got: got.to_owned(),
        }
    }

    fn mismatch_at(&self, segment: &str, expected: &str, got: impl std::fmt::Display) -> Mismatch {
        Mismatch {
            path: format!("{}{segment}", self.path),
            expected: expected.to_owned(),
            got: got.to_string(),
        }
    }
}

/// A [`Val`] named by its WIT kind, for mismatch messages.
fn describe_val(val: &Val) -> String {
    let kind = match val {
        Val::Bool(_) => "bool",
        Val::S8(_) => "s8",
        Val::U8(_) => "u8",
        Val::S16(_) => "s16",
        Val::U16(_) => "u16",
        Val::S32(_) => "s32",
        Val::U32(_) => "u32",
        Val::S64(_) => "s64",
        Val::U64(_) => "u64",
        Val::Float32(_) => "f32",
        Val::Float64(_) => "f64",
        Val::Char(_) => "char",
        Val::String(_) => "string",
        Val::List(_) => "list",
        Val::Map(_) => "map",
        Val::Record(_) => "record",
        Val::Tuple(_) => "tuple",
        Val::Variant(..) => "variant",
        Val::Enum(_) => "enum",
        Val::Option(_) => "option",
        Val::Result(_) => "result",
        Val::Flags(_) => "flags",
        Val::Resource(_) => "resource",
        Val::Future(_) => "future",
        Val::Stream(_) => "stream",
        Val::ErrorContext(_) => "error-context",
        Val::FixedLengthList(_) => "fixed-length list",
    };
    format!("a {kind} value")
}

/// Lifts the JS value at the root of `tree` as a value of type `ty`.
pub(crate) fn lift(tree: &[JsValue], ty: &WitType) -> Result<Val, Mismatch> {
    Lift {
        tree,
        path: String::new(),
    }
    .value(0, ty)
}

struct Lift<'a> {
    tree: &'a [JsValue],
    path: String,
}

/// What a missing node reads as.
static UNDEFINED: JsValue = JsValue::Undefined;

impl<'a> Lift<'a> {
    fn node(&self, index: u32) -> &'a JsValue {
        // A missing node reads as `undefined`, which no non-option type
        // accepts: a malformed tree is reported, never followed.
        self.tree.get(index as usize).unwrap_or(&UNDEFINED)
    }

    fn value(&mut self, index: u32, ty: &WitType) -> Result<Val, Mismatch> {
        let node = self.node(index);
        let wrong = |lift: &Self| Err(lift.mismatch(ty, node));
        Ok(match (ty, node) {
            (WitType::Bool, JsValue::Boolean(b)) => Val::Bool(*b),
            (WitType::S8, JsValue::Number(n)) => match integer(*n) {
                Some(n) => i8::try_from(n).map(Val::S8).or_else(|_| wrong(self))?,
                None => return wrong(self),
            },
            (WitType::U8, JsValue::Number(n)) => match integer(*n) {
                Some(n) => u8::try_from(n).map(Val::U8).or_else(|_| wrong(self))?,
                None => return wrong(self),
            },
            (WitType::S16, JsValue::Number(n)) => match integer(*n) {
                Some(n) => i16::try_from(n).map(Val::S16).or_else(|_| wrong(self))?,
                None => return wrong(self),
            },
            (WitType::U16, JsValue::Number(n)) => match integer(*n) {
                Some(n) => u16::try_from(n).map(Val::U16).or_else(|_| wrong(self))?,
                None => return wrong(self),
            },
            (WitType::S32, JsValue::Number(n)) => match integer(*n) {
                Some(n) => i32::try_from(n).map(Val::S32).or_else(|_| wrong(self))?,
                None => return wrong(self),
            },
            (WitType::U32, JsValue::Number(n)) => match integer(*n) {
                Some(n) => u32::try_from(n).map(Val::U32).or_else(|_| wrong(self))?,
                None => return wrong(self),
            },
            (WitType::S64, JsValue::Number(n)) => match integer(*n) {
                Some(n) if is_safe(n) => Val::S64(n as i64),
                _ => return wrong(self),
            },
            (WitType::U64, JsValue::Number(n)) => match integer(*n) {
                Some(n) if is_safe(n) && n >= 0 => Val::U64(n as u64),
                _ => return wrong(self),
            },
            (WitType::S64, JsValue::BigInt(digits)) => {
                digits.parse().map(Val::S64).or_else(|_| wrong(self))?
            }
            (WitType::U64, JsValue::BigInt(digits)) => {
                digits.parse().map(Val::U64).or_else(|_| wrong(self))?
            }
            // A finite number beyond the f32 range would round to infinity,
            // a different value (and JSON's `null`): refuse it instead.
            (WitType::F32, JsValue::Number(n)) if n.is_finite() && (*n as f32).is_infinite() => {
                return wrong(self);
            }
            (WitType::F32, JsValue::Number(n)) => Val::Float32(*n as f32),
            (WitType::F64, JsValue::Number(n)) => Val::Float64(*n),
            (WitType::Char, JsValue::String(s)) => {
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Val::Char(c),
                    _ => return wrong(self),
                }
            }
            (WitType::String, JsValue::String(s)) => Val::String(s.clone()),
            (WitType::List(inner), JsValue::Bytes(bytes)) if **inner == WitType::U8 => {
                Val::List(bytes.iter().map(|b| Val::U8(*b)).collect())
            }
            (WitType::List(inner), JsValue::Array(items)) => {
                let mut values = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    values.push(self.nested(&format!("[{i}]"), index, *item, inner)?);
                }
                Val::List(values)
            }
            (WitType::Tuple(types), JsValue::Array(items)) if items.len() == types.len() => {
                let mut values = Vec::with_capacity(items.len());
                for (i, (item, ty)) in items.iter().zip(types).enumerate() {
                    values.push(self.nested(&format!("[{i}]"), index, *item, ty)?);
                }
                Val::Tuple(values)
            }
            (WitType::Record { fields, .. }, JsValue::Object(properties)) => {
                let mut values = Vec::with_capacity(fields.len());
                for (name, ty) in fields {
                    let key = camel_case(name);
                    let at = property(properties, &key);
                    let value = self.nested(&format!(".{key}"), index, at, ty)?;
                    values.push((name.clone(), value));
                }
                Val::Record(values)
            }
            (WitType::Variant { cases, .. }, JsValue::Object(properties)) => {
                let (case, payload_ty) = self.tag(properties, ty, |tag| {
                    cases
                        .iter()
                        .find(|(name, _)| name == tag)
                        .map(|(name, ty)| (name, ty.as_ref()))
                })?;
                let payload = self.payload(index, properties, payload_ty)?;
                Val::Variant(case.clone(), payload)
            }
            (WitType::Enum { cases, .. }, JsValue::String(s)) if cases.contains(s) => {
                Val::Enum(s.clone())
            }
            (WitType::Flags { flags, .. }, JsValue::Object(properties)) => {
                let mut set = Vec::new();
                for flag in flags {
                    let key = camel_case(flag);
                    match self.node(property(properties, &key)) {
                        JsValue::Boolean(true) => set.push(flag.clone()),
                        JsValue::Boolean(false) | JsValue::Undefined => {}
                        other => {
                            return Err(self.mismatch_at(&format!(".{key}"), "bool", other));
                        }
                    }
                }
                Val::Flags(set)
            }
            (WitType::Option(_), JsValue::Undefined | JsValue::Null) => Val::Option(None),
            (WitType::Option(inner), _) => Val::Option(Some(Box::new(self.value(index, inner)?))),
            (WitType::Result { ok, err }, JsValue::Object(properties)) => {
                let (tag, payload_ty) = self.tag(properties, ty, |tag| match tag {
                    "ok" => Some((&true, ok.as_deref())),
                    "err" => Some((&false, err.as_deref())),
                    _ => None,
                })?;
                let payload = self.payload(index, properties, payload_ty)?;
                Val::Result(if *tag { Ok(payload) } else { Err(payload) })
            }
            _ => return wrong(self),
        })
    }

    fn nested(
        &mut self,
        segment: &str,
        parent: u32,
        index: u32,
        ty: &WitType,
    ) -> Result<Val, Mismatch> {
        // Elements always come after their parent, so reading can only move
        // forward through the tree, and ends.
        if index <= parent {
            return Err(Mismatch {
                path: format!("{}{segment}", self.path),
                expected: ty.to_string(),
                got: "a malformed value tree".to_owned(),
            });
        }
        let len = self.path.len();
        self.path.push_str(segment);
        let value = self.value(index, ty)?;
        self.path.truncate(len);
        Ok(value)
    }

    /// The case a `{ tag, val }` object names.
    fn tag<'t, T>(
        &self,
        properties: &[(String, u32)],
        ty: &WitType,
        find: impl Fn(&str) -> Option<(&'t T, Option<&'t WitType>)>,
    ) -> Result<(&'t T, Option<&'t WitType>), Mismatch> {
        let tag = self.node(property(properties, "tag"));
        let found = match tag {
            JsValue::String(tag) => find(tag),
            _ => None,
        };
        found.ok_or_else(|| self.mismatch_at(".tag", &format!("a case of {ty}"), tag))
    }

    /// The `val` of a `{ tag, val }` object, when the case has a payload.
    fn payload(
        &mut self,
        index: u32,
        properties: &[(String, u32)],
        ty: Option<&WitType>,
    ) -> Result<Option<Box<Val>>, Mismatch> {
        ty.map(|ty| {
            self.nested(".val", index, property(properties, "val"), ty)
                .map(Box::new)
        })
        .transpose()
    }

    fn mismatch(&self, ty: &WitType, got: &JsValue) -> Mismatch {
        Mismatch {
            path: self.path.clone(),
            expected: ty.to_string(),
            got: self.describe(got),
        }
    }

    fn mismatch_at(&self, segment: &str, expected: &str, got: &JsValue) -> Mismatch {
        Mismatch {
            path: format!("{}{segment}", self.path),
            expected: expected.to_owned(),
            got: self.describe(got),
        }
    }

    /// A JS value as an error message shows it: short, and quoting strings.
    fn describe(&self, node: &JsValue) -> String {
        match node {
            JsValue::Undefined => "undefined".into(),
            JsValue::Null => "null".into(),
            JsValue::Boolean(b) => b.to_string(),
            JsValue::Number(n) => format_number(*n),
            JsValue::BigInt(digits) => format!("{digits}n"),
            JsValue::String(s) => {
                let mut out = String::from("\"");
                for (i, c) in s.chars().enumerate() {
                    if i == 40 {
                        out.push('…');
                        break;
                    }
                    let _ = write!(out, "{}", c.escape_debug());
                }
                out.push('"');
                out
            }
            JsValue::Bytes(bytes) => format!("a Uint8Array of {} bytes", bytes.len()),
            JsValue::Array(items) => format!("an array of {} elements", items.len()),
            JsValue::Object(_) => "an object".into(),
            JsValue::Unsupported(kind) => format!("a {kind}"),
        }
    }
}

/// The index of property `key`, or one past the tree (`undefined`).
fn property(properties: &[(String, u32)], key: &str) -> u32 {
    properties
        .iter()
        .find(|(k, _)| k == key)
        .map_or(u32::MAX, |(_, at)| *at)
}

/// `n` as an integer, if it is one.
pub(super) fn integer(n: f64) -> Option<i128> {
    (n.fract() == 0.0 && n.is_finite()).then_some(n as i128)
}

/// Whether a JS number holds `n` exactly (`Number.isSafeInteger`).
pub(super) fn is_safe(n: i128) -> bool {
    n.unsigned_abs() < 1 << 53
}

fn format_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if n == 0.0 || (1e-6..1e21).contains(&n.abs()) {
        return match n.fract() == 0.0 {
            true => format!("{n:.0}"),
            false => n.to_string(),
        };
    }
    // JS's exponent spelling: `3.5e+39`, `1e-7`.
    format!("{n:e}")
        .replacen("e", "e+", 1)
        .replacen("e+-", "e-", 1)
}
