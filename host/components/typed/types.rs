//! [`WitType`]: the WIT value types a typed export may use, resolved once
//! from the embedder's WIT (`wit-parser`), and checked against the types a
//! component plugin actually exports (Wasmtime's).
//!
//! Resources, futures, streams, error contexts, maps, fixed-length lists
//! and `option<option<T>>` (which JS cannot tell apart from `option<T>`)
//! are refused here, when the embedder declares its exports, never in a
//! run.

use std::fmt;

use wasmtime::component::types::Type as ComponentType;
use wit_parser::{Resolve, Type, TypeDefKind};

/// A WIT value type, as typed exports convert it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum WitType {
    Bool,
    S8,
    U8,
    S16,
    U16,
    S32,
    U32,
    S64,
    U64,
    F32,
    F64,
    Char,
    String,
    List(Box<WitType>),
    Record {
        name: Option<String>,
        fields: Vec<(String, WitType)>,
    },
    Tuple(Vec<WitType>),
    Variant {
        name: Option<String>,
        cases: Vec<(String, Option<WitType>)>,
    },
    Enum {
        name: Option<String>,
        cases: Vec<String>,
    },
    Option(Box<WitType>),
    Result {
        ok: Option<Box<WitType>>,
        err: Option<Box<WitType>>,
    },
    Flags {
        name: Option<String>,
        flags: Vec<String>,
    },
}

impl WitType {
    /// Resolves `ty` from `resolve`, refusing what typed exports do not
    /// support; the error says what and why.
    pub fn resolve(resolve: &Resolve, ty: &Type) -> Result<WitType, String> {
        Ok(match ty {
            Type::Bool => WitType::Bool,
            Type::U8 => WitType::U8,
            Type::U16 => WitType::U16,
            Type::U32 => WitType::U32,
            Type::U64 => WitType::U64,
            Type::S8 => WitType::S8,
            Type::S16 => WitType::S16,
            Type::S32 => WitType::S32,
            Type::S64 => WitType::S64,
            Type::F32 => WitType::F32,
            Type::F64 => WitType::F64,
            Type::Char => WitType::Char,
            Type::String => WitType::String,
            Type::ErrorContext => return Err(unsupported("error-context")),
            Type::Id(id) => {
                let def = &resolve.types[*id];
                let name = def.name.clone();
                let field = |ty: &Type| WitType::resolve(resolve, ty);
                let boxed = |ty: &Option<Type>| -> Result<Option<Box<WitType>>, String> {
                    ty.as_ref().map(|ty| field(ty).map(Box::new)).transpose()
                };
                match &def.kind {
                    TypeDefKind::Type(ty) => field(ty)?,
                    TypeDefKind::Record(record) => WitType::Record {
                        name,
                        fields: record
                            .fields
                            .iter()
                            .map(|f| Ok((f.name.clone(), field(&f.ty)?)))
                            .collect::<Result<_, String>>()?,
                    },
                    TypeDefKind::Tuple(tuple) => {
                        WitType::Tuple(tuple.types.iter().map(field).collect::<Result<_, _>>()?)
                    }
                    TypeDefKind::Variant(variant) => WitType::Variant {
                        name,
                        cases: variant
                            .cases
                            .iter()
                            .map(|c| Ok((c.name.clone(), c.ty.as_ref().map(field).transpose()?)))
                            .collect::<Result<_, String>>()?,
                    },
                    TypeDefKind::Enum(e) => WitType::Enum {
                        name,
                        cases: e.cases.iter().map(|c| c.name.clone()).collect(),
                    },
                    TypeDefKind::Flags(flags) => WitType::Flags {
                        name,
                        flags: flags.flags.iter().map(|f| f.name.clone()).collect(),
                    },
                    TypeDefKind::Option(inner) => match field(inner)? {
                        WitType::Option(_) => {
                            return Err("option<option<T>> is not supported: JS has one \
                                        `undefined`, so `some(none)` and `none` look alike; \
                                        use a variant instead"
                                .to_owned());
                        }
                        inner => WitType::Option(Box::new(inner)),
                    },
                    TypeDefKind::Result(result) => WitType::Result {
                        ok: boxed(&result.ok)?,
                        err: boxed(&result.err)?,
                    },
                    TypeDefKind::List(inner) => WitType::List(Box::new(field(inner)?)),
                    TypeDefKind::Resource | TypeDefKind::Handle(_) => {
                        return Err(unsupported("resources"));
                    }
                    TypeDefKind::Future(_) => return Err(unsupported("futures")),
                    TypeDefKind::Stream(_) => return Err(unsupported("streams")),
                    TypeDefKind::Map(..) => return Err(unsupported("maps")),
                    TypeDefKind::FixedLengthList(..) => {
                        return Err(unsupported("fixed-length lists"));
                    }
                    TypeDefKind::Unknown => return Err("an unresolved type".to_owned()),
                }
            }
        })
    }

