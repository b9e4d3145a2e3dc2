//! HTTP handler entries prepared ahead of their requests.
//!
//! [`Runtime::prepare_handler`](crate::Runtime::prepare_handler) evaluates
//! an entry (and the modules it imports) once, in a sandbox of its own, and
//! snapshots the guest after it with Wizer;
//! [`Runtime::handle_prepared`](crate::Runtime::handle_prepared) starts
//! every request's sandbox from that snapshot, so a request pays neither
//! the entry's evaluation nor its imports' loading and linking.
//!
//! This is the Workers model: the top level runs once, not once per
//! request, and what it computed is frozen into the snapshot. So it must
//! not depend on a request: reading `context` traps ([`ContextAtTopLevel`]),
//! it has no grants (modules load, under the run's read deny rules, and
//! nothing else), it may not generate code from strings (`eval` throws an
//! `EvalError`, whatever the requests' `allow_eval`), timers it leaves
//! pending refuse the preparation, and so does any draw of randomness
//! ([`RandomnessAtTopLevel`], noticed by the store's WASI random source:
//! `random_watch.rs`), which would otherwise be one secret shared by every
//! request. `Date.now()` at the top level is the time the snapshot was
//! made; a runtime with a cache directory reuses a snapshot's compiled form
//! for as long as the entry and the modules it read are unchanged, restarts
//! included. Each request's sandbox is still fresh: nothing one request
//! does is seen by the next.

use std::fmt;

use wasmtime::Engine;

use crate::cache::component::{ArtifactKey, ComponentSource};
use crate::capabilities::bindings::SandboxPre;
use crate::capabilities::bindings::exports::jsbox::sandbox::run::Compiled;
use crate::sandbox::state::SandboxState;

/// An HTTP handler entry evaluated once and snapshotted; see the module
/// doc. Made by [`Runtime::prepare_handler`](crate::Runtime::prepare_handler),
/// served by [`Runtime::handle_prepared`](crate::Runtime::handle_prepared)
/// (with the runtime that made it).
pub struct PreparedHandler {
    pub(crate) name: String,
    pub(crate) pre: SandboxPre<SandboxState>,
    pub(crate) source: ComponentSource,
}

impl fmt::Debug for PreparedHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedHandler")
            .field("name", &self.name)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl PreparedHandler {
    /// The entry's name (its file name, for the server).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the compiled snapshot came from: the disk cache (an entry and
    /// imports seen before), or a fresh compilation (and why).
    pub fn source(&self) -> &ComponentSource {
        &self.source
    }
}

/// What an entry's snapshot is made of: the guest, the engine's settings,
/// the entry's bytecode and name, and each module it read, by path and
/// content. Not the snapshot's bytes: QuickJS seeds its context with the
/// time, so they differ from one making to the next.
pub(crate) fn artifact_key(
    engine: &Engine,
    guest_hash: &blake3::Hash,
    entry: &Compiled,
    modules_read: &[(String, Option<blake3::Hash>)],
) -> ArtifactKey {
    let mut inputs: Vec<&[u8]> = vec![
        guest_hash.as_bytes(),
        entry.name.as_bytes(),
        &entry.bytecode,
    ];
    for (path, content) in modules_read {
        // A failed read is an empty input; a hash is 32 bytes.
        let content: &[u8] = content.as_ref().map_or(&[], |hash| hash.as_bytes());
        inputs.extend([path.as_bytes(), content]);
    }
    ArtifactKey::new(engine, "entry snapshot", &inputs)
}
