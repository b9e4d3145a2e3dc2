//! Host-side bindings of the `jsbox:sandbox/sandbox` world (`wit/`), and the
//! conversions between their types and the library's public ones.
//!
//! The generated types stay private to the crate: the public API speaks in
//! [`crate::Script`], [`crate::JsError`]... so that WIT revisions do not
//! ripple into every embedder's code.

wasmtime::component::bindgen!({
    world: "sandbox",
    path: "../wit",
    // Every import may fail the run (e.g. a budget check), so each returns
    // a `wasmtime::Result`.
    imports: { default: trappable },
    with: {
        "jsbox:sandbox/fs.file": crate::capabilities::imports::fs::OpenFile,
        "jsbox:sandbox/http.incoming-body": crate::capabilities::imports::http::IncomingBody,
        "jsbox:sandbox/http-body.incoming-body": crate::capabilities::imports::http_body::RequestBody,
    },
});

use self::jsbox::sandbox::types;
use exports::jsbox::sandbox::run;

impl From<&crate::Script> for run::Script {
    fn from(script: &crate::Script) -> Self {
        run::Script {
            name: script.name.clone(),
            source: script.source.clone(),
            kind: match script.kind {
                crate::SourceKind::Script => run::SourceKind::Script,
                crate::SourceKind::Module => run::SourceKind::Module,
            },
        }
    }
}

/// A handler's failure as a run's: the outcomes are the same, and a missing
/// handler is the script's error like any other.
impl From<exports::jsbox::sandbox::http_handler::HandlerFailure> for run::Failure {
    fn from(failure: exports::jsbox::sandbox::http_handler::HandlerFailure) -> Self {
        use exports::jsbox::sandbox::http_handler::HandlerFailure;
        match failure {
            HandlerFailure::SyntaxError(error) => run::Failure::SyntaxError(error),
            HandlerFailure::UncaughtException(error) => run::Failure::UncaughtException(error),
            HandlerFailure::NoHandler(message) => run::Failure::UncaughtException(types::JsError {
                name: "TypeError".to_owned(),
                message,
                stack: None,
            }),
            HandlerFailure::Internal(message) => run::Failure::Internal(message),
        }
    }
}

/// A request as the guest gets it: the head and a whole body in the
/// record, or an empty one there and the stream to read it from.
pub fn incoming_request(
    request: crate::HttpRequest,
) -> (
    self::jsbox::sandbox::http_types::IncomingRequest,
    Option<crate::BodyReceiver>,
) {
    let (body, stream) = match request.body {
        crate::HttpBody::Full(bytes) => (bytes, None),
        crate::HttpBody::Stream(receiver) => (Vec::new(), Some(receiver)),
    };
    let head = self::jsbox::sandbox::http_types::IncomingRequest {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body,
    };
    (head, stream)
}

impl From<types::JsError> for crate::JsError {
    fn from(error: types::JsError) -> Self {
        crate::JsError {
            name: error.name,
            message: error.message,
            stack: error.stack,
        }
    }
}

impl From<self::jsbox::sandbox::log::Level> for crate::LogLevel {
    fn from(level: self::jsbox::sandbox::log::Level) -> Self {
        use self::jsbox::sandbox::log::Level;
        match level {
            Level::Trace => crate::LogLevel::Trace,
            Level::Debug => crate::LogLevel::Debug,
            Level::Info => crate::LogLevel::Info,
            Level::Warn => crate::LogLevel::Warn,
            Level::Error => crate::LogLevel::Error,
        }
    }
}

/// The WIT context of a run: the caller's context plus the deadline.
pub fn request_context(context: &crate::RequestContext, deadline_ms: u64) -> types::RequestContext {
    types::RequestContext {
        tenant_id: context.tenant_id.clone(),
        user: context.user.as_ref().map(|user| types::User {
            id: user.id.clone(),
            email: user.email.clone(),
            permissions: user.permissions.clone(),
        }),
        request_id: context.request_id.clone(),
        locale: context.locale.clone(),
        trace_parent: context.trace_parent.clone(),
        deadline_ms,
    }
}

/// Host-side bindings of the `jsbox:sandbox/plugin` world: the same host
/// interfaces as the guest's world (reused, so one implementation serves
/// both), and the `handler` export plugins provide.
pub mod plugin {
    wasmtime::component::bindgen!({
        world: "plugin",
        path: "../wit",
        imports: { default: trappable },
        with: {
            "jsbox:sandbox/types": crate::capabilities::bindings::jsbox::sandbox::types,
            "jsbox:sandbox/context": crate::capabilities::bindings::jsbox::sandbox::context,
            "jsbox:sandbox/log": crate::capabilities::bindings::jsbox::sandbox::log,
            "jsbox:sandbox/timers": crate::capabilities::bindings::jsbox::sandbox::timers,
            "jsbox:sandbox/host-functions": crate::capabilities::bindings::jsbox::sandbox::host_functions,
        },
    });
}

/// Host-side bindings of the `jsbox:sandbox/http-plugin` world: the host
/// interfaces and the HTTP records are the sandbox world's (reused), the
/// export is `incoming-handler`.
pub mod http_plugin {
    wasmtime::component::bindgen!({
        world: "http-plugin",
        path: "../wit",
        imports: { default: trappable },
        with: {
            "jsbox:sandbox/types": crate::capabilities::bindings::jsbox::sandbox::types,
            "jsbox:sandbox/http-types": crate::capabilities::bindings::jsbox::sandbox::http_types,
            "jsbox:sandbox/context": crate::capabilities::bindings::jsbox::sandbox::context,
            "jsbox:sandbox/log": crate::capabilities::bindings::jsbox::sandbox::log,
            "jsbox:sandbox/timers": crate::capabilities::bindings::jsbox::sandbox::timers,
            "jsbox:sandbox/host-functions": crate::capabilities::bindings::jsbox::sandbox::host_functions,
        },
    });
}