    /// Checks that a component's type is this one; the error names the
    /// first difference.
    pub fn check_component(&self, ty: &ComponentType) -> Result<(), String> {
        let differ =
            || -> Result<(), String> { Err(format!("declared {self}, exported {}", describe(ty))) };
        match (self, ty) {
            (WitType::Bool, ComponentType::Bool)
            | (WitType::S8, ComponentType::S8)
            | (WitType::U8, ComponentType::U8)
            | (WitType::S16, ComponentType::S16)
            | (WitType::U16, ComponentType::U16)
            | (WitType::S32, ComponentType::S32)
            | (WitType::U32, ComponentType::U32)
            | (WitType::S64, ComponentType::S64)
            | (WitType::U64, ComponentType::U64)
            | (WitType::F32, ComponentType::Float32)
            | (WitType::F64, ComponentType::Float64)
            | (WitType::Char, ComponentType::Char)
            | (WitType::String, ComponentType::String) => Ok(()),
            (WitType::List(inner), ComponentType::List(list)) => inner.check_component(&list.ty()),
            (WitType::Option(inner), ComponentType::Option(option)) => {
                inner.check_component(&option.ty())
            }
            (WitType::Record { fields, .. }, ComponentType::Record(record)) => {
                let theirs: Vec<_> = record.fields().collect();
                if theirs.len() != fields.len() {
                    return differ();
                }
                for ((name, ty), field) in fields.iter().zip(theirs) {
                    if name != field.name {
                        return differ();
                    }
                    ty.check_component(&field.ty)
                        .map_err(|e| format!("field {name}: {e}"))?;
                }
                Ok(())
            }
            (WitType::Tuple(types), ComponentType::Tuple(tuple)) => {
                if tuple.types().len() != types.len() {
                    return differ();
                }
                types
                    .iter()
                    .zip(tuple.types())
                    .try_for_each(|(ty, theirs)| ty.check_component(&theirs))
            }
            (WitType::Variant { cases, .. }, ComponentType::Variant(variant)) => {
                let theirs: Vec<_> = variant.cases().collect();
                if theirs.len() != cases.len() {
                    return differ();
                }
                for ((name, ty), case) in cases.iter().zip(theirs) {
                    if name != case.name {
                        return differ();
                    }
                    match (ty, case.ty) {
                        (None, None) => {}
                        (Some(ty), Some(theirs)) => ty
                            .check_component(&theirs)
                            .map_err(|e| format!("case {name}: {e}"))?,
                        _ => return differ(),
                    }
                }
                Ok(())
            }
            (WitType::Enum { cases, .. }, ComponentType::Enum(e)) => {
                if e.names().eq(cases.iter().map(String::as_str)) {
                    Ok(())
                } else {
                    differ()
                }
            }
            (WitType::Flags { flags, .. }, ComponentType::Flags(theirs)) => {
                if theirs.names().eq(flags.iter().map(String::as_str)) {
                    Ok(())
                } else {
                    differ()
                }
            }
            (WitType::Result { ok, err }, ComponentType::Result(result)) => {
                let side = |ours: &Option<Box<WitType>>, theirs: Option<ComponentType>| match (
                    ours, theirs,
                ) {
                    (None, None) => Ok(()),
                    (Some(ours), Some(theirs)) => ours.check_component(&theirs),
                    _ => differ(),
                };
                side(ok, result.ok())?;
                side(err, result.err())
            }
            _ => differ(),
        }
    }
}

