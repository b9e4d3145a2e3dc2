//! [`TypedExports`]: the functions an embedder declares, in its own WIT,
//! that plugins export; resolved once, with every unsupported type refused
//! up front.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use wit_parser::{InterfaceId, PackageId, Resolve};

use super::types::WitType;
use super::value::camel_case;

/// The functions of one WIT interface that plugins export to the embedder,
/// with their types resolved. Built with [`TypedExports::builder`]; cheap to
/// clone.
///
/// ```
/// use jsbox::TypedExports;
///
/// let exports = TypedExports::builder()
///     .wit(
///         "orders.wit",
///         "package example:orders@0.1.0;
///          interface orders {
///              record order { id: string, qty: u32 }
///              transform: func(input: order) -> result<order, string>;
///          }",
///     )
///     .interface("orders")
///     .build()?;
/// assert_eq!(exports.interface(), "example:orders/orders@0.1.0");
/// let transform = exports.function("transform").expect("declared");
/// assert_eq!(transform.js_name(), "transform");
/// assert_eq!(
///     transform.to_string(),
///     "transform: func(input: record order) -> result<record order, string>"
/// );
/// # Ok::<(), jsbox::DeclarationError>(())
/// ```
#[derive(Clone)]
pub struct TypedExports {
    inner: Arc<Declared>,
}

struct Declared {
    interface: String,
    functions: Vec<ExportSignature>,
}

impl fmt::Debug for TypedExports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypedExports")
            .field("interface", &self.inner.interface)
            .field("functions", &self.inner.functions)
            .finish()
    }
}

impl TypedExports {
    /// A builder with no WIT yet.
    pub fn builder() -> TypedExportsBuilder {
        TypedExportsBuilder::default()
    }

    /// The interface's full name (`namespace:package/interface@version`),
    /// which is also the name a component plugin exports it under.
    pub fn interface(&self) -> &str {
        &self.inner.interface
    }

    /// The declared functions, in the interface's order.
    pub fn functions(&self) -> impl Iterator<Item = &ExportSignature> {
        self.inner.functions.iter()
    }

    /// The function named `name` (its WIT name), if declared.
    pub fn function(&self, name: &str) -> Option<&ExportSignature> {
        self.inner.functions.iter().find(|f| f.name == name)
    }
}

/// One declared function: its WIT name, the name a JS plugin exports it
/// under, and its parameter and result types. Its `Display` is the WIT
/// declaration, named types by name.
#[derive(Debug, Clone)]
pub struct ExportSignature {
    pub(crate) name: String,
    pub(crate) js_name: String,
    pub(crate) params: Vec<(String, WitType)>,
    pub(crate) result: Option<WitType>,
}

impl ExportSignature {
    /// The WIT name (`apply-discount`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name of the function a JS plugin module exports (`applyDiscount`).
    pub fn js_name(&self) -> &str {
        &self.js_name
    }

    /// The parameters' names, in order.
    pub fn param_names(&self) -> impl Iterator<Item = &str> {
        self.params.iter().map(|(name, _)| name.as_str())
    }
}

impl fmt::Display for ExportSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: func(", self.name)?;
        for (i, (name, ty)) in self.params.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name}: {ty}")?;
        }
        f.write_str(")")?;
        if let Some(result) = &self.result {
            write!(f, " -> {result}")?;
        }
        Ok(())
    }
}

/// Configures [`TypedExports`]: the WIT to read, and which interface of it
/// plugins export.
#[derive(Debug, Default, Clone)]
pub struct TypedExportsBuilder {
    sources: Vec<Source>,
    interface: Option<String>,
}

#[derive(Debug, Clone)]
enum Source {
    Text { name: String, text: String },
    Path(PathBuf),
}

impl TypedExportsBuilder {
    /// Adds one WIT package as text; `name` (a file name) appears in parse
    /// errors. Packages are resolved in the order added, so add a package's
    /// dependencies first.
    pub fn wit(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.sources.push(Source::Text {
            name: name.into(),
            text: text.into(),
        });
        self
    }

