//! [`Runtime`]: the engine, the compiled guest and the caches, shared by
//! every run; and [`Runtime::run`], which gives each run fresh sandboxes.

mod typed;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::cache::bytecode::{BytecodeCache, BytecodeCacheStats};
use crate::cache::component::ComponentSource;
use crate::cancel::{CancelOnDrop, CancelToken};
use crate::capabilities::imports::http::NetProxy;
use crate::capabilities::state::Capabilities;
use crate::components::http_plugin::{self, HttpPlugin};
use crate::components::plugin::{self, Plugin, PluginError};
use crate::observe::audit::{AuditSink, DiscardAuditSink};
use crate::observe::log::{DiscardSink, LogSink};
use crate::observe::metrics::RuntimeMetrics;
use crate::observe::prometheus::RuntimeCollector;
use crate::run::classify::classify_panic;
use crate::run::{Call, Run, RuntimeInner};
use crate::sandbox::snapshot::InstrumentedGuest;
use crate::{
    Execution, Grants, HttpRequest, Limits, Outcome, PreparedHandler, RequestContext,
    ResourceReport, Responder, RuntimeBuilder, Script,
};
use prometheus::Registry;

/// Runs scripts, each in a fresh sandbox. `Send + Sync` and cheap to clone:
/// build one with [`Runtime::builder`] and share it between threads.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RuntimeInner>,
}

/// Per-run settings.
#[derive(Clone)]
pub struct RunOptions {
    /// The request context, readable in JS as `context`.
    pub context: RequestContext,
    /// The run's limits. A memory limit above the runtime's
    /// [`max_memory_bytes`](RuntimeBuilder::max_memory_bytes) is lowered to it.
    pub limits: Limits,
    /// Where the run's log events go. Default: discarded.
    pub log_sink: Arc<dyn LogSink>,
    /// The directory the script may load modules from (`import`,
    /// `require`), subdirectories included; symbolic links may not lead out
    /// of it. Default: none, so nothing can be loaded.
    pub module_root: Option<PathBuf>,
    /// Cancels the run from outside it. Default: none (the run ends by
    /// itself or at a limit).
    pub cancel: Option<CancelToken>,
    /// What the script may read, write, reach on the network and see of
    /// the environment. Default: nothing.
    pub grants: Grants,
    /// Where every decision on a gated call is recorded. Default:
    /// discarded.
    pub audit_sink: Arc<dyn AuditSink>,
    /// The environment variables the script may see, those that
    /// [`grants`](Self::grants) allows. Default: none; the CLI passes its
    /// own process's.
    pub env: BTreeMap<String, String>,
    /// The HTTP `CONNECT` proxy every `fetch` goes through. Default: none,
    /// so `fetch` connects directly; proxy environment variables are
    /// never read. Through the proxy the target is still resolved and
    /// checked here, and the tunnel asked for the checked address.
    pub net_proxy: Option<NetProxy>,
    /// Whether the script may compile code from strings: `eval` (direct
    /// or not), `Function`, and the async and generator function
    /// constructors however reached. When false, each throws an
    /// `EvalError` naming the setting; code the host hands over (the
    /// script, the modules it imports) runs as usual. Multi-tenant hosts
    /// usually turn it off. Default: true, as in Node.
    pub allow_eval: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            context: RequestContext::default(),
            limits: Limits::default(),
            log_sink: Arc::new(DiscardSink),
            module_root: None,
            cancel: None,
            grants: Grants::default(),
            audit_sink: Arc::new(DiscardAuditSink),
            env: BTreeMap::new(),
            net_proxy: None,
            allow_eval: true,
        }
    }
}

impl RunOptions {
    /// Sends every `fetch` through `proxy`; see [`RunOptions::net_proxy`].
    pub fn with_net_proxy(mut self, proxy: NetProxy) -> Self {
        self.net_proxy = Some(proxy);
        self
    }

    /// Sets the request context.
    pub fn with_context(mut self, context: RequestContext) -> Self {
        self.context = context;
        self
    }

