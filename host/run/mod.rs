//! One run: what it calls in its sandbox ([`Call`]), its code made ready
//! (cached or freshly compiled bytecode), the sandbox it gets, and the
//! classified [`Outcome`] with its resource report. [`Runtime`]'s public
//! methods each build a [`Run`] and hand it a [`Call`].
//!
//! [`Runtime`]: crate::Runtime
//!
//! Layer rule: the top of the machinery. Uses `components`, `sandbox`,
//! `capabilities`, `cache`, `observe` and the vocabulary; only the public
//! API (`runtime/`, `builder.rs`) uses it.

pub(crate) mod classify;
mod shared;

pub(crate) use shared::RuntimeInner;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::cache::bytecode::BytecodeKey;
use crate::cancel::CancelToken;
use crate::capabilities::bindings::exports::jsbox::sandbox::run::{Code, Compiled, Failure};
use crate::capabilities::bindings::{self, SandboxPre};
use crate::capabilities::host_functions::RunHostFunctions;
use crate::capabilities::state::Capabilities;
use crate::components::http_plugin::HttpPlugin;
use crate::components::plugin::Plugin;
use crate::components::prepared;
use crate::components::prepared::PreparedHandler;
use crate::components::typed::ExportCall;
use crate::observe::log::{DiscardSink, LogSink};
use crate::report::BytecodeCacheUse;
use crate::run::classify::{RunFacts, classify_error, classify_failure};
use crate::sandbox::Sandbox;
use crate::sandbox::snapshot::{self, InstrumentedGuest};
use crate::sandbox::state::SandboxState;
use crate::{HttpRequest, Limits, Outcome, ResourceReport, Responder, Script};

/// What a run does in its sandbox.
pub(crate) enum Call<'a> {
    /// [`Runtime::run`].
    Script(&'a Script),
    /// [`Runtime::handle`].
    Handler {
        entry: &'a Script,
        request: HttpRequest,
        env: &'a [(String, String)],
        responder: Responder,
    },
    /// [`Runtime::handle_prepared`].
    PreparedHandler {
        handler: &'a PreparedHandler,
        request: HttpRequest,
        env: &'a [(String, String)],
        responder: Responder,
    },
    /// [`Runtime::run_plugin`].
    Plugin { plugin: &'a Plugin, input: &'a str },
    /// [`Runtime::handle_plugin`].
    HttpPlugin {
        plugin: &'a HttpPlugin,
        request: HttpRequest,
        responder: Responder,
    },
    /// [`Runtime::run_js_plugin`].
    JsPlugin { entry: &'a Script, input: &'a str },
    /// [`Runtime::call_export`].
    Export(ExportCall<'a>),
}

/// A [`Call`] with its code ready to run.
enum Prepared<'a> {
    Script(Code),
    Handler {
        entry: Compiled,
        request: HttpRequest,
        env: &'a [(String, String)],
        responder: Responder,
    },
    Plugin {
        plugin: &'a Plugin,
        input: &'a str,
    },
    HttpPlugin {
        plugin: &'a HttpPlugin,
        request: HttpRequest,
        responder: Responder,
    },
    JsPlugin {
        entry: Compiled,
        input: &'a str,
    },
    Export(ExportCall<'a>, Option<Compiled>),
}

/// One call of [`Runtime::run`] or [`Runtime::handle`].
pub(crate) struct Run<'a> {
    pub inner: &'a RuntimeInner,
    pub host_functions: RunHostFunctions,
    pub limits: &'a Limits,
    pub context: bindings::jsbox::sandbox::types::RequestContext,
    pub log_sink: Arc<dyn LogSink>,
    pub deadline: Instant,
    pub capabilities: Capabilities,
    pub cancel: CancelToken,
}

impl<'a> Run<'a> {
    /// The one place a run is made. `started` is when its wall-clock limit
    /// starts; its grants are `capabilities`' with the host's own paths
    /// (caches, this process's `/proc` entries) refused, whatever they say.
    pub(crate) fn new(
        inner: &'a RuntimeInner,
        limits: &'a Limits,
        context: &crate::RequestContext,
        started: Instant,
        log_sink: Arc<dyn LogSink>,
        mut capabilities: Capabilities,
        cancel: CancelToken,
    ) -> Self {
        let grants = Arc::unwrap_or_clone(capabilities.grants);
        capabilities.grants = Arc::new(grants.with_host_paths(Arc::clone(&inner.host_paths)));
        Run {
            inner,
            host_functions: RunHostFunctions {
                functions: Arc::clone(&inner.host_functions),
                context: Arc::new(context.clone()),
            },
            limits,
            context: bindings::request_context(context, deadline_ms(limits.timeout)),
            log_sink,
            deadline: started + limits.timeout,
            capabilities,
            cancel,
        }
    }
}

