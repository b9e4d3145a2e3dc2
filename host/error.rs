//! Errors that keep a [`Runtime`](crate::Runtime) from being built.
//!
//! Failures of a single run are never errors: they are classified
//! [`Outcome`](crate::Outcome)s, so one bad script cannot be confused with a
//! broken host.

/// Why a [`Runtime`](crate::Runtime) could not be built.
///
/// An error's message says what failed; what caused it is its
/// [`source`](std::error::Error::source), so that a chain printed whole
/// (`anyhow`'s `{:#}`) names each cause once.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The Wasmtime engine rejected the configuration.
    #[error("cannot configure the WebAssembly engine")]
    Engine(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The embedded guest component failed to compile. This is a build
    /// problem of jsbox itself, not of any script.
    #[error("cannot compile the embedded QuickJS guest")]
    CompileGuest(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Pre-initializing the guest for its snapshot failed.
    #[error("cannot pre-initialize the QuickJS guest")]
    Snapshot(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A setting of the builder is out of range.
    #[error("invalid runtime configuration: {0}")]
    InvalidConfig(String),
    /// The guest's imports could not be satisfied by the host.
    #[error("cannot link the guest to the host's imports")]
    Link(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The epoch ticker thread could not be started.
    #[error("cannot start the deadline ticker thread")]
    Ticker(#[source] std::io::Error),
}
