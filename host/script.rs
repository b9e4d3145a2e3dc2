//! The code a run executes.

/// How a [`Script`]'s source is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceKind {
    /// A classic script (sloppy unless `"use strict"`); its completion value
    /// is reported in [`Outcome::Ok`](crate::Outcome::Ok).
    #[default]
    Script,
    /// An ECMAScript module (strict, top-level `await`).
    Module,
}

/// JavaScript source with the name it is reported under in stack traces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// File name used in stack traces and error positions.
    pub name: String,
    /// The source text.
    pub source: String,
    /// How to parse the source.
    pub kind: SourceKind,
}

impl Script {
    /// A classic script named `name`.
    pub fn new(name: impl Into<String>, source: impl Into<String>) -> Self {
        Script {
            name: name.into(),
            source: source.into(),
            kind: SourceKind::Script,
        }
    }

    /// An ECMAScript module named `name`.
    pub fn module(name: impl Into<String>, source: impl Into<String>) -> Self {
        Script {
            kind: SourceKind::Module,
            ..Script::new(name, source)
        }
    }
}
