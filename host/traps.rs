//! Why a run stops early: the errors host calls and the host itself raise
//! to unwind the guest like a trap. `run/classify.rs` turns each into its
//! [`Outcome`](crate::Outcome); they live here, below every layer, so that
//! the layer raising one and the one classifying it need not know each
//! other.

/// The caller cancelled the run ([`CancelToken`](crate::CancelToken)).
#[derive(Debug, thiserror::Error)]
#[error("the run was cancelled by its caller")]
pub(crate) struct Cancelled;

/// The script called `process.exit(code)`.
#[derive(Debug, thiserror::Error)]
#[error("the script called process.exit({code})")]
pub(crate) struct ProcessExit {
    /// The exit code the script gave.
    pub code: i32,
}

/// The guest called the host more often than
/// [`Limits::max_host_calls`](crate::Limits::max_host_calls) allows.
#[derive(Debug, thiserror::Error)]
#[error("the run made more host calls than its limit allows")]
pub(crate) struct HostCallLimitExceeded;

/// An HTTP handler entry read `context` at its top level while it was
/// prepared: the value would be frozen into every request.
#[derive(Debug, thiserror::Error)]
#[error(
    "the entry's top level read `context`, which belongs to a request: read it inside the handler"
)]
pub(crate) struct ContextAtTopLevel;

/// An HTTP handler entry drew randomness at its top level while it was
/// prepared (`crypto.randomUUID()`, `getRandomValues`, `Math.random()`,
/// `node:crypto`'s `randomBytes`...): the value would be frozen into the
/// snapshot, the same in every request and tenant, and kept across
/// restarts by the disk cache.
#[derive(Debug, thiserror::Error)]
#[error(
    "the entry's top level drew randomness (crypto.randomUUID, getRandomValues, Math.random...), \
     which would be the same in every request: draw it inside the handler"
)]
pub(crate) struct RandomnessAtTopLevel;