fn unsupported(what: &str) -> String {
    format!("{what} are not supported in typed exports (see wit/README.md for the supported types)")
}

/// A component type named the way WIT spells it, for mismatch messages.
fn describe(ty: &ComponentType) -> String {
    match ty {
        ComponentType::Bool => "bool".into(),
        ComponentType::S8 => "s8".into(),
        ComponentType::U8 => "u8".into(),
        ComponentType::S16 => "s16".into(),
        ComponentType::U16 => "u16".into(),
        ComponentType::S32 => "s32".into(),
        ComponentType::U32 => "u32".into(),
        ComponentType::S64 => "s64".into(),
        ComponentType::U64 => "u64".into(),
        ComponentType::Float32 => "f32".into(),
        ComponentType::Float64 => "f64".into(),
        ComponentType::Char => "char".into(),
        ComponentType::String => "string".into(),
        ComponentType::List(list) => format!("list<{}>", describe(&list.ty())),
        ComponentType::Option(option) => format!("option<{}>", describe(&option.ty())),
        ComponentType::Record(record) => {
            let fields: Vec<_> = record
                .fields()
                .map(|f| format!("{}: {}", f.name, describe(&f.ty)))
                .collect();
            format!("record {{ {} }}", fields.join(", "))
        }
        ComponentType::Tuple(tuple) => {
            let types: Vec<_> = tuple.types().map(|t| describe(&t)).collect();
            format!("tuple<{}>", types.join(", "))
        }
        ComponentType::Variant(variant) => {
            let cases: Vec<_> = variant.cases().map(|c| c.name.to_owned()).collect();
            format!("variant {{ {} }}", cases.join(", "))
        }
        ComponentType::Enum(e) => {
            format!("enum {{ {} }}", e.names().collect::<Vec<_>>().join(", "))
        }
        ComponentType::Flags(f) => {
            format!("flags {{ {} }}", f.names().collect::<Vec<_>>().join(", "))
        }
        ComponentType::Result(result) => format!(
            "result<{}, {}>",
            result.ok().map_or("_".into(), |t| describe(&t)),
            result.err().map_or("_".into(), |t| describe(&t))
        ),
        other => format!("{other:?}"),
    }
}

impl fmt::Display for WitType {
    /// The type as WIT spells it; named types by their name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WitType::Bool => f.write_str("bool"),
            WitType::S8 => f.write_str("s8"),
            WitType::U8 => f.write_str("u8"),
            WitType::S16 => f.write_str("s16"),
            WitType::U16 => f.write_str("u16"),
            WitType::S32 => f.write_str("s32"),
            WitType::U32 => f.write_str("u32"),
            WitType::S64 => f.write_str("s64"),
            WitType::U64 => f.write_str("u64"),
            WitType::F32 => f.write_str("f32"),
            WitType::F64 => f.write_str("f64"),
            WitType::Char => f.write_str("char"),
            WitType::String => f.write_str("string"),
            WitType::List(inner) => write!(f, "list<{inner}>"),
            WitType::Option(inner) => write!(f, "option<{inner}>"),
            WitType::Tuple(types) => {
                f.write_str("tuple<")?;
                for (i, ty) in types.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{ty}")?;
                }
                f.write_str(">")
            }
            WitType::Result { ok, err } => {
                f.write_str("result")?;
                match (ok, err) {
                    (None, None) => Ok(()),
                    (Some(ok), None) => write!(f, "<{ok}>"),
                    (None, Some(err)) => write!(f, "<_, {err}>"),
                    (Some(ok), Some(err)) => write!(f, "<{ok}, {err}>"),
                }
            }
            WitType::Record { name, .. } => named(f, "record", name),
            WitType::Variant { name, .. } => named(f, "variant", name),
            WitType::Enum { name, .. } => named(f, "enum", name),
            WitType::Flags { name, .. } => named(f, "flags", name),
        }
    }
}

fn named(f: &mut fmt::Formatter<'_>, kind: &str, name: &Option<String>) -> fmt::Result {
    match name {
        Some(name) => write!(f, "{kind} {name}"),
        None => f.write_str(kind),
    }
}