impl Run<'_> {
    pub(crate) fn execute(&self, call: Call<'_>, report: &mut ResourceReport) -> Outcome {
        if self.limits.fuel.is_some() && !self.inner.fuel_metering {
            return Outcome::Internal {
                message: "the run asks for a fuel budget, but this runtime was built with \
                          fuel metering off (RuntimeBuilder::fuel_metering)"
                    .to_owned(),
            };
        }
        if self.cancel.is_cancelled() {
            return Outcome::Cancelled;
        }
        // A prepared handler's sandbox starts from its own snapshot, which
        // only the engine that compiled it can instantiate.
        let pre = match &call {
            Call::PreparedHandler { handler, .. } => {
                if !wasmtime::Engine::same(handler.pre.instance_pre().engine(), &self.inner.engine)
                {
                    return Outcome::Internal {
                        message: format!(
                            "the prepared handler {} was made by another Runtime",
                            handler.name
                        ),
                    };
                }
                &handler.pre
            }
            _ => &self.inner.sandbox_pre,
        };
        let prepared = match call {
            Call::Script(script) => self.code(script, report).map(Prepared::Script),
            Call::Handler {
                entry,
                request,
                env,
                responder,
            } => self
                .bytecode(entry, report)
                .map(|bytecode| Prepared::Handler {
                    entry: Compiled {
                        name: entry.name.clone(),
                        bytecode,
                    },
                    request,
                    env,
                    responder,
                }),
            // The guest takes an empty bytecode for the entry it prepared.
            Call::PreparedHandler {
                handler,
                request,
                env,
                responder,
            } => Ok(Prepared::Handler {
                entry: Compiled {
                    name: handler.name.clone(),
                    bytecode: Vec::new(),
                },
                request,
                env,
                responder,
            }),
            Call::Plugin { plugin, input } => Ok(Prepared::Plugin { plugin, input }),
            Call::HttpPlugin {
                plugin,
                request,
                responder,
            } => Ok(Prepared::HttpPlugin {
                plugin,
                request,
                responder,
            }),
            Call::JsPlugin { entry, input } => {
                self.bytecode(entry, report)
                    .map(|bytecode| Prepared::JsPlugin {
                        entry: Compiled {
                            name: entry.name.clone(),
                            bytecode,
                        },
                        input,
                    })
            }
            Call::Export(call) => match call.js_entry() {
                Some(entry) => self.bytecode(entry, report).map(|bytecode| {
                    let entry = Compiled {
                        name: entry.name.clone(),
                        bytecode,
                    };
                    Prepared::Export(call, Some(entry))
                }),
                None => Ok(Prepared::Export(call, None)),
            },
        };
        let prepared = match prepared {
            Ok(prepared) => prepared,
            Err(outcome) => return outcome,
        };
        let _alive = self.inner.counters.sandbox_alive();
        let mut sandbox = match self.sandbox(self.log_sink.clone(), self.capabilities.clone()) {
            Ok(sandbox) => sandbox,
            Err(error) => return classify_error(&error, &self.facts(false)),
        };
        let handler = matches!(
            prepared,
            Prepared::Handler { .. } | Prepared::HttpPlugin { .. }
        );
        let result = match prepared {
            Prepared::Script(code) => sandbox
                .run(pre, &code)
                .map(|result| result.map(|completion| completion.value_json)),
            Prepared::Handler {
                entry,
                request,
                env,
                responder,
            } => sandbox
                .handle(
                    pre,
                    &entry,
                    bindings::incoming_request(request),
                    env,
                    responder,
                )
                .map(|result| result.map(|()| None)),
            Prepared::Plugin { plugin, input } => {
                sandbox.plugin(&plugin.pre, input).map(|result| {
                    result
                        .map(|output| serde_json::to_string(&output).ok())
                        .map_err(Failure::UncaughtException)
                })
            }
            Prepared::HttpPlugin {
                plugin,
                request,
                responder,
            } => sandbox
                .http_plugin(&plugin.pre, request, responder)
                .map(|result| result.map(|()| None).map_err(Failure::UncaughtException)),
            Prepared::JsPlugin { entry, input } => sandbox
                .js_plugin(pre, &entry, input)
                .map(|result| result.map(|output| serde_json::to_string(&output).ok())),
            Prepared::Export(call, entry) => call.run(&mut sandbox, pre, entry.as_ref()),
        };
        let state = sandbox.state();
        report.fuel_consumed = sandbox.fuel_consumed();
        report.peak_memory_bytes = report.peak_memory_bytes.max(state.limiter.peak());
        report.host_calls = state.host_calls;
        report.permissions_denied = state.permissions_denied;
        report.output_bytes = state.output.used();
        report.output_truncated = state.output.exceeded();
        let facts = self.facts(state.limiter.denied());
        match result {
            Ok(Ok(_)) if handler && !state.responded => Outcome::Internal {
                message: "the guest's handler finished without sending a response".to_owned(),
            },
            Ok(Ok(value_json)) => Outcome::Ok { value_json },
            Ok(Err(failure)) => classify_failure(failure, &facts),
            Err(error) => classify_error(&error, &facts),
        }
    }

    /// The code to run: cached bytecode, freshly compiled bytecode, or the
    /// source itself when there is no cache. A failure to compile is the
    /// run's outcome.
    fn code(&self, script: &Script, report: &mut ResourceReport) -> Result<Code, Outcome> {
        if self.inner.bytecode_cache.is_none() {
            return Ok(Code::Source(script.into()));
        }
        self.bytecode(script, report)
            .map(|bytecode| compiled(script, bytecode))
    }

    /// The script's bytecode: from the cache, or compiled (and cached, when
    /// the runtime has a cache).
    pub(crate) fn bytecode(
        &self,
        script: &Script,
        report: &mut ResourceReport,
    ) -> Result<Vec<u8>, Outcome> {
        let cache = self.inner.bytecode_cache.as_ref();
        let key = BytecodeKey::new(&self.inner.guest_hash, script);
        if let Some(bytecode) = cache.and_then(|cache| cache.get(&key)) {
            report.bytecode_cache = BytecodeCacheUse::Hit;
            return Ok(bytecode.to_vec());
        }
        if cache.is_some() {
            report.bytecode_cache = BytecodeCacheUse::Miss;
        }
        // Parsing runs no script code, so it gets a sandbox of its own that
        // never sees the caller's log sink nor gets any grant. It does see
        // the module root: compiling a module loads (parses) its static
        // imports, under the run's read deny rules and audited like the
        // run's own loads (a parse error could otherwise show a refused
        // file's text). It also sees which host modules the run may use,
        // since the static imports include them.
        let _alive = self.inner.counters.sandbox_alive();
        let mut sandbox = self
            .sandbox(Arc::new(DiscardSink), self.capabilities.for_compile())
            .map_err(|error| classify_error(&error, &self.facts(false)))?;
        let result = sandbox.compile(&self.inner.sandbox_pre, &script.into());
        report.compile_fuel = sandbox.fuel_consumed();
        report.peak_memory_bytes = sandbox.state().limiter.peak();
        let facts = self.facts(sandbox.state().limiter.denied());
        match result {
            Ok(Ok(bytecode)) => {
                if let Some(cache) = cache {
                    cache.insert(key, Arc::from(bytecode.as_slice()));
                }
                Ok(bytecode)
            }
            Ok(Err(failure)) => Err(classify_failure(failure, &facts)),
            Err(error) => Err(classify_error(&error, &facts)),
        }
    }

    fn sandbox(
        &self,
        log_sink: Arc<dyn LogSink>,
        capabilities: Capabilities,
    ) -> wasmtime::Result<Sandbox> {
        Sandbox::new(
            &self.inner.engine,
            self.inner.fuel_metering,
            self.limits,
            self.state(log_sink, capabilities),
        )
    }

    /// A sandbox's store data for this run.
    pub(crate) fn state(
        &self,
        log_sink: Arc<dyn LogSink>,
        capabilities: Capabilities,
    ) -> SandboxState {
        let mut state = SandboxState::new(
            self.context.clone(),
            self.limits.memory_bytes,
            self.limits.max_output_bytes,
            log_sink,
            self.deadline,
            capabilities,
            self.cancel.clone(),
        );
        state.max_host_calls = self.limits.max_host_calls;
        state.max_open_fetches = self.limits.max_open_fetches;
        state.host_functions = self.host_functions.clone();
        state
    }

    pub(crate) fn facts(&self, memory_denied: bool) -> RunFacts<'_> {
        RunFacts {
            limits: self.limits,
            memory_denied,
            max_concurrent: self.inner.max_concurrent.unwrap_or(u32::MAX),
        }
    }
}

fn compiled(script: &Script, bytecode: Vec<u8>) -> Code {
    Code::Compiled(Compiled {
        name: script.name.clone(),
        bytecode,
    })
}

/// The run's deadline as the guest sees it: milliseconds since the epoch.
fn deadline_ms(timeout: Duration) -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (now + timeout).as_millis() as u64
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
        let mut state = self.state(self.log_sink.clone(), self.capabilities.for_compile());
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
        let key = prepared::artifact_key(
            &self.inner.engine,
            &self.inner.guest_hash,
            &compiled,
            &state.modules_read,
        );
        let engine = &self.inner.engine;
        let (component, source) = self.inner.disk_cache.load_or_compile(engine, key, || {
            wasmtime::component::Component::new(engine, &snapshot).map_err(|e| {
                internal(format!(
                    "compiling the entry's snapshot: {} is not a valid WebAssembly \
                         component: {e:#}",
                    entry.name
                ))
            })
        })?;
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