    /// Sets the limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the log sink.
    pub fn with_log_sink(mut self, sink: Arc<dyn LogSink>) -> Self {
        self.log_sink = sink;
        self
    }

    /// Sets the module root.
    pub fn with_module_root(mut self, dir: impl Into<PathBuf>) -> Self {
        self.module_root = Some(dir.into());
        self
    }

    /// Sets the cancellation token.
    pub fn with_cancel_token(mut self, token: CancelToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// Sets the grants.
    pub fn with_grants(mut self, grants: Grants) -> Self {
        self.grants = grants;
        self
    }

    /// Sets the audit sink.
    pub fn with_audit_sink(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.audit_sink = sink;
        self
    }

    /// Sets the environment variables the grants filter.
    pub fn with_env<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self
    }

    /// Allows or forbids code generation from strings (see
    /// [`allow_eval`](Self::allow_eval)).
    pub fn with_allow_eval(mut self, allowed: bool) -> Self {
        self.allow_eval = allowed;
        self
    }
}

impl Runtime {
    /// A builder with the default settings.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    pub(crate) fn from_inner(inner: RuntimeInner) -> Self {
        Runtime {
            inner: Arc::new(inner),
        }
    }

    /// Runs `script` in a new sandbox and classifies how it ended. Never
    /// fails and never panics: every failure, including jsbox's own, is an
    /// [`Outcome`].
    pub fn run(&self, script: &Script, options: RunOptions) -> Execution {
        self.execute(Call::Script(script), options)
    }

    /// Checks that `wasm` is a component targeting the
    /// `jsbox:sandbox/plugin` world (`wit/plugin.wit`) and compiles it,
    /// through the runtime's [cache directory](RuntimeBuilder::cache_dir)
    /// when it has one. `name` identifies the plugin in errors.
    pub fn load_plugin(&self, name: impl Into<String>, wasm: &[u8]) -> Result<Plugin, PluginError> {
        plugin::load(
            &self.inner.engine,
            &self.inner.linker,
            &self.inner.disk_cache,
            name.into(),
            wasm,
        )
    }

    /// Checks that `wasm` is a component targeting the
    /// `jsbox:sandbox/http-plugin` world (`wit/http-plugin.wit`) and
    /// compiles it, through the runtime's
    /// [cache directory](RuntimeBuilder::cache_dir) when it has one. `name`
    /// identifies the plugin in errors.
    pub fn load_http_plugin(
        &self,
        name: impl Into<String>,
        wasm: &[u8],
    ) -> Result<HttpPlugin, PluginError> {
        http_plugin::load(
            &self.inner.engine,
            &self.inner.linker,
            &self.inner.disk_cache,
            name.into(),
            wasm,
        )
    }

    /// Serves `request` with the HTTP plugin `plugin`, in a new instance,
    /// as [`Runtime::handle`] serves it with a JS handler: same limits,
    /// context, grants and host-call cap; `responder` gets the response
    /// the plugin returns, and an error it returns instead is an
    /// [`Outcome::UncaughtException`] (with no response). The plugin gets
    /// the request's body whole.
    pub fn handle_plugin(
        &self,
        plugin: &HttpPlugin,
        request: HttpRequest,
        options: RunOptions,
        responder: Responder,
    ) -> Execution {
        let call = Call::HttpPlugin {
            plugin,
            request,
            responder,
        };
        self.execute(call, options)
    }

    /// Runs `plugin`'s `handle` on `input` in a new instance, like
    /// [`Runtime::run`] runs a script: same limits, context, grants and
    /// host-call cap, one classified [`Outcome`]. The plugin's output is
    /// the outcome's `value_json`, encoded as a JSON string; an error it
    /// returns is an [`Outcome::UncaughtException`].
    pub fn run_plugin(&self, plugin: &Plugin, input: &str, options: RunOptions) -> Execution {
        self.execute(Call::Plugin { plugin, input }, options)
    }

    /// Runs a plugin written in JavaScript: `entry`, an ES module exporting
    /// `handle(input)` (the JS form of the plugin world's `handler`), which
    /// returns a string or a promise of one. Everything else is as
    /// [`Runtime::run_plugin`]; the module's bytecode is cached like a
    /// script's.
    pub fn run_js_plugin(&self, entry: &Script, input: &str, options: RunOptions) -> Execution {
        self.execute(Call::JsPlugin { entry, input }, options)
    }

    /// Serves `request` with the Workers-style handler `entry` defines (a
    /// module's `export default { fetch }`, or a script's `fetch` event
    /// listener), in a new sandbox, with `env` as the handler's `env`
    /// object. A [streamed](crate::HttpBody::Stream) request body is read
    /// by the handler as it arrives (its `request.body` stream); the caller
    /// feeds it from another thread or task. `responder` gets the response
    /// as soon as the handler has it, with a streamed body if the handler's
    /// `Response` has a `ReadableStream`: its chunks then arrive while the
    /// run goes on, and a run that fails before the stream ends leaves it
    /// [cut short](crate::BodyError::Interrupted). The run goes on until
    /// its `ctx.waitUntil` work and timers are done or its deadline passes,
    /// and only then returns. A run that fails before responding never
    /// calls `responder`: its [`Outcome`] says why.
    /// The entry is compiled once and its bytecode cached (when the runtime
    /// has a bytecode cache), so a request costs one fresh instance.
    pub fn handle(
        &self,
        entry: &Script,
        request: HttpRequest,
        env: &[(String, String)],
        options: RunOptions,
        responder: Responder,
    ) -> Execution {
        let call = Call::Handler {
            entry,
            request,
            env,
            responder,
        };
        self.execute(call, options)
    }

    /// Evaluates the handler `entry` once, ahead of its requests, and
    /// snapshots the sandbox after it (see [`PreparedHandler`]):
    /// [`Runtime::handle_prepared`] then serves each request from the
    /// snapshot, skipping the entry's evaluation and its imports. The top
    /// level runs with `options`' limits, log sink and module root, but no
    /// grants, no request `context` and no code generation from strings
    /// (whatever [`allow_eval`](RunOptions::allow_eval) says: every request
    /// starts from its heap, and each has its own `allow_eval`). The error is the outcome preparing
    /// ended in; [`Runtime::handle`] still serves an entry that cannot be
    /// prepared (one whose top level reads `context`, say).
    pub fn prepare_handler(
        &self,
        entry: &Script,
        options: &RunOptions,
    ) -> Result<PreparedHandler, Outcome> {
        // Before the run's clock starts: the first call compiles.
        let instrumented = self
            .inner
            .instrumented_guest
            .get_or_init(|| InstrumentedGuest::new(&self.inner.engine, &self.inner.disk_cache))
            .as_ref()
            .map_err(|message| Outcome::Internal {
                message: message.clone(),
            })?;
        self.setup_run(options, options.log_sink.clone())?
            .prepare_handler(entry, instrumented, &mut ResourceReport::default())
    }

    /// Serves `request` like [`Runtime::handle`], from `handler`'s
    /// snapshot: the entry is already evaluated, so the request pays only
    /// for its own sandbox and handler. `handler` must come from this
    /// runtime's [`Runtime::prepare_handler`].
    pub fn handle_prepared(
        &self,
        handler: &PreparedHandler,
        request: HttpRequest,
        env: &[(String, String)],
        options: RunOptions,
        responder: Responder,
    ) -> Execution {
        let call = Call::PreparedHandler {
            handler,
            request,
            env,
            responder,
        };
        self.execute(call, options)
    }

    pub(crate) fn execute(&self, call: Call<'_>, options: RunOptions) -> Execution {
        let started = Instant::now();
        let RunOptions {
            mut context,
            mut limits,
            log_sink,
            module_root,
            cancel,
            grants,
            audit_sink,
            env,
            net_proxy,
            allow_eval,
        } = options;
        if let Some(max) = self.inner.max_memory_bytes {
            limits.memory_bytes = limits.memory_bytes.min(max);
        }
        if context.request_id.is_empty() {
            context.request_id = uuid::Uuid::new_v4().to_string();
        }
        let mut report = ResourceReport::default();
        let module_root = match canonical_root(module_root) {
            Ok(root) => root,
            Err(outcome) => {
                self.inner.counters.record_outcome(outcome.kind());
                return Execution {
                    outcome,
                    report,
                    request_id: context.request_id,
                };
            }
        };
        let capabilities = Capabilities {
            module_root,
            grants: Arc::new(grants),
            audit_sink,
            env: Arc::new(env),
            net_proxy,
            allow_eval,
        };
        let run = Run::new(
            &self.inner,
            &limits,
            &context,
            started,
            log_sink,
            capabilities,
            cancel.unwrap_or_default(),
        );
        let outcome = catch_unwind(AssertUnwindSafe(|| run.execute(call, &mut report)))
            .unwrap_or_else(classify_panic);
        report.wall_us = started.elapsed().as_micros() as u64;
        self.inner.counters.record_outcome(outcome.kind());
        self.inner
            .counters
            .record_permissions_denied(report.permissions_denied);
        Execution {
            outcome,
            report,
            request_id: context.request_id,
        }
    }

    /// [`Runtime::run`] on a blocking thread of the current Tokio runtime.
    /// Dropping the future before it completes cancels the run (as
    /// [`RunOptions::cancel`] would), which then stops within about a
    /// millisecond; the sandbox is released when it has.
    ///
    /// Must be polled inside a Tokio runtime; outside one, the run ends as
    /// `internal` without starting. Tokio's blocking threads have 2 MiB
    /// stacks by default, enough for the default
    /// [`max_wasm_stack`](RuntimeBuilder::max_wasm_stack).
    ///
    /// ```no_run
    /// use jsbox::{RunOptions, Runtime, Script};
    ///
    /// # async fn serve(runtime: Runtime) {
    /// let script = Script::new("slow.js", "while (true) {}");
    /// let run = runtime.run_async(script, RunOptions::default());
    /// // A client that goes away cancels its run:
    /// let cut_short = tokio::time::timeout(std::time::Duration::from_millis(10), run).await;
    /// assert!(cut_short.is_err());
    /// # }
    /// ```
    pub async fn run_async(&self, script: Script, options: RunOptions) -> Execution {
        self.on_blocking_thread(
            "Runtime::run_async",
            options,
            move |runtime, options| runtime.run(&script, options),
            |execution| execution,
        )
        .await
    }

    /// `work` on a blocking thread of the current Tokio runtime, with a
    /// cancellation token in its options that dropping the future cancels.
    /// Without a Tokio runtime, or if the task fails, `refused` makes the
    /// result from an `internal` execution that ran nothing; `caller` names
    /// the method in its message.
    pub(crate) async fn on_blocking_thread<T: Send + 'static>(
        &self,
        caller: &str,
        mut options: RunOptions,
        work: impl FnOnce(Runtime, RunOptions) -> T + Send + 'static,
        refused: impl FnOnce(Execution) -> T,
    ) -> T {
        let token = options.cancel.get_or_insert_with(CancelToken::new).clone();
        let mut cancel_on_drop = CancelOnDrop(Some(token));
        let handle = match tokio::runtime::Handle::try_current() {
            Ok(handle) => handle,
            Err(error) => {
                cancel_on_drop.0 = None;
                return refused(self.refuse(
                    Outcome::Internal {
                        message: format!("{caller} needs a Tokio runtime: {error}"),
                    },
                    options.context.request_id,
                ));
            }
        };
        let runtime = self.clone();
        let request_id = options.context.request_id.clone();
        let joined = handle.spawn_blocking(move || work(runtime, options)).await;
        cancel_on_drop.0 = None;
        joined.unwrap_or_else(|error| {
            refused(self.refuse(
                Outcome::Internal {
                    message: format!("the run's blocking task failed: {error}"),
                },
                request_id,
            ))
        })
    }

    /// An execution that ran nothing, counted in the metrics.
    fn refuse(&self, outcome: Outcome, mut request_id: String) -> Execution {
        if request_id.is_empty() {
            request_id = uuid::Uuid::new_v4().to_string();
        }
        self.inner.counters.record_outcome(outcome.kind());
        Execution {
            outcome,
            report: ResourceReport::default(),
            request_id,
        }
    }

    /// Compiles `script` into the bytecode cache without running any of it,
    /// so that a server's first request skips parsing and a syntax error
    /// shows at start. Uses `options`' limits and module root (compiling a
    /// module loads its static imports). Without a bytecode cache it only
    /// checks that the script compiles. The error is the outcome compiling
    /// ended in: `syntax_error`, a limit, ...
    pub fn precompile(&self, script: &Script, options: &RunOptions) -> Result<(), Outcome> {
        self.setup_run(options, Arc::new(DiscardSink))?
            .bytecode(script, &mut ResourceReport::default())
            .map(drop)
    }

    /// A run for work done ahead of requests (compiling an entry,
    /// preparing it): `options`' limits, context and module root, and its
    /// grants, which each use narrows to what it needs (host modules).
    fn setup_run<'a>(
        &'a self,
        options: &'a RunOptions,
        log_sink: Arc<dyn LogSink>,
    ) -> Result<Run<'a>, Outcome> {
        let capabilities = Capabilities {
            module_root: canonical_root(options.module_root.clone())?,
            grants: Arc::new(options.grants.clone()),
            audit_sink: Arc::clone(&options.audit_sink),
            env: Arc::default(),
            net_proxy: None,
            // Compiling runs no script code, and a prepared entry's top
            // level is refused code generation by the guest itself.
            allow_eval: false,
        };
        Ok(Run::new(
            &self.inner,
            &options.limits,
            &options.context,
            Instant::now(),
            log_sink,
            capabilities,
            options.cancel.clone().unwrap_or_default(),
        ))
    }

    /// The bytecode cache's counters, if the runtime has one.
    pub fn bytecode_cache_stats(&self) -> Option<BytecodeCacheStats> {
        self.inner.bytecode_cache.as_ref().map(BytecodeCache::stats)
    }

    /// The runtime's counters now: runs by outcome, sandboxes in use, pool
    /// size, bytecode cache.
    pub fn metrics(&self) -> RuntimeMetrics {
        self.inner
            .counters
            .snapshot(self.inner.max_concurrent, self.bytecode_cache_stats())
    }

    /// Registers the runtime's metrics with `registry`: runs by outcome,
    /// sandboxes in use, pool capacity, bytecode-cache hits, misses and
    /// entries, whether the compiled guest came from the disk cache, and
    /// the host calls its grants refused.
    /// They are read from the runtime at every scrape; the registry does not
    /// keep the runtime alive, and scrapes after it is dropped yield nothing.
    /// Fails only if `registry` already has metrics of the same names.
    pub fn register_metrics(&self, registry: &Registry) -> prometheus::Result<()> {
        let runtime = Arc::downgrade(&self.inner);
        let scrape = move || {
            let runtime = Runtime {
                inner: runtime.upgrade()?,
            };
            let cached = matches!(runtime.component_source(), ComponentSource::Cached(_));
            Some((runtime.metrics(), cached))
        };
        registry.register(Box::new(RuntimeCollector::new(Box::new(scrape))?))
    }

    /// Where the compiled guest came from: the disk cache, or a fresh
    /// compilation (and why).
    pub fn component_source(&self) -> &ComponentSource {
        &self.inner.component_source
    }
}

/// The module root, canonical (as the `modules` import compares paths).
fn canonical_root(root: Option<PathBuf>) -> Result<Option<PathBuf>, Outcome> {
    root.map(|dir| {
        dir.canonicalize().map_err(|e| Outcome::HostError {
            message: format!("module root {}: {e}", dir.display()),
        })
    })
    .transpose()
}