    /// Adds a WIT file or directory (a directory may hold its dependencies
    /// in `deps/`, as `wit-bindgen` expects). Read when [`build`](Self::build)
    /// runs.
    pub fn wit_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.sources.push(Source::Path(path.into()));
        self
    }

    /// Names the interface whose functions plugins export: its plain name
    /// (`orders`, looked up in the last package added, then in all of
    /// them) or its full name (`example:orders/orders`, with or without
    /// `@version`).
    pub fn interface(mut self, name: impl Into<String>) -> Self {
        self.interface = Some(name.into());
        self
    }

    /// Parses and resolves the WIT and the interface's function types.
    /// Fails on WIT that does not parse, an interface that is missing or
    /// ambiguous, or a function using a type typed exports do not support
    /// (resources, futures, streams...: see `wit/README.md`).
    pub fn build(self) -> Result<TypedExports, DeclarationError> {
        let Some(wanted) = self.interface else {
            return Err(DeclarationError::NoInterface);
        };
        let mut resolve = Resolve::default();
        let mut last = None;
        for source in &self.sources {
            let pushed = match source {
                Source::Text { name, text } => resolve.push_str(name, text),
                Source::Path(path) => resolve.push_path(path).map(|(id, _)| id),
            };
            last = Some(pushed.map_err(|e| DeclarationError::Wit {
                message: format!("{e:#}"),
            })?);
        }
        let interface = find_interface(&resolve, last, &wanted)?;
        let full_name =
            resolve
                .id_of(interface)
                .ok_or_else(|| DeclarationError::InterfaceNotFound {
                    name: wanted.clone(),
                    available: Vec::new(),
                })?;
        let functions = resolve.interfaces[interface]
            .functions
            .values()
            .map(|function| {
                let refuse = |item: String, message: String| DeclarationError::Unsupported {
                    function: function.name.clone(),
                    item,
                    message,
                };
                let params = function
                    .params
                    .iter()
                    .map(|param| {
                        WitType::resolve(&resolve, &param.ty)
                            .map(|ty| (param.name.clone(), ty))
                            .map_err(|message| {
                                refuse(format!("parameter `{}`", param.name), message)
                            })
                    })
                    .collect::<Result<_, _>>()?;
                let result = function
                    .result
                    .as_ref()
                    .map(|ty| WitType::resolve(&resolve, ty))
                    .transpose()
                    .map_err(|message| refuse("result".to_owned(), message))?;
                Ok(ExportSignature {
                    js_name: camel_case(&function.name),
                    name: function.name.clone(),
                    params,
                    result,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if functions.is_empty() {
            return Err(DeclarationError::NoFunctions {
                interface: full_name,
            });
        }
        Ok(TypedExports {
            inner: Arc::new(Declared {
                interface: full_name,
                functions,
            }),
        })
    }
}

/// The interface `wanted` names: see [`TypedExportsBuilder::interface`].
fn find_interface(
    resolve: &Resolve,
    main: Option<PackageId>,
    wanted: &str,
) -> Result<InterfaceId, DeclarationError> {
    let named: Vec<(InterfaceId, String)> = resolve
        .interfaces
        .iter()
        .filter_map(|(id, _)| resolve.id_of(id).map(|full| (id, full)))
        .collect();
    let matches = |in_main: bool| -> Vec<InterfaceId> {
        named
            .iter()
            .filter(|(id, full)| {
                let unversioned = full.split('@').next().unwrap_or(full);
                let interface = &resolve.interfaces[*id];
                if wanted.contains(':') {
                    full == wanted || unversioned == wanted
                } else {
                    interface.name.as_deref() == Some(wanted)
                        && (!in_main || interface.package == main)
                }
            })
            .map(|(id, _)| *id)
            .collect()
    };
    let mut found = matches(true);
    if found.is_empty() {
        found = matches(false);
    }
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(DeclarationError::InterfaceNotFound {
            name: wanted.to_owned(),
            available: named.into_iter().map(|(_, full)| full).collect(),
        }),
        several => Err(DeclarationError::AmbiguousInterface {
            name: wanted.to_owned(),
            candidates: several.iter().filter_map(|id| resolve.id_of(*id)).collect(),
        }),
    }
}

/// Why typed exports could not be declared.
#[derive(Debug, thiserror::Error)]
pub enum DeclarationError {
    /// [`TypedExportsBuilder::interface`] was not called.
    #[error(
        "no interface named: call TypedExportsBuilder::interface with the interface plugins export"
    )]
    NoInterface,
    /// The WIT did not parse or resolve.
    #[error("the typed exports' WIT is invalid: {message}")]
    Wit {
        /// What `wit-parser` said, with the file and position.
        message: String,
    },
    /// No interface has the given name.
    #[error("no WIT interface named `{name}`; the WIT defines: {}", available.join(", "))]
    InterfaceNotFound {
        /// The name asked for.
        name: String,
        /// The full names of the interfaces the WIT defines.
        available: Vec<String>,
    },
    /// Several interfaces have the given plain name.
    #[error("`{name}` names several interfaces ({}); give the full name", candidates.join(", "))]
    AmbiguousInterface {
        /// The name asked for.
        name: String,
        /// The full names of the interfaces it matches.
        candidates: Vec<String>,
    },
    /// The interface declares no functions.
    #[error("interface {interface} declares no functions for plugins to export")]
    NoFunctions {
        /// The interface's full name.
        interface: String,
    },
    /// A function uses a type typed exports do not support.
    #[error("typed export `{function}`: {item}: {message}")]
    Unsupported {
        /// The function's WIT name.
        function: String,
        /// The parameter or result concerned.
        item: String,
        /// What is not supported, and why.
        message: String,
    },
}
