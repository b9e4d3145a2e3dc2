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
use std::hash::Hash;
use std::sync::Arc;

use wasmtime::Engine;

use crate::cache::Blake3Hasher;
use crate::cache::component::{ArtifactKey, ComponentSource};
use crate::capabilities::bindings::SandboxPre;
use crate::capabilities::bindings::exports::jsbox::sandbox::run::Compiled;
use crate::capabilities::state::Capabilities;
use crate::run::Run;
use crate::run::classify::{classify_error, classify_failure};
use crate::sandbox::snapshot::{self, InstrumentedGuest};
use crate::sandbox::state::SandboxState;
use crate::{Outcome, ResourceReport, Script, components::plugin};

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
fn artifact_key(
    engine: &Engine,
    guest_hash: &blake3::Hash,
    entry: &Compiled,
    modules_read: &[(String, Option<blake3::Hash>)],
) -> ArtifactKey {
    let mut hasher = Blake3Hasher(blake3::Hasher::new());
    hasher.0.update(b"jsbox entry snapshot v1\0");
    hasher.0.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.0.update(guest_hash.as_bytes());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    entry.name.hash(&mut hasher);
    entry.bytecode.hash(&mut hasher);
    for (path, content) in modules_read {
        path.hash(&mut hasher);
        content.map(|hash| *hash.as_bytes()).hash(&mut hasher);
    }
    ArtifactKey(*hasher.0.finalize().as_bytes())
}

impl Run<'_> {
    /// Compiles `entry` (through the bytecode cache), evaluates it in a
    /// snapshot with this run's limits, log sink and module root but no
    /// grants, and compiles the snapshot (through the disk cache). The
    /// error is the outcome the preparation ended in: a syntax error, the
    /// top level's exception, a limit, [`ContextAtTopLevel`],
    /// [`RandomnessAtTopLevel`]...
    pub(crate) fn prepare_handler(
        &self,
        entry: &Script,
        guest: &InstrumentedGuest,
        report: &mut ResourceReport,
    ) -> Result<PreparedHandler, Outcome> {
        let bytecode = self.bytecode(entry, report)?;
        let mut capabilities = Capabilities::modules_only(self.capabilities.module_root.clone());
        capabilities.grants = Arc::new(self.capabilities.grants.for_modules());
        capabilities.audit_sink = Arc::clone(&self.capabilities.audit_sink);
        let mut state = self.state(self.log_sink.clone(), capabilities);
        state.preparing_entry = true;
        // A metering engine traps a store that has no fuel at all.
        let fuel = self
            .inner
            .fuel_metering
            .then(|| self.limits.fuel.unwrap_or(u64::MAX));
        let compiled = Compiled {
            name: entry.name.clone(),
            bytecode,
        };
        let (result, state) = snapshot::pre_initialize_entry(
            &self.inner.engine,
            &self.inner.linker,
            guest,
            state,
            (fuel, self.limits.timeout),
            &compiled,
        );
        report.peak_memory_bytes = report.peak_memory_bytes.max(state.limiter.peak());
        let facts = self.facts(state.limiter.denied());
        let snapshot = match result {
            Ok(Ok(snapshot)) => snapshot,
            Ok(Err(failure)) => return Err(classify_failure(failure.into(), &facts)),
            Err(error) => return Err(classify_error(&error, &facts)),
        };
        let internal = |message: String| Outcome::Internal { message };
        let key = artifact_key(
            &self.inner.engine,
            &self.inner.guest_hash,
            &compiled,
            &state.modules_read,
        );
        let (component, source) = plugin::compile_as(
            &self.inner.engine,
            &self.inner.disk_cache,
            &entry.name,
            &snapshot,
            key,
        )
        .map_err(|e| internal(format!("compiling the entry's snapshot: {e}")))?;
        let pre = self
            .inner
            .linker
            .instantiate_pre(&component)
            .and_then(SandboxPre::new)
            .map_err(|e| internal(format!("linking the entry's snapshot: {e:#}")))?;
        Ok(PreparedHandler {
            name: entry.name.clone(),
            pre,
            source,
        })
    }
}
