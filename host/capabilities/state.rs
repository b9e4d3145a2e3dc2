//! The per-run state the imports act on ([`RunState`]), and what a run is
//! given to reach outside its memory ([`Capabilities`]).
//!
//! One [`RunState`] exists per run and dies with it; nothing in it is
//! shared between runs except the log and audit sinks, which the caller
//! owns, and the grants and environment, which are read-only.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use wasmtime::component::ResourceTable;

use crate::cancel::CancelToken;
use crate::capabilities::bindings::jsbox::sandbox::types;
use crate::capabilities::grants::Grants;
use crate::capabilities::host_functions::RunHostFunctions;
use crate::capabilities::imports::http::{NetProxy, NetSession};
use crate::observe::audit::{AuditSink, DiscardAuditSink};
use crate::observe::log::LogSink;
use crate::traps::HostCallLimitExceeded;
use crate::{BodyReceiver, BodySender, Responder};

/// What a run may reach outside its own memory, besides logging.
#[derive(Clone)]
pub struct Capabilities {
    /// The canonical directory modules may be loaded from, if any.
    pub module_root: Option<PathBuf>,
    /// The file, net and env permissions.
    pub grants: Arc<Grants>,
    /// Where decisions on gated calls are recorded.
    pub audit_sink: Arc<dyn AuditSink>,
    /// The variables the env grant filters.
    pub env: Arc<BTreeMap<String, String>>,
    /// The proxy every `fetch` goes through, if the operator named one.
    pub net_proxy: Option<NetProxy>,
    /// Whether the script may compile code from strings
    /// ([`RunOptions::allow_eval`](crate::RunOptions::allow_eval)).
    pub allow_eval: bool,
}

impl Capabilities {
    /// Nothing at all: no module root, no grant (the guest's own
    /// initialization).
    pub fn none() -> Self {
        Capabilities {
            module_root: None,
            grants: Arc::new(Grants::default()),
            audit_sink: Arc::new(DiscardAuditSink),
            env: Arc::default(),
            net_proxy: None,
            allow_eval: false,
        }
    }

    /// What a sandbox that compiles or prepares a run's code gets, and the
    /// one place that says so: module loads from the run's module root,
    /// under its read deny rules and audited like its own loads (compiling
    /// a module loads its static imports), and which host modules it may
    /// import; no file, net or env grant, no environment, no proxy, no
    /// code generation from strings.
    pub fn for_compile(&self) -> Self {
        Capabilities {
            module_root: self.module_root.clone(),
            grants: Arc::new(self.grants.for_modules()),
            audit_sink: Arc::clone(&self.audit_sink),
            env: Arc::default(),
            net_proxy: None,
            allow_eval: false,
        }
    }
}

/// What the imports of one run act on: its resources, context, sinks,
/// budgets and the capabilities it was given. The store data
/// ([`RunState`](crate::capabilities::state::RunState)) embeds one.
pub struct RunState {
    /// The run's resources (open files, response bodies), shared with WASI.
    pub table: ResourceTable,
    pub context: types::RequestContext,
    pub log_sink: Arc<dyn LogSink>,
    pub output: OutputBudget,
    /// Calls to jsbox's imports so far; see [`RunState::count_host_call`].
    pub host_calls: u64,
    /// The most host calls the run may make, if limited.
    pub max_host_calls: Option<u64>,
    /// Gated calls the grants refused.
    pub permissions_denied: u64,
    /// When the run must end; host calls that wait stop here.
    pub deadline: Instant,
    /// The caller's cancellation; host calls that wait stop on it too.
    pub cancel: CancelToken,
    /// The canonical directory modules may be loaded from, if any.
    pub module_root: Option<PathBuf>,
    /// The embedder's host functions and which of them the run may use.
    pub host_functions: RunHostFunctions,
    pub grants: Arc<Grants>,
    pub audit_sink: Arc<dyn AuditSink>,
    pub env: Arc<BTreeMap<String, String>>,
    /// Whether the script may compile code from strings (`eval`,
    /// `new Function`); the guest asks through `code-generation`. From the
    /// run's [`Capabilities::allow_eval`], which compile-only sandboxes never
    /// get.
    pub allow_eval: bool,
    /// The HTTP client, made on the first request; dropping it closes
    /// every connection the run opened.
    pub http: Option<NetSession>,
    /// The operator's proxy for `fetch`, if any.
    pub net_proxy: Option<NetProxy>,
    /// The most response bodies the run may hold open at once.
    pub max_open_fetches: u32,
    /// Where a handler run's response goes; taken by the first response.
    pub responder: Option<Responder>,
    /// Whether the guest has sent its response.
    pub responded: bool,
    /// A handler run's streamed request body, until the guest takes it.
    pub request_body: Option<BodyReceiver>,
    /// Where a streamed response's chunks go, until the guest finishes it;
    /// dropped with the run, it leaves the body cut short.
    pub response_body: Option<BodySender>,
    /// Whether this store evaluates an entry for a snapshot (`prepared.rs`),
    /// where per-request state must not be read.
    pub preparing_entry: bool,
    /// While preparing an entry: the modules it read, with the hash of
    /// what they held (none for a failed read), which the snapshot's cache
    /// key includes.
    pub modules_read: Vec<(String, Option<blake3::Hash>)>,
}

impl RunState {
    pub fn new(
        context: types::RequestContext,
        max_output_bytes: u64,
        log_sink: Arc<dyn LogSink>,
        deadline: Instant,
        capabilities: Capabilities,
        cancel: CancelToken,
    ) -> Self {
        RunState {
            table: ResourceTable::new(),
            context,
            log_sink,
            output: OutputBudget::new(max_output_bytes),
            host_calls: 0,
            permissions_denied: 0,
            deadline,
            cancel,
            module_root: capabilities.module_root,
            grants: capabilities.grants,
            audit_sink: capabilities.audit_sink,
            env: capabilities.env,
            allow_eval: capabilities.allow_eval,
            http: None,
            net_proxy: capabilities.net_proxy,
            max_open_fetches: crate::Limits::DEFAULT.max_open_fetches,
            max_host_calls: None,
            host_functions: RunHostFunctions::default(),
            responder: None,
            responded: false,
            request_body: None,
            response_body: None,
            preparing_entry: false,
            modules_read: Vec::new(),
        }
    }

    /// Counts one call to a jsbox import. Every import calls this first, so
    /// that built-in and embedder-provided functions share one budget; past
    /// [`Limits::max_host_calls`](crate::Limits::max_host_calls) the call
    /// fails and the run ends as `host_call_limit`.
    pub fn count_host_call(&mut self) -> wasmtime::Result<()> {
        self.host_calls += 1;
        match self.max_host_calls {
            Some(max) if self.host_calls > max => Err(HostCallLimitExceeded.into()),
            _ => Ok(()),
        }
    }

    /// The table of the run's resources (open files, response bodies).
    pub fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }
}

/// How many bytes of log output a run may still emit.
#[derive(Debug)]
pub struct OutputBudget {
    limit: u64,
    used: u64,
}

impl OutputBudget {
    pub fn new(limit: u64) -> Self {
        OutputBudget { limit, used: 0 }
    }

    /// Accounts for `bytes` more output; whether they fit in the budget.
    pub fn spend(&mut self, bytes: u64) -> bool {
        self.used = self.used.saturating_add(bytes);
        self.used <= self.limit
    }

    /// Bytes emitted so far, dropped ones included.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// Whether some output was dropped.
    pub fn exceeded(&self) -> bool {
        self.used > self.limit
    }
}
